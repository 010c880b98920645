// Recording a call's outcome: a validated call -> a `call_held` event in the
// ledger -> the packet regenerated from the case plus the call (a new
// version of OUT/<case_id>/, the old one kept as .prev) -> a
// `packet_generated` event. Shared by `p2pdoc record` (filled forms) and the
// service's POST /v1/cases/{case_id}/events (JSON). docs/ledger.md,
// "Recording outcomes".
//
// Order and idempotence: nothing is written unless the call and the case
// with the call both validate. The event comes first (it is the fact); the
// packet after it. The event's source key is the call's identity
// (call_key in ledger/packet_events.h: its start and disposition), the same
// key the case file's own `call` is recorded under, so one call counts once
// however often and however it arrives. Given again, a call already recorded is not
// appended again; its packet is regenerated only if the packet on disk does
// not carry it yet (a run that stopped between the two).
// The case comes from OUT/<case_id>/case.json, which every packet keeps (or
// from RecordRequest::case_file). Without one the event is still recorded
// and a warning says the documents were not regenerated.
// Single-threaded per call; several processes may record at once (the ledger
// and write_packet are safe for that).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"
#include "outcome/outcome.h"
#include "pipeline/pipeline.h"

namespace p2p {

struct RecordRequest {
  std::string out_dir;                 // packets live in out_dir/<case_id>/
  std::string case_id;                 // "" = from the form's title ("... – case <id>")
  std::string case_file;               // "" = out_dir/<case_id>/case.json
  std::string recorded_by = "record";  // who records it: "record", "serve", "watch"
  bool regenerate = true;              // false: the event only
  // How the regenerated packet is rendered: empty = generate_packet on the
  // calling thread; the service renders in its worker processes. A failure
  // is ours (our_fault).
  std::function<Result<Packet>(const Case&)> render;
  // Called once the regenerated packet is written and recorded, with the
  // case and the packet (the service queues its PDFs for delivery). Errors
  // are ours; the packet stays written.
  std::function<Diagnostics(const Case&, const Packet&)> written;
};

struct RecordedCall {
  std::string case_id;
  nlohmann::json call;             // as the case format spells it
  bool already_recorded = false;   // the ledger held this source key already
  std::string packet_dir;          // the regenerated packet ("" when none was written)
  // A filled form's flattened copy filed in that packet (its path), "" when
  // none was written (docs/archival.md, "The post-call record")
  std::string filed_copy;
  Diagnostics warnings;
};

// What recording gave: the recorded call, or every problem. `our_fault`
// tells a failure of the ledger, the templates or the disk (exit 1, HTTP
// 500) from bad input (exit 2, HTTP 422).
struct RecordResult {
  Result<RecordedCall> outcome = Result<RecordedCall>::fail({});
  bool our_fault = false;
  std::string case_id;  // the case the input named, failed or not ("" when it named none)
};

// A filled post-call PDF: read_form, call_from_form, then record_call; the
// regenerated packet also files the form as filled, flattened
// (generate_filled_copy), as post-call-record-<call start>.pdf, made before
// anything is written. Problems are named by form field.
// `ledger` may be null (--no-ledger): then nothing is deduplicated.
RecordResult record_call_form(std::string_view pdf, const RecordRequest& req, Ledger* ledger,
                              const Resources& res, const Env& env);

// Any reader's draft (outcome.h); req.case_id must be set.
RecordResult record_call(const CallDraft& draft, const RecordRequest& req, Ledger* ledger, const Resources& res,
                         const Env& env);

// "Peer-to-peer call record – case RSP-2026-00417" -> "RSP-2026-00417"; ""
// when the title names no case (a safe case id or nothing).
std::string case_id_from_title(const std::string& title);

}  // namespace p2p
