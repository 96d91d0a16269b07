//! `certseal verify`, three ways:
//!
//! - certseal's own QR payloads (no `--profile`): strings as arguments, `--file F…` (plain,
//!   `.gz`, `.zst`; `-` is stdin), or stdin, one per line, against a key directory's trust store
//!   or a signed trust list and its root, streamed in bounded memory by
//!   `certseal::verify::stream` (`run`, or `run_to_file` with `--output`, which `--resume`
//!   continues); a table, JSON lines or CSV, a summary by reason, a progress bar on a terminal;
//! - signed documents (`--document FILE`: one `.cbor`, or a bundle's CBOR sequence,
//!   `stream::verify_documents`; the same algorithm policy and checks as payloads): the JSON
//!   view of one, or one JSON line per document of a sequence;
//! - interop mode (`--profile generic|dcc`, `interop::verify`): any CWT in COSE_Sign1 against
//!   one trusted certificate or key, one JSON object per input line. The flags are a contract
//!   scripts rely on (issue 2): do not rename them.
//!
//! Exit 0 when every input is valid, 1 when some is not, 2 on a usage or input error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use certseal::crypto::Algorithm;
use certseal::status::{Limits as StatusLimits, StalePolicy, StatusList};
use certseal::trust::{KeyDir, RootCert, TrustList, TrustStore};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use certseal::verify::stream::{self, Documents, Format, Input, Progress, StreamOptions};
use certseal::verify::Verifier;
use certseal::FixedClock;

use super::{usage, CliError, CliResult, Outcome};

/// Most bytes read from one input file or stdin in interop mode (own payloads stream).
const MAX_INPUT: usize = 256 << 20;

/// Report forms of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FormatArg {
    /// Aligned columns and a summary by reason.
    Table,
    /// One JSON object per line.
    Json,
    /// CSV with a header row, cells guarded against spreadsheet formulas.
    Csv,
}

/// Interop profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ProfileArg {
    /// Any CWT in COSE_Sign1.
    Generic,
    /// EU Digital COVID Certificate rules (HC1:, zlib, kid from the certificate, hcert).
    Dcc,
}

/// `certseal verify …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Payload strings; `-` or none reads stdin, one per line. With --profile: one INPUT, a
    /// file of lines or the string itself, or `-` for stdin.
    inputs: Vec<String>,
    /// Read payloads from these files (`-` is stdin), one per line, streamed: bare `CS1:`
    /// strings, `identifier<TAB>string` lines, or an issue bundle's JSON lines; plain, gzip or
    /// zstd (told by the first bytes). Blank lines are skipped, CRLF is fine.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    file: Vec<PathBuf>,
    #[command(flatten)]
    trust: TrustFlags,
    /// One JSON object per input instead of a table (same as --format json).
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Report form [default: table].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write the report to this file instead of stdout, keeping FILE.resume up to date so an
    /// interrupted run can be resumed.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Continue an interrupted run into --output after the last line it reported (needs the
    /// same files, form and options; starts afresh when there is nothing to resume).
    #[arg(long, requires = "output")]
    resume: bool,
    /// Report only payloads that are not valid (the summary counts all).
    #[arg(long)]
    only_invalid: bool,
    /// Verifying threads [default: one per core].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Longest input line in bytes; a longer one is reported as line_too_long.
    #[arg(long, value_name = "BYTES", default_value_t = stream::DEFAULT_MAX_LINE)]
    max_line: usize,
    /// Accept only these signature algorithms (comma-separated: sm2, es256, ed25519); a
    /// payload or document signed with another is invalid (`unsupported_algorithm`). E.g.
    /// `--alg-policy sm2` for a national SM2-only deployment [default: every algorithm].
    #[arg(long, value_name = "ALG[,ALG]", value_parser = super::parse_alg, value_delimiter = ',')]
    alg_policy: Vec<Algorithm>,
    /// Verify a signed certificate document (.cbor) and print its JSON view, or every
    /// document of a CBOR sequence (an issue bundle's .cbors), one JSON line each.
    #[arg(long, value_name = "FILE.cbor", conflicts_with_all = ["inputs", "file", "profile"])]
    document: Option<PathBuf>,

    /// Interop mode: verify any CWT in COSE_Sign1 under this profile.
    #[arg(long, value_enum, help_heading = "Interop mode")]
    profile: Option<ProfileArg>,
    /// Text prefix to strip [default: HC1: under dcc, none under generic].
    #[arg(
        long,
        value_name = "STR",
        conflicts_with = "no_prefix",
        help_heading = "Interop mode"
    )]
    prefix: Option<String>,
    /// No text prefix.
    #[arg(long, help_heading = "Interop mode")]
    no_prefix: bool,
    /// Inputs are the raw COSE_Sign1 in hex.
    #[arg(long, help_heading = "Interop mode")]
    hex: bool,
    /// Check the signature only (opaque payload: no CWT or time checks).
    #[arg(long, help_heading = "Interop mode")]
    cose_only: bool,
    /// Trusted X.509 certificate, DER or PEM.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "trust_key",
        help_heading = "Interop mode"
    )]
    trust_cert: Option<PathBuf>,
    /// Trusted SubjectPublicKeyInfo public key, DER or PEM.
    #[arg(long, value_name = "FILE", help_heading = "Interop mode")]
    trust_key: Option<PathBuf>,
    /// Skip the iat/nbf/exp checks.
    #[arg(long, conflicts_with = "at", help_heading = "Interop mode")]
    no_time_check: bool,
    /// External additional authenticated data, hex.
    #[arg(long, value_name = "HEX", help_heading = "Interop mode")]
    external_aad_hex: Option<String>,
}

