#include "pipeline/merge.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "knowledge/law.h"

namespace p2p {

namespace {

using json = nlohmann::json;

// Drops empty strings and nulls everywhere: mustache treats "" as present.
void prune_empty(json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end();) {
      prune_empty(it.value());
      bool empty = it->is_null() || (it->is_string() && it->get<std::string>().find_first_not_of(" \t\r\n") ==
                                                            std::string::npos);
      it = empty ? j.erase(it) : std::next(it);
    }
  } else if (j.is_array()) {
    for (json& v : j) prune_empty(v);
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int age_on(const Date& dob, const Date& day) {
  int age = day.year - dob.year;
  if (day.month < dob.month || (day.month == dob.month && day.day < dob.day)) --age;
  return age;
}


// The words of a text that can tie a criterion to the denial: lower-case
// letters and digits, numbers of any length ("6" in "6 weeks"), other words of
// four letters or more that are not boilerplate every denial uses; a trailing
// plural "s" dropped so "treatments" meets "treatment".
std::set<std::string> telling_words(const std::string& text) {
  static const std::set<std::string> kBoilerplate = {
      "that", "this", "with", "from", "have", "been", "were", "does", "which", "their", "there", "these",
      "than", "more", "less", "such", "your", "will", "into", "also", "only", "records", "record", "show",
      "medically", "necessary", "medical", "necessity", "request", "requested", "member", "patient",
      "criteria", "criterion", "plan", "approved", "denied", "coverage", "provided", "documentation",
      "documented", "information", "policy", "service", "services", "because", "meet", "meets", "unless", "least"};
  std::set<std::string> out;
  std::string word;
  auto flush = [&] {
    bool number = !word.empty() && std::all_of(word.begin(), word.end(), [](char ch) { return std::isdigit(ch); });
    if (word.size() > 4 && word.back() == 's') word.pop_back();
    if (number || (word.size() >= 4 && !kBoilerplate.count(word))) out.insert(word);
    word.clear();
  };
  for (unsigned char ch : text) {
    if (std::isalnum(ch)) word += static_cast<char>(std::tolower(ch));
    else flush();
  }
  flush();
  return out;
}

// Whether the denial (or the reviewer's reasoning on the call) names the
// criterion by its id ("criterion D").
bool is_named(const json& criterion, const std::string& lower_denial) {
  std::string id = criterion.value("id", "");
  if (id.empty()) return false;
  std::string needle = "criterion ";
  for (char ch : id) needle += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (auto at = lower_denial.find(needle); at != std::string::npos; at = lower_denial.find(needle, at + 1)) {
    std::size_t end = at + needle.size();
    if (end == lower_denial.size() || !std::isalnum(static_cast<unsigned char>(lower_denial[end]))) return true;
  }
  return false;
}

int shared_words(const json& criterion, const std::set<std::string>& denial_words) {
  int shared = 0;
  for (const std::string& w : telling_words(criterion.value("text", ""))) shared += denial_words.count(w) ? 1 : 0;
  return shared;
}

// A description clipped for the brief's one-line code lists: whole words up to
// `limit` characters (UTF-8 aware), then a visible ellipsis; the full text
// stays in the letters.
std::string clipped(const std::string& text, std::size_t limit) {
  std::size_t chars = 0, cut = std::string::npos, last_space = std::string::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // inside a character
    if (chars == limit) {
      cut = i;
      break;
    }
    if (text[i] == ' ') last_space = i;
    ++chars;
  }
  if (cut == std::string::npos) return text;
  if (last_space != std::string::npos && last_space > cut / 2) cut = last_space;
  std::string out = text.substr(0, cut);
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ';')) out.pop_back();
  return out + "\u2026";
}

// The brief lists every diagnosis and service code in one paragraph each,
// never cut by the one-page rule (issue 9): a `first` flag for the
// separators and a description clipped shorter the more codes there are, and
// left out past six, so the line stays short enough that the one-page rule's
// last resort (shortening the longest paragraph) never chooses it.
void add_code_lines(json& view) {
  for (const char* list : {"diagnoses", "services"}) {
    if (!view.contains(list) || !view[list].is_array()) continue;
    std::size_t n = view[list].size();
    std::size_t limit = n <= 3 ? 60 : n <= 6 ? 32 : 0;
    bool first = true;
    for (json& item : view[list]) {
      item["first"] = first;
      first = false;
      if (limit > 0 && item.contains("description") && item["description"].is_string())
        item["brief_description"] = clipped(item["description"].get<std::string>(), limit);
    }
  }
}

