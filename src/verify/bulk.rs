//! Bulk verification (`specs/batch-verify.md`), opt-in through
//! [`Verifier::verify_many_cofactored`], whose name says what it accepts.
//!
//! It runs the same steps as [`Verifier::verify`], in the same order, on many payloads:
//! text → prefix → base45 → COSE → alg → kid → payload → key(s), then the signature, then
//! claims → signer window → time → status. Only the signature step differs:
//!
//! - Ed25519 signatures by a key that has a batch form are checked together by the
//!   cofactored batch equation (`ed25519_batch`); a failed batch is bisected so the verdict
//!   names exactly the payloads whose signatures are bad.
//! - ES256 and SM2 signatures by a key under a kid of its own are checked by the fast
//!   verifiers of `crypto::ec` (per-key comb tables, shared inversions): the same verdict as
//!   the single check, signature by signature. The tables live in [`EcKeys`], built by a
//!   key's first bulk verification, at most [`MAX_KEY_TABLES`] of them per verifier.
//!
//! Everything else (a kid with more than one key, keys over the table budget) takes the
//! single check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use ring::rand::SystemRandom;

use super::cache::{self, Digest};
use super::ed25519_batch::{find_bad, prepare, EdKeys, Term};
use super::{steps, Reason, Verdict, Verifier};
use crate::crypto::ec::{FastBatch, FastKey};
use crate::crypto::{self, Algorithm};
use crate::trust::{TrustStore, TrustedSigner};

/// Payloads decoded and checked together; one Ed25519 batch equation per chunk at most.
/// Large enough that the multi-scalar multiplication runs Pippenger's method, small enough that
/// the decoded messages of one chunk stay in cache.
pub const BATCH_SIZE: usize = 512;

/// Most ES256 / SM2 signer keys of one verifier that get a comb table (≈ 150 KB each, so at
/// most ≈ 10 MB); the keys past it take the single check in bulk verification too.
pub const MAX_KEY_TABLES: usize = 64;

/// The ES256 and SM2 signer keys of a verifier's trust store, each with its comb table
/// (`crypto::ec::FastKey`) built by the key's first bulk verification.
#[derive(Debug, Default)]
pub(super) struct EcKeys {
    /// Sorted by kid; filled on the first bulk verification.
    slots: OnceLock<Vec<EcSlot>>,
    /// Tables built (or tried) so far.
    built: AtomicUsize,
}

#[derive(Debug)]
struct EcSlot {
    kid: [u8; 8],
    raw: Box<[u8]>,
    table: OnceLock<Option<FastKey>>,
}

impl EcKeys {
    /// The prepared key of `signer`, building its table on first use; `None` for other
    /// algorithms, keys that are not curve points, and keys past the table budget.
    fn key_for(&self, trust: &TrustStore, signer: &TrustedSigner) -> Option<&FastKey> {
        let slots = self.slots.get_or_init(|| {
            let mut slots: Vec<EcSlot> = trust
                .signers()
                .iter()
                .filter(|s| s.key().algorithm() != Algorithm::EdDsa)
                .map(|s| EcSlot {
                    kid: *s.kid(),
                    raw: s.key().raw().into(),
                    table: OnceLock::new(),
                })
                .collect();
            slots.sort_by_key(|a| a.kid);
            slots
        });
        let i = slots.binary_search_by(|e| e.kid.cmp(signer.kid())).ok()?;
        let slot = slots.get(i)?;
        if slot.raw[..] != *signer.key().raw() {
            return None;
        }
        slot.table
            .get_or_init(|| {
                if self.built.fetch_add(1, Ordering::Relaxed) >= MAX_KEY_TABLES {
                    return None;
                }
                FastKey::new(signer.key())
            })
            .as_ref()
    }
}

/// One Ed25519 payload waiting for the batch equation: where its verdict goes and what the
/// steps after the signature need.
struct Pending<'m, 't> {
    slot: usize,
    payload: &'m [u8],
    signer: &'t TrustedSigner,
    /// Its cache key, when the verifier has a cache.
    digest: Option<Digest>,
}

impl Verifier {
    /// Verifies many payloads on the current thread at the clock's current time, checking
    /// Ed25519 signatures together by the **cofactored** batch equation. Verdicts come back in
    /// input order.
    ///
    /// Every verdict equals [`Verifier::verify`]'s for the same text, with one documented
    /// exception, which is why the method says `cofactored`: an Ed25519 signature whose `R`
    /// carries a small-order component cleared by the cofactor is valid here and a
    /// `signature` failure there. Only the holder of the trusted private key can make one
    /// (`specs/batch-verify.md`). A batch that fails is bisected, so a bad signature yields
    /// exactly one [`Reason::Signature`] at its own position.
    pub fn verify_many_cofactored<S: AsRef<str>>(&self, texts: &[S]) -> Vec<Verdict> {
        self.verify_many_cofactored_at(texts, self.now())
    }

    /// [`Verifier::verify_many_cofactored`] as of `now` (seconds since the epoch).
    pub fn verify_many_cofactored_at<S: AsRef<str>>(&self, texts: &[S], now: i64) -> Vec<Verdict> {
        self.verify_many_chunked(texts, now, BATCH_SIZE)
    }

