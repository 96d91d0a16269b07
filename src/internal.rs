//! Entry points for fuzz targets and benches. Not part of the public API: names and behaviour
//! may change without notice.

/// Hooks for benches: knobs that are not part of the public API.
pub mod bench {
    use crate::verify::{Verdict, Verifier};

    /// [`Verifier::verify_many_at`] with a chosen number of payloads per batch equation.
    pub fn verify_many_chunked<S: AsRef<str>>(
        verifier: &Verifier,
        texts: &[S],
        now: i64,
        batch_size: usize,
    ) -> Vec<Verdict> {
        verifier.verify_many_chunked(texts, now, batch_size)
    }
}

/// One function per parser, each taking arbitrary bytes and returning nothing. A fuzz target
/// is three lines: `fuzz_target!(|data: &[u8]| fuzzing::NAME(data));`. Round-trip targets
/// assert that decode → encode → decode is stable.
pub mod fuzzing {
    use std::sync::OnceLock;

    use crate::codec::cbor::{self, Mode, Writer};
    use crate::codec::{base45, Limits};
    use crate::cose::{Claims, Sign1};
    use crate::crypto::{RingSigner, Signer};
    use crate::payload::{self, QrClaims};
    use crate::trust::{RootCert, RootParams, SignerCert, SignerParams, TrustStore};
    use crate::verify::Verifier;

    const NOW: i64 = 1_795_651_200;

    struct Fixture {
        root: RootCert,
        root_key: RingSigner,
        signer_key: RingSigner,
        signer: SignerCert,
        verifier: Verifier,
        store: TrustStore,
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
                let store =
                    TrustStore::from_signer_certs(&root, std::slice::from_ref(&signer)).ok()?;
                let verifier = Verifier::new(
                    TrustStore::from_signer_certs(&root, std::slice::from_ref(&signer)).ok()?,
                )
                .with_clock(crate::FixedClock(NOW));
                Some(Fixture {
                    root,
                    root_key,
                    signer_key,
                    signer,
                    verifier,
                    store,
                })
            })
            .as_ref()
    }

    fn interop_key() -> Option<RingSigner> {
        RingSigner::ed25519_from_seed(&[9; 32]).ok()
    }

    /// Valid inputs for every target, signed with the fixture keys, as `(target, bytes)`:
    /// the seed corpus (`cargo run --example fuzz-seeds`).
    pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
        let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
        let Some(f) = fixture() else { return out };
        let Ok(keys) = crate::issue::Issuer::new(&f.signer_key, &f.signer) else {
            return out;
        };
        const SAMPLES_JSON: &[u8] = include_bytes!("../data/sample-records.json");
        const SAMPLES_CSV: &[u8] = include_bytes!("../data/sample-records.csv");
        out.push(("records", SAMPLES_JSON.to_vec()));
        out.push(("records", SAMPLES_CSV.to_vec()));
        let mut qrs: Vec<String> = Vec::new();
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
                out.push(("qr_text", issued.qr.into_bytes()));
                out.push(("document", issued.document));
                out.push(("identifiers", issued.identifier.into_bytes()));
                out.push(("identifiers", cert.holder.id_number.clone().into_bytes()));
            }
        }
        out.push(("identifiers", b"12100000400010398P".to_vec()));
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
        let _ = crate::document::decode_claims(data, &Limits::DEFAULT);
        if let Some(f) = fixture() {
            let _ = crate::document::Document::verify(data, &f.store);
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

    /// Registry submissions: the streaming CSV / JSON / JSON-lines readers in UTF-8 and
    /// GB18030, and the row conversion.
    #[cfg(feature = "sqlite")]
    pub fn submission(data: &[u8]) {
        crate::registry::fuzz_submission(data);
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
        use crate::interop::{self, Options, Profile, TrustAnchor};
        let Some(t) = text(data) else { return };
        static ANCHOR: OnceLock<Option<TrustAnchor>> = OnceLock::new();
        let anchor = ANCHOR.get_or_init(|| {
            let key = interop_key()?;
            crate::crypto::VerifyingKey::from_spki(&key.public_key_spki())
                .ok()
                .map(TrustAnchor::from_key)
        });
        let Some(anchor) = anchor else { return };
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

    /// Bulk verification (one payload per line, at most 64): every verdict of
    /// `verify_many` equals the single pipeline's (differential; the only documented difference
    /// needs a signing key, see `specs/batch-verify.md`).
    pub fn batch_verify(data: &[u8]) {
        let Some(t) = text(data) else { return };
        let Some(f) = fixture() else { return };
        let lines: Vec<&str> = t.split('\n').take(64).collect();
        let many = f.verifier.verify_many_at(&lines, NOW);
        for (line, got) in lines.iter().zip(&many) {
            assert_eq!(got, &f.verifier.verify_at(line, NOW), "verify_many differs");
        }
    }

    /// CBOR: lenient decode → deterministic encode → strict decode gives the same value.
    pub fn cbor_round_trip(data: &[u8]) {
        if let Ok(v) = cbor::decode(data, Mode::Lenient, &Limits::DEFAULT) {
            let mut w = Writer::new();
            w.value(&v);
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
        use crate::crypto::sm2::{
            signature_from_der, signature_to_der, Sm2Signer, Sm2VerifyingKey,
        };
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
            let signer =
                Sm2Signer::from_secret_bytes(&[5; 32], crate::crypto::sm2::DEFAULT_ID).ok()?;
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
}
