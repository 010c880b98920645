// Tests for stage 1 (case): parse_case_json, validate_case, load_case.
// Most tests are data: start from the valid example case, apply one JSON
// pointer edit, and compare every diagnostic line (Diagnostic::to_string())
// with the expected text, so paths and wording are both pinned.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "case/case.h"

namespace {

using json = nlohmann::json;
using p2p::Date;

// A copy of ../shared/case-examples/lumbar-mri-uhc.json, embedded so the tests
// do not depend on a file outside the repository.
constexpr const char* kExample = R"json({
  "format": "p2p-case/1",
  "case_id": "RSP-2026-00417",
  "urgent": false,
  "setting": "outpatient",
  "practice": {
    "name": "Riverside Spine & Pain Associates",
    "address": ["410 Western Avenue, Suite 200", "Albany, NY 12203"],
    "phone": "(518) 555-0142",
    "fax": "(518) 555-0143",
    "npi": "1457389206"
  },
  "physician": {
    "name": "Dana Whitfield",
    "credentials": "MD",
    "specialty": "Orthopaedic spine surgery",
    "npi": "1093817264",
    "phone": "(518) 555-0150"
  },
  "case_manager": { "name": "Luis Ortega, RN", "phone": "(518) 555-0161", "email": "lortega@example.org" },
  "patient": {
    "name": "Maria José Núñez",
    "dob": "1968-04-12",
    "sex": "F",
    "member_id": "UHC884120937",
    "mrn": "RSP-220931"
  },
  "payer": {
    "id": "uhc",
    "name": "UnitedHealthcare",
    "plan": "Choice Plus (employer group)",
    "plan_type": "erisa",
    "state": "NY",
    "p2p_phone": "(800) 555-0199",
    "appeals_fax": "(800) 555-0198"
  },
  "denial": {
    "date": "2026-11-18",
    "type": "insufficient_documentation",
    "reason": "Documentation of at least 6 weeks of provider-directed conservative treatment was not provided.",
    "reason_code": "MN-CT6",
    "reference_number": "A2611-88213",
    "reviewer": { "name": "R. Patel", "credentials": "MD", "specialty": "Internal medicine" }
  },
  "diagnoses": [
    { "icd10": "M51.16", "description": "Intervertebral disc disorders with radiculopathy, lumbar region", "primary": true },
    { "icd10": "M54.16", "description": "Radiculopathy, lumbar region" }
  ],
  "services": [
    { "code": "72148", "system": "CPT", "description": "MRI lumbar spine without contrast", "units": 1 }
  ],
  "clinical": {
    "summary": "56-year-old woman with 14 weeks of L5 radicular pain and new left ankle dorsiflexion weakness (4/5). Ten weeks of supervised physical therapy and a 6-day oral steroid taper did not change her ODI (52/100 to 48/100). MRI is the guideline-recommended next step to plan an epidural injection or surgical referral.",
    "duration": "14 weeks",
    "functional_status": "ODI 48/100; unable to work shifts as a nurse's aide; walks 1 block before leg pain.",
    "findings": ["Positive straight-leg raise at 35 degrees on the left", "Left EHL and ankle dorsiflexion 4/5", "Diminished left Achilles reflex"],
    "prior_treatments": [
      { "treatment": "Physical therapy, 2x weekly", "start": "2026-08-03", "end": "2026-10-12", "outcome": "ODI 52/100 to 48/100; radicular pain unchanged (NRS 7/10)" },
      { "treatment": "Methylprednisolone 6-day taper", "start": "2026-09-01", "end": "2026-09-06", "outcome": "Two days of partial relief, then pain returned" },
      { "treatment": "Naproxen 500 mg twice daily", "start": "2026-08-03", "outcome": "Stopped after 5 weeks for dyspepsia; no benefit" }
    ],
    "if_upheld": "Delay risks progression of the motor deficit; without imaging neither epidural steroid injection nor surgical decompression can be planned.",
    "urgency_reason": "New motor deficit"
  },
  "policy": {
    "id": "2026T0566",
    "name": "Spinal Imaging: MRI of the Lumbar Spine",
    "effective": "2026-01-01",
    "criteria": [
      { "id": "1", "text": "Low back pain with radiculopathy persisting at least 6 weeks", "status": "met", "evidence": "Symptoms since 2026-08-01 (14 weeks)", "source": "Office notes 2026-08-03, 2026-11-10" },
      { "id": "2", "text": "Failure of at least 6 weeks of provider-directed conservative therapy", "status": "met", "evidence": "10 weeks of supervised PT; ODI unchanged", "source": "PT discharge summary 2026-10-12" },
      { "id": "3", "text": "Progressive or severe neurologic deficit", "status": "met", "evidence": "New 4/5 ankle dorsiflexion weakness", "source": "Office note 2026-11-10" },
      { "id": "4", "text": "Imaging results will change management (injection or surgery planned)", "status": "partial", "evidence": "Surgical referral contingent on MRI", "source": "" }
    ]
  },
  "citations": [
    { "kind": "guideline", "source": "ACR", "title": "ACR Appropriateness Criteria: Low Back Pain", "year": 2021, "point": "MRI is usually appropriate for radiculopathy persisting after 6 weeks of conservative care or with a progressive deficit." },
    { "kind": "study", "source": "JAMA", "title": "Surgical vs nonoperative treatment for lumbar disk herniation: the Spine Patient Outcomes Research Trial (SPORT)", "year": 2006, "pmid": "17119140", "point": "Outcomes of decompression for persistent radiculopathy depend on imaging-confirmed herniation." }
  ],
  "p2p": {
    "scheduled": "2026-11-20T10:30:00-05:00",
    "reference_number": "P2P-55102",
    "phone": "(800) 555-0199 option 3",
    "goal": "Full authorization of 72148",
    "fallback": "Expedited re-review with the PT discharge summary"
  }
}
)json";

// The day after the example's denial; every date rule below is relative to it.
const Date kToday{2026, 11, 19};

json example() { return json::parse(kExample); }

// One JSON pointer edit: set `value` (JSON text) at `pointer`, or remove the
// value there when `value` is null.
struct Edit {
  const char* pointer;
  const char* value;
};

void apply(json& doc, const Edit& e) {
  json::json_pointer at(e.pointer);
  if (e.value) {
    doc[at] = json::parse(e.value);
    return;
  }
  json& parent = doc[at.parent_pointer()];
  if (parent.is_array()) parent.erase(std::stoul(at.back()));
  else parent.erase(at.back());
}

// All diagnostics, one per line, in the order reported.
std::string lines(const p2p::Diagnostics& found) {
  std::string out;
  for (const auto& d : found) out += (out.empty() ? "" : "\n") + d.to_string();
  return out;
}

std::string validate_edited(std::initializer_list<Edit> edits) {
  json doc = example();
  for (const auto& e : edits) apply(doc, e);
  return lines(p2p::validate_case(doc, kToday));
}

struct Row {
  Edit edit;
  const char* expected;  // every diagnostic line, "\n"-separated; "" = valid
};

