//! Fixed-base comb tables with signed digits: for a base point B and window w, the affine
//! multiples d·2^(w·i)·B for d ∈ [1, 2^(w−1)], one row per w-bit window i. A scalar k < 2²⁵⁶
//! is recoded into digits dᵢ ∈ [−2^(w−1) + 1, 2^(w−1)] with k = Σ dᵢ·2^(w·i), so k·B costs
//! one mixed addition per non-zero digit (a negative digit negates y, which is free) and no
//! doublings. Signed digits halve the table against unsigned ones of the same width, or buy
//! one more bit of window for the same memory. ⌈257/w⌉ rows leave room for the carry out of
//! the top window.

use super::point::{normalize_batch, Affine, Jacobian};
use super::Curve;

/// The smallest and largest window this module builds.
pub(crate) const WINDOWS: std::ops::RangeInclusive<u32> = 2..=10;

/// Multiples `d·2^(w·i)·B` of one base point, row-major.
pub(crate) struct CombTable<C: Curve> {
    window: u32,
    /// 2^(w−1): entries per row.
    half: usize,
    points: Box<[Affine<C>]>,
}

impl<C: Curve> std::fmt::Debug for CombTable<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CombTable")
            .field("window", &self.window)
            .field("points", &self.points.len())
            .finish()
    }
}

impl<C: Curve> CombTable<C> {
    /// The table of `base` with window `window` (clamped to [`WINDOWS`]). Costs about
    /// ⌈257/w⌉·2^(w−1) mixed additions and one inversion per row.
    pub(crate) fn new(base: &Affine<C>, window: u32) -> Option<Self> {
        let window = window.clamp(*WINDOWS.start(), *WINDOWS.end());
        let half = 1usize << (window - 1);
        let rows = 257usize.div_ceil(window as usize);
        let mut points = Vec::with_capacity(rows * half);
        let mut row_base = *base;
        let mut jac = Vec::with_capacity(half + 1);
        let mut affine = Vec::with_capacity(half + 1);
        for _ in 0..rows {
            jac.clear();
            let mut acc = Jacobian::from(&row_base);
            jac.push(acc);
            for _ in 1..half {
                acc.add_affine(&row_base);
                jac.push(acc);
            }
            // 2·2^(w−1)·B = 2^w·B: the next row's base.
            jac.push(acc.double());
            normalize_batch(&jac, &mut affine);
            // No entry is the point at infinity (the group order is a prime above 2^(w−1)),
            // so every `?` here passes for a point of the curve's prime-order group.
            let (next, row) = affine.split_last()?;
            for p in row {
                points.push((*p)?);
            }
            row_base = (*next)?;
        }
        Some(Self {
            window,
            half,
            points: points.into_boxed_slice(),
        })
    }

    /// Bytes held by the table.
    #[cfg(test)]
    pub(crate) fn memory(&self) -> usize {
        std::mem::size_of_val(&*self.points)
    }

    /// The signed digits of the scalar `k` (little-endian limbs), one per row.
    #[inline]
    pub(crate) fn recode(&self, k: &[u64; 4], digits: &mut Digits) {
        let w = self.window;
        let half = 1u32 << (w - 1);
        let full = 1u32 << w;
        let mut carry = 0u32;
        digits.len = 0;
        let rows = self.points.len() / self.half.max(1);
        for (row, slot) in digits.d.iter_mut().take(rows).enumerate() {
            let v = bits(k, row * w as usize, w) + carry;
            *slot = if v > half {
                carry = 1;
                // v ∈ (2^(w−1), 2^w]: the digit v − 2^w ∈ (−2^(w−1), 0].
                -((full - v) as i16)
            } else {
                carry = 0;
                v as i16
            };
            digits.len += 1;
        }
    }

    /// The table entry for digit `d` of row `row` (d ≠ 0), negated for a negative digit.
    #[inline(always)]
    pub(crate) fn entry(&self, row: usize, d: i16) -> Option<Affine<C>> {
        let index = row * self.half + usize::from(d.unsigned_abs()) - 1;
        let p = self.points.get(index)?;
        Some(if d < 0 { p.neg() } else { *p })
    }

    /// `acc += k·B` for the scalar k (little-endian limbs).
    #[cfg(test)]
    pub(crate) fn accumulate(&self, acc: &mut Jacobian<C>, k: &[u64; 4]) {
        let mut digits = Digits::default();
        self.recode(k, &mut digits);
        for (row, &d) in digits.as_slice().iter().enumerate() {
            if d != 0 {
                if let Some(p) = self.entry(row, d) {
                    acc.add_affine(&p);
                }
            }
        }
    }
}

/// The signed digits of one scalar (at most ⌈257/2⌉ of them).
#[derive(Clone, Copy)]
pub(crate) struct Digits {
    d: [i16; 129],
    len: usize,
}

impl Default for Digits {
    fn default() -> Self {
        Self {
            d: [0; 129],
            len: 0,
        }
    }
}

impl Digits {
    /// The digits, least significant first.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[i16] {
        self.d.get(..self.len).unwrap_or(&[])
    }
}

/// `w` bits of `k` from bit `from` (bits past 255 are 0).
#[inline(always)]
fn bits(k: &[u64; 4], from: usize, w: u32) -> u32 {
    let limb = from / 64;
    let shift = from % 64;
    let lo = k.get(limb).copied().unwrap_or(0) >> shift;
    let hi = match shift {
        0 => 0,
        s => k.get(limb + 1).copied().unwrap_or(0) << (64 - s),
    };
    ((lo | hi) & ((1u64 << w) - 1)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_reads_across_limbs() {
        let k = [0xf000_0000_0000_0000, 0x3, 0, 0x8000_0000_0000_0000];
        assert_eq!(bits(&k, 60, 6), 0b11_1111);
        assert_eq!(bits(&k, 62, 4), 0b1111);
        assert_eq!(bits(&k, 255, 7), 1);
        assert_eq!(bits(&k, 256, 7), 0);
        assert_eq!(bits(&k, 0, 8), 0);
    }
}
