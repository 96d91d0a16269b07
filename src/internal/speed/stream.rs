//! `certseal speed --stream N`: the streaming bulk verifier, input file to report file, beside
//! the in-process bulk verifier on the same payloads and the same threads, in one process,
//! pass by pass (issue 16's throughput goal; `specs/bulk-verify-cli.md`, "Measurements" 9).
//!
//! This module owns that measurement: the input file (generated once per algorithm in a
//! scratch directory, removed afterwards), the interleaved passes, their timing by the wall
//! clock and by the process's CPU time, and the paired ratios. It reaches the verifier and
//! the stream through their public entries only and prints nothing; nothing is asserted on
//! the times.
//!
//! - **Input**: `N` lines `identifier<TAB>CS1:…`, the form `issue` writes, cycling through a
//!   set of distinct payloads (4,096 by default) issued by the `bulk` row's signers (2 for
//!   ES256 and SM2; for Ed25519 up to 1,000, one per payload of a batch: the batch equation's
//!   worst case), all valid at the fixed instant every row verifies at.
//! - **In-process bulk pass**: the same `N` payloads, held in memory, through
//!   [`Verifier::verify_many_cofactored_at`] one chunk of [`BATCH_SIZE`] per call (line `k`
//!   of the file is payload `k` of the pass, and the chunks are the file's batches), `T`
//!   threads taking chunks in turn; no file, no report.
//! - **Stream pass**: [`run_to_file`] — what `certseal verify --file IN --output OUT --threads
//!   T --format F` calls — with `T` workers, reading the file, writing the report to a real
//!   file (removed after the pass, outside the timing), for each of table, JSON lines and CSV.
//! - **Order**: a warm-up (every pass once on a short file), then `R` rounds of `bulk, F1,
//!   bulk, F2, bulk, F3, bulk` (the forms' order rotates each round, consecutive rounds share
//!   their boundary bulk pass), so every stream pass has a bulk pass just before and just
//!   after it.
//! - **Ratios**: each stream pass's rate (lines per second) ÷ the mean of the rates of the two
//!   bulk passes either side of it; per form, the median of those `R` paired ratios, and the
//!   best and worst. Once by wall time, once by the process's CPU time (user + system of
//!   every thread, [`super::process_cpu_secs`]: 10 ms ticks, so passes shorter than a second
//!   or so read coarse). Load from elsewhere on the machine moves both passes of a pair alike,
//!   mostly.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::{bulk_inputs, process_cpu_secs, round, sample_certs, speed_root, NOW};
use crate::crypto::Algorithm;
use crate::trust::TrustError;
use crate::verify::stream::{run_to_file, Format, Input, StreamOptions};
use crate::verify::{Verifier, BATCH_SIZE};

/// The report forms measured, in the order of a round's first turn.
const FORMS: [Format; 3] = [Format::Table, Format::JsonLines, Format::Csv];
/// Lines of the warm-up file (at most `N`).
const WARM_LINES: u64 = 2_048;

/// What the stream row measures.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpeedOptions {
    /// Lines in the input file (each pass goes over all of them).
    pub lines: u64,
    /// Rounds of one pass per form (each between two bulk passes); at least 1.
    pub rounds: usize,
    /// Worker threads of both sides; 0 means one per available core (the CLI's default).
    pub threads: usize,
    /// The algorithms, one input file each.
    pub algorithms: Vec<Algorithm>,
    /// Distinct payloads the lines cycle through (at most `lines`).
    pub distinct: usize,
    /// Where the scratch directory (input and report files) is made.
    pub dir: PathBuf,
}

impl Default for StreamSpeedOptions {
    fn default() -> Self {
        StreamSpeedOptions {
            lines: 100_000,
            rounds: 5,
            threads: 0,
            algorithms: vec![Algorithm::Es256],
            distinct: 4_096,
            dir: std::env::temp_dir(),
        }
    }
}

/// Paired ratios of rounds (one form by one clock here; issue 9's bulk issuance in
/// `internal::speed::bulk::BulkSpeed`): median, best and worst.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    /// The median paired ratio (the mean of the middle two for an even count).
    pub median: f64,
    /// The best: the highest, or the lowest for ratios of costs (seconds ÷ seconds).
    pub best: f64,
    /// The worst: the lowest, or the highest for ratios of costs.
    pub worst: f64,
}

