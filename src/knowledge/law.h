// Law: which rules of templates/knowledge/regulations.json apply to a case.
// A rule applies when the case's plan type is in its `plan_types`, its
// `states` (when it has any) hold the case's state, and it was in force on
// the denial date (`effective` <= denial date <= `until`). Each rule names
// its `subject`, the decision it governs: "appeal" (the internal appeal:
// filing and decision times), "external_review", "prior_auth_decision"
// (what the payer owed at the initial decision, e.g. CMS-0057-F), or
// "review_standards" (who may decide). A letter cites a rule only for its
// own subject: a prior-authorization decision time is never an appeal's.
// Pure functions over JSON; thread-safe.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "calendar/date.h"
#include "case/case.h"

namespace p2p {

// True when `day` lies in the rule's [effective, until] range. A rule without
// a parseable `effective` is never in force: better no citation than one for
// a denial that predates the rule.
bool rule_in_force(const nlohmann::json& rule, const Date& day);

// True when the rule reaches the case's plan type and state.
bool rule_reaches(const nlohmann::json& rule, const Case& c);

// The rules of `regulations` ({"rules": [...]}) or of a plain array that
// reach the case and were in force on its denial date, in file order.
nlohmann::json rules_in_force(const Case& c, const nlohmann::json& regulations);

// The first rule in force for the case with this subject; null when none.
nlohmann::json rule_for(const Case& c, const nlohmann::json& regulations, std::string_view subject);

}  // namespace p2p
