//! National e-licence identifiers (电子证照标识, GB/T 36904):
//! `1.2.156.3005.2.<type:21>.<issuer:18>.<serial>.<version:3>.<check>`, the check character
//! ISO/IEC 7064 MOD 37,36 over type‖issuer‖serial‖version. [`IdentifierStem`] checks a type
//! and an issuer once for the many identifiers they share. Also [`classify`], which tells an
//! identifier, a resident ID number and a unified social credit code apart.

use std::fmt;
use std::str::FromStr;

use super::date::serde_as_string;
use super::{ModelError, ResidentId, Uscc};

/// The fixed object-identifier arc every e-licence identifier starts with.
const PREFIX: &str = "1.2.156.3005.2.";
/// Longest serial an issuer may use.
const MAX_SERIAL: usize = 32;
/// Longest input looked at; a well-formed identifier has at most 94 bytes (prefix, 21 + 18 +
/// 32 + 3 + 1 characters and 4 dots), the slack lets a too-long part be named.
const MAX_LEN: usize = 128;

/// A national e-licence identifier whose parts and check character have been verified.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ElicenceId {
    type_code: String,
    issuer: Uscc,
    serial: String,
    version: u16,
}

#[cold]
fn err(part: &'static str, rule: impl Into<String>) -> ModelError {
    ModelError::Identifier {
        part,
        rule: rule.into(),
    }
}

/// Checks a licence-type code: the defining ministry's USCC (18) followed by 3 digits.
pub(crate) fn check_type_code(code: &str) -> Result<(), ModelError> {
    let count = code.chars().count();
    if count != 21 {
        return Err(err(
            "type",
            format!("length is {count} characters, expected 21"),
        ));
    }
    let (ministry, number) = code
        .split_at_checked(18)
        .ok_or_else(|| err("type", format!("{code:?} is not ASCII")))?;
    Uscc::parse(ministry)
        .map_err(|e| err("type", format!("ministry code {ministry}: {}", e.rule())))?;
    if ministry.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(err(
            "type",
            format!("ministry code {ministry} is not upper case"),
        ));
    }
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(
            "type",
            format!("type number {number:?} is not 3 digits"),
        ));
    }
    Ok(())
}

fn check_serial(serial: &str) -> Result<(), ModelError> {
    if serial.is_empty() || serial.len() > MAX_SERIAL {
        return Err(err(
            "serial",
            format!(
                "length is {} characters, expected 1..={MAX_SERIAL}",
                serial.chars().count()
            ),
        ));
    }
    if let Some(c) = serial
        .chars()
        .find(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase()))
    {
        return Err(err(
            "serial",
            format!("character {c:?} is not a digit or an upper-case letter"),
        ));
    }
    Ok(())
}

fn check_version(version: u16) -> Result<(), ModelError> {
    if (1..=999).contains(&version) {
        Ok(())
    } else {
        Err(err("version", format!("{version} is outside 1..=999")))
    }
}

/// The running state of the ISO/IEC 7064 MOD 37,36 check over characters 0-9 / A-Z
/// (anything else counts as 0), so a fixed head (type‖issuer, [`IdentifierStem`]) is folded
/// once and only the tail of each identifier is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mod37_36(u32);

impl Mod37_36 {
    const M: u32 = 36;

    fn new() -> Self {
        Mod37_36(Self::M)
    }

