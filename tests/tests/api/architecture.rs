//! The layers of DESIGN.md, checked on the source: routes call use cases and never reach
//! storage or each other; storage never reaches up; the operator's unlimited identity is
//! never made while serving a request; list queries never use catch-all filters.

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../api/src")
        .join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// Lines of code (not comments) containing `needle`.
fn offending(files: &[(PathBuf, String)], needle: &str) -> Vec<String> {
    files
        .iter()
        .flat_map(|(path, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim_start().starts_with("//") && l.contains(needle))
                .map(move |(n, l)| format!("{}:{}: {}", path.display(), n + 1, l.trim()))
        })
        .collect()
}

#[test]
fn routes_reach_storage_only_through_use_cases() {
    let routes = sources("routes");
    for needle in ["crate::storage", "storage::", "crate::db::", "sqlx::"] {
        let found: Vec<_> = offending(&routes, needle)
            .into_iter()
            // Readiness asks the database itself whether it answers.
            .filter(|l| !(l.contains("health.rs") && l.contains("crate::db::Db")))
            .collect();
        assert!(
            found.is_empty(),
            "routes reach storage:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn route_modules_do_not_import_each_other() {
    let routes = sources("routes");
    let found = offending(&routes, "crate::routes::");
    assert!(
        found.is_empty(),
        "routes import routes:\n{}",
        found.join("\n")
    );
}

#[test]
fn storage_never_reaches_up() {
    let storage = sources("storage");
    for needle in ["crate::auth", "crate::routes", "crate::app"] {
        let found = offending(&storage, needle);
        assert!(
            found.is_empty(),
            "storage imports {needle}:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_operator_is_never_made_while_serving_a_request() {
    for dir in ["routes", "auth"] {
        let found = offending(&sources(dir), "Operator::new");
        assert!(
            found.is_empty(),
            "{dir} makes an operator:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn no_catch_all_filters() {
    let found = offending(&sources("storage"), "IS NULL OR");
    // A column that may be NULL is compared in full; only a bound `$n IS NULL OR` is a
    // catch-all filter.
    let found: Vec<_> = found.into_iter().filter(|l| l.contains("$")).collect();
    let catch_all: Vec<_> = found
        .iter()
        .filter(|l| {
            l.split("IS NULL OR")
                .next()
                .and_then(|before| before.trim_end().rsplit(['(', ' ']).next())
                .is_some_and(|w| w.starts_with('$'))
        })
        .collect();
    assert!(catch_all.is_empty(), "catch-all filters:\n{catch_all:?}");
}
