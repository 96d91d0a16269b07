//! One function per parser, each taking arbitrary bytes and returning nothing. A fuzz target
//! is three lines: `fuzz_target!(|data: &[u8]| fuzzing::NAME(data));`. Round-trip targets
//! assert that decode → encode → decode is stable.

use std::sync::OnceLock;

use crate::claims::payload::{self, QrClaims};
use crate::codec::cbor::{self, Mode, Writer};
use crate::codec::{base45, Limits};
use crate::cose::{Claims, Sign1};
use crate::crypto::{RingSigner, Signer};
use crate::trust::{RootCert, RootParams, SignerCert, SignerParams, TrustStore};
use crate::verify::Verifier;

const NOW: i64 = 1_795_651_200;

struct Fixture {
    root: RootCert,
    root_key: RingSigner,
    signer_key: RingSigner,
    signer: SignerCert,
    verifier: Verifier,
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let root_key = RingSigner::ed25519_from_seed(&[7; 32]).ok()?;
            let signer_key = RingSigner::ed25519_from_seed(&[8; 32]).ok()?;
            let root = RootCert::issue(
                &root_key,
                &RootParams {
                    common_name: "fuzz root".into(),
                    authority_name: "fuzz".into(),
                    authority_uscc: None,
                    serial: 1,
                    not_before: NOW - 86_400,
                    not_after: NOW + 86_400 * 3650,
                },
            )
            .ok()?;
            let signer: SignerCert = root
                .issue_signer(
                    &root_key,
                    &signer_key.public_key_spki(),
                    &SignerParams {
                        common_name: "fuzz signer".into(),
                        authority_name: "fuzz".into(),
                        authority_uscc: "12100000400010398P".into(),
                        serial: 2,
                        not_before: NOW - 86_400,
                        not_after: NOW + 86_400 * 365,
                    },
                )
                .ok()?;
            let store = TrustStore::from_signer_certs(&root, std::slice::from_ref(&signer)).ok()?;
            let verifier = Verifier::new(store).with_clock(crate::FixedClock(NOW));
            Some(Fixture {
                root,
                root_key,
                signer_key,
                signer,
                verifier,
            })
        })
        .as_ref()
}

fn interop_key() -> Option<RingSigner> {
    RingSigner::ed25519_from_seed(&[9; 32]).ok()
}

/// The verify-only interop key types of the fuzz fixture: fixed RSA-2048 and P-384 keys
/// (`fuzz-keys/`, made once with openssl, see its README) and a P-521 key from a fixed
/// scalar, with signers for the seeds. certseal never signs with these algorithms; the
/// signers here exist only so seeds reach the RSA-PSS, P-384 and P-521 verification paths.
struct InteropSigner {
    alg: crate::crypto::Algorithm,
    key: InteropKey,
}

enum InteropKey {
    Rsa(ring::signature::RsaKeyPair),
    P384(ring::signature::EcdsaKeyPair),
    P521(Box<p521::ecdsa::SigningKey>),
}

const FUZZ_RSA_PKCS8: &[u8] = include_bytes!("fuzz-keys/rsa2048.pk8");
const FUZZ_P384_PKCS8: &[u8] = include_bytes!("fuzz-keys/p384.pk8");

/// The fixture's interop signers: PS256, PS384 and PS512 over one RSA key, ES384, ES512.
fn interop_signers() -> Vec<InteropSigner> {
    use crate::crypto::Algorithm;
    use ring::signature::{self as rs, EcdsaKeyPair, RsaKeyPair};
    let mut out = Vec::new();
    for alg in [Algorithm::Ps256, Algorithm::Ps384, Algorithm::Ps512] {
        if let Ok(k) = RsaKeyPair::from_pkcs8(FUZZ_RSA_PKCS8) {
            out.push(InteropSigner {
                alg,
                key: InteropKey::Rsa(k),
            });
        }
    }
    let rng = ring::rand::SystemRandom::new();
    if let Ok(k) =
        EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P384_SHA384_FIXED_SIGNING, FUZZ_P384_PKCS8, &rng)
    {
        out.push(InteropSigner {
            alg: Algorithm::Es384,
            key: InteropKey::P384(k),
        });
    }
    let mut scalar = [0x5au8; 66];
    scalar[0] = 0;
    scalar[1] = 1;
    if let Ok(k) = p521::ecdsa::SigningKey::from_slice(&scalar) {
        out.push(InteropSigner {
            alg: Algorithm::Es512,
            key: InteropKey::P521(Box::new(k)),
        });
    }
    out
}

