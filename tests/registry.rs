//! The registry on a real SQLite file: submissions (idempotent, bounded, encodings), bulk
//! issuance, every lifecycle transition and the refused ones, lookups, deadlines across the
//! Spring Festival, the audit chain under tampering, and a signer-key compromise.
#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};

use certseal::crypto::Algorithm;
use certseal::model::{Date, IdDocType, IssueKind};
use certseal::registry::{
    write_synthetic_csv, AuditFinding, Calendar, Decision, Encoding, HolderChange, Invalidation,
    IssueOptions, Lookup, Registry, RegistryError, ReissueKind, ReissueRequest, RowOutcome, State,
    StatusReason, Step, SubmissionFormat, SubmissionMeta,
};
use certseal::trust::{InitOptions, KeyDir};
use certseal::verify::Verifier;
use certseal::FixedClock;

const NOW: i64 = 1_795_651_200; // 2026-11-26T00:00:00Z
const DAY: i64 = 86_400;

struct Fixture {
    dir: tempfile::TempDir,
    keys: KeyDir,
}

impl Fixture {
    fn new() -> Fixture {
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
        Fixture { dir, keys }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("registry.db")
    }

    fn open(&self) -> Registry {
        Registry::open(&self.db()).unwrap().with_actor("test")
    }

    fn verifier(&self, at: i64) -> Verifier {
        Verifier::new(self.keys.trust_store().unwrap()).with_clock(FixedClock(at))
    }
}

fn meta(batch: &str) -> SubmissionMeta {
    SubmissionMeta {
        body: "中国注册会计师协会".into(),
        batch: batch.into(),
        exam: Some("2026-会计".into()),
        results_published: None,
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    }
}

fn synthetic(first: u64, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    write_synthetic_csv(&mut out, first, n).unwrap();
    out
}

/// Two valid rows and two bad ones (check digit, unknown qualification).
const MIXED: &str = "资格代码,级别,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期
9,2,李秀英,2,1990-11,111,310104199011234529,0902202300087214,2023-12-20
9,1,王建国,1,1985-03,111,110101198503076510,0101202400001538,2024-01-15
99,1,张三,1,1985-03,111,110101198503076511,9900202400000001,2024-01-15
14,2,张伟明,1,1988-06,111,440305198806143016,0802202300051177,2024-01-10
";

fn counts(r: &mut Registry) -> (u64, u64, usize) {
    let head = r.status_head().unwrap();
    let audit = r.audit_head().unwrap().map_or(0, |(s, _)| s);
    let batches = r.progress(Calendar::builtin()).unwrap().rows.len();
    (head.size, audit, batches)
}

#[test]
fn resubmission_is_idempotent_and_a_corrected_row_replaces_its_rejection() {
    let f = Fixture::new();
    let mut r = f.open();
    let first = r.submit(MIXED.as_bytes(), &meta("b1"), NOW).unwrap();
    assert!(first.new_batch);
    assert_eq!((first.rows, first.accepted, first.rejected), (4, 2, 2));
    let rules: Vec<String> = first.problems.iter().map(ToString::to_string).collect();
    assert!(rules[0].contains("holder.id_number"), "{rules:?}");
    assert!(rules[1].contains("qualification.code"), "{rules:?}");

    // The same file again: nothing new.
    let again = r.submit(MIXED.as_bytes(), &meta("b1"), NOW + 60).unwrap();
    assert!(!again.new_batch);
    assert_eq!((again.accepted, again.unchanged, again.replaced), (0, 2, 0));
    assert_eq!(again.rejected, 2, "unchanged rejected rows stay rejected");

    // Row 2 corrected (check digit), row 3 still wrong.
    let fixed = MIXED.replace("110101198503076510", "110101198503076511");
    let third = r.submit(fixed.as_bytes(), &meta("b1"), NOW + 120).unwrap();
    assert_eq!((third.replaced, third.unchanged, third.rejected), (1, 2, 1));

    let report = r
        .issue_pending(&f.keys, &IssueOptions::at(NOW + 180), &mut |_, _| {})
        .unwrap();
    assert_eq!(report.issued, 3);

    // A changed row of an issued certificate is a 换发, not a resubmission.
    let changed = fixed.replace("李秀英", "李秀瑛");
    let fourth = r
        .submit(changed.as_bytes(), &meta("b1"), NOW + 240)
        .unwrap();
    assert_eq!(fourth.refused, 1);
    assert!(fourth
        .problems
        .iter()
        .any(|p| p.outcome == RowOutcome::RefusedIssued));
    // Nothing new to issue.
    let none = r
        .issue_pending(&f.keys, &IssueOptions::at(NOW + 300), &mut |_, _| {})
        .unwrap();
    assert_eq!(none.issued, 0);
    assert!(r.verify_audit(None).unwrap().is_intact());
}

