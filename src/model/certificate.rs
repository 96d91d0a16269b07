//! The certificate (rules art. 7) and the rules a certificate must satisfy. A
//! [`Certificate`] built by [`Certificate::validated`] (or by the record parsers) obeys every
//! rule below; one built field by field, or deserialised, should go through `validated`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Catalogue, Date, ElicenceId, ModelError, Qualification, ResidentId, TextField, Uscc, YearMonth,
};
#[cfg(feature = "sqlite")]
use crate::codec::json;

/// Most characters in a holder's name.
const MAX_NAME: usize = 64;
/// Most characters in a management number.
const MAX_MANAGEMENT_NUMBER: usize = 40;
/// Most characters in the scope remark.
const MAX_SCOPE: usize = 200;
/// Most change records.
const MAX_CHANGES: usize = 32;
/// Most characters in a change record's field name.
const MAX_CHANGE_FIELD: usize = 64;
/// Most characters in a change record's old or new value.
const MAX_CHANGE_VALUE: usize = 200;

/// Sex, coded as in GB/T 2261.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 0 — unknown (e.g. a legacy record without it).
    Unknown,
    /// 1 — male.
    Male,
    /// 2 — female.
    Female,
    /// 9 — not stated.
    NotStated,
}

impl Sex {
    /// The GB/T 2261.1 code.
    pub const fn code(self) -> u8 {
        match self {
            Sex::Unknown => 0,
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::NotStated => 9,
        }
    }

    /// The sex with GB/T 2261.1 code `code`.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Sex::Unknown),
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            9 => Some(Sex::NotStated),
            _ => None,
        }
    }

    /// The Chinese label (未知的性别, 男, 女, 未说明的性别).
    pub const fn label_zh(self) -> &'static str {
        match self {
            Sex::Unknown => "未知的性别",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::NotStated => "未说明的性别",
        }
    }
}

/// The type of the holder's identity document (GB/T 36903 annex A style codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdDocType {
    /// 111 — resident ID number (居民身份证).
    ResidentId,
    /// 414 — ordinary passport (普通护照).
    Passport,
    /// 516 — Hong Kong / Macao residents' home-return permit (港澳居民来往内地通行证).
    HomeReturnPermit,
    /// 511 — Taiwan compatriot permit (台湾居民来往大陆通行证).
    TaiwanCompatriotPermit,
    /// 553 — foreigner's permanent residence ID card (外国人永久居留身份证).
    ForeignPermanentResidence,
    /// 990 — other.
    Other,
}

impl IdDocType {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        match self {
            IdDocType::ResidentId => 111,
            IdDocType::Passport => 414,
            IdDocType::HomeReturnPermit => 516,
            IdDocType::TaiwanCompatriotPermit => 511,
            IdDocType::ForeignPermanentResidence => 553,
            IdDocType::Other => 990,
        }
    }

    /// The document type with code `code`.
    pub const fn from_code(code: u16) -> Option<Self> {
        match code {
            111 => Some(IdDocType::ResidentId),
            414 => Some(IdDocType::Passport),
            516 => Some(IdDocType::HomeReturnPermit),
            511 => Some(IdDocType::TaiwanCompatriotPermit),
            553 => Some(IdDocType::ForeignPermanentResidence),
            990 => Some(IdDocType::Other),
            _ => None,
        }
    }
}

/// Why this certificate was issued (rules arts. 15–16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// 0 — first issue (首次发证).
    Original = 0,
    /// 1 — change re-issue (换发): holder data changed, recorded in the remarks.
    Change = 1,
    /// 2 — replacement (补发): the earlier one was lost, damaged or not collected.
    Replacement = 2,
}

impl IssueKind {
    /// The numeric code.
    pub const fn code(self) -> u8 {
        match self {
            IssueKind::Original => 0,
            IssueKind::Change => 1,
            IssueKind::Replacement => 2,
        }
    }

    /// The kind with numeric code `code`.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(IssueKind::Original),
            1 => Some(IssueKind::Change),
            2 => Some(IssueKind::Replacement),
            _ => None,
        }
    }

    /// The label printed on the certificate: 首次发证, 换发, 补发.
    pub const fn label_zh(self) -> &'static str {
        match self {
            IssueKind::Original => "首次发证",
            IssueKind::Change => "换发",
            IssueKind::Replacement => "补发",
        }
    }
}

