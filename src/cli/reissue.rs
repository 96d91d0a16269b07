//! `certseal reissue change|replacement IDENTIFIER`: a new version of a certificate (rules
//! arts. 15–16) through `Registry::reissue`; the old version is superseded.

use std::io::Write;
use std::path::PathBuf;

use certseal::model::{Date, IdDocType, Sex, YearMonth};
use certseal::registry::{HolderChange, ReissueKind, ReissueRequest};
use certseal::trust::KeyDir;

use super::registry::{parse_date, DbFlags};
use super::{usage, CliResult, Outcome};

/// `certseal reissue change|replacement …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// 换发 (art. 15): holder data changed; the change is recorded in the remarks.
    Change {
        #[command(flatten)]
        common: Common,
        /// The new name.
        #[arg(long)]
        name: Option<String>,
        /// The new ID document number.
        #[arg(long)]
        id_number: Option<String>,
        /// The new ID document type (GB/T 36903 code, default 111 resident ID).
        #[arg(long, default_value_t = 111, requires = "id_number")]
        id_type: u16,
        /// A corrected sex (GB/T 2261.1 code: 0, 1, 2, 9).
        #[arg(long)]
        sex: Option<u8>,
        /// A corrected birth year-month (YYYY-MM).
        #[arg(long)]
        birth: Option<String>,
        /// The day the change was approved [default: today].
        #[arg(long, value_parser = parse_date)]
        date: Option<Date>,
    },
    /// 补发 (art. 16): a new version marked 补发.
    Replacement {
        #[command(flatten)]
        common: Common,
        /// The request is for a paper replacement (refused once an electronic certificate
        /// exists: the holder downloads it).
        #[arg(long)]
        paper: bool,
    },
}

#[derive(Debug, clap::Args)]
struct Common {
    #[command(flatten)]
    db: DbFlags,
    /// Key directory.
    #[arg(long, default_value = super::DEFAULT_KEYS)]
    keys: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The identifier of the current version.
    identifier: String,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let (common, kind) = match args.kind {
        Kind::Change {
            common,
            name,
            id_number,
            id_type,
            sex,
            birth,
            date,
        } => {
            let mut changes = Vec::new();
            if let Some(n) = name {
                changes.push(HolderChange::Name(n));
            }
            if let Some(number) = id_number {
                let id_type = IdDocType::from_code(id_type).ok_or_else(|| {
                    usage(format!(
                        "--id-type: got {id_type}, expected 111, 414, 511, 516, 553 or 990"
                    ))
                })?;
                changes.push(HolderChange::IdNumber { id_type, number });
            }
            if let Some(code) = sex {
                let s = Sex::from_code(code)
                    .ok_or_else(|| usage(format!("--sex: got {code}, expected 0, 1, 2 or 9")))?;
                changes.push(HolderChange::Sex(s));
            }
            if let Some(b) = birth {
                let ym = YearMonth::parse(&b)
                    .map_err(|e| usage(format!("--birth: got {b:?}: {}", e.rule())))?;
                changes.push(HolderChange::Birth(ym));
            }
            if changes.is_empty() {
                return Err(usage("change: give --name, --id-number, --sex or --birth"));
            }
            let date = match date {
                Some(d) => d,
                None => super::registry::today()?,
            };
            (common, ReissueKind::Change { changes, date })
        }
        Kind::Replacement { common, paper } => (common, ReissueKind::Replacement { paper }),
    };
    let keys = KeyDir::open(&common.keys)?;
    let mut registry = common.db.open()?;
    let new = registry.reissue(
        &keys,
        &ReissueRequest {
            identifier: common.identifier,
            kind,
        },
        super::now(),
    )?;
    if common.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({
                "identifier": new.identifier,
                "predecessor": new.predecessor,
                "version": new.version,
                "status_index": new.status_index,
                "qr": new.qr,
            })
        )?;
    } else {
        writeln!(
            out,
            "{} (version {}, status index {}) supersedes {}\n{}",
            new.identifier, new.version, new.status_index, new.predecessor, new.qr
        )?;
    }
    Ok(Outcome::Ok)
}