impl InteropSigner {
    fn public_key(&self) -> Option<crate::crypto::VerifyingKey> {
        use crate::crypto::VerifyingKey;
        use ring::signature::KeyPair as _;
        match &self.key {
            InteropKey::Rsa(k) => VerifyingKey::from_raw(self.alg, k.public_key().as_ref()).ok(),
            InteropKey::P384(k) => VerifyingKey::from_raw(self.alg, k.public_key().as_ref()).ok(),
            InteropKey::P521(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                VerifyingKey::from_raw(self.alg, point.as_bytes()).ok()
            }
        }
    }
}

impl Signer for InteropSigner {
    fn algorithm(&self) -> crate::crypto::Algorithm {
        self.alg
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.public_key()
            .map(|k| crate::crypto::spki_from_raw(self.alg, k.raw()))
            .unwrap_or_default()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crate::crypto::CryptoError> {
        use crate::crypto::{Algorithm, CryptoError};
        use ring::signature as rs;
        let rng = ring::rand::SystemRandom::new();
        match &self.key {
            InteropKey::Rsa(k) => {
                let padding: &dyn rs::RsaEncoding = match self.alg {
                    Algorithm::Ps384 => &rs::RSA_PSS_SHA384,
                    Algorithm::Ps512 => &rs::RSA_PSS_SHA512,
                    _ => &rs::RSA_PSS_SHA256,
                };
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(padding, &rng, message, &mut sig)
                    .map_err(|_| CryptoError::SigningFailed)?;
                Ok(sig)
            }
            InteropKey::P384(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::SigningFailed),
            InteropKey::P521(k) => {
                use p521::ecdsa::signature::Signer as _;
                let sig: p521::ecdsa::Signature = k.sign(message);
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}

/// Valid inputs for every target, signed with the fixture keys, as `(target, bytes)`:
/// the seed corpus (`cargo run --example fuzz-seeds`).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let Some(f) = fixture() else { return out };
    let Ok(keys) = crate::issue::Issuer::new(&f.signer_key, &f.signer) else {
        return out;
    };
    const SAMPLES_JSON: &[u8] = include_bytes!("../../data/sample-records.json");
    const SAMPLES_CSV: &[u8] = include_bytes!("../../data/sample-records.csv");
    out.push(("records", SAMPLES_JSON.to_vec()));
    out.push(("records", SAMPLES_CSV.to_vec()));
    let mut qrs: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut docs: Vec<u8> = Vec::new();
    if let Ok(batch) = crate::model::parse_json(SAMPLES_JSON) {
        for (i, (_, cert)) in batch.accepted.iter().enumerate() {
            let Ok(issued) = keys.issue(cert, Some(i as u64), NOW) else {
                continue;
            };
            let cose = payload::strip_prefix(&issued.qr)
                .ok()
                .and_then(|b| base45::decode(b).ok())
                .unwrap_or_default();
            if let Ok(msg) = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT) {
                if let Some(p) = msg.payload {
                    out.push(("cwt_claims", p.to_vec()));
                    out.push(("cbor_round_trip", p.to_vec()));
                }
            }
            out.push(("cose_sign1", cose.clone()));
            out.push((
                "base45_round_trip",
                issued.qr.as_bytes()[payload::PREFIX.len()..].to_vec(),
            ));
            qrs.push(issued.qr.clone());
            ids.push(issued.identifier.clone());
            docs.extend_from_slice(&issued.document);
            out.push(("qr_text", issued.qr.into_bytes()));
            out.push(("document", issued.document));
            out.push(("identifiers", issued.identifier.into_bytes()));
            out.push(("identifiers", cert.holder.id_number.clone().into_bytes()));
        }
    }
    out.push(("identifiers", b"12100000400010398P".to_vec()));
    // Streamed lines: every form (bare, CRLF, blank, identifier<TAB>string, bundle JSON
    // line, binary, too long for max_line 64) at two read sizes; a document sequence.
    let mut lines = vec![0x3f, 0x06];
    for (i, (qr, id)) in qrs.iter().zip(&ids).enumerate() {
        let line = match i % 4 {
            0 => format!("{qr}\n"),
            1 => format!("{qr}\r\n\r\n"),
            2 => format!("{id}\t{qr}\n\n"),
            _ => format!("{{\"identifier\":\"{id}\",\"qr\":\"{qr}\",\"view\":{{}}}}\n"),
        };
        lines.extend_from_slice(line.as_bytes());
    }
    lines.extend_from_slice(b"CS1:\xff\xfe\r\n\r");
    out.push(("line_reader", lines));
    out.push((
        "line_reader",
        b"\x03\x00ab\r\nabcd\r\nabc\r\r\n\n\nx".to_vec(),
    ));
    let mut seq = vec![0x2f];
    seq.extend_from_slice(&docs);
    out.push(("document_seq", seq));
    // Bulk verification: all valid; one with a signature from another payload; one with
    // a bit flipped in R; one with s ≥ ℓ.
    out.push(("batch_verify", qrs.join("\n").into_bytes()));
    for (i, edit) in [(0usize, 0usize), (1, 1), (2, 2)] {
        let mut lines = qrs.clone();
        let cose = |t: &str| {
            payload::strip_prefix(t)
                .ok()
                .and_then(|b| base45::decode(b).ok())
                .unwrap_or_default()
        };
        let other = lines.get(i + 1).map(|t| cose(t)).unwrap_or_default();
        if let Some(line) = lines.get_mut(i) {
            let mut c = cose(line);
            let n = c.len();
            if n >= 64 && other.len() >= 64 {
                match edit {
                    0 => c[n - 64..].copy_from_slice(&other[other.len() - 64..]),
                    1 => c[n - 60] ^= 0x10,
                    _ => c[n - 1] |= 0xf0,
                }
            }
            *line = format!("{}{}", payload::PREFIX, base45::encode(&c));
        }
        out.push(("batch_verify", lines.join("\n").into_bytes()));
    }
    if let Ok(list) = crate::trust::sign_trust_list(
        &f.root,
        &f.root_key,
        std::slice::from_ref(&f.signer),
        NOW,
        NOW + 86_400,
    ) {
        out.push(("trust_list", list));
    }
    out.push(("trust_list", f.signer.der().to_vec()));
    if let Some(key) = interop_key() {
        let mut claims = Writer::new();
        claims
            .map(3)
            .int(1)
            .text("CN")
            .int(6)
            .int(NOW - 60)
            .int(-260)
            .map(1)
            .int(1)
            .map(1)
            .text("ver")
            .text("1.3.0");
        if let Ok(cose) = Sign1::sign(
            true,
            &[1, 2, 3, 4, 5, 6, 7, 8],
            claims.as_slice(),
            &[],
            &key,
        ) {
            let z = crate::codec::zlib::deflate(&cose);
            out.push((
                "interop",
                format!("HC1:{}", base45::encode(&z)).into_bytes(),
            ));
            out.push(("interop", crate::codec::hex::encode(&cose).into_bytes()));
            out.push(("cose_sign1", cose));
        }
        for signer in interop_signers() {
            if let Ok(cose) = Sign1::sign(true, b"interop", claims.as_slice(), &[], &signer) {
                let z = crate::codec::zlib::deflate(&cose);
                out.push((
                    "interop",
                    format!("HC1:{}", base45::encode(&z)).into_bytes(),
                ));
                out.push(("interop", crate::codec::hex::encode(&cose).into_bytes()));
            }
        }
    }
    #[cfg(feature = "qr")]
    if let Some((_, qr)) = out.iter().find(|(t, _)| *t == "qr_text") {
        let opts = crate::qr::render::QrOptions::default();
        let small = crate::qr::render::QrOptions {
            module_px: 2,
            quiet_zone: 2,
            ..opts
        };
        let text = String::from_utf8_lossy(qr).into_owned();
        for o in [opts, small.clone()] {
            if let Ok(png) = crate::qr::render::render_png(&text, &o) {
                out.push(("qr_image", png));
            }
        }
        // The other forms decode_grey reads: grey and colour (YCbCr) JPEG, RGBA PNG
        // with a transparent background.
        let luma = crate::qr::render::encode_matrix(&text, crate::qr::render::EcLevel::Q)
            .and_then(|m| crate::qr::render::to_luma(&m, &small));
        if let Ok((w, h, px)) = luma {
            use image::ImageEncoder as _;
            let colour: Vec<u8> = px
                .iter()
                .flat_map(|&v| {
                    if v < 128 {
                        [20, 30, 90]
                    } else {
                        [250, 245, 230]
                    }
                })
                .collect();
            let rgba: Vec<u8> = px
                .iter()
                .flat_map(|&v| {
                    if v < 128 {
                        [0, 0, 0, 255]
                    } else {
                        [0, 0, 0, 0]
                    }
                })
                .collect();
            for (data, colour_type) in [
                (&px, image::ExtendedColorType::L8),
                (&colour, image::ExtendedColorType::Rgb8),
            ] {
                let mut jpeg = Vec::new();
                if image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 75)
                    .encode(data, w, h, colour_type)
                    .is_ok()
                {
                    out.push(("qr_image", jpeg));
                }
            }
            let mut png = Vec::new();
            if image::codecs::png::PngEncoder::new(&mut png)
                .write_image(&rgba, w, h, image::ExtendedColorType::Rgba8)
                .is_ok()
            {
                out.push(("qr_image", png));
            }
        }
    }
    #[cfg(feature = "sm2")]
    {
        use crate::crypto::sm2::{signature_to_der, Sm2Signer, DEFAULT_ID};
        if let Ok(signer) = Sm2Signer::from_secret_bytes(&[5; 32], DEFAULT_ID) {
            let msg = b"certseal sm2 fuzz seed";
            if let Ok(sig) = signer.sign_raw(msg) {
                let mut seed = sig.to_vec();
                seed.extend_from_slice(msg);
                out.push(("sm2", seed));
                out.push(("sm2", signature_to_der(&sig)));
            }
            out.push(("sm2", signer.public_key_raw().to_vec()));
            out.push(("sm2", signer.public_key_spki()));
        }
        if let Ok((_, pkcs8)) = Sm2Signer::generate() {
            out.push(("sm2", pkcs8));
        }
    }
    out
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// QR text payload: the whole verification pipeline, then the unsigned decode path.
pub fn qr_text(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Some(f) = fixture() {
        let _ = f.verifier.verify(t);
    }
    if let Ok(body) = payload::strip_prefix(t) {
        if let Ok(cose) = base45::decode(body) {
            if let Ok(msg) = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT) {
                if let Some(p) = msg.payload {
                    let _ = QrClaims::decode(p);
                }
            }
        }
    }
}

/// COSE_Sign1, both modes.
pub fn cose_sign1(data: &[u8]) {
    for mode in [Mode::Strict, Mode::Lenient] {
        if let Ok(msg) = Sign1::parse(data, mode, &Limits::DEFAULT) {
            let mut out = Vec::new();
            msg.sig_structure(&[], &mut out);
        }
    }
}

/// CWT claims: generic and certseal's own; own claims must round-trip.
pub fn cwt_claims(data: &[u8]) {
    let _ = Claims::parse(data, Mode::Lenient, &Limits::DEFAULT).map(|c| c.to_json());
    if let Ok(claims) = QrClaims::decode(data) {
        let mut w = Writer::new();
        claims.encode(&mut w);
        let again = QrClaims::decode(w.as_slice());
        assert_eq!(again.as_ref(), Ok(&claims), "QR claims do not round-trip");
    }
}

/// Signed electronic certificate document.
pub fn document(data: &[u8]) {
    let _ = crate::claims::document::decode_claims(data, &Limits::DEFAULT);
    if let Some(f) = fixture() {
        let _ = f.verifier.verify_document_at(data, NOW);
    }
}

/// Signed trust list.
pub fn trust_list(data: &[u8]) {
    if let Some(f) = fixture() {
        let _ = crate::trust::TrustList::verify(data, &f.root);
    }
    let _ = SignerCert::parse(data);
    let _ = RootCert::parse(data);
}

/// Record input, JSON and CSV.
pub fn records(data: &[u8]) {
    let _ = crate::model::parse_json(data);
    let _ = crate::model::parse_csv(data);
}

/// Identifiers, ID numbers and credit codes.
pub fn identifiers(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = crate::model::classify(t);
        if let Ok(id) = crate::model::ElicenceId::parse(t) {
            let again = crate::model::ElicenceId::parse(&id.to_string());
            assert_eq!(again.as_ref(), Ok(&id), "identifier does not round-trip");
        }
    }
}

