// Tests for fhir/ (import_pas): every PAS example in tests/fhir/data checked
// field by field (what each should give is in ../shared/external/fhir/NOTES.md),
// then one test per mapping rule on small hand-written bundles, then the
// draft state of case/ (review_draft, validate_case on a draft).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "fhir/pas_import.h"

using namespace p2p;
using namespace p2p::fhir;
using json = nlohmann::json;

namespace {

constexpr Date kToday{2026, 12, 1};

std::string example(const std::string& name) {
  std::ifstream in(std::string(P2P_SOURCE_ROOT) + "/tests/fhir/data/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  REQUIRE_MESSAGE(!s.str().empty(), name);
  return s.str();
}

PasImport imported(const std::string& response, const std::string& request = "") {
  auto r = request.empty() ? import_pas(example(response), std::nullopt, kToday)
                           : import_pas(example(response), std::string_view(example(request)), kToday);
  for (const Diagnostic& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  return r.take();
}

bool has_gap(const PasImport& r, const std::string& path) {
  for (const DraftItem& g : r.to_complete)
    if (g.path == path) return true;
  return false;
}

std::string gap_text(const PasImport& r, const std::string& path) {
  for (const DraftItem& g : r.to_complete)
    if (g.path == path) return g.what;
  return "";
}

bool has_note(const PasImport& r, const std::string& part) {
  for (const Diagnostic& d : r.notes)
    if (d.to_string().find(part) != std::string::npos) return true;
  return false;
}

// A draft is well-formed: the case format finds nothing its gaps do not explain.
void check_well_formed(const PasImport& r) {
  json doc = json::parse(r.draft.dump());
  DraftReview review = review_draft(doc, kToday);
  for (const Diagnostic& d : review.problems) MESSAGE(d.to_string());
  CHECK_FALSE(has_errors(review.problems));
  CHECK(review.to_complete.size() == r.to_complete.size());
}

std::string text(const PasImport& r, const char* pointer) {
  json::json_pointer p(pointer);
  json doc = json::parse(r.draft.dump());
  return doc.contains(p) && doc[p].is_string() ? doc[p].get<std::string>() : std::string("(absent)");
}

}  // namespace

// ---- every example ----------------------------------------------------------------

TEST_CASE("PAS 2.2.1 rejection bundle (A3): a draft, with the request's Claim from the same bundle") {
  PasImport r = imported("Bundle-RejectionResponseBundleExample.json");
  CHECK(r.decision == PasDecision::denied);
  CHECK(text(r, "/case_id") == "pas-111099");
  CHECK(r.draft["urgent"] == true);  // Claim levelOfServiceCode U
  CHECK(text(r, "/setting") == "outpatient");  // place of service 11
  CHECK(text(r, "/practice/name") == "DR. JOE SMITH CORPORATION");
  CHECK(r.draft["practice"]["address"] == nlohmann::ordered_json::array({"111 1ST STREET", "SAN DIEGO, CA 92101"}));
  CHECK(text(r, "/practice/npi") == "8189991234");
  CHECK(text(r, "/patient/name") == "JOE SMITH");
  CHECK(text(r, "/patient/sex") == "M");
  CHECK(has_gap(r, "/patient/dob"));
  CHECK(has_gap(r, "/patient/member_id"));  // Coverage missing; http://example.org/MIN is not a known system
  CHECK(gap_text(r, "/patient/member_id").find("http://example.org/MIN") != std::string::npos);
  CHECK(gap_text(r, "/patient/member_id").find("12345678901") == std::string::npos);  // no patient data in hints
  CHECK(text(r, "/payer/name") == "MARYLAND CAPITAL INSURANCE COMPANY");
  CHECK(has_gap(r, "/payer/id"));
  CHECK(has_gap(r, "/payer/plan_type"));
  CHECK(has_gap(r, "/payer/state"));
  CHECK(text(r, "/denial/date") == "2005-05-02");
  CHECK(text(r, "/denial/time") == "2005-05-02T11:02:00+05:00");
  CHECK(text(r, "/denial/reference_number") == "111099");
  CHECK(has_note(r, "Bundle.entry[0].resource.identifier[0]: denial reference taken from the response's identifier"));
  CHECK(has_gap(r, "/denial/reason"));  // no disposition, no processNote
  CHECK(has_gap(r, "/denial/type"));
  CHECK(text(r, "/diagnoses/0/icd10") == "G89.4");
  CHECK(has_gap(r, "/diagnoses/0/description"));  // the code has no display
  CHECK(has_gap(r, "/services/0"));  // X12 1365 "3" Consultation is no CPT/HCPCS code
  CHECK(gap_text(r, "/services/0").find("3 \"Consultation\"") != std::string::npos);
  CHECK(has_gap(r, "/physician/name"));  // PractitionerRole not in this bundle
  CHECK(has_note(r, "Bundle.entry[4].resource.insurance.coverage: the reference \"Coverage/InsuranceExample\" is not in the bundle(s) read"));
  CHECK(r.draft["draft"]["decision"][0]["code"] == "A3");
  for (const char* p : {"/clinical/summary", "/clinical/prior_treatments", "/clinical/if_upheld", "/policy"})
    CHECK(has_gap(r, p));
  check_well_formed(r);
}

TEST_CASE("rejection bundle with the request bundle: Coverage, PractitionerRole and Practitioner resolve") {
  PasImport r = imported("Bundle-RejectionResponseBundleExample.json", "Bundle-ReferralAuthorizationBundleExample.json");
  CHECK(text(r, "/patient/member_id") == "1122334455");  // Coverage.subscriberId, relationship self
  CHECK_FALSE(has_gap(r, "/patient/member_id"));
  CHECK(text(r, "/physician/name") == "SUSAN WATSON");
  CHECK(text(r, "/physician/npi") == "1234567893");
  CHECK(text(r, "/physician/phone") == "4029993456");
  CHECK_FALSE(has_gap(r, "/physician/name"));
  CHECK(has_gap(r, "/physician/specialty"));
  check_well_formed(r);
}

TEST_CASE("a bare ClaimResponse (A3) without its bundle: a draft of gaps, each reference noted") {
  PasImport r = imported("ClaimResponse-RejectionResponseExample.json");
  CHECK(r.decision == PasDecision::denied);
  CHECK(has_gap(r, "/patient"));
  CHECK(has_gap(r, "/payer/name"));
  CHECK(has_gap(r, "/services"));
  CHECK(gap_text(r, "/services").find("--request") != std::string::npos);
  CHECK(has_note(r, "ClaimResponse.patient: the reference \"Patient/SubscriberExample\" is not in the bundle(s) read"));
  check_well_formed(r);
}

TEST_CASE("a bare ClaimResponse with the request bundle beside it fills what the request holds") {
  PasImport r = imported("ClaimResponse-RejectionResponseExample.json", "Bundle-ReferralAuthorizationBundleExample.json");
  CHECK(text(r, "/patient/name") == "JOE SMITH");
  CHECK(text(r, "/payer/name") == "MARYLAND CAPITAL INSURANCE COMPANY");
  CHECK(text(r, "/diagnoses/0/icd10") == "G89.4");
  CHECK(text(r, "/patient/member_id") == "1122334455");
  check_well_formed(r);
}

TEST_CASE("approved (A1) and pended (A4) responses are recognised; no draft") {
  PasImport a = imported("Bundle-ReferralAuthorizationResponseBundleExample.json");
  CHECK(a.decision == PasDecision::approved);
  CHECK(a.draft.is_null());
  PasImport p = imported("Bundle-ReferralPendingAuthorizationResponseBundleExample.json");
  CHECK(p.decision == PasDecision::pended);
  CHECK(p.draft.is_null());
  PasImport bare = imported("ClaimResponse-PractitionerRequestorPendingResponseExample.json");
  CHECK(bare.decision == PasDecision::pended);
  PasImport legacy = imported("ri-PendedClaimResponse.json");  // outcome queued, valueString A4
  CHECK(legacy.decision == PasDecision::pended);
}

TEST_CASE("an error response lists the payer's error codes and their paths; no draft") {
  PasImport r = imported("Bundle-ErrorResponseBundleExample.json");
  CHECK(r.decision == PasDecision::error);
  CHECK(r.draft.is_null());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0] == "Bundle.entry[0].resource.error[0]: 04 (https://codesystem.x12.org/005010/901)");
  CHECK(r.errors[1] == "Bundle.entry[0].resource.error[1]: T4 (https://codesystem.x12.org/005010/901) at Bundle.entry[1].Organization.name");
}

