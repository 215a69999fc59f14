//! An administrator's actions on the team database (`switchboard-cli db …`), each returning
//! what it did as one report: apply the migrations and name the rows that still break a
//! check, grant a manager's login role an organization, take it away, prune the change log;
//! and on the web platform's database (see `switchboard_postgres::platform`), install beside it,
//! grant a platform user's manager, remove what was installed, audit the secrets it holds.

use std::time::Duration;

use serde::Serialize;
use switchboard_core::Result;
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, Revoke, grant, revoke};
use switchboard_postgres::migrate::{Migrated as Kind, MigrationName, migrate_any};
use switchboard_postgres::platform::{self, PlatformGrant};
use switchboard_postgres::row_checks::{BrokenRow, broken_rows};

/// What `db migrate` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Migrated {
    /// The migrations applied now, oldest first (none: the schema was up to date).
    pub applied: Vec<MigrationName>,
    /// The rows breaking a check that stays `NOT VALID` until they are fixed.
    pub broken_rows: Vec<BrokenRow>,
    /// On the web platform's database: Switchboard was installed beside it now (`false`), or
    /// already was (`true`). Absent on a database of Switchboard's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beside_platform_already: Option<bool>,
}

/// Applies the migrations, then validates the checks every row passes and lists the rows
/// behind the others; on the web platform's database, installs Switchboard beside it instead.
pub async fn migrate(settings: &ConnectSettings) -> Result<Migrated> {
    let applied = match migrate_any(settings).await? {
        Kind::BesidePlatform(installed) => {
            return Ok(Migrated {
                applied: Vec::new(),
                broken_rows: Vec::new(),
                beside_platform_already: Some(installed.already),
            });
        }
        Kind::Own(applied) => applied,
    };
    Ok(Migrated {
        applied,
        broken_rows: broken_rows(settings).await?,
        beside_platform_already: None,
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
/// password `password()` returns (called only then). With `platform_user` (the web platform's
/// database), ties the role to that platform user instead, whose memberships decide.
pub async fn grant_role(
    settings: &ConnectSettings,
    request: Grant,
    platform_user: Option<String>,
    password: impl FnOnce() -> Result<String>,
) -> Result<Granted> {
    let report = match platform_user {
        None => grant(settings, &request, password).await?,
        Some(user) => {
            let on_platform = PlatformGrant {
                role: request.role.clone(),
                organization: request.organization.clone(),
                user,
            };
            platform::grant(settings, &on_platform, password).await?
        }
    };
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

pub use switchboard_postgres::platform::{AuditLine, Reverted as RevertedPlatform};

/// Removes what `db migrate` installed beside the web platform, and the login roles `db
/// grant` created there.
pub async fn revert_platform(settings: &ConnectSettings) -> Result<RevertedPlatform> {
    platform::revert(settings).await
}

/// What the design recommends instead of a secret in `credentials`.
pub const AUDIT_ADVICE: &str = "keep each secret in a vault (Supabase Vault, or each \
    manager's OS credential vault through Switchboard) and store only a reference in \
    credentials, such as {\"accountSid\": \"AC…\", \"authTokenRef\": \"…\"}";

/// `db audit`: per organization, how many numbers hold a secret in `credentials`.
pub async fn audit(settings: &ConnectSettings) -> Result<Vec<AuditLine>> {
    platform::audit(settings).await
}
