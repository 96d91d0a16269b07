//! [`CertificateView`]: the certificate a verified QR payload carries, in the model's types.
//! Codes become `Sex`, `IdDocType`, `IssueKind`, `Date`, `YearMonth` once, here, when the
//! claims are read after the signature; the JSON view and the certificate face only display
//! them. For bulk reports it also writes a view's JSON straight into bytes (`write_json`, the
//! bytes its `Serialize` form gives) and keeps, per worker (`ReportCache`), the identifier
//! stems of the signers and qualifications seen (`IdentifierStems`), so no line mints its
//! identifier from scratch, and the JSON objects that repeat (`JsonFragments`).

use crate::claims::document::id_type_name;
use crate::claims::payload::{QrClaims, Serial};
use crate::codec::json;
use crate::cose::CwtError;
use crate::model::{
    Catalogue, Date, ElicenceId, IdDocType, IdentifierStem, IssueKind, Level, Qualification,
    QualificationRef, Sex, Specialty, StemmedId, TextField, Uscc, YearMonth, ID_MASK,
};
use crate::time::rfc3339;
use crate::trust::TrustedSigner;

/// A certificate as decoded from a verified QR payload: the fields carried, in the model's
/// types, plus the issuing authority taken from the signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateView {
    /// When the payload was signed.
    pub issued_at: i64,
    /// When the qualification expires, if it does.
    pub expires_at: Option<i64>,
    /// Qualification, level and specialty, as catalogue codes.
    pub qualification: QualificationRef,
    /// Holder name.
    pub holder_name: String,
    /// Sex (GB/T 2261.1).
    pub sex: Sex,
    /// Birth year-month.
    pub birth: YearMonth,
    /// ID document type.
    pub id_type: IdDocType,
    /// The last four characters of the ID number.
    pub id_tail: String,
    /// Management number.
    pub management_number: String,
    /// Approval date.
    pub approval_date: Date,
    /// Issuer serial of the e-licence identifier.
    pub serial: String,
    /// Identifier version.
    pub version: u16,
    /// Issue kind (original, 换发, 补发).
    pub kind: IssueKind,
    /// Status index, when assigned.
    pub status_index: Option<u64>,
    /// Issuing authority's unified social credit code, from the signer certificate.
    pub authority_uscc: Option<String>,
    /// Issuing authority's name, from the signer certificate.
    pub authority_name: Option<String>,
}

/// The catalogue entries of a view's codes, where the built-in catalogue has them.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueNames {
    /// The qualification.
    pub qualification: Option<&'static Qualification>,
    /// Its level.
    pub level: Option<&'static Level>,
    /// Its specialty.
    pub specialty: Option<&'static Specialty>,
}

impl CatalogueNames {
    /// The built-in catalogue's entries for `q`'s codes.
    pub fn of(q: &QualificationRef) -> Self {
        let qualification = Catalogue::builtin().get(q.code);
        CatalogueNames {
            qualification,
            level: qualification.and_then(|e| e.level(q.level)),
            specialty: q
                .specialty
                .and_then(|s| qualification.and_then(|e| e.specialty(s))),
        }
    }
}

impl CertificateView {
    /// The view of verified claims signed by `signer`. Codes outside the model's code lists,
    /// dates outside the model's years, and a holder name or management number that breaks the
    /// model's text rules ([`TextField`]) are refused: a view that exists displays, on a face, in
    /// a CSV or on a web page, whatever a signer put in the payload.
    pub(super) fn new(c: &QrClaims<'_>, signer: &TrustedSigner) -> Result<Self, CwtError> {
        let unknown = |claim, code: u64| CwtError::UnknownCode { claim, code };
        let model = |claim| move |source| CwtError::Model { claim, source };
        TextField::HolderName
            .check(c.name)
            .map_err(model("holder.name"))?;
        TextField::ManagementNumber
            .check(c.management_number)
            .map_err(model("management.number"))?;
        Ok(CertificateView {
            issued_at: c.iat,
            expires_at: c.exp,
            qualification: QualificationRef {
                code: c.qualification,
                level: c.level,
                specialty: c.specialty,
            },
            holder_name: c.name.to_owned(),
            sex: Sex::from_code(c.sex).ok_or_else(|| unknown("sex", c.sex.into()))?,
            birth: YearMonth::from_months_since_1900(c.birth_months).map_err(model("birth"))?,
            id_type: IdDocType::from_code(c.id_type)
                .ok_or_else(|| unknown("id_type", c.id_type.into()))?,
            id_tail: c.id_tail.to_owned(),
            management_number: c.management_number.to_owned(),
            approval_date: Date::from_days(c.approval_days).map_err(model("approval_date"))?,
            serial: match c.serial {
                Serial::Number(n) => n.to_string(),
                Serial::Text(t) => t.to_owned(),
            },
            version: c.version,
            kind: IssueKind::from_code(c.kind).ok_or_else(|| unknown("kind", c.kind.into()))?,
            status_index: c.status_index,
            authority_uscc: signer.authority_uscc().map(str::to_owned),
            authority_name: signer.authority_name().map(str::to_owned),
        })
    }

