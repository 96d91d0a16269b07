//! Submissions (rules arts. 8–9): an examination body's batch — CSV with Chinese or English
//! headers, a JSON array, or JSON lines — read as a stream, row by row, validated by the
//! model's record rules and stored in ONE transaction, so a file refused as a whole (wrong
//! encoding, too large, too many rows, not CSV/JSON at all) leaves the store unchanged, and a
//! refused row never costs the accepted ones. Memory stays flat: rows are converted in chunks
//! of [`CHUNK_ROWS`] and written as they come; only a 128-bit digest of each management
//! number seen in the file is kept (24 bytes a row), to refuse a number repeated within it.
//!
//! Idempotence: a batch is `(body, batch id)`; a row is matched on resubmission by its
//! management number (or its row number when it has none). The same row again is unchanged; a
//! corrected row replaces a rejected or not yet issued predecessor; a changed row whose
//! certificate is issued (or reserved for issuance) is refused: that is a 换发 (`reissue`).
//!
//! Hand-written here (no crate does it): the Chinese header aliases, the bounded streaming
//! reader with strict decoding (encoding_rs decodes; malformed input is an error, not U+FFFD),
//! and the JSON array walked element by element through serde's `SeqAccess`.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{mpsc, OnceLock};

use rayon::prelude::*;
use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use super::issuance::Handoff;
use super::store::{RecordOutcome, RecordRow, SubmissionRow, Tx};
use super::{audit, sha256, Registry, RegistryError};
use crate::model::{
    certificate_from_csv, from_element, Catalogue, Certificate, Date, Element, ModelError,
};

/// Largest submission, in bytes after decoding to UTF-8 and before (256 MiB, as
/// `model::MAX_INPUT_BYTES`).
pub const MAX_SUBMISSION_BYTES: u64 = 256 * 1024 * 1024;
/// Most rows in one submission (as `model::MAX_RECORDS`).
pub const MAX_SUBMISSION_ROWS: u64 = 1_000_000;
/// Longest row (a CSV record or a JSON line / element), in bytes.
pub const MAX_ROW_BYTES: usize = 64 * 1024;
/// Rows converted in parallel at a time.
pub const CHUNK_ROWS: usize = 2048;
/// The first chunk of a pipelined submission ([`Registry::submit_and_issue_file`]); each
/// next one is twice the last, up to [`CHUNK_ROWS`], so that signing starts after a few
/// hundred rows are read, converted, stored and reserved instead of a whole chunk.
const FIRST_CHUNK_ROWS: usize = 256;
/// Most problem rows (rejected, replaced, refused) listed in a report; all are counted.
pub const MAX_LISTED_ROWS: usize = 10_000;

/// Header names a CSV may use besides the English ones of `model::record_fields` (and
/// `qualification`, a qualification name in place of its code). Simplified and traditional.
pub const HEADER_ALIASES: &[(&str, &str)] = &[
    ("资格代码", "qualification_code"),
    ("職業資格代碼", "qualification_code"),
    ("职业资格代码", "qualification_code"),
    ("資格代碼", "qualification_code"),
    ("资格名称", "qualification"),
    ("职业资格名称", "qualification"),
    ("資格名稱", "qualification"),
    ("職業資格名稱", "qualification"),
    ("级别", "level"),
    ("級別", "level"),
    ("级别代码", "level"),
    ("专业", "specialty"),
    ("專業", "specialty"),
    ("专业代码", "specialty"),
    ("姓名", "name"),
    ("性别", "sex"),
    ("性別", "sex"),
    ("出生年月", "birth"),
    ("照片摘要", "photo_sha256"),
    ("证件类型", "id_type"),
    ("證件類型", "id_type"),
    ("证件号码", "id_number"),
    ("證件號碼", "id_number"),
    ("身份证号", "id_number"),
    ("身份证号码", "id_number"),
    ("身份證號碼", "id_number"),
    ("管理号", "management_number"),
    ("管理號", "management_number"),
    ("批准日期", "approval_date"),
    ("有效范围", "scope"),
    ("有效範圍", "scope"),
    ("有效期限", "valid_until"),
    ("有效期至", "valid_until"),
    ("变更记录", "changes"),
    ("變更記錄", "changes"),
    ("发证类型", "kind"),
    ("發證類型", "kind"),
    ("版本", "version"),
    ("前序证书", "predecessor"),
    ("证书序号", "serial"),
    ("存量证书", "legacy"),
    ("存量證書", "legacy"),
];

/// Retired qualification names (legacy stock, art. 21) and the current catalogue code each
/// maps to: `data/catalogue-retired.tsv`.
const RETIRED: &str = include_str!("../../data/catalogue-retired.tsv");

/// The file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmissionFormat {
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects, or JSON lines (one object a line): told apart by the first
    /// character.
    Json,
}

/// The character encoding of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes one).
    Utf8,
    /// GB18030 (a superset of GBK and GB 2312: Excel's plain "CSV" on Chinese Windows). A
    /// UTF-8 byte-order mark, if present, wins.
    Gb18030,
}

impl Encoding {
    /// `utf-8` / `gb18030`; `gbk` and `gb2312` name GB18030 too (its subsets).
    pub fn from_name(name: &str) -> Option<Encoding> {
        match name.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Some(Encoding::Gb18030),
            _ => None,
        }
    }
}

/// Who submitted what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionMeta {
    /// The examination body.
    pub body: String,
    /// Its batch id.
    pub batch: String,
    /// The examination, for progress figures.
    pub exam: Option<String>,
    /// When the results were published (start of the 25-working-day limit, art. 9).
    pub results_published: Option<Date>,
    /// The file format.
    pub format: SubmissionFormat,
    /// The encoding.
    pub encoding: Encoding,
}

/// What happened to one row.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowOutcome {
    /// A new row, accepted.
    Accepted,
    /// The same row as last time: nothing changed.
    Unchanged,
    /// A corrected row that replaced its earlier version (rejected, or accepted and not yet
    /// issued).
    Replaced,
    /// Refused: the field and the rule.
    Rejected {
        /// Dotted field name, or `record`.
        field: String,
        /// The broken rule.
        rule: String,
    },
    /// A changed row whose certificate is issued: that is a change re-issue (换发), not a
    /// resubmission. The stored row stays as it was.
    RefusedIssued,
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowReport {
    /// 1-based row number (data rows; the CSV header is not counted).
    pub row: u64,
    /// The management number, or `#row:N`.
    pub key: String,
    /// What happened.
    pub outcome: RowOutcome,
}

impl RowReport {
    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        let (outcome, field, rule) = match &self.outcome {
            RowOutcome::Accepted => ("accepted", None, None),
            RowOutcome::Unchanged => ("unchanged", None, None),
            RowOutcome::Replaced => ("replaced", None, None),
            RowOutcome::Rejected { field, rule } => {
                ("rejected", Some(field.as_str()), Some(rule.as_str()))
            }
            RowOutcome::RefusedIssued => (
                "refused",
                None,
                Some("changed after issuance: a change re-issue (换发), not a resubmission"),
            ),
        };
        serde_json::json!({"row": self.row, "key": self.key, "outcome": outcome, "field": field, "rule": rule})
    }
}

