//! Minimal SM2 X.509 v3 certificates: certseal writes the DER itself, because `rcgen` has no
//! SM2-with-SM3 signature algorithm. This module owns the TBSCertificate encoding, its SM2
//! signature and the check of an SM2 certificate signature; chains, validity and trust
//! decisions belong to `trust`.
//!
//! A certificate made here carries: version v3, a positive serial number, signature algorithm
//! SM2-with-SM3 (1.2.156.10197.1.501, no parameters), a subject name of C / O /
//! organizationIdentifier / CN (the issuer's name copied byte for byte from its certificate),
//! a validity period (UTCTime up to 2049, GeneralizedTime after, as RFC 5280 asks), the
//! subject's SubjectPublicKeyInfo (SM2: id-ecPublicKey + sm2p256v1; P-256 or Ed25519 under an
//! SM2 root), and the extensions rcgen writes for certseal's other certificates:
//! authorityKeyIdentifier (document signers), keyUsage (critical; keyCertSign + cRLSign for a
//! CA, digitalSignature otherwise), subjectKeyIdentifier, basicConstraints (critical).
//! The signature is DER `SEQUENCE { r, s }` over the TBSCertificate bytes, made with the
//! signer's distinguishing identifier (the default `1234567812345678`, as GM/T 0015 uses).

use super::TrustError;
use crate::crypto::sm2::{
    signature_from_der, signature_to_der, Sm2VerifyingKey, OID_SM2_WITH_SM3, SIGNATURE_LEN,
};
use crate::crypto::{spki_from_raw, Algorithm, CryptoError, Signer, VerifyingKey};

/// A distinguished name: country, organisation, organisation identifier, common name, in that
/// order, one attribute per RDN — the attributes and string types of certseal's rcgen-made
/// certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sm2Name {
    /// Country (C), two letters, e.g. `CN`; PrintableString.
    pub country: Option<String>,
    /// Organisation (O); UTF8String.
    pub organization: Option<String>,
    /// organizationIdentifier (2.5.4.97), e.g. a unified social credit code; PrintableString.
    pub organization_identifier: Option<String>,
    /// Common name (CN); UTF8String.
    pub common_name: String,
}

impl Sm2Name {
    /// The DER `Name` (a SEQUENCE of one-attribute RDNs).
    pub fn to_der(&self) -> Result<Vec<u8>, TrustError> {
        name(self)
    }
}

/// What goes into an SM2-signed certificate.
#[derive(Clone, Debug)]
pub struct Sm2CertificateParams {
    /// Serial number, big-endian, 1 to 20 bytes, not all zero (RFC 5280 §4.1.2.2).
    pub serial: Vec<u8>,
    /// The issuer's name as DER, copied byte for byte from the issuer certificate's subject;
    /// `None` for a self-signed certificate (issuer = subject).
    pub issuer: Option<Vec<u8>>,
    /// The subject's name.
    pub subject: Sm2Name,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// A CA certificate (root or intermediate) rather than a document signer.
    pub is_ca: bool,
    /// For a CA: the basicConstraints path length limit, if any.
    pub path_len: Option<u8>,
    /// The subject's public key, a DER SubjectPublicKeyInfo: SM2, or P-256 / Ed25519 under an
    /// SM2 root. Checked before it goes into the certificate.
    pub subject_spki: Vec<u8>,
    /// The authorityKeyIdentifier keyIdentifier (the issuer's subjectKeyIdentifier, see
    /// [`key_identifier`]); `None` writes no authorityKeyIdentifier (a self-signed root).
    pub authority_key_id: Option<Vec<u8>>,
    /// The extendedKeyUsage extension value (DER `SEQUENCE OF OBJECT IDENTIFIER`), written
    /// non-critical after basicConstraints; `None` writes none.
    pub extended_key_usage: Option<Vec<u8>>,
}

/// A key identifier the way rcgen derives one: the first 20 bytes of SHA-256 over the whole
/// DER SubjectPublicKeyInfo (RFC 7093 §2 method 1 applied to the SPKI).
pub fn key_identifier(spki_der: &[u8]) -> Vec<u8> {
    let d = ring::digest::digest(&ring::digest::SHA256, spki_der);
    d.as_ref().iter().take(20).copied().collect()
}

