// The report as JSON and CSV (report.h, report_json / report_csv).
#include <array>
#include <cmath>
#include <string_view>
#include <cstdio>
#include <ctime>

#include "report/report.h"

namespace p2p {

using nlohmann::json;

namespace {

double round4(double x) { return std::round(x * 10000) / 10000; }

std::string iso_time(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json benchmark_json(const std::optional<Benchmark>& b) {
  if (!b) return nullptr;
  return {{"label", b->label}, {"low", round4(b->low)}, {"high", round4(b->high)}, {"source", b->source}};
}

// A rate with its interval, or nulls when it is not to be shown.
json proportion_json(const Proportion& p, bool shown) {
  bool has = shown && p.trials > 0;
  return {{"successes", p.successes},
          {"trials", p.trials},
          {"rate", has ? json(round4(p.rate)) : json(nullptr)},
          {"low", has ? json(round4(p.low)) : json(nullptr)},
          {"high", has ? json(round4(p.high)) : json(nullptr)}};
}

json group_json(const GroupRate& g) {
  return {{"key", g.key},
          {"label", g.label},
          {"cases", g.cases},
          {"calls_held", g.calls_held},
          {"overturned", g.overturned},
          {"modified", g.modified},
          {"upheld", g.upheld},
          {"rate_shown", g.rate_shown},
          {"overturn", proportion_json(g.overturn, g.rate_shown)},
          {"benchmark", benchmark_json(g.benchmark)}};
}

json groups_json(const std::vector<GroupRate>& groups) {
  json out = json::array();
  for (const GroupRate& g : groups) out.push_back(group_json(g));
  return out;
}

// CSV ------------------------------------------------------------------

constexpr const char* kColumns[] = {"table", "key", "label", "value", "cases", "calls_held", "overturned", "modified",
                                    "upheld", "decided", "rate_shown", "overturn_rate", "ci_low", "ci_high",
                                    "benchmark_low", "benchmark_high", "step", "due", "missed_window", "payer_id",
                                    "physician"};
constexpr size_t kColumnCount = sizeof kColumns / sizeof kColumns[0];

std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", round4(x));
  return buf;
}

// One CSV row, filled by column name.
struct Row {
  std::array<std::string, kColumnCount> cells;
  Row& set(std::string_view column, const std::string& value) {
    for (size_t i = 0; i < kColumnCount; ++i)
      if (column == kColumns[i]) cells[i] = value;
    return *this;
  }
  Row& set(std::string_view column, const char* value) { return set(column, std::string(value)); }
  Row& set(std::string_view column, int value) { return set(column, std::to_string(value)); }
  std::string line() const {
    std::string out;
    for (size_t i = 0; i < kColumnCount; ++i) {
      if (i) out += ",";
      out += field(cells[i]);
    }
    return out + "\n";
  }
};

Row& rate_cells(Row& r, const Proportion& p, bool shown) {
  bool has = shown && p.trials > 0;
  r.set("decided", p.trials).set("rate_shown", has ? "true" : "false");
  if (has) r.set("overturn_rate", number(p.rate)).set("ci_low", number(p.low)).set("ci_high", number(p.high));
  return r;
}

Row& benchmark_cells(Row& r, const std::optional<Benchmark>& b) {
  if (b) r.set("benchmark_low", number(b->low)).set("benchmark_high", number(b->high));
  return r;
}

std::string summary_csv(const ReportSummary& s) {
  std::string out;
  Row p2p;
  p2p.set("table", "summary").set("key", "p2p").set("label", "P2P calls").set("cases", s.cases);
  p2p.set("calls_held", s.p2p_held).set("overturned", s.overturned).set("modified", s.modified).set("upheld", s.upheld);
  out += benchmark_cells(rate_cells(p2p, s.p2p_overturn, true), s.p2p_benchmark).line();
  Row appeal;
  appeal.set("table", "summary").set("key", "written_appeal").set("label", "Written appeals").set("value", s.appeals_filed);
  appeal.set("overturned", s.appeals_overturned);
  out += benchmark_cells(rate_cells(appeal, s.appeal_overturn, true), s.appeal_benchmark).line();
  Row external;
  external.set("table", "summary").set("key", "external_review").set("label", "External reviews").set("value", s.external_filed);
  external.set("overturned", s.external_overturned);
  out += benchmark_cells(rate_cells(external, s.external_overturn, true), s.external_benchmark).line();
  out += Row().set("table", "summary").set("key", "p2p_requested").set("label", "P2P requested").set("value", s.p2p_requested).line();
  out += Row().set("table", "summary").set("key", "windows_missed").set("label", "P2P request windows missed").set("value", s.windows_missed).line();
  Row days;
  days.set("table", "summary").set("key", "median_days_denial_to_p2p").set("label", "Median days from denial to P2P");
  if (s.median_days_denial_to_p2p) days.set("value", number(*s.median_days_denial_to_p2p));
  out += days.line();
  return out;
}

std::string groups_csv(const char* table, const std::vector<GroupRate>& groups) {
  std::string out;
  for (const GroupRate& g : groups) {
    Row r;
    r.set("table", table).set("key", g.key).set("label", g.label).set("cases", g.cases).set("calls_held", g.calls_held);
    r.set("overturned", g.overturned).set("modified", g.modified).set("upheld", g.upheld);
    out += benchmark_cells(rate_cells(r, g.overturn, g.rate_shown), g.benchmark).line();
  }
  return out;
}

}  // namespace

json report_json(const Report& report) {
  const ReportSummary& s = report.summary;
  json summary = {
      {"cases", s.cases},
      {"p2p_requested", s.p2p_requested},
      {"p2p_held", s.p2p_held},
      {"overturned", s.overturned},
      {"modified", s.modified},
      {"upheld", s.upheld},
      {"p2p_overturn", proportion_json(s.p2p_overturn, true)},
      {"appeals_filed", s.appeals_filed},
      {"appeals_decided", s.appeals_decided},
      {"appeals_overturned", s.appeals_overturned},
      {"appeal_overturn", proportion_json(s.appeal_overturn, true)},
      {"external_filed", s.external_filed},
      {"external_decided", s.external_decided},
      {"external_overturned", s.external_overturned},
      {"external_overturn", proportion_json(s.external_overturn, true)},
      {"windows_missed", s.windows_missed},
      {"median_days_denial_to_p2p", s.median_days_denial_to_p2p ? json(round4(*s.median_days_denial_to_p2p)) : json(nullptr)},
      {"benchmarks",
       {{"p2p", benchmark_json(s.p2p_benchmark)},
        {"written_appeal", benchmark_json(s.appeal_benchmark)},
        {"appeal_after_p2p", benchmark_json(s.appeal_after_p2p_benchmark)},
        {"external_review", benchmark_json(s.external_benchmark)}}}};
  json monthly = json::array();
  for (const MonthPoint& m : report.monthly)
    monthly.push_back({{"month", m.month},
                       {"denials", m.denials},
                       {"decided", m.decided},
                       {"overturned", m.overturned},
                       {"overturn_rate", m.overturn_rate ? json(round4(*m.overturn_rate)) : json(nullptr)}});
  json review = json::array();
  for (const ReviewItem& r : report.review)
    review.push_back({{"case_id", r.case_id},
                      {"step", r.step},
                      {"step_label", r.step_label},
                      {"due", r.due},
                      {"missed_window", r.missed_window},
                      {"payer_id", r.payer_id},
                      {"physician", r.physician}});
  const ReportOptions& o = report.options;
  return {{"format", "p2pdoc-report/1"},
          {"period", {{"from", o.from}, {"to", o.to}}},
          {"as_of", iso_time(o.now)},
          {"min_group", o.min_group},
          {"summary", summary},
          {"groups",
           {{"payer", groups_json(report.by_payer)},
            {"denial_type", groups_json(report.by_denial_type)},
            {"service_category", groups_json(report.by_category)},
            {"physician", groups_json(report.by_physician)}}},
          {"monthly", monthly},
          {"review", review},
          {"notes",
           {"An overturn rate is overturned / decided P2P calls (overturned + modified + upheld); modified calls are "
            "counted on their own, not as overturns.",
            "A group or month with fewer than " + std::to_string(o.min_group) +
                " decided calls shows its counts only: a rate from so few calls says more about chance than about "
                "the payer, denial type, category or physician.",
            "Intervals are 95 % Wilson score intervals. Cases are selected by denial date."}}};
}

std::string report_csv(const Report& report) {
  std::string out;
  for (size_t i = 0; i < kColumnCount; ++i) out += std::string(i ? "," : "") + kColumns[i];
  out += "\n";
  out += summary_csv(report.summary);
  out += groups_csv("payer", report.by_payer);
  out += groups_csv("denial_type", report.by_denial_type);
  out += groups_csv("service_category", report.by_category);
  out += groups_csv("physician", report.by_physician);
  for (const MonthPoint& m : report.monthly) {
    Row r;
    r.set("table", "monthly").set("key", m.month).set("cases", m.denials).set("decided", m.decided);
    r.set("overturned", m.overturned).set("rate_shown", m.overturn_rate ? "true" : "false");
    if (m.overturn_rate) r.set("overturn_rate", number(*m.overturn_rate));
    out += r.line();
  }
  for (const ReviewItem& i : report.review) {
    Row r;
    r.set("table", "review").set("key", i.case_id).set("label", i.step_label).set("step", i.step).set("due", i.due);
    r.set("missed_window", i.missed_window ? "true" : "false").set("payer_id", i.payer_id).set("physician", i.physician);
    out += r.line();
  }
  return out;
}

}  // namespace p2p
