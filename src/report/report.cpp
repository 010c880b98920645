// The report's figures (report.h). One read of the ledger (denied_between:
// each case's row fields and the digest of its events), one pass over the
// cases, then the groups, months and the review list.
#include "report/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "ledger/queue.h"

namespace p2p {

namespace {

constexpr long long kDay = 86400;
constexpr double kZ = 1.959964;  // the 97.5th percentile of the normal distribution: a 95 % interval

bool is_decision(const std::string& d) { return d == "overturned" || d == "modified" || d == "upheld"; }

// What one case did, from the digest of its events (ledger.h, CaseProgress:
// the newest event of each kind, as the work queue counts them).
struct CaseFacts {
  bool requested = false, held = false, appeal_filed = false, external_filed = false;
  long long first_request_at = 0;  // the earliest of the newest request, schedule and call: the window was used then
};

CaseFacts facts_of(const CaseProgress& p) {
  CaseFacts f;
  for (long long t : {p.requested_at, p.scheduled_at, p.call_at})
    if (t && (!f.first_request_at || t < f.first_request_at)) f.first_request_at = t;
  f.requested = f.first_request_at != 0;
  f.held = p.call_at != 0;
  f.appeal_filed = p.appeal_filed_at != 0 || !p.appeal_decision.empty();
  f.external_filed = p.stage >= 6 || !p.external_decision.empty();
  return f;
}

// "2026-07-14" -> its day number, when it is a real day.
std::optional<long long> day_number(const std::string& text) {
  if (text.size() != 10) return std::nullopt;
  auto t = parse_time_point(text);
  if (!t) return std::nullopt;
  return *t / kDay;
}

// The P2P request window closed (as of `now`) before anything used it.
bool window_missed(const CaseProgress& p, const CaseFacts& f, long long now) {
  auto last = day_number(p.p2p_request);
  if (!last) return false;
  long long end = (*last + 1) * kDay;  // a day deadline ends when the day ends (UTC)
  if (now < end) return false;
  return !f.requested || f.first_request_at >= end;
}

// One group's tallies while the cases are read.
struct Tally {
  int cases = 0, held = 0, overturned = 0, modified = 0, upheld = 0;
  void add(const CaseProgress& p) {
    ++cases;
    if (!p.call_at) return;
    ++held;
    if (p.disposition == "overturned") ++overturned;
    else if (p.disposition == "modified") ++modified;
    else if (p.disposition == "upheld") ++upheld;
  }
  int decided() const { return overturned + modified + upheld; }
};

using Tallies = std::unordered_map<std::string, Tally>;

std::string label_of(const std::map<std::string, std::string>& labels, const std::string& key) {
  if (key.empty()) return "Not recorded";
  auto it = labels.find(key);
  return it == labels.end() ? key : it->second;
}

// Shown rates high to low (ties: more decided calls first, then by key),
// then the counts-only groups by cases, most first.
std::vector<GroupRate> groups_of(const Tallies& tallies, const std::map<std::string, std::string>& labels,
                                 const std::map<std::string, Benchmark>* benchmarks, int min_group) {
  std::vector<GroupRate> out;
  for (const auto& entry : tallies) {
    const Tally& t = entry.second;
    GroupRate g;
    g.key = entry.first;
    g.label = label_of(labels, g.key);
    g.cases = t.cases;
    g.calls_held = t.held;
    g.overturned = t.overturned;
    g.modified = t.modified;
    g.upheld = t.upheld;
    g.overturn = wilson(t.overturned, t.decided());
    g.rate_shown = t.decided() > 0 && t.decided() >= min_group;
    if (benchmarks)
      if (auto b = benchmarks->find(g.key); b != benchmarks->end()) g.benchmark = b->second;
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const GroupRate& a, const GroupRate& b) {
    if (a.rate_shown != b.rate_shown) return a.rate_shown;
    if (a.rate_shown && a.overturn.rate != b.overturn.rate) return a.overturn.rate > b.overturn.rate;
    if (a.rate_shown && a.overturn.trials != b.overturn.trials) return a.overturn.trials > b.overturn.trials;
    if (!a.rate_shown && a.cases != b.cases) return a.cases > b.cases;
    return a.key < b.key;
  });
  return out;
}

// The P2P benchmark of the period's case mix: each category's range
// weighted by its decided calls, over the categories that have one.
std::optional<Benchmark> mixed_p2p_benchmark(const std::vector<GroupRate>& categories, int decided_total) {
  double low = 0, high = 0;
  int weight = 0;
  std::string source;
  for (const GroupRate& g : categories) {
    int decided = g.overturned + g.modified + g.upheld;
    if (!g.benchmark || decided == 0) continue;
    low += g.benchmark->low * decided;
    high += g.benchmark->high * decided;
    weight += decided;
    source = g.benchmark->source;
  }
  if (weight == 0) return std::nullopt;
  Benchmark b;
  b.low = low / weight;
  b.high = high / weight;
  b.label = "P2P, this period's category mix (" + std::to_string(weight) + " of " + std::to_string(decided_total) +
            " decided calls in a category with a benchmark)";
  b.source = source;
  return b;
}

std::optional<double> median(std::vector<long long> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? double(v[n / 2]) : (double(v[n / 2 - 1]) + double(v[n / 2])) / 2;
}

std::vector<std::string> months_between(const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  int y = std::stoi(from.substr(0, 4)), m = std::stoi(from.substr(5, 2));
  const std::string last = to.substr(0, 7);
  for (;;) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
    out.push_back(buf);
    if (buf == last) return out;
    if (++m == 13) m = 1, ++y;
  }
}

