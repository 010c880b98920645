// Every claim a document makes, tried both ways on small fixture cases: the
// facts the merge stage computes (merge_claims.cpp), and the words the
// shipped templates print from them (expanded, before layout).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <algorithm>
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <regex>

#include "expand/expand.h"
#include "pipeline/files.h"
#include "pipeline/merge.h"
#include "pipeline/pipeline.h"
#include "select/select.h"

using namespace p2p;
using nlohmann::json;

namespace {

const std::string kRoot = P2P_SOURCE_ROOT;
const Date kToday = *parse_date("2026-11-23");

const Resources& resources() {
  static Resources res = load_resources(kRoot).value();
  return res;
}

// The UHC lumbar MRI sample (denied Wed 2026-11-18, four criteria, a call
// scheduled for 2026-11-24, no call yet), edited by `edit`.
Case fixture(const std::function<void(json&)>& edit = nullptr) {
  json doc = json::parse(*read_file(kRoot + "/samples/uhc-lumbar-mri.json"));
  if (edit) edit(doc);
  auto r = load_case(doc.dump(), kToday);
  for (const auto& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  return r.value();
}

json view_of(const Case& c, const Date& today = kToday) {
  auto deadlines = compute_deadlines(c, resources().knowledge.deadlines, resources().knowledge.regulations, today);
  REQUIRE(deadlines.is_ok());
  return merge_case_view(c, deadlines.value(), gather_evidence(c, resources().knowledge), today);
}

// Each document of the packet, expanded from the template the case selects
// (Markdown or text, before layout).
std::map<std::string, std::string> documents_of(const Case& c, const Date& today = kToday) {
  json view = view_of(c, today);
  std::map<std::string, std::string> out;
  for (const DocumentKind& d : resources().documents) {
    std::string ext = d.text ? ".txt" : ".md";
    auto choice = select_template(d.kind, c.payer_id, c.denial_type, [&](const std::string& rel) {
      return std::filesystem::exists(resources().templates_dir + "/" + rel);
    }, ext);
    REQUIRE(choice.is_ok());
    std::string path = resources().templates_dir + "/" + choice.value().chosen;
    TemplateText tpl = split_front_matter(*read_file(path));
    auto text = expand_template(tpl.body, view, path, d.text ? Escaping::none : Escaping::markdown);
    REQUIRE(text.is_ok());
    out[d.kind] = text.value();
  }
  return out;
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

void set_statuses(json& d, const std::vector<std::string>& statuses) {
  json criteria = json::array();
  for (size_t i = 0; i < statuses.size(); ++i)
    criteria.push_back({{"id", std::string(1, char('A' + i))},
                        {"text", "Criterion text " + std::to_string(i)},
                        {"status", statuses[i]},
                        {"evidence", "Fact " + std::to_string(i) + " recorded."},
                        {"source", "Office note 2026-11-0" + std::to_string(i + 1)}});
  d["policy"]["criteria"] = criteria;
}

// The checkbox fields of an expanded post-call template: name -> ticked.
std::map<std::string, bool> checkboxes(const std::string& form) {
  std::map<std::string, bool> out;
  std::regex block("```field\\nname: (\\w+)\\n(?:[^`]*?\\n)?type: checkbox\\nvalue:([^\\n]*)\\n```");
  for (auto it = std::sregex_iterator(form.begin(), form.end(), block); it != std::sregex_iterator(); ++it) {
    std::string v = (*it)[2].str();
    v.erase(0, v.find_first_not_of(' '));
    out[(*it)[1].str()] = !v.empty() && v != "no" && v != "false";
  }
  return out;
}

std::string text_field(const std::string& form, const std::string& name) {
  std::regex block("```field\\nname: " + name + "\\n[^`]*?value:([^\\n]*)\\n```");
  std::smatch m;
  if (!std::regex_search(form, m, block)) return "<missing>";
  std::string v = m[1].str();
  v.erase(0, v.find_first_not_of(' '));
  return v;
}

// Template artefacts no document may print (docs/claims.md, invariants).
void check_no_artefacts(const std::map<std::string, std::string>& docs) {
  for (const auto& entry : docs) {  // not a structured binding: clang 14 cannot capture one
    const std::string& kind = entry.first;
    const std::string& text = entry.second;
    CAPTURE(kind);
    CHECK_FALSE(has(text, "{{"));
    CHECK_FALSE(has(text, "}}"));
    CHECK_FALSE(has(text, "null"));
    CHECK_FALSE(std::regex_search(text, std::regex("[^.]\\.\\.(?!\\.)")));  // ".." but not "..."
    CHECK_FALSE(std::regex_search(text, std::regex("(Phone|Reviewer|When|Ask for|Fallback):[ \\t]*\\n")));
    CHECK_FALSE(has(text, "<mark>["));
    CHECK_FALSE(has(text, " ()"));
    if (kind == "lomn" || kind == "appeal-cover") CHECK_FALSE(has(text, "["));
  }
}

}  // namespace

TEST_CASE("criteria: no criteria, all met, one not_met, one unknown, partial with and without evidence") {
  struct Row {
    std::vector<std::string> statuses;
    std::string standing;
    std::vector<std::string> unanswered;
  };
  const std::vector<Row> rows = {
      {{}, "no_criteria", {}},
      {{"met", "met", "met", "met"}, "all_met", {}},
      {{"met", "met", "met", "not_met"}, "gaps_open", {"D"}},
      {{"met", "met", "met", "unknown"}, "gaps_open", {"D"}},
      {{"met", "met", "met", "partial"}, "gaps_answered", {}},
      {{"not_met", "unknown"}, "gaps_open", {"A", "B"}},
      {{"partial", "partial"}, "gaps_answered", {}},  // none met outright: no "meets 0 of 2"
  };
  for (const Row& row : rows) {
    CAPTURE(row.standing);
    CAPTURE(row.statuses.size());
    Case c = fixture([&](json& d) {
      if (row.statuses.empty()) d.erase("policy");
      else set_statuses(d, row.statuses);
    });
    json v = view_of(c);
    CHECK(v["criteria_standing"] == row.standing);
    CHECK(v["all_criteria_met"] == (row.standing == "all_met"));
    std::vector<std::string> unanswered;
    for (const json& u : v.value("unanswered_criteria", json::array())) unanswered.push_back(u["id"]);
    CHECK(unanswered == row.unanswered);

    auto docs = documents_of(c);
    const std::string& script = docs["p2p-script"];
    const std::string& notice = docs["notice"];
    bool all_met = row.standing == "all_met";
    CHECK(has(script, "meets every criterion") == all_met);
    CHECK(has(notice, "Every criterion") == all_met);
    CHECK(has(script, "record meets every criterion") == all_met);
    CHECK_FALSE(has(script, "I have answered the rest"));
    bool some_met = std::count(row.statuses.begin(), row.statuses.end(), "met") > 0;
    CHECK(has(script, "shows the rest in part") == (row.standing == "gaps_answered" && some_met));
    CHECK_FALSE(has(script, "meets 0 of"));
    CHECK_FALSE(has(notice, " 0 of the"));
    CHECK(has(script, "do not claim it") == (row.standing == "gaps_open"));
    CHECK(has(notice, "with what the record shows") == (row.standing == "gaps_open"));
    CHECK(has(notice, "The others, with what the record shows") == (row.standing == "gaps_open" && some_met));
    check_no_artefacts(docs);

    // the Cigna script words the same claims by number
    Case cig = fixture([&](json& d) {
      d["payer"]["id"] = "cigna";
      if (row.statuses.empty()) d.erase("policy");
      else set_statuses(d, row.statuses);
    });
    std::string cscript = documents_of(cig)["p2p-script"];
    CHECK(has(cscript, "Every criterion is met on the record") == all_met);
    CHECK(has(cscript, "criteria are met.") == all_met);
    CHECK_FALSE(has(cscript, "answered the rest"));
  }
}

TEST_CASE("a criterion's evidence ending in a period does not print twice") {
  Case c = fixture([](json& d) {
    set_statuses(d, {"met", "partial"});
    d["clinical"]["prior_treatments"][0]["outcome"] = "ODI 52/100, unchanged.";
    d["p2p"]["goal"] = "Full authorization of 72148.";
  });
  json v = view_of(c);
  CHECK(v["policy"]["criteria"][0]["evidence"] == "Fact 0 recorded");
  CHECK(v["clinical"]["prior_treatments"][0]["outcome"] == "ODI 52/100, unchanged");
  auto docs = documents_of(c);
  CHECK(has(docs["lomn"], "Fact 0 recorded (enclosed: Office note 2026\\-11\\-01)."));
  check_no_artefacts(docs);
  Case ellipsis = fixture([](json& d) { d["policy"]["criteria"][0]["evidence"] = "Trial of NSAIDs, PT..."; });
  CHECK(view_of(ellipsis)["policy"]["criteria"][0]["evidence"] == "Trial of NSAIDs, PT...");
}

TEST_CASE("no call: nothing the call decides is ticked or filled on the form") {
  Case c = fixture([](json& d) { d["denial"]["reviewer"] = {{"name", "R. Patel"}, {"specialty", "Internal medicine"}}; });
  json v = view_of(c);
  CHECK_FALSE(v.contains("call"));
  CHECK(v["reviewer_mismatch"] == true);  // the script still asks for a same-specialty reviewer
  std::string form = documents_of(c)["post-call"];
  auto boxes = checkboxes(form);
  CHECK(boxes.size() >= 14);
  for (const auto& entry : boxes) {  // not a structured binding: clang 14 cannot capture one
    const auto& name = entry.first;
    const auto& ticked = entry.second;
    CAPTURE(name);
    CHECK_FALSE(ticked);
  }
  for (const char* f : {"reviewer_name", "reviewer_credentials", "reviewer_specialty", "call_duration",
                        "points_discussed", "reviewer_reasoning", "auth_number", "objections_other", "next_steps"}) {
    CAPTURE(f);
    CHECK(text_field(form, f).empty());
  }
  CHECK(text_field(form, "call_date_time") == "Tue Nov 24, 2026 10:30 \\(UTC\\-05:00\\)");  // the scheduled time: a known fact
  CHECK(has(form, "Maria José Núñez"));
}

TEST_CASE("a call of each disposition, with and without objections") {
  for (std::string disposition : {"overturned", "upheld", "deferred", "modified", ""}) {
    for (bool objections : {false, true}) {
      CAPTURE(disposition);
      CAPTURE(objections);
      Case c = fixture([&](json& d) {
        d["denial"]["reviewer"] = {{"name", "R. Patel"}, {"specialty", "Internal medicine"}};
        json call = {{"started", "2026-11-20T10:35:00-05:00"},
                     {"duration_minutes", 14},
                     {"reviewer", {{"name", "L. Ortiz"}, {"credentials", "MD"}, {"specialty", "Orthopaedic spine surgery"}}},
                     {"points_discussed", {"Progressive weakness of ankle dorsiflexion"}},
                     {"reviewer_reasoning", "PT records were not received."}};
        if (!disposition.empty()) call["disposition"] = disposition;
        if (disposition == "overturned" || disposition == "modified") call["auth_number"] = "AUTH-" + disposition;
        if (objections) call["objections"] = {"Reviewer refused to consider the PT records offered on the call"};
        d["call"] = call;
      });
      json v = view_of(c);
      CHECK(v["call"]["held"] == true);
      CHECK(v["case_state"] == "call_held");
      CHECK(v["call"].contains("unresolved") == (disposition != "overturned"));
      CHECK(v["call"].contains("partial_approval") == (disposition == "modified"));
      CHECK(v["call"].contains("has_objections") == objections);

      auto docs = documents_of(c);
      const std::string& form = docs["post-call"];
      auto boxes = checkboxes(form);
      for (const char* d : {"overturned", "upheld", "deferred", "modified"}) {
        CAPTURE(d);
        CHECK(boxes["disposition_" + std::string(d)] == (disposition == d));
      }
      // the call's reviewer is a spine surgeon: the denial's internist ticks nothing
      CHECK_FALSE(boxes["objection_non_specialty"]);
      CHECK(boxes["objection_new_evidence"] == objections);
      CHECK_FALSE(boxes["objection_guidelines"]);
      CHECK(text_field(form, "reviewer_name") == "L\\. Ortiz");

      const std::string& cover = docs["appeal-cover"];
      const std::string& lomn = docs["lomn"];
      const std::string& notice = docs["notice"];
      CHECK(has(cover, "I object to how the review was conducted") == (objections && disposition != "overturned"));
      CHECK_FALSE(has(cover, "did not accept"));
      CHECK_FALSE(has(cover, "No procedural objection"));
      CHECK(has(lomn, "stated reasoning is answered below") == (disposition != "overturned"));
      CHECK(has(lomn, "PT records were not received") == (disposition != "overturned"));
      CHECK(has(lomn, "AUTH\\-modified") == (disposition == "modified"));
      CHECK(has(cover, "does not cover of:") == (disposition == "modified"));
      CHECK(has(lomn, "does not cover:") == (disposition == "modified"));
      CHECK_FALSE(has(notice, "is scheduled for you"));
      CHECK_FALSE(has(notice, "Three points to make"));
      CHECK(has(notice, "within 24 hours"));
      CHECK(has(notice, "AUTH-overturned") == (disposition == "overturned"));
      CHECK(has(notice, "Written appeal, by") == (disposition == "upheld"));
      CHECK(has(notice, "does not say how the call ended") == disposition.empty());
      check_no_artefacts(docs);
    }
  }
}

TEST_CASE("reasoning is claimed answered only when the letter answers it") {
  Case c = fixture([](json& d) {
    d.erase("policy");
    d["call"] = {{"disposition", "upheld"}, {"reviewer_reasoning", "Not enough conservative care."}};
  });
  json v = view_of(c);
  CHECK_FALSE(v["call"].contains("reasoning_answered"));
  auto docs = documents_of(c);
  CHECK_FALSE(has(docs["lomn"], "answered below"));
  CHECK(has(docs["lomn"], "did not resolve the denial."));
  CHECK(has(docs["lomn"], "Not enough conservative care"));
  CHECK_FALSE(has(docs["appeal-cover"], "The enclosed letter answers it"));
  check_no_artefacts(docs);
}

TEST_CASE("reasoning with nothing to answer it: a draft note, never a claim") {
  Case c = fixture([](json& d) {
    d.erase("policy");
    d["call"] = {{"disposition", "upheld"}, {"reviewer_reasoning", "Not enough conservative care."}};
  });
  CHECK(view_of(c)["call"]["reasoning_unanswered"] == true);
  auto docs = documents_of(c);
  CHECK(has(docs["lomn"], "<mark>Answer the reviewer's reasoning here"));
  Case answered = fixture([](json& d) {
    d["call"] = {{"disposition", "upheld"}, {"reviewer_reasoning", "Not enough conservative care."},
                 {"points_discussed", {"Ten weeks of physical therapy, ODI unchanged"}}};
  });
  CHECK_FALSE(view_of(answered)["call"].contains("reasoning_unanswered"));
  CHECK_FALSE(has(documents_of(answered)["lomn"], "Answer the reviewer's reasoning here"));
}

// A modified outcome: the letters appeal requested minus approved when the
// call records what was approved, and invent no quantity when it does not.
Case two_services(const json& call) {
  return fixture([&](json& d) {
    d["services"] = json::parse(R"([
      {"code": "97110", "system": "CPT", "description": "Therapeutic exercise", "units": 12, "date": "2026-12-01"},
      {"code": "72148", "system": "CPT", "description": "MRI lumbar spine without contrast", "units": 1}])");
    d["call"] = call;
  });
}

TEST_CASE("partial approval with what was approved: only the rest is appealed, with the approval's number") {
  Case c = two_services(json::parse(R"({"disposition": "modified",
      "approved": {"auth_number": "PA-55120", "services": [{"code": "97110", "units": 6}]}})"));
  json v = view_of(c);
  CHECK(v["call"]["approved_known"] == true);
  CHECK(v["call"]["auth_number"] == "PA-55120");
  CHECK(v["call"]["approved_list"] == "CPT 97110, 6 of 12 units");
  REQUIRE(v["appeal_services"].size() == 2);
  CHECK(v["appeal_services"][0]["units"] == 6);
  CHECK(v["appeal_services"][0]["in_part"] == true);
  CHECK(v["appeal_services"][1]["code"] == "72148");
  auto docs = documents_of(c);
  for (const char* letter : {"lomn", "appeal-cover"}) {
    CAPTURE(letter);
    CHECK(has(docs[letter], "authorization PA\\-55120: CPT 97110, 6 of 12 units."));
    CHECK(has(docs[letter], "**CPT 97110**, Therapeutic exercise, quantity 6, the rest of the 12 requested (6 approved)"));
    CHECK(has(docs[letter], "**CPT 72148**, MRI lumbar spine without contrast, quantity 1"));
    CHECK_FALSE(has(docs[letter], "quantity 12"));
    CHECK_FALSE(has(docs[letter], "does not cover"));
  }
  CHECK(has(docs["notice"], "approved in part (authorization PA-55120): CPT 97110, 6 of 12 units; the rest is still denied."));
  CHECK(has(docs["post-call"], "55120: CPT 97110, 6 of 12 units"));  // the form's "authorization and what it covers"
  check_no_artefacts(docs);

  // a code approved in full drops out of the request
  Case full = two_services(json::parse(R"({"disposition": "modified", "auth_number": "PA-9",
      "approved": {"services": [{"code": "72148"}]}})"));
  json fv = view_of(full);
  CHECK(fv["call"]["approved_list"] == "CPT 72148 in full");
  REQUIRE(fv["appeal_services"].size() == 1);
  CHECK(fv["appeal_services"][0]["units"] == 12);
  CHECK_FALSE(has(documents_of(full)["lomn"], "**CPT 72148**, MRI"));
}

TEST_CASE("partial approval without what was approved: the fact, no invented quantities") {
  Case c = two_services(json::parse(R"({"disposition": "modified", "auth_number": "PA-7"})"));
  json v = view_of(c);
  CHECK(v["call"]["partial_approval"] == true);
  CHECK_FALSE(v["call"].contains("approved_known"));
  CHECK_FALSE(v["call"].contains("approved_list"));
  CHECK(v["appeal_services"].size() == 2);
  CHECK(v["appeal_services"][0]["units"] == 12);
  auto docs = documents_of(c);
  CHECK(has(docs["lomn"], "Please authorize the part of the following that authorization PA\\-7 does not cover:"));
  CHECK(has(docs["appeal-cover"], "this appeal concerns only what that authorization does not cover of:"));
  for (const char* letter : {"lomn", "appeal-cover"}) {
    CAPTURE(letter);
    CHECK_FALSE(has(docs[letter], "approved)"));
    CHECK_FALSE(has(docs[letter], "units."));
  }
  check_no_artefacts(docs);

  // `approved` after an upheld call is ignored: the full request is appealed
  Case upheld = two_services(json::parse(R"({"disposition": "upheld",
      "approved": {"services": [{"code": "97110", "units": 6}]}})"));
  json uv = view_of(upheld);
  CHECK_FALSE(uv["call"].contains("approved_known"));
  CHECK(uv["appeal_services"][0]["units"] == 12);
  CHECK(has(documents_of(upheld)["lomn"], "quantity 12"));
}

TEST_CASE("objections recorded on the call tick only their own boxes") {
  struct Row {
    std::string objection;
    std::vector<std::string> kinds;
  };
  const std::vector<Row> rows = {
      {"Reviewer was an internist, not a spine surgeon", {"non_specialty"}},
      {"Reviewer would not review the MRI images offered on the call", {"new_evidence"}},
      {"Reviewer reviewed the MRI images", {}},
      {"Reviewer dismissed the NASS guideline supplied", {"guidelines"}},
      {"Reviewer would not discuss the failed treatment with gabapentin", {"prior_treatment"}},
      {"Call rescheduled twice by the payer; 3-day delay", {"scheduling"}},
      {"Reviewer cut the call short", {}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.objection);
    Case c = fixture([&](json& d) { d["call"] = {{"disposition", "upheld"}, {"objections", {row.objection}}}; });
    json v = view_of(c);
    std::vector<std::string> kinds;
    json found = v["call"].value("objection_is", json::object());
    for (auto& [k, on] : found.items()) kinds.push_back(k);
    CHECK(kinds == row.kinds);
  }
}

TEST_CASE("the notice follows the case's state") {
  // scheduled for a day to come
  CHECK(view_of(fixture())["case_state"] == "call_scheduled");
  CHECK(has(documents_of(fixture())["notice"], "Subject: P2P scheduled:"));
  // nothing scheduled, window open (3 business days from Wed Nov 18: Mon Nov 23)
  Case open = fixture([](json& d) { d.erase("p2p"); });
  json vo = view_of(open);
  CHECK(vo["case_state"] == "p2p_to_request");
  std::string n = documents_of(open)["notice"];
  CHECK(has(n, "Subject: P2P to request by Mon Nov 23, 2026"));
  CHECK_FALSE(has(n, "closed"));
  // nothing scheduled, window closed the day before
  Date later = *parse_date("2026-11-24");
  CHECK(view_of(open, later)["case_state"] == "p2p_window_closed");
  std::string closed = documents_of(open, later)["notice"];
  CHECK(has(closed, "Subject: P2P window closed"));
  CHECK(has(closed, "late peer-to-peer call"));
  CHECK(has(closed, "written appeal"));
  CHECK_FALSE(has(closed, "must be requested by"));
  // scheduled in the past, no record
  Date after = *parse_date("2026-11-25");
  CHECK(view_of(fixture(), after)["case_state"] == "call_record_due");
  CHECK(has(documents_of(fixture(), after)["notice"], "no record of it yet"));
}

TEST_CASE("notice: no empty enclosure list, no empty phone line") {
  Case c = fixture([](json& d) {
    for (json& cr : d["policy"]["criteria"]) cr.erase("source");
    d["p2p"].erase("phone");
    d["payer"].erase("p2p_phone");
  });
  json v = view_of(c);
  CHECK_FALSE(v.contains("has_enclosures"));
  CHECK_FALSE(v.contains("p2p_line"));
  std::string n = documents_of(c)["notice"];
  CHECK_FALSE(has(n, "these are in the packet:"));
  CHECK(has(n, "names no source document"));
  CHECK_FALSE(has(n, "Phone:"));
  check_no_artefacts(documents_of(c));
}

TEST_CASE("a reviewer known only by specialty prints no empty name") {
  Case c = fixture([](json& d) { d["p2p"]["reviewer"] = {{"specialty", "Pain medicine"}}; });
  json v = view_of(c);
  CHECK(v["reviewer"]["line"] == "name not yet known (Pain medicine)");
  auto docs = documents_of(c);
  CHECK_FALSE(has(docs["notice"], "Reviewer:   ("));
  check_no_artefacts(docs);
}

TEST_CASE("the guidelines are said to support the care only when the case cites them") {
  Case none = fixture([](json& d) { d["citations"] = json::array(); });
  json v = view_of(none);
  CHECK_FALSE(v.contains("citations_confirmed"));
  auto docs = documents_of(none);
  CHECK_FALSE(has(docs["p2p-script"], "guidelines support"));
  CHECK_FALSE(has(docs["notice"], "in the case support this care"));
  CHECK(view_of(fixture())["citations_confirmed"] == true);
}

// Issue 9: the brief answers the denial. The UHC sample's denial ("at least 6
// weeks of provider-directed conservative treatment") disputes criterion 2,
// not criterion 1, which merely shares "6 weeks".
TEST_CASE("the criteria the denial disputes come first on the brief, and only those") {
  auto ids_of = [](const json& v) {
    std::vector<std::string> ids;
    for (const json& c : v["policy"]["criteria_for_brief"]) ids.push_back(c["id"].get<std::string>());
    return ids;
  };
  json v = view_of(fixture());
  CHECK(v["policy"]["disputed_count"] == 1);
  // disputed (2), then the gap (4, partial), then the rest in policy order
  CHECK(ids_of(v) == std::vector<std::string>{"2", "4", "1", "3"});
  CHECK(v["policy"]["criteria_for_brief"][0]["disputed"] == true);
  CHECK(v["policy"]["criteria_for_brief"][2]["disputed"] == false);
  // the policy's own order is kept for the letters
  CHECK(v["policy"]["criteria"][0]["id"] == "1");

  // a denial that names a criterion by id disputes it, whatever its words
  json named = view_of(fixture([](json& d) { d["denial"]["reason"] = "Criterion 3 is not met."; }));
  CHECK(ids_of(named) == std::vector<std::string>{"3", "4", "1", "2"});
  // "criterion 3" does not name criterion 30 or a criterion "3a"
  json none = view_of(fixture([](json& d) { d["denial"]["reason"] = "Criterion 31 is not met; see the plan."; }));
  CHECK(none["policy"]["disputed_count"] == 0);
  CHECK(ids_of(none) == std::vector<std::string>{"4", "1", "2", "3"});

  // the reviewer's reasoning on the call counts as the denial's words
  json call = view_of(fixture([](json& d) {
    d["denial"]["reason"] = "Not medically necessary.";
    d["call"] = {{"started", "2026-11-24T10:30:00-05:00"},
                 {"disposition", "upheld"},
                 {"reviewer_reasoning", "No progressive or severe neurologic deficit is documented."}};
  }));
  CHECK(ids_of(call).front() == "3");
}

TEST_CASE("a disputed criterion is marked on the brief, so the one-page rule keeps it as long as a gap") {
  std::string brief = documents_of(fixture())["brief"];
  CAPTURE(brief);
  auto row2 = brief.find("| 2 |");
  auto row1 = brief.find("| 1 |");
  REQUIRE(row2 != std::string::npos);
  REQUIRE(row1 != std::string::npos);
  CHECK(row2 < row1);
  CHECK(brief.find("<mark>disputed</mark>", row2) < brief.find('\n', row2));
}

TEST_CASE("every code is on the brief's code lines; descriptions shrink, then go, as codes grow") {
  // one service: its description, clipped visibly only when long
  json few = view_of(fixture([](json& d) { d["services"][0]["description"] = std::string(80, 'x') + " tail words"; }));
  std::string clipped_text = few["services"][0]["brief_description"].get<std::string>();
  CHECK(clipped_text.size() < 80 + 4);
  CHECK(clipped_text.substr(clipped_text.size() - 3) == "\u2026");
  CHECK(few["services"][0]["first"] == true);
  // seven services: codes only, and every code is still on the brief
  Case many = fixture([](json& d) {
    json s = d["services"][0];
    d["services"] = json::array();
    for (int i = 0; i < 7; ++i) {
      s["code"] = "7214" + std::to_string(i);
      d["services"].push_back(s);
    }
  });
  json v = view_of(many);
  CHECK_FALSE(v["services"][0].contains("brief_description"));
  CHECK(v["services"][1]["first"] == false);
  std::string brief = documents_of(many)["brief"];
  for (int i = 0; i < 7; ++i) CHECK(has(brief, "7214" + std::to_string(i)));
}

// Issue 9, item 8: "The denial says / the record shows" on the brief, only
// for a disputed criterion the record answers with a fact.
TEST_CASE("the brief answers the denial only with facts the record shows") {
  // the UHC denial disputes criterion 2 (met, with its evidence and source)
  json v = view_of(fixture());
  REQUIRE(v["denial_answered"] == true);
  REQUIRE(v["denial_answers"].size() == 1);
  const json& row = v["denial_answers"][0];
  CHECK(row["id"] == "2");
  CHECK(row["shown"] == true);
  CHECK(row["fact"] == "10 weeks of supervised PT; ODI unchanged");
  CHECK(row["document"] == "PT discharge summary 2026-10-12");
  CHECK(row["said"].get<std::string>().rfind("Documentation of at least 6 weeks", 0) == 0);
  CHECK_FALSE(row.contains("in_part"));
  std::string brief = documents_of(fixture())["brief"];
  CHECK(has(brief, "The denial says"));
  CHECK(has(brief, "→ 10 weeks of supervised PT; ODI unchanged · *PT discharge summary 2026"));

  // the disputed criterion not met, or unknown: no block, no claim
  for (const char* status : {"not_met", "unknown"}) {
    CAPTURE(status);
    Case c = fixture([&](json& d) { d["policy"]["criteria"][1]["status"] = status; });
    json open = view_of(c);
    CHECK_FALSE(open.contains("denial_answered"));
    CHECK_FALSE(open.contains("denial_answers"));
    CHECK_FALSE(has(documents_of(c)["brief"], "The denial says"));
  }
  // partial with evidence: shown "in part"; partial without evidence: none
  json part = view_of(fixture([](json& d) { d["policy"]["criteria"][1]["status"] = "partial"; }));
  CHECK(part["denial_answers"][0]["in_part"] == true);
  json bare = view_of(fixture([](json& d) {
    d["policy"]["criteria"][1]["status"] = "partial";
    d["policy"]["criteria"][1].erase("evidence");
  }));
  CHECK_FALSE(bare.contains("denial_answered"));
  // met without a fact: no claim either
  json no_fact = view_of(fixture([](json& d) { d["policy"]["criteria"][1].erase("evidence"); }));
  CHECK_FALSE(no_fact.contains("denial_answered"));
  // a fact without its document is shown, with the gap marked
  Case no_doc = fixture([](json& d) { d["policy"]["criteria"][1].erase("source"); });
  CHECK(view_of(no_doc)["denial_answers"][0]["no_document"] == true);
  CHECK(has(documents_of(no_doc)["brief"], "<mark>no document named</mark>"));
  // a denial that disputes nothing: no block
  json none = view_of(fixture([](json& d) { d["denial"]["reason"] = "Not approved."; }));
  CHECK_FALSE(none.contains("denial_answered"));
  // no criteria at all: no block
  json empty = view_of(fixture([](json& d) { d.erase("policy"); }));
  CHECK_FALSE(empty.contains("denial_answered"));
}

TEST_CASE("each point of the denial is its own sentence, and a shown point sits beside an open one") {
  Case c = fixture([](json& d) {
    d["denial"]["reason"] =
        "No progressive or severe neurologic deficit is documented. Imaging will not change management (injection "
        "or surgery).";
    d["policy"]["criteria"][2]["status"] = "not_met";
  });
  json v = view_of(c);
  REQUIRE(v["denial_answered"] == true);
  REQUIRE(v["denial_answers"].size() == 2);
  // criterion 3 (not met now) and criterion 4 (partial, with evidence), each with its own sentence
  CHECK(v["denial_answers"][0]["id"] == "3");
  CHECK(v["denial_answers"][0]["open"] == true);
  CHECK_FALSE(v["denial_answers"][0].contains("fact"));
  CHECK(v["denial_answers"][0]["said"].get<std::string>().rfind("No progressive", 0) == 0);
  CHECK(v["denial_answers"][1]["id"] == "4");
  CHECK(v["denial_answers"][1]["in_part"] == true);
  CHECK(v["denial_answers"][1]["said"].get<std::string>().rfind("Imaging will not", 0) == 0);
  std::string brief = documents_of(c)["brief"];
  CHECK(has(brief, "not in the record yet (NOT MET): do not claim it"));
}

TEST_CASE("the denial's words are matched with the library's boilerplate list, numbers and abbreviations") {
  // the list is data (templates/knowledge/denial_words.json), loaded once
  REQUIRE(resources().knowledge.boilerplate_words);
  CHECK(resources().knowledge.boilerplate_words->count("medically") == 1);
  // "EGFR and ALK": three-letter abbreviations count; "Level 3.5" is one number
  Case c = fixture([](json& d) {
    d["denial"]["reason"] = "Results of EGFR and ALK testing were not provided. ASAM Level 3.5 is not approved.";
    d["policy"]["criteria"] = json::array(
        {{{"id", "A"}, {"text", "No EGFR or ALK genomic aberration"}, {"status", "met"}, {"evidence", "NGS negative"}},
         {{"id", "B"}, {"text", "Partial hospitalization (Level 2.5) tried"}, {"status", "not_met"}},
         {{"id", "C"}, {"text", "Dimension 3 and 5 rated high"}, {"status", "met"}}});
  });
  json v = view_of(c);
  CHECK(v["policy"]["criteria_for_brief"][0]["id"] == "A");
  CHECK(v["policy"]["disputed_count"] == 1);
  // a word the library lists no longer ties a criterion to the denial
  Evidence ev = gather_evidence(c, resources().knowledge);
  auto words = std::make_shared<std::set<std::string>>(*ev.boilerplate_words);
  words->insert("egfr");
  words->insert("alk");
  ev.boilerplate_words = words;
  auto deadlines = compute_deadlines(c, resources().knowledge.deadlines, resources().knowledge.regulations, kToday);
  REQUIRE(deadlines.is_ok());
  json edited = merge_case_view(c, deadlines.value(), ev, kToday);
  CHECK(edited["policy"]["disputed_count"] == 0);
}

TEST_CASE("treatments fit one line each on the brief: compact dates, span, the outcome's numbers") {
  Case c = fixture([](json& d) {
    json& t = d["clinical"]["prior_treatments"];
    t[0]["outcome"] = "Some words without numbers at all here to pad the line out; ODI 52/100 to 48/100 after 10 weeks; "
                      "more words without numbers that make the outcome far too long for one line of the brief";
    t[2].erase("end");  // ongoing
    t.push_back({{"treatment", "Epidural injection"}, {"start", "2026-10-20"}, {"end", "2026-10-20"}, {"outcome", "NRS 7/10 to 6/10"}});
  });
  json v = view_of(c);
  const json& t = v["clinical"]["prior_treatments"];
  CHECK(t[0]["brief_dates"] == "Aug 3\u2013Oct 12, 2026, 10 weeks");
  CHECK(t[0]["brief_outcome"] == "ODI 52/100 to 48/100 after 10 weeks \u2026");
  CHECK(t[1]["brief_dates"] == "Sep 1\u20136, 2026, 6 days");
  CHECK(t[2]["brief_dates"] == "since Aug 3, 2026, 15 weeks");  // counted to the denial (Nov 18)
  CHECK(t[3]["brief_dates"] == "Oct 20, 2026");
  CHECK(t[3]["brief_outcome"] == "NRS 7/10 to 6/10");
  // the letters keep the full outcome
  CHECK(t[0]["outcome"].get<std::string>().size() > 150);
  CHECK(has(documents_of(c)["lomn"], t[0]["outcome"].get<std::string>()));
}

TEST_CASE("criterion text is clipped visibly on the brief and whole in the letter") {
  std::string long_text = "Failure of at least 6 weeks of conservative therapy with supervised physical therapy and "
                          "medication over the whole period";
  Case c = fixture([&](json& d) { d["policy"]["criteria"][1]["text"] = long_text; });
  json v = view_of(c);
  std::string brief_text;
  for (const json& row : v["policy"]["criteria_for_brief"])
    if (row["id"] == "2") brief_text = row["brief_text"].get<std::string>();
  REQUIRE(!brief_text.empty());
  CHECK(brief_text.size() < long_text.size());
  CHECK(brief_text.substr(brief_text.size() - 3) == "\u2026");
  auto docs = documents_of(c);
  CHECK(has(docs["brief"], brief_text));
  CHECK_FALSE(has(docs["brief"], long_text));
  CHECK(has(docs["lomn"], long_text));
}

TEST_CASE("clinical context on the brief (function, duration, how long treated, findings) and none without data") {
  Case c = fixture();  // the sample gives functional_score ODI 48/100, scored 2026-11-10
  json v = view_of(c);
  CHECK(v["clinical"]["treated_for"] == "15 weeks before the denial (since Aug 3, 2026)");
  CHECK(v["clinical"]["functional_score"]["date_display"] == "Nov 10, 2026");
  // the score is printed once, not again from the start of functional_status
  CHECK(v["clinical"]["brief_function"].get<std::string>().rfind("unable to work", 0) == 0);
  std::string brief = documents_of(c)["brief"];
  CHECK(has(brief, "**Function:** ODI 48/100 (Nov 10, 2026); unable to work"));
  CHECK(has(brief, "**Duration:** 14 weeks · **Treated:** 15 weeks before the denial"));
  CHECK(has(brief, "**Findings:** Positive straight"));
  CHECK(has(brief, "<!-- optional -->"));

  Case bare = fixture([](json& d) {
    for (const char* k : {"functional_status", "functional_score", "duration", "findings", "prior_treatments"})
      d["clinical"].erase(k);
  });
  json b = view_of(bare);
  CHECK_FALSE(b["clinical"].contains("has_context"));
  CHECK_FALSE(b["clinical"].contains("treated_for"));
  std::string bare_brief = documents_of(bare)["brief"];
  for (const char* label : {"Function:", "Duration:", "Treated:", "Findings:", "<!-- optional -->"}) {
    CAPTURE(label);
    CHECK_FALSE(has(bare_brief, label));
  }
  // only a score: the function line alone, no separator before or after
  Case score_only = fixture([](json& d) {
    for (const char* k : {"functional_status", "duration", "findings", "prior_treatments"}) d["clinical"].erase(k);
    d["clinical"]["functional_score"] = {{"measure", "ECOG"}, {"score", "1"}};
  });
  std::string s = documents_of(score_only)["brief"];
  CHECK(has(s, "**Function:** ECOG 1\n"));
}

TEST_CASE("the denial's own sentence is quoted before the reviewer's reasoning on the call") {
  auto said_for = [](const std::string& reasoning) {
    json v = view_of(fixture([&](json& d) {
      d["call"] = {{"started", "2026-11-24T10:30:00-05:00"}, {"disposition", "upheld"}, {"reviewer_reasoning", reasoning}};
    }));
    REQUIRE(v.contains("denial_answers"));
    return v["denial_answers"][0]["said"].get<std::string>();
  };
  // the reasoning shares more words with criterion 2, the denial's sentence still answers it
  CHECK(said_for("Six weeks of provider-directed conservative therapy failure is not shown.").rfind("Documentation", 0) == 0);
  // the reasoning names the criterion: its sentence is the point
  CHECK(said_for("Criterion 2 is not shown.") == "Criterion 2 is not shown.");
}
