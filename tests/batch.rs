//! Bulk verification (`Verifier::verify_many_cofactored`, `specs/batch-verify.md`): the
//! verdicts equal the single path's, a bad signature is named at its own position, and the one
//! documented difference (a small-order component in `R`) behaves as the spec says.

use certseal::claims::payload::{self, PREFIX};
use certseal::codec::base45;
use certseal::crypto::{Algorithm, CryptoError, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::verify::{Reason, Verdict, Verifier};

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::scalar::Scalar;

mod support;

use support::{samples, Chain, NOW};

fn cose_of(qr: &str) -> Vec<u8> {
    base45::decode(payload::strip_prefix(qr).unwrap()).unwrap()
}

fn qr_of(cose: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(cose))
}

/// `qr` with the 64-byte signature (the message's last bytes) replaced by `sig`.
fn with_signature(qr: &str, sig: &[u8]) -> String {
    let mut cose = cose_of(qr);
    let at = cose.len() - 64;
    cose[at..].copy_from_slice(sig);
    qr_of(&cose)
}

fn signature_of(qr: &str) -> Vec<u8> {
    let cose = cose_of(qr);
    cose[cose.len() - 64..].to_vec()
}

fn assert_same_as_single(v: &Verifier, texts: &[String], many: &[Verdict]) {
    assert_eq!(many.len(), texts.len());
    for (i, (text, got)) in texts.iter().zip(many).enumerate() {
        assert_eq!(got, &v.verify_at(text, NOW), "payload {i}");
    }
}

#[test]
fn one_bad_signature_in_ten_thousand_is_named_at_its_position() {
    let f = Chain::with_alg(Algorithm::EdDsa, 1, 10);
    let v = f.verifier();
    let mut texts = f.issue_many(10_000);
    // A well-formed signature by the right key, over another payload: only the batch
    // equation can tell.
    let other = signature_of(&texts[1]);
    texts[6_789] = with_signature(&texts[6_789], &other);

    let verdicts = v.verify_many_cofactored_at(&texts, NOW);
    assert_eq!(verdicts.len(), 10_000);
    let failed: Vec<usize> = (0..verdicts.len())
        .filter(|&i| !verdicts[i].is_valid())
        .collect();
    assert_eq!(failed, vec![6_789]);
    assert_eq!(verdicts[6_789].result, Err(Reason::Signature));
    assert_eq!(verdicts[6_789].alg, Some(Algorithm::EdDsa));
    assert!(verdicts[6_789].certificate.is_none());
    assert_eq!(verdicts[0], v.verify_at(&texts[0], NOW));
    assert_eq!(verdicts[9_999], v.verify_at(&texts[9_999], NOW));
}

#[test]
fn several_bad_signatures_are_each_named() {
    let f = Chain::with_alg(Algorithm::EdDsa, 3, 20);
    let v = f.verifier();
    let mut texts = f.issue_many(1_500);
    let bad = [0usize, 1, 511, 512, 700, 701, 1_023, 1_499];
    for &i in &bad {
        let other = signature_of(&texts[(i + 1) % texts.len()]);
        texts[i] = with_signature(&texts[i], &other);
    }
    let verdicts = v.verify_many_cofactored_at(&texts, NOW);
    let failed: Vec<usize> = (0..verdicts.len())
        .filter(|&i| !verdicts[i].is_valid())
        .collect();
    assert_eq!(failed, bad);
    assert_same_as_single(&v, &texts, &verdicts);
}

