//! Verification (ARCHITECTURE §5), the hot path: one pipeline of step functions
//! (`steps.rs`) that every path goes through, and one typed [`Reason`] for every failure.
//! This module owns the verdicts; it parses nothing itself (`codec`, `cose`, `claims` do)
//! and holds no key arithmetic (`crypto` does, and `ed25519_batch.rs` for the batch).
//!
//! ```text
//! text → prefix → base45 → COSE_Sign1 (protected bytes kept as received) → alg (protected,
//! allowed) → kid → payload → key(s) → signature (low-S for ES256) → claims → signer window
//! at issuance → time → status → Verdict
//! ```
//!
//! - [`Verifier::verify`]: a QR payload text; [`Verifier::verify_cose`]: the same from the
//!   COSE bytes; [`Verifier::verify_batch`]: many, in parallel.
//! - [`Verifier::verify_document`]: a signed certificate document, through the same steps
//!   (same algorithm policy, same low-S rule, same windows and times);
//!   [`Verifier::verify_with_document`] checks a payload and its document belong together.
//! - [`Verifier::verify_many_cofactored`]: bulk verification, where Ed25519 signatures are
//!   checked together by the *cofactored* batch equation (opt-in; `specs/batch-verify.md`).
//! - [`Verifier::with_cache`]: a cache that skips the signature step only.
//! - [`Verifier::with_status`]: a loaded [`StatusList`] the status step checks in memory
//!   (revoked, superseded, signer revoked, stale).
//! - [`interop`]: any CWT in COSE_Sign1 from any issuer, under a profile, through the same
//!   steps and reasons.
//!
//! Every step after the signature costs little next to it: one base45 pass, one CBOR pass over
//! the message and one over the claims, no re-encoding, keys parsed once when the trust store
//! was built.

use std::fmt;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::claims::payload::{self, QrClaims};
use crate::codec::cbor::Mode;
use crate::codec::Limits;
use crate::cose::CwtError;
use crate::crypto::Algorithm;
use crate::status::{Freshness, StatusList};
use crate::time::{Clock, SystemClock};
use crate::trust::{TrustStore, TrustedSigner};

mod bulk;
mod cache;
mod document;
mod ed25519_batch;
pub mod interop;
mod reason;
mod steps;
pub mod stream;
mod view;

pub use self::bulk::{BATCH_SIZE, MAX_KEY_TABLES};
pub use self::cache::VerifiedCache;
pub use self::document::DocumentVerdict;
pub use self::reason::{HcertError, Reason};
#[cfg(feature = "server")]
pub(crate) use self::view::ReportCache;
pub use self::view::{CatalogueNames, CertificateView};

