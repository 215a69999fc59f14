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

    let existing: Option<(bool, bool)> =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = $1")
            .bind(&grant.role)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
    let quoted = quote_ident(&grant.role);
    let role_created = match existing {
        Some((true, _)) | Some((_, true)) => {
            return Err(Error::NotAllowed(format!(
                "role {:?} is a superuser or has BYPASSRLS: row-level security does not bind \
                 it, so Switchboard will not work as it; grant another role",
                grant.role
            )));
        }
        Some(_) => false,
        None => {
            let password = password()?;
            if password.is_empty() {
                return Err(Error::InvalidInput {
                    field: "password".into(),
                    reason: "is empty".into(),
                });
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
            .map_err(map)?;
            true
        }
    };
    sqlx::query(AssertSqlSafe(format!(
        "GRANT switchboard_manager TO {quoted}"
    )))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    sqlx::query(
        "INSERT INTO users (role_name, display_name) VALUES ($1, $2)
         ON CONFLICT (role_name) DO NOTHING",
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
    })
}

/// `name` as a double-quoted SQL identifier.
fn quote_ident(name: &str) -> String {
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
