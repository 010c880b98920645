// Generation workers: the service renders packets in separate processes, so a
// case that crashes the pipeline, runs past the time limit or eats memory
// costs one request (a 500) and one worker (killed and replaced), never the
// service. The parent keeps everything with state: parsing and validation,
// PubMed, the per-case write lock, the disk and the delivery outbox.
//
// Each worker is this same program started again (`p2pdoc serve-worker`,
// posix_spawn of /proc/self/exe), never a fork of the threaded service: a
// fork would copy locks held by other threads. It loads the templates and
// fonts once, then serves one packet at a time over a socketpair: a frame is
// a 4-byte big-endian length and CBOR. Its address space is capped with
// RLIMIT_AS; the parent enforces the time limit with SIGKILL.
// Thread contract: WorkerPool::generate may run on many threads at once;
// each call has a worker to itself.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "pipeline/pipeline.h"

namespace p2p::serve {

struct WorkerLimits {
  std::chrono::milliseconds time{20000};  // one packet; then the worker is killed
  size_t memory_bytes = size_t{1} << 30;  // a worker's address space; 0 = no limit
};

struct WorkerOutcome {
  enum class Kind { generated, failed, crashed, timed_out };
  Kind kind = Kind::crashed;
  Result<Packet> packet = Result<Packet>::fail({});  // generated: the packet; failed: the pipeline's errors
  std::string detail;  // crashed or timed_out: what happened, for the log
};

class WorkerPool {
 public:
  // Workers run `program serve-worker --root ROOT --memory-mb N`, with
  // --pdfa when `pdfa` (their PDFs archival, as the service's settings say).
  WorkerPool(std::string program, std::string root, int size, WorkerLimits limits, bool pdfa = false);
  ~WorkerPool();  // kills and reaps every worker
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `size` workers and waits until each has loaded its resources.
  Result<bool> start();

  // Renders a validated case in a worker (started on the spot when none is
  // idle). A worker that crashed or ran out of time is replaced before this
  // returns.
  // `history` (the triage's, nullptr: no ledger) travels with the case.
  WorkerOutcome generate(const Case& c, long long timestamp, const TriageHistory* history = nullptr);

  const WorkerLimits& limits() const { return limits_; }
  long long replaced() const;  // workers lost to a crash or the time limit

 private:
  struct Child {
    pid_t pid = -1;
    int fd = -1;  // our end of the socketpair
  };
  Result<Child> spawn();
  void discard(Child& c);

  std::string program_, root_;
  int size_;
  bool pdfa_;
  WorkerLimits limits_;
  mutable std::mutex mutex_;
  std::vector<Child> idle_;
  long long replaced_ = 0;
};

// The worker's side, for `p2pdoc serve-worker`: serves frames on fd 3 until
// it closes. Returns the exit code.
int run_generation_worker(const Resources& res, size_t memory_bytes);

}  // namespace p2p::serve
