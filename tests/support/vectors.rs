//! Test-vector generation, shared by `examples/gen-test-vectors.rs` (which writes the files
//! under `test-vectors/`) and `tests/vectors.rs` (which regenerates them in memory and
//! compares byte for byte). Also the fixed keys and the message builders the hostile-input
//! tests sign their malformed messages with.
//!
//! Everything here is deterministic: Ed25519 keys from fixed seeds, the P-256 key from a fixed
//! scalar with RFC 6979 nonces (through the `p256` crate, behind certseal's pluggable
//! [`Signer`] trait), certificates from an Ed25519 root with explicit serials and times, and
//! a fixed clock. The generator asserts that every vector gets the verdict it was written for,
//! so a vector that stopped exercising its reason fails generation rather than silently
//! pinning another outcome.

use std::fmt::Write as _;

use certseal::claims::payload::{QrClaims, Serial, PREFIX};
use certseal::codec::cbor::Writer;
use certseal::codec::{base45, hex, zlib};
use certseal::cose::{sig_structure_into, Sign1};
use certseal::crypto::{self, Algorithm, CryptoError, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::model::{self, classify, ElicenceId, Uscc};
use certseal::trust::{
    sign_trust_list, RootCert, RootParams, SignerCert, SignerParams, TrustStore,
};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use certseal::verify::{Reason, Verifier};
use certseal::FixedClock;

/// The fixed clock of every vector: 2026-11-26T00:00:00Z.
pub const NOW: i64 = 1_795_651_200;
/// When the valid vectors were signed: 2026-11-25T00:00:00Z.
pub const IAT: i64 = NOW - DAY;
/// One day in seconds.
pub const DAY: i64 = 86_400;

/// 2025-01-01T00:00:00Z.
const Y2025: i64 = 1_735_689_600;
/// 2026-01-01T00:00:00Z.
const Y2026: i64 = 1_767_225_600;
/// 2026-07-01T00:00:00Z.
const JUL2026: i64 = 1_782_864_000;
/// 2028-01-01T00:00:00Z.
const Y2028: i64 = 1_830_297_600;
/// 2036-01-01T00:00:00Z.
const Y2036: i64 = 2_082_758_400;

/// The issuing authority of every vector certificate.
pub const AUTHORITY_NAME: &str = "人力资源社会保障部人事考试中心";
/// Its unified social credit code.
pub const AUTHORITY_USCC: &str = "12100000400010398P";

/// The sample records the valid payload vectors are issued from.
pub const SAMPLES: &[u8] = include_bytes!("../../data/sample-records.json");

/// A 32-byte seed derived from a label: SHA-256("certseal test vector " ‖ label).
pub fn seed(label: &str) -> [u8; 32] {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("certseal test vector {label}").as_bytes(),
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// An ES256 signer over the `p256` crate: deterministic (RFC 6979) signatures, normalised to
/// low-S as certseal issues them. Shows that [`Signer`] is pluggable.
pub struct P256Signer(p256::ecdsa::SigningKey);

impl P256Signer {
    /// The key with private scalar `scalar`.
    pub fn from_scalar(scalar: &[u8; 32]) -> Self {
        P256Signer(p256::ecdsa::SigningKey::from_slice(scalar).expect("scalar in range"))
    }

    /// The raw r‖s signature as produced by RFC 6979, before low-S normalisation.
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let sig: p256::ecdsa::Signature = self.0.sign(message);
        sig.to_bytes().to_vec()
    }
}

impl Signer for P256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::Es256
    }

    fn public_key_spki(&self) -> Vec<u8> {
        let point = self.0.verifying_key().to_encoded_point(false);
        crypto::spki_from_raw(Algorithm::Es256, point.as_bytes())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut sig = self.sign_raw(message);
        crypto::p256_normalize_s(&mut sig);
        Ok(sig)
    }
}

/// The order n of the P-256 group, big-endian.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// Replaces s by n − s in a raw r‖s P-256 signature: the other valid encoding (high-S when the
/// input was low-S).
pub fn p256_flip_s(sig: &mut [u8]) {
    let s = &mut sig[32..64];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        s[i] = u8::try_from(d.rem_euclid(256)).expect("byte");
    }
}

/// A document signer of the vectors: its key, certificate and a short name.
pub struct SignerKey {
    /// Short name used in the vector files.
    pub name: &'static str,
    /// The private key seed (Ed25519) or scalar (P-256).
    pub seed: [u8; 32],
    /// The key.
    pub key: Box<dyn Signer>,
    /// Its certificate, issued by the root.
    pub cert: SignerCert,
}

/// Every key and certificate of the vectors.
pub struct Keys {
    /// The root key's seed.
    pub root_seed: [u8; 32],
    /// The root key (Ed25519, so certificates are deterministic).
    pub root_key: RingSigner,
    /// The root certificate.
    pub root: RootCert,
    /// ES256 signer valid 2026-01-01 .. 2027-12-31.
    pub es256: SignerKey,
    /// Ed25519 signer valid 2026-01-01 .. 2027-12-31.
    pub ed25519: SignerKey,
    /// Retired Ed25519 signer, valid 2025-01-01 .. 2026-06-30.
    pub retired: SignerKey,
    /// An Ed25519 key no one certified (unknown kid, wrong key).
    pub stranger: RingSigner,
    /// A P-256 key no one certified.
    pub stranger_es256: P256Signer,
}

impl Keys {
    /// The trust store over the three certified signers.
    pub fn store(&self) -> TrustStore {
        TrustStore::from_signer_certs(
            &self.root,
            &[
                self.es256.cert.clone(),
                self.ed25519.cert.clone(),
                self.retired.cert.clone(),
            ],
        )
        .expect("store")
    }

    /// A verifier at the fixed clock.
    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.store()).with_clock(FixedClock(NOW))
    }

    /// The certified signers.
    pub fn signers(&self) -> [&SignerKey; 3] {
        [&self.es256, &self.ed25519, &self.retired]
    }
}

