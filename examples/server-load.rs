//! Issue 11's goals, measured in one process and one run: in-process single and bulk verify
//! throughput beside `POST /v1/verify` (one string; 100 strings a request) and
//! `GET /v1/status/snapshot` with a matching `If-None-Match`, driven over loopback by `wrk`
//! (Debian's `wrk`, 2 connections, 1 thread). The server runs in this process on its own
//! tokio runtime, on the same cores as the in-process loops and the load generator.
//!
//! `cargo run --release --example server-load -- [SECONDS]` (default 5 s a measurement).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use certseal::crypto::Algorithm;
use certseal::server::{ServerConfig, Service};
use certseal::verify::Verifier;

fn rate(secs: f64, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed().as_secs_f64() < secs {
        n += f();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn wrk(url: &str, script: &str, secs: u64) -> (f64, String) {
    let out = Command::new("wrk")
        .args([
            "-t1",
            "-c2",
            &format!("-d{secs}s"),
            "--latency",
            "-s",
            script,
            url,
        ])
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find(|l| l.trim_start().starts_with("99%"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    (rps, p99)
}

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let (dir, keys) = support::key_dir(Algorithm::EdDsa, 1);
    let issuer = certseal::issue::Issuer::from_key_dir(&keys, support::NOW).unwrap();
    let qrs = support::issue_many(&issuer, 100);
    let verifier = Verifier::new(keys.trust_store().unwrap());
    assert!(verifier.verify(&qrs[0]).is_valid());

    let single = rate(secs as f64, || {
        usize::from(verifier.verify(&qrs[0]).is_valid())
    });
    let bulk = rate(secs as f64, || {
        verifier
            .verify_batch(&qrs)
            .iter()
            .filter(|v| v.is_valid())
            .count()
    });

    let cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        db: dir.path().join("registry.db"),
        keys: dir.path().to_path_buf(),
        rate_per_second: 0,
        ..ServerConfig::default()
    };
    let service = Arc::new(Service::open(cfg).unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(certseal::server::run(
        listener,
        service,
        std::future::pending(),
    ));
    std::thread::sleep(Duration::from_millis(200));

    let one = serde_json::json!({ "qr": qrs[0] }).to_string();
    let batch = serde_json::json!({ "qrs": qrs }).to_string();
    let lua = |body: &str, name: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = {}\n",
                serde_json::Value::String(body.to_owned())
            ),
        )
        .unwrap();
        path.display().to_string()
    };
    let base = format!("http://{addr}");
    let (http_one, p99_one) = wrk(&format!("{base}/v1/verify"), &lua(&one, "one.lua"), secs);
    let (http_batch, p99_batch) = wrk(
        &format!("{base}/v1/verify"),
        &lua(&batch, "batch.lua"),
        secs,
    );

    let etag = Command::new("sh")
        .args([
            "-c",
            &format!("wrk -t1 -c1 -d1s {base}/v1/status/snapshot >/dev/null; true"),
        ])
        .status();
    let _ = etag;
    let mut get = ureq::get(&format!("{base}/v1/status/snapshot"))
        .call()
        .unwrap();
    let tag = get
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let _ = get.body_mut().read_to_vec();
    let cond = dir.path().join("cond.lua");
    std::fs::write(
        &cond,
        format!(
            "wrk.headers[\"If-None-Match\"] = {}\n",
            serde_json::Value::String(tag)
        ),
    )
    .unwrap();
    let (http_304, p99_304) = wrk(
        &format!("{base}/v1/status/snapshot"),
        &cond.display().to_string(),
        secs,
    );

    println!(
        "machine: {} cores, shared; {secs} s a measurement; wrk -t1 -c2",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("in-process single verify      {single:>10.0} /s");
    println!("in-process bulk verify (100)  {bulk:>10.0} strings/s");
    println!("HTTP POST /v1/verify one      {http_one:>10.0} req/s  ({:.2} of in-process single; p99 {p99_one})", http_one / single);
    println!("HTTP POST /v1/verify 100      {:>10.0} strings/s ({:.2} of in-process bulk; {http_batch:.0} req/s, p99 {p99_batch})", http_batch * 100.0, http_batch * 100.0 / bulk);
    println!("HTTP GET snapshot, 304        {http_304:>10.0} req/s  ({:.1}x single verify requests; p99 {p99_304})", http_304 / http_one);
}
