//! The layers of ARCHITECTURE §4, checked on the source text of `src/`:
//!
//! - no library file at the top of `src/` except `lib.rs`, `error.rs` and `main.rs`;
//! - every reference from one layer to another points down the order of [`LAYERS`];
//! - no import circle between the files of `src/`.
//!
//! How: every `.rs` file under `src/` is a module (`a/b.rs` and `a/b/mod.rs` are `a::b`).
//! Comments, string and character literals are removed; then every path that starts with
//! `crate::`, `super::`, `self::` (and `certseal::` in the binary's `cli/`) — in `use` trees
//! with their braces expanded, and in code — is resolved to the deepest module file it names.
//! That gives an edge from the file to that module. Two kinds of edge are not dependencies
//! and are left out: a folder's `mod.rs` naming its own sub-modules (it declares and
//! re-exports them), and references to the crate root (`lib.rs` re-exports) or `error.rs`
//! (the one `Error` wraps every layer's error enum, as rustls's does). A circle is a strongly
//! connected component of more than one file. (An inline `mod tests { use super::*; }` is read
//! as part of its file, so its `super::` counts one level up: an edge too many, never one too
//! few.) Run on the tree before issue 14, it names the two circles that issue found:
//! `verify.rs` ↔ `batch.rs` and `crypto/sm2.rs` ↔ `crypto/sm2_comb.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first: a module may use modules of its own layer's folder and of
/// layers listed before it. `status`, `registry` and `server` are the places the revocation
/// snapshots, the SQLite registry and the HTTP face take.
const LAYERS: &[&str] = &[
    "time", "codec", "model", "crypto", "cose", "trust", "claims", "status", "verify", "issue",
    "registry", "qr", "server", "internal", "cli",
];

/// Files allowed at the top of `src/`.
const TOP_FILES: &[&str] = &["lib.rs", "error.rs", "main.rs"];

type Module = Vec<String>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its module path.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut p = prefix.to_vec();
            p.push(name);
            modules(&path, &p, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut p = prefix.to_vec();
            if !(stem == "mod" || (prefix.is_empty() && stem == "lib")) {
                p.push(stem.to_owned());
            }
            out.insert(p, path);
        }
    }
}

