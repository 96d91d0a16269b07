//! Bulk issuance (rules art. 10), crash-safe and resumable (`specs/registry.md`, "Crash
//! safety"):
//!
//! 1. **reserve** — one transaction assigns a chunk of pending records their status indices
//!    and serials (dense counters) and commits: the numbers the signatures will cover are
//!    durable before anything is signed;
//! 2. **sign** — the chunk is signed in parallel on the rayon pool (document and QR payload,
//!    two signatures a record), while the store records the previous chunk;
//! 3. **record** — one transaction stores every document, QR string, kid and the audit entry
//!    of the chunk (a reservation is issued once its certificate row exists: schema version
//!    2 writes no flag); the same transaction reserves the chunk after next (one commit a
//!    chunk).
//!
//! A pipelined submission ([`Registry::submit_and_issue_file`]) also hands the certificates it
//! validated to step 2 through a bounded [`Handoff`], so the signer does not parse the JSON it
//! stored (the stored rows are the same; a record without a matching handoff entry is parsed
//! from the store as before).
//!
//! Nothing is written outside the store, so nothing can be signed but unrecorded. A crash
//! between 1 and 3 leaves reservations not issued; the next run signs them again with the
//! same status index and serial (the new signatures replace the lost ones, which nobody has
//! seen), then goes on with new records. A reservation is recorded at most once: the
//! certificate's primary key is its status index, and its foreign key names the reservation.

use std::collections::HashMap;
use std::sync::mpsc;

use rayon::prelude::*;

use super::store::{serial_version, Assignment, CertificateRow, SignerRow, Tx};
use super::{audit, Registry, RegistryError, State, StatusChange, StatusReason, StatusSubject};
use crate::issue::Issuer;
use crate::model::{Certificate, IssueKind};
use crate::trust::KeyDir;

/// Stores more pending records inside an issuing transaction: `(tx, wait, handoff)` →
/// whether everything is stored (see [`Registry::issue_fed`]); the certificates it stores
/// go into the [`Handoff`] too.
pub(crate) type Feed<'f> =
    &'f mut dyn FnMut(&mut dyn Tx, bool, &mut Handoff) -> Result<bool, crate::Error>;

/// Certificates a pipelined submission validated and stored in this run, not reserved yet,
/// by submission and row number, each with the digest of the row it was converted from:
/// reserving the record hands the struct to the signer, so the reservation neither reads the
/// stored JSON back nor parses it (about 14 k instructions a record for the parse alone).
/// Only a record whose stored row digest is the digest kept here is handed over; for any other
/// (a record of another run, a transaction retried) the JSON is read and parsed as before, so
/// the handoff is a cache and never decides what is signed. Why the digest suffices
/// (`specs/registry.md`, "Bulk issuance"): a stored record changes only by a replacement,
/// which happens only when the submitted row's digest differs from the stored one, so equal
/// digests mean the same submitted row (SHA-256), and the stored JSON is a deterministic
/// function of the row (the conversion reads nothing else: the built-in catalogue, the
/// canonical column names the digest covers), which is the JSON serialised from the struct kept
/// here. Bounded: the feed stores no more rows while it holds [`Handoff::limit`] certificates
/// (the reader then waits, memory flat), and it is emptied whenever a reservation finds nothing
/// pending (what it still holds is then stale).
/// The certificates are boxed: an entry moves through the map, the reservation and the signer
/// as a pointer, not as the struct's bytes.
pub(crate) struct Handoff {
    certs: HashMap<(i64, u64), ([u8; 32], Box<Certificate>)>,
    limit: usize,
}

impl Handoff {
    fn new(chunk: usize) -> Handoff {
        let limit = chunk.saturating_mul(2).max(super::CHUNK_ROWS);
        Handoff {
            // Room for the limit and the chunk that may pass it (the feed checks `full`
            // before a chunk, not after): the table is allocated once, not grown.
            certs: HashMap::with_capacity(limit.saturating_add(chunk.min(super::CHUNK_ROWS))),
            limit,
        }
    }

    /// Whether the feed should wait with storing more rows.
    pub(crate) fn full(&self) -> bool {
        self.certs.len() >= self.limit
    }

