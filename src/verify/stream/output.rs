//! The three report forms of a streaming run — a table for people, JSON lines, CSV — one
//! record per non-blank input line, rendered straight from the verdict into bytes (no
//! intermediate JSON tree), and the closing [`Summary`]. Owns the CSV formula guard
//! ([`csv_cell`]) that every CSV certseal writes goes through.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use super::lines::LineError;
use crate::codec::{json, swar};
use crate::model::{StemmedId, ID_MASK};
use crate::verify::view::{Hex, JsonFragments, ReportCache};
use crate::verify::Verdict;

/// The form of a streaming run's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// Aligned columns for people, a summary by reason at the end.
    Table,
    /// One JSON object per line: `file`, `line`, `input_id` and the verdict's members.
    JsonLines,
    /// CSV with a header row (cells guarded against spreadsheet formulas).
    Csv,
}

/// The CSV header row.
pub const CSV_HEADER: [&str; 21] = [
    "file",
    "line",
    "input_id",
    "status",
    "reason",
    "stage",
    "detail",
    "alg",
    "kid",
    "identifier",
    "holder",
    "id_number",
    "qualification",
    "level",
    "specialty",
    "kind",
    "management_number",
    "approval_date",
    "status_index",
    "issued_at",
    "expires_at",
];

/// A cell as a spreadsheet must show it: text starting with `=`, `+`, `-`, `@`, TAB or CR (a
/// formula in Excel, LibreOffice, Sheets) gets a leading `'`. Input text is whatever someone
/// wrote, so `=HYPERLINK(..)` must arrive as text (OWASP "CSV injection"). Every CSV certseal
/// writes (`verify --format csv`, `scan --report`) goes through this one function.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    if needs_guard(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Whether [`csv_cell`] puts a `'` before `s`: it starts with `=`, `+`, `-`, `@`, TAB or CR.
fn needs_guard(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// What a record says about its line.
pub(crate) enum Checked<'a> {
    /// The verifier's verdict.
    Verdict(&'a Verdict),
    /// The line could not be given to the verifier.
    Line(&'a LineError),
}

/// One record of the report.
pub(crate) struct Record<'a> {
    pub file: Option<&'a str>,
    pub line: u64,
    pub input_id: Option<&'a str>,
    pub checked: Checked<'a>,
}

/// The table's column heads.
pub(crate) fn table_header(out: &mut Vec<u8>) {
    let _ = writeln!(
        out,
        "{:>8}  {:<8} {:<18} {:<6} {:<16} {:<10} {:<8} QUALIFICATION / IDENTIFIER",
        "LINE", "STATUS", "REASON", "ALG", "KID", "HOLDER", "KIND"
    );
}

/// The CSV header row.
pub(crate) fn csv_header(out: &mut Vec<u8>) {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let _ = w.write_record(CSV_HEADER);
    let _ = w.flush();
}

/// Appends `record` in `format` to `out`; `cache` makes the certificate identifiers and
/// the JSON that repeats (kept by the worker across its batches).
pub(crate) fn render(format: Format, r: &Record<'_>, cache: &mut ReportCache, out: &mut Vec<u8>) {
    let ReportCache { stems, fragments } = cache;
    let identifier = match r.checked {
        Checked::Verdict(v) => v.certificate.as_ref().and_then(|c| stems.identifier(c)),
        Checked::Line(_) => None,
    };
    match format {
        Format::Table => table_row(r, identifier, out),
        Format::JsonLines => json_row(r, identifier, fragments, out),
        Format::Csv => csv_row(r, identifier, out),
    }
}

/// A record as JSON lines: `file`, `line`, `input_id`, then the verdict's members in
/// alphabetical order (as [`Verdict`]'s `Serialize` writes them) — byte for byte what
/// `serde_json` writes for [`JsonRecord`] (the tests compare the two), without a serializer.
fn json_row(
    r: &Record<'_>,
    identifier: Option<StemmedId<'_>>,
    fragments: &mut JsonFragments,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b"{\"file\":");
    json::opt_str(out, r.file);
    out.extend_from_slice(b",\"line\":");
    json::u64(out, r.line);
    out.extend_from_slice(b",\"input_id\":");
    json::opt_str(out, r.input_id);
    match r.checked {
        Checked::Verdict(v) => {
            out.push(b',');
            v.write_json_members(identifier, fragments, out);
        }
        Checked::Line(e) => {
            out.extend_from_slice(b",\"alg\":null,\"certificate\":null,\"detail\":");
            json::display(out, e);
            out.extend_from_slice(b",\"kid\":null,\"reason\":");
            json::str(out, e.code());
            out.extend_from_slice(b",\"stage\":\"input\",\"status\":\"error\"");
        }
    }
    out.extend_from_slice(b"}\n");
}

