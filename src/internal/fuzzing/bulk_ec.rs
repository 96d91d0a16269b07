//! The `bulk_ec` fuzz target: the fast ES256 / SM2 bulk path (`crypto::ec` comb tables and
//! shared inversions, under [`Verifier::verify_many_cofactored_at`]) against the plain
//! verifier, verdict by verdict (`specs/batch-verify.md` §3).
//!
//! The input is a little program: records of four bytes `[payload, op, a, b]` (op 7 reads 64
//! more bytes). Each record takes one of the fixture's real payloads (two ES256 signers under
//! an Ed25519 root and, with
//! feature `sm2`, two SM2 signers under an SM2 root) and changes its signature: unchanged, a bit
//! flipped, r or s set to an edge value (0, 1, n − 1, n, n + 1, p − 1, p, 2²⁵⁶ − 1, …),
//! r + s = n, s → n − s (high S), the same Sig_structure signed by the *other* key of the same
//! algorithm under this kid, r and s swapped, or 64 bytes of the input; op 10 also checks a
//! mutated raw public key (often off the curve) at the crypto layer. The batch goes through
//! `verify_many_cofactored_at` of a plain and of a caching verifier, and each verdict must equal
//! `verify_at`'s; the same triples go through `crypto::ec::FastBatch` directly and each verdict
//! must equal `VerifyingKey::verify`'s. It owns nothing but this comparison.

use std::sync::OnceLock;

use crate::claims::payload::{self, PREFIX};
use crate::codec::cbor::Mode;
use crate::codec::{base45, Limits};
use crate::cose::Sign1;
use crate::crypto::ec::mont::{add_wide, limbs_from_be, limbs_to_be, Modulus};
use crate::crypto::ec::{FastBatch, FastKey, P256Field, P256Order};
use crate::crypto::{Algorithm, RingSigner, Signer, VerifyingKey};
use crate::issue::Issuer;
use crate::trust::{RootCert, RootParams, SignerCert, SignerParams, TrustStore};
use crate::verify::Verifier;

const NOW: i64 = 1_795_651_200;
const DAY: i64 = 86_400;
/// Most payloads in one batch.
const MAX_ITEMS: usize = 48;
/// Most mutated raw keys per input (each costs a comb table, ≈ 15 verifications).
const MAX_RAW_KEYS: usize = 2;
/// Fixed ES256 keys (`fuzz-keys/README.md`); SM2 keys are fixed scalars below.
const ES256_PKCS8: [&[u8]; 2] = [
    include_bytes!("../fuzz-keys/es256-1.pk8"),
    include_bytes!("../fuzz-keys/es256-2.pk8"),
];
const SAMPLES: &[u8] = include_bytes!("../../../data/sample-records.json");

/// One issued payload of the fixture.
struct Payload {
    alg: Algorithm,
    /// The COSE_Sign1 bytes; the last 64 are the signature.
    cose: Vec<u8>,
    /// Its Sig_structure.
    tbs: Vec<u8>,
    /// The signer's key.
    key: VerifyingKey,
    /// Index of that key's prepared form in [`Fixture::fast`].
    fast: usize,
    /// The same Sig_structure signed by the other key of this algorithm: the wrong key.
    wrong: Vec<u8>,
}

struct Fixture {
    /// One (plain, caching) verifier pair per algorithm: ES256 signers under an Ed25519
    /// root, SM2 signers under an SM2 root (an SM2 certificate needs an SM2 issuer). Every
    /// batch goes through every pair, so each also sees payloads of unknown kids.
    verifiers: Vec<(Verifier, Verifier)>,
    payloads: Vec<Payload>,
    fast: Vec<FastKey>,
}

/// A root key and its two signer keys.
type Group = (Box<dyn Signer>, [Box<dyn Signer>; 2]);

/// The root key and the two signer keys of each algorithm.
fn groups() -> Option<Vec<Group>> {
    let es256 = |der: &[u8]| -> Option<Box<dyn Signer>> {
        Some(Box::new(
            RingSigner::from_pkcs8(Algorithm::Es256, der).ok()?,
        ))
    };
    let [a, b] = ES256_PKCS8;
    #[cfg_attr(not(feature = "sm2"), allow(unused_mut))]
    let mut out: Vec<Group> = vec![(
        Box::new(RingSigner::ed25519_from_seed(&[0x30; 32]).ok()?),
        [es256(a)?, es256(b)?],
    )];
    #[cfg(feature = "sm2")]
    {
        let sm2 = |byte: u8| -> Option<Box<dyn Signer>> {
            Some(Box::new(
                crate::crypto::sm2::Sm2Signer::from_secret_bytes(
                    &[byte; 32],
                    crate::crypto::sm2::DEFAULT_ID,
                )
                .ok()?,
            ))
        };
        out.push((sm2(0x3f)?, [sm2(0x31)?, sm2(0x32)?]));
    }
    Some(out)
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(build).as_ref()
}