#[test]
fn verdicts_equal_single_verification_on_hostile_and_mixed_input() {
    let f = Chain::with_alg(Algorithm::EdDsa, 5, 30);
    let v = f.verifier();
    let good = f.issue_many(40);
    let mut texts = good.clone();
    let sig = signature_of(&good[0]);
    // s = ℓ + s' (non-canonical), R not a point, R non-canonical, all-zero signature.
    let mut high_s = sig.clone();
    high_s[63] |= 0xf0;
    texts.push(with_signature(&good[1], &high_s));
    let mut bad_r = sig.clone();
    bad_r[..32].copy_from_slice(&[0xff; 32]);
    texts.push(with_signature(&good[2], &bad_r));
    let mut neg_zero_r = sig.clone();
    neg_zero_r[..32].copy_from_slice(&[0; 32]);
    neg_zero_r[0] = 1;
    neg_zero_r[31] = 0x80;
    texts.push(with_signature(&good[3], &neg_zero_r));
    texts.push(with_signature(&good[4], &[0; 64]));
    // Truncated, bit-flipped, wrong prefix, empty, too long.
    texts.push(good[5][..good[5].len() - 3].to_owned());
    let mut flipped = cose_of(&good[6]);
    flipped[20] ^= 0x04;
    texts.push(qr_of(&flipped));
    texts.push(good[7].replacen("CS1:", "HC1:", 1));
    texts.push(String::new());
    texts.push("A".repeat(20_000));
    // Another issuer's signer (unknown kid), and an ES256 payload in the same call.
    let stranger = Chain::with_alg(Algorithm::EdDsa, 9, 90);
    texts.extend(stranger.issue_many(2));
    let es = Chain::with_alg(Algorithm::Es256, 11, 110);
    let es_texts = es.issue_many(3);
    // ES256 payloads of another issuer: unknown kid here, checked for real below.
    texts.extend(es_texts.iter().cloned());
    texts.extend(good.iter().take(5).cloned());

    let verdicts = v.verify_many_cofactored_at(&texts, NOW);
    assert_same_as_single(&v, &texts, &verdicts);
    assert_eq!(verdicts.iter().filter(|v| v.is_valid()).count(), 45);

    let es_v = es.verifier();
    let es_many = es_v.verify_many_cofactored_at(&es_texts, NOW);
    assert!(es_many.iter().all(Verdict::is_valid));
    assert_same_as_single(&es_v, &es_texts, &es_many);
}

#[test]
fn expired_and_not_yet_valid_are_checked_after_a_batch() {
    let f = Chain::with_alg(Algorithm::EdDsa, 13, 130);
    let v = f.verifier();
    let texts = f.issue_many(8);
    for now in [NOW - 86_400 * 2, NOW + 86_400 * 365 * 100] {
        let verdicts = v.verify_many_cofactored_at(&texts, now);
        for (text, got) in texts.iter().zip(&verdicts) {
            assert_eq!(got, &v.verify_at(text, now));
        }
    }
    let early = v.verify_many_cofactored_at(&texts, NOW - 86_400 * 2);
    assert!(matches!(
        early[0].result,
        Err(Reason::NotYetValid { .. } | Reason::SignerNotValidAtIssuance { .. })
    ));
}

/// Signs like the real key, but with a nonce point `R = [r]B + T` where `T` has order 8: the
/// cofactored equation holds, the cofactorless one (`ring`) does not.
struct TorsionSigner {
    inner: RingSigner,
    a: Scalar,
    torsion: usize,
}

impl TorsionSigner {
    fn new(seed: [u8; 32], torsion: usize) -> Self {
        let h = ring::digest::digest(&ring::digest::SHA512, &seed);
        let mut a = [0u8; 32];
        a.copy_from_slice(&h.as_ref()[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        let inner = RingSigner::ed25519_from_seed(&seed).unwrap();
        let a = Scalar::from_bytes_mod_order(a);
        assert_eq!(
            (ED25519_BASEPOINT_POINT * a).compress().as_bytes(),
            inner.public_key_raw()
        );
        TorsionSigner { inner, a, torsion }
    }
}

impl Signer for TorsionSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDsa
    }
    fn public_key_spki(&self) -> Vec<u8> {
        self.inner.public_key_spki()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = ring::digest::digest(&ring::digest::SHA512, message);
        let r = Scalar::from_bytes_mod_order_wide(nonce.as_ref().try_into().unwrap());
        let big_r = (ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[self.torsion]).compress();
        let mut h = ring::digest::Context::new(&ring::digest::SHA512);
        h.update(big_r.as_bytes());
        h.update(self.inner.public_key_raw());
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(h.finish().as_ref().try_into().unwrap());
        let s = r + k * self.a;
        let mut sig = big_r.to_bytes().to_vec();
        sig.extend_from_slice(s.as_bytes());
        Ok(sig)
    }
}

