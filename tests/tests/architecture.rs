//! The library's module graph, held to `docs/architecture.md`.
//!
//! The checker reads every `crate::`, `super::` and `self::` path of
//! `shared/src` (outside `#[cfg(test)]` modules and comments), resolves it
//! to the file that defines what it names (through the `pub use`
//! re-exports of `lib.rs` and each `mod.rs`, which are a module's facade
//! and no dependency of their own), and fails on:
//!
//! - a cycle among the children of any module, the crate's top-level
//!   modules included: `accounts/lockout.rs` using `accounts/store/` while
//!   a store file uses the lockout is one;
//! - an arrow from a top-level module to one in a higher layer than its
//!   own, as the numbered list under "## Layers" of docs/architecture.md
//!   states them, or a top-level module that list does not name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sessionless_tests::repo_root;

/// A module path below the crate root: `["accounts", "store"]`.
type ModulePath = Vec<String>;

/// One source file of the crate: its module path, its text, and whether it
/// is a facade (`lib.rs` or a `mod.rs`), whose `pub use` lines re-export.
struct Source {
    module: ModulePath,
    text: String,
    facade: bool,
}

/// The crate, as the checker sees it.
struct Crate {
    files: BTreeMap<ModulePath, Source>,
}

impl Crate {
    /// Every `.rs` file under `src`, but the binaries under `src/bin`.
    fn read(src: &Path) -> Self {
        let mut sources = Vec::new();
        collect(src, src, &mut sources);
        Self::from_sources(sources)
    }

    /// A crate made of `(relative path, text)` pairs, for the self-tests.
    fn from_sources(sources: Vec<(String, String)>) -> Self {
        let files = sources
            .into_iter()
            .map(|(path, text)| {
                let facade = path == "lib.rs" || path.ends_with("/mod.rs") || path == "mod.rs";
                let module = module_of(&path);
                (
                    module.clone(),
                    Source {
                        module,
                        text: code_of(&text),
                        facade,
                    },
                )
            })
            .collect();
        Self { files }
    }

    /// Each file's dependencies on the crate's other files.
    fn edges(&self) -> BTreeSet<(ModulePath, ModulePath)> {
        let mut edges = BTreeSet::new();
        for source in self.files.values() {
            for path in paths_in(source) {
                let Some(absolute) = self.absolute(&source.module, &path) else {
                    continue;
                };
                let target = self.resolve(&absolute);
                if target != source.module && !target.is_empty() {
                    edges.insert((source.module.clone(), target));
                }
            }
        }
        edges
    }

    /// `path` as seen from `module`, from the crate root: `super::x` in
    /// `a::b` is `a::x`. `None` for paths that leave the crate.
    fn absolute(&self, module: &ModulePath, path: &[String]) -> Option<Vec<String>> {
        let (first, rest) = path.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.clone(),
            "super" => {
                let mut parent = module.clone();
                parent.pop()?;
                parent
            }
            _ => return None,
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().is_some_and(|segment| *segment == "super") {
            base.pop()?;
            rest.next();
        }
        base.extend(rest.cloned());
        Some(base)
    }

    /// The file that defines what `path` names: the longest prefix that is
    /// a module, then through that module's re-exports, if it is a facade.
    fn resolve(&self, path: &[String]) -> ModulePath {
        let mut module: ModulePath = Vec::new();
        for (depth, segment) in path.iter().enumerate() {
            let mut next = module.clone();
            next.push(segment.clone());
            if self.files.contains_key(&next) {
                module = next;
                continue;
            }
            // `segment` is an item of `module`: re-exported from a child?
            if let Some(source) = self.files.get(&module)
                && source.facade
                && let Some(child) = reexport_source(source, segment)
            {
                let mut through = module.clone();
                through.extend(child);
                through.extend(path.iter().skip(depth).cloned());
                return self.resolve(&through);
            }
            break;
        }
        module
    }
}

/// The module path of a file, relative to `src`.
fn module_of(path: &str) -> ModulePath {
    let path = path.trim_end_matches(".rs");
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    if segments
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        segments.pop();
    }
    segments
}

