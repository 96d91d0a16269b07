#![allow(missing_docs)]
//! The verification and issue pipelines beside bare `ring`, with fixed inputs and a fixed clock.
//! Compare `verify/*/e2e` with `ring/*/verify` and `issue/*` with two `ring/*/sign`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use certseal::crypto::{Algorithm, Signer};
use certseal::issue::Issuer;
use certseal::model::parse_json;
use certseal::verify::Verifier;
use certseal::FixedClock;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{key_dir, NOW, SAMPLES};

fn pipeline(c: &mut Criterion) {
    let batch = parse_json(SAMPLES).expect("samples");
    let cert = &batch.accepted[0].1;
    for alg in [Algorithm::Es256, Algorithm::EdDsa] {
        let (_dir, keys) = key_dir(alg, 1);
        let issuer = Issuer::from_key_dir(&keys, NOW).expect("issuer");
        let signer = keys.active_signer(NOW).expect("signer");
        let raw_signer: &dyn Signer = signer.signer_at(NOW).expect("key");
        let issued = issuer.issue(cert, Some(7), NOW).expect("issue");
        let store = keys.trust_store().expect("store");
        let key = store.signers()[0].key().clone();
        let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
        let msg = vec![0x5au8; 170];
        let sig = raw_signer.sign(&msg).expect("sign");

        let mut g = c.benchmark_group(format!("{alg}"));
        g.throughput(Throughput::Elements(1));
        g.bench_function("ring_sign", |b| b.iter(|| raw_signer.sign(&msg)));
        g.bench_function("ring_verify", |b| b.iter(|| key.verify(&msg, &sig)));
        g.bench_function("verify_e2e", |b| {
            b.iter(|| {
                let v = verifier.verify_at(&issued.qr, NOW);
                assert!(v.is_valid());
                v
            })
        });
        g.bench_function("issue", |b| b.iter(|| issuer.issue(cert, Some(7), NOW)));
        g.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
