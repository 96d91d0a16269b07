//! `certseal status`: publish and read revocation status (`specs/status.md`).
//!
//! - `status export` (feature `sqlite`): the registry's status log as a signed snapshot at the
//!   current sequence, a delta `--since N`, or `--format token-status-list`, signed by the key
//!   directory's status signer (`Registry::status_snapshot` / `status_delta` /
//!   `status_token_list`);
//! - `status inspect FILE`: a snapshot or delta verified against the trust flags and
//!   described (`status::inspect`), as text or `--json`.

use std::io::Write;
use std::path::PathBuf;

use super::verify::{load_trust, TrustFlags};
use super::{CliResult, Outcome};

/// `certseal status …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: StatusCommand,
}

#[derive(Debug, clap::Subcommand)]
enum StatusCommand {
    /// Write the registry's status as a signed snapshot, delta or Token Status List.
    #[cfg(feature = "sqlite")]
    Export(ExportArgs),
    /// Verify a status snapshot or delta and say what it holds.
    Inspect(InspectArgs),
}

/// What `status export` writes.
#[cfg(feature = "sqlite")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Every state at the current sequence (certseal's format).
    Snapshot,
    /// The changes since --since N (certseal's format).
    Delta,
    /// IETF Token Status List, CWT form (draft-ietf-oauth-status-list).
    TokenStatusList,
}

#[cfg(feature = "sqlite")]
#[derive(Debug, clap::Args)]
struct ExportArgs {
    #[command(flatten)]
    db: super::registry::DbFlags,
    /// The key directory whose status signer (status.key.pem) signs.
    #[arg(long, value_name = "DIR", default_value = super::DEFAULT_KEYS)]
    keys: PathBuf,
    /// What to write [default: snapshot, or delta with --since].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the delta from this status-log sequence to the current one.
    #[arg(long, value_name = "N")]
    since: Option<u64>,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Hours until the next update is due (`next_update`; past it verifiers call it stale).
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    next_update_hours: u32,
    /// Token Status List: the URI it is published at (`sub`).
    #[arg(
        long,
        default_value = "https://certseal.invalid/v1/status/token-status-list"
    )]
    uri: String,
    /// Token Status List: how long readers may cache it, seconds (`ttl`).
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    ttl: u64,
}

#[derive(Debug, clap::Args)]
struct InspectArgs {
    /// The snapshot or delta file.
    file: PathBuf,
    #[command(flatten)]
    trust: TrustFlags,
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    match args.command {
        #[cfg(feature = "sqlite")]
        StatusCommand::Export(a) => export(a, out),
        StatusCommand::Inspect(a) => inspect(a, out),
    }
}

#[cfg(feature = "sqlite")]
fn export(a: ExportArgs, out: &mut dyn Write) -> CliResult {
    use certseal::registry::StatusPublisher;
    use certseal::trust::KeyDir;
    let format = match (a.format, a.since) {
        (None, None) => Format::Snapshot,
        (None, Some(_)) | (Some(Format::Delta), Some(_)) => Format::Delta,
        (Some(Format::Delta), None) => {
            return Err(super::usage("--format delta needs --since N"));
        }
        (Some(f), None) => f,
        (Some(_), Some(_)) => {
            return Err(super::usage("--since is for deltas only"));
        }
    };
    let now = super::now();
    let keys = KeyDir::open(&a.keys)?;
    let valid_for = i64::from(a.next_update_hours).saturating_mul(3600);
    let by = StatusPublisher::from_key_dir(&keys, now, valid_for)?;
    let mut registry = a.db.open()?;
    let doc = match (format, a.since) {
        (Format::Delta, Some(since)) => registry.status_delta(since, &by)?,
        (Format::TokenStatusList, _) => registry.status_token_list(&by, &a.uri, a.ttl)?,
        _ => registry.status_snapshot(&by)?,
    };
    super::write(&a.out, &doc.bytes)?;
    let what = match (format, doc.from) {
        (Format::Delta, Some(from)) => format!("delta {from} -> {}", doc.sequence),
        (Format::TokenStatusList, _) => format!("token status list at sequence {}", doc.sequence),
        _ => format!("snapshot at sequence {}", doc.sequence),
    };
    writeln!(
        out,
        "wrote {}: {what}, {} bytes, {} indices covered, {} {}, {} revoked signer kids; next update {}",
        a.out.display(),
        doc.bytes.len(),
        doc.size,
        doc.entries,
        if format == Format::Delta { "changed" } else { "not valid" },
        doc.revoked_kids,
        certseal::time::rfc3339(by.next_update)
    )?;
    Ok(Outcome::Ok)
}

fn inspect(a: InspectArgs, out: &mut dyn Write) -> CliResult {
    let now = super::now();
    let store = load_trust(&a.trust.source(), now)?;
    let bytes = super::read_file_capped(
        &a.file,
        certseal::status::Limits::DEFAULT.max_snapshot_bytes,
    )?;
    let summary = certseal::status::inspect(&bytes, &store)
        .map_err(|e| super::CliError::Failed(format!("{}: {e}", a.file.display())))?;
    if a.json {
        writeln!(out, "{}", summary.to_json())?;
    } else {
        writeln!(out, "{}: {summary}", a.file.display())?;
        if now > summary.next_update {
            writeln!(
                out,
                "stale: its next update was due {}",
                certseal::time::rfc3339(summary.next_update)
            )?;
        }
    }
    Ok(Outcome::Ok)
}