fn build() -> Option<Fixture> {
    let records = crate::model::parse_json(SAMPLES).ok()?.accepted;
    let mut verifiers = Vec::new();
    let mut payloads = Vec::new();
    let mut fast = Vec::new();
    for (g, (root_key, keys)) in groups()?.iter().enumerate() {
        let root = RootCert::issue(
            root_key.as_ref(),
            &RootParams {
                common_name: format!("bulk_ec fuzz root {g}"),
                authority_name: "fuzz".into(),
                authority_uscc: None,
                serial: 1,
                not_before: NOW - DAY,
                not_after: NOW + 3650 * DAY,
            },
        )
        .ok()?;
        let mut certs: Vec<SignerCert> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            certs.push(
                root.issue_signer(
                    root_key.as_ref(),
                    &k.public_key_spki(),
                    &SignerParams {
                        common_name: format!("bulk_ec fuzz signer {g}.{i}"),
                        authority_name: "fuzz".into(),
                        authority_uscc: "12100000400010398P".into(),
                        serial: 10 + i as u64,
                        not_before: NOW - DAY,
                        not_after: NOW + 365 * DAY,
                    },
                )
                .ok()?,
            );
        }
        let store = TrustStore::from_signer_certs(&root, &certs).ok()?;
        for (i, (key, cert)) in keys.iter().zip(&certs).enumerate() {
            // The other key of the pair.
            let other = keys.get(1 - i)?;
            let public = VerifyingKey::from_spki(&key.public_key_spki()).ok()?;
            let fast_at = fast.len();
            fast.push(FastKey::new(&public)?);
            let issuer = Issuer::new(key.as_ref(), cert).ok()?;
            for (j, (_, record)) in records.iter().take(3).enumerate() {
                let index = (100 * g + 10 * i + j) as u64;
                let qr = issuer.issue(record, Some(index), NOW).ok()?.qr;
                let cose = base45::decode(payload::strip_prefix(&qr).ok()?).ok()?;
                let msg = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT).ok()?;
                if !cose.ends_with(msg.signature) || msg.signature.len() != 64 {
                    return None;
                }
                let mut tbs = Vec::new();
                msg.sig_structure(&[], &mut tbs);
                let wrong = other.sign(&tbs).ok()?;
                payloads.push(Payload {
                    alg: key.algorithm(),
                    cose: cose.clone(),
                    tbs,
                    key: public.clone(),
                    fast: fast_at,
                    wrong,
                });
            }
        }
        verifiers.push((
            Verifier::new(store.clone()).with_clock(crate::FixedClock(NOW)),
            Verifier::new(store)
                .with_clock(crate::FixedClock(NOW))
                .with_cache(64),
        ));
    }
    Some(Fixture {
        verifiers,
        payloads,
        fast,
    })
}

/// n and p of the payload's curve, as little-endian limbs.
fn order_and_prime(alg: Algorithm) -> ([u64; 4], [u64; 4]) {
    match alg {
        #[cfg(feature = "sm2")]
        Algorithm::Sm2 => (
            crate::crypto::ec::Sm2Order::M,
            crate::crypto::ec::Sm2Field::M,
        ),
        _ => (P256Order::M, P256Field::M),
    }
}

/// The edge value number `k` for a scalar of a curve of order `n` and prime `p`.
fn edge(k: u8, n: &[u64; 4], p: &[u64; 4], original: &[u8; 32]) -> [u8; 32] {
    let plus = |x: &[u64; 4], d: u64| limbs_to_be(&add_wide(x, &[d, 0, 0, 0]).0);
    let minus = |x: &[u64; 4], d: u64| {
        limbs_to_be(&add_wide(x, &[d.wrapping_neg(), u64::MAX, u64::MAX, u64::MAX]).0)
    };
    match k % 14 {
        0 => [0; 32],
        1 => plus(&[0; 4], 1),
        2 => plus(&[0; 4], 2),
        3 => minus(n, 1),
        4 => minus(n, 2),
        5 => limbs_to_be(n),
        6 => plus(n, 1),
        7 => minus(p, 1),
        8 => limbs_to_be(p),
        9 => [0xff; 32],
        10 => {
            let mut v = [0; 32];
            v[0] = 0x80;
            v
        }
        // The original plus n: the same value mod n, out of range.
        11 => limbs_to_be(&add_wide(&limbs_from_be(original), n).0),
        // n − original.
        12 => negate(n, original),
        _ => *original,
    }
}

