// The ledger's contract (ledger.h) against a real database. Without
// P2P_TEST_LEDGER_PG every test runs on a fresh SQLite file; with it (a
// postgresql:// URI of a throw-away server, set by tests/ledger/with_postgres.sh)
// the same tests run on a fresh PostgreSQL database each.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "ledger/ledger.h"
#include "ledger/queue.h"
#include "ledger/synthetic.h"

using namespace p2p;

namespace {

const char* postgres_base() {
  const char* uri = std::getenv("P2P_TEST_LEDGER_PG");
  return uri && *uri ? uri : nullptr;
}

// Runs one statement outside the ledger (what a person with a SQL shell could
// do). Returns true when the database accepted it.
bool raw_exec(const std::string& location, const std::string& sql) {
  if (is_postgres_location(location)) {
    PGconn* c = PQconnectdb(location.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    PQfinish(c);
    return ok;
  }
  sqlite3* db = nullptr;
  sqlite3_open(location.c_str(), &db);
  bool ok = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

// A fresh, empty ledger location for one test.
struct FreshLocation {
  std::string location;
  std::string folder;
  FreshLocation() {
    static std::atomic<int> n{0};
    std::string name = "p2p_ledger_test_" + std::to_string(getpid()) + "_" + std::to_string(n++);
    folder = (std::filesystem::temp_directory_path() / name).string();
    std::filesystem::create_directories(folder);
    if (const char* base = postgres_base()) {
      REQUIRE(raw_exec(base, "CREATE DATABASE " + name));
      // the base URI names the maintenance database last: swap in ours
      std::string b = base;
      auto q = b.find('?');
      std::string head = b.substr(0, q), tail = q == std::string::npos ? "" : b.substr(q);
      head = head.substr(0, head.rfind('/') + 1) + name;
      location = head + tail;
    } else {
      location = folder + "/p2pdoc.db";
    }
  }
  ~FreshLocation() { std::filesystem::remove_all(folder); }
};

std::unique_ptr<Ledger> open_ok(const std::string& location) {
  auto r = open_ledger(location);
  for (const auto& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  return r.take();
}

CaseRow sample_row(const std::string& id) {
  CaseRow row;
  row.case_id = id;
  row.payer_id = "aetna";
  row.plan_type = "commercial";
  row.state = "TX";
  row.denial_type = "medical_necessity";
  row.denial_date = "2026-03-02";
  row.service_codes = {"72148", "63030"};
  row.service_category = "spine surgery";
  row.physician = "Dr. Rivera";
  row.urgent = true;
  row.deadlines = {{"p2p_request", "2026-03-05"}, {"internal_appeal", "2026-08-31"}};
  return row;
}

Event event(const std::string& id, EventKind kind, long long at, std::string key = "") {
  Event e;
  e.case_id = id;
  e.kind = kind;
  e.at = at;
  e.recorded_by = "test";
  e.source_key = std::move(key);
  return e;
}

}  // namespace

TEST_CASE("event kinds: every name reads back as its kind") {
  for (EventKind k : {EventKind::denial_received, EventKind::packet_generated, EventKind::p2p_requested,
                      EventKind::p2p_scheduled, EventKind::call_held, EventKind::appeal_filed,
                      EventKind::appeal_decided, EventKind::external_review_filed,
                      EventKind::external_review_decided, EventKind::closed, EventKind::pa_response_received}) {
    auto back = event_kind_from_name(event_kind_name(k));
    REQUIRE(back.has_value());
    CHECK(*back == k);
  }
  CHECK_FALSE(event_kind_from_name("call-held").has_value());
  CHECK(is_postgres_location("postgresql://x/y"));
  CHECK(is_postgres_location("postgres://x/y"));
  CHECK_FALSE(is_postgres_location("out/p2pdoc.db"));
}

TEST_CASE("a case row reads back as written, and a second put replaces it") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  CHECK(ledger->put_case(sample_row("C-1")).empty());
  auto found = ledger->find_case("C-1");
  REQUIRE(found.is_ok());
  REQUIRE(found.value().has_value());
  const CaseRow& row = *found.value();
  CHECK(row.payer_id == "aetna");
  CHECK(row.service_codes == std::vector<std::string>{"72148", "63030"});
  CHECK(row.service_category == "spine surgery");
  CHECK(row.urgent);
  CHECK(row.deadlines["p2p_request"] == "2026-03-05");

  CaseRow changed = sample_row("C-1");
  changed.physician = "Dr. Okafor";
  changed.urgent = false;
  CHECK(ledger->put_case(changed).empty());
  auto again = ledger->find_case("C-1");
  REQUIRE(again.value().has_value());
  CHECK(again.value()->physician == "Dr. Okafor");
  CHECK_FALSE(again.value()->urgent);
  CHECK(ledger->cases().value().size() == 1);
  CHECK_FALSE(ledger->find_case("C-404").value().has_value());
}

// The SQLite ledger keeps its statements prepared between calls: each must
// be reset after use, or a finished read would keep its snapshot of the
// file and miss what another connection wrote since.
TEST_CASE("repeated reads and writes on one connection see another connection's writes in between") {
  FreshLocation where;
  auto reader = open_ok(where.location);
  auto writer = open_ok(where.location);
  CHECK(reader->put_case(sample_row("C-9")).empty());
  for (int round = 0; round < 3; ++round) {
    CaseRow changed = sample_row("C-9");
    changed.physician = "Dr. Round " + std::to_string(round);
    REQUIRE(writer->put_case(changed).empty());
    auto seen = reader->find_case("C-9");
    REQUIRE(seen.is_ok());
    REQUIRE(seen.value().has_value());
    CHECK(seen.value()->physician == changed.physician);
    REQUIRE(writer->append(event("C-9", EventKind::p2p_requested, 1000 + round)).value());
    CHECK(reader->history("C-9").value().size() == size_t(round + 1));
  }
}

TEST_CASE("in_one_transaction: every write stored, or none when the writes fail") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  Diagnostics done = ledger->in_one_transaction([&]() -> Diagnostics {
    if (auto d = ledger->put_case(sample_row("T-1")); !d.empty()) return d;
    if (!ledger->append(event("T-1", EventKind::denial_received, 1000)).is_ok()) return {error_at("", "append")};
    return {};
  });
  CHECK(done.empty());
  CHECK(ledger->find_case("T-1").value().has_value());
  CHECK(ledger->history("T-1").value().size() == 1);

  Diagnostics failed = ledger->in_one_transaction([&]() -> Diagnostics {
    (void)ledger->put_case(sample_row("T-2"));
    (void)ledger->append(event("T-2", EventKind::denial_received, 1000));
    (void)ledger->append(event("T-1", EventKind::closed, 2000));
    return {error_at("/x", "the caller gave up")};
  });
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].message == "the caller gave up");
  CHECK_FALSE(ledger->find_case("T-2").value().has_value());  // rolled back
  CHECK(ledger->history("T-2").value().empty());
  CHECK(ledger->history("T-1").value().size() == 1);
  // writes that throw: nothing kept, the exception goes on, no transaction left open
  CHECK_THROWS_AS(ledger->in_one_transaction([&]() -> Diagnostics {
    (void)ledger->put_case(sample_row("T-5"));
    throw std::runtime_error("a caller's bug");
  }), std::runtime_error);
  CHECK_FALSE(ledger->find_case("T-5").value().has_value());
  // the ledger takes writes again afterwards, inside a transaction or not
  CHECK(ledger->put_case(sample_row("T-3")).empty());
  CHECK(ledger->in_one_transaction([&] { return ledger->put_case(sample_row("T-4")); }).empty());
  CHECK(ledger->cases().value().size() == 3);
}

