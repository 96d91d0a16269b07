//! The verifier handle behind the C ABI, in safe Rust: a [`Verifier`] built from a signed trust
//! list and its root, the clock setting, the status list in force, the worker pool and the last
//! error message. Everything a handle holds it owns; nothing here is global.
//!
//! This module owns the handle's state and the mapping of verdicts to [`CertsealResult`] and to
//! the JSON view. It parses nothing and checks no signature itself: trust lists, status
//! documents, payloads and images go to the engine's public API (`certseal::trust`,
//! `certseal::status`, `certseal::verify`, `certseal::qr`). The raw pointers live in
//! `abi.rs`; this file holds no `unsafe`.
//!
//! Status: after a verdict the engine calls valid, the handle asks the loaded
//! [`StatusList`] (`StatusList::check`) about the payload's kid and status index, and a refusal
//! turns the verdict into `invalid` at stage `status` with the engine's own reason name
//! (`revoked`, `superseded`, `signer_revoked`, `stale`).
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rayon::prelude::*;

use certseal::codec::Limits;
use certseal::status::{StatusList, StatusReason};
use certseal::trust::{RootCert, TrustList};
use certseal::verify::{Reason, Verdict, Verifier, BATCH_SIZE};
use certseal::{Clock, SystemClock};

use crate::codes::{reason_of, stage_of};
use crate::types::{
    CertsealCode, CertsealResult, CertsealStage, CertsealStatus, CertsealStatusInfo,
    CERTSEAL_FLAG_HAS_CERTIFICATE, CERTSEAL_FLAG_HAS_KID, CERTSEAL_FLAG_HAS_STATUS_INDEX,
    CERTSEAL_FLAG_STATUS_CHECKED, CERTSEAL_FLAG_STATUS_COVERED, CERTSEAL_FLAG_STATUS_STALE,
    CERTSEAL_MAX_THREADS,
};

/// Largest trust-list file read: the trust list's own bound, 4 MiB.
const MAX_TRUST_LIST_FILE: u64 = 4 << 20;
/// Largest root-certificate file read (PEM of a 16 KiB DER is under 23 KiB).
const MAX_ROOT_FILE: u64 = 64 << 10;
/// The clock setting that means "the system clock".
const SYSTEM_TIME: i64 = i64::MIN;

/// A failed call: the code returned and the message kept on the handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The return code.
    pub code: CertsealCode,
    /// What went wrong, in lower case, with the values involved.
    pub message: String,
}

impl Failure {
    #[cold]
    pub(crate) fn new(code: CertsealCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// The handle's clock: a fixed time set through the ABI, or the system clock.
struct HandleClock(Arc<AtomicI64>);

impl Clock for HandleClock {
    fn now(&self) -> i64 {
        match self.0.load(Ordering::Relaxed) {
            SYSTEM_TIME => SystemClock.now(),
            fixed => fixed,
        }
    }
}

/// What the status list said about a verdict the engine called valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusStep {
    /// No status list is loaded, or the verdict was already invalid.
    Unchecked,
    /// The list was consulted and let the payload through.
    Passed {
        /// The list's sequence.
        sequence: u64,
        /// When the list's next update is due.
        next_update: i64,
        /// `now` is past `next_update`.
        stale: bool,
        /// The payload's status index lies inside the list.
        covered: bool,
    },
    /// The list refused the payload.
    Refused {
        /// Why.
        reason: StatusReason,
        /// The list's sequence.
        sequence: u64,
        /// When the list's next update is due.
        next_update: i64,
        /// `now` is past `next_update`.
        stale: bool,
    },
}

/// The verdict on one input with the handle's status step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The engine's verdict.
    pub verdict: Verdict,
    /// The status step.
    pub status: StatusStep,
}

