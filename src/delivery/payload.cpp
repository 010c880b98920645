#include "delivery/payload.h"

#include <cctype>

#include "calendar/date.h"
#include "delivery/encoding.h"
#include "pipeline/files.h"

namespace p2p::delivery {

using json = nlohmann::json;

std::string idempotency_key(const OutgoingDocument& d) { return d.case_id + "/" + d.file + "/" + d.content_sha256; }

std::string returning_key(const std::string& key, const std::string& replaces) {
  return key + "~" + sha256_hex(replaces).substr(0, 12);
}

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

json document_reference(const OutgoingDocument& d, const Version& v, const PatientIds& patient, const FhirOptions& o) {
  const std::string& key = v.key;
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
  // R4 DocumentReference.relatesTo: "Relationships that this document has with
  // other document references that already exist"; code "replaces" from
  // document-relationship-type. The target is named by identifier (a logical
  // reference): the EHR's own id may not be known yet.
  if (!v.replaces.empty())
    ref["relatesTo"] = json::array({{{"code", "replaces"},
                                     {"target",
                                      {{"type", "DocumentReference"},
                                       {"identifier", {{"system", o.key_system}, {"value", v.replaces}}}}}}});
  return ref;
}

json webhook_payload(const OutgoingDocument& d, const Version& v) {
  return {{"case_id", d.case_id},
          {"kind", d.kind},
          {"file", d.file},
          {"title", d.title},
          {"content_type", d.content_type},
          {"bytes", d.bytes.size()},
          {"sha256", d.sha256},
          {"content_sha256", d.content_sha256},
          {"idempotency_key", v.key},
          {"replaces", v.replaces.empty() ? json(nullptr) : json(v.replaces)},
          {"generated", iso_utc(d.timestamp)},
          {"data", base64_encode(d.bytes)}};
}

std::string identifier_search_url(const std::string& endpoint, const std::string& system, const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string token = system + "|" + value, q;
  for (unsigned char c : token) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/') {
      q += static_cast<char>(c);
    } else {
      q += '%';
      q += hex[c >> 4];
      q += hex[c & 15];
    }
  }
  return endpoint + "?identifier=" + q;
}

SearchFinding read_search_bundle(const std::string& body) {
  SearchFinding f;
  json b = json::parse(body, nullptr, false);
  if (!b.is_object() || b.value("resourceType", "") != "Bundle") return f;
  f.kind = SearchFinding::Kind::none;
  for (const json& e : b.value("entry", json::array())) {
    if (!e.is_object() || !e.contains("resource") || !e["resource"].is_object()) continue;
    const json& r = e["resource"];
    if (r.value("resourceType", "") != "DocumentReference") continue;  // an OperationOutcome about the search
    f.kind = SearchFinding::Kind::found;
    f.id = r.contains("id") && r["id"].is_string() ? r["id"].get<std::string>() : "";
    return f;
  }
  // a server answering with the count only (_summary=count)
  if (b.contains("total") && b["total"].is_number_integer() && b["total"].get<long long>() > 0)
    f.kind = SearchFinding::Kind::found;
  return f;
}

std::string created_id(const std::string& location, const std::string& body) {
  const std::string type = "DocumentReference/";
  auto at = location.rfind(type);
  // ".../DocumentReference/123/_history/1": the segment after the type
  if (auto h = location.find("/_history"); h != std::string::npos) at = location.rfind(type, h);
  if (at != std::string::npos) {
    std::string rest = location.substr(at + type.size());
    std::string id = rest.substr(0, rest.find('/'));
    if (!id.empty()) return id;
  }
  json b = json::parse(body, nullptr, false);
  if (b.is_object() && b.contains("id") && b["id"].is_string()) return b["id"].get<std::string>();
  return "";
}

std::string with_replaced_reference(const std::string& body, const std::string& server_id) {
  if (server_id.empty() || body.find("\"relatesTo\"") == std::string::npos) return body;
  json ref = json::parse(body, nullptr, false);
  if (!ref.is_object() || !ref.contains("relatesTo") || !ref["relatesTo"].is_array() || ref["relatesTo"].empty())
    return body;
  ref["relatesTo"][0]["target"]["reference"] = "DocumentReference/" + server_id;
  return ref.dump();
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
