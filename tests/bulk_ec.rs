//! Fast ES256 / SM2 bulk verification (`Verifier::verify_many_cofactored`, the comb tables of
//! `crypto::ec`, `specs/batch-verify.md` §3) gives the single path's verdict on every payload:
//! a bad signature at each position of a batch, r or s = 0 or ≥ n, r + s = n (SM2), a high S
//! (ES256), a signature by another trusted key under this kid, and an SM2 signature whose
//! s·G + t·P is the point at infinity. Every case compares the bulk verdicts with
//! `verify_at`'s, payload by payload. Points at infinity for ECDSA (which need a chosen
//! digest) and keys off the curve (which no trust store holds) are checked at the crypto
//! layer (`src/crypto/ec/tests.rs`) and by the `bulk_ec` fuzz target.

use certseal::claims::payload::{self, PREFIX};
use certseal::codec::base45;
use certseal::crypto::{Algorithm, Signer};
use certseal::issue::Issuer;
use certseal::trust::{SignerCert, TrustStore};
use certseal::verify::{Reason, Verdict, Verifier};
use certseal::FixedClock;

mod support;

use support::{signer_params, Chain, NOW};

/// P-256's group order, big-endian.
const P256_N: &str = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
/// P-256's field prime.
const P256_P: &str = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";
/// sm2p256v1's group order.
const SM2_N: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";
/// sm2p256v1's field prime.
const SM2_P: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";

fn be(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// a + b (mod 2²⁵⁶), big-endian.
fn add(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let v = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out
}

/// a − b (mod 2²⁵⁶), big-endian.
fn sub(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let not_b: Vec<u8> = b.iter().map(|x| !x).collect();
    let mut one = [0u8; 32];
    one[31] = 1;
    add(a, &add(&not_b.try_into().unwrap(), &one))
}

fn small(v: u8) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[31] = v;
    out
}

fn cose_of(qr: &str) -> Vec<u8> {
    base45::decode(payload::strip_prefix(qr).unwrap()).unwrap()
}

/// `qr` with its 64-byte signature (the message's last bytes) replaced by `sig`.
fn with_signature(qr: &str, sig: &[u8]) -> String {
    let mut cose = cose_of(qr);
    let at = cose.len() - 64;
    cose[at..].copy_from_slice(sig);
    format!("{PREFIX}{}", base45::encode(&cose))
}

fn signature_of(qr: &str) -> Vec<u8> {
    let cose = cose_of(qr);
    cose[cose.len() - 64..].to_vec()
}

/// Bulk verdicts of `texts`, each checked against the single path's.
fn bulk_same_as_single(v: &Verifier, texts: &[String]) -> Vec<Verdict> {
    let many = v.verify_many_cofactored_at(texts, NOW);
    assert_eq!(many.len(), texts.len());
    for (i, (text, got)) in texts.iter().zip(&many).enumerate() {
        assert_eq!(got, &v.verify_at(text, NOW), "payload {i}");
    }
    many
}

/// One root (SM2 for SM2, else Ed25519) with two document signers of `alg` (kids of their own), their verifier, and
/// `n` payloads issued by the two in turn.
fn two_signers(alg: Algorithm, n: usize) -> (Verifier, Vec<String>, Vec<Box<dyn Signer>>) {
    // An SM2 signer certificate needs an SM2 root; the others take an Ed25519 one.
    let root: Box<dyn Signer> = match alg {
        #[cfg(feature = "sm2")]
        Algorithm::Sm2 => Box::new(support::sm2_key(41)),
        _ => Box::new(support::ed25519(41)),
    };
    let chain = Chain::new(root, certseal::crypto::generate_signer(alg).unwrap().0, 410);
    let (second, _) = certseal::crypto::generate_signer(alg).unwrap();
    let second_cert = chain
        .root
        .issue_signer(
            chain.root_key.as_ref(),
            &second.public_key_spki(),
            &signer_params("second signer", 412),
        )
        .unwrap();
    let certs: Vec<SignerCert> = vec![chain.signer.clone(), second_cert.clone()];
    let store = TrustStore::from_signer_certs(&chain.root, &certs).unwrap();
    let texts = {
        let issuers = [
            Issuer::new(chain.signer_key.as_ref(), &chain.signer).unwrap(),
            Issuer::new(second.as_ref(), &second_cert).unwrap(),
        ];
        let samples = support::samples();
        (0..n)
            .map(|i| {
                issuers[i % 2]
                    .issue(&samples[i % samples.len()], Some(i as u64), NOW)
                    .unwrap()
                    .qr
            })
            .collect()
    };
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
    let Chain { signer_key, .. } = chain;
    (verifier, texts, vec![signer_key, second])
}

fn algorithms() -> Vec<Algorithm> {
    let mut algs = vec![Algorithm::Es256];
    #[cfg(feature = "sm2")]
    algs.push(Algorithm::Sm2);
    algs
}

fn order_and_prime(alg: Algorithm) -> ([u8; 32], [u8; 32]) {
    match alg {
        Algorithm::Es256 => (be(P256_N), be(P256_P)),
        _ => (be(SM2_N), be(SM2_P)),
    }
}

#[test]
fn bad_signature_at_each_position_is_named_there_and_nowhere_else() {
    for alg in algorithms() {
        let (v, good, _) = two_signers(alg, 16);
        assert!(bulk_same_as_single(&v, &good).iter().all(Verdict::is_valid));
        for pos in 0..good.len() {
            let mut texts = good.clone();
            let mut sig = signature_of(&texts[pos]);
            // A bit in r for even positions, in s for odd ones.
            sig[(pos * 5) % 64] ^= 1 << (pos % 8);
            texts[pos] = with_signature(&texts[pos], &sig);
            let many = bulk_same_as_single(&v, &texts);
            for (i, verdict) in many.iter().enumerate() {
                if i == pos {
                    assert_eq!(verdict.result, Err(Reason::Signature), "{alg:?} at {pos}");
                } else {
                    assert!(verdict.is_valid(), "{alg:?}: {i} with a bad one at {pos}");
                }
            }
        }
    }
}