/// The source with comments and the contents of string and character literals removed.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !ident(b.get(i.wrapping_sub(1)))
        {
            // Raw string r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match b.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{1F600}'), or a lifetime ('a).
            if next == Some('\\') {
                i += 3;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    // `x as y` names x; then white space does not matter.
    let mut words: Vec<&str> = Vec::new();
    let mut it = tree.split_whitespace();
    while let Some(w) = it.next() {
        if w == "as" {
            let renamed = it.next().unwrap_or_default();
            // Keep a separator that followed the new name (`a as b,` / `a as b}`).
            words.push(renamed.trim_start_matches(|c: char| ident(Some(&c))));
        } else {
            words.push(w);
        }
    }
    let tree: String = words.concat();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            expand(p)
                .into_iter()
                .map(|q| format!("{prefix}{q}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The paths a file names: `use` trees expanded, and paths in code.
fn paths(code: &str, roots: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let after_use = &rest[at + 4..];
        if ident(before.as_ref()) {
            rest = after_use;
            continue;
        }
        let Some(end) = after_use.find(';') else {
            break;
        };
        out.extend(expand(&after_use[..end]));
        rest = &after_use[end..];
    }
    let chars: Vec<char> = code.chars().collect();
    for root in roots {
        let pat: Vec<char> = format!("{root}::").chars().collect();
        let mut i = 0;
        while i + pat.len() <= chars.len() {
            if chars[i..i + pat.len()] == pat[..]
                && !ident(i.checked_sub(1).and_then(|k| chars.get(k)))
            {
                let mut j = i;
                while j < chars.len() && (ident(chars.get(j)) || chars[j] == ':') {
                    j += 1;
                }
                out.push(chars[i..j].iter().collect());
                i = j;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// The module a path names, as the deepest module file that exists, seen from `from`.
fn resolve(
    path: &str,
    from: &Module,
    is_mod_rs: bool,
    known: &BTreeMap<Module, PathBuf>,
) -> Option<Module> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (mut base, mut rest): (Module, &[&str]) = match *segs.first()? {
        "crate" => (Vec::new(), &segs[1..]),
        "certseal" => (Vec::new(), &segs[1..]),
        "self" => (from.clone(), &segs[1..]),
        "super" => {
            // The parent of a file module `a::b` is `a`; of `a/mod.rs` (module `a`) it is the
            // crate root.
            let mut m = from.clone();
            let mut k = 0;
            let mut first = true;
            while segs.get(k) == Some(&"super") {
                if first && !is_mod_rs && m.is_empty() {
                    return None;
                }
                m.pop();
                first = false;
                k += 1;
            }
            (m, &segs[k..])
        }
        _ => return None,
    };
    let mut best = base.clone();
    while let Some((head, tail)) = rest.split_first() {
        base.push((*head).to_owned());
        if known.contains_key(&base) {
            best = base.clone();
        } else {
            break;
        }
        rest = tail;
    }
    Some(best)
}

struct Graph {
    files: BTreeMap<Module, PathBuf>,
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

fn graph() -> Graph {
    let mut files = BTreeMap::new();
    modules(&src(), &[], &mut files);
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).expect("read source");
        let code = code_only(&text);
        let is_mod_rs = path.file_name().is_some_and(|n| n == "mod.rs");
        let is_cli = module.first().is_some_and(|m| m == "cli") || path.ends_with("main.rs");
        let roots: &[&str] = if is_cli {
            &["crate", "super", "self", "certseal"]
        } else {
            &["crate", "super", "self"]
        };
        let mut set = BTreeSet::new();
        for p in paths(&code, roots) {
            let Some(to) = resolve(&p, module, is_mod_rs, &files) else {
                continue;
            };
            let to_root_or_error = to.is_empty() || to == ["error"];
            let own_child = is_mod_rs && to.len() > module.len() && to.starts_with(module);
            if to != *module && !to_root_or_error && !own_child {
                set.insert(to);
            }
        }
        edges.insert(module.clone(), set);
    }
    Graph { files, edges }
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn no_library_file_at_the_top_of_src() {
    let mut extra = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_file() && !TOP_FILES.contains(&file.as_str()) {
            extra.push(file);
        }
    }
    assert!(extra.is_empty(), "files at the top of src/: {extra:?}");
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let g = graph();
    let rank = |m: &Module| -> Option<usize> {
        LAYERS
            .iter()
            .position(|l| m.first().is_some_and(|f| f == l))
    };
    let mut wrong = Vec::new();
    for (from, tos) in &g.edges {
        if from.is_empty() || *from == ["error"] || from.first().is_some_and(|f| f == "main") {
            continue;
        }
        let Some(r_from) = rank(from) else {
            wrong.push(format!("{}: not a layer of LAYERS", name(from)));
            continue;
        };
        for to in tos {
            match rank(to) {
                Some(r_to) if r_to <= r_from => {}
                Some(_) => wrong.push(format!(
                    "{} uses {} (a layer above it)",
                    name(from),
                    name(to)
                )),
                None => wrong.push(format!(
                    "{} uses {}: not a layer of LAYERS",
                    name(from),
                    name(to)
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layer order broken:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn src_has_no_import_circle() {
    let g = graph();
    // Tarjan's strongly connected components.
    struct State<'g> {
        g: &'g Graph,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        next: usize,
        circles: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.g.edges.get(v).into_iter().flatten() {
            let Some((w, _)) = s.g.edges.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(name(w));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.circles.push(component);
            }
        }
    }
    let mut s = State {
        g: &g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        circles: Vec::new(),
    };
    for v in g.edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    assert!(s.circles.is_empty(), "import circles: {:?}", s.circles);
    assert!(g.files.len() > 50, "read {} files", g.files.len());
}

/// The checker itself: it sees a circle and a use of a higher layer when there is one.
#[test]
fn the_checker_finds_what_it_looks_for() {
    let code = code_only(
        "use crate::verify::{steps::{self, Times}, Reason}; // crate::qr::x\n\
         let s = \"crate::issue::y\"; let c = '\"'; fn f<'a>(x: &'a str) { crate::trust::z(); }",
    );
    let found = paths(&code, &["crate"]);
    assert!(
        found.contains(&"crate::verify::steps::self".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"crate::verify::Reason".to_owned()),
        "{found:?}"
    );
    assert!(found.contains(&"crate::trust::z".to_owned()), "{found:?}");
    assert!(
        !found
            .iter()
            .any(|p| p.contains("qr") || p.contains("issue")),
        "{found:?}"
    );
    let g = graph();
    let verify: Module = vec!["verify".into()];
    let steps: Module = vec!["verify".into(), "steps".into()];
    assert!(
        g.edges[&steps].contains(&verify),
        "steps.rs uses super::Reason from verify/mod.rs"
    );
}
