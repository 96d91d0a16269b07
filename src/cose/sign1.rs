//! COSE_Sign1: `[protected: bstr .cbor header_map, unprotected: header_map, payload: bstr / nil,
//! signature: bstr]`, optionally behind tag 18.

use crate::codec::cbor::{Mode, Reader, Writer};
use crate::codec::{CodecError, Limits};

use super::{type_name, CoseError, Label};

/// The CBOR tag of COSE_Sign1.
pub const SIGN1_TAG: u64 = 18;

/// Header label of `alg`.
pub const LABEL_ALG: i64 = 1;
/// Header label of `crit`.
pub const LABEL_CRIT: i64 = 2;
/// Header label of `kid`.
pub const LABEL_KID: i64 = 4;

/// Most header labels in one message, both buckets together (`specs/limits.md`). Real headers
/// hold a handful; the bound keeps the duplicate-label check linear in practice.
pub const MAX_HEADER_LABELS: usize = 64;

/// Where a header parameter was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderBucket {
    /// In the integrity-protected header.
    Protected,
    /// In the unprotected header.
    Unprotected,
}

/// A parsed COSE_Sign1 message, borrowing from the bytes received.
#[derive(Debug, Clone)]
pub struct Sign1<'a> {
    /// Whether the message carried tag 18.
    pub tagged: bool,
    /// The protected header's bytes exactly as received (the content of the bstr).
    pub protected: &'a [u8],
    /// `alg` (label 1) as received (an integer, or text), and where it was found.
    pub alg: Option<(Label, HeaderBucket)>,
    /// `kid` (label 4) and where it was found.
    pub kid: Option<(&'a [u8], HeaderBucket)>,
    /// The payload; `None` when detached (`nil`).
    pub payload: Option<&'a [u8]>,
    /// The signature bytes.
    pub signature: &'a [u8],
}

impl<'a> Sign1<'a> {
    /// Parses a COSE_Sign1 message. `mode` is the CBOR strictness; in either mode duplicate
    /// labels, a label in both buckets, and unknown critical headers are refused.
    /// A message longer than `limits.max_cose_len` is refused before any byte is read.
    pub fn parse(buf: &'a [u8], mode: Mode, limits: &Limits) -> Result<Self, CoseError> {
        if buf.len() > limits.max_cose_len {
            return Err(CodecError::TooLong {
                step: "cose",
                len: buf.len(),
                max: limits.max_cose_len,
            }
            .into());
        }
        let mut r = Reader::new(buf, mode);
        let tagged = match r.opt_tag()? {
            None => false,
            Some(SIGN1_TAG) => true,
            Some(got) => return Err(CoseError::WrongTag { got }),
        };
        expect(&r, MAJOR_ARRAY, "COSE_Sign1", "an array")?;
        let items = r.array()?;
        if items != 4 {
            return Err(CoseError::ArrayLength { got: items });
        }
        expect(&r, MAJOR_BYTES, "protected header", "a byte string")?;
        let protected = r.bytes()?;
        let mut msg = Sign1 {
            tagged,
            protected,
            alg: None,
            kid: None,
            payload: None,
            signature: &[],
        };
        let mut labels: Vec<Label> = Vec::new();
        let mut crit: Vec<Label> = Vec::new();
        // An empty protected header is the zero-length string (RFC 9052 §3); `A0` (an empty
        // map) is tolerated as received, and the signature is checked over it.
        if !protected.is_empty() {
            let mut p = Reader::new(protected, mode);
            msg.read_header(
                &mut p,
                HeaderBucket::Protected,
                limits,
                &mut labels,
                &mut crit,
            )?;
            p.finish()?;
        }
        msg.read_header(
            &mut r,
            HeaderBucket::Unprotected,
            limits,
            &mut labels,
            &mut crit,
        )?;
        if let Some(label) = crit
            .into_iter()
            .find(|l| !matches!(l, Label::Int(LABEL_ALG | LABEL_CRIT | LABEL_KID)))
        {
            return Err(CoseError::UnknownCritical { label });
        }
        msg.payload = if r.opt_null() {
            None
        } else {
            expect(&r, MAJOR_BYTES, "payload", "a byte string or nil")?;
            Some(r.bytes()?)
        };
        expect(&r, MAJOR_BYTES, "signature", "a byte string")?;
        msg.signature = r.bytes()?;
        r.finish()?;
        Ok(msg)
    }

