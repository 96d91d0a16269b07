//! Bulk verification with Ed25519 batch signature checks (`specs/batch-verify.md`).
//!
//! [`Verifier::verify_many`] runs the same steps as [`Verifier::verify`], in the same order, on
//! many payloads: text → prefix → base45 → COSE → alg → kid → key(s) (shared
//! `Verifier::pre_signature`), then the signature, then claims → signer window → time (shared
//! `Verifier::post_signature`). Only the signature step differs: Ed25519 signatures by a key
//! that has a batch form are checked together with one random linear combination (one
//! multi-scalar multiplication for the whole batch); a failed batch is bisected so the verdict
//! names exactly the payloads whose signatures are bad. Everything else (ES256, a kid with more
//! than one key) takes the single `ring` check.
//!
//! This module owns the batch equation and the Ed25519 key table; it does not parse, decode
//! claims or check times (the verifier's shared steps do).
//!
//! # The accepted set
//!
//! The batch checks the **cofactored** Ed25519 equation `[8][s]B = [8]R + [8][k]A`, the only
//! equation a random linear combination can check soundly. `ring` (single verification) checks
//! the cofactorless one (`[s]B − [k]A` encodes to exactly the bytes `R`). For every signature
//! `ring` accepts, the batch accepts too (with probability 1). The batch additionally refuses
//! non-canonical `R` and `s` encodings, as `ring` does, and batches only keys that are
//! canonical, torsion-free and not of small order. The two then differ on exactly one set:
//! signatures whose `R` carries a non-zero small-order (torsion) component that the cofactor
//! clears. Making such a signature needs the private key (the signer must choose `R` before
//! the hash that binds it), so a payload accepted here and refused by [`Verifier::verify`] was
//! still signed, with a deliberately malformed nonce, by the holder of a trusted key. certseal
//! calls it **valid** in `verify_many`, whatever else is in the batch (the bisection uses the
//! same cofactored equation, so the verdict does not depend on the neighbours).

use std::sync::OnceLock;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

use super::cache::{self, Digest};
use super::{cached_signature, Reason, Verdict, Verifier};
use crate::crypto::Algorithm;
use crate::trust::{TrustStore, TrustedSigner};

/// Payloads decoded and checked together; one Ed25519 batch equation per chunk at most.
/// Large enough that the multi-scalar multiplication runs Pippenger's method, small enough that
/// the decoded messages of one chunk stay in cache.
pub const BATCH_SIZE: usize = 512;

/// The Ed25519 keys of a trust store that may enter a batch, decompressed once.
#[derive(Debug, Default)]
pub(crate) struct EdKeys {
    /// Sorted by kid; a kid held by two signers is left out (those payloads take the single
    /// check, which tries every key).
    entries: Vec<EdKey>,
}

#[derive(Debug)]
struct EdKey {
    kid: [u8; 8],
    raw: [u8; 32],
    point: EdwardsPoint,
}

impl EdKeys {
    /// The batchable Ed25519 keys of `trust`: canonically encoded, torsion-free and not of
    /// small order, under a kid no other signer has. Costs one scalar multiplication per key.
    pub(crate) fn new(trust: &TrustStore) -> Self {
        let mut entries: Vec<EdKey> = Vec::new();
        let mut shared_kids: Vec<[u8; 8]> = Vec::new();
        for signer in trust.signers() {
            if entries.last().is_some_and(|e| e.kid == *signer.kid()) {
                shared_kids.push(*signer.kid());
            }
            if signer.key().algorithm() != Algorithm::EdDsa {
                continue;
            }
            let Ok(raw) = <[u8; 32]>::try_from(signer.key().raw()) else {
                continue;
            };
            if !is_canonical_point(&raw) {
                continue;
            }
            let Some(point) = CompressedEdwardsY(raw).decompress() else {
                continue;
            };
            if point.is_small_order() || !point.is_torsion_free() {
                continue;
            }
            entries.push(EdKey {
                kid: *signer.kid(),
                raw,
                point,
            });
        }
        // `trust.signers()` is sorted by kid, so `entries` is too.
        entries.retain(|e| !shared_kids.contains(&e.kid));
        entries.dedup_by(|a, b| a.kid == b.kid);
        EdKeys { entries }
    }

    /// The index of `signer`'s batch key, if it has one.
    #[inline]
    fn index_of(&self, signer: &TrustedSigner) -> Option<usize> {
        let i = self
            .entries
            .binary_search_by(|e| e.kid.cmp(signer.kid()))
            .ok()?;
        let e = self.entries.get(i)?;
        (e.raw[..] == *signer.key().raw()).then_some(i)
    }
}

