//! The desktop app's settings: range checks, an unreadable file set aside, and the profiles
//! the settings held moved into the profile file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::query::SortField;
use switchboard_ops::app_settings::{
    MAX_VERIFY_INTERVAL_HOURS, Settings, carry_over_files, check_preferences, move_stored_profiles,
    set_aside_if_unreadable, verified_before,
};
use switchboard_ops::input::AgentFilter;
use switchboard_ops::profiles::{ConnectionProfile, TlsMode};
use switchboard_ops::views::{Column, MAX_VIEWS, View};

/// A form as the settings kept it.
fn form(name: &str, host: &str) -> ConnectionProfile {
    let json = serde_json::json!({
        "name": name, "host": host, "port": 5432, "database": "switchboard",
        "user": "alice", "tlsMode": "disable",
    });
    serde_json::from_value(json).unwrap()
}

#[test]
fn the_re_verification_interval_may_be_off_or_up_to_thirty_days() {
    let hours = |verify_interval_hours| Settings {
        verify_interval_hours,
        ..Settings::default()
    };
    assert!(check_preferences(&hours(0)).is_ok());
    assert!(check_preferences(&hours(MAX_VERIFY_INTERVAL_HOURS)).is_ok());
    let e = check_preferences(&hours(721)).expect_err("721 hours");
    assert_eq!(
        e.to_string(),
        "invalid re-verification interval: 721 hours is more than 720 (0 turns it off)"
    );
}

#[test]
fn numbers_are_due_once_the_interval_has_passed_and_zero_turns_it_off() {
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(verified_before(0, now), None);
    assert_eq!(
        verified_before(1, now),
        Some(now - time::Duration::hours(1))
    );
    let month = verified_before(MAX_VERIFY_INTERVAL_HOURS, now);
    assert_eq!(month, Some(now - time::Duration::days(30)));
}

#[test]
fn only_a_file_whose_settings_cannot_be_read_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    assert_eq!(set_aside_if_unreadable(&path, "settings", 1), Ok(()));
    std::fs::write(&path, r#"{"other":{"theme":"purple"}}"#).unwrap();
    assert_eq!(set_aside_if_unreadable(&path, "settings", 2), Ok(()));
    std::fs::write(&path, r#"{"settings":{"theme":"purple"}}"#).unwrap();
    let message = set_aside_if_unreadable(&path, "settings", 3).expect_err("no such theme");
    let aside = dir.path().join("settings.json.unreadable-3");
    assert!(message.contains(&aside.display().to_string()), "{message}");
    assert!(aside.exists() && !path.exists());
}

#[test]
fn the_open_profile_follows_its_new_name_and_each_rename_or_stay_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    let broken = ConnectionProfile {
        tls_mode: TlsMode::VerifyFull,
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..form("gone", "db.example.com")
    };
    let stored = vec![
        form("team", "db.example.com"),
        form("Team West", "west.example.com"),
        broken.clone(),
    ];
    let moved = move_stored_profiles(&path, stored.clone(), Some("Team West")).unwrap();
    assert_eq!(moved.moved, stored[..2]);
    assert_eq!(moved.staying, [broken]);
    assert_eq!(moved.active.as_deref(), Some("team-west"));
    assert_eq!(moved.notes.len(), 2, "{:?}", moved.notes);
    assert!(
        moved.notes[0].contains("\"gone\" was not moved"),
        "{:?}",
        moved.notes
    );
    assert!(
        moved.notes[1].contains("\"Team West\" is now called \"team-west\""),
        "{:?}",
        moved.notes
    );
    let unrelated = move_stored_profiles(&path, stored[..1].to_vec(), Some("other")).unwrap();
    assert_eq!((unrelated.active, unrelated.notes.len()), (None, 0));
}

#[test]
fn a_former_file_is_copied_only_where_none_is() {
    let dir = tempfile::tempdir().unwrap();
    let (former, now) = (dir.path().join("former"), dir.path().join("now"));
    std::fs::create_dir_all(&former).unwrap();
    std::fs::write(former.join("a.json"), "former a").unwrap();
    std::fs::write(former.join("b.json"), "former b").unwrap();
    carry_over_files([(former.clone(), now.clone(), "a.json")]).unwrap();
    assert_eq!(
        std::fs::read_to_string(now.join("a.json")).unwrap(),
        "former a"
    );
    assert!(former.join("a.json").exists(), "the former file stays");
    std::fs::write(now.join("b.json"), "mine").unwrap();
    carry_over_files([
        (former.clone(), now.clone(), "b.json"),
        (former.clone(), now.clone(), "missing.json"),
        (former.clone(), former.clone(), "a.json"),
    ])
    .unwrap();
    assert_eq!(std::fs::read_to_string(now.join("b.json")).unwrap(), "mine");
    assert!(!now.join("missing.json").exists());
}

/// A view as the app sends it.
fn view(name: &str) -> View {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "filters": {"search": "415", "provider": "twilio", "status": "active",
                    "agent": {"kind": "unassigned"}, "capabilities": ["sms"],
                    "country": "US", "numberType": "toll_free",
                    "readiness": "blocked", "needsAttention": true},
        "columns": ["name", "readiness", "webhook", "lastVerified", "locality"],
        "sort": "created", "descending": true,
    }))
    .unwrap()
}

