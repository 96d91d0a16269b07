//! Lookups the way the national verification site answers a third party (art. 22): by
//! identifier, by management number + name, by ID number + name — the current version, its
//! status and its history, with the ID number masked and nothing else personal. Progress
//! figures (art. 23) per examination and batch.

use super::calendar::{Calendar, CalendarWarning, Step};
use super::store::{CertificateRow, Tx};
use super::{china_day, Registry, RegistryError, State, StatusReason};
use crate::codec::hex;
use crate::model::{Certificate, Date, IdDocType, IssueKind, ResidentId, Sex};

/// What to look up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// An e-licence identifier (any version).
    Identifier(String),
    /// A management number and the holder's name.
    ManagementNumber {
        /// The management number.
        number: String,
        /// The holder's name.
        name: String,
    },
    /// An ID document number and the holder's name.
    IdNumber {
        /// The ID number.
        id_number: String,
        /// The holder's name.
        name: String,
    },
}

/// One version in a certificate's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionView {
    /// Its identifier.
    pub identifier: String,
    /// Its version.
    pub version: u16,
    /// Why it was issued.
    pub kind: IssueKind,
    /// When it was signed.
    pub issued_at: i64,
    /// Its status index.
    pub status_index: u64,
    /// Its state.
    pub state: State,
    /// Why, when not valid.
    pub reason: Option<StatusReason>,
    /// The signer's kid.
    pub kid: [u8; 8],
}

impl VersionView {
    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "identifier": self.identifier,
            "version": self.version,
            "kind": self.kind.label_zh(),
            "issued_at": crate::time::rfc3339(self.issued_at),
            "status_index": self.status_index,
            "state": self.state.name(),
            "reason": self.reason.map(StatusReason::name),
            "kid": hex::encode(&self.kid),
        })
    }
}

/// One certificate found: the current version's public fields, its status and history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupResult {
    /// The current (newest) version.
    pub current: VersionView,
    /// Every version, oldest first.
    pub history: Vec<VersionView>,
    /// The qualification, level and specialty, by name.
    pub qualification: String,
    /// Holder name.
    pub holder_name: String,
    /// Sex.
    pub sex: Sex,
    /// ID document type.
    pub id_type: IdDocType,
    /// ID number with all but the last four characters masked.
    pub masked_id_number: String,
    /// Management number.
    pub management_number: String,
    /// Approval date.
    pub approval_date: Date,
    /// A legacy stock certificate (存量证书).
    pub legacy: bool,
    /// Non-key fields missing under 信息容缺 (legacy stock).
    pub gaps: Vec<&'static str>,
    /// Objections recorded against any version: (id, resolved).
    pub objections: Vec<(i64, bool)>,
}

impl LookupResult {
    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "identifier": self.current.identifier,
            "state": self.current.state.name(),
            "reason": self.current.reason.map(StatusReason::name),
            "qualification": self.qualification,
            "holder_name": self.holder_name,
            "sex": self.sex.label_zh(),
            "id_type": self.id_type.code(),
            "id_number": self.masked_id_number,
            "management_number": self.management_number,
            "approval_date": self.approval_date.to_string(),
            "legacy": self.legacy,
            "gaps": self.gaps,
            "objections": self.objections.iter().map(|(id, resolved)| serde_json::json!({"id": id, "resolved": resolved})).collect::<Vec<_>>(),
            "history": self.history.iter().map(VersionView::to_json).collect::<Vec<_>>(),
        })
    }
}

