// The libcurl adapter. Every curl_* call of the project is in this file.
#include "delivery/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdlib>
#include <mutex>

namespace p2p {

namespace {

struct Transfer {
  std::string* body;
  size_t limit;
  bool too_long = false;
  long retry_after_s = -1;
  std::string location;
  const std::atomic<bool>* cancel;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->body->size() + n > t->limit) {
    t->too_long = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  t->body->append(data, n);
  return n;
}

bool starts_with_nocase(const char* s, size_t n, const char* prefix) {
  size_t i = 0;
  for (; prefix[i]; ++i)
    if (i >= n || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  // Retry-After: 120 (the HTTP-date form is rare from APIs and is ignored)
  if (starts_with_nocase(data, n, "retry-after:")) {
    std::string value(data + 12, n - 12);
    char* end = nullptr;
    long s = std::strtol(value.c_str(), &end, 10);
    if (end != value.c_str() && s >= 0) t->retry_after_s = s;
  } else if (starts_with_nocase(data, n, "location:")) {
    std::string value(data + 9, n - 9);
    size_t first = value.find_first_not_of(" \t");
    size_t last = value.find_last_not_of(" \t\r\n");
    t->location = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancel && t->cancel->load() ? 1 : 0;
}

}  // namespace

void http_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::HttpClient() {
  http_global_init();
  handle_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (handle_) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

HttpResponse HttpClient::send(const HttpRequest& request, const std::atomic<bool>* cancel) {
  HttpResponse response;
  CURL* curl = static_cast<CURL*>(handle_);
  if (!curl) {
    response.error = "could not start an HTTP client";
    return response;
  }
  curl_easy_reset(curl);  // keeps the connection cache, forgets the last request's options
  Transfer transfer{&response.body, request.max_response_bytes, false, -1, {}, cancel};

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  // curl would otherwise send "Expect: 100-continue" for bodies over 1 KiB and wait for it
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM from resolver timeouts: we run in threads
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  if (!request.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "p2pdoc");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.retry_after_s = transfer.retry_after_s;
  response.location = transfer.location;
  if (rc == CURLE_OK) {
    response.status = static_cast<int>(status);
    return response;
  }
  response.status = 0;
  response.body.clear();
  if (transfer.too_long) {
    response.error = "the answer is longer than " + std::to_string(request.max_response_bytes) + " bytes";
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    response.error = "cancelled";
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    response.timed_out = true;
    response.error = "no answer within " + std::to_string(request.timeout_ms) + " ms";
  } else {
    response.error = curl_easy_strerror(rc);
  }
  return response;
}

}  // namespace p2p
