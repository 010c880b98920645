// Gate: how many packets are generated at once. Generation is CPU work (5 to
// 6 ms a packet), so the service runs at most `slots` of them (one per core by
// default) and lets the others wait in arrival order; more than `max_waiting`
// waiting, or a wait longer than the caller allows, and the request is turned
// away (the service answers 503 with Retry-After) instead of queueing without
// bound. Network waits (PubMed) and disk writes happen outside the gate.
// A leaving packet hands its slot to the first waiter and wakes that one
// alone: waking every waiter to let one in cost the service a tenth of its
// main process's CPU (docs/performance.md, "Issue 14, session 22").
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
  struct Waiter {
    std::condition_variable admitted_cv;
    bool admitted = false;  // a slot was handed over: running_ already counts it
  };
  // Hands free slots to the first waiters; called with mutex_ held.
  void admit_waiters();

  mutable std::mutex mutex_;
  std::deque<Waiter*> queue_;  // in arrival order
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
