#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod batch;
pub mod cache;
pub mod clock;
pub mod codec;
pub mod cose;
pub mod crypto;
pub mod document;
mod error;
pub mod interop;
pub mod issue;
pub mod model;
pub mod payload;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "sqlite")]
pub mod registry;
#[cfg(feature = "qr")]
pub mod scan;
pub mod speed;
mod staged;
pub mod time;
pub mod trust;
pub mod verify;

#[doc(hidden)]
pub mod internal;

pub use crate::clock::{Clock, FixedClock, SystemClock};
pub use crate::error::Error;
