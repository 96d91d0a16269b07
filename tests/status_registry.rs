//! Revocation end to end on a real SQLite registry and a real key directory: the registry's
//! status log published as signed snapshots, deltas and a Token Status List by the status
//! signer `keys init` makes, loaded by a verifier, and every QR payload checked against it —
//! revoked, superseded, the new versions valid, and a signer-key compromise refusing every
//! payload of the kid while the re-issued versions pass.
#![cfg(feature = "sqlite")]

use certseal::crypto::Algorithm;
use certseal::issue::Issuer;
use certseal::model::Date;
use certseal::registry::{
    write_synthetic_csv, Decision, Encoding, HolderChange, Invalidation, IssueOptions, Registry,
    RegistryError, ReissueKind, ReissueRequest, StatusPublisher, StatusReason as LogReason,
    SubmissionFormat, SubmissionMeta,
};
use certseal::status::{ReasonCode, StalePolicy, State, StatusList, StatusReason};
use certseal::trust::{InitOptions, KeyDir, SignerUsage};
use certseal::verify::{Verdict, Verifier};
use certseal::FixedClock;

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

fn qr_of(r: &mut Registry) -> Vec<(u64, [u8; 8], String)> {
    let mut out = Vec::new();
    r.each_certificate(|c| {
        out.push((c.status_index, c.kid, c.qr.clone()));
        Ok(())
    })
    .unwrap();
    out
}

fn code(v: &Verdict) -> &'static str {
    v.result.as_ref().err().map_or("valid", |r| r.code())
}

#[test]
fn verifier_with_a_snapshot_refuses_revoked_and_superseded_on_every_path() {
    let mut f = fixture(4);
    let ids = identifiers(&mut f.registry);
    f.registry
        .invalidate(&ids[0].0, &invalidation(), NOW + 10)
        .unwrap();
    let new = f
        .registry
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: ids[1].0.clone(),
                kind: ReissueKind::Replacement { paper: false },
            },
            NOW + 20,
        )
        .unwrap();
    let by = StatusPublisher::from_key_dir(&f.keys, NOW + 30, DAY).unwrap();
    let snap = f.registry.status_snapshot(&by).unwrap();
    let store = f.keys.trust_store().unwrap();
    let list = StatusList::load(&snap.bytes, &store).unwrap();
    let at = NOW + 60;
    let verifier = Verifier::new(store)
        .with_clock(FixedClock(at))
        .with_status(list);
    let all = qr_of(&mut f.registry);
    let texts: Vec<&str> = all.iter().map(|(_, _, q)| q.as_str()).collect();
    let want = |i: u64| match i {
        _ if i == ids[0].1 => "revoked",
        _ if i == ids[1].1 => "superseded",
        _ => "valid",
    };
    // Single, parallel batch and cofactored bulk paths give the same verdicts.
    let batch = verifier.verify_batch(&texts);
    let bulk = verifier.verify_many_cofactored_at(&texts, at);
    for (((index, _, qr), b), m) in all.iter().zip(&batch).zip(&bulk) {
        let v = verifier.verify_at(qr, at);
        assert_eq!(code(&v), want(*index), "index {index}");
        assert_eq!(code(b), want(*index));
        assert_eq!(code(m), want(*index));
        if v.is_valid() {
            let fr = v.freshness.unwrap();
            assert_eq!((fr.sequence, fr.stale, fr.covered), (2, false, true));
        }
    }
    assert_eq!(
        verifier.verify_at(&new.qr, at).result,
        Ok(()),
        "the replacement is valid"
    );
    // The cache never skips the status step.
    let cached = Verifier::new(f.keys.trust_store().unwrap())
        .with_clock(FixedClock(at))
        .with_cache(64)
        .with_status(StatusList::load(&snap.bytes, &f.keys.trust_store().unwrap()).unwrap());
    let revoked_qr = &all.iter().find(|(i, _, _)| *i == ids[0].1).unwrap().2;
    for _ in 0..2 {
        assert_eq!(code(&cached.verify_at(revoked_qr, at)), "revoked");
    }
    // Documents go through the same step.
    let mut doc = None;
    f.registry
        .each_certificate(|c| {
            if c.status_index == ids[1].1 {
                doc = Some(c.document.clone());
            }
            Ok(())
        })
        .unwrap();
    let d = verifier.verify_document_at(&doc.unwrap(), at);
    assert_eq!(d.result.unwrap_err().code(), "superseded");
    // Stale: warn marks it, fail refuses it, the grace delays both.
    let late = NOW + 30 + DAY + 100;
    let v = verifier.verify_at(&new.qr, late);
    assert!(v.is_valid() && v.freshness.unwrap().stale);
    let strict = StatusList::load(&snap.bytes, verifier.trust())
        .unwrap()
        .with_policy(StalePolicy::Fail);
    let graced = strict.clone().with_grace(3600);
    let v = Verifier::new(f.keys.trust_store().unwrap())
        .with_status(strict)
        .verify_at(&new.qr, late);
    assert_eq!(code(&v), "stale");
    let v = Verifier::new(f.keys.trust_store().unwrap())
        .with_status(graced)
        .verify_at(&new.qr, late);
    assert!(v.is_valid() && !v.freshness.unwrap().stale);
}

