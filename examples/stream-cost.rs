//! The in-process bulk verification of a payload file, for comparing the streaming CLI
//! (`certseal verify --file`) with it by instruction counts (`specs/bulk-verify-cli.md`,
//! "Measurements"): the whole file read into memory, its lines split (`identifier<TAB>string`
//! or bare), every payload verified through `Verifier::verify_many_cofactored_at` in batches of
//! `BATCH_SIZE`, no report written. Callgrind counts are repeatable whatever else the machine
//! is doing; the marginal cost per line is the difference of two line counts:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/stream-cost KEYS FILE
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/certseal verify --keys KEYS --threads 1 --format F --file FILE --output /tmp/r
//! ```

use certseal::trust::KeyDir;
use certseal::verify::{Verifier, BATCH_SIZE};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(keys), Some(file)) = (args.get(1), args.get(2)) else {
        return Err("usage: stream-cost KEYS FILE".into());
    };
    let verifier = Verifier::new(KeyDir::open(std::path::Path::new(keys))?.trust_store()?);
    let text = std::fs::read_to_string(file)?;
    let payloads: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.rsplit('\t').next().unwrap_or(l))
        .collect();
    let now = verifier.now();
    let mut valid = 0usize;
    for chunk in payloads.chunks(BATCH_SIZE) {
        valid += verifier
            .verify_many_cofactored_at(chunk, now)
            .iter()
            .filter(|v| v.is_valid())
            .count();
    }
    println!("{} lines, {valid} valid", payloads.len());
    Ok(())
}
