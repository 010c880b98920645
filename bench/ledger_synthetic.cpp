// Synthetic ledger histories (ledger_synthetic.h).
#include "ledger_synthetic.h"

#include <array>
#include <utility>
#include <cstdio>
#include <string>

namespace p2p::synthetic {

namespace {

constexpr long long kDay = 86400;

// Numerical Recipes' LCG: tiny, fixed, the same on every platform.
struct Lcg {
  unsigned state;
  unsigned next() { return state = state * 1664525u + 1013904223u; }
  int below(int n) { return static_cast<int>((next() >> 8) % static_cast<unsigned>(n)); }
};

std::string day(long long t) {
  long long days = t / kDay;
  // civil-from-days (Howard Hinnant's algorithm)
  days += 719468;
  long long era = (days >= 0 ? days : days - 146096) / 146097;
  long long doe = days - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = yoe + era * 400;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long d = doy - (153 * mp + 2) / 5 + 1;
  long long m = mp < 10 ? mp + 3 : mp - 9;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", y + (m <= 2), m, d);
  return buf;
}

Event event(const std::string& id, EventKind kind, long long at, nlohmann::json data = nlohmann::json::object()) {
  Event e;
  e.case_id = id;
  e.kind = kind;
  e.at = at;
  e.recorded_by = "synthetic";
  e.data = std::move(data);
  return e;
}

}  // namespace

std::vector<History> histories(int count, unsigned seed, long long today) {
  static const std::array<const char*, 7> payers = {"aetna", "uhc", "cigna", "bcbs-tx", "bcbs-il", "humana-ma", "kaiser"};
  static const std::array<const char*, 5> plans = {"erisa", "state_regulated", "medicare_advantage", "aca_marketplace",
                                                   "medicaid_managed_care"};
  static const std::array<const char*, 4> types = {"medical_necessity", "experimental", "level_of_care",
                                                   "insufficient_documentation"};
  // one service per case, with the category templates/knowledge/service_categories.json
  // gives its code (service_categories_test checks that they agree)
  static const std::array<std::pair<const char*, const char*>, 8> services = {{
      {"72148", "advanced_imaging"},
      {"22551", "spine_surgery"},
      {"63650", "neurostimulation"},
      {"J9271", "oncology_targeted_therapy"},
      {"J0135", "biologics"},
      {"27447", "joint_replacement"},
      {"H0018", "behavioral_health"},
      {"77520", "radiation_oncology"},
  }};
  static const std::array<const char*, 3> dispositions = {"overturned", "upheld", "modified"};
  Lcg rng{seed};
  std::vector<History> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "SYN-%07d", i);
    long long denied = (today / kDay - rng.below(400)) * kDay;
    History h;
    CaseRow& r = h.row;
    r.case_id = id;
    r.payer_id = payers[size_t(rng.below(int(payers.size())))];
    r.plan_type = plans[size_t(rng.below(int(plans.size())))];
    r.state = "TX";
    r.denial_type = types[size_t(rng.below(int(types.size())))];
    r.denial_date = day(denied);
    const auto& service = services[size_t(rng.below(int(services.size())))];
    r.service_codes = {service.first};
    r.service_category = service.second;
    r.physician = "Dr. Synthetic " + std::to_string(rng.below(40));
    r.urgent = rng.below(5) == 0;
    r.deadlines = {{"p2p_request", day(denied + (3 + rng.below(3)) * kDay)},
                   {"internal_appeal", day(denied + 180 * kDay)},
                   {"external_review", day(denied + 122 * kDay)}};
    h.events.push_back(event(id, EventKind::denial_received, denied));
    h.events.push_back(event(id, EventKind::packet_generated, denied + 3600,
                             {{"templates", {{"brief", "templates/brief/default.md"}}}, {"documents", {{"brief.pdf", std::string(64, 'a')}}}}));
    h.events.back().source_key = "packet:synthetic";
    int furthest = rng.below(9);  // 0: still waiting ... 8: closed
    long long t = denied + kDay;
    auto step = [&](EventKind k, nlohmann::json data = nlohmann::json::object()) {
      t += (1 + rng.below(4)) * kDay;
      h.events.push_back(event(id, k, t, std::move(data)));
    };
    if (furthest >= 1) step(EventKind::p2p_requested);
    if (furthest >= 2) step(EventKind::p2p_scheduled, {{"scheduled", day(t + 2 * kDay) + "T15:00:00Z"}});
    std::string disposition = dispositions[size_t(rng.below(3))];
    if (furthest >= 3) step(EventKind::call_held, {{"disposition", disposition}, {"duration_minutes", 10 + rng.below(20)}});
    bool appeal = disposition != "overturned";
    if (furthest >= 4 && appeal) step(EventKind::appeal_filed);
    if (furthest >= 5 && appeal) step(EventKind::appeal_decided, {{"decision", dispositions[size_t(rng.below(3))]}});
    if (furthest >= 6 && appeal) step(EventKind::external_review_filed);
    if (furthest >= 7 && appeal) step(EventKind::external_review_decided, {{"decision", dispositions[size_t(rng.below(3))]}});
    if (furthest >= 8) step(EventKind::closed);
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace p2p::synthetic
