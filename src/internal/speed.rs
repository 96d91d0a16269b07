//! `certseal speed`: bare `ring` signatures beside the full issue and verify pipelines, in one
//! run, on fixed inputs, like `openssl speed`.
//!
//! This module owns the measuring: keys generated in memory (no files), the shipped sample
//! records as inputs, a warm-up before every slice, then plain [`Instant`] loops; rows take
//! turns in slices of about 50 ms and keep their best slice, so load from elsewhere on the machine
//! skews the rows of a ratio alike. It prints
//! nothing; [`SpeedReport`] renders itself as a table or as JSON. No timing is asserted
//! anywhere: the numbers are for reading.
//!
//! Rows, per algorithm:
//!
//! - `sign`: bare signature over a message the size of a QR payload's Sig_structure (`ring`
//!   for ES256 and Ed25519; for SM2, feature `sm2`, certseal's own `Sm2Signer`, which is the
//!   bare implementation);
//! - `verify`: bare check of that payload's real signature over its real Sig_structure
//!   (`ring`; for SM2 `Sm2VerifyingKey::verify`: range checks, SM3 with the key's cached Z,
//!   the comb tables of `crypto::sm2`);
//! - `verify_e2e`: [`Verifier::verify_at`] on the QR text (prefix → base45 → COSE → kid →
//!   signature → claims → times), one thread;
//! - `issue`: [`Issuer::issue`] (record → signed document + signed QR payload: two
//!   signatures), one thread;
//! - `batch_1t`, `batch_2t`: [`Verifier::verify_batch`] in a rayon pool of 1 and 2 threads;
//! - for SM2 also `p256_verify`: a bare `ring` P-256 verification over the same message, taking
//!   turns with the SM2 rows, the baseline of the SM2 goals (`sm2_verify_e2e_vs_p256_verify`
//!   ≤ 1.9, `sm2_sign_vs_p256_verify` ≤ 1.5: costs, so lower is better).

use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};

use crate::claims::payload;
use crate::codec::cbor::Mode;
use crate::codec::{base45, Limits};
use crate::cose::Sign1;
use crate::crypto::{self, Algorithm};
use crate::issue::Issuer;
use crate::model::{parse_json, Certificate};
use crate::time::FixedClock;
use crate::trust::{RootCert, RootParams, SignerParams, TrustError, TrustStore};
use crate::verify::Verifier;

/// The fixed instant every measurement issues and verifies at (2026-11-26T00:00:00Z).
const NOW: i64 = 1_795_651_200;
const DAY: i64 = 86_400;
/// The records the inputs are built from.
const SAMPLES: &[u8] = include_bytes!("../../data/sample-records.json");
/// Largest batch verified in one call.
const MAX_BATCH: usize = 10_000;
/// Smallest batch verified in one call.
const MIN_BATCH: usize = 64;
/// Length of one slice of a row's time; rows take turns slice by slice.
const SLICE_SECS: f64 = 0.05;
/// Most slices per row.
const MAX_ROUNDS: usize = 200;

/// What to measure and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedOptions {
    /// Seconds spent measuring each row (after its warm-up).
    pub seconds: f64,
    /// The algorithms to measure.
    pub algorithms: Vec<Algorithm>,
    /// Most strings verified per batch call (10,000 by default; fewer when a batch would take
    /// longer than a row's time on one thread).
    pub max_batch: usize,
    /// Time the single-thread rows by the measuring thread's CPU time (Linux
    /// `/proc/thread-self/schedstat`) rather than the wall clock, so that other processes
    /// competing for the cores do not count. Batch rows always use the wall clock.
    pub thread_cpu_time: bool,
}

impl Default for SpeedOptions {
    fn default() -> Self {
        SpeedOptions {
            seconds: 1.0,
            algorithms: Algorithm::ALL.to_vec(),
            max_batch: MAX_BATCH,
            thread_cpu_time: true,
        }
    }
}

