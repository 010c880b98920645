// Evidence: the case's citations, policy criteria, payer habits and denial-type
// advice, completed from the knowledge library (templates/knowledge/*.json,
// data a case manager can read and edit). Stage "merge" in the pipeline.
//   - a citation given as a string key resolves against citations.json; an
//     unknown key is a validation error naming the key (check_library_keys);
//   - a case with fewer than two citations gets matching library entries
//     (by ICD-10 prefix or service code), marked "suggested" for review;
//   - a case naming policy.id without criteria gets the library's criteria
//     for that payer and policy, each with status "unknown";
//   - regulations.json rules apply by plan type and state; a state the
//     library has no entry for gets no state rule (none rather than a wrong one);
//   - the payer's entry (payers/<id>.json, else payers/default.json) and the
//     denial type's advice (denial_types.json) are looked up as they are.
// Pure functions over JSON; thread-safe.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "case/case.h"
#include "core/diagnostic.h"

namespace p2p {

struct KnowledgeLibrary {
  nlohmann::json deadlines;      // deadlines.json (payer windows merged in from payers/)
  nlohmann::json citations;      // citations.json: {"citations": {key: entry}}
  nlohmann::json policies;       // policies.json: {"policies": {"payer/id": entry}}
  nlohmann::json denial_types;   // denial_types.json: {"denial_types": {type: entry}}
  nlohmann::json regulations;    // regulations.json: {"rules": [entry, ...]}
  std::map<std::string, nlohmann::json> payers;  // payers/<id>.json by id, "default" included
};

// Errors for citation keys the library does not know (path /citations/<i>).
Diagnostics check_library_keys(const Case& c, const KnowledgeLibrary& lib);

struct Evidence {
  nlohmann::json citations = nlohmann::json::array();  // objects; library ones carry "key", suggested ones "suggested": true
  nlohmann::json policy;           // the case's policy, criteria filled from the library when it gave none
  bool policy_from_library = false;
  std::string policy_source;       // where the library's criteria come from
  nlohmann::json payer;            // the payer's library entry (or the default one)
  std::string payer_file;          // "payers/uhc.json" or "payers/default.json"
  nlohmann::json denial_type;      // the denial type's entry
  nlohmann::json regulations = nlohmann::json::array();  // rules that apply to the plan type and state
};

Evidence gather_evidence(const Case& c, const KnowledgeLibrary& lib);

}  // namespace p2p
