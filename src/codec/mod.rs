//! Wire codecs: CBOR, base45 and the text form. No crypto, no model.

/// Errors of the codec layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Placeholder.
    #[error("codec: {0}")]
    Invalid(&'static str),
}
