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
    // Version 2: case_progress, one row per case with a digest of its events
    // (the newest of each kind the work queue reads, the furthest step),
    // kept by a trigger in the same transaction as every insert into events
    // and filled from the events already there. `due` reads it instead of
    // the events (ledger.h, CaseProgress).
    {2,
     R"sql(
CREATE TABLE case_progress (
  case_id             TEXT PRIMARY KEY,
  last_id             INTEGER NOT NULL DEFAULT 0,
  closed_id           INTEGER NOT NULL DEFAULT 0,
  stage               INTEGER NOT NULL DEFAULT 0,
  requested_at        INTEGER NOT NULL DEFAULT 0,
  scheduled_at        INTEGER NOT NULL DEFAULT 0,
  call_at             INTEGER NOT NULL DEFAULT 0,
  appeal_filed_at     INTEGER NOT NULL DEFAULT 0,
  packet_recorded_at  INTEGER NOT NULL DEFAULT 0,
  scheduled           TEXT NOT NULL DEFAULT '',
  disposition         TEXT NOT NULL DEFAULT '',
  appeal_decision     TEXT NOT NULL DEFAULT '',
  external_review_due TEXT NOT NULL DEFAULT '',
  external_decision   TEXT NOT NULL DEFAULT ''
);
INSERT INTO case_progress (case_id, last_id, closed_id, stage, requested_at, scheduled_at, call_at, appeal_filed_at, packet_recorded_at, scheduled, disposition, appeal_decision, external_review_due, external_decision)
  SELECT e.case_id,
    MAX(e.id),
    coalesce(MAX(CASE WHEN e.kind = 'closed' THEN e.id END), 0),
    MAX(CASE e.kind WHEN 'p2p_requested' THEN 1 WHEN 'p2p_scheduled' THEN 2 WHEN 'call_held' THEN 3 WHEN 'appeal_filed' THEN 4 WHEN 'appeal_decided' THEN 5 WHEN 'external_review_filed' THEN 6 WHEN 'external_review_decided' THEN 7 ELSE 0 END),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'p2p_requested' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'p2p_scheduled' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'call_held' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'appeal_filed' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.recorded_at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'packet_generated' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT json_extract(x.data, '$.scheduled') FROM events x WHERE x.case_id = e.case_id AND x.kind = 'p2p_scheduled' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT json_extract(x.data, '$.disposition') FROM events x WHERE x.case_id = e.case_id AND x.kind = 'call_held' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT json_extract(x.data, '$.decision') FROM events x WHERE x.case_id = e.case_id AND x.kind = 'appeal_decided' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT json_extract(x.data, '$.external_review_due') FROM events x WHERE x.case_id = e.case_id AND x.kind = 'appeal_decided' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT json_extract(x.data, '$.decision') FROM events x WHERE x.case_id = e.case_id AND x.kind = 'external_review_decided' ORDER BY x.id DESC LIMIT 1), '')
  FROM events e GROUP BY e.case_id;
CREATE TRIGGER events_progress AFTER INSERT ON events BEGIN
  INSERT INTO case_progress (case_id) VALUES (NEW.case_id) ON CONFLICT (case_id) DO NOTHING;
  UPDATE case_progress SET
    last_id = NEW.id,
    closed_id = CASE WHEN NEW.kind = 'closed' THEN NEW.id ELSE closed_id END,
    stage = max(stage, CASE NEW.kind WHEN 'p2p_requested' THEN 1 WHEN 'p2p_scheduled' THEN 2 WHEN 'call_held' THEN 3 WHEN 'appeal_filed' THEN 4 WHEN 'appeal_decided' THEN 5 WHEN 'external_review_filed' THEN 6 WHEN 'external_review_decided' THEN 7 ELSE 0 END),
    requested_at = CASE WHEN NEW.kind = 'p2p_requested' THEN NEW.at ELSE requested_at END,
    scheduled_at = CASE WHEN NEW.kind = 'p2p_scheduled' THEN NEW.at ELSE scheduled_at END,
    call_at = CASE WHEN NEW.kind = 'call_held' THEN NEW.at ELSE call_at END,
    appeal_filed_at = CASE WHEN NEW.kind = 'appeal_filed' THEN NEW.at ELSE appeal_filed_at END,
    packet_recorded_at = CASE WHEN NEW.kind = 'packet_generated' THEN NEW.recorded_at ELSE packet_recorded_at END,
    scheduled = CASE WHEN NEW.kind = 'p2p_scheduled' THEN coalesce(json_extract(NEW.data, '$.scheduled'), '') ELSE scheduled END,
    disposition = CASE WHEN NEW.kind = 'call_held' THEN coalesce(json_extract(NEW.data, '$.disposition'), '') ELSE disposition END,
    appeal_decision = CASE WHEN NEW.kind = 'appeal_decided' THEN coalesce(json_extract(NEW.data, '$.decision'), '') ELSE appeal_decision END,
    external_review_due = CASE WHEN NEW.kind = 'appeal_decided' THEN coalesce(json_extract(NEW.data, '$.external_review_due'), '') ELSE external_review_due END,
    external_decision = CASE WHEN NEW.kind = 'external_review_decided' THEN coalesce(json_extract(NEW.data, '$.decision'), '') ELSE external_decision END
  WHERE case_id = NEW.case_id;
