//! The C ABI beside the Rust API, same inputs, same run (specs/ffi.md, "Speed"): a batch of
//! valid payloads through `certseal_verify_batch` against `Verifier::verify_batch` in a rayon
//! pool of the same size, and one payload per call through `certseal_verify` against
//! `Verifier::verify`, in interleaved rounds (median of each). Prints `key=value` lines that
//! `ffi/java/speed.sh` hands to the Java side, so the Java numbers are set against the Rust
//! API of the same run.
//!
//! ```sh
//! cargo run --release -p certseal-ffi --example speed -- [BATCH] [THREADS] [ROUNDS]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::time::Instant;

use certseal::trust::{RootCert, TrustList};
use certseal::verify::Verifier;
use certseal::FixedClock;
use certseal_ffi::{
    certseal_verifier_free, certseal_verifier_new, certseal_verifier_set_time, certseal_verify,
    certseal_verify_batch, CertsealBytes, CertsealCode, CertsealResult, CertsealStatus,
    CertsealVerifier,
};

/// The fixtures' clock (gen-fixtures.rs).
const NOW: i64 = 1_795_651_200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per call of `f` over `n` calls.
fn per_call(n: usize, mut f: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("BATCH THREADS ROUNDS: numbers"))
        .collect();
    let batch = args.first().copied().unwrap_or(10_000);
    let threads = args.get(1).copied().unwrap_or(2);
    let rounds = args.get(2).copied().unwrap_or(5);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let list = std::fs::read(dir.join("trust-list.cbor")).unwrap();
    let root = std::fs::read(dir.join("root.pem")).unwrap();
    let valid = std::fs::read_to_string(dir.join("valid.txt")).unwrap();
    let valid: Vec<&str> = valid.lines().filter(|l| !l.is_empty()).collect();
    let texts: Vec<&str> = (0..batch).map(|i| valid[i % valid.len()]).collect();

    // The Rust API.
    let anchor = TrustList::verify(&list, &RootCert::from_pem_or_der(&root).unwrap()).unwrap();
    let rust = Verifier::new(anchor.store).with_clock(FixedClock(NOW));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();

    // The C ABI.
    let mut h: *mut CertsealVerifier = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    // SAFETY: both buffers readable for their lengths; `h` and `error` writable.
    let code = unsafe {
        certseal_verifier_new(
            list.as_ptr(),
            list.len(),
            root.as_ptr(),
            root.len(),
            u32::try_from(threads).unwrap(),
            &mut h,
            &mut error,
        )
    };
    assert_eq!(code, CertsealCode::Ok);
    // SAFETY: `h` is a live handle.
    let code = unsafe { certseal_verifier_set_time(h, NOW) };
    assert_eq!(code, CertsealCode::Ok);
    let items: Vec<CertsealBytes> = texts
        .iter()
        .map(|t| CertsealBytes {
            ptr: t.as_ptr(),
            len: t.len(),
        })
        .collect();
    let mut results = vec![CertsealResult::UNSET; batch];
    let abi_one = |text: &str| {
        let mut r = CertsealResult::UNSET;
        // SAFETY: `h` live, `text` readable for its length, `r` writable.
        let code = unsafe { certseal_verify(h, text.as_ptr(), text.len(), &mut r) };
        assert_eq!(code, CertsealCode::Ok);
        r
    };

    let (mut rust_batch, mut abi_batch) = (Vec::new(), Vec::new());
    let (mut rust_one, mut abi_one_ns) = (Vec::new(), Vec::new());
    let (mut rust_junk, mut abi_junk) = (Vec::new(), Vec::new());
    let singles = batch.min(2_000);
    for _ in 0..rounds {
        let t = Instant::now();
        let verdicts = pool.install(|| rust.verify_batch(&texts));
        rust_batch.push(t.elapsed().as_nanos() as f64 / batch as f64);
        assert!(verdicts.iter().all(|v| v.is_valid()));

        let t = Instant::now();
        // SAFETY: `h` live; `items` and `results` hold `batch` entries.
        let code = unsafe {
            certseal_verify_batch(
                h,
                items.as_ptr(),
                batch,
                results.as_mut_ptr(),
                0,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        abi_batch.push(t.elapsed().as_nanos() as f64 / batch as f64);
        assert_eq!(code, CertsealCode::Ok);
        assert!(results.iter().all(|r| r.status == CertsealStatus::Valid));

        rust_one.push(per_call(singles, |i| {
            assert!(rust.verify(texts[i]).is_valid());
        }));
        abi_one_ns.push(per_call(singles, |i| {
            assert_eq!(abi_one(texts[i]).status, CertsealStatus::Valid);
        }));
        rust_junk.push(per_call(100_000, |_| {
            assert!(!rust.verify("hello").is_valid());
        }));
        abi_junk.push(per_call(100_000, |_| {
            assert_ne!(abi_one("hello").status, CertsealStatus::Valid);
        }));
    }
    // SAFETY: `h` live, freed once.
    unsafe { certseal_verifier_free(h) };

    let (rb, ab) = (median(rust_batch), median(abi_batch));
    let (r1, a1) = (median(rust_one), median(abi_one_ns));
    let (rj, aj) = (median(rust_junk), median(abi_junk));
    println!("# {batch} valid payloads, {threads} threads, median of {rounds} interleaved rounds");
    println!("rust_batch_ns={rb:.0}");
    println!("abi_batch_ns={ab:.0}");
    println!("abi_batch_throughput_ratio={:.3}", rb / ab);
    println!("rust_single_ns={r1:.0}");
    println!("abi_single_ns={a1:.0}");
    println!("abi_single_overhead_ns={:.0}", a1 - r1);
    println!("rust_reject_ns={rj:.0}");
    println!("abi_reject_ns={aj:.0}");
    println!("abi_reject_overhead_ns={:.0}", aj - rj);
}