/// The trust and time flags `verify`, `scan` and `render face` share.
#[derive(clap::Args, Debug)]
pub(crate) struct TrustFlags {
    /// Trust the signers of this key directory [default: certseal-keys].
    #[arg(long, value_name = "DIR", conflicts_with = "trust_list")]
    keys: Option<PathBuf>,
    /// Trust the signers of this signed trust list (needs --root).
    #[arg(long, value_name = "FILE", requires = "root")]
    trust_list: Option<PathBuf>,
    /// Root certificate (PEM or DER) the trust list is signed by.
    #[arg(long, value_name = "FILE", requires = "trust_list")]
    root: Option<PathBuf>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Check revocation against this signed status snapshot; give --status again for each
    /// delta to apply on top of it, in order (`certseal status export`).
    #[arg(long = "status", value_name = "FILE")]
    status: Vec<PathBuf>,
    /// A status list past its next update (plus --stale-grace): warn (verify, mark stale) or
    /// fail (refuse with reason `stale`).
    #[arg(long, value_enum, default_value_t = StaleArg::Warn, requires = "status")]
    stale: StaleArg,
    /// Seconds past the status list's next update before it counts as stale.
    #[arg(long, value_name = "SECS", default_value_t = 0, requires = "status")]
    stale_grace: u32,
}

/// What a stale status list does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StaleArg {
    /// Verify as usual; the verdict's freshness says stale.
    Warn,
    /// Refuse with reason `stale`.
    Fail,
}

/// The status files and policy of the shared flags.
#[derive(Debug, Clone)]
pub(crate) struct StatusSource {
    files: Vec<PathBuf>,
    policy: StalePolicy,
    grace: i64,
}

