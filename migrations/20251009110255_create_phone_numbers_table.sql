-- The phone_numbers table exactly as in the design (phone_numbers_table.md),
-- minus agent_id, which 20251009110559_add_agent_id_to_phone_numbers adds.
-- IF NOT EXISTS / OR REPLACE: the web platform may have created it already
-- under the same migration version.

CREATE TABLE IF NOT EXISTS phone_numbers (
  -- Primary identifiers
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,

  -- Provider information
  provider VARCHAR(50) NOT NULL, -- 'twilio', 'vonage', etc.
  phone_number VARCHAR(20) NOT NULL, -- E.164 format (e.g., +14155551234)
  friendly_name VARCHAR(100), -- Optional friendly name for the number

  -- Provider credentials, provider-specific JSON
  credentials JSONB NOT NULL,

  -- Additional metadata
  metadata JSONB, -- { "region": "US", "capabilities": { "voice": true, "sms": true } }

  webhook_configured BOOLEAN DEFAULT FALSE, -- Whether webhook is configured with provider
  webhook_url TEXT, -- The webhook URL configured with the provider

  -- Status tracking
  status VARCHAR(20) NOT NULL DEFAULT 'active', -- 'active', 'inactive', 'error'

  -- Timestamps
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  last_verified_at TIMESTAMPTZ, -- Last time credentials were verified

  -- Constraints
  UNIQUE(organization_id, phone_number) -- Prevent duplicate numbers per org
);

CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_id ON phone_numbers(organization_id);
CREATE INDEX IF NOT EXISTS idx_phone_numbers_provider ON phone_numbers(provider);
CREATE INDEX IF NOT EXISTS idx_phone_numbers_status ON phone_numbers(status);
CREATE INDEX IF NOT EXISTS idx_phone_numbers_phone_number ON phone_numbers(phone_number);

CREATE OR REPLACE TRIGGER update_phone_numbers_updated_at
  BEFORE UPDATE ON phone_numbers
  FOR EACH ROW
  EXECUTE FUNCTION update_updated_at_column();
