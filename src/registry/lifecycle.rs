//! The lifecycle after issuance (rules arts. 15–18, 25–26): change re-issue (换发),
//! replacement (补发), invalidation with its decision, objections, destruction of recovered
//! paper, and the compromise of a signer key (issue 10): the kid revoked and every current
//! certificate it signed re-issued under the active key. Each operation is one transaction:
//! the new version is reserved, signed and recorded together, the predecessor superseded, the
//! audit entry appended; a crash leaves all of it or none of it. Nothing is updated in place:
//! every change of status is a new row of the status log.

use super::issuance::{ensure_signer, first_of, record, sign_all, signer_row};
use super::store::{Assignment, CertificateRow, DestructionRow, ObjectionRow, Tx};
use super::{
    audit, china_day, sha256, Registry, RegistryError, State, StatusChange, StatusReason,
    StatusSubject,
};
use crate::codec::hex;
use crate::issue::Issuer;
use crate::model::{
    masked_but_last4, Certificate, ChangeRecord, Date, IdDocType, IssueKind, Sex, YearMonth,
};
use crate::trust::KeyDir;

/// Certificates re-issued per transaction after a key compromise.
const REKEY_CHUNK: usize = 512;
/// Longest free text (objection, outcome, note, witness).
const MAX_TEXT: usize = 2000;

/// One changed holder field of a change re-issue.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HolderChange {
    /// A new name.
    Name(String),
    /// A new ID document.
    IdNumber {
        /// Its type.
        id_type: IdDocType,
        /// Its number.
        number: String,
    },
    /// A corrected sex.
    Sex(Sex),
    /// A corrected birth year-month.
    Birth(YearMonth),
}

/// Which re-issue.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReissueKind {
    /// 换发 (art. 15): holder data changed; the change recorded in the remarks.
    Change {
        /// The changes.
        changes: Vec<HolderChange>,
        /// The day the change was approved.
        date: Date,
    },
    /// 补发 (art. 16): a new version marked 补发. `paper`: the request is for a paper
    /// replacement, refused once an electronic certificate exists.
    Replacement {
        /// A paper replacement was asked for.
        paper: bool,
    },
}

/// A re-issue request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReissueRequest {
    /// The identifier of the current version.
    pub identifier: String,
    /// Change or replacement.
    pub kind: ReissueKind,
}

/// The new version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reissued {
    /// Its identifier.
    pub identifier: String,
    /// The version it superseded.
    pub predecessor: String,
    /// Its status index.
    pub status_index: u64,
    /// Its version.
    pub version: u16,
    /// Its QR payload.
    pub qr: String,
    /// Its signed document.
    pub document: Vec<u8>,
}

/// The decision behind an invalidation (arts. 17–18).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The deciding body.
    pub body: String,
    /// Its decision reference (文号).
    pub reference: String,
    /// The decision date.
    pub date: Date,
}

/// An invalidation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalidation {
    /// [`StatusReason::Invalidated`] or [`StatusReason::Withdrawn`].
    pub reason: StatusReason,
    /// The decision.
    pub decision: Decision,
    /// A note.
    pub note: Option<String>,
}

/// What revoking a signer key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RekeyReport {
    /// The revoked kid.
    pub kid: [u8; 8],
    /// The status log row revoking it (`None` when it was revoked already: a resumed run).
    pub revoked_seq: Option<u64>,
    /// The kid the re-issued versions are signed with.
    pub new_kid: [u8; 8],
    /// Certificates re-issued in this run.
    pub reissued: u64,
}

fn text(field: &'static str, s: &str) -> Result<(), crate::Error> {
    let n = s.chars().count();
    if n == 0 || n > MAX_TEXT || s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(RegistryError::request(
            field,
            format!("{n} characters, expected 1..={MAX_TEXT} without control characters"),
        ));
    }
    Ok(())
}

/// The state of a version: its latest status row, or valid.
fn state_of(tx: &mut dyn Tx, index: u64) -> Result<(State, Option<StatusReason>), crate::Error> {
    Ok(tx
        .latest_status(index)?
        .map_or((State::Valid, None), |c| (c.state, Some(c.reason))))
}

