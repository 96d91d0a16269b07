//! Variable-time SM2 verification arithmetic: s·G + t·P with fixed-base comb tables for both
//! points (GB/T 32918.2 §7.1 steps B6–B7).
//!
//! A verifier checks many signatures under few keys, so the public key P is as "fixed" as the
//! generator G: each gets a table of affine multiples `d·2^(w·i)·P` (digits d ∈ [1, 2^w − 1],
//! one row per w-bit window i of a 256-bit scalar). A scalar multiplication is then one mixed
//! addition per non-zero window digit and no doublings at all:
//!
//! | table | window | rows × entries | size | additions per signature |
//! | --- | --- | --- | --- | --- |
//! | G (process-wide, built on first use) | 8 bits | 32 × 255 | ≈ 590 KB | ≤ 32 |
//! | P (per key, built by its first verification) | 5 bits | 52 × 31 | ≈ 116 KB | ≤ 52 |
//!
//! The additions are RustCrypto `primeorder`'s complete formulas (Renes–Costello–Batina), so
//! the identity, doubling and inverse cases need no special handling. Everything here is
//! variable time, which is fine: verification touches only public data. Signing never uses
//! this module.

use std::sync::OnceLock;

use ::sm2 as rc;
use rc::elliptic_curve::ops::Reduce;
use rc::elliptic_curve::point::AffineCoordinates;
use rc::elliptic_curve::{BatchNormalize, Group, PrimeField};
use rc::{AffinePoint, ProjectivePoint, Scalar};

/// A 32-byte big-endian number reduced modulo n.
pub(super) fn scalar_reduce(bytes: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<rc::U256>>::reduce(&rc::U256::from_be_slice(bytes))
}

/// Window width of the generator's table, in bits.
const G_WINDOW_BITS: u32 = 8;
/// Window width of a public key's table, in bits.
const P_WINDOW_BITS: u32 = 5;

/// Multiples `d·2^(w·i)·B` of one base point B, affine, row-major by window i.
pub(crate) struct CombTable {
    bits: u32,
    /// `2^bits − 1`: entries per row (digit 0 has none).
    per_row: usize,
    points: Box<[AffinePoint]>,
}

impl CombTable {
    fn new(base: ProjectivePoint, bits: u32) -> Self {
        let per_row = (1usize << bits) - 1;
        let rows = 256usize.div_ceil(bits as usize);
        let mut projective = Vec::with_capacity(rows * per_row);
        let mut row_base = base;
        for _ in 0..rows {
            let mut multiple = row_base;
            projective.push(multiple);
            for _ in 1..per_row {
                multiple += row_base;
                projective.push(multiple);
            }
            // (2^w − 1)·B + B = 2^w·B: the next row's base.
            row_base = multiple + row_base;
        }
        let points = <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(
            projective.as_slice(),
        );
        Self {
            bits,
            per_row,
            points: points.into_boxed_slice(),
        }
    }

    /// The table of a public key.
    pub(crate) fn for_public_key(point: &AffinePoint) -> Self {
        Self::new(ProjectivePoint::from(*point), P_WINDOW_BITS)
    }

    /// The generator's table, built on first use and shared by the process.
    fn generator() -> &'static Self {
        static TABLE: OnceLock<CombTable> = OnceLock::new();
        TABLE.get_or_init(|| Self::new(ProjectivePoint::GENERATOR, G_WINDOW_BITS))
    }

    /// `acc += k·B`, for the scalar k as 32 big-endian bytes.
    fn accumulate(&self, acc: &mut ProjectivePoint, k: &[u8; 32]) {
        let mask = (1u32 << self.bits) - 1;
        let mut row = 0usize;
        let mut bit = 0u32;
        while bit < 256 {
            let digit = window(k, bit) & mask;
            if digit != 0 {
                let index = row * self.per_row + digit as usize - 1;
                if let Some(p) = self.points.get(index) {
                    *acc += p;
                }
            }
            row += 1;
            bit += self.bits;
        }
    }
}

/// The bits of the big-endian number `k` from bit `from` upward (at least 8 of them, fewer
/// past the top), little-end aligned.
fn window(k: &[u8; 32], from: u32) -> u32 {
    let byte = (from / 8) as usize;
    let shift = from % 8;
    // Bytes counted from the least significant end.
    let at = |i: usize| -> u32 { k.get(31usize.wrapping_sub(i)).copied().unwrap_or(0) as u32 };
    ((at(byte) | (at(byte + 1) << 8)) >> shift) & 0xff
}

