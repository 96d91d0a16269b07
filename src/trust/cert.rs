//! Reading root and document-signer certificates (x509-parser) and checking a signer against its
//! root. Signatures are checked over the TBS bytes exactly as received: ECDSA P-256 and Ed25519
//! with `ring`, SM2-with-SM3 (feature `sm2`) with certseal's SM2 verifier and the default
//! distinguishing identifier.

use std::fmt;

use ring::digest;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry as oids;
use x509_parser::x509::X509Name;

use super::validity::asn1_to_unix;
use super::TrustError;
use crate::codec::hex;
use crate::crypto::{self, Algorithm, VerifyingKey};
use crate::time::rfc3339;

/// Largest certificate accepted, in bytes. Ours are well under 1 KiB.
pub const MAX_CERT_LEN: usize = 16 * 1024;

/// DER content of the `organizationIdentifier` attribute type OID (2.5.4.97).
const OID_ORGANIZATION_IDENTIFIER: &[u8] = &[0x55, 0x04, 0x61];

/// SM2 for the SM2-with-SM3 signature algorithm OID (1.2.156.10197.1.501), in builds with
/// feature `sm2`.
#[cfg(feature = "sm2")]
fn sm2_signature_algorithm(oid: &x509_parser::der_parser::oid::Oid<'_>) -> Option<Algorithm> {
    (oid.as_bytes() == crypto::sm2::OID_SM2_WITH_SM3).then_some(Algorithm::Sm2)
}
/// Without feature `sm2`, SM2-with-SM3 is an unsupported signature algorithm.
#[cfg(not(feature = "sm2"))]
fn sm2_signature_algorithm(_: &x509_parser::der_parser::oid::Oid<'_>) -> Option<Algorithm> {
    None
}

/// DER content of certseal's OID arc, `2.25.50011257806861729654259600592799712550` (a UUID
/// OID, ITU-T X.667, so no registration is needed), without the final arc.
const OID_CERTSEAL_ARC: [u8; 19] = [
    0x69, 0xcb, 0x9f, 0xe8, 0xd8, 0xb5, 0xd1, 0xda, 0x97, 0xc1, 0x84, 0xb7, 0xab, 0xcf, 0xae, 0x8b,
    0x9b, 0x8a, 0x26,
];

/// DER content of the extended key usage `id-kp-certsealDocumentSigning`
/// (`2.25.50011257806861729654259600592799712550.1`): may sign QR payloads and documents.
pub const OID_EKU_DOCUMENT_SIGNING: [u8; 20] = eku_oid(1);
/// DER content of the extended key usage `id-kp-certsealStatusSigning`
/// (`2.25.50011257806861729654259600592799712550.2`): may sign status snapshots, deltas and
/// Token Status List exports.
pub const OID_EKU_STATUS_SIGNING: [u8; 20] = eku_oid(2);

const fn eku_oid(last: u8) -> [u8; 20] {
    let mut out = [0u8; 20];
    let mut i = 0;
    while i < OID_CERTSEAL_ARC.len() {
        out[i] = OID_CERTSEAL_ARC[i];
        i += 1;
    }
    out[19] = last;
    out
}

/// What a signer certificate lets its key sign, read from its extended key usage
/// (`specs/trust-list.md`, "Signer usages"): no extendedKeyUsage extension means documents
/// only (every certificate made before status signing existed); with one, each certseal
/// purpose it lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignerUsage {
    /// QR payloads and electronic certificate documents.
    pub documents: bool,
    /// Status snapshots, deltas and Token Status List exports.
    pub status: bool,
}

impl SignerUsage {
    /// A document signer (no extendedKeyUsage extension is written).
    pub const DOCUMENTS: SignerUsage = SignerUsage {
        documents: true,
        status: false,
    };
    /// A status signer only.
    pub const STATUS: SignerUsage = SignerUsage {
        documents: false,
        status: true,
    };
    /// Both purposes in one key (allowed, not recommended: `specs/trust-list.md`).
    pub const BOTH: SignerUsage = SignerUsage {
        documents: true,
        status: true,
    };

    /// The extendedKeyUsage extension value (DER `SEQUENCE OF OBJECT IDENTIFIER`) for this
    /// usage; `None` for [`SignerUsage::DOCUMENTS`], which is written as no extension.
    pub(crate) fn eku_der(self) -> Option<Vec<u8>> {
        if self == SignerUsage::DOCUMENTS {
            return None;
        }
        let mut body = Vec::new();
        for (wanted, oid) in [
            (self.documents, OID_EKU_DOCUMENT_SIGNING),
            (self.status, OID_EKU_STATUS_SIGNING),
        ] {
            if wanted {
                body.push(0x06);
                body.push(oid.len() as u8);
                body.extend_from_slice(&oid);
            }
        }
        let mut out = vec![0x30, u8::try_from(body.len()).ok()?];
        out.extend(body);
        Some(out)
    }
}

