//! The one public error type. Each layer has its own enum inside it; variants carry the values
//! involved, messages are lower case ("got X, expected Y"). Signature failures stay opaque.

use std::path::PathBuf;

pub use crate::codec::CodecError;
pub use crate::cose::CoseError;
pub use crate::crypto::CryptoError;
pub use crate::model::ModelError;
#[cfg(feature = "qr")]
pub use crate::qr::QrError;
#[cfg(feature = "sqlite")]
pub use crate::registry::RegistryError;
pub use crate::status::StatusError;
pub use crate::trust::TrustError;
pub use crate::verify::stream::StreamError;

/// Every error certseal returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate record or identifier broke a rule of the model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A wire encoding (CBOR, base45, text prefix, zlib) was malformed or out of bounds.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A COSE or CWT structure was malformed.
    #[error(transparent)]
    Cose(#[from] CoseError),
    /// A key could not be used, or a signature did not verify.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A certificate chain or trust list was not acceptable.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// A QR code or certificate face could not be rendered, or an image not scanned
    /// (feature `qr`).
    #[cfg(feature = "qr")]
    #[error(transparent)]
    Qr(#[from] QrError),
    /// A status snapshot or delta was refused.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A streaming verification run stopped (`verify::stream`): an input that cannot be read,
    /// a report that cannot be written, a resume state that does not fit.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The registry refused an operation or its store failed (feature `sqlite`).
    #[cfg(feature = "sqlite")]
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The HTTP server could not start (feature `server`).
    #[cfg(feature = "server")]
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
}

impl Error {
    /// An I/O error on `path`.
    #[cold]
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
