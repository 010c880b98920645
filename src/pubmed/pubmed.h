// PubMed look-ups for citations that carry a PMID: a CitationLookup
// (pipeline/pipeline.h) over NCBI E-utilities esummary.
//   - each PMID is asked once: answers are cached on disk (CACHE/<pmid>.json,
//     the esummary record, written atomically) and in memory; concurrent
//     look-ups of one PMID share a single request;
//   - requests leave at most `requests_per_second` per second, across all
//     threads (rate_limit.h);
//   - a failure (no answer, timeout, HTTP error, unreadable answer) is an
//     error value, remembered for `failure_ttl_ms` so that an NCBI outage
//     costs one timeout per PMID, not one per request.
// Thread contract: look_up may be called from any number of threads.
#pragma once

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "pipeline/pipeline.h"
#include "pubmed/rate_limit.h"

namespace p2p::pubmed {

struct PubMedConfig {
  std::string base_url = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils";
  std::string cache_dir;               // "" = memory only
  long timeout_ms = 5000;              // one request, connect included
  double requests_per_second = 3;      // NCBI's limit without an API key
  long max_wait_ms = 5000;             // longest a look-up queues for its turn before it gives up
  long failure_ttl_ms = 60000;         // a failed PMID is not asked again for this long
  std::string tool = "p2pdoc";         // NCBI asks callers to name themselves
  std::string email;
  std::string api_key;
};

struct PubMedStats {
  unsigned long long cache_hits = 0;  // memory or disk
  unsigned long long fetched = 0;     // answered by E-utilities
  unsigned long long failures = 0;    // look-ups that ended in an error
};

class PubMedLookup final : public CitationLookup {
 public:
  explicit PubMedLookup(PubMedConfig config);
  Result<CitationRecord> look_up(const std::string& pmid) const override;
  PubMedStats stats() const;
  const PubMedConfig& config() const { return config_; }

 private:
  Result<CitationRecord> fetch(const std::string& pmid) const;

  PubMedConfig config_;
  mutable RateLimiter limiter_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, CitationRecord> memory_;
  mutable std::map<std::string, std::shared_future<Result<CitationRecord>>> in_flight_;
  mutable std::map<std::string, std::pair<long long, Diagnostics>> failed_;  // pmid -> (steady ms, why)
  mutable std::atomic<unsigned long long> hits_{0}, fetched_{0}, failures_{0};
};

}  // namespace p2p::pubmed
