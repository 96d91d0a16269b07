//! The PostgreSQL backend (feature `postgres`, issue 13): the registry's tables in a PostgreSQL
//! database (or a distributed SQL engine speaking its protocol), for several issuing processes
//! and read replicas. SQL only: no rule of the registry lives here; `sqlite.rs` is the
//! reference for what every [`Tx`] method does, this file repeats it in PostgreSQL's dialect
//! and adds what concurrent writers need (specs/registry.md, "PostgreSQL"):
//!
//! - write transactions run at READ COMMITTED with explicit row locks: the `counters` row
//!   (status indices, serials: dense, never shared), a `chain_locks` row per dense log (audit
//!   chain, status log) taken before its head is read and held to commit (issuance defers its
//!   audit entries, [`Tx::defer_audit`], so the audit head is taken last, just before commit,
//!   and two issuers take turns only on that and the counters), the certificate row
//!   a lifecycle check reads the status of, the signer row an issuance checks the revocation of;
//!   pending records and unfinished reservations are claimed `FOR UPDATE SKIP LOCKED`, the
//!   pending records only once the status-index counter row is held (schema version 2 has no
//!   `assigned` flag: the reservers take turns, and each sees the last one's assignments);
//! - reads run at REPEATABLE READ, READ ONLY: one consistent snapshot; a lookup
//!   ([`Store::read_one`]) first runs outside any transaction, where its one statement is its
//!   own snapshot (one round trip instead of three), and again in a read transaction when it
//!   needs a second statement;
//! - a transaction that failed transiently (serialisation failure, deadlock, lost or reset
//!   connection, server shutting down) is rolled back and run again with exponential backoff,
//!   up to [`MAX_ATTEMPTS`]; a constraint violation or any other error is returned at once, and
//!   so is a connection lost during COMMIT (its outcome is unknown: running it again could do
//!   the work twice);
//! - certificates and reservations of a chunk are sent as one `COPY … FROM STDIN (FORMAT
//!   binary)` each (buffered in the transaction, flushed before the next read and at commit),
//!   and so are a new batch's records: no statement text or arrays for the server to parse and
//!   unnest; the same constraints, foreign keys and indexes as an INSERT.
//!
//! Connections come from an r2d2 pool; TLS is rustls with the ring provider (no OpenSSL).
//! `sslmode` (disable / prefer / require) is read from the URL; with TLS the server certificate
//! is always verified, against `sslrootcert=FILE` (PEM) when given, else the system's roots.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{IsolationLevel, Row, Statement};
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::store::{
    backend, serial_version, Assignment, BatchCounts, CertificateRow, DestructionRow, ObjectionRow,
    PendingRecord, RecordOutcome, RecordRow, SignerRow, Store, SubmissionRow, Tx,
};
use super::{
    AuditEntry, Decision, RegistryError, State, StatusChange, StatusHead, StatusReason,
    StatusSubject, CHINA_UTC_OFFSET, SCHEMA_VERSION,
};
use crate::model::{Date, IssueKind};

/// The migrations, in order; `certseal_schema.version` counts those applied.
const MIGRATIONS: [&str; 4] = [
    include_str!("migrations/postgres/0001_init.sql"),
    include_str!("migrations/postgres/0002_write_once.sql"),
    include_str!("migrations/postgres/0003_objections_by_certificate.sql"),
    include_str!("migrations/postgres/0004_checked_in_code.sql"),
];

/// How often a transiently failed transaction is run in all.
pub const MAX_ATTEMPTS: u32 = 6;

/// How long another issuing process leaves this one's reservations alone (1 hour): longer
/// than any run, so a live issuer never loses a chunk it is signing; a crashed issuer's
/// reservations are finished by any run started after that, or at once by a run with
/// [`IssueOptions::take_over`](super::IssueOptions::take_over) (`certseal issue --pending
/// --take-over`) when the operator knows the other issuers stopped.
pub const DEFAULT_LEASE_SECS: i64 = 3600;

/// The advisory lock key that serialises migrations of one database (two processes opening
/// a fresh database at once).
const MIGRATION_LOCK: i64 = 0x6365_7274_7365_616c; // "certseal"

type Manager = PostgresConnectionManager<MakeRustlsConnect>;
type Pooled = r2d2::PooledConnection<Manager>;

/// Connection settings of a PostgreSQL registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgOptions {
    /// `postgres://user:password@host:port/database?sslmode=…&sslrootcert=FILE&options=…`.
    pub url: String,
    /// Connections the pool keeps at most (default 4).
    pub pool_size: u32,
    /// How long opening a connection may take before the store reports the server
    /// unreachable (default 10 s).
    pub connect_timeout: Duration,
}

impl PgOptions {
    /// Defaults for `url`.
    pub fn new(url: impl Into<String>) -> PgOptions {
        PgOptions {
            url: url.into(),
            pool_size: 4,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A registry in a PostgreSQL database.
pub struct PgStore {
    pool: r2d2::Pool<Manager>,
    conn: Option<Pooled>,
    stmts: HashMap<String, Statement>,
    desc: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("at", &self.desc).finish()
    }
}

/// Whether a failure is worth running the transaction again for.
fn transient(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(c) => {
            *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08")
        }
        // No SQLSTATE: only an I/O failure (connection reset) below the protocol is retried.
        None => std::error::Error::source(e)
            .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some()),
    }
}

