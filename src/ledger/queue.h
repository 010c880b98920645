// The work queue: every open case with the next deadline that matters, for
// `p2pdoc due` and GET /v1/queue (docs/ledger.md, "The work queue"). Pure
// computation over what the ledger holds (Ledger::progress(): each case's
// deadlines from knowledge/deadlines and the digest of its events); the
// clock is passed in. Thread-safe.
//
// Which deadline comes next follows the case's furthest step:
//   denial / packet only   P2P request window (missed: flagged, then the appeal)
//   P2P requested          the P2P request window (the call must happen in it)
//   P2P scheduled          the scheduled call
//   call held              written confirmation (24 h after the call), then
//                          the internal appeal unless the call overturned the denial
//   appeal filed           none: waiting for the payer's decision
//   appeal decided         external review when the appeal was upheld or modified
//   external review filed  none: waiting for the decision
//   external review decided / overturned  none: close the case
//   closed                 not in the queue
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"

namespace p2p {

struct QueueEntry {
  std::string case_id;
  std::string deadline;     // "p2p_request", "scheduled_call", "call_confirmation", "internal_appeal",
                            // "external_review", or "" when the case waits on someone else
  std::string due;          // "YYYY-MM-DD" (a day, ends at 24:00 UTC) or "YYYY-MM-DDTHH:MM:SSZ"; "" without a deadline
  long long due_at = 0;     // Unix seconds the deadline ends; sorting key
  bool missed = false;      // `due` has passed
  std::vector<std::string> missed_windows;  // windows that closed with nothing recorded ("p2p_request")
  std::string stage;        // the furthest step recorded ("p2p_scheduled"; "packet_generated" before any step)
  std::string reason;       // why the case is open, in words
  std::string payer_id, physician, service_category;
  std::vector<std::string> service_codes;
  bool urgent = false;
};

// Open cases, soonest deadline first (missed ones are the soonest), cases
// without a deadline last; ties by case id. `within_seconds` >= 0 keeps only
// cases with a deadline ending before now + within_seconds (missed included).
std::vector<QueueEntry> build_queue(const std::vector<CaseProgress>& cases, long long now, long long within_seconds = -1);
// The same, moving the texts out of `cases` instead of copying them.
std::vector<QueueEntry> build_queue(std::vector<CaseProgress>&& cases, long long now, long long within_seconds = -1);

// "3d", "36h", "2w", "90m" -> seconds; nullopt for anything else.
std::optional<long long> parse_duration(const std::string& text);

// Date-time texts the ledger meets ("2026-11-18", "2026-11-18T14:00:00Z",
// "2026-11-18T14:00:00-08:00", "2026-11-18 14:00") -> Unix seconds; a day
// alone is its start (UTC). nullopt when it is none of these.
std::optional<long long> parse_time_point(const std::string& text);

nlohmann::json queue_json(const std::vector<QueueEntry>& queue, long long now);
// queue_json(queue, now).dump(2, ' ', false, replace), byte for byte,
// written directly: building the JSON tree of 100,000 entries cost ten
// times the queue itself (docs/performance.md).
std::string queue_json_text(const std::vector<QueueEntry>& queue, long long now);
std::string queue_table(const std::vector<QueueEntry>& queue, long long now);
std::string queue_csv(const std::vector<QueueEntry>& queue);

// The weekly review: calls held in the 7 days before `now` with their
// outcome, cases whose P2P window closed with no request, and appeals (and
// external reviews) due in the 7 days after `now`.
nlohmann::json weekly_json(const std::vector<CaseProgress>& cases, long long now);
std::string weekly_table(const nlohmann::json& weekly);

}  // namespace p2p