/// Builds the fixed keys and certificates.
pub fn keys() -> Keys {
    let root_seed = seed("root");
    let root_key = RingSigner::ed25519_from_seed(&root_seed).expect("root key");
    let root = RootCert::issue(
        &root_key,
        &RootParams {
            common_name: "certseal test vector root".into(),
            authority_name: AUTHORITY_NAME.into(),
            authority_uscc: Some(AUTHORITY_USCC.into()),
            serial: 1,
            not_before: Y2025,
            not_after: Y2036 - 1,
        },
    )
    .expect("root certificate");
    let signer = |name: &'static str,
                  key: Box<dyn Signer>,
                  seed: [u8; 32],
                  serial: u64,
                  not_before: i64,
                  not_after: i64| {
        let cert = root
            .issue_signer(
                &root_key,
                &key.public_key_spki(),
                &SignerParams {
                    common_name: format!("certseal test vector signer {name}"),
                    authority_name: AUTHORITY_NAME.into(),
                    authority_uscc: AUTHORITY_USCC.into(),
                    serial,
                    not_before,
                    not_after,
                },
            )
            .expect("signer certificate");
        SignerKey {
            name,
            seed,
            key,
            cert,
        }
    };
    let es_seed = seed("es256 signer");
    let ed_seed = seed("ed25519 signer");
    let old_seed = seed("retired ed25519 signer");
    let es256 = signer(
        "es256",
        Box::new(P256Signer::from_scalar(&es_seed)),
        es_seed,
        2,
        Y2026,
        Y2028 - 1,
    );
    let ed25519 = signer(
        "ed25519",
        Box::new(RingSigner::ed25519_from_seed(&ed_seed).expect("key")),
        ed_seed,
        3,
        Y2026,
        Y2028 - 1,
    );
    let retired = signer(
        "ed25519-retired",
        Box::new(RingSigner::ed25519_from_seed(&old_seed).expect("key")),
        old_seed,
        4,
        Y2025,
        JUL2026 - 1,
    );
    Keys {
        root_seed,
        root_key,
        root,
        es256,
        ed25519,
        retired,
        stranger: RingSigner::ed25519_from_seed(&seed("stranger")).expect("key"),
        stranger_es256: P256Signer::from_scalar(&seed("stranger es256")),
    }
}

/// Encodes a protected header `{1: alg, 4: kid}`.
pub fn protected(alg: i64, kid: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.map(2).int(1).int(alg).int(4).bytes(kid);
    w.into_inner()
}

/// Signs a COSE_Sign1 made of the given raw parts (protected bytes as given, unprotected
/// header already encoded) with `signer`; the Sig_structure is over the bytes as given.
pub fn sign_parts(
    signer: &dyn Signer,
    tagged: bool,
    protected: &[u8],
    unprotected: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let mut tbs = Vec::new();
    sig_structure_into(protected, &[], payload, &mut tbs);
    let sig = signer.sign(&tbs).expect("sign");
    Sign1::encode(tagged, protected, unprotected, payload, &sig)
}

/// The signature over the Sig_structure of `protected` and `payload`.
pub fn signature(signer: &dyn Signer, protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut tbs = Vec::new();
    sig_structure_into(protected, &[], payload, &mut tbs);
    signer.sign(&tbs).expect("sign")
}

/// Text form of a binary COSE message.
pub fn text(cose: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(cose))
}

/// The claims of the first sample record, with `iat`/`exp` as given.
pub fn sample_claims(iat: i64, exp: Option<i64>) -> QrClaims<'static> {
    QrClaims {
        iat,
        exp,
        qualification: 1,
        level: 1,
        specialty: Some(1),
        name: "王建国",
        sex: 1,
        birth_months: 1022,
        id_type: 111,
        id_tail: "6511",
        management_number: "0101202400001538",
        approval_days: 19737,
        serial: Serial::Number(20_240_100_001_538),
        version: 1,
        kind: 0,
        status_index: None,
    }
}

/// Encodes claims.
pub fn encode_claims(c: &QrClaims<'_>) -> Vec<u8> {
    let mut w = Writer::new();
    c.encode(&mut w);
    w.into_inner()
}

/// A well-formed certseal payload message (untagged, `{1: alg, 4: kid}`) over `payload`.
pub fn message(s: &SignerKey, payload: &[u8]) -> Vec<u8> {
    let p = protected(s.key.algorithm().cose_value(), &s.cert.kid());
    sign_parts(s.key.as_ref(), false, &p, &[0xa0], payload)
}

// ---------------------------------------------------------------------------------------------
// The file format.

/// A value in a vector file.
pub enum V {
    /// Hex bytes.
    Hex(Vec<u8>),
    /// A quoted string (no line breaks; `"` and `\` escaped with `\`).
    Str(String),
    /// A decimal integer.
    Int(i64),
    /// A bare word (`valid`, `ES256`, …).
    Word(&'static str),
}

/// A ring-style vector file being written.
#[derive(Default)]
pub struct File {
    out: String,
    records: usize,
}

impl File {
    fn header(lines: &[&str]) -> Self {
        let mut f = File::default();
        for l in lines {
            f.comment(l);
        }
        f.out.push('\n');
        f
    }

    /// A `#` comment line.
    pub fn comment(&mut self, line: &str) {
        if line.is_empty() {
            self.out.push_str("#\n");
        } else {
            writeln!(self.out, "# {line}").expect("write");
        }
    }

    /// A record of attributes, followed by a blank line.
    pub fn record(&mut self, attrs: &[(&str, V)]) {
        for (name, v) in attrs {
            match v {
                V::Hex(b) => writeln!(self.out, "{name} = {}", hex::encode(b)),
                V::Str(s) => {
                    assert!(!s.contains('\n'), "unquotable string {s:?}");
                    let quoted = s.replace('\\', "\\\\").replace('"', "\\\"");
                    writeln!(self.out, "{name} = \"{quoted}\"")
                }
                V::Int(n) => writeln!(self.out, "{name} = {n}"),
                V::Word(w) => writeln!(self.out, "{name} = {w}"),
            }
            .expect("write");
        }
        self.out.push('\n');
        self.records += 1;
    }