    /// The certificate's e-licence identifier, rebuilt from the catalogue's licence type, the
    /// authority's unified social credit code, the serial and the version — when the signer
    /// certificate names the authority and the qualification is in the built-in catalogue.
    pub fn identifier(&self) -> Option<ElicenceId> {
        let qual = Catalogue::builtin().get(self.qualification.code)?;
        let uscc = Uscc::parse(self.authority_uscc.as_deref()?).ok()?;
        ElicenceId::mint(&qual.licence_type, &uscc, &self.serial, self.version).ok()
    }

    /// The built-in catalogue's entries for the qualification, level and specialty codes.
    pub fn catalogue_names(&self) -> CatalogueNames {
        CatalogueNames::of(&self.qualification)
    }

    /// The ID number as shown: fourteen `*` and the last four characters carried
    /// (`**************123X`).
    pub fn masked_id_number(&self) -> String {
        MaskedId(&self.id_tail).to_string()
    }

    /// The view as JSON for people and scripts: codes with their catalogue names, the masked ID
    /// number (`**************123X`), dates as text, the issue kind in words (补发 for a
    /// replacement) and the rebuilt identifier. The same object the [`serde::Serialize`] form
    /// writes (keys in alphabetical order), which `certseal verify --format json` streams.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Most (qualification, authority) pairs an [`IdentifierStems`] keeps; past it, it starts over.
const MAX_STEMS: usize = 32;

/// [`CertificateView::identifier`] for many views: the stem of each (qualification code,
/// authority USCC) pair — the catalogue's licence type and the authority's code, checked — is
/// made once and kept, so a view's identifier costs only its serial and version check. A
/// bulk report's lines are signed by a few signers for a few qualifications.
#[derive(Debug, Default)]
pub(crate) struct IdentifierStems {
    /// (qualification code, authority USCC as the signer certificate gives it, its stem;
    /// `None` when the code is not in the built-in catalogue or the authority code is broken).
    entries: Vec<(u16, String, Option<IdentifierStem>)>,
}

impl IdentifierStems {
    /// What `view.identifier()` displays, or `None` where it gives none.
    pub(crate) fn identifier<'a>(&'a mut self, view: &'a CertificateView) -> Option<StemmedId<'a>> {
        let authority = view.authority_uscc.as_deref()?;
        let code = view.qualification.code;
        let found = self
            .entries
            .iter()
            .position(|(c, a, _)| *c == code && a == authority);
        let index = match found {
            Some(i) => i,
            None => {
                let stem = Catalogue::builtin().get(code).and_then(|q| {
                    let uscc = Uscc::parse(authority).ok()?;
                    IdentifierStem::new(&q.licence_type, &uscc).ok()
                });
                if self.entries.len() >= MAX_STEMS {
                    self.entries.clear();
                }
                self.entries.push((code, authority.to_owned(), stem));
                self.entries.len().saturating_sub(1)
            }
        };
        let stem = self.entries.get(index)?.2.as_ref()?;
        stem.show(&view.serial, view.version).ok()
    }
}

/// What a bulk report keeps across its records (one per worker, or per server batch): the
/// identifier stems and the JSON fragments that repeat from line to line.
#[derive(Debug, Default)]
pub(crate) struct ReportCache {
    /// The identifiers' stems.
    pub(crate) stems: IdentifierStems,
    /// The view's JSON members that depend only on the qualification codes or the signer.
    pub(crate) fragments: JsonFragments,
}

/// The parts of a view's JSON that repeat across a bulk report: the `qualification` object
/// (a function of the three codes: the catalogue's names are built in) and the `authority`
/// object (the signer's name and code), each written once per distinct value and copied
/// after that. At most `MAX_STEMS` of each are kept; past it, a list starts over.
#[derive(Debug, Default)]
pub(crate) struct JsonFragments {
    /// (codes, their `{"code":…,"specialty_name":…}` object).
    qualifications: Vec<(QualificationRef, Vec<u8>)>,
    /// (authority name, authority USCC, their `{"name":…,"uscc":…}` object).
    authorities: Vec<(Option<String>, Option<String>, Vec<u8>)>,
}

impl JsonFragments {
    /// The `qualification` object of `q`.
    fn qualification(&mut self, q: &QualificationRef) -> &[u8] {
        let index = match self.qualifications.iter().position(|(k, _)| k == q) {
            Some(i) => i,
            None => {
                if self.qualifications.len() >= MAX_STEMS {
                    self.qualifications.clear();
                }
                let mut text = Vec::new();
                write_qualification(q, &mut text);
                self.qualifications.push((q.clone(), text));
                self.qualifications.len().saturating_sub(1)
            }
        };
        self.qualifications.get(index).map_or(&[], |(_, t)| t)
    }

