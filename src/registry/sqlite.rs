//! The embedded backend: one SQLite file (rusqlite, bundled library) in WAL mode with foreign
//! keys on and `synchronous = FULL`, migrations applied on open in one transaction and
//! recorded in `PRAGMA user_version`. SQL only: no rule of the registry lives here.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::store::{
    backend, serial_version, Assignment, BatchCounts, CertificateRow, DestructionRow, ObjectionRow,
    PendingRecord, RecordOutcome, RecordRow, SignerRow, Store, SubmissionRow, Tx,
};
use super::{
    AuditEntry, Decision, RegistryError, State, StatusChange, StatusHead, StatusReason,
    StatusSubject, CHINA_UTC_OFFSET,
};
use crate::model::{Date, IssueKind};

/// The migrations, in order; `user_version` counts those applied.
const MIGRATIONS: [&str; 4] = [
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_write_once.sql"),
    include_str!("migrations/0003_objections_by_certificate.sql"),
    include_str!("migrations/0004_checked_in_code.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 4;

/// A registry in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

trait Ctx<T> {
    fn ctx(self, op: &'static str) -> Result<T, crate::Error>;
}

impl<T> Ctx<T> for Result<T, rusqlite::Error> {
    fn ctx(self, op: &'static str) -> Result<T, crate::Error> {
        self.map_err(|e| backend(op, e))
    }
}

fn to_i64(v: u64, what: &'static str) -> Result<i64, crate::Error> {
    i64::try_from(v).map_err(|_| backend(what, format!("{v} does not fit a 64-bit signed integer")))
}

fn to_u64(v: i64) -> rusqlite::Result<u64> {
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, v))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Bytes a page of a new file (SQLite's default is 4096). Larger pages mean fewer WAL frames,
/// each written with two `pwrite` calls (header and page), and fewer B-tree splits for the
/// certificate rows (about 1.2 KB each with the document and QR string); `specs/registry.md`,
/// "Measurements", has the comparison.
const PAGE_SIZE: u32 = 16_384;

/// KiB of SQLite's page cache a connection (`PRAGMA cache_size = -CACHE_KIB`). 16 MiB holds a
/// chunk's dirty pages and the B-tree pages the bulk writes come back to: issuing 100,000
/// records makes the same reads and writes as with 64 MiB (8 MiB starts reading pages back),
/// and the 48 MiB not filled are some 12,000 fewer page faults and 50 MB less peak memory
/// (`specs/registry.md`, "Measurements", 2026-12-01, branch `reg9i`).
const CACHE_KIB: u32 = 16 * 1024;

/// Rows a multi-row INSERT takes at most.
const MULTI_ROWS: usize = 256;

/// Prepared statements kept per connection (rusqlite's default is 16). A pipelined issuance
/// prepares about twenty statements, and up to nine widths of each multi-row INSERT
/// ([`MultiInsert`]) can be in use when chunks end unevenly: 64 keeps every one prepared, so a
/// full-width INSERT (its text about 12 KB) is never prepared twice in a run.
const STATEMENT_CACHE: usize = 64;

/// A multi-row `INSERT … VALUES (…), (…), …` whose text is built once per width. Rows go in
/// groups of [`MULTI_ROWS`] and the rest in power-of-two groups (128, 64, …, 1), so a table has
/// at most nine statement texts, all kept prepared ([`STATEMENT_CACHE`]), whatever the sizes
/// of the chunks.
struct MultiInsert {
    /// `INSERT INTO t (cols) VALUES `.
    head: &'static str,
    /// Columns a row.
    cols: usize,
    /// After the rows (`)` closing an `IN (` list; empty for an INSERT).
    tail: &'static str,
    /// The texts by width: index k holds 2^k rows.
    texts: OnceLock<Vec<String>>,
}

impl MultiInsert {
    const fn new(head: &'static str, cols: usize) -> MultiInsert {
        MultiInsert {
            head,
            cols,
            tail: "",
            texts: OnceLock::new(),
        }
    }

    /// A statement `head (?), (?), … tail` of one value a row: a query whose `IN (…)` list
    /// takes a group of values.
    const fn list(head: &'static str, tail: &'static str) -> MultiInsert {
        MultiInsert {
            head,
            cols: 1,
            tail,
            texts: OnceLock::new(),
        }
    }

    /// The statement text for `width` rows (a power of two up to [`MULTI_ROWS`]; any other
    /// width gets the largest power of two below it, which [`multi_groups`] never asks for).
    fn text(&self, width: usize) -> &str {
        let texts = self.texts.get_or_init(|| {
            let tuple = format!("({})", vec!["?"; self.cols].join(","));
            let mut out = Vec::new();
            let mut w = 1usize;
            while w <= MULTI_ROWS {
                out.push(format!(
                    "{}{}{}",
                    self.head,
                    vec![tuple.as_str(); w].join(","),
                    self.tail
                ));
                w = w.saturating_mul(2);
            }
            out
        });
        let k = usize::try_from(width.max(1).ilog2()).unwrap_or(0);
        texts
            .get(k)
            .or_else(|| texts.last())
            .map_or("", String::as_str)
    }
}

/// `rows` in groups of [`MULTI_ROWS`], then of the powers of two the rest is made of.
fn multi_groups<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rows.is_empty() {
            return None;
        }
        let width = rows.len().min(MULTI_ROWS);
        let width = 1usize << width.ilog2();
        let (group, rest) = rows.split_at(width);
        rows = rest;
        Some(group)
    })
}