impl std::fmt::Display for RowReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {} ({}): ", self.row, self.key)?;
        match &self.outcome {
            RowOutcome::Accepted => f.write_str("accepted"),
            RowOutcome::Unchanged => f.write_str("unchanged"),
            RowOutcome::Replaced => f.write_str("replaced its earlier version"),
            RowOutcome::Rejected { field, rule } => write!(f, "rejected: {field}: {rule}"),
            RowOutcome::RefusedIssued => f.write_str(
                "refused: the row changed after its certificate was issued; that is a change re-issue (换发)",
            ),
        }
    }
}

/// The outcome of a submission: counts, and the rows that were not simply accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubmissionReport {
    /// The submission's id in the store.
    pub submission_id: i64,
    /// Whether this batch was new (else a resubmission).
    pub new_batch: bool,
    /// Data rows read.
    pub rows: u64,
    /// New rows accepted.
    pub accepted: u64,
    /// Rows the same as last time.
    pub unchanged: u64,
    /// Rows that replaced their earlier version.
    pub replaced: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Changed rows of issued certificates, refused.
    pub refused: u64,
    /// SHA-256 of the bytes read.
    pub input_sha256: [u8; 32],
    /// Rejected, replaced and refused rows, in order (at most [`MAX_LISTED_ROWS`]).
    pub problems: Vec<RowReport>,
    /// The audit entry written.
    pub audit_seq: u64,
}

impl SubmissionReport {
    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "submission": self.submission_id,
            "new_batch": self.new_batch,
            "rows": self.rows,
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "rejected": self.rejected,
            "refused": self.refused,
            "input_sha256": crate::codec::hex::encode(&self.input_sha256),
            "audit_seq": self.audit_seq,
            "problems": self.problems.iter().map(RowReport::to_json).collect::<Vec<_>>(),
        })
    }

    fn push(&mut self, r: RowReport) {
        match &r.outcome {
            RowOutcome::Accepted => self.accepted = self.accepted.saturating_add(1),
            RowOutcome::Unchanged => self.unchanged = self.unchanged.saturating_add(1),
            RowOutcome::Replaced => self.replaced = self.replaced.saturating_add(1),
            RowOutcome::Rejected { .. } => self.rejected = self.rejected.saturating_add(1),
            RowOutcome::RefusedIssued => self.refused = self.refused.saturating_add(1),
        }
        let listed = !matches!(r.outcome, RowOutcome::Accepted | RowOutcome::Unchanged);
        if listed && self.problems.len() < MAX_LISTED_ROWS {
            self.problems.push(r);
        }
    }
}

#[cold]
fn refuse(rule: impl Into<String>) -> crate::Error {
    RegistryError::Submission { rule: rule.into() }.into()
}

/// Why reading stopped: the typed error travels through `io::Error` and csv/serde errors.
#[derive(Debug)]
struct Stop(String);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stop {}

fn stop(rule: String) -> io::Error {
    io::Error::other(Stop(rule))
}

/// The file-level error behind an I/O error from the reading stack.
fn io_refusal(e: &io::Error) -> crate::Error {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Stop>()) {
        Some(Stop(rule)) => refuse(rule.clone()),
        None => refuse(format!("reading: {e}")),
    }
}

/// Counts and hashes the raw bytes (unless `hash` is `None`: the first scan, whose digest
/// nobody reads), refusing past the byte bound.
struct Metered<R> {
    inner: R,
    read: u64,
    max: u64,
    hash: Option<ring::digest::Context>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self
            .read
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if self.read > self.max {
            return Err(stop(format!(
                "more than {} bytes, at most {} (split the batch)",
                self.max, self.max
            )));
        }
        if let Some(hash) = self.hash.as_mut() {
            hash.update(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }
}

/// The SHA-256 a [`Metered`] reader computed (all zero without one).
fn finish(hash: Option<ring::digest::Context>) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(hash) = hash {
        out.copy_from_slice(hash.finish().as_ref());
    }
    out
}

/// Decodes to UTF-8 strictly: a malformed sequence stops the read with its byte offset and
/// advice, instead of becoming U+FFFD.
struct Decoded<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: Encoding,
    raw: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    done: bool,
    offset: u64,
}

