//! Writes the fixtures the C, Java and Python tests of the ABI share (`ffi/tests/fixtures/`):
//! a root certificate and signed trust list, QR payloads (valid, tampered, revoked,
//! superseded, signed by a revoked key, unknown kid, not yet valid, malformed), a signed status
//! snapshot and a delta, and two QR images. Fixed Ed25519 seeds and a fixed clock, so every
//! byte is reproducible; `tests/fixtures.rs` regenerates them and compares.
//!
//! ```sh
//! cargo run --release -p certseal-ffi --example gen-fixtures -- ffi/tests/fixtures
//! ```
//!
//! `payloads.tsv` holds one payload per line: `name`, the expected verdict with no status
//! loaded, with the snapshot loaded, with the snapshot and the delta, then the text. A
//! verdict is `valid` or `reason@stage` (the JSON view's names). Every expectation is written
//! here by hand and checked against the engine before anything is written.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use certseal::codec::base45;
use certseal::crypto::{RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::model::parse_json;
use certseal::qr::render::{render_png, QrOptions};
use certseal::status::{sign_delta, sign_snapshot, DeltaParams, ReasonCode, SnapshotParams, State};
use certseal::trust::{
    sign_trust_list, RootCert, RootParams, SignerCert, SignerParams, SignerUsage, TrustList,
};
use certseal::verify::Verifier;
use certseal::FixedClock;

/// The fixtures' clock: 2026-11-26T00:00:00Z. Every test verifies at this time.
pub const NOW: i64 = 1_795_651_200;
const DAY: i64 = 86_400;
const AUTHORITY: &str = "人力资源社会保障部人事考试中心";
const USCC: &str = "12100000400010398P";
/// Status indices the snapshot marks (and the delta adds).
const REVOKED: u64 = 3;
const SUPERSEDED: u64 = 5;
const REVOKED_BY_DELTA: u64 = 7;
/// Number of status indices the snapshot covers.
const SIZE: u64 = 64;

fn key(seed: u8) -> RingSigner {
    RingSigner::ed25519_from_seed(&[seed; 32]).unwrap()
}

fn signer_params(cn: &str, serial: u64) -> SignerParams {
    SignerParams {
        common_name: cn.into(),
        authority_name: AUTHORITY.into(),
        authority_uscc: USCC.into(),
        serial,
        not_before: NOW - 30 * DAY,
        not_after: NOW + 365 * DAY,
    }
}

/// One line of `payloads.tsv`.
struct Case {
    name: String,
    plain: &'static str,
    snapshot: &'static str,
    delta: &'static str,
    text: String,
}

impl Case {
    fn new(name: impl Into<String>, expect: [&'static str; 3], text: String) -> Self {
        Case {
            name: name.into(),
            plain: expect[0],
            snapshot: expect[1],
            delta: expect[2],
            text,
        }
    }
}

const VALID: [&str; 3] = ["valid"; 3];

/// `text` with its COSE bytes changed by `edit`.
fn tamper(text: &str, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut cose = base45::decode(text.strip_prefix("CS1:").unwrap()).unwrap();
    edit(&mut cose);
    format!("CS1:{}", base45::encode(&cose))
}

/// The verdict as the fixtures write it: `valid` or `reason@stage`.
fn verdict_name(json: &serde_json::Value) -> String {
    match json["status"].as_str() {
        Some("valid") => "valid".into(),
        _ => format!(
            "{}@{}",
            json["reason"].as_str().unwrap_or("?"),
            json["stage"].as_str().unwrap_or("?")
        ),
    }
}

/// Every fixture file, by name.
pub fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let root_key = key(0x51);
    let root = RootCert::issue(
        &root_key,
        &RootParams {
            common_name: "certseal ffi fixtures root".into(),
            authority_name: AUTHORITY.into(),
            authority_uscc: Some(USCC.into()),
            serial: 1,
            not_before: NOW - 60 * DAY,
            not_after: NOW + 3650 * DAY,
        },
    )
    .unwrap();
    let issue = |k: &RingSigner, cn: &str, serial: u64, usage: SignerUsage| -> SignerCert {
        root.issue_signer_for(
            &root_key,
            &k.public_key_spki(),
            &signer_params(cn, serial),
            usage,
        )
        .unwrap()
    };
    let doc_key = key(0x52);
    let doc = issue(&doc_key, "document signer A", 2, SignerUsage::DOCUMENTS);
    let status_key = key(0x53);
    let status = issue(&status_key, "status signer", 3, SignerUsage::STATUS);
    // A second document signer, in the list, whose key the snapshot revokes.
    let compromised_key = key(0x54);
    let compromised = issue(
        &compromised_key,
        "document signer B",
        4,
        SignerUsage::DOCUMENTS,
    );
    // Issued by the same root but left out of the trust list: an unknown kid.
    let outsider_key = key(0x55);
    let outsider = issue(
        &outsider_key,
        "document signer C",
        5,
        SignerUsage::DOCUMENTS,
    );

    let list = sign_trust_list(
        &root,
        &root_key,
        &[doc.clone(), status.clone(), compromised.clone()],
        NOW - DAY,
        NOW + 90 * DAY,
    )
    .unwrap();

    let records = parse_json(include_bytes!("../../data/sample-records.json")).unwrap();
    let certs: Vec<_> = records.accepted.into_iter().map(|(_, c)| c).collect();
    let cert = |i: u64| &certs[(i as usize) % certs.len()];
    let issuer = Issuer::new(&doc_key, &doc).unwrap();
    let qr = |i: u64| issuer.issue(cert(i), Some(i), NOW - DAY).unwrap().qr;

    let mut cases = Vec::new();
    for i in [0, 1, 2, 4, 6, 8, 9, 10] {
        cases.push(Case::new(format!("valid-{i}"), VALID, qr(i)));
    }
    cases.push(Case::new(
        format!("revoked-{REVOKED}"),
        ["valid", "revoked@status", "revoked@status"],
        qr(REVOKED),
    ));
    cases.push(Case::new(
        format!("superseded-{SUPERSEDED}"),
        ["valid", "superseded@status", "superseded@status"],
        qr(SUPERSEDED),
    ));
    cases.push(Case::new(
        format!("revoked-by-delta-{REVOKED_BY_DELTA}"),
        ["valid", "valid", "revoked@status"],
        qr(REVOKED_BY_DELTA),
    ));
    let b = Issuer::new(&compromised_key, &compromised).unwrap();
    cases.push(Case::new(
        "signer-revoked-11",
        ["valid", "signer_revoked@status", "signer_revoked@status"],
        b.issue(cert(11), Some(11), NOW - DAY).unwrap().qr,
    ));
    let c = Issuer::new(&outsider_key, &outsider).unwrap();
    cases.push(Case::new(
        "unknown-kid",
        ["unknown_kid@kid"; 3],
        c.issue(cert(12), Some(12), NOW - DAY).unwrap().qr,
    ));
    cases.push(Case::new(
        "not-yet-valid",
        ["not_yet_valid@time"; 3],
        issuer.issue(cert(13), Some(13), NOW + 2 * DAY).unwrap().qr,
    ));
    let first = qr(0);
    cases.push(Case::new(
        "tampered-signature",
        ["signature@signature"; 3],
        tamper(&first, |cose| {
            let last = cose.last_mut().unwrap();
            *last ^= 0x01;
        }),
    ));
    let name = certs[0].holder.name.as_bytes().to_vec();
    cases.push(Case::new(
        "tampered-holder-name",
        ["signature@signature"; 3],
        tamper(&first, |cose| {
            let at = cose
                .windows(name.len())
                .position(|w| w == name.as_slice())
                .expect("holder name in the claims");
            // 王建国 → 王建图: same length, well-formed CBOR, another name.
            cose[at + name.len() - 3..at + name.len()].copy_from_slice("图".as_bytes());
        }),
    ));
    cases.push(Case::new(
        "bad-prefix",
        ["bad_prefix@prefix"; 3],
        first.replacen("CS1:", "CS2:", 1),
    ));
    cases.push(Case::new(
        "truncated",
        ["cbor@cbor"; 3],
        tamper(&first, |cose| cose.truncate(cose.len() - 20)),
    ));
    cases.push(Case::new(
        "not-base45",
        ["base45@base45"; 3],
        "CS1:证书".to_string(),
    ));

    let snapshot = sign_snapshot(
        &SnapshotParams {
            issuer: USCC.into(),
            sequence: 10,
            issued_at: NOW - 3600,
            next_update: NOW + DAY,
            size: SIZE,
        },
        [
            (REVOKED, State::Revoked(ReasonCode::INVALIDATED)),
            (SUPERSEDED, State::Superseded),
        ],
        &[compromised.kid()],
        &status_key,
        &status,
    )
    .unwrap();
    let delta = sign_delta(
        &DeltaParams {
            issuer: USCC.into(),
            from: 10,
            to: 11,
            issued_at: NOW - 60,
            next_update: NOW + DAY,
            size: SIZE,
        },
        [(REVOKED_BY_DELTA, State::Revoked(ReasonCode::WITHDRAWN))],
        &[],
        &status_key,
        &status,
    )
    .unwrap();

    check_expectations(&list, &root, &snapshot, &delta, &cases);

    let mut tsv = String::from(
        "# certseal-ffi fixtures (examples/gen-fixtures.rs): verify at 1795651200 (2026-11-26T00:00:00Z)\n\
         # name\tno status\tsnapshot\tsnapshot + delta\tpayload\n",
    );
    for c in &cases {
        tsv.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            c.name, c.plain, c.snapshot, c.delta, c.text
        ));
    }
    let valid: String = cases
        .iter()
        .filter(|c| c.delta == "valid")
        .map(|c| format!("{}\n", c.text))
        .collect();
    let opts = QrOptions {
        module_px: 4,
        ..QrOptions::default()
    };
    vec![
        ("root.pem", root.to_pem().into_bytes()),
        ("trust-list.cbor", list),
        ("payloads.tsv", tsv.into_bytes()),
        ("valid.txt", valid.into_bytes()),
        ("status-snapshot.cbor", snapshot),
        ("status-delta.cbor", delta),
        ("qr-valid.png", render_png(&first, &opts).unwrap()),
        (
            "qr-other.png",
            render_png("HTTPS://EXAMPLE.ORG/NOT-A-CERTIFICATE", &opts).unwrap(),
        ),
    ]
}

