// Outbox: the persistent queue of deliveries not yet accepted by the EHR,
// and what each document's newest version is. One JSON file per delivery,
// named by the SHA-256 of its idempotency key:
//   OUTBOX/<id>.json          waiting (written before the service answers 201)
//   OUTBOX/sent/<id>          accepted by the EHR (a 2xx), with the EHR's id
//                             for it when known; never sent again
//   OUTBOX/failed/<id>.json   refused for good (a 4xx that retrying cannot fix)
//   OUTBOX/latest/<doc>.json  the newest version of one document of one case
//                             (doc = SHA-256 of "<case_id>/<file>"): its key,
//                             content digest and the key it replaces
// Every write is atomic (temporary name, rename), so a crash leaves an
// entry whole or absent. A new entry and its newest version are written
// unflushed and made durable together by flush() (one syncfs, shared with
// concurrent writers: pipeline/files.h), so a packet's five deliveries cost
// one flush, not ten; every other write is flushed before it returns. The "sent" marker is written before the entry is
// removed: a crash in between leaves an entry that open() drops as done.
// Thread contract: all methods may be called from several threads; two calls
// for the same id must not overlap (Deliverer serialises them).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "pipeline/files.h"

namespace p2p::delivery {

struct OutboxEntry {
  std::string id;            // sha256 hex of `key`: the file name
  std::string key;           // idempotency key "<case_id>/<file>/<sha256>"
  std::string target;        // "fhir" or "webhook"
  std::string url;           // where it is POSTed
  std::string content_type;  // of `body`
  std::string case_id, file; // for logs
  long long created = 0;     // seconds since 1970
  int attempts = 0;          // failed attempts so far
  std::string last_error;    // the last failure, in words
  std::string replaces;      // key of the version this one replaces ("" = none): sent after it
  std::string body;          // the request body, exactly as sent
};

// The newest version of a document queued or delivered.
struct LatestVersion {
  std::string key;
  std::string content_sha256;
  std::string replaces;
};

class Outbox {
 public:
  explicit Outbox(std::string dir);

  // Creates the folders and removes temporary files a crash left behind.
  // Returns the ids waiting from an earlier run (entries already marked sent
  // are dropped here).
  Result<std::vector<std::string>> open();

  static std::string id_for(const std::string& key);

  bool is_pending(const std::string& id) const;
  bool was_sent(const std::string& id) const;
  size_t failed_count() const;

  Result<bool> put(const OutboxEntry& entry, Durability durability = Durability::flushed);
  // Makes every write made with Durability::by_caller durable.
  Result<bool> flush();
  Result<OutboxEntry> load(const std::string& id) const;
  // The EHR accepted it (or already held it): mark sent, with the EHR's id
  // for it ("" when unknown), then remove the entry.
  Result<bool> complete(const OutboxEntry& entry, const std::string& server_id = "");
  // The EHR's id recorded for a sent entry; "" when unknown or not sent.
  std::string server_id(const std::string& id) const;

  std::optional<LatestVersion> latest(const std::string& case_id, const std::string& file) const;
  Result<bool> set_latest(const std::string& case_id, const std::string& file, const LatestVersion& v,
                          Durability durability = Durability::flushed);
  // The EHR refused it for good: keep it under failed/ with the reason.
  Result<bool> give_up(const OutboxEntry& entry, const std::string& response_excerpt);
  // An entry load() cannot read goes to failed/<id>.unreadable for a person to look at.
  void quarantine(const std::string& id);

  const std::string& dir() const { return dir_; }

 private:
  std::string entry_path(const std::string& id) const;
  std::string latest_path(const std::string& case_id, const std::string& file) const;
  std::string dir_;
};

}  // namespace p2p::delivery
