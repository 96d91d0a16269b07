//! Interop mode: verify any CWT in COSE_Sign1 from any issuer — the stack of the EU Digital
//! COVID Certificate (`HC1:` + base45 + zlib) included — against one trusted certificate or
//! public key. This makes certseal a general CWT verifier and lets foreign test suites run
//! against it. See `specs/interop.md`.
//!
//! The profiles pick the pipeline's steps (`steps.rs`) they need, with the rules of other
//! issuers where those differ from certseal's own (lenient CBOR, any kid, high-S ECDSA
//! accepted, no skew) and report the same typed [`Reason`]s:
//!
//! ```text
//! text_len → prefix → base45 → inflate (required under dcc) → [tag 61] → cose → alg → key
//!   → kid (dcc) → payload → signature → claims → hcert (dcc) → time
//! ```
//!
//! The algorithms are the profile's ([`Profile::algorithms`]: every algorithm this build
//! verifies under `generic`, ES256 and PS256 under `dcc`) that the trusted key's type verifies
//! ([`KeyType::algorithms`]): adding an algorithm to interop is adding a key type to `crypto`
//! and naming it in a profile, not a rule here. certseal's own payloads keep their narrow set
//! ([`Algorithm::PAYLOAD`]): PS256 and friends never reach [`super::Verifier`].

use crate::codec::cbor::{Mode, Reader, Value};
use crate::codec::{hex, Limits};
use crate::cose::{value_type_name, Claims, Label, Sign1};
use crate::crypto::{self, Algorithm, KeyType, VerifyingKey};

use super::steps::{self, LowS, Times};
use super::{HcertError, Reason};

/// Which rules to apply on top of plain COSE/CWT verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// Any CWT in COSE_Sign1.
    Generic,
    /// EU Digital COVID Certificate: kid = SHA-256(certificate DER)[0..8], zlib required,
    /// claim -260 holding a map under key 1, signer certificate valid over `iat..exp`,
    /// ES256 or PS256 only.
    Dcc,
}

impl Profile {
    /// The algorithms the profile accepts (before the trusted key narrows them): under
    /// `generic` every algorithm this build verifies ([`Algorithm::INTEROP`]); under `dcc` the
    /// two of the EU DCC's technical specification, ES256 (primary) and PS256 (secondary).
    pub const fn algorithms(self) -> &'static [Algorithm] {
        match self {
            Profile::Generic => Algorithm::INTEROP,
            Profile::Dcc => &[Algorithm::Es256, Algorithm::Ps256],
        }
    }
}

/// The one key trusted in interop mode: from an X.509 certificate or a bare public key, bound
/// to every algorithm its type verifies ([`KeyType::algorithms`]: an RSA key to PS256, PS384
/// and PS512, a curve to its one hash) unless [`TrustAnchor::restrict_to`] narrows it.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    /// One key per algorithm the anchor accepts, all of the same key material; never empty.
    keys: Vec<VerifyingKey>,
    key_type: KeyType,
    cert_kid: Option<[u8; 8]>,
    window: Option<(i64, i64)>,
}