/// Prefix of the ETSI EN 319 412-1 form of a Chinese trade-register identifier; tolerated when
/// reading `organizationIdentifier`, never written.
const ETSI_NTR_CN_PREFIX: &str = "NTRCN-";

/// The `kid` of a certificate: the first 8 bytes of SHA-256 over its DER, as given.
pub fn kid_of(der: &[u8]) -> [u8; 8] {
    let d = digest::digest(&digest::SHA256, der);
    let mut kid = [0u8; 8];
    for (out, b) in kid.iter_mut().zip(d.as_ref()) {
        *out = *b;
    }
    kid
}

/// The DER of a certificate given as PEM (a `CERTIFICATE` block) or DER.
pub(crate) fn cert_der(bytes: &[u8]) -> Result<Vec<u8>, crate::Error> {
    Ok(crypto::from_pem_or_der("CERTIFICATE", bytes)?)
}

/// Which certificate a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Root,
    Signer,
}

impl Role {
    pub(crate) const fn what(self) -> &'static str {
        match self {
            Role::Root => "root certificate",
            Role::Signer => "signer certificate",
        }
    }
}

/// Everything certseal reads out of a certificate, extracted once.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) der: Vec<u8>,
    pub(crate) kid: [u8; 8],
    pub(crate) tbs: Vec<u8>,
    pub(crate) sig_alg: Algorithm,
    pub(crate) signature: Vec<u8>,
    pub(crate) subject: String,
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer: String,
    pub(crate) issuer_raw: Vec<u8>,
    pub(crate) serial: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) key: VerifyingKey,
    pub(crate) is_ca: bool,
    pub(crate) key_usage: Option<u16>,
    pub(crate) usage: SignerUsage,
    pub(crate) authority_name: Option<String>,
    pub(crate) authority_uscc: Option<String>,
}

fn first_str(name: &X509Name<'_>, oid_der: &[u8]) -> Option<String> {
    name.iter_attributes()
        .find(|a| a.attr_type().as_bytes() == oid_der)
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned)
}

/// Extensions certseal understands; any other extension marked critical is refused (RFC 5280
/// §4.2).
fn understood(oid: &x509_parser::der_parser::oid::Oid<'_>) -> bool {
    [
        oids::OID_X509_EXT_BASIC_CONSTRAINTS,
        oids::OID_X509_EXT_KEY_USAGE,
        oids::OID_X509_EXT_EXTENDED_KEY_USAGE,
        oids::OID_X509_EXT_SUBJECT_ALT_NAME,
        oids::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
        oids::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
    ]
    .iter()
    .any(|o| o == oid)
}

impl Parsed {
    pub(crate) fn parse(role: Role, der: &[u8]) -> Result<Self, TrustError> {
        let what = role.what();
        if der.len() > MAX_CERT_LEN {
            return Err(TrustError::TooLarge {
                what,
                len: der.len(),
                max: MAX_CERT_LEN,
            });
        }
        let (rest, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|e| TrustError::Malformed {
                what,
                reason: e.to_string(),
            })?;
        if !rest.is_empty() {
            return Err(TrustError::TrailingBytes {
                what,
                len: rest.len(),
            });
        }
        Self::from_x509(role, der, &cert)
    }