    /// The `authority` object of a signer named `name` with code `uscc`.
    fn authority(&mut self, name: Option<&str>, uscc: Option<&str>) -> &[u8] {
        let found = self
            .authorities
            .iter()
            .position(|(n, u, _)| n.as_deref() == name && u.as_deref() == uscc);
        let index = match found {
            Some(i) => i,
            None => {
                if self.authorities.len() >= MAX_STEMS {
                    self.authorities.clear();
                }
                let mut text = b"{\"name\":".to_vec();
                json::opt_str(&mut text, name);
                text.extend_from_slice(b",\"uscc\":");
                json::opt_str(&mut text, uscc);
                text.push(b'}');
                self.authorities
                    .push((name.map(str::to_owned), uscc.map(str::to_owned), text));
                self.authorities.len().saturating_sub(1)
            }
        };
        self.authorities.get(index).map_or(&[], |(_, _, t)| t)
    }
}

/// The `qualification` object of a view with codes `q`: the codes and their names in the
/// built-in catalogue.
fn write_qualification(q: &QualificationRef, out: &mut Vec<u8>) {
    let names = CatalogueNames::of(q);
    out.extend_from_slice(b"{\"code\":");
    json::u64(out, q.code.into());
    out.extend_from_slice(b",\"level\":");
    json::u64(out, q.level.into());
    out.extend_from_slice(b",\"level_name\":");
    json::opt_str(out, names.level.map(|l| l.name.as_str()));
    out.extend_from_slice(b",\"name\":");
    json::opt_str(out, names.qualification.map(|q| q.name.as_str()));
    out.extend_from_slice(b",\"name_en\":");
    json::opt_str(out, names.qualification.map(|q| q.name_en.as_str()));
    out.extend_from_slice(b",\"specialty\":");
    json::opt_u64(out, q.specialty.map(u64::from));
    out.extend_from_slice(b",\"specialty_name\":");
    json::opt_str(out, names.specialty.map(|s| s.name.as_str()));
    out.push(b'}');
}

/// A value written through its `Display` (no intermediate `String`).
pub(crate) struct Shown<T>(pub(crate) T);

impl<T: std::fmt::Display> serde::Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Bytes shown as lower-case hex (the text of `codec::hex::encode`, nothing allocated).
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl Hex<'_> {
    const DIGITS: &'static [u8; 16] = b"0123456789abcdef";

    /// Appends the hex to `out`.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        for &b in self.0 {
            out.push(Self::DIGITS[usize::from(b >> 4)]);
            out.push(Self::DIGITS[usize::from(b & 0x0f)]);
        }
    }
}

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        for &b in self.0 {
            f.write_char(char::from(Self::DIGITS[usize::from(b >> 4)]))?;
            f.write_char(char::from(Self::DIGITS[usize::from(b & 0x0f)]))?;
        }
        Ok(())
    }
}

/// The view's nested objects; members in alphabetical order, as `serde_json::Value` keeps them.
#[derive(serde::Serialize)]
struct QualificationJson<'a> {
    code: u16,
    level: u8,
    level_name: Option<&'a str>,
    name: Option<&'a str>,
    name_en: Option<&'a str>,
    specialty: Option<u16>,
    specialty_name: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct HolderJson<'a> {
    birth: Shown<YearMonth>,
    id_number: Shown<MaskedId<'a>>,
    id_type: IdDocType,
    name: &'a str,
    sex: &'static str,
}

#[derive(serde::Serialize)]
struct AuthorityJson<'a> {
    name: Option<&'a str>,
    uscc: Option<&'a str>,
}

/// [`ID_MASK`] and the last four characters carried.
struct MaskedId<'a>(&'a str);

impl std::fmt::Display for MaskedId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{ID_MASK}{}", self.0)
    }
}

impl serde::Serialize for CertificateView {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ViewJson {
            view: self,
            identifier: self.identifier(),
        }
        .serialize(s)
    }
}

/// A view's JSON with its identifier given (made by [`IdentifierStems`] in a bulk report).
pub(crate) struct ViewJson<'a, I> {
    pub(crate) view: &'a CertificateView,
    pub(crate) identifier: Option<I>,
}

