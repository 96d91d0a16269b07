//! A sorted set of status indices stored as Golomb–Rice coded gaps, and the lookup directory a
//! verifier builds over it once, at load.
//!
//! Wire form (`specs/status.md`, "Sets"): `[count, k, codes]`. The elements `x0 < x1 < …` lie
//! below the set's universe; the gaps `x0`, `x1 − x0 − 1`, … are Rice-coded with parameter `k`
//! ([`super::bits`]), the last byte padded with zero bits.
//!
//! Loading decodes every code once: that checks the whole set (order, range, padding) before
//! any lookup, and records every few codes the decoder's state in a directory indexed by the
//! high bits of the index. A lookup reads one directory entry and decodes a handful of codes
//! from there: the set itself is never expanded.

use std::fmt;

use super::bits::{rice_len, BitReader, BitWriter, MAX_RICE_K};

/// What was wrong with a set's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetFault {
    /// The Rice parameter is larger than [`MAX_RICE_K`].
    RiceParameter {
        /// The parameter received.
        k: u64,
    },
    /// More elements declared than the universe holds.
    CountExceedsSize {
        /// The declared count.
        count: u64,
        /// The universe size.
        size: u64,
    },
    /// More elements declared than the codes can hold (each code takes at least `k + 1` bits).
    CountExceedsBits {
        /// The declared count.
        count: u64,
        /// The Rice parameter.
        k: u32,
        /// The bits available.
        bits: u64,
    },
    /// The codes end inside element `element`.
    Truncated {
        /// The element (counting from 0) being decoded.
        element: u64,
    },
    /// Element `element` lies outside the universe.
    OutOfRange {
        /// The element (counting from 0).
        element: u64,
        /// Its value.
        value: u64,
        /// The universe size.
        size: u64,
    },
    /// Bits follow the last code: non-zero padding or whole extra bytes.
    Trailing {
        /// The bits used by the codes.
        used: u64,
        /// The bits received.
        received: u64,
    },
}

impl fmt::Display for SetFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetFault::RiceParameter { k } => {
                write!(f, "rice parameter: got {k}, expected at most {MAX_RICE_K}")
            }
            SetFault::CountExceedsSize { count, size } => {
                write!(f, "count: got {count}, expected at most the size {size}")
            }
            SetFault::CountExceedsBits { count, k, bits } => write!(
                f,
                "count: got {count}, but {bits} bits hold at most {} codes with k = {k}",
                bits / (u64::from(*k) + 1)
            ),
            SetFault::Truncated { element } => {
                write!(f, "codes end inside element {element}")
            }
            SetFault::OutOfRange {
                element,
                value,
                size,
            } => write!(
                f,
                "element {element}: got index {value}, expected below the size {size}"
            ),
            SetFault::Trailing { used, received } => write!(
                f,
                "codes use {used} bits, got {received} bits (padding must be under 8 zero bits)"
            ),
        }
    }
}

/// A set in wire form: the element count, the Rice parameter and the codes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncodedSet {
    /// Number of elements.
    pub count: u64,
    /// Rice parameter.
    pub k: u32,
    /// The codes, zero-padded to whole bytes.
    pub codes: Vec<u8>,
}

/// Gaps of a strictly increasing sequence: `x0`, `x1 − x0 − 1`, …
fn gaps(values: &[u32]) -> impl Iterator<Item = u64> + '_ {
    let mut base: u64 = 0;
    values.iter().map(move |&v| {
        let g = u64::from(v).saturating_sub(base);
        base = u64::from(v) + 1;
        g
    })
}

/// The Rice parameter that gives the fewest bits for `values` (exact: the total length is
/// computed for the parameters around the geometric estimate and the smallest kept).
pub fn best_k(values: &[u32], universe: u64) -> u32 {
    let m = values.len() as u64;
    if m == 0 {
        return 0;
    }
    let mean = universe.saturating_sub(m) as f64 / m as f64;
    // For geometric gaps of mean μ the optimum is near log2(μ · ln 2).
    let est = (mean * std::f64::consts::LN_2).max(1.0).log2().floor() as i64;
    let lo = (est - 2).clamp(0, i64::from(MAX_RICE_K)) as u32;
    let hi = (est + 2).clamp(0, i64::from(MAX_RICE_K)) as u32;
    (lo..=hi)
        .min_by_key(|&k| gaps(values).map(|g| rice_len(g, k)).sum::<u64>())
        .unwrap_or(0)
}

/// Encodes strictly increasing `values` with the best Rice parameter.
pub fn encode(values: &[u32], universe: u64) -> EncodedSet {
    let k = best_k(values, universe);
    encode_with(values, k)
}

