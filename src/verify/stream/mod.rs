//! Streaming bulk verification (`specs/bulk-verify-cli.md`): inputs of any size — files,
//! stdin, any reader; plain, gzip or zstd — verified in bounded memory at the speed of the
//! bulk verifier, the report written in input order while later lines are still being
//! verified. `certseal verify --file`, and any other face that verifies many payloads (an
//! HTTP batch endpoint, the C ABI), call [`run`] or [`run_to_file`].
//!
//! This module owns the pipeline, its line reader (`lines.rs`), decompression (`input.rs`),
//! the report forms (`output.rs`) and the resume state (`resume.rs`). It verifies nothing
//! itself: every payload goes through [`Verifier::verify_many_cofactored_at`], the bulk entry
//! (Ed25519 signatures by the cofactored batch equation, `specs/batch-verify.md`; every other
//! step the single pipeline's).
//!
//! ```text
//!  reader thread          worker threads (N)                     calling thread
//!  open, decompress,      parse line forms, verify the batch     write batches in input
//!  split lines into  ──▶  (bulk entry), render its records  ──▶  order, add up the summary,
//!  batches of ≤ 512       into bytes                             report progress, checkpoint
//!        ▲                                                              │
//!        └────────────── empty batches come back for reuse ◀────────────┘
//! ```
//!
//! A fixed number of batch buffers (`2 × threads + 2`) circulates, so memory is bounded by
//! that count times a batch's size (≤ 512 lines, ≤ 512 KiB of input plus one line, and their
//! rendered records), whatever the input's size; there is no barrier between batches, so the
//! workers never wait for the slowest one of a chunk. Lines longer than
//! [`StreamOptions::max_line`] are never held whole.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::view::ReportCache;
use super::{Verifier, BATCH_SIZE};

mod documents;
mod input;
mod lines;
mod output;
mod resume;

pub use self::documents::{verify_documents, DocumentSeq, Documents};
pub use self::input::{Compression, Input, ZSTD_WINDOW_LOG_MAX};
pub use self::lines::{parse_line, Entry, Line, LineError, LineReader, RawLine, DEFAULT_MAX_LINE};
pub use self::output::{csv_cell, Format, Summary, CSV_HEADER};
pub use self::resume::{sidecar_path, InputIdentity, ResumeState};

use self::output::{Checked, Counts, Record};

/// Most input bytes in one batch (a batch also ends at [`StreamOptions::batch_lines`] lines).
const BATCH_BYTES: usize = 512 * 1024;

/// The report file's write buffer. A batch's rendered records at least this long (a full
/// batch of 512 lines renders 100–500 KiB in any form) bypass it: `BufWriter` hands them to
/// one `write(2)` straight from the batch's buffer instead of copying them first; smaller
/// pieces (headers, `--only-invalid` batches, the summary) are gathered in it.
const REPORT_BUFFER: usize = 64 * 1024;

/// How often a run flushes its report and saves its resume state by default. A save writes
/// a temporary file and renames it over the state (about a millisecond, mostly the file
/// system's work on a rename that replaces a file); every 250 ms that was 0.5–1 % of a
/// single-thread ES256 run's CPU time, every second it is about a quarter of that, and an
/// interrupted run repeats at most a second of work.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Why a streaming run stopped. Lines that could not be verified are not errors: they get a
/// record of their own ([`LineError`]) and the run goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// An input could not be opened (or its compressed stream could not be started).
    #[error("{input}: {source}")]
    Open {
        /// The input's name.
        input: String,
        /// What the system or the decoder said.
        source: std::io::Error,
    },
    /// Reading an input failed part way (a truncated or corrupt compressed stream, a disk
    /// error); every line before it was reported.
    #[error("{input}: after line {line}: {source}")]
    Read {
        /// The input's name.
        input: String,
        /// The last line read before the failure.
        line: u64,
        /// What the system or the decoder said.
        source: std::io::Error,
    },
    /// Writing the report failed (a closed pipe among others).
    #[error("writing the report: {0}")]
    Write(#[source] std::io::Error),
    /// The resume state does not fit this run.
    #[error("cannot resume: {reason}")]
    Resume {
        /// What does not match.
        reason: String,
    },
    /// There were no inputs, or no non-blank line in them.
    #[error("no payloads to verify")]
    NoInput,
    /// An item of a CBOR sequence is malformed: the items after it cannot be found.
    #[error("item {item} of the sequence: {source}")]
    Sequence {
        /// The 1-based item number.
        item: u64,
        /// What the decoder said.
        source: crate::codec::CodecError,
    },
    /// An item of a CBOR sequence is larger than a signed document may be.
    #[error("item {item} of the sequence: {len} bytes or more, expected at most {max}")]
    ItemTooLarge {
        /// The 1-based item number.
        item: u64,
        /// Its length, or the bytes read of it so far.
        len: u64,
        /// The bound (`Limits::max_cose_len`).
        max: usize,
    },
}