/// The version `identifier`, which must be the current (newest) one of its certificate and
/// not revoked.
fn actionable(tx: &mut dyn Tx, identifier: &str) -> Result<CertificateRow, crate::Error> {
    let row = tx
        .certificate(identifier)?
        .ok_or_else(|| RegistryError::UnknownCertificate {
            identifier: identifier.to_owned(),
        })?;
    if let (State::Revoked, reason) = state_of(tx, row.status_index)? {
        return Err(RegistryError::Revoked {
            identifier: identifier.to_owned(),
            reason: reason.unwrap_or(StatusReason::Withdrawn),
        }
        .into());
    }
    let lineage = tx.lineage(&row.serial)?;
    if let Some(current) = lineage.last() {
        if current.status_index != row.status_index {
            return Err(RegistryError::NotCurrent {
                identifier: identifier.to_owned(),
                current: current.identifier.clone(),
            }
            .into());
        }
    }
    Ok(row)
}

fn parse_cert(row: &CertificateRow) -> Result<Certificate, crate::Error> {
    row.parse_certificate()
}

fn change_record(date: Date, field: &str, old: String, new: String) -> ChangeRecord {
    ChangeRecord {
        date,
        field: field.to_owned(),
        old: Some(old),
        new: Some(new),
    }
}

/// Applies holder changes, recording each in the remarks; false when nothing changed.
fn apply_changes(cert: &mut Certificate, changes: &[HolderChange], date: Date) -> bool {
    let before = cert.holder.clone();
    for c in changes {
        let h = &mut cert.holder;
        match c {
            HolderChange::Name(n) if *n != h.name => {
                let old = std::mem::replace(&mut h.name, n.clone());
                cert.remarks
                    .changes
                    .push(change_record(date, "holder.name", old, n.clone()));
            }
            HolderChange::IdNumber { id_type, number }
                if *number != h.id_number || *id_type != h.id_type =>
            {
                let old = h.masked_id_number();
                h.id_type = *id_type;
                h.id_number.clone_from(number);
                cert.remarks.changes.push(change_record(
                    date,
                    "holder.id_number",
                    old,
                    masked_but_last4(number),
                ));
            }
            HolderChange::Sex(s) if *s != h.sex => {
                let old = h.sex.label_zh().to_owned();
                h.sex = *s;
                cert.remarks.changes.push(change_record(
                    date,
                    "holder.sex",
                    old,
                    s.label_zh().to_owned(),
                ));
            }
            HolderChange::Birth(b) if *b != h.birth => {
                let old = h.birth.to_string();
                h.birth = *b;
                cert.remarks
                    .changes
                    .push(change_record(date, "holder.birth", old, b.to_string()));
            }
            _ => {}
        }
    }
    cert.holder != before
}

/// A new version of `row`'s certificate as a reservation, validated.
fn next_version(
    tx: &mut dyn Tx,
    row: &CertificateRow,
    cert: Certificate,
    kind: IssueKind,
    owner: &str,
    now: i64,
) -> Result<Assignment, crate::Error> {
    let version = row.version.checked_add(1).ok_or_else(|| {
        RegistryError::request("lifecycle.version", format!("{} has no next", row.version))
    })?;
    let mut cert = cert;
    cert.lifecycle.kind = kind;
    cert.lifecycle.version = version;
    cert.lifecycle.predecessor = Some(row.identifier.clone());
    cert.serial.clone_from(&row.serial);
    let cert = cert.validated()?;
    let json = serde_json::to_string(&cert)
        .map_err(|e| RegistryError::inconsistent(format!("certificate to JSON: {e}")))?;
    let (index, _) = tx.next_numbers(1, 0)?;
    let a = Assignment {
        status_index: index,
        serial: row.serial.clone(),
        version,
        kind,
        record_id: None,
        predecessor: Some(row.status_index),
        certificate: json,
        owner: owner.to_owned(),
        lease_until: now,
        reserved_at: now,
    };
    tx.insert_assignment(&a)?;
    Ok(a)
}