TEST_CASE("events come back in the order recorded, with their data") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  Event scheduled = event("C-2", EventKind::p2p_scheduled, 2000);
  scheduled.data = {{"scheduled", "2026-03-04T15:30:00Z"}};
  REQUIRE(ledger->append(event("C-2", EventKind::denial_received, 1000)).value());
  REQUIRE(ledger->append(scheduled).value());
  REQUIRE(ledger->append(event("C-other", EventKind::closed, 1500)).value());
  auto h = ledger->history("C-2");
  REQUIRE(h.is_ok());
  REQUIRE(h.value().size() == 2);
  CHECK(h.value()[0].event.kind == EventKind::denial_received);
  CHECK(h.value()[1].event.kind == EventKind::p2p_scheduled);
  CHECK(h.value()[1].event.data["scheduled"] == "2026-03-04T15:30:00Z");
  CHECK(h.value()[1].event.recorded_by == "test");
  CHECK(h.value()[0].id < h.value()[1].id);
  CHECK(h.value()[1].recorded_at > 0);
  CHECK(ledger->events().value().size() == 3);
  CHECK(ledger->events(h.value()[1].id).value().size() == 1);
}

TEST_CASE("pa_response_received: stored and read back on either backend, the case's digest at stage 0") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  Event pended = event("pas-PEND0001", EventKind::pa_response_received, 1000, "pa_response:pended:2005-05-02T11:02:00+05:00");
  pended.data = {{"decision", "pended"}, {"source", "pas"}};
  REQUIRE(ledger->append(pended).value());
  CHECK_FALSE(ledger->append(pended).value());  // once per response
  auto h = ledger->history("pas-PEND0001");
  REQUIRE(h.is_ok());
  REQUIRE(h.value().size() == 1);
  CHECK(h.value()[0].event.kind == EventKind::pa_response_received);
  CHECK(h.value()[0].event.data["decision"] == "pended");
  // no row: not a case of the queue
  auto progress = ledger->progress();
  REQUIRE(progress.is_ok());
  CHECK(progress.value().empty());
}