TEST_CASE("request bundles alone are refused with a clear error") {
  for (const char* f : {"Bundle-ReferralAuthorizationBundleExample.json", "Bundle-SurgicalRequestBundleExample.json"}) {
    CAPTURE(f);
    auto r = import_pas(example(f), std::nullopt, kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].to_string() == "Bundle.entry: holds no ClaimResponse");
  }
}

TEST_CASE("the Inferno fixture (an approval edited to A3): denial with reviewAction.number as its reference") {
  PasImport r = imported("testkit-valid_pa_response_bundle_denial.json");
  CHECK(r.decision == PasDecision::denied);
  CHECK(text(r, "/denial/reference_number") == "AUTH0001");
  CHECK(text(r, "/case_id") == "pas-AUTH0001");
  CHECK(text(r, "/practice/name") == "DR. JOE SMITH CORPORATION");  // requestor Organization
  CHECK(has_gap(r, "/patient/member_id"));  // https://prior-auth.davinci.hl7.org/MIN is no known system
  CHECK(has_gap(r, "/services"));
  check_well_formed(r);
}

TEST_CASE("the reference implementation's legacy denial: valueString A3, disposition text, cancelled item") {
  PasImport r = imported("ri-DeniedResponse.json");
  CHECK(r.decision == PasDecision::denied);
  CHECK(text(r, "/denial/reason") == "Denied");  // disposition, verbatim
  CHECK(text(r, "/denial/reason_code") == "X");  // extension-reviewActionReason
  CHECK(text(r, "/denial/reference_number") == "451fe716-4701-4cdf-b5bb-a6eedbe43bbb");  // preAuthRef
  CHECK(text(r, "/denial/date") == "2019-09-09");
  CHECK(text(r, "/patient/name") == "Vlad Alan Nestor Quinton");
  CHECK(text(r, "/patient/dob") == "1956-12-01");
  CHECK(text(r, "/patient/member_id") == "98765400001AZ");  // us-medicare, with a note
  CHECK(has_note(r, "Medicare identifier"));
  CHECK(text(r, "/physician/name") == "Jane Betty Doe");
  CHECK(text(r, "/physician/npi") == "1122334455");
  CHECK(has_note(r, "the request is not named by a resolvable reference; read the only Claim given"));
  CHECK(has_note(r, "Bundle.entry[1].resource.item[0]: the request cancelled this item"));
  REQUIRE(r.draft["services"].size() == 1);
  CHECK(text(r, "/services/0/code") == "B4184");
  CHECK(text(r, "/services/0/system") == "HCPCS");  // sent as CPT; the shape is HCPCS Level II
  CHECK(has_note(r, "code B4184 is sent under the CPT system but has the HCPCS Level II shape"));
  // SNOMED-coded Conditions: each diagnosis a gap naming its code
  CHECK(gap_text(r, "/diagnoses/0").find("87837008 \"Chronic pulmonary heart disease (disorder)\"") != std::string::npos);
  CHECK(has_gap(r, "/payer/name"));  // insurer display "Unknown" is not a name
  CHECK(r.draft["draft"]["decision"][0]["item"] == "all");
  check_well_formed(r);
}

