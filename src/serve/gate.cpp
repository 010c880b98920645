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
  int me = 0;  // only its address matters: it identifies this waiter
  queue_.push_back(&me);
  bool ok = changed_.wait_for(lock, max_wait, [&] { return queue_.front() == &me && running_ < slots_; });
  if (!ok) {
    queue_.erase(std::find(queue_.begin(), queue_.end(), &me));
    changed_.notify_all();  // the one behind may now be first
    return Entry::timed_out;
  }
  queue_.pop_front();
  ++running_;
  changed_.notify_all();  // the next in line may take another free slot
  return Entry::entered;
}

void Gate::leave() {
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
  changed_.notify_all();
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
