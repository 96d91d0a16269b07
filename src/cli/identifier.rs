//! `certseal identifier check|mint`: recognise and check e-licence identifiers (GB/T 36904),
//! resident ID numbers (GB 11643) and unified social credit codes (GB 32100)
//! (`model::classify`), or mint an e-licence identifier (`ElicenceId::mint`).

use std::io::Write;

use certseal::model::{classify, Catalogue, ElicenceId, Uscc};

use super::{usage, CliError, CliResult, Outcome};

/// `certseal identifier …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: IdentifierCommand,
}

#[derive(Debug, clap::Subcommand)]
enum IdentifierCommand {
    /// Say whether each string is a well-formed identifier, ID number or credit code, or which
    /// rule it breaks. Exit 0 when all are well-formed, else 1.
    Check(CheckArgs),
    /// Mint an e-licence identifier.
    Mint(MintArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Strings to check.
    #[arg(required = true)]
    strings: Vec<String>,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("licence").required(true).args(["type_code", "qualification"]))]
struct MintArgs {
    /// Licence-type code: the defining ministry's credit code and 3 digits (21 characters).
    #[arg(long)]
    type_code: Option<String>,
    /// Take the licence-type code from this catalogue qualification code instead.
    #[arg(long)]
    qualification: Option<u16>,
    /// Issuing authority's unified social credit code.
    #[arg(long)]
    issuer: String,
    /// The issuer's serial (1..=32 of 0-9 A-Z).
    #[arg(long)]
    serial: String,
    /// Version (1 for a first issue, +1 per re-issue).
    #[arg(long, default_value_t = 1)]
    version: u16,
}

impl MintArgs {
    /// The licence-type code, from the flag or the catalogue.
    fn type_code(&self) -> Result<String, CliError> {
        match (&self.type_code, self.qualification) {
            (Some(t), _) => Ok(t.clone()),
            (None, Some(q)) => Catalogue::builtin()
                .get(q)
                .map(|q| q.licence_type.clone())
                .ok_or_else(|| usage(format!("--qualification: {q} is not in the catalogue"))),
            (None, None) => Err(usage("give --type-code or --qualification")),
        }
    }
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    match args.command {
        IdentifierCommand::Check(a) => {
            let mut worst = Outcome::Ok;
            for s in &a.strings {
                let c = classify(s);
                match &c.result {
                    Ok(()) => writeln!(out, "{s}: well-formed {}", c.kind.label())?,
                    Err(e) => {
                        worst = Outcome::NotValid;
                        writeln!(out, "{s}: {}: {}", c.kind.label(), e.rule())?;
                    }
                }
            }
            Ok(worst)
        }
        IdentifierCommand::Mint(a) => {
            let type_code = a.type_code()?;
            let issuer =
                Uscc::parse(&a.issuer).map_err(|e| usage(format!("--issuer: {}", e.rule())))?;
            let id = ElicenceId::mint(&type_code, &issuer, &a.serial, a.version)
                .map_err(|e| usage(e.to_string()))?;
            writeln!(out, "{id}")?;
            Ok(Outcome::Ok)
        }
    }
}