TEST_CASE("the surgical request: HCPCS system with a five-digit code is CPT; a dangling practitioner is a gap") {
  // Wrap the surgical request with a made-up A3 response naming its Claim.
  json response = json::parse(R"({"resourceType": "ClaimResponse", "outcome": "complete",
      "created": "2020-06-25T10:00:00-05:00",
      "request": {"reference": "Claim/SurgicalAuthorizationRequestExample"},
      "patient": {"reference": "Patient/SubscriberExample"},
      "item": [{"itemSequence": 1, "adjudication": [{"extension": [{
        "url": "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction",
        "extension": [{"url": "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode",
                       "valueCodeableConcept": {"coding": [{"system": "https://codesystem.x12.org/005010/306", "code": "A3"}]}}]}]}]}]})");
  json request = json::parse(example("Bundle-SurgicalRequestBundleExample.json"));
  auto res = import_pas_json(response, &request, kToday);
  REQUIRE(res.is_ok());
  const PasImport& r = res.value();
  CHECK(text(r, "/services/0/code") == "33510");
  CHECK(text(r, "/services/0/system") == "CPT");
  CHECK(text(r, "/services/0/description") == "Under Venous Grafting Only for Coronary Artery Bypass");
  CHECK(text(r, "/setting") == "inpatient");  // place of service 21
  CHECK(text(r, "/diagnoses/0/icd10") == "C18.9");
  CHECK(has_gap(r, "/physician/name"));
  CHECK(has_note(r, "names \"Practitioner/ReferralPractitionerExample\", which is not in the bundle(s) read"));
  CHECK_FALSE(r.draft.contains("urgent"));  // level of service E (elective)
  check_well_formed(r);
}

