// Packet events: what a written packet tells the ledger, for the entry
// points (cli, watch, serve). The packet is written first and recorded
// after; a packet whose events never made it (a crash, a ledger that was
// down) is found again by recover_packets, which compares the packets in the
// output folder with the ledger. Links the pipeline and the ledger; the
// pipeline itself never sees the ledger.
// Functions are thread-safe when the Ledger they are given is.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"
#include "pipeline/pipeline.h"

namespace p2p {

// "<out>/p2pdoc.db": where a ledger lives when no --ledger or ledger = names one.
std::string default_ledger_location(const std::string& out_dir);

// The case's summary row: ids, payer, denial, service codes and their
// category (knowledge/service_categories: the first service with a known
// category; "other" when none has one, "" when the case lists no codes), the
// physician's name, and the deadlines of knowledge/deadlines (computed for
// env.today).
CaseRow case_row(const Case& c, const Resources& res, const Env& env);

// denial_received (source_key "denial": once per case) and packet_generated
// (templates chosen and document sha256s from `manifest`; source_key from
// the documents' content digests, so the same packet generated again, as a
// restarted watcher does, is recorded once). Between them, when the case
// file names its scheduled call (/p2p/scheduled), p2p_scheduled (source_key
// "case:p2p_scheduled:<time>"), so the queue does not call a booked P2P's
// window missed.
std::vector<Event> packet_events(const Case& c, const nlohmann::json& manifest, const std::string& recorded_by);

// put_case, then the two events. The first failure is returned (the packet
// on disk is untouched; recover_packets finds it later).
Diagnostics record_packet(Ledger& ledger, const Case& c, const Resources& res, const nlohmann::json& manifest,
                          const std::string& recorded_by, const Env& env);

struct Recovery {
  int packets = 0;                          // packet folders looked at
  int recorded = 0;                         // packet_generated events that were missing and are now stored
  std::vector<std::string> without_row;     // recovered cases the ledger has no case row for
};

// Records packet_generated for every OUT/<case_id>/manifest.json the ledger
// does not hold yet. A manifest older than the case's last recorded packet
// is not read again, so a run over a large folder costs one stat per packet.
Result<Recovery> recover_packets(Ledger& ledger, const std::string& out_dir, const std::string& recorded_by);

}  // namespace p2p
