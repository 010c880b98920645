// The report's figures (report.h) against a small hand-built ledger: twelve
// cases in the period (and two outside it) whose every count, rate, Wilson
// bound, group, month and review line is worked out by hand below.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "ledger/queue.h"
#include "ledger/synthetic.h"
#include "report/report.h"

using namespace p2p;

namespace {

long long at(const std::string& text) {
  auto t = parse_time_point(text);
  REQUIRE(t);
  return *t;
}

struct TempLedger {
  std::string folder;
  std::unique_ptr<Ledger> ledger;
  TempLedger() {
    static std::atomic<int> n{0};
    folder = (std::filesystem::temp_directory_path() /
              ("p2p_report_test_" + std::to_string(getpid()) + "_" + std::to_string(n++)))
                 .string();
    std::filesystem::create_directories(folder);
    auto opened = open_ledger(folder + "/p2pdoc.db");
    REQUIRE(opened.is_ok());
    ledger = opened.take();
  }
  ~TempLedger() { std::filesystem::remove_all(folder); }
};

// One case of the fixture: its row, then its events in order.
struct Fixture {
  Ledger& ledger;
  std::string id;
  Fixture(Ledger& l, std::string case_id, std::string payer, std::string type, std::string category,
          std::string physician, std::string denied, std::string p2p_request, std::string internal_appeal,
          bool external_automatic = false)
      : ledger(l), id(std::move(case_id)) {
    CaseRow r;
    r.case_id = id;
    r.payer_id = std::move(payer);
    r.plan_type = external_automatic ? "medicare_advantage" : "erisa";
    r.state = "TX";
    r.denial_type = std::move(type);
    r.denial_date = denied;
    r.service_codes = {"72148"};
    r.service_category = std::move(category);
    r.physician = std::move(physician);
    r.deadlines = {{"p2p_request", p2p_request}, {"internal_appeal", internal_appeal}};
    if (external_automatic) r.deadlines["external_review_automatic"] = true;
    REQUIRE(ledger.put_case(r).empty());
    add(EventKind::denial_received, denied + "T13:00:00Z");
    add(EventKind::packet_generated, denied + "T13:30:00Z");
  }
  Fixture& add(EventKind kind, const std::string& when, nlohmann::json data = nlohmann::json::object()) {
    Event e;
    e.case_id = id;
    e.kind = kind;
    e.at = at(when);
    e.recorded_by = "test";
    e.data = std::move(data);
    REQUIRE(ledger.append(e).is_ok());
    return *this;
  }
  Fixture& call(const std::string& when, const std::string& disposition) {
    return add(EventKind::call_held, when, {{"disposition", disposition}, {"duration_minutes", 15}});
  }
  Fixture& decided(EventKind kind, const std::string& when, const std::string& decision) {
    return add(kind, when, {{"decision", decision}});
  }
};

void build_fixture(Ledger& l) {
  using K = EventKind;
  // outside the period: denied the day before it starts and after it ends
  Fixture(l, "Z01", "uhc", "medical_necessity", "advanced_imaging", "Dr. A", "2025-12-31", "2026-01-06", "2026-06-29")
      .add(K::p2p_requested, "2026-01-02T15:00:00Z").call("2026-01-05T15:00:00Z", "overturned");
  Fixture(l, "Z02", "uhc", "medical_necessity", "advanced_imaging", "Dr. A", "2026-05-04", "2026-05-07", "2026-10-31")
      .add(K::p2p_requested, "2026-05-05T15:00:00Z").call("2026-05-06T15:00:00Z", "upheld");

  // January
  Fixture(l, "A01", "uhc", "medical_necessity", "advanced_imaging", "Dr. A", "2026-01-05", "2026-01-08", "2026-07-04")
      .add(K::p2p_requested, "2026-01-06T15:00:00Z")
      .add(K::p2p_scheduled, "2026-01-06T16:00:00Z", {{"scheduled", "2026-01-07T15:00:00Z"}})
      .call("2026-01-07T15:00:00Z", "overturned")
      .add(K::closed, "2026-01-10T15:00:00Z");
  Fixture(l, "A02", "uhc", "medical_necessity", "advanced_imaging", "Dr. A", "2026-01-12", "2026-01-15", "2026-07-11")
      .add(K::p2p_requested, "2026-01-13T15:00:00Z")
      .call("2026-01-14T15:00:00Z", "upheld")
      .add(K::appeal_filed, "2026-01-20T15:00:00Z")
      .decided(K::appeal_decided, "2026-02-20T15:00:00Z", "overturned")
      .add(K::closed, "2026-02-25T15:00:00Z");
  Fixture(l, "A03", "uhc", "insufficient_documentation", "spine_surgery", "Dr. B", "2026-01-20", "2026-01-23", "2026-07-19")
      .add(K::p2p_requested, "2026-01-21T15:00:00Z")
      .call("2026-01-26T15:00:00Z", "modified")
      .add(K::appeal_filed, "2026-02-01T15:00:00Z")
      .add(K::appeal_decided, "2026-03-01T15:00:00Z", {{"decision", "upheld"}, {"external_review_due", "2026-07-01"}})
      .add(K::external_review_filed, "2026-03-10T15:00:00Z")
      .decided(K::external_review_decided, "2026-04-01T15:00:00Z", "overturned");
  // February
  Fixture(l, "A04", "aetna", "medical_necessity", "advanced_imaging", "Dr. A", "2026-02-02", "2026-02-05", "2026-08-01")
      .add(K::p2p_requested, "2026-02-03T15:00:00Z")
      .call("2026-02-04T15:00:00Z", "overturned")
      .add(K::closed, "2026-02-06T15:00:00Z");
  Fixture(l, "A05", "aetna", "criteria_not_met", "spine_surgery", "Dr. B", "2026-02-09", "2026-02-12", "2026-08-08");
  Fixture(l, "A06", "aetna", "medical_necessity", "advanced_imaging", "Dr. C", "2026-02-16", "2026-02-19", "2026-03-31")
      .add(K::p2p_requested, "2026-02-20T14:00:00Z")  // the window ended at 2026-02-20T00:00Z: missed
      .call("2026-02-23T15:00:00Z", "upheld");
  // March
  Fixture(l, "A07", "cigna", "experimental_investigational", "oncology_targeted_therapy", "Dr. C", "2026-03-02", "2026-03-05",
          "2026-08-29")
      .add(K::p2p_requested, "2026-03-03T15:00:00Z")
      .add(K::p2p_scheduled, "2026-03-04T15:00:00Z", {{"scheduled", "2026-03-05T16:00:00Z"}});
  Fixture(l, "A08", "cigna", "medical_necessity", "oncology_targeted_therapy", "Dr. A", "2026-03-09", "2026-03-12", "2026-09-05")
      .add(K::p2p_requested, "2026-03-10T15:00:00Z")
      .call("2026-03-11T15:00:00Z", "deferred");
  Fixture(l, "A09", "cigna", "medical_necessity", "advanced_imaging", "Dr. A", "2026-03-16", "2026-03-19", "2026-09-12")
      .add(K::p2p_requested, "2026-03-17T15:00:00Z")
      .call("2026-03-19T15:00:00Z", "upheld")
      .call("2026-03-20T15:00:00Z", "overturned")  // a second call: the newest counts
      .add(K::closed, "2026-03-25T15:00:00Z");
  Fixture(l, "A10", "humana-ma", "level_of_care", "", "Dr. B", "2026-03-23", "2026-03-26", "2026-05-27", true)
      .add(K::appeal_filed, "2026-03-30T15:00:00Z")
      .decided(K::appeal_decided, "2026-04-10T15:00:00Z", "upheld");
  Fixture(l, "A11", "humana-ma", "medical_necessity", "biologics", "Dr. C", "2026-03-30", "2026-04-02", "2026-06-03", true)
      .add(K::p2p_requested, "2026-03-31T15:00:00Z")
      .call("2026-04-02T15:00:00Z", "upheld");
  Fixture(l, "A12", "uhc", "medical_necessity", "joint_replacement", "Dr. B", "2026-03-31", "2026-04-16", "2026-09-27");
}

Benchmark bench(double low, double high, const std::string& label) { return {low, high, label, "test source"}; }

ReportOptions fixture_options() {
  ReportOptions o;
  o.from = "2026-01-01";
  o.to = "2026-04-30";
  o.min_group = 3;
  o.now = at("2026-04-15T00:00:00Z");
  o.knowledge.payer_labels = {{"uhc", "UnitedHealthcare"}, {"aetna", "Aetna"}};
  o.knowledge.denial_type_labels = {{"medical_necessity", "Medical necessity"}};
  o.knowledge.category_labels = {{"advanced_imaging", "Advanced imaging"}};
  o.knowledge.p2p_by_category = {{"advanced_imaging", bench(0.60, 0.75, "P2P, advanced imaging")},
                                 {"spine_surgery", bench(0.55, 0.70, "P2P, spine surgery")},
                                 {"biologics", bench(0.50, 0.65, "P2P, biologics")},
                                 {"joint_replacement", bench(0.45, 0.60, "P2P, joint replacement")}};
  o.knowledge.written_appeal = bench(0.40, 0.60, "Written appeals");
  o.knowledge.appeal_after_p2p = bench(0.45, 0.55, "Internal appeal after a documented P2P");
  o.knowledge.external_review = bench(0.40, 0.50, "External review");
  return o;
}

void check_wilson(const Proportion& p, int successes, int trials, double rate, double low, double high) {
  CHECK(p.successes == successes);
  CHECK(p.trials == trials);
  CHECK(p.rate == doctest::Approx(rate).epsilon(1e-5));
  CHECK(p.low == doctest::Approx(low).epsilon(1e-5));
  CHECK(p.high == doctest::Approx(high).epsilon(1e-5));
}

// key, label, cases, held, overturned, modified, upheld, rate shown
void check_group(const GroupRate& g, const std::string& key, const std::string& label, int cases, int held, int o, int m,
                 int u, bool shown) {
  INFO("group " << key);
  CHECK(g.key == key);
  CHECK(g.label == label);
  CHECK(g.cases == cases);
  CHECK(g.calls_held == held);
  CHECK(g.overturned == o);
  CHECK(g.modified == m);
  CHECK(g.upheld == u);
  CHECK(g.overturn.trials == o + m + u);
  CHECK(g.rate_shown == shown);
}

Report fixture_report(TempLedger& t) {
  build_fixture(*t.ledger);
  auto r = build_report(*t.ledger, fixture_options());
  for (const auto& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  return r.take();
}

}  // namespace

TEST_CASE("wilson: the 95 % score interval, worked out by hand") {
  // centre (p + z^2/2n) / (1 + z^2/n), half-width z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n), z = 1.959964
  check_wilson(wilson(3, 7), 3, 7, 3.0 / 7, 0.158220, 0.749542);
  check_wilson(wilson(0, 10), 0, 10, 0, 0, 0.277533);
  check_wilson(wilson(5, 5), 5, 5, 1, 0.565518, 1);
  Proportion none = wilson(0, 0);
  CHECK(none.trials == 0);
  CHECK(none.rate == 0);
  CHECK(none.low == 0);
  CHECK(none.high == 0);
}

TEST_CASE("the summary: every count of the hand-built ledger") {
  TempLedger t;
  Report r = fixture_report(t);
  const ReportSummary& s = r.summary;
  CHECK(s.cases == 12);                          // A01-A12; Z01 and Z02 lie outside the period
  CHECK(s.p2p_requested == 9);                   // all but A05, A10, A12
  CHECK(s.p2p_held == 8);                        // A01-A04, A06, A08, A09, A11
  CHECK(s.overturned == 3);                      // A01, A04, A09 (its newest call)
  CHECK(s.modified == 1);                        // A03
  CHECK(s.upheld == 3);                          // A02, A06, A11; A08 was deferred: held, not decided
  check_wilson(s.p2p_overturn, 3, 7, 3.0 / 7, 0.158220, 0.749542);
  CHECK(s.appeals_filed == 3);                   // A02, A03, A10
  CHECK(s.appeals_decided == 3);
  CHECK(s.appeals_overturned == 1);              // A02
  check_wilson(s.appeal_overturn, 1, 3, 1.0 / 3, 0.061492, 0.792340);
  CHECK(s.external_filed == 1);                  // A03
  CHECK(s.external_decided == 1);
  CHECK(s.external_overturned == 1);
  check_wilson(s.external_overturn, 1, 1, 1, 0.206549, 1);
  CHECK(s.windows_missed == 3);                  // A05 (nothing), A06 (requested a day late), A10 (appealed instead)
  // days from denial to the (newest) call: 2, 2, 6, 2, 7, 2, 4 (A09's second call), 3 -> median of 8 = (2 + 3) / 2
  REQUIRE(s.median_days_denial_to_p2p);
  CHECK(*s.median_days_denial_to_p2p == 2.5);
  // the category mix: imaging 5 decided calls at 60-75 %, spine 1 at 55-70 %, biologics 1 at 50-65 %
  REQUIRE(s.p2p_benchmark);
  CHECK(s.p2p_benchmark->low == doctest::Approx(4.05 / 7));
  CHECK(s.p2p_benchmark->high == doctest::Approx(5.10 / 7));
  CHECK(s.p2p_benchmark->label.find("7 of 7 decided calls") != std::string::npos);
  REQUIRE(s.appeal_benchmark);
  CHECK(s.appeal_benchmark->low == 0.40);
  REQUIRE(s.appeal_after_p2p_benchmark);
  CHECK(s.appeal_after_p2p_benchmark->high == 0.55);
  REQUIRE(s.external_benchmark);
  CHECK(s.external_benchmark->label == "External review");
}

TEST_CASE("groups: rates only from the minimum count, sorted, with labels and benchmarks") {
  TempLedger t;
  Report r = fixture_report(t);

  REQUIRE(r.by_payer.size() == 4);
  check_group(r.by_payer[0], "uhc", "UnitedHealthcare", 4, 3, 1, 1, 1, true);  // A01 O, A02 U, A03 M; A12 no call
  check_wilson(r.by_payer[0].overturn, 1, 3, 1.0 / 3, 0.061492, 0.792340);
  check_group(r.by_payer[1], "aetna", "Aetna", 3, 2, 1, 0, 1, false);          // 2 decided < 3: counts only
  check_group(r.by_payer[2], "cigna", "cigna", 3, 2, 1, 0, 0, false);          // no label: the key; A08 deferred
  check_group(r.by_payer[3], "humana-ma", "humana-ma", 2, 1, 0, 0, 1, false);
  CHECK_FALSE(r.by_payer[0].benchmark);  // benchmarks are by category only

  REQUIRE(r.by_denial_type.size() == 5);
  check_group(r.by_denial_type[0], "medical_necessity", "Medical necessity", 8, 7, 3, 0, 3, true);
  check_wilson(r.by_denial_type[0].overturn, 3, 6, 0.5, 0.187616, 0.812384);
  check_group(r.by_denial_type[1], "criteria_not_met", "criteria_not_met", 1, 0, 0, 0, 0, false);
  check_group(r.by_denial_type[2], "experimental_investigational", "experimental_investigational", 1, 0, 0, 0, 0, false);
  check_group(r.by_denial_type[3], "insufficient_documentation", "insufficient_documentation", 1, 1, 0, 1, 0, false);
  check_group(r.by_denial_type[4], "level_of_care", "level_of_care", 1, 0, 0, 0, 0, false);

  REQUIRE(r.by_category.size() == 6);
  check_group(r.by_category[0], "advanced_imaging", "Advanced imaging", 5, 5, 3, 0, 2, true);
  check_wilson(r.by_category[0].overturn, 3, 5, 0.6, 0.230724, 0.882379);
  REQUIRE(r.by_category[0].benchmark);
  CHECK(r.by_category[0].benchmark->low == 0.60);
  CHECK(r.by_category[0].benchmark->high == 0.75);
  check_group(r.by_category[1], "oncology_targeted_therapy", "oncology_targeted_therapy", 2, 1, 0, 0, 0, false);
  CHECK_FALSE(r.by_category[1].benchmark);
  check_group(r.by_category[2], "spine_surgery", "spine_surgery", 2, 1, 0, 1, 0, false);
  REQUIRE(r.by_category[2].benchmark);  // a counts-only group keeps its benchmark for the reader
  check_group(r.by_category[3], "", "Not recorded", 1, 0, 0, 0, 0, false);
  check_group(r.by_category[4], "biologics", "biologics", 1, 1, 0, 0, 1, false);
  check_group(r.by_category[5], "joint_replacement", "joint_replacement", 1, 0, 0, 0, 0, false);

  REQUIRE(r.by_physician.size() == 3);
  check_group(r.by_physician[0], "Dr. A", "Dr. A", 5, 5, 3, 0, 1, true);  // A01 O, A02 U, A04 O, A08 deferred, A09 O
  check_wilson(r.by_physician[0].overturn, 3, 4, 0.75, 0.300642, 0.954413);
  check_group(r.by_physician[1], "Dr. B", "Dr. B", 4, 1, 0, 1, 0, false);
  check_group(r.by_physician[2], "Dr. C", "Dr. C", 3, 2, 0, 0, 2, false);
}

TEST_CASE("monthly points: every month of the period, by denial month, rates from the minimum count") {
  TempLedger t;
  Report r = fixture_report(t);
  REQUIRE(r.monthly.size() == 4);
  CHECK(r.monthly[0].month == "2026-01");
  CHECK(r.monthly[0].denials == 3);
  CHECK(r.monthly[0].decided == 3);
  CHECK(r.monthly[0].overturned == 1);
  REQUIRE(r.monthly[0].overturn_rate);
  CHECK(*r.monthly[0].overturn_rate == doctest::Approx(1.0 / 3));
  CHECK(r.monthly[1].month == "2026-02");
  CHECK(r.monthly[1].denials == 3);
  CHECK(r.monthly[1].decided == 2);  // A04 O, A06 U; A05 no call
  CHECK(r.monthly[1].overturned == 1);
  CHECK_FALSE(r.monthly[1].overturn_rate);
  CHECK(r.monthly[2].month == "2026-03");
  CHECK(r.monthly[2].denials == 6);
  CHECK(r.monthly[2].decided == 2);  // A09 O, A11 U; A08 deferred
  CHECK(r.monthly[2].overturned == 1);
  CHECK_FALSE(r.monthly[2].overturn_rate);
  CHECK(r.monthly[3].month == "2026-04");  // no denials: still a point
  CHECK(r.monthly[3].denials == 0);
  CHECK_FALSE(r.monthly[3].overturn_rate);
}

TEST_CASE("the review list: missed windows, then deadlines passed, by step and due") {
  TempLedger t;
  Report r = fixture_report(t);
  REQUIRE(r.review.size() == 5);
  auto check_item = [](const ReviewItem& i, const std::string& id, const std::string& step, const std::string& due, bool window) {
    INFO("review " << id);
    CHECK(i.case_id == id);
    CHECK(i.step == step);
    CHECK(i.due == due);
    CHECK(i.missed_window == window);
    CHECK_FALSE(i.step_label.empty());
  };
  check_item(r.review[0], "A05", "p2p_request", "2026-02-12", true);
  check_item(r.review[1], "A06", "p2p_request", "2026-02-19", true);
  check_item(r.review[2], "A10", "p2p_request", "2026-03-26", true);
  check_item(r.review[3], "A07", "scheduled_call", "2026-03-05T16:00:00Z", false);  // booked, never held
  check_item(r.review[4], "A06", "internal_appeal", "2026-03-31", false);           // upheld call, no appeal by its deadline
  CHECK(r.review[0].payer_id == "aetna");
  CHECK(r.review[0].physician == "Dr. B");
  CHECK(r.review[0].step_label == "P2P request window");
}

TEST_CASE("JSON and CSV carry the same figures, and a counts-only group has no rate in either") {
  TempLedger t;
  Report r = fixture_report(t);
  nlohmann::json j = report_json(r);
  CHECK(j["format"] == "p2pdoc-report/1");
  CHECK(j["as_of"] == "2026-04-15T00:00:00Z");
  CHECK(j["summary"]["cases"] == 12);
  CHECK(j["summary"]["p2p_overturn"]["rate"] == 0.4286);
  CHECK(j["summary"]["p2p_overturn"]["low"] == 0.1582);
  CHECK(j["summary"]["median_days_denial_to_p2p"] == 2.5);
  CHECK(j["groups"]["payer"][0]["overturn"]["high"] == 0.7923);
  CHECK(j["groups"]["payer"][1]["overturn"]["rate"].is_null());
  CHECK(j["groups"]["payer"][1]["overturn"]["trials"] == 2);
  CHECK(j["monthly"][1]["overturn_rate"].is_null());
  CHECK(j["review"].size() == 5);

  std::string csv = report_csv(r);
  CHECK(csv.rfind("table,key,label,value,cases,calls_held,overturned,modified,upheld,decided,rate_shown,overturn_rate,", 0) == 0);
  CHECK(csv.find("\nsummary,p2p,P2P calls,,12,8,3,1,3,7,true,0.4286,0.1582,0.7495,0.5786,0.7286,,,,,\n") != std::string::npos);
  CHECK(csv.find("\npayer,uhc,UnitedHealthcare,,4,3,1,1,1,3,true,0.3333,0.0615,0.7923,,,,,,,\n") != std::string::npos);
  CHECK(csv.find("\npayer,aetna,Aetna,,3,2,1,0,1,2,false,,,,,,,,,,\n") != std::string::npos);
  CHECK(csv.find("\nmonthly,2026-04,,,0,,0,,,0,false,,,,,,,,,,\n") != std::string::npos);
  CHECK(csv.find("\nreview,A07,Scheduled P2P call,,,,,,,,,,,,,,scheduled_call,2026-03-05T16:00:00Z,false,cigna,Dr. C\n") !=
        std::string::npos);
}

TEST_CASE("bad periods are refused naming the option") {
  TempLedger t;
  ReportOptions o;
  o.from = "2026-02-30";
  o.to = "2026-03-31";
  auto r = build_report(*t.ledger, o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].path == "/from");
  o.from = "2026-04-01";
  r = build_report(*t.ledger, o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].message.find("after it ends") != std::string::npos);
  o.from = "2026-01-01";
  o.min_group = 0;
  CHECK_FALSE(build_report(*t.ledger, o).is_ok());
}

