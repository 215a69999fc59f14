-- Removes what install.sql put beside the web platform, leaving the platform's schema as it
-- was before (`switchboard-cli db migrate --revert-platform`). The managers' login roles that
-- `db grant` created are dropped by the command itself, before this runs.

DO $revert$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['phone_numbers', 'agents', 'organizations', 'user_organizations']
  LOOP
    IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
      EXECUTE format('DROP POLICY IF EXISTS switchboard_manager_access ON public.%I', t);
      EXECUTE format('DROP POLICY IF EXISTS switchboard_manager_bound ON public.%I', t);
    END IF;
  END LOOP;
  IF to_regclass('public.phone_numbers') IS NOT NULL THEN
    DROP TRIGGER IF EXISTS switchboard_log_inserts ON public.phone_numbers;
    DROP TRIGGER IF EXISTS switchboard_log_updates ON public.phone_numbers;
    DROP TRIGGER IF EXISTS switchboard_log_deletes ON public.phone_numbers;
    DROP INDEX IF EXISTS public.switchboard_phone_numbers_number_trgm;
    DROP INDEX IF EXISTS public.switchboard_phone_numbers_name_trgm;
  END IF;
  DROP SCHEMA IF EXISTS switchboard CASCADE;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'switchboard_manager') THEN
    REVOKE ALL ON public.phone_numbers, public.agents, public.organizations,
      public.user_organizations FROM switchboard_manager;
    REVOKE ALL ON SCHEMA public FROM switchboard_manager;
  END IF;
END
$revert$;
