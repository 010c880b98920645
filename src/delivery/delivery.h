// Delivery: every generated PDF goes back to the EHR, as a FHIR R4
// DocumentReference (POST {base}/DocumentReference), as JSON to a webhook or
// as an HL7 v2 MDM^T02 message over MLLP (hl7v2.h, mllp_client.h), and none
// is lost or sent twice. A document is identified by its case, its
// file and what it shows (the content digest), never by its bytes or the clock:
//   - the same content again delivers nothing ("already delivered" / "already
//     queued"); changed content is a new version that replaces the newest
//     earlier one (FHIR relatesTo code "replaces", webhook "replaces") and is
//     sent only after it;
//   - enqueue() writes one outbox entry per PDF (outbox.h) and makes them
//     durable with one flush before it returns (or before the service
//     answers), so a packet the service reported as created is on disk
//     with its deliveries, even if the process dies the next moment;
//   - one background thread sends due entries, oldest first; a 2xx completes
//     an entry, a retryable failure (no answer, 408, 425, 429, 5xx) schedules
//     it again with exponential backoff (payload.h), any other 4xx moves it to
//     failed/ for a person;
//   - after a restart open() finds the waiting entries and they are sent at once;
//   - HL7 v2: an ACK AA/CA completes an entry, AE/CE, no answer or an
//     unreadable ACK is retried, AR/CR moves it to failed/; a resend carries
//     the same MSH-10 (message_control_id), so the engine can drop a repeat;
//   - every HTTP request carries Idempotency-Key: <case_id>/<file>/<content_sha256>
//     (and the DocumentReference the same value as identifier, plus
//     If-None-Exist); an entry that may already have reached the EHR (found
//     waiting after a restart, or after a failed attempt) is first searched
//     for by that identifier (GET ?identifier=), so an EHR that ignores
//     If-None-Exist still gets no second copy after a kill -9 between send
//     and record.
// Thread contract: enqueue() and stats() may be called from any thread, but
// two enqueue() calls for one case must not overlap (the service holds its
// case lock; the watcher's sender process enqueues from one thread), since
// each reads the case's newest versions before it writes the next;
// open() and start() once, stop() once (the destructor calls it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "delivery/hl7v2.h"
#include "delivery/http_client.h"
#include "delivery/outbox.h"
#include "delivery/payload.h"
#include "pipeline/pipeline.h"

namespace p2p::delivery {

enum class Target { none, fhir, webhook, hl7v2 };

// "fhir", "webhook", "hl7v2" (the outbox entry's target; logs), "off" for none.
const char* target_name(Target t);

struct DeliveryConfig {
  Target target = Target::none;
  std::string url;                      // FHIR base URL, the webhook's URL, or the MLLP host:port
  std::string bearer_token;             // sent as Authorization: Bearer; "" = none
  std::string ca_file;                  // PEM bundle for the EHR's certificate ("" = the system's)
  std::string outbox_dir;               // OUT/.outbox unless configured
  long long retry_initial_ms = 1000;    // first retry after this long, then doubling
  long long retry_max_ms = 300000;      // ... up to this
  long timeout_ms = 30000;              // one attempt, connect included
  FhirOptions fhir;                     // document types and the draft rule serve HL7 v2 too
  Hl7Options hl7;
};

// Structured events for the service log (no patient data: case id, file,
// status, attempt, timing).
using DeliveryLog = std::function<void(const nlohmann::json& event)>;

struct DeliveryStats {
  size_t pending = 0;              // entries waiting in the outbox
  size_t failed = 0;               // entries in failed/
  unsigned long long delivered = 0;        // accepted since start
  unsigned long long attempts_failed = 0;  // attempts that did not get a 2xx, since start
};

// What enqueue did with one document.
struct Queued {
  std::string file;
  std::string key;
  std::string state;     // "queued", "already queued", "already delivered"
  std::string replaces;  // when queued: the key of the version it replaces ("" = the first)
};

// The PDFs of a packet (text documents stay out of the chart), ready to send.
std::vector<OutgoingDocument> pdf_documents(const Packet& p, long long timestamp);

// MRN and member ID from a case document (/patient/mrn, /patient/member_id).
PatientIds patient_ids(const nlohmann::json& case_doc);

// Everything a DocumentReference files from a validated case document
// (payload.h RecordFacts): patient ids, physician, practice, encounter,
// whether the letters are signed.
RecordFacts record_facts(const nlohmann::json& case_doc);

class Deliverer {
 public:
  Deliverer(DeliveryConfig config, DeliveryLog log);
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Opens the outbox; returns how many deliveries an earlier run left waiting.
  Result<size_t> open();
  void start();
  // Stops the sender (an attempt in progress is cancelled and stays queued).
  void stop();

  // Writes an outbox entry per document and wakes the sender. The entries
  // are durable when it returns (one group-committed flush for all of
  // them), or, with Durability::by_caller, once the caller's
  // flush_file_system on the same file system returns (the service flushes
  // them together with its retry record).
  // FHIR: fails, queueing nothing, when the case cannot be filed
  // (check_record_facts).
  Result<std::vector<Queued>> enqueue(const std::vector<OutgoingDocument>& docs, const RecordFacts& facts,
                                      Durability durability = Durability::flushed);

  DeliveryStats stats() const;
  const DeliveryConfig& config() const { return config_; }

 private:
  struct Due {
    long long at_ms;      // steady clock
    unsigned long long seq;
  };
  void run();
  void attempt(const std::string& id);
  // A document that needs to go out: its outbox entry and the newest
  // version the outbox records for its case and file.
  struct Planned {
    OutboxEntry entry;
    LatestVersion version;
  };
  Result<Queued> plan_one(const OutgoingDocument& d, const RecordFacts& facts, std::vector<Planned>& planned);
  bool waits_for_predecessor(const OutboxEntry& e);
  // FHIR: whether the EHR already holds this entry (GET by identifier).
  // found: recorded as sent; retry: rescheduled; send: go ahead and POST.
  enum class Search { found, retry, send };
  Search search_before_create(OutboxEntry& e, nlohmann::json& event);
  HttpRequest request_for(const OutboxEntry& e, const std::string& method, const std::string& url) const;
  // A failed attempt, whatever the channel.
  struct Failure {
    bool retryable = true;
    std::string error;       // for the entry and the log: "HTTP 503", "ACK AE", "connection refused"
    std::string excerpt;     // the answer, kept in failed/ when given up
    long retry_after_s = -1; // the server's Retry-After
  };
  static Failure http_failure(const HttpResponse& res);
  void after_failure(OutboxEntry& e, const Failure& f, nlohmann::json& event);
  void attempt_mllp(OutboxEntry& e, nlohmann::json& event);
  void record_sent(const OutboxEntry& e, const std::string& server_id, nlohmann::json& event);

  DeliveryConfig config_;
  DeliveryLog log_;
  Outbox outbox_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Due> due_;  // id -> when
  std::set<std::string> unsure_;    // ids that may have reached the EHR already: search before sending
  unsigned long long seq_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned long long> delivered_{0}, attempts_failed_{0};
  std::atomic<size_t> failed_{0};
  std::thread thread_;
};

}  // namespace p2p::delivery
