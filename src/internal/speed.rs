//! `certseal speed`: bare signatures beside the full issue and verify pipelines, in one run, on
//! fixed inputs, like `openssl speed`.
//!
//! This module owns the measuring: keys generated in memory (no files), the shipped sample
//! records as inputs, a warm-up before every slice, then plain [`Instant`] loops. Rows take
//! turns in slices of about 50 ms, so load from elsewhere on the machine skews the rows of a
//! ratio alike; each row reports its best slice and, beside it, the median of its slices. It
//! prints nothing; [`SpeedReport`] renders itself as a table or as JSON. No timing is asserted
//! anywhere: the numbers are for reading.
//!
//! Rows, per algorithm:
//!
//! - `sign`: bare signature over a message the size of a QR payload's Sig_structure (`ring`
//!   for ES256 and Ed25519; for SM2, feature `sm2`, certseal's own `Sm2Signer`, which is the
//!   bare implementation: ring has no SM2);
//! - `verify`: bare check of that payload's real signature over its real Sig_structure
//!   (`ring`; for SM2 `Sm2VerifyingKey::verify`: range checks, SM3 with the key's cached Z,
//!   the comb tables of `crypto::sm2`);
//! - `verify_e2e`: [`Verifier::verify_at`] on the QR text (every step of `verify`), one
//!   thread;
//! - `verify_e2e_status`: the same payload through a verifier holding a status snapshot of
//!   [`STATUS_SIZE`] indices (1 % revoked, 3 % superseded, fixed seed; `specs/status.md`),
//!   so the status step looks the payload's index up; one thread;
//! - `issue`: [`Issuer::issue`] (record → signed document + signed QR payload: two
//!   signatures), one thread;
//! - `batch_1t`, `batch_2t`: [`Verifier::verify_batch`] in a rayon pool of 1 and 2 threads;
//! - `bulk`: [`Verifier::verify_many_cofactored_at`] on one thread, over a set of `max_batch`
//!   (10,000 by default) distinct payloads issued in turn by several signers — 2 for ES256 and
//!   SM2, 1,000 for Ed25519 (the worst case of its batch equation; fewer when the set is
//!   smaller) —, one chunk of [`crate::verify::BATCH_SIZE`] payloads per call, cycling through
//!   the set; it takes turns with the single-thread rows (`specs/batch-verify.md` §3);
//! - for SM2 also `p256_verify`: a bare `ring` P-256 verification over the same message, taking
//!   turns with the SM2 rows, the baseline of the SM2 goals (for ES256 the `verify` row is that
//!   baseline);
//! - with `--stream N` only, the streaming verifier (input file → report file, each report
//!   form) beside the in-process bulk verifier on the same threads: [`stream`].
//!
//! Every ratio's name says what it divides by what ([`RATIOS`]): `e2e_vs_bare_same_alg` is
//! end-to-end ÷ bare verification of the *same* algorithm (so for SM2 its denominator is
//! certseal's SM2, not ring), `e2e_verify_cost_vs_ring_p256_verify` is a cost against ring's
//! P-256, and so on; the JSON carries the definitions.

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
/// Status indices in the snapshot the `verify_e2e_status` row checks against: 10 million.
pub const STATUS_SIZE: u64 = 10_000_000;
/// The status index of every payload the rows verify: a valid index of that snapshot.
const STATUS_INDEX_BASE: u64 = 5_000_000;
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

/// Operations per second of every row, for one algorithm: the best slice of the rounds, or
/// their median (see [`AlgorithmSpeed`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    /// Bare signatures per second (`ring`; SM2: certseal's `Sm2Signer`).
    pub sign: f64,
    /// Bare verifications per second (`ring`; SM2: certseal's `Sm2VerifyingKey`).
    pub verify: f64,
    /// End-to-end verifications (text → verdict) per second, one thread.
    pub verify_e2e: f64,
    /// End-to-end verifications with the status step checking a loaded snapshot, one thread.
    pub verify_e2e_status: f64,
    /// Issues (record → document + QR string) per second, one thread.
    pub issue: f64,
    /// Batch verifications per second on a 1-thread pool.
    pub batch_1t: f64,
    /// Batch verifications per second on a 2-thread pool.
    pub batch_2t: f64,
    /// Bulk verifications (`verify_many_cofactored`, one thread) per second.
    pub bulk: f64,
    /// Bare `ring` P-256 verifications per second over the same message, measured in turns
    /// with this algorithm's rows (SM2 only: the baseline of its goals).
    pub p256_verify: Option<f64>,
}

/// One ratio `certseal speed` reports: its key, which names the numerator and the
/// denominator, and their definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatioDef {
    /// The JSON key.
    pub key: &'static str,
    /// What is divided.
    pub numerator: &'static str,
    /// What it is divided by; `None` for a difference (`non_signature_us_per_verify`).
    pub denominator: Option<&'static str>,
    /// `higher` or `lower` is better.
    pub better: &'static str,
    /// The project's goal, when there is one.
    pub goal: Option<&'static str>,
}

