//! Numbers parsed per second on one thread, as a CSV import reads its `phone_number` cells
//! (`transfer::read_phone_number`, i.e. `E164::parse_with_facts` for `+`-led cells): the seed
//! generator's numbers (8 countries) as plain E.164 (`+14155550100`, the hot path of an import
//! of an export), then the same numbers written as people paste them (`tel:` URIs and
//! fullwidth digits). Best of three rounds each.
//!
//! `cargo run --release -p switchboard-core --example bench_parse [-- NUMBERS]`
//! (default 1,000,000).

use std::collections::HashSet;
use std::time::Instant;

use switchboard_core::domain::Organization;
use switchboard_core::transfer::read_phone_number;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// Parses every cell three times; returns the best rate (numbers per second) and seconds.
fn best_of_three(cells: &[String]) -> Fallible<(f64, f64)> {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for cell in cells {
            read_phone_number(cell, None)?;
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok((cells.len() as f64 / best, best))
}

fn fullwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            other => other,
        })
        .collect()
}

fn main() -> Fallible<()> {
    let count = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |a| a.parse::<u64>())?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load: {}", load.trim());
    let org = Organization {
        id: uuid::Uuid::nil(),
        slug: "bench".into(),
        name: "Bench".into(),
    };
    let plain: Vec<String> = switchboard_core::seed::generate(&org, &[], count, HashSet::new())?
        .into_iter()
        .map(|(n, _)| n.phone_number.as_str().to_owned())
        .collect();
    // Warm the metadata and each country's patterns.
    for cell in plain.iter().take(2000) {
        read_phone_number(cell, None)?;
    }
    let (rate, secs) = best_of_three(&plain)?;
    println!(
        "plain E.164: {} numbers, {rate:>10.0}/s ({secs:.2} s)",
        plain.len()
    );
    let pasted: Vec<String> = plain
        .iter()
        .enumerate()
        .map(|(i, n)| match i % 2 {
            0 => format!("tel:{n}"),
            _ => fullwidth(n),
        })
        .collect();
    match best_of_three(&pasted) {
        Ok((rate, secs)) => println!(
            "pasted (tel: URIs, fullwidth): {} numbers, {rate:>10.0}/s ({secs:.2} s)",
            pasted.len()
        ),
        Err(e) => println!("pasted (tel: URIs, fullwidth): refused ({e})"),
    }
    Ok(())
}
