//! Scan → verify (feature `qr`): every QR code of a photo or scan, each text checked by a
//! [`Verifier`], as one [`ScanRecord`] per image — and the mapping from verified data to the
//! certificate face ([`FaceData::from_view`], [`FaceData::from_certificate`]).
//!
//! `qr` owns the pictures and knows nothing of payloads; `verify` owns the verdicts and knows
//! nothing of pictures. This module is the link between them and owns no parsing, crypto or
//! image code of its own: a text without the `CS1:` prefix is reported as
//! [`CodeVerdict::NotCertseal`] (its text kept), every other text goes through
//! [`Verifier::verify`]. Nothing here panics on an image it received; a file that cannot be
//! read or decoded gives a record with [`ScanRecord::error`] set.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::claims::payload::PREFIX;
use crate::model::{Certificate, Date, IssueKind, QualificationRef, YearMonth};
use crate::qr::face::FaceData;
use crate::qr::scan::{scan_image_bytes, ScanLimits};
use crate::qr::QrError;
use crate::verify::{CatalogueNames, CertificateView, Verdict, Verifier};

/// The detail of a code whose text is not a certseal payload.
pub const NOT_CERTSEAL: &str = "not a certseal payload (no CS1: prefix)";

/// What became of one QR code's text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeVerdict {
    /// The text does not start with `CS1:`: some other QR code (a URL, a product code, …).
    /// It was not verified.
    NotCertseal,
    /// The text is a certseal payload and this is its verdict.
    Checked(Box<Verdict>),
}

impl CodeVerdict {
    /// True for a certseal payload that verified.
    pub fn is_valid(&self) -> bool {
        matches!(self, CodeVerdict::Checked(v) if v.is_valid())
    }

    /// The verdict, for a certseal payload.
    pub fn verdict(&self) -> Option<&Verdict> {
        match self {
            CodeVerdict::Checked(v) => Some(v),
            CodeVerdict::NotCertseal => None,
        }
    }

    /// `valid`, `invalid` or `not_certseal`.
    pub fn status(&self) -> &'static str {
        match self {
            CodeVerdict::Checked(v) if v.is_valid() => "valid",
            CodeVerdict::Checked(_) => "invalid",
            CodeVerdict::NotCertseal => "not_certseal",
        }
    }

    /// The verdict as JSON: [`Verdict::to_json`] for a certseal payload; for any other text
    /// the same keys with `status` and `reason` `not_certseal` and `detail`
    /// [`NOT_CERTSEAL`].
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CodeVerdict::Checked(v) => v.to_json(),
            CodeVerdict::NotCertseal => serde_json::json!({
                "status": "not_certseal",
                "reason": "not_certseal",
                "stage": "prefix",
                "detail": NOT_CERTSEAL,
                "alg": null,
                "kid": null,
                "certificate": null,
            }),
        }
    }
}

/// One QR code found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode {
    /// The decoded text, whatever it is.
    pub text: String,
    /// Its verdict, or [`CodeVerdict::NotCertseal`].
    pub verdict: CodeVerdict,
}

/// Why an image gave no QR code.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The file could not be opened or read.
    #[error("cannot read file: {0}")]
    Read(Arc<std::io::Error>),
    /// The file is larger than [`ScanLimits::max_bytes`].
    #[error("image too large: more than the limit of {max} bytes")]
    FileTooLarge {
        /// The limit.
        max: usize,
    },
    /// The bytes are not a PNG or JPEG image within bounds, or the decoders failed.
    #[error(transparent)]
    Image(#[from] QrError),
    /// The image was decoded and holds no readable QR code.
    #[error("no qr code found in the image")]
    NoCode,
}

/// Equal when of the same kind with the same values; read errors compare by their kind.
impl PartialEq for ScanError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ScanError::Read(a), ScanError::Read(b)) => a.kind() == b.kind(),
            (ScanError::FileTooLarge { max: a }, ScanError::FileTooLarge { max: b }) => a == b,
            (ScanError::Image(a), ScanError::Image(b)) => a == b,
            (ScanError::NoCode, ScanError::NoCode) => true,
            _ => false,
        }
    }
}

impl Eq for ScanError {}

/// The result of scanning one image: the codes found, in the order found, or why none could
/// be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScanRecord {
    /// Every code found.
    pub codes: Vec<ScannedCode>,
    /// Why the image gave no code.
    pub error: Option<ScanError>,
}

impl ScanRecord {
    #[cold]
    fn failed(error: ScanError) -> Self {
        ScanRecord {
            codes: Vec::new(),
            error: Some(error),
        }
    }

