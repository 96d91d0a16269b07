//! Making root and document-signer certificates. Any [`Signer`] signs: for ES256 and Ed25519 an
//! adapter implements rcgen's `SigningKey` over it (turning ECDSA's raw r‖s into the DER form
//! X.509 wants), so a hardware key plugs in without touching this module. rcgen has no
//! SM2-with-SM3, so an SM2 root key (feature `sm2`) signs through `trust::sm2_cert` instead,
//! with the same subject attributes, extensions, serial and validity.

use rcgen::string::PrintableString;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, IsCa,
    Issuer, KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey,
};
use x509_parser::der_parser::ber::Tag;
use x509_parser::x509::X509Name;

use super::cert::{check_chain, Parsed, Role, RootCert, SignerCert, SignerUsage};
use super::validity::unix_to_asn1;
use super::TrustError;
use crate::crypto::{Algorithm, Signer, VerifyingKey};

/// What goes into a root certificate. The subject is `C=CN, O=<authority_name>,
/// organizationIdentifier=<authority_uscc>, CN=<common_name>` (organizationIdentifier only when
/// given). The certificate is a CA with pathLenConstraint 0, keyUsage keyCertSign + cRLSign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootParams {
    /// Common name, e.g. "certseal root 2026".
    pub common_name: String,
    /// The authority's name (organizationName, UTF8String; Chinese allowed).
    pub authority_name: String,
    /// The authority's unified social credit code (GB 32100), checked when given.
    pub authority_uscc: Option<String>,
    /// Certificate serial number (positive, non-zero).
    pub serial: u64,
    /// Start of validity (Unix seconds).
    pub not_before: i64,
    /// End of validity (Unix seconds, inclusive).
    pub not_after: i64,
}

/// What goes into a document-signer certificate. The subject is `C=CN, O=<authority_name>,
/// organizationIdentifier=<authority_uscc>, CN=<common_name>`; the certificate is not a CA,
/// keyUsage digitalSignature only, with an authorityKeyIdentifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerParams {
    /// Common name, e.g. "certseal document signer 2026".
    pub common_name: String,
    /// The issuing authority's name (organizationName, UTF8String; Chinese allowed).
    pub authority_name: String,
    /// The issuing authority's unified social credit code (GB 32100), checked.
    pub authority_uscc: String,
    /// Certificate serial number (positive, non-zero).
    pub serial: u64,
    /// Start of validity (Unix seconds); must not precede the root's.
    pub not_before: i64,
    /// End of validity (Unix seconds, inclusive); must not follow the root's.
    pub not_after: i64,
}

/// Checks a unified social credit code (GB 32100) with the model's parser.
pub fn check_uscc(uscc: &str) -> Result<(), TrustError> {
    crate::model::Uscc::parse(uscc)
        .map(drop)
        .map_err(|e| TrustError::BadUscc {
            uscc: uscc.to_owned(),
            reason: e.to_string(),
        })
}

/// rcgen's name for `alg`; rcgen knows no SM2 (neither its keys nor its signatures).
fn rcgen_alg(alg: Algorithm) -> Result<&'static SignatureAlgorithm, TrustError> {
    match alg {
        Algorithm::Es256 => Ok(&rcgen::PKCS_ECDSA_P256_SHA256),
        Algorithm::EdDsa => Ok(&rcgen::PKCS_ED25519),
        #[cfg(feature = "sm2")]
        Algorithm::Sm2 => Err(TrustError::Generate(
            "rcgen cannot write an SM2 key: an SM2 signer certificate needs an SM2 root".into(),
        )),
        verify_only => Err(TrustError::Generate(format!(
            "{verify_only} is verified in interop mode only; certseal certifies no such key"
        ))),
    }
}

/// A public key as rcgen wants it.
struct PublicKey {
    alg: &'static SignatureAlgorithm,
    raw: Box<[u8]>,
}

impl PublicKey {
    fn new(key: &VerifyingKey) -> Result<Self, TrustError> {
        Ok(PublicKey {
            alg: rcgen_alg(key.algorithm())?,
            raw: key.raw().into(),
        })
    }
}

