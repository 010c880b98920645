// Service categories (service_categories.h): the lookup both ways, the rule
// for several services, the checks of the file, and the shipped table over
// the samples.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "knowledge/service_categories.h"
#include "ledger/synthetic.h"

using namespace p2p;
using nlohmann::json;

namespace {

json shipped_file() {
  return json::parse(std::ifstream(std::string(P2P_SOURCE_ROOT) + "/templates/knowledge/service_categories.json"));
}

ServiceCategories shipped() {
  auto loaded = service_categories_from_json(shipped_file());
  for (const auto& d : loaded.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(loaded.is_ok());
  return loaded.take();
}

}  // namespace

TEST_CASE("a listed code maps to its category; a code no entry lists is \"other\"") {
  ServiceCategories table = shipped();
  CHECK(category_of_code(table, "72148") == "advanced_imaging");
  CHECK(category_of_code(table, "22551") == "spine_surgery");
  CHECK(category_of_code(table, "63650") == "neurostimulation");
  CHECK(category_of_code(table, "J9271") == "oncology_targeted_therapy");
  CHECK(category_of_code(table, "J0135") == "biologics");
  CHECK(category_of_code(table, "27447") == "joint_replacement");
  CHECK(category_of_code(table, "99232") == "inpatient_stay");  // inside the range 99221-99233
  // not listed: the lumbar MRI's neighbour, a code past the range's end, a
  // code of another length, lower case (codes are matched as written)
  CHECK(category_of_code(table, "72147") == "other");
  CHECK(category_of_code(table, "99234") == "other");
  CHECK(category_of_code(table, "9923") == "other");
  CHECK(category_of_code(table, "j9271") == "other");
  CHECK(category_label(table, "advanced_imaging") == "Advanced imaging (MRI, CT, PET)");
  CHECK(category_label(table, "other") == "Other services");
  CHECK(category_label(table, "no_such_key") == "no_such_key");
}

TEST_CASE("several services: the first with a category other than \"other\"; none: \"other\"; no codes: empty") {
  ServiceCategories table = shipped();
  // the chemotherapy administration code (96413) is not listed; the drug is
  CHECK(category_of_services(table, {"96413", "J9271"}) == "oncology_targeted_therapy");
  CHECK(category_of_services(table, {"J9271", "72148"}) == "oncology_targeted_therapy");
  CHECK(category_of_services(table, {"22551", "22853", "22845"}) == "spine_surgery");
  CHECK(category_of_services(table, {"96413"}) == "other");
  CHECK(category_of_services(table, {}) == "");
}

TEST_CASE("the benchmark keys the report reads are all defined, each with a label") {
  ServiceCategories table = shipped();
  for (const char* key : {"advanced_imaging", "spine_surgery", "oncology_targeted_therapy", "biologics", "joint_replacement",
                          "neurostimulation", "other"}) {
    CAPTURE(key);
    REQUIRE(table.labels.count(key) == 1);
    CHECK_FALSE(table.labels.at(key).empty());
  }
}

TEST_CASE("a malformed table is refused with every problem at once") {
  json file = {{"categories", {{"advanced_imaging", {{"label", "Advanced imaging"}}}, {"spine", json::object()}}},
               {"entries",
                {{{"category", "advanced_imaging"}, {"codes", {"72148", "72148"}}, {"source", "x"}},
                 {{"category", "nope"}, {"codes", {"1"}}, {"source", "x"}},
                 {{"category", "advanced_imaging"},
                  {"ranges", json::array({json::array({"70010", "7999"}), json::array({"79999", "70010"})})},
                  {"source", "x"}},
                 {{"category", "advanced_imaging"}, {"codes", "72148"}, {"source", "x"}},
                 {{"category", "advanced_imaging"}, {"codes", {"70553"}}}}}};
  auto loaded = service_categories_from_json(file);
  REQUIRE_FALSE(loaded.is_ok());
  std::map<std::string, int> paths;
  for (const auto& d : loaded.diagnostics()) ++paths[d.path];
  CHECK(paths.count("/categories/spine/label") == 1);
  CHECK(paths.count("/categories") == 1);  // no "other"
  CHECK(paths.count("/entries/0/codes/1") == 1);
  CHECK(paths.count("/entries/1/category") == 1);
  CHECK(paths.count("/entries/2/ranges/0") == 1);
  CHECK(paths.count("/entries/2/ranges/1") == 1);
  CHECK(paths.count("/entries/3") == 1);  // codes not a list
  CHECK(paths.count("/entries/4/source") == 1);
}

TEST_CASE("each sample case gets the category of its primary service") {
  ServiceCategories table = shipped();
  const std::map<std::string, std::string> expected = {
      {"aetna-acdf", "spine_surgery"},
      {"bcbs-il-inpatient-concurrent", "inpatient_stay"},
      {"bcbs-tx-scs-trial", "neurostimulation"},
      {"cigna-psoriasis-adalimumab", "biologics"},
      {"cigna-sud-residential", "behavioral_health"},
      {"humana-ma-pembrolizumab", "oncology_targeted_therapy"},
      {"uhc-lumbar-mri", "advanced_imaging"},
      {"uhc-proton-chordoma", "radiation_oncology"},
  };
  for (const auto& entry : expected) {  // no structured binding: clang 14 cannot capture one in INFO
    const std::string& name = entry.first;
    const std::string& category = entry.second;
    json c = json::parse(std::ifstream(std::string(P2P_SOURCE_ROOT) + "/samples/" + name + ".json"));
    std::vector<std::string> codes;
    for (const json& s : c.value("services", json::array())) codes.push_back(s.value("code", ""));
    INFO("sample ", name);
    CHECK(category_of_services(table, codes) == category);
  }
}

TEST_CASE("the synthetic ledger's rows carry the category their code maps to") {
  ServiceCategories table = shipped();
  std::map<std::string, int> per_category;
  for (const auto& h : synthetic::histories(400, 7, 1795017600)) {
    INFO("case ", h.row.case_id);
    CHECK(h.row.service_category == category_of_services(table, h.row.service_codes));
    ++per_category[h.row.service_category];
  }
  CHECK(per_category.size() == 6);  // the six benchmark categories
}
