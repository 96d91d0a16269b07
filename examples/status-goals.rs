//! Measures the status goals of `specs/status.md` on synthetic data, in one run: snapshot size
//! beside the entropy bound of its own labelling (100 M indices, 1 % revoked, 3 % superseded;
//! and revoked-only), the other encodings measured (zlib-9 two-bit array as the IETF Token
//! Status List, roaring bitmaps, Elias–Fano), delta size, random lookup time, load time and
//! memory of a 10 M snapshot, and build time of the 100 M snapshot on one core.
//!
//! Run: `cargo run --release --example status-goals` (about a minute; 1.5 GB of memory).
//! `-- --quick` runs at a tenth of the sizes.

use std::hint::black_box;
use std::time::Instant;

use certseal::crypto::{RingSigner, Signer};
use certseal::status::{
    sign_delta, sign_snapshot, DeltaParams, ReasonCode, SnapshotParams, State, StatusList,
};
use certseal::trust::{RootCert, RootParams, SignerCert, SignerParams, SignerUsage, TrustStore};

const NOW: i64 = 1_795_651_200;

/// SplitMix64: a fixed-seed generator, so every run measures the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// ln(n!) by Stirling's series (exact enough: error below 1e-10 for n ≥ 1).
fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x * x)
}

/// log2 of the number of labellings of `n` indices with these label counts (the rest valid),
/// in bytes: the information-theoretic bound.
fn bound_bytes(n: u64, counts: &[u64]) -> f64 {
    let rest = n - counts.iter().sum::<u64>();
    let ln =
        ln_factorial(n) - ln_factorial(rest) - counts.iter().map(|&c| ln_factorial(c)).sum::<f64>();
    ln / std::f64::consts::LN_2 / 8.0
}

struct Keys {
    store: TrustStore,
    key: RingSigner,
    cert: SignerCert,
}

fn keys() -> Keys {
    let root_key = RingSigner::ed25519_from_seed(&[1; 32]).expect("root key");
    let key = RingSigner::ed25519_from_seed(&[2; 32]).expect("status key");
    let root = RootCert::issue(
        &root_key,
        &RootParams {
            common_name: "goals root".into(),
            authority_name: "goals".into(),
            authority_uscc: None,
            serial: 1,
            not_before: NOW - 86_400,
            not_after: NOW + 86_400 * 3650,
        },
    )
    .expect("root");
    let cert = root
        .issue_signer_for(
            &root_key,
            &key.public_key_spki(),
            &SignerParams {
                common_name: "goals status signer".into(),
                authority_name: "goals".into(),
                authority_uscc: "12100000400010398P".into(),
                serial: 2,
                not_before: NOW - 86_400,
                not_after: NOW + 86_400 * 365,
            },
            SignerUsage::STATUS,
        )
        .expect("status signer");
    let store = TrustStore::from_signer_certs(&root, std::slice::from_ref(&cert)).expect("store");
    Keys { store, key, cert }
}

/// States of `n` indices: per 10,000, `revoked` revoked and `superseded` superseded; reasons
/// drawn from `reasons` (code, weight per 100).
fn synth(
    n: u64,
    revoked: u64,
    superseded: u64,
    reasons: &[(u8, u64)],
    seed: u64,
) -> Vec<(u64, State)> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for i in 0..n {
        let u = rng.next() % 10_000;
        if u < revoked {
            let mut w = rng.next() % 100;
            let mut code = reasons[0].0;
            for &(c, weight) in reasons {
                if w < weight {
                    code = c;
                    break;
                }
                w -= weight;
            }
            out.push((i, State::Revoked(ReasonCode(code))));
        } else if u < revoked + superseded {
            out.push((i, State::Superseded));
        }
    }
    out
}

fn params(size: u64, sequence: u64) -> SnapshotParams {
    SnapshotParams {
        issuer: "12100000400010398P".into(),
        sequence,
        issued_at: NOW,
        next_update: NOW + 86_400,
        size,
    }
}

fn label_counts(entries: &[(u64, State)]) -> Vec<u64> {
    let mut counts = std::collections::BTreeMap::new();
    for (_, s) in entries {
        let key = match s {
            State::Superseded => 1000,
            State::Revoked(r) => u32::from(r.0),
            State::Valid => continue,
        };
        *counts.entry(key).or_insert(0u64) += 1;
    }
    counts.into_values().collect()
}

