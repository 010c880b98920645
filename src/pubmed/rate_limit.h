// RateLimiter: a token bucket of capacity one, so requests leave at least
// 1/rate seconds apart: at most `rate` requests in any second (NCBI allows 3
// per second without an API key). Callers reserve a slot and sleep until it.
// Thread-safe; one limiter is shared by every thread of the process.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

namespace p2p::pubmed {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(double per_second);

  // Reserves the next free slot at or after `now` and returns how long the
  // caller must wait for it; nullopt (and nothing reserved) when that would
  // be longer than `max_wait`.
  std::optional<Clock::duration> reserve(Clock::time_point now, Clock::duration max_wait);

  // reserve(now) and sleep. False when the wait would exceed max_wait.
  bool acquire(Clock::duration max_wait);

 private:
  std::mutex mutex_;
  Clock::duration interval_;
  Clock::time_point next_free_{};
};

}  // namespace p2p::pubmed
