//! Signature algorithms. This module owns keys and the bare sign/verify calls; it knows nothing
//! about COSE, certificates or trust lists.
//!
//! - [`Algorithm`]: the algorithms certseal speaks, with their COSE values.
//! - [`Signer`]: anything that signs (a `ring` key in memory today, a hardware key later).
//! - [`VerifyingKey`]: a public key parsed once, when the trust list loads.
//! - `sm2` (feature `sm2`): SM2 with SM3, [`sm2::Sm2Signer`] and [`sm2::Sm2VerifyingKey`].
//! - [`KeyType`] and the verify-only keys of the interop profiles (`interop.rs`): RSA-PSS,
//!   P-384 and P-521, with the load-time checks of `specs/interop.md`.
//!
//! Files and certificates are not its business: key files are read and written by `trust`
//! ([`crate::trust::read_private_key`]), SM2 certificates written by `trust::sm2_cert`.

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};

pub(crate) mod ec;
mod interop;
#[cfg(feature = "sm2")]
pub mod sm2;
mod token;

pub use self::token::{find_token, sha256, TokenDigest};

pub use interop::{
    KeyType, ES512_SIGNATURE_LEN, RSA_MAX_BITS, RSA_MAX_EXPONENT, RSA_MIN_BITS, RSA_MIN_EXPONENT,
};

/// A signature algorithm, identified on the wire by its COSE value (RFC 9053).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256, signature as raw r‖s (COSE -7).
    Es256,
    /// EdDSA on Ed25519 (COSE -8).
    EdDsa,
    /// SM2 on sm2p256v1 with SM3 (GB/T 32918), signature as raw r‖s, under the private-use
    /// COSE value [`sm2::COSE_ALG_SM2_SM3`] (-65538).
    #[cfg(feature = "sm2")]
    Sm2,
    /// ECDSA on P-384 with SHA-384, raw r‖s of 96 bytes (COSE -35). Interop only.
    Es384,
    /// ECDSA on P-521 with SHA-512, raw r‖s of 132 bytes (COSE -36). Interop only.
    Es512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, 32-byte salt (COSE -37, RFC 8230).
    /// Interop only.
    Ps256,
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384, 48-byte salt (COSE -38). Interop only.
    Ps384,
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512, 64-byte salt (COSE -39). Interop only.
    Ps512,
}

impl Algorithm {
    /// The COSE algorithm value.
    pub const fn cose_value(self) -> i64 {
        match self {
            Algorithm::Es256 => -7,
            Algorithm::EdDsa => -8,
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => sm2::COSE_ALG_SM2_SM3,
            Algorithm::Es384 => -35,
            Algorithm::Es512 => -36,
            Algorithm::Ps256 => -37,
            Algorithm::Ps384 => -38,
            Algorithm::Ps512 => -39,
        }
    }

    /// The algorithm with COSE value `value`, if certseal supports it.
    pub const fn from_cose(value: i64) -> Option<Self> {
        match value {
            -7 => Some(Algorithm::Es256),
            -8 => Some(Algorithm::EdDsa),
            #[cfg(feature = "sm2")]
            sm2::COSE_ALG_SM2_SM3 => Some(Algorithm::Sm2),
            -35 => Some(Algorithm::Es384),
            -36 => Some(Algorithm::Es512),
            -37 => Some(Algorithm::Ps256),
            -38 => Some(Algorithm::Ps384),
            -39 => Some(Algorithm::Ps512),
            _ => None,
        }
    }

