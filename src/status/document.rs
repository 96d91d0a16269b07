//! The signed status documents: snapshot and delta payloads (deterministic CBOR), their
//! COSE_Sign1 envelope (protected header `{alg, kid}`, as the QR payload), and the builders
//! the registry calls. The document type is bound into the signature as COSE external AAD, so
//! a snapshot can never be taken for a delta, nor either for anything else a key signs.

use crate::codec::cbor::{Mode, Reader, Writer};
use crate::codec::{self, CborErrorKind, CodecError};
use crate::cose::{sig_structure_into, CoseError, HeaderBucket, Sign1};
use crate::crypto::{Algorithm, CryptoError, Signer, VerifyingKey};
use crate::trust::{SignerCert, TrustStore, TrustedSigner};

use super::set::{self, EncodedSet};
use super::{Limits, ReasonCode, State, StatusError};

/// The payload format version (key 1 of both documents).
pub const FORMAT_VERSION: u64 = 1;
/// External AAD of a snapshot's signature.
pub const SNAPSHOT_TYPE: &[u8] = b"certseal status snapshot";
/// External AAD of a delta's signature.
pub const DELTA_TYPE: &[u8] = b"certseal status delta";

/// The header of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotParams {
    /// Who publishes the list (the issuing authority's unified social credit code or name);
    /// every delta must carry the same text.
    pub issuer: String,
    /// The registry's status-log sequence the snapshot is the fold of (rows ≤ `sequence`).
    pub sequence: u64,
    /// When it was signed (seconds since the epoch).
    pub issued_at: i64,
    /// When verifiers should expect a newer snapshot or delta; past it the state is stale.
    pub next_update: i64,
    /// Number of status indices covered: `0..size`.
    pub size: u64,
}

/// The header of a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaParams {
    /// Same as the snapshot's.
    pub issuer: String,
    /// The sequence it applies to (`N`).
    pub from: u64,
    /// The sequence it brings the verifier to (`M` > `N`).
    pub to: u64,
    /// When it was signed.
    pub issued_at: i64,
    /// When verifiers should expect the next update.
    pub next_update: i64,
    /// Number of status indices covered at `to` (at least the size at `from`).
    pub size: u64,
}

// ---------------------------------------------------------------------------------------------
// Building

fn build_err(field: &'static str, reason: impl Into<String>) -> crate::Error {
    StatusError::Build {
        field,
        reason: reason.into(),
    }
    .into()
}

/// Checks that `key` belongs to `cert`, that `cert` may sign status documents, and that
/// `issued_at` lies in its window; returns the kid.
pub(crate) fn signing_kid(
    key: &dyn Signer,
    cert: &SignerCert,
    issued_at: i64,
) -> Result<[u8; 8], crate::Error> {
    let public = VerifyingKey::from_spki(&key.public_key_spki())?;
    if &public != cert.verifying_key() {
        return Err(crate::trust::TrustError::KeyMismatch {
            what: format!("status signer \"{}\"", cert.subject()),
        }
        .into());
    }
    if !cert.usage().status {
        return Err(StatusError::NotStatusSigner {
            subject: cert.subject().to_owned(),
        }
        .into());
    }
    if !cert.is_valid_at(issued_at) {
        return Err(StatusError::SignerNotValidAt {
            subject: cert.subject().to_owned(),
            issued_at,
            not_before: cert.not_before(),
            not_after: cert.not_after(),
        }
        .into());
    }
    Ok(cert.kid())
}

fn check_header(
    issuer: &str,
    issued_at: i64,
    next_update: i64,
    size: u64,
) -> Result<u32, crate::Error> {
    if issuer.is_empty() || issuer.len() > Limits::DEFAULT.max_issuer_len {
        return Err(build_err("issuer", "must be 1 to 256 bytes"));
    }
    if next_update < issued_at {
        return Err(build_err(
            "next_update",
            format!("{next_update} precedes issued_at {issued_at}"),
        ));
    }
    u32::try_from(size)
        .map_err(|_| build_err("size", format!("{size} exceeds {}", super::MAX_SIZE)))
}

/// Non-valid states split by label: superseded indices, and revoked `(index, reason)`, both
/// sorted, checked below `size` and free of repeats.
struct Labelled {
    superseded: Vec<u32>,
    revoked: Vec<(u32, u8)>,
}

