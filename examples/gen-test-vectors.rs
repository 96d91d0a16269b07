//! Writes certseal's test vectors (ring-style text files) into a folder:
//!
//! ```text
//! cargo run --release --example gen-test-vectors -- test-vectors/
//! ```
//!
//! The generation logic lives in `tests/support/vectors.rs`, shared with `tests/vectors.rs`,
//! which regenerates the files in memory and checks that the checked-in ones match byte for
//! byte. Fixed seeds, a fixed clock (2026-11-26T00:00:00Z) and deterministic signatures
//! (Ed25519; RFC 6979 ECDSA) make the output reproducible.

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "../tests/support/vectors.rs"]
#[allow(dead_code)]
mod vectors;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: gen-test-vectors DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("gen-test-vectors: {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    for (name, contents) in vectors::generate() {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, &contents) {
            eprintln!("gen-test-vectors: {}: {e}", path.display());
            return ExitCode::from(2);
        }
        let records = contents
            .split("\n\n")
            .filter(|r| r.lines().any(|l| !l.starts_with('#') && !l.is_empty()))
            .count();
        println!("{}: {records} records", path.display());
    }
    ExitCode::SUCCESS
}
