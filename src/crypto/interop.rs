//! The verify-only key types of the interop profiles (`specs/interop.md`, "Algorithms and
//! keys"): RSA for PS256/PS384/PS512 (RFC 8230), P-384 for ES384 and P-521 for ES512
//! (RFC 9053 §2.1). certseal never signs with them and its own payloads never accept them
//! ([`super::Algorithm::PAYLOAD`]); only `verify::interop` reaches this code.
//!
//! It owns the *profile* checks a key must pass when it is loaded, so that a key which exists
//! is one the verification library will take: RSA modulus size and exponent, point encodings
//! and lengths. The arithmetic is `ring`'s (RSA-PSS, P-384) and RustCrypto `p521`'s (P-521,
//! which ring 0.17 does not verify). It knows nothing of COSE or certificates.

use std::fmt;

use super::{Algorithm, CryptoError};

/// The smallest RSA modulus accepted, in bits (RFC 8230 §6: at least 2048).
pub const RSA_MIN_BITS: u32 = 2048;
/// The largest RSA modulus accepted, in bits (ring's bound; bounds the verification cost).
pub const RSA_MAX_BITS: u32 = 8192;
/// The smallest RSA public exponent accepted: 2^16 + 1 (FIPS 186-5 §A.1.1, NIST SP 800-56B).
pub const RSA_MIN_EXPONENT: u64 = 65_537;
/// The largest RSA public exponent accepted: 2^33 − 1 (ring's bound).
pub const RSA_MAX_EXPONENT: u64 = (1 << 33) - 1;

/// What kind of public key a [`super::VerifyingKey`] holds, and so which algorithms it can
/// verify ([`KeyType::algorithms`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// Ed25519.
    Ed25519,
    /// SM2 (sm2p256v1), feature `sm2`.
    Sm2,
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// The modulus length in bits.
        bits: u32,
    },
}

impl KeyType {
    /// The algorithms a key of this type verifies under certseal's rules: each elliptic curve
    /// with its one hash (P-256 ↔ ES256, P-384 ↔ ES384, P-521 ↔ ES512, as RFC 9053 §2.1
    /// recommends and JOSE requires), an RSA key with any PSS hash (RFC 8230 §2).
    pub fn algorithms(self) -> &'static [Algorithm] {
        match self {
            KeyType::P256 => &[Algorithm::Es256],
            KeyType::P384 => &[Algorithm::Es384],
            KeyType::P521 => &[Algorithm::Es512],
            KeyType::Ed25519 => &[Algorithm::EdDsa],
            #[cfg(feature = "sm2")]
            KeyType::Sm2 => &[Algorithm::Sm2],
            #[cfg(not(feature = "sm2"))]
            KeyType::Sm2 => &[],
            KeyType::Rsa { .. } => &[Algorithm::Ps256, Algorithm::Ps384, Algorithm::Ps512],
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::P256 => f.write_str("a P-256 key"),
            KeyType::P384 => f.write_str("a P-384 key"),
            KeyType::P521 => f.write_str("a P-521 key"),
            KeyType::Ed25519 => f.write_str("an Ed25519 key"),
            KeyType::Sm2 => f.write_str("an SM2 key"),
            KeyType::Rsa { bits } => write!(f, "a {bits}-bit RSA key"),
        }
    }
}

/// The length of an uncompressed SEC1 point for a prime-field curve with `field_len`-byte
/// coordinates.
const fn uncompressed_len(field_len: usize) -> usize {
    1 + 2 * field_len
}

/// P-384 coordinates are 48 bytes; the COSE signature r‖s is 96.
pub(super) const P384_POINT_LEN: usize = uncompressed_len(48);
/// P-521 coordinates are 66 bytes; the COSE signature r‖s is 132.
pub(super) const P521_POINT_LEN: usize = uncompressed_len(66);
/// The length of an ES512 signature (r‖s, 66 bytes each, RFC 9053 §2.1).
pub const ES512_SIGNATURE_LEN: usize = 132;

