//! `include/certseal.h` is what cbindgen makes of `src/` with `cbindgen.toml`: regenerated
//! here and compared byte for byte, so the checked-in header cannot drift from the ABI.
//! `CERTSEAL_BLESS_HEADER=1` writes the regenerated header instead.

use std::path::Path;

#[test]
fn checked_in_header_is_what_cbindgen_generates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .unwrap();
    let mut made = Vec::new();
    bindings.write(&mut made);
    let path = dir.join("include/certseal.h");
    if std::env::var_os("CERTSEAL_BLESS_HEADER").is_some() {
        std::fs::write(&path, &made).unwrap();
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == made,
        "include/certseal.h differs from cbindgen's output; regenerate with \
         CERTSEAL_BLESS_HEADER=1 cargo test --release -p certseal-ffi --test header, and review the diff"
    );
}