/// Elias–Fano over one sorted set, with a select sample every 8 high buckets (built at load,
/// as certseal's directory is), for the comparison.
struct EliasFano {
    l: u32,
    upper: Vec<u64>,
    lower: Vec<u64>,
    samples: Vec<u32>,
}

impl EliasFano {
    fn new(values: &[u64], universe: u64) -> Self {
        let m = values.len().max(1) as u64;
        let l = (universe / m).max(1).ilog2();
        let upper_bits = m + (universe >> l) + 2;
        let mut upper = vec![0u64; upper_bits.div_ceil(64) as usize + 1];
        let mut lower = vec![0u64; (m * u64::from(l)).div_ceil(64) as usize + 2];
        for (i, &v) in values.iter().enumerate() {
            let p = (v >> l) + i as u64;
            upper[(p / 64) as usize] |= 1 << (p % 64);
            if l > 0 {
                let low = v & ((1 << l) - 1);
                let q = i as u64 * u64::from(l);
                lower[(q / 64) as usize] |= low << (q % 64);
                if q % 64 + u64::from(l) > 64 {
                    lower[(q / 64) as usize + 1] |= low >> (64 - q % 64);
                }
            }
        }
        // samples[s] = position in `upper` where high bucket 8s starts.
        let buckets = (universe >> l) + 1;
        let mut samples = Vec::with_capacity((buckets / 8 + 2) as usize);
        let (mut zeros, mut p) = (0u64, 0u64);
        while (samples.len() as u64) * 8 <= buckets {
            let want = samples.len() as u64 * 8;
            while zeros < want {
                if upper[(p / 64) as usize] >> (p % 64) & 1 == 0 {
                    zeros += 1;
                }
                p += 1;
            }
            samples.push(p as u32);
        }
        EliasFano {
            l,
            upper,
            lower,
            samples,
        }
    }

    fn size_bytes(&self, count: u64, universe: u64) -> u64 {
        (count + (universe >> self.l) + 1 + count * u64::from(self.l)).div_ceil(8)
    }

    fn bit(&self, p: u64) -> bool {
        self.upper[(p / 64) as usize] >> (p % 64) & 1 == 1
    }

    fn low(&self, i: u64) -> u64 {
        if self.l == 0 {
            return 0;
        }
        let q = i * u64::from(self.l);
        let w = (q / 64) as usize;
        let mut v = self.lower[w] >> (q % 64);
        if q % 64 + u64::from(self.l) > 64 {
            v |= self.lower[w + 1] << (64 - q % 64);
        }
        v & ((1 << self.l) - 1)
    }

    fn contains(&self, x: u64) -> bool {
        let h = x >> self.l;
        let mut p = u64::from(self.samples[(h / 8) as usize]);
        let mut skip = h % 8;
        while skip > 0 {
            if !self.bit(p) {
                skip -= 1;
            }
            p += 1;
        }
        let mut rank = p - h;
        let want = x & ((1 << self.l) - 1);
        while self.bit(p) {
            let low = self.low(rank);
            if low >= want {
                return low == want;
            }
            p += 1;
            rank += 1;
        }
        false
    }

    fn memory(&self) -> usize {
        (self.upper.len() + self.lower.len()) * 8 + self.samples.len() * 4
    }
}

fn mb(bytes: f64) -> String {
    format!("{:.3} MB", bytes / 1e6)
}

/// CPU time of this thread in nanoseconds (Linux schedstat), so a shared machine's other
/// load shows as the gap between wall and CPU time.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn time_lookups(what: &str, n: u64, probes: &[u64], f: impl Fn(u64) -> u64) -> f64 {
    // One warm-up pass, then the timed pass.
    black_box(probes.iter().map(|&i| f(i)).sum::<u64>());
    let (t, c) = (Instant::now(), cpu_ns());
    let hits: u64 = probes.iter().map(|&i| f(black_box(i))).sum();
    let ns = t.elapsed().as_nanos() as f64 / probes.len() as f64;
    let cpu = match (c, cpu_ns()) {
        (Some(a), Some(b)) => format!("{:>6.1} ns CPU", (b - a) as f64 / probes.len() as f64),
        _ => "CPU time n/a".into(),
    };
    println!(
        "  {what:<44} {ns:>7.1} ns wall, {cpu} per lookup ({hits} non-valid of {} probes, universe {n})",
        probes.len()
    );
    ns
}

/// The lookup loops measured by instruction count: `valgrind --tool=callgrind
/// --toggle-collect='*lookup_loop_*'` counts only these (`--callgrind` mode).
#[inline(never)]
fn lookup_loop_certseal(list: &StatusList, probes: &[u64]) -> u64 {
    probes
        .iter()
        .map(|&i| u64::from(list.state(black_box(i)) != Some(State::Valid)))
        .sum()
}

