//! The verification pipeline (ARCHITECTURE §5), the hot path:
//!
//! text → prefix → base45 → COSE_Sign1 (keeping the received protected bytes) → alg → kid →
//! key(s) → signature → claims → signer window at issuance → time checks → [`Verdict`].
//!
//! Every step after the signature is cheap next to it: one base45 pass, one CBOR pass over the
//! message and one over the claims, no re-encoding, keys parsed once when the trust store was
//! built. Status lookup (revocation) joins here when the status snapshot lands.

use std::fmt;

use rayon::prelude::*;

use crate::clock::{Clock, SystemClock};
use crate::codec::cbor::Mode;
use crate::codec::{base45, CodecError, Limits};
use crate::cose::{CoseError, HeaderBucket, Sign1};
use crate::crypto::{self, Algorithm};
use crate::payload::{self, QrClaims, Serial};
use crate::trust::{TrustStore, TrustedSigner};

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
    /// The bytes are not well-formed CBOR within bounds.
    Cbor(CodecError),
    /// The CBOR is well-formed but is not a COSE_Sign1 of the expected shape.
    CoseStructure(CoseError),
    /// The `alg` is not supported, or not allowed by this verifier's policy.
    UnsupportedAlgorithm {
        /// The COSE algorithm value received.
        alg: i64,
    },
    /// No trusted signer has this key identifier (and algorithm).
    UnknownKid {
        /// The kid received.
        kid: Vec<u8>,
    },
    /// The signature did not verify under any key with this kid.
    Signature,
    /// The claims are malformed.
    ClaimsMalformed(CodecError),
    /// The payload was signed outside the signer certificate's validity window.
    SignerNotValidAtIssuance {
        /// `iat` of the payload.
        iat: i64,
        /// Start of the signer's window.
        not_before: i64,
        /// End of the signer's window.
        not_after: i64,
    },
    /// `iat` lies in the future (beyond the skew tolerance).
    NotYetValid {
        /// `iat` of the payload.
        iat: i64,
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
}

impl Reason {
    /// The pipeline step that failed, as used in JSON output.
    pub fn stage(&self) -> &'static str {
        match self {
            Reason::TooLong { .. } | Reason::Prefix(_) => "prefix",
            Reason::Base45(_) => "base45",
            Reason::Cbor(_) => "cbor",
            Reason::CoseStructure(CoseError::WrongTag { .. } | CoseError::MissingTag) => "cose_tag",
            Reason::CoseStructure(_) => "cose_structure",
            Reason::UnsupportedAlgorithm { .. } => "alg",
            Reason::UnknownKid { .. } => "kid",
            Reason::Signature => "signature",
            Reason::ClaimsMalformed(_) => "cwt",
            Reason::SignerNotValidAtIssuance { .. } => "key",
            Reason::NotYetValid { .. } | Reason::Expired { .. } => "time",
        }
    }

    /// A stable machine name for the reason (`bad_prefix`, `signature`, `expired`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::TooLong { .. } => "too_long",
            Reason::Prefix(_) => "bad_prefix",
            Reason::Base45(_) => "base45",
            Reason::Cbor(_) => "cbor",
            Reason::CoseStructure(_) => "cose_structure",
            Reason::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Reason::UnknownKid { .. } => "unknown_kid",
            Reason::Signature => "signature",
            Reason::ClaimsMalformed(_) => "claims_malformed",
            Reason::SignerNotValidAtIssuance { .. } => "signer_not_valid_at_issuance",
            Reason::NotYetValid { .. } => "not_yet_valid",
            Reason::Expired { .. } => "expired",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooLong { len, max } => {
                write!(f, "input of {len} bytes exceeds the limit of {max}")
            }
            Reason::Prefix(e) | Reason::Base45(e) | Reason::Cbor(e) => write!(f, "{e}"),
            Reason::CoseStructure(e) => write!(f, "{e}"),
            Reason::UnsupportedAlgorithm { alg } => {
                write!(f, "alg: {alg} is not supported or not allowed")
            }
            Reason::UnknownKid { kid } => {
                write!(f, "unknown kid {}", crate::codec::hex::encode(kid))
            }
            Reason::Signature => f.write_str("signature did not verify"),
            Reason::ClaimsMalformed(e) => write!(f, "claims malformed: {e}"),
            Reason::SignerNotValidAtIssuance {
                iat,
                not_before,
                not_after,
            } => write!(
                f,
                "signer key not valid at issuance: iat {} outside {}..{}",
                crate::time::rfc3339(*iat),
                crate::time::rfc3339(*not_before),
                crate::time::rfc3339(*not_after)
            ),
            Reason::NotYetValid { iat, now } => write!(
                f,
                "not yet valid: issued at {}, now {}",
                crate::time::rfc3339(*iat),
                crate::time::rfc3339(*now)
            ),
            Reason::Expired { exp, now } => write!(
                f,
                "certificate expired: not after {}, now {}",
                crate::time::rfc3339(*exp),
                crate::time::rfc3339(*now)
            ),
        }
    }
}

