//! `certseal issue --pending`: every accepted, not yet issued record of the registry signed
//! and stored (rules art. 10), with a progress bar, through `Registry::issue_pending`.
//! Resumes what an interrupted run left.

use std::io::{IsTerminal, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use certseal::registry::{IssueOptions, IssueReport};
use certseal::trust::KeyDir;

use super::registry::DbFlags;
use super::{CliResult, Outcome};

/// Issues the registry's pending records with the keys in `keys`.
pub(crate) fn exec(
    db: &DbFlags,
    keys: &Path,
    chunk: usize,
    json: bool,
    (lease_secs, take_over): (i64, bool),
    out: &mut dyn Write,
) -> CliResult {
    let keys = KeyDir::open(keys)?;
    let mut registry = db.open()?;
    let bar = progress_bar(json);
    let mut opts = IssueOptions::at(super::now());
    opts.chunk = chunk;
    opts.lease_secs = lease_secs;
    opts.take_over = take_over;
    let report = registry.issue_pending(&keys, &opts, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if json {
        writeln!(out, "{}", report_json(&report))?;
    } else {
        writeln!(out, "{}", report_line(&report))?;
    }
    Ok(Outcome::Ok)
}

/// The progress bar of an issuance run (hidden with `json` or without a terminal).
pub(crate) fn progress_bar(json: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        None,
        if json || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} issued ({per_sec}, eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// The JSON view of an issuance run.
pub(crate) fn report_json(report: &IssueReport) -> serde_json::Value {
    serde_json::json!({
        "issued": report.issued,
        "resumed": report.resumed,
        "chunks": report.chunks,
        "status_indices": report.indices.map(|(a, b)| [a, b]),
        "kid": certseal::codec::hex::encode(&report.kid),
    })
}

/// The one-line summary of an issuance run.
pub(crate) fn report_line(report: &IssueReport) -> String {
    let range = report
        .indices
        .map_or_else(|| "-".to_string(), |(a, b)| format!("{a}..={b}"));
    format!(
        "issued {} ({} resumed from an interrupted run) in {} chunks, status indices {range}, kid {}",
        report.issued,
        report.resumed,
        report.chunks,
        certseal::codec::hex::encode(&report.kid)
    )
}
