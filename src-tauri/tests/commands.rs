//! The app's commands are listed once, in `commands.txt`; build.rs generates from it the invoke
//! handler (`switchboard_app::handler`, names in `switchboard_app::COMMANDS`) and the permission
//! set `commands`. These tests hold everything else that names a command to that list:
//! - `ui/src/lib/generated/commands.ts` (the `Command` type `client.ts`'s `call` takes) is what
//!   the list renders; regenerate it with
//!   `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-app --test commands`;
//! - the UI's client calls every listed command and no other name;
//! - `capabilities/main.json` grants the set and the event permissions, nothing more;
//! - the app as it runs (`switchboard_app::builder`, with its real ACL from
//!   `generate_context!`) on Tauri's mock runtime allows and registers each listed command:
//!   called from the main window without arguments, each runs or names the missing argument,
//!   never "not allowed" or "not found"; a name that is not listed is refused. This one runs
//!   itself as a child process with a private `HOME` and workspace (`support`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use switchboard_app::COMMANDS;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

/// The generated TypeScript list of command names, relative to this crate.
const TYPESCRIPT: &str = "../ui/src/lib/generated/commands.ts";
const CLIENT: &str = "../ui/src/lib/client.ts";
const CAPABILITY: &str = "capabilities/main.json";
const CHILD: &str = "SWITCHBOARD_COMMANDS_TEST_DIR";

fn here(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn listed() -> BTreeSet<&'static str> {
    COMMANDS.iter().copied().collect()
}

/// `ui/src/lib/generated/commands.ts` as the list renders it.
fn typescript() -> String {
    let names: String = COMMANDS.iter().map(|n| format!("  {n:?},\n")).collect();
    format!(
        "// Generated from src-tauri/commands.txt by src-tauri/tests/commands.rs. Do not edit: add\n\
         // or remove a command there, then run\n\
         // `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-app --test commands`.\n\
         \n\
         /** Every command of the app, as `invoke` names it. */\n\
         export const commands = [\n{names}] as const;\n\
         \n\
         /** The name of a command of the app. */\n\
         export type Command = (typeof commands)[number];\n"
    )
}

#[test]
fn the_committed_typescript_list_is_commands_txt() {
    let path = here(TYPESCRIPT);
    let fresh = typescript();
    if std::env::var_os("SWITCHBOARD_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write the TypeScript list");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with commands.txt: run `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test \
         -p switchboard-app --test commands` and commit the result",
        path.display()
    );
}

/// The names `source` passes to `call("…")` or `call<T>("…")` (the client's one way to invoke).
fn called(source: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for (at, _) in source.match_indices("call") {
        let mut rest = &source[at + "call".len()..];
        if let Some(typed) = rest.strip_prefix('<') {
            let Some(end) = typed.find('>') else { continue };
            rest = &typed[end + 1..];
        }
        if let Some((name, _)) = rest.strip_prefix("(\"").and_then(|r| r.split_once('"')) {
            names.insert(name);
        }
    }
    names
}

/// The files under `dir` (recursively) whose name ends with one of `extensions`.
fn sources(dir: &Path, extensions: &[&str], found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read ui/src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, extensions, found);
        } else if extensions
            .iter()
            .any(|e| path.to_string_lossy().ends_with(e))
        {
            found.push(path);
        }
    }
}

#[test]
fn the_ui_client_calls_every_listed_command_and_nothing_else() {
    let source = std::fs::read_to_string(here(CLIENT)).expect("read client.ts");
    let called = called(&source);
    let listed = listed();
    let missing: Vec<_> = listed.difference(&called).collect();
    let unknown: Vec<_> = called.difference(&listed).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "ui/src/lib/client.ts does not call the commands of src-tauri/commands.txt: not called \
         {missing:?}, not listed {unknown:?}"
    );
    // Every invocation goes through `call` (whose `command` is a `Command`), and no other
    // file of the UI (tests aside) reaches Tauri's `invoke`.
    let invokes = source.matches("invoke(").count() + source.matches("invoke<").count();
    assert_eq!(invokes, 1, "client.ts invokes only inside `call`");
    let mut files = Vec::new();
    sources(&here("../ui/src"), &[".ts", ".svelte"], &mut files);
    let others: Vec<_> = files
        .iter()
        .filter(|f| !f.ends_with("lib/client.ts") && !f.to_string_lossy().contains(".test."))
        .filter(|f| !f.components().any(|c| c.as_os_str() == "test"))
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("@tauri-apps/api/core")
        })
        .collect();
    assert!(
        others.is_empty(),
        "only ui/src/lib/client.ts may invoke commands: {others:?}"
    );
}

#[test]
fn the_capability_grants_the_commands_and_listening_only() {
    let text = std::fs::read_to_string(here(CAPABILITY)).expect("read the capability");
    let capability: Value = serde_json::from_str(&text).expect("capability JSON");
    let granted: BTreeSet<&str> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission identifier"))
        .collect();
    let expected = BTreeSet::from([
        "core:event:allow-listen",
        "core:event:allow-unlisten",
        "commands",
    ]);
    assert_eq!(
        granted, expected,
        "{CAPABILITY}: grant commands through the set `commands`"
    );
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(
        capability.get("remote").is_none(),
        "no remote URL may call commands"
    );
}

#[test]
fn every_listed_command_is_allowed_and_registered_in_the_app() {
    match std::env::var_os(CHILD) {
        Some(_) => invoke_each(),
        None => support::run_as_child(
            "every_listed_command_is_allowed_and_registered_in_the_app",
            CHILD,
            "commands checked",
            |child, dir| {
                child.env("SWITCHBOARD_WORKSPACE", dir.join("workspace.db"));
            },
        ),
    }
}

/// What the main window gets when it invokes `command` without arguments.
fn invoke(window: &WebviewWindow<MockRuntime>, command: &str) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: command.to_owned(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::default(),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_owned(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().unwrap())
}

fn invoke_each() {
    let mut app = switchboard_app::builder(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    // Runs `setup` (the config's windows, the managed state, the workspace) as a start does;
    // the mock runtime's loop itself does nothing.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let window = app.get_webview_window("main").expect("the main window");
    let (mut ran, mut missing_argument) = (0, 0);
    for &command in COMMANDS {
        match invoke(&window, command) {
            // It ran (a command without arguments), with an answer or the app's `{code, …}`.
            Ok(_) => ran += 1,
            Err(Value::Object(e)) if e.contains_key("code") => ran += 1,
            // It was found and allowed, and says which argument is missing.
            Err(Value::String(e))
                if e.contains(&format!("command {command} missing required key")) =>
            {
                missing_argument += 1;
            }
            Err(e) => panic!("{command}: not callable from the main window: {e}"),
        }
    }
    println!("{ran} commands ran, {missing_argument} named their missing argument");
    let refused = invoke(&window, "not_a_command").expect_err("an unknown name is refused");
    assert!(
        refused.as_str().is_some_and(|e| e.contains("not allowed")),
        "{refused}"
    );
    println!("commands checked");
}
