//! End to end through the public API: keys on disk, records in, documents and QR payloads out,
//! verification with a precise verdict.

use certseal::crypto::Algorithm;
use certseal::issue::Issuer;
use certseal::issue::Rejection;
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

#[test]
fn issue_all_writes_every_accepted_record_and_names_the_rejected_ones() {
    let (dir, keys) = key_dir(Algorithm::EdDsa, 1);
    let mut records: Vec<serde_json::Value> = serde_json::from_slice(SAMPLES).unwrap();
    let mut bad = records[0].clone();
    bad["id_number"] = "110101198503076512".into(); // check digit off by one
    records.push(bad);
    let batch = certseal::model::parse_json(&serde_json::to_vec(&records).unwrap()).unwrap();
    let out = dir.path().join("issued");
    let run = certseal::issue::issue_all(
        &keys,
        batch,
        &out,
        &certseal::issue::Layout::Files,
        Some(0),
        NOW,
    )
    .unwrap();
    assert_eq!(run.issued.len(), records.len() - 1);
    assert_eq!(run.rejected.len(), 1);
    assert!(
        matches!(&run.rejected[0], Rejection::Record(e) if e.record == records.len()),
        "{}",
        run.rejected[0]
    );
    assert!(run.to_string().starts_with("issued 8, rejected 1"), "{run}");
    let verifier = verifier_of(&keys);
    let qr_txt = std::fs::read_to_string(out.join("qr.txt")).unwrap();
    assert_eq!(qr_txt.lines().count(), run.issued.len());
    for (_, cert, issued) in &run.issued {
        let document = std::fs::read(out.join(format!("{}.cbor", issued.identifier))).unwrap();
        assert_eq!(document, issued.document);
        let view: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join(format!("{}.json", issued.identifier))).unwrap(),
        )
        .unwrap();
        assert_eq!(view["identifier"], issued.identifier.as_str());
        assert_eq!(
            view["certificate"]["holder"]["name"],
            cert.holder.name.as_str()
        );
        assert!(qr_txt.contains(&format!("{}\t{}", issued.identifier, issued.qr)));
        assert!(verifier.verify(&issued.qr).is_valid());
    }
}

#[test]
fn a_payload_and_the_document_of_another_certificate_do_not_match() {
    let (_dir, keys) = key_dir(Algorithm::Es256, 1);
    let issuer = Issuer::from_key_dir(&keys, NOW).unwrap();
    let batch = parse_json(SAMPLES).unwrap();
    let a = issuer.issue(&batch.accepted[0].1, None, NOW).unwrap();
    let b = issuer.issue(&batch.accepted[1].1, None, NOW).unwrap();
    let verifier = verifier_of(&keys);
    let (qr, doc) = verifier.verify_with_document(&a.qr, &a.document);
    assert!(qr.is_valid() && doc.is_valid(), "{qr:?} {doc:?}");
    let (qr, doc) = verifier.verify_with_document(&a.qr, &b.document);
    assert!(qr.is_valid());
    assert_eq!(
        doc.result,
        Err(Reason::DocumentMismatch {
            document: b.identifier.clone(),
            payload: Some(a.identifier.clone()),
        })
    );
    assert_eq!(doc.result.unwrap_err().stage(), "document");
}