// ---- one rule at a time ------------------------------------------------------------

namespace {

json action(const std::string& code) {
  return {{"url", "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"},
          {"extension", {{{"url", "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode"},
                          {"valueCodeableConcept", {{"coding", {{{"system", "https://codesystem.x12.org/005010/306"}, {"code", code}}}}}}}}}};
}

json response_item(int sequence, const std::string& code) {
  return {{"itemSequence", sequence}, {"adjudication", {{{"extension", {action(code)}}}}}};
}

json claim_item(int sequence, const std::string& system, const std::string& code, int quantity) {
  return {{"sequence", sequence},
          {"productOrService", {{"coding", {{{"system", system}, {"code", code}, {"display", "service " + code}}}}}},
          {"quantity", {{"value", quantity}}}};
}

const std::string kCpt = "http://www.ama-assn.org/go/cpt";

// A response bundle: ClaimResponse (items given), Claim (items given), Patient, insurer.
json bundle(json response_items, json claim_items) {
  json cr = {{"resourceType", "ClaimResponse"}, {"id", "cr1"}, {"outcome", "complete"},
             {"created", "2026-11-20T09:30:00-05:00"}, {"preAuthRef", "PA-2026-0042"},
             {"patient", {{"reference", "Patient/p1"}}}, {"insurer", {{"reference", "Organization/ins"}}},
             {"request", {{"reference", "Claim/c1"}}}, {"item", std::move(response_items)}};
  json claim = {{"resourceType", "Claim"}, {"id", "c1"}, {"patient", {{"reference", "Patient/p1"}}},
                {"item", std::move(claim_items)},
                {"diagnosis", {{{"sequence", 1}, {"diagnosisCodeableConcept", {{"coding", {{{"system", "http://hl7.org/fhir/sid/icd-10-cm"}, {"code", "M51.16"}, {"display", "Intervertebral disc disorders with radiculopathy, lumbar region"}}}}}}}}}};
  json patient = {{"resourceType", "Patient"}, {"id", "p1"}, {"name", {{{"family", "Testperson"}, {"given", {"Ana"}}}}},
                  {"birthDate", "1970-03-04"}};
  json insurer = {{"resourceType", "Organization"}, {"id", "ins"}, {"name", "Example Health Plan"}};
  return {{"resourceType", "Bundle"}, {"type", "collection"},
          {"entry", {{{"fullUrl", "http://example.org/fhir/ClaimResponse/cr1"}, {"resource", cr}},
                     {{"fullUrl", "http://example.org/fhir/Claim/c1"}, {"resource", claim}},
                     {{"fullUrl", "http://example.org/fhir/Patient/p1"}, {"resource", patient}},
                     {{"fullUrl", "http://example.org/fhir/Organization/ins"}, {"resource", insurer}}}}};
}

json& claim_response(json& b) { return b["entry"][0]["resource"]; }
json& claim(json& b) { return b["entry"][1]["resource"]; }

PasImport run(const json& b) {
  auto r = import_pas_json(b, nullptr, kToday);
  for (const Diagnostic& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  return r.take();
}

}  // namespace

TEST_CASE("a clean denial maps every field the payer carries") {
  PasImport r = run(bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)}));
  CHECK(r.decision == PasDecision::denied);
  CHECK(text(r, "/case_id") == "pas-PA-2026-0042");
  CHECK(text(r, "/patient/name") == "Ana Testperson");
  CHECK(text(r, "/patient/dob") == "1970-03-04");
  CHECK(text(r, "/denial/reference_number") == "PA-2026-0042");
  CHECK(text(r, "/diagnoses/0/description") == "Intervertebral disc disorders with radiculopathy, lumbar region");
  CHECK(text(r, "/services/0/code") == "72148");
  CHECK(text(r, "/services/0/system") == "CPT");
  CHECK(r.draft["services"][0]["units"] == 1);
  check_well_formed(r);
}

