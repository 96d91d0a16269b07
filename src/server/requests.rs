//! The request bodies and query strings the server parses, each into a typed request or a
//! [`Problem`] naming the field. Bounded: the body is capped before it gets here (the
//! router's body limit), batches are capped here, strings are checked for length. Pure
//! functions of bytes, so the fuzz targets call them directly.

use serde::Deserialize;

use crate::model::Date;
use crate::registry::{
    Decision, Encoding, HolderChange, Invalidation, ReissueKind, StatusReason, SubmissionFormat,
    SubmissionMeta,
};

use super::problem::{Problem, ProblemReason};

/// Longest free-text field accepted in a request (names, decisions, notes), in characters.
pub const MAX_TEXT_CHARS: usize = 256;

/// `POST /v1/verify`: one QR string or a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyRequest {
    /// `{"qr": "…"}`
    One(String),
    /// `{"qrs": ["…", …]}`
    Batch(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    qr: Option<String>,
    qrs: Option<Vec<String>>,
}

fn json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        // serde names the unknown or missing field in its message ("unknown field `x`").
        let field = msg
            .split('`')
            .nth(1)
            .filter(|f| f.len() <= 64)
            .unwrap_or("body")
            .to_owned();
        Problem::field(field, msg)
    })
}

/// Parses a verify body: exactly one of `qr` and `qrs`; at most `max_batch` strings.
pub fn parse_verify(bytes: &[u8], max_batch: usize) -> Result<VerifyRequest, Problem> {
    let body: VerifyBody = json(bytes)?;
    match (body.qr, body.qrs) {
        (Some(one), None) => Ok(VerifyRequest::One(one)),
        (None, Some(many)) => {
            if many.is_empty() {
                return Err(Problem::field("qrs", "got 0 strings, expected at least 1"));
            }
            if many.len() > max_batch {
                return Err(Problem {
                    field: Some("qrs".into()),
                    ..Problem::new(
                        ProblemReason::BatchTooLarge,
                        format!(
                            "qrs: got {} strings, expected at most {max_batch}",
                            many.len()
                        ),
                    )
                });
            }
            Ok(VerifyRequest::Batch(many))
        }
        (Some(_), Some(_)) => Err(Problem::field("qrs", "give qr or qrs, not both")),
        (None, None) => Err(Problem::field("qr", "missing: give qr or qrs")),
    }
}

fn text(field: &str, value: &str) -> Result<(), Problem> {
    let n = value.chars().count();
    if n == 0 || n > MAX_TEXT_CHARS || value.chars().any(char::is_control) {
        return Err(Problem::field(
            field,
            format!("got {n} characters, expected 1..={MAX_TEXT_CHARS} without control characters"),
        ));
    }
    Ok(())
}

fn date(field: &str, value: &str) -> Result<Date, Problem> {
    Date::parse(value).map_err(|e| {
        Problem::field(
            field,
            format!("got {:?}, expected YYYY-MM-DD: {}", short(value), e.rule()),
        )
    })
}

fn short(s: &str) -> String {
    s.chars().take(32).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    reason: Option<String>,
    decision_body: String,
    decision: String,
    decision_date: String,
    note: Option<String>,
}