    /// True when at least one code was found and every code is a valid certseal payload.
    pub fn all_valid(&self) -> bool {
        self.error.is_none()
            && !self.codes.is_empty()
            && self.codes.iter().all(|c| c.verdict.is_valid())
    }

    /// `{"codes": [{"text", "verdict"}], "error"}`; see [`CodeVerdict::to_json`].
    pub fn to_json(&self) -> serde_json::Value {
        let codes: Vec<serde_json::Value> = self
            .codes
            .iter()
            .map(|c| serde_json::json!({ "text": c.text, "verdict": c.verdict.to_json() }))
            .collect();
        serde_json::json!({
            "codes": codes,
            "error": self.error.as_ref().map(ToString::to_string),
        })
    }
}

/// Scans a PNG or JPEG image for QR codes and verifies each certseal payload found with
/// `verifier` (at its clock's time). Texts without the `CS1:` prefix are kept as
/// [`CodeVerdict::NotCertseal`]. An image that cannot be decoded, or holds no readable code,
/// gives a record with `error` set.
pub fn scan_and_verify(image_bytes: &[u8], limits: &ScanLimits, verifier: &Verifier) -> ScanRecord {
    let texts = match scan_image_bytes(image_bytes, limits) {
        Ok(t) => t,
        Err(e) => return ScanRecord::failed(ScanError::Image(e)),
    };
    if texts.is_empty() {
        return ScanRecord::failed(ScanError::NoCode);
    }
    let codes = texts
        .into_iter()
        .map(|text| {
            let verdict = if text.starts_with(PREFIX) {
                CodeVerdict::Checked(Box::new(verifier.verify(&text)))
            } else {
                CodeVerdict::NotCertseal
            };
            ScannedCode { text, verdict }
        })
        .collect();
    ScanRecord { codes, error: None }
}

/// [`scan_and_verify`] on a file, reading at most `limits.max_bytes` of it: a file that
/// cannot be read or is larger gives a record with `error` set.
pub fn scan_and_verify_file(path: &Path, limits: &ScanLimits, verifier: &Verifier) -> ScanRecord {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return ScanRecord::failed(ScanError::Read(Arc::new(e))),
    };
    let cap = u64::try_from(limits.max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    if let Err(e) = file.take(cap).read_to_end(&mut bytes) {
        return ScanRecord::failed(ScanError::Read(Arc::new(e)));
    }
    if bytes.len() > limits.max_bytes {
        return ScanRecord::failed(ScanError::FileTooLarge {
            max: limits.max_bytes,
        });
    }
    scan_and_verify(&bytes, limits, verifier)
}

/// Totals over many scanned images.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Images scanned.
    pub images: usize,
    /// QR codes found in them.
    pub codes: usize,
    /// Codes that are valid certseal payloads.
    pub valid: usize,
    /// Codes that are not: invalid certseal payloads and other texts.
    pub not_valid: usize,
    /// Of `not_valid`, the codes that are not certseal payloads at all.
    pub not_certseal: usize,
    /// Images without a readable code (`error` set).
    pub unreadable: usize,
}

impl ScanSummary {
    /// Counts one record in.
    pub fn add(&mut self, record: &ScanRecord) {
        self.images = self.images.saturating_add(1);
        if record.error.is_some() {
            self.unreadable = self.unreadable.saturating_add(1);
        }
        for c in &record.codes {
            self.codes = self.codes.saturating_add(1);
            if c.verdict.is_valid() {
                self.valid = self.valid.saturating_add(1);
            } else {
                self.not_valid = self.not_valid.saturating_add(1);
                if c.verdict == CodeVerdict::NotCertseal {
                    self.not_certseal = self.not_certseal.saturating_add(1);
                }
            }
        }
    }

    /// True when some code was found, every code is valid and no image was unreadable.
    pub fn all_valid(&self) -> bool {
        self.codes > 0 && self.not_valid == 0 && self.unreadable == 0
    }

    /// The totals as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "images": self.images,
            "codes": self.codes,
            "valid": self.valid,
            "not_valid": self.not_valid,
            "not_certseal": self.not_certseal,
            "unreadable": self.unreadable,
        })
    }
}

impl std::fmt::Display for ScanSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} images, {} codes found: {} valid, {} not valid",
            self.images, self.codes, self.valid, self.not_valid
        )?;
        if self.not_certseal > 0 {
            write!(f, " ({} not certseal payloads)", self.not_certseal)?;
        }
        write!(f, "; {} unreadable", self.unreadable)
    }
}

