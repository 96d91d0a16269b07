//! The steps of verification, one function each, in pipeline order (ARCHITECTURE §5):
//!
//! ```text
//! text_len → prefix → base45 → [inflate] → cose → alg → kid → payload → keys → signature
//!   → claims → signer_window → time → status
//! ```
//!
//! Every path goes through these functions: the QR payload ([`super::Verifier::verify`]), the
//! signed document ([`super::Verifier::verify_document`]), bulk verification (where only the
//! signature step is replaced by the batch equation), the cache (which only skips the
//! signature step) and the interop profiles ([`super::interop`], which pick the steps their
//! profile needs and add `hcert`). Each returns the typed [`Reason`] of its failure, so the same
//! fault gives the same reason on every path.
//!
//! This module owns the rules; it holds no state. It does not decode claims (that is
//! `claims`), parse COSE (`cose`) or do arithmetic on keys (`crypto`).

use crate::codec::cbor::Mode;
use crate::codec::{base45, zlib, CodecError, Limits};
use crate::cose::{CoseError, HeaderBucket, Label, Sign1, LABEL_ALG, LABEL_KID};
use crate::crypto::{self, Algorithm, VerifyingKey};
use crate::status::{Freshness, StatusList};
use crate::trust::{TrustStore, TrustedSigner};

use super::cache::{self, VerifiedCache};
use super::Reason;

/// The length of a kid in certseal's own payloads and documents.
pub(super) const KID_LEN: usize = 8;

/// Step `text_len`: the text is at most `max` bytes long.
#[inline]
pub(super) fn text_len(text: &str, max: usize) -> Result<(), Reason> {
    if text.len() > max {
        return Err(Reason::TooLong {
            len: text.len(),
            max,
        });
    }
    Ok(())
}

/// Step `prefix`: the text after `prefix`.
#[inline]
pub(super) fn prefix<'t>(text: &'t str, prefix: &str) -> Result<&'t str, Reason> {
    match text.strip_prefix(prefix) {
        Some(body) => Ok(body),
        None => Err(prefix_error(text, prefix)),
    }
}

#[cold]
fn prefix_error(text: &str, prefix: &str) -> Reason {
    Reason::Prefix(CodecError::Prefix {
        got: text.chars().take(8).collect(),
        expected: prefix.to_owned(),
    })
}

/// Step `base45`: the body decoded into `out` (cleared first).
#[inline]
pub(super) fn base45(body: &str, out: &mut Vec<u8>) -> Result<(), Reason> {
    out.clear();
    base45::decode_into(body.as_bytes(), out).map_err(Reason::Base45)
}

/// Step `inflate` (interop): zlib data inflated to at most `max` bytes; data that is not zlib
/// passes unchanged unless the profile `requires` compression.
pub(super) fn inflate(raw: Vec<u8>, max: usize, required: bool) -> Result<Vec<u8>, Reason> {
    if zlib::looks_like_zlib(&raw) {
        zlib::inflate(&raw, max).map_err(Reason::Decompress)
    } else if required {
        Err(Reason::CompressionRequired)
    } else {
        Ok(raw)
    }
}

/// Step `cose`: the COSE_Sign1 structure, in the given CBOR strictness.
#[inline]
pub(super) fn cose<'m>(bytes: &'m [u8], mode: Mode, limits: &Limits) -> Result<Sign1<'m>, Reason> {
    Sign1::parse(bytes, mode, limits).map_err(cose_reason)
}

/// A COSE parse failure as a reason: malformed CBOR at `cbor`, the rest at the COSE stages.
#[cold]
pub(super) fn cose_reason(e: CoseError) -> Reason {
    match e {
        CoseError::Cbor(c) => Reason::Cbor(c),
        other => Reason::CoseStructure(other),
    }
}

/// Step `alg`: present, integrity-protected, one certseal supports and `allowed` holds.
#[inline]
pub(super) fn alg(msg: &Sign1<'_>, allowed: &[Algorithm]) -> Result<Algorithm, Reason> {
    let label = match &msg.alg {
        Some((label, HeaderBucket::Protected)) => label,
        Some((_, HeaderBucket::Unprotected)) => {
            return Err(Reason::CoseStructure(CoseError::Unprotected {
                label: Label::Int(LABEL_ALG),
            }))
        }
        None => return Err(Reason::CoseStructure(CoseError::MissingAlg)),
    };
    algorithm(label, allowed)
}

