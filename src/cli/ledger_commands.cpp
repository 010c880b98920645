// The CLI's ledger side (ledger_commands.h).
#include "cli/ledger_commands.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "cli/data_root.h"
#include "knowledge/deadlines.h"
#include "ledger/packet_events.h"
#include "ledger/queue.h"
#include "pipeline/files.h"

namespace p2p::cli {

using nlohmann::json;

namespace {

enum Exit { kOk = 0, kInternal = 1, kInvalid = 2 };

void report(const std::string& who, const Diagnostics& ds) {
  for (const Diagnostic& d : ds) std::cerr << who << ": " << d.message << "\n";
}

// A ledger the command only reads or adds to must exist already: opening a
// missing SQLite file would create an empty one and hide a wrong path.
std::unique_ptr<Ledger> open_existing(const std::string& location, const std::string& who) {
  if (!is_postgres_location(location) && !file_exists(location)) {
    std::cerr << who << ": no ledger at " << location << " (give --ledger, or -o with the output folder of generate)\n";
    return nullptr;
  }
  auto opened = open_ledger(location);
  if (!opened.is_ok()) {
    report(who, opened.diagnostics());
    return nullptr;
  }
  return opened.take();
}

struct Step {
  EventKind kind;
  bool needs_decision;
};

const std::map<std::string, Step>& steps() {
  static const std::map<std::string, Step> table = {
      {"requested", {EventKind::p2p_requested, false}},
      {"scheduled", {EventKind::p2p_scheduled, false}},
      {"appeal-filed", {EventKind::appeal_filed, false}},
      {"appeal-decided", {EventKind::appeal_decided, true}},
      {"external-review-filed", {EventKind::external_review_filed, false}},
      {"external-review-decided", {EventKind::external_review_decided, true}},
      {"closed", {EventKind::closed, false}},
  };
  return table;
}

// The external review request date counted from the appeal decision, with
// the case's rules (knowledge/deadlines: the plan type's rule, the payer's
// holidays). The rules count it from the "denial" they are given, so the
// decision stands in for it.
std::string external_review_due(const CaseRow& row, long long decided_at, const Resources& res) {
  Case c;
  c.doc = json::object();
  c.id = row.case_id;
  c.payer_id = row.payer_id;
  c.plan_type = row.plan_type;
  c.state = row.state;
  c.denial_type = row.denial_type;
  c.denial_date = Date::from_days(long(decided_at / 86400));
  auto d = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, c.denial_date);
  if (!d.is_ok() || !d.value().external_review) return "";
  return d.value().external_review->due.iso();
}

}  // namespace

std::string LedgerChoice::resolve(const std::string& out_dir) const {
  return location.empty() ? default_ledger_location(out_dir) : location;
}

PacketRecorder::PacketRecorder(const LedgerChoice& choice, const std::string& out_dir, const Resources& res)
    : res_(res) {
  if (choice.off) return;
  std::string location = choice.resolve(out_dir);
  location_ = location;
  if (choice.location.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);  // the default ledger lives in it
  }
  auto opened = open_ledger(location);
  if (!opened.is_ok()) {
    report("p2pdoc generate", opened.diagnostics());
    std::cerr << "p2pdoc generate: packets are still written; they are recorded on the next run that reaches the ledger\n";
    failed_ = true;
    return;
  }
  ledger_ = opened.take();
  auto recovered = recover_packets(*ledger_, out_dir, "cli");
  if (!recovered.is_ok()) {
    report("p2pdoc generate", recovered.diagnostics());
    failed_ = true;
    return;
  }
  if (recovered.value().recorded)
    std::cout << "ledger   recorded " << recovered.value().recorded << " packet(s) an earlier run wrote but did not record\n";
  for (const std::string& id : recovered.value().without_row)
    std::cerr << "p2pdoc generate: " << id << ": recovered without its case row; generate the case again to fill it\n";
}

void PacketRecorder::record(const Case& c, const json& manifest, const Env& env) {
  if (!ledger_) return;  // --no-ledger, or already reported
  Diagnostics d = record_packet(*ledger_, c, res_, manifest, "cli", env);
  if (!d.empty()) {
    report(c.id, d);
    std::cerr << c.id << ": the packet is written; the next run records it\n";
    failed_ = true;
  }
}

std::optional<TriageHistory> PacketRecorder::history_for(const Case& c) {
  if (!ledger_) return std::nullopt;
  auto h = triage_history(*ledger_, c, res_, location_);
  if (h.is_ok()) return h.take();
  report(c.id, h.diagnostics());
  std::cerr << c.id << ": the triage uses the benchmark instead\n";
  return std::nullopt;
}

