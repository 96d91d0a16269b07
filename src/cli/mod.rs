//! The `certseal` command line: flags → a plain struct (clap derive, no side effects) → a
//! resolved plan → one library call → printed result. No CBOR, SQL or crypto here; everything
//! of substance is in the library.
//!
//! Exit codes: 0 success (all valid), 1 some not valid (or some records rejected), 2 usage or
//! input error. A closed pipe on stdout (`certseal verify … | head`) is a clean exit.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use certseal::crypto::Algorithm;
use certseal::{Clock, SystemClock};

#[cfg(feature = "sqlite")]
mod audit;
#[cfg(feature = "sqlite")]
mod deadlines;
mod demo;
#[cfg(feature = "sqlite")]
mod demo_registry;
#[cfg(feature = "sqlite")]
mod destroy;
#[cfg(feature = "sqlite")]
mod export;
mod identifier;
mod issue;
#[cfg(feature = "sqlite")]
mod issue_pending;
mod keys;
#[cfg(feature = "sqlite")]
mod lookup;
#[cfg(feature = "sqlite")]
mod objection;
#[cfg(feature = "sqlite")]
mod progress;
#[cfg(feature = "sqlite")]
mod registry;
#[cfg(feature = "postgres")]
mod registry_migrate;
#[cfg(feature = "sqlite")]
mod reissue;
#[cfg(feature = "qr")]
mod render;
#[cfg(feature = "sqlite")]
mod revoke;
#[cfg(feature = "qr")]
mod scan;
#[cfg(feature = "server")]
mod serve;
mod speed;
mod status;
#[cfg(feature = "sqlite")]
mod submit;
mod trust;
mod verify;

/// Default key directory of `keys init` and the commands that read it.
pub(crate) const DEFAULT_KEYS: &str = "certseal-keys";
/// Default issuing authority.
pub(crate) const AUTHORITY_NAME: &str = "人力资源社会保障部人事考试中心";
/// Its unified social credit code.
pub(crate) const AUTHORITY_USCC: &str = "12100000400010398P";

/// Signs and verifies electronic professional qualification certificates (CBOR / COSE_Sign1 /
/// base45 QR payloads).
#[derive(Debug, Parser)]
#[command(name = "certseal", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make the root and document-signer keys.
    Keys(keys::Args),
    /// Export the signed trust list.
    Trust(trust::Args),
    /// Issue signed documents and QR payloads from JSON or CSV records.
    Issue(issue::Args),
    /// Verify QR payloads (certseal's format, or any CWT with --profile) or a document.
    Verify(verify::Args),
    /// Scan QR codes from photos and scans (PNG, JPEG, folders) and verify them.
    #[cfg(feature = "qr")]
    Scan(scan::Args),
    /// Render a QR code or a verified certificate's face as SVG or PNG.
    #[cfg(feature = "qr")]
    Render(render::Args),
    /// Check or mint e-licence identifiers, resident ID numbers, credit codes.
    Identifier(identifier::Args),
    /// Submit an examination body's batch (CSV/JSON) into the registry.
    #[cfg(feature = "sqlite")]
    Submit(submit::Args),
    /// Re-issue a certificate: change (换发) or replacement (补发).
    #[cfg(feature = "sqlite")]
    Reissue(reissue::Args),
    /// Invalidate a certificate (revoked at once), or revoke a compromised signer key.
    #[cfg(feature = "sqlite")]
    Revoke(revoke::Args),
    /// Look a certificate up: by identifier, management number + name, ID number + name.
    #[cfg(feature = "sqlite")]
    Lookup(lookup::Args),
    /// Record and resolve objections (异议).
    #[cfg(feature = "sqlite")]
    Objection(objection::Args),
    /// Record the destruction of a recovered paper certificate.
    #[cfg(feature = "sqlite")]
    Destroy(destroy::Args),
    /// Working-day deadlines of the rules, and what is overdue.
    #[cfg(feature = "sqlite")]
    Deadlines(deadlines::Args),
    /// Progress figures per examination and batch.
    #[cfg(feature = "sqlite")]
    Progress(progress::Args),
    /// Verify the registry's hash-chained audit log.
    #[cfg(feature = "sqlite")]
    Audit(audit::Args),
    /// Write the registry's documents and QR strings to files.
    #[cfg(feature = "sqlite")]
    Export(export::Args),
    /// Measure bare signatures beside the issue and verify pipelines.
    Speed(speed::Args),
    /// Run the whole flow on the shipped sample records.
    Demo(demo::Args),
    /// Export the registry's revocation status (snapshot, delta, Token Status List) or
    /// inspect a status document.
    Status(status::Args),
    /// Serve the HTTP API and the verification page (`specs/http.md`).
    #[cfg(feature = "server")]
    Serve(serve::Args),
    /// Registry administration: copy an SQLite registry into PostgreSQL.
    #[cfg(feature = "postgres")]
    Registry(registry_migrate::Args),
}