/// Operations per second of every row, for one algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct AlgorithmSpeed {
    /// The algorithm.
    pub alg: Algorithm,
    /// Bare `ring` signatures per second.
    pub sign: f64,
    /// Bare `ring` verifications per second.
    pub verify: f64,
    /// End-to-end verifications (text → verdict) per second, one thread.
    pub verify_e2e: f64,
    /// Issues (record → document + QR string) per second, one thread.
    pub issue: f64,
    /// Batch verifications per second on a 1-thread pool.
    pub batch_1t: f64,
    /// Batch verifications per second on a 2-thread pool.
    pub batch_2t: f64,
    /// Strings per batch call.
    pub batch_size: usize,
    /// Bytes in the Sig_structure the bare rows sign and verify.
    pub message_len: usize,
    /// Characters in the QR text the end-to-end row verifies.
    pub payload_len: usize,
    /// Bare `ring` P-256 verifications per second over the same message, measured in turns
    /// with this algorithm's rows (SM2 only: the baseline of its goals).
    pub p256_verify: Option<f64>,
}

impl AlgorithmSpeed {
    /// End-to-end verify ÷ bare verify (goal ≥ 0.95).
    pub fn verify_vs_ring(&self) -> f64 {
        ratio(self.verify_e2e, self.verify)
    }

    /// Issue ÷ (bare sign ÷ 2): the issue pipeline makes two signatures (goal ≥ 0.90).
    pub fn issue_vs_ring(&self) -> f64 {
        ratio(self.issue, self.sign / 2.0)
    }

    /// Batch on 2 threads ÷ batch on 1 thread (goal ≥ 1.85).
    pub fn batch_2t_vs_1t(&self) -> f64 {
        ratio(self.batch_2t, self.batch_1t)
    }

    /// Microseconds per verification spent outside the signature check:
    /// 1/e2e − 1/bare (goal ≤ 2 µs).
    pub fn non_signature_us(&self) -> f64 {
        if self.verify_e2e > 0.0 && self.verify > 0.0 {
            (1.0 / self.verify_e2e - 1.0 / self.verify) * 1e6
        } else {
            f64::NAN
        }
    }

    /// Cost of one end-to-end verification ÷ cost of one bare `ring` P-256 verification
    /// measured beside it (SM2 goal ≤ 1.9); `None` without the baseline row.
    pub fn verify_e2e_vs_p256_verify(&self) -> Option<f64> {
        self.p256_verify.map(|p| ratio(p, self.verify_e2e))
    }

    /// Cost of one bare verification ÷ cost of one bare `ring` P-256 verification.
    pub fn verify_vs_p256_verify(&self) -> Option<f64> {
        self.p256_verify.map(|p| ratio(p, self.verify))
    }

    /// Cost of one signature ÷ cost of one bare `ring` P-256 verification (SM2 goal ≤ 1.5).
    pub fn sign_vs_p256_verify(&self) -> Option<f64> {
        self.p256_verify.map(|p| ratio(p, self.sign))
    }

    fn ratios_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "verify_vs_ring": round(self.verify_vs_ring(), 4),
            "issue_vs_ring": round(self.issue_vs_ring(), 4),
            "batch_2t_vs_1t": round(self.batch_2t_vs_1t(), 4),
            "non_signature_us": round(self.non_signature_us(), 3),
        });
        if let (Some(e2e), Some(bare), Some(sign)) = (
            self.verify_e2e_vs_p256_verify(),
            self.verify_vs_p256_verify(),
            self.sign_vs_p256_verify(),
        ) {
            v["verify_e2e_vs_p256_verify"] = round(e2e, 4);
            v["verify_vs_p256_verify"] = round(bare, 4);
            v["sign_vs_p256_verify"] = round(sign, 4);
        }
        v
    }
}

/// The outcome of one `speed` run.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedReport {
    /// Seconds measured per row.
    pub seconds: f64,
    /// Threads available to the process.
    pub available_threads: usize,
    /// Whether the single-thread rows were timed by thread CPU time (else wall clock).
    pub thread_cpu_time: bool,
    /// One entry per algorithm, in the order asked for.
    pub algorithms: Vec<AlgorithmSpeed>,
}