    /// The records written.
    pub fn len(&self) -> usize {
        self.records
    }
}

/// Generates every vector file: `(file name, contents)`.
pub fn generate() -> Vec<(&'static str, String)> {
    let keys = keys();
    #[allow(unused_mut)] // pushed to with feature `sm2`
    let mut files = vec![
        ("qr-payload.txt", qr_payload(&keys).out),
        ("trust.txt", trust(&keys).out),
        ("identifiers.txt", identifiers().out),
        ("interop.txt", interop_vectors(&keys).out),
        ("interop-algs.txt", interop_algs::generate().out),
        ("status.txt", status_vectors(&keys).out),
    ];
    #[cfg(feature = "sm2")]
    files.push(("sm2.txt", sm2_vectors::generate().out));
    files
}

/// `interop-algs.txt`: ES384, ES512, PS256/PS384/PS512 under the interop profiles.
#[path = "interop_algs.rs"]
pub mod interop_algs;

/// `sm2.txt`, with feature `sm2` (a build without it neither writes nor checks that file).
#[cfg(feature = "sm2")]
#[path = "sm2_vectors.rs"]
pub mod sm2_vectors;

const GENERATED: &str =
    "Generated by `cargo run --release --example gen-test-vectors -- test-vectors/`; do not edit.";

// ---------------------------------------------------------------------------------------------
// qr-payload.txt

fn qr_payload(keys: &Keys) -> File {
    let mut f = File::header(&[
        "certseal QR payload vectors (specs/qr-payload.md).",
        GENERATED,
        "",
        "Verify `Payload` with a verifier trusting the signers of trust.txt, at `At` (seconds",
        "since the epoch, 2026-11-26T00:00:00Z) with the default skew of 300 s. `Result` is",
        "`valid` or the `Reason::code()` of the rejection, `Stage` its `Reason::stage()`. `Kid`",
        "and `Alg` are the verdict's, present once the header was read. Valid vectors carry the",
        "decoded certificate view; `Identifier` is the e-licence identifier the issuer minted,",
        "rebuilt by the test from the view and the catalogue.",
    ]);
    let verifier = keys.verifier();
    let batch = model::parse_json(SAMPLES).expect("samples");
    assert!(batch.rejected.is_empty());

    f.comment("Valid payloads: the sample records, issued by each current signer.");
    f.out.push('\n');
    for s in [&keys.es256, &keys.ed25519] {
        let issuer = Issuer::new(s.key.as_ref(), &s.cert).expect("issuer");
        for (i, (_, cert)) in batch.accepted.iter().enumerate() {
            let status = u64::try_from(i).expect("index");
            let issued = issuer.issue(cert, Some(status), IAT).expect("issue");
            valid_record(&mut f, &verifier, &issued.qr, &issued.identifier);
        }
    }
    f.comment("Valid: signed by the retired signer inside its window (2026-03-01); its key");
    f.comment("no longer signs, but what it signed still verifies.");
    f.out.push('\n');
    {
        let s = &keys.retired;
        let issuer = Issuer::new(s.key.as_ref(), &s.cert).expect("issuer");
        let cert = &batch.accepted[1].1;
        let issued = issuer.issue(cert, None, 1_772_323_200).expect("issue");
        valid_record(&mut f, &verifier, &issued.qr, &issued.identifier);
    }

    let ed = &keys.ed25519;
    let es = &keys.es256;
    let good_claims = encode_claims(&sample_claims(IAT, None));
    let good = message(ed, &good_claims);
    let good_text = text(&good);
    let body = good_text.strip_prefix(PREFIX).expect("prefix");
    let mut neg = Negatives {
        f: &mut f,
        verifier: &verifier,
    };

    neg.section("Too long: more text than any QR code holds (8 KiB limit).");
    neg.add(
        "8193 characters",
        &format!("{PREFIX}{}", "0".repeat(8 * 1024 + 1 - PREFIX.len())),
        "too_long",
    );

    neg.section("Bad prefix.");
    neg.add("empty input", "", "bad_prefix");
    neg.add("DCC prefix", &format!("HC1:{body}"), "bad_prefix");
    neg.add("lower-case prefix", &format!("cs1:{body}"), "bad_prefix");
    neg.add("version 2 prefix", &format!("CS2:{body}"), "bad_prefix");
    neg.add("no prefix", body, "bad_prefix");

    neg.section("Base45.");
    neg.add(
        "lower-case letter (not in the alphabet)",
        &format!("{PREFIX}{}", body.to_ascii_lowercase()),
        "base45",
    );
    neg.add("one dangling character", &format!("{good_text}0"), "base45");
    neg.add(
        "group GGW decodes past 65535",
        &format!("{PREFIX}GGW{body}"),
        "base45",
    );

    neg.section("CBOR: not well-formed, or outside certseal's deterministic profile.");
    neg.add(
        "message truncated by one byte",
        &text(&good[..good.len() - 1]),
        "cbor",
    );
    neg.add(
        "a byte after the message",
        &text(&[good.as_slice(), &[0x00]].concat()),
        "cbor",
    );
    neg.add(
        "non-minimal array head (0x98 0x04)",
        &text(&[&[0x98, 0x04], &good[1..]].concat()),
        "cbor",
    );
    neg.add(
        "indefinite-length array",
        &text(&[&[0x9f], &good[1..], &[0xff]].concat()),
        "cbor",
    );

    neg.section("COSE structure (each message signed by a trusted key).");
    {
        let mut w = Writer::new();
        w.array(3)
            .bytes(&protected(-8, &ed.cert.kid()))
            .map(0)
            .bytes(&good_claims);
        neg.add("array of 3 items", &text(&w.into_inner()), "cose_structure");
    }
    neg.add(
        "tag 98 (COSE_Sign) instead of 18",
        &text(&[&[0xd8, 0x62], good.as_slice()].concat()),
        "cose_structure",
    );
    {
        let mut p = Writer::new();
        p.map(1).int(4).bytes(&ed.cert.kid());
        let mut u = Writer::new();
        u.map(1).int(1).int(-8);
        let m = sign_parts(
            ed.key.as_ref(),
            false,
            p.as_slice(),
            u.as_slice(),
            &good_claims,
        );
        neg.add(
            "alg in the unprotected header only",
            &text(&m),
            "cose_structure",
        );
    }
    {
        let p = protected(-8, &ed.cert.kid()[..7]);
        let m = sign_parts(ed.key.as_ref(), false, &p, &[0xa0], &good_claims);
        neg.add("kid of 7 bytes", &text(&m), "cose_structure");
    }
    {
        let mut p = Writer::new();
        p.map(1).int(1).int(-8);
        let m = sign_parts(ed.key.as_ref(), false, p.as_slice(), &[0xa0], &good_claims);
        neg.add("no kid", &text(&m), "cose_structure");
    }
    {
        let p = protected(-8, &ed.cert.kid());
        let sig = signature(ed.key.as_ref(), &p, &good_claims);
        let mut w = Writer::new();
        w.array(4).bytes(&p).map(0).null().bytes(&sig);
        neg.add("detached payload", &text(&w.into_inner()), "cose_structure");
    }
    {
        let mut p = Writer::new();
        p.map(3)
            .int(1)
            .int(-8)
            .int(4)
            .bytes(&ed.cert.kid())
            .int(1)
            .int(-8);
        let m = sign_parts(ed.key.as_ref(), false, p.as_slice(), &[0xa0], &good_claims);
        neg.add(
            "alg twice in the protected header",
            &text(&m),
            "cose_structure",
        );
    }

    neg.section("Unsupported algorithm.");
    {
        let p = protected(-35, &es.cert.kid());
        let m = sign_parts(es.key.as_ref(), false, &p, &[0xa0], &good_claims);
        neg.add("ES384 (-35)", &text(&m), "unsupported_algorithm");
        let mut p = Writer::new();
        p.map(2).int(1).text("ES256").int(4).bytes(&es.cert.kid());
        let m = sign_parts(es.key.as_ref(), false, p.as_slice(), &[0xa0], &good_claims);
        neg.add("alg as text \"ES256\"", &text(&m), "unsupported_algorithm");
    }

    neg.section("Unknown kid.");
    {
        let stranger_kid = certseal::trust::kid_of(&keys.stranger.public_key_spki());
        let p = protected(-8, &stranger_kid);
        let m = sign_parts(&keys.stranger, false, &p, &[0xa0], &good_claims);
        neg.add("signed by an uncertified key", &text(&m), "unknown_kid");
        let p = protected(-7, &ed.cert.kid());
        let m = sign_parts(&keys.stranger_es256, false, &p, &[0xa0], &good_claims);
        neg.add(
            "ES256 under the kid of an Ed25519 signer",
            &text(&m),
            "unknown_kid",
        );
    }

    neg.section("Signature.");
    {
        let mut m = good.clone();
        let at = m.len() - 70;
        m[at] ^= 0x01;
        neg.add("one claim bit flipped", &text(&m), "signature");
        let p = protected(-8, &ed.cert.kid());
        let m = sign_parts(&keys.stranger, false, &p, &[0xa0], &good_claims);
        neg.add(
            "signed by another key under a trusted kid",
            &text(&m),
            "signature",
        );
        let mut m = message(es, &good_claims);
        let n = m.len();
        p256_flip_s(&mut m[n - 64..]);
        neg.add(
            "high-S form of a valid ES256 signature",
            &text(&m),
            "signature",
        );
        let mut m = message(ed, &good_claims);
        m.truncate(m.len() - 64);
        m.pop();
        m.pop();
        let mut w = Writer::from_vec(m);
        w.bytes(&[0u8; 63]);
        let m = w.into_inner();
        neg.add("Ed25519 signature of 63 bytes", &text(&m), "signature");
    }

    neg.section("Claims malformed (signed by a trusted key).");
    {
        let mut w = Writer::new();
        w.map(1).int(6).int(IAT);
        neg.add(
            "no certificate claim",
            &text(&message(ed, w.as_slice())),
            "claims_malformed",
        );
        let mut claims = good_claims.clone();
        // {6: iat, -65537: […]} → {1: "x", …}: an unknown claim first.
        claims[0] = 0xa3;
        let claims = [&claims[..1], &[0x01, 0x61, b'x'], &claims[1..]].concat();
        neg.add(
            "unknown claim 1 (iss)",
            &text(&message(ed, &claims)),
            "claims_malformed",
        );
        let mut claims = good_claims.clone();
        claims[0] = 0xa3;
        let dup = [&claims[..1], &encode_int_pair(6, IAT)[..], &claims[1..]].concat();
        neg.add("iat twice", &text(&message(ed, &dup)), "claims_malformed");
        neg.add(
            "claims are a text string",
            &text(&message(ed, b"\x63abc")),
            "claims_malformed",
        );
    }

    neg.section("Time checks.");
    {
        let id = sample_identifier();
        let c = encode_claims(&sample_claims(NOW + 300, None));
        neg.valid(
            "valid: iat 300 s in the future, inside the skew",
            &text(&message(ed, &c)),
            &id,
        );
        let c = encode_claims(&sample_claims(NOW + 301, None));
        neg.add(
            "iat 301 s in the future, past the skew",
            &text(&message(ed, &c)),
            "not_yet_valid",
        );
        let c = encode_claims(&sample_claims(NOW + 3_600, None));
        neg.add(
            "iat one hour in the future",
            &text(&message(ed, &c)),
            "not_yet_valid",
        );
        let c = encode_claims(&sample_claims(IAT, Some(NOW - 300)));
        neg.valid(
            "valid: expired 300 s ago, inside the skew",
            &text(&message(es, &c)),
            &id,
        );
        let c = encode_claims(&sample_claims(1_772_323_200, Some(NOW - 30 * DAY)));
        neg.add("expired 30 days ago", &text(&message(ed, &c)), "expired");
        let c = encode_claims(&sample_claims(IAT, Some(NOW - 301)));
        neg.add(
            "expired 301 s ago (past the skew)",
            &text(&message(ed, &c)),
            "expired",
        );
        let c = encode_claims(&sample_claims(1_764_547_200, None));
        neg.add(
            "signed 2025-12-01, before the signer's window",
            &text(&message(ed, &c)),
            "signer_not_valid_at_issuance",
        );
        let c = encode_claims(&sample_claims(1_785_542_400, None));
        neg.add(
            "signed 2026-08-01 by the retired signer, after its window",
            &text(&message(&keys.retired, &c)),
            "signer_not_valid_at_issuance",
        );
    }
    f
}

/// The e-licence identifier of [`sample_claims`] under the vector authority.
fn sample_identifier() -> String {
    let q = model::Catalogue::builtin()
        .get(1)
        .expect("catalogue code 1");
    let authority = Uscc::parse(AUTHORITY_USCC).expect("uscc");
    ElicenceId::mint(&q.licence_type, &authority, "20240100001538", 1)
        .expect("mint")
        .to_string()
}

fn encode_int_pair(k: i64, v: i64) -> Vec<u8> {
    let mut w = Writer::new();
    w.int(k).int(v);
    w.into_inner()
}

fn valid_record(f: &mut File, verifier: &Verifier, qr: &str, identifier: &str) {
    let verdict = verifier.verify(qr);
    assert_eq!(verdict.result, Ok(()), "{qr}");
    let view = verdict.certificate.expect("view");
    f.comment(&format!("{}, {} characters", view.holder_name, qr.len()));
    let mut attrs = vec![
        ("Payload", V::Str(qr.to_owned())),
        ("At", V::Int(NOW)),
        ("Result", V::Word("valid")),
        ("Alg", V::Word(verdict.alg.expect("alg").name())),
        ("Kid", V::Hex(verdict.kid.expect("kid").to_vec())),
        ("IssuedAt", V::Int(view.issued_at)),
    ];
    if let Some(exp) = view.expires_at {
        attrs.push(("ExpiresAt", V::Int(exp)));
    }
    attrs.push(("Qualification", V::Int(view.qualification.code.into())));
    attrs.push(("Level", V::Int(view.qualification.level.into())));
    if let Some(s) = view.qualification.specialty {
        attrs.push(("Specialty", V::Int(s.into())));
    }
    attrs.extend([
        ("HolderName", V::Str(view.holder_name.clone())),
        ("Sex", V::Int(view.sex.code().into())),
        ("BirthMonths", V::Int(view.birth.months_since_1900().into())),
        ("IdType", V::Int(view.id_type.code().into())),
        ("IdTail", V::Str(view.id_tail.clone())),
        ("ManagementNumber", V::Str(view.management_number.clone())),
        (
            "ApprovalDays",
            V::Int(view.approval_date.days_since_epoch().into()),
        ),
        ("Serial", V::Str(view.serial.clone())),
        ("Version", V::Int(view.version.into())),
        ("Kind", V::Int(view.kind.code().into())),
    ]);
    if let Some(i) = view.status_index {
        attrs.push(("StatusIndex", V::Int(i64::try_from(i).expect("index"))));
    }
    attrs.extend([
        (
            "AuthorityUscc",
            V::Str(view.authority_uscc.clone().expect("uscc")),
        ),
        (
            "AuthorityName",
            V::Str(view.authority_name.clone().expect("name")),
        ),
        ("Identifier", V::Str(identifier.to_owned())),
    ]);
    f.record(&attrs);
}

struct Negatives<'a> {
    f: &'a mut File,
    verifier: &'a Verifier,
}