/// How a command ended, worst wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Outcome {
    /// Everything valid / done: exit 0.
    Ok,
    /// Something not valid, or some records rejected: exit 1.
    NotValid,
    /// An input could not be used: exit 2.
    Error,
}

impl Outcome {
    fn code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::NotValid => 1,
            Outcome::Error => 2,
        }
    }
}

/// Why a command stopped early. All exit 2, except a broken pipe, which exits 0.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The flags do not make sense together.
    Usage(String),
    /// An input could not be read or used.
    Failed(String),
    /// Writing the output failed.
    Io(io::Error),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => write!(f, "usage: {m}"),
            CliError::Failed(m) => f.write_str(m),
            CliError::Io(e) => write!(f, "writing output: {e}"),
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Io(e)
    }
}

impl From<certseal::Error> for CliError {
    #[cold]
    fn from(e: certseal::Error) -> Self {
        CliError::Failed(e.to_string())
    }
}

impl From<certseal::trust::TrustError> for CliError {
    #[cold]
    fn from(e: certseal::trust::TrustError) -> Self {
        CliError::Failed(e.to_string())
    }
}

#[cfg(feature = "qr")]
impl From<certseal::qr::QrError> for CliError {
    #[cold]
    fn from(e: certseal::qr::QrError) -> Self {
        CliError::Failed(e.to_string())
    }
}

impl From<certseal::model::ModelError> for CliError {
    #[cold]
    fn from(e: certseal::model::ModelError) -> Self {
        CliError::Failed(e.to_string())
    }
}

#[cold]
pub(crate) fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// The result every `exec` returns.
pub(crate) type CliResult = Result<Outcome, CliError>;

/// Parses the command line and runs the command.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = run(cli.command, &mut out).and_then(|o| {
        out.flush()?;
        Ok(o)
    });
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(CliError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            warn(format_args!("certseal: {e}"));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command, out: &mut dyn Write) -> CliResult {
    match command {
        Command::Keys(a) => keys::exec(a, out),
        Command::Trust(a) => trust::exec(a, out),
        Command::Issue(a) => issue::exec(a, out),
        Command::Verify(a) => verify::exec(a, out),
        #[cfg(feature = "qr")]
        Command::Scan(a) => scan::exec(a, out),
        #[cfg(feature = "qr")]
        Command::Render(a) => render::exec(a, out),
        Command::Identifier(a) => identifier::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Submit(a) => submit::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Reissue(a) => reissue::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Revoke(a) => revoke::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Lookup(a) => lookup::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Objection(a) => objection::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Destroy(a) => destroy::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Deadlines(a) => deadlines::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Progress(a) => progress::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Audit(a) => audit::exec(a, out),
        #[cfg(feature = "sqlite")]
        Command::Export(a) => export::exec(a, out),
        Command::Speed(a) => speed::exec(a, out),
        Command::Demo(a) => demo::exec(a, out),
        Command::Status(a) => status::exec(a, out),
        #[cfg(feature = "server")]
        Command::Serve(a) => serve::exec(a, out),
        #[cfg(feature = "postgres")]
        Command::Registry(a) => registry_migrate::exec(a, out),
    }
}

/// Writes a line to stderr; a closed stderr is ignored.
pub(crate) fn warn(msg: impl fmt::Display) {
    let _ = writeln!(io::stderr(), "{msg}");
}

/// The system time, seconds since the epoch.
pub(crate) fn now() -> i64 {
    SystemClock.now()
}

/// `es256` / `ed25519` (also `eddsa`) / `sm2` (feature `sm2`) for clap.
pub(crate) fn parse_alg(s: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(s)
        .filter(|a| Algorithm::ALL.contains(a))
        .ok_or_else(|| {
            let names: Vec<String> = Algorithm::ALL
                .iter()
                .map(|a| match a {
                    Algorithm::EdDsa => "ed25519".to_owned(),
                    other => other.name().to_ascii_lowercase(),
                })
                .collect();
            format!("got {s:?}, expected {}", names.join(" or "))
        })
}

/// An RFC 3339 time given to `flag`.
pub(crate) fn parse_time(flag: &str, s: &str) -> Result<i64, CliError> {
    certseal::time::parse_rfc3339(s).ok_or_else(|| {
        usage(format!(
            "{flag}: got {s:?}, expected RFC 3339 like 2026-11-26T08:00:00Z"
        ))
    })
}

/// Reads a whole file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}

/// Reads at most `max + 1` bytes of `r`, so an oversized input is refused without being
/// held in memory whole.
pub(crate) fn read_capped(r: impl io::Read, what: &str, max: usize) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    r.take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::Failed(format!("{what}: {e}")))?;
    if buf.len() > max {
        return Err(CliError::Failed(format!("{what}: more than {max} bytes")));
    }
    Ok(buf)
}

/// Reads a file of at most `max` bytes.
pub(crate) fn read_file_capped(path: &Path, max: usize) -> Result<Vec<u8>, CliError> {
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    read_capped(file, &path.display().to_string(), max)
}

/// Writes a whole file.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}

/// Makes a directory and its parents.
pub(crate) fn make_dir(path: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(path).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}
