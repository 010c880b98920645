// The CLI's ledger side (docs/ledger.md): which ledger a command uses,
// recording packets as `generate` writes them, and the `event` and `due`
// commands. Single-threaded, like the rest of the CLI.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ledger/ledger.h"
#include "pipeline/pipeline.h"

namespace p2p::cli {

// --ledger LOCATION / --no-ledger, with OUT/p2pdoc.db as the default.
struct LedgerChoice {
  std::string location;  // "" = the default under the output folder
  bool off = false;      // --no-ledger
  std::string resolve(const std::string& out_dir) const;
};

// generate's recorder: opens the ledger once and recovers packets missed by
// an earlier run before the first new one is recorded. A ledger that cannot
// be opened or written is reported once per case (case id and the ledger's
// message) and makes the command fail; the packets stay written.
class PacketRecorder {
 public:
  PacketRecorder(const LedgerChoice& choice, const std::string& out_dir, const Resources& res);
  // After write_packet: records the case row and its events from the
  // manifest it wrote (WrittenPacket::manifest).
  void record(const Case& c, const nlohmann::json& manifest, const Env& env);
  // Before generate_packet: the practice's record for the case's payer x
  // service category (the triage's history); nullopt without a ledger, or
  // when reading it failed (reported; the triage then uses the benchmark).
  std::optional<TriageHistory> history_for(const Case& c);
  bool failed() const { return failed_; }

 private:
  std::unique_ptr<Ledger> ledger_;
  std::string location_;
  const Resources& res_;
  bool failed_ = false;
};

struct EventArgs {
  std::string case_id, step, at, note, decision, call_time, by = "cli";
};
int run_event(const EventArgs& a, const LedgerChoice& ledger, const std::string& out_dir, const std::string& root);

struct DueArgs {
  std::string within, format = "table";
  bool weekly = false;
};
int run_due(const DueArgs& a, const LedgerChoice& ledger, const std::string& out_dir);

}  // namespace p2p::cli
