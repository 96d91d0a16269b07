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

mod bulk;
mod cache;
pub mod interop;

pub use self::bulk::BATCH_SIZE;
pub use self::cache::VerifiedCache;

use crate::claims::payload::{self, QrClaims, Serial};
use crate::codec::cbor::Mode;
use crate::codec::{base45, CodecError, Limits};
use crate::cose::{CoseError, HeaderBucket, Sign1};
use crate::crypto::{self, Algorithm};
use crate::time::{Clock, SystemClock};
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
    pub(crate) fn reject(reason: Reason) -> Self {
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
    batch_keys: bulk::BatchKeys,
    cache: Option<VerifiedCache>,
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
            batch_keys: Default::default(),
            cache: None,
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

    /// Keeps a bounded cache of up to `capacity` payloads whose signature verified, keyed by
    /// SHA-256 of the COSE bytes, so a payload seen again skips the signature check (and only
    /// that: structure, kid, claims, signer window and time are checked every time). Opt-in:
    /// it costs a SHA-256 per verification and keeps digests of the payloads seen. See
    /// [`VerifiedCache`] and `specs/batch-verify.md`.
    pub fn with_cache(mut self, capacity: usize) -> Self {
        self.cache = Some(VerifiedCache::new(capacity));
        self
    }

    /// The verified-payload cache, when enabled.
    pub fn cache(&self) -> Option<&VerifiedCache> {
        self.cache.as_ref()
    }

    /// The trust store.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The clock's current time.
    pub(crate) fn clock_now(&self) -> i64 {
        self.clock.now()
    }

    /// The Ed25519 key table of the batch path, built on first use.
    pub(crate) fn batch_keys(&self) -> &bulk::BatchKeys {
        &self.batch_keys
    }

    /// Verifies one QR payload text at the clock's current time.
    pub fn verify(&self, text: &str) -> Verdict {
        self.verify_at(text, self.clock.now())
    }

    /// Verifies one QR payload text as of `now` (seconds since the epoch).
    pub fn verify_at(&self, text: &str, now: i64) -> Verdict {
        let mut cose = Vec::new();
        if let Err(reason) = self.decode_text(text, &mut cose) {
            return Verdict::reject(reason);
        }
        self.verify_cose(&cose, now)
    }

    /// Verifies a binary COSE_Sign1 message holding certseal claims, as of `now`.
    pub fn verify_cose(&self, cose: &[u8], now: i64) -> Verdict {
        let pre = match self.pre_signature(cose) {
            Ok(pre) => pre,
            Err(rejected) => return rejected.into_verdict(),
        };
        let mut verdict = pre.verdict();
        let mut tbs = Vec::new();
        let signer = match &self.cache {
            None => pre.check_signature(&mut tbs),
            Some(cache) => cached_signature(cache, cose, &pre, &mut tbs),
        };
        match signer {
            Some(signer) => self.post_signature(&mut verdict, pre.payload, signer, now),
            None => verdict.result = Err(Reason::Signature),
        }
        verdict
    }

    /// The steps before base45: length bound, prefix, base45 into `cose` (cleared first).
    #[inline]
    pub(crate) fn decode_text(&self, text: &str, cose: &mut Vec<u8>) -> Result<(), Reason> {
        if text.len() > self.limits.max_text_len {
            return Err(Reason::TooLong {
                len: text.len(),
                max: self.limits.max_text_len,
            });
        }
        let body = payload::strip_prefix(text).map_err(Reason::Prefix)?;
        cose.clear();
        base45::decode_into(body.as_bytes(), cose).map_err(Reason::Base45)
    }

    /// The steps between the COSE bytes and the signature: parse, `alg` (protected, allowed),
    /// `kid` (protected, 8 bytes), attached payload, trusted signers with this kid and
    /// algorithm. Shared by [`Verifier::verify_cose`] and the batch path
    /// ([`Verifier::verify_many`]), so both apply the same rules in the same order.
    #[inline]
    pub(crate) fn pre_signature<'m>(
        &self,
        cose: &'m [u8],
    ) -> Result<PreSignature<'m, '_>, Rejected> {
        let msg = match Sign1::parse(cose, Mode::Strict, &self.limits) {
            Ok(msg) => msg,
            Err(e) => return Err(Rejected::bare(reason_of(e))),
        };
        let alg = match msg.alg {
            Some((alg, HeaderBucket::Protected)) => alg,
            Some((_, HeaderBucket::Unprotected)) => {
                return Err(Rejected::bare(Reason::CoseStructure(CoseError::Structure(
                    "alg must be in the protected header",
                ))))
            }
            None => return Err(Rejected::bare(Reason::CoseStructure(CoseError::MissingAlg))),
        };
        let algorithm = match Algorithm::from_cose(alg) {
            Some(a) if self.allowed.contains(&a) => a,
            _ => return Err(Rejected::bare(Reason::UnsupportedAlgorithm { alg })),
        };
        let kid: [u8; 8] = match msg.kid {
            Some((kid, HeaderBucket::Protected)) => match kid.try_into() {
                Ok(kid) => kid,
                Err(_) => {
                    return Err(Rejected::bare(Reason::CoseStructure(CoseError::Structure(
                        "kid must be 8 bytes",
                    ))))
                }
            },
            Some((_, HeaderBucket::Unprotected)) => {
                return Err(Rejected::bare(Reason::CoseStructure(CoseError::Structure(
                    "kid must be in the protected header",
                ))))
            }
            None => {
                return Err(Rejected::bare(Reason::CoseStructure(CoseError::Structure(
                    "kid is missing",
                ))))
            }
        };
        let Some(payload) = msg.payload else {
            return Err(Rejected::with_header(
                algorithm,
                kid,
                Reason::CoseStructure(CoseError::Structure("payload must not be detached")),
            ));
        };
        let signers = self.trust.lookup(&kid);
        if !signers.iter().any(|s| s.key().algorithm() == algorithm) {
            return Err(Rejected::with_header(
                algorithm,
                kid,
                Reason::UnknownKid { kid: kid.to_vec() },
            ));
        }
        Ok(PreSignature {
            msg,
            algorithm,
            kid,
            payload,
            signers,
        })
    }

    /// The steps after the signature: decode the claims, fill the certificate view, check the
    /// signer's window at issuance and the time. Never skipped, whatever checked the signature
    /// (single, batch or cache).
    #[inline]
    pub(crate) fn post_signature(
        &self,
        verdict: &mut Verdict,
        payload: &[u8],
        signer: &TrustedSigner,
        now: i64,
    ) {
        let claims = match QrClaims::decode(payload) {
            Ok(c) => c,
            Err(e) => {
                verdict.result = Err(Reason::ClaimsMalformed(e));
                return;
            }
        };
        verdict.certificate = Some(CertificateView::new(&claims, signer));
        verdict.result = check_times(&claims, signer, now, self.skew);
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

/// A message refused before its signature: the reason, and the header's alg and kid when
/// they were read. Small, so the happy path does not carry a whole [`Verdict`].
pub(crate) struct Rejected {
    reason: Reason,
    header: Option<(Algorithm, [u8; 8])>,
}

impl Rejected {
    #[cold]
    fn bare(reason: Reason) -> Self {
        Rejected {
            reason,
            header: None,
        }
    }

    #[cold]
    fn with_header(alg: Algorithm, kid: [u8; 8], reason: Reason) -> Self {
        Rejected {
            reason,
            header: Some((alg, kid)),
        }
    }

    /// The verdict: not valid, with alg and kid when known.
    #[cold]
    pub(crate) fn into_verdict(self) -> Verdict {
        Verdict {
            result: Err(self.reason),
            alg: self.header.map(|(a, _)| a),
            kid: self.header.map(|(_, k)| k),
            certificate: None,
        }
    }
}

/// A message that passed every step before the signature ([`Verifier::pre_signature`]).
pub(crate) struct PreSignature<'m, 't> {
    /// The parsed message, borrowing the COSE bytes.
    pub(crate) msg: Sign1<'m>,
    /// Its algorithm (protected, allowed).
    pub(crate) algorithm: Algorithm,
    /// Its kid (protected, 8 bytes).
    pub(crate) kid: [u8; 8],
    /// The attached payload (claims not yet decoded).
    pub(crate) payload: &'m [u8],
    /// The trusted signers with this kid; at least one has this algorithm.
    pub(crate) signers: &'t [TrustedSigner],
}

impl<'t> PreSignature<'_, 't> {
    /// The verdict so far: valid, with alg and kid.
    #[inline]
    pub(crate) fn verdict(&self) -> Verdict {
        Verdict {
            result: Ok(()),
            alg: Some(self.algorithm),
            kid: Some(self.kid),
            certificate: None,
        }
    }

    /// The trusted signers with this kid and algorithm.
    #[inline]
    pub(crate) fn candidates(&self) -> impl Iterator<Item = &'t TrustedSigner> + '_ {
        self.signers
            .iter()
            .filter(move |s| s.key().algorithm() == self.algorithm)
    }

    /// The single signature check (`ring`): the first candidate whose key verifies the
    /// signature over the Sig_structure (built into `tbs`), or `None`.
    #[inline]
    pub(crate) fn check_signature(&self, tbs: &mut Vec<u8>) -> Option<&'t TrustedSigner> {
        // Certseal issues low-S ECDSA only, so each payload has one accepted encoding.
        if self.algorithm == Algorithm::Es256 && !crypto::p256_is_low_s(self.msg.signature) {
            return None;
        }
        tbs.clear();
        self.msg.sig_structure(&[], tbs);
        let sig = self.msg.signature;
        self.candidates().find(|s| s.key().verify(tbs, sig).is_ok())
    }
}

