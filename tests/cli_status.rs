//! `certseal status export|inspect` and `verify --status` through the binary, on a real
//! registry file and key directory in a temporary working directory.
#![cfg(all(feature = "sqlite", feature = "cli"))]

use std::path::Path;
use std::process::{Command, Output};

fn certseal(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certseal"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("certseal runs")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const BATCH: &str = "资格代码,级别,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期
9,2,李秀英,女,1990-11,111,310104199011234529,0902202300087214,2023-12-20
9,1,王建国,男,1985-03,111,110101198503076511,0101202400001538,2024-01-15
";

#[test]
fn status_export_inspect_and_verify_with_status_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&certseal(d, &["keys", "init", "--alg", "ed25519"]));
    std::fs::write(d.join("b.csv"), BATCH).unwrap();
    ok(&certseal(
        d,
        &["submit", "--body", "协会", "--batch", "1", "b.csv"],
    ));
    ok(&certseal(d, &["issue", "--pending"]));
    let s0 = ok(&certseal(d, &["status", "export", "--out", "s0.cbor"]));
    assert!(s0.contains("snapshot at sequence 0"), "{s0}");
    ok(&certseal(d, &["export", "--out", "ex"]));
    let qr = std::fs::read_to_string(d.join("ex/qr.txt")).unwrap();
    let ids: Vec<&str> = qr.lines().map(|l| l.split('\t').next().unwrap()).collect();
    ok(&certseal(
        d,
        &[
            "revoke",
            ids[0],
            "--decision-body",
            "某部门",
            "--decision",
            "文号1",
            "--decision-date",
            "2026-01-06",
        ],
    ));
    ok(&certseal(d, &["reissue", "replacement", ids[1]]));
    ok(&certseal(d, &["status", "export", "--out", "s1.cbor"]));
    let delta = ok(&certseal(
        d,
        &["status", "export", "--since", "0", "--out", "d.cbor"],
    ));
    assert!(delta.contains("delta 0 -> 2"), "{delta}");
    ok(&certseal(
        d,
        &[
            "status",
            "export",
            "--format",
            "token-status-list",
            "--out",
            "t.cwt",
        ],
    ));
    let text = ok(&certseal(d, &["status", "inspect", "s1.cbor"]));
    assert!(text.contains("superseded: 1"), "{text}");
    assert!(text.contains("invalidated 1"), "{text}");
    let json = ok(&certseal(d, &["status", "inspect", "d.cbor", "--json"]));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(
        (v["kind"].as_str(), v["from"].as_u64()),
        (Some("delta"), Some(0))
    );
    // A delta from a sequence past the head is refused (exit 2).
    let o = certseal(d, &["status", "export", "--since", "9", "--out", "x.cbor"]);
    assert_eq!(o.status.code(), Some(2));

    ok(&certseal(d, &["export", "--out", "ex2"]));
    let file = d.join("ex2/qr.txt");
    let file = file.to_str().unwrap();
    // Without status every version verifies; with the snapshot, or the first snapshot and the
    // delta, the revoked and superseded ones do not.
    ok(&certseal(d, &["verify", "--file", file]));
    for status in [
        &["--status", "s1.cbor"][..],
        &["--status", "s0.cbor", "--status", "d.cbor"],
    ] {
        let mut args = vec!["verify", "--json", "--file", file];
        args.extend_from_slice(status);
        let o = certseal(d, &args);
        assert_eq!(o.status.code(), Some(1));
        let reasons: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["reason"].as_str().unwrap_or("valid").to_owned()
            })
            .collect();
        assert_eq!(reasons, ["revoked", "superseded", "valid"]);
    }
    // Past next_update: warn by default, fail with --stale fail unless the grace covers it.
    let late = ["--at", "2099-01-01T00:00:00Z"];
    let mut args = vec![
        "verify", "--file", file, "--status", "s1.cbor", "--stale", "fail",
    ];
    args.extend_from_slice(&late);
    let o = certseal(d, &args);
    assert!(String::from_utf8_lossy(&o.stdout).contains("stale"));
    // A delta given as the snapshot is refused (exit 2, naming the file).
    let o = certseal(d, &["verify", "--file", file, "--status", "d.cbor"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("d.cbor"));
}