// Criteria in the order the brief shows them: those the denial disputes, then
// the other gaps, then the rest, each group in the policy's order. A criterion
// is disputed when the denial names it, or shares at least two telling words
// with it and nearly as many (two thirds) as the criterion it matches best, so
// "at least 6 weeks" in two criteria does not make both the point in dispute.
void add_criteria_for_brief(json& view) {
  std::string denial_text = view["denial"].value("reason", "");
  if (view.contains("call") && view["call"].contains("reviewer_reasoning"))
    denial_text += " " + view["call"].value("reviewer_reasoning", "");
  std::set<std::string> denial_words = telling_words(denial_text);
  std::string lower = denial_text;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  json& criteria = view["policy"]["criteria"];
  std::vector<int> shared;
  int best = 0;
  for (const json& c : criteria) best = std::max(best, shared.emplace_back(shared_words(c, denial_words)));
  json disputed = json::array(), gaps = json::array(), rest = json::array();
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    json& c = criteria[i];
    c["disputed"] = is_named(c, lower) || (shared[i] >= 2 && 3 * shared[i] >= 2 * best);
    (c["disputed"].get<bool>() ? disputed : c.value("gap", false) ? gaps : rest).push_back(c);
  }
  view["policy"]["disputed_count"] = static_cast<int>(disputed.size());
  json ordered = std::move(disputed);
  for (json* group : {&gaps, &rest})
    for (json& c : *group) ordered.push_back(std::move(c));
  view["policy"]["criteria_for_brief"] = std::move(ordered);
}

// Status label and whether the criterion is a gap the physician must close.
void add_criteria_flags(json& view) {
  if (!view.contains("policy") || !view["policy"].contains("criteria")) return;
  int gaps = 0, met = 0;
  for (json& c : view["policy"]["criteria"]) {
    std::string s = c.value("status", "unknown");
    static const std::map<std::string, std::string> kLabels = {
        {"met", "Met"}, {"not_met", "NOT MET"}, {"partial", "PARTIAL"}, {"unknown", "UNKNOWN"}};
    c["status_label"] = kLabels.count(s) ? kLabels.at(s) : s;
    c["gap"] = s != "met";
    (s == "met" ? met : gaps) += 1;
  }
  view["policy"]["gap_count"] = gaps;
  view["policy"]["met_count"] = met;
  view["policy"]["has_gaps"] = gaps > 0;
  view["policy"]["has_criteria"] = !view["policy"]["criteria"].empty();
  view["policy"]["criteria_count"] = static_cast<int>(view["policy"]["criteria"].size());
}

// The payer's reviewer (from the scheduled call, else from the denial) and
// whether their specialty differs from the treating physician's: then the
// physician should ask for a same-specialty reviewer.
void add_reviewer(json& view) {
  json reviewer;
  if (view.contains("p2p") && view["p2p"].contains("reviewer")) reviewer = view["p2p"]["reviewer"];
  else if (view.contains("denial") && view["denial"].contains("reviewer")) reviewer = view["denial"]["reviewer"];
  if (reviewer.is_null() || reviewer.empty()) return;
  view["reviewer"] = reviewer;
  // "Pain medicine (same-specialty reviewer requested)" and "Pain medicine
  // (anesthesiology)" are one specialty: compare what comes before "("
  auto base = [](std::string s) {
    s = lower(s.substr(0, s.find('(')));
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  std::string theirs = base(reviewer.value("specialty", ""));
  std::string ours = base(view["physician"].value("specialty", ""));
  if (!theirs.empty() && theirs != ours) view["reviewer_mismatch"] = true;
}

std::string scheduled_display(const std::string& iso) {
  // "2026-11-20T10:30:00-05:00" -> "Fri Nov 20, 2026 10:30 (UTC-05:00)"
  auto d = parse_date(iso.substr(0, 10));
  if (!d || iso.size() < 16) return iso;
  std::string offset = iso.size() > 19 ? iso.substr(iso.find_first_of("Z+-", 16)) : "";
  if (offset == "Z") offset = "+00:00";
  return d->display() + " " + iso.substr(11, 5) + (offset.empty() ? "" : " (UTC" + offset + ")");
}

std::string long_date(const Date& d) { return d.long_display(); }

// The documents the letters enclose: each criterion's source, once, in order.
json enclosures_of(const json& view) {
  json out = json::array();
  if (!view.contains("policy") || !view["policy"].contains("criteria")) return out;
  for (const json& c : view["policy"]["criteria"]) {
    std::string src = c.value("source", "");
    if (src.empty()) continue;
    if (std::find(out.begin(), out.end(), json(src)) == out.end()) out.push_back(src);
  }
  return out;
}

// Flags a template can test but mustache cannot compute: "has_<key>" beside
// every non-empty list, and "<key>_is": {value: true} beside every
// enumerated field, so templates can word each status or kind differently.
void add_template_flags(json& j) {
  static const char* kEnums[] = {"status", "kind", "disposition", "type", "plan_type", "system", "setting"};
  if (j.is_array()) {
    for (json& v : j) add_template_flags(v);
    return;
  }
  if (!j.is_object()) return;
  json extra = json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    add_template_flags(it.value());
    if (it->is_array() && !it->empty()) extra["has_" + it.key()] = true;
    for (const char* e : kEnums)
      if (it.key() == e && it->is_string()) extra[std::string(e) + "_is"][it->get<std::string>()] = true;
  }
  for (auto it = extra.begin(); it != extra.end(); ++it)
    if (!j.contains(it.key())) j[it.key()] = it.value();
}


