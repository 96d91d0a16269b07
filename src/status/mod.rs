//! Revocation: the state of every status index (valid, superseded, revoked with a reason),
//! revoked signer keys, and the signed documents that carry them to off-line verifiers — a
//! **snapshot** (all states at registry sequence `M`) and a **delta** (the changes in
//! `(N, M]`) — plus the IETF Token Status List export (`specs/status.md`).
//!
//! This module owns the status formats, their signing and checking, and the in-memory
//! [`StatusList`] a verifier loads once and asks per verification
//! ([`StatusList::check`]). It knows nothing of SQL (the registry folds its log and calls
//! [`sign_snapshot`] / [`sign_delta`]) and nothing of QR payloads (the verifier passes the
//! payload's kid and status index). Sets are Golomb–Rice coded and looked up without being
//! expanded ([`set`]); the encoding was chosen by measurement (`specs/status.md`,
//! "Choosing the encoding").

pub mod bits;
mod document;
mod inspect;
mod list;
pub mod set;
mod tsl;

use std::fmt;

pub use self::document::{
    sign_delta, sign_snapshot, DeltaParams, SnapshotParams, DELTA_TYPE, FORMAT_VERSION,
    SNAPSHOT_TYPE,
};
pub use self::inspect::{inspect, StatusSummary};
pub use self::list::{Freshness, StalePolicy, StatusList, StatusReason};
pub use self::set::SetFault;
pub use self::tsl::{
    token_status_list, TslParams, TSL_INVALID, TSL_SUPERSEDED, TSL_TYP, TSL_VALID,
};

/// Largest universe (number of status indices) a snapshot may cover: 2^32 − 1. Values and
/// positions inside the loaded sets are 32-bit.
pub const MAX_SIZE: u64 = u32::MAX as u64;

/// Why a status index was revoked: a code on the wire (0..=255). The named ones are
/// certseal's; others are kept and shown as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReasonCode(pub u8);

impl ReasonCode {
    /// No reason given.
    pub const UNSPECIFIED: ReasonCode = ReasonCode(0);
    /// Declared invalid after an examination-misconduct decision (無效, rules arts. 17–18).
    pub const INVALIDATED: ReasonCode = ReasonCode(1);
    /// Withdrawn (撤銷) by the issuing authority for another reason.
    pub const WITHDRAWN: ReasonCode = ReasonCode(2);
    /// Issued in error (wrong data, duplicate issuance).
    pub const ISSUED_IN_ERROR: ReasonCode = ReasonCode(3);

    /// A stable name (`invalidated`, `withdrawn`, …; `reason_<n>` for an unnamed code).
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        match self.0 {
            0 => "unspecified".into(),
            1 => "invalidated".into(),
            2 => "withdrawn".into(),
            3 => "issued_in_error".into(),
            n => format!("reason_{n}").into(),
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The state of one status index. States only move away from `Valid`: `Superseded` may later
/// become `Revoked`, nothing returns to `Valid`, and `Revoked` is final (the status contract
/// between the registry and this module; the set is closed by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Neither superseded nor revoked.
    Valid,
    /// A newer version of the certificate exists (換發 / 補發, or re-issue after a key
    /// compromise).
    Superseded,
    /// Invalidated or withdrawn, with the reason.
    Revoked(ReasonCode),
}

impl State {
    /// Order of the state machine: `Valid` < `Superseded` < `Revoked`.
    fn rank(self) -> u8 {
        match self {
            State::Valid => 0,
            State::Superseded => 1,
            State::Revoked(_) => 2,
        }
    }

    /// Whether moving from `self` to `to` is allowed (strictly forward).
    pub fn may_become(self, to: State) -> bool {
        to.rank() > self.rank()
    }

    /// `valid`, `superseded` or `revoked`.
    pub fn name(self) -> &'static str {
        match self {
            State::Valid => "valid",
            State::Superseded => "superseded",
            State::Revoked(_) => "revoked",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Revoked(r) => write!(f, "revoked ({r})"),
            other => f.write_str(other.name()),
        }
    }
}

/// Bounds on status documents (`specs/limits.md`). Checked before the work they protect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest snapshot file (bytes). 64 MiB: 1.7 billion indices at the anchor densities.
    pub max_snapshot_bytes: usize,
    /// Largest delta file (bytes).
    pub max_delta_bytes: usize,
    /// Largest universe a snapshot or delta may declare.
    pub max_size: u64,
    /// Most revoked signer kids in one document.
    pub max_revoked_kids: usize,
    /// Most reason groups in one document.
    pub max_reason_groups: usize,
    /// Longest issuer text (bytes).
    pub max_issuer_len: usize,
    /// Most changes a [`StatusList`] keeps from deltas on top of its snapshot (a verifier that
    /// needs more loads a newer snapshot).
    pub max_overlay: usize,
}

