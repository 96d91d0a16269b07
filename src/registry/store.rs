//! The storage boundary: the [`Store`] trait, the [`Tx`] operations a transaction offers, and
//! the plain rows they move. Everything above this file is backend-agnostic (rules, validation,
//! audit hashing, deadline arithmetic); everything below it is SQL.
//!
//! The trait is synchronous and narrow: one method a statement, typed rows in and out, numbers
//! (status index, serial, log sequence) assigned by the backend inside the caller's transaction.
//! It is shaped for a second backend with several writers (PostgreSQL, issue 13):
//!
//! - [`Store::transaction`] may run its closure more than once (a backend retries on a
//!   serialisation failure), so closures only touch the [`Tx`] and their own locals;
//! - [`Tx::pending_records`] claims rows that another writer may claim at the same moment
//!   (`FOR UPDATE SKIP LOCKED` there; SQLite has one writer at a time);
//! - [`Tx::next_numbers`] draws from counters that two processes never share a value of (a
//!   locked counter row or a sequence);
//! - [`Tx::append_audit`] / [`Tx::append_status`] append to logs whose order the backend owns
//!   (the audit head row locked for the transaction, so the chain never forks).

use crate::model::IssueKind;

use super::{AuditEntry, RegistryError, StatusChange, StatusHead};

/// A registry backend: runs transactions.
pub trait Store: Send {
    /// Runs `f` in one read-write transaction: committed when `f` returns `Ok`, rolled back
    /// when it returns `Err` (and on a crash). A backend may run `f` again after a transient
    /// failure (serialisation, deadlock), so `f` must not keep effects outside the [`Tx`].
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error>;

    /// Runs `f` on one consistent read-only view (a snapshot of committed data).
    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error>;

    /// Runs `f`, which only reads, on one consistent view, like [`Store::read`]; a backend may
    /// first run it outside any transaction while it sends one statement (its own snapshot:
    /// PostgreSQL saves the BEGIN and ROLLBACK round trips of a lookup) and run it again under
    /// [`Store::read`] when it needs more, so `f` must not keep effects outside the [`Tx`].
    fn read_one(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        self.read(f)
    }

    /// A short name of the backend and location, for messages (`sqlite:/path/registry.db`).
    fn describe(&self) -> String;

    /// The reservation lease an issuing run uses when its options leave it at 0: 0 where one
    /// process writes at a time (SQLite), long where several issuers share the store.
    fn default_lease_secs(&self) -> i64 {
        0
    }
}

/// A submission as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionRow {
    /// Backend id.
    pub id: i64,
    /// The examination body that submitted it.
    pub body: String,
    /// The body's batch id (unique per body).
    pub batch: String,
    /// The examination it belongs to, for progress figures.
    pub exam: Option<String>,
    /// When the exam results were published (days since 1970-01-01), for the art. 9 deadline.
    pub results_published: Option<i32>,
    /// When the batch was first received (Unix seconds).
    pub received_at: i64,
}

/// One row of a submission as stored: accepted (with its certificate) or rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    /// Backend id (0 for a row not stored yet).
    pub id: i64,
    /// The submission it belongs to.
    pub submission_id: i64,
    /// What matches it on resubmission: the management number, or `#row:N` without one.
    pub row_key: String,
    /// 1-based row number in the file it last came from.
    pub row_no: u64,
    /// SHA-256 of the row as submitted.
    pub digest: [u8; 32],
    /// Accepted: the certificate as JSON (serial assigned at issuance). Rejected: field, rule.
    pub outcome: RecordOutcome,
    /// When this version of the row was received.
    pub received_at: i64,
}

/// An accepted record without a reservation, as [`Tx::pending_records_except`] reads it for
/// issuance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRecord {
    /// Backend id.
    pub id: i64,
    /// The submission it belongs to.
    pub submission_id: i64,
    /// 1-based row number in the file it last came from.
    pub row_no: u64,
    /// SHA-256 of the row as submitted.
    pub digest: [u8; 32],
    /// The certificate as JSON, or `None` where the caller said it holds it already.
    pub certificate: Option<String>,
}