impl SqliteStore {
    /// Opens or creates the registry file at `path` and brings its schema up to date. A file
    /// whose schema is newer than this build's is refused.
    pub fn open(path: &Path) -> Result<SqliteStore, crate::Error> {
        let conn = Connection::open(path).ctx("open")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.busy_timeout(Duration::from_secs(30)).ctx("open")?;
        // Before anything creates the file (journal_mode = WAL writes its header): a new file
        // gets PAGE_SIZE; an existing file keeps the page size it was made with (the pragma is
        // then a no-op, as it is for any file in WAL mode).
        conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
            .ctx("open: page_size")?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .ctx("open: journal_mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(backend(
                "open",
                format!("journal mode is {mode}, expected wal"),
            ));
        }
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
             PRAGMA cache_size = -{CACHE_KIB}; PRAGMA temp_store = MEMORY;"
        ))
        .ctx("open: pragmas")?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), crate::Error> {
        // Versions 2 and 4 copy tables (SQLite changes constraints no other way):
        // foreign keys are off while it runs (the pragma is a no-op inside a transaction) and
        // checked whole before the commit. Temporary storage is a file meanwhile: the copies'
        // statement journals and the index builds' sorters grow with the registry (some 1.4 KB
        // a certificate held in memory with `temp_store = MEMORY`: 450 MB at 300,000), in
        // temporary files they leave the process at its page cache's size.
        self.conn
            .execute_batch("PRAGMA foreign_keys = OFF; PRAGMA temp_store = FILE;")
            .ctx("migrate: pragmas")?;
        let result = self.migrate_steps();
        let on = self
            .conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")
            .ctx("migrate: pragmas");
        result.and(on)
    }

    fn migrate_steps(&mut self) -> Result<(), crate::Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("migrate")?;
        let found: u32 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .ctx("migrate: user_version")?;
        if found > SCHEMA_VERSION {
            return Err(RegistryError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            }
            .into());
        }
        let start = usize::try_from(found).unwrap_or(usize::MAX);
        for sql in MIGRATIONS.iter().skip(start) {
            tx.execute_batch(sql).ctx("migrate: apply")?;
        }
        if start < MIGRATIONS.len() {
            let broken: Option<String> = tx
                .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()
                .ctx("migrate: foreign_key_check")?;
            if let Some(table) = broken {
                return Err(backend(
                    "migrate",
                    format!("a row of {table} references a missing row after the migration"),
                ));
            }
        }
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
            .ctx("migrate: user_version")?;
        tx.commit().ctx("migrate: commit")
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for SqliteStore {
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("begin")?;
        f(&mut SqliteTx { c: &tx })?;
        tx.commit().ctx("commit")
    }

    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .ctx("begin read")?;
        f(&mut SqliteTx { c: &tx })?;
        tx.rollback().ctx("end read")
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

struct SqliteTx<'c> {
    c: &'c Connection,
}

const SUBMISSION_COLS: &str = "id, body, batch, exam, results_published, received_at";

/// A record's outcome as its columns: accepted, management number, certificate JSON, and the
/// rejected field and rule.
type OutcomeColumns<'a> = (
    i64,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn outcome_columns(outcome: &RecordOutcome) -> OutcomeColumns<'_> {
    match outcome {
        RecordOutcome::Accepted {
            management_number,
            certificate,
        } => (
            1,
            Some(management_number.as_str()),
            Some(certificate.as_str()),
            None,
            None,
        ),
        RecordOutcome::Rejected { field, rule } => {
            (0, None, None, Some(field.as_str()), Some(rule.as_str()))
        }
    }
}

fn submission_row(r: &Row<'_>) -> rusqlite::Result<SubmissionRow> {
    Ok(SubmissionRow {
        id: r.get(0)?,
        body: r.get(1)?,
        batch: r.get(2)?,
        exam: r.get(3)?,
        results_published: r.get(4)?,
        received_at: r.get(5)?,
    })
}

const RECORD_COLS: &str = "id, submission_id, row_key, row_no, digest, accepted, \
    management_number, certificate, error_field, error_rule, received_at";

fn blob<const N: usize>(v: Vec<u8>, col: usize) -> rusqlite::Result<[u8; N]> {
    let len = v.len();
    v.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Blob,
            format!("{len} bytes, expected {N}").into(),
        )
    })
}

fn record_row(r: &Row<'_>) -> rusqlite::Result<RecordRow> {
    let accepted: i64 = r.get(5)?;
    let outcome = if accepted == 1 {
        RecordOutcome::Accepted {
            management_number: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            certificate: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        }
    } else {
        RecordOutcome::Rejected {
            field: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            rule: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
        }
    };
    Ok(RecordRow {
        id: r.get(0)?,
        submission_id: r.get(1)?,
        row_key: r.get(2)?,
        row_no: to_u64(r.get(3)?)?,
        digest: blob(r.get(4)?, 4)?,
        outcome,
        received_at: r.get(10)?,
    })
}

fn kind_of(code: i64, col: usize) -> rusqlite::Result<IssueKind> {
    u8::try_from(code)
        .ok()
        .and_then(IssueKind::from_code)
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                col,
                rusqlite::types::Type::Integer,
                format!("issue kind {code}").into(),
            )
        })
}

fn version_of(v: i64, col: usize) -> rusqlite::Result<u16> {
    u16::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(col, v))
}

const ASSIGNMENT_COLS: &str = "a.status_index, a.serial, a.version, a.kind, a.record_id, \
    a.predecessor, coalesce(a.certificate, r.certificate), a.owner, a.lease_until, a.reserved_at";

fn assignment_row(r: &Row<'_>) -> rusqlite::Result<Assignment> {
    Ok(Assignment {
        status_index: to_u64(r.get(0)?)?,
        serial: r.get(1)?,
        version: version_of(r.get(2)?, 2)?,
        kind: kind_of(r.get(3)?, 3)?,
        record_id: r.get(4)?,
        predecessor: r.get::<_, Option<i64>>(5)?.map(to_u64).transpose()?,
        certificate: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        owner: r.get(7)?,
        lease_until: r.get(8)?,
        reserved_at: r.get(9)?,
    })
}

const CERT_COLS: &str = "status_index, identifier, serial, version, kind, predecessor, record_id, \
    management_number, holder_name, id_number, qualification, legacy, kid, issued_at, \
    document, qr";

/// A certificate with the JSON it was signed from: the assignment's (re-issues) or the
/// record's (first issues).
const CERT_SELECT: &str = "SELECT c.status_index, c.identifier, c.serial, c.version, c.kind, \
    c.predecessor, c.record_id, c.management_number, c.holder_name, c.id_number, \
    c.qualification, c.legacy, c.kid, c.issued_at, coalesce(a.certificate, r.certificate, ''), \
    c.document, c.qr FROM certificates c JOIN assignments a ON a.status_index = c.status_index \
    LEFT JOIN records r ON r.id = a.record_id";

fn certificate_row(r: &Row<'_>) -> rusqlite::Result<CertificateRow> {
    let q: i64 = r.get(10)?;
    Ok(CertificateRow {
        status_index: to_u64(r.get(0)?)?,
        identifier: r.get(1)?,
        serial: r.get(2)?,
        version: version_of(r.get(3)?, 3)?,
        kind: kind_of(r.get(4)?, 4)?,
        predecessor: r.get::<_, Option<i64>>(5)?.map(to_u64).transpose()?,
        record_id: r.get(6)?,
        management_number: r.get(7)?,
        holder_name: r.get(8)?,
        id_number: r.get(9)?,
        qualification: u16::try_from(q)
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(10, q))?,
        legacy: r.get::<_, i64>(11)? != 0,
        kid: blob(r.get(12)?, 12)?,
        issued_at: r.get(13)?,
        certificate: r.get(14)?,
        document: r.get(15)?,
        qr: r.get(16)?,
    })
}

const STATUS_COLS: &str = "seq, status_index, kid, state, reason, at, actor, decision_body, \
    decision_ref, decision_date, note";