#[test]
fn a_management_number_is_registered_once_across_batches() {
    let f = Fixture::new();
    let mut r = f.open();
    r.submit(MIXED.as_bytes(), &meta("b1"), NOW).unwrap();
    let other = r.submit(MIXED.as_bytes(), &meta("b2"), NOW).unwrap();
    assert_eq!(other.accepted, 0);
    assert!(other.problems[0].to_string().contains("registered already"));
}

#[test]
fn excel_utf8_bom_and_chinese_headers_are_read() {
    let f = Fixture::new();
    let mut r = f.open();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(MIXED.as_bytes());
    let rep = r.submit(&bytes[..], &meta("bom"), NOW).unwrap();
    assert_eq!(rep.accepted, 2);
}

#[test]
fn gbk_file_is_refused_naming_the_encoding_and_read_when_declared() {
    let f = Fixture::new();
    let mut r = f.open();
    let (gbk, _, _) = encoding_rs::GB18030.encode(MIXED);
    let before = counts(&mut r);
    let e = r.submit(&gbk[..], &meta("gbk"), NOW).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("not UTF-8") && msg.contains("gb18030"),
        "{msg}"
    );
    assert_eq!(counts(&mut r), before, "store unchanged");
    let mut m = meta("gbk");
    m.encoding = Encoding::Gb18030;
    let rep = r.submit(&gbk[..], &m, NOW).unwrap();
    assert_eq!(rep.accepted, 2);
}

#[test]
fn hostile_submissions_leave_the_store_unchanged() {
    let f = Fixture::new();
    let mut r = f.open();
    r.submit(MIXED.as_bytes(), &meta("b1"), NOW).unwrap();
    let before = counts(&mut r);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (what, bytes, format) in [
        ("binary", garbage.clone(), SubmissionFormat::Csv),
        ("binary json", garbage, SubmissionFormat::Json),
        (
            "unknown header",
            b"foo,bar\n1,2\n".to_vec(),
            SubmissionFormat::Csv,
        ),
        ("empty", Vec::new(), SubmissionFormat::Csv),
        ("json text", b"\"hello\"".to_vec(), SubmissionFormat::Json),
        (
            "broken array",
            b"[{\"name\": 1},".to_vec(),
            SubmissionFormat::Json,
        ),
    ] {
        let mut m = meta("hostile");
        m.format = format;
        let e = r.submit(&bytes[..], &m, NOW).unwrap_err();
        assert!(
            matches!(
                e,
                certseal::Error::Registry(RegistryError::Submission { .. })
            ),
            "{what}: {e}"
        );
        assert_eq!(counts(&mut r), before, "{what}: store unchanged");
    }
}

