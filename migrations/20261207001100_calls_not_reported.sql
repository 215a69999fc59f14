-- A call whose provider reports no price at all (Bandwidth's Call Search): price_state
-- 'not_reported', neither zero nor pending (docs/PROVIDERS.md, "Bandwidth's records"). Like
-- 'not_billed' it has no amount (calls_price_iff_charged holds as it is) and is neither summed
-- into usage_daily_cost nor counted pending.
ALTER TABLE public.calls DROP CONSTRAINT calls_price_state_check;
ALTER TABLE public.calls ADD CONSTRAINT calls_price_state_check
  CHECK (price_state IN ('charged', 'pending', 'not_billed', 'not_reported'));