    fn from_x509(role: Role, der: &[u8], cert: &X509Certificate<'_>) -> Result<Self, TrustError> {
        let what = role.what();
        let malformed = |reason: String| TrustError::Malformed { what, reason };
        let subject = cert.subject().to_string();

        let outer = &cert.signature_algorithm;
        if *outer != cert.tbs_certificate.signature {
            return Err(malformed(
                "signatureAlgorithm differs from the TBS signature field".into(),
            ));
        }
        let sig_alg = if outer.algorithm == oids::OID_SIG_ECDSA_WITH_SHA256 {
            Algorithm::Es256
        } else if outer.algorithm == oids::OID_SIG_ED25519 {
            Algorithm::EdDsa
        } else if let Some(sm2) = sm2_signature_algorithm(&outer.algorithm) {
            sm2
        } else {
            return Err(TrustError::UnsupportedSignatureAlgorithm {
                what,
                subject,
                oid: outer.algorithm.to_id_string(),
            });
        };
        if outer.parameters.is_some() {
            return Err(malformed(format!(
                "{sig_alg} signatureAlgorithm must have no parameters"
            )));
        }

        let key = VerifyingKey::from_x509_spki(cert.public_key())
            .and_then(|key| {
                // certseal's own roots and signers hold keys of its own algorithms; the
                // verify-only interop key types (RSA, P-384, P-521) are not for its trust lists.
                if Algorithm::PAYLOAD.contains(&key.algorithm()) {
                    Ok(key)
                } else {
                    Err(crate::crypto::CryptoError::BadPublicKey(
                        "an interop-only key type (RSA, P-384, P-521) in a certseal certificate",
                    ))
                }
            })
            .map_err(|source| TrustError::UnsupportedKey {
                what,
                subject: subject.clone(),
                source,
            })?;

        for ext in cert.extensions() {
            if ext.critical && !understood(&ext.oid) {
                return Err(TrustError::UnknownCriticalExtension {
                    what,
                    subject,
                    oid: ext.oid.to_id_string(),
                });
            }
        }
        let is_ca = cert
            .basic_constraints()
            .map_err(|e| malformed(format!("basicConstraints: {e}")))?
            .is_some_and(|bc| bc.value.ca);
        let key_usage = cert
            .key_usage()
            .map_err(|e| malformed(format!("keyUsage: {e}")))?
            .map(|ku| ku.value.flags);
        let usage = match cert
            .extended_key_usage()
            .map_err(|e| malformed(format!("extendedKeyUsage: {e}")))?
        {
            None => SignerUsage::DOCUMENTS,
            Some(eku) => {
                let has = |oid: &[u8]| eku.value.other.iter().any(|o| o.as_bytes() == oid);
                SignerUsage {
                    documents: has(&OID_EKU_DOCUMENT_SIGNING),
                    status: has(&OID_EKU_STATUS_SIGNING),
                }
            }
        };

        let not_before = asn1_to_unix(&cert.validity().not_before);
        let not_after = asn1_to_unix(&cert.validity().not_after);
        if not_before > not_after {
            return Err(TrustError::EmptyWindow {
                what,
                subject,
                not_before,
                not_after,
            });
        }

        let authority_uscc =
            first_str(cert.subject(), OID_ORGANIZATION_IDENTIFIER).map(|s| {
                match s.strip_prefix(ETSI_NTR_CN_PREFIX) {
                    Some(bare) => bare.to_owned(),
                    None => s,
                }
            });
        let org_oid = oids::OID_X509_ORGANIZATION_NAME;
        Ok(Parsed {
            der: der.to_vec(),
            kid: kid_of(der),
            tbs: cert.tbs_certificate.as_ref().to_vec(),
            sig_alg,
            signature: cert.signature_value.data.to_vec(),
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer: cert.issuer().to_string(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            serial: cert.raw_serial().to_vec(),
            not_before,
            not_after,
            key,
            is_ca,
            key_usage,
            usage,
            authority_name: first_str(cert.subject(), org_oid.as_bytes()),
            authority_uscc,
            subject,
        })
    }

    /// Checks this certificate's signature with `key` (the issuer's), over the TBS bytes.
    fn signed_by(&self, key: &VerifyingKey) -> bool {
        if self.sig_alg != key.algorithm() {
            return false;
        }
        match self.sig_alg {
            // X.509 carries ECDSA signatures DER-encoded, unlike COSE.
            Algorithm::Es256 => UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key.raw())
                .verify(&self.tbs, &self.signature)
                .is_ok(),
            Algorithm::EdDsa => key.verify(&self.tbs, &self.signature).is_ok(),
            // X.509 carries SM2 signatures as DER SEQUENCE { r, s } too.
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => crypto::sm2::signature_from_der(&self.signature)
                .is_ok_and(|raw| key.verify(&self.tbs, &raw).is_ok()),
            // certseal's roots and signers certify with its own algorithms only.
            Algorithm::Es384
            | Algorithm::Es512
            | Algorithm::Ps256
            | Algorithm::Ps384
            | Algorithm::Ps512 => false,
        }
    }

    fn has_usage(&self, bit: u16) -> bool {
        self.key_usage.is_some_and(|flags| flags & bit != 0)
    }
}

/// keyUsage bits as x509-parser numbers them (bit 0 = digitalSignature).
pub(crate) const KU_DIGITAL_SIGNATURE: u16 = 1;
pub(crate) const KU_KEY_CERT_SIGN: u16 = 1 << 5;

