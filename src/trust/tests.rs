//! Rules of the trust layer, with real rcgen-made certificates.

use super::*;
use crate::crypto::{Algorithm, RingSigner, Signer, VerifyingKey};

const USCC: &str = "12100000400000624D";
const AUTHORITY: &str = "人力资源和社会保障部人事考试中心";
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn key(alg: Algorithm, seed: u8) -> RingSigner {
    match alg {
        Algorithm::EdDsa => RingSigner::ed25519_from_seed(&[seed; 32]).expect("seed"),
        _ => RingSigner::generate(alg).expect("generate").0,
    }
}

fn root_params(cn: &str) -> RootParams {
    RootParams {
        common_name: cn.into(),
        authority_name: AUTHORITY.into(),
        authority_uscc: Some(USCC.into()),
        serial: 1,
        not_before: T0 - DAY,
        not_after: T0 + 20 * 365 * DAY,
    }
}

fn signer_params(serial: u64, nb: i64, na: i64) -> SignerParams {
    SignerParams {
        common_name: "certseal document signer 2026".into(),
        authority_name: AUTHORITY.into(),
        authority_uscc: USCC.into(),
        serial,
        not_before: nb,
        not_after: na,
    }
}

fn root(alg: Algorithm, seed: u8) -> (RingSigner, RootCert) {
    let k = key(alg, seed);
    let r = RootCert::issue(&k, &root_params("certseal root 2026")).expect("root");
    (k, r)
}

fn signer(root: &RootCert, root_key: &RingSigner, alg: Algorithm, seed: u8) -> SignerCert {
    let s = key(alg, seed);
    root.issue_signer(
        root_key,
        &s.public_key_spki(),
        &signer_params(2, T0 - DAY, T0 + 365 * DAY),
    )
    .expect("signer")
}

fn vk(s: &RingSigner) -> VerifyingKey {
    VerifyingKey::from_spki(&s.public_key_spki()).expect("spki")
}

#[test]
fn chain_check_accepts_es256_and_ed25519_roots() {
    for root_alg in [Algorithm::Es256, Algorithm::EdDsa] {
        for signer_alg in [Algorithm::Es256, Algorithm::EdDsa] {
            let (rk, r) = root(root_alg, 1);
            let s = signer(&r, &rk, signer_alg, 2);
            check_chain(&s, &r).expect("chain");
            let s2 = SignerCert::parse(s.der()).expect("reparse");
            check_chain(&s2, &r).expect("chain after reparse");
            assert_eq!(s2.verifying_key().algorithm(), signer_alg);
            assert_eq!(r.verifying_key().algorithm(), root_alg);
        }
    }
}

#[test]
fn subject_carries_authority_name_and_uscc() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let s = signer(&r, &rk, Algorithm::EdDsa, 2);
    assert_eq!(s.authority_name(), Some(AUTHORITY));
    assert_eq!(s.authority_uscc(), Some(USCC));
    assert_eq!(r.authority_uscc(), Some(USCC));
    assert!(
        s.subject().contains("certseal document signer 2026"),
        "{}",
        s.subject()
    );
    assert_eq!(s.issuer(), r.subject());
    assert_eq!(s.not_before(), T0 - DAY);
    assert_eq!(s.not_after(), T0 + 365 * DAY);
    assert_eq!(s.serial_hex(), "02");
}

#[test]
fn issuing_with_ed25519_root_is_deterministic() {
    let (rk1, r1) = root(Algorithm::EdDsa, 7);
    let (rk2, r2) = root(Algorithm::EdDsa, 7);
    assert_eq!(r1.der(), r2.der());
    let s1 = signer(&r1, &rk1, Algorithm::EdDsa, 8);
    let s2 = signer(&r2, &rk2, Algorithm::EdDsa, 8);
    assert_eq!(s1.der(), s2.der());
    assert_eq!(s1.kid(), s2.kid());
}