TEST_CASE("disposition and every processNote are the reason, verbatim and in order") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  claim_response(b)["disposition"] = "Not medically necessary.";
  claim_response(b)["processNote"] = {{{"number", 1}, {"text", "Six weeks of  conservative care not documented."}},
                                      {{"number", 2}, {"text", "Résumé: see policy CPB 0236 §3"}}};
  PasImport r = run(b);
  CHECK(text(r, "/denial/reason") ==
        "Not medically necessary.\nSix weeks of  conservative care not documented.\nRésumé: see policy CPB 0236 §3");
}

TEST_CASE("texts longer than the 2,000 characters a reason holds are a gap, not a cut") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  claim_response(b)["disposition"] = std::string(2500, 'x');
  PasImport r = run(b);
  CHECK(has_gap(r, "/denial/reason"));
  CHECK(gap_text(r, "/denial/reason").find("2500 characters") != std::string::npos);
  check_well_formed(r);
}

TEST_CASE("reasonCode sub-extensions become the reason code") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  auto& ext = claim_response(b)["item"][0]["adjudication"][0]["extension"][0]["extension"];
  ext.push_back(json::parse(R"({"url": "reasonCode", "valueCodeableConcept": {"coding": [{"system": "https://codesystem.x12.org/external/886", "code": "0U"}]}})"));
  ext.push_back({{"url", "number"}, {"valueString", "REV-77"}});
  PasImport r = run(b);
  CHECK(text(r, "/denial/reason_code") == "0U");
  CHECK(text(r, "/denial/reference_number") == "PA-2026-0042");  // preAuthRef before the review number
}

TEST_CASE("A1 beside A3: partial, and only the denied item becomes a service") {
  PasImport r = run(bundle({response_item(1, "A1"), response_item(2, "A3")},
                           {claim_item(1, kCpt, "72148", 1), claim_item(2, kCpt, "97110", 12)}));
  CHECK(r.decision == PasDecision::partial);
  REQUIRE(r.draft["services"].size() == 1);
  CHECK(text(r, "/services/0/code") == "97110");
  CHECK(r.draft["services"][0]["units"] == 12);
  check_well_formed(r);
}

TEST_CASE("A2 with the certified quantity: the service carries the units denied") {
  json b = bundle({response_item(1, "A2")}, {claim_item(1, kCpt, "97110", 12)});
  claim_response(b)["item"][0]["extension"] = {
      {{"url", "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemAuthorizedDetail"},
       {"extension", {{{"url", "quantity"}, {"valueQuantity", {{"value", 6}}}}}}}};
  PasImport r = run(b);
  CHECK(r.decision == PasDecision::partial);
  CHECK(r.draft["services"][0]["units"] == 6);
  CHECK_FALSE(has_gap(r, "/services/0/units"));
}

TEST_CASE("A2 without a certified quantity: the units denied are a gap") {
  PasImport r = run(bundle({response_item(1, "A2")}, {claim_item(1, kCpt, "97110", 12)}));
  CHECK_FALSE(r.draft["services"][0].contains("units"));
  CHECK(gap_text(r, "/services/0/units").find("requested 12") != std::string::npos);
  check_well_formed(r);
}

TEST_CASE("A6 certifying another code: the requested service is denied in full, with a note") {
  json b = bundle({response_item(1, "A6")}, {claim_item(1, kCpt, "72148", 1)});
  claim_response(b)["item"][0]["extension"] = {
      {{"url", "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemAuthorizedDetail"},
       {"extension", json::parse(R"([{"url": "productOrServiceCode", "valueCodeableConcept": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72100"}]}}])")}}};
  PasImport r = run(b);
  CHECK(r.draft["services"][0]["units"] == 1);
  CHECK(has_note(r, "certified 72100 instead of 72148"));
}

