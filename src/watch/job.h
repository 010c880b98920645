// Watch job: what a worker process does with one claimed file, and the
// outcome it reports to the parent. A case file runs the pipeline
// (load_case_checked, generate_packet, write_packet); a filled post-call form
// is recorded the way `p2pdoc record` records it (outcome/record.h). Neither
// moves nor deletes the input: the parent alone decides where the file goes.
// Thread contract: process_case_file may run in several processes at once
// (write_packet installs each packet atomically); within one process, one call
// at a time.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "ledger/ledger.h"
#include "pipeline/pipeline.h"

namespace p2p::watch {

// ok: packet installed. invalid: the input broke a rule (its fault).
// error: ours (template, disk). timeout and crash are decided by the parent.
enum class Outcome { ok, invalid, error, timeout, crash };

const char* to_string(Outcome o);
std::optional<Outcome> outcome_from_string(std::string_view s);

struct JobResult {
  Outcome outcome = Outcome::error;
  std::string case_id;         // "" when the input did not validate
  int documents = 0;           // documents written (ok only)
  bool already_recorded = false;  // a form whose call the ledger held already (counted once)
  std::string decision;        // a PAS response: "denied", "partial" (a draft), "approved", "pended", "error"; else ""
  Diagnostics diagnostics;     // every problem found, warnings too; never logged
};

// Reads `path` (refusing files over max_bytes), validates, generates and
// installs OUT/<case_id>/, then, with a `ledger`, records the case and its
// packet there (ledger/packet_events.h). With `strict`, a case with warnings
// is invalid (refuse_warnings). A ledger that fails makes the job an error
// although the packet is installed; the watcher's next start records it.
// The ledger's record for the case's payer x service category goes into the
// triage first (`ledger_location` names it there); a ledger that cannot be
// read fails the job like one that cannot be written.
// Today's date and the PDF timestamps come from Env::from_process() at the
// time of the call.
JobResult process_case_file(const std::string& path, const Resources& res, const std::string& out_dir,
                            long long max_bytes, bool strict, Ledger* ledger = nullptr,
                            const std::string& ledger_location = "");

// Reads the filled post-call form at `path` (refusing files over max_bytes)
// and records its call: the call_held event and the follow-up documents
// regenerated as a new version of OUT/<case_id>/ (record_call_form,
// recorded_by "watch"). invalid: the form broke a rule (every problem named
// by its form field); error: the ledger, the templates or the disk failed.
// The same call given again is ok with already_recorded.
JobResult process_form_file(const std::string& path, const Resources& res, const std::string& out_dir,
                            long long max_bytes, Ledger* ledger = nullptr);

// Reads a payer's PAS response dropped as *.fhir.json (refusing files over
// max_bytes) the way the service takes application/fhir+json
// (intake/pas_intake.h, take_fhir_document). A denial: the draft folder
// OUT/<case_id>/ (case.draft.json, preparation-sheet.pdf, manifest.json with
// status "draft"), and with a `ledger` denial_received. Approved, pended and
// error responses: nothing written, pa_response_received in the ledger.
// Both are ok (`decision` says which). invalid: not a readable PAS response
// (every error located FHIRPath-style, "Bundle.entry[2].resource.item[0]"),
// no reference to name the case by, or a completed packet already holds the
// case id; error: ours (disk, templates, ledger).
JobResult process_fhir_file(const std::string& path, const Resources& res, const std::string& out_dir,
                            long long max_bytes, Ledger* ledger = nullptr);

// The worker -> parent message, one JSON object per line.
nlohmann::json to_json(const JobResult& r);
JobResult job_result_from_json(const nlohmann::json& j);

// Diagnostics as the error file lists them: [{"severity","path","message"}].
nlohmann::ordered_json diagnostics_json(const Diagnostics& ds);

}  // namespace p2p::watch
