//! Montgomery arithmetic modulo a 256-bit odd number m > 2²⁵⁵, four 64-bit limbs, in safe
//! Rust (`u128` products). One generic core serves the two primes p (P-256, sm2p256v1) and the
//! two group orders n; each modulus is a type ([`Modulus`]) so the constants are folded into
//! the code. Both primes are ≡ −1 (mod 2⁶⁴), which makes the Montgomery factor
//! −p⁻¹ mod 2⁶⁴ = 1; the reduction then needs no multiplication to find the quotient digit,
//! and its first product is a shift (the special form of these primes, used inside
//! Montgomery's reduction instead of a separate Solinas reduction).
//!
//! **Variable time.** Used for verification only, where every input is public. The
//! arithmetic itself has no data-dependent branches, but nothing here is reviewed for
//! constant time, and the inversions and point formulas built on it branch on their inputs.
//! Signing never uses this module.

use std::marker::PhantomData;

/// A 256-bit modulus m with 2²⁵⁵ < m < 2²⁵⁶, odd. The derived constants are computed at
/// compile time from `M`.
pub(crate) trait Modulus: Copy + Eq + 'static {
    /// m, little-endian limbs.
    const M: [u64; 4];
    /// −m⁻¹ mod 2⁶⁴.
    const M0INV: u64 = m0inv(Self::M[0]);
    /// R mod m, R = 2²⁵⁶ (the Montgomery form of 1).
    const R1: [u64; 4] = neg(&Self::M);
    /// R² mod m (turns a number into Montgomery form).
    const R2: [u64; 4] = r2(&Self::M);
}

