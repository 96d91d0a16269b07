#![allow(missing_docs)]
//! The three bulk-verification goals of issue 15 (`specs/batch-verify.md` §3), each against
//! bare `ring` single verification in the same run, one thread, fixed clock:
//!
//! - `sm2_2_signers`: 10,000 SM2 payloads by 2 signer keys through
//!   `Verifier::verify_many_cofactored` (chunks of `BATCH_SIZE`) ÷ bare `ring` ECDSA P-256
//!   verification of 10,000 signatures over the same Sig_structures (goal ≥ 1.0);
//! - `es256_2_signers`: the same shape for ES256 ÷ bare `ring` verification of the payloads' own
//!   10,000 (Sig_structure, signature, key) triples (goal ≥ 1.25);
//! - `ed25519_1000_signers`: 10,000 Ed25519 payloads by 1,000 signer keys ÷ bare `ring`
//!   Ed25519 verification of the same triples (goal ≥ 2).
//!
//! First a same-run comparison per goal: rounds that time the bare loop and the bulk path in
//! turn, so machine load hits both alike; the median of the per-round ratios is printed under
//! the ratio's name. Then criterion benches of the same loops.
//!
//! `cargo bench --bench bulk_ec` (`-- --ratio-only` skips criterion; feature `sm2`, default).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use ring::signature::{self, UnparsedPublicKey};

use certseal::claims::payload;
use certseal::codec::cbor::Mode;
use certseal::codec::{base45, Limits};
use certseal::cose::Sign1;
use certseal::crypto::{Algorithm, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::trust::{RootCert, SignerCert, TrustStore};
use certseal::verify::Verifier;
use certseal::FixedClock;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{root_params, signer_params, NOW};

const N: usize = 10_000;
const ROUNDS: usize = 7;

/// One goal's inputs: the bulk verifier and its payloads, and what bare `ring` verifies.
struct Goal {
    name: &'static str,
    goal: f64,
    verifier: Verifier,
    texts: Vec<String>,
    /// (message, signature, raw public key) for `ring`.
    bare: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>,
    bare_alg: &'static dyn signature::VerificationAlgorithm,
}

fn signer(alg: Algorithm, i: usize) -> Box<dyn Signer> {
    match alg {
        Algorithm::EdDsa => {
            let mut seed = [0x6b; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            Box::new(RingSigner::ed25519_from_seed(&seed).expect("seed"))
        }
        _ => certseal::crypto::generate_signer(alg).expect("key").0,
    }
}

fn goal(name: &'static str, alg: Algorithm, signers: usize, goal: f64) -> Goal {
    // An SM2 signer certificate needs an SM2 root.
    let root_key: Box<dyn Signer> = match alg {
        Algorithm::Sm2 => Box::new(support::sm2_key(1)),
        _ => Box::new(support::ed25519(1)),
    };
    let root_key = root_key.as_ref();
    let root = RootCert::issue(root_key, &root_params("bench root", 1)).expect("root");
    let keys: Vec<Box<dyn Signer>> = (0..signers).map(|i| signer(alg, i)).collect();
    let certs: Vec<SignerCert> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let params = signer_params(&format!("bench signer {i}"), 2 + i as u64);
            root.issue_signer(root_key, &k.public_key_spki(), &params)
                .expect("signer")
        })
        .collect();
    let issuers: Vec<Issuer<'_>> = keys
        .iter()
        .zip(&certs)
        .map(|(k, c)| Issuer::new(k.as_ref(), c).expect("issuer"))
        .collect();
    let samples = support::samples();
    let texts: Vec<String> = (0..N)
        .map(|i| {
            issuers[i % signers]
                .issue(&samples[i % samples.len()], Some(i as u64), NOW)
                .expect("issue")
                .qr
        })
        .collect();
    // SM2's baseline is a P-256 key of ring's signing the same Sig_structures.
    let p256 =
        (alg == Algorithm::Sm2).then(|| RingSigner::generate(Algorithm::Es256).expect("P-256").0);
    let bare = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let cose = base45::decode(payload::strip_prefix(t).expect("prefix")).expect("base45");
            let msg = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT).expect("COSE");
            let mut tbs = Vec::new();
            msg.sig_structure(&[], &mut tbs);
            match &p256 {
                Some(k) => {
                    let sig = k.sign(&tbs).expect("sign");
                    (tbs, sig, k.public_key_raw().to_vec())
                }
                None => {
                    let key = certseal::crypto::VerifyingKey::from_spki(
                        &keys[i % signers].public_key_spki(),
                    )
                    .expect("key");
                    (tbs, msg.signature.to_vec(), key.raw().to_vec())
                }
            }
        })
        .collect();
    let store = TrustStore::from_signer_certs(&root, &certs).expect("store");
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
    let g = Goal {
        name,
        goal,
        verifier,
        texts,
        bare,
        bare_alg: match alg {
            Algorithm::EdDsa => &signature::ED25519,
            _ => &signature::ECDSA_P256_SHA256_FIXED,
        },
    };
    // Everything verifies, so both loops do the full work (and the comb tables are built).
    assert!(g.texts.len() == N && bulk_all(&g) == N && bare_all(&g) == N);
    g
}

/// Bare ring verification of every triple; the count that verified.
fn bare_all(g: &Goal) -> usize {
    g.bare
        .iter()
        .filter(|(m, s, k)| UnparsedPublicKey::new(g.bare_alg, k).verify(m, s).is_ok())
        .count()
}

/// The bulk path over every payload, one chunk per call; the count that verified.
fn bulk_all(g: &Goal) -> usize {
    g.texts
        .chunks(certseal::verify::BATCH_SIZE)
        .map(|c| {
            g.verifier
                .verify_many_cofactored_at(c, NOW)
                .iter()
                .filter(|v| v.is_valid())
                .count()
        })
        .sum()
}

fn time(f: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    std::hint::black_box(f());
    start.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ratios(g: &Goal) {
    let mut r = Vec::new();
    let (mut bare_rate, mut bulk_rate) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let bare = time(|| bare_all(g)).as_secs_f64();
        let bulk = time(|| bulk_all(g)).as_secs_f64();
        bare_rate.push(N as f64 / bare);
        bulk_rate.push(N as f64 / bulk);
        r.push(bare / bulk);
    }
    println!(
        "{}: bare ring {:.0}/s, bulk {:.0}/s (medians of {ROUNDS} rounds); bulk_vs_bare_ring {:.3} (goal >= {})",
        g.name,
        median(bare_rate),
        median(bulk_rate),
        median(r),
        g.goal
    );
}

fn main() {
    // Criterion refuses arguments it does not know, so it is made only without --ratio-only.
    let mut criterion = (!std::env::args().any(|a| a == "--ratio-only")).then(|| {
        Criterion::default()
            .configure_from_args()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
    });
    let goals = [
        ("sm2_2_signers", Algorithm::Sm2, 2, 1.0),
        ("es256_2_signers", Algorithm::Es256, 2, 1.25),
        ("ed25519_1000_signers", Algorithm::EdDsa, 1_000, 2.0),
    ];
    for (name, alg, signers, target) in goals {
        let g = goal(name, alg, signers, target);
        ratios(&g);
        let Some(c) = criterion.as_mut() else {
            continue;
        };
        let mut group = c.benchmark_group(format!("bulk_{name}"));
        group.throughput(Throughput::Elements(N as u64));
        group.bench_function("bare_ring_verify", |b| b.iter(|| bare_all(&g)));
        group.bench_function("verify_many_cofactored", |b| b.iter(|| bulk_all(&g)));
        group.finish();
    }
    if let Some(c) = criterion {
        c.final_summary();
    }
}