#[test]
fn more_rows_than_the_bound_are_refused_before_anything_is_stored() {
    let f = Fixture::new();
    let mut r = f.open();
    let before = counts(&mut r);
    // 1,000,001 rows (about 100 MB): refused by the file pre-scan, nothing stored.
    let path = f.dir.path().join("huge.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write_synthetic_csv(&mut w, 0, 1_000_001).unwrap();
        std::io::Write::flush(&mut w).unwrap();
    }
    let e = r.submit_file(&path, &meta("huge"), NOW).unwrap_err();
    assert!(e.to_string().contains("more than 1000000 rows"), "{e}");
    assert_eq!(counts(&mut r), before);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn bytes_past_the_bound_are_refused() {
    let f = Fixture::new();
    let mut r = f.open();
    let before = counts(&mut r);
    // A 2 GB stream of one huge cell: refused at 256 MiB without holding it.
    let header = b"name,level,id_number,management_number,qualification_code\n\"".to_vec();
    use std::io::Read as _;
    let stream = (&header[..]).chain(std::io::repeat(b'x').take(2_000_000_000));
    let e = r.submit(stream, &meta("big"), NOW).unwrap_err();
    assert!(e.to_string().contains("at most 268435456"), "{e}");
    assert_eq!(counts(&mut r), before);
}

#[test]
fn ragged_rows_are_rejected_and_the_rest_accepted() {
    let f = Fixture::new();
    let mut r = f.open();
    let ragged = MIXED.replace(",2024-01-10\n", ",2024-01-10,extra\n");
    let rep = r.submit(ragged.as_bytes(), &meta("r"), NOW).unwrap();
    assert_eq!(rep.accepted, 1);
    assert!(rep
        .problems
        .iter()
        .any(|p| p.to_string().contains("10 fields, expected 9")));
}

#[test]
fn json_and_json_lines_submissions_are_read() {
    let f = Fixture::new();
    let mut r = f.open();
    let mut m = meta("json");
    m.format = SubmissionFormat::Json;
    let json = r#"[{"qualification_code": 9, "level": 2, "name": "李秀英", "sex": 2, "birth": "1990-11", "id_type": 111, "id_number": "310104199011234529", "management_number": "0902202300087214", "approval_date": "2023-12-20"}, 5, {"name": "x"}]"#;
    let rep = r.submit(json.as_bytes(), &m, NOW).unwrap();
    assert_eq!((rep.accepted, rep.rejected), (1, 2));
    m.batch = "jsonl".into();
    let lines = b"{\"qualification_code\": 8, \"level\": 2, \"specialty\": 4, \"name\": \"\xe5\xbc\xa0\xe4\xbc\x9f\xe6\x98\x8e\", \"sex\": 1, \"birth\": \"1988-06\", \"id_type\": 111, \"id_number\": \"440305198806143016\", \"management_number\": \"0802202300051177\", \"approval_date\": \"2024-01-10\"}\nnot json\n";
    let rep = r.submit(&lines[..], &m, NOW).unwrap();
    assert_eq!((rep.accepted, rep.rejected), (1, 1), "{:?}", rep.problems);
}

fn issued_registry(f: &Fixture, n: u64) -> Registry {
    let mut r = f.open();
    r.submit(&synthetic(0, n)[..], &meta("syn"), NOW).unwrap();
    let rep = r
        .issue_pending(&f.keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .unwrap();
    assert_eq!(rep.issued, n);
    r
}

#[test]
fn issued_certificates_verify_and_carry_their_status_index() {
    let f = Fixture::new();
    let mut r = issued_registry(&f, 300);
    let verifier = f.verifier(NOW);
    let mut seen = Vec::new();
    r.each_certificate(|c| {
        let v = verifier.verify_at(&c.qr, NOW);
        assert!(v.is_valid(), "{:?}", v.result);
        assert_eq!(v.certificate.unwrap().status_index, Some(c.status_index));
        let doc = verifier
            .verify_document_at(&c.document, NOW)
            .document
            .unwrap();
        assert_eq!(doc.identifier, c.identifier);
        assert_eq!(doc.status_index, Some(c.status_index));
        seen.push(c.status_index);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, (0..300).collect::<Vec<u64>>());
    assert_eq!(r.status_head().unwrap().size, 300);
}

fn first_identifier(r: &mut Registry) -> String {
    let mut id = None;
    r.each_certificate(|c| {
        if id.is_none() {
            id = Some(c.identifier.clone());
        }
        Ok(())
    })
    .unwrap();
    id.unwrap()
}

fn state(r: &mut Registry, identifier: &str) -> State {
    let found = r.lookup(&Lookup::Identifier(identifier.into())).unwrap();
    found[0]
        .history
        .iter()
        .find(|v| v.identifier == identifier)
        .unwrap()
        .state
}

#[test]
fn change_reissue_supersedes_and_records_the_change() {
    let f = Fixture::new();
    let mut r = issued_registry(&f, 3);
    let id = first_identifier(&mut r);
    let new = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: id.clone(),
                kind: ReissueKind::Change {
                    changes: vec![HolderChange::Name("王新名".into())],
                    date: Date::parse("2026-11-20").unwrap(),
                },
            },
            NOW + 60,
        )
        .unwrap();
    assert_eq!(new.version, 2);
    assert_eq!(new.status_index, 3);
    assert!(new.identifier.contains(".002."));
    assert_eq!(state(&mut r, &id), State::Superseded);
    let v = f.verifier(NOW + 60).verify_at(&new.qr, NOW + 60);
    assert!(v.is_valid());
    let view = v.certificate.unwrap();
    assert_eq!(view.holder_name, "王新名");
    assert_eq!(view.kind, IssueKind::Change);
    let doc = f
        .verifier(NOW + 60)
        .verify_document_at(&new.document, NOW + 60)
        .document
        .unwrap();
    assert_eq!(doc.certificate.remarks.changes[0].field, "holder.name");
    assert_eq!(
        doc.certificate.lifecycle.predecessor.as_deref(),
        Some(id.as_str())
    );

    // The old version is no longer current: acting on it is refused.
    let e = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: id.clone(),
                kind: ReissueKind::Replacement { paper: false },
            },
            NOW + 120,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            certseal::Error::Registry(RegistryError::NotCurrent { .. })
        ),
        "{e}"
    );
    // A change that changes nothing is refused.
    let e = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: new.identifier.clone(),
                kind: ReissueKind::Change {
                    changes: vec![HolderChange::Name("王新名".into())],
                    date: Date::parse("2026-11-20").unwrap(),
                },
            },
            NOW + 120,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            certseal::Error::Registry(RegistryError::NothingChanged { .. })
        ),
        "{e}"
    );
    // Lookup by ID number + new name finds the lineage, masked.
    let found = r
        .lookup(&Lookup::IdNumber {
            id_number: certseal::registry::synthetic_id_number(0).0,
            name: "王新名".into(),
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].history.len(), 2);
    assert_eq!(found[0].current.identifier, new.identifier);
    assert!(found[0].masked_id_number.starts_with("**************"));
    assert!(!found[0]
        .to_json()
        .to_string()
        .contains(&certseal::registry::synthetic_id_number(0).0));
}

