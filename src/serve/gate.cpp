#include "serve/gate.h"

#include <algorithm>

namespace p2p::serve {

Gate::Gate(int slots, int max_waiting) : slots_(std::max(1, slots)), max_waiting_(std::max(0, max_waiting)) {}

Gate::Entry Gate::enter(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  if (queue_.empty() && running_ < slots_) {
    ++running_;
    return Entry::entered;
  }
  if (static_cast<int>(queue_.size()) >= max_waiting_) return Entry::queue_full;
  Waiter me;
  queue_.push_back(&me);
  // a slot handed over at the last moment still counts: the wait ends with it
  if (me.admitted_cv.wait_for(lock, max_wait, [&] { return me.admitted; })) return Entry::entered;
  queue_.erase(std::find(queue_.begin(), queue_.end(), &me));
  return Entry::timed_out;
}

void Gate::admit_waiters() {
  while (running_ < slots_ && !queue_.empty()) {
    Waiter* next = queue_.front();
    queue_.pop_front();
    ++running_;
    next->admitted = true;
    next->admitted_cv.notify_one();
  }
}

void Gate::leave() {
  std::lock_guard lock(mutex_);
  --running_;
  admit_waiters();
}

int Gate::waiting() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(queue_.size());
}

int Gate::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace p2p::serve
