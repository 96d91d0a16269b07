//! Tests of SM2/SM3, named like the rules they check. Standard vectors: GB/T 32905 (SM3) and
//! GB/T 32918.5 annex A / GM/T 0003.5 annex A (SM2 signature on sm2p256v1). Cross-checks run
//! against RustCrypto's `sm2::dsa` and `efficient-sm2`'s own signing and verifying API.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use super::*;
use crate::crypto::VerifyingKey;

fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len() % 2 == 0, "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn h32(s: &str) -> [u8; 32] {
    h(s).try_into().unwrap()
}

fn h64(s: &str) -> [u8; 64] {
    h(s).try_into().unwrap()
}

// GB/T 32918.5-2017 annex A (= GM/T 0003.5-2012 annex A): signature on sm2p256v1.
const STD_D: &str = "3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8";
const STD_PUB: &str = "04
    09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020
    CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13";
const STD_MSG: &[u8] = b"message digest";
const STD_K: &str = "59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21";
const STD_Z: &str = "B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3";
const STD_E: &str = "F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640";
const STD_SIG: &str = "
    F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3
    B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA";

/// The group order n of sm2p256v1.
const N: &str = "FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF 7203DF6B 21C6052B 53BBF409 39D54123";

fn std_key() -> Sm2VerifyingKey {
    Sm2VerifyingKey::from_sec1(&h(STD_PUB)).unwrap()
}

fn std_sig() -> [u8; 64] {
    h64(STD_SIG)
}

/// Z by the formula of GB/T 32918.2 §5.5, written out independently of `compute_z`.
fn z_by_formula(id: &[u8], point: &[u8]) -> [u8; 32] {
    let mut input = Vec::new();
    input.extend_from_slice(&u16::try_from(id.len() * 8).unwrap().to_be_bytes());
    input.extend_from_slice(id);
    input.extend_from_slice(&h(
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
    ));
    input.extend_from_slice(&h(
        "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
    ));
    input.extend_from_slice(&h(
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
    ));
    input.extend_from_slice(&h(
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
    ));
    input.extend_from_slice(&point[1..]);
    Sm3::digest(&input).into()
}

fn sub_mod_n_plus(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    // (a − b) mod 2²⁵⁶, enough to build n − r in the tests below (r < n).
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = u8::try_from(d).unwrap();
    }
    out
}

