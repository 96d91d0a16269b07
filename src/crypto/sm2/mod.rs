//! SM2 signatures with SM3 (GB/T 32918.2 / GM/T 0003.2 on the recommended curve sm2p256v1 of
//! GB/T 32918.5), behind the cargo feature `sm2`. This module owns the SM2 keys and the bare
//! sign/verify calls; COSE, certificates and trust lists are not its business.
//!
//! - [`Sm2Signer`] signs in constant time with respect to the secret key, on RustCrypto's
//!   `sm2` field and group arithmetic. It caches Z (the SM3 hash of the distinguishing ID, the
//!   curve and the public key) and (1 + d)⁻¹ when the key is loaded, so a signature costs one
//!   fixed-base multiplication, one scalar multiplication and two short SM3 runs.
//! - [`Sm2VerifyingKey`] verifies with certseal's variable-time comb tables for G and for the
//!   key (`comb`; fine, everything it touches is public). The public key is checked to lie
//!   on the curve once, when it is parsed; Z is computed once there too. Every verification
//!   checks r, s ∈ [1, n−1] and (r + s) mod n ≠ 0.
//!
//! Signatures are raw r‖s, 64 bytes, big-endian (the COSE form). [`signature_to_der`] and
//! [`signature_from_der`] convert to and from the X.509 form, `SEQUENCE { r INTEGER, s INTEGER }`.
//! The format contract is `specs/sm2.md`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use ::sm2 as rc;
use rc::elliptic_curve::ops::Reduce;
use rc::elliptic_curve::point::AffineCoordinates;
use rc::elliptic_curve::sec1::ToSec1Point;
use rc::elliptic_curve::{Curve, Generate, Group, PrimeField};
use rc::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sm3::{Digest, Sm3};
use zeroize::Zeroize;

mod comb;

use self::comb::{scalar_reduce, CombTable};
use super::{spki_from_raw, Algorithm, CryptoError, Signer};
use crate::codec::hex;

/// The COSE algorithm value certseal uses for SM2 with SM3, raw r‖s signatures. COSE has no
/// registered SM2 value; this one is from the private-use range (below −65536).
pub const COSE_ALG_SM2_SM3: i64 = -65538;

/// The default distinguishing identifier of GB/T 35276 / GM/T 0009: `1234567812345678`.
pub const DEFAULT_ID: &[u8] = b"1234567812345678";

/// Length of a raw r‖s signature.
pub const SIGNATURE_LEN: usize = 64;

/// The longest distinguishing identifier: its bit length must fit ENTL, a 16-bit field.
pub const MAX_ID_LEN: usize = 8191;

/// DER of OID 1.2.156.10197.1.301 (sm2p256v1), without tag and length.
pub const OID_SM2P256V1: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];

/// DER of OID 1.2.156.10197.1.501 (SM2 signature with SM3), without tag and length.
pub const OID_SM2_WITH_SM3: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75];

/// Curve coefficients a, b and the base point G of sm2p256v1, in the order Z hashes them.
const CURVE_A_B_G: [[u8; 32]; 4] = [
    hex::decode_32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"),
    hex::decode_32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
    hex::decode_32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
    hex::decode_32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
];

/// Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) for the public key `xy` (xA ‖ yA, 64 bytes).
///
/// GB/T 32918.2 §5.5. ENTL is the bit length of `id` as two big-endian bytes, so `id` may be at
/// most [`MAX_ID_LEN`] bytes.
pub fn compute_z(id: &[u8], xy: &[u8; 64]) -> Result<[u8; 32], CryptoError> {
    let entl = id
        .len()
        .checked_mul(8)
        .and_then(|bits| u16::try_from(bits).ok())
        .ok_or(CryptoError::BadPublicKey(
            "SM2 distinguishing identifier longer than 8191 bytes",
        ))?;
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(id);
    for part in &CURVE_A_B_G {
        h.update(part);
    }
    h.update(xy);
    Ok(h.finalize().into())
}

/// e = SM3(Z ‖ M), the message digest that is signed.
pub(crate) fn digest(z: &[u8; 32], message: &[u8]) -> [u8; 32] {
    Sm3::new_with_prefix(z)
        .chain_update(message)
        .finalize()
        .into()
}

/// The secret half of an SM2 key: d and (1 + d)⁻¹, wiped on drop.
struct SecretParts {
    d: rc::Scalar,
    one_plus_d_inv: rc::Scalar,
}

impl Drop for SecretParts {
    fn drop(&mut self) {
        self.d.zeroize();
        self.one_plus_d_inv.zeroize();
    }
}

