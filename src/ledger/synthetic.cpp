// Synthetic ledger histories (synthetic.h).
#include "ledger/synthetic.h"

#include <array>
#include <cmath>
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
  double unit() { return double(next() >> 8) / double(1u << 24); }  // [0, 1)
  bool chance(double p) { return unit() < p; }
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }  // inclusive
};

// A weighted choice: entries carry their weight in `.weight`.
template <typename T, size_t N>
const T& pick(Lcg& rng, const std::array<T, N>& table) {
  int total = 0;
  for (const T& t : table) total += t.weight;
  int r = rng.below(total);
  for (const T& t : table) {
    if (r < t.weight) return t;
    r -= t.weight;
  }
  return table.back();
}

struct Payer {
  const char* id;
  int weight;
  double lean;  // added to the log-odds of an overturn
  bool medicare_advantage;
};
constexpr std::array<Payer, 6> kPayers = {{{"uhc", 25, -0.1, false},
                                           {"aetna", 20, 0.35, false},
                                           {"bcbs-tx", 15, 0.2, false},
                                           {"cigna", 15, 0.0, false},
                                           {"humana-ma", 15, -0.7, true},
                                           {"bcbs-il", 10, -0.25, false}}};

struct Category {
  const char* key;
  int weight;
  double base;  // odds of an overturn on a prepared call: the middle of domain.md's range
  std::array<const char*, 2> codes;
  int first_physician, physicians;  // this specialty's physicians in kPhysicians
};
constexpr std::array<Category, 6> kCategories = {{
    {"advanced_imaging", 30, 0.675, {"72148", "70553"}, 0, 3},
    {"spine_surgery", 15, 0.625, {"22551", "63030"}, 3, 2},
    {"oncology_targeted_therapy", 12, 0.625, {"J9271", "J9355"}, 5, 2},
    {"biologics", 18, 0.575, {"J0135", "J1745"}, 7, 2},
    {"joint_replacement", 15, 0.525, {"27447", "27130"}, 9, 2},
    {"neurostimulation", 10, 0.475, {"63650", "64568"}, 11, 2},
}};

struct Physician {
  const char* name;
  double skill;  // added to the log-odds of an overturn
  double busy;   // added to the chance of missing the P2P request window
};
// Invented names: no real person.
constexpr std::array<Physician, 13> kPhysicians = {{
    {"Dr. Amara Okafor", 0.6, 0.02},     {"Dr. Lucas Brandt", -0.3, 0.10},  {"Dr. Mei Tanaka", 0.1, 0.04},
    {"Dr. Rafael Ortiz", 0.5, 0.06},     {"Dr. Hannah Weiss", -0.5, 0.03},  {"Dr. Samuel Adeyemi", 0.3, 0.02},
    {"Dr. Claire Dubois", -0.1, 0.12},   {"Dr. Nikhil Rao", 0.2, 0.03},     {"Dr. Ingrid Larsen", -0.4, 0.08},
    {"Dr. Tomas Novak", 0.0, 0.05},      {"Dr. Grace Mensah", 0.4, 0.02},   {"Dr. Elif Demir", -0.2, 0.09},
    {"Dr. Owen Fitzgerald", 0.1, 0.15},
}};

struct DenialType {
  const char* key;
  int weight;
  double lean;
  bool p2p_fit;
};
constexpr std::array<DenialType, 6> kDenialTypes = {{{"medical_necessity", 45, 0.0, true},
                                                     {"insufficient_documentation", 20, 0.5, true},
                                                     {"criteria_not_met", 15, -0.3, true},
                                                     {"experimental_investigational", 8, -0.6, true},
                                                     {"level_of_care", 7, 0.1, true},
                                                     {"benefit_exclusion", 5, -2.0, false}}};

// Denials by month, relative: January's new plan year and deductibles, a summer lull.
constexpr std::array<double, 12> kSeason = {1.35, 1.15, 1.05, 1.0, 0.95, 0.85, 0.8, 0.85, 1.0, 1.05, 1.0, 0.95};

struct Civil {
  long long year;
  int month, day;
};

