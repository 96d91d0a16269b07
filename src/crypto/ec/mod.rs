//! Fast, variable-time signature **verification** for ECDSA P-256 (ES256) and SM2, for bulk
//! verification (`specs/batch-verify.md` §3): a verifier checks many signatures under few
//! signer keys, so each key gets a fixed-base comb table like the generator's, and a
//! verification is one mixed addition per signed window digit of each scalar, with no
//! doublings and no field inversion (the x coordinate is compared in Jacobian form, X = c·Z²).
//! ECDSA's one scalar inversion per signature is shared over a batch (Montgomery's trick).
//!
//! Written here because no crate offers it: `ring` verifies with assembly but rebuilds the
//! key's table on every call and exposes no arithmetic; RustCrypto `p256` and `sm2` offer
//! complete (slower) formulas and generic field code, and no per-key precomputation. The
//! field arithmetic (`mont`) is Montgomery multiplication specialised for primes
//! ≡ −1 (mod 2⁶⁴), which both P-256's and sm2p256v1's primes are. Everything is safe Rust.
//!
//! This module owns curve arithmetic for verification only. It touches no secret: signing
//! stays on `ring` (ES256) and RustCrypto's constant-time arithmetic (SM2). It knows nothing
//! of COSE or trust stores; `verify::bulk` feeds it (key table, digest, signature) triples.
//! Every verdict equals the single verifiers' (`ring` for ES256, `crypto::sm2` for SM2);
//! the tests in `tests.rs` and `tests/bulk_ec.rs` check that, and so does the differential
//! fuzz target `bulk_ec` (`internal::fuzzing`).

pub(crate) mod batch;
pub(crate) mod comb;
pub(crate) mod mont;
pub(crate) mod point;

use std::sync::OnceLock;

pub(crate) use self::batch::{FastBatch, FastKey};

use self::comb::{CombTable, Digits};
#[cfg(feature = "sm2")]
use self::mont::{add_mod, sub_mod};
use self::mont::{batch_invert, limbs_from_be, lt, reduce_once, Modulus, Mont};
use self::point::{Affine, Jacobian};
use crate::codec::hex;

/// A short Weierstrass curve y² = x³ − 3x + b over a prime field with p ≡ −1 (mod 2⁶⁴),
/// of prime order n with p > n > 2²⁵⁵.
pub(crate) trait Curve: Copy + Eq + std::fmt::Debug + 'static {
    /// The field prime p.
    type P: Modulus;
    /// The group order n.
    type N: Modulus;
    /// b, big-endian.
    const B: [u8; 32];
    /// The generator's x, big-endian.
    const GX: [u8; 32];
    /// The generator's y, big-endian.
    const GY: [u8; 32];
    /// The generator's comb table, built on first use and kept by the process.
    fn generator_table() -> &'static CombTable<Self>;
}

/// Window of the generator's comb tables: 33 rows × 128 points, ≈ 270 KB per curve.
pub(crate) const GENERATOR_WINDOW: u32 = 8;
/// Window of a signer key's comb table: 37 rows × 64 points, ≈ 150 KB per key.
pub(crate) const KEY_WINDOW: u32 = 7;

