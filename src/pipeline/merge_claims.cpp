// Claim facts: the named conditions under which a document may assert
// something about the case (docs/claims.md lists each claim and its fact).
// Templates choose their wording by these facts only; none of them is
// computed in a template. Works on the merged view, so it sees what the
// templates see (empty strings already pruned).
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string>

#include "pipeline/merge.h"

namespace p2p {

namespace {

using json = nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool has_text(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_string() && !obj[key].get<std::string>().empty();
}

bool has_items(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_array() && !obj[key].empty();
}

// A case's sentence fragment that a template ends with its own ".": drop one
// trailing period so "worse after 6 weeks." does not print as "weeks..".
// An ellipsis ("...") is the writer's and stays.
void drop_final_period(json& obj, const char* key) {
  if (!has_text(obj, key)) return;
  std::string s = obj[key].get<std::string>();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.size() >= 2 && s.back() == '.' && s[s.size() - 2] != '.') s.pop_back();
  obj[key] = s;
}

void normalise_fragments(json& view) {
  if (view.contains("policy") && has_items(view["policy"], "criteria"))
    for (json& c : view["policy"]["criteria"]) drop_final_period(c, "evidence");
  if (view.contains("clinical")) {
    if (has_items(view["clinical"], "prior_treatments"))
      for (json& t : view["clinical"]["prior_treatments"]) drop_final_period(t, "outcome");
    drop_final_period(view["clinical"], "urgency_reason");
  }
  if (view.contains("p2p")) {
    drop_final_period(view["p2p"], "goal");
    drop_final_period(view["p2p"], "fallback");
  }
}

// A criterion is answered when the record shows it (met) or shows part of it
// and says what (partial with evidence). not_met and unknown are never
// answered: the record does not show them, whatever the evidence line says.
bool answered(const json& c) {
  std::string s = c.value("status", "unknown");
  return s == "met" || (s == "partial" && has_text(c, "evidence"));
}

// criteria_standing: what the documents may say about the policy as a whole.
//   all_met        every criterion met (and there is at least one)
//   gaps_answered  some not met outright, every one of those answered
//   gaps_open      at least one criterion not met, unknown, or partial without evidence
//   no_criteria    the case maps no criteria: no claim about criteria at all
void add_criteria_facts(json& view) {
  json unanswered = json::array();
  int count = 0, met = 0;
  if (view.contains("policy") && has_items(view["policy"], "criteria")) {
    for (json& c : view["policy"]["criteria"]) {
      ++count;
      met += c.value("status", "") == "met";
      c["answered"] = answered(c);
      if (!answered(c)) {
        json u = {{"id", c.value("id", "")}, {"text", c.value("text", "")}, {"status", c.value("status", "unknown")}};
        if (c.contains("status_label")) u["status_label"] = c["status_label"];
        unanswered.push_back(u);
      }
    }
  }
  std::string standing = count == 0                ? "no_criteria"
                         : met == count            ? "all_met"
                         : unanswered.empty()      ? "gaps_answered"
                                                   : "gaps_open";
  view["criteria_standing"] = standing;
  view["criteria_standing_is"] = json::object({{standing, true}});
  view["all_criteria_met"] = standing == "all_met";
  if (!unanswered.empty()) {
    view["unanswered_criteria"] = unanswered;
    // "criterion D", "criteria C and D", "criteria B, C and D"
    std::string ids;
    for (size_t i = 0; i < unanswered.size(); ++i)
      ids += (i == 0 ? "" : i + 1 == unanswered.size() ? " and " : ", ") + unanswered[i]["id"].get<std::string>();
    view["unanswered_ids"] = (unanswered.size() == 1 ? "criterion " : "criteria ") + ids;
  }
  if (view.contains("policy") && met > 0) view["policy"]["some_met"] = true;
}

// Letters and the script say "the guidelines support this care" only when
// the case itself cites something; a suggestion p2pdoc added is not yet the
// physician's evidence.
void add_citation_facts(json& view) {
  if (!has_items(view, "citations")) return;
  for (const json& c : view["citations"])
    if (!c.value("suggested", false)) {
      view["citations_confirmed"] = true;
      return;
    }
}

// Which printed objection box an objection recorded on the call belongs to.
// Words, not guesses: an objection that names none of these goes only into
// the details field.
struct ObjectionKind {
  const char* name;
  std::array<const char*, 8> words;
};

constexpr ObjectionKind kObjectionKinds[] = {
    {"non_specialty", {"specialty", "specialist", "internist", "generalist", "not a ", "not board", "same-special", nullptr}},
    {"new_evidence", {"new evidence", "new information", "imag", "records", "report", "evidence offered", "additional", nullptr}},
    {"guidelines", {"guideline", "nccn", "society", "consensus", nullptr, nullptr, nullptr, nullptr}},
    {"prior_treatment", {"prior treatment", "prior-treatment", "previous treatment", "conservative", "failed treatment", "failed therap", "treatment failure", nullptr}},
    {"scheduling", {"schedul", "delay", "no-show", "did not call", "missed the call", "callback", "call back", nullptr}},
};


// The call, once held. Every fact is absent before the call, so a template
// that tests it prints nothing then.
void add_call_facts(json& view) {
  if (!view.contains("call") || !view["call"].is_object()) return;
  json& call = view["call"];
  call["held"] = true;
  if (has_text(call, "started"))
    if (auto day = parse_date(call["started"].get<std::string>().substr(0, 10))) call["date_long"] = day->long_display();
  std::string d = call.value("disposition", "");
  if (!d.empty()) call["outcome_recorded"] = true;
  if (d != "overturned") call["unresolved"] = true;  // the denial still stands, in whole or part, or is not yet decided
  if (d == "modified") call["partial_approval"] = true;
  if (has_items(call, "objections")) {
    call["has_objections"] = true;
    // one sentence for a letter: "a; b; c" (each item's own final period dropped)
    std::string joined;
    for (json o : call["objections"]) {
      json holder = {{"t", o}};
      drop_final_period(holder, "t");
      if (holder.contains("t") && holder["t"].is_string() && !holder["t"].get<std::string>().empty())
        joined += (joined.empty() ? "" : "; ") + holder["t"].get<std::string>();
    }
    if (!joined.empty()) call["objections_text"] = joined;
    json kinds = objection_kinds(call["objections"]);
    if (!kinds.empty()) call["objection_is"] = kinds;
  }
  if (has_items(call, "points_discussed")) call["has_points"] = true;
  // the LOMN answers the reviewer's reasoning with the points made on the
  // call and, where the case maps them, the criteria one by one
  bool criteria = view.value("criteria_standing", "no_criteria") != "no_criteria";
  if (has_text(call, "reviewer_reasoning") && (has_items(call, "points_discussed") || criteria))
    call["reasoning_answered"] = true;
  if (has_text(call, "reviewer_reasoning") && criteria) call["reasoning_answered_by_criteria"] = true;
  // recorded but nothing in the case answers it: the LOMN quotes it and asks
  // the physician (a draft note) to answer it, never claims it is answered
  if (has_text(call, "reviewer_reasoning") && !call.contains("reasoning_answered")) call["reasoning_unanswered"] = true;
}

// A modified outcome: what is still denied is requested minus approved.
// With `call.approved.services` the letters name it (`call.approved_known`,
// `call.still_denied`, `call.approved_list`); without, they only say the
// request was approved in part. `appeal_services` is the list the letters
// ask for either way. The partial approval's number, when the case gives it
// under `approved`, becomes `call.auth_number` (validation warns when the
// two differ), so every document cites the same number.
void add_partial_approval_facts(json& view) {
  view["appeal_services"] = view["services"];
  if (!view.contains("call") || !view["call"].value("partial_approval", false)) return;
  json& call = view["call"];
  if (!call.contains("approved") || !call["approved"].is_object()) return;
  json& approved = call["approved"];
  if (has_text(approved, "auth_number")) call["auth_number"] = approved["auth_number"];
  if (!has_items(approved, "services")) return;
  std::map<std::string, long> granted;  // code -> units approved; -1: in full
  for (const json& a : approved["services"])
    if (has_text(a, "code")) granted[a["code"].get<std::string>()] = a.contains("units") ? a.value("units", 0L) : -1;
  json still = json::array();
  std::string list;
  for (const json& s : view["services"]) {
    std::string code = s.value("code", "");
    long asked = s.contains("units") ? s.value("units", 1L) : 1;
    auto it = granted.find(code);
    long got = it == granted.end() ? 0 : it->second < 0 ? asked : std::min(it->second, asked);
    if (it != granted.end() && it->second >= 0) it->second -= got;  // a code on several lines: approve in order
    if (got > 0) {
      std::string name = s.value("system", "") + " " + code;
      list += (list.empty() ? "" : "; ") + name + (got == asked ? " in full" : ", " + std::to_string(got) + " of " + std::to_string(asked) + " units");
    }
    if (got >= asked) continue;
    json left = s;
    if (s.contains("units")) left["units"] = asked - got;
    if (got > 0) {
      left["in_part"] = true;
      left["requested_units"] = asked;
      left["approved_units"] = got;
    }
    still.push_back(left);
  }
  if (still.empty()) return;  // validation refuses an approval in full; say nothing it does not support
  call["approved_known"] = true;
  call["still_denied"] = still;
  if (!list.empty()) call["approved_list"] = list;
  view["appeal_services"] = still;
}

// case_state: where the case stands today, which decides what the notice says.
//   call_held          the case carries `call`
//   call_record_due    a call was scheduled for a day before today, no record yet
//   call_scheduled     a call is scheduled for today or later
//   p2p_window_closed  nothing scheduled and the P2P request deadline has passed
//   p2p_to_request     nothing scheduled, the window still open
// The window test reads deadlines.p2p_request.date; when the deadline module
// publishes its own "passed" flag, read that here instead (one place).
void add_case_state(json& view, const Date& today) {
  std::string state;
  std::string scheduled = view.contains("p2p") ? view["p2p"].value("scheduled", "") : "";
  std::string due = view["deadlines"]["p2p_request"].value("date", "");
  auto due_date = parse_date(due);
  bool window_closed = due_date && *due_date < today;
  if (view.contains("call")) state = "call_held";
  else if (!scheduled.empty()) {
    auto day = parse_date(scheduled.substr(0, 10));
    state = day && *day < today ? "call_record_due" : "call_scheduled";
  } else state = window_closed ? "p2p_window_closed" : "p2p_to_request";
  view["case_state"] = state;
  view["case_state_is"] = json::object({{state, true}});
  if (window_closed) view["p2p_window_closed"] = true;
}

// The line to call on: the call's own number, else the payer's P2P line.
void add_contact_facts(json& view) {
  if (view.contains("p2p") && has_text(view["p2p"], "phone")) view["p2p_line"] = view["p2p"]["phone"];
  else if (view.contains("payer") && has_text(view["payer"], "p2p_phone")) view["p2p_line"] = view["payer"]["p2p_phone"];
  if (has_items(view, "enclosures")) view["has_enclosures"] = true;
}

// "M. Kessler, MD (Internal medicine)"; a reviewer known only by specialty
// reads "name not yet known (Pain medicine)", never " (Pain medicine)".
void add_reviewer_line(json& reviewer) {
  if (!reviewer.is_object()) return;
  std::string line = has_text(reviewer, "name") ? reviewer["name"].get<std::string>() : "name not yet known";
  if (has_text(reviewer, "name") && has_text(reviewer, "credentials"))
    line += ", " + reviewer["credentials"].get<std::string>();
  if (has_text(reviewer, "specialty")) line += " (" + reviewer["specialty"].get<std::string>() + ")";
  reviewer["line"] = line;
}

void add_reviewer_lines(json& view) {
  if (view.contains("reviewer")) add_reviewer_line(view["reviewer"]);
  for (const char* owner : {"denial", "p2p", "call"})
    if (view.contains(owner) && view[owner].is_object() && view[owner].contains("reviewer"))
      add_reviewer_line(view[owner]["reviewer"]);
}

}  // namespace