/// One Ed25519 payload waiting for the batch equation: where its verdict goes and what the
/// steps after the signature need.
struct Pending<'m, 't> {
    slot: usize,
    payload: &'m [u8],
    signer: &'t TrustedSigner,
    /// Its cache key, when the verifier has a cache.
    digest: Option<Digest>,
}

/// What the batch equation needs of one signature: `R`, `s`, `k`, and the key.
#[derive(Clone, Copy)]
struct Term {
    key: usize,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

impl Verifier {
    /// Verifies many payloads on the current thread at the clock's current time, checking
    /// Ed25519 signatures in batches. Verdicts come back in input order.
    ///
    /// Every verdict equals [`Verifier::verify`]'s for the same text, with one documented
    /// exception: an Ed25519 signature whose `R` carries a small-order component cleared by
    /// the cofactor is valid here and a `signature` failure there. Only the holder of the
    /// trusted private key can make one (see the module documentation and
    /// `specs/batch-verify.md`). A batch that fails is bisected, so a bad signature yields
    /// exactly one [`Reason::Signature`] at its own position.
    pub fn verify_many<S: AsRef<str>>(&self, texts: &[S]) -> Vec<Verdict> {
        self.verify_many_at(texts, self.clock_now())
    }

    /// [`Verifier::verify_many`] as of `now` (seconds since the epoch).
    pub fn verify_many_at<S: AsRef<str>>(&self, texts: &[S], now: i64) -> Vec<Verdict> {
        self.verify_many_chunked(texts, now, BATCH_SIZE)
    }

    /// [`Verifier::verify_many_at`] with `batch_size` payloads per batch equation (at least 1).
    pub(crate) fn verify_many_chunked<S: AsRef<str>>(
        &self,
        texts: &[S],
        now: i64,
        batch_size: usize,
    ) -> Vec<Verdict> {
        let keys = self.ed_keys();
        let cache = self.cache();
        let rng = SystemRandom::new();
        let mut out = Vec::with_capacity(texts.len());
        let mut coses: Vec<Vec<u8>> = Vec::new();
        let mut decoded: Vec<Result<(), Reason>> = Vec::new();
        let mut tbs = Vec::new();
        for chunk in texts.chunks(batch_size.max(1)) {
            coses.resize_with(chunk.len().max(coses.len()), Vec::new);
            decoded.clear();
            for (text, cose) in chunk.iter().zip(coses.iter_mut()) {
                decoded.push(self.decode_text(text.as_ref(), cose));
            }
            let mut pending: Vec<Pending<'_, '_>> = Vec::new();
            let mut terms: Vec<Term> = Vec::new();
            for (cose, decoded) in coses.iter().zip(decoded.drain(..)) {
                let slot = out.len();
                if let Err(reason) = decoded {
                    out.push(Verdict::reject(reason));
                    continue;
                }
                let pre = match self.pre_signature(cose) {
                    Ok(pre) => pre,
                    Err(rejected) => {
                        out.push(rejected.into_verdict());
                        continue;
                    }
                };
                let mut verdict = pre.verdict();
                let batch_key = match (pre.algorithm, pre.signers) {
                    (Algorithm::EdDsa, [signer]) => keys.index_of(signer).map(|k| (k, signer)),
                    _ => None,
                };
                let digest = match (cache, batch_key) {
                    (Some(cache), Some((_, signer))) => match cache::digest_of(cose) {
                        // Cached: this exact message verified under its one candidate.
                        Some(d) if cache.get(&d).map(|v| v & !cache::BATCH_ONLY) == Some(0) => {
                            self.post_signature(&mut verdict, pre.payload, signer, now);
                            out.push(verdict);
                            continue;
                        }
                        d => d,
                    },
                    _ => None,
                };
                match batch_key {
                    Some((key, signer)) => {
                        tbs.clear();
                        pre.msg.sig_structure(&[], &mut tbs);
                        match prepare(&keys.entries, key, pre.msg.signature, &tbs) {
                            Some(term) => {
                                terms.push(term);
                                pending.push(Pending {
                                    slot,
                                    payload: pre.payload,
                                    signer,
                                    digest,
                                });
                            }
                            None => verdict.result = Err(Reason::Signature),
                        }
                    }
                    None => {
                        let signer = match cache {
                            None => pre.check_signature(&mut tbs),
                            Some(cache) => cached_signature(cache, cose, &pre, &mut tbs),
                        };
                        match signer {
                            Some(signer) => {
                                self.post_signature(&mut verdict, pre.payload, signer, now)
                            }
                            None => verdict.result = Err(Reason::Signature),
                        }
                    }
                }
                out.push(verdict);
            }
            let bad = find_bad(&terms, &keys.entries, &rng);
            for (p, bad) in pending.iter().zip(bad) {
                if let Some(verdict) = out.get_mut(p.slot) {
                    if bad {
                        verdict.result = Err(Reason::Signature);
                    } else {
                        if let (Some(cache), Some(d)) = (cache, p.digest) {
                            cache.insert(d, cache::BATCH_ONLY);
                        }
                        self.post_signature(verdict, p.payload, p.signer, now);
                    }
                }
            }
        }
        out
    }

