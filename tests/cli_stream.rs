//! `certseal verify --file` streaming (`specs/bulk-verify-cli.md`, issue 16), run as a user
//! runs it: real keys made by `keys init`, payloads made by `issue`, every input form (bare,
//! CRLF, blank lines, `identifier<TAB>string`, bundle JSON lines, gzip, zstd, stdin, several
//! files), lines that are too long or not text, `--only-invalid`, the summary by reason, the
//! CSV formula guard, exit codes, the progress bar when piped, and `--resume` after SIGINT.
//! No timed assertions.
#![cfg(feature = "cli")]
// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{certseal, certseal_stdin, code, json_lines, stdout, SAMPLES_CSV};

/// Keys (Ed25519, so the bulk path takes the batch equation) and the samples issued as a
/// bundle: returns the bundle's `(identifier, qr)` pairs, in order.
fn issue(dir: &Path) -> Vec<(String, String)> {
    let o = certseal(dir, &["keys", "init", "--dir", "keys", "--alg", "ed25519"]);
    assert_eq!(code(&o), 0, "{o:?}");
    let o = certseal(
        dir,
        &["issue", "--keys", "keys", "--out", "out", SAMPLES_CSV],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    std::fs::read_to_string(dir.join("out/sample-records.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["identifier"].as_str().unwrap().to_owned(),
                v["qr"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Flips one base45 character of the signature end of a payload (still base45).
fn tamper(qr: &str) -> String {
    let mut b = qr.as_bytes().to_vec();
    let i = b.len() - 5;
    b[i] = if b[i] == b'0' { b'1' } else { b'0' };
    String::from_utf8(b).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn every_input_form_streams_in_order_from_files_gzip_zstd_and_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue(dir);
    // Line 1 bare, 2 CRLF, 3 blank, 4 identifier<TAB>string, 5 blank CRLF, 6 a bundle line,
    // 7 the last one without a line end.
    let (id0, q0) = &issued[0];
    let (id1, q1) = &issued[1];
    let (id2, q2) = &issued[2];
    let bundle_line = format!("{{\"identifier\":\"{id2}\",\"qr\":\"{q2}\",\"view\":{{}}}}");
    let text = format!("{q0}\n{q1}\r\n\n{id1}\t{q1}\r\n\r\n{bundle_line}\n{q0}");
    std::fs::write(dir.join("plain.txt"), &text).unwrap();
    std::fs::write(dir.join("gz.txt.gz"), gzip(text.as_bytes())).unwrap();
    std::fs::write(
        dir.join("zst.txt.zst"),
        zstd::encode_all(text.as_bytes(), 3).unwrap(),
    )
    .unwrap();
    let files = ["plain.txt", "gz.txt.gz", "zst.txt.zst"];
    let mut args = vec!["verify", "--keys", "keys", "--json", "--file"];
    args.extend(files);
    let o = certseal(dir, &args);
    assert_eq!(code(&o), 0, "{o:?}");
    let records = json_lines(&o);
    assert_eq!(records.len(), 15, "five payload lines per file");
    let want_lines = [1, 2, 4, 6, 7];
    let want_ids = [None, None, Some(id1.as_str()), Some(id2.as_str()), None];
    for (k, file) in files.iter().enumerate() {
        for (j, r) in records[k * 5..k * 5 + 5].iter().enumerate() {
            assert_eq!(r["file"], *file, "{r}");
            assert_eq!(r["line"], want_lines[j], "{r}");
            assert_eq!(r["input_id"].as_str(), want_ids[j], "{r}");
            assert_eq!(r["status"], "valid", "{r}");
        }
    }
    assert_eq!(records[0]["certificate"]["identifier"], id0.as_str());

    // The same text on stdin, as `-` and as no argument at all.
    for args in [
        &["verify", "--keys", "keys", "--json", "--file", "-"][..],
        &["verify", "--keys", "keys", "--json"][..],
    ] {
        let o = certseal_stdin(dir, args, &text);
        assert_eq!(code(&o), 0, "{o:?}");
        let lines: Vec<u64> = json_lines(&o)
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, want_lines);
    }
}

#[test]
fn a_too_long_or_binary_line_gets_its_own_verdict_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue(dir);
    let q = &issued[0].1;
    let mut data = Vec::new();
    data.extend_from_slice(format!("{q}\n").as_bytes());
    data.extend_from_slice(b"CS1:\xff\xfe\x00binary\n");
    data.extend_from_slice(format!("{q}\n").as_bytes());
    data.extend_from_slice(&vec![b'A'; 100_000]);
    data.extend_from_slice(format!("\n{q}\n{}\n", tamper(q)).as_bytes());
    data.extend_from_slice(b"{\"identifier\": 7}\n");
    std::fs::write(dir.join("mixed.txt"), &data).unwrap();
    let o = certseal(
        dir,
        &[
            "verify",
            "--keys",
            "keys",
            "--json",
            "--max-line",
            "4096",
            "--file",
            "mixed.txt",
        ],
    );
    // An unreadable line is an input error: exit 2, after every line was reported.
    assert_eq!(code(&o), 2, "{o:?}");
    let got: Vec<(u64, String, String)> = json_lines(&o)
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want = [
        (1, "valid", ""),
        (2, "error", "not_utf8"),
        (3, "valid", ""),
        (4, "error", "line_too_long"),
        (5, "valid", ""),
        (6, "invalid", "signature"),
        (7, "error", "bad_bundle_line"),
    ];
    let want: Vec<(u64, String, String)> = want
        .iter()
        .map(|(l, s, r)| (*l, (*s).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(got, want);
    let e = stderr(&o);
    assert!(
        e.contains("7 lines: 3 valid, 4 not valid, of which 3 unreadable"),
        "{e}"
    );
    for reason in [
        "line_too_long: 1",
        "not_utf8: 1",
        "bad_bundle_line: 1",
        "signature: 1",
    ] {
        assert!(e.contains(reason), "{reason} in {e}");
    }
}

#[test]
fn only_invalid_reports_the_invalid_lines_and_the_summary_counts_all() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue(dir);
    let mut text = String::new();
    for (_, q) in &issued {
        text.push_str(q);
        text.push('\n');
    }
    text.push_str(&tamper(&issued[3].1));
    text.push('\n');
    std::fs::write(dir.join("in.txt"), &text).unwrap();
    let n = issued.len() + 1;

    // Table: the rows of the invalid lines only, then the summary by reason, on stdout.
    let o = certseal(
        dir,
        &[
            "verify",
            "--keys",
            "keys",
            "--only-invalid",
            "--file",
            "in.txt",
        ],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    let out = stdout(&o);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .filter(|l| !l.contains(" lines: "))
        .collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert!(rows[0].trim_start().starts_with(&format!("{n} ")), "{out}");
    assert!(rows[0].contains("signature"), "{out}");
    assert!(
        out.contains(&format!(
            "{n} lines: {} valid, 1 not valid, of which 0 unreadable\n  signature: 1",
            n - 1
        )),
        "{out}"
    );

    // CSV: the header and one row on stdout, the summary on stderr.
    let o = certseal(
        dir,
        &[
            "verify",
            "--keys",
            "keys",
            "--format",
            "csv",
            "--only-invalid",
            "--file",
            "in.txt",
        ],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], n.to_string().as_str());
    assert_eq!(&rows[0][3], "invalid");
    assert_eq!(&rows[0][4], "signature");
    assert!(stderr(&o).contains(&format!("{n} lines: ")), "{o:?}");

    // All valid: exit 0 and no row at all.
    let valid: String = issued.iter().map(|(_, q)| format!("{q}\n")).collect();
    let o = certseal_stdin(
        dir,
        &["verify", "--keys", "keys", "--json", "--only-invalid"],
        &valid,
    );
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
}

#[test]
fn csv_report_guards_formula_cells_and_the_progress_bar_stays_off_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue(dir);
    let text = format!("=HYPERLINK(\"http://x\")\t{}\n", issued[0].1);
    let o = certseal_stdin(dir, &["verify", "--keys", "keys", "--format", "csv"], &text);
    assert_eq!(code(&o), 0, "{o:?}");
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&row[3], "valid");
    // stderr is a pipe here: it holds the summary and nothing a progress bar draws.
    let e = stderr(&o);
    assert_eq!(
        e.trim_end(),
        "1 lines: 1 valid, 0 not valid, of which 0 unreadable"
    );
    assert!(!e.contains('\r') && !e.contains('\u{1b}'), "{e:?}");
}

#[test]
fn empty_input_is_a_usage_error_and_a_missing_file_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    issue(dir);
    std::fs::write(dir.join("blank.txt"), "\n\r\n\n").unwrap();
    let o = certseal(dir, &["verify", "--keys", "keys", "--file", "blank.txt"]);
    assert_eq!(code(&o), 2, "{o:?}");
    let o = certseal(dir, &["verify", "--keys", "keys", "--file", "missing.txt"]);
    assert_eq!(code(&o), 2, "{o:?}");
    // A truncated gzip stream: the lines before the cut are reported, then exit 2.
    let issued: Vec<String> = std::fs::read_to_string(dir.join("out/sample-records.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let mut text = String::new();
    for _ in 0..200 {
        for l in &issued {
            text.push_str(l);
            text.push('\n');
        }
    }
    let gz = gzip(text.as_bytes());
    std::fs::write(dir.join("cut.gz"), &gz[..gz.len() / 2]).unwrap();
    let o = certseal(
        dir,
        &["verify", "--keys", "keys", "--json", "--file", "cut.gz"],
    );
    assert_eq!(code(&o), 2, "{o:?}");
    let records = json_lines(&o);
    assert!(
        !records.is_empty() && records.len() < 1600,
        "{}",
        records.len()
    );
    assert!(records.iter().all(|r| r["status"] == "valid"));
    assert!(stderr(&o).contains("cut.gz"), "{o:?}");
}

/// Builds a file of `copies` rounds of `issued` (one tampered payload a round) for the
/// resume test.
fn big_input(dir: &Path, issued: &[(String, String)], copies: usize) -> String {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("big.txt")).unwrap());
    let bad = tamper(&issued[0].1);
    for _ in 0..copies {
        for (id, q) in issued {
            writeln!(f, "{id}\t{q}").unwrap();
        }
        writeln!(f, "{bad}").unwrap();
    }
    f.flush().unwrap();
    "big.txt".into()
}

#[test]
fn resume_after_sigint_writes_the_report_an_uninterrupted_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue(dir);
    // One verification time for every run, so the reports can be compared byte for byte.
    let at = std::fs::read_to_string(dir.join("out/sample-records.jsonl"))
        .unwrap()
        .lines()
        .next()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["view"]["issued_at"].as_str().unwrap().to_owned()
        })
        .unwrap();
    let input = "big.txt";
    for format in ["table", "json", "csv"] {
        let report = format!("report.{format}");
        let sidecar = dir.join(format!("{report}.resume"));
        let base = [
            "verify",
            "--keys",
            "keys",
            "--at",
            &at,
            "--threads",
            "1",
            "--format",
            format,
            "--file",
            input,
            "--output",
            &report,
        ];
        let Some(exe) = option_env!("CARGO_BIN_EXE_certseal") else {
            panic!("integration tests run the binary")
        };
        // Interrupt once a checkpoint was saved. On a fast machine the run may end before
        // its first checkpoint, on a loaded one between that and the signal: then again on
        // a longer input.
        let mut lines = 0;
        for copies in [5_000, 20_000, 80_000] {
            big_input(dir, &issued, copies);
            lines = copies * (issued.len() + 1);
            let mut child = Command::new(exe)
                .current_dir(dir)
                .args(base)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut finished = false;
            while !sidecar.exists() {
                assert!(Instant::now() < deadline, "no checkpoint was saved");
                if child.try_wait().unwrap().is_some() {
                    finished = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            if finished {
                assert_ne!(
                    copies, 80_000,
                    "{format}: every run ended before a checkpoint"
                );
                continue;
            }
            let status = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            let status = child.wait().unwrap();
            assert!(!status.success(), "{format}: the run ended before SIGINT");
            if sidecar.exists() {
                break;
            }
            assert_ne!(copies, 80_000, "{format}: every run ended before SIGINT");
        }
        assert!(sidecar.exists(), "{format}: the state stays for --resume");
        let cut = std::fs::metadata(dir.join(&report)).unwrap().len();

        let mut resume = base.to_vec();
        resume.retain(|a| *a != "--at" && *a != at.as_str());
        resume.push("--resume");
        let o = certseal(dir, &resume);
        assert_eq!(code(&o), 1, "{format}: one tampered line a round: {o:?}");
        assert!(
            !sidecar.exists(),
            "{format}: the state goes when the run ends"
        );
        let resumed = std::fs::read(dir.join(&report)).unwrap();
        assert!(
            (cut as usize) < resumed.len(),
            "{format}: interrupted mid-run"
        );

        let full = format!("full.{format}");
        let mut once = base.to_vec();
        let at_output = once.len() - 1;
        once[at_output] = &full;
        let o = certseal(dir, &once);
        assert_eq!(code(&o), 1, "{o:?}");
        let uninterrupted = std::fs::read(dir.join(&full)).unwrap();
        assert!(
            resumed == uninterrupted,
            "{format}: resumed report ({} bytes) differs from the uninterrupted one ({} bytes)",
            resumed.len(),
            uninterrupted.len()
        );
        if format == "json" {
            assert_eq!(resumed.iter().filter(|b| **b == b'\n').count(), lines);
        }
    }
}

#[test]
fn resume_without_a_saved_state_starts_afresh() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue(dir);
    let input = big_input(dir, &issued, 10);
    let args = [
        "verify", "--keys", "keys", "--json", "--file", &input, "--output", "r.jsonl",
    ];
    let o = certseal(dir, &args);
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(
        !dir.join("r.jsonl.resume").exists(),
        "a finished run leaves no state"
    );
    let first = std::fs::read(dir.join("r.jsonl")).unwrap();
    assert_eq!(first.iter().filter(|b| **b == b'\n').count(), 90);
    let mut again = args.to_vec();
    again.push("--resume");
    let o = certseal(dir, &again);
    assert_eq!(code(&o), 1, "{o:?}");
    assert_eq!(std::fs::read(dir.join("r.jsonl")).unwrap(), first);
}
