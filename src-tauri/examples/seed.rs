//! Seeds a workspace file for the app's benchmarks: `seed PATH COUNT [SLUG]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: seed PATH COUNT [SLUG]")?;
    let count: u64 = args
        .next()
        .ok_or("usage: seed PATH COUNT [SLUG]")?
        .parse()?;
    let slug = args.next().unwrap_or_else(|| "demo".into());
    let mut ws = switchboard_core::store::Workspace::open(&path)?;
    let report = switchboard_core::seed::seed(&mut ws, &slug, count, |_, _| {})?;
    println!(
        "seeded {} numbers into {slug} in {path}",
        report.numbers_inserted
    );
    Ok(())
}
