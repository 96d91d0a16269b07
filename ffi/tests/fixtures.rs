//! The checked-in fixtures are exactly what `examples/gen-fixtures.rs` writes: fixed seeds, a
//! fixed clock, every byte reproducible (and every expectation in `payloads.tsv` checked
//! against the engine as they are generated).

#[path = "../examples/gen-fixtures.rs"]
mod generator;

#[test]
fn fixtures_are_reproducible_byte_for_byte() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let made = generator::fixtures();
    assert!(made.len() >= 8);
    for (name, bytes) in made {
        let on_disk = std::fs::read(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == bytes,
            "tests/fixtures/{name} differs from the generator's output; rerun \
             `cargo run --release -p certseal-ffi --example gen-fixtures -- ffi/tests/fixtures`"
        );
    }
}