impl Outcome {
    /// The fixed-layout result.
    pub fn result(&self) -> CertsealResult {
        let v = &self.verdict;
        let mut r = CertsealResult::UNSET;
        match (&v.result, &self.status) {
            (Ok(()), StatusStep::Refused { reason, .. }) => {
                r.status = CertsealStatus::Invalid;
                r.reason = reason_of(reason.code());
                r.stage = CertsealStage::Status;
            }
            (Ok(()), _) => r.status = CertsealStatus::Valid,
            (Err(reason), _) => {
                r.status = CertsealStatus::Invalid;
                r.reason = reason_of(reason.code());
                r.stage = stage_of(reason.stage());
            }
        }
        if let (Some(alg), Some(kid)) = (v.alg, v.kid) {
            r.alg = i32::try_from(alg.cose_value()).unwrap_or(0);
            r.kid = kid;
            r.flags |= CERTSEAL_FLAG_HAS_KID;
        }
        if let Some(cert) = &v.certificate {
            r.flags |= CERTSEAL_FLAG_HAS_CERTIFICATE;
            if let Some(index) = cert.status_index {
                r.status_index = index;
                r.flags |= CERTSEAL_FLAG_HAS_STATUS_INDEX;
            }
        }
        match self.status {
            StatusStep::Unchecked => {}
            StatusStep::Passed { stale, covered, .. } => {
                r.flags |= CERTSEAL_FLAG_STATUS_CHECKED;
                if stale {
                    r.flags |= CERTSEAL_FLAG_STATUS_STALE;
                }
                if covered {
                    r.flags |= CERTSEAL_FLAG_STATUS_COVERED;
                }
            }
            StatusStep::Refused { reason, stale, .. } => {
                r.flags |= CERTSEAL_FLAG_STATUS_CHECKED;
                if stale {
                    r.flags |= CERTSEAL_FLAG_STATUS_STALE;
                }
                if matches!(
                    reason,
                    StatusReason::Revoked { .. } | StatusReason::Superseded { .. }
                ) {
                    r.flags |= CERTSEAL_FLAG_STATUS_COVERED;
                }
            }
        }
        r
    }

    /// The JSON view: the object `certseal verify --json` prints ([`Verdict::to_json`]); when
    /// the status list refused the payload, `status`, `reason`, `stage` and `detail` say so;
    /// when a list was consulted, `status_list` gives its `sequence`, `next_update` and
    /// `stale`.
    pub fn json(&self) -> serde_json::Value {
        let mut json = self.verdict.to_json();
        let Some(map) = json.as_object_mut() else {
            return json;
        };
        let (sequence, next_update, stale) = match &self.status {
            StatusStep::Unchecked => return json,
            StatusStep::Passed {
                sequence,
                next_update,
                stale,
                ..
            } => (*sequence, *next_update, *stale),
            StatusStep::Refused {
                reason,
                sequence,
                next_update,
                stale,
            } => {
                map.insert("status".into(), "invalid".into());
                map.insert("reason".into(), reason.code().into());
                map.insert("stage".into(), "status".into());
                map.insert("detail".into(), reason.to_string().into());
                (*sequence, *next_update, *stale)
            }
        };
        map.insert(
            "status_list".into(),
            serde_json::json!({
                "sequence": sequence,
                "next_update": next_update,
                "stale": stale,
            }),
        );
        json
    }
}

/// One QR code found in an image: its text and, for a certseal payload, its outcome.
#[cfg(feature = "qr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode {
    /// The decoded text.
    pub text: String,
    /// `None` for a text that is not a certseal payload (no `CS1:` prefix).
    pub outcome: Option<Outcome>,
}

#[cfg(feature = "qr")]
impl ScannedCode {
    /// The fixed-layout result; `CERTSEAL_STATUS_NOT_CERTSEAL` for another kind of code.
    pub fn result(&self) -> CertsealResult {
        match &self.outcome {
            Some(o) => o.result(),
            None => CertsealResult {
                status: CertsealStatus::NotCertseal,
                stage: CertsealStage::Prefix,
                reason: crate::types::CertsealReason::NotCertseal,
                ..CertsealResult::UNSET
            },
        }
    }

    /// `{"text", "verdict"}` as `certseal scan --json` prints each code.
    pub fn json(&self) -> serde_json::Value {
        let verdict = match &self.outcome {
            Some(o) => o.json(),
            None => certseal::qr::verified::CodeVerdict::NotCertseal.to_json(),
        };
        serde_json::json!({ "text": self.text, "verdict": verdict })
    }
}

