#include "pipeline/merge.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string_view>
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


// The words of a text that can tie a criterion to the denial, in lower case:
// numbers ("6" in "6 weeks", "3.5" in "Level 3.5"), abbreviations of two or
// three characters written in capitals ("ALK", "PT"), and other words of four
// letters or more, each unless the library lists it as boilerplate
// (templates/knowledge/denial_words.json); a trailing plural "s" dropped so
// "treatments" meets "treatment".
using WordSet = std::set<std::string>;

WordSet telling_words(const std::string& text, const WordSet& boilerplate) {
  WordSet out;
  std::string word;
  bool capitals = true, digits = true;
  auto flush = [&] {
    if (word.empty()) return;
    bool abbreviation = capitals && !digits && word.size() >= 2 && word.size() < 4;
    if (word.size() > 4 && word.back() == 's') word.pop_back();
    if (digits || ((abbreviation || word.size() >= 4) && !boilerplate.count(word))) out.insert(word);
    word.clear();
    capitals = digits = true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(text[i]);
    if (std::isalnum(ch)) {
      capitals = capitals && !std::islower(ch);
      digits = digits && std::isdigit(ch);
      word += static_cast<char>(std::tolower(ch));
    } else if (ch == '.' && digits && !word.empty() && i + 1 < text.size() &&
               std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      word += '.';  // a decimal number is one word
    } else {
      flush();
    }
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

int shared_count(const WordSet& a, const WordSet& b) {
  int shared = 0;
  for (const std::string& w : a) shared += b.count(w) ? 1 : 0;
  return shared;
}

// The denial's sentences: split after ".", "!" or "?" followed by a space or
// the end ("Level 3.5" and "11/20/2026" stay whole).
std::vector<std::string> sentences_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    bool end = i == text.size() ||
               ((text[i] == '.' || text[i] == '!' || text[i] == '?') &&
                (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))));
    if (!end) continue;
    std::size_t to = std::min(i + 1, text.size());
    std::string s = text.substr(from, to - from);
    auto first = s.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) out.push_back(s.substr(first));
    from = to;
  }
  return out;
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

// ---- The brief's treatments and clinical context (issue 9, item 8) -------
// One line per treatment (name, compact dates and span, the outcome's
// numbers) and the context the brief prints in its free space: findings,
// function, how long the problem has lasted and how long it has been
// treated. Brief-only keys; the letters print the case's own fields.

// "Aug 3" or "Aug 3, 2026"
std::string short_day(const Date& d, bool with_year) {
  std::string s = d.display();                  // "Mon Aug 3, 2026"
  s = s.substr(s.find(' ') + 1);                // "Aug 3, 2026"
  return with_year ? s : s.substr(0, s.find(','));
}

// "9 days", "10 weeks", "17 months", "4 years"
std::string span_text(long days) {
  auto unit = [](long n, const char* one) { return std::to_string(n) + " " + one + (n == 1 ? "" : "s"); };
  if (days < 14) return unit(days, "day");
  if (days < 26 * 7) return unit((days + 3) / 7, "week");
  long months = static_cast<long>(days / 30.44 + 0.5);
  if (months < 36) return unit(months, "month");
  return unit(months / 12, "year");
}

// "Aug 3–Oct 12, 2026, 10 weeks"; "Nov 4, 2026" for one day; "since Oct 1,
// 2026, 7 weeks" for an ongoing one (its span counted to the denial).
std::string treatment_dates(const Date& start, const std::optional<Date>& end, const Date& denial) {
  if (!end) {
    std::string out = "since " + short_day(start, true);
    return denial > start ? out + ", " + span_text(denial.days_since_epoch() - start.days_since_epoch()) : out;
  }
  if (*end == start) return short_day(start, true);
  std::string from = short_day(start, start.year != end->year);
  std::string to = short_day(*end, true);
  if (start.year == end->year && start.month == end->month) to = to.substr(to.find(' ') + 1);  // "Nov 16–19, 2026"
  return from + "\u2013" + to + ", " +
         span_text(end->days_since_epoch() - start.days_since_epoch() + 1);
}