/// A readable message: the server's own words, its SQLSTATE, the constraint, the detail.
fn explain(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut s = format!("{} ({})", d.message(), d.code().code());
            if let Some(c) = d.constraint() {
                s.push_str(&format!(", constraint {c}"));
            }
            if let Some(detail) = d.detail() {
                s.push_str(&format!(": {detail}"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(x) = src {
                s.push_str(&format!(": {x}"));
                src = x.source();
            }
            s
        }
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let host = host.split('?').next().unwrap_or(host);
    match auth {
        Some(a) => {
            let user = a.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{host}"),
    }
}

/// Splits our own `sslrootcert=FILE` parameter off the URL (the client library does not read
/// it; libpq does, so URLs written for psql work here).
fn split_root_cert(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut kept = Vec::new();
    let mut root = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslrootcert", v)) => root = Some(v.to_owned()),
            _ => kept.push(pair),
        }
    }
    if kept.is_empty() {
        (base.to_owned(), root)
    } else {
        (format!("{base}?{}", kept.join("&")), root)
    }
}

fn tls(root_cert: Option<&str>) -> Result<MakeRustlsConnect, crate::Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| backend("tls", format!("sslrootcert {path}: {e}")))?;
            for c in certs {
                let c = c.map_err(|e| backend("tls", format!("sslrootcert {path}: {e}")))?;
                roots
                    .add(c)
                    .map_err(|e| backend("tls", format!("sslrootcert {path}: {e}")))?;
            }
            if roots.is_empty() {
                return Err(backend(
                    "tls",
                    format!("sslrootcert {path}: got no certificate, expected PEM certificates"),
                ));
            }
        }
        None => {
            // Unreadable system roots only matter when the server asks for TLS; then the
            // handshake fails naming the certificate it could not verify.
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| backend("tls", e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl PgStore {
    /// Connects to the database at `url` and brings its schema up to date.
    pub fn open(url: &str) -> Result<PgStore, crate::Error> {
        PgStore::open_with(&PgOptions::new(url))
    }

    /// Connects with `opts` and brings the schema up to date. An unreachable server is
    /// reported at once, naming the address and the cause; a database whose schema is newer
    /// than this build's is refused.
    pub fn open_with(opts: &PgOptions) -> Result<PgStore, crate::Error> {
        let desc = redact(&opts.url);
        let (url, root) = split_root_cert(&opts.url);
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| backend("open", format!("{desc}: {}", explain(&e))))?;
        config.connect_timeout(opts.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("certseal");
        }
        let tls = tls(root.as_deref())?;
        // One direct connection first: the pool would only say "timed out".
        let probe = config.connect(tls.clone()).map_err(|e| {
            backend(
                "open",
                format!("cannot reach PostgreSQL at {desc}: {}", explain(&e)),
            )
        })?;
        drop(probe);
        let pool = r2d2::Pool::builder()
            .max_size(opts.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(opts.connect_timeout)
            .build_unchecked(PostgresConnectionManager::new(config, tls));
        let mut store = PgStore {
            pool,
            conn: None,
            stmts: HashMap::new(),
            desc,
        };
        store.migrate()?;
        Ok(store)
    }

    fn connection(&mut self) -> Result<&mut Pooled, crate::Error> {
        if self.conn.as_ref().is_some_and(|c| c.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            self.stmts.clear();
            let c = self.pool.get().map_err(|e| {
                backend(
                    "connect",
                    format!("cannot reach PostgreSQL at {}: {e}", self.desc),
                )
            })?;
            self.conn = Some(c);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| backend("connect", "no connection"))
    }

    fn migrate(&mut self) -> Result<(), crate::Error> {
        let desc = self.desc.clone();
        let conn = self.connection()?;
        let mut t = conn
            .transaction()
            .map_err(|e| backend("migrate", explain(&e)))?;
        let m = |e: postgres::Error| backend("migrate", format!("{desc}: {}", explain(&e)));
        t.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(m)?;
        t.batch_execute(
            "CREATE TABLE IF NOT EXISTS certseal_schema (\
             one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one), version INTEGER NOT NULL)",
        )
        .map_err(m)?;
        let found: i32 = t
            .query_opt("SELECT version FROM certseal_schema", &[])
            .map_err(m)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(m)?
            .unwrap_or(0);
        let found = u32::try_from(found)
            .map_err(|_| backend("migrate", format!("schema version {found}")))?;
        if found > SCHEMA_VERSION {
            return Err(RegistryError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            }
            .into());
        }
        let start = usize::try_from(found).unwrap_or(usize::MAX);
        for sql in MIGRATIONS.iter().skip(start) {
            t.batch_execute(sql).map_err(m)?;
        }
        let v = i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX);
        t.execute(
            "INSERT INTO certseal_schema (version) VALUES ($1) \
             ON CONFLICT (one) DO UPDATE SET version = excluded.version",
            &[&v],
        )
        .map_err(m)?;
        t.commit().map_err(m)
    }

    fn run(
        &mut self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let mut attempt = 0u32;
        loop {
            attempt = attempt.saturating_add(1);
            let (result, retry) = self.attempt(write, f);
            match result {
                Ok(()) => return Ok(()),
                Err(_) if retry && attempt < MAX_ATTEMPTS => {
                    std::thread::sleep(backoff(attempt));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One attempt: the result and whether a failure was transient.
    fn attempt(
        &mut self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> (Result<(), crate::Error>, bool) {
        if let Err(e) = self.connection() {
            return (Err(e), true);
        }
        let PgStore { conn, stmts, .. } = self;
        let out = match conn.as_mut() {
            Some(c) => once(c, stmts, write, f),
            None => (Err(backend("connect", "no connection")), true),
        };
        // A reset connection is replaced on the next attempt.
        if self.conn.as_ref().is_some_and(|c| c.is_closed()) {
            self.conn = None;
        }
        out
    }

    /// Lets go of the pooled connection (the pool keeps it for the next store).
    pub fn release(&mut self) {
        self.conn = None;
        self.stmts.clear();
    }
}

/// Runs `f` once in a transaction on `conn`: the result and whether a failure was transient.
fn once(
    conn: &mut Pooled,
    stmts: &mut HashMap<String, Statement>,
    write: bool,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
) -> (Result<(), crate::Error>, bool) {
    let begun = if write {
        conn.build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
    } else {
        conn.build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
    };
    let t = match begun {
        Ok(t) => t,
        Err(e) => return (Err(backend("begin", explain(&e))), transient(&e)),
    };
    let mut tx = PgTx {
        t: Conn::Tx(t),
        stmts,
        write,
        transient: false,
        certs: Vec::new(),
        assignments: Vec::new(),
        audit_later: Vec::new(),
        seen: None,
    };
    // Deferred audit entries are linked last: the chain's head is locked only for the commit.
    let out = f(&mut tx)
        .and_then(|()| tx.flush())
        .and_then(|()| tx.link_audit());
    let retry = tx.transient;
    match out {
        Ok(()) if write => match tx.t.end(true) {
            Ok(()) => (Ok(()), false),
            // Retried only when the server said it rolled back (a serialisation failure at
            // commit); a connection lost during COMMIT leaves the outcome unknown, and running
            // the work again could do it twice.
            Err(e) => {
                let rolled_back = e.code().is_some() && transient(&e);
                let msg = if e.code().is_none() {
                    format!("{}: the outcome is unknown (the connection was lost during COMMIT); check before repeating", explain(&e))
                } else {
                    explain(&e)
                };
                (Err(backend("commit", msg)), rolled_back)
            }
        },
        Ok(()) => (
            tx.t.end(false)
                .map_err(|e| backend("end read", explain(&e))),
            false,
        ),
        // Dropping the transaction rolls it back.
        Err(e) => (Err(e), retry),
    }
}

/// Runs `f`, a read, on `conn` outside any transaction as long as it sends one `SELECT` (its
/// own snapshot: one round trip, no BEGIN and ROLLBACK): the result and whether `f` must run
/// again in a read transaction (it needed a second statement, or failed transiently).
fn once_one(
    conn: &mut Pooled,
    stmts: &mut HashMap<String, Statement>,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
) -> (Result<(), crate::Error>, bool) {
    let mut tx = PgTx {
        t: Conn::One {
            client: conn,
            sent: false,
            refused: false,
        },
        stmts,
        write: false,
        transient: false,
        certs: Vec::new(),
        assignments: Vec::new(),
        audit_later: Vec::new(),
        seen: None,
    };
    let out = f(&mut tx).and_then(|()| tx.flush());
    let again = tx.transient || matches!(tx.t, Conn::One { refused: true, .. });
    (out, again)
}

/// 20 ms, 40 ms, 80 ms … with up to 50 % jitter (two writers that collided do not collide
/// again in step).
fn backoff(attempt: u32) -> Duration {
    let base = 20u64.saturating_mul(1u64 << attempt.min(8));
    let mut b = [0u8; 2];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    let jitter = u64::from(u16::from_le_bytes(b)) % (base / 2).max(1);
    Duration::from_millis(base.saturating_add(jitter))
}

impl Store for PgStore {
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        self.run(true, f)
    }

    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        self.run(false, f)
    }

    fn read_one(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        if self.connection().is_ok() {
            let PgStore { conn, stmts, .. } = self;
            if let Some(c) = conn.as_mut() {
                let (out, again) = once_one(c, stmts, f);
                if self.conn.as_ref().is_some_and(|c| c.is_closed()) {
                    self.conn = None;
                }
                if out.is_ok() || !again {
                    return out;
                }
            }
        }
        self.run(false, f)
    }

    fn describe(&self) -> String {
        self.desc.clone()
    }

    fn default_lease_secs(&self) -> i64 {
        DEFAULT_LEASE_SECS
    }
}

/// Where a [`PgTx`]'s statements go: its transaction, or (a one-statement read,
/// [`Store::read_one`]) the connection itself, for one `SELECT`.
enum Conn<'a> {
    Tx(postgres::Transaction<'a>),
    One {
        client: &'a mut postgres::Client,
        /// The one statement was sent.
        sent: bool,
        /// A second statement (or a write) was asked for: `f` runs again in a transaction.
        refused: bool,
    },
}

impl<'a> Conn<'a> {
    fn prepare(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        match self {
            Conn::Tx(t) => t.prepare(sql),
            Conn::One { client, .. } => client.prepare(sql),
        }
    }

    fn query(
        &mut self,
        st: &Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        match self {
            Conn::Tx(t) => t.query(st, p),
            Conn::One { client, .. } => client.query(st, p),
        }
    }

    fn execute(
        &mut self,
        st: &Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        match self {
            Conn::Tx(t) => t.execute(st, p),
            Conn::One { client, .. } => client.execute(st, p),
        }
    }

    /// The transaction (portals need one).
    fn tx(&mut self) -> Option<&mut postgres::Transaction<'a>> {
        match self {
            Conn::Tx(t) => Some(t),
            Conn::One { .. } => None,
        }
    }

    /// Commits or rolls back (nothing to end outside a transaction).
    fn end(self, commit: bool) -> Result<(), postgres::Error> {
        match self {
            Conn::Tx(t) if commit => t.commit(),
            Conn::Tx(t) => t.rollback(),
            Conn::One { .. } => Ok(()),
        }
    }
}

struct PgTx<'a> {
    t: Conn<'a>,
    stmts: &'a mut HashMap<String, Statement>,
    write: bool,
    transient: bool,
    /// Certificates waiting to be sent as one statement.
    certs: Vec<CertificateRow>,
    /// Reservations waiting to be sent as one statement.
    assignments: Vec<Assignment>,
    /// Audit entries linked after the chain's head just before commit ([`Tx::defer_audit`]).
    audit_later: Vec<AuditEntry>,
    /// Read transactions: lineages fetched whole by a lookup, with their statuses.
    seen: Option<Box<Prefetched>>,
}

/// What one lookup query brought into a read transaction (one snapshot, so it stays true to
/// its end): lineages by serial, each version's latest status, the versions with no
/// objection. A lookup by identifier or management number then costs one statement instead of
/// one a version for the lineage, its statuses and its objections.
#[derive(Default)]
struct Prefetched {
    lineages: HashMap<String, Vec<CertificateRow>>,
    status: HashMap<u64, Option<StatusChange>>,
    no_objections: HashSet<u64>,
}

fn to_i64(v: u64, what: &'static str) -> Result<i64, crate::Error> {
    i64::try_from(v).map_err(|_| backend(what, format!("{v} does not fit a 64-bit signed integer")))
}

fn u64_of(v: i64, what: &'static str) -> Result<u64, crate::Error> {
    u64::try_from(v).map_err(|_| backend(what, format!("got {v}, expected a non-negative number")))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn fixed<const N: usize>(v: Vec<u8>, what: &'static str) -> Result<[u8; N], crate::Error> {
    let len = v.len();
    v.try_into()
        .map_err(|_| backend(what, format!("got {len} bytes, expected {N}")))
}

fn kind_of(code: i32) -> Result<IssueKind, crate::Error> {
    u8::try_from(code)
        .ok()
        .and_then(IssueKind::from_code)
        .ok_or_else(|| backend("row", format!("issue kind {code}")))
}

fn version_of(v: i32) -> Result<u16, crate::Error> {
    u16::try_from(v).map_err(|_| backend("row", format!("version {v}")))
}

const SUBMISSION_COLS: &str = "id, body, batch, exam, results_published, received_at";

const RECORD_COLS: &str = "id, submission_id, row_key, row_no, digest, accepted, \
    management_number, certificate, error_field, error_rule, received_at";

const ASSIGNMENT_COLS: &str = "a.status_index, a.serial, a.version, a.kind, a.record_id, \
    a.predecessor, coalesce(a.certificate, r.certificate), a.owner, a.lease_until, a.reserved_at";

const CERT_SELECT: &str = "SELECT c.status_index, c.identifier, c.serial, c.version, c.kind, \
    c.predecessor, c.record_id, c.management_number, c.holder_name, c.id_number, \
    c.qualification, c.legacy, c.kid, c.issued_at, coalesce(a.certificate, r.certificate, ''), \
    c.document, c.qr FROM certificates c JOIN assignments a ON a.status_index = c.status_index \
    LEFT JOIN records r ON r.id = a.record_id";

const STATUS_COLS: &str = "seq, status_index, kid, state, reason, at, actor, decision_body, \
    decision_ref, decision_date, note";

const OBJECTION_COLS: &str = "o.id, o.status_index, o.filed_at, o.filed_by, o.text, o.actor, \
    x.resolved_at, x.outcome, x.actor";

impl PgTx<'_> {
    fn fail(&mut self, op: &'static str, e: &postgres::Error) -> crate::Error {
        if transient(e) {
            self.transient = true;
        }
        backend(op, explain(e))
    }

    /// Outside a transaction ([`Conn::One`]): `op` needs one; `f` runs again in a read
    /// transaction.
    fn refuse(&mut self, op: &'static str) -> crate::Error {
        if let Conn::One { refused, .. } = &mut self.t {
            *refused = true;
        }
        backend(op, "needs a read transaction")
    }

    fn stmt(&mut self, op: &'static str, sql: &str) -> Result<Statement, crate::Error> {
        // Outside a transaction: one SELECT, no more (every statement is prepared here first).
        if let Conn::One { sent, .. } = &mut self.t {
            if *sent || !sql.starts_with("SELECT ") {
                return Err(self.refuse(op));
            }
            *sent = true;
        }
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        match self.t.prepare(sql) {
            Ok(s) => {
                self.stmts.insert(sql.to_owned(), s.clone());
                Ok(s)
            }
            Err(e) => Err(self.fail(op, &e)),
        }
    }

    fn query(
        &mut self,
        op: &'static str,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, crate::Error> {
        self.flush()?;
        let st = self.stmt(op, sql)?;
        match self.t.query(&st, p) {
            Ok(rows) => Ok(rows),
            Err(e) => Err(self.fail(op, &e)),
        }
    }

    fn query_opt(
        &mut self,
        op: &'static str,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, crate::Error> {
        Ok(self.query(op, sql, p)?.into_iter().next())
    }

    fn execute(
        &mut self,
        op: &'static str,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, crate::Error> {
        self.flush()?;
        let st = self.stmt(op, sql)?;
        match self.t.execute(&st, p) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.fail(op, &e)),
        }
    }

    /// Sends `n` rows with `COPY … FROM STDIN (FORMAT binary)` (`sql`, its columns of
    /// `types`): no statement text or arrays for the server to parse and unnest, the rows go
    /// straight to the table's multi-row insert. `row(i, w)` writes row `i`.
    fn copy_in(
        &mut self,
        op: &'static str,
        sql: &str,
        types: &[Type],
        n: usize,
        row: &mut dyn FnMut(usize, &mut BinaryCopyInWriter<'_>) -> Result<(), postgres::Error>,
    ) -> Result<u64, crate::Error> {
        let st = self.stmt(op, sql)?;
        // `stmt` refuses anything but a SELECT outside a transaction, so a COPY always has one.
        let Some(t) = self.t.tx() else {
            return Err(backend(op, "COPY outside a transaction"));
        };
        let sent = match t.copy_in(&st) {
            Ok(w) => {
                let mut w = BinaryCopyInWriter::new(w, types);
                (0..n)
                    .try_for_each(|i| row(i, &mut w))
                    .and_then(|()| w.finish())
            }
            Err(e) => Err(e),
        };
        sent.map_err(|e| self.fail(op, &e))
    }

    fn lock_chain(&mut self, name: &str) -> Result<(), crate::Error> {
        if self.write {
            self.query(
                "lock log head",
                "SELECT name FROM chain_locks WHERE name = $1 FOR UPDATE",
                &[&name],
            )?;
        }
        Ok(())
    }

    /// The pending records' walk of [`Tx::pending_records`]: up to `n` accepted records with
    /// id above `after` and no assignment, columns `cols`, claimed for this transaction, each
    /// handed to `each` in id order.
    fn pending_walk(
        &mut self,
        cols: &str,
        after: i64,
        n: usize,
        each: &mut dyn FnMut(&mut Self, &Row) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        // Reservers take turns on the status-index counter row (held to commit, as
        // `next_numbers` would): the statements after the lock is granted see every
        // reservation committed before, so a record with an assignment is never taken twice,
        // with no flag written on the record. The rows are still locked, against a concurrent
        // replacement. The highest record id bounds the walk below.
        let r = self.query_opt(
            "pending records",
            "SELECT (SELECT coalesce(max(id), 0) FROM records) FROM counters \
             WHERE name = 'status_index' FOR UPDATE",
            &[],
        )?;
        let r = r.ok_or_else(|| backend("pending records", "no counter status_index"))?;
        let top: i64 = self.get(&r, 0, "pending records")?;
        // Ids are walked in windows (from, to]: whatever plan the statistics of a table just
        // loaded lead to (a hash anti-join and a sort, say), one statement reads at most a
        // window of records. A window that leaves the chunk short doubles the next.
        let sql = format!(
            "SELECT {cols} FROM records r WHERE r.accepted = 1 AND r.id > $1 \
             AND r.id <= $2 AND NOT EXISTS (SELECT 1 FROM assignments a \
             WHERE a.record_id = r.id AND a.record_id > $1 AND a.record_id <= $2) \
             ORDER BY r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED"
        );
        let mut got = 0usize;
        let mut from = after;
        let mut window = limit(n).saturating_mul(2).max(64);
        while got < n && from < top {
            let to = from.saturating_add(window).min(top);
            let want = limit(n.saturating_sub(got));
            let rows = self.query("pending records", &sql, &[&from, &to, &want])?;
            for r in &rows {
                each(self, r)?;
            }
            got = got.saturating_add(rows.len());
            from = to;
            window = window.saturating_mul(2).min(1 << 22);
        }
        Ok(())
    }

    fn get<'r, T: postgres::types::FromSql<'r>>(
        &mut self,
        r: &'r Row,
        i: usize,
        op: &'static str,
    ) -> Result<T, crate::Error> {
        r.try_get(i).map_err(|e| self.fail(op, &e))
    }

    /// Links the deferred audit entries after the chain's head and stores them as one
    /// statement: the head row is locked from here to commit, which follows at once (the only
    /// part of an issuing transaction two issuers take turns on apart from the counters).
    fn link_audit(&mut self) -> Result<(), crate::Error> {
        if self.audit_later.is_empty() {
            return Ok(());
        }
        let mut entries = std::mem::take(&mut self.audit_later);
        self.lock_chain("audit")?;
        let (mut seq, mut prev) = self.read_audit_head()?.unwrap_or((0, [0u8; 32]));
        let n = entries.len();
        let mut seqs = Vec::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        let mut actor = Vec::with_capacity(n);
        let mut operation = Vec::with_capacity(n);
        let mut subject = Vec::with_capacity(n);
        let mut payload = Vec::with_capacity(n);
        let mut prevs = Vec::with_capacity(n);
        let mut hash = Vec::with_capacity(n);
        for e in &mut entries {
            seq = seq.saturating_add(1);
            e.seq = seq;
            e.prev = prev;
            e.hash = e.compute_hash();
            prev = e.hash;
            seqs.push(to_i64(seq, "audit")?);
        }
        for e in &entries {
            at.push(e.at);
            actor.push(e.actor.as_str());
            operation.push(e.operation.as_str());
            subject.push(e.subject.as_str());
            payload.push(&e.payload[..]);
            prevs.push(&e.prev[..]);
            hash.push(&e.hash[..]);
        }
        self.execute(
            "append audit",
            "INSERT INTO audit (seq, at, actor, operation, subject, payload, prev, hash) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
             $5::text[], $6::bytea[], $7::bytea[], $8::bytea[])",
            &[
                &seqs, &at, &actor, &operation, &subject, &payload, &prevs, &hash,
            ],
        )?;
        Ok(())
    }

    /// The chain's last entry (sequence number, hash), the head locked by the caller.
    fn read_audit_head(&mut self) -> Result<Option<(u64, [u8; 32])>, crate::Error> {
        match self.query_opt(
            "audit head",
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            &[],
        )? {
            Some(r) => Ok(Some((
                u64_of(self.get(&r, 0, "audit head")?, "audit head")?,
                fixed(self.get(&r, 1, "audit head")?, "audit head")?,
            ))),
            None => Ok(None),
        }
    }

    fn flush(&mut self) -> Result<(), crate::Error> {
        if !self.assignments.is_empty() {
            let rows = std::mem::take(&mut self.assignments);
            self.send_assignments(&rows)?;
        }
        if !self.certs.is_empty() {
            let rows = std::mem::take(&mut self.certs);
            self.send_certificates(&rows)?;
        }
        Ok(())
    }

    fn send_assignments(&mut self, rows: &[Assignment]) -> Result<(), crate::Error> {
        let n = rows.len();
        let mut index = Vec::with_capacity(n);
        let mut serial = Vec::with_capacity(n);
        let mut version = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut record = Vec::with_capacity(n);
        let mut pred = Vec::with_capacity(n);
        let mut cert = Vec::with_capacity(n);
        let mut owner = Vec::with_capacity(n);
        let mut lease = Vec::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        for a in rows {
            let first_issue = a.record_id.is_some() && a.predecessor.is_none();
            index.push(to_i64(a.status_index, "status index")?);
            serial.push(a.serial.as_str());
            version.push(i32::from(a.version));
            kind.push(i32::from(a.kind.code()));
            record.push(if a.predecessor.is_none() {
                a.record_id
            } else {
                None
            });
            pred.push(
                a.predecessor
                    .map(|p| to_i64(p, "predecessor"))
                    .transpose()?,
            );
            cert.push((!first_issue).then_some(a.certificate.as_str()));
            owner.push(a.owner.as_str());
            lease.push(a.lease_until);
            at.push(a.reserved_at);
        }
        self.copy_in(
            "insert assignment",
            "COPY assignments (status_index, serial, version, kind, record_id, predecessor, \
             certificate, owner, lease_until, reserved_at) FROM STDIN (FORMAT binary)",
            &[
                Type::INT8,
                Type::TEXT,
                Type::INT4,
                Type::INT4,
                Type::INT8,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
                Type::INT8,
            ],
            n,
            &mut |i, w| {
                w.write(&[
                    &index[i],
                    &serial[i],
                    &version[i],
                    &kind[i],
                    &record[i],
                    &pred[i],
                    &cert[i],
                    &owner[i],
                    &lease[i],
                    &at[i],
                ])
            },
        )?;
        Ok(())
    }

    fn send_certificates(&mut self, rows: &[CertificateRow]) -> Result<(), crate::Error> {
        let n = rows.len();
        let mut index = Vec::with_capacity(n);
        let mut ident = Vec::with_capacity(n);
        let mut serial = Vec::with_capacity(n);
        let mut version = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut pred = Vec::with_capacity(n);
        let mut record = Vec::with_capacity(n);
        let mut number = Vec::with_capacity(n);
        let mut name = Vec::with_capacity(n);
        let mut id_number = Vec::with_capacity(n);
        let mut qual = Vec::with_capacity(n);
        let mut legacy = Vec::with_capacity(n);
        let mut kid = Vec::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        let mut doc = Vec::with_capacity(n);
        let mut qr = Vec::with_capacity(n);
        for c in rows {
            index.push(to_i64(c.status_index, "status index")?);
            ident.push(c.identifier.as_str());
            serial.push(c.serial.as_str());
            version.push(i32::from(c.version));
            kind.push(i32::from(c.kind.code()));
            pred.push(
                c.predecessor
                    .map(|p| to_i64(p, "predecessor"))
                    .transpose()?,
            );
            record.push(c.record_id);
            number.push(c.management_number.as_str());
            name.push(c.holder_name.as_str());
            id_number.push(c.id_number.as_str());
            qual.push(i32::from(c.qualification));
            legacy.push(i32::from(c.legacy));
            kid.push(&c.kid[..]);
            at.push(c.issued_at);
            doc.push(c.document.as_slice());
            qr.push(c.qr.as_str());
        }
        // Reserved: `issuance::record` (schema version 4); not issued yet: the primary key.
        self.copy_in(
            "insert certificate",
            "COPY certificates (status_index, identifier, serial, version, kind, predecessor, \
             record_id, management_number, holder_name, id_number, qualification, legacy, kid, \
             issued_at, document, qr) FROM STDIN (FORMAT binary)",
            &[
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::INT4,
                Type::INT4,
                Type::INT8,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::INT4,
                Type::INT4,
                Type::BYTEA,
                Type::INT8,
                Type::BYTEA,
                Type::TEXT,
            ],
            n,
            &mut |i, w| {
                w.write(&[
                    &index[i],
                    &ident[i],
                    &serial[i],
                    &version[i],
                    &kind[i],
                    &pred[i],
                    &record[i],
                    &number[i],
                    &name[i],
                    &id_number[i],
                    &qual[i],
                    &legacy[i],
                    &kid[i],
                    &at[i],
                    &doc[i],
                    &qr[i],
                ])
            },
        )?;
        Ok(())
    }

    fn submission_row(&mut self, r: &Row) -> Result<SubmissionRow, crate::Error> {
        let op = "submission";
        Ok(SubmissionRow {
            id: self.get(r, 0, op)?,
            body: self.get(r, 1, op)?,
            batch: self.get(r, 2, op)?,
            exam: self.get(r, 3, op)?,
            results_published: self.get(r, 4, op)?,
            received_at: self.get(r, 5, op)?,
        })
    }

    fn record_row(&mut self, r: &Row) -> Result<RecordRow, crate::Error> {
        let op = "record";
        let accepted: i32 = self.get(r, 5, op)?;
        let outcome = if accepted == 1 {
            RecordOutcome::Accepted {
                management_number: self.get::<Option<String>>(r, 6, op)?.unwrap_or_default(),
                certificate: self.get::<Option<String>>(r, 7, op)?.unwrap_or_default(),
            }
        } else {
            RecordOutcome::Rejected {
                field: self.get::<Option<String>>(r, 8, op)?.unwrap_or_default(),
                rule: self.get::<Option<String>>(r, 9, op)?.unwrap_or_default(),
            }
        };
        Ok(RecordRow {
            id: self.get(r, 0, op)?,
            submission_id: self.get(r, 1, op)?,
            row_key: self.get(r, 2, op)?,
            row_no: u64_of(self.get(r, 3, op)?, op)?,
            digest: fixed(self.get(r, 4, op)?, op)?,
            outcome,
            received_at: self.get(r, 10, op)?,
        })
    }

    fn assignment_row(&mut self, r: &Row) -> Result<Assignment, crate::Error> {
        let op = "assignment";
        Ok(Assignment {
            status_index: u64_of(self.get(r, 0, op)?, op)?,
            serial: self.get(r, 1, op)?,
            version: version_of(self.get(r, 2, op)?)?,
            kind: kind_of(self.get(r, 3, op)?)?,
            record_id: self.get(r, 4, op)?,
            predecessor: self
                .get::<Option<i64>>(r, 5, op)?
                .map(|p| u64_of(p, op))
                .transpose()?,
            certificate: self.get::<Option<String>>(r, 6, op)?.unwrap_or_default(),
            owner: self.get(r, 7, op)?,
            lease_until: self.get(r, 8, op)?,
            reserved_at: self.get(r, 9, op)?,
        })
    }

    fn certificate_row(&mut self, r: &Row) -> Result<CertificateRow, crate::Error> {
        let op = "certificate";
        let q: i32 = self.get(r, 10, op)?;
        Ok(CertificateRow {
            status_index: u64_of(self.get(r, 0, op)?, op)?,
            identifier: self.get(r, 1, op)?,
            serial: self.get(r, 2, op)?,
            version: version_of(self.get(r, 3, op)?)?,
            kind: kind_of(self.get(r, 4, op)?)?,
            predecessor: self
                .get::<Option<i64>>(r, 5, op)?
                .map(|p| u64_of(p, op))
                .transpose()?,
            record_id: self.get(r, 6, op)?,
            management_number: self.get(r, 7, op)?,
            holder_name: self.get(r, 8, op)?,
            id_number: self.get(r, 9, op)?,
            qualification: u16::try_from(q)
                .map_err(|_| backend(op, format!("qualification {q}")))?,
            legacy: self.get::<i32>(r, 11, op)? != 0,
            kid: fixed(self.get(r, 12, op)?, op)?,
            issued_at: self.get(r, 13, op)?,
            certificate: self.get(r, 14, op)?,
            document: self.get(r, 15, op)?,
            qr: self.get(r, 16, op)?,
        })
    }

    fn status_row(&mut self, r: &Row) -> Result<StatusChange, crate::Error> {
        self.status_row_at(r, 0)
    }

    /// A status row whose columns ([`STATUS_COLS`]) start at column `b` of `r`.
    fn status_row_at(&mut self, r: &Row, b: usize) -> Result<StatusChange, crate::Error> {
        let op = "status log";
        let index: Option<i64> = self.get(r, b + 1, op)?;
        let kid: Option<Vec<u8>> = self.get(r, b + 2, op)?;
        let subject = match (index, kid) {
            (Some(i), None) => StatusSubject::Index(u64_of(i, op)?),
            (None, Some(k)) => StatusSubject::Kid(fixed(k, op)?),
            _ => return Err(backend(op, "a row with both or neither of index and kid")),
        };
        let state: i32 = self.get(r, b + 3, op)?;
        let reason: i32 = self.get(r, b + 4, op)?;
        let decision = match (
            self.get::<Option<String>>(r, b + 7, op)?,
            self.get::<Option<String>>(r, b + 8, op)?,
            self.get::<Option<i32>>(r, b + 9, op)?,
        ) {
            (Some(body), Some(reference), Some(days)) => Some(Decision {
                body,
                reference,
                date: Date::from_days(days)
                    .map_err(|_| backend(op, format!("decision date {days}")))?,
            }),
            _ => None,
        };
        Ok(StatusChange {
            seq: u64_of(self.get(r, b, op)?, op)?,
            subject,
            state: u8::try_from(state)
                .ok()
                .and_then(State::from_code)
                .ok_or_else(|| backend(op, format!("state {state}")))?,
            reason: u8::try_from(reason)
                .ok()
                .and_then(StatusReason::from_code)
                .ok_or_else(|| backend(op, format!("reason {reason}")))?,
            at: self.get(r, b + 5, op)?,
            actor: self.get(r, b + 6, op)?,
            decision,
            note: self.get(r, b + 10, op)?,
        })
    }

    fn objection_row(&mut self, r: &Row) -> Result<ObjectionRow, crate::Error> {
        let op = "objection";
        let outcome = match (
            self.get::<Option<i64>>(r, 6, op)?,
            self.get::<Option<String>>(r, 7, op)?,
            self.get::<Option<String>>(r, 8, op)?,
        ) {
            (Some(at), Some(outcome), Some(actor)) => Some((at, outcome, actor)),
            _ => None,
        };
        Ok(ObjectionRow {
            id: self.get(r, 0, op)?,
            status_index: u64_of(self.get(r, 1, op)?, op)?,
            filed_at: self.get(r, 2, op)?,
            filed_by: self.get(r, 3, op)?,
            text: self.get(r, 4, op)?,
            actor: self.get(r, 5, op)?,
            outcome,
        })
    }

    fn audit_row(&mut self, r: &Row) -> Result<AuditEntry, crate::Error> {
        let op = "audit";
        Ok(AuditEntry {
            seq: u64_of(self.get(r, 0, op)?, op)?,
            at: self.get(r, 1, op)?,
            actor: self.get(r, 2, op)?,
            operation: self.get(r, 3, op)?,
            subject: self.get(r, 4, op)?,
            payload: fixed(self.get(r, 5, op)?, op)?,
            prev: fixed(self.get(r, 6, op)?, op)?,
            hash: fixed(self.get(r, 7, op)?, op)?,
        })
    }

    /// Read transactions: every version of the certificates whose `key` (`identifier`,
    /// `management_number` or `id_number`) is `value`, with each version's latest status and whether it has
    /// objections, in ONE statement; kept in [`Prefetched`] for the lineage, status and
    /// objection reads of the same lookup. Returns the versions whose `key` matched.
    fn prefetch(
        &mut self,
        key: &'static str,
        value: &str,
    ) -> Result<Vec<CertificateRow>, crate::Error> {
        let (cols, from) = CERT_SELECT
            .split_once(" FROM ")
            .unwrap_or((CERT_SELECT, ""));
        // By identifier: its lineage is its serial's (the identifier has no index of its own).
        let (lineage, param) = if key == "identifier" {
            match serial_version(value) {
                Some((serial, _)) => ("c.serial = $1".to_owned(), serial),
                None => return Ok(Vec::new()),
            }
        } else {
            (
                format!("c.serial IN (SELECT serial FROM certificates WHERE {key} = $1)"),
                value,
            )
        };
        let sql = format!(
            "{cols}, s.seq, s.status_index, s.kid, s.state, s.reason, s.at, s.actor, \
             s.decision_body, s.decision_ref, s.decision_date, s.note, \
             EXISTS (SELECT 1 FROM objections o WHERE o.status_index = c.status_index) \
             FROM {from} LEFT JOIN LATERAL (SELECT {STATUS_COLS} FROM status_log l \
             WHERE l.status_index = c.status_index ORDER BY l.seq DESC LIMIT 1) s ON true \
             WHERE {lineage} ORDER BY c.serial, c.version"
        );
        let rows = self.query("lookup", &sql, &[&param])?;
        let mut seen = self.seen.take().unwrap_or_default();
        let mut matched = Vec::new();
        let mut lineages: HashMap<String, Vec<CertificateRow>> = HashMap::new();
        for r in &rows {
            let c = self.certificate_row(r)?;
            let has_status = self.get::<Option<i64>>(r, 17, "lookup")?.is_some();
            let status = if has_status {
                Some(self.status_row_at(r, 17)?)
            } else {
                None
            };
            seen.status.insert(c.status_index, status);
            if !self.get::<bool>(r, 28, "lookup")? {
                seen.no_objections.insert(c.status_index);
            }
            let hit = match key {
                "identifier" => c.identifier == value,
                "id_number" => c.id_number == value,
                _ => c.management_number == value,
            };
            if hit {
                matched.push(c.clone());
            }
            lineages.entry(c.serial.clone()).or_default().push(c);
        }
        seen.lineages.extend(lineages);
        self.seen = Some(seen);
        Ok(matched)
    }

    fn certs_where(
        &mut self,
        clause: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<CertificateRow>, crate::Error> {
        let sql = format!("{CERT_SELECT} WHERE {clause}");
        let rows = self.query("certificates", &sql, p)?;
        rows.iter().map(|r| self.certificate_row(r)).collect()
    }

    /// Streams the status rows of `sql` to `f`, a page of 4096 rows at a time.
    fn statuses(
        &mut self,
        op: &'static str,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        self.flush()?;
        let st = self.stmt(op, sql)?;
        if self.t.tx().is_none() {
            return Err(self.refuse(op));
        }
        let portal = match self.t.tx().map(|t| t.bind(&st, p)) {
            Some(Ok(p)) => p,
            Some(Err(e)) => return Err(self.fail(op, &e)),
            None => return Err(self.refuse(op)),
        };
        loop {
            let rows = match self.t.tx().map(|t| t.query_portal(&portal, 4096)) {
                Some(Ok(r)) => r,
                Some(Err(e)) => return Err(self.fail(op, &e)),
                None => return Err(self.refuse(op)),
            };
            if rows.is_empty() {
                return Ok(());
            }
            for r in &rows {
                let c = self.status_row(r)?;
                f(c)?;
            }
        }
    }
}

