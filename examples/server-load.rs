//! Issue 11's goals, measured in one process and one run: in-process single and bulk verify
//! throughput beside `POST /v1/verify` (one string; 100 strings a request) and
//! `GET /v1/status/snapshot` with a matching `If-None-Match`, driven over loopback by `wrk`
//! (Debian's `wrk`, 2 connections, 1 thread). The server runs in this process on its own
//! tokio runtime, on the same cores as the in-process loops and the load generator.
//!
//! `cargo run --release --example server-load -- [SECONDS]` (default 5 s a measurement).
//!
//! `server-load count KIND N` (KIND `304` or `verify`) makes N requests of one kind over one
//! keep-alive connection from a raw socket (no HTTP client library) and exits: run it under
//! `valgrind --tool=callgrind` at two N and divide the difference in instructions by the
//! difference in N for the server's instructions a request, independent of the machine's
//! load (the raw client's share is a few hundred instructions of syscalls).
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
    wrk_c(url, script, secs, 2)
}

/// This process's user and system CPU seconds so far (`/proc/self/stat`, clock ticks of
/// 1/100 s); (0, 0) where there is no `/proc`.
fn cpu_secs() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (
        f.get(11).copied().unwrap_or(0.0) / 100.0,
        f.get(12).copied().unwrap_or(0.0) / 100.0,
    )
}

/// [`wrk_c`], with the server's CPU a request in microseconds (user, system): while wrk runs,
/// this process does nothing but serve.
fn wrk_cpu(url: &str, script: &str, secs: u64, connections: u32) -> (f64, String, (f64, f64)) {
    let (u0, s0) = cpu_secs();
    let (rps, p99) = wrk_c(url, script, secs, connections);
    let (u1, s1) = cpu_secs();
    let n = (rps * secs as f64).max(1.0);
    (rps, p99, ((u1 - u0) * 1e6 / n, (s1 - s0) * 1e6 / n))
}

