//! Bulk issuance (rules art. 10), crash-safe and resumable (`specs/registry.md`, "Crash
//! safety"):
//!
//! 1. **reserve** — one transaction assigns a chunk of pending records their status indices
//!    and serials (dense counters) and commits: the numbers the signatures will cover are
//!    durable before anything is signed;
//! 2. **sign** — the chunk is signed in parallel on the rayon pool (document and QR payload,
//!    two signatures a record), while the store records the previous chunk;
//! 3. **record** — one transaction stores every document, QR string, kid and the audit entry
//!    of the chunk, and marks its reservations issued; the same transaction reserves the
//!    chunk after next (one commit a chunk).
//!
//! Nothing is written outside the store, so nothing can be signed but unrecorded. A crash
//! between 1 and 3 leaves reservations not issued; the next run signs them again with the
//! same status index and serial (the new signatures replace the lost ones, which nobody has
//! seen), then goes on with new records. A reservation is recorded at most once: marking it
//! issued is conditional, and the certificate's primary key is its status index.

use std::sync::mpsc;

use rayon::prelude::*;

use super::store::{Assignment, CertificateRow, SignerRow, Tx};
use super::{
    audit, sha256, Registry, RegistryError, State, StatusChange, StatusReason, StatusSubject,
};
use crate::issue::{Issued, Issuer};
use crate::model::{Certificate, IssueKind};
use crate::trust::KeyDir;

/// Stores more pending records inside an issuing transaction: `(tx, wait)` → whether
/// everything is stored (see [`Registry::issue_fed`]).
pub(crate) type Feed<'f> = &'f mut dyn FnMut(&mut dyn Tx, bool) -> Result<bool, crate::Error>;

/// Largest chunk.
const MAX_CHUNK: usize = 65_536;

/// Certificates handed to [`Tx::insert_certificates`] at once.
const RECORD_BATCH: usize = 256;

/// Chunks reserved and handed to the signing thread but not recorded yet. Three keeps the
/// signers busy while the writer records one chunk and reserves the next in one transaction
/// (two let them run dry whenever a commit took longer than signing one chunk).
const IN_FLIGHT: usize = 3;

/// How an issuance run behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueOptions {
    /// The time the certificates are signed at (Unix seconds).
    pub now: i64,
    /// Records reserved, signed and recorded together (default 2048).
    pub chunk: usize,
    /// This process's name in reservations (default: `pid-<pid>-<random>`).
    pub owner: String,
    /// Seconds another process waits before taking over this process's reservations; 0
    /// takes the store's default (SQLite 0, where one process writes at a time; PostgreSQL
    /// one hour).
    pub lease_secs: i64,
    /// Take over every unfinished reservation of other processes now, whatever their lease
    /// (the operator knows those issuers stopped, e.g. after a crash on PostgreSQL).
    pub take_over: bool,
}

impl IssueOptions {
    /// The default `chunk`: records reserved, signed and recorded together.
    pub const DEFAULT_CHUNK: usize = 2048;

    /// Defaults at time `now`.
    pub fn at(now: i64) -> IssueOptions {
        let mut nonce = [0u8; 4];
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce);
        IssueOptions {
            now,
            chunk: IssueOptions::DEFAULT_CHUNK,
            owner: format!(
                "pid-{}-{}",
                std::process::id(),
                crate::codec::hex::encode(&nonce)
            ),
            lease_secs: 0,
            take_over: false,
        }
    }
}

/// What an issuance run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssueReport {
    /// Certificates issued in this run (resumed ones included).
    pub issued: u64,
    /// Of those, reservations left by an earlier, interrupted run.
    pub resumed: u64,
    /// Chunks recorded.
    pub chunks: u64,
    /// The lowest and highest status index issued in this run.
    pub indices: Option<(u64, u64)>,
    /// The signer's kid.
    pub kid: [u8; 8],
}

/// One signed certificate, waiting to be recorded.
pub(crate) struct Signed {
    assignment: Assignment,
    cert: Certificate,
    issued: Issued,
}

fn bad_json(e: serde_json::Error) -> crate::Error {
    RegistryError::inconsistent(format!("stored certificate does not parse: {e}"))
}

/// Signs one reservation: the stored certificate with the reserved serial and version.
fn sign_one(issuer: &Issuer<'_>, a: Assignment, now: i64) -> Result<Signed, crate::Error> {
    let mut cert: Certificate = serde_json::from_str(&a.certificate).map_err(bad_json)?;
    cert.serial.clone_from(&a.serial);
    cert.lifecycle.version = a.version;
    let issued = issuer.issue(&cert, Some(a.status_index), now)?;
    Ok(Signed {
        assignment: a,
        cert,
        issued,
    })
}