END;
)sql",
     R"sql(
CREATE TABLE case_progress (
  case_id             TEXT PRIMARY KEY,
  last_id             BIGINT NOT NULL DEFAULT 0,
  closed_id           BIGINT NOT NULL DEFAULT 0,
  stage               INTEGER NOT NULL DEFAULT 0,
  requested_at        BIGINT NOT NULL DEFAULT 0,
  scheduled_at        BIGINT NOT NULL DEFAULT 0,
  call_at             BIGINT NOT NULL DEFAULT 0,
  appeal_filed_at     BIGINT NOT NULL DEFAULT 0,
  packet_recorded_at  BIGINT NOT NULL DEFAULT 0,
  scheduled           TEXT NOT NULL DEFAULT '',
  disposition         TEXT NOT NULL DEFAULT '',
  appeal_decision     TEXT NOT NULL DEFAULT '',
  external_review_due TEXT NOT NULL DEFAULT '',
  external_decision   TEXT NOT NULL DEFAULT ''
);
INSERT INTO case_progress (case_id, last_id, closed_id, stage, requested_at, scheduled_at, call_at, appeal_filed_at, packet_recorded_at, scheduled, disposition, appeal_decision, external_review_due, external_decision)
  SELECT e.case_id,
    MAX(e.id),
    coalesce(MAX(CASE WHEN e.kind = 'closed' THEN e.id END), 0),
    MAX(CASE e.kind WHEN 'p2p_requested' THEN 1 WHEN 'p2p_scheduled' THEN 2 WHEN 'call_held' THEN 3 WHEN 'appeal_filed' THEN 4 WHEN 'appeal_decided' THEN 5 WHEN 'external_review_filed' THEN 6 WHEN 'external_review_decided' THEN 7 ELSE 0 END),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'p2p_requested' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'p2p_scheduled' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'call_held' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'appeal_filed' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT x.recorded_at FROM events x WHERE x.case_id = e.case_id AND x.kind = 'packet_generated' ORDER BY x.id DESC LIMIT 1), 0),
    coalesce((SELECT (x.data)::json->>'scheduled' FROM events x WHERE x.case_id = e.case_id AND x.kind = 'p2p_scheduled' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT (x.data)::json->>'disposition' FROM events x WHERE x.case_id = e.case_id AND x.kind = 'call_held' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT (x.data)::json->>'decision' FROM events x WHERE x.case_id = e.case_id AND x.kind = 'appeal_decided' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT (x.data)::json->>'external_review_due' FROM events x WHERE x.case_id = e.case_id AND x.kind = 'appeal_decided' ORDER BY x.id DESC LIMIT 1), ''),
    coalesce((SELECT (x.data)::json->>'decision' FROM events x WHERE x.case_id = e.case_id AND x.kind = 'external_review_decided' ORDER BY x.id DESC LIMIT 1), '')
  FROM events e GROUP BY e.case_id;