/// Every ratio, in the order the table prints them. Rates are operations per second; a
/// `cost` is its inverse (seconds per operation), so `X_cost_vs_Y` is `rate(Y) ÷ rate(X)`.
pub const RATIOS: &[RatioDef] = &[
    RatioDef {
        key: "e2e_vs_bare_same_alg",
        numerator: "end-to-end verifications/s (QR text → verdict, one thread)",
        denominator: Some(
            "bare verifications/s of the same algorithm over the same Sig_structure \
                      (ES256, EdDSA: ring; SM2: certseal's Sm2VerifyingKey, ring has no SM2)",
        ),
        better: "higher",
        goal: Some(">= 0.95 for the algorithms ring verifies"),
    },
    RatioDef {
        key: "e2e_status_vs_bare_same_alg",
        numerator: "end-to-end verifications/s with the status step over a loaded \
                    10-million-index snapshot (one thread)",
        denominator: Some("bare verifications/s of the same algorithm over the same Sig_structure"),
        better: "higher",
        goal: Some(">= 0.94 for the algorithms ring verifies"),
    },
    RatioDef {
        key: "e2e_status_vs_e2e",
        numerator: "end-to-end verifications/s with the status step over the snapshot",
        denominator: Some("end-to-end verifications/s without a status list"),
        better: "higher",
        goal: None,
    },
    RatioDef {
        key: "issue_vs_half_bare_sign_same_alg",
        numerator: "issues/s (record → signed document + signed QR payload: two signatures)",
        denominator: Some("bare signatures/s of the same algorithm ÷ 2"),
        better: "higher",
        goal: Some(">= 0.90"),
    },
    RatioDef {
        key: "batch_2t_vs_batch_1t",
        numerator: "verify_batch verifications/s on a 2-thread pool",
        denominator: Some("verify_batch verifications/s on a 1-thread pool"),
        better: "higher",
        goal: Some(">= 1.85"),
    },
    RatioDef {
        key: "bulk_vs_bare_same_alg",
        numerator: "bulk verifications/s (verify_many_cofactored, one thread, QR text → \
                    verdict)",
        denominator: Some(
            "bare verifications/s of the same algorithm (ES256, EdDSA: ring; SM2: certseal's \
             Sm2VerifyingKey)",
        ),
        better: "higher",
        goal: Some(">= 2 for EdDSA with 1,000 signers"),
    },
    RatioDef {
        key: "bulk_vs_ring_p256_verify",
        numerator: "bulk verifications/s (verify_many_cofactored, one thread, QR text → \
                    verdict)",
        denominator: Some(
            "bare ring ECDSA P-256 verifications/s (ES256: the verify row; SM2: measured beside it)",
        ),
        better: "higher",
        goal: Some(">= 1.0 for SM2, >= 1.25 for ES256 (2 signers)"),
    },
    RatioDef {
        key: "non_signature_us_per_verify",
        numerator: "µs per end-to-end verification minus µs per bare verification of the \
                    same algorithm (a difference, not a ratio)",
        denominator: None,
        better: "lower",
        goal: Some("<= 2"),
    },
    RatioDef {
        key: "e2e_verify_cost_vs_ring_p256_verify",
        numerator: "cost of one end-to-end verification of this algorithm",
        denominator: Some("cost of one bare ring ECDSA P-256 verification, measured beside it"),
        better: "lower",
        goal: Some("<= 1.9 for SM2"),
    },
    RatioDef {
        key: "bare_verify_cost_vs_ring_p256_verify",
        numerator: "cost of one bare verification of this algorithm",
        denominator: Some("cost of one bare ring ECDSA P-256 verification, measured beside it"),
        better: "lower",
        goal: None,
    },
    RatioDef {
        key: "sign_cost_vs_ring_p256_verify",
        numerator: "cost of one bare signature of this algorithm",
        denominator: Some("cost of one bare ring ECDSA P-256 verification, measured beside it"),
        better: "lower",
        goal: Some("<= 1.5 for SM2"),
    },
];

impl Rates {
    /// End-to-end verify ÷ bare verify of the same algorithm (goal ≥ 0.95).
    pub fn e2e_vs_bare_same_alg(&self) -> f64 {
        ratio(self.verify_e2e, self.verify)
    }

    /// End-to-end verify with the status step ÷ bare verify of the same algorithm (goal ≥ 0.94).
    pub fn e2e_status_vs_bare_same_alg(&self) -> f64 {
        ratio(self.verify_e2e_status, self.verify)
    }

    /// End-to-end verify with the status step ÷ without it.
    pub fn e2e_status_vs_e2e(&self) -> f64 {
        ratio(self.verify_e2e_status, self.verify_e2e)
    }

    /// Issue ÷ (bare sign ÷ 2): the issue pipeline makes two signatures (goal ≥ 0.90).
    pub fn issue_vs_half_bare_sign_same_alg(&self) -> f64 {
        ratio(self.issue, self.sign / 2.0)
    }

    /// Batch on 2 threads ÷ batch on 1 thread (goal ≥ 1.85).
    pub fn batch_2t_vs_batch_1t(&self) -> f64 {
        ratio(self.batch_2t, self.batch_1t)
    }

