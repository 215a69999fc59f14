//! Switchboard beside the web platform, on the platform's own database (issue #14; see
//! docs/POSTGRES.md, "On the web platform's database").
//!
//! The platform is built on Supabase: its `auth.uid()` reads the JWT claims PostgREST sets for
//! each web request and belongs to Supabase's `supabase_auth_admin`, its users are
//! `auth.users`, and the design's policies (no `TO` clause) call that `auth.uid()`. Switchboard
//! must not replace any of it. [`kind`] tells such a database from one of Switchboard's own;
//! [`install`] (what `db migrate` does there) puts what Switchboard needs beside the platform
//! (`migrations/platform/install.sql`: the schema `switchboard`, the group role, its own
//! identity from `session_user`, the change log, and on the platform's tables only grants,
//! `switchboard_*` policies for that role and `switchboard_*` triggers); [`revert`] removes it
//! (`revert.sql`). Managers are the platform's users: [`grant`] ties a login role to an
//! `auth.users` row, and the platform's memberships decide what it sees. [`audit`] counts,
//! per organization, the rows whose `credentials` hold a secret.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};
use switchboard_core::domain::{Credentials, Provider};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::ConnectSettings;
use crate::errors::from_sqlx;
use crate::grant::{GrantReport, check_role_name, ensure_login_role, quote_ident};

const INSTALL: &str = include_str!("../../../migrations/platform/install.sql");
const REVERT: &str = include_str!("../../../migrations/platform/revert.sql");

/// What kind of database this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// Switchboard's own (or an empty one): `migrations/` apply.
    Own,
    /// The web platform's: an `auth.uid()` that reads the request's JWT claims and belongs to
    /// another role, or Switchboard already installed beside it.
    Platform {
        /// Switchboard's schema is there.
        installed: bool,
    },
}

/// Tells the platform's database from Switchboard's own, changing nothing.
pub async fn kind(conn: &mut PgConnection, server: &str) -> Result<DatabaseKind> {
    let (platform_uid, installed): (bool, bool) = sqlx::query_as(
        "SELECT coalesce(p.prosrc LIKE '%request.jwt%'
                         AND p.proowner <> (SELECT r.oid FROM pg_catalog.pg_roles AS r
                                            WHERE r.rolname = current_user), false),
                to_regprocedure('switchboard.uid()') IS NOT NULL
         FROM (SELECT to_regprocedure('auth.uid()') AS oid) AS f
         LEFT JOIN pg_catalog.pg_proc AS p ON p.oid = f.oid",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| from_sqlx(server, e))?;
    Ok(if platform_uid || installed {
        DatabaseKind::Platform { installed }
    } else {
        DatabaseKind::Own
    })
}

/// A connection to the web platform's database, and whether Switchboard is installed
/// beside it; on any other database, bad input saying `why_not`.
async fn connect_to_platform(
    settings: &ConnectSettings,
    why_not: &str,
) -> Result<(PgConnection, bool)> {
    let mut conn = settings.connect_one().await?;
    match kind(&mut conn, settings.server()).await? {
        DatabaseKind::Platform { installed } => Ok((conn, installed)),
        DatabaseKind::Own => Err(Error::InvalidInput {
            field: "database".into(),
            reason: format!("is not the web platform's {why_not}"),
        }),
    }
}

/// What [`install`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installed {
    /// Switchboard was already installed beside the platform (the run changed nothing).
    pub already: bool,
}

/// The platform's objects Switchboard works with; [`install`] refuses to start without them.
const PLATFORM_TABLES: [&str; 5] = [
    "public.organizations",
    "public.user_organizations",
    "public.agents",
    "public.phone_numbers",
    "auth.users",
];

/// Installs Switchboard beside the platform, in one transaction (see the module
/// documentation). Connect as the platform's administrator, the owner of its tables.
pub async fn install(settings: &ConnectSettings) -> Result<Installed> {
    let (conn, installed) = connect_to_platform(
        settings,
        "(its auth.uid() does not read the request's JWT claims, or belongs to this role): `db \
         migrate` applies Switchboard's own migrations there",
    )
    .await?;
    install_on(conn, settings.server(), installed).await
}

