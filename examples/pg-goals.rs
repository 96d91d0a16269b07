//! Issue 13's goals, measured (specs/registry.md, "PostgreSQL"):
//!
//! - `pg-goals bulk URL [N]`: N synthetic records submitted and issued into a fresh SQLite
//!   file and into a fresh schema of the PostgreSQL database at URL, taking turns (SQLite,
//!   PostgreSQL, SQLite, PostgreSQL), each keeping its best run; prints both and the ratio.
//! - `pg-goals concurrent URL [N]`: N records issued by ONE `issue-worker` process (one signing
//!   thread), then N records (fresh schema) by TWO worker processes at once; prints the
//!   throughputs and their ratio.
//!
//! A third argument names the signing algorithm (`es256`, the default; `sm2`, `ed25519`).
//!
//! `cargo run --release --features postgres --example pg-goals -- bulk postgres://… 100000`
//! `cargo run --release --features postgres --example pg-goals -- concurrent postgres://… 20000 sm2`

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use certseal::crypto::Algorithm;
use certseal::registry::{
    write_synthetic_csv, Encoding, IssueOptions, Registry, SubmissionFormat, SubmissionMeta,
};
use certseal::trust::{InitOptions, KeyDir};

const NOW: i64 = 1_795_651_200;

fn meta() -> SubmissionMeta {
    SubmissionMeta {
        body: "goals".into(),
        batch: "1".into(),
        exam: None,
        results_published: None,
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    }
}

/// A fresh schema in the database at `base`; returns the URL that selects it.
fn fresh_schema(base: &str, name: &str) -> String {
    let mut c = postgres::Client::connect(base, postgres::NoTls).expect("connect");
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
    ))
    .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{name}")
}

fn drop_schema(base: &str, name: &str) {
    if let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls) {
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
    }
}

/// Submits and issues `csv` into `location`: (submit seconds, issue seconds).
fn run(location: &str, csv: &Path, keys: &KeyDir) -> (f64, f64) {
    let t0 = Instant::now();
    let mut r = Registry::open_url(location).expect("open");
    r.submit_file(csv, &meta(), NOW).expect("submit");
    let t1 = Instant::now();
    let rep = r
        .issue_pending(keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .expect("issue");
    let t2 = Instant::now();
    assert!(rep.issued > 0);
    ((t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    if mode == "issue-worker" {
        // issue-worker LOCATION KEYS: one signing thread, chunks of 256, a long lease.
        let (Some(loc), Some(keys)) = (args.get(1), args.get(2)) else {
            panic!("issue-worker LOCATION KEYS");
        };
        let keys = KeyDir::open(Path::new(keys)).expect("keys");
        let mut r = Registry::open_url(loc).expect("open");
        let mut opts = IssueOptions::at(NOW);
        opts.chunk = 256;
        opts.lease_secs = 3600;
        let rep = r
            .issue_pending(&keys, &opts, &mut |_, _| {})
            .expect("issue");
        println!("{}", rep.issued);
        return;
    }
    let base = args.get(1).expect("URL").clone();
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let alg_name = args.get(3).map(String::as_str).unwrap_or("es256");
    let alg = Algorithm::from_name(alg_name).expect("algorithm: es256, sm2 or ed25519");
    println!("signing algorithm {}", alg.name());
    let dir = std::env::temp_dir().join(format!("certseal-pg-goals-{}", std::process::id()));
    let keys = KeyDir::init(
        &dir.join("keys"),
        InitOptions {
            alg,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now: NOW,
            signer_validity_days: 365,
            force: true,
        },
    )
    .expect("keys");
    let csv = dir.join("submission.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).expect("csv"));
        write_synthetic_csv(&mut w, 0, n).expect("csv");
        std::io::Write::flush(&mut w).expect("csv");
    }
    match mode {
        "bulk" => {
            let mut best = [(f64::INFINITY, f64::INFINITY); 2];
            for round in 0..2 {
                let db = dir.join(format!("registry-{round}.db"));
                let s = run(db.to_str().expect("path"), &csv, &keys);
                println!(
                    "round {round} sqlite:     submit {:.2} s, issue {:.2} s",
                    s.0, s.1
                );
                let name = format!("goals_bulk_{round}");
                let url = fresh_schema(&base, &name);
                let p = run(&url, &csv, &keys);
                println!(
                    "round {round} postgresql: submit {:.2} s, issue {:.2} s",
                    p.0, p.1
                );
                drop_schema(&base, &name);
                for (b, x) in best.iter_mut().zip([s, p]) {
                    if x.0 + x.1 < b.0 + b.1 {
                        *b = x;
                    }
                }
            }
            let [s, p] = best;
            println!(
                "{n} records, best of 2: sqlite submit {:.2} + issue {:.2} = {:.2} s; postgresql submit {:.2} + issue {:.2} = {:.2} s",
                s.0, s.1, s.0 + s.1, p.0, p.1, p.0 + p.1
            );
            println!(
                "postgresql / sqlite: issue {:.2}, submit + issue {:.2} (goal: <= 2)",
                p.1 / s.1,
                (p.0 + p.1) / (s.0 + s.1)
            );
        }
        "concurrent" => {
            let exe = std::env::current_exe().expect("exe");
            let keys_dir = dir.join("keys");
            let mut secs = [0.0f64; 2];
            for (k, workers) in [1usize, 2].into_iter().enumerate() {
                let name = format!("goals_conc_{workers}");
                let url = fresh_schema(&base, &name);
                let mut r = Registry::open_url(&url).expect("open");
                r.submit_file(&csv, &meta(), NOW).expect("submit");
                drop(r);
                let t0 = Instant::now();
                let children: Vec<_> = (0..workers)
                    .map(|_| {
                        Command::new(&exe)
                            .args(["issue-worker", &url, keys_dir.to_str().expect("path")])
                            .env("RAYON_NUM_THREADS", "1")
                            .stdout(std::process::Stdio::piped())
                            .spawn()
                            .expect("spawn")
                    })
                    .collect();
                let mut issued = Vec::new();
                for c in children {
                    let out = c.wait_with_output().expect("worker");
                    assert!(out.status.success(), "worker failed");
                    issued.push(String::from_utf8_lossy(&out.stdout).trim().to_owned());
                }
                secs[k] = t0.elapsed().as_secs_f64();
                let mut r = Registry::open_url(&url).expect("open");
                let head = r.status_head().expect("head");
                let intact = r.verify_audit(None).expect("audit").is_intact();
                println!(
                    "{workers} issuing process(es): {n} records in {:.2} s = {:.0} records/s (issued per process {issued:?}; status indices {}; audit chain intact: {intact})",
                    secs[k],
                    n as f64 / secs[k],
                    head.size
                );
                drop(r);
                drop_schema(&base, &name);
            }
            println!(
                "two processes / one: throughput x{:.2} (goal: >= 1.6)",
                secs[0] / secs[1]
            );
        }
        _ => panic!("pg-goals bulk|concurrent URL [N [ALGORITHM]]"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
