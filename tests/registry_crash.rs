//! Crash safety of bulk issuance, the way SQLite's own tests check it: a real `certseal issue
//! --pending` child process killed with SIGKILL at pseudo-random moments, several times, then
//! resumed to the end. Afterwards every record is issued exactly once, every status index
//! 0..N is used by exactly one certificate, every payload verifies and carries its index, and
//! the audit chain verifies.
#![cfg(all(feature = "sqlite", feature = "cli", unix))]

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certseal::crypto::Algorithm;
use certseal::registry::{
    write_synthetic_csv, Encoding, Registry, SubmissionFormat, SubmissionMeta,
};
use certseal::trust::{InitOptions, KeyDir};
use certseal::verify::Verifier;
use certseal::FixedClock;

const RECORDS: u64 = 20_000;

/// A fixed-seed xorshift, so the kill points are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn issued(db: &std::path::Path) -> u64 {
    let mut r = Registry::open(db).unwrap();
    let mut n = 0;
    r.each_certificate(|_| {
        n += 1;
        Ok(())
    })
    .unwrap();
    n
}

/// A fresh ES256 key directory (one signer) at `dir`, and the time it was made at.
fn es256_keys(dir: &std::path::Path) -> (KeyDir, i64) {
    let now = certseal::Clock::now(&certseal::SystemClock);
    let keys = KeyDir::init(
        dir,
        InitOptions {
            alg: Algorithm::Es256,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now,
            signer_validity_days: 365,
            force: false,
        },
    )
    .unwrap();
    (keys, now)
}

#[test]
fn killed_issuer_resumes_with_every_record_issued_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    let (keys, now) = es256_keys(&keys_dir);
    let db = dir.path().join("registry.db");
    let mut csv = Vec::new();
    write_synthetic_csv(&mut csv, 0, RECORDS).unwrap();
    let mut r = Registry::open(&db).unwrap();
    let rep = r
        .submit(
            &csv[..],
            &SubmissionMeta {
                body: "crash".into(),
                batch: "1".into(),
                exam: None,
                results_published: None,
                format: SubmissionFormat::Csv,
                encoding: Encoding::Utf8,
            },
            now,
        )
        .unwrap();
    assert_eq!(rep.accepted, RECORDS);
    drop(r);

    let bin = env!("CARGO_BIN_EXE_certseal");
    let issue = || {
        let mut c = Command::new(bin);
        c.args(["issue", "--pending", "--json", "--chunk", "64", "--db"])
            .arg(&db)
            .arg("--keys")
            .arg(&keys_dir)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    kill_part_way(issue, Rng(0x5eed_cafe_f00d_d00d), 40..540, || issued(&db));

    let out = issue().output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("final run: {summary}");

    assert_issued_exactly_once(&db, &keys, now);
}

