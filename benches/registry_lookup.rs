#![allow(missing_docs)]
//! Issue 13's lookup goal: with N certificates in the registry (10 million in the issue; the
//! default here is 1,000,000, `CERTSEAL_LOOKUP_ROWS` or the first argument sets it), lookup by
//! identifier and by management number + name on PostgreSQL at p99 within 3× the SQLite
//! backend's p99 on the same rows, same run.
//!
//! ```text
//! CERTSEAL_TEST_POSTGRES=postgres://… cargo bench --features postgres --bench registry_lookup
//! cargo bench --features postgres --bench registry_lookup -- 10000000 postgres://… --one-at-a-time
//! ```
//!
//! Options (environment): `CERTSEAL_LOOKUP_DIR` the directory of the SQLite file (default the
//! system's temporary directory); `--one-at-a-time` (or `CERTSEAL_LOOKUP_ONE_AT_A_TIME=1`)
//! loads and measures the backends one after the other on the same rows (SQLite: load,
//! measure, delete; then PostgreSQL: load, measure, drop), so the disk holds one copy at a
//! time; without it both copies exist and the lookups take turns query by query;
//! `CERTSEAL_LOOKUP_KEEP=1` keeps the SQLite file and the PostgreSQL schema.
//!
//! **The generator** is bounded: rows are made and written in chunks of [`CHUNK`] (one
//! transaction each, through the registry's own `Tx` statements: multi-row inserts of the
//! records, the reservations and the certificates), so memory stays flat whatever N. Both
//! backends get the same rows (SQLite first, then PostgreSQL). What a row is:
//!
//! - a submission record: a synthetic holder (`write_synthetic_csv`'s name, GB 11643 ID number
//!   with its check digit, management number `M{n:015}`) validated by the model's CSV parser,
//!   stored as the registry stores an accepted row (its certificate JSON);
//! - its reservation (status index and serial from the counters) and its certificate row with
//!   the real e-licence identifier minted from that serial;
//! - the signed document and QR string of ONE certificate really issued first (record 0):
//!   lookup never verifies a stored signature, so every row carries that one's bytes (the
//!   same size as a fresh one). Records, reservations, certificates, status head and counters
//!   are otherwise what a real issuance of N records leaves.
//!
//! Each load prints its rate (rows/s in all and of the backend's writes alone) and the bytes a
//! row takes (the SQLite file and WAL; PostgreSQL's tables with indexes and TOAST).
//!
//! **The measurement**: [`QUERIES`] rows drawn with a fixed seed, each looked up by identifier
//! and by management number + name through `Registry::lookup` (on PostgreSQL one statement
//! outside any transaction, `Store::read_one`) after [`WARMUP`] warm-up lookups; every answer
//! is checked (one certificate, the expected identifier). Prints p50 / p90 / p99 / max per
//! backend and the ratios.
//!
//! Without `--bench` (as `cargo test --benches` runs it) the program only says how to run it.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use certseal::crypto::Algorithm;
use certseal::model::{parse_csv, Uscc};
use certseal::registry::{
    synthetic_id_number, synthetic_name, write_synthetic_csv, Assignment, CertificateRow, Encoding,
    IssueOptions, Lookup, RecordOutcome, RecordRow, Registry, Store, SubmissionFormat,
    SubmissionMeta, SubmissionRow, Tx,
};
use certseal::trust::{InitOptions, KeyDir};

const NOW: i64 = 1_795_651_200;
/// Rows written in one transaction.
const CHUNK: u64 = 20_000;
/// Rows looked up (each by identifier and by management number + name).
const QUERIES: usize = 5_000;
/// Warm-up lookups per backend before the measured ones.
const WARMUP: usize = 1_000;
const USCC: &str = "12100000400010398P";

/// One generated row: record, and the certificate fields that depend on the serial.
struct Gen {
    record: RecordRow,
    number: String,
    name: String,
    id_number: String,
    level_cert: certseal::model::Certificate,
}

