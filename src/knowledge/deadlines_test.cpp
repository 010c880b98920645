#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fstream>

#include "knowledge/deadlines.h"

using namespace p2p;
using nlohmann::json;

namespace {

const json& library_rules() {
  static json rules = json::parse(std::ifstream(std::string(P2P_SOURCE_ROOT) + "/templates/knowledge/deadlines.json"));
  return rules;
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
  return c;
}

CaseDeadlines compute(const Case& c, const json& rules = library_rules()) {
  auto r = compute_deadlines(c, rules);
  REQUIRE(r.is_ok());
  return r.value();
}

}  // namespace

TEST_CASE("P2P window: 3 business days, skipping weekends and federal holidays") {
  CHECK(compute(make_case("2026-11-18", "erisa")).p2p_request.due.iso() == "2026-11-23");  // Wed -> Mon
  CHECK(compute(make_case("2026-11-25", "erisa")).p2p_request.due.iso() == "2026-12-01");  // over Thanksgiving
  CHECK(compute(make_case("2026-12-23", "erisa")).p2p_request.due.iso() == "2026-12-29");  // over Christmas
  CHECK(compute(make_case("2026-11-18", "erisa")).p2p_request.basis == "3 business days after the denial");
}

TEST_CASE("a payer's own window overrides the default") {
  json rules = library_rules();
  rules["p2p_request"]["payers"]["cigna"] = {{"business_days", 5}, {"source", "test"}};
  CHECK(compute(make_case("2026-11-18", "erisa", "cigna"), rules).p2p_request.due.iso() == "2026-11-25");
  rules["p2p_request"]["payers"]["aetna"] = {{"business_days", 3}, {"source", "Aetna: test"}};
  CHECK(compute(make_case("2026-11-18", "erisa", "aetna"), rules).p2p_request.source.find("Aetna") == 0);
}

TEST_CASE("internal appeal deadline by plan type, in the rule's own unit") {
  auto erisa = compute(make_case("2026-11-18", "erisa")).internal_appeal;
  REQUIRE(erisa);
  CHECK(erisa->due.iso() == "2027-05-17");  // 180 calendar days, a Monday
  CHECK(erisa->source.find("29 CFR 2560.503-1") != std::string::npos);
  auto ma = compute(make_case("2026-11-19", "medicare_advantage")).internal_appeal;
  REQUIRE(ma);
  CHECK(ma->due.iso() == "2027-01-22");  // 65 days
  CHECK(ma->source.find("42 CFR 422.582") != std::string::npos);
  auto fehb = compute(make_case("2026-08-31", "fehb")).internal_appeal;
  REQUIRE(fehb);
  CHECK(fehb->due.iso() == "2027-02-26");  // 6 months from Aug 31 = Feb 28 2027, a Sunday -> Fri Feb 26
}

TEST_CASE("a deadline landing on a weekend moves earlier, never later") {
  // 2026-11-21 + 180 days = 2027-05-20 (Thu): unchanged; 2026-11-22 + 180 = 2027-05-21 (Fri);
  // 2026-11-23 + 180 = 2027-05-22 (Sat) -> Fri 2027-05-21
  auto d = compute(make_case("2026-11-23", "erisa")).internal_appeal;
  REQUIRE(d);
  CHECK(d->due.iso() == "2027-05-21");
  CHECK(d->basis.find("moved to the business day before") != std::string::npos);
}

TEST_CASE("no rule for the plan type: no appeal deadline rather than a wrong one") {
  CHECK_FALSE(compute(make_case("2026-11-18", "other")).internal_appeal.has_value());
}

TEST_CASE("expedited: urgent cases and concurrent-review / level-of-care denials") {
  CHECK_FALSE(compute(make_case("2026-11-18", "erisa")).expedited);
  CHECK(compute(make_case("2026-11-18", "erisa", "uhc", "concurrent_review")).expedited);
  CHECK(compute(make_case("2026-11-18", "erisa", "uhc", "level_of_care")).expedited);
  auto urgent = compute(make_case("2026-11-18", "erisa", "uhc", "medical_necessity", true));
  CHECK(urgent.expedited);
  CHECK(urgent.expedited_note.find("72 hours") != std::string::npos);
}

TEST_CASE("a malformed rule file is an error with the path inside it") {
  json rules = library_rules();
  rules["internal_appeal"]["erisa"] = {{"days", "180"}};
  auto r = compute_deadlines(make_case("2026-11-18", "erisa"), rules);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].path == "/internal_appeal/erisa");
  rules = library_rules();
  rules["p2p_request"]["default"]["business_days"] = "three";
  auto r2 = compute_deadlines(make_case("2026-11-18", "erisa"), rules);
  REQUIRE_FALSE(r2.is_ok());
  CHECK(r2.diagnostics()[0].path == "/p2p_request/default/business_days");
}
