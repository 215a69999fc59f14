//! Provider accounts through the one inventory interface: added with their secret in the
//! vault, listed with the numbers that use them, removed (forgetting the secret) while the
//! numbers that reference them are named.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::ErrorCode;
use switchboard_core::domain::{NewNumber, Provider};
use switchboard_core::store::NumberRef;
use switchboard_ops::providers::accounts::{add_account, list_accounts, remove_account};
use switchboard_ops::{Target, actions, open};
use switchboard_providers::account::vault_key;
use switchboard_providers::account_auth::AccountAuth;
use switchboard_secrets::{SecretString, Vault};

const SID: &str = "AC0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn an_account_is_added_listed_and_removed_with_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("workspace.db")))
        .await
        .unwrap();
    let vault = Vault::in_memory();
    let acme = inv.add_organization("acme", "Acme").await.unwrap();
    let beta = inv.add_organization("beta", "Beta").await.unwrap();
    let key = vault_key(Provider::Twilio, SID);

    let auth = AccountAuth::Secret(SecretString::new("tok-1".into()));
    let added = add_account(
        &*inv,
        &vault,
        &acme,
        (Provider::Twilio, SID),
        auth,
        Some("Sales".into()),
    )
    .await
    .unwrap();
    assert!(!added.replaced);
    assert_eq!(added.credentials, None);
    assert_eq!(added.vault_user, format!("twilio:{SID}"));
    assert_eq!(added.account.label.as_deref(), Some("Sales"));
    assert_eq!(added.account.secret_on_device, Some(true));
    assert_eq!(
        vault.get(&key).await.unwrap().unwrap().expose_secret(),
        "tok-1"
    );
    let again = AccountAuth::Secret(SecretString::new("tok-2".into()));
    let account = (Provider::Twilio, SID);
    let replaced = add_account(&*inv, &vault, &acme, account, again, None)
        .await
        .unwrap();
    assert!(replaced.replaced, "the second add replaces the secret");
    assert_eq!(replaced.account.label.as_deref(), Some("Sales"));

    // A number of each organization uses the account.
    for (org, number) in [(acme.id, "+14155550101"), (beta.id, "+14155550102")] {
        let n = NewNumber {
            provider: "twilio".into(),
            number: number.into(),
            account_id: Some(SID.into()),
            ..NewNumber::default()
        };
        actions::add_number(&*inv, org, n).await.unwrap();
    }
    let listed = list_accounts(&*inv, acme.id, Ok(&vault)).await.unwrap();
    assert_eq!(listed.vault_failure, None);
    assert_eq!(listed.accounts.len(), 1, "{listed:?}");
    let a = &listed.accounts[0];
    assert!(a.added);
    assert_eq!((a.numbers, a.secret_on_device), (1, Some(true)));
    let unknown = list_accounts(&*inv, beta.id, Err("no vault".into()))
        .await
        .unwrap();
    assert_eq!(unknown.vault_failure.as_deref(), Some("no vault"));
    assert!(!unknown.accounts[0].added, "only referenced in beta");
    assert_eq!(unknown.accounts[0].secret_on_device, None);

    let removed = remove_account(&*inv, &vault, acme.id, account, 10)
        .await
        .unwrap();
    assert!(removed.secret_removed && removed.was_added);
    assert!(!vault.contains(&key).await.unwrap(), "the secret is gone");
    assert_eq!(removed.numbers_still_referencing, 2);
    assert_eq!(removed.numbers, ["+14155550101", "+14155550102"]);
    assert_eq!(removed.users[1].organization, "beta");
    let listed = list_accounts(&*inv, acme.id, Ok(&vault)).await.unwrap();
    assert_eq!(
        (
            listed.accounts[0].added,
            listed.accounts[0].secret_on_device
        ),
        (false, Some(false))
    );

    // Once no number references it and nothing is left, there is nothing to remove.
    for number in ["+14155550101", "+14155550102"] {
        let r = NumberRef::parse(number).unwrap();
        actions::remove_number(&*inv, &r, None).await.unwrap();
    }
    let e = remove_account(&*inv, &vault, acme.id, account, 10)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}