/// Verifies every case with the engine (and the status list the way the handle applies it)
/// and stops on any disagreement with the hand-written expectation.
fn check_expectations(list: &[u8], root: &RootCert, snapshot: &[u8], delta: &[u8], cases: &[Case]) {
    let store = TrustList::verify(list, root).unwrap().store;
    let mut status = certseal::status::StatusList::load(snapshot, &store).unwrap();
    let snap = status.clone();
    status.apply_delta(delta, &store).unwrap();
    let verifier = Verifier::new(store).with_clock(FixedClock(NOW));
    for c in cases {
        let verdict = verifier.verify(&c.text);
        let got = |list: Option<&certseal::status::StatusList>| {
            let mut json = verdict.to_json();
            if let (Some(list), Some(kid), true) = (list, verdict.kid, verdict.is_valid()) {
                let index = verdict.certificate.as_ref().and_then(|v| v.status_index);
                if let Err(reason) = list.check(&kid, index, NOW) {
                    json["status"] = "invalid".into();
                    json["reason"] = reason.code().into();
                    json["stage"] = "status".into();
                }
            }
            verdict_name(&json)
        };
        assert_eq!(got(None), c.plain, "{}: no status", c.name);
        assert_eq!(got(Some(&snap)), c.snapshot, "{}: snapshot", c.name);
        assert_eq!(got(Some(&status)), c.delta, "{}: snapshot + delta", c.name);
    }
}

#[allow(dead_code)]
fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ffi/tests/fixtures".into());
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in fixtures() {
        let path = std::path::Path::new(&dir).join(name);
        std::fs::write(&path, bytes).unwrap();
        println!("{}", path.display());
    }
}
