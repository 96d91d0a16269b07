#![no_main]
// Differential: certseal's CBOR decoder and writer against ciborium (src/codec/cbor/differential.rs,
// shared with `cargo test`; ciborium is not a dependency of the library, so this target brings
// the comparison in by path instead of calling `certseal::internal::fuzzing`).
use certseal::codec::{cbor, Limits};
#[path = "../../src/codec/cbor/differential.rs"]
mod differential;
libfuzzer_sys::fuzz_target!(|data: &[u8]| differential::check(data));
