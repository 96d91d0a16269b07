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
    let (opts, json) = args.resolve()?;
    if !json {
        let rows = opts.algorithms.len().saturating_mul(6);
        super::warn(format_args!(
            "measuring {rows} rows of {} s each …",
            opts.seconds
        ));
    }
    let report = run(&opts)?;
    if json {
        writeln!(out, "{}", report.to_json())?;
    } else {
        writeln!(out, "{report}")?;
    }
    Ok(Outcome::Ok)
}