#[inline(never)]
fn lookup_loop_elias_fano(es: &EliasFano, er: &EliasFano, probes: &[u64]) -> u64 {
    probes
        .iter()
        .map(|&i| u64::from(es.contains(black_box(i)) || er.contains(black_box(i))))
        .sum()
}

fn main() {
    let callgrind = std::env::args().any(|a| a == "--callgrind");
    let quick = std::env::args().any(|a| a == "--quick");
    let lookups_only = std::env::args().any(|a| a == "--lookups");
    let scale = if quick { 10 } else { 1 };
    let n: u64 = 100_000_000 / scale;
    let k = keys();
    println!(
        "status goals (synthetic, fixed seeds; n = {n}){}",
        if quick { " [quick]" } else { "" }
    );

    // --- The anchor: 1 % revoked (one reason), 3 % superseded -------------------------------
    let entries = synth(n, 100, 300, &[(1, 100)], 42);
    let counts = label_counts(&entries);
    let bound = bound_bytes(n, &counts);
    let t = Instant::now();
    let snap = sign_snapshot(&params(n, 1), entries.iter().copied(), &[], &k.key, &k.cert)
        .expect("snapshot");
    let build = t.elapsed();
    println!(
        "\n1 % revoked + 3 % superseded ({} revoked, {} superseded)",
        counts[0], counts[1]
    );
    println!(
        "  certseal snapshot (Rice sets, signed)    {:>12}  bound {:>12}  ratio {:.4}  (goal <= 1.10)",
        mb(snap.len() as f64),
        mb(bound),
        snap.len() as f64 / bound
    );
    println!(
        "  build (sort, encode, sign; one core)     {:>9.2} s (goal < 10 s)",
        build.as_secs_f64()
    );

    if lookups_only || callgrind {
        let t = Instant::now();
        let list = StatusList::load(&snap, &k.store).expect("load");
        let load_ms = t.elapsed().as_secs_f64() * 1e3;
        let (span, blocks, spilled) = list.index_shape();
        println!(
            "  loaded in {load_ms:.1} ms; lookup index: {blocks} blocks of {span} indices, {spilled} spilled; extra memory {} = {:.2}x the snapshot",
            mb(list.extra_bytes() as f64),
            list.extra_bytes() as f64 / snap.len() as f64
        );
        let mut rng = Rng(7);
        let probes: Vec<u64> = (0..10_000_000 / scale).map(|_| rng.next() % n).collect();
        let plain: Vec<u8> = {
            let mut v = vec![0u8; n.div_ceil(4) as usize];
            for (i, s) in &entries {
                v[(i / 4) as usize] |=
                    (if *s == State::Superseded { 3 } else { 1 }) << ((i % 4) * 2);
            }
            v
        };
        let sup: Vec<u64> = entries
            .iter()
            .filter(|e| e.1 == State::Superseded)
            .map(|e| e.0)
            .collect();
        let rev: Vec<u64> = entries
            .iter()
            .filter(|e| e.1 != State::Superseded)
            .map(|e| e.0)
            .collect();
        let (es, er) = (EliasFano::new(&sup, n), EliasFano::new(&rev, n));
        if callgrind {
            // One million probes in each loop: instructions per lookup = Ir / 1e6.
            let p = &probes[..probes.len().min(1_000_000)];
            println!(
                "  callgrind loops over {} probes: certseal {} non-valid, Elias-Fano {}",
                p.len(),
                lookup_loop_certseal(&list, p),
                lookup_loop_elias_fano(&es, &er, p)
            );
            return;
        }
        for _ in 0..3 {
            time_lookups("StatusList::state", n, &probes, |i| {
                u64::from(list.state(i) != Some(State::Valid))
            });
            time_lookups("Elias-Fano, two sets", n, &probes, |i| {
                u64::from(es.contains(i) || er.contains(i))
            });
            time_lookups("plain two-bit array (one random read)", n, &probes, |i| {
                u64::from(plain[(i / 4) as usize] >> ((i % 4) * 2) & 3 != 0)
            });
        }
        return;
    }
    // Comparisons on the same data.
    let superseded: Vec<u64> = entries
        .iter()
        .filter(|e| e.1 == State::Superseded)
        .map(|e| e.0)
        .collect();
    let revoked: Vec<u64> = entries
        .iter()
        .filter(|e| matches!(e.1, State::Revoked(_)))
        .map(|e| e.0)
        .collect();
    let mut two_bit = vec![0u8; n.div_ceil(4) as usize];
    for (i, s) in &entries {
        let v = if *s == State::Superseded { 3 } else { 1 };
        two_bit[(i / 4) as usize] |= v << ((i % 4) * 2);
    }
    let t = Instant::now();
    let z = certseal::codec::zlib::deflate(&two_bit);
    let deflate_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let inflated = certseal::codec::zlib::inflate(&z, two_bit.len()).expect("inflate");
    let inflate_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(inflated, two_bit);
    println!(
        "  zlib-9 two-bit array (IETF TSL `lst`)    {:>12}  ratio {:.4}  (deflate {deflate_s:.1} s; a lookup needs the whole array inflated: {inflate_ms:.0} ms, {})",
        mb(z.len() as f64),
        z.len() as f64 / bound,
        mb(two_bit.len() as f64)
    );
    let to_roaring = |v: &[u64]| {
        roaring::RoaringBitmap::from_sorted_iter(v.iter().map(|&x| x as u32)).expect("sorted")
    };
    let (rs, rr) = (to_roaring(&superseded), to_roaring(&revoked));
    let roaring_len = rs.serialized_size() + rr.serialized_size();
    println!(
        "  roaring, two bitmaps (serialized)        {:>12}  ratio {:.4}",
        mb(roaring_len as f64),
        roaring_len as f64 / bound
    );
    let (es, er) = (EliasFano::new(&superseded, n), EliasFano::new(&revoked, n));
    let ef_len = es.size_bytes(superseded.len() as u64, n) + er.size_bytes(revoked.len() as u64, n);
    println!(
        "  Elias-Fano, two sets (bits only)         {:>12}  ratio {:.4}",
        mb(ef_len as f64),
        ef_len as f64 / bound
    );
    let mut union: Vec<u64> = entries.iter().map(|e| e.0).collect();
    union.sort_unstable();
    let eu = EliasFano::new(&union, n);
    let efu_len = eu.size_bytes(union.len() as u64, n) + (union.len() as u64).div_ceil(8);
    println!(
        "  Elias-Fano, union + 1-bit label          {:>12}  ratio {:.4}",
        mb(efu_len as f64),
        efu_len as f64 / bound
    );

    // Lookups on the loaded snapshot.
    let t = Instant::now();
    let list = StatusList::load(&snap, &k.store).expect("load");
    let load_100m = t.elapsed().as_secs_f64() * 1e3;
    let mut rng = Rng(7);
    let probes: Vec<u64> = (0..10_000_000 / scale).map(|_| rng.next() % n).collect();
    println!("\n  random lookups on the loaded snapshot (load {load_100m:.0} ms, extra memory {} = {:.2}x the snapshot):", mb(list.extra_bytes() as f64), list.extra_bytes() as f64 / snap.len() as f64);
    time_lookups("StatusList::state (certseal, Rice sets)", n, &probes, |i| {
        u64::from(list.state(i) != Some(State::Valid))
    });
    time_lookups(
        "StatusList::check (kid + index + freshness)",
        n,
        &probes,
        |i| u64::from(list.check(&[9; 8], Some(i), NOW).is_err()),
    );
    time_lookups(
        "Elias-Fano, two sets (select sample / 8)",
        n,
        &probes,
        |i| u64::from(es.contains(i) || er.contains(i)),
    );
    println!(
        "    (Elias-Fano in memory: {})",
        mb((es.memory() + er.memory()) as f64)
    );
    time_lookups("roaring, two bitmaps", n, &probes, |i| {
        u64::from(rs.contains(i as u32) || rr.contains(i as u32))
    });
    time_lookups("plain two-bit array, inflated (25 MB)", n, &probes, |i| {
        u64::from(two_bit[(i / 4) as usize] >> ((i % 4) * 2) & 3 != 0)
    });
    drop(two_bit);
    drop(inflated);

    // --- With a mix of reasons ----------------------------------------------------------------
    let mixed = synth(n, 100, 300, &[(1, 80), (2, 15), (3, 5)], 43);
    let mc = label_counts(&mixed);
    let mbound = bound_bytes(n, &mc);
    let msnap = sign_snapshot(&params(n, 1), mixed.iter().copied(), &[], &k.key, &k.cert)
        .expect("snapshot");
    println!("\n1 % revoked (reasons 80/15/5 %) + 3 % superseded");
    println!(
        "  certseal snapshot                        {:>12}  bound {:>12}  ratio {:.4}",
        mb(msnap.len() as f64),
        mb(mbound),
        msnap.len() as f64 / mbound
    );
    drop(mixed);

    // --- Revoked only -------------------------------------------------------------------------
    let ronly = synth(n, 100, 0, &[(1, 100)], 44);
    let rc = label_counts(&ronly);
    let rbound = bound_bytes(n, &rc);
    let rsnap = sign_snapshot(&params(n, 1), ronly.iter().copied(), &[], &k.key, &k.cert)
        .expect("snapshot");
    let rv: Vec<u64> = ronly.iter().map(|e| e.0).collect();
    let rz = {
        let mut one_bit = vec![0u8; n.div_ceil(8) as usize];
        for i in &rv {
            one_bit[(i / 8) as usize] |= 1 << (i % 8);
        }
        certseal::codec::zlib::deflate(&one_bit).len()
    };
    println!("\n1 % revoked only ({} revoked)", rc[0]);
    println!(
        "  certseal snapshot                        {:>12}  bound {:>12}  ratio {:.4}  (goal <= 1.10)",
        mb(rsnap.len() as f64),
        mb(rbound),
        rsnap.len() as f64 / rbound
    );
    println!(
        "  zlib-9 one-bit array                     {:>12}  ratio {:.4}",
        mb(rz as f64),
        rz as f64 / rbound
    );
    let rr1 = to_roaring(&rv);
    println!(
        "  roaring                                  {:>12}  ratio {:.4}",
        mb(rr1.serialized_size() as f64),
        rr1.serialized_size() as f64 / rbound
    );
    let ef1 = EliasFano::new(&rv, n).size_bytes(rv.len() as u64, n);
    println!(
        "  Elias-Fano (bits only)                   {:>12}  ratio {:.4}",
        mb(ef1 as f64),
        ef1 as f64 / rbound
    );
    drop(ronly);

    // --- Delta: 1,000 new revocations on the anchor snapshot --------------------------------
    let mut list = list;
    let mut rng = Rng(99);
    let mut fresh = Vec::new();
    while fresh.len() < 1000 {
        let i = rng.next() % n;
        if list.state(i) == Some(State::Valid) && !fresh.iter().any(|(j, _)| *j == i) {
            fresh.push((i, State::Revoked(ReasonCode::INVALIDATED)));
        }
    }
    let dp = DeltaParams {
        issuer: "12100000400010398P".into(),
        from: 1,
        to: 1001,
        issued_at: NOW + 3600,
        next_update: NOW + 86_400 + 3600,
        size: n + 5000,
    };
    let empty = sign_delta(&dp, std::iter::empty(), &[], &k.key, &k.cert).expect("delta");
    let delta = sign_delta(&dp, fresh.iter().copied(), &[], &k.key, &k.cert).expect("delta");
    let per = (delta.len() - empty.len()) as f64 / 1000.0;
    println!("\ndelta: 1,000 new revocations over {n} indices");
    println!(
        "  delta {} bytes = envelope {} bytes + {per:.3} bytes per change (goals: <= 200, <= 2.5; total <= 2,700)",
        delta.len(),
        empty.len()
    );
    let t = Instant::now();
    list.apply_delta(&delta, &k.store).expect("apply");
    println!(
        "  applied in {:.2} ms; sequence now {}",
        t.elapsed().as_secs_f64() * 1e3,
        list.sequence()
    );
    time_lookups("lookups with the delta applied", n, &probes, |i| {
        u64::from(list.state(i) != Some(State::Valid))
    });
    drop(list);
    drop(entries);

    // --- Load a 10-million-entry snapshot ----------------------------------------------------
    let n10 = 10_000_000 / scale;
    let e10 = synth(n10, 100, 300, &[(1, 100)], 45);
    let s10 = sign_snapshot(&params(n10, 1), e10.iter().copied(), &[], &k.key, &k.cert)
        .expect("snapshot");
    let mut best = f64::MAX;
    let mut extra = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let l = StatusList::load(&s10, &k.store).expect("load");
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        extra = l.extra_bytes();
        black_box(&l);
    }
    println!("\nload a {n10}-index snapshot ({}): best of 5 {best:.2} ms (goal < 100 ms); extra memory {} = {:.2}x the snapshot (goal < 2x)", mb(s10.len() as f64), mb(extra as f64), extra as f64 / s10.len() as f64);
}