/// How a streaming run verifies and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOptions {
    /// The report's form.
    pub format: Format,
    /// Report only lines that are not valid (the summary still counts every line).
    pub only_invalid: bool,
    /// The longest line kept, in bytes; a longer one is reported `line_too_long`.
    pub max_line: usize,
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
    /// Most lines per batch (at least 1): one bulk-verify call, one Ed25519 batch equation.
    pub batch_lines: usize,
    /// Verify as of this time (Unix seconds); `None`: the verifier's clock, read once when
    /// the run starts.
    pub at: Option<i64>,
    /// How often the report is flushed and a checkpoint given to the observer.
    pub checkpoint_every: Duration,
}

impl StreamOptions {
    /// Defaults: every line reported, [`DEFAULT_MAX_LINE`], one thread per core, batches of
    /// [`BATCH_SIZE`], the verifier's clock, a checkpoint every second (`CHECKPOINT_EVERY`).
    pub fn new(format: Format) -> Self {
        StreamOptions {
            format,
            only_invalid: false,
            max_line: DEFAULT_MAX_LINE,
            threads: 0,
            batch_lines: BATCH_SIZE,
            at: None,
            checkpoint_every: CHECKPOINT_EVERY,
        }
    }

    fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// How far a run is: `lines` lines (blank ones too) and `offset` bytes (decoded) of input
/// number `input` are done, every input before it entirely.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Index of the input in the run's list.
    pub input: usize,
    /// Lines of that input done.
    pub lines: u64,
    /// Decoded bytes of that input done (the end of its last line done).
    pub offset: u64,
}

/// Where a run starts: from nothing ([`Start::default`]), or after a checkpoint of an earlier
/// run over the same inputs (resuming).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    /// The lines already reported.
    pub position: Position,
    /// Their summary.
    pub summary: Summary,
    /// Bytes of report already written for them (the table or CSV header among them); 0
    /// means the header is still to be written.
    pub output_len: u64,
}

/// What a run tells its observer after each batch it wrote.
#[derive(Debug)]
pub struct Progress<'a> {
    /// Every line up to here is reported.
    pub position: Position,
    /// Bytes of report written up to here (the [`Start`]'s included).
    pub output_len: u64,
    /// The summary up to here.
    pub summary: &'a Summary,
    /// Stored (compressed) input bytes read so far, over all inputs.
    pub stored_read: u64,
    /// Stored input bytes in all, when every input is a file.
    pub stored_total: Option<u64>,
    /// True at a checkpoint: the report was flushed just before, so `output_len` bytes of it
    /// have left the writer. A resume state is saved at checkpoints.
    pub checkpoint: bool,
}

/// One batch: its lines' bytes, their records once verified, and where it ends.
#[derive(Default)]
struct Batch {
    seq: u64,
    input: usize,
    data: Vec<u8>,
    items: Vec<Item>,
    /// Where the input stands after the batch's last line.
    lines: u64,
    offset: u64,
    stored_read: u64,
    /// The rendered records.
    out: Vec<u8>,
    counts: Counts,
    /// A read error after the batch's lines: the run ends there.
    error: Option<StreamError>,
}

struct Item {
    number: u64,
    kind: ItemKind,
}

enum ItemKind {
    Text(Range<usize>),
    TooLong(u64),
}

impl Batch {
    fn reset(&mut self, seq: u64, input: usize) {
        self.seq = seq;
        self.input = input;
        self.data.clear();
        self.items.clear();
        self.out.clear();
        self.counts.clear();
        self.error = None;
    }

