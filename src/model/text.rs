//! Character rules for the certificate's free-text fields: what each may hold, and the few
//! look-alike characters that record input normalises. The rules are the contract of
//! `specs/records.md` ("Text fields"); this module owns them and nothing else (lengths and
//! the other rules of a field stay in `certificate.rs` / `catalogue.rs`).
//!
//! Every text field reaches a certificate face, a CSV report or a web page, so each is an
//! allowlist: characters a real value needs, nothing a spreadsheet or a browser interprets
//! (`= + - @` at the start of a cell, `| < > & "` …), no control, invisible or bidirectional
//! formatting characters, no private-use code points. Error rules name the character by
//! position and code point and never echo a non-printing character.
//!
//! Hand-written: the checks are allowlists over a few Unicode blocks, so no Unicode database
//! crate is needed (none is in the dependency tree, and certseal's core stays lean). Blocks
//! are taken whole, so a code point not yet assigned inside a CJK ideograph block passes.

use std::borrow::Cow;

use super::ModelError;

/// A free-text field of the certificate model, with its character rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextField {
    /// `holder.name`: a Chinese-script name (Han characters, parts joined by `·` U+00B7) or a
    /// Latin-script name (A–Z, a–z; words joined by one space, `-` or `'`).
    HolderName,
    /// `management.number`: ASCII letters, digits and `-`, starting and ending with a letter
    /// or digit.
    ManagementNumber,
    /// `remarks.scope`: prose (see [`TextField::check`]).
    Scope,
    /// `remarks.changes[].field`: a field name such as `holder.name` or `姓名`.
    ChangeField,
    /// `remarks.changes[].old` / `.new`: prose, and `*` for masked characters (the registry
    /// records an ID-number change with all but the last four characters masked).
    ChangeValue,
    /// A display name of the qualification catalogue (qualification, level, specialty,
    /// English name): prose.
    CatalogueName,
}

impl TextField {
    /// The dotted field name used in errors.
    pub const fn field(self) -> &'static str {
        match self {
            TextField::HolderName => "holder.name",
            TextField::ManagementNumber => "management.number",
            TextField::Scope => "remarks.scope",
            TextField::ChangeField | TextField::ChangeValue => "remarks.changes",
            TextField::CatalogueName => "catalogue name",
        }
    }

    /// The form record input is brought to before it is checked: for a holder name,
    /// full-width Latin letters (`Ａ`) become ASCII, the ideographic space becomes a space,
    /// hyphen and apostrophe look-alikes (`‐ ‑ ‒ – − －`, `‘ ’ ʼ ＇`) become `-` and `'`, and
    /// in a name with a Han character the middle-dot look-alikes that real data carries
    /// (`. · • ‧ ∙ ⋅ ⸱ ・ ． ･`) become `·` U+00B7. Other fields are returned unchanged.
    /// Nothing is removed or reordered: a name that breaks a rule after this still fails.
    pub fn normalise(self, s: &str) -> Cow<'_, str> {
        if self != TextField::HolderName || s.chars().all(|c| map_name_char(c, true) == c) {
            return Cow::Borrowed(s);
        }
        let han = s.chars().any(is_han);
        Cow::Owned(s.chars().map(|c| map_name_char(c, han)).collect())
    }

    /// Checks `s` against the field's character rule (not its length).
    ///
    /// Prose ([`Scope`](TextField::Scope), [`ChangeValue`](TextField::ChangeValue),
    /// [`CatalogueName`](TextField::CatalogueName)) may hold Han characters, ASCII letters and
    /// digits, full-width letters and digits, single spaces between other characters, and the
    /// punctuation `, . ; : ! ? ( ) / - % ~ ·` and `、。，；：！？（）《》〈〉【】「」『』“”‘’—…～／％`;
    /// it may not start with `-`.
    pub fn check(self, s: &str) -> Result<(), ModelError> {
        match self {
            TextField::HolderName => holder_name(s),
            TextField::ManagementNumber => management_number(s),
            TextField::ChangeField => change_field(s),
            TextField::Scope | TextField::CatalogueName => prose(s, false),
            TextField::ChangeValue => prose(s, true),
        }
        .map_err(|rule| ModelError::field(self.field(), rule))
    }
}

/// `c` with the name normalisation applied; `han`: the name has a Han character.
fn map_name_char(c: char, han: bool) -> char {
    match c {
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(u32::from(c).saturating_sub(0xfee0)).unwrap_or(c)
        }
        '\u{3000}' => ' ',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' | '\u{ff0d}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{02bc}' | '\u{ff07}' => '\'',
        c if han && is_dot_look_alike(c) => '·',
        c => c,
    }
}

