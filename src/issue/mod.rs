//! The issue pipeline: a validated [`Certificate`] → its e-licence identifier, the signed
//! electronic certificate document and the signed QR payload string. Single and batch
//! (parallel, rayon). Two signatures per certificate; everything else is one pass of CBOR
//! writing and one of base45. [`issue_all`] runs a whole batch to files (a bundle per batch,
//! or files per certificate: [`Layout`]).

use rayon::prelude::*;
use std::fmt;

mod files;

pub use self::files::{issue_all, IssueRun, Layout, Rejection};

use crate::claims::document;
use crate::claims::payload::{QrClaims, Serial, PREFIX};
use crate::codec::base45;
use crate::codec::cbor::Writer;
use crate::cose::Sign1;
use crate::crypto::Signer;
use crate::model::{Catalogue, Certificate, IdentifierStem, Uscc};
use crate::trust::TrustError;
use crate::trust::{KeyDir, SignerCert};

/// What the issue pipeline makes from one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The national e-licence identifier (GB/T 36904).
    pub identifier: String,
    /// The signed electronic certificate document (COSE_Sign1, `.cbor`).
    pub document: Vec<u8>,
    /// The QR payload text (`CS1:` + base45).
    pub qr: String,
}

/// A document signer ready to issue: the key, its kid and validity window, and the issuing
/// authority it signs for.
#[derive(Clone)]
pub struct Issuer<'k> {
    signer: &'k dyn Signer,
    kid: [u8; 8],
    not_before: i64,
    not_after: i64,
    subject: String,
    authority: Uscc,
    /// The identifier stem (licence type and issuer) of each catalogue entry, by the
    /// catalogue's position, made on first use: an identifier is then written straight
    /// from it (no [`crate::model::ElicenceId`] built, no formatting machinery).
    stems: std::sync::Arc<[std::sync::OnceLock<Option<IdentifierStem>>]>,
}

impl fmt::Debug for Issuer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("alg", &self.signer.algorithm())
            .field("kid", &crate::codec::hex::encode(&self.kid))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("authority", &self.authority)
            .finish()
    }
}

