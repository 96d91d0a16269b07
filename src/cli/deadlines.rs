//! `certseal deadlines`: every working-day deadline of the rules the registry can compute
//! (arts. 9, 10, 17–18) as of a day, on the shipped calendar or an operator's
//! (`--calendar FILE`). Exit 1 when something is overdue.

use std::io::Write;
use std::path::PathBuf;

use certseal::model::Date;

use super::registry::{calendar, parse_date, today, DbFlags};
use super::{CliResult, Outcome};

/// `certseal deadlines [--today D] [--calendar FILE] [--overdue] [--json]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbFlags,
    /// The day to report for [default: today, China time].
    #[arg(long, value_parser = parse_date)]
    today: Option<Date>,
    /// A calendar file (`YYYY-MM-DD<TAB>off|work`) replacing or extending the shipped one
    /// for the years it covers.
    #[arg(long)]
    calendar: Option<PathBuf>,
    /// Only the overdue items.
    #[arg(long)]
    overdue: bool,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let cal = calendar(args.calendar.as_ref())?;
    let day = match args.today {
        Some(d) => d,
        None => today()?,
    };
    let report = args.db.open()?.deadlines(&cal, day)?;
    for w in &report.warnings {
        super::warn(format_args!("warning: {w}"));
    }
    for item in report.items.iter().filter(|i| !args.overdue || i.overdue) {
        if args.json {
            writeln!(out, "{}", item.to_json())?;
        } else {
            writeln!(
                out,
                "{:<18} art. {:>2} {:>2} wd  {:<40} start {} due {} {}{}",
                item.deadline.step.name(),
                item.deadline.step.article(),
                item.deadline.step.working_days(),
                item.subject,
                item.deadline.start,
                item.deadline.due,
                item.done
                    .map_or_else(|| "open".to_string(), |d| format!("done {d}")),
                match (item.overdue, item.open) {
                    (true, 0) => " OVERDUE".to_string(),
                    (true, n) => format!(" OVERDUE ({n} open)"),
                    (false, 0) => String::new(),
                    (false, n) => format!(" ({n} open)"),
                }
            )?;
        }
    }
    Ok(if report.overdue().next().is_some() {
        Outcome::NotValid
    } else {
        Outcome::Ok
    })
}
