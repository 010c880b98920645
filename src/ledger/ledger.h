// Ledger: the practice's memory of every case, from denial to outcome
// (issue 10, docs/ledger.md). Beside the pipeline, not a stage of it: the
// entry points (cli, watch, serve) record into it after a packet is written;
// the pipeline library never sees it.
//
// Contract:
// - One summary row per case (CaseRow: the minimum a report needs; the case
//   file stays the record of everything else) and an append-only history of
//   events per case. Events are never updated or deleted; a correction is a
//   new event.
// - append() is atomic (one transaction): after a crash the event is either
//   wholly there or not at all. An event with a non-empty `source_key` that
//   the ledger already holds for that case is not stored again (the same
//   filled form recorded twice counts once).
// - Several processes on one machine (SQLite, WAL) or several machines
//   (PostgreSQL) may write the same ledger at once.
// - Every function returns a value or Diagnostics; nothing throws across this
//   header. Messages never contain patient data (case ids only).
// - A ledger whose schema is newer than this binary is refused on open, with
//   an error naming both versions.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace p2p {

enum class EventKind {
  denial_received,
  packet_generated,         // data: {"templates": {...}, "documents": {"brief.pdf": "<sha256>", ...}}
  p2p_requested,
  p2p_scheduled,            // data: {"scheduled": "<date-time>"}
  call_held,                // data: the case format's `call` object (docs/case-format.md)
  appeal_filed,
  appeal_decided,           // data: {"decision": "overturned|upheld|modified"}
  external_review_filed,
  external_review_decided,  // data: {"decision": ...}
  closed,
  pa_response_received,     // a prior-authorization response that is not a denial (issue 12):
                            // data {"decision": "approved|pended|error", "summary", "source": "pas", ...}
};

// "call_held" <-> EventKind::call_held; the names are the ledger's and the API's.
std::string_view event_kind_name(EventKind kind);
std::optional<EventKind> event_kind_from_name(std::string_view name);

struct Event {
  std::string case_id;
  EventKind kind = EventKind::denial_received;
  long long at = 0;                 // when it happened, Unix seconds UTC
  std::string recorded_by;          // "cli", "watch", "serve", "record", or a staff name
  nlohmann::json data = nlohmann::json::object();
  std::string source_key;           // optional dedupe key (e.g. "form:<sha256 of the PDF>")
};

struct RecordedEvent {
  long long id = 0;                 // ledger-wide order of recording
  long long recorded_at = 0;        // Unix seconds UTC, when the ledger stored it
  Event event;
};

// The case as a report sees it. Upserted when a packet is generated (the
// latest case file wins); its history is in the events.
struct CaseRow {
  std::string case_id;
  std::string payer_id, plan_type, state;
  std::string denial_type, denial_date;   // denial_date YYYY-MM-DD
  std::vector<std::string> service_codes;
  std::string service_category;
  std::string physician;                  // the name as it appears on the case
  bool urgent = false;
  nlohmann::json deadlines = nlohmann::json::object();  // name -> "YYYY-MM-DD" or date-time
};

// What the work queue needs of one case, in one read: the fields of its row
// and a digest of its events that the ledger keeps up to date inside every
// append (schema migration 2: the table case_progress, filled by a trigger),
// so `due` over 100,000 cases reads 100,000 flat rows and parses no JSON
// (migration 4 keeps the row's deadlines as plain columns beside their JSON).
// Times are Unix seconds, 0 when no such event; texts "" when absent.
struct CaseProgress {
  std::string case_id, payer_id, physician, service_category;
  std::vector<std::string> service_codes;
  bool urgent = false;
  std::string p2p_request, internal_appeal, external_review;  // the row's deadlines, "YYYY-MM-DD" or ""
  bool external_review_automatic = false;
  long long last_id = 0;            // the case's newest event
  long long closed_id = 0;          // its newest `closed` event
  int stage = 0;                    // furthest step: 0 denial/packet, 1 p2p_requested, 2 p2p_scheduled,
                                    // 3 call_held, 4 appeal_filed, 5 appeal_decided,
                                    // 6 external_review_filed, 7 external_review_decided
  long long requested_at = 0;       // newest p2p_requested
  std::string scheduled;            // newest p2p_scheduled's data.scheduled
  long long scheduled_at = 0;       // ... and its `at`
  long long call_at = 0;            // newest call_held
  std::string disposition;          // ... its data.disposition
  long long appeal_filed_at = 0;
  std::string appeal_decision;      // newest appeal_decided's data.decision
  std::string external_review_due;  // ... and its data.external_review_due
  std::string external_decision;    // newest external_review_decided's data.decision
  long long packet_recorded_at = 0; // when the newest packet_generated was stored
};

