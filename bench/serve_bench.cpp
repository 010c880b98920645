// serve_bench: packets per second through POST /v1/packets, and latency
// percentiles, at several numbers of concurrent clients, on loopback.
//   serve_bench [--clients 1,8,64] [--requests N] [--url http://127.0.0.1:PORT] [--same-id same|changed]
// Without --url it starts `p2pdoc serve --listen 127.0.0.1:0` itself (output
// in a temporary folder, removed afterwards) and stops it at the end. Each
// client is a thread with its own keep-alive connection (libcurl through
// delivery/http_client.h) posting the samples round robin, each post under
// a case id of its own (so each one is generated). Latency is measured per request, end to end, on the client.
// --same-id: every client posts one case id instead: `same` the same body
// (the first post generates, the rest are retries answered 200), `changed`
// a different body each time (each post generates and replaces the last).
// The output folder is in $TMPDIR (tmpfs or a real disk: set TMPDIR).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "delivery/http_client.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<nlohmann::json> load_samples() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(std::string(P2P_SOURCE_ROOT) + "/samples"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    out.push_back(nlohmann::json::parse(in));
  }
  return out;
}

struct Server {
  pid_t pid = -1;
  std::string url, out;
};

// Starts the service and reads "listening on 127.0.0.1:PORT" from its stdout.
Server start_server(int threads) {
  Server s;
  s.out = (fs::temp_directory_path() / ("p2p-serve-bench-" + std::to_string(getpid()))).string();
  fs::remove_all(s.out);
  int fds[2];
  if (pipe(fds) != 0) return s;
  s.pid = fork();
  if (s.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    std::string log = s.out + "-serve.log", th = std::to_string(threads);
    execl(P2P_BINARY, P2P_BINARY, "serve", "--listen", "127.0.0.1:0", "--out", s.out.c_str(), "--log", log.c_str(),
          "--threads", th.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line += c;
  close(fds[0]);
  auto colon = line.rfind(':');
  if (line.rfind("listening on ", 0) == 0 && colon != std::string::npos)
    s.url = "http://127.0.0.1:" + line.substr(colon + 1);
  return s;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Run {
  int clients;
  int requests, failed;
  double seconds, p50, p90, p99, max;
};

Run run_level(const std::string& url, const std::vector<nlohmann::json>& cases, int clients, int total,
              const std::string& same_id = "") {
  std::vector<std::vector<double>> lat(clients);
  std::atomic<int> next{0}, failed{0};
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      p2p::HttpClient client;
      for (int i = next++; i < total; i = next++) {
        nlohmann::json body = cases[static_cast<size_t>(i) % cases.size()];
        // a new case id for every post: a post of a case already written would be a retry (200, no work)
        body["case_id"] = "BENCH-" + std::to_string(clients) + "-" + std::to_string(total) + "-" + std::to_string(i);
        if (same_id == "same") {
          body = cases[0];
          body["case_id"] = "BENCH-SAME";
        } else if (same_id == "changed") {
          body["case_id"] = "BENCH-SAME";
          body["bench_post"] = i;  // an unknown key: a warning, and a body no other post has
        }
        p2p::HttpRequest req;
        req.method = "POST";
        req.url = url + "/v1/packets";
        req.body = body.dump();
        req.headers = {{"Content-Type", "application/json"}};
        req.timeout_ms = 60000;
        auto t0 = Clock::now();
        auto res = client.send(req);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (res.status != 201 && res.status != 200) ++failed;
        lat[c].push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {clients, static_cast<int>(all.size()), failed.load(), seconds, percentile(all, 0.50), percentile(all, 0.90),
          percentile(all, 0.99), percentile(all, 1.0)};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> levels = {1, 8, 64};
  int requests = 0;  // 0: per level, max(300, 20 x clients)
  std::string url;
  int threads = 64;
  std::string same_id;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--clients") {
      levels.clear();
      std::stringstream ss(v);
      for (std::string x; std::getline(ss, x, ',');) levels.push_back(std::stoi(x));
    } else if (a == "--requests") {
      requests = std::stoi(v);
    } else if (a == "--url") {
      url = v;
    } else if (a == "--threads") {
      threads = std::stoi(v);
    } else if (a == "--same-id") {
      same_id = v;
    }
  }
  p2p::http_global_init();
  Server server;
  if (url.empty()) {
    server = start_server(threads);
    if (server.url.empty()) {
      std::cerr << "serve_bench: could not start " << P2P_BINARY << "\n";
      return 1;
    }
    url = server.url;
  }
  auto cases = load_samples();
  std::printf("POST /v1/packets on %s (server threads %d), %s\n", url.c_str(), threads,
              same_id.empty() ? "sample cases round robin, a new case id each post"
                              : ("one case id for all, " + same_id + " body").c_str());
  run_level(url, cases, 2, 40);  // warm-up: the first packet compresses the form font once
  std::printf("%8s %9s %7s %11s %8s %8s %8s %8s\n", "clients", "requests", "failed", "packets/s", "p50 ms", "p90 ms",
              "p99 ms", "max ms");
  for (int clients : levels) {
    int n = requests ? requests : std::max(300, 20 * clients);
    Run r = run_level(url, cases, clients, n, same_id);
    std::printf("%8d %9d %7d %11.1f %8.1f %8.1f %8.1f %8.1f\n", r.clients, r.requests, r.failed,
                r.requests / r.seconds, r.p50, r.p90, r.p99, r.max);
    std::fflush(stdout);
  }
  if (server.pid > 0) {
    kill(server.pid, SIGTERM);
    waitpid(server.pid, nullptr, 0);
    fs::remove_all(server.out);
    fs::remove(server.out + "-serve.log");
  }
  return 0;
}
