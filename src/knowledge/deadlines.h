// Deadlines: the dates a case manager must not miss, computed from the
// denial date with the rules in templates/knowledge/deadlines.json (data a
// case manager can read and correct; every rule carries its source).
//   - the P2P request window, in business days (US federal holidays), per
//     payer or the library default;
//   - the internal appeal filing deadline for the plan type, counted in the
//     unit the rule uses (calendar days or months) and then moved to the last
//     business day on or before it, so nobody files late;
//   - expedited handling (72 hours) for urgent cases and for the denial types
//     the rules list (concurrent review, level of care).
// Pure computation; thread-safe.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "calendar/date.h"
#include "case/case.h"
#include "core/diagnostic.h"

namespace p2p {

struct Deadline {
  Date due;
  std::string basis;    // how it was counted: "3 business days after the denial"
  std::string source;   // where the rule comes from: payer habit, regulation citation
};

struct CaseDeadlines {
  Deadline p2p_request;
  std::optional<Deadline> internal_appeal;   // none when the library has no rule for the plan type
  bool expedited = false;
  std::string expedited_note;                // what "expedited" means for this case, when it applies
};

// `rules` is the parsed deadlines.json. Errors (path inside the rules file)
// when a rule the case needs is malformed.
Result<CaseDeadlines> compute_deadlines(const Case& c, const nlohmann::json& rules);

}  // namespace p2p
