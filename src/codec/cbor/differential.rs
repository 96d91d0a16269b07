//! Differential check of certseal's CBOR decoder and writer against `ciborium`, an independent
//! implementation. Not part of the library: compiled into the unit tests of `codec::cbor`
//! (`tests.rs`), the corpus replay test (`tests/fuzz_corpus.rs`) and the cargo-fuzz target
//! `cbor_differential`, each of which brings `cbor` and `Limits` into scope for `super::`.
//!
//! # What is compared
//!
//! For every input and both modes ([`cbor::Mode::Strict`], [`cbor::Mode::Lenient`]) a
//! *reference verdict* is built without certseal's decoder: ciborium decodes the input into
//! its `Value` (well-formedness, UTF-8, values), and certseal's profile is applied on top of
//! what ciborium read. The profile, for inputs ciborium also accepts:
//!
//! 1. exactly one item, nothing after it;
//! 2. nesting at most `max_depth` (16) below the top-level item, a tag counting as one level;
//! 3. at most `max_items` (4,096) items, counting every container, map key, map value, tag
//!    and tagged item;
//! 4. no two keys of one map equal as decoded values (integers by value, strings by content
//!    whatever their chunking, floats by IEEE equality: `0.0` and `-0.0` collide, NaN never
//!    does, `1.0` as half and as double collide; arrays and maps element by element, in order);
//! 5. strict mode only: every head in shortest form and no indefinite length. Floats (major 7,
//!    additional information 25–27) may use any width: the profile does not ask for
//!    shortest floats, and certseal's writer always writes doubles.
//!
//! Certseal must accept exactly the inputs the reference accepts, decode them to the same
//! value (floats compared bit for bit, NaN to NaN), and its writer must agree with
//! ciborium's: each decodes the other's encoding of the value to that value, and for values
//! without floats both encodings are the same bytes (and, in strict mode, the input itself).
//!
//! # Where ciborium and RFC 8949 part, and what is not compared
//!
//! ciborium is more lenient than RFC 8949 in two places; there the reference verdict follows
//! the RFC and certseal must reject:
//!
//! * a two-byte simple value below 32 (`f8 00`…`f8 1f`), not well-formed (RFC 8949 §3.3);
//!   ciborium reads `f8 14` as `false`;
//! * an indefinite-length chunk inside an indefinite-length string, not well-formed
//!   (§3.2.3); ciborium flattens it.
//!
//! Three kinds of input are outside the comparison (certseal still decodes them, must not
//! panic, and must round-trip through its writer), because ciborium's data model cannot say
//! what certseal's decoder should return:
//!
//! * simple values other than `false`, `true`, `null`, `undefined` (well-formed; ciborium's
//!   `Value` has no variant for them and refuses them);
//! * tag 2 or 3 directly on a byte string: ciborium turns a bignum of at most 16 bytes into
//!   an integer (or refuses it), certseal keeps the tag. An indefinite-length byte string is
//!   left out too, because certseal's writer re-encodes it as a definite one, which ciborium
//!   then reads as an integer (found by the fuzz target: `c2 5f ff`);
//! * `undefined` where a map also has a `null` key, or two `undefined` keys: ciborium reads
//!   `undefined` as `null`, so the duplicate-key rule cannot be applied on its value.
#![allow(dead_code)]

use super::{cbor, Limits};
use cbor::{Mode, Value, Writer};
use ciborium_io::Read as _;
use ciborium_ll::{simple, tag, Decoder, Header};