impl TrustAnchor {
    /// From an X.509 certificate, DER or PEM. Anything x509-parser accepts is accepted; the
    /// kid is hashed over the DER bytes as given.
    pub fn from_certificate(bytes: &[u8]) -> Result<Self, crate::Error> {
        use x509_parser::prelude::FromDer;
        let der = crypto::from_pem_or_der("CERTIFICATE", bytes)?;
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).map_err(|e| {
            crate::trust::TrustError::Malformed {
                what: "trusted certificate",
                reason: e.to_string(),
            }
        })?;
        let key = VerifyingKey::from_x509_spki(cert.public_key())?;
        let validity = cert.validity();
        Ok(TrustAnchor {
            cert_kid: Some(crate::trust::kid_of(&der)),
            window: Some((
                validity.not_before.timestamp(),
                validity.not_after.timestamp(),
            )),
            ..Self::from_key(key)
        })
    }

    /// From a SubjectPublicKeyInfo, DER or PEM (`PUBLIC KEY`).
    pub fn from_public_key(bytes: &[u8]) -> Result<Self, crate::Error> {
        let der = crypto::from_pem_or_der("PUBLIC KEY", bytes)?;
        Ok(Self::from_key(VerifyingKey::from_spki(&der)?))
    }

    /// From an already parsed key, bound to every algorithm its type verifies.
    pub fn from_key(key: VerifyingKey) -> Self {
        let key_type = key.key_type();
        let mut keys: Vec<VerifyingKey> = key_type
            .algorithms()
            .iter()
            .filter(|alg| **alg != key.algorithm())
            .filter_map(|alg| key.with_algorithm(*alg).ok())
            .collect();
        keys.insert(0, key);
        TrustAnchor {
            keys,
            key_type,
            cert_kid: None,
            window: None,
        }
    }

    /// The same anchor accepting `alg` only (an issuer known to sign PS256 only, say). Fails
    /// when the key's type does not verify `alg`.
    pub fn restrict_to(mut self, alg: Algorithm) -> Result<Self, crate::Error> {
        let key = match self.keys.iter().find(|k| k.algorithm() == alg) {
            Some(k) => k.clone(),
            None => {
                return Err(crypto::CryptoError::KeyTypeMismatch {
                    key: self.key_type,
                    alg,
                }
                .into())
            }
        };
        self.keys = vec![key];
        Ok(self)
    }

    /// The trusted key's type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The algorithms this anchor accepts, before a profile narrows them.
    pub fn algorithms(&self) -> impl Iterator<Item = Algorithm> + '_ {
        self.keys.iter().map(VerifyingKey::algorithm)
    }

    /// Step `key`: the trusted key bound to `alg`, or [`Reason::KeyMismatch`].
    fn key_for(&self, alg: Algorithm) -> Result<&VerifyingKey, Reason> {
        self.keys
            .iter()
            .find(|k| k.algorithm() == alg)
            .ok_or(Reason::KeyMismatch {
                alg,
                key: self.key_type,
            })
    }
}

/// How to read the input and which checks to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The rules to apply.
    pub profile: Profile,
    /// The text prefix to strip (`HC1:`), or `None` for none.
    pub prefix: Option<String>,
    /// The input is the raw COSE_Sign1 as hex (no prefix, base45 or zlib).
    pub hex: bool,
    /// Check the signature only; treat the payload as opaque (no CWT, hcert or time checks).
    pub cose_only: bool,
    /// Time to check `iat`/`nbf`/`exp` against, or `None` to skip time checks.
    pub at: Option<i64>,
    /// External additional authenticated data.
    pub external_aad: Vec<u8>,
    /// Decoding bounds.
    pub limits: Limits,
}

impl Options {
    /// Defaults for `profile`: `HC1:` prefix under DCC and none otherwise; time checks at `at`.
    pub fn new(profile: Profile, at: Option<i64>) -> Self {
        Options {
            profile,
            prefix: (profile == Profile::Dcc).then(|| "HC1:".to_string()),
            hex: false,
            cose_only: false,
            at,
            external_aad: Vec::new(),
            limits: Limits::DEFAULT,
        }
    }
}

/// The outcome of verifying one input in interop mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `Ok(())` when every check passed, or why not.
    pub result: Result<(), Reason>,
    /// The `alg` header as received (either bucket), once the header was read.
    pub alg: Option<Label>,
    /// The kid found in the message (either bucket).
    pub kid: Option<Vec<u8>>,
    /// The decoded claims (after the signature was checked).
    pub claims: Option<serde_json::Value>,
}

impl Report {
    fn new() -> Self {
        Report {
            result: Ok(()),
            alg: None,
            kid: None,
            claims: None,
        }
    }

    /// True when every check passed.
    pub fn is_valid(&self) -> bool {
        self.result.is_ok()
    }

