-- Provider accounts a manager added explicitly to an organization (`switchboard-cli accounts
-- add`), so that an account is listed before any number uses it. Numbers still reference their
-- account through their `credentials` JSON ({"accountSid": "AC…", "authTokenRef": "vault:…"});
-- listing an organization's accounts is the union of these rows and those references.
-- Never a secret here: the account's secret lives only in the OS credential vault.

CREATE TABLE provider_accounts (
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  provider        TEXT NOT NULL CHECK (provider IN ('twilio','vonage','telnyx','bandwidth','plivo')),
  account_id      TEXT NOT NULL CHECK (length(account_id) BETWEEN 1 AND 128),
  label           TEXT CHECK (label IS NULL OR length(label) <= 100),
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (organization_id, provider, account_id)
) WITHOUT ROWID;