/// A record as JSON through serde (the report's form before [`json_row`]): what
/// [`json_row`] must write; with `identifier`, that one for the certificate's.
#[cfg(test)]
struct JsonRecord<'a, 'r> {
    r: &'a Record<'r>,
    identifier: Option<Option<StemmedId<'a>>>,
}

#[cfg(test)]
impl serde::Serialize for JsonRecord<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = self.r;
        let mut m = s.serialize_map(Some(10))?;
        m.serialize_entry("file", &r.file)?;
        m.serialize_entry("line", &r.line)?;
        m.serialize_entry("input_id", &r.input_id)?;
        match r.checked {
            Checked::Verdict(v) => v.serialize_members(&mut m, self.identifier)?,
            Checked::Line(e) => {
                m.serialize_entry("alg", &None::<&str>)?;
                m.serialize_entry("certificate", &None::<&str>)?;
                m.serialize_entry("detail", &crate::verify::view::Shown(e))?;
                m.serialize_entry("kid", &None::<&str>)?;
                m.serialize_entry("reason", e.code())?;
                m.serialize_entry("stage", "input")?;
                m.serialize_entry("status", "error")?;
            }
        }
        m.end()
    }
}

/// `n` right-aligned in `width` columns (`{n:>width$}`).
fn push_u64_right(out: &mut Vec<u8>, n: u64, width: usize) {
    let from = out.len();
    json::u64(out, n);
    let len = out.len().saturating_sub(from);
    if len < width {
        let pad = width.saturating_sub(len);
        out.splice(from..from, std::iter::repeat_n(b' ', pad));
    }
}

/// `s` left-aligned in `width` characters (`{s:<width$}`).
fn push_left(out: &mut Vec<u8>, s: &str, width: usize) {
    out.extend_from_slice(s.as_bytes());
    let used = if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    };
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(used)));
}

fn table_row(r: &Record<'_>, identifier: Option<StemmedId<'_>>, out: &mut Vec<u8>) {
    push_u64_right(out, r.line, 8);
    out.extend_from_slice(b"  ");
    let v = match r.checked {
        Checked::Verdict(v) => v,
        Checked::Line(e) => {
            push_left(out, "error", 8);
            out.push(b' ');
            push_left(out, e.code(), 18);
            let _ = writeln!(out, " {e}");
            return;
        }
    };
    push_left(out, if v.is_valid() { "valid" } else { "invalid" }, 8);
    out.push(b' ');
    push_left(out, v.result.as_ref().err().map_or("-", |e| e.code()), 18);
    out.push(b' ');
    push_left(out, v.alg.map_or("-", |a| a.name()), 6);
    out.push(b' ');
    match &v.kid {
        // 8 bytes: 16 hex digits, the column's width.
        Some(k) => Hex(k).write_to(out),
        None => push_left(out, "-", 16),
    }
    out.push(b' ');
    match &v.certificate {
        Some(c) => {
            let names = c.catalogue_names();
            let qual = [
                names.qualification.map(|q| q.name.as_str()),
                names.level.map(|l| l.name.as_str()),
                names.specialty.map(|s| s.name.as_str()),
            ];
            pad(out, &c.holder_name, 10);
            out.push(b' ');
            pad(out, c.kind.label_zh(), 8);
            out.push(b' ');
            let mut first = true;
            for part in qual.into_iter().flatten() {
                if !first {
                    out.push(b' ');
                }
                out.extend_from_slice(part.as_bytes());
                first = false;
            }
            if first {
                out.push(b'-');
            }
            out.extend_from_slice(b" / ");
            match identifier {
                Some(id) => id.write_to(out),
                None => out.extend_from_slice(r.input_id.unwrap_or("-").as_bytes()),
            }
        }
        None => {
            pad(out, "-", 10);
            out.push(b' ');
            pad(out, "-", 8);
            out.extend_from_slice(b" - / ");
            out.extend_from_slice(r.input_id.unwrap_or("-").as_bytes());
        }
    }
    out.push(b'\n');
}

