//! Unified social credit codes (统一社会信用代码, GB 32100): 18 characters over
//! `0123456789ABCDEFGHJKLMNPQRTUWXY`, the last a check character.

use std::fmt;
use std::str::FromStr;

use super::date::serde_as_string;
use super::ModelError;

/// The GB 32100 alphabet; a character's value is its position.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the first 17 characters.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code whose alphabet and check character have been verified.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uscc(String);

#[cold]
fn err(rule: impl Into<String>) -> ModelError {
    ModelError::Uscc { rule: rule.into() }
}

/// The value of `c` in the GB 32100 alphabet.
fn value(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Normalises `s` to upper case and checks its length and alphabet; returns its values.
fn values(s: &str, len: usize) -> Result<Vec<u8>, ModelError> {
    let count = s.chars().count();
    if count != len {
        return Err(err(format!("length is {count} characters, expected {len}")));
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            let up = c.to_ascii_uppercase();
            u8::try_from(up)
                .ok()
                .filter(|b| value(*b).is_some())
                .ok_or_else(|| {
                    err(format!(
                        "character {} is {c:?}, not in the GB 32100 alphabet \
                         (0-9, A-Y without I O S V Z)",
                        i + 1
                    ))
                })
        })
        .collect()
}

/// The check character for the 17 characters `first17` (all in the alphabet).
fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value(c).unwrap_or(0) * w)
        .sum();
    let v = (31 - sum % 31) % 31;
    usize::try_from(v)
        .ok()
        .and_then(|i| ALPHABET.get(i))
        .map_or('0', |&b| char::from(b))
}

impl Uscc {
    /// Parses an 18-character code (lower-case letters are accepted and upper-cased) and
    /// verifies its check character.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let bytes = values(s, 18)?;
        let (first17, last) = bytes.split_at(17);
        let expected = check_char(first17);
        let got = last.first().map_or('?', |&b| char::from(b));
        if got != expected {
            return Err(err(format!(
                "check character is {got}, expected {expected}"
            )));
        }
        Ok(Uscc(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Completes the 17 characters `first17` with their check character.
    pub fn with_check(first17: &str) -> Result<Self, ModelError> {
        let mut bytes = values(first17, 17)?;
        let check = check_char(&bytes);
        bytes.extend(u8::try_from(check).ok());
        Ok(Uscc(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// The code, 18 upper-case characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

serde_as_string!(Uscc, "a unified social credit code");
