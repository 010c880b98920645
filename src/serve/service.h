// Service: the HTTP API's behaviour, without HTTP. A Request (method, path,
// Authorization header, body) goes in, a Reply (status, type, body, headers,
// plus the route and case id for the log) comes out; http_server.cpp only
// moves bytes. Routes:
//   GET  /healthz                             200 {"status":"ok"} (no token needed)
//   GET  /metrics                             Prometheus text
//   POST /v1/packets                          case JSON -> 201 manifest (+ delivery queued);
//        the same case again (or the same Idempotency-Key and case) -> 200 the
//        packet already written, nothing regenerated, delivered or recorded,
//        unless ?regenerate=1 (replay.h); a key reused with another case -> 422,
//        a key whose first post still runs -> 409
//        with Content-Type application/fhir+json: a PAS response (docs/fhir.md) ->
//        201 the draft's manifest (OUT/<case_id>/: case.draft.json, preparation-sheet.pdf),
//        200 {"decision": "approved|pended|error"} and no packet for a non-denial,
//        422 with FHIRPath locations, 409 when a completed packet has that case id
//   POST /v1/validate                         case JSON -> 200 {valid, warnings}
//   GET  /v1/packets/{case_id}                the manifest
//   GET  /v1/packets/{case_id}/{document}     a document of the packet
//   GET  /v1/queue                            the work queue, as `p2pdoc due --format json`
//   POST /v1/cases/{case_id}/events           {"kind": "call_held", "call": {...}} -> 201 recorded
//                                             (200 when already recorded), 422 with /call/... paths;
//                                             the packet is regenerated with the call (outcome/record.h),
//                                             rendered in a worker and delivered like any packet
// A packet is recorded in the ledger after it is written; a ledger that
// fails is a 500 (the packet stays written; the next start records it).
// Client mistakes map to 400 (malformed JSON), 401, 404, 405, 422 (invalid
// case, same path-named diagnostics as the CLI); 500 only for our own
// failures, logged with the case id.
// Load: at most `workers` packets are generated at once (gate.h); requests
// beyond that wait in arrival order, and when `max_queue` are already waiting
// (or one waited `queue_timeout`) the answer is 503 with Retry-After.
// Containment: with a WorkerPool (workers.h) the packet is rendered in a
// worker process with a time and memory limit; a worker that crashes or runs
// out of time fails that request alone (500 with its request id).
// Thread contract: handle() may run on many threads at once; one case body is
// generated once at a time (Flights), packets of one case id are written one
// at a time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "delivery/delivery.h"
#include "ledger/ledger.h"
#include "pipeline/pipeline.h"
#include "serve/auth.h"
#include "serve/gate.h"
#include "serve/log.h"
#include "serve/metrics.h"
#include "serve/replay.h"
#include "serve/router.h"
#include "serve/workers.h"

namespace p2p::serve {

struct Request {
  std::string method;
  std::string path;           // decoded, without the query
  std::string authorization;  // the header as sent, "" if none
  std::string body;
  std::string id = "";        // the request id (X-Request-Id), for 500 bodies and the log
  std::string content_type = "";  // the Content-Type header as sent, "" if none
  std::vector<std::pair<std::string, std::string>> query = {};  // decoded query parameters, in order
  std::vector<std::string> idempotency_keys = {};                // each Idempotency-Key header as sent
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string route;    // route template, for logs and metrics
  std::string case_id;  // a safe case id when known, for the log
};

struct ServiceParts {
  const Resources* resources = nullptr;
  std::string out_dir;
  TokenSet tokens;                               // empty: no authentication (loopback only)
  size_t max_body = 1 << 20;                     // for the 413 message
  delivery::Deliverer* deliverer = nullptr;      // null: no delivery
  const CitationLookup* citations = nullptr;     // null: no PubMed completion
  Metrics* metrics = nullptr;
  JsonLog* log = nullptr;
  int workers = 2;                               // packets generated at once
  int max_queue = 512;                           // packets waiting for a worker; more: 503
  std::chrono::milliseconds queue_timeout{30000};  // longest wait for a worker; then 503
  WorkerPool* pool = nullptr;                    // null: generate on the request's thread (unit tests)
  bool strict = false;                           // a case with warnings gets 422, the warnings as errors
  Ledger* ledger = nullptr;                      // null: nothing recorded, GET /v1/queue is 404 (not owned)
  std::string ledger_location;                   // where `ledger` is, named in the triage's basis
};

class Service {
 public:
  explicit Service(ServiceParts parts);

  Reply handle(const Request& request);

  // An answer for an error the HTTP layer found itself (413, 411, a bad
  // request line), in the same JSON shape as every other error.
  Reply error_reply(int status, const std::string& message) const;
  std::string message_for_status(int status) const;

  // The route label of a request that never reached handle().
  static std::string route_label(const std::string& method, const std::string& path);

  // A new id for a request: unique in this process's life, unlikely to repeat across restarts.
  std::string new_request_id();

  // Counts the answer in the metrics and writes the request's log line.
  void record(const std::string& method, const std::string& route, int status, double seconds,
              const std::string& case_id, const std::string& request_id);

  // A failure on our side (an exception escaped a handler, a worker died): a
  // 500 naming the request id, logged with route, case id and request id only.
  Reply internal_error(const std::string& route, const std::string& case_id, const std::string& request_id,
                       const std::string& what);

 private:
  Reply create_packet(const Request& r);
  // POST /v1/packets with a FHIR body (intake/pas_intake.h).
  Reply create_draft(const Request& r);
  Reply validate(const Request& r);
  // The body as a valid case in `loaded`, or the 400/422 reply saying why not.
  // `fingerprint`, when given, receives the body's case_fingerprint (replay.h).
  std::optional<Reply> load_body(const Request& r, const Env& env, Result<Case>& loaded,
                                 std::string* fingerprint = nullptr);
  // 200 with the stored manifest: a retried post (replay.h).
  Reply replayed(const std::string& case_id, const std::string& manifest_text);
  Reply get_packet(const std::string& case_id);
  Reply get_document(const std::string& case_id, const std::string& file);
  Reply healthz() const;
  Reply queue();
  Reply record_event(const Request& r, const std::string& case_id);
  // The "delivery" member of a reply: the target and each queued document.
  nlohmann::json delivery_json(const std::vector<delivery::Queued>& queued) const;
  std::mutex& case_lock(const std::string& case_id);

  ServiceParts p_;
  Gate gate_;
  Flights flights_;
  std::array<std::mutex, 64> case_locks_;
  std::string id_prefix_;
  std::atomic<unsigned long long> next_id_{0};
};

// {"errors": [{"path", "message"}...], "warnings": [...]}
nlohmann::json diagnostics_json(const Diagnostics& ds);

}  // namespace p2p::serve
