// Watch configuration: "key = value" lines (docs/watch.md lists the keys).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "core/settings_file.h"
#include "pipeline/files.h"
#include "watch/watch.h"

namespace p2p::watch {

namespace {

using Setter = p2p::Setter<WatchConfig>;

const SetterTable<WatchConfig>& setters() {
  static const SetterTable<WatchConfig> table = {
      {"inbox", [](WatchConfig& c, const std::string& v) { c.inbox = v; return std::string(); }},
      {"out", [](WatchConfig& c, const std::string& v) { c.out = v; return std::string(); }},
      {"root", [](WatchConfig& c, const std::string& v) { c.root = v; return std::string(); }},
      {"log", [](WatchConfig& c, const std::string& v) { c.log = v; return std::string(); }},
      {"ledger", [](WatchConfig& c, const std::string& v) { c.ledger = v; return std::string(); }},
      {"no_ledger",
       [](WatchConfig& c, const std::string& v) {
         auto b = setting_bool(v);
         if (!b) return std::string("is not true or false");
         c.no_ledger = *b;
         return std::string();
       }},
      {"workers",
       [](WatchConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         c.workers = static_cast<int>(*n);
         return std::string();
       }},
      {"once",
       [](WatchConfig& c, const std::string& v) {
         auto b = setting_bool(v);
         if (!b) return std::string("is not true or false");
         c.once = *b;
         return std::string();
       }},
      {"timeout",
       [](WatchConfig& c, const std::string& v) {
         auto d = setting_number(v);
         if (!d) return std::string("is not a number of seconds");
         c.timeout_s = *d;
         return std::string();
       }},
      {"quiet_period",
       [](WatchConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number of milliseconds");
         c.quiet_period_ms = static_cast<int>(*n);
         return std::string();
       }},
      {"rescan_interval",
       [](WatchConfig& c, const std::string& v) {
         auto d = setting_number(v);
         if (!d) return std::string("is not a number of seconds");
         c.rescan_s = *d;
         return std::string();
       }},
      {"max_size",
       [](WatchConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number of bytes");
         c.max_bytes = *n;
         return std::string();
       }},
      {"max_crashes",
       [](WatchConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         c.max_crashes = static_cast<int>(*n);
         return std::string();
       }},
  };
  return table;
}

}  // namespace

Result<WatchConfig> parse_watch_config(std::string_view text, WatchConfig base, const std::string& source) {
  return parse_settings(text, std::move(base), source, setters());
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
