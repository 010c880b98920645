// The PostgreSQL ledger (libpq), for sites whose several service instances
// share one ledger. The only file that includes libpq-fe.h.
// Every write is one statement (its own transaction) or, for the schema, one
// explicit transaction serialized by an advisory lock, so two instances
// starting at once migrate a new database once. Statements carry their
// values as parameters, never spliced into SQL text.
#include <libpq-fe.h>

#include <ctime>
#include <mutex>

#include "ledger/backends.h"
#include "ledger/schema.h"

namespace p2p::ledger_backend {

namespace {

constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(724011)";  // any constant, ours alone

// A query result, cleared when it goes out of scope.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  ~Rows() { PQclear(r_); }
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  bool ok() const {
    auto s = PQresultStatus(r_);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  int count() const { return PQntuples(r_); }
  std::string text(int row, int col) const { return std::string(PQgetvalue(r_, row, col), size_t(PQgetlength(r_, row, col))); }
  long long integer(int row, int col) const { return std::atoll(PQgetvalue(r_, row, col)); }
  std::string affected() const { return PQcmdTuples(r_); }
  std::string error() const { return PQresultErrorMessage(r_); }

 private:
  PGresult* r_;
};

constexpr const char* kEventColumns = "id, recorded_at, case_id, kind, at, recorded_by, data, coalesce(source_key, '')";
// The payer x category's running tally (schema migration 6), less the
// case's own count when it is one of them.
constexpr const char* kCallRecordQuery =
    "SELECT coalesce((SELECT decided FROM call_tally WHERE payer_id = $1 AND service_category = $2), 0) - "
    "coalesce((SELECT CASE WHEN p.disposition IN ('overturned', 'modified', 'upheld') THEN 1 ELSE 0 END FROM cases c "
    "JOIN case_progress p ON p.case_id = c.case_id "
    "WHERE c.case_id = $3 AND c.payer_id = $1 AND c.service_category = $2), 0), "
    "coalesce((SELECT overturned FROM call_tally WHERE payer_id = $1 AND service_category = $2), 0) - "
    "coalesce((SELECT CASE WHEN p.disposition = 'overturned' THEN 1 ELSE 0 END FROM cases c "
    "JOIN case_progress p ON p.case_id = c.case_id "
    "WHERE c.case_id = $3 AND c.payer_id = $1 AND c.service_category = $2), 0)";

// denied_between(): the progress columns for the cases of a period, then the
// two the report adds (ledger.h, DeniedCase)
std::string denied_query() {
  return std::string(kProgressColumns) + ", c.denial_type, c.denial_date" + kProgressFrom +
         " WHERE c.denial_date BETWEEN $1 AND $2 ORDER BY c.case_id COLLATE \"C\"";
}

CaseRow read_case(const Rows& r, int i) {
  CaseRow row;
  row.case_id = r.text(i, 0);
  row.payer_id = r.text(i, 1);
  row.plan_type = r.text(i, 2);
  row.state = r.text(i, 3);
  row.denial_type = r.text(i, 4);
  row.denial_date = r.text(i, 5);
  for (const auto& c : json_from_text(r.text(i, 6), nlohmann::json::array()))
    if (c.is_string()) row.service_codes.push_back(c.get<std::string>());
  row.service_category = r.text(i, 7);
  row.physician = r.text(i, 8);
  row.urgent = r.text(i, 9) == "t";
  row.deadlines = json_from_text(r.text(i, 10), nlohmann::json::object());
  return row;
}

std::optional<RecordedEvent> read_event(const Rows& r, int i) {
  auto kind = event_kind_from_name(r.text(i, 3));
  if (!kind) return std::nullopt;  // written by a newer p2pdoc
  RecordedEvent e;
  e.id = r.integer(i, 0);
  e.recorded_at = r.integer(i, 1);
  e.event.case_id = r.text(i, 2);
  e.event.kind = *kind;
  e.event.at = r.integer(i, 4);
  e.event.recorded_by = r.text(i, 5);
  e.event.data = json_from_text(r.text(i, 6), nlohmann::json::object());
  e.event.source_key = r.text(i, 7);
  return e;
}

// The URI without its password, for messages.
std::string redacted(const std::string& uri) {
  auto scheme = uri.find("://");
  auto at = uri.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return uri;
  auto colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon) + ":***" + uri.substr(at);
}

// One row of kProgressColumns, the one reader progress(), open_progress()
// and denied_between() share.
CaseProgress read_progress_row(const Rows& r, int i) {
  CaseProgress p;
  p.case_id = r.text(i, 0);
  p.payer_id = r.text(i, 1);
  p.physician = r.text(i, 2);
  p.service_category = r.text(i, 3);
  p.service_codes = codes_from_text(r.text(i, 4));
  p.urgent = r.text(i, 5) == "t";
  p.p2p_request = r.text(i, 6);
  p.internal_appeal = r.text(i, 7);
  p.external_review = r.text(i, 8);
  p.external_review_automatic = r.text(i, 9) == "t";
  p.last_id = r.integer(i, 10);
  p.closed_id = r.integer(i, 11);
  p.stage = int(r.integer(i, 12));
  p.requested_at = r.integer(i, 13);
  p.scheduled_at = r.integer(i, 14);
  p.call_at = r.integer(i, 15);
  p.appeal_filed_at = r.integer(i, 16);
  p.packet_recorded_at = r.integer(i, 17);
  p.scheduled = r.text(i, 18);
  p.disposition = r.text(i, 19);
  p.appeal_decision = r.text(i, 20);
  p.external_review_due = r.text(i, 21);
  p.external_decision = r.text(i, 22);
  return p;
}

class PostgresLedger final : public Ledger {
 public:
  PostgresLedger(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  ~PostgresLedger() override { PQfinish(conn_); }

  // Creates the version table if needed and applies missing migrations, all
  // in one transaction under the advisory lock.
  Diagnostics migrate() {
    int latest = ledger_schema_version();
    if (auto d = exec("BEGIN"); !d.empty()) return d;
    Diagnostics problems = exec(kMigrationLock);
    if (problems.empty()) problems = exec("CREATE TABLE IF NOT EXISTS p2pdoc_schema (version INTEGER NOT NULL)");
    long long version = -1;
    if (problems.empty()) {
      Rows r(PQexec(conn_, "SELECT version FROM p2pdoc_schema"));
      if (!r.ok()) problems.push_back(failure("reading the schema version", r.error()));
      else version = r.count() ? r.integer(0, 0) : 0;
      if (problems.empty() && r.count() == 0) problems = exec("INSERT INTO p2pdoc_schema VALUES (0)");
    }
    if (problems.empty() && version > latest) {
      problems.push_back(ledger_error(where_, "schema version " + std::to_string(version) + " is newer than the " +
                                                  std::to_string(latest) +
                                                  " this p2pdoc knows; use a newer p2pdoc (nothing was changed)"));
    }
    if (problems.empty()) {
      for (const auto& m : ledger_schema::migrations()) {
        if (m.version <= version) continue;
        problems = exec(m.postgres);
        if (!problems.empty()) {
          problems[0].message += " (applying migration " + std::to_string(m.version) + ")";
          break;
        }
      }
      if (problems.empty() && version < latest)
        problems = exec("UPDATE p2pdoc_schema SET version = " + std::to_string(latest));
    }
    if (!problems.empty()) {
      exec("ROLLBACK");
      return problems;
    }
    return exec("COMMIT");
  }

  Diagnostics put_case(const CaseRow& row) override {
    std::lock_guard lock(mutex_);
    std::string sql = std::string("INSERT INTO cases (") + kCaseColumns +
                      ", p2p_request_due, internal_appeal_due, external_review_due, external_review_automatic"
                      ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT (case_id) DO UPDATE SET "
                      "payer_id = EXCLUDED.payer_id, plan_type = EXCLUDED.plan_type, state = EXCLUDED.state, "
                      "denial_type = EXCLUDED.denial_type, denial_date = EXCLUDED.denial_date, "
                      "service_codes = EXCLUDED.service_codes, service_category = EXCLUDED.service_category, "
                      "physician = EXCLUDED.physician, urgent = EXCLUDED.urgent, deadlines = EXCLUDED.deadlines, "
                      "p2p_request_due = EXCLUDED.p2p_request_due, internal_appeal_due = EXCLUDED.internal_appeal_due, "
                      "external_review_due = EXCLUDED.external_review_due, "
                      "external_review_automatic = EXCLUDED.external_review_automatic";
    Rows r = query(sql, {row.case_id, row.payer_id, row.plan_type, row.state, row.denial_type, row.denial_date,
                         json_text(nlohmann::json(row.service_codes)), row.service_category, row.physician,
                         row.urgent ? "true" : "false", json_text(row.deadlines),
                         deadline_text(row.deadlines, "p2p_request"), deadline_text(row.deadlines, "internal_appeal"),
                         deadline_text(row.deadlines, "external_review"),
                         automatic_review(row.deadlines) ? "true" : "false"});
    if (!r.ok()) return {failure("writing the row of case " + row.case_id, r.error())};
    return {};
  }

  Result<bool> append(const Event& e) override {
    std::lock_guard lock(mutex_);
    // NULLIF: an empty key is stored as NULL, which the unique index ignores
    Rows r = query(
        "INSERT INTO events (case_id, kind, at, recorded_at, recorded_by, data, source_key) "
        "VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6, NULLIF($7, '')) "
        "ON CONFLICT (case_id, source_key) WHERE source_key IS NOT NULL DO NOTHING",
        {e.case_id, std::string(event_kind_name(e.kind)), std::to_string(e.at), std::to_string(std::time(nullptr)),
         e.recorded_by, json_text(e.data), e.source_key});
    if (!r.ok())
      return Result<bool>::fail(
          {failure("recording " + std::string(event_kind_name(e.kind)) + " for case " + e.case_id, r.error())});
    return Result<bool>::ok(r.affected() == "1");
  }

  Result<std::optional<CaseRow>> find_case(std::string_view case_id) override {
    std::lock_guard lock(mutex_);
    using R = Result<std::optional<CaseRow>>;
    Rows r = query(std::string("SELECT ") + kCaseColumns + " FROM cases WHERE case_id = $1", {std::string(case_id)});
    if (!r.ok()) return R::fail({failure("reading case " + std::string(case_id), r.error())});
    if (r.count() == 0) return R::ok(std::nullopt);
    return R::ok(read_case(r, 0));
  }

  Result<std::vector<RecordedEvent>> history(std::string_view case_id) override {
    std::lock_guard lock(mutex_);
    return read_events(std::string("SELECT ") + kEventColumns + " FROM events WHERE case_id = $1 ORDER BY id",
                       {std::string(case_id)}, "reading the history of case " + std::string(case_id));
  }

  Result<std::vector<RecordedEvent>> events(long long after_id) override {
    std::lock_guard lock(mutex_);
    return read_events(std::string("SELECT ") + kEventColumns + " FROM events WHERE id > $1::bigint ORDER BY id",
                       {std::to_string(after_id)}, "reading events");
  }

  Result<std::vector<CaseRow>> cases() override {
    std::lock_guard lock(mutex_);
    using R = Result<std::vector<CaseRow>>;
    Rows r = query(std::string("SELECT ") + kCaseColumns + " FROM cases ORDER BY case_id", {});
    if (!r.ok()) return R::fail({failure("reading cases", r.error())});
    std::vector<CaseRow> rows;
    rows.reserve(size_t(r.count()));
    for (int i = 0; i < r.count(); ++i) rows.push_back(read_case(r, i));
    return R::ok(std::move(rows));
  }

  Result<std::vector<CaseProgress>> progress() override {
    std::lock_guard lock(mutex_);
    return read_progress(query(progress_query(), {}));
  }

  Result<std::vector<CaseProgress>> open_progress(long long now, long long within_seconds) override {
    std::lock_guard lock(mutex_);
    bool within = within_seconds >= 0;
    std::string sql = std::string(kProgressColumns) + kOpenFrom + open_cases_filter(within, "$1", "$2::bigint", " COLLATE \"C\"");
    if (!within) return read_progress(query(sql, {}));
    long long horizon = now + within_seconds;
    return read_progress(query(sql, {horizon_day(horizon), std::to_string(horizon)}));
  }

  Result<CallRecord> call_record(std::string_view payer_id, std::string_view service_category,
                                 std::string_view except_case) override {
    std::lock_guard lock(mutex_);
    Rows r = query(kCallRecordQuery, {std::string(payer_id), std::string(service_category), std::string(except_case)});
    if (!r.ok() || r.count() != 1) return Result<CallRecord>::fail({failure("reading the call record", r.error())});
    return Result<CallRecord>::ok(CallRecord{int(r.integer(0, 0)), int(r.integer(0, 1))});
  }

  Result<std::vector<DeniedCase>> denied_between(std::string_view from, std::string_view to) override {
    std::lock_guard lock(mutex_);
    using R = Result<std::vector<DeniedCase>>;
    Rows r = query(denied_query(), {std::string(from), std::string(to)});
    if (!r.ok()) return R::fail({failure("reading the cases of a period", r.error())});
    std::vector<DeniedCase> out;
    out.reserve(size_t(r.count()));
    for (int i = 0; i < r.count(); ++i) {
      DeniedCase& d = out.emplace_back();
      d.progress = read_progress_row(r, i);
      d.denial_type = r.text(i, kProgressColumnCount);
      d.denial_date = r.text(i, kProgressColumnCount + 1);
    }
    return R::ok(std::move(out));
  }

 private:
  Result<std::vector<CaseProgress>> read_progress(const Rows& r) {
    using R = Result<std::vector<CaseProgress>>;
    if (!r.ok()) return R::fail({failure("reading the work queue", r.error())});
    std::vector<CaseProgress> out;
    out.reserve(size_t(r.count()));
    for (int i = 0; i < r.count(); ++i) out.push_back(read_progress_row(r, i));
    return R::ok(std::move(out));
  }

  Diagnostics in_one_transaction(const std::function<Diagnostics()>& writes) override {
    std::lock_guard lock(mutex_);
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
    if (auto d = exec("BEGIN"); !d.empty()) return d;
    in_transaction_ = true;
    Diagnostics problems;
    try {
      problems = writes();
    } catch (...) {  // never leave the connection inside a transaction nobody ends
      in_transaction_ = false;
      exec("ROLLBACK");
      throw;
    }
    in_transaction_ = false;
    // a connection lost inside leaves no transaction to commit: COMMIT
    // would only warn, so that is checked first
    if (problems.empty() && PQtransactionStatus(conn_) != PQTRANS_INTRANS)
      problems.push_back(failure("a transaction", "the connection was lost or the transaction failed"));
    if (problems.empty()) problems = exec("COMMIT");
    if (!problems.empty()) exec("ROLLBACK");
    return problems;
  }

  Rows query(const std::string& sql, const std::vector<std::string>& params) {
    // a restarted server: one reconnect per call, never inside a transaction
    // (the calls after it would commit on their own)
    if (PQstatus(conn_) != CONNECTION_OK && !in_transaction_) PQreset(conn_);
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    return Rows(PQexecParams(conn_, sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  }

  Result<std::vector<RecordedEvent>> read_events(const std::string& sql, const std::vector<std::string>& params,
                                                 const std::string& what) {
    Rows r = query(sql, params);
    if (!r.ok()) return Result<std::vector<RecordedEvent>>::fail({failure(what, r.error())});
    std::vector<RecordedEvent> out;
    out.reserve(size_t(r.count()));
    for (int i = 0; i < r.count(); ++i)
      if (auto e = read_event(r, i)) out.push_back(std::move(*e));
    return Result<std::vector<RecordedEvent>>::ok(std::move(out));
  }

  Diagnostics exec(const std::string& sql) {
    Rows r(PQexec(conn_, sql.c_str()));
    if (r.ok()) return {};
    return {failure("statement failed", r.error())};
  }

  Diagnostic failure(const std::string& what, std::string why) const {
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return ledger_error(where_, what + ": " + why);
  }

  PGconn* conn_;
  std::string where_;
  // one connection, shared by a process's threads; recursive for the calls
  // inside in_one_transaction
  std::recursive_mutex mutex_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<Ledger>> open_postgres(const std::string& uri) {
  using R = Result<std::unique_ptr<Ledger>>;
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn);
    return R::fail({ledger_error(redacted(uri), "cannot connect: " + why)});
  }
  // notices (e.g. "relation already exists, skipping") are not for our users
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto ledger = std::make_unique<PostgresLedger>(conn, redacted(uri));
  if (auto d = ledger->migrate(); !d.empty()) return R::fail(d);
  return R::ok(std::move(ledger));
}

}  // namespace p2p::ledger_backend