#[test]
fn kid_is_sha256_prefix_of_der() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let s = signer(&r, &rk, Algorithm::Es256, 2);
    let d = ring::digest::digest(&ring::digest::SHA256, s.der());
    assert_eq!(&s.kid()[..], &d.as_ref()[..8]);
    let t = TrustedSigner::new(&s, &r).expect("trusted");
    assert_eq!(t.kid(), &s.kid());
    assert_eq!(kid_of(s.der()), s.kid());
}

#[test]
fn rejects_signer_not_signed_by_root() {
    // Same subject name, different key: the name matches, the signature does not.
    let (_, r) = root(Algorithm::EdDsa, 1);
    let (other_key, other) = root(Algorithm::EdDsa, 9);
    assert_eq!(r.subject(), other.subject());
    let s = signer(&other, &other_key, Algorithm::EdDsa, 2);
    let err = check_chain(&s, &r).expect_err("must fail");
    assert!(matches!(err, TrustError::BadSignature { .. }), "{err}");
    assert!(
        err.to_string().contains("signature does not verify"),
        "{err}"
    );
}

#[test]
fn rejects_signer_of_another_root_name() {
    let (_, r) = root(Algorithm::EdDsa, 1);
    let ok = key(Algorithm::EdDsa, 9);
    let other = RootCert::issue(&ok, &root_params("another root")).expect("root");
    let s = signer(&other, &ok, Algorithm::EdDsa, 2);
    let err = check_chain(&s, &r).expect_err("must fail");
    assert!(matches!(err, TrustError::IssuerMismatch { .. }), "{err}");
    assert!(err.to_string().contains("another root"), "{err}");
}

#[test]
fn rejects_signature_algorithm_not_matching_root_key() {
    let (ek, er) = root(Algorithm::Es256, 1);
    let (_, edr) = root(Algorithm::EdDsa, 1);
    let s = signer(&er, &ek, Algorithm::EdDsa, 2);
    // The ES256 root's subject equals the Ed25519 root's subject (same params).
    let err = check_chain(&s, &edr).expect_err("must fail");
    assert!(
        matches!(err, TrustError::SignatureAlgorithmMismatch { .. }),
        "{err}"
    );
}

fn tweaked(tweak: impl FnOnce(&mut rcgen::CertificateParams)) -> (RootCert, SignerCert) {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let sk = key(Algorithm::EdDsa, 2);
    let der = r
        .issue_unchecked(&rk, &vk(&sk), &signer_params(3, T0, T0 + 30 * DAY), tweak)
        .expect("issue");
    (r, SignerCert::parse(&der).expect("parse"))
}

#[test]
fn rejects_signer_without_digital_signature_usage() {
    let (r, s) = tweaked(|cp| cp.key_usages = vec![rcgen::KeyUsagePurpose::KeyEncipherment]);
    let err = check_chain(&s, &r).expect_err("must fail");
    assert!(
        matches!(
            err,
            TrustError::MissingKeyUsage {
                usage: "digitalSignature",
                ..
            }
        ),
        "{err}"
    );
    let (r, s) = tweaked(|cp| cp.key_usages.clear());
    assert!(matches!(
        check_chain(&s, &r),
        Err(TrustError::MissingKeyUsage { .. })
    ));
}

#[test]
fn rejects_signer_that_is_a_ca() {
    let (r, s) = tweaked(|cp| {
        cp.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    });
    let err = check_chain(&s, &r).expect_err("must fail");
    assert!(matches!(err, TrustError::SignerIsCa { .. }), "{err}");
}

#[test]
fn rejects_signer_window_outside_root() {
    let (r, s) = tweaked(|cp| {
        cp.not_after = unix_to_asn1(T0 + 30 * 365 * DAY).expect("t").to_datetime();
    });
    let err = check_chain(&s, &r).expect_err("must fail");
    assert!(matches!(err, TrustError::WindowOutsideRoot { .. }), "{err}");
    assert!(err.to_string().contains("2055-"), "{err}");
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let sk = key(Algorithm::EdDsa, 2);
    let err = r
        .issue_signer(
            &rk,
            &sk.public_key_spki(),
            &signer_params(2, T0 - 2 * DAY, T0),
        )
        .expect_err("before the root");
    assert!(matches!(err, TrustError::WindowOutsideRoot { .. }), "{err}");
}