impl SpeedReport {
    /// One JSON object: `ops_per_sec` and `ratios` per algorithm name, and in `ratios` also
    /// the worst value over the algorithms (`verify_vs_ring`, `issue_vs_ring`,
    /// `batch_2t_vs_1t`: minimum; `non_signature_us`: maximum).
    pub fn to_json(&self) -> serde_json::Value {
        let mut ops = serde_json::Map::new();
        let mut ratios = serde_json::Map::new();
        for a in &self.algorithms {
            ops.insert(
                a.alg.name().to_string(),
                serde_json::json!({
                    "sign": round(a.sign, 1),
                    "verify": round(a.verify, 1),
                    "verify_e2e": round(a.verify_e2e, 1),
                    "issue": round(a.issue, 1),
                    "batch_1t": round(a.batch_1t, 1),
                    "batch_2t": round(a.batch_2t, 1),
                    "batch_size": a.batch_size,
                    "message_len": a.message_len,
                    "payload_len": a.payload_len,
                    "p256_verify": a.p256_verify.map_or(serde_json::Value::Null, |p| round(p, 1)),
                }),
            );
            ratios.insert(a.alg.name().to_string(), a.ratios_json());
            #[cfg(feature = "sm2")]
            if a.alg == Algorithm::Sm2 {
                let (e2e, sign) = (a.verify_e2e_vs_p256_verify(), a.sign_vs_p256_verify());
                let value = |r: Option<f64>| r.map_or(serde_json::Value::Null, |r| round(r, 4));
                ratios.insert("sm2_verify_e2e_vs_p256_verify".into(), value(e2e));
                ratios.insert("sm2_sign_vs_p256_verify".into(), value(sign));
            }
        }
        let worst = |f: fn(&AlgorithmSpeed) -> f64, max: bool| {
            let it = self.algorithms.iter().map(f);
            let v = if max {
                it.fold(f64::NEG_INFINITY, f64::max)
            } else {
                it.fold(f64::INFINITY, f64::min)
            };
            round(v, 4)
        };
        ratios.insert(
            "verify_vs_ring".into(),
            worst(AlgorithmSpeed::verify_vs_ring, false),
        );
        ratios.insert(
            "issue_vs_ring".into(),
            worst(AlgorithmSpeed::issue_vs_ring, false),
        );
        ratios.insert(
            "batch_2t_vs_1t".into(),
            worst(AlgorithmSpeed::batch_2t_vs_1t, false),
        );
        ratios.insert(
            "non_signature_us".into(),
            worst(AlgorithmSpeed::non_signature_us, true),
        );
        serde_json::json!({
            "seconds_per_row": self.seconds,
            "available_threads": self.available_threads,
            "single_thread_timer": if self.thread_cpu_time { "thread_cpu" } else { "wall" },
            "ops_per_sec": ops,
            "ratios": ratios,
        })
    }
}

/// JSON has no NaN or infinity: those become `null`.
fn round(v: f64, digits: i32) -> serde_json::Value {
    if v.is_finite() {
        let p = 10f64.powi(digits);
        serde_json::json!((v * p).round() / p)
    } else {
        serde_json::Value::Null
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// The `openssl speed`-style table.
impl fmt::Display for SpeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "certseal speed: {:.2} s per row, {} threads available, fixed inputs from the sample records",
            self.seconds, self.available_threads
        )?;
        writeln!(
            f,
            "single-thread rows timed by {}; batch rows by the wall clock",
            if self.thread_cpu_time {
                "the thread's CPU time"
            } else {
                "the wall clock"
            }
        )?;
        writeln!(
            f,
            "{:<8} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
            "", "sign/s", "verify/s", "e2e verify/s", "issue/s", "batch 1t/s", "batch 2t/s"
        )?;
        for a in &self.algorithms {
            writeln!(
                f,
                "{:<8} {:>12.1} {:>12.1} {:>12.1} {:>12.1} {:>12.1} {:>12.1}",
                a.alg.name(),
                a.sign,
                a.verify,
                a.verify_e2e,
                a.issue,
                a.batch_1t,
                a.batch_2t
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<8} {:>14} {:>14} {:>14} {:>16}",
            "", "verify_vs_ring", "issue_vs_ring", "batch_2t_vs_1t", "non-sig µs/verify"
        )?;
        for a in &self.algorithms {
            writeln!(
                f,
                "{:<8} {:>14.3} {:>14.3} {:>14.3} {:>16.3}",
                a.alg.name(),
                a.verify_vs_ring(),
                a.issue_vs_ring(),
                a.batch_2t_vs_1t(),
                a.non_signature_us()
            )?;
        }
        let baselined: Vec<&AlgorithmSpeed> = self
            .algorithms
            .iter()
            .filter(|a| a.p256_verify.is_some())
            .collect();
        if !baselined.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "cost ÷ bare ring P-256 verify measured beside it (lower is better)"
            )?;
            writeln!(
                f,
                "{:<8} {:>14} {:>14} {:>14} {:>16}",
                "", "P-256 verify/s", "sign", "verify", "e2e verify"
            )?;
            for a in baselined {
                writeln!(
                    f,
                    "{:<8} {:>14.1} {:>14.3} {:>14.3} {:>16.3}",
                    a.alg.name(),
                    a.p256_verify.unwrap_or(f64::NAN),
                    a.sign_vs_p256_verify().unwrap_or(f64::NAN),
                    a.verify_vs_p256_verify().unwrap_or(f64::NAN),
                    a.verify_e2e_vs_p256_verify().unwrap_or(f64::NAN),
                )?;
            }
        }
        writeln!(f)?;
        write!(
            f,
            "goals: verify_vs_ring >= 0.95, issue_vs_ring >= 0.90, batch_2t_vs_1t >= 1.85, \
             non-signature work <= 2 µs per verification"
        )?;
        if cfg!(feature = "sm2") {
            write!(
                f,
                "; SM2: e2e verify <= 1.9 and sign <= 1.5 bare P-256 verifies"
            )?;
        }
        Ok(())
    }
}

