//! Giving a manager access to an organization: `switchboard-cli db grant --role ROLE --org
//! SLUG`, run by an administrator. The SQL is docs/POSTGRES.md's ("Granting a manager
//! access"), in one transaction:
//!
//! 1. the organization must exist (by slug);
//! 2. the login role is created when missing — `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
//!    NOREPLICATION NOBYPASSRLS INHERIT` — with a SCRAM-SHA-256 verifier computed here, so the
//!    password reaches neither the server nor its logs; an existing role keeps its password,
//!    and one that RLS would not bind (superuser, BYPASSRLS) is refused;
//! 3. the role is granted `switchboard_manager`, gets a `users` row and joins the
//!    organization (`user_organizations`).
//!
//! Taking access away: `switchboard-cli db revoke --role ROLE [--org SLUG]` ([`revoke`]), also
//! one transaction. With an organization, that one membership is deleted. Without, every
//! membership is deleted, the role becomes `NOLOGIN` and its open sessions are ended
//! (`pg_terminate_backend`, before the commit, so an administrator who may not end them gets
//! an error and nothing changes; and again after it, for a session that logged in meanwhile).
//! The `users` row and the role stay: `db grant` gives access back (and `LOGIN` with it).
//! An unknown role or organization, and a role that is not a Switchboard manager (not a member
//! of `switchboard_manager`, or a superuser), are refused and nothing changes.
//!
//! Role names are checked (`^[a-z_][a-z0-9_]{0,62}$`) and quoted as identifiers; everything
//! else is bound.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Connection};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::ConnectSettings;
use crate::errors::from_sqlx;
use crate::platform::{self, DatabaseKind};

/// What to grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The manager's PostgreSQL login role.
    pub role: String,
    /// The organization's slug.
    pub organization: String,
    /// Shown in `users.display_name` for a new user (the role name when absent).
    pub display_name: Option<String>,
}

/// What a grant changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantReport {
    /// The login role did not exist and was created.
    pub role_created: bool,
    /// The role was not yet a member of the organization.
    pub membership_added: bool,
    /// The role existed without `LOGIN` (after a full [`revoke`]) and may log in again.
    pub login_restored: bool,
}

/// What to take away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    /// The manager's PostgreSQL login role.
    pub role: String,
    /// One organization's slug; `None`: every membership, and the login.
    pub organization: Option<String>,
}

/// What a revoke changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeReport {
    /// The slugs of the organizations the role was removed from (empty: it was in none of
    /// them).
    pub removed_from: Vec<String>,
    /// The role may no longer log in (a full revoke).
    pub login_disabled: bool,
    /// How many of the role's open sessions were ended.
    pub sessions_ended: u64,
}

/// SCRAM's iteration count, PostgreSQL's default.
const SCRAM_ITERATIONS: u32 = 4096;

/// Checks a role name: lowercase letters, digits and `_`, not starting with a digit, at most
/// 63 bytes, not `pg_*` (reserved) and not `switchboard_manager`.
pub fn check_role_name(role: &str) -> Result<()> {
    let bad = |reason: &str| Error::InvalidInput {
        field: "role".into(),
        reason: format!("{role:?} {reason}"),
    };
    let mut bytes = role.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    if !first_ok
        || role.len() > 63
        || !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(bad(
            "must be 1-63 lowercase letters, digits or _, not starting with a digit",
        ));
    }
    if role.starts_with("pg_") || role == "switchboard_manager" || role == "public" {
        return Err(bad("is reserved"));
    }
    Ok(())
}