/// The algorithm of an `alg` value, if certseal supports it and `allowed` holds it.
#[inline]
pub(super) fn algorithm(label: &Label, allowed: &[Algorithm]) -> Result<Algorithm, Reason> {
    match label.as_int().and_then(Algorithm::from_cose) {
        Some(a) if allowed.contains(&a) => Ok(a),
        _ => Err(unsupported(label)),
    }
}

#[cold]
fn unsupported(alg: &Label) -> Reason {
    Reason::UnsupportedAlgorithm { alg: alg.clone() }
}

/// Step `kid` (certseal's own messages): present, integrity-protected, [`KID_LEN`] bytes.
#[inline]
pub(super) fn kid(msg: &Sign1<'_>) -> Result<[u8; KID_LEN], Reason> {
    let structure = |e| Err(Reason::CoseStructure(e));
    match msg.kid {
        Some((kid, HeaderBucket::Protected)) => match kid.try_into() {
            Ok(kid) => Ok(kid),
            Err(_) => structure(CoseError::KidLength {
                got: kid.len(),
                expected: KID_LEN,
            }),
        },
        Some((_, HeaderBucket::Unprotected)) => structure(CoseError::Unprotected {
            label: Label::Int(LABEL_KID),
        }),
        None => structure(CoseError::MissingHeader {
            label: Label::Int(LABEL_KID),
        }),
    }
}

/// Step `payload`: the payload is in the message, not detached.
#[inline]
pub(super) fn payload<'m>(msg: &Sign1<'m>) -> Result<&'m [u8], Reason> {
    msg.payload
        .ok_or(Reason::CoseStructure(CoseError::DetachedPayload))
}

/// The trusted signers a message may be signed by: those under its kid with its algorithm.
#[derive(Clone, Copy)]
pub(super) struct Candidates<'t> {
    /// Every signer under the kid (at least one has the algorithm).
    pub(super) under_kid: &'t [TrustedSigner],
    /// The message's algorithm.
    pub(super) alg: Algorithm,
}

impl<'t> Candidates<'t> {
    /// The signers under the kid with the message's algorithm.
    #[inline]
    pub(super) fn iter(self) -> impl Iterator<Item = &'t TrustedSigner> {
        self.under_kid
            .iter()
            .filter(move |s| s.key().algorithm() == self.alg && s.usage().documents)
    }
}

/// Step `keys`: the trusted signers with this kid and algorithm whose certificate allows
/// signing certificates (the document purpose, `specs/trust-list.md`); at least one. A kid
/// held only by signers without the document purpose (a status signer) is
/// [`Reason::NotDocumentSigner`].
#[inline]
pub(super) fn keys<'t>(
    trust: &'t TrustStore,
    kid: &[u8; KID_LEN],
    alg: Algorithm,
) -> Result<Candidates<'t>, Reason> {
    let under_kid = trust.lookup(kid);
    let c = Candidates { under_kid, alg };
    if c.iter().next().is_none() {
        return Err(no_key(under_kid, kid, alg));
    }
    Ok(c)
}

#[cold]
fn no_key(under_kid: &[TrustedSigner], kid: &[u8; KID_LEN], alg: Algorithm) -> Reason {
    if under_kid.iter().any(|s| s.key().algorithm() == alg) {
        Reason::NotDocumentSigner { kid: *kid }
    } else {
        Reason::UnknownKid { kid: kid.to_vec() }
    }
}

/// Whether a P-256 signature must be in low-S form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LowS {
    /// certseal's own messages: it issues low-S only, so each signed message has exactly
    /// one accepted encoding.
    Required,
    /// Interop: any valid ECDSA signature (other issuers do not normalise s).
    NotRequired,
}

