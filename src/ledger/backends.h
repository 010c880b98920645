// The two ledger backends and what they share. Internal to src/ledger/: the
// rest of p2pdoc sees only ledger.h. sqlite_ledger.cpp is the only file that
// includes sqlite3.h, postgres_ledger.cpp the only one that includes libpq.
#pragma once

#include <memory>
#include <string>

#include "ledger/ledger.h"

namespace p2p::ledger_backend {

Result<std::unique_ptr<Ledger>> open_sqlite(const std::string& path);
Result<std::unique_ptr<Ledger>> open_postgres(const std::string& uri);

// Column text of the JSON-valued fields, and back. Malformed stored text
// (never written by us) reads as an empty value rather than failing a report.
std::string json_text(const nlohmann::json& value);
nlohmann::json json_from_text(const std::string& text, nlohmann::json fallback);

// The error every backend reports, naming the ledger (never case data).
Diagnostic ledger_error(const std::string& where, const std::string& what);

}  // namespace p2p::ledger_backend
