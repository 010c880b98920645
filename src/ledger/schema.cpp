// The numbered migrations of the ledger (schema.h). Append new versions at
// the end; never change one that has shipped.
#include "ledger/schema.h"

namespace p2p::ledger_schema {

namespace {

// Version 1: cases (one summary row each, replaced on every packet) and
// events (append-only: triggers refuse UPDATE and DELETE, so not even a
// hand-written statement can rewrite history). A source_key is unique per
// case; an empty key is stored as NULL and never collides.
constexpr Migration kMigrations[] = {
    {1,
     R"sql(
CREATE TABLE cases (
  case_id          TEXT PRIMARY KEY,
  payer_id         TEXT NOT NULL,
  plan_type        TEXT NOT NULL,
  state            TEXT NOT NULL,
  denial_type      TEXT NOT NULL,
  denial_date      TEXT NOT NULL,
  service_codes    TEXT NOT NULL,
  service_category TEXT NOT NULL,
  physician        TEXT NOT NULL,
  urgent           INTEGER NOT NULL,
  deadlines        TEXT NOT NULL
);
CREATE TABLE events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  at          INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL,
  data        TEXT NOT NULL,
  source_key  TEXT
);
CREATE INDEX events_by_case_kind ON events (case_id, kind, id);
CREATE UNIQUE INDEX events_source_key ON events (case_id, source_key) WHERE source_key IS NOT NULL;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
)sql",
     R"sql(
CREATE TABLE cases (
  case_id          TEXT PRIMARY KEY,
  payer_id         TEXT NOT NULL,
  plan_type        TEXT NOT NULL,
  state            TEXT NOT NULL,
  denial_type      TEXT NOT NULL,
  denial_date      TEXT NOT NULL,
  service_codes    TEXT NOT NULL,
  service_category TEXT NOT NULL,
  physician        TEXT NOT NULL,
  urgent           BOOLEAN NOT NULL,
  deadlines        TEXT NOT NULL
);
CREATE TABLE events (
  id          BIGSERIAL PRIMARY KEY,
  case_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  at          BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  recorded_by TEXT NOT NULL,
  data        TEXT NOT NULL,
  source_key  TEXT
);
CREATE INDEX events_by_case_kind ON events (case_id, kind, id);
CREATE UNIQUE INDEX events_source_key ON events (case_id, source_key) WHERE source_key IS NOT NULL;
CREATE FUNCTION p2pdoc_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'ledger events are append-only'; END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION p2pdoc_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION p2pdoc_events_append_only();
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace p2p::ledger_schema
