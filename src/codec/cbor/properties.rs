//! Property tests of the CBOR decoder and writer against ciborium, on arbitrary values from a
//! fixed-seed generator (so a failure names a reproducible case; set `CERTSEAL_CBOR_CASES`
//! to run more than the default). Each generated value is written by both writers, read by
//! both readers, re-encoded with random non-minimal heads, indefinite lengths, chunked strings
//! and float widths, given a duplicate key, nested past the depth bound and mutated byte by
//! byte; every encoding also goes through the differential check of `differential.rs`.

use std::borrow::Cow;

use super::differential::{self as diff, Reference};
use super::{cbor, Limits};
use cbor::{Mode, Value};
use ciborium::Value as C;

/// SplitMix64: small, fixed-seed, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    /// True with probability 1/n.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

fn cases() -> usize {
    std::env::var("CERTSEAL_CBOR_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

// ---- generating values of the data model both implementations share ----

fn int(rng: &mut Rng) -> C {
    const EDGES: [i128; 22] = [
        0,
        1,
        23,
        24,
        255,
        256,
        65_535,
        65_536,
        4_294_967_295,
        4_294_967_296,
        18_446_744_073_709_551_615,
        -1,
        -24,
        -25,
        -256,
        -257,
        -65_536,
        -65_537,
        -4_294_967_296,
        -4_294_967_297,
        -9_223_372_036_854_775_808,
        -18_446_744_073_709_551_616,
    ];
    let n = if rng.one_in(2) {
        EDGES[rng.below(EDGES.len())]
    } else {
        // A random width: up to 64 bits of magnitude, either sign.
        let bits = rng.below(65);
        let mag = if bits == 0 {
            0
        } else {
            i128::from(rng.next() >> (64 - bits))
        };
        if rng.one_in(2) {
            mag
        } else {
            -1 - mag
        }
    };
    C::Integer(ciborium::value::Integer::try_from(n).unwrap_or(0.into()))
}

fn float(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        // Values a half-precision float holds exactly.
        0 => [
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.5,
            65504.0,
            -65504.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            5.960_464_477_539_063e-8, // 2^-24, the smallest subnormal half
            6.103_515_625e-5,         // 2^-14, the smallest normal half
            1024.0,
            2049.0 - 1.0,
        ][rng.below(14)],
        1 => f64::from(u16::try_from(rng.below(2049)).unwrap_or(0)),
        // Single-precision values.
        2 | 3 => f64::from(f32::from_bits(u32::try_from(rng.next() >> 32).unwrap_or(0))),
        // Anything.
        _ => f64::from_bits(rng.next()),
    }
}

fn text(rng: &mut Rng) -> String {
    const POOL: [char; 16] = [
        'a',
        'Z',
        '0',
        ' ',
        '"',
        '\\',
        '\u{0}',
        '\u{7f}',
        'é',
        '·',
        '张',
        '三',
        '丰',
        '\u{20bb7}',
        '\u{1f600}',
        '\u{ffff}',
    ];
    let n = match rng.below(10) {
        0 => 24 + rng.below(8),
        1 => 250 + rng.below(10),
        _ => rng.below(8),
    };
    (0..n).map(|_| POOL[rng.below(POOL.len())]).collect()
}

fn bytes(rng: &mut Rng) -> Vec<u8> {
    let n = match rng.below(20) {
        0 => 256 + rng.below(4),
        1 => 23 + rng.below(3),
        _ => rng.below(10),
    };
    (0..n).map(|_| rng.next().to_le_bytes()[0]).collect()
}

fn scalar(rng: &mut Rng) -> C {
    match rng.below(8) {
        0 | 1 => int(rng),
        2 => C::Bytes(bytes(rng)),
        3 => C::Text(text(rng)),
        4 => C::Bool(rng.one_in(2)),
        5 => C::Null,
        _ => C::Float(float(rng)),
    }
}

fn value(rng: &mut Rng, depth: usize) -> C {
    if depth >= 4 || rng.one_in(3) {
        return scalar(rng);
    }
    match rng.below(3) {
        0 => {
            let n = if rng.one_in(12) {
                24 + rng.below(3)
            } else {
                rng.below(5)
            };
            C::Array((0..n).map(|_| value(rng, depth + 1)).collect())
        }
        1 => {
            let n = rng.below(5);
            let mut pairs: Vec<(C, C)> = Vec::new();
            for _ in 0..n {
                let key = if rng.one_in(4) {
                    value(rng, depth + 1)
                } else {
                    scalar(rng)
                };
                // Keys are unique in the profile's sense (IEEE equality for floats).
                if pairs.iter().all(|(k, _)| *k != key) {
                    pairs.push((key, value(rng, depth + 1)));
                }
            }
            C::Map(pairs)
        }
        _ => {
            // Tags 2 and 3 are ciborium's bignums (see differential.rs): left out.
            let tag = match rng.below(4) {
                0 => 18,
                1 => 24 + rng.next() % 1000,
                2 => u64::MAX - rng.next() % 3,
                _ => 4 + rng.next() % 20,
            };
            C::Tag(tag, Box::new(value(rng, depth + 1)))
        }
    }
}

/// certseal's value for ciborium's `c`.
fn ours(c: &C) -> Value<'static> {
    match c {
        C::Integer(n) => Value::Integer(i128::from(*n)),
        C::Bytes(b) => Value::Bytes(Cow::Owned(b.clone())),
        C::Text(t) => Value::Text(Cow::Owned(t.clone())),
        C::Array(items) => Value::Array(items.iter().map(ours).collect()),
        C::Map(pairs) => Value::Map(pairs.iter().map(|(k, v)| (ours(k), ours(v))).collect()),
        C::Tag(t, inner) => Value::Tag(*t, Box::new(ours(inner))),
        C::Bool(b) => Value::Bool(*b),
        C::Float(f) => Value::Float(*f),
        _ => Value::Null,
    }
}