impl Negatives<'_> {
    fn section(&mut self, title: &str) {
        self.f.comment(title);
        self.f.out.push('\n');
    }

    /// Adds a valid vector at an edge.
    fn valid(&mut self, what: &str, payload: &str, identifier: &str) {
        self.f.comment(what);
        valid_record(self.f, self.verifier, payload, identifier);
    }

    /// Adds a negative vector after checking it gets the reason it was written for.
    fn add(&mut self, what: &str, payload: &str, code: &str) {
        let verdict = self.verifier.verify(payload);
        let reason: Reason = match verdict.result {
            Err(r) => r,
            Ok(()) => panic!("{what}: verified"),
        };
        assert_eq!(reason.code(), code, "{what}: {reason}");
        self.f.comment(&format!("{what}: {reason}"));
        let mut attrs = vec![
            ("Payload", V::Str(payload.to_owned())),
            ("At", V::Int(NOW)),
            ("Result", V::Word(reason.code())),
            ("Stage", V::Word(reason.stage())),
        ];
        if let Some(alg) = verdict.alg {
            attrs.push(("Alg", V::Word(alg.name())));
        }
        if let Some(kid) = verdict.kid {
            attrs.push(("Kid", V::Hex(kid.to_vec())));
        }
        self.f.record(&attrs);
    }
}