void check_rows(std::initializer_list<Row> rows) {
  for (const auto& row : rows) {
    std::string pointer = row.edit.pointer;
    std::string value = row.edit.value ? row.edit.value : "(removed)";
    CAPTURE(pointer);
    CAPTURE(value);
    CHECK(validate_edited({row.edit}) == std::string(row.expected));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the example case is valid with zero diagnostics") {
  CHECK(lines(p2p::validate_case(example(), kToday)) == "");
}

TEST_CASE("the shared example, when present, matches the embedded copy") {
  std::string shared = read_file(std::string(P2P_SOURCE_ROOT) + "/../shared/case-examples/lumbar-mri-uhc.json");
  if (shared.empty()) {
    MESSAGE("shared example not reachable; the embedded copy stands in");
    return;
  }
  auto parsed = p2p::parse_case_json(shared);
  REQUIRE(parsed.is_ok());
  CHECK(parsed.value() == example());
}

TEST_CASE("a top-level value that is not an object is one error") {
  CHECK(lines(p2p::validate_case(json::array(), kToday)) == "(case): expected an object, got an array");
  CHECK(lines(p2p::validate_case(json("case"), kToday)) == "(case): expected an object, got a string");
  CHECK(lines(p2p::validate_case(json(), kToday)) == "(case): expected an object, got null");
}

TEST_CASE("format") {
  check_rows({
      {{"/format", nullptr}, "/format: is required"},
      {{"/format", R"("p2p-case/2")"}, R"(/format: "p2p-case/2" is not a supported format (expected "p2p-case/1"))"},
      {{"/format", "1"}, "/format: expected a string, got an integer"},
      {{"/format", R"(" ")"}, "/format: must not be empty"},
  });
}

TEST_CASE("case_id is safe as a folder name") {
  check_rows({
      {{"/case_id", nullptr}, "/case_id: is required"},
      {{"/case_id", R"("   ")"}, "/case_id: must not be empty"},
      {{"/case_id", "417"}, "/case_id: expected a string, got an integer"},
      {{"/case_id", R"("../etc")"},
       R"(/case_id: "../etc" contains "/"; a case id may only contain letters, digits, ".", "_" and "-")"},
      {{"/case_id", R"("RSP 417")"},
       R"(/case_id: "RSP 417" contains a space; a case id may only contain letters, digits, ".", "_" and "-")"},
      {{"/case_id", R"("RSP-é")"},
       R"(/case_id: "RSP-é" contains U+00E9; a case id may only contain letters, digits, ".", "_" and "-")"},
      {{"/case_id", R"("a\tb")"},
       R"(/case_id: "a\tb" contains U+0009; a case id may only contain letters, digits, ".", "_" and "-")"},
      {{"/case_id", R"(".hidden")"},
       R"(/case_id: ".hidden" starts with "."; a case id must not (it names the output folder))"},
      {{"/case_id", R"("..")"}, R"(/case_id: ".." starts with "."; a case id must not (it names the output folder))"},
      {{"/case_id", R"("a.b_c-D9")"}, ""},
  });
  std::string longest(64, 'x'), too_long(65, 'x');
  CHECK(validate_edited({{"/case_id", json(longest).dump().c_str()}}) == "");
  CHECK(validate_edited({{"/case_id", json(too_long).dump().c_str()}}) ==
        "/case_id: is 65 characters long; a case id has at most 64");
}

TEST_CASE("urgent and setting") {
  check_rows({
      {{"/urgent", R"("yes")"}, "/urgent: expected a boolean, got a string"},
      {{"/urgent", "true"}, ""},
      {{"/urgent", nullptr}, ""},
      {{"/setting", R"("clinic")"},
       R"(/setting: "clinic" is not one of: outpatient, inpatient, residential, home, pharmacy)"},
      {{"/setting", R"("Inpatient")"},
       R"(/setting: "Inpatient" is not one of: outpatient, inpatient, residential, home, pharmacy)"},
      {{"/setting", R"("pharmacy")"}, ""},
      {{"/setting", nullptr}, ""},
  });
}

TEST_CASE("practice, physician, case_manager") {
  check_rows({
      {{"/practice", nullptr}, "/practice: is required"},
      {{"/practice", R"("Riverside")"}, "/practice: expected an object, got a string"},
      {{"/practice/name", nullptr}, "/practice/name: is required"},
      {{"/practice/address", R"("410 Western Avenue")"}, "/practice/address: expected an array, got a string"},
      {{"/practice/address/1", "12203"}, "/practice/address/1: expected a string, got an integer"},
      {{"/practice/npi", "1457389206"}, "/practice/npi: expected a string, got an integer"},
      {{"/practice/fax", "null"}, "/practice/fax: expected a string, got null"},
      {{"/physician", nullptr}, "/physician: is required"},
      {{"/physician/name", R"("")"}, "/physician/name: must not be empty"},
      {{"/physician/specialty", nullptr}, "/physician/specialty: is required"},
      {{"/physician/credentials", "[\"MD\"]"}, "/physician/credentials: expected a string, got an array"},
      {{"/case_manager", nullptr}, ""},
      {{"/case_manager/email", "3"}, "/case_manager/email: expected a string, got an integer"},
      {{"/case_manager", "[]"}, "/case_manager: expected an object, got an array"},
  });
}

TEST_CASE("patient") {
  check_rows({
      {{"/patient", nullptr}, "/patient: is required"},
      {{"/patient/name", nullptr}, "/patient/name: is required"},
      {{"/patient/dob", nullptr}, "/patient/dob: is required"},
      {{"/patient/dob", R"("1968-02-30")"}, R"(/patient/dob: "1968-02-30" is not a date (YYYY-MM-DD))"},
      {{"/patient/dob", R"("04/12/1968")"}, R"(/patient/dob: "04/12/1968" is not a date (YYYY-MM-DD))"},
      {{"/patient/dob", "19680412"}, "/patient/dob: expected a string, got an integer"},
      {{"/patient/member_id", R"(" ")"}, "/patient/member_id: must not be empty"},
      {{"/patient/sex", "null"}, "/patient/sex: expected a string, got null"},
      {{"/patient/group_number", R"("G-100")"}, ""},
      // Born today is fine; tomorrow is not (and the denial then predates birth).
      {{"/patient/dob", R"("2026-11-19")"}, R"(/denial/date: "2026-11-18" is before the date of birth "2026-11-19")"},
      {{"/patient/dob", R"("2026-11-20")"},
       "/patient/dob: date of birth is in the future\n"
       R"(/denial/date: "2026-11-18" is before the date of birth "2026-11-20")"},
  });
}

TEST_CASE("payer") {
  check_rows({
      {{"/payer", nullptr}, "/payer: is required"},
      {{"/payer/id", nullptr}, "/payer/id: is required"},
      {{"/payer/id", R"("UHC")"},
       R"(/payer/id: "UHC" is not a payer id (lowercase letters and digits, words joined by single "-", e.g. bcbs-il))"},
      {{"/payer/id", R"("bcbs--il")"},
       R"(/payer/id: "bcbs--il" is not a payer id (lowercase letters and digits, words joined by single "-", e.g. bcbs-il))"},
      {{"/payer/id", R"("-uhc")"},
       R"(/payer/id: "-uhc" is not a payer id (lowercase letters and digits, words joined by single "-", e.g. bcbs-il))"},
      {{"/payer/id", R"("humana-ma")"}, ""},
      {{"/payer/name", R"("")"}, "/payer/name: must not be empty"},
      {{"/payer/plan_type", R"("hmo")"},
       R"(/payer/plan_type: "hmo" is not one of: erisa, state_regulated, medicare_advantage, medicaid_managed_care, aca_marketplace, fehb, other)"},
      {{"/payer/plan_type", nullptr}, "/payer/plan_type: is required"},
      {{"/payer/state", R"("XX")"},
       R"(/payer/state: "XX" is not a US state or territory code (two capital letters, e.g. NY))"},
      {{"/payer/state", R"("ny")"},
       R"(/payer/state: "ny" is not a US state or territory code (two capital letters, e.g. NY))"},
      {{"/payer/state", R"("DC")"}, ""},
      {{"/payer/state", R"("PR")"}, ""},
      {{"/payer/state", R"("MP")"}, ""},
      {{"/payer/state", nullptr}, "/payer/state: is required"},
      {{"/payer/appeals_address", R"(["PO Box 30432", 84130])"},
       "/payer/appeals_address/1: expected a string, got an integer"},
      {{"/payer/appeals_address", R"(["PO Box 30432", "Salt Lake City, UT 84130"])"}, ""},
  });
}

TEST_CASE("denial") {
  check_rows({
      {{"/denial", nullptr}, "/denial: is required"},
      {{"/denial/date", nullptr}, "/denial/date: is required"},
      {{"/denial/date", R"("2026-11-31")"}, R"(/denial/date: "2026-11-31" is not a date (YYYY-MM-DD))"},
      {{"/denial/date", R"("2026-11-20")"}, R"(warning: /denial/date: "2026-11-20" is in the future (today is 2026-11-19))"},
      {{"/denial/date", R"("1960-01-01")"}, R"(/denial/date: "1960-01-01" is before the date of birth "1968-04-12")"},
      {{"/denial/type", R"("other")"},
       R"(/denial/type: "other" is not one of: medical_necessity, insufficient_documentation, criteria_not_met, experimental_investigational, level_of_care, concurrent_review, out_of_network, benefit_exclusion, administrative)"},
      {{"/denial/reason", nullptr}, "/denial/reason: is required"},
      {{"/denial/reason", R"("  ")"}, "/denial/reason: must not be empty"},
      {{"/denial/claim_number", "123"}, "/denial/claim_number: expected a string, got an integer"},
      {{"/denial/reviewer", R"("Dr. Patel")"}, "/denial/reviewer: expected an object, got a string"},
      {{"/denial/reviewer/npi", R"("1234567890")"}, "warning: /denial/reviewer/npi: unknown key, ignored"},
      {{"/denial/reviewer/name", "7"}, "/denial/reviewer/name: expected a string, got an integer"},
  });
}

TEST_CASE("diagnoses") {
  const char* kNotIcd =
      " is not an ICD-10-CM code (letter, digit, digit or letter, then optionally \".\" and up to 4 more, e.g. "
      "M51.16)";
  auto not_icd = [&](const char* code) { return std::string("/diagnoses/0/icd10: \"") + code + "\"" + kNotIcd; };
  check_rows({
      {{"/diagnoses", nullptr}, "/diagnoses: is required"},
      {{"/diagnoses", "[]"}, "/diagnoses: must have at least 1 item"},
      {{"/diagnoses", R"("M51.16")"}, "/diagnoses: expected an array, got a string"},
      {{"/diagnoses/0", R"("M51.16")"}, "/diagnoses/0: expected an object, got a string"},
      {{"/diagnoses/0/icd10", nullptr}, "/diagnoses/0/icd10: is required"},
      {{"/diagnoses/0/icd10", "51.16"}, "/diagnoses/0/icd10: expected a string, got a number"},
      {{"/diagnoses/0/icd10", R"("M5116")"}, ""},
      {{"/diagnoses/0/icd10", R"("C7A.010")"}, ""},
      {{"/diagnoses/0/icd10", R"("M1A.0711")"}, ""},
      {{"/diagnoses/0/icd10", R"("S72.001A")"}, ""},
      {{"/diagnoses/0/icd10", R"("U07.1")"}, ""},
      {{"/diagnoses/0/icd10", R"("M51")"}, ""},
      {{"/diagnoses/0/icd10", R"("M511234")"}, ""},
      {{"/diagnoses/1/description", nullptr}, "/diagnoses/1/description: is required"},
      {{"/diagnoses/1/primary", R"("yes")"}, "/diagnoses/1/primary: expected a boolean, got a string"},
      {{"/diagnoses/1/primary", "false"}, ""},
      {{"/diagnoses/1/primary", "true"},
       "warning: /diagnoses/1/primary: only one diagnosis should be primary; /diagnoses/0 already is"},
      {{"/diagnoses/1/code", R"("M54.16")"}, "warning: /diagnoses/1/code: unknown key, ignored"},
  });
  for (const char* code : {"XYZ", "M51.", "M51.12345", "M5112345", "5M1.16", "m51.16", "MM1.16", "M51-16", "M51..1"}) {
    std::string shown = code;
    CAPTURE(shown);
    CHECK(validate_edited({{"/diagnoses/0/icd10", json(code).dump().c_str()}}) == not_icd(code));
  }
}

TEST_CASE("services") {
  check_rows({
      {{"/services", nullptr}, "/services: is required"},
      {{"/services", "[]"}, "/services: must have at least 1 item"},
      {{"/services", "{}"}, "/services: expected an array, got an object"},
      {{"/services/0/code", nullptr}, "/services/0/code: is required"},
      {{"/services/0/code", "72148"}, "/services/0/code: expected a string, got an integer"},
      {{"/services/0/code", R"("7214")"},
       R"(/services/0/code: "7214" is not a CPT code (5 digits, or 4 digits then F, T or U, e.g. 72148))"},
      {{"/services/0/code", R"("7214X")"},
       R"(/services/0/code: "7214X" is not a CPT code (5 digits, or 4 digits then F, T or U, e.g. 72148))"},
      {{"/services/0/code", R"("J1745")"},
       R"(/services/0/code: "J1745" is not a CPT code (5 digits, or 4 digits then F, T or U, e.g. 72148))"},
      {{"/services/0/code", R"("3074F")"}, ""},
      {{"/services/0/code", R"("0042T")"}, ""},
      {{"/services/0/code", R"("0001U")"}, ""},
      // The code is checked by the rule of its system: 72148 is no HCPCS code.
      {{"/services/0/system", R"("HCPCS")"},
       R"(/services/0/code: "72148" is not a HCPCS code (a capital letter then 4 digits, e.g. J1745))"},
      {{"/services/0/system", R"("ICD")"}, R"(/services/0/system: "ICD" is not one of: CPT, HCPCS)"},
      {{"/services/0/system", nullptr}, "/services/0/system: is required"},
      {{"/services/0/description", R"("")"}, "/services/0/description: must not be empty"},
      {{"/services/0/units", "0"}, "/services/0/units: must be a positive integer (got 0)"},
      {{"/services/0/units", "-2"}, "/services/0/units: must be a positive integer (got -2)"},
      {{"/services/0/expected_amount_usd", "2100.5"}, ""},
      {{"/services/0/expected_amount_usd", "0"}, ""},
      {{"/services/0/expected_amount_usd", "-1"}, "/services/0/expected_amount_usd: must not be negative (got -1)"},
      {{"/services/0/expected_amount_usd", R"("2100")"}, "/services/0/expected_amount_usd: expected a number, got a string"},
      {{"/services/0/expected_amount_usd", "20000000"},
       "/services/0/expected_amount_usd: is more than 10000000 dollars, the most one service is taken to pay: is it in cents? (got 20000000)"},
      {{"/services/0/units", "1.5"}, "/services/0/units: expected an integer, got a number"},
      {{"/services/0/units", R"("1")"}, "/services/0/units: expected an integer, got a string"},
      {{"/services/0/units", "12"}, ""},
      {{"/services/0/date", R"("2026-13-01")"}, R"(/services/0/date: "2026-13-01" is not a date (YYYY-MM-DD))"},
      {{"/services/0/date", R"("2026-12-01")"}, ""},
      {{"/services/0/modifier", R"("26")"}, "warning: /services/0/modifier: unknown key, ignored"},
  });
  // HCPCS Level II, valid and not.
  json doc = example();
  doc["services"][0]["system"] = "HCPCS";
  doc["services"][0]["code"] = "J1745";
  CHECK(lines(p2p::validate_case(doc, kToday)) == "");
  doc["services"][0]["code"] = "j1745";
  CHECK(lines(p2p::validate_case(doc, kToday)) ==
        R"(/services/0/code: "j1745" is not a HCPCS code (a capital letter then 4 digits, e.g. J1745))");
}

TEST_CASE("clinical and prior treatments") {
  check_rows({
      {{"/clinical", nullptr}, "/clinical: is required"},
      {{"/clinical/summary", nullptr}, "/clinical/summary: is required"},
      {{"/clinical/if_upheld", R"("  ")"}, "/clinical/if_upheld: must not be empty"},
      {{"/clinical/duration", "14"}, "/clinical/duration: expected a string, got an integer"},
      {{"/clinical/findings", R"("SLR positive")"}, "/clinical/findings: expected an array, got a string"},
      {{"/clinical/findings/2", "true"}, "/clinical/findings/2: expected a string, got a boolean"},
      {{"/clinical/prior_treatments", "{}"}, "/clinical/prior_treatments: expected an array, got an object"},
      {{"/clinical/prior_treatments", "[]"}, ""},
      {{"/clinical/prior_treatments/2/start", R"("2026-13-01")"},
       R"(/clinical/prior_treatments/2/start: "2026-13-01" is not a date (YYYY-MM-DD))"},
      {{"/clinical/prior_treatments/0/start", nullptr}, "/clinical/prior_treatments/0/start: is required"},
      {{"/clinical/prior_treatments/0/treatment", nullptr}, "/clinical/prior_treatments/0/treatment: is required"},
      {{"/clinical/prior_treatments/0/outcome", R"("")"}, "/clinical/prior_treatments/0/outcome: must not be empty"},
      {{"/clinical/prior_treatments/1/end", R"("2026-09-31")"},
       R"(/clinical/prior_treatments/1/end: "2026-09-31" is not a date (YYYY-MM-DD))"},
      {{"/clinical/prior_treatments/1/end", R"("2026-08-01")"},
       R"(/clinical/prior_treatments/1/end: "2026-08-01" is before start "2026-09-01")"},
      {{"/clinical/prior_treatments/1/end", R"("2026-09-01")"}, ""},  // a one-day treatment
      {{"/clinical/prior_treatments/1", R"("PT")"}, "/clinical/prior_treatments/1: expected an object, got a string"},
      {{"/clinical/prior_treatments/0/dose", R"("2x")"},
       "warning: /clinical/prior_treatments/0/dose: unknown key, ignored"},
      {{"/clinical/functional_score", R"({"measure": "ODI", "score": "48/100", "date": "2026-11-10"})"}, ""},
      {{"/clinical/functional_score", R"({"measure": "ECOG", "score": "1"})"}, ""},
      {{"/clinical/functional_score", R"("ODI 48")"}, "/clinical/functional_score: expected an object, got a string"},
      {{"/clinical/functional_score", R"({"score": "48/100"})"}, "/clinical/functional_score/measure: is required"},
      {{"/clinical/functional_score", R"({"measure": "ODI", "score": " "})"},
       "/clinical/functional_score/score: must not be empty"},
      {{"/clinical/functional_score", R"({"measure": "ODI", "score": "48", "date": "2026-02-30"})"},
       R"(/clinical/functional_score/date: "2026-02-30" is not a date (YYYY-MM-DD))"},
  });
}

TEST_CASE("policy and criteria") {
  check_rows({
      {{"/policy", nullptr}, ""},
      {{"/policy", R"("2026T0566")"}, "/policy: expected an object, got a string"},
      {{"/policy/effective", R"("Jan 2026")"}, R"(/policy/effective: "Jan 2026" is not a date (YYYY-MM-DD))"},
      {{"/policy/url", R"("www.uhcprovider.com/policy")"},
       R"(/policy/url: "www.uhcprovider.com/policy" is not a web address (it starts with http:// or https://))"},
      {{"/policy/url", R"("https://www.uhcprovider.com/policy")"}, ""},
      {{"/policy/criteria", R"({"1": "met"})"}, "/policy/criteria: expected an array, got an object"},
      {{"/policy/criteria", "[]"}, ""},
      {{"/policy/criteria/0/status", R"("yes")"},
       R"(/policy/criteria/0/status: "yes" is not one of: met, not_met, partial, unknown)"},
      {{"/policy/criteria/0/status", R"("not_met")"}, ""},
      {{"/policy/criteria/0/status", nullptr}, "/policy/criteria/0/status: is required"},
      {{"/policy/criteria/1/text", nullptr}, "/policy/criteria/1/text: is required"},
      {{"/policy/criteria/1/id", "2"}, "/policy/criteria/1/id: expected a string, got an integer"},
      {{"/policy/criteria/3/source", "4"}, "/policy/criteria/3/source: expected a string, got an integer"},
      {{"/policy/criteria/3/evidence", nullptr}, ""},
      {{"/policy/criteria/3/weight", "1"}, "warning: /policy/criteria/3/weight: unknown key, ignored"},
  });
}

TEST_CASE("citations") {
  check_rows({
      {{"/citations", nullptr}, ""},
      {{"/citations", "[]"}, ""},
      {{"/citations", R"("acr-lbp")"}, "/citations: expected an array, got a string"},
      {{"/citations/0", R"("acr-low-back-pain-2021")"}, ""},
      {{"/citations/0", R"("nccn.breast_v4-2026")"}, ""},
      {{"/citations/0", R"("ACR LBP")"},
       R"(/citations/0: "ACR LBP" is not a citation key (lowercase letters, digits, ".", "_" and "-", starting with a letter or digit))"},
      {{"/citations/0", R"("-acr")"},
       R"(/citations/0: "-acr" is not a citation key (lowercase letters, digits, ".", "_" and "-", starting with a letter or digit))"},
      {{"/citations/0", R"("")"}, "/citations/0: must not be empty"},
      {{"/citations/0", "42"}, "/citations/0: expected a string or an object, got an integer"},
      {{"/citations/0/kind", nullptr}, "/citations/0/kind: is required"},
      {{"/citations/0/kind", R"("review")"}, R"(/citations/0/kind: "review" is not one of: guideline, study)"},
      {{"/citations/0/source", R"("")"}, "/citations/0/source: must not be empty"},
      {{"/citations/1/title", nullptr}, "/citations/1/title: is required"},
      {{"/citations/0/year", "1899"}, "/citations/0/year: must be between 1900 and 2027 (got 1899)"},
      {{"/citations/0/year", "2028"}, "/citations/0/year: must be between 1900 and 2027 (got 2028)"},
      {{"/citations/0/year", "2027"}, ""},  // issues dated ahead
      {{"/citations/0/year", "1900"}, ""},
      {{"/citations/0/year", R"("2021")"}, "/citations/0/year: expected an integer, got a string"},
      {{"/citations/0/year", "2021.5"}, "/citations/0/year: expected an integer, got a number"},
      {{"/citations/1/pmid", R"("PMC17119140")"}, R"(/citations/1/pmid: "PMC17119140" is not a PubMed ID (1 to 9 digits))"},
      {{"/citations/1/pmid", R"("1234567890")"}, R"(/citations/1/pmid: "1234567890" is not a PubMed ID (1 to 9 digits))"},
      {{"/citations/1/pmid", "17119140"}, "/citations/1/pmid: expected a string, got an integer"},
      {{"/citations/1/pmid", R"("1")"}, ""},
      {{"/citations/1/doi", R"("10.1001/jama.296.20.2441")"}, ""},
      {{"/citations/1/doi", R"("10.1001jama")"},
       R"(/citations/1/doi: "10.1001jama" is not a DOI (it starts with "10." and contains "/", e.g. 10.1001/jama.296.20.2441))"},
      {{"/citations/1/doi", R"("doi:10.1001/jama")"},
       R"(/citations/1/doi: "doi:10.1001/jama" is not a DOI (it starts with "10." and contains "/", e.g. 10.1001/jama.296.20.2441))"},
      {{"/citations/0/url", R"("ftp://acr.org/lbp.pdf")"},
       R"(/citations/0/url: "ftp://acr.org/lbp.pdf" is not a web address (it starts with http:// or https://))"},
      {{"/citations/0/url", R"("http://acr.org/lbp")"}, ""},
      {{"/citations/0/point", "1"}, "/citations/0/point: expected a string, got an integer"},
      {{"/citations/0/journal", R"("Radiology")"}, "warning: /citations/0/journal: unknown key, ignored"},
  });
}

TEST_CASE("p2p") {
  const char* kNotDateTime = " is not a date-time (ISO 8601 with offset, e.g. 2026-11-20T10:30:00-05:00)";
  auto not_dt = [&](const char* v) { return std::string("/p2p/scheduled: \"") + v + "\"" + kNotDateTime; };
  for (const char* ok : {"2026-11-20T10:30:00-05:00", "2026-11-20T10:30-05:00", "2026-11-20T10:30:00Z",
                         "2026-11-20T10:30:00.250+01:00", "2026-11-20T23:59:59+14:00", "2026-11-20T00:00Z"}) {
    std::string shown = ok;
    CAPTURE(shown);
    CHECK(validate_edited({{"/p2p/scheduled", json(ok).dump().c_str()}}) == "");
  }
  for (const char* bad : {"2026-11-20", "2026-11-20 10:30:00-05:00", "2026-11-20T10:30:00", "2026-11-20T24:00:00Z",
                          "2026-11-20T10:60:00Z", "2026-11-20T10:30:60Z", "2026-11-20T10:30:00.Z",
                          "2026-11-20T10:30:00+05:60", "2026-11-20T10:30:00+0500", "2026-11-20T10:30:00-05",
                          "2026-02-30T10:30:00Z", "2026-11-20T10:30:00Zulu", "2026-11-20t10:30:00z"}) {
    std::string shown = bad;
    CAPTURE(shown);
    CHECK(validate_edited({{"/p2p/scheduled", json(bad).dump().c_str()}}) == not_dt(bad));
  }
  check_rows({
      {{"/p2p", nullptr}, ""},
      {{"/p2p", "[]"}, "/p2p: expected an object, got an array"},
      {{"/p2p/scheduled", "1763652600"}, "/p2p/scheduled: expected a string, got an integer"},
      {{"/p2p/reviewer", R"({"name": "R. Patel", "specialty": "Internal medicine"})"}, ""},
      {{"/p2p/reviewer/name", "5"}, "/p2p/reviewer/name: expected a string, got an integer"},
      {{"/p2p/reviewer/pager", R"("x")"}, "warning: /p2p/reviewer/pager: unknown key, ignored"},
      {{"/p2p/goal", "false"}, "/p2p/goal: expected a string, got a boolean"},
  });
}

// Issue 13: what FHIR delivery files the documents against, and when the
// letters stop being drafts.
TEST_CASE("encounter and letters_signed") {
  check_rows({
      {{"/encounter", R"({"id": "enc-5521.a", "start": "2026-11-02", "end": "2026-11-04"})"}, ""},
      {{"/encounter", R"({"id": "e1"})"}, ""},
      {{"/encounter", R"({"start": "2026-11-02"})"}, "/encounter/id: is required"},
      {{"/encounter", R"({"id": "Encounter/e1"})"},
       "/encounter/id: \"Encounter/e1\" is not a FHIR id (1 to 64 letters, digits, \"-\" or \".\")"},
      {{"/encounter", R"({"id": ""})"}, "/encounter/id: must not be empty"},
      {{"/encounter", R"({"id": "e1", "start": "2026-11-04", "end": "2026-11-02"})"},
       "/encounter/end: \"2026-11-02\" is before the start \"2026-11-04\""},
      {{"/encounter", R"({"id": "e1", "ward": "4B"})"}, "warning: /encounter/ward: unknown key, ignored"},
      {{"/letters_signed", R"("2026-11-24")"}, ""},
      {{"/letters_signed", "true"}, "/letters_signed: expected a string, got a boolean"},
      {{"/letters_signed", R"("2026-11-31")"}, "/letters_signed: \"2026-11-31\" is not a date (YYYY-MM-DD)"},
  });
}

TEST_CASE("call") {
  check_rows({
      {{"/call",
        R"({"started": "2026-11-20T10:31:00-05:00", "duration_minutes": 12.5,
            "reviewer": {"name": "R. Patel", "credentials": "MD", "specialty": "Internal medicine"},
            "points_discussed": ["New motor deficit"], "reviewer_reasoning": "Deficit documented",
            "disposition": "overturned", "auth_number": "AUTH-1", "objections": [], "next_steps": ["Schedule MRI"]})"},
       ""},
      {{"/call", R"({"disposition": "overturned"})"},
       R"(warning: /call/auth_number: should be given when disposition is "overturned")"},
      {{"/call", R"({"disposition": "overturned", "auth_number": " "})"},
       R"(warning: /call/auth_number: should be given when disposition is "overturned")"},
      {{"/call", R"({"disposition": "upheld"})"}, ""},
      {{"/call", R"({"disposition": "won"})"}, R"(/call/disposition: "won" is not one of: overturned, upheld, deferred, modified)"},
      {{"/call", R"({"duration_minutes": 0})"}, "/call/duration_minutes: must be a positive number (got 0)"},
      {{"/call", R"({"duration_minutes": -5})"}, "/call/duration_minutes: must be a positive number (got -5)"},
      {{"/call", R"({"duration_minutes": "20"})"}, "/call/duration_minutes: expected a number, got a string"},
      {{"/call", R"({"points_discussed": "motor deficit"})"}, "/call/points_discussed: expected an array, got a string"},
      {{"/call", R"({"objections": ["none", 1]})"}, "/call/objections/1: expected a string, got an integer"},
      {{"/call", R"({"next_steps": {}})"}, "/call/next_steps: expected an array, got an object"},
      {{"/call", R"({"started": "yesterday"})"},
       R"(/call/started: "yesterday" is not a date-time (ISO 8601 with offset, e.g. 2026-11-20T10:30:00-05:00))"},
      {{"/call", R"({"reviewer": {"specialty": 1}})"}, "/call/reviewer/specialty: expected a string, got an integer"},
      {{"/call", R"({"reviewer_reasoning": null})"}, "/call/reviewer_reasoning: expected a string, got null"},
      {{"/call", R"({"outcome": "won"})"}, "warning: /call/outcome: unknown key, ignored"},
  });
}

// call.approved (a modified outcome): the letters appeal requested minus
// approved, so the approval must fit the request.
TEST_CASE("call.approved is checked against the requested services") {
  const char* two = R"([{"code": "97110", "system": "CPT", "description": "Therapeutic exercise", "units": 12},
                        {"code": "72148", "system": "CPT", "description": "MRI lumbar spine"}])";
  auto with = [&](const char* call) { return validate_edited({{"/services", two}, {"/call", call}}); };
  CHECK(with(R"({"disposition": "modified", "approved": {"auth_number": "PA-1", "services": [{"code": "97110", "units": 6}]}})") == "");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"code": "72148"}]}})") == "");
  CHECK(with(R"({"disposition": "modified", "approved": {"auth_number": "PA-1"}})") == "");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"code": "97112", "units": 6}]}})") ==
        R"(/call/approved/services/0/code: "97112" is not among the requested services (97110, 72148))");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"code": "97110", "units": 13}]}})") ==
        "/call/approved/services/0/units: 13 approved, more than the 12 requested");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"code": "72148", "units": 2}]}})") ==
        "/call/approved/services/0/units: 2 approved, more than the 1 requested");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"code": "97110", "units": 2}, {"code": "97110", "units": 3}]}})") ==
        R"(/call/approved/services/1/code: "97110" is listed twice)");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"code": "97110"}, {"code": "72148", "units": 1}]}})") ==
        "/call/approved/services: approves every requested service in full: that is an overturn, not a modified outcome");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": [{"units": 0}]}})") ==
        "/call/approved/services/0/code: is required\n/call/approved/services/0/units: must be a positive integer (got 0)");
  CHECK(with(R"({"disposition": "upheld", "approved": {"services": [{"code": "97110", "units": 6}]}})") ==
        R"(warning: /call/approved: is read only when disposition is "modified")");
  CHECK(with(R"({"disposition": "modified", "auth_number": "PA-2", "approved": {"auth_number": "PA-1"}})") ==
        R"(warning: /call/approved/auth_number: "PA-1" differs from /call/auth_number "PA-2"; the letters cite this one as the partial approval's)");
  CHECK(with(R"({"disposition": "modified", "approved": {"services": {}}})") ==
        "/call/approved/services: expected an array, got an object");
}

