//! Applying `migrations/` to the team database: the administrator's explicit action
//! (`switchboard-cli db migrate`), never a side effect of connecting.
//!
//! The migrations are embedded at build time (see `build.rs`) and applied with sqlx's
//! migrator: each file in one transaction, in version order, recorded with its checksum in
//! `_sqlx_migrations`, under an advisory lock so two administrators cannot interleave. A file
//! changed after it was applied is refused, not re-run.

use std::borrow::Cow;

use sqlx::{Connection, SqlStr};
use sqlx_core::migrate::{Migration, MigrationType, Migrator};
use switchboard_core::{Error, Result};

use crate::ConnectSettings;
use crate::platform::{self, DatabaseKind};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// A migration, by version and description.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationName {
    /// `20251009110255`.
    pub version: i64,
    /// `create phone numbers table`.
    pub description: String,
}

/// Every migration this build carries, oldest first.
pub fn embedded() -> Vec<MigrationName> {
    MIGRATIONS
        .iter()
        .map(|(version, description, _)| MigrationName {
            version: *version,
            description: (*description).to_owned(),
        })
        .collect()
}

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    SqlStr::from_static(sql),
                    false,
                )
            })
            .collect(),
    )
}

/// Applies the migrations not applied yet; returns those it applied (none when the database
/// is current). Connect as a role that may create tables, roles and policies.
///
/// The web platform's database (see [`crate::platform`]) is refused before anything runs:
/// these migrations replace its `auth.uid()` and policies. [`migrate_any`] installs beside it.
pub async fn migrate(settings: &ConnectSettings) -> Result<Vec<MigrationName>> {
    let server = settings.server().to_owned();
    let mut conn = settings.connect_one().await?;
    if let DatabaseKind::Platform { .. } = platform::kind(&mut conn, &server).await? {
        return Err(Error::InvalidInput {
            field: "database".into(),
            reason: "is the web platform's: Switchboard's own migrations would replace its \
                     auth.uid() and policies; `switchboard-cli db migrate` installs beside it \
                     instead"
                .into(),
        });
    }
    let applied_now = apply(&mut conn, &server).await;
    let _ = conn.close().await;
    applied_now
}

/// Runs the migrations not applied yet on `conn`; returns those it applied.
async fn apply(conn: &mut sqlx::PgConnection, server: &str) -> Result<Vec<MigrationName>> {
    let before = applied(conn, server).await?;
    migrator()
        .run_direct(None, conn, false)
        .await
        .map_err(|e| match e {
            sqlx_core::migrate::MigrateError::Execute(inner)
            | sqlx_core::migrate::MigrateError::ExecuteMigration(inner, _) => {
                match crate::errors::from_sqlx(server, inner) {
                    Error::Remote(message) => Error::Remote(format!("migration failed: {message}")),
                    other => other,
                }
            }
            other => Error::Remote(format!("migration failed: {other}")),
        })?;
    let after = applied(conn, server).await?;
    Ok(embedded()
        .into_iter()
        .filter(|m| after.contains(&m.version) && !before.contains(&m.version))
        .collect())
}

/// What `switchboard-cli db migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migrated {
    /// Switchboard's own database: the migrations applied now (none when it was current).
    Own(Vec<MigrationName>),
    /// The web platform's database: Switchboard installed beside it ([`platform::install`]).
    BesidePlatform(platform::Installed),
}

/// `db migrate`: Switchboard's migrations on a database of its own, or, on the web platform's,
/// what Switchboard needs installed beside the platform.
pub async fn migrate_any(settings: &ConnectSettings) -> Result<Migrated> {
    let server = settings.server();
    let mut conn = settings.connect_one().await?;
    match platform::kind(&mut conn, server).await? {
        DatabaseKind::Own => {
            let applied_now = apply(&mut conn, server).await;
            let _ = conn.close().await;
            applied_now.map(Migrated::Own)
        }
        DatabaseKind::Platform { installed } => platform::install_on(conn, server, installed)
            .await
            .map(Migrated::BesidePlatform),
    }
}

/// Versions recorded in `_sqlx_migrations` (none when it does not exist).
async fn applied(conn: &mut sqlx::PgConnection, server: &str) -> Result<Vec<i64>> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| crate::errors::from_sqlx(server, e))?;
    if !exists {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| crate::errors::from_sqlx(server, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_is_embedded_in_order() {
        let names = embedded();
        assert!(names.len() >= 5, "{names:?}");
        assert!(names.windows(2).all(|w| w[0].version < w[1].version));
        assert!(
            names
                .iter()
                .any(|m| m.version == 20251009110255
                    && m.description == "create phone numbers table")
        );
    }
}