/// An SM2 private key held in memory, with Z and (1 + d)⁻¹ computed when it was loaded.
///
/// Signing is deterministic: k comes from RFC 6979 with HMAC-SM3 over (d, e), exactly as
/// RustCrypto's `sm2::dsa::SigningKey` derives it, so both produce the same bytes.
pub struct Sm2Signer {
    secret: SecretParts,
    /// The public key, uncompressed SEC1 (0x04 ‖ x ‖ y).
    public: [u8; 65],
    z: [u8; 32],
}

impl fmt::Debug for Sm2Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2Signer")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Sm2Signer {
    /// Generates a fresh key (default ID); returns the signer and its PKCS#8 DER encoding.
    pub fn generate() -> Result<(Self, Vec<u8>), CryptoError> {
        let secret = rc::SecretKey::try_generate().map_err(|_| CryptoError::SigningFailed)?;
        let der = secret
            .to_pkcs8_der()
            .map_err(|_| CryptoError::SigningFailed)?
            .as_bytes()
            .to_vec();
        Ok((Self::from_secret_key(&secret, DEFAULT_ID)?, der))
    }

    /// Reads a PKCS#8 DER private key (id-ecPublicKey on sm2p256v1) with the default ID.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, CryptoError> {
        Self::from_pkcs8_with_id(der, DEFAULT_ID)
    }

    /// Reads a PKCS#8 DER private key, with distinguishing identifier `id`.
    pub fn from_pkcs8_with_id(der: &[u8], id: &[u8]) -> Result<Self, CryptoError> {
        let secret = rc::SecretKey::from_pkcs8_der(der)
            .map_err(|_| CryptoError::BadPrivateKey("not an SM2 (sm2p256v1) PKCS#8 key"))?;
        Self::from_secret_key(&secret, id)
    }

    /// A key from its 32-byte big-endian secret scalar d ∈ [1, n−2] (for test vectors).
    pub fn from_secret_bytes(d: &[u8; 32], id: &[u8]) -> Result<Self, CryptoError> {
        let secret = rc::SecretKey::from_slice(d)
            .map_err(|_| CryptoError::BadPrivateKey("SM2 secret scalar out of range"))?;
        Self::from_secret_key(&secret, id)
    }

    fn from_secret_key(secret: &rc::SecretKey, id: &[u8]) -> Result<Self, CryptoError> {
        let d: rc::Scalar = *secret.to_nonzero_scalar();
        // d = n − 1 makes 1 + d zero: GB/T 32918.1 §6.1 requires d ∈ [1, n−2].
        let one_plus_d_inv = Option::<rc::Scalar>::from((d + rc::Scalar::ONE).invert())
            .ok_or(CryptoError::BadPrivateKey("SM2 secret scalar is n − 1"))?;
        let point = secret.public_key().to_sec1_point(false);
        let public: [u8; 65] = point
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::BadPrivateKey("SM2 public point not uncompressed"))?;
        let z = compute_z(id, public_xy(&public))
            .map_err(|_| CryptoError::BadPrivateKey("SM2 distinguishing identifier too long"))?;
        Ok(Self {
            secret: SecretParts { d, one_plus_d_inv },
            public,
            z,
        })
    }

    /// The public key, uncompressed SEC1 (65 bytes, 0x04 ‖ x ‖ y).
    pub fn public_key_raw(&self) -> &[u8] {
        &self.public
    }

    /// Z for this key and its distinguishing identifier, computed when the key was loaded.
    pub fn z(&self) -> &[u8; 32] {
        &self.z
    }

    /// The matching verifying key (same ID, same Z).
    pub fn verifying_key(&self) -> Result<Sm2VerifyingKey, CryptoError> {
        Sm2VerifyingKey::from_parts(self.public, self.z)
    }

    /// Signs `message`; returns raw r‖s.
    pub fn sign_raw(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN], CryptoError> {
        let e_bytes = digest(&self.z, message);
        let e = scalar_reduce(&e_bytes);
        let mut d_bytes = self.secret.d.to_repr();
        let mut kgen = rfc6979::KGenerator::<Sm3, rc::U256>::new(
            &d_bytes,
            &e.to_bytes(),
            &[],
            &rc::Sm2::ORDER,
        );
        d_bytes.zeroize();
        // A retry happens with probability about 2⁻²⁵⁵; the bound only keeps the loop finite.
        for _ in 0..8 {
            let mut k_bytes = rc::FieldBytes::default();
            kgen.fill_next_k(&mut k_bytes);
            let Some(mut k) = Option::<rc::Scalar>::from(rc::Scalar::from_repr(k_bytes)) else {
                continue;
            };
            k_bytes.zeroize();
            let sig = sign_with_k(&self.secret, &e, &k);
            k.zeroize();
            if let Some(sig) = sig {
                return Ok(sig);
            }
        }
        Err(CryptoError::SigningFailed)
    }

    /// Signs the digest `e` with the nonce `k` given by the caller (test vectors only).
    #[cfg(test)]
    pub(crate) fn sign_digest_with_k(&self, e: &[u8; 32], k: &[u8; 32]) -> Option<[u8; 64]> {
        let k = Option::<rc::Scalar>::from(rc::Scalar::from_repr((*k).into()))?;
        sign_with_k(&self.secret, &scalar_reduce(e), &k)
    }
}

