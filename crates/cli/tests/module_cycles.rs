//! No import cycle between the top-level modules of the two shells, `crates/cli/src` and
//! `src-tauri/src` (issue #13: events, vault access and limits belong in leaf modules).
//!
//! It reads each shell's source as text: every `crate::…` path (in `use` trees too) and every
//! `super::…` that climbs to the crate root is an edge from the module it is written in to the
//! top-level module it names; submodules count as their top-level module (`providers/import.rs`
//! is `providers`), `#[cfg(test)]` items and the crate root (`main.rs`, `lib.rs`, which declares
//! every module) are left out. Modules that reach each other are reported with the line of each
//! edge.
//!
//! Both shells still have cycles (issue #13 is not finished): they are listed in
//! [`KNOWN_CYCLES`], and the test fails when a cycle appears, grows, or shrinks or goes away
//! (then shorten the list: it may only get shorter, until it is empty).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The shells, relative to the workspace root.
const SHELLS: &[&str] = &["crates/cli/src", "src-tauri/src"];

/// One reference: the module it points to, and where it is written.
#[derive(Debug, Clone)]
struct Edge {
    to: String,
    file: PathBuf,
    line: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Semi,
    Other(char),
}

/// The source's tokens with their line, without comments, strings and char literals.
fn tokens(src: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        line += usize::from(chars[i] == '\n');
                        i += 1;
                    }
                }
            }
            '"' => i = skip_string(&chars, i + 1, 0, &mut line),
            'r' if next == Some('"') || (next == Some('#') && raw_string_start(&chars, i + 1)) => {
                let mut hashes = 0;
                i += 1;
                while chars.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                i = skip_string(&chars, i + 1, hashes, &mut line);
            }
            '\'' => {
                // A char literal ('x', '\n', '\''); otherwise a lifetime, left as it is.
                if next == Some('\\') {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push((Token::Ident(chars[start..i].iter().collect()), line));
            }
            ':' if next == Some(':') => {
                out.push((Token::Path, line));
                i += 2;
            }
            c => {
                let token = match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    ',' => Token::Comma,
                    ';' => Token::Semi,
                    c if c.is_whitespace() => {
                        i += 1;
                        continue;
                    }
                    c => Token::Other(c),
                };
                out.push((token, line));
                i += 1;
            }
        }
    }
    out
}

fn raw_string_start(chars: &[char], mut i: usize) -> bool {
    while chars.get(i) == Some(&'#') {
        i += 1;
    }
    chars.get(i) == Some(&'"')
}

/// Skips a string whose body starts at `i` and that ends with `"` and `hashes` `#`s.
fn skip_string(chars: &[char], mut i: usize, hashes: usize, line: &mut usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' if hashes == 0 => {
                *line += usize::from(chars.get(i + 1) == Some(&'\n'));
                i += 2;
            }
            '"' if (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) => return i + 1 + hashes,
            c => {
                *line += usize::from(c == '\n');
                i += 1;
            }
        }
    }
    i
}

fn ident(t: Option<&(Token, usize)>) -> Option<&str> {
    match t {
        Some((Token::Ident(s), _)) => Some(s),
        _ => None,
    }
}

