// What goes over the wire to the EHR for one generated document: a FHIR R4
// DocumentReference or a plain webhook JSON, the idempotency key both carry,
// the link to the version it replaces, reading the EHR's answers, and the
// retry schedule. Pure functions of their inputs (no clock, no I/O),
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
  std::string content_sha256;  // hex, of what the document shows (GeneratedDocument::content_sha256): its identity
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

// "<case_id>/<file>/<content_sha256>": the case, the document and what it
// shows, never the clock. Regenerating the same content gives the same key, so
// nothing new is sent and a receiver can drop a repeat; changed content is a
// new version.
std::string idempotency_key(const OutgoingDocument& d);

// One version of a document as delivered: its key (idempotency_key, or for a
// return to content delivered before, that key + "~" + 12 hex digits naming
// the version it follows, so that it is new to the EHR) and the key of the
// version it replaces ("" for the first).
struct Version {
  std::string key;
  std::string replaces;
};

// The key for content that the chart held before but does not hold now
// (A, then B, then A again): distinct from A's key, fixed by what it replaces.
std::string returning_key(const std::string& key, const std::string& replaces);

// FHIR R4 DocumentReference (resourceType, masterIdentifier and identifier =
// the version's key, status current, type, subject by identifier, date,
// description, content[0].attachment with base64 data, size and SHA-1 hash;
// relatesTo [{code "replaces", target: the earlier DocumentReference by
// identifier}] when the version replaces one).
nlohmann::json document_reference(const OutgoingDocument& d, const Version& v, const PatientIds& patient,
                                  const FhirOptions& options);

// The webhook body: {case_id, kind, file, title, content_type, bytes, sha256,
// content_sha256, idempotency_key, replaces (the earlier version's key, or
// null), generated, data (base64)}.
nlohmann::json webhook_payload(const OutgoingDocument& d, const Version& v);

// GET URL that finds a DocumentReference by identifier (FHIR search,
// token parameter "system|value"), under `endpoint` ({base}/DocumentReference).
std::string identifier_search_url(const std::string& endpoint, const std::string& system, const std::string& value);

// What a search answer holds: no match, a match (its server id, "" when the
// answer gives none), or something that is not a FHIR Bundle.
struct SearchFinding {
  enum class Kind { none, found, unreadable };
  Kind kind = Kind::unreadable;
  std::string id;
};
SearchFinding read_search_bundle(const std::string& body);

// The server's id of a resource it just created: from the Location header
// ("{base}/DocumentReference/123/_history/1"), else the body's "id"; "" when
// neither says.
std::string created_id(const std::string& location, const std::string& body);

// relatesTo's target gets the literal reference "DocumentReference/<id>"
// once the replaced version's server id is known (it may not be when the
// entry is queued). Returns the body unchanged when it has no relatesTo.
std::string with_replaced_reference(const std::string& body, const std::string& server_id);

// Milliseconds to wait before retry number `attempt` (1 = the first retry):
// initial, 2x, 4x ... capped at max_ms. No jitter: one sender, one EHR.
long long retry_delay_ms(int attempt, long long initial_ms, long long max_ms);

// Whether an answer is worth retrying: no answer at all, 408, 425, 429 and
// every 5xx. Any other 4xx means the EHR refuses this request as it is, so
// sending it again would not help (it goes to the failed folder).
bool is_retryable(int status);

}  // namespace p2p::delivery