impl PublicKeyData for PublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.raw
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

/// rcgen's `SigningKey` over any certseal [`Signer`].
struct CertSigningKey<'a> {
    signer: &'a dyn Signer,
    public: PublicKey,
    alg: Algorithm,
}

impl<'a> CertSigningKey<'a> {
    fn new(signer: &'a dyn Signer) -> Result<Self, TrustError> {
        let key = VerifyingKey::from_spki(&signer.public_key_spki())
            .map_err(|e| TrustError::Generate(format!("signing key: {e}")))?;
        if key.algorithm() != signer.algorithm() {
            return Err(TrustError::Generate(format!(
                "signing key: public key is {}, signer says {}",
                key.algorithm(),
                signer.algorithm()
            )));
        }
        Ok(CertSigningKey {
            signer,
            public: PublicKey::new(&key)?,
            alg: key.algorithm(),
        })
    }
}

impl PublicKeyData for CertSigningKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public.raw
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.public.alg
    }
}

impl SigningKey for CertSigningKey<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let sig = self
            .signer
            .sign(msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)?;
        match self.alg {
            Algorithm::Es256 => ecdsa_raw_to_der(&sig).ok_or(rcgen::Error::RemoteKeyError),
            Algorithm::EdDsa => Ok(sig),
            // Not reached (rcgen_alg refuses SM2 before rcgen signs), but correct if it were.
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => <[u8; 64]>::try_from(sig.as_slice())
                .map(|raw| crate::crypto::sm2::signature_to_der(&raw))
                .map_err(|_| rcgen::Error::RemoteKeyError),
            // Not reached: rcgen_alg refuses the verify-only algorithms.
            _ => Err(rcgen::Error::RemoteKeyError),
        }
    }
}

/// ECDSA P-256 signature r‖s (64 bytes) to DER `SEQUENCE { INTEGER r, INTEGER s }`.
pub(crate) fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() != 64 {
        return None;
    }
    let (r, s) = raw.split_at(32);
    // Minimal INTEGER: no leading zero bytes, one 0x00 when the top bit is set.
    let int = |x: &[u8]| -> Option<Vec<u8>> {
        let start = x
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(x.len().saturating_sub(1));
        let x = x.get(start..)?;
        let pad = x.first().is_some_and(|b| b & 0x80 != 0);
        let len = u8::try_from(x.len().checked_add(usize::from(pad))?).ok()?;
        let mut out = vec![0x02, len];
        if pad {
            out.push(0);
        }
        out.extend_from_slice(x);
        Some(out)
    };
    let (r, s) = (int(r)?, int(s)?);
    // At most 2 × 35 = 70 bytes: the short length form always fits.
    let body_len = u8::try_from(r.len().checked_add(s.len())?).ok()?;
    let mut out = Vec::with_capacity(usize::from(body_len).saturating_add(2));
    out.push(0x30);
    out.push(body_len);
    out.extend_from_slice(&r);
    out.extend_from_slice(&s);
    Some(out)
}

fn printable(field: &'static str, s: &str) -> Result<DnValue, TrustError> {
    PrintableString::try_from(s)
        .map(DnValue::PrintableString)
        .map_err(|e| TrustError::BadParameter {
            field,
            reason: e.to_string(),
        })
}

fn subject_dn(
    common_name: &str,
    authority_name: &str,
    uscc: Option<&str>,
) -> Result<DistinguishedName, TrustError> {
    for (field, v) in [
        ("common_name", common_name),
        ("authority_name", authority_name),
    ] {
        if v.trim().is_empty() {
            return Err(TrustError::BadParameter {
                field,
                reason: "empty".into(),
            });
        }
    }
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("country", "CN")?);
    dn.push(
        DnType::OrganizationName,
        DnValue::Utf8String(authority_name.to_owned()),
    );
    if let Some(uscc) = uscc {
        check_uscc(uscc)?;
        dn.push(
            DnType::CustomDnType(vec![2, 5, 4, 97]),
            printable("authority_uscc", uscc)?,
        );
    }
    dn.push(
        DnType::CommonName,
        DnValue::Utf8String(common_name.to_owned()),
    );
    Ok(dn)
}

