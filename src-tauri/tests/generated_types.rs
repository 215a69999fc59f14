//! Drift check: the committed TypeScript bindings are exactly what the Rust types render.

use std::path::Path;

#[test]
fn committed_bindings_match_the_rust_types() {
    check(
        switchboard_app::bindings::PATH,
        switchboard_app::bindings::typescript(),
    );
}

#[test]
fn committed_regions_are_libphonenumbers() {
    check(
        switchboard_app::bindings::REGIONS_PATH,
        switchboard_app::bindings::regions_typescript(),
    );
}

fn check(file: &str, fresh: String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("SWITCHBOARD_UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date: run `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test --test generated_types` \
         in src-tauri and commit the result",
        path.display()
    );
}
