//! Fixtures shared by the integration tests, the benches and the examples: the fixed clock,
//! the shipped sample records, a key directory in a temporary folder, a root and one document
//! signer in memory, the SM2 test keys, and the runner of the `certseal` binary. One copy of
//! each, so a test says what it checks rather than how it set up.
//!
//! Tests use it as `mod support;`; benches and examples as
//! `#[path = "../tests/support/mod.rs"] mod support;`. The test vectors have their own
//! generator (`vectors.rs`, seeded and byte-for-byte reproducible), which this module does
//! not replace.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use certseal::crypto::{Algorithm, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::model::{parse_json, Certificate};
use certseal::trust::{
    InitOptions, KeyDir, RootCert, RootParams, SignerCert, SignerParams, TrustStore,
};
use certseal::verify::Verifier;
use certseal::FixedClock;

/// The fixed instant the fixtures issue and verify at: 2026-11-26T00:00:00Z.
pub const NOW: i64 = 1_795_651_200;
/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// The issuing authority of the fixtures.
pub const AUTHORITY: &str = "人力资源社会保障部人事考试中心";
/// Its unified social credit code.
pub const USCC: &str = "12100000400010398P";
/// The shipped sample records, JSON.
pub const SAMPLES: &[u8] = include_bytes!("../../data/sample-records.json");
/// The shipped sample records, CSV, as a path for the binary.
pub const SAMPLES_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-records.csv");

/// The certificates of the shipped sample records, in record order.
pub fn samples() -> Vec<Certificate> {
    parse_json(SAMPLES)
        .expect("sample records")
        .accepted
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

/// A key directory (`KeyDir::init`) of `signers` signers of `alg`, made at [`NOW`] in a
/// temporary folder that lives as long as the returned guard.
pub fn key_dir(alg: Algorithm, signers: usize) -> (tempfile::TempDir, KeyDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = KeyDir::init(
        dir.path(),
        InitOptions {
            alg,
            authority_name: AUTHORITY.into(),
            authority_uscc: USCC.into(),
            signers,
            now: NOW,
            signer_validity_days: 365,
            force: false,
        },
    )
    .expect("key directory");
    (dir, keys)
}

/// A verifier of a key directory's signers at [`NOW`].
pub fn verifier_of(keys: &KeyDir) -> Verifier {
    Verifier::new(keys.trust_store().expect("trust store")).with_clock(FixedClock(NOW))
}

/// Root parameters: valid from a day before [`NOW`] for ten years.
pub fn root_params(common_name: &str, serial: u64) -> RootParams {
    RootParams {
        common_name: common_name.into(),
        authority_name: AUTHORITY.into(),
        authority_uscc: Some(USCC.into()),
        serial,
        not_before: NOW - DAY,
        not_after: NOW + 3650 * DAY,
    }
}

/// Document-signer parameters: valid from a day before [`NOW`] for a year.
pub fn signer_params(common_name: &str, serial: u64) -> SignerParams {
    SignerParams {
        common_name: common_name.into(),
        authority_name: AUTHORITY.into(),
        authority_uscc: USCC.into(),
        serial,
        not_before: NOW - DAY,
        not_after: NOW + 365 * DAY,
    }
}

/// A root and one document signer, in memory.
pub struct Chain {
    /// The root certificate.
    pub root: RootCert,
    /// The root key.
    pub root_key: Box<dyn Signer>,
    /// The signer key.
    pub signer_key: Box<dyn Signer>,
    /// The signer certificate, issued by the root.
    pub signer: SignerCert,
}

impl Chain {
    /// `signer_key` certified by `root_key` (root serial `serial`, signer `serial + 1`).
    pub fn new(root_key: Box<dyn Signer>, signer_key: Box<dyn Signer>, serial: u64) -> Self {
        let root = RootCert::issue(root_key.as_ref(), &root_params("test root", serial))
            .expect("root certificate");
        let signer = root
            .issue_signer(
                root_key.as_ref(),
                &signer_key.public_key_spki(),
                &signer_params("test signer", serial + 1),
            )
            .expect("signer certificate");
        Chain {
            root,
            root_key,
            signer_key,
            signer,
        }
    }

    /// An Ed25519 root (seed `seed`) and a signer of `alg` (Ed25519 from seed `seed + 1`, a
    /// fresh key otherwise).
    pub fn with_alg(alg: Algorithm, seed: u8, serial: u64) -> Self {
        let signer_key: Box<dyn Signer> = match alg {
            Algorithm::EdDsa => Box::new(ed25519(seed.wrapping_add(1))),
            _ => certseal::crypto::generate_signer(alg).expect("key").0,
        };
        Chain::new(Box::new(ed25519(seed)), signer_key, serial)
    }

    /// A trust store holding the signer.
    pub fn store(&self) -> TrustStore {
        TrustStore::from_signer_certs(&self.root, std::slice::from_ref(&self.signer))
            .expect("trust store")
    }

    /// A verifier of the store at [`NOW`].
    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.store()).with_clock(FixedClock(NOW))
    }

    /// An issuer signing with the signer key.
    pub fn issuer(&self) -> Issuer<'_> {
        Issuer::new(self.signer_key.as_ref(), &self.signer).expect("issuer")
    }

    /// `n` QR payloads of the sample records in turn, status indices 0, 1, 2, …, at [`NOW`].
    pub fn issue_many(&self, n: usize) -> Vec<String> {
        issue_many(&self.issuer(), n)
    }
}