/// Checks the SEC1 encoding of an uncompressed point of `len` bytes (`0x04 ‖ x ‖ y`).
pub(super) fn check_uncompressed(
    raw: &[u8],
    len: usize,
    what: &'static str,
) -> Result<(), CryptoError> {
    if raw.len() != len || raw.first() != Some(&0x04) {
        return Err(CryptoError::BadPublicKey(what));
    }
    Ok(())
}

/// A P-521 public key, checked on the curve once when it is loaded (RustCrypto `p521`).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct P521Key(p521::ecdsa::VerifyingKey);

impl P521Key {
    /// From the 133-byte uncompressed point; the point must lie on the curve.
    pub(super) fn from_sec1(raw: &[u8]) -> Result<Self, CryptoError> {
        check_uncompressed(
            raw,
            P521_POINT_LEN,
            "P-521 key must be a 133-byte uncompressed point",
        )?;
        p521::ecdsa::VerifyingKey::from_sec1_bytes(raw)
            .map(P521Key)
            .map_err(|_| CryptoError::BadPublicKey("P-521 point is not on the curve"))
    }

    /// ES512: ECDSA with SHA-512 over `message`, `sig` the 132-byte r‖s. High-S is accepted
    /// (plain ECDSA, as ring does for P-256 and P-384).
    pub(super) fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        use p521::ecdsa::signature::Verifier as _;
        if sig.len() != ES512_SIGNATURE_LEN {
            return Err(CryptoError::BadSignature);
        }
        let sig = p521::ecdsa::Signature::from_slice(sig).map_err(|_| CryptoError::BadSignature)?;
        self.0
            .verify(message, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}

/// An RSA public key that passed the profile's checks: the DER `RSAPublicKey` (PKCS #1) as
/// ring takes it, and the modulus length.
pub(super) struct RsaKey {
    /// The modulus length in bits.
    pub(super) bits: u32,
}

impl RsaKey {
    /// Checks a DER `RSAPublicKey` (`SEQUENCE { modulus INTEGER, publicExponent INTEGER }`):
    /// both integers positive and minimally encoded, nothing after the sequence, the modulus
    /// odd and of [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`] bits, the exponent odd and in
    /// [`RSA_MIN_EXPONENT`]..=[`RSA_MAX_EXPONENT`].
    pub(super) fn check(der: &[u8]) -> Result<Self, CryptoError> {
        let mut r = Der(der);
        let mut seq = Der(r.take(0x30).ok_or(BAD_RSA_DER)?);
        if !r.0.is_empty() {
            return Err(CryptoError::BadPublicKey(
                "trailing bytes after the RSA public key",
            ));
        }
        let n = seq.positive_integer().ok_or(BAD_RSA_DER)?;
        let e = seq.positive_integer().ok_or(BAD_RSA_DER)?;
        if !seq.0.is_empty() {
            return Err(BAD_RSA_DER);
        }
        let bits = bit_len(n);
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(CryptoError::RsaModulusSize {
                bits,
                min: RSA_MIN_BITS,
                max: RSA_MAX_BITS,
            });
        }
        if n.last().is_some_and(|b| b & 1 == 0) {
            return Err(CryptoError::BadPublicKey("RSA modulus is even"));
        }
        let exponent = match e.len() {
            1..=8 => e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
            _ => u64::MAX,
        };
        if exponent % 2 == 0 || !(RSA_MIN_EXPONENT..=RSA_MAX_EXPONENT).contains(&exponent) {
            return Err(CryptoError::RsaExponent {
                exponent: e.iter().fold(String::new(), |mut s, b| {
                    s.push_str(&format!("{b:02x}"));
                    s
                }),
            });
        }
        Ok(RsaKey { bits })
    }
}

const BAD_RSA_DER: CryptoError = CryptoError::BadPublicKey("not a DER RSAPublicKey (PKCS #1)");

/// The bit length of a big-endian unsigned integer without leading zero bytes.
fn bit_len(n: &[u8]) -> u32 {
    let Some(first) = n.first() else { return 0 };
    let bytes = u32::try_from(n.len()).unwrap_or(u32::MAX);
    bytes
        .saturating_sub(1)
        .saturating_mul(8)
        .saturating_add(8 - first.leading_zeros())
}

