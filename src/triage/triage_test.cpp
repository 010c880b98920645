// Triage rules (triage.h) on the shipped knowledge files, each rule both ways.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "triage/triage.h"

#include <doctest/doctest.h>

#include <fstream>

using nlohmann::json;
using namespace p2p;

namespace {

json load(const std::string& name) {
  std::ifstream in(std::string(P2P_SOURCE_ROOT) + "/templates/knowledge/" + name);
  return json::parse(in);
}

const TriageKnowledge& knowledge() {
  static const TriageKnowledge k{load("benchmarks.json"), service_categories_from_json(load("service_categories.json")).take(),
                                 load("triage.json")};
  return k;
}

json services(const std::string& code, std::optional<double> amount = std::nullopt) {
  json s = {{"code", code}, {"system", "CPT"}, {"description", "x"}};
  if (amount) s["expected_amount_usd"] = *amount;
  return json::array({s});
}

TriageInput mri(const TriageHistory* history = nullptr, std::optional<double> amount = std::nullopt) {
  TriageInput in;
  in.denial_type_label = "Insufficient documentation";
  in.window_date = "Tue Nov 24, 2026";
  in.payer_name = "UnitedHealthcare";
  in.services = services("72148", amount);
  in.history = history;
  return in;
}

bool has_reason(const Triage& t, const std::string& part) {
  for (const std::string& r : t.reasons)
    if (r.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("service_category_of: the first service the library places in a category") {
  const ServiceCategories& cats = knowledge().service_categories;
  CHECK(service_category_of(services("72148"), cats) == "advanced_imaging");
  CHECK(service_category_of(services("22551"), cats) == "spine_surgery");
  CHECK(service_category_of(services("63650"), cats) == "neurostimulation");
  CHECK(service_category_of(services("J0135"), cats) == "biologics");
  CHECK(service_category_of(services("27447"), cats) == "joint_replacement");
  CHECK(service_category_of(services("99233"), cats) == "inpatient_stay");  // a category without a benchmark
  CHECK(service_category_of(services("99213"), cats) == "");  // "other": no category
  CHECK(service_category_of(services("7214"), cats) == "");  // a shorter code is never inside a range
  json two = json::array({{{"code", "96413"}}, {{"code", "J9271"}}});
  CHECK(service_category_of(two, cats) == "oncology_targeted_therapy");
}

TEST_CASE("without a ledger the estimate is the benchmark's midpoint, and says so") {
  Triage t = triage_case(mri(), knowledge());
  CHECK(t.recommendation == "p2p");
  CHECK(t.estimate_basis == "benchmark");
  CHECK_FALSE(t.has_ledger);
  CHECK(t.p2p_estimate == doctest::Approx(0.675));
  CHECK(has_reason(t, "no ledger was read"));
  json j = triage_json(t);
  CHECK(j["estimate"]["percent"] == "68 %");
  CHECK(j["estimate"]["benchmark_range"] == "60\u201375 %");
  CHECK_FALSE(j["estimate"]["has_ledger"].get<bool>());
}

TEST_CASE("a ledger without decided calls for the payer and category: benchmark, and the reason names it") {
  TriageHistory none{0, 0, "ledger test.db"};
  Triage t = triage_case(mri(&none), knowledge());
  CHECK(t.estimate_basis == "benchmark");
  CHECK(t.has_ledger);
  CHECK(has_reason(t, "the ledger holds no decided call"));
  CHECK_FALSE(has_reason(t, "no ledger was read"));
}

TEST_CASE("little history is shrunk toward the benchmark; enough is used as it is") {
  TriageHistory few{9, 7, "ledger"};
  Triage shrunk = triage_case(mri(&few), knowledge());
  CHECK(shrunk.estimate_basis == "shrunk");
  CHECK(shrunk.p2p_estimate == doctest::Approx((7 + 10 * 0.675) / 19));
  CHECK(has_reason(shrunk, "own 7 of 9 decided calls"));
  CHECK(has_reason(shrunk, "shrunk toward the benchmark"));

  TriageHistory many{40, 30, "ledger"};
  Triage own = triage_case(mri(&many), knowledge());
  CHECK(own.estimate_basis == "own");
  CHECK(own.p2p_estimate == doctest::Approx(0.75));
  CHECK_FALSE(has_reason(own, "shrunk"));
  // the line changes with the history
  CHECK(triage_json(shrunk)["estimate"] != triage_json(own)["estimate"]);
}

TEST_CASE("a case without a category reads no payer x category record") {
  TriageInput in = mri();
  in.services = services("99213");
  TriageHistory h{20, 20, "ledger"};
  in.history = &h;
  Triage t = triage_case(in, knowledge());
  CHECK(t.estimate_basis == "benchmark");
  CHECK(t.decided == 0);
  CHECK(t.benchmark_low == doctest::Approx(0.40));
  CHECK(t.benchmark_high == doctest::Approx(0.75));
  CHECK(has_reason(t, "no service has a category"));
}

TEST_CASE("the practice's own poor record sends the case to the written appeal") {
  TriageHistory poor{30, 3, "ledger"};
  Triage t = triage_case(mri(&poor), knowledge());
  CHECK(t.p2p_below_floor);
  CHECK(t.recommendation == "written_appeal");
  TriageHistory good{30, 20, "ledger"};
  CHECK(triage_case(mri(&good), knowledge()).recommendation == "p2p");
}

TEST_CASE("window: open and booked allow a P2P, missed does not") {
  TriageInput in = mri();
  CHECK(triage_case(in, knowledge()).recommendation == "p2p");
  in.window_open = false;
  Triage missed = triage_case(in, knowledge());
  CHECK(missed.recommendation == "written_appeal");
  CHECK(has_reason(missed, "The P2P window closed on Tue Nov 24, 2026."));
  CHECK(triage_json(missed)["window_is"]["closed"] == true);
  in.call_booked = true;
  Triage booked = triage_case(in, knowledge());
  CHECK(booked.recommendation == "p2p");
  CHECK(triage_json(booked)["label"] == "hold the booked P2P");
}

TEST_CASE("a denial type that does not fit a P2P goes to the written appeal") {
  TriageInput in = mri();
  in.p2p_fit = false;
  in.denial_type_label = "Out of network";
  Triage t = triage_case(in, knowledge());
  CHECK(t.recommendation == "written_appeal");
  CHECK(has_reason(t, "a P2P is unlikely to change this denial"));
  CHECK_FALSE(t.p2p_possible);
}

TEST_CASE("break-even: an amount weighs each route's time; no amount weighs nothing") {
  Triage none = triage_case(mri(), knowledge());
  CHECK_FALSE(none.amount);
  CHECK(has_reason(none, "no expected amount"));
  CHECK_FALSE(triage_json(none)["money"]["given"].get<bool>());

  Triage big = triage_case(mri(nullptr, 2100), knowledge());
  CHECK(big.recommendation == "p2p");
  CHECK(big.p2p_cost.usd == doctest::Approx(30.0 / 60 * 250 + 60.0 / 60 * 45));
  json m = triage_json(big)["money"];
  CHECK(m["route"] == "P2P");
  CHECK(m["amount"] == "$2,100");
  CHECK(m["expected"] == "$1,418");  // 0.675 x 2100 = 1417.5
  CHECK(m["cost"] == "$170");
  CHECK(m["worth"] == true);

  Triage small = triage_case(mri(nullptr, 100), knowledge());
  CHECK(small.recommendation == "not_worth_contesting");
  CHECK(triage_json(small)["money"]["worth"] == false);
  CHECK(has_reason(small, "not worth it"));

  // a P2P not worth the time while the written appeal is: neurostimulation's
  // 47.5 % x $350 = $166 < $170; 50 % x $350 = $175 >= $173
  TriageInput scs = mri(nullptr, 350);
  scs.services = services("63650", 350);
  Triage t = triage_case(scs, knowledge());
  CHECK(t.recommendation == "written_appeal");
  CHECK(triage_json(t)["money"]["route"] == "written appeal");
}

TEST_CASE("an amount of 0 is given, and is never worth the time") {
  Triage t = triage_case(mri(nullptr, 0), knowledge());
  CHECK(t.amount);
  CHECK(t.recommendation == "not_worth_contesting");
  CHECK_FALSE(triage_json(t)["money"].contains("break_even"));
}

TEST_CASE("every route closed: not worth contesting, and why") {
  TriageInput in = mri();
  in.window_open = false;
  in.appeal_open = false;
  Triage t = triage_case(in, knowledge());
  CHECK(t.recommendation == "not_worth_contesting");
  CHECK(has_reason(t, "internal appeal deadline has passed"));
}

TEST_CASE("after the call the triage does not apply") {
  TriageInput in = mri();
  in.call_held = true;
  Triage t = triage_case(in, knowledge());
  CHECK_FALSE(t.applies);
  CHECK(t.recommendation.empty());
  CHECK_FALSE(triage_json(t).contains("label"));
}

TEST_CASE("the arithmetic names the formula and the numbers") {
  TriageHistory few{9, 7, "ledger x.db"};
  std::string a = triage_arithmetic(triage_case(mri(&few, 2100), knowledge()));
  CHECK(a.find("p = (k + m x midpoint) / (n + m) = (7 + 10 x 0.675) / (9 + 10) = 0.724") != std::string::npos);
  CHECK(a.find("30 min x $250/h + 60 min x $45/h = $170.00") != std::string::npos);
  CHECK(a.find("expected = 0.724 x $2100.00 = $1519.74 >= $170.00") != std::string::npos);
}