/// The signature step through the cache: a hit names the signer that verified these exact
/// bytes before; a miss checks the signature and remembers a success.
pub(crate) fn cached_signature<'t>(
    cache: &VerifiedCache,
    cose: &[u8],
    pre: &PreSignature<'_, 't>,
    tbs: &mut Vec<u8>,
) -> Option<&'t TrustedSigner> {
    let key = cache::digest_of(cose);
    // An entry the batch path stored (cofactored equation only) does not count here.
    let hit = key
        .as_ref()
        .and_then(|k| cache.get(k))
        .filter(|v| v & cache::BATCH_ONLY == 0);
    if let Some(hit) = hit {
        if let Some(signer) = usize::try_from(hit)
            .ok()
            .and_then(|i| pre.candidates().nth(i))
        {
            return Some(signer);
        }
    }
    let signer = pre.check_signature(tbs)?;
    let index = pre
        .candidates()
        .position(|c| std::ptr::eq(c, signer))
        .and_then(|i| u32::try_from(i).ok());
    if let (Some(key), Some(index)) = (key, index) {
        cache.insert(key, index);
    }
    Some(signer)
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

impl CertificateView {
    /// The certificate's e-licence identifier, rebuilt from the catalogue's licence type, the
    /// authority's unified social credit code, the serial and the version — when the signer
    /// certificate names the authority and the qualification is in the built-in catalogue.
    pub fn identifier(&self) -> Option<crate::model::ElicenceId> {
        let qual = crate::model::Catalogue::builtin().get(self.qualification)?;
        let uscc = crate::model::Uscc::parse(self.authority_uscc.as_deref()?).ok()?;
        crate::model::ElicenceId::mint(&qual.licence_type, &uscc, &self.serial, self.version).ok()
    }

