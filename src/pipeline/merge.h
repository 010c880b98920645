// Merge stage: a validated case + computed knowledge (deadlines) -> the data
// a template sees. It adds what the templates should not compute: display
// dates, the patient's age, status labels and gap flags for each criterion,
// whether the payer's reviewer is outside the physician's specialty. Empty
// strings become absent, so a template's {{#x}} section is skipped for them.
// Pure function; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "case/case.h"
#include "knowledge/deadlines.h"
#include "knowledge/evidence.h"

namespace p2p {

nlohmann::json merge_case_view(const Case& c, const CaseDeadlines& deadlines, const Evidence& evidence,
                               const Date& today);

// Adds the claim facts to a merged view (criteria_standing, all_criteria_met,
// unanswered_criteria, call.held, call.objection_is, case_state, ...; see
// docs/claims.md). Called by merge_case_view; exposed for tests.
void add_claim_facts(nlohmann::json& view, const Date& today);

// Which printed objection boxes of the post-call form a list of objection
// texts ticks ({"non_specialty": true, ...}; box names without "objection_").
// By words, not guesses; shared with the form reader (outcome/), so a box
// read back and the text that ticked it count once.
nlohmann::json objection_kinds(const nlohmann::json& objections);

// Adds denial_answers / denial_answered (the brief's "The denial says / The
// record shows" rows) from policy.criteria_for_brief, once the disputed
// criteria are known. Called by merge_case_view; exposed for tests.
void add_denial_answers(nlohmann::json& view);

}  // namespace p2p