    /// The failing stage ([`Reason::stage`]), or `None` when valid.
    pub fn stage(&self) -> Option<&'static str> {
        self.result.as_ref().err().map(Reason::stage)
    }

    /// What went wrong, in words, or `None` when valid.
    pub fn detail(&self) -> Option<String> {
        self.result.as_ref().err().map(ToString::to_string)
    }

    /// The algorithm's name (`ES256`, `EdDSA`, …), or the value received when certseal does
    /// not know it (`-35`, `"ES256"` for a text value).
    pub fn alg_name(&self) -> Option<String> {
        self.alg.as_ref().map(|label| {
            label
                .as_int()
                .and_then(Algorithm::from_cose)
                .map_or_else(|| label.to_string(), |a| a.name().to_owned())
        })
    }

    /// The report as the JSON object the CLI prints: `status`, `reason`, `stage`, `detail`,
    /// `alg`, `kid` (hex), `claims`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = super::reason::result_json(&self.result);
        m.insert("alg".into(), self.alg_name().into());
        m.insert("kid".into(), self.kid.as_deref().map(hex::encode).into());
        m.insert("claims".into(), self.claims.clone().into());
        serde_json::Value::Object(m)
    }

    #[cold]
    fn fail(mut self, reason: Reason) -> Self {
        self.result = Err(reason);
        self
    }
}

/// Verifies one input (text, or hex when [`Options::hex`]) against `anchor`.
pub fn verify(input: &str, anchor: &TrustAnchor, opts: &Options) -> Report {
    let report = Report::new();
    let input = input.trim();
    let max_text = opts
        .limits
        .max_text_len
        .max(opts.limits.max_cose_len.saturating_mul(2));
    if let Err(reason) = steps::text_len(input, max_text) {
        return report.fail(reason);
    }
    let cose = if opts.hex {
        match hex::decode(input) {
            Ok(b) => b,
            Err(e) => return report.fail(Reason::Cbor(e)),
        }
    } else {
        let body = match &opts.prefix {
            Some(p) => match steps::prefix(input, p) {
                Ok(body) => body,
                Err(reason) => return report.fail(reason),
            },
            None => input,
        };
        let mut raw = Vec::new();
        if let Err(reason) = steps::base45(body, &mut raw) {
            return report.fail(reason);
        }
        match steps::inflate(
            raw,
            opts.limits.max_inflated_len,
            opts.profile == Profile::Dcc,
        ) {
            Ok(b) => b,
            Err(reason) => return report.fail(reason),
        }
    };
    verify_cose(&cose, anchor, opts)
}

/// Verifies a binary COSE_Sign1 message against `anchor`.
pub fn verify_cose(cose: &[u8], anchor: &TrustAnchor, opts: &Options) -> Report {
    let mut report = Report::new();
    // A CWT may wrap the COSE message in tag 61 (RFC 8392 §6).
    let mut body = cose;
    let mut r = Reader::new(cose, Mode::Lenient);
    if cose.len() <= opts.limits.max_cose_len {
        if let Ok(Some(61)) = r.opt_tag() {
            body = cose.get(r.position()..).unwrap_or_default();
        }
    }
    let msg = match steps::cose(body, Mode::Lenient, &opts.limits) {
        Ok(m) => m,
        Err(reason) => return report.fail(reason),
    };
    report.kid = msg.kid.map(|(k, _)| k.to_vec());
    report.alg = msg.alg.as_ref().map(|(label, _)| label.clone());
    if let Err(reason) = check(&msg, anchor, opts, &mut report) {
        return report.fail(reason);
    }
    report
}

