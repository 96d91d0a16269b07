//! Lower-case hex, for kids and digests in JSON, certificate serials and test vectors: the
//! one hex encoder of the crate. Hand-written because it is ten lines.

use super::{CodecError, HexError};

/// Encodes bytes as lower-case hex.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Decodes hex (either case; ASCII whitespace ignored).
pub fn decode(text: &str) -> Result<Vec<u8>, CodecError> {
    let mut digits = Vec::with_capacity(text.len());
    for (position, byte) in text.bytes().enumerate() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        let value = nibble(byte).ok_or(CodecError::Hex(HexError::NotADigit { position, byte }))?;
        digits.push(value);
    }
    if digits.len() % 2 != 0 {
        return Err(CodecError::Hex(HexError::OddLength { len: digits.len() }));
    }
    Ok(digits
        .chunks_exact(2)
        .map(|pair| pair.iter().fold(0u8, |acc, d| (acc << 4) | d))
        .collect())
}

fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// 64 hex digits to 32 bytes, at compile time (curve constants). Panics — a compile error in a
/// `const` — on anything else; never call it on outside data.
pub(crate) const fn decode_32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64, "need 64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_either_case_with_spaces() {
        let bytes = [0x00, 0x7f, 0x80, 0xab, 0xff];
        assert_eq!(encode(&bytes), "007f80abff");
        assert_eq!(decode("00 7F 80\nAB ff").unwrap(), bytes);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn rejects_odd_length_and_non_digits_with_their_values() {
        assert_eq!(
            decode("abc"),
            Err(CodecError::Hex(HexError::OddLength { len: 3 }))
        );
        assert_eq!(
            decode("ab g0"),
            Err(CodecError::Hex(HexError::NotADigit {
                position: 3,
                byte: b'g'
            }))
        );
    }
}
