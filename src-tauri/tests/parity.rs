//! Parity of the two shells (issue #13): one scenario of a manager's number and provider
//! actions (add, update, bulk update, remove, import a file; add a provider account, import
//! its numbers from the fake Twilio, verify it, point its numbers' webhooks; export), written
//! once as data ([`SCENARIO`]), runs through the CLI binary and through the app's commands on
//! Tauri's mock runtime, each on three stores: a local workspace, a team database online, and
//! a team database offline then synced. Every run must end with the same rows, and on a team
//! database with the same rows on the server and in the cache.
//!
//! Rows are compared in every column of core's JSON export (so a new column joins the
//! comparison), except those that legitimately differ between runs: `id` and
//! `organization_id` (each store makes its own), `created_at` and `updated_at` (the time of
//! each run); `agent_id` is compared as the agent's name (each store has its own agent ids),
//! and `last_verified_at` as whether it is set.
//!
//! What a shell has no command for is done the way a manager would do it:
//! - the CLI has no bulk update of the numbers a manager picks: a script updates each number
//!   (`numbers update`), the change the app's `bulk_update` makes to them in one chunk;
//! - the app has no file import or export: the file is imported with the CLI into the
//!   workspace the app shows (then the app syncs, on a team database), and the app's "export"
//!   is what its table lists (`list_numbers`), compared on the columns the table shows.
//!
//! After every step, what the shell shows (the CLI's export, the app's table) must be what
//! every other run showed after that step; offline, the edits must wait in the outbox.
//!
//! Offline, a step that needs the server (importing a file) and every step after it wait
//! until the server is back and the shell has synced.
//!
//! Rows are compared with each JSON object's keys sorted (`jsonb` keeps its own key order).
//! With the app's former `verify_account` (its results written straight into the cache) the
//! app's run on the team database online ends without the verification on the server, and
//! the test fails.
//!
//! The test runs itself again as a child process with its environment set (`PGPASSWORD` for
//! the managers' login roles, the fake Twilio's URL, a vault service of its own on the real
//! Secret Service, `HOME`/XDG directories and the cache directory in a temporary directory;
//! see `support`). The CLI binary must be built (`cargo build -p switchboard-cli`); run it
//! inside `scripts/with-secret-service.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_app::dto::{
    self, ConnectionProfile, NewNumber, NumberChange, NumberQuery, SortField, TlsMode,
};
use switchboard_app::state::AppState;
use switchboard_app::{accounts, commands, providers, sync, team};
use switchboard_core::transfer::Format;
use switchboard_fake_providers::{FakeKind, creds};
use switchboard_ops::{Reads, Target, actions};
use switchboard_postgres::ConnectSettings;
use switchboard_test_postgres::TestCluster;
use tauri::AppHandle;
use tauri::Manager;
use tauri::ipc::Channel;
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

const CHILD: &str = "SWITCHBOARD_PARITY_TEST_DIR";
const SID: &str = creds::TWILIO_ACCOUNT_SID;
/// The numbers the fake Twilio account owns: +1{area}234{line}, none with an application.
const AT_PROVIDER: usize = 4;
/// What selects the account's numbers (and none of the others) in a search.
const ACCOUNTS_NUMBERS: &str = "234";
const NAME: &str =
    "one_scenario_through_the_cli_and_the_app_ends_with_the_same_rows_on_every_store";

