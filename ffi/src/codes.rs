//! The numeric codes of the ABI and the engine's machine names: `reason` and `stage` of the
//! JSON view (`Reason::code`, `Reason::stage`, `StatusReason::code`) to [`CertsealReason`] and
//! [`CertsealStage`], and back to NUL-terminated names for C. The mapping goes through the
//! names, not the engine's enum variants, so a reason the engine adds under an existing name
//! (the status reasons, once the verifier checks status itself) gets its code without a change
//! here; an unknown name becomes `Other`, never a wrong code.
#![forbid(unsafe_code)]

use std::ffi::CStr;

use crate::types::{CertsealCode, CertsealReason, CertsealStage};

/// Every reason code with its machine name, in code order.
pub(crate) const REASONS: &[(CertsealReason, &CStr)] = &[
    (CertsealReason::None, c"none"),
    (CertsealReason::TooLong, c"too_long"),
    (CertsealReason::BadPrefix, c"bad_prefix"),
    (CertsealReason::Base45, c"base45"),
    (CertsealReason::Decompress, c"decompress"),
    (CertsealReason::CompressionRequired, c"compression_required"),
    (CertsealReason::Cbor, c"cbor"),
    (CertsealReason::CoseStructure, c"cose_structure"),
    (
        CertsealReason::UnsupportedAlgorithm,
        c"unsupported_algorithm",
    ),
    (CertsealReason::KeyMismatch, c"key_mismatch"),
    (CertsealReason::CertificateRequired, c"certificate_required"),
    (CertsealReason::UnknownKid, c"unknown_kid"),
    (CertsealReason::KidMismatch, c"kid_mismatch"),
    (CertsealReason::Signature, c"signature"),
    (CertsealReason::ClaimsMalformed, c"claims_malformed"),
    (CertsealReason::Hcert, c"hcert"),
    (
        CertsealReason::SignerNotValidAtIssuance,
        c"signer_not_valid_at_issuance",
    ),
    (CertsealReason::MissingTimeClaim, c"missing_time_claim"),
    (CertsealReason::NotYetValid, c"not_yet_valid"),
    (CertsealReason::Expired, c"expired"),
    (
        CertsealReason::OutsideCertificateValidity,
        c"outside_certificate_validity",
    ),
    (CertsealReason::DocumentMismatch, c"document_mismatch"),
    (CertsealReason::Revoked, c"revoked"),
    (CertsealReason::Superseded, c"superseded"),
    (CertsealReason::SignerRevoked, c"signer_revoked"),
    (CertsealReason::StatusStale, c"stale"),
    (CertsealReason::NotCertseal, c"not_certseal"),
    (CertsealReason::Other, c"other"),
];

/// Every stage code with its name, in code order.
pub(crate) const STAGES: &[(CertsealStage, &CStr)] = &[
    (CertsealStage::None, c"none"),
    (CertsealStage::Prefix, c"prefix"),
    (CertsealStage::Base45, c"base45"),
    (CertsealStage::Decompress, c"decompress"),
    (CertsealStage::Cbor, c"cbor"),
    (CertsealStage::CoseTag, c"cose_tag"),
    (CertsealStage::CoseStructure, c"cose_structure"),
    (CertsealStage::Alg, c"alg"),
    (CertsealStage::Key, c"key"),
    (CertsealStage::Kid, c"kid"),
    (CertsealStage::Signature, c"signature"),
    (CertsealStage::Cwt, c"cwt"),
    (CertsealStage::Hcert, c"hcert"),
    (CertsealStage::Time, c"time"),
    (CertsealStage::Document, c"document"),
    (CertsealStage::Status, c"status"),
    (CertsealStage::Other, c"other"),
];

/// Every return code with its name.
pub(crate) const CODES: &[(CertsealCode, &CStr)] = &[
    (CertsealCode::Ok, c"ok"),
    (CertsealCode::Null, c"null_argument"),
    (CertsealCode::Argument, c"bad_argument"),
    (CertsealCode::Trust, c"trust"),
    (CertsealCode::Status, c"status"),
    (CertsealCode::Io, c"io"),
    (CertsealCode::Image, c"image"),
    (CertsealCode::Unsupported, c"unsupported"),
    (CertsealCode::Panic, c"panic"),
    (CertsealCode::Resource, c"resource"),
];

/// The code of a reason's machine name; `Other` for a name this ABI does not know.
pub(crate) fn reason_of(name: &str) -> CertsealReason {
    REASONS
        .iter()
        .find(|(_, n)| n.to_bytes() == name.as_bytes())
        .map_or(CertsealReason::Other, |(r, _)| *r)
}

/// The code of a stage name; `Other` for a name this ABI does not know.
pub(crate) fn stage_of(name: &str) -> CertsealStage {
    STAGES
        .iter()
        .find(|(_, n)| n.to_bytes() == name.as_bytes())
        .map_or(CertsealStage::Other, |(s, _)| *s)
}

/// The name of a reason code as received from C; `"unknown"` for a number that is no code.
pub(crate) fn reason_name(code: u16) -> &'static CStr {
    REASONS
        .iter()
        .find(|(r, _)| *r as u16 == code)
        .map_or(c"unknown", |(_, n)| n)
}

/// The name of a stage code; `"unknown"` for a number that is no code.
pub(crate) fn stage_name(code: u8) -> &'static CStr {
    STAGES
        .iter()
        .find(|(s, _)| *s as u8 == code)
        .map_or(c"unknown", |(_, n)| n)
}

/// The name of a return code; `"unknown"` for a number that is no code.
pub(crate) fn code_name(code: i32) -> &'static CStr {
    CODES
        .iter()
        .find(|(c, _)| *c as i32 == code)
        .map_or(c"unknown", |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_name_maps_back_to_its_code() {
        for (code, name) in REASONS {
            let name = name.to_str().unwrap();
            if *code != CertsealReason::Other {
                assert_eq!(reason_of(name), *code, "{name}");
            }
            assert_eq!(reason_name(*code as u16).to_str().unwrap(), name);
        }
        assert_eq!(reason_of("no_such_reason"), CertsealReason::Other);
        assert_eq!(reason_name(12_345).to_str().unwrap(), "unknown");
    }

    #[test]
    fn every_stage_name_maps_back_to_its_code() {
        for (code, name) in STAGES {
            let name = name.to_str().unwrap();
            if *code != CertsealStage::Other {
                assert_eq!(stage_of(name), *code, "{name}");
            }
            assert_eq!(stage_name(*code as u8).to_str().unwrap(), name);
        }
        assert_eq!(stage_of("no_such_stage"), CertsealStage::Other);
        assert_eq!(stage_name(200).to_str().unwrap(), "unknown");
    }

    #[test]
    fn codes_and_names_are_unique() {
        let mut reasons: Vec<u16> = REASONS.iter().map(|(r, _)| *r as u16).collect();
        reasons.dedup();
        assert_eq!(reasons.len(), REASONS.len(), "sorted and unique");
        let mut stages: Vec<u8> = STAGES.iter().map(|(s, _)| *s as u8).collect();
        stages.dedup();
        assert_eq!(stages.len(), STAGES.len(), "sorted and unique");
        assert_eq!(code_name(CertsealCode::Panic as i32), c"panic");
        assert_eq!(code_name(-1), c"unknown");
    }
}
