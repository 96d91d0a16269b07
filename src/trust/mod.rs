//! Root and document-signer certificates, chain checks and the signed trust list.

/// Errors of the trust layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Placeholder.
    #[error("trust: {0}")]
    Invalid(String),
}
