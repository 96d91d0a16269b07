#![allow(missing_docs)]
//! Issue 13's lookup goal: with N certificates in the registry (10 million in the issue; the
//! default here is 1,000,000, `CERTSEAL_LOOKUP_ROWS` or the first argument sets it), lookup by
//! identifier and by management number + name on PostgreSQL at p99 within 3× the SQLite
//! backend's p99 on the same rows, same run.
//!
//! ```text
//! CERTSEAL_TEST_POSTGRES=postgres://… cargo bench --features postgres --bench registry_lookup
//! CERTSEAL_LOOKUP_DIR=/work cargo bench --features postgres --bench registry_lookup -- 10000000 postgres://… --one-at-a-time
//! ```
//!
//! Options (environment): `CERTSEAL_LOOKUP_DIR` the directory of the SQLite file and the keys
//! (default the system's temporary directory); `--one-at-a-time` (or
//! `CERTSEAL_LOOKUP_ONE_AT_A_TIME=1`) loads and measures the backends one after the other on
//! the same rows (SQLite: load, measure, delete; then PostgreSQL: load, measure, drop), so the
//! disk holds one copy at a time; without it both copies exist and the lookups take turns
//! query by query; `CERTSEAL_LOOKUP_KEEP=1` keeps the SQLite file and the PostgreSQL schema;
//! `CERTSEAL_LOOKUP_MIN_FREE_GB` the free space (default 3 GB) the load never goes below.
//!
//! **The generator** is bounded and deterministic: row `k` (1..=N) is a function of `k` alone
//! (a fixed clock, no randomness but the signing key's, and Ed25519 signatures are
//! deterministic, so both backends get the same bytes), made in chunks of [`CHUNK`] rows, so
//! memory stays flat whatever N. A row is what a real issuance of N records leaves:
//!
//! - a submission record: a synthetic holder ([`synthetic_name`], a GB 11643 ID number with
//!   its check digit, management number `M{k:015}`) validated by the model's CSV parser,
//!   stored as the registry stores an accepted row (its certificate JSON, serial unset);
//! - its reservation and its certificate, really signed: [`Issuer::issue`] with an Ed25519
//!   signer (the cheapest real signature) on the rayon pool, document and QR payload, the
//!   e-licence identifier minted from the serial; status index and serial are the ones the
//!   store's counters then hand out ([`Tx::next_numbers`], checked equal, so rows are signed
//!   before their transaction opens, while the previous chunk is written).
//!
//! Record 0 is first submitted and issued through the registry (submission, signer row, audit
//! entry); the generated rows are not audited (lookups never read the audit log). Rows are
//! written through the store's own [`Tx`] statements, one transaction a chunk (PostgreSQL:
//! `COPY … FROM STDIN (FORMAT binary)` per table; SQLite: multi-row prepared INSERTs), so the
//! loader follows the schema and its migrations: it holds no SQL of the registry's tables.
//! Each load prints its progress and rate (rows/s in all, of the signing and of the backend's
//! writes alone) and the bytes a row takes (the SQLite file and WAL; PostgreSQL's tables with
//! indexes and TOAST), and the CPU a row (load-independent, unlike the rates on a shared
//! machine): the generating and signing, the writing thread's, and the PostgreSQL server's
//! (summed over the cluster's processes from its `postmaster.pid`, when readable: a throw-away
//! cluster), with the rate they allow on 2 and 4 idle cores. Before loading, the free space of the data directory is checked
//! against the rows' estimated size (and rechecked every chunk): a load that would leave less
//! than `CERTSEAL_LOOKUP_MIN_FREE_GB` refuses with a message.
//!
//! **The measurement**: [`QUERIES`] rows drawn uniformly over 1..=N with a fixed seed, each
//! looked up by identifier and by management number + name through `Registry::lookup` (on
//! PostgreSQL one statement outside any transaction, `Store::read_one`) after [`WARMUP`]
//! warm-up lookups; every answer is checked (one certificate, the expected identifier), and
//! the documents of the sampled rows are verified (signature, issuer) on both backends. Prints
//! p50 / p90 / p99 / max per backend, the ratios and the load average around each measurement.
//!
//! Without `--bench` (as `cargo test --benches` runs it) the program only says how to run it.

