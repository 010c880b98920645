#include "core/settings_file.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

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

SettingsReader& SettingsReader::text(const std::string& key, std::string& field) {
  return custom(key, [&field](const std::string& v) {
    field = v;
    return std::string();
  });
}

SettingsReader& SettingsReader::path(const std::string& key, std::string& field) {
  return custom(key, [&field](const std::string& v) {
    if (v.empty()) return std::string("is empty: give a path");
    field = v;
    return std::string();
  });
}

SettingsReader& SettingsReader::flag(const std::string& key, bool& field) {
  return custom(key, [&field](const std::string& v) {
    auto b = setting_bool(v);
    if (!b) return std::string("is not true or false");
    field = *b;
    return std::string();
  });
}

namespace {

template <class Int>
SettingsReader::Setter whole_number(Int& field, const std::string& unit) {
  return [&field, unit](const std::string& v) {
    auto n = setting_integer(v);
    if (!n) {
      std::string problem = "is not a whole number";
      if (!unit.empty()) problem.append(" of ").append(unit);
      return problem;
    }
    if (*n < std::numeric_limits<Int>::min() || *n > std::numeric_limits<Int>::max())
      return std::string("is out of range");
    field = static_cast<Int>(*n);
    return std::string();
  };
}

}  // namespace

SettingsReader& SettingsReader::whole(const std::string& key, int& field, const std::string& unit) {
  return custom(key, whole_number(field, unit));
}

SettingsReader& SettingsReader::whole(const std::string& key, long long& field, const std::string& unit) {
  return custom(key, whole_number(field, unit));
}

SettingsReader& SettingsReader::bytes(const std::string& key, long long& field) { return whole(key, field, "bytes"); }

SettingsReader& SettingsReader::seconds(const std::string& key, double& field) {
  return custom(key, [&field](const std::string& v) {
    auto d = setting_number(v);
    if (!d) return std::string("is not a number of seconds");
    field = *d;
    return std::string();
  });
}

SettingsReader& SettingsReader::custom(const std::string& key, Setter set) {
  setters_[key] = std::move(set);
  return *this;
}

Diagnostics SettingsReader::read(std::string_view text, const std::string& source) const {
  return read_settings(text, source, [&](const std::string& key, const std::string& value) {
    auto it = setters_.find(key);
    if (it == setters_.end()) return "unknown key \"" + key + "\"";
    std::string problem = it->second(value);
    return problem.empty() ? problem : key + " \"" + value + "\" " + problem;
  });
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