TEST_CASE("references: absolute, urn:uuid and contained resolve; a search URL does not") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  claim_response(b)["patient"] = {{"reference", "http://example.org/fhir/Patient/p1/_history/3"}};
  b["entry"][3]["fullUrl"] = "urn:uuid:0b8d2a8e-6b1e-4c5e-9d1f-3a1c2b4d5e6f";
  claim_response(b)["insurer"] = {{"reference", "urn:uuid:0b8d2a8e-6b1e-4c5e-9d1f-3a1c2b4d5e6f"}};
  claim(b)["contained"] = json::parse(R"([{"resourceType": "Practitioner", "id": "dr", "name": [{"text": "Dana Whitfield"}],
      "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1093817264"}]}])");
  claim(b)["provider"] = {{"reference", "#dr"}};
  PasImport r = run(b);
  CHECK(text(r, "/patient/name") == "Ana Testperson");
  CHECK(text(r, "/payer/name") == "Example Health Plan");
  CHECK(text(r, "/physician/name") == "Dana Whitfield");
  CHECK(text(r, "/physician/npi") == "1093817264");
  CHECK_FALSE(has_note(r, "check digit"));

  claim_response(b)["request"] = {{"reference", "Claim?identifier=abc"}};
  claim(b)["id"] = "other";
  PasImport s = run(b);  // the only Claim is still read, and the note says so
  CHECK(has_note(s, "read the only Claim given"));
}

TEST_CASE("an NPI with a wrong check digit is kept verbatim with a note") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  b["entry"].push_back(json::parse(R"({"resource": {"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Lee"}],
      "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567890"}]}})"));
  claim(b)["provider"] = {{"reference", "Practitioner/dr"}};
  PasImport r = run(b);
  CHECK(text(r, "/physician/npi") == "1234567890");
  CHECK(has_note(r, "NPI \"1234567890\" is not 10 digits with a valid check digit"));
}

TEST_CASE("plan type from a Source of Payment Typology code; identifier type MB is the member id") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  claim(b)["insurance"] = {{{"focal", true}, {"coverage", {{"reference", "Coverage/cov"}}}}};
  b["entry"].push_back(json::parse(R"({"resource": {"resourceType": "Coverage", "id": "cov",
      "type": {"coding": [{"system": "https://nahdo.org/sopt", "code": "111"}]},
      "identifier": [{"type": {"coding": [{"code": "MB"}]}, "value": "MEM-991"}],
      "class": [{"type": {"coding": [{"code": "plan"}]}, "value": "P1", "name": "Gold Advantage"},
                {"type": {"coding": [{"code": "group"}]}, "value": "G-17"}]}})"));
  PasImport r = run(b);
  CHECK(text(r, "/payer/plan_type") == "medicare_advantage");
  CHECK(text(r, "/payer/plan") == "Gold Advantage");
  CHECK(text(r, "/patient/member_id") == "MEM-991");
  CHECK(text(r, "/patient/group_number") == "G-17");
  CHECK_FALSE(has_gap(r, "/payer/plan_type"));
}

TEST_CASE("a value the case format refuses is set aside as a gap: a date of birth in the future") {
  json b = bundle({response_item(1, "A3")}, {claim_item(1, kCpt, "72148", 1)});
  b["entry"][2]["resource"]["birthDate"] = "2030-01-01";
  PasImport r = run(b);
  CHECK(text(r, "/patient/dob") == "(absent)");
  CHECK(gap_text(r, "/patient/dob").find("set aside") != std::string::npos);
  check_well_formed(r);
}

