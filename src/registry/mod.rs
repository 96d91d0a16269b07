//! The registry (feature `sqlite`): everything the national examination centre must keep —
//! submissions, issued certificate versions with their documents and QR strings, status
//! changes, signer keys, objections, destructions and a hash-chained audit log — and the rules
//! of the certificate lifecycle (rules arts. 8–26, `specs/registry.md`).
//!
//! This module owns the rules: lifecycle transitions, validation of requests, the audit chain,
//! deadline arithmetic over the working-day calendar. Persistence is behind [`Store`] (one
//! transaction at a time, plain rows); the embedded backend is [`SqliteStore`], and no SQL
//! appears outside `sqlite.rs`. It signs through the public [`Issuer`](crate::issue::Issuer)
//! and must not touch the codec, COSE or crypto layers itself.
//!
//! Status contract with `status/` (revocation): every issued version has a dense, never
//! reused `status_index`; [`Registry::status_head`], [`Registry::status_changes`] and
//! [`Registry::states_at`] read the append-only status log from which snapshots and deltas
//! are built; [`Registry::status_snapshot`], [`Registry::status_delta`] and
//! [`Registry::status_token_list`] build and sign them (`publish.rs`).

mod audit;
mod calendar;
mod issuance;
mod lifecycle;
mod lookup;
#[cfg(feature = "postgres")]
mod migrate;
#[cfg(feature = "postgres")]
mod postgres;
mod publish;
mod sqlite;
mod store;
mod submission;
mod synthetic;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use audit::{AuditEntry, AuditFinding, AuditReport};
pub use calendar::{Calendar, CalendarWarning, Deadline, DeadlineItem, DeadlineReport, Step};
pub use issuance::{IssueOptions, IssueReport};
pub use lifecycle::{
    Decision, HolderChange, Invalidation, ReissueKind, ReissueRequest, Reissued, RekeyReport,
};
pub use lookup::{Lookup, LookupResult, Progress, ProgressRow, VersionView};
#[cfg(feature = "postgres")]
pub use migrate::{migrate_sqlite_to_postgres, MigrationReport};
#[cfg(feature = "postgres")]
pub use postgres::{PgOptions, PgStore, DEFAULT_LEASE_SECS, MAX_ATTEMPTS};
pub use publish::{published_state, StatusDocument, StatusPublisher};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};
pub use store::{
    Assignment, BatchCounts, CertificateRow, DestructionRow, ObjectionRow, PendingRecord,
    RecordOutcome, RecordRow, SignerRow, Store, SubmissionRow, Tx,
};
pub use submission::{
    Encoding, RowOutcome, RowReport, SubmissionFormat, SubmissionMeta, SubmissionReport,
    HEADER_ALIASES, MAX_SUBMISSION_BYTES, MAX_SUBMISSION_ROWS,
};
pub use submission::{CHUNK_ROWS, MAX_LISTED_ROWS, MAX_ROW_BYTES};

#[doc(hidden)]
pub use submission::fuzz_submission;
#[doc(hidden)]
pub use synthetic::{synthetic_id_number, synthetic_name, write_synthetic_csv, SYNTHETIC_HEADER};

