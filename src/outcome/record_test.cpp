// record_call against a real SQLite ledger in a temp folder: counted once,
// regenerated once, the run that stopped between the event and the packet
// finished on the next try, a packet without case.json, a broken case.json.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "ledger/ledger.h"
#include "ledger/packet_events.h"
#include "outcome/record.h"
#include "pdf/pdf_export.h"
#include "pipeline/files.h"

using namespace p2p;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const Resources& resources() {
  static Resources res = [] {
    return load_resources(P2P_SOURCE_ROOT).take();
  }();
  return res;
}

struct Folder {
  std::string path;
  explicit Folder(const std::string& name)
      : path((fs::temp_directory_path() / ("p2p-record-test-" + name + "-" + std::to_string(getpid()))).string()) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() { fs::remove_all(path); }
};

const Env kEnv = Env::at(1795000000);

// The sample's packet written into `out`; returns the case id.
std::string packet_in(const std::string& out) {
  auto text = read_file(std::string(P2P_SOURCE_ROOT) + "/samples/uhc-lumbar-mri.json");
  REQUIRE(text);
  auto c = load_case_checked(*text, resources(), kEnv);
  REQUIRE(c.is_ok());
  auto p = generate_packet(c.value(), resources(), kEnv);
  REQUIRE(p.is_ok());
  REQUIRE(write_packet(p.value(), out, kEnv).is_ok());
  return c.value().id;
}

CallDraft upheld() {
  return call_from_json(json{{"disposition", "upheld"}, {"reviewer_reasoning", "Not enough conservative care."}},
                        "/call");
}

