//! The registry commands end to end through the binary, in a temporary working directory
//! (default `certseal-registry.db` and `certseal-keys`): exit codes 0 / 1 / 2 and outputs.
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const BATCH: &str = "资格代码,级别,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期
9,2,李秀英,女,1990-11,111,310104199011234529,0902202300087214,2023-12-20
9,1,王建国,男,1985-03,111,110101198503076510,0101202400001538,2024-01-15
";

#[test]
fn submit_issue_lookup_reissue_revoke_and_audit_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(certseal(d, &["keys", "init", "--alg", "ed25519"])
        .status
        .success());
    std::fs::write(d.join("batch.csv"), BATCH).unwrap();

    let o = certseal(
        d,
        &["submit", "--body", "协会", "--batch", "1", "batch.csv"],
    );
    assert_eq!(o.status.code(), Some(1), "a rejected row exits 1");
    assert!(stdout(&o).contains("holder.id_number"), "{}", stdout(&o));

    let o = certseal(d, &["issue", "--pending", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["issued"], 1);

    let o = certseal(
        d,
        &[
            "lookup",
            "--management-number",
            "0902202300087214",
            "--name",
            "李秀英",
            "--json",
        ],
    );
    assert!(o.status.success());
    let found: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(found["state"], "valid");
    assert_eq!(found["id_number"], "**************4529");
    let id = found["identifier"].as_str().unwrap().to_owned();

    let o = certseal(
        d,
        &[
            "reissue",
            "change",
            "--name",
            "李秀瑛",
            "--date",
            "2026-01-05",
            &id,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = certseal(
        d,
        &[
            "revoke",
            &id,
            "--decision-body",
            "某部门",
            "--decision",
            "文号1",
            "--decision-date",
            "2026-01-06",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = certseal(
        d,
        &[
            "revoke",
            &id,
            "--decision-body",
            "某部门",
            "--decision",
            "文号1",
            "--decision-date",
            "2026-01-06",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "revoking twice is refused");
    assert!(String::from_utf8_lossy(&o.stderr).contains("is revoked"));

    let o = certseal(
        d,
        &[
            "lookup",
            "--identifier",
            "1.2.156.3005.2.11100000000013338W009.12100000400010398P.77.001.1",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "not found exits 1");

    let o = certseal(d, &["audit", "head"]);
    let head = stdout(&o).trim().to_owned();
    let o = certseal(d, &["audit", "verify", "--expect-head", &head]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("intact"));

    let o = certseal(d, &["deadlines", "--today", "2026-01-07"]);
    assert!(stdout(&o).contains("issue"), "{}", stdout(&o));
    let o = certseal(d, &["progress", "--json"]);
    assert!(o.status.success());
    let o = certseal(d, &["export", "--out", "exported"]);
    assert!(o.status.success());
    let qr = std::fs::read_to_string(d.join("exported/qr.txt")).unwrap();
    assert_eq!(qr.lines().count(), 2, "the first version and its 换发");
}

#[test]
fn a_gbk_file_is_refused_with_advice_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (gbk, _, _) = encoding_rs::GB18030.encode(BATCH);
    std::fs::write(d.join("gbk.csv"), &gbk[..]).unwrap();
    let o = certseal(d, &["submit", "--body", "协会", "--batch", "1", "gbk.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--encoding gb18030"), "{err}");
    let o = certseal(
        d,
        &[
            "submit",
            "--body",
            "协会",
            "--batch",
            "1",
            "--encoding",
            "gbk",
            "gbk.csv",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "read; one row rejected");
}
