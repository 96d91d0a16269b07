//! The signed electronic certificate document (`specs/document.md`): the complete record —
//! full ID number, photo digest, remarks, change history — as CWT claims in a COSE_Sign1 file
//! (`.cbor`), and its JSON view.
//!
//! The certificate map uses the same field names and shapes as the JSON view (serde's form of
//! [`Certificate`]), so decoding goes CBOR → JSON value → `Certificate` through one set of
//! serde rules, and a round-trip test keeps the hand-written encoder honest.

use crate::codec::cbor::{Mode, Reader, Value, Writer};
use crate::codec::{hex, Limits};
use crate::cose::{value_type_name, CwtError};
use crate::crypto::Algorithm;
use crate::model::{Certificate, Date, IdDocType, IssueKind, Sex};

/// CWT claim key (private use) of the document body.
pub const CLAIM_DOCUMENT: i64 = -65538;

/// A decoded, signature-checked certificate document (`Verifier::verify_document`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The national e-licence identifier (GB/T 36904).
    pub identifier: String,
    /// The issuing authority's unified social credit code (`iss`).
    pub issuer: String,
    /// When the document was signed.
    pub issued_at: i64,
    /// When the qualification expires, if it does.
    pub expires_at: Option<i64>,
    /// The status index, when assigned.
    pub status_index: Option<u64>,
    /// The certificate.
    pub certificate: Certificate,
    /// The signing algorithm.
    pub alg: Algorithm,
    /// The signer's kid.
    pub kid: [u8; 8],
}

impl Document {
    /// The JSON view: identifier, issuer, times, signature metadata and the full record.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "identifier": self.identifier,
            "issuer": self.issuer,
            "issued_at": crate::time::rfc3339(self.issued_at),
            "expires_at": self.expires_at.map(crate::time::rfc3339),
            "status_index": self.status_index,
            "signature": { "alg": self.alg.name(), "kid": hex::encode(&self.kid) },
            "certificate": self.certificate,
        })
    }
}

/// Encodes the document claims for `cert`.
pub fn encode_claims(
    cert: &Certificate,
    identifier: &str,
    issuer: &str,
    iat: i64,
    exp: Option<i64>,
    status_index: Option<u64>,
) -> Vec<u8> {
    let mut w = Writer::with_capacity(512);
    write_claims(&mut w, cert, identifier, issuer, iat, exp, status_index);
    w.into_inner()
}

/// [`encode_claims`], appended to `w` (the issuer writes into a buffer it reuses).
pub(crate) fn write_claims(
    w: &mut Writer,
    cert: &Certificate,
    identifier: &str,
    issuer: &str,
    iat: i64,
    exp: Option<i64>,
    status_index: Option<u64>,
) {
    w.map(if exp.is_some() { 4 } else { 3 });
    w.int(1).text(issuer);
    if let Some(exp) = exp {
        w.int(4).int(exp);
    }
    w.int(6).int(iat);
    w.int(CLAIM_DOCUMENT).map(3);
    w.text("identifier").text(identifier);
    w.text("status_index");
    match status_index {
        Some(i) => w.uint(i),
        None => w.null(),
    };
    w.text("certificate");
    encode_certificate(w, cert);
}

fn opt_text(w: &mut Writer, s: Option<&str>) {
    match s {
        Some(s) => w.text(s),
        None => w.null(),
    };
}

/// A date as its text (the same as `Display`, without `core::fmt`).
fn date(w: &mut Writer, d: &Date) {
    w.text(std::str::from_utf8(&d.ascii()).unwrap_or_default());
}

/// Writes a certificate as a CBOR map shaped like its JSON (serde) form.
pub fn encode_certificate(w: &mut Writer, c: &Certificate) {
    w.map(7);
    let q = &c.qualification;
    w.text("qualification").map(3);
    w.text("code").uint(q.code.into());
    w.text("level").uint(q.level.into());
    w.text("specialty");
    match q.specialty {
        Some(s) => w.uint(s.into()),
        None => w.null(),
    };
    let h = &c.holder;
    w.text("holder").map(6);
    w.text("name").text(&h.name);
    w.text("sex").text(sex_name(h.sex));
    w.text("birth");
    w.text(std::str::from_utf8(&h.birth.ascii()).unwrap_or_default());
    w.text("photo_sha256");
    match &h.photo_sha256 {
        Some(d) => w.text(&hex::encode(d)),
        None => w.null(),
    };
    w.text("id_type").text(id_type_name(h.id_type));
    w.text("id_number").text(&h.id_number);
    w.text("management").map(2);
    w.text("number").text(&c.management.number);
    w.text("approval_date");
    date(w, &c.management.approval_date);
    let r = &c.remarks;
    w.text("remarks").map(3);
    w.text("scope");
    opt_text(w, r.scope.as_deref());
    w.text("valid_until");
    match &r.valid_until {
        Some(d) => date(w, d),
        None => {
            w.null();
        }
    }
    w.text("changes").array(r.changes.len());
    for ch in &r.changes {
        w.map(4);
        w.text("date");
        date(w, &ch.date);
        w.text("field").text(&ch.field);
        w.text("old");
        opt_text(w, ch.old.as_deref());
        w.text("new");
        opt_text(w, ch.new.as_deref());
    }
    let l = &c.lifecycle;
    w.text("lifecycle").map(3);
    w.text("kind").text(kind_name(l.kind));
    w.text("version").uint(l.version.into());
    w.text("predecessor");
    opt_text(w, l.predecessor.as_deref());
    w.text("serial").text(&c.serial);
    w.text("legacy").bool(c.legacy);
}

