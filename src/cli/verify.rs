//! `certseal verify`, three ways:
//!
//! - certseal's own QR payloads (no `--profile`): strings as arguments, `--file`, or stdin one
//!   per line, against a key directory's trust store or a signed trust list and its root
//!   (`Verifier::verify_batch`); a table or `--json` lines;
//! - a signed document (`--document FILE.cbor`, `Verifier::verify_document`, the same
//!   algorithm policy and checks as payloads): its JSON view;
//! - interop mode (`--profile generic|dcc`, `interop::verify`): any CWT in COSE_Sign1 against
//!   one trusted certificate or key, one JSON object per input line. The flags are a contract
//!   scripts rely on (issue 2): do not rename them.
//!
//! Exit 0 when every input is valid, 1 when some is not, 2 on a usage or input error.

use std::io::Write;
use std::path::{Path, PathBuf};

use certseal::crypto::Algorithm;
use certseal::status::{Limits as StatusLimits, StalePolicy, StatusList};
use certseal::trust::{KeyDir, RootCert, TrustList, TrustStore};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use certseal::verify::{Verdict, Verifier};
use certseal::FixedClock;

use super::{usage, CliError, CliResult, Outcome};

/// Most bytes read from one input file or stdin.
const MAX_INPUT: usize = 256 << 20;

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
    /// Read payloads from this file, one per line (`identifier<TAB>payload` lines as written
    /// by `issue` are accepted).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustFlags,
    /// One JSON object per input instead of a table.
    #[arg(long)]
    json: bool,
    /// Accept only these signature algorithms (comma-separated: sm2, es256, ed25519); a
    /// payload or document signed with another is invalid (`unsupported_algorithm`). E.g.
    /// `--alg-policy sm2` for a national SM2-only deployment [default: every algorithm].
    #[arg(long, value_name = "ALG[,ALG]", value_parser = super::parse_alg, value_delimiter = ',')]
    alg_policy: Vec<Algorithm>,
    /// Verify a signed certificate document (.cbor) and print its JSON view.
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

