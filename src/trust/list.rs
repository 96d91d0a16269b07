//! The signed trust list (`specs/trust-list.md`): the document-signer certificates, signed by
//! the root as a COSE_Sign1 whose payload is a CBOR map
//! `{1: version, 2: issued_at, 3: next_update, 4: [signer certificate DER, …]}`.
//! Verifiers hold the root certificate (distributed out of band) and load the list from it.

use crate::codec::cbor::{Mode, Reader, Writer};
use crate::codec::{CborErrorKind, CodecError, Limits};
use crate::cose::{CoseError, HeaderBucket, Sign1, LABEL_ALG};
use crate::crypto::{Algorithm, CryptoError, Signer};

use super::{RootCert, SignerCert, TrustError, TrustStore, MAX_SIGNERS};

/// The trust list format version.
pub const TRUST_LIST_VERSION: u64 = 1;

/// A verified trust list: its dates and the store built from it.
#[derive(Debug)]
pub struct TrustList {
    /// When the list was signed.
    pub issued_at: i64,
    /// When verifiers should expect a newer list.
    pub next_update: i64,
    /// The signers, chain-checked against the root.
    pub store: TrustStore,
}

/// Signs a trust list of `signers` with the root key.
pub fn sign_trust_list(
    root: &RootCert,
    root_key: &dyn Signer,
    signers: &[SignerCert],
    issued_at: i64,
    next_update: i64,
) -> Result<Vec<u8>, crate::Error> {
    let mut w = Writer::with_capacity(1024);
    w.map(4)
        .int(1)
        .uint(TRUST_LIST_VERSION)
        .int(2)
        .int(issued_at)
        .int(3)
        .int(next_update)
        .int(4)
        .array(signers.len());
    for s in signers {
        w.bytes(s.der());
    }
    Ok(Sign1::sign(true, &root.kid(), w.as_slice(), &[], root_key)?)
}

impl TrustList {
    /// Verifies a trust list file against `root` and builds the store (each signer chained to
    /// the root). Bounded: at most [`MAX_SIGNERS`] certificates, 4 MiB in all.
    pub fn verify(bytes: &[u8], root: &RootCert) -> Result<TrustList, crate::Error> {
        let limits = Limits {
            max_cose_len: 4 << 20,
            max_items: MAX_SIGNERS * 2 + 16,
            ..Limits::DEFAULT
        };
        if bytes.len() > limits.max_cose_len {
            return Err(CodecError::TooLong {
                step: "trust list",
                len: bytes.len(),
                max: limits.max_cose_len,
            }
            .into());
        }
        let msg = Sign1::parse(bytes, Mode::Strict, &limits)?;
        let alg = match &msg.alg {
            Some((label, HeaderBucket::Protected)) => label
                .as_int()
                .and_then(Algorithm::from_cose)
                .ok_or_else(|| TrustError::ListAlgorithm { alg: label.clone() })?,
            Some((_, HeaderBucket::Unprotected)) => {
                return Err(CoseError::Unprotected {
                    label: LABEL_ALG.into(),
                }
                .into())
            }
            None => return Err(CoseError::MissingAlg.into()),
        };
        if alg != root.verifying_key().algorithm() {
            return Err(CryptoError::AlgorithmMismatch {
                got: alg,
                expected: root.verifying_key().algorithm(),
            }
            .into());
        }
        let payload = msg.payload.ok_or(CoseError::DetachedPayload)?;
        let mut tbs = Vec::new();
        msg.sig_structure(&[], &mut tbs);
        root.verifying_key().verify(&tbs, msg.signature)?;

        let mut r = Reader::new(payload, Mode::Strict);
        let expect = |r: &mut Reader<'_>, key: i64| -> Result<(), CodecError> {
            let at = r.position();
            if r.int()? == key {
                Ok(())
            } else {
                Err(CodecError::Cbor {
                    offset: at,
                    kind: CborErrorKind::UnexpectedType {
                        expected: "trust list keys 1, 2, 3, 4 in order",
                    },
                })
            }
        };
        let entries = r.map()?;
        if entries != 4 {
            return Err(TrustError::ListEntries { got: entries }.into());
        }
        expect(&mut r, 1)?;
        let version = r.uint()?;
        if version != TRUST_LIST_VERSION {
            return Err(TrustError::ListVersion {
                got: version,
                expected: TRUST_LIST_VERSION,
            }
            .into());
        }
        expect(&mut r, 2)?;
        let issued_at = r.int()?;
        expect(&mut r, 3)?;
        let next_update = r.int()?;
        expect(&mut r, 4)?;
        let n = r.array()?;
        let mut ders = Vec::with_capacity(n.min(MAX_SIGNERS));
        for _ in 0..n {
            ders.push(r.bytes()?);
        }
        r.finish()?;
        let store = TrustStore::from_certs(root, &ders)?;
        Ok(TrustList {
            issued_at,
            next_update,
            store,
        })
    }
}