    /// Bulk ÷ bare verification of the same algorithm (EdDSA goal ≥ 2 with 1,000 signers).
    pub fn bulk_vs_bare_same_alg(&self) -> f64 {
        ratio(self.bulk, self.verify)
    }

    /// Bulk ÷ bare `ring` P-256 verification (SM2 goal ≥ 1.0, ES256 goal ≥ 1.25); `None`
    /// without a P-256 baseline (EdDSA).
    pub fn bulk_vs_ring_p256_verify(&self, alg: Algorithm) -> Option<f64> {
        match (alg, self.p256_verify) {
            (_, Some(p)) => Some(ratio(self.bulk, p)),
            (Algorithm::Es256, None) => Some(ratio(self.bulk, self.verify)),
            _ => None,
        }
    }

    /// Microseconds per verification spent outside the signature check:
    /// 1/e2e − 1/bare (goal ≤ 2 µs).
    pub fn non_signature_us_per_verify(&self) -> f64 {
        if self.verify_e2e > 0.0 && self.verify > 0.0 {
            (1.0 / self.verify_e2e - 1.0 / self.verify) * 1e6
        } else {
            f64::NAN
        }
    }

    /// Cost of one end-to-end verification ÷ cost of one bare `ring` P-256 verification
    /// measured beside it (SM2 goal ≤ 1.9); `None` without the baseline row.
    pub fn e2e_verify_cost_vs_ring_p256_verify(&self) -> Option<f64> {
        self.p256_verify.map(|p| ratio(p, self.verify_e2e))
    }

    /// Cost of one bare verification ÷ cost of one bare `ring` P-256 verification.
    pub fn bare_verify_cost_vs_ring_p256_verify(&self) -> Option<f64> {
        self.p256_verify.map(|p| ratio(p, self.verify))
    }

    /// Cost of one signature ÷ cost of one bare `ring` P-256 verification (SM2 goal ≤ 1.5).
    pub fn sign_cost_vs_ring_p256_verify(&self) -> Option<f64> {
        self.p256_verify.map(|p| ratio(p, self.sign))
    }

    /// The ratio named `key` (a key of [`RATIOS`]), when it is defined for these rows of
    /// algorithm `alg`.
    pub fn ratio(&self, alg: Algorithm, key: &str) -> Option<f64> {
        match key {
            "bulk_vs_bare_same_alg" => Some(self.bulk_vs_bare_same_alg()),
            "bulk_vs_ring_p256_verify" => self.bulk_vs_ring_p256_verify(alg),
            "e2e_vs_bare_same_alg" => Some(self.e2e_vs_bare_same_alg()),
            "e2e_status_vs_bare_same_alg" => Some(self.e2e_status_vs_bare_same_alg()),
            "e2e_status_vs_e2e" => Some(self.e2e_status_vs_e2e()),
            "issue_vs_half_bare_sign_same_alg" => Some(self.issue_vs_half_bare_sign_same_alg()),
            "batch_2t_vs_batch_1t" => Some(self.batch_2t_vs_batch_1t()),
            "non_signature_us_per_verify" => Some(self.non_signature_us_per_verify()),
            "e2e_verify_cost_vs_ring_p256_verify" => self.e2e_verify_cost_vs_ring_p256_verify(),
            "bare_verify_cost_vs_ring_p256_verify" => self.bare_verify_cost_vs_ring_p256_verify(),
            "sign_cost_vs_ring_p256_verify" => self.sign_cost_vs_ring_p256_verify(),
            _ => None,
        }
    }

    fn ops_json(&self) -> serde_json::Value {
        serde_json::json!({
            "sign": round(self.sign, 1),
            "verify": round(self.verify, 1),
            "verify_e2e": round(self.verify_e2e, 1),
            "verify_e2e_status": round(self.verify_e2e_status, 1),
            "issue": round(self.issue, 1),
            "batch_1t": round(self.batch_1t, 1),
            "batch_2t": round(self.batch_2t, 1),
            "bulk": round(self.bulk, 1),
            "p256_verify": self.p256_verify.map_or(serde_json::Value::Null, |p| round(p, 1)),
        })
    }

    fn ratios_json(&self, alg: Algorithm) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for def in RATIOS {
            if let Some(v) = self.ratio(alg, def.key) {
                m.insert(def.key.into(), round(v, 4));
            }
        }
        serde_json::Value::Object(m)
    }
}

