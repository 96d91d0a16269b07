//! The QR payload: certseal's CWT claims, their CBOR form, and the text form
//! `CS1:` + base45(COSE_Sign1(claims)). See `specs/qr-payload.md`.
//!
//! This module knows the claim layout and nothing about keys or trust. Decoding is strict
//! (certseal's deterministic CBOR profile, known claims only) and allocation-free apart from
//! the strings it borrows.

use crate::codec::cbor::{Mode, Reader, Writer};
use crate::codec::{CborErrorKind, CodecError};

/// The text prefix of a version-1 certseal payload.
pub const PREFIX: &str = "CS1:";

/// CWT claim key of `exp`.
pub const CLAIM_EXP: i64 = 4;
/// CWT claim key of `iat`.
pub const CLAIM_IAT: i64 = 6;
/// CWT claim key (private use, RFC 8392 §9.1: below -65536) of the certificate array.
pub const CLAIM_CERTIFICATE: i64 = -65537;

/// The issuer's serial inside the e-licence identifier: carried as an integer when it is a
/// canonical decimal number (no leading zero, at most 19 digits), otherwise as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serial<'a> {
    /// A canonical decimal serial.
    Number(u64),
    /// Any other serial.
    Text(&'a str),
}

impl<'a> Serial<'a> {
    /// The compact form of a serial string.
    pub fn parse(s: &'a str) -> Self {
        let canonical = !s.is_empty()
            && s.len() <= 19
            && s.bytes().all(|b| b.is_ascii_digit())
            && !(s.len() > 1 && s.starts_with('0'));
        match s.parse::<u64>() {
            Ok(n) if canonical => Serial::Number(n),
            _ => Serial::Text(s),
        }
    }
}

impl std::fmt::Display for Serial<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Serial::Number(n) => write!(f, "{n}"),
            Serial::Text(s) => f.write_str(s),
        }
    }
}

/// The claims of a certseal QR payload, as carried on the wire (codes, not names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrClaims<'a> {
    /// `iat`: when the payload was signed (seconds since the epoch).
    pub iat: i64,
    /// `exp`: end of validity, when the qualification expires.
    pub exp: Option<i64>,
    /// Qualification catalogue code.
    pub qualification: u16,
    /// Level code within the qualification.
    pub level: u8,
    /// Specialty code, when the qualification has specialties.
    pub specialty: Option<u16>,
    /// Holder name.
    pub name: &'a str,
    /// Sex (GB/T 2261.1 code).
    pub sex: u8,
    /// Birth year-month as months since 1900-01.
    pub birth_months: u16,
    /// ID document type (GB/T 36903 code, 111 = resident ID).
    pub id_type: u16,
    /// The last four characters of the ID number (the rest is not carried).
    pub id_tail: &'a str,
    /// Management number (管理号).
    pub management_number: &'a str,
    /// Approval date as days since 1970-01-01.
    pub approval_days: i32,
    /// The issuer's serial inside the e-licence identifier.
    pub serial: Serial<'a>,
    /// Identifier version (1 for the first issue, +1 per re-issue).
    pub version: u16,
    /// Issue kind: 0 original, 1 change re-issue (换发), 2 replacement (补发).
    pub kind: u8,
    /// Index of this certificate in the status snapshot, when assigned.
    pub status_index: Option<u64>,
}

const FIELDS: usize = 14;
const FIELDS_WITHOUT_STATUS: usize = 13;

impl<'a> QrClaims<'a> {
    /// Appends the CBOR claims map to `w`.
    pub fn encode(&self, w: &mut Writer) {
        w.map(if self.exp.is_some() { 3 } else { 2 });
        if let Some(exp) = self.exp {
            w.int(CLAIM_EXP).int(exp);
        }
        w.int(CLAIM_IAT).int(self.iat);
        w.int(CLAIM_CERTIFICATE)
            .array(if self.status_index.is_some() {
                FIELDS
            } else {
                FIELDS_WITHOUT_STATUS
            });
        w.uint(self.qualification.into()).uint(self.level.into());
        match self.specialty {
            Some(s) => w.uint(s.into()),
            None => w.null(),
        };
        w.text(self.name)
            .uint(self.sex.into())
            .uint(self.birth_months.into())
            .uint(self.id_type.into())
            .text(self.id_tail)
            .text(self.management_number)
            .int(self.approval_days.into());
        match self.serial {
            Serial::Number(n) => w.uint(n),
            Serial::Text(t) => w.text(t),
        };
        w.uint(self.version.into()).uint(self.kind.into());
        if let Some(i) = self.status_index {
            w.uint(i);
        }
    }

