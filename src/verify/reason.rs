//! [`Reason`]: why a payload, a document or an interop message is not valid. One enum for
//! every verification path, so a verdict means the same whichever path gave it; each variant
//! names its step ([`Reason::stage`]) and carries the values involved.

use std::fmt;

use crate::codec::hex;
use crate::codec::CodecError;
use crate::cose::{CoseError, CwtError, Label, LABEL_ALG};
use crate::crypto::{Algorithm, KeyType};
use crate::time::rfc3339;

/// Why a payload is not valid. Each reason names the failing step and carries its values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The text is longer than any QR payload can be.
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text does not start with the expected prefix.
    Prefix(CodecError),
    /// The base45 text is malformed.
    Base45(CodecError),
    /// The zlib data is malformed or inflates past its bound (interop).
    Decompress(CodecError),
    /// The profile requires zlib compression and the data is not compressed (interop `dcc`).
    CompressionRequired,
    /// The bytes are not well-formed CBOR within bounds.
    Cbor(CodecError),
    /// The CBOR is well-formed but is not a COSE_Sign1 of the expected shape.
    CoseStructure(CoseError),
    /// The `alg` is not supported, or not allowed by this verifier's policy.
    UnsupportedAlgorithm {
        /// The COSE algorithm value received (an integer, or text).
        alg: Label,
    },
    /// The trusted key's type does not verify the message's algorithm (interop): a P-256 key
    /// under ES512, an RSA key under ES256, an anchor restricted to PS256 under PS384.
    KeyMismatch {
        /// The message's algorithm.
        alg: Algorithm,
        /// The trusted key's type.
        key: KeyType,
    },
    /// The profile ties the kid to a certificate, and the trusted key came without one
    /// (interop `dcc`).
    CertificateRequired,
    /// No trusted signer has this key identifier (and algorithm).
    UnknownKid {
        /// The kid received.
        kid: Vec<u8>,
    },
    /// The kid is not the one the profile requires (interop `dcc`: SHA-256 of the trusted
    /// certificate, first 8 bytes).
    KidMismatch {
        /// The kid received, if any.
        got: Option<Vec<u8>>,
        /// The kid required.
        expected: [u8; 8],
    },
    /// The signature did not verify under any key with this kid.
    Signature,
    /// The claims are malformed.
    ClaimsMalformed(CwtError),
    /// The EU DCC health-certificate claim is missing or malformed (interop `dcc`).
    Hcert(HcertError),
    /// The payload was signed outside the signer certificate's validity window.
    SignerNotValidAtIssuance {
        /// `iat` of the payload.
        iat: i64,
        /// Start of the signer's window.
        not_before: i64,
        /// End of the signer's window.
        not_after: i64,
    },
    /// A time claim the profile requires is missing (interop `dcc`: `iat` and `exp`).
    MissingTime {
        /// The claim (`iat` or `exp`).
        claim: &'static str,
    },
    /// `iat` lies in the future (beyond the skew tolerance).
    NotYetValid {
        /// `iat` of the payload.
        iat: i64,
        /// The verifier's time.
        now: i64,
    },
    /// `nbf` lies in the future (interop).
    NotBefore {
        /// `nbf` of the payload.
        nbf: i64,
        /// The verifier's time.
        now: i64,
    },
    /// `exp` has passed (beyond the skew tolerance).
    Expired {
        /// `exp` of the payload.
        exp: i64,
        /// The verifier's time.
        now: i64,
    },
    /// A time claim lies outside the signer certificate's validity (interop `dcc`).
    OutsideCertificateValidity {
        /// The claim (`iat` or `exp`).
        claim: &'static str,
        /// Its value.
        value: i64,
        /// Start of the certificate's validity.
        not_before: i64,
        /// End of the certificate's validity.
        not_after: i64,
    },
    /// The key under this kid may not sign certificates: its certificate lacks the document
    /// purpose (a status signer; `specs/trust-list.md`, "Signer usages").
    NotDocumentSigner {
        /// The kid.
        kid: [u8; 8],
    },
    /// The status step refused the certificate: revoked, superseded, its signer key revoked,
    /// or the status list stale under a failing policy (`specs/status.md`).
    Status(crate::status::StatusReason),
    /// The signed document is of another certificate than the QR payload it came with.
    DocumentMismatch {
        /// The document's identifier.
        document: String,
        /// The identifier rebuilt from the payload, when it can be.
        payload: Option<String>,
    },
}

