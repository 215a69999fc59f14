-- phone_numbers again, with two changes that make bulk writes (a large insert, a sync's move)
-- cheaper; rows, row keys and the search index are kept as they are.
--   * The id's uniqueness is a named index instead of a column constraint, so a large batch
--     can drop it and build it sorted at the end like the other indexes (inserting random
--     UUIDs into it row by row cost ~2.3 CPU seconds per million rows; building it ~1.1).
--     A duplicate id still fails the batch's transaction.
--   * credentials and metadata lose their json_valid() checks (~0.6 CPU s per million rows):
--     the store only writes them serialized from typed values.
CREATE TABLE phone_numbers_next (
  rowid              INTEGER PRIMARY KEY,
  id                 TEXT NOT NULL,         -- UUID, unique by idx_phone_numbers_id
  org_key            INTEGER NOT NULL REFERENCES organizations(key), -- organizations.id by join
  provider           TEXT NOT NULL CHECK (provider IN ('twilio','vonage','telnyx','bandwidth','plivo')),
  phone_number       TEXT NOT NULL CHECK (length(phone_number) <= 20 AND phone_number GLOB '+[1-9]*'),
  friendly_name      TEXT CHECK (friendly_name IS NULL OR length(friendly_name) <= 100),
  credentials        TEXT NOT NULL,         -- JSON object, written by the store
  metadata           TEXT,                  -- JSON object or NULL, written by the store
  agent_id           TEXT REFERENCES agents(id) ON DELETE SET NULL,
  webhook_configured INTEGER DEFAULT 0,
  webhook_url        TEXT,
  status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive','error')),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  last_verified_at   INTEGER,
  -- derived, for filters and search
  digits             TEXT NOT NULL,         -- phone_number without '+'
  search_name        TEXT NOT NULL,         -- lowercased friendly_name, '' when none
  country            TEXT,                  -- ISO region
  number_type        TEXT NOT NULL,
  capabilities       INTEGER NOT NULL       -- voice=1 sms=2 mms=4 fax=8
);
INSERT INTO phone_numbers_next SELECT
  rowid, id, org_key, provider, phone_number, friendly_name, credentials, metadata, agent_id,
  webhook_configured, webhook_url, status, created_at, updated_at, last_verified_at, digits,
  search_name, country, number_type, capabilities
FROM phone_numbers ORDER BY rowid;
-- Nothing refers to phone_numbers by foreign key, so dropping it deletes no other rows.
DROP TABLE phone_numbers;
ALTER TABLE phone_numbers_next RENAME TO phone_numbers;

CREATE UNIQUE INDEX idx_phone_numbers_id    ON phone_numbers(id);
CREATE INDEX idx_phone_numbers_org_name     ON phone_numbers(org_key, search_name, phone_number);
CREATE INDEX idx_phone_numbers_org_created  ON phone_numbers(org_key, created_at);
CREATE INDEX idx_phone_numbers_org_updated  ON phone_numbers(org_key, updated_at);
CREATE INDEX idx_phone_numbers_org_status   ON phone_numbers(org_key, status);
CREATE INDEX idx_phone_numbers_org_status_caps ON phone_numbers(org_key, status, capabilities);
CREATE INDEX idx_phone_numbers_agent_id     ON phone_numbers(agent_id) WHERE agent_id IS NOT NULL;