impl<R: Read> Decoded<R> {
    fn new(inner: R, encoding: Encoding) -> Self {
        let decoder = match encoding {
            Encoding::Utf8 => encoding_rs::UTF_8.new_decoder_with_bom_removal(),
            Encoding::Gb18030 => encoding_rs::GB18030.new_decoder(),
        };
        Decoded {
            inner,
            decoder,
            encoding,
            raw: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            eof: false,
            done: false,
            offset: 0,
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.len() < 4 {
            // encoding_rs needs room for one whole character; callers here use big buffers.
            return Err(io::Error::other("decode buffer too small"));
        }
        if self.done {
            return Ok(0);
        }
        loop {
            if self.start == self.end && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let input = self.raw.get(self.start..self.end).unwrap_or_default();
            let (result, read, written) = self
                .decoder
                .decode_to_utf8_without_replacement(input, out, self.eof);
            self.start = self.start.saturating_add(read);
            self.offset = self.offset.saturating_add(u64::try_from(read).unwrap_or(0));
            match result {
                encoding_rs::DecoderResult::Malformed(bad, _) => {
                    // A decoder that reported malformed input at the end is finished.
                    self.done = self.eof;
                    let at = self.offset.saturating_sub(u64::from(bad));
                    return Err(stop(match self.encoding {
                        Encoding::Utf8 => format!(
                            "not UTF-8 at byte {at}: if the file is GBK/GB18030 (Excel's \"CSV\" \
                             on Chinese Windows), submit it with encoding gb18030 \
                             (certseal submit --encoding gb18030) or convert it first \
                             (iconv -f GB18030 -t UTF-8)"
                        ),
                        Encoding::Gb18030 => format!("not GB18030 at byte {at}"),
                    }));
                }
                // With `last` set, InputEmpty means the decoder is finished: never call it again.
                encoding_rs::DecoderResult::InputEmpty if self.eof => {
                    self.done = true;
                    return Ok(written);
                }
                _ if written > 0 => return Ok(written),
                _ => {}
            }
        }
    }
}

/// One row as read.
enum RawRow {
    /// A JSON object's entries, in order.
    Entries(Vec<(String, Value)>),
    /// A CSV record (cells in the order of [`CsvShape::names`]).
    Csv(csv::StringRecord),
    /// A row-level reading problem: field, rule.
    Bad(String, String),
}

/// A CSV file's columns: the English name of each input column, and the header the model
/// reads the converted cells under.
struct CsvShape {
    names: Vec<String>,
    has_code: bool,
    header: csv::StringRecord,
}

impl CsvShape {
    fn new(names: Vec<String>) -> CsvShape {
        let has_code = names.iter().any(|n| n == "qualification_code");
        let mut header = csv::StringRecord::new();
        for n in &names {
            match n.as_str() {
                "serial" | "predecessor" | "version" | "kind" => {}
                "qualification" if has_code => {}
                "qualification" => header.push_field("qualification_code"),
                other => header.push_field(other),
            }
        }
        header.push_field("serial");
        CsvShape {
            names,
            has_code,
            header,
        }
    }
}

/// Reads rows from `input` (already decoded) and hands them to `f` in chunks: the first of
/// `first` rows, each next one twice the last, up to [`CHUNK_ROWS`].
fn read_rows(
    input: impl Read,
    format: SubmissionFormat,
    first: usize,
    mut f: impl FnMut(Option<&CsvShape>, Vec<(u64, RawRow)>) -> Result<(), crate::Error>,
) -> Result<(), crate::Error> {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut size = first.clamp(1, CHUNK_ROWS);
    let mut chunk: Vec<(u64, RawRow)> = Vec::with_capacity(size);
    let mut row = 0u64;
    // Adds a row; a full chunk is handed on, and the next one allocated at its full size
    // (not grown from empty, a few reallocations and copies a chunk).
    let mut push = |raw: RawRow,
                    chunk: &mut Vec<(u64, RawRow)>|
     -> Result<Option<Vec<(u64, RawRow)>>, crate::Error> {
        row = row.saturating_add(1);
        if row > MAX_SUBMISSION_ROWS {
            return Err(refuse(format!(
                "more than {MAX_SUBMISSION_ROWS} rows (split the batch)"
            )));
        }
        chunk.push((row, raw));
        if chunk.len() < size {
            return Ok(None);
        }
        size = size.saturating_mul(2).min(CHUNK_ROWS);
        Ok(Some(std::mem::replace(chunk, Vec::with_capacity(size))))
    };
    match format {
        SubmissionFormat::Csv => {
            let mut csv = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(input);
            let mut record = csv::StringRecord::new();
            let shape = match csv.read_record(&mut record) {
                Ok(true) => CsvShape::new(header_names(&record)?),
                Ok(false) => return Err(refuse("csv: empty, expected a header row")),
                Err(e) => return Err(csv_refusal(&e, "header")),
            };
            loop {
                match csv.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => return Err(csv_refusal(&e, "row")),
                }
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if let Some(full) = push(RawRow::Csv(record.clone()), &mut chunk)? {
                    f(Some(&shape), full)?;
                }
            }
            if !chunk.is_empty() {
                f(Some(&shape), std::mem::take(&mut chunk))?;
            }
        }
        SubmissionFormat::Json => {
            let first = loop {
                let buf = input.fill_buf().map_err(|e| io_refusal(&e))?;
                match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                    Some(i) => break buf.get(i).copied(),
                    None if buf.is_empty() => break None,
                    None => {
                        let n = buf.len();
                        input.consume(n);
                    }
                }
            };
            match first {
                None => return Err(refuse("json: empty")),
                Some(b'[') => {
                    let mut failure: Option<crate::Error> = None;
                    let mut de = serde_json::Deserializer::from_reader(&mut input);
                    let visitor = Elements {
                        f: &mut |raw: RawRow| -> Result<(), crate::Error> {
                            if let Some(full) = push(raw, &mut chunk)? {
                                f(None, full)?;
                            }
                            Ok(())
                        },
                        failure: &mut failure,
                    };
                    if let Err(e) = (&mut de).deserialize_seq(visitor) {
                        return Err(failure.take().unwrap_or_else(|| json_refusal(&e)));
                    }
                    de.end().map_err(|e| json_refusal(&e))?;
                }
                Some(b'{') => {
                    let mut line = Vec::new();
                    let mut number = 0u64;
                    loop {
                        line.clear();
                        number = number.saturating_add(1);
                        let cap = u64::try_from(MAX_ROW_BYTES)
                            .unwrap_or(u64::MAX)
                            .saturating_add(1);
                        let n = (&mut input)
                            .take(cap)
                            .read_until(b'\n', &mut line)
                            .map_err(|e| io_refusal(&e))?;
                        if n == 0 {
                            break;
                        }
                        if line.len() > MAX_ROW_BYTES && line.last() != Some(&b'\n') {
                            return Err(refuse(format!(
                                "json line {number}: longer than {MAX_ROW_BYTES} bytes"
                            )));
                        }
                        let text = line.trim_ascii();
                        if text.is_empty() {
                            continue;
                        }
                        let raw = match serde_json::from_slice::<Element>(text) {
                            Ok(el) => element_entries(el),
                            Err(e) => RawRow::Bad("record".to_owned(), format!("not JSON: {e}")),
                        };
                        if let Some(full) = push(raw, &mut chunk)? {
                            f(None, full)?;
                        }
                    }
                }
                Some(b) => {
                    return Err(refuse(format!(
                        "json: starts with {:?}, expected '[' (an array) or '{{' (JSON lines)",
                        char::from(b)
                    )))
                }
            }
        }
    }
    if !chunk.is_empty() {
        f(None, chunk)?;
    }
    Ok(())
}

fn csv_refusal(e: &csv::Error, what: &str) -> crate::Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => io_refusal(io),
        _ => refuse(format!("csv {what}: {e}")),
    }
}

fn json_refusal(e: &serde_json::Error) -> crate::Error {
    refuse(format!("json: {e}"))
}

/// The English field names of a CSV header (aliases mapped), refusing unknown or repeated
/// columns and a header without the key columns.
fn header_names(record: &csv::StringRecord) -> Result<Vec<String>, crate::Error> {
    let known: Vec<&str> = crate::model::record_fields()
        .chain(std::iter::once("qualification"))
        .collect();
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for cell in record {
        let cell = cell.trim().trim_start_matches('\u{feff}');
        let name = if known.contains(&cell) {
            cell
        } else if let Some((_, n)) = HEADER_ALIASES.iter().find(|(alias, _)| *alias == cell) {
            *n
        } else {
            return Err(refuse(format!(
                "csv header: unknown column {cell:?} (columns: the English names of \
                 specs/registry.md or their Chinese aliases such as 姓名, 证件号码, 管理号)"
            )));
        };
        if names.iter().any(|n| n == name) {
            return Err(refuse(format!(
                "csv header: column {cell:?} ({name}) appears twice"
            )));
        }
        names.push(name.to_owned());
    }
    for required in ["level", "name", "id_number", "management_number"] {
        if !names.iter().any(|n| n == required) {
            return Err(refuse(format!(
                "csv header: required column {required:?} is missing"
            )));
        }
    }
    if !names
        .iter()
        .any(|n| n == "qualification_code" || n == "qualification")
    {
        return Err(refuse(
            "csv header: required column \"qualification_code\" (or \"qualification\", a name) is missing",
        ));
    }
    Ok(names)
}

fn element_entries(el: Element) -> RawRow {
    match el {
        Element::Object(entries) => RawRow::Entries(entries),
        Element::Other(kind) => {
            RawRow::Bad("record".into(), format!("expected an object, got {kind}"))
        }
    }
}

/// Walks a top-level JSON array element by element.
struct Elements<'a> {
    f: &'a mut dyn FnMut(RawRow) -> Result<(), crate::Error>,
    failure: &'a mut Option<crate::Error>,
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(el) = seq.next_element::<Element>()? {
            if let Err(e) = (self.f)(element_entries(el)) {
                *self.failure = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// A converted row, ready to store.
struct Converted {
    row: u64,
    key: String,
    digest: [u8; 32],
    outcome: RecordOutcome,
    /// An accepted row's certificate, the one its JSON (in `outcome`) was serialised from
    /// (boxed: it moves on to the issuance's handoff and the signer as a pointer).
    parsed: Option<Box<Certificate>>,
}

fn retired_names() -> &'static HashMap<String, u16> {
    static MAP: OnceLock<HashMap<String, u16>> = OnceLock::new();
    MAP.get_or_init(|| {
        RETIRED
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (name, code) = l.split_once('\t')?;
                Some((name.trim().to_owned(), code.trim().parse().ok()?))
            })
            .collect()
    })
}