TEST_CASE("a source_key is stored once per case; no key never dedupes") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  CHECK(ledger->append(event("C-3", EventKind::call_held, 10, "form:abc")).value());
  CHECK_FALSE(ledger->append(event("C-3", EventKind::call_held, 11, "form:abc")).value());
  CHECK(ledger->append(event("C-4", EventKind::call_held, 10, "form:abc")).value());  // another case
  CHECK(ledger->append(event("C-3", EventKind::p2p_requested, 12)).value());
  CHECK(ledger->append(event("C-3", EventKind::p2p_requested, 12)).value());
  CHECK(ledger->history("C-3").value().size() == 3);
}

TEST_CASE("events cannot be updated or deleted, even by hand") {
  FreshLocation where;
  {
    auto ledger = open_ok(where.location);
    REQUIRE(ledger->append(event("C-5", EventKind::denial_received, 1)).value());
  }
  CHECK_FALSE(raw_exec(where.location, "UPDATE events SET at = 2"));
  CHECK_FALSE(raw_exec(where.location, "DELETE FROM events"));
  auto ledger = open_ok(where.location);
  auto h = ledger->history("C-5").value();
  REQUIRE(h.size() == 1);
  CHECK(h[0].event.at == 1);
}

TEST_CASE("reopening keeps everything; a newer schema is refused naming both versions") {
  FreshLocation where;
  {
    auto ledger = open_ok(where.location);
    REQUIRE(ledger->append(event("C-6", EventKind::denial_received, 1)).value());
  }
  CHECK(open_ok(where.location)->history("C-6").value().size() == 1);
  std::string newer = std::to_string(ledger_schema_version() + 1);
  if (is_postgres_location(where.location))
    REQUIRE(raw_exec(where.location, "UPDATE p2pdoc_schema SET version = " + newer));
  else
    REQUIRE(raw_exec(where.location, "PRAGMA user_version = " + newer));
  auto refused = open_ledger(where.location);
  REQUIRE_FALSE(refused.is_ok());
  REQUIRE(refused.diagnostics().size() == 1);
  const std::string message = refused.diagnostics()[0].message;
  CHECK(message.find("schema version " + newer) != std::string::npos);
  CHECK(message.find(std::to_string(ledger_schema_version())) != std::string::npos);
}

namespace {

void record_sample_history(Ledger& ledger) {
  REQUIRE(ledger.put_case(sample_row("C-7")).empty());
  REQUIRE(ledger.put_case(sample_row("C-8")).empty());
  Event scheduled = event("C-7", EventKind::p2p_scheduled, 100);
  scheduled.data = {{"scheduled", "2026-03-04T15:30:00Z"}};
  REQUIRE(ledger.append(event("C-7", EventKind::denial_received, 50)).value());
  REQUIRE(ledger.append(scheduled).value());
  scheduled.at = 200;
  scheduled.data["scheduled"] = "2026-03-05T15:30:00Z";  // rescheduled: the newer one counts
  REQUIRE(ledger.append(scheduled).value());
  Event call = event("C-7", EventKind::call_held, 300);
  call.data = {{"disposition", "upheld"}, {"reviewer", {{"name", "Dr. R"}}}};
  REQUIRE(ledger.append(call).value());
  Event decided = event("C-7", EventKind::appeal_decided, 400);
  decided.data = {{"decision", "modified"}, {"external_review_due", "2026-11-02"}};
  REQUIRE(ledger.append(decided).value());
  REQUIRE(ledger.append(event("C-8", EventKind::closed, 10)).value());
  REQUIRE(ledger.append(event("C-no-row", EventKind::closed, 1)).value());
}

void check_sample_progress(Ledger& ledger) {
  auto progress = ledger.progress();
  REQUIRE(progress.is_ok());
  REQUIRE(progress.value().size() == 2);
  std::vector<CaseProgress> ps = progress.value();
  std::sort(ps.begin(), ps.end(), [](const CaseProgress& a, const CaseProgress& b) { return a.case_id < b.case_id; });
  const CaseProgress& p7 = ps[0];
  CHECK(p7.case_id == "C-7");
  CHECK(p7.payer_id == "aetna");
  CHECK(p7.physician == "Dr. Rivera");
  CHECK(p7.service_codes == std::vector<std::string>{"72148", "63030"});
  CHECK(p7.urgent);
  CHECK(p7.p2p_request == "2026-03-05");
  CHECK(p7.internal_appeal == "2026-08-31");
  CHECK(p7.external_review.empty());
  CHECK(p7.stage == 5);
  CHECK(p7.scheduled == "2026-03-05T15:30:00Z");
  CHECK(p7.scheduled_at == 200);
  CHECK(p7.call_at == 300);
  CHECK(p7.disposition == "upheld");
  CHECK(p7.appeal_decision == "modified");
  CHECK(p7.external_review_due == "2026-11-02");
  CHECK(p7.closed_id == 0);
  CHECK(p7.last_id > 0);
  const CaseProgress& p8 = ps[1];
  CHECK(p8.stage == 0);
  CHECK(p8.closed_id != 0);
  CHECK(p8.closed_id == p8.last_id);
}

// The columns migration 4 adds, dropped again (both backends).
constexpr const char* kUndoMigration4 =
    "ALTER TABLE cases DROP COLUMN p2p_request_due; ALTER TABLE cases DROP COLUMN internal_appeal_due; "
    "ALTER TABLE cases DROP COLUMN external_review_due; ALTER TABLE cases DROP COLUMN external_review_automatic";

// open_progress leaves out C-8 (closed, nothing since) and keeps C-7.
void check_sample_progress_open(Ledger& ledger) {
  auto open = ledger.open_progress(0);
  REQUIRE(open.is_ok());
  std::set<std::string> ids;
  for (const CaseProgress& p : open.value()) ids.insert(p.case_id);
  CHECK(ids.count("C-7") == 1);
  CHECK(ids.count("C-8") == 0);
}

}  // namespace

