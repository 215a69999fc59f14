//! `dev …`: developer tools. The inventory's demo data (`dev seed`, [`commands::Dev`]) is in
//! every build; `dev fake-providers` only in a build with the `fake-providers` feature
//! (`cargo build -p switchboard-cli --features fake-providers`, as scripts/e2e.sh does), so
//! the release CLI does not link the providers' test doubles (`switchboard-fake-providers`,
//! axum).

use clap::Subcommand;

use crate::commands;

/// `dev …`.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Demo data.
    #[command(flatten)]
    Inventory(commands::Dev),
    /// Fake providers.
    #[cfg(feature = "fake-providers")]
    #[command(flatten)]
    Provider(fakes::FakeProviders),
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
        },
    }

    /// Runs the fakes until Ctrl-C.
    pub fn run(cmd: FakeProviders) -> Outcome {
        match cmd {
            FakeProviders::FakeProviders { port, numbers } => {
                let config = switchboard_fake_providers::FakeConfig {
                    twilio_numbers: numbers,
                    vonage_numbers: numbers,
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