fn status_row(r: &Row<'_>) -> rusqlite::Result<StatusChange> {
    let conv = |col: usize, what: &str, v: i64| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Integer,
            format!("{what} {v}").into(),
        )
    };
    let index: Option<i64> = r.get(1)?;
    let kid: Option<Vec<u8>> = r.get(2)?;
    let subject = match (index, kid) {
        (Some(i), None) => StatusSubject::Index(to_u64(i)?),
        (None, Some(k)) => StatusSubject::Kid(blob(k, 2)?),
        _ => return Err(conv(1, "status subject", 0)),
    };
    let state: i64 = r.get(3)?;
    let reason: i64 = r.get(4)?;
    let decision = match (
        r.get::<_, Option<String>>(7)?,
        r.get::<_, Option<String>>(8)?,
        r.get::<_, Option<i32>>(9)?,
    ) {
        (Some(body), Some(reference), Some(days)) => Some(Decision {
            body,
            reference,
            date: Date::from_days(days).map_err(|_| conv(9, "decision date", days.into()))?,
        }),
        _ => None,
    };
    Ok(StatusChange {
        seq: to_u64(r.get(0)?)?,
        subject,
        state: u8::try_from(state)
            .ok()
            .and_then(State::from_code)
            .ok_or_else(|| conv(3, "state", state))?,
        reason: u8::try_from(reason)
            .ok()
            .and_then(StatusReason::from_code)
            .ok_or_else(|| conv(4, "reason", reason))?,
        at: r.get(5)?,
        actor: r.get(6)?,
        decision,
        note: r.get(10)?,
    })
}

const OBJECTION_COLS: &str = "o.id, o.status_index, o.filed_at, o.filed_by, o.text, o.actor, \
    x.resolved_at, x.outcome, x.actor";

fn objection_row(r: &Row<'_>) -> rusqlite::Result<ObjectionRow> {
    let outcome = match (
        r.get::<_, Option<i64>>(6)?,
        r.get::<_, Option<String>>(7)?,
        r.get::<_, Option<String>>(8)?,
    ) {
        (Some(at), Some(outcome), Some(actor)) => Some((at, outcome, actor)),
        _ => None,
    };
    Ok(ObjectionRow {
        id: r.get(0)?,
        status_index: to_u64(r.get(1)?)?,
        filed_at: r.get(2)?,
        filed_by: r.get(3)?,
        text: r.get(4)?,
        actor: r.get(5)?,
        outcome,
    })
}

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: to_u64(r.get(0)?)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        operation: r.get(3)?,
        subject: r.get(4)?,
        payload: blob(r.get(5)?, 5)?,
        prev: blob(r.get(6)?, 6)?,
        hash: blob(r.get(7)?, 7)?,
    })
}

impl SqliteTx<'_> {
    fn certs_where(
        &self,
        clause: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<CertificateRow>, crate::Error> {
        let sql = format!("{CERT_SELECT} WHERE {clause}");
        let mut st = self.c.prepare_cached(&sql).ctx("certificates")?;
        let rows = st
            .query_map(p, certificate_row)
            .ctx("certificates")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("certificates")?;
        Ok(rows)
    }
}

