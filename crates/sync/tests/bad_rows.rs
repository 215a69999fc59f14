//! Rows of the team database that the cache cannot hold as they are (written by the web
//! platform, or by any member on a database without Switchboard's checks) against a real
//! PostgreSQL: the sync skips and reports them, copies and applies everything else, moves its
//! cursor, drops secrets from credentials, and forgets a row once it is fixed or deleted.

mod common;

use std::path::Path;

use switchboard_core::Error;
use switchboard_core::domain::NumberUpdate;
use switchboard_core::store::{NumberRef, SkippedRow, Workspace};
use switchboard_postgres::RemoteWorkspace;
use switchboard_sync::{CancelToken, SyncOptions, SyncReport};
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

/// A value no byte of the cache may ever hold.
const SECRET: &str = "hunter2-not-for-the-cache";
const SID: &str = "AC0123456789abcdef0123456789abcdef";

struct World {
    cluster: TestCluster,
    rt: tokio::runtime::Runtime,
    admin: String,
    alice: String,
    _dir: tempfile::TempDir,
    cache: std::path::PathBuf,
}

impl World {
    /// acme with 20 numbers, globex with 5; alice manages both. The table has none of
    /// Switchboard's checks on provider, status and credentials (the web platform's table, or
    /// one migrated before them).
    fn new() -> World {
        let (cluster, rt, admin) = common::migrated_cluster();
        cluster
            .psql(
                &admin,
                "ALTER TABLE phone_numbers
                   DROP CONSTRAINT IF EXISTS phone_numbers_provider_known,
                   DROP CONSTRAINT IF EXISTS phone_numbers_status_known,
                   DROP CONSTRAINT IF EXISTS phone_numbers_credentials_no_secret;
                 INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');",
            )
            .expect("organizations");
        let role = cluster.role_name("alice");
        for org in ["acme", "globex"] {
            common::grant_to(&rt, &admin, &role, org, &format!("{role}-secret"));
        }
        let alice = cluster.url_for(&role, &format!("{role}-secret"));
        let dir = tempfile::tempdir().expect("temp dir");
        let world = World {
            cache: dir.path().join("cache.db"),
            _dir: dir,
            cluster,
            rt,
            admin,
            alice,
        };
        world.psql(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
             SELECT o.id, 'twilio', '+1415' || (2000000 + g)::text, '{}'
             FROM organizations o, generate_series(1, 20) g WHERE o.slug = 'acme';
             INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
             SELECT o.id, 'vonage', '+4420' || (71830000 + g)::text, '{}'
             FROM organizations o, generate_series(1, 5) g WHERE o.slug = 'globex'",
        );
        world
    }

    fn psql(&self, sql: &str) -> String {
        self.cluster
            .psql(&self.admin, sql)
            .unwrap_or_else(|e| panic!("{sql}\n{e}"))
    }

    /// Inserts a row of `slug` as the admin (no checks) and returns its id.
    fn insert(&self, slug: &str, provider: &str, number: &str, status: &str, creds: &str) -> Uuid {
        let id = self.psql(&format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, status, credentials)
             SELECT id, '{provider}', '{number}', '{status}', '{creds}'
             FROM organizations WHERE slug = '{slug}' RETURNING id"
        ));
        Uuid::parse_str(id.lines().next().unwrap_or_default()).expect("id")
    }

    fn sync(&self, full: bool, batch_rows: usize) -> SyncReport {
        let mut cache = Workspace::open(&self.cache).expect("cache opens");
        let remote = self
            .rt
            .block_on(RemoteWorkspace::connect(&common::settings(&self.alice)))
            .expect("connects");
        let report = switchboard_sync::sync(
            self.rt.handle(),
            &remote,
            &mut cache,
            &SyncOptions { full, batch_rows },
            &mut |_| {},
            &CancelToken::new(),
        )
        .expect("the sync completes despite the bad rows");
        self.rt.block_on(remote.close());
        assert!(cache.integrity_check().expect("check").is_empty());
        report
    }

    fn status(&self) -> switchboard_sync::SyncStatus {
        switchboard_sync::status(&Workspace::open(&self.cache).expect("cache")).expect("status")
    }

    fn cached(&self, id: Uuid) -> Option<switchboard_core::domain::PhoneNumber> {
        let cache = Workspace::open(&self.cache).expect("cache");
        match cache.number(&NumberRef::Id(id), None) {
            Ok(n) => Some(n),
            Err(Error::NotFound { .. }) => None,
            Err(e) => panic!("{e}"),
        }
    }

    fn cursor(&self) -> Option<String> {
        let cache = Workspace::open(&self.cache).expect("cache");
        cache.sync_value("cursor_xid").expect("cursor")
    }
}