/// Sorts `entries` into labels. In a snapshot an index given twice is an error; in a delta
/// (`fold`) the later state wins if it is a legal move (the log's rows in order).
fn label<I>(entries: I, size: u32, fold: bool) -> Result<Labelled, crate::Error>
where
    I: IntoIterator<Item = (u64, State)>,
{
    let mut all: Vec<(u32, u32, State)> = Vec::new();
    for (order, (index, state)) in entries.into_iter().enumerate() {
        let i = u32::try_from(index)
            .ok()
            .filter(|i| *i < size)
            .ok_or_else(|| build_err("index", format!("{index} not below the size {size}")))?;
        if fold && state == State::Valid {
            return Err(build_err(
                "index",
                format!("{index}: a delta cannot make an index valid again"),
            ));
        }
        all.push((i, u32::try_from(order).unwrap_or(u32::MAX), state));
    }
    all.sort_unstable_by_key(|&(i, order, _)| (i, order));
    let mut out = Labelled {
        superseded: Vec::new(),
        revoked: Vec::new(),
    };
    let mut iter = all.into_iter().peekable();
    while let Some((i, _, mut state)) = iter.next() {
        while let Some(&(j, _, next)) = iter.peek() {
            if j != i {
                break;
            }
            if !fold {
                return Err(build_err("index", format!("{i} given twice")));
            }
            if !state.may_become(next) {
                return Err(StatusError::IllegalTransition {
                    index: i.into(),
                    from: state,
                    to: next,
                }
                .into());
            }
            state = next;
            iter.next();
        }
        match state {
            State::Valid => {}
            State::Superseded => out.superseded.push(i),
            State::Revoked(r) => out.revoked.push((i, r.0)),
        }
    }
    Ok(out)
}

fn write_set(w: &mut Writer, s: &EncodedSet) {
    w.array(3).uint(s.count).uint(s.k.into()).bytes(&s.codes);
}

/// Groups revoked entries by reason: the most common reason is the default (ties: the lowest
/// code); the others as sets of ranks within the revoked set.
fn reason_groups(revoked: &[(u32, u8)]) -> (u8, Vec<(u8, EncodedSet)>) {
    let mut counts = [0u64; 256];
    for &(_, r) in revoked {
        counts[usize::from(r)] += 1;
    }
    let default = (0..=255u8)
        .max_by_key(|&r| (counts[usize::from(r)], std::cmp::Reverse(r)))
        .unwrap_or(0);
    let universe = revoked.len() as u64;
    let mut groups = Vec::new();
    for code in 0..=255u8 {
        if code == default || counts[usize::from(code)] == 0 {
            continue;
        }
        let ranks: Vec<u32> = revoked
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| *r == code)
            .map(|(rank, _)| u32::try_from(rank).unwrap_or(u32::MAX))
            .collect();
        groups.push((code, set::encode(&ranks, universe)));
    }
    (default, groups)
}

fn write_kids(w: &mut Writer, kids: &[[u8; 8]]) -> Result<(), crate::Error> {
    let mut sorted = kids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() > Limits::DEFAULT.max_revoked_kids {
        return Err(build_err("revoked_kids", "more than 4096"));
    }
    w.array(sorted.len());
    for k in &sorted {
        w.bytes(k);
    }
    Ok(())
}

/// Signs `payload` as a tagged COSE_Sign1 with protected `{alg, kid}` and the document type
/// as external AAD.
fn seal(
    payload: &[u8],
    aad: &[u8],
    key: &dyn Signer,
    kid: &[u8; 8],
) -> Result<Vec<u8>, crate::Error> {
    Ok(Sign1::sign(true, kid, payload, aad, key)?)
}

/// Builds and signs a snapshot: the states of indices `0..params.size` from `entries` (any
/// order; indices not given are valid; an index given twice is refused), and the revoked
/// signer kids. `key` must be the key of `cert`, a status signer valid at `issued_at`.
pub fn sign_snapshot<I>(
    params: &SnapshotParams,
    entries: I,
    revoked_kids: &[[u8; 8]],
    key: &dyn Signer,
    cert: &SignerCert,
) -> Result<Vec<u8>, crate::Error>
where
    I: IntoIterator<Item = (u64, State)>,
{
    let size = check_header(
        &params.issuer,
        params.issued_at,
        params.next_update,
        params.size,
    )?;
    let kid = signing_kid(key, cert, params.issued_at)?;
    let labels = label(entries, size, false)?;
    let payload = snapshot_payload(params, &labels, revoked_kids)?;
    seal(&payload, SNAPSHOT_TYPE, key, &kid)
}