int run_event(const EventArgs& a, const LedgerChoice& choice, const std::string& out_dir, const std::string& root) {
  const std::string who = "p2pdoc event";
  auto step = steps().find(a.step);
  if (step == steps().end()) {
    std::cerr << who << ": unknown step \"" << a.step << "\"; one of:";
    for (const auto& s : steps()) std::cerr << " " << s.first;
    std::cerr << "\n";
    return kInvalid;
  }
  const std::string decisions[] = {"overturned", "upheld", "modified"};
  if (step->second.needs_decision != !a.decision.empty() ||
      (!a.decision.empty() && std::find(std::begin(decisions), std::end(decisions), a.decision) == std::end(decisions))) {
    std::cerr << who << ": " << a.step
              << (step->second.needs_decision ? " needs --decision overturned|upheld|modified" : " takes no --decision")
              << "\n";
    return kInvalid;
  }
  if (step->second.kind == EventKind::p2p_scheduled && !parse_time_point(a.call_time)) {
    std::cerr << who << ": scheduled needs --call-time, the call's date and time (2026-11-18T14:00:00-08:00)\n";
    return kInvalid;
  }
  if (step->second.kind != EventKind::p2p_scheduled && !a.call_time.empty()) {
    std::cerr << who << ": only scheduled takes --call-time\n";
    return kInvalid;
  }
  Env env = Env::from_process();
  Event e;
  e.case_id = a.case_id;
  e.kind = step->second.kind;
  e.recorded_by = a.by;
  e.at = env.timestamp;
  if (!a.at.empty()) {
    auto at = parse_time_point(a.at);
    if (!at) {
      std::cerr << who << ": --at \"" << a.at << "\" is not a date or date-time (2026-11-18 or 2026-11-18T14:00:00Z)\n";
      return kInvalid;
    }
    e.at = *at;
  }
  if (!a.note.empty()) e.data["note"] = a.note;
  if (!a.decision.empty()) e.data["decision"] = a.decision;
  if (!a.call_time.empty()) e.data["scheduled"] = a.call_time;

  auto ledger = open_existing(choice.resolve(out_dir), who);
  if (!ledger) return kInternal;
  auto row = ledger->find_case(a.case_id);
  if (!row.is_ok()) {
    report(who, row.diagnostics());
    return kInternal;
  }
  if (!row.value()) {
    std::cerr << who << ": case " << a.case_id << " is not in the ledger (generate its packet first)\n";
    return kInvalid;
  }
  if (e.kind == EventKind::appeal_decided && a.decision != "overturned") {
    auto res = load_resources(root, site_templates_for(root));
    if (!res.is_ok()) {
      report(who, res.diagnostics());
      return kInternal;
    }
    std::string due = external_review_due(*row.value(), e.at, res.value());
    if (!due.empty()) e.data["external_review_due"] = due;
  }
  auto stored = ledger->append(e);
  if (!stored.is_ok()) {
    report(who, stored.diagnostics());
    return kInternal;
  }
  std::cout << "recorded " << event_kind_name(e.kind) << " for " << a.case_id << " at " << iso_utc(e.at) << "\n";
  return kOk;
}

int run_due(const DueArgs& a, const LedgerChoice& choice, const std::string& out_dir) {
  const std::string who = "p2pdoc due";
  if (a.format != "table" && a.format != "json" && a.format != "csv") {
    std::cerr << who << ": --format is table, json or csv\n";
    return kInvalid;
  }
  long long within = -1;
  if (!a.within.empty()) {
    auto w = parse_duration(a.within);
    if (!w) {
      std::cerr << who << ": --within \"" << a.within << "\" is not a duration (3d, 36h, 2w)\n";
      return kInvalid;
    }
    within = *w;
  }
  auto ledger = open_existing(choice.resolve(out_dir), who);
  if (!ledger) return kInternal;
  if (a.weekly && a.format == "csv") {
    std::cerr << who << ": --weekly prints a table or JSON\n";
    return kInvalid;
  }
  long long now = Env::from_process().timestamp;
  // the weekly review also lists calls of closed cases; the queue reads
  // only what it can list (the database leaves out the rest)
  auto states = a.weekly ? ledger->progress() : ledger->open_progress(now, within);
  if (!states.is_ok()) {
    report(who, states.diagnostics());
    return kInternal;
  }
  if (a.weekly) {
    json w = weekly_json(states.value(), now);
    if (a.format == "json") std::cout << w.dump(2) << "\n";
    else std::cout << weekly_table(w);
    return kOk;
  }
  auto queue = build_queue(states.take(), now, within);
  if (a.format == "json") std::cout << queue_json_text(queue, now) << "\n";
  else if (a.format == "csv") std::cout << queue_csv(queue);
  else std::cout << queue_table(queue, now);
  return kOk;
}

}  // namespace p2p::cli
