// Diagnostics: the one error currency of p2pdoc.
// Every stage reports problems as Diagnostic values (severity, JSON pointer,
// message) instead of throwing across a stage boundary. Warnings travel with a
// successful result; an error anywhere means "write nothing".
// Plain values, no shared state: safe to use from any thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace p2p {

enum class Severity { warning, error };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string path;     // JSON pointer into the case ("/denial/date"), or "" for the whole input
  std::string message;  // what is wrong, in words a case manager understands

  // "/denial/date: "2026-13-01" is not a date (YYYY-MM-DD)"
  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

bool has_errors(const Diagnostics& d);
Diagnostic error_at(std::string path, std::string message);
Diagnostic warning_at(std::string path, std::string message);

// A value or the diagnostics that prevented it. Warnings ride along either way.
template <typename T>
class Result {
 public:
  static Result ok(T value, Diagnostics warnings = {}) {
    Result r;
    r.value_ = std::move(value);
    r.diagnostics_ = std::move(warnings);
    return r;
  }
  static Result fail(Diagnostics diagnostics) {
    Result r;
    r.diagnostics_ = std::move(diagnostics);
    return r;
  }
  bool is_ok() const { return value_.has_value(); }
  const T& value() const { return *value_; }
  T& value() { return *value_; }
  T take() { return std::move(*value_); }
  const Diagnostics& diagnostics() const { return diagnostics_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  std::optional<T> value_;
  Diagnostics diagnostics_;
};

}  // namespace p2p