CREATE FUNCTION p2pdoc_events_progress() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_progress AS p (case_id) VALUES (NEW.case_id) ON CONFLICT (case_id) DO NOTHING;
  UPDATE case_progress AS p SET
    last_id = NEW.id,
    closed_id = CASE WHEN NEW.kind = 'closed' THEN NEW.id ELSE p.closed_id END,
    stage = GREATEST(p.stage, CASE NEW.kind WHEN 'p2p_requested' THEN 1 WHEN 'p2p_scheduled' THEN 2 WHEN 'call_held' THEN 3 WHEN 'appeal_filed' THEN 4 WHEN 'appeal_decided' THEN 5 WHEN 'external_review_filed' THEN 6 WHEN 'external_review_decided' THEN 7 ELSE 0 END),
    requested_at = CASE WHEN NEW.kind = 'p2p_requested' THEN NEW.at ELSE p.requested_at END,
    scheduled_at = CASE WHEN NEW.kind = 'p2p_scheduled' THEN NEW.at ELSE p.scheduled_at END,
    call_at = CASE WHEN NEW.kind = 'call_held' THEN NEW.at ELSE p.call_at END,
    appeal_filed_at = CASE WHEN NEW.kind = 'appeal_filed' THEN NEW.at ELSE p.appeal_filed_at END,
    packet_recorded_at = CASE WHEN NEW.kind = 'packet_generated' THEN NEW.recorded_at ELSE p.packet_recorded_at END,
    scheduled = CASE WHEN NEW.kind = 'p2p_scheduled' THEN coalesce((NEW.data)::json->>'scheduled', '') ELSE p.scheduled END,
    disposition = CASE WHEN NEW.kind = 'call_held' THEN coalesce((NEW.data)::json->>'disposition', '') ELSE p.disposition END,
    appeal_decision = CASE WHEN NEW.kind = 'appeal_decided' THEN coalesce((NEW.data)::json->>'decision', '') ELSE p.appeal_decision END,
    external_review_due = CASE WHEN NEW.kind = 'appeal_decided' THEN coalesce((NEW.data)::json->>'external_review_due', '') ELSE p.external_review_due END,
    external_decision = CASE WHEN NEW.kind = 'external_review_decided' THEN coalesce((NEW.data)::json->>'decision', '') ELSE p.external_decision END
  WHERE p.case_id = NEW.case_id;
  RETURN NULL;
END $$;
CREATE TRIGGER events_progress AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION p2pdoc_events_progress();
)sql"},
    // Version 3: the triage reads the decided calls of one payer and service
    // category before every packet (Ledger::call_record); without this index
    // that is a scan of every case.
    {3,
     R"sql(
CREATE INDEX IF NOT EXISTS cases_by_payer_category ON cases (payer_id, service_category);
)sql",
     R"sql(
CREATE INDEX IF NOT EXISTS cases_by_payer_category ON cases (payer_id, service_category);
)sql"},
    // Version 4: the deadlines the work queue reads, as plain columns of
    // cases beside their JSON (put_case writes both), so `due` reads them
    // without a JSON function per row and the database can filter by them
    // (Ledger::open_progress). Filled from the JSON of the rows already
    // there; a row whose JSON does not parse (never written by p2pdoc)
    // gets empty deadlines rather than failing the upgrade.
    {4,
     R"sql(
ALTER TABLE cases ADD COLUMN p2p_request_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN internal_appeal_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN external_review_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN external_review_automatic INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET
  p2p_request_due = coalesce(json_extract(deadlines, '$.p2p_request'), ''),
  internal_appeal_due = coalesce(json_extract(deadlines, '$.internal_appeal'), ''),
  external_review_due = coalesce(json_extract(deadlines, '$.external_review'), ''),
  external_review_automatic = coalesce(json_extract(deadlines, '$.external_review_automatic'), 0) <> 0
WHERE json_valid(deadlines);
)sql",
     R"sql(
ALTER TABLE cases ADD COLUMN p2p_request_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN internal_appeal_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN external_review_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN external_review_automatic BOOLEAN NOT NULL DEFAULT false;
CREATE FUNCTION p2pdoc_json_or_null(t TEXT) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
  BEGIN RETURN t::json; EXCEPTION WHEN others THEN RETURN NULL; END $$;
UPDATE cases SET
  p2p_request_due = coalesce(p2pdoc_json_or_null(deadlines)->>'p2p_request', ''),
  internal_appeal_due = coalesce(p2pdoc_json_or_null(deadlines)->>'internal_appeal', ''),
  external_review_due = coalesce(p2pdoc_json_or_null(deadlines)->>'external_review', ''),
  external_review_automatic = coalesce(p2pdoc_json_or_null(deadlines)->>'external_review_automatic', 'false') = 'true';