Civil civil(long long days) {  // Howard Hinnant's civil_from_days
  days += 719468;
  long long era = (days >= 0 ? days : days - 146096) / 146097;
  long long doe = days - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  int d = int(doy - (153 * mp + 2) / 5 + 1);
  int m = int(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

std::string day_text(long long days) {
  Civil c = civil(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

std::string time_text(long long t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02lld:%02lld:00Z", t % kDay / 3600, t % 3600 / 60);
  return day_text(t / kDay) + buf;
}

bool weekend(long long days) {
  long long w = (days + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  return w == 0 || w == 6;
}

long long add_business_days(long long days, int n) {
  while (n > 0)
    if (!weekend(++days)) --n;
  return days;
}

// A moment on a business day, in US office hours (14:00-22:00 UTC).
long long office_time(Lcg& rng, long long days) {
  while (weekend(days)) ++days;
  return days * kDay + rng.between(14, 21) * 3600 + rng.below(4) * 900;
}

double odds(double base, double lean) {
  double logit = std::log(base / (1 - base)) + lean;
  return 1 / (1 + std::exp(-logit));
}

// One case's events, in order, as they would be recorded; build() drops the
// ones after `until`.
class Timeline {
 public:
  Timeline(std::string id, long long until) : id_(std::move(id)), until_(until) {}
  void add(EventKind kind, long long at, nlohmann::json data = nlohmann::json::object(), std::string key = "") {
    if (at <= last_) at = last_ + 900;  // a step drawn for the same day as the one before: a quarter hour after it
    last_ = at;
    if (at > until_ || stopped_) {
      stopped_ = true;  // the rest has not happened yet
      return;
    }
    Event e;
    e.case_id = id_;
    e.kind = kind;
    e.at = at;
    e.recorded_by = "synthetic";
    e.data = std::move(data);
    e.source_key = std::move(key);
    events_.push_back(std::move(e));
  }
  std::vector<Event> take() { return std::move(events_); }

 private:
  std::string id_;
  long long until_;
  bool stopped_ = false;
  long long last_ = 0;
  std::vector<Event> events_;
};

std::string decision(Lcg& rng, double p_overturn, double p_modified) {
  double r = rng.unit();
  if (r < p_overturn) return "overturned";
  if (r < p_overturn + p_modified) return "modified";
  return "upheld";
}

long long denial_day(Lcg& rng, long long until_days) {
  for (;;) {
    long long d = until_days - 1 - rng.below(365);
    if (weekend(d)) continue;
    if (rng.unit() * 1.35 < kSeason[size_t(civil(d).month - 1)]) return d;
  }
}

// Appeal, external review and closing after a call that did not overturn
// (or a window missed): written appeals decide about half in the
// practice's favour (domain.md: 40-60 %, 45-55 % after a documented call).
void escalate(Timeline& t, Lcg& rng, long long from, bool after_call, bool medicare_advantage, double lean) {
  if (!rng.chance(after_call ? 0.8 : 0.7)) {
    t.add(EventKind::closed, office_time(rng, from / kDay + rng.between(20, 40)));
    return;
  }
  long long filed = office_time(rng, from / kDay + rng.between(4, 20));
  t.add(EventKind::appeal_filed, filed);
  long long decided = office_time(rng, filed / kDay + rng.between(15, 35));
  std::string appeal = decision(rng, odds(after_call ? 0.5 : 0.48, lean / 2), 0.05);
  nlohmann::json data = {{"decision", appeal}};
  if (appeal != "overturned" && !medicare_advantage) data["external_review_due"] = day_text(decided / kDay + 122);
  t.add(EventKind::appeal_decided, decided, data);
  if (appeal == "overturned" || !rng.chance(medicare_advantage ? 0.9 : 0.4)) {
    t.add(EventKind::closed, office_time(rng, decided / kDay + rng.between(2, 10)));
    return;
  }
  long long review = office_time(rng, decided / kDay + rng.between(10, 50));
  t.add(EventKind::external_review_filed, review);
  long long reviewed = office_time(rng, review / kDay + rng.between(25, 45));
  t.add(EventKind::external_review_decided, reviewed, {{"decision", decision(rng, 0.45, 0.03)}});
  t.add(EventKind::closed, office_time(rng, reviewed / kDay + rng.between(2, 10)));
}

History one_history(Lcg& rng, int index, long long until) {
  char id[32];
  std::snprintf(id, sizeof id, "SYN-%07d", index);
  const Payer& payer = pick(rng, kPayers);
  const Category& category = pick(rng, kCategories);
  const DenialType& type = pick(rng, kDenialTypes);
  const Physician& doctor = kPhysicians[size_t(category.first_physician + rng.below(category.physicians))];
  long long denied = denial_day(rng, until / kDay);
  long long window_end = add_business_days(denied, 3);

  History h;
  CaseRow& r = h.row;
  r.case_id = id;
  r.payer_id = payer.id;
  static const std::array<const char*, 3> kCommercialPlans = {"erisa", "state_regulated", "aca_marketplace"};
  r.plan_type = payer.medicare_advantage ? "medicare_advantage" : kCommercialPlans[size_t(rng.below(3))];
  r.state = payer.id == std::string("bcbs-il") ? "IL" : "TX";
  r.denial_type = type.key;
  r.denial_date = day_text(denied);
  r.service_codes = {category.codes[size_t(rng.below(2))]};
  r.service_category = category.key;
  r.physician = doctor.name;
  r.urgent = rng.chance(0.12);
  r.deadlines = {{"p2p_request", day_text(window_end)},
                 {"internal_appeal", day_text(denied + (payer.medicare_advantage ? 65 : 180))}};
  if (payer.medicare_advantage) r.deadlines["external_review_automatic"] = true;
  else r.deadlines["external_review"] = day_text(denied + 180 + 122);

  Timeline t(id, until);
  long long received = office_time(rng, denied);
  t.add(EventKind::denial_received, received, {}, "denial");
  t.add(EventKind::packet_generated, received + 1800,
        {{"templates", {{"brief", "templates/brief/default.md"}}}, {"documents", {{"brief.pdf", std::string(64, 'a')}}}},
        "packet:synthetic");

  double lean = payer.lean + type.lean + doctor.skill;
  bool december = civil(denied).month == 12 && civil(denied).day >= 15;
  double miss = 0.06 + doctor.busy + (december ? 0.15 : 0) + (type.p2p_fit ? 0 : 0.8);
  if (rng.chance(miss)) {  // the window closes with nothing recorded
    escalate(t, rng, window_end * kDay, false, payer.medicare_advantage, lean);
    h.events = t.take();
    return h;
  }
  long long requested = office_time(rng, add_business_days(denied, rng.below(3)));
  t.add(EventKind::p2p_requested, requested);
  long long call_day = add_business_days(requested / kDay, rng.between(1, 2));
  long long call = office_time(rng, call_day);
  t.add(EventKind::p2p_scheduled, requested + 3600, {{"scheduled", time_text(call)}});
  if (rng.chance(0.04)) {  // the call never took place: the case waits on someone
    h.events = t.take();
    return h;
  }
  std::string disposition = rng.chance(0.03) ? "deferred" : decision(rng, odds(category.base, lean), 0.08);
  t.add(EventKind::call_held, call, {{"disposition", disposition}, {"duration_minutes", rng.between(8, 30)}});
  if (disposition == "overturned") t.add(EventKind::closed, office_time(rng, call_day + rng.between(2, 7)));
  else if (disposition != "deferred") escalate(t, rng, call, true, payer.medicare_advantage, lean);
  h.events = t.take();
  return h;
}

}  // namespace

std::vector<History> histories(int count, unsigned seed, long long until) {
  Lcg rng{seed};
  std::vector<History> out;
  out.reserve(size_t(count > 0 ? count : 0));
  for (int i = 0; i < count; ++i) out.push_back(one_history(rng, i, until));
  return out;
}

Diagnostics store(Ledger& ledger, const std::vector<History>& histories) {
  for (const History& h : histories) {
    if (auto d = ledger.put_case(h.row); !d.empty()) return d;
    for (const Event& e : h.events) {
      auto stored = ledger.append(e);
      if (!stored.is_ok()) return stored.diagnostics();
    }
  }
  return {};
}

}  // namespace p2p::synthetic
