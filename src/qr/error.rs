//! The error type of the `qr` module: one enum, values in the messages, lower case.

use std::path::PathBuf;

/// Everything that can go wrong while rendering or scanning QR codes and faces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The payload holds a character outside the QR alphanumeric set.
    #[error("payload is not qr alphanumeric: character {ch:?} at byte {index}")]
    NotAlphanumeric {
        /// The offending character.
        ch: char,
        /// Its byte offset in the payload.
        index: usize,
    },
    /// The payload does not fit any QR version at the chosen error-correction level.
    #[error("payload too long for a qr code: {len} characters at level {level}")]
    PayloadTooLong {
        /// Payload length in characters.
        len: usize,
        /// Error-correction level name (L, M, Q, H).
        level: char,
    },
    /// A rendering option is out of range.
    #[error("bad render option {name}: got {got}, expected {expected}")]
    BadOption {
        /// Option name.
        name: &'static str,
        /// Value given.
        got: u64,
        /// What is allowed.
        expected: &'static str,
    },
    /// The picture would be larger than the renderer allows.
    #[error("picture too large: {width}x{height} pixels, limit {max_pixels} pixels")]
    PictureTooLarge {
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
        /// Pixel limit.
        max_pixels: u64,
    },
    /// Encoding a picture (PNG) failed.
    #[error("picture encoding failed: {0}")]
    Encode(String),
    /// No usable CJK font was found for the face PNG.
    #[error("no cjk font found: tried {tried:?}")]
    FontNotFound {
        /// The paths that were tried.
        tried: Vec<PathBuf>,
    },
    /// A font file could not be read or parsed.
    #[error("font {path}: {reason}")]
    Font {
        /// The font file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The font lacks glyphs for characters of the face (`FaceRenderer::check_glyphs`;
    /// rendering itself draws them as boxes).
    #[error("font {font} has no glyph for {chars:?}")]
    MissingGlyph {
        /// The font: its path, or the embedded font's name.
        font: String,
        /// The characters without a glyph, in the order they first appear.
        chars: Vec<char>,
    },
    /// The image file is larger than allowed.
    #[error("image too large: {len} bytes, limit {max} bytes")]
    ImageTooManyBytes {
        /// Input length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The image is wider or taller than allowed.
    #[error("image dimensions {width}x{height} exceed limit {max_side} per side")]
    ImageTooWide {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Largest side allowed.
        max_side: u32,
    },
    /// The image holds more pixels than allowed.
    #[error("image has {pixels} pixels, limit {max_pixels}")]
    ImageTooManyPixels {
        /// Pixel count.
        pixels: u64,
        /// The limit.
        max_pixels: u64,
    },
    /// The bytes are not a PNG or JPEG image, or the image is corrupt.
    #[error("unreadable image: {0}")]
    ImageFormat(String),
    /// A grey buffer's length does not match its dimensions.
    #[error("grey buffer has {got} bytes, expected {expected} for {width}x{height}")]
    BufferSize {
        /// Bytes given.
        got: usize,
        /// Bytes expected (`width * height`).
        expected: u64,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A decoder panicked; the panic was caught at the boundary.
    #[error("qr decoder {decoder} panicked: {message}")]
    DecoderPanic {
        /// Which decoder.
        decoder: &'static str,
        /// The panic message, if it was a string.
        message: String,
    },
    /// A decoder reported an internal failure.
    #[error("qr decoder {decoder} failed: {message}")]
    Decoder {
        /// Which decoder.
        decoder: &'static str,
        /// What it said.
        message: String,
    },
}
