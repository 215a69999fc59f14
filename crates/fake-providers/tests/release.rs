//! The providers' fakes are test doubles: no release binary links them. The CLI includes them
//! only with its `fake-providers` feature (`dev fake-providers`, for scripts/e2e.sh), the app
//! never (its tests start them in-process, and the e2e reaches the CLI's fakes by URL).
//! `cargo tree` of each (default features; normal and build dependencies on this platform)
//! must name neither this crate nor axum, its HTTP server.

use std::process::Command;

/// The packages of `package`'s dependency tree (with `features`), one name each.
fn tree(package: &str, features: &[&str]) -> Vec<String> {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "tree",
        "--locked",
        "--offline",
        "--edges",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
        "--package",
        package,
    ]);
    for f in features {
        cargo.args(["--features", f]);
    }
    let out = cargo
        .output()
        .unwrap_or_else(|e| panic!("running cargo tree: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(
        names.iter().any(|n| n == package),
        "cargo tree -p {package}: {stdout}"
    );
    names
}

/// What of the fakes `names` holds.
fn fakes(names: &[String]) -> Vec<&str> {
    let mut found: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| ["switchboard-fake-providers", "axum"].contains(n))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

#[test]
fn the_release_cli_and_app_do_not_link_the_fakes() {
    for package in ["switchboard-cli", "switchboard-app"] {
        let names = tree(package, &[]);
        let linked = fakes(&names);
        assert!(
            linked.is_empty(),
            "{package} links {linked:?} without the `fake-providers` feature: the fakes are test \
             doubles (make the dependency optional, or a dev-dependency)"
        );
    }
    // The check sees them where they are: in the CLI built for the end-to-end tests.
    let e2e = tree("switchboard-cli", &["fake-providers"]);
    assert!(
        fakes(&e2e).contains(&"switchboard-fake-providers"),
        "the e2e CLI lost `dev fake-providers`: {e2e:?}"
    );
}
