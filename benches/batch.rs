#![allow(missing_docs)]
//! Bulk verification of 10,000 valid Ed25519 payloads on one thread (`Verifier::verify_many_cofactored`)
//! beside bare `ring` Ed25519 single verification of the same 10,000 signatures, with fixed
//! inputs and a fixed clock.
//!
//! First a same-run comparison: several rounds, each timing bare `ring`, `verify_many`, the
//! single `verify` pipeline and `ed25519-dalek`'s `verify_batch` on the same inputs,
//! interleaved so that machine load hits them alike; the median of the per-round ratios is
//! printed (`batch_vs_ring`, the goal is ≥ 1.6). Then criterion benches of the same.
//!
//! `cargo bench --bench batch` (`-- --ratio-only` skips criterion).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

use certseal::claims::payload;
use certseal::codec::cbor::Mode;
use certseal::codec::{base45, Limits};
use certseal::cose::Sign1;
use certseal::crypto::{Algorithm, VerifyingKey};
use certseal::issue::Issuer;
use certseal::model::parse_json;
use certseal::trust::{InitOptions, KeyDir};
use certseal::verify::Verifier;
use certseal::FixedClock;

const NOW: i64 = 1_795_651_200;
const SAMPLES: &[u8] = include_bytes!("../data/sample-records.json");
const N: usize = 10_000;

struct Inputs {
    _dir: tempfile::TempDir,
    verifier: Verifier,
    key: VerifyingKey,
    texts: Vec<String>,
    /// Sig_structure and signature of each payload: what bare `ring` verifies.
    signed: Vec<(Vec<u8>, Vec<u8>)>,
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = KeyDir::init(
        dir.path(),
        InitOptions {
            alg: Algorithm::EdDsa,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now: NOW,
            signer_validity_days: 365,
            force: false,
        },
    )
    .expect("keys");
    let issuer = Issuer::from_key_dir(&keys, NOW).expect("issuer");
    let certs: Vec<_> = parse_json(SAMPLES)
        .expect("samples")
        .accepted
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let texts: Vec<String> = (0..N)
        .map(|i| {
            issuer
                .issue(&certs[i % certs.len()], Some(i as u64), NOW)
                .expect("issue")
                .qr
        })
        .collect();
    let signed = texts
        .iter()
        .map(|t| {
            let cose = base45::decode(payload::strip_prefix(t).expect("prefix")).expect("b45");
            let msg = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT).expect("cose");
            let mut tbs = Vec::new();
            msg.sig_structure(&[], &mut tbs);
            (tbs, msg.signature.to_vec())
        })
        .collect();
    let store = keys.trust_store().expect("store");
    let key = store.signers()[0].key().clone();
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
    Inputs {
        _dir: dir,
        verifier,
        key,
        texts,
        signed,
    }
}

fn ring_all(inp: &Inputs) {
    for (tbs, sig) in &inp.signed {
        assert!(inp.key.verify(tbs, sig).is_ok());
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

struct Dalek {
    keys: Vec<ed25519_dalek::VerifyingKey>,
    sigs: Vec<ed25519_dalek::Signature>,
}

fn dalek_inputs(inp: &Inputs) -> Dalek {
    let raw: [u8; 32] = inp.key.raw().try_into().expect("32 bytes");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("key");
    Dalek {
        keys: vec![key; N],
        sigs: inp
            .signed
            .iter()
            .map(|(_, s)| ed25519_dalek::Signature::from_slice(s).expect("sig"))
            .collect(),
    }
}

fn dalek_all(inp: &Inputs, d: &Dalek) {
    let msgs: Vec<&[u8]> = inp.signed.iter().map(|(m, _)| m.as_slice()).collect();
    for ((m, s), k) in msgs
        .chunks(512)
        .zip(d.sigs.chunks(512))
        .zip(d.keys.chunks(512))
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

/// Same-run ratios, interleaved rounds; prints one line per figure.
fn ratios(inp: &Inputs) {
    let d = dalek_inputs(inp);
    let rounds = 7;
    let sizes = [64, 256, 512, 1024];
    let mut batch: Vec<Vec<f64>> = vec![Vec::new(); sizes.len()];
    let (mut single, mut dalek, mut ring) = (Vec::new(), Vec::new(), Vec::new());
    // Warm up (and build the batch key table).
    batch_all(inp, 512);
    for _ in 0..rounds {
        let r = time(|| ring_all(inp)).as_secs_f64();
        ring.push(r);
        for (i, &size) in sizes.iter().enumerate() {
            batch[i].push(r / time(|| batch_all(inp, size)).as_secs_f64());
        }
        single.push(r / time(|| single_all(inp)).as_secs_f64());
        dalek.push(r / time(|| dalek_all(inp, &d)).as_secs_f64());
    }
    let ring_rate = N as f64 / median(ring);
    println!("same run, {N} valid Ed25519 payloads, one thread, median of {rounds} rounds:");
    println!("  ring_verify (bare, single)        {ring_rate:>10.0} /s   1.00x");
    for (i, &size) in sizes.iter().enumerate() {
        let m = median(batch[i].clone());
        println!(
            "  verify_many (batch of {size:>4})     {:>10.0} /s   {m:.2}x",
            ring_rate * m
        );
    }
    let s = median(single);
    println!(
        "  verify (single pipeline)          {:>10.0} /s   {s:.2}x",
        ring_rate * s
    );
    let dl = median(dalek);
    println!(
        "  ed25519-dalek verify_batch (512)  {:>10.0} /s   {dl:.2}x",
        ring_rate * dl
    );
    let default = sizes
        .iter()
        .position(|&s| s == certseal::verify::BATCH_SIZE)
        .map(|i| median(batch[i].clone()))
        .unwrap_or(f64::NAN);
    println!("batch_vs_ring = {default:.2} (goal >= 1.6)");
}

fn main() {
    let inp = inputs();
    ratios(&inp);
    if std::env::args().any(|a| a == "--ratio-only") {
        return;
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let mut g = c.benchmark_group("ed25519_10000");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("ring_verify", |b| b.iter(|| ring_all(&inp)));
    g.bench_function("verify_many", |b| {
        b.iter(|| batch_all(&inp, certseal::verify::BATCH_SIZE))
    });
    g.bench_function("verify_single", |b| b.iter(|| single_all(&inp)));
    g.finish();
    c.final_summary();
}
