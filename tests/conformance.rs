//! Runs the COSE working group examples through `examples/cose-conformance.rs` in ordinary
//! `cargo test`, when the suite is present beside the repository
//! (`../shared/conformance/cose-wg`, or the folder named by `CERTSEAL_COSE_WG`). The suite
//! itself is never copied into this repository.

use std::path::PathBuf;

#[path = "../examples/cose-conformance.rs"]
#[allow(dead_code)]
mod conformance;

#[test]
fn cose_wg_sign1_examples_agree_with_certseal() {
    let dir = std::env::var_os("CERTSEAL_COSE_WG")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cose-wg")
        });
    if !dir.join("INVENTORY.tsv").is_file() {
        eprintln!("skipped: no COSE conformance suite at {}", dir.display());
        return;
    }
    assert_eq!(conformance::run(&dir), Ok(true));
}
