#![allow(missing_docs)]
//! Bulk issuance through the registry (issue 9's goal): submit a synthetic CSV of N records
//! (default 100,000; `CERTSEAL_BULK_RECORDS` overrides) into a fresh SQLite file and issue
//! them, committed — beside the bare signing it performs, two signatures a record on the same
//! rayon pool, in the same run. Compare `registry_bulk/submit_and_issue_pipelined`
//! (`Registry::submit_and_issue_file`: issuance starts while the file is read) with
//! `registry_bulk/bare_sign_x2` (goal: at most 1.5×); `registry_bulk/submit_and_issue` is the
//! same work one step after the other (`submit_file`, then `issue_pending`).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;

use certseal::crypto::Algorithm;
use certseal::registry::{
    write_synthetic_csv, Encoding, IssueOptions, Registry, SubmissionFormat, SubmissionMeta,
};
use certseal::trust::{InitOptions, KeyDir};

const NOW: i64 = 1_795_651_200;

fn bulk(c: &mut Criterion) {
    let n: u64 = std::env::var("CERTSEAL_BULK_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = KeyDir::init(
        &dir.path().join("keys"),
        InitOptions {
            alg: Algorithm::Es256,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now: NOW,
            signer_validity_days: 365,
            force: false,
        },
    )
    .expect("keys");
    let csv = dir.path().join("submission.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).expect("csv"));
        write_synthetic_csv(&mut w, 0, n).expect("csv");
        std::io::Write::flush(&mut w).expect("csv");
    }
    let signer = keys
        .active_signer(NOW)
        .and_then(|s| s.signer_at(NOW))
        .expect("signer");
    let (doc, qr) = (vec![0x5au8; 640], vec![0xa5u8; 200]);

    let mut g = c.benchmark_group("registry_bulk");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(1))
        .warm_up_time(Duration::from_millis(1))
        .throughput(Throughput::Elements(n));
    g.bench_function("bare_sign_x2", |b| {
        b.iter(|| {
            (0..n).into_par_iter().for_each(|_| {
                std::hint::black_box(signer.sign(&doc).expect("sign"));
                std::hint::black_box(signer.sign(&qr).expect("sign"));
            })
        })
    });
    let mut run = 0u32;
    g.bench_function("submit_and_issue", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                run += 1;
                let db = dir.path().join(format!("registry-{run}.db"));
                let start = Instant::now();
                let mut r = Registry::open(&db).expect("registry");
                let meta = SubmissionMeta {
                    body: "bench".into(),
                    batch: "1".into(),
                    exam: None,
                    results_published: None,
                    format: SubmissionFormat::Csv,
                    encoding: Encoding::Utf8,
                };
                let rep = r.submit_file(&csv, &meta, NOW).expect("submit");
                assert_eq!(rep.accepted, n);
                let issued = r
                    .issue_pending(&keys, &IssueOptions::at(NOW), &mut |_, _| {})
                    .expect("issue");
                assert_eq!(issued.issued, n);
                drop(r);
                total += start.elapsed();
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
            }
            total
        })
    });
    g.bench_function("submit_and_issue_pipelined", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                run += 1;
                let db = dir.path().join(format!("registry-{run}.db"));
                let start = Instant::now();
                let mut r = Registry::open(&db).expect("registry");
                let meta = SubmissionMeta {
                    body: "bench".into(),
                    batch: "1".into(),
                    exam: None,
                    results_published: None,
                    format: SubmissionFormat::Csv,
                    encoding: Encoding::Utf8,
                };
                let (rep, issued) = r
                    .submit_and_issue_file(
                        &csv,
                        &meta,
                        &keys,
                        &IssueOptions::at(NOW),
                        &mut |_, _| {},
                    )
                    .expect("submit and issue");
                assert_eq!((rep.accepted, issued.issued), (n, n));
                drop(r);
                total += start.elapsed();
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
