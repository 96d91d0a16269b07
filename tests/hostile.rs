//! Hand-written hostile inputs, each with the typed verdict it must get (issue 5): every
//! truncation, every single-bit flip, duplicate map keys, indefinite lengths, stray tags, huge
//! declared lengths, non-minimal encodings, `alg` unprotected, kids and signatures of the
//! wrong size, high-S ECDSA, and 10 MB inputs to every decoder.
//!
//! Malformed messages are built with `certseal::codec::cbor::Writer` and signed with a real,
//! trusted key, so that the failure is the structural one and not the signature.

use certseal::claims::payload::PREFIX;
use certseal::codec::cbor::{self, Mode, Writer};
use certseal::codec::{base45, hex, Base45Error, CborErrorKind, CodecError, Limits};
use certseal::cose::{CoseError, CwtError, Label};
use certseal::crypto::{p256_is_low_s, Algorithm};
use certseal::issue::Issuer;
use certseal::model;
use certseal::trust::{sign_trust_list, SignerCert, TrustList, MAX_CERT_LEN};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use certseal::verify::{Reason, Verdict, Verifier};

#[path = "support/vectors.rs"]
#[allow(dead_code)]
mod support;

use support::{
    encode_claims, message, protected, sample_claims, sign_parts, signature, text, Keys, IAT, NOW,
};

const TEN_MB: usize = 10 * 1024 * 1024;

fn setup() -> (Keys, Verifier) {
    let keys = support::keys();
    let verifier = keys.verifier();
    (keys, verifier)
}

fn reason(v: &Verdict) -> &Reason {
    match &v.result {
        Err(r) => r,
        Ok(()) => panic!("verified: {v:?}"),
    }
}

fn cbor_kind(v: &Verdict) -> CborErrorKind {
    match reason(v) {
        Reason::Cbor(CodecError::Cbor { kind, .. }) => *kind,
        other => panic!("expected a CBOR reason, got {other:?}"),
    }
}

fn claims_kind(v: &Verdict) -> CborErrorKind {
    match reason(v) {
        Reason::ClaimsMalformed(CwtError::Cbor(CodecError::Cbor { kind, .. })) => *kind,
        other => panic!("expected claims malformed, got {other:?}"),
    }
}

fn cose(v: &Verdict) -> &CoseError {
    match reason(v) {
        Reason::CoseStructure(e) => e,
        other => panic!("expected a COSE structure reason, got {other:?}"),
    }
}

/// The claims every malformed message below carries (valid on their own).
fn claims() -> Vec<u8> {
    encode_claims(&sample_claims(IAT, None))
}