fn generator_table<C: Curve>(cell: &'static OnceLock<CombTable<C>>) -> &'static CombTable<C> {
    cell.get_or_init(|| {
        // The generator is on the curve and of prime order: the table always exists; the
        // fallback window is never taken.
        CombTable::new(&Affine::generator(), GENERATOR_WINDOW)
            .or_else(|| CombTable::new(&Affine::generator(), 2))
            .unwrap_or_else(|| unreachable!("the generator's comb table"))
    })
}

/// The field of P-256: p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P256Field {}
impl Modulus for P256Field {
    const M: [u64; 4] = [
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_ffff,
        0x0000_0000_0000_0000,
        0xffff_ffff_0000_0001,
    ];
}

/// The order of P-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P256Order {}
impl Modulus for P256Order {
    const M: [u64; 4] = [
        0xf3b9_cac2_fc63_2551,
        0xbce6_faad_a717_9e84,
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_0000_0000,
    ];
}

/// NIST P-256 (secp256r1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P256 {}
impl Curve for P256 {
    type P = P256Field;
    type N = P256Order;
    const B: [u8; 32] =
        hex::decode_32("5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B");
    const GX: [u8; 32] =
        hex::decode_32("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
    const GY: [u8; 32] =
        hex::decode_32("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5");
    fn generator_table() -> &'static CombTable<Self> {
        static TABLE: OnceLock<CombTable<P256>> = OnceLock::new();
        generator_table(&TABLE)
    }
}

#[cfg(feature = "sm2")]
/// The field of sm2p256v1: p = 2²⁵⁶ − 2²²⁴ − 2⁹⁶ + 2⁶⁴ − 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sm2Field {}
#[cfg(feature = "sm2")]
impl Modulus for Sm2Field {
    const M: [u64; 4] = [
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_ffff,
        0xffff_fffe_ffff_ffff,
    ];
}

#[cfg(feature = "sm2")]
/// The order of sm2p256v1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sm2Order {}
#[cfg(feature = "sm2")]
impl Modulus for Sm2Order {
    const M: [u64; 4] = [
        0x53bb_f409_39d5_4123,
        0x7203_df6b_21c6_052b,
        0xffff_ffff_ffff_ffff,
        0xffff_fffe_ffff_ffff,
    ];
}

#[cfg(feature = "sm2")]
/// sm2p256v1 (GB/T 32918.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sm2 {}
#[cfg(feature = "sm2")]
impl Curve for Sm2 {
    type P = Sm2Field;
    type N = Sm2Order;
    const B: [u8; 32] =
        hex::decode_32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
    const GX: [u8; 32] =
        hex::decode_32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
    const GY: [u8; 32] =
        hex::decode_32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
    fn generator_table() -> &'static CombTable<Self> {
        static TABLE: OnceLock<CombTable<Sm2>> = OnceLock::new();
        generator_table(&TABLE)
    }
}

/// A signer's public key with its comb table: the per-key precomputation of bulk
/// verification (≈ 150 KB, about as costly to build as 15 verifications).
pub(crate) struct KeyTable<C: Curve> {
    table: CombTable<C>,
}

impl<C: Curve> std::fmt::Debug for KeyTable<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("table", &self.table)
            .finish()
    }
}

impl<C: Curve> KeyTable<C> {
    /// The table of an uncompressed SEC1 point (65 bytes), `None` when it is not a point of
    /// the curve (coordinates ≥ p, off the curve, or not uncompressed).
    pub(crate) fn from_sec1(raw: &[u8]) -> Option<Self> {
        Self::from_sec1_with_window(raw, KEY_WINDOW)
    }

    /// [`KeyTable::from_sec1`] with a chosen window (benches compare widths).
    pub(crate) fn from_sec1_with_window(raw: &[u8], window: u32) -> Option<Self> {
        let point = Affine::<C>::from_sec1(raw)?;
        Some(Self {
            table: CombTable::new(&point, window)?,
        })
    }

    /// Bytes held by the table.
    #[cfg(test)]
    pub(crate) fn memory(&self) -> usize {
        self.table.memory()
    }
}

/// A scalar in [1, n − 1] from 32 big-endian bytes.
#[inline]
fn nonzero_scalar<C: Curve>(bytes: &[u8]) -> Option<[u64; 4]> {
    let bytes: &[u8; 32] = bytes.try_into().ok()?;
    let v = limbs_from_be(bytes);
    (v != [0; 4] && lt(&v, &<C::N as Modulus>::M)).then_some(v)
}

/// r and s of a raw r‖s signature, each in [1, n − 1].
#[inline]
fn r_s<C: Curve>(sig: &[u8]) -> Option<([u64; 4], [u64; 4])> {
    if sig.len() != 64 {
        return None;
    }
    let (r, s) = sig.split_at(32);
    Some((nonzero_scalar::<C>(r)?, nonzero_scalar::<C>(s)?))
}

/// u₁·G + u₂·Q with Q's table.
#[inline]
fn double_scalar<C: Curve>(key: &KeyTable<C>, u1: &[u64; 4], u2: &[u64; 4]) -> Jacobian<C> {
    let mut acc = Jacobian::IDENTITY;
    let (mut d1, mut d2) = (Digits::default(), Digits::default());
    let g = C::generator_table();
    g.recode(u1, &mut d1);
    key.table.recode(u2, &mut d2);
    for (row, &d) in d1.as_slice().iter().enumerate() {
        if d != 0 {
            if let Some(p) = g.entry(row, d) {
                acc.add_affine(&p);
            }
        }
    }
    for (row, &d) in d2.as_slice().iter().enumerate() {
        if d != 0 {
            if let Some(p) = key.table.entry(row, d) {
                acc.add_affine(&p);
            }
        }
    }
    acc
}

