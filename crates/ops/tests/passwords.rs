//! A team database's password in this device's vault: the vault answers before anyone is
//! asked for the password, a second save replaces the first, and removing says whether the
//! vault held one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::Error;
use switchboard_ops::vault::{password_key, remove_password, save_password};
use switchboard_postgres::ConnectSettings;
use switchboard_secrets::{SecretString, Vault};

#[test]
fn a_password_is_saved_replaced_and_removed_after_the_vault_answers() {
    let settings = ConnectSettings::from_url("postgres://alice@db.example.com/team").unwrap();
    let vault = Vault::in_memory();
    let refused = save_password(
        &settings,
        || Err(Error::Vault("locked".into())),
        || panic!("asked for a password the vault cannot keep"),
    );
    assert!(refused.is_err());
    let secret = || Ok(SecretString::new("hunter2".into()));
    let first = save_password(&settings, || Ok(vault.clone()), secret).unwrap();
    assert_eq!(
        (first.server.as_str(), first.role.as_str()),
        ("db.example.com:5432/team", "alice")
    );
    assert!(!first.replaced);
    assert_eq!(
        first.vault_user,
        password_key(&settings).vault_user().unwrap()
    );
    let key = password_key(&settings);
    assert!(vault.contains_blocking(&key).unwrap());
    assert!(
        save_password(&settings, || Ok(vault.clone()), secret)
            .unwrap()
            .replaced
    );
    assert!(
        remove_password(&settings, || Ok(vault.clone()))
            .unwrap()
            .removed
    );
    assert!(
        !remove_password(&settings, || Ok(vault.clone()))
            .unwrap()
            .removed
    );
    assert!(!vault.contains_blocking(&key).unwrap());
}
