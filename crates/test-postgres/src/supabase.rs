//! A stand-in for the web platform's database: Supabase's roles and `auth` schema, and the
//! design's tables and policies as the design writes them (see `supabase.sql`), on a local
//! cluster of the test's own.
//!
//! Supabase's superuser is `supabase_admin`; the administrator it gives a project, `postgres`,
//! is not a superuser (CREATEROLE, CREATEDB, BYPASSRLS) and owns the platform's tables. So the
//! cluster's bootstrap superuser is renamed, a superuser `supabase_admin` made, and `postgres`
//! made again as that administrator, with the password [`TestCluster::admin_url`] already
//! carries: there, `admin_url` is the platform's administrator, not a superuser.
//!
//! Web requests are issued as PostgREST issues them ([`Platform::web`]): logged in as
//! `authenticator`, one transaction each, `SET LOCAL ROLE authenticated` and the verified JWT
//! claims set with `set_config('request.jwt.claims', …, true)` before the request's SQL.

use crate::{Error, TestCluster, random_hex};

/// The design's prerequisites as minimal stand-ins, then its SQL verbatim after
/// [`DESIGN_MARKER`].
const WEB_PLATFORM_SCHEMA: &str = include_str!("../tests/fixtures/web_platform_schema.sql");
const DESIGN_MARKER: &str = "-- The design's SQL, verbatim";

/// The platform's database on a cluster of its own.
#[derive(Debug)]
pub struct Platform {
    /// The cluster; its [`TestCluster::admin_url`] is the platform's administrator `postgres`.
    pub cluster: TestCluster,
    superuser_url: String,
    authenticator_url: String,
}

impl Platform {
    /// A new local cluster holding the platform's schema and no rows.
    pub fn start() -> Result<Self, Error> {
        let cluster = TestCluster::start_local()?;
        let admin = cluster.admin_url();
        let superuser_password = format!("{}{}", random_hex(), random_hex());
        cluster.psql(
            &admin,
            &format!("CREATE ROLE supabase_admin LOGIN SUPERUSER PASSWORD '{superuser_password}'"),
        )?;
        let superuser_url = cluster.url_as(&admin, "supabase_admin", &superuser_password)?;
        // `postgres` keeps its password: a SCRAM verifier survives a rename.
        let verifier = cluster.psql(
            &superuser_url,
            "SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = 'postgres'",
        )?;
        let authenticator_password = format!("{}{}", random_hex(), random_hex());
        cluster.psql(
            &superuser_url,
            &format!(
                "ALTER ROLE postgres RENAME TO cluster_bootstrap;
                 CREATE ROLE postgres LOGIN NOSUPERUSER CREATEROLE CREATEDB BYPASSRLS
                   PASSWORD '{verifier}';
                 CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD '{authenticator_password}';"
            ),
        )?;
        let (_, design) = WEB_PLATFORM_SCHEMA
            .split_once(DESIGN_MARKER)
            .expect("the fixture marks where the design's SQL starts");
        let platform = include_str!("supabase.sql").replace("-- @DESIGN@", design);
        cluster.psql(&superuser_url, &platform)?;
        let authenticator_url = cluster.url_as(&admin, "authenticator", &authenticator_password)?;
        Ok(Platform {
            cluster,
            superuser_url,
            authenticator_url,
        })
    }

    /// The superuser's URL (`supabase_admin`).
    pub fn superuser_url(&self) -> &str {
        &self.superuser_url
    }

    /// The platform administrator's URL (`postgres`, not a superuser).
    pub fn admin_url(&self) -> String {
        self.cluster.admin_url()
    }

    /// Runs `sql` as the superuser (see [`TestCluster::psql`]).
    pub fn sql(&self, sql: &str) -> Result<String, Error> {
        self.cluster.psql(&self.superuser_url, sql)
    }

    /// Signs a user up (as Supabase Auth does, into `auth.users`); returns its id.
    pub fn add_user(&self, email: &str) -> Result<String, Error> {
        self.sql(&format!(
            "INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), '{email}') RETURNING id"
        ))
    }

    /// Creates an organization (as the web app does); returns its id.
    pub fn add_organization(&self, slug: &str, name: &str) -> Result<String, Error> {
        self.sql(&format!(
            "INSERT INTO organizations (slug, name) VALUES ('{slug}', '{name}') RETURNING id"
        ))
    }

