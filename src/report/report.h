// Report: what the practice's record says works (issue 11, docs/report.md).
// Beside the pipeline like the ledger: `p2pdoc report` reads a Ledger, this
// module turns its rows and events into a Report (pure figures, no layout),
// and report_document.h turns a Report into pages for the PDF stage.
//
// Contract:
// - build_report() reads only through ledger.h; it never writes. The period
//   [from, to] (both "YYYY-MM-DD", inclusive) selects cases by denial date.
// - Every figure is a count of cases or events the ledger holds; rates are
//   computed here, once, so the PDF, CSV and JSON forms agree to the digit.
// - An overturn rate is overturned / decided P2P calls (decided = overturned +
//   modified + upheld; a call with another disposition, e.g. "deferred", is
//   held but not decided). Modified calls are counted and shown on their own,
//   never folded into the rate.
// - A group with fewer decided calls than `min_group` gets no rate (rate_shown
//   false): only its counts are shown, and the report says why.
// - Intervals are Wilson score intervals at 95 % (z = 1.959964).
// - Benchmarks come from templates/knowledge (each with its source), never
//   from code; a group without one has none.
// - Nothing here throws across the header; messages carry no patient data.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "ledger/ledger.h"

namespace p2p {

// A published range to compare against ("P2P with a prepared physician,
// advanced imaging 60-75 %"), as fractions, with where it comes from.
struct Benchmark {
  double low = 0, high = 0;
  std::string label;        // "P2P, advanced imaging"
  std::string source;       // the public source, as templates/knowledge gives it
};

// What the report takes from templates/knowledge: labels for the ledger's
// keys and the benchmarks (benchmarks.json). Empty: keys are their own
// labels and nothing has a benchmark.
struct ReportKnowledge {
  std::map<std::string, std::string> payer_labels;        // payers/<id>.json "name"
  std::map<std::string, std::string> denial_type_labels;  // denial_types.json
  std::map<std::string, std::string> category_labels;     // service_categories.json (when present)
  std::map<std::string, Benchmark> p2p_by_category;       // benchmarks.json p2p_by_category
  std::optional<Benchmark> written_appeal, appeal_after_p2p, external_review;
};

// Reads templates/knowledge under `knowledge_dir`. A missing
// service_categories.json is not an error (categories show their keys);
// a missing or malformed benchmarks.json, denial_types.json or payer file is.
Result<ReportKnowledge> load_report_knowledge(const std::string& knowledge_dir);

struct ReportOptions {
  std::string from, to;     // "YYYY-MM-DD", inclusive, by denial date
  int min_group = 10;       // fewer decided calls than this: counts only, no rate
  long long now = 0;        // Unix seconds; "past a deadline" is judged against it
  ReportKnowledge knowledge;
};

// Overturns out of decided calls, with the Wilson interval.
struct Proportion {
  int successes = 0, trials = 0;
  double rate = 0, low = 0, high = 0;  // fractions in [0, 1]; 0 when trials == 0
};

Proportion wilson(int successes, int trials);

// One bar of a "by payer / denial type / category / physician" chart.
struct GroupRate {
  std::string key;          // the ledger's value ("uhc", "medical_necessity")
  std::string label;        // what a reader sees ("UnitedHealthcare", "Medical necessity")
  int cases = 0;            // cases in the period in this group
  int calls_held = 0;
  int overturned = 0, modified = 0, upheld = 0;
  Proportion overturn;      // overturned / (overturned + modified + upheld)
  bool rate_shown = false;  // decided >= min_group
  std::optional<Benchmark> benchmark;
};

struct MonthPoint {
  std::string month;        // "2026-07"
  int denials = 0;          // cases denied that month
  int decided = 0, overturned = 0;
  std::optional<double> overturn_rate;  // only when decided >= min_group
};

// A line of the weekly-review list: a window missed or a deadline passed.
struct ReviewItem {
  std::string case_id;
  std::string step;         // "p2p_request", "internal_appeal", ... (queue.h's deadline names)
  std::string step_label;   // "P2P request window"
  std::string due;          // "YYYY-MM-DD" or date-time
  bool missed_window = false;  // the window closed with nothing recorded
  std::string payer_id, physician;
};

struct ReportSummary {
  int cases = 0;                       // denied in the period
  int p2p_requested = 0, p2p_held = 0;
  int overturned = 0, modified = 0, upheld = 0;
  Proportion p2p_overturn;
  int appeals_filed = 0, appeals_decided = 0, appeals_overturned = 0;
  Proportion appeal_overturn;
  int external_filed = 0, external_decided = 0, external_overturned = 0;
  Proportion external_overturn;
  int windows_missed = 0;
  std::optional<double> median_days_denial_to_p2p;  // denial date to the call, over held calls
  std::optional<Benchmark> p2p_benchmark, appeal_benchmark, appeal_after_p2p_benchmark, external_benchmark;
};

struct Report {
  ReportOptions options;
  ReportSummary summary;
  std::vector<GroupRate> by_payer, by_denial_type, by_category, by_physician;  // sorted: shown rates high to low, then counts-only
  std::vector<MonthPoint> monthly;     // every month of the period, in order, empty months included
  std::vector<ReviewItem> review;      // missed windows and past deadlines, by step then due
};

// Reads the ledger and computes every figure. Errors: bad dates in options
// (path "/from" or "/to"), from after to, or the ledger's own.
Result<Report> build_report(Ledger& ledger, const ReportOptions& options);

}  // namespace p2p

// The report as data for the practice's BI tools, the same figures as the
// PDF (docs/report.md, "CSV and JSON"):
// - JSON, described by schema/p2p-report-1.schema.json; a group under the
//   minimum count carries its counts and null for its rate and interval;
// - CSV, one header for every table, a `table` column naming the table of
//   each row (summary, payer, denial_type, service_category, physician,
//   monthly, review); columns a table does not use are empty.
// Fractions are rounded to 4 decimals in both.
namespace p2p {
nlohmann::json report_json(const Report& report);
std::string report_csv(const Report& report);
}  // namespace p2p