/// The qualification, by catalogue codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationRef {
    /// Qualification code in the catalogue.
    pub code: u16,
    /// Level code within the qualification.
    pub level: u8,
    /// Specialty code, present iff the qualification has specialties.
    pub specialty: Option<u16>,
}

/// The certificate holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Name, 1..=64 characters: Han characters with parts joined by `·` U+00B7, or Latin
    /// letters with words joined by one space, `-` or `'` ([`TextField::HolderName`]).
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Birth year and month.
    pub birth: YearMonth,
    /// SHA-256 of the photo (the bytes are stored separately); hex in JSON.
    #[serde(with = "hex_digest")]
    pub photo_sha256: Option<[u8; 32]>,
    /// Identity document type.
    pub id_type: IdDocType,
    /// Identity document number (a resident ID number is upper-cased).
    pub id_number: String,
}

impl Holder {
    /// The ID document number with all but its last four characters replaced by `*`
    /// (`**************123X` for a resident ID number).
    pub fn masked_id_number(&self) -> String {
        masked_but_last4(&self.id_number)
    }
}

/// `s` with every character but the last four replaced by `*` (a shorter `s` unchanged): how an
/// ID document number is shown, and how the registry records an ID-number change.
pub(crate) fn masked_but_last4(s: &str) -> String {
    let keep = s.chars().count().saturating_sub(4);
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < keep { '*' } else { c })
        .collect()
}

/// Management data printed on the certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Management {
    /// Management number (管理号), 1..=40 ASCII letters, digits or `-`, starting and ending
    /// with a letter or digit.
    pub number: String,
    /// Approval date (批准日期).
    pub approval_date: Date,
}

/// One recorded change of holder data (rules art. 15).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// When the change was approved.
    pub date: Date,
    /// What changed, e.g. `holder.name` or `姓名`.
    pub field: String,
    /// The old value.
    pub old: Option<String>,
    /// The new value.
    pub new: Option<String>,
}

/// Remarks (备注).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remarks {
    /// Scope (有效范围), at most 200 characters of prose ([`TextField::Scope`]).
    pub scope: Option<String>,
    /// End of validity (有效期限), only for qualifications that expire.
    pub valid_until: Option<Date>,
    /// Changes of holder data, oldest first, at most 32.
    pub changes: Vec<ChangeRecord>,
}

/// Where this certificate stands in its lineage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Why it was issued.
    pub kind: IssueKind,
    /// Version, 1 for the first issue and +1 per re-issue (1..=999).
    pub version: u16,
    /// The e-licence identifier of the certificate this one replaces (re-issues only).
    pub predecessor: Option<String>,
}

/// A professional qualification certificate (rules art. 7). Deserialising one checks every
/// rule (against the built-in catalogue), as [`Certificate::validated`] does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct Certificate {
    /// The qualification, level and specialty.
    pub qualification: QualificationRef,
    /// The holder.
    pub holder: Holder,
    /// Management number and approval date.
    pub management: Management,
    /// Scope, validity and change history.
    pub remarks: Remarks,
    /// Issue kind, version and predecessor.
    pub lifecycle: Lifecycle,
    /// The issuer's serial, used in the e-licence identifier (1..=32 of 0-9 A-Z).
    pub serial: String,
    /// A legacy stock certificate (存量证书) digitised with tolerated gaps (信息容缺).
    pub legacy: bool,
}

/// A certificate as deserialised, before its rules are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unchecked {
    qualification: QualificationRef,
    holder: Holder,
    management: Management,
    remarks: Remarks,
    lifecycle: Lifecycle,
    serial: String,
    legacy: bool,
}

impl TryFrom<Unchecked> for Certificate {
    type Error = ModelError;
    fn try_from(u: Unchecked) -> Result<Self, ModelError> {
        Certificate {
            qualification: u.qualification,
            holder: u.holder,
            management: u.management,
            remarks: u.remarks,
            lifecycle: u.lifecycle,
            serial: u.serial,
            legacy: u.legacy,
        }
        .validated()
    }
}

fn fail<T>(field: &'static str, rule: impl Into<String>) -> Result<T, ModelError> {
    Err(ModelError::field(field, rule))
}

impl Certificate {
    /// Checks every rule against the built-in catalogue and returns the certificate.
    pub fn validated(self) -> Result<Self, ModelError> {
        self.validated_against(Catalogue::builtin())
    }

