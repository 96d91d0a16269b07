//! Export as an IETF Token Status List (draft-ietf-oauth-status-list, CWT form), for
//! verifiers that follow that draft: a COSE_Sign1 with protected `{alg, kid, typ}` over CWT
//! claims `{2: sub, 4: exp, 6: iat, 65533: {"lst": zlib(bytes), "bits": 2}, 65534: ttl}`.
//! Status values: 0 valid, 1 invalid (revoked), 3 superseded (the draft's application-specific
//! value). Index `i` is bits `2i..2i+2` of the byte string, least significant bits of each
//! byte first. The export inflates to `size / 4` bytes: a reader of the draft needs the whole
//! array, unlike certseal's own snapshot.

use crate::codec::cbor::Writer;
use crate::codec::zlib;
use crate::cose::{sig_structure_into, Sign1};
use crate::crypto::Signer;
use crate::trust::SignerCert;

use super::document::signing_kid;
use super::{State, StatusError};

/// `typ` (COSE header 16) of a Status List Token in CWT form.
pub const TSL_TYP: &str = "application/statuslist+cwt";
/// Status value of a valid index.
pub const TSL_VALID: u8 = 0x00;
/// Status value of a revoked index (the draft's INVALID).
pub const TSL_INVALID: u8 = 0x01;
/// Status value of a superseded index (the draft's application-specific 0x03).
pub const TSL_SUPERSEDED: u8 = 0x03;

const CLAIM_SUB: i64 = 2;
const CLAIM_EXP: i64 = 4;
const CLAIM_IAT: i64 = 6;
const CLAIM_STATUS_LIST: i64 = 65533;
const CLAIM_TTL: i64 = 65534;

/// The claims of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TslParams {
    /// `sub`: the URI the token is published at (what referenced tokens point to).
    pub uri: String,
    /// `iat`.
    pub issued_at: i64,
    /// `exp`: after it the token must not be used (certseal sets it to `next_update`).
    pub expires_at: i64,
    /// `ttl`: how long a consumer may cache it, in seconds.
    pub ttl: u64,
}

/// The 2-bit status array of indices `0..size` (unset bits: valid).
pub(crate) fn two_bit_array<I>(size: u64, entries: I) -> Result<Vec<u8>, crate::Error>
where
    I: IntoIterator<Item = (u64, State)>,
{
    let len = usize::try_from(size.div_ceil(4)).map_err(|_| StatusError::Build {
        field: "size",
        reason: format!("{size} too large for this machine"),
    })?;
    let mut out = vec![0u8; len];
    for (index, state) in entries {
        let value = match state {
            State::Valid => TSL_VALID,
            State::Revoked(_) => TSL_INVALID,
            State::Superseded => TSL_SUPERSEDED,
        };
        let byte = usize::try_from(index / 4)
            .ok()
            .and_then(|b| out.get_mut(b))
            .ok_or_else(|| StatusError::Build {
                field: "index",
                reason: format!("{index} not below the size {size}"),
            })?;
        let shift = (index % 4) * 2;
        *byte = (*byte & !(0b11 << shift)) | (value << shift);
    }
    Ok(out)
}

/// Builds and signs a Token Status List (CWT) for indices `0..size` from the non-valid
/// `entries` (a [`super::StatusList::entries`] or the registry's fold). `key` must be the key
/// of `cert`, a status signer valid at `params.issued_at`.
pub fn token_status_list<I>(
    size: u64,
    entries: I,
    params: &TslParams,
    key: &dyn Signer,
    cert: &SignerCert,
) -> Result<Vec<u8>, crate::Error>
where
    I: IntoIterator<Item = (u64, State)>,
{
    let kid = signing_kid(key, cert, params.issued_at)?;
    let lst = zlib::deflate(&two_bit_array(size, entries)?);
    let mut claims = Writer::with_capacity(lst.len() + 128);
    claims
        .map(5)
        .int(CLAIM_SUB)
        .text(&params.uri)
        .int(CLAIM_EXP)
        .int(params.expires_at)
        .int(CLAIM_IAT)
        .int(params.issued_at)
        .int(CLAIM_STATUS_LIST)
        .map(2)
        .text("lst")
        .bytes(&lst)
        .text("bits")
        .uint(2)
        .int(CLAIM_TTL)
        .uint(params.ttl);
    let mut protected = Writer::with_capacity(48);
    protected
        .map(3)
        .int(1)
        .int(key.algorithm().cose_value())
        .int(4)
        .bytes(&kid)
        .int(16)
        .text(TSL_TYP);
    let protected = protected.into_inner();
    let mut tbs = Vec::new();
    sig_structure_into(&protected, &[], claims.as_slice(), &mut tbs);
    let signature = key.sign(&tbs)?;
    Ok(Sign1::encode(
        true,
        &protected,
        &[0xa0],
        claims.as_slice(),
        &signature,
    ))
}