/// Encodes strictly increasing `values` with Rice parameter `k`.
pub fn encode_with(values: &[u32], k: u32) -> EncodedSet {
    let bits: u64 = gaps(values).map(|g| rice_len(g, k)).sum();
    let mut w = BitWriter::with_capacity(usize::try_from(bits.div_ceil(8)).unwrap_or(0));
    for g in gaps(values) {
        w.rice(g, k);
    }
    EncodedSet {
        count: values.len() as u64,
        k,
        codes: w.finish(),
    }
}

/// Whether a loaded set keeps ranks (needed by [`RiceSet::rank_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranks {
    /// Keep a rank per directory entry (4 more bytes an entry).
    Keep,
    /// Membership only.
    Drop,
}

/// Decoder state before an element: bit position, the smallest value the element can take
/// (previous element + 1), and a copy of the 64 bits of codes from `pos` on, so a lookup
/// usually decodes from the directory entry's own cache line and reads the codes only when
/// the index lies further into the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Cursor {
    head: u64,
    pos: u32,
    base: u32,
}

/// A loaded set: the codes (owned) and the lookup directory.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RiceSet {
    codes: Vec<u8>,
    count: u32,
    k: u32,
    universe: u64,
    /// Bucket of index `x`: `(x · scale) >> 64`, monotone in `x`.
    scale: u64,
    dir: Vec<Cursor>,
    /// Rank of the element each directory entry points at (empty with [`Ranks::Drop`]).
    ranks: Vec<u32>,
}

#[inline]
fn bucket(x: u64, scale: u64) -> usize {
    ((u128::from(x) * u128::from(scale)) >> 64) as usize
}

/// One directory entry per this many bits of codes: 80 for a membership-only set (16 bytes an
/// entry per 10 bytes of codes: 1.6 times the codes), 96 with ranks (20 per 12: 1.67 times),
/// under the 2× memory goal. About 11 codes an entry at the anchor densities; the entry's
/// 57-bit head holds about 8 of them (measured: `specs/status.md`).
const fn bits_per_entry(ranks: Ranks) -> u64 {
    match ranks {
        Ranks::Keep => 96,
        Ranks::Drop => 80,
    }
}

/// A lookup in progress: see [`RiceSet::probe`].
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    x: u64,
    bucket: usize,
    cursor: Option<Cursor>,
    window: u64,
}

impl Probe {
    /// Decodes from the probe's directory entry. Returns how many elements of the bucket
    /// precede `x` when `x` is in `set` (the set the probe was made on).
    #[inline]
    fn find(self, set: &RiceSet) -> Option<u32> {
        let Probe {
            x, cursor, window, ..
        } = self;
        let c = cursor?;
        let reader = BitReader::new(&set.codes);
        let k = set.k;
        let mask = (1u64 << k) - 1;
        let mut pos = u64::from(c.pos);
        let mut base = u64::from(c.base);
        let mut skipped = 0u32;
        let mut w = window;
        loop {
            // Decode every code that lies whole in the window (57 bits are always real or
            // zero past the end); past the last element only zero bits remain, so the
            // unary run never ends inside a window.
            let mut avail = 57u32;
            let fresh = avail;
            loop {
                let tz = w.trailing_zeros();
                let used = tz + 1 + k;
                if used > avail {
                    break;
                }
                let v = base + ((u64::from(tz) << k) | ((w >> (tz + 1)) & mask));
                if v >= x {
                    return (v == x).then_some(skipped);
                }
                w >>= used;
                avail -= used;
                pos += u64::from(used);
                base = v + 1;
                skipped += 1;
            }
            if avail == fresh {
                // A code longer than a window (a long unary run), or the end of the codes.
                let v = base.checked_add(reader.rice(&mut pos, k)?)?;
                if v >= x {
                    return (v == x).then_some(skipped);
                }
                base = v + 1;
                skipped += 1;
            }
            w = reader.window(pos);
        }
    }

    /// Whether the index is in `set` (the set the probe was made on).
    #[inline]
    pub fn found(self, set: &RiceSet) -> bool {
        self.find(set).is_some()
    }

    /// The rank of the index (how many elements are smaller) when it is in `set`; `None` also
    /// when `set` was loaded with [`Ranks::Drop`].
    #[inline]
    pub fn rank(self, set: &RiceSet) -> Option<u32> {
        let first = *set.ranks.get(self.bucket)?;
        self.find(set).map(|skipped| first + skipped)
    }
}

impl fmt::Debug for RiceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RiceSet")
            .field("count", &self.count)
            .field("k", &self.k)
            .field("universe", &self.universe)
            .field("code_bytes", &self.codes.len())
            .field("dir_entries", &self.dir.len())
            .finish()
    }
}