/// Interop (generic and DCC) verification of text and hex input.
pub fn interop(data: &[u8]) {
    use crate::verify::interop::{self, Options, Profile, TrustAnchor};
    let Some(t) = text(data) else { return };
    // One anchor per key type, so every verification path is reachable: Ed25519, RSA (PS256,
    // PS384, PS512), P-384 and P-521.
    static ANCHORS: OnceLock<Vec<TrustAnchor>> = OnceLock::new();
    let anchors = ANCHORS.get_or_init(|| {
        let mut out: Vec<TrustAnchor> = interop_key()
            .and_then(|key| crate::crypto::VerifyingKey::from_spki(&key.public_key_spki()).ok())
            .map(TrustAnchor::from_key)
            .into_iter()
            .collect();
        for signer in interop_signers() {
            let fresh = matches!(
                signer.alg,
                crate::crypto::Algorithm::Ps256
                    | crate::crypto::Algorithm::Es384
                    | crate::crypto::Algorithm::Es512
            );
            if let Some(key) = signer.public_key().filter(|_| fresh) {
                out.push(TrustAnchor::from_key(key));
            }
        }
        out
    });
    for anchor in anchors {
        for profile in [Profile::Generic, Profile::Dcc] {
            let mut opts = Options::new(profile, Some(NOW));
            if profile == Profile::Generic {
                opts.prefix = Some("HC1:".into());
            }
            let _ = interop::verify(t, anchor, &opts);
            opts.hex = true;
            let _ = interop::verify(t, anchor, &opts);
        }
    }
}

