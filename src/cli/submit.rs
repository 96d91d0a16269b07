//! `certseal submit FILE`: an examination body's batch into the registry (rules arts. 8–9),
//! through `Registry::submit_file`. Prints the counts and every row not simply accepted;
//! exit 1 when rows were rejected or refused. With `--issue KEYS`, also issues every pending
//! record (art. 10), pipelined with the submission, through `Registry::submit_and_issue_file`.

use std::io::Write;
use std::path::PathBuf;

use certseal::model::Date;
use certseal::registry::{Encoding, SubmissionFormat, SubmissionMeta};

use super::registry::{parse_date, DbFlags};
use super::{usage, CliResult, Outcome};

/// `certseal submit [--db F] --body B --batch ID [--exam E] [--results-published DATE]
/// [--format csv|json] [--encoding utf-8|gb18030] [--issue KEYS [--chunk N]] [--json] FILE`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbFlags,
    /// The examination body submitting.
    #[arg(long)]
    body: String,
    /// Its batch id (resubmitting the same body and batch is idempotent).
    #[arg(long)]
    batch: String,
    /// The examination, for progress figures.
    #[arg(long)]
    exam: Option<String>,
    /// When the results were published (the art. 9 deadline starts then).
    #[arg(long, value_parser = parse_date)]
    results_published: Option<Date>,
    /// csv or json (a JSON array or JSON lines) [default: from the extension].
    #[arg(long)]
    format: Option<String>,
    /// utf-8 (a BOM is fine) or gb18030 (also gbk, gb2312).
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Then issue every pending record with the active signer in this key directory, as
    /// `issue --pending` does; a new CSV batch is issued while it is still being read.
    #[arg(long, value_name = "KEYS")]
    issue: Option<PathBuf>,
    /// Records reserved, signed and stored together (with --issue).
    #[arg(long, default_value_t = certseal::registry::IssueOptions::DEFAULT_CHUNK, requires = "issue")]
    chunk: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The submission file.
    file: PathBuf,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let format = match args.format.as_deref().map(str::to_ascii_lowercase) {
        Some(f) if f == "csv" => SubmissionFormat::Csv,
        Some(f) if f == "json" || f == "jsonl" => SubmissionFormat::Json,
        Some(f) => return Err(usage(format!("--format: got {f:?}, expected csv or json"))),
        None => match args
            .file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv" | "txt") => SubmissionFormat::Csv,
            Some("json" | "jsonl" | "ndjson") => SubmissionFormat::Json,
            _ => {
                return Err(usage(format!(
                    "{}: cannot tell the format from the extension; give --format csv|json",
                    args.file.display()
                )))
            }
        },
    };
    let encoding = Encoding::from_name(&args.encoding).ok_or_else(|| {
        usage(format!(
            "--encoding: got {:?}, expected utf-8 or gb18030",
            args.encoding
        ))
    })?;
    let meta = SubmissionMeta {
        body: args.body,
        batch: args.batch,
        exam: args.exam,
        results_published: args.results_published,
        format,
        encoding,
    };
    let mut registry = args.db.open()?;
    let (report, issued) = match &args.issue {
        None => (registry.submit_file(&args.file, &meta, super::now())?, None),
        Some(keys) => {
            let keys = certseal::trust::KeyDir::open(keys)?;
            let bar = super::issue_pending::progress_bar(args.json);
            let mut opts = certseal::registry::IssueOptions::at(super::now());
            opts.chunk = args.chunk;
            let (report, issued) = registry.submit_and_issue_file(
                &args.file,
                &meta,
                &keys,
                &opts,
                &mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )?;
            bar.finish_and_clear();
            (report, Some(issued))
        }
    };
    if args.json {
        let mut value = report.to_json();
        if let Some(i) = &issued {
            value["issued"] = super::issue_pending::report_json(i);
        }
        writeln!(out, "{value}")?;
    } else {
        for p in &report.problems {
            writeln!(out, "{p}")?;
        }
        writeln!(
            out,
            "{} batch {}/{}: {} rows: {} accepted, {} unchanged, {} replaced, {} rejected, {} refused (audit entry {})",
            if report.new_batch { "new" } else { "resubmitted" },
            meta.body,
            meta.batch,
            report.rows,
            report.accepted,
            report.unchanged,
            report.replaced,
            report.rejected,
            report.refused,
            report.audit_seq
        )?;
        if let Some(i) = &issued {
            writeln!(out, "{}", super::issue_pending::report_line(i))?;
        }
    }
    Ok(if report.rejected == 0 && report.refused == 0 {
        Outcome::Ok
    } else {
        Outcome::NotValid
    })
}