    /// The value of each byte: 0-9 and A-Z (a-z too, as `to_digit(36)` reads them) their
    /// digit value, anything else 0.
    const VALUES: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            // b < 256: the casts cannot truncate.
            t[b] = match b as u8 {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'A'..=b'Z' => c - b'A' + 10,
                c @ b'a'..=b'z' => c - b'a' + 10,
                _ => 0,
            };
            b += 1;
        }
        t
    };

    /// Folds `bytes` in: `s = (p + a) mod 36` (0 counting as 36), `p = 2s mod 37`, with the
    /// state kept in 0..=36 so each step is a table look-up and two compares, not two
    /// divisions (the characters of every identifier pass through here once per line of a
    /// bulk report).
    fn add(self, bytes: &[u8]) -> Self {
        let m = Self::M;
        // The state is 36 at the start and in 1..=36 after a step, so `p + a` is in 1..=71
        // and one subtraction reduces each sum.
        let mut p = self.0;
        for &c in bytes {
            let a = u32::from(Self::VALUES[usize::from(c)]);
            let mut s = p + a;
            if s > m {
                s -= m;
            }
            if s == 0 {
                s = m;
            }
            let mut d = s * 2;
            if d > m {
                d -= m + 1;
            }
            p = d;
        }
        Mod37_36(p)
    }

    fn check(self) -> char {
        let check = (Self::M + 1 - self.0) % Self::M;
        char::from_digit(check, 36).map_or('0', |c| c.to_ascii_uppercase())
    }
}

/// The three ASCII digits of `version` (`check_version` bounds it to 1..=999; a larger
/// value keeps its last three digits).
fn version_digits(version: u16) -> [u8; 3] {
    // Each digit is below 10: the casts cannot truncate.
    [
        b'0' + (version / 100 % 10) as u8,
        b'0' + (version / 10 % 10) as u8,
        b'0' + (version % 10) as u8,
    ]
}

/// The check character over type‖issuer‖serial‖version.
fn check_over(type_code: &str, issuer: &Uscc, serial: &str, version: u16) -> char {
    Mod37_36::new()
        .add(type_code.as_bytes())
        .add(issuer.as_str().as_bytes())
        .add(serial.as_bytes())
        .add(&version_digits(version))
        .check()
}

impl ElicenceId {
    /// Mints the identifier for licence type `type_code` (21 characters: ministry USCC and 3
    /// digits), issuer `issuer`, the issuer's `serial` (1..=32 of 0-9 A-Z) and `version`
    /// (1..=999).
    pub fn mint(
        type_code: &str,
        issuer: &Uscc,
        serial: &str,
        version: u16,
    ) -> Result<Self, ModelError> {
        check_type_code(type_code)?;
        check_serial(serial)?;
        check_version(version)?;
        Ok(ElicenceId {
            type_code: type_code.to_owned(),
            issuer: issuer.clone(),
            serial: serial.to_owned(),
            version,
        })
    }

    /// Parses the dotted form, checking every part and the check character.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        if s.len() > MAX_LEN {
            return Err(err(
                "structure",
                format!("length is {} bytes, at most {MAX_LEN}", s.len()),
            ));
        }
        let rest = s
            .strip_prefix(PREFIX)
            .ok_or_else(|| err("prefix", format!("does not start with {PREFIX:?}")))?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts[..] else {
            return Err(err(
                "structure",
                format!(
                    "{} parts after the prefix, expected 5 (type.issuer.serial.version.check)",
                    parts.len()
                ),
            ));
        };
        check_type_code(type_code)?;
        if issuer.bytes().any(|b| b.is_ascii_lowercase()) {
            return Err(err("issuer", format!("{issuer} is not upper case")));
        }
        let issuer = Uscc::parse(issuer).map_err(|e| err("issuer", e.rule()))?;
        check_serial(serial)?;
        if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("version", format!("{version:?} is not 3 digits")));
        }
        let version = version
            .parse::<u16>()
            .map_err(|_| err("version", format!("{version:?} is not 3 digits")))?;
        check_version(version)?;
        let id = ElicenceId {
            type_code: type_code.to_owned(),
            issuer,
            serial: serial.to_owned(),
            version,
        };
        let expected = id.check_char();
        let mut got = check.chars();
        match (got.next(), got.next()) {
            (Some(c), None) if c == expected => Ok(id),
            (Some(c), None) => Err(err(
                "check",
                format!("check character is {c}, expected {expected}"),
            )),
            _ => Err(err(
                "check",
                format!("{check:?} is not one character, expected {expected}"),
            )),
        }
    }

    /// The check character (ISO/IEC 7064 MOD 37,36 over type‖issuer‖serial‖version).
    pub fn check_char(&self) -> char {
        check_over(&self.type_code, &self.issuer, &self.serial, self.version)
    }

    /// The licence-type code (21 characters).
    pub fn type_code(&self) -> &str {
        &self.type_code
    }

    /// The issuer's unified social credit code.
    pub fn issuer(&self) -> &Uscc {
        &self.issuer
    }

    /// The issuer's serial.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The version, 1 for the first issue and +1 per re-issue.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The identifier of the next re-issue (version + 1).
    pub fn successor(&self) -> Result<Self, ModelError> {
        let version = self.version.saturating_add(1);
        check_version(version)?;
        Ok(ElicenceId {
            version,
            ..self.clone()
        })
    }
}