/// Accepted or rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordOutcome {
    /// A valid certificate, waiting for issuance or issued.
    Accepted {
        /// Its management number.
        management_number: String,
        /// The certificate, serialised as JSON.
        certificate: String,
    },
    /// A refused row.
    Rejected {
        /// Dotted field name, or `record`.
        field: String,
        /// The broken rule.
        rule: String,
    },
}

/// A status index and serial reserved for one certificate before it is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The status index (dense, never reused).
    pub status_index: u64,
    /// The e-licence identifier serial.
    pub serial: String,
    /// The identifier version.
    pub version: u16,
    /// Why it is issued.
    pub kind: IssueKind,
    /// The submission record it issues (first issues).
    pub record_id: Option<i64>,
    /// The status index of the version it replaces (re-issues).
    pub predecessor: Option<u64>,
    /// The certificate to sign as JSON; for a first issue the record's (serial still unset).
    pub certificate: String,
    /// The process that holds the reservation.
    pub owner: String,
    /// Until when (Unix seconds) no other process takes the reservation over.
    pub lease_until: i64,
    /// When it was reserved.
    pub reserved_at: i64,
}

/// An issued certificate version as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRow {
    /// Its status index.
    pub status_index: u64,
    /// The e-licence identifier.
    pub identifier: String,
    /// The identifier serial (shared by every version of one certificate).
    pub serial: String,
    /// The identifier version.
    pub version: u16,
    /// Why it was issued.
    pub kind: IssueKind,
    /// The status index of the version it replaced.
    pub predecessor: Option<u64>,
    /// The submission record of the first issue of this certificate.
    pub record_id: Option<i64>,
    /// Management number.
    pub management_number: String,
    /// Holder name.
    pub holder_name: String,
    /// Full ID document number (never shown by lookups).
    pub id_number: String,
    /// Qualification code.
    pub qualification: u16,
    /// A legacy stock certificate (信息容缺 allowed).
    pub legacy: bool,
    /// The signer's kid.
    pub kid: [u8; 8],
    /// When it was signed.
    pub issued_at: i64,
    /// The certificate it was signed from, as JSON; for a first issue the submitted record's,
    /// whose serial is a placeholder: [`CertificateRow::parse_certificate`] sets the serial
    /// and version from this row.
    pub certificate: String,
    /// The signed document (COSE_Sign1).
    pub document: Vec<u8>,
    /// The QR payload text.
    pub qr: String,
}

impl CertificateRow {
    /// The certificate as signed: its JSON with this row's serial and version.
    pub fn parse_certificate(&self) -> Result<crate::model::Certificate, crate::Error> {
        let mut cert: crate::model::Certificate =
            serde_json::from_str(&self.certificate).map_err(|e| {
                RegistryError::inconsistent(format!("{}: stored certificate: {e}", self.identifier))
            })?;
        cert.serial.clone_from(&self.serial);
        cert.lifecycle.version = self.version;
        Ok(cert)
    }
}

/// A document signer as the registry knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerRow {
    /// Its kid.
    pub kid: [u8; 8],
    /// Its certificate (DER).
    pub certificate: Vec<u8>,
    /// Its certificate's subject.
    pub subject: String,
    /// When it first signed a certificate here.
    pub first_used: i64,
}

/// An objection (异议, art. 25) against a certificate version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectionRow {
    /// Backend id.
    pub id: i64,
    /// The certificate version objected to.
    pub status_index: u64,
    /// When it was filed.
    pub filed_at: i64,
    /// Who raised it (holder, organisation).
    pub filed_by: String,
    /// What it says.
    pub text: String,
    /// Who recorded it.
    pub actor: String,
    /// The outcome, once resolved: (time, outcome, actor).
    pub outcome: Option<(i64, String, String)>,
}

/// A recovered paper certificate destroyed (art. 26).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DestructionRow {
    /// The certificate version whose paper was destroyed.
    pub status_index: u64,
    /// The day it was destroyed (days since 1970-01-01).
    pub destroyed_on: i32,
    /// The witness.
    pub witness: String,
    /// A note.
    pub note: Option<String>,
    /// Who recorded it.
    pub actor: String,
    /// When it was recorded.
    pub at: i64,
}

