//! `certseal registry migrate --from sqlite:FILE --to postgres://… [--keys DIR]`: one call to
//! `certseal::registry::migrate_sqlite_to_postgres`, its report printed.

use std::io::Write;
use std::path::{Path, PathBuf};

use certseal::registry::migrate_sqlite_to_postgres;
use certseal::trust::KeyDir;

use super::registry::redacted;
use super::{CliError, CliResult, Outcome};

/// `certseal registry …`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Copy an SQLite registry into an empty PostgreSQL database and check the copy (row
    /// counts, status head, audit chain, every certificate row and signature).
    Migrate {
        /// The SQLite registry: `sqlite:FILE` or a file.
        #[arg(long)]
        from: String,
        /// The PostgreSQL registry: `postgres://user@host:port/db` (must be empty).
        #[arg(long)]
        to: String,
        /// The key directory whose trust store verifies the documents' signatures.
        #[arg(long, default_value = super::DEFAULT_KEYS)]
        keys: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let Command::Migrate {
        from,
        to,
        keys,
        json,
    } = args.command;
    let path = from.strip_prefix("sqlite:").unwrap_or(&from);
    if !Path::new(path).is_file() {
        return Err(CliError::Failed(format!(
            "--from {from}: no such SQLite file"
        )));
    }
    let trust = KeyDir::open(&keys)?.trust_store()?;
    let report = migrate_sqlite_to_postgres(Path::new(path), &to, trust)
        .map_err(|e| CliError::Failed(format!("{} → {}: {e}", from, redacted(&to))))?;
    if json {
        let tables: serde_json::Map<String, serde_json::Value> = report
            .tables
            .iter()
            .map(|(t, n)| ((*t).to_owned(), (*n).into()))
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({
                "tables": tables,
                "status_seq": report.status_head.seq,
                "status_size": report.status_head.size,
                "audit_entries": report.audit_entries,
                "certificates_verified": report.certificates_verified,
            })
        )?;
    } else {
        for (t, n) in &report.tables {
            writeln!(out, "{t:<20} {n}")?;
        }
        writeln!(
            out,
            "copied and checked: status log at seq {} ({} indices), audit chain of {} entries verified, {} certificate signatures verified",
            report.status_head.seq,
            report.status_head.size,
            report.audit_entries,
            report.certificates_verified
        )?;
    }
    Ok(Outcome::Ok)
}
