//! Interop mode: verify any CWT in COSE_Sign1 from any issuer — the stack of the EU Digital
//! COVID Certificate (`HC1:` + base45 + zlib) included — against one trusted certificate or
//! public key. This makes certseal a general CWT verifier and lets foreign test suites run
//! against it. See `specs/interop.md`.
//!
//! Pipeline: prefix → base45 → zlib (when the data is zlib; required under [`Profile::Dcc`]) →
//! COSE tag 18 or none → `alg` → key → kid (DCC) → Sig_structure over the received protected
//! bytes → signature → CWT claims → hcert (DCC) → `iat ≤ at ≤ exp`.

use crate::codec::cbor::{Mode, Reader, Value};
use crate::codec::{base45, hex, zlib, Limits};
use crate::cose::{Claims, CoseError, HeaderBucket, Sign1};
use crate::crypto::{self, Algorithm, VerifyingKey};

/// Which rules to apply on top of plain COSE/CWT verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Any CWT in COSE_Sign1.
    Generic,
    /// EU Digital COVID Certificate: kid = SHA-256(certificate DER)[0..8], zlib required,
    /// claim -260 holding a map under key 1, signer certificate valid over `iat..exp`.
    Dcc,
}

/// The one key trusted in interop mode: from an X.509 certificate or a bare public key.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    key: VerifyingKey,
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
            key,
            cert_kid: Some(crate::trust::kid_of(&der)),
            window: Some((
                validity.not_before.timestamp(),
                validity.not_after.timestamp(),
            )),
        })
    }

    /// From a SubjectPublicKeyInfo, DER or PEM (`PUBLIC KEY`).
    pub fn from_public_key(bytes: &[u8]) -> Result<Self, crate::Error> {
        let der = crypto::from_pem_or_der("PUBLIC KEY", bytes)?;
        Ok(Self::from_key(VerifyingKey::from_spki(&der)?))
    }

    /// From an already parsed key.
    pub fn from_key(key: VerifyingKey) -> Self {
        TrustAnchor {
            key,
            cert_kid: None,
            window: None,
        }
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
    /// `None` when valid; otherwise the failing stage (`prefix`, `base45`, `decompress`,
    /// `cbor`, `cose_tag`, `cose_structure`, `alg`, `key`, `kid`, `signature`, `cwt`, `hcert`,
    /// `time`).
    pub stage: Option<&'static str>,
    /// What went wrong, in words.
    pub detail: Option<String>,
    /// The algorithm name, or the COSE value when unsupported.
    pub alg: Option<String>,
    /// The kid found in the message.
    pub kid: Option<Vec<u8>>,
    /// The decoded claims (after the signature was checked).
    pub claims: Option<serde_json::Value>,
}

impl Report {
    /// True when every check passed.
    pub fn is_valid(&self) -> bool {
        self.stage.is_none()
    }

    /// The report as the JSON object the CLI prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "status": if self.is_valid() { "valid" } else { "invalid" },
            "stage": self.stage,
            "detail": self.detail,
            "alg": self.alg,
            "kid": self.kid.as_deref().map(hex::encode),
            "claims": self.claims,
        })
    }

    fn fail(&mut self, stage: &'static str, detail: impl ToString) {
        self.stage = Some(stage);
        self.detail = Some(detail.to_string());
    }
}

/// Verifies one input (text, or hex when [`Options::hex`]) against `anchor`.
pub fn verify(input: &str, anchor: &TrustAnchor, opts: &Options) -> Report {
    let mut report = Report {
        stage: None,
        detail: None,
        alg: None,
        kid: None,
        claims: None,
    };
    let input = input.trim();
    if input.len()
        > opts
            .limits
            .max_text_len
            .max(opts.limits.max_cose_len.saturating_mul(2))
    {
        report.fail(
            "prefix",
            format!("input of {} bytes is too long", input.len()),
        );
        return report;
    }
    let cose = if opts.hex {
        match hex::decode(input) {
            Ok(b) => b,
            Err(e) => {
                report.fail("cbor", e);
                return report;
            }
        }
    } else {
        let body = match &opts.prefix {
            Some(p) => match input.strip_prefix(p.as_str()) {
                Some(body) => body,
                None => {
                    let got: String = input.chars().take(8).collect();
                    report.fail("prefix", format!("got {got:?}, expected {p:?}"));
                    return report;
                }
            },
            None => input,
        };
        let raw = match base45::decode(body) {
            Ok(b) => b,
            Err(e) => {
                report.fail("base45", e);
                return report;
            }
        };
        if zlib::looks_like_zlib(&raw) {
            match zlib::inflate(&raw, opts.limits.max_inflated_len) {
                Ok(b) => b,
                Err(e) => {
                    report.fail("decompress", e);
                    return report;
                }
            }
        } else if opts.profile == Profile::Dcc {
            report.fail(
                "decompress",
                "zlib compression is required under the dcc profile",
            );
            return report;
        } else {
            raw
        }
    };
    verify_cose(&cose, anchor, opts, &mut report);
    report
}