/// The signer row for `keys`' active signer at `now`, refusing a revoked kid.
pub(crate) fn signer_row(
    tx: &mut dyn Tx,
    keys: &KeyDir,
    now: i64,
) -> Result<SignerRow, crate::Error> {
    let active = keys.active_signer(now)?;
    let kid = active.kid();
    if tx
        .kid_status(&kid)?
        .is_some_and(|c| c.state == State::Revoked)
    {
        return Err(RegistryError::SignerRevoked {
            kid: crate::codec::hex::encode(&kid),
        }
        .into());
    }
    Ok(SignerRow {
        kid,
        certificate: active.cert().der().to_vec(),
        subject: active.cert().subject().to_owned(),
        first_used: now,
    })
}

/// Stores the signer if it is new; refuses a kid revoked meanwhile (checked again in the
/// recording transaction, so a concurrent `revoke signer` cannot be raced).
pub(crate) fn ensure_signer(tx: &mut dyn Tx, signer: &SignerRow) -> Result<(), crate::Error> {
    if tx
        .kid_status(&signer.kid)?
        .is_some_and(|c| c.state == State::Revoked)
    {
        return Err(RegistryError::SignerRevoked {
            kid: crate::codec::hex::encode(&signer.kid),
        }
        .into());
    }
    if tx.signer(&signer.kid)?.is_none() {
        tx.insert_signer(signer)?;
    }
    Ok(())
}

/// Records signed certificates, the predecessors they supersede and one audit entry.
pub(crate) fn record(
    tx: &mut dyn Tx,
    signed: &[Signed],
    signer: &SignerRow,
    now: i64,
    actor: &str,
    operation: &str,
    supersede_reason: StatusReason,
) -> Result<(), crate::Error> {
    ensure_signer(tx, signer)?;
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    // Rows go to the store in batches (one multi-row statement where the backend has one);
    // a re-issue's predecessor is looked up after the batch before it is stored.
    let mut rows: Vec<CertificateRow> = Vec::with_capacity(signed.len().min(RECORD_BATCH));
    for s in signed {
        let a = &s.assignment;
        let record_id = match (a.record_id, a.predecessor) {
            (Some(r), _) => Some(r),
            (None, Some(p)) => {
                if !rows.is_empty() {
                    tx.insert_certificates(&rows)?;
                    rows.clear();
                }
                tx.certificate_at(p)?.and_then(|c| c.record_id)
            }
            (None, None) => None,
        };
        rows.push(CertificateRow {
            status_index: a.status_index,
            identifier: s.issued.identifier.clone(),
            serial: a.serial.clone(),
            version: a.version,
            kind: a.kind,
            predecessor: a.predecessor,
            record_id,
            management_number: s.cert.management.number.clone(),
            holder_name: s.cert.holder.name.clone(),
            id_number: s.cert.holder.id_number.clone(),
            qualification: s.cert.qualification.code,
            legacy: s.cert.legacy,
            kid: signer.kid,
            issued_at: now,
            certificate: String::new(),
            document: s.issued.document.clone(),
            qr: s.issued.qr.clone(),
        });
        if rows.len() >= RECORD_BATCH {
            tx.insert_certificates(&rows)?;
            rows.clear();
        }
        if let Some(p) = a.predecessor {
            // The successor is stored before its predecessor is marked superseded.
            tx.insert_certificates(&rows)?;
            rows.clear();
            tx.append_status(&StatusChange {
                seq: 0,
                subject: StatusSubject::Index(p),
                state: State::Superseded,
                reason: supersede_reason,
                at: now,
                actor: actor.to_owned(),
                decision: None,
                note: Some(s.issued.identifier.clone()),
            })?;
        }
        digest.update(&a.status_index.to_be_bytes());
        digest.update(s.issued.identifier.as_bytes());
        digest.update(&sha256(&s.issued.document));
        digest.update(s.issued.qr.as_bytes());
    }
    if !rows.is_empty() {
        tx.insert_certificates(&rows)?;
    }
    let (first, last) = match (signed.first(), signed.last()) {
        (Some(f), Some(l)) => (f.assignment.status_index, l.assignment.status_index),
        _ => return Ok(()),
    };
    let mut payload = [0u8; 32];
    payload.copy_from_slice(digest.finish().as_ref());
    audit::append_unnumbered(
        tx,
        now,
        actor,
        operation,
        &format!(
            "status indices {first}..={last} ({} certificates, kid {})",
            signed.len(),
            crate::codec::hex::encode(&signer.kid)
        ),
        payload,
    )?;
    Ok(())
}