/// Runs every row for every algorithm in `opts` and reports operations per second.
pub fn run(opts: &SpeedOptions) -> Result<SpeedReport, crate::Error> {
    let seconds = if opts.seconds.is_finite() && opts.seconds > 0.0 {
        opts.seconds
    } else {
        SpeedOptions::default().seconds
    };
    let certs: Vec<Certificate> = parse_json(SAMPLES)?
        .accepted
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let timer = if opts.thread_cpu_time && thread_cpu_ns().is_some() {
        Timer::ThreadCpu
    } else {
        Timer::Wall
    };
    let mut algorithms = Vec::with_capacity(opts.algorithms.len());
    for &alg in &opts.algorithms {
        algorithms.push(run_algorithm(alg, &certs, seconds, opts.max_batch, timer)?);
    }
    Ok(SpeedReport {
        seconds,
        available_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        thread_cpu_time: timer == Timer::ThreadCpu,
        algorithms,
    })
}

/// A bare key pair, outside certseal's `Signer` wrapper (`ring`; for SM2 certseal's own
/// signer and verifying key, which are the bare implementation).
enum BareKey {
    Es256(EcdsaKeyPair, SystemRandom),
    Ed25519(Ed25519KeyPair),
    #[cfg(feature = "sm2")]
    Sm2(
        Box<crypto::sm2::Sm2Signer>,
        Box<crypto::sm2::Sm2VerifyingKey>,
    ),
}

impl BareKey {
    fn from_pkcs8(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, crate::Error> {
        let bad = |_| crate::crypto::CryptoError::BadPrivateKey("speed: generated key unusable");
        let rng = SystemRandom::new();
        Ok(match alg {
            Algorithm::Es256 => BareKey::Es256(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
                    .map_err(bad)?,
                rng,
            ),
            Algorithm::EdDsa => {
                BareKey::Ed25519(Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(bad)?)
            }
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => {
                let signer = crypto::sm2::Sm2Signer::from_pkcs8(pkcs8)?;
                let public = signer.verifying_key()?;
                BareKey::Sm2(Box::new(signer), Box::new(public))
            }
        })
    }

    /// One signature; true when it was made.
    #[inline]
    fn sign(&self, msg: &[u8]) -> bool {
        match self {
            BareKey::Es256(k, rng) => k.sign(rng, msg).map(black_box).is_ok(),
            BareKey::Ed25519(k) => {
                black_box(k.sign(msg));
                true
            }
            #[cfg(feature = "sm2")]
            BareKey::Sm2(k, _) => k.sign_raw(msg).map(black_box).is_ok(),
        }
    }

    /// One verification; true when the signature verified.
    #[inline]
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let (alg, public): (&dyn signature::VerificationAlgorithm, &[u8]) = match self {
            BareKey::Es256(k, _) => (&signature::ECDSA_P256_SHA256_FIXED, k.public_key().as_ref()),
            BareKey::Ed25519(k) => (&signature::ED25519, k.public_key().as_ref()),
            #[cfg(feature = "sm2")]
            BareKey::Sm2(_, public) => return public.verify(msg, sig).is_ok(),
        };
        signature::UnparsedPublicKey::new(alg, public)
            .verify(msg, sig)
            .is_ok()
    }
}

