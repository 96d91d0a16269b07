//! Wire codecs: CBOR (RFC 8949), base45 (RFC 9285), zlib inflation with a size bound, the
//! text form of a QR payload, and the hand-written JSON of the two writers that run once a
//! record in bulk (`json`). No crypto and no model: this module turns bytes into bytes or
//! into [`cbor::Value`]s, bounding everything it reads.

pub mod base45;
pub mod cbor;
pub mod hex;
pub(crate) mod json;
pub(crate) mod swar;
pub mod zlib;

use std::fmt;

/// Errors of the codec layer. Each names the step and carries the offending position or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The text does not start with the expected prefix.
    #[error("prefix: got {got:?}, expected {expected:?}")]
    Prefix {
        /// The first characters of the text (at most 8).
        got: String,
        /// The prefix that was expected.
        expected: String,
    },
    /// The input is longer than the bound for this step.
    #[error("{step}: input of {len} bytes exceeds the limit of {max}")]
    TooLong {
        /// The step that refused the input.
        step: &'static str,
        /// The input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Base45 text was malformed.
    #[error("base45: {0}")]
    Base45(Base45Error),
    /// Zlib data was malformed or inflated past its bound.
    #[error("zlib: {0}")]
    Zlib(String),
    /// CBOR data was malformed or out of bounds.
    #[error("cbor at byte {offset}: {kind}")]
    Cbor {
        /// Byte offset of the item that failed.
        offset: usize,
        /// What was wrong.
        kind: CborErrorKind,
    },
    /// Hex text was malformed.
    #[error("hex: {0}")]
    Hex(HexError),
}

/// What was wrong with hex text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HexError {
    /// A character that is neither a hex digit nor white space.
    #[error("invalid character 0x{byte:02x} at position {position}")]
    NotADigit {
        /// Byte position in the text.
        position: usize,
        /// The byte found there.
        byte: u8,
    },
    /// An odd number of hex digits.
    #[error("{len} digits, expected an even number")]
    OddLength {
        /// The number of digits.
        len: usize,
    },
}

/// What was wrong with base45 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base45Error {
    /// A character outside the base45 alphabet.
    InvalidCharacter {
        /// Position in the text.
        position: usize,
        /// The byte found there.
        byte: u8,
    },
    /// A one-character trailing group (length mod 3 == 1).
    DanglingCharacter,
    /// A group decodes to a value too large for its byte count.
    GroupOverflow {
        /// Position of the group in the text.
        position: usize,
    },
}

impl fmt::Display for Base45Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base45Error::InvalidCharacter { position, byte } => {
                write!(f, "invalid character 0x{byte:02x} at position {position}")
            }
            Base45Error::DanglingCharacter => {
                f.write_str("length leaves a single dangling character")
            }
            Base45Error::GroupOverflow { position } => {
                write!(f, "group at position {position} overflows")
            }
        }
    }
}

/// What was wrong with CBOR data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CborErrorKind {
    /// The data ended inside an item.
    Truncated,
    /// Bytes remained after the top-level item.
    TrailingBytes,
    /// Reserved additional-information value (28..30) or a malformed break.
    Malformed,
    /// A length or integer was not encoded in its shortest form.
    NonMinimal,
    /// An indefinite-length item where only definite lengths are allowed.
    Indefinite,
    /// Nesting deeper than the bound.
    TooDeep,
    /// More items than the bound, or a declared length larger than the input.
    TooManyItems,
    /// A map holds the same key twice.
    DuplicateKey,
    /// A text string is not valid UTF-8.
    InvalidUtf8,
    /// An item of another type than the one expected.
    UnexpectedType {
        /// The type that was expected.
        expected: &'static str,
    },
    /// An integer outside the range expected.
    OutOfRange,
    /// A simple value 24..=31 to write: reserved, it has no well-formed encoding.
    ReservedSimple {
        /// The simple value.
        value: u8,
    },
}

impl fmt::Display for CborErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CborErrorKind::Truncated => f.write_str("data ends inside an item"),
            CborErrorKind::TrailingBytes => f.write_str("trailing bytes after the item"),
            CborErrorKind::Malformed => f.write_str("malformed item head"),
            CborErrorKind::NonMinimal => f.write_str("non-minimal encoding"),
            CborErrorKind::Indefinite => f.write_str("indefinite-length item not allowed"),
            CborErrorKind::TooDeep => f.write_str("nesting too deep"),
            CborErrorKind::TooManyItems => f.write_str("too many items"),
            CborErrorKind::DuplicateKey => f.write_str("duplicate map key"),
            CborErrorKind::InvalidUtf8 => f.write_str("text string is not UTF-8"),
            CborErrorKind::UnexpectedType { expected } => write!(f, "expected {expected}"),
            CborErrorKind::OutOfRange => f.write_str("integer out of range"),
            CborErrorKind::ReservedSimple { value } => write!(
                f,
                "simple value {value} is reserved: got {value}, expected 0..=23 or 32..=255"
            ),
        }
    }
}

/// Bounds applied while decoding. See `specs/limits.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest QR payload text accepted (characters).
    pub max_text_len: usize,
    /// Largest binary COSE message accepted (bytes).
    pub max_cose_len: usize,
    /// Largest inflated size of zlib data (bytes).
    pub max_inflated_len: usize,
    /// Deepest CBOR nesting.
    pub max_depth: usize,
    /// Most CBOR items in one message.
    pub max_items: usize,
}

impl Limits {
    /// The defaults: a QR code holds at most 4,296 alphanumeric characters; we allow 8 KiB of
    /// text, 64 KiB of binary COSE, 256 KiB inflated, depth 16 and 4,096 items.
    pub const DEFAULT: Limits = Limits {
        max_text_len: 8 * 1024,
        max_cose_len: 64 * 1024,
        max_inflated_len: 256 * 1024,
        max_depth: 16,
        max_items: 4096,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