/// Grants `grant.role` access to `grant.organization`, creating the role when it does not
/// exist with the password `password()` returns (called only then).
pub async fn grant(
    settings: &ConnectSettings,
    grant: &Grant,
    password: impl FnOnce() -> Result<String>,
) -> Result<GrantReport> {
    check_role_name(&grant.role)?;
    let server = settings.server().to_owned();
    let map = |e| from_sqlx(&server, e);
    let mut conn = settings.connect_one().await?;
    let mut tx = conn.begin().await.map_err(map)?;
    if let DatabaseKind::Platform { .. } = platform::kind(&mut tx, &server).await? {
        return Err(Error::InvalidInput {
            field: "platform-user".into(),
            reason: "must be given on the web platform's database, where managers are the \
                     platform's users (auth.users) and its memberships decide what they see: \
                     name the user this role works as with --platform-user ID|EMAIL; nothing \
                     was changed"
                .into(),
        });
    }

    let organization: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM organizations WHERE slug = $1")
            .bind(&grant.organization)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
    let Some(organization) = organization else {
        return Err(Error::NotFound {
            kind: "organization",
            key: grant.organization.clone(),
        });
    };

    let (role_created, login_restored) = ensure_login_role(&mut tx, &grant.role, password)
        .await
        .map_err(|e| e.into_error(&server))?;
    let quoted = quote_ident(&grant.role);
    sqlx::query(AssertSqlSafe(format!(
        "GRANT switchboard_manager TO {quoted}"
    )))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    sqlx::query(
        "INSERT INTO users (role_name, display_name) VALUES ($1, $2)
         ON CONFLICT ((role_name || '')) DO NOTHING",
    )
    .bind(&grant.role)
    .bind(grant.display_name.as_deref().unwrap_or(&grant.role))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    let added = sqlx::query(
        "INSERT INTO user_organizations (user_id, organization_id)
         SELECT u.id, $2 FROM users AS u WHERE u.role_name = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(&grant.role)
    .bind(organization)
    .execute(&mut *tx)
    .await
    .map_err(map)?
    .rows_affected();
    tx.commit().await.map_err(map)?;
    let _ = conn.close().await;
    Ok(GrantReport {
        role_created,
        membership_added: added > 0,
        login_restored,
    })
}

/// What [`ensure_login_role`] failed on.
pub(crate) enum RoleError {
    /// The server refused.
    Sql(sqlx::Error),
    /// Ours (the role may not be a manager, or the password is unusable).
    Refused(Error),
}

impl RoleError {
    pub(crate) fn into_error(self, server: &str) -> Error {
        match self {
            RoleError::Sql(e) => from_sqlx(server, e),
            RoleError::Refused(e) => e,
        }
    }
}

impl From<Error> for RoleError {
    fn from(e: Error) -> Self {
        RoleError::Refused(e)
    }
}

/// Creates the login role `role` when it does not exist (with the password `password()`
/// returns, called only then), lets it log in again when a full [`revoke`] took that away, and
/// refuses a role that row-level security would not bind. Returns (created, login restored).
pub(crate) async fn ensure_login_role(
    tx: &mut sqlx::PgConnection,
    role: &str,
    password: impl FnOnce() -> Result<String>,
) -> std::result::Result<(bool, bool), RoleError> {
    let existing: Option<(bool, bool, bool)> = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1",
    )
    .bind(role)
    .fetch_optional(&mut *tx)
    .await
    .map_err(RoleError::Sql)?;
    let quoted = quote_ident(role);
    let login_restored = matches!(existing, Some((false, false, false)));
    let role_created = match existing {
        Some((true, _, _)) | Some((_, true, _)) => {
            return Err(Error::NotAllowed(format!(
                "role {role:?} is a superuser or has BYPASSRLS: row-level security does not \
                 bind it, so Switchboard will not work as it; grant another role"
            ))
            .into());
        }
        Some(_) => false,
        None => {
            let password = password()?;
            if password.is_empty() {
                return Err(Error::InvalidInput {
                    field: "password".into(),
                    reason: "is empty".into(),
                }
                .into());
            }
            let verifier = scram_verifier(&password, Uuid::new_v4().as_bytes())?;
            drop(password);
            // CREATE ROLE takes no bind parameters. The name is checked and quoted; the
            // verifier is base64 and `$:` only.
            sqlx::query(AssertSqlSafe(format!(
                "CREATE ROLE {quoted} LOGIN PASSWORD '{verifier}' \
                 NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
            )))
            .execute(&mut *tx)
            .await
            .map_err(RoleError::Sql)?;
            true
        }
    };
    if login_restored {
        sqlx::query(AssertSqlSafe(format!("ALTER ROLE {quoted} LOGIN")))
            .execute(&mut *tx)
            .await
            .map_err(RoleError::Sql)?;
    }
    Ok((role_created, login_restored))
}

