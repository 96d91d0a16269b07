//! End to end through the public API: keys on disk, records in, documents and QR payloads out,
//! verification with a precise verdict.

use certseal::crypto::Algorithm;
use certseal::issue::Issuer;
use certseal::model::parse_json;
use certseal::verify::Reason;

mod support;

use support::{key_dir, verifier_of, NOW, SAMPLES};

#[test]
fn issued_samples_verify_and_fit_qr_version_11_at_level_q() {
    for &alg in Algorithm::ALL {
        let (_dir, keys) = key_dir(alg, 2);
        let issuer = Issuer::from_key_dir(&keys, NOW).unwrap();
        let batch = parse_json(SAMPLES).unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        let verifier = verifier_of(&keys);
        for (i, (_, cert)) in batch.accepted.iter().enumerate() {
            let issued = issuer.issue(cert, Some(i as u64), NOW).unwrap();
            // QR version 11 at level Q holds 259 alphanumeric characters.
            println!("{alg} {} {}", issued.qr.len(), issued.qr);
            assert!(issued.qr.len() <= 259, "{} characters", issued.qr.len());
            let verdict = verifier.verify(&issued.qr);
            assert_eq!(verdict.result, Ok(()), "{alg}: {}", issued.qr);
            let view = verdict.certificate.unwrap();
            assert_eq!(view.holder_name, cert.holder.name);
            let doc = verifier.verify_document(&issued.document);
            assert_eq!(doc.result, Ok(()), "{alg}");
            let doc = doc.document.unwrap();
            assert_eq!(&doc.certificate, cert);
            assert_eq!(doc.identifier, issued.identifier);
        }
    }
}

#[test]
fn tampered_payload_fails_with_signature_reason() {
    let (_dir, keys) = key_dir(Algorithm::EdDsa, 2);
    let issuer = Issuer::from_key_dir(&keys, NOW).unwrap();
    let batch = parse_json(SAMPLES).unwrap();
    let issued = issuer.issue(&batch.accepted[0].1, None, NOW).unwrap();
    let verifier = verifier_of(&keys);
    // Flip one bit of the signed claims and re-encode.
    let body = issued.qr.strip_prefix("CS1:").unwrap();
    let mut cose = certseal::codec::base45::decode(body).unwrap();
    let at = cose.len() - 70;
    cose[at] ^= 1;
    let text = format!("CS1:{}", certseal::codec::base45::encode(&cose));
    assert_eq!(verifier.verify(&text).result, Err(Reason::Signature));
}

#[test]
fn signed_trust_list_round_trips_and_rejects_tampering() {
    use certseal::trust::{sign_trust_list, TrustList};
    let (_dir, keys) = key_dir(Algorithm::Es256, 2);
    let certs: Vec<_> = keys.signers().iter().map(|s| s.cert().clone()).collect();
    let list = sign_trust_list(
        keys.root(),
        keys.root_key().unwrap(),
        &certs,
        NOW,
        NOW + 7 * 86_400,
    )
    .unwrap();
    let loaded = TrustList::verify(&list, keys.root()).unwrap();
    assert_eq!(loaded.store.len(), 2);
    assert_eq!(loaded.next_update, NOW + 7 * 86_400);
    let mut bad = list.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x40;
    assert!(TrustList::verify(&bad, keys.root()).is_err());
}

/// The sizes `specs/qr-payload.md` reports, for the typical certificate.
#[test]
fn typical_payload_sizes_match_the_spec() {
    use certseal::codec::{base45, cbor::Mode, zlib, Limits};
    use certseal::cose::Sign1;
    let (_dir, keys) = key_dir(Algorithm::EdDsa, 2);
    let issuer = Issuer::from_key_dir(&keys, NOW).unwrap();
    let batch = parse_json(SAMPLES).unwrap();
    let issued = issuer.issue(&batch.accepted[0].1, Some(0), NOW).unwrap();
    let cose = base45::decode(issued.qr.strip_prefix("CS1:").unwrap()).unwrap();
    let msg = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT).unwrap();
    let claims = msg.payload.unwrap();
    println!(
        "claims {} bytes, deflated {} bytes, cose {} bytes, text {} chars",
        claims.len(),
        zlib::deflate(claims).len(),
        cose.len(),
        issued.qr.len()
    );
    assert_eq!(claims.len(), 69);
    assert!(zlib::deflate(claims).len() > claims.len());
    assert_eq!(cose.len(), 153);
    assert_eq!(issued.qr.len(), 234);
    assert_eq!(
        certseal::claims::payload::qr_version_q(issued.qr.len()),
        Some(11)
    );
}