    /// The Ed25519 batch keys of this verifier's trust store, built on first use.
    fn ed_keys(&self) -> &EdKeys {
        self.batch_keys().get_or_init(|| EdKeys::new(self.trust()))
    }
}

/// The per-signature part of the check: canonical `R` that decodes to a point, canonical `s`,
/// and `k = H(R ‖ A ‖ M)`. `None` means the signature is bad (as `ring` would also say).
#[inline]
fn prepare(keys: &[EdKey], key: usize, sig: &[u8], tbs: &[u8]) -> Option<Term> {
    let a = keys.get(key)?;
    let (r_bytes, s_bytes) = sig.split_at_checked(32)?;
    let r_bytes: [u8; 32] = r_bytes.try_into().ok()?;
    let s_bytes: [u8; 32] = s_bytes.try_into().ok()?;
    if !is_canonical_point(&r_bytes) {
        return None;
    }
    let s: Option<Scalar> = Scalar::from_canonical_bytes(s_bytes).into();
    let s = s?;
    let r = CompressedEdwardsY(r_bytes).decompress()?;
    let mut h = digest::Context::new(&digest::SHA512);
    h.update(&r_bytes);
    h.update(&a.raw);
    h.update(tbs);
    let wide: [u8; 64] = h.finish().as_ref().try_into().ok()?;
    Some(Term {
        key,
        r,
        s,
        k: Scalar::from_bytes_mod_order_wide(&wide),
    })
}

/// Which of `terms` fail the cofactored equation: one batch check, then bisection of a failed
/// batch. Falls back to one check per signature if the system RNG fails.
fn find_bad(terms: &[Term], keys: &[EdKey], rng: &SystemRandom) -> Vec<bool> {
    let mut bad = vec![false; terms.len()];
    if terms.is_empty() {
        return bad;
    }
    let mut scratch = Scratch::new(keys.len());
    match scratch.check(terms, keys, rng) {
        Some(true) => {}
        Some(false) => bisect(terms, 0, &mut bad, &mut scratch, keys, rng),
        None => {
            for (term, bad) in terms.iter().zip(bad.iter_mut()) {
                *bad = !check_one(term, keys);
            }
        }
    }
    bad
}

/// `terms` is known to hold at least one bad signature; marks each bad one, starting at
/// `offset` in `bad`.
fn bisect(
    terms: &[Term],
    offset: usize,
    bad: &mut [bool],
    scratch: &mut Scratch,
    keys: &[EdKey],
    rng: &SystemRandom,
) {
    if let [only] = terms {
        if let Some(b) = bad.get_mut(offset) {
            // A lone signature in a failed batch is bad; say so from its own equation.
            *b = !check_one(only, keys);
        }
        return;
    }
    let mid = terms.len() / 2;
    let (left, right) = terms.split_at(mid);
    let right_offset = offset.saturating_add(mid);
    let left_ok = scratch.check(left, keys, rng);
    match left_ok {
        // The whole failed and the left half passed: the fault is on the right.
        Some(true) => bisect(right, right_offset, bad, scratch, keys, rng),
        Some(false) => {
            bisect(left, offset, bad, scratch, keys, rng);
            if scratch.check(right, keys, rng) != Some(true) {
                bisect(right, right_offset, bad, scratch, keys, rng);
            }
        }
        None => {
            for (i, term) in terms.iter().enumerate() {
                if let Some(b) = bad.get_mut(offset.saturating_add(i)) {
                    *b = !check_one(term, keys);
                }
            }
        }
    }
}

/// Buffers for the batch equation, reused across checks.
struct Scratch {
    z: Vec<u8>,
    scalars: Vec<Scalar>,
    points: Vec<EdwardsPoint>,
    key_coeffs: Vec<Scalar>,
    used: Vec<bool>,
}

impl Scratch {
    fn new(keys: usize) -> Self {
        Scratch {
            z: Vec::new(),
            scalars: Vec::new(),
            points: Vec::new(),
            key_coeffs: vec![Scalar::ZERO; keys],
            used: vec![false; keys],
        }
    }

