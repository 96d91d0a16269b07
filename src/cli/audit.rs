//! `certseal audit verify|head|list`: the hash-chained audit log. `verify` names every
//! edited, removed, inserted or reordered entry (exit 1); removing the newest entries shows
//! only against an anchor kept elsewhere: `--expect-head SEQ:HASH` as `audit head` printed it.

use std::io::Write;

use super::registry::DbFlags;
use super::{usage, CliResult, Outcome};

/// `certseal audit verify [--expect-head SEQ:HASH] [--json] | head | list`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check the whole chain.
    Verify {
        #[command(flatten)]
        db: DbFlags,
        /// The head recorded earlier (`audit head`): SEQ:HASH.
        #[arg(long)]
        expect_head: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print the chain's head (SEQ:HASH), to keep or publish outside the store.
    Head {
        #[command(flatten)]
        db: DbFlags,
    },
    /// Print every entry as JSON lines.
    List {
        #[command(flatten)]
        db: DbFlags,
    },
}

fn parse_head(s: &str) -> Result<(u64, [u8; 32]), super::CliError> {
    let bad = || {
        usage(format!(
            "--expect-head: got {s:?}, expected SEQ:HASH (64 hex digits)"
        ))
    };
    let (seq, hash) = s.split_once(':').ok_or_else(bad)?;
    let seq: u64 = seq.parse().map_err(|_| bad())?;
    let hash = certseal::codec::hex::decode(hash)
        .ok()
        .and_then(|h| <[u8; 32]>::try_from(h).ok())
        .ok_or_else(bad)?;
    Ok((seq, hash))
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    match args.command {
        Command::Verify {
            db,
            expect_head,
            json,
        } => {
            let expected = expect_head.as_deref().map(parse_head).transpose()?;
            let report = db.open()?.verify_audit(expected)?;
            if json {
                writeln!(out, "{}", report.to_json())?;
            } else {
                for f in &report.findings {
                    writeln!(out, "{f}")?;
                }
                writeln!(
                    out,
                    "audit log: {} entries, {}{}",
                    report.entries,
                    if report.is_intact() {
                        "intact"
                    } else {
                        "TAMPERED"
                    },
                    if expected.is_none() {
                        " (without --expect-head, removal of the newest entries cannot be seen)"
                    } else {
                        ""
                    }
                )?;
            }
            Ok(if report.is_intact() {
                Outcome::Ok
            } else {
                Outcome::NotValid
            })
        }
        Command::Head { db } => {
            match db.open()?.audit_head()? {
                Some((seq, hash)) => {
                    writeln!(out, "{seq}:{}", certseal::codec::hex::encode(&hash))?
                }
                None => writeln!(out, "0:")?,
            }
            Ok(Outcome::Ok)
        }
        Command::List { db } => {
            for e in db.open()?.audit_entries()? {
                writeln!(out, "{}", e.to_json())?;
            }
            Ok(Outcome::Ok)
        }
    }
}
