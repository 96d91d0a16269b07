//! `certseal speed`: bare sign/verify beside the issue and verify pipelines, single thread and
//! batch, in one run (`certseal::internal::speed::run`). A table like `openssl speed`, or one
//! JSON object with `ops_per_sec` and `ratios` (best slices), `ops_per_sec_median` and
//! `ratios_median`, and the `definitions` of every ratio (numerator, denominator, goal).

use std::io::Write;

use certseal::crypto::Algorithm;
use certseal::internal::speed::{run, SpeedOptions};

use super::{usage, CliError, CliResult, Outcome};

/// `certseal speed [--json] [--seconds S] [--alg …]`
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
    let bulk = args.bulk;
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
            let b =
                certseal::registry::measure_bulk(&std::env::temp_dir(), alg, bulk, super::now())?;
            if !json {
                writeln!(
                    out,
                    "{:<8} bulk issue {} records (submit + issue pipelined, committed): {:.2} s; bare signing 2×{}: {:.2} s on {} threads; bulk_vs_bare_sign {:.3} (goal <= 1.5); one step after the other: {:.2} s (submit {:.2} s), {:.3}",
                    alg.name(), b.records, b.bulk_secs, b.records, b.bare_secs, b.threads, b.ratio(), b.sequential_secs, b.submit_secs, b.sequential_ratio()
                )?;
            }
            rows.push(b.to_json());
        }
        value["bulk"] = serde_json::Value::Array(rows);
    }
    if json {
        writeln!(out, "{value}")?;
    }
    Ok(Outcome::Ok)
}
