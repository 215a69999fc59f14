//! What becomes of a provider account's secret when one of its numbers is removed: kept while
//! other numbers use it, forgotten (with the account added on this device) when asked and
//! none does, and otherwise a hint when this device may still hold it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use switchboard_core::domain::{NewNumber, Provider};
use switchboard_ops::providers::accounts::{
    RemovedNumberAccount, add_account, after_number_removed, list_accounts,
};
use switchboard_ops::{Target, actions, open};
use switchboard_providers::account::{SecretAfterRemoval, vault_key};
use switchboard_providers::account_auth::AccountAuth;
use switchboard_secrets::{Removal, SecretString, Vault};

const SID: &str = "AC0123456789abcdef0123456789abcdef";

/// One in-memory vault for the test (`after_number_removed` takes a function that opens one).
fn vault() -> switchboard_core::Result<Vault> {
    static VAULT: OnceLock<Vault> = OnceLock::new();
    Ok(VAULT.get_or_init(Vault::in_memory).clone())
}

#[tokio::test]
async fn a_removed_numbers_account_secret_is_kept_while_used_and_forgotten_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::Local(dir.path().join("workspace.db"));
    let inv = open(target).await.unwrap();
    let acme = inv.add_organization("acme", "Acme").await.unwrap();
    let auth = AccountAuth::Secret(SecretString::new("tok".into()));
    let account = (Provider::Twilio, SID);
    add_account(&*inv, &vault().unwrap(), &acme, account, auth, None)
        .await
        .unwrap();
    let mut removed = Vec::new();
    for (number, account_id) in [("+14155550101", Some(SID)), ("+14155550102", Some(SID))]
        .into_iter()
        .chain([("+14155550103", None)])
    {
        let n = NewNumber {
            provider: "twilio".into(),
            number: number.into(),
            account_id: account_id.map(Into::into),
            ..NewNumber::default()
        };
        actions::add_number(&*inv, acme.id, n).await.unwrap();
        let gone = actions::remove_typed(&*inv, number, Some("acme")).await;
        removed.push(gone.unwrap().number);
    }
    // Only the first number is gone for now: add the second back.
    let second = NewNumber {
        provider: "twilio".into(),
        number: "+14155550102".into(),
        account_id: Some(SID.into()),
        ..NewNumber::default()
    };
    actions::add_number(&*inv, acme.id, second).await.unwrap();
    let after = |i: usize, forget: bool| {
        let (inv, n) = (&inv, removed[i].clone());
        async move {
            after_number_removed(&**inv, &n, forget, vault)
                .await
                .unwrap()
        }
    };

    assert_eq!(after(2, true).await, RemovedNumberAccount::NoAccount);
    assert_eq!(after(0, false).await, RemovedNumberAccount::Unchanged);
    let vault_name = vault().unwrap().vault_name();
    assert_eq!(
        after(0, true).await,
        RemovedNumberAccount::Forgot(SecretAfterRemoval::StillUsed(1), vault_name)
    );

    actions::remove_typed(&*inv, "+14155550102", Some("acme"))
        .await
        .unwrap();
    assert_eq!(
        after(1, false).await,
        RemovedNumberAccount::Unused,
        "no number uses the account and the secret is still here"
    );
    assert_eq!(
        after(1, true).await,
        RemovedNumberAccount::Forgot(SecretAfterRemoval::Forgotten(Removal::Removed), vault_name)
    );
    let key = vault_key(Provider::Twilio, SID);
    assert!(!vault().unwrap().contains(&key).await.unwrap());
    let listed = list_accounts(&*inv, acme.id, Ok(&vault().unwrap()))
        .await
        .unwrap();
    assert!(listed.accounts.is_empty(), "{listed:?}");
    assert_eq!(
        after(1, false).await,
        RemovedNumberAccount::Unchanged,
        "this device no longer holds the secret"
    );
}
