//! SM2 against the `ring` P-256 baseline, on a fixed 300-byte message (the size of a typical
//! COSE `Sig_structure`). Keys are parsed once, outside the timed loop, as the trust list does.
//!
//! `cargo bench --features sm2 --bench sm2` runs criterion; with `SM2_PAIRED=1` it first prints
//! paired ratios (each SM2 batch timed right after a `ring` P-256 verify batch), which stay
//! meaningful on a loaded machine. The numbers in `specs/sm2.md` come from here.

use std::hint::black_box;
use std::time::Instant;

use certseal::crypto::sm2::{Sm2Signer, DEFAULT_ID};
use certseal::crypto::{Algorithm, RingSigner, Signer, VerifyingKey};
use criterion::Criterion;

const MESSAGE: [u8; 300] = [0x5a; 300];
/// A fixed SM2 secret scalar (the GB/T 32918.5 annex A example key).
const SM2_D: [u8; 32] = [
    0x39, 0x45, 0x20, 0x8f, 0x7b, 0x21, 0x44, 0xb1, 0x3f, 0x36, 0xe3, 0x8a, 0xc6, 0xd3, 0x9f, 0x95,
    0x88, 0x93, 0x93, 0x69, 0x28, 0x60, 0xb5, 0x1a, 0x42, 0xfb, 0x81, 0xef, 0x4d, 0xf7, 0xc5, 0xb8,
];

struct Fixture {
    p256: RingSigner,
    p256_key: VerifyingKey,
    p256_sig: Vec<u8>,
    sm2: Sm2Signer,
    sm2_key: VerifyingKey,
    sm2_sig: Vec<u8>,
    rc_key: sm2::dsa::VerifyingKey,
    rc_signing: sm2::dsa::SigningKey,
    rc_sig: sm2::dsa::Signature,
    sm2_spki: Vec<u8>,
    /// `efficient-sm2`, the verifier certseal used before its comb tables, for comparison.
    e_key: efficient_sm2::PublicKey,
    e_sig: efficient_sm2::Signature,
    e_digest: [u8; 32],
}

fn fixture() -> Fixture {
    let (p256, _) = RingSigner::generate(Algorithm::Es256).expect("P-256 key");
    let p256_key = VerifyingKey::from_spki(&p256.public_key_spki()).expect("P-256 SPKI");
    let p256_sig = p256.sign(&MESSAGE).expect("P-256 signature");
    let sm2 = Sm2Signer::from_secret_bytes(&SM2_D, DEFAULT_ID).expect("SM2 key");
    let sm2_key = VerifyingKey::from_spki(&sm2.public_key_spki()).expect("SM2 SPKI");
    let sm2_sig = sm2.sign(&MESSAGE).expect("SM2 signature");
    let rc_key = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", sm2.public_key_raw())
        .expect("RustCrypto key");
    let rc_signing =
        sm2::dsa::SigningKey::from_slice("1234567812345678", &SM2_D).expect("RustCrypto signer");
    let rc_sig = sm2::dsa::Signature::from_slice(&sm2_sig).expect("RustCrypto signature");
    let sm2_spki = sm2.public_key_spki();
    let e_key = efficient_sm2::PublicKey::from_slice(&sm2.public_key_raw()[1..]);
    let e_sig = efficient_sm2::Signature::new(&sm2_sig[..32], &sm2_sig[32..]).expect("signature");
    let e_digest = {
        use sm3::Digest as _;
        let mut h = sm3::Sm3::new();
        h.update(sm2.z());
        h.update(MESSAGE);
        h.finalize().into()
    };
    Fixture {
        p256,
        p256_key,
        p256_sig,
        sm2,
        sm2_key,
        sm2_sig,
        rc_key,
        rc_signing,
        rc_sig,
        sm2_spki,
        e_key,
        e_sig,
        e_digest,
    }
}