/// Bulk verification (one payload per line, at most 64): every verdict of
/// `verify_many_cofactored` equals the single pipeline's (differential; the only documented difference
/// needs a signing key, see `specs/batch-verify.md`).
pub fn batch_verify(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Some(f) = fixture() else { return };
    let lines: Vec<&str> = t.split('\n').take(64).collect();
    let many = f.verifier.verify_many_cofactored_at(&lines, NOW);
    for (line, got) in lines.iter().zip(&many) {
        assert_eq!(
            got,
            &f.verifier.verify_at(line, NOW),
            "verify_many_cofactored differs"
        );
    }
}

/// CBOR: lenient decode → deterministic encode → strict decode gives the same value.
pub fn cbor_round_trip(data: &[u8]) {
    if let Ok(v) = cbor::decode(data, Mode::Lenient, &Limits::DEFAULT) {
        let mut w = Writer::new();
        // Whatever the decoder returns, the writer can write.
        assert!(w.value(&v).is_ok(), "a decoded value is not writable");
        let again = cbor::decode(w.as_slice(), Mode::Strict, &Limits::DEFAULT);
        // NaN payloads compare unequal; everything else must survive.
        if !format!("{v:?}").contains("NaN") {
            assert_eq!(again.as_ref(), Ok(&v), "CBOR does not round-trip");
        }
    }
}