TEST_CASE("progress: each case's row with the digest of its events, kept on every append") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  record_sample_history(*ledger);
  check_sample_progress(*ledger);
  check_sample_progress_open(*ledger);
}

TEST_CASE("call_record: decided P2P calls by payer and category, the newest call per case, one case left out") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  auto add = [&](const std::string& id, const std::string& payer, const std::string& category,
                 std::vector<std::string> dispositions) {
    CaseRow row = sample_row(id);
    row.payer_id = payer;
    row.service_category = category;
    REQUIRE(ledger->put_case(row).empty());
    long long at = 1780000000;
    for (const std::string& d : dispositions) {
      Event e = event(id, EventKind::call_held, at++);
      e.data = {{"disposition", d}};
      REQUIRE(ledger->append(e).is_ok());
    }
  };
  auto record = [&](const char* payer, const char* category, const char* except) {
    auto r = ledger->call_record(payer, category, except);
    REQUIRE(r.is_ok());
    return r.value();
  };
  CHECK(record("uhc", "advanced_imaging", "").decided == 0);  // an empty ledger
  add("A", "uhc", "advanced_imaging", {"overturned"});
  add("B", "uhc", "advanced_imaging", {"upheld", "overturned"});  // the newest call counts
  add("C", "uhc", "advanced_imaging", {"modified"});
  add("D", "uhc", "advanced_imaging", {"deferred"});               // held, not decided
  add("E", "uhc", "advanced_imaging", {});                         // no call
  add("F", "aetna", "advanced_imaging", {"overturned"});           // another payer
  add("G", "uhc", "spine_surgery", {"upheld"});                    // another category
  CallRecord all = record("uhc", "advanced_imaging", "");
  CHECK(all.decided == 3);
  CHECK(all.overturned == 2);
  CallRecord without_a = record("uhc", "advanced_imaging", "A");
  CHECK(without_a.decided == 2);
  CHECK(without_a.overturned == 1);
  CHECK(record("uhc", "spine_surgery", "").decided == 1);
  CHECK(record("uhc", "spine_surgery", "").overturned == 0);
}