// The practice's P2P record for one payer x service category (triage):
// decided calls are cases whose newest call_held has disposition
// overturned, modified or upheld (report.h's definition), read from
// case_progress; "deferred" or none is not decided.
struct CallRecord {
  int decided = 0;
  int overturned = 0;
};

// One case denied in a report's period, as the report reads it (report.h):
// its work-queue digest (CaseProgress: the row's fields, its deadlines and
// the newest event of each kind, kept by the ledger inside every append)
// and the two fields of the row the digest lacks. One flat row per case, no
// event read and no JSON parsed, so a report over 100,000 cases reads fast.
struct DeniedCase {
  CaseProgress progress;
  std::string denial_type, denial_date;  // denial_date "YYYY-MM-DD"
};

class Ledger {
 public:
  virtual ~Ledger() = default;
  // Inserts or replaces the case's summary row.
  virtual Diagnostics put_case(const CaseRow& row) = 0;
  // Appends one event. Ok(true): stored; ok(false): its source_key was
  // already recorded for this case, nothing stored.
  virtual Result<bool> append(const Event& event) = 0;
  virtual Result<std::optional<CaseRow>> find_case(std::string_view case_id) = 0;
  // A case's events in the order they were recorded.
  virtual Result<std::vector<RecordedEvent>> history(std::string_view case_id) = 0;
  // Every case row (for the work queue and the report).
  virtual Result<std::vector<CaseRow>> cases() = 0;
  // Every case that has a row, with the digest of its events (CaseProgress).
  virtual Result<std::vector<CaseProgress>> progress() = 0;
  // What the work queue reads (`due`, GET /v1/queue): progress() without
  // the closed cases (a `closed` event and nothing recorded since), and,
  // when within_seconds >= 0, without the cases none of whose deadlines can
  // end before now + within_seconds. Filtered by the database, from the
  // row's deadline columns and the digest (schema migration 4). A superset
  // of what build_queue(..., now, within_seconds) keeps, never less: given
  // the same now and within, build_queue over this and over progress()
  // gives the same queue.
  virtual Result<std::vector<CaseProgress>> open_progress(long long now, long long within_seconds = -1) = 0;
  // Every event of every case in the order recorded (for the report and the
  // recovery of missed events); `after_id` skips the ones already seen.
  virtual Result<std::vector<RecordedEvent>> events(long long after_id = 0) = 0;
  // The decided P2P calls of the cases with this payer and service category,
  // `except_case` left out (the case being triaged never counts itself).
  virtual Result<CallRecord> call_record(std::string_view payer_id, std::string_view service_category,
                                         std::string_view except_case) = 0;
  // The cases whose denial_date is in [from, to] ("YYYY-MM-DD", inclusive),
  // by case id, each with the digest of its events (DeniedCase), for the report.
  virtual Result<std::vector<DeniedCase>> denied_between(std::string_view from, std::string_view to) = 0;
  // Runs `writes` (calls on this ledger, from this thread) as one
  // transaction: every write in it is stored, or, when `writes` returns
  // diagnostics or the commit fails, none. Other threads wait meanwhile.
  // One commit instead of one per call: a packet's case row and events.
  virtual Diagnostics in_one_transaction(const std::function<Diagnostics()>& writes) = 0;
};

// Opens (creating and migrating as needed) the ledger at `location`: a file
// path for SQLite, or a "postgresql://" / "postgres://" URI. A new SQLite
// file is created with mode 0640; its folder must exist.
Result<std::unique_ptr<Ledger>> open_ledger(const std::string& location);

// True when `location` names a PostgreSQL database rather than a file.
bool is_postgres_location(std::string_view location);

// The schema version this binary writes (the last numbered migration).
int ledger_schema_version();

}  // namespace p2p
