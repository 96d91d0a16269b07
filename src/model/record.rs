//! Input records: the batches examination bodies submit, as JSON (an array of objects, or JSON
//! lines) or CSV (a header row of the flat column names below). Each record is deserialised
//! into a flat raw record, converted and validated into a [`Certificate`]; a bad record is
//! reported with its number, field and rule and never costs the good ones. Only a file-level
//! problem (not JSON records, a bad CSV header, too large, too many records) fails the batch.
//!
//! Columns / keys: `qualification_code, level, specialty, name, sex, birth, id_type,
//! id_number, management_number, approval_date, scope, valid_until, changes, kind, version,
//! predecessor, serial, photo_sha256, legacy`. `changes` is a JSON array of
//! `{date, field, old, new}` (in CSV: that array as text); `kind` is `original` / `change` /
//! `replacement` (or 首次发证 / 换发 / 补发, or 0 / 1 / 2) and defaults to `original`;
//! `version` defaults to 1. Legacy records (`legacy: true`) may omit sex (then unknown) and
//! birth (then taken from a resident ID number).

use std::collections::HashMap;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::certificate::from_hex;
use super::{
    Catalogue, Certificate, ChangeRecord, Date, Holder, IdDocType, IssueKind, Lifecycle,
    Management, ModelError, QualificationRef, Remarks, ResidentId, Sex, TextField, YearMonth,
};

/// Largest input accepted, in bytes (256 MiB).
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;
/// Most records accepted in one batch.
pub const MAX_RECORDS: usize = 1_000_000;
/// Most change records a raw record may carry (the certificate allows 32).
const MAX_RAW_CHANGES: usize = 32;

/// Flat input names and the dotted certificate fields they feed.
const FIELDS: [(&str, &str); 19] = [
    ("qualification_code", "qualification.code"),
    ("level", "qualification.level"),
    ("specialty", "qualification.specialty"),
    ("name", "holder.name"),
    ("sex", "holder.sex"),
    ("birth", "holder.birth"),
    ("photo_sha256", "holder.photo_sha256"),
    ("id_type", "holder.id_type"),
    ("id_number", "holder.id_number"),
    ("management_number", "management.number"),
    ("approval_date", "management.approval_date"),
    ("scope", "remarks.scope"),
    ("valid_until", "remarks.valid_until"),
    ("changes", "remarks.changes"),
    ("kind", "lifecycle.kind"),
    ("version", "lifecycle.version"),
    ("predecessor", "lifecycle.predecessor"),
    ("serial", "serial"),
    ("legacy", "legacy"),
];

/// The input names a record may use (JSON keys, CSV columns), in the usual column order.
pub fn record_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|(name, _)| *name)
}

/// Columns a CSV header must have (the key fields and what the identifier needs).
const REQUIRED_COLUMNS: [&str; 6] = [
    "qualification_code",
    "level",
    "name",
    "id_number",
    "management_number",
    "serial",
];

/// The dotted field an input name feeds.
fn dotted(name: &str) -> Option<&'static str> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// A record that was refused: which one, which field, which rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("record {record}: {field}: {rule}")]
pub struct RecordError {
    /// 1-based record number (the n-th object, JSON line or CSV data row).
    pub record: usize,
    /// Dotted field name, e.g. `holder.id_number`; `record` for the record as a whole.
    pub field: &'static str,
    /// The broken rule, with the values involved.
    pub rule: String,
}

/// The outcome of parsing a batch: every record lands in exactly one of the two lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Valid certificates with their 1-based record numbers, in input order.
    pub accepted: Vec<(usize, Certificate)>,
    /// Refused records, in input order.
    pub rejected: Vec<RecordError>,
}

/// Builds a [`Batch`], refusing a record that repeats an earlier record's management number
/// or e-licence identifier (same qualification, serial and version).
#[derive(Default)]
struct Collector {
    batch: Batch,
    numbers: HashMap<String, usize>,
    identifiers: HashMap<(u16, String, u16), usize>,
}