DROP FUNCTION p2pdoc_json_or_null(TEXT);
)sql"},
    // Version 5: `due` lists only open cases, and reading every case to
    // find them was a third of its cost on 100,000 cases. Every case now has
    // its case_progress row from its first write (a case with no events is
    // open: closed_id 0), so the queue can start from case_progress and an
    // index holding only the open ones. Written so that it can run again
    // on a ledger that already has it (the migration tests step back).
    {5,
     R"sql(
INSERT INTO case_progress (case_id) SELECT case_id FROM cases WHERE true ON CONFLICT (case_id) DO NOTHING;
CREATE TRIGGER IF NOT EXISTS cases_progress AFTER INSERT ON cases BEGIN
  INSERT INTO case_progress (case_id) VALUES (NEW.case_id) ON CONFLICT (case_id) DO NOTHING;
END;
CREATE INDEX IF NOT EXISTS case_progress_open ON case_progress (case_id) WHERE closed_id = 0 OR closed_id <> last_id;
)sql",
     R"sql(
INSERT INTO case_progress (case_id) SELECT case_id FROM cases ON CONFLICT (case_id) DO NOTHING;
CREATE OR REPLACE FUNCTION p2pdoc_cases_progress() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_progress (case_id) VALUES (NEW.case_id) ON CONFLICT (case_id) DO NOTHING;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER cases_progress AFTER INSERT ON cases
  FOR EACH ROW EXECUTE FUNCTION p2pdoc_cases_progress();
CREATE INDEX IF NOT EXISTS case_progress_open ON case_progress (case_id) WHERE closed_id = 0 OR closed_id <> last_id;
)sql"},
    // Version 6: the triage's call record kept as a running tally per payer
    // and service category (call_tally), so reading it before a packet is
    // two index lookups. Counting the matching cases took 5 to 8 ms on a
    // ledger of 20,000 cases and 38 to 84 ms on 100,000 (docs/performance.md,
    // "Issue 14, session 22"), under the ledger's lock. A case counts once
    // it has both its row (payer, category) and its progress (the newest
    // call's disposition): the triggers move its count when either changes.
    // SQLite's INSERT OR REPLACE does not fire DELETE triggers, so the old
    // row's count is taken back BEFORE the insert; PostgreSQL's upsert
    // fires UPDATE triggers with the old row.
    {6,
     R"sql(
CREATE TABLE IF NOT EXISTS call_tally (
  payer_id         TEXT NOT NULL,
  service_category TEXT NOT NULL,
  decided          INTEGER NOT NULL DEFAULT 0,
  overturned       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (payer_id, service_category)
);
DELETE FROM call_tally;
INSERT INTO call_tally (payer_id, service_category, decided, overturned)
  SELECT c.payer_id, c.service_category,
    sum(p.disposition IN ('overturned', 'modified', 'upheld')), sum(p.disposition = 'overturned')
  FROM cases c JOIN case_progress p ON p.case_id = c.case_id GROUP BY c.payer_id, c.service_category;
CREATE TRIGGER IF NOT EXISTS call_tally_disposition AFTER UPDATE OF disposition ON case_progress
  WHEN OLD.disposition IS NOT NEW.disposition BEGIN
  INSERT INTO call_tally (payer_id, service_category, decided, overturned)
    SELECT c.payer_id, c.service_category,
      (NEW.disposition IN ('overturned', 'modified', 'upheld')) - (OLD.disposition IN ('overturned', 'modified', 'upheld')),
      (NEW.disposition = 'overturned') - (OLD.disposition = 'overturned')
    FROM cases c WHERE c.case_id = NEW.case_id
  ON CONFLICT (payer_id, service_category) DO UPDATE SET
    decided = decided + excluded.decided, overturned = overturned + excluded.overturned;
END;
CREATE TRIGGER IF NOT EXISTS call_tally_case_replaced BEFORE INSERT ON cases BEGIN
  UPDATE call_tally SET
    decided = decided - (SELECT count(*) FROM case_progress p WHERE p.case_id = NEW.case_id
                           AND p.disposition IN ('overturned', 'modified', 'upheld')),
    overturned = overturned - (SELECT count(*) FROM case_progress p WHERE p.case_id = NEW.case_id
                                 AND p.disposition = 'overturned')
  WHERE (payer_id, service_category) IN (SELECT payer_id, service_category FROM cases WHERE case_id = NEW.case_id);
END;
CREATE TRIGGER IF NOT EXISTS call_tally_case AFTER INSERT ON cases BEGIN
  INSERT INTO call_tally (payer_id, service_category, decided, overturned)
    SELECT NEW.payer_id, NEW.service_category,
      p.disposition IN ('overturned', 'modified', 'upheld'), p.disposition = 'overturned'
    FROM case_progress p WHERE p.case_id = NEW.case_id
  ON CONFLICT (payer_id, service_category) DO UPDATE SET
    decided = decided + excluded.decided, overturned = overturned + excluded.overturned;
END;
CREATE TRIGGER IF NOT EXISTS call_tally_case_moved AFTER UPDATE OF payer_id, service_category ON cases BEGIN
  UPDATE call_tally SET
    decided = decided - (SELECT count(*) FROM case_progress p WHERE p.case_id = OLD.case_id
                           AND p.disposition IN ('overturned', 'modified', 'upheld')),
    overturned = overturned - (SELECT count(*) FROM case_progress p WHERE p.case_id = OLD.case_id
                                 AND p.disposition = 'overturned')
  WHERE payer_id = OLD.payer_id AND service_category = OLD.service_category;
  INSERT INTO call_tally (payer_id, service_category, decided, overturned)
    SELECT NEW.payer_id, NEW.service_category,
      p.disposition IN ('overturned', 'modified', 'upheld'), p.disposition = 'overturned'
    FROM case_progress p WHERE p.case_id = NEW.case_id
  ON CONFLICT (payer_id, service_category) DO UPDATE SET
    decided = decided + excluded.decided, overturned = overturned + excluded.overturned;
END;
)sql",
     R"sql(
