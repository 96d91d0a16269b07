//! The audit log: every mutating operation appends one entry, chained to the previous one by
//! SHA-256, so an edited, removed, inserted or reordered entry shows (`specs/registry.md`,
//! "Audit chain"). Hashing and verification live here; the backend only stores rows.
//!
//! `hash = SHA-256("certseal-audit-v1" ‖ prev ‖ at (i64 BE) ‖ len‖actor ‖ len‖operation ‖
//! len‖subject ‖ payload)`, lengths as u32 BE, `prev` the previous entry's hash (32 zero bytes
//! for the first). The sequence number is not hashed: order is carried by `prev` alone, so a
//! reordering shows as a link to a later entry, and a gap in the numbers as a removal.
//!
//! Removing the newest entries of a bare chain leaves a shorter valid chain; only an anchor
//! kept elsewhere shows it: `verify` takes an expected head (sequence number and hash, as
//! `certseal audit head` prints it) and reports a missing or different head.

use std::collections::HashMap;

use super::{Registry, Tx};
use crate::codec::hex;

/// Domain separation of the entry hash.
const DOMAIN: &[u8] = b"certseal-audit-v1";

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Sequence number, 1, 2, 3 …
    pub seq: u64,
    /// When (Unix seconds).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What (`submit`, `issue`, `reissue.change`, `revoke`, …).
    pub operation: String,
    /// On what (batch, identifier, status index range, kid).
    pub subject: String,
    /// SHA-256 of the operation's payload.
    pub payload: [u8; 32],
    /// The previous entry's hash.
    pub prev: [u8; 32],
    /// This entry's hash.
    pub hash: [u8; 32],
}

impl AuditEntry {
    /// The hash this entry should have, over its fields and `prev`.
    pub fn compute_hash(&self) -> [u8; 32] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(DOMAIN);
        ctx.update(&self.prev);
        ctx.update(&self.at.to_be_bytes());
        for field in [&self.actor, &self.operation, &self.subject] {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            ctx.update(&len.to_be_bytes());
            ctx.update(field.as_bytes());
        }
        ctx.update(&self.payload);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// The JSON view (hashes in hex).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "seq": self.seq,
            "at": crate::time::rfc3339(self.at),
            "actor": self.actor,
            "operation": self.operation,
            "subject": self.subject,
            "payload_sha256": hex::encode(&self.payload),
            "prev": hex::encode(&self.prev),
            "hash": hex::encode(&self.hash),
        })
    }
}

/// Appends an entry to the chain inside `tx`: reads the head, links, hashes, stores.
pub(crate) fn append(
    tx: &mut dyn Tx,
    at: i64,
    actor: &str,
    operation: &str,
    subject: &str,
    payload: [u8; 32],
) -> Result<u64, crate::Error> {
    link(tx, unlinked(at, actor, operation, subject, payload))
}

/// Appends an entry whose sequence number the caller does not need: a backend that can
/// link it does so when the transaction commits ([`Tx::defer_audit`]), so the chain's head is held
/// only for the commit; otherwise as [`append`].
pub(crate) fn append_unnumbered(
    tx: &mut dyn Tx,
    at: i64,
    actor: &str,
    operation: &str,
    subject: &str,
    payload: [u8; 32],
) -> Result<(), crate::Error> {
    let e = unlinked(at, actor, operation, subject, payload);
    if !tx.defer_audit(&e)? {
        link(tx, e)?;
    }
    Ok(())
}

/// An entry not yet in the chain (no `seq`, `prev` or `hash`).
fn unlinked(at: i64, actor: &str, operation: &str, subject: &str, payload: [u8; 32]) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at,
        actor: actor.to_owned(),
        operation: operation.to_owned(),
        subject: subject.to_owned(),
        payload,
        prev: [0; 32],
        hash: [0; 32],
    }
}

/// Links `e` after the chain's head as `tx` sees it, hashes it and stores it.
fn link(tx: &mut dyn Tx, mut e: AuditEntry) -> Result<u64, crate::Error> {
    e.prev = tx.audit_head()?.map_or([0u8; 32], |(_, h)| h);
    e.hash = e.compute_hash();
    tx.append_audit(&e)
}

/// One thing wrong with the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditFinding {
    /// The entry's fields do not hash to its stored hash: it was edited.
    Edited {
        /// The entry.
        seq: u64,
    },
    /// Entries are missing before `seq` (a gap in the numbers, or a link to an entry that is
    /// gone).
    Removed {
        /// The first entry after the gap.
        seq: u64,
        /// How many are missing, when the numbering tells.
        count: Option<u64>,
    },
    /// The entry links to an entry further back than its predecessor: entries were inserted
    /// between them.
    Inserted {
        /// The entry whose link skips the inserted ones.
        seq: u64,
        /// The entry it links to.
        links_to: u64,
    },
    /// The entry links to a later entry: entries were reordered.
    Reordered {
        /// The entry.
        seq: u64,
        /// The later entry it links to.
        links_to: u64,
    },
    /// The entry's link matches no entry at all (its predecessor was removed or edited).
    BrokenLink {
        /// The entry.
        seq: u64,
    },
    /// The chain ends before the expected head: entries at the end were removed.
    Truncated {
        /// The last entry present.
        last: u64,
        /// The expected last entry.
        expected: u64,
    },
    /// The entry at the expected head has another hash.
    HeadMismatch {
        /// The expected head's sequence number.
        seq: u64,
    },
}