fn collect(root: &Path, dir: &Path, sources: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        let relative = path
            .strip_prefix(root)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            if relative != "bin" {
                collect(root, &path, sources);
            }
        } else if relative.ends_with(".rs") {
            let text = std::fs::read_to_string(&path).expect("a source file");
            sources.push((relative, text));
        }
    }
}

/// The text of a file without its `#[cfg(test)]` modules and comments.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            // The test module runs to the end of the file, by convention;
            // an item marked alone is skipped up to its closing brace.
            let mut depth = 0i32;
            let mut opened = false;
            for line in lines.by_ref() {
                depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
                opened |= line.contains('{');
                if opened && depth <= 0 {
                    break;
                }
                if !opened && line.trim_end().ends_with(';') {
                    break;
                }
            }
            continue;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        // A trailing comment; `://` is a URL in a string.
        let line = match line.find("// ") {
            Some(at) if !line[..at].ends_with(':') => &line[..at],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// Every path a file names that starts at `crate`, `super` or `self`:
/// each leaf of a `use` tree, and every such path in code.
fn paths_in(source: &Source) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let text = &source.text;
    let mut rest = text.as_str();
    let mut outside_use = String::new();
    // `use` statements, parsed as trees; everything else scanned as text.
    while let Some(at) = find_use(rest) {
        outside_use.push_str(&rest[..at.start]);
        let statement = &rest[at.tree..at.end];
        let reexport = at.public && source.facade;
        if !reexport {
            let mut leaves = Vec::new();
            use_tree(statement.trim(), &mut Vec::new(), &mut leaves);
            paths.extend(leaves);
        }
        rest = &rest[at.end..];
    }
    outside_use.push_str(rest);
    paths.extend(inline_paths(&outside_use));
    paths
}

/// Where a `use` statement sits in a text.
struct UseAt {
    start: usize,
    tree: usize,
    end: usize,
    public: bool,
}

fn find_use(text: &str) -> Option<UseAt> {
    let mut offset = 0;
    loop {
        let found = text[offset..].find("use ")? + offset;
        let line_start = text[..found].rfind('\n').map_or(0, |at| at + 1);
        let before = text[line_start..found].trim();
        let is_statement = before.is_empty() || before.starts_with("pub");
        if is_statement
            && before
                .split_whitespace()
                .all(|word| word.starts_with("pub"))
        {
            let end = text[found..].find(';')? + found;
            return Some(UseAt {
                start: line_start,
                tree: found + 4,
                end: end + 1,
                public: !before.is_empty(),
            });
        }
        offset = found + 4;
    }
}

/// The leaves of a use tree such as `crate::a::{b, c::{d, e}}`, each as
/// its full path; `self` in a group is the group's own path.
fn use_tree(tree: &str, prefix: &mut Vec<String>, leaves: &mut Vec<Vec<String>>) {
    let tree = tree.trim().trim_end_matches(';').trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|segment| !segment.is_empty())
            .map(str::to_owned)
            .collect();
        let close = tree.rfind('}').unwrap_or(tree.len());
        let inner = &tree[open + 1..close];
        let depth = prefix.len();
        prefix.extend(head);
        for part in split_top_level(inner) {
            use_tree(part, prefix, leaves);
        }
        prefix.truncate(depth);
        return;
    }
    let tree = tree.split(" as ").next().unwrap_or(tree).trim();
    if tree.is_empty() {
        return;
    }
    let mut path = prefix.clone();
    for segment in tree.split("::").map(str::trim) {
        if segment == "self" && !path.is_empty() {
            continue;
        }
        if segment != "*" {
            path.push(segment.to_owned());
        }
    }
    if !path.is_empty() {
        leaves.push(path);
    }
}

