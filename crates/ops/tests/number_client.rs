//! Which account's client a number's provider action uses: the number's own account, only when
//! it was added to the number's organization on this device, with its secret from the vault
//! (opened only once the account is known).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, PhoneNumber, Provider};
use switchboard_ops::providers::client::{ProviderFailure, number_client};
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

fn no_vault() -> switchboard_core::Result<Vault> {
    panic!("the vault is opened only for a number whose account may be used")
}

#[tokio::test]
async fn a_number_uses_its_own_account_only_when_added_to_its_organization() {
    let dir = tempfile::tempdir().unwrap();
    let inv: Arc<dyn Inventory> = open(Target::Local(dir.path().join("w.db"))).await.unwrap();
    let acme = inv.add_organization("acme", "Acme").await.unwrap().id;
    let beta = inv.add_organization("beta", "Beta").await.unwrap().id;
    (inv.file().unwrap())
        .run(move |ws| ws.add_account(acme, Provider::Twilio, SID, None))
        .await
        .unwrap();
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