/// The outcome of verifying one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Ok(())` when valid, or why not.
    pub result: Result<(), Reason>,
    /// The algorithm, once the header was read.
    pub alg: Option<Algorithm>,
    /// The key identifier, once the header was read.
    pub kid: Option<[u8; 8]>,
    /// The certificate as carried in the payload, once the claims were decoded. Present for
    /// signature-checked payloads only, so nothing shown is unauthenticated.
    pub certificate: Option<CertificateView>,
}

impl Verdict {
    /// True when the payload is valid.
    pub fn is_valid(&self) -> bool {
        self.result.is_ok()
    }

    #[cold]
    fn reject(reason: Reason) -> Self {
        Verdict {
            result: Err(reason),
            alg: None,
            kid: None,
            certificate: None,
        }
    }
}

/// A certificate as decoded from a verified QR payload: codes and the fields carried, plus the
/// issuing authority taken from the signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateView {
    /// When the payload was signed.
    pub issued_at: i64,
    /// When the qualification expires, if it does.
    pub expires_at: Option<i64>,
    /// Qualification catalogue code.
    pub qualification: u16,
    /// Level code.
    pub level: u8,
    /// Specialty code.
    pub specialty: Option<u16>,
    /// Holder name.
    pub holder_name: String,
    /// Sex code (GB/T 2261.1).
    pub sex: u8,
    /// Birth year-month, months since 1900-01.
    pub birth_months: u16,
    /// ID document type code.
    pub id_type: u16,
    /// The last four characters of the ID number.
    pub id_tail: String,
    /// Management number.
    pub management_number: String,
    /// Approval date, days since 1970-01-01.
    pub approval_days: i32,
    /// Issuer serial of the e-licence identifier.
    pub serial: String,
    /// Identifier version.
    pub version: u16,
    /// Issue kind code (0 original, 1 换发, 2 补发).
    pub kind: u8,
    /// Status index, when assigned.
    pub status_index: Option<u64>,
    /// Issuing authority's unified social credit code, from the signer certificate.
    pub authority_uscc: Option<String>,
    /// Issuing authority's name, from the signer certificate.
    pub authority_name: Option<String>,
}

impl CertificateView {
    fn new(c: &QrClaims<'_>, signer: &TrustedSigner) -> Self {
        CertificateView {
            issued_at: c.iat,
            expires_at: c.exp,
            qualification: c.qualification,
            level: c.level,
            specialty: c.specialty,
            holder_name: c.name.to_owned(),
            sex: c.sex,
            birth_months: c.birth_months,
            id_type: c.id_type,
            id_tail: c.id_tail.to_owned(),
            management_number: c.management_number.to_owned(),
            approval_days: c.approval_days,
            serial: match c.serial {
                Serial::Number(n) => n.to_string(),
                Serial::Text(t) => t.to_owned(),
            },
            version: c.version,
            kind: c.kind,
            status_index: c.status_index,
            authority_uscc: signer.authority_uscc().map(str::to_owned),
            authority_name: signer.authority_name().map(str::to_owned),
        }
    }
}

/// A verifier of certseal QR payloads: a trust store, a clock, a skew tolerance, bounds and an
/// algorithm policy. Cheap to share across threads.
pub struct Verifier {
    trust: TrustStore,
    clock: Box<dyn Clock>,
    skew: i64,
    limits: Limits,
    allowed: Vec<Algorithm>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("skew", &self.skew)
            .field("limits", &self.limits)
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

/// The default clock-skew tolerance: five minutes.
pub const DEFAULT_SKEW_SECS: i64 = 300;

impl Verifier {
    /// A verifier over `trust` with the system clock, five minutes of skew tolerance, default
    /// limits and every supported algorithm allowed.
    pub fn new(trust: TrustStore) -> Self {
        Verifier {
            trust,
            clock: Box::new(SystemClock),
            skew: DEFAULT_SKEW_SECS,
            limits: Limits::DEFAULT,
            allowed: Algorithm::ALL.to_vec(),
        }
    }

    /// Uses `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Sets the clock-skew tolerance in seconds.
    pub fn with_skew(mut self, secs: i64) -> Self {
        self.skew = secs.max(0);
        self
    }

    /// Sets the decoding bounds.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Allows only these algorithms (e.g. SM2 only for a national deployment).
    pub fn allow_only(mut self, algs: &[Algorithm]) -> Self {
        self.allowed = algs.to_vec();
        self
    }

    /// The trust store.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// Verifies one QR payload text at the clock's current time.
    pub fn verify(&self, text: &str) -> Verdict {
        self.verify_at(text, self.clock.now())
    }

