// The cpp-httplib adapter. Debian builds httplib as a library with OpenSSL,
// zlib and brotli support; the compile definitions come from its pkg-config
// file (see src/CMakeLists.txt), so they match the .so.
#include "serve/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "serve/body_type.h"

namespace p2p::serve {

namespace {

using Clock = std::chrono::steady_clock;

// httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed
// when Debian compiled the library): a burst of connections would see SYNs
// dropped and retried a second later. Linux lets listen() be called again on
// a listening socket to enlarge the queue (ConnectionLoop::socket_fd).
constexpr int kBacklog = 1024;

// Bodies a little over the limit are read and dropped so that the client
// gets its 413 (closing on unread data makes the kernel reset the
// connection, and the client may never see the answer); beyond this we
// answer at once and close.
constexpr size_t kDrainLimit = 64u << 20;

// Header limits. httplib counts neither headers nor their bytes; the
// connection stops reading at kHeaderReadLimit, and a request whose headers
// got through but exceed these gets 431.
constexpr size_t kMaxHeaders = 100;
constexpr size_t kMaxHeaderBytes = 32u << 10;
constexpr size_t kHeaderReadLimit = 1u << 20;
// httplib adds REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR and LOCAL_PORT to the headers it read.
constexpr size_t kAddedHeaders = 4;

// After a refusal the client may still be sending: read and drop for this
// long before closing, so that it sees the answer instead of a reset.
constexpr std::chrono::seconds kLinger{5};

// Per request, on the worker thread that serves it: set in the pre-routing
// hook, completed by the handler, read by the logger.
struct RequestContext {
  std::chrono::steady_clock::time_point start;
  bool active = false;
  const void* request = nullptr;  // which request the clock belongs to
  std::string route, case_id, request_id;
};
thread_local RequestContext ctx;

void start_clock(const httplib::Request& req, Service& service) {
  if (ctx.active && ctx.request == &req) return;  // started at its "Expect: 100-continue"
  ctx = RequestContext{std::chrono::steady_clock::now(), true, &req, "", "", service.new_request_id()};
}

void apply(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (!ctx.request_id.empty()) res.set_header("X-Request-Id", ctx.request_id);
  res.set_content(reply.body, reply.content_type);
  ctx.route = reply.route;
  ctx.case_id = reply.case_id;
}

// What the service needs of an HTTP request; the body moved in by the caller.
Request request_of(const httplib::Request& req, std::string body) {
  Request r{req.method, req.path, req.get_header_value("Authorization"), std::move(body), ctx.request_id,
            req.get_header_value("Content-Type")};
  for (const auto& [name, value] : req.params) r.query.emplace_back(name, value);
  auto [from, to] = req.headers.equal_range("Idempotency-Key");  // httplib compares names case-blind
  for (auto it = from; it != to; ++it) r.idempotency_keys.push_back(it->second);
  return r;
}

std::string describe(std::exception_ptr ep) {
  try {
    if (ep) std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown exception";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Milliseconds left until `deadline`, at least 0, for poll().
int millis_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, millis_until(deadline));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

// The server's certificate and key, loaded once; every TLS connection gets
// its own session (SSL) from it.
struct TlsContextFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextFree>;

// Loads the PEM certificate chain and key; null when either does not load or
// they do not match.
TlsContext load_tls_context(const std::string& cert, const std::string& key) {
  TlsContext ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // a write retried after WANT_WRITE may come from a moved buffer (httplib's)
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

// One connection, plain or TLS, as httplib's Stream, with deadlines httplib
// does not have: the TLS handshake, the request line and the headers must
// arrive within `header_time` of the request's start, and the body within
// `body_time` of the headers. A slow client (slowloris) is cut off at the
// deadline instead of holding a thread as long as it keeps trickling bytes.
// The socket is non-blocking, and every read and write waits with poll() for
// the deadline: with TLS a readable socket may hold only part of a record, so
// a blocking SSL_read could wait without bound.
class Connection : public httplib::Stream {
 public:
  // `tls`: null for plain HTTP; otherwise a session is made from it.
  Connection(int fd, SSL_CTX* tls, Clock::duration header_time, Clock::duration body_time,
             Clock::duration write_time)
      : fd_(fd), tls_(tls != nullptr), header_time_(header_time), body_time_(body_time), write_time_(write_time) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    if (tls) {
      ssl_ = SSL_new(tls);
      if (ssl_) SSL_set_fd(ssl_, fd_);
    }
    start_request();
  }
  ~Connection() override {
    if (ssl_) SSL_free(ssl_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The TLS handshake, within the first request's header deadline (nothing
  // to do for plain HTTP). False: give up on the connection.
  bool handshake() {
    if (!tls_) return true;
    if (!ssl_) return false;
    secured_ = transfer([&](short& wait) {
      ERR_clear_error();
      int r = SSL_accept(ssl_);
      if (r == 1) return ssize_t{1};
      wait = tls_wait(r);
      return ssize_t{-1};
    }, deadline_) > 0;
    return secured_;
  }

  void start_request() {
    deadline_ = Clock::now() + header_time_;
    in_headers_ = true;
    header_bytes_ = 0;
    close_after_ = false;
  }
  void headers_done() {
    deadline_ = Clock::now() + body_time_;
    in_headers_ = false;
  }
  void close_after() { close_after_ = true; }
  bool closing() const { return close_after_; }
  // The first byte of a next request within `idle`.
  bool wait_next(Clock::duration idle) { return has_input() || wait_for(fd_, POLLIN, Clock::now() + idle); }

  // Sends TLS's close_notify when a session was set up (best effort, never waits).
  void end_session() {
    if (secured_) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
      ERR_clear_error();
    }
  }

  bool is_readable() const override { return has_input() || wait_for(fd_, POLLIN, deadline_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, Clock::now() + write_time_); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered() == 0) {
      if (in_headers_ && header_bytes_ > kHeaderReadLimit) return -1;
      ssize_t n = transfer([&](short& wait) { return receive(buffer_.data(), buffer_.size(), wait); }, deadline_);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
      if (in_headers_) header_bytes_ += end_;
    }
    size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  // A write retried after WANT_WRITE repeats the same arguments, as OpenSSL requires.
  ssize_t write(const char* ptr, size_t size) override {
    return transfer([&](short& wait) { return send(ptr, size, wait); }, Clock::now() + write_time_);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  size_t buffered() const { return end_ - begin_; }
  bool has_input() const { return buffered() > 0 || (secured_ && SSL_pending(ssl_) > 0); }

  // Repeats `step` (which returns bytes moved, 0 at the end of the stream, or
  // -1 and sets `wait` to the poll() event it needs, 0 when it failed for
  // good) until it moves bytes or the deadline passes.
  template <class Step>
  ssize_t transfer(Step step, Clock::time_point deadline) {
    for (;;) {
      short wait = 0;
      ssize_t n = step(wait);
      if (n >= 0) return n;
      if (!wait || !wait_for(fd_, wait, deadline)) return -1;
    }
  }

  // What a failed SSL call waits for: POLLIN, POLLOUT, or 0 (a real failure).
  short tls_wait(int result) const {
    switch (SSL_get_error(ssl_, result)) {
      case SSL_ERROR_WANT_READ: return POLLIN;
      case SSL_ERROR_WANT_WRITE: return POLLOUT;
      default: return 0;
    }
  }

  // One non-blocking attempt each, in transfer()'s terms.
  ssize_t receive(char* p, size_t n, short& wait) {
    if (tls_) {
      if (!secured_) return -1;
      ERR_clear_error();
      int r = SSL_read(ssl_, p, static_cast<int>(std::min<size_t>(n, INT_MAX)));
      if (r > 0) return r;
      if (SSL_get_error(ssl_, r) == SSL_ERROR_ZERO_RETURN) return 0;
      wait = tls_wait(r);
      return -1;
    }
    ssize_t r = ::recv(fd_, p, n, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) wait = POLLIN;
    return r;
  }
  ssize_t send(const char* p, size_t n, short& wait) {
    if (tls_) {
      if (!secured_) return -1;
      ERR_clear_error();
      int r = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(n, INT_MAX)));
      if (r > 0) return r;
      wait = tls_wait(r);
      return -1;
    }
    ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) wait = POLLOUT;
    return r;
  }

  template <class Get>
  void address(Get get, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (get(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return;
    char text[INET6_ADDRSTRLEN] = "";
    if (a.ss_family == AF_INET) {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      port = ntohs(v4->sin_port);
    } else if (a.ss_family == AF_INET6) {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      port = ntohs(v6->sin6_port);
    }
    ip = text;
  }

  int fd_;
  bool tls_;              // HTTPS: every byte goes through ssl_
  SSL* ssl_ = nullptr;
  bool secured_ = false;  // the TLS handshake completed
  Clock::duration header_time_, body_time_, write_time_;
  Clock::time_point deadline_ = Clock::now();
  bool in_headers_ = true, close_after_ = false;
  size_t header_bytes_ = 0;
  std::array<char, 4096> buffer_{};
  size_t begin_ = 0, end_ = 0;
};

// The connection the current thread serves, for the hooks.
thread_local Connection* current_connection = nullptr;
// When the current thread's connection was accepted.
thread_local Clock::time_point accepted_at;

// Reads and drops what the client still sends, then closes: a client that is
// still writing its body sees our answer instead of a connection reset.
void linger_and_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  auto until = Clock::now() + kLinger;
  std::array<char, 16384> sink;
  size_t dropped = 0;
  while (dropped < kDrainLimit && wait_for(fd, POLLIN, until)) {
    ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    dropped += static_cast<size_t>(n);
  }
  ::close(fd);
}

// The server, plain or HTTPS: httplib's request handling inside our own
// connection loop (httplib calls process_and_close_socket for each accepted
// connection). httplib's SSLServer is not used: its loop has no header
// deadline and its handshake blocks, so one code path serves both.
class ConnectionLoop : public httplib::Server {
 public:
  ConnectionLoop(TlsContext tls, Clock::duration header_time, Clock::duration body_time,
                 Clock::duration write_time, Clock::duration idle, size_t max_requests)
      : tls_(std::move(tls)), header_time_(header_time), body_time_(body_time), write_time_(write_time),
        idle_(idle), max_requests_(max_requests) {}

  // The listening socket, once bound.
  int socket_fd() const { return static_cast<int>(svr_sock_); }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    bool handshaken = false;  // always, for plain HTTP
    {
      Connection conn(sock, tls_.get(), header_time_, body_time_, write_time_);
      current_connection = &conn;
      // a connection that waited in the queue longer than a client may take
      // to send its headers is shed: the pool is saturated
      bool shed = Clock::now() - accepted_at > header_time_;
      handshaken = conn.handshake();
      if (handshaken) {
        ok = true;
        if (shed) send_busy(conn);
        for (size_t served = 0; !shed && served < max_requests_ && svr_sock_ != INVALID_SOCKET; ++served) {
          if (served > 0) {
            if (!conn.wait_next(idle_)) break;
            conn.start_request();
          }
          bool closed = false;
          ok = process_request(conn, served + 1 == max_requests_, closed, nullptr);
          if (!ok || closed || conn.closing()) break;
        }
        conn.end_session();
      }
      current_connection = nullptr;
    }
    if (handshaken) {
      linger_and_close(sock);
    } else {
      ::close(sock);  // no TLS session, so no answer the client could still be reading
    }
    return ok;
  }

  static void send_busy(Connection& conn) {
    const std::string body = R"({"errors": [{"path": "", "message": "the service is busy; retry later"}]})" "\n";
    const std::string busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                             "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body;
    conn.write(busy.data(), busy.size());
  }

  TlsContext tls_;  // null: plain HTTP
  Clock::duration header_time_, body_time_, write_time_, idle_;
  size_t max_requests_;
};

// httplib's task queue, elastic: `base` threads from the start, one more
// whenever a connection arrives and none is idle, up to `max`. A slow client
// holds one thread (until its deadline), not the service; connections beyond
// `max` wait, and one that waited past the header deadline is shed (503).
class ConnectionPool : public httplib::TaskQueue {
 public:
  ConnectionPool(size_t base, size_t max) : max_(std::max(base, max)) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < base; ++i) add_thread();
  }
  ~ConnectionPool() override = default;

