//! Bulk issuance through the registry, alone: submit a synthetic CSV of N records into a fresh
//! SQLite file and issue them, printing the phases' wall and CPU times. For profiling and for
//! peak memory (`/usr/bin/time -v`): `cargo run --release --example bulk-issue -- 100000 es256`.

use std::time::Instant;

use certseal::crypto::Algorithm;
use certseal::registry::{
    write_synthetic_csv, Encoding, IssueOptions, Registry, SubmissionFormat, SubmissionMeta,
};
use certseal::trust::{InitOptions, KeyDir};

/// Process CPU seconds (user + system) so far; 0 where `/proc` is missing.
fn cpu() -> f64 {
    certseal::internal::speed::process_cpu_secs().unwrap_or(0.0)
}

fn main() -> Result<(), certseal::Error> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let alg = args
        .next()
        .and_then(|s| Algorithm::from_name(&s))
        .unwrap_or(Algorithm::Es256);
    // "bare" or "bulk" runs one side alone (for instruction counts: perf stat -e instructions);
    // "pipe" runs the bare side, then submit and issue pipelined.
    let only = args.next().unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("certseal-bulk-example-{}", std::process::id()));
    let now = 1_795_651_200;
    let keys = KeyDir::init(
        &dir.join("keys"),
        InitOptions {
            alg,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now,
            signer_validity_days: 365,
            force: true,
        },
    )?;
    let csv = dir.join("submission.csv");
    {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&csv).map_err(|e| certseal::Error::io(&csv, e))?,
        );
        write_synthetic_csv(&mut w, 0, n).map_err(|e| certseal::Error::io(&csv, e))?;
        std::io::Write::flush(&mut w).map_err(|e| certseal::Error::io(&csv, e))?;
    }
    let signer = keys.active_signer(now)?.signer_at(now)?;
    let (doc, qr) = (vec![0x5au8; 640], vec![0xa5u8; 200]);
    let (b0, bc0) = (Instant::now(), cpu());
    if only != "bulk" && only != "none" {
        use rayon::prelude::*;
        (0..n).into_par_iter().try_for_each(|_| {
            std::hint::black_box(signer.sign(&doc)?);
            std::hint::black_box(signer.sign(&qr)?);
            Ok::<(), certseal::Error>(())
        })?;
    }
    let (bare_wall, bare_cpu) = (b0.elapsed().as_secs_f64(), cpu() - bc0);
    if only == "bare" || only == "none" {
        println!(
            "bare signing 2x{n}: {:.2} s wall / {:.2} s cpu",
            b0.elapsed().as_secs_f64(),
            cpu() - bc0
        );
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    let mut r = Registry::open(&dir.join("registry.db"))?;
    let (t0, c0) = (Instant::now(), cpu());
    if only == "pipe" {
        // Submit and issue pipelined (`Registry::submit_and_issue_file`).
        let meta = SubmissionMeta {
            body: "bulk".into(),
            batch: "1".into(),
            exam: None,
            results_published: None,
            format: SubmissionFormat::Csv,
            encoding: Encoding::Utf8,
        };
        // When the first chunk is recorded (the pipeline's serial start: the file scanned,
        // the first rows read, converted, stored, reserved, signed and recorded).
        let mut first: Option<(f64, f64, u64)> = None;
        let (rep, issued) = r.submit_and_issue_file(
            &csv,
            &meta,
            &keys,
            &IssueOptions::at(now),
            &mut |done, _| {
                if first.is_none() && done > 0 {
                    first = Some((t0.elapsed().as_secs_f64(), cpu() - c0, done));
                }
            },
        )?;
        let (wall, cpu_all) = (t0.elapsed().as_secs_f64(), cpu() - c0);
        println!(
            "{alg} {n} records pipelined: {wall:.2} s wall / {cpu_all:.2} s cpu ({} accepted, {} issued)",
            rep.accepted, issued.issued
        );
        if let Some((w, c, k)) = first {
            println!("first chunk ({k} records) recorded after {w:.3} s wall / {c:.3} s cpu");
        }
        println!(
            "bare signing 2x{n}: {bare_wall:.2} s wall / {bare_cpu:.2} s cpu; bulk / bare: wall {:.3}, cpu {:.3}",
            wall / bare_wall,
            cpu_all / bare_cpu
        );
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    let rep = r.submit_file(
        &csv,
        &SubmissionMeta {
            body: "bulk".into(),
            batch: "1".into(),
            exam: None,
            results_published: None,
            format: SubmissionFormat::Csv,
            encoding: Encoding::Utf8,
        },
        now,
    )?;
    let (t1, c1) = (Instant::now(), cpu());
    let issued = r.issue_pending(&keys, &IssueOptions::at(now), &mut |_, _| {})?;
    let (t2, c2) = (Instant::now(), cpu());
    println!(
        "{alg} {n} records: submit {:.2} s wall / {:.2} s cpu ({} accepted); issue {:.2} s wall / {:.2} s cpu ({} issued)",
        (t1 - t0).as_secs_f64(),
        c1 - c0,
        rep.accepted,
        (t2 - t1).as_secs_f64(),
        c2 - c1,
        issued.issued
    );
    let (wall, cpu_all) = ((t2 - t0).as_secs_f64(), c2 - c0);
    println!(
        "bare signing 2x{n}: {bare_wall:.2} s wall / {bare_cpu:.2} s cpu; bulk / bare: wall {:.3}, cpu {:.3}",
        wall / bare_wall,
        cpu_all / bare_cpu
    );
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