/// The comma-separated parts of a group, nested groups kept whole.
fn split_top_level(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

/// `crate::a::b`, `super::x` and `self::y` paths written in code.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        let mut offset = 0;
        while let Some(found) = code[offset..].find(root) {
            let at = offset + found;
            offset = at + root.len();
            let preceded_by_word = at > 0 && {
                let before = bytes[at - 1];
                before.is_ascii_alphanumeric() || before == b'_' || before == b':'
            };
            if preceded_by_word {
                continue;
            }
            let tail: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path: Vec<String> = tail
                .split("::")
                .filter(|segment| !segment.is_empty())
                .map(str::to_owned)
                .collect();
            paths.push(path);
        }
    }
    paths
}

/// The child module a facade re-exports `name` from (`pub use
/// store::{UserStore, ..}` gives `store` for `UserStore`), as a path
/// relative to the facade.
fn reexport_source(facade: &Source, name: &str) -> Option<Vec<String>> {
    let mut rest = facade.text.as_str();
    while let Some(at) = find_use(rest) {
        if at.public {
            let mut leaves = Vec::new();
            use_tree(&rest[at.tree..at.end], &mut Vec::new(), &mut leaves);
            for leaf in leaves {
                let statement = &rest[at.tree..at.end];
                let renamed = statement.contains(&format!(" as {name}"));
                if leaf.last().is_some_and(|last| last == name) || renamed {
                    let mut from = leaf;
                    from.pop();
                    if from.first().is_some_and(|first| first == "self") {
                        from.remove(0);
                    }
                    if !from.is_empty() && from[0] != "crate" && from[0] != "super" {
                        return Some(from);
                    }
                }
            }
        }
        rest = &rest[at.end..];
    }
    None
}

/// The cycles among the children of every module: for each module, the
/// edges between files of different children (or the module's own file),
/// each as a child-level arrow, and the strongly connected groups of more
/// than one child. Each cycle is named by its module and its members.
fn cycles(krate: &Crate, edges: &BTreeSet<(ModulePath, ModulePath)>) -> Vec<String> {
    let mut found = Vec::new();
    let modules: BTreeSet<ModulePath> = krate.files.keys().cloned().collect();
    for module in &modules {
        let depth = module.len();
        let child = |path: &ModulePath| -> Option<String> {
            if path.len() < depth || path[..depth] != module[..] {
                return None;
            }
            Some(
                path.get(depth)
                    .cloned()
                    .unwrap_or_else(|| "(own code)".into()),
            )
        };
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            if let (Some(a), Some(b)) = (child(from), child(to))
                && a != b
            {
                graph.entry(a).or_default().insert(b);
            }
        }
        for group in strongly_connected(&graph) {
            if group.len() > 1 {
                let name = if module.is_empty() {
                    "crate".to_owned()
                } else {
                    module.join("::")
                };
                found.push(format!("in {name}: {}", group.join(" <-> ")));
            }
        }
    }
    found
}

/// Tarjan's algorithm, iteratively simple: the graph is small.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph
        .iter()
        .flat_map(|(from, to)| std::iter::once(from).chain(to))
        .collect();
    let reaches = |start: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|node| (*node, reaches(node))).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for node in &nodes {
        if placed.contains(*node) {
            continue;
        }
        let group: Vec<String> = nodes
            .iter()
            .filter(|other| {
                **other == *node || (reach[node].contains(**other) && reach[*other].contains(*node))
            })
            .map(|other| (*other).clone())
            .collect();
        placed.extend(group.iter().cloned());
        groups.push(group);
    }
    groups
}

/// The layers of docs/architecture.md, lowest first: the backticked module
/// names before the first `:` of each numbered line under "## Layers".
fn layers(doc: &str) -> BTreeMap<String, usize> {
    let section = doc
        .split("\n## ")
        .find(|section| section.starts_with("Layers"))
        .expect("docs/architecture.md has a \"## Layers\" section");
    let mut layers = BTreeMap::new();
    let numbered = section.lines().filter(|line| {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && line[digits..].starts_with(". ")
    });
    for (layer, line) in numbered.enumerate() {
        let names = line.split(": ").next().unwrap_or_default();
        for name in names.split('`').skip(1).step_by(2) {
            layers.insert(name.to_owned(), layer);
        }
    }
    layers
}