// ---- certificate faces from verified data ----

/// A date as printed on a face: `2026年11月26日`.
fn date_zh(d: Date) -> String {
    format!("{:04}年{:02}月{:02}日", d.year(), d.month(), d.day())
}

/// A year-month as printed on a face: `1990年05月`.
fn year_month_zh(ym: YearMonth) -> String {
    format!("{:04}年{:02}月", ym.year(), ym.month())
}

/// The end of validity as printed in the remarks (`有效期至2030年06月30日`).
fn valid_until_zh(exp: i64) -> String {
    let date = Date::from_unix(exp).map_or_else(|_| crate::time::rfc3339(exp), date_zh);
    format!("有效期至{date}")
}

/// Catalogue names `(qualification, level, specialty)` for codes: the code itself for an
/// unknown qualification, empty for an unknown level or specialty.
fn catalogue_names(q: &QualificationRef) -> (String, String, String) {
    let names = CatalogueNames::of(q);
    (
        names
            .qualification
            .map_or_else(|| q.code.to_string(), |e| e.name.clone()),
        names.level.map_or_else(String::new, |l| l.name.clone()),
        names.specialty.map_or_else(String::new, |s| s.name.clone()),
    )
}

impl FaceData {
    /// The face of a certificate decoded from a **verified** QR payload `qr_text` (pass the
    /// view of a valid [`Verdict`] only: the face is what a person trusts). Names come from
    /// the built-in catalogue, the ID number is masked to its last four characters, a
    /// replacement (补发) is marked in the remarks, a change re-issue says 换发, an expiring
    /// qualification shows its end date, and the authority is the signer certificate's.
    pub fn from_view(view: &CertificateView, qr_text: &str) -> FaceData {
        let (qualification, level, specialty) = catalogue_names(&view.qualification);
        let mut remarks = Vec::new();
        if view.kind == IssueKind::Change {
            remarks.push(IssueKind::Change.label_zh().to_owned());
        }
        if let Some(exp) = view.expires_at {
            remarks.push(valid_until_zh(exp));
        }
        FaceData {
            qualification,
            level,
            specialty,
            holder_name: view.holder_name.clone(),
            sex: view.sex.label_zh().to_owned(),
            birth: year_month_zh(view.birth),
            id_number_masked: view.masked_id_number(),
            management_number: view.management_number.clone(),
            approval_date: date_zh(view.approval_date),
            identifier: view
                .identifier()
                .map_or_else(String::new, |i| i.to_string()),
            remarks: remarks.join("；"),
            replacement: view.kind == IssueKind::Replacement,
            issuer: view.authority_name.clone().unwrap_or_default(),
            qr_text: qr_text.to_owned(),
            ..FaceData::default()
        }
    }

    /// The face of a certificate at issuance: `cert` as validated, its e-licence
    /// `identifier`, the issuing authority's name and the signed QR payload `qr_text`.
    /// Remarks carry 补发 for a replacement, 换发 for a change re-issue, the scope, the end
    /// of validity and the recorded changes.
    pub fn from_certificate(
        cert: &Certificate,
        identifier: &str,
        issuer: &str,
        qr_text: &str,
    ) -> FaceData {
        let (qualification, level, specialty) = catalogue_names(&cert.qualification);
        let mut remarks = Vec::new();
        if cert.lifecycle.kind == IssueKind::Change {
            remarks.push(IssueKind::Change.label_zh().to_owned());
        }
        if let Some(scope) = &cert.remarks.scope {
            remarks.push(scope.clone());
        }
        if let Some(until) = cert.remarks.valid_until {
            remarks.push(format!("有效期至{}", date_zh(until)));
        }
        for c in &cert.remarks.changes {
            remarks.push(format!("{}变更{}", date_zh(c.date), c.field));
        }
        FaceData {
            qualification,
            level,
            specialty,
            holder_name: cert.holder.name.clone(),
            sex: cert.holder.sex.label_zh().to_owned(),
            birth: year_month_zh(cert.holder.birth),
            id_number_masked: cert.holder.masked_id_number(),
            management_number: cert.management.number.clone(),
            approval_date: date_zh(cert.management.approval_date),
            identifier: identifier.to_owned(),
            remarks: remarks.join("；"),
            replacement: cert.lifecycle.kind == IssueKind::Replacement,
            issuer: issuer.to_owned(),
            qr_text: qr_text.to_owned(),
            ..FaceData::default()
        }
    }
}