TEST_CASE("unknown keys are warnings, with RFC 6901 escaping") {
  check_rows({
      {{"/notes", R"("call back Tuesday")"}, "warning: /notes: unknown key, ignored"},
      {{"/patient/nickname", R"("Mari")"}, "warning: /patient/nickname: unknown key, ignored"},
      {{"/practice/tax_id", R"("12-345")"}, "warning: /practice/tax_id: unknown key, ignored"},
      {{"/physician/email", R"("x@example.org")"}, "warning: /physician/email: unknown key, ignored"},
      {{"/case_manager/fax", R"("x")"}, "warning: /case_manager/fax: unknown key, ignored"},
      {{"/payer/phone", R"("x")"}, "warning: /payer/phone: unknown key, ignored"},
      {{"/denial/appeal_by", R"("2027-01-01")"}, "warning: /denial/appeal_by: unknown key, ignored"},
      {{"/clinical/imaging", R"("none")"}, "warning: /clinical/imaging: unknown key, ignored"},
      {{"/policy/version", R"("3")"}, "warning: /policy/version: unknown key, ignored"},
      {{"/p2p/duration", "30"}, "warning: /p2p/duration: unknown key, ignored"},
      {{"/a~1b~0c", "1"}, "warning: /a~1b~0c: unknown key, ignored"},
      // An unknown key is ignored whole: its contents are not looked at.
      {{"/extra", R"({"dob": "not a date"})"}, "warning: /extra: unknown key, ignored"},
  });
}

