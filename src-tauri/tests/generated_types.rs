//! Drift check: the committed TypeScript bindings are exactly what the Rust types render.

use std::path::Path;

#[test]
fn committed_bindings_match_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(switchboard_app::bindings::PATH);
    let fresh = switchboard_app::bindings::typescript();
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
