// Packet events: what a written packet tells the ledger, for the entry
// points (cli, watch, serve). The packet is written first and recorded
// after; a packet whose events never made it (a crash, a ledger that was
// down) is found again by recover_packets, which compares the packets in the
// output folder with the ledger. Links the pipeline and the ledger; the
// pipeline itself never sees the ledger.
// Functions are thread-safe when the Ledger they are given is.
#pragma once

#include <optional>
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

// The practice's record for the case's payer x service category, for the
// triage: Ledger::call_record with the case itself left out. `where` is the
// ledger's location, named in the triage's basis ("ledger out/p2pdoc.db";
// a PostgreSQL URI only as "the PostgreSQL ledger"). A case without a
// category gets an empty record (the triage then uses the benchmark).
Result<TriageHistory> triage_history(Ledger& ledger, const Case& c, const Resources& res, const std::string& where);

// denial_received (source_key "denial": once per case) and packet_generated
// (templates chosen, document sha256s and the triage from `manifest`; source_key from
// the documents' content digests, so the same packet generated again, as a
// restarted watcher does, is recorded once). Between them, when the case
// file names its scheduled call (/p2p/scheduled), p2p_scheduled (source_key
// "case:p2p_scheduled:<time>"), so the queue does not call a booked P2P's
// window missed; and when it holds a call with a disposition (/call),
// call_held with that call (source_key call_key), so the same call recorded
// from the form or the API as well counts once.
std::vector<Event> packet_events(const Case& c, const nlohmann::json& manifest, const std::string& recorded_by);

// The one dedupe key (Event::source_key) of a held call, whichever way it
// arrives: the case file's `call` (packet_events), a filled post-call form
// or POST /v1/cases/{id}/events (outcome/record.h). A call is who-ever's
// call at one moment with one outcome, so the key is its start, in UTC to the
// minute (a form gives no seconds), and its disposition:
// "call:2026-11-24T15:30Z:upheld". A call without a start time that reads
// is keyed by what it says, "call:content:<sha256 of the call's JSON without
// `approved`>" (`approved` comes only from a case file). nullopt for a call
// with no disposition: not a held call.
std::optional<std::string> call_key(const nlohmann::json& call);

// Ledger::append, except that a call_held whose call the case already holds
// under another key counts as stored (false). Ledgers written before the one
// call_key keyed a form's call "form:<sha256>" and the service's "api:...",
// so the same call arriving again by another route would count twice; the
// held calls of the case are keyed again from their data and compared.
Result<bool> append_event(Ledger& ledger, const Event& event);

// put_case, then the events. The first failure is returned (the packet
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