    fn read_header(
        &mut self,
        r: &mut Reader<'a>,
        bucket: HeaderBucket,
        limits: &Limits,
        labels: &mut Vec<Label>,
        crit: &mut Vec<Label>,
    ) -> Result<(), CoseError> {
        let item = match bucket {
            HeaderBucket::Protected => "protected header",
            HeaderBucket::Unprotected => "unprotected header",
        };
        expect(r, MAJOR_MAP, item, "a map")?;
        let n = r.map()?;
        let total = n.saturating_add(labels.len());
        if total > MAX_HEADER_LABELS {
            return Err(CoseError::TooManyLabels {
                got: total,
                max: MAX_HEADER_LABELS,
            });
        }
        for _ in 0..n {
            // Text labels are legal COSE; certseal knows none, so their values are skipped,
            // but a text label used twice is still refused.
            let label = read_label(r, "header label")?;
            if labels.contains(&label) {
                return Err(CoseError::DuplicateLabel { label });
            }
            labels.push(label.clone());
            match label {
                Label::Int(LABEL_ALG) => self.alg = Some((read_label(r, "alg")?, bucket)),
                Label::Int(LABEL_KID) => {
                    expect(r, MAJOR_BYTES, "kid", "a byte string")?;
                    self.kid = Some((r.bytes()?, bucket));
                }
                Label::Int(LABEL_CRIT) => {
                    if bucket != HeaderBucket::Protected {
                        return Err(CoseError::Unprotected { label });
                    }
                    expect(r, MAJOR_ARRAY, "crit", "an array")?;
                    let count = r.array()?;
                    if count == 0 {
                        return Err(CoseError::EmptyCrit);
                    }
                    for _ in 0..count {
                        crit.push(read_label(r, "crit entry")?);
                    }
                }
                _ => r.skip(limits)?,
            }
        }
        Ok(())
    }

    /// Writes the Sig_structure `["Signature1", protected, external_aad, payload]` into `out`
    /// (cleared first), over the protected bytes as received.
    pub fn sig_structure(&self, external_aad: &[u8], out: &mut Vec<u8>) {
        sig_structure_into(
            self.protected,
            external_aad,
            self.payload.unwrap_or(&[]),
            out,
        );
    }

    /// Encodes a COSE_Sign1 message from its parts.
    pub fn encode(
        tagged: bool,
        protected: &[u8],
        unprotected: &[u8],
        payload: &[u8],
        signature: &[u8],
    ) -> Vec<u8> {
        let mut w = Writer::with_capacity(
            protected.len() + payload.len() + signature.len() + unprotected.len() + 16,
        );
        if tagged {
            w.tag(SIGN1_TAG);
        }
        w.array(4)
            .bytes(protected)
            .raw(unprotected)
            .bytes(payload)
            .bytes(signature);
        w.into_inner()
    }

    /// Signs `payload` with `signer`, with protected header `{1: alg, 4: kid}` (kid omitted when
    /// empty) and an empty unprotected header. Returns the encoded message.
    pub fn sign(
        tagged: bool,
        kid: &[u8],
        payload: &[u8],
        external_aad: &[u8],
        signer: &dyn crate::crypto::Signer,
    ) -> Result<Vec<u8>, crate::crypto::CryptoError> {
        Self::sign_with_len(tagged, kid, payload, external_aad, signer).map(|(m, _)| m)
    }