/// A root certificate: parsed, self-signed (its own signature checked), a CA, and allowed to
/// sign certificates. A value of this type is a checked root.
#[derive(Clone, PartialEq, Eq)]
pub struct RootCert {
    pub(crate) p: Parsed,
}

impl fmt::Debug for RootCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCert")
            .field("subject", &self.p.subject)
            .field("not_before", &rfc3339(self.p.not_before))
            .field("not_after", &rfc3339(self.p.not_after))
            .field("alg", &self.p.key.algorithm())
            .finish_non_exhaustive()
    }
}

impl RootCert {
    /// Reads a root certificate from DER and checks it: the issuer equals the subject, its
    /// signature verifies with its own key (ES256, Ed25519 or SM2), basicConstraints says cA, and
    /// keyUsage, when present, includes keyCertSign. Trailing bytes after the certificate are
    /// refused.
    pub fn parse(der: &[u8]) -> Result<Self, TrustError> {
        let p = Parsed::parse(Role::Root, der)?;
        if p.issuer_raw != p.subject_raw {
            return Err(TrustError::RootNotSelfSigned {
                subject: p.subject,
                issuer: p.issuer,
            });
        }
        if !p.signed_by(&p.key) {
            return Err(TrustError::BadSignature {
                what: Role::Root.what(),
                subject: p.subject,
            });
        }
        if !p.is_ca {
            return Err(TrustError::RootNotCa { subject: p.subject });
        }
        if p.key_usage.is_some() && !p.has_usage(KU_KEY_CERT_SIGN) {
            return Err(TrustError::MissingKeyUsage {
                what: Role::Root.what(),
                subject: p.subject,
                usage: "keyCertSign",
            });
        }
        Ok(RootCert { p })
    }

    /// Reads a root certificate from PEM (`CERTIFICATE` block) or DER bytes.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, crate::Error> {
        Ok(Self::parse(&cert_der(bytes)?)?)
    }

    /// The root's public key, which verifies signer certificates and the trust list.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.p.key
    }

    /// The certificate DER, exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.p.der
    }

    /// The certificate as a PEM `CERTIFICATE` block.
    pub fn to_pem(&self) -> String {
        crypto::to_pem("CERTIFICATE", &self.p.der)
    }

    /// First 8 bytes of SHA-256 over the DER (the same rule as a signer's `kid`).
    pub fn kid(&self) -> [u8; 8] {
        self.p.kid
    }

    /// The subject name, RFC 4514 style (`C=CN, O=…, CN=…`).
    pub fn subject(&self) -> &str {
        &self.p.subject
    }

    /// Start of the validity window (Unix seconds).
    pub fn not_before(&self) -> i64 {
        self.p.not_before
    }

    /// End of the validity window (Unix seconds, inclusive).
    pub fn not_after(&self) -> i64 {
        self.p.not_after
    }

    /// The organizationName (O) of the subject, if present.
    pub fn authority_name(&self) -> Option<&str> {
        self.p.authority_name.as_deref()
    }

    /// The unified social credit code from `organizationIdentifier`, if present.
    pub fn authority_uscc(&self) -> Option<&str> {
        self.p.authority_uscc.as_deref()
    }
}

/// A document-signer certificate, parsed but not yet checked against a root: see
/// [`check_chain`] and [`crate::trust::TrustedSigner`].
///
/// The subject carries the issuing authority: organizationName (O, UTF8String, Chinese allowed)
/// is its name, and `organizationIdentifier` (OID 2.5.4.97, PrintableString) its 18-character
/// unified social credit code (GB 32100), written bare; the ETSI form `NTRCN-<code>` is accepted
/// when reading. The X.520 serialNumber attribute (2.5.4.5) is not used.
#[derive(Clone, PartialEq, Eq)]
pub struct SignerCert {
    pub(crate) p: Parsed,
}

impl fmt::Debug for SignerCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerCert")
            .field("subject", &self.p.subject)
            .field("kid", &hex::encode(&self.p.kid))
            .field("not_before", &rfc3339(self.p.not_before))
            .field("not_after", &rfc3339(self.p.not_after))
            .field("alg", &self.p.key.algorithm())
            .finish_non_exhaustive()
    }
}

impl SignerCert {
    /// Reads a signer certificate from DER, keeping the bytes exactly as given. Accepts what
    /// x509-parser accepts, provided the signature algorithm is ecdsa-with-SHA256, Ed25519 or
    /// SM2-with-SM3 (feature `sm2`), the public key is P-256, Ed25519 or SM2, no critical
    /// extension is unknown, and no bytes trail the
    /// certificate. Chain rules are checked by [`check_chain`].
    pub fn parse(der: &[u8]) -> Result<Self, TrustError> {
        Ok(SignerCert {
            p: Parsed::parse(Role::Signer, der)?,
        })
    }

