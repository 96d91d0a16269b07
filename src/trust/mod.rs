//! The X.509 part of the trust layer: root and document-signer certificates (made with rcgen,
//! or by [`sm2_cert`] for SM2 roots; read with x509-parser, signatures checked with `ring`),
//! chain checks, the [`TrustStore`] a verifier looks keys up in by `kid`, the [`KeyDir`] that
//! holds an issuer's keys, and key files ([`read_private_key`], [`write_private_key`]; every
//! file replaced whole by staged writes, `staged.rs`).
//!
//! This module owns certificates, key files and key selection; `crypto` below it owns the bare
//! keys and signatures. The signed trust list file (a COSE_Sign1 by the root over a list of
//! signer certificate DERs, `list.rs`) is built on top of [`TrustStore::from_certs`] and
//! [`RootCert`].
//!
//! Rules, in one place:
//!
//! - `kid` = first 8 bytes of SHA-256 over the signer certificate DER as received.
//! - A root is self-signed (signature checked), a CA, with keyCertSign when keyUsage is present.
//! - A signer is issued by the root (issuer name and signature), not a CA, keyUsage
//!   digitalSignature, and its window lies inside the root's ([`check_chain`]).
//! - Signature algorithms: ecdsa-with-SHA256 on P-256 (DER signature in X.509), Ed25519, and
//!   with feature `sm2` SM2-with-SM3 (1.2.156.10197.1.501, DER signature, default ID). rcgen
//!   writes the ES256 and Ed25519 certificates; SM2-signed ones are written by
//!   [`sm2_cert`]. A root signs signers of another algorithm where the writer can hold
//!   that key: an SM2 root any signer, an ES256 or Ed25519 root ES256 and Ed25519 signers.
//! - The issuing authority is the subject's organizationName (O) and its unified social credit
//!   code the subject's `organizationIdentifier` (2.5.4.97).

mod cert;
mod issue;
mod keydir;
mod list;
#[cfg(feature = "sm2")]
pub mod sm2_cert;
mod staged;
mod store;
mod validity;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use self::cert::{
    check_chain, kid_of, RootCert, SignerCert, SignerUsage, MAX_CERT_LEN, OID_EKU_DOCUMENT_SIGNING,
    OID_EKU_STATUS_SIGNING,
};
pub use self::issue::{check_uscc, RootParams, SignerParams};
pub use self::keydir::{
    read_private_key, write_private_key, InitOptions, KeyDir, SignerKey, MAX_INIT_SIGNERS,
};
pub use self::list::{sign_trust_list, TrustList, TRUST_LIST_VERSION};
pub use self::store::{TrustStore, TrustedSigner, MAX_SIGNERS};
pub use self::validity::{asn1_to_unix, unix_to_asn1};

use crate::time::rfc3339;

use crate::crypto::{Algorithm, CryptoError};