use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use certseal::crypto::Algorithm;
use certseal::issue::Issuer;
use certseal::model::{parse_csv, IssueKind};
use certseal::registry::{
    synthetic_id_number, synthetic_name, write_synthetic_csv, Assignment, CertificateRow, Encoding,
    IssueOptions, Lookup, RecordOutcome, RecordRow, Registry, Store, SubmissionFormat,
    SubmissionMeta, SubmissionRow, Tx,
};
use certseal::trust::{InitOptions, KeyDir};

const NOW: i64 = 1_795_651_200;
/// Rows generated, signed and written in one transaction.
const CHUNK: u64 = 20_000;
/// Rows generated a rayon task (one CSV parse).
const BLOCK: u64 = 500;
/// Rows looked up (each by identifier and by management number + name).
const QUERIES: usize = 10_000;
/// Warm-up lookups per backend before the measured ones.
const WARMUP: usize = 2_000;
const USCC: &str = "12100000400010398P";
/// Estimated bytes a row takes (measured at 1M rows, rounded up), for the free-space check.
const SQLITE_ROW_BYTES: u64 = 2_000;
const POSTGRES_ROW_BYTES: u64 = 2_700;

/// One generated, signed chunk: rows `first..first + n`, record ids not known yet.
struct Chunk {
    first: u64,
    records: Vec<RecordRow>,
    assignments: Vec<Assignment>,
    certs: Vec<CertificateRow>,
    /// Seconds the generating and signing took.
    secs: f64,
}

/// Where the generated rows start: the submission and the numbers the counters hand out next.
#[derive(Clone, Copy)]
struct Base {
    submission: i64,
    /// Status index of row 1 (row `k` gets `index + k - 1`).
    index: u64,
    /// Serial of row 1.
    serial: u64,
}

/// Rows `first..first + n`, validated by the model's CSV parser and signed on the rayon pool.
fn generate(first: u64, n: u64, base: Base, issuer: &Issuer<'_>) -> Chunk {
    let t = Instant::now();
    let blocks: Vec<(u64, u64)> = (0..n.div_ceil(BLOCK))
        .map(|b| (first + b * BLOCK, BLOCK.min(n - b * BLOCK)))
        .collect();
    let parts: Vec<Vec<(RecordRow, Assignment, CertificateRow)>> = blocks
        .into_par_iter()
        .map(|(start, len)| generate_block(start, len, base, issuer))
        .collect();
    let mut chunk = Chunk {
        first,
        records: Vec::with_capacity(n as usize),
        assignments: Vec::with_capacity(n as usize),
        certs: Vec::with_capacity(n as usize),
        secs: 0.0,
    };
    for (r, a, c) in parts.into_iter().flatten() {
        chunk.records.push(r);
        chunk.assignments.push(a);
        chunk.certs.push(c);
    }
    chunk.secs = t.elapsed().as_secs_f64();
    chunk
}

fn generate_block(
    first: u64,
    n: u64,
    base: Base,
    issuer: &Issuer<'_>,
) -> Vec<(RecordRow, Assignment, CertificateRow)> {
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
    assert_eq!(batch.accepted.len() as u64, n, "synthetic rows accepted");
    (first..)
        .zip(batch.accepted)
        .map(|(k, (_, mut cert))| {
            // The record as the registry stores an accepted row: serial a placeholder.
            cert.serial = "0".into();
            let json = serde_json::to_string(&cert).expect("json");
            let digest = ring::digest::digest(&ring::digest::SHA256, json.as_bytes());
            let mut d = [0u8; 32];
            d.copy_from_slice(digest.as_ref());
            let number = cert.management.number.clone();
            let record = RecordRow {
                id: 0,
                submission_id: base.submission,
                row_key: number.clone(),
                row_no: k,
                digest: d,
                outcome: RecordOutcome::Accepted {
                    management_number: number.clone(),
                    certificate: json,
                },
                received_at: NOW,
            };
            let status_index = base.index + k - 1;
            let serial = (base.serial + k - 1).to_string();
            cert.serial.clone_from(&serial);
            cert.lifecycle.version = 1;
            let issued = issuer.issue(&cert, Some(status_index), NOW).expect("signs");
            let assignment = Assignment {
                status_index,
                serial: serial.clone(),
                version: 1,
                kind: IssueKind::Original,
                record_id: None,
                predecessor: None,
                certificate: String::new(),
                owner: "bench".into(),
                lease_until: NOW,
                reserved_at: NOW,
            };
            let row = CertificateRow {
                status_index,
                identifier: issued.identifier,
                serial,
                version: 1,
                kind: IssueKind::Original,
                predecessor: None,
                record_id: None,
                management_number: number,
                holder_name: cert.holder.name,
                id_number: cert.holder.id_number.to_string(),
                qualification: cert.qualification.code,
                legacy: cert.legacy,
                kid: issuer.kid(),
                issued_at: NOW,
                certificate: String::new(),
                document: issued.document,
                qr: issued.qr,
            };
            (record, assignment, row)
        })
        .collect()
}

