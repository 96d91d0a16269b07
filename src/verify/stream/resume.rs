//! The resume state of a streaming run into a file (`specs/bulk-verify-cli.md`, "Resume"):
//! a small JSON file beside the report (`REPORT.resume`, [`sidecar_path`]) saying which
//! inputs the run reads (name, size, modification time), how it reports, the instant it
//! verifies at, the trusted kids, and how far it got — position in the inputs, bytes of
//! report written up to there, the summary so far. Written to a temporary file and renamed
//! over the old one at every checkpoint, so it is always a whole state of the old or the new
//! checkpoint; removed when the run ends.
//!
//! The report is flushed before the state that counts it is saved, so a report is never
//! shorter than its state says; an interrupted run may have written more (records after the
//! last checkpoint, perhaps a cut line), which resuming cuts off. Process interruption (a
//! signal, a kill, a crash) is covered; a power cut is not (nothing is fsynced).

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::{Format, Input, Position, Progress, Start, StreamError, StreamOptions, Summary};
use crate::verify::Verifier;

/// The version of the state file's layout.
const VERSION: u32 = 1;

/// The resume state's path for a report at `output`: `output` with `.resume` appended.
pub fn sidecar_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".resume");
    PathBuf::from(name)
}

/// What identifies an input between runs: its name and, for a file, its size and
/// modification time (nanoseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputIdentity {
    /// The input's name (the path as given; `-` for stdin).
    pub name: String,
    /// Its size in bytes, for a file.
    pub len: Option<u64>,
    /// Its modification time, for a file.
    pub modified_ns: Option<u128>,
}

impl InputIdentity {
    /// The identity of `input` now.
    pub fn of(input: &Input) -> Self {
        let meta = match input {
            Input::File(p) => std::fs::metadata(p).ok(),
            _ => None,
        };
        InputIdentity {
            name: input.name(),
            len: meta.as_ref().map(std::fs::Metadata::len),
            modified_ns: meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos()),
        }
    }
}

/// The resume state (module documentation).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResumeState {
    /// Layout version, 1.
    pub version: u32,
    /// The run's inputs, in order.
    pub inputs: Vec<InputIdentity>,
    /// The report's form.
    pub format: Format,
    /// Whether only lines not valid are reported.
    pub only_invalid: bool,
    /// The longest line kept.
    pub max_line: usize,
    /// The instant verified at (Unix seconds), kept so the resumed part verifies at the same.
    pub at: i64,
    /// The trusted signers' kids (hex, sorted).
    pub kids: Vec<String>,
    /// How far the run got.
    pub position: Position,
    /// Bytes of report written up to `position`.
    pub output_len: u64,
    /// The summary up to `position`.
    pub summary: Summary,
}

impl ResumeState {
    /// Where a run resuming from this state starts.
    pub fn start(&self) -> Start {
        Start {
            position: self.position,
            summary: self.summary.clone(),
            output_len: self.output_len,
        }
    }

    /// Moves the state to the checkpoint `p`.
    pub fn checkpoint(&mut self, p: &Progress<'_>) {
        self.position = p.position;
        self.output_len = p.output_len;
        self.summary.clone_from(p.summary);
    }

    /// Writes the state to `path` atomically (a temporary file beside it, then a rename).
    pub fn save(&self, path: &Path) -> Result<(), crate::Error> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let json = serde_json::to_vec_pretty(self).unwrap_or_default();
        std::fs::write(&tmp, json).map_err(|e| crate::Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| crate::Error::io(path, e))
    }

    /// Reads the state at `path`; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, crate::Error> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(crate::Error::io(path, e)),
        };
        let state: ResumeState =
            serde_json::from_slice(&bytes).map_err(|e| StreamError::Resume {
                reason: format!("{}: {e}", path.display()),
            })?;
        if state.version != VERSION {
            return Err(StreamError::Resume {
                reason: format!(
                    "{}: layout version {}, expected {VERSION}",
                    path.display(),
                    state.version
                ),
            }
            .into());
        }
        Ok(Some(state))
    }

    /// Checks that `fresh` (the state a new run would start with) is the same run as this
    /// one: same inputs, form, options, instant and trust.
    fn check_same_run(&self, fresh: &ResumeState, at_given: bool) -> Result<(), StreamError> {
        let differ = |what: String| Err(StreamError::Resume { reason: what });
        if self.inputs.len() != fresh.inputs.len() {
            return differ(format!(
                "the state has {} inputs, this run {}",
                self.inputs.len(),
                fresh.inputs.len()
            ));
        }
        for (was, now) in self.inputs.iter().zip(&fresh.inputs) {
            if now.len.is_none() {
                return differ(format!("{} is not a file", now.name));
            }
            if was != now {
                return differ(format!(
                    "input {} changed (name, size or modification time) since the state of {}",
                    now.name, was.name
                ));
            }
        }
        if (self.format, self.only_invalid, self.max_line)
            != (fresh.format, fresh.only_invalid, fresh.max_line)
        {
            return differ(format!(
                "the state reports {:?} (only invalid: {}, max line {}), this run {:?} (only invalid: {}, max line {})",
                self.format, self.only_invalid, self.max_line, fresh.format, fresh.only_invalid, fresh.max_line
            ));
        }
        if at_given && self.at != fresh.at {
            return differ(format!(
                "the state verifies at {}, this run at {}",
                crate::time::rfc3339(self.at),
                crate::time::rfc3339(fresh.at)
            ));
        }
        if self.kids != fresh.kids {
            return differ("the trusted signers differ from the state's".to_owned());
        }
        Ok(())
    }
}

/// The state and the report file a [`super::run_to_file`] starts with: a resumed one (report
/// cut back to the state's length, positioned at its end), or a fresh one (report emptied,
/// any old state removed).
pub(crate) fn prepare(
    verifier: &Verifier,
    inputs: &[Input],
    opts: &StreamOptions,
    output: &Path,
    resume: bool,
) -> Result<(ResumeState, File), crate::Error> {
    let sidecar = sidecar_path(output);
    let mut kids: Vec<String> = verifier
        .trust()
        .signers()
        .iter()
        .map(|s| crate::codec::hex::encode(s.kid()))
        .collect();
    kids.sort();
    let fresh = ResumeState {
        version: VERSION,
        inputs: inputs.iter().map(InputIdentity::of).collect(),
        format: opts.format,
        only_invalid: opts.only_invalid,
        max_line: opts.max_line.max(1),
        at: opts.at.unwrap_or_else(|| verifier.now()),
        kids,
        position: Position::default(),
        output_len: 0,
        summary: Summary::default(),
    };
    let io = |e| crate::Error::io(output, e);
    if resume {
        if let Some(state) = ResumeState::load(&sidecar)? {
            state.check_same_run(&fresh, opts.at.is_some())?;
            let mut file = OpenOptions::new().write(true).open(output).map_err(io)?;
            let len = file.metadata().map_err(io)?.len();
            if len < state.output_len {
                return Err(StreamError::Resume {
                    reason: format!(
                        "{} has {len} bytes, the state counts {}",
                        output.display(),
                        state.output_len
                    ),
                }
                .into());
            }
            file.set_len(state.output_len).map_err(io)?;
            file.seek(SeekFrom::End(0)).map_err(io)?;
            return Ok((state, file));
        }
    }
    match std::fs::remove_file(&sidecar) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(crate::Error::io(sidecar, e)),
    }
    let file = File::create(output).map_err(io)?;
    Ok((fresh, file))
}
