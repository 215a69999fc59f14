-- Call and message records of the organizations' numbers, their daily rollups and the pull
-- cursors (docs: the usage storage spec, shared with the team database's migrations): the same
-- tables and columns as PostgreSQL's, in this file's types. Times are microseconds since the
-- Unix epoch (UTC); a day is the number of UTC days since 1970-01-01; money is in billionths
-- of its currency's unit, never converted.
--
-- phone_number_id is not declared a foreign key here: bulk writes of phone_numbers drop its id
-- index for speed (a foreign key would need it at every write), and the team cache's sync
-- rewrites numbers. Reads resolve it with a LEFT JOIN, so the id of a removed number
-- resolves to nothing, as PostgreSQL's ON DELETE SET NULL leaves it; the history stays.

CREATE TABLE calls (
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
  price_state        TEXT NOT NULL CHECK (price_state IN ('charged','pending','not_billed')),
  price_nanos        INTEGER,
  currency           TEXT,
  pulled_at          INTEGER NOT NULL,
  CHECK ((price_state = 'charged') = (price_nanos IS NOT NULL)),
  CHECK ((price_state = 'charged') = (currency IS NOT NULL)),
  UNIQUE (organization_id, provider, account_id, provider_record_id)
);
CREATE INDEX idx_calls_org_started ON calls(organization_id, started_at);
CREATE INDEX idx_calls_number_started ON calls(phone_number_id, started_at);
-- The records still pending, for the pull cursor (few: the last hour's).
CREATE INDEX idx_calls_pending ON calls(organization_id, provider, account_id, started_at)
  WHERE price_state = 'pending';

CREATE TABLE messages (
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
  CHECK ((price_state = 'charged') = (currency IS NOT NULL)),
  UNIQUE (organization_id, provider, account_id, provider_record_id)
);
CREATE INDEX idx_messages_org_sent ON messages(organization_id, sent_at);
CREATE INDEX idx_messages_number_sent ON messages(phone_number_id, sent_at);
CREATE INDEX idx_messages_pending ON messages(organization_id, provider, account_id, sent_at)
  WHERE price_state = 'pending';

-- What reports and health read: per number and UTC day, kept equal to the records by the store
-- in the same transaction as every write of calls and messages.
CREATE TABLE usage_daily (
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  phone_number    TEXT NOT NULL,
  day             INTEGER NOT NULL,
  phone_number_id TEXT,
  calls           INTEGER NOT NULL DEFAULT 0 CHECK (calls >= 0),
  final_calls     INTEGER NOT NULL DEFAULT 0 CHECK (final_calls >= 0),    -- outcome <> unfinished
  answered        INTEGER NOT NULL DEFAULT 0 CHECK (answered >= 0),
  short_answered  INTEGER NOT NULL DEFAULT 0 CHECK (short_answered >= 0), -- answered, < 10 s
  failed          INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
  billed_secs     INTEGER NOT NULL DEFAULT 0 CHECK (billed_secs >= 0),
  messages        INTEGER NOT NULL DEFAULT 0 CHECK (messages >= 0),
  segments        INTEGER NOT NULL DEFAULT 0 CHECK (segments >= 0),
  pending         INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),        -- calls and messages
  PRIMARY KEY (organization_id, phone_number, day)
) WITHOUT ROWID;

-- The charged records' cost per number, day and currency (never summed across currencies).
CREATE TABLE usage_daily_cost (
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  phone_number    TEXT NOT NULL,
  day             INTEGER NOT NULL,
  currency        TEXT NOT NULL,
  nanos           INTEGER NOT NULL,
  PRIMARY KEY (organization_id, phone_number, day, currency)
) WITHOUT ROWID;

-- Where the next pull of an account's calls or messages starts.
CREATE TABLE usage_cursors (
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  provider        TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('calls','messages')),
  since           INTEGER NOT NULL,
  pulled_at       INTEGER NOT NULL,
  PRIMARY KEY (organization_id, provider, account_id, kind)
) WITHOUT ROWID;
