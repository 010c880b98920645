// fhir/prefill: the EHR's own FHIR record of the patient (a US Core or
// Synthea Bundle: Condition, Procedure, MedicationRequest,
// MedicationStatement, CarePlan, Observation, DiagnosticReport,
// DocumentReference) read into PROPOSED clinical lines of a PAS draft
// (docs/fhir.md, "Pre-filling from the EHR"):
//   - prior treatments with their dates, each with `source` (the resource,
//     "Type/id") and `proposed: true`; their outcome from the outcome
//     measures the Observations carry (pain 0-10, PHQ-9, ODI ...), numbers
//     and dates, baseline to latest; a missing outcome or end date is a gap
//     (draft.to_complete), never a guess;
//   - the latest such measure as clinical.functional_score (proposed);
//   - key findings: DiagnosticReport conclusions (proposed, with source).
// Only lines related to the denied service's diagnoses are proposed: a
// resource is related when its reason (reasonReference to a Condition,
// reasonCode, CarePlan.addresses, DiagnosticReport.conclusionCode) has an
// ICD-10-CM code, or a SNOMED CT code that templates/knowledge/
// clinical_codes.json maps, in the category (first three characters) of a
// diagnosis of the draft. Lines whose reason cannot be told or is another
// condition are not proposed; draft.notes says so, grouped by reason, with
// the codes as written.
// A person accepts a line by deleting its `proposed` key; until then
// validate warns about it and every document that prints it marks it.
// Pure functions of their input (no I/O, no clock); thread-safe. Cost:
// linear in the bundle's entries (one pass to index, one per kind read), so
// a several-megabyte Synthea bundle costs its JSON parse and little more.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "fhir/pas_import.h"

namespace p2p::fhir {

// templates/knowledge/clinical_codes.json, read.
struct ClinicalCodes {
  struct Condition {
    std::string snomed, term;
    std::vector<std::string> icd10_categories;  // "M17"; what the concept falls in
  };
  struct Measure {
    std::string loinc;        // matched against Observation.code's LOINC coding
    std::string text;         // else a lower-case word in its text or display ("oswestry")
    std::string name;         // printed: "Pain 0-10", "PHQ-9"
    double max = 0;           // the scale's top (printed as "/max"); 0 = print the unit
    std::vector<std::string> for_icd10;  // ICD-10-CM prefixes it measures ("M", "G89", "F32")
  };
  std::vector<Condition> conditions;
  std::vector<Measure> measures;
};

// Fails, naming the entry, on a table that is not of that shape.
Result<ClinicalCodes> read_clinical_codes(const nlohmann::json& table);

// Largest clinical bundle read (Synthea's bundles for a long life run to
// several megabytes).
inline constexpr std::size_t kMaxClinicalBytes = 64 << 20;  // 64 MiB
// The brief shows a handful; more are noise for the call.
inline constexpr std::size_t kMaxProposedTreatments = 12;
inline constexpr std::size_t kMaxProposedFindings = 6;

struct Prefill {
  std::size_t treatments = 0;   // lines added to clinical.prior_treatments
  std::size_t findings = 0;     // lines added to clinical.findings
  bool functional_score = false;
  std::size_t resources = 0;    // resources the bundle holds
  Diagnostics notes;            // also appended to draft.notes, located "clinical:Bundle.entry[i]..."
};

// Adds proposed lines to `import.draft` (denied or partial imports only) and
// updates its gaps (draft.to_complete and import.to_complete): the
// /clinical/prior_treatments gap goes when treatments are proposed, and a
// gap is added per missing outcome or end date.
// Fails, changing nothing, when the text is not JSON, holds no Patient or
// several, or its Patient is plainly another person than the draft's (birth
// date or family name differ): one patient's record must never fill
// another's case. When the draft lacks the name or date to compare, a note
// says the match could not be checked.
Result<Prefill> prefill_clinical(PasImport& import, std::string_view bundle, const ClinicalCodes& codes);
Result<Prefill> prefill_clinical_json(PasImport& import, const nlohmann::json& bundle, const ClinicalCodes& codes);

}  // namespace p2p::fhir
