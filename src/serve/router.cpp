#include "serve/router.h"

namespace p2p::serve {

namespace {

struct Route {
  RouteId id;
  const char* method;   // GET routes also answer HEAD
  const char* pattern;  // "{x}" stands for one segment
};

constexpr Route kRoutes[] = {
    {RouteId::healthz, "GET", "/healthz"},
    {RouteId::metrics, "GET", "/metrics"},
    {RouteId::create_packet, "POST", "/v1/packets"},
    {RouteId::validate, "POST", "/v1/validate"},
    {RouteId::get_packet, "GET", "/v1/packets/{case_id}"},
    {RouteId::get_document, "GET", "/v1/packets/{case_id}/{document}"},
    {RouteId::queue, "GET", "/v1/queue"},
    {RouteId::case_events, "POST", "/v1/cases/{case_id}/events"},
};

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// Segment-wise match; empty segments (from "//" or a trailing '/') never match a parameter.
bool matches(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  auto want = segments(pattern), got = segments(path);
  if (want.size() != got.size() || got.empty()) return false;
  std::vector<std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (got[i].empty()) return false;
      found.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch m;
  std::string_view as = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::string> params;
  for (const Route& r : kRoutes) {
    if (!matches(r.pattern, path, params)) continue;
    if (as == r.method) {
      m.id = r.id;
      m.status = 0;
      m.label = r.pattern;
      m.params = params;
      m.allow.clear();
      return m;
    }
    m.status = 405;
    m.label = r.pattern;
    std::string allowed = std::string(r.method) == "GET" ? "GET, HEAD" : r.method;
    m.allow += (m.allow.empty() ? "" : ", ") + allowed;
  }
  if (m.status != 405) {
    m.status = 404;
    m.label = "unmatched";
  }
  return m;
}

bool is_safe_segment(std::string_view s) {
  if (s.empty() || s.size() > 128 || s.front() == '.') return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace p2p::serve