/// `s` padded with spaces to `width` terminal columns, counting CJK characters as two.
fn pad(out: &mut Vec<u8>, s: &str, width: usize) {
    let wide = |c: char| {
        matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}'
            | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}'
            | '\u{FFE0}'..='\u{FFE6}')
    };
    let used: usize = s.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
    out.extend_from_slice(s.as_bytes());
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(used)));
}

/// A CSV record written straight into the report: fields separated by `,`, a field holding
/// `,` `"` CR or LF quoted with its quotes doubled, `\n` at the end — what the `csv` crate's
/// default writer writes (`QuoteStyle::Necessary`; a test compares the two), without a
/// writer, its buffer and a `String` per field.
struct CsvRecord<'o> {
    out: &'o mut Vec<u8>,
    fields: usize,
}

impl<'o> CsvRecord<'o> {
    fn new(out: &'o mut Vec<u8>) -> Self {
        CsvRecord { out, fields: 0 }
    }

    /// Starts a field; returns where its text starts.
    fn open(&mut self) -> usize {
        if self.fields > 0 {
            self.out.push(b',');
        }
        self.fields = self.fields.saturating_add(1);
        self.out.len()
    }

    /// Quotes the field that started at `from` if it must be.
    fn close(&mut self, from: usize) {
        if needs_quotes(self.out.get(from..).unwrap_or_default()) {
            let raw = self.out.split_off(from);
            self.out.push(b'"');
            for b in raw {
                if b == b'"' {
                    self.out.push(b'"');
                }
                self.out.push(b);
            }
            self.out.push(b'"');
        }
    }

    /// A field of trusted text (codes, names from the catalogue).
    fn text(&mut self, s: &str) {
        let from = self.open();
        self.out.extend_from_slice(s.as_bytes());
        self.close(from);
    }

    /// A field of outside text, through the formula guard (as [`csv_cell`]).
    fn guarded(&mut self, s: &str) {
        let from = self.open();
        if needs_guard(s) {
            self.out.push(b'\'');
        }
        self.out.extend_from_slice(s.as_bytes());
        self.close(from);
    }

    /// A field written by `write`.
    fn with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let from = self.open();
        write(self.out);
        self.close(from);
    }

    /// A field written by `write` that cannot hold a byte to quote (digits, hex, a checked
    /// identifier, a date, a reason code): not looked at again.
    fn plain(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        self.open();
        write(self.out);
    }

    /// A field of static text without a byte to quote (status, reason and stage codes,
    /// algorithm names, issue-kind labels).
    fn code(&mut self, s: &'static str) {
        self.open();
        self.out.extend_from_slice(s.as_bytes());
    }

    /// Empty fields up to `n` in all, and the record's end.
    fn end(self, n: usize) {
        for _ in self.fields..n {
            self.out.push(b',');
        }
        self.out.push(b'\n');
    }
}

/// Whether a CSV field holding `text` must be quoted: it holds `,` `"` CR or LF (checked
/// eight bytes at a time).
fn needs_quotes(text: &[u8]) -> bool {
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\r' | b'\n');
    let mut words = text.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or([0; 8]));
        let marks = swar::byte_marks(x, b',')
            | swar::byte_marks(x, b'"')
            | swar::byte_marks(x, b'\r')
            | swar::byte_marks(x, b'\n');
        if marks != 0 {
            return true;
        }
    }
    words.remainder().iter().any(special)
}