json objection_kinds(const json& objections) {
  json kinds = json::object();
  for (const json& o : objections) {
    if (!o.is_string()) continue;
    std::string text = lower(o.get<std::string>());
    for (const ObjectionKind& k : kObjectionKinds) {
      bool hit = false;
      for (const char* w : k.words) hit = hit || (w && text.find(w) != std::string::npos);
      // "new evidence" needs a refusal: "reviewed the records" is no objection
      if (hit && std::string(k.name) == "new_evidence")
        hit = text.find("refus") != std::string::npos || text.find("declin") != std::string::npos ||
              text.find("would not") != std::string::npos || text.find("did not") != std::string::npos ||
              text.find("not consider") != std::string::npos;
      if (hit) kinds[k.name] = true;
    }
  }
  return kinds;
}

// The brief's answer to the denial: one row per criterion the denial disputes
// (at most three, the rest counted), each with the denial's sentence and what
// the record shows for it. A row claims "the record shows" only for a
// criterion that is answered (met, or partial with evidence) and has an
// evidence line; any other disputed criterion gets an open row, never a fact.
// The block exists only when at least one row shows something.
void add_denial_answers(json& view) {
  if (!view.contains("policy") || !has_items(view["policy"], "criteria_for_brief")) return;
  constexpr std::size_t kRows = 3;
  json rows = json::array();
  int more = 0;
  bool shown = false;
  std::string last_point;
  for (const json& c : view["policy"]["criteria_for_brief"]) {
    if (!c.value("disputed", false)) break;  // the disputed ones come first
    if (rows.size() == kRows) {
      ++more;
      continue;
    }
    json row = {{"id", c.value("id", "")}, {"status_label", c.value("status_label", "")}};
    std::string point = c.value("denial_point", "");
    if (!point.empty() && point == last_point) row["same_point"] = true;
    else if (!point.empty()) row["said"] = point;
    last_point = point;
    std::string status = c.value("status", "unknown");
    if (c.value("answered", false) && has_text(c, "evidence")) {
      row["shown"] = true;
      row["fact"] = c["evidence"];
      if (has_text(c, "source")) row["document"] = c["source"];
      else row["no_document"] = true;
      if (status == "partial") row["in_part"] = true;
      shown = true;
    } else if (status == "met") {
      row["no_fact"] = true;  // marked met, but the case names no fact
    } else {
      row["open"] = true;
    }
    rows.push_back(std::move(row));
  }
  if (!shown) return;
  view["denial_answers"] = std::move(rows);
  view["denial_answered"] = true;
  if (more > 0) view["denial_answers_more"] = more;
}

void add_claim_facts(json& view, const Date& today) {
  normalise_fragments(view);
  add_criteria_facts(view);
  add_citation_facts(view);
  add_call_facts(view);
  add_partial_approval_facts(view);
  add_case_state(view, today);
  add_contact_facts(view);
  add_reviewer_lines(view);
}

}  // namespace p2p