TEST_CASE("errors are values with FHIRPath-style locations") {
  SUBCASE("not JSON") {
    auto r = import_pas("{\"resourceType\": ", std::nullopt, kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].message.find("malformed JSON") != std::string::npos);
  }
  SUBCASE("not a Bundle or ClaimResponse") {
    auto r = import_pas(R"({"resourceType": "Patient"})", std::nullopt, kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].to_string() == "resourceType: is \"Patient\"; a PAS response is a Bundle or a ClaimResponse");
  }
  SUBCASE("an unknown review action code") {
    auto r = import_pas_json(bundle({response_item(1, "ZZ")}, json::array()), nullptr, kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].path == "Bundle.entry[0].resource.item[0].adjudication[0].extension('reviewAction')");
  }
  SUBCASE("no review action anywhere") {
    auto r = import_pas_json(bundle({{{"itemSequence", 1}}}, json::array()), nullptr, kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].message.find("no review action") != std::string::npos);
  }
  SUBCASE("two ClaimResponses") {
    json b = bundle({response_item(1, "A3")}, json::array());
    b["entry"].push_back(b["entry"][0]);
    auto r = import_pas_json(b, nullptr, kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].message.find("holds 2 ClaimResponses") != std::string::npos);
  }
  SUBCASE("the request file is named in its errors") {
    auto r = import_pas(example("ClaimResponse-RejectionResponseExample.json"), std::string_view("[1,"), kToday);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.diagnostics()[0].path.starts_with("request:"));
  }
}

TEST_CASE("outcome queued without a review action is pended (legacy shape)") {
  json cr = {{"resourceType", "ClaimResponse"}, {"outcome", "queued"}};
  auto r = import_pas_json(cr, nullptr, kToday);
  REQUIRE(r.is_ok());
  CHECK(r.value().decision == PasDecision::pended);
}

// ---- drafts in case/ -------------------------------------------------------------------

TEST_CASE("validate_case on a draft: gaps are 'to complete' errors, plus one at /draft") {
  PasImport r = imported("ri-DeniedResponse.json");
  json doc = json::parse(r.draft.dump());
  Diagnostics found = validate_case(doc, kToday);
  REQUIRE_FALSE(found.empty());
  CHECK(found.back().path == "/draft");
  CHECK(found.back().message.find("is a draft with 15 field(s) still to complete") != std::string::npos);
  bool to_complete = false;
  for (const Diagnostic& d : found) to_complete = to_complete || d.message.starts_with("to complete: ");
  CHECK(to_complete);
}

TEST_CASE("review_draft tells a draft's gaps from its real problems") {
  PasImport r = imported("ri-DeniedResponse.json");
  json doc = json::parse(r.draft.dump());
  doc["patient"]["dob"] = "1956-02-30";  // an error no gap explains
  DraftReview review = review_draft(doc, kToday);
  REQUIRE(has_errors(review.problems));
  CHECK(review.problems[0].to_string() == "/patient/dob: \"1956-02-30\" is not a date (YYYY-MM-DD)");
  doc["draft"]["to_complete"].push_back({{"path", "no-slash"}, {"what", "x"}});
  review = review_draft(doc, kToday);
  bool named = false;
  for (const Diagnostic& d : review.problems) named = named || d.path == "/draft/to_complete/15/path";
  CHECK(named);
}

TEST_CASE("a 3,000-character display of accented letters: the gap's line is cut between characters") {
  std::string long_display;
  for (int i = 0; i < 1500; ++i) long_display += "é";  // 2 bytes each
  json b = bundle({response_item(1, "A3")}, {claim_item(1, "http://snomed.info/sct", "12345", 1)});
  claim(b)["item"][0]["productOrService"]["coding"][0]["display"] = long_display + "x";
  PasImport r = run(b);
  REQUIRE(has_gap(r, "/services/0"));
  CHECK(gap_text(r, "/services/0").size() <= 1503);
  CHECK_NOTHROW((void)r.draft.dump());  // valid UTF-8: nothing cut inside a character
  check_well_formed(r);
}