/// Verifies a binary COSE_Sign1 message against `anchor`, filling `report`.
pub fn verify_cose(cose: &[u8], anchor: &TrustAnchor, opts: &Options, report: &mut Report) {
    if cose.len() > opts.limits.max_cose_len {
        report.fail(
            "cbor",
            format!("message of {} bytes is too long", cose.len()),
        );
        return;
    }
    // A CWT may wrap the COSE message in tag 61 (RFC 8392 §6).
    let mut body = cose;
    let mut r = Reader::new(cose, Mode::Lenient);
    if let Ok(Some(61)) = r.opt_tag() {
        body = &cose[r.position()..];
    }
    let msg = match Sign1::parse(body, Mode::Lenient, &opts.limits) {
        Ok(m) => m,
        Err(crate::Error::Cose(e @ (CoseError::WrongTag { .. } | CoseError::MissingTag))) => {
            return report.fail("cose_tag", e)
        }
        Err(crate::Error::Codec(e)) => return report.fail("cbor", e),
        Err(e) => return report.fail("cose_structure", e),
    };
    report.kid = msg.kid.map(|(k, _)| k.to_vec());
    let alg = match msg.alg {
        Some((alg, HeaderBucket::Protected)) => alg,
        Some((alg, HeaderBucket::Unprotected)) => {
            report.alg = Some(alg_name(alg));
            return report.fail("alg", "alg is not in the protected header");
        }
        None => return report.fail("alg", "alg is missing"),
    };
    report.alg = Some(alg_name(alg));
    let Some(algorithm) = Algorithm::from_cose(alg) else {
        return report.fail("alg", format!("unsupported algorithm {alg}"));
    };
    if anchor.key.algorithm() != algorithm {
        return report.fail(
            "key",
            format!(
                "message is signed with {algorithm}, the trusted key is {}",
                anchor.key.algorithm()
            ),
        );
    }
    if opts.profile == Profile::Dcc {
        let Some(expected) = anchor.cert_kid else {
            return report.fail("key", "the dcc profile needs a trusted certificate");
        };
        match msg.kid {
            Some((kid, _)) if kid == expected => {}
            Some((kid, _)) => {
                return report.fail(
                    "kid",
                    format!(
                        "got {}, expected {} (SHA-256 of the certificate)",
                        hex::encode(kid),
                        hex::encode(&expected)
                    ),
                )
            }
            None => return report.fail("kid", "kid is missing"),
        }
    }
    let mut tbs = Vec::new();
    msg.sig_structure(&opts.external_aad, &mut tbs);
    if anchor.key.verify(&tbs, msg.signature).is_err() {
        return report.fail("signature", "signature did not verify");
    }
    if opts.cose_only {
        return;
    }
    let Some(payload) = msg.payload else {
        return report.fail("cwt", "payload is detached");
    };
    let claims = match Claims::parse(payload, Mode::Lenient, &opts.limits) {
        Ok(c) => c,
        Err(e) => return report.fail("cwt", e),
    };
    report.claims = Some(claims.to_json());
    if opts.profile == Profile::Dcc {
        if let Err(detail) = check_hcert(&claims.all) {
            return report.fail("hcert", detail);
        }
    }
    let Some(at) = opts.at else { return };
    if let Err(detail) = check_time(&claims, at, opts.profile, anchor.window) {
        report.fail("time", detail);
    }
}

fn alg_name(alg: i64) -> String {
    Algorithm::from_cose(alg).map_or_else(|| alg.to_string(), |a| a.name().to_string())
}

fn check_hcert(all: &Value<'_>) -> Result<(), &'static str> {
    match all.map_get_int(-260) {
        None => Err("claim -260 (hcert) is missing"),
        Some(hcert @ Value::Map(_)) => match hcert.map_get_int(1) {
            Some(Value::Map(_)) => Ok(()),
            Some(_) => Err("hcert key 1 (eu_dgc_v1) must be a map"),
            None => Err("hcert key 1 (eu_dgc_v1) is missing"),
        },
        Some(_) => Err("claim -260 (hcert) must be a map"),
    }
}

fn check_time(
    claims: &Claims<'_>,
    at: i64,
    profile: Profile,
    window: Option<(i64, i64)>,
) -> Result<(), String> {
    use crate::time::rfc3339 as t;
    if profile == Profile::Dcc && (claims.iat.is_none() || claims.exp.is_none()) {
        return Err("the dcc profile requires iat and exp".into());
    }
    if let Some(iat) = claims.iat {
        if iat > at {
            return Err(format!(
                "not yet valid: issued at {}, now {}",
                t(iat),
                t(at)
            ));
        }
    }
    if let Some(nbf) = claims.nbf {
        if nbf > at {
            return Err(format!(
                "not yet valid: not before {}, now {}",
                t(nbf),
                t(at)
            ));
        }
    }
    if let Some(exp) = claims.exp {
        if at > exp {
            return Err(format!("expired: not after {}, now {}", t(exp), t(at)));
        }
    }
    if profile == Profile::Dcc {
        if let Some((not_before, not_after)) = window {
            for (name, v) in [("iat", claims.iat), ("exp", claims.exp)] {
                if let Some(v) = v {
                    if v < not_before || v > not_after {
                        return Err(format!(
                            "{name} {} outside the signer certificate's validity {}..{}",
                            t(v),
                            t(not_before),
                            t(not_after)
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