impl Collector {
    fn push(&mut self, record: usize, result: Result<Certificate, ModelError>) {
        let result = result.and_then(|cert| {
            if let Some(first) = self.numbers.get(&cert.management.number) {
                return Err(ModelError::field(
                    "management.number",
                    format!("{} repeats record {first}", cert.management.number),
                ));
            }
            let id = (
                cert.qualification.code,
                cert.serial.clone(),
                cert.lifecycle.version,
            );
            if let Some(first) = self.identifiers.get(&id) {
                return Err(ModelError::field(
                    "serial",
                    format!(
                        "{} version {} of qualification {} repeats record {first}",
                        cert.serial, cert.lifecycle.version, cert.qualification.code
                    ),
                ));
            }
            self.numbers.insert(cert.management.number.clone(), record);
            self.identifiers.insert(id, record);
            Ok(cert)
        });
        let batch = &mut self.batch;
        match result {
            Ok(cert) => batch.accepted.push((record, cert)),
            Err(ModelError::Field { field, rule }) => batch.rejected.push(RecordError {
                record,
                field,
                rule,
            }),
            Err(other) => batch.rejected.push(RecordError {
                record,
                field: "record",
                rule: other.rule(),
            }),
        }
    }
}

/// One change record as submitted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChange {
    date: String,
    field: String,
    old: Option<String>,
    new: Option<String>,
}

/// `changes`: a JSON array, or (in CSV) that array as text.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawChanges {
    List(Vec<RawChange>),
    Text(String),
}

/// A record as submitted; everything optional so that a missing field is reported by name.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    qualification_code: Option<u16>,
    level: Option<u8>,
    specialty: Option<u16>,
    name: Option<String>,
    sex: Option<u8>,
    birth: Option<String>,
    photo_sha256: Option<String>,
    id_type: Option<u16>,
    id_number: Option<String>,
    management_number: Option<String>,
    approval_date: Option<String>,
    scope: Option<String>,
    valid_until: Option<String>,
    changes: Option<RawChanges>,
    kind: Option<String>,
    version: Option<u16>,
    predecessor: Option<String>,
    serial: Option<String>,
    legacy: Option<bool>,
}

/// `s` unless it is absent or blank.
fn given(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

#[cold]
fn required(field: &'static str) -> ModelError {
    ModelError::field(field, "required")
}

fn date(field: &'static str, s: &str) -> Result<Date, ModelError> {
    Date::parse(s).map_err(|e| ModelError::field(field, e.rule()))
}

fn convert_changes(changes: Option<RawChanges>) -> Result<Vec<ChangeRecord>, ModelError> {
    const FIELD: &str = "remarks.changes";
    let list = match changes {
        None => return Ok(Vec::new()),
        Some(RawChanges::List(list)) => list,
        Some(RawChanges::Text(text)) if text.trim().is_empty() => return Ok(Vec::new()),
        Some(RawChanges::Text(text)) => serde_json::from_str(&text)
            .map_err(|e| ModelError::field(FIELD, format!("not a JSON array of changes: {e}")))?,
    };
    if list.len() > MAX_RAW_CHANGES {
        return Err(ModelError::field(
            FIELD,
            format!("{} entries, at most {MAX_RAW_CHANGES}", list.len()),
        ));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, c)| {
            let date = Date::parse(&c.date).map_err(|e| {
                ModelError::field(FIELD, format!("entry {}: date: {}", i + 1, e.rule()))
            })?;
            Ok(ChangeRecord {
                date,
                field: c.field,
                old: c.old,
                new: c.new,
            })
        })
        .collect()
}

