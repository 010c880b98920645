#include "serve/metrics.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace p2p::serve {

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

const std::vector<double>& Metrics::latency_buckets() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Metrics::observe_request(const std::string& method, const std::string& route, int status, double seconds) {
  const auto& bounds = latency_buckets();
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[{method, route}];
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i]) {
      ++h.buckets[i];
      break;
    }
  ++h.count;
  h.sum += seconds;
}

void Metrics::declare_counter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  counters_.try_emplace(name, help, 0.0);
}

void Metrics::add(const std::string& name, double by) {
  std::lock_guard lock(mutex_);
  counters_[name].second += by;
}

void Metrics::add_sampled(const std::string& name, const std::string& type, const std::string& help,
                          std::function<double()> read) {
  std::lock_guard lock(mutex_);
  for (Sampled& s : sampled_)
    if (s.name == name) {  // a new owner (a restarted Service): never read the old one again
      s = {name, type, help, std::move(read)};
      return;
    }
  sampled_.push_back({name, type, help, std::move(read)});
}

std::string Metrics::render() const {
  std::ostringstream out;
  const auto& bounds = latency_buckets();
  std::vector<Sampled> sampled;
  {
    std::lock_guard lock(mutex_);
    out << "# HELP p2pdoc_http_requests_total HTTP requests answered, by method, route and status.\n"
        << "# TYPE p2pdoc_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [method, route, status] = key;
      out << "p2pdoc_http_requests_total{method=\"" << prometheus_label(method) << "\",route=\""
          << prometheus_label(route) << "\",status=\"" << status << "\"} " << n << "\n";
    }
    out << "# HELP p2pdoc_http_request_duration_seconds Time from the request's headers to the end of the answer.\n"
        << "# TYPE p2pdoc_http_request_duration_seconds histogram\n";
    for (const auto& [key, h] : latency_) {
      std::string labels = "method=\"" + prometheus_label(key.first) + "\",route=\"" + prometheus_label(key.second) + "\"";
      unsigned long long cumulative = 0;
      for (size_t i = 0; i < bounds.size(); ++i) {
        cumulative += h.buckets[i];
        out << "p2pdoc_http_request_duration_seconds_bucket{" << labels << ",le=\"" << number(bounds[i]) << "\"} "
            << cumulative << "\n";
      }
      out << "p2pdoc_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.count << "\n";
      out << "p2pdoc_http_request_duration_seconds_sum{" << labels << "} " << number(h.sum) << "\n";
      out << "p2pdoc_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
    }
    for (const auto& [name, c] : counters_) {
      out << "# HELP " << name << " " << c.first << "\n# TYPE " << name << " counter\n";
      out << name << " " << number(c.second) << "\n";
    }
    sampled = sampled_;
  }
  // read outside our lock: the owners take their own
  for (const Sampled& s : sampled) {
    out << "# HELP " << s.name << " " << s.help << "\n# TYPE " << s.name << " " << s.type << "\n";
    out << s.name << " " << number(s.read()) << "\n";
  }
  return out.str();
}

}  // namespace p2p::serve