/// Rebuilds rcgen's view of an X.509 name so that rcgen writes it back byte for byte (checked
/// afterwards by the chain check of the issued certificate).
fn dn_from_x509(name: &X509Name<'_>) -> Result<DistinguishedName, TrustError> {
    let unsupported = |reason: &str| TrustError::Generate(format!("root subject: {reason}"));
    let mut dn = DistinguishedName::new();
    for rdn in name.iter() {
        let mut attrs = rdn.iter();
        let (Some(attr), None) = (attrs.next(), attrs.next()) else {
            return Err(unsupported("multi-valued RDN"));
        };
        let arcs: Vec<u64> = attr
            .attr_type()
            .iter()
            .ok_or_else(|| unsupported("attribute OID arc too large"))?
            .collect();
        let ty = DnType::from_oid(&arcs);
        if dn.get(&ty).is_some() {
            return Err(unsupported("repeated attribute type"));
        }
        let s = attr
            .as_str()
            .map_err(|_| unsupported("attribute value is not a string"))?;
        let value = match attr.attr_value().tag() {
            Tag::Utf8String => DnValue::Utf8String(s.to_owned()),
            Tag::PrintableString => DnValue::PrintableString(
                PrintableString::try_from(s).map_err(|_| unsupported("bad PrintableString"))?,
            ),
            Tag::Ia5String => DnValue::Ia5String(
                rcgen::string::Ia5String::try_from(s).map_err(|_| unsupported("bad IA5String"))?,
            ),
            _ => return Err(unsupported("string type other than UTF8/Printable/IA5")),
        };
        dn.push(ty, value);
    }
    Ok(dn)
}

/// Checks the serial and the validity window (both ends encodable in X.509).
fn check_serial_and_window(serial: u64, not_before: i64, not_after: i64) -> Result<(), TrustError> {
    if serial == 0 {
        return Err(TrustError::BadParameter {
            field: "serial",
            reason: "must be positive".into(),
        });
    }
    if not_before > not_after {
        return Err(TrustError::BadParameter {
            field: "not_after",
            reason: format!(
                "{} precedes not_before {}",
                crate::time::rfc3339(not_after),
                crate::time::rfc3339(not_before)
            ),
        });
    }
    unix_to_asn1(not_before)?;
    unix_to_asn1(not_after)?;
    Ok(())
}

fn base_params(
    serial: u64,
    not_before: i64,
    not_after: i64,
    dn: DistinguishedName,
) -> Result<CertificateParams, TrustError> {
    check_serial_and_window(serial, not_before, not_after)?;
    let mut params = CertificateParams::default();
    params.serial_number = Some(SerialNumber::from_slice(&serial.to_be_bytes()));
    params.not_before = unix_to_asn1(not_before)?.to_datetime();
    params.not_after = unix_to_asn1(not_after)?.to_datetime();
    params.distinguished_name = dn;
    Ok(params)
}

fn generated(e: rcgen::Error) -> TrustError {
    TrustError::Generate(e.to_string())
}

impl RootCert {
    /// Makes a self-signed root certificate for `root_key`. Deterministic for an Ed25519 or SM2
    /// key (same key, params → same DER). An SM2 key (feature `sm2`) gives an SM2-with-SM3
    /// certificate written by `trust::sm2_cert`, with the same subject and extensions.
    pub fn issue(root_key: &dyn Signer, params: &RootParams) -> Result<RootCert, TrustError> {
        let dn = subject_dn(
            &params.common_name,
            &params.authority_name,
            params.authority_uscc.as_deref(),
        )?;
        #[cfg(feature = "sm2")]
        if root_key.algorithm() == Algorithm::Sm2 {
            check_serial_and_window(params.serial, params.not_before, params.not_after)?;
            let der = sm2::root(root_key, params)?;
            return RootCert::parse(&der);
        }
        let key = CertSigningKey::new(root_key)?;
        let mut cp = base_params(params.serial, params.not_before, params.not_after, dn)?;
        cp.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        cp.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = cp.self_signed(&key).map_err(generated)?;
        RootCert::parse(cert.der())
    }

