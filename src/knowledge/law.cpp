#include "knowledge/law.h"

#include <algorithm>
#include <string>

namespace p2p {

namespace {

using json = nlohmann::json;

bool holds(const json& list, const std::string& value) {
  return list.is_array() &&
         std::any_of(list.begin(), list.end(), [&](const json& v) { return v.is_string() && v == value; });
}

const json& rule_list(const json& regulations) {
  static const json kNone = json::array();
  if (regulations.is_array()) return regulations;
  auto it = regulations.find("rules");
  return it != regulations.end() && it->is_array() ? *it : kNone;
}

}  // namespace

bool rule_in_force(const json& rule, const Date& day) {
  auto effective = parse_date(rule.value("effective", ""));
  if (!effective || day < *effective) return false;
  if (!rule.contains("until")) return true;
  auto until = parse_date(rule.value("until", ""));
  return until && day <= *until;
}

bool rule_reaches(const json& rule, const Case& c) {
  if (!holds(rule.value("plan_types", json::array()), c.plan_type)) return false;
  return !rule.contains("states") || holds(rule["states"], c.state);
}

json rules_in_force(const Case& c, const json& regulations) {
  json out = json::array();
  for (const json& rule : rule_list(regulations))
    if (rule_reaches(rule, c) && rule_in_force(rule, c.denial_date)) out.push_back(rule);
  return out;
}

json rule_for(const Case& c, const json& regulations, std::string_view subject) {
  for (const json& rule : rule_list(regulations))
    if (rule.value("subject", "") == subject && rule_reaches(rule, c) && rule_in_force(rule, c.denial_date))
      return rule;
  return nullptr;
}

}  // namespace p2p
