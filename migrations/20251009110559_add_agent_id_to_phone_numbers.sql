-- Agent assignment, as in the design. Which agents may be assigned (only
-- those of the number's organization) is enforced by
-- 20251009120000_phone_numbers_row_level_security.

ALTER TABLE phone_numbers
  ADD COLUMN IF NOT EXISTS agent_id UUID REFERENCES agents(id) ON DELETE SET NULL;

CREATE INDEX IF NOT EXISTS idx_phone_numbers_agent_id ON phone_numbers(agent_id);