/// Errors of the registry layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The storage backend failed.
    #[error("registry store: {op}: {message}")]
    Backend {
        /// The operation.
        op: &'static str,
        /// What the backend said.
        message: String,
    },
    /// The store was written by a newer certseal.
    #[error("registry schema version is {found}, this certseal knows at most {supported}: use a newer certseal")]
    SchemaTooNew {
        /// The store's schema version.
        found: u32,
        /// The newest this build applies.
        supported: u32,
    },
    /// A submission file as a whole was unusable; nothing was stored.
    #[error("submission: {rule}")]
    Submission {
        /// What was wrong, with the values involved.
        rule: String,
    },
    /// No certificate has this identifier.
    #[error("unknown certificate {identifier}")]
    UnknownCertificate {
        /// The identifier asked for.
        identifier: String,
    },
    /// The version acted on has a newer version.
    #[error("{identifier} is superseded by {current}: act on the current version")]
    NotCurrent {
        /// The identifier asked for.
        identifier: String,
        /// The current version.
        current: String,
    },
    /// The certificate is revoked: nothing more can be done to it.
    #[error("{identifier} is revoked ({reason})")]
    Revoked {
        /// The identifier asked for.
        identifier: String,
        /// Why it was revoked.
        reason: StatusReason,
    },
    /// A paper replacement was asked for a certificate that has an electronic one (art. 16).
    #[error("{identifier}: no paper replacement once an electronic certificate exists (rules art. 16): the holder downloads the electronic certificate")]
    PaperReplacementRefused {
        /// The certificate.
        identifier: String,
    },
    /// A change re-issue that changes nothing.
    #[error("change re-issue of {identifier}: no holder field changes")]
    NothingChanged {
        /// The certificate.
        identifier: String,
    },
    /// The signer would sign with a revoked (compromised) key.
    #[error("signer kid {kid} is revoked: it signs nothing more")]
    SignerRevoked {
        /// The kid, hex.
        kid: String,
    },
    /// A compromised key's certificates must be re-issued under a different key.
    #[error(
        "re-issue after the compromise of kid {kid} needs a different active signer, got the same"
    )]
    SameSigner {
        /// The kid, hex.
        kid: String,
    },
    /// No objection has this id.
    #[error("unknown objection {id}")]
    UnknownObjection {
        /// The id asked for.
        id: i64,
    },
    /// The objection was resolved already.
    #[error("objection {id} was resolved already")]
    ObjectionResolved {
        /// The objection.
        id: i64,
    },
    /// The paper of this version was recorded destroyed already.
    #[error("{identifier}: paper destruction recorded already on {on}")]
    AlreadyDestroyed {
        /// The certificate.
        identifier: String,
        /// When.
        on: crate::model::Date,
    },
    /// A working-day calendar file was malformed.
    #[error("calendar line {line}: {rule}")]
    Calendar {
        /// 1-based line.
        line: usize,
        /// The broken rule.
        rule: String,
    },
    /// Stored data broke an invariant (a corrupt or hand-edited store).
    #[error("registry store is inconsistent: {what}")]
    Inconsistent {
        /// What was found.
        what: String,
    },
    /// A request field was unusable.
    #[error("{field}: {rule}")]
    Request {
        /// The field.
        field: &'static str,
        /// The broken rule.
        rule: String,
    },
}

impl RegistryError {
    #[cold]
    pub(crate) fn inconsistent(what: impl Into<String>) -> crate::Error {
        RegistryError::Inconsistent { what: what.into() }.into()
    }

    #[cold]
    pub(crate) fn request(field: &'static str, rule: impl Into<String>) -> crate::Error {
        RegistryError::Request {
            field,
            rule: rule.into(),
        }
        .into()
    }
}

/// The state of a status index (the status contract). States only move away from `Valid`;
/// `Superseded` may become `Revoked`; nothing returns to `Valid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum State {
    /// 0 — valid.
    Valid,
    /// 1 — a newer version exists (换发 / 补发 / re-issue under a new key).
    Superseded,
    /// 2 — revoked (invalidated, withdrawn, or its signer key compromised).
    Revoked,
}

impl State {
    /// The numeric code stored and published.
    pub const fn code(self) -> u8 {
        match self {
            State::Valid => 0,
            State::Superseded => 1,
            State::Revoked => 2,
        }
    }