/// a + b·c + carry, as (low, high).
#[inline(always)]
pub(crate) const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = (a as u128) + (b as u128) * (c as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// a + b + carry, as (sum, carry out).
#[inline(always)]
pub(crate) const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = (a as u128) + (b as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// a − b − borrow (borrow ∈ {0, 1}), as (difference, borrow out ∈ {0, 1}).
#[inline(always)]
pub(crate) const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub((b as u128) + (borrow as u128));
    (t as u64, (t >> 127) as u64)
}

/// −m₀⁻¹ mod 2⁶⁴ by Newton's iteration (each step doubles the correct low bits).
const fn m0inv(m0: u64) -> u64 {
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
}

/// 2²⁵⁶ − m, which is 2²⁵⁶ mod m when m > 2²⁵⁵.
const fn neg(m: &[u64; 4]) -> [u64; 4] {
    let (r0, b) = sbb(0, m[0], 0);
    let (r1, b) = sbb(0, m[1], b);
    let (r2, b) = sbb(0, m[2], b);
    let (r3, _) = sbb(0, m[3], b);
    [r0, r1, r2, r3]
}

/// 2·x mod m for x < m.
const fn double_mod(x: &[u64; 4], m: &[u64; 4]) -> [u64; 4] {
    let (d0, c) = adc(x[0], x[0], 0);
    let (d1, c) = adc(x[1], x[1], c);
    let (d2, c) = adc(x[2], x[2], c);
    let (d3, c) = adc(x[3], x[3], c);
    let (s0, b) = sbb(d0, m[0], 0);
    let (s1, b) = sbb(d1, m[1], b);
    let (s2, b) = sbb(d2, m[2], b);
    let (s3, b) = sbb(d3, m[3], b);
    let (_, b) = sbb(c, 0, b);
    if b == 1 {
        [d0, d1, d2, d3]
    } else {
        [s0, s1, s2, s3]
    }
}

/// R² mod m: R mod m doubled 256 times.
const fn r2(m: &[u64; 4]) -> [u64; 4] {
    let mut x = neg(m);
    let mut i = 0;
    while i < 256 {
        x = double_mod(&x, m);
        i += 1;
    }
    x
}

/// `hi:lo` minus m if that does not go below zero (input < 2m).
#[inline(always)]
fn sub_m_if_ge<M: Modulus>(r: [u64; 4], hi: u64) -> [u64; 4] {
    let [m0, m1, m2, m3] = M::M;
    let [r0, r1, r2, r3] = r;
    let (s0, b) = sbb(r0, m0, 0);
    let (s1, b) = sbb(r1, m1, b);
    let (s2, b) = sbb(r2, m2, b);
    let (s3, b) = sbb(r3, m3, b);
    let (_, b) = sbb(hi, 0, b);
    // b = 1: r < m, keep r.
    let keep = 0u64.wrapping_sub(b);
    [
        (r0 & keep) | (s0 & !keep),
        (r1 & keep) | (s1 & !keep),
        (r2 & keep) | (s2 & !keep),
        (r3 & keep) | (s3 & !keep),
    ]
}

/// One word of Montgomery reduction: the quotient digit k of `t0`, and the carry of
/// t0 + k·m₀ (whose low word is 0).
#[inline(always)]
fn digit<M: Modulus>(t0: u64) -> (u64, u64) {
    if M::M[0] == u64::MAX && M::M0INV == 1 {
        // k = t0 and t0 + t0·(2⁶⁴ − 1) = t0·2⁶⁴: the carry is t0 itself.
        (t0, t0)
    } else {
        let k = t0.wrapping_mul(M::M0INV);
        (k, mac(t0, k, M::M[0], 0).1)
    }
}

/// Montgomery reduction of an 8-limb t < m·2²⁵⁶: t·2⁻²⁵⁶ mod m, fully reduced.
#[inline(always)]
fn reduce<M: Modulus>(t: [u64; 8]) -> [u64; 4] {
    let [_, m1, m2, m3] = M::M;
    let [r0, r1, r2, r3, r4, r5, r6, r7] = t;

    let (k, c) = digit::<M>(r0);
    let (r1, c) = mac(r1, k, m1, c);
    let (r2, c) = mac(r2, k, m2, c);
    let (r3, c) = mac(r3, k, m3, c);
    let (r4, c2) = adc(r4, c, 0);

    let (k, c) = digit::<M>(r1);
    let (r2, c) = mac(r2, k, m1, c);
    let (r3, c) = mac(r3, k, m2, c);
    let (r4, c) = mac(r4, k, m3, c);
    let (r5, c2) = adc(r5, c2, c);

    let (k, c) = digit::<M>(r2);
    let (r3, c) = mac(r3, k, m1, c);
    let (r4, c) = mac(r4, k, m2, c);
    let (r5, c) = mac(r5, k, m3, c);
    let (r6, c2) = adc(r6, c2, c);

    let (k, c) = digit::<M>(r3);
    let (r4, c) = mac(r4, k, m1, c);
    let (r5, c) = mac(r5, k, m2, c);
    let (r6, c) = mac(r6, k, m3, c);
    let (r7, c2) = adc(r7, c2, c);

    sub_m_if_ge::<M>([r4, r5, r6, r7], c2)
}

/// a·b·2⁻²⁵⁶ mod m.
#[inline]
fn mont_mul<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let [a0, a1, a2, a3] = *a;
    let [b0, b1, b2, b3] = *b;

    let (r0, c) = mac(0, a0, b0, 0);
    let (r1, c) = mac(0, a0, b1, c);
    let (r2, c) = mac(0, a0, b2, c);
    let (r3, r4) = mac(0, a0, b3, c);

    let (r1, c) = mac(r1, a1, b0, 0);
    let (r2, c) = mac(r2, a1, b1, c);
    let (r3, c) = mac(r3, a1, b2, c);
    let (r4, r5) = mac(r4, a1, b3, c);

    let (r2, c) = mac(r2, a2, b0, 0);
    let (r3, c) = mac(r3, a2, b1, c);
    let (r4, c) = mac(r4, a2, b2, c);
    let (r5, r6) = mac(r5, a2, b3, c);

    let (r3, c) = mac(r3, a3, b0, 0);
    let (r4, c) = mac(r4, a3, b1, c);
    let (r5, c) = mac(r5, a3, b2, c);
    let (r6, r7) = mac(r6, a3, b3, c);

    reduce::<M>([r0, r1, r2, r3, r4, r5, r6, r7])
}

/// a²·2⁻²⁵⁶ mod m.
#[inline]
fn mont_square<M: Modulus>(a: &[u64; 4]) -> [u64; 4] {
    let [a0, a1, a2, a3] = *a;
    // The cross products a_i·a_j, i < j.
    let (r1, c) = mac(0, a0, a1, 0);
    let (r2, c) = mac(0, a0, a2, c);
    let (r3, r4) = mac(0, a0, a3, c);
    let (r3, c) = mac(r3, a1, a2, 0);
    let (r4, r5) = mac(r4, a1, a3, c);
    let (r5, r6) = mac(r5, a2, a3, 0);
    // Doubled.
    let r7 = r6 >> 63;
    let r6 = (r6 << 1) | (r5 >> 63);
    let r5 = (r5 << 1) | (r4 >> 63);
    let r4 = (r4 << 1) | (r3 >> 63);
    let r3 = (r3 << 1) | (r2 >> 63);
    let r2 = (r2 << 1) | (r1 >> 63);
    let r1 = r1 << 1;
    // Plus the squares a_i².
    let (r0, c) = mac(0, a0, a0, 0);
    let (r1, c) = adc(r1, 0, c);
    let (r2, c) = mac(r2, a1, a1, c);
    let (r3, c) = adc(r3, 0, c);
    let (r4, c) = mac(r4, a2, a2, c);
    let (r5, c) = adc(r5, 0, c);
    let (r6, c) = mac(r6, a3, a3, c);
    let (r7, _) = adc(r7, 0, c);
    reduce::<M>([r0, r1, r2, r3, r4, r5, r6, r7])
}