impl Tx for PgTx<'_> {
    fn submission(
        &mut self,
        body: &str,
        batch: &str,
    ) -> Result<Option<SubmissionRow>, crate::Error> {
        if self.write {
            // Two processes submitting the same batch at once take turns, so the second sees
            // the first's rows (idempotence) instead of a unique-key violation.
            let key = format!("{body}\u{1f}{batch}");
            self.query(
                "submission",
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
                &[&key],
            )?;
        }
        let sql =
            format!("SELECT {SUBMISSION_COLS} FROM submissions WHERE body = $1 AND batch = $2");
        match self.query_opt("submission", &sql, &[&body, &batch])? {
            Some(r) => Ok(Some(self.submission_row(&r)?)),
            None => Ok(None),
        }
    }

    fn insert_submission(&mut self, row: &SubmissionRow) -> Result<i64, crate::Error> {
        let r = self.query_opt(
            "insert submission",
            "INSERT INTO submissions (body, batch, exam, results_published, received_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &row.body,
                &row.batch,
                &row.exam,
                &row.results_published,
                &row.received_at,
            ],
        )?;
        let r = r.ok_or_else(|| backend("insert submission", "no id returned"))?;
        self.get(&r, 0, "insert submission")
    }

    fn record(
        &mut self,
        submission: i64,
        row_key: &str,
    ) -> Result<Option<RecordRow>, crate::Error> {
        let sql =
            format!("SELECT {RECORD_COLS} FROM records WHERE submission_id = $1 AND row_key = $2");
        match self.query_opt("record", &sql, &[&submission, &row_key])? {
            Some(r) => Ok(Some(self.record_row(&r)?)),
            None => Ok(None),
        }
    }

    fn put_record(&mut self, row: &RecordRow) -> Result<i64, crate::Error> {
        let (accepted, number, cert, field, rule) = match &row.outcome {
            RecordOutcome::Accepted {
                management_number,
                certificate,
            } => (
                1i32,
                Some(management_number.as_str()),
                Some(certificate.as_str()),
                None,
                None,
            ),
            RecordOutcome::Rejected { field, rule } => {
                (0i32, None, None, Some(field.as_str()), Some(rule.as_str()))
            }
        };
        let row_no = to_i64(row.row_no, "record row")?;
        let digest = &row.digest[..];
        if row.id == 0 {
            let r = self.query_opt(
                "insert record",
                "INSERT INTO records (submission_id, row_key, row_no, digest, accepted, \
                 management_number, certificate, error_field, error_rule, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &row.submission_id,
                    &row.row_key,
                    &row_no,
                    &digest,
                    &accepted,
                    &number,
                    &cert,
                    &field,
                    &rule,
                    &row.received_at,
                ],
            )?;
            let r = r.ok_or_else(|| backend("insert record", "no id returned"))?;
            self.get(&r, 0, "insert record")
        } else {
            self.execute(
                "replace record",
                "UPDATE records SET row_no = $2, digest = $3, accepted = $4, \
                 management_number = $5, certificate = $6, error_field = $7, error_rule = $8, \
                 received_at = $9 WHERE id = $1",
                &[
                    &row.id,
                    &row_no,
                    &digest,
                    &accepted,
                    &number,
                    &cert,
                    &field,
                    &rule,
                    &row.received_at,
                ],
            )?;
            Ok(row.id)
        }
    }

    fn insert_records(&mut self, rows: &[RecordRow]) -> Result<(), crate::Error> {
        const OP: &str = "insert records";
        let n = rows.len();
        if n == 0 {
            return Ok(());
        }
        let mut submission = Vec::with_capacity(n);
        let mut key = Vec::with_capacity(n);
        let mut row_no = Vec::with_capacity(n);
        let mut digest = Vec::with_capacity(n);
        let mut accepted = Vec::with_capacity(n);
        let mut number = Vec::with_capacity(n);
        let mut cert = Vec::with_capacity(n);
        let mut field = Vec::with_capacity(n);
        let mut rule = Vec::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        for row in rows {
            if row.id != 0 {
                return Err(backend(OP, format!("record {} is stored already", row.id)));
            }
            submission.push(row.submission_id);
            key.push(row.row_key.as_str());
            row_no.push(to_i64(row.row_no, "record row")?);
            digest.push(&row.digest[..]);
            at.push(row.received_at);
            match &row.outcome {
                RecordOutcome::Accepted {
                    management_number,
                    certificate,
                } => {
                    accepted.push(1i32);
                    number.push(Some(management_number.as_str()));
                    cert.push(Some(certificate.as_str()));
                    field.push(None);
                    rule.push(None);
                }
                RecordOutcome::Rejected { field: f, rule: r } => {
                    accepted.push(0i32);
                    number.push(None);
                    cert.push(None);
                    field.push(Some(f.as_str()));
                    rule.push(Some(r.as_str()));
                }
            }
        }
        // COPY draws the ids in row order (one `nextval` a row as it arrives), the order
        // issuance follows.
        self.flush()?;
        self.copy_in(
            OP,
            "COPY records (submission_id, row_key, row_no, digest, accepted, management_number, \
             certificate, error_field, error_rule, received_at) FROM STDIN (FORMAT binary)",
            &[
                Type::INT8,
                Type::TEXT,
                Type::INT8,
                Type::BYTEA,
                Type::INT4,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
            ],
            n,
            &mut |i, w| {
                w.write(&[
                    &submission[i],
                    &key[i],
                    &row_no[i],
                    &digest[i],
                    &accepted[i],
                    &number[i],
                    &cert[i],
                    &field[i],
                    &rule[i],
                    &at[i],
                ])
            },
        )?;
        Ok(())
    }

    fn records_with_numbers(
        &mut self,
        numbers: &[&str],
    ) -> Result<Vec<(String, i64, i64)>, crate::Error> {
        const OP: &str = "records by number";
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.query(
            OP,
            "SELECT management_number, id, submission_id FROM records \
             WHERE accepted = 1 AND management_number = ANY($1)",
            &[&numbers],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push((
                self.get(r, 0, OP)?,
                self.get(r, 1, OP)?,
                self.get(r, 2, OP)?,
            ));
        }
        Ok(out)
    }

    fn record_with_number(&mut self, number: &str) -> Result<Option<(i64, i64)>, crate::Error> {
        match self.query_opt(
            "record by number",
            "SELECT id, submission_id FROM records WHERE management_number = $1 AND accepted = 1",
            &[&number],
        )? {
            Some(r) => Ok(Some((
                self.get(&r, 0, "record by number")?,
                self.get(&r, 1, "record by number")?,
            ))),
            None => Ok(None),
        }
    }

    fn record_assigned(&mut self, id: i64) -> Result<bool, crate::Error> {
        Ok(self
            .query_opt(
                "record assigned",
                "SELECT 1 FROM assignments WHERE record_id = $1",
                &[&id],
            )?
            .is_some())
    }

    fn pending_records(&mut self, after: i64, n: usize) -> Result<Vec<RecordRow>, crate::Error> {
        let mut out = Vec::with_capacity(n);
        self.pending_walk(RECORD_COLS, after, n, &mut |tx, r| {
            out.push(tx.record_row(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn pending_records_except(
        &mut self,
        after: i64,
        n: usize,
        known: &mut dyn FnMut(i64, u64, &[u8; 32]) -> bool,
    ) -> Result<Vec<PendingRecord>, crate::Error> {
        // The columns issuance uses; the JSON copied out of the row only where the caller
        // does not hold the certificate.
        const OP: &str = "pending records";
        let mut out = Vec::with_capacity(n);
        let cols = "id, submission_id, row_no, digest, certificate";
        self.pending_walk(cols, after, n, &mut |tx, r| {
            let submission_id: i64 = tx.get(r, 1, OP)?;
            let row_no = u64_of(tx.get(r, 2, OP)?, OP)?;
            let bytes: &[u8] = tx.get(r, 3, OP)?;
            let digest: [u8; 32] = bytes
                .try_into()
                .map_err(|_| backend(OP, format!("got {} bytes, expected 32", bytes.len())))?;
            let certificate = if known(submission_id, row_no, &digest) {
                None
            } else {
                Some(tx.get::<Option<String>>(r, 4, OP)?.unwrap_or_default())
            };
            out.push(PendingRecord {
                id: tx.get(r, 0, OP)?,
                submission_id,
                row_no,
                digest,
                certificate,
            });
            Ok(())
        })?;
        Ok(out)
    }

    fn count_pending(&mut self) -> Result<u64, crate::Error> {
        let r = self.query_opt(
            "count pending",
            "SELECT (SELECT count(*) FROM records r WHERE r.accepted = 1 AND NOT EXISTS \
             (SELECT 1 FROM assignments a WHERE a.record_id = r.id)) + \
             (SELECT count(*) FROM assignments a WHERE NOT EXISTS \
             (SELECT 1 FROM certificates c WHERE c.status_index = a.status_index))",
            &[],
        )?;
        let r = r.ok_or_else(|| backend("count pending", "no row"))?;
        let n: i64 = self.get(&r, 0, "count pending")?;
        u64_of(n, "count pending")
    }

    fn next_numbers(&mut self, count: u64, serials: u64) -> Result<(u64, u64), crate::Error> {
        let mut take = |name: &str, n: u64| -> Result<u64, crate::Error> {
            let n = to_i64(n, "next numbers")?;
            // The updated row stays locked until commit: no other writer draws these numbers,
            // and a rollback gives them back (dense).
            let r = self.query_opt(
                "next numbers",
                "UPDATE counters SET next = next + $2 WHERE name = $1 RETURNING next - $2",
                &[&name, &n],
            )?;
            let r = r.ok_or_else(|| backend("next numbers", format!("no counter {name}")))?;
            u64_of(self.get(&r, 0, "next numbers")?, "next numbers")
        };
        let index = take("status_index", count)?;
        let serial = take("serial", serials)?;
        Ok((index, serial))
    }

    fn insert_assignment(&mut self, a: &Assignment) -> Result<(), crate::Error> {
        if !self.certs.is_empty() {
            self.flush()?;
        }
        self.assignments.push(a.clone());
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
             WHERE a.lease_until <= $1 AND a.owner <> $2 AND NOT EXISTS \
             (SELECT 1 FROM certificates c WHERE c.status_index = a.status_index) \
             ORDER BY a.status_index LIMIT $3 FOR UPDATE OF a SKIP LOCKED"
        );
        let rows = self.query("claim unfinished", &sql, &[&now, &owner, &limit(n)])?;
        let mut out = rows
            .iter()
            .map(|r| self.assignment_row(r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids = Vec::with_capacity(out.len());
        for a in &out {
            ids.push(to_i64(a.status_index, "status index")?);
        }
        if !ids.is_empty() {
            // The lock was granted after the statement's snapshot: a certificate its holder
            // committed meanwhile is seen here (a new snapshot), and that reservation is left.
            let claimed = self.query(
                "claim unfinished",
                "UPDATE assignments a SET owner = $2, lease_until = $3 \
                 WHERE a.status_index = ANY($1) AND NOT EXISTS \
                 (SELECT 1 FROM certificates c WHERE c.status_index = a.status_index) \
                 RETURNING a.status_index",
                &[&ids, &owner, &lease_until],
            )?;
            let mut kept = HashSet::with_capacity(claimed.len());
            for r in &claimed {
                kept.insert(u64_of(self.get(r, 0, "claim unfinished")?, "status index")?);
            }
            out.retain(|a| kept.contains(&a.status_index));
        }
        for a in &mut out {
            a.owner = owner.to_owned();
            a.lease_until = lease_until;
        }
        Ok(out)
    }

    fn assignment(&mut self, status_index: u64) -> Result<Option<Assignment>, crate::Error> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLS} FROM assignments a LEFT JOIN records r ON r.id = a.record_id \
             WHERE a.status_index = $1"
        );
        let i = to_i64(status_index, "status index")?;
        match self.query_opt("assignment", &sql, &[&i])? {
            Some(r) => Ok(Some(self.assignment_row(&r)?)),
            None => Ok(None),
        }
    }

    fn insert_certificate(&mut self, row: &CertificateRow) -> Result<(), crate::Error> {
        if !self.assignments.is_empty() {
            self.flush()?;
        }
        self.certs.push(row.clone());
        Ok(())
    }

    fn is_issued(&mut self, status_index: u64) -> Result<bool, crate::Error> {
        let i = to_i64(status_index, "status index")?;
        Ok(self
            .query_opt(
                "is issued",
                "SELECT 1 FROM certificates WHERE status_index = $1",
                &[&i],
            )?
            .is_some())
    }

    fn signer(&mut self, kid: &[u8; 8]) -> Result<Option<SignerRow>, crate::Error> {
        let k = &kid[..];
        match self.query_opt(
            "signer",
            "SELECT kid, certificate, subject, first_used FROM signers WHERE kid = $1",
            &[&k],
        )? {
            Some(r) => Ok(Some(SignerRow {
                kid: fixed(self.get(&r, 0, "signer")?, "signer")?,
                certificate: self.get(&r, 1, "signer")?,
                subject: self.get(&r, 2, "signer")?,
                first_used: self.get(&r, 3, "signer")?,
            })),
            None => Ok(None),
        }
    }

    fn insert_signer(&mut self, row: &SignerRow) -> Result<(), crate::Error> {
        let k = &row.kid[..];
        // Two issuers recording their first chunk under a new key at once: one inserts.
        self.execute(
            "insert signer",
            "INSERT INTO signers (kid, certificate, subject, first_used) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kid) DO NOTHING",
            &[&k, &row.certificate, &row.subject, &row.first_used],
        )?;
        Ok(())
    }

    fn certificate(&mut self, identifier: &str) -> Result<Option<CertificateRow>, crate::Error> {
        if !self.write {
            return Ok(self.prefetch("identifier", identifier)?.into_iter().next());
        }
        // Through the (serial, version) index: the identifier has no index of its own.
        let Some((serial, version)) = serial_version(identifier) else {
            return Ok(None);
        };
        Ok(self
            .certs_where(
                "c.serial = $1 AND c.version = $2 AND c.identifier = $3",
                &[&serial, &i32::from(version), &identifier],
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
            .certs_where("c.status_index = $1", &[&i])?
            .into_iter()
            .next())
    }

    fn lineage(&mut self, serial: &str) -> Result<Vec<CertificateRow>, crate::Error> {
        if let Some(rows) = self.seen.as_ref().and_then(|p| p.lineages.get(serial)) {
            return Ok(rows.clone());
        }
        self.certs_where("c.serial = $1 ORDER BY c.version", &[&serial])
    }

    fn by_management_number(&mut self, number: &str) -> Result<Vec<CertificateRow>, crate::Error> {
        if !self.write {
            let mut rows = self.prefetch("management_number", number)?;
            rows.sort_by_key(|c| c.status_index);
            return Ok(rows);
        }
        self.certs_where(
            "c.management_number = $1 ORDER BY c.status_index",
            &[&number],
        )
    }

    fn by_id_number(&mut self, id_number: &str) -> Result<Vec<CertificateRow>, crate::Error> {
        if !self.write {
            let mut rows = self.prefetch("id_number", id_number)?;
            rows.sort_by_key(|c| c.status_index);
            return Ok(rows);
        }
        self.certs_where("c.id_number = $1 ORDER BY c.status_index", &[&id_number])
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
        let k = &kid[..];
        self.certs_where(
            "c.kid = $1 AND c.status_index > $2 ORDER BY c.status_index LIMIT $3",
            &[&k, &after, &limit(n)],
        )
    }

    fn each_certificate(
        &mut self,
        f: &mut dyn FnMut(CertificateRow) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        // Pages of 1024 by status index: bounded memory whatever the table size.
        let mut after = -1i64;
        loop {
            let page = self.certs_where(
                "c.status_index > $1 ORDER BY c.status_index LIMIT 1024",
                &[&after],
            )?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = to_i64(last.status_index, "status index")?;
            for c in page {
                f(c)?;
            }
        }
    }

    fn append_status(&mut self, change: &StatusChange) -> Result<u64, crate::Error> {
        let (index, kid) = match change.subject {
            StatusSubject::Index(i) => (Some(to_i64(i, "status index")?), None),
            StatusSubject::Kid(k) => (None, Some(k.to_vec())),
        };
        if let Some(k) = &kid {
            // A key revocation waits for issuers that checked the key in their open
            // transactions (they hold the signer row FOR SHARE), so their certificates are
            // committed before the revocation walks the key's certificates.
            let k = k.as_slice();
            self.query(
                "append status",
                "SELECT kid FROM signers WHERE kid = $1 FOR UPDATE",
                &[&k],
            )?;
        }
        let (body, reference, date) = match &change.decision {
            Some(d) => (
                Some(d.body.as_str()),
                Some(d.reference.as_str()),
                Some(d.date.days_since_epoch()),
            ),
            None => (None, None, None),
        };
        self.lock_chain("status")?;
        let r = self.query_opt(
            "append status",
            "INSERT INTO status_log (seq, status_index, kid, state, reason, at, actor, \
             decision_body, decision_ref, decision_date, note) \
             SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             FROM status_log RETURNING seq",
            &[
                &index,
                &kid,
                &i32::from(change.state.code()),
                &i32::from(change.reason.code()),
                &change.at,
                &change.actor,
                &body,
                &reference,
                &date,
                &change.note,
            ],
        )?;
        let r = r.ok_or_else(|| backend("append status", "no seq returned"))?;
        u64_of(self.get(&r, 0, "append status")?, "append status")
    }

    fn latest_status(&mut self, status_index: u64) -> Result<Option<StatusChange>, crate::Error> {
        let i = to_i64(status_index, "status index")?;
        if self.write {
            // A lifecycle operation checks a version's state and then changes it: two writers
            // acting on one version take turns on its row, and the second sees the first's
            // change (the statement below starts after the lock is granted).
            // (NO KEY UPDATE: exclusive among writers, and no wait for the foreign-key checks
            // of rows that merely reference the version.)
            self.query(
                "latest status",
                "SELECT status_index FROM certificates WHERE status_index = $1 FOR NO KEY UPDATE",
                &[&i],
            )?;
        }
        if let Some(s) = self.seen.as_ref().and_then(|p| p.status.get(&status_index)) {
            return Ok(s.clone());
        }
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log WHERE status_index = $1 ORDER BY seq DESC LIMIT 1"
        );
        match self.query_opt("latest status", &sql, &[&i])? {
            Some(r) => Ok(Some(self.status_row(&r)?)),
            None => Ok(None),
        }
    }

    fn kid_status(&mut self, kid: &[u8; 8]) -> Result<Option<StatusChange>, crate::Error> {
        let k = &kid[..];
        if self.write {
            self.query(
                "kid status",
                "SELECT kid FROM signers WHERE kid = $1 FOR SHARE",
                &[&k],
            )?;
        }
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log WHERE kid = $1 ORDER BY seq DESC LIMIT 1"
        );
        match self.query_opt("kid status", &sql, &[&k])? {
            Some(r) => Ok(Some(self.status_row(&r)?)),
            None => Ok(None),
        }
    }

    fn status_head(&mut self) -> Result<StatusHead, crate::Error> {
        let r = self.query_opt(
            "status head",
            "SELECT (SELECT coalesce(max(seq), 0) FROM status_log), \
             (SELECT next FROM counters WHERE name = 'status_index')",
            &[],
        )?;
        let r = r.ok_or_else(|| backend("status head", "no row"))?;
        Ok(StatusHead {
            seq: u64_of(self.get(&r, 0, "status head")?, "status head")?,
            size: u64_of(self.get(&r, 1, "status head")?, "status head")?,
        })
    }

    fn status_changes(
        &mut self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let sql = format!(
            "SELECT {STATUS_COLS} FROM status_log WHERE seq > $1 AND seq <= $2 ORDER BY seq"
        );
        let (a, u) = (to_i64(after, "seq")?, to_i64(upto, "seq")?);
        self.statuses("status changes", &sql, &[&a, &u], f)
    }

    fn states_at(
        &mut self,
        upto: u64,
        f: &mut dyn FnMut(StatusChange) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let sql = format!(
            "SELECT DISTINCT ON (status_index) {STATUS_COLS} FROM status_log \
             WHERE status_index IS NOT NULL AND seq <= $1 ORDER BY status_index, seq DESC"
        );
        let u = to_i64(upto, "seq")?;
        self.statuses("states", &sql, &[&u], f)
    }

    fn insert_objection(&mut self, row: &ObjectionRow) -> Result<i64, crate::Error> {
        let i = to_i64(row.status_index, "status index")?;
        let r = self.query_opt(
            "insert objection",
            "INSERT INTO objections (status_index, filed_at, filed_by, text, actor) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&i, &row.filed_at, &row.filed_by, &row.text, &row.actor],
        )?;
        let r = r.ok_or_else(|| backend("insert objection", "no id returned"))?;
        self.get(&r, 0, "insert objection")
    }

    fn objection(&mut self, id: i64) -> Result<Option<ObjectionRow>, crate::Error> {
        let sql = format!(
            "SELECT {OBJECTION_COLS} FROM objections o \
             LEFT JOIN objection_outcomes x ON x.objection_id = o.id WHERE o.id = $1"
        );
        match self.query_opt("objection", &sql, &[&id])? {
            Some(r) => Ok(Some(self.objection_row(&r)?)),
            None => Ok(None),
        }
    }

    fn resolve_objection(
        &mut self,
        id: i64,
        at: i64,
        outcome: &str,
        actor: &str,
    ) -> Result<(), crate::Error> {
        self.execute(
            "resolve objection",
            "INSERT INTO objection_outcomes (objection_id, resolved_at, outcome, actor) \
             VALUES ($1, $2, $3, $4)",
            &[&id, &at, &outcome, &actor],
        )?;
        Ok(())
    }

    fn objections(&mut self, status_index: u64) -> Result<Vec<ObjectionRow>, crate::Error> {
        if self
            .seen
            .as_ref()
            .is_some_and(|p| p.no_objections.contains(&status_index))
        {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {OBJECTION_COLS} FROM objections o \
             LEFT JOIN objection_outcomes x ON x.objection_id = o.id \
             WHERE o.status_index = $1 ORDER BY o.id"
        );
        let i = to_i64(status_index, "status index")?;
        let rows = self.query("objections", &sql, &[&i])?;
        rows.iter().map(|r| self.objection_row(r)).collect()
    }

    fn insert_destruction(&mut self, row: &DestructionRow) -> Result<(), crate::Error> {
        let i = to_i64(row.status_index, "status index")?;
        self.execute(
            "insert destruction",
            "INSERT INTO destructions (status_index, destroyed_on, witness, note, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &i,
                &row.destroyed_on,
                &row.witness,
                &row.note,
                &row.actor,
                &row.at,
            ],
        )?;
        Ok(())
    }

    fn destruction(&mut self, status_index: u64) -> Result<Option<DestructionRow>, crate::Error> {
        let i = to_i64(status_index, "status index")?;
        let op = "destruction";
        match self.query_opt(
            op,
            "SELECT status_index, destroyed_on, witness, note, actor, at FROM destructions \
             WHERE status_index = $1",
            &[&i],
        )? {
            Some(r) => Ok(Some(DestructionRow {
                status_index: u64_of(self.get(&r, 0, op)?, op)?,
                destroyed_on: self.get(&r, 1, op)?,
                witness: self.get(&r, 2, op)?,
                note: self.get(&r, 3, op)?,
                actor: self.get(&r, 4, op)?,
                at: self.get(&r, 5, op)?,
            })),
            None => Ok(None),
        }
    }

    fn batch_counts(&mut self) -> Result<Vec<BatchCounts>, crate::Error> {
        let op = "batch counts";
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
        let rows = self.query(op, &sql, &[])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(BatchCounts {
                submission: self.submission_row(r)?,
                accepted: u64_of(self.get(r, 6, op)?, op)?,
                rejected: u64_of(self.get(r, 7, op)?, op)?,
                issued: u64_of(self.get(r, 8, op)?, op)?,
                revoked: u64_of(self.get(r, 9, op)?, op)?,
                issued_by_day: Vec::new(),
            });
        }
        for b in &mut out {
            let rows = self.query(
                op,
                "SELECT ((c.issued_at + $2) / 86400)::int, count(*) FROM records r \
                 JOIN assignments a ON a.record_id = r.id \
                 JOIN certificates c ON c.status_index = a.status_index \
                 WHERE r.submission_id = $1 GROUP BY 1 ORDER BY 1",
                &[&b.submission.id, &CHINA_UTC_OFFSET],
            )?;
            for r in &rows {
                let day: i32 = self.get(r, 0, op)?;
                let n: i64 = self.get(r, 1, op)?;
                b.issued_by_day.push((day, u64_of(n, op)?));
            }
        }
        Ok(out)
    }

    fn unissued(&mut self, submission: i64) -> Result<Vec<(u64, String)>, crate::Error> {
        let op = "unissued";
        let rows = self.query(
            op,
            "SELECT r.row_no, r.management_number FROM records r \
             WHERE r.submission_id = $1 AND r.accepted = 1 AND NOT EXISTS \
             (SELECT 1 FROM assignments a JOIN certificates c \
              ON c.status_index = a.status_index WHERE a.record_id = r.id) ORDER BY r.row_no",
            &[&submission],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let n: i64 = self.get(r, 0, op)?;
            let number: Option<String> = self.get(r, 1, op)?;
            out.push((u64_of(n, op)?, number.unwrap_or_default()));
        }
        Ok(out)
    }

    fn append_audit(&mut self, e: &AuditEntry) -> Result<u64, crate::Error> {
        // Entries deferred earlier in this transaction come first.
        self.link_audit()?;
        // Normally locked already by `audit_head` in this transaction; taking it again is free.
        self.lock_chain("audit")?;
        let r = self.query_opt(
            "append audit",
            "INSERT INTO audit (seq, at, actor, operation, subject, payload, prev, hash) \
             SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7 FROM audit \
             RETURNING seq",
            &[
                &e.at,
                &e.actor,
                &e.operation,
                &e.subject,
                &&e.payload[..],
                &&e.prev[..],
                &&e.hash[..],
            ],
        )?;
        let r = r.ok_or_else(|| backend("append audit", "no seq returned"))?;
        u64_of(self.get(&r, 0, "append audit")?, "append audit")
    }

    fn audit_head(&mut self) -> Result<Option<(u64, [u8; 32])>, crate::Error> {
        // In a write transaction the chain's head row is locked first and held to commit:
        // a second writer waits here and then reads the head this one appended. Entries
        // deferred earlier in this transaction are linked first (they come before).
        self.link_audit()?;
        self.lock_chain("audit")?;
        self.read_audit_head()
    }

    fn defer_audit(&mut self, entry: &AuditEntry) -> Result<bool, crate::Error> {
        if !self.write {
            return Err(backend("append audit", "in a read-only transaction"));
        }
        self.audit_later.push(entry.clone());
        Ok(true)
    }

    fn each_audit(
        &mut self,
        f: &mut dyn FnMut(AuditEntry) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let mut after = 0i64;
        loop {
            let rows = self.query(
                "audit",
                "SELECT seq, at, actor, operation, subject, payload, prev, hash FROM audit \
                 WHERE seq > $1 ORDER BY seq LIMIT 4096",
                &[&after],
            )?;
            if rows.is_empty() {
                return Ok(());
            }
            for r in &rows {
                let e = self.audit_row(r)?;
                after = to_i64(e.seq, "audit")?;
                f(e)?;
            }
        }
    }
}

