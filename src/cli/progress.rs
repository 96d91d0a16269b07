//! `certseal progress`: the figures the rules ask the centre to publish (art. 23), per
//! examination and batch: received, issued, revoked, pending, issued within the deadline.

use std::io::Write;
use std::path::PathBuf;

use super::registry::{calendar, DbFlags};
use super::{CliResult, Outcome};

/// `certseal progress [--calendar FILE] [--json]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbFlags,
    /// A calendar file replacing or extending the shipped one for the years it covers.
    #[arg(long)]
    calendar: Option<PathBuf>,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let cal = calendar(args.calendar.as_ref())?;
    let progress = args.db.open()?.progress(&cal)?;
    for w in &progress.warnings {
        super::warn(format_args!("warning: {w}"));
    }
    if !args.json {
        writeln!(
            out,
            "{:<14} {:<24} {:<10} {:>10} {:>9} {:>9} {:>8} {:>8} {:>8} {:>11}",
            "exam",
            "body",
            "batch",
            "received",
            "records",
            "issued",
            "revoked",
            "pending",
            "rejected",
            "in time"
        )?;
    }
    for r in &progress.rows {
        if args.json {
            writeln!(out, "{}", r.to_json())?;
        } else {
            writeln!(
                out,
                "{:<14} {:<24} {:<10} {:>10} {:>9} {:>9} {:>8} {:>8} {:>8} {:>11}",
                r.exam.as_deref().unwrap_or("-"),
                r.body,
                r.batch,
                r.received.to_string(),
                r.received_records,
                r.issued,
                r.revoked,
                r.pending,
                r.rejected,
                r.issued_within_deadline
            )?;
        }
    }
    Ok(Outcome::Ok)
}
