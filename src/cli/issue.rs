//! `certseal issue`: JSON or CSV records → signed documents, their JSON views and QR payload
//! strings, through `certseal::issue::issue_all`: by default one bundle per batch
//! (`NAME.cbors` + `NAME.jsonl`, `specs/bundle.md`), or with `--layout files` two files per
//! certificate and `qr.txt`. Rejected records go to stderr naming record, field and rule; the
//! accepted ones are issued regardless.

use std::io::Write;
use std::path::{Path, PathBuf};

use certseal::issue::{issue_all, Layout};
use certseal::model::{parse_csv, parse_json, Batch};
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

/// Output layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LayoutArg {
    /// One bundle per batch: NAME.cbors (the signed documents, a CBOR sequence) and
    /// NAME.jsonl (identifier, QR string and view, a line per certificate).
    Bundle,
    /// <identifier>.cbor and <identifier>.json per certificate, and qr.txt.
    Files,
}

/// `certseal issue [--keys DIR] [--format json|csv] [--out DIR] [--layout bundle|files] FILE`, or
/// `certseal issue --pending [--db F]`: the registry's accepted records.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Key directory.
    #[arg(long, default_value = super::DEFAULT_KEYS)]
    keys: PathBuf,
    /// Record format [default: from the file extension].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Directory for the bundle (or the files).
    #[arg(long, default_value = "certseal-issued")]
    out: PathBuf,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = LayoutArg::Bundle)]
    layout: LayoutArg,
    /// Bundle file name without extension [default: the records file's name without its
    /// extension].
    #[arg(long, value_name = "NAME")]
    bundle_name: Option<String>,
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
    /// Seconds other issuing processes leave this run's reservations alone (with --pending;
    /// 0: the store's default, none on SQLite, one hour on PostgreSQL).
    #[cfg(feature = "sqlite")]
    #[arg(long, default_value_t = 0, requires = "pending")]
    lease_secs: i64,
    /// Finish every unfinished reservation of other processes now, whatever their lease (with
    /// --pending; when you know those issuers stopped, e.g. after a crash on PostgreSQL).
    #[cfg(feature = "sqlite")]
    #[arg(long, requires = "pending")]
    take_over: bool,
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
    layout: Layout,
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
        let layout = match (self.layout, self.bundle_name) {
            (LayoutArg::Files, Some(_)) => {
                return Err(usage("--bundle-name is for --layout bundle"));
            }
            (LayoutArg::Files, None) => Layout::Files,
            (LayoutArg::Bundle, name) => {
                let name = name
                    .or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .unwrap_or_else(|| "batch".to_owned());
                if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                    return Err(usage(format!(
                        "--bundle-name: got {name:?}, expected a file name"
                    )));
                }
                Layout::Bundle { name }
            }
        };
        Ok(Plan {
            keys: self.keys,
            format,
            out: self.out,
            layout,
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
        return super::issue_pending::exec(
            &args.db,
            &args.keys,
            args.chunk,
            args.json,
            (args.lease_secs, args.take_over),
            out,
        );
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
        &plan.layout,
        plan.first_status_index,
        super::now(),
    )?;
    for r in &run.rejected {
        super::warn(format_args!("rejected: {r}"));
    }
    writeln!(out, "{run}")?;
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