TEST_CASE("all problems are reported at once") {
  std::string found = validate_edited({
      {"/case_id", R"("../x")"},
      {"/patient/dob", nullptr},
      {"/payer/state", R"("XX")"},
      {"/services/0/code", R"("7214")"},
      {"/clinical/prior_treatments/2/start", R"("2026-13-01")"},
  });
  CHECK(found ==
        R"(/case_id: "../x" contains "/"; a case id may only contain letters, digits, ".", "_" and "-")" "\n"
        "/patient/dob: is required\n"
        R"(/payer/state: "XX" is not a US state or territory code (two capital letters, e.g. NY))" "\n"
        R"(/services/0/code: "7214" is not a CPT code (5 digits, or 4 digits then F, T or U, e.g. 72148))" "\n"
        R"(/clinical/prior_treatments/2/start: "2026-13-01" is not a date (YYYY-MM-DD))");

  json doc = example();
  doc["patient"].erase("dob");
  doc["payer"]["state"] = "XX";
  doc["services"][0]["code"] = "7214";
  doc["denial"]["type"] = "nope";
  doc["citations"][0]["year"] = 1800;
  auto d = p2p::validate_case(doc, kToday);
  CHECK(d.size() == 5);
  for (const auto& x : d) CHECK(x.severity == p2p::Severity::error);
}