/// The rows of one algorithm: the best slice of the rounds and the median slice, beside each
/// other (the best is what the machine can do; the median shows how steady it was).
#[derive(Debug, Clone, PartialEq)]
pub struct AlgorithmSpeed {
    /// The algorithm.
    pub alg: Algorithm,
    /// Whose bare sign and verify the `sign` and `verify` rows time: `ring`, or `certseal`
    /// for SM2 (ring has no SM2).
    pub bare: &'static str,
    /// The best slice of each row.
    pub best: Rates,
    /// The median slice of each row.
    pub median: Rates,
    /// Slices (rounds) per row.
    pub rounds: usize,
    /// Strings per batch call.
    pub batch_size: usize,
    /// Distinct payloads the `bulk` row cycles through.
    pub bulk_payloads: usize,
    /// Signers those payloads were issued by, in turn.
    pub bulk_signers: usize,
    /// Bytes in the Sig_structure the bare rows sign and verify.
    pub message_len: usize,
    /// Characters in the QR text the end-to-end row verifies.
    pub payload_len: usize,
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
    /// One JSON object: `ops_per_sec` and `ops_per_sec_median` per algorithm name; `ratios`
    /// and `ratios_median` per algorithm name, each key naming its numerator and denominator
    /// (defined in `definitions`), and at the top level the worst value over the algorithms
    /// (`e2e_vs_bare_same_alg`, `e2e_vs_ring_same_alg` — over the algorithms ring verifies —,
    /// `issue_vs_half_bare_sign_same_alg`, `batch_2t_vs_batch_1t`: minimum;
    /// `non_signature_us_per_verify`: maximum) and the SM2 goals
    /// (`sm2_e2e_verify_cost_vs_ring_p256_verify`, `sm2_sign_cost_vs_ring_p256_verify`).
    pub fn to_json(&self) -> serde_json::Value {
        let by_alg = |f: &dyn Fn(&AlgorithmSpeed) -> serde_json::Value| {
            let mut m = serde_json::Map::new();
            for a in &self.algorithms {
                m.insert(a.alg.name().to_string(), f(a));
            }
            m
        };
        let mut ops = by_alg(&|a| {
            let mut v = a.best.ops_json();
            v["bare"] = a.bare.into();
            v["batch_size"] = a.batch_size.into();
            v["bulk_payloads"] = a.bulk_payloads.into();
            v["bulk_signers"] = a.bulk_signers.into();
            v["message_len"] = a.message_len.into();
            v["payload_len"] = a.payload_len.into();
            v
        });
        let ops_median = by_alg(&|a| a.median.ops_json());
        let mut ratios = by_alg(&|a| a.best.ratios_json(a.alg));
        let mut ratios_median = by_alg(&|a| a.median.ratios_json(a.alg));
        for (map, pick) in [
            (
                &mut ratios,
                (|a: &AlgorithmSpeed| a.best) as fn(&AlgorithmSpeed) -> Rates,
            ),
            (&mut ratios_median, |a: &AlgorithmSpeed| a.median),
        ] {
            for (k, v) in self.worst(pick) {
                map.insert(k.into(), v);
            }
        }
        let mut definitions = serde_json::Map::new();
        for d in RATIOS {
            definitions.insert(
                d.key.into(),
                serde_json::json!({
                    "numerator": d.numerator,
                    "denominator": d.denominator,
                    "better": d.better,
                    "goal": d.goal,
                }),
            );
        }
        definitions.insert(
            "e2e_vs_ring_same_alg".into(),
            serde_json::json!({
                "numerator": "end-to-end verifications/s (QR text → verdict, one thread)",
                "denominator": "bare ring verifications/s of the same algorithm (ES256, EdDSA)",
                "better": "higher",
                "goal": ">= 0.95",
            }),
        );
        ops.insert("unit".into(), "operations per second, best slice".into());
        serde_json::json!({
            "seconds_per_row": self.seconds,
            "rounds": self.algorithms.first().map_or(0, |a| a.rounds),
            "available_threads": self.available_threads,
            "single_thread_timer": if self.thread_cpu_time { "thread_cpu" } else { "wall" },
            "ops_per_sec": ops,
            "ops_per_sec_median": ops_median,
            "ratios": ratios,
            "ratios_median": ratios_median,
            "definitions": definitions,
        })
    }