impl Spread {
    fn of(ratios: &[f64]) -> Self {
        Spread {
            median: super::median_of(ratios),
            best: ratios.iter().copied().fold(f64::NAN, f64::max),
            worst: ratios.iter().copied().fold(f64::NAN, f64::min),
        }
    }

    /// Of ratios where lower is better (seconds ÷ seconds, as issue 9's bulk issuance
    /// against bare signing): the best is the lowest.
    pub(crate) fn of_costs(ratios: &[f64]) -> Self {
        Spread {
            median: super::median_of(ratios),
            best: ratios.iter().copied().fold(f64::NAN, f64::min),
            worst: ratios.iter().copied().fold(f64::NAN, f64::max),
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "median": round(self.median, 4),
            "best": round(self.best, 4),
            "worst": round(self.worst, 4),
        })
    }
}

/// One report form against the bulk passes beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct FormSpeed {
    /// The form.
    pub format: Format,
    /// Lines per wall-clock second, median pass.
    pub wall_rate: f64,
    /// Lines per CPU-second of the process, median pass (`None` without `/proc`).
    pub cpu_rate: Option<f64>,
    /// Stream ÷ bulk, paired by round, wall clock.
    pub wall: Spread,
    /// Stream ÷ bulk, paired by round, CPU time.
    pub cpu: Option<Spread>,
    /// Bytes of the report one pass writes.
    pub output_bytes: u64,
}

impl FormSpeed {
    /// The ratio's key: `stream_table_vs_bulk`, `stream_json_vs_bulk`, `stream_csv_vs_bulk`.
    pub fn key(&self) -> &'static str {
        form_key(self.format)
    }
}

fn form_key(format: Format) -> &'static str {
    match format {
        Format::Table => "stream_table_vs_bulk",
        Format::JsonLines => "stream_json_vs_bulk",
        Format::Csv => "stream_csv_vs_bulk",
    }
}

/// The stream row of one algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpeed {
    /// The algorithm.
    pub alg: Algorithm,
    /// Lines per pass.
    pub lines: u64,
    /// Distinct payloads they cycle through.
    pub distinct: usize,
    /// Signers those were issued by, in turn.
    pub signers: usize,
    /// Worker threads of both sides.
    pub threads: usize,
    /// Rounds.
    pub rounds: usize,
    /// Bytes of the input file.
    pub input_bytes: u64,
    /// In-process bulk lines per wall-clock second, median pass.
    pub bulk_wall_rate: f64,
    /// In-process bulk lines per CPU-second, median pass.
    pub bulk_cpu_rate: Option<f64>,
    /// Table, JSON lines, CSV.
    pub forms: Vec<FormSpeed>,
}

/// The outcome of the stream row over every algorithm asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpeedReport {
    /// One entry per algorithm, in the order asked for.
    pub algorithms: Vec<StreamSpeed>,
    /// `/proc/loadavg` (1, 5, 15 minutes) when the row started and when it ended.
    pub load_average: [Option<[f64; 3]>; 2],
    /// Seconds the row took, input generation included.
    pub seconds: f64,
}

/// What every stream ratio divides; the goal is issue 16's.
pub const DEFINITION: (&str, &str, &str) = (
    "lines/s of the streaming verifier, input file → report file in this form \
     (verify::stream::run_to_file, what `verify --file IN --output OUT --threads T` runs: \
     T workers, a reader thread, the writer on the calling thread)",
    "lines/s of the in-process bulk verifier over the same payloads held in memory \
     (Verifier::verify_many_cofactored_at, one chunk of BATCH_SIZE per call, on T threads); \
     each stream pass ÷ the mean of the bulk passes just before and after it, median over \
     the rounds",
    ">= 0.95",
);

