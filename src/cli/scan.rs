//! `certseal scan`: photos and scans (PNG, JPEG; folders walked) → every QR code in each →
//! verified, in parallel on a pool of `--jobs` threads, with a progress bar on stderr. One
//! library call per image (`certseal::qr::verified::scan_and_verify_file`); this file walks folders,
//! prints records (table or `--json` lines), the summary and the `--report` CSV.
//!
//! Exit 0 when every image held codes and every code is a valid certseal payload, 1 when some
//! code is not valid (or not a certseal payload) or some image is unreadable, 2 on a usage or
//! input error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use certseal::qr::scan::ScanLimits;
use certseal::qr::verified::{scan_and_verify_file, CodeVerdict, ScanRecord, ScanSummary};
use certseal::verify::stream::csv_cell as cell;
use certseal::verify::Verifier;
use certseal::FixedClock;

use super::verify::{load_trust, with_status, StatusSource, TrustFlags, TrustSource};
use super::{usage, CliError, CliResult, Outcome};

/// Image file extensions picked up when walking a folder.
const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// `certseal scan [--json] [--jobs N] [--report FILE.csv] [trust] [--at T] FILE|DIR...`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Image files (PNG, JPEG) and folders to walk (their .png, .jpg and .jpeg files).
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
    /// One JSON object per image, then a `{"summary": …}` line, instead of a table.
    #[arg(long)]
    json: bool,
    /// Decode with this many threads [default: one per CPU].
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Also write the records as CSV to this file (one row per code, or per unreadable image).
    #[arg(long, value_name = "FILE.csv")]
    report: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustFlags,
}

struct Plan {
    files: Vec<PathBuf>,
    json: bool,
    jobs: Option<usize>,
    report: Option<PathBuf>,
    trust: TrustSource,
    status: StatusSource,
    at: Option<i64>,
}

impl Args {
    fn resolve(self) -> Result<Plan, CliError> {
        let at = self.trust.at()?;
        if self.jobs == Some(0) {
            return Err(usage("--jobs: got 0, expected at least 1"));
        }
        let mut files = Vec::new();
        for p in &self.paths {
            collect_images(p, &mut files)?;
        }
        if files.is_empty() {
            return Err(usage(
                "no images (.png, .jpg, .jpeg) found in the paths given",
            ));
        }
        Ok(Plan {
            files,
            json: self.json,
            jobs: self.jobs,
            report: self.report,
            trust: self.trust.source(),
            status: self.trust.status_source(),
            at,
        })
    }
}

/// A named file as is; a folder walked (sorted, symlinked folders not followed) for image
/// files.
fn collect_images(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let p = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect_images(&p, out)?;
        } else if p.is_file() && is_image_name(&p) {
            out.push(p);
        }
    }
    Ok(())
}

fn is_image_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn progress_bar(len: usize, json: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        u64::try_from(len).ok(),
        if json || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} images, {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let now = super::now();
    let plan = args.resolve()?;
    let store = load_trust(&plan.trust, now)?;
    let at = plan.at.unwrap_or(now);
    let verifier = with_status(
        Verifier::new(store).with_clock(FixedClock(at)),
        &plan.status,
        at,
    )?;
    let limits = ScanLimits::default();
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = plan.jobs {
        pool = pool.num_threads(n);
    }
    let pool = pool
        .build()
        .map_err(|e| CliError::Failed(format!("thread pool: {e}")))?;
    let bar = progress_bar(plan.files.len(), plan.json);
    let records: Vec<ScanRecord> = pool.install(|| {
        plan.files
            .par_iter()
            .map(|f| {
                let r = scan_and_verify_file(f, &limits, &verifier);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();

    let mut summary = ScanSummary::default();
    if !plan.json {
        writeln!(out, "{:<12} {:<40} DETAIL", "STATUS", "FILE")?;
    }
    for (file, record) in plan.files.iter().zip(&records) {
        summary.add(record);
        if plan.json {
            let mut j = record.to_json();
            if let Some(map) = j.as_object_mut() {
                map.insert("file".into(), file.display().to_string().into());
            }
            writeln!(out, "{j}")?;
        } else {
            print_rows(file, record, out)?;
        }
    }
    if plan.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "summary": summary.to_json() })
        )?;
    } else {
        writeln!(out, "{summary}")?;
    }
    if let Some(path) = &plan.report {
        write_report(path, &plan.files, &records)?;
    }
    Ok(if summary.all_valid() {
        Outcome::Ok
    } else {
        Outcome::NotValid
    })
}

/// What a table row and a CSV row say about one code.
struct CodeFacts {
    status: &'static str,
    reason: String,
    detail: String,
    holder: String,
    identifier: String,
}

fn facts(v: &CodeVerdict) -> CodeFacts {
    let json = v.to_json();
    let text = |path: &[&str]| -> String {
        let mut cur = Some(&json);
        for p in path {
            cur = cur.and_then(|c| c.get(*p));
        }
        cur.and_then(|c| c.as_str()).unwrap_or_default().to_owned()
    };
    CodeFacts {
        status: v.status(),
        reason: text(&["reason"]),
        detail: text(&["detail"]),
        holder: text(&["certificate", "holder", "name"]),
        identifier: text(&["certificate", "identifier"]),
    }
}

fn print_rows(file: &Path, record: &ScanRecord, out: &mut dyn Write) -> Result<(), CliError> {
    let name = file.display().to_string();
    if let Some(e) = &record.error {
        writeln!(out, "{:<12} {name:<40} {e}", "unreadable")?;
    }
    for code in &record.codes {
        let f = facts(&code.verdict);
        let detail = match &code.verdict {
            CodeVerdict::NotCertseal => format!("{}: text {:?}", f.detail, code.text),
            _ if f.status == "valid" => format!("{} {}", f.holder, f.identifier),
            _ => format!("{}: {}", f.reason, f.detail),
        };
        writeln!(out, "{:<12} {name:<40} {detail}", f.status)?;
    }
    Ok(())
}

fn write_report(path: &Path, files: &[PathBuf], records: &[ScanRecord]) -> Result<(), CliError> {
    let fail = |e: csv::Error| CliError::Failed(format!("{}: {e}", path.display()));
    let mut w = csv::Writer::from_path(path).map_err(fail)?;
    w.write_record([
        "file",
        "code",
        "status",
        "reason",
        "detail",
        "holder",
        "identifier",
        "text",
        "error",
    ])
    .map_err(fail)?;
    for (file, record) in files.iter().zip(records) {
        let name = file.display().to_string();
        let name = cell(&name);
        let error = record
            .error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let error = cell(&error);
        if record.codes.is_empty() {
            w.write_record([&*name, "", "unreadable", "", "", "", "", "", &error])
                .map_err(fail)?;
        }
        for (i, code) in record.codes.iter().enumerate() {
            let f = facts(&code.verdict);
            let n = i.saturating_add(1).to_string();
            w.write_record([
                &*name,
                &n,
                f.status,
                &cell(&f.reason),
                &cell(&f.detail),
                &cell(&f.holder),
                &cell(&f.identifier),
                &cell(&code.text),
                &error,
            ])
            .map_err(fail)?;
        }
    }
    w.flush()
        .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}