#[test]
fn rejects_unknown_critical_extension() {
    let (_, s) = {
        let (rk, r) = root(Algorithm::EdDsa, 1);
        let sk = key(Algorithm::EdDsa, 2);
        let der = r
            .issue_unchecked(&rk, &vk(&sk), &signer_params(3, T0, T0 + DAY), |cp| {
                let mut ext = rcgen::CustomExtension::from_oid_content(&[1, 2, 3, 4], vec![5, 0]);
                ext.set_criticality(true);
                cp.custom_extensions.push(ext);
            })
            .expect("issue");
        (r, der)
    };
    let err = SignerCert::parse(&s).expect_err("must fail");
    assert!(
        matches!(err, TrustError::UnknownCriticalExtension { .. }),
        "{err}"
    );
}

#[test]
fn issue_signer_refuses_a_key_that_is_not_the_roots() {
    let (_, r) = root(Algorithm::EdDsa, 1);
    let wrong = key(Algorithm::EdDsa, 5);
    let err = r
        .issue_signer(
            &wrong,
            &wrong.public_key_spki(),
            &signer_params(2, T0, T0 + DAY),
        )
        .expect_err("must fail");
    assert!(matches!(err, TrustError::KeyMismatch { .. }), "{err}");
}

fn self_signed_with(tweak: impl FnOnce(&mut rcgen::CertificateParams)) -> Vec<u8> {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("kp");
    let mut cp = rcgen::CertificateParams::default();
    cp.distinguished_name = rcgen::DistinguishedName::new();
    cp.distinguished_name
        .push(rcgen::DnType::CommonName, "test root");
    tweak(&mut cp);
    cp.self_signed(&kp).expect("self-signed").der().to_vec()
}

#[test]
fn root_must_be_a_ca() {
    let der = self_signed_with(|cp| cp.is_ca = rcgen::IsCa::NoCa);
    let err = RootCert::parse(&der).expect_err("must fail");
    assert!(matches!(err, TrustError::RootNotCa { .. }), "{err}");
}

#[test]
fn root_ca_needs_key_cert_sign_when_key_usage_present() {
    let der = self_signed_with(|cp| {
        cp.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        cp.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    });
    let err = RootCert::parse(&der).expect_err("must fail");
    assert!(
        matches!(
            err,
            TrustError::MissingKeyUsage {
                usage: "keyCertSign",
                ..
            }
        ),
        "{err}"
    );
    // Without keyUsage at all, a CA root is accepted (RFC 5280 leaves it optional).
    let der = self_signed_with(|cp| {
        cp.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    });
    RootCert::parse(&der).expect("accepted");
}

#[test]
fn root_must_be_self_signed() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let s = signer(&r, &rk, Algorithm::EdDsa, 2);
    let err = RootCert::parse(s.der()).expect_err("must fail");
    assert!(matches!(err, TrustError::RootNotSelfSigned { .. }), "{err}");
}

#[test]
fn root_with_broken_self_signature_is_refused() {
    let (_, r) = root(Algorithm::EdDsa, 1);
    let mut der = r.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 1;
    let err = RootCert::parse(&der).expect_err("must fail");
    assert!(matches!(err, TrustError::BadSignature { .. }), "{err}");
}

#[test]
fn rejects_trailing_bytes_after_certificate() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let mut der = signer(&r, &rk, Algorithm::EdDsa, 2).der().to_vec();
    der.push(0);
    assert!(matches!(
        SignerCert::parse(&der),
        Err(TrustError::TrailingBytes { len: 1, .. })
    ));
}