    /// Checks every rule against `catalogue` and returns the certificate. Errors name the
    /// dotted field and the rule.
    pub fn validated_against(mut self, catalogue: &Catalogue) -> Result<Self, ModelError> {
        // Qualification.
        let q = &self.qualification;
        let Some(qual) = catalogue.get(q.code) else {
            return fail(
                "qualification.code",
                format!("{} is not in the catalogue", q.code),
            );
        };
        if qual.level(q.level).is_none() {
            let known: Vec<String> = qual.levels.iter().map(|l| l.code.to_string()).collect();
            return fail(
                "qualification.level",
                format!(
                    "{} is not a level of {} {} (levels: {})",
                    q.level,
                    qual.code,
                    qual.name,
                    known.join(", ")
                ),
            );
        }
        match (q.specialty, qual.specialties.is_empty()) {
            (None, false) => {
                return fail(
                    "qualification.specialty",
                    format!("required: {} {} has specialties", qual.code, qual.name),
                )
            }
            (Some(s), true) => {
                return fail(
                    "qualification.specialty",
                    format!(
                        "{s} given, but {} {} has no specialties",
                        qual.code, qual.name
                    ),
                )
            }
            (Some(s), false) if qual.specialty(s).is_none() => {
                return fail(
                    "qualification.specialty",
                    format!("{s} is not a specialty of {} {}", qual.code, qual.name),
                )
            }
            _ => {}
        }

        // Holder.
        let h = &mut self.holder;
        let len = h.name.chars().count();
        if !(1..=MAX_NAME).contains(&len) || h.name.trim().is_empty() {
            return fail(
                "holder.name",
                format!("length is {len} characters, expected 1..={MAX_NAME}"),
            );
        }
        TextField::HolderName.check(&h.name)?;
        if h.id_type == IdDocType::ResidentId {
            let id = ResidentId::parse(&h.id_number)
                .map_err(|e| ModelError::field("holder.id_number", e.rule()))?;
            let inside = id.birth_date().year_month();
            if inside != h.birth {
                return fail(
                    "holder.birth",
                    format!("{} does not match {inside} in the id number", h.birth),
                );
            }
            if matches!(h.sex, Sex::Male | Sex::Female) && h.sex != id.sex() {
                return fail(
                    "holder.sex",
                    format!(
                        "{:?} ({}) does not match the id number, which says {:?}",
                        h.sex,
                        h.sex.code(),
                        id.sex()
                    )
                    .to_lowercase(),
                );
            }
            h.id_number = id.as_str().to_owned();
        } else {
            let n = h.id_number.chars().count();
            if !(4..=32).contains(&n) || !h.id_number.chars().all(|c| c.is_ascii_alphanumeric()) {
                return fail(
                    "holder.id_number",
                    format!("{:?} is not 4..=32 ASCII letters or digits", h.id_number),
                );
            }
        }

        // Management.
        let m = &self.management;
        let n = m.number.chars().count();
        if !(1..=MAX_MANAGEMENT_NUMBER).contains(&n)
            || !m
                .number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return fail(
                "management.number",
                format!(
                    "{:?} is not 1..={MAX_MANAGEMENT_NUMBER} ASCII letters, digits or '-'",
                    m.number
                ),
            );
        }
        TextField::ManagementNumber.check(&m.number)?;
        if m.approval_date.year_month() < self.holder.birth {
            return fail(
                "management.approval_date",
                format!(
                    "{} is before the holder's birth {}",
                    m.approval_date, self.holder.birth
                ),
            );
        }

