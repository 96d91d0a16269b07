//! Issue 11's goals, measured in one process and one run: in-process single and bulk verify
//! throughput beside `POST /v1/verify` (one string; 100 strings a request) and
//! `GET /v1/status/snapshot` with a matching `If-None-Match`, driven over loopback by `wrk`
//! (Debian's `wrk`, 2 connections, 1 thread), then single `POST /v1/verify` paced at half the
//! maximum rate from raw sockets. The server runs in this process on its own tokio runtime.
//!
//! `cargo run --release --example server-load -- [SECONDS] [--pin]` (default 5 s a
//! measurement). Unpinned, the server, the in-process loops and the load generators share all
//! cores. With `--pin` (needs two cores and `taskset`) the process's own threads — the
//! in-process loops, rayon's pool and the server's runtime — run on CPU 0 and the load
//! generators (`wrk`, the paced client's threads) on CPU 1: the in-process and HTTP figures
//! then come from the same single core, and the client no longer takes turns with the server.
//!
//! Every measurement also reports what the machine did meanwhile: the steal time of the whole
//! VM (`/proc/stat`: the host running someone else on our vCPUs), the idle time, and how long
//! the server's threads and the paced client's threads waited runnable for a CPU
//! (`/proc/<pid>/task/<tid>/schedstat`) with their involuntary context switches.
//!
//! `server-load count KIND N` (KIND `304` or `verify`) makes N requests of one kind over one
//! keep-alive connection from a raw socket (no HTTP client library) and exits: run it under
//! `valgrind --tool=callgrind` at two N and divide the difference in instructions by the
//! difference in N for the server's instructions a request, independent of the machine's
//! load (the raw client's share is a few hundred instructions of syscalls).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use certseal::crypto::Algorithm;
use certseal::server::{ServerConfig, Service};
use certseal::verify::Verifier;

/// Where the threads run: `None` unpinned, else (the server's CPU, the load generators' CPU).
type Pin = Option<(usize, usize)>;

/// Pins the calling thread to `cpu` (`taskset -p` on its thread id, read from
/// `/proc/thread-self`; no `unsafe` needed). Threads it spawns afterwards inherit the mask.
fn pin_this_thread(cpu: usize) {
    let tid = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse::<u32>().ok())
        .expect("/proc/thread-self");
    let ok = Command::new("taskset")
        .args(["-p", "-c", &cpu.to_string(), &tid.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "taskset -p -c {cpu} {tid} failed");
}

/// Asks the kernel to wake the calling thread's timers on time (timer slack 1 ns instead of
/// the default 50 µs; `/proc/thread-self/timerslack_ns`, what `prctl(PR_SET_TIMERSLACK)`
/// sets). Best effort.
fn tight_timer_slack() {
    let _ = std::fs::write("/proc/thread-self/timerslack_ns", "1");
}

fn rate(secs: f64, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed().as_secs_f64() < secs {
        n += f();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The whole machine's CPU time by kind (`/proc/stat`'s first line, clock ticks of 10 ms):
/// user, nice, system, idle, iowait, irq, softirq, steal.
fn machine_ticks() -> [u64; 8] {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut t = [0u64; 8];
    if let Some(line) = stat.lines().next() {
        for (slot, v) in t.iter_mut().zip(line.split_whitespace().skip(1)) {
            *slot = v.parse().unwrap_or(0);
        }
    }
    t
}

/// Per thread group of this process (the server's runtime, its workers and blocking threads
/// named `srv-rt`; the paced client's threads; the rest: the main thread and rayon's pool,
/// where a batch's verifications run): nanoseconds on a CPU, nanoseconds waiting runnable for one, involuntary
/// context switches.
fn thread_waits() -> BTreeMap<&'static str, [u64; 3]> {
    let mut by = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return by;
    };
    for t in dir.flatten() {
        let p = t.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        let group = if comm.starts_with("srv-rt") {
            "server runtime"
        } else if comm.starts_with("paced") {
            "paced"
        } else {
            "rest of the process (rayon)"
        };
        let sched = std::fs::read_to_string(p.join("schedstat")).unwrap_or_default();
        let mut f = sched
            .split_whitespace()
            .map(|x| x.parse::<u64>().unwrap_or(0));
        let (run, wait) = (f.next().unwrap_or(0), f.next().unwrap_or(0));
        let status = std::fs::read_to_string(p.join("status")).unwrap_or_default();
        let invol = status
            .lines()
            .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let e = by.entry(group).or_insert([0u64; 3]);
        e[0] += run;
        e[1] += wait;
        e[2] += invol;
    }
    by
}