impl std::fmt::Display for AuditFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditFinding::Edited { seq } => {
                write!(f, "entry {seq}: edited (hash does not match its fields)")
            }
            AuditFinding::Removed {
                seq,
                count: Some(n),
            } => {
                write!(f, "entry {seq}: {n} entries removed before it")
            }
            AuditFinding::Removed { seq, count: None } => {
                write!(f, "entry {seq}: entries removed before it")
            }
            AuditFinding::Inserted { seq, links_to } => write!(
                f,
                "entry {seq}: links to entry {links_to}: entries inserted between them"
            ),
            AuditFinding::Reordered { seq, links_to } => write!(
                f,
                "entry {seq}: links to the later entry {links_to}: entries reordered"
            ),
            AuditFinding::BrokenLink { seq } => write!(
                f,
                "entry {seq}: links to no entry present (its predecessor removed or edited)"
            ),
            AuditFinding::Truncated { last, expected } => write!(
                f,
                "chain ends at entry {last}, expected {expected}: entries at the end removed"
            ),
            AuditFinding::HeadMismatch { seq } => {
                write!(f, "entry {seq}: hash differs from the expected head")
            }
        }
    }
}

/// The outcome of [`Registry::verify_audit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// The last entry's sequence number and hash.
    pub head: Option<(u64, [u8; 32])>,
    /// What is wrong, in chain order; empty when the chain verifies.
    pub findings: Vec<AuditFinding>,
}

impl AuditReport {
    /// True when nothing is wrong.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }

    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "intact": self.is_intact(),
            "entries": self.entries,
            "head": self.head.map(|(seq, h)| serde_json::json!({"seq": seq, "hash": hex::encode(&h)})),
            "findings": self.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })
    }
}

/// Checks a chain given in stored order. Memory: one 40-byte map entry per audit entry
/// (entries are per operation, not per certificate).
pub(crate) fn check(entries: &[AuditEntry], expected_head: Option<(u64, [u8; 32])>) -> AuditReport {
    let by_hash: HashMap<[u8; 32], (usize, u64)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash, (i, e.seq)))
        .collect();
    let mut findings = Vec::new();
    let mut prev_hash = [0u8; 32];
    let mut prev_seq = 0u64;
    for (i, e) in entries.iter().enumerate() {
        let self_ok = e.compute_hash() == e.hash;
        let link_ok = e.prev == prev_hash;
        let gap = e.seq.checked_sub(prev_seq).and_then(|d| d.checked_sub(1));
        if !self_ok {
            findings.push(AuditFinding::Edited { seq: e.seq });
        }
        if !link_ok {
            let after_reorder = matches!(findings.last(), Some(AuditFinding::Reordered { .. }));
            let finding = match by_hash.get(&e.prev) {
                Some(&(j, seq)) if j > i || after_reorder => AuditFinding::Reordered {
                    seq: e.seq,
                    links_to: seq,
                },
                Some(&(_, seq)) => AuditFinding::Inserted {
                    seq: e.seq,
                    links_to: seq,
                },
                None if gap.is_some_and(|g| g > 0) => AuditFinding::Removed {
                    seq: e.seq,
                    count: gap,
                },
                None => AuditFinding::BrokenLink { seq: e.seq },
            };
            // An edited predecessor breaks this link too; it is reported once, as the edit.
            let edited_before = i > 0
                && findings
                    .last()
                    .is_some_and(|f| *f == AuditFinding::Edited { seq: prev_seq })
                && entries.get(i - 1).is_some_and(|p| p.hash == e.prev);
            if !edited_before {
                findings.push(finding);
            }
        } else if let Some(g) = gap.filter(|&g| g > 0) {
            findings.push(AuditFinding::Removed {
                seq: e.seq,
                count: Some(g),
            });
        }
        // Follow the stored hash: one bad entry is reported once, not for every later one.
        prev_hash = e.hash;
        prev_seq = e.seq;
    }
    let head = entries.last().map(|e| (e.seq, e.hash));
    if let Some((seq, hash)) = expected_head {
        match entries.iter().find(|e| e.seq == seq) {
            None => findings.push(AuditFinding::Truncated {
                last: head.map_or(0, |(s, _)| s),
                expected: seq,
            }),
            Some(e) if e.hash != hash => findings.push(AuditFinding::HeadMismatch { seq }),
            Some(_) => {}
        }
    }
    AuditReport {
        entries: u64::try_from(entries.len()).unwrap_or(u64::MAX),
        head,
        findings,
    }
}

impl Registry {
    /// Verifies the whole audit chain; with `expected_head` (sequence number and hash kept
    /// outside the store) also that no entry at the end was removed.
    pub fn verify_audit(
        &mut self,
        expected_head: Option<(u64, [u8; 32])>,
    ) -> Result<AuditReport, crate::Error> {
        let entries = self.audit_entries()?;
        Ok(check(&entries, expected_head))
    }

    /// Every audit entry, in sequence order.
    pub fn audit_entries(&mut self) -> Result<Vec<AuditEntry>, crate::Error> {
        self.read(|tx| {
            let mut all = Vec::new();
            tx.each_audit(&mut |e| {
                all.push(e);
                Ok(())
            })?;
            Ok(all)
        })
    }

    /// The chain's head: the last sequence number and hash (publish it, or keep it outside the
    /// store, to detect removal of the newest entries).
    pub fn audit_head(&mut self) -> Result<Option<(u64, [u8; 32])>, crate::Error> {
        self.read(|tx| tx.audit_head())
    }
}