#[test]
fn a_payload_signed_by_the_status_key_is_refused() {
    let mut f = fixture(1);
    let mut row = None;
    f.registry
        .each_certificate(|c| {
            row = Some(c.clone());
            Ok(())
        })
        .unwrap();
    let cert = row.unwrap().parse_certificate().unwrap();
    let status = f.keys.status_signer().unwrap();
    let issuer = Issuer::new(status.signer_at(NOW).unwrap(), status.cert()).unwrap();
    let issued = issuer.issue(&cert, Some(0), NOW).unwrap();
    let verifier = Verifier::new(f.keys.trust_store().unwrap()).with_clock(FixedClock(NOW));
    let v = verifier.verify_at(&issued.qr, NOW);
    assert_eq!(code(&v), "not_document_signer", "{:?}", v.result);
    let d = verifier.verify_document_at(&issued.document, NOW);
    assert_eq!(d.result.unwrap_err().code(), "not_document_signer");
}

#[test]
fn key_compromise_before_valid_after_snapshot_signer_revoked_reissued_valid() {
    let mut f = fixture(6);
    let old_kid = f.keys.active_signer(NOW).unwrap().kid();
    let by = StatusPublisher::from_key_dir(&f.keys, NOW, DAY).unwrap();
    let before = f.registry.status_snapshot(&by).unwrap();
    let old = qr_of(&mut f.registry);
    let v0 = Verifier::new(f.keys.trust_store().unwrap())
        .with_status(StatusList::load(&before.bytes, &f.keys.trust_store().unwrap()).unwrap());
    for (_, kid, qr) in &old {
        assert_eq!(*kid, old_kid);
        assert_eq!(code(&v0.verify_at(qr, NOW)), "valid");
    }
    f.keys
        .add_signer(Algorithm::EdDsa, NOW + DAY, NOW + 1000 * DAY)
        .unwrap();
    let later = NOW + 2 * DAY;
    f.registry
        .revoke_signer(old_kid, &f.keys, None, later, &mut |_| {})
        .unwrap();
    let store = f.keys.trust_store().unwrap();
    let by = StatusPublisher::from_key_dir(&f.keys, later, DAY).unwrap();
    let after = f.registry.status_snapshot(&by).unwrap();
    let v1 =
        Verifier::new(store.clone()).with_status(StatusList::load(&after.bytes, &store).unwrap());
    let all = qr_of(&mut f.registry);
    let texts: Vec<&str> = all.iter().map(|(_, _, q)| q.as_str()).collect();
    let bulk = v1.verify_many_cofactored_at(&texts, later);
    let mut reissued = 0;
    for ((_, kid, qr), b) in all.iter().zip(&bulk) {
        let want = if *kid == old_kid {
            "signer_revoked"
        } else {
            reissued += 1;
            "valid"
        };
        assert_eq!(code(&v1.verify_at(qr, later)), want);
        assert_eq!(code(b), want);
    }
    assert_eq!(reissued, 6);
}