    /// Reads a signer certificate from PEM (`CERTIFICATE` block) or DER bytes.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, crate::Error> {
        Ok(Self::parse(&cert_der(bytes)?)?)
    }

    /// `kid`: the first 8 bytes of SHA-256 over the certificate DER as given.
    pub fn kid(&self) -> [u8; 8] {
        self.p.kid
    }

    /// The certificate DER, exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.p.der
    }

    /// The certificate as a PEM `CERTIFICATE` block.
    pub fn to_pem(&self) -> String {
        crypto::to_pem("CERTIFICATE", &self.p.der)
    }

    /// The signer's public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.p.key
    }

    /// The subject name, RFC 4514 style (`C=CN, O=…, CN=…`).
    pub fn subject(&self) -> &str {
        &self.p.subject
    }

    /// The issuer name, RFC 4514 style.
    pub fn issuer(&self) -> &str {
        &self.p.issuer
    }

    /// The serial number as lower-case hex of its DER content bytes.
    pub fn serial_hex(&self) -> String {
        hex::encode(&self.p.serial)
    }

    /// Start of the validity window (Unix seconds).
    pub fn not_before(&self) -> i64 {
        self.p.not_before
    }

    /// End of the validity window (Unix seconds, inclusive).
    pub fn not_after(&self) -> i64 {
        self.p.not_after
    }

    /// Whether `t` lies in `not_before..=not_after`.
    pub fn is_valid_at(&self, t: i64) -> bool {
        self.p.not_before <= t && t <= self.p.not_after
    }

    /// What this certificate lets its key sign (from its extended key usage).
    pub fn usage(&self) -> SignerUsage {
        self.p.usage
    }

    /// The issuing authority's name: the subject's organizationName (O), if present.
    pub fn authority_name(&self) -> Option<&str> {
        self.p.authority_name.as_deref()
    }

    /// The issuing authority's unified social credit code (`organizationIdentifier`), if present.
    pub fn authority_uscc(&self) -> Option<&str> {
        self.p.authority_uscc.as_deref()
    }
}

/// Checks that `signer` was issued by `root` and may sign documents:
///
/// 1. the signer's issuer name equals the root's subject name (byte for byte);
/// 2. the signer's signature algorithm matches the root key (ecdsa-with-SHA256 with a P-256
///    root, Ed25519 with an Ed25519 root, SM2-with-SM3 with an SM2 root) and the signature over
///    the received TBS bytes verifies with the root key;
/// 3. the signer is not a CA and its keyUsage is present and includes digitalSignature;
/// 4. the signer's validity window lies **inside** the root's (`root.not_before <=
///    signer.not_before` and `signer.not_after <= root.not_after`): the shell model, so a
///    signature is only ever accepted while every certificate above it is valid.
///
/// The root itself was checked when the [`RootCert`] was made (self-signed, CA).
pub fn check_chain(signer: &SignerCert, root: &RootCert) -> Result<(), TrustError> {
    let s = &signer.p;
    let r = &root.p;
    if s.issuer_raw != r.subject_raw {
        return Err(TrustError::IssuerMismatch {
            subject: s.subject.clone(),
            issuer: s.issuer.clone(),
            root: r.subject.clone(),
        });
    }
    if s.sig_alg != r.key.algorithm() {
        return Err(TrustError::SignatureAlgorithmMismatch {
            subject: s.subject.clone(),
            got: s.sig_alg,
            expected: r.key.algorithm(),
        });
    }
    if !s.signed_by(&r.key) {
        return Err(TrustError::BadSignature {
            what: Role::Signer.what(),
            subject: s.subject.clone(),
        });
    }
    if s.is_ca {
        return Err(TrustError::SignerIsCa {
            subject: s.subject.clone(),
        });
    }
    if !s.has_usage(KU_DIGITAL_SIGNATURE) {
        return Err(TrustError::MissingKeyUsage {
            what: Role::Signer.what(),
            subject: s.subject.clone(),
            usage: "digitalSignature",
        });
    }
    if s.not_before < r.not_before || s.not_after > r.not_after {
        return Err(TrustError::WindowOutsideRoot {
            subject: s.subject.clone(),
            not_before: s.not_before,
            not_after: s.not_after,
            root_not_before: r.not_before,
            root_not_after: r.not_after,
        });
    }
    Ok(())
}