/// What the reference says about one input in one mode.
#[derive(Debug)]
pub enum Reference {
    /// Well-formed and inside the profile: certseal must decode it to this value.
    Accept(ciborium::Value),
    /// Not well-formed, or outside the profile: certseal must refuse it.
    Reject(String),
    /// Outside what the two implementations can be compared on (see the module doc).
    Outside(&'static str),
}

/// What the head-by-head scan of the input (ciborium-ll) saw.
#[derive(Debug, Default)]
struct Scan {
    /// A head of an integer, length or tag not in its shortest form.
    non_minimal: Option<usize>,
    /// An indefinite-length string, array or map.
    indefinite: Option<usize>,
    /// An indefinite-length chunk inside an indefinite-length string (RFC 8949 §3.2.3).
    nested_chunk: Option<usize>,
    /// `f8 xx` with xx < 32 (RFC 8949 §3.3).
    short_simple: Option<usize>,
    /// A simple value ciborium's `Value` cannot hold.
    unknown_simple: bool,
    /// Tag 2 or 3 directly on a byte string.
    bignum: bool,
    /// `undefined` anywhere.
    undefined: bool,
}

/// Length of the shortest head for argument `arg`.
fn shortest_head(arg: u64) -> usize {
    match arg {
        0..=23 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// Scans the heads of `data` (one complete item, as ciborium consumed it) with ciborium-ll.
/// `None` when the low-level decoder fails (then ciborium's own verdict decides).
fn scan(data: &[u8]) -> Option<Scan> {
    let mut out = Scan::default();
    let mut dec = Decoder::from(data);
    let mut in_string = 0usize; // depth of open indefinite-length strings
    let mut after_bignum_tag = false;
    let mut buf = [0u8; 256];
    while dec.offset() < data.len() {
        let at = dec.offset();
        let header = dec.pull().ok()?;
        let used = dec.offset().checked_sub(at)?;
        let bignum_tag = after_bignum_tag;
        after_bignum_tag = false;
        let arg = match header {
            Header::Positive(n) | Header::Negative(n) | Header::Tag(n) => Some(n),
            Header::Bytes(Some(n))
            | Header::Text(Some(n))
            | Header::Array(Some(n))
            | Header::Map(Some(n)) => u64::try_from(n).ok(),
            _ => None,
        };
        if let Some(arg) = arg {
            if used > shortest_head(arg) && out.non_minimal.is_none() {
                out.non_minimal = Some(at);
            }
        }
        match header {
            Header::Bytes(None) | Header::Text(None) => {
                if bignum_tag && matches!(header, Header::Bytes(_)) {
                    out.bignum = true;
                }
                if in_string > 0 && out.nested_chunk.is_none() {
                    out.nested_chunk = Some(at);
                }
                in_string += 1;
                out.indefinite.get_or_insert(at);
            }
            Header::Array(None) | Header::Map(None) => {
                out.indefinite.get_or_insert(at);
            }
            Header::Break if in_string > 0 => in_string -= 1,
            Header::Bytes(Some(n)) | Header::Text(Some(n)) => {
                if bignum_tag && matches!(header, Header::Bytes(_)) {
                    out.bignum = true;
                }
                let mut left = n;
                if left > data.len().saturating_sub(dec.offset()) {
                    return None;
                }
                while left > 0 {
                    let step = left.min(buf.len());
                    dec.read_exact(&mut buf[..step]).ok()?;
                    left -= step;
                }
            }
            Header::Tag(t) => after_bignum_tag = t == tag::BIGPOS || t == tag::BIGNEG,
            Header::Simple(v) => {
                if used == 2 && v < 32 && out.short_simple.is_none() {
                    out.short_simple = Some(at);
                }
                match v {
                    simple::UNDEFINED => out.undefined = true,
                    simple::FALSE | simple::TRUE | simple::NULL => {}
                    _ => out.unknown_simple = true,
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// Nesting below `v` (0 for a scalar) and the number of items in it, counted as certseal's
/// decoder counts them.
fn shape(v: &ciborium::Value) -> (usize, usize) {
    use ciborium::Value as C;
    let children: Vec<&C> = match v {
        C::Array(items) => items.iter().collect(),
        C::Map(pairs) => pairs.iter().flat_map(|(k, v)| [k, v]).collect(),
        C::Tag(_, inner) => vec![inner.as_ref()],
        _ => Vec::new(),
    };
    let mut depth = 0;
    let mut items = 1usize;
    for child in children {
        let (d, n) = shape(child);
        depth = depth.max(d.saturating_add(1));
        items = items.saturating_add(n);
    }
    (depth, items)
}

/// The first map in `v` with two equal keys: `Some(true)` if those keys are both `null`
/// (ambiguous when the input had `undefined`), `Some(false)` otherwise.
fn duplicate_key(v: &ciborium::Value) -> Option<bool> {
    use ciborium::Value as C;
    match v {
        C::Array(items) => items.iter().find_map(duplicate_key),
        C::Tag(_, inner) => duplicate_key(inner),
        C::Map(pairs) => {
            for (i, (k, _)) in pairs.iter().enumerate() {
                if let Some((other, _)) = pairs.iter().skip(i + 1).find(|(o, _)| o == k) {
                    return Some(matches!((k, other), (C::Null, C::Null)));
                }
            }
            pairs
                .iter()
                .find_map(|(k, v)| duplicate_key(k).or_else(|| duplicate_key(v)))
        }
        _ => None,
    }
}

/// ciborium's decoding of exactly one item from `data`.
pub fn ciborium_decode(data: &[u8]) -> Result<(ciborium::Value, usize), String> {
    let mut rest = data;
    let value: ciborium::Value = ciborium::from_reader(&mut rest).map_err(|e| format!("{e:?}"))?;
    Ok((value, data.len() - rest.len()))
}

/// The reference verdict for `data` in `mode`, under `limits`.
pub fn reference(data: &[u8], mode: Mode, limits: &Limits) -> Reference {
    let decoded = ciborium_decode(data);
    let consumed = match &decoded {
        Ok((_, n)) => *n,
        Err(_) => data.len(),
    };
    let scanned = data.get(..consumed).and_then(scan);
    if let Some(s) = &scanned {
        if s.unknown_simple {
            return Reference::Outside("simple value other than false/true/null/undefined");
        }
        if s.bignum {
            return Reference::Outside("tag 2/3 on a byte string (ciborium: bignum integer)");
        }
    }
    let (value, consumed) = match decoded {
        Ok(v) => v,
        Err(e) => return Reference::Reject(format!("ciborium: {e}")),
    };
    if consumed != data.len() {
        return Reference::Reject(format!("{} bytes after the item", data.len() - consumed));
    }
    let Some(s) = scanned else {
        return Reference::Reject("ciborium-ll cannot scan what ciborium decoded".into());
    };
    if let Some(at) = s.short_simple {
        return Reference::Reject(format!("two-byte simple value below 32 at {at}"));
    }
    if let Some(at) = s.nested_chunk {
        return Reference::Reject(format!("indefinite chunk in an indefinite string at {at}"));
    }
    let (depth, items) = shape(&value);
    if depth > limits.max_depth {
        return Reference::Reject(format!("depth {depth} > {}", limits.max_depth));
    }
    if items > limits.max_items {
        return Reference::Reject(format!("{items} items > {}", limits.max_items));
    }
    match duplicate_key(&value) {
        Some(true) if s.undefined => return Reference::Outside("null and undefined map keys"),
        Some(_) => return Reference::Reject("duplicate map key".into()),
        None => {}
    }
    if mode == Mode::Strict {
        if let Some(at) = s.indefinite {
            return Reference::Reject(format!("indefinite length at {at}"));
        }
        if let Some(at) = s.non_minimal {
            return Reference::Reject(format!("non-minimal head at {at}"));
        }
    }
    Reference::Accept(value)
}

/// Whether certseal's `v` and ciborium's `c` are the same value (floats bit for bit, any NaN
/// equal to any NaN; `undefined` is ciborium's `null`).
pub fn same(v: &Value<'_>, c: &ciborium::Value) -> bool {
    use ciborium::Value as C;
    match (v, c) {
        (Value::Integer(a), C::Integer(b)) => *a == i128::from(*b),
        (Value::Bytes(a), C::Bytes(b)) => a.as_ref() == b.as_slice(),
        (Value::Text(a), C::Text(b)) => a.as_ref() == b.as_str(),
        (Value::Array(a), C::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Map(a), C::Map(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        (Value::Tag(ta, a), C::Tag(tb, b)) => ta == tb && same(a, b),
        (Value::Bool(a), C::Bool(b)) => a == b,
        (Value::Null | Value::Undefined, C::Null) => true,
        (Value::Float(a), C::Float(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
        _ => false,
    }
}

/// Whether `v` holds a float anywhere.
pub fn has_float(v: &ciborium::Value) -> bool {
    use ciborium::Value as C;
    match v {
        C::Float(_) => true,
        C::Array(items) => items.iter().any(has_float),
        C::Map(pairs) => pairs.iter().any(|(k, v)| has_float(k) || has_float(v)),
        C::Tag(_, inner) => has_float(inner),
        _ => false,
    }
}

/// Whether `v` has one encoding that both writers must produce: no float (certseal writes
/// doubles, ciborium the shortest width), no `undefined` (ciborium has only `null`), no other
/// simple value.
pub fn exact(v: &Value<'_>) -> bool {
    match v {
        Value::Float(_) | Value::Undefined | Value::Simple(_) => false,
        Value::Array(items) => items.iter().all(exact),
        Value::Map(pairs) => pairs.iter().all(|(k, v)| exact(k) && exact(v)),
        Value::Tag(_, inner) => exact(inner),
        _ => true,
    }
}

/// ciborium's encoding of `c`.
pub fn ciborium_encode(c: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = ciborium::into_writer(c, &mut out);
    out
}

/// certseal's encoding of `v` (`None` when CBOR cannot hold it: `Writer::value`).
pub fn certseal_encode(v: &Value<'_>) -> Option<Vec<u8>> {
    let mut w = Writer::new();
    w.value(v).ok()?;
    Some(w.into_inner())
}

/// Compares certseal with the reference on `data` in `mode` under `limits`; `Err` describes
/// the first disagreement.
pub fn compare(data: &[u8], mode: Mode, limits: &Limits) -> Result<(), String> {
    let ours = cbor::decode(data, mode, limits);
    // Whatever the reference says: what certseal accepts, its writer must write so that its
    // strict reader gives it back (NaN payloads aside).
    if let Ok(v) = &ours {
        let Some(again) = certseal_encode(v) else {
            return Err(format!(
                "{mode:?}: the writer refuses a decoded value: {v:?}"
            ));
        };
        let back = cbor::decode(&again, Mode::Strict, &Limits::DEFAULT);
        if !back
            .as_ref()
            .is_ok_and(|b| format!("{b:?}") == format!("{v:?}"))
        {
            return Err(format!(
                "{mode:?}: writer output does not decode to the value"
            ));
        }
    }
    match (reference(data, mode, limits), ours) {
        (Reference::Outside(_), _) => Ok(()),
        (Reference::Reject(_), Err(_)) => Ok(()),
        (Reference::Reject(why), Ok(v)) => Err(format!(
            "{mode:?}: certseal accepts what the reference refuses ({why}): {v:?}"
        )),
        (Reference::Accept(c), Err(e)) => Err(format!(
            "{mode:?}: certseal refuses what the reference accepts: {e} (ciborium: {c:?})"
        )),
        (Reference::Accept(c), Ok(v)) => {
            if !same(&v, &c) {
                return Err(format!("{mode:?}: values differ: {v:?} vs {c:?}"));
            }
            let Some(ours) = certseal_encode(&v) else {
                return Err(format!(
                    "{mode:?}: the writer refuses a decoded value: {v:?}"
                ));
            };
            let theirs = ciborium_encode(&c);
            match ciborium_decode(&ours) {
                Ok((back, n)) if n == ours.len() && same(&v, &back) => {}
                other => return Err(format!("{mode:?}: ciborium reads our writer as {other:?}")),
            }
            match cbor::decode(&theirs, Mode::Strict, &Limits::DEFAULT) {
                Ok(back) if same(&back, &c) => {}
                other => {
                    return Err(format!(
                        "{mode:?}: certseal strict reads ciborium's writer as {other:?}"
                    ))
                }
            }
            if exact(&v) {
                if ours != theirs {
                    return Err(format!(
                        "{mode:?}: encodings differ: {} vs {}",
                        crate_hex(&ours),
                        crate_hex(&theirs)
                    ));
                }
                if mode == Mode::Strict && ours != data {
                    return Err(format!(
                        "strict input is not what the writer writes: {}",
                        crate_hex(&ours)
                    ));
                }
            }
            Ok(())
        }
    }
}

fn crate_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The fuzz target: both modes under the default limits; panics on a disagreement.
pub fn check(data: &[u8]) {
    for mode in [Mode::Strict, Mode::Lenient] {
        if let Err(e) = compare(data, mode, &Limits::DEFAULT) {
            panic!("CBOR differential: {e}; input {}", crate_hex(data));
        }
    }
}
