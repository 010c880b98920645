// Gate: how many packets are generated at once. Generation is CPU work (about
// 9 ms a packet), so the service runs at most `slots` of them (one per core by
// default) and lets the others wait in arrival order; more than `max_waiting`
// waiting, or a wait longer than the caller allows, and the request is turned
// away (the service answers 503 with Retry-After) instead of queueing without
// bound. Network waits (PubMed) and disk writes happen outside the gate.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace p2p::serve {

class Gate {
 public:
  enum class Entry { entered, queue_full, timed_out };

  Gate(int slots, int max_waiting);

  // Waits for a slot, first come first served. Only `entered` must be
  // followed by leave().
  Entry enter(std::chrono::milliseconds max_wait);
  void leave();

  int waiting() const;
  int running() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<const void*> queue_;  // waiters in arrival order
  int slots_, max_waiting_, running_ = 0;
};

// Holds a slot for a scope.
class GateSlot {
 public:
  GateSlot(Gate& gate, std::chrono::milliseconds max_wait) : gate_(gate), entry_(gate.enter(max_wait)) {}
  ~GateSlot() {
    if (entry_ == Gate::Entry::entered) gate_.leave();
  }
  GateSlot(const GateSlot&) = delete;
  GateSlot& operator=(const GateSlot&) = delete;
  Gate::Entry entry() const { return entry_; }

 private:
  Gate& gate_;
  Gate::Entry entry_;
};

}  // namespace p2p::serve
