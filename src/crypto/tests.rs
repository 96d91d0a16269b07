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