/// A residue modulo `M` in Montgomery form (x·2²⁵⁶ mod m), always fully reduced, so equal
/// values have equal limbs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mont<M: Modulus> {
    limbs: [u64; 4],
    modulus: PhantomData<M>,
}

impl<M: Modulus> std::fmt::Debug for Mont<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("0x")?;
        for b in self.to_be_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl<M: Modulus> Mont<M> {
    /// 0.
    pub(crate) const ZERO: Self = Self::from_mont_limbs([0; 4]);
    /// 1.
    pub(crate) const ONE: Self = Self::from_mont_limbs(M::R1);

    const fn from_mont_limbs(limbs: [u64; 4]) -> Self {
        Self {
            limbs,
            modulus: PhantomData,
        }
    }

    /// The residue of the integer with little-endian limbs `x`, which must be < m.
    #[inline]
    pub(crate) fn from_canonical(x: &[u64; 4]) -> Self {
        Self::from_mont_limbs(mont_mul::<M>(x, &M::R2))
    }

    /// The integer in [0, m), little-endian limbs.
    #[inline]
    pub(crate) fn to_canonical(self) -> [u64; 4] {
        let [a, b, c, d] = self.limbs;
        reduce::<M>([a, b, c, d, 0, 0, 0, 0])
    }

    /// A 32-byte big-endian number, if it is < m.
    #[inline]
    pub(crate) fn from_be_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let x = limbs_from_be(bytes);
        lt(&x, &M::M).then(|| Self::from_canonical(&x))
    }

    /// A 32-byte big-endian number reduced modulo m (one subtraction: the number is < 2m).
    #[inline]
    pub(crate) fn from_be_bytes_reduced(bytes: &[u8; 32]) -> Self {
        Self::from_canonical(&reduce_once::<M>(&limbs_from_be(bytes)))
    }

    /// The value as 32 big-endian bytes.
    pub(crate) fn to_be_bytes(self) -> [u8; 32] {
        limbs_to_be(&self.to_canonical())
    }

    /// A small integer.
    #[cfg(test)]
    pub(crate) fn from_u64(v: u64) -> Self {
        Self::from_canonical(&[v, 0, 0, 0])
    }

    /// Whether this is 0.
    #[inline]
    pub(crate) fn is_zero(&self) -> bool {
        self.limbs == [0; 4]
    }

    /// self · rhs.
    #[inline]
    pub(crate) fn mul(&self, rhs: &Self) -> Self {
        Self::from_mont_limbs(mont_mul::<M>(&self.limbs, &rhs.limbs))
    }

    /// self².
    #[inline]
    pub(crate) fn square(&self) -> Self {
        Self::from_mont_limbs(mont_square::<M>(&self.limbs))
    }

    /// self + rhs.
    #[inline]
    pub(crate) fn add(&self, rhs: &Self) -> Self {
        Self::from_mont_limbs(add_mod::<M>(&self.limbs, &rhs.limbs))
    }

    /// self − rhs.
    #[inline]
    pub(crate) fn sub(&self, rhs: &Self) -> Self {
        Self::from_mont_limbs(sub_mod::<M>(&self.limbs, &rhs.limbs))
    }

    /// x·self for the integer x < m given in ordinary (not Montgomery) form, returned in
    /// ordinary form: one Montgomery multiplication.
    #[inline]
    pub(crate) fn mul_canonical(&self, x: &[u64; 4]) -> [u64; 4] {
        mont_mul::<M>(x, &self.limbs)
    }

    /// 2·self.
    #[inline]
    pub(crate) fn double(&self) -> Self {
        self.add(self)
    }

    /// −self.
    #[inline]
    pub(crate) fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// self^e for the exponent e (little-endian limbs; public), 4-bit fixed window.
    pub(crate) fn pow_vartime(&self, e: &[u64; 4]) -> Self {
        let mut table = [Self::ONE; 16];
        let mut prev = Self::ONE;
        for t in table.iter_mut().skip(1) {
            prev = prev.mul(self);
            *t = prev;
        }
        let mut acc = Self::ONE;
        for limb in e.iter().rev() {
            for nibble in (0..16).rev() {
                acc = acc.square().square().square().square();
                let d = ((limb >> (4 * nibble)) & 0xf) as usize;
                if let Some(t) = table.get(d).filter(|_| d != 0) {
                    acc = acc.mul(t);
                }
            }
        }
        acc
    }

    /// self⁻¹ (Fermat: self^(m−2); m is prime), or 0 for 0.
    pub(crate) fn invert_vartime(&self) -> Self {
        let [m0, m1, m2, m3] = M::M;
        let (e0, b) = sbb(m0, 2, 0);
        let (e1, b) = sbb(m1, 0, b);
        let (e2, b) = sbb(m2, 0, b);
        let (e3, _) = sbb(m3, 0, b);
        self.pow_vartime(&[e0, e1, e2, e3])
    }
}