/// The DER TBSCertificate for `params`, with signature algorithm SM2-with-SM3.
pub fn tbs_certificate_der(params: &Sm2CertificateParams) -> Result<Vec<u8>, TrustError> {
    let serial = positive_integer(&params.serial).ok_or_else(|| TrustError::BadParameter {
        field: "serial",
        reason: format!(
            "got {} bytes{}, expected 1 to 20 bytes, not zero",
            params.serial.len(),
            if params.serial.iter().all(|b| *b == 0) {
                ", all zero"
            } else {
                ""
            }
        ),
    })?;
    // Checks the key (an SM2 point on the curve, or a P-256 / Ed25519 key) before it goes
    // into a certificate, and writes the SPKI in certseal's canonical form.
    let key = VerifyingKey::from_spki(&params.subject_spki).map_err(|source| {
        TrustError::UnsupportedKey {
            what: "subject public key",
            subject: params.subject.common_name.clone(),
            source,
        }
    })?;
    let spki = spki_from_raw(key.algorithm(), key.raw());
    if params.not_after < params.not_before {
        return Err(TrustError::EmptyWindow {
            what: "sm2 certificate",
            subject: params.subject.common_name.clone(),
            not_before: params.not_before,
            not_after: params.not_after,
        });
    }
    let validity = tlv(
        0x30,
        &[time(params.not_before)?, time(params.not_after)?].concat(),
    );
    let subject = name(&params.subject)?;
    let issuer = match &params.issuer {
        None => subject.clone(),
        Some(der) => {
            use x509_parser::prelude::FromDer;
            match x509_parser::x509::X509Name::from_der(der) {
                Ok(([], _)) => der.clone(),
                _ => {
                    return Err(TrustError::BadParameter {
                        field: "issuer",
                        reason: format!("{} bytes that are not a DER Name", der.len()),
                    })
                }
            }
        }
    };
    let mut body = Vec::new();
    body.extend(tlv(0xa0, &tlv(0x02, &[2]))); // version v3
    body.extend(tlv(0x02, &serial));
    body.extend(sm2_with_sm3_algorithm_identifier());
    body.extend(issuer);
    body.extend(validity);
    body.extend(subject);
    body.extend_from_slice(&spki);
    body.extend(tlv(0xa3, &tlv(0x30, &extensions(params, &spki))));
    Ok(tlv(0x30, &body))
}

/// A whole certificate: `params` signed by `issuer`, an SM2 key (whose own certificate, or
/// itself for a root, names `params.issuer`). Any [`Signer`] of algorithm SM2 works, so a
/// hardware key plugs in here too.
pub fn sign_certificate(
    params: &Sm2CertificateParams,
    issuer: &dyn Signer,
) -> Result<Vec<u8>, TrustError> {
    let signing = |source| TrustError::Key {
        what: "sm2 certificate issuer key",
        source,
    };
    if issuer.algorithm() != Algorithm::Sm2 {
        return Err(signing(CryptoError::AlgorithmMismatch {
            got: issuer.algorithm(),
            expected: Algorithm::Sm2,
        }));
    }
    let tbs = tbs_certificate_der(params)?;
    let raw: [u8; SIGNATURE_LEN] = issuer
        .sign(&tbs)
        .map_err(signing)?
        .as_slice()
        .try_into()
        .map_err(|_| signing(CryptoError::SigningFailed))?;
    let sig = signature_to_der(&raw);
    let mut bit_string = Vec::with_capacity(sig.len() + 1);
    bit_string.push(0); // no unused bits
    bit_string.extend_from_slice(&sig);
    let mut body = tbs;
    body.extend(sm2_with_sm3_algorithm_identifier());
    body.extend(tlv(0x03, &bit_string));
    Ok(tlv(0x30, &body))
}

/// Checks the SM2-with-SM3 signature of a parsed certificate with its issuer's key.
///
/// The signature is checked over the TBSCertificate bytes as they were received.
pub fn verify_certificate_signature(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    issuer: &Sm2VerifyingKey,
) -> Result<(), CryptoError> {
    let alg = &cert.signature_algorithm;
    if alg.algorithm.as_bytes() != OID_SM2_WITH_SM3 || cert.tbs_certificate.signature != *alg {
        return Err(CryptoError::BadSignature);
    }
    if cert.signature_value.unused_bits != 0 {
        return Err(CryptoError::BadSignature);
    }
    let raw = signature_from_der(&cert.signature_value.data)?;
    issuer.verify(cert.tbs_certificate.as_ref(), &raw)
}

/// AlgorithmIdentifier { SM2-with-SM3 } with parameters absent.
fn sm2_with_sm3_algorithm_identifier() -> Vec<u8> {
    tlv(0x30, &tlv(0x06, OID_SM2_WITH_SM3))
}