const char* step_label(const std::string& step) {
  if (step == "p2p_request") return "P2P request window";
  if (step == "scheduled_call") return "Scheduled P2P call";
  if (step == "call_confirmation") return "Written confirmation of the call";
  if (step == "internal_appeal") return "Internal appeal deadline";
  if (step == "external_review") return "External review request deadline";
  return "Deadline";
}

int step_order(const std::string& step) {
  static const char* order[] = {"p2p_request", "scheduled_call", "call_confirmation", "internal_appeal", "external_review"};
  for (int i = 0; i < 5; ++i)
    if (step == order[i]) return i;
  return 5;
}

// Missed windows (every case, open or closed) and the deadlines the work
// queue judges passed (open cases), by step, then due, then case.
std::vector<ReviewItem> review_of(const std::vector<CaseProgress>& cases, const std::vector<bool>& missed, long long now) {
  std::vector<ReviewItem> out;
  for (size_t i = 0; i < cases.size(); ++i) {
    const CaseProgress& p = cases[i];
    if (missed[i]) out.push_back({p.case_id, "p2p_request", step_label("p2p_request"), p.p2p_request, true, p.payer_id, p.physician});
  }
  // within 0 s: only deadlines already passed come back (missed ones included)
  for (const QueueEntry& q : build_queue(cases, now, 0))
    if (q.missed && !q.deadline.empty())
      out.push_back({q.case_id, q.deadline, step_label(q.deadline), q.due, false, q.payer_id, q.physician});
  std::sort(out.begin(), out.end(), [](const ReviewItem& a, const ReviewItem& b) {
    if (step_order(a.step) != step_order(b.step)) return step_order(a.step) < step_order(b.step);
    if (a.due != b.due) return a.due < b.due;
    return a.case_id < b.case_id;
  });
  return out;
}

Diagnostics check_options(const ReportOptions& o) {
  Diagnostics d;
  if (!day_number(o.from)) d.push_back(error_at("/from", "\"" + o.from + "\" is not a date (YYYY-MM-DD)"));
  if (!day_number(o.to)) d.push_back(error_at("/to", "\"" + o.to + "\" is not a date (YYYY-MM-DD)"));
  if (d.empty() && o.from > o.to) d.push_back(error_at("/from", "the period starts (" + o.from + ") after it ends (" + o.to + ")"));
  if (o.min_group < 1) d.push_back(error_at("/min_group", "the minimum group is at least 1 decided call"));
  return d;
}

}  // namespace