// ---- copying an SQLite registry (certseal registry migrate) ----

/// How a column is carried from SQLite to PostgreSQL.
#[derive(Clone, Copy)]
enum Col {
    Big,
    Int,
    Text,
    Bytes,
}

/// The tables in foreign-key order, with their columns (the schema of both backends).
const COPY_TABLES: [(&str, &[(&str, Col)]); 11] = [
    (
        "submissions",
        &[
            ("id", Col::Big),
            ("body", Col::Text),
            ("batch", Col::Text),
            ("exam", Col::Text),
            ("results_published", Col::Int),
            ("received_at", Col::Big),
        ],
    ),
    (
        "records",
        &[
            ("id", Col::Big),
            ("submission_id", Col::Big),
            ("row_key", Col::Text),
            ("row_no", Col::Big),
            ("digest", Col::Bytes),
            ("accepted", Col::Int),
            ("management_number", Col::Text),
            ("certificate", Col::Text),
            ("error_field", Col::Text),
            ("error_rule", Col::Text),
            ("received_at", Col::Big),
        ],
    ),
    (
        "assignments",
        &[
            ("status_index", Col::Big),
            ("serial", Col::Text),
            ("version", Col::Int),
            ("kind", Col::Int),
            ("record_id", Col::Big),
            ("predecessor", Col::Big),
            ("certificate", Col::Text),
            ("owner", Col::Text),
            ("lease_until", Col::Big),
            ("reserved_at", Col::Big),
        ],
    ),
    (
        "signers",
        &[
            ("kid", Col::Bytes),
            ("certificate", Col::Bytes),
            ("subject", Col::Text),
            ("first_used", Col::Big),
        ],
    ),
    (
        "certificates",
        &[
            ("status_index", Col::Big),
            ("identifier", Col::Text),
            ("serial", Col::Text),
            ("version", Col::Int),
            ("kind", Col::Int),
            ("predecessor", Col::Big),
            ("record_id", Col::Big),
            ("management_number", Col::Text),
            ("holder_name", Col::Text),
            ("id_number", Col::Text),
            ("qualification", Col::Int),
            ("legacy", Col::Int),
            ("kid", Col::Bytes),
            ("issued_at", Col::Big),
            ("document", Col::Bytes),
            ("qr", Col::Text),
        ],
    ),
    (
        "status_log",
        &[
            ("seq", Col::Big),
            ("status_index", Col::Big),
            ("kid", Col::Bytes),
            ("state", Col::Int),
            ("reason", Col::Int),
            ("at", Col::Big),
            ("actor", Col::Text),
            ("decision_body", Col::Text),
            ("decision_ref", Col::Text),
            ("decision_date", Col::Int),
            ("note", Col::Text),
        ],
    ),
    (
        "objections",
        &[
            ("id", Col::Big),
            ("status_index", Col::Big),
            ("filed_at", Col::Big),
            ("filed_by", Col::Text),
            ("text", Col::Text),
            ("actor", Col::Text),
        ],
    ),
    (
        "objection_outcomes",
        &[
            ("objection_id", Col::Big),
            ("resolved_at", Col::Big),
            ("outcome", Col::Text),
            ("actor", Col::Text),
        ],
    ),
    (
        "destructions",
        &[
            ("status_index", Col::Big),
            ("destroyed_on", Col::Int),
            ("witness", Col::Text),
            ("note", Col::Text),
            ("actor", Col::Text),
            ("at", Col::Big),
        ],
    ),
    (
        "audit",
        &[
            ("seq", Col::Big),
            ("at", Col::Big),
            ("actor", Col::Text),
            ("operation", Col::Text),
            ("subject", Col::Text),
            ("payload", Col::Bytes),
            ("prev", Col::Bytes),
            ("hash", Col::Bytes),
        ],
    ),
    ("counters", &[("name", Col::Text), ("next", Col::Big)]),
];

