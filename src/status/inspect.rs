//! `status inspect`: what a signed status document says, after verifying it. The document
//! type is read from the payload's map size (a snapshot has 11 entries, a delta 10) and then
//! the document is verified and parsed by the same readers the verifier uses ([`StatusList`]
//! for a snapshot, the delta reader and the set decoder for a delta), so nothing shown is
//! unauthenticated. Token Status List exports are not read here (certseal writes them for
//! other verifiers; `tests/status.rs` decodes them with independent decoders).

use std::fmt;

use crate::codec::cbor::{Mode, Reader};
use crate::codec::{self};
use crate::cose::Sign1;
use crate::trust::TrustStore;

use super::document::{read_delta, read_snapshot};
use super::set::{Ranks, RiceSet};
use super::{Limits, ReasonCode, State, StatusError, StatusList};

/// What a verified status document holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSummary {
    /// `snapshot` or `delta`.
    pub kind: &'static str,
    /// The issuer text.
    pub issuer: String,
    /// The sequence a delta applies to.
    pub from: Option<u64>,
    /// The sequence the document brings a verifier to.
    pub sequence: u64,
    /// When it was signed.
    pub issued_at: i64,
    /// When a newer one is due.
    pub next_update: i64,
    /// Status indices covered.
    pub size: u64,
    /// Superseded indices in it.
    pub superseded: u64,
    /// Revoked indices in it, per reason (ascending reason).
    pub revoked: Vec<(ReasonCode, u64)>,
    /// Revoked signer kids in it.
    pub revoked_kids: Vec<[u8; 8]>,
    /// The status signer's kid.
    pub signer_kid: [u8; 8],
    /// The document's length in bytes.
    pub len: usize,
}

fn kind_of(bytes: &[u8], limits: &Limits) -> Result<usize, crate::Error> {
    let cbor_limits = codec::Limits {
        max_cose_len: limits.max_snapshot_bytes.max(limits.max_delta_bytes),
        ..codec::Limits::DEFAULT
    };
    if bytes.len() > cbor_limits.max_cose_len {
        return Err(StatusError::TooLarge {
            what: "status document",
            len: bytes.len(),
            max: cbor_limits.max_cose_len,
        }
        .into());
    }
    let msg = Sign1::parse(bytes, Mode::Strict, &cbor_limits)?;
    let payload = msg.payload.ok_or_else(|| StatusError::Field {
        field: "payload",
        got: "detached".into(),
        expected: "embedded",
    })?;
    Ok(Reader::new(payload, Mode::Strict).map()?)
}

fn count_revoked(entries: &[(u64, State)]) -> Vec<(ReasonCode, u64)> {
    let mut by: Vec<(ReasonCode, u64)> = Vec::new();
    for (_, s) in entries {
        if let State::Revoked(r) = s {
            match by.iter_mut().find(|(c, _)| c == r) {
                Some((_, n)) => *n = n.saturating_add(1),
                None => by.push((*r, 1)),
            }
        }
    }
    by.sort_unstable();
    by
}

/// Verifies a status snapshot or delta against `store` (a status signer of it) with the
/// default limits and says what it holds. A delta is checked on its own (its sets decoded,
/// its signer's window), not against a state in force.
pub fn inspect(bytes: &[u8], store: &TrustStore) -> Result<StatusSummary, crate::Error> {
    let limits = Limits::DEFAULT;
    match kind_of(bytes, &limits)? {
        11 => {
            let body = read_snapshot(bytes, store, &limits)?;
            let signer_kid = body.signer_kid;
            let list = StatusList::load(bytes, store)?;
            let entries = list.entries();
            let superseded = entries
                .iter()
                .filter(|(_, s)| *s == State::Superseded)
                .count();
            Ok(StatusSummary {
                kind: "snapshot",
                issuer: list.issuer().to_owned(),
                from: None,
                sequence: list.sequence(),
                issued_at: list.issued_at(),
                next_update: list.next_update(),
                size: list.size(),
                superseded: superseded as u64,
                revoked: count_revoked(&entries),
                revoked_kids: list.revoked_kids().to_vec(),
                signer_kid,
                len: bytes.len(),
            })
        }
        10 => {
            let body = read_delta(bytes, store, &limits)?;
            let load = |w: &super::document::WireSet<'_>, name: String| {
                RiceSet::load(w.codes, w.count, w.k, body.size, Ranks::Drop)
                    .map_err(|fault| crate::Error::from(StatusError::Set { set: name, fault }))
            };
            let superseded = load(&body.superseded, "superseded".into())?.len();
            let mut revoked = Vec::new();
            for (code, w) in &body.revoked {
                let set = load(w, format!("revoked reason {}", code.0))?;
                revoked.push((*code, set.len()));
            }
            Ok(StatusSummary {
                kind: "delta",
                issuer: body.issuer.to_owned(),
                from: Some(body.from),
                sequence: body.to,
                issued_at: body.issued_at,
                next_update: body.next_update,
                size: body.size,
                superseded,
                revoked,
                revoked_kids: body.kids,
                signer_kid: body.signer_kid,
                len: bytes.len(),
            })
        }
        n => Err(StatusError::Field {
            field: "document",
            got: format!("a payload map of {n} entries"),
            expected: "a status snapshot (11 entries) or delta (10)",
        }
        .into()),
    }
}

impl StatusSummary {
    /// The summary as JSON (times in RFC 3339, kids in hex).
    pub fn to_json(&self) -> serde_json::Value {
        let t = crate::time::rfc3339;
        serde_json::json!({
            "kind": self.kind,
            "issuer": self.issuer,
            "from": self.from,
            "sequence": self.sequence,
            "issued_at": t(self.issued_at),
            "next_update": t(self.next_update),
            "size": self.size,
            "superseded": self.superseded,
            "revoked": self.revoked.iter().map(|(r, n)| serde_json::json!({"reason": r.name(), "code": r.0, "count": n})).collect::<Vec<_>>(),
            "revoked_kids": self.revoked_kids.iter().map(|k| super::hex(k)).collect::<Vec<_>>(),
            "signer_kid": super::hex(&self.signer_kid),
            "bytes": self.len,
        })
    }
}

impl fmt::Display for StatusSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = crate::time::rfc3339;
        match self.from {
            Some(from) => writeln!(
                f,
                "status delta {from} -> {} from {} ({} bytes), signed by kid {}",
                self.sequence,
                self.issuer,
                self.len,
                super::hex(&self.signer_kid)
            )?,
            None => writeln!(
                f,
                "status snapshot at sequence {} from {} ({} bytes), signed by kid {}",
                self.sequence,
                self.issuer,
                self.len,
                super::hex(&self.signer_kid)
            )?,
        }
        writeln!(
            f,
            "issued at {}, next update {}",
            t(self.issued_at),
            t(self.next_update)
        )?;
        writeln!(f, "status indices covered: 0..{}", self.size)?;
        writeln!(f, "superseded: {}", self.superseded)?;
        let total: u64 = self.revoked.iter().map(|(_, n)| n).sum();
        write!(f, "revoked: {total}")?;
        for (r, n) in &self.revoked {
            write!(f, " · {r} {n}")?;
        }
        writeln!(f)?;
        write!(f, "revoked signer kids: {}", self.revoked_kids.len())?;
        for k in &self.revoked_kids {
            write!(f, " {}", super::hex(k))?;
        }
        Ok(())
    }
}