/// Converts a raw record into a validated certificate.
fn convert(raw: RawRecord, catalogue: &Catalogue) -> Result<Certificate, ModelError> {
    let legacy = raw.legacy.unwrap_or(false);
    let code = raw
        .qualification_code
        .ok_or_else(|| required("qualification.code"))?;
    let level = raw.level.ok_or_else(|| required("qualification.level"))?;
    let name = given(raw.name).ok_or_else(|| required("holder.name"))?;
    // The given string is kept when normalising changes nothing (no copy a record).
    let normalised = match TextField::HolderName.normalise(&name) {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(n) => Some(n),
    };
    let name = normalised.unwrap_or(name);
    let id_type = raw.id_type.ok_or_else(|| required("holder.id_type"))?;
    let id_type = IdDocType::from_code(id_type).ok_or_else(|| {
        ModelError::field(
            "holder.id_type",
            format!("code {id_type} is not one of 111, 414, 511, 516, 553, 990"),
        )
    })?;
    let id_number = given(raw.id_number).ok_or_else(|| required("holder.id_number"))?;
    let number = given(raw.management_number).ok_or_else(|| required("management.number"))?;
    let sex = match raw.sex {
        Some(code) => Sex::from_code(code).ok_or_else(|| {
            ModelError::field(
                "holder.sex",
                format!("code {code} is not one of 0, 1, 2, 9"),
            )
        })?,
        None if legacy => Sex::Unknown,
        None => return Err(required("holder.sex")),
    };
    let birth = match given(raw.birth) {
        Some(b) => YearMonth::parse(&b).map_err(|e| ModelError::field("holder.birth", e.rule()))?,
        None if legacy && id_type == IdDocType::ResidentId => ResidentId::parse(&id_number)
            .map_err(|e| ModelError::field("holder.id_number", e.rule()))?
            .birth_date()
            .year_month(),
        None if legacy => {
            return Err(ModelError::field(
                "holder.birth",
                "required: it cannot be taken from a document other than a resident id",
            ))
        }
        None => return Err(required("holder.birth")),
    };
    let photo_sha256 = given(raw.photo_sha256)
        .map(|h| from_hex(&h))
        .transpose()
        .map_err(|rule| ModelError::field("holder.photo_sha256", rule))?;
    let approval_date = given(raw.approval_date)
        .ok_or_else(|| required("management.approval_date"))
        .and_then(|d| date("management.approval_date", &d))?;
    let valid_until = given(raw.valid_until)
        .map(|d| date("remarks.valid_until", &d))
        .transpose()?;
    let changes = convert_changes(raw.changes)?;
    let kind = match given(raw.kind).as_deref().map(str::trim) {
        None | Some("original" | "首次发证" | "0") => IssueKind::Original,
        Some("change" | "换发" | "1") => IssueKind::Change,
        Some("replacement" | "补发" | "2") => IssueKind::Replacement,
        Some(other) => {
            return Err(ModelError::field(
                "lifecycle.kind",
                format!("{other:?} is not original, change or replacement"),
            ))
        }
    };
    let serial = given(raw.serial).ok_or_else(|| required("serial"))?;
    Certificate {
        qualification: QualificationRef {
            code,
            level,
            specialty: raw.specialty,
        },
        holder: Holder {
            name,
            sex,
            birth,
            photo_sha256,
            id_type,
            id_number,
        },
        management: Management {
            number,
            approval_date,
        },
        remarks: Remarks {
            scope: given(raw.scope),
            valid_until,
            changes,
        },
        lifecycle: Lifecycle {
            kind,
            version: raw.version.unwrap_or(1),
            predecessor: given(raw.predecessor),
        },
        serial,
        legacy,
    }
    .validated_against(catalogue)
}

fn check_size<'a>(format: &'static str, bytes: &'a [u8]) -> Result<&'a [u8], ModelError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ModelError::input(
            format,
            format!("{} bytes, at most {MAX_INPUT_BYTES}", bytes.len()),
        ));
    }
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

#[cold]
fn too_many(format: &'static str) -> ModelError {
    ModelError::input(format, format!("more than {MAX_RECORDS} records"))
}

/// Parses a JSON batch (an array of record objects, or one object per line) against the
/// built-in catalogue.
pub fn parse_json(bytes: &[u8]) -> Result<Batch, ModelError> {
    parse_json_with(bytes, Catalogue::builtin())
}

/// [`parse_json`] against `catalogue`.
pub(crate) fn parse_json_with(bytes: &[u8], catalogue: &Catalogue) -> Result<Batch, ModelError> {
    let bytes = check_size("json", bytes)?;
    let mut batch = Collector::default();
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ModelError::input("json", "empty")),
        Some(b'[') => {
            // Fast path: every element deserialises as a record. Otherwise go through
            // `Value`s, which lets each bad element be reported without losing the others.
            if let Ok(Elements(raws)) = serde_json::from_slice::<Elements<RawRecord>>(bytes) {
                for (i, raw) in raws.into_iter().enumerate() {
                    batch.push(i.saturating_add(1), convert(raw, catalogue));
                }
                return Ok(batch.batch);
            }
            let Elements(elements) = serde_json::from_slice::<Elements<Element>>(bytes)
                .map_err(|e| ModelError::input("json", e.to_string()))?;
            for (i, element) in elements.into_iter().enumerate() {
                batch.push(i.saturating_add(1), from_element(element, catalogue));
            }
        }
        Some(b'{') => {
            let lines = bytes
                .split(|&b| b == b'\n')
                .map(<[u8]>::trim_ascii)
                .filter(|l| !l.is_empty());
            for (i, line) in lines.enumerate() {
                let record = i.saturating_add(1);
                if record > MAX_RECORDS {
                    return Err(too_many("json"));
                }
                let result = match serde_json::from_slice::<RawRecord>(line) {
                    Ok(raw) => convert(raw, catalogue),
                    Err(_) => serde_json::from_slice::<Element>(line)
                        .map_err(|e| ModelError::field("record", format!("not JSON: {e}")))
                        .and_then(|element| from_element(element, catalogue)),
                };
                batch.push(record, result);
            }
        }
        Some(&b) => {
            return Err(ModelError::input(
                "json",
                format!(
                    "starts with {:?}, expected '[' (an array) or '{{' (JSON lines)",
                    char::from(b)
                ),
            ))
        }
    }
    Ok(batch.batch)
}