// ---------------------------------------------------------------------------------------------
// trust.txt

fn trust(keys: &Keys) -> File {
    let mut f = File::header(&[
        "certseal trust vectors (specs/trust-list.md): the root and document-signer",
        "certificates every other vector file refers to, and a signed trust list.",
        GENERATED,
        "",
        "`Seed` is the private key (Ed25519 seed, or P-256 scalar), published because these are",
        "test keys: SHA-256(\"certseal test vector \" + label). `Kid` is SHA-256(Certificate)[0..8].",
        "Times are seconds since the epoch (NotAfter inclusive).",
    ]);
    f.comment("The root (Ed25519, self-signed).");
    f.record(&[
        ("Name", V::Str("root".into())),
        ("Role", V::Word("root")),
        ("Alg", V::Word("EdDSA")),
        ("Seed", V::Hex(keys.root_seed.to_vec())),
        ("Certificate", V::Hex(keys.root.der().to_vec())),
        ("Kid", V::Hex(keys.root.kid().to_vec())),
        ("NotBefore", V::Int(keys.root.not_before())),
        ("NotAfter", V::Int(keys.root.not_after())),
        ("Subject", V::Str(keys.root.subject().to_owned())),
    ]);
    for s in keys.signers() {
        f.comment(&format!("Document signer {}.", s.name));
        f.record(&[
            ("Name", V::Str(s.name.into())),
            ("Role", V::Word("signer")),
            ("Alg", V::Word(s.key.algorithm().name())),
            ("Seed", V::Hex(s.seed.to_vec())),
            ("Certificate", V::Hex(s.cert.der().to_vec())),
            ("Kid", V::Hex(s.cert.kid().to_vec())),
            ("NotBefore", V::Int(s.cert.not_before())),
            ("NotAfter", V::Int(s.cert.not_after())),
            ("Subject", V::Str(s.cert.subject().to_owned())),
            ("AuthorityUscc", V::Str(AUTHORITY_USCC.into())),
        ]);
    }
    let certs: Vec<SignerCert> = keys.signers().iter().map(|s| s.cert.clone()).collect();
    let list = sign_trust_list(&keys.root, &keys.root_key, &certs, NOW, NOW + 7 * DAY)
        .expect("trust list");
    f.comment("The signed trust list over the three signers, verified with the root.");
    let kids: Vec<String> = keys
        .signers()
        .iter()
        .map(|s| hex::encode(&s.cert.kid()))
        .collect();
    f.record(&[
        ("Name", V::Str("trust list".into())),
        ("Role", V::Word("list")),
        ("TrustList", V::Hex(list)),
        ("IssuedAt", V::Int(NOW)),
        ("NextUpdate", V::Int(NOW + 7 * DAY)),
        ("Kids", V::Str(kids.join(" "))),
    ]);
    f
}

// ---------------------------------------------------------------------------------------------
// identifiers.txt

fn identifiers() -> File {
    let mut f = File::header(&[
        "certseal identifier vectors: national e-licence identifiers (GB/T 36904), resident",
        "ID numbers (GB 11643) and unified social credit codes (GB 32100).",
        GENERATED,
        "",
        "Check records: `classify(Input)` takes the input for `Kind` (`IdentifierKind::label`)",
        "and finds it `valid`, or `invalid` breaking `Rule` (`ModelError::rule`).",
        "Mint records: `ElicenceId::mint(Type, Issuer, Serial, Version)` prints `Identifier`.",
    ]);
    let good: &[(&str, &str)] = &[
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
            "the example of the core issue",
        ),
        ("110101198503076511", "resident ID of a sample record"),
        ("310104199011234529", "resident ID of a sample record"),
        ("11010519491231002X", "check digit X"),
        ("11010519491231002x", "check digit x, lower case"),
        ("12100000400010398P", "USCC of the authority"),
        ("91350100M000100Y43", "USCC of a company"),
    ];
    let bad: &[(&str, &str)] = &[
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V",
            "wrong check character",
        ),
        (
            "1.2.156.3005.3.11100000000013338W011.11430000006122244L.20230000403.001.U",
            "wrong arc",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244l.20230000403.001.U",
            "lower-case issuer",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.1.U",
            "version not 3 digits",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.000.U",
            "version 000",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001",
            "no check character",
        ),
        (
            "1.2.156.3005.2.11100000000013338W01.11430000006122244L.20230000403.001.U",
            "type code of 20 characters",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244M.20230000403.001.U",
            "issuer check character wrong",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023-0000403.001.U",
            "serial with a dash",
        ),
        (
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.123456789012345678901234567890123.001.U",
            "serial of 33 characters",
        ),
        ("110101198503076512", "resident ID: wrong check digit"),
        ("110101198502306516", "resident ID: 30 February"),
        ("11010119850307651X", "resident ID: X where a digit is due"),
        ("1101011985030765A1", "resident ID: letter inside"),
        ("12100000400010398Q", "USCC: wrong check character"),
        ("12100000400010I98P", "USCC: letter I"),
        ("1210000040001039", "16 characters"),
        ("", "empty"),
    ];
    f.comment("Well-formed codes.");
    f.out.push('\n');
    for (input, what) in good {
        let c = classify(input);
        assert!(c.result.is_ok(), "{what}: {input}: {:?}", c.result);
        f.comment(what);
        f.record(&[
            ("Input", V::Str((*input).into())),
            ("Kind", V::Str(c.kind.label().into())),
            ("Result", V::Word("valid")),
        ]);
    }
    f.comment("Codes breaking a rule.");
    f.out.push('\n');
    for (input, what) in bad {
        let c = classify(input);
        let e = c.result.expect_err(what);
        f.comment(what);
        f.record(&[
            ("Input", V::Str((*input).into())),
            ("Kind", V::Str(c.kind.label().into())),
            ("Result", V::Word("invalid")),
            ("Rule", V::Str(e.rule())),
        ]);
    }
    f.comment("Minting e-licence identifiers (the check character is ISO/IEC 7064 MOD 37,36).");
    f.out.push('\n');
    let catalogue = certseal::model::Catalogue::builtin();
    let authority = Uscc::parse(AUTHORITY_USCC).expect("uscc");
    let mints: &[(u16, &str, u16)] = &[
        (1, "20240100001538", 1),
        (9, "20230900087214", 2),
        (8, "1", 1),
        (12, "A1B2C3", 999),
    ];
    for (code, serial, version) in mints {
        let q = catalogue.get(*code).expect("catalogue code");
        let id = ElicenceId::mint(&q.licence_type, &authority, serial, *version).expect("mint");
        let printed = id.to_string();
        assert_eq!(ElicenceId::parse(&printed).expect("parse"), id);
        f.comment(&format!("{} (catalogue code {code})", q.name));
        f.record(&[
            ("Type", V::Str(q.licence_type.clone())),
            ("Issuer", V::Str(AUTHORITY_USCC.into())),
            ("Serial", V::Str((*serial).into())),
            ("Version", V::Int((*version).into())),
            ("Identifier", V::Str(printed)),
        ]);
    }
    f
}

