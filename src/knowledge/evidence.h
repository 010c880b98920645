// Evidence: the case's citations, policy criteria, payer habits and denial-type
// advice, completed from the knowledge library (templates/knowledge/*.json,
// data a case manager can read and edit). Stage "merge" in the pipeline.
//   - a citation given as a string key resolves against citations.json; an
//     unknown key is a WARNING naming the closest library keys
//     (check_library_keys), and the citation is left out of the packet;
//   - the case's citations are the accepted ones, the only ones the letters
//     to the payer may cite; duplicates (same PMID, DOI or normalised title)
//     are listed once;
//   - a case with fewer than two citations gets library entries suggested for
//     review (Evidence::suggested, never in `citations`): an entry fits only
//     when it covers a case diagnosis (an exact ICD-10-CM code, a whole
//     category or subcategory, or a code range it declares) AND a case service
//     (exact CPT/HCPCS code). The case accepts a suggestion by listing its key
//     in `citations`;
//   - a case naming policy.id without criteria gets the library's criteria
//     for that payer and policy, each with status "unknown";
//   - regulations.json rules apply by plan type and state; a state the
//     library has no entry for gets no state rule (none rather than a wrong one);
//   - the payer's entry (payers/<id>.json, else payers/default.json) and the
//     denial type's advice (denial_types.json) are looked up as they are.
// Pure functions over JSON; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "case/case.h"
#include "core/diagnostic.h"
#include "knowledge/service_categories.h"

namespace p2p {

struct KnowledgeLibrary {
  nlohmann::json deadlines;      // deadlines.json (payer windows merged in from payers/)
  nlohmann::json citations;      // citations.json: {"citations": {key: entry}}
  nlohmann::json policies;       // policies.json: {"policies": {"payer/id": entry}}
  nlohmann::json denial_types;   // denial_types.json: {"denial_types": {type: entry}}
  nlohmann::json regulations;    // regulations.json: {"rules": [entry, ...]}
  nlohmann::json benchmarks;     // benchmarks.json: published overturn rates (triage, report)
  nlohmann::json triage;         // triage.json: the triage's thresholds and time costs
  std::map<std::string, nlohmann::json> payers;  // payers/<id>.json by id, "default" included
  ServiceCategories service_categories;          // service_categories.json: CPT/HCPCS code -> category
  // denial_words.json "boilerplate", lower case: words that do not tie a
  // criterion to the denial's words (the brief's disputed criteria)
  std::shared_ptr<const std::set<std::string>> boilerplate_words = std::make_shared<std::set<std::string>>();
};

// Warnings for citation keys the library does not know (path /citations/<i>),
// each naming the closest library keys. Works on any parsed case document, so
// it can run beside a validation that failed (all problems in one report).
Diagnostics check_library_keys(const nlohmann::json& doc, const KnowledgeLibrary& lib);
Diagnostics check_library_keys(const Case& c, const KnowledgeLibrary& lib);

// Up to three library keys close to `key`: keys that start with it or that it
// starts with first, then by edit distance (at most a third of the longer
// key, at least 2), ties by key. Empty when nothing is close.
std::vector<std::string> closest_keys(const std::string& key, const nlohmann::json& library);

// Does a library entry's ICD-10-CM item cover the case's code? An item is an
// exact code ("M51.16"), a category ("C34": C34 and C34.x) or subcategory
// ("F10.2": F10.2x), or a range of codes of one length ("M51.16-M51.17").
// Codes are compared with their dot (added after the 3rd character when
// missing) and in capitals; an item shorter than a category never matches.
bool icd10_covers(const std::string& item, const std::string& code);

// The identities of a citation for de-duplication: "pmid:<n>", "doi:<lowercase>",
// "title:<lowercase letters and digits, single spaces>".
std::vector<std::string> citation_identities(const nlohmann::json& citation);

struct Evidence {
  nlohmann::json citations = nlohmann::json::array();  // accepted (the case's), objects; library ones carry "key"
  nlohmann::json suggested = nlohmann::json::array();  // for review only, each with "key" and "suggested": true
  nlohmann::json unknown_keys = nlohmann::json::array();  // {"path", "key", "closest": [keys]} per unknown key
  nlohmann::json policy;           // the case's policy, criteria filled from the library when it gave none
  bool policy_from_library = false;
  std::string policy_source;       // where the library's criteria come from
  nlohmann::json payer;            // the payer's library entry (or the default one)
  std::string payer_file;          // "payers/uhc.json" or "payers/default.json"
  nlohmann::json denial_type;      // the denial type's entry
  nlohmann::json regulations = nlohmann::json::array();  // rules that apply to the plan type and state
  std::shared_ptr<const std::set<std::string>> boilerplate_words;  // the library's, shared (never null from gather_evidence)
};

Evidence gather_evidence(const Case& c, const KnowledgeLibrary& lib);

}  // namespace p2p