    /// Makes `user` a member of `organization` (ids).
    pub fn add_member(&self, user: &str, organization: &str) -> Result<(), Error> {
        self.sql(&format!(
            "INSERT INTO user_organizations (user_id, organization_id) \
             VALUES ('{user}', '{organization}')"
        ))
        .map(drop)
    }

    /// One web request of `user` (an id of `auth.users`), as PostgREST runs it: as
    /// `authenticator`, in one transaction, `SET LOCAL ROLE authenticated`, the claims, then
    /// `sql`; committed when `commit`, rolled back otherwise. Returns what `sql` printed.
    pub fn web(&self, user: &str, sql: &str, commit: bool) -> Result<String, Error> {
        web_request(&self.cluster, &self.authenticator_url, user, sql, commit)
    }

    /// The URL PostgREST logs in with (`authenticator`), for [`web_request`].
    pub fn authenticator_url(&self) -> &str {
        &self.authenticator_url
    }

    /// The platform's catalog, one sorted line per object: roles and memberships, schemas,
    /// relations (tables, indexes, views, sequences, toast excluded) with their columns, ACLs
    /// and row-level security flags, constraints, policies, triggers, functions (their source
    /// as a hash), types, extensions, default privileges, the database's ACL and role
    /// settings, comments. With `beside_switchboard`, what issue #14 lets Switchboard add is
    /// left out: the schema `switchboard` and everything in it (extensions installed there
    /// too), the role `switchboard_manager` and its ACL entries, and policies, triggers and
    /// indexes named `switchboard_*`.
    pub fn catalog(&self, beside_switchboard: bool) -> Result<String, Error> {
        let sql = CATALOG.replace(
            "/*FILTERED*/",
            if beside_switchboard { "true" } else { "false" },
        );
        self.sql(&sql)
    }
}