fn with_r_s(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

// --- SM3, GB/T 32905-2016 annex A ---

#[test]
fn sm3_of_abc_matches_gbt_32905_example_1() {
    let d: [u8; 32] = Sm3::digest(b"abc").into();
    assert_eq!(
        d,
        h32("66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0")
    );
}

#[test]
fn sm3_of_64_byte_message_matches_gbt_32905_example_2() {
    let msg = b"abcd".repeat(16);
    assert_eq!(msg.len(), 64);
    let d: [u8; 32] = Sm3::digest(&msg).into();
    assert_eq!(
        d,
        h32("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732")
    );
}

// --- GB/T 32918.5 annex A ---

#[test]
fn standard_z_matches_gbt_32918_5_example() {
    let key = std_key();
    assert_eq!(key.z(), &h32(STD_Z));
    assert_eq!(&z_by_formula(DEFAULT_ID, &h(STD_PUB)), key.z());
}

#[test]
fn standard_digest_e_matches_gbt_32918_5_example() {
    assert_eq!(digest(&h32(STD_Z), STD_MSG), h32(STD_E));
}

#[test]
fn standard_public_key_follows_from_standard_d() {
    let signer = Sm2Signer::from_secret_bytes(&h32(STD_D), DEFAULT_ID).unwrap();
    assert_eq!(signer.public_key_raw(), h(STD_PUB).as_slice());
    assert_eq!(signer.z(), &h32(STD_Z));
}

#[test]
fn standard_signature_verifies() {
    std_key().verify(STD_MSG, &std_sig()).unwrap();
    let vk = VerifyingKey::from_raw(Algorithm::Sm2, &h(STD_PUB)).unwrap();
    vk.verify(STD_MSG, &std_sig()).unwrap();
}

#[test]
fn signing_with_standard_k_reproduces_standard_r_s() {
    let signer = Sm2Signer::from_secret_bytes(&h32(STD_D), DEFAULT_ID).unwrap();
    let sig = signer.sign_digest_with_k(&h32(STD_E), &h32(STD_K)).unwrap();
    assert_eq!(sig, std_sig());
}

#[test]
fn standard_signature_fails_for_other_message_or_identifier() {
    let key = std_key();
    assert!(key.verify(b"message digesT", &std_sig()).is_err());
    let other_id = Sm2VerifyingKey::from_sec1_with_id(&h(STD_PUB), b"ALICE123@YAHOO.COM").unwrap();
    assert!(other_id.verify(STD_MSG, &std_sig()).is_err());
}

// --- range checks of GB/T 32918.2 §7.1 B1, B2, B5 ---

#[test]
fn rejects_r_zero() {
    let sig = std_sig();
    let bad = with_r_s(&[0; 32], &sig[32..].try_into().unwrap());
    assert!(matches!(
        std_key().verify(STD_MSG, &bad),
        Err(CryptoError::BadSignature)
    ));
}

#[test]
fn rejects_s_zero() {
    let sig = std_sig();
    let bad = with_r_s(&sig[..32].try_into().unwrap(), &[0; 32]);
    assert!(std_key().verify(STD_MSG, &bad).is_err());
}

#[test]
fn rejects_r_equal_n() {
    let sig = std_sig();
    let bad = with_r_s(&h32(N), &sig[32..].try_into().unwrap());
    assert!(std_key().verify(STD_MSG, &bad).is_err());
}

#[test]
fn rejects_s_equal_n() {
    let sig = std_sig();
    let bad = with_r_s(&sig[..32].try_into().unwrap(), &h32(N));
    assert!(std_key().verify(STD_MSG, &bad).is_err());
}

#[test]
fn rejects_s_above_n() {
    let sig = std_sig();
    let r: [u8; 32] = sig[..32].try_into().unwrap();
    assert!(std_key()
        .verify(STD_MSG, &with_r_s(&r, &[0xff; 32]))
        .is_err());
}

#[test]
fn rejects_r_plus_s_equal_n() {
    let sig = std_sig();
    let r: [u8; 32] = sig[..32].try_into().unwrap();
    let s = sub_mod_n_plus(&h32(N), &r);
    let bad = with_r_s(&r, &s);
    assert!(matches!(
        std_key().verify(STD_MSG, &bad),
        Err(CryptoError::BadSignature)
    ));
}

#[test]
fn rejects_wrong_length_signature() {
    let key = std_key();
    let sig = std_sig();
    assert!(key.verify(STD_MSG, &sig[..63]).is_err());
    assert!(key.verify(STD_MSG, &[&sig[..], &[0]].concat()).is_err());
    assert!(key.verify(STD_MSG, &[]).is_err());
    assert!(key.verify(STD_MSG, &signature_to_der(&sig)).is_err());
}

#[test]
fn rejects_any_flipped_signature_bit() {
    let key = std_key();
    for bit in 0..512 {
        let mut sig = std_sig();
        sig[bit / 8] ^= 1 << (bit % 8);
        assert!(key.verify(STD_MSG, &sig).is_err(), "bit {bit}");
    }
}

// --- public keys ---

#[test]
fn rejects_point_off_the_curve() {
    let mut raw = h(STD_PUB);
    raw[64] ^= 1;
    assert!(Sm2VerifyingKey::from_sec1(&raw).is_err());
    assert!(VerifyingKey::from_raw(Algorithm::Sm2, &raw).is_err());
}

#[test]
fn rejects_compressed_or_short_point() {
    let raw = h(STD_PUB);
    let mut compressed = vec![0x02 | (raw[64] & 1)];
    compressed.extend_from_slice(&raw[1..33]);
    assert!(Sm2VerifyingKey::from_sec1(&compressed).is_err());
    assert!(Sm2VerifyingKey::from_sec1(&raw[..64]).is_err());
    assert!(Sm2VerifyingKey::from_sec1(&[0u8; 65]).is_err());
    let mut wrong_tag = raw.clone();
    wrong_tag[0] = 0x06;
    assert!(Sm2VerifyingKey::from_sec1(&wrong_tag).is_err());
}

#[test]
fn rejects_identifier_longer_than_8191_bytes() {
    let raw = h(STD_PUB);
    assert!(Sm2VerifyingKey::from_sec1_with_id(&raw, &[b'a'; MAX_ID_LEN]).is_ok());
    assert!(Sm2VerifyingKey::from_sec1_with_id(&raw, &[b'a'; MAX_ID_LEN + 1]).is_err());
}

#[test]
fn rejects_secret_scalar_n_minus_1_and_zero() {
    let mut n_minus_1 = h32(N);
    n_minus_1[31] -= 1;
    assert!(Sm2Signer::from_secret_bytes(&n_minus_1, DEFAULT_ID).is_err());
    assert!(Sm2Signer::from_secret_bytes(&[0; 32], DEFAULT_ID).is_err());
    assert!(Sm2Signer::from_secret_bytes(&h32(N), DEFAULT_ID).is_err());
}

// --- Z is computed once, when a key is loaded ---

#[test]
fn stored_z_equals_formula_for_signer_and_verifying_key() {
    let (signer, _) = Sm2Signer::generate().unwrap();
    let want = z_by_formula(DEFAULT_ID, signer.public_key_raw());
    assert_eq!(signer.z(), &want);
    assert_eq!(signer.verifying_key().unwrap().z(), &want);
    let vk = VerifyingKey::from_spki(&signer.public_key_spki()).unwrap();
    assert_eq!(vk.sm2().unwrap().z(), &want);

    let id = b"certseal-issuer@example.cn";
    let vk = VerifyingKey::sm2_with_id(signer.public_key_raw(), id).unwrap();
    assert_eq!(
        vk.sm2().unwrap().z(),
        &z_by_formula(id, signer.public_key_raw())
    );
}

// --- keys, encodings, algorithm identity ---

#[test]
fn sign_then_verify_round_trips_through_spki_and_pkcs8() {
    let (signer, pkcs8) = Sm2Signer::generate().unwrap();
    let again = Sm2Signer::from_pkcs8(&pkcs8).unwrap();
    assert_eq!(again.public_key_raw(), signer.public_key_raw());
    assert_eq!(again.algorithm(), Algorithm::Sm2);
    let sig = again.sign(b"msg").unwrap();
    assert_eq!(sig.len(), SIGNATURE_LEN);
    let key = VerifyingKey::from_spki(&signer.public_key_spki()).unwrap();
    assert_eq!(key.algorithm(), Algorithm::Sm2);
    assert_eq!(key.raw(), signer.public_key_raw());
    key.verify(b"msg", &sig).unwrap();
    assert!(matches!(
        key.verify(b"msh", &sig),
        Err(CryptoError::BadSignature)
    ));
}

#[test]
fn pkcs8_and_spki_name_id_ec_public_key_and_sm2p256v1() {
    use x509_parser::prelude::FromDer;
    let (signer, pkcs8) = Sm2Signer::generate().unwrap();
    let id_ec_public_key = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let curve = [&[0x06, 0x08][..], OID_SM2P256V1].concat();
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(contains(&pkcs8, &id_ec_public_key));
    assert!(contains(&pkcs8, &curve));

    let spki_der = signer.public_key_spki();
    let (rest, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki_der).unwrap();
    assert!(rest.is_empty());
    assert_eq!(spki.algorithm.algorithm.to_id_string(), "1.2.840.10045.2.1");
    let params = spki
        .algorithm
        .parameters
        .as_ref()
        .unwrap()
        .as_oid()
        .unwrap();
    assert_eq!(params.to_id_string(), "1.2.156.10197.1.301");
    assert_eq!(
        spki.subject_public_key.data.as_ref(),
        signer.public_key_raw()
    );
}

#[test]
fn rejects_p256_pkcs8_as_sm2_and_sm2_in_ring_signer() {
    let (_, p256) = crate::crypto::RingSigner::generate(Algorithm::Es256).unwrap();
    assert!(Sm2Signer::from_pkcs8(&p256).is_err());
    let (_, sm2) = Sm2Signer::generate().unwrap();
    assert!(crate::crypto::RingSigner::generate(Algorithm::Sm2).is_err());
    assert!(crate::crypto::RingSigner::from_pkcs8(Algorithm::Sm2, &sm2).is_err());
    assert!(crate::crypto::RingSigner::from_pkcs8_any(&sm2).is_err());
}

#[test]
fn algorithm_sm2_has_private_use_cose_value_and_name() {
    const { assert!(COSE_ALG_SM2_SM3 < -65536) };
    assert_eq!(Algorithm::Sm2.cose_value(), COSE_ALG_SM2_SM3);
    assert_eq!(Algorithm::from_cose(-65538), Some(Algorithm::Sm2));
    assert_eq!(Algorithm::Sm2.name(), "SM2");
    assert_eq!(Algorithm::Sm2.to_string(), "SM2");
    assert_eq!(Algorithm::from_name("sm2"), Some(Algorithm::Sm2));
    assert_eq!(Algorithm::from_name("SM2-SM3"), Some(Algorithm::Sm2));
    assert!(Algorithm::ALL.contains(&Algorithm::Sm2));
}

#[test]
fn p256_key_does_not_verify_sm2_signature() {
    // Same 65-byte shape, other curve: the SPKI curve OID decides, never the length.
    let (signer, _) = Sm2Signer::generate().unwrap();
    let sig = signer.sign(b"m").unwrap();
    let as_p256 = VerifyingKey::from_raw(Algorithm::Es256, signer.public_key_raw()).unwrap();
    assert!(as_p256.verify(b"m", &sig).is_err());
}

// --- DER form of signatures (X.509) ---

#[test]
fn der_signature_round_trips_with_padding_and_trimming() {
    let mut sig = std_sig(); // r and s both have the top bit set: 33-byte INTEGERs
    let der = signature_to_der(&sig);
    assert_eq!(der.len(), 2 + 2 * (2 + 33));
    assert_eq!(signature_from_der(&der).unwrap(), sig);
    sig[..3].fill(0); // r with leading zeros, top bit clear after them
    sig[3] = 0x01;
    let der = signature_to_der(&sig);
    assert_eq!(der[3], 29);
    assert_eq!(signature_from_der(&der).unwrap(), sig);
}

#[test]
fn rejects_non_minimal_or_negative_der_integers() {
    let sig = std_sig();
    let der = signature_to_der(&sig);
    // Drop the 0x00 pad of r: now negative.
    let mut negative = vec![0x30, der[1] - 1, 0x02, 0x20];
    negative.extend_from_slice(&der[5..]);
    assert!(signature_from_der(&negative).is_err());
    // An extra leading zero before a byte whose top bit is clear.
    let small = signature_to_der(&with_r_s(&[1; 32], &[1; 32]));
    let mut padded = vec![0x30, small[1] + 1, 0x02, 0x21, 0x00];
    padded.extend_from_slice(&small[4..]);
    assert!(signature_from_der(&padded).is_err());
    // Trailing bytes, truncation.
    assert!(signature_from_der(&[&der[..], &[0]].concat()).is_err());
    assert!(signature_from_der(&der[..der.len() - 1]).is_err());
    assert!(signature_from_der(&[]).is_err());
}

// --- cross-implementation checks ---

fn rc_signing_key(signer_d: &[u8; 32], id: &str) -> ::sm2::dsa::SigningKey {
    ::sm2::dsa::SigningKey::from_slice(id, signer_d).unwrap()
}

#[test]
fn signatures_equal_rustcrypto_signing_key_bytes() {
    use ::sm2::dsa::signature::Signer as _;
    let d = h32(STD_D);
    for id in ["1234567812345678", "certseal@example.cn"] {
        let ours = Sm2Signer::from_secret_bytes(&d, id.as_bytes()).unwrap();
        let theirs = rc_signing_key(&d, id);
        for msg in [&b""[..], b"abc", &[7u8; 1000][..]] {
            let a = ours.sign_raw(msg).unwrap();
            let b: ::sm2::dsa::Signature = theirs.sign(msg);
            assert_eq!(a[..], b.to_bytes()[..], "id {id}, msg len {}", msg.len());
        }
    }
}

#[test]
fn signatures_verify_with_rustcrypto_and_efficient_sm2() {
    use ::sm2::dsa::signature::Verifier as _;
    for i in 0..20u8 {
        let (signer, _) = Sm2Signer::generate().unwrap();
        let msg = vec![i; usize::from(i) * 13];
        let sig = signer.sign_raw(&msg).unwrap();

        let rc_key =
            ::sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", signer.public_key_raw())
                .unwrap();
        let rc_sig = ::sm2::dsa::Signature::from_slice(&sig).unwrap();
        rc_key.verify(&msg, &rc_sig).unwrap();

        // efficient-sm2's own API computes Z itself (through libsm) with the default ID.
        let e_key = efficient_sm2::PublicKey::from_slice(&signer.public_key_raw()[1..]);
        let e_sig = efficient_sm2::Signature::new(&sig[..32], &sig[32..]).unwrap();
        e_sig.verify(&e_key, &msg).unwrap();
    }
}

#[test]
fn rustcrypto_and_efficient_sm2_signatures_verify_here() {
    use ::sm2::dsa::signature::Signer as _;
    for i in 0..20u8 {
        let (signer, _) = Sm2Signer::generate().unwrap();
        let d: [u8; 32] = signer.secret.d.to_repr().into();
        let key = VerifyingKey::from_spki(&signer.public_key_spki()).unwrap();
        let msg = vec![i; usize::from(i) * 17 + 1];

        let rc: ::sm2::dsa::Signature = rc_signing_key(&d, "1234567812345678").sign(&msg);
        key.verify(&msg, &rc.to_bytes()).unwrap();

        let pair = efficient_sm2::KeyPair::new(&d).unwrap();
        let e_sig = pair.sign(&msg).unwrap();
        let raw = [e_sig.r(), e_sig.s()].concat();
        key.verify(&msg, &raw).unwrap();
        assert!(key.verify(&[&msg[..], b"x"].concat(), &raw).is_err());
    }
}

#[test]
fn verification_agrees_with_rustcrypto_on_mutated_signatures() {
    use ::sm2::dsa::signature::Verifier as _;
    let (signer, _) = Sm2Signer::generate().unwrap();
    let ours = signer.verifying_key().unwrap();
    let theirs =
        ::sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", signer.public_key_raw())
            .unwrap();
    let msg = b"differential";
    let good = signer.sign_raw(msg).unwrap();
    let n = h32(N);
    let mut cases: Vec<[u8; 64]> = vec![good];
    for i in 0..64 {
        let mut s = good;
        s[i] = s[i].wrapping_add(1);
        cases.push(s);
    }
    cases.push(with_r_s(&n, &good[32..].try_into().unwrap()));
    cases.push(with_r_s(&good[..32].try_into().unwrap(), &n));
    cases.push(with_r_s(
        &good[..32].try_into().unwrap(),
        &sub_mod_n_plus(&n, &good[..32].try_into().unwrap()),
    ));
    for (i, sig) in cases.iter().enumerate() {
        let a = ours.verify(msg, sig).is_ok();
        let b = ::sm2::dsa::Signature::from_slice(sig)
            .map(|s| theirs.verify(msg, &s).is_ok())
            .unwrap_or(false);
        assert_eq!(a, b, "case {i}");
        assert_eq!(a, i == 0, "case {i}");
    }
}

/// Made with OpenSSL 3.0.19: `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
/// distid:1234567812345678` over "hello openssl", with a key certseal generated.
#[test]
fn openssl_signature_verifies() {
    let key = VerifyingKey::from_raw(
        Algorithm::Sm2,
        &h(
            "042b558c3f706ee915fa8c671da067caee95da9c45a2783c696109d99576dc7453
            a0952217ffd561388974cd648e82b4eee49bde418555de80c734ee380324a122",
        ),
    )
    .unwrap();
    let der = h(
        "30450221009887266e5bbab554d0be8e770483e2b7ab90df7b1c522331ce1f2f025ab35075
                 0220169335dd05c0ca7729868b14d6367f8f4e3652cfd934a3bbd6653c678ca4326b",
    );
    let raw = signature_from_der(&der).unwrap();
    key.verify(b"hello openssl", &raw).unwrap();
    assert!(key.verify(b"hello opensSl", &raw).is_err());
    assert_eq!(signature_to_der(&raw), der);
}

#[test]
fn generic_signer_helpers_load_sm2_keys() {
    let (signer, der) = crate::crypto::generate_signer(Algorithm::Sm2).unwrap();
    assert_eq!(signer.algorithm(), Algorithm::Sm2);
    let again = crate::crypto::signer_from_pkcs8(&der).unwrap();
    assert_eq!(again.algorithm(), Algorithm::Sm2);
    assert_eq!(again.public_key_spki(), signer.public_key_spki());
    let key = VerifyingKey::from_spki(&again.public_key_spki()).unwrap();
    key.verify(b"m", &again.sign(b"m").unwrap()).unwrap();
    let (p256, der) = crate::crypto::generate_signer(Algorithm::Es256).unwrap();
    assert_eq!(p256.algorithm(), Algorithm::Es256);
    assert_eq!(
        crate::crypto::signer_from_pkcs8(&der).unwrap().algorithm(),
        Algorithm::Es256
    );
    assert!(crate::crypto::signer_from_pkcs8(b"junk").is_err());
}

/// A fixed-seed xorshift stream, enough to throw arbitrary bytes at the parsers.
fn xorshift_bytes(state: &mut u64, out: &mut [u8]) {
    for b in out {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *b = state.to_le_bytes()[0];
    }
}

#[test]
fn refuses_arbitrary_signatures_and_keys_without_panicking() {
    let key = std_key();
    let mut state = 0x5eed_5eed_5eed_5eed_u64;
    for len in [0usize, 1, 32, 63, 64, 65, 72] {
        for _ in 0..60 {
            let mut sig = vec![0u8; len];
            xorshift_bytes(&mut state, &mut sig);
            assert!(key.verify(STD_MSG, &sig).is_err());
        }
    }
    for _ in 0..200 {
        let mut raw = [0u8; 65];
        xorshift_bytes(&mut state, &mut raw);
        raw[0] = 0x04;
        // A random (x, y) is on the curve with negligible probability.
        assert!(Sm2VerifyingKey::from_sec1(&raw).is_err());
    }
}
