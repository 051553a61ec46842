//! How big a file may grow: a library file that outgrows 450 lines does
//! more than one job, and a handler over 45 lines holds logic that belongs
//! in a use case (docs/architecture.md, "Adding an endpoint").

use std::path::{Path, PathBuf};

use sessionless_tests::{function_dirs, repo_root};

/// The most lines a production file of the library may have, its
/// `#[cfg(test)]` module aside.
const MAX_LIBRARY_LINES: usize = 450;
/// The most lines a function's handler (`src/lib.rs`) may have.
const MAX_HANDLER_LINES: usize = 45;
/// Functions that are no HTTP handler over a use case: API Gateway's
/// authorizer protocol, and CloudFormation's custom resource protocol.
const NOT_HANDLERS: [&str; 2] = ["authorizer", "signing-key-jwks"];

/// The lines of `text` before its `#[cfg(test)]` module, if any.
fn production_lines(text: &str) -> usize {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .count()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The files of `paths` over `limit` lines, with their counts.
fn over(paths: &[PathBuf], limit: usize) -> Vec<String> {
    paths
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).expect("a source file");
            let lines = production_lines(&text);
            (lines > limit).then(|| format!("{}: {lines} lines", path.display()))
        })
        .collect()
}

#[test]
fn library_files_stay_under_the_limit() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("shared/src"), &mut files);
    assert!(files.len() > 40, "the library's files were found");
    assert_eq!(over(&files, MAX_LIBRARY_LINES), Vec::<String>::new());
}

#[test]
fn handlers_stay_thin() {
    let handlers: Vec<PathBuf> = function_dirs()
        .into_iter()
        .filter(|(name, dir)| {
            !NOT_HANDLERS.contains(&name.as_str()) && dir.starts_with("functions/")
        })
        .map(|(_, dir)| repo_root().join(dir).join("src/lib.rs"))
        .collect();
    assert!(handlers.len() > 10, "the handlers were found");
    assert_eq!(over(&handlers, MAX_HANDLER_LINES), Vec::<String>::new());
}

#[test]
fn the_count_stops_at_the_test_module() {
    let text = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    fn b() {}\n}\n";
    assert_eq!(production_lines(text), 2);
    assert_eq!(production_lines("fn a() {}\nfn b() {}\n"), 2);
}