/// The rows `first..first + n` as validated certificates (the model's CSV parser).
fn generate(first: u64, n: u64, submission: i64) -> Vec<Gen> {
    let mut csv = String::from(
        "qualification_code,level,name,sex,birth,id_type,id_number,management_number,approval_date,serial\n",
    );
    for k in first..first + n {
        let (id, sex, birth) = synthetic_id_number(k);
        let level = 1 + k % 3;
        csv.push_str(&format!(
            "9,{level},{},{sex},{birth},111,{id},M{k:015},2024-01-15,{k}\n",
            synthetic_name(k)
        ));
    }
    let batch = parse_csv(csv.as_bytes()).expect("synthetic rows parse");
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected.first());
    batch
        .accepted
        .into_par_iter()
        .map(|(row_no, mut cert)| {
            // As the registry stores an accepted row: the serial a placeholder until issuance.
            cert.serial = "0".into();
            let json = serde_json::to_string(&cert).expect("json");
            let digest = ring::digest::digest(&ring::digest::SHA256, json.as_bytes());
            let mut d = [0u8; 32];
            d.copy_from_slice(digest.as_ref());
            let number = cert.management.number.clone();
            Gen {
                record: RecordRow {
                    id: 0,
                    submission_id: submission,
                    row_key: number.clone(),
                    row_no: row_no as u64,
                    digest: d,
                    outcome: RecordOutcome::Accepted {
                        management_number: number.clone(),
                        certificate: json,
                    },
                    received_at: NOW,
                },
                number,
                name: cert.holder.name.clone(),
                id_number: cert.holder.id_number.to_string(),
                level_cert: cert,
            }
        })
        .collect()
}

/// Writes one chunk into `store` in one transaction; returns the identifiers in row order.
fn write_chunk(
    store: &mut dyn Store,
    rows: &[Gen],
    template: &CertificateRow,
    uscc: &Uscc,
) -> Vec<String> {
    let mut idents = Vec::new();
    store
        .transaction(&mut |tx: &mut dyn Tx| {
            let records: Vec<RecordRow> = rows.iter().map(|g| g.record.clone()).collect();
            tx.insert_records(&records)?;
            let pending = tx.pending_records(0, rows.len())?;
            assert_eq!(pending.len(), rows.len(), "pending rows");
            let n = rows.len() as u64;
            let (first_index, first_serial) = tx.next_numbers(n, n)?;
            let mut certs = Vec::with_capacity(rows.len());
            idents.clear();
            for ((k, g), rec) in (0u64..).zip(rows).zip(&pending) {
                let serial = (first_serial + k).to_string();
                let mut cert = g.level_cert.clone();
                cert.serial.clone_from(&serial);
                let identifier = cert.identifier(uscc).expect("identifier").to_string();
                let status_index = first_index + k;
                tx.insert_assignment(&Assignment {
                    status_index,
                    serial: serial.clone(),
                    version: 1,
                    kind: certseal::model::IssueKind::Original,
                    record_id: Some(rec.id),
                    predecessor: None,
                    certificate: String::new(),
                    owner: "bench".into(),
                    lease_until: NOW,
                    reserved_at: NOW,
                })?;
                certs.push(CertificateRow {
                    status_index,
                    identifier: identifier.clone(),
                    serial,
                    version: 1,
                    kind: certseal::model::IssueKind::Original,
                    predecessor: None,
                    record_id: Some(rec.id),
                    management_number: g.number.clone(),
                    holder_name: g.name.clone(),
                    id_number: g.id_number.clone(),
                    qualification: template.qualification,
                    legacy: false,
                    kid: template.kid,
                    issued_at: NOW,
                    certificate: String::new(),
                    document: template.document.clone(),
                    qr: template.qr.clone(),
                });
                idents.push(identifier);
            }
            for c in certs.chunks(1024) {
                tx.insert_certificates(c)?;
            }
            Ok(())
        })
        .expect("chunk");
    idents
}