impl StreamSpeedReport {
    /// One JSON object: per algorithm name the rates and each form's ratios (`wall` and
    /// `cpu`, each `median`, `best`, `worst`); `ratios` and `ratios_cpu`: per key the worst
    /// median over the algorithms; `definitions`; the load average before and after.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        let first = self.algorithms.first();
        out.insert("lines".into(), first.map_or(0, |a| a.lines).into());
        out.insert("rounds".into(), first.map_or(0, |a| a.rounds).into());
        out.insert("threads".into(), first.map_or(0, |a| a.threads).into());
        out.insert("seconds".into(), round(self.seconds, 1));
        out.insert(
            "cpu_timer".into(),
            "process user + system, every thread (/proc/self/stat, 10 ms ticks)".into(),
        );
        let load = |l: Option<[f64; 3]>| serde_json::json!(l.map(|l| l.to_vec()));
        out.insert("load_average_before".into(), load(self.load_average[0]));
        out.insert("load_average_after".into(), load(self.load_average[1]));
        let rate = |v: Option<f64>| v.map_or(serde_json::Value::Null, |v| round(v, 1));
        for a in &self.algorithms {
            let mut m = serde_json::Map::new();
            m.insert("distinct_payloads".into(), a.distinct.into());
            m.insert("signers".into(), a.signers.into());
            m.insert("input_bytes".into(), a.input_bytes.into());
            let mut rates = serde_json::Map::new();
            rates.insert(
                "bulk".into(),
                serde_json::json!({"wall": round(a.bulk_wall_rate, 1), "cpu": rate(a.bulk_cpu_rate)}),
            );
            for f in &a.forms {
                let name = f.key().trim_end_matches("_vs_bulk");
                rates.insert(
                    name.into(),
                    serde_json::json!({"wall": round(f.wall_rate, 1), "cpu": rate(f.cpu_rate)}),
                );
                m.insert(
                    f.key().into(),
                    serde_json::json!({
                        "wall": f.wall.json(),
                        "cpu": f.cpu.map_or(serde_json::Value::Null, |c| c.json()),
                        "output_bytes": f.output_bytes,
                    }),
                );
            }
            m.insert("lines_per_sec_median_pass".into(), rates.into());
            out.insert(a.alg.name().into(), m.into());
        }
        let mut ratios = serde_json::Map::new();
        let mut ratios_cpu = serde_json::Map::new();
        let mut definitions = serde_json::Map::new();
        for format in FORMS {
            let key = form_key(format);
            let forms = || {
                self.algorithms
                    .iter()
                    .flat_map(|a| a.forms.iter().filter(|f| f.format == format))
            };
            let worst =
                |v: Vec<f64>| (!v.is_empty()).then(|| v.into_iter().fold(f64::INFINITY, f64::min));
            let wall = worst(forms().map(|f| f.wall.median).collect());
            let cpu = worst(forms().filter_map(|f| f.cpu.map(|c| c.median)).collect());
            ratios.insert(key.into(), rate_or_null(wall));
            ratios_cpu.insert(key.into(), rate_or_null(cpu));
            definitions.insert(
                key.into(),
                serde_json::json!({
                    "numerator": DEFINITION.0,
                    "denominator": DEFINITION.1,
                    "better": "higher",
                    "goal": DEFINITION.2,
                }),
            );
        }
        out.insert("ratios".into(), ratios.into());
        out.insert("ratios_cpu".into(), ratios_cpu.into());
        out.insert("definitions".into(), definitions.into());
        out.into()
    }
}

fn rate_or_null(v: Option<f64>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, |v| round(v, 4))
}

/// Rates and ratios per algorithm, then the definition and the goal.
impl fmt::Display for StreamSpeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let load = |l: Option<[f64; 3]>| {
            l.map_or("-".to_owned(), |l| {
                format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2])
            })
        };
        for a in &self.algorithms {
            writeln!(
                f,
                "stream: {} lines (identifier<TAB>CS1:…, {} distinct payloads by {} signers, \
                 {} bytes), {} rounds, input file → report file, beside the in-process bulk \
                 verifier; worker threads: {} each; interleaved",
                a.lines, a.distinct, a.signers, a.input_bytes, a.rounds, a.threads
            )?;
            let cpu = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
            writeln!(
                f,
                "{:<8} {:<22} {:>14} {:>14}",
                a.alg.name(),
                "median pass",
                "lines/s wall",
                "lines/CPU-s"
            )?;
            writeln!(
                f,
                "{:<8} {:<22} {:>14.1} {:>14}",
                "",
                "in-process bulk",
                a.bulk_wall_rate,
                cpu(a.bulk_cpu_rate)
            )?;
            for form in &a.forms {
                writeln!(
                    f,
                    "{:<8} {:<22} {:>14.1} {:>14}",
                    "",
                    format!("stream → {}", form_name(form.format)),
                    form.wall_rate,
                    cpu(form.cpu_rate)
                )?;
            }
            writeln!(
                f,
                "{:<31} {:>26} {:>26}",
                "ratio, median [worst, best]", "wall", "CPU"
            )?;
            let spread = |s: &Spread| format!("{:.3} [{:.3}, {:.3}]", s.median, s.worst, s.best);
            for form in &a.forms {
                writeln!(
                    f,
                    "{:<31} {:>26} {:>26}",
                    form.key(),
                    spread(&form.wall),
                    form.cpu.as_ref().map_or("-".to_owned(), spread)
                )?;
            }
        }
        writeln!(
            f,
            "load average before: {}; after: {}; {:.1} s; CPU time in 10 ms ticks (coarse for \
             passes under a CPU-second)",
            load(self.load_average[0]),
            load(self.load_average[1]),
            self.seconds
        )?;
        writeln!(
            f,
            "stream_F_vs_bulk = {} ÷ {}; higher is better; goal {}",
            DEFINITION.0, DEFINITION.1, DEFINITION.2
        )
    }
}

