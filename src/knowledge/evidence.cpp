#include "knowledge/evidence.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace p2p {

namespace {

using json = nlohmann::json;

const json& entries(const json& file, const char* key) {
  static const json empty = json::object();
  auto it = file.find(key);
  return it != file.end() && it->is_object() ? *it : empty;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string upper_trimmed(const std::string& s) {
  std::string out;
  for (char ch : s)
    if (ch != ' ') out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// "M5116" -> "M51.16": ICD-10-CM writes the dot after the category.
std::string icd10_with_dot(const std::string& code) {
  std::string c = upper_trimmed(code);
  if (c.size() <= 3 || c.find('.') != std::string::npos) return c;
  return c.substr(0, 3) + "." + c.substr(3);
}

// A letter and two more characters: the shortest item that names a category.
bool names_category(const std::string& item) {
  return item.size() >= 3 && std::isupper(static_cast<unsigned char>(item[0])) &&
         std::isdigit(static_cast<unsigned char>(item[1]));
}

std::vector<const json*> string_items(const json& entry, const char* key) {
  std::vector<const json*> out;
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_array()) return out;
  for (const json& v : *it)
    if (v.is_string()) out.push_back(&v);
  return out;
}

int diagnoses_covered(const json& entry, const Case& c) {
  int n = 0;
  for (const json& d : c.doc.value("diagnoses", json::array())) {
    std::string code = d.value("icd10", "");
    for (const json* item : string_items(entry, "icd10"))
      if (icd10_covers(item->get<std::string>(), code)) {
        ++n;
        break;
      }
  }
  return n;
}

int services_covered(const json& entry, const Case& c) {
  int n = 0;
  for (const json& s : c.doc.value("services", json::array())) {
    std::string code = upper_trimmed(s.value("code", ""));
    for (const json* item : string_items(entry, "codes"))
      if (!code.empty() && upper_trimmed(item->get<std::string>()) == code) {
        ++n;
        break;
      }
  }
  return n;
}

// How well a library entry fits the case; 0 unless it covers a diagnosis AND
// a service (issue 9: a service match alone put a pneumonia guideline on a
// stroke-rehabilitation case).
int fit_score(const json& entry, const Case& c) {
  int dx = diagnoses_covered(entry, c);
  int svc = services_covered(entry, c);
  return dx > 0 && svc > 0 ? dx + 2 * svc : 0;
}

bool shares_identity(const std::vector<std::string>& seen, const json& cit) {
  for (const std::string& id : citation_identities(cit))
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) return true;
  return false;
}

void remember(std::vector<std::string>& seen, const json& cit) {
  for (std::string& id : citation_identities(cit)) seen.push_back(std::move(id));
}

// The case's own citations, library keys resolved, unknown keys left out,
// duplicates listed once (the first one given wins).
json accepted_citations(const Case& c, const json& library, std::vector<std::string>& seen) {
  json out = json::array();
  for (const json& cit : c.doc.value("citations", json::array())) {
    json entry = cit;
    if (cit.is_string()) {
      std::string key = cit.get<std::string>();
      if (!library.contains(key)) continue;  // reported by check_library_keys
      entry = library[key];
      entry["key"] = key;
    }
    if (!entry.is_object() || shares_identity(seen, entry)) continue;
    remember(seen, entry);
    out.push_back(std::move(entry));
  }
  return out;
}

// Fewer than two accepted: the best-fitting library entries, for review,
// up to three citations in all.
json suggested_citations(const Case& c, const json& library, size_t accepted, std::vector<std::string>& seen) {
  json out = json::array();
  if (accepted >= 2) return out;
  std::vector<std::pair<int, std::string>> ranked;
  for (auto it = library.begin(); it != library.end(); ++it)
    if (int score = fit_score(it.value(), c)) ranked.push_back({-score, it.key()});
  std::sort(ranked.begin(), ranked.end());  // best first, then by key: deterministic
  for (const auto& [score, key] : ranked) {
    if (accepted + out.size() >= 3) break;
    json entry = library[key];
    entry["key"] = key;
    if (shares_identity(seen, entry)) continue;
    remember(seen, entry);
    entry["suggested"] = true;
    out.push_back(std::move(entry));
  }
  return out;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

json unknown_library_keys(const json& doc, const json& library) {
  json out = json::array();
  auto cits = doc.find("citations");
  if (cits == doc.end() || !cits->is_array()) return out;
  for (size_t i = 0; i < cits->size(); ++i) {
    const json& cit = (*cits)[i];
    if (!cit.is_string() || library.contains(cit.get<std::string>())) continue;
    out.push_back({{"path", "/citations/" + std::to_string(i)},
                   {"key", cit},
                   {"closest", closest_keys(cit.get<std::string>(), library)}});
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

bool icd10_covers(const std::string& item, const std::string& code) {
  std::string c = icd10_with_dot(code);
  std::string it = upper_trimmed(item);
  if (auto dash = it.find('-'); dash != std::string::npos) {
    std::string lo = icd10_with_dot(it.substr(0, dash)), hi = icd10_with_dot(it.substr(dash + 1));
    if (lo.size() != hi.size() || !names_category(lo) || c.size() < lo.size()) return false;
    std::string head = c.substr(0, lo.size());
    return lo <= head && head <= hi;
  }
  it = icd10_with_dot(it);
  if (!names_category(it) || c.empty()) return false;
  if (c == it) return true;
  // a category covers its codes only across the dot: "C34" covers "C34.11", not "C340" typed otherwise
  return it.size() == 3 ? starts_with(c, it + ".") : starts_with(c, it);
}

std::vector<std::string> citation_identities(const json& cit) {
  std::vector<std::string> out;
  if (!cit.is_object()) return out;
  if (auto p = cit.find("pmid"); p != cit.end() && p->is_string() && !p->get<std::string>().empty())
    out.push_back("pmid:" + p->get<std::string>());
  if (auto d = cit.find("doi"); d != cit.end() && d->is_string()) {
    std::string doi;
    for (char ch : d->get<std::string>()) doi += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const char* prefix : {"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"})
      if (starts_with(doi, prefix)) doi.erase(0, std::string(prefix).size());
    if (!doi.empty()) out.push_back("doi:" + doi);
  }
  if (auto t = cit.find("title"); t != cit.end() && t->is_string()) {
    std::string title;
    bool gap = false;
    for (unsigned char ch : t->get<std::string>()) {
      if (std::isalnum(ch) || ch >= 0x80) {
        if (gap && !title.empty()) title += ' ';
        title += static_cast<char>(std::tolower(ch));
        gap = false;
      } else {
        gap = true;
      }
    }
    if (!title.empty()) out.push_back("title:" + title);
  }
  return out;
}

std::vector<std::string> closest_keys(const std::string& key, const json& library) {
  std::vector<std::tuple<int, size_t, std::string>> ranked;  // (0 prefix / 1 distance, distance, key)
  for (auto it = library.begin(); it != library.end(); ++it) {
    const std::string& candidate = it.key();
    size_t d = edit_distance(key, candidate);
    bool prefix = !key.empty() && (starts_with(candidate, key) || starts_with(key, candidate));
    size_t limit = std::max<size_t>(2, std::max(key.size(), candidate.size()) / 3);
    if (prefix) ranked.push_back({0, d, candidate});
    else if (d <= limit) ranked.push_back({1, d, candidate});
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (const auto& r : ranked) {
    if (out.size() == 3) break;
    out.push_back(std::get<2>(r));
  }
  return out;
}

Diagnostics check_library_keys(const json& doc, const KnowledgeLibrary& lib) {
  Diagnostics out;
  if (!doc.is_object()) return out;
  for (const json& u : unknown_library_keys(doc, entries(lib.citations, "citations"))) {
    std::string msg = "unknown citation key \"" + u["key"].get<std::string>() +
                      "\" (not in templates/knowledge/citations.json): left out of the packet";
    const json& closest = u["closest"];
    if (closest.empty()) msg += "; no library key is close to it";
    for (size_t i = 0; i < closest.size(); ++i)
      msg += (i == 0 ? "; did you mean \"" : " or \"") + closest[i].get<std::string>() + "\"";
    if (!closest.empty()) msg += "?";
    out.push_back(warning_at(u["path"].get<std::string>(), msg));
  }
  return out;
}

Diagnostics check_library_keys(const Case& c, const KnowledgeLibrary& lib) { return check_library_keys(c.doc, lib); }

Evidence gather_evidence(const Case& c, const KnowledgeLibrary& lib) {
  Evidence ev;
  ev.boilerplate_words = lib.boilerplate_words ? lib.boilerplate_words : std::make_shared<std::set<std::string>>();
  const json& library = entries(lib.citations, "citations");
  std::vector<std::string> seen;
  ev.citations = accepted_citations(c, library, seen);
  ev.suggested = suggested_citations(c, library, ev.citations.size(), seen);
  ev.unknown_keys = unknown_library_keys(c.doc, library);

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
