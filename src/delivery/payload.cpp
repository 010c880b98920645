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

Result<std::map<std::string, DocumentCoding>> load_document_types(const std::string& path) {
  using R = Result<std::map<std::string, DocumentCoding>>;
  auto text = read_file(path);
  if (!text) return R::fail({error_at("", "cannot read " + path)});
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object() || !doc.contains("document_types") || !doc["document_types"].is_object())
    return R::fail({error_at("", path + ": expected an object with \"document_types\"")});
  std::map<std::string, DocumentCoding> types;
  for (const auto& item : doc["document_types"].items()) {
    const std::string& kind = item.key();
    const json& e = item.value();  // a plain reference: clang 14 cannot capture a structured binding
    auto text_at = [&](const char* key) {
      return e.is_object() && e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    DocumentCoding c{text_at("type_code"), text_at("type_display"),
                     e.is_object() && e.value("draft_until_signed", false)};
    if (c.code.empty() || c.display.empty())
      return R::fail({error_at("/document_types/" + kind, path + ": needs type_code and type_display")});
    types[kind] = c;
  }
  return R::ok(std::move(types));
}

std::string doc_status(const std::string& kind, const RecordFacts& facts, const FhirOptions& o) {
  auto it = o.types.find(kind);
  bool draft = it != o.types.end() && it->second.draft_until_signed && !facts.letters_signed;
  return draft ? "preliminary" : "final";
}

std::string delivery_identity(const std::string& content_sha256, const std::string& status) {
  // final keeps the bare digest, so documents delivered before docStatus existed keep their keys
  return status == "final" ? content_sha256 : sha256_hex(content_sha256 + "/" + status);
}

Diagnostics check_record_facts(const RecordFacts& f, const FhirOptions& o) {
  if (!f.patient.mrn.empty()) {
    if (o.mrn_system.empty()) return {error_at("", "fhir_mrn_system is not set: the MRN cannot be filed")};
    return {};
  }
  if (f.patient.member_id.empty()) return {error_at("/patient", "no MRN and no member ID: the chart cannot file it")};
  if (o.member_system.empty())
    return {error_at("/patient/mrn", "the case gives no MRN and fhir_member_system is not set: "
                                      "give /patient/mrn or set fhir_member_system")};
  return {};
}

std::vector<std::string> check_fhir_settings(bool fhir_delivery, const FhirOptions& o) {
  std::vector<std::string> problems;
  if (!fhir_delivery) return problems;
  if (o.mrn_system.empty())
    problems.push_back("deliver_fhir needs fhir_mrn_system: the identifier system under which the EHR files "
                       "patients' MRNs (e.g. urn:oid:2.16.840.1.113883.3.999.1); without it no document can be "
                       "filed to its patient");
  auto absolute = [](const std::string& uri) {
    auto colon = uri.find(':');
    return colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(uri[0])) &&
           uri.find_first_of(" \t\r\n") == std::string::npos;
  };
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"fhir_mrn_system", &o.mrn_system},
                            {"fhir_member_system", &o.member_system}, {"fhir_type_system", &o.type_system}})
    if (!value->empty() && !absolute(*value))
      problems.push_back(std::string(key) + " \"" + *value + "\" is not an absolute URI (urn:oid:..., http://...)");
  return problems;
}

namespace {

const char* kNpiSystem = "http://hl7.org/fhir/sid/us-npi";

// A logical reference: the EHR's own ids for the physician and the practice
// are not known here, their NPIs are.
json reference_by_npi(const char* type, const std::string& npi, const std::string& name) {
  json r = {{"type", type}};
  if (!npi.empty()) r["identifier"] = {{"system", kNpiSystem}, {"value", npi}};
  if (!name.empty()) r["display"] = name;
  return r;
}

json subject_of(const RecordFacts& f, const FhirOptions& o) {
  json subject = {{"type", "Patient"}};
  if (!f.patient.mrn.empty())
    subject["identifier"] = identifier(o.mrn_system, "MR", "Medical record number", f.patient.mrn);
  else if (!f.patient.member_id.empty())
    subject["identifier"] = identifier(o.member_system, "MB", "Member Number", f.patient.member_id);
  return subject;
}

json type_of(const OutgoingDocument& d, const FhirOptions& o) {
  auto it = o.types.find(d.kind);
  std::string code = it != o.types.end() ? it->second.code : o.type_code;
  std::string display = it != o.types.end() ? it->second.display : o.type_display;
  return {{"coding", json::array({{{"system", o.type_system}, {"code", code}, {"display", display}}})},
          {"text", d.title}};
}

// context: the encounter the case names, and its days as the period.
json context_of(const RecordFacts& f) {
  json context = json::object();
  if (f.encounter_id.empty()) return context;
  context["encounter"] = json::array({{{"reference", "Encounter/" + f.encounter_id}}});
  json period = json::object();
  if (!f.encounter_start.empty()) period["start"] = f.encounter_start;
  if (!f.encounter_end.empty()) period["end"] = f.encounter_end;
  if (!period.empty()) context["period"] = period;
  return context;
}

}  // namespace

json document_reference(const OutgoingDocument& d, const Version& v, const RecordFacts& f, const FhirOptions& o) {
  const std::string& key = v.key;
  json attachment = {{"contentType", d.content_type},
                     {"language", o.language},
                     {"data", base64_encode(d.bytes)},
                     {"size", d.bytes.size()},
                     {"hash", sha1_base64(d.bytes)},  // R4 Attachment.hash: SHA-1, base64
                     {"title", d.title},
                     {"creation", iso_utc(d.timestamp)}};
  json category = {{"coding", json::array({{{"system", "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"},
                                            {"code", "clinical-note"},
                                            {"display", "Clinical Note"}}})}};
  json ref = {{"resourceType", "DocumentReference"},
              {"meta", {{"profile", json::array({"http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference"})}}},
              {"masterIdentifier", {{"system", o.key_system}, {"value", key}}},
              {"identifier", json::array({{{"system", o.key_system}, {"value", key}}})},
              {"status", "current"},
              {"docStatus", doc_status(d.kind, f, o)},
              {"type", type_of(d, o)},
              {"category", json::array({category})},
              {"subject", subject_of(f, o)},
              {"date", iso_utc(d.timestamp)},
              {"author", json::array({reference_by_npi("Practitioner", f.physician_npi, f.physician_name)})},
              {"custodian", reference_by_npi("Organization", f.practice_npi, f.practice_name)},
              {"description", d.title + ", case " + d.case_id},
              {"content", json::array({{{"attachment", attachment}}})}};
  if (json context = context_of(f); !context.empty()) ref["context"] = context;
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

json webhook_payload(const OutgoingDocument& d, const Version& v, const std::string& status) {
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
          {"doc_status", status},
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