    /// Decodes a claims map (strict profile; unknown or repeated claims are refused).
    pub fn decode(buf: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(buf, Mode::Strict);
        let pairs = r.map()?;
        let (mut iat, mut exp, mut cert) = (None, None, None);
        for _ in 0..pairs {
            let key_at = r.position();
            let key = r.int()?;
            let seen = match key {
                CLAIM_IAT => iat.replace(r.int()?).is_some(),
                CLAIM_EXP => exp.replace(r.int()?).is_some(),
                CLAIM_CERTIFICATE => cert.replace(Self::decode_fields(&mut r)?).is_some(),
                _ => {
                    return Err(CodecError::Cbor {
                        offset: key_at,
                        kind: CborErrorKind::UnexpectedType {
                            expected: "claim 4 (exp), 6 (iat) or -65537 (certificate)",
                        },
                    })
                }
            };
            if seen {
                return Err(CodecError::Cbor {
                    offset: key_at,
                    kind: CborErrorKind::DuplicateKey,
                });
            }
        }
        r.finish()?;
        let missing = |what| CodecError::Cbor {
            offset: 0,
            kind: CborErrorKind::UnexpectedType { expected: what },
        };
        let mut claims = cert.ok_or_else(|| missing("claim -65537 (certificate)"))?;
        claims.iat = iat.ok_or_else(|| missing("claim 6 (iat)"))?;
        claims.exp = exp;
        Ok(claims)
    }

    fn decode_fields(r: &mut Reader<'a>) -> Result<Self, CodecError> {
        let n = r.array()?;
        if n != FIELDS && n != FIELDS_WITHOUT_STATUS {
            return Err(r.error(CborErrorKind::UnexpectedType {
                expected: "certificate array of 13 or 14 items",
            }));
        }
        let qualification = small(r)?;
        let level = small(r)?;
        let specialty = if r.opt_null() { None } else { Some(small(r)?) };
        let name = r.text()?;
        let sex = small(r)?;
        let birth_months = small(r)?;
        let id_type = small(r)?;
        let id_tail = r.text()?;
        let management_number = r.text()?;
        let at = r.position();
        let approval_days = i32::try_from(r.int()?).map_err(|_| CodecError::Cbor {
            offset: at,
            kind: CborErrorKind::OutOfRange,
        })?;
        let serial = match r.peek().map(|b| b >> 5) {
            Some(3) => Serial::Text(r.text()?),
            _ => Serial::Number(r.uint()?),
        };
        let version = small(r)?;
        let kind = small(r)?;
        let status_index = if n == FIELDS { Some(r.uint()?) } else { None };
        Ok(QrClaims {
            iat: 0,
            exp: None,
            qualification,
            level,
            specialty,
            name,
            sex,
            birth_months,
            id_type,
            id_tail,
            management_number,
            approval_days,
            serial,
            version,
            kind,
            status_index,
        })
    }
}

fn small<T: TryFrom<u64>>(r: &mut Reader<'_>) -> Result<T, CodecError> {
    let at = r.position();
    let n = r.uint()?;
    T::try_from(n).map_err(|_| CodecError::Cbor {
        offset: at,
        kind: CborErrorKind::OutOfRange,
    })
}

/// Splits `text` into the base45 body after [`PREFIX`].
#[inline]
pub fn strip_prefix(text: &str) -> Result<&str, CodecError> {
    text.strip_prefix(PREFIX).ok_or_else(|| prefix_error(text))
}

#[cold]
fn prefix_error(text: &str) -> CodecError {
    CodecError::Prefix {
        got: text.chars().take(8).collect(),
        expected: PREFIX.to_string(),
    }
}

/// Alphanumeric capacity of QR versions 1..=40 at error-correction level Q (ISO/IEC 18004
/// table 7).
const QR_ALNUM_CAPACITY_Q: [u16; 40] = [
    16, 29, 47, 67, 87, 108, 125, 157, 189, 221, 259, 296, 352, 376, 426, 470, 531, 574, 644, 702,
    742, 823, 890, 963, 1041, 1094, 1172, 1263, 1322, 1429, 1499, 1618, 1700, 1787, 1867, 1966,
    2071, 2181, 2298, 2420,
];

/// The smallest QR version that holds `len` alphanumeric characters at level Q, if any.
pub fn qr_version_q(len: usize) -> Option<u8> {
    QR_ALNUM_CAPACITY_Q
        .iter()
        .position(|cap| usize::from(*cap) >= len)
        .and_then(|i| u8::try_from(i + 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_version_q_follows_the_capacity_table() {
        assert_eq!(qr_version_q(0), Some(1));
        assert_eq!(qr_version_q(221), Some(10));
        assert_eq!(qr_version_q(222), Some(11));
        assert_eq!(qr_version_q(259), Some(11));
        assert_eq!(qr_version_q(260), Some(12));
        assert_eq!(qr_version_q(2420), Some(40));
        assert_eq!(qr_version_q(2421), None);
    }

    #[test]
    fn serial_is_numeric_only_when_canonical() {
        assert_eq!(Serial::parse("20230000403"), Serial::Number(20_230_000_403));
        assert_eq!(Serial::parse("0123"), Serial::Text("0123"));
        assert_eq!(Serial::parse("0"), Serial::Number(0));
        assert_eq!(Serial::parse("A12"), Serial::Text("A12"));
        assert_eq!(
            Serial::parse("99999999999999999999"),
            Serial::Text("99999999999999999999")
        );
    }
}
