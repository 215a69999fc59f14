-- The full copy's stage gets exactly phone_numbers' definition (columns, checks, foreign keys;
-- still no indexes), so that a copy into an empty cache can become phone_numbers by renaming
-- it instead of copying every row once more (see store/stage.rs). The checks now run as rows
-- are staged, on the copy's writing thread, which waits for the reader most of the time.
-- Keep this definition identical to phone_numbers' (a test compares them).
CREATE TABLE sync_stage_next (
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
-- A copy under way keeps its staged rows. A staged row that breaks these rules would have
-- failed the old move: its organization's copy starts again instead. A staged row naming an
-- agent that is gone loses the agent, as phone_numbers' rows do.
CREATE TEMP TABLE stage_broken AS
  SELECT DISTINCT o.id FROM sync_stage s JOIN organizations o ON o.key = s.org_key
  WHERE NOT (provider IN ('twilio','vonage','telnyx','bandwidth','plivo')
             AND length(phone_number) <= 20 AND phone_number GLOB '+[1-9]*'
             AND (friendly_name IS NULL OR length(friendly_name) <= 100)
             AND status IN ('active','inactive','error'));
UPDATE sync_copy SET after_number = NULL, rows_done = 0, done = 0
  WHERE organization_id IN (SELECT id FROM stage_broken);
DELETE FROM sync_stage_counts WHERE organization_id IN (SELECT id FROM stage_broken);
INSERT INTO sync_stage_next SELECT
  s.rowid, s.id, s.org_key, s.provider, s.phone_number, s.friendly_name, s.credentials,
  s.metadata, CASE WHEN s.agent_id IN (SELECT id FROM agents) THEN s.agent_id END,
  s.webhook_configured, s.webhook_url, s.status, s.created_at, s.updated_at,
  s.last_verified_at, s.digits, s.search_name, s.country, s.number_type, s.capabilities
FROM sync_stage s JOIN organizations o ON o.key = s.org_key
WHERE o.id NOT IN (SELECT id FROM stage_broken)
ORDER BY s.rowid;
DROP TABLE stage_broken;
DROP TABLE sync_stage;
ALTER TABLE sync_stage_next RENAME TO sync_stage;