/// Characters real data carries in place of the name separator `·` U+00B7: ASCII full stop,
/// Greek ano teleia (canonically equal to U+00B7), bullet, hyphenation point (Big5's middle
/// dot), bullet operator, dot operator, word separator middle dot, katakana middle dot (some
/// GB 2312 converters), full-width full stop, half-width katakana middle dot.
fn is_dot_look_alike(c: char) -> bool {
    matches!(
        c,
        '.' | '\u{0387}'
            | '\u{2022}'
            | '\u{2027}'
            | '\u{2219}'
            | '\u{22c5}'
            | '\u{2e31}'
            | '\u{30fb}'
            | '\u{ff0e}'
            | '\u{ff65}'
    )
}

/// A CJK unified ideograph (the basic block, extensions A–I), `〇` U+3007, or one of the twelve
/// unified ideographs inside the compatibility block.
pub(crate) fn is_han(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3007
            | 0x3400..=0x4dbf
            | 0x4e00..=0x9fff
            | 0x20000..=0x2a6df
            | 0x2a700..=0x2ee5f
            | 0x30000..=0x323af
            | 0xfa0e
            | 0xfa0f
            | 0xfa11
            | 0xfa13
            | 0xfa14
            | 0xfa1f
            | 0xfa21
            | 0xfa23
            | 0xfa24
            | 0xfa27
            | 0xfa28
            | 0xfa29
    )
}

/// The first characters that make a spreadsheet run a cell as a formula (OWASP's list).
fn is_formula_prefix(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// `'x' (U+0078)` for a printing character, `U+0007` for anything that does not print.
fn show(c: char) -> String {
    let code = u32::from(c);
    if c.is_control() || is_invisible(c) || is_private_use(c) {
        format!("U+{code:04X}")
    } else {
        format!("'{c}' (U+{code:04X})")
    }
}

/// Format characters and other code points that print as nothing (or reorder text).
fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00ad
            | 0x034f
            | 0x061c
            | 0x115f
            | 0x1160
            | 0x17b4
            | 0x17b5
            | 0x180b..=0x180f
            | 0x200b..=0x200f
            | 0x2028..=0x202e
            | 0x2060..=0x206f
            | 0x3164
            | 0xfe00..=0xfe0f
            | 0xfeff
            | 0xffa0
            | 0xfff0..=0xfffb
            | 0x1d173..=0x1d17a
            | 0xe0000..=0xe0fff
    )
}

fn is_private_use(c: char) -> bool {
    matches!(u32::from(c), 0xe000..=0xf8ff | 0xf0000..=0x10ffff)
}

/// What `c` is, for a rule that refuses it.
fn class(c: char) -> &'static str {
    let code = u32::from(c);
    if c.is_control() {
        "a control character"
    } else if is_invisible(c) {
        "an invisible formatting character"
    } else if is_private_use(c) {
        "a private-use character (encode rare characters as CJK extension ideographs)"
    } else if c.is_numeric() {
        "a digit"
    } else if matches!(code, 0x2e80..=0x2fdf) {
        "a radical, not an ideograph (use the ideograph)"
    } else if matches!(code, 0xf900..=0xfaff | 0x2f800..=0x2fa1f) {
        "a compatibility ideograph (use its unified form)"
    } else if matches!(
        c,
        '=' | '+' | '-' | '@' | '|' | '<' | '>' | '&' | '"' | '`' | '\\'
    ) {
        "a character spreadsheets or web pages interpret"
    } else if matches!(code, 0x00c0..=0x024f | 0x1e00..=0x1eff) && c.is_alphabetic() {
        "a Latin letter outside A–Z"
    } else if c.is_alphabetic() {
        "a letter of another script"
    } else {
        "a symbol"
    }
}

#[cold]
fn refused(i: usize, c: char, expected: &str) -> String {
    format!(
        "character {} is {}, {}; expected {expected}",
        i + 1,
        show(c),
        class(c)
    )
}

#[cold]
fn formula(c: char) -> String {
    format!("starts with {}, a spreadsheet formula prefix", show(c))
}

