// `p2pdoc import pas RESPONSE.json [--request REQUEST.json] [--clinical EHR.json] [-o DRAFT.json]`:
// a payer's Da Vinci PAS response read into a p2p-case/1 draft (fhir/
// pas_import.h; docs/fhir.md), and `validate`'s report on drafts
// (docs/case-format.md, "Drafts"). Single-threaded, like the rest of the CLI.
#pragma once

#include <string>

namespace p2p::cli {

struct ImportArgs {
  std::string response;  // the PAS response Bundle (or ClaimResponse); "-" = stdin
  std::string request;   // the request Bundle it answers; "" = none
  std::string out;       // the draft's file; "" = <case_id>.draft.json
  bool force = false;    // overwrite an existing draft
  std::string ledger;    // a ledger to record the response in; "" = none
  std::string clinical;  // the EHR's FHIR Bundle for the patient: proposed lines (fhir/prefill.h); "" = none
  std::string sheet;     // the draft's preparation sheet (PDF); "" = none
  std::string root;      // the folder holding templates/ and fonts/ (deadlines, sheet, clinical_codes.json)
};

// Exit codes of `import pas` (each also says so in one line on stdout):
inline constexpr int kImportDraftWritten = 0;  // a denial (or its denied part): draft written
inline constexpr int kImportApproved = 3;      // A1 certified in total: nothing written
inline constexpr int kImportPended = 4;        // A4 pended: nothing written
inline constexpr int kImportPayerError = 5;    // outcome error: the payer could not process the request
// 2: the input is not a readable PAS response (or the draft exists: --force);
// 1: the draft could not be written, or the ledger not recorded into.
// With a ledger, a written draft also records denial_received and, when the
// ledger has no row for the case yet, a row with the P2P deadline counted
// from the denial date; a non-denial records pa_response_received
// (intake/pas_intake.h, record_intake). With `sheet`, a draft's preparation
// sheet is written there (pipeline/preparation_sheet.h).
int run_import_pas(const ImportArgs& a);

// `validate` on a draft: prints its gaps ("to complete") and every other
// problem, and counts it as a draft (well-formed, incomplete) or invalid.
// Returns false, printing nothing, when `file` is not a draft (or is "-"),
// so validate checks it as a case.
bool validate_if_draft(const std::string& file, int& drafts, int& invalid);

}  // namespace p2p::cli
