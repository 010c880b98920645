// The two ledger backends and what they share. Internal to src/ledger/: the
// rest of p2pdoc sees only ledger.h. sqlite_ledger.cpp is the only file that
// includes sqlite3.h, postgres_ledger.cpp the only one that includes libpq.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace p2p::ledger_backend {

Result<std::unique_ptr<Ledger>> open_sqlite(const std::string& path);
Result<std::unique_ptr<Ledger>> open_postgres(const std::string& uri);

// The SQL both backends read cases with (the same text in SQLite and
// PostgreSQL; placeholders differ, so the queries that take any stay in
// each backend).
inline constexpr const char* kCaseColumns =
    "case_id, payer_id, plan_type, state, denial_type, denial_date, service_codes, service_category, physician, "
    "urgent, deadlines";
// The columns of a case's progress, in the order read_progress_row() reads
// them: the case row with its deadlines as columns (migration 4, no JSON
// function per row), then its case_progress digest.
inline constexpr const char* kProgressColumns =
    "SELECT c.case_id, c.payer_id, c.physician, c.service_category, c.service_codes, c.urgent, "
    "c.p2p_request_due, c.internal_appeal_due, c.external_review_due, c.external_review_automatic, "
    "coalesce(p.last_id, 0), coalesce(p.closed_id, 0), coalesce(p.stage, 0), coalesce(p.requested_at, 0), "
    "coalesce(p.scheduled_at, 0), coalesce(p.call_at, 0), coalesce(p.appeal_filed_at, 0), "
    "coalesce(p.packet_recorded_at, 0), coalesce(p.scheduled, ''), coalesce(p.disposition, ''), "
    "coalesce(p.appeal_decision, ''), coalesce(p.external_review_due, ''), coalesce(p.external_decision, '')";
inline constexpr int kProgressColumnCount = 23;
inline constexpr const char* kProgressFrom = " FROM cases c LEFT JOIN case_progress p ON p.case_id = c.case_id";
// The open cases start from case_progress, which has a row for every case
// (migration 5), and its index of open ones (open_cases_filter).
inline constexpr const char* kOpenFrom = " FROM case_progress p JOIN cases c ON c.case_id = p.case_id";
inline std::string progress_query() { return std::string(kProgressColumns) + kProgressFrom; }

// Column text of the JSON-valued fields, and back. Malformed stored text
// (never written by us) reads as an empty value rather than failing a report.
std::string json_text(const nlohmann::json& value);
nlohmann::json json_from_text(const std::string& text, nlohmann::json fallback);

// ["72148","63030"] (service_codes as stored) -> its strings, without a
// JSON parser for the plain codes every case has; escaped text falls back
// to the parser.
std::vector<std::string> codes_from_text(const std::string& text);

// The row's deadlines as their columns hold them (schema migration 4): a
// date named in CaseRow::deadlines ("" when absent), and whether the plan
// forwards an upheld appeal to external review itself.
std::string deadline_text(const nlohmann::json& deadlines, const char* name);
bool automatic_review(const nlohmann::json& deadlines);

// The WHERE clause of Ledger::open_progress over `cases c LEFT JOIN
// case_progress p`: open cases; with `within`, only those one of whose
// possible next deadlines (by the stage, as build_queue chooses them) ends
// by the horizon. `day` is the placeholder of horizon_day(), `at` that of
// the horizon in Unix seconds. Dates are compared as text on their first 10
// characters, against a day one day past the horizon: a day deadline ends
// 24 h after its date starts and a date-time's local date is at most 14 h
// ahead of UTC, so nothing the queue keeps is left out. `bytewise` makes a
// text comparison compare bytes (PostgreSQL: ` COLLATE "C"`; SQLite's
// default already does).
std::string open_cases_filter(bool within, const std::string& day, const std::string& at,
                              const std::string& bytewise = "");
std::string horizon_day(long long horizon);

// The error every backend reports, naming the ledger (never case data).
Diagnostic ledger_error(const std::string& where, const std::string& what);

}  // namespace p2p::ledger_backend