Proportion wilson(int successes, int trials) {
  Proportion p;
  p.successes = successes;
  p.trials = trials;
  if (trials <= 0) return p;
  double n = trials, rate = successes / n, z2 = kZ * kZ;
  double denominator = 1 + z2 / n;
  double centre = (rate + z2 / (2 * n)) / denominator;
  double half = kZ * std::sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / denominator;
  p.rate = rate;
  p.low = std::max(0.0, centre - half);
  p.high = std::min(1.0, centre + half);
  return p;
}

Result<Report> build_report(Ledger& ledger, const ReportOptions& options) {
  if (auto d = check_options(options); !d.empty()) return Result<Report>::fail(d);
  auto read = ledger.denied_between(options.from, options.to);
  if (!read.is_ok()) return Result<Report>::fail(read.diagnostics());
  // the digests on their own, for the work queue's judgement of deadlines
  std::vector<DeniedCase> cases = read.take();
  std::vector<CaseProgress> progress;
  progress.reserve(cases.size());
  for (DeniedCase& c : cases) progress.push_back(std::move(c.progress));
  const ReportKnowledge& k = options.knowledge;

  Report report;
  report.options = options;
  ReportSummary& s = report.summary;
  Tallies by_payer, by_type, by_category, by_physician;
  std::map<std::string, MonthPoint> months;
  for (const std::string& m : months_between(options.from, options.to)) months[m].month = m;
  std::vector<bool> missed;
  std::vector<long long> days_to_call;
  missed.reserve(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const DeniedCase& c = cases[i];
    const CaseProgress& p = progress[i];
    CaseFacts f = facts_of(p);
    ++s.cases;
    s.p2p_requested += f.requested;
    if (f.held) {
      ++s.p2p_held;
      s.overturned += p.disposition == "overturned";
      s.modified += p.disposition == "modified";
      s.upheld += p.disposition == "upheld";
      if (auto denied = day_number(c.denial_date)) days_to_call.push_back(p.call_at / kDay - *denied);
    }
    s.appeals_filed += f.appeal_filed;
    s.appeals_decided += is_decision(p.appeal_decision);
    s.appeals_overturned += p.appeal_decision == "overturned";
    s.external_filed += f.external_filed;
    s.external_decided += is_decision(p.external_decision);
    s.external_overturned += p.external_decision == "overturned";
    bool window = window_missed(p, f, options.now);
    s.windows_missed += window;
    by_payer[p.payer_id].add(p);
    by_type[c.denial_type].add(p);
    by_category[p.service_category].add(p);
    by_physician[p.physician].add(p);
    if (auto m = months.find(c.denial_date.substr(0, 7)); m != months.end()) {
      ++m->second.denials;
      if (f.held && is_decision(p.disposition)) {
        ++m->second.decided;
        m->second.overturned += p.disposition == "overturned";
      }
    }
    missed.push_back(window);
  }
  s.p2p_overturn = wilson(s.overturned, s.overturned + s.modified + s.upheld);
  s.appeal_overturn = wilson(s.appeals_overturned, s.appeals_decided);
  s.external_overturn = wilson(s.external_overturned, s.external_decided);
  s.median_days_denial_to_p2p = median(std::move(days_to_call));

  report.by_payer = groups_of(by_payer, k.payer_labels, nullptr, options.min_group);
  report.by_denial_type = groups_of(by_type, k.denial_type_labels, nullptr, options.min_group);
  report.by_category = groups_of(by_category, k.category_labels, &k.p2p_by_category, options.min_group);
  report.by_physician = groups_of(by_physician, {}, nullptr, options.min_group);
  s.p2p_benchmark = mixed_p2p_benchmark(report.by_category, s.p2p_overturn.trials);
  s.appeal_benchmark = k.written_appeal;
  s.appeal_after_p2p_benchmark = k.appeal_after_p2p;
  s.external_benchmark = k.external_review;

  for (auto& entry : months) {
    MonthPoint& m = entry.second;
    if (m.decided > 0 && m.decided >= options.min_group) m.overturn_rate = double(m.overturned) / m.decided;
    report.monthly.push_back(std::move(m));
  }
  report.review = review_of(progress, missed, options.now);
  return Result<Report>::ok(std::move(report));
}

}  // namespace p2p
