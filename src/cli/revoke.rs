//! `certseal revoke IDENTIFIER …`: invalidation with its decision (rules arts. 17–18), the
//! electronic certificate revoked at once, through `Registry::invalidate`; and `certseal
//! revoke signer KID`: a compromised signer key revoked and its certificates re-issued under
//! the active key (`Registry::revoke_signer`).

use std::io::Write;
use std::path::PathBuf;

use certseal::model::Date;
use certseal::registry::{Decision, Invalidation, StatusReason};
use certseal::trust::KeyDir;

use super::registry::{parse_date, DbFlags};
use super::{usage, CliResult, Outcome};

/// `certseal revoke IDENTIFIER --decision-body B --decision REF --decision-date D` or
/// `certseal revoke signer KID`
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    signer: Option<SignerCommand>,
    #[command(flatten)]
    db: DbFlags,
    /// invalidated (无效, arts. 17–18) or withdrawn (撤销).
    #[arg(long, default_value = "invalidated")]
    reason: String,
    /// The deciding body.
    #[arg(long)]
    decision_body: Option<String>,
    /// The decision's reference (文号).
    #[arg(long)]
    decision: Option<String>,
    /// The decision date.
    #[arg(long, value_parser = parse_date)]
    decision_date: Option<Date>,
    /// A note.
    #[arg(long)]
    note: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The certificate (any of its versions).
    identifier: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum SignerCommand {
    /// A compromised signer key: revoke its kid and re-issue everything it signed under the
    /// active key.
    Signer {
        #[command(flatten)]
        db: DbFlags,
        /// Key directory (its active signer must be another key).
        #[arg(long, default_value = super::DEFAULT_KEYS)]
        keys: PathBuf,
        /// A note.
        #[arg(long)]
        note: Option<String>,
        /// The kid, 16 hex digits.
        kid: String,
    },
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    if let Some(SignerCommand::Signer {
        db,
        keys,
        note,
        kid,
    }) = args.signer
    {
        let bytes = certseal::codec::hex::decode(&kid)
            .ok()
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .ok_or_else(|| usage(format!("kid: got {kid:?}, expected 16 hex digits")))?;
        let keys = KeyDir::open(&keys)?;
        let mut registry = db.open()?;
        let rep =
            registry.revoke_signer(bytes, &keys, note.as_deref(), super::now(), &mut |_| {})?;
        writeln!(
            out,
            "kid {kid} {}; {} certificates re-issued under kid {}",
            rep.revoked_seq.map_or_else(
                || "was revoked already".to_string(),
                |s| format!("revoked (status log {s})")
            ),
            rep.reissued,
            certseal::codec::hex::encode(&rep.new_kid)
        )?;
        return Ok(Outcome::Ok);
    }
    let identifier = args
        .identifier
        .ok_or_else(|| usage("revoke: give an IDENTIFIER, or `revoke signer KID`"))?;
    let reason = match args.reason.as_str() {
        "invalidated" => StatusReason::Invalidated,
        "withdrawn" => StatusReason::Withdrawn,
        other => {
            return Err(usage(format!(
                "--reason: got {other:?}, expected invalidated or withdrawn"
            )))
        }
    };
    let (Some(body), Some(reference), Some(date)) =
        (args.decision_body, args.decision, args.decision_date)
    else {
        return Err(usage(
            "revoke: give --decision-body, --decision and --decision-date",
        ));
    };
    let mut registry = args.db.open()?;
    let seqs = registry.invalidate(
        &identifier,
        &Invalidation {
            reason,
            decision: Decision {
                body,
                reference,
                date,
            },
            note: args.note,
        },
        super::now(),
    )?;
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({"identifier": identifier, "status_seqs": seqs})
        )?;
    } else {
        writeln!(
            out,
            "{identifier}: revoked ({} versions; status log {seqs:?})",
            seqs.len()
        )?;
    }
    Ok(Outcome::Ok)
}
