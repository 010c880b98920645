#include "core/diagnostic.h"

namespace p2p {

std::string Diagnostic::to_string() const {
  std::string where = path.empty() ? std::string("(case)") : path;
  std::string s = where + ": " + message;
  if (severity == Severity::warning) s = "warning: " + s;
  return s;
}

bool has_errors(const Diagnostics& d) {
  for (const auto& x : d)
    if (x.severity == Severity::error) return true;
  return false;
}

Diagnostic error_at(std::string path, std::string message) {
  return {Severity::error, std::move(path), std::move(message)};
}

Diagnostic warning_at(std::string path, std::string message) {
  return {Severity::warning, std::move(path), std::move(message)};
}

}  // namespace p2p
