-- Checks the design leaves out, so that one row written by another client (the web platform,
-- or any member) cannot hold what no Switchboard client reads: provider and status from the
-- lists Switchboard knows (switchboard_core::domain::Provider and Status), and credentials
-- that are a JSON object with no key holding a secret (the rule of core's
-- Credentials::is_secret_key, repeated below; crates/postgres/tests/row_checks.rs compares
-- the two). Secrets belong in each manager's OS credential vault.
--
-- The checks are added NOT VALID: a database that already holds rows breaking them still
-- migrates, and every row inserted or updated from now on is checked. Each check is then
-- validated where every existing row passes it; where some do not, it stays NOT VALID and
-- `switchboard-cli db migrate` lists those rows (id, organization, reason) until they are
-- fixed (running `db migrate` again then validates it). Re-runnable: a check that exists is
-- kept as it is.

-- The first key of `credentials` that holds a secret for `provider`, NULL when none (or when
-- credentials is not an object). A key holds a secret unless it is one of the provider's
-- identifier keys or a …Ref key (a vault reference) and, lowercased (ASCII) without '_' and
-- '-', it is or ends with one of core's SECRET_KEYS.
CREATE OR REPLACE FUNCTION switchboard_credentials_secret_key(provider TEXT, credentials JSONB)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog
AS $$
  SELECT k
  FROM jsonb_object_keys(CASE WHEN jsonb_typeof(credentials) = 'object'
                              THEN credentials ELSE '{}'::jsonb END) AS k
  WHERE NOT (k LIKE '%Ref' AND length(k) > 3)
    AND NOT k = ANY (CASE provider
      WHEN 'twilio' THEN ARRAY['accountSid', 'apiKeySid']
      WHEN 'vonage' THEN ARRAY['apiKey', 'applicationId']
      WHEN 'telnyx' THEN ARRAY['connectionId', 'messagingProfileId', 'accountId']
      WHEN 'bandwidth' THEN ARRAY['accountId', 'clientId', 'siteId', 'locationId', 'applicationId']
      WHEN 'plivo' THEN ARRAY['authId', 'applicationId']
      ELSE ARRAY[]::text[] END)
    AND EXISTS (
      SELECT 1
      FROM unnest(ARRAY['apikey', 'authtoken', 'apisecret', 'secret', 'password', 'passwd',
                        'token', 'accesstoken', 'privatekey', 'clientsecret', 'apikeysecret',
                        'signaturesecret', 'bearer']) AS s
      WHERE right(translate(k, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_-', 'abcdefghijklmnopqrstuvwxyz'),
                  length(s)) = s)
  ORDER BY k
  LIMIT 1
$$;

COMMENT ON FUNCTION switchboard_credentials_secret_key(TEXT, JSONB) IS
  'The first key of credentials holding a secret for provider (core''s Credentials::is_secret_key), or NULL';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                 WHERE conrelid = 'phone_numbers'::regclass
                   AND conname = 'phone_numbers_provider_known') THEN
    ALTER TABLE phone_numbers ADD CONSTRAINT phone_numbers_provider_known
      CHECK (provider IN ('twilio', 'vonage', 'telnyx', 'bandwidth', 'plivo')) NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                 WHERE conrelid = 'phone_numbers'::regclass
                   AND conname = 'phone_numbers_status_known') THEN
    ALTER TABLE phone_numbers ADD CONSTRAINT phone_numbers_status_known
      CHECK (status IN ('active', 'inactive', 'error')) NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                 WHERE conrelid = 'phone_numbers'::regclass
                   AND conname = 'phone_numbers_credentials_no_secret') THEN
    -- The regular expression is a cheap first test with no false negatives: a key that holds
    -- a secret ends, '_' and '-' aside, with key, token, secret, passw(or)d or bearer (every
    -- SECRET_KEYS entry does), so only credentials with such a key pay for the exact rule.
    ALTER TABLE phone_numbers ADD CONSTRAINT phone_numbers_credentials_no_secret
      CHECK (jsonb_typeof(credentials) = 'object'
             AND (credentials::text !~* '(k[_-]*e[_-]*y|t[_-]*o[_-]*k[_-]*e[_-]*n|s[_-]*e[_-]*c[_-]*r[_-]*e[_-]*t|p[_-]*a[_-]*s[_-]*s[_-]*w[_-]*(o[_-]*r[_-]*)?d|b[_-]*e[_-]*a[_-]*r[_-]*e[_-]*r)[_-]*":'
                  OR switchboard_credentials_secret_key(provider, credentials) IS NULL))
      NOT VALID;
  END IF;
END
$$;

-- Validate each check every existing row passes; leave the others NOT VALID (still checking
-- new writes) for `db migrate` to report.
DO $$
DECLARE
  check_name TEXT;
BEGIN
  FOR check_name IN
    SELECT conname FROM pg_catalog.pg_constraint
    WHERE conrelid = 'phone_numbers'::regclass AND NOT convalidated
      AND conname IN ('phone_numbers_provider_known', 'phone_numbers_status_known',
                      'phone_numbers_credentials_no_secret')
  LOOP
    BEGIN
      EXECUTE format('ALTER TABLE phone_numbers VALIDATE CONSTRAINT %I', check_name);
    EXCEPTION WHEN check_violation THEN
      RAISE NOTICE '% stays NOT VALID: existing rows break it (switchboard-cli db migrate lists them)',
        check_name;
    END;
  END LOOP;
END
$$;