/// The catalogue code of a qualification name: current names first, then retired ones.
fn code_for_name(name: &str, catalogue: &Catalogue) -> Option<u16> {
    catalogue
        .iter()
        .find(|q| q.name == name)
        .map(|q| q.code)
        .or_else(|| retired_names().get(name).copied())
}

/// Excel shows long numbers like `1.10101E+17`; such a cell lost its digits.
fn excel_mangled(s: &str) -> bool {
    // Byte by byte, case-insensitive, without an upper-cased copy.
    let b = s.as_bytes();
    b.windows(2)
        .any(|w| matches!(w, [e, b'+'] if e.eq_ignore_ascii_case(&b'E')))
        && b.iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b'E' | b'e' | b'+'))
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Validates one row into a certificate (serial left for issuance).
fn convert(row: u64, raw: RawRow, shape: Option<&CsvShape>, catalogue: &Catalogue) -> Converted {
    let fallback_key = || format!("#row:{row}");
    let mut entries = match (raw, shape) {
        (RawRow::Entries(entries), _) => entries,
        (RawRow::Csv(record), Some(shape)) => return convert_csv(row, shape, &record, catalogue),
        (RawRow::Csv(_), None) => {
            return Converted {
                row,
                key: fallback_key(),
                digest: [0; 32],
                outcome: RecordOutcome::Rejected {
                    field: "record".into(),
                    rule: "a CSV row without a header".into(),
                },
                parsed: None,
            }
        }
        (RawRow::Bad(field, rule), _) => {
            let digest = sha256(format!("{field}\u{0}{rule}").as_bytes());
            return Converted {
                row,
                key: fallback_key(),
                digest,
                outcome: RecordOutcome::Rejected { field, rule },
                parsed: None,
            };
        }
    };
    let digest = sha256(&serde_json::to_vec(&entries).unwrap_or_default());
    let key = entries
        .iter()
        .find(|(k, _)| k == "management_number")
        .and_then(|(_, v)| text_of(v))
        .filter(|s| !s.is_empty() && s.chars().count() <= 64)
        .unwrap_or_else(fallback_key);
    let reject = |field: &str, rule: String| Converted {
        row,
        key: key.clone(),
        digest,
        outcome: RecordOutcome::Rejected {
            field: field.to_owned(),
            rule,
        },
        parsed: None,
    };
    // The registry assigns serial, version, kind and predecessor.
    for (name, field) in [
        ("serial", "serial"),
        ("predecessor", "lifecycle.predecessor"),
    ] {
        if entries
            .iter()
            .any(|(k, v)| k == name && text_of(v).is_some_and(|s| !s.is_empty()))
        {
            return reject(field, "assigned by the registry: leave it blank".into());
        }
    }
    if let Some((_, v)) = entries.iter().find(|(k, _)| k == "version") {
        if text_of(v).as_deref() != Some("1") {
            return reject(
                "lifecycle.version",
                "a submission is a first issue (version 1); re-issues go through reissue".into(),
            );
        }
    }
    if let Some((_, v)) = entries.iter().find(|(k, _)| k == "kind") {
        let kind = text_of(v).unwrap_or_default();
        if !matches!(kind.as_str(), "original" | "首次发证" | "0") {
            return reject(
                "lifecycle.kind",
                format!("{kind:?}: a submission is a first issue; change (换发) and replacement (补发) go through reissue"),
            );
        }
    }
    for field in ["id_number", "management_number"] {
        if let Some(s) = entries
            .iter()
            .find(|(k, _)| k == field)
            .and_then(|(_, v)| text_of(v))
        {
            if excel_mangled(&s) {
                let dotted = if field == "id_number" {
                    "holder.id_number"
                } else {
                    "management.number"
                };
                return reject(
                    dotted,
                    format!("{s:?} is a number a spreadsheet shortened: format the column as text and export again"),
                );
            }
        }
    }
    if let Some(i) = entries.iter().position(|(k, _)| k == "qualification") {
        let (_, v) = entries.remove(i);
        let has_code = entries.iter().any(|(k, _)| k == "qualification_code");
        if !has_code {
            let name = text_of(&v).unwrap_or_default();
            match code_for_name(&name, catalogue) {
                Some(code) => entries.push(("qualification_code".into(), Value::from(code))),
                None => {
                    return reject(
                        "qualification.code",
                        format!(
                        "qualification name {name:?} is not in the catalogue, current or retired"
                    ),
                    )
                }
            }
        }
    }
    entries.retain(|(k, _)| !matches!(k.as_str(), "serial" | "version" | "kind" | "predecessor"));
    entries.push(("serial".into(), Value::String("0".into())));
    let (outcome, parsed) = validated(from_element(Element::Object(entries), catalogue));
    Converted {
        row,
        key: match &outcome {
            RecordOutcome::Accepted {
                management_number, ..
            } => management_number.clone(),
            RecordOutcome::Rejected { .. } => key.clone(),
        },
        digest,
        outcome,
        parsed,
    }
}

/// A certificate's stored JSON (the bytes of `serde_json::to_string`, written by
/// `Certificate::write_json`), in a buffer sized for a typical certificate (about 400 bytes)
/// so it does not grow a few times a row, and under the 1 KiB from which glibc's `malloc`
/// consolidates its free lists.
fn certificate_json(cert: &Certificate) -> Result<String, serde_json::Error> {
    let mut buf = Vec::with_capacity(512);
    cert.write_json(&mut buf)?;
    // serde_json writes UTF-8 only; the check cannot fail.
    String::from_utf8(buf).map_err(|e| serde::ser::Error::custom(format!("not UTF-8: {e}")))
}

/// SHA-256 of bytes gathered on the stack and hashed a block at a time (the digest of their
/// concatenation, with a fraction of the calls and no heap buffer).
struct RowDigest {
    ctx: ring::digest::Context,
    buf: [u8; 1024],
    len: usize,
}

impl RowDigest {
    fn new() -> RowDigest {
        RowDigest {
            ctx: ring::digest::Context::new(&ring::digest::SHA256),
            buf: [0; 1024],
            len: 0,
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        match self.buf.get_mut(self.len..end) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.len = end;
            }
            None => {
                self.ctx.update(self.buf.get(..self.len).unwrap_or(&[]));
                self.len = 0;
                match self.buf.get_mut(..bytes.len()) {
                    Some(room) => {
                        room.copy_from_slice(bytes);
                        self.len = bytes.len();
                    }
                    None => self.ctx.update(bytes),
                }
            }
        }
    }

    fn finish(mut self) -> [u8; 32] {
        self.ctx.update(self.buf.get(..self.len).unwrap_or(&[]));
        let mut out = [0u8; 32];
        out.copy_from_slice(self.ctx.finish().as_ref());
        out
    }
}

