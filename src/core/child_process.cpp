#include "core/child_process.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace p2p {

namespace {

// Closes every descriptor from 3 up that `keep` does not name.
void close_all_except(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int k : keep) {
    if (k < static_cast<int>(from)) continue;
    if (static_cast<unsigned>(k) > from) ::close_range(from, static_cast<unsigned>(k) - 1, 0);
    from = static_cast<unsigned>(k) + 1;
  }
  ::close_range(from, ~0U >> 1, 0);
}

}  // namespace

bool fork_child(ChildChannel channel, const std::vector<int>& keep,
                const std::function<void(int fd, pid_t parent)>& run, ForkedChild& child, std::string& why) {
  int ends[2];  // [0]: the parent's, [1]: the child's
  if (channel == ChildChannel::socket_pair) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      why = std::strerror(errno);
      return false;
    }
  } else {
    int p[2];  // p[0] reads, p[1] writes: the child reads
    if (::pipe2(p, O_CLOEXEC) != 0) {
      why = std::strerror(errno);
      return false;
    }
    ends[0] = p[1];
    ends[1] = p[0];
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    why = std::strerror(errno);
    ::close(ends[0]);
    ::close(ends[1]);
    return false;
  }
  if (pid == 0) {
    std::vector<int> open = keep;
    open.push_back(ends[1]);
    close_all_except(std::move(open));
    run(ends[1], parent);
    ::_exit(0);  // run must not return; should it, the child ends here
  }
  ::close(ends[1]);
  child.pid = pid;
  child.fd = ends[0];
  return true;
}

}  // namespace p2p
