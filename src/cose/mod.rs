//! COSE_Sign1 (RFC 9052 §4.2) and CWT claims (RFC 8392).
//!
//! This layer holds no crypto: [`Sign1::sig_structure`] gives the bytes to check and the caller
//! verifies them with a key. The protected header is kept as the bytes received and the
//! signature is always checked over those bytes, never over a re-encoding. Which headers must
//! be protected, which algorithms are acceptable and which claims must be present are the
//! verifier's rules (`verify`), not this module's: it reports what it found, where.

mod cwt;
mod sign1;

use std::fmt;

pub use cwt::Claims;
pub(crate) use sign1::{keep_scratch, take_scratch};
pub use sign1::{
    sig_structure_into, HeaderBucket, Sign1, LABEL_ALG, LABEL_CRIT, LABEL_KID, MAX_HEADER_LABELS,
    SIGN1_TAG,
};

use crate::codec::CodecError;
use crate::model::ModelError;

/// A COSE header label or algorithm value as received: RFC 9052 allows both to be an integer
/// or a text string (`label = int / tstr`), so a text value is reported as the text it was,
/// never as a stand-in number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Label {
    /// An integer label or value.
    Int(i64),
    /// A text label or value.
    Text(String),
}

impl Label {
    /// The integer, for an integer label.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Label::Int(n) => Some(*n),
            Label::Text(_) => None,
        }
    }
}

impl From<i64> for Label {
    fn from(n: i64) -> Self {
        Label::Int(n)
    }
}

/// An integer as itself (`-35`), text in quotes (`"ES256"`); the registered header labels
/// certseal reads are named (`1 (alg)`).
impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Int(n) => write!(f, "{n}"),
            Label::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// A header label with its registered name when it has one: `1 (alg)`, `4 (kid)`.
struct Named<'a>(&'a Label);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Label::Int(LABEL_ALG) => f.write_str("1 (alg)"),
            Label::Int(LABEL_CRIT) => f.write_str("2 (crit)"),
            Label::Int(LABEL_KID) => f.write_str("4 (kid)"),
            other => write!(f, "{other}"),
        }
    }
}

