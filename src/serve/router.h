// Router: which route a method and path name, and whether a path segment is
// safe to use as a name on disk. Pure functions, no I/O, thread-safe; the
// HTTP adapter hands every request here, so 404 and 405 are decided in one
// place that tests can drive without a socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace p2p::serve {

enum class RouteId { healthz, metrics, create_packet, validate, get_packet, get_document, queue, case_events, none };

struct RouteMatch {
  RouteId id = RouteId::none;
  int status = 0;                   // 0 matched; 404 no such path; 405 path known, method not
  std::string label;                // the route template for logs and metrics, "unmatched" for a 404
  std::string allow;                // for a 405: the methods the path takes ("GET, HEAD")
  std::vector<std::string> params;  // {case_id} and {document}, as they came (not yet checked)
};

// `path` without the query string, percent-decoded (as the HTTP layer gives it).
// HEAD is accepted wherever GET is.
RouteMatch match_route(std::string_view method, std::string_view path);

// A case id or document name that may become a path under the output
// folder: 1 to 128 characters from [A-Za-z0-9._-], not starting with '.'
// (so never "", ".", "..", a hidden file, or anything with '/' or '\0').
bool is_safe_segment(std::string_view s);

}  // namespace p2p::serve