TEST_CASE("long values are cut in messages") {
  std::string date(100, '9');
  std::string found = validate_edited({{"/patient/dob", json(date).dump().c_str()}});
  CHECK(found == "/patient/dob: \"" + std::string(60, '9') + "...\" is not a date (YYYY-MM-DD)");
}

// The one error of a text parse_case_json refuses, as "path: message".
std::string parse_error_of(std::string_view text) {
  auto r = p2p::parse_case_json(text);
  REQUIRE_FALSE(r.is_ok());
  REQUIRE(r.diagnostics().size() == 1);
  CHECK(r.diagnostics()[0].severity == p2p::Severity::error);
  return r.diagnostics()[0].to_string();
}

TEST_CASE("malformed JSON names line, column and the path reached") {
  // Missing comma at the end of line 2: the error is found at the next key.
  CHECK(parse_error_of("{\n  \"format\": \"p2p-case/1\"\n  \"case_id\": \"x\"\n}") ==
        "(case): malformed JSON at line 3, column 11: unexpected string literal; expected ',' or '}'");
  CHECK(parse_error_of("[1,\n 2\n 3]") ==
        "/2: malformed JSON at line 3, column 2: unexpected number literal; expected ',' or ']'");
  // Columns count characters: "Núñez" is 5 columns, not 7 bytes.
  CHECK(parse_error_of("{\"name\": \"Núñez\" x}") ==
        "(case): malformed JSON at line 1, column 18: invalid literal; expected ',' or '}'");
  CHECK(parse_error_of("") ==
        "(case): malformed JSON at line 1, column 1: unexpected end of input; expected '[', '{', or a literal");
  CHECK(parse_error_of("{\"a\": 1,}") == "(case): malformed JSON at line 1, column 9: unexpected '}'; expected string literal");
  CHECK(parse_error_of("{\"a\": \"x") == "/a: malformed JSON at line 1, column 9: invalid string: missing closing quote");
  CHECK(parse_error_of("{} {}") == "(case): malformed JSON at line 1, column 4: unexpected '{'; expected end of input");
  // The raw bytes of a bad string are not echoed back.
  CHECK(parse_error_of("{\"a\": \"\xff\"}") == "/a: malformed JSON at line 1, column 8: invalid string: ill-formed UTF-8 byte");
  CHECK(parse_error_of("{\r\n\"a\": tru}") == "/a: malformed JSON at line 2, column 9: invalid literal");
  CHECK(parse_error_of("{\"a\": {\"b/c\": [1, {\"d~\": nul}]}}") ==
        "/a/b~1c/1/d~0: malformed JSON at line 1, column 29: invalid literal");
}

