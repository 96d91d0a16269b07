//! Hostile images never panic the scanner: mutated PNG and JPEG files of real codes, random
//! bytes and random grey buffers all give `Ok` or a typed error. (A coverage-guided fuzz target
//! calls `certseal::qr::fuzz_scan`; this is the short deterministic version for `cargo test`.)
#![cfg(feature = "qr")]
#![allow(clippy::unwrap_used)] // tests may unwrap

use certseal::qr::fuzz_scan;
use certseal::qr::scan::{scan_luma, ScanLimits};
use certseal::qr::testset::{generate, Degradation, Rng, DEFAULT_SEED};

fn mutate(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(16) {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
        }
        1 => d.truncate(rng.below(d.len())),
        2 => {
            // Overwrite a header region (dimensions, chunk lengths, quantisation tables).
            let i = rng.below(d.len().min(400));
            for b in d.iter_mut().skip(i).take(8) {
                *b = rng.next_u64() as u8;
            }
        }
        _ => {
            let i = rng.below(d.len());
            let n = rng.below(64);
            let insert: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            d.splice(i..i, insert);
        }
    }
    d
}

#[test]
fn mutated_images_never_panic() {
    let mut rng = Rng::new(54);
    let clean = generate(Degradation::Clean, 0, DEFAULT_SEED).unwrap();
    let photo = generate(Degradation::Rotation, 0, DEFAULT_SEED).unwrap();
    let seeds = [clean.encoded().unwrap(), photo.encoded().unwrap()];
    for seed in &seeds {
        for _ in 0..60 {
            fuzz_scan(&mutate(&mut rng, seed));
        }
    }
}

#[test]
fn random_bytes_and_buffers_never_panic() {
    let mut rng = Rng::new(99);
    for _ in 0..200 {
        let n = rng.below(300);
        let data: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
        fuzz_scan(&data);
    }
    for _ in 0..20 {
        let (w, h) = (1 + rng.below(300) as u32, 1 + rng.below(300) as u32);
        let px: Vec<u8> = (0..w * h).map(|_| rng.next_u64() as u8).collect();
        let _ = scan_luma(w, h, &px, &ScanLimits::default());
    }
    // Degenerate shapes.
    for (w, h) in [(0u32, 0u32), (1, 1), (1, 5000), (5000, 1), (2, 2)] {
        let px = vec![0u8; (w * h) as usize];
        let _ = scan_luma(w, h, &px, &ScanLimits::default());
    }
}
