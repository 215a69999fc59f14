//! Which provider an account id belongs to in an organization: the one given, else the one the
//! organization knows it under, else a Twilio Account SID by its shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::Provider;
use switchboard_ops::providers::client::{account_provider, account_provider_in};
use switchboard_ops::{Inventory, Target, open};

const SID: &str = "AC0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn an_account_id_is_resolved_given_known_or_by_its_shape() {
    let dir = tempfile::tempdir().unwrap();
    let inv: Arc<dyn Inventory> = open(Target::Local(dir.path().join("w.db"))).await.unwrap();
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let id = org.id;
    (inv.file().unwrap())
        .run(move |ws| ws.add_account(id, Provider::Telnyx, "main", None))
        .await
        .unwrap();

    let given = account_provider(&*inv, &org, "main", Some("vonage")).await;
    assert_eq!(given.unwrap(), Provider::Vonage, "the one given wins");
    let known = account_provider(&*inv, &org, "main", None).await;
    assert_eq!(known.unwrap(), Provider::Telnyx);
    let shaped = account_provider(&*inv, &org, SID, None).await;
    assert_eq!(shaped.unwrap(), Provider::Twilio);
    let unknown = account_provider(&*inv, &org, "other", None)
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("give --provider"), "{unknown}");

    let (provider, named) = account_provider_in(&*inv, Some("acme"), "main", None)
        .await
        .unwrap();
    assert_eq!(
        (provider, named.map(|o| o.id)),
        (Provider::Telnyx, Some(org.id))
    );
    let (provider, named) = account_provider_in(&*inv, None, "main", None)
        .await
        .unwrap();
    assert_eq!(
        (provider, named),
        (Provider::Twilio, None),
        "no organization: Twilio"
    );
}