fn run_algorithm(
    alg: Algorithm,
    certs: &[Certificate],
    seconds: f64,
    max_batch: usize,
    timer: Timer,
) -> Result<AlgorithmSpeed, crate::Error> {
    // Keys in memory: a root, one document signer under it, the signer's bare ring twin.
    let (root_key, _) = crypto::generate_signer(alg)?;
    let root = RootCert::issue(
        root_key.as_ref(),
        &RootParams {
            common_name: "certseal speed root".into(),
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: Some("12100000400010398P".into()),
            serial: 1,
            not_before: NOW - DAY,
            not_after: NOW + 3650 * DAY,
        },
    )?;
    let (signer_key, signer_pkcs8) = crypto::generate_signer(alg)?;
    let signer_cert = root.issue_signer(
        root_key.as_ref(),
        &signer_key.public_key_spki(),
        &SignerParams {
            common_name: "certseal speed signer".into(),
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            serial: 2,
            not_before: NOW - DAY,
            not_after: NOW + 365 * DAY,
        },
    )?;
    let bare = BareKey::from_pkcs8(alg, &signer_pkcs8)?;
    let store = TrustStore::from_signer_certs(&root, std::slice::from_ref(&signer_cert))?;
    let issuer = Issuer::new(signer_key.as_ref(), &signer_cert)?;
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));

    // Fixed inputs: every sample issued once.
    let issued = certs
        .iter()
        .map(|c| issuer.issue(c, None, NOW).map(|i| i.qr))
        .collect::<Result<Vec<_>, _>>()?;
    let first = issued.first().ok_or_else(|| TrustError::BadParameter {
        field: "speed",
        reason: "no sample records".into(),
    })?;
    // The first payload's real Sig_structure and signature for the bare rows.
    let body = payload::strip_prefix(first)?;
    let cose = base45::decode(body)?;
    let msg = Sign1::parse(&cose, Mode::Strict, &Limits::DEFAULT)?;
    let mut tbs = Vec::new();
    msg.sig_structure(&[], &mut tbs);
    let sig = msg.signature.to_vec();
    if !bare.verify(&tbs, &sig) || !verifier.verify_at(first, NOW).is_valid() {
        return Err(crate::crypto::CryptoError::BadSignature.into());
    }
    // SM2's goals are stated against a bare ring P-256 verification: measure one beside it.
    let baseline: Option<(Vec<u8>, Vec<u8>)> = match alg {
        Algorithm::Es256 | Algorithm::EdDsa => None,
        #[cfg(feature = "sm2")]
        Algorithm::Sm2 => {
            let (p256, _) = crypto::RingSigner::generate(Algorithm::Es256)?;
            let p256_sig = crypto::Signer::sign(&p256, &tbs)?;
            let public = p256.public_key_raw().to_vec();
            if signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &public)
                .verify(&tbs, &p256_sig)
                .is_err()
            {
                return Err(crate::crypto::CryptoError::BadSignature.into());
            }
            Some((public, p256_sig))
        }
    };

    // The rows take turns in slices of about 50 ms and each keeps its best slice, so load
    // from elsewhere on the machine skews the rows of a ratio alike instead of one of them.
    let rounds = ((seconds / SLICE_SECS).round() as usize).clamp(1, MAX_ROUNDS);
    let slice = seconds / rounds as f64;
    let mut i = 0usize;
    let mut sign_row = || {
        black_box(bare.sign(black_box(&tbs)));
    };
    let mut verify_row = || {
        black_box(bare.verify(black_box(&tbs), black_box(&sig)));
    };
    let mut e2e_row = || {
        black_box(verifier.verify_at(black_box(first), NOW).is_valid());
    };
    let mut issue_row = || {
        let cert = certs.get(i % certs.len().max(1));
        i = i.wrapping_add(1);
        if let Some(cert) = cert {
            black_box(issuer.issue(cert, None, NOW).is_ok());
        }
    };
    let mut p256_row = || {
        if let Some((public, p256_sig)) = &baseline {
            let key =
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public);
            black_box(key.verify(black_box(&tbs), black_box(p256_sig)).is_ok());
        }
    };
    let mut rows: Vec<&mut dyn FnMut()> =
        vec![&mut sign_row, &mut verify_row, &mut e2e_row, &mut issue_row];
    if baseline.is_some() {
        rows.push(&mut p256_row);
    }
    let mut best = [0f64; 5];
    // The order rotates every round, so no row always follows the same one.
    for round in 0..rounds {
        for k in 0..rows.len() {
            let j = (k + round) % rows.len();
            if let (Some(row), Some(b)) = (rows.get_mut(j), best.get_mut(j)) {
                *b = b.max(measure(slice, timer, &mut **row));
            }
        }
    }
    let [sign, verify, verify_e2e, issue, p256] = best;
    let p256_verify = baseline.as_ref().map(|_| p256);

    // A batch call takes about half a slice on one thread, at most `max_batch` strings.
    let wanted = (verify_e2e * slice / 2.0).clamp(0.0, 1e9) as usize;
    let batch_size = wanted.clamp(MIN_BATCH, max_batch.max(MIN_BATCH));
    let texts: Vec<&str> = issued
        .iter()
        .map(String::as_str)
        .cycle()
        .take(batch_size)
        .collect();
    let pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| TrustError::BadParameter {
                field: "speed",
                reason: format!("thread pool: {e}"),
            })
    };
    let pools = [pool(1)?, pool(2)?];
    let mut best = [0f64; 2];
    for _ in 0..rounds {
        for (b, pool) in best.iter_mut().zip(&pools) {
            let calls = pool.install(|| {
                measure(slice, Timer::Wall, || {
                    black_box(verifier.verify_batch(black_box(&texts)));
                })
            });
            *b = b.max(calls * texts.len() as f64);
        }
    }
    let [batch_1t, batch_2t] = best;

    Ok(AlgorithmSpeed {
        alg,
        sign,
        verify,
        verify_e2e,
        issue,
        batch_1t,
        batch_2t,
        batch_size,
        message_len: tbs.len(),
        payload_len: first.len(),
        p256_verify,
    })
}