/// Counts of one submission, for progress and deadlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchCounts {
    /// The submission.
    pub submission: SubmissionRow,
    /// Accepted rows.
    pub accepted: u64,
    /// Rejected rows (still rejected).
    pub rejected: u64,
    /// Accepted rows with an issued first version.
    pub issued: u64,
    /// Accepted rows whose certificate has a revoked version.
    pub revoked: u64,
    /// Issued first versions by day of issue (days since 1970-01-01, count).
    pub issued_by_day: Vec<(i32, u64)>,
}

/// The operations of one transaction. Each is one statement or a few; rows are plain data.
pub trait Tx {
    // ---- submissions ----
    /// The submission `(body, batch)`.
    fn submission(
        &mut self,
        body: &str,
        batch: &str,
    ) -> Result<Option<SubmissionRow>, crate::Error>;
    /// Stores a new submission (`id` ignored) and returns its id.
    fn insert_submission(&mut self, row: &SubmissionRow) -> Result<i64, crate::Error>;
    /// The record of `submission` with `row_key`.
    fn record(&mut self, submission: i64, row_key: &str)
        -> Result<Option<RecordRow>, crate::Error>;
    /// Stores a record: inserted when `row.id` is 0, else replacing row `row.id`. Returns the id.
    fn put_record(&mut self, row: &RecordRow) -> Result<i64, crate::Error>;
    /// The accepted record of any submission with this management number: (record id,
    /// submission id).
    fn record_with_number(&mut self, number: &str) -> Result<Option<(i64, i64)>, crate::Error>;
    /// Stores new records (every `id` 0), in order, as [`Tx::put_record`] would; a backend
    /// may send them as one statement (a new batch's chunk of rows).
    fn insert_records(&mut self, rows: &[RecordRow]) -> Result<(), crate::Error> {
        for row in rows {
            self.put_record(row)?;
        }
        Ok(())
    }
    /// [`Tx::record_with_number`] for several numbers at once: (number, record id, submission
    /// id) of those that have an accepted record, in no particular order.
    fn records_with_numbers(
        &mut self,
        numbers: &[&str],
    ) -> Result<Vec<(String, i64, i64)>, crate::Error> {
        let mut out = Vec::new();
        for &n in numbers {
            if let Some((id, submission)) = self.record_with_number(n)? {
                out.push((n.to_owned(), id, submission));
            }
        }
        Ok(out)
    }
    /// Whether record `id` has a status index reserved (issued or about to be).
    fn record_assigned(&mut self, id: i64) -> Result<bool, crate::Error>;

