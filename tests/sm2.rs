//! SM2 end to end (feature `sm2`): SM2 root and signer certificates, chain checks, SM2 keys on
//! disk, trust lists mixing algorithms, and the SM2-only verification policy.
#![cfg(feature = "sm2")]
// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use certseal::crypto::sm2::Sm2Signer;
use certseal::crypto::{Algorithm, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::trust::{
    check_chain, kid_of, sign_trust_list, KeyDir, RootCert, SignerCert, TrustError, TrustList,
    TrustStore,
};
use certseal::verify::{Reason, Verifier};
use certseal::FixedClock;
use x509_parser::prelude::*;

mod support;

use support::{root_params, samples, signer_params, sm2_key, AUTHORITY, DAY, NOW, USCC};

/// The SM2 root of these tests (deterministic: SM2 signatures use RFC 6979 nonces).
fn root(key: &dyn Signer) -> RootCert {
    RootCert::issue(key, &root_params("certseal SM2 root", 0x0102_0304_0506)).unwrap()
}

/// An SM2 root over an SM2 signer and an ES256 signer.
struct Mixed {
    root_key: Sm2Signer,
    root: RootCert,
    sm2_signer: Sm2Signer,
    es_signer: RingSigner,
    sm2_cert: SignerCert,
    es_cert: SignerCert,
}

fn mixed() -> Mixed {
    let root_key = sm2_key(0x11);
    let root = root(&root_key);
    let sm2_signer = sm2_key(0x22);
    let (es_signer, _) = RingSigner::generate(Algorithm::Es256).unwrap();
    let issue = |key: &dyn Signer, cn: &str, serial: u64| {
        root.issue_signer(
            &root_key,
            &key.public_key_spki(),
            &signer_params(cn, serial),
        )
        .unwrap()
    };
    let sm2_cert = issue(&sm2_signer, "SM2 signer", 2);
    let es_cert = issue(&es_signer, "ES256 signer", 3);
    Mixed {
        root_key,
        root,
        sm2_signer,
        es_signer,
        sm2_cert,
        es_cert,
    }
}

#[test]
fn sm2_root_and_signer_chain_checks() {
    let root_key = sm2_key(0x11);
    let signer_key = sm2_key(0x22);
    let root = root(&root_key);
    let signer = root
        .issue_signer(
            &root_key,
            &signer_key.public_key_spki(),
            &signer_params("certseal SM2 signer", 7),
        )
        .unwrap();
    check_chain(&signer, &root).unwrap();
    assert_eq!(root.verifying_key().algorithm(), Algorithm::Sm2);
    assert_eq!(signer.verifying_key().raw(), signer_key.public_key_raw());
    // kid: SHA-256 of the certificate DER, first 8 bytes, as for every algorithm.
    assert_eq!(signer.kid(), kid_of(signer.der()));
    // Deterministic: SM2 signatures are (RFC 6979 k), so the same inputs give the same DER.
    assert_eq!(root.der(), self::root(&root_key).der());

    // Read back with x509-parser: OIDs, subject attributes, extensions.
    for (der, ca) in [(root.der(), true), (signer.der(), false)] {
        let (rest, cert) = X509Certificate::from_der(der).unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.156.10197.1.501"
        );
        let spki = &cert.public_key().algorithm;
        assert_eq!(spki.algorithm.to_id_string(), "1.2.840.10045.2.1");
        let curve = spki.parameters.as_ref().unwrap().as_oid().unwrap();
        assert_eq!(curve.to_id_string(), "1.2.156.10197.1.301");
        let subject = cert.subject().to_string();
        assert!(
            subject.starts_with("C=CN, O=人力资源社会保障部人事考试中心"),
            "{subject}"
        );
        let org_id: Vec<_> = cert
            .subject()
            .iter_attributes()
            .filter(|a| a.attr_type().to_id_string() == "2.5.4.97")
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(org_id, [USCC]);
        let bc = cert.basic_constraints().unwrap().unwrap();
        assert!(bc.critical);
        assert_eq!(bc.value.ca, ca);
        let ku = cert.key_usage().unwrap().unwrap();
        assert_eq!(ku.value.key_cert_sign(), ca);
        assert_eq!(ku.value.digital_signature(), !ca);
    }
    assert_eq!(signer.authority_uscc(), Some(USCC));
    assert_eq!(signer.authority_name(), Some(AUTHORITY));
    assert_eq!(signer.serial_hex(), "07");

    // A signer certificate with one TBS byte changed fails the chain's signature check.
    let mut bad = signer.der().to_vec();
    let at = bad.windows(6).position(|w| w == b"signer").unwrap();
    bad[at] ^= 0x20;
    let bad = SignerCert::parse(&bad).unwrap();
    assert!(matches!(
        check_chain(&bad, &root),
        Err(TrustError::BadSignature { .. })
    ));
    // A root whose self-signature does not verify (one serial byte changed) is refused.
    let mut bad_root = root.der().to_vec();
    let at = bad_root
        .windows(6)
        .position(|w| w == [1, 2, 3, 4, 5, 6])
        .unwrap();
    bad_root[at] ^= 0x40;
    assert!(matches!(
        RootCert::parse(&bad_root),
        Err(TrustError::BadSignature { .. })
    ));
    // Another SM2 root's key does not sign for this root.
    let other = sm2_key(0x33);
    assert!(matches!(
        root.issue_signer(
            &other,
            &signer_key.public_key_spki(),
            &signer_params("x", 8)
        ),
        Err(TrustError::KeyMismatch { .. })
    ));
}

