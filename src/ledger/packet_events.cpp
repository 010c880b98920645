// Packet events (packet_events.h).
#include "ledger/packet_events.h"

#include <sys/stat.h>

#include <cctype>
#include <ctime>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "knowledge/deadlines.h"
#include "ledger/queue.h"
#include "pipeline/files.h"

namespace p2p {

using nlohmann::json;

namespace {

std::string text_at(const json& doc, const char* pointer) {
  const json::json_pointer p(pointer);
  return doc.contains(p) && doc.at(p).is_string() ? doc.at(p).get<std::string>() : std::string();
}

// "2026-11-18T09:30:00Z" -> Unix seconds; 0 when it is not that shape.
long long parse_iso_utc(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return end && *end == '\0' ? (long long)timegm(&tm) : 0;
}

long long start_of_day(const Date& d) { return (long long)d.days_since_epoch() * 86400; }

// The packet's identity: what its documents show (content_sha256, free of
// the PDF's dates), else, for a manifest older than that field, the bytes.
std::string packet_key(const json& manifest) {
  std::string all;
  if (manifest.contains("documents") && manifest["documents"].is_array())
    for (const json& d : manifest["documents"]) {
      std::string digest = d.value("content_sha256", "");
      if (digest.empty()) digest = d.value("sha256", "");
      all += d.value("kind", "") + ":" + digest + "\n";
    }
  return "packet:" + sha256_hex(all);
}

Event packet_generated(const std::string& case_id, const json& manifest, const std::string& recorded_by) {
  Event e;
  e.case_id = case_id;
  e.kind = EventKind::packet_generated;
  e.at = parse_iso_utc(manifest.value("generated", ""));
  e.recorded_by = recorded_by;
  json templates = json::object(), documents = json::object();
  if (manifest.contains("documents") && manifest["documents"].is_array())
    for (const json& d : manifest["documents"]) {
      templates[d.value("kind", "")] = d.value("template", "");
      documents[d.value("file", "")] = d.value("sha256", "");
    }
  e.data = {{"templates", templates}, {"documents", documents}};
  // the recommendation the documents showed, for the record (issue 11)
  if (manifest.contains("triage") && manifest["triage"].is_object()) e.data["triage"] = manifest["triage"];
  e.source_key = packet_key(manifest);
  return e;
}

}  // namespace

std::string default_ledger_location(const std::string& out_dir) { return out_dir + "/p2pdoc.db"; }

CaseRow case_row(const Case& c, const Resources& res, const Env& env) {
  CaseRow row;
  row.case_id = c.id;
  row.payer_id = c.payer_id;
  row.plan_type = c.plan_type;
  row.state = c.state;
  row.denial_type = c.denial_type;
  row.denial_date = c.denial_date.iso();
  if (c.doc.contains("services") && c.doc["services"].is_array())
    for (const json& s : c.doc["services"])
      if (s.is_object() && s.contains("code") && s["code"].is_string()) row.service_codes.push_back(s["code"].get<std::string>());
  row.service_category = category_of_services(res.knowledge.service_categories, row.service_codes);
  row.physician = text_at(c.doc, "/physician/name");
  row.urgent = c.urgent;
  auto d = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, env.today);
  if (d.is_ok()) {
    const CaseDeadlines& dl = d.value();
    row.deadlines["p2p_request"] = dl.p2p_request.due.iso();
    if (!dl.p2p_request.time.empty()) row.deadlines["p2p_request_time"] = dl.p2p_request.time;
    if (dl.internal_appeal) row.deadlines["internal_appeal"] = dl.internal_appeal->due.iso();
    if (dl.external_review) row.deadlines["external_review"] = dl.external_review->due.iso();
    if (dl.external_review_automatic) row.deadlines["external_review_automatic"] = true;
    if (dl.expedited) row.deadlines["expedited"] = true;
  }
  return row;
}

Result<TriageHistory> triage_history(Ledger& ledger, const Case& c, const Resources& res, const std::string& where) {
  TriageHistory h;
  h.basis = is_postgres_location(where) ? "the PostgreSQL ledger" : "ledger " + where;  // never a URI's password
  std::string category = service_category_of(c.doc.value("services", json::array()), res.knowledge.service_categories);
  if (category.empty()) return Result<TriageHistory>::ok(h);
  auto record = ledger.call_record(c.payer_id, category, c.id);
  if (!record.is_ok()) return Result<TriageHistory>::fail(record.diagnostics());
  h.decided = record.value().decided;
  h.overturned = record.value().overturned;
  return Result<TriageHistory>::ok(h);
}