impl Limits {
    /// The defaults: 64 MiB snapshots, 16 MiB deltas, 2^32 − 1 indices, 4,096 revoked kids,
    /// 64 reason groups, 256-byte issuer, 4,194,304 changes held from deltas.
    pub const DEFAULT: Limits = Limits {
        max_snapshot_bytes: 64 << 20,
        max_delta_bytes: 16 << 20,
        max_size: MAX_SIZE,
        max_revoked_kids: crate::trust::MAX_SIGNERS,
        max_reason_groups: 64,
        max_issuer_len: 256,
        max_overlay: 4 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Errors of the status layer: a snapshot or delta refused. Every refusal leaves the state in
/// force unchanged. Signature failures stay opaque ([`crate::crypto::CryptoError::BadSignature`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The document is larger than its bound.
    #[error("{what}: {len} bytes, limit {max}")]
    TooLarge {
        /// `snapshot` or `delta`.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A declared size or count is past its bound.
    #[error("{field}: got {got}, limit {max}")]
    Limit {
        /// The field.
        field: &'static str,
        /// The declared value.
        got: u64,
        /// The bound.
        max: u64,
    },
    /// A field is missing, of the wrong type, or has a value the format does not allow.
    #[error("{field}: got {got}, expected {expected}")]
    Field {
        /// The field (`snapshot.version`, `delta.to`, …).
        field: &'static str,
        /// What was found.
        got: String,
        /// What the format wants.
        expected: &'static str,
    },
    /// A set's codes are malformed.
    #[error("{set}: {fault}")]
    Set {
        /// Which set (`superseded`, `revoked`, `reason 2`, …).
        set: String,
        /// What was wrong.
        fault: SetFault,
    },
    /// An index appears in two sets of one document.
    #[error("index {index} is in both {first} and {second}")]
    Overlap {
        /// The index.
        index: u64,
        /// One set.
        first: String,
        /// The other.
        second: String,
    },
    /// The signer's kid is not in the trust store.
    #[error("status signer: unknown kid {}", hex(kid))]
    UnknownSigner {
        /// The kid received.
        kid: Vec<u8>,
    },
    /// The signer's certificate does not allow signing status documents.
    #[error("status signer \"{subject}\": certificate lacks the status-signing usage")]
    NotStatusSigner {
        /// The certificate subject.
        subject: String,
    },
    /// The signer key is itself revoked by the state in force.
    #[error("status signer: kid {} is revoked", hex(kid))]
    SignerRevoked {
        /// The kid.
        kid: [u8; 8],
    },
    /// The document's `issued_at` lies outside the signer certificate's window.
    #[error("status signer \"{subject}\": issued_at {issued_at} outside its window {not_before} .. {not_after}")]
    SignerNotValidAt {
        /// The certificate subject.
        subject: String,
        /// `issued_at` of the document.
        issued_at: i64,
        /// Window start.
        not_before: i64,
        /// Window end.
        not_after: i64,
    },
    /// The document comes from another issuer than the state in force.
    #[error("issuer: got {got:?}, expected {expected:?}")]
    IssuerMismatch {
        /// The document's issuer.
        got: String,
        /// The issuer of the state in force.
        expected: String,
    },
    /// A snapshot or delta that would move the sequence backwards or not at all.
    #[error("sequence: got {got}, expected above the {held} in force")]
    Rollback {
        /// The document's (target) sequence.
        got: u64,
        /// The sequence in force.
        held: u64,
    },
    /// A delta that does not start at the sequence in force.
    #[error("delta starts at sequence {from}, expected {held} (the sequence in force)")]
    DoesNotChain {
        /// The delta's `from`.
        from: u64,
        /// The sequence in force.
        held: u64,
    },
    /// A delta that covers fewer indices than the state in force.
    #[error("size: got {got}, expected at least the {held} in force")]
    SizeShrinks {
        /// The delta's size.
        got: u64,
        /// The size in force.
        held: u64,
    },
    /// A change the state machine does not allow (e.g. revoked → superseded).
    #[error("index {index}: {from} may not become {to}")]
    IllegalTransition {
        /// The index.
        index: u64,
        /// Its state in force.
        from: State,
        /// The state the document gives it.
        to: State,
    },
    /// Input to `sign_snapshot` / `sign_delta` that cannot be encoded.
    #[error("{field}: {reason}")]
    Build {
        /// The parameter.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    crate::codec::hex::encode(bytes)
}
