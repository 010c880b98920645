#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "core/child_process.h"

#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

using p2p::ChildChannel;
using p2p::ForkedChild;

namespace {

// The descriptors open in this process, from /proc/self/fd.
std::string open_descriptors() {
  std::set<int> fds;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return "?";
  int own = ::dirfd(d);
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.' && std::stoi(e->d_name) != own) fds.insert(std::stoi(e->d_name));
  ::closedir(d);
  std::string out;
  for (int fd : fds) out += std::to_string(fd) + " ";
  return out;
}

int exit_code_of(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("fork_child: the child keeps its end and what it is told to, nothing else of the parent's") {
  int stray = ::open("/dev/null", O_RDONLY);   // the parent's: must not reach the child
  int kept = ::open("/dev/null", O_RDONLY);    // named in keep: must
  REQUIRE(stray >= 3);
  REQUIRE(kept >= 3);
  ForkedChild child;
  std::string why;
  bool ok = p2p::fork_child(ChildChannel::socket_pair, {kept, -1}, [](int fd, pid_t parent) {
    std::string said = std::to_string(fd) + "|" + std::to_string(parent) + "|" + open_descriptors();
    (void)!::write(fd, said.data(), said.size());
    ::_exit(0);
  }, child, why);
  REQUIRE_MESSAGE(ok, why);
  char buf[256];
  std::string heard;
  for (ssize_t n; (n = ::read(child.fd, buf, sizeof buf)) > 0;) heard.append(buf, static_cast<size_t>(n));
  CHECK(exit_code_of(child.pid) == 0);
  ::close(child.fd);
  size_t bar = heard.find('|'), bar2 = heard.find('|', bar + 1);
  REQUIRE(bar2 != std::string::npos);
  int child_end = std::stoi(heard.substr(0, bar));
  CHECK(heard.substr(bar + 1, bar2 - bar - 1) == std::to_string(::getpid()));
  std::set<int> expected = {0, 1, 2, child_end, kept};
  std::string want;
  for (int fd : expected) want += std::to_string(fd) + " ";
  CHECK(heard.substr(bar2 + 1) == want);
  CHECK(heard.find(" " + std::to_string(stray) + " ") == std::string::npos);
  ::close(stray);
  ::close(kept);
}

TEST_CASE("fork_child: a pipe carries what the parent writes to the child") {
  ForkedChild child;
  std::string why;
  bool ok = p2p::fork_child(ChildChannel::pipe_to_child, {}, [](int fd, pid_t) {
    char c = 0;
    ::_exit(::read(fd, &c, 1) == 1 ? c : 99);
  }, child, why);
  REQUIRE_MESSAGE(ok, why);
  char c = 42;
  CHECK(::write(child.fd, &c, 1) == 1);
  ::close(child.fd);
  CHECK(exit_code_of(child.pid) == 42);
}
