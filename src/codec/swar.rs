//! Byte tests on eight bytes of a `u64` at once (the "has a zero byte" word trick): the
//! report writers' scans for bytes to escape or quote. Exact as a yes/no answer.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether a byte of `x` is below `n` (`n` at most 128).
pub(crate) fn has_below(x: u64, n: u8) -> bool {
    x.wrapping_sub(ONES.wrapping_mul(u64::from(n))) & !x & HIGHS != 0
}

/// Whether a byte of `x` is `b`.
pub(crate) fn has_byte(x: u64, b: u8) -> bool {
    has_below(x ^ ONES.wrapping_mul(u64::from(b)), 1)
}