#[test]
fn id_number_change_keeps_the_record_consistent() {
    let f = Fixture::new();
    let mut r = issued_registry(&f, 1);
    let id = first_identifier(&mut r);
    let (other, _, _) = certseal::registry::synthetic_id_number(2);
    // Same birth month as row 0 and the same sex? Row 2 is female like row 0.
    let new = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: id,
                kind: ReissueKind::Change {
                    changes: vec![HolderChange::IdNumber {
                        id_type: IdDocType::ResidentId,
                        number: other.clone(),
                    }],
                    date: Date::parse("2026-11-20").unwrap(),
                },
            },
            NOW,
        )
        .unwrap();
    let found = r
        .lookup(&Lookup::IdNumber {
            id_number: other,
            name: certseal::registry::synthetic_name(0),
        })
        .unwrap();
    assert_eq!(found[0].current.identifier, new.identifier);
}

#[test]
fn replacement_is_marked_bufa_and_paper_replacement_is_refused() {
    let f = Fixture::new();
    let mut r = issued_registry(&f, 2);
    let id = first_identifier(&mut r);
    let e = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: id.clone(),
                kind: ReissueKind::Replacement { paper: true },
            },
            NOW,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            certseal::Error::Registry(RegistryError::PaperReplacementRefused { .. })
        ),
        "{e}"
    );
    let new = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: id.clone(),
                kind: ReissueKind::Replacement { paper: false },
            },
            NOW,
        )
        .unwrap();
    let view = f.verifier(NOW).verify_at(&new.qr, NOW).certificate.unwrap();
    assert_eq!(view.kind, IssueKind::Replacement);
    assert_eq!(state(&mut r, &id), State::Superseded);
    let mut reason = None;
    let seq = r.status_head().unwrap().seq;
    r.states_at(seq, |i, s, why| {
        if i == 0 {
            reason = Some((s, why));
        }
    })
    .unwrap();
    assert_eq!(reason, Some((State::Superseded, StatusReason::Replacement)));
}