#[test]
fn parse_never_panics_on_truncations_and_bit_flips() {
    let (rk, r) = root(Algorithm::Es256, 1);
    let der = signer(&r, &rk, Algorithm::Es256, 2).der().to_vec();
    for len in 0..der.len() {
        assert!(
            SignerCert::parse(&der[..len]).is_err(),
            "truncated to {len}"
        );
        let _ = RootCert::parse(&der[..len]);
    }
    for i in 0..der.len() {
        for bit in 0..8 {
            let mut d = der.clone();
            d[i] ^= 1 << bit;
            if let Ok(s) = SignerCert::parse(&d) {
                // A flip the parser tolerates must still break the chain (signature or name)
                // unless it hit a byte outside the signed part that does not matter.
                let _ = check_chain(&s, &r);
            }
            let _ = RootCert::parse(&d);
        }
    }
    let rd = r.der().to_vec();
    for len in 0..rd.len() {
        assert!(RootCert::parse(&rd[..len]).is_err());
    }
}

#[test]
fn bit_flip_in_signed_part_breaks_chain() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let s = signer(&r, &rk, Algorithm::EdDsa, 2);
    let der = s.der().to_vec();
    // Flip one bit of the common name inside the TBS.
    let pos = der
        .windows(8)
        .position(|w| w == b"document")
        .expect("cn present");
    let mut d = der.clone();
    d[pos] ^= 0x20;
    let s2 = SignerCert::parse(&d).expect("still parses");
    assert!(matches!(
        check_chain(&s2, &r),
        Err(TrustError::BadSignature { .. })
    ));
}

#[test]
fn store_from_certs_checks_each_chain_and_names_the_failing_one() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let a = signer(&r, &rk, Algorithm::EdDsa, 2);
    let b = signer(&r, &rk, Algorithm::Es256, 3);
    let store = TrustStore::from_certs(&r, &[a.der().to_vec(), b.der().to_vec()]).expect("store");
    assert_eq!(store.len(), 2);
    assert_eq!(store.lookup(&a.kid()).len(), 1);
    assert_eq!(store.lookup(&b.kid())[0].key(), b.verifying_key());
    assert!(store.lookup(&[0u8; 8]).is_empty());
    assert!(store.lookup(&a.kid()[..7]).is_empty());
    assert!(store.root().is_some());

    let (ok, other) = root(Algorithm::EdDsa, 9);
    let stranger = signer(&other, &ok, Algorithm::EdDsa, 4);
    let err = TrustStore::from_certs(&r, &[a.der(), stranger.der()]).expect_err("must fail");
    assert!(matches!(err, TrustError::InList { index: 1, .. }), "{err}");
    assert!(
        err.to_string().starts_with("signer certificate #1: "),
        "{err}"
    );

    let err = TrustStore::from_certs(&r, &[a.der(), b.der(), a.der()]).expect_err("dup");
    assert!(
        matches!(err, TrustError::DuplicateSigner { index: 2, first: 0 }),
        "{err}"
    );

    let err = TrustStore::from_certs(&r, &[&b"junk"[..]]).expect_err("junk");
    assert!(matches!(err, TrustError::InList { index: 0, .. }), "{err}");
}

#[test]
fn lookup_returns_every_signer_sharing_a_kid() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let certs: Vec<SignerCert> = (2..6)
        .map(|i| signer(&r, &rk, Algorithm::EdDsa, i))
        .collect();
    let shared = [7u8; 8];
    let mut trusted: Vec<TrustedSigner> = certs
        .iter()
        .map(|c| TrustedSigner::new(c, &r).expect("trusted"))
        .collect();
    trusted[1] = trusted[1].clone().with_kid(shared);
    trusted[3] = trusted[3].clone().with_kid(shared);
    let store = TrustStore::from_trusted_unchecked(trusted);
    let hits = store.lookup(&shared);
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().any(|t| t.key() == certs[1].verifying_key()));
    assert!(hits.iter().any(|t| t.key() == certs[3].verifying_key()));
    assert_eq!(store.lookup(&certs[0].kid()).len(), 1);
    assert_eq!(store.lookup(&certs[2].kid()).len(), 1);
}

