//! `certseal trust export`: the signed trust list (the root's COSE_Sign1 over the signer
//! certificates) from a key directory (`sign_trust_list`).

use std::io::Write;
use std::path::{Path, PathBuf};

use certseal::time::rfc3339;
use certseal::trust::{sign_trust_list, KeyDir, SignerCert};

use super::{CliError, CliResult, Outcome};

/// `certseal trust …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: TrustCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TrustCommand {
    /// Sign the signer certificates of a key directory into a trust list file.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// Key directory (needs root.key.pem).
    #[arg(long, default_value = super::DEFAULT_KEYS)]
    keys: PathBuf,
    /// Output file [default: KEYS/trust-list.cbor].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Days until the list's next update.
    #[arg(long, default_value_t = 30)]
    next_update_days: u32,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let TrustCommand::Export(a) = args.command;
    let target = a.out.unwrap_or_else(|| a.keys.join("trust-list.cbor"));
    let keys = KeyDir::open(&a.keys)?;
    export(&keys, &target, a.next_update_days, super::now(), out)?;
    Ok(Outcome::Ok)
}

/// Signs and writes the trust list of `keys` to `target`, and says so.
pub(crate) fn export(
    keys: &KeyDir,
    target: &Path,
    next_update_days: u32,
    now: i64,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let root_key = keys.root_key().ok_or_else(|| {
        CliError::Failed(format!(
            "{}: no root.key.pem; the root key signs the trust list",
            keys.dir().display()
        ))
    })?;
    let certs: Vec<SignerCert> = keys.trusted_certs();
    let next = now.saturating_add(i64::from(next_update_days).saturating_mul(86_400));
    let bytes = sign_trust_list(keys.root(), root_key, &certs, now, next)?;
    super::write(target, &bytes)?;
    writeln!(
        out,
        "wrote {}: {} signer certificates, issued {}, next update {}; verifiers load it with {}",
        target.display(),
        certs.len(),
        rfc3339(now),
        rfc3339(next),
        keys.dir().join("root.cert.pem").display()
    )?;
    Ok(())
}
