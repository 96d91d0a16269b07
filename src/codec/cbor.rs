//! A bounded CBOR (RFC 8949) reader and writer, and a borrowed value tree.
//!
//! Hand-written rather than taken from `ciborium` because the verification hot path needs a
//! zero-copy, allocation-free reader that (a) keeps the exact bytes of nested byte strings so
//! signatures are checked over what was received, (b) enforces certseal's deterministic
//! profile (shortest-form heads, definite lengths, no duplicate map keys) and (c) bounds depth
//! and item counts before allocating. `ciborium` is used in the tests as an independent
//! decoder to cross-check this one.
//!
//! Two modes: [`Mode::Strict`] (certseal's own formats: shortest-form heads, definite lengths
//! only) and [`Mode::Lenient`] (foreign COSE and CWT: any valid CBOR, still bounded and still
//! refusing duplicate map keys).

use std::borrow::Cow;

use super::{CborErrorKind, CodecError, Limits};

/// How strictly to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Shortest-form heads and definite lengths only (certseal's deterministic profile).
    Strict,
    /// Any well-formed CBOR (interop with other issuers).
    Lenient,
}

/// CBOR major types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Major {
    /// 0: unsigned integer.
    Uint,
    /// 1: negative integer.
    Nint,
    /// 2: byte string.
    Bytes,
    /// 3: text string.
    Text,
    /// 4: array.
    Array,
    /// 5: map.
    Map,
    /// 6: tag.
    Tag,
    /// 7: simple values and floats.
    Simple,
}

impl Major {
    const fn from_bits(b: u8) -> Major {
        match b >> 5 {
            0 => Major::Uint,
            1 => Major::Nint,
            2 => Major::Bytes,
            3 => Major::Text,
            4 => Major::Array,
            5 => Major::Map,
            6 => Major::Tag,
            _ => Major::Simple,
        }
    }
}

/// An item head: the major type and its argument; `None` for an indefinite length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The major type.
    pub major: Major,
    /// The argument (value, length or tag number); `None` when indefinite.
    pub arg: Option<u64>,
    /// The additional-information bits, for simple values and floats.
    pub info: u8,
}

