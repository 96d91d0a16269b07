//! `certseal destroy IDENTIFIER --on DATE --witness W`: a recovered paper certificate
//! destroyed (art. 26), recorded once with date and witness.

use std::io::Write;

use certseal::model::Date;

use super::registry::{parse_date, DbFlags};
use super::{CliResult, Outcome};

/// `certseal destroy IDENTIFIER --on DATE --witness W [--note N]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbFlags,
    /// The day the paper was destroyed.
    #[arg(long, value_parser = parse_date)]
    on: Date,
    /// The witness.
    #[arg(long)]
    witness: String,
    /// A note.
    #[arg(long)]
    note: Option<String>,
    /// The certificate version whose paper was destroyed.
    identifier: String,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    args.db.open()?.record_destruction(
        &args.identifier,
        args.on,
        &args.witness,
        args.note.as_deref(),
        super::now(),
    )?;
    writeln!(
        out,
        "{}: paper destroyed on {}, witness {}",
        args.identifier, args.on, args.witness
    )?;
    Ok(Outcome::Ok)
}