impl RiceSet {
    /// Checks `codes` (declared `count` elements, Rice parameter `k`, all below `universe`,
    /// `universe` ≤ 2^32 − 1, codes under 2^29 bytes) and builds the directory. Every code
    /// is decoded once.
    pub fn load(
        codes: &[u8],
        count: u64,
        k: u64,
        universe: u64,
        ranks: Ranks,
    ) -> Result<RiceSet, SetFault> {
        Self::load_inner(codes, count, k, universe, Some(ranks))
    }

    /// Checks `codes` as [`RiceSet::load`] does but builds no directory: for sets that are
    /// only iterated, or indexed another way (the snapshot's sets, `super::blocks`). A lookup
    /// on such a set is still correct but decodes from the first code.
    pub fn load_codes(
        codes: &[u8],
        count: u64,
        k: u64,
        universe: u64,
    ) -> Result<RiceSet, SetFault> {
        Self::load_inner(codes, count, k, universe, None)
    }

    fn load_inner(
        codes: &[u8],
        count: u64,
        k: u64,
        universe: u64,
        directory: Option<Ranks>,
    ) -> Result<RiceSet, SetFault> {
        let ranks = directory.unwrap_or(Ranks::Drop);
        let k = u32::try_from(k)
            .ok()
            .filter(|k| *k <= MAX_RICE_K)
            .ok_or(SetFault::RiceParameter { k })?;
        if count > universe {
            return Err(SetFault::CountExceedsSize {
                count,
                size: universe,
            });
        }
        let reader = BitReader::new(codes);
        let bits = reader.len_bits();
        if count.saturating_mul(u64::from(k) + 1) > bits {
            return Err(SetFault::CountExceedsBits { count, k, bits });
        }
        let too_long = SetFault::Trailing {
            used: bits,
            received: bits,
        };
        let count32 = u32::try_from(count).map_err(|_| SetFault::CountExceedsSize {
            count,
            size: universe,
        })?;
        if u32::try_from(bits).is_err() || u32::try_from(universe).is_err() {
            return Err(too_long);
        }
        // scale = entries · 2^64 / universe, so bucket(universe − 1) < entries.
        let entries = (bits / bits_per_entry(ranks)).clamp(1, universe.max(1));
        let scale = u64::try_from((u128::from(entries) << 64) / u128::from(universe.max(1)))
            .unwrap_or(u64::MAX);
        let n_dir = if count == 0 || directory.is_none() {
            0
        } else {
            bucket(universe.saturating_sub(1), scale).saturating_add(1)
        };
        let mut dir = Vec::with_capacity(n_dir);
        let mut rank_of_entry = Vec::with_capacity(if ranks == Ranks::Keep { n_dir } else { 0 });
        let mut pos: u64 = 0;
        let mut base: u64 = 0;
        for i in 0..count32 {
            let before = Cursor {
                head: reader.window(pos),
                pos: pos as u32,
                base: base as u32,
            };
            let g = reader
                .rice(&mut pos, k)
                .ok_or(SetFault::Truncated { element: i.into() })?;
            let v = base
                .checked_add(g)
                .filter(|v| *v < universe)
                .ok_or(SetFault::OutOfRange {
                    element: i.into(),
                    value: base.saturating_add(g),
                    size: universe,
                })?;
            let b = bucket(v, scale);
            while dir.len() <= b && dir.len() < n_dir {
                dir.push(before);
                if ranks == Ranks::Keep {
                    rank_of_entry.push(i);
                }
            }
            base = v + 1;
        }
        if codes.len() as u64 != pos.div_ceil(8) || reader.window(pos) != 0 {
            return Err(SetFault::Trailing {
                used: pos,
                received: bits,
            });
        }
        let end = Cursor {
            head: 0,
            pos: pos as u32,
            base: base as u32,
        };
        while dir.len() < n_dir {
            dir.push(end);
            if ranks == Ranks::Keep {
                rank_of_entry.push(count32);
            }
        }
        Ok(RiceSet {
            codes: codes.to_vec(),
            count: count32,
            k,
            universe,
            scale,
            dir,
            ranks: rank_of_entry,
        })
    }

    /// The first half of a lookup: the directory entry for `x` and the first 64 bits of codes
    /// from it. Splitting the lookup lets a caller start the memory reads of several sets
    /// before decoding any ([`Probe::found`], [`Probe::rank`]), so their cache misses overlap.
    #[inline]
    pub fn probe(&self, x: u64) -> Probe {
        let b = bucket(x, self.scale);
        let cursor = if x >= self.universe {
            None
        } else if self.dir.is_empty() {
            // Loaded without a directory: decode from the first code.
            (self.count > 0).then(|| Cursor {
                head: BitReader::new(&self.codes).window(0),
                pos: 0,
                base: 0,
            })
        } else {
            self.dir.get(b).copied()
        };
        let window = cursor.map_or(0, |c| c.head);
        Probe {
            x,
            bucket: b,
            cursor,
            window,
        }
    }

