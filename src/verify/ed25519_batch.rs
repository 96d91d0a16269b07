//! The cofactored Ed25519 batch equation (`specs/batch-verify.md`), opt-in through
//! [`super::Verifier::verify_many_cofactored`]: many signatures checked with one random linear
//! combination (one multi-scalar multiplication), a failed batch bisected so each bad
//! signature is named.
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
//! the hash that binds it), so a payload accepted here and refused by [`super::Verifier::verify`] was
//! still signed, with a deliberately malformed nonce, by the holder of a trusted key. certseal
//! calls it **valid** in `verify_many_cofactored`, whatever else is in the batch (the
//! bisection uses the same cofactored equation, so the verdict does not depend on the
//! neighbours).
//!
//! This module owns the equation and the table of batchable Ed25519 keys; it does not parse,
//! decode claims or check times (the pipeline's steps do).

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

use crate::crypto::Algorithm;
use crate::trust::{TrustStore, TrustedSigner};

/// The Ed25519 keys of a trust store that may enter a batch, decompressed once.
#[derive(Debug, Default)]
pub(super) struct EdKeys {
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
    pub(super) fn new(trust: &TrustStore) -> Self {
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
    pub(super) fn index_of(&self, signer: &TrustedSigner) -> Option<usize> {
        let i = self
            .entries
            .binary_search_by(|e| e.kid.cmp(signer.kid()))
            .ok()?;
        let e = self.entries.get(i)?;
        (e.raw[..] == *signer.key().raw()).then_some(i)
    }
}

/// What the batch equation needs of one signature: `R`, `s`, `k`, and the key.
#[derive(Clone, Copy)]
pub(super) struct Term {
    key: usize,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

/// The per-signature part of the check: canonical `R` that decodes to a point, canonical `s`,
/// and `k = H(R ‖ A ‖ M)`. `None` means the signature is bad (as `ring` would also say).
#[inline]
pub(super) fn prepare(keys: &EdKeys, key: usize, sig: &[u8], tbs: &[u8]) -> Option<Term> {
    let a = keys.entries.get(key)?;
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
pub(super) fn find_bad(terms: &[Term], keys: &EdKeys, rng: &SystemRandom) -> Vec<bool> {
    let keys = keys.entries.as_slice();
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
