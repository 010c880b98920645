// Synthetic cases aggregated into a Report (sample_report.h). The random
// numbers come straight from mt19937 (its sequence is fixed by the standard;
// the <random> distributions are not), so every platform draws the same.
#include "report/sample_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace p2p {

Proportion sample_wilson(int successes, int trials) {
  Proportion p;
  p.successes = successes;
  p.trials = trials;
  if (trials <= 0) return p;
  const double z = 1.959964, n = trials;
  double phat = successes / n;
  double denom = 1 + z * z / n;
  double centre = (phat + z * z / (2 * n)) / denom;
  double half = z * std::sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom;
  p.rate = phat;
  p.low = std::max(0.0, centre - half);
  p.high = std::min(1.0, centre + half);
  return p;
}

namespace {

struct Choice {
  const char* key;
  const char* label;
  double weight;  // share of cases
  double lift;    // added to the chance of an overturn
};

const Choice kPayers[] = {
    {"uhc", "UnitedHealthcare", 0.24, -0.12},       {"bcbs", "Empire BlueCross BlueShield", 0.18, 0.0},
    {"aetna", "Aetna", 0.14, 0.12},                 {"cigna", "Cigna", 0.13, 0.05},
    {"humana", "Humana", 0.11, -0.15},              {"emblem", "EmblemHealth", 0.07, -0.05},
    {"oscar", "Oscar Health", 0.012, 0.0},          {"mvp", "MVP Health Care", 0.008, 0.0},
    {"fidelis", "Fidelis Care", 0.02, 0.02},        {"healthfirst", "Healthfirst", 0.02, -0.02},
    {"wellcare", "WellCare", 0.01, 0.0},            {"molina", "Molina Healthcare", 0.01, 0.0},
    {"anthem", "Anthem Blue Cross", 0.01, 0.03},    {"excellus", "Excellus BlueCross BlueShield", 0.01, 0.0},
    {"highmark", "Highmark", 0.01, 0.0},            {"kaiser", "Kaiser Permanente", 0.01, 0.0},
    {"tricare", "TRICARE East (Humana Military)", 0.01, 0.0}, {"medicaid", "NY Medicaid managed care", 0.01, -0.05},
    {"centene", "Ambetter (Centene)", 0.01, 0.0},   {"amerigroup", "Amerigroup", 0.01, 0.0},
    {"bright", "Bright Health", 0.01, 0.0},         {"clover", "Clover Health", 0.01, 0.0},
    {"devoted", "Devoted Health", 0.01, 0.0},       {"alignment", "Alignment Health Plan", 0.01, 0.0},
};
const Choice kDenialTypes[] = {
    {"medical_necessity", "Medical necessity", 0.42, 0.05},
    {"insufficient_documentation", "Insufficient documentation", 0.2, 0.15},
    {"conservative_care", "Conservative care not completed", 0.16, -0.12},
    {"experimental", "Experimental or investigational", 0.06, -0.3},
    {"site_of_service", "Site of service", 0.06, 0.05},
    {"out_of_network", "Out of network", 0.02, -0.1},
    {"coding", "Coding or billing", 0.02, 0.0},
};
struct Category {
  const char* key;
  const char* label;
  double weight, lift, low, high;  // the published range (domain.md's overturn benchmarks)
};
const Category kCategories[] = {
    {"advanced_imaging", "Advanced imaging", 0.36, 0.08, 0.60, 0.75},
    {"spine_surgery", "Spine surgery", 0.24, 0.0, 0.55, 0.70},
    {"biologics", "Biologics", 0.15, -0.02, 0.50, 0.65},
    {"joint_replacement", "Joint replacement", 0.12, -0.08, 0.45, 0.60},
    {"neurostimulation", "Neurostimulation", 0.1, -0.14, 0.40, 0.55},
    {"oncology_targeted", "Oncology targeted therapy", 0.03, 0.0, 0.55, 0.70},
};
const char* kPhysicians[] = {
    "Dr. Adaeze Okafor",  "Dr. Martin Lindqvist", "Dr. Priya Raman",     "Dr. Samuel Weiss",  "Dr. Elena Sokolova",
    "Dr. James O'Neill",  "Dr. Hana Kobayashi",   "Dr. Luis Fernández",  "Dr. Grace Mbeki",   "Dr. Tomasz Nowak",
    "Dr. Aisha Rahman",   "Dr. Peter Hansen",     "Dr. Maria Rossi",     "Dr. Daniel Cohen",  "Dr. Ingrid Berg",
};

// Past the named ones, physicians are numbered (the 60-group layout tests).
std::string physician_label(int i) {
  return i < static_cast<int>(std::size(kPhysicians)) ? kPhysicians[i] : "Dr. Physician " + std::to_string(i + 1);
}

struct Draw {
  std::mt19937 gen;
  double uniform() { return gen() / 4294967296.0; }
  template <typename T, size_t N>
  int pick(const T (&items)[N], size_t count) {
    double total = 0;
    for (size_t i = 0; i < count; ++i) total += items[i].weight;
    double u = uniform() * total;
    for (size_t i = 0; i < count; ++i)
      if ((u -= items[i].weight) < 0) return static_cast<int>(i);
    return static_cast<int>(count - 1);
  }
};

enum class Outcome { none, overturned, modified, upheld, deferred };

struct SampleCase {
  int payer = 0, type = 0, category = 0, physician = 0, month = 0;
  bool requested = false, held = false, missed = false;
  Outcome outcome = Outcome::none;
  int days_to_call = 0;
  bool appealed = false, appeal_decided = false, appeal_overturned = false;
  bool external = false, external_decided = false, external_overturned = false;
};

// Cases spread over the months with a seasonal swing (more denials in
// January, when deductibles and plan rules reset; fewer in late summer).
int month_of_case(Draw& d, const SampleShape& shape, int index) {
  int base = index * shape.months / std::max(1, shape.cases);
  double u = d.uniform();
  int calendar = (2026 * 12 + 5 - (shape.months - 1) + base) % 12;  // 0 = January
  if (calendar == 7 && u < 0.25 && base + 1 < shape.months) return base + 1;  // August gives to September
  if (calendar == 11 && u < 0.3 && base + 1 < shape.months) return base + 1;  // December gives to January
  return base;
}

SampleCase draw_case(Draw& d, const SampleShape& shape, int index) {
  SampleCase c;
  c.payer = d.pick(kPayers, std::min<size_t>(shape.payers, std::size(kPayers)));
  c.type = d.pick(kDenialTypes, std::size(kDenialTypes));
  c.category = d.pick(kCategories, std::size(kCategories));
  c.physician = static_cast<int>(d.uniform() * std::max(1, shape.physicians));
  c.month = month_of_case(d, shape, index);
  c.requested = d.uniform() < 0.74;
  c.missed = !c.requested && d.uniform() < 0.05;
  c.held = c.requested && d.uniform() < 0.9;
  if (!c.held) return c;
  c.days_to_call = 1 + static_cast<int>(d.uniform() * 6);
  double skill = (c.physician % 5 - 2) * 0.06;  // some physicians win their calls more often
  double p = 0.56 + kPayers[c.payer].lift + kDenialTypes[c.type].lift + kCategories[c.category].lift + skill;
  double u = d.uniform();
  c.outcome = u < 0.03 ? Outcome::deferred : u < 0.03 + p ? Outcome::overturned : u < 0.13 + p ? Outcome::modified
                                                                                               : Outcome::upheld;
  if (c.outcome == Outcome::upheld && d.uniform() < 0.6) {
    c.appealed = true;
    c.appeal_decided = d.uniform() < 0.8;
    c.appeal_overturned = c.appeal_decided && d.uniform() < 0.47;
    if (c.appeal_decided && !c.appeal_overturned && d.uniform() < 0.45) {
      c.external = true;
      c.external_decided = d.uniform() < 0.7;
      c.external_overturned = c.external_decided && d.uniform() < 0.42;
    }
  }
  return c;
}

void count_into(GroupRate& g, const SampleCase& c) {
  ++g.cases;
  if (c.held) ++g.calls_held;
  if (c.outcome == Outcome::overturned) ++g.overturned;
  if (c.outcome == Outcome::modified) ++g.modified;
  if (c.outcome == Outcome::upheld) ++g.upheld;
}

// Rates, intervals and the report.h order: shown rates high to low, then counts only.
std::vector<GroupRate> finish(std::map<std::string, GroupRate> groups, int min_group) {
  std::vector<GroupRate> out;
  for (auto& entry : groups) {
    GroupRate g = entry.second;
    g.overturn = sample_wilson(g.overturned, g.overturned + g.modified + g.upheld);
    g.rate_shown = g.overturn.trials >= min_group;
    out.push_back(g);
  }
  std::stable_sort(out.begin(), out.end(), [](const GroupRate& a, const GroupRate& b) {
    if (a.rate_shown != b.rate_shown) return a.rate_shown;
    if (a.rate_shown && a.overturn.rate != b.overturn.rate) return a.overturn.rate > b.overturn.rate;
    return a.overturn.trials > b.overturn.trials;
  });
  return out;
}

GroupRate& group(std::map<std::string, GroupRate>& groups, const std::string& key, const std::string& label) {
  GroupRate& g = groups[key];
  g.key = key;
  g.label = label;
  return g;
}

std::string month_of(int index, int months) {
  int m = 2026 * 12 + 5 - (months - 1) + index;  // the last month is 2026-06
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", m / 12, m % 12 + 1);
  return buf;
}

Benchmark benchmark(double low, double high, std::string label) {
  return Benchmark{low, high, std::move(label), "domain.md overturn benchmarks (sample)"};
}

std::vector<ReviewItem> review_of(const std::vector<SampleCase>& cases, const SampleShape& shape) {
  std::vector<ReviewItem> missed, appeals;
  for (size_t i = 0; i < cases.size(); ++i) {
    const SampleCase& c = cases[i];
    char id[24];
    std::snprintf(id, sizeof id, "RSP-2026-%05zu", 100 + i);
    std::string due = month_of(c.month, shape.months) + "-" + (i % 2 ? "14" : "27");
    if (c.missed) missed.push_back({id, "p2p_request", "P2P request window", due, true, kPayers[c.payer].key,
                                    physician_label(c.physician)});
    else if (c.appealed && !c.appeal_decided && i % 3 == 0)
      appeals.push_back({id, "internal_appeal", "Internal appeal deadline", due, false, kPayers[c.payer].key,
                         physician_label(c.physician)});
  }
  std::vector<ReviewItem> out = missed;
  out.insert(out.end(), appeals.begin(), appeals.end());
  if (shape.review_items >= 0) {
    out.resize(std::min<size_t>(out.size(), shape.review_items));
    for (int i = static_cast<int>(out.size()); i < shape.review_items; ++i)
      out.push_back({"RSP-2026-9" + std::to_string(1000 + i), "external_review", "External review request",
                     "2026-06-" + std::to_string(10 + i % 19), false, "uhc", physician_label(0)});
  }
  std::stable_sort(out.begin(), out.end(), [](const ReviewItem& a, const ReviewItem& b) {
    return a.step != b.step ? a.step > b.step : a.due < b.due;  // p2p_request first
  });
  return out;
}

}  // namespace

