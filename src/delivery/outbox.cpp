#include "delivery/outbox.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "pipeline/files.h"

namespace p2p::delivery {

namespace fs = std::filesystem;
using json = nlohmann::json;

Outbox::Outbox(std::string dir) : dir_(std::move(dir)) {}

std::string Outbox::id_for(const std::string& key) { return sha256_hex(key); }

std::string Outbox::entry_path(const std::string& id) const { return dir_ + "/" + id + ".json"; }

std::string Outbox::latest_path(const std::string& case_id, const std::string& file) const {
  return dir_ + "/latest/" + sha256_hex(case_id + "/" + file) + ".json";
}

namespace {

bool is_id(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

json to_json(const OutboxEntry& e) {
  return {{"key", e.key},         {"target", e.target},   {"url", e.url},
          {"content_type", e.content_type}, {"case_id", e.case_id}, {"file", e.file},
          {"created", e.created}, {"attempts", e.attempts}, {"last_error", e.last_error},
          {"replaces", e.replaces}, {"body", e.body}};
}

}  // namespace

Result<std::vector<std::string>> Outbox::open() {
  using R = Result<std::vector<std::string>>;
  std::error_code ec;
  for (const char* sub : {"", "/sent", "/failed", "/latest"}) {
    fs::create_directories(dir_ + sub, ec);
    if (ec) return R::fail({error_at("", "cannot create the outbox " + dir_ + sub + ": " + ec.message())});
  }
  std::vector<std::string> waiting;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) {  // a write a crash interrupted
      fs::remove(e.path(), ec);
      continue;
    }
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::string id = e.path().stem().string();
    if (!is_id(id)) continue;
    if (was_sent(id)) {
      fs::remove(e.path(), ec);  // crashed between "sent" and the removal
      continue;
    }
    waiting.push_back(id);
  }
  if (ec) return R::fail({error_at("", "cannot read the outbox " + dir_ + ": " + ec.message())});
  std::sort(waiting.begin(), waiting.end());
  return R::ok(std::move(waiting));
}

bool Outbox::is_pending(const std::string& id) const { return file_exists(entry_path(id)); }

bool Outbox::was_sent(const std::string& id) const {
  std::error_code ec;
  return fs::exists(dir_ + "/sent/" + id, ec);
}

size_t Outbox::failed_count() const {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ + "/failed", ec))
    if (e.path().extension() == ".json") ++n;
  return n;
}

Result<bool> Outbox::put(const OutboxEntry& entry, Durability durability) {
  return write_file_atomic(entry_path(entry.id), to_json(entry).dump() + "\n", durability);
}

Result<bool> Outbox::flush() { return flush_file_system(dir_); }

Result<OutboxEntry> Outbox::load(const std::string& id) const {
  using R = Result<OutboxEntry>;
  auto text = read_file(entry_path(id));
  if (!text) return R::fail({error_at("", "outbox entry " + id + " is gone")});
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return R::fail({error_at("", "outbox entry " + id + " is not JSON")});
  try {
    OutboxEntry e;
    e.id = id;
    e.key = j.at("key").get<std::string>();
    e.target = j.at("target").get<std::string>();
    e.url = j.at("url").get<std::string>();
    e.content_type = j.at("content_type").get<std::string>();
    e.case_id = j.value("case_id", "");
    e.file = j.value("file", "");
    e.created = j.value("created", 0LL);
    e.attempts = j.value("attempts", 0);
    e.last_error = j.value("last_error", "");
    e.replaces = j.value("replaces", "");
    e.body = j.at("body").get<std::string>();
    return R::ok(std::move(e));
  } catch (const std::exception& ex) {
    return R::fail({error_at("", "outbox entry " + id + " is incomplete: " + ex.what())});
  }
}

Result<bool> Outbox::complete(const OutboxEntry& entry, const std::string& server_id) {
  json marker = {{"key", entry.key}, {"delivered", static_cast<long long>(std::time(nullptr))}};
  if (!server_id.empty()) marker["server_id"] = server_id;
  auto marked = write_file_atomic(dir_ + "/sent/" + entry.id, marker.dump() + "\n");
  if (!marked.is_ok()) return marked;
  std::error_code ec;
  fs::remove(entry_path(entry.id), ec);
  if (ec) return Result<bool>::fail({error_at("", "cannot remove " + entry_path(entry.id) + ": " + ec.message())});
  return Result<bool>::ok(true);
}

std::string Outbox::server_id(const std::string& id) const {
  auto text = read_file(dir_ + "/sent/" + id);
  if (!text) return "";
  json j = json::parse(*text, nullptr, false);
  return j.is_object() && j.contains("server_id") && j["server_id"].is_string() ? j["server_id"].get<std::string>() : "";
}

std::optional<LatestVersion> Outbox::latest(const std::string& case_id, const std::string& file) const {
  auto text = read_file(latest_path(case_id, file));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("key") || !j["key"].is_string()) return std::nullopt;
  return LatestVersion{j["key"].get<std::string>(), j.value("content_sha256", ""), j.value("replaces", "")};
}

Result<bool> Outbox::set_latest(const std::string& case_id, const std::string& file, const LatestVersion& v,
                                Durability durability) {
  json j = {{"case_id", case_id},
            {"file", file},
            {"key", v.key},
            {"content_sha256", v.content_sha256},
            {"replaces", v.replaces}};
  return write_file_atomic(latest_path(case_id, file), j.dump() + "\n", durability);
}

Result<bool> Outbox::give_up(const OutboxEntry& entry, const std::string& response_excerpt) {
  json j = to_json(entry);
  j["response"] = response_excerpt;
  j["failed"] = static_cast<long long>(std::time(nullptr));
  auto kept = write_file_atomic(dir_ + "/failed/" + entry.id + ".json", j.dump() + "\n");
  if (!kept.is_ok()) return kept;
  std::error_code ec;
  fs::remove(entry_path(entry.id), ec);
  return Result<bool>::ok(true);
}

void Outbox::quarantine(const std::string& id) {
  std::error_code ec;
  fs::rename(entry_path(id), dir_ + "/failed/" + id + ".unreadable", ec);
}

}  // namespace p2p::delivery
