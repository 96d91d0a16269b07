//! `certseal issue`: JSON or CSV records → signed documents (`<identifier>.cbor`), their JSON
//! views (`<identifier>.json`) and QR payload strings (`qr.txt`), through
//! `Issuer::issue_batch`. Rejected records go to stderr naming record, field and rule; the
//! accepted ones are issued regardless.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use certseal::document::Document;
use certseal::issue::{Issued, Issuer};
use certseal::model::{parse_csv, parse_json, Batch, Certificate};
use certseal::payload::qr_version_q;
use certseal::trust::KeyDir;

use super::{usage, CliError, CliResult, Outcome};

/// Record file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A JSON array of records (or one object a line).
    Json,
    /// CSV with a header row.
    Csv,
}

/// `certseal issue [--keys DIR] [--format json|csv] [--out DIR] FILE`, or
/// `certseal issue --pending [--db F]`: the registry's accepted records.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Key directory.
    #[arg(long, default_value = super::DEFAULT_KEYS)]
    keys: PathBuf,
    /// Record format [default: from the file extension].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Directory for the documents, their JSON views and qr.txt.
    #[arg(long, default_value = "certseal-issued")]
    out: PathBuf,
    /// Assign status indices from this number on (in record order).
    #[arg(long)]
    status_index_from: Option<u64>,
    /// Issue the registry's accepted, not yet issued records (see `submit`) instead of a file.
    #[cfg(feature = "sqlite")]
    #[arg(long, conflicts_with_all = ["file", "out", "format", "status_index_from"])]
    pending: bool,
    /// Records reserved, signed and stored together with --pending.
    #[cfg(feature = "sqlite")]
    #[arg(long, default_value_t = 1024, requires = "pending")]
    chunk: usize,
    /// Print one JSON object (with --pending).
    #[cfg(feature = "sqlite")]
    #[arg(long, requires = "pending")]
    json: bool,
    #[cfg(feature = "sqlite")]
    #[command(flatten)]
    db: super::registry::DbFlags,
    /// The records file.
    #[cfg_attr(feature = "sqlite", arg(required_unless_present = "pending"))]
    file: Option<PathBuf>,
}

/// The resolved plan.
struct Plan {
    keys: PathBuf,
    format: Format,
    out: PathBuf,
    first_status_index: Option<u64>,
    file: PathBuf,
}

impl Args {
    fn resolve(self) -> Result<Plan, CliError> {
        let file = self
            .file
            .ok_or_else(|| usage("give a records FILE (or --pending)"))?;
        let format = match self.format {
            Some(f) => f,
            None => format_of(&file).ok_or_else(|| {
                usage(format!(
                    "{}: cannot tell the format from the extension; give --format json|csv",
                    file.display()
                ))
            })?,
        };
        Ok(Plan {
            keys: self.keys,
            format,
            out: self.out,
            first_status_index: self.status_index_from,
            file,
        })
    }
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" | "jsonl" | "ndjson" => Some(Format::Json),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    #[cfg(feature = "sqlite")]
    if args.pending {
        return super::issue_pending::exec(&args.db, &args.keys, args.chunk, args.json, out);
    }
    let plan = args.resolve()?;
    let bytes = super::read_file_capped(&plan.file, certseal::model::MAX_INPUT_BYTES)?;
    let batch = parse(plan.format, &bytes)
        .map_err(|e| CliError::Failed(format!("{}: {e}", plan.file.display())))?;
    let keys = KeyDir::open(&plan.keys)?;
    let run = issue_all(
        &keys,
        batch,
        &plan.out,
        plan.first_status_index,
        super::now(),
    )?;
    for r in &run.rejected {
        super::warn(format_args!("rejected: {r}"));
    }
    writeln!(out, "{}", run.summary())?;
    Ok(if run.rejected.is_empty() {
        Outcome::Ok
    } else {
        Outcome::NotValid
    })
}

/// Parses a records file.
pub(crate) fn parse(format: Format, bytes: &[u8]) -> Result<Batch, certseal::model::ModelError> {
    match format {
        Format::Json => parse_json(bytes),
        Format::Csv => parse_csv(bytes),
    }
}

/// What an issue run made.
pub(crate) struct IssueRun {
    /// Issued certificates with their record numbers.
    pub(crate) issued: Vec<(usize, Certificate, Issued)>,
    /// Refusals, as `record N: field: rule`.
    pub(crate) rejected: Vec<String>,
    /// Where the files went.
    pub(crate) dir: PathBuf,
}

impl IssueRun {
    /// `issued N, rejected M; payload …`.
    pub(crate) fn summary(&self) -> String {
        let lens = self.issued.iter().map(|(_, _, i)| i.qr.len());
        let (min, max) = (lens.clone().min(), lens.max());
        let mut s = format!(
            "issued {}, rejected {}",
            self.issued.len(),
            self.rejected.len()
        );
        if let (Some(min), Some(max)) = (min, max) {
            let v = |n| qr_version_q(n).map_or_else(|| "none".to_string(), |v| v.to_string());
            let _ = write!(
                s,
                "; payload {min}..{max} characters, QR version {}..{} at level Q",
                v(min),
                v(max)
            );
        }
        let _ = write!(
            s,
            "; documents, JSON views and qr.txt in {}",
            self.dir.display()
        );
        s
    }
}

/// Issues every accepted record of `batch` with the signer of `keys` valid at `now`, writes
/// `<identifier>.cbor`, `<identifier>.json` and `qr.txt` (`identifier<TAB>payload` a line)
/// into `dir`.
pub(crate) fn issue_all(
    keys: &KeyDir,
    batch: Batch,
    dir: &Path,
    first_status_index: Option<u64>,
    now: i64,
) -> Result<IssueRun, CliError> {
    let issuer = Issuer::from_key_dir(keys, now)?;
    let trust = keys.trust_store()?;
    let mut rejected: Vec<String> = batch.rejected.iter().map(ToString::to_string).collect();
    let (records, certs): (Vec<usize>, Vec<Certificate>) = batch.accepted.into_iter().unzip();
    let results = issuer.issue_batch(&certs, first_status_index, now);
    super::make_dir(dir)?;
    let mut issued = Vec::with_capacity(certs.len());
    let mut qr_txt = String::new();
    for ((record, cert), result) in records.into_iter().zip(certs).zip(results) {
        match result {
            Ok(i) => {
                let view = Document::verify(&i.document, &trust)?.to_json();
                let json = serde_json::to_string_pretty(&view)
                    .map_err(|e| CliError::Failed(format!("JSON view: {e}")))?;
                super::write(&dir.join(format!("{}.cbor", i.identifier)), &i.document)?;
                super::write(&dir.join(format!("{}.json", i.identifier)), json.as_bytes())?;
                let _ = writeln!(qr_txt, "{}\t{}", i.identifier, i.qr);
                issued.push((record, cert, i));
            }
            Err(e) => rejected.push(format!("record {record}: issue: {e}")),
        }
    }
    super::write(&dir.join("qr.txt"), qr_txt.as_bytes())?;
    Ok(IssueRun {
        issued,
        rejected,
        dir: dir.to_path_buf(),
    })
}