  void enqueue(std::function<void()> fn) override {
    auto arrived = Clock::now();
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back([fn = std::move(fn), arrived] {
        accepted_at = arrived;
        fn();
      });
      if (idle_ < jobs_.size() && threads_.size() < max_) add_thread();
    }
    changed_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void add_thread() {
    threads_.emplace_back([this] { serve(); });
  }

  void serve() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ++idle_;
        changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;  // stopping, nothing left
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  size_t max_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace

struct HttpServer::Impl {
  HttpSettings settings;
  Service& service;
  std::unique_ptr<httplib::Server> server;
  int fd = -1;

  Impl(HttpSettings s, Service& svc) : settings(std::move(s)), service(svc) {}

  void install();
};

void HttpServer::Impl::install() {
  httplib::Server& svr = *server;
  size_t threads = static_cast<size_t>(settings.threads);
  size_t max_connections = static_cast<size_t>(settings.max_connections);
  svr.new_task_queue = [threads, max_connections] { return new ConnectionPool(threads, max_connections); };
  svr.set_payload_max_length(settings.max_body);
  auto whole = [](double s, auto set) {
    time_t sec = static_cast<time_t>(s);
    set(sec, static_cast<time_t>((s - static_cast<double>(sec)) * 1e6));
  };
  whole(settings.timeout_s, [&](time_t s, time_t us) { svr.set_read_timeout(s, us); });
  whole(settings.timeout_s, [&](time_t s, time_t us) { svr.set_write_timeout(s, us); });
  svr.set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(settings.keep_alive_s)));
  svr.set_keep_alive_max_count(static_cast<size_t>(settings.keep_alive_max));
  svr.set_tcp_nodelay(true);
  svr.set_default_headers({{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});

  size_t max_body = settings.max_body;

  // What we refuse from the request line and headers alone, before a byte of
  // the body is read (and so before anything is decompressed):
  //   431 too many or too large headers; 400 Content-Length given twice;
  //   415 a Content-Encoding (a 1 MB gzip body can expand to gigabytes) or
  //   a content type that cannot be a case (serve/body_type.h: multipart,
  //   images, PDF, XML ...); 411 no length (chunked bodies are unbounded);
  //   413 a length over the limit, at once when the client waits for
  //   "100 Continue", otherwise read and dropped up to kDrainLimit so the
  //   answer reaches it. The body of any other content type is read as the
  //   case JSON (curl -d and --data-binary send application/x-www-form-urlencoded).
  struct Refusal {
    int status = 0;
    std::string message;  // "" = the status's usual message
  };
  auto refusal = [max_body](const httplib::Request& req, bool client_waits) -> Refusal {
    size_t count = req.headers.size() > kAddedHeaders ? req.headers.size() - kAddedHeaders : 0;
    size_t bytes = 0;
    for (const auto& [name, value] : req.headers) bytes += name.size() + value.size() + 4;
    if (count > kMaxHeaders || bytes > kMaxHeaderBytes) return {431, ""};
    if (req.get_header_value_count("Content-Length") > 1)
      return {400, "Content-Length is given more than once"};
    if (req.has_header("Content-Encoding") && lower(req.get_header_value("Content-Encoding")) != "identity")
      return {415, "Content-Encoding is not accepted: send the case JSON uncompressed"};
    bool sends_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (!sends_body) return {};
    if (std::string why = refuse_body_type(req.get_header_value("Content-Type")); !why.empty()) return {415, why};
    if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length")) return {411, ""};
    uint64_t length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (length > max_body && (client_waits || length > kDrainLimit)) return {413, ""};
    return {};
  };
  auto refuse = [&s = service](const Refusal& why, const httplib::Request& req, httplib::Response& res) {
    Reply r = s.error_reply(why.status, why.message.empty() ? s.message_for_status(why.status) : why.message);
    r.route = Service::route_label(req.method, req.path);
    r.headers.push_back({"Connection", "close"});
    if (current_connection) current_connection->close_after();
    apply(r, res);
  };
  svr.set_expect_100_continue_handler([refusal, refuse, &s = service](const httplib::Request& req,
                                                                      httplib::Response& res) {
    start_clock(req, s);
    if (current_connection) current_connection->headers_done();
    Refusal why = refusal(req, true);
    if (!why.status) return 100;
    refuse(why, req, res);
    return why.status;
  });
  // Before the body is read: start the clock, the body's deadline, the checks.
  svr.set_pre_routing_handler([refusal, refuse, &s = service](const httplib::Request& req, httplib::Response& res) {
    start_clock(req, s);
    if (current_connection) current_connection->headers_done();
    Refusal why = refusal(req, false);
    if (!why.status) return httplib::Server::HandlerResponse::Unhandled;
    refuse(why, req, res);
    return httplib::Server::HandlerResponse::Handled;
  });

  auto dispatch = [&s = service](const httplib::Request& req, httplib::Response& res) {
    apply(s.handle(request_of(req, req.body)), res);
  };
  // POST bodies through a content reader: the raw bytes whatever the content
  // type (httplib would parse a form body and cap it at 8 KiB).
  auto dispatch_read = [&s = service](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& read) {
    std::string body;
    bool whole = read([&](const char* data, size_t n) {
      body.append(data, n);
      return true;
    });
    if (!whole) {  // httplib set 413 (over max_body) or 400 (short body)
      int status = res.status >= 400 ? res.status : 400;
      Reply r = s.error_reply(status, s.message_for_status(status));
      r.route = Service::route_label(req.method, req.path);
      r.headers.push_back({"Connection", "close"});
      if (current_connection) current_connection->close_after();
      apply(r, res);
      return;
    }
    apply(s.handle(request_of(req, std::move(body))), res);
  };
  // Every method and path goes to the service's router (404 and 405 are decided there).
  svr.Get(".*", dispatch);
  svr.Post(".*", dispatch_read);
  svr.Post(".*", dispatch);  // a POST without a body
  svr.Put(".*", dispatch);
  svr.Patch(".*", dispatch);
  svr.Delete(".*", dispatch);
  svr.Options(".*", dispatch);

  // Errors httplib answers itself (413 after draining, 400 for a bad request
  // line, 404 when no handler ran): same JSON as ours.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([&s = service](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Reply r = s.error_reply(res.status, s.message_for_status(res.status));
    if (!ctx.request_id.empty()) res.set_header("X-Request-Id", ctx.request_id);
    res.set_content(r.body, r.content_type);
    return httplib::Server::HandlerResponse::Handled;
  }));

  svr.set_exception_handler([&s = service](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string route = ctx.route.empty() ? Service::route_label(req.method, req.path) : ctx.route;
    Reply r = s.internal_error(route, ctx.case_id, ctx.request_id, describe(ep));
    res.headers.clear();  // whatever the handler had set before it threw
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    apply(r, res);
  });

  svr.set_logger([&s = service](const httplib::Request& req, const httplib::Response& res) {
    double seconds = ctx.active ? std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.start).count() : 0;
    std::string route = ctx.route.empty() ? Service::route_label(req.method, req.path) : ctx.route;
    s.record(req.method, route, res.status, seconds, ctx.case_id, ctx.request_id);
    ctx = RequestContext{};
  });
}

