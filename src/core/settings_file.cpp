#include "core/settings_file.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace p2p {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

Diagnostics read_settings(std::string_view text, const std::string& source,
                          const std::function<std::string(const std::string&, const std::string&)>& apply) {
  Diagnostics errors;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::string content = trim(line);
    if (content.empty()) continue;
    std::string where = source + " line " + std::to_string(line_no) + ": ";
    size_t eq = content.find('=');
    if (eq == std::string::npos) {
      errors.push_back(error_at("", where + "expected \"key = value\""));
      continue;
    }
    std::string key = trim(std::string_view(content).substr(0, eq));
    std::string value = trim(std::string_view(content).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    for (char& ch : key)
      if (ch == '-') ch = '_';
    std::string problem = apply(key, value);
    if (!problem.empty()) errors.push_back(error_at("", where + problem));
  }
  return errors;
}

std::optional<long long> setting_integer(const std::string& v) {
  if (v.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (errno || *end) return std::nullopt;
  return n;
}

std::optional<double> setting_number(const std::string& v) {
  if (v.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (errno || *end || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<bool> setting_bool(const std::string& v) {
  if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return false;
  return std::nullopt;
}

}  // namespace p2p
