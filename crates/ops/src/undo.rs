//! Undoing a manager's last edit or removal of a number, defined once for every shell and
//! store.
//!
//! An edit's undo is the change that puts the fields the edit changed back to their values
//! before it (metadata replaced whole, not merged), made only while the number is still as the
//! edit left it. A removal's undo puts the number back as it was: the same id, organization
//! and columns (`updated_at` stamped now, so every cache's next sync copies it), through
//! [`Inventory::restore_number`]: under row-level security on the team database, through the
//! outbox on a team workspace's cache offline, like any add. When someone changed the number
//! since the edit, or its number was added again since the removal, the undo is refused with
//! why and nothing changes.
//!
//! Only a shell with a session keeps an undo (the desktop app, until it closes); the CLI has
//! none.

use switchboard_core::domain::{NumberUpdate, PhoneNumber};
use switchboard_core::store::NumberRef;
use switchboard_core::{Error, ErrorCode, Result};
use uuid::Uuid;

use crate::{Inventory, Written, actions};

/// What undoing a manager's last edit or removal puts back.
#[derive(Debug, Clone, PartialEq)]
// One is kept at a time (the last edit's): boxing would save nothing worth the indirection.
#[allow(clippy::large_enum_variant)]
pub enum Undo {
    /// An edit: the number before it and as the edit left it.
    Edit {
        /// Before the edit.
        before: PhoneNumber,
        /// As the edit left it.
        after: PhoneNumber,
    },
    /// A removal: the number as it was.
    Removal {
        /// As it was when removed.
        removed: PhoneNumber,
    },
}

impl Undo {
    /// The undo of an edit from the number before it to `after`; `None` when the edit changed
    /// nothing (there is nothing to undo).
    pub fn of_edit(before: PhoneNumber, after: PhoneNumber) -> Option<Undo> {
        (!same_content(&before, &after)).then_some(Undo::Edit { before, after })
    }

    /// The undo of a removal of `removed`.
    pub fn of_removal(removed: PhoneNumber) -> Undo {
        Undo::Removal { removed }
    }

    /// The number the undo is about (as the edit left it, or as it was removed).
    pub fn number(&self) -> &PhoneNumber {
        match self {
            Undo::Edit { after, .. } => after,
            Undo::Removal { removed } => removed,
        }
    }
}

/// True when two versions of a number hold the same values (`updated_at` aside: it says when,
/// not what).
fn same_content(a: &PhoneNumber, b: &PhoneNumber) -> bool {
    PhoneNumber {
        updated_at: b.updated_at,
        ..a.clone()
    } == *b
}

fn refused(reason: String) -> Error {
    Error::InvalidInput {
        field: "undo".into(),
        reason,
    }
}

/// The change that takes `after` back to `before`: each field the edit changed, set to its
/// value before (metadata whole). Refused when no change can give `before` exactly (a
/// verification time cannot be cleared, the id, number or organization cannot change).
pub fn reverse_change(before: &PhoneNumber, after: &PhoneNumber) -> Result<NumberUpdate> {
    let mut change = NumberUpdate::default();
    if before.friendly_name != after.friendly_name {
        change.friendly_name = Some(before.friendly_name.clone());
    }
    if before.status != after.status {
        change.status = Some(before.status);
    }
    if before.agent_id != after.agent_id {
        change.agent_id = Some(before.agent_id);
    }
    // The JSON text compares key order too: metadata goes back byte for byte.
    let metadata_text = |n: &PhoneNumber| n.metadata.as_ref().map(|m| m.to_json());
    if metadata_text(before) != metadata_text(after) {
        change.metadata = Some(before.metadata.clone());
    }
    if (before.webhook_configured, &before.webhook_url)
        != (after.webhook_configured, &after.webhook_url)
    {
        change.webhook = Some((before.webhook_configured, before.webhook_url.clone()));
    }
    if before.last_verified_at != after.last_verified_at {
        change.last_verified_at = before.last_verified_at;
    }
    let back = change.apply_to(after)?;
    if !same_content(&back, before) || metadata_text(&back) != metadata_text(before) {
        return Err(refused(format!(
            "the change of {} cannot be undone exactly (only its name, status, agent, \
             metadata, webhook and a verification time can be put back); nothing was changed",
            after.phone_number
        )));
    }
    Ok(change)
}

/// Undoes a manager's last edit or removal (see the module's docs); returns the number as the
/// undo leaves it. Nothing changes when the undo is refused.
pub async fn undo(inv: &dyn Inventory, undo: &Undo) -> Result<Written> {
    match undo {
        Undo::Edit { before, after } => {
            let id = NumberRef::Id(after.id);
            let Some(current) = absent(inv.number(&id, Some(after.organization_id)).await)? else {
                return Err(refused(format!(
                    "{} was removed since the edit; nothing was changed",
                    after.phone_number
                )));
            };
            if !same_content(&current, after) {
                return Err(refused(format!(
                    "{} was changed since the edit (by someone else or elsewhere); nothing was \
                     changed",
                    after.phone_number
                )));
            }
            let change = reverse_change(before, after)?;
            inv.update_number(&id, Some(after.organization_id), &change)
                .await
        }
        Undo::Removal { removed } => {
            let org = Some(removed.organization_id);
            if absent(inv.number(&NumberRef::Id(removed.id), org).await)?.is_some() {
                return Err(refused(format!(
                    "{} is back already; nothing was changed",
                    removed.phone_number
                )));
            }
            let by_number = NumberRef::Number(removed.phone_number.clone());
            if absent(inv.number(&by_number, org).await)?.is_some() {
                return Err(refused(format!(
                    "{} was added again since it was removed; nothing was changed",
                    removed.phone_number
                )));
            }
            inv.restore_number(removed).await
        }
    }
}

/// Whether an undo that failed with `e` may still be done later — the store was away or busy —
/// rather than refused (the number changed since, was added again, or is not the manager's):
/// a shell keeping the undo keeps it then, to be tried again.
pub fn may_retry(e: &Error) -> bool {
    !matches!(e.code(), ErrorCode::InvalidInput | ErrorCode::NotAllowed)
}

/// A read's number, `None` when there is none.
fn absent(read: Result<PhoneNumber>) -> Result<Option<PhoneNumber>> {
    match read {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Changes the number `r` names (see [`actions::update_number`]), reading it first: returns
/// what was written and the edit's undo (none when the edit changed nothing).
pub async fn update_number(
    inv: &dyn Inventory,
    r: &NumberRef,
    organization_id: Option<Uuid>,
    change: &NumberUpdate,
) -> Result<(Written, Option<Undo>)> {
    let before = inv.number(r, organization_id).await?;
    let id = NumberRef::Id(before.id);
    let written = actions::update_number(inv, &id, Some(before.organization_id), change).await?;
    let undo = Undo::of_edit(before, written.number.clone());
    Ok((written, undo))
}

/// Removes the number `r` names (see [`actions::remove_number`]): returns what was removed
/// and the removal's undo.
pub async fn remove_number(
    inv: &dyn Inventory,
    r: &NumberRef,
    organization_id: Option<Uuid>,
) -> Result<(Written, Undo)> {
    let written = actions::remove_number(inv, r, organization_id).await?;
    let undo = Undo::of_removal(written.number.clone());
    Ok((written, undo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_undo_is_not_tried_again_and_an_unreachable_store_is() {
        assert!(!may_retry(&refused("changed since".into())));
        assert!(!may_retry(&Error::NotAllowed("not yours".into())));
        let away = Error::Io {
            path: "server".into(),
            source: std::io::Error::other("gone"),
        };
        assert!(may_retry(&away));
    }
}