    /// Makes a document-signer certificate for the public key `subject_key_spki` (DER
    /// SubjectPublicKeyInfo, P-256, Ed25519 or SM2), signed by `root_key`, which must be this
    /// root's key. The result passes [`check_chain`] against this root. Deterministic for an
    /// Ed25519 or SM2 root key. An SM2 root signs any of the three; an ES256 or Ed25519 root
    /// (rcgen) signs ES256 and Ed25519 keys only.
    pub fn issue_signer(
        &self,
        root_key: &dyn Signer,
        subject_key_spki: &[u8],
        params: &SignerParams,
    ) -> Result<SignerCert, TrustError> {
        self.issue_signer_for(root_key, subject_key_spki, params, SignerUsage::DOCUMENTS)
    }

    /// [`RootCert::issue_signer`] for a chosen usage: [`SignerUsage::DOCUMENTS`] writes no
    /// extendedKeyUsage (the same certificate as `issue_signer`); any other usage writes a
    /// non-critical extendedKeyUsage listing certseal's document- and/or status-signing
    /// purposes (`specs/trust-list.md`, "Signer usages").
    pub fn issue_signer_for(
        &self,
        root_key: &dyn Signer,
        subject_key_spki: &[u8],
        params: &SignerParams,
        usage: SignerUsage,
    ) -> Result<SignerCert, TrustError> {
        if !usage.documents && !usage.status {
            return Err(TrustError::BadParameter {
                field: "usage",
                reason: "a signer must be allowed to sign something".into(),
            });
        }
        let root_public = VerifyingKey::from_spki(&root_key.public_key_spki())
            .map_err(|e| TrustError::Generate(format!("signing key: {e}")))?;
        if root_public.algorithm() != root_key.algorithm() || root_public != self.p.key {
            return Err(TrustError::KeyMismatch {
                what: format!("root \"{}\"", self.p.subject),
            });
        }
        let subject_key = VerifyingKey::from_spki(subject_key_spki).map_err(|source| {
            TrustError::UnsupportedKey {
                what: Role::Signer.what(),
                subject: params.common_name.clone(),
                source,
            }
        })?;
        let dn = subject_dn(
            &params.common_name,
            &params.authority_name,
            Some(&params.authority_uscc),
        )?;
        #[cfg(feature = "sm2")]
        if root_key.algorithm() == Algorithm::Sm2 {
            check_serial_and_window(params.serial, params.not_before, params.not_after)?;
            let der = sm2::signer(self, root_key, subject_key_spki, params, usage)?;
            let signer = SignerCert {
                p: Parsed::parse(Role::Signer, &der)?,
            };
            check_chain(&signer, self)?;
            return Ok(signer);
        }
        let key = CertSigningKey::new(root_key)?;
        let mut cp = base_params(params.serial, params.not_before, params.not_after, dn)?;
        cp.is_ca = IsCa::ExplicitNoCa;
        cp.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        cp.use_authority_key_identifier_extension = true;
        if let Some(eku) = usage.eku_der() {
            // rcgen's own EKU type holds OID arcs as u64; certseal's arc is a 128-bit UUID, so
            // the extension (2.5.29.37) is written from its DER value.
            cp.custom_extensions
                .push(CustomExtension::from_oid_content(&[2, 5, 29, 37], eku));
        }
        let der = self.sign_params(key, &subject_key, &cp)?;
        let signer = SignerCert {
            p: Parsed::parse(Role::Signer, &der)?,
        };
        check_chain(&signer, self)?;
        Ok(signer)
    }

