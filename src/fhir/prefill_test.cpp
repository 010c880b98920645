// Tests for fhir/prefill: a real Synthea bundle beside a real PAS denial
// (the denial's patient and diagnosis set to the Synthea patient's, as a
// practice's own denial for that patient would be), then one test per rule
// on small hand-written bundles: relevance, dates, gaps, the wrong patient,
// and the proposed lines as the case format reads them.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/prefill.h"

using namespace p2p;
using namespace p2p::fhir;
using json = nlohmann::json;

namespace {

constexpr Date kToday{2026, 12, 1};

std::string file_text(const std::string& path) {
  std::ifstream in(std::string(P2P_SOURCE_ROOT) + "/" + path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  REQUIRE_MESSAGE(!s.str().empty(), path);
  return s.str();
}

ClinicalCodes codes() {
  auto r = read_clinical_codes(json::parse(file_text("templates/knowledge/clinical_codes.json")));
  REQUIRE(r.is_ok());
  return r.take();
}

// The PAS denial example, as if it were this patient's denial for `icd10`.
PasImport denial_for(const std::string& name, const std::string& dob, const std::string& icd10) {
  auto r = import_pas(file_text("tests/fhir/data/Bundle-RejectionResponseBundleExample.json"),
                      std::string_view(file_text("tests/fhir/data/Bundle-ReferralAuthorizationBundleExample.json")), kToday);
  REQUIRE(r.is_ok());
  PasImport imp = r.take();
  imp.draft["patient"]["name"] = name;
  imp.draft["patient"]["dob"] = dob;
  imp.draft["diagnoses"][0]["icd10"] = icd10;
  return imp;
}

bool has_gap(const PasImport& r, const std::string& path) {
  for (const DraftItem& g : r.to_complete)
    if (g.path == path) return true;
  return false;
}

bool has_note(const Prefill& p, const std::string& part) {
  for (const Diagnostic& d : p.notes)
    if (d.to_string().find(part) != std::string::npos) return true;
  return false;
}

// The draft stays well-formed, and each proposed line is a warning at its path.
void check_draft(const PasImport& r) {
  DraftReview review = review_draft(json::parse(r.draft.dump()), kToday);
  for (const Diagnostic& d : review.problems) {
    CAPTURE(d.to_string());
    CHECK(d.severity != Severity::error);
  }
}

json bundle(json entries) {
  json b = {{"resourceType", "Bundle"}, {"type", "collection"}, {"entry", json::array()}};
  for (json& e : entries) b["entry"].push_back({{"fullUrl", "urn:uuid:" + e.value("id", "x")}, {"resource", e}});
  return b;
}

json patient() {
  return {{"resourceType", "Patient"}, {"id", "p1"}, {"birthDate", "1975-10-12"},
          {"name", json::array({{{"family", "Johnston"}, {"given", json::array({"Chauncey"})}}})}};
}

json condition(const std::string& id, const std::string& system, const std::string& code, const std::string& display) {
  return {{"resourceType", "Condition"}, {"id", id},
          {"code", {{"coding", json::array({{{"system", system}, {"code", code}, {"display", display}}})}}}};
}

json medication(const std::string& id, const std::string& drug, const std::string& authored, const std::string& status,
                const std::string& reason) {
  return {{"resourceType", "MedicationRequest"}, {"id", id}, {"status", status}, {"authoredOn", authored},
          {"medicationCodeableConcept", {{"text", drug}}},
          {"reasonReference", json::array({{{"reference", "urn:uuid:" + reason}}})}};
}

json pain(const std::string& id, const std::string& when, double value) {
  return {{"resourceType", "Observation"}, {"id", id}, {"status", "final"}, {"effectiveDateTime", when},
          {"code", {{"coding", json::array({{{"system", "http://loinc.org"}, {"code", "72514-3"}}})}}},
          {"valueQuantity", {{"value", value}, {"unit", "{score}"}}}};
}

}  // namespace

TEST_CASE("a Synthea bundle pre-fills the knee denial: treatments with dates, sources, outcome and score, all proposed") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  REQUIRE(has_gap(imp, "/clinical/prior_treatments"));
  auto r = prefill_clinical(imp, file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"), codes());
  for (const Diagnostic& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  const Prefill& p = r.value();
  CHECK(p.resources == 90);
  CHECK(p.treatments == 2);
  CHECK(p.functional_score);
  const auto& t = imp.draft["clinical"]["prior_treatments"];
  REQUIRE(t.size() == 2);
  // both started on the day the knee's osteoarthritis was diagnosed and are still active
  CHECK(t[0]["start"] == "2011-10-03");
  CHECK(t[1]["start"] == "2011-10-03");
  CHECK(!t[0].contains("end"));
  std::string both = t[0]["treatment"].get<std::string>() + " | " + t[1]["treatment"].get<std::string>();
  CHECK(both.find("Naproxen sodium 220 MG Oral Tablet") != std::string::npos);
  CHECK(both.find("Musculoskeletal care: Joint mobility exercises, Heat therapy") != std::string::npos);
  for (const auto& line : t) {
    CHECK(line["proposed"] == true);
    CHECK(line["outcome"] == "Pain 0-10 7.93/10 (2011-10-03) to 2.452/10 (2020-02-23)");
    std::string source = line["source"];
    CHECK((source == "MedicationRequest/e7e8a88c-cb4d-4b99-8a7f-c400085af98e" || source.rfind("CarePlan/", 0) == 0));
  }
  const auto& score = imp.draft["clinical"]["functional_score"];
  CHECK(score["measure"] == "Pain 0-10");
  CHECK(score["score"] == "2.452/10");
  CHECK(score["date"] == "2020-02-23");
  CHECK(score["source"] == "Observation/0e8f63e6-0d92-40db-ba60-13c59063d373");
  CHECK(score["proposed"] == true);
  // the treatments are there: their gap goes; the record's other lines are named, not dropped
  CHECK(!has_gap(imp, "/clinical/prior_treatments"));
  CHECK(has_gap(imp, "/clinical/summary"));
  CHECK(has_note(p, "not proposed: 2 Procedure with no reason"));
  CHECK(imp.draft["draft"]["prefill"]["treatments"] == 2);
  check_draft(imp);
  DraftReview review = review_draft(json::parse(imp.draft.dump()), kToday);
  int proposed_warnings = 0;
  for (const Diagnostic& d : review.problems) proposed_warnings += d.message.find("not yet checked by a person") != std::string::npos;
  CHECK(proposed_warnings == 3);
}

TEST_CASE("the same bundle beside a denial for another diagnosis proposes nothing and says why") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "G89.4");
  auto r = prefill_clinical(imp, file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"), codes());
  REQUIRE(r.is_ok());
  CHECK(r.value().treatments == 0);
  CHECK(!imp.draft["clinical"].contains("prior_treatments"));
  CHECK(has_gap(imp, "/clinical/prior_treatments"));
  CHECK(has_note(r.value(), "Osteoarthritis of knee\" (SNOMED CT 239873007), ICD-10-CM M17: another condition than the denial's (G89.4)"));
  check_draft(imp);
}

TEST_CASE("another patient's record is refused and the draft is left as it was") {
  PasImport imp = denial_for("Jane Doe", "1975-10-12", "M17.11");
  std::string before = imp.draft.dump();
  auto r = prefill_clinical(imp, file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"), codes());
  REQUIRE(!r.is_ok());
  CHECK(r.diagnostics()[0].message.find("another family name") != std::string::npos);
  CHECK(imp.draft.dump() == before);
  PasImport inside = denial_for("Chauncey Johnstonova", "1975-10-12", "M17.11");  // the family name must be a whole word
  CHECK(!prefill_clinical(inside, file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"), codes()).is_ok());
  PasImport comma = denial_for("JOHNSTON, CHAUNCEY", "1975-10-12", "M17.11");
  CHECK(prefill_clinical(comma, file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"), codes()).is_ok());
  PasImport other = denial_for("Chauncey Johnston", "1975-10-13", "M17.11");
  auto r2 = prefill_clinical(other, file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"), codes());
  REQUIRE(!r2.is_ok());
  CHECK(r2.diagnostics()[0].path == "clinical:Bundle.entry[0].resource.birthDate");
}

TEST_CASE("an unmapped SNOMED code is kept as text with its code, never guessed") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  json b = bundle(json::array({patient(), condition("c1", "http://snomed.info/sct", "1234567", "Knee trouble"),
                               medication("m1", "Ibuprofen 400 MG", "2026-01-05", "active", "c1")}));
  auto r = prefill_clinical_json(imp, b, codes());
  REQUIRE(r.is_ok());
  CHECK(r.value().treatments == 0);
  CHECK(has_note(r.value(), "1 MedicationRequest for \"Knee trouble\" (SNOMED CT 1234567): this code is not in templates/knowledge/clinical_codes.json"));
}

TEST_CASE("an ICD-10-CM coded reason relates directly; a stopped order without an end date is a gap, not ongoing") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  json b = bundle(json::array({patient(), condition("c1", "http://hl7.org/fhir/sid/icd-10-cm", "M17.12", "Primary OA, left knee"),
                               medication("m1", "Meloxicam 15 MG", "2026-01-05", "stopped", "c1"),
                               medication("m2", "Meloxicam 15 MG", "2026-03-05", "stopped", "c1")}));
  auto r = prefill_clinical_json(imp, b, codes());
  REQUIRE(r.is_ok());
  const auto& t = imp.draft["clinical"]["prior_treatments"];
  REQUIRE(t.size() == 1);  // the repeated order is one line
  CHECK(t[0]["treatment"] == "Meloxicam 15 MG");
  CHECK(t[0]["start"] == "2026-01-05");
  CHECK(t[0]["source"] == "MedicationRequest/m1 and 1 more");
  CHECK(!t[0].contains("end"));
  CHECK(!t[0].contains("outcome"));
  CHECK(has_gap(imp, "/clinical/prior_treatments/0/end"));
  CHECK(has_gap(imp, "/clinical/prior_treatments/0/outcome"));
  check_draft(imp);
}

TEST_CASE("outcome: the last score on or before the start to the last one up to the end") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  json med = medication("m1", "Physical therapy", "2026-02-01", "completed", "c1");
  med["dispenseRequest"] = {{"validityPeriod", {{"end", "2026-04-30"}}}};
  json b = bundle(json::array({patient(), condition("c1", "http://hl7.org/fhir/sid/icd-10-cm", "M17.11", "OA right knee"), med,
                               pain("o1", "2026-01-10", 8), pain("o2", "2026-01-25", 7), pain("o3", "2026-03-01", 6),
                               pain("o4", "2026-04-20", 6), pain("o5", "2026-06-01", 3)}));
  auto r = prefill_clinical_json(imp, b, codes());
  REQUIRE(r.is_ok());
  const auto& t = imp.draft["clinical"]["prior_treatments"][0];
  CHECK(t["end"] == "2026-04-30");
  CHECK(t["outcome"] == "Pain 0-10 7/10 (2026-01-25) to 6/10 (2026-04-20)");
  CHECK(imp.draft["clinical"]["functional_score"]["score"] == "3/10");
  CHECK(imp.draft["clinical"]["functional_score"]["source"] == "Observation/o5");
}

TEST_CASE("a report conclusion coded with the denial's diagnosis is a proposed finding; an uncoded one a note") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  json coded = {{"resourceType", "DiagnosticReport"}, {"id", "r1"}, {"effectiveDateTime", "2026-05-02"},
                {"code", {{"text", "XR knee 3 views"}}}, {"conclusion", "Bone-on-bone medial compartment, osteophytes"},
                {"conclusionCode", json::array({{{"coding", json::array({{{"system", "http://snomed.info/sct"}, {"code", "239873007"}}})}}})}};
  json plain = {{"resourceType", "DiagnosticReport"}, {"id", "r2"}, {"effectiveDateTime", "2026-05-03"}, {"conclusion", "Normal"}};
  auto r = prefill_clinical_json(imp, bundle(json::array({patient(), coded, plain})), codes());
  REQUIRE(r.is_ok());
  const auto& f = imp.draft["clinical"]["findings"];
  REQUIRE(f.size() == 1);
  CHECK(f[0]["text"] == "XR knee 3 views 2026-05-02: Bone-on-bone medial compartment, osteophytes");
  CHECK(f[0]["source"] == "DiagnosticReport/r1");
  CHECK(f[0]["proposed"] == true);
  CHECK(has_note(r.value(), "a report conclusion without a code"));
  check_draft(imp);
}

TEST_CASE("not a bundle, no patient, two patients: refused") {
  PasImport imp = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  CHECK(!prefill_clinical(imp, "{", codes()).is_ok());
  CHECK(!prefill_clinical_json(imp, json::object({{"resourceType", "Patient"}}), codes()).is_ok());
  CHECK(!prefill_clinical_json(imp, bundle(json::array()), codes()).is_ok());
  json p2 = patient();
  p2["id"] = "p2";
  CHECK(!prefill_clinical_json(imp, bundle(json::array({patient(), p2})), codes()).is_ok());
}

TEST_CASE("the case format: proposed must be a boolean; true is a warning; a finding may be an object") {
  json doc = json::parse(file_text("samples/uhc-lumbar-mri.json"));
  doc["clinical"]["prior_treatments"][0]["proposed"] = true;
  doc["clinical"]["prior_treatments"][0]["source"] = "Procedure/abc";
  doc["clinical"]["findings"].push_back({{"text", "MRI 2026-05-02: L4-5 herniation"}, {"source", "DiagnosticReport/r1"}, {"proposed", false}});
  Diagnostics ds = validate_case(doc, kToday);
  int warnings = 0, errors = 0;
  for (const Diagnostic& d : ds) {
    MESSAGE(d.to_string());
    warnings += d.severity == Severity::warning && d.path == "/clinical/prior_treatments/0/proposed";
    errors += d.severity == Severity::error;
  }
  CHECK(warnings == 1);
  CHECK(errors == 0);
  doc["clinical"]["prior_treatments"][0]["proposed"] = "yes";
  doc["clinical"]["findings"].push_back(json::object({{"source", "x"}}));
  ds = validate_case(doc, kToday);
  bool type_error = false, text_required = false;
  for (const Diagnostic& d : ds) {
    type_error = type_error || (d.path == "/clinical/prior_treatments/0/proposed" && d.severity == Severity::error);
    text_required = text_required || d.message == "is required";
  }
  CHECK(type_error);
  CHECK(text_required);
}

// ---- mutations: a damaged record gives proposed lines that keep the draft
// well-formed, or a clear error; never a crash (CI runs this under ASan and UBSan).

namespace {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {  // SplitMix64
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

void collect(json& v, std::vector<json*>& out) {
  out.push_back(&v);
  if (v.is_object() || v.is_array())
    for (auto& child : v) collect(child, out);
}

json clinical_value(Rng& rng) {
  static const std::vector<json> kValues = {
      nullptr, true, 0, -1, 1.5, 1e300, "", " ", "active", "stopped", "completed", "entered-in-error", "in-progress",
      "2011-10-03", "2011-10-03T12:01:49+00:00", "1899-12-31", "2026-02-30", "2101-01-01", "9",
      "urn:uuid:146bf71b-6abe-4bc3-b891-7986a6f014a2", "Condition/146bf71b-6abe-4bc3-b891-7986a6f014a2", "#x",
      "239873007", "72514-3", "http://snomed.info/sct", "http://loinc.org", "http://hl7.org/fhir/sid/icd-10-cm", "M17.11",
      std::string(3000, 'x'), json::array(), json::object(), json::array({nullptr}),
      json::object({{"reference", "urn:uuid:146bf71b-6abe-4bc3-b891-7986a6f014a2"}}),
      json::object({{"coding", json::array({json::object({{"system", "http://snomed.info/sct"}, {"code", "239873007"}})})}}),
      json::object({{"value", 1e300}, {"unit", "{score}"}})};
  return kValues[rng.below(kValues.size())];
}

void mutate(json& doc, Rng& rng) {
  std::vector<json*> all;
  collect(doc, all);
  json& v = *all[rng.below(all.size())];
  switch (rng.below(4)) {
    case 0:
      v = clinical_value(rng);
      break;
    case 1:
      if (v.is_object() && !v.empty()) {
        auto it = v.begin();
        std::advance(it, rng.below(v.size()));
        v.erase(it);
      } else if (v.is_array() && !v.empty()) {
        v.erase(v.begin() + static_cast<long>(rng.below(v.size())));
      }
      break;
    case 2:
      if (v.is_array() && !v.empty() && v.size() < 200) v.push_back(v[rng.below(v.size())]);
      break;
    default:
      if (v.is_object()) {
        static const char* kKeys[] = {"reasonReference", "reasonCode", "addresses", "status", "authoredOn", "performedPeriod",
                                      "effectiveDateTime", "valueQuantity", "conclusion", "conclusionCode", "birthDate", "name"};
        v[kKeys[rng.below(std::size(kKeys))]] = clinical_value(rng);
      }
  }
}

}  // namespace

TEST_CASE("mutated Synthea bundles: proposed lines in a well-formed draft, or a clear error; never a crash") {
  const json original = json::parse(file_text("tests/fhir/data/synthea-Chauncey_Johnston.json"));
  const PasImport base = denial_for("Chauncey Johnston", "1975-10-12", "M17.11");
  const ClinicalCodes table = codes();
  Rng rng{56};
  for (int round = 0; round < 300; ++round) {
    json doc = original;
    int edits = 1 + static_cast<int>(rng.below(4));
    for (int e = 0; e < edits; ++e) mutate(doc, rng);
    PasImport imp = base;
    auto r = prefill_clinical_json(imp, doc, table);
    CAPTURE(round);
    if (!r.is_ok()) {
      REQUIRE(!r.diagnostics().empty());
      CHECK(imp.draft == base.draft);
      continue;
    }
    DraftReview review = review_draft(json::parse(imp.draft.dump()), kToday);
    for (const Diagnostic& d : review.problems)
      if (d.severity == Severity::error) FAIL_CHECK(d.to_string());
    if (imp.draft["clinical"].contains("prior_treatments"))
      for (const auto& t : imp.draft["clinical"]["prior_treatments"]) {
        CHECK(t["proposed"] == true);
        CHECK(t.contains("source"));
      }
  }
}
