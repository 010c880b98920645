// What goes over the wire to the EHR for one generated document: a FHIR R4
// DocumentReference or a plain webhook JSON, the idempotency key both carry,
// the link to the version it replaces, reading the EHR's answers, and the
// retry schedule. Pure functions of their inputs (no clock; no I/O but
// load_document_types), thread-safe; delivery.cpp sends what these build.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

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

// What the chart needs to file a document as a record, from the case
// (record_facts in delivery.h): the patient, who wrote it (the physician, by
// NPI), who keeps it (the practice), the encounter it belongs to and
// whether the letters are signed. Empty strings: the case does not say.
struct RecordFacts {
  PatientIds patient;
  std::string physician_name, physician_npi;  // /physician/name, /physician/npi
  std::string practice_name, practice_npi;    // /practice/name, /practice/npi
  std::string encounter_id;                   // /encounter/id (a FHIR id)
  std::string encounter_start, encounter_end; // /encounter/start, /end (YYYY-MM-DD)
  bool letters_signed = false;                // /letters_signed given
  // only HL7 v2 files these (PID-5, PID-7, PID-8); never logged
  std::string patient_name, birth_date, sex;  // /patient/name, /patient/dob (YYYY-MM-DD), /patient/sex
};

// How one kind of document is coded (templates/knowledge/document_types.json).
struct DocumentCoding {
  std::string code;     // LOINC, e.g. "51852-2"
  std::string display;  // "Letter"
  bool draft_until_signed = false;  // preliminary until the case gives /letters_signed
};

// How DocumentReference fields are coded; the defaults suit most EHRs and an
// integration analyst can override each in the service config.
struct FhirOptions {
  std::string type_system = "http://loinc.org";
  std::map<std::string, DocumentCoding> types;  // by document kind, from the knowledge library
  std::string type_code = "11488-4";        // a kind missing from `types`: LOINC 11488-4 "Consult note"
  std::string type_display = "Consult note";
  std::string mrn_system;                   // Identifier.system for the MRN (e.g. the hospital's OID); required for FHIR delivery
  std::string member_system;                // Identifier.system for the member ID, for cases without an MRN; "" = none
  std::string key_system = "urn:p2pdoc:document";  // Identifier.system of the idempotency key
  std::string language = "en-US";           // Attachment.language (BCP 47): the templates are written in US English
};

// Reads templates/knowledge/document_types.json. Fails naming the file and
// the entry that lacks a code or display.
Result<std::map<std::string, DocumentCoding>> load_document_types(const std::string& path);

// "preliminary" for a document that stays a draft until signed (the LOMN
// and the appeal cover letter) while the case does not say it is signed,
// else "final" (FHIR R4 composition-status, DocumentReference.docStatus).
std::string doc_status(const std::string& kind, const RecordFacts& facts, const FhirOptions& options);

// What identifies a document's version: what it shows, and for a draft that
// it is a draft, so that signing files a final version replacing the draft
// even though the PDF shows the same.
std::string delivery_identity(const std::string& content_sha256, const std::string& status);

// Why a case cannot be filed as FHIR records with these options: no MRN
// and no member ID, or an identifier without its configured system. Empty
// when it can.
Diagnostics check_record_facts(const RecordFacts& facts, const FhirOptions& options);

// What FHIR delivery needs from its settings before it starts: the MRN's
// identifier system (fhir_mrn_system), and every system set an absolute URI
// ("urn:oid:...", "http://..."). One message per problem; none when
// `fhir_delivery` is false.
std::vector<std::string> check_fhir_settings(bool fhir_delivery, const FhirOptions& options);

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

// FHIR R4 DocumentReference conforming to US Core's DocumentReference
// profile (docs/delivery-records.md lists every element and its source):
// meta.profile, masterIdentifier and identifier = the version's key, status
// current, docStatus (doc_status), type (LOINC by kind) with the title as
// text, category clinical-note, subject by identifier, date, author (the
// physician by NPI), custodian (the practice), description,
// content[0].attachment (contentType, language, base64 data, size, SHA-1
// hash, title, creation), context (encounter and period, when the case gives
// an encounter), and relatesTo [{code "replaces", target: the earlier
// DocumentReference by identifier}] when the version replaces one.
nlohmann::json document_reference(const OutgoingDocument& d, const Version& v, const RecordFacts& facts,
                                  const FhirOptions& options);

// The webhook body: {case_id, kind, file, title, content_type, bytes, sha256,
// content_sha256, idempotency_key, replaces (the earlier version's key, or
// null), doc_status, generated, data (base64)}.
nlohmann::json webhook_payload(const OutgoingDocument& d, const Version& v, const std::string& status);

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