HttpServer::HttpServer(HttpSettings settings, Service& service)
    : impl_(std::make_unique<Impl>(std::move(settings), service)) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind() {
  using R = Result<int>;
  const HttpSettings& st = impl_->settings;
  TlsContext tls;
  if (!st.tls_cert.empty() && !st.tls_key.empty()) {
    tls = load_tls_context(st.tls_cert, st.tls_key);
    if (!tls) return R::fail({error_at("", "cannot load the TLS certificate " + st.tls_cert + " and key " + st.tls_key)});
  }
  auto seconds = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  auto loop = std::make_unique<ConnectionLoop>(std::move(tls), seconds(st.header_timeout_s), seconds(st.timeout_s),
                                               seconds(st.timeout_s), seconds(st.keep_alive_s),
                                               static_cast<size_t>(st.keep_alive_max));
  ConnectionLoop* listener = loop.get();
  impl_->server = std::move(loop);
  impl_->install();
  int port = st.port;
  if (port == 0) {
    port = impl_->server->bind_to_any_port(st.host);
  } else if (!impl_->server->bind_to_port(st.host, port)) {
    port = -1;
  }
  if (port <= 0)
    return R::fail({error_at("", "cannot listen on " + format_address(st.host, st.port) +
                                    " (address in use, or not an address of this machine)")});
  ::listen(listener->socket_fd(), kBacklog);
  return R::ok(port);
}

bool HttpServer::run() { return impl_->server && impl_->server->listen_after_bind(); }

void HttpServer::stop() {
  if (impl_->server) impl_->server->stop();
}

}  // namespace p2p::serve
