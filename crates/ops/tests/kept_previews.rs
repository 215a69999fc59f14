//! The import previews kept between the wizard's listing and its import, and the tasks a shell
//! cancels by name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::domain::Provider;
use switchboard_ops::providers::import::{ImportPreview, KeptPreviews};
use switchboard_ops::tasks::Tasks;
use uuid::Uuid;

fn preview(id: &str) -> ImportPreview {
    ImportPreview {
        preview_id: id.into(),
        provider: Provider::Twilio,
        account_id: "AC1".into(),
        candidates: Vec::new(),
        skipped: Vec::new(),
        sms_unrecorded: 0,
        sms_drift: Vec::new(),
        diff: Default::default(),
    }
}

#[test]
fn only_the_newest_previews_are_kept_and_an_import_takes_its_own() {
    let kept = KeptPreviews::default();
    let org = Uuid::now_v7();
    for i in 0..=KeptPreviews::KEPT {
        kept.keep(org, preview(&format!("p{i}")));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(kept.take("p0").is_none(), "the oldest is forgotten");
    let (taken_org, taken) = kept.take("p1").unwrap();
    assert_eq!((taken_org, taken.preview_id.as_str()), (org, "p1"));
    assert!(kept.take("p1").is_none(), "a second import must list again");
    assert!(kept.take(&format!("p{}", KeptPreviews::KEPT)).is_some());
}

#[test]
fn a_task_is_cancelled_by_its_id_while_it_runs() {
    let tasks = Tasks::default();
    let token = tasks.start("import-1");
    assert!(!tasks.cancel("import-2"), "no task has this id");
    assert!(tasks.cancel("import-1"));
    assert!(token.is_cancelled());
    tasks.end("import-1");
    assert!(!tasks.cancel("import-1"), "an ended task is forgotten");
}
