// Replay: how POST /v1/packets recognises a retry. An EHR whose post timed
// out posts the same case again; the packet it asked for is usually written
// already. A post is known by the fingerprint of its case (SHA-256 of the
// parsed JSON written back canonically: keys sorted, no spaces, so a retry
// that a proxy or client library re-serialised still matches) and by the
// client's optional Idempotency-Key header (draft-ietf-httpapi-idempotency-
// key-header-07). Both are kept in OUT/<case_id>/.request.json, written
// after the packet is installed and its ledger event and deliveries are
// recorded, and flushed before the answer, so they survive a restart and
// never name a packet whose record is not whole (a packet without one is
// generated again by its retry).
// Flights also makes one generation of each body: a post whose case (same
// id, same fingerprint) is being generated waits for it, then answers with
// its packet. Posts of one case id with different bodies generate side by
// side; their writes take turns (the service's case lock) and the last
// written replaces the others.
// Thread contract: Flights is thread-safe; the other functions are pure or
// read one file.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace p2p::serve {

// The file beside the packet; a leading dot keeps it out of GET's reach.
inline constexpr const char* kRequestRecordFile = ".request.json";

// "sha256:<hex>" of the case as parsed, canonically written.
std::string case_fingerprint(const nlohmann::json& parsed_case);

// The Idempotency-Key header's values (each as sent) -> the key, "" when there
// is none; 400-worthy diagnostics for two headers, an empty or over-long key,
// or a character outside visible ASCII. The draft makes the value a
// Structured Field string ("..."); a bare token is accepted too.
Result<std::string> idempotency_key_of(const std::vector<std::string>& header_values);

// `?regenerate=1` (or true): make the packet again even for the same body.
Result<bool> regenerate_asked(const std::vector<std::pair<std::string, std::string>>& query);

struct RequestRecord {
  std::string fingerprint;
  std::string idempotency_key;  // "" when the post had none
};
std::string request_record_json(const RequestRecord& r);
std::optional<RequestRecord> read_request_record(const std::string& packet_dir);

class Flights {
 public:
  enum class Turn {
    generate,    // this post makes the packet; call leave() when done
    replay,      // the packet for this body is there: `manifest` holds its manifest.json
    key_busy,    // a post with this Idempotency-Key is still running (409)
    key_reused,  // this Idempotency-Key came with another body before (422)
    timed_out,   // waited longer than allowed for another post of the case (503)
  };
  struct Ticket {
    Turn turn = Turn::generate;
    std::string manifest;
  };

  // Reads the keys of the packets in `out_dir` (after a restart).
  explicit Flights(std::string out_dir);

  // Waits (at most `patience`) while a post of the same case and body runs,
  // then decides. With `regenerate`, a matching body still generates, unless its
  // key was seen before: a retried regeneration is answered, not redone.
  Ticket enter(const std::string& case_id, const std::string& fingerprint, const std::string& key, bool regenerate,
               std::chrono::milliseconds patience);
  // Ends a `generate` turn; `written` says the packet (with its record) is installed.
  void leave(const std::string& case_id, const RequestRecord& record, bool written);

 private:
  bool matches_stored(const std::string& case_id, const std::string& fingerprint, std::string& manifest) const;

  std::string out_dir_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::set<std::pair<std::string, std::string>> running_;  // (case id, fingerprint) being generated
  std::set<std::string> running_keys_;
  std::map<std::string, std::pair<std::string, std::string>> keys_;  // key -> (case id, fingerprint)
};

}  // namespace p2p::serve
