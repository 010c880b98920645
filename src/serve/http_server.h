// HttpServer: the one door to cpp-httplib (http_server.cpp is the only file
// that includes it). It sets the limits (connections and threads, body size,
// header count and size, deadlines for headers and body, keep-alive),
// refuses what it must before reading a body (Content-Encoding, multipart,
// a doubled Content-Length), installs the hooks once (every request goes to
// Service::handle; errors httplib finds itself get the same JSON shape;
// exceptions become a logged 500; every answer is timed, counted and logged),
// and binds, serves and stops.
// Thread contract: construct, bind() and run() on one thread; stop() from any
// thread (the signal thread does) ends run().
#pragma once

#include <memory>
#include <string>

#include "core/diagnostic.h"
#include "serve/service.h"

namespace p2p::serve {

struct HttpSettings {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (bind() says which)
  int threads = 64;             // threads started at once
  int max_connections = 512;    // connections served at once (one thread each); more wait, then 503
  size_t max_body = 1 << 20;    // larger bodies: 413
  double header_timeout_s = 10; // TLS handshake, request line and headers must arrive within this
  double timeout_s = 30;        // the body must arrive within this; each write too
  double keep_alive_s = 2;      // an idle kept-alive connection is closed after this
  int keep_alive_max = 20;      // requests per connection
  std::string tls_cert, tls_key;  // both set: HTTPS
};

class HttpServer {
 public:
  HttpServer(HttpSettings settings, Service& service);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the socket; returns the port (the chosen one when asked for 0).
  Result<int> bind();
  // Serves until stop(). False when the listener failed.
  bool run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2p::serve
