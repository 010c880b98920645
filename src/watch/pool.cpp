#include "watch/pool.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

void close_all_but(int a, int b) {
  int lo = std::min(a, b), hi = std::max(a, b);
  auto close_range_of = [](int from, int to) {
    if (from <= to) ::close_range(static_cast<unsigned>(from), static_cast<unsigned>(to), 0);
  };
  if (lo < 0) {  // one descriptor to keep
    close_range_of(3, hi - 1);
    close_range_of(hi + 1, ~0U >> 1);
    return;
  }
  close_range_of(3, lo - 1);
  close_range_of(lo + 1, hi - 1);
  close_range_of(hi + 1, ~0U >> 1);
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
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    why = std::strerror(errno);
    return false;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    why = std::strerror(errno);
    ::close(sv[0]);
    ::close(sv[1]);
    return false;
  }
  if (pid == 0) {
    // no other worker's socket may stay open here, or closing it would not
    // stop that worker; nor the watcher's inotify, signalfd or log file
    close_all_but(sv[1], keep_fd);
    worker_main(sv[1], serve, parent);
  }
  ::close(sv[1]);
  w = Worker{};
  w.pid = pid;
  w.fd = sv[0];
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