/// One input of a batch, as text or as a length past the bound.
enum Input<'a> {
    Text(Cow<'a, str>),
    TooLong(usize),
}

/// `bytes` as payload text: UTF-8 as received, or with U+FFFD for invalid sequences (no
/// payload contains any, so the verdict is `bad_prefix` or `base45` either way); longer than
/// [`Limits::max_text_len`] it is not read at all.
fn input(bytes: &[u8]) -> Input<'_> {
    if bytes.len() > Limits::DEFAULT.max_text_len {
        return Input::TooLong(bytes.len());
    }
    Input::Text(String::from_utf8_lossy(bytes))
}

#[cold]
fn too_long(len: usize) -> Verdict {
    Verdict {
        result: Err(Reason::TooLong {
            len,
            max: Limits::DEFAULT.max_text_len,
        }),
        alg: None,
        kid: None,
        certificate: None,
        freshness: None,
    }
}

/// A verifier handle.
pub struct Handle {
    verifier: Verifier,
    /// The clock setting shared with the verifier's clock.
    time: Arc<AtomicI64>,
    /// The status list in force; replaced whole, so a verification in flight keeps the one it
    /// started with.
    status: RwLock<Option<Arc<StatusList>>>,
    /// Serialises snapshot loads and delta applications (each builds on the list in force).
    status_update: Mutex<()>,
    /// Refuse payloads while the status list is stale.
    fail_when_stale: AtomicBool,
    /// The worker pool; `None` verifies batches on the calling thread.
    pool: Option<rayon::ThreadPool>,
    /// The message of the last failed call.
    last_error: Mutex<String>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("verifier", &self.verifier)
            .field("threads", &self.threads())
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// A handle over a signed trust list (the engine's format, `specs/trust-list.md`) and its
    /// root certificate (PEM or DER), with `threads` workers for batches: 0 one per CPU, 1 the
    /// calling thread only. Uses the system clock until [`Handle::set_time`].
    pub fn new(trust_list: &[u8], root_cert: &[u8], threads: u32) -> Result<Handle, Failure> {
        if threads > CERTSEAL_MAX_THREADS {
            return Err(Failure::new(
                CertsealCode::Argument,
                format!("threads: got {threads}, expected at most {CERTSEAL_MAX_THREADS}"),
            ));
        }
        let root = RootCert::from_pem_or_der(root_cert)
            .map_err(|e| Failure::new(CertsealCode::Trust, format!("root certificate: {e}")))?;
        let list = TrustList::verify(trust_list, &root)
            .map_err(|e| Failure::new(CertsealCode::Trust, format!("trust list: {e}")))?;
        let pool = match threads {
            1 => None,
            n => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n as usize)
                    .thread_name(|i| format!("certseal-{i}"))
                    .build()
                    .map_err(|e| {
                        Failure::new(CertsealCode::Resource, format!("worker threads: {e}"))
                    })?,
            ),
        };
        let time = Arc::new(AtomicI64::new(SYSTEM_TIME));
        Ok(Handle {
            verifier: Verifier::new(list.store).with_clock(HandleClock(Arc::clone(&time))),
            time,
            status: RwLock::new(None),
            status_update: Mutex::new(()),
            fail_when_stale: AtomicBool::new(false),
            pool,
            last_error: Mutex::new(String::new()),
        })
    }

    /// [`Handle::new`] from files, each read up to a bound.
    pub fn from_files(
        trust_list: &Path,
        root_cert: &Path,
        threads: u32,
    ) -> Result<Handle, Failure> {
        let list = read_bounded(trust_list, MAX_TRUST_LIST_FILE, CertsealCode::Trust)?;
        let root = read_bounded(root_cert, MAX_ROOT_FILE, CertsealCode::Trust)?;
        Handle::new(&list, &root, threads)
    }

    /// Worker threads for batches (1: the calling thread).
    pub fn threads(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(1, rayon::ThreadPool::current_num_threads)
    }

    /// Verifies as of `unix_seconds` from now on (`i64::MIN` means the system clock).
    pub fn set_time(&self, unix_seconds: i64) {
        self.time.store(unix_seconds, Ordering::Relaxed);
    }

    /// Verifies at the system clock's time from now on.
    pub fn use_system_time(&self) {
        self.time.store(SYSTEM_TIME, Ordering::Relaxed);
    }

    /// Refuse (`stale`) or accept with `CERTSEAL_FLAG_STATUS_STALE` payloads checked
    /// against a status list past its `next_update`.
    pub fn fail_when_stale(&self, fail: bool) {
        self.fail_when_stale.store(fail, Ordering::Relaxed);
    }

    /// The time verifications use now.
    pub fn now(&self) -> i64 {
        self.verifier.now()
    }

    /// Keeps `message` as the handle's last error.
    pub fn set_error(&self, message: &str) {
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.clear();
        last.push_str(message);
    }

    /// The last error's message (empty when no call failed).
    pub fn last_error(&self) -> String {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn status_list(&self) -> Option<Arc<StatusList>> {
        self.status
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Loads a status snapshot (`specs/status.md`) signed by a status signer of the trust
    /// list. Over a list already loaded it must be newer and from the same issuer
    /// (`StatusList::replace`). On failure the list in force stays.
    pub fn load_status(&self, snapshot: &[u8]) -> Result<(), Failure> {
        let _serial = self
            .status_update
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let store = self.verifier.trust();
        let next = match self.status_list() {
            None => StatusList::load(snapshot, store),
            Some(current) => {
                let mut next = StatusList::clone(&current);
                next.replace(snapshot, store).map(|()| next)
            }
        }
        .map_err(|e| Failure::new(CertsealCode::Status, format!("status snapshot: {e}")))?;
        *self.status.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(next));
        Ok(())
    }

    /// Applies a status delta to the list in force (`StatusList::apply_delta`). On failure the
    /// list in force stays.
    pub fn apply_delta(&self, delta: &[u8]) -> Result<(), Failure> {
        let _serial = self
            .status_update
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(current) = self.status_list() else {
            return Err(Failure::new(
                CertsealCode::Status,
                "status delta: no snapshot loaded, expected certseal_verifier_load_status first",
            ));
        };
        let mut next = StatusList::clone(&current);
        next.apply_delta(delta, self.verifier.trust())
            .map_err(|e| Failure::new(CertsealCode::Status, format!("status delta: {e}")))?;
        *self.status.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(next));
        Ok(())
    }

    /// The status list in force.
    pub fn status_info(&self) -> CertsealStatusInfo {
        let fail_when_stale = u32::from(self.fail_when_stale.load(Ordering::Relaxed));
        match self.status_list() {
            None => CertsealStatusInfo {
                loaded: 0,
                fail_when_stale,
                sequence: 0,
                issued_at: 0,
                next_update: 0,
                size: 0,
            },
            Some(list) => CertsealStatusInfo {
                loaded: 1,
                fail_when_stale,
                sequence: list.sequence(),
                issued_at: list.issued_at(),
                next_update: list.next_update(),
                size: list.size(),
            },
        }
    }

    /// The status step for a verdict.
    #[inline]
    fn status_step(&self, verdict: &Verdict, list: Option<&StatusList>, now: i64) -> StatusStep {
        let Some(list) = list else {
            return StatusStep::Unchecked;
        };
        let (true, Some(kid)) = (verdict.is_valid(), verdict.kid) else {
            return StatusStep::Unchecked;
        };
        let index = verdict.certificate.as_ref().and_then(|c| c.status_index);
        let (sequence, next_update) = (list.sequence(), list.next_update());
        match list.check(&kid, index, now) {
            Ok(fresh) if fresh.stale && self.fail_when_stale.load(Ordering::Relaxed) => {
                StatusStep::Refused {
                    reason: StatusReason::Stale { next_update, now },
                    sequence,
                    next_update,
                    stale: true,
                }
            }
            Ok(fresh) => StatusStep::Passed {
                sequence,
                next_update,
                stale: fresh.stale,
                covered: fresh.covered,
            },
            Err(reason) => StatusStep::Refused {
                reason,
                sequence,
                next_update,
                stale: now > next_update,
            },
        }
    }

    fn outcome(&self, verdict: Verdict, list: Option<&StatusList>, now: i64) -> Outcome {
        let status = self.status_step(&verdict, list, now);
        Outcome { verdict, status }
    }

    /// Verifies one payload text.
    pub fn verify(&self, text: &[u8]) -> Outcome {
        let now = self.now();
        let verdict = match input(text) {
            Input::Text(t) => self.verifier.verify_at(&t, now),
            Input::TooLong(len) => too_long(len),
        };
        self.outcome(verdict, self.status_list().as_deref(), now)
    }

    /// Verifies many payload texts on the handle's workers through the engine's bulk path
    /// ([`Verifier::verify_batch`], or [`Verifier::verify_many_cofactored_at`] per chunk of
    /// [`BATCH_SIZE`] with `cofactored`); outcomes in input order.
    pub fn verify_batch<T: AsRef<[u8]> + Sync>(
        &self,
        texts: &[T],
        cofactored: bool,
    ) -> Vec<Outcome> {
        let now = self.now();
        let list = self.status_list();
        let inputs: Vec<Input<'_>> = texts.iter().map(|t| input(t.as_ref())).collect();
        let strs: Vec<&str> = inputs
            .iter()
            .map(|i| match i {
                Input::Text(t) => t.as_ref(),
                Input::TooLong(_) => "",
            })
            .collect();
        let v = &self.verifier;
        let verdicts = match (&self.pool, cofactored) {
            (None, false) => strs.iter().map(|t| v.verify_at(t, now)).collect(),
            (None, true) => v.verify_many_cofactored_at(&strs, now),
            (Some(pool), false) => pool.install(|| v.verify_batch(&strs)),
            (Some(pool), true) => pool.install(|| {
                strs.par_chunks(BATCH_SIZE)
                    .map(|chunk| v.verify_many_cofactored_at(chunk, now))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .flatten()
                    .collect()
            }),
        };
        verdicts
            .into_iter()
            .zip(&inputs)
            .map(|(verdict, input)| {
                let verdict = match input {
                    Input::Text(_) => verdict,
                    Input::TooLong(len) => too_long(*len),
                };
                self.outcome(verdict, list.as_deref(), now)
            })
            .collect()
    }

    /// Every QR code in a PNG or JPEG image, each certseal payload verified
    /// (`certseal::qr::verified::scan_and_verify`). An image without a readable code gives no
    /// codes; bytes that are no image within bounds fail with `CERTSEAL_CODE_IMAGE`.
    #[cfg(feature = "qr")]
    pub fn scan(&self, image: &[u8]) -> Result<Vec<ScannedCode>, Failure> {
        use certseal::qr::scan::ScanLimits;
        use certseal::qr::verified::{scan_and_verify, CodeVerdict, ScanError};

        let limits = ScanLimits::default();
        if image.len() > limits.max_bytes {
            return Err(Failure::new(
                CertsealCode::Image,
                format!("image: {} bytes, limit {}", image.len(), limits.max_bytes),
            ));
        }
        let now = self.now();
        let list = self.status_list();
        let record = scan_and_verify(image, &limits, &self.verifier);
        match record.error {
            None | Some(ScanError::NoCode) => {}
            Some(e) => return Err(Failure::new(CertsealCode::Image, format!("image: {e}"))),
        }
        Ok(record
            .codes
            .into_iter()
            .map(|code| ScannedCode {
                text: code.text,
                outcome: match code.verdict {
                    CodeVerdict::Checked(v) => Some(self.outcome(*v, list.as_deref(), now)),
                    _ => None,
                },
            })
            .collect())
    }
}

/// Reads a file of at most `max` bytes; a larger one fails with `code` before it is parsed.
fn read_bounded(path: &Path, max: u64, code: CertsealCode) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let io = |e: std::io::Error| Failure::new(CertsealCode::Io, format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > max) {
        return Err(Failure::new(
            code,
            format!("{}: larger than the limit of {max} bytes", path.display()),
        ));
    }
    Ok(bytes)
}
