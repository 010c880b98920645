// The rules for a recorded call and the JSON reader (see outcome.h); the
// form reader is in form_call.cpp.
#include "outcome/outcome.h"

#include <array>
#include <utility>

#include "case/case.h"

namespace p2p {

using json = nlohmann::json;

namespace {

constexpr std::array<const char*, 4> kDispositions = {"overturned", "upheld", "deferred", "modified"};

bool blank(const json& v) {
  return v.is_string() && v.get_ref<const std::string&>().find_first_not_of(" \t\r\n\f\v") == std::string::npos;
}

// The name the user knows for a pointer inside the call.
std::string locate(const CallDraft& d, const std::string& path) {
  std::string probe = path;
  while (true) {
    auto it = d.origin.find(probe);
    if (it != d.origin.end()) return it->second;
    if (probe.empty()) break;
    probe.erase(probe.rfind('/'));
  }
  return d.base + path;
}

Diagnostic named(const CallDraft& d, Diagnostic diag) {
  diag.path = locate(d, diag.path);
  auto hint = d.hint.find(diag.path);
  if (hint != d.hint.end() && diag.severity == Severity::error) diag.message += " (" + hint->second + ")";
  return diag;
}

std::string list_of(const json& values) {
  std::string out;
  for (const json& v : values) out += (out.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// A recorded call says how it ended: exactly one disposition. Returns the
// problem, or nothing; leaves a usable single value in `call` when there is one.
std::optional<Diagnostic> check_disposition(json& call) {
  std::string every = "one of " + list_of(json(kDispositions)) + " is required";
  auto it = call.find("disposition");
  if (it == call.end() || it->is_null() || blank(*it))
    return error_at("/disposition", "no disposition: " + every);
  if (it->is_array()) {
    json given = *it;
    if (given.size() == 1) {
      *it = given[0];
      return std::nullopt;
    }
    call.erase("disposition");  // the format rules would only repeat it
    if (given.empty()) return error_at("/disposition", "no disposition: " + every);
    return error_at("/disposition", std::to_string(given.size()) + " dispositions given (" + list_of(given) +
                                        "); a call ends one way: give exactly one");
  }
  return std::nullopt;
}

std::optional<Diagnostic> check_duration(json& call) {
  auto it = call.find("duration_minutes");
  if (it == call.end() || !it->is_string()) return std::nullopt;
  std::string text = it->get<std::string>();
  call.erase("duration_minutes");
  return error_at("/duration_minutes", json(text).dump() + " is not a number of minutes (e.g. 20)");
}

}  // namespace

Diagnostic name_for_reader(const CallDraft& draft, Diagnostic problem) { return named(draft, std::move(problem)); }

CallDraft call_from_json(const json& call, std::string base) {
  CallDraft d;
  d.call = call;
  d.base = std::move(base);
  return d;
}

Result<json> validate_call_record(const CallDraft& draft, const Date& today) {
  Diagnostics found = draft.problems;
  if (!draft.call.is_object()) {
    found.push_back(named(draft, error_at("", "expected an object in the shape of a case's call")));
    return Result<json>::fail(found);
  }
  json call = draft.call;
  Diagnostics ours;
  if (auto p = check_disposition(call)) ours.push_back(*p);
  if (auto p = check_duration(call)) ours.push_back(*p);
  Diagnostics format = validate_call_object(call, today);
  ours.insert(ours.end(), format.begin(), format.end());
  for (Diagnostic& d : ours) found.push_back(named(draft, std::move(d)));
  if (has_errors(found)) return Result<json>::fail(found);
  return Result<json>::ok(std::move(call), found);
}

}  // namespace p2p