thread_local! {
    /// Each thread's buffer for the claims [`Issuer::issue_with_signatures`] signs.
    static CLAIMS: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl<'k> Issuer<'k> {
    /// An issuer signing with `signer` under certificate `cert`, whose subject names the
    /// issuing authority's unified social credit code.
    pub fn new(signer: &'k dyn Signer, cert: &SignerCert) -> Result<Self, crate::Error> {
        let uscc = cert
            .authority_uscc()
            .ok_or_else(|| TrustError::BadParameter {
                field: "signer certificate",
                reason: "subject has no organizationIdentifier (unified social credit code)".into(),
            })?;
        Ok(Issuer {
            signer,
            kid: cert.kid(),
            not_before: cert.not_before(),
            not_after: cert.not_after(),
            subject: cert.subject().to_owned(),
            authority: Uscc::parse(uscc)?,
            stems: (0..Catalogue::builtin().len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        })
    }

    /// `cert`'s e-licence identifier under this issuer: the same text as
    /// `cert.identifier(self.authority())?.to_string()`, from the cached stem.
    fn identifier(&self, cert: &Certificate) -> Result<String, crate::Error> {
        let catalogue = Catalogue::builtin();
        let code = cert.qualification.code;
        let stem = catalogue
            .iter()
            .as_slice()
            .binary_search_by_key(&code, |q| q.code)
            .ok()
            .and_then(|i| Some((catalogue.iter().as_slice().get(i)?, self.stems.get(i)?)))
            .and_then(|(q, slot)| {
                slot.get_or_init(|| IdentifierStem::new(&q.licence_type, &self.authority).ok())
                    .as_ref()
            });
        match stem {
            Some(stem) => {
                // Room for the longest licence type's stem, serial and check digits.
                let mut out = Vec::with_capacity(128);
                stem.show(&cert.serial, cert.lifecycle.version)?
                    .write_to(&mut out);
                String::from_utf8(out).map_err(|e| {
                    crate::model::ModelError::field("identifier", format!("not UTF-8: {e}")).into()
                })
            }
            // Not in the catalogue (or a bad licence type): the model names the error.
            None => Ok(cert.identifier(&self.authority)?.to_string()),
        }
    }

    /// The issuer of a key directory's signer that is valid at `now`.
    pub fn from_key_dir(dir: &'k KeyDir, now: i64) -> Result<Self, crate::Error> {
        let active = dir.active_signer(now)?;
        Self::new(active.signer_at(now)?, active.cert())
    }

    /// The kid this issuer signs under.
    pub fn kid(&self) -> [u8; 8] {
        self.kid
    }

    /// The authority this issuer signs for.
    pub fn authority(&self) -> &Uscc {
        &self.authority
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> crate::crypto::Algorithm {
        self.signer.algorithm()
    }

    /// Issues one certificate at time `now`. A key outside its validity window does not sign.
    pub fn issue(
        &self,
        cert: &Certificate,
        status_index: Option<u64>,
        now: i64,
    ) -> Result<Issued, crate::Error> {
        self.issue_with_signatures(cert, status_index, now)
            .map(|(issued, _, _)| issued)
    }

    /// [`Issuer::issue`], also returning the two signatures, the document's then the QR
    /// payload's (each the raw signature its COSE_Sign1 ends with), and the length of the
    /// first. The registry's audit entry for an issued chunk digests these instead of the
    /// whole documents.
    pub(crate) fn issue_with_signatures(
        &self,
        cert: &Certificate,
        status_index: Option<u64>,
        now: i64,
    ) -> Result<(Issued, Vec<u8>, usize), crate::Error> {
        // The two payloads are encoded in this thread's buffer, reused from one certificate
        // to the next (the COSE messages copy them).
        let mut scratch = crate::cose::take_scratch(&CLAIMS);
        let issued = self.issue_in(&mut scratch, cert, status_index, now);
        crate::cose::keep_scratch(&CLAIMS, scratch);
        issued
    }

    /// [`Issuer::issue_with_signatures`], encoding the payloads in `scratch`.
    fn issue_in(
        &self,
        scratch: &mut Vec<u8>,
        cert: &Certificate,
        status_index: Option<u64>,
        now: i64,
    ) -> Result<(Issued, Vec<u8>, usize), crate::Error> {
        if now < self.not_before || now > self.not_after {
            return Err(TrustError::SignerNotValidNow {
                subject: self.subject.clone(),
                not_before: self.not_before,
                not_after: self.not_after,
                now,
            }
            .into());
        }
        let identifier = self.identifier(cert)?;
        let exp = cert
            .remarks
            .valid_until
            .map(|d| d.to_unix_midnight().saturating_add(86_399));

        let mut w = Writer::from_vec(std::mem::take(scratch));
        document::write_claims(
            &mut w,
            cert,
            &identifier,
            self.authority.as_str(),
            now,
            exp,
            status_index,
        );
        let signed = Sign1::sign_with_len(true, &self.kid, w.as_slice(), &[], self.signer);
        *scratch = w.into_inner();
        let (document, doc_sig) = signed?;
        let mut signatures = Vec::with_capacity(doc_sig.saturating_mul(2));
        signatures.extend_from_slice(
            document
                .get(document.len().saturating_sub(doc_sig)..)
                .unwrap_or(&[]),
        );

        let id = &cert.holder.id_number;
        let id_tail = id.get(id.len().saturating_sub(4)..).unwrap_or(id);
        let claims = QrClaims {
            iat: now,
            exp,
            qualification: cert.qualification.code,
            level: cert.qualification.level,
            specialty: cert.qualification.specialty,
            name: &cert.holder.name,
            sex: cert.holder.sex.code(),
            birth_months: cert.holder.birth.months_since_1900(),
            id_type: cert.holder.id_type.code(),
            id_tail,
            management_number: &cert.management.number,
            approval_days: cert.management.approval_date.days_since_epoch(),
            serial: Serial::parse(&cert.serial),
            version: cert.lifecycle.version,
            kind: cert.lifecycle.kind.code(),
            status_index,
        };
        scratch.clear();
        let mut w = Writer::from_vec(std::mem::take(scratch));
        claims.encode(&mut w);
        let signed = Sign1::sign_with_len(false, &self.kid, w.as_slice(), &[], self.signer);
        *scratch = w.into_inner();
        let (cose, qr_sig) = signed?;
        signatures.extend_from_slice(cose.get(cose.len().saturating_sub(qr_sig)..).unwrap_or(&[]));
        let mut qr = String::with_capacity(PREFIX.len() + base45::encoded_len(cose.len()));
        qr.push_str(PREFIX);
        base45::encode_into(&cose, &mut qr);
        Ok((
            Issued {
                identifier,
                document,
                qr,
            },
            signatures,
            doc_sig,
        ))
    }

    /// Issues many certificates in parallel on the current rayon pool. Status indices are
    /// `first_status_index + position` when given. Results come back in input order; a
    /// failure of one certificate does not stop the others.
    pub fn issue_batch(
        &self,
        certs: &[Certificate],
        first_status_index: Option<u64>,
        now: i64,
    ) -> Vec<Result<Issued, crate::Error>> {
        certs
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let index = first_status_index.map(|f| f.saturating_add(i as u64));
                self.issue(c, index, now)
            })
            .collect()
    }
}