    /// The batch equation over `terms`, with fresh 128-bit random weights `zᵢ`:
    /// `[8]( −[Σ zᵢsᵢ]B + Σ [zᵢ]Rᵢ + Σₐ [Σ_{i: Aᵢ=A} zᵢkᵢ]A ) = 0`. Terms under the same key
    /// share one point, so a batch from one signer costs about one point per signature.
    /// `None` when the RNG fails.
    fn check(&mut self, terms: &[Term], keys: &[EdKey], rng: &SystemRandom) -> Option<bool> {
        self.z.clear();
        self.z.resize(terms.len().checked_mul(16)?, 0);
        rng.fill(&mut self.z).ok()?;
        self.scalars.clear();
        self.points.clear();
        self.scalars.push(Scalar::ZERO);
        self.points.push(ED25519_BASEPOINT_POINT);
        let mut b = Scalar::ZERO;
        for (term, z) in terms.iter().zip(self.z.chunks_exact(16)) {
            let z = Scalar::from(u128::from_le_bytes(z.try_into().ok()?));
            b += z * term.s;
            let coeff = self.key_coeffs.get_mut(term.key)?;
            *coeff += z * term.k;
            if let Some(used) = self.used.get_mut(term.key) {
                *used = true;
            }
            self.scalars.push(z);
            self.points.push(term.r);
        }
        for (i, key) in keys.iter().enumerate() {
            if let (Some(used), Some(coeff)) = (self.used.get_mut(i), self.key_coeffs.get_mut(i)) {
                if *used {
                    self.scalars.push(*coeff);
                    self.points.push(key.point);
                    *used = false;
                    *coeff = Scalar::ZERO;
                }
            }
        }
        if let Some(first) = self.scalars.first_mut() {
            *first = -b;
        }
        let sum = EdwardsPoint::vartime_multiscalar_mul(&self.scalars, &self.points);
        Some(sum.mul_by_cofactor().is_identity())
    }
}

/// The cofactored equation for one signature: `[8]([s]B − [k]A − R) = 0`.
fn check_one(term: &Term, keys: &[EdKey]) -> bool {
    let Some(a) = keys.get(term.key) else {
        return false;
    };
    let sb_minus_ka =
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&-term.k, &a.point, &term.s);
    (sb_minus_ka - term.r).mul_by_cofactor().is_identity()
}

/// `p = 2²⁵⁵ − 19`, little-endian.
const P: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];
/// `p − 1`, little-endian: the y of the point of order 2.
const P_MINUS_1: [u8; 32] = [
    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];
/// `1`, little-endian: the y of the identity.
const ONE: [u8; 32] = {
    let mut one = [0u8; 32];
    one[0] = 1;
    one
};

/// True when `enc` is the canonical encoding of its point, as `ring` (which compares
/// encodings) requires: `y < p`, and the sign bit clear when `x = 0` (`y = ±1`).
fn is_canonical_point(enc: &[u8; 32]) -> bool {
    let mut y = *enc;
    let sign = y[31] >> 7;
    y[31] &= 0x7f;
    // Little-endian comparison y < p, from the most significant byte.
    let below_p = y.iter().rev().cmp(P.iter().rev()) == std::cmp::Ordering::Less;
    below_p && !(sign == 1 && (y == ONE || y == P_MINUS_1))
}

/// The lazily built Ed25519 key table a [`Verifier`] keeps for [`Verifier::verify_many`].
pub(crate) type BatchKeys = OnceLock<EdKeys>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_canonical_point_encodings() {
        assert!(is_canonical_point(&ONE));
        assert!(!is_canonical_point(&P));
        let mut above = P;
        above[0] = 0xee;
        assert!(!is_canonical_point(&above));
        let mut neg_zero = ONE;
        neg_zero[31] |= 0x80;
        assert!(!is_canonical_point(&neg_zero));
        let mut order_two = P_MINUS_1;
        assert!(is_canonical_point(&order_two));
        order_two[31] |= 0x80;
        assert!(!is_canonical_point(&order_two));
        let b = ED25519_BASEPOINT_POINT.compress().to_bytes();
        assert!(is_canonical_point(&b));
    }
}
