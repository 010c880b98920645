// Serve: `p2pdoc serve`, the HTTP service an EHR's integration engine calls
// when a denial arrives (docs/service.md is the operator's manual). This
// header is the entry point: the settings, their file format, and run_serve,
// which wires the parts together:
//   service.h      the API (routes, status codes, JSON) without HTTP
//   http_server.h  cpp-httplib: limits, hooks, bind, stop
//   auth.h         bearer tokens, loopback-only without them
//   metrics.h      GET /metrics;  log.h  one JSON line per request
//   delivery/      documents back to the EHR (FHIR or webhook, outbox)
//   pubmed/        citations completed from E-utilities
// Thread contract: run_serve owns the process's signal handling (SIGINT and
// SIGTERM stop it cleanly, SIGPIPE is ignored) until it returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/diagnostic.h"
#include "delivery/delivery.h"
#include "pipeline/pipeline.h"
#include "pubmed/pubmed.h"

namespace p2p::serve {

// Every setting with its default; the config-file key is in the comment.
struct ServeConfig {
  std::string listen = "127.0.0.1:8080";  // listen: HOST:PORT, [IPV6]:PORT; port 0 = any free port
  std::string out;                        // out: packets go to OUT/<case_id>/
  std::string root;                       // root: folder holding templates/ and fonts/
  std::optional<std::string> site_templates;  // site_templates: overlay of templates/ ("" = none; unset: docs/install.md)
  std::string token_file;                 // token_file: bearer tokens, one per line (also $P2PDOC_TOKENS)
  std::string log;                        // log: append the JSON log lines here ("" = stderr)
  std::string ledger;                     // ledger: file or postgresql:// URI ("" = OUT/p2pdoc.db; docs/ledger.md)
  bool no_ledger = false;                 // no_ledger: true records nothing (and GET /v1/queue answers 404)
  long long max_body = 1 << 20;           // max_body: bytes; larger requests get 413
  int threads = 64;                       // threads: HTTP threads started at once
  int max_connections = 512;              // max_connections: connections served at once (a thread each)
  int workers = 0;                        // workers: worker processes, packets generated at once; 0 = one per CPU
  double worker_timeout_s = 20;           // worker_timeout: seconds one packet may take; then its worker is killed (500)
  long long worker_memory_mb = 1024;      // worker_memory: MiB of address space per worker; 0 = no limit
  int max_queue = 512;                    // max_queue: packet requests waiting for a worker; more get 503
  double queue_timeout_s = 30;            // queue_timeout: longest wait for a worker; then 503
  bool strict = false;                    // strict: a case with warnings is refused (422), as by validate --strict
  bool pdfa = false;                      // pdfa: archival PDF/A-2b (Resources::output_intent), workers too
  double header_timeout_s = 10;           // header_timeout: seconds for a request's line and headers to arrive
  double timeout_s = 30;                  // timeout: seconds for a request's body to arrive, and for each write
  double keep_alive_s = 2;                // keep_alive: seconds an idle connection stays open
  std::string tls_cert, tls_key;          // tls_cert, tls_key: PEM files; both set = HTTPS

  // delivery back to the EHR
  std::string deliver_fhir;               // deliver_fhir: FHIR R4 base URL (POST {base}/DocumentReference)
  std::string deliver_webhook;            // deliver_webhook: URL taking the webhook JSON
  std::string deliver_mllp;               // deliver_mllp: HOST:PORT of an HL7 v2 interface engine (docs/hl7v2.md)
  std::string deliver_token_file;         // deliver_token_file: bearer token for the EHR (also $P2PDOC_DELIVER_TOKEN)
  std::string deliver_ca_file;            // deliver_ca_file: PEM bundle for the EHR's TLS certificate (internal CA)
  std::string outbox;                     // outbox: default OUT/.outbox
  long long retry_initial_ms = 1000;      // retry_initial_ms
  long long retry_max_ms = 300000;        // retry_max_ms
  double deliver_timeout_s = 30;          // deliver_timeout: seconds per attempt
  delivery::FhirOptions fhir;             // fhir_type_code, fhir_type_display, fhir_mrn_system, fhir_member_system
  delivery::Hl7Options hl7;               // hl7_sending_application ... hl7_mrn_authority, hl7_processing_id

  // PubMed completion of citations
  bool pubmed = false;                    // pubmed: true/false; any pubmed_* setting also turns it on
  pubmed::PubMedConfig pubmed_config;     // pubmed_base, pubmed_cache (default OUT/.pubmed-cache),
                                          // pubmed_timeout (s), pubmed_rate (per s), pubmed_email, pubmed_api_key
};

// "key = value" lines over `base` ('#' comments, blank lines skipped, '-' or
// '_' in keys). Fails naming the line of each unknown key or bad value.
Result<ServeConfig> parse_serve_config(std::string_view text, ServeConfig base, const std::string& source);
Result<ServeConfig> load_serve_config(const std::string& path, ServeConfig base);

// What a complete configuration must meet (out set, listen parsable, limits
// positive, one delivery target at most, URLs http(s)). Empty when usable.
Diagnostics check_serve_config(const ServeConfig& c);

// Runs until SIGINT/SIGTERM. Prints "listening on HOST:PORT" on stdout once
// bound. Returns the exit code: 0 stopped cleanly, 2 refused settings (e.g. a
// non-loopback address without tokens), 1 could not start.
int run_serve(const ServeConfig& c, Resources res);

}  // namespace p2p::serve
