//! The set of keys a verifier trusts, indexed by `kid`. Keys are parsed here, once; a lookup is
//! a binary search over a sorted vector and allocates nothing.

use super::cert::{check_chain, kid_of, RootCert, SignerCert, SignerUsage};
use super::TrustError;
use crate::crypto::VerifyingKey;

/// Most signer certificates one store holds (a trust list is a handful; this bounds hostile
/// input).
pub const MAX_SIGNERS: usize = 4096;

/// A document-signer key a verifier trusts, with the facts about it that verification needs.
/// Made from a [`SignerCert`] that passed [`check_chain`], or from a bare key in interop mode
/// ([`TrustStore::from_single`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedSigner {
    kid: [u8; 8],
    key: VerifyingKey,
    not_before: i64,
    not_after: i64,
    subject: String,
    authority_name: Option<String>,
    authority_uscc: Option<String>,
    usage: SignerUsage,
    der: Vec<u8>,
}

impl TrustedSigner {
    /// Checks `cert` against `root` ([`check_chain`]) and keeps what verification needs.
    pub fn new(cert: &SignerCert, root: &RootCert) -> Result<Self, TrustError> {
        check_chain(cert, root)?;
        Ok(Self::from_cert_unchained(cert))
    }

    pub(crate) fn from_cert_unchained(cert: &SignerCert) -> Self {
        let p = &cert.p;
        TrustedSigner {
            kid: p.kid,
            key: p.key.clone(),
            not_before: p.not_before,
            not_after: p.not_after,
            subject: p.subject.clone(),
            authority_name: p.authority_name.clone(),
            authority_uscc: p.authority_uscc.clone(),
            usage: p.usage,
            der: p.der.clone(),
        }
    }

    /// Test hook: the same signer under another kid.
    #[cfg(test)]
    pub(crate) fn with_kid(mut self, kid: [u8; 8]) -> Self {
        self.kid = kid;
        self
    }

    /// The key id: first 8 bytes of SHA-256 over the certificate DER (over the DER
    /// SubjectPublicKeyInfo for a bare key).
    #[inline]
    pub fn kid(&self) -> &[u8; 8] {
        &self.kid
    }

    /// The public key, parsed once.
    #[inline]
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Start of the certificate's validity window (Unix seconds; `i64::MIN` for a bare key).
    #[inline]
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of the window (Unix seconds, inclusive; `i64::MAX` for a bare key).
    #[inline]
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Whether `t` lies in `not_before..=not_after`.
    #[inline]
    pub fn is_valid_at(&self, t: i64) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// The certificate subject, RFC 4514 style (`bare <alg> key` for a bare key).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuing authority's name (subject O), if the certificate has one.
    pub fn authority_name(&self) -> Option<&str> {
        self.authority_name.as_deref()
    }

    /// The issuing authority's unified social credit code, if the certificate has one.
    pub fn authority_uscc(&self) -> Option<&str> {
        self.authority_uscc.as_deref()
    }

    /// What the certificate lets this key sign (a bare key: documents only).
    #[inline]
    pub fn usage(&self) -> SignerUsage {
        self.usage
    }

    /// The certificate DER as received (empty for a bare key).
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// The keys a verifier trusts, looked up by `kid`.
///
/// Signers stay in the store after their window ends (a retired key still verifies what it
/// signed while it was valid); whether a signature's time fits the window is the verifier's
/// check, via [`TrustedSigner::is_valid_at`].
#[derive(Clone, Debug)]
pub struct TrustStore {
    /// Sorted by `(kid, not_before)`.
    signers: Vec<TrustedSigner>,
    /// Interop mode with one bare key: every kid maps to it.
    any_kid: bool,
    root: Option<RootCert>,
}

impl TrustStore {
    /// Checks each signer certificate against `root` and builds the store. Fails on the first
    /// certificate that does not parse or chain ([`TrustError::InList`] names its index), on a
    /// repeated certificate, or when there are more than [`MAX_SIGNERS`].
    pub fn from_certs<D: AsRef<[u8]>>(
        root: &RootCert,
        signer_ders: &[D],
    ) -> Result<TrustStore, TrustError> {
        if signer_ders.len() > MAX_SIGNERS {
            return Err(TrustError::TooManySigners {
                count: signer_ders.len(),
                max: MAX_SIGNERS,
            });
        }
        let mut signers = Vec::with_capacity(signer_ders.len());
        for (index, der) in signer_ders.iter().enumerate() {
            let der = der.as_ref();
            let in_list = |e: TrustError| TrustError::InList {
                index,
                source: Box::new(e),
            };
            let cert = SignerCert::parse(der).map_err(in_list)?;
            let trusted = TrustedSigner::new(&cert, root).map_err(in_list)?;
            signers.push((index, trusted));
        }
        signers.sort_by_key(|(_, s)| (s.kid, s.not_before));
        for pair in signers.windows(2) {
            if let [(i, a), (j, b)] = pair {
                if a.der == b.der {
                    return Err(TrustError::DuplicateSigner {
                        index: *i.max(j),
                        first: *i.min(j),
                    });
                }
            }
        }
        Ok(TrustStore {
            signers: signers.into_iter().map(|(_, s)| s).collect(),
            any_kid: false,
            root: Some(root.clone()),
        })
    }

