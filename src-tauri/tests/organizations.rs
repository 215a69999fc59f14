//! "New organization…" (issue #17): the app's `add_organization` command on a local workspace
//! (the mock runtime): the organization is created and listed, and a refusal names the field at
//! fault (`AppError::field`, which the dialog shows beside it) and creates nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use switchboard_app::commands;
use switchboard_app::error::ErrorCode;
use tauri::Manager;

#[test]
fn a_new_organization_is_created_or_refused_by_field() {
    tauri::async_runtime::block_on(new_organization());
}

async fn new_organization() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = support::mock_app_with_acme(dir.path()).await;
    let add = |slug: &str, name: &str| {
        commands::add_organization(app.clone(), app.state(), slug.into(), name.into())
    };

    let created = add(" globex ", "  Globex Corporation ").await.unwrap();
    assert_eq!(
        (created.slug.as_str(), created.name.as_str()),
        ("globex", "Globex Corporation")
    );

    for (slug, name, field, message) in [
        (
            "Globex 2",
            "Globex Two",
            "slug",
            "invalid slug: \"Globex 2\" must be 1-63 lowercase letters, digits or inner hyphens",
        ),
        (
            "-globex",
            "Globex Two",
            "slug",
            "invalid slug: \"-globex\" must be 1-63 lowercase letters, digits or inner hyphens",
        ),
        (
            "globex-2",
            "   ",
            "organization name",
            "invalid organization name: must be 1-200 printable characters",
        ),
    ] {
        let e = add(slug, name).await.expect_err(slug);
        assert_eq!(
            (e.code, e.field.as_deref(), e.message.as_str()),
            (ErrorCode::InvalidInput, Some(field), message),
            "{slug:?} {name:?}"
        );
    }
    let e = add("globex", "Another Globex").await.expect_err("taken");
    assert_eq!((e.code, e.field), (ErrorCode::Duplicate, None));

    let orgs = commands::list_organizations(app.state()).await.unwrap();
    let slugs: Vec<&str> = orgs.iter().map(|o| o.slug.as_str()).collect();
    assert_eq!(slugs, ["acme", "globex"]);
    assert!(
        orgs.iter()
            .any(|o| o.id == created.id && o.name == "Globex Corporation"),
        "{orgs:?}"
    );
}