/// A fresh registry at `location` with record 0 really submitted and issued; returns its
/// certificate row (the template of every generated one) and the submission id for the rest.
fn seed(location: &str, keys: &KeyDir, dir: &std::path::Path) -> (CertificateRow, i64) {
    let csv = dir.join("seed.csv");
    let mut f = std::fs::File::create(&csv).expect("seed");
    write_synthetic_csv(&mut f, 0, 1).expect("seed");
    let meta = |batch: &str| SubmissionMeta {
        body: "bench".into(),
        batch: batch.into(),
        exam: None,
        results_published: None,
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    };
    let mut r = Registry::open_url(location).expect("open");
    r.submit_file(&csv, &meta("seed"), NOW).expect("submit");
    r.issue_pending(keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .expect("issue");
    drop(r);
    let mut store = certseal::registry::open(location).expect("open");
    let mut out = None;
    store
        .transaction(&mut |tx: &mut dyn Tx| {
            let row = tx.certificate_at(0)?.expect("record 0 issued");
            let id = tx.insert_submission(&SubmissionRow {
                id: 0,
                body: "bench".into(),
                batch: "generated".into(),
                exam: None,
                results_published: None,
                received_at: NOW,
            })?;
            out = Some((row, id));
            Ok(())
        })
        .expect("template");
    out.expect("template")
}

struct Latencies(Vec<Duration>);

impl Latencies {
    fn at(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort_unstable();
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i.min(v.len() - 1)]
    }
    fn line(&self, what: &str) -> String {
        format!(
            "{what:<44} p50 {:>8.1} µs  p90 {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
            self.at(0.5).as_secs_f64() * 1e6,
            self.at(0.9).as_secs_f64() * 1e6,
            self.at(0.99).as_secs_f64() * 1e6,
            self.at(1.0).as_secs_f64() * 1e6,
        )
    }
}

fn timed(r: &mut Registry, q: &Lookup, expect: &str) -> Duration {
    let t = Instant::now();
    let found = r.lookup(q).expect("lookup");
    let d = t.elapsed();
    assert_eq!(found.len(), 1, "{q:?}");
    assert_eq!(found[0].current.identifier, expect, "{q:?}");
    d
}

/// What a load took: seconds writing (the backend's part) and in all (with generating).
struct Loaded {
    write_secs: f64,
    total_secs: f64,
}

/// Writes rows `1..=rows` into `location` chunk by chunk, noting the identifiers of `sample`
/// (sorted) in `wanted` (or checking them against it when already there).
fn load(
    location: &str,
    rows: u64,
    (template, sub): &(CertificateRow, i64),
    uscc: &Uscc,
    sample: &[u64],
    wanted: &mut std::collections::HashMap<u64, String>,
    what: &str,
) -> Loaded {
    let mut store = certseal::registry::open(location).expect("open");
    let t0 = Instant::now();
    let mut write_secs = 0f64;
    let mut first = 1u64;
    while first <= rows {
        let n = CHUNK.min(rows + 1 - first);
        let gen = generate(first, n, *sub);
        let t = Instant::now();
        let ids = write_chunk(store.as_mut(), &gen, template, uscc);
        write_secs += t.elapsed().as_secs_f64();
        for (k, id) in (first..).zip(ids) {
            if sample.binary_search(&k).is_ok() {
                let old = wanted.insert(k, id.clone());
                assert!(
                    old.is_none() || old.as_deref() == Some(id.as_str()),
                    "both backends mint the same identifiers"
                );
            }
        }
        first += n;
        if (first / CHUNK) % 10 == 0 {
            eprintln!(
                "{what}: {} rows in {:.0} s (writes {write_secs:.0} s)",
                first - 1,
                t0.elapsed().as_secs_f64()
            );
        }
    }
    Loaded {
        write_secs,
        total_secs: t0.elapsed().as_secs_f64(),
    }
}

/// Bytes the schema's tables take with their indexes and TOAST (PostgreSQL).
fn pg_bytes(url: &str, schema: &str) -> u64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    c.batch_execute(&format!(
        "ANALYZE {schema}.certificates; ANALYZE {schema}.records; ANALYZE {schema}.assignments"
    ))
    .expect("analyze");
    let r = c
        .query_one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&schema],
        )
        .expect("size");
    u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)
}

