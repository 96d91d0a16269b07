//! The qualification catalogue: the professional qualifications certseal issues certificates
//! for, with their levels, specialties and GB/T 36904 licence-type codes. The built-in one is
//! `data/catalogue.tsv`, compiled in and parsed once.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Serialize;

use super::identifier::check_type_code;
use super::{decimal, ModelError, TextField};

/// The shipped catalogue text.
const BUILTIN: &str = include_str!("../../data/catalogue.tsv");

/// A qualification level (e.g. `1:一级`; `0:不分级` for a qualification without levels).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Code, unique within the qualification.
    pub code: u8,
    /// Display name in simplified Chinese.
    pub name: String,
}

/// A specialty (专业) within a qualification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Specialty {
    /// Code, unique within the qualification.
    pub code: u16,
    /// Display name in simplified Chinese.
    pub name: String,
}

/// One qualification of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Qualification {
    /// Stable numeric code.
    pub code: u16,
    /// Name in simplified Chinese.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Levels; at least one.
    pub levels: Vec<Level>,
    /// Specialties; empty when the qualification has none.
    pub specialties: Vec<Specialty>,
    /// GB/T 36904 licence-type code (21 characters: ministry USCC and 3 digits).
    pub licence_type: String,
    /// Whether certificates of this qualification carry a validity period.
    pub expires: bool,
}

impl Qualification {
    /// The level with code `code`.
    pub fn level(&self, code: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.code == code)
    }

    /// The specialty with code `code`.
    pub fn specialty(&self, code: u16) -> Option<&Specialty> {
        self.specialties.iter().find(|s| s.code == code)
    }
}

/// A qualification catalogue, sorted by code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Catalogue {
    entries: Vec<Qualification>,
}

/// Most characters in a display name of the catalogue.
const MAX_DISPLAY_NAME: usize = 100;

/// Checks a display name (it reaches certificate faces and web pages): prose of at most
/// [`MAX_DISPLAY_NAME`] characters.
fn display_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n > MAX_DISPLAY_NAME {
        return Err(format!("{n} characters, at most {MAX_DISPLAY_NAME}"));
    }
    TextField::CatalogueName.check(name).map_err(|e| e.rule())
}

/// Parses a `code:name,code:name` list; `what` names the column in errors.
fn code_list<T: TryFrom<u32>>(
    text: &str,
    what: &str,
    line: usize,
) -> Result<Vec<(T, String)>, ModelError> {
    let err = |rule: String| ModelError::Catalogue { line, rule };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in text.split(',').filter(|s| !s.is_empty()) {
        let (code, name) = item
            .split_once(':')
            .ok_or_else(|| err(format!("{what} {item:?} is not code:name")))?;
        let number =
            decimal(code).ok_or_else(|| err(format!("{what} code {code:?} is not a number")))?;
        let value = T::try_from(number)
            .map_err(|_| err(format!("{what} code {number} is out of range")))?;
        if name.trim().is_empty() {
            return Err(err(format!("{what} {number} has no name")));
        }
        display_name(name).map_err(|rule| err(format!("{what} {number} name: {rule}")))?;
        if !seen.insert(number) {
            return Err(err(format!("{what} code {number} appears twice")));
        }
        out.push((value, name.to_owned()));
    }
    Ok(out)
}

fn parse_line(text: &str, line: usize) -> Result<Qualification, ModelError> {
    let err = |rule: String| ModelError::Catalogue { line, rule };
    let cols: Vec<&str> = text.split('\t').collect();
    let [code, name, name_en, levels, specialties, licence_type, expires] = cols[..] else {
        return Err(err(format!(
            "{} tab-separated columns, expected 7",
            cols.len()
        )));
    };
    let code = decimal(code)
        .and_then(|c| u16::try_from(c).ok())
        .ok_or_else(|| err(format!("code {code:?} is not a number in 0..=65535")))?;
    if name.trim().is_empty() || name_en.trim().is_empty() {
        return Err(err(format!("qualification {code} has an empty name")));
    }
    display_name(name).map_err(|rule| err(format!("name: {rule}")))?;
    display_name(name_en).map_err(|rule| err(format!("name_en: {rule}")))?;
    let levels: Vec<Level> = code_list(levels, "level", line)?
        .into_iter()
        .map(|(code, name)| Level { code, name })
        .collect();
    if levels.is_empty() {
        return Err(err(format!(
            "qualification {code} has no level (use 0:不分级)"
        )));
    }
    let specialties = code_list(specialties, "specialty", line)?
        .into_iter()
        .map(|(code, name)| Specialty { code, name })
        .collect();
    check_type_code(licence_type).map_err(|e| err(format!("licence type: {}", e.rule())))?;
    let expires = match expires {
        "yes" => true,
        "no" => false,
        other => return Err(err(format!("expires is {other:?}, expected yes or no"))),
    };
    Ok(Qualification {
        code,
        name: name.to_owned(),
        name_en: name_en.to_owned(),
        levels,
        specialties,
        licence_type: licence_type.to_owned(),
        expires,
    })
}

impl Catalogue {
    /// The catalogue shipped with certseal (`data/catalogue.tsv`). A unit test guarantees it
    /// parses; were it ever broken, this would be empty rather than panic.
    pub fn builtin() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| Catalogue::parse(BUILTIN).unwrap_or_default())
    }

    /// Parses catalogue text: one qualification a line, 7 tab-separated columns (see
    /// `data/catalogue.tsv`); `#` comments and blank lines are skipped. Codes and
    /// licence-type codes must be unique.
    pub fn parse(text: &str) -> Result<Catalogue, ModelError> {
        let mut entries: Vec<Qualification> = Vec::new();
        let mut types = HashSet::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i.saturating_add(1);
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let q = parse_line(raw, line)?;
            if entries.iter().any(|e| e.code == q.code) {
                return Err(ModelError::Catalogue {
                    line,
                    rule: format!("code {} appears twice", q.code),
                });
            }
            if !types.insert(q.licence_type.clone()) {
                return Err(ModelError::Catalogue {
                    line,
                    rule: format!("licence type {} appears twice", q.licence_type),
                });
            }
            entries.push(q);
        }
        entries.sort_by_key(|q| q.code);
        Ok(Catalogue { entries })
    }

    /// The qualification with code `code`.
    pub fn get(&self, code: u16) -> Option<&Qualification> {
        self.entries
            .binary_search_by_key(&code, |q| q.code)
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// The qualifications in code order.
    pub fn iter(&self) -> std::slice::Iter<'_, Qualification> {
        self.entries.iter()
    }

    /// How many qualifications there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> IntoIterator for &'a Catalogue {
    type Item = &'a Qualification;
    type IntoIter = std::slice::Iter<'a, Qualification>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}