    /// Verifies one QR payload text as of `now` (seconds since the epoch).
    pub fn verify_at(&self, text: &str, now: i64) -> Verdict {
        if text.len() > self.limits.max_text_len {
            return Verdict::reject(Reason::TooLong {
                len: text.len(),
                max: self.limits.max_text_len,
            });
        }
        let body = match payload::strip_prefix(text) {
            Ok(body) => body,
            Err(e) => return Verdict::reject(Reason::Prefix(e)),
        };
        let mut cose = Vec::new();
        if let Err(e) = base45::decode_into(body.as_bytes(), &mut cose) {
            return Verdict::reject(Reason::Base45(e));
        }
        self.verify_cose(&cose, now)
    }

    /// Verifies a binary COSE_Sign1 message holding certseal claims, as of `now`.
    pub fn verify_cose(&self, cose: &[u8], now: i64) -> Verdict {
        let msg = match Sign1::parse(cose, Mode::Strict, &self.limits) {
            Ok(msg) => msg,
            Err(e) => return Verdict::reject(reason_of(e)),
        };
        let alg = match msg.alg {
            Some((alg, HeaderBucket::Protected)) => alg,
            Some((_, HeaderBucket::Unprotected)) => {
                return Verdict::reject(Reason::CoseStructure(CoseError::Structure(
                    "alg must be in the protected header",
                )))
            }
            None => return Verdict::reject(Reason::CoseStructure(CoseError::MissingAlg)),
        };
        let algorithm = match Algorithm::from_cose(alg) {
            Some(a) if self.allowed.contains(&a) => a,
            _ => return Verdict::reject(Reason::UnsupportedAlgorithm { alg }),
        };
        let kid: [u8; 8] = match msg.kid {
            Some((kid, HeaderBucket::Protected)) => match kid.try_into() {
                Ok(kid) => kid,
                Err(_) => {
                    return Verdict::reject(Reason::CoseStructure(CoseError::Structure(
                        "kid must be 8 bytes",
                    )))
                }
            },
            Some((_, HeaderBucket::Unprotected)) => {
                return Verdict::reject(Reason::CoseStructure(CoseError::Structure(
                    "kid must be in the protected header",
                )))
            }
            None => {
                return Verdict::reject(Reason::CoseStructure(CoseError::Structure(
                    "kid is missing",
                )))
            }
        };
        let mut verdict = Verdict {
            result: Ok(()),
            alg: Some(algorithm),
            kid: Some(kid),
            certificate: None,
        };
        let Some(payload) = msg.payload else {
            verdict.result = Err(Reason::CoseStructure(CoseError::Structure(
                "payload must not be detached",
            )));
            return verdict;
        };
        let mut candidates = self
            .trust
            .lookup(&kid)
            .iter()
            .filter(|s| s.key().algorithm() == algorithm)
            .peekable();
        if candidates.peek().is_none() {
            verdict.result = Err(Reason::UnknownKid { kid: kid.to_vec() });
            return verdict;
        }
        // Certseal issues low-S ECDSA only, so each payload has one accepted encoding.
        if algorithm == Algorithm::Es256 && !crypto::p256_is_low_s(msg.signature) {
            verdict.result = Err(Reason::Signature);
            return verdict;
        }
        let mut tbs = Vec::new();
        msg.sig_structure(&[], &mut tbs);
        let Some(signer) = candidates.find(|s| s.key().verify(&tbs, msg.signature).is_ok()) else {
            verdict.result = Err(Reason::Signature);
            return verdict;
        };
        let claims = match QrClaims::decode(payload) {
            Ok(c) => c,
            Err(e) => {
                verdict.result = Err(Reason::ClaimsMalformed(e));
                return verdict;
            }
        };
        verdict.certificate = Some(CertificateView::new(&claims, signer));
        verdict.result = check_times(&claims, signer, now, self.skew);
        verdict
    }

    /// Verifies many payloads in parallel on the current rayon pool; verdicts come back in
    /// input order.
    pub fn verify_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Verdict> {
        let now = self.clock.now();
        texts
            .par_iter()
            .map(|t| self.verify_at(t.as_ref(), now))
            .collect()
    }
}

#[inline]
fn check_times(
    c: &QrClaims<'_>,
    signer: &TrustedSigner,
    now: i64,
    skew: i64,
) -> Result<(), Reason> {
    if c.iat < signer.not_before() || c.iat > signer.not_after() {
        return Err(Reason::SignerNotValidAtIssuance {
            iat: c.iat,
            not_before: signer.not_before(),
            not_after: signer.not_after(),
        });
    }
    if c.iat > now.saturating_add(skew) {
        return Err(Reason::NotYetValid { iat: c.iat, now });
    }
    if let Some(exp) = c.exp {
        if exp < now.saturating_sub(skew) {
            return Err(Reason::Expired { exp, now });
        }
    }
    Ok(())
}

#[cold]
fn reason_of(e: crate::Error) -> Reason {
    match e {
        crate::Error::Codec(c) => Reason::Cbor(c),
        crate::Error::Cose(c) => Reason::CoseStructure(c),
        other => Reason::CoseStructure(CoseError::Claims(other.to_string())),
    }
}