/// Bytes of the SQLite database (the file and its WAL).
fn sqlite_bytes(path: &std::path::Path) -> u64 {
    let len = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(path) + len(&path.with_extension("db-wal"))
}

fn report_load(what: &str, rows: u64, l: &Loaded, bytes: u64) {
    println!(
        "{what}: loaded {rows} rows in {:.0} s ({:.0} rows/s; writes {:.0} s, {:.0} rows/s); {:.2} GiB, {:.0} bytes a row",
        l.total_secs,
        rows as f64 / l.total_secs,
        l.write_secs,
        rows as f64 / l.write_secs,
        bytes as f64 / (1u64 << 30) as f64,
        bytes as f64 / rows as f64,
    );
}

type Query = (Lookup, Lookup, String);

/// Warm-up, then the measured lookups of `queries` on each registry, taking turns query by
/// query; `[by identifier, by management number + name]` per registry.
fn measure(regs: &mut [&mut Registry], queries: &[Query]) -> Vec<[Latencies; 2]> {
    let (warm, measured) = queries.split_at(WARMUP);
    for (by_id, by_number, expect) in warm {
        for r in regs.iter_mut() {
            timed(r, by_id, expect);
            timed(r, by_number, expect);
        }
    }
    let mut lat: Vec<[Latencies; 2]> = regs
        .iter()
        .map(|_| [(); 2].map(|_| Latencies(Vec::with_capacity(QUERIES))))
        .collect();
    for (by_id, by_number, expect) in measured {
        for (r, l) in regs.iter_mut().zip(lat.iter_mut()) {
            l[0].0.push(timed(r, by_id, expect));
        }
        for (r, l) in regs.iter_mut().zip(lat.iter_mut()) {
            l[1].0.push(timed(r, by_number, expect));
        }
    }
    lat
}

