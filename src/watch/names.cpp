#include "watch/names.h"

#include <array>

namespace p2p::watch {

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "<prefix>-<pid>-<n>": the pid, when the last two dash-separated parts are numbers.
std::optional<long> pid_before_counter(std::string_view s) {
  auto last = s.rfind('-');
  if (last == std::string_view::npos || !all_digits(s.substr(last + 1))) return std::nullopt;
  auto before = s.rfind('-', last == 0 ? 0 : last - 1);
  if (before == std::string_view::npos || before + 1 >= last) return std::nullopt;
  std::string_view pid = s.substr(before + 1, last - before - 1);
  if (!all_digits(pid)) return std::nullopt;
  return std::stol(std::string(pid));
}

// Not hidden, not a temporary name, and "<something><ext>".
bool is_input_name(std::string_view name, std::string_view ext) {
  if (name.empty() || name[0] == '.') return false;
  // the usual marks of a copy in progress; only the extension test is needed
  // for names ending in them, the list documents intent and guards "x.tmp.json"
  static constexpr std::array<std::string_view, 5> kTemporary = {".part", ".tmp", "~", ".swp", ".crdownload"};
  for (std::string_view t : kTemporary) {
    if (ends_with(name, t)) return false;
    if (ends_with(name, std::string(t) + std::string(ext))) return false;
  }
  return name.size() > ext.size() && ends_with(name, ext);
}

// The extension numbered_name and error_file_name keep apart from the stem.
std::string_view input_extension(std::string_view name) {
  // ".fhir.json" first: a PAS response keeps its kind when numbered ("x.1.fhir.json")
  for (std::string_view ext : {std::string_view(".fhir.json"), std::string_view(".json"), std::string_view(".pdf")})
    if (ends_with(name, ext)) return ext;
  return {};
}

}  // namespace

bool is_case_file_name(std::string_view name) { return is_input_name(name, ".json"); }

bool is_form_file_name(std::string_view name) { return is_input_name(name, ".pdf"); }

bool is_fhir_file_name(std::string_view name) {
  return is_case_file_name(name) && name.ends_with(".fhir.json") && name.size() > 10;
}

bool is_form_job(std::string_view job) {
  return job.size() > kOutcomesFolder.size() + 1 && job.substr(0, kOutcomesFolder.size()) == kOutcomesFolder &&
         job[kOutcomesFolder.size()] == '/';
}

std::string numbered_name(std::string_view name, int n) {
  if (n <= 0) return std::string(name);
  std::string_view ext = input_extension(name);
  std::string_view stem = name.substr(0, name.size() - ext.size());
  return std::string(stem) + "." + std::to_string(n) + std::string(ext);
}

std::string error_file_name(std::string_view name) {
  std::string_view ext = input_extension(name);
  return std::string(name.substr(0, name.size() - ext.size())) + ".error.json";
}

std::string crash_marker_name(std::string_view name) {
  std::string marker(1, '.');
  marker.append(name).append(".crashes");
  return marker;
}

std::optional<long> staging_owner(std::string_view name) {
  constexpr std::string_view kPrefix = ".staging-";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return pid_before_counter(name.substr(kPrefix.size() - 1));
}

std::optional<long> temporary_owner(std::string_view name) {
  auto at = name.rfind(".tmp-");
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view tail = name.substr(at + 4);  // "-<pid>-<n>"
  if (tail.find('-', 1) == std::string_view::npos) return std::nullopt;
  return pid_before_counter(tail);
}

}  // namespace p2p::watch
