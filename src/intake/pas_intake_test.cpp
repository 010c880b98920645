// Intake: the PAS examples (tests/fhir/data, copied from ../shared/external/fhir) taken in as the entry
// points take them (draft, deadlines, sheet, folder, ledger).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "intake/pas_intake.h"

#include <unistd.h>

#include <filesystem>

#include "pipeline/files.h"
#include "pipeline/preparation_sheet.h"

using namespace p2p;
using nlohmann::json;

namespace {

const std::string kFhir = std::string(P2P_SOURCE_ROOT) + "/tests/fhir/data/";  // copies of ../shared/external/fhir

const Resources& resources() {
  static Resources res = load_resources(P2P_SOURCE_ROOT).take();
  return res;
}

std::string example(const std::string& name) {
  auto text = read_file(kFhir + name);
  REQUIRE(text);
  return *text;
}

Env at_2026() { return Env::at(1795000000); }  // 2026-11-18

std::string temp_dir(const char* tag) {
  std::string dir = std::filesystem::temp_directory_path().string() + "/intake-" + tag + "-" + std::to_string(getpid());
  remove_tree(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A collection of Bundles, as the service and the watcher take it.
std::string collection(const std::vector<std::string>& parts) {
  json b = {{"resourceType", "Bundle"}, {"type", "collection"}, {"entry", json::array()}};
  for (const std::string& p : parts) b["entry"].push_back({{"resource", json::parse(p)}});
  return b.dump();
}

}  // namespace

TEST_CASE("a PAS denial: draft, deadlines from the denial date, the sheet") {
  auto in = intake::take_pas(example("Bundle-RejectionResponseBundleExample.json"), std::nullopt, resources(), at_2026());
  REQUIRE(in.is_ok());
  const intake::PasIntake& r = in.value();
  CHECK(r.is_draft());
  CHECK_FALSE(r.case_id.empty());
  // 2005-05-02 is a Monday: 3 business days -> Thursday 2005-05-05
  CHECK(r.deadlines["counted_from"] == "2005-05-02");
  CHECK(r.deadlines["p2p_request"]["due"] == "2005-05-05");
  CHECK(r.deadlines["p2p_request"]["passed"] == true);
  // a PAS response carries no plan type: the appeal is not counted, and says why
  bool appeal_explained = false;
  for (const json& n : r.deadlines["not_counted"])
    if (n["deadline"] == "internal_appeal") appeal_explained = n["why"].get<std::string>().find("plan type") != std::string::npos;
  CHECK(appeal_explained);
  CHECK_FALSE(r.deadlines.contains("internal_appeal"));
  REQUIRE(r.sheet.has_value());
  CHECK(r.sheet->pages == 1);
  CHECK(r.sheet->pdf.starts_with("%PDF-"));
}

TEST_CASE("the sheet is the same bytes for the same draft and clock") {
  auto a = intake::take_pas(example("ri-DeniedResponse.json"), std::nullopt, resources(), at_2026());
  auto b = intake::take_pas(example("ri-DeniedResponse.json"), std::nullopt, resources(), at_2026());
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  REQUIRE(a.value().sheet);
  CHECK(a.value().sheet->pdf == b.value().sheet->pdf);
}

TEST_CASE("approved, pended and error responses: no draft, a case id for the ledger") {
  for (const char* name : {"Bundle-ReferralAuthorizationResponseBundleExample.json",
                           "Bundle-ReferralPendingAuthorizationResponseBundleExample.json",
                           "Bundle-ErrorResponseBundleExample.json", "ri-PendedClaimResponse.json"}) {
    CAPTURE(name);
    auto in = intake::take_pas(example(name), std::nullopt, resources(), at_2026());
    REQUIRE(in.is_ok());
    CHECK_FALSE(in.value().is_draft());
    CHECK_FALSE(in.value().sheet.has_value());
    CHECK(in.value().case_id.starts_with("pas-"));
    CHECK_FALSE(in.value().created.empty());
  }
}

TEST_CASE("a collection of bundles: response and request picked apart, locations from the root") {
  std::string body = collection({example("Bundle-ReferralAuthorizationBundleExample.json"),
                                 example("Bundle-RejectionResponseBundleExample.json")});
  auto in = intake::take_fhir_document(body, resources(), at_2026());
  REQUIRE(in.is_ok());
  CHECK(in.value().is_draft());
  for (const Diagnostic& n : in.value().imported.notes) {
    CAPTURE(n.path);
    CHECK(n.path.starts_with("Bundle.entry["));
    CHECK(n.path.find("request:") == std::string::npos);
  }
  const auto& meta = in.value().imported.draft["draft"];
  CHECK(meta["source"].get<std::string>().starts_with("Da Vinci PAS ClaimResponse Bundle.entry[1].resource.entry["));
}

TEST_CASE("a malformed response inside a collection is located from the root") {
  json response = json::parse(example("Bundle-RejectionResponseBundleExample.json"));
  // the review action code made unknown: the importer refuses to guess
  std::string text = response.dump();
  auto pos = text.find("\"A3\"");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 4, "\"ZZ\"");
  std::string body = collection({example("Bundle-ReferralAuthorizationBundleExample.json"), text});
  auto in = intake::take_fhir_document(body, resources(), at_2026());
  REQUIRE_FALSE(in.is_ok());
  for (const Diagnostic& d : in.diagnostics()) {
    CAPTURE(d.path);
    CHECK(d.path.starts_with("Bundle.entry[1].resource"));
  }
  auto none = intake::take_fhir_document(collection({example("Bundle-ReferralAuthorizationBundleExample.json")}),
                                         resources(), at_2026());
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.diagnostics()[0].path == "Bundle.entry");
}