// A case file that names its scheduled P2P call (/p2p/scheduled) says the
// P2P was requested and booked; without this event the queue would report
// the window as missed. Keyed by the call's time: a rerun adds nothing, a
// rescheduled call is a new event. `at` is the call's time (when the P2P
// takes place), the only time the case gives.
namespace {

std::optional<Event> scheduled_from_case(const Case& c, const std::string& recorded_by) {
  const json* p2p = c.doc.contains("p2p") ? &c.doc["p2p"] : nullptr;
  if (!p2p || !p2p->is_object() || !p2p->contains("scheduled") || !(*p2p)["scheduled"].is_string()) return std::nullopt;
  std::string when = (*p2p)["scheduled"].get<std::string>();
  auto at = parse_time_point(when);
  if (!at) return std::nullopt;
  Event e;
  e.case_id = c.id;
  e.kind = EventKind::p2p_scheduled;
  e.at = *at;
  e.recorded_by = recorded_by;
  e.data = {{"scheduled", when}, {"from", "case"}};
  e.source_key = "case:p2p_scheduled:" + when;
  return e;
}

// The call's start as Unix seconds, when it reads as a date and time.
std::optional<long long> call_start(const json& call) {
  if (!call.contains("started") || !call["started"].is_string()) return std::nullopt;
  std::string started = call["started"].get<std::string>();
  if (started.size() <= 10) return std::nullopt;  // a day alone is not a moment
  return parse_time_point(started);
}

// A held call in the case file: call_held, at the call's start (else when
// the packet was generated, the only other time the case gives).
std::optional<Event> call_from_case(const Case& c, long long generated, const std::string& recorded_by) {
  if (!c.doc.contains("call") || !c.doc["call"].is_object()) return std::nullopt;
  const json& call = c.doc["call"];
  auto key = call_key(call);
  if (!key) return std::nullopt;
  Event e;
  e.case_id = c.id;
  e.kind = EventKind::call_held;
  e.at = call_start(call).value_or(generated);
  e.recorded_by = recorded_by;
  e.data = call;
  e.source_key = *key;
  return e;
}

}  // namespace

std::optional<std::string> call_key(const json& call) {
  if (!call.is_object() || !call.contains("disposition") || !call["disposition"].is_string()) return std::nullopt;
  std::string disposition = call["disposition"].get<std::string>();
  for (char& ch : disposition) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (disposition.empty()) return std::nullopt;
  if (auto start = call_start(call)) {
    std::time_t minute = static_cast<std::time_t>(*start - ((*start % 60) + 60) % 60);
    std::tm tm{};
    gmtime_r(&minute, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%MZ", &tm);
    return "call:" + std::string(when) + ":" + disposition;
  }
  json content = call;
  content.erase("approved");
  return "call:content:" + sha256_hex(content.dump());
}

std::vector<Event> packet_events(const Case& c, const json& manifest, const std::string& recorded_by) {
  Event denial;
  denial.case_id = c.id;
  denial.kind = EventKind::denial_received;
  denial.at = start_of_day(c.denial_date);
  denial.recorded_by = recorded_by;
  denial.data = {{"denial_type", c.denial_type}, {"denial_date", c.denial_date.iso()}};
  denial.source_key = "denial";
  std::vector<Event> events = {denial};
  if (auto scheduled = scheduled_from_case(c, recorded_by)) events.push_back(std::move(*scheduled));
  Event packet = packet_generated(c.id, manifest, recorded_by);
  if (auto call = call_from_case(c, packet.at, recorded_by)) events.push_back(std::move(*call));
  events.push_back(std::move(packet));
  return events;
}

Result<bool> append_event(Ledger& ledger, const Event& event) {
  if (event.kind == EventKind::call_held && !event.source_key.empty()) {
    auto held = ledger.history(event.case_id);
    if (!held.is_ok()) return Result<bool>::fail(held.diagnostics());
    for (const RecordedEvent& r : held.value()) {
      if (r.event.kind != EventKind::call_held || r.event.source_key == event.source_key) continue;
      if (call_key(r.event.data) == std::optional<std::string>(event.source_key)) return Result<bool>::ok(false);
    }
  }
  return ledger.append(event);
}

// The row and its events in one transaction: a crash never leaves the row
// without the events, and one commit costs less than four.
Diagnostics record_packet(Ledger& ledger, const Case& c, const Resources& res, const json& manifest,
                          const std::string& recorded_by, const Env& env) {
  CaseRow row = case_row(c, res, env);
  std::vector<Event> events = packet_events(c, manifest, recorded_by);
  return ledger.in_one_transaction([&]() -> Diagnostics {
    if (auto d = ledger.put_case(row); !d.empty()) return d;
    for (const Event& e : events) {
      auto stored = append_event(ledger, e);
      if (!stored.is_ok()) return stored.diagnostics();
    }
    return {};
  });
}

Result<Recovery> recover_packets(Ledger& ledger, const std::string& out_dir, const std::string& recorded_by) {
  using R = Result<Recovery>;
  auto cases = ledger.progress();
  if (!cases.is_ok()) return R::fail(cases.diagnostics());
  // per case with a row: when its newest packet_generated was stored
  std::unordered_map<std::string, long long> recorded;
  for (const CaseProgress& p : cases.value()) recorded[p.case_id] = p.packet_recorded_at;
  Recovery out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || name.ends_with(".prev") || !entry.is_directory(ec)) continue;
    std::string manifest_path = entry.path().string() + "/manifest.json";
    struct stat st {};
    if (::stat(manifest_path.c_str(), &st) != 0) continue;
    ++out.packets;
    auto seen = recorded.find(name);
    // recorded after this manifest was written: nothing to recover (same
    // second: read it, the source_key decides)
    if (seen != recorded.end() && (long long)st.st_mtime < seen->second) continue;
    auto text = read_file(manifest_path);
    if (!text) continue;
    json manifest = json::parse(*text, nullptr, false);
    if (!manifest.is_object() || manifest.value("case_id", "") != name) continue;
    if (manifest.value("status", "") == "draft") continue;  // a draft folder (intake/): no packet yet
    auto stored = ledger.append(packet_generated(name, manifest, recorded_by));
    if (!stored.is_ok()) return R::fail(stored.diagnostics());
    if (stored.value()) {
      ++out.recorded;
      if (!recorded.count(name)) out.without_row.push_back(name);
    }
  }
  return R::ok(std::move(out));
}

}  // namespace p2p