/// A minimal DER reader for the two integers of an `RSAPublicKey`: definite lengths in
/// minimal form only, as DER requires (x509-parser reads the certificate around it; ring
/// re-reads these bytes at each verification and would refuse what this refuses).
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    /// The contents of the next element, which must carry `tag`.
    fn take(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&t, rest) = self.0.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 2 {
                return None; // indefinite, or longer than any key this profile takes
            }
            let (len_bytes, after) = rest.split_at_checked(count)?;
            rest = after;
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            // Minimal: no leading zero length byte, long form only from 128 on.
            if len_bytes.first() == Some(&0) || len < 0x80 {
                return None;
            }
            len
        };
        let (contents, rest) = rest.split_at_checked(len)?;
        self.0 = rest;
        Some(contents)
    }

    /// The magnitude of the next INTEGER, which must be positive and minimally encoded.
    fn positive_integer(&mut self) -> Option<&'a [u8]> {
        let bytes = self.take(0x02)?;
        match bytes {
            [] => None,
            [0, next, ..] if next & 0x80 != 0 => bytes.get(1..),
            [0, ..] => None, // zero, or a leading zero that is not needed
            [first, ..] if first & 0x80 != 0 => None, // negative
            _ => Some(bytes),
        }
    }
}

/// The DER `RSAPublicKey` of a modulus and exponent given as unsigned big-endian bytes.
pub(super) fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let integer = |magnitude: &[u8], out: &mut Vec<u8>| {
        let skip = magnitude.iter().take_while(|b| **b == 0).count();
        let digits = magnitude.get(skip..).unwrap_or_default();
        let mut contents = Vec::with_capacity(digits.len() + 1);
        if digits.first().is_none_or(|b| b & 0x80 != 0) {
            contents.push(0);
        }
        contents.extend_from_slice(digits);
        der_element(0x02, &contents, out);
    };
    let mut body = Vec::with_capacity(n.len() + e.len() + 10);
    integer(n, &mut body);
    integer(e, &mut body);
    let mut out = Vec::with_capacity(body.len() + 4);
    der_element(0x30, &body, &mut out);
    out
}

/// The DER `SubjectPublicKeyInfo` of an `RSAPublicKey` (algorithm rsaEncryption, NULL
/// parameters).
pub(super) fn rsa_spki(rsa_public_key: &[u8]) -> Vec<u8> {
    // AlgorithmIdentifier { rsaEncryption, NULL }
    const ALG: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(rsa_public_key);
    let mut body = ALG.to_vec();
    der_element(0x03, &bits, &mut body);
    let mut out = Vec::with_capacity(body.len() + 4);
    der_element(0x30, &body, &mut out);
    out
}

/// Appends `tag ‖ length ‖ contents` in DER.
fn der_element(tag: u8, contents: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = contents.len();
    let be = len.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count();
    let significant = be.get(skip..).unwrap_or_default();
    if len < 0x80 {
        out.extend_from_slice(significant);
        if significant.is_empty() {
            out.push(0);
        }
    } else {
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0x7f));
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
}

