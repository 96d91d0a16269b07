//! Writes a large file of signed certseal QR payloads for the streaming goals of
//! `specs/bulk-verify-cli.md` (issue 16): `--distinct` payloads are issued (the shipped sample
//! records in turn, each with its own status index, so every payload differs), then repeated
//! in turn until `--count` lines are written. Repetition is fine for throughput: the verifier
//! keeps no per-payload state (no cache unless asked), so the thousandth copy costs what the
//! first did; say so when quoting numbers.
//!
//! ```text
//! cargo run --release --example gen-payloads -- --keys /tmp/k --alg es256 \
//!     --count 10000000 --distinct 4096 --form tab /tmp/payloads.txt
//! ```
//!
//! `--keys DIR` is made with `KeyDir::init` at the current time when it does not exist yet
//! (then `certseal verify --keys DIR` accepts the payloads without `--at`). `--form bare`
//! writes `CS1:…` lines, `--form tab` writes `identifier<TAB>CS1:…` as `issue` did, `--form
//! crlf` bare lines ending in CRLF. Write big files into /tmp, never into the repository.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use certseal::crypto::Algorithm;
use certseal::issue::Issuer;
use certseal::model::{parse_json, Certificate};
use certseal::trust::{InitOptions, KeyDir};

const SAMPLES: &[u8] = include_bytes!("../data/sample-records.json");

struct Args {
    keys: PathBuf,
    alg: Algorithm,
    count: u64,
    distinct: usize,
    form: String,
    out: PathBuf,
}

fn usage() -> ! {
    eprintln!(
        "usage: gen-payloads --keys DIR [--alg es256|ed25519|sm2] [--count N] [--distinct D] \
         [--form bare|tab|crlf] OUT"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let mut keys = None;
    let mut alg = Algorithm::Es256;
    let mut count = 1_000_000u64;
    let mut distinct = 4096usize;
    let mut form = "bare".to_owned();
    let mut out = None;
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--keys" => keys = Some(PathBuf::from(value())),
            "--alg" => alg = Algorithm::from_name(&value()).unwrap_or_else(|| usage()),
            "--count" => count = value().parse().unwrap_or_else(|_| usage()),
            "--distinct" => distinct = value().parse().unwrap_or_else(|_| usage()),
            "--form" => form = value(),
            _ if a.starts_with("--") => usage(),
            _ => out = Some(PathBuf::from(a)),
        }
    }
    if !matches!(form.as_str(), "bare" | "tab" | "crlf") || distinct == 0 {
        usage()
    }
    Args {
        keys: keys.unwrap_or_else(|| usage()),
        alg,
        count,
        distinct,
        form,
        out: out.unwrap_or_else(|| usage()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args();
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let keys = if args.keys.join("root.cert.pem").exists() {
        KeyDir::open(&args.keys)?
    } else {
        KeyDir::init(
            &args.keys,
            InitOptions {
                alg: args.alg,
                authority_name: "人力资源社会保障部人事考试中心".into(),
                authority_uscc: "12100000400010398P".into(),
                signers: 1,
                now,
                signer_validity_days: 365,
                force: false,
            },
        )?
    };
    let issuer = Issuer::from_key_dir(&keys, now)?;
    let samples: Vec<Certificate> = parse_json(SAMPLES)?
        .accepted
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let certs: Vec<Certificate> = samples
        .iter()
        .cycle()
        .take(args.distinct)
        .cloned()
        .collect();
    let start = Instant::now();
    let issued = issuer
        .issue_batch(&certs, Some(0), now)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let lines: Vec<String> = issued
        .iter()
        .map(|i| match args.form.as_str() {
            "tab" => format!("{}\t{}\n", i.identifier, i.qr),
            "crlf" => format!("{}\r\n", i.qr),
            _ => format!("{}\n", i.qr),
        })
        .collect();
    let file = std::fs::File::create(&args.out)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut bytes = 0u64;
    for line in lines.iter().cycle().take(usize::try_from(args.count)?) {
        w.write_all(line.as_bytes())?;
        bytes += line.len() as u64;
    }
    w.flush()?;
    eprintln!(
        "{}: {} lines ({} distinct {} payloads, {} signed by {}), {} bytes in {:.1} s",
        args.out.display(),
        args.count,
        args.distinct,
        issuer.algorithm().name(),
        args.form,
        args.keys.display(),
        bytes,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