    /// The state with code `code`.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(State::Valid),
            1 => Some(State::Superseded),
            2 => Some(State::Revoked),
            _ => None,
        }
    }

    /// `valid`, `superseded`, `revoked`.
    pub const fn name(self) -> &'static str {
        match self {
            State::Valid => "valid",
            State::Superseded => "superseded",
            State::Revoked => "revoked",
        }
    }

    /// Whether a change from `self` to `to` is allowed.
    pub const fn may_become(self, to: State) -> bool {
        matches!(
            (self, to),
            (State::Valid, State::Superseded)
                | (State::Valid, State::Revoked)
                | (State::Superseded, State::Revoked)
        )
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a status changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusReason {
    /// 1 — superseded by a change re-issue (换发, art. 15).
    Change,
    /// 2 — superseded by a replacement (补发, art. 16).
    Replacement,
    /// 3 — its signer key was compromised: the kid revoked, the version superseded by one
    /// signed under another key.
    SignerCompromised,
    /// 16 — invalidated (无效, arts. 17–18): the electronic certificate revoked with it.
    Invalidated,
    /// 17 — withdrawn (撤销) for another reason.
    Withdrawn,
}

impl StatusReason {
    /// The numeric code stored and published.
    pub const fn code(self) -> u8 {
        match self {
            StatusReason::Change => 1,
            StatusReason::Replacement => 2,
            StatusReason::SignerCompromised => 3,
            StatusReason::Invalidated => 16,
            StatusReason::Withdrawn => 17,
        }
    }

    /// The reason with code `code`.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(StatusReason::Change),
            2 => Some(StatusReason::Replacement),
            3 => Some(StatusReason::SignerCompromised),
            16 => Some(StatusReason::Invalidated),
            17 => Some(StatusReason::Withdrawn),
            _ => None,
        }
    }

    /// `change`, `replacement`, `signer_compromised`, `invalidated`, `withdrawn`.
    pub const fn name(self) -> &'static str {
        match self {
            StatusReason::Change => "change",
            StatusReason::Replacement => "replacement",
            StatusReason::SignerCompromised => "signer_compromised",
            StatusReason::Invalidated => "invalidated",
            StatusReason::Withdrawn => "withdrawn",
        }
    }
}

impl std::fmt::Display for StatusReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a status change is about: one certificate version, or a whole signer key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusSubject {
    /// A status index.
    Index(u64),
    /// A signer key (revoked: everything it signed is refused).
    Kid([u8; 8]),
}

/// One row of the append-only status log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// Sequence number: 1, 2, 3 … with no gap.
    pub seq: u64,
    /// The status index or kid.
    pub subject: StatusSubject,
    /// The new state.
    pub state: State,
    /// Why.
    pub reason: StatusReason,
    /// When (Unix seconds).
    pub at: i64,
    /// Who recorded it.
    pub actor: String,
    /// The decision behind an invalidation.
    pub decision: Option<Decision>,
    /// A free note (the newer version's identifier for a superseded one).
    pub note: Option<String>,
}

/// Where the status log stands: the last sequence number and how many status indices exist
/// (indices `0..size`; an index without a change is valid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StatusHead {
    /// The last sequence number (0 for an empty log).
    pub seq: u64,
    /// The number of status indices reserved so far.
    pub size: u64,
}

/// The registry: the rules over a [`Store`].
pub struct Registry {
    store: Box<dyn Store>,
    actor: String,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("store", &self.store.describe())
            .field("actor", &self.actor)
            .finish()
    }
}

impl Registry {
    /// Opens (creating if missing) the SQLite registry file at `path`, applying migrations.
    pub fn open(path: &Path) -> Result<Registry, crate::Error> {
        Ok(Registry::new(Box::new(SqliteStore::open(path)?)))
    }

    /// Opens the registry at `location`: `postgres://…` / `postgresql://…` (feature
    /// `postgres`), `sqlite:FILE`, or a file path (SQLite). Migrations are applied; a newer
    /// schema is refused.
    pub fn open_url(location: &str) -> Result<Registry, crate::Error> {
        Ok(Registry::new(open(location)?))
    }

    /// [`Registry::open_url`] with connection settings (the server's `[database]`).
    pub fn open_url_with(
        location: &str,
        settings: &ConnectSettings,
    ) -> Result<Registry, crate::Error> {
        Ok(Registry::new(open_with(location, settings)?))
    }

    /// A registry over any backend.
    pub fn new(store: Box<dyn Store>) -> Registry {
        Registry {
            store,
            actor: "operator".into(),
        }
    }

    /// Records `actor` as the one who performs the operations that follow (audit log,
    /// status changes).
    pub fn with_actor(mut self, actor: impl Into<String>) -> Registry {
        self.actor = actor.into();
        self
    }

    /// Records `actor` for the operations that follow, on a registry kept open (a server's
    /// pooled connection acts for whoever made each request).
    pub fn set_actor(&mut self, actor: impl Into<String>) {
        self.actor = actor.into();
    }