/// The part of e-licence identifiers that one licence type and one issuer fix —
/// `1.2.156.3005.2.<type>.<issuer>.` and the check over type‖issuer — checked once, so that
/// the identifiers of many certificates of that type by that issuer (a bulk verification
/// report: every line by the same signer and qualification) are made by checking only their
/// serial and version. A stem exists only with a valid type code and issuer
/// ([`IdentifierStem::new`] checks the type code; a [`Uscc`] is checked when parsed), so an
/// identifier made from one is as checked as [`ElicenceId::mint`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentifierStem {
    type_code: String,
    issuer: Uscc,
    /// `1.2.156.3005.2.<type>.<issuer>.`
    head: String,
    /// The check folded over type‖issuer.
    check: Mod37_36,
}

impl IdentifierStem {
    /// The stem for licence type `type_code` (21 characters: ministry USCC and 3 digits) and
    /// issuer `issuer`; the type code is checked as [`ElicenceId::mint`] checks it.
    pub fn new(type_code: &str, issuer: &Uscc) -> Result<Self, ModelError> {
        check_type_code(type_code)?;
        Ok(IdentifierStem {
            type_code: type_code.to_owned(),
            issuer: issuer.clone(),
            head: format!("{PREFIX}{type_code}.{issuer}."),
            check: Mod37_36::new()
                .add(type_code.as_bytes())
                .add(issuer.as_str().as_bytes()),
        })
    }

    /// The licence-type code (21 characters).
    pub fn type_code(&self) -> &str {
        &self.type_code
    }

    /// The issuer's unified social credit code.
    pub fn issuer(&self) -> &Uscc {
        &self.issuer
    }

    /// The identifier with the issuer's `serial` (1..=32 of 0-9 A-Z) and `version`
    /// (1..=999): equal to [`ElicenceId::mint`] of the stem's type code and issuer.
    pub fn mint(&self, serial: &str, version: u16) -> Result<ElicenceId, ModelError> {
        check_serial(serial)?;
        check_version(version)?;
        Ok(ElicenceId {
            type_code: self.type_code.clone(),
            issuer: self.issuer.clone(),
            serial: serial.to_owned(),
            version,
        })
    }

    /// The dotted form of [`IdentifierStem::mint`]`(serial, version)`, checked the same way,
    /// for writing straight into a report (no identifier built, nothing allocated).
    pub fn show<'a>(&'a self, serial: &'a str, version: u16) -> Result<StemmedId<'a>, ModelError> {
        check_serial(serial)?;
        check_version(version)?;
        Ok(StemmedId {
            stem: self,
            serial,
            version,
        })
    }
}

/// An identifier of an [`IdentifierStem`] whose serial and version are checked
/// ([`IdentifierStem::show`]); displays as the [`ElicenceId`] would.
#[derive(Clone, Copy, Debug)]
pub struct StemmedId<'a> {
    stem: &'a IdentifierStem,
    serial: &'a str,
    version: u16,
}

impl StemmedId<'_> {
    /// The version's three digits and the check character.
    fn tail(&self) -> ([u8; 3], char) {
        let digits = version_digits(self.version);
        let check = self.stem.check.add(self.serial.as_bytes()).add(&digits);
        (digits, check.check())
    }

    /// Appends the dotted form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let (digits, check) = self.tail();
        out.extend_from_slice(self.stem.head.as_bytes());
        out.extend_from_slice(self.serial.as_bytes());
        out.push(b'.');
        out.extend_from_slice(&digits);
        out.push(b'.');
        let mut buf = [0u8; 4];
        out.extend_from_slice(check.encode_utf8(&mut buf).as_bytes());
    }
}

