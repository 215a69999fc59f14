//! Profiles another list kept (the app's settings, before the one profile file) move into the
//! profile file: each once, renamed when its name is taken by another connection or is not
//! plain, and a profile that cannot be moved stays where it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_ops::profiles::{ConnectionProfile, TlsMode, move_forms};
use switchboard_postgres::profiles::{Profile, ProfileFile};

fn form(name: &str, host: &str) -> ConnectionProfile {
    ConnectionProfile {
        name: name.into(),
        host: host.into(),
        port: 5432,
        database: "switchboard".into(),
        user: "alice".into(),
        tls_mode: TlsMode::Disable,
        ca_file: None,
    }
}

#[test]
fn forms_move_once_renamed_when_taken_and_a_broken_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    ProfileFile::update(&path, |f| {
        f.add(Profile::new(
            "team",
            "postgres://bob@db.example.com/switchboard?sslmode=disable",
        )?)
    })
    .unwrap();
    let broken = ConnectionProfile {
        tls_mode: TlsMode::VerifyFull,
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..form("gone", "db.example.com")
    };
    let forms = vec![
        form("team", "db.example.com"),
        form("Team West", "west.example.com"),
        broken.clone(),
    ];
    let moved = move_forms(&path, forms.clone(), "app").unwrap();
    let names: Vec<(&str, &str)> = (moved.moved.iter())
        .map(|(f, now)| (f.name.as_str(), now.as_str()))
        .collect();
    assert_eq!(names, [("team", "team-app"), ("Team West", "team-west")]);
    assert_eq!(moved.staying.len(), 1);
    assert_eq!(moved.staying[0].0, broken);
    assert!(
        moved.staying[0]
            .1
            .to_string()
            .contains("/nonexistent/ca.pem"),
        "{}",
        moved.staying[0].1
    );
    let saved = ProfileFile::load(&path).unwrap();
    let saved: Vec<&str> = saved.profiles().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(saved, ["team", "team-app", "team-west"]);

    let again = move_forms(&path, forms[..2].to_vec(), "app").unwrap();
    let names: Vec<&str> = again.moved.iter().map(|(_, now)| now.as_str()).collect();
    assert_eq!(
        names,
        ["team-app", "team-west"],
        "a second move changes nothing"
    );
    assert_eq!(ProfileFile::load(&path).unwrap().profiles().len(), 3);
}

#[test]
fn a_form_is_saved_in_place_and_a_taken_name_is_refused_before_the_vault() {
    use switchboard_ops::profiles::save_form;
    use switchboard_secrets::{SecretString, Vault};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    let vault = Vault::in_memory();
    let no_vault = || -> switchboard_core::Result<Vault> { panic!("the vault is not needed") };
    let saved = save_form(
        &path,
        None,
        &form(" team ", "db.example.com"),
        None,
        no_vault,
    )
    .unwrap();
    assert_eq!((saved.name.as_str(), saved.original), ("team", None));
    let blank = Some(SecretString::new(String::new()));
    save_form(
        &path,
        None,
        &form("west", "west.example.com"),
        blank,
        no_vault,
    )
    .unwrap();

    let e = save_form(
        &path,
        Some("west"),
        &form("team", "west.example.com"),
        Some(SecretString::new("pw".into())),
        no_vault,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "a profile called \"team\" already exists");

    let renamed = save_form(
        &path,
        Some("west"),
        &form("east", "east.example.com"),
        Some(SecretString::new("pw".into())),
        || Ok(vault.clone()),
    )
    .unwrap();
    assert_eq!(renamed.original.as_deref(), Some("west"));
    let file = ProfileFile::load(&path).unwrap();
    let names: Vec<&str> = file.profiles().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["team", "east"], "renamed in its place");
    let key = switchboard_ops::vault::password_key(&file.get("east").unwrap().settings().unwrap());
    assert!(vault.contains_blocking(&key).unwrap());
}

#[test]
fn a_removal_reports_whether_the_password_went_or_stayed_for_another_profile() {
    use switchboard_ops::profiles::{Forget, remove};
    use switchboard_secrets::{SecretString, Vault};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    let url = "postgres://alice@db.example.com/team?sslmode=disable";
    ProfileFile::update(&path, |f| {
        f.add(Profile::new("one", url)?)?;
        f.add(Profile::new("two", url)?)?;
        f.add(Profile::new("three", url)?)
    })
    .unwrap();
    let vault = Vault::in_memory();
    let settings = Profile::new("x", url).unwrap().settings().unwrap();
    let key = switchboard_ops::vault::password_key(&settings);
    vault
        .save_blocking(&key, &SecretString::new("pw".into()))
        .unwrap();

    let kept = remove(&path, "one", Forget::UnlessShared, || Ok(vault.clone())).unwrap();
    assert_eq!(
        serde_json::to_string(&kept).unwrap(),
        r#"{"removed":"one","password_removed":false,"password_kept_for_other_profiles":true}"#
    );
    assert!(vault.contains_blocking(&key).unwrap());
    let gone = remove(&path, "two", Forget::Always, || Ok(vault.clone())).unwrap();
    assert_eq!(
        serde_json::to_string(&gone).unwrap(),
        r#"{"removed":"two","password_removed":true,"password_kept_for_other_profiles":false}"#
    );
    assert!(!vault.contains_blocking(&key).unwrap());
    let none = remove(&path, "three", Forget::Always, || Ok(vault.clone())).unwrap();
    assert_eq!(
        serde_json::to_string(&none).unwrap(),
        r#"{"removed":"three","password_removed":false,"password_kept_for_other_profiles":false}"#
    );
}

#[test]
fn a_name_another_program_takes_while_the_form_waits_for_the_file_is_refused_before_the_vault() {
    use std::sync::mpsc;
    use std::time::Duration;
    use switchboard_ops::profiles::save_form;
    use switchboard_secrets::{SecretString, Vault};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    let (locked_tx, locked_rx) = mpsc::channel();
    let (asked_tx, asked_rx) = mpsc::channel::<()>();
    // Another program holds the file's lock, and saves "east" once the vault was asked for
    // (or a moment later, when it is not).
    let other = {
        let path = path.clone();
        std::thread::spawn(move || {
            ProfileFile::update(&path, |f| {
                locked_tx.send(()).unwrap();
                let _ = asked_rx.recv_timeout(Duration::from_millis(500));
                f.add(Profile::new(
                    "east",
                    "postgres://bob@elsewhere.example.com/switchboard?sslmode=disable",
                )?)
            })
        })
    };
    locked_rx.recv().unwrap();
    let vault = Vault::in_memory();
    let e = save_form(
        &path,
        None,
        &form("east", "east.example.com"),
        Some(SecretString::new("pw".into())),
        || {
            let _ = asked_tx.send(());
            Ok(vault.clone())
        },
    )
    .unwrap_err();
    other.join().unwrap().unwrap();
    assert_eq!(e.to_string(), "a profile called \"east\" already exists");
    let ours = form("east", "east.example.com").connect_settings().unwrap();
    let key = switchboard_ops::vault::password_key(&ours);
    assert!(
        !vault.contains_blocking(&key).unwrap(),
        "a refused form keeps no password"
    );
}
