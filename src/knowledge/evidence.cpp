#include "knowledge/evidence.h"

#include <algorithm>

namespace p2p {

namespace {

using json = nlohmann::json;

const json& entries(const json& file, const char* key) {
  static const json empty = json::object();
  auto it = file.find(key);
  return it != file.end() && it->is_object() ? *it : empty;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// How well a library entry fits the case: 2 per matching service code, 1 per
// matching diagnosis prefix. 0 means it does not fit.
int fit_score(const json& entry, const Case& c) {
  int score = 0;
  for (const json& s : c.doc["services"])
    for (const json& code : entry.value("codes", json::array()))
      if (code.is_string() && s.value("code", "") == code.get<std::string>()) score += 2;
  for (const json& d : c.doc["diagnoses"]) {
    std::string icd = d.value("icd10", "");
    for (const json& prefix : entry.value("icd10", json::array()))
      if (prefix.is_string() && starts_with(icd, prefix.get<std::string>())) {
        score += 1;
        break;
      }
  }
  return score;
}

json resolve_citations(const Case& c, const KnowledgeLibrary& lib) {
  const json& library = entries(lib.citations, "citations");
  json out = json::array();
  std::vector<std::string> used;
  for (const json& cit : c.doc.value("citations", json::array())) {
    if (cit.is_string()) {
      std::string key = cit.get<std::string>();
      json entry = library.value(key, json::object());
      entry["key"] = key;
      out.push_back(entry);
      used.push_back(key);
    } else {
      out.push_back(cit);
    }
  }
  if (out.size() >= 2) return out;
  // fewer than two: add the best-fitting library entries, for review
  std::vector<std::pair<int, std::string>> ranked;
  for (auto it = library.begin(); it != library.end(); ++it) {
    if (std::find(used.begin(), used.end(), it.key()) != used.end()) continue;
    if (int score = fit_score(it.value(), c)) ranked.push_back({-score, it.key()});
  }
  std::sort(ranked.begin(), ranked.end());  // best first, then by key: deterministic
  for (const auto& [score, key] : ranked) {
    if (out.size() >= 3) break;
    json entry = library[key];
    entry["key"] = key;
    entry["suggested"] = true;
    out.push_back(entry);
  }
  return out;
}

bool contains(const json& list, const std::string& value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(), [&](const json& v) { return v.is_string() && v == value; });
}

json applicable_rules(const Case& c, const KnowledgeLibrary& lib) {
  json out = json::array();
  for (const json& rule : lib.regulations.value("rules", json::array())) {
    if (!contains(rule.value("plan_types", json::array()), c.plan_type)) continue;
    if (rule.contains("states") && !contains(rule["states"], c.state)) continue;
    out.push_back(rule);
  }
  return out;
}

}  // namespace

Diagnostics check_library_keys(const Case& c, const KnowledgeLibrary& lib) {
  Diagnostics out;
  const json& library = entries(lib.citations, "citations");
  const json& cits = c.doc.value("citations", json::array());
  for (size_t i = 0; i < cits.size(); ++i)
    if (cits[i].is_string() && !library.contains(cits[i].get<std::string>()))
      out.push_back(error_at("/citations/" + std::to_string(i),
                             "unknown citation key \"" + cits[i].get<std::string>() +
                                 "\" (not in templates/knowledge/citations.json)"));
  return out;
}

Evidence gather_evidence(const Case& c, const KnowledgeLibrary& lib) {
  Evidence ev;
  ev.citations = resolve_citations(c, lib);

  ev.policy = c.doc.value("policy", json::object());
  bool has_criteria = ev.policy.contains("criteria") && !ev.policy["criteria"].empty();
  std::string key = c.payer_id + "/" + ev.policy.value("id", "");
  const json& policies = entries(lib.policies, "policies");
  if (!has_criteria && ev.policy.contains("id") && policies.contains(key)) {
    const json& known = policies[key];
    json criteria = json::array();
    for (const json& cr : known.value("criteria", json::array()))
      criteria.push_back({{"id", cr.value("id", "")}, {"text", cr.value("text", "")}, {"status", "unknown"}});
    ev.policy["criteria"] = criteria;
    if (!ev.policy.contains("name") && known.contains("name")) ev.policy["name"] = known["name"];
    ev.policy_from_library = true;
    ev.policy_source = known.value("source", "");
  }

  auto payer = lib.payers.find(c.payer_id);
  ev.payer_file = payer != lib.payers.end() ? "payers/" + c.payer_id + ".json" : "payers/default.json";
  if (payer == lib.payers.end()) payer = lib.payers.find("default");
  if (payer != lib.payers.end()) ev.payer = payer->second;

  ev.denial_type = entries(lib.denial_types, "denial_types").value(c.denial_type, json::object());
  ev.regulations = applicable_rules(c, lib);
  return ev;
}

}  // namespace p2p
