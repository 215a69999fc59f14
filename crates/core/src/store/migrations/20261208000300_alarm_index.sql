-- The numbers under a readiness alarm (`metadata.readiness.alarm` is JSON true), by
-- organization: each organization's alarm badge counts them at startup (ops alerts::alarm_counts)
-- and the window lists them. Without it that count read every row of phone_numbers (tens of MB
-- at a million numbers, all pulled into the app through SQLite's memory map). Partial, so only
-- the few numbers moving away are in it. SQLite uses it only for a query whose WHERE holds this
-- very expression (core's store/search.rs, ALARM); the bulk writes drop and rebuild it with the
-- table's other indexes.
CREATE INDEX idx_phone_numbers_org_alarm ON phone_numbers(org_key)
  WHERE json_type(metadata, '$.readiness.alarm') = 'true';