namespace {

// call_record as the definition says, from the ledger's rows and digests:
// the cases of the payer and category with a progress row, the newest
// call's disposition, one case left out.
CallRecord counted(Ledger& ledger, const std::string& payer, const std::string& category, const std::string& except) {
  std::map<std::string, std::string> disposition;
  auto progress = ledger.progress();
  REQUIRE(progress.is_ok());
  for (const CaseProgress& p : progress.value()) disposition[p.case_id] = p.disposition;
  CallRecord r;
  auto rows = ledger.cases();
  REQUIRE(rows.is_ok());
  for (const CaseRow& row : rows.value()) {
    if (row.payer_id != payer || row.service_category != category || row.case_id == except) continue;
    auto d = disposition.find(row.case_id);
    if (d == disposition.end()) continue;
    if (d->second == "overturned" || d->second == "modified" || d->second == "upheld") ++r.decided;
    if (d->second == "overturned") ++r.overturned;
  }
  return r;
}

void check_call_records(Ledger& ledger, const std::vector<std::string>& ids) {
  for (const char* payer : {"uhc", "aetna"})
    for (const char* category : {"advanced_imaging", "biologics"})
      for (const std::string& except : ids) {
        auto got = ledger.call_record(payer, category, except);
        REQUIRE(got.is_ok());
        CallRecord want = counted(ledger, payer, category, except);
        INFO(payer << " " << category << " except '" << except << "'");
        CHECK(got.value().decided == want.decided);
        CHECK(got.value().overturned == want.overturned);
      }
}

// Cases written, rewritten under another payer or category, and calls
// recorded before and after their rows, in a random order.
void record_random_history(Ledger& ledger, std::vector<std::string>& ids, unsigned seed, int steps) {
  std::mt19937 random(seed);
  const char* payers[] = {"uhc", "aetna"};
  const char* categories[] = {"advanced_imaging", "biologics"};
  const char* dispositions[] = {"overturned", "upheld", "modified", "deferred", ""};
  for (int i = 0; i < steps; ++i) {
    std::string id = "R-" + std::to_string(random() % 12);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    if (random() % 3 == 0) {
      CaseRow row = sample_row(id);
      row.payer_id = payers[random() % 2];
      row.service_category = categories[random() % 2];
      REQUIRE(ledger.put_case(row).empty());
    } else {
      Event e = event(id, random() % 4 ? EventKind::call_held : EventKind::p2p_requested, 1780000000 + i);
      e.data = {{"disposition", dispositions[random() % 5]}};
      REQUIRE(ledger.append(e).is_ok());
    }
  }
}

}  // namespace

TEST_CASE("call_record: the running tally matches counting the cases, whatever order rows and calls came in") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  std::vector<std::string> ids = {""};
  for (unsigned seed = 1; seed <= 3; ++seed) {
    record_random_history(*ledger, ids, seed, 60);
    check_call_records(*ledger, ids);
  }
  // a transaction that fails leaves the tally as it was
  CallRecord before = ledger->call_record("uhc", "advanced_imaging", "").value();
  Diagnostics failed = ledger->in_one_transaction([&]() -> Diagnostics {
    CaseRow row = sample_row("R-new");
    row.payer_id = "uhc";
    row.service_category = "advanced_imaging";
    (void)ledger->put_case(row);
    Event e = event("R-new", EventKind::call_held, 1790000000);
    e.data = {{"disposition", "overturned"}};
    (void)ledger->append(e);
    return {error_at("", "given up")};
  });
  CHECK_FALSE(failed.empty());
  CHECK(ledger->call_record("uhc", "advanced_imaging", "").value().decided == before.decided);
  check_call_records(*ledger, ids);
  // rows moved to another payer and category by hand move their counts too
  int decided = 0;
  for (const char* payer : {"uhc", "aetna"})
    for (const char* category : {"advanced_imaging", "biologics"})
      decided += ledger->call_record(payer, category, "").value().decided;
  REQUIRE(decided > 0);
  REQUIRE(raw_exec(where.location, "UPDATE cases SET payer_id = 'aetna', service_category = 'biologics'"));
  CHECK(ledger->call_record("aetna", "biologics", "").value().decided == decided);
  check_call_records(*ledger, ids);
}

TEST_CASE("migration 6 counts the tally of a version-5 ledger, and keeps it from then on") {
  FreshLocation where;
  std::vector<std::string> ids = {""};
  {
    auto ledger = open_ok(where.location);
    record_random_history(*ledger, ids, 7, 80);
  }
  // back to version 5, as a ledger written before the tally was
  if (is_postgres_location(where.location)) {
    REQUIRE(raw_exec(where.location, "DROP TRIGGER call_tally_case ON cases; DROP TRIGGER call_tally_disposition ON case_progress; "
                                     "DROP TABLE call_tally; UPDATE p2pdoc_schema SET version = 5"));
  } else {
    REQUIRE(raw_exec(where.location, "DROP TRIGGER call_tally_case; DROP TRIGGER call_tally_case_replaced; "
                                     "DROP TRIGGER call_tally_case_moved; DROP TRIGGER call_tally_disposition; "
                                     "DROP TABLE call_tally; PRAGMA user_version = 5"));
  }
  auto ledger = open_ok(where.location);
  check_call_records(*ledger, ids);
  record_random_history(*ledger, ids, 8, 40);
  check_call_records(*ledger, ids);
}

