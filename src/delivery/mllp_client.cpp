#include "delivery/mllp_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace p2p::delivery {

namespace {

constexpr char kStart = 0x0B, kEnd = 0x1C, kCr = 0x0D;
constexpr size_t kMaxAnswer = 1 << 20;
constexpr int kSlice = 100;  // ms between looks at `cancel`

using Clock = std::chrono::steady_clock;

long ms_left(Clock::time_point deadline) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}

// Closes the socket when the exchange ends, whichever way.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits for `events` on fd until the deadline, in slices so that a cancel
// is seen. 1 ready, 0 timed out, -1 cancelled or failed (why says which).
int wait_for(int fd, short events, Clock::time_point deadline, const std::atomic<bool>* cancel, std::string& why) {
  for (;;) {
    if (cancel && *cancel) {
      why = "cancelled";
      return -1;
    }
    long left = ms_left(deadline);
    if (left <= 0) return 0;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left < kSlice ? left : kSlice));
    if (n > 0) return 1;
    if (n < 0 && errno != EINTR) {
      why = std::strerror(errno);
      return -1;
    }
  }
}

// A non-blocking connection to the first address of host:port that answers.
int connect_to(const std::string& address, long timeout_ms, const std::atomic<bool>* cancel, std::string& why) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    why = "\"" + address + "\" is not HOST:PORT";
    return -1;
  }
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    why = std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      int ready = wait_for(fd, POLLOUT, deadline, cancel, why);
      int err = 0;
      socklen_t len = sizeof err;
      if (ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) break;
      if (ready == 0) why = "no connection within " + std::to_string(timeout_ms) + " ms";
      else if (ready == 1) why = std::strerror(err);
    } else {
      why = std::strerror(errno);
    }
    ::close(fd);
    fd = -1;
    if (why == "cancelled") break;
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

std::string mllp_frame(std::string_view message) {
  std::string framed;
  framed.reserve(message.size() + 3);
  framed += kStart;
  framed += message;
  framed += kEnd;
  framed += kCr;
  return framed;
}

MllpReply mllp_exchange(const std::string& address, std::string_view message, long connect_timeout_ms,
                        long timeout_ms, const std::atomic<bool>* cancel) {
  MllpReply reply;
  Socket s;
  s.fd = connect_to(address, connect_timeout_ms, cancel, reply.error);
  if (s.fd < 0) return reply;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);

  std::string framed = mllp_frame(message);
  size_t sent = 0;
  while (sent < framed.size()) {
    ssize_t n = ::send(s.fd, framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      int ready = wait_for(s.fd, POLLOUT, deadline, cancel, reply.error);
      if (ready == 0) reply.error = "could not send within " + std::to_string(timeout_ms) + " ms";
      if (ready != 1) return reply;
      continue;
    }
    reply.error = std::string("sending: ") + std::strerror(errno);
    return reply;
  }

  // The answer: anything before the start block is noise; it ends at 0x1C 0x0D.
  std::string got;
  char buf[8192];
  for (;;) {
    int ready = wait_for(s.fd, POLLIN, deadline, cancel, reply.error);
    if (ready == 0) reply.error = "no answer within " + std::to_string(timeout_ms) + " ms";
    if (ready != 1) return reply;
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n < 0) {
      reply.error = std::string("reading: ") + std::strerror(errno);
      return reply;
    }
    if (n == 0) {
      reply.error = "connection closed without an answer";
      return reply;
    }
    got.append(buf, static_cast<size_t>(n));
    auto start = got.find(kStart);
    if (start == std::string::npos) continue;
    auto end = got.find(std::string{kEnd, kCr}, start);
    if (end != std::string::npos) {
      reply.answered = true;
      reply.message = got.substr(start + 1, end - start - 1);
      return reply;
    }
    if (got.size() > kMaxAnswer) {
      reply.error = "an answer of more than 1 MiB";
      return reply;
    }
  }
}

}  // namespace p2p::delivery
