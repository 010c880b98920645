// Metrics: counters and a latency histogram for GET /metrics, rendered in the
// Prometheus text exposition format (version 0.0.4). Requests are counted by
// method, route template and status, so label values come from a fixed set
// (an unknown path is "unmatched", never the path itself).
// Thread-safe: every method may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace p2p::serve {

class Metrics {
 public:
  // Histogram bucket upper bounds, seconds.
  static const std::vector<double>& latency_buckets();

  void observe_request(const std::string& method, const std::string& route, int status, double seconds);

  // A counter owned here (created at 0 on first declare or add).
  void declare_counter(const std::string& name, const std::string& help);
  void add(const std::string& name, double by = 1);

  // A value read at render time from its owner (delivery queue length...).
  // `type` is "gauge" or "counter". Adding a name again replaces the first
  // reader: each metric is exposed once, read from its newest owner (a
  // Service made again on the same Metrics must not leave its old one
  // reading freed memory).
  void add_sampled(const std::string& name, const std::string& type, const std::string& help,
                   std::function<double()> read);

  std::string render() const;

 private:
  struct Histogram {
    std::vector<unsigned long long> buckets;  // cumulative at render time, per-bucket here
    unsigned long long count = 0;
    double sum = 0;
  };
  struct Sampled {
    std::string name, type, help;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, unsigned long long> requests_;  // method, route, status
  std::map<std::pair<std::string, std::string>, Histogram> latency_;                  // method, route
  std::map<std::string, std::pair<std::string, double>> counters_;                    // name -> help, value
  std::vector<Sampled> sampled_;
};

// A label value with \, " and newline escaped as the format requires.
std::string prometheus_label(const std::string& value);

}  // namespace p2p::serve