fn snapshot_payload(
    params: &SnapshotParams,
    labels: &Labelled,
    revoked_kids: &[[u8; 8]],
) -> Result<Vec<u8>, crate::Error> {
    let size = params.size;
    let superseded = set::encode(&labels.superseded, size);
    let revoked_idx: Vec<u32> = labels.revoked.iter().map(|(i, _)| *i).collect();
    let revoked = set::encode(&revoked_idx, size);
    let (default, groups) = reason_groups(&labels.revoked);
    let mut w = Writer::with_capacity(superseded.codes.len() + revoked.codes.len() + 256);
    w.map(11)
        .int(1)
        .uint(FORMAT_VERSION)
        .int(2)
        .text(&params.issuer)
        .int(3)
        .uint(params.sequence)
        .int(4)
        .int(params.issued_at)
        .int(5)
        .int(params.next_update)
        .int(6)
        .uint(size)
        .int(7);
    write_kids(&mut w, revoked_kids)?;
    w.int(8);
    write_set(&mut w, &superseded);
    w.int(9);
    write_set(&mut w, &revoked);
    w.int(10).uint(default.into()).int(11).array(groups.len());
    for (code, s) in &groups {
        w.array(2).uint((*code).into());
        write_set(&mut w, s);
    }
    Ok(w.into_inner())
}

/// Builds and signs a delta from `changes`: the status-log rows in `(from, to]` as
/// `(index, new state)` in log order (an index may appear more than once; its last state
/// counts, and each step must be a legal move), plus the signer kids revoked in that range.
pub fn sign_delta<I>(
    params: &DeltaParams,
    changes: I,
    revoked_kids: &[[u8; 8]],
    key: &dyn Signer,
    cert: &SignerCert,
) -> Result<Vec<u8>, crate::Error>
where
    I: IntoIterator<Item = (u64, State)>,
{
    let size = check_header(
        &params.issuer,
        params.issued_at,
        params.next_update,
        params.size,
    )?;
    if params.to <= params.from {
        return Err(build_err(
            "to",
            format!("{} must be above from {}", params.to, params.from),
        ));
    }
    let kid = signing_kid(key, cert, params.issued_at)?;
    let labels = label(changes, size, true)?;
    let superseded = set::encode(&labels.superseded, params.size);
    let mut by_reason: Vec<(u8, Vec<u32>)> = Vec::new();
    let mut revoked = labels.revoked;
    revoked.sort_unstable_by_key(|&(i, r)| (r, i));
    for (i, r) in revoked {
        match by_reason.last_mut() {
            Some((code, v)) if *code == r => v.push(i),
            _ => by_reason.push((r, vec![i])),
        }
    }
    let mut w = Writer::with_capacity(superseded.codes.len() + 256);
    w.map(10)
        .int(1)
        .uint(FORMAT_VERSION)
        .int(2)
        .text(&params.issuer)
        .int(3)
        .uint(params.from)
        .int(4)
        .uint(params.to)
        .int(5)
        .int(params.issued_at)
        .int(6)
        .int(params.next_update)
        .int(7)
        .uint(params.size)
        .int(8);
    write_kids(&mut w, revoked_kids)?;
    w.int(9);
    write_set(&mut w, &superseded);
    w.int(10).array(by_reason.len());
    for (code, idx) in &by_reason {
        w.array(2).uint((*code).into());
        write_set(&mut w, &set::encode(idx, params.size));
    }
    seal(w.as_slice(), DELTA_TYPE, key, &kid)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A set as it appears on the wire, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WireSet<'a> {
    pub(crate) count: u64,
    pub(crate) k: u64,
    pub(crate) codes: &'a [u8],
}

/// A verified snapshot payload.
#[derive(Debug)]
pub(crate) struct SnapshotBody<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) sequence: u64,
    pub(crate) issued_at: i64,
    pub(crate) next_update: i64,
    pub(crate) size: u64,
    pub(crate) kids: Vec<[u8; 8]>,
    pub(crate) superseded: WireSet<'a>,
    pub(crate) revoked: WireSet<'a>,
    pub(crate) default_reason: ReasonCode,
    pub(crate) reasons: Vec<(ReasonCode, WireSet<'a>)>,
    pub(crate) signer_kid: [u8; 8],
}

