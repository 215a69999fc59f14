//! Benchmarks that print figures (see docs/BENCHMARKS.md).
use clap::Subcommand;
use switchboard_core::Result;

use crate::Global;

#[derive(Debug, Subcommand)]
pub enum Bench {}

pub fn run(_g: &Global, cmd: Bench) -> Result<()> {
    match cmd {}
}
