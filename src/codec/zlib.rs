//! Zlib inflation with a hard output bound (no zlib bombs).

use super::CodecError;

/// True when `data` starts with a zlib header (RFC 1950: CM = 8, header checksum holds).
pub fn looks_like_zlib(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Inflates zlib `data`, refusing output longer than `max` bytes.
pub fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, CodecError> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, max).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => CodecError::TooLong {
            step: "decompress",
            len: max.saturating_add(1),
            max,
        },
        status => CodecError::Zlib(format!("{status:?}").to_lowercase()),
    })
}

/// Compresses `data` (for tests and interop vectors).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 9)
}
