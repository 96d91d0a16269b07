#![allow(missing_docs)]
//! Bulk verification of 10,000 valid Ed25519 payloads on one thread
//! (`Verifier::verify_many_cofactored`) beside bare `ring` single verification of the same
//! 10,000 signatures and `ed25519-dalek`'s `verify_batch` given the same inputs (messages,
//! signatures, and each payload's own key), with fixed inputs and a fixed clock.
//!
//! One signer for all payloads is the best case of the batch equation (terms under one key
//! share one point), so the payloads come in **signer mixes**: payload `i` is signed by signer
//! `i mod k` of `k` = 1, 2, 16 and 1,000 document signers under one root.
//!
//! First a same-run comparison per mix: several rounds, each timing bare `ring`, the bulk path
//! and `ed25519-dalek` (for one signer also other batch sizes and the single `verify`
//! pipeline), interleaved so that machine load hits them alike; the median of the per-round
//! ratios is printed, each named by what it divides (`verify_many_vs_ring`, the goal is ≥ 1.6
//! for one signer). Then criterion benches of the same.
//!
//! `cargo bench --bench batch` (`-- --ratio-only` skips criterion).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

use certseal::claims::payload;
use certseal::codec::cbor::Mode;
use certseal::codec::{base45, Limits};
use certseal::cose::Sign1;
use certseal::crypto::{RingSigner, Signer, VerifyingKey};
use certseal::issue::Issuer;
use certseal::trust::{RootCert, SignerCert, TrustStore};
use certseal::verify::Verifier;
use certseal::FixedClock;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{root_params, signer_params, NOW};

const N: usize = 10_000;
/// The signer mixes: how many document signers the 10,000 payloads are spread over.
const MIXES: [usize; 4] = [1, 2, 16, 1_000];

struct Inputs {
    signers: usize,
    verifier: Verifier,
    texts: Vec<String>,
    /// Sig_structure, signature and signer key of each payload: what bare `ring` verifies.
    signed: Vec<(Vec<u8>, Vec<u8>, VerifyingKey)>,
}

/// The Ed25519 key of signer `i` (deterministic).
fn signer_key(i: usize) -> RingSigner {
    let mut seed = [0x5a; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    RingSigner::ed25519_from_seed(&seed).expect("seed")
}

fn inputs(signers: usize) -> Inputs {
    let root_key = support::ed25519(1);
    let root = RootCert::issue(&root_key, &root_params("bench root", 1)).expect("root");
    let keys: Vec<RingSigner> = (0..signers).map(signer_key).collect();
    let certs: Vec<SignerCert> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let params = signer_params(&format!("bench signer {i}"), 2 + i as u64);
            root.issue_signer(&root_key, &k.public_key_spki(), &params)
                .expect("signer")
        })
        .collect();
    let issuers: Vec<Issuer<'_>> = keys
        .iter()
        .zip(&certs)
        .map(|(k, c)| Issuer::new(k, c).expect("issuer"))
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
    let store = TrustStore::from_signer_certs(&root, &certs).expect("store");
    let signed = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let cose = base45::decode(payload::strip_prefix(t).expect("prefix")).expect("b45");
            let msg = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT).expect("cose");
            let mut tbs = Vec::new();
            msg.sig_structure(&[], &mut tbs);
            let key = certs[i % signers].verifying_key().clone();
            (tbs, msg.signature.to_vec(), key)
        })
        .collect();
    Inputs {
        signers,
        verifier: Verifier::new(store).with_clock(FixedClock(NOW)),
        texts,
        signed,
    }
}

fn ring_all(inp: &Inputs) {
    for (tbs, sig, key) in &inp.signed {
        assert!(key.verify(tbs, sig).is_ok());
    }
}

fn batch_all(inp: &Inputs, batch_size: usize) {
    let verdicts =
        certseal::internal::bench::verify_many_chunked(&inp.verifier, &inp.texts, NOW, batch_size);
    assert!(verdicts.iter().all(|v| v.is_valid()));
}

fn single_all(inp: &Inputs) {
    for t in &inp.texts {
        assert!(inp.verifier.verify_at(t, NOW).is_valid());
    }
}

/// The same messages, signatures and keys for `ed25519-dalek`.
struct Dalek {
    msgs: Vec<Vec<u8>>,
    keys: Vec<ed25519_dalek::VerifyingKey>,
    sigs: Vec<ed25519_dalek::Signature>,
}

