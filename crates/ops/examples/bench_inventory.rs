//! The app's list and count path before and after `switchboard-ops`: a page and its count for
//! each keystroke of a few searches, through (old) the app's own `Arc<Mutex<Workspace>>` on the
//! blocking pool, and (new) `LocalInventory`. Prints p50/p95 of each, interleaved in one run.
//!
//! `cargo run --release -p switchboard-ops --example bench_inventory [NUMBERS]` (default 200,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::store::Workspace;
use switchboard_ops::{Inventory, LocalInventory};

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let org = {
        let mut ws = Workspace::open(&path).unwrap();
        switchboard_core::seed::seed(&mut ws, "demo", n, |_, _| {})
            .unwrap()
            .organization
            .id
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let old_primary = Arc::new(Mutex::new(Workspace::open(&path).unwrap()));
    let old_counter = Arc::new(Mutex::new(Workspace::open(&path).unwrap()));
    let new = LocalInventory::open(&path).unwrap();
    let mut keystrokes = Vec::new();
    for word in ["+1415555", "line 12", "Support", "44207"] {
        for i in 1..=word.len() {
            keystrokes.push(word[..i].to_owned());
        }
    }
    let (mut old_times, mut new_times) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for round in 0..6 {
            for text in &keystrokes {
                let filter = NumberFilter::org(org).search(text);
                let query = NumberQuery::first(filter.clone(), Sort::default(), 100).unwrap();
                let old_path = async {
                    let started = Instant::now();
                    let (p, c) = (old_primary.clone(), old_counter.clone());
                    let (q, f) = (query.clone(), filter.clone());
                    let page =
                        tokio::task::spawn_blocking(move || p.lock().unwrap().list_numbers(&q));
                    let count =
                        tokio::task::spawn_blocking(move || c.lock().unwrap().count_numbers(&f));
                    let (page, count) =
                        (page.await.unwrap().unwrap(), count.await.unwrap().unwrap());
                    (started.elapsed(), page.items.len(), count)
                };
                let new_path = async {
                    let started = Instant::now();
                    let (page, count) =
                        tokio::join!(new.list_numbers(&query), new.count_numbers(&filter));
                    (started.elapsed(), page.unwrap().items.len(), count.unwrap())
                };
                // Alternate which runs first, so neither always meets a warmer cache.
                let (o, w) = if text.len() % 2 == 0 {
                    let o = old_path.await;
                    (o, new_path.await)
                } else {
                    let w = new_path.await;
                    (old_path.await, w)
                };
                assert_eq!((o.1, o.2), (w.1, w.2));
                let (old, now) = (o.0, w.0);
                if round > 0 {
                    old_times.push(old);
                    new_times.push(now);
                }
            }
        }
    });
    println!(
        "{n} numbers, {} keystrokes x 5 rounds: page + count p50/p95 — app state (before) {:.2}/{:.2} ms, LocalInventory (after) {:.2}/{:.2} ms",
        keystrokes.len(),
        pct(old_times.clone(), 0.5),
        pct(old_times, 0.95),
        pct(new_times.clone(), 0.5),
        pct(new_times, 0.95),
    );
}