#[test]
fn single_key_store_answers_every_kid() {
    let k = key(Algorithm::Es256, 0);
    let store = TrustStore::from_single(vk(&k), None).expect("store");
    assert_eq!(store.lookup(&[1u8; 8]).len(), 1);
    assert_eq!(store.lookup(b"").len(), 1);
    assert!(store.root().is_none());
    let t = &store.signers()[0];
    assert!(t.is_valid_at(i64::MIN) && t.is_valid_at(i64::MAX));

    let (rk, r) = root(Algorithm::EdDsa, 1);
    let sk = key(Algorithm::EdDsa, 2);
    let s = r
        .issue_signer(&rk, &sk.public_key_spki(), &signer_params(2, T0, T0 + DAY))
        .expect("signer");
    let store = TrustStore::from_single(vk(&sk), Some(s.der())).expect("with cert");
    assert_eq!(store.signers()[0].kid(), &s.kid());
    assert_eq!(store.signers()[0].not_after(), T0 + DAY);
    let err = TrustStore::from_single(vk(&k), Some(s.der())).expect_err("mismatch");
    assert!(matches!(err, TrustError::KeyMismatch { .. }), "{err}");
}

fn init_opts(signers: usize) -> InitOptions {
    InitOptions {
        alg: Algorithm::EdDsa,
        authority_name: AUTHORITY.into(),
        authority_uscc: USCC.into(),
        signers,
        now: T0,
        signer_validity_days: 365,
        force: false,
    }
}

#[test]
fn keydir_init_writes_files_and_opens_them_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("keys");
    let kd = KeyDir::init(&dir, init_opts(2)).expect("init");
    for f in [
        "root.key.pem",
        "root.cert.pem",
        "signer-1.key.pem",
        "signer-1.cert.pem",
        "signer-2.key.pem",
        "signer-2.cert.pem",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [
            "root.key.pem",
            "signer-1.key.pem",
            "signer-2.key.pem",
            "status.key.pem",
        ] {
            let mode = std::fs::metadata(dir.join(f))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    assert_eq!(kd.signers().len(), 2);
    assert!(kd.root_key().is_some());
    let again = KeyDir::open(&dir).expect("open");
    assert_eq!(again.root(), kd.root());
    assert_eq!(again.signers()[1].cert(), kd.signers()[1].cert());
    // Rollover pair: signer-2 starts before signer-1 ends.
    let (s1, s2) = (kd.signers()[0].cert(), kd.signers()[1].cert());
    assert!(s2.not_before() < s1.not_after());
    assert!(s1.not_before() <= T0 && T0 <= s1.not_after());
    assert!(s2.not_after() <= kd.root().not_after());
    let store = kd.trust_store().expect("store");
    assert_eq!(store.len(), 3, "two document signers and the status signer");
    let status = kd.status_signer().expect("status signer");
    assert_eq!(status.cert().usage(), super::SignerUsage::STATUS);
    assert_eq!(
        again.status_signer().map(|s| s.kid()),
        Some(status.kid()),
        "opened back"
    );
}

#[test]
fn keydir_refuses_to_overwrite_keys_without_force() {
    let tmp = tempfile::tempdir().expect("tmp");
    let first = KeyDir::init(tmp.path(), init_opts(3)).expect("init");
    let err = KeyDir::init(tmp.path(), init_opts(1)).expect_err("must refuse");
    assert!(
        matches!(err, crate::Error::Trust(TrustError::KeyExists { .. })),
        "{err}"
    );
    let again = KeyDir::open(tmp.path()).expect("untouched");
    assert_eq!(again.root(), first.root());
    let mut opts = init_opts(1);
    opts.force = true;
    let forced = KeyDir::init(tmp.path(), opts).expect("forced");
    assert_ne!(forced.root(), first.root());
    assert_eq!(forced.signers().len(), 1, "stale signers removed");
    assert!(!tmp.path().join("signer-2.cert.pem").exists());
}

#[test]
fn keydir_init_checks_its_options() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = init_opts(0);
    assert!(KeyDir::init(tmp.path(), o.clone()).is_err());
    o.signers = 1;
    o.authority_uscc = "12100000400000624E".into();
    let err = KeyDir::init(tmp.path(), o.clone()).expect_err("bad uscc");
    assert!(
        err.to_string().contains("check character is E, expected D"),
        "{err}"
    );
    o.authority_uscc = USCC.into();
    o.signer_validity_days = 0;
    assert!(KeyDir::init(tmp.path(), o).is_err());
    assert!(!tmp.path().join("root.key.pem").exists());
}

