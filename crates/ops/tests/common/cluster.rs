//! A throwaway PostgreSQL cluster with Switchboard's schema, and managers of its organizations
//! (for the tests that run on the team database; included by them with `#[path]`).

use std::path::PathBuf;

use switchboard_core::store::Workspace;
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_sync::{CancelToken, SyncOptions};
use switchboard_test_postgres::TestCluster;

/// A started cluster with the migrations applied: it, its admin URL and the admin's settings.
pub async fn migrated() -> (TestCluster, String, ConnectSettings) {
    let cluster = TestCluster::start_local().expect("cluster starts");
    let admin = cluster.admin_url();
    let admin_settings = ConnectSettings::from_url(&admin).unwrap();
    switchboard_postgres::migrate::migrate(&admin_settings)
        .await
        .expect("migrations apply");
    (cluster, admin, admin_settings)
}

/// Grants `who` (a login role of `cluster`, made now) the management of `organization`; its
/// role name and password.
pub async fn manager(
    cluster: &TestCluster,
    admin: &ConnectSettings,
    who: &str,
    organization: &str,
) -> (String, String) {
    let role = cluster.role_name(who);
    let password = format!("{who}-{}", std::process::id());
    let p = password.clone();
    let g = Grant {
        role: role.clone(),
        organization: organization.into(),
        display_name: None,
    };
    grant(admin, &g, || Ok(p)).await.expect("grant");
    (role, password)
}

/// A sync of the cache at `cache` as `settings`' role; its report.
pub async fn sync_cache(settings: ConnectSettings, cache: PathBuf) -> switchboard_sync::SyncReport {
    tokio::task::spawn_blocking(move || {
        let rt = switchboard_sync::runtime().unwrap();
        let remote = rt
            .block_on(switchboard_postgres::RemoteWorkspace::connect(&settings))
            .unwrap();
        let mut ws = Workspace::open(&cache).unwrap();
        let report = switchboard_sync::sync(
            rt.handle(),
            &remote,
            &mut ws,
            &SyncOptions::default(),
            &mut |_| {},
            &CancelToken::new(),
        )
        .unwrap();
        rt.block_on(remote.close());
        report
    })
    .await
    .unwrap()
}