fn bench(c: &mut Criterion) {
    use sm2::dsa::signature::{Signer as _, Verifier as _};
    let f = fixture();
    let mut g = c.benchmark_group("sm2");
    g.bench_function("ring_p256_verify", |b| {
        b.iter(|| {
            f.p256_key
                .verify(black_box(&MESSAGE), black_box(&f.p256_sig))
        })
    });
    g.bench_function("ring_p256_sign", |b| {
        b.iter(|| f.p256.sign(black_box(&MESSAGE)))
    });
    g.bench_function("certseal_sm2_verify", |b| {
        b.iter(|| f.sm2_key.verify(black_box(&MESSAGE), black_box(&f.sm2_sig)))
    });
    g.bench_function("certseal_sm2_key_load", |b| {
        b.iter(|| VerifyingKey::from_spki(black_box(&f.sm2_spki)))
    });
    g.bench_function("efficient_sm2_verify_digest", |b| {
        b.iter(|| f.e_sig.verify_digest(&f.e_key, black_box(&f.e_digest)))
    });
    g.bench_function("certseal_sm2_sign", |b| {
        b.iter(|| f.sm2.sign(black_box(&MESSAGE)))
    });
    g.bench_function("rustcrypto_sm2_verify", |b| {
        b.iter(|| f.rc_key.verify(black_box(&MESSAGE), black_box(&f.rc_sig)))
    });
    g.bench_function("rustcrypto_sm2_sign", |b| {
        b.iter(|| -> sm2::dsa::Signature { f.rc_signing.sign(black_box(&MESSAGE)) })
    });
    g.finish();
}

/// Median over 41 pairs of (SM2 batch time / P-256 verify batch time), each pair run back to
/// back; also the ratio of the fastest batches, the steadier figure on a busy machine.
fn paired(name: &str, base: &mut dyn FnMut(), op: &mut dyn FnMut()) {
    const BATCH: u32 = 50;
    let mut ratios = Vec::new();
    let (mut min_base, mut min_op) = (f64::MAX, f64::MAX);
    for _ in 0..41 {
        let t = Instant::now();
        (0..BATCH).for_each(|_| base());
        let b = t.elapsed().as_secs_f64() * 1e6 / f64::from(BATCH);
        let t = Instant::now();
        (0..BATCH).for_each(|_| op());
        let x = t.elapsed().as_secs_f64() * 1e6 / f64::from(BATCH);
        ratios.push(x / b);
        min_base = min_base.min(b);
        min_op = min_op.min(x);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "{name:26} median {:.2}x (p10 {:.2}, p90 {:.2}); fastest {min_op:.1} µs / {min_base:.1} µs = {:.2}x",
        ratios[20],
        ratios[4],
        ratios[36],
        min_op / min_base
    );
}

fn paired_all() {
    use sm2::dsa::signature::{Signer as _, Verifier as _};
    let f = fixture();
    let mut base = || {
        black_box(
            f.p256_key
                .verify(black_box(&MESSAGE), black_box(&f.p256_sig)),
        )
        .ok();
    };
    let mut base2 = base;
    paired("ring_p256_verify (self)", &mut base, &mut base2);
    paired("certseal_sm2_verify", &mut base, &mut || {
        black_box(f.sm2_key.verify(black_box(&MESSAGE), black_box(&f.sm2_sig))).ok();
    });
    paired("efficient_sm2_verify_digest", &mut base, &mut || {
        black_box(f.e_sig.verify_digest(&f.e_key, black_box(&f.e_digest))).ok();
    });
    paired("certseal_sm2_key_load", &mut base, &mut || {
        black_box(VerifyingKey::from_spki(black_box(&f.sm2_spki))).ok();
    });
    paired("certseal_sm2_sign", &mut base, &mut || {
        black_box(f.sm2.sign(black_box(&MESSAGE))).ok();
    });
    paired("rustcrypto_sm2_verify", &mut base, &mut || {
        black_box(f.rc_key.verify(black_box(&MESSAGE), black_box(&f.rc_sig))).ok();
    });
    paired("rustcrypto_sm2_sign", &mut base, &mut || {
        black_box::<sm2::dsa::Signature>(f.rc_signing.sign(black_box(&MESSAGE)));
    });
    paired("ring_p256_sign", &mut base, &mut || {
        black_box(f.p256.sign(black_box(&MESSAGE))).ok();
    });
}

fn main() {
    if std::env::var_os("SM2_PAIRED").is_some() {
        paired_all();
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