    fn is_full(&self, lines: usize) -> bool {
        self.items.len() >= lines || self.data.len() >= BATCH_BYTES
    }
}

/// What every worker needs.
struct Shared<'v> {
    verifier: &'v Verifier,
    now: i64,
    format: Format,
    only_invalid: bool,
    max_line: usize,
    names: Vec<Option<String>>,
}

/// Verifies every line of `inputs` (in order; several files, stdin, readers) with
/// `verifier`'s bulk entry and writes the report to `out` in input order: the header (unless
/// `start` says it is written), one record per non-blank line (or per line not valid, with
/// [`StreamOptions::only_invalid`]), and for [`Format::Table`] the closing summary. Calls
/// `observer` after every batch written; an error it returns stops the run. Returns the
/// summary over the whole run (`start`'s included).
///
/// Memory is bounded by the options, never by the input (module documentation). A line
/// that cannot be verified gets a record of its own; an input that cannot be read ends the
/// run with [`StreamError::Read`] after every line before it was written.
pub fn run(
    verifier: &Verifier,
    inputs: Vec<Input>,
    opts: &StreamOptions,
    start: &Start,
    out: &mut dyn Write,
    observer: &mut dyn FnMut(&Progress<'_>) -> Result<(), crate::Error>,
) -> Result<Summary, crate::Error> {
    if inputs.is_empty() {
        return Err(StreamError::NoInput.into());
    }
    let now = opts.at.unwrap_or_else(|| verifier.now());
    let threads = opts.worker_threads();
    let batches = threads.saturating_mul(2).saturating_add(2);
    let many = inputs.len() > 1;
    let stored_lens: Vec<Option<u64>> = inputs.iter().map(Input::stored_len).collect();
    let stored_total = stored_lens.iter().copied().sum::<Option<u64>>();
    let shared = Shared {
        verifier,
        now,
        format: opts.format,
        only_invalid: opts.only_invalid,
        max_line: opts.max_line.max(1),
        names: inputs
            .iter()
            .map(|i| Some(i.name()).filter(|n| !n.is_empty()))
            .collect(),
    };
    let start_position = start.position;
    let batch_lines = opts.batch_lines.max(1);
    let max_line = shared.max_line;

    std::thread::scope(|s| {
        let (free_tx, free_rx) = sync_channel::<Batch>(batches);
        let (work_tx, work_rx) = sync_channel::<Batch>(batches);
        let (done_tx, done_rx) = sync_channel::<Batch>(batches);
        for _ in 0..batches {
            // The channel holds exactly `batches`: this cannot block or fail.
            let _ = free_tx.try_send(Batch::default());
        }
        s.spawn(move || {
            read_inputs(
                inputs,
                start_position,
                &stored_lens,
                max_line,
                batch_lines,
                &free_rx,
                &work_tx,
            )
        });
        let work_rx = Arc::new(Mutex::new(work_rx));
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            let shared = &shared;
            s.spawn(move || work(shared, &work_rx, &done_tx));
        }
        drop(done_tx);
        write_in_order(
            opts,
            start,
            many.then_some(shared.names.as_slice()),
            stored_total,
            free_tx,
            done_rx,
            out,
            observer,
        )
    })
}