#[test]
fn keydir_open_refuses_a_key_that_does_not_match_its_cert() {
    let tmp = tempfile::tempdir().expect("tmp");
    KeyDir::init(tmp.path(), init_opts(2)).expect("init");
    std::fs::copy(
        tmp.path().join("signer-2.key.pem"),
        tmp.path().join("signer-1.key.pem"),
    )
    .expect("copy");
    let err = KeyDir::open(tmp.path()).expect_err("must fail");
    assert!(
        matches!(err, crate::Error::Trust(TrustError::KeyMismatch { .. })),
        "{err}"
    );
    std::fs::remove_file(tmp.path().join("signer-2.key.pem")).expect("rm");
    let err = KeyDir::open(tmp.path()).expect_err("must fail");
    assert!(err.to_string().contains("signer-"), "{err}");
}

#[test]
fn key_outside_window_does_not_sign() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kd = KeyDir::init(tmp.path(), init_opts(2)).expect("init");
    let s1 = &kd.signers()[0];
    let late = s1.cert().not_after() + 1;
    let err = s1.sign_at(late, b"msg").expect_err("must not sign");
    assert!(
        matches!(
            err,
            crate::Error::Trust(TrustError::SignerNotValidNow { now, .. }) if now == late
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("not_after 2026-12-31T00:00:00Z"),
        "{err}"
    );
    let sig = s1.sign_at(T0, b"msg").expect("in window");
    s1.trusted().key().verify(b"msg", &sig).expect("verifies");
    let never = T0 + 100 * 365 * DAY;
    assert!(matches!(
        kd.active_signer(never),
        Err(TrustError::NoSignerValidNow { count: 2, .. })
    ));
    assert!(matches!(
        kd.active_signer(T0 - 2 * DAY),
        Err(TrustError::NoSignerValidNow { .. })
    ));
}

#[test]
fn active_signer_prefers_newest_in_overlap() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kd = KeyDir::init(tmp.path(), init_opts(2)).expect("init");
    let (s1, s2) = (&kd.signers()[0], &kd.signers()[1]);
    assert_eq!(kd.active_signer(T0).expect("now").index(), 1);
    let overlap = s2.cert().not_before() + 1;
    assert!(s1.cert().is_valid_at(overlap));
    assert_eq!(kd.active_signer(overlap).expect("overlap").index(), 2);
    let after = s1.cert().not_after() + 1;
    assert_eq!(kd.active_signer(after).expect("after").index(), 2);
}

#[test]
fn retired_signer_still_in_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kd = KeyDir::init(tmp.path(), init_opts(2)).expect("init");
    let s1 = &kd.signers()[0];
    let after = s1.cert().not_after() + 1;
    assert_eq!(kd.active_signer(after).expect("s2").index(), 2);
    let store = kd.trust_store().expect("store");
    let hits = store.lookup(&s1.kid());
    assert_eq!(hits.len(), 1);
    assert!(!hits[0].is_valid_at(after));
    assert!(hits[0].is_valid_at(T0));
    let sig = s1.sign_at(T0, b"old").expect("sign while valid");
    hits[0].key().verify(b"old", &sig).expect("still verifies");
}

#[test]
fn uscc_check_character_is_mod_31() {
    check_uscc(USCC).expect("valid");
    check_uscc("91350100M000100Y43").expect("valid");
    assert!(check_uscc("91350100M000100Y4").is_err());
    assert!(check_uscc("91350100M000100Y4I").is_err());
    assert!(check_uscc("91350100M000100Y44").is_err());
    assert!(check_uscc("九1350100M000100Y4").is_err());
}