/// The fixed DER prefix of a P-384 SubjectPublicKeyInfo, before the 97-byte point.
pub(super) const P384_SPKI_PREFIX: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];
/// The fixed DER prefix of a P-521 SubjectPublicKeyInfo, before the 133-byte point.
pub(super) const P521_SPKI_PREFIX: &[u8] = &[
    0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
    0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00,
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// `SEQUENCE { INTEGER n, INTEGER e }` with `n` of `bits` bits (top and bottom bit set).
    fn rsa_der(bits: usize, e: &[u8]) -> Vec<u8> {
        let mut n = vec![0xffu8; bits.div_ceil(8)];
        let spare = n.len() * 8 - bits;
        n[0] >>= spare;
        let mut n_int = Vec::new();
        if n[0] & 0x80 != 0 {
            n_int.push(0);
        }
        n_int.extend_from_slice(&n);
        let mut body = Vec::new();
        der_element(0x02, &n_int, &mut body);
        der_element(0x02, e, &mut body);
        let mut out = Vec::new();
        der_element(0x30, &body, &mut out);
        out
    }

    #[test]
    fn accepts_rsa_modulus_of_2048_to_8192_bits() {
        for bits in [2048, 3072, 4096, 8192] {
            assert_eq!(
                RsaKey::check(&rsa_der(bits, &[1, 0, 1])).unwrap().bits,
                bits as u32
            );
        }
    }

    #[test]
    fn rejects_rsa_modulus_below_2048_or_above_8192_bits() {
        for bits in [1024, 2047, 8193] {
            let err = RsaKey::check(&rsa_der(bits, &[1, 0, 1])).err().unwrap();
            assert!(
                matches!(err, CryptoError::RsaModulusSize { bits: b, .. } if b == bits as u32),
                "{bits}: {err}"
            );
        }
    }

    #[test]
    fn rejects_rsa_exponent_3_even_or_above_2_pow_33() {
        for e in [&[3u8][..], &[1, 0, 0], &[4, 0, 0, 0, 1], &[0x7f; 9]] {
            let err = RsaKey::check(&rsa_der(2048, e)).err().unwrap();
            assert!(
                matches!(err, CryptoError::RsaExponent { .. }),
                "{e:?}: {err}"
            );
        }
        RsaKey::check(&rsa_der(2048, &[1, 0, 0, 0, 1])).unwrap();
    }

    #[test]
    fn rejects_non_minimal_or_negative_rsa_integers() {
        let good = rsa_der(2048, &[1, 0, 1]);
        // The exponent with a needless leading zero.
        let mut padded = good.clone();
        let at = padded.len() - 3;
        padded.splice(at - 2..at, [0x02, 0x04, 0x00]);
        padded[3] = padded[3].wrapping_add(1);
        assert!(RsaKey::check(&padded).is_err());
        // Trailing bytes.
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(RsaKey::check(&trailing).is_err());
        // Cut short.
        assert!(RsaKey::check(&good[..good.len() - 1]).is_err());
        assert!(RsaKey::check(&[]).is_err());
    }

    #[test]
    fn rsa_components_encode_as_minimal_der() {
        let der = rsa_der(2048, &[1, 0, 1]);
        let mut n = vec![0u8; 3]; // leading zeros are dropped
        n.extend_from_slice(&[0xffu8; 256]);
        assert_eq!(rsa_public_key_der(&n, &[0, 1, 0, 1]), der);
        let key =
            crate::crypto::VerifyingKey::from_rsa_components(Algorithm::Ps384, &n, &[1, 0, 1])
                .unwrap();
        assert_eq!(key.key_type(), KeyType::Rsa { bits: 2048 });
        assert!(
            crate::crypto::VerifyingKey::from_rsa_components(Algorithm::Es256, &n, &[1, 0, 1])
                .is_err()
        );
    }

    #[test]
    fn rsa_spki_wraps_the_key_as_x509_parser_reads_it() {
        use x509_parser::prelude::FromDer;
        let key = rsa_der(2048, &[1, 0, 1]);
        let spki = rsa_spki(&key);
        let (rest, parsed) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki).unwrap();
        assert!(rest.is_empty());
        assert_eq!(parsed.subject_public_key.data.as_ref(), &key[..]);
        assert_eq!(
            parsed.algorithm.algorithm,
            x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION
        );
    }

    #[test]
    fn key_types_bind_curves_to_one_hash_and_rsa_to_every_pss_hash() {
        assert_eq!(KeyType::P384.algorithms(), &[Algorithm::Es384]);
        assert_eq!(KeyType::P521.algorithms(), &[Algorithm::Es512]);
        assert_eq!(KeyType::Rsa { bits: 2048 }.algorithms().len(), 3);
        assert_eq!(
            KeyType::Rsa { bits: 3072 }.to_string(),
            "a 3072-bit RSA key"
        );
    }
}