TEST_CASE("the draft folder: written whole, never over a packet") {
  std::string out = temp_dir("folder");
  auto in = intake::take_pas(example("testkit-valid_pa_response_bundle_denial.json"), std::nullopt, resources(), at_2026());
  REQUIRE(in.is_ok());
  auto dir = intake::write_draft(in.value(), out, at_2026());
  REQUIRE(dir.is_ok());
  CHECK(file_exists(dir.value() + "/case.draft.json"));
  CHECK(file_exists(dir.value() + "/preparation-sheet.pdf"));
  json manifest = json::parse(*read_file(dir.value() + "/manifest.json"));
  CHECK(manifest["status"] == "draft");
  CHECK(manifest["to_complete"].size() == in.value().imported.to_complete.size());
  // the same draft again replaces the draft
  CHECK(intake::write_draft(in.value(), out, at_2026()).is_ok());
  // a completed packet there is never replaced
  REQUIRE(write_file_atomic(dir.value() + "/manifest.json", R"({"case_id": "x", "documents": []})").is_ok());
  auto refused = intake::write_draft(in.value(), out, at_2026());
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.diagnostics()[0].path == "/case_id");
  remove_tree(out);
}

TEST_CASE("the ledger: a draft's row carries its P2P deadline; a non-denial is an event without a row") {
  std::string out = temp_dir("ledger");
  auto opened = open_ledger(out + "/p2pdoc.db");
  REQUIRE(opened.is_ok());
  Ledger& ledger = *opened.value();
  auto denial = intake::take_pas(example("Bundle-RejectionResponseBundleExample.json"), std::nullopt, resources(), at_2026());
  REQUIRE(denial.is_ok());
  auto stored = intake::record_intake(ledger, denial.value(), "test", at_2026());
  REQUIRE(stored.is_ok());
  CHECK(stored.value());
  auto row = ledger.find_case(denial.value().case_id);
  REQUIRE(row.is_ok());
  REQUIRE(row.value().has_value());
  CHECK(row.value()->deadlines["p2p_request"] == "2005-05-05");
  CHECK(row.value()->denial_date == "2005-05-02");
  auto again = intake::record_intake(ledger, denial.value(), "test", at_2026());
  REQUIRE(again.is_ok());
  CHECK_FALSE(again.value());

  auto pended = intake::take_pas(example("Bundle-ReferralPendingAuthorizationResponseBundleExample.json"),
                                 std::nullopt, resources(), at_2026());
  REQUIRE(pended.is_ok());
  REQUIRE(intake::record_intake(ledger, pended.value(), "test", at_2026()).value());
  CHECK_FALSE(intake::record_intake(ledger, pended.value(), "test", at_2026()).value());  // once
  auto history = ledger.history(pended.value().case_id);
  REQUIRE(history.is_ok());
  REQUIRE(history.value().size() == 1);
  CHECK(history.value()[0].event.kind == EventKind::pa_response_received);
  CHECK(history.value()[0].event.data["decision"] == "pended");
  remove_tree(out);
}

TEST_CASE("the sheet stays one page however many gaps a draft has: the list is cut, visibly") {
  auto in = intake::take_pas(example("ri-DeniedResponse.json"), std::nullopt, resources(), at_2026());
  REQUIRE(in.is_ok());
  json draft = json::parse(in.value().imported.draft.dump());
  for (int i = 0; i < 80; ++i)
    draft["draft"]["to_complete"].push_back(
        {{"path", "/services/" + std::to_string(i)}, {"what", "the CPT or HCPCS code, its system and a description of the item"}});
  auto sheet = render_preparation_sheet(draft, resources(), at_2026());
  REQUIRE(sheet.is_ok());
  CHECK(sheet.value().pages == 1);
  CHECK(sheet.value().items_cut > 0);
  // not a draft: no sheet
  draft.erase("draft");
  CHECK_FALSE(render_preparation_sheet(draft, resources(), at_2026()).is_ok());
}

TEST_CASE("a draft without a denial date counts no deadline and says why") {
  json draft = {{"format", "p2p-case/1"}, {"case_id", "pas-x"}, {"draft", {{"to_complete", json::array()}}}};
  auto dl = draft_deadlines(draft, resources(), at_2026());
  REQUIRE(dl.is_ok());
  CHECK_FALSE(dl.value().contains("p2p_request"));
  REQUIRE(dl.value()["not_counted"].size() == 3);
  CHECK(dl.value()["not_counted"][0]["why"].get<std::string>().find("/denial/date") != std::string::npos);
}

TEST_CASE("a clinical bundle in the collection pre-fills; another patient's record is refused where it sits") {
  std::string body = collection({example("Bundle-ReferralAuthorizationBundleExample.json"),
                                 example("Bundle-RejectionResponseBundleExample.json"),
                                 example("synthea-Chauncey_Johnston.json")});
  auto in = intake::take_fhir_document(body, resources(), at_2026());
  REQUIRE_FALSE(in.is_ok());
  bool located = false;
  for (const Diagnostic& d : in.diagnostics()) located = located || d.path.starts_with("Bundle.entry[2].resource");
  CHECK(located);
}
