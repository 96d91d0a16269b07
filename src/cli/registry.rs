//! Flags and helpers the registry subcommands share (`--db`, `--actor`, `--json`, dates,
//! the calendar). The commands themselves are one file each; everything of substance is in
//! `certseal::registry`.

use std::path::PathBuf;

use certseal::model::Date;
use certseal::registry::{Calendar, Registry};

use super::CliError;

/// Default registry file, in the working directory.
pub(crate) const DEFAULT_DB: &str = "certseal-registry.db";

/// `--db FILE|sqlite:FILE|postgres://… --actor NAME`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DbFlags {
    /// The registry: a SQLite file (created when missing), `sqlite:FILE`, or
    /// `postgres://user@host:port/db?sslmode=require&sslrootcert=FILE` (feature postgres)
    /// [default: $DATABASE_URL, else certseal-registry.db].
    #[arg(long, value_name = "LOCATION")]
    pub(crate) db: Option<String>,
    /// Who performs the operation, for the audit log [default: $USER, else "operator"].
    #[arg(long)]
    pub(crate) actor: Option<String>,
}

impl DbFlags {
    /// Where the registry is: `--db`, else `$DATABASE_URL`, else the default file.
    pub(crate) fn location(&self) -> String {
        self.db
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_DB.to_owned())
    }

    /// Opens the registry with the actor set.
    pub(crate) fn open(&self) -> Result<Registry, CliError> {
        let actor = self
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "operator".into());
        let location = self.location();
        Ok(Registry::open_url(&location)
            .map_err(|e| CliError::Failed(format!("{}: {e}", redacted(&location))))?
            .with_actor(actor))
    }
}

/// `location` without a password, for messages.
pub(crate) fn redacted(location: &str) -> String {
    match location.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((auth, host)) => {
                let user = auth.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => location.to_owned(),
        },
        None => location.to_owned(),
    }
}

/// A `YYYY-MM-DD` date given to `flag`.
pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).map_err(|e| format!("got {s:?}, expected YYYY-MM-DD: {}", e.rule()))
}

/// Today in China (UTC+8).
pub(crate) fn today() -> Result<Date, CliError> {
    Ok(Date::from_unix(super::now().saturating_add(8 * 3600))?)
}

/// The shipped calendar, replaced or extended for the years `file` covers.
pub(crate) fn calendar(file: Option<&PathBuf>) -> Result<Calendar, CliError> {
    let builtin = Calendar::builtin();
    match file {
        None => Ok(builtin.clone()),
        Some(path) => {
            let bytes = super::read_file_capped(path, 4 * 1024 * 1024)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| CliError::Failed(format!("{}: not UTF-8", path.display())))?;
            let extra = Calendar::parse(&text)
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
            Ok(builtin.extended_with(&extra))
        }
    }
}