fn report(rows: u64, how: &str, s: &[Latencies; 2], p: &[Latencies; 2]) {
    println!(
        "{} rows, {QUERIES} lookups each (after {WARMUP} warm-up), {how}:",
        rows + 1
    );
    println!("{}", s[0].line("sqlite     by identifier"));
    println!("{}", p[0].line("postgresql by identifier"));
    println!("{}", s[1].line("sqlite     by management number + name"));
    println!("{}", p[1].line("postgresql by management number + name"));
    for (what, s, p) in [
        ("identifier", &s[0], &p[0]),
        ("management number + name", &s[1], &p[1]),
    ] {
        println!(
            "p99 postgresql / sqlite by {what}: {:.2} (goal: <= 3); p90 {:.2}; p50 {:.2}",
            p.at(0.99).as_secs_f64() / s.at(0.99).as_secs_f64(),
            p.at(0.9).as_secs_f64() / s.at(0.9).as_secs_f64(),
            p.at(0.5).as_secs_f64() / s.at(0.5).as_secs_f64(),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("registry_lookup: run with cargo bench --features postgres --bench registry_lookup [-- ROWS URL]");
        return;
    }
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let rows: u64 = positional
        .first()
        .map(|s| s.parse().expect("ROWS"))
        .or_else(|| {
            std::env::var("CERTSEAL_LOOKUP_ROWS")
                .ok()
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(1_000_000);
    let url = positional
        .get(1)
        .map(|s| s.to_string())
        .or_else(|| std::env::var("CERTSEAL_TEST_POSTGRES").ok())
        .expect("a PostgreSQL URL: argument 2 or CERTSEAL_TEST_POSTGRES");
    // One backend at a time (load SQLite, measure, delete it; then PostgreSQL): half the disk.
    let sequential = args.iter().any(|a| a == "--one-at-a-time")
        || std::env::var_os("CERTSEAL_LOOKUP_ONE_AT_A_TIME").is_some();
    let keep = std::env::var_os("CERTSEAL_LOOKUP_KEEP").is_some();
    let dir = tempfile::tempdir_in(
        std::env::var("CERTSEAL_LOOKUP_DIR")
            .unwrap_or_else(|_| std::env::temp_dir().to_string_lossy().into_owned()),
    )
    .expect("temp dir");
    let keys = KeyDir::init(
        &dir.path().join("keys"),
        InitOptions {
            alg: Algorithm::Es256,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: USCC.into(),
            signers: 1,
            now: NOW,
            signer_validity_days: 365,
            force: false,
        },
    )
    .expect("keys");
    let uscc: Uscc = USCC.parse().expect("uscc");
    let schema = format!("lookup_bench_{}", std::process::id());
    {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("schema");
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let pg_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    let sqlite_path = dir.path().join("registry.db");
    let sqlite_loc = sqlite_path.to_str().expect("path").to_owned();

    // The queries: QUERIES rows drawn with a fixed seed (xorshift), their identifiers noted
    // while generating.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut sample: Vec<u64> = (0..QUERIES + WARMUP)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1 + x % rows
        })
        .collect();
    let order = sample.clone();
    sample.sort_unstable();
    let mut wanted: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    let queries = |wanted: &std::collections::HashMap<u64, String>| -> Vec<Query> {
        order
            .iter()
            .map(|k| {
                (
                    Lookup::Identifier(wanted[k].clone()),
                    Lookup::ManagementNumber {
                        number: format!("M{k:015}"),
                        name: synthetic_name(*k),
                    },
                    wanted[k].clone(),
                )
            })
            .collect()
    };

    let drop_schema = || {
        if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    };
    if sequential {
        let seeded = seed(&sqlite_loc, &keys, dir.path());
        let l = load(
            &sqlite_loc,
            rows,
            &seeded,
            &uscc,
            &sample,
            &mut wanted,
            "sqlite",
        );
        report_load("sqlite", rows, &l, sqlite_bytes(&sqlite_path));
        let q = queries(&wanted);
        let mut rs = Registry::open_url(&sqlite_loc).expect("sqlite");
        let s = measure(&mut [&mut rs], &q).remove(0);
        drop(rs);
        // Printed now too: a run stopped during PostgreSQL's load keeps SQLite's figures.
        println!("{}", s[0].line("sqlite     by identifier"));
        println!("{}", s[1].line("sqlite     by management number + name"));
        if !keep {
            for ext in ["db", "db-wal", "db-shm"] {
                let _ = std::fs::remove_file(sqlite_path.with_extension(ext));
            }
        }
        let seeded = seed(&pg_url, &keys, dir.path());
        let l = load(
            &pg_url,
            rows,
            &seeded,
            &uscc,
            &sample,
            &mut wanted,
            "postgresql",
        );
        report_load("postgresql", rows, &l, pg_bytes(&url, &schema));
        let mut rp = Registry::open_url(&pg_url).expect("postgres");
        let p = measure(&mut [&mut rp], &q).remove(0);
        drop(rp);
        report(rows, "one backend after the other", &s, &p);
    } else {
        let seeded_s = seed(&sqlite_loc, &keys, dir.path());
        let seeded_p = seed(&pg_url, &keys, dir.path());
        let l = load(
            &sqlite_loc,
            rows,
            &seeded_s,
            &uscc,
            &sample,
            &mut wanted,
            "sqlite",
        );
        report_load("sqlite", rows, &l, sqlite_bytes(&sqlite_path));
        let l = load(
            &pg_url,
            rows,
            &seeded_p,
            &uscc,
            &sample,
            &mut wanted,
            "postgresql",
        );
        report_load("postgresql", rows, &l, pg_bytes(&url, &schema));
        let q = queries(&wanted);
        let mut rs = Registry::open_url(&sqlite_loc).expect("sqlite");
        let mut rp = Registry::open_url(&pg_url).expect("postgres");
        let mut lat = measure(&mut [&mut rs, &mut rp], &q);
        drop((rs, rp));
        let p = lat.remove(1);
        let s = lat.remove(0);
        report(rows, "taking turns query by query", &s, &p);
    }
    if keep {
        let kept = dir.keep();
        println!("kept {} and schema {schema}", kept.display());
    } else {
        drop_schema();
    }
}