std::size_t characters(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

// An outcome within `limit` characters that keeps its numbers: whole
// clauses (split at "; ") that hold a digit, in their order, then a visible
// ellipsis; the clipped text when no numbered clause fits.
std::string outcome_line(const std::string& outcome, std::size_t limit) {
  if (characters(outcome) <= limit) return outcome;
  std::string kept;
  std::size_t from = 0;
  while (from <= outcome.size()) {
    std::size_t at = outcome.find("; ", from);
    std::string clause = outcome.substr(from, at == std::string::npos ? std::string::npos : at - from);
    bool numbered = std::any_of(clause.begin(), clause.end(), [](unsigned char ch) { return std::isdigit(ch); });
    std::string next = kept.empty() ? clause : kept + "; " + clause;
    if (numbered && characters(next) + 1 <= limit) kept = next;
    if (at == std::string::npos) break;
    from = at + 2;
  }
  return kept.empty() ? clipped(outcome, limit) : kept + " \u2026";
}

void add_treatment_lines(json& view, const Date& denial) {
  if (!view.contains("clinical") || !view["clinical"].is_object()) return;
  json& clinical = view["clinical"];
  std::optional<Date> first;
  if (clinical.contains("prior_treatments"))
    for (json& t : clinical["prior_treatments"]) {
      auto start = parse_date(t.value("start", ""));
      if (!start) continue;
      if (!first || *start < *first) first = start;
      std::string dates = treatment_dates(*start, parse_date(t.value("end", "")), denial);
      std::string outcome = t.value("outcome", "");
      // about 130 characters fill a line at the brief's largest type, the
      // bold name a tenth wider than plain text; the outcome's numbers
      // matter more than the name's last words, so a long outcome keeps
      // up to 64 characters and the name gets what is left (36 to 56)
      std::size_t line = 132, dates_len = characters(dates) + 4;
      std::size_t wanted = std::min<std::size_t>(characters(outcome), 64);
      std::size_t name_room = line > dates_len + wanted ? (line - dates_len - wanted) * 10 / 11 : 0;
      std::string name = clipped(t.value("treatment", ""), std::clamp<std::size_t>(name_room, 36, 56));
      std::size_t used = characters(name) * 11 / 10 + dates_len;
      t["brief_treatment"] = name;
      t["brief_dates"] = dates;
      if (!outcome.empty()) t["brief_outcome"] = outcome_line(outcome, used + 48 < line ? line - used : 48);
      // a proposed line names the record it came from; the type and the
      // id's start find it in the EHR, the case keeps the whole reference
      if (t.value("proposed", false)) {
        clinical["has_proposed"] = true;
        if (t.contains("source")) t["brief_source"] = clipped(t.value("source", ""), 36);
      } else {
        t.erase("proposed");
      }
    }
  // how long the patient has been treated: from the first treatment's start
  // to the denial
  if (first && *first < denial)
    clinical["treated_for"] = span_text(denial.days_since_epoch() - first->days_since_epoch()) + " before the denial (since " +
                              short_day(*first, true) + ")";
  for (const char* key : {"functional_score"})
    if (clinical.contains(key) && clinical[key].value("proposed", false)) clinical["has_proposed"] = true;
  if (clinical.contains("findings") && clinical["findings"].is_array())
    for (const json& f : clinical["findings"])
      if (f.is_object() && f.value("proposed", false)) clinical["has_proposed"] = true;
  if (clinical.contains("functional_score") && clinical["functional_score"].contains("date"))
    if (auto d = parse_date(clinical["functional_score"].value("date", "")))
      clinical["functional_score"]["date_display"] = short_day(*d, true);
  if (clinical.contains("findings") && clinical["findings"].is_array()) {
    // a finding is text or {text, source, proposed}; templates see objects
    for (json& f : clinical["findings"])
      if (f.is_string()) f = json::object({{"text", f}});
    json brief = json::array();
    for (const json& f : clinical["findings"]) {
      if (brief.size() == 4) break;  // the brief's short list; the letters print every one
      std::string text = f.value("text", "");
      if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
      json line = {{"text", clipped(text, 90)}, {"first", brief.empty()}};
      if (f.value("proposed", false)) line["proposed"] = true;
      brief.push_back(line);
    }
    if (clinical["findings"].size() > 4) clinical["findings_more"] = static_cast<int>(clinical["findings"].size() - 4);
    if (!brief.empty()) clinical["brief_findings"] = brief;
  }
  if (clinical.contains("functional_status")) {
    // "ODI 48/100; unable to work" beside the score "ODI 48/100": the
    // brief prints the score once
    std::string status = clinical.value("functional_status", "");
    if (clinical.contains("functional_score")) {
      const json& score = clinical["functional_score"];
      std::string said = score.value("measure", "") + " " + score.value("score", "");
      if (status.rfind(said, 0) == 0 && status.size() > said.size() + 2 &&
          (status.compare(said.size(), 2, "; ") == 0 || status.compare(said.size(), 2, ", ") == 0))
        status = status.substr(said.size() + 2);
    }
    clinical["brief_function"] = clipped(status, 90);
  }
  if (clinical.contains("functional_status") || clinical.contains("functional_score")) clinical["has_function"] = true;
  if (clinical.contains("has_function") || clinical.contains("duration") || clinical.contains("treated_for"))
    clinical["has_course"] = true;
  if (clinical.contains("brief_findings") || clinical.contains("has_course")) clinical["has_context"] = true;
}

// Criteria in the order the brief shows them: those the denial disputes, then
// the other gaps, then the rest, each group in the policy's order. A criterion
// is disputed when the denial names it, or shares at least two telling words
// with it and nearly as many (two thirds) as the criterion it matches best, so
// "at least 6 weeks" in two criteria does not make both the point in dispute.
// A disputed criterion also gets the denial's sentence that disputes it
// (`denial_point`: the one naming it, else the one sharing most words), and
// every criterion its text clipped for the brief (`brief_text`; the letters
// print the full text).
void add_criteria_for_brief(json& view, const WordSet& boilerplate) {
  std::string denial_text = view["denial"].value("reason", "");
  if (view.contains("call") && view["call"].contains("reviewer_reasoning"))
    denial_text += " " + view["call"].value("reviewer_reasoning", "");
  WordSet denial_words = telling_words(denial_text, boilerplate);
  // the denial's own sentences first: the reviewer's reasoning on the call
  // is quoted only for a criterion the denial's words do not touch
  std::vector<std::string> sentences = sentences_of(view["denial"].value("reason", ""));
  std::size_t own_sentences = sentences.size();
  if (view.contains("call") && view["call"].contains("reviewer_reasoning"))
    for (std::string& s : sentences_of(view["call"].value("reviewer_reasoning", ""))) sentences.push_back(std::move(s));
  std::vector<WordSet> sentence_words;
  for (const std::string& s : sentences) sentence_words.push_back(telling_words(s, boilerplate));
  std::string lower = denial_text;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  json& criteria = view["policy"]["criteria"];
  std::vector<WordSet> words;
  std::vector<int> shared;
  int best = 0;
  for (const json& c : criteria) {
    words.push_back(telling_words(c.value("text", ""), boilerplate));
    best = std::max(best, shared.emplace_back(shared_count(words.back(), denial_words)));
  }
  json disputed = json::array(), gaps = json::array(), rest = json::array();
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    json& c = criteria[i];
    bool named = is_named(c, lower);
    c["disputed"] = named || (shared[i] >= 2 && 3 * shared[i] >= 2 * best);
    json row = c;
    row["brief_text"] = clipped(c.value("text", ""), 72);
    if (c["disputed"].get<bool>() && !sentences.empty()) {
      std::size_t pick = 0;
      int most = -1;
      for (std::size_t k = 0; k < sentences.size(); ++k) {
        std::string lower_sentence = sentences[k];
        for (char& ch : lower_sentence) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        int score = named && is_named(c, lower_sentence) ? 1000 : shared_count(words[i], sentence_words[k]);
        if (k >= own_sentences && most > 0 && !named) break;  // the denial's own words answer it
        if (score > most) most = score, pick = k;
      }
      row["denial_point"] = clipped(sentences[pick], 64);
    }
    (c["disputed"].get<bool>() ? disputed : c.value("gap", false) ? gaps : rest).push_back(std::move(row));
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
  static constexpr std::string_view kEnums[] = {"status", "kind", "disposition", "type", "plan_type", "system", "setting"};
  if (j.is_array()) {
    for (json& v : j) add_template_flags(v);
    return;
  }
  if (!j.is_object()) return;
  // collected first, added after: adding keys while iterating would break
  // the iteration. Most objects get no flag, so nothing is allocated for them.
  std::vector<std::pair<std::string, json>> extra;
  for (auto it = j.begin(); it != j.end(); ++it) {
    add_template_flags(it.value());
    const std::string& key = it.key();
    if (it->is_array() && !it->empty()) extra.emplace_back("has_" + key, true);
    if (it->is_string() && std::find(std::begin(kEnums), std::end(kEnums), key) != std::end(kEnums)) {
      json is = json::object();
      is[it->get_ref<const std::string&>()] = true;
      extra.emplace_back(key + "_is", std::move(is));
    }
  }
  for (auto& [key, value] : extra)
    if (!j.contains(key)) j[key] = std::move(value);
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
  if (view.contains("policy") && view["policy"].contains("criteria")) {
    add_criteria_for_brief(view, evidence.boilerplate_words ? *evidence.boilerplate_words : WordSet{});
    add_denial_answers(view);  // merge_claims.cpp: the brief's "The denial says / The record shows"
  }
  add_code_lines(view);
  add_treatment_lines(view, c.denial_date);
  add_template_flags(view);
  return view;
}

}  // namespace p2p