fn form_name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::JsonLines => "JSON lines",
        Format::Csv => "CSV",
    }
}

/// Runs the stream row for every algorithm in `opts`.
pub fn run(opts: &StreamSpeedOptions) -> Result<StreamSpeedReport, crate::Error> {
    let started = Instant::now();
    let before = load_average();
    let certs = sample_certs()?;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut algorithms = Vec::with_capacity(opts.algorithms.len());
    for &alg in &opts.algorithms {
        algorithms.push(run_algorithm(alg, &certs, opts, threads)?);
    }
    Ok(StreamSpeedReport {
        algorithms,
        load_average: [before, load_average()],
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The 1-, 5- and 15-minute load averages (Linux `/proc/loadavg`).
fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut f = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some([f.next()??, f.next()??, f.next()??])
}

/// A scratch directory, removed with everything in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(parent: &Path, alg: Algorithm) -> Result<Self, crate::Error> {
        let path = parent.join(format!(
            "certseal-speed-stream-{}-{}",
            std::process::id(),
            alg.name()
        ));
        std::fs::create_dir_all(&path).map_err(|e| crate::Error::io(&path, e))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Elapsed wall and process CPU seconds of one pass.
#[derive(Debug, Clone, Copy)]
struct Pass {
    wall: f64,
    cpu: Option<f64>,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Pass) {
    let cpu0 = process_cpu_secs();
    let start = Instant::now();
    let out = f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|c0| Some(process_cpu_secs()? - c0));
    (out, Pass { wall, cpu })
}

fn refused(reason: String) -> crate::Error {
    TrustError::BadParameter {
        field: "speed --stream",
        reason,
    }
    .into()
}

/// Writes `lines` lines `identifier<TAB>qr` cycling through `issued` to `path`; its size.
fn write_input(
    path: &Path,
    issued: &[crate::issue::Issued],
    lines: u64,
) -> Result<u64, crate::Error> {
    let io = |e| crate::Error::io(path, e);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    for (_, i) in (0..lines).zip(issued.iter().cycle()) {
        writeln!(w, "{}\t{}", i.identifier, i.qr).map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(std::fs::metadata(path).map_err(io)?.len())
}

/// One in-process bulk pass over `lines` lines whose payload `k` is `cycled[k % distinct]`
/// (`cycled` holds the distinct payloads and, after them, the first [`BATCH_SIZE`] again):
/// one chunk of [`BATCH_SIZE`] per call, `threads` threads taking chunks in turn. Returns
/// the valid verdicts.
fn bulk_pass(
    verifier: &Verifier,
    cycled: &[&str],
    distinct: usize,
    lines: u64,
    threads: usize,
) -> u64 {
    let chunk = BATCH_SIZE as u64;
    let chunks = lines.div_ceil(chunk);
    let next = AtomicU64::new(0);
    let valid = AtomicU64::new(0);
    let distinct = distinct.max(1) as u64;
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let mut ok = 0u64;
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= chunks {
                        break;
                    }
                    let first = k.saturating_mul(chunk);
                    let len = chunk.min(lines.saturating_sub(first)) as usize;
                    let at = (first % distinct) as usize;
                    let Some(window) = cycled.get(at..at.saturating_add(len)) else {
                        break;
                    };
                    ok += verifier
                        .verify_many_cofactored_at(window, NOW)
                        .iter()
                        .filter(|v| v.is_valid())
                        .count() as u64;
                }
                valid.fetch_add(ok, Ordering::Relaxed);
            });
        }
    });
    valid.load(Ordering::Relaxed)
}