/// Valid issued payloads, ES256 and Ed25519, with their binary COSE form.
fn valid_payloads(keys: &Keys) -> Vec<(String, Vec<u8>)> {
    let batch = model::parse_json(support::SAMPLES).unwrap();
    [&keys.es256, &keys.ed25519]
        .iter()
        .map(|s| {
            let issuer = Issuer::new(s.key.as_ref(), &s.cert).unwrap();
            let qr = issuer.issue(&batch.accepted[0].1, Some(7), IAT).unwrap().qr;
            let bin = base45::decode(qr.strip_prefix(PREFIX).unwrap()).unwrap();
            (qr, bin)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Truncations and bit flips.

/// A cut message fails as truncated, or (when the cut falls after an array or map head) as
/// declaring more items than the bytes left can hold.
fn assert_is_cut(kind: CborErrorKind, end: usize) {
    assert!(
        matches!(kind, CborErrorKind::Truncated | CborErrorKind::TooManyItems),
        "cut at {end}: {kind:?}"
    );
}

#[test]
fn every_truncation_of_a_valid_payload_text_is_refused_at_its_layer() {
    let (keys, verifier) = setup();
    for (qr, _) in valid_payloads(&keys) {
        assert!(verifier.verify(&qr).is_valid());
        for end in 0..qr.len() {
            let cut = &qr[..end];
            let v = verifier.verify(cut);
            let want = if end < PREFIX.len() {
                "bad_prefix"
            } else if base45::decode(&cut[PREFIX.len()..]).is_err() {
                "base45"
            } else {
                "cbor"
            };
            assert_eq!(reason(&v).code(), want, "cut at {end}: {:?}", v.result);
            if want == "cbor" {
                assert_is_cut(cbor_kind(&v), end);
            }
        }
    }
}

#[test]
fn every_truncation_of_a_valid_cose_message_is_cut_cbor() {
    let (keys, verifier) = setup();
    for (_, bin) in valid_payloads(&keys) {
        for end in 0..bin.len() {
            let v = verifier.verify_cose(&bin[..end], NOW);
            assert_is_cut(cbor_kind(&v), end);
        }
    }
}

#[test]
fn every_single_bit_flip_of_the_cose_bytes_is_refused() {
    let (keys, verifier) = setup();
    for (_, bin) in valid_payloads(&keys) {
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        for i in 0..bin.len() {
            for bit in 0..8 {
                let mut m = bin.clone();
                m[i] ^= 1 << bit;
                let v = verifier.verify_cose(&m, NOW);
                let code = reason(&v).code();
                assert!(
                    matches!(
                        code,
                        "cbor"
                            | "cose_structure"
                            | "unsupported_algorithm"
                            | "unknown_kid"
                            | "signature"
                    ),
                    "byte {i} bit {bit}: {code}"
                );
                // Nothing is shown from a message whose signature did not check out.
                assert_eq!(v.certificate, None);
                *seen.entry(code).or_default() += 1;
            }
        }
        // Flips in the claims and signature dominate; the header flips reach the others.
        assert!(seen["signature"] > bin.len() * 4, "{seen:?}");
        assert!(seen.contains_key("unknown_kid"), "{seen:?}");
    }
}

#[test]
fn every_single_bit_flip_of_the_text_is_refused() {
    let (keys, verifier) = setup();
    for (qr, _) in valid_payloads(&keys) {
        for i in 0..qr.len() {
            for bit in 0..7 {
                let mut b = qr.clone().into_bytes();
                b[i] ^= 1 << bit;
                let t = String::from_utf8(b).unwrap();
                let v = verifier.verify(&t);
                assert!(!v.is_valid(), "char {i} bit {bit}");
            }
        }
    }
}

#[test]
fn truncated_and_flipped_documents_and_trust_lists_are_refused() {
    let (keys, verifier) = setup();
    let batch = model::parse_json(support::SAMPLES).unwrap();
    let issuer = Issuer::new(keys.ed25519.key.as_ref(), &keys.ed25519.cert).unwrap();
    let doc = issuer
        .issue(&batch.accepted[3].1, None, IAT)
        .unwrap()
        .document;
    assert!(verifier.verify_document(&doc).is_valid());
    for end in 0..doc.len() {
        assert!(
            !verifier.verify_document(&doc[..end]).is_valid(),
            "cut at {end}"
        );
    }
    for i in 0..doc.len() {
        for bit in 0..8 {
            let mut m = doc.clone();
            m[i] ^= 1 << bit;
            assert!(
                !verifier.verify_document(&m).is_valid(),
                "byte {i} bit {bit}"
            );
        }
    }
    let certs: Vec<SignerCert> = keys.signers().iter().map(|s| s.cert.clone()).collect();
    let list = sign_trust_list(&keys.root, &keys.root_key, &certs, NOW, NOW + 86_400).unwrap();
    assert!(TrustList::verify(&list, &keys.root).is_ok());
    for end in 0..list.len() {
        assert!(TrustList::verify(&list[..end], &keys.root).is_err());
    }
    for i in (0..list.len()).step_by(3) {
        let mut m = list.clone();
        m[i] ^= 1 << (i % 8);
        assert!(TrustList::verify(&m, &keys.root).is_err(), "byte {i}");
    }
}

#[test]
fn every_truncation_of_a_dcc_string_is_refused_in_interop_mode() {
    let (keys, _) = setup();
    let es = &keys.es256;
    let cose = support::tagged_message(es, &support::dcc_claims(NOW - 86_400, NOW + 86_400, true));
    let hc1 = support::hc1(&cose);
    let anchor = TrustAnchor::from_certificate(es.cert.der()).unwrap();
    let opts = Options::new(Profile::Dcc, Some(NOW));
    assert!(interop::verify(&hc1, &anchor, &opts).is_valid());
    for end in 0..hc1.len() {
        let r = interop::verify(&hc1[..end], &anchor, &opts);
        assert!(
            matches!(r.stage(), Some("prefix" | "base45" | "decompress")),
            "cut at {end}: {:?}",
            r.stage()
        );
    }
    let mut hex_opts = Options::new(Profile::Generic, Some(NOW));
    hex_opts.hex = true;
    for end in 0..cose.len() {
        let r = interop::verify(&hex::encode(&cose[..end]), &anchor, &hex_opts);
        assert!(!r.is_valid(), "cut at {end}");
    }
    for i in 0..cose.len() {
        for bit in 0..8 {
            let mut m = cose.clone();
            m[i] ^= 1 << bit;
            let r = interop::verify(&hex::encode(&m), &anchor, &hex_opts);
            assert!(!r.is_valid(), "byte {i} bit {bit}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Structural attacks, each signed by a trusted key.

#[test]
fn rejects_duplicate_label_in_the_protected_header() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    let mut p = Writer::new();
    p.map(3)
        .int(1)
        .int(-8)
        .int(4)
        .bytes(&ed.cert.kid())
        .int(4)
        .bytes(&ed.cert.kid());
    let m = sign_parts(ed.key.as_ref(), false, p.as_slice(), &[0xa0], &claims());
    let v = verifier.verify(&text(&m));
    assert_eq!(
        cose(&v),
        &CoseError::DuplicateLabel {
            label: Label::Int(4)
        }
    );
}

#[test]
fn rejects_a_label_in_both_buckets() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    let p = protected(-8, &ed.cert.kid());
    let mut u = Writer::new();
    u.map(1).int(4).bytes(&ed.cert.kid());
    let m = sign_parts(ed.key.as_ref(), false, &p, u.as_slice(), &claims());
    let v = verifier.verify(&text(&m));
    assert_eq!(
        cose(&v),
        &CoseError::DuplicateLabel {
            label: Label::Int(4)
        }
    );
}

#[test]
fn rejects_duplicate_text_label() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    let mut p = Writer::new();
    p.map(4)
        .int(1)
        .int(-8)
        .int(4)
        .bytes(&ed.cert.kid())
        .text("x")
        .int(1)
        .text("x")
        .int(2);
    let m = sign_parts(ed.key.as_ref(), false, p.as_slice(), &[0xa0], &claims());
    let v = verifier.verify(&text(&m));
    assert_eq!(
        cose(&v),
        &CoseError::DuplicateLabel {
            label: Label::Text("x".into())
        },
        "{v:?}"
    );
}

#[test]
fn rejects_duplicate_claim_key() {
    let (keys, verifier) = setup();
    let c = sample_claims(IAT, None);
    let mut w = Writer::new();
    w.map(3).int(6).int(IAT).int(6).int(IAT);
    let full = encode_claims(&c);
    // full = {6: iat, -65537: [...]} (map of 2): append the certificate entry after the header
    // and iat of the original.
    let cert_entry = &full[1 + 1 + 5..];
    w.raw(cert_entry);
    let m = message(&keys.ed25519, w.as_slice());
    let v = verifier.verify(&text(&m));
    assert_eq!(claims_kind(&v), CborErrorKind::DuplicateKey);
    // The generic decoder refuses duplicate keys too, in either mode.
    for mode in [Mode::Strict, Mode::Lenient] {
        let e = cbor::decode(&[0xa2, 0x01, 0x02, 0x01, 0x03], mode, &Limits::DEFAULT).unwrap_err();
        assert!(
            matches!(
                e,
                CodecError::Cbor {
                    kind: CborErrorKind::DuplicateKey,
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[test]
fn rejects_indefinite_length_items() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    // Indefinite map as the protected header.
    let mut p = vec![0xbf, 0x01, 0x27, 0x04, 0x48];
    p.extend_from_slice(&ed.cert.kid());
    p.push(0xff);
    let m = sign_parts(ed.key.as_ref(), false, &p, &[0xa0], &claims());
    assert_eq!(
        cbor_kind(&verifier.verify(&text(&m))),
        CborErrorKind::Indefinite
    );
    // Indefinite byte string as the payload (chunks of the real claims).
    let pr = protected(-8, &ed.cert.kid());
    let c = claims();
    let sig = signature(ed.key.as_ref(), &pr, &c);
    let mut w = Writer::new();
    w.array(4).bytes(&pr).map(0);
    let mut m = w.into_inner();
    m.push(0x5f);
    let (a, b) = c.split_at(10);
    let mut chunks = Writer::new();
    chunks.bytes(a).bytes(b);
    m.extend_from_slice(chunks.as_slice());
    m.push(0xff);
    let mut w = Writer::from_vec(m);
    w.bytes(&sig);
    assert_eq!(
        cbor_kind(&verifier.verify(&text(w.as_slice()))),
        CborErrorKind::Indefinite
    );
    // Indefinite certificate array inside signed claims.
    let mut claims = c.clone();
    let at = claims.iter().position(|b| *b == 0x8d).unwrap();
    claims[at] = 0x9f;
    claims.push(0xff);
    let v = verifier.verify(&text(&message(ed, &claims)));
    assert_eq!(claims_kind(&v), CborErrorKind::Indefinite);
}

#[test]
fn rejects_tags_where_none_belong() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    let good = message(ed, &claims());
    // Tag 61 (CWT) or 98 (COSE_Sign) around the message: certseal payloads are untagged or 18.
    for tag in [61u64, 98, 96] {
        let mut w = Writer::new();
        w.tag(tag).raw(&good);
        let v = verifier.verify(&text(w.as_slice()));
        assert_eq!(cose(&v), &CoseError::WrongTag { got: tag });
    }
    // 18(18(…)).
    let mut w = Writer::new();
    w.tag(18).tag(18).raw(&good);
    assert_eq!(
        cose(&verifier.verify(&text(w.as_slice()))),
        &CoseError::WrongType {
            item: "COSE_Sign1",
            expected: "an array",
            got: "a tag"
        }
    );
    // A tag on the protected header, the payload, or the signature.
    let pr = protected(-8, &ed.cert.kid());
    let c = claims();
    let sig = signature(ed.key.as_ref(), &pr, &c);
    for slot in 0..3 {
        let mut w = Writer::new();
        w.array(4);
        if slot == 0 {
            w.tag(24);
        }
        w.bytes(&pr).map(0);
        if slot == 1 {
            w.tag(24);
        }
        w.bytes(&c);
        if slot == 2 {
            w.tag(2);
        }
        w.bytes(&sig);
        let v = verifier.verify(&text(w.as_slice()));
        assert!(
            matches!(cose(&v), CoseError::WrongType { got: "a tag", .. }),
            "slot {slot}: {v:?}"
        );
    }
    // A tag on iat inside signed claims (tag 1, epoch time, is still not certseal's format).
    let mut claims = Writer::new();
    claims.map(2).int(6).tag(1).int(IAT).raw(&c[7..]);
    let v = verifier.verify(&text(&message(ed, claims.as_slice())));
    assert!(
        matches!(reason(&v), Reason::ClaimsMalformed(_)),
        "{:?}",
        v.result
    );
}

#[test]
fn rejects_huge_declared_lengths() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    let good = message(ed, &claims());
    // Protected header bstr declaring 2^64 - 1 bytes.
    let mut m = vec![0x84, 0x5b];
    m.extend_from_slice(&[0xff; 8]);
    m.extend_from_slice(&good[1..]);
    assert_eq!(
        cbor_kind(&verifier.verify(&text(&m))),
        CborErrorKind::Truncated
    );
    // The outer array declaring 2^32 - 1 items.
    let mut m = vec![0x9a, 0xff, 0xff, 0xff, 0xff];
    m.extend_from_slice(&good[1..]);
    let v = verifier.verify(&text(&m));
    assert_eq!(cbor_kind(&v), CborErrorKind::TooManyItems);
    // Signed claims declaring a map of 2^63 pairs.
    let mut c = vec![0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0];
    c.extend_from_slice(&claims()[1..]);
    let v = verifier.verify(&text(&message(ed, &c)));
    assert_eq!(claims_kind(&v), CborErrorKind::TooManyItems);
    // The generic decoder: huge strings, arrays and maps without the bytes behind them.
    for bad in [
        &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
        &[0x7a, 0xff, 0xff, 0xff, 0xff, 0x61],
        &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
        &[0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
    ] {
        for mode in [Mode::Strict, Mode::Lenient] {
            assert!(
                cbor::decode(bad, mode, &Limits::DEFAULT).is_err(),
                "{}",
                hex::encode(bad)
            );
        }
    }
}

#[test]
fn rejects_non_minimal_encodings() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    // alg -8 as 0x38 0x07 in the protected header.
    let mut p = vec![0xa2, 0x01, 0x38, 0x07, 0x04, 0x48];
    p.extend_from_slice(&ed.cert.kid());
    let m = sign_parts(ed.key.as_ref(), false, &p, &[0xa0], &claims());
    assert_eq!(
        cbor_kind(&verifier.verify(&text(&m))),
        CborErrorKind::NonMinimal
    );
    // Signature length as 0x59 0x00 0x40.
    let good = message(ed, &claims());
    let n = good.len();
    let mut m = good[..n - 66].to_vec();
    m.extend_from_slice(&[0x59, 0x00, 0x40]);
    m.extend_from_slice(&good[n - 64..]);
    assert_eq!(
        cbor_kind(&verifier.verify(&text(&m))),
        CborErrorKind::NonMinimal
    );
    // iat as an 8-byte integer inside signed claims.
    let c = claims();
    let mut w = Writer::new();
    w.map(2).int(6);
    let mut claims = w.into_inner();
    claims.push(0x1b);
    claims.extend_from_slice(&u64::try_from(IAT).unwrap().to_be_bytes());
    claims.extend_from_slice(&c[7..]);
    let v = verifier.verify(&text(&message(ed, &claims)));
    assert_eq!(claims_kind(&v), CborErrorKind::NonMinimal);
}

#[test]
fn rejects_alg_in_the_unprotected_header_only() {
    let (keys, verifier) = setup();
    for s in [&keys.es256, &keys.ed25519] {
        let mut p = Writer::new();
        p.map(1).int(4).bytes(&s.cert.kid());
        let mut u = Writer::new();
        u.map(1).int(1).int(s.key.algorithm().cose_value());
        let m = sign_parts(s.key.as_ref(), false, p.as_slice(), u.as_slice(), &claims());
        let v = verifier.verify(&text(&m));
        assert_eq!(
            cose(&v),
            &CoseError::Unprotected {
                label: Label::Int(1)
            }
        );
        assert_eq!(reason(&v).stage(), "alg");
        // The same with an empty protected header, as in cose-wg sign-pass-01.
        let mut u = Writer::new();
        u.map(2)
            .int(1)
            .int(s.key.algorithm().cose_value())
            .int(4)
            .bytes(&s.cert.kid());
        let m = sign_parts(s.key.as_ref(), false, &[], u.as_slice(), &claims());
        assert_eq!(
            cose(&verifier.verify(&text(&m))),
            &CoseError::Unprotected {
                label: Label::Int(1)
            }
        );
    }
}

#[test]
fn rejects_kid_of_the_wrong_length() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    let kid = ed.cert.kid();
    let long = [kid.as_slice(), &[0u8; 24]].concat();
    for k in [
        &[][..],
        &kid[..1],
        &kid[..7],
        &[kid.as_slice(), &[0]].concat()[..],
        &long,
    ] {
        let p = protected(-8, k);
        let m = sign_parts(ed.key.as_ref(), false, &p, &[0xa0], &claims());
        let v = verifier.verify(&text(&m));
        assert_eq!(
            cose(&v),
            &CoseError::KidLength {
                got: k.len(),
                expected: 8
            },
            "{} bytes",
            k.len()
        );
    }
    // A kid in the unprotected bucket only.
    let mut p = Writer::new();
    p.map(1).int(1).int(-8);
    let mut u = Writer::new();
    u.map(1).int(4).bytes(&kid);
    let m = sign_parts(
        ed.key.as_ref(),
        false,
        p.as_slice(),
        u.as_slice(),
        &claims(),
    );
    assert_eq!(
        cose(&verifier.verify(&text(&m))),
        &CoseError::Unprotected {
            label: Label::Int(4)
        }
    );
}

#[test]
fn rejects_signatures_of_the_wrong_size() {
    let (keys, verifier) = setup();
    for s in [&keys.es256, &keys.ed25519] {
        let pr = protected(s.key.algorithm().cose_value(), &s.cert.kid());
        let c = claims();
        let sig = signature(s.key.as_ref(), &pr, &c);
        let mut variants: Vec<Vec<u8>> = vec![
            Vec::new(),
            sig[..63].to_vec(),
            [sig.as_slice(), &[0]].concat(),
            [sig.as_slice(), sig.as_slice()].concat(),
            vec![0; 64],
        ];
        // ES256 in DER form (as X.509 carries it) instead of raw r‖s.
        if s.key.algorithm() == Algorithm::Es256 {
            let mut der = vec![0x30, 0x44, 0x02, 0x20];
            der.extend_from_slice(&sig[..32]);
            der.extend_from_slice(&[0x02, 0x20]);
            der.extend_from_slice(&sig[32..]);
            variants.push(der);
        }
        for bad in variants {
            let m = certseal::cose::Sign1::encode(false, &pr, &[0xa0], &c, &bad);
            let v = verifier.verify(&text(&m));
            assert_eq!(
                v.result,
                Err(Reason::Signature),
                "{} signature of {} bytes",
                s.key.algorithm(),
                bad.len()
            );
        }
    }
}

#[test]
fn rejects_high_s_ecdsa_that_plain_ecdsa_accepts() {
    let (keys, verifier) = setup();
    let es = &keys.es256;
    let good = message(es, &claims());
    assert!(verifier.verify(&text(&good)).is_valid());
    let n = good.len();
    let mut high = good.clone();
    support::p256_flip_s(&mut high[n - 64..]);
    assert!(!p256_is_low_s(&high[n - 64..]));
    // The twin is a valid ECDSA signature…
    let pr = protected(-7, &es.cert.kid());
    let mut tbs = Vec::new();
    certseal::cose::sig_structure_into(&pr, &[], &claims(), &mut tbs);
    es.cert
        .verifying_key()
        .verify(&tbs, &high[n - 64..])
        .unwrap();
    // …but certseal issues low-S only, so a payload has one accepted encoding.
    let v = verifier.verify(&text(&high));
    assert_eq!(v.result, Err(Reason::Signature));
    assert_eq!(v.certificate, None);
}

// ---------------------------------------------------------------------------------------------
// 10 MB inputs to every decoder.

#[test]
fn ten_megabyte_inputs_get_typed_errors_from_every_decoder() {
    let (keys, verifier) = setup();
    let big_text = format!("{PREFIX}{}", "0".repeat(TEN_MB));
    let big_bytes = {
        // A COSE_Sign1 head followed by a protected header declaring 10 MB that are there.
        let mut w = Writer::new();
        w.array(4)
            .bytes(&vec![0xa0; TEN_MB])
            .map(0)
            .bytes(b"")
            .bytes(&[0; 64]);
        w.into_inner()
    };
    let noise: Vec<u8> = (0..TEN_MB)
        .map(|i| u8::try_from((i * 7919 + i / 251) % 256).unwrap())
        .collect();

    // Verifier::verify: refused by length before any decoding.
    let v = verifier.verify(&big_text);
    assert!(
        matches!(reason(&v), Reason::TooLong { len, .. } if *len == big_text.len()),
        "{:?}",
        v.result
    );
    // Verifier::verify_cose (binary): a typed reason, not a panic.
    let v = verifier.verify_cose(&big_bytes, NOW);
    assert!(!v.is_valid());
    let v = verifier.verify_cose(&noise, NOW);
    assert!(!v.is_valid());

    // interop::verify, text and hex.
    let anchor = TrustAnchor::from_certificate(keys.es256.cert.der()).unwrap();
    let opts = Options::new(Profile::Dcc, Some(NOW));
    let r = interop::verify(&big_text, &anchor, &opts);
    assert_eq!(r.stage(), Some("prefix"));
    let mut hex_opts = Options::new(Profile::Generic, None);
    hex_opts.hex = true;
    let r = interop::verify(&hex::encode(&big_bytes), &anchor, &hex_opts);
    assert!(!r.is_valid());
    let report = interop::verify_cose(&big_bytes, &anchor, &hex_opts);
    assert_eq!(report.stage(), Some("cbor"));

    // Verifier::verify_document and TrustList::verify.
    assert!(!verifier.verify_document(&big_bytes).is_valid());
    assert!(!verifier.verify_document(&noise).is_valid());
    assert!(TrustList::verify(&big_bytes, &keys.root).is_err());
    assert!(TrustList::verify(&noise, &keys.root).is_err());

    // model::parse_json / parse_csv.
    let mut json = b"[{\"name\": \"".to_vec();
    json.extend(std::iter::repeat_n(b'a', TEN_MB));
    json.extend_from_slice(b"\"");
    assert!(model::parse_json(&json).is_err());
    assert!(model::parse_json(&noise).is_err());
    assert!(model::parse_csv(&noise).is_err());
    let mut csv = b"qualification_code,".to_vec();
    csv.extend(std::iter::repeat_n(b'x', TEN_MB));
    assert!(model::parse_csv(&csv).is_err());

    // SignerCert::parse: refused by length.
    let mut der = keys.es256.cert.der().to_vec();
    der.resize(TEN_MB, 0);
    assert!(der.len() > MAX_CERT_LEN);
    assert!(SignerCert::parse(&der).is_err());
    assert!(SignerCert::parse(&noise).is_err());

    // base45::decode: a bad character at the very end is found and located.
    let mut b45 = "0".repeat(TEN_MB - TEN_MB % 3);
    b45.push_str("00a");
    match base45::decode(&b45) {
        Err(CodecError::Base45(Base45Error::InvalidCharacter { position, byte })) => {
            assert_eq!((position, byte), (b45.len() - 1, b'a'));
        }
        other => panic!("{:?}", other.map(|v| v.len())),
    }
    // Well-formed 10 MB base45 decodes (the length bound sits in the callers).
    assert_eq!(
        base45::decode(&"000".repeat(TEN_MB / 3)).unwrap().len(),
        TEN_MB / 3 * 2
    );

    // cbor::decode: bounded depth and item count, trailing bytes, truncation.
    let limits = Limits::DEFAULT;
    for (what, input, kind) in [
        ("nested arrays", vec![0x81; TEN_MB], CborErrorKind::TooDeep),
        (
            "10 M items",
            {
                let mut v = vec![0x9a, 0x00, 0xa0, 0x00, 0x00];
                v.resize(TEN_MB + 5, 0);
                v
            },
            CborErrorKind::TooManyItems,
        ),
        (
            "trailing bytes",
            vec![0x00; TEN_MB],
            CborErrorKind::TrailingBytes,
        ),
        (
            "cut string",
            {
                let mut v = vec![0x5a, 0x00, 0xa0, 0x00, 0x01];
                v.resize(TEN_MB, 0);
                v
            },
            CborErrorKind::Truncated,
        ),
    ] {
        for mode in [Mode::Strict, Mode::Lenient] {
            match cbor::decode(&input, mode, &limits) {
                Err(CodecError::Cbor { kind: k, .. }) => assert_eq!(k, kind, "{what}"),
                other => panic!("{what}: {other:?}"),
            }
        }
    }
    assert!(cbor::decode(&noise, Mode::Lenient, &limits).is_err());
}

// ---------------------------------------------------------------------------------------------
// Random structural mutations (fixed seed): no decoder panics, and nothing unsigned verifies.

/// xorshift64*: a fixed-seed generator, so a failure names a reproducible iteration.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }
}

/// One to four mutations: bit flips, CBOR-significant bytes, insertions, deletions, and
/// duplicated or dropped slices.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    const INTERESTING: [u8; 12] = [
        0x00, 0x18, 0x1b, 0x40, 0x5f, 0x7f, 0x9f, 0xa0, 0xbf, 0xd2, 0xf6, 0xff,
    ];
    let mut m = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(m.len());
        match rng.below(6) {
            0 if !m.is_empty() => m[at] ^= 1 << rng.below(8),
            1 if !m.is_empty() => m[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => m.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 if !m.is_empty() => {
                m.remove(at);
            }
            4 => {
                let end = (at + rng.below(16)).min(m.len());
                let slice = m[at..end].to_vec();
                m.splice(at..at, slice);
            }
            _ => {
                let end = (at + rng.below(16)).min(m.len());
                m.drain(at..end);
            }
        }
    }
    m
}

/// The protected header, payload and signature of a COSE_Sign1 message.
fn signed_parts(m: &[u8]) -> (Vec<u8>, Option<Vec<u8>>, Vec<u8>) {
    let s = certseal::cose::Sign1::parse(m, Mode::Strict, &Limits::DEFAULT).unwrap();
    (
        s.protected.to_vec(),
        s.payload.map(<[u8]>::to_vec),
        s.signature.to_vec(),
    )
}

#[test]
fn random_mutations_never_panic_and_never_verify_altered_signed_bytes() {
    let (keys, verifier) = setup();
    let batch = model::parse_json(support::SAMPLES).unwrap();
    let ed = &keys.ed25519;
    let issued = Issuer::new(ed.key.as_ref(), &ed.cert)
        .unwrap()
        .issue(&batch.accepted[2].1, Some(1), IAT)
        .unwrap();
    let cose = base45::decode(issued.qr.strip_prefix(PREFIX).unwrap()).unwrap();
    let anchor = TrustAnchor::from_certificate(ed.cert.der()).unwrap();
    let mut opts = Options::new(Profile::Generic, Some(NOW));
    opts.hex = true;
    let limits = Limits::DEFAULT;
    let claims = support::sample_claims(IAT, Some(NOW + 86_400));
    let claims = encode_claims(&claims);
    let certs: Vec<SignerCert> = keys.signers().iter().map(|s| s.cert.clone()).collect();
    let list = sign_trust_list(&keys.root, &keys.root_key, &certs, NOW, NOW + 86_400).unwrap();
    let mut rng = Rng(0x5eed_c0de_2026_1126);
    for i in 0..30_000 {
        let m = mutate(&mut rng, &cose);
        let v = verifier.verify_cose(&m, NOW);
        if v.is_valid() {
            // Only a change outside the signed bytes can keep the verdict.
            assert_eq!(signed_parts(&m), signed_parts(&cose), "iteration {i}");
        }
        let _ = interop::verify_cose(&m, &anchor, &opts);
        let _ = cbor::decode(&m, Mode::Lenient, &limits);
        let _ = certseal::cose::Claims::parse(&m, Mode::Lenient, &limits);
        let _ = certseal::claims::payload::QrClaims::decode(&m);
        let c = mutate(&mut rng, &claims);
        let _ = certseal::claims::payload::QrClaims::decode(&c);
        let _ = certseal::cose::Claims::parse(&c, Mode::Lenient, &limits);
        let _ = cbor::decode(&c, Mode::Strict, &limits);
        let t = mutate(&mut rng, &list);
        if TrustList::verify(&t, &keys.root).is_ok() {
            assert_eq!(signed_parts(&t), signed_parts(&list), "iteration {i}");
        }
        let doc = mutate(&mut rng, &issued.document);
        if verifier.verify_document(&doc).is_valid() {
            // Only a change outside the signed bytes (the tag, the unprotected bucket) can.
            assert_eq!(
                signed_parts(&doc),
                signed_parts(&issued.document),
                "iteration {i}"
            );
        }
    }
}

#[test]
fn rejects_signed_codes_outside_the_models_code_lists() {
    // A trusted key signed claims whose codes the model does not define: the view is refused
    // (with the claim and the code), never displayed as something else.
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    type Edit = fn(&mut certseal::claims::payload::QrClaims<'static>);
    let cases: [(&str, Edit, u64); 3] = [
        ("sex", |c| c.sex = 7, 7),
        ("id_type", |c| c.id_type = 123, 123),
        ("kind", |c| c.kind = 9, 9),
    ];
    for (claim, edit, code) in cases {
        let mut c = sample_claims(IAT, None);
        edit(&mut c);
        let v = verifier.verify(&text(&message(ed, &encode_claims(&c))));
        assert_eq!(
            reason(&v),
            &Reason::ClaimsMalformed(CwtError::UnknownCode { claim, code }),
            "{claim}"
        );
        assert_eq!(reason(&v).stage(), "cwt");
        assert!(v.certificate.is_none(), "nothing unaccepted is shown");
    }
    // A birth month past 2199-12 is refused by the model's rule.
    let mut c = sample_claims(IAT, None);
    c.birth_months = 3600;
    let v = verifier.verify(&text(&message(ed, &encode_claims(&c))));
    assert!(
        matches!(
            reason(&v),
            Reason::ClaimsMalformed(CwtError::Model { claim: "birth", .. })
        ),
        "{v:?}"
    );
}

#[test]
fn text_alg_and_crit_labels_are_reported_as_received() {
    let (keys, verifier) = setup();
    let ed = &keys.ed25519;
    // alg as text: the text comes back, not a stand-in number.
    let mut p = Writer::new();
    p.map(2).int(1).text("EdDSA").int(4).bytes(&ed.cert.kid());
    let m = sign_parts(ed.key.as_ref(), false, p.as_slice(), &[0xa0], &claims());
    let v = verifier.verify(&text(&m));
    assert_eq!(
        reason(&v),
        &Reason::UnsupportedAlgorithm {
            alg: Label::Text("EdDSA".into())
        }
    );
    assert!(
        reason(&v).to_string().contains("\"EdDSA\""),
        "{}",
        reason(&v)
    );
    // crit naming a text label nobody understands.
    let mut p = Writer::new();
    p.map(3)
        .int(1)
        .int(-8)
        .int(2)
        .array(1)
        .text("x-ext")
        .int(4)
        .bytes(&ed.cert.kid());
    let m = sign_parts(ed.key.as_ref(), false, p.as_slice(), &[0xa0], &claims());
    assert_eq!(
        cose(&verifier.verify(&text(&m))),
        &CoseError::UnknownCritical {
            label: Label::Text("x-ext".into())
        }
    );
}

#[test]
fn documents_go_through_the_payload_rules() {
    let (keys, verifier) = setup();
    let batch = model::parse_json(support::SAMPLES).unwrap();
    let es = &keys.es256;
    let doc = Issuer::new(es.key.as_ref(), &es.cert)
        .unwrap()
        .issue(&batch.accepted[0].1, Some(1), IAT)
        .unwrap()
        .document;
    assert!(verifier.verify_document(&doc).is_valid());
    // The low-S rule: the high-S twin of the signature (valid ECDSA) is refused.
    let n = doc.len();
    let mut high = doc.clone();
    support::p256_flip_s(&mut high[n - 64..]);
    assert!(!p256_is_low_s(&high[n - 64..]));
    let v = verifier.verify_document(&high);
    assert_eq!(v.result, Err(Reason::Signature));
    assert!(v.document.is_none(), "nothing unverified is shown");
    // The verifier's algorithm policy.
    let none_allowed = keys.verifier().allow_only(&[]);
    assert_eq!(
        none_allowed.verify_document(&doc).result,
        Err(Reason::UnsupportedAlgorithm {
            alg: Label::Int(-7)
        })
    );
    // The time checks: a document is not valid before it was issued.
    let early = verifier.verify_document_at(&doc, IAT - 3_600);
    assert!(
        matches!(early.result, Err(Reason::NotYetValid { iat, .. }) if iat == IAT),
        "{early:?}"
    );
    assert!(early.document.is_some(), "decoded before the time step");
}

/// A trusted signer's payload whose holder name or management number breaks the model's text
/// rules never becomes a certificate view (it would reach a face, a CSV or a web page).
#[test]
fn rejects_signed_name_or_management_number_outside_the_text_rules() {
    let (keys, verifier) = setup();
    for (name, number, claim) in [
        ("=cmd|calc", "0101202400001538", "holder.name"),
        ("王<b>建国", "0101202400001538", "holder.name"),
        ("王建国", "=HYPERLINK(1)", "management.number"),
    ] {
        let mut c = sample_claims(IAT, None);
        c.name = name;
        c.management_number = number;
        let m = message(&keys.ed25519, &encode_claims(&c));
        let v = verifier.verify(&text(&m));
        match reason(&v) {
            Reason::ClaimsMalformed(certseal::cose::CwtError::Model { claim: got, .. }) => {
                assert_eq!(*got, claim, "{name} / {number}")
            }
            other => panic!("{name} / {number}: {other:?}"),
        }
    }
    let m = message(&keys.ed25519, &claims());
    assert!(verifier.verify(&text(&m)).result.is_ok());
}