/// One action of the scenario. Every store starts with the organization `acme`, its agent
/// Ava and the number +14155550100 "Main".
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Add a Twilio number with a name.
    Add {
        number: &'static str,
        name: &'static str,
    },
    /// Rename a number and assign it to an agent (by name).
    Update {
        number: &'static str,
        name: &'static str,
        agent: &'static str,
    },
    /// Set the status of several numbers at once.
    BulkStatus {
        numbers: &'static [&'static str],
        status: &'static str,
    },
    /// Remove a number.
    Remove { number: &'static str },
    /// Import a CSV file into `acme` (needs the server on a team database).
    ImportFile { csv: &'static str },
    /// Add the fake Twilio account to `acme`, its secret into this device's vault.
    AddAccount,
    /// Import every number the account owns into `acme`.
    ImportAccount,
    /// Verify the account: its numbers' status and verification time are recorded.
    VerifyAccount,
    /// Point the voice webhook of the account's numbers (those with `234` in them) at a URL.
    Webhooks { url: &'static str },
    /// Export `acme`'s numbers; the rows are checked against the store's at the end.
    Export,
}

impl Step {
    fn needs_server(self) -> bool {
        matches!(self, Step::ImportFile { .. })
    }
}

/// The scenario, in order.
const SCENARIO: &[Step] = &[
    Step::Add {
        number: "+14155550101",
        name: "One",
    },
    Step::Add {
        number: "+14155550102",
        name: "Two",
    },
    Step::Add {
        number: "+14155550103",
        name: "Three",
    },
    Step::Update {
        number: "+14155550101",
        name: "First",
        agent: "Ava",
    },
    Step::BulkStatus {
        numbers: &["+14155550101", "+14155550102", "+14155550103"],
        status: "inactive",
    },
    Step::Remove {
        number: "+14155550103",
    },
    Step::ImportFile {
        csv: "phone_number,provider,friendly_name,agent_id\n\
              +14155550104,twilio,Imported,Ava\n+14155550105,twilio,=SUM(A1),\n",
    },
    // The provider steps, against the fake Twilio. Verifying the account fails on the app's
    // former `verify_account`, whose results skipped the team edit policy (the server never
    // got them).
    Step::AddAccount,
    Step::ImportAccount,
    Step::VerifyAccount,
    Step::Webhooks {
        url: "https://platform.example/voice",
    },
    Step::Export,
];

#[test]
fn one_scenario_through_the_cli_and_the_app_ends_with_the_same_rows_on_every_store() {
    if let Some(dir) = std::env::var_os(CHILD) {
        return tauri::async_runtime::block_on(all_runs(PathBuf::from(dir)));
    }
    if !support::secret_service_required("parity") {
        return;
    }
    let (_runtime, fakes, service) = support::fakes_and_vault(AT_PROVIDER, "parity");
    {
        support::run_as_child(NAME, CHILD, "parity done", |child, dir| {
            child
                .env(FakeKind::Twilio.env_var(), fakes.base_url(FakeKind::Twilio))
                .env("SWITCHBOARD_VAULT_SERVICE", &service)
                .env("SWITCHBOARD_CACHE_DIR", dir.join("cache"))
                .env("PGPASSWORD", format!("manager-{}", std::process::id()))
                .env_remove("DATABASE_URL")
                .env_remove("SWITCHBOARD_DATABASE_URL")
                .env_remove("SWITCHBOARD_PROFILE")
                .env_remove("SWITCHBOARD_WORKSPACE");
        });
    }
}

/// A store's rows, normalized (see the module's documentation), sorted by number.
type Rows = Vec<Value>;

/// The store a run works on.
enum Store {
    Local(PathBuf),
    Team(Box<Team>),
}

/// A team database on its own throwaway cluster, with the manager's login role.
struct Team {
    cluster: TestCluster,
    port: u16,
    role: String,
}

impl Team {
    async fn new() -> Team {
        let (cluster, admin_settings, role) = support::team_database_with_manager(
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme');
             INSERT INTO agents (organization_id, name)
             SELECT id, 'Ava' FROM organizations WHERE slug = 'acme';
             INSERT INTO phone_numbers (organization_id, provider, phone_number,
               friendly_name, credentials)
             SELECT id, 'twilio', '+14155550100', 'Main', '{}'
             FROM organizations WHERE slug = 'acme';",
            password(),
        )
        .await;
        Team {
            port: admin_settings.port(),
            cluster,
            role,
        }
    }

    /// The manager's URL, without the password (`PGPASSWORD` gives it, as the CLI asks).
    fn url(&self) -> String {
        format!(
            "postgres://{}@127.0.0.1:{}/postgres?sslmode=disable",
            self.role, self.port
        )
    }

    fn settings(&self) -> ConnectSettings {
        ConnectSettings::from_url(&format!(
            "postgres://{}:{}@127.0.0.1:{}/postgres?sslmode=disable",
            self.role,
            password(),
            self.port
        ))
        .unwrap()
        .with_timeout(Duration::from_secs(5))
    }

    fn pg_ctl(&self, action: &str) {
        support::pg_ctl(&self.cluster, self.port, action);
    }
}

/// The managers' password in the child: the parent's, passed through `PGPASSWORD`.
fn password() -> String {
    std::env::var("PGPASSWORD").expect("PGPASSWORD set by the parent")
}

impl Store {
    async fn local(path: PathBuf) -> Store {
        let inv = switchboard_ops::open(Target::Local(path.clone()))
            .await
            .unwrap();
        let acme = inv.add_organization("acme", "Acme").await.unwrap();
        inv.add_agent(acme.id, "Ava").await.unwrap();
        let main = switchboard_core::domain::NewNumber {
            provider: "twilio".into(),
            number: "+14155550100".into(),
            friendly_name: Some("Main".into()),
            ..Default::default()
        };
        actions::add_number(&*inv, acme.id, main).await.unwrap();
        inv.close().await;
        Store::Local(path)
    }

    /// The CLI's options naming this store.
    fn cli_args(&self) -> Vec<String> {
        match self {
            Store::Local(path) => vec!["--workspace".into(), path.display().to_string()],
            Store::Team(team) => vec!["--database-url".into(), team.url()],
        }
    }
}

/// `acme`'s rows in the inventory `target` opens, normalized.
async fn rows_in(target: Target) -> Rows {
    let inv = switchboard_ops::open(target).await.unwrap();
    let acme = inv.organization("acme").await.unwrap();
    let agents: HashMap<String, String> = inv
        .agents(acme.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    let mut out = Vec::new();
    actions::export(&*inv, acme.id, Format::Json, &mut out)
        .await
        .unwrap();
    inv.close().await;
    normalize(serde_json::from_slice(&out).unwrap(), &agents)
}

/// Core's exported rows without the columns that legitimately differ between runs.
fn normalize(exported: Value, agents: &HashMap<String, String>) -> Rows {
    let mut rows: Rows = exported
        .as_array()
        .expect("an array of numbers")
        .iter()
        .map(|row| {
            let mut row = row.as_object().expect("a number").clone();
            for column in ["id", "organization_id", "created_at", "updated_at"] {
                row.remove(column).expect("a column of the export");
            }
            let verified = !row["last_verified_at"].is_null();
            row.insert("last_verified_at".into(), json!(verified));
            let agent = row["agent_id"]
                .as_str()
                .map(|id| agents.get(id).cloned().expect("a known agent"));
            row.insert("agent_id".into(), json!(agent));
            Value::Object(row)
        })
        .collect();
    rows.sort_by(|a, b| a["phone_number"].as_str().cmp(&b["phone_number"].as_str()));
    rows
}

/// The columns the app's table shows, of normalized rows.
fn shown(rows: &Rows) -> Rows {
    rows.iter()
        .map(|r| {
            json!({
                "phone_number": r["phone_number"],
                "provider": r["provider"],
                "friendly_name": r["friendly_name"],
                "status": r["status"],
                "agent_id": r["agent_id"],
                "webhook_configured": r["webhook_configured"],
                "webhook_url": r["webhook_url"],
            })
        })
        .collect()
}

/// The CLI binary on a store, the way a script runs it.
struct Cli {
    store_args: Vec<String>,
    dir: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Result<String, String> {
        self.run_with_input(args, "")
    }

    /// Runs the CLI with `input` on its standard input.
    fn run_with_input(&self, args: &[&str], input: &str) -> Result<String, String> {
        use std::io::Write as _;
        let mut child = support::cli()
            .args(args)
            .args(&self.store_args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the CLI runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().expect("the CLI ends");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "{args:?} exited {:?}: {stdout}{stderr}",
                out.status
            ))
        }
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        self.run(args).unwrap_or_else(|e| panic!("{e}"))
    }

    fn import(&self, csv: &str) {
        let file = self.dir.join("import.csv");
        std::fs::write(&file, csv).unwrap();
        let out = self.ok(&["numbers", "import", "--org", "acme", file.to_str().unwrap()]);
        assert!(out.contains("imported 2 numbers"), "{out}");
    }

    /// Runs a step; `Export` returns the exported rows (every column).
    fn step(&self, step: Step) -> Option<Rows> {
        match step {
            Step::Add { number, name } => {
                self.ok(&[
                    "numbers",
                    "add",
                    "--org",
                    "acme",
                    "--provider",
                    "twilio",
                    "--number",
                    number,
                    "--friendly-name",
                    name,
                ]);
            }
            Step::Update {
                number,
                name,
                agent,
            } => {
                self.ok(&[
                    "numbers",
                    "update",
                    number,
                    "--friendly-name",
                    name,
                    "--agent",
                    agent,
                ]);
            }
            Step::BulkStatus { numbers, status } => {
                for number in numbers {
                    self.ok(&["numbers", "update", number, "--status", status]);
                }
            }
            Step::Remove { number } => {
                self.ok(&["numbers", "remove", number]);
            }
            Step::ImportFile { csv } => self.import(csv),
            Step::AddAccount => {
                let token = format!("{}\n", creds::TWILIO_AUTH_TOKEN);
                let args = [
                    "accounts",
                    "add",
                    "--org",
                    "acme",
                    "--provider",
                    "twilio",
                    "--account-sid",
                    SID,
                ];
                self.run_with_input(&args, &token)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            Step::ImportAccount => {
                let out = self.ok(&[
                    "numbers",
                    "import",
                    "--org",
                    "acme",
                    "--account",
                    SID,
                    "--yes",
                ]);
                assert!(out.contains(&format!("imported {AT_PROVIDER}")), "{out}");
            }
            Step::VerifyAccount => {
                self.ok(&["accounts", "verify", "--org", "acme", SID]);
            }
            Step::Webhooks { url } => {
                self.ok(&[
                    "numbers",
                    "webhook",
                    "--org",
                    "acme",
                    "--search",
                    ACCOUNTS_NUMBERS,
                    "--voice-url",
                    url,
                    "--yes",
                ]);
            }
            Step::Export => return Some(self.export()),
        }
        None
    }

    /// `numbers export` as JSON: every column, normalized.
    fn export(&self) -> Rows {
        let json = self.ok(&["numbers", "export", "--org", "acme", "--format", "json"]);
        let agents = self.ok(&["agents", "list", "--org", "acme", "--json"]);
        let agents: Vec<Value> = serde_json::from_str(&agents).unwrap();
        let agents = agents
            .iter()
            .map(|a| {
                (
                    a["id"].as_str().unwrap().to_owned(),
                    a["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        normalize(serde_json::from_str(&json).unwrap(), &agents)
    }

    /// `sync` (a team database): the outbox, then the server's changes into the cache.
    fn sync(&self) -> Result<String, String> {
        self.run(&["sync"])
    }
}

/// The app on the mock runtime, with the state its setup manages.
struct App {
    app: AppHandle<MockRuntime>,
    /// The CLI on the same store, for what the app has no command for (importing a file).
    cli: Cli,
    team: bool,
}

impl App {
    fn new(local: &Path, cli: Cli) -> App {
        let app = mock_builder()
            .plugin(tauri_plugin_store::Builder::default().build())
            .build(mock_context(noop_assets()))
            .expect("the app builds");
        app.manage(AppState::open(local).expect("local workspace"));
        app.manage(providers::ProviderTasks::default());
        app.manage(sync::SyncState::default());
        App {
            app: app.handle().clone(),
            cli,
            team: false,
        }
    }

    /// Saves the team's profile and opens it, as the workspace picker does.
    async fn open_team(&mut self, name: &str, t: &Team) {
        let profile = ConnectionProfile {
            name: name.into(),
            host: "127.0.0.1".into(),
            port: t.port,
            database: "postgres".into(),
            user: t.role.clone(),
            tls_mode: TlsMode::Disable,
            ca_file: None,
        };
        let app = &self.app;
        team::save_profile(app.clone(), app.state(), None, profile, None)
            .await
            .expect("profile saved");
        let info = team::open_workspace(app.clone(), app.state(), Some(name.into()))
            .await
            .expect("team workspace opens");
        assert_eq!(info.kind, "team");
        self.team = true;
    }

    async fn sync(&self) -> dto::TeamStatus {
        tokio::time::timeout(
            Duration::from_secs(60),
            sync::sync_now(self.app.clone(), Channel::new(|_| Ok(()))),
        )
        .await
        .expect("the sync ends")
        .expect("sync_now answers")
    }

    async fn acme(&self) -> String {
        let orgs = commands::list_organizations(self.app.state())
            .await
            .unwrap();
        orgs.into_iter()
            .find(|o| o.slug == "acme")
            .unwrap()
            .id
            .to_string()
    }

    /// What the table lists: every number of `acme`, by number.
    async fn listed(&self) -> Vec<dto::PhoneNumber> {
        let query = NumberQuery {
            filter: support::every_number_of(self.acme().await),
            sort: SortField::Number,
            descending: false,
            limit: 1000,
            after: None,
        };
        let page = commands::list_numbers(self.app.state(), query)
            .await
            .unwrap();
        assert!(page.next.is_none(), "one page");
        page.items
    }

    async fn id_of(&self, number: &str) -> String {
        let listed = self.listed().await;
        listed
            .into_iter()
            .find(|n| n.phone_number == number)
            .unwrap_or_else(|| panic!("{number} is listed"))
            .id
    }

    async fn agents(&self) -> HashMap<String, String> {
        let agents = commands::list_agents(self.app.state(), self.acme().await)
            .await
            .unwrap();
        agents
            .into_iter()
            .map(|a| (a.name, a.id.to_string()))
            .collect()
    }

    async fn update(&self, number: &str, changes: Vec<NumberChange>) {
        let id = self.id_of(number).await;
        let app = &self.app;
        commands::update_number(app.clone(), app.state(), id, changes)
            .await
            .expect("updated");
    }

    /// Runs a step; `Export` returns what the table lists, in the columns it shows.
    async fn step(&self, step: Step) -> Option<Rows> {
        let app = &self.app;
        match step {
            Step::Add { number, name } => {
                let new = NewNumber {
                    provider: dto::Provider::Twilio,
                    number: number.into(),
                    region: None,
                    friendly_name: Some(name.into()),
                    status: None,
                    capabilities: None,
                    agent_id: None,
                };
                commands::add_number(app.clone(), app.state(), self.acme().await, new)
                    .await
                    .expect("added");
            }
            Step::Update {
                number,
                name,
                agent,
            } => {
                let agent = self.agents().await.remove(agent).expect("the agent");
                let changes = vec![
                    NumberChange::FriendlyName(Some(name.into())),
                    NumberChange::Agent(Some(agent)),
                ];
                self.update(number, changes).await;
            }
            Step::BulkStatus { numbers, status } => {
                let mut ids = Vec::new();
                for number in numbers {
                    ids.push(self.id_of(number).await);
                }
                let status: dto::Status = serde_json::from_value(json!(status)).unwrap();
                let report = commands::bulk_update(
                    app.clone(),
                    app.state(),
                    "parity-bulk".into(),
                    self.acme().await,
                    ids,
                    vec![NumberChange::Status(status)],
                    Channel::new(|_| Ok(())),
                )
                .await
                .expect("bulk update runs");
                assert!(report.failed.is_empty(), "{:?}", report.failed);
            }
            Step::Remove { number } => {
                let id = self.id_of(number).await;
                commands::remove_number(app.clone(), app.state(), id)
                    .await
                    .expect("removed");
            }
            Step::ImportFile { csv } => {
                self.cli.import(csv);
                if self.team {
                    self.sync().await;
                }
            }
            Step::AddAccount => {
                let account = serde_json::from_value(json!({
                    "provider": "twilio",
                    "kind": "secret",
                    "accountId": SID,
                    "identifier": null,
                    "secret": creds::TWILIO_AUTH_TOKEN,
                    "label": null,
                }))
                .unwrap();
                accounts::add_account(app.state(), self.acme().await, account)
                    .await
                    .expect("account added");
            }
            Step::ImportAccount => {
                let tasks = app.state::<providers::ProviderTasks>();
                let preview = providers::import_preview(
                    app.state(),
                    tasks.clone(),
                    "parity-preview".into(),
                    self.acme().await,
                    dto::Provider::Twilio,
                    SID.into(),
                    Channel::new(|_| Ok(())),
                )
                .await
                .expect("the account's numbers are listed");
                let preview = serde_json::to_value(preview).unwrap();
                let new: Vec<String> = preview["candidates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["state"] == "new")
                    .map(|c| c["phoneNumber"].as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(new.len(), AT_PROVIDER, "{preview}");
                let report = providers::import_numbers(
                    app.clone(),
                    app.state(),
                    tasks,
                    "parity-import".into(),
                    preview["previewId"].as_str().unwrap().to_owned(),
                    new,
                    Vec::new(),
                    Channel::new(|_| Ok(())),
                )
                .await
                .expect("the import runs");
                let report = serde_json::to_value(report).unwrap();
                assert_eq!(report["failed"], json!([]), "{report}");
            }
            Step::VerifyAccount => {
                accounts::verify_account(
                    app.clone(),
                    app.state(),
                    self.acme().await,
                    dto::Provider::Twilio,
                    SID.into(),
                )
                .await
                .expect("the account is verified");
            }
            Step::Webhooks { url } => {
                let ids = self
                    .listed()
                    .await
                    .into_iter()
                    .filter(|n| n.phone_number.contains(ACCOUNTS_NUMBERS))
                    .map(|n| n.id)
                    .collect();
                let tasks = app.state::<providers::ProviderTasks>();
                let report = providers::bulk_set_webhooks(
                    app.clone(),
                    app.state(),
                    tasks,
                    "parity-webhooks".into(),
                    self.acme().await,
                    ids,
                    Some(url.into()),
                    None,
                    false,
                    Channel::new(|_| Ok(())),
                )
                .await
                .expect("the webhooks are set");
                let report = serde_json::to_value(report).unwrap();
                assert_eq!(
                    (&report["succeeded"], &report["failed"]),
                    (&json!(AT_PROVIDER), &json!(0)),
                    "{report}"
                );
            }
            Step::Export => return Some(self.view().await),
        }
        None
    }

    /// What the table lists, in the columns it shows (as [`shown`]).
    async fn view(&self) -> Rows {
        let names: HashMap<String, String> = self
            .agents()
            .await
            .into_iter()
            .map(|(n, i)| (i, n))
            .collect();
        let rows = self.listed().await.into_iter().map(|n| {
            json!({
                "phone_number": n.phone_number,
                "provider": n.provider,
                "friendly_name": n.friendly_name,
                "status": n.status,
                "agent_id": n.agent_id.map(|id| names[&id].clone()),
                "webhook_configured": n.webhook_configured,
                "webhook_url": n.webhook_url,
            })
        });
        rows.collect()
    }
}

/// A shell the scenario runs through.
enum Shell {
    Cli(Cli),
    App(App),
}

impl Shell {
    async fn step(&self, step: Step) -> Option<Rows> {
        match self {
            Shell::Cli(cli) => cli.step(step),
            Shell::App(app) => app.step(step).await,
        }
    }

    /// Syncs a team workspace's cache; panics when the sync fails.
    async fn sync(&self) {
        match self {
            Shell::Cli(cli) => {
                cli.sync().unwrap_or_else(|e| panic!("{e}"));
            }
            Shell::App(app) => {
                let status = app.sync().await;
                assert_eq!(status.connection, dto::Connection::Online, "{status:?}");
                assert_eq!((status.outbox, status.conflicts), (0, 0), "{status:?}");
            }
        }
    }

    /// What the manager sees after a step, in the columns the app's table shows: the app's
    /// table (the cache, on a team database), the CLI's export (the server, or the cache
    /// while offline).
    async fn view(&self) -> Rows {
        match self {
            Shell::Cli(cli) => shown(&cli.export()),
            Shell::App(app) => app.view().await,
        }
    }

    /// Whether `Export` gives every column (the CLI) or the table's (the app).
    fn exports_every_column(&self) -> bool {
        matches!(self, Shell::Cli(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Local,
    Online,
    Offline,
}

/// What a run ends with: the store's rows, and what the shell showed after each step.
struct Outcome {
    rows: Rows,
    views: Vec<(Step, Rows)>,
}

/// Runs the scenario through `shell` on `store`; returns the rows the store ends with, after
/// checking the server's against the cache's and the shell's export against them, and what
/// the shell showed after each step.
async fn run(name: &str, shell: &Shell, store: &Store, kind: Kind) -> Outcome {
    let team = match store {
        Store::Team(t) => Some(t),
        Store::Local(_) => None,
    };
    if kind == Kind::Offline {
        // A cache to work on, then the server goes away.
        shell.sync().await;
        team.unwrap().pg_ctl("stop");
    }
    let mut later = Vec::new();
    let mut exported = None;
    let mut views = Vec::new();
    for &step in SCENARIO {
        if kind == Kind::Offline && (step.needs_server() || !later.is_empty()) {
            later.push(step);
            continue;
        }
        exported = shell.step(step).await.or(exported);
        views.push((step, shell.view().await));
    }
    if kind == Kind::Offline {
        // The edits were made offline: they wait in the cache's outbox.
        let t = team.unwrap();
        let cache = switchboard_sync::cache_path(&t.settings()).unwrap();
        let outbox = switchboard_core::store::Workspace::open(cache)
            .unwrap()
            .outbox()
            .unwrap();
        let queued: Vec<String> = outbox
            .iter()
            .map(|e| e.number.phone_number.to_string())
            .collect();
        for number in ["+14155550101", "+14155550102"] {
            assert!(queued.iter().any(|q| q == number), "{name}: {queued:?}");
        }
        t.pg_ctl("start");
        shell.sync().await;
    }
    for step in later {
        exported = shell.step(step).await.or(exported);
        views.push((step, shell.view().await));
    }
    let rows = match team {
        None => {
            let Store::Local(path) = store else {
                unreachable!()
            };
            rows_in(Target::Local(path.clone())).await
        }
        Some(t) => {
            shell.sync().await;
            let server = rows_in(Target::team(t.settings(), Reads::Server).unwrap()).await;
            let cache = switchboard_sync::cache_path(&t.settings()).unwrap();
            let cached = rows_in(Target::Local(cache)).await;
            assert_eq!(
                pretty(&cached),
                pretty(&server),
                "{name}: the cache holds the server's rows"
            );
            server
        }
    };
    let exported = exported.expect("the scenario exports");
    let expected = if shell.exports_every_column() {
        rows.clone()
    } else {
        shown(&rows)
    };
    assert_eq!(
        pretty(&exported),
        pretty(&expected),
        "{name}: the export shows the store's rows"
    );
    Outcome { rows, views }
}

/// Rows as text to compare, each object's keys sorted: PostgreSQL's `jsonb` keeps an object's
/// keys in its own order, SQLite keeps the written one, and the two mean the same.
fn pretty(rows: &Rows) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&rows.iter().map(sorted).collect::<Vec<_>>()).unwrap()
}

async fn all_runs(dir: PathBuf) {
    let mut results: Vec<(String, Outcome)> = Vec::new();
    for kind in [Kind::Local, Kind::Online, Kind::Offline] {
        for app in [false, true] {
            let name = format!(
                "{} on the {kind:?} store",
                if app { "the app" } else { "the CLI" }
            );
            let run_dir = dir.join(format!("{kind:?}-{app}"));
            std::fs::create_dir_all(&run_dir).unwrap();
            let store = match kind {
                Kind::Local => Store::local(run_dir.join("local.db")).await,
                Kind::Online | Kind::Offline => Store::Team(Box::new(Team::new().await)),
            };
            let cli = Cli {
                store_args: store.cli_args(),
                dir: run_dir.clone(),
            };
            let shell = if app {
                // The app's own local workspace is the store when the store is local.
                let local = match &store {
                    Store::Local(path) => path.clone(),
                    Store::Team(_) => run_dir.join("app-local.db"),
                };
                let mut app = App::new(&local, cli);
                if let Store::Team(t) = &store {
                    app.open_team(&format!("{kind:?}").to_lowercase(), t).await;
                    app.sync().await;
                }
                Shell::App(app)
            } else {
                Shell::Cli(cli)
            };
            let outcome = run(&name, &shell, &store, kind).await;
            results.push((name, outcome));
        }
    }

    let (first, reference) = &results[0];
    let expected = &reference.rows;
    assert_eq!(expected.len(), 5 + AT_PROVIDER, "{}", pretty(expected));
    let account_numbers: Vec<&Value> = expected
        .iter()
        .filter(|r| {
            r["phone_number"]
                .as_str()
                .unwrap()
                .contains(ACCOUNTS_NUMBERS)
        })
        .collect();
    assert_eq!(account_numbers.len(), AT_PROVIDER);
    for n in account_numbers {
        assert_eq!(
            (
                &n["last_verified_at"],
                &n["webhook_configured"],
                &n["webhook_url"]
            ),
            (
                &json!(true),
                &json!(true),
                &json!("https://platform.example/voice")
            ),
            "{n}"
        );
    }
    let one = expected
        .iter()
        .find(|r| r["phone_number"] == "+14155550101")
        .unwrap();
    assert_eq!(
        (&one["friendly_name"], &one["status"], &one["agent_id"]),
        (&json!("First"), &json!("inactive"), &json!("Ava")),
        "{one}"
    );
    for (name, outcome) in &results[1..] {
        assert_eq!(
            pretty(&outcome.rows),
            pretty(expected),
            "{name} ends with the rows of {first}"
        );
        assert_eq!(outcome.views.len(), SCENARIO.len());
        for ((step, view), (_, seen)) in outcome.views.iter().zip(&reference.views) {
            assert_eq!(
                pretty(view),
                pretty(seen),
                "after {step:?}, {name} shows what {first} showed"
            );
        }
    }
    println!("parity done");
}
