#include "serve/body_type.h"

#include <cctype>

namespace p2p::serve {

namespace {

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_json_text(const std::string& media) {
  if (media.empty() || media == "application/json" || media == "text/json" || media == "text/plain") return true;
  // curl's default for -d/--data-binary, and the label of "just bytes"
  if (media == "application/x-www-form-urlencoded" || media == "application/octet-stream") return true;
  // structured-syntax suffix (RFC 6839): application/fhir+json, application/vnd.x+json ...
  return media.starts_with("application/") && media.ends_with("+json");
}

// The charset parameter's value ("" when none). JSON is UTF-8 (RFC 8259 section 8.1).
std::string charset_of(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string p = lower_trimmed(params.substr(0, semi));
    if (p.starts_with("charset=")) {
      std::string v = p.substr(8);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return "";
}

constexpr const char* kWhatToSend =
    "send the case JSON itself as the request body, as Content-Type: application/json "
    "(curl --data-binary @case.json -H 'Content-Type: application/json' URL)";

}  // namespace

std::string refuse_body_type(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string media = lower_trimmed(content_type.substr(0, semi));
  std::string_view params = semi == std::string_view::npos ? std::string_view() : content_type.substr(semi + 1);
  if (!is_json_text(media)) {
    if (media.starts_with("multipart/"))
      return "multipart bodies are not accepted (" + media + ", e.g. curl -F): " + kWhatToSend;
    return "a body of type " + media + " cannot be a case: " + kWhatToSend;
  }
  std::string charset = charset_of(params);
  if (!charset.empty() && charset != "utf-8" && charset != "utf8" && charset != "us-ascii")
    return "charset " + charset + " is not accepted: the case JSON must be UTF-8; " + kWhatToSend;
  return "";
}

}  // namespace p2p::serve
