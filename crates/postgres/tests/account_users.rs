//! `RemoteWorkspace::account_users`: how many numbers reference a provider account, counted
//! on the server in one statement, under row-level security.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, scalar};
use switchboard_core::domain::Provider;

const SID: &str = "AC00000000000000000000000000000001";

#[tokio::test]
async fn a_manager_counts_the_numbers_of_their_organizations_that_use_an_account() {
    let w = World::new().await;
    scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "UPDATE phone_numbers SET credentials = '{{\"accountSid\": \"{SID}\"}}'
             WHERE phone_number IN ('+14155550100', '+14155550101', '+442071830100');
             UPDATE phone_numbers SET provider = 'vonage',
               credentials = '{{\"accountSid\": \"{SID}\"}}'
             WHERE phone_number = '+4930123456'"
        ),
    );
    // acme's two Twilio numbers for alice (not the Vonage one that carries the same text under
    // Twilio's key); globex's one is not hers to count.
    assert_eq!(
        w.alice.account_users(Provider::Twilio, SID).await.unwrap(),
        2
    );
    assert_eq!(w.bob.account_users(Provider::Twilio, SID).await.unwrap(), 1);
    // Another provider, or another account: none.
    assert_eq!(
        w.alice.account_users(Provider::Vonage, SID).await.unwrap(),
        0
    );
    let other = "AC00000000000000000000000000000002";
    assert_eq!(
        w.alice
            .account_users(Provider::Twilio, other)
            .await
            .unwrap(),
        0
    );
}