    /// The rank of `x` (how many elements are smaller) when `x` is in the set and the set
    /// keeps ranks.
    #[inline]
    pub fn rank_of(&self, x: u64) -> Option<u32> {
        self.probe(x).rank(self)
    }

    /// Whether `x` is in the set.
    #[inline]
    pub fn contains(&self, x: u64) -> bool {
        self.probe(x).found(self)
    }

    /// Number of elements.
    pub fn len(&self) -> u64 {
        self.count.into()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The universe the elements lie below.
    pub fn universe(&self) -> u64 {
        self.universe
    }

    /// The Rice parameter.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The codes as received.
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }

    /// Bytes held beyond the codes (the directory).
    pub fn directory_bytes(&self) -> usize {
        self.dir.len() * std::mem::size_of::<Cursor>() + self.ranks.len() * 4
    }

    /// The elements in increasing order (decoded sequentially).
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let reader = BitReader::new(&self.codes);
        let mut pos = 0u64;
        let mut base = 0u64;
        (0..self.count).map_while(move |_| {
            let v = base.checked_add(reader.rice(&mut pos, self.k)?)?;
            base = v.checked_add(1)?;
            Some(v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: u32, step: u32) -> Vec<u32> {
        (0..n)
            .map(|i| i.wrapping_mul(2_654_435_761) % (n * step))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    #[test]
    fn lookups_answer_every_index_of_the_universe() {
        for (n, step) in [(0u32, 1u32), (1, 1), (100, 3), (1000, 40), (5000, 2)] {
            let values = sample(n, step);
            let universe = u64::from(n.max(1) * step);
            let enc = encode(&values, universe);
            let set =
                RiceSet::load(&enc.codes, enc.count, enc.k.into(), universe, Ranks::Keep).unwrap();
            let plain =
                RiceSet::load(&enc.codes, enc.count, enc.k.into(), universe, Ranks::Drop).unwrap();
            assert_eq!(set.len(), values.len() as u64);
            let mut rank = 0;
            for x in 0..universe {
                let want = values.binary_search(&(x as u32)).ok().map(|r| r as u32);
                assert_eq!(set.rank_of(x), want, "index {x}");
                assert_eq!(plain.contains(x), want.is_some(), "index {x}");
                if want.is_some() {
                    rank += 1;
                }
            }
            assert_eq!(rank, values.len());
            assert_eq!(
                set.iter().collect::<Vec<_>>(),
                values.iter().map(|v| u64::from(*v)).collect::<Vec<_>>()
            );
            assert_eq!(set.rank_of(universe), None);
        }
    }

    #[test]
    fn best_k_is_never_beaten_by_another_parameter() {
        let values = sample(3000, 33);
        let k = best_k(&values, 3000 * 33);
        let len = |k| encode_with(&values, k).codes.len();
        for other in 0..=MAX_RICE_K {
            assert!(len(k) <= len(other), "k {k} vs {other}");
        }
    }

    #[test]
    fn rejects_element_at_or_past_the_size() {
        let enc = encode_with(&[3, 9], 2);
        assert!(RiceSet::load(&enc.codes, 2, 2, 10, Ranks::Drop).is_ok());
        assert_eq!(
            RiceSet::load(&enc.codes, 2, 2, 9, Ranks::Drop),
            Err(SetFault::OutOfRange {
                element: 1,
                value: 9,
                size: 9
            })
        );
    }

    #[test]
    fn rejects_trailing_bytes_and_nonzero_padding() {
        let enc = encode_with(&[1, 2, 3], 1);
        let mut extra = enc.codes.clone();
        extra.push(0);
        assert!(matches!(
            RiceSet::load(&extra, 3, 1, 10, Ranks::Drop),
            Err(SetFault::Trailing { .. })
        ));
        let mut dirty = enc.codes.clone();
        *dirty.last_mut().unwrap() |= 0x80;
        assert!(matches!(
            RiceSet::load(&dirty, 3, 1, 10, Ranks::Drop),
            Err(SetFault::Trailing { .. })
        ));
    }

    #[test]
    fn rejects_counts_the_codes_cannot_hold() {
        assert_eq!(
            RiceSet::load(&[0xff], 9, 0, 100, Ranks::Drop),
            Err(SetFault::CountExceedsBits {
                count: 9,
                k: 0,
                bits: 8
            })
        );
        assert_eq!(
            RiceSet::load(&[], 0, 33, 100, Ranks::Drop),
            Err(SetFault::RiceParameter { k: 33 })
        );
        assert_eq!(
            RiceSet::load(&[0x00], 1, 0, 100, Ranks::Drop),
            Err(SetFault::Truncated { element: 0 })
        );
    }
}
