-- The unique record key of calls and messages (organization, provider, account, the provider's
-- record id) as a named unique index instead of a table constraint, so that a large pull can
-- drop it and build it once at its end (core's store/usage.rs, "large pulls"): kept on every
-- insert, its B-tree is written in the random order of the providers' record ids, the most
-- costly part of a large first pull. SQLite cannot drop a table constraint, so both tables are
-- rebuilt with the same columns, order, CHECKs and other indexes; no table refers to them.
-- ON CONFLICT (organization_id, provider, account_id, provider_record_id) finds the index as it
-- found the constraint.

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
  CHECK ((price_state = 'charged') = (currency IS NOT NULL))
);
INSERT INTO calls_new SELECT * FROM calls;
DROP TABLE calls;
ALTER TABLE calls_new RENAME TO calls;
CREATE UNIQUE INDEX idx_calls_record
  ON calls(organization_id, provider, account_id, provider_record_id);
CREATE INDEX idx_calls_org_started ON calls(organization_id, started_at);
CREATE INDEX idx_calls_pending ON calls(organization_id, provider, account_id, started_at)
  WHERE price_state = 'pending';

CREATE TABLE messages_new (
  id                 TEXT PRIMARY KEY NOT NULL,  -- UUID
  organization_id    TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  phone_number_id    TEXT,
  phone_number       TEXT NOT NULL,
  provider           TEXT NOT NULL,
  account_id         TEXT NOT NULL,
  provider_record_id TEXT NOT NULL,
  direction          TEXT NOT NULL CHECK (direction IN ('inbound','outbound')),
  counterpart        TEXT NOT NULL,
  status             TEXT NOT NULL,
  sent_at            INTEGER NOT NULL,
  segments           INTEGER NOT NULL CHECK (segments >= 0),
  price_state        TEXT NOT NULL CHECK (price_state IN ('charged','pending','not_billed')),
  price_nanos        INTEGER,
  currency           TEXT,
  pulled_at          INTEGER NOT NULL,
  CHECK ((price_state = 'charged') = (price_nanos IS NOT NULL)),
  CHECK ((price_state = 'charged') = (currency IS NOT NULL))
);
INSERT INTO messages_new SELECT * FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX idx_messages_record
  ON messages(organization_id, provider, account_id, provider_record_id);
CREATE INDEX idx_messages_org_sent ON messages(organization_id, sent_at);
CREATE INDEX idx_messages_pending ON messages(organization_id, provider, account_id, sent_at)
  WHERE price_state = 'pending';