    /// The name used on the command line and in JSON (`ES256`, `EdDSA`, `SM2`).
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::EdDsa => "EdDSA",
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => "SM2",
            Algorithm::Es384 => "ES384",
            Algorithm::Es512 => "ES512",
            Algorithm::Ps256 => "PS256",
            Algorithm::Ps384 => "PS384",
            Algorithm::Ps512 => "PS512",
        }
    }

    /// Parses a name as printed by [`Algorithm::name`] (case-insensitive; `ed25519` and
    /// `sm2-sm3` too).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "es256" | "p256" | "p-256" => Some(Algorithm::Es256),
            "eddsa" | "ed25519" => Some(Algorithm::EdDsa),
            #[cfg(feature = "sm2")]
            "sm2" | "sm2-sm3" | "sm2sm3" => Some(Algorithm::Sm2),
            "es384" => Some(Algorithm::Es384),
            "es512" => Some(Algorithm::Es512),
            "ps256" => Some(Algorithm::Ps256),
            "ps384" => Some(Algorithm::Ps384),
            "ps512" => Some(Algorithm::Ps512),
            _ => None,
        }
    }

    /// Every algorithm this build both signs and verifies (key generation, `certseal speed`):
    /// the same set as [`Algorithm::PAYLOAD`]. The verify-only algorithms of the interop
    /// profiles are in [`Algorithm::INTEROP`], not here.
    #[cfg(not(feature = "sm2"))]
    pub const ALL: &'static [Algorithm] = &[Algorithm::Es256, Algorithm::EdDsa];
    /// Every algorithm this build both signs and verifies (key generation, `certseal speed`):
    /// the same set as [`Algorithm::PAYLOAD`]. The verify-only algorithms of the interop
    /// profiles are in [`Algorithm::INTEROP`], not here.
    #[cfg(feature = "sm2")]
    pub const ALL: &'static [Algorithm] = &[Algorithm::Es256, Algorithm::EdDsa, Algorithm::Sm2];

    /// Every algorithm this build verifies: the `generic` interop profile accepts these
    /// ([`Algorithm::ALL`] and the verify-only ES384, ES512, PS256, PS384, PS512). An
    /// algorithm added for interop joins this list only, never [`Algorithm::PAYLOAD`].
    #[cfg(not(feature = "sm2"))]
    pub const INTEROP: &'static [Algorithm] = &[
        Algorithm::Es256,
        Algorithm::EdDsa,
        Algorithm::Es384,
        Algorithm::Es512,
        Algorithm::Ps256,
        Algorithm::Ps384,
        Algorithm::Ps512,
    ];
    /// Every algorithm this build verifies: the `generic` interop profile accepts these
    /// ([`Algorithm::ALL`] and the verify-only ES384, ES512, PS256, PS384, PS512). An
    /// algorithm added for interop joins this list only, never [`Algorithm::PAYLOAD`].
    #[cfg(feature = "sm2")]
    pub const INTEROP: &'static [Algorithm] = &[
        Algorithm::Es256,
        Algorithm::EdDsa,
        Algorithm::Sm2,
        Algorithm::Es384,
        Algorithm::Es512,
        Algorithm::Ps256,
        Algorithm::Ps384,
        Algorithm::Ps512,
    ];

    /// The algorithms certseal signs its own payloads, documents and certificates with, and
    /// the default policy of [`crate::verify::Verifier`]: the narrow set of
    /// `specs/qr-payload.md`.
    #[cfg(not(feature = "sm2"))]
    pub const PAYLOAD: &'static [Algorithm] = &[Algorithm::Es256, Algorithm::EdDsa];
    /// The algorithms certseal signs its own payloads, documents and certificates with, and
    /// the default policy of [`crate::verify::Verifier`]: the narrow set of
    /// `specs/qr-payload.md`.
    #[cfg(feature = "sm2")]
    pub const PAYLOAD: &'static [Algorithm] = &[Algorithm::Es256, Algorithm::EdDsa, Algorithm::Sm2];
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Errors of the crypto layer. Signature failures are deliberately opaque.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The signature did not verify.
    #[error("signature did not verify")]
    BadSignature,
    /// A private key could not be read.
    #[error("private key rejected: {0}")]
    BadPrivateKey(&'static str),
    /// A public key could not be read.
    #[error("public key rejected: {0}")]
    BadPublicKey(&'static str),
    /// The key's algorithm is not the one asked for.
    #[error("key algorithm mismatch: got {got}, expected {expected}")]
    AlgorithmMismatch {
        /// The algorithm of the key.
        got: Algorithm,
        /// The algorithm asked for.
        expected: Algorithm,
    },
    /// The signing operation failed.
    #[error("signing failed")]
    SigningFailed,
    /// A PEM file did not hold the expected block.
    #[error("PEM: {0}")]
    Pem(String),
    /// An RSA modulus outside the profile's bounds (`specs/interop.md`).
    #[error("RSA modulus: got {bits} bits, expected {min}..={max}")]
    RsaModulusSize {
        /// The modulus length received.
        bits: u32,
        /// The smallest length accepted ([`RSA_MIN_BITS`]).
        min: u32,
        /// The largest length accepted ([`RSA_MAX_BITS`]).
        max: u32,
    },
    /// An RSA public exponent outside the profile's bounds: it must be odd and in
    /// [`RSA_MIN_EXPONENT`]..=[`RSA_MAX_EXPONENT`].
    #[error("RSA public exponent: got 0x{exponent}, expected an odd value from 65537 to 2^33-1")]
    RsaExponent {
        /// The exponent received, in hex.
        exponent: String,
    },
    /// A key of this type cannot verify that algorithm (a P-256 key asked for ES512, an RSA
    /// key asked for ES256, …).
    #[error("{key} does not verify {alg}")]
    KeyTypeMismatch {
        /// The key's type.
        key: KeyType,
        /// The algorithm asked for.
        alg: Algorithm,
    },
    /// The algorithm is verify-only in certseal (the interop algorithms): no signer holds it.
    #[error("{0} is verified in interop mode only; certseal does not sign with it")]
    VerifyOnly(Algorithm),
    /// A bearer-token digest was not 64 hexadecimal digits of SHA-256.
    #[error("token digest: {0}")]
    TokenDigest(String),
}

/// Something that signs. Implemented by [`RingSigner`]; a hardware key plugs in here.
///
/// `sign` returns the signature in its COSE form (raw r‖s for ECDSA).
pub trait Signer: Send + Sync {
    /// The algorithm of this key.
    fn algorithm(&self) -> Algorithm;
    /// The public key as a DER SubjectPublicKeyInfo.
    fn public_key_spki(&self) -> Vec<u8>;
    /// Signs `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

enum RingKey {
    Es256(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key held in memory by `ring`.
pub struct RingSigner {
    key: RingKey,
    rng: SystemRandom,
}

impl fmt::Debug for RingSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingSigner")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl RingSigner {
    /// Generates a fresh key; returns the signer and its PKCS#8 DER encoding.
    pub fn generate(alg: Algorithm) -> Result<(Self, Vec<u8>), CryptoError> {
        let rng = SystemRandom::new();
        let pkcs8 = match alg {
            Algorithm::Es256 => {
                EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            }
            Algorithm::EdDsa => Ed25519KeyPair::generate_pkcs8(&rng),
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => return Err(ring_has_no_sm2()),
            verify_only => return Err(CryptoError::VerifyOnly(verify_only)),
        }
        .map_err(|_| CryptoError::SigningFailed)?;
        let der = pkcs8.as_ref().to_vec();
        Ok((Self::from_pkcs8(alg, &der)?, der))
    }

    /// Reads a PKCS#8 DER private key of algorithm `alg`.
    pub fn from_pkcs8(alg: Algorithm, der: &[u8]) -> Result<Self, CryptoError> {
        let rng = SystemRandom::new();
        let key = match alg {
            Algorithm::Es256 => RingKey::Es256(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
                    .map_err(|_| CryptoError::BadPrivateKey("not a P-256 PKCS#8 key"))?,
            ),
            Algorithm::EdDsa => RingKey::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|_| CryptoError::BadPrivateKey("not an Ed25519 PKCS#8 key"))?,
            ),
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => return Err(ring_has_no_sm2()),
            verify_only => return Err(CryptoError::VerifyOnly(verify_only)),
        };
        Ok(Self { key, rng })
    }

    /// Reads a PKCS#8 DER private key, trying each algorithm.
    pub fn from_pkcs8_any(der: &[u8]) -> Result<Self, CryptoError> {
        Self::from_pkcs8(Algorithm::Es256, der)
            .or_else(|_| Self::from_pkcs8(Algorithm::EdDsa, der))
            .map_err(|_| CryptoError::BadPrivateKey("neither a P-256 nor an Ed25519 PKCS#8 key"))
    }

    /// An Ed25519 key from a 32-byte seed (deterministic; for test vectors).
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> Result<Self, CryptoError> {
        let key = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| CryptoError::BadPrivateKey("bad Ed25519 seed"))?;
        Ok(Self {
            key: RingKey::Ed25519(key),
            rng: SystemRandom::new(),
        })
    }

    /// The raw public key (uncompressed SEC1 point for P-256, 32 bytes for Ed25519).
    pub fn public_key_raw(&self) -> &[u8] {
        match &self.key {
            RingKey::Es256(k) => k.public_key().as_ref(),
            RingKey::Ed25519(k) => k.public_key().as_ref(),
        }
    }
}