/// [`install`] on a connection already known to be the platform's (`installed`: Switchboard is
/// there already); closes it.
pub(crate) async fn install_on(
    mut conn: PgConnection,
    server: &str,
    installed: bool,
) -> Result<Installed> {
    let map = |e| from_sqlx(server, e);
    let mut tx = conn.begin().await.map_err(map)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('switchboard platform install'))")
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NULL ORDER BY t",
    )
    .bind(PLATFORM_TABLES.as_slice())
    .fetch_all(&mut *tx)
    .await
    .map_err(map)?;
    if !missing.is_empty() {
        return Err(Error::Remote(format!(
            "this is the web platform's database, but it has no {}: Switchboard works with the \
             design's tables (../shared/design/phone_numbers_table.md); nothing was changed",
            missing.join(", ")
        )));
    }
    sqlx::raw_sql(INSTALL)
        .execute(&mut *tx)
        .await
        .map_err(|e| match from_sqlx(server, e) {
            Error::Remote(m) => Error::Remote(format!(
                "installing Switchboard beside the platform failed: {m}; nothing was changed"
            )),
            Error::NotAllowed(m) => Error::NotAllowed(format!(
                "cannot install Switchboard beside the platform: {m}. Run `switchboard-cli db \
                 migrate` as the platform's administrator (on Supabase, `postgres`), who owns \
                 its tables; nothing was changed"
            )),
            other => other,
        })?;
    tx.commit().await.map_err(map)?;
    let _ = conn.close().await;
    Ok(Installed { already: installed })
}

/// What [`revert`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reverted {
    /// Switchboard was installed (otherwise nothing was changed).
    pub was_installed: bool,
    /// Login roles `db grant` had created, dropped.
    pub dropped_roles: Vec<String>,
    /// Login roles that existed before `db grant`: they stay, without Switchboard's access.
    pub kept_roles: Vec<String>,
    /// The group role `switchboard_manager` was dropped (it stays when another database of
    /// the cluster still uses it).
    pub group_dropped: bool,
}

/// Removes what [`install`] and [`grant`] added, in one transaction, leaving the platform's
/// schema as it was.
pub async fn revert(settings: &ConnectSettings) -> Result<Reverted> {
    let server = settings.server().to_owned();
    let map = |e| from_sqlx(&server, e);
    let (mut conn, installed) =
        connect_to_platform(settings, ": there is nothing installed beside it to remove").await?;
    let mut report = Reverted {
        was_installed: installed,
        ..Reverted::default()
    };
    if !installed {
        return Ok(report);
    }
    let mut tx = conn.begin().await.map_err(map)?;
    let managers: Vec<(String, bool)> = sqlx::query_as(
        "SELECT m.role_name, m.role_created FROM switchboard.managers AS m
         WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r WHERE r.rolname = m.role_name)
         ORDER BY m.role_name",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(map)?;
    for (role, created) in managers {
        let quoted = quote_ident(&role);
        let sql = if created {
            format!("DROP ROLE {quoted}")
        } else {
            format!("REVOKE switchboard_manager FROM {quoted}")
        };
        if created {
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
                 WHERE usename = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&role)
            .execute(&mut *tx)
            .await
            .map_err(|e| match from_sqlx(&server, e) {
                Error::NotAllowed(m) => Error::NotAllowed(format!(
                    "cannot end the open sessions of {role} ({m}): close them, or run this as a \
                     superuser or a member of pg_signal_backend; nothing was changed"
                )),
                other => other,
            })?;
        }
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        if created {
            report.dropped_roles.push(role);
        } else {
            report.kept_roles.push(role);
        }
    }
    sqlx::raw_sql(REVERT).execute(&mut *tx).await.map_err(map)?;
    // Another database of the cluster may still use the group role: then it stays.
    sqlx::query("SAVEPOINT group_role")
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    match sqlx::query("DROP ROLE IF EXISTS switchboard_manager")
        .execute(&mut *tx)
        .await
    {
        Ok(_) => report.group_dropped = true,
        Err(_) => {
            sqlx::query("ROLLBACK TO SAVEPOINT group_role")
                .execute(&mut *tx)
                .await
                .map_err(map)?;
        }
    }
    tx.commit().await.map_err(map)?;
    let _ = conn.close().await;
    Ok(report)
}

