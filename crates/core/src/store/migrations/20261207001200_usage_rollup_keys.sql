-- The daily rollups keyed by the organization's integer key instead of its 36-character id,
-- and each (number, day) row with the start of that day's latest final call instead of the
-- number's 36-character id (read only to find that call), so that a report by number reads
-- fewer bytes per row and its health window needs no seek into the calls
-- (docs/BENCHMARKS.md, "Usage records (issue 15)"). Same figures, same rows: both tables are
-- rebuilt from their rows, and last_call_at is recounted from the calls once.

CREATE TABLE usage_daily_new (
  org_key         INTEGER NOT NULL REFERENCES organizations(key) ON DELETE CASCADE,
  phone_number    TEXT NOT NULL,
  day             INTEGER NOT NULL,
  calls           INTEGER NOT NULL DEFAULT 0 CHECK (calls >= 0),
  final_calls     INTEGER NOT NULL DEFAULT 0 CHECK (final_calls >= 0),    -- outcome <> unfinished
  answered        INTEGER NOT NULL DEFAULT 0 CHECK (answered >= 0),
  short_answered  INTEGER NOT NULL DEFAULT 0 CHECK (short_answered >= 0), -- answered, < 10 s
  failed          INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
  billed_secs     INTEGER NOT NULL DEFAULT 0 CHECK (billed_secs >= 0),
  messages        INTEGER NOT NULL DEFAULT 0 CHECK (messages >= 0),
  segments        INTEGER NOT NULL DEFAULT 0 CHECK (segments >= 0),
  pending         INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),        -- calls and messages
  last_call_at    INTEGER,  -- start of the day's latest final call; NULL when it has none
  PRIMARY KEY (org_key, phone_number, day)
) WITHOUT ROWID;

INSERT INTO usage_daily_new
SELECT o.key, d.phone_number, d.day, d.calls, d.final_calls, d.answered,
  d.short_answered, d.failed, d.billed_secs, d.messages, d.segments, d.pending, l.last_call_at
FROM usage_daily d
JOIN organizations o ON o.id = d.organization_id
LEFT JOIN (
  SELECT organization_id, phone_number, started_at / 86400000000 AS day,
    max(started_at) AS last_call_at
  FROM calls WHERE outcome <> 'unfinished'
  GROUP BY organization_id, phone_number, started_at / 86400000000
) l ON l.organization_id = d.organization_id AND l.phone_number = d.phone_number
   AND l.day = d.day;
DROP TABLE usage_daily;
ALTER TABLE usage_daily_new RENAME TO usage_daily;

CREATE TABLE usage_daily_cost_new (
  org_key      INTEGER NOT NULL REFERENCES organizations(key) ON DELETE CASCADE,
  phone_number TEXT NOT NULL,
  day          INTEGER NOT NULL,
  currency     TEXT NOT NULL,
  nanos        INTEGER NOT NULL,
  PRIMARY KEY (org_key, phone_number, day, currency)
) WITHOUT ROWID;

INSERT INTO usage_daily_cost_new
SELECT o.key, c.phone_number, c.day, c.currency, c.nanos
FROM usage_daily_cost c JOIN organizations o ON o.id = c.organization_id;
DROP TABLE usage_daily_cost;
ALTER TABLE usage_daily_cost_new RENAME TO usage_daily_cost;

-- The records by number and time were read only for each number's latest call, which the
-- rollups now keep: every record written no longer updates these two B-trees (keyed by a
-- random UUID, the costliest of the indexes on a large first pull).
DROP INDEX idx_calls_number_started;
DROP INDEX idx_messages_number_sent;