/// GB/T 32918.2 §6.1 steps A4–A6 with k given: r = (e + x₁) mod n,
/// s = (1 + d)⁻¹ · (k − r·d) = (1 + d)⁻¹ · (k + r) − r  (mod n).
///
/// Constant time in d and k; `None` (retry with another k) when r = 0, r + k = n or s = 0.
fn sign_with_k(secret: &SecretParts, e: &rc::Scalar, k: &rc::Scalar) -> Option<[u8; 64]> {
    let x1 = rc::ProjectivePoint::mul_by_generator(k).to_affine().x();
    let r = *e + <rc::Scalar as Reduce<rc::FieldBytes>>::reduce(&x1);
    let s = secret.one_plus_d_inv * (*k + r) - r;
    let reject = r.is_zero() | (r + *k).is_zero() | s.is_zero();
    if bool::from(reject) {
        return None;
    }
    let mut out = [0u8; 64];
    let (r_out, s_out) = out.split_at_mut(32);
    r_out.copy_from_slice(&r.to_bytes());
    s_out.copy_from_slice(&s.to_bytes());
    Some(out)
}

/// The x ‖ y half of an uncompressed point.
fn public_xy(point: &[u8; 65]) -> &[u8; 64] {
    let [_, xy @ ..] = point;
    xy
}

impl Signer for Sm2Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::Sm2
    }

    fn public_key_spki(&self) -> Vec<u8> {
        spki_from_raw(Algorithm::Sm2, &self.public)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.sign_raw(message).map(|s| s.to_vec())
    }
}

/// An SM2 public key checked to lie on sm2p256v1, with Z precomputed for its identifier. The
/// key's comb table for verification (`comb`, ≈ 116 KB, shared between clones) is built
/// by the first verification, so loading a trust list with many keys stays cheap.
#[derive(Clone)]
pub struct Sm2VerifyingKey {
    /// Uncompressed SEC1 (0x04 ‖ x ‖ y).
    point: [u8; 65],
    z: [u8; 32],
    affine: rc::AffinePoint,
    table: Arc<OnceLock<CombTable>>,
}

impl PartialEq for Sm2VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        // The table is a function of the point.
        self.point == other.point && self.z == other.z
    }
}

impl Eq for Sm2VerifyingKey {}

impl fmt::Debug for Sm2VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2VerifyingKey")
            .field("point", &self.point)
            .field("z", &self.z)
            .finish()
    }
}

impl Sm2VerifyingKey {
    /// A key from a 65-byte uncompressed SEC1 point, with the default identifier.
    pub fn from_sec1(raw: &[u8]) -> Result<Self, CryptoError> {
        Self::from_sec1_with_id(raw, DEFAULT_ID)
    }

    /// A key from a 65-byte uncompressed SEC1 point, with distinguishing identifier `id`.
    pub fn from_sec1_with_id(raw: &[u8], id: &[u8]) -> Result<Self, CryptoError> {
        let point: [u8; 65] = raw.try_into().map_err(|_| {
            CryptoError::BadPublicKey("SM2 key must be a 65-byte uncompressed point")
        })?;
        if point.first() != Some(&0x04) {
            return Err(CryptoError::BadPublicKey(
                "SM2 key must be a 65-byte uncompressed point",
            ));
        }
        let z = compute_z(id, public_xy(&point))?;
        Self::from_parts(point, z)
    }

    fn from_parts(point: [u8; 65], z: [u8; 32]) -> Result<Self, CryptoError> {
        // On the curve and not the identity.
        let key = rc::PublicKey::from_sec1_bytes(&point)
            .map_err(|_| CryptoError::BadPublicKey("not a point on the SM2 curve"))?;
        Ok(Self {
            point,
            z,
            affine: *key.as_affine(),
            table: Arc::default(),
        })
    }

    /// The public key, uncompressed SEC1 (65 bytes).
    pub fn raw(&self) -> &[u8] {
        &self.point
    }