#[test]
fn saved_views_keep_filters_columns_and_order_and_default_to_the_tables_columns() {
    let settings = Settings {
        views: vec![view("Toll free"), view("Unassigned SMS")],
        last_view: view("Toll free"),
        ..Settings::default()
    };
    assert!(check_preferences(&settings).is_ok());
    let json = serde_json::to_value(&settings).unwrap();
    assert_eq!(
        json["views"][0]["columns"],
        serde_json::json!(["name", "readiness", "webhook", "lastVerified", "locality"])
    );
    assert_eq!(json["lastView"]["filters"]["numberType"], "toll_free");
    assert_eq!(json["lastView"]["filters"]["readiness"], "blocked");
    assert_eq!(json["lastView"]["filters"]["needsAttention"], true);
    let back: Settings = serde_json::from_value(json).unwrap();
    assert_eq!(back, settings);
    // A settings file from before views reads with none saved and the table's columns.
    let old: Settings = serde_json::from_str(r#"{"theme":"dark","profiles":[]}"#).unwrap();
    assert!(old.views.is_empty());
    assert_eq!(old.last_view, View::default());
    assert_eq!(old.last_view.columns, Column::DEFAULT);
    assert_eq!(old.last_view.sort, SortField::Number);
    // A view saved before readiness and needs attention reads with neither filter.
    let before: View =
        serde_json::from_str(r#"{"name":"A","filters":{"status":"error"}}"#).unwrap();
    assert_eq!(before.filters.readiness, None);
    assert!(!before.filters.needs_attention);
}

#[test]
fn views_a_manager_cannot_tell_apart_or_use_are_refused_by_name() {
    let refused = |views: Vec<View>, last: View| {
        let settings = Settings {
            views,
            last_view: last,
            ..Settings::default()
        };
        check_preferences(&settings)
            .expect_err("refused")
            .to_string()
    };
    let with = |f: fn(&mut View)| {
        let mut v = view("Mine");
        f(&mut v);
        v
    };
    assert_eq!(
        refused(vec![view("  ")], View::default()),
        "invalid view name: a saved view needs a name"
    );
    assert_eq!(
        refused(
            vec![view("Toll free"), view(" toll FREE ")],
            View::default()
        ),
        "invalid view name: a view called \"toll FREE\" is saved already"
    );
    assert!(refused(vec![view(&"x".repeat(61))], View::default()).contains("longer than 60"));
    assert!(refused(vec![view("a\tb")], View::default()).contains("control character"));
    let twice = with(|v| v.columns = vec![Column::Webhook, Column::Name, Column::Webhook]);
    assert_eq!(
        refused(vec![twice], View::default()),
        "invalid columns: the view \"Mine\" shows the column Webhook twice"
    );
    let nowhere = with(|v| v.filters.country = Some("XX1".into()));
    assert!(refused(vec![nowhere.clone()], View::default()).contains("region"));
    // The view shown is checked too, and needs no name.
    assert!(
        refused(
            Vec::new(),
            View {
                name: String::new(),
                ..nowhere
            }
        )
        .contains("region")
    );
    let by_name = with(|v| v.filters.agent = Some(AgentFilter::Assigned("Ava".into())));
    assert!(refused(vec![by_name], View::default()).contains("agent"));
    let long = with(|v| v.filters.search = "4".repeat(201));
    assert!(refused(vec![long], View::default()).contains("more than 200"));
    let many = (0..=MAX_VIEWS).map(|i| view(&format!("v{i}"))).collect();
    assert!(refused(many, View::default()).contains("51 views is more than 50"));
    let fifty: Vec<View> = (0..MAX_VIEWS).map(|i| view(&format!("v{i}"))).collect();
    let settings = Settings {
        views: fifty,
        ..Settings::default()
    };
    assert!(check_preferences(&settings).is_ok());
}

#[test]
fn a_settings_file_whose_views_are_not_views_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let good = r#"{"settings":{"views":[{"name":"A","columns":["webhook"]}]}}"#;
    std::fs::write(&path, good).unwrap();
    assert_eq!(set_aside_if_unreadable(&path, "settings", 1), Ok(()));
    let bad = r#"{"settings":{"views":[{"name":"A","columns":["shoe size"]}]}}"#;
    std::fs::write(&path, bad).unwrap();
    let message = set_aside_if_unreadable(&path, "settings", 2).expect_err("no such column");
    assert!(message.contains("shoe size"), "{message}");
    let unready = r#"{"settings":{"views":[{"name":"A","filters":{"readiness":"fine"}}]}}"#;
    std::fs::write(&path, unready).unwrap();
    let message = set_aside_if_unreadable(&path, "settings", 3).expect_err("no such state");
    assert!(message.contains("fine"), "{message}");
    let aside = dir.path().join("settings.json.unreadable-2");
    assert_eq!(std::fs::read_to_string(aside).unwrap(), bad);
    assert!(!path.exists());
}
