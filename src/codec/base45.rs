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

/// Appends the base45 encoding of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(encoded_len(bytes.len()));
    let mut pairs = bytes.chunks_exact(2);
    for pair in &mut pairs {
        let n = u32::from(pair[0]) << 8 | u32::from(pair[1]);
        push_digits(out, n, 3);
    }
    if let [last] = pairs.remainder() {
        push_digits(out, u32::from(*last), 2);
    }
}

fn push_digits(out: &mut String, mut n: u32, count: usize) {
    for _ in 0..count {
        // n % 45 < 45, so the index is in bounds.
        out.push(char::from(ALPHABET[(n % 45) as usize]));
        n /= 45;
    }
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

    #[test]
    fn round_trips_every_byte_pair_boundary() {
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for n in 0..data.len() {
            assert_eq!(decode(&encode(&data[..n])).unwrap(), &data[..n]);
        }
    }
}