    // ---- issuance ----
    /// Up to `limit` accepted records with id above `after` and no assignment, in id order,
    /// claimed for this transaction (another writer skips them).
    fn pending_records(&mut self, after: i64, limit: usize)
        -> Result<Vec<RecordRow>, crate::Error>;
    /// [`Tx::pending_records`]: the same rows, claimed the same way, with the columns issuance
    /// needs, and each row's certificate JSON read only where `known(submission_id, row_no,
    /// digest)` is false (the caller holds the certificate of that row as submitted; a
    /// pipelined submission's handoff). The default reads every row whole.
    fn pending_records_except(
        &mut self,
        after: i64,
        limit: usize,
        known: &mut dyn FnMut(i64, u64, &[u8; 32]) -> bool,
    ) -> Result<Vec<PendingRecord>, crate::Error> {
        let rows = self.pending_records(after, limit)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let RecordOutcome::Accepted { certificate, .. } = r.outcome else {
                return Err(RegistryError::inconsistent(format!(
                    "record {} is pending but not accepted",
                    r.id
                )));
            };
            out.push(PendingRecord {
                id: r.id,
                submission_id: r.submission_id,
                row_no: r.row_no,
                digest: r.digest,
                certificate: (!known(r.submission_id, r.row_no, &r.digest)).then_some(certificate),
            });
        }
        Ok(out)
    }
    /// Accepted records without a reservation plus reservations not issued.
    fn count_pending(&mut self) -> Result<u64, crate::Error>;
    /// Reserves `count` consecutive status indices and `serials` consecutive serial numbers;
    /// returns the first of each.
    fn next_numbers(&mut self, count: u64, serials: u64) -> Result<(u64, u64), crate::Error>;
    /// Stores a reservation.
    fn insert_assignment(&mut self, a: &Assignment) -> Result<(), crate::Error>;
    /// Stores reservations, each as [`Tx::insert_assignment`] would, in order; a backend may
    /// send them as one statement (a chunk's reservations).
    fn insert_assignments(&mut self, rows: &[Assignment]) -> Result<(), crate::Error> {
        for a in rows {
            self.insert_assignment(a)?;
        }
        Ok(())
    }
    /// Up to `limit` reservations not issued whose lease has run out at `now` and whose owner
    /// is not `owner`, leased to `owner` until `lease_until`; in status index order.
    fn claim_unfinished(
        &mut self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<Assignment>, crate::Error>;
    /// The reservation of `status_index`.
    fn assignment(&mut self, status_index: u64) -> Result<Option<Assignment>, crate::Error>;
    /// Stores an issued certificate (its `certificate` field is not stored: it is the
    /// reservation's); fails unless its status index is reserved and not issued yet.
    fn insert_certificate(&mut self, row: &CertificateRow) -> Result<(), crate::Error>;
    /// Stores issued certificates, each as [`Tx::insert_certificate`] would, in order; a
    /// backend may send them as one statement. Fails (and the transaction with it) unless
    /// every status index is reserved and not issued yet.
    fn insert_certificates(&mut self, rows: &[CertificateRow]) -> Result<(), crate::Error> {
        for row in rows {
            self.insert_certificate(row)?;
        }
        Ok(())
    }
    /// Whether the certificate of `status_index` is stored.
    fn is_issued(&mut self, status_index: u64) -> Result<bool, crate::Error>;
    /// The signer with `kid`.
    fn signer(&mut self, kid: &[u8; 8]) -> Result<Option<SignerRow>, crate::Error>;
    /// Stores a signer.
    fn insert_signer(&mut self, row: &SignerRow) -> Result<(), crate::Error>;

    // ---- certificates ----
    /// The certificate version with this identifier.
    fn certificate(&mut self, identifier: &str) -> Result<Option<CertificateRow>, crate::Error>;
    /// The certificate version with this status index.
    fn certificate_at(&mut self, status_index: u64)
        -> Result<Option<CertificateRow>, crate::Error>;
    /// Every version with this serial, oldest first.
    fn lineage(&mut self, serial: &str) -> Result<Vec<CertificateRow>, crate::Error>;
    /// Every version with this management number.
    fn by_management_number(&mut self, number: &str) -> Result<Vec<CertificateRow>, crate::Error>;
    /// Every version with this ID document number.
    fn by_id_number(&mut self, id_number: &str) -> Result<Vec<CertificateRow>, crate::Error>;
    /// Up to `limit` versions signed by `kid` with status index above `after`, in index order.
    fn by_kid(
        &mut self,
        kid: &[u8; 8],
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<CertificateRow>, crate::Error>;
    /// Every certificate version, in status index order, to `f` (export, checks).
    fn each_certificate(
        &mut self,
        f: &mut dyn FnMut(CertificateRow) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error>;

    // ---- status log ----
    /// Appends a status change (its `seq` ignored) and returns the sequence number given.
    fn append_status(&mut self, change: &StatusChange) -> Result<u64, crate::Error>;
    /// The latest status change of `status_index`.
    fn latest_status(&mut self, status_index: u64) -> Result<Option<StatusChange>, crate::Error>;
    /// The latest change of the signer `kid` (a revoked kid).
    fn kid_status(&mut self, kid: &[u8; 8]) -> Result<Option<StatusChange>, crate::Error>;
    /// The log's last sequence number and the number of status indices reserved.
    fn status_head(&mut self) -> Result<StatusHead, crate::Error>;
    /// Every change with `after < seq <= upto`, in sequence order.
    fn status_changes(
        &mut self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error>;
    /// For every status index with a change at or before `upto`, its latest such change, in
    /// status index order (kid rows excluded).
    fn states_at(
        &mut self,
        upto: u64,
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error>;

    // ---- objections, destructions ----
    /// Stores an objection (`id`, `outcome` ignored) and returns its id.
    fn insert_objection(&mut self, row: &ObjectionRow) -> Result<i64, crate::Error>;
    /// The objection `id`, with its outcome if resolved.
    fn objection(&mut self, id: i64) -> Result<Option<ObjectionRow>, crate::Error>;
    /// Records the outcome of objection `id`.
    fn resolve_objection(
        &mut self,
        id: i64,
        at: i64,
        outcome: &str,
        actor: &str,
    ) -> Result<(), crate::Error>;
    /// Objections against `status_index`.
    fn objections(&mut self, status_index: u64) -> Result<Vec<ObjectionRow>, crate::Error>;
    /// Stores a destruction record; fails if that version's paper was destroyed already.
    fn insert_destruction(&mut self, row: &DestructionRow) -> Result<(), crate::Error>;
    /// The destruction record of `status_index`.
    fn destruction(&mut self, status_index: u64) -> Result<Option<DestructionRow>, crate::Error>;

    // ---- progress ----
    /// Counts per submission, in submission order.
    fn batch_counts(&mut self) -> Result<Vec<BatchCounts>, crate::Error>;
    /// Accepted records of `submission` not issued yet: (row number, management number).
    fn unissued(&mut self, submission: i64) -> Result<Vec<(u64, String)>, crate::Error>;

    // ---- audit ----
    /// Appends an audit entry (its `seq` ignored) and returns the sequence number given. The
    /// caller computed `entry.prev` and `entry.hash` from [`Tx::audit_head`] in this
    /// transaction; the backend keeps that head locked until commit.
    fn append_audit(&mut self, entry: &AuditEntry) -> Result<u64, crate::Error>;
    /// The last audit entry's sequence number and hash.
    fn audit_head(&mut self) -> Result<Option<(u64, [u8; 32])>, crate::Error>;
    /// Takes an audit entry (its `seq`, `prev` and `hash` ignored) that the backend links
    /// after the chain's head as it is when the transaction commits, hashing it with
    /// [`AuditEntry::compute_hash`]; returns false when the backend does not defer (the caller
    /// then appends with [`Tx::audit_head`] and [`Tx::append_audit`]). Deferring keeps a shared
    /// chain's head locked only for the commit instead of the whole transaction (PostgreSQL
    /// with several issuing processes); the caller gives up knowing the entry's `seq`.
    fn defer_audit(&mut self, entry: &AuditEntry) -> Result<bool, crate::Error> {
        let _ = entry;
        Ok(false)
    }
    /// Every audit entry in sequence order.
    fn each_audit(
        &mut self,
        f: &mut dyn FnMut(AuditEntry) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error>;
}

/// A backend error with the operation that failed.
#[cold]
pub(crate) fn backend(op: &'static str, message: impl std::fmt::Display) -> crate::Error {
    RegistryError::Backend {
        op,
        message: message.to_string(),
    }
    .into()
}

/// The serial and version a GB/T 36904 identifier ends in (`….<serial>.<version:3>.<check>`),
/// or `None` when it has not that shape: a lookup by identifier goes through the
/// `(serial, version)` index (schema version 2 keeps no index on the identifier;
/// `issuance::record` checks that the two agree before it stores a certificate). Only the shape
/// is read: the caller still compares the whole identifier.
pub(crate) fn serial_version(identifier: &str) -> Option<(&str, u16)> {
    let mut parts = identifier.rsplitn(4, '.');
    let _check = parts.next()?;
    let version = parts.next()?;
    let serial = parts.next()?;
    parts.next()?;
    if serial.is_empty() || version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((serial, version.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::serial_version;

    #[test]
    fn serial_version_reads_the_identifier_tail() {
        let id = "1.2.156.3005.2.11100000000013338W001.12100000400010398P.42.002.K";
        assert_eq!(serial_version(id), Some(("42", 2)));
        for bad in [
            "",
            "42.002.K",
            "a.b..002.K",
            "a.b.42.02.K",
            "a.b.42.0x2.K",
            "a.b.42.0002.K",
        ] {
            assert_eq!(serial_version(bad), None, "{bad}");
        }
    }
}
