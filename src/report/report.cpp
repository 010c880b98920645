// The report's figures (report.h). One read of the ledger (denied_between),
// one pass over the cases, then the groups, months and the review list.
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

// What one case did, from its events (ledger.h, DeniedCase). The newest
// event of each kind counts, as in the work queue.
struct CaseFacts {
  bool requested = false, held = false;
  std::string disposition;         // the newest call's
  long long first_call_at = 0;
  long long first_request_at = 0;  // the earliest request, schedule or call: the window was used
  bool appeal_filed = false, external_filed = false;
  std::string appeal_decision, external_decision;
  CaseProgress progress;           // for the work queue's judgement of deadlines (queue.h)
};

bool is_decision(const std::string& d) { return d == "overturned" || d == "modified" || d == "upheld"; }

int stage_of(EventKind k) {
  switch (k) {
    case EventKind::p2p_requested: return 1;
    case EventKind::p2p_scheduled: return 2;
    case EventKind::call_held: return 3;
    case EventKind::appeal_filed: return 4;
    case EventKind::appeal_decided: return 5;
    case EventKind::external_review_filed: return 6;
    case EventKind::external_review_decided: return 7;
    default: return 0;
  }
}

// The same digest the ledger's trigger keeps (schema migration 2), from the
// events read for the report, so the queue's rules judge what is overdue.
CaseProgress progress_of(const DeniedCase& c) {
  CaseProgress p;
  p.case_id = c.row.case_id;
  p.payer_id = c.row.payer_id;
  p.physician = c.row.physician;
  p.service_category = c.row.service_category;
  p.service_codes = c.row.service_codes;
  p.urgent = c.row.urgent;
  p.p2p_request = c.p2p_request;
  p.internal_appeal = c.internal_appeal;
  p.external_review = c.external_review;
  p.external_review_automatic = c.external_review_automatic;
  for (const DeniedEvent& e : c.events) {
    p.last_id = e.id;
    p.stage = std::max(p.stage, stage_of(e.kind));
    switch (e.kind) {
      case EventKind::closed: p.closed_id = e.id; break;
      case EventKind::p2p_requested: p.requested_at = e.at; break;
      case EventKind::p2p_scheduled: p.scheduled_at = e.at; p.scheduled = e.scheduled; break;
      case EventKind::call_held: p.call_at = e.at; p.disposition = e.outcome; break;
      case EventKind::appeal_filed: p.appeal_filed_at = e.at; break;
      case EventKind::appeal_decided: p.appeal_decision = e.outcome; p.external_review_due = e.external_review_due; break;
      case EventKind::external_review_decided: p.external_decision = e.outcome; break;
      case EventKind::packet_generated: p.packet_recorded_at = e.recorded_at; break;
      default: break;
    }
  }
  return p;
}

CaseFacts facts_of(const DeniedCase& c) {
  CaseFacts f;
  for (const DeniedEvent& e : c.events) {
    switch (e.kind) {
      case EventKind::p2p_requested:
      case EventKind::p2p_scheduled:
      case EventKind::call_held:
        f.requested = true;
        if (!f.first_request_at || e.at < f.first_request_at) f.first_request_at = e.at;
        if (e.kind == EventKind::call_held) {
          f.held = true;
          f.disposition = e.outcome;
          if (!f.first_call_at || e.at < f.first_call_at) f.first_call_at = e.at;
        }
        break;
      case EventKind::appeal_filed: f.appeal_filed = true; break;
      case EventKind::appeal_decided: f.appeal_filed = true; f.appeal_decision = e.outcome; break;
      case EventKind::external_review_filed: f.external_filed = true; break;
      case EventKind::external_review_decided: f.external_filed = true; f.external_decision = e.outcome; break;
      default: break;
    }
  }
  f.progress = progress_of(c);
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
bool window_missed(const DeniedCase& c, const CaseFacts& f, long long now) {
  auto last = day_number(c.p2p_request);
  if (!last) return false;
  long long end = (*last + 1) * kDay;  // a day deadline ends when the day ends (UTC)
  if (now < end) return false;
  return !f.requested || f.first_request_at >= end;
}

// One group's tallies while the cases are read.
struct Tally {
  int cases = 0, held = 0, overturned = 0, modified = 0, upheld = 0;
  void add(const CaseFacts& f) {
    ++cases;
    if (!f.held) return;
    ++held;
    if (f.disposition == "overturned") ++overturned;
    else if (f.disposition == "modified") ++modified;
    else if (f.disposition == "upheld") ++upheld;
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
std::vector<ReviewItem> review_of(const std::vector<DeniedCase>& cases, const std::vector<CaseFacts>& facts,
                                  const std::vector<bool>& missed, long long now) {
  std::vector<ReviewItem> out;
  std::vector<CaseProgress> open;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (missed[i])
      out.push_back({cases[i].row.case_id, "p2p_request", step_label("p2p_request"), cases[i].p2p_request, true,
                     cases[i].row.payer_id, cases[i].row.physician});
    open.push_back(facts[i].progress);
  }
  for (const QueueEntry& q : build_queue(open, now))
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
  const std::vector<DeniedCase>& cases = read.value();
  const ReportKnowledge& k = options.knowledge;

  Report report;
  report.options = options;
  ReportSummary& s = report.summary;
  Tallies by_payer, by_type, by_category, by_physician;
  std::map<std::string, MonthPoint> months;
  for (const std::string& m : months_between(options.from, options.to)) months[m].month = m;
  std::vector<CaseFacts> facts;
  std::vector<bool> missed;
  std::vector<long long> days_to_call;
  facts.reserve(cases.size());
  missed.reserve(cases.size());
  for (const DeniedCase& c : cases) {
    CaseFacts f = facts_of(c);
    ++s.cases;
    s.p2p_requested += f.requested;
    if (f.held) {
      ++s.p2p_held;
      s.overturned += f.disposition == "overturned";
      s.modified += f.disposition == "modified";
      s.upheld += f.disposition == "upheld";
      if (auto denied = day_number(c.row.denial_date)) days_to_call.push_back(f.first_call_at / kDay - *denied);
    }
    s.appeals_filed += f.appeal_filed;
    s.appeals_decided += is_decision(f.appeal_decision);
    s.appeals_overturned += f.appeal_decision == "overturned";
    s.external_filed += f.external_filed;
    s.external_decided += is_decision(f.external_decision);
    s.external_overturned += f.external_decision == "overturned";
    bool window = window_missed(c, f, options.now);
    s.windows_missed += window;
    by_payer[c.row.payer_id].add(f);
    by_type[c.row.denial_type].add(f);
    by_category[c.row.service_category].add(f);
    by_physician[c.row.physician].add(f);
    if (auto m = months.find(c.row.denial_date.substr(0, 7)); m != months.end()) {
      ++m->second.denials;
      if (f.held && is_decision(f.disposition)) {
        ++m->second.decided;
        m->second.overturned += f.disposition == "overturned";
      }
    }
    facts.push_back(std::move(f));
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
  report.review = review_of(cases, facts, missed, options.now);
  return Result<Report>::ok(std::move(report));
}

}  // namespace p2p