impl LookupResult {
    /// The public JSON view (art. 22: what the national verification site shows anyone who
    /// holds the certificate or its identifier): the face's fields — qualification, holder
    /// name, sex, ID number masked to its last four characters, management number, approval
    /// date — the current state and the history of versions (identifier, version, kind,
    /// time, state). Status indices, signer kids, objections and 信息容缺 gaps stay with the
    /// operator's view ([`LookupResult::to_json`]).
    pub fn public_json(&self) -> serde_json::Value {
        let version = |v: &VersionView| {
            serde_json::json!({
                "identifier": v.identifier,
                "version": v.version,
                "kind": v.kind.label_zh(),
                "issued_at": crate::time::rfc3339(v.issued_at),
                "state": v.state.name(),
                "reason": v.reason.map(StatusReason::name),
            })
        };
        serde_json::json!({
            "identifier": self.current.identifier,
            "state": self.current.state.name(),
            "reason": self.current.reason.map(StatusReason::name),
            "qualification": self.qualification,
            "holder_name": self.holder_name,
            "sex": self.sex.label_zh(),
            "id_number": self.masked_id_number,
            "management_number": self.management_number,
            "approval_date": self.approval_date.to_string(),
            "history": self.history.iter().map(version).collect::<Vec<_>>(),
        })
    }
}

fn view(tx: &mut dyn Tx, row: &CertificateRow) -> Result<VersionView, crate::Error> {
    let (state, reason) = tx
        .latest_status(row.status_index)?
        .map_or((State::Valid, None), |c| (c.state, Some(c.reason)));
    Ok(VersionView {
        identifier: row.identifier.clone(),
        version: row.version,
        kind: row.kind,
        issued_at: row.issued_at,
        status_index: row.status_index,
        state,
        reason,
        kid: row.kid,
    })
}

fn qualification_name(cert: &Certificate) -> String {
    let Ok(q) = cert.catalogue_entry() else {
        return cert.qualification.code.to_string();
    };
    let mut s = q.name.clone();
    if let Some(l) = q.level(cert.qualification.level) {
        s.push(' ');
        s.push_str(&l.name);
    }
    if let Some(sp) = cert.qualification.specialty.and_then(|c| q.specialty(c)) {
        s.push(' ');
        s.push_str(&sp.name);
    }
    s
}

fn result_for(tx: &mut dyn Tx, serial: &str) -> Result<Option<LookupResult>, crate::Error> {
    let lineage = tx.lineage(serial)?;
    let Some(last) = lineage.last() else {
        return Ok(None);
    };
    let cert: Certificate = last.parse_certificate()?;
    let mut history = Vec::with_capacity(lineage.len());
    let mut objections = Vec::new();
    for row in &lineage {
        history.push(view(tx, row)?);
        for o in tx.objections(row.status_index)? {
            objections.push((o.id, o.outcome.is_some()));
        }
    }
    let current = history
        .last()
        .cloned()
        .ok_or_else(|| RegistryError::inconsistent("empty history"))?;
    let mut gaps = Vec::new();
    if cert.legacy {
        if cert.holder.sex == Sex::Unknown {
            gaps.push("holder.sex");
        }
        if cert.holder.photo_sha256.is_none() {
            gaps.push("holder.photo_sha256");
        }
        if cert.remarks.valid_until.is_none() && cert.catalogue_entry().is_ok_and(|q| q.expires) {
            gaps.push("remarks.valid_until");
        }
    }
    Ok(Some(LookupResult {
        current,
        history,
        qualification: qualification_name(&cert),
        holder_name: cert.holder.name.clone(),
        sex: cert.holder.sex,
        id_type: cert.holder.id_type,
        masked_id_number: cert.holder.masked_id_number(),
        management_number: cert.management.number.clone(),
        approval_date: cert.management.approval_date,
        legacy: cert.legacy,
        gaps,
        objections,
    }))
}