/// The rule of `holder.name` (after normalisation).
fn holder_name(s: &str) -> Result<(), String> {
    const EXPECTED: &str =
        "a Han character, '·' or a Latin letter A–Z (as the passport's machine-readable zone \
         writes it)";
    let chars: Vec<char> = s.chars().collect();
    if let Some(&c) = chars.first().filter(|c| is_formula_prefix(**c)) {
        return Err(formula(c));
    }
    let mut han: Option<(usize, char)> = None;
    let mut latin: Option<(usize, char)> = None;
    for (i, &c) in chars.iter().enumerate() {
        if is_han(c) {
            han.get_or_insert((i, c));
        } else if c.is_ascii_alphabetic() {
            latin.get_or_insert((i, c));
        } else if !matches!(c, '·' | ' ' | '-' | '\'') {
            return Err(refused(i, c, EXPECTED));
        }
    }
    if let (Some((hi, hc)), Some((li, lc))) = (han, latin) {
        return Err(format!(
            "mixes Han characters and Latin letters ({} at character {}, {} at character {}): \
             a name is written in one script",
            show(hc),
            hi + 1,
            show(lc),
            li + 1
        ));
    }
    let is_letter: fn(char) -> bool = if han.is_some() {
        is_han
    } else {
        |c: char| c.is_ascii_alphabetic()
    };
    for (i, &c) in chars.iter().enumerate() {
        if is_letter(c) {
            continue;
        }
        if han.is_some() && c != '·' {
            return Err(format!(
                "character {} is {}: a Chinese-script name has only Han characters, its parts \
                 joined by '·' (U+00B7), without spaces",
                i + 1,
                show(c)
            ));
        }
        if han.is_none() && c == '·' && latin.is_some() {
            return Err(format!(
                "character {} is {}: a Latin-script name joins its words with a space, '-' or \
                 '''",
                i + 1,
                show(c)
            ));
        }
        let between = i > 0
            && chars.get(i - 1).is_some_and(|&p| is_letter(p))
            && chars.get(i + 1).is_some_and(|&n| is_letter(n));
        if !between {
            return Err(format!(
                "{} at character {} must sit between two letters of the name",
                show(c),
                i + 1
            ));
        }
    }
    Ok(())
}

/// The rule of `management.number`.
fn management_number(s: &str) -> Result<(), String> {
    let expected = "an ASCII letter, digit or '-'";
    for (i, c) in s.chars().enumerate() {
        if !(c.is_ascii_alphanumeric() || c == '-') {
            return Err(refused(i, c, expected));
        }
    }
    match (s.chars().next(), s.chars().last()) {
        (Some(c), _) if !c.is_ascii_alphanumeric() => Err(formula(c)),
        (_, Some(c)) if !c.is_ascii_alphanumeric() => {
            Err(format!("ends with {}, expected a letter or digit", show(c)))
        }
        _ => Ok(()),
    }
}

/// The rule of `remarks.changes[].field`.
fn change_field(s: &str) -> Result<(), String> {
    let mut chars = s.chars().enumerate();
    if let Some((i, c)) = chars.next() {
        if !(is_han(c) || c.is_ascii_alphabetic()) {
            return Err(refused(i, c, "a field name starting with a letter"));
        }
    }
    for (i, c) in chars {
        if !(is_han(c) || c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            return Err(refused(
                i,
                c,
                "a field name of Han characters, ASCII letters, digits, '.' and '_'",
            ));
        }
    }
    Ok(())
}

/// Punctuation prose may hold.
fn is_prose_punctuation(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '('
            | ')'
            | '/'
            | '-'
            | '%'
            | '~'
            | '·'
            | '、'
            | '。'
            | '，'
            | '；'
            | '：'
            | '！'
            | '？'
            | '（'
            | '）'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '【'
            | '】'
            | '「'
            | '」'
            | '『'
            | '』'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '—'
            | '…'
            | '～'
            | '／'
            | '％'
    )
}

/// The rule of prose fields (scope, change values, catalogue names).
/// `masking`: `*` is allowed as a masked character.
fn prose(s: &str, masking: bool) -> Result<(), String> {
    const EXPECTED: &str = "Han characters, letters, digits, single spaces or common punctuation";
    let chars: Vec<char> = s.chars().collect();
    if let Some(&c) = chars.first().filter(|c| is_formula_prefix(**c)) {
        return Err(formula(c));
    }
    for (i, &c) in chars.iter().enumerate() {
        let ok = is_han(c)
            || c.is_ascii_alphanumeric()
            || matches!(c, 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９')
            || is_prose_punctuation(c)
            || (masking && c == '*');
        if ok {
            continue;
        }
        if c == ' ' {
            let first_or_last = i == 0 || i + 1 == chars.len();
            let doubled = chars.get(i + 1) == Some(&' ');
            if !first_or_last && !doubled {
                continue;
            }
            return Err(format!(
                "space at character {}: no leading, trailing or doubled spaces",
                i + 1
            ));
        }
        return Err(refused(i, c, EXPECTED));
    }
    Ok(())
}
