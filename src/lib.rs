#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod claims;
pub mod codec;
pub mod cose;
pub mod crypto;
mod error;
pub mod issue;
pub mod model;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "sqlite")]
pub mod registry;
#[cfg(feature = "server")]
pub mod server;
pub mod status;
pub mod time;
pub mod trust;
pub mod verify;

#[doc(hidden)]
pub mod internal;

pub use crate::error::Error;
pub use crate::time::{Clock, FixedClock, SystemClock};
