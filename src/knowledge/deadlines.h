// Deadlines: the dates a case manager must not miss, computed from the
// denial with the rules in templates/knowledge/deadlines.json (the P2P
// window, holidays, expedited handling) and regulations.json (the appeal and
// external-review rules in force on the denial date for the plan type).
// Every date is counted so that it is never later than the payer's own count:
//   - business days skip weekends and only the holidays the payer observes
//     (the six of BusinessCalendar by default, plus the payer entry's
//     `holidays`);
//   - a window in hours runs in clock hours from the denial's `time` when
//     the case gives one, else from the start of the denial date;
//   - a calendar-day or month deadline landing on a weekend or holiday moves
//     to the business day before.
// Each deadline is flagged passed / due today against the injected `today`.
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
  Date due;             // the last day
  std::string time;     // hours window from the denial's time: "10:30 (UTC-05:00)" on `due`; else ""
  std::string basis;    // how it was counted: "3 business days after the denial"
  std::string source;   // where the rule comes from: regulation citation, payer document
  bool passed = false;  // `due` is before today
  bool due_today = false;
};

struct CaseDeadlines {
  Deadline p2p_request;
  std::optional<Deadline> internal_appeal;   // none when no appeal rule is in force for the plan type
  std::optional<Deadline> external_review;   // request date, when the plan type's rule gives one
  bool external_review_automatic = false;    // the plan forwards an upheld appeal itself (Medicare Advantage)
  bool p2p_window_closed = false;            // window passed and no P2P scheduled or held
  std::string next;                          // key of the deadline that matters next: "p2p_request",
                                             // "internal_appeal" or "" when none is still open
  bool expedited = false;
  std::string expedited_note;                // what "expedited" means for this case, when it applies
};

// `rules` is the parsed deadlines.json (payer windows and holidays merged in
// under p2p_request/payers and holidays/payers); `regulations` is
// regulations.json. Errors (path inside the rules file) when a rule the case
// needs is malformed or names an unknown holiday.
Result<CaseDeadlines> compute_deadlines(const Case& c, const nlohmann::json& rules,
                                        const nlohmann::json& regulations, const Date& today);

}  // namespace p2p
