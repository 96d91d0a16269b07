//! Writes the fuzz seed corpus: valid inputs for every target, signed with the fixture keys of
//! `certseal::internal::fuzzing`. Run: `cargo run --release --example fuzz-seeds -- fuzz/corpus`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    let mut counts = std::collections::BTreeMap::new();
    let seeds = certseal::internal::fuzzing::seeds()
        .into_iter()
        .chain(certseal::internal::fuzzing::status_seeds());
    for (target, bytes) in seeds {
        let n: &mut usize = counts.entry(target).or_default();
        *n += 1;
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("seed-{n:02}")), bytes)?;
    }
    for (target, n) in counts {
        println!("{target}: {n} seeds");
    }
    Ok(())
}