/// GB/T 32918.2 §7.1 B5–B7 on scalars already checked to be in [1, n−1] with r + s ≠ n:
/// (x₁, y₁) = s·G + t·P with t = (r + s) mod n, and accept iff (e + x₁) mod n = r.
pub(crate) fn verify(p_table: &CombTable, e: &Scalar, r: &Scalar, s: &Scalar) -> bool {
    let t = *r + s;
    if bool::from(t.is_zero()) {
        return false;
    }
    let mut acc = ProjectivePoint::IDENTITY;
    CombTable::generator().accumulate(&mut acc, &s.to_repr().into());
    p_table.accumulate(&mut acc, &t.to_repr().into());
    if bool::from(acc.is_identity()) {
        return false;
    }
    let x1 = scalar_reduce(&acc.to_affine().x().into());
    *e + x1 == *r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scalars whose windows hit every edge: zero digits, all-ones digits, the top bit.
    fn edge_scalars() -> Vec<Scalar> {
        let mut out = vec![
            Scalar::ONE,
            Scalar::ONE + Scalar::ONE,
            -Scalar::ONE,
            -(Scalar::ONE + Scalar::ONE),
        ];
        let mut bytes = [0u8; 32];
        for bit in [4usize, 5, 7, 8, 9, 31, 32, 63, 64, 128, 250, 254, 255] {
            bytes.fill(0);
            bytes[31 - bit / 8] = 1 << (bit % 8);
            out.push(scalar_reduce(&bytes));
            // 2^bit − 1: every window below `bit` full.
            out.push(scalar_reduce(&bytes) - Scalar::ONE);
        }
        // Fixed pseudo-random scalars: SM3 of a counter, reduced.
        out.extend((0u32..40).map(|i| {
            use sm3::Digest as _;
            scalar_reduce(&sm3::Sm3::digest(i.to_be_bytes()).into())
        }));
        out
    }

    #[test]
    fn window_reads_bits_from_the_little_end() {
        let mut k = [0u8; 32];
        k[31] = 0b1011_0110;
        k[30] = 0b0000_0011;
        assert_eq!(window(&k, 0) & 0x1f, 0b1_0110);
        assert_eq!(window(&k, 5) & 0x1f, 0b1_1101);
        assert_eq!(window(&k, 10) & 0x1f, 0);
        k[0] = 0x80;
        assert_eq!(window(&k, 255) & 0x1f, 1);
        assert_eq!(window(&k, 256), 0);
    }

    #[test]
    fn comb_tables_multiply_like_the_reference() {
        let g = CombTable::generator();
        let p = (ProjectivePoint::GENERATOR * Scalar::from(0x1234_5678_u64)).to_affine();
        let pt = CombTable::for_public_key(&p);
        for k in edge_scalars() {
            let mut acc = ProjectivePoint::IDENTITY;
            g.accumulate(&mut acc, &k.to_repr().into());
            assert_eq!(acc, ProjectivePoint::GENERATOR * k, "k·G for {k:?}");
            let mut acc = ProjectivePoint::IDENTITY;
            pt.accumulate(&mut acc, &k.to_repr().into());
            assert_eq!(acc, ProjectivePoint::from(p) * k, "k·P for {k:?}");
        }
    }

    #[test]
    fn sum_at_infinity_is_refused() {
        // P = d·G; pick s and t = −s·d⁻¹ so that s·G + t·P = O, then r = t − s.
        let d = Scalar::from(0xdead_beef_u64);
        let p = (ProjectivePoint::GENERATOR * d).to_affine();
        let table = CombTable::for_public_key(&p);
        let s = Scalar::from(77u64);
        let t = -(s * d.invert().unwrap());
        let r = t - s;
        let mut acc = ProjectivePoint::GENERATOR * s;
        acc += ProjectivePoint::from(p) * t;
        assert!(bool::from(acc.is_identity()));
        for e in [Scalar::ZERO, Scalar::ONE, r] {
            assert!(!verify(&table, &e, &r, &s));
        }
    }

    #[test]
    fn accepts_exactly_when_e_plus_x_is_r() {
        let d = Scalar::from(0x5eed_u64);
        let p = (ProjectivePoint::GENERATOR * d).to_affine();
        let table = CombTable::for_public_key(&p);
        let (r0, s) = (Scalar::from(1000u64), Scalar::from(2000u64));
        let point =
            (ProjectivePoint::GENERATOR * s + ProjectivePoint::from(p) * (r0 + s)).to_affine();
        let x1 = scalar_reduce(&point.x().into());
        // Choose e so that e + x1 = r0.
        let e = r0 - x1;
        assert!(verify(&table, &e, &r0, &s));
        assert!(!verify(&table, &(e + Scalar::ONE), &r0, &s));
        assert!(!verify(&table, &e, &r0, &(s + Scalar::ONE)));
    }
}
