// Intake: a payer's PAS response taken in by an entry point (cli `import
// pas`, the watcher's *.fhir.json, the service's application/fhir+json), the
// same way everywhere (issue 12, docs/fhir.md): read it (fhir/pas_import.h),
// and for a denial make the draft's deadlines and preparation sheet
// (pipeline/preparation_sheet.h), write the draft folder, record the
// response in the ledger. Links fhir/, pipeline/ and ledger/; none of them
// knows this file.
// Functions are thread-safe when the Ledger they are given is; writing one
// case id from two threads at once is the caller's to prevent (the service
// holds its per-case lock).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "fhir/pas_import.h"
#include "fhir/prefill.h"
#include "ledger/ledger.h"
#include "pipeline/pipeline.h"

namespace p2p::intake {

struct PasIntake {
  fhir::PasImport imported;
  // The case id: the draft's, or for a non-denial "pas-" + the response's
  // reference (preAuthRef, a review number, an administration reference,
  // its first identifier), as the importer makes it; "" when none.
  std::string case_id;
  std::string created;              // ClaimResponse.created as given ("" when absent)
  nlohmann::json deadlines;         // a draft's (draft_deadlines); null otherwise
  std::optional<GeneratedDocument> sheet;  // a draft's preparation sheet, when it could be made
  Diagnostics sheet_problems;       // why it could not (the draft is still good)
  bool is_draft() const {
    return imported.decision == fhir::PasDecision::denied || imported.decision == fhir::PasDecision::partial;
  }
};

// The response read (fhir/pas_import.h) and its case id, nothing made yet:
// for an entry point that changes the draft before it is prepared (`import
// pas --clinical` pre-fills it). Fails as import_pas does.
Result<PasIntake> read_pas(std::string_view response, std::optional<std::string_view> request, const Env& env);

// templates/knowledge/clinical_codes.json read, for fhir::prefill_clinical.
Result<fhir::ClinicalCodes> clinical_codes(const Resources& res);

// A draft's deadlines and preparation sheet, from the draft as it is now
// (nothing for a non-denial). An error only when the library's rules are
// broken; a sheet that cannot be made is kept in sheet_problems.
Diagnostics prepare_draft(PasIntake& in, const Resources& res, const Env& env);

// read_pas, then prepare_draft: a response (and optionally its request) as
// files give them. Fails as import_pas does: not JSON, no ClaimResponse or
// several, no decision.
Result<PasIntake> take_pas(std::string_view response, std::optional<std::string_view> request, const Resources& res,
                           const Env& env);

// One posted or dropped FHIR document: a PAS response Bundle (or a bare
// ClaimResponse, or a flat collection holding the request's resources too),
// or a `collection` Bundle whose entries are Bundles: the response (the one
// holding a ClaimResponse), the request (holding a Claim) and optionally the
// EHR's clinical bundle for the patient, which pre-fills proposed lines
// (fhir/prefill.h; another patient's record is refused). Every location, in errors
// and notes, is FHIRPath from the root of what was sent
// ("Bundle.entry[1].resource.entry[0].resource.item[0]").
Result<PasIntake> take_fhir_document(std::string_view text, const Resources& res, const Env& env);

// The draft's manifest: {"case_id", "status": "draft", "decision",
// "summary", "deadlines", "to_complete": [{path, what}], "documents":
// [{kind, file, pages, bytes, sha256}], "notes", "generated"}.
nlohmann::json draft_manifest(const PasIntake& in, const Env& env);

// Writes OUT/<case_id>/ whole (case.draft.json, preparation-sheet.pdf when
// made, manifest.json) through a staging folder and one atomic swap, like
// write_packet. Refuses (error at /case_id) a draft without a case id, and a
// case whose folder holds a packet (a manifest without status "draft"): a
// completed packet is never replaced by a draft of it. Returns the folder.
Result<std::string> write_draft(const PasIntake& in, const std::string& out_dir, const Env& env);

// What the ledger learns from a response (source keys make a repeat count once):
//   a draft: denial_received at the denial's time (source_key "denial",
//     generate's, so it counts once) and, when the ledger has no row for the
//     case yet, a row with its denial date, services, physician and the P2P
//     deadline counted from the denial date (draft_deadlines), so the queue
//     shows the case at once;
//   approved, pended, error: pa_response_received (data: decision, summary,
//     reference, errors) at ClaimResponse.created, no row: nothing to do in
//     the queue. A response without a case id or date is recorded for no case:
//     an error naming what is missing.
// Ok(true) stored, ok(false) already recorded.
Result<bool> record_intake(Ledger& ledger, const PasIntake& in, const std::string& recorded_by, const Env& env);

}  // namespace p2p::intake