/// The outcome of the model's validation, and an accepted row's certificate.
fn validated(result: Result<Certificate, ModelError>) -> (RecordOutcome, Option<Box<Certificate>>) {
    match result {
        Ok(cert) => match certificate_json(&cert) {
            Ok(json) => (
                RecordOutcome::Accepted {
                    management_number: cert.management.number.clone(),
                    certificate: json,
                },
                Some(Box::new(cert)),
            ),
            Err(e) => (
                RecordOutcome::Rejected {
                    field: "record".into(),
                    rule: format!("cannot serialise: {e}"),
                },
                None,
            ),
        },
        Err(ModelError::Field { field, rule }) => (
            RecordOutcome::Rejected {
                field: field.into(),
                rule,
            },
            None,
        ),
        Err(other) => (
            RecordOutcome::Rejected {
                field: "record".into(),
                rule: other.rule(),
            },
            None,
        ),
    }
}

/// A CSV row: cells checked and mapped (sex 男/女, legacy 是/否, qualification names,
/// registry-assigned columns blank), then validated by the model's CSV reader.
fn convert_csv(
    row: u64,
    shape: &CsvShape,
    record: &csv::StringRecord,
    catalogue: &Catalogue,
) -> Converted {
    // The row's digest: `name 0 cell 0` for each field, gathered on the stack and hashed a
    // block at a time (the same bytes as hashing field by field; no heap buffer a row).
    let mut digest = RowDigest::new();
    for (name, cell) in shape.names.iter().zip(record) {
        digest.update(name.as_bytes());
        digest.update(&[0]);
        digest.update(cell.trim().as_bytes());
        digest.update(&[0]);
    }
    let digest = digest.finish();
    // A rejected row's key (an accepted row's is its validated management number): made only
    // when a row is rejected.
    let key = || {
        shape
            .names
            .iter()
            .position(|n| n == "management_number")
            .and_then(|i| record.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.chars().count() <= 64)
            .map_or_else(|| format!("#row:{row}"), str::to_owned)
    };
    let reject = |field: &str, rule: String| Converted {
        row,
        key: key(),
        digest,
        outcome: RecordOutcome::Rejected {
            field: field.to_owned(),
            rule,
        },
        parsed: None,
    };
    if record.len() != shape.names.len() {
        return reject(
            "record",
            format!(
                "{} fields, expected {} (as in the header)",
                record.len(),
                shape.names.len()
            ),
        );
    }
    if record.as_slice().len() > MAX_ROW_BYTES {
        return reject("record", format!("longer than {MAX_ROW_BYTES} bytes"));
    }
    // The mapped row: the cells, a qualification code for a name, and the serial "0".
    let mut out = csv::StringRecord::with_capacity(
        record.as_slice().len().saturating_add(16),
        shape.header.len(),
    );
    for (name, cell) in shape.names.iter().zip(record) {
        let cell = cell.trim();
        match name.as_str() {
            "serial" | "predecessor" if !cell.is_empty() => {
                let field = if name == "serial" { "serial" } else { "lifecycle.predecessor" };
                return reject(field, "assigned by the registry: leave it blank".into());
            }
            "version" if !cell.is_empty() && cell != "1" => {
                return reject(
                    "lifecycle.version",
                    "a submission is a first issue (version 1); re-issues go through reissue".into(),
                )
            }
            "kind" if !cell.is_empty() && !matches!(cell, "original" | "首次发证" | "0") => {
                return reject(
                    "lifecycle.kind",
                    format!("{cell:?}: a submission is a first issue; change (换发) and replacement (补发) go through reissue"),
                )
            }
            "serial" | "predecessor" | "version" | "kind" => {}
            "id_number" | "management_number" if excel_mangled(cell) => {
                let field = if name == "id_number" { "holder.id_number" } else { "management.number" };
                return reject(
                    field,
                    format!("{cell:?} is a number a spreadsheet shortened: format the column as text and export again"),
                );
            }
            "sex" => out.push_field(match cell {
                "男" => "1",
                "女" => "2",
                other => other,
            }),
            "legacy" => out.push_field(
                if ["true", "1", "yes", "y", "是"]
                    .iter()
                    .any(|v| cell.eq_ignore_ascii_case(v))
                {
                    "true"
                } else if ["false", "0", "no", "n", "否", ""]
                    .iter()
                    .any(|v| cell.eq_ignore_ascii_case(v))
                {
                    "false"
                } else {
                    cell
                },
            ),
            "qualification" if shape.has_code => {}
            "qualification" => match code_for_name(cell, catalogue) {
                Some(code) => out.push_field(&code.to_string()),
                None if cell.is_empty() => out.push_field(""),
                None => {
                    return reject(
                        "qualification.code",
                        format!("qualification name {cell:?} is not in the catalogue, current or retired"),
                    )
                }
            },
            _ => out.push_field(cell),
        }
    }
    out.push_field("0");
    let (outcome, parsed) = validated(certificate_from_csv(&out, &shape.header, catalogue));
    Converted {
        row,
        key: match &outcome {
            RecordOutcome::Accepted {
                management_number, ..
            } => management_number.clone(),
            RecordOutcome::Rejected { .. } => key(),
        },
        digest,
        outcome,
        parsed,
    }
}