// ---- Deadlines and law (issue 9, items 5 and 7) ---------------------------
// Keys documented in docs/templates.md "Deadlines and law". Only facts the
// deadline computation and the rules in force establish; wording stays in
// the templates.

json deadline_view(const Deadline& d) {
  json v = {{"date", d.due.iso()},        {"display", d.due.display()}, {"date_long", long_date(d.due)},
            {"basis", d.basis},           {"source", d.source},         {"passed", d.passed},
            {"due_today", d.due_today}};
  if (!d.time.empty()) {
    v["time"] = d.time;
    v["display"] = d.due.display() + " " + d.time;
    v["date_long"] = long_date(d.due) + ", " + d.time;
  }
  return v;
}

// One entry per deadline the brief lists, in order, with the label for its
// state: a closed P2P window is not printed as a date to act by.
// (next == "p2p_request" exactly when the window is open and nothing is
// scheduled or held: see next_deadline in knowledge/deadlines.cpp.)
json deadline_items(const CaseDeadlines& d, const json& deadlines_view) {
  json items = json::array();
  auto add = [&](const char* key, const std::string& label) {
    std::string display = deadlines_view[key]["display"].get<std::string>();
    if (deadlines_view[key]["due_today"].get<bool>()) display = "today, " + display;
    json item = {{"key", key}, {"label", label}, {"display", display},
                 {"passed", deadlines_view[key]["passed"]}, {"next", d.next == key}, {"first", items.empty()}};
    items.push_back(item);
  };
  // Once a call is scheduled or held the window no longer asks anything.
  if (d.p2p_window_closed) add("p2p_request", "P2P window closed");
  else if (d.next == "p2p_request") add("p2p_request", "request P2P by");
  if (d.internal_appeal) add("internal_appeal", d.internal_appeal->passed ? "appeal deadline passed" : "file internal appeal by");
  return items;
}

// The law a template sees, in one place (`law`): the appeal, external-review
// and prior-authorization rules in force on the denial date, one rule each
// under its subject, so a letter cites each only for its subject; and the
// review-standard rules as lists under their topic (`law.same_specialty`,
// `law.notice_content`), for the paragraph that cites them. Only rules in
// force on the denial date: they replace the evidence stage's selection.
constexpr const char* kDecisionSubjects[] = {"appeal", "external_review", "prior_auth_decision"};

void add_law(json& view, const Case& c, const Evidence& evidence) {
  json in_force = rules_in_force(c, evidence.regulations);
  view.erase("regulations");
  if (in_force.empty()) return;
  for (const json& r : in_force) {
    std::string subject = r.value("subject", "");
    bool decision = std::find(std::begin(kDecisionSubjects), std::end(kDecisionSubjects), subject) !=
                    std::end(kDecisionSubjects);
    if (!decision) view["law"][r.value("topic", "other")].push_back(r);
  }
  for (const char* subject : kDecisionSubjects) {
    json rule = rule_for(c, in_force, subject);
    if (rule.is_null()) continue;
    rule["is_summary"] = rule.value("status", "") == "summary";
    // A rule may cite a narrower section for one of its statements.
    for (const char* part : {"filing_cite", "decision_cite", "expedited_cite"})
      if (!rule.contains(part)) rule[part] = rule["cite"];
    view["law"][subject] = rule;
  }
}