/// Writes one chunk into `store` in one transaction, through the store's statements: the
/// records, their ids read back as issuance claims them, the numbers drawn from the counters
/// (checked to be the ones the rows were signed with), the reservations, the certificates.
/// Returns the id of the chunk's last record.
fn write_chunk(store: &mut dyn Store, chunk: &mut Chunk, after: i64, base: Base) -> i64 {
    let n = chunk.records.len();
    let mut last = after;
    store
        .transaction(&mut |tx: &mut dyn Tx| {
            tx.insert_records(&chunk.records)?;
            let pending = tx.pending_records(after, n)?;
            assert_eq!(pending.len(), n, "pending rows");
            let (index, serial) = tx.next_numbers(n as u64, n as u64)?;
            assert_eq!(
                (index, serial),
                (base.index + chunk.first - 1, base.serial + chunk.first - 1),
                "the counters hand out the numbers the rows were signed with"
            );
            for ((rec, a), c) in pending
                .iter()
                .zip(&mut chunk.assignments)
                .zip(&mut chunk.certs)
            {
                assert_eq!(rec.row_key, c.management_number, "records in row order");
                a.record_id = Some(rec.id);
                c.record_id = Some(rec.id);
            }
            last = pending.last().map_or(after, |r| r.id);
            tx.insert_assignments(&chunk.assignments)?;
            tx.insert_certificates(&chunk.certs)?;
            Ok(())
        })
        .expect("chunk");
    last
}

/// A fresh registry at `location` with record 0 really submitted and issued (the signer row
/// and the audit chain's first entries); returns where the generated rows start.
fn seed(location: &str, keys: &KeyDir, dir: &std::path::Path) -> Base {
    let csv = dir.join("seed.csv");
    let mut f = std::fs::File::create(&csv).expect("seed");
    write_synthetic_csv(&mut f, 0, 1).expect("seed");
    let meta = SubmissionMeta {
        body: "bench".into(),
        batch: "seed".into(),
        exam: None,
        results_published: None,
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    };
    let mut r = Registry::open_url(location).expect("open");
    r.submit_file(&csv, &meta, NOW).expect("submit");
    r.issue_pending(keys, &IssueOptions::at(NOW), &mut |_, _| {})
        .expect("issue");
    drop(r);
    let mut store = certseal::registry::open(location).expect("open");
    let mut out = None;
    store
        .transaction(&mut |tx: &mut dyn Tx| {
            let row = tx.certificate_at(0)?.expect("record 0 issued");
            let submission = tx.insert_submission(&SubmissionRow {
                id: 0,
                body: "bench".into(),
                batch: "generated".into(),
                exam: None,
                results_published: None,
                received_at: NOW,
            })?;
            out = Some(Base {
                submission,
                index: row.status_index + 1,
                serial: row.serial.parse::<u64>().expect("serial") + 1,
            });
            Ok(())
        })
        .expect("template");
    out.expect("template")
}