fn csv_row(r: &Record<'_>, identifier: Option<StemmedId<'_>>, out: &mut Vec<u8>) {
    let mut w = CsvRecord::new(out);
    w.guarded(r.file.unwrap_or(""));
    w.plain(|o| json::u64(o, r.line));
    w.guarded(r.input_id.unwrap_or(""));
    match r.checked {
        Checked::Line(e) => {
            w.code("error");
            w.code(e.code());
            w.code("input");
            w.guarded(&e.to_string());
        }
        Checked::Verdict(v) => {
            let err = v.result.as_ref().err();
            w.code(if v.is_valid() { "valid" } else { "invalid" });
            w.code(err.map_or("", |e| e.code()));
            w.code(err.map_or("", |e| e.stage()));
            match err {
                Some(e) => w.guarded(&e.to_string()),
                None => w.code(""),
            }
            w.code(v.alg.map_or("", |a| a.name()));
            match &v.kid {
                Some(k) => w.plain(|o| Hex(k).write_to(o)),
                None => w.code(""),
            }
            if let Some(c) = &v.certificate {
                let names = c.catalogue_names();
                let q = &c.qualification;
                match identifier {
                    Some(id) => w.plain(|o| id.write_to(o)),
                    None => w.code(""),
                }
                w.guarded(&c.holder_name);
                w.with(|o| {
                    o.extend_from_slice(ID_MASK.as_bytes());
                    o.extend_from_slice(c.id_tail.as_bytes());
                });
                match names.qualification {
                    Some(n) => w.text(&n.name),
                    None => w.plain(|o| json::u64(o, q.code.into())),
                }
                match names.level {
                    Some(n) => w.text(&n.name),
                    None => w.plain(|o| json::u64(o, q.level.into())),
                }
                match (names.specialty, q.specialty) {
                    (Some(n), _) => w.text(&n.name),
                    (None, Some(code)) => w.plain(|o| json::u64(o, code.into())),
                    (None, None) => w.code(""),
                }
                w.code(c.kind.label_zh());
                w.guarded(&c.management_number);
                w.plain(|o| o.extend_from_slice(&c.approval_date.ascii()));
                match c.status_index {
                    Some(i) => w.plain(|o| json::u64(o, i)),
                    None => w.code(""),
                }
                w.plain(|o| json::rfc3339(o, c.issued_at));
                match c.expires_at {
                    Some(t) => w.plain(|o| json::rfc3339(o, t)),
                    None => w.code(""),
                }
            }
        }
    }
    w.end(CSV_HEADER.len());
}

/// Counts of one batch, merged into the [`Summary`] in input order.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub valid: u64,
    pub invalid: u64,
    pub unreadable: u64,
    pub reasons: Vec<(&'static str, u64)>,
}

impl Counts {
    pub fn clear(&mut self) {
        self.valid = 0;
        self.invalid = 0;
        self.unreadable = 0;
        self.reasons.clear();
    }

    pub fn add(&mut self, checked: &Checked<'_>) {
        match checked {
            Checked::Verdict(v) => self.add_result(&v.result),
            Checked::Line(e) => {
                self.unreadable = self.unreadable.saturating_add(1);
                self.add_reason(e.code());
            }
        }
    }

    pub fn add_result(&mut self, result: &Result<(), crate::verify::Reason>) {
        match result {
            Ok(()) => self.valid = self.valid.saturating_add(1),
            Err(e) => {
                self.invalid = self.invalid.saturating_add(1);
                self.add_reason(e.code());
            }
        }
    }

    fn add_reason(&mut self, code: &'static str) {
        match self.reasons.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => self.reasons.push((code, 1)),
        }
    }
}

/// What a run found: lines verified, by outcome and by reason code.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Non-blank lines reported on.
    pub lines: u64,
    /// Valid payloads.
    pub valid: u64,
    /// Payloads the verifier found not valid.
    pub invalid: u64,
    /// Lines that reached no verifier: too long, not UTF-8, a broken bundle line.
    pub unreadable: u64,
    /// Not-valid and unreadable lines by reason code (`signature`, `expired`,
    /// `line_too_long`, …).
    pub by_reason: BTreeMap<String, u64>,
}

impl Summary {
    pub(crate) fn add(&mut self, c: &Counts) {
        let n = c
            .valid
            .saturating_add(c.invalid)
            .saturating_add(c.unreadable);
        self.lines = self.lines.saturating_add(n);
        self.valid = self.valid.saturating_add(c.valid);
        self.invalid = self.invalid.saturating_add(c.invalid);
        self.unreadable = self.unreadable.saturating_add(c.unreadable);
        for (code, n) in &c.reasons {
            match self.by_reason.get_mut(*code) {
                Some(total) => *total = total.saturating_add(*n),
                None => {
                    self.by_reason.insert((*code).to_owned(), *n);
                }
            }
        }
    }

    /// True when every line was a valid payload.
    pub fn all_valid(&self) -> bool {
        self.invalid == 0 && self.unreadable == 0
    }
}

