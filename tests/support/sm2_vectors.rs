//! `sm2.txt` (feature `sm2`): an SM2 root, an SM2 and an ES256 document signer under it, the
//! SM2-signed trust list over both, and payloads signed by each. Deterministic: SM2 keys from
//! fixed secrets (`Sm2Signer::from_secret_bytes`, default ID), SM2 and ES256 signatures with
//! RFC 6979 nonces, fixed serials and times.

use certseal::claims::payload::PREFIX;
use certseal::codec::{base45, hex};
use certseal::crypto::sm2::{Sm2Signer, DEFAULT_ID};
use certseal::crypto::Signer;
use certseal::issue::Issuer;
use certseal::model;
use certseal::trust::{sign_trust_list, RootCert, RootParams, SignerCert, SignerParams};
use certseal::verify::Verifier;
use certseal::FixedClock;

use super::{
    seed, File, P256Signer, AUTHORITY_NAME, AUTHORITY_USCC, DAY, GENERATED, IAT, NOW, SAMPLES, V,
};

/// 2026-01-01T00:00:00Z.
const Y2026: i64 = 1_767_225_600;
/// 2028-01-01T00:00:00Z.
const Y2028: i64 = 1_830_297_600;
/// 2036-01-01T00:00:00Z.
const Y2036: i64 = 2_082_758_400;

/// A signer of the file: name, algorithm name, secret, key, certificate serial.
type SignerSpec<'a> = (&'static str, &'static str, [u8; 32], &'a dyn Signer, u64);

/// The SM2 secret scalar of a label: SHA-256("certseal test vector " ‖ label).
pub fn sm2_secret(label: &str) -> [u8; 32] {
    seed(label)
}

