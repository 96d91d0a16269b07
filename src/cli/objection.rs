//! `certseal objection file|resolve|list`: objections (异议, art. 25) against a certificate,
//! recorded and resolved with their outcome kept.

use std::io::Write;

use super::registry::DbFlags;
use super::{CliResult, Outcome};

/// `certseal objection file ID --by WHO --text T | resolve N --outcome T | list ID`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Record an objection against a certificate version.
    File {
        #[command(flatten)]
        db: DbFlags,
        /// Who raised it (holder, organisation).
        #[arg(long)]
        by: String,
        /// What it says.
        #[arg(long)]
        text: String,
        /// The certificate version.
        identifier: String,
    },
    /// Record the outcome of an objection (once).
    Resolve {
        #[command(flatten)]
        db: DbFlags,
        /// The outcome.
        #[arg(long)]
        outcome: String,
        /// The objection number.
        id: i64,
    },
    /// List the objections against a certificate version.
    List {
        #[command(flatten)]
        db: DbFlags,
        /// The certificate version.
        identifier: String,
    },
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    match args.command {
        Command::File {
            db,
            by,
            text,
            identifier,
        } => {
            let id = db
                .open()?
                .file_objection(&identifier, &by, &text, super::now())?;
            writeln!(out, "objection {id} recorded against {identifier}")?;
        }
        Command::Resolve { db, outcome, id } => {
            db.open()?.resolve_objection(id, &outcome, super::now())?;
            writeln!(out, "objection {id} resolved")?;
        }
        Command::List { db, identifier } => {
            for o in db.open()?.objections(&identifier)? {
                writeln!(
                    out,
                    "{}: {} filed {} by {}: {}{}",
                    o.id,
                    identifier,
                    certseal::time::rfc3339(o.filed_at),
                    o.filed_by,
                    o.text,
                    o.outcome.map_or_else(
                        || " (open)".to_string(),
                        |(at, outcome, actor)| format!(
                            " — resolved {} by {actor}: {outcome}",
                            certseal::time::rfc3339(at)
                        )
                    )
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}
