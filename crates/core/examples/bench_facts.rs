//! Facts per second: `E164::facts` (metadata tables compiled once) against
//! `E164::facts_reference` (the `phonenumber` parser path), on one thread, over
//!
//! - the seed generator's numbers (what `dev seed` and the sync benchmark store: 8 countries),
//! - valid numbers of every region (each region's example numbers, repeated): the case where the
//!   crate's shared 100-entry regex cache churns.
//!
//! Also checks that both give the same facts for every number it times.
//!
//! `cargo run --release -p switchboard-core --example bench_facts [-- SEED_NUMBERS]`
//! (default 1,000,000).

use std::collections::HashSet;
use std::time::Instant;

use switchboard_core::domain::{E164, NumberFacts, Organization};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// Times `f` over every number; returns (numbers per second, seconds, facts).
fn time(numbers: &[E164], f: impl Fn(&E164) -> NumberFacts) -> (f64, f64, Vec<NumberFacts>) {
    let t = Instant::now();
    let facts: Vec<NumberFacts> = numbers.iter().map(f).collect();
    let secs = t.elapsed().as_secs_f64();
    (numbers.len() as f64 / secs, secs, facts)
}

fn compare(label: &str, numbers: &[E164]) -> Fallible<()> {
    // Warm both paths (regex compilation, the metadata database) before timing.
    for n in numbers.iter().take(2000) {
        let _ = (n.facts(), n.facts_reference());
    }
    let (old_rate, old_secs, old) = time(numbers, E164::facts_reference);
    let (new_rate, new_secs, new) = time(numbers, E164::facts);
    let differ = old.iter().zip(&new).filter(|(a, b)| a != b).count();
    println!(
        "{label}: {} numbers; reference {old_rate:>10.0}/s ({old_secs:.2} s), \
         new {new_rate:>10.0}/s ({new_secs:.2} s): {:.1}x; {differ} differ",
        numbers.len(),
        new_rate / old_rate,
    );
    if differ > 0 {
        return Err(format!("{differ} numbers got different facts").into());
    }
    Ok(())
}

fn main() -> Fallible<()> {
    let count: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    println!(
        "load: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    // What a fresh process pays once: loading libphonenumber's metadata and compiling the
    // patterns of each calling code on first use (one number from each of eight countries).
    let cold = [
        "+14155550100",
        "+442079460958",
        "+493012345678",
        "+33142685300",
        "+81312345678",
        "+61291234567",
        "+5511912345678",
        "+919876543210",
    ];
    let t = Instant::now();
    for n in cold {
        E164::from_stored(n.to_owned()).facts();
    }
    let first = t.elapsed();
    let t = Instant::now();
    for n in cold {
        E164::from_stored(n.to_owned()).facts();
    }
    println!(
        "first facts in a fresh process, 8 countries: {:.1} ms (then {:.3} ms for the same 8)",
        first.as_secs_f64() * 1000.0,
        t.elapsed().as_secs_f64() * 1000.0
    );
    let org = Organization {
        id: uuid::Uuid::nil(),
        slug: "bench".into(),
        name: "Bench".into(),
    };
    let seed: Vec<E164> = switchboard_core::seed::generate(&org, &[], count, HashSet::new())?
        .into_iter()
        .map(|(n, _)| n.phone_number)
        .collect();
    compare("seed numbers", &seed)?;

    let world = E164::metadata_examples();
    let distinct = world.len();
    let world: Vec<E164> = world
        .iter()
        .cycle()
        .take((count as usize).min(distinct * 40))
        .cloned()
        .collect();
    compare(
        &format!("every region ({distinct} distinct valid numbers, cycled)"),
        &world,
    )?;
    Ok(())
}