// Issue 8, "Parsing": 1e999 gave nlohmann's exception text, no path or place.
TEST_CASE("regression: a number out of range is named with its path, line and column") {
  CHECK(parse_error_of("{\"clinical\": {\"x\": 1e999}}") ==
        "/clinical/x: malformed JSON at line 1, column 20: the number 1e999 is out of range (at most about 1.8e308)");
  CHECK(parse_error_of("{\n \"services\": [{\"units\": -2E+400}]}") ==
        "/services/0/units: malformed JSON at line 2, column 25: the number -2E+400 is out of range (at most about 1.8e308)");
  auto big = p2p::parse_case_json("[1e308, 18446744073709551616]");  // still in range: a double
  REQUIRE(big.is_ok());
  CHECK(big.value()[1].is_number_float());
}

// Issue 8: nlohmann's lexer reads NUL as the end of the input, so everything
// after one was silently dropped.
TEST_CASE("regression: a NUL byte anywhere is refused with its place") {
  using namespace std::string_literals;
  CHECK(parse_error_of("{\"a\": 1}\0{\"b\": 2}"s) ==
        "(case): a NUL byte (U+0000) at line 1, column 9; a case file is text and must not contain one");
  CHECK(parse_error_of("{\"a\": {\n\"b\": \"x\0y\"}}"s) ==
        "/a/b: a NUL byte (U+0000) at line 2, column 8; a case file is text and must not contain one");
  CHECK(parse_error_of("[1, \0 2]"s) ==
        "/1: a NUL byte (U+0000) at line 1, column 5; a case file is text and must not contain one");
  // An earlier error is the one reported.
  CHECK(parse_error_of("{\"a\": x}\0"s) == "/a: malformed JSON at line 1, column 7: invalid literal");
  // The example itself with a NUL after its closing brace.
  CHECK(parse_error_of(std::string(kExample) + "\0"s).find("a NUL byte (U+0000) at line ") != std::string::npos);
}