/// Whom to grant on the platform's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformGrant {
    /// The manager's PostgreSQL login role.
    pub role: String,
    /// An organization's slug the platform user must be a member of (a check that the right
    /// user was named: the platform's memberships decide what the manager sees).
    pub organization: String,
    /// The platform user: an `auth.users` id, or an email.
    pub user: String,
}

/// Creates (or reuses) the login role `grant.role` and ties it to the platform user
/// `grant.user`, in one transaction. The password is asked (`password()`) only for a new role.
pub async fn grant(
    settings: &ConnectSettings,
    grant: &PlatformGrant,
    password: impl FnOnce() -> Result<String>,
) -> Result<GrantReport> {
    check_role_name(&grant.role)?;
    let server = settings.server().to_owned();
    let map = |e| from_sqlx(&server, e);
    let mut conn = settings.connect_one().await?;
    match kind(&mut conn, &server).await? {
        DatabaseKind::Platform { installed: true } => {}
        DatabaseKind::Platform { installed: false } => {
            return Err(Error::NotAllowed(
                "Switchboard is not installed beside the web platform on this database yet: \
                 run `switchboard-cli db migrate` first"
                    .into(),
            ));
        }
        DatabaseKind::Own => {
            return Err(Error::InvalidInput {
                field: "platform-user".into(),
                reason: "names a user of the web platform, but this database is Switchboard's \
                         own: grant without --platform-user"
                    .into(),
            });
        }
    }
    let mut tx = conn.begin().await.map_err(map)?;
    let by_id = Uuid::parse_str(grant.user.trim()).ok();
    let user: Option<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT u.id, u.email::text FROM auth.users AS u
         WHERE ($1::uuid IS NOT NULL AND u.id = $1)
            OR ($1::uuid IS NULL AND lower(u.email) = lower($2))",
    )
    .bind(by_id)
    .bind(grant.user.trim())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map)?;
    let Some((user_id, email)) = user else {
        return Err(Error::NotFound {
            kind: "platform user",
            key: grant.user.clone(),
        });
    };
    let organization: Option<(Uuid, bool)> = sqlx::query_as(
        "SELECT o.id, EXISTS (SELECT 1 FROM public.user_organizations AS uo
                              WHERE uo.organization_id = o.id AND uo.user_id = $2)
         FROM public.organizations AS o WHERE o.slug = $1",
    )
    .bind(&grant.organization)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map)?;
    match organization {
        None => {
            return Err(Error::NotFound {
                kind: "organization",
                key: grant.organization.clone(),
            });
        }
        Some((_, false)) => {
            return Err(Error::NotAllowed(format!(
                "platform user {} is not a member of {} on the web platform: memberships are \
                 the platform's (user_organizations), so add the user to the organization in \
                 the web app first; nothing was changed",
                email.as_deref().unwrap_or(&grant.user),
                grant.organization
            )));
        }
        Some(_) => {}
    }
    // The platform user the role works as now (`None` inside: it was revoked).
    let tied: Option<Option<Uuid>> =
        sqlx::query_scalar("SELECT user_id FROM switchboard.managers WHERE role_name = $1")
            .bind(&grant.role)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
    if tied.flatten().is_some_and(|other| other != user_id) {
        return Err(Error::NotAllowed(format!(
            "role {:?} already works as another platform user; revoke it first (`db revoke \
             --role {}`); nothing was changed",
            grant.role, grant.role
        )));
    }
    let (role_created, login_restored) = ensure_login_role(&mut tx, &grant.role, password)
        .await
        .map_err(|e| e.into_error(&server))?;
    sqlx::query(AssertSqlSafe(format!(
        "GRANT switchboard_manager TO {}",
        quote_ident(&grant.role)
    )))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    sqlx::query(
        "INSERT INTO switchboard.managers (role_name, user_id, role_created) VALUES ($1, $2, $3)
         ON CONFLICT (role_name) DO UPDATE SET user_id = excluded.user_id
         WHERE managers.user_id IS NULL",
    )
    .bind(&grant.role)
    .bind(user_id)
    .bind(role_created)
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    tx.commit().await.map_err(map)?;
    let _ = conn.close().await;
    Ok(GrantReport {
        role_created,
        membership_added: tied.flatten() != Some(user_id),
        login_restored,
    })
}

