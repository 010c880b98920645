// Fuzz target: HTTP request handling past the socket (serve/service.h). Bytes
// are read as a request: the first line is "METHOD PATH", the second the
// Authorization header, the rest the body, e.g.
//   POST /v1/packets
//   Bearer fuzz-token-0123456789abcdef
//   {"format": "p2p-case/1", ...}
// Valid packets are written to a private temporary folder, removed at exit.
#include "fuzz_env.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "serve/service.h"

namespace {

namespace fs = std::filesystem;

std::string take_line(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string line(rest.substr(0, end));
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

struct Fixture {
  std::string out;
  p2p::serve::Metrics metrics;
  std::unique_ptr<p2p::serve::Service> service;

  Fixture() {
    out = (fs::temp_directory_path() / ("p2p-fuzz-http-" + std::to_string(getpid()))).string();
    fs::create_directories(out);
    p2p::serve::ServiceParts parts;
    parts.resources = &p2p::fuzz::resources();
    parts.out_dir = out;
    parts.tokens.add("fuzz-token-0123456789abcdef");
    parts.metrics = &metrics;
    service = std::make_unique<p2p::serve::Service>(std::move(parts));
  }
  ~Fixture() {
    std::error_code ignored;
    fs::remove_all(out, ignored);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  std::string_view rest = p2p::fuzz::as_text(data, size);
  p2p::serve::Request request;
  std::string first = take_line(rest);
  size_t space = first.find(' ');
  request.method = first.substr(0, space);
  request.path = space == std::string::npos ? "/" : first.substr(space + 1);
  request.authorization = take_line(rest);
  request.body = std::string(rest);
  (void)fixture.service->handle(request);
  return 0;
}