    /// The actor recorded for operations.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The backend.
    pub fn store_mut(&mut self) -> &mut dyn Store {
        self.store.as_mut()
    }

    /// Runs `f` in one read-write transaction and returns its value.
    pub(crate) fn write<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, crate::Error>,
    ) -> Result<T, crate::Error> {
        let mut out = None;
        self.store.transaction(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| RegistryError::inconsistent("transaction returned nothing"))
    }

    /// Runs `f` on one consistent read-only view and returns its value.
    pub(crate) fn read<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, crate::Error>,
    ) -> Result<T, crate::Error> {
        let mut out = None;
        self.store.read(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| RegistryError::inconsistent("read returned nothing"))
    }

    // ---- the status contract ----

    /// The status log's head: last sequence number and number of status indices.
    pub fn status_head(&mut self) -> Result<StatusHead, crate::Error> {
        self.read(|tx| tx.status_head())
    }

    /// Every status change with `after < seq <= upto`, in sequence order, to `f` (streamed):
    /// the rows of a delta N → M.
    pub fn status_changes(
        &mut self,
        after: u64,
        upto: u64,
        mut f: impl FnMut(&StatusChange),
    ) -> Result<(), crate::Error> {
        self.store.read(&mut |tx| {
            tx.status_changes(after, upto, &mut |c| {
                f(&c);
                Ok(())
            })
        })
    }

    /// The states as of sequence `upto`, streamed in status index order: for every index with
    /// a change at or before `upto`, its state then (indices not given are valid). Together
    /// with [`StatusHead::size`] read in the same view ([`Registry::snapshot`]) this is a
    /// snapshot.
    pub fn states_at(
        &mut self,
        upto: u64,
        mut f: impl FnMut(u64, State, StatusReason),
    ) -> Result<(), crate::Error> {
        self.store.read(&mut |tx| {
            tx.states_at(upto, &mut |c| {
                if let StatusSubject::Index(i) = c.subject {
                    f(i, c.state, c.reason);
                }
                Ok(())
            })
        })
    }

    /// A consistent snapshot in one read view: the head, the non-valid states as of the head
    /// (streamed to `f` in index order) and the revoked kids.
    pub fn snapshot(
        &mut self,
        mut f: impl FnMut(u64, State, StatusReason),
    ) -> Result<(StatusHead, Vec<[u8; 8]>), crate::Error> {
        let mut head = StatusHead::default();
        let mut kids = Vec::new();
        self.store.read(&mut |tx| {
            head = tx.status_head()?;
            tx.states_at(head.seq, &mut |c| {
                if let StatusSubject::Index(i) = c.subject {
                    f(i, c.state, c.reason);
                }
                Ok(())
            })?;
            kids = revoked_kids_in(tx, head.seq)?;
            Ok(())
        })?;
        Ok((head, kids))
    }

    /// The signer kids revoked at or before sequence `upto`.
    pub fn revoked_kids(&mut self, upto: u64) -> Result<Vec<[u8; 8]>, crate::Error> {
        self.read(|tx| revoked_kids_in(tx, upto))
    }
}

fn revoked_kids_in(tx: &mut dyn Tx, upto: u64) -> Result<Vec<[u8; 8]>, crate::Error> {
    let mut kids = Vec::new();
    tx.status_changes(0, upto, &mut |c| {
        if let (StatusSubject::Kid(k), State::Revoked) = (c.subject, c.state) {
            if !kids.contains(&k) {
                kids.push(k);
            }
        }
        Ok(())
    })?;
    Ok(kids)
}

/// The store at `location`: `postgres://…` / `postgresql://…` (feature `postgres`),
/// `sqlite:FILE`, or a file path (SQLite).
pub fn open(location: &str) -> Result<Box<dyn Store>, crate::Error> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            return Ok(Box::new(PgStore::open(location)?));
        }
        #[cfg(not(feature = "postgres"))]
        {
            return Err(store::backend(
                "open",
                "got a postgres:// location, but this certseal was built without the \
                 feature postgres (cargo build --features postgres)",
            ));
        }
    }
    let path = location.strip_prefix("sqlite:").unwrap_or(location);
    if path.is_empty() {
        return Err(RegistryError::request(
            "db",
            "got an empty location, expected a file, sqlite:FILE or postgres://…",
        ));
    }
    Ok(Box::new(SqliteStore::open(Path::new(path))?))
}

