//! The registry on a real SQLite file: submissions (idempotent, bounded, encodings), bulk
//! issuance, every lifecycle transition and the refused ones, lookups, deadlines across the
//! Spring Festival, the audit chain under tampering, and a signer-key compromise.
//!
//! One suite, every backend: each test below is a function of a [`Fixture`]; the macro at the
//! end runs it as `sqlite::NAME` (a fresh file) and, with the feature `postgres`, as
//! `postgres::NAME` (a fresh schema in the database `CERTSEAL_TEST_POSTGRES` names). Without
//! that variable the PostgreSQL tests say so and pass locally, and fail where `CI` is set: CI
//! must not skip them silently. Tests of one backend's file or catalogue (tampering with the
//! SQLite file, the schema version pragma) are plain `#[test]`s.
#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};

use certseal::crypto::Algorithm;
use certseal::model::{Catalogue, Date, ElicenceId, IdDocType, IssueKind, Uscc};
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
    /// PostgreSQL: the URL of this test's own schema, and the schema (dropped afterwards).
    #[cfg(feature = "postgres")]
    pg: Option<pg::Schema>,
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
        Fixture {
            dir,
            keys,
            #[cfg(feature = "postgres")]
            pg: None,
        }
    }

    /// A fixture on a fresh PostgreSQL schema, or `None` (said on stderr) when
    /// `CERTSEAL_TEST_POSTGRES` is not set outside CI.
    #[cfg(feature = "postgres")]
    fn postgres() -> Option<Fixture> {
        let schema = pg::Schema::create()?;
        let mut f = Fixture::new();
        f.pg = Some(schema);
        Some(f)
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("registry.db")
    }

    /// Where the registry is: the schema's URL, or the SQLite file.
    fn location(&self) -> String {
        #[cfg(feature = "postgres")]
        if let Some(s) = &self.pg {
            return s.url.clone();
        }
        self.db().to_str().unwrap().to_owned()
    }

    fn open(&self) -> Registry {
        Registry::open_url(&self.location())
            .unwrap()
            .with_actor("test")
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

fn resubmission_is_idempotent_and_a_corrected_row_replaces_its_rejection(f: &mut Fixture) {
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

fn a_management_number_is_registered_once_across_batches(f: &mut Fixture) {
    let mut r = f.open();
    r.submit(MIXED.as_bytes(), &meta("b1"), NOW).unwrap();
    let other = r.submit(MIXED.as_bytes(), &meta("b2"), NOW).unwrap();
    assert_eq!(other.accepted, 0);
    assert!(other.problems[0].to_string().contains("registered already"));
}

fn excel_utf8_bom_and_chinese_headers_are_read(f: &mut Fixture) {
    let mut r = f.open();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(MIXED.as_bytes());
    let rep = r.submit(&bytes[..], &meta("bom"), NOW).unwrap();
    assert_eq!(rep.accepted, 2);
}

fn gbk_file_is_refused_naming_the_encoding_and_read_when_declared(f: &mut Fixture) {
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

fn hostile_submissions_leave_the_store_unchanged(f: &mut Fixture) {
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

fn more_rows_than_the_bound_are_refused_before_anything_is_stored(f: &mut Fixture) {
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

fn bytes_past_the_bound_are_refused(f: &mut Fixture) {
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

fn ragged_rows_are_rejected_and_the_rest_accepted(f: &mut Fixture) {
    let mut r = f.open();
    let ragged = MIXED.replace(",2024-01-10\n", ",2024-01-10,extra\n");
    let rep = r.submit(ragged.as_bytes(), &meta("r"), NOW).unwrap();
    assert_eq!(rep.accepted, 1);
    assert!(rep
        .problems
        .iter()
        .any(|p| p.to_string().contains("10 fields, expected 9")));
}

fn json_and_json_lines_submissions_are_read(f: &mut Fixture) {
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

fn issued_certificates_verify_and_carry_their_status_index(f: &mut Fixture) {
    let mut r = issued_registry(f, 300);
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

/// Each `issue` entry's payload is SHA-256 over its chunk's certificates, in status index
/// order: index (u64 BE), then identifier, document signature and QR payload signature, each
/// as u32 BE length ‖ bytes (specs/registry.md, "Audit chain"). Recomputed here from the stored
/// rows: the signatures are the raw ones the two COSE_Sign1 messages end with.
fn issue_entry_payload_digests_indices_identifiers_and_signatures(f: &mut Fixture) {
    let mut r = f.open();
    r.submit(&synthetic(0, 300)[..], &meta("syn"), NOW).unwrap();
    let mut opts = IssueOptions::at(NOW);
    opts.chunk = 128;
    r.issue_pending(&f.keys, &opts, &mut |_, _| {}).unwrap();
    let mut certs = Vec::new();
    r.each_certificate(|c| {
        certs.push(c.clone());
        Ok(())
    })
    .unwrap();
    let sig_of = |cose: &[u8]| -> Vec<u8> {
        certseal::cose::Sign1::parse(
            cose,
            certseal::codec::cbor::Mode::Strict,
            &certseal::codec::Limits::DEFAULT,
        )
        .unwrap()
        .signature
        .to_vec()
    };
    let entries: Vec<_> = r
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.operation == "issue")
        .collect();
    assert_eq!(entries.len(), 3, "300 records in chunks of 128");
    let mut covered = 0;
    for e in &entries {
        let range = e
            .subject
            .strip_prefix("status indices ")
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.split_once("..="))
            .unwrap();
        let (first, last): (u64, u64) = (range.0.parse().unwrap(), range.1.parse().unwrap());
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for c in certs
            .iter()
            .filter(|c| (first..=last).contains(&c.status_index))
        {
            let qr_cose = certseal::codec::base45::decode(
                certseal::claims::payload::strip_prefix(&c.qr).unwrap(),
            )
            .unwrap();
            ctx.update(&c.status_index.to_be_bytes());
            for part in [
                c.identifier.as_bytes().to_vec(),
                sig_of(&c.document),
                sig_of(&qr_cose),
            ] {
                ctx.update(&u32::try_from(part.len()).unwrap().to_be_bytes());
                ctx.update(&part);
            }
            covered += 1;
        }
        assert_eq!(ctx.finish().as_ref(), &e.payload[..], "{}", e.subject);
    }
    assert_eq!(covered, 300);
    // An edited document changes its signature, so it no longer matches the entry's payload.
    let mut c = certs[7].clone();
    let at = c.document.len() - 1;
    c.document[at] ^= 1;
    assert_ne!(sig_of(&c.document), sig_of(&certs[7].document));
}

/// `submit_and_issue_file` (the submission stored chunk by chunk while issuance signs) ends
/// where `submit_file` then `issue_pending` end: the same report, every accepted row issued
/// once with dense indices, the audit chain intact; submitting again changes nothing.
fn pipelined_submit_and_issue_matches_the_two_steps(f: &mut Fixture) {
    let n = 5000; // more than two submission chunks
    let mut csv = synthetic(0, n);
    // A row repeating row 6's management number, and a row with an unknown qualification.
    let repeat = synthetic(5, 1);
    let repeat = std::str::from_utf8(&repeat)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap();
    csv.extend_from_slice(format!("{repeat}\n").as_bytes());
    csv.extend_from_slice(MIXED.lines().nth(3).unwrap().as_bytes());
    csv.extend_from_slice(b"\n");
    let path = f.dir.path().join("pipelined.csv");
    std::fs::write(&path, &csv).unwrap();
    let opts = IssueOptions::at(NOW);

    let mut r = f.open();
    let mut calls = 0u64;
    let (sub, iss) = r
        .submit_and_issue_file(&path, &meta("pipe"), &f.keys, &opts, &mut |done, total| {
            calls += 1;
            assert!(done <= total, "{done} of {total}");
        })
        .unwrap();
    assert!(calls > 1);
    let mut two = Registry::open(&f.dir.path().join("two-steps.db")).unwrap();
    let sub2 = two.submit_file(&path, &meta("pipe"), NOW).unwrap();
    let iss2 = two.issue_pending(&f.keys, &opts, &mut |_, _| {}).unwrap();
    assert_eq!(
        (
            sub.rows,
            sub.accepted,
            sub.rejected,
            sub.new_batch,
            &sub.problems
        ),
        (n + 2, n, 2, true, &sub2.problems)
    );
    // The repeated number is reported at its row, naming the first row, before the row
    // after it (problems in row order).
    let problems: Vec<String> = sub.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!("row {} (", n + 1))
            && problems[0].contains("rejected: management.number: ")
            && problems[0].ends_with(" repeats row 6"),
        "{problems:?}"
    );
    assert_eq!(sub.problems[1].row, n + 2, "{problems:?}");
    assert_eq!(sub.input_sha256, sub2.input_sha256);
    assert_eq!((iss.issued, iss.indices), (iss2.issued, iss2.indices));
    assert_eq!(iss.indices, Some((0, n - 1)));

    let verifier = f.verifier(NOW);
    let uscc = Uscc::parse("12100000400010398P").unwrap();
    let mut seen = Vec::new();
    r.each_certificate(|c| {
        if c.status_index % 97 == 0 {
            let v = verifier.verify_at(&c.qr, NOW);
            assert!(v.is_valid(), "{:?}", v.result);
            assert_eq!(v.certificate.unwrap().status_index, Some(c.status_index));
            // The issuer writes identifiers from cached stems: the text the model mints.
            let q = Catalogue::builtin().get(c.qualification).unwrap();
            let minted = ElicenceId::mint(&q.licence_type, &uscc, &c.serial, c.version).unwrap();
            assert_eq!(minted.to_string(), c.identifier);
        }
        seen.push(c.status_index);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, (0..n).collect::<Vec<u64>>());
    assert_eq!(r.status_head().unwrap().size, n);
    assert!(r.verify_audit(None).unwrap().is_intact());
    // The pipelined run signed the certificates the submission handed over, the two steps
    // those parsed back from the store; Ed25519 signing is deterministic, so every
    // identifier, document and QR payload must be the same bytes.
    let signed = |reg: &mut Registry| {
        let mut out = Vec::new();
        reg.each_certificate(|c| {
            out.push((
                c.status_index,
                c.identifier.clone(),
                c.document.clone(),
                c.qr.clone(),
            ));
            Ok(())
        })
        .unwrap();
        out
    };
    let (pipelined, two_steps) = (signed(&mut r), signed(&mut two));
    assert_eq!(pipelined.len(), usize::try_from(n).unwrap());
    assert!(
        pipelined == two_steps,
        "pipelined and two-step certificates differ"
    );

    // Again: a resubmission (one step after the other), nothing new.
    let (sub, iss) = r
        .submit_and_issue_file(&path, &meta("pipe"), &f.keys, &opts, &mut |_, _| {})
        .unwrap();
    assert_eq!((sub.new_batch, sub.unchanged, iss.issued), (false, n, 0));
    assert_eq!(r.status_head().unwrap().size, n);
}

/// Another process resubmits the batch while a pipelined run issues it, replacing a row the run
/// stored and has not reserved yet (same row number, holder renamed): the run signs the stored
/// replacement, not the certificate its submission handed over for the row it stored (the
/// handoff is keyed by the row's digest, which the replacement changed).
fn pipelined_issue_signs_a_row_replaced_before_its_reservation(f: &mut Fixture) {
    let n = 3000;
    let path = f.dir.path().join("replaced.csv");
    std::fs::write(&path, synthetic(0, n)).unwrap();
    // The resubmission: rows 1..=1500 as before, row 1500 (k = 1499) renamed; the run's first
    // stored chunk (2048 rows) holds it, its first reservations (16 a chunk) do not reach it.
    let text = String::from_utf8(synthetic(0, 1500)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let last = lines.last_mut().unwrap();
    let old_name = last.split(',').nth(2).unwrap().to_owned();
    assert_ne!(old_name, "王改名");
    *last = last.replacen(&format!(",{old_name},"), ",王改名,", 1);
    let resub = f.dir.path().join("resubmission.csv");
    std::fs::write(&resub, lines.join("\n") + "\n").unwrap();
    let number = "M000000000001499";
    assert!(lines.last().unwrap().contains(number));

    let mut opts = IssueOptions::at(NOW);
    opts.chunk = 16;
    let mut r = f.open();
    let mut resubmitted = None;
    let (sub, iss) = r
        .submit_and_issue_file(&path, &meta("replaced"), &f.keys, &opts, &mut |done, _| {
            // After the first chunk is recorded (the first call, with 0, comes before).
            if done > 0 && resubmitted.is_none() {
                let mut other = f.open();
                resubmitted = Some(other.submit_file(&resub, &meta("replaced"), NOW).unwrap());
            }
        })
        .unwrap();
    let rep = resubmitted.expect("progress was reported");
    assert_eq!(
        (rep.new_batch, rep.replaced, rep.unchanged),
        (false, 1, 1499)
    );
    assert_eq!(
        (sub.accepted, iss.issued, iss.indices),
        (n, n, Some((0, n - 1)))
    );

    let verifier = f.verifier(NOW);
    let mut seen = Vec::new();
    let mut renamed = 0;
    r.each_certificate(|c| {
        seen.push(c.status_index);
        if c.management_number == number {
            renamed += 1;
            assert_eq!(c.holder_name, "王改名");
            let v = verifier.verify_at(&c.qr, NOW);
            assert!(v.is_valid(), "{:?}", v.result);
            assert_eq!(v.certificate.unwrap().holder_name, "王改名");
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(renamed, 1);
    assert_eq!(seen, (0..n).collect::<Vec<u64>>());
    assert!(r.verify_audit(None).unwrap().is_intact());
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

fn change_reissue_supersedes_and_records_the_change(f: &mut Fixture) {
    let mut r = issued_registry(f, 3);
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

fn id_number_change_keeps_the_record_consistent(f: &mut Fixture) {
    let mut r = issued_registry(f, 1);
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
            id_number: other.clone(),
            name: certseal::registry::synthetic_name(0),
        })
        .unwrap();
    assert_eq!(found[0].current.identifier, new.identifier);
    // The remarks record the change with both numbers masked to their last four characters,
    // as the verification site shows them; neither whole number is in the signed document.
    let (old, _, _) = certseal::registry::synthetic_id_number(0);
    let doc = f
        .verifier(NOW)
        .verify_document_at(&new.document, NOW)
        .document
        .unwrap();
    let change = &doc.certificate.remarks.changes[0];
    assert_eq!(change.field, "holder.id_number");
    let masked = |n: &str| format!("{}{}", "*".repeat(14), &n[n.len() - 4..]);
    assert_eq!(change.old.as_deref(), Some(masked(&old).as_str()));
    assert_eq!(change.new.as_deref(), Some(masked(&other).as_str()));
    let remarks = serde_json::to_string(&doc.certificate.remarks).unwrap();
    assert!(
        !remarks.contains(&old) && !remarks.contains(&other),
        "{remarks}"
    );
}

fn replacement_is_marked_bufa_and_paper_replacement_is_refused(f: &mut Fixture) {
    let mut r = issued_registry(f, 2);
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

fn invalidation_revokes_every_version_and_is_refused_twice(f: &mut Fixture) {
    let mut r = issued_registry(f, 2);
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

fn objections_and_paper_destruction_are_recorded_once(f: &mut Fixture) {
    let mut r = issued_registry(f, 1);
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
    // A lookup shows it (PostgreSQL's one-statement lookup needs a second statement for the
    // objection's row, so it runs again in a read transaction).
    let found = r.lookup(&Lookup::Identifier(id.clone())).unwrap();
    assert_eq!(found[0].objections, vec![(o, true)]);
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

fn legacy_stock_with_gaps_and_a_retired_name_is_accepted_and_shown(f: &mut Fixture) {
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

fn deadlines_count_working_days_across_the_spring_festival(f: &mut Fixture) {
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

/// What a version-1 registry holds before its upgrade: 30 certificates issued (0..30), the
/// last reservation's certificate left out (a run killed between reserve and record: status
/// index 29 reserved, not issued, its lease run out), 10 records submitted and not reserved.
/// Written by the current build, then copied into the 0001 schema; returns the identifiers.
fn upgrade_source(f: &Fixture, location: &str) -> Vec<String> {
    let mut r = Registry::open_url(location).unwrap().with_actor("test");
    r.submit(&synthetic(0, 30)[..], &meta("syn"), NOW).unwrap();
    let rep = r
        .issue_pending(&f.keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .unwrap();
    assert_eq!(rep.issued, 30);
    r.submit(&synthetic(30, 10)[..], &meta("syn2"), NOW)
        .unwrap();
    let mut ids = Vec::new();
    r.each_certificate(|c| {
        ids.push(c.identifier.clone());
        Ok(())
    })
    .unwrap();
    ids
}

/// The upgraded registry: version 2, the reservation finished with its own status index, the
/// pending records issued after it, every identifier found through (serial, version), every
/// certificate verifying, the audit chain intact.
fn check_upgraded(f: &Fixture, location: &str, ids: &[String]) {
    let mut r = Registry::open_url(location).unwrap().with_actor("test");
    let rep = r
        .issue_pending(&f.keys, &IssueOptions::at(NOW + DAY), &mut |_, _| {})
        .unwrap();
    assert_eq!((rep.issued, rep.resumed), (11, 1), "{rep:?}");
    assert_eq!(rep.indices, Some((29, 39)));
    let verifier = f.verifier(NOW + DAY);
    let mut seen = Vec::new();
    r.each_certificate(|c| {
        assert!(verifier.verify_at(&c.qr, NOW + DAY).is_valid());
        seen.push((c.status_index, c.identifier.clone()));
        Ok(())
    })
    .unwrap();
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        (0..40).collect::<Vec<u64>>()
    );
    // Index 29 was re-signed with the serial it was reserved with: the same identifier.
    assert_eq!(seen[29].1, ids[29]);
    for id in ids.iter().chain([&seen[35].1]) {
        let found = r.lookup(&Lookup::Identifier(id.clone())).unwrap();
        assert_eq!(found.len(), 1, "{id}");
        assert!(found[0].history.iter().any(|v| &v.identifier == id));
    }
    assert!(r.verify_audit(None).unwrap().is_intact());
    assert_eq!(r.status_head().unwrap().size, 40);
}

/// The SQLite copy of the upgrade source (attached as `s`) into an older schema `version`,
/// with reservation 29 left unfinished by a killed run; `assignments` is the statement that
/// copies the assignments (its columns differ by version).
fn sqlite_copy(assignments: &str, version: u32) -> String {
    format!(
        "DELETE FROM counters; INSERT INTO counters SELECT * FROM s.counters;
         INSERT INTO submissions SELECT * FROM s.submissions;
         INSERT INTO records SELECT * FROM s.records;
         INSERT INTO signers SELECT * FROM s.signers;
         {assignments};
         UPDATE assignments SET owner = 'killed run' WHERE status_index = 29;
         INSERT INTO certificates SELECT * FROM s.certificates WHERE status_index <> 29;
         INSERT INTO status_log SELECT * FROM s.status_log;
         INSERT INTO audit SELECT * FROM s.audit;
         PRAGMA user_version = {version};"
    )
}

#[test]
fn a_version_1_registry_upgrades_on_open() {
    use rusqlite::OptionalExtension;
    let f = Fixture::new();
    let src = f.dir.path().join("v2.db");
    let ids = upgrade_source(&f, src.to_str().unwrap());
    {
        let c = rusqlite::Connection::open(f.db()).unwrap();
        c.execute_batch(include_str!("../src/registry/migrations/0001_init.sql"))
            .unwrap();
        c.execute("ATTACH ?1 AS s", [src.to_str().unwrap()])
            .unwrap();
        // Version 1 has `issued`, set where the certificate was copied.
        c.execute_batch(&sqlite_copy(
            "INSERT INTO assignments SELECT a.*, a.status_index <> 29 FROM s.assignments a",
            1,
        ))
        .unwrap();
    }
    check_upgraded(&f, f.db().to_str().unwrap(), &ids);
    let c = rusqlite::Connection::open(f.db()).unwrap();
    let v: u32 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, certseal::registry::SCHEMA_VERSION);
    let fk: Option<String> = c
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()
        .unwrap();
    assert_eq!(fk, None);
    // Certificates stay append-only. (The identifier's CHECK of version 2 is gone in version
    // 4: `issuance::record` checks it, `record_refuses_an_identifier_naming_another_serial_or_version`.)
    let e = c
        .execute_batch("UPDATE certificates SET holder_name = 'x'")
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn a_version_3_registry_upgrades_on_open() {
    use rusqlite::OptionalExtension;
    let f = Fixture::new();
    let src = f.dir.path().join("v4.db");
    let ids = upgrade_source(&f, src.to_str().unwrap());
    let sql = |c: &rusqlite::Connection, q: &str| -> Option<String> {
        c.query_row(q, [], |r| r.get(0)).optional().unwrap()
    };
    {
        let c = rusqlite::Connection::open(f.db()).unwrap();
        for m in [
            include_str!("../src/registry/migrations/0001_init.sql"),
            include_str!("../src/registry/migrations/0002_write_once.sql"),
            include_str!("../src/registry/migrations/0003_objections_by_certificate.sql"),
        ] {
            c.execute_batch(m).unwrap();
        }
        c.execute("ATTACH ?1 AS s", [src.to_str().unwrap()])
            .unwrap();
        // Version 3 has the columns of version 4, in the same order.
        c.execute_batch(&sqlite_copy(
            "INSERT INTO assignments SELECT * FROM s.assignments",
            3,
        ))
        .unwrap();
        let v3 = sql(
            &c,
            "SELECT sql FROM sqlite_schema WHERE name = 'certificates'",
        )
        .unwrap();
        assert!(
            v3.contains("CHECK") && v3.contains("REFERENCES assignments"),
            "{v3}"
        );
    }
    check_upgraded(&f, f.db().to_str().unwrap(), &ids);
    let c = rusqlite::Connection::open(f.db()).unwrap();
    let v: u32 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, certseal::registry::SCHEMA_VERSION);
    assert_eq!(sql(&c, "PRAGMA foreign_key_check"), None);
    // Version 4: no CHECK on certificates and no foreign key to assignments, none from
    // assignments to records or from records to submissions; the rest as before.
    let table = |name: &str| {
        sql(
            &c,
            &format!("SELECT sql FROM sqlite_schema WHERE name = '{name}'"),
        )
        .unwrap()
    };
    let certificates = table("certificates");
    assert!(!certificates.contains("CHECK"), "{certificates}");
    assert!(
        !certificates.contains("REFERENCES assignments"),
        "{certificates}"
    );
    assert!(
        certificates.contains("REFERENCES certificates"),
        "{certificates}"
    );
    assert!(
        certificates.contains("UNIQUE (serial, version)"),
        "{certificates}"
    );
    assert!(!table("assignments").contains("REFERENCES"));
    assert!(!table("records").contains("REFERENCES"));
    for index in [
        "certificates_management_number",
        "certificates_id_number",
        "records_management_number",
        "objections_status_index",
        "status_log_index",
    ] {
        assert!(
            sql(
                &c,
                &format!("SELECT name FROM sqlite_schema WHERE name = '{index}'")
            )
            .is_some(),
            "{index}"
        );
    }
    for sql in [
        "UPDATE certificates SET holder_name = 'x'",
        "DELETE FROM certificates",
    ] {
        let e = c.execute_batch(sql).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    // The unique constraints still refuse a second certificate for an index or a version.
    let e = c
        .execute_batch(
            "INSERT INTO certificates SELECT 0, identifier, serial, version + 1, kind, \
             predecessor, record_id, management_number, holder_name, id_number, qualification, \
             legacy, kid, issued_at, document, qr FROM certificates WHERE status_index = 1",
        )
        .unwrap_err();
    assert!(e.to_string().contains("UNIQUE"), "{e}");
    let e = c
        .execute_batch(
            "INSERT INTO certificates SELECT 40, identifier, serial, version, kind, \
             predecessor, record_id, management_number, holder_name, id_number, qualification, \
             legacy, kid, issued_at, document, qr FROM certificates WHERE status_index = 1",
        )
        .unwrap_err();
    assert!(e.to_string().contains("UNIQUE"), "{e}");
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
fn a_new_file_gets_16_kib_pages_and_an_existing_file_keeps_its_own() {
    let page_size = |db: &Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    let f = Fixture::new();
    drop(f.open());
    assert_eq!(page_size(&f.db()), 16_384);
    // A file made with SQLite's default 4096-byte pages (an older build's) keeps them.
    let old = f.dir.path().join("old.db");
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); DROP TABLE t;")
        .unwrap();
    assert_eq!(page_size(&old), 4096);
    let mut r = Registry::open(&old).unwrap();
    assert!(r.verify_audit(None).unwrap().is_intact());
    drop(r);
    assert_eq!(page_size(&old), 4096);
}

fn signer_compromise_revokes_the_kid_and_reissues_under_the_new_key(f: &mut Fixture) {
    let mut r = issued_registry(f, 40);
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

fn a_retired_key_keeps_its_certificates_valid(f: &mut Fixture) {
    let mut r = issued_registry(f, 5);
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

/// Two issuing runs on one store at once, each with its own connection: every record issued
/// once, no status index or serial given twice, indices dense, one audit chain (dense numbers,
/// every link to its predecessor). Both leave each other's reservations alone (a lease).
fn two_concurrent_issuers_share_no_number_and_keep_one_audit_chain(f: &mut Fixture) {
    const N: u64 = 3000;
    let f = &*f;
    let mut r = f.open();
    r.submit(&synthetic(0, N)[..], &meta("both"), NOW).unwrap();
    drop(r);
    let reports: Vec<_> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|k| {
                s.spawn(move || {
                    let mut r = f.open().with_actor(format!("issuer-{k}"));
                    let mut opts = IssueOptions::at(NOW);
                    opts.chunk = 64;
                    opts.lease_secs = 3600;
                    r.issue_pending(&f.keys, &opts, &mut |_, _| {}).unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        reports.iter().map(|r| r.issued).sum::<u64>(),
        N,
        "{reports:?}"
    );
    let mut r = f.open();
    let (mut indices, mut serials, mut numbers) = (Vec::new(), Vec::new(), Vec::new());
    r.each_certificate(|c| {
        indices.push(c.status_index);
        serials.push(c.serial.clone());
        numbers.push(c.management_number.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(indices, (0..N).collect::<Vec<u64>>());
    serials.sort();
    serials.dedup();
    numbers.sort();
    numbers.dedup();
    assert_eq!((serials.len(), numbers.len()), (N as usize, N as usize));
    assert_eq!(r.status_head().unwrap().size, N);
    let entries = r.audit_entries().unwrap();
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=entries.len() as u64).collect::<Vec<u64>>());
    for w in entries.windows(2) {
        assert_eq!(w[1].prev, w[0].hash, "entry {} forks the chain", w[1].seq);
    }
    assert!(r.verify_audit(None).unwrap().is_intact());
}

/// Two operators revoke the same certificate at the same moment (separate connections): one
/// revocation is recorded, the other is refused as already revoked (the typed `Revoked`);
/// the status log and the audit log have one new row each.
fn concurrent_revocations_of_one_certificate_record_one(f: &mut Fixture) {
    let f = &*f;
    let mut r = issued_registry(f, 2);
    let id = first_identifier(&mut r);
    let before = r.status_head().unwrap().seq;
    let audit_before = r.audit_head().unwrap().map_or(0, |(seq, _)| seq);
    drop(r);
    let results: Vec<Result<Vec<u64>, certseal::Error>> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let id = id.clone();
                s.spawn(move || f.open().invalidate(&id, &invalidation(), NOW + 10))
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(e, certseal::Error::Registry(RegistryError::Revoked { .. })),
            "{e}"
        );
    }
    let mut r = f.open();
    assert_eq!(r.status_head().unwrap().seq, before + 1);
    assert_eq!(
        r.audit_head().unwrap().map_or(0, |(seq, _)| seq),
        audit_before + 1,
        "one audit entry"
    );
    assert_eq!(state(&mut r, &id), State::Revoked);
    assert!(r.verify_audit(None).unwrap().is_intact());
}

/// A throw-away schema per test in the database `CERTSEAL_TEST_POSTGRES` names.
#[cfg(feature = "postgres")]
mod pg {
    use std::sync::atomic::{AtomicU32, Ordering};

    pub(crate) struct Schema {
        pub(crate) url: String,
        base: String,
        name: String,
    }

    /// The server URL, or `None` locally without one; in CI (`CI` set) a missing URL fails.
    pub(crate) fn base_url() -> Option<String> {
        match std::env::var("CERTSEAL_TEST_POSTGRES") {
            Ok(u) if !u.is_empty() => Some(u),
            _ if std::env::var_os("CI").is_some() => panic!(
                "CERTSEAL_TEST_POSTGRES is not set: CI runs the registry suite on PostgreSQL \
                 (.ci/run starts a server); got no server URL"
            ),
            _ => {
                eprintln!(
                    "PostgreSQL run skipped: set CERTSEAL_TEST_POSTGRES=postgres://user@host:port/db"
                );
                None
            }
        }
    }

    pub(crate) fn client(base: &str) -> postgres::Client {
        postgres::Client::connect(base, postgres::NoTls).unwrap_or_else(|e| {
            panic!("CERTSEAL_TEST_POSTGRES={base}: cannot reach the PostgreSQL server: {e}")
        })
    }

    impl Schema {
        pub(crate) fn create() -> Option<Schema> {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let base = base_url()?;
            let name = format!(
                "certseal_test_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let mut c = client(&base);
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            ))
            .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{name}");
            Some(Schema { url, base, name })
        }

        /// The schema's name.
        pub(crate) fn name(&self) -> &str {
            &self.name
        }

        /// Runs `sql` in this schema, as someone with access to the database would.
        pub(crate) fn exec(&self, sql: &str) -> Result<(), postgres::Error> {
            let mut c = client(&self.base);
            c.batch_execute(&format!("SET search_path = {}; {sql}", self.name))
        }
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            if let Ok(mut c) = postgres::Client::connect(&self.base, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
            }
        }
    }
}

/// Runs each test function on every backend: `sqlite::NAME` always, `postgres::NAME` with the
/// feature `postgres`.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&mut super::Fixture::new());
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(mut f) = super::Fixture::postgres() {
                        super::$name(&mut f);
                    }
                }
            )*
        }
    };
}

on_every_backend!(
    two_concurrent_issuers_share_no_number_and_keep_one_audit_chain,
    concurrent_revocations_of_one_certificate_record_one,
    resubmission_is_idempotent_and_a_corrected_row_replaces_its_rejection,
    a_management_number_is_registered_once_across_batches,
    excel_utf8_bom_and_chinese_headers_are_read,
    gbk_file_is_refused_naming_the_encoding_and_read_when_declared,
    hostile_submissions_leave_the_store_unchanged,
    more_rows_than_the_bound_are_refused_before_anything_is_stored,
    bytes_past_the_bound_are_refused,
    ragged_rows_are_rejected_and_the_rest_accepted,
    json_and_json_lines_submissions_are_read,
    issued_certificates_verify_and_carry_their_status_index,
    change_reissue_supersedes_and_records_the_change,
    id_number_change_keeps_the_record_consistent,
    replacement_is_marked_bufa_and_paper_replacement_is_refused,
    invalidation_revokes_every_version_and_is_refused_twice,
    objections_and_paper_destruction_are_recorded_once,
    legacy_stock_with_gaps_and_a_retired_name_is_accepted_and_shown,
    deadlines_count_working_days_across_the_spring_festival,
    signer_compromise_revokes_the_kid_and_reissues_under_the_new_key,
    a_retired_key_keeps_its_certificates_valid,
    pipelined_submit_and_issue_matches_the_two_steps,
    issue_entry_payload_digests_indices_identifiers_and_signatures,
    pipelined_issue_signs_a_row_replaced_before_its_reservation,
);

/// What only the PostgreSQL backend has: its catalogue, its triggers, its server.
#[cfg(feature = "postgres")]
mod postgres_only {
    use super::*;

    #[test]
    fn a_newer_schema_is_refused_on_postgres() {
        let Some(f) = Fixture::postgres() else { return };
        drop(f.open());
        let schema = f.pg.as_ref().unwrap();
        schema
            .exec("UPDATE certseal_schema SET version = 99")
            .unwrap();
        let e = Registry::open_url(&f.location()).unwrap_err();
        assert!(e.to_string().contains("schema version is 99"), "{e}");
    }

    /// The PostgreSQL copy of the upgrade source (schema `src`) into an older schema
    /// `version`, with reservation 29 left unfinished by a killed run; `records` and
    /// `assignments` are the statements that copy those tables (their columns differ by
    /// version; `$SRC` in them names `src`).
    fn pg_copy(src: &str, version: u32, records: &str, assignments: &str) -> String {
        format!(
            "CREATE TABLE certseal_schema (one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
                 version INTEGER NOT NULL);
             INSERT INTO certseal_schema (version) VALUES ({version});
             DELETE FROM counters; INSERT INTO counters SELECT * FROM $SRC.counters;
             INSERT INTO submissions SELECT * FROM $SRC.submissions;
             {records};
             INSERT INTO signers SELECT * FROM $SRC.signers;
             {assignments};
             UPDATE assignments SET owner = 'killed run', lease_until = 0
                 WHERE status_index = 29;
             INSERT INTO certificates SELECT * FROM $SRC.certificates WHERE status_index <> 29;
             INSERT INTO status_log SELECT * FROM $SRC.status_log;
             INSERT INTO audit SELECT * FROM $SRC.audit;
             SELECT setval(pg_get_serial_sequence('submissions', 'id'), 100);
             SELECT setval(pg_get_serial_sequence('records', 'id'), 1000);"
        )
        .replace("$SRC", src)
    }

    #[test]
    fn a_version_1_registry_upgrades_on_open_on_postgres() {
        let Some(f) = Fixture::postgres() else { return };
        let ids = upgrade_source(&f, &f.location());
        let v1 = pg::Schema::create().unwrap();
        let src = f.pg.as_ref().unwrap().name();
        v1.exec(include_str!(
            "../src/registry/migrations/postgres/0001_init.sql"
        ))
        .unwrap();
        // Version 1 (from the version-2 schema): the flags set as a version-1 build would
        // have set them.
        v1.exec(&pg_copy(
            src,
            1,
            "INSERT INTO records SELECT r.*, EXISTS (SELECT 1 FROM $SRC.assignments a
                 WHERE a.record_id = r.id) FROM $SRC.records r",
            "INSERT INTO assignments SELECT a.*, CASE WHEN a.status_index = 29 THEN 0 ELSE 1 END
                 FROM $SRC.assignments a",
        ))
        .unwrap();
        check_upgraded(&f, &v1.url, &ids);
        let mut c = pg::client(&pg::base_url().unwrap());
        let version: i32 = c
            .query_one(
                &format!("SELECT version FROM {}.certseal_schema", v1.name()),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(
            u32::try_from(version).unwrap(),
            certseal::registry::SCHEMA_VERSION
        );
        // A second certificate for one (serial, version) is refused; the identifier's CHECK
        // of version 2 is gone in version 4 (`issuance::record` checks it).
        let e = v1
            .exec(
                "INSERT INTO certificates SELECT 40, identifier, serial, version, kind, \
                 predecessor, record_id, management_number, holder_name, id_number, \
                 qualification, legacy, kid, issued_at, document, qr FROM certificates \
                 WHERE status_index = 0",
            )
            .unwrap_err();
        let text = e.as_db_error().map(|d| d.message().to_owned());
        assert!(
            text.unwrap_or_default()
                .contains("certificates_serial_version_key"),
            "{e}"
        );
    }

    #[test]
    fn a_version_3_registry_upgrades_on_open_on_postgres() {
        let Some(f) = Fixture::postgres() else { return };
        let ids = upgrade_source(&f, &f.location());
        let v3 = pg::Schema::create().unwrap();
        let src = f.pg.as_ref().unwrap().name();
        for m in [
            include_str!("../src/registry/migrations/postgres/0001_init.sql"),
            include_str!("../src/registry/migrations/postgres/0002_write_once.sql"),
            include_str!("../src/registry/migrations/postgres/0003_objections_by_certificate.sql"),
        ] {
            v3.exec(m).unwrap();
        }
        // Version 3 has the columns of version 4, in the same order.
        v3.exec(&pg_copy(
            src,
            3,
            "INSERT INTO records SELECT * FROM $SRC.records",
            "INSERT INTO assignments SELECT * FROM $SRC.assignments",
        ))
        .unwrap();
        let constraints = |schema: &pg::Schema| -> Vec<String> {
            let mut c = pg::client(&pg::base_url().unwrap());
            c.query(
                "SELECT conname::text FROM pg_constraint k JOIN pg_namespace n \
                 ON n.oid = k.connamespace WHERE n.nspname = $1 ORDER BY 1",
                &[&schema.name()],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
        };
        let dropped = [
            "certificates_identifier_serial_version",
            "certificates_status_index_fkey",
            "assignments_record_id_fkey",
            "records_submission_id_fkey",
        ];
        let before = constraints(&v3);
        for name in dropped {
            assert!(before.iter().any(|c| c == name), "{name}: {before:?}");
        }
        check_upgraded(&f, &v3.url, &ids);
        let mut c = pg::client(&pg::base_url().unwrap());
        let version: i32 = c
            .query_one(
                &format!("SELECT version FROM {}.certseal_schema", v3.name()),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(
            u32::try_from(version).unwrap(),
            certseal::registry::SCHEMA_VERSION
        );
        let after = constraints(&v3);
        for name in dropped {
            assert!(!after.iter().any(|c| c == name), "{name}: {after:?}");
        }
        for kept in [
            "certificates_pkey",
            "certificates_serial_version_key",
            "certificates_predecessor_fkey",
            "assignments_record_id_key",
        ] {
            assert!(after.iter().any(|c| c == kept), "{kept}: {after:?}");
        }
    }

    #[test]
    fn the_database_refuses_updates_of_the_append_only_tables() {
        let Some(f) = Fixture::postgres() else { return };
        drop(issued_registry(&f, 1));
        let schema = f.pg.as_ref().unwrap();
        for sql in [
            "UPDATE audit SET actor = 'x'",
            "DELETE FROM audit",
            "UPDATE certificates SET holder_name = 'x'",
            "DELETE FROM certificates",
            "UPDATE status_log SET note = 'x'",
        ] {
            let e = schema.exec(sql).unwrap_err();
            let text = e
                .as_db_error()
                .map(|d| d.message().to_owned())
                .unwrap_or_default();
            assert!(text.contains("append-only"), "{sql}: {e}");
        }
    }

    #[test]
    fn an_unreachable_server_is_named_in_the_error() {
        // A port nobody listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("postgres://certseal:secret@127.0.0.1:{port}/registry?connect_timeout=2");
        let e = Registry::open_url(&url).unwrap_err().to_string();
        assert!(e.contains("cannot reach PostgreSQL"), "{e}");
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(!e.contains("secret"), "the password is not shown: {e}");
    }

    #[test]
    fn migrate_copies_an_sqlite_registry_and_checks_the_copy() {
        let Some(pg) = Fixture::postgres() else {
            return;
        };
        // The source: a SQLite registry with first issues, a re-issue, a revocation and an
        // objection, signed with the keys of `pg` (one trust store for both).
        let mut src = Registry::open(&pg.db()).unwrap().with_actor("test");
        src.submit(&synthetic(0, 40)[..], &meta("m1"), NOW).unwrap();
        src.submit(MIXED.as_bytes(), &meta("m2"), NOW).unwrap();
        src.issue_pending(&pg.keys, &IssueOptions::at(NOW), &mut |_, _| {})
            .unwrap();
        let id = first_identifier(&mut src);
        let v2 = src
            .reissue(
                &pg.keys,
                &ReissueRequest {
                    identifier: id.clone(),
                    kind: ReissueKind::Replacement { paper: false },
                },
                NOW + 5,
            )
            .unwrap();
        src.invalidate(&v2.identifier, &invalidation(), NOW + 10)
            .unwrap();
        let head = src.status_head().unwrap();
        let audit = src.audit_head().unwrap();
        drop(src);

        let report = certseal::registry::migrate_sqlite_to_postgres(
            &pg.db(),
            &pg.location(),
            pg.keys.trust_store().unwrap(),
        )
        .unwrap();
        assert_eq!(report.status_head, head);
        assert_eq!(report.certificates_verified, 43);
        let count = |t: &str| report.tables.iter().find(|(n, _)| *n == t).unwrap().1;
        assert_eq!(
            (
                count("certificates"),
                count("records"),
                count("submissions")
            ),
            (43, 44, 2)
        );

        // The copy works as a registry: same audit head, lookups, and new numbers continue
        // after the copied ones.
        let mut copy = pg.open();
        assert_eq!(copy.audit_head().unwrap(), audit);
        assert_eq!(state(&mut copy, &v2.identifier), State::Revoked);
        copy.submit(&synthetic(1000, 3)[..], &meta("m3"), NOW + 20)
            .unwrap();
        let rep = copy
            .issue_pending(&pg.keys, &IssueOptions::at(NOW + 20), &mut |_, _| {})
            .unwrap();
        assert_eq!(rep.indices, Some((head.size, head.size + 2)));
        assert!(copy.verify_audit(None).unwrap().is_intact());

        // Into a registry that is not empty: refused, nothing changed.
        let e = certseal::registry::migrate_sqlite_to_postgres(
            &pg.db(),
            &pg.location(),
            pg.keys.trust_store().unwrap(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
    }
}