        // Remarks.
        let r = &self.remarks;
        if let Some(scope) = &r.scope {
            let n = scope.chars().count();
            if n > MAX_SCOPE {
                return fail(
                    "remarks.scope",
                    format!("length is {n} characters, at most {MAX_SCOPE}"),
                );
            }
            TextField::Scope.check(scope)?;
        }
        match (r.valid_until, qual.expires) {
            (Some(until), false) => {
                return fail(
                    "remarks.valid_until",
                    format!(
                        "{until} given, but {} {} never expires",
                        qual.code, qual.name
                    ),
                )
            }
            (Some(until), true) if until < m.approval_date => {
                return fail(
                    "remarks.valid_until",
                    format!("{until} is before the approval date {}", m.approval_date),
                )
            }
            (None, true) if !self.legacy => {
                return fail(
                    "remarks.valid_until",
                    format!("required: {} {} expires", qual.code, qual.name),
                )
            }
            _ => {}
        }
        if r.changes.len() > MAX_CHANGES {
            return fail(
                "remarks.changes",
                format!("{} entries, at most {MAX_CHANGES}", r.changes.len()),
            );
        }
        for (i, c) in r.changes.iter().enumerate() {
            let entry = |what: &str, e: ModelError| {
                ModelError::field(
                    "remarks.changes",
                    format!("entry {}: {what}: {}", i + 1, e.rule()),
                )
            };
            let n = c.field.chars().count();
            if n == 0 || n > MAX_CHANGE_FIELD {
                return fail(
                    "remarks.changes",
                    format!(
                        "entry {}: field name is {n} characters, expected 1..={MAX_CHANGE_FIELD}",
                        i + 1
                    ),
                );
            }
            TextField::ChangeField
                .check(&c.field)
                .map_err(|e| entry("field name", e))?;
            for (what, v) in [("old value", &c.old), ("new value", &c.new)] {
                let Some(v) = v else { continue };
                let n = v.chars().count();
                if n > MAX_CHANGE_VALUE {
                    return fail(
                        "remarks.changes",
                        format!(
                            "entry {}: {what} is {n} characters, at most {MAX_CHANGE_VALUE}",
                            i + 1
                        ),
                    );
                }
                TextField::ChangeValue
                    .check(v)
                    .map_err(|e| entry(what, e))?;
            }
            if c.date.year_month() < self.holder.birth {
                return fail(
                    "remarks.changes",
                    format!(
                        "entry {}: date {} is before the holder's birth {}",
                        i + 1,
                        c.date,
                        self.holder.birth
                    ),
                );
            }
        }

        // Serial.
        let s = &self.serial;
        if s.is_empty()
            || s.len() > 32
            || !s
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return fail(
                "serial",
                format!("{s:?} is not 1..=32 digits or upper-case letters"),
            );
        }

        // Lifecycle.
        let l = &self.lifecycle;
        if !(1..=999).contains(&l.version) {
            return fail(
                "lifecycle.version",
                format!("{} is outside 1..=999", l.version),
            );
        }
        match l.kind {
            IssueKind::Original => {
                if l.version != 1 {
                    return fail(
                        "lifecycle.version",
                        format!("is {}, expected 1 for a first issue", l.version),
                    );
                }
                if l.predecessor.is_some() {
                    return fail("lifecycle.predecessor", "given for a first issue");
                }
                if !r.changes.is_empty() {
                    return fail("remarks.changes", "a first issue records no changes");
                }
            }
            IssueKind::Change | IssueKind::Replacement => {
                let Some(pred) = &l.predecessor else {
                    return fail(
                        "lifecycle.predecessor",
                        format!("required for a re-issue ({})", l.kind.label_zh()),
                    );
                };
                let pred = ElicenceId::parse(pred)
                    .map_err(|e| ModelError::field("lifecycle.predecessor", e.rule()))?;
                if pred.version().checked_add(1) != Some(l.version) {
                    return fail(
                        "lifecycle.predecessor",
                        format!(
                            "version is {}, expected {} (this version - 1)",
                            pred.version(),
                            l.version.saturating_sub(1)
                        ),
                    );
                }
                if pred.type_code() != qual.licence_type {
                    return fail(
                        "lifecycle.predecessor",
                        format!(
                            "licence type is {}, expected {}",
                            pred.type_code(),
                            qual.licence_type
                        ),
                    );
                }
                if pred.serial() != self.serial {
                    return fail(
                        "lifecycle.predecessor",
                        format!("serial is {}, expected {}", pred.serial(), self.serial),
                    );
                }
                if l.kind == IssueKind::Change && r.changes.is_empty() && !self.legacy {
                    return fail(
                        "remarks.changes",
                        "a change re-issue (换发) must record the change",
                    );
                }
            }
        }
        Ok(self)
    }

    /// The built-in catalogue's entry for this certificate's qualification (display names,
    /// licence type).
    pub fn catalogue_entry(&self) -> Result<&'static Qualification, ModelError> {
        Catalogue::builtin()
            .get(self.qualification.code)
            .ok_or_else(|| {
                ModelError::field(
                    "qualification.code",
                    format!("{} is not in the catalogue", self.qualification.code),
                )
            })
    }

    /// The certificate's e-licence identifier for issuer `issuer`, from the catalogue's
    /// licence-type code, the serial and the lifecycle version.
    pub fn identifier(&self, issuer: &Uscc) -> Result<ElicenceId, ModelError> {
        let qual = self.catalogue_entry()?;
        ElicenceId::mint(
            &qual.licence_type,
            issuer,
            &self.serial,
            self.lifecycle.version,
        )
    }
}