impl Tx for SqliteTx<'_> {
    fn submission(
        &mut self,
        body: &str,
        batch: &str,
    ) -> Result<Option<SubmissionRow>, crate::Error> {
        let sql =
            format!("SELECT {SUBMISSION_COLS} FROM submissions WHERE body = ?1 AND batch = ?2");
        self.c
            .prepare_cached(&sql)
            .ctx("submission")?
            .query_row(params![body, batch], submission_row)
            .optional()
            .ctx("submission")
    }

    fn insert_submission(&mut self, row: &SubmissionRow) -> Result<i64, crate::Error> {
        self.c
            .prepare_cached(
                "INSERT INTO submissions (body, batch, exam, results_published, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .ctx("insert submission")?
            .execute(params![
                row.body,
                row.batch,
                row.exam,
                row.results_published,
                row.received_at
            ])
            .ctx("insert submission")?;
        Ok(self.c.last_insert_rowid())
    }

    fn record(
        &mut self,
        submission: i64,
        row_key: &str,
    ) -> Result<Option<RecordRow>, crate::Error> {
        let sql =
            format!("SELECT {RECORD_COLS} FROM records WHERE submission_id = ?1 AND row_key = ?2");
        self.c
            .prepare_cached(&sql)
            .ctx("record")?
            .query_row(params![submission, row_key], record_row)
            .optional()
            .ctx("record")
    }

    fn insert_records(&mut self, rows: &[RecordRow]) -> Result<(), crate::Error> {
        // One multi-row INSERT a group of 256 instead of one statement a row (ids in order).
        // OR ROLLBACK: a statement that writes several rows and may stop half-way on a
        // constraint (ABORT, the default) keeps a statement journal, a copy of every page it
        // changes that existed before it started, so that its first rows can be taken back
        // while the transaction goes on. Nothing goes on here: a failed statement fails its
        // transaction (every caller returns the error and `Store::transaction` rolls back), so
        // ending the transaction at the violation gives the same outcome without the copies.
        // Schema version 4 left the table no foreign key (an immediate one needs the journal).
        const OP: &str = "insert records";
        const COLS: usize = 10;
        static INSERT: MultiInsert = MultiInsert::new(
            "INSERT OR ROLLBACK INTO records (submission_id, row_key, row_no, digest, accepted, \
             management_number, certificate, error_field, error_rule, received_at) VALUES ",
            COLS,
        );
        for group in multi_groups(rows) {
            let mut insert = self.c.prepare_cached(INSERT.text(group.len())).ctx(OP)?;
            for (k, row) in group.iter().enumerate() {
                if row.id != 0 {
                    return Err(RegistryError::inconsistent(format!(
                        "insert records: row {} has id {}, expected a new row",
                        row.row_no, row.id
                    )));
                }
                let (accepted, number, cert, field, rule) = outcome_columns(&row.outcome);
                let at = k.saturating_mul(COLS);
                let p = |i: usize| at.saturating_add(i);
                insert.raw_bind_parameter(p(1), row.submission_id).ctx(OP)?;
                insert.raw_bind_parameter(p(2), &row.row_key).ctx(OP)?;
                insert
                    .raw_bind_parameter(p(3), to_i64(row.row_no, "record row")?)
                    .ctx(OP)?;
                insert.raw_bind_parameter(p(4), &row.digest[..]).ctx(OP)?;
                insert.raw_bind_parameter(p(5), accepted).ctx(OP)?;
                insert.raw_bind_parameter(p(6), number).ctx(OP)?;
                insert.raw_bind_parameter(p(7), cert).ctx(OP)?;
                insert.raw_bind_parameter(p(8), field).ctx(OP)?;
                insert.raw_bind_parameter(p(9), rule).ctx(OP)?;
                insert.raw_bind_parameter(p(10), row.received_at).ctx(OP)?;
            }
            insert.raw_execute().ctx(OP)?;
        }
        Ok(())
    }

    fn put_record(&mut self, row: &RecordRow) -> Result<i64, crate::Error> {
        let (accepted, number, cert, field, rule) = outcome_columns(&row.outcome);
        let row_no = to_i64(row.row_no, "record row")?;
        if row.id == 0 {
            self.c
                .prepare_cached(
                    "INSERT INTO records (submission_id, row_key, row_no, digest, accepted, \
                     management_number, certificate, error_field, error_rule, received_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .ctx("insert record")?
                .execute(params![
                    row.submission_id,
                    row.row_key,
                    row_no,
                    &row.digest[..],
                    accepted,
                    number,
                    cert,
                    field,
                    rule,
                    row.received_at
                ])
                .ctx("insert record")?;
            Ok(self.c.last_insert_rowid())
        } else {
            self.c
                .prepare_cached(
                    "UPDATE records SET row_no = ?2, digest = ?3, accepted = ?4, \
                     management_number = ?5, certificate = ?6, error_field = ?7, error_rule = ?8, \
                     received_at = ?9 WHERE id = ?1",
                )
                .ctx("replace record")?
                .execute(params![
                    row.id,
                    row_no,
                    &row.digest[..],
                    accepted,
                    number,
                    cert,
                    field,
                    rule,
                    row.received_at
                ])
                .ctx("replace record")?;
            Ok(row.id)
        }
    }

    fn records_with_numbers(
        &mut self,
        numbers: &[&str],
    ) -> Result<Vec<(String, i64, i64)>, crate::Error> {
        // One query a group of 256 numbers (an `IN` list probing the partial unique index on
        // accepted records' numbers) instead of one a number.
        const OP: &str = "records by number";
        static SELECT: MultiInsert = MultiInsert::list(
            "SELECT management_number, id, submission_id FROM records \
             WHERE accepted = 1 AND management_number IN (",
            ")",
        );
        let mut out = Vec::new();
        for group in multi_groups(numbers) {
            let mut st = self.c.prepare_cached(SELECT.text(group.len())).ctx(OP)?;
            for (k, n) in group.iter().enumerate() {
                st.raw_bind_parameter(k.saturating_add(1), n).ctx(OP)?;
            }
            let mut rows = st.raw_query();
            while let Some(r) = rows.next().ctx(OP)? {
                out.push((r.get(0).ctx(OP)?, r.get(1).ctx(OP)?, r.get(2).ctx(OP)?));
            }
        }
        Ok(out)
    }

    fn record_with_number(&mut self, number: &str) -> Result<Option<(i64, i64)>, crate::Error> {
        self.c
            .prepare_cached(
                "SELECT id, submission_id FROM records WHERE management_number = ?1 AND accepted = 1",
            )
            .ctx("record by number")?
            .query_row(params![number], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .ctx("record by number")
    }

    fn record_assigned(&mut self, id: i64) -> Result<bool, crate::Error> {
        self.c
            .prepare_cached("SELECT 1 FROM assignments WHERE record_id = ?1")
            .ctx("record assigned")?
            .query_row(params![id], |_| Ok(()))
            .optional()
            .ctx("record assigned")
            .map(|o| o.is_some())
    }

    fn pending_records(&mut self, after: i64, n: usize) -> Result<Vec<RecordRow>, crate::Error> {
        let sql = format!(
            "SELECT {RECORD_COLS} FROM records r WHERE r.accepted = 1 AND r.id > ?1 \
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.record_id = r.id) \
             ORDER BY r.id LIMIT ?2"
        );
        let mut st = self.c.prepare_cached(&sql).ctx("pending records")?;
        let rows = st
            .query_map(params![after, limit(n)], record_row)
            .ctx("pending records")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("pending records")?;
        Ok(rows)
    }

    fn pending_records_except(
        &mut self,
        after: i64,
        n: usize,
        known: &mut dyn FnMut(i64, u64, &[u8; 32]) -> bool,
    ) -> Result<Vec<PendingRecord>, crate::Error> {
        // The columns issuance uses; the digest borrowed from the row, the JSON copied out only
        // for a row the caller does not hold.
        let mut st = self
            .c
            .prepare_cached(
                "SELECT id, submission_id, row_no, digest, certificate FROM records r \
                 WHERE r.accepted = 1 AND r.id > ?1 \
                 AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.record_id = r.id) \
                 ORDER BY r.id LIMIT ?2",
            )
            .ctx("pending records")?;
        let rows = st
            .query_map(params![after, limit(n)], |r| {
                let submission_id: i64 = r.get(1)?;
                let row_no = to_u64(r.get(2)?)?;
                let bytes = r.get_ref(3)?.as_blob()?;
                let digest: [u8; 32] = bytes.try_into().map_err(|_| {
                    rusqlite::Error::FromSqlConversionFailure(
                        3,
                        rusqlite::types::Type::Blob,
                        format!("{} bytes, expected 32", bytes.len()).into(),
                    )
                })?;
                let certificate = if known(submission_id, row_no, &digest) {
                    None
                } else {
                    Some(r.get::<_, Option<String>>(4)?.unwrap_or_default())
                };
                Ok(PendingRecord {
                    id: r.get(0)?,
                    submission_id,
                    row_no,
                    digest,
                    certificate,
                })
            })
            .ctx("pending records")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("pending records")?;
        Ok(rows)
    }

    fn count_pending(&mut self) -> Result<u64, crate::Error> {
        let n: i64 = self
            .c
            .prepare_cached(
                "SELECT (SELECT count(*) FROM records r WHERE r.accepted = 1 AND NOT EXISTS \
                 (SELECT 1 FROM assignments a WHERE a.record_id = r.id)) + \
                 (SELECT count(*) FROM assignments a WHERE NOT EXISTS \
                 (SELECT 1 FROM certificates c WHERE c.status_index = a.status_index))",
            )
            .ctx("count pending")?
            .query_row([], |r| r.get(0))
            .ctx("count pending")?;
        to_u64(n).ctx("count pending")
    }

    fn next_numbers(&mut self, count: u64, serials: u64) -> Result<(u64, u64), crate::Error> {
        let take = |name: &str, n: u64| -> Result<u64, crate::Error> {
            let n = to_i64(n, "next numbers")?;
            let first: i64 = self
                .c
                .prepare_cached(
                    "UPDATE counters SET next = next + ?2 WHERE name = ?1 RETURNING next - ?2",
                )
                .ctx("next numbers")?
                .query_row(params![name, n], |r| r.get(0))
                .ctx("next numbers")?;
            u64::try_from(first).map_err(|_| backend("next numbers", "negative counter"))
        };
        let index = take("status_index", count)?;
        let serial = take("serial", serials)?;
        Ok((index, serial))
    }

    fn insert_assignment(&mut self, a: &Assignment) -> Result<(), crate::Error> {
        let cert = if a.record_id.is_some() && a.predecessor.is_none() {
            None
        } else {
            Some(a.certificate.as_str())
        };
        self.c
            .prepare_cached(
                "INSERT INTO assignments (status_index, serial, version, kind, record_id, \
                 predecessor, certificate, owner, lease_until, reserved_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .ctx("insert assignment")?
            .execute(params![
                to_i64(a.status_index, "status index")?,
                a.serial,
                a.version,
                a.kind.code(),
                if a.predecessor.is_none() {
                    a.record_id
                } else {
                    None
                },
                a.predecessor
                    .map(|p| to_i64(p, "predecessor"))
                    .transpose()?,
                cert,
                a.owner,
                a.lease_until,
                a.reserved_at
            ])
            .ctx("insert assignment")?;
        Ok(())
    }

    fn insert_assignments(&mut self, rows: &[Assignment]) -> Result<(), crate::Error> {
        // One multi-row INSERT a group of 256 instead of one statement a reservation; OR
        // ROLLBACK as in `insert_records` (no statement journal).
        const OP: &str = "insert assignments";
        const COLS: usize = 10;
        static INSERT: MultiInsert = MultiInsert::new(
            "INSERT OR ROLLBACK INTO assignments (status_index, serial, version, kind, record_id, \
             predecessor, certificate, owner, lease_until, reserved_at) VALUES ",
            COLS,
        );
        for group in multi_groups(rows) {
            let mut insert = self.c.prepare_cached(INSERT.text(group.len())).ctx(OP)?;
            for (k, a) in group.iter().enumerate() {
                let at = k.saturating_mul(COLS);
                let p = |i: usize| at.saturating_add(i);
                // As `insert_assignment`: a first issue's certificate is its record's.
                let first_issue = a.record_id.is_some() && a.predecessor.is_none();
                let cert = (!first_issue).then_some(a.certificate.as_str());
                let record_id = if a.predecessor.is_none() {
                    a.record_id
                } else {
                    None
                };
                let predecessor = a
                    .predecessor
                    .map(|v| to_i64(v, "predecessor"))
                    .transpose()?;
                insert
                    .raw_bind_parameter(p(1), to_i64(a.status_index, "status index")?)
                    .ctx(OP)?;
                insert.raw_bind_parameter(p(2), &a.serial).ctx(OP)?;
                insert.raw_bind_parameter(p(3), a.version).ctx(OP)?;
                insert.raw_bind_parameter(p(4), a.kind.code()).ctx(OP)?;
                insert.raw_bind_parameter(p(5), record_id).ctx(OP)?;
                insert.raw_bind_parameter(p(6), predecessor).ctx(OP)?;
                insert.raw_bind_parameter(p(7), cert).ctx(OP)?;
                insert.raw_bind_parameter(p(8), &a.owner).ctx(OP)?;
                insert.raw_bind_parameter(p(9), a.lease_until).ctx(OP)?;
                insert.raw_bind_parameter(p(10), a.reserved_at).ctx(OP)?;
            }
            insert.raw_execute().ctx(OP)?;
        }
        Ok(())
    }

    fn claim_unfinished(
        &mut self,
        owner: &str,
        now: i64,
        lease_until: i64,
        n: usize,
    ) -> Result<Vec<Assignment>, crate::Error> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLS} FROM assignments a LEFT JOIN records r ON r.id = a.record_id \
             WHERE a.lease_until <= ?1 AND a.owner <> ?2 AND NOT EXISTS \
             (SELECT 1 FROM certificates c WHERE c.status_index = a.status_index) \
             ORDER BY a.status_index LIMIT ?3"
        );
        let mut rows = self
            .c
            .prepare_cached(&sql)
            .ctx("claim unfinished")?
            .query_map(params![now, owner, limit(n)], assignment_row)
            .ctx("claim unfinished")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("claim unfinished")?;
        let mut st = self
            .c
            .prepare_cached(
                "UPDATE assignments SET owner = ?2, lease_until = ?3 WHERE status_index = ?1",
            )
            .ctx("claim unfinished")?;
        for a in &mut rows {
            st.execute(params![
                to_i64(a.status_index, "status index")?,
                owner,
                lease_until
            ])
            .ctx("claim unfinished")?;
            a.owner = owner.to_owned();
            a.lease_until = lease_until;
        }
        Ok(rows)
    }

    fn assignment(&mut self, status_index: u64) -> Result<Option<Assignment>, crate::Error> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLS} FROM assignments a LEFT JOIN records r ON r.id = a.record_id \
             WHERE a.status_index = ?1"
        );
        self.c
            .prepare_cached(&sql)
            .ctx("assignment")?
            .query_row(
                params![to_i64(status_index, "status index")?],
                assignment_row,
            )
            .optional()
            .ctx("assignment")
    }

    fn insert_certificate(&mut self, row: &CertificateRow) -> Result<(), crate::Error> {
        // Reserved: `issuance::record` (schema version 4); not issued yet: the primary key.
        let index = to_i64(row.status_index, "status index")?;
        self.c
            .prepare_cached(&format!(
                "INSERT INTO certificates ({CERT_COLS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ))
            .ctx("insert certificate")?
            .execute(params![
                index,
                row.identifier,
                row.serial,
                row.version,
                row.kind.code(),
                row.predecessor
                    .map(|p| to_i64(p, "predecessor"))
                    .transpose()?,
                row.record_id,
                row.management_number,
                row.holder_name,
                row.id_number,
                row.qualification,
                i64::from(row.legacy),
                &row.kid[..],
                row.issued_at,
                row.document,
                row.qr
            ])
            .ctx("insert certificate")?;
        Ok(())
    }

    fn insert_certificates(&mut self, rows: &[CertificateRow]) -> Result<(), crate::Error> {
        // One multi-row INSERT a group instead of one statement a row: the per-statement cost
        // (VDBE start, statement journal, halt) was most of recording. Reserved:
        // `issuance::record` (schema version 4); not issued yet: the primary key.
        const OP: &str = "insert certificates";
        const COLS: usize = 16;
        static INSERT: MultiInsert = MultiInsert::new(
            "INSERT INTO certificates (status_index, identifier, serial, version, kind, \
             predecessor, record_id, management_number, holder_name, id_number, qualification, \
             legacy, kid, issued_at, document, qr) VALUES ",
            COLS,
        );
        for group in multi_groups(rows) {
            let mut insert = self.c.prepare_cached(INSERT.text(group.len())).ctx(OP)?;
            for (k, row) in group.iter().enumerate() {
                let at = k.saturating_mul(COLS);
                let p = |i: usize| at.saturating_add(i);
                let predecessor = row
                    .predecessor
                    .map(|v| to_i64(v, "predecessor"))
                    .transpose()?;
                insert
                    .raw_bind_parameter(p(1), to_i64(row.status_index, "status index")?)
                    .ctx(OP)?;
                insert.raw_bind_parameter(p(2), &row.identifier).ctx(OP)?;
                insert.raw_bind_parameter(p(3), &row.serial).ctx(OP)?;
                insert.raw_bind_parameter(p(4), row.version).ctx(OP)?;
                insert.raw_bind_parameter(p(5), row.kind.code()).ctx(OP)?;
                insert.raw_bind_parameter(p(6), predecessor).ctx(OP)?;
                insert.raw_bind_parameter(p(7), row.record_id).ctx(OP)?;
                insert
                    .raw_bind_parameter(p(8), &row.management_number)
                    .ctx(OP)?;
                insert.raw_bind_parameter(p(9), &row.holder_name).ctx(OP)?;
                insert.raw_bind_parameter(p(10), &row.id_number).ctx(OP)?;
                insert
                    .raw_bind_parameter(p(11), row.qualification)
                    .ctx(OP)?;
                insert
                    .raw_bind_parameter(p(12), i64::from(row.legacy))
                    .ctx(OP)?;
                insert.raw_bind_parameter(p(13), &row.kid[..]).ctx(OP)?;
                insert.raw_bind_parameter(p(14), row.issued_at).ctx(OP)?;
                insert.raw_bind_parameter(p(15), &row.document).ctx(OP)?;
                insert.raw_bind_parameter(p(16), &row.qr).ctx(OP)?;
            }
            insert.raw_execute().ctx(OP)?;
        }
        Ok(())
    }

    fn is_issued(&mut self, status_index: u64) -> Result<bool, crate::Error> {
        self.c
            .prepare_cached("SELECT 1 FROM certificates WHERE status_index = ?1")
            .ctx("is issued")?
            .query_row(params![to_i64(status_index, "status index")?], |_| Ok(()))
            .optional()
            .ctx("is issued")
            .map(|o| o.is_some())
    }

    fn signer(&mut self, kid: &[u8; 8]) -> Result<Option<SignerRow>, crate::Error> {
        self.c
            .prepare_cached(
                "SELECT kid, certificate, subject, first_used FROM signers WHERE kid = ?1",
            )
            .ctx("signer")?
            .query_row(params![&kid[..]], |r| {
                Ok(SignerRow {
                    kid: blob(r.get(0)?, 0)?,
                    certificate: r.get(1)?,
                    subject: r.get(2)?,
                    first_used: r.get(3)?,
                })
            })
            .optional()
            .ctx("signer")
    }

    fn insert_signer(&mut self, row: &SignerRow) -> Result<(), crate::Error> {
        self.c
            .prepare_cached(
                "INSERT INTO signers (kid, certificate, subject, first_used) VALUES (?1, ?2, ?3, ?4)",
            )
            .ctx("insert signer")?
            .execute(params![&row.kid[..], row.certificate, row.subject, row.first_used])
            .ctx("insert signer")?;
        Ok(())
    }

    fn certificate(&mut self, identifier: &str) -> Result<Option<CertificateRow>, crate::Error> {
        // Through the (serial, version) index: the identifier has no index of its own.
        let Some((serial, version)) = serial_version(identifier) else {
            return Ok(None);
        };
        Ok(self
            .certs_where(
                "c.serial = ?1 AND c.version = ?2 AND c.identifier = ?3",
                &[&serial, &i64::from(version), &identifier],
            )?
            .into_iter()
            .next())
    }

    fn certificate_at(
        &mut self,
        status_index: u64,
    ) -> Result<Option<CertificateRow>, crate::Error> {
        let i = to_i64(status_index, "status index")?;
        Ok(self
            .certs_where("c.status_index = ?1", &[&i])?
            .into_iter()
            .next())
    }

    fn lineage(&mut self, serial: &str) -> Result<Vec<CertificateRow>, crate::Error> {
        self.certs_where("c.serial = ?1 ORDER BY c.version", &[&serial])
    }

    fn by_management_number(&mut self, number: &str) -> Result<Vec<CertificateRow>, crate::Error> {
        self.certs_where(
            "c.management_number = ?1 ORDER BY c.status_index",
            &[&number],
        )
    }

    fn by_id_number(&mut self, id_number: &str) -> Result<Vec<CertificateRow>, crate::Error> {
        self.certs_where("c.id_number = ?1 ORDER BY c.status_index", &[&id_number])
    }

    fn by_kid(
        &mut self,
        kid: &[u8; 8],
        after: Option<u64>,
        n: usize,
    ) -> Result<Vec<CertificateRow>, crate::Error> {
        let after = match after {
            Some(a) => to_i64(a, "status index")?,
            None => -1,
        };
        let k: &[u8] = &kid[..];
        let lim = limit(n);
        self.certs_where(
            "c.kid = ?1 AND c.status_index > ?2 ORDER BY c.status_index LIMIT ?3",
            &[&k, &after, &lim],
        )
    }

    fn each_certificate(
        &mut self,
        f: &mut dyn FnMut(CertificateRow) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let sql = format!("{CERT_SELECT} ORDER BY c.status_index");
        let mut st = self.c.prepare_cached(&sql).ctx("certificates")?;
        let rows = st.query_map([], certificate_row).ctx("certificates")?;
        for row in rows {
            f(row.ctx("certificates")?)?;
        }
        Ok(())
    }

    fn append_status(&mut self, change: &StatusChange) -> Result<u64, crate::Error> {
        let (index, kid) = match change.subject {
            StatusSubject::Index(i) => (Some(to_i64(i, "status index")?), None),
            StatusSubject::Kid(k) => (None, Some(k.to_vec())),
        };
        let (body, reference, date) = match &change.decision {
            Some(d) => (
                Some(d.body.as_str()),
                Some(d.reference.as_str()),
                Some(d.date.days_since_epoch()),
            ),
            None => (None, None, None),
        };
        self.c
            .prepare_cached(
                "INSERT INTO status_log (status_index, kid, state, reason, at, actor, \
                 decision_body, decision_ref, decision_date, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .ctx("append status")?
            .execute(params![
                index,
                kid,
                change.state.code(),
                change.reason.code(),
                change.at,
                change.actor,
                body,
                reference,
                date,
                change.note
            ])
            .ctx("append status")?;
        u64::try_from(self.c.last_insert_rowid()).map_err(|_| backend("append status", "seq"))
    }

    fn latest_status(&mut self, status_index: u64) -> Result<Option<StatusChange>, crate::Error> {
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log WHERE status_index = ?1 ORDER BY seq DESC LIMIT 1"
        );
        self.c
            .prepare_cached(&sql)
            .ctx("latest status")?
            .query_row(params![to_i64(status_index, "status index")?], status_row)
            .optional()
            .ctx("latest status")
    }

    fn kid_status(&mut self, kid: &[u8; 8]) -> Result<Option<StatusChange>, crate::Error> {
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log WHERE kid = ?1 ORDER BY seq DESC LIMIT 1"
        );
        self.c
            .prepare_cached(&sql)
            .ctx("kid status")?
            .query_row(params![&kid[..]], status_row)
            .optional()
            .ctx("kid status")
    }

    fn status_head(&mut self) -> Result<StatusHead, crate::Error> {
        let (seq, size): (i64, i64) = self
            .c
            .prepare_cached(
                "SELECT (SELECT coalesce(max(seq), 0) FROM status_log), \
                 (SELECT next FROM counters WHERE name = 'status_index')",
            )
            .ctx("status head")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .ctx("status head")?;
        Ok(StatusHead {
            seq: to_u64(seq).ctx("status head")?,
            size: to_u64(size).ctx("status head")?,
        })
    }

    fn status_changes(
        &mut self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
        );
        let mut st = self.c.prepare_cached(&sql).ctx("status changes")?;
        let rows = st
            .query_map(
                params![to_i64(after, "seq")?, to_i64(upto, "seq")?],
                status_row,
            )
            .ctx("status changes")?;
        for row in rows {
            f(row.ctx("status changes")?)?;
        }
        Ok(())
    }

    fn states_at(
        &mut self,
        upto: u64,
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log s WHERE s.status_index IS NOT NULL \
             AND s.seq = (SELECT max(t.seq) FROM status_log t \
                          WHERE t.status_index = s.status_index AND t.seq <= ?1) \
             ORDER BY s.status_index"
        );
        let mut st = self.c.prepare_cached(&sql).ctx("states")?;
        let rows = st
            .query_map(params![to_i64(upto, "seq")?], status_row)
            .ctx("states")?;
        for row in rows {
            f(row.ctx("states")?)?;
        }
        Ok(())
    }

    fn insert_objection(&mut self, row: &ObjectionRow) -> Result<i64, crate::Error> {
        self.c
            .prepare_cached(
                "INSERT INTO objections (status_index, filed_at, filed_by, text, actor) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .ctx("insert objection")?
            .execute(params![
                to_i64(row.status_index, "status index")?,
                row.filed_at,
                row.filed_by,
                row.text,
                row.actor
            ])
            .ctx("insert objection")?;
        Ok(self.c.last_insert_rowid())
    }

    fn objection(&mut self, id: i64) -> Result<Option<ObjectionRow>, crate::Error> {
        let sql = format!(
            "SELECT {OBJECTION_COLS} FROM objections o \
             LEFT JOIN objection_outcomes x ON x.objection_id = o.id WHERE o.id = ?1"
        );
        self.c
            .prepare_cached(&sql)
            .ctx("objection")?
            .query_row(params![id], objection_row)
            .optional()
            .ctx("objection")
    }

    fn resolve_objection(
        &mut self,
        id: i64,
        at: i64,
        outcome: &str,
        actor: &str,
    ) -> Result<(), crate::Error> {
        self.c
            .prepare_cached(
                "INSERT INTO objection_outcomes (objection_id, resolved_at, outcome, actor) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .ctx("resolve objection")?
            .execute(params![id, at, outcome, actor])
            .ctx("resolve objection")?;
        Ok(())
    }

    fn objections(&mut self, status_index: u64) -> Result<Vec<ObjectionRow>, crate::Error> {
        let sql = format!(
            "SELECT {OBJECTION_COLS} FROM objections o \
             LEFT JOIN objection_outcomes x ON x.objection_id = o.id \
             WHERE o.status_index = ?1 ORDER BY o.id"
        );
        let mut st = self.c.prepare_cached(&sql).ctx("objections")?;
        let rows = st
            .query_map(
                params![to_i64(status_index, "status index")?],
                objection_row,
            )
            .ctx("objections")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("objections")?;
        Ok(rows)
    }

    fn insert_destruction(&mut self, row: &DestructionRow) -> Result<(), crate::Error> {
        self.c
            .prepare_cached(
                "INSERT INTO destructions (status_index, destroyed_on, witness, note, actor, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .ctx("insert destruction")?
            .execute(params![
                to_i64(row.status_index, "status index")?,
                row.destroyed_on,
                row.witness,
                row.note,
                row.actor,
                row.at
            ])
            .ctx("insert destruction")?;
        Ok(())
    }

    fn destruction(&mut self, status_index: u64) -> Result<Option<DestructionRow>, crate::Error> {
        self.c
            .prepare_cached(
                "SELECT status_index, destroyed_on, witness, note, actor, at FROM destructions \
                 WHERE status_index = ?1",
            )
            .ctx("destruction")?
            .query_row(params![to_i64(status_index, "status index")?], |r| {
                Ok(DestructionRow {
                    status_index: to_u64(r.get(0)?)?,
                    destroyed_on: r.get(1)?,
                    witness: r.get(2)?,
                    note: r.get(3)?,
                    actor: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .optional()
            .ctx("destruction")
    }

    fn batch_counts(&mut self) -> Result<Vec<BatchCounts>, crate::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLS}, \
             (SELECT count(*) FROM records r WHERE r.submission_id = s.id AND r.accepted = 1), \
             (SELECT count(*) FROM records r WHERE r.submission_id = s.id AND r.accepted = 0), \
             (SELECT count(*) FROM records r JOIN assignments a ON a.record_id = r.id \
                JOIN certificates c ON c.status_index = a.status_index \
                WHERE r.submission_id = s.id), \
             (SELECT count(DISTINCT o.serial) FROM records r \
                JOIN assignments a ON a.record_id = r.id \
                JOIN certificates o ON o.status_index = a.status_index \
                JOIN certificates c ON c.serial = o.serial \
                JOIN status_log l ON l.status_index = c.status_index \
                WHERE r.submission_id = s.id AND l.state = 2) \
             FROM submissions s ORDER BY s.id"
        );
        let mut st = self.c.prepare_cached(&sql).ctx("batch counts")?;
        let mut out = st
            .query_map([], |r| {
                Ok(BatchCounts {
                    submission: submission_row(r)?,
                    accepted: to_u64(r.get(6)?)?,
                    rejected: to_u64(r.get(7)?)?,
                    issued: to_u64(r.get(8)?)?,
                    revoked: to_u64(r.get(9)?)?,
                    issued_by_day: Vec::new(),
                })
            })
            .ctx("batch counts")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("batch counts")?;
        let mut days = self
            .c
            .prepare_cached(
                "SELECT (c.issued_at + ?2) / 86400, count(*) FROM records r \
                 JOIN assignments a ON a.record_id = r.id \
                 JOIN certificates c ON c.status_index = a.status_index \
                 WHERE r.submission_id = ?1 GROUP BY 1 ORDER BY 1",
            )
            .ctx("batch counts")?;
        for b in &mut out {
            b.issued_by_day = days
                .query_map(params![b.submission.id, CHINA_UTC_OFFSET], |r| {
                    Ok((r.get::<_, i32>(0)?, to_u64(r.get(1)?)?))
                })
                .ctx("batch counts")?
                .collect::<Result<Vec<_>, _>>()
                .ctx("batch counts")?;
        }
        Ok(out)
    }

    fn unissued(&mut self, submission: i64) -> Result<Vec<(u64, String)>, crate::Error> {
        let mut st = self
            .c
            .prepare_cached(
                "SELECT r.row_no, r.management_number FROM records r \
                 WHERE r.submission_id = ?1 AND r.accepted = 1 AND NOT EXISTS \
                 (SELECT 1 FROM assignments a JOIN certificates c \
                  ON c.status_index = a.status_index WHERE a.record_id = r.id) ORDER BY r.row_no",
            )
            .ctx("unissued")?;
        let rows = st
            .query_map(params![submission], |r| {
                Ok((
                    to_u64(r.get(0)?)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            })
            .ctx("unissued")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("unissued")?;
        Ok(rows)
    }

    fn append_audit(&mut self, e: &AuditEntry) -> Result<u64, crate::Error> {
        self.c
            .prepare_cached(
                "INSERT INTO audit (at, actor, operation, subject, payload, prev, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .ctx("append audit")?
            .execute(params![
                e.at,
                e.actor,
                e.operation,
                e.subject,
                &e.payload[..],
                &e.prev[..],
                &e.hash[..]
            ])
            .ctx("append audit")?;
        u64::try_from(self.c.last_insert_rowid()).map_err(|_| backend("append audit", "seq"))
    }

    fn audit_head(&mut self) -> Result<Option<(u64, [u8; 32])>, crate::Error> {
        self.c
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .ctx("audit head")?
            .query_row([], |r| Ok((to_u64(r.get(0)?)?, blob(r.get(1)?, 1)?)))
            .optional()
            .ctx("audit head")
    }

    fn each_audit(
        &mut self,
        f: &mut dyn FnMut(AuditEntry) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let mut st = self
            .c
            .prepare_cached(
                "SELECT seq, at, actor, operation, subject, payload, prev, hash FROM audit \
                 ORDER BY seq",
            )
            .ctx("audit")?;
        let rows = st.query_map([], audit_row).ctx("audit")?;
        for row in rows {
            f(row.ctx("audit")?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{multi_groups, MultiInsert, SqliteStore, MULTI_ROWS};
    use crate::registry::store::{RecordOutcome, RecordRow, Store, SubmissionRow};

    /// `insert_records` is `INSERT OR ROLLBACK`: a violation ends the whole transaction, which
    /// is what its callers make of any error anyway. The transaction's earlier writes are gone,
    /// the error names the constraint, and the store takes the next transaction as before.
    #[test]
    fn a_failed_multi_row_insert_rolls_back_its_transaction_and_the_store_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
        let submission = |batch: &str| SubmissionRow {
            id: 0,
            body: "b".into(),
            batch: batch.into(),
            exam: None,
            results_published: None,
            received_at: 0,
        };
        let record = |submission_id: i64, key: &str, row_no: u64| RecordRow {
            id: 0,
            submission_id,
            row_key: key.into(),
            row_no,
            digest: [0; 32],
            outcome: RecordOutcome::Rejected {
                field: "f".into(),
                rule: "r".into(),
            },
            received_at: 0,
        };
        let batches = |store: &mut SqliteStore| {
            let mut n = 0;
            for batch in ["1", "2"] {
                store
                    .read(&mut |tx| {
                        n += u32::from(tx.submission("b", batch)?.is_some());
                        Ok(())
                    })
                    .unwrap();
            }
            n
        };
        // Rows 1 and 3 share a key: UNIQUE (submission_id, row_key).
        let e = store
            .transaction(&mut |tx| {
                let id = tx.insert_submission(&submission("1"))?;
                let rows = [record(id, "a", 1), record(id, "b", 2), record(id, "a", 3)];
                tx.insert_records(&rows)
            })
            .unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        assert_eq!(batches(&mut store), 0);
        store
            .transaction(&mut |tx| {
                let id = tx.insert_submission(&submission("2"))?;
                tx.insert_records(&[record(id, "a", 1), record(id, "b", 2)])
            })
            .unwrap();
        assert_eq!(batches(&mut store), 1);
    }

    /// The migrations run with temporary storage in files and foreign keys off; afterwards the
    /// connection has the settings every transaction is written for.
    #[test]
    fn open_restores_the_connection_settings_after_the_migrations() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..2 {
            // A new file (every migration), then the same file again (none).
            let store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
            let pragma = |name: &str| -> i64 {
                store
                    .conn
                    .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                    .unwrap()
            };
            assert_eq!(pragma("temp_store"), 2, "MEMORY");
            assert_eq!(pragma("foreign_keys"), 1);
            assert_eq!(pragma("synchronous"), 2, "FULL");
        }
    }

    #[test]
    fn multi_row_inserts_use_at_most_nine_widths_and_keep_the_rows_in_order() {
        for n in [0usize, 1, 3, 255, 256, 257, 904, 2048, 2049] {
            let rows: Vec<usize> = (0..n).collect();
            let groups: Vec<&[usize]> = multi_groups(&rows).collect();
            assert!(groups
                .iter()
                .all(|g| g.len().is_power_of_two() && g.len() <= MULTI_ROWS));
            assert_eq!(groups.concat(), rows, "{n} rows");
        }
        static T: MultiInsert = MultiInsert::new("INSERT INTO t (a, b, c) VALUES ", 3);
        for w in [1usize, 2, 128, 256] {
            let text = T.text(w);
            assert!(text.starts_with("INSERT INTO t (a, b, c) VALUES (?,?,?)"));
            assert_eq!(text.matches('?').count(), w * 3, "width {w}");
            assert_eq!(text.matches('(').count(), w + 1, "width {w}");
        }
    }
}
