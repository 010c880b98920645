#include "delivery/hl7v2.h"

#include <cctype>
#include <map>

#include "calendar/date.h"
#include "delivery/encoding.h"
#include "pipeline/files.h"

namespace p2p::delivery {

namespace {

// HL7 TS/DTM to the second, in UTC: YYYYMMDDHHMMSS+0000.
std::string hl7_time(long long timestamp) { return format_utc(timestamp, "%Y%m%d%H%M%S") + "+0000"; }

// One segment from its fields by position; positions not given stay empty.
// MSH is special: MSH-1 is the field separator itself, so its fields start at 2.
std::string segment(const std::string& name, const std::map<int, std::string>& fields) {
  std::string out = name;
  int first = name == "MSH" ? 2 : 1;
  int last = fields.empty() ? 0 : fields.rbegin()->first;
  for (int i = first; i <= last; ++i) {
    out += '|';
    auto it = fields.find(i);
    if (it != fields.end()) out += it->second;
  }
  return out;
}

// Components, each escaped, joined by ^; trailing empty components dropped.
std::string components(std::vector<std::string> parts) {
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '^';
    out += hl7_escape(parts[i]);
  }
  return out;
}

// "Maria José Núñez" -> family "Núñez", given "Maria José": the case gives
// one name; its last word is taken as the family name.
std::pair<std::string, std::string> family_and_given(const std::string& name) {
  std::string n = name;
  while (!n.empty() && std::isspace(static_cast<unsigned char>(n.back()))) n.pop_back();
  auto space = n.find_last_of(" \t");
  if (space == std::string::npos) return {n, ""};
  std::string given = n.substr(0, space);
  while (!given.empty() && std::isspace(static_cast<unsigned char>(given.back()))) given.pop_back();
  return {n.substr(space + 1), given};
}

// XPN: family ^ given.
std::string person_name(const std::string& name) {
  auto [family, given] = family_and_given(name);
  return components({family, given});
}

// "1968-04-12" -> "19680412"; "" when it is not a day.
std::string hl7_date(const std::string& iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return "";
  std::string d = iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
  for (char c : d)
    if (!std::isdigit(static_cast<unsigned char>(c))) return "";
  return d;
}

// PID-8 from the case's sex, user-defined table 0001 as HL7 suggests it
// (F female, M male, O other, U unknown, A ambiguous, N not applicable).
// Anything else (e.g. "X") is left out rather than guessed.
std::string administrative_sex(const std::string& sex) {
  std::string s;
  for (char c : sex) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s == "F" || s == "M" || s == "O" || s == "U" || s == "A" || s == "N") return s;
  if (s == "FEMALE") return "F";
  if (s == "MALE") return "M";
  if (s == "UNKNOWN") return "U";
  return "";
}

// The NPI's OID, 2.16.840.1.113883.4.6 (CMS's National Provider Identifier),
// as the assigning authority of an XCN.
const char* kNpiOid = "2.16.840.1.113883.4.6";

// XCN for the physician: NPI ^ family ^ given ^^^^^^ assigning authority
// (&NPI OID&ISO) ^^^^ identifier type NPI. A physician without an NPI is
// named only.
std::string originator(const RecordFacts& f) {
  if (f.physician_name.empty() && f.physician_npi.empty()) return "";
  auto [family, given] = family_and_given(f.physician_name);
  std::string xcn = hl7_escape(f.physician_npi) + "^" + hl7_escape(family) + "^" + hl7_escape(given);
  if (!f.physician_npi.empty()) xcn += std::string("^^^^^^&") + kNpiOid + "&ISO^^^^NPI";
  return xcn;
}

}  // namespace

std::string hl7_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '|': out += "\\F\\"; break;
      case '^': out += "\\S\\"; break;
      case '&': out += "\\T\\"; break;
      case '~': out += "\\R\\"; break;
      case '\\': out += "\\E\\"; break;
      case '\r': out += "\\X0D\\"; break;
      case '\n': out += "\\X0A\\"; break;
      default: out += c;
    }
  }
  return out;
}

std::string message_control_id(const std::string& key) { return sha256_hex(key).substr(0, 20); }

std::string document_completion_status(const std::string& status) { return status == "final" ? "AU" : "DO"; }

Diagnostics check_hl7_facts(const RecordFacts& f) {
  if (f.patient.mrn.empty())
    return {error_at("/patient/mrn", "the case gives no MRN: an HL7 v2 message names the patient by MRN (PID-3)")};
  return {};
}

std::vector<std::string> check_hl7_settings(const std::string& mllp, const Hl7Options& o) {
  std::vector<std::string> problems;
  if (mllp.empty()) return problems;
  auto colon = mllp.rfind(':');
  bool port_ok = colon != std::string::npos && colon > 0 && colon + 1 < mllp.size() && mllp.size() - colon <= 6;
  for (size_t i = colon + 1; port_ok && i < mllp.size(); ++i) port_ok = std::isdigit(static_cast<unsigned char>(mllp[i]));
  if (port_ok) {
    long port = std::stol(mllp.substr(colon + 1));
    port_ok = port >= 1 && port <= 65535;
  }
  if (!port_ok) problems.push_back("deliver_mllp \"" + mllp + "\" is not HOST:PORT (e.g. 10.1.2.3:6661)");
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"hl7_sending_application", &o.sending_application},
                            {"hl7_sending_facility", &o.sending_facility},
                            {"hl7_receiving_application", &o.receiving_application},
                            {"hl7_receiving_facility", &o.receiving_facility},
                            {"hl7_mrn_authority", &o.mrn_authority}})
    if (value->empty())
      problems.push_back(std::string("deliver_mllp needs ") + key + " (MSH and PID-3 name it; docs/hl7v2.md)");
  if (o.processing_id != "P" && o.processing_id != "T" && o.processing_id != "D")
    problems.push_back("hl7_processing_id must be P (production), T (training) or D (debugging)");
  return problems;
}

