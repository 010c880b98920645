// Service categories (service_categories.h).
#include "knowledge/service_categories.h"

namespace p2p {

using nlohmann::json;

namespace {

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : std::string(); }

void read_categories(const json& file, ServiceCategories& table, Diagnostics& problems) {
  const json& categories = file.is_object() && file.contains("categories") ? file["categories"] : json();
  if (!categories.is_object()) {
    problems.push_back(error_at("/categories", "service_categories.json: \"categories\" must be an object of key -> {\"label\"}"));
    return;
  }
  for (const auto& [key, entry] : categories.items()) {
    std::string label = entry.is_object() && entry.contains("label") ? text_of(entry["label"]) : std::string();
    if (label.empty()) problems.push_back(error_at("/categories/" + key + "/label", "service_categories.json: a category needs a label"));
    table.labels[key] = label;
  }
  if (!table.labels.count(kOtherServiceCategory))
    problems.push_back(error_at("/categories", "service_categories.json: the category \"other\" must be defined"));
}

void read_entry(const json& entry, const std::string& at, ServiceCategories& table, Diagnostics& problems) {
  if (!entry.is_object()) {
    problems.push_back(error_at(at, "service_categories.json: an entry is an object"));
    return;
  }
  std::string category = entry.contains("category") ? text_of(entry["category"]) : std::string();
  if (!table.labels.count(category)) {
    problems.push_back(error_at(at + "/category", "service_categories.json: \"" + category + "\" is not one of the categories"));
    return;
  }
  if (!entry.contains("source") || text_of(entry["source"]).empty())
    problems.push_back(error_at(at + "/source", "service_categories.json: every entry names its source"));
  static const json none = json::array();
  const json& codes = entry.contains("codes") ? entry["codes"] : none;
  const json& ranges = entry.contains("ranges") ? entry["ranges"] : none;
  if (!codes.is_array() || !ranges.is_array()) {
    problems.push_back(error_at(at, "service_categories.json: \"codes\" and \"ranges\" are lists"));
    return;
  }
  for (size_t i = 0; i < codes.size(); ++i) {
    std::string code = text_of(codes[i]);
    std::string where = at + "/codes/" + std::to_string(i);
    if (code.empty()) problems.push_back(error_at(where, "service_categories.json: a code is a non-empty string"));
    else if (!table.codes.emplace(code, category).second)
      problems.push_back(error_at(where, "service_categories.json: code " + code + " is listed twice"));
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    const json& r = ranges[i];
    std::string first = r.is_array() && r.size() == 2 ? text_of(r[0]) : std::string();
    std::string last = r.is_array() && r.size() == 2 ? text_of(r[1]) : std::string();
    if (first.empty() || first.size() != last.size() || last < first)
      problems.push_back(error_at(at + "/ranges/" + std::to_string(i),
                                  "service_categories.json: a range is [first, last], two codes of one length, first <= last"));
    else
      table.ranges.push_back({first, last, category});
  }
  if (codes.empty() && ranges.empty())
    problems.push_back(error_at(at, "service_categories.json: an entry lists codes or ranges"));
}

}  // namespace

Result<ServiceCategories> service_categories_from_json(const json& file) {
  ServiceCategories table;
  Diagnostics problems;
  read_categories(file, table, problems);
  const json& entries = file.is_object() && file.contains("entries") ? file["entries"] : json();
  if (!entries.is_array())
    problems.push_back(error_at("/entries", "service_categories.json: \"entries\" must be a list"));
  else
    for (size_t i = 0; i < entries.size(); ++i) read_entry(entries[i], "/entries/" + std::to_string(i), table, problems);
  if (has_errors(problems)) return Result<ServiceCategories>::fail(problems);
  return Result<ServiceCategories>::ok(std::move(table));
}

std::string category_of_code(const ServiceCategories& table, std::string_view code) {
  if (auto it = table.codes.find(std::string(code)); it != table.codes.end()) return it->second;
  for (const auto& r : table.ranges)
    if (code.size() == r.first.size() && code >= r.first && code <= r.last) return r.category;
  return kOtherServiceCategory;
}

std::string category_of_services(const ServiceCategories& table, const std::vector<std::string>& codes) {
  if (codes.empty()) return "";
  for (const std::string& code : codes) {
    std::string category = category_of_code(table, code);
    if (category != kOtherServiceCategory) return category;
  }
  return kOtherServiceCategory;
}

std::string category_label(const ServiceCategories& table, const std::string& key) {
  auto it = table.labels.find(key);
  return it != table.labels.end() && !it->second.empty() ? it->second : key;
}

}  // namespace p2p
