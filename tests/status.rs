//! Status snapshots, deltas and the Token Status List export (`specs/status.md`), with real
//! certificates and keys: every refusal is typed and leaves the state in force unchanged.

use certseal::codec::cbor::Writer;
use certseal::cose::Sign1;
use certseal::crypto::{CryptoError, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::status::{
    sign_delta, sign_snapshot, token_status_list, DeltaParams, Limits, ReasonCode, SnapshotParams,
    StalePolicy, State, StatusError, StatusList, StatusReason, TslParams, DELTA_TYPE,
    SNAPSHOT_TYPE, TSL_INVALID, TSL_SUPERSEDED, TSL_VALID,
};
use certseal::trust::{RootCert, RootParams, SignerCert, SignerParams, SignerUsage, TrustStore};
use certseal::verify::Verifier;
use certseal::Error;

const NOW: i64 = 1_795_651_200;
const ISSUER: &str = "12100000400010398P";

struct Fixture {
    root: RootCert,
    root_key: RingSigner,
    status_key: RingSigner,
    status: SignerCert,
    doc_key: RingSigner,
    doc: SignerCert,
    store: TrustStore,
}

fn signer_params(cn: &str, serial: u64) -> SignerParams {
    SignerParams {
        common_name: cn.into(),
        authority_name: "测试考试中心".into(),
        authority_uscc: ISSUER.into(),
        serial,
        not_before: NOW - 86_400,
        not_after: NOW + 86_400 * 365,
    }
}

fn fixture() -> Fixture {
    let root_key = RingSigner::ed25519_from_seed(&[1; 32]).unwrap();
    let root = RootCert::issue(
        &root_key,
        &RootParams {
            common_name: "status test root".into(),
            authority_name: "测试考试中心".into(),
            authority_uscc: None,
            serial: 1,
            not_before: NOW - 86_400 * 2,
            not_after: NOW + 86_400 * 3650,
        },
    )
    .unwrap();
    let status_key = RingSigner::ed25519_from_seed(&[2; 32]).unwrap();
    let status = root
        .issue_signer_for(
            &root_key,
            &status_key.public_key_spki(),
            &signer_params("status signer", 2),
            SignerUsage::STATUS,
        )
        .unwrap();
    let doc_key = RingSigner::ed25519_from_seed(&[3; 32]).unwrap();
    let doc = root
        .issue_signer(
            &root_key,
            &doc_key.public_key_spki(),
            &signer_params("document signer", 3),
        )
        .unwrap();
    let store = TrustStore::from_signer_certs(&root, &[status.clone(), doc.clone()]).unwrap();
    Fixture {
        root,
        root_key,
        status_key,
        status,
        doc_key,
        doc,
        store,
    }
}

fn snap_params(size: u64, sequence: u64) -> SnapshotParams {
    SnapshotParams {
        issuer: ISSUER.into(),
        sequence,
        issued_at: NOW,
        next_update: NOW + 86_400,
        size,
    }
}

fn delta_params(from: u64, to: u64, size: u64) -> DeltaParams {
    DeltaParams {
        issuer: ISSUER.into(),
        from,
        to,
        issued_at: NOW + 600,
        next_update: NOW + 86_400 + 600,
        size,
    }
}

/// A labelling with every kind of entry: superseded, revoked with three reasons.
fn sample_states(size: u64) -> Vec<(u64, State)> {
    (0..size)
        .filter_map(|i| match i % 29 {
            0 | 7 | 11 => Some((i, State::Superseded)),
            3 => Some((i, State::Revoked(ReasonCode::INVALIDATED))),
            13 if i % 2 == 0 => Some((i, State::Revoked(ReasonCode::WITHDRAWN))),
            17 if i % 3 == 0 => Some((i, State::Revoked(ReasonCode(200)))),
            _ => None,
        })
        .collect()
}

fn snapshot(f: &Fixture, size: u64, entries: &[(u64, State)], kids: &[[u8; 8]]) -> Vec<u8> {
    sign_snapshot(
        &snap_params(size, 10),
        entries.iter().copied(),
        kids,
        &f.status_key,
        &f.status,
    )
    .unwrap()
}

fn status_err(e: Error) -> StatusError {
    match e {
        Error::Status(s) => s,
        other => panic!("expected a status error, got {other:?}"),
    }
}

fn same_state(a: &StatusList, b: &StatusList) {
    assert_eq!(a.sequence(), b.sequence());
    assert_eq!(a.size(), b.size());
    assert_eq!(a.entries(), b.entries());
    assert_eq!(a.revoked_kids(), b.revoked_kids());
}

#[test]
fn snapshot_round_trips_every_index_and_reason() {
    let f = fixture();
    let size = 20_000;
    let entries = sample_states(size);
    let list = StatusList::load(&snapshot(&f, size, &entries, &[]), &f.store).unwrap();
    assert_eq!(list.issuer(), ISSUER);
    assert_eq!(list.sequence(), 10);
    assert_eq!(list.entries(), entries);
    let mut want = vec![State::Valid; size as usize];
    for (i, s) in &entries {
        want[*i as usize] = *s;
    }
    for (i, w) in want.iter().enumerate() {
        assert_eq!(list.state(i as u64), Some(*w), "index {i}");
    }
    assert_eq!(list.state(size), None);
}

#[test]
fn empty_and_full_snapshots_load() {
    let f = fixture();
    let empty = StatusList::load(&snapshot(&f, 0, &[], &[]), &f.store).unwrap();
    assert_eq!(empty.state(0), None);
    let all: Vec<(u64, State)> = (0..500).map(|i| (i, State::Superseded)).collect();
    let full = StatusList::load(&snapshot(&f, 500, &all, &[]), &f.store).unwrap();
    assert_eq!(full.entries(), all);
}

#[test]
fn check_refuses_revoked_superseded_and_revoked_signer() {
    let f = fixture();
    let entries = [
        (1, State::Superseded),
        (2, State::Revoked(ReasonCode::INVALIDATED)),
    ];
    let kid = [9u8; 8];
    let list = StatusList::load(&snapshot(&f, 10, &entries, &[kid]), &f.store).unwrap();
    let other = f.doc.kid();
    assert_eq!(
        list.check(&other, Some(1), NOW),
        Err(StatusReason::Superseded { index: 1 })
    );
    assert_eq!(
        list.check(&other, Some(2), NOW),
        Err(StatusReason::Revoked {
            index: 2,
            reason: ReasonCode::INVALIDATED
        })
    );
    // A revoked kid is refused whatever the index and the time.
    assert_eq!(
        list.check(&kid, Some(0), i64::MIN),
        Err(StatusReason::SignerRevoked { kid })
    );
    assert_eq!(
        list.check(&kid, None, NOW),
        Err(StatusReason::SignerRevoked { kid })
    );
    let fresh = list.check(&other, Some(0), NOW).unwrap();
    assert!(fresh.covered && !fresh.stale);
    assert_eq!(fresh.sequence, 10);
    assert_eq!(fresh.next_update, NOW + 86_400);
    assert_eq!(StatusReason::SignerRevoked { kid }.code(), "signer_revoked");
}

#[test]
fn index_past_the_size_and_missing_index_are_not_covered() {
    let f = fixture();
    let list = StatusList::load(&snapshot(&f, 10, &[], &[]), &f.store).unwrap();
    assert!(!list.check(&[1; 8], Some(10), NOW).unwrap().covered);
    assert!(!list.check(&[1; 8], None, NOW).unwrap().covered);
    assert!(list.check(&[1; 8], Some(9), NOW).unwrap().covered);
}

#[test]
fn stale_state_warns_by_default_and_fails_under_the_fail_policy() {
    let f = fixture();
    let bytes = snapshot(&f, 10, &[], &[]);
    let warn = StatusList::load(&bytes, &f.store).unwrap();
    let late = NOW + 86_400 + 1;
    assert!(!warn.check(&[1; 8], Some(0), NOW + 86_400).unwrap().stale);
    assert!(warn.check(&[1; 8], Some(0), late).unwrap().stale);
    let fail = StatusList::load(&bytes, &f.store)
        .unwrap()
        .with_policy(StalePolicy::Fail);
    assert_eq!(
        fail.check(&[1; 8], Some(0), late),
        Err(StatusReason::Stale {
            next_update: NOW + 86_400,
            now: late
        })
    );
    assert!(fail.check(&[1; 8], Some(0), NOW).is_ok());
}

#[test]
fn delta_applies_on_top_of_the_snapshot() {
    let f = fixture();
    let size = 1000;
    let entries = sample_states(size);
    let mut list = StatusList::load(&snapshot(&f, size, &entries, &[]), &f.store).unwrap();
    // Superseded 0 becomes revoked; 1 (valid) superseded then revoked in the same range; a new
    // index past the old size superseded; a signer kid revoked.
    let changes = [
        (0, State::Revoked(ReasonCode::WITHDRAWN)),
        (1, State::Superseded),
        (1, State::Revoked(ReasonCode::INVALIDATED)),
        (1005, State::Superseded),
        (2, State::Superseded),
    ];
    let delta = sign_delta(
        &delta_params(10, 15, 1010),
        changes,
        &[[7; 8]],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    list.apply_delta(&delta, &f.store).unwrap();
    assert_eq!(list.sequence(), 15);
    assert_eq!(list.size(), 1010);
    assert_eq!(list.next_update(), NOW + 86_400 + 600);
    assert_eq!(list.state(0), Some(State::Revoked(ReasonCode::WITHDRAWN)));
    assert_eq!(list.state(1), Some(State::Revoked(ReasonCode::INVALIDATED)));
    assert_eq!(list.state(2), Some(State::Superseded));
    assert_eq!(list.state(1005), Some(State::Superseded));
    assert_eq!(list.state(1006), Some(State::Valid));
    assert_eq!(list.revoked_kids(), &[[7; 8]]);
    assert_eq!(
        list.check(&[7; 8], Some(4), NOW),
        Err(StatusReason::SignerRevoked { kid: [7; 8] })
    );
    // Every other index as in the snapshot.
    for (i, s) in &entries {
        if *i > 2 {
            assert_eq!(list.state(*i), Some(*s));
        }
    }
}

fn refused_unchanged(f: &Fixture, list: &mut StatusList, delta: &[u8]) -> Error {
    let before = list.clone();
    let err = list.apply_delta(delta, &f.store).unwrap_err();
    same_state(&before, list);
    err
}

#[test]
fn rejects_delta_that_does_not_chain() {
    let f = fixture();
    let mut list = StatusList::load(&snapshot(&f, 100, &[], &[]), &f.store).unwrap();
    let delta = sign_delta(
        &delta_params(11, 12, 100),
        [(5, State::Superseded)],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    assert_eq!(
        status_err(refused_unchanged(&f, &mut list, &delta)),
        StatusError::DoesNotChain { from: 11, held: 10 }
    );
}

#[test]
fn rejects_delta_with_a_lower_or_equal_sequence() {
    let f = fixture();
    let mut list = StatusList::load(&snapshot(&f, 100, &[], &[]), &f.store).unwrap();
    for (from, to) in [(9, 10), (5, 9)] {
        let delta = sign_delta(
            &delta_params(from, to, 100),
            [(5, State::Superseded)],
            &[],
            &f.status_key,
            &f.status,
        )
        .unwrap();
        assert_eq!(
            status_err(refused_unchanged(&f, &mut list, &delta)),
            StatusError::Rollback { got: to, held: 10 }
        );
    }
}

#[test]
fn rejects_delta_with_a_bad_signature() {
    let f = fixture();
    let mut list = StatusList::load(&snapshot(&f, 100, &[], &[]), &f.store).unwrap();
    let mut delta = sign_delta(
        &delta_params(10, 11, 100),
        [(5, State::Superseded)],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    let last = delta.len() - 1;
    delta[last] ^= 1;
    assert!(matches!(
        refused_unchanged(&f, &mut list, &delta),
        Error::Crypto(CryptoError::BadSignature)
    ));
}

#[test]
fn rejects_documents_from_an_unknown_signer() {
    let f = fixture();
    let bytes = snapshot(&f, 100, &[], &[]);
    let only_docs = TrustStore::from_signer_certs(&f.root, std::slice::from_ref(&f.doc)).unwrap();
    assert_eq!(
        status_err(StatusList::load(&bytes, &only_docs).unwrap_err()),
        StatusError::UnknownSigner {
            kid: f.status.kid().to_vec()
        }
    );
    let mut list = StatusList::load(&bytes, &f.store).unwrap();
    let delta = sign_delta(
        &delta_params(10, 11, 100),
        [(5, State::Superseded)],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    let before = list.clone();
    assert!(matches!(
        status_err(list.apply_delta(&delta, &only_docs).unwrap_err()),
        StatusError::UnknownSigner { .. }
    ));
    same_state(&before, &list);
}

#[test]
fn document_signer_cannot_sign_status_and_status_signer_reads_as_status_only() {
    let f = fixture();
    assert_eq!(f.status.usage(), SignerUsage::STATUS);
    assert_eq!(f.doc.usage(), SignerUsage::DOCUMENTS);
    // The builder refuses a document signer.
    let err = sign_snapshot(&snap_params(10, 1), [], &[], &f.doc_key, &f.doc).unwrap_err();
    assert!(matches!(
        status_err(err),
        StatusError::NotStatusSigner { .. }
    ));
    // A snapshot signed by the document key anyway is refused by the verifier.
    let payload = status_payload_of(&f, &snapshot(&f, 10, &[], &[]));
    let forged = Sign1::sign(true, &f.doc.kid(), &payload, SNAPSHOT_TYPE, &f.doc_key).unwrap();
    assert!(matches!(
        status_err(StatusList::load(&forged, &f.store).unwrap_err()),
        StatusError::NotStatusSigner { .. }
    ));
    // A key of both usages may do both.
    let both = f
        .root
        .issue_signer_for(
            &f.root_key,
            &f.doc_key.public_key_spki(),
            &signer_params("both", 9),
            SignerUsage::BOTH,
        )
        .unwrap();
    assert_eq!(
        SignerCert::parse(both.der()).unwrap().usage(),
        SignerUsage::BOTH
    );
    assert!(sign_snapshot(&snap_params(10, 1), [], &[], &f.doc_key, &both).is_ok());
    // A signer allowed nothing cannot be made.
    let none = SignerUsage {
        documents: false,
        status: false,
    };
    assert!(f
        .root
        .issue_signer_for(
            &f.root_key,
            &f.doc_key.public_key_spki(),
            &signer_params("x", 10),
            none
        )
        .is_err());
}

#[cfg(feature = "sm2")]
#[test]
fn sm2_root_issues_status_signers_with_the_usage() {
    use certseal::crypto::sm2::{Sm2Signer, DEFAULT_ID};
    let root_key = Sm2Signer::from_secret_bytes(&[4; 32], DEFAULT_ID).unwrap();
    let root = RootCert::issue(
        &root_key,
        &RootParams {
            common_name: "sm2 root".into(),
            authority_name: "测试考试中心".into(),
            authority_uscc: None,
            serial: 1,
            not_before: NOW - 86_400 * 2,
            not_after: NOW + 86_400 * 3650,
        },
    )
    .unwrap();
    let key = Sm2Signer::from_secret_bytes(&[5; 32], DEFAULT_ID).unwrap();
    let cert = root
        .issue_signer_for(
            &root_key,
            &key.public_key_spki(),
            &signer_params("sm2 status", 2),
            SignerUsage::STATUS,
        )
        .unwrap();
    assert_eq!(
        SignerCert::parse(cert.der()).unwrap().usage(),
        SignerUsage::STATUS
    );
    let store = TrustStore::from_signer_certs(&root, std::slice::from_ref(&cert)).unwrap();
    let bytes = sign_snapshot(
        &snap_params(10, 1),
        [(3, State::Superseded)],
        &[],
        &key,
        &cert,
    )
    .unwrap();
    let list = StatusList::load(&bytes, &store).unwrap();
    assert_eq!(list.state(3), Some(State::Superseded));
}

/// The payload of a signed status document (to re-sign it in forgery tests).
fn status_payload_of(_f: &Fixture, bytes: &[u8]) -> Vec<u8> {
    let msg = Sign1::parse(
        bytes,
        certseal::codec::cbor::Mode::Strict,
        &certseal::codec::Limits {
            max_cose_len: 64 << 20,
            ..certseal::codec::Limits::DEFAULT
        },
    )
    .unwrap();
    msg.payload.unwrap().to_vec()
}

#[test]
fn rejects_a_snapshot_offered_as_a_delta_and_back() {
    let f = fixture();
    let snap = snapshot(&f, 100, &[], &[]);
    let mut list = StatusList::load(&snap, &f.store).unwrap();
    assert!(matches!(
        refused_unchanged(&f, &mut list, &snap),
        Error::Crypto(CryptoError::BadSignature)
    ));
    let delta = sign_delta(
        &delta_params(10, 11, 100),
        [],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    assert!(matches!(
        StatusList::load(&delta, &f.store).unwrap_err(),
        Error::Crypto(CryptoError::BadSignature)
    ));
    // Same payload, but signed with the other document type as AAD: the payload shape is
    // refused after the signature.
    let payload = status_payload_of(&f, &delta);
    let relabelled = Sign1::sign(
        true,
        &f.status.kid(),
        &payload,
        SNAPSHOT_TYPE,
        &f.status_key,
    )
    .unwrap();
    assert!(matches!(
        status_err(StatusList::load(&relabelled, &f.store).unwrap_err()),
        StatusError::Field { .. }
    ));
}

#[test]
fn rejects_illegal_transitions() {
    let f = fixture();
    let entries = [
        (1, State::Superseded),
        (2, State::Revoked(ReasonCode::INVALIDATED)),
    ];
    let mut list = StatusList::load(&snapshot(&f, 10, &entries, &[]), &f.store).unwrap();
    for (index, to) in [
        (2, State::Superseded),
        (2, State::Revoked(ReasonCode::WITHDRAWN)),
        (1, State::Superseded),
    ] {
        let delta = sign_delta(
            &delta_params(10, 11, 10),
            [(index, to)],
            &[],
            &f.status_key,
            &f.status,
        )
        .unwrap();
        assert!(matches!(
            status_err(refused_unchanged(&f, &mut list, &delta)),
            StatusError::IllegalTransition { index: i, .. } if i == index
        ));
    }
    // Nothing returns to valid, and the builder refuses a backwards fold.
    assert!(sign_delta(
        &delta_params(10, 11, 10),
        [(3, State::Valid)],
        &[],
        &f.status_key,
        &f.status
    )
    .is_err());
    assert!(matches!(
        status_err(
            sign_delta(
                &delta_params(10, 11, 10),
                [
                    (3, State::Revoked(ReasonCode::INVALIDATED)),
                    (3, State::Superseded)
                ],
                &[],
                &f.status_key,
                &f.status
            )
            .unwrap_err()
        ),
        StatusError::IllegalTransition { index: 3, .. }
    ));
}

#[test]
fn rejects_issuer_mismatch_and_shrinking_size() {
    let f = fixture();
    let mut list = StatusList::load(&snapshot(&f, 100, &[], &[]), &f.store).unwrap();
    let mut p = delta_params(10, 11, 100);
    p.issuer = "another issuer".into();
    let delta = sign_delta(&p, [], &[], &f.status_key, &f.status).unwrap();
    assert!(matches!(
        status_err(refused_unchanged(&f, &mut list, &delta)),
        StatusError::IssuerMismatch { .. }
    ));
    let delta = sign_delta(&delta_params(10, 11, 99), [], &[], &f.status_key, &f.status).unwrap();
    assert_eq!(
        status_err(refused_unchanged(&f, &mut list, &delta)),
        StatusError::SizeShrinks { got: 99, held: 100 }
    );
}

#[test]
fn replacing_needs_a_newer_snapshot_that_keeps_revoked_kids() {
    let f = fixture();
    let mut list = StatusList::load(&snapshot(&f, 100, &[], &[[5; 8]]), &f.store).unwrap();
    let same = snapshot(&f, 100, &[], &[[5; 8]]);
    let before = list.clone();
    assert_eq!(
        status_err(list.replace(&same, &f.store).unwrap_err()),
        StatusError::Rollback { got: 10, held: 10 }
    );
    same_state(&before, &list);
    let mut p = snap_params(120, 11);
    p.issued_at += 60;
    let forgets = sign_snapshot(&p, [], &[], &f.status_key, &f.status).unwrap();
    assert!(matches!(
        status_err(list.replace(&forgets, &f.store).unwrap_err()),
        StatusError::Field {
            field: "revoked_kids",
            ..
        }
    ));
    let newer = sign_snapshot(
        &p,
        [(110, State::Superseded)],
        &[[5; 8]],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    list.replace(&newer, &f.store).unwrap();
    assert_eq!(list.sequence(), 11);
    assert_eq!(list.state(110), Some(State::Superseded));
}

#[test]
fn a_revoked_status_signer_is_refused() {
    let f = fixture();
    let kid = f.status.kid();
    let bytes = snapshot(&f, 10, &[], &[kid]);
    assert_eq!(
        status_err(StatusList::load(&bytes, &f.store).unwrap_err()),
        StatusError::SignerRevoked { kid }
    );
    // Revoked by a delta: the next delta from that key is refused.
    let mut list = StatusList::load(&snapshot(&f, 10, &[], &[]), &f.store).unwrap();
    let d1 = sign_delta(
        &delta_params(10, 11, 10),
        [],
        &[kid],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    list.apply_delta(&d1, &f.store).unwrap();
    let d2 = sign_delta(
        &delta_params(11, 12, 10),
        [(1, State::Superseded)],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    assert_eq!(
        status_err(refused_unchanged(&f, &mut list, &d2)),
        StatusError::SignerRevoked { kid }
    );
}

#[test]
fn rejects_snapshot_signed_outside_the_signer_window() {
    let f = fixture();
    let mut p = snap_params(10, 1);
    p.issued_at = NOW + 86_400 * 400;
    p.next_update = p.issued_at + 1;
    assert!(matches!(
        status_err(sign_snapshot(&p, [], &[], &f.status_key, &f.status).unwrap_err()),
        StatusError::SignerNotValidAt { .. }
    ));
}

/// The issue's key-compromise flow on real QR payloads: before, every payload of the
/// compromised document signer verifies and passes the status check; after a snapshot that
/// revokes its kid and supersedes its indices, each is refused with `signer_revoked`, and the
/// versions re-issued under a new key (new indices) pass.
#[test]
fn key_compromise_refuses_every_payload_of_the_kid_and_keeps_the_reissued_ones() {
    let f = fixture();
    let new_key = RingSigner::ed25519_from_seed(&[6; 32]).unwrap();
    let new_doc = f
        .root
        .issue_signer(
            &f.root_key,
            &new_key.public_key_spki(),
            &signer_params("new document signer", 7),
        )
        .unwrap();
    let store =
        TrustStore::from_signer_certs(&f.root, &[f.status.clone(), f.doc.clone(), new_doc.clone()])
            .unwrap();
    let verifier = Verifier::new(store.clone());
    let batch = certseal::model::parse_json(include_bytes!("../data/sample-records.json")).unwrap();
    let old = Issuer::new(&f.doc_key, &f.doc).unwrap();
    let new = Issuer::new(&new_key, &new_doc).unwrap();
    let n = batch.accepted.len() as u64;
    let mut old_qr = Vec::new();
    let mut new_qr = Vec::new();
    for (i, (_, cert)) in batch.accepted.iter().enumerate() {
        old_qr.push(old.issue(cert, Some(i as u64), NOW - 3600).unwrap().qr);
        new_qr.push(new.issue(cert, Some(n + i as u64), NOW).unwrap().qr);
    }
    let status_of = |list: &StatusList, qr: &str| {
        let v = verifier.verify_at(qr, NOW + 60);
        assert!(v.is_valid(), "{qr}: {:?}", v.result);
        list.check(
            &v.kid.unwrap(),
            v.certificate.unwrap().status_index,
            NOW + 60,
        )
    };
    let before = StatusList::load(
        &sign_snapshot(&snap_params(n, 1), [], &[], &f.status_key, &f.status).unwrap(),
        &store,
    )
    .unwrap();
    for qr in &old_qr {
        assert!(status_of(&before, qr).unwrap().covered);
    }
    let superseded = (0..n).map(|i| (i, State::Superseded));
    let after = StatusList::load(
        &sign_snapshot(
            &snap_params(2 * n, 2),
            superseded,
            &[f.doc.kid()],
            &f.status_key,
            &f.status,
        )
        .unwrap(),
        &store,
    )
    .unwrap();
    for qr in &old_qr {
        assert_eq!(
            status_of(&after, qr),
            Err(StatusReason::SignerRevoked { kid: f.doc.kid() })
        );
    }
    for qr in &new_qr {
        assert!(status_of(&after, qr).unwrap().covered);
    }
}

// ---------------------------------------------------------------------------------------------
// Token Status List export, decoded independently (ciborium + fdeflate)

#[test]
fn token_status_list_export_decodes_with_independent_cbor_and_inflate() {
    use ciborium::value::Value;
    let f = fixture();
    let size = 10_001;
    let entries = sample_states(size);
    let list = StatusList::load(&snapshot(&f, size, &entries, &[]), &f.store).unwrap();
    let params = TslParams {
        uri: "https://status.example.cn/lists/1".into(),
        issued_at: list.issued_at(),
        expires_at: list.next_update(),
        ttl: 43_200,
    };
    let token = token_status_list(
        list.size(),
        list.entries(),
        &params,
        &f.status_key,
        &f.status,
    )
    .unwrap();

    let cose: Value = ciborium::de::from_reader(token.as_slice()).unwrap();
    let Value::Tag(18, inner) = cose else {
        panic!("not a tagged COSE_Sign1")
    };
    let Value::Array(parts) = *inner else {
        panic!("not an array")
    };
    let (Value::Bytes(protected), Value::Bytes(payload), Value::Bytes(signature)) =
        (&parts[0], &parts[2], &parts[3])
    else {
        panic!("bad COSE_Sign1 parts")
    };
    let header: Value = ciborium::de::from_reader(protected.as_slice()).unwrap();
    let get = |m: &Value, k: Value| -> Value {
        m.as_map()
            .unwrap()
            .iter()
            .find(|(key, _)| *key == k)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(
        get(&header, Value::Integer(16.into())),
        Value::Text("application/statuslist+cwt".into())
    );
    assert_eq!(
        get(&header, Value::Integer(1.into())),
        Value::Integer((-8).into())
    );
    // The signature verifies over the Sig_structure with the status signer's key.
    let mut tbs = Vec::new();
    ciborium::ser::into_writer(
        &Value::Array(vec![
            Value::Text("Signature1".into()),
            Value::Bytes(protected.clone()),
            Value::Bytes(vec![]),
            Value::Bytes(payload.clone()),
        ]),
        &mut tbs,
    )
    .unwrap();
    f.status.verifying_key().verify(&tbs, signature).unwrap();

    let claims: Value = ciborium::de::from_reader(payload.as_slice()).unwrap();
    assert_eq!(
        get(&claims, Value::Integer(2.into())),
        Value::Text(params.uri.clone())
    );
    assert_eq!(
        get(&claims, Value::Integer(6.into())),
        Value::Integer(params.issued_at.into())
    );
    assert_eq!(
        get(&claims, Value::Integer(4.into())),
        Value::Integer(params.expires_at.into())
    );
    assert_eq!(
        get(&claims, Value::Integer(65534.into())),
        Value::Integer(43_200.into())
    );
    let status_list = get(&claims, Value::Integer(65533.into()));
    assert_eq!(
        get(&status_list, Value::Text("bits".into())),
        Value::Integer(2.into())
    );
    let Value::Bytes(lst) = get(&status_list, Value::Text("lst".into())) else {
        panic!("lst")
    };
    let bits = fdeflate::decompress_to_vec(&lst).unwrap();
    assert_eq!(bits.len() as u64, size.div_ceil(4));
    for i in 0..size {
        let got = (bits[(i / 4) as usize] >> ((i % 4) * 2)) & 0b11;
        let want = match list.state(i).unwrap() {
            State::Valid => TSL_VALID,
            State::Superseded => TSL_SUPERSEDED,
            State::Revoked(_) => TSL_INVALID,
        };
        assert_eq!(got, want, "index {i}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bounds (specs/limits.md): at each bound and one past it

fn load_with(f: &Fixture, bytes: &[u8], limits: Limits) -> Result<StatusList, Error> {
    StatusList::load_with_limits(bytes, &f.store, &limits)
}

#[test]
fn snapshot_at_max_snapshot_bytes_loads_and_one_byte_less_of_limit_refuses() {
    let f = fixture();
    let bytes = snapshot(&f, 1000, &sample_states(1000), &[]);
    let at = Limits {
        max_snapshot_bytes: bytes.len(),
        ..Limits::DEFAULT
    };
    assert!(load_with(&f, &bytes, at).is_ok());
    let under = Limits {
        max_snapshot_bytes: bytes.len() - 1,
        ..Limits::DEFAULT
    };
    assert_eq!(
        status_err(load_with(&f, &bytes, under).unwrap_err()),
        StatusError::TooLarge {
            what: "snapshot",
            len: bytes.len(),
            max: bytes.len() - 1
        }
    );
    assert_eq!(Limits::DEFAULT.max_snapshot_bytes, 64 << 20);
}

#[test]
fn delta_at_max_delta_bytes_applies_and_past_it_is_refused() {
    let f = fixture();
    let snap = snapshot(&f, 100, &[], &[]);
    let delta = sign_delta(
        &delta_params(10, 11, 100),
        [(1, State::Superseded)],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    let mut at = load_with(
        &f,
        &snap,
        Limits {
            max_delta_bytes: delta.len(),
            ..Limits::DEFAULT
        },
    )
    .unwrap();
    at.apply_delta(&delta, &f.store).unwrap();
    let mut under = load_with(
        &f,
        &snap,
        Limits {
            max_delta_bytes: delta.len() - 1,
            ..Limits::DEFAULT
        },
    )
    .unwrap();
    assert!(matches!(
        status_err(under.apply_delta(&delta, &f.store).unwrap_err()),
        StatusError::TooLarge { what: "delta", .. }
    ));
    assert_eq!(Limits::DEFAULT.max_delta_bytes, 16 << 20);
}

#[test]
fn declared_size_at_max_size_loads_and_one_more_is_refused() {
    let f = fixture();
    let bytes = snapshot(&f, 5000, &[], &[]);
    assert!(load_with(
        &f,
        &bytes,
        Limits {
            max_size: 5000,
            ..Limits::DEFAULT
        }
    )
    .is_ok());
    assert_eq!(
        status_err(
            load_with(
                &f,
                &bytes,
                Limits {
                    max_size: 4999,
                    ..Limits::DEFAULT
                }
            )
            .unwrap_err()
        ),
        StatusError::Limit {
            field: "size",
            got: 5000,
            max: 4999
        }
    );
    // The default bound: 2^32 − 1 indices; the builder refuses one more.
    let max = SnapshotParams {
        size: u64::from(u32::MAX),
        ..snap_params(0, 1)
    };
    assert!(sign_snapshot(&max, [], &[], &f.status_key, &f.status).is_ok());
    let past = SnapshotParams {
        size: u64::from(u32::MAX) + 1,
        ..snap_params(0, 1)
    };
    assert!(matches!(
        status_err(sign_snapshot(&past, [], &[], &f.status_key, &f.status).unwrap_err()),
        StatusError::Build { field: "size", .. }
    ));
}

#[test]
fn revoked_kids_at_the_bound_load_and_one_more_is_refused() {
    let f = fixture();
    let kids: Vec<[u8; 8]> = (0..4u8).map(|i| [i; 8]).collect();
    let bytes = snapshot(&f, 10, &[], &kids);
    assert!(load_with(
        &f,
        &bytes,
        Limits {
            max_revoked_kids: 4,
            ..Limits::DEFAULT
        }
    )
    .is_ok());
    assert_eq!(
        status_err(
            load_with(
                &f,
                &bytes,
                Limits {
                    max_revoked_kids: 3,
                    ..Limits::DEFAULT
                }
            )
            .unwrap_err()
        ),
        StatusError::Limit {
            field: "revoked_kids",
            got: 4,
            max: 3
        }
    );
    // The default: 4,096 kids, built and loaded; the builder refuses 4,097.
    let many: Vec<[u8; 8]> = (0..4096u32).map(|i| u64::from(i).to_be_bytes()).collect();
    assert_eq!(
        StatusList::load(&snapshot(&f, 10, &[], &many), &f.store)
            .unwrap()
            .revoked_kids()
            .len(),
        4096
    );
    let too_many: Vec<[u8; 8]> = (0..4097u32).map(|i| u64::from(i).to_be_bytes()).collect();
    assert!(sign_snapshot(&snap_params(10, 1), [], &too_many, &f.status_key, &f.status).is_err());
}

#[test]
fn reason_groups_at_the_bound_load_and_one_more_is_refused() {
    let f = fixture();
    // Reasons 0..=4: one default, four groups.
    let entries: Vec<(u64, State)> = (0..20u64)
        .map(|i| (i, State::Revoked(ReasonCode((i % 5) as u8))))
        .collect();
    let bytes = snapshot(&f, 20, &entries, &[]);
    assert!(load_with(
        &f,
        &bytes,
        Limits {
            max_reason_groups: 4,
            ..Limits::DEFAULT
        }
    )
    .is_ok());
    assert_eq!(
        status_err(
            load_with(
                &f,
                &bytes,
                Limits {
                    max_reason_groups: 3,
                    ..Limits::DEFAULT
                }
            )
            .unwrap_err()
        ),
        StatusError::Limit {
            field: "reasons",
            got: 4,
            max: 3
        }
    );
}

#[test]
fn changes_held_from_deltas_at_the_bound_apply_and_one_more_is_refused() {
    let f = fixture();
    let snap = snapshot(&f, 100, &[], &[]);
    let mut list = load_with(
        &f,
        &snap,
        Limits {
            max_overlay: 3,
            ..Limits::DEFAULT
        },
    )
    .unwrap();
    let d1 = sign_delta(
        &delta_params(10, 11, 100),
        [
            (1, State::Superseded),
            (2, State::Superseded),
            (3, State::Superseded),
        ],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    list.apply_delta(&d1, &f.store).unwrap();
    let d2 = sign_delta(
        &delta_params(11, 12, 100),
        [(4, State::Superseded)],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    assert_eq!(
        status_err(refused_unchanged(&f, &mut list, &d2)),
        StatusError::Limit {
            field: "changes held from deltas",
            got: 4,
            max: 3
        }
    );
    // A change to an index already held replaces it and does not count twice.
    let d3 = sign_delta(
        &delta_params(11, 12, 100),
        [(1, State::Revoked(ReasonCode::WITHDRAWN))],
        &[],
        &f.status_key,
        &f.status,
    )
    .unwrap();
    list.apply_delta(&d3, &f.store).unwrap();
    assert_eq!(list.state(1), Some(State::Revoked(ReasonCode::WITHDRAWN)));
}

#[test]
fn issuer_text_at_the_bound_is_built_and_one_byte_more_is_refused() {
    let f = fixture();
    let mut p = snap_params(1, 1);
    p.issuer = "x".repeat(256);
    let bytes = sign_snapshot(&p, [], &[], &f.status_key, &f.status).unwrap();
    assert!(StatusList::load(&bytes, &f.store).is_ok());
    assert_eq!(
        status_err(
            load_with(
                &f,
                &bytes,
                Limits {
                    max_issuer_len: 255,
                    ..Limits::DEFAULT
                }
            )
            .unwrap_err()
        ),
        StatusError::Limit {
            field: "issuer",
            got: 256,
            max: 255
        }
    );
    p.issuer.push('x');
    assert!(sign_snapshot(&p, [], &[], &f.status_key, &f.status).is_err());
}

// ---------------------------------------------------------------------------------------------
// Hostile payloads, validly signed: the shape is refused with the field named

fn signed_snapshot_payload(f: &Fixture, build: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    build(&mut w);
    Sign1::sign(
        true,
        &f.status.kid(),
        w.as_slice(),
        SNAPSHOT_TYPE,
        &f.status_key,
    )
    .unwrap()
}

fn header(w: &mut Writer, size: u64) {
    w.map(11)
        .int(1)
        .uint(1)
        .int(2)
        .text(ISSUER)
        .int(3)
        .uint(1)
        .int(4)
        .int(NOW)
        .int(5)
        .int(NOW + 10)
        .int(6)
        .uint(size)
        .int(7);
}

#[test]
fn rejects_overlapping_superseded_and_revoked_sets() {
    let f = fixture();
    let one = certseal::status::set::encode(&[5], 10);
    let bytes = signed_snapshot_payload(&f, |w| {
        header(w, 10);
        w.array(0)
            .int(8)
            .array(3)
            .uint(1)
            .uint(one.k.into())
            .bytes(&one.codes);
        w.int(9)
            .array(3)
            .uint(1)
            .uint(one.k.into())
            .bytes(&one.codes);
        w.int(10).uint(1).int(11).array(0);
    });
    assert!(matches!(
        status_err(StatusList::load(&bytes, &f.store).unwrap_err()),
        StatusError::Overlap { index: 5, .. }
    ));
}

#[test]
fn rejects_set_elements_past_the_size_and_bad_padding() {
    let f = fixture();
    let s = certseal::status::set::encode(&[3, 12], 20);
    let bytes = signed_snapshot_payload(&f, |w| {
        header(w, 10);
        w.array(0)
            .int(8)
            .array(3)
            .uint(2)
            .uint(s.k.into())
            .bytes(&s.codes);
        w.int(9).array(3).uint(0).uint(0).bytes(&[]);
        w.int(10).uint(1).int(11).array(0);
    });
    assert!(matches!(
        status_err(StatusList::load(&bytes, &f.store).unwrap_err()),
        StatusError::Set {
            fault: certseal::status::SetFault::OutOfRange {
                value: 12,
                size: 10,
                ..
            },
            ..
        }
    ));
    let bytes = signed_snapshot_payload(&f, |w| {
        header(w, 10);
        w.array(0).int(8).array(3).uint(0).uint(0).bytes(&[0]);
        w.int(9).array(3).uint(0).uint(0).bytes(&[]);
        w.int(10).uint(1).int(11).array(0);
    });
    assert!(matches!(
        status_err(StatusList::load(&bytes, &f.store).unwrap_err()),
        StatusError::Set {
            fault: certseal::status::SetFault::Trailing { .. },
            ..
        }
    ));
}

#[test]
fn rejects_unsorted_kids_and_misordered_keys() {
    let f = fixture();
    let bytes = signed_snapshot_payload(&f, |w| {
        header(w, 10);
        w.array(2).bytes(&[2; 8]).bytes(&[1; 8]);
        w.int(8).array(3).uint(0).uint(0).bytes(&[]);
        w.int(9).array(3).uint(0).uint(0).bytes(&[]);
        w.int(10).uint(1).int(11).array(0);
    });
    assert!(matches!(
        status_err(StatusList::load(&bytes, &f.store).unwrap_err()),
        StatusError::Field {
            field: "revoked_kids",
            ..
        }
    ));
    let bytes = signed_snapshot_payload(&f, |w| {
        w.map(11).int(2).text(ISSUER).int(1).uint(1);
    });
    assert!(matches!(
        status_err(StatusList::load(&bytes, &f.store).unwrap_err()),
        StatusError::Field {
            field: "version",
            ..
        }
    ));
}

#[test]
fn delta_envelope_and_per_change_cost_meet_the_goal_on_a_small_universe() {
    // The size goal (≤ 200-byte envelope, ≤ 2.5 bytes a change) at 10 million indices;
    // examples/status-goals measures 100 million.
    let f = fixture();
    let n = 10_000_000u64;
    let p = delta_params(10, 1010, n);
    let empty = sign_delta(&p, [], &[], &f.status_key, &f.status).unwrap();
    let changes: Vec<(u64, State)> = (0..1000u64)
        .map(|i| ((i * 9_999_991) % n, State::Revoked(ReasonCode::INVALIDATED)))
        .collect();
    let delta = sign_delta(&p, changes, &[], &f.status_key, &f.status).unwrap();
    assert!(empty.len() <= 200, "envelope {} bytes", empty.len());
    assert!(
        delta.len() - empty.len() <= 2500,
        "changes {} bytes",
        delta.len() - empty.len()
    );
    let _ = DELTA_TYPE;
}

/// The block index (`specs/status.md`, "Lookups: the block index") against a plain array:
/// every index of random snapshots at sparse, anchor and dense densities, with one reason and
/// with several, plus single members at the first and last index.
#[test]
fn lookups_match_a_plain_array_at_every_index_of_random_snapshots() {
    let f = fixture();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let reasons = [
        ReasonCode::INVALIDATED,
        ReasonCode::WITHDRAWN,
        ReasonCode(200),
    ];
    // (size, superseded per mille, revoked per mille, reasons used)
    let cases: [(u64, u64, u64, usize); 9] = [
        (50_000, 30, 10, 1),
        (50_000, 30, 10, 3),
        (50_000, 0, 10, 2),
        (30_000, 1, 1, 3),
        (20_000, 400, 300, 3),
        (9_000, 1000, 0, 1),
        (9_000, 0, 1000, 3),
        (70_001, 2, 0, 1),
        (1, 0, 1000, 1),
    ];
    let mut lists = 0;
    for (size, sup, rev, n_reasons) in cases {
        let mut want = vec![State::Valid; size as usize];
        for (i, w) in want.iter_mut().enumerate() {
            let r = next() % 1000;
            if r < rev {
                *w = State::Revoked(reasons[(next() % n_reasons as u64) as usize]);
            } else if r < rev + sup {
                *w = State::Superseded;
            }
            if i == 0 && size > 1 {
                *w = State::Revoked(reasons[0]);
            }
        }
        if let Some(last) = want.last_mut() {
            *last = State::Superseded;
        }
        let entries: Vec<(u64, State)> = want
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != State::Valid)
            .map(|(i, s)| (i as u64, *s))
            .collect();
        let list = StatusList::load(&snapshot(&f, size, &entries, &[]), &f.store).unwrap();
        for (i, w) in want.iter().enumerate() {
            assert_eq!(
                list.state(i as u64),
                Some(*w),
                "index {i} of case {size}/{sup}/{rev}"
            );
        }
        assert_eq!(list.state(size), None);
        assert_eq!(list.entries(), entries);
        lists += 1;
    }
    assert_eq!(lists, cases.len());
}
