#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "knowledge/evidence.h"

using namespace p2p;
using nlohmann::json;

namespace {

KnowledgeLibrary library() {
  KnowledgeLibrary lib;
  lib.citations = json::parse(R"({"citations": {
    "acr-lbp": {"kind": "guideline", "source": "ACR", "title": "Low back pain", "icd10": ["M51.1", "M54.1"], "codes": ["72148"]},
    "sport": {"kind": "study", "source": "JAMA", "title": "SPORT", "icd10": ["M51"], "codes": []},
    "nass-cervical": {"kind": "guideline", "source": "NASS", "title": "Cervical", "icd10": ["M50"], "codes": ["22551"]}
  }})");
  lib.policies = json::parse(R"({"policies": {"uhc/2026T0566": {"name": "Lumbar MRI", "source": "test source",
    "criteria": [{"id": "1", "text": "Six weeks of radiculopathy"}, {"id": "2", "text": "Failed therapy"}]}}})");
  lib.denial_types = json::parse(R"({"denial_types": {"out_of_network": {"label": "Out of network", "p2p_fit": false}}})");
  lib.regulations = json::parse(R"({"rules": [
    {"id": "erisa", "plan_types": ["erisa"], "topic": "same_specialty"},
    {"id": "ny", "plan_types": ["state_regulated"], "states": ["NY"], "topic": "same_specialty"},
    {"id": "tx", "plan_types": ["state_regulated"], "states": ["TX"], "topic": "same_specialty"}
  ]})");
  lib.payers["uhc"] = {{"name", "UnitedHealthcare"}};
  lib.payers["default"] = {{"name", "Any payer"}};
  return lib;
}

Case make_case(json citations, json policy = json::object(), std::string plan = "erisa", std::string state = "NY") {
  Case c;
  c.id = "T-1";
  c.payer_id = "uhc";
  c.plan_type = plan;
  c.state = state;
  c.denial_type = "medical_necessity";
  c.doc = {{"citations", citations},
           {"diagnoses", json::array({{{"icd10", "M51.16"}, {"description", "x"}}})},
           {"services", json::array({{{"code", "72148"}, {"system", "CPT"}, {"description", "MRI"}}})}};
  if (!policy.empty()) c.doc["policy"] = policy;
  return c;
}

}  // namespace

TEST_CASE("a string citation resolves against the library, an unknown key is an error naming it") {
  KnowledgeLibrary lib = library();
  Case ok = make_case(json::array({"acr-lbp", "sport"}));
  CHECK(check_library_keys(ok, lib).empty());
  Evidence ev = gather_evidence(ok, lib);
  REQUIRE(ev.citations.size() == 2);
  CHECK(ev.citations[0]["source"] == "ACR");
  CHECK(ev.citations[0]["key"] == "acr-lbp");
  CHECK_FALSE(ev.citations[0].contains("suggested"));
  Diagnostics bad = check_library_keys(make_case(json::array({"acr-lbp", "no-such-key"})), lib);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].to_string() ==
        "/citations/1: unknown citation key \"no-such-key\" (not in templates/knowledge/citations.json)");
}

TEST_CASE("fewer than two citations: matching entries are suggested, best fit first, never unrelated ones") {
  Evidence ev = gather_evidence(make_case(json::array()), library());
  REQUIRE(ev.citations.size() == 2);
  CHECK(ev.citations[0]["key"] == "acr-lbp");  // service code and diagnosis match
  CHECK(ev.citations[1]["key"] == "sport");    // diagnosis prefix only
  CHECK(ev.citations[0]["suggested"] == true);
  for (const json& c : ev.citations) CHECK(c["key"] != "nass-cervical");
  Evidence one = gather_evidence(make_case(json::array({"sport"})), library());
  REQUIRE(one.citations.size() == 2);
  CHECK(one.citations[1]["key"] == "acr-lbp");  // the case's own is not suggested again
}

TEST_CASE("a policy id without criteria gets the library's criteria, each unknown") {
  Evidence ev = gather_evidence(make_case(json::array({"acr-lbp", "sport"}), {{"id", "2026T0566"}}), library());
  CHECK(ev.policy_from_library);
  REQUIRE(ev.policy["criteria"].size() == 2);
  CHECK(ev.policy["criteria"][0]["status"] == "unknown");
  CHECK(ev.policy["name"] == "Lumbar MRI");
  CHECK(ev.policy_source == "test source");
  json own = {{"id", "2026T0566"}, {"criteria", json::array({{{"id", "1"}, {"text", "mine"}, {"status", "met"}}})}};
  Evidence mine = gather_evidence(make_case(json::array(), own), library());
  CHECK_FALSE(mine.policy_from_library);
  CHECK(mine.policy["criteria"][0]["text"] == "mine");
}

TEST_CASE("rules apply by plan type and state only") {
  auto ids = [](const Evidence& ev) {
    std::vector<std::string> out;
    for (const json& r : ev.regulations) out.push_back(r["id"]);
    return out;
  };
  CHECK(ids(gather_evidence(make_case(json::array(), {}, "erisa", "NY"), library())) == std::vector<std::string>{"erisa"});
  CHECK(ids(gather_evidence(make_case(json::array(), {}, "state_regulated", "NY"), library())) ==
        std::vector<std::string>{"ny"});
  CHECK(ids(gather_evidence(make_case(json::array(), {}, "state_regulated", "IL"), library())).empty());
}

TEST_CASE("the payer's entry, else the default one") {
  Case c = make_case(json::array());
  Evidence ev = gather_evidence(c, library());
  CHECK(ev.payer["name"] == "UnitedHealthcare");
  CHECK(ev.payer_file == "payers/uhc.json");
  c.payer_id = "acme";
  Evidence other = gather_evidence(c, library());
  CHECK(other.payer["name"] == "Any payer");
  CHECK(other.payer_file == "payers/default.json");
}
