// SettingsFile: the "key = value" configuration files of the long-running
// entry points (the watcher and the service). Owns the line syntax: '#'
// comments, blank lines, optional double quotes around a value, '-' and '_'
// alike in keys, and errors that name the file and line. What each key means
// belongs to its entry point, through a table of setters.
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/diagnostic.h"

namespace p2p {

// A setter stores `value` in the config and returns "" when it was taken, or
// what is wrong with it ("is not a whole number").
template <typename Config>
using Setter = std::function<std::string(Config&, const std::string&)>;

template <typename Config>
using SetterTable = std::map<std::string, Setter<Config>>;

// Calls `apply(line_no, key, value)` for every setting line of `text`, which
// returns the error for that line or "". Errors read
// `<source> line N: <what>`; all of them are returned at once.
Diagnostics read_settings(std::string_view text, const std::string& source,
                          const std::function<std::string(const std::string& key, const std::string& value)>& apply);

// Applies `text` over `base` through `table`.
template <typename Config>
Result<Config> parse_settings(std::string_view text, Config base, const std::string& source,
                              const SetterTable<Config>& table) {
  Diagnostics errors = read_settings(text, source, [&](const std::string& key, const std::string& value) {
    auto it = table.find(key);
    if (it == table.end()) return "unknown key \"" + key + "\"";
    std::string problem = it->second(base, value);
    return problem.empty() ? problem : key + " \"" + value + "\" " + problem;
  });
  if (!errors.empty()) return Result<Config>::fail(errors);
  return Result<Config>::ok(std::move(base));
}

// Values: a whole number, a finite number, true/yes/1/on or false/no/0/off.
std::optional<long long> setting_integer(const std::string& v);
std::optional<double> setting_number(const std::string& v);
std::optional<bool> setting_bool(const std::string& v);

}  // namespace p2p
