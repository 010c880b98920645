// fhir: a Da Vinci PAS prior-authorization response (and optionally the
// request it answers) read into a p2p-case/1 draft (docs/fhir.md). Owns
// reading FHIR R4 JSON Bundles, resolving their references and mapping the
// ClaimResponse's decision to a denial; it does not validate or generate a
// case (case/ does), write files or talk to a ledger (the entry points do).
// Pure functions of their input (no I/O, no clock); thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "case/case.h"
#include "core/diagnostic.h"

namespace p2p::fhir {

// What the payer decided, over every item of the response.
enum class PasDecision {
  denied,    // X12 306 A3 "Not Certified" on every decided item
  partial,   // some items or units denied (A2 partial, A6 modified, or A3 beside A1)
  approved,  // A1 "Certified in total" on every item
  pended,    // A4 "Pended" (or outcome "queued") and nothing denied
  error,     // outcome "error": the payer could not process the request
};
std::string_view decision_name(PasDecision d);  // "denied", "partial", ...

struct PasImport {
  PasDecision decision = PasDecision::denied;
  std::string summary;  // one line for people: "A3 Not Certified on 1 of 1 item(s)"
  // For denied and partial only: the p2p-case/1 draft, its `draft` object
  // holding the gaps (draft.to_complete), the decision per item and notes.
  // Empty (null) for approved, pended and error.
  nlohmann::ordered_json draft;  // keys in the order of docs/case-format.md
  std::vector<DraftItem> to_complete;  // the same gaps as draft.to_complete
  // For error: the payer's error codes, one line each ("X12 901 T4 at
  // Bundle.entry[0].resource.error[1]: Bundle.entry[1].Organization.name").
  std::vector<std::string> errors;
  // Warnings: what was mapped in a way a person should check, or left out.
  // Their path is a FHIRPath-style location ("Bundle.entry[4].resource.item[0]
  // .productOrService"); locations in the request start "request:".
  Diagnostics notes;
};

// Largest response or request file read (a request may carry attachments).
inline constexpr std::size_t kMaxPasBytes = 16 << 20;  // 16 MiB

// Reads `response` (a PAS response Bundle, or a bare ClaimResponse; a
// collection Bundle holding the request's resources too is fine) and, when
// given, `request` (the PAS request Bundle or Claim). Both the PAS 2.2.1
// shape (reviewAction extension on item.adjudication) and the legacy
// reference-implementation shape (ClaimResponse-level valueString
// reviewAction, outcome "queued") are read.
// Fails, with errors located FHIRPath-style, when the text is not JSON, holds
// no ClaimResponse or several, or no decision can be told; never throws.
// Anything the sources lack or state ambiguously becomes a draft.to_complete
// entry or a note, never a guessed value.
// `today` is only used to check the draft against the case format (a date
// of birth in the future is a gap, not a value): every draft returned passes
// review_draft with no error left outside its gaps.
Result<PasImport> import_pas(std::string_view response, std::optional<std::string_view> request, const Date& today);

// The same on documents already parsed.
Result<PasImport> import_pas_json(const nlohmann::json& response, const nlohmann::json* request, const Date& today);

}  // namespace p2p::fhir