    /// Keeps `cert`, converted from the row with digest `digest` and stored as row `row` of
    /// submission `submission`.
    pub(crate) fn insert(
        &mut self,
        submission: i64,
        row: u64,
        digest: [u8; 32],
        cert: Box<Certificate>,
    ) {
        self.certs.insert((submission, row), (digest, cert));
    }

    /// Whether the handoff holds the certificate of row `row` of submission `submission` as
    /// converted from the row with digest `digest`.
    fn holds(&self, submission: i64, row: u64, digest: &[u8; 32]) -> bool {
        self.certs
            .get(&(submission, row))
            .is_some_and(|(kept, _)| kept == digest)
    }

    /// The certificate [`Handoff::holds`] said it holds, taken out.
    fn take(&mut self, submission: i64, row: u64, digest: &[u8; 32]) -> Option<Box<Certificate>> {
        if !self.holds(submission, row, digest) {
            return None;
        }
        self.certs.remove(&(submission, row)).map(|(_, cert)| cert)
    }
}

/// A reservation on its way to the signer, with its certificate when the handoff had it.
type Job = (Assignment, Option<Box<Certificate>>);

/// A chunk of reservations on its way to the signer and, in the same order, the certificates
/// the handoff had (two vectors, as reserved: not zipped into a third).
struct Jobs {
    assignments: Vec<Assignment>,
    certs: Vec<Option<Box<Certificate>>>,
}

impl Jobs {
    /// Reservations whose certificates are read from the store.
    fn unparsed(assignments: Vec<Assignment>) -> Jobs {
        let certs = std::iter::repeat_with(|| None)
            .take(assignments.len())
            .collect();
        Jobs { assignments, certs }
    }

    fn is_empty(&self) -> bool {
        self.assignments.is_empty()
    }
}

/// Largest chunk.
const MAX_CHUNK: usize = 65_536;

/// Certificates handed to [`Tx::insert_certificates`] at once.
const RECORD_BATCH: usize = 256;

/// Bytes of an audit payload gathered before they are hashed.
const DIGEST_BUF: usize = 16 * 1024;

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

/// A signed chunk, waiting to be recorded: the reservations and, in the same order, the
/// certificate rows built from them on the signing threads (the strings, document and QR
/// string are moved into the row there, not copied when the chunk is recorded).
pub(crate) struct Signed {
    assignments: Vec<Assignment>,
    rows: Vec<CertificateRow>,
    /// Each row's signatures ([`Sigs`]), for the audit entry.
    sigs: Vec<Sigs>,
}

/// A certificate's two signatures, the document's then the QR payload's, and the length of
/// the first.
struct Sigs(Vec<u8>, usize);

impl Signed {
    /// The signed chunk, or the first error in it. The results are gathered into a vector of
    /// their exact length ([`IndexedParallelIterator::collect_into_vec`]), not grown.
    fn from_results(
        results: impl IndexedParallelIterator<
            Item = Result<(Assignment, CertificateRow, Sigs), crate::Error>,
        >,
    ) -> Result<Signed, crate::Error> {
        let mut parts = Vec::new();
        results.collect_into_vec(&mut parts);
        let mut out = Signed {
            assignments: Vec::with_capacity(parts.len()),
            rows: Vec::with_capacity(parts.len()),
            sigs: Vec::with_capacity(parts.len()),
        };
        for part in parts {
            let (a, row, sigs) = part?;
            out.assignments.push(a);
            out.rows.push(row);
            out.sigs.push(sigs);
        }
        Ok(out)
    }

    /// Certificates in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }
}

fn bad_json(e: serde_json::Error) -> crate::Error {
    RegistryError::inconsistent(format!("stored certificate does not parse: {e}"))
}

