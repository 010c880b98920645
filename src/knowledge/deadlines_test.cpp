#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fstream>

#include "knowledge/deadlines.h"
#include "knowledge/law.h"

using namespace p2p;
using nlohmann::json;

namespace {

json load(const char* name) {
  return json::parse(std::ifstream(std::string(P2P_SOURCE_ROOT) + "/templates/knowledge/" + name));
}

const json& library_rules() {
  static json rules = load("deadlines.json");
  return rules;
}

const json& library_law() {
  static json law = load("regulations.json");
  return law;
}

Case make_case(const std::string& denial, const std::string& plan_type, const std::string& payer = "uhc",
               const std::string& type = "medical_necessity", bool urgent = false) {
  Case c;
  c.id = "T-1";
  c.payer_id = payer;
  c.plan_type = plan_type;
  c.denial_type = type;
  c.urgent = urgent;
  c.denial_date = *parse_date(denial);
  c.doc = {{"denial", {{"date", denial}}}};
  return c;
}

const Date kToday = *parse_date("2026-11-12");

CaseDeadlines compute(const Case& c, const json& rules = library_rules(), const Date& today = kToday) {
  auto r = compute_deadlines(c, rules, library_law(), today);
  REQUIRE(r.is_ok());
  return r.value();
}

}  // namespace

TEST_CASE("issue 9 regression: Tue 2026-11-10 + 3 business days is Fri Nov 13, not Mon Nov 16") {
  auto d = compute(make_case("2026-11-10", "erisa"));
  CHECK(d.p2p_request.due.iso() == "2026-11-13");   // Veterans Day (Wed Nov 11) is a payer business day
  CHECK(d.p2p_request.basis == "3 business days after the denial");
}

TEST_CASE("P2P window: weekends, Thanksgiving and Christmas skipped; Columbus Day not") {
  CHECK(compute(make_case("2026-11-18", "erisa")).p2p_request.due.iso() == "2026-11-23");  // Wed -> Mon
  CHECK(compute(make_case("2026-11-25", "erisa")).p2p_request.due.iso() == "2026-12-01");  // Thanksgiving skipped
  CHECK(compute(make_case("2026-12-23", "erisa")).p2p_request.due.iso() == "2026-12-29");  // Christmas skipped
  CHECK(compute(make_case("2026-10-08", "erisa")).p2p_request.due.iso() == "2026-10-13");  // Thu -> Tue, Columbus Day counted
  CHECK(compute(make_case("2027-07-01", "erisa")).p2p_request.due.iso() == "2027-07-07");  // Jul 4 observed Mon Jul 5
}

TEST_CASE("a payer's own window overrides the default") {
  json rules = library_rules();
  rules["p2p_request"]["payers"]["cigna"] = {{"business_days", 5}, {"source", "test"}};
  CHECK(compute(make_case("2026-11-18", "erisa", "cigna"), rules).p2p_request.due.iso() == "2026-11-25");
  rules["p2p_request"]["payers"]["aetna"] = {{"business_days", 3}, {"source", "Aetna: test"}};
  CHECK(compute(make_case("2026-11-18", "erisa", "aetna"), rules).p2p_request.source.find("Aetna") == 0);
}

TEST_CASE("a payer that adds a holiday gets a later date; other payers do not") {
  json rules = library_rules();
  rules["holidays"]["payers"]["bcbs-tx"] = {{"add", {"veterans_day"}}};
  CHECK(compute(make_case("2026-11-10", "erisa", "bcbs-tx"), rules).p2p_request.due.iso() == "2026-11-16");
  CHECK(compute(make_case("2026-11-10", "erisa", "uhc"), rules).p2p_request.due.iso() == "2026-11-13");
  rules["holidays"]["payers"]["bcbs-tx"] = {{"add", {"boxing_day"}}};
  auto r = compute_deadlines(make_case("2026-11-10", "erisa", "bcbs-tx"), rules, library_law(), kToday);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].path == "/holidays/payers/bcbs-tx/add");
  CHECK(r.diagnostics()[0].message.find("boxing_day") != std::string::npos);
}

