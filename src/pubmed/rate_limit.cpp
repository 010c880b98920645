#include "pubmed/rate_limit.h"

#include <thread>

namespace p2p::pubmed {

RateLimiter::RateLimiter(double per_second)
    : interval_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(per_second > 0 ? 1.0 / per_second : 0.0))) {}

std::optional<RateLimiter::Clock::duration> RateLimiter::reserve(Clock::time_point now, Clock::duration max_wait) {
  std::lock_guard lock(mutex_);
  Clock::time_point slot = next_free_ > now ? next_free_ : now;
  if (slot - now > max_wait) return std::nullopt;
  next_free_ = slot + interval_;
  return slot - now;
}

bool RateLimiter::acquire(Clock::duration max_wait) {
  auto wait = reserve(Clock::now(), max_wait);
  if (!wait) return false;
  if (wait->count() > 0) std::this_thread::sleep_for(*wait);
  return true;
}

}  // namespace p2p::pubmed