/// `sig` with r (half 0) or s (half 1) replaced.
fn set_half(sig: &mut [u8], half: usize, value: &[u8; 32]) {
    if let Some(slot) = sig.get_mut(half * 32..half * 32 + 32) {
        slot.copy_from_slice(value);
    }
}

fn half(sig: &[u8], half: usize) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(slot) = sig.get(half * 32..half * 32 + 32) {
        out.copy_from_slice(slot);
    }
    out
}

/// (n − x) mod n for x < n, else x's wrapping complement (still a value to try).
fn negate(n: &[u64; 4], x: &[u8; 32]) -> [u8; 32] {
    let x = limbs_from_be(x);
    // n + (2²⁵⁶ − x) mod 2²⁵⁶ = n − x.
    let neg = add_wide(&[!x[0], !x[1], !x[2], !x[3]], &[1, 0, 0, 0]).0;
    limbs_to_be(&add_wide(n, &neg).0)
}

/// See the module doc.
pub fn bulk_ec(data: &[u8]) {
    let Some(f) = fixture() else { return };
    let count = f.payloads.len().max(1);
    let mut texts: Vec<String> = Vec::new();
    // (payload, key: the fixture's prepared key or a mutated one, signature)
    let mut triples: Vec<(usize, Option<usize>, Vec<u8>)> = Vec::new();
    let mut raw_keys: Vec<(VerifyingKey, FastKey)> = Vec::new();
    let mut rest = data;
    while texts.len() < MAX_ITEMS {
        let Some((&[sel, op, a, b], tail)) = rest.split_first_chunk::<4>() else {
            break;
        };
        rest = tail;
        let at = usize::from(sel) % count;
        let Some(p) = f.payloads.get(at) else { break };
        let (n, prime) = order_and_prime(p.alg);
        let Some(original) = p.cose.len().checked_sub(64).and_then(|i| p.cose.get(i..)) else {
            break;
        };
        let mut sig = original.to_vec();
        let mut key = None;
        match op % 11 {
            0 => {}
            1 => {
                if let Some(byte) = sig.get_mut(usize::from(a) % 64) {
                    *byte ^= 1 << (b % 8);
                }
            }
            2 | 3 => {
                let h = usize::from(op % 11 - 2);
                let v = edge(a, &n, &prime, &half(original, h));
                set_half(&mut sig, h, &v);
            }
            4 => {
                // r + s = n (refused by SM2's t ≠ 0 rule; for ECDSA just another s).
                let s = negate(&n, &half(original, 0));
                set_half(&mut sig, 1, &s);
            }
            5 => {
                // s → n − s: ECDSA's high-S twin, refused by the low-S rule.
                let s = negate(&n, &half(original, 1));
                set_half(&mut sig, 1, &s);
            }
            6 => sig.clone_from(&p.wrong),
            7 => match rest.split_first_chunk::<64>() {
                Some((raw, tail)) => {
                    sig = raw.to_vec();
                    rest = tail;
                }
                None => break,
            },
            8 => {
                let (r, s) = (half(original, 0), half(original, 1));
                set_half(&mut sig, 0, &edge(a, &n, &prime, &r));
                set_half(&mut sig, 1, &edge(b, &n, &prime, &s));
            }
            9 => {
                let (r, s) = (half(original, 0), half(original, 1));
                set_half(&mut sig, 0, &s);
                set_half(&mut sig, 1, &r);
            }
            _ => {
                // A mutated raw key (crypto layer only; the payload keeps its signature).
                let mut raw = p.key.raw().to_vec();
                if let Some(byte) = raw.get_mut(usize::from(a) % 65) {
                    *byte ^= 1 << (b % 8);
                }
                if raw_keys.len() < MAX_RAW_KEYS {
                    if let Ok(vk) = VerifyingKey::from_raw(p.alg, &raw) {
                        match FastKey::new(&vk) {
                            Some(fast) => {
                                key = Some(raw_keys.len());
                                raw_keys.push((vk, fast));
                            }
                            // No table: the key is not a point of the curve, and the plain
                            // verifier must refuse everything under it too.
                            None => assert!(
                                vk.verify(&p.tbs, &sig).is_err(),
                                "a key without a comb table verified a signature"
                            ),
                        }
                    }
                }
            }
        }
        let mut cose = p.cose.clone();
        if let Some(tail) = cose.len().checked_sub(64).and_then(|i| cose.get_mut(i..)) {
            if sig.len() == 64 {
                tail.copy_from_slice(&sig);
            }
        }
        texts.push(format!("{PREFIX}{}", base45::encode(&cose)));
        triples.push((at, key, sig));
    }
    if texts.is_empty() {
        return;
    }

    // The pipeline: bulk (plain and caching verifier) against single, verdict by verdict.
    for (plain, caching) in &f.verifiers {
        let many = plain.verify_many_cofactored_at(&texts, NOW);
        let cached = caching.verify_many_cofactored_at(&texts, NOW);
        assert_eq!(many.len(), texts.len(), "one verdict per payload");
        for (i, text) in texts.iter().enumerate() {
            let single = plain.verify_at(text, NOW);
            assert_eq!(many.get(i), Some(&single), "bulk differs at {i}");
            assert_eq!(cached.get(i), Some(&single), "cached bulk differs at {i}");
            assert_eq!(
                caching.verify_at(text, NOW),
                single,
                "cached single differs at {i}"
            );
        }
    }

    // The crypto layer: FastBatch against VerifyingKey::verify, triple by triple.
    let mut batch = FastBatch::default();
    let mut want = Vec::new();
    for (at, key, sig) in &triples {
        let Some(p) = f.payloads.get(*at) else {
            continue;
        };
        let (fast, public) = match key {
            Some(k) => match raw_keys.get(*k) {
                Some((vk, fast)) => (fast, vk),
                None => continue,
            },
            None => match f.fast.get(p.fast) {
                Some(fast) => (fast, &p.key),
                None => continue,
            },
        };
        batch.push(fast, &p.tbs, sig);
        want.push(public.verify(&p.tbs, sig).is_ok());
    }
    assert_eq!(
        batch.verify(),
        want,
        "crypto::ec differs from the plain verifier"
    );
}

