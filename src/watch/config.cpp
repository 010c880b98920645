// Watch configuration: "key = value" lines (docs/watch.md lists the keys).
#include "core/settings_file.h"
#include "pipeline/files.h"
#include "watch/watch.h"

namespace p2p::watch {

Result<WatchConfig> parse_watch_config(std::string_view text, WatchConfig base, const std::string& source) {
  WatchConfig& c = base;
  SettingsReader r;
  r.path("inbox", c.inbox)
      .path("out", c.out)
      .path("root", c.root)
      .text("log", c.log)
      .text("ledger", c.ledger)
      .flag("no_ledger", c.no_ledger)
      .whole("workers", c.workers)
      .flag("once", c.once)
      .flag("strict", c.strict)
      .flag("pdfa", c.pdfa)
      .seconds("timeout", c.timeout_s)
      .whole("quiet_period", c.quiet_period_ms, "milliseconds")
      .seconds("rescan_interval", c.rescan_s)
      .bytes("max_size", c.max_bytes)
      .whole("max_crashes", c.max_crashes);
  Diagnostics errors = r.read(text, source);
  if (!errors.empty()) return Result<WatchConfig>::fail(errors);
  return Result<WatchConfig>::ok(std::move(base));
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