fn dalek_inputs(inp: &Inputs) -> Dalek {
    let key = |k: &VerifyingKey| {
        let raw: [u8; 32] = k.raw().try_into().expect("32 bytes");
        ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("key")
    };
    Dalek {
        msgs: inp.signed.iter().map(|(m, _, _)| m.clone()).collect(),
        keys: inp.signed.iter().map(|(_, _, k)| key(k)).collect(),
        sigs: inp
            .signed
            .iter()
            .map(|(_, s, _)| ed25519_dalek::Signature::from_slice(s).expect("sig"))
            .collect(),
    }
}

/// `ed25519-dalek`'s `verify_batch` in chunks of certseal's batch size.
fn dalek_all(d: &Dalek) {
    let msgs: Vec<&[u8]> = d.msgs.iter().map(Vec::as_slice).collect();
    let size = certseal::verify::BATCH_SIZE;
    for ((m, s), k) in msgs
        .chunks(size)
        .zip(d.sigs.chunks(size))
        .zip(d.keys.chunks(size))
    {
        assert!(ed25519_dalek::verify_batch(m, s, k).is_ok());
    }
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Same-run ratios for one signer mix, interleaved rounds; prints one line per figure.
fn ratios(inp: &Inputs) {
    let d = dalek_inputs(inp);
    let rounds = 7;
    let one_signer = inp.signers == 1;
    let sizes: &[usize] = if one_signer {
        &[64, 256, 512, 1024]
    } else {
        &[certseal::verify::BATCH_SIZE]
    };
    let mut batch: Vec<Vec<f64>> = vec![Vec::new(); sizes.len()];
    let (mut single, mut dalek, mut ring) = (Vec::new(), Vec::new(), Vec::new());
    // Warm up (and build the batch key table).
    batch_all(inp, certseal::verify::BATCH_SIZE);
    for _ in 0..rounds {
        let r = time(|| ring_all(inp)).as_secs_f64();
        ring.push(r);
        for (i, &size) in sizes.iter().enumerate() {
            batch[i].push(r / time(|| batch_all(inp, size)).as_secs_f64());
        }
        if one_signer {
            single.push(r / time(|| single_all(inp)).as_secs_f64());
        }
        dalek.push(r / time(|| dalek_all(&d)).as_secs_f64());
    }
    let ring_rate = N as f64 / median(ring);
    println!(
        "same run, {N} valid Ed25519 payloads from {} signer(s), one thread, median of {rounds} rounds:",
        inp.signers
    );
    println!("  ring_verify (bare, single)                  {ring_rate:>10.0} /s   1.00x");
    for (i, &size) in sizes.iter().enumerate() {
        let m = median(batch[i].clone());
        println!(
            "  verify_many_cofactored (batch of {size:>4})     {:>10.0} /s   {m:.2}x",
            ring_rate * m
        );
    }
    if one_signer {
        let s = median(single);
        println!(
            "  verify (single pipeline)                    {:>10.0} /s   {s:.2}x",
            ring_rate * s
        );
    }
    let dl = median(dalek);
    println!(
        "  ed25519-dalek verify_batch (same inputs)    {:>10.0} /s   {dl:.2}x",
        ring_rate * dl
    );
    let default = sizes
        .iter()
        .position(|&s| s == certseal::verify::BATCH_SIZE)
        .map(|i| median(batch[i].clone()))
        .unwrap_or(f64::NAN);
    let k = inp.signers;
    println!(
        "verify_many_vs_ring[{k} signers] = {default:.2}{}",
        if one_signer { " (goal >= 1.6)" } else { "" }
    );
    println!("dalek_batch_vs_ring[{k} signers] = {dl:.2}");
}

fn main() {
    // Criterion refuses arguments it does not know, so it is made only without --ratio-only.
    let mut criterion = (!std::env::args().any(|a| a == "--ratio-only"))
        .then(|| Criterion::default().configure_from_args().sample_size(10));
    for k in MIXES {
        let inp = inputs(k);
        ratios(&inp);
        let Some(c) = criterion.as_mut() else {
            continue;
        };
        let d = dalek_inputs(&inp);
        let mut g = c.benchmark_group(format!("ed25519_10000_{k}_signers"));
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function("ring_verify", |b| b.iter(|| ring_all(&inp)));
        g.bench_function("verify_many_cofactored", |b| {
            b.iter(|| batch_all(&inp, certseal::verify::BATCH_SIZE))
        });
        g.bench_function("dalek_verify_batch", |b| b.iter(|| dalek_all(&d)));
        if k == 1 {
            g.bench_function("verify_single", |b| b.iter(|| single_all(&inp)));
        }
        g.finish();
    }
    if let Some(c) = criterion {
        c.final_summary();
    }
}