/// `n` QR payloads of the sample records in turn, status indices 0, 1, 2, …, at [`NOW`].
pub fn issue_many(issuer: &Issuer<'_>, n: usize) -> Vec<String> {
    let certs = samples();
    (0..n)
        .map(|i| {
            issuer
                .issue(&certs[i % certs.len()], Some(i as u64), NOW)
                .expect("issue")
                .qr
        })
        .collect()
}

/// The Ed25519 key of a 32-byte seed of `byte`s.
pub fn ed25519(byte: u8) -> RingSigner {
    RingSigner::ed25519_from_seed(&[byte; 32]).expect("Ed25519 seed")
}

/// The SM2 key whose secret scalar is 32 `byte`s (default distinguishing identifier).
#[cfg(feature = "sm2")]
pub fn sm2_key(byte: u8) -> certseal::crypto::sm2::Sm2Signer {
    certseal::crypto::sm2::Sm2Signer::from_secret_bytes(
        &[byte; 32],
        certseal::crypto::sm2::DEFAULT_ID,
    )
    .expect("SM2 secret")
}

/// Runs the `certseal` binary of this build in `dir` (integration tests only).
pub fn certseal(dir: &Path, args: &[&str]) -> Output {
    binary(dir, args).output().expect("run certseal")
}

/// Runs the `certseal` binary in `dir` with `stdin` as its standard input.
pub fn certseal_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = binary(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn certseal");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn binary(dir: &Path, args: &[&str]) -> Command {
    // Set for integration tests only; benches and examples never run the binary.
    let Some(exe) = option_env!("CARGO_BIN_EXE_certseal") else {
        panic!("only an integration test runs the certseal binary");
    };
    let mut c = Command::new(exe);
    c.current_dir(dir).args(args);
    c
}

/// The exit code.
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard output as one JSON value per line.
pub fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect()
}

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat` (Linux);
/// 0 elsewhere. Wall-clock numbers on a shared machine include other processes' load; this
/// does not.
pub fn process_cpu_seconds() -> f64 {
    certseal::internal::speed::process_cpu_secs().unwrap_or(0.0)
}

/// Prints the CPU per certificate of each part of rendering `faces` on this thread — QR
/// matrix, QR PNG, (with `svg`) QR SVG and face SVG, face PNG — each line after `indent`;
/// returns the total in milliseconds per certificate.
#[cfg(feature = "qr")]
pub fn render_cost_by_part(
    renderer: &certseal::qr::face::FaceRenderer,
    faces: &[certseal::qr::face::FaceData],
    svg: bool,
    indent: &str,
) -> f64 {
    use certseal::qr::face::face_svg_with_qr;
    use certseal::qr::render::{encode_matrix, to_png, to_svg, EcLevel, QrOptions};
    use std::hint::black_box;
    let k = faces.len().max(1);
    let opts = QrOptions::default();
    let matrices: Vec<_> = faces
        .iter()
        .map(|f| encode_matrix(&f.qr_text, EcLevel::Q).unwrap())
        .collect();
    println!("{indent}CPU per certificate by part (one thread, {k} certificates):");
    let mut total = 0.0;
    let mut part = |name: &str, f: &dyn Fn(usize)| {
        let c0 = process_cpu_seconds();
        for i in 0..faces.len() {
            f(i);
        }
        let ms = (process_cpu_seconds() - c0) * 1e3 / k as f64;
        total += ms;
        println!("{indent}  {name:<26} {ms:.3} ms");
    };
    part("QR matrix (fast_qr)", &|i| {
        black_box(encode_matrix(&faces[i].qr_text, EcLevel::Q).unwrap());
    });
    part("QR PNG (8 px/module)", &|i| {
        black_box(to_png(&matrices[i], &opts).unwrap());
    });
    if svg {
        part("QR SVG", &|i| {
            black_box(to_svg(&matrices[i], &opts).unwrap());
        });
        part("face SVG", &|i| {
            black_box(face_svg_with_qr(&faces[i], &matrices[i]).unwrap());
        });
    }
    part("face PNG (draw + encode)", &|i| {
        black_box(
            renderer
                .render_png_with_qr(&faces[i], &matrices[i])
                .unwrap(),
        );
    });
    total
}