std::string mdm_t02(const OutgoingDocument& d, const Version& v, const RecordFacts& f, const Hl7Options& o,
                    const FhirOptions& fhir) {
  std::string when = hl7_time(d.timestamp);
  std::string status = doc_status(d.kind, f, fhir);
  auto type = fhir.types.find(d.kind);
  std::string code = type != fhir.types.end() ? type->second.code : fhir.type_code;
  std::string display = type != fhir.types.end() ? type->second.display : fhir.type_display;

  std::vector<std::string> segments;
  segments.push_back(segment("MSH", {{2, "^~\\&"},
                                     {3, hl7_escape(o.sending_application)},
                                     {4, hl7_escape(o.sending_facility)},
                                     {5, hl7_escape(o.receiving_application)},
                                     {6, hl7_escape(o.receiving_facility)},
                                     {7, when},
                                     {9, "MDM^T02^MDM_T02"},
                                     {10, message_control_id(v.key)},
                                     {11, hl7_escape(o.processing_id)},
                                     {12, "2.5.1"},
                                     {18, "UNICODE UTF-8"}}));  // table 0211: the names are UTF-8
  segments.push_back(segment("EVN", {{1, "T02"}, {2, when}}));
  std::map<int, std::string> pid = {{1, "1"}, {3, components({f.patient.mrn, "", "", o.mrn_authority, "MR"})}};
  if (!f.patient_name.empty()) pid[5] = person_name(f.patient_name);
  if (std::string dob = hl7_date(f.birth_date); !dob.empty()) pid[7] = dob;
  if (std::string sex = administrative_sex(f.sex); !sex.empty()) pid[8] = sex;
  segments.push_back(segment("PID", pid));
  // PV1-2 U (unknown, table 0004): the case does not say how the patient was seen.
  std::map<int, std::string> pv1 = {{1, "1"}, {2, "U"}};
  if (!f.encounter_id.empty()) pv1[19] = hl7_escape(f.encounter_id);
  segments.push_back(segment("PV1", pv1));
  std::map<int, std::string> txa = {{1, "1"},
                                    {2, hl7_escape(code)},  // user-defined table 0270: the LOINC document code
                                    {3, "AP"},              // table 0191: other application data (a PDF)
                                    {4, when},
                                    {12, components({v.key, o.sending_application})},
                                    {16, hl7_escape(d.file)},
                                    {17, document_completion_status(status)}};
  if (std::string who = originator(f); !who.empty()) txa[9] = who;
  if (!v.replaces.empty()) txa[13] = components({v.replaces, o.sending_application});
  segments.push_back(segment("TXA", txa));
  // OBX-5 ED: source application ^ type of data (table 0191 AP) ^ subtype
  // PDF ^ encoding (table 0299 Base64) ^ data. Base64's alphabet holds no
  // HL7 delimiter, so the data needs no escaping.
  segments.push_back(segment("OBX", {{1, "1"},
                                     {2, "ED"},
                                     {3, components({code, display, "LN"})},
                                     {5, "^AP^PDF^Base64^" + base64_encode(d.bytes)},
                                     {11, status == "final" ? "F" : "P"},  // table 0085
                                     {14, when}}));
  std::string message;
  for (const std::string& s : segments) message += s + "\r";
  return message;
}

Ack read_ack(std::string_view message, const std::string& control_id) {
  Ack ack;
  char sep = '|';
  size_t at = 0;
  while (at < message.size()) {
    size_t end = message.find_first_of("\r\n", at);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(at, end - at);
    at = end + 1;
    if (line.starts_with("MSH") && line.size() > 3) sep = line[3];
    if (!line.starts_with("MSA") || line.size() < 4) continue;
    std::vector<std::string> fields;
    size_t from = 4;
    for (;;) {
      size_t next = line.find(sep, from);
      fields.emplace_back(line.substr(from, next == std::string_view::npos ? std::string_view::npos : next - from));
      if (next == std::string_view::npos) break;
      from = next + 1;
    }
    ack.code = fields.size() > 0 ? fields[0] : "";
    ack.control_id = fields.size() > 1 ? fields[1] : "";
    if (ack.control_id != control_id) return ack;  // someone else's answer: unreadable
    // table 0008: A* original mode, C* enhanced mode commit acknowledgment
    if (ack.code == "AA" || ack.code == "CA") ack.kind = Ack::Kind::accepted;
    else if (ack.code == "AE" || ack.code == "CE") ack.kind = Ack::Kind::retry;
    else if (ack.code == "AR" || ack.code == "CR") ack.kind = Ack::Kind::refused;
    return ack;
  }
  return ack;
}

}  // namespace p2p::delivery
