// The cpp-httplib adapter. Debian builds httplib as a library with OpenSSL,
// zlib and brotli support; the compile definitions come from its pkg-config
// file (see src/CMakeLists.txt), so they match the .so.
#include "serve/http_server.h"

#include <sys/socket.h>

#include <chrono>
#include <exception>

#include <httplib.h>

namespace p2p::serve {

namespace {

// httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed
// when Debian compiled the library): a burst of connections would see SYNs
// dropped and retried a second later. Linux lets listen() be called again on
// a listening socket to enlarge the queue; this subclass reaches the socket.
template <class Base>
class Listener : public Base {
 public:
  using Base::Base;
  int socket_fd() const { return static_cast<int>(this->svr_sock_); }
};

constexpr int kBacklog = 1024;

// Bodies a little over the limit are read and dropped so that the client
// gets its 413 (closing on unread data makes the kernel reset the
// connection, and the client may never see the answer); beyond this we
// answer at once and close.
constexpr size_t kDrainLimit = 64u << 20;

// Per request, on the worker thread that serves it: set in the pre-routing
// hook, completed by the handler, read by the logger.
struct RequestContext {
  std::chrono::steady_clock::time_point start;
  bool active = false;
  const void* request = nullptr;  // which request the clock belongs to
  std::string route, case_id;
};
thread_local RequestContext ctx;

void start_clock(const httplib::Request& req) {
  if (ctx.active && ctx.request == &req) return;  // started at its "Expect: 100-continue"
  ctx = RequestContext{std::chrono::steady_clock::now(), true, &req, "", ""};
}

void apply(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  res.set_content(reply.body, reply.content_type);
  ctx.route = reply.route;
  ctx.case_id = reply.case_id;
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
  int threads = settings.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
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

  // A body we will not read is refused before a byte of it arrives: no
  // length (chunked or until-close bodies are unbounded) is 411; a length over
  // the limit is 413 at once when the client waits for "100 Continue", and
  // otherwise read and dropped up to kDrainLimit so the answer reaches it.
  auto refusal = [max_body](const httplib::Request& req, bool client_waits) {
    bool sends_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (!sends_body) return 0;
    if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length")) return 411;
    uint64_t length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (length > max_body && (client_waits || length > kDrainLimit)) return 413;
    return 0;
  };
  auto refuse = [&s = service](int status, const httplib::Request& req, httplib::Response& res) {
    Reply r = s.error_reply(status, s.message_for_status(status));
    r.route = Service::route_label(req.method, req.path);
    r.headers.push_back({"Connection", "close"});
    apply(r, res);
  };
  svr.set_expect_100_continue_handler([refusal, refuse](const httplib::Request& req, httplib::Response& res) {
    start_clock(req);
    int status = refusal(req, true);
    if (!status) return 100;
    refuse(status, req, res);
    return status;
  });
  // Before the body is read: start the clock.
  svr.set_pre_routing_handler([refusal, refuse](const httplib::Request& req, httplib::Response& res) {
    start_clock(req);
    int status = refusal(req, false);
    if (!status) return httplib::Server::HandlerResponse::Unhandled;
    refuse(status, req, res);
    return httplib::Server::HandlerResponse::Handled;
  });

  auto dispatch = [&s = service](const httplib::Request& req, httplib::Response& res) {
    Request r{req.method, req.path, req.get_header_value("Authorization"), req.body};
    apply(s.handle(r), res);
  };
  // Every method and path goes to the service's router (404 and 405 are decided there).
  svr.Get(".*", dispatch);
  svr.Post(".*", dispatch);
  svr.Put(".*", dispatch);
  svr.Patch(".*", dispatch);
  svr.Delete(".*", dispatch);
  svr.Options(".*", dispatch);

  // Errors httplib answers itself (413 after draining, 400 for a bad request
  // line, 404 when no handler ran): same JSON as ours.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([&s = service](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Reply r = s.error_reply(res.status, s.message_for_status(res.status));
    res.set_content(r.body, r.content_type);
    return httplib::Server::HandlerResponse::Handled;
  }));

  svr.set_exception_handler([&s = service](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string route = ctx.route.empty() ? Service::route_label(req.method, req.path) : ctx.route;
    Reply r = s.internal_error(route, ctx.case_id, describe(ep));
    res.headers.clear();  // whatever the handler had set before it threw
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    apply(r, res);
  });

  svr.set_logger([&s = service](const httplib::Request& req, const httplib::Response& res) {
    double seconds = ctx.active ? std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.start).count() : 0;
    std::string route = ctx.route.empty() ? Service::route_label(req.method, req.path) : ctx.route;
    s.record(req.method, route, res.status, seconds, ctx.case_id);
    ctx = RequestContext{};
  });
}

HttpServer::HttpServer(HttpSettings settings, Service& service)
    : impl_(std::make_unique<Impl>(std::move(settings), service)) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind() {
  using R = Result<int>;
  const HttpSettings& st = impl_->settings;
  bool tls = !st.tls_cert.empty() && !st.tls_key.empty();
  if (tls) {
    auto ssl = std::make_unique<Listener<httplib::SSLServer>>(st.tls_cert.c_str(), st.tls_key.c_str());
    if (!ssl->is_valid())
      return R::fail({error_at("", "cannot load the TLS certificate " + st.tls_cert + " and key " + st.tls_key)});
    impl_->server = std::move(ssl);
  } else {
    impl_->server = std::make_unique<Listener<httplib::Server>>();
  }
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
  int fd = tls ? static_cast<Listener<httplib::SSLServer>*>(impl_->server.get())->socket_fd()
               : static_cast<Listener<httplib::Server>*>(impl_->server.get())->socket_fd();
  ::listen(fd, kBacklog);
  return R::ok(port);
}

bool HttpServer::run() { return impl_->server && impl_->server->listen_after_bind(); }

void HttpServer::stop() {
  if (impl_->server) impl_->server->stop();
}

}  // namespace p2p::serve