// Issue 8: the last of two equal keys won, silently.
TEST_CASE("regression: a key given twice in one object is refused with its path and place") {
  CHECK(parse_error_of("{\n  \"patient\": {\"name\": \"A\",\n    \"name\": \"B\"}}") ==
        "/patient/name: the key \"name\" appears twice in one object (at line 3, column 5)");
  CHECK(parse_error_of("{\"a\": 1, \"a\\\"b\": 2, \"a\\\"b\": 3}") ==
        "/a\"b: the key \"a\\\"b\" appears twice in one object (at line 1, column 21)");
  // Equal keys in different objects are fine.
  CHECK(p2p::parse_case_json("[{\"a\": 1}, {\"a\": 2}, {\"b\": {\"a\": 3}}]").is_ok());
}

// Issue 8, "Segfault on deep nesting": one unknown key nested about 9,000
// levels deep passed validate, then blew the stack in generate.
TEST_CASE("regression: nesting deeper than kMaxCaseDepth is refused at parse") {
  json doc = example();
  std::string deep = doc.dump();
  deep.pop_back();
  deep += ",\"x_vendor\":" + std::string(9000, '[') + std::string(9000, ']') + "}";
  std::string zeros;
  for (std::size_t i = 1; i < p2p::kMaxCaseDepth; ++i) zeros += "/0";  // the root object is level 1
  std::string found = parse_error_of(deep);
  CHECK(found.starts_with("/x_vendor" + zeros +
                          ": nested deeper than 64 levels of objects and arrays (the case format needs fewer than 10) "
                          "(at line 1, column "));
  std::string objects;
  for (int i = 0; i < 9000; ++i) objects += "{\"k\":";
  objects += "1" + std::string(9000, '}');
  CHECK(parse_error_of(objects).starts_with("/k/k/k/"));
  CHECK(p2p::load_case(deep, kToday).diagnostics().size() == 1);

  // Exactly the limit is accepted.
  std::string at_limit = std::string(p2p::kMaxCaseDepth, '[') + std::string(p2p::kMaxCaseDepth, ']');
  CHECK(p2p::parse_case_json(at_limit).is_ok());
  CHECK_FALSE(p2p::parse_case_json("[" + at_limit + "]").is_ok());
}

TEST_CASE("a text longer than kMaxCaseBytes is refused before parsing") {
  std::string huge = "[\"" + std::string(p2p::kMaxCaseBytes, 'a') + "\"]";
  CHECK(parse_error_of(huge) == "(case): the case is 1048580 bytes; a case file has at most 1048576 bytes (1 MiB)");
}

TEST_CASE("parse_case_json accepts valid JSON of any shape") {
  auto r = p2p::parse_case_json("[1, 2]");
  REQUIRE(r.is_ok());
  CHECK(r.value() == json::array({1, 2}));
  CHECK(r.diagnostics().empty());
}

TEST_CASE("load_case fills the typed fields") {
  auto r = p2p::load_case(kExample, kToday);
  REQUIRE(r.is_ok());
  CHECK(r.diagnostics().empty());
  const p2p::Case& c = r.value();
  CHECK(c.id == "RSP-2026-00417");
  CHECK(c.urgent == false);
  CHECK(c.payer_id == "uhc");
  CHECK(c.plan_type == "erisa");
  CHECK(c.state == "NY");
  CHECK(c.denial_type == "insufficient_documentation");
  CHECK(c.denial_date == Date{2026, 11, 18});
  CHECK(c.doc == example());
}

TEST_CASE("load_case: urgent defaults to false and is read when given") {
  json doc = example();
  doc.erase("urgent");
  auto r = p2p::load_case(doc.dump(), kToday);
  REQUIRE(r.is_ok());
  CHECK(r.value().urgent == false);
  doc["urgent"] = true;
  r = p2p::load_case(doc.dump(), kToday);
  REQUIRE(r.is_ok());
  CHECK(r.value().urgent == true);
}

TEST_CASE("load_case: warnings ride along, they do not fail the case") {
  json doc = example();
  doc["notes"] = "x";
  doc["diagnoses"][1]["primary"] = true;
  auto r = p2p::load_case(doc.dump(), kToday);
  REQUIRE(r.is_ok());
  CHECK(lines(r.diagnostics()) ==
        "warning: /diagnoses/1/primary: only one diagnosis should be primary; /diagnoses/0 already is\n"
        "warning: /notes: unknown key, ignored");
  CHECK(r.value().doc.contains("notes"));  // kept as given
}

TEST_CASE("load_case fails on any error, with every diagnostic") {
  json doc = example();
  doc["notes"] = "x";
  doc["payer"]["state"] = "XX";
  auto r = p2p::load_case(doc.dump(), kToday);
  CHECK_FALSE(r.is_ok());
  CHECK(lines(r.diagnostics()) ==
        R"(/payer/state: "XX" is not a US state or territory code (two capital letters, e.g. NY))" "\n"
        "warning: /notes: unknown key, ignored");

  auto malformed = p2p::load_case("{", kToday);
  CHECK_FALSE(malformed.is_ok());
  CHECK(lines(malformed.diagnostics()) ==
        "(case): malformed JSON at line 1, column 2: unexpected end of input; expected string literal");

  auto not_object = p2p::load_case("42", kToday);
  CHECK_FALSE(not_object.is_ok());
  CHECK(lines(not_object.diagnostics()) == "(case): expected an object, got an integer");
}

