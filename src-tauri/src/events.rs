//! The events the app emits to the window: their names and payloads, in one leaf module that
//! every command module may use.

use tauri::{AppHandle, Emitter, Runtime};

use crate::dto::NumbersChanged;

/// Event announcing that another workspace was opened (payload: [`crate::dto::WorkspaceInfo`]).
pub const WORKSPACE_CHANGED: &str = "workspace://changed";

/// Event name announcing that numbers of an organization changed.
pub fn numbers_changed_event(organization_id: &str) -> String {
    format!("numbers://{organization_id}/changed")
}

/// Event name announcing that a background refresh added or completed usage records of an
/// organization (no payload): an open usage view and detail panel read their figures again.
pub fn usage_changed_event(organization_id: &str) -> String {
    format!("usage://{organization_id}/changed")
}

/// Event telling the manager something at once (payload: `switchboard_ops::alerts::Alert`,
/// sent by `crate::alerts::raise`).
pub const ALERT: &str = "alerts://raised";

/// Event name announcing that the list of organizations changed.
pub const ORGANIZATIONS_CHANGED: &str = "organizations://changed";

/// Announces that numbers of `organization_id` changed (`ids`: which; empty: any).
pub(crate) fn announce<R: Runtime>(app: &AppHandle<R>, organization_id: &str, ids: Vec<String>) {
    let payload = NumbersChanged {
        organization_id: organization_id.to_owned(),
        ids,
    };
    if let Err(e) = app.emit(&numbers_changed_event(organization_id), payload) {
        tracing::warn!(error = %e, "could not emit numbers changed");
    }
}
