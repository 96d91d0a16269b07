//! certseal signs, publishes, revokes and verifies China's electronic professional
//! qualification certificates.
//!
//! The library core (this crate with `--no-default-features`) holds the certificate model,
//! the wire codecs (CBOR, base45, COSE_Sign1, CWT), the signature algorithms, the trust list,
//! and the issue and verify pipelines. It pulls in no async runtime, database or image crate.
//!
//! Layers, top to bottom (dependencies point down only):
//!
//! ```text
//!   issue / verify        the pipelines
//!   trust                 X.509 signer certificates, the signed trust list
//!   crypto                algorithms, the Signer trait, parsed verifying keys
//!   cose + codec          COSE_Sign1, CWT claims, CBOR, base45, text form
//!   model                 certificate types, identifiers, catalogue, record input
//!   error                 one public error type
//! ```
#![forbid(unsafe_code)]

pub mod clock;
pub mod codec;
pub mod cose;
pub mod crypto;
pub mod document;
mod error;
pub mod issue;
pub mod model;
pub mod payload;
#[cfg(feature = "qr")]
pub mod qr;
pub mod trust;
pub mod verify;

#[doc(hidden)]
pub mod internal;

pub use crate::clock::{Clock, FixedClock, SystemClock};
pub use crate::error::Error;
