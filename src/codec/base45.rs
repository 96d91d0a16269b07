//! Base45 (RFC 9285): bytes as QR-alphanumeric text. Two bytes become three characters, a
//! trailing byte two. Hand-written because it is forty lines, allocation-bounded, and on the
//! verification hot path where a table-driven decoder is measurably the cheapest step.

use super::{Base45Error, CodecError};

/// The base45 alphabet, in value order.
pub const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

const INVALID: u8 = 0xff;

const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 45 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Number of characters `n` bytes encode to.
pub const fn encoded_len(n: usize) -> usize {
    n / 2 * 3 + (n % 2) * 2
}

/// Byte pairs encoded into the stack buffer of [`encode_into`] before it is appended.
const BLOCK_PAIRS: usize = 64;

/// Appends the base45 encoding of `bytes` to `out`. The digits of up to 64 pairs
/// (`BLOCK_PAIRS`) are written into a stack buffer and appended at once (a `String::push` a
/// character cost a capacity check and a UTF-8 branch each: most of a QR payload's encoding
/// time).
pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(encoded_len(bytes.len()));
    let mut buf = [0u8; BLOCK_PAIRS * 3];
    for block in bytes.chunks(BLOCK_PAIRS * 2) {
        let mut pairs = block.chunks_exact(2);
        let mut len = 0;
        for (pair, digits) in (&mut pairs).zip(buf.chunks_exact_mut(3)) {
            if let ([a, b], [d0, d1, d2]) = (pair, digits) {
                let n = u32::from(*a) << 8 | u32::from(*b);
                *d0 = digit(n);
                *d1 = digit(n / 45);
                *d2 = digit(n / (45 * 45));
                len += 3;
            }
        }
        // An odd block is the last one: fewer than BLOCK_PAIRS pairs, so two digits fit.
        if let ([last], Some([d0, d1])) = (pairs.remainder(), buf.get_mut(len..len + 2)) {
            let n = u32::from(*last);
            *d0 = digit(n);
            *d1 = digit(n / 45);
            len += 2;
        }
        let digits = buf.get(..len).unwrap_or_default();
        // Every digit is an ASCII byte of ALPHABET, so this is valid UTF-8.
        match std::str::from_utf8(digits) {
            Ok(text) => out.push_str(text),
            Err(_) => out.extend(digits.iter().map(|&d| char::from(d))),
        }
    }
}

/// The base45 digit of `n % 45`.
fn digit(n: u32) -> u8 {
    // n % 45 < 45, so the index is in bounds.
    ALPHABET[(n % 45) as usize]
}

/// Encodes `bytes` as base45 text.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    encode_into(bytes, &mut out);
    out
}

/// Decodes base45 `text`, appending the bytes to `out`.
pub fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
    if text.len() % 3 == 1 {
        return Err(CodecError::Base45(Base45Error::DanglingCharacter));
    }
    out.reserve(text.len() / 3 * 2 + 1);
    let value = |position: usize, byte: u8| -> Result<u32, CodecError> {
        match DECODE[usize::from(byte)] {
            INVALID => Err(CodecError::Base45(Base45Error::InvalidCharacter {
                position,
                byte,
            })),
            v => Ok(u32::from(v)),
        }
    };
    let mut groups = text.chunks_exact(3);
    let mut position = 0usize;
    for g in &mut groups {
        let n = value(position, g[0])?
            + value(position + 1, g[1])? * 45
            + value(position + 2, g[2])? * 2025;
        if n > 0xffff {
            return Err(CodecError::Base45(Base45Error::GroupOverflow { position }));
        }
        out.extend_from_slice(&[(n >> 8) as u8, n as u8]);
        position += 3;
    }
    if let [c, d] = groups.remainder() {
        let n = value(position, *c)? + value(position + 1, *d)? * 45;
        if n > 0xff {
            return Err(CodecError::Base45(Base45Error::GroupOverflow { position }));
        }
        out.push(n as u8);
    }
    Ok(())
}

/// Decodes base45 `text`.
pub fn decode(text: &str) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    decode_into(text.as_bytes(), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_rfc9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(encode(b"ietf!"), "QED8WEX0");
    }

    #[test]
    fn decodes_rfc9285_example() {
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn rejects_group_over_65535() {
        assert_eq!(
            decode("GGW"),
            Err(CodecError::Base45(Base45Error::GroupOverflow {
                position: 0
            }))
        );
        // ":::" = 44 + 44*45 + 44*2025 = 91124
        assert!(decode(":::").is_err());
    }

    #[test]
    fn rejects_trailing_pair_over_255() {
        assert!(decode("::").is_err());
    }

    #[test]
    fn rejects_dangling_character() {
        assert_eq!(
            decode("QED8"),
            Err(CodecError::Base45(Base45Error::DanglingCharacter))
        );
    }

    #[test]
    fn rejects_lowercase_character() {
        assert_eq!(
            decode("qED"),
            Err(CodecError::Base45(Base45Error::InvalidCharacter {
                position: 0,
                byte: b'q'
            }))
        );
    }

    /// The block encoder against the RFC's definition digit by digit, at every length around
    /// the block boundaries (an odd last byte in a full block, a block and one byte, …).
    #[test]
    fn block_encoding_matches_the_digit_by_digit_definition() {
        fn reference(bytes: &[u8]) -> String {
            let mut out = String::new();
            let mut push = |mut n: u32, count: usize| {
                for _ in 0..count {
                    out.push(char::from(ALPHABET[(n % 45) as usize]));
                    n /= 45;
                }
            };
            for pair in bytes.chunks(2) {
                match pair {
                    [a, b] => push(u32::from(*a) << 8 | u32::from(*b), 3),
                    [a] => push(u32::from(*a), 2),
                    _ => {}
                }
            }
            out
        }
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .chain([0xff; 8])
            .collect();
        for n in (0..=400).chain([511, 512, 513, 999, 1000, 1007, 1008]) {
            let bytes = &data[..n];
            let mut out = String::from("prefix");
            encode_into(bytes, &mut out);
            assert_eq!(out, format!("prefix{}", reference(bytes)), "{n} bytes");
            assert_eq!(out.len() - 6, encoded_len(n), "{n} bytes");
        }
    }

    #[test]
    fn round_trips_every_byte_pair_boundary() {
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for n in 0..data.len() {
            assert_eq!(decode(&encode(&data[..n])).unwrap(), &data[..n]);
        }
    }
}
