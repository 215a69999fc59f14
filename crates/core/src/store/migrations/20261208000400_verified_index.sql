-- An organization's numbers by when they were last verified (never: 0), oldest first: the
-- desktop app's periodic re-verification asks for the least recently verified numbers that
-- are due (core's Workspace::verification_due), a minute after start and then on its timer.
-- Without it that query read and sorted every row of phone_numbers (at a million numbers,
-- the whole table pulled into the app through SQLite's memory map, and a temporary sort). The
-- expression is the query's word for word; the bulk writes drop and rebuild it with the
-- table's other indexes.
CREATE INDEX idx_phone_numbers_org_verified
  ON phone_numbers(org_key, coalesce(last_verified_at, 0));