/// Base45: decode → encode gives the text back.
pub fn base45_round_trip(data: &[u8]) {
    if let Some(t) = text(data) {
        if let Ok(bytes) = base45::decode(t) {
            assert_eq!(base45::encode(&bytes), t, "base45 does not round-trip");
        }
    }
}

/// SM2 keys and signatures: PKCS#8 private keys, SEC1 and SPKI public keys, DER
/// signatures, and verification of arbitrary signatures (raw r‖s) under a fixed key —
/// including r, s outside [1, n−1] and r + s = n.
#[cfg(feature = "sm2")]
pub fn sm2(data: &[u8]) {
    use crate::crypto::sm2::{signature_from_der, signature_to_der, Sm2Signer, Sm2VerifyingKey};
    let _ = Sm2Signer::from_pkcs8(data);
    let _ = Sm2VerifyingKey::from_sec1(data);
    let _ = crate::crypto::VerifyingKey::from_spki(data);
    if let Ok(raw) = signature_from_der(data) {
        assert_eq!(
            signature_from_der(&signature_to_der(&raw)).ok(),
            Some(raw),
            "SM2 DER signature does not round-trip"
        );
    }
    static KEY: OnceLock<Option<Sm2VerifyingKey>> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let signer = Sm2Signer::from_secret_bytes(&[5; 32], crate::crypto::sm2::DEFAULT_ID).ok()?;
        signer.verifying_key().ok()
    });
    if let (Some(key), Some((sig, msg))) = (key, data.split_at_checked(64)) {
        let _ = key.verify(msg, sig);
    }
}

/// QR image decoding: arbitrary bytes as a PNG/JPEG photo through the whole scan cascade.
#[cfg(feature = "qr")]
pub fn qr_image(data: &[u8]) {
    crate::qr::fuzz_scan(data);
}

pub fn text_fields(data: &[u8]) {
    use crate::model::TextField;
    let Some(t) = text(data) else { return };
    let refused = |c: char| {
        c.is_control()
            || matches!(
                c,
                '<' | '>' | '|' | '&' | '"' | '=' | '+' | '@' | '`' | '\\'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{feff}'
                    | '\u{e000}'..='\u{f8ff}'
            )
    };
    let holder_name_ok = |name: &str| {
        let latin = name
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\''));
        let han = name.chars().all(|c| c == '·' || !c.is_ascii());
        (latin || han)
            && !name.starts_with([' ', '-', '\'', '·'])
            && !name.ends_with([' ', '-', '\'', '·'])
            && !name.chars().any(refused)
    };
    for field in [
        TextField::HolderName,
        TextField::ManagementNumber,
        TextField::Scope,
        TextField::ChangeField,
        TextField::ChangeValue,
        TextField::CatalogueName,
    ] {
        let once = field.normalise(t);
        assert_eq!(
            field.normalise(&once),
            once,
            "{field:?}: normalisation is not idempotent"
        );
        if field.check(&once).is_ok() {
            assert!(
                !once.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{field:?} accepts a formula prefix: {once:?}"
            );
            assert!(
                !once.chars().any(refused),
                "{field:?} accepts a refused character: {once:?}"
            );
            if field == TextField::HolderName {
                assert!(holder_name_ok(&once), "holder name accepted: {once:?}");
            }
        }
    }
    let record = serde_json::json!([{
        "qualification_code": 1, "level": 1, "specialty": 1, "name": t, "sex": 1,
        "birth": "1985-03", "id_type": 111, "id_number": "110101198503076511",
        "management_number": "0101202400001538", "approval_date": "2024-01-15",
        "serial": "20240100001538", "scope": t
    }]);
    if let Ok(batch) = crate::model::parse_json(record.to_string().as_bytes()) {
        for (_, cert) in &batch.accepted {
            assert!(
                !cert.holder.name.is_empty() && holder_name_ok(&cert.holder.name),
                "record accepted holder name {:?}",
                cert.holder.name
            );
        }
    }
}