/// Parses `POST /v1/certificates/{id}/revoke`.
pub fn parse_revoke(bytes: &[u8]) -> Result<Invalidation, Problem> {
    let b: RevokeBody = json(bytes)?;
    let reason = match b.reason.as_deref().unwrap_or("invalidated") {
        "invalidated" => StatusReason::Invalidated,
        "withdrawn" => StatusReason::Withdrawn,
        other => {
            return Err(Problem::field(
                "reason",
                format!("got {:?}, expected invalidated or withdrawn", short(other)),
            ))
        }
    };
    text("decision_body", &b.decision_body)?;
    text("decision", &b.decision)?;
    if let Some(n) = &b.note {
        text("note", n)?;
    }
    Ok(Invalidation {
        reason,
        decision: Decision {
            body: b.decision_body,
            reference: b.decision,
            date: date("decision_date", &b.decision_date)?,
        },
        note: b.note,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReissueBody {
    kind: String,
    name: Option<String>,
    date: Option<String>,
}

/// Parses `POST /v1/certificates/{id}/reissue`: `{"kind": "replacement"}` (补发) or
/// `{"kind": "change", "name": "…", "date": "YYYY-MM-DD"}` (换发 after a change of name).
pub fn parse_reissue(bytes: &[u8]) -> Result<ReissueKind, Problem> {
    let b: ReissueBody = json(bytes)?;
    match b.kind.as_str() {
        "replacement" => {
            if b.name.is_some() {
                return Err(Problem::field("name", "a replacement changes no field"));
            }
            Ok(ReissueKind::Replacement { paper: false })
        }
        "change" => {
            let name = b
                .name
                .ok_or_else(|| Problem::field("name", "missing: a change needs the new name"))?;
            text("name", &name)?;
            let d = b
                .date
                .ok_or_else(|| Problem::field("date", "missing: the date of the change"))?;
            Ok(ReissueKind::Change {
                changes: vec![HolderChange::Name(name)],
                date: date("date", &d)?,
            })
        }
        other => Err(Problem::field(
            "kind",
            format!("got {:?}, expected replacement or change", short(other)),
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectionBody {
    filed_by: String,
    text: String,
}

/// Parses `POST /v1/certificates/{id}/objections`: who filed it and what it says.
pub fn parse_objection(bytes: &[u8]) -> Result<(String, String), Problem> {
    let b: ObjectionBody = json(bytes)?;
    text("filed_by", &b.filed_by)?;
    text("text", &b.text)?;
    Ok((b.filed_by, b.text))
}

/// The query string of `POST /v1/submissions`.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct SubmissionQuery {
    /// The examination body.
    pub body: Option<String>,
    /// Its batch name.
    pub batch: Option<String>,
    /// The examination.
    pub exam: Option<String>,
    /// When results were published, `YYYY-MM-DD`.
    pub results_published: Option<String>,
    /// `csv` or `json`.
    pub format: Option<String>,
    /// `utf-8` (default) or `gb18030`.
    pub encoding: Option<String>,
}

/// Checks a submission's query into the registry's metadata.
pub fn parse_submission(q: SubmissionQuery) -> Result<SubmissionMeta, Problem> {
    let body = q
        .body
        .ok_or_else(|| Problem::field("body", "missing: the examination body"))?;
    let batch = q
        .batch
        .ok_or_else(|| Problem::field("batch", "missing: the batch name"))?;
    let format = match q.format.as_deref().unwrap_or("csv") {
        "csv" => SubmissionFormat::Csv,
        "json" | "jsonl" => SubmissionFormat::Json,
        other => {
            return Err(Problem::field(
                "format",
                format!("got {:?}, expected csv or json", short(other)),
            ))
        }
    };
    let enc = q.encoding.as_deref().unwrap_or("utf-8");
    let encoding = Encoding::from_name(enc).ok_or_else(|| {
        Problem::field(
            "encoding",
            format!("got {:?}, expected utf-8 or gb18030", short(enc)),
        )
    })?;
    if let Some(e) = &q.exam {
        text("exam", e)?;
    }
    let results_published = q
        .results_published
        .as_deref()
        .map(|d| date("results_published", d))
        .transpose()?;
    Ok(SubmissionMeta {
        body,
        batch,
        exam: q.exam,
        results_published,
        format,
        encoding,
    })
}

/// The query of the lookup by management number and name.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The management number (管理号).
    pub management_number: Option<String>,
    /// The holder's name.
    pub name: Option<String>,
}

/// Checks a lookup query: both parts, each a bounded text.
pub fn parse_lookup(q: LookupQuery) -> Result<(String, String), Problem> {
    let number = q
        .management_number
        .ok_or_else(|| Problem::field("management_number", "missing"))?;
    let name = q.name.ok_or_else(|| Problem::field("name", "missing"))?;
    text("management_number", &number)?;
    text("name", &name)?;
    Ok((number, name))
}

/// Every parser on `data` (fuzzing): none may panic.
pub fn fuzz_requests(data: &[u8]) {
    let _ = parse_verify(data, 1000);
    let _ = parse_revoke(data);
    let _ = parse_reissue(data);
    let _ = parse_objection(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(q) = serde_urlencoded_like(s) {
            let _ = parse_submission(q);
        }
    }
}

fn serde_urlencoded_like(s: &str) -> Result<SubmissionQuery, ()> {
    let mut q = SubmissionQuery::default();
    for pair in s.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = Some(v.to_owned());
        match k {
            "body" => q.body = v,
            "batch" => q.batch = v,
            "exam" => q.exam = v,
            "results_published" => q.results_published = v,
            "format" => q.format = v,
            "encoding" => q.encoding = v,
            _ => return Err(()),
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_body_is_one_or_a_bounded_batch() {
        assert_eq!(
            parse_verify(br#"{"qr":"X"}"#, 2).unwrap(),
            VerifyRequest::One("X".into())
        );
        assert_eq!(
            parse_verify(br#"{"qrs":["a","b"]}"#, 2).unwrap(),
            VerifyRequest::Batch(vec!["a".into(), "b".into()])
        );
        let e = parse_verify(br#"{"qrs":["a","b","c"]}"#, 2).unwrap_err();
        assert_eq!(e.reason, ProblemReason::BatchTooLarge);
        assert_eq!(e.field.as_deref(), Some("qrs"));
        let e = parse_verify(br#"{"qr":"a","extra":1}"#, 2).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("extra"));
        assert!(parse_verify(br#"{"qr":"a","qrs":["b"]}"#, 2).is_err());
        assert!(parse_verify(b"{}", 2).is_err());
        assert!(parse_verify(b"\xff", 2).is_err());
    }

    #[test]
    fn rejects_revoke_without_decision_date() {
        let e = parse_revoke(br#"{"decision_body":"a","decision":"b"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("decision_date"));
        let e =
            parse_revoke(br#"{"decision_body":"a","decision":"b","decision_date":"2024-13-01"}"#)
                .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("decision_date"));
    }

    #[test]
    fn reissue_kinds() {
        assert_eq!(
            parse_reissue(br#"{"kind":"replacement"}"#).unwrap(),
            ReissueKind::Replacement { paper: false }
        );
        assert!(parse_reissue(br#"{"kind":"paper"}"#).is_err());
        assert!(parse_reissue(br#"{"kind":"change","name":"x"}"#).is_err());
    }
}
