//! Revocation end to end on a real SQLite registry and a real key directory: the registry's
//! status log published as signed snapshots, deltas and a Token Status List by the status
//! signer `keys init` makes, loaded by a verifier, and every QR payload checked against it —
//! revoked, superseded, the new versions valid, and a signer-key compromise refusing every
//! payload of the kid while the re-issued versions pass.
#![cfg(feature = "sqlite")]

use certseal::crypto::Algorithm;
use certseal::model::Date;
use certseal::registry::{
    write_synthetic_csv, Decision, Encoding, HolderChange, Invalidation, IssueOptions, Registry,
    RegistryError, ReissueKind, ReissueRequest, StatusPublisher, StatusReason as LogReason,
    SubmissionFormat, SubmissionMeta,
};
use certseal::status::{ReasonCode, State, StatusList, StatusReason};
use certseal::trust::{InitOptions, KeyDir, SignerUsage};

const NOW: i64 = 1_795_651_200; // 2026-11-26T00:00:00Z
const DAY: i64 = 86_400;

struct Fixture {
    _dir: tempfile::TempDir,
    keys: KeyDir,
    registry: Registry,
}

fn fixture(n: u64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyDir::init(
        &dir.path().join("keys"),
        InitOptions {
            alg: Algorithm::EdDsa,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now: NOW - 400 * DAY,
            signer_validity_days: 2000,
            force: false,
        },
    )
    .unwrap();
    let mut registry = Registry::open(&dir.path().join("registry.db"))
        .unwrap()
        .with_actor("test");
    let mut csv = Vec::new();
    write_synthetic_csv(&mut csv, 0, n).unwrap();
    let meta = SubmissionMeta {
        body: "中国注册会计师协会".into(),
        batch: "syn".into(),
        exam: None,
        results_published: None,
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    };
    registry.submit(&csv[..], &meta, NOW).unwrap();
    let rep = registry
        .issue_pending(&keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .unwrap();
    assert_eq!(rep.issued, n);
    Fixture {
        _dir: dir,
        keys,
        registry,
    }
}

fn identifiers(r: &mut Registry) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    r.each_certificate(|c| {
        out.push((c.identifier.clone(), c.status_index));
        Ok(())
    })
    .unwrap();
    out
}

fn invalidation() -> Invalidation {
    Invalidation {
        reason: LogReason::Invalidated,
        decision: Decision {
            body: "财政部会计资格评价中心".into(),
            reference: "财会考〔2026〕7号".into(),
            date: Date::parse("2026-11-20").unwrap(),
        },
        note: None,
    }
}

#[test]
fn keys_init_makes_a_status_signer_with_the_status_usage_only() {
    let f = fixture(1);
    let s = f.keys.status_signer().expect("status signer");
    assert_eq!(s.cert().usage(), SignerUsage::STATUS);
    let store = f.keys.trust_store().unwrap();
    assert_eq!(store.lookup(&s.kid()).len(), 1, "in the trust store");
    assert_eq!(f.keys.trusted_certs().len(), 2);
    let again = KeyDir::open(f.keys.dir()).unwrap();
    assert_eq!(again.status_signer().unwrap().kid(), s.kid());
}