/// `verifier` with the status list of `src` loaded (snapshot, then deltas), checked against
/// its trust store; a list already stale at `at` is said on stderr.
pub(crate) fn with_status(
    verifier: Verifier,
    src: &StatusSource,
    at: i64,
) -> Result<Verifier, CliError> {
    let Some((first, rest)) = src.files.split_first() else {
        return Ok(verifier);
    };
    let max = StatusLimits::DEFAULT.max_snapshot_bytes;
    let snapshot = super::read_file_capped(first, max)?;
    let deltas = rest
        .iter()
        .map(|p| super::read_file_capped(p, StatusLimits::DEFAULT.max_delta_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    let list = StatusList::load_chain(&snapshot, &deltas, verifier.trust()).map_err(|(i, e)| {
        let path = src.files.get(i).unwrap_or(first);
        CliError::Failed(format!("{}: {e}", path.display()))
    })?;
    let list = list.with_policy(src.policy).with_grace(src.grace);
    if list.is_stale_at(at) {
        super::warn(format_args!(
            "warning: the status list (sequence {}) is stale: its next update was due {}",
            list.sequence(),
            certseal::time::rfc3339(list.next_update())
        ));
    }
    Ok(verifier.with_status(list))
}

impl TrustFlags {
    /// Where the trust comes from.
    pub(crate) fn source(&self) -> TrustSource {
        TrustSource::from_flags(
            self.keys.clone(),
            self.trust_list.clone(),
            self.root.clone(),
        )
    }

    /// `--status`, `--stale`, `--stale-grace`.
    pub(crate) fn status_source(&self) -> StatusSource {
        StatusSource {
            files: self.status.clone(),
            policy: match self.stale {
                StaleArg::Warn => StalePolicy::Warn,
                StaleArg::Fail => StalePolicy::Fail,
            },
            grace: i64::from(self.stale_grace),
        }
    }

    /// `--at` as Unix seconds, if given.
    pub(crate) fn at(&self) -> Result<Option<i64>, CliError> {
        self.at
            .as_deref()
            .map(|s| super::parse_time("--at", s))
            .transpose()
    }
}

/// Where the trust comes from.
pub(crate) enum TrustSource {
    Keys(PathBuf),
    List { list: PathBuf, root: PathBuf },
}

/// Where the inputs come from.
enum Inputs {
    Strings(Vec<String>),
    File(PathBuf),
    Stdin,
}

/// Where a streamed report goes and how.
struct Report {
    opts: StreamOptions,
    output: Option<PathBuf>,
    resume: bool,
}

enum Plan {
    Own {
        trust: TrustSource,
        status: StatusSource,
        inputs: Vec<Input>,
        at: Option<i64>,
        report: Report,
        policy: Vec<Algorithm>,
    },
    Document {
        trust: TrustSource,
        status: StatusSource,
        path: PathBuf,
        at: Option<i64>,
        policy: Vec<Algorithm>,
    },
    Interop {
        trust: Anchor,
        opts: Options,
        inputs: Inputs,
    },
}

enum Anchor {
    Cert(PathBuf),
    Key(PathBuf),
}

impl Args {
    fn resolve(self, now: i64) -> Result<Plan, CliError> {
        let at = self.trust.at()?;
        let Some(profile) = self.profile else {
            let interop_flag = [
                (self.prefix.is_some(), "--prefix"),
                (self.no_prefix, "--no-prefix"),
                (self.hex, "--hex"),
                (self.cose_only, "--cose-only"),
                (self.trust_cert.is_some(), "--trust-cert"),
                (self.trust_key.is_some(), "--trust-key"),
                (self.no_time_check, "--no-time-check"),
                (self.external_aad_hex.is_some(), "--external-aad-hex"),
            ]
            .into_iter()
            .find(|(set, _)| *set);
            if let Some((_, flag)) = interop_flag {
                return Err(usage(format!(
                    "{flag} belongs to interop mode and needs --profile generic|dcc"
                )));
            }
            let trust = self.trust.source();
            let status = self.trust.status_source();
            let policy = if self.alg_policy.is_empty() {
                Algorithm::PAYLOAD.to_vec()
            } else {
                self.alg_policy
            };
            if let Some(path) = self.document {
                return Ok(Plan::Document {
                    trust,
                    status,
                    path,
                    at,
                    policy,
                });
            }
            let inputs = own_inputs(self.inputs, self.file)?;
            let format = match (self.json, self.format) {
                (true, _) | (false, Some(FormatArg::Json)) => Format::JsonLines,
                (false, Some(FormatArg::Csv)) => Format::Csv,
                (false, Some(FormatArg::Table) | None) => Format::Table,
            };
            if self.threads == Some(0) {
                return Err(usage("--threads: must be at least 1"));
            }
            if self.max_line == 0 {
                return Err(usage("--max-line: must be at least 1"));
            }
            let mut opts = StreamOptions::new(format);
            opts.only_invalid = self.only_invalid;
            opts.threads = self.threads.unwrap_or(0);
            opts.max_line = self.max_line;
            opts.at = at;
            return Ok(Plan::Own {
                trust,
                status,
                inputs,
                at,
                report: Report {
                    opts,
                    output: self.output,
                    resume: self.resume,
                },
                policy,
            });
        };
        let own_flag = [
            (self.trust.keys.is_some(), "--keys"),
            (self.trust.trust_list.is_some(), "--trust-list"),
            (self.trust.root.is_some(), "--root"),
            (!self.trust.status.is_empty(), "--status"),
            (!self.file.is_empty(), "--file"),
            (!self.alg_policy.is_empty(), "--alg-policy"),
            (self.format.is_some(), "--format"),
            (self.output.is_some(), "--output"),
            (self.only_invalid, "--only-invalid"),
            (self.threads.is_some(), "--threads"),
        ]
        .into_iter()
        .find(|(set, _)| *set);
        if let Some((_, flag)) = own_flag {
            return Err(usage(format!(
                "{flag} is for certseal's own format; interop mode takes --trust-cert or --trust-key and [INPUT | -]"
            )));
        }
        let trust = match (self.trust_cert, self.trust_key) {
            (Some(c), None) => Anchor::Cert(c),
            (None, Some(k)) => Anchor::Key(k),
            _ => {
                return Err(usage(
                    "interop mode needs exactly one of --trust-cert FILE or --trust-key FILE",
                ))
            }
        };
        let profile = match profile {
            ProfileArg::Generic => Profile::Generic,
            ProfileArg::Dcc => Profile::Dcc,
        };
        let at = if self.no_time_check {
            None
        } else {
            Some(at.unwrap_or(now))
        };
        let mut opts = Options::new(profile, at);
        if let Some(p) = self.prefix {
            opts.prefix = Some(p);
        }
        if self.no_prefix {
            opts.prefix = None;
        }
        opts.hex = self.hex;
        opts.cose_only = self.cose_only;
        if let Some(h) = self.external_aad_hex {
            opts.external_aad = certseal::codec::hex::decode(h.trim())
                .map_err(|e| usage(format!("--external-aad-hex: {e}")))?;
        }
        let inputs = match self.inputs.as_slice() {
            [] => Inputs::Stdin,
            [one] if one == "-" => Inputs::Stdin,
            [one] if Path::new(one).is_file() => Inputs::File(PathBuf::from(one)),
            [one] => Inputs::Strings(vec![one.clone()]),
            _ => {
                return Err(usage(
                    "interop mode takes one INPUT (a file of lines or the string) or -",
                ))
            }
        };
        Ok(Plan::Interop {
            trust,
            opts,
            inputs,
        })
    }
}

/// The streamed inputs: `--file` paths (`-` is stdin), or the payload strings (one line
/// each, numbered by position), or stdin.
fn own_inputs(strings: Vec<String>, files: Vec<PathBuf>) -> Result<Vec<Input>, CliError> {
    let stdin = |p: &Path| p.as_os_str() == "-";
    match (strings.as_slice(), files.is_empty()) {
        ([], false) => {
            if files.iter().filter(|p| stdin(p)).count() > 1 {
                return Err(usage("--file: stdin (-) can be read once"));
            }
            for f in files.iter().filter(|p| !stdin(p)) {
                match std::fs::metadata(f) {
                    Ok(m) if !m.is_dir() => {}
                    Ok(_) => {
                        return Err(CliError::Failed(format!("{}: is a directory", f.display())))
                    }
                    Err(e) => return Err(CliError::Failed(format!("{}: {e}", f.display()))),
                }
            }
            Ok(files
                .into_iter()
                .map(|p| {
                    if stdin(&p) {
                        Input::Stdin
                    } else {
                        Input::File(p)
                    }
                })
                .collect())
        }
        (_, false) => Err(usage("give payload strings or --file, not both")),
        ([], true) => Ok(vec![Input::Stdin]),
        ([one], true) if one == "-" => Ok(vec![Input::Stdin]),
        (_, true) => {
            if let Some(i) = strings.iter().position(|s| s.contains(['\n', '\r'])) {
                return Err(usage(format!(
                    "payload string {} holds a line break",
                    i.saturating_add(1)
                )));
            }
            let mut text = strings.join("\n");
            text.push('\n');
            Ok(vec![Input::Reader {
                name: String::new(),
                reader: Box::new(std::io::Cursor::new(text.into_bytes())),
            }])
        }
    }
}

/// One input line: its text, or why it could not be read.
enum Line {
    Text(String),
    Unreadable(String),
}

/// The non-empty lines of an interop input (`\r\n` or `\n`; spaces are kept, as base45 uses
/// them), held whole: interop mode checks a few strings from other issuers, not exports.
fn lines(inputs: Inputs) -> Result<Vec<Line>, CliError> {
    let bytes = match inputs {
        Inputs::Strings(s) => return Ok(s.into_iter().map(Line::Text).collect()),
        Inputs::File(path) => super::read_file_capped(&path, MAX_INPUT)?,
        Inputs::Stdin => super::read_capped(std::io::stdin().lock(), "stdin", MAX_INPUT)?,
    };
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            continue;
        }
        out.push(match std::str::from_utf8(raw) {
            Ok(s) => Line::Text(s.to_owned()),
            Err(e) => Line::Unreadable(format!("line {}: not UTF-8: {e}", i.saturating_add(1))),
        });
    }
    Ok(out)
}