/// What is wrong with the EU DCC claim -260 (hcert).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HcertError {
    /// Claim -260 is missing.
    Missing,
    /// Claim -260 is not a map.
    NotAMap {
        /// The type found.
        got: &'static str,
    },
    /// Key 1 (eu_dgc_v1) of the hcert map is missing.
    EntryMissing,
    /// Key 1 (eu_dgc_v1) is not a map.
    EntryNotAMap {
        /// The type found.
        got: &'static str,
    },
}

impl fmt::Display for HcertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HcertError::Missing => f.write_str("claim -260 (hcert) is missing"),
            HcertError::NotAMap { got } => {
                write!(f, "claim -260 (hcert): got {got}, expected a map")
            }
            HcertError::EntryMissing => f.write_str("hcert key 1 (eu_dgc_v1) is missing"),
            HcertError::EntryNotAMap { got } => {
                write!(f, "hcert key 1 (eu_dgc_v1): got {got}, expected a map")
            }
        }
    }
}

impl Reason {
    /// The pipeline step that failed, as used in JSON output: `prefix`, `base45`,
    /// `decompress`, `cbor`, `cose_tag`, `cose_structure`, `alg`, `key`, `kid`, `signature`,
    /// `cwt`, `hcert`, `time`, `status`, `document`.
    pub fn stage(&self) -> &'static str {
        match self {
            Reason::TooLong { .. } | Reason::Prefix(_) => "prefix",
            Reason::Base45(_) => "base45",
            Reason::Decompress(_) | Reason::CompressionRequired => "decompress",
            Reason::Cbor(_) => "cbor",
            Reason::CoseStructure(CoseError::WrongTag { .. } | CoseError::MissingTag) => "cose_tag",
            Reason::CoseStructure(CoseError::MissingAlg) => "alg",
            Reason::CoseStructure(CoseError::Unprotected { label }) if is_alg(label) => "alg",
            Reason::CoseStructure(_) => "cose_structure",
            Reason::UnsupportedAlgorithm { .. } => "alg",
            Reason::KeyMismatch { .. } | Reason::CertificateRequired => "key",
            Reason::UnknownKid { .. } | Reason::KidMismatch { .. } => "kid",
            Reason::Signature => "signature",
            Reason::ClaimsMalformed(_) => "cwt",
            Reason::Hcert(_) => "hcert",
            Reason::SignerNotValidAtIssuance { .. } => "key",
            Reason::MissingTime { .. }
            | Reason::NotYetValid { .. }
            | Reason::NotBefore { .. }
            | Reason::Expired { .. }
            | Reason::OutsideCertificateValidity { .. } => "time",
            Reason::NotDocumentSigner { .. } => "key",
            Reason::Status(_) => "status",
            Reason::DocumentMismatch { .. } => "document",
        }
    }

    /// A stable machine name for the reason (`bad_prefix`, `signature`, `expired`, `revoked`,
    /// `superseded`, `signer_revoked`, `stale`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::TooLong { .. } => "too_long",
            Reason::Prefix(_) => "bad_prefix",
            Reason::Base45(_) => "base45",
            Reason::Decompress(_) => "decompress",
            Reason::CompressionRequired => "compression_required",
            Reason::Cbor(_) => "cbor",
            Reason::CoseStructure(_) => "cose_structure",
            Reason::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Reason::KeyMismatch { .. } => "key_mismatch",
            Reason::CertificateRequired => "certificate_required",
            Reason::UnknownKid { .. } => "unknown_kid",
            Reason::KidMismatch { .. } => "kid_mismatch",
            Reason::Signature => "signature",
            Reason::ClaimsMalformed(_) => "claims_malformed",
            Reason::Hcert(_) => "hcert",
            Reason::SignerNotValidAtIssuance { .. } => "signer_not_valid_at_issuance",
            Reason::MissingTime { .. } => "missing_time_claim",
            Reason::NotYetValid { .. } | Reason::NotBefore { .. } => "not_yet_valid",
            Reason::Expired { .. } => "expired",
            Reason::OutsideCertificateValidity { .. } => "outside_certificate_validity",
            Reason::NotDocumentSigner { .. } => "not_document_signer",
            Reason::Status(r) => r.code(),
            Reason::DocumentMismatch { .. } => "document_mismatch",
        }
    }
}

/// The keys every verdict's JSON starts with: `status` (`valid` / `invalid`), `reason`
/// ([`Reason::code`]), `stage` ([`Reason::stage`]) and `detail` (the words), `null` when valid.
pub(super) fn result_json(
    result: &Result<(), Reason>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    for (key, value) in head(result) {
        m.insert(key.into(), serde_json::to_value(value).unwrap_or_default());
    }
    m
}

