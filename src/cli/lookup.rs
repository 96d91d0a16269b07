//! `certseal lookup`: a certificate by identifier, by management number + name, or by ID
//! number + name — the current version, its status and history, the ID number masked —
//! through `Registry::lookup`. Exit 1 when nothing matches.

use std::io::Write;

use certseal::registry::Lookup;

use super::registry::DbFlags;
use super::{usage, CliResult, Outcome};

/// `certseal lookup (--identifier ID | --management-number N --name NAME | --id-number X --name NAME) [--json]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbFlags,
    /// An e-licence identifier (any version).
    #[arg(long, conflicts_with_all = ["management_number", "id_number"])]
    identifier: Option<String>,
    /// A management number (with --name).
    #[arg(long, requires = "name", conflicts_with = "id_number")]
    management_number: Option<String>,
    /// An ID document number (with --name).
    #[arg(long, requires = "name")]
    id_number: Option<String>,
    /// The holder's name.
    #[arg(long)]
    name: Option<String>,
    /// Print JSON lines, one per certificate.
    #[arg(long)]
    json: bool,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let query = match (
        args.identifier,
        args.management_number,
        args.id_number,
        args.name,
    ) {
        (Some(id), None, None, _) => Lookup::Identifier(id),
        (None, Some(number), None, Some(name)) => Lookup::ManagementNumber { number, name },
        (None, None, Some(id_number), Some(name)) => Lookup::IdNumber { id_number, name },
        _ => {
            return Err(usage(
                "lookup: give --identifier, or --management-number / --id-number with --name",
            ))
        }
    };
    let mut registry = args.db.open()?;
    let found = registry.lookup(&query)?;
    for r in &found {
        if args.json {
            writeln!(out, "{}", r.to_json())?;
            continue;
        }
        writeln!(
            out,
            "{} — {} ({})",
            r.current.identifier,
            r.current.state,
            r.current.reason.map_or("-", |x| x.name())
        )?;
        writeln!(
            out,
            "  {} {} {} id {} · management number {} · approved {}{}",
            r.holder_name,
            r.sex.label_zh(),
            r.qualification,
            r.masked_id_number,
            r.management_number,
            r.approval_date,
            if r.legacy {
                format!(
                    " · 存量证书, 信息容缺: {}",
                    if r.gaps.is_empty() {
                        "none".to_string()
                    } else {
                        r.gaps.join(", ")
                    }
                )
            } else {
                String::new()
            }
        )?;
        for v in &r.history {
            writeln!(
                out,
                "  v{} {} {} {} issued {} kid {}",
                v.version,
                v.kind.label_zh(),
                v.identifier,
                v.state,
                certseal::time::rfc3339(v.issued_at),
                certseal::codec::hex::encode(&v.kid)
            )?;
        }
        for (id, resolved) in &r.objections {
            writeln!(
                out,
                "  objection {id}: {}",
                if *resolved { "resolved" } else { "open" }
            )?;
        }
    }
    if found.is_empty() {
        if !args.json {
            writeln!(out, "no certificate found")?;
        }
        return Ok(Outcome::NotValid);
    }
    Ok(Outcome::Ok)
}