/// What the machine and this process's threads did between [`Probe::start`] and
/// [`Probe::report`].
struct Probe {
    at: Instant,
    ticks: [u64; 8],
    threads: BTreeMap<&'static str, [u64; 3]>,
}

impl Probe {
    fn start() -> Probe {
        Probe {
            at: Instant::now(),
            ticks: machine_ticks(),
            threads: thread_waits(),
        }
    }

    /// One line: the VM's steal and idle time (percent of all CPU time, and steal in ms), and
    /// per thread group its CPU time, its wait for a CPU while runnable and its involuntary
    /// context switches. Threads that ended meanwhile (the paced client's) are counted by
    /// the caller through `paced`.
    fn report(&self, paced: Option<[u64; 3]>) -> String {
        let wall = self.at.elapsed().as_secs_f64();
        let t = machine_ticks();
        let d: Vec<u64> = t
            .iter()
            .zip(&self.ticks)
            .map(|(a, b)| a.saturating_sub(*b))
            .collect();
        let total = d.iter().sum::<u64>().max(1) as f64;
        let mut s = format!(
            "{wall:.1} s: VM steal {:.1} % ({} ms), idle {:.1} %, busy {:.1} %",
            100.0 * d[7] as f64 / total,
            d[7] * 10,
            100.0 * d[3] as f64 / total,
            100.0 * (total - d[3] as f64 - d[4] as f64) / total,
        );
        let now = thread_waits();
        let mut groups: Vec<(&str, [u64; 3])> = now
            .iter()
            .map(|(g, v)| {
                let was = self.threads.get(g).copied().unwrap_or([0; 3]);
                (*g, [0, 1, 2].map(|i| v[i].saturating_sub(was[i])))
            })
            .filter(|(g, _)| *g != "paced")
            .collect();
        if let Some(p) = paced {
            groups.push(("paced client", p));
        }
        for (g, v) in groups {
            if v[0] == 0 && v[1] == 0 {
                continue;
            }
            s.push_str(&format!(
                "; {g}: cpu {:.0} ms, waited for a cpu {:.1} ms, {} preemptions",
                v[0] as f64 / 1e6,
                v[1] as f64 / 1e6,
                v[2]
            ));
        }
        s
    }
}

/// A wrk run: requests a second, its p99 line, and what the machine did meanwhile.
struct WrkRun {
    rps: f64,
    p99: String,
    probe: String,
    /// The server's CPU a request in µs (user, system): while wrk runs, this process does
    /// nothing but serve.
    cpu: (f64, f64),
}

/// This process's user and system CPU seconds so far; (0, 0) where there is no `/proc`.
fn cpu_secs() -> (f64, f64) {
    certseal::internal::speed::process_cpu_user_system_secs().unwrap_or((0.0, 0.0))
}

/// `wrk -t1 -c{connections}` for `secs` with the Lua `script` against `url` (on the load
/// generators' CPU when pinned).
fn wrk(url: &str, script: &str, secs: u64, connections: u32, pin: Pin) -> WrkRun {
    let mut cmd = match pin {
        Some((_, client)) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &client.to_string(), "wrk"]);
            c
        }
        None => Command::new("wrk"),
    };
    cmd.args([
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{secs}s"),
        "--latency",
        "-s",
        script,
        url,
    ]);
    let (u0, s0) = cpu_secs();
    let probe = Probe::start();
    let out = cmd.output().expect("wrk (apt-get install wrk)");
    let probe = probe.report(None);
    let (u1, s1) = cpu_secs();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("99%"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    let n = (rps * secs as f64).max(1.0);
    WrkRun {
        rps,
        p99,
        probe,
        cpu: ((u1 - u0) * 1e6 / n, (s1 - s0) * 1e6 / n),
    }
}

/// What a paced run measured: the achieved rate; the 99th percentiles (seconds) of the
/// latency from each request's scheduled time (coordinated omission counted in full), of the
/// same with the generator's own lateness taken out, of the service time (send to answer),
/// and of the generator's lateness; the number of service times over 2 ms, how many of them
/// overlap steal, and the longest; and what the machine did meanwhile.
struct Paced {
    rate: f64,
    p99_from_schedule: f64,
    p99_corrected: f64,
    p99_service: f64,
    p99_client_late: f64,
    slow: usize,
    /// Of `slow`, those that overlap a moment a vCPU's steal count moved.
    slow_with_steal: usize,
    /// The share of the run those steal windows cover: what chance alone would give.
    steal_cover: f64,
    max_service: f64,
    requests: usize,
    probe: String,
}

