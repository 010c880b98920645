// Event kind names, the choice of backend by location, and the helpers both
// backends share (ledger.h, backends.h).
#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

#include "ledger/backends.h"
#include "ledger/ledger.h"
#include "ledger/schema.h"

namespace p2p {

namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 11> kKindNames = {{
    {EventKind::denial_received, "denial_received"},
    {EventKind::packet_generated, "packet_generated"},
    {EventKind::p2p_requested, "p2p_requested"},
    {EventKind::p2p_scheduled, "p2p_scheduled"},
    {EventKind::call_held, "call_held"},
    {EventKind::appeal_filed, "appeal_filed"},
    {EventKind::appeal_decided, "appeal_decided"},
    {EventKind::external_review_filed, "external_review_filed"},
    {EventKind::external_review_decided, "external_review_decided"},
    {EventKind::closed, "closed"},
    {EventKind::pa_response_received, "pa_response_received"},
}};

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  for (const auto& entry : kKindNames)
    if (entry.first == kind) return entry.second;
  return "unknown";
}

std::optional<EventKind> event_kind_from_name(std::string_view name) {
  for (const auto& entry : kKindNames)
    if (entry.second == name) return entry.first;
  return std::nullopt;
}

bool is_postgres_location(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

int ledger_schema_version() { return ledger_schema::migrations().back().version; }

Result<std::unique_ptr<Ledger>> open_ledger(const std::string& location) {
  if (location.empty())
    return Result<std::unique_ptr<Ledger>>::fail({error_at("", "ledger: no location given")});
  if (is_postgres_location(location)) return ledger_backend::open_postgres(location);
  return ledger_backend::open_sqlite(location);
}

namespace ledger_backend {

std::string json_text(const nlohmann::json& value) { return value.dump(); }

nlohmann::json json_from_text(const std::string& text, nlohmann::json fallback) {
  if (text == "{}") return nlohmann::json::object();  // most events: no parse
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

std::vector<std::string> codes_from_text(const std::string& text) {
  std::vector<std::string> out;
  if (text.find('\\') != std::string::npos) {  // an escaped character: let the parser read it
    for (const auto& c : json_from_text(text, nlohmann::json::array()))
      if (c.is_string()) out.push_back(c.get<std::string>());
    return out;
  }
  size_t i = 0;
  while ((i = text.find('"', i)) != std::string::npos) {
    size_t end = text.find('"', i + 1);
    if (end == std::string::npos) break;
    out.push_back(text.substr(i + 1, end - i - 1));
    i = end + 1;
  }
  return out;
}

std::string deadline_text(const nlohmann::json& deadlines, const char* name) {
  auto it = deadlines.find(name);
  return it != deadlines.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool automatic_review(const nlohmann::json& deadlines) {
  auto it = deadlines.find("external_review_automatic");
  return it != deadlines.end() && it->is_boolean() && it->get<bool>();
}

std::string open_cases_filter(bool within, const std::string& day, const std::string& at, const std::string& bytewise) {
  // closed: its newest event is a `closed` (queue.cpp, build_queue). The
  // term is the one of the index case_progress_open (schema migration 5),
  // word for word, so that the database may read only that index.
  std::string sql = " WHERE (p.closed_id = 0 OR p.closed_id <> p.last_id)";
  if (!within) return sql;
  auto by = [&](const std::string& column) { return "substr(" + column + ", 1, 10)" + bytewise + " <= " + day; };
  // stages (ledger.h, CaseProgress::stage) 4, 6 and 7 have no deadline
  sql += " AND ((coalesce(p.stage, 0) IN (0, 1) AND (" + by("c.p2p_request_due") + " OR " + by("c.internal_appeal_due") +
         "))"
         " OR (p.stage = 2 AND (" + by("p.scheduled") + " OR p.scheduled_at <= " + at + "))"
         " OR (p.stage = 3 AND (p.call_at + 86400 <= " + at + " OR " + by("c.internal_appeal_due") + "))"
         " OR (p.stage = 5 AND (" + by("p.external_review_due") + " OR " + by("c.external_review_due") + ")))";
  return sql;
}

std::string horizon_day(long long horizon) {
  constexpr long long kLastDay = 253402214400LL - 2 * 86400;  // 9999-12-30: four-digit years compare as text
  std::time_t t = static_cast<std::time_t>(std::min(horizon, kLastDay) + 86400);  // one day of slack (backends.h)
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Diagnostic ledger_error(const std::string& where, const std::string& what) {
  return error_at("", "ledger " + where + ": " + what);
}

}  // namespace ledger_backend

}  // namespace p2p