/// One stream pass: `input` → a report in `format` at `output` (removed afterwards, outside
/// the timing by the caller). Returns the valid lines.
fn stream_pass(
    verifier: &Verifier,
    input: &Path,
    output: &Path,
    format: Format,
    threads: usize,
) -> Result<u64, crate::Error> {
    let mut opts = StreamOptions::new(format);
    opts.threads = threads;
    opts.at = Some(NOW);
    let summary = run_to_file(
        verifier,
        vec![Input::File(input.to_path_buf())],
        &opts,
        output,
        false,
        &mut |_| {},
    )?;
    Ok(summary.valid)
}

fn run_algorithm(
    alg: Algorithm,
    certs: &[crate::model::Certificate],
    opts: &StreamSpeedOptions,
    threads: usize,
) -> Result<StreamSpeed, crate::Error> {
    let lines = opts.lines.max(1);
    let rounds = opts.rounds.max(1);
    let wanted = usize::try_from(lines)
        .unwrap_or(usize::MAX)
        .min(opts.distinct.max(1));
    let (root_key, root) = speed_root(alg)?;
    let (verifier, issued, signers) = bulk_inputs(alg, certs, root_key.as_ref(), &root, wanted)?;
    let distinct = issued.len();
    let cycled: Vec<&str> = issued
        .iter()
        .map(|i| i.qr.as_str())
        .cycle()
        .take(distinct.saturating_add(BATCH_SIZE))
        .collect();

    let scratch = Scratch::new(&opts.dir, alg)?;
    let input = scratch.0.join("input.txt");
    let input_bytes = write_input(&input, &issued, lines)?;
    let warm_lines = lines.min(WARM_LINES);
    let warm = scratch.0.join("warm.txt");
    write_input(&warm, &issued, warm_lines)?;
    let output = |format: Format| scratch.0.join(format!("report.{}", form_name(format)));
    let remove = |path: &Path| std::fs::remove_file(path).map_err(|e| crate::Error::io(path, e));

    // Warm-up: every pass once on the short file (page cache, allocator, code).
    bulk_pass(&verifier, &cycled, distinct, warm_lines, threads);
    for format in FORMS {
        stream_pass(&verifier, &warm, &output(format), format, threads)?;
        remove(&output(format))?;
    }

    let bulk = |passes: &mut Vec<Pass>| -> Result<(), crate::Error> {
        let (valid, pass) = timed(|| bulk_pass(&verifier, &cycled, distinct, lines, threads));
        if valid != lines {
            return Err(refused(format!(
                "in-process bulk pass: got {valid} valid of {lines} lines, expected all"
            )));
        }
        passes.push(pass);
        Ok(())
    };
    let mut bulk_passes = Vec::with_capacity(3 * rounds + 1);
    // Per form: (stream pass, index of the bulk pass just before it).
    let mut stream_passes: [Vec<(Pass, usize)>; 3] = Default::default();
    let mut output_bytes = [0u64; 3];
    bulk(&mut bulk_passes)?;
    for r in 0..rounds {
        for k in 0..FORMS.len() {
            let j = (k + r) % FORMS.len();
            let (Some(&format), Some(passes)) = (FORMS.get(j), stream_passes.get_mut(j)) else {
                continue;
            };
            let out = output(format);
            let (valid, pass) = timed(|| stream_pass(&verifier, &input, &out, format, threads));
            let valid = valid?;
            if valid != lines {
                return Err(refused(format!(
                    "stream pass ({}): got {valid} valid of {lines} lines, expected all",
                    form_name(format)
                )));
            }
            if let Some(b) = output_bytes.get_mut(j) {
                *b = std::fs::metadata(&out)
                    .map_err(|e| crate::Error::io(&out, e))?
                    .len();
            }
            remove(&out)?;
            passes.push((pass, bulk_passes.len().saturating_sub(1)));
            bulk(&mut bulk_passes)?;
        }
    }

    let n = lines as f64;
    let per_sec = |secs: f64| if secs > 0.0 { n / secs } else { f64::NAN };
    let bulk_wall: Vec<f64> = bulk_passes.iter().map(|p| per_sec(p.wall)).collect();
    let bulk_cpu: Option<Vec<f64>> = bulk_passes.iter().map(|p| p.cpu.map(per_sec)).collect();
    let paired = |rate: f64, before: usize, rates: &[f64]| match (
        rates.get(before),
        rates.get(before + 1),
    ) {
        (Some(a), Some(b)) => rate / ((a + b) / 2.0),
        _ => f64::NAN,
    };
    let forms = FORMS
        .iter()
        .zip(&stream_passes)
        .zip(output_bytes)
        .map(|((&format, passes), output_bytes)| {
            let wall_rates: Vec<f64> = passes.iter().map(|(p, _)| per_sec(p.wall)).collect();
            let wall: Vec<f64> = passes
                .iter()
                .zip(&wall_rates)
                .map(|((_, i), &r)| paired(r, *i, &bulk_wall))
                .collect();
            let cpu_rates: Option<Vec<f64>> =
                passes.iter().map(|(p, _)| p.cpu.map(per_sec)).collect();
            let cpu = match (&cpu_rates, &bulk_cpu) {
                (Some(rates), Some(bulk)) => Some(
                    passes
                        .iter()
                        .zip(rates)
                        .map(|((_, i), &r)| paired(r, *i, bulk))
                        .collect::<Vec<f64>>(),
                ),
                _ => None,
            };
            FormSpeed {
                format,
                wall_rate: super::median_of(&wall_rates),
                cpu_rate: cpu_rates.as_deref().map(super::median_of),
                wall: Spread::of(&wall),
                cpu: cpu.as_deref().map(Spread::of),
                output_bytes,
            }
        })
        .collect();
    drop(scratch);
    Ok(StreamSpeed {
        alg,
        lines,
        distinct,
        signers,
        threads,
        rounds,
        input_bytes,
        bulk_wall_rate: super::median_of(&bulk_wall),
        bulk_cpu_rate: bulk_cpu.as_deref().map(super::median_of),
        forms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_row_reports_every_form_against_bulk_and_removes_its_files() {
        let dir = std::env::temp_dir().join(format!("certseal-stream-row-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch parent");
        let report = run(&StreamSpeedOptions {
            lines: 700,
            rounds: 2,
            threads: 2,
            algorithms: vec![Algorithm::Es256, Algorithm::EdDsa],
            distinct: 64,
            dir: dir.clone(),
        })
        .expect("the stream row runs");
        assert_eq!(report.algorithms.len(), 2);
        for a in &report.algorithms {
            assert_eq!((a.lines, a.distinct, a.threads, a.rounds), (700, 64, 2, 2));
            assert_eq!(a.forms.len(), 3);
            assert!(a.bulk_wall_rate > 0.0, "{a:?}");
            for f in &a.forms {
                assert!(f.wall_rate > 0.0 && f.wall.median > 0.0, "{f:?}");
                assert!(f.wall.worst <= f.wall.median && f.wall.median <= f.wall.best);
                assert!(f.output_bytes > 0, "{f:?}");
            }
        }
        let json = report.to_json();
        for key in [
            "stream_table_vs_bulk",
            "stream_json_vs_bulk",
            "stream_csv_vs_bulk",
        ] {
            assert!(json["ratios"][key].is_number(), "{key}: {json}");
            assert_eq!(json["definitions"][key]["goal"], ">= 0.95");
            for alg in ["ES256", "EdDSA"] {
                assert!(json[alg][key]["wall"]["median"].is_number(), "{alg} {key}");
                assert!(json[alg][key]["output_bytes"].as_u64() > Some(0));
            }
        }
        assert_eq!(json["lines"], 700);
        let text = report.to_string();
        for key in [
            "stream_table_vs_bulk",
            "stream_json_vs_bulk",
            "stream_csv_vs_bulk",
        ] {
            assert!(text.contains(key), "{text}");
        }
        assert!(text.contains("goal >= 0.95"), "{text}");
        // The scratch directories (input, warm-up and report files) are gone.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("scratch parent")
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn process_cpu_time_counts_work_on_other_threads() {
        let (Some(before), Some(_)) = (process_cpu_secs(), super::super::thread_cpu_ns()) else {
            return;
        };
        // 60 ms of CPU time on a thread that ends before the second reading.
        std::thread::spawn(|| {
            let Some(t0) = super::super::thread_cpu_ns() else {
                return;
            };
            let mut x = 0u64;
            while super::super::thread_cpu_ns().is_some_and(|t| t - t0 < 60_000_000) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        })
        .join()
        .expect("spinner");
        let after = process_cpu_secs().expect("readable twice");
        assert!(after - before >= 0.02, "{before} → {after}");
    }
}