TEST_CASE("migration 2 fills the digest from the events a version-1 ledger already holds") {
  FreshLocation where;
  {
    auto ledger = open_ok(where.location);
    record_sample_history(*ledger);
  }
  // back to version 1, as a ledger written before migration 2 was
  REQUIRE(raw_exec(where.location, kUndoMigration4));
  if (is_postgres_location(where.location)) {
    REQUIRE(raw_exec(where.location, "DROP TABLE case_progress; DROP TRIGGER events_progress ON events; "
                                     "DROP FUNCTION p2pdoc_events_progress(); UPDATE p2pdoc_schema SET version = 1"));
  } else {
    REQUIRE(raw_exec(where.location, "DROP TABLE case_progress; DROP TRIGGER events_progress; PRAGMA user_version = 1"));
  }
  auto ledger = open_ok(where.location);
  check_sample_progress(*ledger);
  // and the trigger is back
  REQUIRE(ledger->append(event("C-8", EventKind::p2p_requested, 20)).value());
  auto progress = ledger->progress();  // named: .value() of a temporary would dangle in the loop
  REQUIRE(progress.is_ok());
  for (const CaseProgress& p : progress.value())
    if (p.case_id == "C-8") CHECK(p.stage == 1);
}

namespace {

// A ledger written before migration 4 (at `version`: 2, before the triage's
// index, or 3, main's triage index already there), migrated on open.
void check_deadline_columns_filled(int version) {
  FreshLocation where;
  {
    auto ledger = open_ok(where.location);
    record_sample_history(*ledger);
    CaseRow automatic = sample_row("C-9");
    automatic.deadlines = {{"p2p_request", "2026-03-05"}, {"external_review", "2026-07-01"}, {"external_review_automatic", true}};
    REQUIRE(ledger->put_case(automatic).empty());
  }
  // back to `version`, as a ledger written before migration 4 was, with one
  // row whose deadlines are not JSON (never written by p2pdoc)
  const std::string drop = std::string(kUndoMigration4) + "; ";
  const std::string broken = "INSERT INTO cases (case_id, payer_id, plan_type, state, denial_type, denial_date, service_codes, "
                             "service_category, physician, urgent, deadlines) VALUES ('C-bad', 'uhc', 'erisa', 'TX', "
                             "'medical_necessity', '2026-03-02', '[]', '', '', ";
  if (is_postgres_location(where.location))
    REQUIRE(raw_exec(where.location, drop + broken + "false, 'not json'); UPDATE p2pdoc_schema SET version = " + std::to_string(version)));
  else
    REQUIRE(raw_exec(where.location, drop + broken + "0, 'not json'); PRAGMA user_version = " + std::to_string(version)));
  auto ledger = open_ok(where.location);
  auto progress = ledger->progress();
  REQUIRE(progress.is_ok());
  int seen = 0;
  for (const CaseProgress& p : progress.value()) {
    if (p.case_id == "C-7") {
      ++seen;
      CHECK(p.p2p_request == "2026-03-05");
      CHECK(p.internal_appeal == "2026-08-31");
      CHECK(p.external_review.empty());
      CHECK_FALSE(p.external_review_automatic);
    } else if (p.case_id == "C-9") {
      ++seen;
      CHECK(p.external_review == "2026-07-01");
      CHECK(p.external_review_automatic);
    } else if (p.case_id == "C-bad") {
      ++seen;
      CHECK(p.p2p_request.empty());
      CHECK(p.internal_appeal.empty());
    }
  }
  CHECK(seen == 3);
  check_sample_progress_open(*ledger);
}

}  // namespace

TEST_CASE("migration 4 fills the deadline columns from the JSON of a version-2 ledger's rows") {
  check_deadline_columns_filled(2);
}

TEST_CASE("migration 4 fills the deadline columns of a version-3 ledger (the triage's index already there)") {
  check_deadline_columns_filled(3);
}