impl Registry {
    /// A change re-issue (换发) or replacement (补发) of the current version `req.identifier`:
    /// a new version (identifier version + 1, new status index, predecessor linked) signed by
    /// `keys`' active signer; the old version superseded; one transaction.
    pub fn reissue(
        &mut self,
        keys: &KeyDir,
        req: &ReissueRequest,
        now: i64,
    ) -> Result<Reissued, crate::Error> {
        let issuer = Issuer::from_key_dir(keys, now)?;
        let actor = self.actor.clone();
        self.write(|tx| {
            let row = actionable(tx, &req.identifier)?;
            let mut cert = parse_cert(&row)?;
            let (kind, reason, operation) = match &req.kind {
                ReissueKind::Change { changes, date } => {
                    if !apply_changes(&mut cert, changes, *date) {
                        return Err(RegistryError::NothingChanged {
                            identifier: row.identifier.clone(),
                        }
                        .into());
                    }
                    (IssueKind::Change, StatusReason::Change, "reissue.change")
                }
                ReissueKind::Replacement { paper: true } => {
                    return Err(RegistryError::PaperReplacementRefused {
                        identifier: row.identifier.clone(),
                    }
                    .into())
                }
                ReissueKind::Replacement { paper: false } => (
                    IssueKind::Replacement,
                    StatusReason::Replacement,
                    "reissue.replacement",
                ),
            };
            let signer = signer_row(tx, keys, now)?;
            let a = next_version(tx, &row, cert, kind, &actor, now)?;
            let signed = sign_all(&issuer, std::slice::from_ref(&a), now)?;
            record(tx, &signed, &signer, now, &actor, operation, reason)?;
            let (a, issued) =
                first_of(&signed).ok_or_else(|| RegistryError::inconsistent("nothing signed"))?;
            Ok(Reissued {
                identifier: issued.identifier.clone(),
                predecessor: row.identifier.clone(),
                status_index: a.status_index,
                version: a.version,
                qr: issued.qr.clone(),
                document: issued.document.clone(),
            })
        })
    }

    /// Invalidates (无效) or withdraws the certificate with identifier `identifier` (any of its
    /// versions): every version not revoked yet is revoked at this moment, with the decision.
    /// Returns the status log sequence numbers written.
    pub fn invalidate(
        &mut self,
        identifier: &str,
        inv: &Invalidation,
        now: i64,
    ) -> Result<Vec<u64>, crate::Error> {
        if !matches!(
            inv.reason,
            StatusReason::Invalidated | StatusReason::Withdrawn
        ) {
            return Err(RegistryError::request(
                "reason",
                format!("{}, expected invalidated or withdrawn", inv.reason),
            ));
        }
        text("decision.body", &inv.decision.body)?;
        text("decision.reference", &inv.decision.reference)?;
        if let Some(n) = &inv.note {
            text("note", n)?;
        }
        let actor = self.actor.clone();
        self.write(|tx| {
            let row =
                tx.certificate(identifier)?
                    .ok_or_else(|| RegistryError::UnknownCertificate {
                        identifier: identifier.to_owned(),
                    })?;
            let lineage = tx.lineage(&row.serial)?;
            let current = lineage.last().unwrap_or(&row);
            if let (State::Revoked, reason) = state_of(tx, current.status_index)? {
                return Err(RegistryError::Revoked {
                    identifier: current.identifier.clone(),
                    reason: reason.unwrap_or(inv.reason),
                }
                .into());
            }
            let mut seqs = Vec::new();
            for v in &lineage {
                let (state, _) = state_of(tx, v.status_index)?;
                if state.may_become(State::Revoked) {
                    seqs.push(tx.append_status(&StatusChange {
                        seq: 0,
                        subject: StatusSubject::Index(v.status_index),
                        state: State::Revoked,
                        reason: inv.reason,
                        at: now,
                        actor: actor.clone(),
                        decision: Some(inv.decision.clone()),
                        note: inv.note.clone(),
                    })?);
                }
            }
            let payload = sha256(
                serde_json::json!({
                    "identifier": current.identifier,
                    "reason": inv.reason.name(),
                    "body": inv.decision.body,
                    "reference": inv.decision.reference,
                    "date": inv.decision.date.to_string(),
                    "note": inv.note,
                    "seqs": seqs,
                })
                .to_string()
                .as_bytes(),
            );
            audit::append(tx, now, &actor, "revoke", &current.identifier, payload)?;
            Ok(seqs)
        })
    }

