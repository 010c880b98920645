// Case: stage 1 of the pipeline (case -> validate -> select -> merge -> expand
// -> layout -> pdf). Owns reading a case file (format "p2p-case/1") and checking
// it against every rule of docs/case-format.md. It does not know about
// templates, layout or PDF.
// All functions are pure (no I/O; "today" is passed in) and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar/date.h"
#include "core/diagnostic.h"

namespace p2p {

// A case that passed validation. `doc` keeps the input as given (unknown keys
// included, they were reported as warnings); the typed fields are the ones the
// domain rules of later stages need.
struct Case {
  nlohmann::json doc;
  std::string id;            // /case_id, safe as a folder name
  bool urgent = false;       // /urgent
  std::string payer_id;      // /payer/id
  std::string plan_type;     // /payer/plan_type
  std::string state;         // /payer/state
  std::string denial_type;   // /denial/type
  Date denial_date;          // /denial/date
};

// Input limits of the case format (docs/case-format.md, "Limits"). The format
// itself nests 4 levels deep; the depth bound keeps every later walk of the
// document (merge, template flags, mustache) shallow whatever the input.
inline constexpr std::size_t kMaxCaseBytes = 1 << 20;  // 1 MiB
inline constexpr std::size_t kMaxCaseDepth = 64;       // objects and arrays, the root counts 1

// Parses UTF-8 JSON text into a document no deeper than kMaxCaseDepth.
// Refuses, with one error: malformed JSON, a number out of double range, a
// NUL byte anywhere, a key given twice in one object, nesting deeper than
// kMaxCaseDepth, text longer than kMaxCaseBytes. The error's path is the JSON
// pointer of the value being read (as far as the parser got; "" at the top)
// and its message names line and column ("line 3, column 17: ...").
// Never throws; uses no recursion proportional to the input's depth.
Result<nlohmann::json> parse_case_json(std::string_view text);
// The same reader for other JSON inputs (a FHIR Bundle for `import pas`):
// the same refusals, with `max_bytes` instead of kMaxCaseBytes.
Result<nlohmann::json> parse_bounded_json(std::string_view text, std::size_t max_bytes);

// Every rule of format p2p-case/1, all problems at once: errors for missing or
// wrong values (each with its JSON pointer), warnings for unknown keys and soft
// rules. `today` decides "date of birth not in the future".
Diagnostics validate_case(const nlohmann::json& doc, const Date& today);

// The rules of the case's `call` object alone (the same table validate_case
// uses for /call), with paths relative to the call ("/disposition"): one set
// of rules for a call inside a case and a call recorded later (outcome/).
Diagnostics validate_call_object(const nlohmann::json& call, const Date& today);

// A draft (docs/case-format.md "Drafts") is a case file with a top-level
// `draft` object, written by an importer (`p2pdoc import pas`): what the
// source could not carry is missing, and `draft.to_complete` lists each gap
// as a JSON pointer into the case and a line saying what to write there.
struct DraftItem {
  std::string path;  // "/clinical/summary"
  std::string what;  // "the clinical bottom line in three sentences ..."
};

// A draft read against the format: the gaps it lists, and every finding the
// gaps do not explain (a value missing at or under a listed path is a gap,
// not a problem; a value present there is checked as usual). A draft whose `problems` hold no error is well-formed: a person
// can complete it. validate_case on a draft reports the same problems, one
// "to complete" error per gap, and an error at /draft, so nothing generates
// from a draft.
struct DraftReview {
  std::vector<DraftItem> to_complete;
  Diagnostics problems;
};
bool is_draft(const nlohmann::json& doc);
DraftReview review_draft(const nlohmann::json& doc, const Date& today);

// parse_case_json + validate_case + typed fields. Fails when any error was found;
// warnings ride along on success.
Result<Case> load_case(std::string_view text, const Date& today);
// The same for a document parse_case_json already returned.
Result<Case> load_parsed_case(nlohmann::json doc, const Date& today);

}  // namespace p2p