/// `N lines: V valid, X not valid, of which U unreadable`, then one `  reason: count` line
/// per reason, most frequent first.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lines: {} valid, {} not valid, of which {} unreadable",
            self.lines,
            self.valid,
            self.invalid.saturating_add(self.unreadable),
            self.unreadable
        )?;
        let mut reasons: Vec<(&String, &u64)> = self.by_reason.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (code, n) in reasons {
            write!(f, "\n  {code}: {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The hand-written records against what the report wrote before them (serde_json, the
    //! `csv` crate, `format!`), on views with text that must be escaped, quoted or guarded.
    use super::*;
    use crate::crypto::Algorithm;
    use crate::model::{Date, IdDocType, IssueKind, QualificationRef, Sex, YearMonth};
    use crate::status::Freshness;
    use crate::verify::view::IdentifierStems;
    use crate::verify::{CertificateView, Reason};

    const AWKWARD: [&str; 8] = [
        "王建国",
        "=HYPERLINK(\"x\",1)",
        "a, \"b\"\nc\rd\\e\u{1}\u{8}\u{c}\t\u{1f}\u{7f}",
        "-1",
        "@x",
        "\tx",
        "",
        "0101202400001538",
    ];

    fn view(i: usize) -> CertificateView {
        let text = |k: usize| AWKWARD[(i + k) % AWKWARD.len()].to_owned();
        CertificateView {
            issued_at: [1_790_000_000, -62_167_219_201, 0, 253_402_300_799][i % 4],
            expires_at: [None, Some(1_900_000_000), Some(253_402_300_800)][i % 3],
            qualification: [
                QualificationRef {
                    code: 1,
                    level: 1,
                    specialty: Some(1),
                },
                QualificationRef {
                    code: 8,
                    level: 2,
                    specialty: Some(99),
                },
                QualificationRef {
                    code: 9999,
                    level: 7,
                    specialty: None,
                },
            ][i % 3]
                .clone(),
            holder_name: text(0),
            sex: [Sex::Male, Sex::Female, Sex::NotStated][i % 3],
            birth: YearMonth::from_months_since_1900(u16::try_from(i * 37 % 1200).unwrap())
                .unwrap(),
            id_type: [IdDocType::ResidentId, IdDocType::Passport][i % 2],
            id_tail: text(1),
            management_number: text(2),
            approval_date: Date::from_days(i32::try_from(i * 997 % 40_000).unwrap()).unwrap(),
            serial: ["20240100001538", "abc", "1", "X,Y"][i % 4].to_owned(),
            version: [1, 2, 999, 1000][i % 4],
            kind: [
                IssueKind::Original,
                IssueKind::Replacement,
                IssueKind::Change,
            ][i % 3],
            status_index: [Some(0), None, Some(u64::MAX)][i % 3],
            authority_uscc: [
                Some("12100000400010398P".to_owned()),
                None,
                Some("12100000400010398Q".to_owned()),
                Some("911100001000000010".to_owned()),
            ][i % 4]
                .clone(),
            authority_name: [Some(text(3)), None][i % 2].clone(),
        }
    }

    fn verdicts() -> Vec<Verdict> {
        (0..48)
            .map(|i| Verdict {
                result: match i % 4 {
                    0 | 1 => Ok(()),
                    2 => Err(Reason::TooLong { len: i, max: 7 }),
                    _ => Err(Reason::CompressionRequired),
                },
                alg: [Some(Algorithm::Es256), None, Some(Algorithm::EdDsa)][i % 3],
                kid: [Some([0x9d, 0xa9, 0xf9, 0x41, 0x73, 0x0f, 0x2a, 0x34]), None][i % 2],
                certificate: (i % 5 != 4).then(|| view(i / 2)),
                freshness: (i % 7 == 3).then_some(Freshness {
                    sequence: 12,
                    issued_at: 1_790_000_000,
                    next_update: 1_790_086_400,
                    stale: true,
                    covered: false,
                }),
            })
            .collect()
    }

    fn line_errors() -> Vec<LineError> {
        vec![
            LineError::TooLong {
                len: 70_000,
                max: 65_536,
            },
            LineError::NotUtf8 { valid_up_to: 3 },
            LineError::BundleLine {
                detail: AWKWARD[2].to_owned(),
            },
        ]
    }

    /// Every record the tests render, with the file and input id around it.
    fn records<'a>(verdicts: &'a [Verdict], errors: &'a [LineError]) -> Vec<Record<'a>> {
        let checked = verdicts
            .iter()
            .map(Checked::Verdict)
            .chain(errors.iter().map(Checked::Line));
        checked
            .enumerate()
            .map(|(i, checked)| Record {
                file: [None, Some("a,b.txt"), Some("=x.txt")][i % 3],
                line: [1, 99_999_999, 123_456_789_012][i % 3],
                input_id: [None, Some(AWKWARD[i % AWKWARD.len()])][i % 2],
                checked,
            })
            .collect()
    }

    fn rendered(format: Format, records: &[Record<'_>]) -> Vec<Vec<u8>> {
        let mut cache = ReportCache::default();
        records
            .iter()
            .map(|r| {
                let mut out = b"left over ".to_vec();
                render(format, r, &mut cache, &mut out);
                out.split_off(10)
            })
            .collect()
    }

    /// Renders `records` as JSON lines through one cache and compares each with serde_json.
    fn assert_json_lines_are_serde_jsons(records: &[Record<'_>]) {
        for (r, got) in records.iter().zip(rendered(Format::JsonLines, records)) {
            let mut want = serde_json::to_vec(&JsonRecord {
                r,
                identifier: None,
            })
            .unwrap();
            want.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            );
        }
    }

    #[test]
    fn json_lines_are_the_bytes_serde_json_writes() {
        let (v, e) = (verdicts(), line_errors());
        assert_json_lines_are_serde_jsons(&records(&v, &e));
    }

    /// Views of more qualifications and signers than the fragment cache keeps, each rendered
    /// twice through one cache (the second time from its fragments), against serde_json.
    #[test]
    fn json_lines_from_cached_fragments_are_the_bytes_serde_json_writes() {
        let mut verdicts: Vec<Verdict> = verdicts()
            .iter()
            .cycle()
            .take(400)
            .enumerate()
            .map(|(i, v)| {
                let mut v = v.clone();
                if let Some(c) = v.certificate.as_mut() {
                    c.qualification.code = u16::try_from(i % 41).unwrap();
                    c.qualification.specialty = (i % 2 == 0).then_some(1);
                    c.authority_uscc = Some(format!("9111000010000{:05}", i % 37));
                    c.authority_name = (i % 3 > 0).then(|| AWKWARD[i % AWKWARD.len()].to_owned());
                }
                v
            })
            .collect();
        verdicts.extend(verdicts.clone());
        assert_json_lines_are_serde_jsons(&records(&verdicts, &[]));
    }

    /// Every label written without an escape scan needs none: serde_json writes it as it is.
    #[test]
    fn plain_labels_need_no_escaping() {
        let plain = |s: &str| assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        for code in 0..=u8::MAX {
            if let Some(s) = Sex::from_code(code) {
                plain(s.label_zh());
            }
            if let Some(k) = IssueKind::from_code(code) {
                plain(k.label_zh());
            }
        }
        for a in Algorithm::ALL {
            plain(a.name());
        }
        plain("valid");
        plain("invalid");
    }

    /// The CSV row as the `csv` crate writes it, cells as before the hand-written rows.
    fn csv_reference(r: &Record<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(&mut out);
        let mut cells: Vec<String> = vec![String::new(); 21];
        cells[0] = csv_cell(r.file.unwrap_or("")).into_owned();
        cells[1] = r.line.to_string();
        cells[2] = csv_cell(r.input_id.unwrap_or("")).into_owned();
        match r.checked {
            Checked::Line(e) => {
                cells[3] = "error".into();
                cells[4] = e.code().into();
                cells[5] = "input".into();
                cells[6] = csv_cell(&e.to_string()).into_owned();
            }
            Checked::Verdict(v) => {
                let err = v.result.as_ref().err();
                cells[3] = if v.is_valid() { "valid" } else { "invalid" }.into();
                cells[4] = err.map_or("", |e| e.code()).into();
                cells[5] = err.map_or("", |e| e.stage()).into();
                cells[6] = err
                    .map(|e| csv_cell(&e.to_string()).into_owned())
                    .unwrap_or_default();
                cells[7] = v.alg.map_or("", |a| a.name()).into();
                cells[8] = v
                    .kid
                    .map(|k| crate::codec::hex::encode(&k))
                    .unwrap_or_default();
                if let Some(c) = &v.certificate {
                    let names = c.catalogue_names();
                    let q = &c.qualification;
                    cells[9] = c.identifier().map(|i| i.to_string()).unwrap_or_default();
                    cells[10] = csv_cell(&c.holder_name).into_owned();
                    cells[11] = c.masked_id_number();
                    cells[12] = names
                        .qualification
                        .map_or_else(|| q.code.to_string(), |n| n.name.clone());
                    cells[13] = names
                        .level
                        .map_or_else(|| q.level.to_string(), |n| n.name.clone());
                    cells[14] = match (names.specialty, q.specialty) {
                        (Some(n), _) => n.name.clone(),
                        (None, Some(code)) => code.to_string(),
                        (None, None) => String::new(),
                    };
                    cells[15] = c.kind.label_zh().into();
                    cells[16] = csv_cell(&c.management_number).into_owned();
                    cells[17] = c.approval_date.to_string();
                    cells[18] = c.status_index.map(|i| i.to_string()).unwrap_or_default();
                    cells[19] = crate::time::rfc3339(c.issued_at);
                    cells[20] = c.expires_at.map(crate::time::rfc3339).unwrap_or_default();
                }
            }
        }
        w.write_record(&cells).unwrap();
        w.flush().unwrap();
        drop(w);
        out
    }

    #[test]
    fn csv_rows_are_the_bytes_the_csv_crate_writes() {
        let (v, e) = (verdicts(), line_errors());
        let records = records(&v, &e);
        for (r, got) in records.iter().zip(rendered(Format::Csv, &records)) {
            let want = csv_reference(r);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            );
        }
    }

    /// The table row as `format!` padding wrote it.
    fn table_reference(r: &Record<'_>) -> String {
        let v = match r.checked {
            Checked::Verdict(v) => v,
            Checked::Line(e) => {
                return format!("{:>8}  {:<8} {:<18} {e}\n", r.line, "error", e.code());
            }
        };
        let status = if v.is_valid() { "valid" } else { "invalid" };
        let reason = v.result.as_ref().err().map_or("-", |e| e.code());
        let alg = v.alg.map_or("-", |a| a.name());
        let kid = v
            .kid
            .map_or_else(|| "-".into(), |k| crate::codec::hex::encode(&k));
        let mut s = format!(
            "{:>8}  {status:<8} {reason:<18} {alg:<6} {kid:<16} ",
            r.line
        );
        let mut out = Vec::new();
        match &v.certificate {
            Some(c) => {
                let names = c.catalogue_names();
                pad(&mut out, &c.holder_name, 10);
                out.push(b' ');
                pad(&mut out, c.kind.label_zh(), 8);
                s.push_str(&String::from_utf8(out).unwrap());
                let qual: Vec<&str> = [
                    names.qualification.map(|q| q.name.as_str()),
                    names.level.map(|l| l.name.as_str()),
                    names.specialty.map(|s| s.name.as_str()),
                ]
                .into_iter()
                .flatten()
                .collect();
                s.push(' ');
                s.push_str(if qual.is_empty() { "-" } else { "" });
                s.push_str(&qual.join(" "));
                match c.identifier() {
                    Some(id) => s.push_str(&format!(" / {id}")),
                    None => s.push_str(&format!(" / {}", r.input_id.unwrap_or("-"))),
                }
            }
            None => {
                pad(&mut out, "-", 10);
                out.push(b' ');
                pad(&mut out, "-", 8);
                s.push_str(&String::from_utf8(out).unwrap());
                s.push_str(&format!(" - / {}", r.input_id.unwrap_or("-")));
            }
        }
        s.push('\n');
        s
    }

    #[test]
    fn table_rows_are_the_text_format_padding_wrote() {
        let (v, e) = (verdicts(), line_errors());
        let records = records(&v, &e);
        for (r, got) in records.iter().zip(rendered(Format::Table, &records)) {
            assert_eq!(String::from_utf8_lossy(&got), table_reference(r));
        }
    }

    #[test]
    fn identifier_stems_make_the_identifier_the_view_mints() {
        let mut stems = IdentifierStems::default();
        let mut some = 0;
        // More pairs than the cache keeps, so it starts over on the way.
        for i in 0..400 {
            let mut v = view(i);
            v.qualification.code = u16::try_from(i % 40).unwrap();
            v.authority_uscc = match i % 5 {
                0 => Some("12100000400010398P".to_owned()),
                1 => Some("12100000400010398p".to_owned()),
                2 => Some(format!("9111000010000{:05}", i)),
                3 => Some("91110000100000001X".to_owned()),
                _ => None,
            };
            let want = v.identifier().map(|id| id.to_string());
            let got = stems.identifier(&v).map(|id| {
                let mut out = Vec::new();
                id.write_to(&mut out);
                assert_eq!(id.to_string().as_bytes(), out);
                id.to_string()
            });
            assert_eq!(got, want, "view {i}");
            some += usize::from(want.is_some());
        }
        assert!(some > 20, "{some} identifiers");
    }
}