/// Signs one reservation: the stored certificate with the reserved serial and version, and
/// the certificate row that records it (`record_id` as reserved; a re-issue's is looked up
/// when it is recorded).
fn sign_one(
    issuer: &Issuer<'_>,
    (mut a, parsed): Job,
    now: i64,
) -> Result<(Assignment, CertificateRow, Sigs), crate::Error> {
    let mut cert: Box<Certificate> = match parsed {
        Some(cert) => cert,
        None => Box::new(serde_json::from_str(&a.certificate).map_err(bad_json)?),
    };
    // The JSON is not needed after this: free it here, not on the recording thread. The
    // serial moves into the certificate, then into the row (nothing reads the reservation's
    // after signing).
    a.certificate = String::new();
    cert.serial = std::mem::take(&mut a.serial);
    cert.lifecycle.version = a.version;
    let (issued, sigs, doc_sig) = issuer.issue_with_signatures(&cert, Some(a.status_index), now)?;
    let row = CertificateRow {
        status_index: a.status_index,
        identifier: issued.identifier,
        serial: std::mem::take(&mut cert.serial),
        version: a.version,
        kind: a.kind,
        predecessor: a.predecessor,
        record_id: a.record_id,
        management_number: std::mem::take(&mut cert.management.number),
        holder_name: std::mem::take(&mut cert.holder.name),
        id_number: std::mem::take(&mut cert.holder.id_number),
        qualification: cert.qualification.code,
        legacy: cert.legacy,
        kid: issuer.kid(),
        issued_at: now,
        certificate: String::new(),
        document: issued.document,
        qr: issued.qr,
    };
    Ok((a, row, Sigs(sigs, doc_sig)))
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
    signed: &Signed,
    signer: &SignerRow,
    now: i64,
    actor: &str,
    operation: &str,
    supersede_reason: StatusReason,
) -> Result<(), crate::Error> {
    ensure_signer(tx, signer)?;
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    // The payload's bytes are gathered and hashed a block of runs at a time (the same digest
    // as one update a certificate, with a fraction of the calls).
    let mut buf = Vec::with_capacity(DIGEST_BUF.saturating_add(256));
    // Rows go to the store straight from the chunk, in runs of up to RECORD_BATCH (one
    // multi-row statement where the backend has one); a re-issue is stored on its own, after
    // the run before it, once its predecessor's record is looked up.
    let mut run = 0usize;
    let records = signed
        .assignments
        .iter()
        .zip(&signed.rows)
        .zip(&signed.sigs);
    for (k, ((a, row), Sigs(sigs, doc_sig))) in records.enumerate() {
        if row.kid != signer.kid || row.status_index != a.status_index {
            return Err(RegistryError::inconsistent(format!(
                "status index {}: signed with kid {}, recording for kid {}",
                row.status_index,
                crate::codec::hex::encode(&row.kid),
                crate::codec::hex::encode(&signer.kid)
            )));
        }
        // Schema version 4 has no CHECK for this: the identifier names the row's serial and
        // version (which makes `UNIQUE (serial, version)` unique identifiers).
        if serial_version(&row.identifier) != Some((row.serial.as_str(), row.version)) {
            return Err(RegistryError::inconsistent(format!(
                "status index {}: identifier {} does not name serial {} version {}",
                row.status_index, row.identifier, row.serial, row.version
            )));
        }
        if let Some(p) = a.predecessor {
            // The successor is stored before its predecessor is marked superseded.
            insert_run(tx, &signed.rows, run, k)?;
            run = k.saturating_add(1);
            let mut row = row.clone();
            if row.record_id.is_none() {
                row.record_id = tx.certificate_at(p)?.and_then(|c| c.record_id);
            }
            tx.insert_certificates(std::slice::from_ref(&row))?;
            tx.append_status(&StatusChange {
                seq: 0,
                subject: StatusSubject::Index(p),
                state: State::Superseded,
                reason: supersede_reason,
                at: now,
                actor: actor.to_owned(),
                decision: None,
                note: Some(row.identifier.clone()),
            })?;
        } else if k.saturating_add(1).saturating_sub(run) >= RECORD_BATCH {
            insert_run(tx, &signed.rows, run, k.saturating_add(1))?;
            run = k.saturating_add(1);
        }
        // The chunk's payload (specs/registry.md, "Audit chain"): each certificate's status
        // index, identifier and two signatures, which bind its document and QR payload.
        let (doc, qr) = sigs.split_at((*doc_sig).min(sigs.len()));
        buf.extend_from_slice(&a.status_index.to_be_bytes());
        for part in [row.identifier.as_bytes(), doc, qr] {
            buf.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            buf.extend_from_slice(part);
        }
        if buf.len() >= DIGEST_BUF {
            digest.update(&buf);
            buf.clear();
        }
    }
    digest.update(&buf);
    insert_run(tx, &signed.rows, run, signed.rows.len())?;
    let (first, last) = match (signed.assignments.first(), signed.assignments.last()) {
        (Some(f), Some(l)) => (f.status_index, l.status_index),
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

/// Stores `rows[from..to]` (nothing when empty).
fn insert_run(
    tx: &mut dyn Tx,
    rows: &[CertificateRow],
    from: usize,
    to: usize,
) -> Result<(), crate::Error> {
    match rows.get(from..to) {
        Some(run) if !run.is_empty() => tx.insert_certificates(run),
        _ => Ok(()),
    }
}

/// Reserves the next chunk of pending records (first issues) after record id `after`.
fn reserve(
    tx: &mut dyn Tx,
    after: i64,
    chunk: usize,
    opts: &IssueOptions,
    actor: &str,
    handoff: &mut Handoff,
) -> Result<(Jobs, i64), crate::Error> {
    let records = tx.pending_records_except(after, chunk, &mut |s, row, digest| {
        handoff.holds(s, row, digest)
    })?;
    let Some(last) = records.last().map(|r| r.id) else {
        // Nothing pending: whatever the handoff holds was reserved elsewhere.
        handoff.certs.clear();
        return Ok((Jobs::unparsed(Vec::new()), after));
    };
    let n = u64::try_from(records.len()).unwrap_or(u64::MAX);
    let (first_index, first_serial) = tx.next_numbers(n, n)?;
    let lease_until = opts.now.saturating_add(opts.lease_secs.max(0));
    let mut out = Vec::with_capacity(records.len());
    let mut parsed = Vec::with_capacity(records.len());
    // The payload's bytes, hashed in one call at the end.
    let mut bytes = Vec::with_capacity(records.len().saturating_mul(32));
    for (k, r) in (0u64..).zip(records) {
        // A row read without its JSON is one the handoff holds (two rows with one submission,
        // row number and digest would be one submitted row stored twice: refused).
        let certificate = match r.certificate {
            Some(json) => {
                parsed.push(None);
                json
            }
            None => {
                let cert = handoff.take(r.submission_id, r.row_no, &r.digest);
                if cert.is_none() {
                    return Err(RegistryError::inconsistent(format!(
                        "record {}: row {} of submission {} read without its certificate, \
                         which this run does not hold",
                        r.id, r.row_no, r.submission_id
                    )));
                }
                parsed.push(cert);
                String::new()
            }
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
        bytes.extend_from_slice(&a.status_index.to_be_bytes());
        bytes.extend_from_slice(&r.id.to_be_bytes());
        bytes.extend_from_slice(a.serial.as_bytes());
        out.push(a);
    }
    tx.insert_assignments(&out)?;
    let payload = super::sha256(&bytes);
    drop(bytes);
    let last_index = first_index.saturating_add(n.saturating_sub(1));
    audit::append_unnumbered(
        tx,
        opts.now,
        actor,
        "reserve",
        &format!("status indices {first_index}..={last_index}"),
        payload,
    )?;
    Ok((
        Jobs {
            assignments: out,
            certs: parsed,
        },
        last,
    ))
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
            let (work_tx, work_rx) = mpsc::sync_channel::<(bool, Jobs)>(IN_FLIGHT);
            let (done_tx, done_rx) =
                mpsc::sync_channel::<(bool, Result<Signed, crate::Error>)>(IN_FLIGHT);
            let issuer = &issuer;
            scope.spawn(move || {
                for (resumed, chunk) in work_rx {
                    let signed = Signed::from_results(
                        chunk
                            .assignments
                            .into_par_iter()
                            .zip(chunk.certs)
                            .map(|job| sign_one(issuer, job, now)),
                    );
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
            let mut handoff = Handoff::new(chunk);
            // The next chunk: records the feed has ready stored first, then reservations an
            // interrupted run left, then new records. Runs inside a transaction; returns the
            // state to adopt once it commits.
            let mut fetch = |tx: &mut dyn Tx,
                             resuming: bool,
                             cursor: i64,
                             fed: bool,
                             wait: bool|
             -> Result<(Jobs, bool, i64, bool), crate::Error> {
                let fed = match feed.as_mut() {
                    Some(f) if !fed => f(tx, wait, &mut handoff)?,
                    _ => true,
                };
                if resuming {
                    let batch = tx.claim_unfinished(&opts.owner, claim_at, lease_until, chunk)?;
                    if !batch.is_empty() {
                        return Ok((Jobs::unparsed(batch), true, cursor, fed));
                    }
                }
                let (batch, next) = reserve(tx, cursor, chunk, opts, &actor, &mut handoff)?;
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
                        Ok((Jobs::unparsed(Vec::new()), resuming, cursor, fed))
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
                for a in &signed.assignments {
                    let i = a.status_index;
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
) -> Result<Signed, crate::Error> {
    Signed::from_results(
        assignments
            .par_iter()
            .map(|a| sign_one(issuer, (a.clone(), None), now)),
    )
}

/// The first reservation of a signed chunk and its certificate row.
pub(crate) fn first_of(s: &Signed) -> Option<(&Assignment, &CertificateRow)> {
    s.assignments.first().zip(s.rows.first())
}

#[cfg(test)]
mod tests {
    use super::{record, serial_version, Assignment, CertificateRow, Signed, SignerRow, Sigs};
    use crate::model::IssueKind;
    use crate::registry::{SqliteStore, StatusReason, Store};

    /// Schema version 4 dropped the CHECK that tied a certificate's identifier to its serial
    /// and version: `record`, the only writer of certificates, refuses a row whose identifier
    /// names another serial or version, and stores nothing of its chunk.
    #[test]
    fn record_refuses_an_identifier_naming_another_serial_or_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
        let kid = [7u8; 8];
        let signer = SignerRow {
            kid,
            certificate: vec![1],
            subject: "signer".into(),
            first_used: 0,
        };
        let a = Assignment {
            status_index: 0,
            serial: "42".into(),
            version: 1,
            kind: IssueKind::Original,
            record_id: None,
            predecessor: None,
            certificate: String::new(),
            owner: "test".into(),
            lease_until: 0,
            reserved_at: 0,
        };
        let chunk = |identifier: &str| Signed {
            assignments: vec![a.clone()],
            rows: vec![CertificateRow {
                status_index: 0,
                identifier: identifier.into(),
                serial: "42".into(),
                version: 1,
                kind: IssueKind::Original,
                predecessor: None,
                record_id: None,
                management_number: "m".into(),
                holder_name: "n".into(),
                id_number: "i".into(),
                qualification: 1,
                legacy: false,
                kid,
                issued_at: 0,
                certificate: String::new(),
                document: vec![1],
                qr: "q".into(),
            }],
            sigs: vec![Sigs(vec![1, 2], 1)],
        };
        let issued = |store: &mut SqliteStore| {
            let mut found = false;
            store
                .read(&mut |tx| {
                    found = tx.is_issued(0)?;
                    Ok(())
                })
                .unwrap();
            found
        };
        let store_chunk = |store: &mut SqliteStore, identifier: &str| {
            let signed = chunk(identifier);
            store.transaction(&mut |tx| {
                record(
                    tx,
                    &signed,
                    &signer,
                    0,
                    "test",
                    "issue",
                    StatusReason::Change,
                )
            })
        };
        for bad in ["a.b.43.001.K", "a.b.42.002.K", "a.b.142.001.K", "42.001"] {
            assert_ne!(serial_version(bad), Some(("42", 1)), "{bad}");
            let e = store_chunk(&mut store, bad).unwrap_err();
            assert!(
                e.to_string().contains("does not name serial 42 version 1"),
                "{bad}: {e}"
            );
            assert!(!issued(&mut store), "{bad}");
        }
        store_chunk(&mut store, "a.b.42.001.K").unwrap();
        assert!(issued(&mut store));
    }
}