    /// Records an objection (异议, art. 25) against certificate version `identifier`.
    pub fn file_objection(
        &mut self,
        identifier: &str,
        filed_by: &str,
        what: &str,
        now: i64,
    ) -> Result<i64, crate::Error> {
        text("filed_by", filed_by)?;
        text("text", what)?;
        let actor = self.actor.clone();
        self.write(|tx| {
            let row = tx
                .certificate(identifier)?
                .ok_or_else(|| RegistryError::UnknownCertificate {
                    identifier: identifier.to_owned(),
                })?;
            let id = tx.insert_objection(&ObjectionRow {
                id: 0,
                status_index: row.status_index,
                filed_at: now,
                filed_by: filed_by.to_owned(),
                text: what.to_owned(),
                actor: actor.clone(),
                outcome: None,
            })?;
            let payload = sha256(
                serde_json::json!({"objection": id, "identifier": identifier, "filed_by": filed_by, "text": what})
                    .to_string()
                    .as_bytes(),
            );
            audit::append(tx, now, &actor, "objection.file", identifier, payload)?;
            Ok(id)
        })
    }

    /// Records the outcome of objection `id`; an objection is resolved once.
    pub fn resolve_objection(
        &mut self,
        id: i64,
        outcome: &str,
        now: i64,
    ) -> Result<(), crate::Error> {
        text("outcome", outcome)?;
        let actor = self.actor.clone();
        self.write(|tx| {
            let o = tx
                .objection(id)?
                .ok_or(RegistryError::UnknownObjection { id })?;
            if o.outcome.is_some() {
                return Err(RegistryError::ObjectionResolved { id }.into());
            }
            tx.resolve_objection(id, now, outcome, &actor)?;
            let payload = sha256(
                serde_json::json!({"objection": id, "outcome": outcome})
                    .to_string()
                    .as_bytes(),
            );
            audit::append(
                tx,
                now,
                &actor,
                "objection.resolve",
                &format!("objection {id}"),
                payload,
            )?;
            Ok(())
        })
    }

    /// The objections against version `identifier`.
    pub fn objections(&mut self, identifier: &str) -> Result<Vec<ObjectionRow>, crate::Error> {
        self.read(|tx| {
            let row =
                tx.certificate(identifier)?
                    .ok_or_else(|| RegistryError::UnknownCertificate {
                        identifier: identifier.to_owned(),
                    })?;
            tx.objections(row.status_index)
        })
    }

    /// Records that the recovered paper certificate of version `identifier` was destroyed
    /// (art. 26), on `on`, witnessed by `witness`.
    pub fn record_destruction(
        &mut self,
        identifier: &str,
        on: Date,
        witness: &str,
        note: Option<&str>,
        now: i64,
    ) -> Result<(), crate::Error> {
        text("witness", witness)?;
        if let Some(n) = note {
            text("note", n)?;
        }
        let actor = self.actor.clone();
        self.write(|tx| {
            let row = tx
                .certificate(identifier)?
                .ok_or_else(|| RegistryError::UnknownCertificate {
                    identifier: identifier.to_owned(),
                })?;
            if let Some(d) = tx.destruction(row.status_index)? {
                return Err(RegistryError::AlreadyDestroyed {
                    identifier: identifier.to_owned(),
                    on: Date::from_days(d.destroyed_on)?,
                }
                .into());
            }
            tx.insert_destruction(&DestructionRow {
                status_index: row.status_index,
                destroyed_on: on.days_since_epoch(),
                witness: witness.to_owned(),
                note: note.map(str::to_owned),
                actor: actor.clone(),
                at: now,
            })?;
            let payload = sha256(
                serde_json::json!({"identifier": identifier, "on": on.to_string(), "witness": witness, "note": note})
                    .to_string()
                    .as_bytes(),
            );
            audit::append(tx, now, &actor, "destroy.paper", identifier, payload)?;
            Ok(())
        })
    }