int count(Ledger& l, const std::string& id, EventKind kind) {
  auto h = l.history(id);
  REQUIRE(h.is_ok());
  int n = 0;
  for (const RecordedEvent& e : h.value()) n += e.event.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("case_id_from_title: the id after \"case \", only a safe one") {
  CHECK(case_id_from_title("Peer-to-peer call record \xE2\x80\x93 case RSP-2026-00417") == "RSP-2026-00417");
  CHECK(case_id_from_title("Peer-to-peer call record") == "");
  CHECK(case_id_from_title("x case ../etc") == "");
  CHECK(case_id_from_title("x case .hidden") == "");
  CHECK(case_id_from_title("x case ") == "");
}

TEST_CASE("record_call: once in the ledger, the packet regenerated once; an interrupted run is finished") {
  Folder f("once");
  std::string id = packet_in(f.path);
  auto opened = open_ledger(f.path + "/p2pdoc.db");
  REQUIRE(opened.is_ok());
  Ledger& ledger = *opened.value();
  RecordRequest req;
  req.out_dir = f.path;
  req.case_id = id;

  RecordResult first = record_call(upheld(), req, &ledger, resources(), kEnv);
  REQUIRE(first.outcome.is_ok());
  CHECK_FALSE(first.outcome.value().already_recorded);
  CHECK(first.outcome.value().packet_dir == f.path + "/" + id);
  CHECK(count(ledger, id, EventKind::call_held) == 1);
  CHECK(count(ledger, id, EventKind::packet_generated) == 1);
  json kept = json::parse(*read_file(f.path + "/" + id + "/case.json"));
  CHECK(kept["call"]["disposition"] == "upheld");

  RecordResult again = record_call(upheld(), req, &ledger, resources(), kEnv);
  REQUIRE(again.outcome.is_ok());
  CHECK(again.outcome.value().already_recorded);
  CHECK(again.outcome.value().packet_dir.empty());
  CHECK(count(ledger, id, EventKind::call_held) == 1);
  CHECK(count(ledger, id, EventKind::packet_generated) == 1);

  // a run that stored the event and stopped before the packet: the packet
  // on disk lacks the call, so the next try writes it
  CallDraft modified = call_from_json(json{{"disposition", "modified"}, {"auth_number", "A-1"}}, "/call");
  Event e;
  e.case_id = id;
  e.kind = EventKind::call_held;
  e.recorded_by = "test";
  e.data = json{{"disposition", "modified"}, {"auth_number", "A-1"}};
  e.source_key = *call_key(e.data);
  REQUIRE(ledger.append(e).is_ok());
  RecordResult resumed = record_call(modified, req, &ledger, resources(), kEnv);
  REQUIRE(resumed.outcome.is_ok());
  CHECK(resumed.outcome.value().already_recorded);
  CHECK_FALSE(resumed.outcome.value().packet_dir.empty());
  CHECK(count(ledger, id, EventKind::call_held) == 2);
  kept = json::parse(*read_file(f.path + "/" + id + "/case.json"));
  CHECK(kept["call"]["disposition"] == "modified");
}

TEST_CASE("record_call: invalid calls write nothing; no case.json records with a warning; a bad case.json is refused") {
  Folder f("refuse");
  std::string id = packet_in(f.path);
  RecordRequest req;
  req.out_dir = f.path;
  req.case_id = id;
  std::string manifest = *read_file(f.path + "/" + id + "/manifest.json");

  RecordResult bad = record_call(call_from_json(json{{"disposition", {"upheld", "overturned"}}}, "/call"), req,
                                 nullptr, resources(), kEnv);
  REQUIRE_FALSE(bad.outcome.is_ok());
  CHECK_FALSE(bad.our_fault);
  CHECK(bad.outcome.diagnostics()[0].path == "/call/disposition");
  CHECK(*read_file(f.path + "/" + id + "/manifest.json") == manifest);

  // a character the fonts cannot print is found by the case check, named by the reader
  RecordResult cjk = record_call(call_from_json(json{{"disposition", "upheld"}, {"reviewer", {{"name", "\xE7\x8E\x8B"}}}}, "/call"),
                                 req, nullptr, resources(), kEnv);
  REQUIRE_FALSE(cjk.outcome.is_ok());
  CHECK(cjk.outcome.diagnostics()[0].path == "/call/reviewer/name");

  Folder none("none");
  RecordRequest elsewhere = req;
  elsewhere.out_dir = none.path;
  RecordResult missing = record_call(upheld(), elsewhere, nullptr, resources(), kEnv);
  REQUIRE(missing.outcome.is_ok());
  CHECK(missing.outcome.value().packet_dir.empty());
  REQUIRE_FALSE(missing.outcome.diagnostics().empty());
  CHECK(missing.outcome.diagnostics().back().message.find("not regenerated") != std::string::npos);

  fs::create_directories(none.path + "/" + id);
  REQUIRE(write_file_atomic(none.path + "/" + id + "/case.json", "{\"case_id\": 7}").is_ok());
  RecordResult wrong = record_call(upheld(), elsewhere, nullptr, resources(), kEnv);
  REQUIRE_FALSE(wrong.outcome.is_ok());
  CHECK(wrong.outcome.diagnostics()[0].message.find("is the case 7") != std::string::npos);
}

TEST_CASE("record_call: a modified call keeps what the case recorded as approved (the form cannot say it)") {
  Folder f("approved");
  json doc = json::parse(*read_file(std::string(P2P_SOURCE_ROOT) + "/samples/uhc-lumbar-mri.json"));
  // one more unit requested than approved: a partial approval
  doc["services"][0]["units"] = 2;
  std::string code = doc["services"][0]["code"];
  json approved = {{"services", {{{"code", code}, {"units", 1}}}}};
  doc["call"] = {{"disposition", "modified"}, {"approved", approved}};
  auto c = load_case_checked(doc.dump(), resources(), kEnv);
  REQUIRE(c.is_ok());
  auto p = generate_packet(c.value(), resources(), kEnv);
  REQUIRE(p.is_ok());
  REQUIRE(write_packet(p.value(), f.path, kEnv).is_ok());
  std::string id = c.value().id;
  RecordRequest req;
  req.out_dir = f.path;
  req.case_id = id;
  CallDraft form = call_from_json(json{{"disposition", "modified"}, {"auth_number", "A-9"}}, "/call");
  RecordResult r = record_call(form, req, nullptr, resources(), kEnv);
  REQUIRE(r.outcome.is_ok());
  json kept = json::parse(*read_file(f.path + "/" + id + "/case.json"));
  CHECK(kept["call"]["approved"] == approved);
  CHECK(kept["call"]["auth_number"] == "A-9");
  // an upheld call approved nothing
  RecordResult up = record_call(upheld(), req, nullptr, resources(), kEnv);
  REQUIRE(up.outcome.is_ok());
  kept = json::parse(*read_file(f.path + "/" + id + "/case.json"));
  CHECK_FALSE(kept["call"].contains("approved"));
}

TEST_CASE("call_key: the call's start in UTC to the minute and its disposition, else its content") {
  json a = {{"started", "2026-11-24T10:30:00-05:00"}, {"disposition", "upheld"}};
  CHECK(call_key(a) == std::optional<std::string>("call:2026-11-24T15:30Z:upheld"));
  // the same moment written another way, with seconds a form cannot give, and other details
  json b = {{"started", "2026-11-24T15:30:42Z"}, {"disposition", "upheld"}, {"duration_minutes", 20}};
  CHECK(call_key(b) == call_key(a));
  json c = {{"started", "2026-11-24T07:30-08:00"}, {"disposition", "upheld"}};
  CHECK(call_key(c) == call_key(a));
  // another outcome, another minute, another day: another call
  json modified = a;
  modified["disposition"] = "modified";
  CHECK(call_key(modified) != call_key(a));
  json later = a;
  later["started"] = "2026-11-24T10:31:00-05:00";
  CHECK(call_key(later) != call_key(a));
  // before 1970 the minute still rounds down
  CHECK(call_key(json{{"started", "1969-12-31T23:59:30Z"}, {"disposition", "upheld"}}) ==
        std::optional<std::string>("call:1969-12-31T23:59Z:upheld"));
  // no start time: the content, without what only a case file carries (approved)
  json bare = {{"disposition", "modified"}, {"auth_number", "A-9"}};
  json with_approved = bare;
  with_approved["approved"] = {{"services", json::array()}};
  REQUIRE(call_key(bare));
  CHECK(call_key(bare)->rfind("call:content:", 0) == 0);
  CHECK(call_key(with_approved) == call_key(bare));
  CHECK(call_key(json{{"disposition", "modified"}, {"auth_number", "A-10"}}) != call_key(bare));
  // not a held call
  CHECK_FALSE(call_key(json{{"started", "2026-11-24T10:30:00-05:00"}}));
  CHECK_FALSE(call_key(json::array()));
}

TEST_CASE("one call, whichever way it arrives: the case file's call and the same call recorded count once") {
  Folder f("one-call");
  auto opened = open_ledger(f.path + "/p2pdoc.db");
  REQUIRE(opened.is_ok());
  Ledger& ledger = *opened.value();
  json doc = json::parse(*read_file(std::string(P2P_SOURCE_ROOT) + "/samples/uhc-lumbar-mri.json"));
  doc["call"] = {{"started", "2026-11-20T10:05:00-06:00"}, {"disposition", "upheld"}};
  auto c = load_case_checked(doc.dump(), resources(), kEnv);
  REQUIRE(c.is_ok());
  auto p = generate_packet(c.value(), resources(), kEnv);
  REQUIRE(p.is_ok());
  REQUIRE(write_packet(p.value(), f.path, kEnv).is_ok());
  const std::string id = c.value().id;
  REQUIRE(record_packet(ledger, c.value(), resources(), packet_manifest(p.value(), kEnv), "cli", kEnv).empty());
  CHECK(count(ledger, id, EventKind::call_held) == 1);
  // generated again: nothing new
  REQUIRE(record_packet(ledger, c.value(), resources(), packet_manifest(p.value(), kEnv), "cli", kEnv).empty());
  CHECK(count(ledger, id, EventKind::call_held) == 1);

  RecordRequest req;
  req.out_dir = f.path;
  req.case_id = id;
  // the same call from the form or the API: the same minute in another zone, more detail
  CallDraft same = call_from_json(json{{"started", "2026-11-20T11:05:00-05:00"},
                                       {"disposition", "upheld"},
                                       {"reviewer_reasoning", "Not enough conservative care."}},
                                  "/call");
  RecordResult r = record_call(same, req, &ledger, resources(), kEnv);
  REQUIRE(r.outcome.is_ok());
  CHECK(r.outcome.value().already_recorded);
  CHECK(count(ledger, id, EventKind::call_held) == 1);

  // a second call (the next day) is a second event, and regenerating its packet adds none
  CallDraft next = call_from_json(json{{"started", "2026-11-21T09:00:00-06:00"}, {"disposition", "overturned"},
                                       {"auth_number", "A-77"}},
                                  "/call");
  RecordResult second = record_call(next, req, &ledger, resources(), kEnv);
  REQUIRE(second.outcome.is_ok());
  CHECK_FALSE(second.outcome.value().already_recorded);
  CHECK_FALSE(second.outcome.value().packet_dir.empty());
  CHECK(count(ledger, id, EventKind::call_held) == 2);
  auto h = ledger.history(id);
  REQUIRE(h.is_ok());
  std::vector<std::string> keys;
  for (const RecordedEvent& e : h.value())
    if (e.event.kind == EventKind::call_held) keys.push_back(e.event.source_key);
  CHECK(keys == std::vector<std::string>{"call:2026-11-20T16:05Z:upheld", "call:2026-11-21T15:00Z:overturned"});
}

TEST_CASE("append_event: a call held under an older key (form:, api:) is the same call; another call is not") {
  Folder f("old-keys");
  auto opened = open_ledger(f.path + "/p2pdoc.db");
  REQUIRE(opened.is_ok());
  Ledger& ledger = *opened.value();
  CaseRow row;
  row.case_id = "OLD-1";
  REQUIRE(ledger.put_case(row).empty());
  json call = {{"disposition", "upheld"}, {"started", "2026-11-23T11:00:00Z"}};
  Event old;
  old.case_id = "OLD-1";
  old.kind = EventKind::call_held;
  old.recorded_by = "test";
  old.data = call;
  old.source_key = "form:0123abcd";  // how a form's call was keyed before call_key
  REQUIRE(ledger.append(old).value());

  Event again = old;
  again.source_key = *call_key(call);
  auto stored = append_event(ledger, again);
  REQUIRE(stored.is_ok());
  CHECK_FALSE(stored.value());
  CHECK(count(ledger, "OLD-1", EventKind::call_held) == 1);

  Event other = again;  // the same moment, another outcome: another call
  other.data["disposition"] = "overturned";
  other.source_key = *call_key(other.data);
  CHECK(append_event(ledger, other).value());
  Event later = again;  // the same outcome an hour later: another call
  later.data["started"] = "2026-11-23T12:00:00Z";
  later.source_key = *call_key(later.data);
  CHECK(append_event(ledger, later).value());
  CHECK(count(ledger, "OLD-1", EventKind::call_held) == 3);
  CHECK_FALSE(append_event(ledger, later).value());  // its own key, as before
}