TEST_CASE("denial.time: optional date-time on the denial date (hours windows are counted from it)") {
  check_rows({
      {{"/denial/time", nullptr}, ""},
      {{"/denial/time", R"("2026-11-18T14:30:00-05:00")"}, ""},
      {{"/denial/time", R"("14:30")"},
       R"(/denial/time: "14:30" is not a date-time (ISO 8601 with offset, e.g. 2026-11-20T10:30:00-05:00))"},
      {{"/denial/time", R"("1999-01-01T09:00Z")"},
       R"(/denial/time: "1999-01-01T09:00Z" is not on the denial date "2026-11-18" (give the local time with its offset))"},
  });
}

// Issue 8, "Segfault on far-future dates": a denial in year 9999 was only a
// warning; its appeal deadline fell in year 10000 and crashed the merge.
TEST_CASE("regression: a denial date far in the future is an error") {
  check_rows({
      {{"/denial/date", R"("9999-11-30")"},
       R"(/denial/date: "9999-11-30" is out of range; a case's dates lie between 1900-01-01 and 2100-12-31)"},
      {{"/denial/date", R"("2027-01-01")"},
       R"(/denial/date: "2027-01-01" is in the future (today is 2026-11-19); a denial date may be at most 30 days ahead)"},
      {{"/denial/date", R"("2026-12-19")"},
       R"(warning: /denial/date: "2026-12-19" is in the future (today is 2026-11-19))"},
      {{"/denial/date", R"("2026-12-20")"},
       R"(/denial/date: "2026-12-20" is in the future (today is 2026-11-19); a denial date may be at most 30 days ahead)"},
  });
  json doc = example();
  doc["denial"]["date"] = "9999-11-30";
  auto r = p2p::load_case(doc.dump(), kToday);
  CHECK_FALSE(r.is_ok());
}

TEST_CASE("every date lies between 1900-01-01 and 2100-12-31") {
  const char* kRule = " is out of range; a case's dates lie between 1900-01-01 and 2100-12-31";
  CHECK(validate_edited({{"/patient/dob", R"("1900-01-01")"}}) == "");
  CHECK(validate_edited({{"/patient/dob", R"("1899-12-31")"}}) ==
        "/patient/dob: \"1899-12-31\"" + std::string(kRule));
  CHECK(validate_edited({{"/services/0/date", R"("2100-12-31")"}}) == "");
  CHECK(validate_edited({{"/services/0/date", R"("2101-01-01")"}}) == "/services/0/date: \"2101-01-01\"" + std::string(kRule));
  CHECK(validate_edited({{"/clinical/prior_treatments/0/start", R"("0001-01-01")"}}) ==
        "/clinical/prior_treatments/0/start: \"0001-01-01\"" + std::string(kRule));
  CHECK(validate_edited({{"/policy/effective", R"("9999-12-31")"}}) == "/policy/effective: \"9999-12-31\"" + std::string(kRule));
  CHECK(validate_edited({{"/p2p/scheduled", R"("9999-11-30T10:00:00Z")"}}) ==
        "/p2p/scheduled: \"9999-11-30T10:00:00Z\"" + std::string(kRule));
  CHECK(validate_edited({{"/call", R"({"started": "1899-01-01T10:00:00Z"})"}}) ==
        "/call/started: \"1899-01-01T10:00:00Z\"" + std::string(kRule));
}

TEST_CASE("string lengths are limited: 200 characters for short text, 2000 for free text") {
  std::string name200;
  for (int i = 0; i < 200; ++i) name200 += "é";  // characters, not bytes
  CHECK(validate_edited({{"/patient/name", json(name200).dump().c_str()}}) == "");
  CHECK(validate_edited({{"/patient/name", json(name200 + "x").dump().c_str()}}) ==
        "/patient/name: is 201 characters long; at most 200 are allowed here");
  CHECK(validate_edited({{"/practice/address/1", json(std::string(300, 'a')).dump().c_str()}}) ==
        "/practice/address/1: is 300 characters long; at most 200 are allowed here");
  CHECK(validate_edited({{"/clinical/summary", json(std::string(2000, 'a')).dump().c_str()}}) == "");
  CHECK(validate_edited({{"/clinical/summary", json(std::string(2001, 'a')).dump().c_str()}}) ==
        "/clinical/summary: is 2001 characters long; at most 2000 are allowed here");
  CHECK(validate_edited({{"/denial/reason", json(std::string(10'000'000, 'w')).dump().c_str()}}) ==
        "/denial/reason: is 10000000 characters long; at most 2000 are allowed here");
  CHECK(validate_edited({{"/policy/criteria/0/evidence", json(std::string(2001, 'a')).dump().c_str()}}) ==
        "/policy/criteria/0/evidence: is 2001 characters long; at most 2000 are allowed here");
  CHECK(validate_edited({{"/payer/id", json(std::string(201, 'a')).dump().c_str()}}) ==
        "/payer/id: is 201 characters long; at most 200 are allowed here");
  CHECK(validate_edited({{"/policy/url", json("https://" + std::string(1993, 'a')).dump().c_str()}}) ==
        "/policy/url: is 2001 characters long; at most 2000 are allowed here");
}

TEST_CASE("list lengths are limited, with one error per list") {
  auto repeat = [](const json& item, std::size_t n) { return json(std::vector<json>(n, item)).dump(); };
  json doc = example();
  json criterion = doc["policy"]["criteria"][0];
  CHECK(validate_edited({{"/policy/criteria", repeat(criterion, 50).c_str()}}) == "");
  CHECK(validate_edited({{"/policy/criteria", repeat(criterion, 2000).c_str()}}) ==
        "/policy/criteria: has 2000 items; at most 200 are allowed here");
  CHECK(validate_edited({{"/diagnoses", repeat(doc["diagnoses"][1], 13).c_str()}}) ==
        "/diagnoses: has 13 items; at most 12 are allowed here");
  CHECK(validate_edited({{"/services", repeat(doc["services"][0], 21).c_str()}}) ==
        "/services: has 21 items; at most 20 are allowed here");
  CHECK(validate_edited({{"/clinical/prior_treatments", repeat(doc["clinical"]["prior_treatments"][0], 51).c_str()}}) ==
        "/clinical/prior_treatments: has 51 items; at most 50 are allowed here");
  CHECK(validate_edited({{"/clinical/findings", repeat("x", 21).c_str()}}) ==
        "/clinical/findings: has 21 items; at most 20 are allowed here");
  CHECK(validate_edited({{"/citations", repeat("acr-low-back-pain-2021", 21).c_str()}}) ==
        "/citations: has 21 items; at most 20 are allowed here");
  CHECK(validate_edited({{"/practice/address", repeat("x", 7).c_str()}}) ==
        "/practice/address: has 7 items; at most 6 are allowed here");
  std::string call = R"({"next_steps": )" + repeat("x", 21) + "}";
  CHECK(validate_edited({{"/call", call.c_str()}}) ==
        "/call/next_steps: has 21 items; at most 20 are allowed here");
}
