//! Publishing the status log (the status contract, `specs/status.md`): a signed snapshot at the
//! log's current sequence, a signed delta `N → head`, and the IETF Token Status List export,
//! each read in one consistent view of the store and signed by the key directory's status
//! signer. This file maps the registry's states and reasons onto the published ones and calls
//! [`crate::status`]; it holds no SQL (the [`Tx`](super::Tx) reads) and no encoding or crypto
//! (`status/` does both).

use crate::status::{self, DeltaParams, ReasonCode, SnapshotParams, State as Published, TslParams};
use crate::trust::{KeyDir, SignerKey};

use super::{Registry, RegistryError, State, StatusReason, StatusSubject};

/// Who signs the status documents and what they say of themselves.
#[derive(Debug, Clone, Copy)]
pub struct StatusPublisher<'k> {
    /// The status signer (status-signing usage; [`KeyDir::status_signer`]).
    pub signer: &'k SignerKey,
    /// The issuer text every document carries (the authority's unified social credit code).
    pub issuer: &'k str,
    /// `issued_at` of the documents (the signer must be valid then).
    pub now: i64,
    /// `next_update` of the documents: past it a verifier's state is stale.
    pub next_update: i64,
}

impl<'k> StatusPublisher<'k> {
    /// The status signer of `keys` with the root's unified social credit code as the issuer,
    /// signing at `now` with `next_update = now + valid_for` seconds. Fails when the directory
    /// has no status signer (one made before status signing existed:
    /// [`KeyDir::add_status_signer`]) or the root names no authority.
    pub fn from_key_dir(
        keys: &'k KeyDir,
        now: i64,
        valid_for: i64,
    ) -> Result<StatusPublisher<'k>, crate::Error> {
        let signer = keys.status_signer().ok_or_else(|| {
            RegistryError::request(
                "status signer",
                format!(
                    "{} has no status.key.pem / status.cert.pem (made before status signing existed): add one (KeyDir::add_status_signer)",
                    keys.dir().display()
                ),
            )
        })?;
        let issuer = keys
            .root()
            .authority_uscc()
            .or_else(|| keys.root().authority_name())
            .ok_or_else(|| {
                RegistryError::request("issuer", "the root certificate names no authority")
            })?;
        if valid_for < 0 {
            return Err(RegistryError::request(
                "valid_for",
                format!("{valid_for} seconds, expected at least 0"),
            ));
        }
        Ok(StatusPublisher {
            signer,
            issuer,
            now,
            next_update: now.saturating_add(valid_for),
        })
    }
}

/// A signed status document and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDocument {
    /// The signed bytes (a snapshot, a delta or a Token Status List, tagged COSE_Sign1).
    pub bytes: Vec<u8>,
    /// The log sequence it starts from (deltas only).
    pub from: Option<u64>,
    /// The log sequence it brings a verifier to.
    pub sequence: u64,
    /// Status indices covered (`0..size`).
    pub size: u64,
    /// Non-valid indices in it (snapshot, token status list) or indices changed (delta).
    pub entries: u64,
    /// Revoked signer kids in it (snapshot: all; delta: revoked in the range).
    pub revoked_kids: usize,
}

