// The SQLite ledger: one file in WAL mode, so a watcher's workers and a
// service on the same machine write it at once (each write is one short
// transaction; a writer that finds the file locked waits up to the busy
// timeout). The only file that includes sqlite3.h.
// synchronous=NORMAL: a killed process loses nothing that was committed; a
// power cut may lose the last commits, which the next run recovers from the
// packets' manifests (docs/ledger.md).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ledger/backends.h"
#include "ledger/schema.h"

namespace p2p::ledger_backend {

namespace {

constexpr int kBusyTimeoutMs = 15000;

// Prepared statements kept for the connection's life, keyed by their SQL:
// preparing one (parsing the SQL, coding the events table's triggers) was
// 13 % of the service's main process per packet (docs/performance.md,
// "Issue 14, session 22"). Used only under the ledger's mutex. A statement
// prepared before a migration is prepared again by SQLite itself.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The statement for `sql`, prepared on first use; null when it does not prepare.
  sqlite3_stmt* get(const std::string& sql) {
    auto it = kept_.find(sql);
    if (it != kept_.end()) return it->second;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      return nullptr;
    }
    kept_.emplace(sql, s);
    return s;
  }
  void clear() {
    for (auto& [sql, s] : kept_) sqlite3_finalize(s);
    kept_.clear();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> kept_;
};

// A kept statement in use: reset and unbound when it goes out of scope, so
// it holds no read snapshot of the WAL between uses.
class Statement {
 public:
  Statement(StatementCache& cache, const std::string& sql) : stmt_(cache.get(sql)) {}
  ~Statement() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool prepared() const { return stmt_ != nullptr; }
  void bind(int i, const std::string& text) { sqlite3_bind_text(stmt_, i, text.data(), int(text.size()), SQLITE_TRANSIENT); }
  void bind(int i, long long value) { sqlite3_bind_int64(stmt_, i, value); }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  int step() { return sqlite3_step(stmt_); }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), size_t(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  long long integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kEventColumns = "id, recorded_at, case_id, kind, at, recorded_by, data, source_key";
// The payer x category's running tally (schema migration 6), less the
// case's own count when it is one of them.
constexpr const char* kCallRecordQuery =
    "SELECT coalesce((SELECT decided FROM call_tally WHERE payer_id = ?1 AND service_category = ?2), 0) - "
    "coalesce((SELECT p.disposition IN ('overturned', 'modified', 'upheld') FROM cases c "
    "JOIN case_progress p ON p.case_id = c.case_id "
    "WHERE c.case_id = ?3 AND c.payer_id = ?1 AND c.service_category = ?2), 0), "
    "coalesce((SELECT overturned FROM call_tally WHERE payer_id = ?1 AND service_category = ?2), 0) - "
    "coalesce((SELECT p.disposition = 'overturned' FROM cases c JOIN case_progress p ON p.case_id = c.case_id "
    "WHERE c.case_id = ?3 AND c.payer_id = ?1 AND c.service_category = ?2), 0)";

// denied_between(): the progress columns for the cases of a period, then the
// two the report adds (ledger.h, DeniedCase)
std::string denied_query() {
  return std::string(kProgressColumns) + ", c.denial_type, c.denial_date" + kProgressFrom +
         " WHERE c.denial_date BETWEEN ?1 AND ?2 ORDER BY c.case_id";
}

CaseRow read_case(const Statement& s) {
  CaseRow row;
  row.case_id = s.text(0);
  row.payer_id = s.text(1);
  row.plan_type = s.text(2);
  row.state = s.text(3);
  row.denial_type = s.text(4);
  row.denial_date = s.text(5);
  auto codes = json_from_text(s.text(6), nlohmann::json::array());
  for (const auto& c : codes)
    if (c.is_string()) row.service_codes.push_back(c.get<std::string>());
  row.service_category = s.text(7);
  row.physician = s.text(8);
  row.urgent = s.integer(9) != 0;
  row.deadlines = json_from_text(s.text(10), nlohmann::json::object());
  return row;
}

// Events whose kind this binary does not know (a newer writer) are skipped.
std::optional<RecordedEvent> read_event(const Statement& s) {
  auto kind = event_kind_from_name(s.text(3));
  if (!kind) return std::nullopt;
  RecordedEvent r;
  r.id = s.integer(0);
  r.recorded_at = s.integer(1);
  r.event.case_id = s.text(2);
  r.event.kind = *kind;
  r.event.at = s.integer(4);
  r.event.recorded_by = s.text(5);
  r.event.data = json_from_text(s.text(6), nlohmann::json::object());
  r.event.source_key = s.text(7);
  return r;
}

// One row of kProgressColumns, the one reader progress(), open_progress()
// and denied_between() share.
void read_progress_row(const Statement& s, CaseProgress& p) {
  p.case_id = s.text(0);
  p.payer_id = s.text(1);
  p.physician = s.text(2);
  p.service_category = s.text(3);
  p.service_codes = codes_from_text(s.text(4));
  p.urgent = s.integer(5) != 0;
  p.p2p_request = s.text(6);
  p.internal_appeal = s.text(7);
  p.external_review = s.text(8);
  p.external_review_automatic = s.integer(9) != 0;
  p.last_id = s.integer(10);
  p.closed_id = s.integer(11);
  p.stage = int(s.integer(12));
  p.requested_at = s.integer(13);
  p.scheduled_at = s.integer(14);
  p.call_at = s.integer(15);
  p.appeal_filed_at = s.integer(16);
  p.packet_recorded_at = s.integer(17);
  p.scheduled = s.text(18);
  p.disposition = s.text(19);
  p.appeal_decision = s.text(20);
  p.external_review_due = s.text(21);
  p.external_decision = s.text(22);
}

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(sqlite3* db, std::string path) : db_(db), path_(std::move(path)), statements_(db) {}
  ~SqliteLedger() override {
    statements_.clear();  // before the connection they belong to
    sqlite3_close_v2(db_);
  }

  Diagnostics open_checks() {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // WAL survives in the file; asking again is cheap and answers "wal".
    if (auto d = exec("PRAGMA journal_mode=WAL"); !d.empty()) return d;
    if (auto d = exec("PRAGMA synchronous=NORMAL"); !d.empty()) return d;
    return migrate();
  }

  Diagnostics put_case(const CaseRow& row) override {
    std::lock_guard lock(mutex_);
    Statement s(statements_, std::string("INSERT OR REPLACE INTO cases (") + kCaseColumns +
                                 ", p2p_request_due, internal_appeal_due, external_review_due, "
                                 "external_review_automatic) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s.prepared()) return {failure("preparing the case row")};
    s.bind(1, row.case_id);
    s.bind(2, row.payer_id);
    s.bind(3, row.plan_type);
    s.bind(4, row.state);
    s.bind(5, row.denial_type);
    s.bind(6, row.denial_date);
    s.bind(7, json_text(nlohmann::json(row.service_codes)));
    s.bind(8, row.service_category);
    s.bind(9, row.physician);
    s.bind(10, (long long)(row.urgent ? 1 : 0));
    s.bind(11, json_text(row.deadlines));
    s.bind(12, deadline_text(row.deadlines, "p2p_request"));
    s.bind(13, deadline_text(row.deadlines, "internal_appeal"));
    s.bind(14, deadline_text(row.deadlines, "external_review"));
    s.bind(15, (long long)(automatic_review(row.deadlines) ? 1 : 0));
    if (s.step() != SQLITE_DONE) return {failure("writing the row of case " + row.case_id)};
    return {};
  }

  Result<bool> append(const Event& e) override {
    std::lock_guard lock(mutex_);
    // Outside in_one_transaction one statement is one transaction; OR IGNORE
    // turns a repeated (case_id, source_key) into "nothing stored".
    Statement s(statements_,
                "INSERT OR IGNORE INTO events (case_id, kind, at, recorded_at, recorded_by, data, source_key) "
                "VALUES (?,?,?,?,?,?,?)");
    if (!s.prepared()) return Result<bool>::fail({failure("preparing an event")});
    s.bind(1, e.case_id);
    s.bind(2, std::string(event_kind_name(e.kind)));
    s.bind(3, e.at);
    s.bind(4, (long long)std::time(nullptr));
    s.bind(5, e.recorded_by);
    s.bind(6, json_text(e.data));
    if (e.source_key.empty()) s.bind_null(7);
    else s.bind(7, e.source_key);
    if (s.step() != SQLITE_DONE)
      return Result<bool>::fail({failure("recording " + std::string(event_kind_name(e.kind)) + " for case " + e.case_id)});
    return Result<bool>::ok(sqlite3_changes(db_) > 0);
  }

  Result<std::optional<CaseRow>> find_case(std::string_view case_id) override {
    std::lock_guard lock(mutex_);
    using R = Result<std::optional<CaseRow>>;
    Statement s(statements_, std::string("SELECT ") + kCaseColumns + " FROM cases WHERE case_id = ?");
    if (!s.prepared()) return R::fail({failure("reading a case")});
    s.bind(1, std::string(case_id));
    int rc = s.step();
    if (rc == SQLITE_ROW) return R::ok(read_case(s));
    if (rc == SQLITE_DONE) return R::ok(std::nullopt);
    return R::fail({failure("reading case " + std::string(case_id))});
  }

  Result<std::vector<RecordedEvent>> history(std::string_view case_id) override {
    std::lock_guard lock(mutex_);
    Statement s(statements_, std::string("SELECT ") + kEventColumns + " FROM events WHERE case_id = ? ORDER BY id");
    if (!s.prepared()) return Result<std::vector<RecordedEvent>>::fail({failure("reading a history")});
    s.bind(1, std::string(case_id));
    return read_events(s, "reading the history of case " + std::string(case_id));
  }

  Result<std::vector<RecordedEvent>> events(long long after_id) override {
    std::lock_guard lock(mutex_);
    Statement s(statements_, std::string("SELECT ") + kEventColumns + " FROM events WHERE id > ? ORDER BY id");
    if (!s.prepared()) return Result<std::vector<RecordedEvent>>::fail({failure("reading events")});
    s.bind(1, after_id);
    return read_events(s, "reading events");
  }

  Result<std::vector<CaseRow>> cases() override {
    std::lock_guard lock(mutex_);
    using R = Result<std::vector<CaseRow>>;
    Statement s(statements_, std::string("SELECT ") + kCaseColumns + " FROM cases ORDER BY case_id");
    if (!s.prepared()) return R::fail({failure("reading cases")});
    std::vector<CaseRow> rows;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) rows.push_back(read_case(s));
    if (rc != SQLITE_DONE) return R::fail({failure("reading cases")});
    return R::ok(std::move(rows));
  }

  Result<std::vector<CaseProgress>> progress() override {
    std::lock_guard lock(mutex_);
    Statement s(statements_, progress_query());
    return read_progress(s, true);
  }

  Result<std::vector<CaseProgress>> open_progress(long long now, long long within_seconds) override {
    std::lock_guard lock(mutex_);
    bool within = within_seconds >= 0;
    Statement s(statements_, std::string(kProgressColumns) + kOpenFrom + open_cases_filter(within, "?1", "?2"));
    if (within) {
      long long horizon = now + within_seconds;
      s.bind(1, horizon_day(horizon));
      s.bind(2, horizon);
    }
    return read_progress(s, false);
  }

  Result<CallRecord> call_record(std::string_view payer_id, std::string_view service_category,
                                 std::string_view except_case) override {
    std::lock_guard lock(mutex_);
    Statement s(statements_, kCallRecordQuery);
    if (!s.prepared()) return Result<CallRecord>::fail({failure("reading the call record")});
    s.bind(1, std::string(payer_id));
    s.bind(2, std::string(service_category));
    s.bind(3, std::string(except_case));
    if (s.step() != SQLITE_ROW) return Result<CallRecord>::fail({failure("reading the call record")});
    return Result<CallRecord>::ok(CallRecord{int(s.integer(0)), int(s.integer(1))});
  }

  Diagnostics in_one_transaction(const std::function<Diagnostics()>& writes) override {
    std::lock_guard lock(mutex_);
    // IMMEDIATE: the write lock first, so a read inside never has to be
    // upgraded against another process's write (SQLITE_BUSY_SNAPSHOT)
    if (auto d = run_kept("BEGIN IMMEDIATE"); !d.empty()) return d;
    Diagnostics problems;
    try {
      problems = writes();
    } catch (...) {  // never leave the connection inside a transaction nobody ends
      run_kept("ROLLBACK");
      throw;
    }
    if (problems.empty()) problems = run_kept("COMMIT");
    if (!problems.empty()) run_kept("ROLLBACK");
    return problems;
  }

  Result<std::vector<DeniedCase>> denied_between(std::string_view from, std::string_view to) override {
    std::lock_guard lock(mutex_);
    using R = Result<std::vector<DeniedCase>>;
    Statement s(statements_, denied_query());
    if (!s.prepared()) return R::fail({failure("reading the cases of a period")});
    s.bind(1, std::string(from));
    s.bind(2, std::string(to));
    std::vector<DeniedCase> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      DeniedCase& d = out.emplace_back();
      read_progress_row(s, d.progress);
      d.denial_type = s.text(kProgressColumnCount);
      d.denial_date = s.text(kProgressColumnCount + 1);
    }
    if (rc != SQLITE_DONE) return R::fail({failure("reading the cases of a period")});
    return R::ok(std::move(out));
  }