#[test]
fn time_helpers_round_trip() {
    assert_eq!(crate::time::rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(crate::time::rfc3339(T0), "2026-01-01T00:00:00Z");
    assert_eq!(crate::time::rfc3339(1_751_241_600), "2025-06-30T00:00:00Z");
    for t in [0, T0, 2_524_608_000 /* 2050 */, -1] {
        assert_eq!(asn1_to_unix(&unix_to_asn1(t).expect("t")), t);
    }
    assert!(unix_to_asn1(i64::MAX).is_err());
    assert!(crate::time::rfc3339(i64::MAX).starts_with('@'));
}

#[test]
fn pem_round_trip() {
    let (rk, r) = root(Algorithm::Es256, 1);
    let s = signer(&r, &rk, Algorithm::Es256, 2);
    assert_eq!(
        RootCert::from_pem_or_der(r.to_pem().as_bytes()).expect("pem"),
        r
    );
    assert_eq!(
        SignerCert::from_pem_or_der(s.to_pem().as_bytes()).expect("pem"),
        s
    );
    assert_eq!(SignerCert::from_pem_or_der(s.der()).expect("der"), s);
}

#[test]
fn add_signer_extends_an_opened_key_directory() {
    let tmp = tempfile::tempdir().expect("tmp");
    KeyDir::init(tmp.path(), init_opts(1)).expect("init");
    let mut kd = KeyDir::open(tmp.path()).expect("open");
    let nb = T0 + 200 * DAY;
    let s = kd
        .add_signer(Algorithm::Es256, nb, nb + 365 * DAY)
        .expect("add");
    assert_eq!(s.index(), 2);
    assert_eq!(s.cert().authority_uscc(), Some(USCC));
    assert_eq!(s.cert().authority_name(), Some(AUTHORITY));
    let cert = s.cert().clone();
    check_chain(&cert, kd.root()).expect("chains");
    let again = KeyDir::open(tmp.path()).expect("reopen");
    assert_eq!(again.signers().len(), 2);
    assert_eq!(again.active_signer(nb + 1).expect("active").index(), 2);
    let far = kd.root().not_after() + 1;
    assert!(kd.add_signer(Algorithm::EdDsa, nb, far).is_err());
}

#[test]
fn signer_cert_der_with_a_dash_byte_is_read_as_der() {
    let (rk, r) = root(Algorithm::EdDsa, 1);
    let sk = key(Algorithm::EdDsa, 2);
    let mut p = signer_params(0x2d2d_2d2d, T0, T0 + DAY);
    p.common_name = "---".into();
    let s = r
        .issue_signer(&rk, &sk.public_key_spki(), &p)
        .expect("signer");
    assert!(s.der().iter().take(64).any(|b| *b == b'-'));
    assert_eq!(SignerCert::from_pem_or_der(s.der()).expect("der"), s);
}

#[test]
fn ecdsa_signature_to_der_is_minimal() {
    use super::issue::ecdsa_raw_to_der;
    let mut raw = [0u8; 64];
    raw[31] = 1; // r = 1
    raw[32] = 0x80; // s has its top bit set
    let der = ecdsa_raw_to_der(&raw).expect("der");
    assert_eq!(&der[..5], &[0x30, 3 + 35, 0x02, 0x01, 0x01]);
    assert_eq!(&der[5..8], &[0x02, 0x21, 0x00]);
    assert_eq!(der.len(), 2 + 3 + 35);
    assert!(ecdsa_raw_to_der(&raw[..63]).is_none());
}

#[cfg(unix)]
#[test]
fn private_key_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pem");
    let (_, der) = RingSigner::generate(Algorithm::Es256).unwrap();
    write_private_key(&path, &der).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        read_private_key(&path).unwrap().algorithm(),
        Algorithm::Es256
    );
}