#[test]
fn sm2_root_signs_es256_and_ed25519_signers() {
    let root_key = sm2_key(0x11);
    let root = root(&root_key);
    for alg in [Algorithm::Es256, Algorithm::EdDsa] {
        let (key, _) = RingSigner::generate(alg).unwrap();
        let cert = root
            .issue_signer(
                &root_key,
                &key.public_key_spki(),
                &signer_params("mixed signer", 9),
            )
            .unwrap();
        assert_eq!(cert.verifying_key().algorithm(), alg);
        check_chain(&cert, &root).unwrap();
    }
}

#[test]
fn es256_root_refuses_an_sm2_signer_key_with_a_reason() {
    // rcgen writes ES256 and Ed25519 certificates and cannot hold an SM2 public key.
    let (root_key, _) = RingSigner::generate(Algorithm::Es256).unwrap();
    let root = root(&root_key);
    let err = root
        .issue_signer(
            &root_key,
            &sm2_key(0x22).public_key_spki(),
            &signer_params("x", 2),
        )
        .unwrap_err();
    assert!(err.to_string().contains("SM2"), "{err}");
}

#[test]
fn mixed_algorithm_trust_list_verifies_both() {
    let Mixed {
        root_key,
        root,
        sm2_signer,
        es_signer,
        sm2_cert,
        es_cert,
    } = mixed();
    let certs = [sm2_cert.clone(), es_cert.clone()];
    // The signed trust list (an SM2 COSE_Sign1 by the root) carries both.
    let list = sign_trust_list(&root, &root_key, &certs, NOW, NOW + 30 * DAY).unwrap();
    let list = TrustList::verify(&list, &root).unwrap();
    let direct = TrustStore::from_signer_certs(&root, &certs).unwrap();
    for store in [list.store, direct] {
        let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
        for (key, cert, alg) in [
            (&sm2_signer as &dyn Signer, &sm2_cert, Algorithm::Sm2),
            (&es_signer as &dyn Signer, &es_cert, Algorithm::Es256),
        ] {
            let issuer = Issuer::new(key, cert).unwrap();
            for c in samples() {
                let issued = issuer.issue(&c, None, NOW).unwrap();
                let verdict = verifier.verify_at(&issued.qr, NOW);
                assert_eq!(verdict.result, Ok(()), "{alg}: {}", issued.qr);
                assert_eq!(verdict.alg, Some(alg));
                assert_eq!(verdict.kid, Some(cert.kid()));
            }
        }
    }
}

#[test]
fn sm2_only_policy_refuses_es256() {
    let Mixed {
        root,
        sm2_signer,
        es_signer,
        sm2_cert,
        es_cert,
        ..
    } = mixed();
    let store = TrustStore::from_signer_certs(&root, &[sm2_cert.clone(), es_cert.clone()]).unwrap();
    let verifier = Verifier::new(store)
        .with_clock(FixedClock(NOW))
        .allow_only(&[Algorithm::Sm2]);
    let record = samples().into_iter().next().unwrap();
    let sm2_qr = Issuer::new(&sm2_signer, &sm2_cert)
        .unwrap()
        .issue(&record, None, NOW)
        .unwrap()
        .qr;
    let es_qr = Issuer::new(&es_signer, &es_cert)
        .unwrap()
        .issue(&record, None, NOW)
        .unwrap()
        .qr;
    assert_eq!(verifier.verify_at(&sm2_qr, NOW).result, Ok(()));
    let refused = verifier.verify_at(&es_qr, NOW);
    assert_eq!(
        refused.result,
        Err(Reason::UnsupportedAlgorithm {
            alg: certseal::cose::Label::Int(-7)
        }),
        "{refused:?}"
    );
    assert_eq!(refused.result.unwrap_err().stage(), "alg");
}

#[test]
fn keys_init_sm2_round_trips() {
    let (tmp, made) = support::key_dir(Algorithm::Sm2, 2);
    let dir = tmp.path();
    for name in ["root.key.pem", "signer-1.key.pem", "signer-2.key.pem"] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        // read_private_key loads any algorithm.
        let key = certseal::trust::read_private_key(&path).unwrap();
        assert_eq!(key.algorithm(), Algorithm::Sm2, "{name}");
    }

    let mut opened = KeyDir::open(dir).unwrap();
    assert_eq!(opened.root().der(), made.root().der());
    assert_eq!(opened.root().verifying_key().algorithm(), Algorithm::Sm2);
    assert_eq!(opened.root_key().unwrap().algorithm(), Algorithm::Sm2);
    assert_eq!(opened.signers().len(), 2);
    for (a, b) in opened.signers().iter().zip(made.signers()) {
        assert_eq!(a.cert().der(), b.cert().der());
        assert_eq!(a.kid(), kid_of(a.cert().der()));
        let sig = a.sign_at(a.cert().not_before(), b"round trip").unwrap();
        a.cert()
            .verifying_key()
            .verify(b"round trip", &sig)
            .unwrap();
    }

    // Issue and verify with the reopened directory.
    let issuer = Issuer::from_key_dir(&opened, NOW).unwrap();
    let verifier = Verifier::new(opened.trust_store().unwrap()).with_clock(FixedClock(NOW));
    for c in samples() {
        let issued = issuer.issue(&c, None, NOW).unwrap();
        assert!(issued.qr.len() <= 259, "{} characters", issued.qr.len());
        assert_eq!(verifier.verify_at(&issued.qr, NOW).result, Ok(()));
    }

    // A later signer, SM2 too, lands on disk and reopens.
    let nb = NOW + 300 * DAY;
    opened
        .add_signer(Algorithm::Sm2, nb, nb + 365 * DAY)
        .unwrap();
    let reopened = KeyDir::open(dir).unwrap();
    assert_eq!(reopened.signers().len(), 3);
}