    /// Z for this key and its identifier, computed when the key was parsed.
    pub fn z(&self) -> &[u8; 32] {
        &self.z
    }

    /// Verifies the raw r‖s signature `sig` over `message` (GB/T 32918.2 §7.1).
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| CryptoError::BadSignature)?;
        let (r, s) = sig.split_at(32);
        let (r, s) = check_r_s(r, s)?;
        let e = scalar_reduce(&digest(&self.z, message));
        let table = self
            .table
            .get_or_init(|| CombTable::for_public_key(&self.affine));
        if comb::verify(table, &e, &r, &s) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }
}

/// Steps B1, B2 and B5 of GB/T 32918.2 §7.1: r, s ∈ [1, n−1] and t = (r + s) mod n ≠ 0.
fn check_r_s(r: &[u8], s: &[u8]) -> Result<(rc::Scalar, rc::Scalar), CryptoError> {
    let scalar = |b: &[u8]| -> Option<rc::Scalar> {
        let bytes = rc::FieldBytes::try_from(b).ok()?;
        // from_repr refuses values ≥ n.
        Option::from(rc::Scalar::from_repr(bytes))
    };
    let (Some(r), Some(s)) = (scalar(r), scalar(s)) else {
        return Err(CryptoError::BadSignature);
    };
    if bool::from(r.is_zero() | s.is_zero() | (r + s).is_zero()) {
        return Err(CryptoError::BadSignature);
    }
    Ok((r, s))
}

/// Encodes a raw r‖s signature as DER `SEQUENCE { r INTEGER, s INTEGER }` (the X.509 form).
pub fn signature_to_der(raw: &[u8; SIGNATURE_LEN]) -> Vec<u8> {
    fn integer(out: &mut Vec<u8>, bytes: &[u8]) {
        let trimmed = match bytes.iter().position(|b| *b != 0) {
            Some(i) => bytes.get(i..).unwrap_or(&[]),
            None => &[0u8][..],
        };
        let pad = trimmed.first().is_some_and(|b| b & 0x80 != 0);
        out.push(0x02);
        // At most 33 bytes: the length fits one byte.
        out.push(u8::try_from(trimmed.len() + usize::from(pad)).unwrap_or(0));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(trimmed);
    }
    let (r, s) = raw.split_at(32);
    let mut body = Vec::with_capacity(70);
    integer(&mut body, r);
    integer(&mut body, s);
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(0x30);
    out.push(u8::try_from(body.len()).unwrap_or(0));
    out.extend_from_slice(&body);
    out
}

/// Decodes DER `SEQUENCE { r INTEGER, s INTEGER }` into raw r‖s. Strict DER: minimal
/// lengths and integers, positive, at most 32 significant bytes, nothing trailing.
pub fn signature_from_der(der: &[u8]) -> Result<[u8; SIGNATURE_LEN], CryptoError> {
    fn take<'a>(input: &mut &'a [u8], tag: u8) -> Option<&'a [u8]> {
        let (&t, rest) = input.split_first()?;
        let (&len, rest) = rest.split_first()?;
        if t != tag || len >= 0x80 {
            return None;
        }
        let len = usize::from(len);
        let body = rest.get(..len)?;
        *input = rest.get(len..)?;
        Some(body)
    }
    fn integer(body: &[u8], out: &mut [u8]) -> Option<()> {
        let (&first, rest) = body.split_first()?;
        if first & 0x80 != 0 {
            return None; // negative
        }
        let digits = if first == 0 {
            // A leading zero is allowed only before a byte with its top bit set.
            if rest.first().is_some_and(|b| b & 0x80 == 0) {
                return None;
            }
            rest
        } else {
            body
        };
        let start = out.len().checked_sub(digits.len())?;
        out.get_mut(start..)?.copy_from_slice(digits);
        Some(())
    }
    let parse = || -> Option<[u8; 64]> {
        let mut input = der;
        let mut seq = take(&mut input, 0x30)?;
        if !input.is_empty() {
            return None;
        }
        let r = take(&mut seq, 0x02)?;
        let s = take(&mut seq, 0x02)?;
        if !seq.is_empty() {
            return None;
        }
        let mut raw = [0u8; 64];
        let (r_out, s_out) = raw.split_at_mut(32);
        integer(r, r_out)?;
        integer(s, s_out)?;
        Some(raw)
    };
    parse().ok_or(CryptoError::BadSignature)
}

/// SEQUENCE { SEQUENCE { id-ecPublicKey, sm2p256v1 }, BIT STRING (65 bytes) }.
pub(super) const SM2_SPKI_PREFIX: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d, 0x03, 0x42, 0x00,
];

#[cfg(test)]
mod tests;