// ---------------------------------------------------------------------------------------------
// interop.txt

/// A DCC-style claims set: `{1: iss, 4: exp, 6: iat, -260: {1: {…}}}`.
pub fn dcc_claims(iat: i64, exp: i64, hcert: bool) -> Vec<u8> {
    let mut w = Writer::new();
    w.map(if hcert { 4 } else { 3 })
        .int(1)
        .text("CN")
        .int(4)
        .int(exp)
        .int(6)
        .int(iat);
    if hcert {
        w.int(-260).map(1).int(1).map(3);
        w.text("ver").text("1.3.0");
        w.text("nam")
            .map(2)
            .text("fn")
            .text("Wang")
            .text("gn")
            .text("Jianguo");
        w.text("dob").text("1985-03-07");
    }
    w.into_inner()
}

/// A COSE_Sign1 (tag 18) with `{1: alg, 4: kid}` over `payload`, as DCC issuers make them.
pub fn tagged_message(s: &SignerKey, payload: &[u8]) -> Vec<u8> {
    let p = protected(s.key.algorithm().cose_value(), &s.cert.kid());
    sign_parts(s.key.as_ref(), true, &p, &[0xa0], payload)
}

/// `HC1:` + base45(zlib(cose)).
pub fn hc1(cose: &[u8]) -> String {
    format!("HC1:{}", base45::encode(&zlib::deflate(cose)))
}

struct Interop<'a> {
    f: &'a mut File,
}

struct Case<'a> {
    what: &'a str,
    profile: Profile,
    prefix: Option<&'a str>,
    input: String,
    cert: &'a SignerCert,
    at: Option<i64>,
    stage: Option<&'static str>,
}

fn case<'a>(
    what: &'a str,
    profile: Profile,
    input: String,
    cert: &'a SignerCert,
    at: Option<i64>,
    stage: Option<&'static str>,
) -> Case<'a> {
    Case {
        what,
        profile,
        prefix: None,
        input,
        cert,
        at,
        stage,
    }
}

impl Interop<'_> {
    fn add(&mut self, c: Case<'_>) {
        let anchor = TrustAnchor::from_certificate(c.cert.der()).expect("anchor");
        let mut opts = Options::new(c.profile, c.at);
        if let Some(p) = c.prefix {
            opts.prefix = Some(p.to_owned());
        }
        let report = interop::verify(&c.input, &anchor, &opts);
        assert_eq!(report.stage(), c.stage, "{}: {:?}", c.what, report.detail());
        self.f.comment(&match &report.detail() {
            Some(d) => format!("{}: {d}", c.what),
            None => c.what.to_owned(),
        });
        let mut attrs = vec![
            (
                "Profile",
                V::Word(match c.profile {
                    Profile::Generic => "generic",
                    Profile::Dcc => "dcc",
                    other => panic!("{}: no vector name for {other:?}", c.what),
                }),
            ),
            ("Input", V::Str(c.input)),
        ];
        if let Some(p) = c.prefix {
            attrs.push(("Prefix", V::Str(p.to_owned())));
        }
        attrs.push(("TrustCertificate", V::Hex(c.cert.der().to_vec())));
        if let Some(at) = c.at {
            attrs.push(("At", V::Int(at)));
        }
        attrs.push((
            "Result",
            V::Word(if c.stage.is_none() {
                "valid"
            } else {
                "invalid"
            }),
        ));
        if let Some(stage) = c.stage {
            attrs.push(("Stage", V::Word(stage)));
        }
        if let Some(alg) = &report.alg_name() {
            attrs.push((
                "Alg",
                V::Word(match alg.as_str() {
                    "ES256" => "ES256",
                    "EdDSA" => "EdDSA",
                    "ES384" => "ES384",
                    "-35" => "-35",
                    other => panic!("unexpected alg {other}"),
                }),
            ));
        }
        if let Some(kid) = &report.kid {
            attrs.push(("Kid", V::Hex(kid.clone())));
        }
        if let Some(iss) = report
            .claims
            .as_ref()
            .and_then(|c| c.get("iss"))
            .and_then(|v| v.as_str())
        {
            attrs.push(("Iss", V::Str(iss.to_owned())));
        }
        self.f.record(&attrs);
    }
}

