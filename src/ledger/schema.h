// The ledger's schema as numbered migrations, one per version, each written
// for both backends side by side so they never drift apart. A migration is
// applied once, inside the same transaction that records its number; a
// database already past the last number here is refused (ledger.h).
// Internal to src/ledger/. Constant data; thread-safe.
#pragma once

#include <span>

namespace p2p::ledger_schema {

struct Migration {
  int version;           // 1, 2, ...: never renumbered, never edited once released
  const char* sqlite;    // statements for SQLite (several, separated by ';')
  const char* postgres;  // the same for PostgreSQL
};

std::span<const Migration> migrations();

}  // namespace p2p::ledger_schema
