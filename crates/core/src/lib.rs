//! Switchboard's core: the phone-number domain and every rule over it, the local SQLite
//! workspace, and the data operations the CLI and the desktop app translate into commands.
//!
//! Nothing here depends on a UI toolkit. Every write validates its input completely and runs
//! in one transaction, so a refused write changes nothing.

pub mod domain;
pub mod error;
pub mod query;
pub mod readiness;
pub mod seed;
pub mod store;
pub mod transfer;
pub mod usage;

pub use error::{Error, ErrorCode, Result};
