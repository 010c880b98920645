// Benchmark: render the one-page brief (brief_bench) or the whole packet
// (packet_bench, built from this file with P2P_BENCH_PACKET) for N cases in
// one process (the samples, round robin) and report ms per unit (median,
// p90), units per second, CPU per unit, peak RSS, RSS at checkpoints (flat
// memory), and bytes per unit. Everything in memory: no disk writes timed.
//   usage: brief_bench [N=2000] [ROOT]      packet_bench [N=2000] [ROOT]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pdf/pdf_export.h"
#include "pipeline/coverage.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"

using namespace p2p;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

long rss_kb() {  // current resident set, from /proc
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::string root = argc > 2 ? argv[2] : P2P_SOURCE_ROOT;
  auto res = load_resources(root);
  if (!res.is_ok()) {
    std::fprintf(stderr, "cannot load resources from %s\n", root.c_str());
    return 1;
  }
#ifndef P2P_BENCH_PACKET
  const char* unit = "brief";
  std::erase_if(res.value().documents, [](const DocumentKind& d) { return d.kind != "brief"; });
#else
  const char* unit = "packet";
#endif
  Env env = Env::at(1795435200);
  std::vector<Case> cases;
  for (const auto& e : std::filesystem::directory_iterator(root + "/samples")) {
    if (e.path().extension() != ".json") continue;
    auto c = load_case(*read_file(e.path()), env.today);
    if (c.is_ok()) cases.push_back(c.take());
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.id < b.id; });
  if (cases.empty()) return 1;

  // the printable-text check load_case_checked runs on every case (not in the
  // per-unit figures below, which start from validated cases)
  {
    const int reps = 2000;
    size_t problems = 0;
    double c0 = cpu_seconds();
    for (int i = 0; i < reps; ++i) problems += check_printable_text(cases[i % cases.size()].doc, *res.value().printable).size();
    std::printf("printable-text check: %.2f us CPU per case (%zu problems)\n", (cpu_seconds() - c0) * 1e6 / reps,
                problems);
  }

  std::vector<double> ms;
  ms.reserve(n);
  double bytes = 0;
  std::vector<std::pair<int, long>> rss_at;
  double cpu0 = cpu_seconds();
  auto wall0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto p = generate_packet(cases[i % cases.size()], res.value(), env);
    auto t1 = std::chrono::steady_clock::now();
    if (!p.is_ok()) return 1;
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    for (const GeneratedDocument& d : p.value().documents) bytes += d.pdf.size();
    if ((i + 1) % std::max(1, n / 5) == 0) rss_at.push_back({i + 1, rss_kb()});
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  double cpu = cpu_seconds() - cpu0;
  std::sort(ms.begin(), ms.end());
  std::printf("%ss: %d (%zu distinct cases, %zu documents each)\n", unit, n, cases.size(),
              res.value().documents.size());
  std::printf("ms per %s: median %.3f  p90 %.3f  max %.3f\n", unit, ms[n / 2], ms[n * 9 / 10], ms.back());
  std::printf("%ss per second: %.0f\n", unit, n / wall);
  std::printf("CPU ms per %s: %.3f\n", unit, cpu * 1000 / n);
  std::printf("bytes per %s: %.0f\n", unit, bytes / n);
  std::printf("peak RSS: %.1f MB\n", peak_rss_kb() / 1024.0);
  std::printf("RSS after: ");
  for (auto [count, kb] : rss_at) std::printf("%d: %.1f MB  ", count, kb / 1024.0);
  std::printf("\n");
  return 0;
}