impl<I: std::fmt::Display> serde::Serialize for ViewJson<'_, I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let this = self.view;
        let names = this.catalogue_names();
        let q = &this.qualification;
        let mut m = s.serialize_map(Some(13))?;
        m.serialize_entry("approval_date", &Shown(this.approval_date))?;
        m.serialize_entry(
            "authority",
            &AuthorityJson {
                name: this.authority_name.as_deref(),
                uscc: this.authority_uscc.as_deref(),
            },
        )?;
        m.serialize_entry("expires_at", &this.expires_at.map(|t| Shown(Rfc3339(t))))?;
        m.serialize_entry(
            "holder",
            &HolderJson {
                birth: Shown(this.birth),
                id_number: Shown(MaskedId(&this.id_tail)),
                id_type: this.id_type,
                name: &this.holder_name,
                sex: this.sex.label_zh(),
            },
        )?;
        m.serialize_entry("identifier", &self.identifier.as_ref().map(Shown))?;
        m.serialize_entry("issued_at", &Shown(Rfc3339(this.issued_at)))?;
        m.serialize_entry("kind", this.kind.label_zh())?;
        m.serialize_entry("management_number", &this.management_number)?;
        m.serialize_entry(
            "qualification",
            &QualificationJson {
                code: q.code,
                level: q.level,
                level_name: names.level.map(|l| l.name.as_str()),
                name: names.qualification.map(|q| q.name.as_str()),
                name_en: names.qualification.map(|q| q.name_en.as_str()),
                specialty: q.specialty,
                specialty_name: names.specialty.map(|s| s.name.as_str()),
            },
        )?;
        m.serialize_entry("replacement", &(this.kind == IssueKind::Replacement))?;
        m.serialize_entry("serial", &this.serial)?;
        m.serialize_entry("status_index", &this.status_index)?;
        m.serialize_entry("version", &this.version)?;
        m.end()
    }
}

impl CertificateView {
    /// Appends the view's JSON — the bytes `serde_json` writes for it, with `identifier` as
    /// its identifier — to `out`: the bulk report's JSON lines without a serializer. The
    /// `qualification` and `authority` objects come from `fragments`; labels and codes of
    /// this crate are written without an escape scan ([`json::plain`]).
    pub(crate) fn write_json(
        &self,
        identifier: Option<StemmedId<'_>>,
        fragments: &mut JsonFragments,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(b"{\"approval_date\":\"");
        out.extend_from_slice(&self.approval_date.ascii());
        out.extend_from_slice(b"\",\"authority\":");
        out.extend_from_slice(fragments.authority(
            self.authority_name.as_deref(),
            self.authority_uscc.as_deref(),
        ));
        out.extend_from_slice(b",\"expires_at\":");
        match self.expires_at {
            Some(t) => {
                out.push(b'"');
                json::rfc3339(out, t);
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"holder\":{\"birth\":\"");
        out.extend_from_slice(&self.birth.ascii());
        // The masked number: the mask (nothing to escape) and the carried tail.
        out.extend_from_slice(b"\",\"id_number\":\"");
        out.extend_from_slice(ID_MASK.as_bytes());
        json::str_contents(out, &self.id_tail);
        out.extend_from_slice(b"\",\"id_type\":");
        json::plain(out, id_type_name(self.id_type));
        out.extend_from_slice(b",\"name\":");
        json::str(out, &self.holder_name);
        out.extend_from_slice(b",\"sex\":");
        json::plain(out, self.sex.label_zh());
        out.extend_from_slice(b"},\"identifier\":");
        match identifier {
            // Its parts are checked: digits, upper-case letters and dots, nothing to escape.
            Some(id) => {
                out.push(b'"');
                id.write_to(out);
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"issued_at\":\"");
        json::rfc3339(out, self.issued_at);
        out.extend_from_slice(b"\",\"kind\":");
        json::plain(out, self.kind.label_zh());
        out.extend_from_slice(b",\"management_number\":");
        json::str(out, &self.management_number);
        out.extend_from_slice(b",\"qualification\":");
        out.extend_from_slice(fragments.qualification(&self.qualification));
        let replacement: &[u8] = if self.kind == IssueKind::Replacement {
            b",\"replacement\":true,\"serial\":"
        } else {
            b",\"replacement\":false,\"serial\":"
        };
        out.extend_from_slice(replacement);
        json::str(out, &self.serial);
        out.extend_from_slice(b",\"status_index\":");
        json::opt_u64(out, self.status_index);
        out.extend_from_slice(b",\"version\":");
        json::u64(out, self.version.into());
        out.push(b'}');
    }
}

/// Unix seconds shown as RFC 3339 (`crate::time::rfc3339`).
struct Rfc3339(i64);

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_type_name_is_what_serialize_writes() {
        let mut seen = 0;
        for code in 0..=u16::MAX {
            if let Some(t) = IdDocType::from_code(code) {
                let mut out = Vec::new();
                json::plain(&mut out, id_type_name(t));
                assert_eq!(out, serde_json::to_vec(&t).unwrap(), "{t:?}");
                seen += 1;
            }
        }
        assert_eq!(seen, 6);
    }
}
