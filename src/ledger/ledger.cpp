// Event kind names, the choice of backend by location, and the helpers both
// backends share (ledger.h, backends.h).
#include <array>
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

Diagnostic ledger_error(const std::string& where, const std::string& what) {
  return error_at("", "ledger " + where + ": " + what);
}

}  // namespace ledger_backend

}  // namespace p2p