/// [`Platform::web`] on a cluster taken out of its [`Platform`]: one web request of `user`,
/// as PostgREST runs it, logged in with `authenticator_url`.
pub fn web_request(
    cluster: &TestCluster,
    authenticator_url: &str,
    user: &str,
    sql: &str,
    commit: bool,
) -> Result<String, Error> {
    let claims = format!(r#"{{"sub":"{user}","role":"authenticated","aud":"authenticated"}}"#);
    let end = if commit { "COMMIT" } else { "ROLLBACK" };
    cluster.psql(
        authenticator_url,
        &format!(
            "BEGIN;
                 SET LOCAL ROLE authenticated;
                 SELECT set_config('request.jwt.claims', '{claims}', true) AS claims \\gset
                 {sql};
                 {end};"
        ),
    )
}

/// See [`Platform::catalog`]. `/*FILTERED*/` is whether Switchboard's objects are left out.
const CATALOG: &str = r#"
WITH f AS (SELECT /*FILTERED*/ AS hide),
sys AS (SELECT oid FROM pg_namespace
        WHERE nspname IN ('pg_catalog', 'information_schema', 'pg_toast')
           OR nspname LIKE 'pg_temp%' OR nspname LIKE 'pg_toast_temp%'
           OR ((SELECT hide FROM f) AND nspname = 'switchboard'))
SELECT line FROM (
  SELECT 'role ' || rolname || ' super=' || rolsuper || ' inherit=' || rolinherit
         || ' createrole=' || rolcreaterole || ' createdb=' || rolcreatedb
         || ' login=' || rolcanlogin || ' bypassrls=' || rolbypassrls
         || ' config=' || coalesce(rolconfig::text, '') AS line
  FROM pg_roles
  WHERE NOT ((SELECT hide FROM f) AND rolname = 'switchboard_manager')
  UNION ALL
  SELECT 'member ' || r.rolname || ' of ' || g.rolname || ' admin=' || m.admin_option
  FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
  WHERE NOT ((SELECT hide FROM f) AND 'switchboard_manager' IN (r.rolname, g.rolname))
  UNION ALL
  SELECT 'schema ' || nspname || ' owner=' || nspowner::regrole
         || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text)
                                 FROM unnest(nspacl) a
                                 WHERE NOT ((SELECT hide FROM f)
                                            AND a::text LIKE 'switchboard_manager=%')), '')
  FROM pg_namespace WHERE oid NOT IN (SELECT oid FROM sys)
  UNION ALL
  SELECT 'relation ' || c.oid::regclass || ' kind=' || c.relkind::text || ' owner=' || c.relowner::regrole
         || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
         || ' options=' || coalesce(c.reloptions::text, '')
         || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text)
                                 FROM unnest(c.relacl) a
                                 WHERE NOT ((SELECT hide FROM f)
                                            AND a::text LIKE 'switchboard_manager=%')), '')
         || CASE WHEN c.relkind = 'i' THEN ' ' || pg_get_indexdef(c.oid) ELSE '' END
  FROM pg_class c
  WHERE c.relnamespace NOT IN (SELECT oid FROM sys)
    AND NOT ((SELECT hide FROM f) AND c.relkind = 'i' AND c.relname LIKE 'switchboard\_%')
  UNION ALL
  SELECT 'column ' || c.oid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || ' notnull=' || a.attnotnull
         || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
         || ' acl=' || coalesce(a.attacl::text, '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace NOT IN (SELECT oid FROM sys) AND a.attnum > 0 AND NOT a.attisdropped
    AND NOT ((SELECT hide FROM f) AND c.relkind = 'i' AND c.relname LIKE 'switchboard\_%')
  UNION ALL
  SELECT 'constraint ' || k.conrelid::regclass || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
         || ' valid=' || k.convalidated
  FROM pg_constraint k
  WHERE k.connamespace NOT IN (SELECT oid FROM sys)
  UNION ALL
  SELECT 'policy ' || p.polrelid::regclass || ' ' || p.polname || ' cmd=' || p.polcmd::text
         || ' permissive=' || p.polpermissive
         || ' roles=' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',')
                          FROM unnest(p.polroles) r)
         || ' using=' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
         || ' check=' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
  WHERE c.relnamespace NOT IN (SELECT oid FROM sys)
    AND NOT ((SELECT hide FROM f) AND p.polname LIKE 'switchboard\_%')
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal AND c.relnamespace NOT IN (SELECT oid FROM sys)
    AND NOT ((SELECT hide FROM f) AND t.tgname LIKE 'switchboard\_%')
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || ' owner=' || p.proowner::regrole
         || ' definer=' || p.prosecdef || ' volatile=' || p.provolatile::text
         || ' leakproof=' || p.proleakproof || ' cost=' || p.procost
         || ' config=' || coalesce(p.proconfig::text, '') || ' source=' || md5(p.prosrc)
         || ' acl=' || coalesce(p.proacl::text, '')
  FROM pg_proc p WHERE p.pronamespace NOT IN (SELECT oid FROM sys)
  UNION ALL
  SELECT 'type ' || t.oid::regtype || ' kind=' || t.typtype::text || ' owner=' || t.typowner::regrole
  FROM pg_type t WHERE t.typnamespace NOT IN (SELECT oid FROM sys)
  UNION ALL
  SELECT 'extension ' || extname || ' ' || extversion || ' in ' || extnamespace::regnamespace
  FROM pg_extension WHERE extnamespace NOT IN (SELECT oid FROM sys)
  UNION ALL
  SELECT 'default acl ' || d.defaclrole::regrole || ' ' || coalesce(d.defaclnamespace::regnamespace::text, '*')
         || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text
  FROM pg_default_acl d
  UNION ALL
  SELECT 'database ' || datname || ' owner=' || datdba::regrole || ' acl=' || coalesce(datacl::text, '')
  FROM pg_database WHERE datname = current_database()
  UNION ALL
  SELECT 'setting ' || coalesce(s.setrole::regrole::text, '*') || ' ' || s.setconfig::text
  FROM pg_db_role_setting s
  UNION ALL
  SELECT 'event trigger ' || evtname || ' ' || evtevent FROM pg_event_trigger
  UNION ALL
  SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || d.description
  FROM pg_description d
  WHERE d.objoid >= 16384
    AND NOT ((SELECT hide FROM f)
             AND (d.objoid IN (SELECT oid FROM pg_namespace WHERE nspname = 'switchboard')
                  OR d.objoid IN (SELECT e.oid FROM pg_extension e
                                  WHERE e.extnamespace IN (SELECT oid FROM sys))
                  OR d.objoid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n
                                  ON n.oid = c.relnamespace WHERE n.nspname = 'switchboard')))
) AS catalog
ORDER BY line
"#;