/// A bounded, zero-copy CBOR reader.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    mode: Mode,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    #[inline]
    pub fn new(buf: &'a [u8], mode: Mode) -> Self {
        Reader { buf, pos: 0, mode }
    }

    /// The current byte offset.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// True when every byte has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// An error of `kind` at the current offset.
    #[cold]
    pub fn error(&self, kind: CborErrorKind) -> CodecError {
        CodecError::Cbor {
            offset: self.pos,
            kind,
        }
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Result<(), CodecError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(CborErrorKind::TrailingBytes))
        }
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.buf.len())
            .ok_or_else(|| self.error(CborErrorKind::Truncated))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next byte, without consuming it.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reads an item head.
    #[inline]
    pub fn head(&mut self) -> Result<Head, CodecError> {
        let start = self.pos;
        let first = *self
            .take(1)?
            .first()
            .ok_or_else(|| self.error(CborErrorKind::Truncated))?;
        let major = Major::from_bits(first);
        let info = first & 0x1f;
        let arg = match info {
            0..=23 => Some(u64::from(info)),
            24 => {
                let b = self.take(1)?;
                let v = u64::from(b[0]);
                if self.mode == Mode::Strict && v < 24 && major != Major::Simple {
                    return Err(self.non_minimal(start));
                }
                Some(v)
            }
            25 => {
                let b = self.take(2)?;
                let v = u64::from(u16::from_be_bytes([b[0], b[1]]));
                if self.mode == Mode::Strict && v <= 0xff && major != Major::Simple {
                    return Err(self.non_minimal(start));
                }
                Some(v)
            }
            26 => {
                let b = self.take(4)?;
                let v = u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                if self.mode == Mode::Strict && v <= 0xffff && major != Major::Simple {
                    return Err(self.non_minimal(start));
                }
                Some(v)
            }
            27 => {
                let b = self.take(8)?;
                let v = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                if self.mode == Mode::Strict && v <= 0xffff_ffff && major != Major::Simple {
                    return Err(self.non_minimal(start));
                }
                Some(v)
            }
            31 => match major {
                Major::Bytes | Major::Text | Major::Array | Major::Map => {
                    if self.mode == Mode::Strict {
                        self.pos = start;
                        return Err(self.error(CborErrorKind::Indefinite));
                    }
                    None
                }
                // The "break" stop code is only valid inside an indefinite item.
                _ => {
                    self.pos = start;
                    return Err(self.error(CborErrorKind::Malformed));
                }
            },
            _ => {
                self.pos = start;
                return Err(self.error(CborErrorKind::Malformed));
            }
        };
        Ok(Head { major, arg, info })
    }

    #[cold]
    fn non_minimal(&mut self, start: usize) -> CodecError {
        self.pos = start;
        self.error(CborErrorKind::NonMinimal)
    }

    #[cold]
    fn unexpected(&mut self, start: usize, expected: &'static str) -> CodecError {
        self.pos = start;
        self.error(CborErrorKind::UnexpectedType { expected })
    }

    fn definite(
        &mut self,
        start: usize,
        head: Head,
        major: Major,
        what: &'static str,
    ) -> Result<u64, CodecError> {
        match head {
            Head {
                major: m,
                arg: Some(n),
                ..
            } if m == major => Ok(n),
            Head {
                major: m,
                arg: None,
                ..
            } if m == major => {
                self.pos = start;
                Err(self.error(CborErrorKind::Indefinite))
            }
            _ => Err(self.unexpected(start, what)),
        }
    }

    /// Reads an unsigned integer.
    #[inline]
    pub fn uint(&mut self) -> Result<u64, CodecError> {
        let start = self.pos;
        let head = self.head()?;
        self.definite(start, head, Major::Uint, "unsigned integer")
    }

    /// Reads an integer (major 0 or 1) that fits in `i64`.
    #[inline]
    pub fn int(&mut self) -> Result<i64, CodecError> {
        let start = self.pos;
        let head = self.head()?;
        match (head.major, head.arg) {
            (Major::Uint, Some(n)) => i64::try_from(n).map_err(|_| {
                self.pos = start;
                self.error(CborErrorKind::OutOfRange)
            }),
            (Major::Nint, Some(n)) => i64::try_from(n).map(|n| -1 - n).map_err(|_| {
                self.pos = start;
                self.error(CborErrorKind::OutOfRange)
            }),
            _ => Err(self.unexpected(start, "integer")),
        }
    }

    fn len(&mut self, start: usize, n: u64) -> Result<usize, CodecError> {
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.buf.len().saturating_sub(self.pos))
            .ok_or_else(|| {
                self.pos = start;
                self.error(CborErrorKind::Truncated)
            })
    }

    /// Reads a definite-length byte string, borrowed from the input.
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let start = self.pos;
        let head = self.head()?;
        let n = self.definite(start, head, Major::Bytes, "byte string")?;
        let n = self.len(start, n)?;
        self.take(n)
    }

    /// Reads a definite-length text string, borrowed from the input.
    #[inline]
    pub fn text(&mut self) -> Result<&'a str, CodecError> {
        let start = self.pos;
        let head = self.head()?;
        let n = self.definite(start, head, Major::Text, "text string")?;
        let n = self.len(start, n)?;
        let raw = self.take(n)?;
        std::str::from_utf8(raw).map_err(|_| {
            self.pos = start;
            self.error(CborErrorKind::InvalidUtf8)
        })
    }

    /// Reads a definite array head; returns the number of elements (bounded by the input size).
    #[inline]
    pub fn array(&mut self) -> Result<usize, CodecError> {
        let start = self.pos;
        let head = self.head()?;
        let n = self.definite(start, head, Major::Array, "array")?;
        self.count(start, n, 1)
    }

    /// Reads a definite map head; returns the number of pairs (bounded by the input size).
    #[inline]
    pub fn map(&mut self) -> Result<usize, CodecError> {
        let start = self.pos;
        let head = self.head()?;
        let n = self.definite(start, head, Major::Map, "map")?;
        self.count(start, n, 2)
    }

    fn count(&mut self, start: usize, n: u64, per: u64) -> Result<usize, CodecError> {
        // Every item takes at least one byte: a declared count larger than what is left is a lie.
        let left = u64::try_from(self.buf.len().saturating_sub(self.pos)).unwrap_or(u64::MAX);
        match n.checked_mul(per) {
            Some(items) if items <= left => usize::try_from(n).map_err(|_| {
                self.pos = start;
                self.error(CborErrorKind::TooManyItems)
            }),
            _ => {
                self.pos = start;
                Err(self.error(CborErrorKind::TooManyItems))
            }
        }
    }

    /// Reads a tag number if the next item is a tag; otherwise reads nothing.
    #[inline]
    pub fn opt_tag(&mut self) -> Result<Option<u64>, CodecError> {
        match self.peek() {
            Some(b) if b >> 5 == 6 => {
                let head = self.head()?;
                Ok(head.arg)
            }
            _ => Ok(None),
        }
    }

    /// Reads `null` if it is next; returns whether it was.
    #[inline]
    pub fn opt_null(&mut self) -> bool {
        if self.peek() == Some(0xf6) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Reads any one item into a [`Value`], bounded by `limits` (depth and item count).
    pub fn value(&mut self, limits: &Limits) -> Result<Value<'a>, CodecError> {
        let mut budget = limits.max_items;
        self.value_at(0, limits.max_depth, &mut budget)
    }

    /// Skips one item of any type (bounded).
    pub fn skip(&mut self, limits: &Limits) -> Result<(), CodecError> {
        self.value(limits).map(drop)
    }

    /// Returns the raw encoded bytes of the next item, skipping it.
    pub fn raw_item(&mut self, limits: &Limits) -> Result<&'a [u8], CodecError> {
        let start = self.pos;
        self.skip(limits)?;
        Ok(&self.buf[start..self.pos])
    }

    fn value_at(
        &mut self,
        depth: usize,
        max_depth: usize,
        budget: &mut usize,
    ) -> Result<Value<'a>, CodecError> {
        if depth > max_depth {
            return Err(self.error(CborErrorKind::TooDeep));
        }
        *budget = budget
            .checked_sub(1)
            .ok_or_else(|| self.error(CborErrorKind::TooManyItems))?;
        let start = self.pos;
        let head = self.head()?;
        Ok(match (head.major, head.arg) {
            (Major::Uint, Some(n)) => Value::Integer(i128::from(n)),
            (Major::Nint, Some(n)) => Value::Integer(-1 - i128::from(n)),
            (Major::Bytes, Some(n)) => {
                let n = self.len(start, n)?;
                Value::Bytes(Cow::Borrowed(self.take(n)?))
            }
            (Major::Text, Some(n)) => {
                let n = self.len(start, n)?;
                let raw = self.take(n)?;
                Value::Text(Cow::Borrowed(std::str::from_utf8(raw).map_err(|_| {
                    self.pos = start;
                    self.error(CborErrorKind::InvalidUtf8)
                })?))
            }
            (Major::Bytes, None) => {
                let mut out = Vec::new();
                while !self.at_break()? {
                    out.extend_from_slice(self.bytes()?);
                }
                Value::Bytes(Cow::Owned(out))
            }
            (Major::Text, None) => {
                let mut out = String::new();
                while !self.at_break()? {
                    out.push_str(self.text()?);
                }
                Value::Text(Cow::Owned(out))
            }
            (Major::Array, n) => {
                let mut items = Vec::new();
                match n {
                    Some(n) => {
                        let n = self.count(start, n, 1)?;
                        items.reserve(n.min(64));
                        for _ in 0..n {
                            items.push(self.value_at(depth + 1, max_depth, budget)?);
                        }
                    }
                    None => {
                        while !self.at_break()? {
                            items.push(self.value_at(depth + 1, max_depth, budget)?);
                        }
                    }
                }
                Value::Array(items)
            }
            (Major::Map, n) => {
                let mut pairs: Vec<(Value<'a>, Value<'a>)> = Vec::new();
                let mut push = |reader: &mut Self, budget: &mut usize| -> Result<(), CodecError> {
                    let key_at = reader.pos;
                    let k = reader.value_at(depth + 1, max_depth, budget)?;
                    if pairs.iter().any(|(seen, _)| *seen == k) {
                        reader.pos = key_at;
                        return Err(reader.error(CborErrorKind::DuplicateKey));
                    }
                    let v = reader.value_at(depth + 1, max_depth, budget)?;
                    pairs.push((k, v));
                    Ok(())
                };
                match n {
                    Some(n) => {
                        let n = self.count(start, n, 2)?;
                        for _ in 0..n {
                            push(self, budget)?;
                        }
                    }
                    None => {
                        while !self.at_break()? {
                            push(self, budget)?;
                        }
                    }
                }
                Value::Map(pairs)
            }
            (Major::Tag, Some(tag)) => {
                Value::Tag(tag, Box::new(self.value_at(depth + 1, max_depth, budget)?))
            }
            (Major::Simple, _) => match head.info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                23 => Value::Undefined,
                24 => match head.arg {
                    Some(n) if n >= 32 => Value::Simple(n as u8),
                    _ => {
                        self.pos = start;
                        return Err(self.error(CborErrorKind::Malformed));
                    }
                },
                25 => Value::Float(f64::from(f16_to_f32(head.arg.unwrap_or(0) as u16))),
                26 => Value::Float(f64::from(f32::from_bits(head.arg.unwrap_or(0) as u32))),
                27 => Value::Float(f64::from_bits(head.arg.unwrap_or(0))),
                n => Value::Simple(n),
            },
            _ => {
                self.pos = start;
                return Err(self.error(CborErrorKind::Malformed));
            }
        })
    }

    fn at_break(&mut self) -> Result<bool, CodecError> {
        match self.peek() {
            Some(0xff) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(self.error(CborErrorKind::Truncated)),
        }
    }
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: value = m * 2^-24.
            let v = m as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, m) => sign | 0x7fc0_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