/// Reserves the next chunk of pending records (first issues) after record id `after`.
fn reserve(
    tx: &mut dyn Tx,
    after: i64,
    chunk: usize,
    opts: &IssueOptions,
    actor: &str,
) -> Result<(Vec<Assignment>, i64), crate::Error> {
    let records = tx.pending_records(after, chunk)?;
    let Some(last) = records.last().map(|r| r.id) else {
        return Ok((Vec::new(), after));
    };
    let n = u64::try_from(records.len()).unwrap_or(u64::MAX);
    let (first_index, first_serial) = tx.next_numbers(n, n)?;
    let lease_until = opts.now.saturating_add(opts.lease_secs.max(0));
    let mut out = Vec::with_capacity(records.len());
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    for (k, r) in (0u64..).zip(records) {
        let super::RecordOutcome::Accepted { certificate, .. } = r.outcome else {
            return Err(RegistryError::inconsistent(format!(
                "record {} is pending but not accepted",
                r.id
            )));
        };
        let a = Assignment {
            status_index: first_index.saturating_add(k),
            serial: first_serial.saturating_add(k).to_string(),
            version: 1,
            kind: IssueKind::Original,
            record_id: Some(r.id),
            predecessor: None,
            certificate,
            owner: opts.owner.clone(),
            lease_until,
            reserved_at: opts.now,
        };
        digest.update(&a.status_index.to_be_bytes());
        digest.update(&r.id.to_be_bytes());
        digest.update(a.serial.as_bytes());
        out.push(a);
    }
    tx.insert_assignments(&out)?;
    let mut payload = [0u8; 32];
    payload.copy_from_slice(digest.finish().as_ref());
    let last_index = first_index.saturating_add(n.saturating_sub(1));
    audit::append_unnumbered(
        tx,
        opts.now,
        actor,
        "reserve",
        &format!("status indices {first_index}..={last_index}"),
        payload,
    )?;
    Ok((out, last))
}