/// [`wrk`] over `connections` keep-alive connections (one wrk thread).
fn wrk_c(url: &str, script: &str, secs: u64, connections: u32) -> (f64, String) {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
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

/// What a paced run measured: the achieved rate, and the 99th percentiles (seconds) of the
/// latency from each request's scheduled time (coordinated omission counted in full), of the
/// same with the generator's own lateness taken out, of the service time (send to answer),
/// and of the generator's lateness.
struct Paced {
    rate: f64,
    p99_from_schedule: f64,
    p99_corrected: f64,
    p99_service: f64,
    p99_client_late: f64,
}

/// `rate` requests a second of `request` (raw HTTP/1.1 bytes) to `addr` over 2 keep-alive
/// connections (one thread each, a raw socket: no HTTP client library to share the cores
/// with), each request sent at its scheduled time. For each request: `due` (scheduled),
/// `sent`, `done` (answer read). A request sent late because the previous answer came late is
/// the server's delay (coordinated omission: it counts); one sent late while the connection
/// was idle is the generator's (its thread woke late on the shared cores) and is reported
/// apart: corrected latency = `(done - sent) + (max(due, previous done) - due)`, the service
/// time plus the wait the server's previous answer caused.
fn paced(addr: std::net::SocketAddr, request: &[u8], rate: f64, secs: u64) -> Paced {
    use std::io::Write;
    let per_conn = Duration::from_secs_f64(2.0 / rate.max(1.0));
    let start = Instant::now() + Duration::from_millis(20);
    let end = start + Duration::from_secs(secs);
    let threads: Vec<_> = (0..2u32)
        .map(|i| {
            let request = request.to_vec();
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                let (mut buf, mut chunk) = (Vec::with_capacity(8192), vec![0u8; 8192]);
                let mut rows = Vec::new();
                let mut due = start + per_conn.mul_f64(f64::from(i) / 2.0);
                let mut prev_done = start;
                while due < end {
                    let now = Instant::now();
                    if now < due {
                        std::thread::sleep(due - now);
                    }
                    let sent = Instant::now();
                    s.write_all(&request).unwrap();
                    assert_eq!(read_response(&mut s, &mut buf, &mut chunk), 200);
                    let done = Instant::now();
                    let from = due.max(prev_done);
                    rows.push((
                        (done - due).as_secs_f64(),
                        (done - sent + (from - due)).as_secs_f64(),
                        (done - sent).as_secs_f64(),
                        sent.saturating_duration_since(from).as_secs_f64(),
                    ));
                    prev_done = done;
                    due += per_conn;
                }
                rows
            })
        })
        .collect();
    let rows: Vec<(f64, f64, f64, f64)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let p99 = |f: fn(&(f64, f64, f64, f64)) -> f64| {
        let mut v: Vec<f64> = rows.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v.get((v.len() * 99 / 100).min(v.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Paced {
        rate: rows.len() as f64 / secs as f64,
        p99_from_schedule: p99(|r| r.0),
        p99_corrected: p99(|r| r.1),
        p99_service: p99(|r| r.2),
        p99_client_late: p99(|r| r.3),
    }
}

/// Reads one HTTP/1.1 response (headers, then `Content-Length` bytes) from `s` into `buf`,
/// reading through `chunk`; the status code. Cheap on purpose (no allocation, no UTF-8
/// conversion): under callgrind its instructions count with the server's.
fn read_response(s: &mut std::net::TcpStream, buf: &mut Vec<u8>, chunk: &mut [u8]) -> u16 {
    use std::io::Read;
    buf.clear();
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let mut len = 0usize;
            for line in buf[..end].split(|&b| b == b'\n') {
                if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
                    len = std::str::from_utf8(&line[15..])
                        .unwrap()
                        .trim()
                        .parse()
                        .unwrap();
                }
            }
            while buf.len() < end + 4 + len {
                let n = s.read(chunk).unwrap();
                assert!(n > 0, "connection closed");
                buf.extend_from_slice(&chunk[..n]);
            }
            let code = &buf[9..12];
            return code.iter().fold(0u16, |a, d| a * 10 + u16::from(d - b'0'));
        }
        let n = s.read(chunk).unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// `count KIND N`: N requests of KIND over one raw keep-alive connection.
fn count(base: &str, addr: std::net::SocketAddr, kind: &str, n: usize, one: &str) {
    use std::io::Write;
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
    let (req, want) = match kind {
        "304" => (
            format!(
                "GET /v1/status/snapshot HTTP/1.1\r\nHost: {addr}\r\nIf-None-Match: {tag}\r\n\r\n"
            ),
            304,
        ),
        "verify" => (
            format!(
                "POST /v1/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{one}",
                one.len()
            ),
            200,
        ),
        _ => panic!("KIND is 304 or verify"),
    };
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    let (mut buf, mut chunk) = (Vec::with_capacity(8192), vec![0u8; 8192]);
    for _ in 0..n {
        s.write_all(req.as_bytes()).unwrap();
        assert_eq!(read_response(&mut s, &mut buf, &mut chunk), want);
    }
    println!("{n} {kind} requests answered");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let counted = (args.get(1).map(String::as_str) == Some("count")).then(|| {
        (
            args.get(2).cloned().unwrap_or_default(),
            args.get(3)
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(1000),
        )
    });
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let (dir, keys) = support::key_dir(Algorithm::EdDsa, 1);
    let issuer = certseal::issue::Issuer::from_key_dir(&keys, support::NOW).unwrap();
    let qrs = support::issue_many(&issuer, 100);

    let cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        db: dir.path().join("registry.db").display().to_string(),
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
    let base = format!("http://{addr}");
    if let Some((kind, n)) = counted {
        let one = serde_json::json!({ "qr": qrs[0] }).to_string();
        count(&base, addr, &kind, n, &one);
        return;
    }

    // In process, under the same status snapshot the server verifies with.
    let mut snap = ureq::get(&format!("{base}/v1/status/snapshot"))
        .call()
        .unwrap();
    let snap = snap.body_mut().read_to_vec().unwrap();
    let list = certseal::status::StatusList::load(&snap, &keys.trust_store().unwrap()).unwrap();
    let verifier = Verifier::new(keys.trust_store().unwrap()).with_status(list);
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
    let (http_one, p99_one) = wrk(&format!("{base}/v1/verify"), &lua(&one, "one.lua"), secs);
    let (http_batch, p99_batch) = wrk(
        &format!("{base}/v1/verify"),
        &lua(&batch, "batch.lua"),
        secs,
    );

    // The maximum single rate: 2 connections, and saturated (16); the paced run goes at half
    // the larger.
    let (sat_one, _, cpu_one) = wrk_cpu(
        &format!("{base}/v1/verify"),
        &lua(&one, "one.lua"),
        secs,
        16,
    );
    let max_one = http_one.max(sat_one);
    let raw_one = format!(
        "POST /v1/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{one}",
        one.len()
    );
    let half = paced(addr, raw_one.as_bytes(), max_one / 2.0, secs);
    // And at half the 2-connection rate (what runs before 2026-11-30 paced at).
    let half_c2 = paced(addr, raw_one.as_bytes(), http_one / 2.0, secs);

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

    // The 304 saturated too: two connections leave a 304 waiting on the loopback round trip
    // (wrk and the server take turns), not on the server's work.
    let (sat_304, p99_sat_304, cpu_304) = wrk_cpu(
        &format!("{base}/v1/status/snapshot"),
        &cond.display().to_string(),
        secs,
        16,
    );

    println!(
        "machine: {} cores, shared; {secs} s a measurement; wrk -t1 -c2",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("in-process single verify      {single:>10.0} /s");
    println!("in-process bulk verify (100)  {bulk:>10.0} strings/s");
    println!("HTTP POST /v1/verify one      {http_one:>10.0} req/s  ({:.2} of in-process single; p99 {p99_one})", http_one / single);
    println!("HTTP POST /v1/verify 100      {:>10.0} strings/s ({:.2} of in-process bulk; {http_batch:.0} req/s, p99 {p99_batch})", http_batch * 100.0, http_batch * 100.0 / bulk);
    println!(
        "HTTP POST /v1/verify one paced at half the max ({max_one:.0} req/s): {:.0} req/s achieved; p99 {:.3} ms from schedule (goal < 2 ms), {:.3} ms without the generator's own lateness (p99 {:.3} ms), service time p99 {:.3} ms",
        half.rate,
        half.p99_from_schedule * 1e3,
        half.p99_corrected * 1e3,
        half.p99_client_late * 1e3,
        half.p99_service * 1e3
    );
    println!(
        "  and at half the 2-connection rate ({http_one:.0} req/s): {:.0} req/s achieved; p99 {:.3} ms from schedule, {:.3} ms without the generator's lateness (p99 {:.3} ms), service time p99 {:.3} ms",
        half_c2.rate,
        half_c2.p99_from_schedule * 1e3,
        half_c2.p99_corrected * 1e3,
        half_c2.p99_client_late * 1e3,
        half_c2.p99_service * 1e3
    );
    println!("HTTP GET snapshot, 304        {http_304:>10.0} req/s  ({:.1}x single verify requests; p99 {p99_304})", http_304 / http_one);
    println!("saturated, wrk -t1 -c16: POST /v1/verify one {sat_one:.0} req/s; GET snapshot 304 {sat_304:.0} req/s ({:.1}x; p99 {p99_sat_304})", sat_304 / sat_one);
    println!(
        "server CPU a request, saturated (user + system): verify {:.1} + {:.1} us; 304 {:.1} + {:.1} us",
        cpu_one.0, cpu_one.1, cpu_304.0, cpu_304.1
    );
}