fn invalidation() -> Invalidation {
    Invalidation {
        reason: StatusReason::Invalidated,
        decision: Decision {
            body: "财政部会计资格评价中心".into(),
            reference: "财会考〔2026〕7号".into(),
            date: Date::parse("2026-11-20").unwrap(),
        },
        note: Some("考试违纪".into()),
    }
}

#[test]
fn invalidation_revokes_every_version_and_is_refused_twice() {
    let f = Fixture::new();
    let mut r = issued_registry(&f, 2);
    let id = first_identifier(&mut r);
    let v2 = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: id.clone(),
                kind: ReissueKind::Replacement { paper: false },
            },
            NOW,
        )
        .unwrap();
    let seqs = r
        .invalidate(&v2.identifier, &invalidation(), NOW + 10)
        .unwrap();
    assert_eq!(seqs.len(), 2, "the superseded version is revoked too");
    assert_eq!(state(&mut r, &id), State::Revoked);
    assert_eq!(state(&mut r, &v2.identifier), State::Revoked);
    let e = r.invalidate(&id, &invalidation(), NOW + 20).unwrap_err();
    assert!(
        matches!(e, certseal::Error::Registry(RegistryError::Revoked { .. })),
        "{e}"
    );
    let e = r
        .reissue(
            &f.keys,
            &ReissueRequest {
                identifier: v2.identifier.clone(),
                kind: ReissueKind::Replacement { paper: false },
            },
            NOW + 30,
        )
        .unwrap_err();
    assert!(
        matches!(e, certseal::Error::Registry(RegistryError::Revoked { .. })),
        "{e}"
    );
    let e = r
        .invalidate(
            "1.2.156.3005.2.11100000000013338W009.12100000400010398P.99.001.X",
            &invalidation(),
            NOW,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            certseal::Error::Registry(RegistryError::UnknownCertificate { .. })
        ),
        "{e}"
    );
    // One invalidation deadline item (art. 18, 15 working days from the decision), met.
    let report = r
        .deadlines(Calendar::builtin(), Date::parse("2026-11-27").unwrap())
        .unwrap();
    let inv: Vec<_> = report
        .items
        .iter()
        .filter(|i| i.deadline.step == Step::ProcessInvalidity)
        .collect();
    assert_eq!(inv.len(), 1, "{inv:?}");
    assert!(!inv[0].overdue);
    // The status log: dense, in order; the delta (1, head] holds the revocations.
    let head = r.status_head().unwrap();
    assert_eq!(head.seq, 3);
    let mut delta = Vec::new();
    r.status_changes(1, head.seq, |c| delta.push((c.seq, c.state)))
        .unwrap();
    assert_eq!(delta, vec![(2, State::Revoked), (3, State::Revoked)]);
}

#[test]
fn objections_and_paper_destruction_are_recorded_once() {
    let f = Fixture::new();
    let mut r = issued_registry(&f, 1);
    let id = first_identifier(&mut r);
    let o = r.file_objection(&id, "持证人", "姓名有误", NOW).unwrap();
    r.resolve_objection(o, "核实无误，维持", NOW + 10).unwrap();
    let e = r.resolve_objection(o, "again", NOW + 20).unwrap_err();
    assert!(matches!(
        e,
        certseal::Error::Registry(RegistryError::ObjectionResolved { .. })
    ));
    let e = r.resolve_objection(o + 100, "x", NOW + 20).unwrap_err();
    assert!(matches!(
        e,
        certseal::Error::Registry(RegistryError::UnknownObjection { .. })
    ));
    let list = r.objections(&id).unwrap();
    assert_eq!(
        list[0].outcome.as_ref().map(|o| o.1.as_str()),
        Some("核实无误，维持")
    );
    let on = Date::parse("2026-11-25").unwrap();
    r.record_destruction(&id, on, "张监销", None, NOW).unwrap();
    let e = r
        .record_destruction(&id, on, "张监销", None, NOW)
        .unwrap_err();
    assert!(matches!(
        e,
        certseal::Error::Registry(RegistryError::AlreadyDestroyed { .. })
    ));
    assert!(r.verify_audit(None).unwrap().is_intact());
}