namespace {

bool same_entry(const QueueEntry& a, const QueueEntry& b) {
  return a.case_id == b.case_id && a.deadline == b.deadline && a.due == b.due && a.due_at == b.due_at &&
         a.missed == b.missed && a.missed_windows == b.missed_windows && a.stage == b.stage && a.reason == b.reason &&
         a.payer_id == b.payer_id && a.physician == b.physician && a.service_category == b.service_category &&
         a.service_codes == b.service_codes && a.urgent == b.urgent;
}

// Histories at the edges of the SQL filter (backends.h, open_cases_filter):
// a call booked in a zone 14 h ahead of UTC, a date-time where a day is
// expected, deadlines that are not dates, a row with no events at all.
void record_edge_histories(Ledger& ledger, long long today) {
  auto day = [](long long t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return std::string(buf);
  };
  CaseRow row = sample_row("EDGE-kiritimati");
  REQUIRE(ledger.put_case(row).empty());
  // recorded as happening late, so the filter's fallback on `at` (for a
  // time that does not parse) cannot hide a wrong date comparison
  Event booked = event(row.case_id, EventKind::p2p_scheduled, today + 30 * 86400);
  booked.data = {{"scheduled", day(today + 2 * 86400) + "T01:00:00+14:00"}};
  REQUIRE(ledger.append(booked).value());

  row = sample_row("EDGE-datetime-due");
  REQUIRE(ledger.put_case(row).empty());
  Event decided = event(row.case_id, EventKind::appeal_decided, today - 3 * 86400);
  decided.data = {{"decision", "upheld"}, {"external_review_due", day(today + 86400) + "T20:00:00Z"}};
  REQUIRE(ledger.append(decided).value());

  row = sample_row("EDGE-not-dates");
  row.deadlines = {{"p2p_request", "soon"}, {"internal_appeal", day(today + 2 * 86400)}};
  REQUIRE(ledger.put_case(row).empty());
  Event garbled = event(row.case_id, EventKind::p2p_scheduled, today + 86400);
  garbled.data = {{"scheduled", "next Tuesday"}};
  row.case_id = "EDGE-garbled-call";
  REQUIRE(ledger.put_case(row).empty());
  garbled.case_id = row.case_id;
  REQUIRE(ledger.append(garbled).value());

  row = sample_row("EDGE-no-events");
  row.deadlines = {{"p2p_request", day(today + 86400)}};
  REQUIRE(ledger.put_case(row).empty());

  row = sample_row("EDGE-reopened");
  REQUIRE(ledger.put_case(row).empty());
  REQUIRE(ledger.append(event(row.case_id, EventKind::closed, today - 86400)).value());
  REQUIRE(ledger.append(event(row.case_id, EventKind::p2p_requested, today)).value());
}

}  // namespace

TEST_CASE("migration 5 gives a version-4 ledger's cases without events their progress row, so due still lists them") {
  FreshLocation where;
  {
    auto ledger = open_ok(where.location);
    record_sample_history(*ledger);
    CaseRow quiet = sample_row("C-quiet");  // a case row, no event yet
    quiet.deadlines = {{"p2p_request", "2026-03-05"}};
    REQUIRE(ledger->put_case(quiet).empty());
  }
  // back to version 4: no trigger on cases, no progress row for C-quiet
  if (is_postgres_location(where.location))
    REQUIRE(raw_exec(where.location, "DROP TRIGGER cases_progress ON cases; DROP FUNCTION p2pdoc_cases_progress(); "
                                     "DROP INDEX case_progress_open; DELETE FROM case_progress WHERE case_id = 'C-quiet'; "
                                     "UPDATE p2pdoc_schema SET version = 4"));
  else
    REQUIRE(raw_exec(where.location, "DROP TRIGGER cases_progress; DROP INDEX case_progress_open; "
                                     "DELETE FROM case_progress WHERE case_id = 'C-quiet'; PRAGMA user_version = 4"));
  auto ledger = open_ok(where.location);
  auto open = ledger->open_progress(0);
  REQUIRE(open.is_ok());
  bool listed = false;
  for (const CaseProgress& p : open.value()) listed = listed || (p.case_id == "C-quiet" && p.p2p_request == "2026-03-05");
  CHECK(listed);
  // and the trigger is back: a new case without events is listed too
  REQUIRE(ledger->put_case(sample_row("C-new")).empty());
  auto again = ledger->open_progress(0);
  REQUIRE(again.is_ok());
  bool fresh = false;
  for (const CaseProgress& p : again.value()) fresh = fresh || p.case_id == "C-new";
  CHECK(fresh);
}

TEST_CASE("open_progress: the queue filtered by the database is the queue built from every case") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  const long long today = 1795017600;  // 2026-11-18T16:00:00Z
  for (const auto& h : synthetic::histories(150, 11, today)) {
    REQUIRE(ledger->put_case(h.row).empty());
    for (const Event& e : h.events) REQUIRE(ledger->append(e).is_ok());
  }
  record_edge_histories(*ledger, today);
  auto all = ledger->progress();
  REQUIRE(all.is_ok());
  size_t compared = 0, filtered_out = 0;
  // from long before the denials to long after (every window open, closing
  // and closed), then hour by hour around the edge histories' deadlines
  std::vector<long long> nows;
  for (long long now = today - 420 * 86400LL; now <= today + 200 * 86400LL; now += 5 * 86400LL + 3607) nows.push_back(now);
  for (long long now = today - 2 * 86400LL; now <= today + 4 * 86400LL; now += 3600) nows.push_back(now);
  for (long long now : nows) {
    for (long long within : {-1LL, 0LL, 3600LL, 3 * 86400LL, 14 * 86400LL}) {
      auto open = ledger->open_progress(now, within);
      REQUIRE(open.is_ok());
      CHECK(open.value().size() <= all.value().size());
      filtered_out += all.value().size() - open.value().size();
      auto expected = build_queue(all.value(), now, within);
      auto got = build_queue(open.value(), now, within);
      INFO("now ", now, ", within ", within);
      REQUIRE(got.size() == expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        INFO("case ", expected[i].case_id);
        CHECK(same_entry(got[i], expected[i]));
      }
      compared += got.size();
    }
  }
  CHECK(compared > 1000);
  CHECK(filtered_out > 1000);  // the database did leave cases out
}