/// The reader thread: inputs → batches of lines, in order, numbered.
fn read_inputs(
    inputs: Vec<Input>,
    start: Position,
    stored_lens: &[Option<u64>],
    max_line: usize,
    batch_lines: usize,
    free: &Receiver<Batch>,
    work: &SyncSender<Batch>,
) {
    let mut seq = 0u64;
    let mut spare: Option<Batch> = None;
    let mut stored_before = 0u64;
    for (index, input) in inputs.into_iter().enumerate() {
        if index < start.input {
            stored_before = stored_before
                .saturating_add(stored_lens.get(index).copied().flatten().unwrap_or(0));
            continue;
        }
        let (lines, offset) = if index == start.input {
            (start.lines, start.offset)
        } else {
            (0, 0)
        };
        let name = input.name();
        let mut batch = match spare.take() {
            Some(b) => b,
            None => match free.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
        };
        batch.reset(seq, index);
        let opened = match input::open(input, offset) {
            Ok(o) => o,
            Err(e) => {
                batch.error = Some(e);
                let _ = work.send(batch);
                return;
            }
        };
        let stored = &opened.stored_read;
        let mut reader = LineReader::resuming(opened.reader, max_line, lines, offset);
        batch.lines = lines;
        batch.offset = offset;
        loop {
            match reader.next_line() {
                Ok(Some(line)) => {
                    let kind = match line.content {
                        RawLine::Text(t) => {
                            let from = batch.data.len();
                            batch.data.extend_from_slice(t);
                            ItemKind::Text(from..batch.data.len())
                        }
                        RawLine::TooLong { len } => ItemKind::TooLong(len),
                    };
                    batch.items.push(Item {
                        number: line.number,
                        kind,
                    });
                    batch.lines = line.number;
                    batch.offset = line.end;
                    if batch.is_full(batch_lines) {
                        batch.stored_read = stored_before.saturating_add(load(stored));
                        let (lines, offset) = (batch.lines, batch.offset);
                        if work.send(batch).is_err() {
                            return;
                        }
                        seq = seq.saturating_add(1);
                        batch = match free.recv() {
                            Ok(b) => b,
                            Err(_) => return,
                        };
                        batch.reset(seq, index);
                        batch.lines = lines;
                        batch.offset = offset;
                    }
                }
                Ok(None) => break,
                Err(source) => {
                    batch.error = Some(StreamError::Read {
                        input: name,
                        line: reader.lines(),
                        source,
                    });
                    let _ = work.send(batch);
                    return;
                }
            }
        }
        stored_before = stored_before.saturating_add(load(stored));
        if batch.items.is_empty() {
            spare = Some(batch);
        } else {
            batch.stored_read = stored_before;
            if work.send(batch).is_err() {
                return;
            }
            seq = seq.saturating_add(1);
        }
    }
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// A worker thread: batches → verdicts → rendered records, until the batches run out.
fn work(shared: &Shared<'_>, work: &Mutex<Receiver<Batch>>, done: &SyncSender<Batch>) {
    let mut cache = ReportCache::default();
    loop {
        let next = {
            let rx = work
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            rx.recv()
        };
        let Ok(mut batch) = next else { return };
        verify_batch(shared, &mut cache, &mut batch);
        if done.send(batch).is_err() {
            return;
        }
    }
}

/// Verifies one batch through the bulk entry and renders its records.
fn verify_batch(shared: &Shared<'_>, cache: &mut ReportCache, batch: &mut Batch) {
    let Batch {
        input,
        data,
        items,
        out,
        counts,
        ..
    } = batch;
    let file = shared.names.get(*input).and_then(Option::as_deref);
    let entries: Vec<Result<Entry<'_>, LineError>> = items
        .iter()
        .map(|item| match &item.kind {
            ItemKind::Text(range) => parse_line(data.get(range.clone()).unwrap_or_default()),
            ItemKind::TooLong(len) => Err(LineError::TooLong {
                len: *len,
                max: shared.max_line,
            }),
        })
        .collect();
    let texts: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.as_ref().ok().map(|e| e.payload.as_ref()))
        .collect();
    let verdicts = shared
        .verifier
        .verify_many_cofactored_at(&texts, shared.now);
    let mut verdicts = verdicts.iter();
    for (item, entry) in items.iter().zip(&entries) {
        let (input_id, checked) = match entry {
            Ok(e) => match verdicts.next() {
                Some(v) => (e.id.as_deref(), Checked::Verdict(v)),
                None => continue,
            },
            Err(err) => (None, Checked::Line(err)),
        };
        counts.add(&checked);
        if shared.only_invalid && matches!(checked, Checked::Verdict(v) if v.is_valid()) {
            continue;
        }
        let record = Record {
            file,
            line: item.number,
            input_id,
            checked,
        };
        output::render(shared.format, &record, cache, out);
    }
}

