-- The daily rollups packed per number and block of 32 days, for a report by number to read
-- about two rows per number for a month instead of one per number and day in usage_daily and
-- another per currency in usage_daily_cost (docs/BENCHMARKS.md, "Report by number from 32-day
-- blocks"). `days` is an exact copy of the number's usage_daily rows of the block's days
-- (block = day / 32, rounded down), each with its usage_daily_cost rows, in the binary layout
-- described in core's store/usage_blocks.rs; the store writes it in the same transaction as
-- those rows. Filled from the daily rollups kept so far by the same migration, in Rust
-- (usage_blocks::fill), right after this file.

CREATE TABLE usage_blocks (
  org_key      INTEGER NOT NULL REFERENCES organizations(key) ON DELETE CASCADE,
  phone_number TEXT NOT NULL,
  block        INTEGER NOT NULL,
  days         BLOB NOT NULL,
  PRIMARY KEY (org_key, phone_number, block)
) WITHOUT ROWID;
