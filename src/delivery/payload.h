// What goes over the wire to the EHR for one generated document: a FHIR R4
// DocumentReference or a plain webhook JSON, the idempotency key both carry,
// and the retry schedule. Pure functions of their inputs (no clock, no I/O),
// thread-safe; delivery.cpp sends what these build.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace p2p::delivery {

// One document of a packet, as delivery needs it.
struct OutgoingDocument {
  std::string case_id;       // already validated: [A-Za-z0-9._-], no leading '.'
  std::string kind;          // "lomn"
  std::string title;         // "Letter of medical necessity" (the template's front matter)
  std::string file;          // "lomn.pdf"
  std::string content_type;  // "application/pdf"
  std::string sha256;        // hex, of `bytes`
  std::string bytes;
  long long timestamp = 0;   // generation time, seconds since 1970 UTC
};

// Who the document is about, from the case's /patient: the EHR files it by
// MRN when the case gives one, else by payer member ID.
struct PatientIds {
  std::string mrn;
  std::string member_id;
};

// How DocumentReference fields are coded; the defaults suit most EHRs and an
// integration analyst can override each in the service config.
struct FhirOptions {
  std::string type_system = "http://loinc.org";
  std::string type_code = "11488-4";        // LOINC 11488-4 "Consult note"
  std::string type_display = "Consult note";
  std::string mrn_system;                   // Identifier.system for the MRN (e.g. the hospital's OID); "" = none
  std::string member_system;                // Identifier.system for the member ID; "" = none
  std::string key_system = "urn:p2pdoc:document";  // Identifier.system of the idempotency key
};

// "<case_id>/<file>/<sha256>": the same bytes of the same document always give
// the same key, so a receiver can drop a repeat, and a changed document is a
// new delivery.
std::string idempotency_key(const OutgoingDocument& d);

// FHIR R4 DocumentReference (resourceType, masterIdentifier and identifier =
// the idempotency key, status current, type, subject by identifier, date,
// description, content[0].attachment with base64 data, size and SHA-1 hash).
nlohmann::json document_reference(const OutgoingDocument& d, const PatientIds& patient, const FhirOptions& options);

// The webhook body: {case_id, kind, file, title, content_type, bytes, sha256,
// idempotency_key, generated, data (base64)}.
nlohmann::json webhook_payload(const OutgoingDocument& d);

// Milliseconds to wait before retry number `attempt` (1 = the first retry):
// initial, 2x, 4x ... capped at max_ms. No jitter: one sender, one EHR.
long long retry_delay_ms(int attempt, long long initial_ms, long long max_ms);

// Whether an answer is worth retrying: no answer at all, 408, 425, 429 and
// every 5xx. Any other 4xx means the EHR refuses this request as it is, so
// sending it again would not help (it goes to the failed folder).
bool is_retryable(int status);

}  // namespace p2p::delivery