/// Drops the items under `#[cfg(test)]`: up to the end of their braces or their `;`.
fn without_tests(tokens: Vec<(Token, usize)>) -> Vec<(Token, usize)> {
    let attribute = ["#", "[", "cfg", "(", "test", ")", "]"];
    let matches_at = |i: usize| {
        attribute
            .iter()
            .enumerate()
            .all(|(k, want)| match tokens.get(i + k) {
                Some((Token::Ident(s), _)) => s == want,
                Some((Token::Other(c), _)) => c.to_string() == *want,
                _ => false,
            })
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !matches_at(i) {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += attribute.len();
        while i < tokens.len() && !matches!(tokens[i].0, Token::Open | Token::Semi) {
            i += 1;
        }
        if matches!(tokens.get(i), Some((Token::Open, _))) {
            let mut depth = 0;
            while i < tokens.len() {
                match tokens[i].0 {
                    Token::Open => depth += 1,
                    Token::Close => depth -= 1,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The first segment of each path of the `use` tree (or path) that starts at `i`, with `i`
/// just after the `::` that follows `crate` or the last `super`.
fn first_segments(tokens: &[(Token, usize)], i: usize) -> Vec<(String, usize)> {
    match tokens.get(i) {
        Some((Token::Ident(s), line)) => vec![(s.clone(), *line)],
        Some((Token::Open, _)) => {
            let mut found = Vec::new();
            let (mut depth, mut expect_segment) = (0, true);
            for (t, line) in &tokens[i..] {
                match t {
                    Token::Open => {
                        depth += 1;
                        expect_segment = depth == 1;
                    }
                    Token::Close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Comma => expect_segment = depth == 1,
                    Token::Ident(s) if expect_segment => {
                        found.push((s.clone(), *line));
                        expect_segment = false;
                    }
                    _ => {}
                }
            }
            found
        }
        _ => Vec::new(),
    }
}

/// The top-level modules the file `rel` (under its `src/`) refers to, with their lines.
fn references(rel: &Path, src: &str) -> Vec<(String, usize)> {
    let tokens = without_tests(tokens(src));
    // The module path of the file, then of the inline `mod x { … }` blocks around a token.
    let mut path: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .filter(|c| c != "mod")
        .collect();
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut found = Vec::new();
    for i in 0..tokens.len() {
        match &tokens[i].0 {
            Token::Open => depth += 1,
            Token::Close => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                    path.pop();
                }
            }
            Token::Ident(s) if s == "mod" => {
                if let (Some(name), Some((Token::Open, _))) =
                    (ident(tokens.get(i + 1)), tokens.get(i + 2))
                {
                    path.push(name.to_owned());
                    inline.push(depth);
                }
            }
            Token::Ident(s)
                if s == "crate" && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Path) =>
            {
                found.extend(first_segments(&tokens, i + 2));
            }
            Token::Ident(s)
                if s == "super"
                    && !matches!(ident(tokens.get(i.wrapping_sub(2))), Some("super")) =>
            {
                let mut k = i;
                let mut up = 0;
                while ident(tokens.get(k)) == Some("super")
                    && tokens.get(k + 1).map(|t| &t.0) == Some(&Token::Path)
                {
                    up += 1;
                    k += 2;
                }
                if up > 0 && up >= path.len() {
                    found.extend(first_segments(&tokens, k));
                }
            }
            _ => {}
        }
    }
    found
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The edges between the top-level modules of the crate whose source is `src`.
fn graph(src: &Path) -> BTreeMap<String, Vec<Edge>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let top = |rel: &Path| -> Option<String> {
        let first = rel.iter().next()?.to_string_lossy().into_owned();
        let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
        (!["main", "lib"].contains(&name.as_str())).then_some(name)
    };
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| top(f.strip_prefix(src).unwrap_or(f)))
        .collect();
    let mut edges: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(src).unwrap_or(file);
        let Some(from) = top(rel) else { continue };
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (to, line) in references(rel, &text) {
            if to != from && modules.contains(&to) {
                edges.entry(from.clone()).or_default().push(Edge {
                    to,
                    file: rel.to_owned(),
                    line,
                });
            }
        }
    }
    edges
}

fn reachable(edges: &BTreeMap<String, Vec<Edge>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(m) = stack.pop() {
        for e in edges.get(&m).into_iter().flatten() {
            if seen.insert(e.to.clone()) {
                stack.push(e.to.clone());
            }
        }
    }
    seen
}

/// Each group of modules that reach one another, with the edges inside it.
fn cycles(edges: &BTreeMap<String, Vec<Edge>>) -> Vec<String> {
    let reach: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|m| (m, reachable(edges, m))).collect();
    let mut done = BTreeSet::new();
    let mut report = Vec::new();
    for (m, from_m) in &reach {
        if done.contains(*m) || !from_m.contains(*m) {
            continue;
        }
        let group: BTreeSet<String> = from_m
            .iter()
            .filter(|o| reach.get(o).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        let mut lines = vec![format!(
            "cycle: {}",
            group.iter().cloned().collect::<Vec<_>>().join(", ")
        )];
        for from in &group {
            let mut firsts: BTreeMap<&str, &Edge> = BTreeMap::new();
            for e in edges
                .get(from)
                .into_iter()
                .flatten()
                .filter(|e| group.contains(&e.to))
            {
                firsts.entry(&e.to).or_insert(e);
            }
            for (to, e) in firsts {
                lines.push(format!(
                    "  {from} -> {to} ({}:{})",
                    e.file.display(),
                    e.line
                ));
            }
        }
        report.push(lines.join("\n"));
        done.extend(group);
    }
    report
}

/// The cycles left today, each as `shell: cycle: modules`. Issue #13 wants none: this list may
/// only get shorter.
const KNOWN_CYCLES: &[&str] = &[];

#[test]
fn the_shells_have_no_module_cycle_but_the_known_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut report = Vec::new();
    let mut found = Vec::new();
    for shell in SHELLS {
        for cycle in cycles(&graph(&root.join(shell))) {
            let head = format!("{shell}: {}", cycle.lines().next().unwrap_or_default());
            if !KNOWN_CYCLES.contains(&head.as_str()) {
                report.push(format!("{shell}: {cycle}"));
            }
            found.push(head);
        }
    }
    assert!(
        report.is_empty(),
        "new module cycles:\n{}",
        report.join("\n")
    );
    let gone: Vec<_> = KNOWN_CYCLES
        .iter()
        .filter(|k| !found.iter().any(|f| f == *k))
        .collect();
    assert!(
        gone.is_empty(),
        "these known cycles are gone or changed: remove them from KNOWN_CYCLES: {gone:?}"
    );
}

/// The reader itself, on a small crate: the edges it must find and the ones it must not.
#[test]
fn references_are_read_from_use_trees_paths_and_super() {
    let src = r#"
        use crate::{alpha::A, beta, gamma::{x, y}};
        use super::delta::D; // a comment naming crate::epsilon
        fn f() { crate::zeta::run(); let s = "crate::eta"; let c = '"'; }
        mod inner { use super::super::theta; }
        #[cfg(test)]
        mod tests { use crate::iota; }
    "#;
    let found: Vec<String> = references(Path::new("m.rs"), src)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(found, ["alpha", "beta", "gamma", "delta", "zeta", "theta"]);
    // In a submodule, `super::` stays inside its top-level module.
    let found: Vec<String> =
        references(Path::new("m/sub.rs"), "use super::x; use super::super::y;")
            .into_iter()
            .map(|r| r.0)
            .collect();
    assert_eq!(found, ["y"]);
    // Lines are counted through continued strings and block comments.
    let lines: Vec<usize> = references(
        Path::new("m.rs"),
        "let s = \"a\\\n b\";\n/* x\n */ use crate::a;",
    )
    .into_iter()
    .map(|r| r.1)
    .collect();
    assert_eq!(lines, [4]);
}
