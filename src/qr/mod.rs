//! QR codes and certificate faces (feature `qr`): rendering a payload string as a QR code (SVG
//! and PNG), rendering the human-readable certificate face with its QR code, and scanning every
//! QR code out of a photo or scan.
//!
//! This module owns pictures. [`render`], [`face`] and [`scan`] take plain strings and plain
//! face data in and give strings out: they never parse, sign or verify a payload (that is
//! `codec`, `cose` and `verify`). [`verified`] is the one link upward: scan → verify, and the
//! face data of verified certificates, through the public `verify` API only. Decoders run
//! behind a panic boundary and every input is bounded ([`scan::ScanLimits`]); nothing here
//! panics on an image or string it received.
//!
//! - [`render`]: payload → [`render::QrMatrix`] (fast_qr encoder, level Q, alphanumeric
//!   mode) → SVG or PNG.
//! - [`face`]: [`face::FaceData`] → SVG (no font needed) or PNG (an installed CJK font, else
//!   the embedded subset).
//! - [`scan`]: PNG/JPEG bytes or a grey buffer → every QR text in it (rxing, or zxing-cpp with
//!   feature `qr-zxing`, with a preprocessing cascade; rqrr as a second opinion).
//! - [`verified`]: every QR code of a photo verified ([`verified::scan_and_verify`]), and
//!   [`face::FaceData`] from a verified view or an issued certificate.
//! - [`testset`] (hidden): the seeded degraded-photo generator used by tests and benches.

mod error;
pub mod face;
pub mod render;
pub mod scan;
#[doc(hidden)]
pub mod testset;
pub mod verified;

pub use self::error::QrError;

/// Fuzzing entry: scan arbitrary bytes as an image with default limits, ignoring the result.
/// A fuzz target calls this; it must never panic. With zxing-cpp built in (the fuzz crate's
/// feature `zxing`, off by default) the rxing cascade of the default build runs on the same
/// picture too.
#[doc(hidden)]
pub fn fuzz_scan(data: &[u8]) {
    let limits = scan::ScanLimits::default();
    let Ok((w, h, grey)) = scan::decode_grey(data, &limits) else {
        return;
    };
    let _ = scan::scan_luma_with(w, h, &grey, &limits, scan::Engine::Cascade);
    if cfg!(feature = "qr-zxing") {
        let _ = scan::scan_luma_with(w, h, &grey, &limits, scan::Engine::RxingCascade);
    }
}