/// One ECDSA signature to check: the key's table, the message digest (SHA-256 for ES256,
/// as the 32 bytes `ring` hashes to) and the raw r‖s signature.
pub(crate) struct EcdsaItem<'a, C: Curve> {
    /// The signer key.
    pub(crate) key: &'a KeyTable<C>,
    /// The hash of the message, 32 bytes, big-endian.
    pub(crate) digest: [u8; 32],
    /// The raw r‖s signature (64 bytes, or the verdict is false).
    pub(crate) sig: &'a [u8],
}

/// Verifies ECDSA signatures, one verdict per item in `out` (cleared first), exactly as
/// `ring`'s `ECDSA_P256_SHA256_FIXED` decides: r, s ∈ [1, n − 1], e = digest mod n,
/// R = (e·s⁻¹)·G + (r·s⁻¹)·Q not at infinity and x(R) ≡ r (mod n). The s⁻¹ of all items
/// cost one inversion (Montgomery's trick).
pub(crate) fn verify_ecdsa<C: Curve>(items: &[EcdsaItem<'_, C>], out: &mut Vec<bool>) {
    out.clear();
    let mut rs = Vec::with_capacity(items.len());
    let mut inverses: Vec<Mont<C::N>> = Vec::with_capacity(items.len());
    for item in items {
        let parsed = r_s::<C>(item.sig);
        inverses.push(parsed.map_or(Mont::ZERO, |(_, s)| Mont::from_canonical(&s)));
        rs.push(parsed.map(|(r, _)| r));
    }
    let mut scratch = Vec::with_capacity(items.len());
    batch_invert(&mut inverses, &mut scratch);
    for ((item, r), w) in items.iter().zip(&rs).zip(&inverses) {
        let Some(r) = r else {
            out.push(false);
            continue;
        };
        let e = reduce_once::<C::N>(&limbs_from_be(&item.digest));
        let u1 = w.mul_canonical(&e);
        let u2 = w.mul_canonical(r);
        out.push(double_scalar(item.key, &u1, &u2).x_is_mod_n(r));
    }
}

#[cfg(feature = "sm2")]
/// One SM2 signature to check: the key's table, e = SM3(Z ‖ M) and the raw r‖s signature.
pub(crate) struct Sm2Item<'a> {
    /// The signer key.
    pub(crate) key: &'a KeyTable<Sm2>,
    /// e = SM3(Z ‖ M), 32 bytes, big-endian.
    pub(crate) e: [u8; 32],
    /// The raw r‖s signature (64 bytes, or the verdict is false).
    pub(crate) sig: &'a [u8],
}

#[cfg(feature = "sm2")]
/// Verifies SM2 signatures (GB/T 32918.2 §7.1), one verdict per item in `out` (cleared
/// first): r, s ∈ [1, n − 1]; t = (r + s) mod n ≠ 0; (x₁, y₁) = s·G + t·P not at infinity;
/// (e + x₁) mod n = r, tested as x₁ ≡ r − e (mod n) in Jacobian form.
pub(crate) fn verify_sm2(items: &[Sm2Item<'_>], out: &mut Vec<bool>) {
    out.clear();
    out.extend(items.iter().map(sm2_one));
}

#[cfg(feature = "sm2")]
#[inline]
fn sm2_one(item: &Sm2Item<'_>) -> bool {
    type N = <Sm2 as Curve>::N;
    let Some((r, s)) = r_s::<Sm2>(item.sig) else {
        return false;
    };
    let t = add_mod::<N>(&r, &s);
    if t == [0; 4] {
        return false;
    }
    let e = reduce_once::<N>(&limbs_from_be(&item.e));
    let c = sub_mod::<N>(&r, &e);
    double_scalar(item.key, &s, &t).x_is_mod_n(&c)
}

#[cfg(test)]
mod tests;