impl TrustSource {
    /// `--keys DIR`, or `--trust-list F --root F`, or the default key directory.
    pub(crate) fn from_flags(
        keys: Option<PathBuf>,
        trust_list: Option<PathBuf>,
        root: Option<PathBuf>,
    ) -> Self {
        match (trust_list, root, keys) {
            (Some(list), Some(root), _) => TrustSource::List { list, root },
            (_, _, Some(keys)) => TrustSource::Keys(keys),
            _ => TrustSource::Keys(PathBuf::from(super::DEFAULT_KEYS)),
        }
    }
}

/// Loads the trust store from a key directory or a signed trust list.
pub(crate) fn load_trust(source: &TrustSource, now: i64) -> Result<TrustStore, CliError> {
    match source {
        TrustSource::Keys(dir) => Ok(KeyDir::open(dir)?.trust_store()?),
        TrustSource::List { list, root } => {
            let root_cert = RootCert::from_pem_or_der(&super::read(root)?)?;
            let list = TrustList::verify(&super::read(list)?, &root_cert)?;
            if list.next_update < now {
                super::warn(format_args!(
                    "warning: the trust list's next update was due {}",
                    certseal::time::rfc3339(list.next_update)
                ));
            }
            Ok(list.store)
        }
    }
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let now = super::now();
    match args.resolve(now)? {
        Plan::Own {
            trust,
            status,
            inputs,
            at,
            report,
            policy,
        } => {
            let store = load_trust(&trust, now)?;
            let at = at.unwrap_or(now);
            let verifier = Verifier::new(store)
                .with_clock(FixedClock(at))
                .allow_only(&policy);
            let verifier = with_status(verifier, &status, at)?;
            verify_stream(&verifier, inputs, &report, out)
        }
        Plan::Document {
            trust,
            status,
            path,
            at,
            policy,
        } => {
            let store = load_trust(&trust, now)?;
            let at = at.unwrap_or(now);
            let verifier = Verifier::new(store)
                .with_clock(FixedClock(at))
                .allow_only(&policy);
            let verifier = with_status(verifier, &status, at)?;
            let file = std::fs::File::open(&path)
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
            let found = stream::verify_documents(&verifier, std::io::BufReader::new(file), out)
                .map_err(|e| stream_error(e, Some(&path)))?;
            match found {
                Documents::One(verdict) => {
                    let mut view = verdict.to_json();
                    if let Some(map) = view.as_object_mut() {
                        map.insert("file".into(), path.display().to_string().into());
                    }
                    writeln!(out, "{}", pretty(&view))?;
                    Ok(if verdict.is_valid() {
                        Outcome::Ok
                    } else {
                        Outcome::NotValid
                    })
                }
                Documents::Many(summary) if summary.lines == 0 => Err(CliError::Failed(format!(
                    "{}: no document in the file",
                    path.display()
                ))),
                Documents::Many(summary) => {
                    super::warn(&summary);
                    Ok(outcome(&summary))
                }
                _ => Err(CliError::Failed("unexpected document result".into())),
            }
        }
        Plan::Interop {
            trust,
            opts,
            inputs,
        } => {
            let anchor = match load_anchor(&trust) {
                Ok(a) => a,
                Err(e) => {
                    writeln!(out, "{}", error_json(&e.to_string()))?;
                    return Err(e);
                }
            };
            let lines = lines(inputs)?;
            if lines.is_empty() {
                writeln!(out, "{}", error_json("no input"))?;
                return Err(usage("no input"));
            }
            let mut worst = Outcome::Ok;
            for line in lines {
                let (json, outcome) = match line {
                    Line::Text(t) => {
                        let report = interop::verify(&t, &anchor, &opts);
                        let outcome = if report.is_valid() {
                            Outcome::Ok
                        } else {
                            Outcome::NotValid
                        };
                        (report.to_json(), outcome)
                    }
                    Line::Unreadable(why) => (error_json(&why), Outcome::Error),
                };
                writeln!(out, "{json}")?;
                worst = worst.max(outcome);
            }
            Ok(worst)
        }
    }
}

