//! JSON text written by hand into a byte buffer: byte for byte what `serde_json`'s compact
//! writer writes for the same values, without a serializer, a `String` per value or escaping of
//! keys and codes known to be plain. For the two writers that run once a record in bulk: the
//! bulk verification report (`verify::stream`, `CertificateView::write_json`) and the
//! registry's stored certificate text (`model::Certificate::write_json`). Their tests compare
//! them with `serde_json` byte for byte.

use std::fmt::Display;
use std::io::Write as _;

/// Whether `b` must be escaped inside a JSON string (`"`, `\`, C0 controls).
fn special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any byte of `bytes` is [`special`], eight at a time (one test a word: the three
/// byte tests' marks together). A word that seems to hold one only sends the string through
/// [`escape`], which copies plain bytes unchanged.
fn any_special(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or([0; 8]));
        let marks = super::swar::below_marks(x, 0x20)
            | super::swar::byte_marks(x, b'"')
            | super::swar::byte_marks(x, b'\\');
        if marks != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| special(b))
}

/// Appends `bytes` escaped as `serde_json` escapes a string's contents.
fn escape(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x00..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0x0f)]);
                continue;
            }
            _ => {
                out.push(b);
                continue;
            }
        };
        out.push(b'\\');
        out.push(short);
    }
}

/// A JSON string.
pub(crate) fn str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    str_contents(out, s);
    out.push(b'"');
}

/// A JSON string of text known to hold nothing to escape: this crate's own codes and
/// labels (algorithm names, status words, the Chinese labels of sex and issue kind; their
/// tests check it), written without a scan.
pub(crate) fn plain(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A JSON string's contents, without the quotes.
pub(crate) fn str_contents(out: &mut Vec<u8>, s: &str) {
    if any_special(s.as_bytes()) {
        escape(out, s.as_bytes());
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A JSON string, or `null`.
pub(crate) fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `value`'s `Display` text as a JSON string.
pub(crate) fn display(out: &mut Vec<u8>, value: &dyn Display) {
    out.push(b'"');
    let from = out.len();
    let _ = write!(out, "{value}");
    if any_special(out.get(from..).unwrap_or_default()) {
        let raw = out.split_off(from);
        escape(out, &raw);
    }
    out.push(b'"');
}

/// The decimal digits of `n`.
pub(crate) fn u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i = i.saturating_sub(1);
        if let Some(d) = buf.get_mut(i) {
            // n % 10 < 10: the cast cannot truncate.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// `n`'s last `out.len()` decimal digits, zero-padded, into `out` (ASCII): the fixed-width
/// fields of dates and times (`model::Date::ascii`, [`rfc3339`]).
pub(crate) fn digits(out: &mut [u8], mut n: u64) {
    for b in out.iter_mut().rev() {
        // n % 10 < 10: the cast cannot truncate.
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Unix seconds as `crate::time::rfc3339` writes them (`2026-11-30T03:13:23Z`; a time
/// outside the years 0000..=9999 as that function writes it).
pub(crate) fn rfc3339(out: &mut Vec<u8>, secs: i64) {
    let days = secs.div_euclid(crate::time::DAY);
    let rem = secs.rem_euclid(crate::time::DAY);
    match crate::time::civil_from_days(days) {
        Some((y, m, d)) if (0..=9999).contains(&y) => {
            // rem is in 0..86400 and y in 0..=9999: the conversions cannot fail. The text is
            // made on the stack and appended once.
            let rem = u64::try_from(rem).unwrap_or(0);
            let mut t = *b"0000-00-00T00:00:00Z";
            let fields = [
                (0..4, u64::try_from(y).unwrap_or(0)),
                (5..7, m.into()),
                (8..10, d.into()),
                (11..13, rem / 3600),
                (14..16, rem / 60 % 60),
                (17..19, rem % 60),
            ];
            for (at, n) in fields {
                if let Some(field) = t.get_mut(at) {
                    digits(field, n);
                }
            }
            out.extend_from_slice(&t);
        }
        _ => out.extend_from_slice(crate::time::rfc3339(secs).as_bytes()),
    }
}

/// A number, or `null`.
pub(crate) fn opt_u64(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => u64(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    //! The writers against `serde_json` and `crate::time::rfc3339` on every byte and on times
    //! across the years the fast path covers and outside them.
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every: Vec<u8> = (0u8..0x80).collect();
        for len in 0..every.len() {
            for start in [0usize, 0x1f, 0x20, 0x5b] {
                let bytes: Vec<u8> = every
                    .iter()
                    .cycle()
                    .skip(start)
                    .take(len)
                    .copied()
                    .collect();
                let s = String::from_utf8(bytes).unwrap();
                let text = format!("{s}王建国{s}");
                let mut out = Vec::new();
                str(&mut out, &text);
                assert_eq!(out, serde_json::to_vec(&text).unwrap(), "{text:?}");
            }
        }
    }

    #[test]
    fn rfc3339_is_the_time_modules_text() {
        let mut secs: Vec<i64> = vec![
            -62_167_219_201,
            -62_167_219_200,
            -1,
            0,
            1_790_000_000,
            253_402_300_799,
            253_402_300_800,
            i64::MIN,
            i64::MAX,
        ];
        secs.extend((0..2_000).map(|i: i64| i * 126_230_399 - 62_000_000_000));
        for t in secs {
            let mut out = Vec::new();
            rfc3339(&mut out, t);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                crate::time::rfc3339(t),
                "{t}"
            );
        }
    }
}
