//! `certseal render` and `certseal scan`, run on real files in a temporary directory: sample
//! records issued by the CLI, their faces and QR codes rendered to PNG, the folder scanned back
//! and verified; a QR code that is not a certseal payload and a file that is not an image.
#![cfg(all(feature = "cli", feature = "qr"))]
// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

mod support;

use support::{certseal, code, json_lines, SAMPLES_CSV};

/// The per-image records (every line but the closing summary) and the summary.
fn records_and_summary(o: &Output) -> (Vec<serde_json::Value>, serde_json::Value) {
    let mut lines = json_lines(o);
    let summary = lines.pop().expect("a summary line");
    assert!(summary.get("summary").is_some(), "{summary}");
    (lines, summary["summary"].clone())
}

/// Keys and the issued sample records in `dir`; the QR payloads, `identifier<TAB>payload`.
fn issue_samples(dir: &Path) -> Vec<(String, String)> {
    assert_eq!(code(&certseal(dir, &["keys", "init", "--dir", "keys"])), 0);
    let o = certseal(
        dir,
        &[
            "issue",
            "--keys",
            "keys",
            "--layout",
            "files",
            "--out",
            "issued",
            SAMPLES_CSV,
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    std::fs::read_to_string(dir.join("issued/qr.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            let (id, qr) = l.split_once('\t').unwrap();
            (id.to_owned(), qr.to_owned())
        })
        .collect()
}

#[test]
fn rendered_faces_and_qr_codes_scan_back_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue_samples(dir);
    std::fs::create_dir(dir.join("pics")).unwrap();

    let (first_id, first_qr) = &issued[0];
    let o = certseal(
        dir,
        &[
            "render",
            "qr",
            "--out",
            "pics/qr.png",
            "--module",
            "4",
            first_qr,
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let o = certseal(
        dir,
        &[
            "render",
            "qr",
            "--out",
            "pics/qr.svg",
            "--level",
            "H",
            first_qr,
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(std::fs::read_to_string(dir.join("pics/qr.svg"))
        .unwrap()
        .starts_with("<svg"));

    let (second_id, second_qr) = &issued[1];
    // A PNG face needs no installed font: the embedded one is the fallback.
    let o = certseal(
        dir,
        &[
            "render",
            "face",
            "--keys",
            "keys",
            "--out",
            "pics/face.png",
            second_qr,
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains(second_id.as_str()));

    let o = certseal(
        dir,
        &[
            "scan",
            "--json",
            "--jobs",
            "2",
            "--keys",
            "keys",
            "--report",
            "report.csv",
            "pics",
        ],
    );
    assert_eq!(code(&o), 0, "{o:?}");
    let (records, summary) = records_and_summary(&o);
    let expected: Vec<(&str, &str)> = vec![("face.png", second_id), ("qr.png", first_id)];
    assert_eq!(records.len(), expected.len(), "{records:?}");
    for (r, (file, id)) in records.iter().zip(&expected) {
        assert!(r["file"].as_str().unwrap().ends_with(file), "{r}");
        assert!(r["error"].is_null(), "{r}");
        let codes = r["codes"].as_array().unwrap();
        assert_eq!(codes.len(), 1, "{r}");
        assert_eq!(codes[0]["verdict"]["status"], "valid", "{r}");
        assert_eq!(codes[0]["verdict"]["certificate"]["identifier"], *id, "{r}");
        assert!(codes[0]["text"].as_str().unwrap().starts_with("CS1:"));
    }
    assert_eq!(summary["images"], expected.len());
    assert_eq!(summary["valid"], expected.len());
    assert_eq!(summary["not_valid"], 0);
    assert_eq!(summary["unreadable"], 0);

    let report = std::fs::read_to_string(dir.join("report.csv")).unwrap();
    let mut rows = report.lines();
    assert!(rows.next().unwrap().starts_with("file,code,status"));
    assert_eq!(
        rows.filter(|r| r.contains(",valid,")).count(),
        expected.len()
    );

    // The table says the same, and ends with the summary.
    let o = certseal(dir, &["scan", "--keys", "keys", "pics"]);
    assert_eq!(code(&o), 0, "{o:?}");
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains(first_id.as_str()), "{table}");
    assert!(
        table.trim_end().ends_with("0 not valid; 0 unreadable"),
        "{table}"
    );
}

#[test]
fn face_of_an_invalid_payload_is_not_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let issued = issue_samples(dir);
    let forged = issued[0].1.replacen("CS1:", "CS1:0", 1);
    let o = certseal(
        dir,
        &[
            "render", "face", "--keys", "keys", "--out", "f.svg", &forged,
        ],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(!dir.join("f.svg").exists());

    // With the signed document: drawn when it is the same certificate, refused otherwise.
    let (id0, qr0) = &issued[0];
    let doc0 = format!("issued/{id0}.cbor");
    let doc1 = format!("issued/{}.cbor", issued[1].0);
    let args = |doc: &str, out: &'static str| {
        let o = certseal(
            dir,
            &[
                "render",
                "face",
                "--keys",
                "keys",
                "--document",
                doc,
                "--out",
                out,
                qr0,
            ],
        );
        code(&o)
    };
    assert_eq!(args(&doc0, "same.svg"), 0);
    // (the SVG may wrap the identifier's line)
    assert!(std::fs::read_to_string(dir.join("same.svg"))
        .unwrap()
        .contains(&id0[..40]));
    assert_eq!(args(&doc1, "other.svg"), 1);
    assert!(!dir.join("other.svg").exists());
}

#[test]
fn other_qr_codes_and_unreadable_files_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    issue_samples(dir);
    std::fs::create_dir(dir.join("pics")).unwrap();
    let o = certseal(dir, &["render", "qr", "--out", "pics/hello.png", "HELLO"]);
    assert_eq!(code(&o), 0, "{o:?}");
    // A spreadsheet formula in QR alphanumeric characters.
    let formula = "+A1*2-1";
    let o = certseal(dir, &["render", "qr", "--out", "pics/formula.png", formula]);
    assert_eq!(code(&o), 0, "{o:?}");
    std::fs::write(
        dir.join("pics/garbage.png"),
        b"this is not a PNG file at all",
    )
    .unwrap();
    std::fs::write(dir.join("pics/notes.txt"), b"not an image, not scanned").unwrap();

    let o = certseal(
        dir,
        &[
            "scan", "--json", "--keys", "keys", "--report", "r.csv", "pics",
        ],
    );
    assert_eq!(code(&o), 1, "{o:?}");
    let (records, summary) = records_and_summary(&o);
    assert_eq!(records.len(), 3, "{records:?}");

    // JSON keeps the text as scanned; the CSV cell cannot run as a spreadsheet formula.
    let f = &records[0];
    assert!(f["file"].as_str().unwrap().ends_with("formula.png"));
    assert_eq!(f["codes"][0]["text"], formula);
    let mut csv = csv::Reader::from_path(dir.join("r.csv")).unwrap();
    let texts: Vec<String> = csv
        .records()
        .map(|r| r.unwrap().get(7).unwrap().to_owned())
        .collect();
    assert!(texts.contains(&format!("'{formula}")), "{texts:?}");
    assert!(texts.contains(&"HELLO".to_owned()), "{texts:?}");
    assert!(!texts.contains(&formula.to_owned()), "{texts:?}");

    let records = &records[1..];
    let garbage = &records[0];
    assert!(garbage["file"].as_str().unwrap().ends_with("garbage.png"));
    assert!(garbage["codes"].as_array().unwrap().is_empty());
    assert!(
        garbage["error"]
            .as_str()
            .unwrap()
            .contains("unreadable image"),
        "{garbage}"
    );

    let hello = &records[1];
    assert!(hello["error"].is_null(), "{hello}");
    let codes = hello["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0]["text"], "HELLO");
    assert_eq!(codes[0]["verdict"]["status"], "not_certseal");
    assert!(codes[0]["verdict"]["detail"]
        .as_str()
        .unwrap()
        .contains("not a certseal payload"));

    assert_eq!(summary["images"], 3);
    assert_eq!(summary["codes"], 2);
    assert_eq!(summary["valid"], 0);
    assert_eq!(summary["not_valid"], 2);
    assert_eq!(summary["unreadable"], 1);

    // A folder without images and a missing path are usage / input errors.
    std::fs::create_dir(dir.join("empty")).unwrap();
    assert_eq!(
        code(&certseal(dir, &["scan", "--keys", "keys", "empty"])),
        2
    );
    assert_eq!(
        code(&certseal(dir, &["scan", "--keys", "keys", "missing"])),
        2
    );
    assert_eq!(
        code(&certseal(
            dir,
            &["scan", "--jobs", "0", "--keys", "keys", "pics"]
        )),
        2
    );
}
