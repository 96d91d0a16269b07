//! The state in force on a verifier: one verified snapshot, the deltas applied on top of it,
//! and the per-verification check. Loading and applying verify everything first and change
//! nothing on failure; [`StatusList::check`] allocates nothing and decodes a few codes.

use std::fmt;

use crate::trust::TrustStore;

use super::document::{read_delta, read_snapshot, WireSet};
use super::set::{Ranks, RiceSet};
use super::{Limits, ReasonCode, State, StatusError};

/// What to do when the state in force is past its `next_update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StalePolicy {
    /// Verify as usual and set [`Freshness::stale`] (the default).
    #[default]
    Warn,
    /// Refuse with [`StatusReason::Stale`].
    Fail,
}

/// How fresh the status behind a verdict is. Returned when the status check passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The registry sequence of the state in force.
    pub sequence: u64,
    /// When the newest document in force was signed.
    pub issued_at: i64,
    /// When a newer one was due.
    pub next_update: i64,
    /// `now` is past `next_update` plus the grace (and the policy is [`StalePolicy::Warn`]).
    pub stale: bool,
    /// The status index lies inside the state in force. `false` for a payload without a
    /// status index, or one issued after the state was published: only its signer was
    /// checked.
    pub covered: bool,
}

/// Why the status check refused a payload whose signature verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusReason {
    /// The certificate version was revoked.
    Revoked {
        /// Its status index.
        index: u64,
        /// Why.
        reason: ReasonCode,
    },
    /// A newer version of the certificate exists. The newer version's index is not carried
    /// (it would triple the snapshot: `specs/status.md`, "Superseded by what").
    Superseded {
        /// Its status index.
        index: u64,
    },
    /// The key that signed the payload is revoked: every payload it signed is refused,
    /// whatever its `iat`.
    SignerRevoked {
        /// The revoked kid.
        kid: [u8; 8],
    },
    /// The state in force is past its `next_update` plus the grace and the policy is
    /// [`StalePolicy::Fail`].
    Stale {
        /// When a newer state was due.
        next_update: i64,
        /// The verifier's time.
        now: i64,
    },
}

impl StatusReason {
    /// A stable machine name: `revoked`, `superseded`, `signer_revoked`, `stale`.
    pub fn code(&self) -> &'static str {
        match self {
            StatusReason::Revoked { .. } => "revoked",
            StatusReason::Superseded { .. } => "superseded",
            StatusReason::SignerRevoked { .. } => "signer_revoked",
            StatusReason::Stale { .. } => "stale",
        }
    }
}

impl fmt::Display for StatusReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusReason::Revoked { index, reason } => {
                write!(f, "status index {index} revoked ({reason})")
            }
            StatusReason::Superseded { index } => {
                write!(f, "status index {index} superseded by a newer version")
            }
            StatusReason::SignerRevoked { kid } => {
                write!(f, "signer kid {} revoked", super::hex(kid))
            }
            StatusReason::Stale { next_update, now } => write!(
                f,
                "status stale: next update was due at {}, now {}",
                crate::time::rfc3339(*next_update),
                crate::time::rfc3339(*now)
            ),
        }
    }
}

/// The status state a verifier holds: load a snapshot once, apply deltas, check per
/// verification.
#[derive(Clone)]
pub struct StatusList {
    issuer: String,
    sequence: u64,
    issued_at: i64,
    next_update: i64,
    /// Indices covered now (grows with deltas).
    size: u64,
    /// The snapshot's universe.
    base_size: u64,
    superseded: RiceSet,
    revoked: RiceSet,
    default_reason: ReasonCode,
    reasons: Vec<(ReasonCode, RiceSet)>,
    /// Revoked signer kids, sorted.
    kids: Vec<[u8; 8]>,
    /// Changes from deltas, sorted by index; they take precedence over the sets.
    overlay: Vec<(u64, State)>,
    policy: StalePolicy,
    /// Seconds past `next_update` before the state counts as stale.
    grace: i64,
    limits: Limits,
    snapshot_len: usize,
}

impl fmt::Debug for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusList")
            .field("issuer", &self.issuer)
            .field("sequence", &self.sequence)
            .field("size", &self.size)
            .field("superseded", &self.superseded.len())
            .field("revoked", &self.revoked.len())
            .field("revoked_kids", &self.kids.len())
            .field("overlay", &self.overlay.len())
            .finish_non_exhaustive()
    }
}

fn load_set(
    w: &WireSet<'_>,
    universe: u64,
    ranks: Ranks,
    name: String,
) -> Result<RiceSet, crate::Error> {
    RiceSet::load(w.codes, w.count, w.k, universe, ranks)
        .map_err(|fault| StatusError::Set { set: name, fault }.into())
}