/// A verified delta payload.
#[derive(Debug)]
pub(crate) struct DeltaBody<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) from: u64,
    pub(crate) to: u64,
    pub(crate) issued_at: i64,
    pub(crate) next_update: i64,
    pub(crate) size: u64,
    pub(crate) kids: Vec<[u8; 8]>,
    pub(crate) superseded: WireSet<'a>,
    pub(crate) revoked: Vec<(ReasonCode, WireSet<'a>)>,
    pub(crate) signer_kid: [u8; 8],
}

fn field(field: &'static str, got: impl Into<String>, expected: &'static str) -> crate::Error {
    StatusError::Field {
        field,
        got: got.into(),
        expected,
    }
    .into()
}

/// Parses the envelope, finds the signer by kid, checks its status usage and the signature
/// over the received protected bytes with `aad`. Returns the payload, the kid and the signer.
fn open<'a, 's>(
    bytes: &'a [u8],
    aad: &[u8],
    what: &'static str,
    max: usize,
    store: &'s TrustStore,
    limits: &Limits,
) -> Result<(&'a [u8], [u8; 8], &'s TrustedSigner), crate::Error> {
    if bytes.len() > max {
        return Err(StatusError::TooLarge {
            what,
            len: bytes.len(),
            max,
        }
        .into());
    }
    let cbor_limits = codec::Limits {
        max_cose_len: max,
        max_items: limits
            .max_revoked_kids
            .saturating_add(limits.max_reason_groups.saturating_mul(8))
            .saturating_add(64),
        ..codec::Limits::DEFAULT
    };
    let msg = Sign1::parse(bytes, Mode::Strict, &cbor_limits)?;
    let alg = match msg.alg {
        Some((alg, HeaderBucket::Protected)) => alg,
        _ => return Err(CoseError::MissingAlg.into()),
    };
    let kid = match msg.kid {
        Some((kid, HeaderBucket::Protected)) => <[u8; 8]>::try_from(kid)
            .map_err(|_| field("kid", format!("{} bytes", kid.len()), "8 bytes, protected"))?,
        Some((_, HeaderBucket::Unprotected)) => {
            return Err(field("kid", "unprotected", "8 bytes, protected"))
        }
        None => return Err(field("kid", "missing", "8 bytes, protected")),
    };
    let payload = msg
        .payload
        .ok_or_else(|| field("payload", "detached", "embedded"))?;
    let candidates = store.lookup(&kid);
    if candidates.is_empty() {
        return Err(StatusError::UnknownSigner { kid: kid.to_vec() }.into());
    }
    let alg = alg.as_int().and_then(Algorithm::from_cose).ok_or_else(|| {
        field(
            "alg",
            alg.to_string(),
            "ES256 (-7), EdDSA (-8) or SM2 (-65538)",
        )
    })?;
    let mut tbs = Vec::new();
    sig_structure_into(msg.protected, aad, payload, &mut tbs);
    let mut status_signers = candidates.iter().filter(|s| s.usage().status).peekable();
    if status_signers.peek().is_none() {
        return Err(StatusError::NotStatusSigner {
            subject: candidates
                .first()
                .map(|s| s.subject().to_owned())
                .unwrap_or_default(),
        }
        .into());
    }
    for signer in status_signers {
        if signer.key().algorithm() == alg && signer.key().verify(&tbs, msg.signature).is_ok() {
            return Ok((payload, kid, signer));
        }
    }
    Err(CryptoError::BadSignature.into())
}

/// Reads map keys in order.
struct Body<'a> {
    r: Reader<'a>,
    doc: &'static str,
}

impl<'a> Body<'a> {
    fn new(payload: &'a [u8], doc: &'static str, entries: usize) -> Result<Self, crate::Error> {
        let mut r = Reader::new(payload, Mode::Strict);
        let n = r.map()?;
        if n != entries {
            return Err(field(
                doc,
                format!("a map of {n} entries"),
                "the entries in order",
            ));
        }
        Ok(Body { r, doc })
    }

    fn key(&mut self, key: i64, name: &'static str) -> Result<(), crate::Error> {
        let at = self.r.position();
        match self.r.int() {
            Ok(k) if k == key => Ok(()),
            Ok(k) => Err(field(
                name,
                format!("key {k}"),
                "keys in the order of the spec",
            )),
            Err(_) => Err(CodecError::Cbor {
                offset: at,
                kind: CborErrorKind::UnexpectedType {
                    expected: "an integer map key",
                },
            }
            .into()),
        }
    }

