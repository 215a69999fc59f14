//! An administrator's actions on the team database (`switchboard-cli db …`), each returning
//! what it did as one report: apply the migrations and name the rows that still break a
//! check, grant a manager's login role an organization, take it away, prune the change log.

use std::time::Duration;

use serde::Serialize;
use switchboard_core::Result;
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, Revoke, grant, revoke};
use switchboard_postgres::row_checks::{BrokenRow, broken_rows};

/// A migration applied now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// `20251009110255`.
    pub version: i64,
    /// `create phone numbers table`.
    pub description: String,
}

/// What `db migrate` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Migrated {
    /// The migrations applied now, oldest first (none: the schema was up to date).
    pub applied: Vec<Applied>,
    /// The rows breaking a check that stays `NOT VALID` until they are fixed.
    pub broken_rows: Vec<BrokenRow>,
}

/// Applies the migrations, then validates the checks every row passes and lists the rows
/// behind the others.
pub async fn migrate(settings: &ConnectSettings) -> Result<Migrated> {
    let applied = switchboard_postgres::migrate::migrate(settings).await?;
    Ok(Migrated {
        applied: (applied.into_iter())
            .map(|m| Applied {
                version: m.version,
                description: m.description,
            })
            .collect(),
        broken_rows: broken_rows(settings).await?,
    })
}

/// What `db grant` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Granted {
    /// The manager's login role.
    pub role: String,
    /// The organization's slug.
    pub organization: String,
    /// The login role did not exist and was created.
    pub role_created: bool,
    /// The role was not yet a member of the organization.
    pub membership_added: bool,
    /// The role could not log in (after a full revoke) and may again.
    pub login_restored: bool,
}

/// Grants `request.role` access to `request.organization`, creating the role with the
/// password `password()` returns (called only then).
pub async fn grant_role(
    settings: &ConnectSettings,
    request: Grant,
    password: impl FnOnce() -> Result<String>,
) -> Result<Granted> {
    let report = grant(settings, &request, password).await?;
    Ok(Granted {
        role: request.role,
        organization: request.organization,
        role_created: report.role_created,
        membership_added: report.membership_added,
        login_restored: report.login_restored,
    })
}

/// What `db revoke` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    /// The manager's login role.
    pub role: String,
    /// The one organization taken away; `None`: every organization, and the login.
    pub organization: Option<String>,
    /// The organizations the role was removed from (empty: it was in none of them).
    pub removed_from: Vec<String>,
    /// The role may no longer log in.
    pub login_disabled: bool,
    /// How many of the role's open sessions were ended.
    pub sessions_ended: u64,
}

/// Takes `request.organization` (every organization and the login, without one) away from
/// `request.role`.
pub async fn revoke_role(settings: &ConnectSettings, request: Revoke) -> Result<Revoked> {
    let report = revoke(settings, &request).await?;
    Ok(Revoked {
        role: request.role,
        organization: request.organization,
        removed_from: report.removed_from,
        login_disabled: report.login_disabled,
        sessions_ended: report.sessions_ended,
    })
}

/// What `db prune-changes` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// How many change-log entries were deleted.
    pub pruned: u64,
    /// The days kept.
    pub keep_days: u32,
}

/// Deletes the change-log entries older than `keep_days` days.
pub async fn prune_changes(settings: &ConnectSettings, keep_days: u32) -> Result<Pruned> {
    let keep = Duration::from_secs(u64::from(keep_days) * 86_400);
    Ok(Pruned {
        pruned: switchboard_postgres::change_log::prune(settings, keep).await?,
        keep_days,
    })
}
