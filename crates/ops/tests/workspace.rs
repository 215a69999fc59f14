//! The workspace the app keeps open: what it says it is, the conflicts a sync found in its
//! file as the app lists them, resolving one, and the cancel flags of its running tasks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::ErrorCode;
use switchboard_core::domain::NewNumber;
use switchboard_ops::sync::KeepVersion;
use switchboard_ops::tasks::Flags;
use switchboard_ops::workspace::{Connection, OpenWorkspace, Source, WorkspaceInfo};

#[tokio::test]
async fn a_conflict_is_listed_with_both_versions_and_resolved_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/workspace.db");
    let opened = OpenWorkspace::local(&path).expect("opens, creating the directory");
    assert_eq!(opened.source, Source::Local);
    assert_eq!(opened.server(), None);
    assert_eq!(opened.profile(), None);
    assert_eq!(opened.connection(), Connection::Local, "no server to reach");
    assert_eq!(
        opened.info(),
        WorkspaceInfo {
            kind: "local".into(),
            path: path.display().to_string(),
            profile: None,
        }
    );
    assert!(opened.conflicts().await.unwrap().is_empty());

    let org = opened
        .inventory
        .add_organization("acme", "Acme")
        .await
        .unwrap();
    let added = opened
        .file
        .run(move |ws| {
            let number = NewNumber {
                provider: "twilio".into(),
                number: "+14155550100".into(),
                ..NewNumber::default()
            };
            let added = ws.queue_add(org.id, number.validate()?)?;
            let seq = ws.outbox()?[0].seq;
            ws.outbox_conflict(seq, "added on the server since", None)?;
            Ok(added)
        })
        .await
        .unwrap();

    let listed = opened.conflicts().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let c = &listed[0];
    assert_eq!(
        (
            c.number_id.as_str(),
            c.organization_id.as_str(),
            c.op.as_str()
        ),
        (
            added.id.to_string().as_str(),
            org.id.to_string().as_str(),
            "add"
        )
    );
    assert_eq!(c.reason, "added on the server since");
    assert!(c.detected_at.ends_with('Z'), "RFC 3339: {}", c.detected_at);
    let mine = c.mine.as_ref().expect("the manager's version");
    assert_eq!(mine.phone_number, "+14155550100");
    assert_eq!(c.theirs, None, "the server has no such row");

    let resolved = opened.resolve_conflict(c.id, KeepVersion::Theirs).await;
    assert_eq!(&resolved.unwrap(), c);
    assert!(opened.conflicts().await.unwrap().is_empty());
    let again = opened.resolve_conflict(c.id, KeepVersion::Theirs).await;
    assert_eq!(
        again.expect_err("resolved already").code(),
        ErrorCode::NotFound
    );
}

#[test]
fn a_flag_is_cancelled_by_its_task_id_until_the_task_ends() {
    let flags = Flags::default();
    let flag = flags.start("bulk-1");
    assert!(!flags.cancel("bulk-2"), "no task has this id");
    assert!(!flag.is_cancelled());
    assert!(flags.cancel("bulk-1"));
    assert!(flag.is_cancelled());
    flags.end("bulk-1");
    assert!(!flags.cancel("bulk-1"), "an ended task is forgotten");
}
