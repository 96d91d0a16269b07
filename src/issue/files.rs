//! A whole issue run to files: every accepted record of a batch issued with the signer of a
//! key directory, each signed document checked by the verifier, and `<identifier>.cbor`,
//! `<identifier>.json` and `qr.txt` written into one folder. The CLI's `issue` and `demo`
//! call [`issue_all`]; an HTTP or C face calls the same.

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::claims::document::Document;
use crate::claims::payload::qr_version_q;
use crate::model::{Batch, Certificate, RecordError};
use crate::time::FixedClock;
use crate::trust::KeyDir;
use crate::verify::{DocumentVerdict, Reason, Verifier};

use super::{Issued, Issuer};

/// A record that was not issued.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// The record broke a rule of the model (record number, field, rule).
    Record(RecordError),
    /// The record was valid but signing failed.
    Issue {
        /// The 1-based record number.
        record: usize,
        /// What failed.
        error: crate::Error,
    },
    /// The signed document did not verify: a fault of the signer, never of the record.
    SelfCheck {
        /// The 1-based record number.
        record: usize,
        /// Why the document did not verify.
        reason: Reason,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Record(e) => write!(f, "{e}"),
            Rejection::Issue { record, error } => write!(f, "record {record}: issue: {error}"),
            Rejection::SelfCheck { record, reason } => write!(
                f,
                "record {record}: issue: the signed document does not verify: {reason}"
            ),
        }
    }
}

/// What an issue run made.
#[derive(Debug)]
pub struct IssueRun {
    /// Issued certificates with their record numbers.
    pub issued: Vec<(usize, Certificate, Issued)>,
    /// The records not issued, in input order within each kind.
    pub rejected: Vec<Rejection>,
    /// Where the files went.
    pub dir: PathBuf,
}

/// `issued N, rejected M; payload A..B characters, QR version X..Y at level Q; documents,
/// JSON views and qr.txt in DIR`.
impl fmt::Display for IssueRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lens = self.issued.iter().map(|(_, _, i)| i.qr.len());
        let (min, max) = (lens.clone().min(), lens.max());
        write!(
            f,
            "issued {}, rejected {}",
            self.issued.len(),
            self.rejected.len()
        )?;
        if let (Some(min), Some(max)) = (min, max) {
            let v = |n| qr_version_q(n).map_or_else(|| "none".to_string(), |v| v.to_string());
            write!(
                f,
                "; payload {min}..{max} characters, QR version {}..{} at level Q",
                v(min),
                v(max)
            )?;
        }
        write!(
            f,
            "; documents, JSON views and qr.txt in {}",
            self.dir.display()
        )
    }
}

/// Issues every accepted record of `batch` with the signer of `keys` valid at `now` (status
/// indices from `first_status_index` in record order, when given), checks each signed
/// document with a verifier over the directory's trust store, and writes
/// `<identifier>.cbor`, `<identifier>.json` (the document's JSON view) and `qr.txt`
/// (`identifier<TAB>payload` a line) into `dir`, made if missing. A record that cannot be
/// issued is rejected; the others are issued regardless.
pub fn issue_all(
    keys: &KeyDir,
    batch: Batch,
    dir: &Path,
    first_status_index: Option<u64>,
    now: i64,
) -> Result<IssueRun, crate::Error> {
    let issuer = Issuer::from_key_dir(keys, now)?;
    let verifier = Verifier::new(keys.trust_store()?).with_clock(FixedClock(now));
    let mut rejected: Vec<Rejection> = batch.rejected.into_iter().map(Rejection::Record).collect();
    let (records, certs): (Vec<usize>, Vec<Certificate>) = batch.accepted.into_iter().unzip();
    let results = issuer.issue_batch(&certs, first_status_index, now);
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let mut issued = Vec::with_capacity(certs.len());
    let mut qr_txt = String::new();
    for ((record, cert), result) in records.into_iter().zip(certs).zip(results) {
        let i = match result {
            Ok(i) => i,
            Err(error) => {
                rejected.push(Rejection::Issue { record, error });
                continue;
            }
        };
        let document = match checked(verifier.verify_document_at(&i.document, now)) {
            Ok(doc) => doc,
            Err(reason) => {
                rejected.push(Rejection::SelfCheck { record, reason });
                continue;
            }
        };
        let json = serde_json::to_string_pretty(&document.to_json()).unwrap_or_default();
        write(&dir.join(format!("{}.cbor", i.identifier)), &i.document)?;
        write(&dir.join(format!("{}.json", i.identifier)), json.as_bytes())?;
        let _ = writeln!(qr_txt, "{}\t{}", i.identifier, i.qr);
        issued.push((record, cert, i));
    }
    write(&dir.join("qr.txt"), qr_txt.as_bytes())?;
    Ok(IssueRun {
        issued,
        rejected,
        dir: dir.to_path_buf(),
    })
}

/// The document of a freshly signed file that verified. A qualification that has already
/// expired may still be issued (legacy stock), so an `expired` verdict passes the check.
fn checked(v: DocumentVerdict) -> Result<Document, Reason> {
    match (v.result, v.document) {
        (Ok(()) | Err(Reason::Expired { .. }), Some(doc)) => Ok(doc),
        (Err(reason), _) => Err(reason),
        // Cannot happen: a valid verdict carries its document.
        (Ok(()), None) => Err(Reason::Signature),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), crate::Error> {
    std::fs::write(path, bytes).map_err(|e| crate::Error::io(path, e))
}
