#include "serve/auth.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>

#include "pipeline/files.h"

namespace p2p::serve {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

constexpr size_t kMinTokenLength = 16;

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool TokenSet::add(std::string_view token) {
  if (token.size() < kMinTokenLength) return false;
  for (char c : token)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) return false;
  digests_.push_back(sha256_hex(std::string(token)));
  return true;
}

bool TokenSet::accepts(std::string_view presented) const {
  if (presented.empty()) return false;
  std::string digest = sha256_hex(std::string(presented));
  bool found = false;
  for (const std::string& d : digests_) found |= constant_time_equal(digest, d);  // no early exit
  return found;
}

Result<TokenSet> TokenSet::load(const std::string& file, const std::string& env_list) {
  TokenSet set;
  Diagnostics errors;
  std::string why = "needs at least " + std::to_string(kMinTokenLength) + " characters and no spaces";
  if (!file.empty()) {
    auto text = read_file(file);
    if (!text) {
      errors.push_back(error_at("", "cannot read the token file " + file));
    } else {
      size_t line_no = 0, start = 0;
      while (start <= text->size()) {
        size_t end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        ++line_no;
        std::string line = trim(std::string_view(*text).substr(start, end - start));
        if (!line.empty() && line[0] != '#' && !set.add(line))
          errors.push_back(error_at("", file + ":" + std::to_string(line_no) + ": a token " + why));
        start = end + 1;
      }
    }
  }
  size_t start = 0, n = 0;
  while (start <= env_list.size() && !env_list.empty()) {
    size_t end = env_list.find(',', start);
    if (end == std::string::npos) end = env_list.size();
    ++n;
    std::string token = trim(std::string_view(env_list).substr(start, end - start));
    if (!token.empty() && !set.add(token))
      errors.push_back(error_at("", "P2PDOC_TOKENS: token " + std::to_string(n) + " " + why));
    start = end + 1;
  }
  if (!errors.empty()) return Result<TokenSet>::fail(errors);
  return Result<TokenSet>::ok(std::move(set));
}

std::string bearer_token(std::string_view authorization) {
  std::string h = trim(authorization);
  if (h.size() < 7) return "";
  for (size_t i = 0; i < 6; ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != "bearer"[i]) return "";
  if (h[6] != ' ') return "";
  return trim(std::string_view(h).substr(7));
}

Result<ListenAddress> parse_listen(const std::string& text) {
  using R = Result<ListenAddress>;
  auto bad = [&](const std::string& why) {
    return R::fail({error_at("", "--listen \"" + text + "\": " + why + " (expected HOST:PORT, e.g. 127.0.0.1:8080)")});
  };
  ListenAddress a;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return bad("unclosed [");
    a.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return bad("no port");
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (a.host.find(':') != std::string::npos) return bad("an IPv6 address goes in brackets");
  }
  if (a.host.empty()) return bad("no host");
  if (port.empty() || port.size() > 5) return bad("the port is not a number from 0 to 65535");
  for (char c : port)
    if (c < '0' || c > '9') return bad("the port is not a number from 0 to 65535");
  a.port = std::stoi(port);
  if (a.port > 65535) return bad("the port is not a number from 0 to 65535");
  return R::ok(a);
}

namespace {

bool is_loopback_literal(const std::string& host);

// "localhost" counts only if every address it resolves to (from /etc/hosts,
// normally) is a loopback one; any other name is not trusted to be loopback.
bool localhost_is_loopback() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo("localhost", nullptr, &hints, &found) != 0 || !found) return false;
  bool all = true;
  char text[INET6_ADDRSTRLEN];
  for (addrinfo* a = found; a; a = a->ai_next) {
    const void* addr = nullptr;
    if (a->ai_family == AF_INET) addr = &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr;
    else addr = &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr;
    all = all && inet_ntop(a->ai_family, addr, text, sizeof text) && is_loopback_literal(text);
  }
  freeaddrinfo(found);
  return all;
}

bool is_loopback_literal(const std::string& host) {
  unsigned char v4[4], v6[16];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) return v4[0] == 127;
  if (inet_pton(AF_INET6, host.c_str(), v6) == 1) {
    static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6, loop, 16) == 0) return true;
    return std::memcmp(v6, mapped, 12) == 0 && v6[12] == 127;
  }
  return false;
}

}  // namespace

bool is_loopback(const std::string& host) {
  if (host == "localhost") return localhost_is_loopback();
  return is_loopback_literal(host);
}

std::string format_address(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace p2p::serve
