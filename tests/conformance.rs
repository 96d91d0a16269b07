//! Runs the COSE working group examples through `examples/cose-conformance.rs` in ordinary
//! `cargo test`: always on the copy vendored in `test-vectors/cose-wg/` (provenance and licence
//! in its `PROVENANCE.md`), and also on `../shared/conformance/cose-wg` (or the folder named by
//! `CERTSEAL_COSE_WG`) when that exists, after checking that it still equals the vendored copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "../examples/cose-conformance.rs"]
#[allow(dead_code)]
mod conformance;

/// Files of the vendored folder that are not part of the suite.
const OWN_FILES: [&str; 2] = ["SHA256SUMS", "PROVENANCE.md"];

/// Files vendored from upstream beyond the shared folder's COSE_Sign1 subset (the COSE_Sign
/// examples with RSA-PSS, ES384 and ES512 signers, and certseal's index of them): the shared
/// folder need not hold them.
const BEYOND_SHARED: [&str; 10] = [
    "SIGN-INVENTORY.tsv",
    "rsa-pss-examples/rsa-pss-01.json",
    "rsa-pss-examples/rsa-pss-02.json",
    "rsa-pss-examples/rsa-pss-03.json",
    "ecdsa-examples/ecdsa-01.json",
    "ecdsa-examples/ecdsa-02.json",
    "ecdsa-examples/ecdsa-03.json",
    "ecdsa-examples/ecdsa-04.json",
    "RFC8152/Appendix_C_1_1.json",
    "RFC8152/Appendix_C_1_2.json",
];

/// `SHA256SUMS` of the vendored copy: relative path → lower-case hex digest.
fn manifest(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap_or_else(|e| {
        panic!(
            "{}: the vendored COSE WG suite must be present: {e}",
            dir.join("SHA256SUMS").display()
        )
    });
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let (digest, path) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("SHA256SUMS line {}: not `digest  path`", i + 1));
        assert!(
            out.insert(path.to_owned(), digest.to_owned()).is_none(),
            "SHA256SUMS lists {path} twice"
        );
    }
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    certseal::codec::hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Every file under `dir`, as paths relative to it with `/` separators.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn vendored_cose_wg_examples_agree_with_certseal() {
    let dir = conformance::vendored_dir();
    assert!(
        dir.join("INVENTORY.tsv").is_file(),
        "the vendored COSE WG suite is missing: expected {}/INVENTORY.tsv",
        dir.display()
    );
    assert_eq!(conformance::run(&dir), Ok(true));
}

#[test]
fn vendored_cose_wg_files_match_their_checksums() {
    let dir = conformance::vendored_dir();
    let sums = manifest(&dir);
    assert!(sums.len() >= 20, "{} files in SHA256SUMS", sums.len());
    for (path, digest) in &sums {
        let bytes = std::fs::read(dir.join(path))
            .unwrap_or_else(|e| panic!("test-vectors/cose-wg/{path}: {e}"));
        assert_eq!(&sha256_hex(&bytes), digest, "test-vectors/cose-wg/{path}");
    }
    for path in files(&dir) {
        assert!(
            sums.contains_key(&path) || OWN_FILES.contains(&path.as_str()),
            "test-vectors/cose-wg/{path} is not listed in SHA256SUMS"
        );
    }
}

#[test]
fn shared_cose_wg_suite_equals_the_vendored_copy_and_agrees() {
    let shared = std::env::var_os("CERTSEAL_COSE_WG")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cose-wg")
        });
    if !shared.join("INVENTORY.tsv").is_file() {
        // The vendored copy is checked by the two tests above either way.
        eprintln!("no shared COSE WG suite at {}", shared.display());
        return;
    }
    let vendored = conformance::vendored_dir();
    for path in manifest(&vendored).keys() {
        let ours = std::fs::read(vendored.join(path)).expect("vendored file");
        if BEYOND_SHARED.contains(&path.as_str()) && !shared.join(path).exists() {
            continue;
        }
        let theirs = std::fs::read(shared.join(path))
            .unwrap_or_else(|e| panic!("{}/{path}: {e}", shared.display()));
        assert!(
            ours == theirs,
            "{}/{path} differs from test-vectors/cose-wg/{path}: update the vendored copy \
             (and its SHA256SUMS and PROVENANCE.md)",
            shared.display()
        );
    }
    assert_eq!(conformance::run(&shared), Ok(true));
}

#[test]
fn vendored_suite_covers_every_interop_algorithm() {
    let dir = conformance::vendored_dir();
    let mut algs = std::collections::BTreeSet::new();
    for name in ["INVENTORY.tsv", "SIGN-INVENTORY.tsv"] {
        let text = std::fs::read_to_string(dir.join(name)).expect(name);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
        let col = header.iter().position(|h| *h == "alg").expect("alg column");
        for line in lines {
            if let Some(alg) = line.split('\t').nth(col) {
                algs.insert(alg.to_owned());
            }
        }
    }
    for alg in [
        "ES256", "ES384", "ES512", "EdDSA", "PS256", "PS384", "PS512",
    ] {
        assert!(algs.contains(alg), "no COSE WG example for {alg}: {algs:?}");
    }
    for path in BEYOND_SHARED {
        assert!(
            dir.join(path).is_file(),
            "test-vectors/cose-wg/{path} missing"
        );
    }
}