/// `ring` has no SM2: those keys are held by [`sm2::Sm2Signer`].
#[cfg(feature = "sm2")]
#[cold]
fn ring_has_no_sm2() -> CryptoError {
    CryptoError::BadPrivateKey("SM2 keys are held by Sm2Signer, not RingSigner")
}

impl Signer for RingSigner {
    fn algorithm(&self) -> Algorithm {
        match self.key {
            RingKey::Es256(_) => Algorithm::Es256,
            RingKey::Ed25519(_) => Algorithm::EdDsa,
        }
    }

    fn public_key_spki(&self) -> Vec<u8> {
        spki_from_raw(self.algorithm(), self.public_key_raw())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.key {
            RingKey::Es256(k) => {
                let mut sig = k
                    .sign(&self.rng, message)
                    .map_err(|_| CryptoError::SigningFailed)?
                    .as_ref()
                    .to_vec();
                p256_normalize_s(&mut sig);
                Ok(sig)
            }
            RingKey::Ed25519(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }
}

/// A public key, checked and ready to verify. Parsed once when a trust list loads.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    alg: Algorithm,
    raw: Box<[u8]>,
    /// For SM2: the checked point with its Z, computed here once.
    #[cfg(feature = "sm2")]
    sm2: Option<Box<sm2::Sm2VerifyingKey>>,
    /// The key's type (for RSA, with the modulus length).
    kind: KeyType,
    /// For ES512: the point, checked on the curve once (ring 0.17 has no P-521).
    p521: Option<Box<interop::P521Key>>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("len", &self.raw.len())
            .finish()
    }
}

