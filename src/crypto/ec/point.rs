//! Points of a short Weierstrass curve y² = x³ − 3x + b (both P-256 and sm2p256v1 have
//! a = −3) in affine and Jacobian coordinates (x = X/Z², y = Y/Z³; Z = 0 is the point at
//! infinity). The formulas are the incomplete ones from the Explicit-Formulas Database,
//! with the exceptional cases (infinity, doubling, inverse points) branched on: variable
//! time, for public data only.

use super::mont::{batch_invert, Mont};
use super::Curve;

/// A field element of curve `C`.
pub(crate) type Fe<C> = Mont<<C as Curve>::P>;

/// An affine point (never the point at infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine<C: Curve> {
    pub(crate) x: Fe<C>,
    pub(crate) y: Fe<C>,
}

impl<C: Curve> Affine<C> {
    /// The point from an uncompressed SEC1 encoding (0x04 ‖ x ‖ y, 65 bytes) if the
    /// coordinates are below p and the point is on the curve.
    pub(crate) fn from_sec1(raw: &[u8]) -> Option<Self> {
        let raw: &[u8; 65] = raw.try_into().ok()?;
        let (tag, xy) = raw.split_first()?;
        if *tag != 0x04 {
            return None;
        }
        let (x, y) = xy.split_at(32);
        let x = Fe::<C>::from_be_bytes(x.try_into().ok()?)?;
        let y = Fe::<C>::from_be_bytes(y.try_into().ok()?)?;
        let p = Self { x, y };
        p.is_on_curve().then_some(p)
    }

    /// y² = x³ − 3x + b.
    pub(crate) fn is_on_curve(&self) -> bool {
        let b = Fe::<C>::from_be_bytes_reduced(&C::B);
        let x2 = self.x.square();
        let rhs = x2.mul(&self.x).sub(&self.x.double().add(&self.x)).add(&b);
        self.y.square() == rhs
    }

    /// The generator.
    pub(crate) fn generator() -> Self {
        Self {
            x: Fe::<C>::from_be_bytes_reduced(&C::GX),
            y: Fe::<C>::from_be_bytes_reduced(&C::GY),
        }
    }

    /// −self.
    #[inline]
    pub(crate) fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian<C: Curve> {
    pub(crate) x: Fe<C>,
    pub(crate) y: Fe<C>,
    pub(crate) z: Fe<C>,
}

impl<C: Curve> From<&Affine<C>> for Jacobian<C> {
    fn from(p: &Affine<C>) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: Fe::<C>::ONE,
        }
    }
}

impl<C: Curve> Jacobian<C> {
    /// The point at infinity.
    pub(crate) const IDENTITY: Self = Self {
        x: Fe::<C>::ONE,
        y: Fe::<C>::ONE,
        z: Fe::<C>::ZERO,
    };

    /// Whether this is the point at infinity.
    #[inline]
    pub(crate) fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    /// 2·self (dbl-2001-b, a = −3): 3M + 5S.
    #[inline]
    pub(crate) fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma2_8 = gamma.square().double().double().double();
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma2_8);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q for an affine q: 8M + 3S in the general case.
    #[inline]
    pub(crate) fn add_affine(&mut self, q: &Affine<C>) {
        if self.is_identity() {
            *self = Self::from(q);
            return;
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z.mul(&z1z1));
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if h.is_zero() {
            *self = if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
            return;
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = self.x.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&hhh));
        let z3 = self.z.mul(&h);
        self.x = x3;
        self.y = y3;
        self.z = z3;
    }

    /// self + q for a Jacobian q: 12M + 4S in the general case.
    #[cfg(test)]
    pub(crate) fn add(&self, q: &Self) -> Self {
        if self.is_identity() {
            return *q;
        }
        if q.is_identity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z.mul(&z2z2));
        let s2 = q.y.mul(&self.z.mul(&z1z1));
        let h = u2.sub(&u1);
        let r = s2.sub(&s1);
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = u1.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&hhh));
        let z3 = self.z.mul(&q.z).mul(&h);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The affine form, `None` for the point at infinity.
    #[cfg(test)]
    pub(crate) fn to_affine(self) -> Option<Affine<C>> {
        let mut out = Vec::with_capacity(1);
        normalize_batch(std::slice::from_ref(&self), &mut out);
        out.pop().flatten()
    }

    /// Whether the affine x coordinate of this point, an integer in [0, p), is ≡ c (mod n)
    /// for c < n — without an inversion: x = X/Z² is c or c + n (the latter when below p),
    /// so the test is X = c·Z² or X = (c + n)·Z². False for the point at infinity.
    #[inline]
    pub(crate) fn x_is_mod_n(&self, c: &[u64; 4]) -> bool {
        if self.is_identity() {
            return false;
        }
        let z2 = self.z.square();
        if Fe::<C>::from_canonical(c).mul(&z2) == self.x {
            return true;
        }
        let (c_plus_n, carry) = super::mont::add_wide(c, &<C::N as super::mont::Modulus>::M);
        carry == 0
            && super::mont::lt(&c_plus_n, &<C::P as super::mont::Modulus>::M)
            && Fe::<C>::from_canonical(&c_plus_n).mul(&z2) == self.x
    }
}

/// The affine forms of `points` (`None` for infinity), with one inversion for all.
pub(crate) fn normalize_batch<C: Curve>(points: &[Jacobian<C>], out: &mut Vec<Option<Affine<C>>>) {
    let mut zs: Vec<Fe<C>> = points.iter().map(|p| p.z).collect();
    let mut scratch = Vec::with_capacity(zs.len());
    batch_invert(&mut zs, &mut scratch);
    out.clear();
    out.extend(points.iter().zip(&zs).map(|(p, zi)| {
        if p.is_identity() {
            return None;
        }
        let zi2 = zi.square();
        Some(Affine {
            x: p.x.mul(&zi2),
            y: p.y.mul(&zi2.mul(zi)),
        })
    }));
}