CREATE TABLE IF NOT EXISTS call_tally (
  payer_id         TEXT NOT NULL,
  service_category TEXT NOT NULL,
  decided          BIGINT NOT NULL DEFAULT 0,
  overturned       BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (payer_id, service_category)
);
DELETE FROM call_tally;
INSERT INTO call_tally (payer_id, service_category, decided, overturned)
  SELECT c.payer_id, c.service_category,
    sum(CASE WHEN p.disposition IN ('overturned', 'modified', 'upheld') THEN 1 ELSE 0 END),
    sum(CASE WHEN p.disposition = 'overturned' THEN 1 ELSE 0 END)
  FROM cases c JOIN case_progress p ON p.case_id = c.case_id GROUP BY c.payer_id, c.service_category;
CREATE OR REPLACE FUNCTION p2pdoc_call_tally_add(payer TEXT, category TEXT, disposition TEXT, sign INTEGER)
  RETURNS void LANGUAGE sql AS $$
  INSERT INTO call_tally AS t (payer_id, service_category, decided, overturned)
    VALUES (payer, category,
            sign * (CASE WHEN disposition IN ('overturned', 'modified', 'upheld') THEN 1 ELSE 0 END),
            sign * (CASE WHEN disposition = 'overturned' THEN 1 ELSE 0 END))
  ON CONFLICT (payer_id, service_category) DO UPDATE SET
    decided = t.decided + EXCLUDED.decided, overturned = t.overturned + EXCLUDED.overturned $$;
CREATE OR REPLACE FUNCTION p2pdoc_call_tally_disposition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM p2pdoc_call_tally_add(c.payer_id, c.service_category, OLD.disposition, -1),
          p2pdoc_call_tally_add(c.payer_id, c.service_category, NEW.disposition, 1)
    FROM cases c WHERE c.case_id = NEW.case_id;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER call_tally_disposition AFTER UPDATE OF disposition ON case_progress
  FOR EACH ROW WHEN (OLD.disposition IS DISTINCT FROM NEW.disposition)
  EXECUTE FUNCTION p2pdoc_call_tally_disposition();
CREATE OR REPLACE FUNCTION p2pdoc_call_tally_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM p2pdoc_call_tally_add(OLD.payer_id, OLD.service_category, p.disposition, -1)
      FROM case_progress p WHERE p.case_id = OLD.case_id;
  END IF;
  PERFORM p2pdoc_call_tally_add(NEW.payer_id, NEW.service_category, p.disposition, 1)
    FROM case_progress p WHERE p.case_id = NEW.case_id;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER call_tally_case AFTER INSERT OR UPDATE OF case_id, payer_id, service_category ON cases
  FOR EACH ROW EXECUTE FUNCTION p2pdoc_call_tally_case();
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace p2p::ledger_schema