#[test]
fn small_order_component_in_r_is_valid_in_batch_and_refused_singly() {
    let f = Chain::with_alg(Algorithm::EdDsa, 15, 150);
    let v = f.verifier();
    let honest = f.issue_many(600);
    let certs = samples();
    let mut texts = honest.clone();
    for torsion in 1..8 {
        let crafted = TorsionSigner::new([16; 32], torsion);
        let issuer = Issuer::new(&crafted, &f.signer).unwrap();
        let qr = issuer
            .issue(&certs[0], Some(1_000 + torsion as u64), NOW)
            .unwrap()
            .qr;
        // ring (cofactorless) refuses it.
        assert_eq!(v.verify_at(&qr, NOW).result, Err(Reason::Signature));
        // Alone, among honest payloads, and beside a bad one: always valid in the batch.
        assert!(v.verify_many_cofactored_at(std::slice::from_ref(&qr), NOW)[0].is_valid());
        texts.insert(torsion * 70, qr);
    }
    let verdicts = v.verify_many_cofactored_at(&texts, NOW);
    assert!(verdicts.iter().all(Verdict::is_valid));
    let other = signature_of(&texts[1]);
    texts[300] = with_signature(&texts[300], &other);
    let verdicts = v.verify_many_cofactored_at(&texts, NOW);
    let failed: Vec<usize> = (0..verdicts.len())
        .filter(|&i| !verdicts[i].is_valid())
        .collect();
    assert_eq!(failed, vec![300]);
    // The crafted ones carry the honest-signer's claims, fully decoded.
    assert!(verdicts[70].certificate.is_some());
}

#[test]
fn cache_skips_only_the_signature_never_the_time_checks() {
    let f = Chain::with_alg(Algorithm::EdDsa, 17, 170);
    let v = f.verifier().with_cache(8);
    let texts = f.issue_many(20);
    let first = v.verify_at(&texts[0], NOW);
    assert!(first.is_valid());
    assert_eq!(v.cache().unwrap().len(), 1);
    // A hit gives the same verdict, with the claims decoded again.
    assert_eq!(v.verify_at(&texts[0], NOW), first);
    assert_eq!(v.cache().unwrap().len(), 1);
    // Time is checked on every hit.
    let early = v.verify_at(&texts[0], NOW - 86_400 * 2);
    assert!(matches!(early.result, Err(Reason::NotYetValid { .. })));
    // A tampered copy has another digest: its signature is checked, and fails; failures are
    // not stored.
    let other = signature_of(&texts[1]);
    let bad = with_signature(&texts[0], &other);
    assert_eq!(v.verify_at(&bad, NOW).result, Err(Reason::Signature));
    assert_eq!(v.cache().unwrap().len(), 1);
    // Bounded.
    for t in &texts {
        assert!(v.verify_at(t, NOW).is_valid());
        assert!(v.cache().unwrap().len() <= 8);
    }
    // The batch path reads and fills the same cache; verdicts do not change.
    let many = v.verify_many_cofactored_at(&texts, NOW);
    assert_same_as_single(&f.verifier(), &texts, &many);
    assert!(v.cache().unwrap().len() <= 8);
}

#[test]
fn cache_entry_from_the_batch_does_not_make_a_torsion_signature_valid_singly() {
    let f = Chain::with_alg(Algorithm::EdDsa, 15, 150);
    let v = f.verifier().with_cache(64);
    let crafted = TorsionSigner::new([16; 32], 3);
    let issuer = Issuer::new(&crafted, &f.signer).unwrap();
    let qr = issuer.issue(&samples()[0], Some(5), NOW).unwrap().qr;
    assert!(v.verify_many_cofactored_at(std::slice::from_ref(&qr), NOW)[0].is_valid());
    assert_eq!(v.cache().unwrap().len(), 1);
    assert_eq!(v.verify_at(&qr, NOW).result, Err(Reason::Signature));
    assert!(v.verify_many_cofactored_at(std::slice::from_ref(&qr), NOW)[0].is_valid());
}

#[test]
fn every_single_bit_flip_of_a_signature_gets_the_single_path_verdict() {
    let f = Chain::with_alg(Algorithm::EdDsa, 19, 190);
    let v = f.verifier();
    let good = f.issue_many(64);
    let sig = signature_of(&good[0]);
    let mut texts = good.clone();
    for bit in 0..512 {
        let mut s = sig.clone();
        s[bit / 8] ^= 1 << (bit % 8);
        texts.push(with_signature(&good[0], &s));
    }
    texts.extend(good.iter().cloned());
    let verdicts = v.verify_many_cofactored_at(&texts, NOW);
    assert_same_as_single(&v, &texts, &verdicts);
    assert_eq!(verdicts.iter().filter(|v| v.is_valid()).count(), 128);
}
