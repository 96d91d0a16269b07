//! Flags and helpers the registry subcommands share (`--db`, `--actor`, `--json`, dates,
//! the calendar). The commands themselves are one file each; everything of substance is in
//! `certseal::registry`.

use std::path::PathBuf;

use certseal::model::Date;
use certseal::registry::{Calendar, Registry};

use super::CliError;

/// Default registry file, in the working directory.
pub(crate) const DEFAULT_DB: &str = "certseal-registry.db";

/// `--db FILE --actor NAME`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DbFlags {
    /// The registry file (SQLite; created when missing).
    #[arg(long, default_value = DEFAULT_DB)]
    pub(crate) db: PathBuf,
    /// Who performs the operation, for the audit log [default: $USER, else "operator"].
    #[arg(long)]
    pub(crate) actor: Option<String>,
}

impl DbFlags {
    /// Opens the registry with the actor set.
    pub(crate) fn open(&self) -> Result<Registry, CliError> {
        let actor = self
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "operator".into());
        Ok(Registry::open(&self.db)
            .map_err(|e| CliError::Failed(format!("{}: {e}", self.db.display())))?
            .with_actor(actor))
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
