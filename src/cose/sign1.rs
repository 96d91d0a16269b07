//! COSE_Sign1: `[protected: bstr .cbor header_map, unprotected: header_map, payload: bstr / nil,
//! signature: bstr]`, optionally behind tag 18.

use crate::codec::cbor::{Mode, Reader, Value, Writer};
use crate::codec::{CodecError, Limits};

use super::CoseError;

/// The CBOR tag of COSE_Sign1.
pub const SIGN1_TAG: u64 = 18;

const LABEL_ALG: i64 = 1;
const LABEL_CRIT: i64 = 2;
const LABEL_KID: i64 = 4;

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
    /// `alg` (label 1) as an integer, and where it was found. A text `alg` is reported as
    /// `i64::MIN` so it fails the algorithm lookup.
    pub alg: Option<(i64, HeaderBucket)>,
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
    pub fn parse(buf: &'a [u8], mode: Mode, limits: &Limits) -> Result<Self, crate::Error> {
        let mut r = Reader::new(buf, mode);
        let tagged = match r.opt_tag()? {
            None => false,
            Some(SIGN1_TAG) => true,
            Some(got) => return Err(CoseError::WrongTag { got }.into()),
        };
        if r.array()
            .map_err(structure("COSE_Sign1 must be an array"))?
            != 4
        {
            return Err(CoseError::Structure("COSE_Sign1 must be an array of 4 items").into());
        }
        let protected = r
            .bytes()
            .map_err(structure("protected header must be a byte string"))?;
        let mut msg = Sign1 {
            tagged,
            protected,
            alg: None,
            kid: None,
            payload: None,
            signature: &[],
        };
        let mut labels = Labels::default();
        let mut crit: Vec<i64> = Vec::new();
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
        for label in crit {
            if !matches!(label, LABEL_ALG | LABEL_CRIT | LABEL_KID) {
                return Err(CoseError::UnknownCritical { label }.into());
            }
        }
        msg.payload = if r.opt_null() {
            None
        } else {
            Some(
                r.bytes()
                    .map_err(structure("payload must be a byte string or nil"))?,
            )
        };
        msg.signature = r
            .bytes()
            .map_err(structure("signature must be a byte string"))?;
        r.finish()?;
        Ok(msg)
    }

    fn read_header(
        &mut self,
        r: &mut Reader<'a>,
        bucket: HeaderBucket,
        limits: &Limits,
        labels: &mut Labels<'a>,
        crit: &mut Vec<i64>,
    ) -> Result<(), crate::Error> {
        let n = r.map().map_err(structure("header must be a map"))?;
        for _ in 0..n {
            let label = match r.peek() {
                Some(b) if b >> 5 <= 1 => r.int()?,
                // Text labels are legal COSE; certseal knows none, so their values are
                // skipped, but a text label used twice is still refused.
                Some(b) if b >> 5 == 3 => {
                    let label = r.text()?;
                    if labels.text.contains(&label) {
                        return Err(CoseError::Structure("text header label appears twice").into());
                    }
                    labels.text.push(label);
                    r.skip(limits)?;
                    continue;
                }
                _ => {
                    return Err(
                        CoseError::Structure("header label must be an integer or text").into(),
                    )
                }
            };
            if labels.int.contains(&label) {
                return Err(CoseError::DuplicateLabel { label }.into());
            }
            labels.int.push(label);
            match label {
                LABEL_ALG => {
                    let alg = match r.peek() {
                        Some(b) if b >> 5 == 3 => {
                            r.text()?;
                            i64::MIN
                        }
                        _ => r
                            .int()
                            .map_err(structure("alg must be an integer or text"))?,
                    };
                    self.alg = Some((alg, bucket));
                }
                LABEL_KID => {
                    let kid = r.bytes().map_err(structure("kid must be a byte string"))?;
                    self.kid = Some((kid, bucket));
                }
                LABEL_CRIT => {
                    if bucket != HeaderBucket::Protected {
                        return Err(CoseError::Structure("crit must be protected").into());
                    }
                    let count = r.array().map_err(structure("crit must be an array"))?;
                    if count == 0 {
                        return Err(CoseError::Structure("crit must not be empty").into());
                    }
                    for _ in 0..count {
                        match r.value(limits)? {
                            Value::Integer(n) => crit.push(i64::try_from(n).unwrap_or(i64::MIN)),
                            _ => crit.push(i64::MIN),
                        }
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
    ) -> Result<Vec<u8>, crate::Error> {
        let mut protected = Writer::with_capacity(16);
        protected
            .map(if kid.is_empty() { 1 } else { 2 })
            .int(LABEL_ALG)
            .int(signer.algorithm().cose_value());
        if !kid.is_empty() {
            protected.int(LABEL_KID).bytes(kid);
        }
        let protected = protected.into_inner();
        let mut tbs = Vec::new();
        sig_structure_into(&protected, external_aad, payload, &mut tbs);
        let signature = signer.sign(&tbs)?;
        Ok(Self::encode(
            tagged,
            &protected,
            &[0xa0],
            payload,
            &signature,
        ))
    }
}

/// Header labels seen so far, across both buckets.
#[derive(Default)]
struct Labels<'a> {
    int: Vec<i64>,
    text: Vec<&'a str>,
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

fn structure(what: &'static str) -> impl Fn(CodecError) -> crate::Error {
    move |e| match e {
        CodecError::Cbor {
            kind: crate::codec::CborErrorKind::UnexpectedType { .. },
            ..
        } => CoseError::Structure(what).into(),
        other => other.into(),
    }
}
