//! Verification of signed certificate documents (`specs/document.md`) through the pipeline's
//! steps — the same algorithm policy, kid rule, low-S rule, signer window, time and status
//! checks as a QR payload, and the same [`Reason`]s — and the check that a QR payload and a
//! document are of the same certificate (what a certificate face drawn from both needs).

use crate::claims::document::{decode_claims, Document};
use crate::codec::hex;
use crate::crypto::Algorithm;

use super::steps::{self, Times};
use super::{Reason, Verdict, Verifier};

/// The outcome of verifying one signed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVerdict {
    /// `Ok(())` when valid, or why not.
    pub result: Result<(), Reason>,
    /// The algorithm, once the header was read.
    pub alg: Option<Algorithm>,
    /// The key identifier, once the header was read.
    pub kid: Option<[u8; 8]>,
    /// The document, once its signature verified and its claims decoded (also when a later
    /// step — signer window, time — failed; see `result`).
    pub document: Option<Document>,
}

impl DocumentVerdict {
    /// True when the document is valid.
    pub fn is_valid(&self) -> bool {
        self.result.is_ok()
    }

    #[cold]
    fn reject(reason: Reason, header: Option<(Algorithm, [u8; 8])>) -> Self {
        DocumentVerdict {
            result: Err(reason),
            alg: header.map(|(a, _)| a),
            kid: header.map(|(_, k)| k),
            document: None,
        }
    }

    /// The verdict as JSON: `status`, `reason`, `stage`, `detail` and, when the document
    /// decoded, its view ([`Document::to_json`]: identifier, issuer, times, signature,
    /// certificate).
    pub fn to_json(&self) -> serde_json::Value {
        let mut view = self
            .document
            .as_ref()
            .map(Document::to_json)
            .unwrap_or_else(|| serde_json::json!({}));
        if let Some(map) = view.as_object_mut() {
            map.extend(super::reason::result_json(&self.result));
            if self.document.is_none() {
                map.insert("alg".into(), self.alg.map(Algorithm::name).into());
                map.insert(
                    "kid".into(),
                    self.kid.as_ref().map(|k| hex::encode(k)).into(),
                );
            }
        }
        view
    }
}

impl Verifier {
    /// Verifies a signed certificate document at the clock's current time.
    pub fn verify_document(&self, bytes: &[u8]) -> DocumentVerdict {
        self.verify_document_at(bytes, self.now())
    }

    /// Verifies a signed certificate document as of `now`: steps `cose` to `signature` as for
    /// a QR payload (this verifier's algorithm policy, protected 8-byte kid, low-S ES256),
    /// then the document claims, the signer's window at issuance, time and status.
    pub fn verify_document_at(&self, bytes: &[u8], now: i64) -> DocumentVerdict {
        let checked = match self.check_to_keys(bytes) {
            Ok(c) => c,
            Err(r) => return DocumentVerdict::reject(r.reason, r.header),
        };
        let header = Some((checked.alg, checked.kid));
        let mut tbs = Vec::new();
        let signer = match steps::signature(&checked.msg, checked.candidates, &mut tbs) {
            Ok(s) => s,
            Err(reason) => return DocumentVerdict::reject(reason, header),
        };
        let body = match decode_claims(checked.payload, &self.limits) {
            Ok(b) => b,
            Err(e) => return DocumentVerdict::reject(Reason::ClaimsMalformed(e), header),
        };
        let times = Times {
            iat: Some(body.issued_at),
            nbf: None,
            exp: body.expires_at,
        };
        let result = steps::signer_window(body.issued_at, signer)
            .and_then(|()| steps::time(times, now, self.skew))
            .and_then(|()| {
                steps::status(self.status.as_ref(), signer.kid(), body.status_index, now)
                    .map(|_| ())
            });
        DocumentVerdict {
            result,
            alg: Some(checked.alg),
            kid: Some(checked.kid),
            document: Some(Document {
                identifier: body.identifier,
                issuer: body.issuer,
                issued_at: body.issued_at,
                expires_at: body.expires_at,
                status_index: body.status_index,
                certificate: body.certificate,
                alg: checked.alg,
                kid: checked.kid,
            }),
        }
    }

    /// Verifies a QR payload and the signed document that should be of the same certificate,
    /// at the clock's current time. When both are valid and the identifier rebuilt from the
    /// payload is not the document's, the document's verdict is
    /// [`Reason::DocumentMismatch`]. A face drawn from the document then shows only verified
    /// data of the certificate the payload names.
    pub fn verify_with_document(
        &self,
        qr_text: &str,
        document: &[u8],
    ) -> (Verdict, DocumentVerdict) {
        let now = self.now();
        let verdict = self.verify_at(qr_text, now);
        let mut doc = self.verify_document_at(document, now);
        if let (Some(view), Some(d), true, true) = (
            &verdict.certificate,
            &doc.document,
            verdict.is_valid(),
            doc.is_valid(),
        ) {
            let payload = view.identifier().map(|i| i.to_string());
            if payload.as_deref() != Some(d.identifier.as_str()) {
                doc.result = Err(Reason::DocumentMismatch {
                    document: d.identifier.clone(),
                    payload,
                });
            }
        }
        (verdict, doc)
    }
}