use self::steps::{Candidates, Times};

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
    /// How fresh the status list behind a passed status step was (`None` without a status
    /// list, or when verification stopped earlier).
    pub freshness: Option<Freshness>,
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
            freshness: None,
        }
    }

    /// The verdict as the JSON object `certseal verify --json` prints: `status` (`valid` /
    /// `invalid`), `reason` code, `stage`, `detail`, `alg`, `kid` (hex) and the `certificate`
    /// view (see [`CertificateView::to_json`]). The same object the [`serde::Serialize`] form
    /// writes, keys in alphabetical order.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Writes the verdict's members into a map being serialized (keys in alphabetical
    /// order), so a streamed record can put its own members (file, line) beside them.
    /// With `identifier`, the certificate's identifier is that one (made once per signer and
    /// qualification by a bulk report, the same text) rather than minted again.
    pub(crate) fn serialize_members<M: serde::ser::SerializeMap>(
        &self,
        m: &mut M,
        identifier: Option<Option<crate::model::StemmedId<'_>>>,
    ) -> Result<(), M::Error> {
        let [detail, reason, stage, status] = reason::head(&self.result);
        m.serialize_entry("alg", &self.alg.map(Algorithm::name))?;
        match (&self.certificate, identifier) {
            (Some(c), Some(identifier)) => m.serialize_entry(
                "certificate",
                &view::ViewJson {
                    view: c,
                    identifier,
                },
            )?,
            (c, _) => m.serialize_entry("certificate", c)?,
        }
        m.serialize_entry(detail.0, &detail.1)?;
        m.serialize_entry("freshness", &self.freshness.as_ref().map(freshness_json))?;
        m.serialize_entry("kid", &self.kid.as_ref().map(|k| view::Shown(view::Hex(k))))?;
        m.serialize_entry(reason.0, &reason.1)?;
        m.serialize_entry(stage.0, &stage.1)?;
        m.serialize_entry(status.0, &status.1)
    }

    /// Appends the verdict's JSON members — `"alg":…` to `"status":…`, no braces and no
    /// leading comma — byte for byte what [`serialize_members`](Self::serialize_members)
    /// writes, without a serializer (the bulk report's JSON lines and the server's responses;
    /// the tests compare the two). With `identifier`, that one for the certificate's; the
    /// certificate's repeating parts come from `fragments`.
    pub(crate) fn write_json_members(
        &self,
        identifier: Option<crate::model::StemmedId<'_>>,
        fragments: &mut view::JsonFragments,
        out: &mut Vec<u8>,
    ) {
        use self::view::Hex;
        use crate::codec::json;
        let err = self.result.as_ref().err();
        out.extend_from_slice(b"\"alg\":");
        match self.alg {
            // Algorithm names are plain ASCII (`ES256`, `EdDSA`, `SM2`).
            Some(a) => json::plain(out, a.name()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"certificate\":");
        match &self.certificate {
            Some(c) => c.write_json(identifier, fragments, out),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"detail\":");
        match err {
            Some(e) => json::display(out, e),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"freshness\":");
        match &self.freshness {
            Some(f) => write_freshness(f, out),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"kid\":");
        match &self.kid {
            Some(k) => {
                out.push(b'"');
                Hex(k).write_to(out);
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"reason\":");
        json::opt_str(out, err.map(|e| e.code()));
        out.extend_from_slice(b",\"stage\":");
        json::opt_str(out, err.map(|e| e.stage()));
        out.extend_from_slice(b",\"status\":");
        json::plain(out, if self.is_valid() { "valid" } else { "invalid" });
    }

    /// Appends the verdict's JSON object — the bytes `serde_json` writes for it — to `out`,
    /// the certificate's identifier and repeating parts made through `cache` (kept across a
    /// batch: its verdicts share a few signers and qualifications).
    #[cfg(feature = "server")]
    pub(crate) fn write_json(&self, cache: &mut view::ReportCache, out: &mut Vec<u8>) {
        let view::ReportCache { stems, fragments } = cache;
        let identifier = self.certificate.as_ref().and_then(|c| stems.identifier(c));
        out.push(b'{');
        self.write_json_members(identifier, fragments, out);
        out.push(b'}');
    }
}

impl serde::Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(8))?;
        self.serialize_members(&mut m, None)?;
        m.end()
    }
}

/// The status freshness as JSON: `sequence`, `issued_at`, `next_update` (RFC 3339), `stale`,
/// `covered`.
pub(crate) fn freshness_json(f: &Freshness) -> serde_json::Value {
    serde_json::json!({
        "sequence": f.sequence,
        "issued_at": crate::time::rfc3339(f.issued_at),
        "next_update": crate::time::rfc3339(f.next_update),
        "stale": f.stale,
        "covered": f.covered,
    })
}

/// [`freshness_json`]'s bytes (members in alphabetical order), written without a `Value`.
fn write_freshness(f: &Freshness, out: &mut Vec<u8>) {
    use crate::codec::json;
    let flag = |b: bool| -> &'static [u8] {
        if b {
            b"true"
        } else {
            b"false"
        }
    };
    out.extend_from_slice(b"{\"covered\":");
    out.extend_from_slice(flag(f.covered));
    out.extend_from_slice(b",\"issued_at\":\"");
    json::rfc3339(out, f.issued_at);
    out.extend_from_slice(b"\",\"next_update\":\"");
    json::rfc3339(out, f.next_update);
    out.extend_from_slice(b"\",\"sequence\":");
    json::u64(out, f.sequence);
    out.extend_from_slice(b",\"stale\":");
    out.extend_from_slice(flag(f.stale));
    out.push(b'}');
}

