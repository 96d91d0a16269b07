//! Byte tests on eight bytes of a `u64` at once (the "has a zero byte" word trick): the
//! report writers' scans for bytes to escape or quote. Exact as a yes/no answer.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bits of `x` marked by the word trick: not zero exactly when a byte of `x` is below
/// `n` (`n` at most 128). Marks of several tests OR'd together answer "any of them" with one
/// branch.
pub(crate) fn below_marks(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES.wrapping_mul(u64::from(n))) & !x & HIGHS
}

/// The same: not zero exactly when a byte of `x` is `b`.
pub(crate) fn byte_marks(x: u64, b: u8) -> u64 {
    below_marks(x ^ ONES.wrapping_mul(u64::from(b)), 1)
}
