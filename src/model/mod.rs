//! The certificate model (rules art. 7): types, validation, identifiers and the qualification
//! catalogue. Nothing here knows about wire formats or keys.

/// Errors of the model layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Placeholder until the model lands.
    #[error("model: {0}")]
    Invalid(String),
}