/// Errors of the COSE layer, each naming the structure and carrying what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoseError {
    /// The bytes are not well-formed CBOR within bounds (or longer than the COSE bound).
    #[error(transparent)]
    Cbor(#[from] CodecError),
    /// The message carries a tag other than 18 (COSE_Sign1).
    #[error("cose tag: got {got}, expected 18 (COSE_Sign1)")]
    WrongTag {
        /// The tag found.
        got: u64,
    },
    /// The tag is missing where the profile requires it.
    #[error("cose tag: missing, expected 18 (COSE_Sign1)")]
    MissingTag,
    /// An item of the structure has another CBOR type than the one required.
    #[error("cose structure: {item}: got {got}, expected {expected}")]
    WrongType {
        /// The item (`COSE_Sign1`, `protected header`, `kid`, …).
        item: &'static str,
        /// The type required.
        expected: &'static str,
        /// The type found.
        got: &'static str,
    },
    /// The COSE_Sign1 array does not have four items.
    #[error("cose structure: COSE_Sign1: got an array of {got} items, expected 4")]
    ArrayLength {
        /// The number of items found.
        got: usize,
    },
    /// The two header buckets hold more labels than [`MAX_HEADER_LABELS`].
    #[error("cose structure: {got} header labels, limit {max}")]
    TooManyLabels {
        /// The labels declared so far (both buckets).
        got: usize,
        /// The limit.
        max: usize,
    },
    /// A header label appears in both buckets, or twice in one.
    #[error("cose structure: header label {} appears twice", Named(.label))]
    DuplicateLabel {
        /// The label.
        label: Label,
    },
    /// `alg` is in neither header bucket.
    #[error("alg: missing from the protected header")]
    MissingAlg,
    /// A header parameter that must be integrity-protected is in the unprotected bucket.
    #[error("cose structure: header {} must be in the protected header", Named(.label))]
    Unprotected {
        /// The label.
        label: Label,
    },
    /// A header parameter the profile requires is missing.
    #[error("cose structure: header {} is missing", Named(.label))]
    MissingHeader {
        /// The label.
        label: Label,
    },
    /// The `kid` has another length than the profile's.
    #[error("cose structure: kid of {got} bytes, expected {expected}")]
    KidLength {
        /// Its length.
        got: usize,
        /// The length required.
        expected: usize,
    },
    /// The payload is detached (`nil`) where it must be carried.
    #[error("cose structure: payload is detached, expected it in the message")]
    DetachedPayload,
    /// The `crit` header is an empty array (RFC 9052 §3.1 requires at least one label).
    #[error("cose structure: crit is empty, expected at least one label")]
    EmptyCrit,
    /// The `crit` header names a label this implementation does not understand.
    #[error("cose structure: critical header {label} not understood")]
    UnknownCritical {
        /// The label.
        label: Label,
    },
    /// The CWT claims are malformed.
    #[error(transparent)]
    Cwt(#[from] CwtError),
}

/// What is wrong with a set of CWT claims (RFC 8392): the generic claims of any CWT, and the
/// claims of certseal's QR payload and document. Each names the claim and carries what was
/// found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CwtError {
    /// The claims are not well-formed CBOR within bounds, or not of the profile's shape
    /// (certseal's strict claims: the offset and what was expected there).
    #[error("cwt: {0}")]
    Cbor(#[from] CodecError),
    /// A claim (or the claims set itself) has another CBOR type than the one required.
    #[error("cwt: {claim}: got {got}, expected {expected}")]
    WrongType {
        /// The claim (`claims` for the set).
        claim: &'static str,
        /// The type required.
        expected: &'static str,
        /// The type found.
        got: &'static str,
    },
    /// An integer claim is outside the range the profile allows.
    #[error("cwt: {claim}: {value} is out of range")]
    OutOfRange {
        /// The claim.
        claim: &'static str,
        /// The value received.
        value: i128,
    },
    /// A required claim is missing.
    #[error("cwt: {claim} is missing")]
    Missing {
        /// The claim.
        claim: &'static str,
    },
    /// A code that the model's code list does not have (sex, ID document type, issue kind).
    #[error("cwt: {claim}: code {code} is not defined")]
    UnknownCode {
        /// The claim.
        claim: &'static str,
        /// The code received.
        code: u64,
    },
    /// A claim that decodes but breaks a rule of the certificate model.
    #[error("cwt: {claim}: {source}")]
    Model {
        /// The claim.
        claim: &'static str,
        /// The rule broken.
        source: ModelError,
    },
    /// A claim whose JSON form the certificate model does not accept (serde's words).
    #[error("cwt: {claim}: {reason}")]
    Json {
        /// The claim.
        claim: &'static str,
        /// What serde said.
        reason: String,
    },
}

/// The name of the CBOR type whose initial byte is `b`, for "got X, expected Y".
pub(crate) fn type_name(b: Option<u8>) -> &'static str {
    match b.map(|b| b >> 5) {
        Some(0) => "an unsigned integer",
        Some(1) => "a negative integer",
        Some(2) => "a byte string",
        Some(3) => "a text string",
        Some(4) => "an array",
        Some(5) => "a map",
        Some(6) => "a tag",
        Some(_) => "a simple value or float",
        None => "the end of the data",
    }
}

/// The name of the CBOR type of a decoded value, for "got X, expected Y".
pub(crate) fn value_type_name(v: &crate::codec::cbor::Value<'_>) -> &'static str {
    use crate::codec::cbor::Value;
    match v {
        Value::Integer(_) => "an integer",
        Value::Bytes(_) => "a byte string",
        Value::Text(_) => "a text string",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Tag(..) => "a tag",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        Value::Undefined => "undefined",
        Value::Float(_) => "a float",
        Value::Simple(_) => "a simple value",
    }
}