/// Errors of the trust layer. Each names the certificate involved and carries the values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The bytes are not an X.509 certificate x509-parser accepts.
    #[error("{what}: malformed: {reason}")]
    Malformed {
        /// Which certificate ("root certificate", "signer certificate").
        what: &'static str,
        /// What the parser said.
        reason: String,
    },
    /// The certificate is longer than [`MAX_CERT_LEN`].
    #[error("{what}: {len} bytes, limit {max}")]
    TooLarge {
        /// Which certificate.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Bytes follow the certificate.
    #[error("{what}: {len} trailing bytes after the certificate")]
    TrailingBytes {
        /// Which certificate.
        what: &'static str,
        /// How many bytes trail.
        len: usize,
    },
    /// The certificate is signed with an algorithm certseal does not accept.
    #[error(
        "{what} \"{subject}\": signature algorithm {oid}, expected ecdsa-with-SHA256, Ed25519 or SM2-with-SM3"
    )]
    UnsupportedSignatureAlgorithm {
        /// Which certificate.
        what: &'static str,
        /// Its subject.
        subject: String,
        /// The algorithm OID, dotted.
        oid: String,
    },
    /// The certificate's public key is not P-256, Ed25519 or SM2.
    #[error("{what} \"{subject}\": {source}")]
    UnsupportedKey {
        /// Which certificate.
        what: &'static str,
        /// Its subject.
        subject: String,
        /// Why the key was refused.
        source: CryptoError,
    },
    /// A critical extension certseal does not understand.
    #[error("{what} \"{subject}\": critical extension {oid} not understood")]
    UnknownCriticalExtension {
        /// Which certificate.
        what: &'static str,
        /// Its subject.
        subject: String,
        /// The extension OID, dotted.
        oid: String,
    },
    /// The validity window ends before it starts.
    #[error("{what} \"{subject}\": empty validity window: not_before {}, not_after {}",
        rfc3339(*.not_before), rfc3339(*.not_after))]
    EmptyWindow {
        /// Which certificate.
        what: &'static str,
        /// Its subject.
        subject: String,
        /// Start (Unix seconds).
        not_before: i64,
        /// End (Unix seconds).
        not_after: i64,
    },
    /// A root certificate whose issuer is not its subject.
    #[error("root \"{subject}\": not self-signed: issuer \"{issuer}\"")]
    RootNotSelfSigned {
        /// The root's subject.
        subject: String,
        /// Its issuer.
        issuer: String,
    },
    /// A signature did not verify: a root's own, or the root's on a signer certificate.
    #[error("{what} \"{subject}\": signature does not verify")]
    BadSignature {
        /// Which certificate.
        what: &'static str,
        /// Its subject.
        subject: String,
    },
    /// A root certificate that is not a CA.
    #[error("root \"{subject}\": not a CA (basicConstraints cA absent or false)")]
    RootNotCa {
        /// The root's subject.
        subject: String,
    },
    /// A certificate whose keyUsage lacks what its role needs.
    #[error("{what} \"{subject}\": keyUsage lacks {usage}")]
    MissingKeyUsage {
        /// Which certificate.
        what: &'static str,
        /// Its subject.
        subject: String,
        /// The usage required.
        usage: &'static str,
    },
    /// A signer certificate that is a CA.
    #[error("signer \"{subject}\": is a CA, expected an end-entity certificate")]
    SignerIsCa {
        /// The signer's subject.
        subject: String,
    },
    /// The signer's issuer is not the root.
    #[error("signer \"{subject}\": issuer \"{issuer}\", expected root \"{root}\"")]
    IssuerMismatch {
        /// The signer's subject.
        subject: String,
        /// The signer's issuer.
        issuer: String,
        /// The root's subject.
        root: String,
    },
    /// The signer's signature algorithm does not fit the root key.
    #[error("signer \"{subject}\": signed with {got}, root key is {expected}")]
    SignatureAlgorithmMismatch {
        /// The signer's subject.
        subject: String,
        /// The algorithm of the signer certificate's signature.
        got: Algorithm,
        /// The root key's algorithm.
        expected: Algorithm,
    },
    /// The signer's window reaches outside the root's.
    #[error("signer \"{subject}\": window {} .. {} outside root window {} .. {}",
        rfc3339(*.not_before), rfc3339(*.not_after),
        rfc3339(*.root_not_before), rfc3339(*.root_not_after))]
    WindowOutsideRoot {
        /// The signer's subject.
        subject: String,
        /// Signer start.
        not_before: i64,
        /// Signer end.
        not_after: i64,
        /// Root start.
        root_not_before: i64,
        /// Root end.
        root_not_after: i64,
    },
    /// A signer key used outside its certificate's window.
    #[error("signer \"{subject}\" not valid at {}: not_before {}, not_after {}",
        rfc3339(*.now), rfc3339(*.not_before), rfc3339(*.not_after))]
    SignerNotValidNow {
        /// The signer's subject.
        subject: String,
        /// Start of the window.
        not_before: i64,
        /// End of the window.
        not_after: i64,
        /// The time asked about.
        now: i64,
    },
    /// No signer of a key directory is valid at `now`.
    #[error("no signer key valid at {} ({count} signers)", rfc3339(*.now))]
    NoSignerValidNow {
        /// The time asked about.
        now: i64,
        /// How many signers there are.
        count: usize,
    },
    /// A certificate of a list failed; `index` counts from 0.
    #[error("signer certificate #{index}: {source}")]
    InList {
        /// Position in the list.
        index: usize,
        /// What was wrong with it.
        source: Box<TrustError>,
    },
    /// The same certificate appears twice in a list.
    #[error("signer certificate #{index} repeats #{first}")]
    DuplicateSigner {
        /// The later position.
        index: usize,
        /// The earlier position.
        first: usize,
    },
    /// A list holds more than [`MAX_SIGNERS`] certificates.
    #[error("{count} signer certificates, limit {max}")]
    TooManySigners {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A private key does not belong to the certificate it is paired with.
    #[error("{what}: private key does not match the certificate's public key")]
    KeyMismatch {
        /// The key or certificate involved.
        what: String,
    },
    /// `KeyDir::init` would overwrite a file.
    #[error("{}: already exists; refusing to overwrite keys without force", .path.display())]
    KeyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A signer's key or certificate file is missing while the other exists.
    #[error("{}: missing (the signer's other file exists)", .missing.display())]
    IncompleteSigner {
        /// The missing file.
        missing: PathBuf,
    },
    /// An issuance parameter was refused.
    #[error("{field}: {reason}")]
    BadParameter {
        /// The parameter.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A unified social credit code (GB 32100) is malformed.
    #[error("unified social credit code {uscc:?}: {reason}")]
    BadUscc {
        /// The code as given.
        uscc: String,
        /// What is wrong.
        reason: String,
    },
    /// A key could not be used for the operation named.
    #[error("{what}: {source}")]
    Key {
        /// The key and what it was used for.
        what: &'static str,
        /// Why it failed.
        source: CryptoError,
    },
    /// A trust list signed with an algorithm certseal does not know.
    #[error("trust list: alg {alg} is not supported")]
    ListAlgorithm {
        /// The `alg` received.
        alg: crate::cose::Label,
    },
    /// A trust list payload that is not a map of the four entries of `specs/trust-list.md`.
    #[error("trust list: got a map of {got} entries, expected 4")]
    ListEntries {
        /// The number of entries found.
        got: usize,
    },
    /// A trust list of another format version.
    #[error("trust list: version {got}, expected {expected}")]
    ListVersion {
        /// The version found.
        got: u64,
        /// The version certseal reads.
        expected: u64,
    },
    /// Making a certificate failed.
    #[error("certificate generation failed: {0}")]
    Generate(String),
    /// A Unix time outside what X.509 can encode.
    #[error("time {secs} out of range")]
    TimeOutOfRange {
        /// The time (Unix seconds).
        secs: i64,
    },
}