/// Takes `revoke.organization` away from `revoke.role`, or, without an organization, every
/// membership and the login (see the module documentation).
pub async fn revoke(settings: &ConnectSettings, revoke: &Revoke) -> Result<RevokeReport> {
    check_role_name(&revoke.role)?;
    let server = settings.server().to_owned();
    let map = |e| from_sqlx(&server, e);
    let mut conn = settings.connect_one().await?;
    let mut tx = conn.begin().await.map_err(map)?;

    let role: Option<(bool, bool, bool)> = sqlx::query_as(
        "SELECT r.rolsuper,
                pg_has_role(r.oid, 'switchboard_manager', 'MEMBER'),
                r.rolname = session_user
         FROM pg_catalog.pg_roles AS r WHERE r.rolname = $1",
    )
    .bind(&revoke.role)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map)?;
    let not_a_manager = |why: &str| {
        Err(Error::NotAllowed(format!(
            "role {:?} {why}: `db revoke` only takes access away from managers (roles `db \
             grant` made members of switchboard_manager); nothing was changed",
            revoke.role
        )))
    };
    match role {
        None => {
            return Err(Error::NotFound {
                kind: "role",
                key: revoke.role.clone(),
            });
        }
        Some((true, _, _)) => return not_a_manager("is a superuser"),
        Some((_, false, _)) => return not_a_manager("is not a member of switchboard_manager"),
        Some((_, _, true)) if revoke.organization.is_none() => {
            return not_a_manager("is the role this command is connected as");
        }
        Some(_) => {}
    }

    if let Some(slug) = &revoke.organization {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE slug = $1)")
                .bind(slug)
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
        if !exists {
            return Err(Error::NotFound {
                kind: "organization",
                key: slug.clone(),
            });
        }
    }
    let on_platform = matches!(
        platform::kind(&mut tx, &server).await?,
        DatabaseKind::Platform { .. }
    );
    if on_platform && let Some(slug) = &revoke.organization {
        return Err(Error::NotAllowed(format!(
            "on the web platform's database the platform's memberships decide what {:?} sees: \
             remove its user from {slug} in the web app, or take all access away with `db \
             revoke --role {}` (without --org); nothing was changed",
            revoke.role, revoke.role
        )));
    }
    // Every membership of the role, or only the one of `--org`. On the platform's database,
    // the tie to the platform user goes (the memberships are the platform's): the report
    // names that user's organizations.
    let removed_from: Vec<String> = if on_platform {
        sqlx::query_scalar(
            // The row stays, untied: `db migrate --revert-platform` still drops a role that
            // `db grant` created.
            "WITH gone AS (SELECT m.user_id FROM switchboard.managers AS m
                           WHERE m.role_name = $1 FOR UPDATE),
                  untied AS (UPDATE switchboard.managers SET user_id = NULL
                             WHERE role_name = $1)
             SELECT o.slug::text FROM gone
             JOIN public.user_organizations AS uo ON uo.user_id = gone.user_id
             JOIN public.organizations AS o ON o.id = uo.organization_id",
        )
        .bind(&revoke.role)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
    } else {
        sqlx::query_scalar(
            "DELETE FROM user_organizations AS m
         USING users AS u, organizations AS o
         WHERE m.user_id = u.id AND u.role_name = $1 AND m.organization_id = o.id
           AND ($2::text IS NULL OR o.slug = $2)
         RETURNING o.slug::text",
        )
        .bind(&revoke.role)
        .bind(revoke.organization.as_deref())
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
    };

    let full = revoke.organization.is_none();
    let mut sessions_ended = 0;
    if full {
        let quoted = quote_ident(&revoke.role);
        sqlx::query(AssertSqlSafe(format!("ALTER ROLE {quoted} NOLOGIN")))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        // In the transaction: an administrator who may not end the sessions gets the
        // server's refusal and nothing is changed.
        sessions_ended += end_sessions(&mut tx, &revoke.role).await.map_err(map)?;
    }
    tx.commit().await.map_err(map)?;
    if full {
        // A session that logged in before the commit made the role NOLOGIN.
        sessions_ended += end_sessions(&mut conn, &revoke.role).await.map_err(map)?;
    }
    let _ = conn.close().await;
    let mut removed_from = removed_from;
    removed_from.sort();
    Ok(RevokeReport {
        removed_from,
        login_disabled: full,
        sessions_ended,
    })
}

