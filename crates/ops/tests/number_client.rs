//! Which account's client a provider action uses: a number's own account, or an account named
//! for an organization, only when it was added to that organization on this device, with its
//! secret from the vault (opened only once the account may be used).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, PhoneNumber, Provider};
use switchboard_ops::providers::client::{ProviderFailure, account_client, number_client};
use switchboard_ops::{Inventory, Target, open};
use switchboard_providers::account::vault_key;
use switchboard_secrets::{SecretString, Vault};
use uuid::Uuid;

const SID: &str = "AC0123456789abcdef0123456789abcdef";

async fn number(inv: &dyn Inventory, org: Uuid, e164: &str, account: Option<&str>) -> PhoneNumber {
    let n = NewNumber {
        provider: "twilio".into(),
        number: e164.into(),
        account_id: account.map(str::to_owned),
        ..NewNumber::default()
    };
    inv.add_number(org, n.validate().unwrap())
        .await
        .unwrap()
        .number
}

/// A workspace with the organizations acme (the account SID added to it) and beta.
async fn acme_and_beta() -> (tempfile::TempDir, Arc<dyn Inventory>, Uuid, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let inv: Arc<dyn Inventory> = open(Target::Local(dir.path().join("w.db"))).await.unwrap();
    let acme = inv.add_organization("acme", "Acme").await.unwrap().id;
    let beta = inv.add_organization("beta", "Beta").await.unwrap().id;
    (inv.file().unwrap())
        .run(move |ws| ws.add_account(acme, Provider::Twilio, SID, None))
        .await
        .unwrap();
    (dir, inv, acme, beta)
}

fn no_vault() -> switchboard_core::Result<Vault> {
    panic!("the vault is opened only for a number whose account may be used")
}

#[tokio::test]
async fn a_number_uses_its_own_account_only_when_added_to_its_organization() {
    let (_dir, inv, acme, beta) = acme_and_beta().await;
    let uses = number(&*inv, acme, "+14155550101", Some(SID)).await;
    let plain = number(&*inv, acme, "+14155550102", None).await;
    let elsewhere = number(&*inv, beta, "+14155550103", Some(SID)).await;

    let refused = number_client(&*inv, no_vault, &plain).await.unwrap_err();
    assert!(
        matches!(&refused, ProviderFailure::NoAccount(n) if *n == plain.phone_number),
        "{refused:?}"
    );
    let refused = number_client(&*inv, no_vault, &elsewhere)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ProviderFailure::NotAdded(e) if e.organization_id == beta),
        "the account was added to acme, not beta: {refused:?}"
    );

    let vault = Vault::in_memory();
    let missing = number_client(&*inv, || Ok(vault.clone()), &uses).await;
    assert!(
        matches!(
            missing,
            Err(ProviderFailure::NoSecret { provider: Provider::Twilio, ref account_id })
                if account_id == SID
        ),
        "{missing:?}"
    );
    let secret = SecretString::new("token".into());
    vault
        .save(&vault_key(Provider::Twilio, SID), &secret)
        .await
        .unwrap();
    let (account_id, client) = number_client(&*inv, || Ok(vault.clone()), &uses)
        .await
        .unwrap();
    assert_eq!(account_id, SID);
    assert_eq!(client.account_id(), SID);
}

#[tokio::test]
async fn an_account_is_used_for_an_organization_only_when_added_to_it() {
    let (_dir, inv, acme, beta) = acme_and_beta().await;
    let account = (Provider::Twilio, SID);

    let refused = account_client(&*inv, no_vault, Some(beta), account).await;
    assert!(
        matches!(&refused, Err(ProviderFailure::NotAdded(e)) if e.organization_id == beta),
        "{refused:?}"
    );
    let vault = Vault::in_memory();
    let secret = SecretString::new("token".into());
    vault
        .save(&vault_key(Provider::Twilio, SID), &secret)
        .await
        .unwrap();
    for org in [Some(acme), None] {
        let client = account_client(&*inv, || Ok(vault.clone()), org, account).await;
        assert_eq!(client.unwrap().account_id(), SID, "{org:?}");
    }
}