/// A decoded CBOR item, borrowing strings from the input where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// An integer (major types 0 and 1).
    Integer(i128),
    /// A byte string.
    Bytes(Cow<'a, [u8]>),
    /// A text string.
    Text(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// A map, in the order received.
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// A tagged item.
    Tag(u64, Box<Value<'a>>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// A float of any width.
    Float(f64),
    /// Another simple value.
    Simple(u8),
}

impl Value<'_> {
    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(n) => i64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// Looks up an integer key in a map.
    pub fn map_get_int(&self, key: i64) -> Option<&Self> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_i64() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A JSON rendering: byte strings as `h'…'` hex text, map keys as strings, tags as
    /// `{"tag": n, "value": …}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Integer(n) => match i64::try_from(*n) {
                Ok(n) => J::from(n),
                Err(_) => match u64::try_from(*n) {
                    Ok(n) => J::from(n),
                    Err(_) => J::String(n.to_string()),
                },
            },
            Value::Bytes(b) => J::String(format!("h'{}'", super::hex::encode(b))),
            Value::Text(t) => J::String(t.to_string()),
            Value::Array(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(pairs) => J::Object(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Value::Text(t) => t.to_string(),
                            Value::Integer(n) => n.to_string(),
                            other => other.to_json().to_string(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
            Value::Tag(tag, v) => serde_json::json!({ "tag": tag, "value": v.to_json() }),
            Value::Bool(b) => J::Bool(*b),
            Value::Null | Value::Undefined => J::Null,
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Simple(n) => serde_json::json!({ "simple": n }),
        }
    }
}

/// Decodes exactly one item from `buf` (no trailing bytes).
pub fn decode<'a>(buf: &'a [u8], mode: Mode, limits: &Limits) -> Result<Value<'a>, CodecError> {
    let mut r = Reader::new(buf, mode);
    let v = r.value(limits)?;
    r.finish()?;
    Ok(v)
}