    /// The worst value of each ratio over the algorithms, for the rates `pick` chooses.
    fn worst(&self, pick: fn(&AlgorithmSpeed) -> Rates) -> Vec<(&'static str, serde_json::Value)> {
        let fold = |values: Vec<f64>, max: bool| {
            let v = if max {
                values.into_iter().fold(f64::NEG_INFINITY, f64::max)
            } else {
                values.into_iter().fold(f64::INFINITY, f64::min)
            };
            round(v, 4)
        };
        let all = |f: fn(&Rates) -> f64| -> Vec<f64> {
            self.algorithms.iter().map(|a| f(&pick(a))).collect()
        };
        let ring: Vec<f64> = self
            .algorithms
            .iter()
            .filter(|a| a.bare == "ring")
            .map(|a| pick(a).e2e_vs_bare_same_alg())
            .collect();
        let mut out = vec![
            (
                "e2e_vs_bare_same_alg",
                fold(all(Rates::e2e_vs_bare_same_alg), false),
            ),
            ("e2e_vs_ring_same_alg", fold(ring, false)),
            (
                "e2e_status_vs_bare_same_alg",
                fold(all(Rates::e2e_status_vs_bare_same_alg), false),
            ),
            (
                "issue_vs_half_bare_sign_same_alg",
                fold(all(Rates::issue_vs_half_bare_sign_same_alg), false),
            ),
            (
                "batch_2t_vs_batch_1t",
                fold(all(Rates::batch_2t_vs_batch_1t), false),
            ),
            (
                "non_signature_us_per_verify",
                fold(all(Rates::non_signature_us_per_verify), true),
            ),
        ];
        let value = |v: Option<f64>| v.map_or(serde_json::Value::Null, |v| round(v, 4));
        for a in &self.algorithms {
            let r = pick(a);
            match a.alg {
                Algorithm::Es256 => out.push((
                    "es256_bulk_vs_ring_p256_verify",
                    value(r.bulk_vs_ring_p256_verify(a.alg)),
                )),
                Algorithm::EdDsa => out.push((
                    "eddsa_bulk_vs_bare_same_alg",
                    value(Some(r.bulk_vs_bare_same_alg())),
                )),
                #[cfg(feature = "sm2")]
                Algorithm::Sm2 => out.push((
                    "sm2_bulk_vs_ring_p256_verify",
                    value(r.bulk_vs_ring_p256_verify(a.alg)),
                )),
                // The verify-only interop algorithms have no speed rows.
                _ => {}
            }
        }
        #[cfg(feature = "sm2")]
        if let Some(a) = self.algorithms.iter().find(|a| a.alg == Algorithm::Sm2) {
            let r = pick(a);
            out.push((
                "sm2_e2e_verify_cost_vs_ring_p256_verify",
                value(r.e2e_verify_cost_vs_ring_p256_verify()),
            ));
            out.push((
                "sm2_sign_cost_vs_ring_p256_verify",
                value(r.sign_cost_vs_ring_p256_verify()),
            ));
        }
        out
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

/// The `openssl speed`-style table: operations per second (best slice, median in
/// brackets), then every ratio by name, then what each ratio divides.
impl fmt::Display for SpeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounds = self.algorithms.first().map_or(0, |a| a.rounds);
        writeln!(
            f,
            "certseal speed: {:.2} s per row in {rounds} slices, {} threads available, fixed inputs \
             from the sample records",
            self.seconds, self.available_threads
        )?;
        writeln!(
            f,
            "single-thread rows timed by {}; batch rows by the wall clock; best slice (median)",
            if self.thread_cpu_time {
                "the thread's CPU time"
            } else {
                "the wall clock"
            }
        )?;
        let cell = |best: f64, median: f64| format!("{best:.1} ({median:.1})");
        writeln!(
            f,
            "{:<8} {:>6} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20}",
            "",
            "bare",
            "sign/s",
            "verify/s",
            "e2e verify/s",
            "e2e+status/s",
            "issue/s",
            "batch 1t/s",
            "batch 2t/s",
            "bulk 1t/s",
            "ring P-256 verify/s"
        )?;
        for a in &self.algorithms {
            let (b, m) = (&a.best, &a.median);
            writeln!(
                f,
                "{:<8} {:>6} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20} {:>20}",
                a.alg.name(),
                a.bare,
                cell(b.sign, m.sign),
                cell(b.verify, m.verify),
                cell(b.verify_e2e, m.verify_e2e),
                cell(b.verify_e2e_status, m.verify_e2e_status),
                cell(b.issue, m.issue),
                cell(b.batch_1t, m.batch_1t),
                cell(b.batch_2t, m.batch_2t),
                cell(b.bulk, m.bulk),
                match (b.p256_verify, m.p256_verify) {
                    (Some(b), Some(m)) => cell(b, m),
                    _ => "-".into(),
                }
            )?;
        }
        writeln!(f)?;
        write!(f, "{:<38}", "ratio, best slices (median slices)")?;
        for a in &self.algorithms {
            write!(f, " {:>18}", a.alg.name())?;
        }
        writeln!(f)?;
        // The ratios some algorithm of this run has.
        let shown: Vec<&RatioDef> = RATIOS
            .iter()
            .filter(|d| {
                self.algorithms
                    .iter()
                    .any(|a| a.best.ratio(a.alg, d.key).is_some())
            })
            .collect();
        for def in &shown {
            write!(f, "{:<38}", def.key)?;
            for a in &self.algorithms {
                match (a.best.ratio(a.alg, def.key), a.median.ratio(a.alg, def.key)) {
                    (Some(b), Some(m)) => write!(f, " {:>18}", format!("{b:.3} ({m:.3})"))?,
                    _ => write!(f, " {:>18}", "-")?,
                }
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "bulk: {} distinct payloads by {} signers (ES256, SM2) / {} (EdDSA), {} per call",
            self.algorithms.first().map_or(0, |a| a.bulk_payloads),
            self.algorithms
                .iter()
                .find(|a| a.alg != Algorithm::EdDsa)
                .map_or(0, |a| a.bulk_signers),
            self.algorithms
                .iter()
                .find(|a| a.alg == Algorithm::EdDsa)
                .map_or(0, |a| a.bulk_signers),
            crate::verify::BATCH_SIZE,
        )?;
        writeln!(f)?;
        for def in shown {
            writeln!(
                f,
                "{} = {}{}; {} is better{}",
                def.key,
                def.numerator,
                def.denominator
                    .map(|d| format!(" ÷ {d}"))
                    .unwrap_or_default(),
                def.better,
                def.goal.map(|g| format!("; goal {g}")).unwrap_or_default()
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
    let certs = sample_certs()?;
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

/// The shipped sample records every row issues from.
fn sample_certs() -> Result<Vec<Certificate>, crate::Error> {
    Ok(parse_json(SAMPLES)?
        .accepted
        .into_iter()
        .map(|(_, c)| c)
        .collect())
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
            verify_only => return Err(crypto::CryptoError::VerifyOnly(verify_only).into()),
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
    let (root_key, root) = speed_root(alg)?;
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
    let status_list = status_snapshot(alg, &root, root_key.as_ref(), &store)?;
    let verifier = Verifier::new(store.clone()).with_clock(FixedClock(NOW));
    let with_status = Verifier::new(store)
        .with_clock(FixedClock(NOW))
        .with_status(status_list);

    // Fixed inputs: every sample issued once, with a status index that is valid in the
    // snapshot (as every real payload carries one).
    let issued = certs
        .iter()
        .enumerate()
        .map(|(k, c)| {
            issuer
                .issue(c, Some(STATUS_INDEX_BASE + 2 * k as u64), NOW)
                .map(|i| i.qr)
        })
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
    let covered = with_status
        .verify_at(first, NOW)
        .freshness
        .is_some_and(|f| f.covered);
    if !bare.verify(&tbs, &sig) || !verifier.verify_at(first, NOW).is_valid() || !covered {
        return Err(crate::crypto::CryptoError::BadSignature.into());
    }
    // SM2's goals are stated against a bare ring P-256 verification: measure one beside it.
    let baseline: Option<(Vec<u8>, Vec<u8>)> = match alg {
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
        _ => None,
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
    let mut e2e_status_row = || {
        black_box(with_status.verify_at(black_box(first), NOW).is_valid());
    };
    let mut issue_row = || {
        let cert = certs.get(i % certs.len().max(1));
        i = i.wrapping_add(1);
        if let Some(cert) = cert {
            black_box(issuer.issue(cert, None, NOW).is_ok());
        }
    };
    // The bulk row: a set of distinct payloads by several signers, one chunk per call.
    let (bulk_verifier, bulk_set, bulk_signers) =
        bulk_inputs(alg, certs, root_key.as_ref(), &root, max_batch.max(1))?;
    let bulk_n = bulk_set.len();
    let chunk = crate::verify::BATCH_SIZE.min(bulk_n).max(1);
    // Wrapped around by one chunk, so every window [start, start + chunk) exists.
    let bulk_texts: Vec<&str> = bulk_set
        .iter()
        .map(|i| i.qr.as_str())
        .cycle()
        .take(bulk_n + chunk)
        .collect();
    let mut bulk_at = 0usize;
    let mut bulk_row = || {
        if let Some(window) = bulk_texts.get(bulk_at..bulk_at + chunk) {
            black_box(bulk_verifier.verify_many_cofactored_at(black_box(window), NOW));
        }
        bulk_at = (bulk_at + chunk) % bulk_n.max(1);
    };
    let mut p256_row = || {
        if let Some((public, p256_sig)) = &baseline {
            let key =
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public);
            black_box(key.verify(black_box(&tbs), black_box(p256_sig)).is_ok());
        }
    };
    let mut rows: Vec<&mut dyn FnMut()> = vec![
        &mut sign_row,
        &mut verify_row,
        &mut e2e_row,
        &mut issue_row,
        &mut bulk_row,
        &mut e2e_status_row,
    ];
    if baseline.is_some() {
        rows.push(&mut p256_row);
    }
    let mut slices: [Vec<f64>; 7] = Default::default();
    // The order rotates every round, so no row always follows the same one.
    for round in 0..rounds {
        for k in 0..rows.len() {
            let j = (k + round) % rows.len();
            if let (Some(row), Some(v)) = (rows.get_mut(j), slices.get_mut(j)) {
                v.push(measure(slice, timer, &mut **row));
            }
        }
    }
    let [sign, verify, verify_e2e, issue, bulk_calls, verify_e2e_status, p256] = slices;
    let bulk: Vec<f64> = bulk_calls.iter().map(|c| c * chunk as f64).collect();

    // A batch call takes about half a slice on one thread, at most `max_batch` strings.
    let wanted = (best_of(&verify_e2e) * slice / 2.0).clamp(0.0, 1e9) as usize;
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
    let mut batch: [Vec<f64>; 2] = Default::default();
    for _ in 0..rounds {
        for (v, pool) in batch.iter_mut().zip(&pools) {
            let calls = pool.install(|| {
                measure(slice, Timer::Wall, || {
                    black_box(verifier.verify_batch(black_box(&texts)));
                })
            });
            v.push(calls * texts.len() as f64);
        }
    }
    let [batch_1t, batch_2t] = batch;
    let has_p256 = baseline.is_some();
    let rates = |pick: fn(&[f64]) -> f64| Rates {
        sign: pick(&sign),
        verify: pick(&verify),
        verify_e2e: pick(&verify_e2e),
        verify_e2e_status: pick(&verify_e2e_status),
        issue: pick(&issue),
        batch_1t: pick(&batch_1t),
        batch_2t: pick(&batch_2t),
        bulk: pick(&bulk),
        p256_verify: has_p256.then(|| pick(&p256)),
    };

    Ok(AlgorithmSpeed {
        alg,
        bare: match alg {
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => "certseal",
            // ES256 and EdDSA; the verify-only algorithms never get here (from_pkcs8).
            _ => "ring",
        },
        best: rates(best_of),
        median: rates(median_of),
        rounds,
        batch_size,
        bulk_payloads: bulk_n,
        bulk_signers,
        message_len: tbs.len(),
        payload_len: first.len(),
    })
}

/// A root key and its self-signed certificate, in memory.
fn speed_root(alg: Algorithm) -> Result<(Box<dyn crypto::Signer>, RootCert), crate::Error> {
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
    Ok((root_key, root))
}

/// Signers of the `bulk` row's payloads: 2 for ES256 and SM2 (the shape of their goals),
/// 1,000 for Ed25519 (almost every signature of a chunk under its own key: the worst case of
/// the batch equation).
fn bulk_signer_count(alg: Algorithm) -> usize {
    match alg {
        Algorithm::EdDsa => 1_000,
        _ => 2,
    }
}

/// The `bulk` row's inputs: a verifier of `signers` document signers under `root`, and
/// `payloads` distinct QR payloads issued by them in turn (at most one signer per payload),
/// each with its identifier (the `stream` row writes them as `issue` does).
fn bulk_inputs(
    alg: Algorithm,
    certs: &[Certificate],
    root_key: &dyn crypto::Signer,
    root: &RootCert,
    payloads: usize,
) -> Result<(Verifier, Vec<crate::issue::Issued>, usize), crate::Error> {
    let signers = bulk_signer_count(alg).min(payloads).max(1);
    let mut keys = Vec::with_capacity(signers);
    let mut signer_certs = Vec::with_capacity(signers);
    for i in 0..signers {
        let (key, _) = crypto::generate_signer(alg)?;
        let cert = root.issue_signer(
            root_key,
            &key.public_key_spki(),
            &SignerParams {
                common_name: format!("certseal speed bulk signer {i}"),
                authority_name: "人力资源社会保障部人事考试中心".into(),
                authority_uscc: "12100000400010398P".into(),
                serial: 100 + i as u64,
                not_before: NOW - DAY,
                not_after: NOW + 365 * DAY,
            },
        )?;
        keys.push(key);
        signer_certs.push(cert);
    }
    let issuers = keys
        .iter()
        .zip(&signer_certs)
        .map(|(k, c)| Issuer::new(k.as_ref(), c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut texts = Vec::with_capacity(payloads);
    for i in 0..payloads {
        let (Some(issuer), Some(cert)) = (
            issuers.get(i % issuers.len().max(1)),
            certs.get(i % certs.len().max(1)),
        ) else {
            break;
        };
        let mut issued = issuer.issue(cert, Some(i as u64), NOW)?;
        issued.document = Vec::new();
        texts.push(issued);
    }
    let store = TrustStore::from_signer_certs(root, &signer_certs)?;
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
    // Every payload verifies, so the row times the whole pipeline, never an early refusal
    // (this also builds the signers' comb tables before the row is timed).
    for chunk in texts.chunks(crate::verify::BATCH_SIZE) {
        let chunk: Vec<&str> = chunk.iter().map(|i| i.qr.as_str()).collect();
        let verdicts = verifier.verify_many_cofactored_at(&chunk, NOW);
        if verdicts.len() != chunk.len() || !verdicts.iter().all(|v| v.is_valid()) {
            return Err(crate::crypto::CryptoError::BadSignature.into());
        }
    }
    Ok((verifier, texts, signers))
}

/// A status snapshot of [`STATUS_SIZE`] indices, 1 % revoked and 3 % superseded at fixed
/// pseudo-random positions (the payloads' indices `STATUS_INDEX_BASE + 2k` kept valid),
/// signed by a status signer under `root` and loaded against `store` plus that signer.
fn status_snapshot(
    alg: Algorithm,
    root: &RootCert,
    root_key: &dyn crypto::Signer,
    store: &TrustStore,
) -> Result<crate::status::StatusList, crate::Error> {
    use crate::status::{sign_snapshot, ReasonCode, SnapshotParams, State, StatusList};
    let (key, _) = crypto::generate_signer(alg)?;
    let cert = root.issue_signer_for(
        root_key,
        &key.public_key_spki(),
        &SignerParams {
            common_name: "certseal speed status signer".into(),
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            serial: 3,
            not_before: NOW - DAY,
            not_after: NOW + 365 * DAY,
        },
        crate::trust::SignerUsage::STATUS,
    )?;
    let mut certs: Vec<crate::trust::SignerCert> = store
        .signers()
        .iter()
        .map(|s| crate::trust::SignerCert::parse(s.der()))
        .collect::<Result<_, _>>()?;
    certs.push(cert.clone());
    let with_status = TrustStore::from_signer_certs(root, &certs)?;
    // xorshift64*: fixed seed, no allocation per draw.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut entries = Vec::with_capacity((STATUS_SIZE / 25) as usize);
    let reserved = STATUS_INDEX_BASE..STATUS_INDEX_BASE + 2 * 4096;
    for i in 0..STATUS_SIZE {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) % 100;
        if reserved.contains(&i) && (i - STATUS_INDEX_BASE) % 2 == 0 {
            continue;
        }
        match r {
            0 => entries.push((i, State::Revoked(ReasonCode::INVALIDATED))),
            1..=3 => entries.push((i, State::Superseded)),
            _ => {}
        }
    }
    let doc = sign_snapshot(
        &SnapshotParams {
            issuer: "12100000400010398P".into(),
            sequence: 1,
            issued_at: NOW - 60,
            next_update: NOW + DAY,
            size: STATUS_SIZE,
        },
        entries,
        &[],
        key.as_ref(),
        &cert,
    )?;
    StatusList::load(&doc, &with_status)
}

/// The best (largest) rate of a row's slices.
fn best_of(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// The median of `v` (the mean of the middle two for an even count; 0 for none): a row's
/// slices, a measurement's rounds.
pub(crate) fn median_of(v: &[f64]) -> f64 {
    let mut sorted = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match (
        sorted.get(n / 2),
        n.checked_sub(1).and_then(|_| sorted.get((n - 1) / 2)),
    ) {
        (Some(hi), Some(lo)) => (hi + lo) / 2.0,
        _ => 0.0,
    }
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

// Issue 16: the streaming report beside the in-process bulk verifier (`speed --stream N`).

#[cfg(feature = "sqlite")]
pub mod bulk;
pub mod stream;

/// CPU time this process has used so far, user and system, over all its threads, the ended
/// ones included (Linux: fields 14 and 15 of `/proc/self/stat`, in ticks of 1/100 s), in
/// seconds; `None` where that is not available.
pub fn process_cpu_secs() -> Option<f64> {
    process_cpu_user_system_secs().map(|(user, system)| user + system)
}

/// [`process_cpu_secs`] as its two parts, user and system seconds (the examples and tests
/// that report where CPU went read this too, so there is one parser of `/proc/self/stat`).
pub fn process_cpu_user_system_secs() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name, in parentheses, may hold spaces: count fields after its `)`.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user as f64 / 100.0, system as f64 / 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_report_names_every_ratio_and_reports_the_median() {
        let report = run(&SpeedOptions {
            seconds: 0.01,
            algorithms: Algorithm::ALL.to_vec(),
            max_batch: 64,
            thread_cpu_time: true,
        })
        .expect("speed runs");
        let json = report.to_json();
        for key in [
            "e2e_vs_bare_same_alg",
            "e2e_vs_ring_same_alg",
            "issue_vs_half_bare_sign_same_alg",
            "batch_2t_vs_batch_1t",
        ] {
            assert!(json["ratios"][key].is_number(), "{key}: {json}");
            assert!(json["ratios_median"][key].is_number(), "{key}: {json}");
            assert!(json["definitions"][key]["denominator"].is_string(), "{key}");
        }
        for alg in ["ES256", "EdDSA"] {
            assert_eq!(json["ops_per_sec"][alg]["bare"], "ring");
            for def in RATIOS.iter().take(4) {
                assert!(
                    json["ratios"][alg][def.key].is_number(),
                    "{alg} {}",
                    def.key
                );
                assert!(json["ratios_median"][alg][def.key].is_number());
            }
        }
        #[cfg(feature = "sm2")]
        {
            // SM2's bare rows are certseal's own: its ring comparison is against P-256.
            assert_eq!(json["ops_per_sec"]["SM2"]["bare"], "certseal");
            for key in [
                "sm2_e2e_verify_cost_vs_ring_p256_verify",
                "sm2_sign_cost_vs_ring_p256_verify",
            ] {
                assert!(json["ratios"][key].is_number(), "{key}: {json}");
            }
            assert!(json["ops_per_sec"]["SM2"]["p256_verify"].is_number());
            assert!(json["ratios"]["SM2"]["e2e_verify_cost_vs_ring_p256_verify"].is_number());
        }
        for alg in ["ES256", "EdDSA"] {
            assert!(
                json["ops_per_sec"][alg]["bulk"].as_f64() > Some(0.0),
                "{alg}"
            );
            assert!(json["ratios"][alg]["bulk_vs_bare_same_alg"].is_number());
        }
        assert_eq!(json["ops_per_sec"]["ES256"]["bulk_signers"], 2);
        assert_eq!(json["ops_per_sec"]["EdDSA"]["bulk_payloads"], 64);
        assert!(json["ratios"]["es256_bulk_vs_ring_p256_verify"].is_number());
        assert!(json["ratios"]["eddsa_bulk_vs_bare_same_alg"].is_number());
        #[cfg(feature = "sm2")]
        assert!(json["ratios"]["sm2_bulk_vs_ring_p256_verify"].is_number());
        let table = report.to_string();
        assert!(table.contains("e2e_vs_bare_same_alg = "), "{table}");
        assert!(table.contains("bulk_vs_ring_p256_verify = "), "{table}");
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median_of(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_of(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median_of(&[]), 0.0);
        assert_eq!(best_of(&[1.0, 5.0, 2.0]), 5.0);
    }
}