    /// [`Sign1::sign`], also returning the signature's length: the signature is the message's
    /// last that many bytes (the content of its final bstr).
    pub(crate) fn sign_with_len(
        tagged: bool,
        kid: &[u8],
        payload: &[u8],
        external_aad: &[u8],
        signer: &dyn crate::crypto::Signer,
    ) -> Result<(Vec<u8>, usize), crate::crypto::CryptoError> {
        // The protected header and the Sig_structure are built in this thread's buffers,
        // reused from one signature to the next (bulk issuance signs two a record); a buffer
        // grown past `TBS_KEEP` is let go.
        let mut protected = Writer::from_vec(take_scratch(&HEADER));
        protected
            .map(if kid.is_empty() { 1 } else { 2 })
            .int(LABEL_ALG)
            .int(signer.algorithm().cose_value());
        if !kid.is_empty() {
            protected.int(LABEL_KID).bytes(kid);
        }
        let protected = protected.into_inner();
        let mut tbs = take_scratch(&TBS);
        sig_structure_into(&protected, external_aad, payload, &mut tbs);
        let signature = signer.sign(&tbs);
        keep_scratch(&TBS, tbs);
        let message = signature.map(|signature| {
            (
                Self::encode(tagged, &protected, &[0xa0], payload, &signature),
                signature.len(),
            )
        });
        keep_scratch(&HEADER, protected);
        message
    }
}

thread_local! {
    /// Each thread's Sig_structure buffer for [`Sign1::sign_with_len`].
    static TBS: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    /// Each thread's protected-header buffer for [`Sign1::sign_with_len`].
    static HEADER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The largest Sig_structure buffer a thread keeps between signatures (bytes).
const TBS_KEEP: usize = 64 * 1024;

/// This thread's buffer in `slot`, empty (a new one if another call holds it).
pub(crate) fn take_scratch(
    slot: &'static std::thread::LocalKey<std::cell::Cell<Vec<u8>>>,
) -> Vec<u8> {
    let mut buf = slot.with(std::cell::Cell::take);
    buf.clear();
    buf
}

/// Gives `buf` back to this thread's `slot` for the next call, unless it grew past
/// `TBS_KEEP`.
pub(crate) fn keep_scratch(
    slot: &'static std::thread::LocalKey<std::cell::Cell<Vec<u8>>>,
    buf: Vec<u8>,
) {
    if buf.capacity() <= TBS_KEEP {
        slot.with(|c| c.set(buf));
    }
}

/// Writes the Sig_structure for COSE_Sign1 into `out` (cleared first).
#[inline]
pub fn sig_structure_into(
    protected: &[u8],
    external_aad: &[u8],
    payload: &[u8],
    out: &mut Vec<u8>,
) {
    out.clear();
    out.reserve(protected.len() + external_aad.len() + payload.len() + 32);
    let mut w = Writer::from_vec(std::mem::take(out));
    w.array(4)
        .text("Signature1")
        .bytes(protected)
        .bytes(external_aad)
        .bytes(payload);
    *out = w.into_inner();
}

const MAJOR_BYTES: u8 = 2;
const MAJOR_ARRAY: u8 = 4;
const MAJOR_MAP: u8 = 5;

/// Refuses the next item unless it has major type `major`. At the end of the data it lets
/// the reader report the truncation.
fn expect(
    r: &Reader<'_>,
    major: u8,
    item: &'static str,
    expected: &'static str,
) -> Result<(), CoseError> {
    match r.peek() {
        Some(b) if b >> 5 != major => Err(CoseError::WrongType {
            item,
            expected,
            got: type_name(Some(b)),
        }),
        _ => Ok(()),
    }
}

/// An integer or text label (or algorithm value), as received.
fn read_label(r: &mut Reader<'_>, item: &'static str) -> Result<Label, CoseError> {
    match r.peek() {
        Some(b) if b >> 5 <= 1 => Ok(Label::Int(r.int()?)),
        Some(b) if b >> 5 == 3 => Ok(Label::Text(r.text()?.to_owned())),
        Some(b) => Err(CoseError::WrongType {
            item,
            expected: "an integer or text",
            got: type_name(Some(b)),
        }),
        // Let the reader say the data ended.
        None => Ok(Label::Int(r.int()?)),
    }
}