TEST_CASE("denied_between: the period's cases by id, each with the digest of its events") {
  FreshLocation where;
  auto ledger = open_ok(where.location);
  for (const char* id : {"P-2", "P-1", "P-3"}) {
    CaseRow row = sample_row(id);
    row.denial_date = std::string(id) == "P-3" ? "2026-04-01" : "2026-03-31";
    row.deadlines["external_review"] = "2026-07-31";
    row.deadlines["external_review_automatic"] = true;
    REQUIRE(ledger->put_case(row).empty());
  }
  Event call = event("P-1", EventKind::call_held, 30);
  call.data = {{"disposition", "upheld"}, {"duration_minutes", 12}};
  Event scheduled = event("P-1", EventKind::p2p_scheduled, 20);
  scheduled.data = {{"scheduled", "2026-04-02T15:00:00Z"}};
  Event decided = event("P-1", EventKind::appeal_decided, 40);
  decided.data = {{"decision", "modified"}, {"external_review_due", "2026-08-10"}};
  Event outside = event("P-3", EventKind::call_held, 30);
  outside.data = {{"disposition", "overturned"}};
  for (const Event& e : {event("P-1", EventKind::denial_received, 10), scheduled, call, outside, decided})
    REQUIRE(ledger->append(e).is_ok());
  auto read = ledger->denied_between("2026-03-01", "2026-03-31");
  REQUIRE(read.is_ok());
  const auto& cases = read.value();
  REQUIRE(cases.size() == 2);  // P-3 was denied after the period
  CHECK(cases[0].progress.case_id == "P-1");
  CHECK(cases[1].progress.case_id == "P-2");
  CHECK(cases[1].progress.stage == 0);
  CHECK(cases[1].progress.last_id == 0);
  const DeniedCase& p1 = cases[0];
  CHECK(p1.denial_type == "medical_necessity");
  CHECK(p1.denial_date == "2026-03-31");
  const CaseProgress& p = p1.progress;
  CHECK(p.payer_id == "aetna");
  CHECK(p.physician == "Dr. Rivera");
  CHECK(p.service_codes == std::vector<std::string>{"72148", "63030"});
  CHECK(p.urgent);
  CHECK(p.p2p_request == "2026-03-05");
  CHECK(p.internal_appeal == "2026-08-31");
  CHECK(p.external_review == "2026-07-31");
  CHECK(p.external_review_automatic);
  CHECK(p.stage == 5);
  CHECK(p.scheduled == "2026-04-02T15:00:00Z");
  CHECK(p.scheduled_at == 20);
  CHECK(p.call_at == 30);
  CHECK(p.disposition == "upheld");
  CHECK(p.appeal_decision == "modified");
  CHECK(p.external_review_due == "2026-08-10");
}

TEST_CASE("several processes append to one ledger at once: nothing lost, nothing doubled") {
  FreshLocation where;
  open_ok(where.location);  // created and migrated once, as a first run would
  constexpr int kWriters = 4, kEach = 50;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    if (pid == 0) {
      auto opened = open_ledger(where.location);
      if (!opened.is_ok()) _exit(3);
      auto ledger = opened.take();
      for (int i = 0; i < kEach; ++i) {
        // every writer also repeats one shared key: it must be stored once
        if (!ledger->append(event("C-many", EventKind::p2p_requested, i, "w" + std::to_string(w) + "-" + std::to_string(i))).is_ok()) _exit(4);
        if (!ledger->append(event("C-many", EventKind::closed, i, "shared-" + std::to_string(i))).is_ok()) _exit(5);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto h = open_ok(where.location)->history("C-many").value();
  CHECK(h.size() == size_t(kWriters * kEach + kEach));
}

TEST_CASE("SQLite: the file is created 0640; a folder that does not exist is a clear error") {
  if (postgres_base()) return;
  FreshLocation where;
  open_ok(where.location);
  struct stat st {};
  REQUIRE(stat(where.location.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  auto missing = open_ledger(where.folder + "/no/such/folder/p2pdoc.db");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.diagnostics()[0].message.find("cannot create the file") != std::string::npos);
}