/// Arrows against the layer order, and top-level modules it does not name.
fn layer_violations(
    krate: &Crate,
    edges: &BTreeSet<(ModulePath, ModulePath)>,
    layers: &BTreeMap<String, usize>,
) -> Vec<String> {
    let mut found = Vec::new();
    let top_level: BTreeSet<&String> = krate.files.keys().filter_map(|m| m.first()).collect();
    for module in top_level {
        if !layers.contains_key(module) {
            found.push(format!("`{module}` is in no layer of docs/architecture.md"));
        }
    }
    for (from, to) in edges {
        let (Some(a), Some(b)) = (from.first(), to.first()) else {
            continue;
        };
        if let (Some(la), Some(lb)) = (layers.get(a), layers.get(b))
            && la < lb
        {
            found.push(format!(
                "{} uses {}: layer {} reaches up to layer {}",
                from.join("::"),
                to.join("::"),
                la + 1,
                lb + 1
            ));
        }
    }
    found
}

fn check(krate: &Crate, layers: &BTreeMap<String, usize>) -> Vec<String> {
    let edges = krate.edges();
    let mut problems = cycles(krate, &edges);
    problems.extend(layer_violations(krate, &edges, layers));
    problems
}

#[test]
fn the_library_has_no_cycle_and_follows_the_layers() {
    let root = repo_root();
    let krate = Crate::read(&root.join("shared/src"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).expect("the doc");
    let problems = check(&krate, &layers(&doc));
    assert!(
        problems.is_empty(),
        "the module graph breaks docs/architecture.md:\n{}",
        problems.join("\n")
    );
    // The checker saw the graph at all: the crate's layers use each other.
    assert!(krate.edges().len() > 50, "{:?}", krate.edges());
}

fn planted(files: &[(&str, &str)]) -> Crate {
    Crate::from_sources(
        files
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect(),
    )
}

const TWO_LAYERS: &str = "# A\n\n## Layers\n\n1. `low`: below.\n2. `high`, `side`: above.\n";

#[test]
fn a_planted_cycle_between_top_level_modules_is_found() {
    let krate = planted(&[
        ("lib.rs", "mod high;\nmod side;\npub use high::Thing;\n"),
        ("high.rs", "use crate::side::Other;\npub struct Thing;\n"),
        (
            "side.rs",
            "pub struct Other;\nfn f() { crate::high::Thing; }\n",
        ),
    ]);
    let problems = check(&krate, &layers(TWO_LAYERS));
    assert_eq!(problems, vec!["in crate: high <-> side".to_owned()]);
}

#[test]
fn a_planted_cycle_between_files_through_a_facade_is_found() {
    let krate = planted(&[
        ("lib.rs", "pub mod low;\n"),
        (
            "low/mod.rs",
            "mod lock;\nmod store;\npub use store::{Store, Reservation};\npub(crate) use lock::Throttle;\n",
        ),
        (
            "low/lock.rs",
            "use crate::low::Reservation;\n// use crate::low::nothing;\npub struct Throttle;\n",
        ),
        (
            "low/store.rs",
            "use super::Throttle;\npub struct Store;\npub enum Reservation {}\n#[cfg(test)]\nmod tests {\n    use super::super::lock::*;\n}\n",
        ),
    ]);
    let problems = check(&krate, &layers(TWO_LAYERS));
    assert_eq!(problems, vec!["in low: lock <-> store".to_owned()]);
}

#[test]
fn an_arrow_up_the_layers_and_an_unlisted_module_are_found() {
    let krate = planted(&[
        ("lib.rs", "mod low;\nmod high;\nmod stray;\n"),
        ("low.rs", "use crate::high::{self, Thing as Other};\n"),
        ("high.rs", "pub struct Thing;\n"),
        ("stray.rs", ""),
    ]);
    let problems = check(&krate, &layers(TWO_LAYERS));
    assert_eq!(
        problems,
        vec![
            "`stray` is in no layer of docs/architecture.md".to_owned(),
            "low uses high: layer 1 reaches up to layer 2".to_owned(),
        ]
    );
}