/// Fails when two sorted streams share an element.
fn disjoint(
    a: impl Iterator<Item = u64>,
    b: impl Iterator<Item = u64>,
    names: (&str, &str),
) -> Result<(), crate::Error> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    while let (Some(&x), Some(&y)) = (a.peek(), b.peek()) {
        if x == y {
            return Err(StatusError::Overlap {
                index: x,
                first: names.0.into(),
                second: names.1.into(),
            }
            .into());
        }
        if x < y {
            a.next();
        } else {
            b.next();
        }
    }
    Ok(())
}

impl StatusList {
    /// Verifies a snapshot against the trust store (a signer with the status-signing usage,
    /// valid at `issued_at`) with the default limits, checks every set, and builds the lookup
    /// directories.
    pub fn load(snapshot: &[u8], store: &TrustStore) -> Result<StatusList, crate::Error> {
        Self::load_with_limits(snapshot, store, &Limits::DEFAULT)
    }

    /// [`StatusList::load`] with chosen limits.
    pub fn load_with_limits(
        snapshot: &[u8],
        store: &TrustStore,
        limits: &Limits,
    ) -> Result<StatusList, crate::Error> {
        let body = read_snapshot(snapshot, store, limits)?;
        if body.kids.binary_search(&body.signer_kid).is_ok() {
            return Err(StatusError::SignerRevoked {
                kid: body.signer_kid,
            }
            .into());
        }
        let superseded = load_set(
            &body.superseded,
            body.size,
            Ranks::Drop,
            "superseded".into(),
        )?;
        // Ranks only when some revoked index has another reason than the default.
        let revoked_ranks = if body.reasons.is_empty() {
            Ranks::Drop
        } else {
            Ranks::Keep
        };
        let revoked = load_set(&body.revoked, body.size, revoked_ranks, "revoked".into())?;
        disjoint(superseded.iter(), revoked.iter(), ("superseded", "revoked"))?;
        let mut reasons = Vec::with_capacity(body.reasons.len());
        for (code, w) in &body.reasons {
            let set = load_set(w, revoked.len(), Ranks::Drop, format!("reason {}", code.0))?;
            reasons.push((*code, set));
        }
        // Each revoked rank carries at most one non-default reason.
        if reasons.len() > 1 {
            let mut seen = vec![false; usize::try_from(revoked.len()).unwrap_or(0)];
            for (code, set) in &reasons {
                for rank in set.iter() {
                    let slot = usize::try_from(rank).ok().and_then(|r| seen.get_mut(r));
                    match slot {
                        Some(s) if !*s => *s = true,
                        _ => {
                            return Err(StatusError::Overlap {
                                index: rank,
                                first: format!("reason {}", code.0),
                                second: "another reason".into(),
                            }
                            .into())
                        }
                    }
                }
            }
        }
        Ok(StatusList {
            issuer: body.issuer.to_owned(),
            sequence: body.sequence,
            issued_at: body.issued_at,
            next_update: body.next_update,
            size: body.size,
            base_size: body.size,
            superseded,
            revoked,
            default_reason: body.default_reason,
            reasons,
            kids: body.kids,
            overlay: Vec::new(),
            policy: StalePolicy::Warn,
            grace: 0,
            limits: *limits,
            snapshot_len: snapshot.len(),
        })
    }

    /// The same list with another stale policy.
    pub fn with_policy(mut self, policy: StalePolicy) -> StatusList {
        self.policy = policy;
        self
    }

    /// The same list with `secs` of grace: the state counts as stale only once `now` is past
    /// `next_update + secs` (negative values count as 0).
    pub fn with_grace(mut self, secs: i64) -> StatusList {
        self.grace = secs.max(0);
        self
    }

    /// A snapshot followed by deltas in order, each applied as [`StatusList::apply_delta`]
    /// does; the error of the first document refused, with its position (0: the snapshot).
    pub fn load_chain<D: AsRef<[u8]>>(
        snapshot: &[u8],
        deltas: &[D],
        store: &TrustStore,
    ) -> Result<StatusList, (usize, crate::Error)> {
        let mut list = Self::load(snapshot, store).map_err(|e| (0, e))?;
        for (i, d) in deltas.iter().enumerate() {
            list.apply_delta(d.as_ref(), store)
                .map_err(|e| (i.saturating_add(1), e))?;
        }
        Ok(list)
    }

    /// Whether the state in force counts as stale at `now` (past `next_update` plus the grace).
    pub fn is_stale_at(&self, now: i64) -> bool {
        now > self.next_update.saturating_add(self.grace)
    }

    /// The grace in seconds.
    pub fn grace(&self) -> i64 {
        self.grace
    }

