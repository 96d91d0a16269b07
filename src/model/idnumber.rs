//! Resident ID numbers (公民身份号码, GB 11643): 6-digit region, 8-digit birth date, 3-digit
//! sequence (odd = male), check character ISO 7064 MOD 11-2.

use std::fmt;
use std::str::FromStr;

use super::certificate::Sex;
use super::date::serde_as_string;
use super::{Date, ModelError};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// A resident ID number whose format, birth date and check digit have been verified.
/// A lower-case `x` check character is normalised to `X`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidentId {
    number: String,
    birth: Date,
}

#[cold]
fn err(rule: impl Into<String>) -> ModelError {
    ModelError::ResidentId { rule: rule.into() }
}

impl ResidentId {
    /// Parses an 18-character resident ID number.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let count = s.chars().count();
        if count != 18 {
            return Err(err(format!("length is {count} characters, expected 18")));
        }
        let mut digits = [0u8; 18];
        for (i, (c, slot)) in s.chars().zip(digits.iter_mut()).enumerate() {
            *slot = match c {
                '0'..='9' => u8::try_from(c).map_err(|_| err("character did not convert"))?,
                'X' | 'x' if i == 17 => b'X',
                _ if i == 17 => {
                    return Err(err(format!(
                        "check character is {c:?}, expected a digit or X"
                    )))
                }
                _ => {
                    return Err(err(format!(
                        "character {} is {c:?}, expected a digit",
                        i + 1
                    )))
                }
            };
        }
        let number = String::from_utf8_lossy(&digits).into_owned();
        let (body, check) = digits.split_at(17);
        let birth_text = number.get(6..14).unwrap_or_default();
        let field = |r: std::ops::Range<usize>| {
            number
                .get(r)
                .and_then(|t| t.parse::<u16>().ok())
                .unwrap_or(0)
        };
        let (year, month, day) = (field(6..10), field(10..12), field(12..14));
        let birth = Date::new(
            year,
            u8::try_from(month).unwrap_or(0),
            u8::try_from(day).unwrap_or(0),
        )
        .map_err(|e| err(format!("birth date {birth_text}: {}", e.rule())))?;
        let sum: u32 = body
            .iter()
            .zip(WEIGHTS)
            .map(|(&d, w)| char::from(d).to_digit(10).unwrap_or(0) * w)
            .sum();
        let expected = usize::try_from(sum % 11)
            .ok()
            .and_then(|i| CHECK.get(i))
            .map_or('?', |&b| char::from(b));
        let got = check.first().map_or('?', |&b| char::from(b));
        if got != expected {
            return Err(err(format!("check digit is {got}, expected {expected}")));
        }
        Ok(ResidentId { number, birth })
    }

    /// The number, 18 characters with an upper-case `X` if any.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The birth date inside the number (characters 7–14).
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// The sex the sequence number encodes: odd is male, even female.
    pub fn sex(&self) -> Sex {
        let odd = self
            .number
            .as_bytes()
            .get(16)
            .and_then(|&d| char::from(d).to_digit(10))
            .is_some_and(|d| d % 2 == 1);
        if odd {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The last four characters.
    pub fn last4(&self) -> &str {
        self.number.get(14..).unwrap_or_default()
    }

    /// The number with all but the last four characters masked: `**************123X`.
    pub fn masked(&self) -> String {
        format!("{ID_MASK}{}", self.last4())
    }
}

/// What stands for the masked part of an ID number wherever one is shown (views, reports,
/// lookups): fourteen `*`, then the last four characters carried.
pub(crate) const ID_MASK: &str = "**************";

/// Shows the masked form only, so that a number does not leak into logs.
impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl FromStr for ResidentId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResidentId::parse(s)
    }
}

serde_as_string!(ResidentId, "an 18-character resident ID number");
