//! `dev …`: developer tools. The inventory's demo data (`dev seed`) is in
//! every build; `dev fake-providers` only in a build with the `fake-providers` feature
//! (`cargo build -p switchboard-cli --features fake-providers`, as scripts/e2e.sh does), so
//! the release CLI does not link the providers' test doubles (`switchboard-fake-providers`,
//! axum).

use clap::Subcommand;
use serde_json::json;
use switchboard_core::Result;

use crate::{Global, output};

/// `dev …`.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Fill an organization with deterministic demo data (creates it when missing)
    Seed {
        /// Organization slug
        #[arg(long)]
        org: String,
        /// How many numbers to add
        #[arg(long)]
        numbers: u64,
    },
    /// Fake providers.
    #[cfg(feature = "fake-providers")]
    #[command(flatten)]
    Provider(fakes::FakeProviders),
}

/// `dev seed`: fills the organization `org` of the workspace file with `numbers` demo numbers.
pub fn seed(g: &Global, org: &str, numbers: u64) -> Result<()> {
    let mut ws = switchboard_core::store::Workspace::open(g.workspace_path()?)?;
    let started = std::time::Instant::now();
    let report = switchboard_core::seed::seed(&mut ws, org, numbers, |done, total| {
        if !g.json && total >= 100_000 {
            eprint!("\rseeding {done}/{total}");
        }
    })?;
    if !g.json && numbers >= 100_000 {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    let value = json!({
        "organization": report.organization,
        "agents_created": report.agents_created,
        "numbers_inserted": report.numbers_inserted,
        "seconds": secs,
    });
    output::json_or(g.json, &value, |_| {
        format!(
            "seeded {} with {} numbers and {} new agents in {secs:.1} s",
            report.organization.slug, report.numbers_inserted, report.agents_created
        )
    });
    Ok(())
}

#[cfg(feature = "fake-providers")]
pub mod fakes {
    //! `dev fake-providers`.

    use switchboard_core::Error;

    use crate::providers::{Failure, Outcome};

    /// `dev fake-providers`.
    #[derive(Debug, clap::Subcommand)]
    pub enum FakeProviders {
        /// Run local fakes of the providers' APIs (Twilio on PORT, Vonage PORT+1, Telnyx
        /// PORT+2, Bandwidth PORT+3, Plivo PORT+4) until Ctrl-C; prints the
        /// SWITCHBOARD_*_API_URL exports
        FakeProviders {
            /// The first port
            #[arg(long, default_value_t = 4010)]
            port: u16,
            /// Numbers each fake account owns
            #[arg(long, default_value_t = 50)]
            numbers: usize,
            /// US local numbers the Vonage account also owns, linked to its 10DLC campaigns in
            /// every state (for readiness)
            #[arg(long, default_value_t = 0)]
            vonage_us_numbers: usize,
            /// US toll-free numbers the Plivo account also owns, in every SMS verification state
            /// (for readiness)
            #[arg(long, default_value_t = 0)]
            plivo_toll_free_numbers: usize,
            /// US toll-free numbers the Twilio account also owns, in every toll-free
            /// verification state and one with none (for readiness)
            #[arg(long, default_value_t = 0)]
            twilio_toll_free_numbers: usize,
        },
    }

    /// Runs the fakes until Ctrl-C.
    pub fn run(cmd: FakeProviders) -> Outcome {
        match cmd {
            FakeProviders::FakeProviders {
                port,
                numbers,
                vonage_us_numbers,
                plivo_toll_free_numbers,
                twilio_toll_free_numbers,
            } => {
                let config = switchboard_fake_providers::FakeConfig {
                    twilio_numbers: numbers,
                    twilio_toll_free_numbers,
                    vonage_numbers: numbers,
                    vonage_us_numbers,
                    plivo_toll_free_numbers,
                    telnyx_numbers: numbers,
                    bandwidth_numbers: numbers,
                    plivo_numbers: numbers,
                    ..Default::default()
                };
                let io = |source| {
                    Failure::Core(Error::Io {
                        path: format!("fake providers on ports {port}-{}", port.saturating_add(4)),
                        source,
                    })
                };
                let runtime = crate::db::runtime()?;
                runtime
                    .block_on(switchboard_fake_providers::run(port, config))
                    .map_err(io)
            }
        }
    }
}
