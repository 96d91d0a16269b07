//! `certseal keys init`: a root key and certificate and N document-signer keys and
//! certificates with overlapping windows, into a directory (`KeyDir::init`).

use std::io::Write;
use std::path::PathBuf;

use certseal::crypto::Algorithm;
use certseal::time::rfc3339;
use certseal::trust::{InitOptions, KeyDir};

use super::{CliResult, Outcome};

/// `certseal keys …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Make a root and document-signer keys and certificates in a directory.
    Init(InitArgs),
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// Directory to write the keys into.
    #[arg(long, default_value = super::DEFAULT_KEYS)]
    dir: PathBuf,
    /// Signature algorithm: es256, ed25519, or sm2 (SM2 with SM3; builds with feature `sm2`).
    #[arg(long, default_value = "es256", value_parser = super::parse_alg)]
    alg: Algorithm,
    /// Issuing authority's name (subject O of every certificate).
    #[arg(long, default_value = super::AUTHORITY_NAME)]
    authority_name: String,
    /// Issuing authority's unified social credit code (GB 32100).
    #[arg(long, default_value = super::AUTHORITY_USCC)]
    authority_uscc: String,
    /// Number of document signers, with overlapping validity windows.
    #[arg(long, default_value_t = 2)]
    signers: usize,
    /// Validity of each signer certificate, in days.
    #[arg(long, default_value_t = 365)]
    validity_days: u32,
    /// Overwrite existing keys.
    #[arg(long)]
    force: bool,
}

impl InitArgs {
    fn resolve(self, now: i64) -> (PathBuf, InitOptions) {
        (
            self.dir,
            InitOptions {
                alg: self.alg,
                authority_name: self.authority_name,
                authority_uscc: self.authority_uscc,
                signers: self.signers,
                now,
                signer_validity_days: self.validity_days,
                force: self.force,
            },
        )
    }
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    match args.command {
        KeysCommand::Init(init) => {
            let (dir, opts) = init.resolve(super::now());
            let keys = KeyDir::init(&dir, opts)?;
            describe(&keys, out)?;
            Ok(Outcome::Ok)
        }
    }
}

/// Prints what a key directory holds.
pub(crate) fn describe(keys: &KeyDir, out: &mut dyn Write) -> std::io::Result<()> {
    let dir = keys.dir().display();
    let root = keys.root();
    writeln!(
        out,
        "wrote {dir}/root.key.pem (0600) and {dir}/root.cert.pem: {}, {} .. {}",
        root.subject(),
        rfc3339(root.not_before()),
        rfc3339(root.not_after())
    )?;
    for s in keys.signers() {
        let c = s.cert();
        writeln!(
            out,
            "wrote {dir}/signer-{n}.key.pem (0600) and {dir}/signer-{n}.cert.pem: {alg} kid {kid}, {nb} .. {na}",
            n = s.index(),
            alg = c.verifying_key().algorithm(),
            kid = certseal::codec::hex::encode(&s.kid()),
            nb = rfc3339(c.not_before()),
            na = rfc3339(c.not_after()),
        )?;
    }
    if let Some(s) = keys.status_signer() {
        let c = s.cert();
        writeln!(
            out,
            "wrote {dir}/status.key.pem (0600) and {dir}/status.cert.pem: status signer (status-signing usage only), {alg} kid {kid}, {nb} .. {na}",
            alg = c.verifying_key().algorithm(),
            kid = certseal::codec::hex::encode(&s.kid()),
            nb = rfc3339(c.not_before()),
            na = rfc3339(c.not_after()),
        )?;
    }
    Ok(())
}