TEST_CASE("the knowledge library: labels and every benchmark domain.md gives, with its source") {
  auto k = load_report_knowledge(std::string(P2P_SOURCE_ROOT) + "/templates/knowledge");
  for (const auto& d : k.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(k.is_ok());
  const ReportKnowledge& v = k.value();
  CHECK(v.payer_labels.at("uhc") == "UnitedHealthcare");
  CHECK(v.denial_type_labels.at("medical_necessity") == "Medical necessity");
  REQUIRE(v.p2p_by_category.size() == 6);
  CHECK(v.p2p_by_category.at("advanced_imaging").low == doctest::Approx(0.60));
  CHECK(v.p2p_by_category.at("advanced_imaging").high == doctest::Approx(0.75));
  CHECK(v.p2p_by_category.at("neurostimulation").low == doctest::Approx(0.40));
  CHECK(v.p2p_by_category.at("joint_replacement").high == doctest::Approx(0.60));
  for (const auto& entry : v.p2p_by_category) CHECK_FALSE(entry.second.source.empty());
  REQUIRE(v.written_appeal);
  CHECK(v.written_appeal->high == doctest::Approx(0.60));
  REQUIRE(v.appeal_after_p2p);
  CHECK(v.appeal_after_p2p->low == doctest::Approx(0.45));
  REQUIRE(v.external_review);
  CHECK(v.external_review->high == doctest::Approx(0.50));
}

TEST_CASE("synthetic histories: deterministic, in order, none after `until`, and a report that reads like a practice") {
  long long until = at("2026-11-30T00:00:00Z");
  auto a = synthetic::histories(400, 11, until), b = synthetic::histories(400, 11, until);
  REQUIRE(a.size() == 400);
  size_t events = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].row.case_id == b[i].row.case_id);
    CHECK(a[i].row.physician == b[i].row.physician);
    REQUIRE(a[i].events.size() == b[i].events.size());
    for (size_t e = 0; e < a[i].events.size(); ++e) {
      CHECK(a[i].events[e].at == b[i].events[e].at);
      CHECK(a[i].events[e].at <= until);
      if (e) CHECK(a[i].events[e].at >= a[i].events[e - 1].at);
    }
    events += a[i].events.size();
  }
  CHECK(events > 400 * 3);

  TempLedger t;
  REQUIRE(synthetic::store(*t.ledger, a).empty());
  ReportOptions o;
  o.from = "2025-11-01";  // denials fall in the 365 days before `until`
  o.to = "2026-11-30";
  o.now = until;
  auto r = build_report(*t.ledger, o);
  REQUIRE(r.is_ok());
  const Report& rep = r.value();
  CHECK(rep.summary.cases == 400);
  CHECK(rep.summary.windows_missed > 0);
  CHECK(rep.summary.p2p_held > 200);
  CHECK(rep.summary.appeals_decided > 0);
  CHECK(rep.summary.external_decided > 0);
  CHECK(rep.by_payer.size() == 6);
  CHECK(rep.by_category.size() == 6);
  CHECK(rep.by_physician.size() == 13);
  CHECK(rep.monthly.size() == 13);
  CHECK_FALSE(rep.review.empty());
  // January (new plan year) has more denials than July
  CHECK(rep.monthly[2].month == "2026-01");
  CHECK(rep.monthly[2].denials > rep.monthly[8].denials);
}