/// The published state of a registry state and reason. Superseded carries no reason on the
/// wire; a revoked index says why when the reason is one the format names.
pub fn published_state(state: State, reason: StatusReason) -> Published {
    match state {
        State::Valid => Published::Valid,
        State::Superseded => Published::Superseded,
        State::Revoked => Published::Revoked(match reason {
            StatusReason::Invalidated => ReasonCode::INVALIDATED,
            StatusReason::Withdrawn => ReasonCode::WITHDRAWN,
            _ => ReasonCode::UNSPECIFIED,
        }),
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Registry {
    /// The signed snapshot at the status log's current sequence: every non-valid status index
    /// and every revoked signer kid, read in one view ([`Registry::snapshot`]).
    pub fn status_snapshot(
        &mut self,
        by: &StatusPublisher<'_>,
    ) -> Result<StatusDocument, crate::Error> {
        let mut entries = Vec::new();
        let (head, kids) = self.snapshot(|i, state, reason| {
            if state != State::Valid {
                entries.push((i, published_state(state, reason)));
            }
        })?;
        let mut kids = kids;
        kids.sort_unstable();
        let key = by.signer.signer_at(by.now)?;
        let n = count(entries.len());
        let bytes = status::sign_snapshot(
            &SnapshotParams {
                issuer: by.issuer.to_owned(),
                sequence: head.seq,
                issued_at: by.now,
                next_update: by.next_update,
                size: head.size,
            },
            entries,
            &kids,
            key,
            by.signer.cert(),
        )?;
        Ok(StatusDocument {
            bytes,
            from: None,
            sequence: head.seq,
            size: head.size,
            entries: n,
            revoked_kids: kids.len(),
        })
    }

    /// The signed delta from sequence `since` to the log's current sequence: the log rows in
    /// `(since, head]`, read in one view. Refused when `since` is at or past the head (nothing
    /// to publish, or a sequence this registry never had).
    pub fn status_delta(
        &mut self,
        since: u64,
        by: &StatusPublisher<'_>,
    ) -> Result<StatusDocument, crate::Error> {
        let (head, changes, kids) = self.read(|tx| {
            let head = tx.status_head()?;
            let mut changes = Vec::new();
            let mut kids = Vec::new();
            if since < head.seq {
                tx.status_changes(since, head.seq, &mut |c| {
                    match c.subject {
                        StatusSubject::Index(i) => {
                            changes.push((i, published_state(c.state, c.reason)))
                        }
                        StatusSubject::Kid(k) if c.state == State::Revoked => kids.push(k),
                        StatusSubject::Kid(_) => {}
                    }
                    Ok(())
                })?;
            }
            Ok((head, changes, kids))
        })?;
        if since >= head.seq {
            return Err(RegistryError::request(
                "since",
                format!(
                    "sequence {since}, expected below the status log's head {}",
                    head.seq
                ),
            ));
        }
        let mut kids = kids;
        kids.sort_unstable();
        kids.dedup();
        let key = by.signer.signer_at(by.now)?;
        let n = count(changes.len());
        let bytes = status::sign_delta(
            &DeltaParams {
                issuer: by.issuer.to_owned(),
                from: since,
                to: head.seq,
                issued_at: by.now,
                next_update: by.next_update,
                size: head.size,
            },
            changes,
            &kids,
            key,
            by.signer.cert(),
        )?;
        Ok(StatusDocument {
            bytes,
            from: Some(since),
            sequence: head.seq,
            size: head.size,
            entries: n,
            revoked_kids: kids.len(),
        })
    }

    /// The current states as an IETF Token Status List (CWT form) published at `uri`, with
    /// `exp` = `next_update` and a `ttl` in seconds. Revoked signer kids have no place in that
    /// format: their payloads' indices are superseded by the re-issue, which is what a reader
    /// of the draft sees.
    pub fn status_token_list(
        &mut self,
        by: &StatusPublisher<'_>,
        uri: &str,
        ttl: u64,
    ) -> Result<StatusDocument, crate::Error> {
        let mut entries = Vec::new();
        let (head, kids) = self.snapshot(|i, state, reason| {
            if state != State::Valid {
                entries.push((i, published_state(state, reason)));
            }
        })?;
        let key = by.signer.signer_at(by.now)?;
        let n = count(entries.len());
        let bytes = status::token_status_list(
            head.size,
            entries,
            &TslParams {
                uri: uri.to_owned(),
                issued_at: by.now,
                expires_at: by.next_update,
                ttl,
            },
            key,
            by.signer.cert(),
        )?;
        Ok(StatusDocument {
            bytes,
            from: None,
            sequence: head.seq,
            size: head.size,
            entries: n,
            revoked_kids: kids.len(),
        })
    }
}