const P256_SPKI_PREFIX: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const ED25519_SPKI_PREFIX: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The DER SubjectPublicKeyInfo for a raw public key (for RSA, `raw` is the DER
/// `RSAPublicKey`).
pub fn spki_from_raw(alg: Algorithm, raw: &[u8]) -> Vec<u8> {
    let prefix = match alg {
        Algorithm::Es256 => P256_SPKI_PREFIX,
        Algorithm::EdDsa => ED25519_SPKI_PREFIX,
        #[cfg(feature = "sm2")]
        Algorithm::Sm2 => sm2::SM2_SPKI_PREFIX,
        Algorithm::Es384 => interop::P384_SPKI_PREFIX,
        Algorithm::Es512 => interop::P521_SPKI_PREFIX,
        Algorithm::Ps256 | Algorithm::Ps384 | Algorithm::Ps512 => return interop::rsa_spki(raw),
    };
    let mut out = Vec::with_capacity(prefix.len() + raw.len());
    out.extend_from_slice(prefix);
    out.extend_from_slice(raw);
    out
}

impl VerifyingKey {
    /// A key from its raw form: a 65-byte uncompressed P-256 or SM2 point, or 32 Ed25519
    /// bytes; for the interop algorithms a 97-byte P-384 or 133-byte P-521 uncompressed point,
    /// or a DER `RSAPublicKey` (PKCS #1) for PS256/PS384/PS512. An SM2 key gets the default
    /// distinguishing identifier. Interop keys pass the checks of `specs/interop.md` here,
    /// once: RSA modulus size and exponent, P-521 point on the curve.
    pub fn from_raw(alg: Algorithm, raw: &[u8]) -> Result<Self, CryptoError> {
        let mut kind = match alg {
            Algorithm::Es256 => KeyType::P256,
            Algorithm::EdDsa => KeyType::Ed25519,
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => KeyType::Sm2,
            Algorithm::Es384 => KeyType::P384,
            Algorithm::Es512 => KeyType::P521,
            Algorithm::Ps256 | Algorithm::Ps384 | Algorithm::Ps512 => KeyType::Rsa { bits: 0 },
        };
        let mut p521 = None;
        match alg {
            Algorithm::Es256 => {
                if raw.len() != 65 || raw.first() != Some(&0x04) {
                    return Err(CryptoError::BadPublicKey(
                        "P-256 key must be a 65-byte uncompressed point",
                    ));
                }
            }
            Algorithm::EdDsa => {
                if raw.len() != 32 {
                    return Err(CryptoError::BadPublicKey("Ed25519 key must be 32 bytes"));
                }
            }
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => return Self::sm2_with_id(raw, sm2::DEFAULT_ID),
            Algorithm::Es384 => interop::check_uncompressed(
                raw,
                interop::P384_POINT_LEN,
                "P-384 key must be a 97-byte uncompressed point",
            )?,
            Algorithm::Es512 => p521 = Some(Box::new(interop::P521Key::from_sec1(raw)?)),
            Algorithm::Ps256 | Algorithm::Ps384 | Algorithm::Ps512 => {
                kind = KeyType::Rsa {
                    bits: interop::RsaKey::check(raw)?.bits,
                };
            }
        }
        Ok(Self {
            alg,
            raw: raw.into(),
            #[cfg(feature = "sm2")]
            sm2: None,
            kind,
            p521,
        })
    }

    /// An RSA key from its modulus `n` and public exponent `e` (unsigned big-endian, leading
    /// zero bytes allowed), as JWK and COSE_Key (RFC 8230 §4) carry them, bound to `alg`
    /// (PS256, PS384 or PS512). The same checks as [`VerifyingKey::from_raw`].
    pub fn from_rsa_components(alg: Algorithm, n: &[u8], e: &[u8]) -> Result<Self, CryptoError> {
        if !(KeyType::Rsa { bits: 0 }).algorithms().contains(&alg) {
            return Err(CryptoError::KeyTypeMismatch {
                key: KeyType::Rsa { bits: 0 },
                alg,
            });
        }
        Self::from_raw(alg, &interop::rsa_public_key_der(n, e))
    }

    /// The key's type: which curve, or RSA with its modulus length.
    pub fn key_type(&self) -> KeyType {
        self.kind
    }

    /// The same key bound to another algorithm its type verifies ([`KeyType::algorithms`]):
    /// an RSA key read as PS256 rebound to PS384, say. A curve keeps its one algorithm.
    pub fn with_algorithm(&self, alg: Algorithm) -> Result<Self, CryptoError> {
        if !self.kind.algorithms().contains(&alg) {
            return Err(CryptoError::KeyTypeMismatch {
                key: self.kind,
                alg,
            });
        }
        let mut key = self.clone();
        key.alg = alg;
        Ok(key)
    }

    /// An SM2 key from a 65-byte uncompressed point, with distinguishing identifier `id`.
    #[cfg(feature = "sm2")]
    pub fn sm2_with_id(raw: &[u8], id: &[u8]) -> Result<Self, CryptoError> {
        let key = sm2::Sm2VerifyingKey::from_sec1_with_id(raw, id)?;
        Ok(Self {
            alg: Algorithm::Sm2,
            raw: raw.into(),
            sm2: Some(Box::new(key)),
            kind: KeyType::Sm2,
            p521: None,
        })
    }

    /// The parsed SM2 key (with its Z), if this is an SM2 key.
    #[cfg(feature = "sm2")]
    pub fn sm2(&self) -> Option<&sm2::Sm2VerifyingKey> {
        self.sm2.as_deref()
    }

    /// A key from a DER SubjectPublicKeyInfo (P-256, Ed25519, or SM2 with feature `sm2`; for
    /// the interop profiles P-384, P-521 and RSA (rsaEncryption), an RSA key bound to PS256:
    /// [`VerifyingKey::with_algorithm`] rebinds it).
    pub fn from_spki(der: &[u8]) -> Result<Self, CryptoError> {
        use x509_parser::prelude::FromDer;
        let (rest, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(der)
            .map_err(|_| CryptoError::BadPublicKey("not a DER SubjectPublicKeyInfo"))?;
        if !rest.is_empty() {
            return Err(CryptoError::BadPublicKey(
                "trailing bytes after SubjectPublicKeyInfo",
            ));
        }
        Self::from_x509_spki(&spki)
    }

    /// A key from a parsed X.509 SubjectPublicKeyInfo.
    pub fn from_x509_spki(
        spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
    ) -> Result<Self, CryptoError> {
        use x509_parser::oid_registry as oids;
        let alg_oid = &spki.algorithm.algorithm;
        let raw = spki.subject_public_key.data.as_ref();
        if *alg_oid == oids::OID_SIG_ED25519 {
            return Self::from_raw(Algorithm::EdDsa, raw);
        }
        if *alg_oid == oids::OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            if curve.as_ref() == Some(&oids::OID_EC_P256) {
                return Self::from_raw(Algorithm::Es256, raw);
            }
            #[cfg(feature = "sm2")]
            if curve.as_ref().map(|c| c.as_bytes()) == Some(sm2::OID_SM2P256V1) {
                return Self::from_raw(Algorithm::Sm2, raw);
            }
            if curve.as_ref() == Some(&oids::OID_NIST_EC_P384) {
                return Self::from_raw(Algorithm::Es384, raw);
            }
            if curve.as_ref() == Some(&oids::OID_NIST_EC_P521) {
                return Self::from_raw(Algorithm::Es512, raw);
            }
            return Err(CryptoError::BadPublicKey("unsupported elliptic curve"));
        }
        if *alg_oid == oids::OID_PKCS1_RSAENCRYPTION {
            return Self::from_raw(Algorithm::Ps256, raw);
        }
        if *alg_oid == oids::OID_PKCS1_RSASSAPSS {
            return Err(CryptoError::BadPublicKey(
                "id-RSASSA-PSS public keys are not supported: use rsaEncryption (specs/interop.md)",
            ));
        }
        Err(CryptoError::BadPublicKey(
            "unsupported public key algorithm",
        ))
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The raw public key bytes.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Verifies `sig` (COSE form) over `message`.
    #[inline]
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let alg: &dyn signature::VerificationAlgorithm = match self.alg {
            Algorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
            Algorithm::EdDsa => &signature::ED25519,
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => {
                return match &self.sm2 {
                    Some(key) => key.verify(message, sig),
                    None => Err(CryptoError::BadSignature),
                }
            }
            Algorithm::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
            Algorithm::Es512 => {
                return match &self.p521 {
                    Some(key) => key.verify(message, sig),
                    None => Err(CryptoError::BadSignature),
                }
            }
            Algorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
        };
        signature::UnparsedPublicKey::new(alg, &self.raw)
            .verify(message, sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}

/// Encodes DER bytes as a PEM block with the given label.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

/// True when `bytes` hold a PEM block (`-----BEGIN ` after optional leading whitespace). DER
/// never starts with whitespace or `-`, so the two cannot be confused.
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes
        .get(start..)
        .is_some_and(|rest| rest.starts_with(b"-----BEGIN "))
}

/// Reads the first PEM block labelled `label`; bytes that are not PEM are taken as DER.
pub fn from_pem_or_der(label: &str, bytes: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if !looks_like_pem(bytes) {
        return Ok(bytes.to_vec());
    }
    let blocks = pem::parse_many(bytes).map_err(|e| CryptoError::Pem(e.to_string()))?;
    blocks
        .into_iter()
        .find(|p| p.tag() == label)
        .map(|p| p.into_contents())
        .ok_or_else(|| CryptoError::Pem(format!("no \"{label}\" block found")))
}

/// Generates a key of algorithm `alg` with whichever signer holds that algorithm; returns the
/// signer and its PKCS#8 DER encoding.
pub fn generate_signer(alg: Algorithm) -> Result<(Box<dyn Signer>, Vec<u8>), CryptoError> {
    if !Algorithm::ALL.contains(&alg) {
        return Err(CryptoError::VerifyOnly(alg));
    }
    #[cfg(feature = "sm2")]
    if alg == Algorithm::Sm2 {
        let (signer, der) = sm2::Sm2Signer::generate()?;
        return Ok((Box::new(signer), der));
    }
    let (signer, der) = RingSigner::generate(alg)?;
    Ok((Box::new(signer), der))
}

/// Reads a PKCS#8 DER private key of any algorithm this build supports (SM2 keys with the
/// default distinguishing identifier).
pub fn signer_from_pkcs8(der: &[u8]) -> Result<Box<dyn Signer>, CryptoError> {
    if let Ok(signer) = RingSigner::from_pkcs8_any(der) {
        return Ok(Box::new(signer));
    }
    #[cfg(feature = "sm2")]
    if let Ok(signer) = sm2::Sm2Signer::from_pkcs8(der) {
        return Ok(Box::new(signer));
    }
    Err(CryptoError::BadPrivateKey(
        "not a PKCS#8 key of a supported algorithm",
    ))
}

#[cfg(test)]
mod tests;

/// The order n of the P-256 group, big-endian.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// ⌊n / 2⌋ for P-256, big-endian.
const P256_HALF_N: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// True when a raw r‖s P-256 signature has s ≤ n/2 (the "low-S" form certseal issues, so a
/// signature has exactly one accepted encoding).
#[inline]
pub fn p256_is_low_s(sig: &[u8]) -> bool {
    match sig.get(32..64) {
        Some(s) => s <= &P256_HALF_N[..],
        None => false,
    }
}

/// Rewrites a raw r‖s P-256 signature into low-S form (s → n − s when s > n/2). Both forms
/// verify under ECDSA; certseal emits only the low one.
pub fn p256_normalize_s(sig: &mut [u8]) {
    if sig.len() != 64 || p256_is_low_s(sig) {
        return;
    }
    let s = &mut sig[32..64];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        s[i] = d.rem_euclid(256) as u8;
    }
}
