//! `certseal serve`: reads the TOML configuration (`--config`), applies `CERTSEAL_*`
//! environment overrides and the flags, then calls `certseal::server::serve` (or prints the
//! effective configuration, or the digest of a token to put in it). Stops on SIGTERM once
//! the requests in flight are answered.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use certseal::crypto::TokenDigest;
use certseal::server::{ServerConfig, MAX_CONFIG_BYTES};

use super::{CliError, CliResult, Outcome};

/// `certseal serve [--config FILE] [--listen ADDR] [--db LOCATION] [--keys DIR] [--print-config]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The TOML configuration (specs/http.md, "Configuration").
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen on this address (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// The registry: a SQLite file (created when missing), `sqlite:FILE`, or
    /// `postgres://user@host:port/db?sslmode=require&sslrootcert=FILE` (feature postgres)
    /// [default: the configuration's `db`, overridden by $DATABASE_URL, then $CERTSEAL_DB].
    #[arg(long, value_name = "LOCATION")]
    db: Option<String>,
    /// The key directory.
    #[arg(long, value_name = "DIR")]
    keys: Option<PathBuf>,
    /// A signed trust list to serve (and trust).
    #[arg(long, value_name = "FILE")]
    trust_list: Option<PathBuf>,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    print_config: bool,
    /// Print the `sha256` line to put in the configuration for the token read from stdin,
    /// and exit.
    #[arg(long)]
    hash_token: bool,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    if args.hash_token {
        let token = super::read_capped(std::io::stdin().lock(), "stdin", 4096)?;
        let token = String::from_utf8_lossy(&token);
        writeln!(
            out,
            "sha256 = \"{}\"",
            TokenDigest::of(token.trim().as_bytes()).to_hex()
        )?;
        return Ok(Outcome::Ok);
    }
    let mut config = match &args.config {
        Some(path) => {
            let bytes = super::read_file_capped(path, MAX_CONFIG_BYTES)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| CliError::Failed(format!("{}: not UTF-8", path.display())))?;
            ServerConfig::from_toml(&text)
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?
        }
        None => ServerConfig::default(),
    };
    config
        .apply_env(|k| std::env::var(k).ok())
        .map_err(|e| CliError::Failed(e.to_string()))?;
    if let Some(v) = args.listen {
        config.listen = v;
    }
    if let Some(v) = args.db {
        config.db = v;
    }
    if let Some(v) = args.keys {
        config.keys = v;
    }
    if let Some(v) = args.trust_list {
        config.trust_list = Some(v);
    }
    if args.print_config {
        // The effective configuration without secrets: tokens are digests already, and a
        // database URL's password is left out.
        let mut shown = ServerConfig {
            db: certseal::registry::redacted(&config.db),
            ..config
        };
        shown.database.url = shown
            .database
            .url
            .as_deref()
            .map(certseal::registry::redacted);
        write!(out, "{}", shown.to_toml())?;
        return Ok(Outcome::Ok);
    }
    certseal::server::serve(config, |addr| {
        let _ = writeln!(out, "listening on {addr}");
        let _ = out.flush();
    })
    .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Outcome::Ok)
}