#[test]
fn rejects_r_or_s_zero_or_at_least_n_in_bulk_as_singly() {
    for alg in algorithms() {
        let (v, good, _) = two_signers(alg, 6);
        let (n, p) = order_and_prime(alg);
        let sig = signature_of(&good[0]);
        let r: [u8; 32] = sig[..32].try_into().unwrap();
        let mut texts = good.clone();
        for value in [
            [0u8; 32],
            n,
            add(&n, &small(1)),
            add(&n, &r),
            sub(&p, &small(1)),
            p,
            [0xff; 32],
        ] {
            for half in 0..2 {
                let mut bad = sig.clone();
                bad[half * 32..half * 32 + 32].copy_from_slice(&value);
                texts.push(with_signature(&good[0], &bad));
            }
        }
        texts.extend(good.iter().cloned());
        let many = bulk_same_as_single(&v, &texts);
        let refused = many.iter().filter(|v| !v.is_valid()).count();
        assert_eq!(refused, 14, "{alg:?}: every out-of-range r or s refused");
        // n − 1 is in range: a signature, merely a wrong one.
        let mut edge = sig.clone();
        edge[32..].copy_from_slice(&sub(&n, &small(1)));
        let many = bulk_same_as_single(&v, &[with_signature(&good[0], &edge)]);
        assert_eq!(many[0].result, Err(Reason::Signature));
    }
}

#[cfg(feature = "sm2")]
#[test]
fn rejects_sm2_r_plus_s_equal_n_in_bulk_as_singly() {
    let (v, good, _) = two_signers(Algorithm::Sm2, 8);
    let n = be(SM2_N);
    let mut texts = good.clone();
    for (i, text) in good.iter().enumerate().step_by(2) {
        let mut sig = signature_of(text);
        let r: [u8; 32] = sig[..32].try_into().unwrap();
        sig[32..].copy_from_slice(&sub(&n, &r));
        texts[i] = with_signature(text, &sig);
    }
    let many = bulk_same_as_single(&v, &texts);
    for (i, verdict) in many.iter().enumerate() {
        assert_eq!(verdict.is_valid(), i % 2 == 1, "payload {i}");
    }
}

#[test]
fn rejects_es256_high_s_in_bulk_as_singly() {
    let (v, good, _) = two_signers(Algorithm::Es256, 6);
    let n = be(P256_N);
    let mut texts = good.clone();
    let mut sig = signature_of(&good[3]);
    let s: [u8; 32] = sig[32..].try_into().unwrap();
    sig[32..].copy_from_slice(&sub(&n, &s));
    texts[3] = with_signature(&good[3], &sig);
    let many = bulk_same_as_single(&v, &texts);
    assert_eq!(many[3].result, Err(Reason::Signature));
    assert_eq!(many.iter().filter(|v| v.is_valid()).count(), 5);
}

#[test]
fn signature_by_the_other_trusted_key_is_refused_in_bulk_as_singly() {
    for alg in algorithms() {
        let (v, good, keys) = two_signers(alg, 6);
        let mut texts = good.clone();
        for (i, text) in good.iter().enumerate() {
            // The Sig_structure of payload i, signed by the key that did not sign it.
            let cose = cose_of(text);
            let msg = certseal::cose::Sign1::parse(
                &cose,
                certseal::codec::cbor::Mode::Strict,
                &certseal::codec::Limits::DEFAULT,
            )
            .unwrap();
            let mut tbs = Vec::new();
            msg.sig_structure(&[], &mut tbs);
            let wrong = keys[1 - i % 2].sign(&tbs).unwrap();
            texts.push(with_signature(text, &wrong));
        }
        let many = bulk_same_as_single(&v, &texts);
        for (i, verdict) in many.iter().enumerate() {
            assert_eq!(verdict.is_valid(), i < good.len(), "{alg:?} payload {i}");
        }
    }
}

/// s·G + t·P = O with t = (r + s) mod n: choose s, put t = −s·d⁻¹ so that s + t·d = 0, and
/// r = t − s. Both paths refuse it, whatever the message.
#[cfg(feature = "sm2")]
#[test]
fn rejects_sm2_sum_at_infinity_in_bulk_as_singly() {
    use sm2::elliptic_curve::ff::PrimeField;
    use sm2::{FieldBytes, Scalar};

    let secret = [0x42u8; 32];
    let key = certseal::crypto::sm2::Sm2Signer::from_secret_bytes(
        &secret,
        certseal::crypto::sm2::DEFAULT_ID,
    )
    .unwrap();
    let chain = Chain::new(Box::new(support::sm2_key(43)), Box::new(key), 430);
    let v = chain.verifier();
    let good = chain.issue_many(4);
    let d = Scalar::from_repr(FieldBytes::from(secret)).unwrap();
    let s = Scalar::from(7777u64);
    let t = -(s * d.invert().unwrap());
    let r = t - s;
    assert!(!bool::from((r + s).is_zero()));
    let mut sig = r.to_repr().to_vec();
    sig.extend_from_slice(&s.to_repr());
    let mut texts = good.clone();
    texts.insert(2, with_signature(&good[0], &sig));
    let many = bulk_same_as_single(&v, &texts);
    assert_eq!(many[2].result, Err(Reason::Signature));
    assert_eq!(many.iter().filter(|v| v.is_valid()).count(), 4);
}