impl fmt::Display for StemmedId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let (digits, check) = self.tail();
        f.write_str(&self.stem.head)?;
        f.write_str(self.serial)?;
        f.write_char('.')?;
        for d in digits {
            f.write_char(char::from(d))?;
        }
        f.write_char('.')?;
        f.write_char(check)
    }
}

impl fmt::Display for ElicenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}{}.{}.{}.{:03}.{}",
            self.type_code,
            self.issuer,
            self.serial,
            self.version,
            self.check_char()
        )
    }
}

impl FromStr for ElicenceId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ElicenceId::parse(s)
    }
}

serde_as_string!(ElicenceId, "an e-licence identifier");

/// What kind of code [`classify`] took a string for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentifierKind {
    /// A national e-licence identifier (GB/T 36904).
    Elicence,
    /// A resident ID number (GB 11643).
    ResidentId,
    /// A unified social credit code (GB 32100).
    Uscc,
    /// None of the above.
    Unknown,
}

impl IdentifierKind {
    /// A short English name for reports.
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Elicence => "e-licence identifier",
            IdentifierKind::ResidentId => "resident id number",
            IdentifierKind::Uscc => "unified social credit code",
            IdentifierKind::Unknown => "unknown",
        }
    }
}

/// The outcome of [`classify`]: the kind of code recognised and whether it is well-formed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The kind the string was taken for.
    pub kind: IdentifierKind,
    /// `Ok` if the string is a well-formed code of that kind, else the broken rule.
    pub result: Result<(), ModelError>,
}

/// Recognises `s` as an e-licence identifier, a resident ID number or a unified social credit
/// code and checks it. Something dotted is taken for an e-licence identifier; an 18-character
/// string for whichever of the other two it passes (a resident ID number if both), and if it
/// passes neither, for a resident ID number when it is all digits (but a final X), else for a
/// unified social credit code.
pub fn classify(s: &str) -> Classification {
    let s = s.trim();
    if s.contains('.') {
        return Classification {
            kind: IdentifierKind::Elicence,
            result: ElicenceId::parse(s).map(drop),
        };
    }
    if s.chars().count() != 18 {
        return Classification {
            kind: IdentifierKind::Unknown,
            result: Err(ModelError::field(
                "identifier",
                format!(
                    "{} characters and no dots: not an e-licence identifier (dotted), \
                     resident id number or unified social credit code (18 characters)",
                    s.chars().count()
                ),
            )),
        };
    }
    let id = ResidentId::parse(s).map(drop);
    if id.is_ok() {
        return Classification {
            kind: IdentifierKind::ResidentId,
            result: id,
        };
    }
    let uscc = Uscc::parse(s).map(drop);
    let id_like = s
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || (i == 17 && matches!(c, 'X' | 'x')));
    if uscc.is_ok() || !id_like {
        Classification {
            kind: IdentifierKind::Uscc,
            result: uscc,
        }
    } else {
        Classification {
            kind: IdentifierKind::ResidentId,
            result: id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mod37_36;

    /// One step of ISO/IEC 7064 MOD 37,36 as the standard writes it (two remainders).
    fn step(p: u32, c: u8) -> u32 {
        let a = char::from(c).to_digit(36).unwrap_or(0);
        let s = match (p + a) % 36 {
            0 => 36,
            s => s,
        };
        (s * 2) % 37
    }

    #[test]
    fn each_step_is_the_standards_for_every_state_and_byte() {
        for p in 1..=36 {
            for c in 0..=u8::MAX {
                assert_eq!(Mod37_36(p).add(&[c]).0, step(p, c), "state {p}, byte {c}");
            }
        }
        let text = b"1210000040001039812100000400010398P20240100001538001";
        let want = text.iter().fold(36, |p, &c| step(p, c));
        assert_eq!(Mod37_36::new().add(text).0, want);
    }
}
