-- The local workspace: the design's tables, plus derived columns and indexes for
-- instant filtering and search. Timestamps are microseconds since the Unix epoch (UTC).

CREATE TABLE organizations (
  key        INTEGER PRIMARY KEY,           -- local row key; numbers' row keys are blocked by it
  id         TEXT NOT NULL UNIQUE,          -- UUID
  slug       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE agents (
  id              TEXT PRIMARY KEY,         -- UUID
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (organization_id, name)
);

-- rowid = (organizations.key << 32) + n: an organization's numbers occupy one rowid range,
-- so the full-text index can be restricted to an organization with a rowid range. Rows refer
-- to their organization by its small integer key, which keeps every index narrow.
CREATE TABLE phone_numbers (
  rowid              INTEGER PRIMARY KEY,
  id                 TEXT NOT NULL UNIQUE,  -- UUID
  org_key            INTEGER NOT NULL REFERENCES organizations(key), -- organizations.id by join
  provider           TEXT NOT NULL CHECK (provider IN ('twilio','vonage','telnyx','bandwidth','plivo')),
  phone_number       TEXT NOT NULL CHECK (length(phone_number) <= 20 AND phone_number GLOB '+[1-9]*'),
  friendly_name      TEXT CHECK (friendly_name IS NULL OR length(friendly_name) <= 100),
  credentials        TEXT NOT NULL CHECK (json_valid(credentials)),
  metadata           TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
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

-- The row key is (org_key, phone_number) encoded injectively and in order, so the primary key
-- already makes numbers unique per organization and sorts them; there is no separate index.
-- Other orders walk their index (the store names it with INDEXED BY, since a workspace with
-- one organization makes org_key look unselective to the planner).
CREATE INDEX idx_phone_numbers_org_name     ON phone_numbers(org_key, search_name, phone_number);
CREATE INDEX idx_phone_numbers_org_created  ON phone_numbers(org_key, created_at);
CREATE INDEX idx_phone_numbers_org_updated  ON phone_numbers(org_key, updated_at);
CREATE INDEX idx_phone_numbers_org_status   ON phone_numbers(org_key, status);
-- Status with capabilities, answered from the index alone (rare combinations, and counts).
CREATE INDEX idx_phone_numbers_org_status_caps ON phone_numbers(org_key, status, capabilities);
CREATE INDEX idx_phone_numbers_agent_id     ON phone_numbers(agent_id) WHERE agent_id IS NOT NULL;

-- Substring search (3+ characters) on digits and names: a trigram full-text index over the
-- derived columns. The store writes it in the same transaction as the rows, not by triggers:
-- FTS5 flushes its pending terms at every statement savepoint, which makes trigger-driven
-- inserts about eight times slower.
CREATE VIRTUAL TABLE phone_numbers_search USING fts5(
  digits, search_name,
  content = 'phone_numbers', content_rowid = 'rowid',
  tokenize = 'trigram case_sensitive 1',
  detail = 'full'
);

-- Exact counts per organization, kept by the store in the same transaction as the rows:
--   ''                 all numbers
--   '5', '55'          numbers whose digits contain that 1- or 2-digit string (a trigram index
--                      cannot answer searches that short)
--   'provider=twilio', 'status=error', 'country=US', 'type=mobile', 'cap=voice'
--                      numbers with that value, so single-filter counts need no scan.
-- Filtering by provider scans in number order; these counts stand in for the design's
-- single-column provider index in this local store.
CREATE TABLE number_counts (
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  facet           TEXT NOT NULL,
  n               INTEGER NOT NULL CHECK (n >= 0),
  PRIMARY KEY (organization_id, facet)
) WITHOUT ROWID;
