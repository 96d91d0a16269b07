//! The three report forms of a streaming run — a table for people, JSON lines, CSV — one
//! record per non-blank input line, rendered straight from the verdict into bytes (no
//! intermediate JSON tree), and the closing [`Summary`]. Owns the CSV formula guard
//! ([`csv_cell`]) that every CSV certseal writes goes through.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde::ser::SerializeMap;

use super::lines::LineError;
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
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
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

/// Appends `record` in `format` to `out`.
pub(crate) fn render(format: Format, r: &Record<'_>, out: &mut Vec<u8>) {
    match format {
        Format::Table => table_row(r, out),
        Format::JsonLines => {
            // Writing into a Vec fails only on a map key that is not a string: none here.
            let _ = serde_json::to_writer(&mut *out, r);
            out.push(b'\n');
        }
        Format::Csv => csv_row(r, out),
    }
}

impl serde::Serialize for Record<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(10))?;
        m.serialize_entry("file", &self.file)?;
        m.serialize_entry("line", &self.line)?;
        m.serialize_entry("input_id", &self.input_id)?;
        match self.checked {
            Checked::Verdict(v) => v.serialize_members(&mut m)?,
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

fn table_row(r: &Record<'_>, out: &mut Vec<u8>) {
    let v = match r.checked {
        Checked::Verdict(v) => v,
        Checked::Line(e) => {
            let _ = writeln!(out, "{:>8}  {:<8} {:<18} {e}", r.line, "error", e.code());
            return;
        }
    };
    let status = if v.is_valid() { "valid" } else { "invalid" };
    let reason = v.result.as_ref().err().map_or("-", |e| e.code());
    let alg = v.alg.map_or("-", |a| a.name());
    let kid = v
        .kid
        .map_or_else(|| "-".into(), |k| crate::codec::hex::encode(&k));
    let _ = write!(
        out,
        "{:>8}  {status:<8} {reason:<18} {alg:<6} {kid:<16} ",
        r.line
    );
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
            let _ = match c.identifier() {
                Some(id) => write!(out, " / {id}"),
                None => write!(out, " / {}", r.input_id.unwrap_or("-")),
            };
        }
        None => {
            pad(out, "-", 10);
            out.push(b' ');
            pad(out, "-", 8);
            let _ = write!(out, " - / {}", r.input_id.unwrap_or("-"));
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

fn csv_row(r: &Record<'_>, out: &mut Vec<u8>) {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(&mut *out);
    let line = r.line.to_string();
    let mut cells: [Cow<'_, str>; 21] = Default::default();
    cells[0] = csv_cell(r.file.unwrap_or(""));
    cells[1] = line.as_str().into();
    cells[2] = csv_cell(r.input_id.unwrap_or(""));
    match r.checked {
        Checked::Line(e) => {
            cells[3] = "error".into();
            cells[4] = e.code().into();
            cells[5] = "input".into();
            cells[6] = csv_cell(&e.to_string()).into_owned().into();
        }
        Checked::Verdict(v) => {
            let err = v.result.as_ref().err();
            cells[3] = if v.is_valid() { "valid" } else { "invalid" }.into();
            cells[4] = err.map_or("", |e| e.code()).into();
            cells[5] = err.map_or("", |e| e.stage()).into();
            cells[6] = err
                .map(|e| csv_cell(&e.to_string()).into_owned())
                .unwrap_or_default()
                .into();
            cells[7] = v.alg.map_or("", |a| a.name()).into();
            cells[8] = v
                .kid
                .map(|k| crate::codec::hex::encode(&k))
                .unwrap_or_default()
                .into();
            if let Some(c) = &v.certificate {
                let names = c.catalogue_names();
                let q = &c.qualification;
                cells[9] = c
                    .identifier()
                    .map(|i| i.to_string())
                    .unwrap_or_default()
                    .into();
                cells[10] = csv_cell(&c.holder_name);
                cells[11] = c.masked_id_number().into();
                cells[12] = names
                    .qualification
                    .map_or_else(|| q.code.to_string(), |n| n.name.clone())
                    .into();
                cells[13] = names
                    .level
                    .map_or_else(|| q.level.to_string(), |n| n.name.clone())
                    .into();
                cells[14] = match (names.specialty, q.specialty) {
                    (Some(n), _) => n.name.as_str().into(),
                    (None, Some(code)) => code.to_string().into(),
                    (None, None) => "".into(),
                };
                cells[15] = c.kind.label_zh().into();
                cells[16] = csv_cell(&c.management_number);
                cells[17] = c.approval_date.to_string().into();
                cells[18] = c
                    .status_index
                    .map(|i| i.to_string())
                    .unwrap_or_default()
                    .into();
                cells[19] = crate::time::rfc3339(c.issued_at).into();
                cells[20] = c
                    .expires_at
                    .map(crate::time::rfc3339)
                    .unwrap_or_default()
                    .into();
            }
        }
    }
    let _ = w.write_record(cells.iter().map(|c| c.as_bytes()));
    let _ = w.flush();
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