/// Free bytes on the file system of `path` (`df -Pk`; no crate for one number).
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let out = std::process::Command::new("df")
        .arg("-Pk")
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let kb: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The free-space floor: `CERTSEAL_LOOKUP_MIN_FREE_GB` (default 3) GB.
fn min_free() -> u64 {
    let gb: f64 = std::env::var("CERTSEAL_LOOKUP_MIN_FREE_GB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    (gb * 1e9) as u64
}

/// Refuses (exits) unless `need` more bytes fit on `path`'s file system above the floor.
fn check_space(path: &std::path::Path, need: u64, what: &str) {
    let Some(free) = free_bytes(path) else {
        eprintln!("{what}: cannot read the free space of {}", path.display());
        return;
    };
    let floor = min_free();
    if free < need.saturating_add(floor) {
        eprintln!(
            "{what}: refusing: about {:.1} GB more needed on {}, {:.1} GB free, and {:.1} GB must stay free \
             (fewer rows, CERTSEAL_LOOKUP_DIR elsewhere, or CERTSEAL_LOOKUP_MIN_FREE_GB)",
            need as f64 / 1e9,
            path.display(),
            free as f64 / 1e9,
            floor as f64 / 1e9,
        );
        std::process::exit(2);
    }
}

/// CPU seconds this thread has run (`/proc/thread-self/schedstat`, nanoseconds).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// Clock ticks a second (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

/// `/proc/PID/stat` fields after the command name: state is index 0, ppid 1, utime 11, stime
/// 12, cutime 13, cstime 14.
fn stat_fields(pid: &str) -> Option<Vec<u64>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.get(s.rfind(')')? + 2..)?;
    Some(
        rest.split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect(),
    )
}

/// CPU seconds of this process, all threads (user + system).
fn process_cpu() -> f64 {
    stat_fields("self").map_or(0.0, |f| {
        (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / clock_ticks()
    })
}

/// CPU seconds of a PostgreSQL cluster: the postmaster (with its reaped children) and its
/// live children, found from `DATA/postmaster.pid` (this bench's own throw-away cluster: the
/// figure is the server's work only when nothing else uses it). None when unreadable.
fn server_cpu(data_dir: &std::path::Path) -> Option<f64> {
    let pid = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let pid = pid.lines().next()?.trim().to_owned();
    let f = stat_fields(&pid)?;
    let mut ticks: u64 = f.get(11..15)?.iter().sum();
    let ppid: u64 = pid.parse().ok()?;
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Some(c) = stat_fields(&name) {
            if c.get(1) == Some(&ppid) {
                ticks += c.get(11).copied().unwrap_or(0) + c.get(12).copied().unwrap_or(0);
            }
        }
    }
    Some(ticks as f64 / clock_ticks())
}

/// The load average (1, 5, 15 minutes) from `/proc/loadavg`.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
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

/// What a load took: seconds in all, of the generating and signing (on its own thread, while
/// the previous chunk is written) and of the backend's writes.
struct Loaded {
    gen_secs: f64,
    write_secs: f64,
    total_secs: f64,
    /// CPU seconds (load-independent, unlike the wall times): the generating and signing (the
    /// process's CPU but the writing thread's), the writing thread's (the client side of the
    /// writes; all of SQLite's), and the PostgreSQL server's (when its data directory is
    /// readable).
    gen_cpu: f64,
    write_cpu: f64,
    server_cpu: Option<f64>,
}