fn skipped(rows: &[SkippedRow], id: Uuid) -> Option<&SkippedRow> {
    rows.iter().find(|r| r.skip.number_id == id)
}

/// Every byte of the cache's files (the database and its write-ahead log), as text.
fn cache_bytes(path: &Path) -> String {
    String::from_utf8_lossy(&common::file_bytes(path)).into_owned()
}

#[test]
fn bad_rows_are_skipped_and_reported_and_the_rest_syncs() {
    let w = World::new();
    let secret_creds = format!(r#"{{"accountSid": "{SID}", "authToken": "{SECRET}"}}"#);
    // First in E.164 order, so a batch holds nothing but it.
    let suspended = w.insert("acme", "twilio", "+14151000000", "suspended", "{}");
    let with_secret = w.insert("acme", "twilio", "+14153000000", "active", &secret_creds);
    let unknown_provider = w.insert("globex", "signalwire", "+442071839999", "active", "{}");
    let not_an_object = w.insert("globex", "vonage", "+442071839998", "active", "[]");

    // The full copy, in batches of 2 rows.
    let report = w.sync(false, 2);
    assert_eq!(report.copied, 20 + 5 + 1, "{report:?}");
    assert_eq!(report.skipped, 4, "{report:?}");
    let cursor = w.cursor().expect("the cursor is set");
    let status = w.status();
    assert!(
        status.copied && status.last_synced_at.is_some(),
        "{status:?}"
    );
    assert_eq!(status.numbers, 26);
    assert_eq!(status.skipped.len(), 4, "{:?}", status.skipped);
    let s = skipped(&status.skipped, suspended).expect("suspended reported");
    assert!(!s.skip.kept);
    assert_eq!(s.skip.phone_number.as_deref(), Some("+14151000000"));
    assert!(
        s.skip
            .reason
            .contains("\"suspended\" is not one of active, inactive, error"),
        "{}",
        s.skip.reason
    );
    let s = skipped(&status.skipped, unknown_provider).expect("provider reported");
    assert!(
        s.skip.reason.contains("\"signalwire\""),
        "{}",
        s.skip.reason
    );
    let s = skipped(&status.skipped, not_an_object).expect("credentials reported");
    assert!(
        s.skip.reason.contains("not a JSON object"),
        "{}",
        s.skip.reason
    );
    let s = skipped(&status.skipped, with_secret).expect("secret reported");
    assert!(s.skip.kept);
    assert!(
        s.skip
            .reason
            .contains("credentials held a secret: key authToken dropped"),
        "{}",
        s.skip.reason
    );
    // The row with the secret is in the cache, without it.
    let kept = w.cached(with_secret).expect("kept without the secret");
    assert_eq!(
        kept.credentials.to_json(),
        format!(r#"{{"accountSid":"{SID}"}}"#)
    );
    assert!(w.cached(suspended).is_none());
    let text = cache_bytes(&w.cache);
    assert!(!text.contains(SECRET), "the secret reached the cache file");
    let json = serde_json::to_string(&status).expect("json");
    assert!(!json.contains(SECRET), "{json}");

    // Incremental: a good row turns bad, a bad one is fixed, one is deleted, a new one
    // brings a secret.
    let turned = w.psql(
        "UPDATE phone_numbers SET status = 'retired' WHERE phone_number = '+14152000005'
         RETURNING id",
    );
    let turned = Uuid::parse_str(turned.lines().next().unwrap_or_default()).expect("id");
    w.psql(&format!(
        "UPDATE phone_numbers SET status = 'inactive' WHERE id = '{suspended}';
         DELETE FROM phone_numbers WHERE id = '{not_an_object}'"
    ));
    let new_secret = w.insert(
        "acme",
        "twilio",
        "+14153000001",
        "active",
        &format!(r#"{{"auth_token": "{SECRET}", "password": "{SECRET}"}}"#),
    );
    let report = w.sync(false, 2);
    assert_eq!(report.copied, 0, "{report:?}");
    assert_eq!(report.skipped, 2, "{report:?}");
    assert_ne!(w.cursor().expect("cursor"), cursor, "the cursor moved");
    let status = w.status();
    let ids: Vec<Uuid> = status.skipped.iter().map(|s| s.skip.number_id).collect();
    assert_eq!(ids.len(), 4, "{:?}", status.skipped);
    for id in [turned, with_secret, unknown_provider, new_secret] {
        assert!(ids.contains(&id), "{id} in {:?}", status.skipped);
    }
    let s = skipped(&status.skipped, turned).expect("reported");
    assert!(s.skip.reason.contains("\"retired\""), "{}", s.skip.reason);
    assert!(
        w.cached(turned).is_none(),
        "its stale version left the cache"
    );
    let s = skipped(&status.skipped, new_secret).expect("reported");
    assert!(
        s.skip.reason.contains("keys password, auth_token dropped"),
        "{}",
        s.skip.reason
    );
    assert_eq!(
        w.cached(new_secret).expect("kept").credentials.to_json(),
        "{}"
    );
    let fixed = w.cached(suspended).expect("the fixed row arrived");
    assert_eq!(fixed.status.as_str(), "inactive");
    assert_eq!(status.numbers, 26 - 1 + 1 + 1);
    assert!(!cache_bytes(&w.cache).contains(SECRET));

    // Fixed where the change log cannot tell (it was pruned): the copy that follows reads
    // the row again, and what it no longer finds leaves the list.
    w.psql(&format!(
        "UPDATE phone_numbers SET provider = 'twilio' WHERE id = '{unknown_provider}';
         UPDATE phone_numbers SET status = 'active' WHERE id = '{turned}'"
    ));
    w.psql("SELECT prune_phone_numbers_changes('0 seconds')");
    let report = w.sync(false, 1000);
    assert!(report.recopied_after_pruning, "{report:?}");
    let status = w.status();
    let ids: Vec<Uuid> = status.skipped.iter().map(|s| s.skip.number_id).collect();
    assert_eq!(ids.len(), 2, "{:?}", status.skipped);
    assert!(
        ids.contains(&with_secret) && ids.contains(&new_secret),
        "{ids:?}"
    );
    assert!(w.cached(unknown_provider).is_some());
    assert!(w.cached(turned).is_some());
    assert_eq!(status.numbers, 23 + 6);
    assert!(!cache_bytes(&w.cache).contains(SECRET));
}

#[test]
fn an_offline_edit_of_a_row_turned_bad_becomes_a_conflict_and_the_sync_goes_on() {
    let w = World::new();
    w.sync(false, 1000);
    let row = w.psql("SELECT id FROM phone_numbers WHERE phone_number = '+14152000003'");
    let row = Uuid::parse_str(&row).expect("id");
    {
        let mut cache = Workspace::open(&w.cache).expect("cache");
        cache
            .queue_update(
                &NumberRef::Id(row),
                None,
                &NumberUpdate {
                    friendly_name: Some(Some("Edited offline".into())),
                    ..NumberUpdate::default()
                },
            )
            .expect("queued");
    }
    w.psql(&format!(
        "UPDATE phone_numbers SET status = 'suspended' WHERE id = '{row}'"
    ));
    let report = w.sync(false, 1000);
    assert_eq!(report.conflicts, 1, "{report:?}");
    let cache = Workspace::open(&w.cache).expect("cache");
    let conflicts = cache.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert!(
        conflicts[0]
            .reason
            .contains(&format!("{row} cannot be read"))
            && conflicts[0].reason.contains("\"suspended\""),
        "{}",
        conflicts[0].reason
    );
    let status = w.status();
    assert!(
        skipped(&status.skipped, row).is_some(),
        "{:?}",
        status.skipped
    );
}

/// A row whose metadata holds an SMS webhook URL that is not a valid URL (the web platform or
/// a co-worker wrote it) is not skipped: the number is in the cache with the SMS URL unknown,
/// the sync reports it (kept, with the reason), the bad value stays as the server holds it,
/// an edit of the number that leaves it alone goes through (and writes it back unchanged),
/// and an edit that sets a bad SMS URL is refused before it is queued.
#[test]
fn a_bad_sms_webhook_url_hides_only_itself() {
    let w = World::new();
    let bad = w.psql(
        r#"UPDATE phone_numbers
           SET metadata = '{"region": "US", "capabilities": {"voice": true, "sms": true},
                            "smsWebhookUrl": "hooks.example.com/sms", "platformKey": 7}'
           WHERE phone_number = '+14152000007' RETURNING id"#,
    );
    let bad = Uuid::parse_str(bad.lines().next().unwrap_or_default()).expect("id");
    let report = w.sync(false, 1000);
    assert_eq!(report.copied, 25, "{report:?}");
    let status = w.status();
    let s = skipped(&status.skipped, bad).expect("reported");
    assert!(s.skip.kept, "{s:?}");
    assert!(
        s.skip.reason.contains("SMS webhook URL is not a valid URL")
            && s.skip.reason.contains("smsWebhookUrl"),
        "{}",
        s.skip.reason
    );
    let n = w.cached(bad).expect("the number is in the cache");
    let m = n.metadata.clone().expect("metadata");
    assert_eq!(m.sms_webhook_url(), None, "unknown");
    assert_eq!(n.recorded_webhooks().1, None);
    assert_eq!(m.region(), Some("US"));
    assert!(m.sms_webhook_url_problem().is_some());

    // The manager's edit of its name goes through and the server keeps the value it held.
    {
        let mut cache = Workspace::open(&w.cache).expect("cache");
        cache
            .queue_update(
                &NumberRef::Id(bad),
                None,
                &NumberUpdate {
                    friendly_name: Some(Some("Front desk".into())),
                    ..NumberUpdate::default()
                },
            )
            .expect("queued");
        let refused = cache.queue_update(
            &NumberRef::Id(bad),
            None,
            &NumberUpdate {
                metadata_patch: Some(switchboard_core::domain::Metadata::sms_webhook_url_patch(
                    Some("ftp://hooks.example.com/sms"),
                )),
                ..NumberUpdate::default()
            },
        );
        assert!(refused.is_err(), "a bad URL from the manager is refused");
    }
    let report = w.sync(false, 1000);
    assert_eq!(report.conflicts, 0, "{report:?}");
    let server = w.psql(&format!(
        "SELECT friendly_name || ' ' || (metadata->>'smsWebhookUrl') || ' ' ||
                (metadata->>'platformKey') FROM phone_numbers WHERE id = '{bad}'"
    ));
    assert_eq!(server.trim(), "Front desk hooks.example.com/sms 7");
    assert!(
        skipped(&w.status().skipped, bad).is_some(),
        "still reported"
    );

    // Fixed on the server: the next sync reads it and forgets the report.
    w.psql(&format!(
        r#"UPDATE phone_numbers SET metadata = metadata || '{{"smsWebhookUrl": "https://hooks.example.com/sms"}}'
           WHERE id = '{bad}'"#
    ));
    w.sync(false, 1000);
    assert!(skipped(&w.status().skipped, bad).is_none());
    let n = w.cached(bad).expect("cached");
    assert_eq!(
        n.metadata.as_ref().and_then(|m| m.sms_webhook_url()),
        Some("https://hooks.example.com/sms")
    );
}