impl Registry {
    /// Finds certificates; each result is one certificate (all its versions). Names must match
    /// a version's holder name exactly; an empty list when nothing matches.
    /// One statement on PostgreSQL when no version has an objection ([`Store::read_one`](super::Store::read_one)).
    pub fn lookup(&mut self, q: &Lookup) -> Result<Vec<LookupResult>, crate::Error> {
        let mut found = None;
        self.store.read_one(&mut |tx| {
            let rows = match q {
                Lookup::Identifier(id) => tx.certificate(id.trim())?.into_iter().collect(),
                Lookup::ManagementNumber { number, name } => tx
                    .by_management_number(number.trim())?
                    .into_iter()
                    .filter(|r| r.holder_name == name.trim())
                    .collect(),
                Lookup::IdNumber { id_number, name } => {
                    let id = id_number.trim();
                    let id = ResidentId::parse(id)
                        .map(|r| r.as_str().to_owned())
                        .unwrap_or_else(|_| id.to_owned());
                    tx.by_id_number(&id)?
                        .into_iter()
                        .filter(|r| r.holder_name == name.trim())
                        .collect::<Vec<_>>()
                }
            };
            let mut serials: Vec<String> = Vec::new();
            for r in rows {
                if !serials.contains(&r.serial) {
                    serials.push(r.serial);
                }
            }
            let mut out = Vec::new();
            for s in serials {
                if let Some(r) = result_for(tx, &s)? {
                    out.push(r);
                }
            }
            found = Some(out);
            Ok(())
        })?;
        found.ok_or_else(|| RegistryError::inconsistent("read returned nothing"))
    }

    /// The certificate versions of every status index, to `f` in index order (export).
    pub fn each_certificate(
        &mut self,
        mut f: impl FnMut(&CertificateRow) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        self.store
            .read(&mut |tx| tx.each_certificate(&mut |row| f(&row)))
    }
}

/// Progress of one batch (art. 23).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressRow {
    /// The examination, when given.
    pub exam: Option<String>,
    /// The examination body.
    pub body: String,
    /// The batch.
    pub batch: String,
    /// When it was received.
    pub received: Date,
    /// Rows accepted (received as valid certificate data).
    pub received_records: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Certificates issued.
    pub issued: u64,
    /// Certificates with a revoked version.
    pub revoked: u64,
    /// Accepted, not issued yet.
    pub pending: u64,
    /// Issued within 20 working days of receipt (art. 10).
    pub issued_within_deadline: u64,
    /// The issuance due day.
    pub due: Date,
}

impl ProgressRow {
    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "exam": self.exam,
            "body": self.body,
            "batch": self.batch,
            "received": self.received.to_string(),
            "received_records": self.received_records,
            "rejected": self.rejected,
            "issued": self.issued,
            "revoked": self.revoked,
            "pending": self.pending,
            "issued_within_deadline": self.issued_within_deadline,
            "due": self.due.to_string(),
        })
    }
}

/// Progress of every batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// One row per batch, in order of receipt.
    pub rows: Vec<ProgressRow>,
    /// Years assumed Monday–Friday.
    pub warnings: Vec<CalendarWarning>,
}

impl Registry {
    /// The progress figures the rules ask to publish (art. 23), per examination and batch.
    pub fn progress(&mut self, calendar: &Calendar) -> Result<Progress, crate::Error> {
        let batches = self.read(|tx| tx.batch_counts())?;
        let mut out = Progress::default();
        for b in batches {
            let received = Date::from_days(china_day(b.submission.received_at))?;
            let (d, w) = calendar.deadline(Step::Issue, received)?;
            for x in w {
                if !out.warnings.contains(&x) {
                    out.warnings.push(x);
                }
            }
            let due = d.due.days_since_epoch();
            let within = b
                .issued_by_day
                .iter()
                .filter(|(day, _)| *day <= due)
                .map(|(_, n)| *n)
                .sum();
            out.rows.push(ProgressRow {
                exam: b.submission.exam.clone(),
                body: b.submission.body.clone(),
                batch: b.submission.batch.clone(),
                received,
                received_records: b.accepted,
                rejected: b.rejected,
                issued: b.issued,
                revoked: b.revoked,
                pending: b.accepted.saturating_sub(b.issued),
                issued_within_deadline: within,
                due: d.due,
            });
        }
        Ok(out)
    }
}