 private:
  // every_case: the statement reads all cases, so room for all of them is
  // taken up front (growing a vector of 100,000 cases moved them again and
  // again, a tenth of `due`); a filtered read grows as it goes.
  Result<std::vector<CaseProgress>> read_progress(Statement& s, bool every_case) {
    using R = Result<std::vector<CaseProgress>>;
    if (!s.prepared()) return R::fail({failure("reading the work queue")});
    std::vector<CaseProgress> out;
    if (every_case) {
      Statement count(statements_, "SELECT count(*) FROM cases");
      if (count.prepared() && count.step() == SQLITE_ROW) out.reserve(size_t(count.integer(0)));
    }
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      CaseProgress p;
      read_progress_row(s, p);
      out.push_back(std::move(p));
    }
    if (rc != SQLITE_DONE) return R::fail({failure("reading the work queue")});
    return R::ok(std::move(out));
  }

  Result<std::vector<RecordedEvent>> read_events(Statement& s, const std::string& what) {
    std::vector<RecordedEvent> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      if (auto e = read_event(s)) out.push_back(std::move(*e));
    if (rc != SQLITE_DONE) return Result<std::vector<RecordedEvent>>::fail({failure(what)});
    return Result<std::vector<RecordedEvent>>::ok(std::move(out));
  }

  Diagnostic failure(const std::string& what) const { return ledger_error(path_, what + ": " + sqlite3_errmsg(db_)); }

  // One statement without rows, prepared once (BEGIN and COMMIT of every
  // packet: sqlite3_exec parsed them each time).
  Diagnostics run_kept(const char* sql) {
    Statement s(statements_, sql);
    if (s.prepared() && s.step() == SQLITE_DONE) return {};
    return {ledger_error(path_, std::string(sql) + ": " + sqlite3_errmsg(db_))};
  }

  Diagnostics exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return {};
    std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return {ledger_error(path_, why)};
  }

  long long user_version() {
    Statement s(statements_, "PRAGMA user_version");
    return s.prepared() && s.step() == SQLITE_ROW ? s.integer(0) : -1;
  }

  // Applies the migrations this file lacks, all in one IMMEDIATE transaction
  // (the write lock is taken first, so two processes opening a new file at
  // once migrate it once: the second sees the new version).
  Diagnostics migrate() {
    int latest = ledger_schema_version();
    if (auto d = exec("BEGIN IMMEDIATE"); !d.empty()) return d;
    long long version = user_version();
    Diagnostics problems;
    if (version < 0) {
      problems.push_back(failure("reading the schema version"));
    } else if (version > latest) {
      problems.push_back(ledger_error(path_, "schema version " + std::to_string(version) + " is newer than the " +
                                                 std::to_string(latest) +
                                                 " this p2pdoc knows; use a newer p2pdoc (nothing was changed)"));
    } else {
      for (const auto& m : ledger_schema::migrations()) {
        if (m.version <= version) continue;
        problems = exec(m.sqlite);
        if (!problems.empty()) {
          problems[0].message += " (applying migration " + std::to_string(m.version) + ")";
          break;
        }
      }
      if (problems.empty() && version < latest) problems = exec("PRAGMA user_version = " + std::to_string(latest));
    }
    if (!problems.empty()) {
      exec("ROLLBACK");
      return problems;
    }
    return exec("COMMIT");
  }

  sqlite3* db_;
  std::string path_;
  StatementCache statements_;
  // one connection, shared by a process's threads (opened NOMUTEX: this lock
  // is the only one); recursive for the calls inside in_one_transaction
  std::recursive_mutex mutex_;
};

// Creates the file with mode 0640 (owner writes, group reads) before SQLite
// opens it; SQLite gives its -wal and -shm files the same mode.
Diagnostics create_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd >= 0) {
    ::fchmod(fd, 0640);  // whatever the umask
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return {ledger_error(path, std::string("cannot create the file: ") + std::strerror(errno))};
}

}  // namespace

Result<std::unique_ptr<Ledger>> open_sqlite(const std::string& path) {
  using R = Result<std::unique_ptr<Ledger>>;
  if (auto d = create_file(path); !d.empty()) return R::fail(d);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return R::fail({ledger_error(path, "cannot open: " + why)});
  }
  auto ledger = std::make_unique<SqliteLedger>(db, path);
  if (auto d = ledger->open_checks(); !d.empty()) return R::fail(d);
  return R::ok(std::move(ledger));
}

}  // namespace p2p::ledger_backend