#[test]
fn snapshot_and_delta_from_the_status_log_carry_every_state() {
    let mut f = fixture(6);
    let ids = identifiers(&mut f.registry);
    let store = f.keys.trust_store().unwrap();
    let by = StatusPublisher::from_key_dir(&f.keys, NOW, DAY).unwrap();
    // Nothing changed yet: sequence 0, every index valid.
    let empty = f.registry.status_snapshot(&by).unwrap();
    assert_eq!((empty.sequence, empty.size, empty.entries), (0, 6, 0));
    let mut list = StatusList::load(&empty.bytes, &store).unwrap();
    assert_eq!(list.state(3), Some(State::Valid));
    // Revoke one, supersede another (换发).
    f.registry
        .invalidate(&ids[1].0, &invalidation(), NOW + 10)
        .unwrap();
    let new = f
        .registry
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: ids[2].0.clone(),
                kind: ReissueKind::Change {
                    changes: vec![HolderChange::Name("王建华".into())],
                    date: Date::parse("2026-11-26").unwrap(),
                },
            },
            NOW + 20,
        )
        .unwrap();
    let by = StatusPublisher::from_key_dir(&f.keys, NOW + 30, DAY).unwrap();
    let snap = f.registry.status_snapshot(&by).unwrap();
    assert_eq!((snap.sequence, snap.size, snap.entries), (2, 7, 2));
    let full = StatusList::load(&snap.bytes, &store).unwrap();
    assert_eq!(
        full.state(ids[1].1),
        Some(State::Revoked(ReasonCode::INVALIDATED))
    );
    assert_eq!(full.state(ids[2].1), Some(State::Superseded));
    assert_eq!(full.state(new.status_index), Some(State::Valid));
    assert_eq!(full.state(ids[0].1), Some(State::Valid));
    // The delta 0 → 2 brings the empty state to the same place.
    let delta = f.registry.status_delta(0, &by).unwrap();
    assert_eq!((delta.from, delta.sequence, delta.entries), (Some(0), 2, 2));
    list.apply_delta(&delta.bytes, &store).unwrap();
    assert_eq!(list.entries(), full.entries());
    assert_eq!(list.sequence(), 2);
    // Nothing to publish past the head.
    let e = f.registry.status_delta(2, &by).unwrap_err();
    assert!(
        matches!(
            e,
            certseal::Error::Registry(RegistryError::Request { field: "since", .. })
        ),
        "{e}"
    );
    // The Token Status List export has the same states.
    let tsl = f
        .registry
        .status_token_list(&by, "https://example.cn/v1/status/tsl", 3600);
    let tsl = tsl.unwrap();
    assert_eq!((tsl.sequence, tsl.size, tsl.entries), (2, 7, 2));
}

#[test]
fn a_document_signer_cannot_publish_status() {
    let f = fixture(1);
    let mut by = StatusPublisher::from_key_dir(&f.keys, NOW, DAY).unwrap();
    by.signer = &f.keys.signers()[0];
    let mut registry = f.registry;
    let e = registry.status_snapshot(&by).unwrap_err();
    assert!(e.to_string().contains("status-signing usage"), "{e}");
}

#[test]
fn key_compromise_published_as_a_delta_refuses_the_kid_and_keeps_the_reissued() {
    let mut f = fixture(5);
    let store0 = f.keys.trust_store().unwrap();
    let by = StatusPublisher::from_key_dir(&f.keys, NOW, DAY).unwrap();
    let before = f.registry.status_snapshot(&by).unwrap();
    let mut list = StatusList::load(&before.bytes, &store0).unwrap();
    let old_kid = f.keys.active_signer(NOW).unwrap().kid();
    assert!(list.check(&old_kid, Some(0), NOW).is_ok());
    f.keys
        .add_signer(Algorithm::EdDsa, NOW + DAY, NOW + 1000 * DAY)
        .unwrap();
    let later = NOW + 2 * DAY;
    let rep = f
        .registry
        .revoke_signer(old_kid, &f.keys, None, later, &mut |_| {})
        .unwrap();
    assert_eq!(rep.reissued, 5);
    let store = f.keys.trust_store().unwrap();
    let by = StatusPublisher::from_key_dir(&f.keys, later, DAY).unwrap();
    let delta = f.registry.status_delta(before.sequence, &by).unwrap();
    assert_eq!(delta.revoked_kids, 1);
    list.apply_delta(&delta.bytes, &store).unwrap();
    assert_eq!(
        list.check(&old_kid, Some(0), later),
        Err(StatusReason::SignerRevoked { kid: old_kid })
    );
    for (_, index) in identifiers(&mut f.registry)
        .into_iter()
        .filter(|(_, i)| *i >= 5)
    {
        assert!(list.check(&rep.new_kid, Some(index), later).is_ok());
    }
    let snap = f.registry.status_snapshot(&by).unwrap();
    let fresh = StatusList::load(&snap.bytes, &store).unwrap();
    assert_eq!(fresh.revoked_kids(), &[old_kid]);
    assert_eq!(fresh.entries(), list.entries());
}