/// Steps `alg` to `time` under the profile; fills the report's claims once the signature
/// verified.
fn check(
    msg: &Sign1<'_>,
    anchor: &TrustAnchor,
    opts: &Options,
    report: &mut Report,
) -> Result<(), Reason> {
    // alg: protected, and one the profile accepts.
    let algorithm = steps::alg(msg, opts.profile.algorithms())?;
    // key: the trusted key verifies that algorithm.
    let key = anchor.key_for(algorithm)?;
    // kid (dcc): SHA-256 of the trusted certificate, in either bucket.
    if opts.profile == Profile::Dcc {
        let expected = anchor.cert_kid.ok_or(Reason::CertificateRequired)?;
        match msg.kid {
            Some((kid, _)) if kid == expected => {}
            got => {
                return Err(Reason::KidMismatch {
                    got: got.map(|(k, _)| k.to_vec()),
                    expected,
                })
            }
        }
    }
    let payload = if opts.cose_only {
        msg.payload.unwrap_or_default()
    } else {
        steps::payload(msg)?
    };
    let mut tbs = Vec::new();
    crate::cose::sig_structure_into(msg.protected, &opts.external_aad, payload, &mut tbs);
    if !steps::verify_with(key, &tbs, msg.signature, LowS::NotRequired) {
        return Err(Reason::Signature);
    }
    if opts.cose_only {
        return Ok(());
    }
    let claims =
        Claims::parse(payload, Mode::Lenient, &opts.limits).map_err(Reason::ClaimsMalformed)?;
    report.claims = Some(claims.to_json());
    if opts.profile == Profile::Dcc {
        hcert(&claims.all).map_err(Reason::Hcert)?;
    }
    let Some(at) = opts.at else { return Ok(()) };
    if opts.profile == Profile::Dcc {
        for (claim, value) in [("iat", claims.iat), ("exp", claims.exp)] {
            if value.is_none() {
                return Err(Reason::MissingTime { claim });
            }
        }
    }
    let times = Times {
        iat: claims.iat,
        nbf: claims.nbf,
        exp: claims.exp,
    };
    steps::time(times, at, 0)?;
    if let (Profile::Dcc, Some((not_before, not_after))) = (opts.profile, anchor.window) {
        for (claim, value) in [("iat", claims.iat), ("exp", claims.exp)] {
            if let Some(value) = value.filter(|v| *v < not_before || *v > not_after) {
                return Err(Reason::OutsideCertificateValidity {
                    claim,
                    value,
                    not_before,
                    not_after,
                });
            }
        }
    }
    Ok(())
}

/// Steps `alg`, `key` and `signature` of the interop pipeline for a signature that is not a
/// COSE_Sign1's: `alg` as found in the signer's *protected* header, `to_be_signed` the bytes
/// the signer signed (for a COSE_Sign signer, its `Sig_structure` with context "Signature",
/// RFC 9052 §4.4). The same rules and reasons as [`verify_cose`]: the profile's algorithm set,
/// the key/algorithm binding, no low-S rule. Returns the algorithm that verified.
pub fn verify_signature(
    anchor: &TrustAnchor,
    profile: Profile,
    alg: &Label,
    to_be_signed: &[u8],
    signature: &[u8],
) -> Result<Algorithm, Reason> {
    let algorithm = steps::algorithm(alg, profile.algorithms())?;
    let key = anchor.key_for(algorithm)?;
    if !steps::verify_with(key, to_be_signed, signature, LowS::NotRequired) {
        return Err(Reason::Signature);
    }
    Ok(algorithm)
}

/// Step `hcert` (dcc): claim -260 is a map whose key 1 is a map.
fn hcert(all: &Value<'_>) -> Result<(), HcertError> {
    match all.map_get_int(-260) {
        None => Err(HcertError::Missing),
        Some(hcert @ Value::Map(_)) => match hcert.map_get_int(1) {
            Some(Value::Map(_)) => Ok(()),
            Some(other) => Err(HcertError::EntryNotAMap {
                got: value_type_name(other),
            }),
            None => Err(HcertError::EntryMissing),
        },
        Some(other) => Err(HcertError::NotAMap {
            got: value_type_name(other),
        }),
    }
}