pub fn generate() -> File {
    let mut f = File::header(&[
        "certseal SM2 vectors (specs/sm2.md), feature `sm2`: an SM2 root, an SM2 and an ES256",
        "document signer under it, the SM2-signed trust list over both, and QR payloads.",
        GENERATED,
        "",
        "`Secret` is the private key (SM2 scalar d, or P-256 scalar), published because these",
        "are test keys: SHA-256(\"certseal test vector \" + label). SM2 uses the default",
        "distinguishing ID 1234567812345678. `Kid` is SHA-256(Certificate)[0..8]. Payloads are",
        "verified against the trust list at `At`; `Result` is `valid` or the `Reason::code()`.",
    ]);
    let root_secret = sm2_secret("sm2 root");
    let root_key = Sm2Signer::from_secret_bytes(&root_secret, DEFAULT_ID).expect("root key");
    let root = RootCert::issue(
        &root_key,
        &RootParams {
            common_name: "certseal test vector SM2 root".into(),
            authority_name: AUTHORITY_NAME.into(),
            authority_uscc: Some(AUTHORITY_USCC.into()),
            serial: 0x5301,
            not_before: Y2026,
            not_after: Y2036 - 1,
        },
    )
    .expect("SM2 root");
    f.comment("The root (SM2, self-signed, SM2-with-SM3).");
    f.record(&[
        ("Name", V::Str("sm2 root".into())),
        ("Role", V::Word("root")),
        ("Alg", V::Word("SM2")),
        ("Secret", V::Hex(root_secret.to_vec())),
        ("Certificate", V::Hex(root.der().to_vec())),
        ("Kid", V::Hex(root.kid().to_vec())),
        ("Subject", V::Str(root.subject().to_owned())),
    ]);

    let sm2_secret_bytes = sm2_secret("sm2 signer");
    let sm2_key = Sm2Signer::from_secret_bytes(&sm2_secret_bytes, DEFAULT_ID).expect("SM2 key");
    let es_secret = seed("sm2 es256 signer");
    let es_key = P256Signer::from_scalar(&es_secret);
    let signers: [SignerSpec<'_>; 2] = [
        ("sm2 signer", "SM2", sm2_secret_bytes, &sm2_key, 0x5302),
        ("es256 signer", "ES256", es_secret, &es_key, 0x5303),
    ];
    let mut certs: Vec<SignerCert> = Vec::new();
    for (name, alg, secret, key, serial) in signers {
        let cert = root
            .issue_signer(
                &root_key,
                &key.public_key_spki(),
                &SignerParams {
                    common_name: format!("certseal test vector {name}"),
                    authority_name: AUTHORITY_NAME.into(),
                    authority_uscc: AUTHORITY_USCC.into(),
                    serial,
                    not_before: Y2026,
                    not_after: Y2028 - 1,
                },
            )
            .expect("signer");
        f.comment(&format!("Document signer {name}, signed by the SM2 root."));
        f.record(&[
            ("Name", V::Str(name.into())),
            ("Role", V::Word("signer")),
            ("Alg", V::Word(alg)),
            ("Secret", V::Hex(secret.to_vec())),
            ("Certificate", V::Hex(cert.der().to_vec())),
            ("Kid", V::Hex(cert.kid().to_vec())),
            ("Subject", V::Str(cert.subject().to_owned())),
            ("AuthorityUscc", V::Str(AUTHORITY_USCC.into())),
        ]);
        certs.push(cert);
    }

    let list = sign_trust_list(&root, &root_key, &certs, NOW, NOW + 7 * DAY).expect("list");
    let kids: Vec<String> = certs.iter().map(|c| hex::encode(&c.kid())).collect();
    f.comment("The SM2-signed trust list over both signers (algorithms mixed).");
    f.record(&[
        ("Name", V::Str("trust list".into())),
        ("Role", V::Word("list")),
        ("TrustList", V::Hex(list)),
        ("IssuedAt", V::Int(NOW)),
        ("NextUpdate", V::Int(NOW + 7 * DAY)),
        ("Kids", V::Str(kids.join(" "))),
    ]);

    let store = certseal::trust::TrustStore::from_signer_certs(&root, &certs).expect("store");
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
    let batch = model::parse_json(SAMPLES).expect("samples");
    f.comment("Valid payloads: the sample records, issued by each signer.");
    f.out.push('\n');
    let mut first_sm2 = None;
    for ((_, alg, _, key, _), cert) in signers.iter().zip(&certs) {
        let issuer = Issuer::new(*key, cert).expect("issuer");
        for (_, record) in &batch.accepted {
            let qr = issuer.issue(record, None, IAT).expect("issue").qr;
            let verdict = verifier.verify_at(&qr, NOW);
            assert_eq!(verdict.result, Ok(()), "{qr}");
            f.record(&[
                ("Payload", V::Str(qr.clone())),
                ("At", V::Int(NOW)),
                ("Result", V::Word("valid")),
                ("Alg", V::Word(alg)),
                ("Kid", V::Hex(cert.kid().to_vec())),
            ]);
            if *alg == "SM2" && first_sm2.is_none() {
                first_sm2 = Some((qr, cert.kid()));
            }
        }
    }

    f.comment("An SM2 payload with the last signature byte changed: refused at the signature.");
    let (qr, kid) = first_sm2.expect("an SM2 payload");
    let mut cose = base45::decode(qr.strip_prefix(PREFIX).expect("prefix")).expect("base45");
    if let Some(last) = cose.last_mut() {
        *last ^= 1;
    }
    let forged = format!("{PREFIX}{}", base45::encode(&cose));
    let verdict = verifier.verify_at(&forged, NOW);
    let reason = verdict.result.expect_err("forged payload refused");
    assert_eq!(reason.code(), "signature");
    f.record(&[
        ("Payload", V::Str(forged)),
        ("At", V::Int(NOW)),
        ("Result", V::Word("signature")),
        ("Alg", V::Word("SM2")),
        ("Kid", V::Hex(kid.to_vec())),
    ]);
    f
}
