//! Whether this device holds an account's secret: held, missing, or unknown with the vault's
//! reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::Error;
use switchboard_core::domain::Provider;
use switchboard_ops::providers::accounts::SecretStatus;
use switchboard_providers::account::vault_key;
use switchboard_secrets::{SecretString, Vault};

const SID: &str = "AC00000000000000000000000000000001";

#[test]
fn the_vault_says_held_missing_or_why_it_cannot_tell() {
    let vault = Vault::in_memory();
    let open = || Ok(vault.clone());
    assert_eq!(
        SecretStatus::of(open, Provider::Twilio, SID),
        SecretStatus::Missing
    );
    let key = vault_key(Provider::Twilio, SID);
    vault
        .save_blocking(&key, &SecretString::new("t".into()))
        .unwrap();
    let held = SecretStatus::of(open, Provider::Twilio, SID);
    assert_eq!((held.held(), &held), (Some(true), &SecretStatus::Held));
    let locked = SecretStatus::of(
        || Err(Error::Vault("the vault is locked".into())),
        Provider::Twilio,
        SID,
    );
    assert_eq!(locked.held(), None);
    assert!(matches!(&locked, SecretStatus::Unknown(why) if why.contains("locked")));
    assert_eq!(SecretStatus::Missing.held(), Some(false));
}