// ---- a writer that uses the freedom lenient CBOR allows ----

/// Writes `c` with random non-minimal heads, indefinite lengths (strings in random chunks) and
/// float widths; sets `*loose` when the output is not in certseal's strict profile.
fn noisy(rng: &mut Rng, c: &C, out: &mut Vec<u8>, loose: &mut bool) {
    fn head(rng: &mut Rng, major: u8, arg: u64, out: &mut Vec<u8>, loose: &mut bool) {
        let shortest = match arg {
            0..=23 => 0,
            24..=0xff => 1,
            0x100..=0xffff => 2,
            0x1_0000..=0xffff_ffff => 3,
            _ => 4,
        };
        let width = if rng.one_in(4) {
            shortest + rng.below(5 - shortest)
        } else {
            shortest
        };
        if width != shortest {
            *loose = true;
        }
        let m = major << 5;
        let be = arg.to_be_bytes();
        match width {
            0 => out.push(m | u8::try_from(arg).unwrap_or(0)),
            1 => out.extend_from_slice(&[m | 24, be[7]]),
            2 => {
                out.push(m | 25);
                out.extend_from_slice(&be[6..]);
            }
            3 => {
                out.push(m | 26);
                out.extend_from_slice(&be[4..]);
            }
            _ => {
                out.push(m | 27);
                out.extend_from_slice(&be);
            }
        }
    }
    let len = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    match c {
        C::Integer(n) => {
            let n = i128::from(*n);
            match u64::try_from(n) {
                Ok(u) => head(rng, 0, u, out, loose),
                Err(_) => head(rng, 1, u64::try_from(-1 - n).unwrap_or(0), out, loose),
            }
        }
        C::Bytes(b) => {
            if rng.one_in(4) {
                *loose = true;
                out.push(0x5f);
                let mut rest: &[u8] = b;
                while !rest.is_empty() || rng.one_in(3) {
                    let (chunk, tail) = rest.split_at(rng.below(rest.len() + 1));
                    head(rng, 2, len(chunk.len()), out, loose);
                    out.extend_from_slice(chunk);
                    rest = tail;
                    if rest.is_empty() && !rng.one_in(4) {
                        break;
                    }
                }
                out.push(0xff);
            } else {
                head(rng, 2, len(b.len()), out, loose);
                out.extend_from_slice(b);
            }
        }
        C::Text(t) => {
            if rng.one_in(4) {
                *loose = true;
                out.push(0x7f);
                let chars: Vec<char> = t.chars().collect();
                let mut at = 0;
                loop {
                    let take = rng.below(chars.len() - at + 1);
                    let chunk: String = chars[at..at + take].iter().collect();
                    head(rng, 3, len(chunk.len()), out, loose);
                    out.extend_from_slice(chunk.as_bytes());
                    at += take;
                    if at == chars.len() && !rng.one_in(4) {
                        break;
                    }
                }
                out.push(0xff);
            } else {
                head(rng, 3, len(t.len()), out, loose);
                out.extend_from_slice(t.as_bytes());
            }
        }
        C::Array(items) => {
            let indefinite = rng.one_in(4);
            if indefinite {
                *loose = true;
                out.push(0x9f);
            } else {
                head(rng, 4, len(items.len()), out, loose);
            }
            for item in items {
                noisy(rng, item, out, loose);
            }
            if indefinite {
                out.push(0xff);
            }
        }
        C::Map(pairs) => {
            let indefinite = rng.one_in(4);
            if indefinite {
                *loose = true;
                out.push(0xbf);
            } else {
                head(rng, 5, len(pairs.len()), out, loose);
            }
            for (k, v) in pairs {
                noisy(rng, k, out, loose);
                noisy(rng, v, out, loose);
            }
            if indefinite {
                out.push(0xff);
            }
        }
        C::Tag(t, inner) => {
            head(rng, 6, *t, out, loose);
            noisy(rng, inner, out, loose);
        }
        C::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        C::Float(f) => {
            // Any width that holds the value exactly; the strict profile allows every width.
            let single = *f as f32;
            if f64::from(single).to_bits() == f.to_bits() && rng.one_in(2) {
                out.push(0xfa);
                out.extend_from_slice(&single.to_bits().to_be_bytes());
            } else {
                out.push(0xfb);
                out.extend_from_slice(&f.to_bits().to_be_bytes());
            }
        }
        _ => out.push(0xf6),
    }
}

