//! Embeds the repository's `migrations/` (sqlx's `<VERSION>_<description>.sql` files) into the
//! crate, and reruns when any of them changes.
//!
//! This does what `sqlx::migrate!` does. The macro cannot be used here: its expansion needs
//! `sqlx`'s own `migrate` feature, which names `sqlx-sqlite?/migrate`, and Cargo then puts a
//! second `libsqlite3-sys` in the graph, next to rusqlite's (rust-lang/cargo#10801).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: a build script reused from another checkout of the same sources (a
    // shared CARGO_TARGET_DIR) would otherwise look in that checkout.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(i64, String, String)> = Vec::new();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (version, description) = stem
            .split_once('_')
            .unwrap_or_else(|| panic!("{name}: expected <VERSION>_<description>.sql"));
        let version: i64 = version
            .parse()
            .unwrap_or_else(|_| panic!("{name}: the version is not a number"));
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = path.canonicalize().expect("the migration's path");
        files.push((
            version,
            description.replace('_', " "),
            absolute.display().to_string(),
        ));
    }
    files.sort();
    let mut code =
        String::from("/// (version, description, SQL) of every migration, oldest first.\n");
    code.push_str("pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[\n");
    for (version, description, path) in &files {
        writeln!(
            code,
            "    ({version}, {description:?}, include_str!({path:?})),"
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(&out, code).expect("write migrations.rs");
}