/// The status fixture: a root, a status signer (status-signing usage) and its store, and
/// a small snapshot at sequence 10 for deltas to apply to.
struct StatusFixture {
    key: RingSigner,
    cert: SignerCert,
    store: TrustStore,
    base: crate::status::StatusList,
    snapshot: Vec<u8>,
}

fn status_fixture() -> Option<&'static StatusFixture> {
    use crate::status::{sign_snapshot, ReasonCode, SnapshotParams, State, StatusList};
    static FIXTURE: OnceLock<Option<StatusFixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let f = fixture()?;
            let key = RingSigner::ed25519_from_seed(&[10; 32]).ok()?;
            let cert = f
                .root
                .issue_signer_for(
                    &f.root_key,
                    &key.public_key_spki(),
                    &SignerParams {
                        common_name: "fuzz status signer".into(),
                        authority_name: "fuzz".into(),
                        authority_uscc: "12100000400010398P".into(),
                        serial: 3,
                        not_before: NOW - 86_400,
                        not_after: NOW + 86_400 * 365,
                    },
                    crate::trust::SignerUsage::STATUS,
                )
                .ok()?;
            let store = TrustStore::from_signer_certs(&f.root, std::slice::from_ref(&cert)).ok()?;
            let entries = (0..1000u64).filter_map(|i| match i % 17 {
                0 => Some((i, State::Superseded)),
                5 => Some((i, State::Revoked(ReasonCode((i % 3) as u8)))),
                _ => None,
            });
            let params = SnapshotParams {
                issuer: "12100000400010398P".into(),
                sequence: 10,
                issued_at: NOW,
                next_update: NOW + 86_400,
                size: 1000,
            };
            let snapshot = sign_snapshot(&params, entries, &[[3; 8]], &key, &cert).ok()?;
            let base = StatusList::load(&snapshot, &store).ok()?;
            Some(StatusFixture {
                key,
                cert,
                store,
                base,
                snapshot,
            })
        })
        .as_ref()
}

/// Valid status documents for the `status_*` targets, signed with the status fixture:
/// snapshots, deltas (as whole documents and as bare payloads) and raw sets.
pub fn status_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use crate::status::{set, sign_delta, DeltaParams, ReasonCode, State};
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let Some(f) = status_fixture() else {
        return out;
    };
    out.push(("status_snapshot", f.snapshot.clone()));
    if let Ok(msg) = Sign1::parse(&f.snapshot, Mode::Strict, &Limits::DEFAULT) {
        if let Some(p) = msg.payload {
            out.push(("status_snapshot", p.to_vec()));
        }
    }
    let params = DeltaParams {
        issuer: "12100000400010398P".into(),
        from: 10,
        to: 12,
        issued_at: NOW + 60,
        next_update: NOW + 86_400,
        size: 1200,
    };
    let changes = [
        (0, State::Revoked(ReasonCode::WITHDRAWN)),
        (1, State::Superseded),
        (1100, State::Revoked(ReasonCode::INVALIDATED)),
    ];
    if let Ok(d) = sign_delta(&params, changes, &[[4; 8]], &f.key, &f.cert) {
        if let Ok(msg) = Sign1::parse(&d, Mode::Strict, &Limits::DEFAULT) {
            if let Some(p) = msg.payload {
                out.push(("status_delta", p.to_vec()));
            }
        }
        out.push(("status_delta", d));
    }
    for (values, universe) in [(vec![0u32, 1, 2, 40, 41, 900], 1000u64), (vec![7], 8)] {
        let s = set::encode(&values, universe);
        let mut seed = Vec::new();
        seed.extend_from_slice(&(s.count as u16).to_le_bytes());
        seed.push(s.k as u8);
        seed.extend_from_slice(&(universe as u32).to_le_bytes());
        seed.extend_from_slice(&s.codes);
        out.push(("status_set", seed));
    }
    let inspect: Vec<(&'static str, Vec<u8>)> = out
        .iter()
        .filter(|(t, _)| *t == "status_snapshot" || *t == "status_delta")
        .map(|(_, d)| ("status_inspect", d.clone()))
        .collect();
    out.extend(inspect);
    out
}

