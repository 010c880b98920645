// Watch pool: worker processes forked from the watcher. Each worker serves
// one request at a time over its own socketpair: a JSON line in, a JSON line
// out. Processes, not threads, so that a case that hangs or crashes costs one
// worker (killed and replaced by the parent), never the watcher; the
// Resources loaded before the fork are shared copy-on-write.
// Thread contract: fork from a single-threaded parent only. A worker dies
// with its parent (PR_SET_PDEATHSIG), ignores SIGINT/SIGTERM/SIGHUP (the
// parent decides when it stops) and exits when its socket closes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2p::watch {

struct Worker {
  pid_t pid = -1;                  // -1: not running
  int fd = -1;                     // the parent's end of the socketpair
  std::string job;                 // the file in work; "" when idle
  std::chrono::steady_clock::time_point started;   // when `job` was sent
  std::chrono::steady_clock::time_point spawned;
  std::chrono::steady_clock::time_point respawn_at;  // when pid == -1: not before this
  std::string received;            // bytes of an answer not yet complete
  bool timed_out = false;          // we killed it for the time limit
  bool retire = false;             // replace after the current job (resources reloaded)
  bool busy() const { return !job.empty(); }
};

// What a worker does with one request; runs in the child.
using Serve = std::function<nlohmann::json(const nlohmann::json& request)>;

// Forks a worker. The child closes every descriptor above 2 except its
// socket and `keep_fd` (the inbox lock, held until the last worker is gone).
// Fails with the OS's reason.
bool spawn_worker(Worker& w, const Serve& serve, int keep_fd, std::string& why);

// Sends one request line. False when the worker is gone.
bool send_request(Worker& w, const nlohmann::json& request);

// Reads what has arrived without blocking and appends complete answers.
// False once the worker's end is closed.
bool read_answers(Worker& w, std::vector<nlohmann::json>& answers);

// Closes the parent's end: an idle worker then exits by itself.
void close_worker(Worker& w);

}  // namespace p2p::watch
