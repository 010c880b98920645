#include "delivery/payload.h"

#include "calendar/date.h"
#include "delivery/encoding.h"

namespace p2p::delivery {

using json = nlohmann::json;

std::string idempotency_key(const OutgoingDocument& d) { return d.case_id + "/" + d.file + "/" + d.sha256; }

namespace {

// Identifier.type from HL7 v2 table 0203: MR medical record number, MB member number.
json identifier(const std::string& system, const std::string& v2_code, const std::string& display,
                const std::string& value) {
  json id = {{"type", {{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v2-0203"},
                                                 {"code", v2_code},
                                                 {"display", display}}})}}},
             {"value", value}};
  if (!system.empty()) id["system"] = system;
  return id;
}

}  // namespace

json document_reference(const OutgoingDocument& d, const PatientIds& patient, const FhirOptions& o) {
  std::string key = idempotency_key(d);
  std::string title = d.title;
  json subject = json::object();
  if (!patient.mrn.empty()) subject["identifier"] = identifier(o.mrn_system, "MR", "Medical record number", patient.mrn);
  else if (!patient.member_id.empty())
    subject["identifier"] = identifier(o.member_system, "MB", "Member Number", patient.member_id);
  json attachment = {{"contentType", d.content_type},
                     {"data", base64_encode(d.bytes)},
                     {"title", d.file},
                     {"size", d.bytes.size()},
                     {"hash", sha1_base64(d.bytes)},  // R4 Attachment.hash: SHA-1, base64
                     {"creation", iso_utc(d.timestamp)}};
  json ref = {{"resourceType", "DocumentReference"},
              {"masterIdentifier", {{"system", o.key_system}, {"value", key}}},
              {"identifier", json::array({{{"system", o.key_system}, {"value", key}}})},
              {"status", "current"},
              {"type",
               {{"coding", json::array({{{"system", o.type_system}, {"code", o.type_code}, {"display", o.type_display}}})},
                {"text", title}}},
              {"date", iso_utc(d.timestamp)},
              {"description", title + ", case " + d.case_id},
              {"content", json::array({{{"attachment", attachment}}})}};
  if (!subject.empty()) ref["subject"] = subject;
  return ref;
}

json webhook_payload(const OutgoingDocument& d) {
  return {{"case_id", d.case_id},
          {"kind", d.kind},
          {"file", d.file},
          {"title", d.title},
          {"content_type", d.content_type},
          {"bytes", d.bytes.size()},
          {"sha256", d.sha256},
          {"idempotency_key", idempotency_key(d)},
          {"generated", iso_utc(d.timestamp)},
          {"data", base64_encode(d.bytes)}};
}

long long retry_delay_ms(int attempt, long long initial_ms, long long max_ms) {
  if (attempt < 1) attempt = 1;
  long long delay = initial_ms;
  for (int i = 1; i < attempt && delay < max_ms; ++i) delay *= 2;
  return delay < max_ms ? delay : max_ms;
}

bool is_retryable(int status) {
  return status == 0 || status == 408 || status == 425 || status == 429 || status >= 500;
}

}  // namespace p2p::delivery