    fn uint(&mut self, key: i64, name: &'static str) -> Result<u64, crate::Error> {
        self.key(key, name)?;
        self.r
            .uint()
            .map_err(|e| field(name, e.to_string(), "an unsigned integer"))
    }

    fn int(&mut self, key: i64, name: &'static str) -> Result<i64, crate::Error> {
        self.key(key, name)?;
        self.r
            .int()
            .map_err(|e| field(name, e.to_string(), "an integer"))
    }

    fn version(&mut self) -> Result<(), crate::Error> {
        let v = self.uint(1, "version")?;
        if v != FORMAT_VERSION {
            return Err(field("version", v.to_string(), "1"));
        }
        Ok(())
    }

    fn issuer(&mut self, limits: &Limits) -> Result<&'a str, crate::Error> {
        self.key(2, "issuer")?;
        let t = self
            .r
            .text()
            .map_err(|e| field("issuer", e.to_string(), "text"))?;
        if t.is_empty() || t.len() > limits.max_issuer_len {
            return Err(StatusError::Limit {
                field: "issuer",
                got: t.len() as u64,
                max: limits.max_issuer_len as u64,
            }
            .into());
        }
        Ok(t)
    }

    fn size(&mut self, key: i64, limits: &Limits) -> Result<u64, crate::Error> {
        let size = self.uint(key, "size")?;
        if size > limits.max_size {
            return Err(StatusError::Limit {
                field: "size",
                got: size,
                max: limits.max_size,
            }
            .into());
        }
        Ok(size)
    }

    fn kids(&mut self, key: i64, limits: &Limits) -> Result<Vec<[u8; 8]>, crate::Error> {
        self.key(key, "revoked_kids")?;
        let n = self
            .r
            .array()
            .map_err(|e| field("revoked_kids", e.to_string(), "an array of 8-byte strings"))?;
        if n > limits.max_revoked_kids {
            return Err(StatusError::Limit {
                field: "revoked_kids",
                got: n as u64,
                max: limits.max_revoked_kids as u64,
            }
            .into());
        }
        let mut kids: Vec<[u8; 8]> = Vec::with_capacity(n);
        for _ in 0..n {
            let b = self.r.bytes()?;
            let kid = <[u8; 8]>::try_from(b)
                .map_err(|_| field("revoked_kids", format!("{} bytes", b.len()), "8 bytes"))?;
            if kids.last().is_some_and(|last| *last >= kid) {
                return Err(field(
                    "revoked_kids",
                    super::hex(&kid),
                    "kids in ascending order, each once",
                ));
            }
            kids.push(kid);
        }
        Ok(kids)
    }

    fn set(&mut self, name: &'static str) -> Result<WireSet<'a>, crate::Error> {
        let n = self
            .r
            .array()
            .map_err(|e| field(name, e.to_string(), "[count, k, codes]"))?;
        if n != 3 {
            return Err(field(name, format!("an array of {n}"), "[count, k, codes]"));
        }
        let count = self.r.uint()?;
        let k = self.r.uint()?;
        let codes = self.r.bytes()?;
        Ok(WireSet { count, k, codes })
    }

    fn groups(
        &mut self,
        key: i64,
        name: &'static str,
        limits: &Limits,
    ) -> Result<Vec<(ReasonCode, WireSet<'a>)>, crate::Error> {
        self.key(key, name)?;
        let n = self
            .r
            .array()
            .map_err(|e| field(name, e.to_string(), "an array of [reason, set]"))?;
        if n > limits.max_reason_groups {
            return Err(StatusError::Limit {
                field: name,
                got: n as u64,
                max: limits.max_reason_groups as u64,
            }
            .into());
        }
        let mut out: Vec<(ReasonCode, WireSet<'a>)> = Vec::with_capacity(n);
        for _ in 0..n {
            if self.r.array()? != 2 {
                return Err(field(name, "a group not of 2 items", "[reason, set]"));
            }
            let code = self.reason(name)?;
            if out.last().is_some_and(|(last, _)| *last >= code) {
                return Err(field(
                    name,
                    code.0.to_string(),
                    "reasons in ascending order, each once",
                ));
            }
            out.push((code, self.set(name)?));
        }
        Ok(out)
    }

    fn reason(&mut self, name: &'static str) -> Result<ReasonCode, crate::Error> {
        let v = self.r.uint()?;
        u8::try_from(v)
            .map(ReasonCode)
            .map_err(|_| field(name, v.to_string(), "a reason code 0..=255"))
    }

    fn finish(self) -> Result<(), crate::Error> {
        self.r.finish().map_err(|_| {
            field(
                self.doc,
                "bytes after the payload map",
                "one map and nothing after it",
            )
        })
    }
}

fn check_times(issued_at: i64, next_update: i64) -> Result<(), crate::Error> {
    if next_update < issued_at {
        return Err(field(
            "next_update",
            next_update.to_string(),
            "a time not before issued_at",
        ));
    }
    Ok(())
}

fn check_window(signer: &TrustedSigner, issued_at: i64) -> Result<(), crate::Error> {
    if !signer.is_valid_at(issued_at) {
        return Err(StatusError::SignerNotValidAt {
            subject: signer.subject().to_owned(),
            issued_at,
            not_before: signer.not_before(),
            not_after: signer.not_after(),
        }
        .into());
    }
    Ok(())
}

/// Verifies and parses a snapshot (envelope, signer, signature, payload fields). The sets'
/// codes are checked by [`super::set::RiceSet::load`] afterwards.
pub(crate) fn read_snapshot<'a>(
    bytes: &'a [u8],
    store: &TrustStore,
    limits: &Limits,
) -> Result<SnapshotBody<'a>, crate::Error> {
    let (payload, signer_kid, signer) = open(
        bytes,
        SNAPSHOT_TYPE,
        "snapshot",
        limits.max_snapshot_bytes,
        store,
        limits,
    )?;
    let mut b = Body::new(payload, "snapshot", 11)?;
    b.version()?;
    let issuer = b.issuer(limits)?;
    let sequence = b.uint(3, "sequence")?;
    let issued_at = b.int(4, "issued_at")?;
    let next_update = b.int(5, "next_update")?;
    let size = b.size(6, limits)?;
    let kids = b.kids(7, limits)?;
    b.key(8, "superseded")?;
    let superseded = b.set("superseded")?;
    b.key(9, "revoked")?;
    let revoked = b.set("revoked")?;
    b.key(10, "default_reason")?;
    let default_reason = b.reason("default_reason")?;
    let reasons = b.groups(11, "reasons", limits)?;
    b.finish()?;
    check_times(issued_at, next_update)?;
    check_window(signer, issued_at)?;
    if reasons.iter().any(|(code, _)| *code == default_reason) {
        return Err(field(
            "reasons",
            default_reason.0.to_string(),
            "groups for reasons other than the default",
        ));
    }
    Ok(SnapshotBody {
        issuer,
        sequence,
        issued_at,
        next_update,
        size,
        kids,
        superseded,
        revoked,
        default_reason,
        reasons,
        signer_kid,
    })
}