/// How a row's elapsed time is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// The wall clock.
    Wall,
    /// The calling thread's CPU time.
    ThreadCpu,
}

/// Nanoseconds the calling thread has run on a CPU (Linux; first field of
/// `/proc/thread-self/schedstat`), or `None` where that is not available.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Calls `f` for a warm-up (a tenth of `seconds`, at least once), then repeatedly for
/// `seconds` of wall time (at least once), and returns calls per second of `timer` time.
/// Reading the clock costs tens of nanoseconds, next to the ≥ 10 µs of the cheapest row.
fn measure(seconds: f64, timer: Timer, mut f: impl FnMut()) -> f64 {
    let budget = Duration::from_secs_f64(seconds);
    let warm = budget / 10;
    let start = Instant::now();
    loop {
        f();
        if start.elapsed() >= warm {
            break;
        }
    }
    let mut calls: u64 = 0;
    let cpu_start = match timer {
        Timer::ThreadCpu => thread_cpu_ns(),
        Timer::Wall => None,
    };
    let start = Instant::now();
    loop {
        f();
        calls = calls.saturating_add(1);
        let elapsed = start.elapsed();
        if elapsed >= budget {
            let cpu = cpu_start
                .and_then(|c0| thread_cpu_ns()?.checked_sub(c0))
                .filter(|&ns| ns > 0);
            let secs = cpu.map_or(elapsed.as_secs_f64(), |ns| ns as f64 / 1e9);
            return calls as f64 / secs;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_report_has_the_ratio_keys_for_every_algorithm() {
        let report = run(&SpeedOptions {
            seconds: 0.01,
            algorithms: Algorithm::ALL.to_vec(),
            max_batch: 64,
            thread_cpu_time: true,
        })
        .expect("speed runs");
        let json = report.to_json();
        for key in ["verify_vs_ring", "issue_vs_ring", "batch_2t_vs_1t"] {
            assert!(json["ratios"][key].is_number(), "{key}: {json}");
            assert!(json["ratios"]["ES256"][key].is_number(), "{key}: {json}");
            assert!(json["ratios"]["EdDSA"][key].is_number(), "{key}: {json}");
        }
        #[cfg(feature = "sm2")]
        for key in ["sm2_verify_e2e_vs_p256_verify", "sm2_sign_vs_p256_verify"] {
            assert!(json["ratios"][key].is_number(), "{key}: {json}");
            assert!(
                json["ops_per_sec"]["SM2"]["p256_verify"].is_number(),
                "{json}"
            );
        }
        assert!(!report.to_string().is_empty());
    }
}