/// Inverts every non-zero element of `values` in place with one inversion and 3(k − 1)
/// multiplications (Montgomery's trick); zeros stay zero. `scratch` is reused storage.
pub(crate) fn batch_invert<M: Modulus>(values: &mut [Mont<M>], scratch: &mut Vec<Mont<M>>) {
    scratch.clear();
    let mut acc = Mont::<M>::ONE;
    for v in values.iter() {
        scratch.push(acc);
        if !v.is_zero() {
            acc = acc.mul(v);
        }
    }
    let mut inv = acc.invert_vartime();
    for (v, before) in values.iter_mut().zip(scratch.iter()).rev() {
        if v.is_zero() {
            continue;
        }
        let vi = inv.mul(before);
        inv = inv.mul(v);
        *v = vi;
    }
}

/// (a + b) mod m for a, b < m (the same in ordinary and Montgomery form).
#[inline]
pub(crate) fn add_mod<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let (r, c) = add_wide(a, b);
    sub_m_if_ge::<M>(r, c)
}

/// (a − b) mod m for a, b < m (the same in ordinary and Montgomery form).
#[inline]
pub(crate) fn sub_mod<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let [a0, a1, a2, a3] = *a;
    let [b0, b1, b2, b3] = *b;
    let (r0, b) = sbb(a0, b0, 0);
    let (r1, b) = sbb(a1, b1, b);
    let (r2, b) = sbb(a2, b2, b);
    let (r3, b) = sbb(a3, b3, b);
    // On a borrow add m back.
    let mask = 0u64.wrapping_sub(b);
    let [m0, m1, m2, m3] = M::M;
    let (r0, c) = adc(r0, m0 & mask, 0);
    let (r1, c) = adc(r1, m1 & mask, c);
    let (r2, c) = adc(r2, m2 & mask, c);
    let (r3, _) = adc(r3, m3 & mask, c);
    [r0, r1, r2, r3]
}

/// x mod m for any 256-bit x (one conditional subtraction: x < 2²⁵⁶ < 2m).
#[inline]
pub(crate) fn reduce_once<M: Modulus>(x: &[u64; 4]) -> [u64; 4] {
    sub_m_if_ge::<M>(*x, 0)
}

/// 32 big-endian bytes as little-endian limbs.
#[inline]
pub(crate) fn limbs_from_be(bytes: &[u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (limb, chunk) in out.iter_mut().rev().zip(bytes.chunks_exact(8)) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(w);
    }
    out
}

/// Little-endian limbs as 32 big-endian bytes.
#[inline]
pub(crate) fn limbs_to_be(limbs: &[u64; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(limbs.iter().rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// a < b for little-endian limbs.
#[inline]
pub(crate) fn lt(a: &[u64; 4], b: &[u64; 4]) -> bool {
    let [a0, a1, a2, a3] = *a;
    let [b0, b1, b2, b3] = *b;
    let (_, br) = sbb(a0, b0, 0);
    let (_, br) = sbb(a1, b1, br);
    let (_, br) = sbb(a2, b2, br);
    let (_, br) = sbb(a3, b3, br);
    br == 1
}

/// a + b as a 257-bit number: (sum, carry).
#[inline]
pub(crate) fn add_wide(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], u64) {
    let [a0, a1, a2, a3] = *a;
    let [b0, b1, b2, b3] = *b;
    let (r0, c) = adc(a0, b0, 0);
    let (r1, c) = adc(a1, b1, c);
    let (r2, c) = adc(a2, b2, c);
    let (r3, c) = adc(a3, b3, c);
    ([r0, r1, r2, r3], c)
}
