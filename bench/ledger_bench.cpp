// Benchmark: the ledger (docs/performance.md, "The ledger").
//   1. the packet's own cost: generate_packet + write_packet of one sample
//   2. recording one packet (record_packet: case row, denial_received,
//      packet_generated), each into a new case
//   3. filling the ledger with N synthetic histories (src/ledger/synthetic)
//   4. `due` over those N cases: the ledger's read (progress() before
//      migration 4, open_progress() now, and with --within 3d) + build_queue(),
//      then the table and the JSON it prints
// Medians of per-unit wall time. SQLite in a temp folder by default; with
// P2P_TEST_LEDGER_PG set (tests/ledger/with_postgres.sh starts a throw-away
// server and sets it) the same runs go to PostgreSQL.
//   usage: ledger_bench [N=100000] [ROOT]   (P2P_BENCH_LEDGER=FILE: fill and keep that SQLite file;
//   run again with the same FILE and N, the fill is skipped and only `due` is measured)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ledger/packet_events.h"
#include "ledger/queue.h"
#include "ledger/synthetic.h"
#include "pdf/pdf_export.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"

using namespace p2p;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double p90(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() * 9 / 10];
}

[[noreturn]] void die(const std::string& what, const Diagnostics& d) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), d.empty() ? "" : d[0].message.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  std::string root = argc > 2 ? argv[2] : P2P_SOURCE_ROOT;
  const char* pg = std::getenv("P2P_TEST_LEDGER_PG");
  std::string tmp = (std::filesystem::temp_directory_path() / ("ledger_bench_" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(tmp);
  const char* keep = std::getenv("P2P_BENCH_LEDGER");  // a SQLite file to fill and keep, for a look with sqlite3
  std::string location = pg && *pg ? std::string(pg) : keep && *keep ? std::string(keep) : tmp + "/p2pdoc.db";
  std::printf("backend: %s\n", pg && *pg ? "PostgreSQL (throw-away server, Unix socket)" : "SQLite (WAL, synchronous=NORMAL)");

  auto res = load_resources(root);
  if (!res.is_ok()) die("resources", res.diagnostics());
  Env env = Env::at(1795017600);  // 2026-11-18T16:00:00Z
  auto text = read_file(root + "/samples/uhc-lumbar-mri.json");
  auto loaded = load_case(*text, env.today);
  if (!loaded.is_ok()) die("sample", loaded.diagnostics());
  Case c = loaded.take();

  // 1. the packet's own cost (generate + write), 20 packets
  std::vector<double> packet_ms;
  nlohmann::json manifest;
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    auto p = generate_packet(c, res.value(), env);
    if (!p.is_ok()) die("generate", p.diagnostics());
    auto w = write_packet(p.value(), tmp + "/out", env);
    if (!w.is_ok()) die("write", w.diagnostics());
    packet_ms.push_back(ms_since(t0));
    manifest = w.value().manifest;
  }

  auto opened = open_ledger(location);
  if (!opened.is_ok()) die("open", opened.diagnostics());
  auto ledger = opened.take();

  // opening an existing ledger (a watcher's worker does it once)
  std::vector<double> open_ms;
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    auto again = open_ledger(location);
    if (!again.is_ok()) die("reopen", again.diagnostics());
    open_ms.push_back(ms_since(t0));
  }

  // 2. recording a packet, each into a new case
  std::vector<double> record_ms;
  for (int i = 0; i < 2000; ++i) {
    c.id = "BENCH-" + std::to_string(i);
    manifest["case_id"] = c.id;
    auto t0 = Clock::now();
    Diagnostics d = record_packet(*ledger, c, res.value(), manifest, "bench", env);
    record_ms.push_back(ms_since(t0));
    if (!d.empty()) die("record", d);
  }
  double packet = median(packet_ms), record = median(record_ms);
  std::printf("packet (generate + write), median of 20:  %.2f ms\n", packet);
  std::printf("open an existing ledger, median of 20:      %.3f ms\n", median(open_ms));
  std::printf("record one packet, median of 2000:          %.3f ms (p90 %.3f); %.1f %% of the packet's cost\n", record,
              p90(record_ms), 100 * record / packet);

  // 3. fill (skipped when P2P_BENCH_LEDGER names a ledger this bench filled before)
  auto t0 = Clock::now();
  auto hs = synthetic::histories(n, 7, env.timestamp);
  double gen_ms = ms_since(t0);
  size_t events = 0;
  auto filled = ledger->find_case(hs.back().row.case_id);
  bool reuse = keep && *keep && filled.is_ok() && filled.value().has_value();
  if (reuse) std::printf("synthetic histories: %d cases already in %s, not filled again\n", n, keep);
  t0 = Clock::now();
  for (const auto& h : reuse ? std::vector<synthetic::History>{} : hs) {
    if (auto d = ledger->put_case(h.row); !d.empty()) die("fill", d);
    for (const Event& e : h.events) {
      auto s = ledger->append(e);
      if (!s.is_ok()) die("fill", s.diagnostics());
      ++events;
    }
  }
  double fill_ms = ms_since(t0);
  if (!reuse)
    std::printf("synthetic histories: %d cases, %zu events, generated in %.0f ms, stored in %.1f s (%.3f ms per write)\n",
                n, events, gen_ms, fill_ms / 1000, fill_ms / double(events + hs.size()));

  // 4. due over everything, three ways: what `due` read before migration 4
  // (every case, closed ones dropped in C++), open_progress (closed ones
  // dropped by the database), and open_progress with --within 3d
  struct Way {
    const char* name;
    long long within;
    bool all;
  };
  for (Way way : {Way{"progress() + build_queue (every case)", -1, true}, Way{"open_progress + build_queue", -1, false},
                  Way{"open_progress --within 3d + build_queue", 3 * 86400, false}}) {
    std::vector<double> read_ms, total_ms, cpu, read_cpu, table_ms, json_ms, table_cpu, json_cpu;
    size_t rows = 0, listed = 0;
    for (int run = 0; run < 7; ++run) {
      double c0 = cpu_ms();
      t0 = Clock::now();
      auto states = way.all ? ledger->progress() : ledger->open_progress(env.timestamp, way.within);
      if (!states.is_ok()) die("progress", states.diagnostics());
      read_ms.push_back(ms_since(t0));
      read_cpu.push_back(cpu_ms() - c0);
      rows = states.value().size();
      auto queue = build_queue(states.take(), env.timestamp, way.within);
      total_ms.push_back(ms_since(t0));
      cpu.push_back(cpu_ms() - c0);
      listed = queue.size();
      auto t1 = Clock::now();
      double c1 = cpu_ms();
      std::string table = queue_table(queue, env.timestamp);
      table_ms.push_back(ms_since(t1));
      table_cpu.push_back(cpu_ms() - c1);
      t1 = Clock::now();
      c1 = cpu_ms();
      std::string json = queue_json_text(queue, env.timestamp);
      json_ms.push_back(ms_since(t1));
      json_cpu.push_back(cpu_ms() - c1);
    }
    std::printf("due, %s: %zu rows read, %zu listed; median of 7 (wall / CPU): %.0f / %.0f ms "
                "(reading %.0f / %.0f ms); then the table %.0f / %.0f ms, the JSON %.0f / %.0f ms\n",
                way.name, rows, listed, median(total_ms), median(cpu), median(read_ms), median(read_cpu),
                median(table_ms), median(table_cpu), median(json_ms), median(json_cpu));
  }
  std::filesystem::remove_all(tmp);
  return 0;
}