    /// [`Verifier::verify_many_cofactored_at`] with `batch_size` payloads per batch equation
    /// (at least 1); `internal::bench` turns this knob.
    pub(crate) fn verify_many_chunked<S: AsRef<str>>(
        &self,
        texts: &[S],
        now: i64,
        batch_size: usize,
    ) -> Vec<Verdict> {
        let keys = self.ed25519.get_or_init(|| EdKeys::new(&self.trust));
        let cache = self.cache.as_ref();
        let rng = SystemRandom::new();
        let mut out = Vec::with_capacity(texts.len());
        let mut coses: Vec<Vec<u8>> = Vec::new();
        let mut decoded: Vec<Result<(), Reason>> = Vec::new();
        let mut tbs = Vec::new();
        for chunk in texts.chunks(batch_size.max(1)) {
            coses.resize_with(chunk.len().max(coses.len()), Vec::new);
            decoded.clear();
            for (text, cose) in chunk.iter().zip(coses.iter_mut()) {
                decoded.push(self.decode_text(text.as_ref(), cose));
            }
            let mut pending: Vec<Pending<'_, '_>> = Vec::new();
            let mut terms: Vec<Term> = Vec::new();
            let mut fast = FastBatch::default();
            let mut fast_pending: Vec<Pending<'_, '_>> = Vec::new();
            for (cose, decoded) in coses.iter().zip(decoded.drain(..)) {
                let slot = out.len();
                if let Err(reason) = decoded {
                    out.push(Verdict::reject(reason));
                    continue;
                }
                let checked = match self.check_to_keys(cose) {
                    Ok(c) => c,
                    Err(rejected) => {
                        out.push(rejected.into_verdict());
                        continue;
                    }
                };
                let mut verdict = checked.verdict();
                // A kid held by one Ed25519 key with a batch form enters the equation.
                let batch_key = match (checked.alg, checked.candidates.under_kid) {
                    (Algorithm::EdDsa, [signer]) => keys.index_of(signer).map(|k| (k, signer)),
                    _ => None,
                };
                // An ES256 or SM2 kid held by one key with a comb table: the fast verifier.
                let fast_key = match (checked.alg, checked.candidates.under_kid) {
                    (Algorithm::EdDsa, _) => None,
                    (alg, [signer]) => {
                        let low_s_ok =
                            alg != Algorithm::Es256 || crypto::p256_is_low_s(checked.msg.signature);
                        self.ec
                            .key_for(&self.trust, signer)
                            .map(|key| (key, signer, low_s_ok))
                    }
                    _ => None,
                };
                if let Some((key, signer, low_s_ok)) = fast_key {
                    let digest = cache.and_then(|_| cache::digest_of(cose));
                    if let (Some(cache), Some(d)) = (cache, digest) {
                        // Verified before by the single check or this path (both exact).
                        if cache.get_single(&d) == Some(0) {
                            self.after_signature(&mut verdict, checked.payload, signer, now);
                            out.push(verdict);
                            continue;
                        }
                    }
                    if low_s_ok {
                        checked.msg.sig_structure(&[], &mut tbs);
                        fast.push(key, &tbs, checked.msg.signature);
                        fast_pending.push(Pending {
                            slot,
                            payload: checked.payload,
                            signer,
                            digest,
                        });
                    } else {
                        verdict.result = Err(Reason::Signature);
                    }
                    out.push(verdict);
                    continue;
                }
                let digest = match (cache, batch_key) {
                    (Some(cache), Some((_, signer))) => match cache::digest_of(cose) {
                        // Cached: this exact message verified under its one candidate.
                        Some(d) if cache.get_any(&d) == Some(0) => {
                            self.after_signature(&mut verdict, checked.payload, signer, now);
                            out.push(verdict);
                            continue;
                        }
                        d => d,
                    },
                    _ => None,
                };
                match batch_key {
                    Some((key, signer)) => {
                        checked.msg.sig_structure(&[], &mut tbs);
                        match prepare(keys, key, checked.msg.signature, &tbs) {
                            Some(term) => {
                                terms.push(term);
                                pending.push(Pending {
                                    slot,
                                    payload: checked.payload,
                                    signer,
                                    digest,
                                });
                            }
                            None => verdict.result = Err(Reason::Signature),
                        }
                    }
                    None => {
                        let signer = match cache {
                            None => steps::signature(&checked.msg, checked.candidates, &mut tbs),
                            Some(cache) => steps::signature_cached(
                                cache,
                                cose,
                                &checked.msg,
                                checked.candidates,
                                &mut tbs,
                            ),
                        };
                        match signer {
                            Ok(signer) => {
                                self.after_signature(&mut verdict, checked.payload, signer, now)
                            }
                            Err(reason) => verdict.result = Err(reason),
                        }
                    }
                }
                out.push(verdict);
            }
            let good = fast.verify();
            for (p, good) in fast_pending.iter().zip(good) {
                if let Some(verdict) = out.get_mut(p.slot) {
                    if good {
                        if let (Some(cache), Some(d)) = (cache, p.digest) {
                            cache.insert_single(d, 0);
                        }
                        self.after_signature(verdict, p.payload, p.signer, now);
                    } else {
                        verdict.result = Err(Reason::Signature);
                    }
                }
            }
            let bad = find_bad(&terms, keys, &rng);
            for (p, bad) in pending.iter().zip(bad) {
                if let Some(verdict) = out.get_mut(p.slot) {
                    if bad {
                        verdict.result = Err(Reason::Signature);
                    } else {
                        if let (Some(cache), Some(d)) = (cache, p.digest) {
                            cache.insert_batch(d);
                        }
                        self.after_signature(verdict, p.payload, p.signer, now);
                    }
                }
            }
        }
        out
    }
}
