-- The daily rollups count the calls whose provider reports no cost (price_state
-- 'not_reported', Bandwidth's Call Search), beside the pending ones, so that a report shows
-- how many records its cost leaves out (docs/APP.md, "Usage"). Rows already kept are
-- counted from their calls once; a day without such calls keeps 0. Messages have no
-- 'not_reported' state.

ALTER TABLE usage_daily
  ADD COLUMN not_reported INTEGER NOT NULL DEFAULT 0 CHECK (not_reported >= 0);

UPDATE usage_daily SET not_reported = n.calls
FROM (
  SELECT o.key AS org_key, c.phone_number, c.started_at / 86400000000 AS day,
    count(*) AS calls
  FROM calls c JOIN organizations o ON o.id = c.organization_id
  WHERE c.price_state = 'not_reported'
  GROUP BY o.key, c.phone_number, c.started_at / 86400000000
) n
WHERE usage_daily.org_key = n.org_key AND usage_daily.phone_number = n.phone_number
  AND usage_daily.day = n.day;
