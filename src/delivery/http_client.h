// HTTP client: the one door to libcurl (http_client.cpp is the only file that
// includes it). delivery/ posts documents to the EHR through it, pubmed/ asks
// E-utilities, the service benchmark drives the server. It knows nothing about
// FHIR or PubMed: a request goes out, a status and body come back.
// Thread contract: call http_global_init() once before starting threads; one
// HttpClient per thread (it keeps its connection open between requests).
// Transport failures are values (status 0 plus a reason), never exceptions.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

namespace p2p {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;
  long timeout_ms = 10000;         // the whole exchange, connect included
  long connect_timeout_ms = 3000;
  size_t max_response_bytes = 8 << 20;  // a longer answer is cut off and reported as an error
  std::string ca_file;             // PEM bundle to verify the server with ("" = the system's)
};

struct HttpResponse {
  int status = 0;          // 0: no HTTP answer at all (see error)
  std::string body;
  std::string error;       // transport problem in words: "timed out after 1000 ms", "connection refused"
  bool timed_out = false;
  long retry_after_s = -1; // Retry-After in seconds when the server sent one
  std::string location;    // the Location header ("" = none): where a created resource lives
  bool ok() const { return status >= 200 && status < 300; }
};

// libcurl's process-wide setup. Safe to call more than once (later calls do nothing).
void http_global_init();

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and waits for the whole answer. `cancel`, when given and
  // set by another thread, aborts the transfer (error "cancelled").
  // Redirects are not followed: a 3xx comes back as it is.
  HttpResponse send(const HttpRequest& request, const std::atomic<bool>* cancel = nullptr);

 private:
  void* handle_;  // CURL*, kept for connection reuse
};

}  // namespace p2p