/// The extensions, in the order rcgen writes them: authorityKeyIdentifier (if given),
/// keyUsage (critical), subjectKeyIdentifier, basicConstraints (critical).
fn extensions(params: &Sm2CertificateParams, spki: &[u8]) -> Vec<u8> {
    const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];
    const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x0e];
    const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    const EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    let basic = if params.is_ca {
        let mut b = tlv(0x01, &[0xff]); // cA TRUE
        if let Some(n) = params.path_len {
            b.extend(tlv(
                0x02,
                &positive_integer(&[n]).unwrap_or_else(|| vec![0]),
            ));
        }
        tlv(0x30, &b)
    } else {
        tlv(0x30, &[]) // cA FALSE is the DEFAULT, so omitted
    };
    // KeyUsage BIT STRING: bit 0 digitalSignature; bits 5 keyCertSign, 6 cRLSign.
    let key_usage = if params.is_ca {
        tlv(0x03, &[0x01, 0x06]) // 0000 0110, last bit unused
    } else {
        tlv(0x03, &[0x07, 0x80]) // 1000 0000, 7 unused bits
    };
    let ext = |oid: &[u8], critical: bool, value: &[u8]| {
        let mut body = tlv(0x06, oid);
        if critical {
            body.extend(tlv(0x01, &[0xff]));
        }
        body.extend(tlv(0x04, value));
        tlv(0x30, &body)
    };
    let mut out = Vec::new();
    if let Some(aki) = &params.authority_key_id {
        // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
        out.extend(ext(
            AUTHORITY_KEY_IDENTIFIER,
            false,
            &tlv(0x30, &tlv(0x80, aki)),
        ));
    }
    out.extend(ext(KEY_USAGE, true, &key_usage));
    out.extend(ext(
        SUBJECT_KEY_IDENTIFIER,
        false,
        &tlv(0x04, &key_identifier(spki)),
    ));
    out.extend(ext(BASIC_CONSTRAINTS, true, &basic));
    if let Some(eku) = &params.extended_key_usage {
        out.extend(ext(EXTENDED_KEY_USAGE, false, eku));
    }
    out
}

/// The characters of an ASN.1 PrintableString.
fn is_printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

fn name(n: &Sm2Name) -> Result<Vec<u8>, TrustError> {
    const C: &[u8] = &[0x55, 0x04, 0x06];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const ORG_ID: &[u8] = &[0x55, 0x04, 0x61];
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    let rdn = |oid: &[u8], tag: u8, value: &str| {
        tlv(
            0x31,
            &tlv(0x30, &[tlv(0x06, oid), tlv(tag, value.as_bytes())].concat()),
        )
    };
    let printable = |field: &'static str, value: &str| {
        if is_printable(value) {
            Ok(())
        } else {
            Err(TrustError::BadParameter {
                field,
                reason: format!("{value:?} has characters outside PrintableString"),
            })
        }
    };
    let mut body = Vec::new();
    if let Some(c) = &n.country {
        printable("country", c)?;
        body.extend(rdn(C, 0x13, c));
    }
    if let Some(o) = &n.organization {
        body.extend(rdn(O, 0x0c, o));
    }
    if let Some(id) = &n.organization_identifier {
        printable("organizationIdentifier", id)?;
        body.extend(rdn(ORG_ID, 0x13, id));
    }
    body.extend(rdn(CN, 0x0c, &n.common_name));
    Ok(tlv(0x30, &body))
}

/// UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5), always in UTC.
fn time(unix: i64) -> Result<Vec<u8>, TrustError> {
    let days = unix.div_euclid(crate::time::DAY);
    let secs = unix.rem_euclid(crate::time::DAY);
    let (y, m, d) = crate::time::civil_from_days(days)
        .filter(|(y, _, _)| (0..=9999).contains(y))
        .ok_or(TrustError::TimeOutOfRange { secs: unix })?;
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    Ok(if (1950..2050).contains(&y) {
        let s = format!("{:02}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z", y % 100);
        tlv(0x17, s.as_bytes())
    } else {
        let s = format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z");
        tlv(0x18, s.as_bytes())
    })
}

/// The minimal DER INTEGER contents of a positive big-endian number of 1 to 20 bytes.
fn positive_integer(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let start = bytes.iter().position(|b| *b != 0)?;
    let digits = bytes.get(start..)?;
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    Some(out)
}