/// Status snapshot: the bytes as a whole document, and as a payload signed by the status
/// fixture (so the payload parser is reached). A loaded list answers every index the same
/// way through lookups and through `entries`.
pub fn status_snapshot(data: &[u8]) {
    use crate::cose::Sign1;
    use crate::status::{StatusList, SNAPSHOT_TYPE};
    let Some(f) = status_fixture() else { return };
    let check = |list: &StatusList| {
        let entries = list.entries();
        for (i, s) in entries.iter().take(4096) {
            assert_eq!(list.state(*i), Some(*s), "lookup differs from entries");
        }
        let _ = list.check(&[0; 8], Some(0), NOW);
    };
    if let Ok(list) = StatusList::load(data, &f.store) {
        check(&list);
    }
    if let Ok(doc) = Sign1::sign(true, &f.cert.kid(), data, SNAPSHOT_TYPE, &f.key) {
        if let Ok(list) = StatusList::load(&doc, &f.store) {
            check(&list);
        }
    }
}

/// Status delta on the fixture snapshot: whole document and signed payload. A refused delta
/// leaves the state unchanged.
pub fn status_delta(data: &[u8]) {
    use crate::cose::Sign1;
    use crate::status::DELTA_TYPE;
    let Some(f) = status_fixture() else { return };
    let signed = Sign1::sign(true, &f.cert.kid(), data, DELTA_TYPE, &f.key).ok();
    for doc in [Some(data), signed.as_deref()].into_iter().flatten() {
        let mut list = f.base.clone();
        if list.apply_delta(doc, &f.store).is_err() {
            assert_eq!(
                list.sequence(),
                f.base.sequence(),
                "refused delta changed the state"
            );
            assert_eq!(
                list.entries(),
                f.base.entries(),
                "refused delta changed the state"
            );
        } else {
            let _ = list.check(&[0; 8], Some(1), NOW);
        }
    }
}

/// A raw Rice-coded set: `count: u16 LE, k: u8, universe: u32 LE, codes…`. A set that
/// loads answers membership for its elements and re-encodes to the same codes.
pub fn status_set(data: &[u8]) {
    use crate::status::set::{encode_with, Ranks, RiceSet};
    let [c0, c1, k, u0, u1, u2, u3, codes @ ..] = data else {
        return;
    };
    let count = u64::from(u16::from_le_bytes([*c0, *c1]));
    let universe = u64::from(u32::from_le_bytes([*u0, *u1, *u2, *u3]));
    if let Ok(set) = RiceSet::load(codes, count, u64::from(*k), universe, Ranks::Keep) {
        let values: Vec<u64> = set.iter().collect();
        assert_eq!(values.len() as u64, count, "iter length differs from count");
        for (rank, v) in values.iter().enumerate() {
            assert_eq!(
                set.rank_of(*v),
                Some(rank as u32),
                "lookup misses an element"
            );
            if *v > 0 && values.binary_search(&(v - 1)).is_err() {
                assert!(!set.contains(v - 1), "lookup finds a non-element");
            }
        }
        let small: Vec<u32> = values
            .iter()
            .filter_map(|v| u32::try_from(*v).ok())
            .collect();
        assert_eq!(
            encode_with(&small, set.k()).codes,
            codes,
            "set does not re-encode to its codes"
        );
    }
}

/// A reader that hands out at most `step` bytes per read: the fuzz targets of streaming
/// readers cut their input at every possible place.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(head);
        }
        self.data = tail;
        Ok(n)
    }
}

/// The streaming line reader (`verify::stream::LineReader`) against a reference split: byte 0
/// picks `max_line` (1..=64), byte 1 the read size (1..=64), the rest is the input. Every line
/// (number, end offset, text or too-long length) must equal splitting the whole input on LF,
/// dropping one CR before it and skipping empty lines; each kept line then goes through
/// `parse_line`, whose payload never holds a line end.
pub fn line_reader(data: &[u8]) {
    use crate::verify::stream::{parse_line, LineReader, RawLine};
    let [a, b, input @ ..] = data else { return };
    let max = usize::from(a % 64) + 1;
    let step = usize::from(b % 64) + 1;
    // (line number, end offset, text or too-long length)
    type Expected<'a> = (u64, u64, Result<&'a [u8], u64>);
    let mut expected: Vec<Expected<'_>> = Vec::new();
    let mut offset = 0u64;
    let mut rest = input;
    let mut number = 0u64;
    while !rest.is_empty() {
        let (segment, consumed) = match memchr::memchr(b'\n', rest) {
            Some(i) => (rest.split_at(i).0, i + 1),
            None => (rest, rest.len()),
        };
        rest = rest.split_at(consumed).1;
        number += 1;
        offset += consumed as u64;
        let text = segment.strip_suffix(b"\r").unwrap_or(segment);
        if text.is_empty() {
            continue;
        }
        expected.push((
            number,
            offset,
            if text.len() > max {
                Err(text.len() as u64)
            } else {
                Ok(text)
            },
        ));
    }
    let mut reader = LineReader::new(Trickle { data: input, step }, max);
    let mut got = 0usize;
    loop {
        let line = match reader.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => panic!("an in-memory read failed: {e}"),
        };
        let Some(want) = expected.get(got) else {
            panic!("the reader found more lines than the reference")
        };
        let content = match line.content {
            RawLine::Text(t) => Ok(t),
            RawLine::TooLong { len } => Err(len),
        };
        assert_eq!((line.number, line.end, content), *want, "line {got}");
        if let RawLine::Text(t) = line.content {
            if let Ok(entry) = parse_line(t) {
                assert!(!entry.payload.contains('\n'));
            }
        }
        got += 1;
    }
    assert_eq!(got, expected.len(), "the reader missed lines");
    assert_eq!(reader.offset(), input.len() as u64);
}