    /// Signs a certificate for `subject_key` from `cp` with this root's name as issuer.
    fn sign_params(
        &self,
        key: CertSigningKey<'_>,
        subject_key: &VerifyingKey,
        cp: &CertificateParams,
    ) -> Result<Vec<u8>, TrustError> {
        let (_, root_x509) = x509_parser::parse_x509_certificate(&self.p.der).map_err(|e| {
            TrustError::Malformed {
                what: Role::Root.what(),
                reason: e.to_string(),
            }
        })?;
        let mut issuer_params = CertificateParams::default();
        issuer_params.distinguished_name = dn_from_x509(root_x509.subject())?;
        let issuer = Issuer::new(issuer_params, key);
        let cert = cp
            .signed_by(&PublicKey::new(subject_key)?, &issuer)
            .map_err(generated)?;
        Ok(cert.der().to_vec())
    }

    /// Test hook: a certificate for `subject_key` made from `params` after `tweak` edits the
    /// rcgen parameters, signed by `root_key`, with no checks on the result.
    #[cfg(test)]
    pub(crate) fn issue_unchecked(
        &self,
        root_key: &dyn Signer,
        subject_key: &VerifyingKey,
        params: &SignerParams,
        tweak: impl FnOnce(&mut CertificateParams),
    ) -> Result<Vec<u8>, TrustError> {
        let key = CertSigningKey::new(root_key)?;
        let dn = subject_dn(
            &params.common_name,
            &params.authority_name,
            Some(&params.authority_uscc),
        )?;
        let mut cp = base_params(params.serial, params.not_before, params.not_after, dn)?;
        cp.is_ca = IsCa::ExplicitNoCa;
        cp.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        tweak(&mut cp);
        self.sign_params(key, subject_key, &cp)
    }
}

/// SM2-signed certificates (feature `sm2`): the parameters of the rcgen path, written by
/// `trust::sm2_cert`. The caller has checked the subject fields, serial and window.
#[cfg(feature = "sm2")]
mod sm2 {
    use super::{RootCert, RootParams, SignerParams, SignerUsage, TrustError};
    use crate::crypto::Signer;
    use crate::trust::sm2_cert::{self, Sm2CertificateParams, Sm2Name};

    fn name(common_name: &str, authority_name: &str, uscc: Option<&str>) -> Sm2Name {
        Sm2Name {
            country: Some("CN".into()),
            organization: Some(authority_name.to_owned()),
            organization_identifier: uscc.map(str::to_owned),
            common_name: common_name.to_owned(),
        }
    }

    /// A self-signed SM2 root: CA, pathLenConstraint 0, keyCertSign + cRLSign.
    pub(super) fn root(root_key: &dyn Signer, p: &RootParams) -> Result<Vec<u8>, TrustError> {
        let params = Sm2CertificateParams {
            serial: p.serial.to_be_bytes().to_vec(),
            issuer: None,
            subject: name(
                &p.common_name,
                &p.authority_name,
                p.authority_uscc.as_deref(),
            ),
            not_before: p.not_before,
            not_after: p.not_after,
            is_ca: true,
            path_len: Some(0),
            subject_spki: root_key.public_key_spki(),
            authority_key_id: None,
            extended_key_usage: None,
        };
        sm2_cert::sign_certificate(&params, root_key)
    }

    /// A document signer under an SM2 root: not a CA, digitalSignature, with an
    /// authorityKeyIdentifier; the issuer name is the root's subject, byte for byte.
    pub(super) fn signer(
        root: &RootCert,
        root_key: &dyn Signer,
        subject_spki: &[u8],
        p: &SignerParams,
        usage: SignerUsage,
    ) -> Result<Vec<u8>, TrustError> {
        let params = Sm2CertificateParams {
            serial: p.serial.to_be_bytes().to_vec(),
            issuer: Some(root.p.subject_raw.clone()),
            subject: name(&p.common_name, &p.authority_name, Some(&p.authority_uscc)),
            not_before: p.not_before,
            not_after: p.not_after,
            is_ca: false,
            path_len: None,
            subject_spki: subject_spki.to_vec(),
            authority_key_id: Some(sm2_cert::key_identifier(&root_key.public_key_spki())),
            extended_key_usage: usage.eku_der(),
        };
        sm2_cert::sign_certificate(&params, root_key)
    }
}
