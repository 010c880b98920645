// Triage: for one denial, whether to request a P2P, appeal in writing
// directly, or not contest it, with every reason and the arithmetic behind
// it (issue 11 part 3, docs/triage.md). Part of the merge stage: the
// pipeline computes it for every case it renders.
//
// Contract:
// - Pure functions over plain values and the knowledge files
//   (benchmarks.json, service_categories.json, triage.json); no I/O, no
//   clock (the window's state comes in), thread-safe.
// - The practice's own record comes in as TriageHistory, filled by the entry
//   points from the ledger; the pipeline never sees the ledger. No history
//   (nullptr) means no ledger: the estimate is the benchmark's, and says so.
// - The estimate of a P2P overturn is, for n decided calls of this payer and
//   service category with k overturned: the benchmark's midpoint when n is 0
//   or there is no history; (k + m * midpoint) / (n + m) (beta-binomial
//   posterior mean, prior weight m calls) when 0 < n < own_record_calls;
//   k / n from own_record_calls on. Which of the three, and n, are reported.
// - A route is worth the time when the case gives an expected amount and
//   amount x estimate >= the route's time cost, or when it gives none (then
//   no break-even is claimed). Routes are tried in order: P2P (when the
//   denial type fits one, the window is open or a call is booked, and the
//   estimate is at least p2p_floor), then the written appeal (while its
//   deadline has not passed); the first worth the time is recommended, else
//   "not_worth_contesting".
// - Once a call has been held the triage does not apply (`applies` false):
//   the documents then follow the call's outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "knowledge/service_categories.h"

namespace p2p {

// The practice's record for one payer x service category: decided P2P calls
// (overturned, modified or upheld) and how many were overturned.
struct TriageHistory {
  int decided = 0;
  int overturned = 0;
  std::string basis;  // where the counts come from, for people: "ledger out/p2pdoc.db"
};

// The knowledge files the triage reads (templates/knowledge).
struct TriageKnowledge {
  nlohmann::json benchmarks;          // benchmarks.json
  ServiceCategories service_categories;  // service_categories.json (knowledge/service_categories.h)
  nlohmann::json rules;               // triage.json
};

// The case's category as the ledger stores it (category_of_services over
// the services' codes, case order), e.g. "advanced_imaging"; "" when that is
// "other" or the case lists no codes: no payer x category record then.
std::string service_category_of(const nlohmann::json& services, const ServiceCategories& service_categories);

struct TriageInput {
  bool p2p_fit = true;              // denial_types.json's p2p_fit for the case's type
  std::string denial_type_label;    // "Insufficient documentation"
  bool call_held = false;
  bool call_booked = false;         // a call is scheduled (requested in time)
  bool window_open = true;          // the P2P request deadline has not passed
  std::string window_date;          // the P2P request deadline, for people ("Tue Nov 24, 2026")
  bool appeal_open = true;          // the internal appeal deadline has not passed (or there is none)
  std::string payer_name;
  nlohmann::json services = nlohmann::json::array();  // the case's services (code, expected_amount_usd)
  const TriageHistory* history = nullptr;             // nullptr: no ledger
};

struct RouteCost {
  double physician_minutes = 0, staff_minutes = 0;
  double usd = 0;                   // minutes x hourly rates
};

struct Triage {
  bool applies = true;              // false once the call has been held
  std::string recommendation;       // "p2p", "written_appeal", "not_worth_contesting"; "" when it does not apply
  std::vector<std::string> reasons; // one sentence each, in the order the rules were applied

  // the P2P estimate
  std::string category, category_label;  // "" when no service has a category
  std::string benchmark_label, benchmark_source;
  double benchmark_low = 0, benchmark_high = 0, benchmark_mid = 0;
  bool has_ledger = false;          // a history was given
  std::string history_basis;
  int decided = 0, overturned = 0;  // own calls for this payer x category
  std::string estimate_basis;       // "benchmark", "shrunk" or "own"
  double prior_weight = 0;          // m, for "shrunk"
  int own_record_calls = 0;         // the threshold for "own"
  double p2p_estimate = 0;
  double p2p_floor = 0;
  bool p2p_fit = true;              // the denial type fits a P2P
  std::string window;               // "booked", "open" or "closed"
  std::string window_date;
  bool p2p_possible = false;        // fits, window open or call booked
  bool p2p_below_floor = false;

  // the written appeal's estimate: the benchmark's midpoint
  double appeal_estimate = 0, appeal_low = 0, appeal_high = 0;
  std::string appeal_source;

  // the break-even, when the case gives an amount
  std::optional<double> amount;     // sum of services[].expected_amount_usd given
  int amount_services = 0, services = 0;  // how many services gave one, of how many
  RouteCost p2p_cost, appeal_cost;
  double physician_hourly = 0, staff_hourly = 0;
  std::string cost_basis;
  bool p2p_worth = true, appeal_worth = true;  // true when no amount (not weighed)
  std::string money_route;          // the route the documents' break-even is about: "p2p",
                                    // "written_appeal", or "" when no route was weighed
};

Triage triage_case(const TriageInput& in, const TriageKnowledge& k);

// The triage as the templates and the ledger event see it (docs/triage.md).
nlohmann::json triage_json(const Triage& t);

// The arithmetic, line by line, for `p2pdoc explain`.
std::string triage_arithmetic(const Triage& t);

}  // namespace p2p
