#include "pubmed/pubmed.h"

#include <chrono>

#include "delivery/http_client.h"
#include "pipeline/files.h"
#include "pubmed/esummary.h"

namespace p2p::pubmed {

using json = nlohmann::json;
using R = Result<CitationRecord>;

namespace {

long long steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

bool is_pmid(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

PubMedLookup::PubMedLookup(PubMedConfig config) : config_(std::move(config)), limiter_(config_.requests_per_second) {}

PubMedStats PubMedLookup::stats() const { return {hits_, fetched_, failures_}; }

R PubMedLookup::look_up(const std::string& pmid) const {
  if (!is_pmid(pmid)) return R::fail({error_at("", "\"" + pmid + "\" is not a PubMed ID")});
  std::promise<R> promise;
  {
    std::unique_lock lock(mutex_);
    if (auto it = memory_.find(pmid); it != memory_.end()) {
      ++hits_;
      return R::ok(it->second);
    }
    if (auto it = failed_.find(pmid); it != failed_.end()) {
      if (steady_ms() - it->second.first < config_.failure_ttl_ms) return R::fail(it->second.second);
      failed_.erase(it);
    }
    if (auto it = in_flight_.find(pmid); it != in_flight_.end()) {
      auto shared = it->second;
      lock.unlock();  // wait for the other thread's answer without holding the lock
      return shared.get();
    }
    in_flight_[pmid] = promise.get_future().share();
  }
  R answer = R::fail({error_at("", "internal error")});
  try {
    answer = fetch(pmid);
  } catch (const std::exception& e) {
    answer = R::fail({error_at("", std::string("internal error: ") + e.what())});
  }
  {
    std::lock_guard lock(mutex_);
    if (answer.is_ok()) {
      memory_[pmid] = answer.value();
    } else {
      failed_[pmid] = {steady_ms(), answer.diagnostics()};
      ++failures_;
    }
    in_flight_.erase(pmid);
  }
  promise.set_value(answer);
  return answer;
}

// Disk cache, then the network. Runs in one thread per PMID at a time.
R PubMedLookup::fetch(const std::string& pmid) const {
  std::string cache_file = config_.cache_dir.empty() ? "" : config_.cache_dir + "/" + pmid + ".json";
  if (!cache_file.empty()) {
    if (auto text = read_file(cache_file)) {
      json record = json::parse(*text, nullptr, false);
      auto cached = citation_from_record(record);
      if (cached.is_ok()) {
        ++hits_;
        return cached;
      }
      // an unreadable cache file is asked again and overwritten
    }
  }
  if (!limiter_.acquire(std::chrono::milliseconds(config_.max_wait_ms)))
    return R::fail({error_at("", "too many look-ups queued for PubMed's rate limit")});

  thread_local HttpClient client;
  HttpRequest req;
  req.url = esummary_url(config_.base_url, pmid, config_.tool, config_.email, config_.api_key);
  req.timeout_ms = config_.timeout_ms;
  req.connect_timeout_ms = std::min(config_.timeout_ms, 3000L);
  req.max_response_bytes = 1 << 20;
  req.headers = {{"Accept", "application/json"}};
  HttpResponse res = client.send(req);
  if (res.status == 0) return R::fail({error_at("", res.error)});
  if (!res.ok()) return R::fail({error_at("", "PubMed answered HTTP " + std::to_string(res.status))});
  auto record = esummary_record(res.body, pmid);
  if (!record.is_ok()) return R::fail(record.diagnostics());
  auto citation = citation_from_record(record.value());
  if (!citation.is_ok()) return citation;
  ++fetched_;
  // a cache that cannot be written only costs a repeat look-up after a restart
  if (!cache_file.empty()) write_file_atomic(cache_file, record.value().dump() + "\n");
  return citation;
}

}  // namespace p2p::pubmed
