// SettingsFile: the "key = value" configuration files of the long-running
// entry points (the watcher and the service). Owns the line syntax ('#'
// comments, blank lines, optional double quotes around a value, '-' and '_'
// alike in keys) and the typed reading of values (SettingsReader), with
// errors that name the file and line. Which keys exist and what they mean
// belongs to each entry point, which binds its keys to its config's fields.
// Pure functions; thread-safe. A SettingsReader is used on one thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/diagnostic.h"

namespace p2p {

// Calls `apply(key, value)` for every setting line of `text`, which returns
// the error for that line or "". Errors read `<source> line N: <what>`; all
// of them are returned at once.
Diagnostics read_settings(std::string_view text, const std::string& source,
                          const std::function<std::string(const std::string& key, const std::string& value)>& apply);

// Binds keys to typed fields, then reads a settings text into them:
//
//   SettingsReader r;
//   r.path("out", cfg.out).whole("workers", cfg.workers).flag("strict", cfg.strict);
//   Diagnostics errors = r.read(text, "/etc/p2pdoc/watch.conf");
//
// Every unknown key and every bad value is an error reading
// `<source> line N: <key> "<value>" <what is wrong>`; a field is set only from
// a good value. The bound fields must outlive read().
class SettingsReader {
 public:
  // Stores a value; returns "" or what is wrong with it ("is not ...").
  using Setter = std::function<std::string(const std::string& value)>;

  SettingsReader& text(const std::string& key, std::string& field);  // any value, "" included
  SettingsReader& path(const std::string& key, std::string& field);  // a file or folder: not empty
  SettingsReader& flag(const std::string& key, bool& field);         // true/yes/1/on or false/no/0/off
  // A whole number that fits the field; `unit` names it in the error ("milliseconds").
  SettingsReader& whole(const std::string& key, int& field, const std::string& unit = "");
  SettingsReader& whole(const std::string& key, long long& field, const std::string& unit = "");
  SettingsReader& bytes(const std::string& key, long long& field);   // a whole number of bytes
  SettingsReader& seconds(const std::string& key, double& field);    // a finite number
  // Anything else: a setter of the caller's own.
  SettingsReader& custom(const std::string& key, Setter set);

  Diagnostics read(std::string_view text, const std::string& source) const;

 private:
  std::map<std::string, Setter> setters_;
};

// Values: a whole number, a finite number, true/yes/1/on or false/no/0/off.
std::optional<long long> setting_integer(const std::string& v);
std::optional<double> setting_number(const std::string& v);
std::optional<bool> setting_bool(const std::string& v);

}  // namespace p2p