    /// A signer key was compromised (issue 10): records `kid` as revoked in the status log
    /// (verifiers refuse everything it signed, whatever the `iat`), then re-issues every
    /// current, valid certificate it signed under `keys`' active signer (a different key):
    /// a new version with a new status index and the change recorded in the remarks, the old
    /// one superseded, 512 to a transaction. Running it again resumes.
    pub fn revoke_signer(
        &mut self,
        kid: [u8; 8],
        keys: &KeyDir,
        note: Option<&str>,
        now: i64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<RekeyReport, crate::Error> {
        if let Some(n) = note {
            text("note", n)?;
        }
        let issuer = Issuer::from_key_dir(keys, now)?;
        if issuer.kid() == kid {
            return Err(RegistryError::SameSigner {
                kid: hex::encode(&kid),
            }
            .into());
        }
        let actor = self.actor.clone();
        let revoked_seq = self.write(|tx| {
            if tx
                .kid_status(&kid)?
                .is_some_and(|c| c.state == State::Revoked)
            {
                return Ok(None);
            }
            let seq = tx.append_status(&StatusChange {
                seq: 0,
                subject: StatusSubject::Kid(kid),
                state: State::Revoked,
                reason: StatusReason::SignerCompromised,
                at: now,
                actor: actor.clone(),
                decision: None,
                note: note.map(str::to_owned),
            })?;
            let payload = sha256(
                serde_json::json!({"kid": hex::encode(&kid), "note": note, "seq": seq})
                    .to_string()
                    .as_bytes(),
            );
            audit::append(
                tx,
                now,
                &actor,
                "revoke.signer",
                &hex::encode(&kid),
                payload,
            )?;
            Ok(Some(seq))
        })?;
        let today = Date::from_days(china_day(now))?;
        let new_kid = issuer.kid();
        let mut after: Option<u64> = None;
        let mut reissued = 0u64;
        loop {
            let (n, last) = self.write(|tx| {
                let rows = tx.by_kid(&kid, after, REKEY_CHUNK)?;
                let Some(last) = rows.last().map(|r| r.status_index) else {
                    return Ok((0u64, None));
                };
                let signer = signer_row(tx, keys, now)?;
                ensure_signer(tx, &signer)?;
                let mut assignments = Vec::new();
                for row in &rows {
                    if state_of(tx, row.status_index)?.0 != State::Valid {
                        continue;
                    }
                    let mut cert = parse_cert(row)?;
                    cert.remarks.changes.push(change_record(
                        today,
                        "signer.kid",
                        hex::encode(&kid),
                        hex::encode(&new_kid),
                    ));
                    let kind = match row.kind {
                        IssueKind::Original => IssueKind::Change,
                        other => other,
                    };
                    assignments.push(next_version(tx, row, cert, kind, &actor, now)?);
                }
                if assignments.is_empty() {
                    return Ok((0, Some(last)));
                }
                let signed = sign_all(&issuer, &assignments, now)?;
                record(
                    tx,
                    &signed,
                    &signer,
                    now,
                    &actor,
                    "reissue.rekey",
                    StatusReason::SignerCompromised,
                )?;
                Ok((u64::try_from(signed.len()).unwrap_or(u64::MAX), Some(last)))
            })?;
            reissued = reissued.saturating_add(n);
            progress(reissued);
            match last {
                Some(l) => after = Some(l),
                None => break,
            }
        }
        Ok(RekeyReport {
            kid,
            revoked_seq,
            new_kid,
            reissued,
        })
    }
}
