#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use super::*;

#[test]
fn es256_sign_then_verify_round_trips() {
    let (signer, _) = RingSigner::generate(Algorithm::Es256).unwrap();
    let sig = signer.sign(b"msg").unwrap();
    assert_eq!(sig.len(), 64);
    let key = VerifyingKey::from_spki(&signer.public_key_spki()).unwrap();
    key.verify(b"msg", &sig).unwrap();
    assert!(matches!(
        key.verify(b"msh", &sig),
        Err(CryptoError::BadSignature)
    ));
}

#[test]
fn ed25519_sign_then_verify_round_trips() {
    let (signer, der) = RingSigner::generate(Algorithm::EdDsa).unwrap();
    let again = RingSigner::from_pkcs8_any(&der).unwrap();
    assert_eq!(again.algorithm(), Algorithm::EdDsa);
    let sig = again.sign(b"msg").unwrap();
    let key = VerifyingKey::from_spki(&signer.public_key_spki()).unwrap();
    key.verify(b"msg", &sig).unwrap();
}

#[test]
fn rejects_p256_key_of_wrong_length() {
    assert!(VerifyingKey::from_raw(Algorithm::Es256, &[4; 64]).is_err());
    assert!(VerifyingKey::from_raw(Algorithm::EdDsa, &[0; 31]).is_err());
}

#[test]
fn es256_signatures_are_issued_low_s() {
    let (signer, _) = RingSigner::generate(Algorithm::Es256).unwrap();
    let key = VerifyingKey::from_spki(&signer.public_key_spki()).unwrap();
    for i in 0..32u8 {
        let sig = signer.sign(&[i]).unwrap();
        assert!(p256_is_low_s(&sig));
        key.verify(&[i], &sig).unwrap();
        // The high-S twin still verifies under plain ECDSA.
        let mut high = sig.clone();
        let s = &mut high[32..64];
        let mut borrow = 0i16;
        for j in (0..32).rev() {
            let d = i16::from(P256_N[j]) - i16::from(s[j]) - borrow;
            borrow = i16::from(d < 0);
            s[j] = d.rem_euclid(256) as u8;
        }
        assert!(!p256_is_low_s(&high));
        key.verify(&[i], &high).unwrap();
        p256_normalize_s(&mut high);
        assert_eq!(high, sig);
    }
}