/// The first 128 bits of SHA-256 of a row key.
fn key_hash(key: &str) -> [u8; 16] {
    let d = sha256(key.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(d.get(..16).unwrap_or(&[0; 16]));
    out
}

/// Stores one converted chunk.
/// [`store_chunk`] for a new batch, where no row replaces a stored one: the chunk's numbers
/// are checked against other submissions in one query and its rows stored in one batch (two
/// statements a chunk instead of two a row: most of a submission's time on PostgreSQL).
fn store_new_chunk(
    tx: &mut dyn Tx,
    submission: i64,
    now: i64,
    chunk: Vec<Converted>,
    seen: &mut HashMap<[u8; 16], u64>,
    report: &mut SubmissionReport,
    handoff: Option<&mut super::issuance::Handoff>,
) -> Result<(), crate::Error> {
    // Rows repeating a key of this file are refused first, as one at a time would: each row's
    // first row when it repeats one (the rows stay where they are, in `chunk`).
    let mut repeats: Vec<Option<u64>> = Vec::with_capacity(chunk.len());
    for c in &chunk {
        // One lookup a row: the entry is the first row's, or this row's from now on.
        match seen.entry(key_hash(&c.key)) {
            std::collections::hash_map::Entry::Occupied(first) => repeats.push(Some(*first.get())),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(c.row);
                repeats.push(None);
            }
        }
    }
    let numbers: Vec<&str> = chunk
        .iter()
        .zip(&repeats)
        .filter(|(_, first)| first.is_none())
        .filter_map(|(c, _)| match &c.outcome {
            RecordOutcome::Accepted {
                management_number, ..
            } => Some(management_number.as_str()),
            RecordOutcome::Rejected { .. } => None,
        })
        .collect();
    let taken: HashMap<String, i64> = tx
        .records_with_numbers(&numbers)?
        .into_iter()
        .map(|(number, _, other_submission)| (number, other_submission))
        .collect();
    let mut rows = Vec::with_capacity(chunk.len());
    // Accepted rows' certificates for the handoff, with the digests of their rows.
    let mut handed: Vec<(u64, [u8; 32], Box<Certificate>)> =
        Vec::with_capacity(if handoff.is_some() { chunk.len() } else { 0 });
    // Accepted rows are only counted (a report lists problem rows): no report built for them.
    let mut reports = Vec::new();
    let mut accepted = 0u64;
    for (c, first) in chunk.into_iter().zip(repeats) {
        if let Some(first) = first {
            reports.push(RowReport {
                row: c.row,
                outcome: RowOutcome::Rejected {
                    field: "management.number".into(),
                    rule: format!("{} repeats row {first}", c.key),
                },
                key: c.key,
            });
            continue;
        }
        let mut outcome = c.outcome;
        if let RecordOutcome::Accepted {
            management_number, ..
        } = &outcome
        {
            if let Some(other_submission) = taken.get(management_number) {
                outcome = RecordOutcome::Rejected {
                    field: "management.number".into(),
                    rule: format!(
                        "{management_number} is registered already (submission {other_submission})"
                    ),
                };
            }
            // Two rows of this file naming one number are refused above: an accepted row's
            // key is its validated management number, and `seen` holds every key of the file.
        }
        match &outcome {
            RecordOutcome::Accepted { .. } => {
                accepted = accepted.saturating_add(1);
                if handoff.is_some() {
                    if let Some(cert) = c.parsed {
                        handed.push((c.row, c.digest, cert));
                    }
                }
            }
            RecordOutcome::Rejected { field, rule } => reports.push(RowReport {
                row: c.row,
                key: c.key.clone(),
                outcome: RowOutcome::Rejected {
                    field: field.clone(),
                    rule: rule.clone(),
                },
            }),
        }
        rows.push(RecordRow {
            id: 0,
            submission_id: submission,
            row_key: c.key,
            row_no: c.row,
            digest: c.digest,
            outcome,
            received_at: now,
        });
    }
    tx.insert_records(&rows)?;
    if let Some(h) = handoff {
        for (row, digest, cert) in handed {
            h.insert(submission, row, digest, cert);
        }
    }
    report.accepted = report.accepted.saturating_add(accepted);
    for r in reports {
        report.push(r);
    }
    Ok(())
}

fn store_chunk(
    tx: &mut dyn Tx,
    submission: i64,
    new_batch: bool,
    now: i64,
    chunk: Vec<Converted>,
    seen: &mut HashMap<[u8; 16], u64>,
    report: &mut SubmissionReport,
) -> Result<(), crate::Error> {
    if new_batch {
        return store_new_chunk(tx, submission, now, chunk, seen, report, None);
    }
    for c in chunk {
        let mut outcome = c.outcome;
        // Keys seen in this file, by a 128-bit digest (collisions out of reach).
        let h = key_hash(&c.key);
        if let Some(&first) = seen.get(&h) {
            report.push(RowReport {
                row: c.row,
                key: c.key.clone(),
                outcome: RowOutcome::Rejected {
                    field: "management.number".into(),
                    rule: format!("{} repeats row {first}", c.key),
                },
            });
            continue;
        }
        seen.insert(h, c.row);
        let existing = if new_batch {
            None
        } else {
            tx.record(submission, &c.key)?
        };
        if let RecordOutcome::Accepted {
            management_number, ..
        } = &outcome
        {
            if let Some((other, other_submission)) = tx.record_with_number(management_number)? {
                if existing.as_ref().map(|e| e.id) != Some(other) {
                    outcome = RecordOutcome::Rejected {
                        field: "management.number".into(),
                        rule: format!(
                            "{management_number} is registered already (submission {other_submission})"
                        ),
                    };
                }
            }
        }
        let row_outcome = |o: &RecordOutcome, fresh: RowOutcome| match o {
            RecordOutcome::Accepted { .. } => fresh,
            RecordOutcome::Rejected { field, rule } => RowOutcome::Rejected {
                field: field.clone(),
                rule: rule.clone(),
            },
        };
        let row = RecordRow {
            id: 0,
            submission_id: submission,
            row_key: c.key.clone(),
            row_no: c.row,
            digest: c.digest,
            outcome,
            received_at: now,
        };
        let result = match existing {
            None => {
                tx.put_record(&row)?;
                row_outcome(&row.outcome, RowOutcome::Accepted)
            }
            Some(e) if e.digest == c.digest => row_outcome(&e.outcome, RowOutcome::Unchanged),
            Some(e)
                if matches!(e.outcome, RecordOutcome::Accepted { .. })
                    && tx.record_assigned(e.id)? =>
            {
                RowOutcome::RefusedIssued
            }
            Some(e) => {
                tx.put_record(&RecordRow {
                    id: e.id,
                    ..row.clone()
                })?;
                row_outcome(&row.outcome, RowOutcome::Replaced)
            }
        };
        report.push(RowReport {
            row: c.row,
            key: c.key,
            outcome: result,
        });
    }
    Ok(())
}

impl Registry {
    /// Reads a submission from `input` and stores it in one transaction (see the module
    /// doc). A file-level refusal (encoding, size, row count, not CSV/JSON) stores nothing.
    pub fn submit(
        &mut self,
        input: impl Read,
        meta: &SubmissionMeta,
        now: i64,
    ) -> Result<SubmissionReport, crate::Error> {
        self.submit_expecting(input, meta, now, 0)
    }

    /// [`Registry::submit`] of a file whose scan counted `rows` data rows (0: not known):
    /// the set of the file's keys is sized for them.
    fn submit_expecting(
        &mut self,
        input: impl Read,
        meta: &SubmissionMeta,
        now: i64,
        rows: u64,
    ) -> Result<SubmissionReport, crate::Error> {
        check_meta(meta)?;
        let catalogue = Catalogue::builtin();
        let actor = self.actor.clone();
        let mut input = Some(input);
        self.write(|tx| {
            let input = input.take().ok_or_else(|| {
                refuse("a streamed submission cannot be retried: submit the file again")
            })?;
            let (submission, new_batch) = match tx.submission(&meta.body, &meta.batch)? {
                Some(s) => (s.id, false),
                None => (
                    tx.insert_submission(&SubmissionRow {
                        id: 0,
                        body: meta.body.clone(),
                        batch: meta.batch.clone(),
                        exam: meta.exam.clone(),
                        results_published: meta.results_published.map(|d| d.days_since_epoch()),
                        received_at: now,
                    })?,
                    true,
                ),
            };
            let mut metered = Metered {
                inner: input,
                read: 0,
                max: MAX_SUBMISSION_BYTES,
                hash: Some(ring::digest::Context::new(&ring::digest::SHA256)),
            };
            let mut report = SubmissionReport {
                submission_id: submission,
                new_batch,
                ..SubmissionReport::default()
            };
            let mut seen: HashMap<[u8; 16], u64> =
                HashMap::with_capacity(usize::try_from(rows.min(MAX_SUBMISSION_ROWS)).unwrap_or(0));
            {
                let decoded = Decoded::new(&mut metered, meta.encoding);
                // Chunk k+1 is converted on the rayon pool while chunk k is stored here.
                let mut pending: Option<Vec<Converted>> = None;
                read_rows(decoded, meta.format, CHUNK_ROWS, |shape, rows| {
                    report.rows = report
                        .rows
                        .saturating_add(u64::try_from(rows.len()).unwrap_or(0));
                    let mut next: Option<Vec<Converted>> = None;
                    let stored = rayon::in_place_scope(|scope| {
                        let next = &mut next;
                        scope.spawn(move |_| {
                            *next = Some(
                                rows.into_par_iter()
                                    .map(|(row, raw)| convert(row, raw, shape, catalogue))
                                    .collect(),
                            );
                        });
                        match pending.take() {
                            Some(chunk) => store_chunk(
                                tx,
                                submission,
                                new_batch,
                                now,
                                chunk,
                                &mut seen,
                                &mut report,
                            ),
                            None => Ok(()),
                        }
                    });
                    pending = next;
                    stored
                })?;
                if let Some(chunk) = pending.take() {
                    store_chunk(
                        tx,
                        submission,
                        new_batch,
                        now,
                        chunk,
                        &mut seen,
                        &mut report,
                    )?;
                }
            }
            if report.rows == 0 {
                return Err(refuse("no data rows"));
            }
            report
                .input_sha256
                .copy_from_slice(&finish(metered.hash.clone()));
            let subject = format!("{}/{}", meta.body, meta.batch);
            report.audit_seq =
                audit::append(tx, now, &actor, "submit", &subject, report.input_sha256)?;
            Ok(report)
        })
    }

