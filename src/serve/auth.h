// Auth and bind policy: bearer tokens (from a file and/or the P2PDOC_TOKENS
// environment variable) compared in constant time, and the rule that a
// service without tokens listens on loopback only.
// Tokens are kept only as SHA-256 digests; a presented token is hashed and
// compared with every digest, always all 32 bytes of each, with no early exit,
// so the time taken says nothing about how much of a token matched.
// TokenSet is immutable after loading: share it between threads freely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace p2p::serve {

class TokenSet {
 public:
  // One token per line ('#' comments and blank lines skipped) from `file`
  // (when not empty), plus the comma-separated tokens of `env_list`. Each
  // token needs at least 16 characters and no spaces; fails naming the line.
  static Result<TokenSet> load(const std::string& file, const std::string& env_list);

  // Adds one token; false (nothing added) when it is too short or has spaces.
  bool add(std::string_view token);
  bool empty() const { return digests_.empty(); }
  size_t size() const { return digests_.size(); }
  bool accepts(std::string_view presented) const;

 private:
  std::vector<std::string> digests_;  // sha256 hex
};

// The token of an "Authorization: Bearer <token>" header ("" if none or another scheme).
std::string bearer_token(std::string_view authorization);

// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "localhost"
  int port = 0;      // 0 = any free port
};

// "HOST:PORT" or "[IPV6]:PORT"; fails saying what is wrong.
Result<ListenAddress> parse_listen(const std::string& text);

// 127.0.0.0/8, ::1 (and ::ffff:127.x.x.x), or "localhost" when everything it
// resolves to is one of those. Any other host name counts as not loopback.
bool is_loopback(const std::string& host);

// "[::1]:8080" / "127.0.0.1:8080"
std::string format_address(const std::string& host, int port);

}  // namespace p2p::serve