/// Ends every session of `role` but this one; returns how many.
async fn end_sessions(conn: &mut sqlx::PgConnection, role: &str) -> sqlx::Result<u64> {
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
         FROM pg_catalog.pg_stat_activity
         WHERE usename = $1 AND pid <> pg_backend_pid()",
    )
    .bind(role)
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(ended).unwrap_or_default())
}

/// `name` as a double-quoted SQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802/7677, as `\password` and
/// libpq's `PQencryptPasswordConn` compute it):
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
pub fn scram_verifier(password: &str, salt: &[u8]) -> Result<String> {
    // The server and clients (sqlx too) SASLprep the password; a password that is not valid
    // for SASLprep is used as it is, as PostgreSQL does.
    let prepared = stringprep::saslprep(password)
        .map(|p| p.into_owned())
        .unwrap_or_else(|_| password.to_owned());
    let salted = hi(prepared.as_bytes(), salt, SCRAM_ITERATIONS)?;
    let client_key = hmac(&salted, b"Client Key")?;
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac(&salted, b"Server Key")?;
    Ok(format!(
        "SCRAM-SHA-256${SCRAM_ITERATIONS}:{}${}:{}",
        BASE64.encode(salt),
        BASE64.encode(stored_key),
        BASE64.encode(server_key)
    ))
}

fn hmac(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|e| Error::Remote(format!("HMAC: {e}")))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// PBKDF2-HMAC-SHA-256 with one block: SCRAM's Hi().
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> Result<Vec<u8>> {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(password, &first)?;
    let mut out = u.clone();
    for _ in 1..iterations {
        u = hmac(password, &u)?;
        for (o, x) in out.iter_mut().zip(&u) {
            *o ^= x;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_checked() {
        for good in ["alice", "_svc", "m2", "a_b_c"] {
            assert!(check_role_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Alice",
            "2x",
            "a-b",
            "a b",
            "x\"; DROP",
            "pg_monitor",
            "switchboard_manager",
        ] {
            assert!(check_role_name(bad).is_err(), "{bad}");
        }
        assert!(check_role_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn scram_verifier_matches_rfc_7677() {
        // RFC 7677's example: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==,
        // 4096 iterations; its ServerSignature checks ServerKey, and ClientProof StoredKey.
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let verifier = scram_verifier("pencil", &salt).unwrap();
        let salted = hi(b"pencil", &salt, 4096).unwrap();
        let client_key = hmac(&salted, b"Client Key").unwrap();
        let auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,\
            r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,\
            c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let server_key = hmac(&salted, b"Server Key").unwrap();
        let server_signature = hmac(&server_key, auth_message.as_bytes()).unwrap();
        assert_eq!(
            BASE64.encode(server_signature),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let stored_key = Sha256::digest(&client_key);
        let client_signature = hmac(&stored_key, auth_message.as_bytes()).unwrap();
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        assert_eq!(
            BASE64.encode(proof),
            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            verifier,
            format!(
                "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==${}:{}",
                BASE64.encode(stored_key),
                BASE64.encode(server_key)
            )
        );
    }
}