Report sample_report(const SampleShape& shape) {
  Draw d{std::mt19937(shape.seed)};
  std::vector<SampleCase> cases;
  for (int i = 0; i < shape.cases; ++i) cases.push_back(draw_case(d, shape, i));

  Report r;
  r.options.from = month_of(0, shape.months) + "-01";
  r.options.to = "2026-06-30";
  r.options.min_group = shape.min_group;
  ReportSummary& s = r.summary;
  std::map<std::string, GroupRate> payers, types, categories, physicians;
  std::vector<MonthPoint> months(shape.months);
  std::vector<int> waits;
  for (const SampleCase& c : cases) {
    ++s.cases;
    s.p2p_requested += c.requested;
    s.p2p_held += c.held;
    s.windows_missed += c.missed;
    s.overturned += c.outcome == Outcome::overturned;
    s.modified += c.outcome == Outcome::modified;
    s.upheld += c.outcome == Outcome::upheld;
    s.appeals_filed += c.appealed, s.appeals_decided += c.appeal_decided, s.appeals_overturned += c.appeal_overturned;
    s.external_filed += c.external, s.external_decided += c.external_decided;
    s.external_overturned += c.external_overturned;
    if (c.held) waits.push_back(c.days_to_call);
    count_into(group(payers, kPayers[c.payer].key, kPayers[c.payer].label), c);
    count_into(group(types, kDenialTypes[c.type].key, kDenialTypes[c.type].label), c);
    const Category& cat = kCategories[c.category];
    GroupRate& g = group(categories, cat.key, cat.label);
    g.benchmark = benchmark(cat.low, cat.high, std::string("P2P, ") + cat.label);
    count_into(g, c);
    count_into(group(physicians, "dr" + std::to_string(c.physician), physician_label(c.physician)), c);
    MonthPoint& m = months[c.month];
    ++m.denials;
    bool decided = c.outcome == Outcome::overturned || c.outcome == Outcome::modified || c.outcome == Outcome::upheld;
    m.decided += decided;
    m.overturned += c.outcome == Outcome::overturned;
  }
  s.p2p_overturn = sample_wilson(s.overturned, s.overturned + s.modified + s.upheld);
  s.appeal_overturn = sample_wilson(s.appeals_overturned, s.appeals_decided);
  s.external_overturn = sample_wilson(s.external_overturned, s.external_decided);
  if (!waits.empty()) {
    std::sort(waits.begin(), waits.end());
    size_t n = waits.size();
    s.median_days_denial_to_p2p = n % 2 ? waits[n / 2] : (waits[n / 2 - 1] + waits[n / 2]) / 2.0;
  }
  s.p2p_benchmark = benchmark(0.55, 0.75, "P2P, prepared physician");
  s.appeal_benchmark = benchmark(0.40, 0.60, "Written appeals");
  s.appeal_after_p2p_benchmark = benchmark(0.45, 0.55, "Internal appeal after a P2P");
  s.external_benchmark = benchmark(0.40, 0.50, "External review");
  for (int i = 0; i < shape.months; ++i) {
    MonthPoint& m = months[i];
    m.month = month_of(i, shape.months);
    if (m.decided >= shape.min_group) m.overturn_rate = static_cast<double>(m.overturned) / m.decided;
  }
  r.monthly = months;
  r.by_payer = finish(payers, shape.min_group);
  r.by_denial_type = finish(types, shape.min_group);
  r.by_category = finish(categories, shape.min_group);
  r.by_physician = finish(physicians, shape.min_group);
  r.review = review_of(cases, shape);
  return r;
}

}  // namespace p2p