/// Verifies and parses a delta.
pub(crate) fn read_delta<'a>(
    bytes: &'a [u8],
    store: &TrustStore,
    limits: &Limits,
) -> Result<DeltaBody<'a>, crate::Error> {
    let (payload, signer_kid, signer) = open(
        bytes,
        DELTA_TYPE,
        "delta",
        limits.max_delta_bytes,
        store,
        limits,
    )?;
    let mut b = Body::new(payload, "delta", 10)?;
    b.version()?;
    let issuer = b.issuer(limits)?;
    let from = b.uint(3, "from")?;
    let to = b.uint(4, "to")?;
    let issued_at = b.int(5, "issued_at")?;
    let next_update = b.int(6, "next_update")?;
    let size = b.size(7, limits)?;
    let kids = b.kids(8, limits)?;
    b.key(9, "superseded")?;
    let superseded = b.set("superseded")?;
    let revoked = b.groups(10, "revoked", limits)?;
    b.finish()?;
    check_times(issued_at, next_update)?;
    check_window(signer, issued_at)?;
    if to <= from {
        return Err(field("to", to.to_string(), "a sequence above from"));
    }
    Ok(DeltaBody {
        issuer,
        from,
        to,
        issued_at,
        next_update,
        size,
        kids,
        superseded,
        revoked,
        signer_kid,
    })
}