impl Registry {
    /// Issues every accepted record not issued yet, first finishing reservations an
    /// interrupted run left, signing with `keys`' active signer. `progress(done, total)` is
    /// called after every recorded chunk.
    pub fn issue_pending(
        &mut self,
        keys: &KeyDir,
        opts: &IssueOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<IssueReport, crate::Error> {
        self.issue_fed(keys, opts, progress, None, 0)
    }

    /// [`Registry::issue_pending`], storing more records as it goes: `feed(tx, wait)` runs at
    /// the start of every issuing transaction and stores the records that are ready (with
    /// `wait`, it first waits for some), returning `true` once it has stored everything
    /// (`submit_and_issue_file`). Issuance ends only after the feed has. `expected`: the
    /// records the feed will add, for `progress`.
    pub(crate) fn issue_fed(
        &mut self,
        keys: &KeyDir,
        opts: &IssueOptions,
        progress: &mut dyn FnMut(u64, u64),
        mut feed: Option<Feed<'_>>,
        expected: u64,
    ) -> Result<IssueReport, crate::Error> {
        let mut effective = opts.clone();
        if effective.lease_secs == 0 {
            effective.lease_secs = self.store.default_lease_secs();
        }
        let opts = &effective;
        let now = opts.now;
        let claim_at = if opts.take_over { i64::MAX } else { now };
        let issuer = Issuer::from_key_dir(keys, now)?;
        let (signer, total) =
            self.read(|tx| Ok((signer_row(tx, keys, now)?, tx.count_pending()?)))?;
        let total = total.saturating_add(expected);
        let chunk = opts.chunk.clamp(1, MAX_CHUNK);
        let actor = self.actor.clone();
        let lease_until = now.saturating_add(opts.lease_secs.max(0));
        let mut report = IssueReport {
            kid: signer.kid,
            ..IssueReport::default()
        };
        progress(0, total);
        std::thread::scope(|scope| -> Result<(), crate::Error> {
            let (work_tx, work_rx) = mpsc::sync_channel::<(bool, Vec<Assignment>)>(IN_FLIGHT);
            let (done_tx, done_rx) =
                mpsc::sync_channel::<(bool, Result<Vec<Signed>, crate::Error>)>(IN_FLIGHT);
            let issuer = &issuer;
            scope.spawn(move || {
                for (resumed, chunk) in work_rx {
                    let signed: Result<Vec<Signed>, crate::Error> = chunk
                        .into_par_iter()
                        .map(|a| sign_one(issuer, a, now))
                        .collect();
                    if done_tx.send((resumed, signed)).is_err() {
                        break;
                    }
                }
            });
            let mut resuming = true;
            let mut exhausted = false;
            let mut cursor = 0i64;
            let mut in_flight = 0usize;
            let mut fed = feed.is_none();
            // The next chunk: records the feed has ready stored first, then reservations an
            // interrupted run left, then new records. Runs inside a transaction; returns the
            // state to adopt once it commits.
            let mut fetch =
                |tx: &mut dyn Tx,
                 resuming: bool,
                 cursor: i64,
                 fed: bool,
                 wait: bool|
                 -> Result<(Vec<Assignment>, bool, i64, bool), crate::Error> {
                    let fed = match feed.as_mut() {
                        Some(f) if !fed => f(tx, wait)?,
                        _ => true,
                    };
                    if resuming {
                        let batch =
                            tx.claim_unfinished(&opts.owner, claim_at, lease_until, chunk)?;
                        if !batch.is_empty() {
                            return Ok((batch, true, cursor, fed));
                        }
                    }
                    let (batch, next) = reserve(tx, cursor, chunk, opts, &actor)?;
                    Ok((batch, false, next, fed))
                };
            loop {
                // Chunks in flight: one signing, the others queued, while the last is recorded
                // (the signers never wait for the recording transaction to commit).
                while in_flight < IN_FLIGHT && !exhausted {
                    // With nothing in flight, wait for the feed's next records.
                    let wait = in_flight == 0;
                    let (batch, resumed, next, now_fed) =
                        self.write(|tx| fetch(tx, resuming, cursor, fed, wait))?;
                    (resuming, cursor, fed) = (resumed, next, now_fed);
                    if batch.is_empty() {
                        if fed {
                            exhausted = true;
                            break;
                        }
                        if in_flight > 0 {
                            break;
                        }
                        continue;
                    }
                    if work_tx.send((resumed, batch)).is_err() {
                        return Err(RegistryError::inconsistent("signing thread stopped"));
                    }
                    in_flight = in_flight.saturating_add(1);
                }
                if in_flight == 0 {
                    break;
                }
                let Ok((resumed, signed)) = done_rx.recv() else {
                    return Err(RegistryError::inconsistent("signing thread stopped"));
                };
                in_flight = in_flight.saturating_sub(1);
                let signed = signed?;
                // Recording this chunk and reserving the next share one transaction (one commit).
                let more = !exhausted;
                let (batch, next_resumed, next, now_fed) = self.write(|tx| {
                    record(
                        tx,
                        &signed,
                        &signer,
                        now,
                        &actor,
                        "issue",
                        StatusReason::Change,
                    )?;
                    if more {
                        fetch(tx, resuming, cursor, fed, false)
                    } else {
                        Ok((Vec::new(), resuming, cursor, fed))
                    }
                })?;
                (resuming, cursor, fed) = (next_resumed, next, now_fed);
                if more {
                    if batch.is_empty() {
                        exhausted = fed;
                    } else if work_tx.send((next_resumed, batch)).is_err() {
                        return Err(RegistryError::inconsistent("signing thread stopped"));
                    } else {
                        in_flight = in_flight.saturating_add(1);
                    }
                }
                let n = u64::try_from(signed.len()).unwrap_or(u64::MAX);
                report.issued = report.issued.saturating_add(n);
                if resumed {
                    report.resumed = report.resumed.saturating_add(n);
                }
                report.chunks = report.chunks.saturating_add(1);
                for s in &signed {
                    let i = s.assignment.status_index;
                    report.indices = Some(match report.indices {
                        None => (i, i),
                        Some((lo, hi)) => (lo.min(i), hi.max(i)),
                    });
                }
                progress(report.issued, total.max(report.issued));
            }
            Ok(())
        })?;
        Ok(report)
    }
}

/// Signs prepared reservations on the rayon pool (re-issues inside one transaction).
pub(crate) fn sign_all(
    issuer: &Issuer<'_>,
    assignments: &[Assignment],
    now: i64,
) -> Result<Vec<Signed>, crate::Error> {
    assignments
        .par_iter()
        .map(|a| sign_one(issuer, a.clone(), now))
        .collect()
}

/// The identifier and documents of a signed reservation.
pub(crate) fn issued_of(s: &Signed) -> (&Assignment, &Issued) {
    (&s.assignment, &s.issued)
}