/// Sleeps until `due` on a monotonic clock: the kernel timer to within 100 µs of it, then a
/// spin that yields the CPU (`sched_yield`), so the send time does not depend on when the
/// scheduler gets round to the thread and a server thread that wants the CPU still gets it.
fn wait_until(due: Instant) {
    const SPIN: Duration = Duration::from_micros(100);
    let now = Instant::now();
    if due > now + SPIN {
        std::thread::sleep(due - now - SPIN);
    }
    while Instant::now() < due {
        // Yield rather than spin hard: a server thread waiting for this CPU gets it.
        std::thread::yield_now();
    }
}

/// `rate` requests a second of `request` (raw HTTP/1.1 bytes) to `addr` over 2 keep-alive
/// connections (one thread each, a raw socket: no HTTP client library to share the cores
/// with), each request sent at its scheduled time (a fixed monotonic schedule; the threads
/// sleep with a 1 ns timer slack and spin the last 100 µs). For each request: `due`
/// (scheduled), `sent`, `done` (answer read). A request sent late because the previous answer
/// came late is the server's delay (coordinated omission: it counts); one sent late while the
/// connection was idle is the generator's (its thread woke late on the shared cores) and is
/// reported apart: corrected latency = `(done - sent) + (max(due, previous done) - due)`, the
/// service time plus the wait the server's previous answer caused.
fn paced(addr: std::net::SocketAddr, request: &[u8], rate: f64, secs: u64, pin: Pin) -> Paced {
    use std::io::Write;
    let per_conn = Duration::from_secs_f64(2.0 / rate.max(1.0));
    let probe = Probe::start();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("steal-sampler".into())
            .spawn(move || {
                if let Some((_, client)) = pin {
                    pin_this_thread(client);
                }
                sample_steal(stop)
            })
            .unwrap()
    };
    let start = Instant::now() + Duration::from_millis(50);
    let end = start + Duration::from_secs(secs);
    let threads: Vec<_> = (0..2u32)
        .map(|i| {
            let request = request.to_vec();
            std::thread::Builder::new()
                .name(format!("paced-{i}"))
                .spawn(move || {
                    if let Some((_, client)) = pin {
                        pin_this_thread(client);
                    }
                    tight_timer_slack();
                    let mut s = std::net::TcpStream::connect(addr).unwrap();
                    s.set_nodelay(true).unwrap();
                    let (mut buf, mut chunk) = (Vec::with_capacity(8192), vec![0u8; 8192]);
                    let (mut rows, mut stalls) = (Vec::new(), Vec::new());
                    let mut due = start + per_conn.mul_f64(f64::from(i) / 2.0);
                    let mut prev_done = start;
                    while due < end {
                        wait_until(due);
                        let sent = Instant::now();
                        s.write_all(&request).unwrap();
                        assert_eq!(read_response(&mut s, &mut buf, &mut chunk), 200);
                        let done = Instant::now();
                        let from = due.max(prev_done);
                        rows.push([
                            (done - due).as_secs_f64(),
                            (done - sent + (from - due)).as_secs_f64(),
                            (done - sent).as_secs_f64(),
                            sent.saturating_duration_since(from).as_secs_f64(),
                        ]);
                        if done - sent > Duration::from_millis(2) {
                            stalls.push((sent, done));
                        }
                        prev_done = done;
                        due += per_conn;
                    }
                    // This thread's CPU, wait for a CPU and preemptions, read before it ends.
                    let mine = thread_waits_self();
                    (rows, stalls, mine)
                })
                .unwrap()
        })
        .collect();
    let (mut rows, mut stalls): (Vec<[f64; 4]>, Vec<(Instant, Instant)>) = Default::default();
    let mut client = [0u64; 3];
    for t in threads {
        let (r, st, mine) = t.join().unwrap();
        rows.extend(r);
        stalls.extend(st);
        for (c, m) in client.iter_mut().zip(mine) {
            *c += m;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let steal = sampler.join().unwrap();
    let p99 = |i: usize| {
        let mut v: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        v.sort_by(f64::total_cmp);
        v.get((v.len() * 99 / 100).min(v.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Paced {
        rate: rows.len() as f64 / secs as f64,
        p99_from_schedule: p99(0),
        p99_corrected: p99(1),
        p99_service: p99(2),
        p99_client_late: p99(3),
        slow: stalls.len(),
        slow_with_steal: stalls_with_steal(&stalls, &steal),
        steal_cover: steal_cover(&steal, start, end),
        max_service: rows.iter().map(|r| r[2]).fold(0.0, f64::max),
        requests: rows.len(),
        probe: probe.report(Some(client)),
    }
}

/// A change of some vCPU's steal count: the last sample before it and the first after it.
type StealStep = (Instant, Instant);

/// Each vCPU's steal ticks (`/proc/stat`'s `cpuN` lines), sampled every 5 ms by a thread
/// until `stop` is set; the moments they moved.
fn sample_steal(stop: Arc<std::sync::atomic::AtomicBool>) -> Vec<StealStep> {
    tight_timer_slack();
    let read = || -> Vec<u64> {
        std::fs::read_to_string("/proc/stat")
            .unwrap_or_default()
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("cpu"))
            .map(|l| {
                l.split_whitespace()
                    .nth(8)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            })
            .collect()
    };
    let (mut steps, mut last, mut seen) = (Vec::new(), read(), Instant::now());
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(5));
        let (now, at) = (read(), Instant::now());
        if now != last {
            steps.push((seen, at));
            last = now;
        }
        seen = at;
    }
    steps
}

/// A step's window: a steal tick is 10 ms, so the stolen time may lie up to 10 ms before
/// the last sample that did not show it.
fn steal_window(&(before, after): &StealStep) -> (Instant, Instant) {
    (before - Duration::from_millis(10), after)
}

/// How many of `stalls` (send and answer times) overlap a moment some vCPU's steal count
/// moved.
fn stalls_with_steal(stalls: &[(Instant, Instant)], steps: &[StealStep]) -> usize {
    stalls
        .iter()
        .filter(|(sent, done)| {
            steps
                .iter()
                .map(steal_window)
                .any(|(a, b)| a <= *done && *sent <= b)
        })
        .count()
}

/// The share of `from..to` that [`stalls_with_steal`]'s windows cover: what chance alone
/// would give.
fn steal_cover(steps: &[StealStep], from: Instant, to: Instant) -> f64 {
    let mut covered = Duration::ZERO;
    let mut until = from;
    for (a, b) in steps.iter().map(steal_window) {
        let (a, b) = (a.max(until), b.min(to));
        covered += b.saturating_duration_since(a);
        until = until.max(b);
    }
    covered.as_secs_f64() / (to - from).as_secs_f64().max(1e-9)
}

/// The calling thread's CPU time, wait for a CPU (ns) and involuntary context switches.
fn thread_waits_self() -> [u64; 3] {
    let sched = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let mut f = sched
        .split_whitespace()
        .map(|x| x.parse::<u64>().unwrap_or(0));
    let (run, wait) = (f.next().unwrap_or(0), f.next().unwrap_or(0));
    let invol = std::fs::read_to_string("/proc/thread-self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    [run, wait, invol]
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
    LOADAVG.get_or_init(|| std::fs::read_to_string("/proc/loadavg").unwrap_or_default());
    let args: Vec<String> = std::env::args().collect();
    let counted = (args.get(1).map(String::as_str) == Some("count")).then(|| {
        (
            args.get(2).cloned().unwrap_or_default(),
            args.get(3)
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(1000),
        )
    });
    let secs: u64 = args
        .iter()
        .skip(1)
        .find_map(|s| s.parse().ok())
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pin: Pin = (counted.is_none() && args.iter().any(|a| a == "--pin")).then(|| {
        assert!(cores >= 2, "--pin needs two cores");
        (0, 1)
    });
    if let Some((server, _)) = pin {
        // Everything this process starts from here on (rayon's pool, the runtime) inherits it.
        pin_this_thread(server);
    }
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
    // As `certseal serve` sizes it: one worker a core the server may use.
    let workers = if pin.is_some() { 1 } else { cores };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("srv-rt")
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
    let verify_url = format!("{base}/v1/verify");
    let (one_lua, batch_lua) = (lua(&one, "one.lua"), lua(&batch, "batch.lua"));
    let http_one = wrk(&verify_url, &one_lua, secs, 2, pin);
    let http_batch = wrk(&verify_url, &batch_lua, secs, 2, pin);
    // The maximum single rate: the larger of 2 connections and saturated (16).
    let sat_one = wrk(&verify_url, &one_lua, secs, 16, pin);
    let max_one = http_one.rps.max(sat_one.rps);

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
    let snapshot_url = format!("{base}/v1/status/snapshot");
    let cond = cond.display().to_string();
    let http_304 = wrk(&snapshot_url, &cond, secs, 2, pin);
    // Saturated too: two connections leave a 304 waiting on the loopback round trip (wrk and
    // the server take turns), not on the server's work.
    let sat_304 = wrk(&snapshot_url, &cond, secs, 16, pin);

    let raw_one = format!(
        "POST /v1/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{one}",
        one.len()
    );
    let half = paced(addr, raw_one.as_bytes(), max_one / 2.0, secs, pin);

    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "machine: {cores} cores, {}; {secs} s a measurement; load average before: {}",
        match pin {
            Some((s, c)) =>
                format!("pinned: this process (in-process loops, server) on CPU {s}, wrk and the paced client on CPU {c}"),
            None => "unpinned: server, in-process loops and load generators share every core".into(),
        },
        LOADAVG.get().map_or("?", String::as_str).trim()
    );
    println!("in-process single verify      {single:>10.0} /s");
    println!("in-process bulk verify (100)  {bulk:>10.0} strings/s");
    let b = http_batch.rps * 100.0;
    println!();
    println!("goal                                          same-run figures                                   ratio  target");
    println!(
        "batch over HTTP (100/request, 2 conns)        {b:>8.0} vs {bulk:>8.0} strings/s in-process bulk        {:>5.2}  >= 0.8  {}",
        b / bulk,
        verdict(b / bulk >= 0.8)
    );
    println!(
        "single POST /v1/verify (2 conns)              {:>8.0} vs {single:>8.0} /s in-process single             {:>5.2}  >= 0.5  {}",
        http_one.rps,
        http_one.rps / single,
        verdict(http_one.rps / single >= 0.5)
    );
    println!(
        "p99 at half the max single rate               {:>8.0} req/s paced (max {max_one:.0}): p99 {:.3} ms from schedule  < 2 ms  {}",
        half.rate,
        half.p99_from_schedule * 1e3,
        verdict(half.p99_from_schedule < 0.002)
    );
    println!(
        "304 snapshot vs single verify (2 conns)       {:>8.0} vs {:>8.0} req/s                             {:>5.1}  >= 5    {}",
        http_304.rps,
        http_one.rps,
        http_304.rps / http_one.rps,
        verdict(http_304.rps / http_one.rps >= 5.0)
    );
    println!(
        "304 snapshot vs single verify (16 conns)      {:>8.0} vs {:>8.0} req/s                             {:>5.1}  >= 5    {}",
        sat_304.rps,
        sat_one.rps,
        sat_304.rps / sat_one.rps,
        verdict(sat_304.rps / sat_one.rps >= 5.0)
    );
    println!();
    println!(
        "paced run: {} requests; p99 from schedule {:.3} ms (coordinated omission counted), {:.3} ms without the client's own lateness (its p99 {:.3} ms), service time p99 {:.3} ms; {} service times over 2 ms ({} of them while a vCPU's steal count moved; such moments cover {:.0} % of the run), the longest {:.1} ms",
        half.requests,
        half.p99_from_schedule * 1e3,
        half.p99_corrected * 1e3,
        half.p99_client_late * 1e3,
        half.p99_service * 1e3,
        half.slow,
        half.slow_with_steal,
        half.steal_cover * 100.0,
        half.max_service * 1e3
    );
    println!("  {}", half.probe);
    for (name, r) in [
        ("wrk single -c2", &http_one),
        ("wrk batch -c2", &http_batch),
        ("wrk single -c16", &sat_one),
        ("wrk 304 -c2", &http_304),
        ("wrk 304 -c16", &sat_304),
    ] {
        println!(
            "{name}: {:.0} req/s, p99 {}, server cpu {:.1} + {:.1} us a request (user + system)",
            r.rps, r.p99, r.cpu.0, r.cpu.1
        );
        println!("  {}", r.probe);
    }
}

/// `/proc/loadavg` when the run started.
static LOADAVG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
