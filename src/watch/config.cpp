// Watch configuration: "key = value" lines (docs/watch.md lists the keys).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "pipeline/files.h"
#include "watch/watch.h"

namespace p2p::watch {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<long long> to_integer(const std::string& v) {
  if (v.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (errno || *end) return std::nullopt;
  return n;
}

std::optional<double> to_number(const std::string& v) {
  if (v.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (errno || *end || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<bool> to_bool(const std::string& v) {
  if (v == "true" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "no" || v == "0") return false;
  return std::nullopt;
}

// A setter returns "" when the value was taken, or what is wrong with it.
using Setter = std::function<std::string(WatchConfig&, const std::string&)>;

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"inbox", [](WatchConfig& c, const std::string& v) { c.inbox = v; return std::string(); }},
      {"out", [](WatchConfig& c, const std::string& v) { c.out = v; return std::string(); }},
      {"root", [](WatchConfig& c, const std::string& v) { c.root = v; return std::string(); }},
      {"log", [](WatchConfig& c, const std::string& v) { c.log = v; return std::string(); }},
      {"workers",
       [](WatchConfig& c, const std::string& v) {
         auto n = to_integer(v);
         if (!n) return std::string("is not a whole number");
         c.workers = static_cast<int>(*n);
         return std::string();
       }},
      {"once",
       [](WatchConfig& c, const std::string& v) {
         auto b = to_bool(v);
         if (!b) return std::string("is not true or false");
         c.once = *b;
         return std::string();
       }},
      {"timeout",
       [](WatchConfig& c, const std::string& v) {
         auto d = to_number(v);
         if (!d) return std::string("is not a number of seconds");
         c.timeout_s = *d;
         return std::string();
       }},
      {"quiet_period",
       [](WatchConfig& c, const std::string& v) {
         auto n = to_integer(v);
         if (!n) return std::string("is not a whole number of milliseconds");
         c.quiet_period_ms = static_cast<int>(*n);
         return std::string();
       }},
      {"rescan_interval",
       [](WatchConfig& c, const std::string& v) {
         auto d = to_number(v);
         if (!d) return std::string("is not a number of seconds");
         c.rescan_s = *d;
         return std::string();
       }},
      {"max_size",
       [](WatchConfig& c, const std::string& v) {
         auto n = to_integer(v);
         if (!n) return std::string("is not a whole number of bytes");
         c.max_bytes = *n;
         return std::string();
       }},
      {"max_crashes",
       [](WatchConfig& c, const std::string& v) {
         auto n = to_integer(v);
         if (!n) return std::string("is not a whole number");
         c.max_crashes = static_cast<int>(*n);
         return std::string();
       }},
  };
  return table;
}

}  // namespace

Result<WatchConfig> parse_watch_config(std::string_view text, WatchConfig base, const std::string& source) {
  Diagnostics errors;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
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
    std::string key = trim(content.substr(0, eq));
    std::string value = trim(content.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    for (char& ch : key)
      if (ch == '-') ch = '_';
    auto it = setters().find(key);
    if (it == setters().end()) {
      errors.push_back(error_at("", where + "unknown key \"" + key + "\""));
      continue;
    }
    std::string problem = it->second(base, value);
    if (!problem.empty()) errors.push_back(error_at("", where + key + " \"" + value + "\" " + problem));
  }
  if (!errors.empty()) return Result<WatchConfig>::fail(errors);
  return Result<WatchConfig>::ok(base);
}

Result<WatchConfig> load_watch_config(const std::string& path, WatchConfig base) {
  auto text = read_file(path);
  if (!text) return Result<WatchConfig>::fail({error_at("", path + ": cannot read the config file")});
  return parse_watch_config(*text, std::move(base), path);
}

Diagnostics check_watch_config(const WatchConfig& c) {
  Diagnostics d;
  if (c.inbox.empty()) d.push_back(error_at("", "no inbox folder (give INBOX or inbox = ... in the config file)"));
  if (c.out.empty()) d.push_back(error_at("", "no output folder (give --out DIR or out = ... in the config file)"));
  if (!c.inbox.empty() && c.inbox == c.out) d.push_back(error_at("", "the inbox and the output folder must differ"));
  if (c.workers < 0 || c.workers > 256) d.push_back(error_at("", "workers must be 0 (one per CPU) to 256"));
  if (!(c.timeout_s > 0)) d.push_back(error_at("", "timeout must be more than 0 seconds"));
  if (c.quiet_period_ms < 0) d.push_back(error_at("", "quiet_period must be 0 ms or more"));
  if (!(c.rescan_s > 0)) d.push_back(error_at("", "rescan_interval must be more than 0 seconds"));
  if (c.max_bytes <= 0) d.push_back(error_at("", "max_size must be more than 0 bytes"));
  if (c.max_crashes < 1) d.push_back(error_at("", "max_crashes must be 1 or more"));
  return d;
}

}  // namespace p2p::watch
