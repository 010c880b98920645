// Forked helper processes that talk to their parent over one descriptor:
// the watcher's generation workers (watch/pool.h) and the delivery sender
// (delivery/sender_process.h). The child keeps open only its end of the
// connection and the descriptors its parent names: a worker must not hold
// another worker's socket (closing ours would then not stop that one), nor
// the parent's inotify, signal descriptor or log file.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace p2p {

// How parent and child are connected.
enum class ChildChannel {
  pipe_to_child,   // the parent writes, the child reads
  socket_pair,     // both ways (AF_UNIX stream)
};

struct ForkedChild {
  pid_t pid = -1;
  int fd = -1;   // the parent's end
};

// Forks. In the child, closes every descriptor from 3 up but its end of the
// channel and `keep` (-1 entries are ignored), then calls run(its end, the
// parent's pid), which must not return (it ends with _exit). In the parent,
// closes the child's end. Returns false with the OS's message in `why`
// when the channel or the fork cannot be made.
bool fork_child(ChildChannel channel, const std::vector<int>& keep,
                const std::function<void(int fd, pid_t parent)>& run, ForkedChild& child, std::string& why);

}  // namespace p2p