#[cfg(feature = "sqlite")]
impl Certificate {
    /// Appends the certificate's JSON to `out`: the bytes `serde_json::to_writer` writes for
    /// it (the derived field order, serde_json's string escaping and number forms), through
    /// `codec::json` instead of serde's per-field calls — the registry stores this text for
    /// every submitted row
    /// (`model::tests::json_writer_writes_what_serde_writes` holds the two equal).
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        // Destructured whole, so that a new field fails to compile here.
        let Certificate {
            qualification,
            holder,
            management,
            remarks,
            lifecycle,
            serial,
            legacy,
        } = self;
        let QualificationRef {
            code,
            level,
            specialty,
        } = qualification;
        out.extend_from_slice(b"{\"qualification\":{\"code\":");
        json::u64(out, u64::from(*code));
        out.extend_from_slice(b",\"level\":");
        json::u64(out, u64::from(*level));
        out.extend_from_slice(b",\"specialty\":");
        match specialty {
            Some(s) => json::u64(out, u64::from(*s)),
            None => out.extend_from_slice(b"null"),
        }
        let Holder {
            name,
            sex,
            birth,
            photo_sha256,
            id_type,
            id_number,
        } = holder;
        out.extend_from_slice(b"},\"holder\":{\"name\":");
        json::str(out, name);
        out.extend_from_slice(b",\"sex\":");
        serde_json::to_writer(&mut *out, sex)?;
        out.extend_from_slice(b",\"birth\":\"");
        out.extend_from_slice(&birth.ascii());
        out.extend_from_slice(b"\",\"photo_sha256\":");
        match photo_sha256 {
            Some(d) => {
                out.push(b'"');
                out.extend_from_slice(to_hex(d).as_bytes());
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"id_type\":");
        serde_json::to_writer(&mut *out, id_type)?;
        out.extend_from_slice(b",\"id_number\":");
        json::str(out, id_number);
        let Management {
            number,
            approval_date,
        } = management;
        out.extend_from_slice(b"},\"management\":{\"number\":");
        json::str(out, number);
        out.extend_from_slice(b",\"approval_date\":");
        json_date(out, approval_date);
        let Remarks {
            scope,
            valid_until,
            changes,
        } = remarks;
        out.extend_from_slice(b"},\"remarks\":{\"scope\":");
        json::opt_str(out, scope.as_deref());
        out.extend_from_slice(b",\"valid_until\":");
        match valid_until {
            Some(d) => json_date(out, d),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"changes\":[");
        for (i, change) in changes.iter().enumerate() {
            let ChangeRecord {
                date,
                field,
                old,
                new,
            } = change;
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"date\":");
            json_date(out, date);
            out.extend_from_slice(b",\"field\":");
            json::str(out, field);
            out.extend_from_slice(b",\"old\":");
            json::opt_str(out, old.as_deref());
            out.extend_from_slice(b",\"new\":");
            json::opt_str(out, new.as_deref());
            out.push(b'}');
        }
        let Lifecycle {
            kind,
            version,
            predecessor,
        } = lifecycle;
        out.extend_from_slice(b"]},\"lifecycle\":{\"kind\":");
        serde_json::to_writer(&mut *out, kind)?;
        out.extend_from_slice(b",\"version\":");
        json::u64(out, u64::from(*version));
        out.extend_from_slice(b",\"predecessor\":");
        json::opt_str(out, predecessor.as_deref());
        out.extend_from_slice(b"},\"serial\":");
        json::str(out, serial);
        out.extend_from_slice(if *legacy {
            b",\"legacy\":true}"
        } else {
            b",\"legacy\":false}"
        });
        Ok(())
    }
}

#[cfg(feature = "sqlite")]
/// A date as a JSON string (its `Display` text).
fn json_date(out: &mut Vec<u8>, d: &Date) {
    out.push(b'"');
    out.extend_from_slice(&d.ascii());
    out.push(b'"');
}

/// Serde for an optional SHA-256 digest as 64 lower-case hex digits.
mod hex_digest {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_some(&to_hex(d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|h| from_hex(&h).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Lower-case hex of `bytes` (`codec::hex`, the crate's one encoder).
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    crate::codec::hex::encode(bytes)
}

/// A SHA-256 digest from 64 hex digits (either case).
pub(crate) fn from_hex(h: &str) -> Result<[u8; 32], String> {
    let bad = || format!("{h:?} is not 64 hex digits");
    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    crate::codec::hex::decode(h)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(bad)
}