/// `location` without a password, for messages, logs and printed configurations: the
/// userinfo's (`postgres://user:secret@host/db` → `postgres://user@host/db`) and a
/// `password=` query parameter's (libpq reads both; `?password=secret` → `?password=redacted`).
pub fn redacted(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else {
        return location.to_owned();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    // The userinfo ends at the last '@' before the path (a password may contain '@').
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(authority_end);
    let mut out = format!("{scheme}://");
    match authority.rsplit_once('@') {
        Some((auth, host)) => {
            out.push_str(auth.split(':').next().unwrap_or(""));
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
    if let Some(q) = query {
        out.push('?');
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=redacted"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

/// How a PostgreSQL registry is connected to, beside its URL (the server's `[database]`
/// configuration; SQLite ignores it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectSettings {
    /// Connections the pool keeps at most.
    pub pool_size: u32,
    /// How long opening a connection may take before the server is reported unreachable.
    pub connect_timeout: std::time::Duration,
    /// TLS: `disable`, `prefer` or `require` (libpq's `sslmode`); `None` leaves it to the URL.
    pub tls: Option<String>,
    /// The PEM file the server's certificate is verified against (libpq's `sslrootcert`);
    /// `None` leaves it to the URL, else the system's roots.
    pub root_cert: Option<std::path::PathBuf>,
}

impl Default for ConnectSettings {
    fn default() -> Self {
        ConnectSettings {
            pool_size: 4,
            connect_timeout: std::time::Duration::from_secs(10),
            tls: None,
            root_cert: None,
        }
    }
}

/// `url` with `key=value` added to its query; refused when the URL names `key` with another
/// value (one setting, one place).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
fn with_param(url: &str, key: &'static str, value: &str) -> Result<String, crate::Error> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    for pair in query.split('&') {
        if let Some((k, v)) = pair.split_once('=') {
            if k == key {
                if v == value {
                    return Ok(url.to_owned());
                }
                return Err(RegistryError::request(
                    key,
                    format!(
                        "got {value:?} in the configuration and {v:?} in the database URL, \
                         expected one of them"
                    ),
                ));
            }
        }
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}{key}={value}"))
}

/// The store at `location` connected with `settings` (PostgreSQL: pool size, connect timeout,
/// TLS mode and root certificate; SQLite: as [`open`]).
pub fn open_with(
    location: &str,
    settings: &ConnectSettings,
) -> Result<Box<dyn Store>, crate::Error> {
    if !(location.starts_with("postgres://") || location.starts_with("postgresql://")) {
        return open(location);
    }
    #[cfg(feature = "postgres")]
    {
        let mut url = location.to_owned();
        if let Some(mode) = &settings.tls {
            if !matches!(mode.as_str(), "disable" | "prefer" | "require") {
                return Err(RegistryError::request(
                    "tls",
                    format!("got {mode:?}, expected disable, prefer or require"),
                ));
            }
            url = with_param(&url, "sslmode", mode)?;
        }
        if let Some(root) = &settings.root_cert {
            let root = root.to_str().ok_or_else(|| {
                RegistryError::request("tls_root_cert", "got a path that is not UTF-8")
            })?;
            url = with_param(&url, "sslrootcert", root)?;
        }
        let mut opts = PgOptions::new(url);
        opts.pool_size = settings.pool_size;
        opts.connect_timeout = settings.connect_timeout;
        Ok(Box::new(PgStore::open_with(&opts)?))
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = settings;
        open(location)
    }
}

/// SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Beijing time is UTC+8: a registry "day" starts at 00:00 there.
pub(crate) const CHINA_UTC_OFFSET: i64 = 8 * 3600;

/// The day (days since 1970-01-01, China time) of Unix time `t`.
pub(crate) fn china_day(t: i64) -> i32 {
    let d = t.saturating_add(CHINA_UTC_OFFSET).div_euclid(86_400);
    i32::try_from(d).unwrap_or(if d < 0 { i32::MIN } else { i32::MAX })
}