/// Generates and writes rows `1..=rows` into `location` chunk by chunk (the next chunk signed
/// while one is written), noting the identifiers of `sample` (sorted) in `wanted` (or checking
/// them against it when already there). Stops with a message when the free space of `space`
/// falls below the floor.
#[allow(clippy::too_many_arguments)]
fn load(
    location: &str,
    rows: u64,
    base: Base,
    issuer: &Issuer<'_>,
    sample: &[u64],
    wanted: &mut std::collections::HashMap<u64, String>,
    what: &str,
    space: &std::path::Path,
    server: Option<&std::path::Path>,
) -> Result<Loaded, String> {
    let mut store = certseal::registry::open(location).expect("open");
    let t0 = Instant::now();
    let cpu0 = process_cpu();
    let server0 = server.and_then(server_cpu);
    let mut gen_secs = 0f64;
    let mut write_secs = 0f64;
    let mut write_cpu = 0f64;
    let (send, chunks) = sync_channel::<Chunk>(1);
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut first = 1u64;
            while first <= rows {
                let n = CHUNK.min(rows + 1 - first);
                if send.send(generate(first, n, base, issuer)).is_err() {
                    return;
                }
                first += n;
            }
        });
        let mut after = 0i64;
        let mut printed = Instant::now();
        for mut chunk in chunks {
            gen_secs += chunk.secs;
            let t = Instant::now();
            let c = thread_cpu();
            after = write_chunk(store.as_mut(), &mut chunk, after, base);
            write_cpu += thread_cpu() - c;
            write_secs += t.elapsed().as_secs_f64();
            for (k, c) in (chunk.first..).zip(&chunk.certs) {
                if sample.binary_search(&k).is_ok() {
                    let old = wanted.insert(k, c.identifier.clone());
                    assert!(
                        old.is_none() || old.as_deref() == Some(c.identifier.as_str()),
                        "both backends get the same identifiers"
                    );
                }
            }
            let done = chunk.first + chunk.certs.len() as u64 - 1;
            if printed.elapsed() >= Duration::from_secs(15) || done == rows {
                printed = Instant::now();
                let secs = t0.elapsed().as_secs_f64();
                let free = free_bytes(space).unwrap_or(u64::MAX);
                eprintln!(
                    "{what}: {done} / {rows} rows in {secs:.0} s ({:.0} rows/s; signing {:.0} rows/s, \
                     writes {:.0} rows/s); {:.1} GB free; load {}",
                    done as f64 / secs,
                    done as f64 / gen_secs,
                    done as f64 / write_secs,
                    free as f64 / 1e9,
                    loadavg(),
                );
                if free < min_free() {
                    return Err(format!(
                        "{what}: stopped at {done} rows: {:.1} GB free on {}, below the floor of {:.1} GB",
                        free as f64 / 1e9,
                        space.display(),
                        min_free() as f64 / 1e9
                    ));
                }
            }
        }
        Ok(())
    })?;
    let server_cpu = server.and_then(server_cpu).zip(server0).map(|(b, a)| b - a);
    Ok(Loaded {
        gen_secs,
        write_secs,
        total_secs: t0.elapsed().as_secs_f64(),
        gen_cpu: process_cpu() - cpu0 - write_cpu,
        write_cpu,
        server_cpu,
    })
}

/// Bytes the schema's tables take with their indexes and TOAST (PostgreSQL), after a
/// `VACUUM (ANALYZE)` of the loaded tables (the state autovacuum leaves: hint bits and
/// visibility map set, statistics current; the first lookups would otherwise write them).
fn pg_settle(url: &str, schema: &str) -> u64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let t = Instant::now();
    c.batch_execute(&format!(
        "VACUUM (ANALYZE) {schema}.certificates, {schema}.records, {schema}.assignments"
    ))
    .expect("vacuum");
    eprintln!(
        "postgresql: VACUUM (ANALYZE) in {:.0} s",
        t.elapsed().as_secs_f64()
    );
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
        "{what}: loaded {rows} signed rows in {:.0} s ({:.0} rows/s; signing {:.0} s, {:.0} rows/s; \
         writes {:.0} s, {:.0} rows/s); {:.2} GiB, {:.0} bytes a row",
        l.total_secs,
        rows as f64 / l.total_secs,
        l.gen_secs,
        rows as f64 / l.gen_secs,
        l.write_secs,
        rows as f64 / l.write_secs,
        bytes as f64 / (1u64 << 30) as f64,
        bytes as f64 / rows as f64,
    );
    // CPU a row, and what it gives where nothing else runs: the signing and the writes overlap
    // (the next chunk is signed while one is written), so `cores` idle cores load at most
    // cores / (CPU a row) rows a second, and never faster than the writer thread alone.
    let us = |cpu: f64| cpu / rows as f64 * 1e6;
    let server = l.server_cpu.unwrap_or(0.0);
    let per_row = (l.gen_cpu + l.write_cpu + server) / rows as f64;
    let serial = (l.write_cpu + server) / rows as f64;
    println!(
        "{what}: CPU a row: signing and generating {:.1} µs, writes (client) {:.1} µs, server {}; \
         rows per CPU-second {:.0}; on 2 idle cores at most {:.0} rows/s, on 4 {:.0}",
        us(l.gen_cpu),
        us(l.write_cpu),
        l.server_cpu
            .map_or_else(|| "-".into(), |c| format!("{:.1} µs", us(c))),
        1.0 / per_row,
        (2.0 / per_row).min(1.0 / serial.max(f64::MIN_POSITIVE)),
        (4.0 / per_row).min(1.0 / serial.max(f64::MIN_POSITIVE)),
    );
}