void add_deadlines_and_law(json& view, const Case& c, const CaseDeadlines& d, const Evidence& evidence) {
  json& v = view["deadlines"];
  v["p2p_request"] = deadline_view(d.p2p_request);
  if (d.internal_appeal) v["internal_appeal"] = deadline_view(*d.internal_appeal);
  if (d.external_review) v["external_review"] = deadline_view(*d.external_review);
  if (d.external_review_automatic) v["external_review_automatic"] = true;
  v["p2p"] = {{"passed", d.p2p_request.passed},
              {"open", !d.p2p_request.passed},
              {"to_request", d.next == "p2p_request"},
              {"closed", d.p2p_window_closed}};
  if (!d.next.empty()) {
    v["next"] = v[d.next];
    v["next"]["key"] = d.next;
    v["next"]["label"] = d.next == "p2p_request" ? "request the P2P" : "file the internal appeal";
    v[d.next]["is_next"] = true;
  }
  v["items"] = deadline_items(d, v);
  if (d.expedited) {
    v["expedited"] = true;
    v["expedited_note"] = d.expedited_note;
  }
  add_law(view, c, evidence);
}
}  // namespace

json merge_case_view(const Case& c, const CaseDeadlines& deadlines, const Evidence& evidence, const Date& today) {
  json view = c.doc;
  view["citations"] = evidence.citations;  // accepted: the only ones the letters to the payer cite
  view["suggested_citations"] = evidence.suggested;  // for review, on the brief and the notice
  view["citation_problems"] = evidence.unknown_keys;
  if (!evidence.policy.empty()) view["policy"] = evidence.policy;
  if (evidence.policy_from_library) {
    view["policy"]["from_library"] = true;
    view["policy"]["library_source"] = evidence.policy_source;
  }
  if (!evidence.payer.empty()) view["payer_info"] = evidence.payer;
  if (!evidence.denial_type.empty()) {
    view["denial_advice"] = evidence.denial_type;
    if (!evidence.denial_type.value("p2p_fit", true)) view["denial_advice"]["p2p_unlikely"] = true;
  }
  prune_empty(view);
  view["today"] = today.iso();
  view["denial"]["date_display"] = c.denial_date.display();
  view["denial"]["type_label"] = [&] {
    std::string t = c.denial_type;
    std::replace(t.begin(), t.end(), '_', ' ');
    return t;
  }();
  if (auto dob = parse_date(view["patient"].value("dob", ""))) view["patient"]["age"] = age_on(*dob, c.denial_date);
  if (view["clinical"].contains("prior_treatments"))
    for (json& t : view["clinical"]["prior_treatments"])
      if (!t.contains("end")) t["ongoing"] = true;
  for (json& d : view["diagnoses"])
    if (!d.value("primary", false)) d.erase("primary");
  for (const char* list : {"citations", "suggested_citations", "citation_problems"})
    if (view[list].empty()) view.erase(list);
  if (view.contains("citation_problems"))
    for (json& u : view["citation_problems"]) {
      std::string closest;
      for (const json& k : u["closest"]) closest += (closest.empty() ? "" : ", ") + k.get<std::string>();
      if (!closest.empty()) u["closest_list"] = closest;
    }
  if (view.contains("p2p") && view["p2p"].contains("scheduled"))
    view["p2p"]["scheduled_display"] = scheduled_display(view["p2p"]["scheduled"].get<std::string>());
  add_criteria_flags(view);
  add_reviewer(view);
  view["today_long"] = long_date(today);
  view["denial"]["date_long"] = long_date(c.denial_date);
  view["denial"]["is"][c.denial_type] = true;
  view["payer"]["plan_type_is"][c.plan_type] = true;
  view["urgent"] = c.urgent;
  json enclosures = enclosures_of(view);
  if (!enclosures.empty()) view["enclosures"] = enclosures;
  for (json& d : view["diagnoses"])
    if (d.value("primary", false) && !view.contains("primary_diagnosis")) view["primary_diagnosis"] = d;
  if (!view.contains("primary_diagnosis")) view["primary_diagnosis"] = view["diagnoses"][0];
  std::string codes;
  for (const json& s : view["services"]) codes += (codes.empty() ? "" : ", ") + s.value("system", "") + " " + s.value("code", "");
  view["service_codes"] = codes;
  if (view.contains("call")) {
    view["call"]["disposition_is"][view["call"].value("disposition", "none")] = true;
    if (view["call"].contains("started")) view["call"]["started_display"] = scheduled_display(view["call"]["started"].get<std::string>());
  }
  add_deadlines_and_law(view, c, deadlines, evidence);
  if (auto dob = parse_date(view["patient"].value("dob", ""))) view["patient"]["dob_long"] = long_date(*dob);
  view["primary_service"] = view["services"][0];
  add_claim_facts(view, today);  // merge_claims.cpp: what the documents may claim
  if (view.contains("policy") && view["policy"].contains("criteria")) add_criteria_for_brief(view);
  add_code_lines(view);
  add_template_flags(view);
  return view;
}

}  // namespace p2p