/// A verifier of certseal QR payloads and documents: a trust store, a clock, a skew
/// tolerance, bounds and an algorithm policy. Cheap to share across threads.
pub struct Verifier {
    trust: TrustStore,
    clock: Box<dyn Clock>,
    skew: i64,
    limits: Limits,
    allowed: Vec<Algorithm>,
    /// The Ed25519 keys of `trust` that may enter a batch equation, built on first use.
    ed25519: OnceLock<ed25519_batch::EdKeys>,
    /// The ES256 / SM2 keys of `trust` with comb tables for bulk verification, built on use.
    ec: bulk::EcKeys,
    cache: Option<VerifiedCache>,
    status: Option<StatusList>,
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

/// A message refused before its signature: why, and its alg and kid when they were read.
struct Rejected {
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
    fn into_verdict(self) -> Verdict {
        Verdict {
            result: Err(self.reason),
            alg: self.header.map(|(a, _)| a),
            kid: self.header.map(|(_, k)| k),
            certificate: None,
            freshness: None,
        }
    }
}

/// A message that passed every step up to the signature.
struct Checked<'m, 't> {
    msg: crate::cose::Sign1<'m>,
    alg: Algorithm,
    kid: [u8; 8],
    payload: &'m [u8],
    candidates: Candidates<'t>,
}

impl Checked<'_, '_> {
    /// The verdict so far: valid, with alg and kid.
    fn verdict(&self) -> Verdict {
        Verdict {
            result: Ok(()),
            alg: Some(self.alg),
            kid: Some(self.kid),
            certificate: None,
            freshness: None,
        }
    }
}

impl Verifier {
    /// A verifier over `trust` with the system clock, five minutes of skew tolerance, default
    /// limits and every algorithm certseal signs its own payloads with
    /// ([`Algorithm::PAYLOAD`]) allowed.
    pub fn new(trust: TrustStore) -> Self {
        Verifier {
            trust,
            clock: Box::new(SystemClock),
            skew: DEFAULT_SKEW_SECS,
            limits: Limits::DEFAULT,
            allowed: Algorithm::PAYLOAD.to_vec(),
            ed25519: OnceLock::new(),
            ec: bulk::EcKeys::default(),
            cache: None,
            status: None,
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

    /// Allows only these algorithms (e.g. SM2 only for a national deployment), for payloads
    /// and documents alike. Only algorithms of [`Algorithm::PAYLOAD`] can be allowed: the
    /// verify-only interop algorithms (PS256, ES384, …) are dropped from `algs`, so a certseal
    /// payload under them is refused at step `alg` whatever the trust store holds
    /// (`specs/interop.md`, "certseal's own payloads").
    pub fn allow_only(mut self, algs: &[Algorithm]) -> Self {
        self.allowed = algs
            .iter()
            .copied()
            .filter(|a| Algorithm::PAYLOAD.contains(a))
            .collect();
        self
    }

    /// Keeps a bounded cache of up to `capacity` payloads whose signature verified, keyed by
    /// SHA-256 of the COSE bytes, so a payload seen again skips the signature check (and only
    /// that: structure, kid, claims, signer window, time and status are checked every time).
    /// Opt-in: it costs a SHA-256 per verification and keeps digests of the payloads seen.
    /// See [`VerifiedCache`] and `specs/batch-verify.md`.
    pub fn with_cache(mut self, capacity: usize) -> Self {
        self.cache = Some(VerifiedCache::new(capacity));
        self
    }

    /// Checks every payload and document against `list` after its signature (the status
    /// step): a revoked signer kid, a revoked or superseded status index, or (policy `Fail`)
    /// a list past its `next_update` plus grace is refused with [`Reason::Status`]; a pass
    /// carries [`Verdict::freshness`]. The list was verified when it was loaded
    /// ([`StatusList::load`]: a status signer of this trust store), so a lookup is in memory.
    pub fn with_status(mut self, list: StatusList) -> Self {
        self.status = Some(list);
        self
    }

    /// Puts `list` in force in place of the one held (or none), for a verifier kept open
    /// while its publisher signs new snapshots (`certseal serve`). Unlike
    /// [`StatusList::replace`] it does not compare sequences: the caller vouches that `list`
    /// is the newer state.
    pub fn set_status(&mut self, list: Option<StatusList>) {
        self.status = list;
    }

    /// The status list, when one is loaded.
    pub fn status(&self) -> Option<&StatusList> {
        self.status.as_ref()
    }

    /// The status list to apply deltas or a newer snapshot to in place
    /// ([`StatusList::apply_delta`], [`StatusList::replace`]; on error it is unchanged).
    pub fn status_mut(&mut self) -> Option<&mut StatusList> {
        self.status.as_mut()
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
    pub fn now(&self) -> i64 {
        self.clock.now()
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
        let checked = match self.check_to_keys(cose) {
            Ok(c) => c,
            Err(rejected) => return rejected.into_verdict(),
        };
        let mut verdict = checked.verdict();
        let mut tbs = Vec::new();
        let signer = match &self.cache {
            None => steps::signature(&checked.msg, checked.candidates, &mut tbs),
            Some(cache) => {
                steps::signature_cached(cache, cose, &checked.msg, checked.candidates, &mut tbs)
            }
        };
        match signer {
            Ok(signer) => self.after_signature(&mut verdict, checked.payload, signer, now),
            Err(reason) => verdict.result = Err(reason),
        }
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

    /// Steps `text_len`, `prefix` and `base45`: the COSE bytes into `cose`.
    #[inline]
    fn decode_text(&self, text: &str, cose: &mut Vec<u8>) -> Result<(), Reason> {
        steps::text_len(text, self.limits.max_text_len)?;
        let body = steps::prefix(text, payload::PREFIX)?;
        steps::base45(body, cose)
    }

    /// Steps `cose` to `keys` on certseal's own messages (strict CBOR): the parsed message
    /// with its algorithm, kid, payload and candidate signers, or why it was refused.
    #[inline]
    fn check_to_keys<'m>(&self, cose: &'m [u8]) -> Result<Checked<'m, '_>, Rejected> {
        let msg = steps::cose(cose, Mode::Strict, &self.limits).map_err(Rejected::bare)?;
        let alg = steps::alg(&msg, &self.allowed).map_err(Rejected::bare)?;
        let kid = steps::kid(&msg).map_err(Rejected::bare)?;
        let with_header = |reason| Rejected {
            reason,
            header: Some((alg, kid)),
        };
        let payload = steps::payload(&msg).map_err(with_header)?;
        let candidates = steps::keys(&self.trust, &kid, alg).map_err(with_header)?;
        Ok(Checked {
            msg,
            alg,
            kid,
            payload,
            candidates,
        })
    }

    /// The steps after the signature on a QR payload: claims, the certificate view, the
    /// signer's window at issuance, time and status. Never skipped, whatever checked the
    /// signature (single, batch equation or cache).
    #[inline]
    fn after_signature(
        &self,
        verdict: &mut Verdict,
        payload: &[u8],
        signer: &TrustedSigner,
        now: i64,
    ) {
        let claims = match QrClaims::decode(payload) {
            Ok(c) => c,
            Err(e) => {
                verdict.result = Err(Reason::ClaimsMalformed(CwtError::Cbor(e)));
                return;
            }
        };
        let view = match CertificateView::new(&claims, signer) {
            Ok(view) => view,
            Err(e) => {
                verdict.result = Err(Reason::ClaimsMalformed(e));
                return;
            }
        };
        let times = Times {
            iat: Some(claims.iat),
            nbf: None,
            exp: claims.exp,
        };
        verdict.result = steps::signer_window(claims.iat, signer)
            .and_then(|()| steps::time(times, now, self.skew))
            .and_then(|()| {
                steps::status(self.status.as_ref(), signer.kid(), claims.status_index, now)
            })
            .map(|freshness| verdict.freshness = freshness);
        verdict.certificate = Some(view);
    }
}
