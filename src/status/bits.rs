//! Bit-level writing and reading for the status sets: bits are packed least significant bit
//! first into bytes (bit `i` of the stream is bit `i % 8` of byte `i / 8`), so a little-endian
//! 64-bit window read at any bit position gives the next bits in its low end and a unary run is
//! one `trailing_zeros`.
//!
//! Golomb–Rice codes (Rice parameter `k`): a value `g` is written as `g >> k` zero bits, a one
//! bit, then the low `k` bits of `g`. Hand-written: no maintained crate writes this exact
//! bit order over a borrowed, bounds-checked byte slice without `unsafe`.

/// Largest Rice parameter accepted: gaps are below 2^32 (`status::MAX_SIZE`), so a larger `k`
/// never pays.
pub const MAX_RICE_K: u32 = 32;

/// Appends bits to a byte vector, least significant bit first.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Bits pending in `acc` (0..8 after every call).
    acc: u64,
    acc_bits: u32,
    len: u64,
}

impl BitWriter {
    /// An empty writer with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        BitWriter {
            bytes: Vec::with_capacity(bytes),
            ..Self::default()
        }
    }

    /// Writes the low `n` bits of `value` (`n` ≤ 32).
    #[inline]
    pub fn bits(&mut self, value: u64, n: u32) {
        debug_assert!(n <= 32);
        let mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        self.acc |= (value & mask) << self.acc_bits;
        self.acc_bits += n;
        self.len += u64::from(n);
        while self.acc_bits >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.acc_bits -= 8;
        }
    }

    /// Writes `q` zero bits and a one bit.
    #[inline]
    pub fn unary(&mut self, mut q: u64) {
        while q >= 32 {
            self.bits(0, 32);
            q -= 32;
        }
        // q < 32: q zeros then a one fit in 33 bits; write in two steps.
        self.bits(0, q as u32);
        self.bits(1, 1);
    }

    /// Writes `g` as a Rice code with parameter `k`.
    #[inline]
    pub fn rice(&mut self, g: u64, k: u32) {
        self.unary(g >> k);
        if k > 0 {
            self.bits(g, k);
        }
    }

    /// Bits written so far.
    pub fn len_bits(&self) -> u64 {
        self.len
    }

    /// The bytes, the last one padded with zero bits.
    pub fn finish(mut self) -> Vec<u8> {
        if self.acc_bits > 0 {
            self.bytes.push(self.acc as u8);
        }
        self.bytes
    }
}

/// Length in bits of the Rice code of `g` with parameter `k`.
#[inline]
pub fn rice_len(g: u64, k: u32) -> u64 {
    (g >> k) + 1 + u64::from(k)
}

/// Reads bits from a byte slice, least significant bit first. Every read is bounds-checked;
/// reading past the end yields `None`.
#[derive(Debug, Clone, Copy)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    len_bits: u64,
}

impl<'a> BitReader<'a> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader {
            bytes,
            len_bits: (bytes.len() as u64).saturating_mul(8),
        }
    }

    /// The number of bits in the stream.
    #[inline]
    pub fn len_bits(&self) -> u64 {
        self.len_bits
    }

    /// The 64 bits from bit `pos` on, bits past the end read as zero; at least 57 of them are
    /// real stream bits when that many remain.
    #[inline]
    pub fn window(&self, pos: u64) -> u64 {
        let byte = (pos >> 3) as usize;
        let shift = (pos & 7) as u32;
        let word = match self.bytes.get(byte..byte.wrapping_add(8)) {
            Some(s) => {
                let mut b = [0u8; 8];
                b.copy_from_slice(s);
                u64::from_le_bytes(b)
            }
            None => {
                let mut b = [0u8; 8];
                if let Some(tail) = self.bytes.get(byte..) {
                    for (d, s) in b.iter_mut().zip(tail) {
                        *d = *s;
                    }
                }
                u64::from_le_bytes(b)
            }
        };
        word >> shift
    }

    /// Reads one Rice code with parameter `k` (≤ [`MAX_RICE_K`]) at `*pos`, advancing
    /// `*pos`. `None` when the code runs past the end of the stream.
    #[inline]
    pub fn rice(&self, pos: &mut u64, k: u32) -> Option<u64> {
        // Fast path: the whole code lies in one window (unary run, stop bit, k low bits).
        let w = self.window(*pos);
        let tz = w.trailing_zeros();
        let used = tz + 1 + k;
        if used <= 57 {
            let end = *pos + u64::from(used);
            if end > self.len_bits {
                return None;
            }
            *pos = end;
            let low = (w >> (tz + 1)) & ((1u64 << k) - 1);
            return Some((u64::from(tz) << k) | low);
        }
        self.rice_slow(pos, k)
    }

    #[cold]
    fn rice_slow(&self, pos: &mut u64, k: u32) -> Option<u64> {
        let mut p = *pos;
        let mut q: u64 = 0;
        loop {
            let w = self.window(p);
            let tz = w.trailing_zeros();
            if tz < 57 {
                q = q.checked_add(u64::from(tz))?;
                p = p.checked_add(u64::from(tz) + 1)?;
                break;
            }
            q = q.checked_add(57)?;
            p = p.checked_add(57)?;
            if p >= self.len_bits {
                return None;
            }
        }
        let low = if k == 0 {
            0
        } else {
            self.window(p) & ((1u64 << k) - 1)
        };
        p = p.checked_add(u64::from(k))?;
        if p > self.len_bits {
            return None;
        }
        *pos = p;
        q.checked_shl(k).filter(|v| v >> k == q).map(|v| v | low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rice_codes_round_trip_across_word_boundaries() {
        let values: Vec<(u64, u32)> = (0..2000u64)
            .map(|i| ((i * 7919) % 5000 + i * (i % 3), (i % 33) as u32))
            .collect();
        let mut w = BitWriter::default();
        let mut expect_len = 0;
        for &(g, k) in &values {
            w.rice(g, k);
            expect_len += rice_len(g, k);
        }
        assert_eq!(w.len_bits(), expect_len);
        let bytes = w.finish();
        let r = BitReader::new(&bytes);
        let mut pos = 0;
        for &(g, k) in &values {
            assert_eq!(r.rice(&mut pos, k), Some(g));
        }
        assert_eq!(pos, expect_len);
    }

    #[test]
    fn rejects_rice_code_past_the_end() {
        let mut w = BitWriter::default();
        w.rice(1000, 2);
        let bytes = w.finish();
        let r = BitReader::new(&bytes[..bytes.len() - 1]);
        assert_eq!(r.rice(&mut 0, 2), None);
        // All-zero stream: the unary run never ends.
        assert_eq!(BitReader::new(&[0; 40]).rice(&mut 0, 0), None);
    }

    #[test]
    fn long_unary_runs_decode() {
        let mut w = BitWriter::default();
        w.rice(1_000_000, 0);
        w.rice(3, 1);
        let bytes = w.finish();
        let r = BitReader::new(&bytes);
        let mut pos = 0;
        assert_eq!(r.rice(&mut pos, 0), Some(1_000_000));
        assert_eq!(r.rice(&mut pos, 1), Some(3));
    }
}