fn sex_name(s: Sex) -> &'static str {
    match s {
        Sex::Unknown => "unknown",
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::NotStated => "not_stated",
    }
}

/// An ID document type's name, as its `Serialize` writes it (`snake_case`; the bulk report's
/// JSON writes it from here too, `verify::view`).
pub(crate) fn id_type_name(t: IdDocType) -> &'static str {
    match t {
        IdDocType::ResidentId => "resident_id",
        IdDocType::Passport => "passport",
        IdDocType::HomeReturnPermit => "home_return_permit",
        IdDocType::TaiwanCompatriotPermit => "taiwan_compatriot_permit",
        IdDocType::ForeignPermanentResidence => "foreign_permanent_residence",
        _ => "other",
    }
}

fn kind_name(k: IssueKind) -> &'static str {
    match k {
        IssueKind::Original => "original",
        IssueKind::Change => "change",
        IssueKind::Replacement => "replacement",
    }
}

/// The document claims, decoded but not yet tied to a signer.
pub(crate) struct Body {
    pub(crate) identifier: String,
    pub(crate) issuer: String,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) status_index: Option<u64>,
    pub(crate) certificate: Certificate,
}

/// Decodes document claims (no signature check: `Verifier::verify_document` checks it before
/// it calls this).
pub(crate) fn decode_claims(payload: &[u8], limits: &Limits) -> Result<Body, CwtError> {
    let wrong = |claim, expected, got: &Value<'_>| CwtError::WrongType {
        claim,
        expected,
        got: value_type_name(got),
    };
    let mut r = Reader::new(payload, Mode::Strict);
    let all = r.value(limits)?;
    r.finish()?;
    let issuer = match all.map_get_int(1) {
        Some(Value::Text(t)) => t.to_string(),
        Some(other) => return Err(wrong("iss", "text", other)),
        None => return Err(CwtError::Missing { claim: "iss" }),
    };
    let int = |claim, v: &Value<'_>| match v {
        Value::Integer(n) => {
            i64::try_from(*n).map_err(|_| CwtError::OutOfRange { claim, value: *n })
        }
        other => Err(wrong(claim, "an integer", other)),
    };
    let issued_at = match all.map_get_int(6) {
        Some(v) => int("iat", v)?,
        None => return Err(CwtError::Missing { claim: "iat" }),
    };
    let expires_at = all.map_get_int(4).map(|v| int("exp", v)).transpose()?;
    let body = all.map_get_int(CLAIM_DOCUMENT).ok_or(CwtError::Missing {
        claim: "-65538 (document)",
    })?;
    let Value::Map(pairs) = body else {
        return Err(wrong("-65538 (document)", "a map", body));
    };
    let field = |name: &str| -> Option<&Value<'_>> {
        pairs
            .iter()
            .find(|(k, _)| matches!(k, Value::Text(t) if t == name))
            .map(|(_, v)| v)
    };
    let identifier = match field("identifier") {
        Some(Value::Text(t)) => t.to_string(),
        Some(other) => return Err(wrong("identifier", "text", other)),
        None => {
            return Err(CwtError::Missing {
                claim: "identifier",
            })
        }
    };
    let status_index = match field("status_index") {
        Some(Value::Null) | None => None,
        Some(Value::Integer(n)) => Some(u64::try_from(*n).map_err(|_| CwtError::OutOfRange {
            claim: "status_index",
            value: *n,
        })?),
        Some(other) => return Err(wrong("status_index", "an integer or null", other)),
    };
    let cert_json = field("certificate")
        .ok_or(CwtError::Missing {
            claim: "certificate",
        })?
        .to_json();
    let certificate: Certificate =
        serde_json::from_value(cert_json).map_err(|e| CwtError::Json {
            claim: "certificate",
            reason: e.to_string(),
        })?;
    let certificate = certificate.validated().map_err(|source| CwtError::Model {
        claim: "certificate",
        source,
    })?;
    Ok(Body {
        identifier,
        issuer,
        issued_at,
        expires_at,
        status_index,
        certificate,
    })
}