fn interop_vectors(keys: &Keys) -> File {
    let mut f = File::header(&[
        "certseal interop vectors (specs/interop.md): CWTs in COSE_Sign1 from any issuer,",
        "checked against one trusted certificate, generic and EU DCC profile (HC1:, zlib).",
        GENERATED,
        "",
        "Verify `Input` with `interop::verify` under `Profile`, trusting `TrustCertificate`",
        "(DER), with `Prefix` when given (otherwise the profile's default: `HC1:` for dcc,",
        "none for generic) and time checks at `At` when given. `Result` is `valid` or",
        "`invalid` at `Stage`; `Alg`, `Kid` and `Iss` are the report's.",
    ]);
    let es = &keys.es256;
    let ed = &keys.ed25519;
    let iat = NOW - 10 * DAY;
    let exp = NOW + 180 * DAY;
    let dcc = tagged_message(es, &dcc_claims(iat, exp, true));
    let mut v = Interop { f: &mut f };
    v.add(case(
        "DCC-style: HC1:, zlib, tag 18, ES256",
        Profile::Dcc,
        hc1(&dcc),
        &es.cert,
        Some(NOW),
        None,
    ));
    v.add(Case {
        prefix: Some("HC1:"),
        ..case(
            "the same under the generic profile (with the HC1: prefix given)",
            Profile::Generic,
            hc1(&dcc),
            &es.cert,
            Some(NOW),
            None,
        )
    });
    let generic = message(ed, &dcc_claims(iat, exp, false));
    v.add(case(
        "generic: no prefix, no zlib, untagged, EdDSA",
        Profile::Generic,
        base45::encode(&generic),
        &ed.cert,
        Some(NOW),
        None,
    ));
    v.add(case(
        "generic: zlib is optional and accepted",
        Profile::Generic,
        base45::encode(&zlib::deflate(&generic)),
        &ed.cert,
        None,
        None,
    ));
    let payload = encode_claims(&sample_claims(IAT, None));
    v.add(Case {
        prefix: Some("CS1:"),
        ..case(
            "a certseal payload is a CWT too",
            Profile::Generic,
            text(&message(ed, &payload)),
            &ed.cert,
            Some(NOW),
            None,
        )
    });

    v.add(case(
        "dcc: prefix missing",
        Profile::Dcc,
        hc1(&dcc).replacen("HC1:", "", 1),
        &es.cert,
        Some(NOW),
        Some("prefix"),
    ));
    v.add(case(
        "dcc: base45 with a lower-case letter",
        Profile::Dcc,
        format!(
            "HC1:{}",
            base45::encode(&zlib::deflate(&dcc)).to_ascii_lowercase()
        ),
        &es.cert,
        Some(NOW),
        Some("base45"),
    ));
    v.add(case(
        "dcc: zlib required",
        Profile::Dcc,
        format!("HC1:{}", base45::encode(&dcc)),
        &es.cert,
        Some(NOW),
        Some("decompress"),
    ));
    {
        let mut z = zlib::deflate(&dcc);
        z.truncate(z.len() / 2);
        v.add(case(
            "dcc: zlib stream cut in half",
            Profile::Dcc,
            format!("HC1:{}", base45::encode(&z)),
            &es.cert,
            Some(NOW),
            Some("decompress"),
        ));
    }
    v.add(case(
        "dcc: inflates to bytes that are not CBOR",
        Profile::Dcc,
        hc1(&[0xd2, 0x84, 0x5f]),
        &es.cert,
        Some(NOW),
        Some("cbor"),
    ));
    v.add(case(
        "dcc: tag 98 instead of 18",
        Profile::Dcc,
        hc1(&[&[0xd8, 0x62], &dcc[1..]].concat()),
        &es.cert,
        Some(NOW),
        Some("cose_tag"),
    ));
    {
        let p = protected(-35, &es.cert.kid());
        let m = sign_parts(
            es.key.as_ref(),
            true,
            &p,
            &[0xa0],
            &dcc_claims(iat, exp, true),
        );
        v.add(case(
            "dcc: ES384",
            Profile::Dcc,
            hc1(&m),
            &es.cert,
            Some(NOW),
            Some("alg"),
        ));
    }
    v.add(case(
        "dcc: EdDSA is not in the dcc profile (ES256 and PS256 only)",
        Profile::Dcc,
        hc1(&tagged_message(ed, &dcc_claims(iat, exp, true))),
        &es.cert,
        Some(NOW),
        Some("alg"),
    ));
    v.add(Case {
        prefix: Some("HC1:"),
        ..case(
            "generic: EdDSA message, ES256 certificate",
            Profile::Generic,
            hc1(&tagged_message(ed, &dcc_claims(iat, exp, true))),
            &es.cert,
            Some(NOW),
            Some("key"),
        )
    });
    {
        let p = protected(-7, &ed.cert.kid());
        let m = sign_parts(
            es.key.as_ref(),
            true,
            &p,
            &[0xa0],
            &dcc_claims(iat, exp, true),
        );
        v.add(case(
            "dcc: kid is not SHA-256 of the certificate",
            Profile::Dcc,
            hc1(&m),
            &es.cert,
            Some(NOW),
            Some("kid"),
        ));
    }
    {
        let mut m = dcc.clone();
        let at = m.len() - 80;
        m[at] ^= 0x04;
        v.add(case(
            "dcc: one payload bit flipped",
            Profile::Dcc,
            hc1(&m),
            &es.cert,
            Some(NOW),
            Some("signature"),
        ));
    }
    v.add(case(
        "generic: claims are an array",
        Profile::Generic,
        base45::encode(&message(ed, &[0x80])),
        &ed.cert,
        Some(NOW),
        Some("cwt"),
    ));
    v.add(case(
        "dcc: no claim -260",
        Profile::Dcc,
        hc1(&tagged_message(es, &dcc_claims(iat, exp, false))),
        &es.cert,
        Some(NOW),
        Some("hcert"),
    ));
    v.add(case(
        "dcc: expired",
        Profile::Dcc,
        hc1(&tagged_message(es, &dcc_claims(iat, NOW - DAY, true))),
        &es.cert,
        Some(NOW),
        Some("time"),
    ));
    v.add(case(
        "dcc: exp after the signer certificate's window",
        Profile::Dcc,
        hc1(&tagged_message(es, &dcc_claims(iat, Y2028 + DAY, true))),
        &es.cert,
        Some(NOW),
        Some("time"),
    ));
    v.add(case(
        "generic: not yet valid",
        Profile::Generic,
        base45::encode(&message(ed, &dcc_claims(NOW + DAY, exp, false))),
        &ed.cert,
        Some(NOW),
        Some("time"),
    ));
    f
}

// ---------------------------------------------------------------------------------------------
// status.txt

/// The status signer of the vectors: Ed25519 from a fixed seed, status-signing usage only,
/// valid 2026-01-01 .. 2027-12-31.
pub fn status_signer(keys: &Keys) -> SignerKey {
    let seed = seed("status signer");
    let key = RingSigner::ed25519_from_seed(&seed).expect("key");
    let cert = keys
        .root
        .issue_signer_for(
            &keys.root_key,
            &key.public_key_spki(),
            &SignerParams {
                common_name: "certseal test vector status signer".into(),
                authority_name: AUTHORITY_NAME.into(),
                authority_uscc: AUTHORITY_USCC.into(),
                serial: 5,
                not_before: Y2026,
                not_after: Y2028 - 1,
            },
            certseal::trust::SignerUsage::STATUS,
        )
        .expect("status signer certificate");
    SignerKey {
        name: "status",
        seed,
        key: Box::new(key),
        cert,
    }
}