/// Rows sent in one multi-row INSERT while copying.
const COPY_BATCH: usize = 500;

fn param(
    table: &str,
    col: &str,
    kind: Col,
    v: rusqlite::types::Value,
) -> Result<Box<dyn ToSql + Sync>, crate::Error> {
    use rusqlite::types::Value as V;
    let bad = |got: &str| {
        backend(
            "copy",
            format!("{table}.{col}: got {got}, expected a value of the column's type"),
        )
    };
    Ok(match (kind, v) {
        (Col::Big, V::Null) => Box::new(None::<i64>),
        (Col::Big, V::Integer(i)) => Box::new(Some(i)),
        (Col::Int, V::Null) => Box::new(None::<i32>),
        (Col::Int, V::Integer(i)) => Box::new(Some(
            i32::try_from(i).map_err(|_| bad(&format!("integer {i}")))?,
        )),
        (Col::Text, V::Null) => Box::new(None::<String>),
        (Col::Text, V::Text(s)) => Box::new(Some(s)),
        (Col::Bytes, V::Null) => Box::new(None::<Vec<u8>>),
        (Col::Bytes, V::Blob(b)) => Box::new(Some(b)),
        (_, V::Real(_)) => return Err(bad("a real number")),
        (_, V::Integer(_)) => return Err(bad("an integer")),
        (_, V::Text(_)) => return Err(bad("text")),
        (_, V::Blob(_)) => return Err(bad("a blob")),
    })
}