/// Reads the stored documents of `sample` rows back through the store and verifies each
/// (signature under the key directory's trust, claims, signer window); panics on a failure.
fn verify_stored(location: &str, keys: &KeyDir, idents: &[&String], what: &str) {
    let verifier = certseal::verify::Verifier::new(keys.trust_store().expect("trust"));
    let mut store = certseal::registry::open(location).expect("open");
    let mut checked = 0usize;
    store
        .read(&mut |tx: &mut dyn Tx| {
            checked = 0;
            for id in idents {
                let row = tx.certificate(id)?.expect("stored");
                let v = verifier.verify_document_at(&row.document, NOW);
                assert!(v.result.is_ok(), "{what}: {id}: {:?}", v.result);
                checked += 1;
            }
            Ok(())
        })
        .expect("verify");
    println!("{what}: {checked} sampled stored documents verify");
}

type Query = (Lookup, Lookup, String);

/// Warm-up, then the measured lookups of `queries` on each registry, taking turns query by
/// query; `[by identifier, by management number + name]` per registry.
fn measure(regs: &mut [&mut Registry], queries: &[Query], what: &str) -> Vec<[Latencies; 2]> {
    let (warm, measured) = queries.split_at(WARMUP);
    for (by_id, by_number, expect) in warm {
        for r in regs.iter_mut() {
            timed(r, by_id, expect);
            timed(r, by_number, expect);
        }
    }
    let before = loadavg();
    let t = Instant::now();
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
    println!(
        "{what}: measured in {:.1} s; load average before {before}, after {}",
        t.elapsed().as_secs_f64(),
        loadavg()
    );
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
        println!("registry_lookup: run with cargo bench --features postgres --bench registry_lookup [-- ROWS URL --one-at-a-time]");
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
    let space = dir.path().to_path_buf();
    // PostgreSQL's data directory, when this user may read where it is (its file system's
    // free space is checked too).
    let mut pg_space = space.clone();
    let mut pg_data = None;
    let need = rows.saturating_mul(if sequential {
        POSTGRES_ROW_BYTES
    } else {
        POSTGRES_ROW_BYTES + SQLITE_ROW_BYTES
    });
    {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        if let Ok(r) = c.query_one("SHOW data_directory", &[]) {
            let d = std::path::PathBuf::from(r.get::<_, String>(0));
            if free_bytes(&d).is_some() {
                pg_space = d.clone();
            }
            if d.join("postmaster.pid").exists() {
                pg_data = Some(d);
            }
        }
    }
    check_space(&space, need, "registry_lookup");
    check_space(&pg_space, need, "registry_lookup (postgresql)");
    let keys = KeyDir::init(
        &dir.path().join("keys"),
        InitOptions {
            alg: Algorithm::EdDsa,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: USCC.into(),
            signers: 1,
            now: NOW,
            signer_validity_days: 365,
            force: false,
        },
    )
    .expect("keys");
    let issuer = Issuer::from_key_dir(&keys, NOW).expect("issuer");
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
    let drop_sqlite = || {
        for ext in ["db", "db-wal", "db-shm"] {
            let _ = std::fs::remove_file(sqlite_path.with_extension(ext));
        }
    };
    let drop_schema = || {
        if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    };
    // A panic (a failed check) drops the schema too; the SQLite file goes with `dir`.
    struct DropSchema<F: Fn()>(F, bool);
    impl<F: Fn()> Drop for DropSchema<F> {
        fn drop(&mut self) {
            if !self.1 {
                (self.0)();
            }
        }
    }
    let _guard = DropSchema(drop_schema, keep);
    let give_up = |e: String| -> ! {
        eprintln!("{e}");
        drop_sqlite();
        drop_schema();
        std::process::exit(2);
    };

    // The queries: QUERIES + WARMUP rows drawn uniformly over 1..=rows with a fixed seed
    // (xorshift), their identifiers noted while generating.
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
    let verify_sample = |wanted: &std::collections::HashMap<u64, String>| -> Vec<String> {
        order.iter().take(200).map(|k| wanted[k].clone()).collect()
    };
    println!(
        "registry_lookup: {rows} rows (+ record 0), Ed25519, chunks of {CHUNK}; {} threads; load average {}",
        rayon::current_num_threads(),
        loadavg()
    );

    if sequential {
        let base = seed(&sqlite_loc, &keys, dir.path());
        let l = load(
            &sqlite_loc,
            rows,
            base,
            &issuer,
            &sample,
            &mut wanted,
            "sqlite",
            &space,
            None,
        )
        .unwrap_or_else(|e| give_up(e));
        report_load("sqlite", rows, &l, sqlite_bytes(&sqlite_path));
        let v = verify_sample(&wanted);
        verify_stored(&sqlite_loc, &keys, &v.iter().collect::<Vec<_>>(), "sqlite");
        let q = queries(&wanted);
        let mut rs = Registry::open_url(&sqlite_loc).expect("sqlite");
        let s = measure(&mut [&mut rs], &q, "sqlite").remove(0);
        drop(rs);
        // Printed now too: a run stopped during PostgreSQL's load keeps SQLite's figures.
        println!("{}", s[0].line("sqlite     by identifier"));
        println!("{}", s[1].line("sqlite     by management number + name"));
        if !keep {
            drop_sqlite();
        }
        let base = seed(&pg_url, &keys, dir.path());
        let l = load(
            &pg_url,
            rows,
            base,
            &issuer,
            &sample,
            &mut wanted,
            "postgresql",
            &pg_space,
            pg_data.as_deref(),
        )
        .unwrap_or_else(|e| give_up(e));
        report_load("postgresql", rows, &l, pg_settle(&url, &schema));
        verify_stored(&pg_url, &keys, &v.iter().collect::<Vec<_>>(), "postgresql");
        let mut rp = Registry::open_url(&pg_url).expect("postgres");
        let p = measure(&mut [&mut rp], &q, "postgresql").remove(0);
        drop(rp);
        report(rows, "one backend after the other", &s, &p);
    } else {
        let base_s = seed(&sqlite_loc, &keys, dir.path());
        let base_p = seed(&pg_url, &keys, dir.path());
        let l = load(
            &sqlite_loc,
            rows,
            base_s,
            &issuer,
            &sample,
            &mut wanted,
            "sqlite",
            &space,
            None,
        )
        .unwrap_or_else(|e| give_up(e));
        report_load("sqlite", rows, &l, sqlite_bytes(&sqlite_path));
        let l = load(
            &pg_url,
            rows,
            base_p,
            &issuer,
            &sample,
            &mut wanted,
            "postgresql",
            &pg_space,
            pg_data.as_deref(),
        )
        .unwrap_or_else(|e| give_up(e));
        report_load("postgresql", rows, &l, pg_settle(&url, &schema));
        let v = verify_sample(&wanted);
        let v: Vec<&String> = v.iter().collect();
        verify_stored(&sqlite_loc, &keys, &v, "sqlite");
        verify_stored(&pg_url, &keys, &v, "postgresql");
        let q = queries(&wanted);
        let mut rs = Registry::open_url(&sqlite_loc).expect("sqlite");
        let mut rp = Registry::open_url(&pg_url).expect("postgres");
        let mut lat = measure(&mut [&mut rs, &mut rp], &q, "both");
        drop((rs, rp));
        let p = lat.remove(1);
        let s = lat.remove(0);
        report(rows, "taking turns query by query", &s, &p);
    }
    if keep {
        let kept = dir.keep();
        println!("kept {} and schema {schema}", kept.display());
    }
}