/// The elements of a top-level JSON array, refusing more than [`MAX_RECORDS`].
struct Elements<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Elements<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counted<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Counted<T> {
            type Value = Elements<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elements<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<T>()? {
                    if out.len() >= MAX_RECORDS {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX_RECORDS} records"
                        )));
                    }
                    out.push(v);
                }
                Ok(Elements(out))
            }
        }
        deserializer.deserialize_seq(Counted(std::marker::PhantomData))
    }
}

/// One element of a batch as read on the slow path: an object's entries in input order (so
/// that a repeated key is seen), or the kind of any other JSON value. Also the registry's
/// streaming reader's unit (`registry::submission`).
pub(crate) enum Element {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Element;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value::<Value>()?));
                }
                Ok(Element::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Element::Other("an array"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Element, E> {
                Ok(Element::Other("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Element, E> {
                Ok(Element::Other("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Element, E> {
                Ok(Element::Other("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Element, E> {
                Ok(Element::Other("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Element, E> {
                Ok(Element::Other("a string"))
            }
            fn visit_unit<E>(self) -> Result<Element, E> {
                Ok(Element::Other("null"))
            }
        }
        deserializer.deserialize_any(Entries)
    }
}

/// Converts one element read on the slow path, naming the key at fault if it does not
/// deserialise.
#[cold]
pub(crate) fn from_element(
    element: Element,
    catalogue: &Catalogue,
) -> Result<Certificate, ModelError> {
    let entries = match element {
        Element::Object(entries) => entries,
        Element::Other(kind) => {
            return Err(ModelError::field(
                "record",
                format!("expected an object, got {kind}"),
            ))
        }
    };
    let mut map = Map::new();
    for (key, value) in entries {
        if map.contains_key(&key) {
            return Err(ModelError::field(
                dotted(&key).unwrap_or("record"),
                format!("key {key:?} appears twice"),
            ));
        }
        map.insert(key, value);
    }
    let value = Value::Object(map);
    match RawRecord::deserialize(&value) {
        Ok(raw) => convert(raw, catalogue),
        Err(e) => {
            Err(blame_key(&value).unwrap_or_else(|| ModelError::field("record", e.to_string())))
        }
    }
}

/// The first key of the object `value` that is unknown or whose value alone fails to
/// deserialise.
fn blame_key(value: &Value) -> Option<ModelError> {
    let Value::Object(map) = value else {
        return None;
    };
    map.iter().find_map(|(key, value)| {
        let Some(field) = dotted(key) else {
            return Some(ModelError::field(
                "record",
                format!("unknown field {key:?}"),
            ));
        };
        let mut one = Map::new();
        one.insert(key.clone(), value.clone());
        RawRecord::deserialize(&Value::Object(one))
            .err()
            .map(|e| ModelError::field(field, e.to_string()))
    })
}

/// Parses a CSV batch (header row of column names, then one record a row) against the
/// built-in catalogue.
pub fn parse_csv(bytes: &[u8]) -> Result<Batch, ModelError> {
    parse_csv_with(bytes, Catalogue::builtin())
}

/// [`parse_csv`] against `catalogue`.
pub(crate) fn parse_csv_with(bytes: &[u8], catalogue: &Catalogue) -> Result<Batch, ModelError> {
    let bytes = check_size("csv", bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|e| ModelError::input("csv", format!("header: {e}")))?;
    let mut columns: Vec<&'static str> = Vec::new();
    for name in header {
        let field = dotted(name)
            .ok_or_else(|| ModelError::input("csv", format!("header: unknown column {name:?}")))?;
        if columns.contains(&field) {
            return Err(ModelError::input(
                "csv",
                format!("header: column {name:?} appears twice"),
            ));
        }
        columns.push(field);
    }
    if let Some(missing) = REQUIRED_COLUMNS
        .iter()
        .find(|c| !dotted(c).is_some_and(|f| columns.contains(&f)))
    {
        return Err(ModelError::input(
            "csv",
            format!("header: required column {missing:?} is missing"),
        ));
    }
    let mut batch = Collector::default();
    for (i, row) in reader.deserialize::<RawRecord>().enumerate() {
        let record = i.saturating_add(1);
        if record > MAX_RECORDS {
            return Err(too_many("csv"));
        }
        let result = match row {
            Ok(raw) => convert(raw, catalogue),
            Err(e) => Err(blame_column(&e, &columns)),
        };
        batch.push(record, result);
    }
    Ok(batch.batch)
}

/// One CSV row → a validated certificate: `row`'s cells under the English column names of
/// `header` (the registry's streaming reader, `registry::submission`, maps and checks them
/// first). Errors name the field as [`parse_csv`] does.
#[cfg(feature = "sqlite")]
pub(crate) fn certificate_from_csv(
    row: &csv::StringRecord,
    header: &csv::StringRecord,
    catalogue: &Catalogue,
) -> Result<Certificate, ModelError> {
    if let Some(raw) = raw_from_cells(row, header) {
        return convert(raw, catalogue);
    }
    match row.deserialize::<RawRecord>(Some(header)) {
        Ok(raw) => convert(raw, catalogue),
        Err(e) => {
            let columns: Vec<&'static str> = header
                .iter()
                .map(|n| dotted(n).unwrap_or("record"))
                .collect();
            Err(blame_column(&e, &columns))
        }
    }
}

/// `row` read under `header` into the [`RawRecord`] csv's serde deserialiser makes of it,
/// without serde, for the rows it reads the same way: known columns, each once, as many cells
/// as columns, numbers in plain decimal digits, booleans `true` / `false`, no `changes` text
/// (an empty cell is `None`, as csv reads it). Any other row is `None`, and
/// [`certificate_from_csv`] reads it through serde (its value or its error).
#[cfg(feature = "sqlite")]
fn raw_from_cells(row: &csv::StringRecord, header: &csv::StringRecord) -> Option<RawRecord> {
    fn text(slot: &mut Option<String>, cell: &str) {
        *slot = (!cell.is_empty()).then(|| cell.to_owned());
    }
    fn number<T: std::str::FromStr>(slot: &mut Option<T>, cell: &str) -> Option<()> {
        if cell.is_empty() {
            *slot = None;
            return Some(());
        }
        if !cell.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = Some(cell.parse().ok()?);
        Some(())
    }
    if row.len() != header.len() {
        return None;
    }
    let mut raw = RawRecord::default();
    let mut seen = 0u32;
    for (name, cell) in header.iter().zip(row.iter()) {
        // Each column's bit in `seen` (a repeated column goes through serde, which refuses it).
        let bit: u32 = match name {
            "qualification_code" => {
                number(&mut raw.qualification_code, cell)?;
                1
            }
            "level" => {
                number(&mut raw.level, cell)?;
                1 << 1
            }
            "specialty" => {
                number(&mut raw.specialty, cell)?;
                1 << 2
            }
            "name" => {
                text(&mut raw.name, cell);
                1 << 3
            }
            "sex" => {
                number(&mut raw.sex, cell)?;
                1 << 4
            }
            "birth" => {
                text(&mut raw.birth, cell);
                1 << 5
            }
            "photo_sha256" => {
                text(&mut raw.photo_sha256, cell);
                1 << 6
            }
            "id_type" => {
                number(&mut raw.id_type, cell)?;
                1 << 7
            }
            "id_number" => {
                text(&mut raw.id_number, cell);
                1 << 8
            }
            "management_number" => {
                text(&mut raw.management_number, cell);
                1 << 9
            }
            "approval_date" => {
                text(&mut raw.approval_date, cell);
                1 << 10
            }
            "scope" => {
                text(&mut raw.scope, cell);
                1 << 11
            }
            "valid_until" => {
                text(&mut raw.valid_until, cell);
                1 << 12
            }
            "changes" if cell.is_empty() => 1 << 13,
            "kind" => {
                text(&mut raw.kind, cell);
                1 << 14
            }
            "version" => {
                number(&mut raw.version, cell)?;
                1 << 15
            }
            "predecessor" => {
                text(&mut raw.predecessor, cell);
                1 << 16
            }
            "serial" => {
                text(&mut raw.serial, cell);
                1 << 17
            }
            "legacy" => {
                raw.legacy = match cell {
                    "" => None,
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => return None,
                };
                1 << 18
            }
            _ => return None,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
    }
    Some(raw)
}

/// Names the column a CSV row error is about, if the error says.
#[cold]
fn blame_column(e: &csv::Error, columns: &[&'static str]) -> ModelError {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err
                .field()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| columns.get(i))
                .copied()
                .unwrap_or("record");
            ModelError::field(field, err.kind().to_string())
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => ModelError::field(
            "record",
            format!("{len} fields, expected {expected_len} (as in the header)"),
        ),
        csv::ErrorKind::Utf8 { err, .. } => {
            let field = columns.get(err.field()).copied().unwrap_or("record");
            ModelError::field(field, "not valid UTF-8")
        }
        _ => ModelError::field("record", e.to_string()),
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    /// What `certificate_from_csv` makes of `row` through csv's serde deserialiser alone.
    fn through_serde(
        row: &csv::StringRecord,
        header: &csv::StringRecord,
    ) -> Result<Certificate, ModelError> {
        let catalogue = Catalogue::builtin();
        match row.deserialize::<RawRecord>(Some(header)) {
            Ok(raw) => convert(raw, catalogue),
            Err(e) => {
                let columns: Vec<&'static str> = header
                    .iter()
                    .map(|n| dotted(n).unwrap_or("record"))
                    .collect();
                Err(blame_column(&e, &columns))
            }
        }
    }

    /// The direct reader of a CSV row gives every row the certificate or the error the serde
    /// path gives it, and reads the plain rows itself.
    #[test]
    fn csv_rows_read_directly_convert_as_through_serde() {
        let header = [
            "qualification_code",
            "level",
            "specialty",
            "name",
            "sex",
            "birth",
            "id_type",
            "id_number",
            "management_number",
            "approval_date",
            "legacy",
            "serial",
        ];
        let good = [
            "9",
            "1",
            "",
            "王建国",
            "1",
            "1985-03",
            "111",
            "110101198503076511",
            "M1",
            "2024-01-15",
            "false",
            "0",
        ];
        let mut rows: Vec<(Vec<&str>, Vec<String>)> = vec![(
            header.to_vec(),
            good.iter().map(|s| (*s).to_owned()).collect(),
        )];
        // Each cell replaced by values csv reads in its own way, or that are refused.
        let odd = [
            "",
            "0",
            "01",
            "+1",
            "0x10",
            "1.0",
            "-1",
            "65536",
            "256",
            "true",
            "false",
            "True",
            " 1",
            "1 ",
            "[]",
            "abc",
            "9999999999999999999999",
        ];
        for i in 0..good.len() {
            for v in odd {
                let mut cells: Vec<String> = good.iter().map(|s| (*s).to_owned()).collect();
                if let Some(c) = cells.get_mut(i) {
                    *c = v.to_owned();
                }
                rows.push((header.to_vec(), cells));
            }
        }
        // Columns csv's deserialiser refuses or reads differently.
        let mut dup = header.to_vec();
        dup.push("level");
        let mut unknown = header.to_vec();
        unknown.push("colour");
        let mut changes = header.to_vec();
        changes.push("changes");
        for (h, extra) in [
            (dup, "1"),
            (unknown, "red"),
            (changes.clone(), ""),
            (changes, "[]"),
        ] {
            let mut cells: Vec<String> = good.iter().map(|s| (*s).to_owned()).collect();
            cells.push(extra.to_owned());
            rows.push((h, cells));
        }
        rows.push((header.to_vec(), vec!["9".to_owned()]));
        let mut direct = 0;
        for (h, cells) in &rows {
            let header = csv::StringRecord::from(h.clone());
            let row = csv::StringRecord::from(cells.clone());
            if raw_from_cells(&row, &header).is_some() {
                direct += 1;
            }
            assert_eq!(
                certificate_from_csv(&row, &header, Catalogue::builtin()),
                through_serde(&row, &header),
                "{cells:?} under {h:?}"
            );
        }
        assert!(
            direct > rows.len() / 2,
            "{direct} of {} read directly",
            rows.len()
        );
        assert!(certificate_from_csv(
            &csv::StringRecord::from(good.to_vec()),
            &csv::StringRecord::from(header.to_vec()),
            Catalogue::builtin()
        )
        .is_ok());
    }
}