// ---- helpers ----

/// ciborium's values `a` and `b` are the same (floats bit for bit, NaN to NaN).
fn same_c(a: &C, b: &C) -> bool {
    diff::same(&ours(a), b)
}

fn has_nan(c: &C) -> bool {
    match c {
        C::Float(f) => f.is_nan(),
        C::Array(items) => items.iter().any(has_nan),
        C::Map(pairs) => pairs.iter().any(|(k, v)| has_nan(k) || has_nan(v)),
        C::Tag(_, inner) => has_nan(inner),
        _ => false,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn both_modes_agree(data: &[u8], what: &str) {
    for mode in [Mode::Strict, Mode::Lenient] {
        if let Err(e) = diff::compare(data, mode, &Limits::DEFAULT) {
            panic!("{what}: {e}; input {}", hex(data));
        }
    }
}

// ---- the properties ----

#[test]
fn decoder_and_writer_agree_with_ciborium_on_arbitrary_values() {
    let mut rng = Rng(0x6365_7274_7365_616c);
    for case in 0..cases() {
        let c = value(&mut rng, 0);
        let v = ours(&c);
        let what = format!("case {case}: {c:?}");
        let theirs = diff::ciborium_encode(&c);
        let Some(mine) = diff::certseal_encode(&v) else {
            panic!("case {case}: the writer refuses {v:?}");
        };
        if !diff::has_float(&c) {
            assert_eq!(hex(&mine), hex(&theirs), "{what}: the writers differ");
        }
        // Each reader reads each writer's bytes back to the value.
        for (who, bytes) in [("certseal", &mine), ("ciborium", &theirs)] {
            let back = cbor::decode(bytes, Mode::Strict, &Limits::DEFAULT);
            assert!(
                back.as_ref().is_ok_and(|b| diff::same(b, &c)),
                "{what}: certseal strict reads {who}'s {} as {back:?}",
                hex(bytes)
            );
            let back = diff::ciborium_decode(bytes);
            assert!(
                back.as_ref()
                    .is_ok_and(|(b, n)| *n == bytes.len() && same_c(b, &c)),
                "{what}: ciborium reads {who}'s {} as {back:?}",
                hex(bytes)
            );
            both_modes_agree(bytes, &what);
        }
    }
}

#[test]
fn lenient_encodings_decode_alike_and_strict_refuses_exactly_them() {
    let mut rng = Rng(0x6c65_6e69_656e_7421);
    let mut loose_cases = 0;
    for case in 0..cases() {
        let c = value(&mut rng, 0);
        let mut data = Vec::new();
        let mut loose = false;
        noisy(&mut rng, &c, &mut data, &mut loose);
        let what = format!("case {case}: {c:?} as {}", hex(&data));
        let theirs = diff::ciborium_decode(&data);
        assert!(
            theirs
                .as_ref()
                .is_ok_and(|(b, n)| *n == data.len() && same_c(b, &c)),
            "{what}: ciborium reads {theirs:?}"
        );
        let lenient = cbor::decode(&data, Mode::Lenient, &Limits::DEFAULT);
        assert!(
            lenient.as_ref().is_ok_and(|b| diff::same(b, &c)),
            "{what}: lenient reads {lenient:?}"
        );
        let strict = cbor::decode(&data, Mode::Strict, &Limits::DEFAULT);
        assert_eq!(strict.is_ok(), !loose, "{what}: strict reads {strict:?}");
        loose_cases += usize::from(loose);
        both_modes_agree(&data, &what);
    }
    assert!(loose_cases > cases() / 4, "{loose_cases} loose encodings");
}

#[test]
fn duplicate_keys_are_refused_where_ciborium_keeps_them() {
    let mut rng = Rng(0x6475_706c_6963_6174);
    for case in 0..cases() / 4 {
        let key = if rng.one_in(3) {
            value(&mut rng, 2)
        } else {
            scalar(&mut rng)
        };
        if has_nan(&key) {
            continue; // NaN is never equal to itself: not a duplicate.
        }
        let mut pairs = vec![(key.clone(), value(&mut rng, 2))];
        if rng.one_in(2) {
            pairs.push((C::Text("other".into()), C::Null));
        }
        pairs.push((key, value(&mut rng, 2)));
        let map = C::Map(pairs);
        let data = diff::ciborium_encode(&map);
        let what = format!("case {case}: {}", hex(&data));
        assert!(diff::ciborium_decode(&data).is_ok(), "{what}");
        for mode in [Mode::Strict, Mode::Lenient] {
            match cbor::decode(&data, mode, &Limits::DEFAULT) {
                Err(crate::codec::CodecError::Cbor {
                    kind: crate::codec::CborErrorKind::DuplicateKey,
                    ..
                }) => {}
                other => panic!("{what}: {mode:?} gives {other:?}"),
            }
            assert!(
                matches!(
                    diff::reference(&data, mode, &Limits::DEFAULT),
                    Reference::Reject(_)
                ),
                "{what}"
            );
        }
        both_modes_agree(&data, &what);
    }
    // Keys that look alike but are not equal are kept: 1 and 1.0, "a" and h'61', 0 and false.
    for data in [
        &[0xa2, 0x01, 0x00, 0xf9, 0x3c, 0x00, 0x00][..],
        &[0xa2, 0x61, 0x61, 0x00, 0x41, 0x61, 0x00],
        &[0xa2, 0x00, 0x00, 0xf4, 0x00],
    ] {
        assert!(cbor::decode(data, Mode::Strict, &Limits::DEFAULT).is_ok());
        both_modes_agree(data, "distinct keys");
    }
    // 0.0 and -0.0 are equal keys; so are 1.0 as a half and as a double.
    for data in [
        &[0xa2, 0xf9, 0x00, 0x00, 0x00, 0xf9, 0x80, 0x00, 0x00][..],
        &[
            0xa2, 0xf9, 0x3c, 0x00, 0x00, 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x00,
        ],
    ] {
        assert!(cbor::decode(data, Mode::Lenient, &Limits::DEFAULT).is_err());
        both_modes_agree(data, "equal float keys");
    }
}

#[test]
fn nesting_is_refused_past_the_depth_bound_as_the_reference_counts_it() {
    let mut rng = Rng(0x6465_7074_6873_2121);
    for case in 0..200 {
        let depth = 14 + rng.below(5);
        let mut c = scalar(&mut rng);
        for _ in 0..depth {
            c = match rng.below(3) {
                0 => C::Array(vec![c]),
                1 => C::Map(vec![(C::Integer(1.into()), c)]),
                _ => C::Tag(7, Box::new(c)),
            };
        }
        let data = diff::ciborium_encode(&c);
        let ok = cbor::decode(&data, Mode::Strict, &Limits::DEFAULT).is_ok();
        assert_eq!(
            ok,
            depth <= Limits::DEFAULT.max_depth,
            "case {case}: depth {depth}"
        );
        both_modes_agree(&data, &format!("case {case}: depth {depth}"));
    }
}

#[test]
fn item_count_is_refused_past_the_bound_as_the_reference_counts_it() {
    for n in [4094usize, 4095, 4096] {
        // An array of n integers is n + 1 items.
        let c = C::Array(
            (0..n)
                .map(|i| C::Integer(u8::try_from(i % 24).unwrap_or(0).into()))
                .collect(),
        );
        let data = diff::ciborium_encode(&c);
        let ok = cbor::decode(&data, Mode::Strict, &Limits::DEFAULT).is_ok();
        assert_eq!(ok, n < Limits::DEFAULT.max_items, "{n} elements");
        both_modes_agree(&data, &format!("{n} elements"));
    }
}

#[test]
fn mutated_encodings_get_the_same_verdict_from_both() {
    let mut rng = Rng(0x6d75_7461_7465_2121);
    for case in 0..cases() {
        let c = value(&mut rng, 0);
        let mut data = diff::ciborium_encode(&c);
        if data.is_empty() {
            continue;
        }
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(data.len());
            match rng.below(4) {
                0 => data[at] ^= 1 << rng.below(8),
                1 => data[at] = rng.next().to_le_bytes()[0],
                2 => data.truncate(at),
                _ => data.insert(at, rng.next().to_le_bytes()[0]),
            }
            if data.is_empty() {
                break;
            }
        }
        both_modes_agree(&data, &format!("case {case}"));
    }
}

#[test]
fn rfc_not_well_formed_inputs_that_ciborium_accepts_are_refused() {
    // f8 14: a two-byte encoding of `false` (RFC 8949 §3.3: not well-formed).
    let short_simple = [0xf8, 0x14];
    assert!(diff::ciborium_decode(&short_simple).is_ok());
    // An indefinite chunk inside an indefinite byte string (§3.2.3).
    let nested = [0x5f, 0x5f, 0x41, 0x01, 0xff, 0xff];
    assert!(diff::ciborium_decode(&nested).is_ok());
    for data in [&short_simple[..], &nested] {
        for mode in [Mode::Strict, Mode::Lenient] {
            assert!(cbor::decode(data, mode, &Limits::DEFAULT).is_err());
            assert!(matches!(
                diff::reference(data, mode, &Limits::DEFAULT),
                Reference::Reject(_)
            ));
        }
        both_modes_agree(data, "not well-formed");
    }
}

#[test]
fn values_outside_ciborium_data_model_still_round_trip() {
    // Simple value 16, undefined, a bignum tag on a short byte string, null and undefined keys.
    for data in [
        &[0xf0][..],
        &[0xf8, 0xff],
        &[0x82, 0xf7, 0xf6],
        &[0xc2, 0x42, 0x01, 0x00],
        &[0xa2, 0xf6, 0x01, 0xf7, 0x02],
    ] {
        for mode in [Mode::Strict, Mode::Lenient] {
            let v = cbor::decode(data, mode, &Limits::DEFAULT);
            assert!(v.is_ok(), "{}: {v:?}", hex(data));
        }
        both_modes_agree(data, "outside the shared data model");
    }
    assert!(matches!(
        diff::reference(&[0xf0], Mode::Strict, &Limits::DEFAULT),
        Reference::Outside(_)
    ));
}
