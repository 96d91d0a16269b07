//! COSE_Sign1 (RFC 9052) and CWT claims (RFC 8392).

/// Errors of the COSE layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoseError {
    /// Placeholder.
    #[error("cose: {0}")]
    Invalid(&'static str),
}
