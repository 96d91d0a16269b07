//! A whole issue run to files: every accepted record of a batch issued with the signer of a
//! key directory, each signed document checked by the verifier, and the results written into
//! one folder in a [`Layout`]: a bundle per batch (`specs/bundle.md`: `<name>.cbors`, the
//! signed documents as one CBOR sequence, and `<name>.jsonl`, one line of identifier, QR
//! string and view per certificate), or one `<identifier>.cbor` and `<identifier>.json` per
//! certificate beside `qr.txt`. The CLI's `issue` and `demo` call [`issue_all`]; an HTTP or C
//! face calls the same.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{BufWriter, Write as _};
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

/// How an issue run lays out what it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// One bundle for the batch (`specs/bundle.md`): `<name>.cbors` and `<name>.jsonl`.
    Bundle {
        /// The bundle's file name without extension.
        name: String,
    },
    /// Two files per certificate, `<identifier>.cbor` and `<identifier>.json`, and `qr.txt`
    /// (`identifier<TAB>payload` a line).
    Files,
}

impl Layout {
    /// The files a run in this layout writes into `dir`, besides the per-certificate ones.
    fn describe(&self, dir: &Path) -> String {
        match self {
            Layout::Bundle { name } => format!(
                "bundle {} and {}",
                dir.join(format!("{name}.cbors")).display(),
                dir.join(format!("{name}.jsonl")).display()
            ),
            Layout::Files => format!("documents, JSON views and qr.txt in {}", dir.display()),
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
    /// How they were laid out.
    pub layout: Layout,
}

/// `issued N, rejected M; payload A..B characters, QR version X..Y at level Q; bundle
/// DIR/NAME.cbors and DIR/NAME.jsonl` (or `documents, JSON views and qr.txt in DIR`).
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
        write!(f, "; {}", self.layout.describe(&self.dir))
    }
}

/// Issues every accepted record of `batch` with the signer of `keys` valid at `now` (status
/// indices from `first_status_index` in record order, when given), checks each signed
/// document with a verifier over the directory's trust store, and writes them into `dir`
/// (made if missing) in `layout`. A record that cannot be issued is rejected; the others are
/// issued regardless. A bundle's two files are written under temporary names and renamed
/// when complete, so a bundle that exists is whole.
pub fn issue_all(
    keys: &KeyDir,
    batch: Batch,
    dir: &Path,
    layout: &Layout,
    first_status_index: Option<u64>,
    now: i64,
) -> Result<IssueRun, crate::Error> {
    let issuer = Issuer::from_key_dir(keys, now)?;
    let verifier = Verifier::new(keys.trust_store()?).with_clock(FixedClock(now));
    let mut rejected: Vec<Rejection> = batch.rejected.into_iter().map(Rejection::Record).collect();
    let (records, certs): (Vec<usize>, Vec<Certificate>) = batch.accepted.into_iter().unzip();
    let results = issuer.issue_batch(&certs, first_status_index, now);
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let mut sink = Sink::new(dir, layout)?;
    let mut issued = Vec::with_capacity(certs.len());
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
        sink.add(record, &i, &document)?;
        issued.push((record, cert, i));
    }
    sink.finish()?;
    Ok(IssueRun {
        issued,
        rejected,
        dir: dir.to_path_buf(),
        layout: layout.clone(),
    })
}

/// One line of a bundle's `.jsonl`: members in this order.
#[derive(serde::Serialize)]
struct BundleLine<'a> {
    identifier: &'a str,
    qr: &'a str,
    record: usize,
    view: serde_json::Value,
}

/// Where an issue run's output goes, certificate by certificate.
enum Sink {
    Bundle { cbors: Staged, jsonl: Staged },
    Files { dir: PathBuf, qr_txt: String },
}

/// A file written under `<path>.tmp` and renamed to `path` when complete.
struct Staged {
    path: PathBuf,
    tmp: PathBuf,
    w: BufWriter<File>,
}

impl Staged {
    fn create(path: PathBuf) -> Result<Self, crate::Error> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp).map_err(|e| crate::Error::io(&tmp, e))?;
        Ok(Staged {
            path,
            tmp,
            w: BufWriter::with_capacity(1 << 20, file),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), crate::Error> {
        self.w
            .write_all(bytes)
            .map_err(|e| crate::Error::io(&self.tmp, e))
    }

    fn finish(mut self) -> Result<(), crate::Error> {
        self.w.flush().map_err(|e| crate::Error::io(&self.tmp, e))?;
        drop(self.w);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| crate::Error::io(&self.path, e))
    }
}

impl Sink {
    fn new(dir: &Path, layout: &Layout) -> Result<Self, crate::Error> {
        Ok(match layout {
            Layout::Bundle { name } => Sink::Bundle {
                cbors: Staged::create(dir.join(format!("{name}.cbors")))?,
                jsonl: Staged::create(dir.join(format!("{name}.jsonl")))?,
            },
            Layout::Files => Sink::Files {
                dir: dir.to_path_buf(),
                qr_txt: String::new(),
            },
        })
    }

    fn add(&mut self, record: usize, i: &Issued, document: &Document) -> Result<(), crate::Error> {
        match self {
            Sink::Bundle { cbors, jsonl } => {
                cbors.write(&i.document)?;
                let line = BundleLine {
                    identifier: &i.identifier,
                    qr: &i.qr,
                    record,
                    view: document.to_json(),
                };
                let mut text = serde_json::to_vec(&line).unwrap_or_default();
                text.push(b'\n');
                jsonl.write(&text)
            }
            Sink::Files { dir, qr_txt } => {
                let json = serde_json::to_string_pretty(&document.to_json()).unwrap_or_default();
                write(&dir.join(format!("{}.cbor", i.identifier)), &i.document)?;
                write(&dir.join(format!("{}.json", i.identifier)), json.as_bytes())?;
                let _ = writeln!(qr_txt, "{}\t{}", i.identifier, i.qr);
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), crate::Error> {
        match self {
            Sink::Bundle { cbors, jsonl } => {
                cbors.finish()?;
                jsonl.finish()
            }
            Sink::Files { dir, qr_txt } => write(&dir.join("qr.txt"), qr_txt.as_bytes()),
        }
    }
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