    /// [`Registry::submit`] from a file; a file larger than the bound is refused before it is
    /// read.
    pub fn submit_file(
        &mut self,
        path: &Path,
        meta: &SubmissionMeta,
        now: i64,
    ) -> Result<SubmissionReport, crate::Error> {
        let (file, rows) = open_scanned(path, meta)?;
        self.submit_expecting(file, meta, now, rows)
    }

    /// [`Registry::submit_file`] then [`Registry::issue_pending`] (submitted at `opts.now`),
    /// pipelined for a new batch of CSV: issuance signs the first records while later ones
    /// are still read and stored. Each chunk of rows is stored in the transaction that
    /// records a signed chunk and reserves the next one (with an audit entry `submit-part`;
    /// `submit` when the file is done), so the submission is not one transaction: a file the
    /// first scan accepts can still fail later only if it changes while it is read (then the
    /// rows stored so far stay, as after a crash); submitting and issuing again resumes (the
    /// batch then exists, and the stored rows come back `unchanged`). A resubmission, JSON,
    /// or an empty file go through the two calls one after the other.
    pub fn submit_and_issue_file(
        &mut self,
        path: &Path,
        meta: &SubmissionMeta,
        keys: &crate::trust::KeyDir,
        opts: &super::IssueOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(SubmissionReport, super::IssueReport), crate::Error> {
        check_meta(meta)?;
        let (file, rows) = open_scanned(path, meta)?;
        let exists = self.read(|tx| Ok(tx.submission(&meta.body, &meta.batch)?.is_some()))?;
        if exists || rows == 0 || meta.format != SubmissionFormat::Csv {
            drop(file);
            let submitted = self.submit_file(path, meta, opts.now)?;
            let issued = self.issue_pending(keys, opts, progress)?;
            return Ok((submitted, issued));
        }
        let actor = self.actor.clone();
        std::thread::scope(|scope| {
            // Two converted chunks wait at most (memory flat).
            let (out, rx) = mpsc::sync_channel::<Piece>(2);
            scope.spawn(move || read_converted(file, meta, &out));
            let mut feed = SubmitFeed {
                rx,
                meta,
                now: opts.now,
                actor,
                submission: None,
                // Every row's key goes in: sized for the rows the scan counted (at most
                // MAX_SUBMISSION_ROWS), so the table is not grown and rehashed as it fills.
                seen: HashMap::with_capacity(
                    usize::try_from(rows.min(MAX_SUBMISSION_ROWS)).unwrap_or(0),
                ),
                report: SubmissionReport {
                    new_batch: true,
                    ..SubmissionReport::default()
                },
            };
            let issued = self.issue_fed(
                keys,
                opts,
                progress,
                Some(&mut |tx: &mut dyn Tx, wait: bool, handoff: &mut Handoff| {
                    feed.store(tx, wait, handoff)
                }),
                rows,
            );
            // Dropping the receiver stops the reader if issuance failed.
            let SubmitFeed { report, .. } = feed;
            Ok((report, issued?))
        })
    }
}

fn check_meta(meta: &SubmissionMeta) -> Result<(), crate::Error> {
    for (field, value) in [("body", &meta.body), ("batch", &meta.batch)] {
        let n = value.chars().count();
        if n == 0 || n > 64 || value.chars().any(char::is_control) {
            return Err(RegistryError::request(
                field,
                format!("{value:?} is not 1..=64 characters without control characters"),
            ));
        }
    }
    Ok(())
}

/// Opens a submission file, refuses it if too large, scans it ([`prescan`]) and rewinds it;
/// returns it and its data rows (0 for a JSON array, which is bounded while it is read).
fn open_scanned(path: &Path, meta: &SubmissionMeta) -> Result<(std::fs::File, u64), crate::Error> {
    let mut file = std::fs::File::open(path).map_err(|e| crate::Error::io(path, e))?;
    let len = file
        .metadata()
        .map_err(|e| crate::Error::io(path, e))?
        .len();
    if len > MAX_SUBMISSION_BYTES {
        return Err(refuse(format!(
            "{}: {len} bytes, at most {MAX_SUBMISSION_BYTES} (split the batch)",
            path.display()
        )));
    }
    // A file can be read twice: count its rows (and check its encoding) before the
    // transaction, so that a file over the row bound is refused without writing.
    let rows = prescan(&file, meta)?;
    use std::io::Seek as _;
    file.rewind().map_err(|e| crate::Error::io(path, e))?;
    Ok((file, rows))
}

/// What the reader of a pipelined submission hands the store.
enum Piece {
    /// A converted chunk of rows.
    Rows(Vec<Converted>),
    /// The end of the file: data rows read and the SHA-256 of its bytes.
    End(u64, [u8; 32]),
    /// The file was refused after all.
    Failed(crate::Error),
}

/// Reads and converts `file` chunk by chunk (conversion on the rayon pool) into `out`.
fn read_converted(file: std::fs::File, meta: &SubmissionMeta, out: &mpsc::SyncSender<Piece>) {
    let catalogue = Catalogue::builtin();
    let mut metered = Metered {
        inner: file,
        read: 0,
        max: MAX_SUBMISSION_BYTES,
        hash: Some(ring::digest::Context::new(&ring::digest::SHA256)),
    };
    let mut rows = 0u64;
    let read = read_rows(
        Decoded::new(&mut metered, meta.encoding),
        meta.format,
        FIRST_CHUNK_ROWS,
        |shape, chunk| {
            rows = rows.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
            let converted: Vec<Converted> = chunk
                .into_par_iter()
                .map(|(row, raw)| convert(row, raw, shape, catalogue))
                .collect();
            out.send(Piece::Rows(converted))
                .map_err(|_| RegistryError::inconsistent("submission stopped"))
        },
    );
    let piece = match read {
        Ok(()) => {
            let mut sha = [0u8; 32];
            sha.copy_from_slice(&finish(metered.hash));
            Piece::End(rows, sha)
        }
        Err(e) => Piece::Failed(e),
    };
    let _ = out.send(piece);
}

/// The submission side of [`Registry::submit_and_issue_file`]: stores what the reader sent.
struct SubmitFeed<'m> {
    rx: mpsc::Receiver<Piece>,
    meta: &'m SubmissionMeta,
    now: i64,
    actor: String,
    /// The submission, once its first chunk is stored.
    submission: Option<i64>,
    seen: HashMap<[u8; 16], u64>,
    report: SubmissionReport,
}

