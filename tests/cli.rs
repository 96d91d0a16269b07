//! The `certseal` binary, run in temporary directories: exit codes 0/1/2, the issue → verify
//! flow, the interop contract of issue 2, `speed --json` and `demo`. No timed assertions.
#![cfg(feature = "cli")]
// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use certseal::codec::{base45, zlib};
use certseal::cose::Sign1;
use certseal::crypto::{Algorithm, RingSigner};
use certseal::trust::{InitOptions, KeyDir};

mod support;

use support::{certseal, certseal_stdin, code, json_lines, stdout, SAMPLES_CSV};

/// Flips one bit inside the signed claims of a certseal payload, keeping the COSE well-formed.
fn tamper(qr: &str) -> String {
    let body = qr.strip_prefix("CS1:").expect("prefix");
    let mut cose = base45::decode(body).expect("base45");
    let at = cose.len() - 70;
    cose[at] ^= 1;
    format!("CS1:{}", base45::encode(&cose))
}

#[test]
fn keys_trust_issue_verify_flow_exits_0_1_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    let o = certseal(dir, &["keys", "init", "--dir", "keys", "--alg", "ed25519"]);
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(dir.join("keys/root.key.pem").exists());
    assert!(dir.join("keys/signer-2.cert.pem").exists());
    // A second init without --force refuses to overwrite keys.
    assert_eq!(code(&certseal(dir, &["keys", "init", "--dir", "keys"])), 2);

    let o = certseal(dir, &["trust", "export", "--keys", "keys"]);
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(dir.join("keys/trust-list.cbor").exists());

    let o = certseal(
        dir,
        &["issue", "--keys", "keys", "--out", "out", SAMPLES_CSV],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(
        stdout(&o).contains("issued 8, rejected 0"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("at level Q"), "{}", stdout(&o));
    // The default layout: one bundle, named after the records file.
    let bundle = std::fs::read_to_string(dir.join("out/sample-records.jsonl")).unwrap();
    assert_eq!(bundle.lines().count(), 8);
    let qr_txt: String = bundle
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            format!(
                "{}\t{}\n",
                v["identifier"].as_str().unwrap(),
                v["qr"].as_str().unwrap()
            )
        })
        .collect();

    let trust = [
        "--trust-list",
        "keys/trust-list.cbor",
        "--root",
        "keys/root.cert.pem",
    ];
    let mut args = vec!["verify", "--json", "--file", "out/sample-records.jsonl"];
    args.extend(trust);
    let o = certseal(dir, &args);
    assert_eq!(code(&o), 0, "{o:?}");
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 8);
    for l in &lines {
        assert_eq!(l["status"], "valid", "{l}");
        assert_eq!(l["alg"], "EdDSA");
        let id = l["certificate"]["holder"]["id_number"].as_str().unwrap();
        assert!(id.starts_with("**************") && id.len() == 18, "{id}");
        assert!(l["certificate"]["identifier"]
            .as_str()
            .unwrap()
            .starts_with("1.2.156.3005.2."));
    }
    assert!(
        lines.iter().any(|l| l["certificate"]["kind"] == "补发"),
        "a replacement is marked 补发"
    );
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["line"], i + 1);
        assert_eq!(l["file"], "out/sample-records.jsonl");
        assert_eq!(l["input_id"], l["certificate"]["identifier"]);
    }

    // A tampered payload among valid ones: exit 1, reason signature.
    let first = qr_txt.lines().next().unwrap().rsplit('\t').next().unwrap();
    let forged = tamper(first);
    let o = certseal(
        dir,
        &["verify", "--keys", "keys", "--json", first, forged.as_str()],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    let lines = json_lines(&o);
    assert_eq!(lines[0]["status"], "valid");
    assert_eq!(lines[1]["status"], "invalid");
    assert_eq!(lines[1]["reason"], "signature");
    assert_eq!(lines[1]["stage"], "signature");

    // Stdin, one per line; the human table.
    let o = certseal_stdin(dir, &["verify", "--keys", "keys", "-"], &qr_txt);
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(
        stdout(&o).contains("8 valid, 0 not valid"),
        "{}",
        stdout(&o)
    );

    // The bundle's documents, a CBOR sequence: one JSON line each.
    let o = certseal(
        dir,
        &[
            "verify",
            "--keys",
            "keys",
            "--document",
            "out/sample-records.cbors",
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let docs = json_lines(&o);
    assert_eq!(docs.len(), 8);
    for ((i, d), line) in docs.iter().enumerate().zip(qr_txt.lines()) {
        assert_eq!(d["index"], i + 1);
        assert_eq!(d["status"], "valid", "{d}");
        assert_eq!(d["identifier"].as_str(), line.split('\t').next());
    }

    // One file per certificate on request; a single signed document.
    let o = certseal(
        dir,
        &[
            "issue",
            "--keys",
            "keys",
            "--layout",
            "files",
            "--out",
            "files",
            SAMPLES_CSV,
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(dir.join("files/qr.txt").exists());
    let doc = std::fs::read_dir(dir.join("files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cbor"))
        .unwrap();
    let o = certseal(
        dir,
        &[
            "verify",
            "--keys",
            "keys",
            "--document",
            doc.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let view: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(view["status"], "valid");

    // Usage and input errors: exit 2.
    assert_eq!(code(&certseal(dir, &["verify", "--no-such-flag"])), 2);
    assert_eq!(
        code(&certseal(dir, &["verify", "--keys", "keys", "--hex", "x"])),
        2
    );
    assert_eq!(
        code(&certseal(dir, &["verify", "--at", "yesterday", "x"])),
        2
    );
    assert_eq!(
        code(&certseal(dir, &["issue", "--keys", "keys", "missing.csv"])),
        2
    );
    assert_eq!(code(&certseal(dir, &["frobnicate"])), 2);
}

#[test]
fn issue_reports_rejected_records_and_keeps_the_accepted_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(code(&certseal(dir, &["keys", "init", "--dir", "keys"])), 0);
    let mut csv = std::fs::read_to_string(SAMPLES_CSV).unwrap();
    // Check digit 2 where 1 is expected.
    csv.push_str("1,1,1,王建国,1,1985-03,111,110101198503076512,0101202400001538,2024-01-15,,,original,1,,20240100001599,,,\n");
    std::fs::write(dir.join("records.csv"), csv).unwrap();
    let o = certseal(
        dir,
        &["issue", "--keys", "keys", "--out", "out", "records.csv"],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(
        stdout(&o).contains("issued 8, rejected 1"),
        "{}",
        stdout(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("record 9: holder.id_number"), "{err}");
}

#[test]
fn identifier_check_exits_0_when_all_well_formed_else_1() {
    let tmp = tempfile::tempdir().unwrap();
    let good = [
        "identifier",
        "check",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "110101198503076511",
        "12100000400010398P",
    ];
    let o = certseal(tmp.path(), &good);
    assert_eq!(code(&o), 0, "{o:?}");
    assert_eq!(stdout(&o).matches("well-formed").count(), 3);

    let bad = [
        "identifier",
        "check",
        "110101198503076511",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V",
    ];
    let o = certseal(tmp.path(), &bad);
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(stdout(&o).contains("expected U"), "{}", stdout(&o));

    assert_eq!(code(&certseal(tmp.path(), &["identifier", "check"])), 2);
    let o = certseal(
        tmp.path(),
        &[
            "identifier",
            "mint",
            "--type-code",
            "11100000000013338W011",
            "--issuer",
            "11430000006122244L",
            "--serial",
            "20230000403",
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    assert_eq!(
        stdout(&o).trim(),
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
    );
}

/// A DCC-style `HC1:` string: zlib, base45, tagged COSE_Sign1 with kid = SHA-256(cert)[0..8]
/// and an hcert claim, signed by `signer`.
fn dcc_string(kid: &[u8], signer: &dyn certseal::crypto::Signer, now: i64) -> String {
    let mut w = certseal::codec::cbor::Writer::new();
    w.map(4)
        .int(1)
        .text("CN")
        .int(4)
        .int(now + 30 * 86_400)
        .int(6)
        .int(now - 60)
        .int(-260)
        .map(1)
        .int(1)
        .map(1)
        .text("ver")
        .text("1.3.0");
    let cose = Sign1::sign(true, kid, w.as_slice(), &[], signer).unwrap();
    format!("HC1:{}", base45::encode(&zlib::deflate(&cose)))
}

#[test]
fn interop_dcc_verifies_and_a_wrong_key_fails_at_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let now = certseal::Clock::now(&certseal::SystemClock);
    let keys = KeyDir::init(
        &dir.join("keys"),
        InitOptions {
            alg: Algorithm::Es256,
            authority_name: "Test Authority".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now,
            signer_validity_days: 365,
            force: false,
        },
    )
    .unwrap();
    let signer = &keys.signers()[0];
    let kid = signer.kid();
    let good = dcc_string(&kid, signer.signer_at(now).unwrap(), now);
    let (wrong, _) = RingSigner::generate(Algorithm::Es256).unwrap();
    let forged = dcc_string(&kid, &wrong, now);

    let base = [
        "verify",
        "--profile",
        "dcc",
        "--trust-cert",
        "keys/signer-1.cert.pem",
    ];
    let with = |input: &str| {
        let mut a = base.to_vec();
        a.push(input);
        certseal(dir, &a)
    };
    let o = with(&good);
    assert_eq!(code(&o), 0, "{o:?}");
    let l = &json_lines(&o)[0];
    assert_eq!(l["status"], "valid", "{l}");
    assert_eq!(l["stage"], serde_json::Value::Null);
    assert_eq!(l["alg"], "ES256");
    assert_eq!(l["kid"], certseal::codec::hex::encode(&kid));

    let o = with(&forged);
    assert_eq!(code(&o), 1, "{o:?}");
    let l = &json_lines(&o)[0];
    assert_eq!(l["status"], "invalid");
    assert_eq!(l["stage"], "signature");

    // Lines on stdin, one object each; worst exit wins. A file of lines works the same.
    let both = format!("{good}\n{forged}\n");
    let mut a = base.to_vec();
    a.push("-");
    let o = certseal_stdin(dir, &a, &both);
    assert_eq!(code(&o), 1, "{o:?}");
    assert_eq!(json_lines(&o).len(), 2);
    std::fs::write(dir.join("inputs.txt"), &both).unwrap();
    let o = with("inputs.txt");
    assert_eq!(code(&o), 1, "{o:?}");
    assert_eq!(json_lines(&o).len(), 2);

    // --no-time-check and an explicit --at far in the future.
    let mut a = base.to_vec();
    a.extend(["--at", "2099-01-01T00:00:00Z", good.as_str()]);
    let o = certseal(dir, &a);
    assert_eq!(code(&o), 1, "{o:?}");
    assert_eq!(json_lines(&o)[0]["stage"], "time");
    let mut a = base.to_vec();
    a.extend(["--no-time-check", good.as_str()]);
    assert_eq!(code(&certseal(dir, &a)), 0);

    // Usage: both trust flags, or neither; unreadable trust file.
    let o = certseal(
        dir,
        &[
            "verify",
            "--profile",
            "generic",
            "--trust-cert",
            "a",
            "--trust-key",
            "b",
            "x",
        ],
    );
    assert_eq!(code(&o), 2);
    assert_eq!(
        code(&certseal(dir, &["verify", "--profile", "dcc", "x"])),
        2
    );
    let o = certseal(
        dir,
        &[
            "verify",
            "--profile",
            "dcc",
            "--trust-cert",
            "nope.pem",
            "x",
        ],
    );
    assert_eq!(code(&o), 2);
    assert_eq!(json_lines(&o)[0]["status"], "error");
}

#[test]
fn speed_json_has_the_ratio_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let o = certseal(tmp.path(), &["speed", "--json", "--seconds", "0.05"]);
    assert_eq!(code(&o), 0, "{o:?}");
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1, "one object");
    let ratios = &lines[0]["ratios"];
    for key in [
        "e2e_vs_bare_same_alg",
        "issue_vs_half_bare_sign_same_alg",
        "batch_2t_vs_batch_1t",
    ] {
        assert!(ratios[key].is_number(), "{key}: {ratios}");
        assert!(lines[0]["ratios_median"][key].is_number(), "{key}");
        // Every ratio names its denominator.
        assert!(
            lines[0]["definitions"][key]["denominator"].is_string(),
            "{key}"
        );
        for alg in ["ES256", "EdDSA"] {
            assert!(ratios[alg][key].is_number(), "{alg} {key}: {ratios}");
        }
    }
    assert!(ratios["e2e_vs_ring_same_alg"].is_number(), "{ratios}");
    #[cfg(feature = "sm2")]
    for key in [
        "sm2_e2e_verify_cost_vs_ring_p256_verify",
        "sm2_sign_cost_vs_ring_p256_verify",
    ] {
        assert!(ratios[key].is_number(), "{key}: {ratios}");
    }
    assert_eq!(code(&certseal(tmp.path(), &["speed", "--seconds", "0"])), 2);
}

#[cfg(feature = "sm2")]
#[test]
fn sm2_keys_init_issue_verify_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = certseal(dir, &["keys", "init", "--dir", "keys", "--alg", "sm2"]);
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(stdout(&o).contains("SM2 kid"), "{}", stdout(&o));
    let o = certseal(dir, &["trust", "export", "--keys", "keys"]);
    assert_eq!(code(&o), 0, "{o:?}");
    let o = certseal(
        dir,
        &["issue", "--keys", "keys", "--out", "issued", SAMPLES_CSV],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let qr = "issued/sample-records.jsonl";
    let o = certseal(dir, &["verify", "--keys", "keys", "--file", qr]);
    assert_eq!(code(&o), 0, "{o:?}");
    let o = certseal(
        dir,
        &[
            "verify",
            "--trust-list",
            "keys/trust-list.cbor",
            "--root",
            "keys/root.cert.pem",
            "--alg-policy",
            "sm2",
            "--json",
            "--file",
            qr,
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    for line in json_lines(&o) {
        assert_eq!(line["alg"], "SM2", "{line}");
    }
    // An ES256-only policy refuses every SM2 payload at the alg step: exit 1.
    let o = certseal(
        dir,
        &[
            "verify",
            "--keys",
            "keys",
            "--alg-policy",
            "es256",
            "--json",
            "--file",
            qr,
        ],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    for line in json_lines(&o) {
        assert_eq!(line["reason"], "unsupported_algorithm", "{line}");
    }
}

#[test]
fn demo_runs_twice_in_the_same_directory() {
    let tmp = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let o = certseal(tmp.path(), &["demo", "--alg", "ed25519"]);
        assert_eq!(code(&o), 0, "{o:?}");
        let out = stdout(&o);
        assert!(out.contains("8 valid, 0 not valid"), "{out}");
        assert!(out.contains("reason signature"), "{out}");
        assert!(out.contains("补发"), "{out}");
        assert!(tmp.path().join("certseal-demo/issued/qr.txt").exists());
    }
}

/// Issue 9: `speed --bulk N --bulk-rounds R` pairs each pipelined bulk issuance with the bare
/// signing passes either side of it and reports the median of the pairs (no time asserted).
#[test]
fn speed_bulk_pairs_each_round_with_bare_signing() {
    let tmp = tempfile::tempdir().unwrap();
    let o = certseal(
        tmp.path(),
        &[
            "speed",
            "--json",
            "--seconds",
            "0.02",
            "--alg",
            "ed25519",
            "--bulk",
            "300",
            "--bulk-rounds",
            "3",
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let lines = json_lines(&o);
    let bulk = &lines[0]["bulk"][0];
    assert_eq!(bulk["alg"], "EdDSA", "{bulk}");
    assert_eq!(bulk["records"], 300, "{bulk}");
    assert_eq!(bulk["rounds"], 3, "{bulk}");
    let paired: Vec<f64> = bulk["bulk_vs_bare_sign_paired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(paired.len(), 3, "{bulk}");
    assert!(paired.iter().all(|r| r.is_finite() && *r > 0.0), "{bulk}");
    let mut sorted = paired.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(
        bulk["bulk_vs_bare_sign"].as_f64(),
        Some(sorted[1]),
        "{bulk}"
    );
    assert_eq!(
        bulk["bulk_vs_bare_sign_best"].as_f64(),
        Some(sorted[0]),
        "{bulk}"
    );
    assert_eq!(
        bulk["bulk_vs_bare_sign_worst"].as_f64(),
        Some(sorted[2]),
        "{bulk}"
    );
    assert!(
        bulk["sequential_vs_bare_sign"].as_f64().unwrap() > 0.0,
        "{bulk}"
    );
    let o = certseal(tmp.path(), &["speed", "--bulk", "10", "--bulk-rounds", "0"]);
    assert_eq!(code(&o), 2, "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--bulk-rounds"),
        "{o:?}"
    );
}

/// Issue 16: `speed --stream N` times `verify --file → --output` in each form beside the
/// in-process bulk verifier, in the same run; the JSON names every ratio (no time asserted).
#[test]
fn speed_stream_reports_each_form_against_in_process_bulk() {
    let tmp = tempfile::tempdir().unwrap();
    let o = certseal(
        tmp.path(),
        &[
            "speed",
            "--json",
            "--seconds",
            "0.02",
            "--alg",
            "ed25519",
            "--bulk",
            "0",
            "--stream",
            "600",
            "--stream-rounds",
            "1",
            "--stream-threads",
            "2",
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let lines = json_lines(&o);
    let stream = &lines[0]["stream"];
    assert_eq!(stream["lines"], 600, "{stream}");
    assert_eq!(stream["threads"], 2, "{stream}");
    for key in [
        "stream_table_vs_bulk",
        "stream_json_vs_bulk",
        "stream_csv_vs_bulk",
    ] {
        assert!(stream["ratios"][key].is_number(), "{key}: {stream}");
        assert!(stream["EdDSA"][key]["cpu"].is_object() || stream["EdDSA"][key]["cpu"].is_null());
        assert!(stream["EdDSA"][key]["wall"]["worst"].is_number(), "{key}");
        assert_eq!(stream["definitions"][key]["goal"], ">= 0.95");
    }
    let o = certseal(
        tmp.path(),
        &["speed", "--stream", "10", "--stream-rounds", "0"],
    );
    assert_eq!(code(&o), 2, "{o:?}");
}