/// The calling thread: batches back into input order, written, summed, observed.
#[allow(clippy::too_many_arguments)]
fn write_in_order(
    opts: &StreamOptions,
    start: &Start,
    headings: Option<&[Option<String>]>,
    stored_total: Option<u64>,
    free: SyncSender<Batch>,
    done: Receiver<Batch>,
    out: &mut dyn Write,
    observer: &mut dyn FnMut(&Progress<'_>) -> Result<(), crate::Error>,
) -> Result<Summary, crate::Error> {
    let write_err = |e| crate::Error::from(StreamError::Write(e));
    let mut summary = start.summary.clone();
    let mut output_len = start.output_len;
    let mut position = start.position;
    let mut last_input = (output_len > 0).then_some(position.input);
    let mut scratch = Vec::new();
    if output_len == 0 {
        match opts.format {
            Format::Table => output::table_header(&mut scratch),
            Format::Csv => output::csv_header(&mut scratch),
            Format::JsonLines => {}
        }
        out.write_all(&scratch).map_err(write_err)?;
        output_len = output_len.saturating_add(scratch.len() as u64);
    }
    let mut next = 0u64;
    let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
    let mut last_checkpoint = Instant::now();
    while let Ok(batch) = done.recv() {
        waiting.insert(batch.seq, batch);
        while let Some(mut batch) = waiting.remove(&next) {
            next = next.saturating_add(1);
            if let (Some(names), Format::Table) = (headings, opts.format) {
                if last_input != Some(batch.input) {
                    scratch.clear();
                    let name = names.get(batch.input).and_then(Option::as_deref);
                    let _ = writeln!(scratch, "== {}", name.unwrap_or("-"));
                    out.write_all(&scratch).map_err(write_err)?;
                    output_len = output_len.saturating_add(scratch.len() as u64);
                }
            }
            last_input = Some(batch.input);
            out.write_all(&batch.out).map_err(write_err)?;
            output_len = output_len.saturating_add(batch.out.len() as u64);
            summary.add(&batch.counts);
            if !batch.items.is_empty() {
                position = Position {
                    input: batch.input,
                    lines: batch.lines,
                    offset: batch.offset,
                };
            }
            if let Some(e) = batch.error.take() {
                out.flush().map_err(write_err)?;
                return Err(e.into());
            }
            let checkpoint = last_checkpoint.elapsed() >= opts.checkpoint_every;
            if checkpoint {
                out.flush().map_err(write_err)?;
                last_checkpoint = Instant::now();
            }
            observer(&Progress {
                position,
                output_len,
                summary: &summary,
                stored_read: batch.stored_read,
                stored_total,
                checkpoint,
            })?;
            // The reader may have ended: a batch with nowhere to go is dropped.
            let _ = free.try_send(batch);
        }
    }
    if summary.lines == 0 {
        return Err(StreamError::NoInput.into());
    }
    if opts.format == Format::Table {
        scratch.clear();
        let _ = writeln!(scratch, "{summary}");
        out.write_all(&scratch).map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    Ok(summary)
}

/// [`run`] into the file `output`, keeping a resume state beside it
/// ([`sidecar_path`]): saved atomically at every checkpoint, removed when the run ends
/// normally. With `resume`, a state left by an interrupted run over the same inputs (same
/// files, sizes, modification times; same form, options and verification time) is continued:
/// the report is cut back to the last checkpoint and the run goes on from the line after it,
/// so the finished report equals an uninterrupted run's. Without a state to resume, the run
/// starts afresh. `progress` sees every batch.
pub fn run_to_file(
    verifier: &Verifier,
    inputs: Vec<Input>,
    opts: &StreamOptions,
    output: &Path,
    resume: bool,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<Summary, crate::Error> {
    let (mut state, file) = resume::prepare(verifier, &inputs, opts, output, resume)?;
    let start = state.start();
    let mut opts = opts.clone();
    opts.at = Some(state.at);
    let sidecar = sidecar_path(output);
    let mut out = std::io::BufWriter::with_capacity(REPORT_BUFFER, file);
    let summary = run(
        verifier,
        inputs,
        &opts,
        &start,
        &mut out,
        &mut |p: &Progress<'_>| {
            progress(p);
            if p.checkpoint {
                state.checkpoint(p);
                state.save(&sidecar)?;
            }
            Ok(())
        },
    )?;
    drop(out);
    match std::fs::remove_file(&sidecar) {
        Ok(()) => Ok(summary),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(summary),
        Err(e) => Err(crate::Error::io(sidecar, e)),
    }
}