    /// Builds a store from signer certificates already checked against `root` (as a
    /// [`crate::trust::KeyDir`] holds them); checks them again, cheaply.
    pub fn from_signer_certs(
        root: &RootCert,
        certs: &[SignerCert],
    ) -> Result<TrustStore, TrustError> {
        let ders: Vec<&[u8]> = certs.iter().map(SignerCert::der).collect();
        Self::from_certs(root, &ders)
    }

    /// Interop mode: trust one key directly, with no root.
    ///
    /// With `cert_der`, the certificate is parsed (not chained), its key must be `key`, and the
    /// signer gets the certificate's `kid`, window and names. Without it, the `kid` is the first
    /// 8 bytes of SHA-256 over the key's DER SubjectPublicKeyInfo and the window is unbounded.
    /// Either way, [`TrustStore::lookup`] returns this one key for **every** kid: with a single
    /// trusted key there is nothing else to try, and the signature check decides.
    pub fn from_single(
        key: VerifyingKey,
        cert_der: Option<&[u8]>,
    ) -> Result<TrustStore, TrustError> {
        let signer = match cert_der {
            Some(der) => {
                let cert = SignerCert::parse(der)?;
                if cert.verifying_key() != &key {
                    return Err(TrustError::KeyMismatch {
                        what: format!("signer \"{}\"", cert.subject()),
                    });
                }
                TrustedSigner::from_cert_unchained(&cert)
            }
            None => TrustedSigner {
                kid: kid_of(&crate::crypto::spki_from_raw(key.algorithm(), key.raw())),
                subject: format!("bare {} key", key.algorithm()),
                key,
                not_before: i64::MIN,
                not_after: i64::MAX,
                authority_name: None,
                authority_uscc: None,
                usage: SignerUsage::DOCUMENTS,
                der: Vec::new(),
            },
        };
        Ok(TrustStore {
            signers: vec![signer],
            any_kid: true,
            root: None,
        })
    }

    /// Every signer whose kid is `kid` (a verifier tries each), oldest `not_before` first. Empty
    /// when none matches or `kid` is not 8 bytes. In interop mode ([`TrustStore::from_single`])
    /// the one trusted key, whatever `kid` is. Allocation-free, O(log n).
    #[inline]
    pub fn lookup(&self, kid: &[u8]) -> &[TrustedSigner] {
        if self.any_kid {
            return &self.signers;
        }
        let Ok(kid) = <&[u8; 8]>::try_from(kid) else {
            return &[];
        };
        let start = self.signers.partition_point(|s| s.kid < *kid);
        let len = self
            .signers
            .get(start..)
            .map_or(0, |rest| rest.partition_point(|s| s.kid == *kid));
        self.signers
            .get(start..start.saturating_add(len))
            .unwrap_or(&[])
    }

    /// Test hook: a store over `signers` as given, no checks.
    #[cfg(test)]
    pub(crate) fn from_trusted_unchecked(mut signers: Vec<TrustedSigner>) -> Self {
        signers.sort_by_key(|s| (s.kid, s.not_before));
        TrustStore {
            signers,
            any_kid: false,
            root: None,
        }
    }

    /// Every trusted signer, sorted by `(kid, not_before)`.
    pub fn signers(&self) -> &[TrustedSigner] {
        &self.signers
    }

    /// The number of trusted signers.
    pub fn len(&self) -> usize {
        self.signers.len()
    }

    /// Whether the store trusts no signer.
    pub fn is_empty(&self) -> bool {
        self.signers.is_empty()
    }

    /// The root the signers chain to (`None` in interop mode).
    pub fn root(&self) -> Option<&RootCert> {
        self.root.as_ref()
    }
}