#[test]
fn legacy_stock_with_gaps_and_a_retired_name_is_accepted_and_shown() {
    let f = Fixture::new();
    let mut r = f.open();
    let csv = "资格名称,级别,专业,姓名,证件类型,证件号码,管理号,批准日期,存量证书
安全工程师,2,1,周国平,111,370202196807182015,0400200500002417,2005-09-01,是
";
    let rep = r.submit(csv.as_bytes(), &meta("legacy"), NOW).unwrap();
    assert_eq!(rep.accepted, 1, "{:?}", rep.problems);
    r.issue_pending(&f.keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .unwrap();
    let found = r
        .lookup(&Lookup::ManagementNumber {
            number: "0400200500002417".into(),
            name: "周国平".into(),
        })
        .unwrap();
    assert!(found[0].legacy);
    assert!(found[0].gaps.contains(&"holder.sex"));
    assert!(found[0].qualification.starts_with("注册安全工程师"));
    // Key fields are still required.
    let missing = "资格名称,级别,专业,姓名,证件类型,证件号码,管理号,批准日期,存量证书
安全工程师,2,1,周国平,111,,0400200500002418,2005-09-01,是
";
    let rep = r.submit(missing.as_bytes(), &meta("legacy2"), NOW).unwrap();
    assert_eq!(rep.rejected, 1);
    assert!(rep.problems[0].to_string().contains("holder.id_number"));
}

#[test]
fn deadlines_count_working_days_across_the_spring_festival() {
    let cal = Calendar::builtin();
    let (d, w) = cal
        .deadline(Step::Issue, Date::parse("2024-02-01").unwrap())
        .unwrap();
    assert!(w.is_empty());
    // 20 working days from Thursday 2024-02-01: Sunday 02-04 and Sunday 02-18 are working
    // days (调休), 02-10..=02-17 are off.
    assert_eq!(d.due, Date::parse("2024-03-05").unwrap());
    let (d, _) = cal
        .deadline(Step::Submit, Date::parse("2024-01-25").unwrap())
        .unwrap();
    assert_eq!(d.due, Date::parse("2024-03-05").unwrap());

    // Through the registry: a batch received 2024-02-01 with results published 2024-01-05.
    let f = Fixture::new();
    let mut r = f.open();
    let received = 1_706_745_600; // 2024-02-01T00:00:00Z = 08:00 in Beijing
    let mut m = meta("sf");
    m.results_published = Some(Date::parse("2024-01-05").unwrap());
    r.submit(MIXED.as_bytes(), &m, received).unwrap();
    let report = r
        .deadlines(cal, Date::parse("2024-03-06").unwrap())
        .unwrap();
    let issue = report
        .items
        .iter()
        .find(|i| i.deadline.step == Step::Issue)
        .unwrap();
    assert_eq!(issue.deadline.due, Date::parse("2024-03-05").unwrap());
    assert_eq!(issue.open, 2);
    assert!(issue.overdue, "nothing issued by 2024-03-06");
    let submit = report
        .items
        .iter()
        .find(|i| i.deadline.step == Step::Submit)
        .unwrap();
    // 25 working days from Friday 2024-01-05, Sunday 2024-02-04 (调休) counted: 2024-02-08.
    assert_eq!(submit.deadline.due, Date::parse("2024-02-08").unwrap());
    assert!(!submit.overdue);
    let progress = r.progress(cal).unwrap();
    assert_eq!(progress.rows[0].pending, 2);
}

fn raw(db: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    // An attacker with the file drops the append-only triggers first.
    c.execute_batch("DROP TRIGGER audit_append_only_u; DROP TRIGGER audit_append_only_d;")
        .unwrap();
    c
}

fn tampered(f: &Fixture, sql: &str) -> Vec<AuditFinding> {
    let mut r = f.open();
    let before = r.verify_audit(None).unwrap();
    assert!(before.is_intact());
    drop(r);
    let copy = f.dir.path().join("copy.db");
    let _ = std::fs::remove_file(&copy);
    {
        let c = rusqlite::Connection::open(f.db()).unwrap();
        c.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
    }
    let c = raw(&copy);
    c.execute_batch(sql).unwrap();
    drop(c);
    let mut r = Registry::open(&copy).unwrap();
    r.verify_audit(None).unwrap().findings
}

#[test]
fn audit_verify_finds_edits_removals_reorders_and_insertions() {
    let f = Fixture::new();
    let mut r = f.open();
    for b in 0..6 {
        r.submit(
            &synthetic(b * 10, 10)[..],
            &meta(&format!("b{b}")),
            NOW + b as i64,
        )
        .unwrap();
    }
    drop(r);
    assert_eq!(
        tampered(&f, "UPDATE audit SET subject = 'forged' WHERE seq = 3"),
        vec![AuditFinding::Edited { seq: 3 }]
    );
    assert_eq!(
        tampered(&f, "DELETE FROM audit WHERE seq = 3"),
        vec![AuditFinding::Removed {
            seq: 4,
            count: Some(1)
        }]
    );
    // Swap entries 3 and 4 (contents exchanged, numbers kept).
    let findings = tampered(
        &f,
        "UPDATE audit SET seq = -3 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; \
         UPDATE audit SET seq = 4 WHERE seq = -3;",
    );
    assert_eq!(
        findings[0],
        AuditFinding::Reordered {
            seq: 3,
            links_to: 4
        }
    );
    assert!(
        findings
            .iter()
            .all(|f| matches!(f, AuditFinding::Reordered { .. })),
        "{findings:?}"
    );
    // Insert a well-formed entry after 3: renumber 4.. up by one and link the new 4 to 3.
    let findings = tampered(
        &f,
        "UPDATE audit SET seq = -seq WHERE seq > 3; UPDATE audit SET seq = 1 - seq WHERE seq < 0; \
         INSERT INTO audit (seq, at, actor, operation, subject, payload, prev, hash) \
           SELECT 4, at, 'mallory', 'submit', 'forged', payload, hash, randomblob(32) FROM audit WHERE seq = 3;",
    );
    // The forged entry's own hash is wrong unless the forger recomputes it; either way the
    // entry after it links back past it.
    assert!(
        findings.contains(&AuditFinding::Inserted {
            seq: 5,
            links_to: 3
        }),
        "{findings:?}"
    );
    // Removing the newest entries needs the anchor.
    let mut r = f.open();
    let head = r.audit_head().unwrap().unwrap();
    drop(r);
    let copy = f.dir.path().join("copy.db");
    let _ = std::fs::remove_file(&copy);
    {
        let c = rusqlite::Connection::open(f.db()).unwrap();
        c.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
    }
    raw(&copy)
        .execute("DELETE FROM audit WHERE seq = ?1", [head.0 as i64])
        .unwrap();
    let mut r = Registry::open(&copy).unwrap();
    assert!(
        r.verify_audit(None).unwrap().is_intact(),
        "undetectable without the anchor"
    );
    assert_eq!(
        r.verify_audit(Some(head)).unwrap().findings,
        vec![AuditFinding::Truncated {
            last: head.0 - 1,
            expected: head.0
        }]
    );
}

#[test]
fn the_store_refuses_updates_of_the_append_only_tables() {
    let f = Fixture::new();
    let r = issued_registry(&f, 1);
    drop(r);
    let c = rusqlite::Connection::open(f.db()).unwrap();
    for sql in [
        "UPDATE audit SET actor = 'x'",
        "DELETE FROM audit",
        "UPDATE certificates SET holder_name = 'x'",
        "DELETE FROM certificates",
    ] {
        let e = c.execute_batch(sql).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let f = Fixture::new();
    drop(f.open());
    rusqlite::Connection::open(f.db())
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let e = Registry::open(&f.db()).unwrap_err();
    assert!(e.to_string().contains("schema version is 99"), "{e}");
}

#[test]
fn signer_compromise_revokes_the_kid_and_reissues_under_the_new_key() {
    let mut f = Fixture::new();
    let mut r = issued_registry(&f, 40);
    let old_kid = f.keys.active_signer(NOW).unwrap().kid();
    let verifier = f.verifier(NOW);
    let mut before = Vec::new();
    r.each_certificate(|c| {
        assert!(verifier.verify_at(&c.qr, NOW).is_valid());
        before.push(c.identifier.clone());
        Ok(())
    })
    .unwrap();
    // One certificate is revoked already: it is not re-issued.
    r.invalidate(&before[0], &invalidation(), NOW).unwrap();

    // Key rollover: a new signer takes over; the old one is compromised.
    f.keys
        .add_signer(Algorithm::EdDsa, NOW + DAY, NOW + 1000 * DAY)
        .unwrap();
    let later = NOW + 2 * DAY;
    // The same key cannot re-issue its own certificates.
    let e = r.revoke_signer(
        f.keys.active_signer(later).unwrap().kid(),
        &f.keys,
        None,
        later,
        &mut |_| {},
    );
    assert!(matches!(
        e,
        Err(certseal::Error::Registry(RegistryError::SameSigner { .. }))
    ));
    let rep = r
        .revoke_signer(old_kid, &f.keys, Some("key compromise"), later, &mut |_| {})
        .unwrap();
    assert_eq!(rep.reissued, 39);
    assert!(rep.revoked_seq.is_some());
    assert_ne!(rep.new_kid, old_kid);
    let seq = r.status_head().unwrap().seq;
    assert_eq!(r.revoked_kids(seq).unwrap(), vec![old_kid]);
    // The compromised key signs nothing more (at NOW + 100 it is still the active one).
    r.submit(&synthetic(1000, 1)[..], &meta("after"), later)
        .unwrap();
    let e = r
        .issue_pending(&f.keys, &IssueOptions::at(NOW + 100), &mut |_, _| {})
        .unwrap_err();
    assert!(
        matches!(
            e,
            certseal::Error::Registry(RegistryError::SignerRevoked { .. })
        ),
        "{e}"
    );
    // Every old version superseded (or revoked), every new one valid under the new key.
    let verifier = f.verifier(later);
    let mut new_versions = 0;
    r.each_certificate(|c| {
        if c.kid == old_kid {
            assert!(c.version == 1);
        } else {
            assert_eq!(c.version, 2);
            let v = verifier.verify_at(&c.qr, later);
            assert!(v.is_valid(), "{:?}", v.result);
            assert_eq!(v.kid, Some(rep.new_kid));
            new_versions += 1;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(new_versions, 39);
    let rep2 = r
        .issue_pending(&f.keys, &IssueOptions::at(later), &mut |_, _| {})
        .unwrap();
    assert_eq!(rep2.issued, 1);
    for id in &before[1..] {
        assert_eq!(state(&mut r, id), State::Superseded);
    }
    assert_eq!(state(&mut r, &before[0]), State::Revoked);
    // Running it again resumes: nothing more to do, the kid is not revoked twice.
    let again = r
        .revoke_signer(old_kid, &f.keys, None, later, &mut |_| {})
        .unwrap();
    assert_eq!((again.reissued, again.revoked_seq), (0, None));
    assert!(r.verify_audit(None).unwrap().is_intact());
}

#[test]
fn a_retired_key_keeps_its_certificates_valid() {
    let mut f = Fixture::new();
    let mut r = issued_registry(&f, 5);
    f.keys
        .add_signer(Algorithm::EdDsa, NOW + DAY, NOW + 1000 * DAY)
        .unwrap();
    let later = NOW + 2 * DAY;
    r.submit(&synthetic(100, 5)[..], &meta("later"), later)
        .unwrap();
    let rep = r
        .issue_pending(&f.keys, &IssueOptions::at(later), &mut |_, _| {})
        .unwrap();
    assert_ne!(rep.kid, f.keys.signers()[0].kid());
    let verifier = f.verifier(later);
    let mut kids = std::collections::HashSet::new();
    r.each_certificate(|c| {
        assert!(verifier.verify_at(&c.qr, later).is_valid());
        kids.insert(c.kid);
        Ok(())
    })
    .unwrap();
    assert_eq!(kids.len(), 2);
    assert_eq!(
        r.status_head().unwrap().seq,
        0,
        "no status change for a retired key"
    );
}