/// Seeds of the `bulk_ec` target: every op on every payload, and mixed batches.
pub fn bulk_ec_seeds() -> Vec<Vec<u8>> {
    let count = fixture().map_or(12, |f| f.payloads.len()) as u8;
    let mut out = Vec::new();
    // All payloads unchanged, then each op on each payload in a batch of valid ones.
    out.push((0..count).flat_map(|i| [i, 0, 0, 0]).collect());
    for op in 1u8..=10 {
        let mut seed = Vec::new();
        for i in 0..count {
            seed.extend_from_slice(&[i, 0, 0, 0]);
            seed.extend_from_slice(&[i, op, i.wrapping_mul(7), i]);
            if op == 7 {
                seed.extend_from_slice(&[i; 64]);
            }
        }
        out.push(seed);
    }
    // Every edge value of r and s on one ES256 and, when present, one SM2 payload.
    for at in [0u8, count.saturating_sub(1)] {
        let mut seed = Vec::new();
        for k in 0..14u8 {
            seed.extend_from_slice(&[at, 2, k, 0]);
            seed.extend_from_slice(&[at, 3, k, 0]);
            seed.extend_from_slice(&[at, 8, k, 13 - k]);
        }
        out.push(seed);
    }
    out
}

#[cfg(test)]
mod tests {
    // By the crate path: tests/layers.rs reads an inline `super::` one level up.
    use crate::claims::payload::PREFIX;
    use crate::codec::base45;
    use crate::internal::fuzzing::bulk_ec::{bulk_ec, bulk_ec_seeds, fixture, NOW};

    #[test]
    fn fixture_has_two_signers_per_algorithm() {
        let f = fixture().expect("bulk_ec fixture");
        let algs = if cfg!(feature = "sm2") { 2 } else { 1 };
        assert_eq!(f.verifiers.len(), algs);
        assert_eq!(f.fast.len(), 2 * algs);
        assert_eq!(f.payloads.len(), 6 * algs);
        for p in &f.payloads {
            let sig = p.cose.get(p.cose.len() - 64..).expect("signature");
            assert!(p.key.verify(&p.tbs, sig).is_ok());
            assert!(p.key.verify(&p.tbs, &p.wrong).is_err(), "wrong key refused");
            let text = format!("{PREFIX}{}", base45::encode(&p.cose));
            let valid = f
                .verifiers
                .iter()
                .filter(|(v, _)| v.verify_at(&text, NOW).is_valid());
            assert_eq!(valid.count(), 1, "valid under its own root only");
        }
    }

    #[test]
    fn every_seed_gets_the_plain_verdicts() {
        for seed in bulk_ec_seeds() {
            bulk_ec(&seed);
        }
    }
}
