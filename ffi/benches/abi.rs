//! The C ABI beside the Rust API on the same inputs (specs/ffi.md, "Speed"): one valid payload
//! and one junk payload per call, and a batch of 1,000 valid payloads on two worker threads.
//! `ffi/examples/speed.rs` prints the same comparison as ratios, with the Java side.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use certseal::trust::{RootCert, TrustList};
use certseal::verify::Verifier;
use certseal::FixedClock;
use certseal_ffi::{
    certseal_verifier_free, certseal_verifier_new, certseal_verifier_set_time, certseal_verify,
    certseal_verify_batch, CertsealBytes, CertsealCode, CertsealResult, CertsealVerifier,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const NOW: i64 = 1_795_651_200;
const BATCH: usize = 1_000;

fn abi(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let list = std::fs::read(dir.join("trust-list.cbor")).unwrap();
    let root = std::fs::read(dir.join("root.pem")).unwrap();
    let valid = std::fs::read_to_string(dir.join("valid.txt")).unwrap();
    let valid: Vec<&str> = valid.lines().filter(|l| !l.is_empty()).collect();
    let texts: Vec<&str> = (0..BATCH).map(|i| valid[i % valid.len()]).collect();

    let anchor = TrustList::verify(&list, &RootCert::from_pem_or_der(&root).unwrap()).unwrap();
    let rust = Verifier::new(anchor.store).with_clock(FixedClock(NOW));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut h: *mut CertsealVerifier = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    // SAFETY: both buffers readable for their lengths; `h` and `error` writable.
    let code = unsafe {
        certseal_verifier_new(
            list.as_ptr(),
            list.len(),
            root.as_ptr(),
            root.len(),
            2,
            &mut h,
            &mut error,
        )
    };
    assert_eq!(code, CertsealCode::Ok);
    // SAFETY: `h` is a live handle.
    let code = unsafe { certseal_verifier_set_time(h, NOW) };
    assert_eq!(code, CertsealCode::Ok);
    let one = |text: &str| {
        let mut r = CertsealResult::UNSET;
        // SAFETY: `h` live, `text` readable for its length, `r` writable.
        unsafe { certseal_verify(h, text.as_ptr(), text.len(), &mut r) };
        r
    };

    let mut g = c.benchmark_group("single");
    g.bench_function("rust_api/valid", |b| {
        b.iter(|| rust.verify(black_box(valid[0])))
    });
    g.bench_function("c_abi/valid", |b| b.iter(|| one(black_box(valid[0]))));
    g.bench_function("rust_api/junk", |b| {
        b.iter(|| rust.verify(black_box("hello")))
    });
    g.bench_function("c_abi/junk", |b| b.iter(|| one(black_box("hello"))));
    g.finish();

    let items: Vec<CertsealBytes> = texts
        .iter()
        .map(|t| CertsealBytes {
            ptr: t.as_ptr(),
            len: t.len(),
        })
        .collect();
    let mut results = vec![CertsealResult::UNSET; BATCH];
    let mut g = c.benchmark_group("batch_1000_on_2_threads");
    g.sample_size(10);
    g.bench_function("rust_api", |b| {
        b.iter(|| pool.install(|| rust.verify_batch(&texts)))
    });
    g.bench_function("c_abi", |b| {
        b.iter(|| {
            // SAFETY: `h` live; `items` and `results` hold BATCH entries.
            unsafe {
                certseal_verify_batch(
                    h,
                    items.as_ptr(),
                    BATCH,
                    results.as_mut_ptr(),
                    0,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            }
        })
    });
    g.finish();
    // SAFETY: `h` live, freed once.
    unsafe { certseal_verifier_free(h) };
}

criterion_group!(benches, abi);
criterion_main!(benches);