/// A CBOR writer producing certseal's deterministic encoding (shortest-form heads, definite
/// lengths). Map key order is the caller's: certseal writes keys in the order its specs give.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }

    /// Writes into an existing buffer (appending).
    pub fn from_vec(buf: Vec<u8>) -> Self {
        Writer { buf }
    }

    /// The bytes written.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// Writes a head of major type `major` (0..=7) with argument `arg`.
    #[inline]
    pub fn head(&mut self, major: u8, arg: u64) -> &mut Self {
        let m = major << 5;
        if arg < 24 {
            self.buf.push(m | arg as u8);
        } else if arg <= 0xff {
            self.buf.extend_from_slice(&[m | 24, arg as u8]);
        } else if arg <= 0xffff {
            self.buf.push(m | 25);
            self.buf.extend_from_slice(&(arg as u16).to_be_bytes());
        } else if arg <= 0xffff_ffff {
            self.buf.push(m | 26);
            self.buf.extend_from_slice(&(arg as u32).to_be_bytes());
        } else {
            self.buf.push(m | 27);
            self.buf.extend_from_slice(&arg.to_be_bytes());
        }
        self
    }

    /// Writes an unsigned integer.
    #[inline]
    pub fn uint(&mut self, n: u64) -> &mut Self {
        self.head(0, n)
    }

    /// Writes a signed integer.
    #[inline]
    pub fn int(&mut self, n: i64) -> &mut Self {
        if n >= 0 {
            self.head(0, n.unsigned_abs())
        } else {
            // -1 - n for n < 0 is n.unsigned_abs() - 1, never overflowing.
            self.head(1, n.unsigned_abs() - 1)
        }
    }

    /// Writes a byte string.
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.head(2, b.len() as u64);
        self.buf.extend_from_slice(b);
        self
    }

    /// Writes a text string.
    #[inline]
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.head(3, s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    /// Writes an array head of `n` elements.
    #[inline]
    pub fn array(&mut self, n: usize) -> &mut Self {
        self.head(4, n as u64)
    }

    /// Writes a map head of `n` pairs.
    #[inline]
    pub fn map(&mut self, n: usize) -> &mut Self {
        self.head(5, n as u64)
    }

    /// Writes a tag head.
    #[inline]
    pub fn tag(&mut self, tag: u64) -> &mut Self {
        self.head(6, tag)
    }

    /// Writes `true` or `false`.
    #[inline]
    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.buf.push(if b { 0xf5 } else { 0xf4 });
        self
    }

    /// Writes `null`.
    #[inline]
    pub fn null(&mut self) -> &mut Self {
        self.buf.push(0xf6);
        self
    }

    /// Appends already-encoded CBOR.
    #[inline]
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    /// Writes a [`Value`] (deterministic heads; definite lengths).
    ///
    /// A `Value` built by hand can hold what CBOR cannot encode: an integer outside
    /// −2^64..2^64 (`OutOfRange`) or a simple value 24..=31, which has no well-formed
    /// encoding (RFC 8949 §3.3; `ReservedSimple`). Those are refused, naming the byte offset
    /// the item would have started at; the buffer then holds the items written before it.
    /// Every value the decoder returns is writable.
    pub fn value(&mut self, v: &Value<'_>) -> Result<&mut Self, CodecError> {
        match v {
            Value::Integer(n) => {
                let (major, arg) = if *n >= 0 {
                    (0, u64::try_from(*n))
                } else {
                    (1, u64::try_from(-1 - *n))
                };
                let arg = arg.map_err(|_| self.refuse(CborErrorKind::OutOfRange))?;
                self.head(major, arg);
            }
            Value::Bytes(b) => {
                self.bytes(b);
            }
            Value::Text(t) => {
                self.text(t);
            }
            Value::Array(items) => {
                self.array(items.len());
                for item in items {
                    self.value(item)?;
                }
            }
            Value::Map(pairs) => {
                self.map(pairs.len());
                for (k, v) in pairs {
                    self.value(k)?;
                    self.value(v)?;
                }
            }
            Value::Tag(t, v) => {
                self.tag(*t).value(v)?;
            }
            Value::Bool(b) => {
                self.bool(*b);
            }
            Value::Null => {
                self.null();
            }
            Value::Undefined => self.buf.push(0xf7),
            Value::Float(f) => {
                self.buf.push(0xfb);
                self.buf.extend_from_slice(&f.to_bits().to_be_bytes());
            }
            Value::Simple(n @ 0..=23) => self.buf.push(0xe0 | n),
            Value::Simple(n @ 24..=31) => {
                return Err(self.refuse(CborErrorKind::ReservedSimple { value: *n }));
            }
            Value::Simple(n) => self.buf.extend_from_slice(&[0xf8, *n]),
        }
        Ok(self)
    }

    /// The error for an item that cannot be written at the current offset.
    fn refuse(&self, kind: CborErrorKind) -> CodecError {
        CodecError::Cbor {
            offset: self.buf.len(),
            kind,
        }
    }
}

#[cfg(test)]
mod tests;