TEST_CASE("a window in hours runs in clock hours from the denial's time") {
  json rules = library_rules();
  rules["p2p_request"]["payers"]["uhc"] = {{"hours", 72}, {"source", "test: 72 hours"}};
  Case timed = make_case("2026-11-13", "erisa");   // a Friday: hours run through the weekend
  timed.doc["denial"]["time"] = "2026-11-13T14:30:00-05:00";
  auto d = compute(timed, rules).p2p_request;
  CHECK(d.due.iso() == "2026-11-16");
  CHECK(d.time == "14:30 (UTC-05:00)");
  CHECK(d.basis == "72 hours after the denial's time");
  // Without a time: counted from the start of the denial date, so the last
  // whole day is printed (Sun Nov 15), never later than the payer's end.
  auto untimed = compute(make_case("2026-11-13", "erisa"), rules).p2p_request;
  CHECK(untimed.due.iso() == "2026-11-15");
  CHECK(untimed.time.empty());
  CHECK(untimed.basis.find("no denial time") != std::string::npos);
  // 36 hours from 20:00 ends at 08:00 two days later.
  rules["p2p_request"]["payers"]["uhc"] = {{"hours", 36}, {"source", "test"}};
  timed.doc["denial"]["time"] = "2026-11-13T20:00Z";
  auto d36 = compute(timed, rules).p2p_request;
  CHECK(d36.due.iso() == "2026-11-15");
  CHECK(d36.time == "08:00 (UTC+00:00)");
}

TEST_CASE("passed and due-today flags against the injected today") {
  auto d = compute(make_case("2026-11-02", "erisa"), library_rules(), *parse_date("2026-11-12"));
  CHECK(d.p2p_request.due.iso() == "2026-11-05");
  CHECK(d.p2p_request.passed);
  CHECK(d.p2p_window_closed);                       // nothing scheduled
  CHECK_FALSE(d.internal_appeal->passed);
  CHECK(d.next == "internal_appeal");
  auto on_the_day = compute(make_case("2026-11-02", "erisa"), library_rules(), *parse_date("2026-11-05"));
  CHECK_FALSE(on_the_day.p2p_request.passed);
  CHECK(on_the_day.p2p_request.due_today);
  CHECK(on_the_day.next == "p2p_request");
}

TEST_CASE("a closed window with a P2P scheduled or held is not 'closed'") {
  Case scheduled = make_case("2026-11-02", "erisa");
  scheduled.doc["p2p"] = {{"scheduled", "2026-11-05T10:00:00-05:00"}};
  auto d = compute(scheduled);
  CHECK(d.p2p_request.passed);
  CHECK_FALSE(d.p2p_window_closed);
  Case held = make_case("2026-11-02", "erisa");
  held.doc["call"] = {{"disposition", "upheld"}};
  CHECK_FALSE(compute(held).p2p_window_closed);
  CHECK(compute(held).next == "internal_appeal");
  held.doc["call"]["disposition"] = "overturned";
  CHECK(compute(held).next == "");                  // nothing left to file
}

TEST_CASE("nothing open: every deadline passed") {
  auto d = compute(make_case("2025-01-06", "medicare_advantage"), library_rules(), *parse_date("2026-11-12"));
  CHECK(d.p2p_request.passed);
  CHECK(d.internal_appeal->passed);
  CHECK(d.next == "");
}

