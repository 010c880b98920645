// The overturn report over a large ledger (docs/performance.md, "The
// report"): N synthetic histories (src/ledger/synthetic, seed 7, a year of
// denials before 2026-11-30), then build_report over the whole year, and
// its JSON and CSV forms. Medians of 7 runs, wall and CPU.
//
//   build/bench/report_bench [N] [LEDGER]    (default 100000, a file in /tmp kept for the next run)
//   tests/ledger/with_postgres.sh build/bench/report_bench 100000   (PostgreSQL: $P2P_TEST_LEDGER_PG)
//
// A ledger that already holds cases is used as it is (the fill takes minutes).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "ledger/queue.h"
#include "ledger/synthetic.h"
#include "report/report.h"

using namespace p2p;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1000 + double(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

[[noreturn]] void die(const char* what, const Diagnostics& ds) {
  std::fprintf(stderr, "report_bench: %s:", what);
  for (const auto& d : ds) std::fprintf(stderr, " %s", d.message.c_str());
  std::fprintf(stderr, "\n");
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  const char* pg = std::getenv("P2P_TEST_LEDGER_PG");
  std::string location = argc > 2 ? argv[2] : pg && *pg ? pg : "/tmp/p2pdoc-report-bench-" + std::to_string(n) + ".db";
  long long until = *parse_time_point("2026-11-30");
  auto opened = open_ledger(location);
  if (!opened.is_ok()) die("open", opened.diagnostics());
  auto ledger = opened.take();
  auto existing = ledger->denied_between("0000-01-01", "9999-12-31");
  if (!existing.is_ok()) die("read", existing.diagnostics());
  if (existing.value().empty()) {
    auto t0 = Clock::now();
    auto hs = synthetic::histories(n, 7, until);
    size_t events = 0;
    for (const auto& h : hs) events += h.events.size();
    if (auto d = synthetic::store(*ledger, hs); !d.empty()) die("fill", d);
    std::printf("filled: %d cases, %zu events in %.0f s\n", n, events, ms_since(t0) / 1000);
  } else {
    std::printf("using the %zu cases already in %s\n", existing.value().size(), pg && *pg ? "the database" : location.c_str());
  }
  existing = Result<std::vector<DeniedCase>>::fail({});

  ReportOptions o;
  o.from = "2025-11-01";
  o.to = "2026-11-30";
  o.now = until;
  std::vector<double> read_ms, read_cpu, report_ms, report_cpu, json_ms, csv_ms;
  size_t cases = 0;
  const char* runs_env = std::getenv("P2P_BENCH_RUNS");  // fewer runs, for a profiler
  int runs = runs_env ? std::max(1, std::atoi(runs_env)) : 7;
  for (int run = 0; run < runs; ++run) {
    double r0 = cpu_ms();
    auto t0 = Clock::now();
    auto read = ledger->denied_between(o.from, o.to);
    if (!read.is_ok()) die("read", read.diagnostics());
    read_ms.push_back(ms_since(t0));
    read_cpu.push_back(cpu_ms() - r0);
    cases = read.value().size();

    double c0 = cpu_ms();
    t0 = Clock::now();
    auto report = build_report(*ledger, o);
    if (!report.is_ok()) die("report", report.diagnostics());
    report_ms.push_back(ms_since(t0));
    report_cpu.push_back(cpu_ms() - c0);
    t0 = Clock::now();
    std::string j = report_json(report.value()).dump(2);
    json_ms.push_back(ms_since(t0));
    t0 = Clock::now();
    std::string c = report_csv(report.value());
    csv_ms.push_back(ms_since(t0));
  }
  std::printf("period %s..%s: %zu cases\n", o.from.c_str(), o.to.c_str(), cases);
  std::printf("denied_between alone, median:        %.0f ms wall, %.0f ms CPU in this process\n", median(read_ms),
              median(read_cpu));
  std::printf("build_report, median:                %.0f ms wall, %.0f ms CPU in this process\n", median(report_ms),
              median(report_cpu));
  std::printf("report_json + dump, median:          %.1f ms\n", median(json_ms));
  std::printf("report_csv, median:                  %.1f ms\n", median(csv_ms));
  return 0;
}