/// The signature check of one key over the Sig_structure `tbs`, with the low-S rule.
#[inline]
pub(super) fn verify_with(key: &VerifyingKey, tbs: &[u8], sig: &[u8], low_s: LowS) -> bool {
    if low_s == LowS::Required && key.algorithm() == Algorithm::Es256 && !crypto::p256_is_low_s(sig)
    {
        return false;
    }
    key.verify(tbs, sig).is_ok()
}

/// Step `signature` (certseal's own messages): the first candidate whose key verifies the
/// signature over the Sig_structure (built into `tbs`), low-S required for ES256.
#[inline]
pub(super) fn signature<'t>(
    msg: &Sign1<'_>,
    candidates: Candidates<'t>,
    tbs: &mut Vec<u8>,
) -> Result<&'t TrustedSigner, Reason> {
    msg.sig_structure(&[], tbs);
    candidates
        .iter()
        .find(|s| verify_with(s.key(), tbs, msg.signature, LowS::Required))
        .ok_or(Reason::Signature)
}

/// Step `signature` through the cache ([`VerifiedCache`]): a hit names the signer that
/// verified these exact bytes before (by the single check, never by the batch equation); a
/// miss checks the signature and remembers a success.
#[inline]
pub(super) fn signature_cached<'t>(
    cache: &VerifiedCache,
    cose: &[u8],
    msg: &Sign1<'_>,
    candidates: Candidates<'t>,
    tbs: &mut Vec<u8>,
) -> Result<&'t TrustedSigner, Reason> {
    let key = cache::digest_of(cose);
    if let Some(index) = key.as_ref().and_then(|k| cache.get_single(k)) {
        if let Some(signer) = candidates.iter().nth(index) {
            return Ok(signer);
        }
    }
    let signer = signature(msg, candidates, tbs)?;
    let index = candidates.iter().position(|c| std::ptr::eq(c, signer));
    if let (Some(key), Some(index)) = (key, index) {
        cache.insert_single(key, index);
    }
    Ok(signer)
}

/// Step `signer_window`: the signer's certificate was valid when the payload was signed.
#[inline]
pub(super) fn signer_window(iat: i64, signer: &TrustedSigner) -> Result<(), Reason> {
    if iat < signer.not_before() || iat > signer.not_after() {
        return Err(Reason::SignerNotValidAtIssuance {
            iat,
            not_before: signer.not_before(),
            not_after: signer.not_after(),
        });
    }
    Ok(())
}

/// The time claims a message carries.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Times {
    /// `iat`.
    pub(super) iat: Option<i64>,
    /// `nbf`.
    pub(super) nbf: Option<i64>,
    /// `exp`.
    pub(super) exp: Option<i64>,
}

/// Step `time`: not issued (`iat`) or valid from (`nbf`) after `now + skew`, not expired
/// (`exp`) before `now − skew`.
#[inline]
pub(super) fn time(t: Times, now: i64, skew: i64) -> Result<(), Reason> {
    let late = now.saturating_add(skew);
    if let Some(iat) = t.iat.filter(|iat| *iat > late) {
        return Err(Reason::NotYetValid { iat, now });
    }
    if let Some(nbf) = t.nbf.filter(|nbf| *nbf > late) {
        return Err(Reason::NotBefore { nbf, now });
    }
    if let Some(exp) = t.exp.filter(|exp| *exp < now.saturating_sub(skew)) {
        return Err(Reason::Expired { exp, now });
    }
    Ok(())
}

/// Step `status`: the certificate's state in the verifier's status list, looked up by the
/// signer's kid and the status index the signed claims carry (`StatusList::check`): a
/// revoked signer kid, a revoked or superseded index, or (policy `Fail`) a stale list is
/// refused; otherwise how fresh the list is. It runs after the signature and on every path,
/// and the cache never skips it (the cache only ever skips the signature step). Without a
/// status list every certificate passes with no freshness.
#[inline]
pub(super) fn status(
    list: Option<&StatusList>,
    kid: &[u8; KID_LEN],
    status_index: Option<u64>,
    now: i64,
) -> Result<Option<Freshness>, Reason> {
    match list {
        None => Ok(None),
        Some(list) => match list.check(kid, status_index, now) {
            Ok(f) => Ok(Some(f)),
            Err(r) => Err(Reason::Status(r)),
        },
    }
}