/// `index:state` words: `3:superseded`, `5:invalidated` (revoked with that reason).
fn state_words(entries: &[(u64, certseal::status::State)]) -> String {
    use certseal::status::State;
    entries
        .iter()
        .map(|(i, s)| match s {
            State::Valid => format!("{i}:valid"),
            State::Superseded => format!("{i}:superseded"),
            State::Revoked(r) => format!("{i}:{r}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn status_vectors(keys: &Keys) -> File {
    use certseal::status::{
        sign_delta, sign_snapshot, token_status_list, DeltaParams, ReasonCode, SnapshotParams,
        State, StatusList, TslParams,
    };
    let mut f = File::header(&[
        "certseal status vectors (specs/status.md): a status signer, a signed snapshot, a delta",
        "on top of it, the status checks a verifier makes with them, and the Token Status List",
        "export of the same states.",
        GENERATED,
        "",
        "The root is trust.txt's. States are `index:state` words: `superseded`, or the",
        "revocation reason (`invalidated`, `withdrawn`, `unspecified`, …). Check results are",
        "StatusReason codes (`revoked`, `superseded`, `signer_revoked`, `stale`) or `valid`.",
    ]);
    let status = status_signer(keys);
    f.comment("The status signer (status-signing usage only).");
    f.record(&[
        ("Role", V::Word("status-signer")),
        ("Seed", V::Hex(status.seed.to_vec())),
        ("Certificate", V::Hex(status.cert.der().to_vec())),
        ("Kid", V::Hex(status.cert.kid().to_vec())),
    ]);
    let mut store_certs: Vec<SignerCert> = keys.signers().iter().map(|s| s.cert.clone()).collect();
    store_certs.push(status.cert.clone());
    let store = TrustStore::from_signer_certs(&keys.root, &store_certs).expect("store");

    let snapshot_entries = vec![
        (3, State::Superseded),
        (5, State::Revoked(ReasonCode::INVALIDATED)),
        (10, State::Superseded),
        (11, State::Superseded),
        (20, State::Revoked(ReasonCode::WITHDRAWN)),
        (40, State::Revoked(ReasonCode::INVALIDATED)),
        (63, State::Revoked(ReasonCode::INVALIDATED)),
    ];
    let retired_kid = keys.retired.cert.kid();
    let params = SnapshotParams {
        issuer: AUTHORITY_USCC.into(),
        sequence: 7,
        issued_at: NOW - 3600,
        next_update: NOW + DAY,
        size: 64,
    };
    let snapshot = sign_snapshot(
        &params,
        snapshot_entries.clone(),
        &[retired_kid],
        status.key.as_ref(),
        &status.cert,
    )
    .expect("snapshot");
    let mut list = StatusList::load(&snapshot, &store).expect("snapshot loads");
    assert_eq!(list.entries(), snapshot_entries);
    f.comment("A snapshot at sequence 7 of 64 indices, the retired signer's kid revoked.");
    f.record(&[
        ("Role", V::Word("snapshot")),
        ("Document", V::Hex(snapshot)),
        ("Issuer", V::Str(params.issuer.clone())),
        ("Sequence", V::Int(7)),
        ("IssuedAt", V::Int(params.issued_at)),
        ("NextUpdate", V::Int(params.next_update)),
        ("Size", V::Int(64)),
        ("States", V::Str(state_words(&snapshot_entries))),
        ("RevokedKids", V::Hex(retired_kid.to_vec())),
    ]);

    let delta_changes = vec![
        (12, State::Superseded),
        (3, State::Revoked(ReasonCode::INVALIDATED)),
        (64, State::Superseded),
        (65, State::Revoked(ReasonCode::ISSUED_IN_ERROR)),
    ];
    let dparams = DeltaParams {
        issuer: AUTHORITY_USCC.into(),
        from: 7,
        to: 9,
        issued_at: NOW - 60,
        next_update: NOW + DAY,
        size: 66,
    };
    let delta = sign_delta(
        &dparams,
        delta_changes.clone(),
        &[],
        status.key.as_ref(),
        &status.cert,
    )
    .expect("delta");
    list.apply_delta(&delta, &store).expect("delta applies");
    let after = list.entries();
    f.comment("A delta 7 -> 9 (size 66): index 3 superseded -> revoked, 12 and 64 superseded,");
    f.comment("65 revoked; States is the whole state after applying it on the snapshot.");
    f.record(&[
        ("Role", V::Word("delta")),
        ("Document", V::Hex(delta)),
        ("From", V::Int(7)),
        ("To", V::Int(9)),
        ("Size", V::Int(66)),
        ("Changes", V::Str(state_words(&delta_changes))),
        ("States", V::Str(state_words(&after))),
    ]);

    f.comment("Checks on the state after the delta: (kid, status index, time) -> result.");
    let ed = keys.ed25519.cert.kid();
    let checks: [(&[u8; 8], Option<u64>, i64, &str); 8] = [
        (&ed, Some(0), NOW, "valid"),
        (&ed, Some(3), NOW, "revoked"),
        (&ed, Some(10), NOW, "superseded"),
        (&ed, Some(64), NOW, "superseded"),
        (&ed, Some(1000), NOW, "valid"),
        (&ed, None, NOW, "valid"),
        (&retired_kid, Some(0), NOW, "signer_revoked"),
        (&ed, Some(0), NOW + 2 * DAY, "valid"),
    ];
    for (kid, index, now, want) in checks {
        let got = list
            .check(kid, index, now)
            .map_or_else(|r| r.code(), |_| "valid");
        assert_eq!(got, want, "status check {index:?}");
        let mut attrs = vec![
            ("Role", V::Word("check")),
            ("Kid", V::Hex(kid.to_vec())),
            ("Now", V::Int(now)),
        ];
        if let Some(i) = index {
            attrs.push(("StatusIndex", V::Int(i64::try_from(i).expect("small"))));
        }
        attrs.push(("Result", V::Word(want)));
        f.record(&attrs);
    }
    f.comment("The same check past next_update under the fail policy.");
    let strict = list
        .clone()
        .with_policy(certseal::status::StalePolicy::Fail);
    assert_eq!(
        strict
            .check(&ed, Some(0), NOW + 2 * DAY)
            .map_err(|r| r.code()),
        Err("stale")
    );
    f.record(&[
        ("Role", V::Word("check")),
        ("Kid", V::Hex(ed.to_vec())),
        ("Now", V::Int(NOW + 2 * DAY)),
        ("StatusIndex", V::Int(0)),
        ("Policy", V::Word("fail")),
        ("Result", V::Word("stale")),
    ]);

    let tsl = token_status_list(
        66,
        after.clone(),
        &TslParams {
            uri: "https://certseal.invalid/v1/status/token-status-list".into(),
            issued_at: NOW,
            expires_at: NOW + DAY,
            ttl: 3600,
        },
        status.key.as_ref(),
        &status.cert,
    )
    .expect("token status list");
    f.comment("The state after the delta as an IETF Token Status List (CWT, bits 2).");
    f.record(&[
        ("Role", V::Word("token-status-list")),
        ("Document", V::Hex(tsl)),
        (
            "Uri",
            V::Str("https://certseal.invalid/v1/status/token-status-list".into()),
        ),
        ("IssuedAt", V::Int(NOW)),
        ("ExpiresAt", V::Int(NOW + DAY)),
        ("Ttl", V::Int(3600)),
        ("Size", V::Int(66)),
    ]);
    f
}
