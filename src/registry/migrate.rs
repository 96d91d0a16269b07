//! `certseal registry migrate` (feature `postgres`): an SQLite registry copied into PostgreSQL
//! and the copy checked — every table's row count, the status log's head, the audit chain
//! (verified on the copy, anchored at the source's head), every certificate row (a digest of
//! all rows on both sides) and every certificate's signature (each stored document verified
//! with the trust store at its time of issue). Owns the checks only: the row copy is the
//! backend's ([`PgStore::import_sqlite`]); nothing here writes SQL.

use std::path::Path;

use super::{PgStore, Registry, RegistryError, StatusHead};
use crate::trust::TrustStore;
use crate::verify::Verifier;

/// What a migration copied and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationReport {
    /// Each table with its row count (source = copy).
    pub tables: Vec<(&'static str, u64)>,
    /// The status log's head on both sides.
    pub status_head: StatusHead,
    /// Audit entries verified on the copy.
    pub audit_entries: u64,
    /// Certificates whose document signature verified on the copy.
    pub certificates_verified: u64,
}

/// A digest of every certificate row (all fields), in status index order.
fn certificates_digest(r: &mut Registry) -> Result<([u8; 32], u64), crate::Error> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut n = 0u64;
    r.each_certificate(|c| {
        let line = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}",
            c.status_index,
            c.identifier,
            c.serial,
            c.version,
            c.kind.code(),
            c.predecessor,
            c.record_id,
            c.management_number,
            c.holder_name,
            c.id_number,
            c.qualification,
            c.legacy,
            c.kid,
            c.issued_at,
            c.certificate,
            c.qr,
        );
        ctx.update(&(line.len() as u64).to_be_bytes());
        ctx.update(line.as_bytes());
        ctx.update(&(c.document.len() as u64).to_be_bytes());
        ctx.update(&c.document);
        n = n.saturating_add(1);
        Ok(())
    })?;
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok((out, n))
}

fn mismatch(what: impl Into<String>) -> crate::Error {
    RegistryError::inconsistent(format!("migration check: {}", what.into()))
}

/// Copies the SQLite registry `from` into the empty PostgreSQL registry at `to` and checks the
/// copy; `trust` verifies the documents' signatures. The copy is one transaction: a failed
/// copy leaves `to` empty. A failed check leaves the copy in place and returns the mismatch
/// (drop the database before trying again).
pub fn migrate_sqlite_to_postgres(
    from: &Path,
    to: &str,
    trust: TrustStore,
) -> Result<MigrationReport, crate::Error> {
    // Opening applies the source's pending migrations (and refuses a newer schema).
    let mut src = Registry::open(from)?;
    let src_head = src.status_head()?;
    let src_audit = src.audit_head()?;
    let (src_digest, src_certs) = certificates_digest(&mut src)?;
    drop(src);

    let mut store = PgStore::open(to)?;
    let tables = store.import_sqlite(from)?;
    let copied = store.table_counts()?;
    if copied != tables {
        return Err(mismatch(format!(
            "row counts: source {tables:?}, copy {copied:?}"
        )));
    }
    let mut dst = Registry::new(Box::new(store));
    let head = dst.status_head()?;
    if head != src_head {
        return Err(mismatch(format!(
            "status head: source {src_head:?}, copy {head:?}"
        )));
    }
    let audit = dst.verify_audit(src_audit)?;
    if !audit.is_intact() {
        return Err(mismatch(format!("audit chain: {:?}", audit.findings)));
    }
    let (digest, n) = certificates_digest(&mut dst)?;
    if (digest, n) != (src_digest, src_certs) {
        return Err(mismatch(format!(
            "certificate rows differ ({src_certs} in the source, {n} in the copy)"
        )));
    }
    let verifier = Verifier::new(trust);
    let mut verified = 0u64;
    let mut bad = None;
    dst.each_certificate(|c| {
        let v = verifier.verify_document_at(&c.document, c.issued_at);
        match &v.document {
            Some(d) if d.identifier == c.identifier => verified = verified.saturating_add(1),
            _ => {
                if bad.is_none() {
                    bad = Some(format!("{}: {:?}", c.identifier, v.result));
                }
            }
        }
        Ok(())
    })?;
    if let Some(b) = bad {
        return Err(mismatch(format!(
            "signature of {b} does not verify with the trust store"
        )));
    }
    Ok(MigrationReport {
        tables,
        status_head: head,
        audit_entries: audit.entries,
        certificates_verified: verified,
    })
}