    /// The view as JSON for people and scripts: codes with their catalogue names, the masked ID
    /// number (`**************123X`), dates as text, the issue kind in words (补发 for a
    /// replacement) and the rebuilt identifier.
    pub fn to_json(&self) -> serde_json::Value {
        use crate::model::{Catalogue, IdDocType, IssueKind, Sex};
        let qual = Catalogue::builtin().get(self.qualification);
        let level = qual.and_then(|q| q.level(self.level));
        let specialty = self
            .specialty
            .and_then(|s| qual.and_then(|q| q.specialty(s)));
        let birth_year = 1900 + i64::from(self.birth_months / 12);
        let birth_month = self.birth_months % 12 + 1;
        let (y, m, d) =
            crate::time::civil_from_days(i64::from(self.approval_days)).unwrap_or((0, 0, 0));
        serde_json::json!({
            "identifier": self.identifier().map(|i| i.to_string()),
            "qualification": {
                "code": self.qualification,
                "name": qual.map(|q| q.name.as_str()),
                "name_en": qual.map(|q| q.name_en.as_str()),
                "level": self.level,
                "level_name": level.map(|l| l.name.as_str()),
                "specialty": self.specialty,
                "specialty_name": specialty.map(|s| s.name.as_str()),
            },
            "holder": {
                "name": self.holder_name,
                "sex": Sex::from_code(self.sex).map_or("未知的性别", Sex::label_zh),
                "birth": format!("{birth_year:04}-{birth_month:02}"),
                "id_type": IdDocType::from_code(self.id_type)
                    .and_then(|t| serde_json::to_value(t).ok()),
                "id_number": format!("{}{}", "*".repeat(14), self.id_tail),
            },
            "management_number": self.management_number,
            "approval_date": format!("{y:04}-{m:02}-{d:02}"),
            "serial": self.serial,
            "version": self.version,
            "kind": IssueKind::from_code(self.kind).map(IssueKind::label_zh),
            "replacement": self.kind == IssueKind::Replacement.code(),
            "status_index": self.status_index,
            "issued_at": crate::time::rfc3339(self.issued_at),
            "expires_at": self.expires_at.map(crate::time::rfc3339),
            "authority": {
                "name": self.authority_name,
                "uscc": self.authority_uscc,
            },
        })
    }
}

impl Verdict {
    /// The verdict as the JSON object `certseal verify --json` prints: `status` (`valid` /
    /// `invalid`), `reason` code, `stage`, `detail`, `alg`, `kid` (hex) and the `certificate`
    /// view (see [`CertificateView::to_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        let reason = self.result.as_ref().err();
        serde_json::json!({
            "status": if self.is_valid() { "valid" } else { "invalid" },
            "reason": reason.map(Reason::code),
            "stage": reason.map(Reason::stage),
            "detail": reason.map(ToString::to_string),
            "alg": self.alg.map(Algorithm::name),
            "kid": self.kid.as_ref().map(|k| crate::codec::hex::encode(k)),
            "certificate": self.certificate.as_ref().map(CertificateView::to_json),
        })
    }
}