/// Every status index 0..RECORDS used by one certificate, every management number issued
/// once, every 97th payload valid and carrying its index, no reservation left, the audit
/// chain intact.
fn assert_issued_exactly_once(db: &std::path::Path, keys: &KeyDir, now: i64) {
    let mut r = Registry::open(db).unwrap();
    let verifier = Verifier::new(keys.trust_store().unwrap()).with_clock(FixedClock(now + 3600));
    let mut indices = Vec::new();
    let mut numbers = HashSet::new();
    let mut identifiers = HashSet::new();
    r.each_certificate(|c| {
        indices.push(c.status_index);
        assert!(
            numbers.insert(c.management_number.clone()),
            "{} twice",
            c.management_number
        );
        assert!(identifiers.insert(c.identifier.clone()));
        if c.status_index % 97 == 0 {
            let v = verifier.verify_at(&c.qr, now + 3600);
            assert!(v.is_valid(), "{:?}", v.result);
            assert_eq!(v.certificate.unwrap().status_index, Some(c.status_index));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        indices,
        (0..RECORDS).collect::<Vec<_>>(),
        "every index used once, no gap"
    );
    assert_eq!(
        numbers.len() as u64,
        RECORDS,
        "every record issued exactly once"
    );
    assert_eq!(
        r.status_head().unwrap().size,
        RECORDS,
        "no index reserved and left"
    );
    let audit = r.verify_audit(None).unwrap();
    assert!(audit.is_intact(), "{:?}", audit.findings);
}

/// Up to 8 runs of `command`, each SIGKILLed after a seeded random wait in `wait_ms` (or let
/// finish), until `issued()` says every record is issued; asserts that at least one run was
/// killed part-way (some records issued, not all), else the test would prove nothing. A run
/// killed before it issued anything doubles the waits that follow (up to 64×): on a loaded
/// machine a run may need seconds to reach its first commit, and fixed waits would all land
/// before it.
fn kill_part_way(
    command: impl Fn() -> Command,
    mut rng: Rng,
    wait_ms: std::ops::Range<u64>,
    issued: impl Fn() -> u64,
) {
    let mut interrupted = Vec::new();
    let mut scale = 1;
    for _ in 0..8 {
        let before = issued();
        let mut child = command().stdout(Stdio::null()).spawn().unwrap();
        let wait = Duration::from_millis(
            scale * (wait_ms.start + rng.next() % (wait_ms.end - wait_ms.start)),
        );
        let start = Instant::now();
        while start.elapsed() < wait {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let n = issued();
        interrupted.push((wait.as_millis(), status.code(), n));
        if n == RECORDS {
            break;
        }
        if n == before {
            scale = (scale * 2).min(64);
        }
    }
    println!("kills (wait ms, exit code, issued after): {interrupted:?}");
    assert!(
        interrupted
            .iter()
            .any(|&(_, code, n)| code.is_none() && n > 0 && n < RECORDS),
        "no run was killed part-way: {interrupted:?}"
    );
}

/// The same for `certseal submit --issue` (`Registry::submit_and_issue_file`): the submission
/// is stored chunk by chunk in the issuing transactions, so a kill also interrupts the
/// submission; running the same command again resubmits the file (the stored rows come back
/// unchanged) and finishes the issuance.
#[test]
fn killed_submit_and_issue_resumes_with_every_record_issued_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    let (keys, now) = es256_keys(&keys_dir);
    let db = dir.path().join("registry.db");
    let csv = dir.path().join("batch.csv");
    let mut bytes = Vec::new();
    write_synthetic_csv(&mut bytes, 0, RECORDS).unwrap();
    std::fs::write(&csv, bytes).unwrap();
    let bin = env!("CARGO_BIN_EXE_certseal");
    let submit = || {
        let mut c = Command::new(bin);
        c.args([
            "submit", "--json", "--body", "crash", "--batch", "1", "--db",
        ])
        .arg(&db)
        .arg("--issue")
        .arg(&keys_dir)
        .args(["--chunk", "64"])
        .arg(&csv)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
        c
    };
    kill_part_way(submit, Rng(0x0dd_ba11_5eed_f00d), 100..1100, || {
        if db.exists() {
            issued(&db)
        } else {
            0
        }
    });
    let out = submit().output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("final run: {summary}");
    assert_eq!(summary["rows"], RECORDS);
    assert_eq!(summary["rejected"], 0);
    assert_issued_exactly_once(&db, &keys, now);
}

/// The same on PostgreSQL (issue 13), with two issuers at once: each round starts two
/// `certseal issue --pending` children on one fresh schema and kills them with SIGKILL at
/// fixed-seed random moments, one after the other; the reservations a killed issuer leaves
/// stay leased to it (an hour on PostgreSQL), so the next issuers go on with new records. A
/// final `--take-over` run (the operator knows the issuers stopped) finishes everything.
/// Needs `CERTSEAL_TEST_POSTGRES` (a database URL; a schema is made in it and dropped): without
/// it the test says so and passes locally, and fails where `CI` is set.
#[cfg(feature = "postgres")]
#[test]
fn postgres_killed_issuers_resume_with_every_record_issued_exactly_once() {
    // Enough records that two single-threaded issuers on a quiet machine are still at work
    // when the kills come (4,000 were all issued within 750 ms there, and no kill landed).
    const N: u64 = 30_000;
    let base = match std::env::var("CERTSEAL_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CERTSEAL_TEST_POSTGRES is not set: CI runs this test on PostgreSQL")
        }
        _ => {
            eprintln!(
                "PostgreSQL run skipped: set CERTSEAL_TEST_POSTGRES=postgres://user@host:port/db"
            );
            return;
        }
    };
    let schema = format!("certseal_crash_{}", std::process::id());
    let admin = |sql: &str| {
        let mut c = postgres::Client::connect(&base, postgres::NoTls)
            .unwrap_or_else(|e| panic!("CERTSEAL_TEST_POSTGRES={base}: cannot reach it: {e}"));
        c.batch_execute(sql).unwrap();
    };
    admin(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ));
    struct Cleanup<F: FnMut()>(F);
    impl<F: FnMut()> Drop for Cleanup<F> {
        fn drop(&mut self) {
            (self.0)();
        }
    }
    let _cleanup = Cleanup(|| {
        if let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");

    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    let (keys, now) = es256_keys(&keys_dir);
    let mut csv = Vec::new();
    write_synthetic_csv(&mut csv, 0, N).unwrap();
    let mut r = Registry::open_url(&url).unwrap();
    let meta = SubmissionMeta {
        body: "crash".into(),
        batch: "1".into(),
        exam: None,
        results_published: None,
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    };
    assert_eq!(r.submit(&csv[..], &meta, now).unwrap().accepted, N);
    drop(r);
    let issued = || {
        let mut r = Registry::open_url(&url).unwrap();
        let mut n = 0u64;
        r.each_certificate(|_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        n
    };

    let bin = env!("CARGO_BIN_EXE_certseal");
    let issue = |take_over: bool| {
        let mut c = Command::new(bin);
        c.args([
            "issue",
            "--pending",
            "--json",
            "--chunk",
            "64",
            "--db",
            &url,
        ])
        .arg("--keys")
        .arg(&keys_dir)
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
        if take_over {
            c.arg("--take-over");
        }
        c
    };
    let mut rng = Rng(0x0dd_ba11_5eed_cafe);
    let mut rounds = Vec::new();
    for round in 0..5u64 {
        let mut children: Vec<_> = (0..2)
            .map(|_| issue(false).stdout(Stdio::null()).spawn().unwrap())
            .collect();
        // Which one dies first alternates; each dies at its own random moment.
        if round % 2 == 1 {
            children.reverse();
        }
        let mut codes = Vec::new();
        for child in &mut children {
            let wait = Duration::from_millis(100 + rng.next() % 700);
            let start = Instant::now();
            while start.elapsed() < wait && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = child.kill(); // SIGKILL
            codes.push((wait.as_millis(), child.wait().unwrap().code()));
        }
        let n = issued();
        rounds.push((codes, n));
        if n == N {
            break;
        }
    }
    println!("rounds ((wait ms, exit code) per issuer, issued after): {rounds:?}");
    assert!(
        rounds
            .iter()
            .any(|(codes, n)| codes.iter().any(|c| c.1.is_none()) && *n > 0 && *n < N),
        "no issuer was killed part-way: {rounds:?}"
    );

    let out = issue(true).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("final run: {}", String::from_utf8_lossy(&out.stdout));

    let mut r = Registry::open_url(&url).unwrap();
    let verifier = Verifier::new(keys.trust_store().unwrap()).with_clock(FixedClock(now + 3600));
    let mut indices = Vec::new();
    let mut numbers = HashSet::new();
    r.each_certificate(|c| {
        indices.push(c.status_index);
        assert!(
            numbers.insert(c.management_number.clone()),
            "{} issued twice",
            c.management_number
        );
        if c.status_index % 97 == 0 {
            let v = verifier.verify_at(&c.qr, now + 3600);
            assert!(v.is_valid(), "{:?}", v.result);
            assert_eq!(v.certificate.unwrap().status_index, Some(c.status_index));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        indices,
        (0..N).collect::<Vec<_>>(),
        "every index used once, no gap"
    );
    assert_eq!(numbers.len() as u64, N, "every record issued exactly once");
    assert_eq!(
        r.status_head().unwrap().size,
        N,
        "no index reserved and left"
    );
    let audit = r.verify_audit(None).unwrap();
    assert!(audit.is_intact(), "{:?}", audit.findings);
}