TEST_CASE("internal appeal deadline from the plan type's appeal rule, in the rule's own unit") {
  auto erisa = compute(make_case("2026-11-18", "erisa")).internal_appeal;
  REQUIRE(erisa);
  CHECK(erisa->due.iso() == "2027-05-17");  // 180 calendar days, a Monday
  CHECK(erisa->source.find("29 CFR 2560.503-1") == 0);
  auto ma = compute(make_case("2026-11-19", "medicare_advantage")).internal_appeal;
  REQUIRE(ma);
  CHECK(ma->due.iso() == "2027-01-18");  // 60 calendar days (the shorter count), Mon Jan 18 (MLK Day is a payer business day)
  CHECK(ma->source.find("42 CFR 422.582") == 0);
  auto medicaid = compute(make_case("2026-11-19", "medicaid_managed_care")).internal_appeal;
  REQUIRE(medicaid);
  CHECK(medicaid->due.iso() == "2027-01-18");
  CHECK(medicaid->source.find("42 CFR 438.402") == 0);
  auto fehb = compute(make_case("2026-08-31", "fehb")).internal_appeal;
  REQUIRE(fehb);
  CHECK(fehb->due.iso() == "2027-02-26");  // 6 months from Aug 31 = Feb 28 2027, a Sunday -> Fri Feb 26
  auto market = compute(make_case("2026-11-18", "aca_marketplace")).internal_appeal;
  REQUIRE(market);
  CHECK(market->source.find("45 CFR 147.136") == 0);
}

TEST_CASE("a deadline landing on a weekend or holiday moves earlier, never later") {
  auto d = compute(make_case("2026-11-23", "erisa")).internal_appeal;   // + 180 = Sat 2027-05-22
  REQUIRE(d);
  CHECK(d->due.iso() == "2027-05-21");
  CHECK(d->basis == "180 calendar days after the denial, moved back from May 22, 2027 to the business day before");
  CHECK(d->basis.find('(') == std::string::npos);  // the letters print it inside their own parentheses
  auto xmas = compute(make_case("2026-10-26", "medicaid_managed_care")).internal_appeal;   // + 60 = Fri Dec 25
  REQUIRE(xmas);
  CHECK(xmas->due.iso() == "2026-12-24");
}

TEST_CASE("no rule for the plan type, or none in force yet: no appeal deadline rather than a wrong one") {
  CHECK_FALSE(compute(make_case("2026-11-18", "other")).internal_appeal.has_value());
  // The Medicaid managed care appeal rule took effect on 2016-07-05.
  CHECK_FALSE(compute(make_case("2016-07-04", "medicaid_managed_care")).internal_appeal.has_value());
  CHECK(compute(make_case("2016-07-05", "medicaid_managed_care")).internal_appeal.has_value());
}

TEST_CASE("external review: a request date where the plan type gives one, automatic for Medicare Advantage") {
  auto erisa = compute(make_case("2026-11-18", "erisa"));
  REQUIRE(erisa.external_review);
  CHECK(erisa.external_review->due.iso() == "2027-03-18");   // 4 months, counted from this denial
  CHECK(erisa.external_review->source.find("45 CFR 147.136") == 0);
  CHECK_FALSE(erisa.external_review_automatic);
  auto ma = compute(make_case("2026-11-18", "medicare_advantage"));
  CHECK_FALSE(ma.external_review.has_value());
  CHECK(ma.external_review_automatic);
  CHECK_FALSE(compute(make_case("2026-11-18", "fehb")).external_review.has_value());
}

TEST_CASE("expedited: urgent cases and concurrent-review / level-of-care denials") {
  CHECK_FALSE(compute(make_case("2026-11-18", "erisa")).expedited);
  CHECK(compute(make_case("2026-11-18", "erisa", "uhc", "concurrent_review")).expedited);
  CHECK(compute(make_case("2026-11-18", "erisa", "uhc", "level_of_care")).expedited);
  auto urgent = compute(make_case("2026-11-18", "erisa", "uhc", "medical_necessity", true));
  CHECK(urgent.expedited);
  CHECK_FALSE(urgent.expedited_note.empty());
}

TEST_CASE("a malformed rule file is an error with the path inside it") {
  json rules = library_rules();
  rules["p2p_request"]["default"]["business_days"] = "three";
  auto r = compute_deadlines(make_case("2026-11-18", "erisa"), rules, library_law(), kToday);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].path == "/p2p_request/default/business_days");
  json law = library_law();
  for (json& rule : law["rules"])
    if (rule["id"] == "erisa-appeal") rule["filing"] = {{"days", "180"}};
  auto r2 = compute_deadlines(make_case("2026-11-18", "erisa"), library_rules(), law, kToday);
  REQUIRE_FALSE(r2.is_ok());
  CHECK(r2.diagnostics()[0].path == "/rules/erisa-appeal/filing");
  rules = library_rules();
  rules["holidays"]["default"] = "thanksgiving";
  CHECK_FALSE(compute_deadlines(make_case("2026-11-18", "erisa"), rules, library_law(), kToday).is_ok());
}

