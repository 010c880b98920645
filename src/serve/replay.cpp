#include "serve/replay.h"

#include <filesystem>

#include "pipeline/files.h"

namespace p2p::serve {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string case_fingerprint(const json& parsed_case) {
  // nlohmann's objects are sorted maps: dump() is the same text for the same
  // values whatever order and spacing the client sent
  return "sha256:" + sha256_hex(parsed_case.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<std::string> idempotency_key_of(const std::vector<std::string>& header_values) {
  auto refuse = [](const std::string& why) {
    return Result<std::string>::fail({error_at("", "Idempotency-Key header: " + why)});
  };
  if (header_values.empty()) return Result<std::string>::ok("");
  if (header_values.size() > 1) return refuse("sent more than once; send one key per request");
  std::string key = header_values[0];
  if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
  if (key.empty()) return refuse("empty; send a unique value such as a UUID, e.g. Idempotency-Key: \"8e03978e-...\"");
  if (key.size() > 200) return refuse("longer than 200 characters");
  for (char ch : key)
    if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\')
      return refuse("only visible ASCII characters without quotes or backslashes");
  return Result<std::string>::ok(key);
}

Result<bool> regenerate_asked(const std::vector<std::pair<std::string, std::string>>& query) {
  bool asked = false;
  for (const auto& [name, value] : query) {
    if (name != "regenerate") continue;
    if (value == "1" || value == "true") asked = true;
    else if (value != "0" && value != "false")
      return Result<bool>::fail({error_at("", "query parameter regenerate: \"" + value.substr(0, 40) +
                                                  "\" is neither 1 nor 0 (true, false)")});
  }
  return Result<bool>::ok(asked);
}

std::string request_record_json(const RequestRecord& r) {
  json j = {{"fingerprint", r.fingerprint}};
  if (!r.idempotency_key.empty()) j["idempotency_key"] = r.idempotency_key;
  return j.dump() + "\n";
}

std::optional<RequestRecord> read_request_record(const std::string& packet_dir) {
  auto text = read_file(packet_dir + "/" + kRequestRecordFile);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("fingerprint") || !j["fingerprint"].is_string()) return std::nullopt;
  RequestRecord r;
  r.fingerprint = j["fingerprint"].get<std::string>();
  if (j.contains("idempotency_key") && j["idempotency_key"].is_string())
    r.idempotency_key = j["idempotency_key"].get<std::string>();
  return r;
}

Flights::Flights(std::string out_dir) : out_dir_(std::move(out_dir)) {
  std::error_code ec;
  if (out_dir_.empty() || !fs::is_directory(out_dir_, ec)) return;
  for (const auto& entry : fs::directory_iterator(out_dir_, ec)) {
    std::string name = entry.path().filename().string();
    // staging folders, the outbox and the previous generations hold no current answer
    if (name.empty() || name[0] == '.' || name.ends_with(".prev")) continue;
    auto record = read_request_record(entry.path().string());
    if (record && !record->idempotency_key.empty()) keys_[record->idempotency_key] = {name, record->fingerprint};
  }
}

bool Flights::matches_stored(const std::string& case_id, const std::string& fingerprint, std::string& manifest) const {
  std::string dir = out_dir_ + "/" + case_id;
  auto record = read_request_record(dir);
  if (!record || record->fingerprint != fingerprint) return false;
  auto text = read_file(dir + "/manifest.json");
  if (!text) return false;
  manifest = std::move(*text);
  return true;
}

Flights::Ticket Flights::enter(const std::string& case_id, const std::string& fingerprint, const std::string& key,
                               bool regenerate, std::chrono::milliseconds patience) {
  std::unique_lock lock(mutex_);
  Ticket t;
  if (!key.empty()) {
    // the draft: a retry while the first is still being processed is a conflict
    if (running_keys_.count(key)) return {Turn::key_busy, ""};
    auto known = keys_.find(key);
    if (known != keys_.end()) {
      if (known->second.second != fingerprint) return {Turn::key_reused, ""};
      regenerate = false;  // the same request again: its answer, even for ?regenerate=1
    }
  }
  const auto flight = std::make_pair(case_id, fingerprint);
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (running_.count(flight))
    if (finished_.wait_until(lock, deadline) == std::cv_status::timeout && running_.count(flight))
      return {Turn::timed_out, ""};
  if (!regenerate && matches_stored(case_id, fingerprint, t.manifest)) {
    if (!key.empty()) keys_[key] = {case_id, fingerprint};
    t.turn = Turn::replay;
    return t;
  }
  running_.insert(flight);
  if (!key.empty()) running_keys_.insert(key);
  return t;
}

void Flights::leave(const std::string& case_id, const RequestRecord& record, bool written) {
  {
    std::lock_guard lock(mutex_);
    running_.erase({case_id, record.fingerprint});
    if (!record.idempotency_key.empty()) {
      running_keys_.erase(record.idempotency_key);
      if (written) keys_[record.idempotency_key] = {case_id, record.fingerprint};
    }
  }
  finished_.notify_all();
}

}  // namespace p2p::serve