fn load_anchor(anchor: &Anchor) -> Result<TrustAnchor, CliError> {
    let (path, parsed) = match anchor {
        Anchor::Cert(p) => (p, TrustAnchor::from_certificate(&super::read(p)?)),
        Anchor::Key(p) => (p, TrustAnchor::from_public_key(&super::read(p)?)),
    };
    parsed.map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}

/// An interop-shaped object for an input that could not be verified at all.
fn error_json(detail: &str) -> serde_json::Value {
    serde_json::json!({
        "status": "error",
        "reason": null,
        "stage": null,
        "detail": detail,
        "alg": null,
        "kid": null,
        "claims": null,
    })
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// A library error of a streaming run as the CLI reports it: a closed pipe is a clean exit.
fn stream_error(e: certseal::Error, path: Option<&Path>) -> CliError {
    match e {
        certseal::Error::Stream(stream::StreamError::Write(io)) => CliError::Io(io),
        certseal::Error::Stream(stream::StreamError::NoInput) => usage("no payloads to verify"),
        other => match path {
            Some(p) => CliError::Failed(format!("{}: {other}", p.display())),
            None => CliError::Failed(other.to_string()),
        },
    }
}

/// Exit status of a summary: 2 when a line was unreadable, 1 when a payload was not valid.
fn outcome(summary: &stream::Summary) -> Outcome {
    if summary.unreadable > 0 {
        Outcome::Error
    } else if summary.invalid > 0 {
        Outcome::NotValid
    } else {
        Outcome::Ok
    }
}

/// Streams `inputs` through the verifier into stdout or `--output`, with a progress bar on a
/// terminal, and prints the summary on stderr unless it ends the table on stdout.
fn verify_stream(
    verifier: &Verifier,
    inputs: Vec<Input>,
    report: &Report,
    out: &mut dyn Write,
) -> CliResult {
    let to_terminal = report.output.is_none() && std::io::stdout().is_terminal();
    let mut bar = Bar::new(std::io::stderr().is_terminal() && !to_terminal);
    let summary = match &report.output {
        Some(path) => stream::run_to_file(
            verifier,
            inputs,
            &report.opts,
            path,
            report.resume,
            &mut |p| bar.update(p),
        )
        .map_err(|e| stream_error(e, None))?,
        None => stream::run(
            verifier,
            inputs,
            &report.opts,
            &stream::Start::default(),
            out,
            &mut |p| {
                bar.update(p);
                Ok(())
            },
        )
        .map_err(|e| stream_error(e, None))?,
    };
    bar.finish();
    if report.output.is_some() || report.opts.format != Format::Table {
        super::warn(&summary);
    }
    Ok(outcome(&summary))
}

/// The progress bar on stderr: bytes of input with rate and ETA when the size is known, a
/// spinner otherwise; lines and lines per second beside. Hidden when not drawn to a terminal.
struct Bar {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Bar {
    fn new(shown: bool) -> Self {
        Bar {
            bar: shown.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
            started: Instant::now(),
        }
    }

    fn update(&mut self, p: &Progress<'_>) {
        let Some(bar) = &self.bar else { return };
        if bar.length().is_none() {
            let template = match p.stored_total {
                Some(total) => {
                    bar.set_length(total);
                    "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ETA {eta} {msg}"
                }
                None => "{spinner} [{elapsed_precise}] {bytes} read {msg}",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            if p.stored_total.is_none() {
                bar.set_length(u64::MAX);
            }
        }
        bar.set_position(p.stored_read);
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            p.summary.lines as f64 / secs
        } else {
            0.0
        };
        bar.set_message(format!(
            "{} lines, {rate:.0}/s, {} not valid",
            p.summary.lines,
            p.summary.invalid.saturating_add(p.summary.unreadable)
        ));
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