/// One member of a verdict's head: a code, or the words of a reason.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum HeadValue<'a> {
    /// `status`, `reason`, `stage`.
    Code(Option<&'static str>),
    /// `detail`.
    Detail(Option<super::view::Shown<&'a Reason>>),
}

/// The head's members in alphabetical order (`detail`, `reason`, `stage`, `status`), for
/// [`result_json`] and the streamed form (`Verdict`'s `Serialize`).
pub(crate) fn head(result: &Result<(), Reason>) -> [(&'static str, HeadValue<'_>); 4] {
    let reason = result.as_ref().err();
    [
        ("detail", HeadValue::Detail(reason.map(super::view::Shown))),
        ("reason", HeadValue::Code(reason.map(Reason::code))),
        ("stage", HeadValue::Code(reason.map(Reason::stage))),
        (
            "status",
            HeadValue::Code(Some(if result.is_ok() { "valid" } else { "invalid" })),
        ),
    ]
}

fn is_alg(label: &Label) -> bool {
    *label == Label::Int(LABEL_ALG)
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooLong { len, max } => {
                write!(f, "input of {len} bytes exceeds the limit of {max}")
            }
            Reason::Prefix(e) | Reason::Base45(e) | Reason::Cbor(e) => write!(f, "{e}"),
            Reason::Decompress(e) => write!(f, "{e}"),
            Reason::CompressionRequired => {
                f.write_str("zlib compression is required under the dcc profile")
            }
            Reason::CoseStructure(e) => write!(f, "{e}"),
            Reason::UnsupportedAlgorithm { alg } => {
                write!(f, "alg: {alg} is not supported or not allowed")
            }
            Reason::KeyMismatch { alg, key } => {
                write!(f, "message is signed with {alg}, the trusted key is {key}")
            }
            Reason::CertificateRequired => {
                f.write_str("the dcc profile needs a trusted certificate, got a bare key")
            }
            Reason::UnknownKid { kid } => write!(f, "unknown kid {}", hex::encode(kid)),
            Reason::KidMismatch { got, expected } => match got {
                Some(got) => write!(
                    f,
                    "kid: got {}, expected {} (SHA-256 of the certificate)",
                    hex::encode(got),
                    hex::encode(expected)
                ),
                None => write!(
                    f,
                    "kid: missing, expected {} (SHA-256 of the certificate)",
                    hex::encode(expected)
                ),
            },
            Reason::Signature => f.write_str("signature did not verify"),
            Reason::ClaimsMalformed(e) => write!(f, "claims malformed: {e}"),
            Reason::Hcert(e) => write!(f, "{e}"),
            Reason::SignerNotValidAtIssuance {
                iat,
                not_before,
                not_after,
            } => write!(
                f,
                "signer key not valid at issuance: iat {} outside {}..{}",
                rfc3339(*iat),
                rfc3339(*not_before),
                rfc3339(*not_after)
            ),
            Reason::MissingTime { claim } => {
                write!(
                    f,
                    "{claim} is missing; the dcc profile requires iat and exp"
                )
            }
            Reason::NotYetValid { iat, now } => write!(
                f,
                "not yet valid: issued at {}, now {}",
                rfc3339(*iat),
                rfc3339(*now)
            ),
            Reason::NotBefore { nbf, now } => write!(
                f,
                "not yet valid: not before {}, now {}",
                rfc3339(*nbf),
                rfc3339(*now)
            ),
            Reason::Expired { exp, now } => write!(
                f,
                "certificate expired: not after {}, now {}",
                rfc3339(*exp),
                rfc3339(*now)
            ),
            Reason::OutsideCertificateValidity {
                claim,
                value,
                not_before,
                not_after,
            } => write!(
                f,
                "{claim} {} outside the signer certificate's validity {}..{}",
                rfc3339(*value),
                rfc3339(*not_before),
                rfc3339(*not_after)
            ),
            Reason::NotDocumentSigner { kid } => write!(
                f,
                "kid {}: the signer's certificate lacks the document-signing purpose",
                hex::encode(kid)
            ),
            Reason::Status(r) => write!(f, "{r}"),
            Reason::DocumentMismatch { document, payload } => write!(
                f,
                "the document is certificate {document}, the QR payload is {}",
                payload.as_deref().unwrap_or("-")
            ),
        }
    }
}
