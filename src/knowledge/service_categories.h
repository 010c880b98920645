// Service categories: which kind of service a case is about (advanced
// imaging, spine surgery, ...), from its CPT/HCPCS codes, by the table in
// templates/knowledge/service_categories.json. The ledger stores the
// category on each case row (CaseRow::service_category); the outcomes report
// groups by it and prints its label.
//
// Contract:
// - service_categories_from_json checks the whole file and reports every
//   problem at once (path inside the file): a category without a label, an
//   entry naming a category the file does not define, a range whose ends
//   differ in length or run backwards, a code listed twice.
// - category_of_code: the exact codes first, then the ranges in file order
//   (a range covers the codes of its ends' length between them, compared
//   character by character); "other" for a code no entry lists.
// - category_of_services: the category of a case with several services is
//   that of the first service (in the case's order: the primary service
//   first, as on a claim) whose code has a category other than "other";
//   "other" when none has; "" when the case lists no codes at all (nothing
//   to classify).
// Pure data and lookups; thread-safe once loaded.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace p2p {

inline constexpr const char* kOtherServiceCategory = "other";

struct ServiceCategories {
  std::map<std::string, std::string> labels;  // category key -> display label
  std::map<std::string, std::string> codes;   // exact code -> category key
  struct Range {
    std::string first, last, category;
  };
  std::vector<Range> ranges;                  // in file order
};

Result<ServiceCategories> service_categories_from_json(const nlohmann::json& file);

std::string category_of_code(const ServiceCategories& table, std::string_view code);
std::string category_of_services(const ServiceCategories& table, const std::vector<std::string>& codes);

// The label of a category key; the key itself when the table has none.
std::string category_label(const ServiceCategories& table, const std::string& key);

}  // namespace p2p