    /// Replaces the state in force with a newer snapshot from the same issuer (sequence above
    /// the one held; every kid revoked now stays revoked). On any error nothing changes.
    pub fn replace(&mut self, snapshot: &[u8], store: &TrustStore) -> Result<(), crate::Error> {
        let next = Self::load_with_limits(snapshot, store, &self.limits)?;
        if next.issuer != self.issuer {
            return Err(StatusError::IssuerMismatch {
                got: next.issuer,
                expected: self.issuer.clone(),
            }
            .into());
        }
        if next.sequence <= self.sequence {
            return Err(StatusError::Rollback {
                got: next.sequence,
                held: self.sequence,
            }
            .into());
        }
        if let Some(kid) = self
            .kids
            .iter()
            .find(|k| next.kids.binary_search(k).is_err())
        {
            return Err(StatusError::Field {
                field: "revoked_kids",
                got: format!("{} missing", super::hex(kid)),
                expected: "every kid revoked in the state in force",
            }
            .into());
        }
        let (policy, grace) = (self.policy, self.grace);
        *self = next;
        self.policy = policy;
        self.grace = grace;
        Ok(())
    }

    /// Verifies a delta and applies it: same issuer, `from` equal to the sequence in force,
    /// `to` above it, size not shrinking, a signer not revoked, every change a legal move.
    /// On any error nothing changes.
    pub fn apply_delta(&mut self, delta: &[u8], store: &TrustStore) -> Result<(), crate::Error> {
        let body = read_delta(delta, store, &self.limits)?;
        if body.issuer != self.issuer {
            return Err(StatusError::IssuerMismatch {
                got: body.issuer.to_owned(),
                expected: self.issuer.clone(),
            }
            .into());
        }
        if body.to <= self.sequence {
            return Err(StatusError::Rollback {
                got: body.to,
                held: self.sequence,
            }
            .into());
        }
        if body.from != self.sequence {
            return Err(StatusError::DoesNotChain {
                from: body.from,
                held: self.sequence,
            }
            .into());
        }
        if body.size < self.size {
            return Err(StatusError::SizeShrinks {
                got: body.size,
                held: self.size,
            }
            .into());
        }
        if self.kids.binary_search(&body.signer_kid).is_ok() {
            return Err(StatusError::SignerRevoked {
                kid: body.signer_kid,
            }
            .into());
        }
        let superseded = load_set(
            &body.superseded,
            body.size,
            Ranks::Drop,
            "superseded".into(),
        )?;
        let mut changes: Vec<(u64, State)> =
            superseded.iter().map(|i| (i, State::Superseded)).collect();
        for (code, w) in &body.revoked {
            let set = load_set(
                w,
                body.size,
                Ranks::Drop,
                format!("revoked reason {}", code.0),
            )?;
            changes.extend(set.iter().map(|i| (i, State::Revoked(*code))));
        }
        changes.sort_unstable_by_key(|c| c.0);
        for pair in changes.windows(2) {
            if let [a, b] = pair {
                if a.0 == b.0 {
                    return Err(StatusError::Overlap {
                        index: a.0,
                        first: a.1.to_string(),
                        second: b.1.to_string(),
                    }
                    .into());
                }
            }
        }
        for &(index, to) in &changes {
            let from = self.state_at(index);
            if !from.may_become(to) {
                return Err(StatusError::IllegalTransition { index, from, to }.into());
            }
        }
        let fresh = changes
            .iter()
            .filter(|c| self.overlay.binary_search_by_key(&c.0, |o| o.0).is_err())
            .count();
        let merged_len = self.overlay.len().saturating_add(fresh);
        if merged_len > self.limits.max_overlay {
            return Err(StatusError::Limit {
                field: "changes held from deltas",
                got: merged_len as u64,
                max: self.limits.max_overlay as u64,
            }
            .into());
        }
        // Everything checked: commit.
        let mut merged = Vec::with_capacity(merged_len);
        let (mut a, mut b) = (
            self.overlay.iter().copied().peekable(),
            changes.into_iter().peekable(),
        );
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 < y.0 => merged.extend(a.next()),
                (Some(x), Some(y)) if x.0 == y.0 => {
                    a.next();
                    merged.extend(b.next());
                }
                (Some(_), Some(_)) | (None, Some(_)) => merged.extend(b.next()),
                (Some(_), None) => merged.extend(a.next()),
                (None, None) => break,
            }
        }
        self.overlay = merged;
        let mut kids = self.kids.clone();
        kids.extend(body.kids);
        kids.sort_unstable();
        kids.dedup();
        self.kids = kids;
        self.sequence = body.to;
        self.issued_at = body.issued_at;
        self.next_update = body.next_update;
        self.size = body.size;
        Ok(())
    }

    /// The state of `index` in force; indices at or past [`StatusList::size`] read as valid.
    #[inline]
    fn state_at(&self, index: u64) -> State {
        if !self.overlay.is_empty() {
            if let Ok(p) = self.overlay.binary_search_by_key(&index, |e| e.0) {
                if let Some((_, s)) = self.overlay.get(p) {
                    return *s;
                }
            }
        }
        if index >= self.base_size {
            return State::Valid;
        }
        // Both probes first, so the two sets' memory reads overlap.
        let s = self.superseded.probe(index);
        let r = self.revoked.probe(index);
        if s.found(&self.superseded) {
            return State::Superseded;
        }
        if self.reasons.is_empty() {
            if r.found(&self.revoked) {
                return State::Revoked(self.default_reason);
            }
            return State::Valid;
        }
        match r.rank(&self.revoked) {
            Some(rank) => State::Revoked(self.reason_of(rank)),
            None => State::Valid,
        }
    }

    #[inline]
    fn reason_of(&self, rank: u32) -> ReasonCode {
        self.reasons
            .iter()
            .find(|(_, set)| set.contains(rank.into()))
            .map_or(self.default_reason, |(code, _)| *code)
    }

    /// The state of `index`, or `None` when the state in force does not cover it.
    pub fn state(&self, index: u64) -> Option<State> {
        (index < self.size).then(|| self.state_at(index))
    }

    /// The status step of a verification, after the signature verified: refuses a payload
    /// whose signer `kid` is revoked, or whose `status_index` is revoked or superseded, and
    /// reports how fresh the state is (or refuses a stale state under
    /// [`StalePolicy::Fail`]).
    #[inline]
    pub fn check(
        &self,
        kid: &[u8],
        status_index: Option<u64>,
        now: i64,
    ) -> Result<Freshness, StatusReason> {
        if let Ok(kid) = <[u8; 8]>::try_from(kid) {
            if !self.kids.is_empty() && self.kids.binary_search(&kid).is_ok() {
                return Err(StatusReason::SignerRevoked { kid });
            }
        }
        let covered = match status_index {
            Some(index) if index < self.size => {
                match self.state_at(index) {
                    State::Valid => {}
                    State::Superseded => return Err(StatusReason::Superseded { index }),
                    State::Revoked(reason) => return Err(StatusReason::Revoked { index, reason }),
                }
                true
            }
            _ => false,
        };
        let stale = self.is_stale_at(now);
        if stale && self.policy == StalePolicy::Fail {
            return Err(StatusReason::Stale {
                next_update: self.next_update,
                now,
            });
        }
        Ok(Freshness {
            sequence: self.sequence,
            issued_at: self.issued_at,
            next_update: self.next_update,
            stale,
            covered,
        })
    }

    /// Every non-valid index in force with its state, in index order (decodes the sets: for
    /// exports and inspection, not for lookups).
    pub fn entries(&self) -> Vec<(u64, State)> {
        let mut out: Vec<(u64, State)> = self
            .superseded
            .iter()
            .map(|i| (i, State::Superseded))
            .collect();
        for (rank, i) in self.revoked.iter().enumerate() {
            out.push((i, State::Revoked(self.reason_of(rank as u32))));
        }
        out.sort_unstable_by_key(|e| e.0);
        if !self.overlay.is_empty() {
            out.retain(|e| self.overlay.binary_search_by_key(&e.0, |o| o.0).is_err());
            out.extend(self.overlay.iter().copied());
            out.sort_unstable_by_key(|e| e.0);
        }
        out
    }

    /// The revoked signer kids, sorted.
    pub fn revoked_kids(&self) -> &[[u8; 8]] {
        &self.kids
    }

    /// The issuer text.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The registry sequence in force.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// When the newest document in force was signed.
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// When a newer state is due.
    pub fn next_update(&self) -> i64 {
        self.next_update
    }

    /// Number of status indices covered (`0..size`).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The stale policy.
    pub fn policy(&self) -> StalePolicy {
        self.policy
    }

    /// Bytes held beyond the snapshot's set codes: lookup directories and delta changes.
    pub fn extra_bytes(&self) -> usize {
        self.superseded.directory_bytes()
            + self.revoked.directory_bytes()
            + self
                .reasons
                .iter()
                .map(|(_, s)| s.directory_bytes())
                .sum::<usize>()
            + self.overlay.capacity() * std::mem::size_of::<(u64, State)>()
            + self.kids.capacity() * 8
    }

    /// Length of the snapshot file this list was loaded from.
    pub fn snapshot_len(&self) -> usize {
        self.snapshot_len
    }
}
