-- A call whose provider reports no price at all (Bandwidth's Call Search): price_state
-- 'not_reported', neither zero nor pending (docs/PROVIDERS.md, "Bandwidth's records"). SQLite
-- cannot change a CHECK in place, so calls is rebuilt with the same columns, order and indexes;
-- no table refers to it.

CREATE TABLE calls_new (
  id                 TEXT PRIMARY KEY NOT NULL,  -- UUID
  organization_id    TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  phone_number_id    TEXT,                       -- phone_numbers.id, when the number was known
  phone_number       TEXT NOT NULL,              -- the organization's number, E.164
  provider           TEXT NOT NULL,
  account_id         TEXT NOT NULL,
  provider_record_id TEXT NOT NULL,
  direction          TEXT NOT NULL CHECK (direction IN ('inbound','outbound')),
  counterpart        TEXT NOT NULL,
  outcome            TEXT NOT NULL
                       CHECK (outcome IN ('answered','busy','no_answer','failed','canceled','unfinished')),
  started_at         INTEGER NOT NULL,
  duration_secs      INTEGER NOT NULL CHECK (duration_secs >= 0),
  billed_secs        INTEGER NOT NULL CHECK (billed_secs >= 0),
  price_state        TEXT NOT NULL
                       CHECK (price_state IN ('charged','pending','not_billed','not_reported')),
  price_nanos        INTEGER,
  currency           TEXT,
  pulled_at          INTEGER NOT NULL,
  CHECK ((price_state = 'charged') = (price_nanos IS NOT NULL)),
  CHECK ((price_state = 'charged') = (currency IS NOT NULL)),
  UNIQUE (organization_id, provider, account_id, provider_record_id)
);
INSERT INTO calls_new SELECT * FROM calls;
DROP TABLE calls;
ALTER TABLE calls_new RENAME TO calls;
CREATE INDEX idx_calls_org_started ON calls(organization_id, started_at);
CREATE INDEX idx_calls_number_started ON calls(phone_number_id, started_at);
CREATE INDEX idx_calls_pending ON calls(organization_id, provider, account_id, started_at)
  WHERE price_state = 'pending';