/// The CBOR sequence reader (`verify::stream::DocumentSeq`) against the strict decoder over the
/// whole input: byte 0 picks the read size (1..=256); items must be the same, in order, up to
/// the first malformed one, where both stop.
pub fn document_seq(data: &[u8]) {
    use crate::verify::stream::DocumentSeq;
    let [a, input @ ..] = data else { return };
    let step = usize::from(*a) + 1;
    let limits = Limits {
        max_cose_len: 4096,
        ..Limits::DEFAULT
    };
    let mut whole = cbor::Reader::new(input, Mode::Strict);
    let mut seq = DocumentSeq::new(Trickle { data: input, step }, limits);
    loop {
        let want = if whole.is_empty() {
            None
        } else {
            whole.raw_item(&limits).ok()
        };
        match (seq.next_item(), want) {
            (Ok(Some(item)), Some(w)) if w.len() <= limits.max_cose_len => assert_eq!(item, w),
            (Ok(None), None) if whole.is_empty() => return,
            (Err(_), None) => return,
            (Err(_), Some(w)) if w.len() > limits.max_cose_len => return,
            (got, want) => panic!("sequence reader {got:?}, whole-input decoder {want:?}"),
        }
    }
}

/// Registry submissions: the streaming CSV / JSON / JSON-lines readers in UTF-8 and
/// GB18030, and the row conversion.
#[cfg(feature = "sqlite")]
pub fn submission(data: &[u8]) {
    crate::registry::fuzz_submission(data);
}

/// `status inspect`: a status document of either kind (snapshot or delta, told apart by the
/// payload's map size), as a whole document and as payloads signed by the status fixture with
/// the snapshot and the delta AAD. An inspected snapshot agrees with the list it loads to.
pub fn status_inspect(data: &[u8]) {
    use crate::cose::Sign1;
    use crate::status::{inspect, StatusList, DELTA_TYPE, SNAPSHOT_TYPE};
    let Some(f) = status_fixture() else { return };
    let signed = [SNAPSHOT_TYPE, DELTA_TYPE]
        .map(|aad| Sign1::sign(true, &f.cert.kid(), data, aad, &f.key).ok());
    for doc in [Some(data)]
        .into_iter()
        .chain(signed.iter().map(Option::as_deref))
        .flatten()
    {
        if let Ok(s) = inspect(doc, &f.store) {
            let _ = s.to_json();
            let _ = s.to_string();
            if s.kind == "snapshot" {
                let loaded = StatusList::load(doc, &f.store).map(|l| l.sequence());
                assert_eq!(loaded.ok(), Some(s.sequence), "inspect and load disagree");
            }
        }
    }
}

/// The server's request bodies (`POST /v1/verify`, revoke, reissue, objection, the
/// submission query): parsed into typed requests or problems naming the field.
#[cfg(feature = "server")]
pub fn server_requests(data: &[u8]) {
    crate::server::fuzz_requests(data);
}

/// The server's TOML configuration: parsed and checked, and what parses prints back to the
/// same configuration.
#[cfg(feature = "server")]
pub fn server_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = crate::server::ServerConfig::from_toml(text) {
        let Ok(again) = crate::server::ServerConfig::from_toml(&cfg.to_toml()) else {
            panic!("a printed configuration does not parse");
        };
        assert_eq!(again, cfg, "print and parse disagree");
    }
}

#[cfg(test)]
mod interop_fixture_tests {
    #[test]
    fn interop_fixture_has_every_verify_only_algorithm() {
        let algs: Vec<_> = super::interop_signers().iter().map(|s| s.alg).collect();
        assert_eq!(algs.len(), 5, "{algs:?}");
        for s in super::interop_signers() {
            let key = s.public_key().expect("public key");
            let sig = crate::crypto::Signer::sign(&s, b"m").expect("sign");
            key.verify(b"m", &sig).expect("verifies");
            assert!(key.verify(b"n", &sig).is_err());
        }
    }
}

/// Fast ES256 / SM2 bulk verification against the plain verifier, verdict by verdict
/// (issue 15, `specs/batch-verify.md` §3): see `fuzzing/bulk_ec.rs`.
mod bulk_ec;
pub use self::bulk_ec::{bulk_ec, bulk_ec_seeds};