impl SubmitFeed<'_> {
    /// Stores every chunk ready (waiting for one first if `wait`) while `handoff` has room
    /// for its certificates; `true` once the file is stored whole and its `submit` audit
    /// entry appended.
    fn store(
        &mut self,
        tx: &mut dyn Tx,
        wait: bool,
        handoff: &mut Handoff,
    ) -> Result<bool, crate::Error> {
        let stopped = || RegistryError::inconsistent("submission reader stopped");
        let mut wait = wait;
        loop {
            let piece = if wait {
                self.rx.recv().map_err(|_| stopped())?
            } else if handoff.full() {
                // Enough stored ahead of the signers: the reader waits (memory flat).
                return Ok(false);
            } else {
                match self.rx.try_recv() {
                    Ok(p) => p,
                    Err(mpsc::TryRecvError::Empty) => return Ok(false),
                    Err(mpsc::TryRecvError::Disconnected) => return Err(stopped()),
                }
            };
            wait = false;
            let subject = format!("{}/{}", self.meta.body, self.meta.batch);
            match piece {
                Piece::Failed(e) => return Err(e),
                Piece::Rows(chunk) => {
                    let submission = match self.submission {
                        Some(id) => id,
                        None => {
                            // Another process may have created the batch since the check.
                            if tx.submission(&self.meta.body, &self.meta.batch)?.is_some() {
                                return Err(refuse(format!(
                                    "{subject} was submitted meanwhile: submit it again"
                                )));
                            }
                            let id = tx.insert_submission(&SubmissionRow {
                                id: 0,
                                body: self.meta.body.clone(),
                                batch: self.meta.batch.clone(),
                                exam: self.meta.exam.clone(),
                                results_published: self
                                    .meta
                                    .results_published
                                    .map(|d| d.days_since_epoch()),
                                received_at: self.now,
                            })?;
                            self.submission = Some(id);
                            self.report.submission_id = id;
                            id
                        }
                    };
                    let (first, last) = (
                        chunk.first().map_or(0, |c| c.row),
                        chunk.last().map_or(0, |c| c.row),
                    );
                    // The same bytes as hashing row by row, in one call.
                    let mut bytes = Vec::with_capacity(chunk.len().saturating_mul(40));
                    for c in &chunk {
                        bytes.extend_from_slice(&c.row.to_be_bytes());
                        bytes.extend_from_slice(&c.digest);
                    }
                    let payload = sha256(&bytes);
                    drop(bytes);
                    store_new_chunk(
                        tx,
                        submission,
                        self.now,
                        chunk,
                        &mut self.seen,
                        &mut self.report,
                        Some(handoff),
                    )?;
                    audit::append(
                        tx,
                        self.now,
                        &self.actor,
                        "submit-part",
                        &format!("{subject} rows {first}..={last}"),
                        payload,
                    )?;
                }
                Piece::End(rows, sha) => {
                    if rows == 0 {
                        return Err(refuse("no data rows"));
                    }
                    self.report.rows = rows;
                    self.report.input_sha256 = sha;
                    self.report.audit_seq =
                        audit::append(tx, self.now, &self.actor, "submit", &subject, sha)?;
                    return Ok(true);
                }
            }
        }
    }
}

/// Reads `file` once without converting rows: refuses it (encoding, syntax, row and byte
/// bounds) as the transaction would, but before any write.
fn prescan(file: &std::fs::File, meta: &SubmissionMeta) -> Result<u64, crate::Error> {
    let metered = Metered {
        inner: file,
        read: 0,
        max: MAX_SUBMISSION_BYTES,
        hash: None,
    };
    let decoded = BufReader::with_capacity(256 * 1024, Decoded::new(metered, meta.encoding));
    let mut rows = 0u64;
    let mut count = |n: u64| -> Result<(), crate::Error> {
        rows = rows.saturating_add(n);
        if rows > MAX_SUBMISSION_ROWS {
            return Err(refuse(format!(
                "more than {MAX_SUBMISSION_ROWS} rows (split the batch)"
            )));
        }
        Ok(())
    };
    match meta.format {
        SubmissionFormat::Csv => {
            let mut csv = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(decoded);
            let mut record = csv::ByteRecord::new();
            loop {
                match csv.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => count(1)?,
                    Err(e) => return Err(csv_refusal(&e, "row")),
                }
            }
        }
        SubmissionFormat::Json => {
            // JSON lines: count lines; an array is bounded while it is read.
            let mut input = decoded;
            let mut buf = Vec::new();
            let mut first = true;
            loop {
                buf.clear();
                let n = (&mut input)
                    .take(
                        u64::try_from(MAX_ROW_BYTES)
                            .unwrap_or(u64::MAX)
                            .saturating_add(1),
                    )
                    .read_until(b'\n', &mut buf)
                    .map_err(|e| io_refusal(&e))?;
                if n == 0 {
                    break;
                }
                let text = buf.trim_ascii();
                if first && !text.is_empty() {
                    if text.first() == Some(&b'[') {
                        return Ok(0);
                    }
                    first = false;
                }
                if !text.is_empty() {
                    count(1)?;
                }
            }
        }
    }
    Ok(rows)
}

/// Fuzzing entry: the submission readers (CSV, JSON array, JSON lines; UTF-8 and GB18030)
/// and the row conversion, without a store.
pub fn fuzz_submission(data: &[u8]) {
    let catalogue = Catalogue::builtin();
    for format in [SubmissionFormat::Csv, SubmissionFormat::Json] {
        for encoding in [Encoding::Utf8, Encoding::Gb18030] {
            let metered = Metered {
                inner: data,
                read: 0,
                max: MAX_SUBMISSION_BYTES,
                hash: Some(ring::digest::Context::new(&ring::digest::SHA256)),
            };
            let _ = read_rows(
                Decoded::new(metered, encoding),
                format,
                CHUNK_ROWS,
                |shape, rows| {
                    for (row, raw) in rows {
                        let _ = convert(row, raw, shape, catalogue);
                    }
                    Ok(())
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::excel_mangled;

    #[test]
    fn excel_mangled_finds_numbers_a_spreadsheet_shortened_in_either_case() {
        for s in ["1.10101E+17", "1.10101e+17", "3E+5", "e+"] {
            assert!(excel_mangled(s), "{s}");
        }
        for s in [
            "110101199003070013",
            "11010119900307001X",
            "M000000000000001",
            "1.1E17",
            "1.1E+17X",
            "1.1Ｅ+17",
            "",
        ] {
            assert!(!excel_mangled(s), "{s}");
        }
    }
}