enum Plan {
    Own {
        trust: TrustSource,
        status: StatusSource,
        inputs: Inputs,
        at: Option<i64>,
        json: bool,
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
            return Ok(Plan::Own {
                trust,
                status,
                inputs,
                at,
                json: self.json,
                policy,
            });
        };
        let own_flag = [
            (self.trust.keys.is_some(), "--keys"),
            (self.trust.trust_list.is_some(), "--trust-list"),
            (self.trust.root.is_some(), "--root"),
            (!self.trust.status.is_empty(), "--status"),
            (self.file.is_some(), "--file"),
            (!self.alg_policy.is_empty(), "--alg-policy"),
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

fn own_inputs(strings: Vec<String>, file: Option<PathBuf>) -> Result<Inputs, CliError> {
    match (strings.as_slice(), file) {
        ([], Some(f)) => Ok(Inputs::File(f)),
        (_, Some(_)) => Err(usage("give payload strings or --file, not both")),
        ([], None) => Ok(Inputs::Stdin),
        ([one], None) if one == "-" => Ok(Inputs::Stdin),
        (_, None) => Ok(Inputs::Strings(strings)),
    }
}

/// One input line: its text, or why it could not be read.
enum Line {
    Text(String),
    Unreadable(String),
}

/// The non-empty lines of a file or stdin (`\r\n` or `\n`; spaces are kept, as base45 uses
/// them). Own format takes the part after the last TAB, so `qr.txt` verifies as written.
fn lines(inputs: Inputs, after_tab: bool) -> Result<Vec<Line>, CliError> {
    let bytes = match inputs {
        Inputs::Strings(s) => return Ok(s.into_iter().map(Line::Text).collect()),
        Inputs::File(path) => super::read_file_capped(&path, MAX_INPUT)?,
        Inputs::Stdin => super::read_capped(std::io::stdin().lock(), "stdin", MAX_INPUT)?,
    };
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let raw = if after_tab {
            raw.rsplit(|&b| b == b'\t').next().unwrap_or(raw)
        } else {
            raw
        };
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
            json,
            policy,
        } => {
            let store = load_trust(&trust, now)?;
            let lines = lines(inputs, true)?;
            if lines.is_empty() {
                return Err(usage("no payloads to verify"));
            }
            let at = at.unwrap_or(now);
            let verifier = Verifier::new(store)
                .with_clock(FixedClock(at))
                .allow_only(&policy);
            let verifier = with_status(verifier, &status, at)?;
            let results = verify_lines(&verifier, lines);
            print_own(&results, json, out)
        }
        Plan::Document {
            trust,
            status,
            path,
            at,
            policy,
        } => {
            let store = load_trust(&trust, now)?;
            let bytes = super::read(&path)?;
            let at = at.unwrap_or(now);
            let verifier = Verifier::new(store)
                .with_clock(FixedClock(at))
                .allow_only(&policy);
            let verdict = with_status(verifier, &status, at)?.verify_document(&bytes);
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
            let lines = lines(inputs, false)?;
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

/// A verdict, or why the input was unreadable.
pub(crate) enum Checked {
    Verdict(Box<Verdict>),
    Unreadable(String),
}

/// Verifies the readable lines in parallel, keeping input order.
fn verify_lines(verifier: &Verifier, lines: Vec<Line>) -> Vec<Checked> {
    let texts: Vec<&str> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Text(t) => Some(t.as_str()),
            Line::Unreadable(_) => None,
        })
        .collect();
    let mut verdicts = verifier.verify_batch(&texts).into_iter();
    lines
        .into_iter()
        .filter_map(|l| match l {
            Line::Text(_) => verdicts.next().map(|v| Checked::Verdict(Box::new(v))),
            Line::Unreadable(why) => Some(Checked::Unreadable(why)),
        })
        .collect()
}

/// Verifies payload strings (for `demo`).
pub(crate) fn verify_strings(verifier: &Verifier, texts: &[&str]) -> Vec<Checked> {
    verifier
        .verify_batch(texts)
        .into_iter()
        .map(|v| Checked::Verdict(Box::new(v)))
        .collect()
}

/// Prints verdicts as JSON lines or a table; returns the worst outcome.
pub(crate) fn print_own(results: &[Checked], json: bool, out: &mut dyn Write) -> CliResult {
    let mut worst = Outcome::Ok;
    if !json {
        writeln!(
            out,
            "{:>4}  {:<8} {:<18} {:<6} {:<17} {:<10} {:<8} QUALIFICATION / IDENTIFIER",
            "#", "STATUS", "REASON", "ALG", "KID", "HOLDER", "KIND"
        )?;
    }
    for (i, r) in results.iter().enumerate() {
        let n = i.saturating_add(1);
        match r {
            Checked::Verdict(v) => {
                worst = worst.max(if v.is_valid() {
                    Outcome::Ok
                } else {
                    Outcome::NotValid
                });
                if json {
                    writeln!(out, "{}", v.to_json())?;
                } else {
                    writeln!(out, "{}", table_row(n, v))?;
                }
            }
            Checked::Unreadable(why) => {
                worst = Outcome::Error;
                if json {
                    let j = serde_json::json!({
                        "status": "error", "reason": "input", "stage": null, "detail": why,
                        "alg": null, "kid": null, "certificate": null,
                    });
                    writeln!(out, "{j}")?;
                } else {
                    writeln!(out, "{n:>4}  {:<8} {why}", "error")?;
                }
            }
        }
    }
    if !json {
        let invalid = results
            .iter()
            .filter(|r| !matches!(r, Checked::Verdict(v) if v.is_valid()))
            .count();
        writeln!(
            out,
            "{} payloads: {} valid, {} not valid",
            results.len(),
            results.len().saturating_sub(invalid),
            invalid
        )?;
        for (i, r) in results.iter().enumerate() {
            if let Checked::Verdict(v) = r {
                let Err(e) = &v.result else { continue };
                writeln!(
                    out,
                    "  #{}: {} ({}): {e}",
                    i.saturating_add(1),
                    e.code(),
                    e.stage()
                )?;
            }
        }
    }
    Ok(worst)
}

fn table_row(n: usize, v: &Verdict) -> String {
    let view = v.certificate.as_ref().map(|c| c.to_json());
    let field = |path: &[&str]| -> String {
        let mut cur = view.as_ref();
        for p in path {
            cur = cur.and_then(|c| c.get(*p));
        }
        match cur {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => "-".into(),
            Some(other) => other.to_string(),
        }
    };
    let status = if v.is_valid() { "valid" } else { "invalid" };
    let reason = v.result.as_ref().err().map_or("-", |r| r.code());
    let alg = v.alg.map_or("-", |a| a.name());
    let kid = v
        .kid
        .map_or_else(|| "-".into(), |k| certseal::codec::hex::encode(&k));
    let qual = format!(
        "{} {} {}",
        field(&["qualification", "name"]),
        field(&["qualification", "level_name"]),
        field(&["qualification", "specialty_name"])
    );
    format!(
        "{n:>4}  {status:<8} {reason:<18} {alg:<6} {kid:<17} {} {} {} / {}",
        pad(&field(&["holder", "name"]), 10),
        pad(&field(&["kind"]), 8),
        qual.trim_end_matches(" -"),
        field(&["identifier"]),
    )
}

/// `s` padded with spaces to `width` terminal columns, counting CJK characters as two.
fn pad(s: &str, width: usize) -> String {
    let wide = |c: char| {
        matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}'
            | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}'
            | '\u{FFE0}'..='\u{FFE6}')
    };
    let used: usize = s.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(used)))
}
