//! `certseal speed`: bare sign/verify beside the issue and verify pipelines, single thread and
//! batch, in one run (`certseal::internal::speed::run`). A table like `openssl speed`, or one
//! JSON object with `ops_per_sec` and `ratios` (best slices), `ops_per_sec_median` and
//! `ratios_median`, and the `definitions` of every ratio (numerator, denominator, goal).

use std::io::Write;

use certseal::crypto::Algorithm;
use certseal::internal::speed::stream::{self, StreamSpeedOptions};
use certseal::internal::speed::{run, SpeedOptions};

use super::{usage, CliError, CliResult, Outcome};

/// `certseal speed [--json] [--seconds S] [--alg …] [--bulk N [--bulk-rounds R]] [--stream N
/// [--stream-rounds R]]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Seconds to measure each row.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Only these algorithms (es256, ed25519, sm2) [default: every one this build has].
    #[arg(long, value_parser = super::parse_alg, value_delimiter = ',')]
    alg: Vec<Algorithm>,
    /// Most strings per batch-verify call.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Time single-thread rows by the wall clock instead of the thread's CPU time.
    #[arg(long)]
    wall: bool,
    /// Also time bulk issuance through the registry (submit a synthetic CSV of N records and
    /// issue them into a scratch SQLite file) beside the bare signing it performs (2N
    /// signatures on the same threads); 0 skips it.
    #[cfg(feature = "sqlite")]
    #[arg(long, default_value_t = 10_000)]
    bulk: u64,
    /// Rounds of the bulk row (a pipelined pass between two bare signing passes each; the
    /// figure is the median of the paired ratios).
    #[cfg(feature = "sqlite")]
    #[arg(long, default_value_t = 3)]
    bulk_rounds: usize,
    /// Also time the streaming verifier (`verify --file IN --output OUT`) in table, JSON-lines
    /// and CSV form on a generated file of N lines, interleaved with the in-process bulk
    /// verifier on the same payloads and threads (specs/bulk-verify-cli.md); 0 skips it.
    #[arg(long, default_value_t = 0)]
    stream: u64,
    /// Rounds of the stream row (one pass per form each, between in-process bulk passes).
    #[arg(long, default_value_t = 5)]
    stream_rounds: usize,
    /// Worker threads of the stream row, both sides; 0: one per core, as `verify`.
    #[arg(long, default_value_t = 0)]
    stream_threads: usize,
}

impl Args {
    fn resolve(self) -> Result<(SpeedOptions, bool), CliError> {
        if !(self.seconds.is_finite() && self.seconds > 0.0 && self.seconds <= 600.0) {
            return Err(usage(format!(
                "--seconds: got {}, expected more than 0 and at most 600",
                self.seconds
            )));
        }
        if self.batch == 0 {
            return Err(usage("--batch: must be at least 1"));
        }
        let algorithms = if self.alg.is_empty() {
            Algorithm::ALL.to_vec()
        } else {
            self.alg
        };
        Ok((
            SpeedOptions {
                seconds: self.seconds,
                algorithms,
                max_batch: self.batch,
                thread_cpu_time: !self.wall,
            },
            self.json,
        ))
    }
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    #[cfg(feature = "sqlite")]
    let (bulk, bulk_rounds) = (args.bulk, args.bulk_rounds);
    #[cfg(feature = "sqlite")]
    if bulk_rounds == 0 {
        return Err(usage("--bulk-rounds: must be at least 1"));
    }
    if args.stream_rounds == 0 {
        return Err(usage("--stream-rounds: must be at least 1"));
    }
    let stream_opts = (args.stream > 0).then(|| StreamSpeedOptions {
        lines: args.stream,
        rounds: args.stream_rounds,
        threads: args.stream_threads,
        algorithms: Vec::new(),
        ..StreamSpeedOptions::default()
    });
    let (opts, json) = args.resolve()?;
    if !json {
        let rows = opts.algorithms.len().saturating_mul(8);
        super::warn(format_args!(
            "measuring {rows} rows of {} s each …",
            opts.seconds
        ));
    }
    let report = run(&opts)?;
    #[allow(unused_mut)]
    let mut value = report.to_json();
    if !json {
        writeln!(out, "{report}")?;
    }
    #[cfg(feature = "sqlite")]
    if bulk > 0 {
        let mut rows = Vec::new();
        for &alg in &opts.algorithms {
            if !json {
                super::warn(format_args!("bulk issuance of {bulk} {alg} records …"));
            }
            let b = certseal::internal::speed::bulk::measure_bulk(
                &std::env::temp_dir(),
                alg,
                bulk,
                super::now(),
                bulk_rounds,
            )?;
            if !json {
                let s = b.spread();
                writeln!(
                    out,
                    "{:<8} bulk issue {} records (submit + issue pipelined, committed): {:.2} s; bare signing 2×{}: {:.2} s on {} threads (medians); bulk_vs_bare_sign {:.3} [best {:.3}, worst {:.3}] (median of {} paired rounds; goal <= 1.5); one step after the other: {:.2} s (submit {:.2} s), {:.3}",
                    alg.name(), b.records, b.bulk_secs, b.records, b.bare_secs, b.threads, s.median, s.best, s.worst, b.paired.len(), b.sequential_secs, b.submit_secs, b.sequential_ratio()
                )?;
            }
            rows.push(b.to_json());
        }
        value["bulk"] = serde_json::Value::Array(rows);
    }
    if let Some(mut stream_opts) = stream_opts {
        stream_opts.algorithms.clone_from(&opts.algorithms);
        if !json {
            super::warn(format_args!(
                "stream row: {} lines × 3 forms × {} rounds per algorithm …",
                stream_opts.lines, stream_opts.rounds
            ));
        }
        let report = stream::run(&stream_opts)?;
        if !json {
            writeln!(out, "{report}")?;
        }
        value["stream"] = report.to_json();
    }
    if json {
        writeln!(out, "{value}")?;
    }
    Ok(Outcome::Ok)
}
