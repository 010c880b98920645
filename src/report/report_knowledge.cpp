// Labels and benchmarks from templates/knowledge (report.h,
// load_report_knowledge).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace p2p {

using nlohmann::json;

namespace {

// The file parsed, or nullopt when it does not exist; `problems` gets a
// message when it exists but is not JSON.
std::optional<json> read_json(const std::string& path, Diagnostics& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    problems.push_back(error_at("", path + ": not a JSON object"));
    return std::nullopt;
  }
  return parsed;
}

std::optional<Benchmark> benchmark_of(const json& entry, const std::string& where, Diagnostics& problems) {
  const json* range = entry.is_object() && entry.contains("range_percent") ? &entry["range_percent"] : nullptr;
  if (!range || !range->is_array() || range->size() != 2 || !(*range)[0].is_number() || !(*range)[1].is_number() ||
      !entry.contains("source") || !entry["source"].is_string() || !entry.contains("label") || !entry["label"].is_string()) {
    problems.push_back(error_at(where, "a benchmark needs label, range_percent [low, high] and source"));
    return std::nullopt;
  }
  Benchmark b;
  b.low = (*range)[0].get<double>() / 100;
  b.high = (*range)[1].get<double>() / 100;
  b.label = entry["label"].get<std::string>();
  b.source = entry["source"].get<std::string>();
  if (b.low < 0 || b.high > 1 || b.low > b.high) {
    problems.push_back(error_at(where, "range_percent must be [low, high] within 0-100"));
    return std::nullopt;
  }
  return b;
}

// A key -> label table: {"key": "Label"} or {"key": {"label": "Label", ...}}.
void read_labels(const json& table, std::map<std::string, std::string>& labels) {
  if (!table.is_object()) return;
  for (const auto& [key, value] : table.items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
    else if (value.is_object() && value.contains("label") && value["label"].is_string())
      labels[key] = value["label"].get<std::string>();
  }
}

void read_benchmarks(const std::string& path, ReportKnowledge& k, Diagnostics& problems) {
  auto doc = read_json(path, problems);
  if (!doc) {
    if (problems.empty()) problems.push_back(error_at("", path + ": missing"));
    return;
  }
  if (doc->contains("p2p_by_category") && (*doc)["p2p_by_category"].is_object())
    for (const auto& [key, entry] : (*doc)["p2p_by_category"].items())
      if (auto b = benchmark_of(entry, path + ": /p2p_by_category/" + key, problems)) k.p2p_by_category[key] = *b;
  auto top = [&](const char* name, std::optional<Benchmark>& into) {
    if (doc->contains(name)) into = benchmark_of((*doc)[name], path + ": /" + name, problems);
  };
  top("written_appeal", k.written_appeal);
  top("appeal_after_p2p", k.appeal_after_p2p);
  top("external_review", k.external_review);
}

}  // namespace

Result<ReportKnowledge> load_report_knowledge(const std::string& dir) {
  ReportKnowledge k;
  Diagnostics problems;
  if (auto types = read_json(dir + "/denial_types.json", problems)) read_labels(types->value("denial_types", json::object()), k.denial_type_labels);
  else if (problems.empty()) problems.push_back(error_at("", dir + "/denial_types.json: missing"));
  // service_categories.json: the categories by key, under "categories" or
  // "service_categories" or at the top; absent: keys stand for themselves
  if (auto cats = read_json(dir + "/service_categories.json", problems)) {
    if (cats->contains("categories")) read_labels((*cats)["categories"], k.category_labels);
    else if (cats->contains("service_categories")) read_labels((*cats)["service_categories"], k.category_labels);
    else read_labels(*cats, k.category_labels);
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/payers", ec)) {
    if (e.path().extension() != ".json") continue;
    if (auto payer = read_json(e.path().string(), problems))
      if (payer->contains("name") && (*payer)["name"].is_string()) k.payer_labels[e.path().stem().string()] = (*payer)["name"];
  }
  read_benchmarks(dir + "/benchmarks.json", k, problems);
  if (!problems.empty()) return Result<ReportKnowledge>::fail(problems);
  return Result<ReportKnowledge>::ok(std::move(k));
}

}  // namespace p2p
