#include "watch/pool.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/child_process.h"

namespace p2p::watch {

using nlohmann::json;

namespace {

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string answer_for(const Serve& serve, const std::string& line) {
  json answer;
  try {
    answer = serve(json::parse(line));
  } catch (const std::exception& e) {
    // the message is ours (a library or json error), never case data
    answer = {{"outcome", "error"},
              {"diagnostics", json::array({{{"severity", "error"}, {"path", ""}, {"message", e.what()}}})}};
  }
  return answer.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

[[noreturn]] void worker_main(int fd, const Serve& serve, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(0);  // the parent died before prctl
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_IGN);
  ::signal(SIGCHLD, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(0);  // the parent closed our socket: done
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!write_all(fd, answer_for(serve, line))) ::_exit(0);
    }
  }
}

}  // namespace

bool spawn_worker(Worker& w, const Serve& serve, int keep_fd, std::string& why) {
  ForkedChild child;
  // no other worker's socket stays open in it, or closing that one would
  // not stop its worker; nor the watcher's inotify, signalfd or log file
  bool forked = fork_child(ChildChannel::socket_pair, {keep_fd},
                           [&](int fd, pid_t parent) { worker_main(fd, serve, parent); }, child, why);
  if (!forked) return false;
  w = Worker{};
  w.pid = child.pid;
  w.fd = child.fd;
  w.spawned = std::chrono::steady_clock::now();
  return true;
}

bool send_request(Worker& w, const json& request) {
  if (w.fd < 0) return false;
  return write_all(w.fd, request.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

bool read_answers(Worker& w, std::vector<json>& answers) {
  if (w.fd < 0) return false;
  char buf[8192];
  bool open = true;
  for (;;) {
    ssize_t n = ::recv(w.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      open = false;
      break;
    }
    w.received.append(buf, static_cast<size_t>(n));
  }
  size_t nl;
  while ((nl = w.received.find('\n')) != std::string::npos) {
    std::string line = w.received.substr(0, nl);
    w.received.erase(0, nl + 1);
    try {
      answers.push_back(json::parse(line));
    } catch (const std::exception&) {
      answers.push_back({{"outcome", "error"},
                         {"diagnostics", json::array({{{"severity", "error"},
                                                       {"path", ""},
                                                       {"message", "the worker sent an unreadable answer"}}})}});
    }
  }
  return open;
}

void close_worker(Worker& w) {
  if (w.fd >= 0) ::close(w.fd);
  w.fd = -1;
}

}  // namespace p2p::watch