// ---- Law: effective dates and subjects ----

TEST_CASE("each plan type gets its own appeal rule") {
  const std::pair<const char*, const char*> expected[] = {
      {"erisa", "29 CFR 2560.503-1"},
      {"medicare_advantage", "42 CFR 422.582"},
      {"medicaid_managed_care", "42 CFR 438.402"},
      {"aca_marketplace", "45 CFR 147.136"},
      {"state_regulated", "45 CFR 147.136"},
      {"fehb", "5 CFR 890.105"},
  };
  for (const auto& entry : expected) {
    const char* plan = entry.first;  // not a structured binding: clang 14 cannot capture one (CAPTURE)
    const char* cite = entry.second;
    CAPTURE(plan);
    json rule = rule_for(make_case("2026-11-18", plan), library_law(), "appeal");
    REQUIRE(rule.is_object());
    CHECK(rule["cite"].get<std::string>().find(cite) == 0);
    CHECK(rule.contains("filing"));
    CHECK(rule.contains("decision_text"));
    CHECK(rule["text"].get<std::string>().find("prior authorization") == std::string::npos);
  }
  CHECK(rule_for(make_case("2026-11-18", "other"), library_law(), "appeal").is_null());
}

TEST_CASE("CMS-0057-F is a prior-authorization decision rule, never the appeal's, and only from 2026") {
  Case ma = make_case("2026-11-18", "medicare_advantage");
  json appeal = rule_for(ma, library_law(), "appeal");
  CHECK(appeal["id"] == "ma-reconsideration");
  CHECK(appeal["decision_text"].get<std::string>().find("7 calendar days") == std::string::npos);
  CHECK(rule_for(ma, library_law(), "prior_auth_decision")["id"] == "cms-0057-f");
  // Before its effective date it is not cited at all.
  Case ma2025 = make_case("2025-12-31", "medicare_advantage");
  CHECK(rule_for(ma2025, library_law(), "prior_auth_decision").is_null());
  for (const json& r : rules_in_force(ma2025, library_law())) CHECK(r["id"] != "cms-0057-f");
  // Self-funded ERISA plans are not reached.
  CHECK(rule_for(make_case("2026-11-18", "erisa"), library_law(), "prior_auth_decision").is_null());
}

TEST_CASE("rule_in_force: effective and until, both inclusive; no effective date, never in force") {
  json rule = {{"effective", "2026-01-01"}, {"until", "2026-06-30"}};
  CHECK_FALSE(rule_in_force(rule, *parse_date("2025-12-31")));
  CHECK(rule_in_force(rule, *parse_date("2026-01-01")));
  CHECK(rule_in_force(rule, *parse_date("2026-06-30")));
  CHECK_FALSE(rule_in_force(rule, *parse_date("2026-07-01")));
  CHECK_FALSE(rule_in_force(json{{"cite", "x"}}, *parse_date("2026-07-01")));
  CHECK(rule_in_force(json{{"effective", "2026-01-01"}}, *parse_date("2099-01-01")));
}

TEST_CASE("every library rule carries subject, effective and a public source, never our notes") {
  for (const json& r : library_law()["rules"]) {
    CAPTURE(r["id"].get<std::string>());
    CHECK(parse_date(r.value("effective", "")).has_value());
    std::string subject = r.value("subject", "");
    CHECK((subject == "appeal" || subject == "external_review" || subject == "prior_auth_decision" ||
           subject == "review_standards"));
    std::string source = r.value("source", "");
    CHECK_FALSE(source.empty());
    for (const char* ours : {"omain notes", "shared/", "regulation_facts", "our notes"})
      CHECK(source.find(ours) == std::string::npos);
  }
}