/// One organization's line of [`audit`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditLine {
    /// The organization's slug.
    pub organization: String,
    /// Its numbers.
    pub numbers: u64,
    /// Those whose `credentials` hold a secret (core's [`Credentials::is_secret_key`]).
    pub with_secret: u64,
    /// The secret keys found, each with how many rows hold it (names only, never values).
    pub keys: BTreeMap<String, u64>,
}

/// Counts, per organization, the numbers whose `credentials` hold a secret: only key names
/// leave the server, never values. Needs a role that row-level security does not bind (the
/// platform's administrator), or it would count only what that role may see.
pub async fn audit(settings: &ConnectSettings) -> Result<Vec<AuditLine>> {
    let server = settings.server().to_owned();
    let map = |e| from_sqlx(&server, e);
    let mut conn = settings.connect_one().await?;
    let unbound: bool = sqlx::query_scalar(
        "SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(map)?;
    if !unbound {
        return Err(Error::NotAllowed(
            "`db audit` counts every organization's rows: connect as the administrator (a \
             superuser or a BYPASSRLS role such as the platform's postgres)"
                .into(),
        ));
    }
    // Rows grouped by their set of key names: few groups, whatever the row count.
    let groups = sqlx::query(
        "SELECT o.slug::text, p.provider::text,
                ARRAY(SELECT k FROM jsonb_object_keys(
                        CASE WHEN jsonb_typeof(p.credentials) = 'object'
                             THEN p.credentials ELSE '{}' END) AS k ORDER BY k),
                count(p.id)
         FROM public.organizations AS o
         LEFT JOIN public.phone_numbers AS p ON p.organization_id = o.id
         GROUP BY 1, 2, 3",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(map)?;
    let mut lines: BTreeMap<String, AuditLine> = BTreeMap::new();
    for row in groups {
        let slug: String = row.try_get(0).map_err(map)?;
        let provider: Option<String> = row.try_get(1).map_err(map)?;
        let keys: Vec<String> = row.try_get(2).map_err(map)?;
        let count: i64 = row.try_get(3).map_err(map)?;
        let count = u64::try_from(count).unwrap_or_default();
        let line = lines.entry(slug.clone()).or_insert_with(|| AuditLine {
            organization: slug,
            ..AuditLine::default()
        });
        let Some(provider) = provider else {
            continue; // an organization without numbers
        };
        line.numbers += count;
        let secret: Vec<&String> = keys.iter().filter(|k| is_secret(&provider, k)).collect();
        if !secret.is_empty() {
            line.with_secret += count;
        }
        for k in secret {
            *line.keys.entry(k.clone()).or_default() += count;
        }
    }
    let _ = conn.close().await;
    Ok(lines.into_values().collect())
}

/// Core's rule for a provider Switchboard knows; for any other, a key is a secret under every
/// provider's rule (no provider's identifier keys exempt it).
fn is_secret(provider: &str, key: &str) -> bool {
    match provider.parse::<Provider>() {
        Ok(p) => Credentials::is_secret_key(p, key),
        Err(_) => Provider::ALL
            .iter()
            .all(|p| Credentials::is_secret_key(*p, key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_follow_core_for_known_and_unknown_providers() {
        assert!(is_secret("twilio", "authToken"));
        assert!(!is_secret("twilio", "accountSid"));
        assert!(!is_secret("twilio", "authTokenRef"));
        assert!(is_secret("sinch", "apiSecret"));
        assert!(!is_secret("sinch", "accountSid"));
    }
}