impl PgStore {
    /// Copies every row of the SQLite registry at `sqlite` into this database, in one
    /// transaction, and returns each table's row count in the source (read in one snapshot).
    /// Refused unless this database is an empty registry. Numbers (ids, status indices,
    /// serials, sequence numbers) are kept; identity sequences continue after them.
    pub fn import_sqlite(
        &mut self,
        sqlite: &std::path::Path,
    ) -> Result<Vec<(&'static str, u64)>, crate::Error> {
        let src = rusqlite::Connection::open_with_flags(
            sqlite,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .map_err(|e| backend("copy: open source", e))?;
        let conn = self.connection()?;
        let mut t = conn
            .transaction()
            .map_err(|e| backend("copy: begin", explain(&e)))?;
        let pg = |e: postgres::Error| backend("copy", explain(&e));
        let used: i64 = t
            .query_one(
                "SELECT (SELECT count(*) FROM submissions) + (SELECT count(*) FROM audit) + \
                 (SELECT count(*) FROM assignments)",
                &[],
            )
            .map_err(pg)?
            .try_get(0)
            .map_err(pg)?;
        if used != 0 {
            return Err(backend(
                "copy",
                "the target registry is not empty: migrate into a fresh database or schema",
            ));
        }
        // One snapshot of the source for every table.
        src.execute_batch("BEGIN DEFERRED")
            .map_err(|e| backend("copy: source", e))?;
        let mut counts = Vec::with_capacity(COPY_TABLES.len());
        for (table, cols) in COPY_TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let mut st = src
                .prepare(&format!("SELECT {} FROM {table}", names.join(", ")))
                .map_err(|e| backend("copy: source", e))?;
            let mut rows = st.query([]).map_err(|e| backend("copy: source", e))?;
            let mut batch: Vec<Box<dyn ToSql + Sync>> = Vec::new();
            let mut in_batch = 0usize;
            let mut n = 0u64;
            let send = |batch: &mut Vec<Box<dyn ToSql + Sync>>,
                        rows_in: usize,
                        t: &mut postgres::Transaction<'_>|
             -> Result<(), crate::Error> {
                if rows_in == 0 {
                    return Ok(());
                }
                let sql = if table == "counters" {
                    "UPDATE counters SET next = $2 WHERE name = $1".to_owned()
                } else {
                    let width = cols.len();
                    let tuples: Vec<String> = (0..rows_in)
                        .map(|r| {
                            let ps: Vec<String> =
                                (1..=width).map(|c| format!("${}", r * width + c)).collect();
                            format!("({})", ps.join(", "))
                        })
                        .collect();
                    format!(
                        "INSERT INTO {table} ({}) VALUES {}",
                        names.join(", "),
                        tuples.join(", ")
                    )
                };
                let refs: Vec<&(dyn ToSql + Sync)> = batch.iter().map(|b| b.as_ref()).collect();
                t.execute(sql.as_str(), &refs)
                    .map_err(|e| backend("copy", format!("{table}: {}", explain(&e))))?;
                batch.clear();
                Ok(())
            };
            let per_batch = if table == "counters" { 1 } else { COPY_BATCH };
            while let Some(row) = rows.next().map_err(|e| backend("copy: source", e))? {
                for (i, (col, kind)) in cols.iter().enumerate() {
                    let v: rusqlite::types::Value =
                        row.get(i).map_err(|e| backend("copy: source", e))?;
                    batch.push(param(table, col, *kind, v)?);
                }
                in_batch = in_batch.saturating_add(1);
                n = n.saturating_add(1);
                if in_batch == per_batch {
                    send(&mut batch, in_batch, &mut t)?;
                    in_batch = 0;
                }
            }
            send(&mut batch, in_batch, &mut t)?;
            counts.push((table, n));
        }
        src.execute_batch("COMMIT")
            .map_err(|e| backend("copy: source", e))?;
        t.batch_execute(
            "SELECT setval(pg_get_serial_sequence('submissions', 'id'), \
               coalesce((SELECT max(id) FROM submissions), 0) + 1, false); \
             SELECT setval(pg_get_serial_sequence('records', 'id'), \
               coalesce((SELECT max(id) FROM records), 0) + 1, false); \
             SELECT setval(pg_get_serial_sequence('objections', 'id'), \
               coalesce((SELECT max(id) FROM objections), 0) + 1, false);",
        )
        .map_err(pg)?;
        t.commit().map_err(pg)?;
        Ok(counts)
    }

    /// Each copied table's row count in this database (counters: its rows, 2).
    pub fn table_counts(&mut self) -> Result<Vec<(&'static str, u64)>, crate::Error> {
        let conn = self.connection()?;
        let mut out = Vec::with_capacity(COPY_TABLES.len());
        for (table, _) in COPY_TABLES {
            let n: i64 = conn
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .and_then(|r| r.try_get(0))
                .map_err(|e| backend("count", explain(&e)))?;
            out.push((table, u64_of(n, "count")?));
        }
        Ok(out)
    }
}