/// One DER TLV with a definite length (short or long form).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    if let Ok(short @ 0..=0x7f) = u8::try_from(len) {
        out.push(short);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        let digits = be.get(skip..).unwrap_or(&[]);
        // At most size_of::<usize>() bytes: fits the 7-bit count.
        out.push(0x80 | u8::try_from(digits.len()).unwrap_or(0));
        out.extend_from_slice(digits);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;
    use crate::crypto::sm2::Sm2Signer;
    use x509_parser::prelude::*;

    const NOW: i64 = 1_764_115_200; // 2025-11-26T00:00:00Z

    fn name(cn: &str) -> Sm2Name {
        Sm2Name {
            country: Some("CN".into()),
            organization: Some("certseal test".into()),
            organization_identifier: Some("12100000400010398P".into()),
            common_name: cn.into(),
        }
    }

    fn root_params(root: &Sm2Signer) -> Sm2CertificateParams {
        Sm2CertificateParams {
            serial: vec![0x81, 0x02],
            issuer: None,
            subject: name("certseal SM2 root"),
            not_before: NOW,
            not_after: NOW + 20 * 365 * 86_400, // into GeneralizedTime territory
            is_ca: true,
            path_len: Some(0),
            subject_spki: root.public_key_spki(),
            authority_key_id: None,
            extended_key_usage: None,
        }
    }

    #[test]
    fn root_and_document_signer_certificates_parse_and_chain() {
        let (root, _) = Sm2Signer::generate().unwrap();
        let (dsc, _) = Sm2Signer::generate().unwrap();
        let root_der = sign_certificate(&root_params(&root), &root).unwrap();
        let dsc_params = Sm2CertificateParams {
            serial: vec![0x00, 0x01, 0x02, 0x03],
            issuer: Some(name("certseal SM2 root").to_der().unwrap()),
            subject: name("document signer 0001"),
            not_before: NOW,
            not_after: NOW + 2 * 365 * 86_400,
            is_ca: false,
            path_len: None,
            subject_spki: dsc.public_key_spki(),
            authority_key_id: Some(key_identifier(&root.public_key_spki())),
            extended_key_usage: None,
        };
        let dsc_der = sign_certificate(&dsc_params, &root).unwrap();

        let (rest, root_cert) = X509Certificate::from_der(&root_der).unwrap();
        assert!(rest.is_empty());
        let (rest, dsc_cert) = X509Certificate::from_der(&dsc_der).unwrap();
        assert!(rest.is_empty());

        assert_eq!(root_cert.version(), X509Version::V3);
        assert_eq!(
            root_cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.156.10197.1.501"
        );
        assert!(root_cert.signature_algorithm.parameters.is_none());
        assert_eq!(root_cert.raw_serial(), &[0x00, 0x81, 0x02]);
        assert_eq!(dsc_cert.raw_serial(), &[0x01, 0x02, 0x03]);
        assert_eq!(root_cert.validity().not_before.timestamp(), NOW);
        assert_eq!(
            dsc_cert.validity().not_after.timestamp(),
            NOW + 2 * 365 * 86_400
        );
        assert_eq!(
            root_cert.validity().not_after.timestamp(),
            NOW + 20 * 365 * 86_400
        );
        let cn = |c: &X509Certificate<'_>| {
            c.subject()
                .iter_common_name()
                .next()
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(cn(&dsc_cert), "document signer 0001");
        assert_eq!(dsc_cert.issuer(), root_cert.subject());

        let bc = root_cert.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && bc.value.ca && bc.value.path_len_constraint == Some(0));
        let ku = root_cert.key_usage().unwrap().unwrap();
        assert!(ku.critical && ku.value.key_cert_sign() && ku.value.crl_sign());
        assert!(!ku.value.digital_signature());
        let bc = dsc_cert.basic_constraints().unwrap().unwrap();
        assert!(!bc.value.ca);
        let ku = dsc_cert.key_usage().unwrap().unwrap();
        assert!(ku.value.digital_signature() && !ku.value.key_cert_sign());

        // The keys come back out through the ordinary SPKI path.
        let root_key = VerifyingKey::from_x509_spki(root_cert.public_key()).unwrap();
        let dsc_key = VerifyingKey::from_x509_spki(dsc_cert.public_key()).unwrap();
        assert_eq!(root_key.raw(), root.public_key_raw());
        assert_eq!(dsc_key.raw(), dsc.public_key_raw());

        // Chain: the root signs itself and the document signer.
        let root_sm2 = root_key.sm2().unwrap();
        verify_certificate_signature(&root_cert, root_sm2).unwrap();
        verify_certificate_signature(&dsc_cert, root_sm2).unwrap();
        assert!(verify_certificate_signature(&dsc_cert, dsc_key.sm2().unwrap()).is_err());

        // The raw TBS bytes carry the signature, checked without x509-parser's help too.
        let raw = signature_from_der(&dsc_cert.signature_value.data).unwrap();
        root_key
            .verify(dsc_cert.tbs_certificate.as_ref(), &raw)
            .unwrap();
        let tbs = tbs_certificate_der(&dsc_params).unwrap();
        assert_eq!(dsc_cert.tbs_certificate.as_ref(), tbs.as_slice());
    }

    #[test]
    fn subject_carries_organization_identifier_and_key_identifiers() {
        let (root, _) = Sm2Signer::generate().unwrap();
        let der = sign_certificate(&root_params(&root), &root).unwrap();
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let attrs: Vec<(String, String)> = cert
            .subject()
            .iter_attributes()
            .map(|a| (a.attr_type().to_id_string(), a.as_str().unwrap().to_owned()))
            .collect();
        let want = [
            ("2.5.4.6", "CN"),
            ("2.5.4.10", "certseal test"),
            ("2.5.4.97", "12100000400010398P"),
            ("2.5.4.3", "certseal SM2 root"),
        ];
        assert_eq!(
            attrs,
            want.map(|(o, v)| (o.to_owned(), v.to_owned())).to_vec()
        );
        assert_eq!(cert.issuer(), cert.subject());
        let ski = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
                _ => None,
            })
            .unwrap();
        assert_eq!(ski, key_identifier(&root.public_key_spki()));
    }

    #[test]
    fn rejects_non_printable_country_or_organization_identifier() {
        let (root, _) = Sm2Signer::generate().unwrap();
        let mut p = root_params(&root);
        p.subject.organization_identifier = Some("统一社会信用代码".into());
        assert!(tbs_certificate_der(&p).is_err());
        let mut p = root_params(&root);
        p.subject.country = Some("C*".into());
        assert!(tbs_certificate_der(&p).is_err());
        let mut p = root_params(&root);
        p.issuer = Some(vec![0x30, 0x03, 0x01]);
        assert!(tbs_certificate_der(&p).is_err());
    }

    #[test]
    fn rejects_certificate_with_tampered_tbs() {
        let (root, _) = Sm2Signer::generate().unwrap();
        let der = sign_certificate(&root_params(&root), &root).unwrap();
        // Flip one byte inside the common name.
        let pos = der.windows(4).position(|w| w == b"root").unwrap();
        let mut bad = der.clone();
        bad[pos] ^= 0x20;
        let (_, cert) = X509Certificate::from_der(&bad).unwrap();
        let key = root.verifying_key().unwrap();
        assert!(verify_certificate_signature(&cert, &key).is_err());
    }

    #[test]
    fn rejects_bad_serial_and_inverted_validity() {
        let (root, _) = Sm2Signer::generate().unwrap();
        let mut p = root_params(&root);
        p.serial = vec![0, 0];
        assert!(tbs_certificate_der(&p).is_err());
        p.serial = vec![1; 21];
        assert!(tbs_certificate_der(&p).is_err());
        p.serial = vec![1];
        p.not_after = p.not_before - 1;
        assert!(tbs_certificate_der(&p).is_err());
        p.not_after = p.not_before;
        let last = p.subject_spki.len() - 1;
        p.subject_spki[last] ^= 1; // off the curve
        assert!(tbs_certificate_der(&p).is_err());
    }

    #[test]
    fn times_switch_from_utctime_to_generalizedtime_in_2050() {
        assert_eq!(time(0).unwrap(), tlv(0x17, b"700101000000Z"));
        assert_eq!(time(2_524_607_999).unwrap(), tlv(0x17, b"491231235959Z"));
        assert_eq!(time(2_524_608_000).unwrap(), tlv(0x18, b"20500101000000Z"));
        assert_eq!(time(-631_152_001).unwrap(), tlv(0x18, b"19491231235959Z"));
    }

    #[test]
    fn long_form_lengths_are_minimal() {
        assert_eq!(tlv(0x04, &[0; 127])[..2], [0x04, 0x7f]);
        assert_eq!(tlv(0x04, &[0; 128])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
    }
}
