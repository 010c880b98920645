// Outcome: what happened on a peer-to-peer call, read back into the data.
// Two readers and one set of rules. A reader turns its input into a CallDraft
// (the case format's `call` object as far as it could be read, plus where
// each value came from); validate_call_record applies the rules, the same
// for both, and names every problem the way its reader's user knows it:
// the form field name ("disposition_upheld") for a filled post-call PDF, the
// JSON pointer ("/call/started") for an API request.
// The rules: the case format's own rules for `call` (case/case.h,
// validate_call_object: types, lengths, the date-time form, "overturned
// without an auth number" as a warning) plus what a recorded outcome needs:
// exactly one disposition (none, or two ticked, is an error) and a duration
// that is a number.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar/date.h"
#include "core/diagnostic.h"
#include "pdf/form_read.h"

namespace p2p {

struct CallDraft {
  nlohmann::json call = nlohmann::json::object();
  // Pointer inside `call` ("/disposition", "/objections/2") -> the name the
  // user knows. The longest matching prefix wins; a path with no entry is
  // shown as `base` + path.
  std::map<std::string, std::string> origin;
  std::map<std::string, std::string> hint;  // origin name -> a few words on how to write it
  std::string base;
  Diagnostics problems;  // what the reader itself could not make sense of (already named)
};

// Reader 1: the fields of a filled post-call form (pdf/form_read.h), by the
// names templates/post-call/default.md gives them. Empty fields are left
// out; lists are split at line breaks and bullets; the date and time is
// read in the forms people write (see parse_call_time); each ticked
// objection box adds its sentence unless the typed objections already name
// that kind. A PDF with none of the form's fields is a problem.
CallDraft call_from_form(const std::vector<FormFieldValue>& fields);

// Reader 2: a JSON value in the shape of the case's `call`; `base` is where
// it sits in the request ("/call"), prefixed to every path.
CallDraft call_from_json(const nlohmann::json& call, std::string base);

// The rules. Ok: the call object exactly as the case format spells it (a
// case's /call), with any warnings; fail: every problem, errors and warnings.
Result<nlohmann::json> validate_call_record(const CallDraft& draft, const Date& today);

// A problem found later at a path inside the call (e.g. the case check of
// the regenerated packet: /reviewer/name cannot be printed) -> the same
// problem named the way the draft's reader names it.
Diagnostic name_for_reader(const CallDraft& draft, Diagnostic problem);

// "2026-11-24T10:30-05:00", "2026-11-24 10:30 -0500", "Tue Nov 24, 2026 10:30
// (UTC-05:00)" (how the form prints it), "11/24/2026 10:30 AM EST", "Nov 24
// 2026 2:15 pm PST" -> "2026-11-24T10:30:00-05:00". A time without a zone, or
// anything else, gives nullopt: the call time is not guessed.
std::optional<std::string> parse_call_time(std::string_view text);

}  // namespace p2p
