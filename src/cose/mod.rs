//! COSE_Sign1 (RFC 9052 §4.2) and CWT claims (RFC 8392).
//!
//! This layer holds no crypto: [`Sign1::sig_structure`] gives the bytes to check and the caller
//! verifies them with a key. The protected header is kept as the bytes received and the
//! signature is always checked over those bytes, never over a re-encoding.

mod cwt;
mod sign1;

pub use cwt::Claims;
pub use sign1::{sig_structure_into, HeaderBucket, Sign1, SIGN1_TAG};

/// Errors of the COSE layer, each naming the structure and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoseError {
    /// The message carries a tag other than 18 (COSE_Sign1).
    #[error("cose tag: got {got}, expected 18 (COSE_Sign1)")]
    WrongTag {
        /// The tag found.
        got: u64,
    },
    /// The tag is missing where the profile requires it.
    #[error("cose tag: missing, expected 18 (COSE_Sign1)")]
    MissingTag,
    /// The COSE_Sign1 array or a header is malformed.
    #[error("cose structure: {0}")]
    Structure(&'static str),
    /// A header label appears in both buckets, or twice.
    #[error("cose structure: header label {label} appears twice")]
    DuplicateLabel {
        /// The label.
        label: i64,
    },
    /// `alg` is missing from the protected header.
    #[error("alg: missing from the protected header")]
    MissingAlg,
    /// The `crit` header names a label this implementation does not understand.
    #[error("cose structure: critical header {label} not understood")]
    UnknownCritical {
        /// The label.
        label: i64,
    },
    /// The CWT claims are malformed.
    #[error("cwt: {0}")]
    Claims(String),
}
