//! Replays every checked-in fuzz seed (`fuzz/corpus/<target>/`) and regression input
//! (`fuzz/regressions/<target>/`) through its target, in ordinary `cargo test`
//! (x509-parser's habit): a crash found once stays fixed. Every target `fuzz/Cargo.toml`
//! declares must have both folders, non-empty, and a replay here; a folder for a target that
//! is not declared is refused too, so a renamed target cannot leave its inputs unreplayed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use certseal::codec::{cbor, Limits};
use certseal::internal::fuzzing;

/// The differential CBOR target's comparison, shared with the fuzz target and the unit tests.
#[path = "../src/codec/cbor/differential.rs"]
mod differential;

/// The folders every target must have.
const KINDS: [&str; 2] = ["corpus", "regressions"];

/// Targets whose code needs a cargo feature: their folders are checked in every build, their
/// inputs replayed only when the feature is on.
const NEEDS_FEATURE: [(&str, &str); 5] = [
    ("sm2", "sm2"),
    ("qr_image", "qr"),
    ("submission", "sqlite"),
    ("server_requests", "server"),
    ("server_config", "server"),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The `[[bin]]` names of `fuzz/Cargo.toml`.
fn declared_targets() -> BTreeSet<String> {
    let path = fuzz_dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeSet::new();
    let mut in_bin = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some(value) = line.strip_prefix("name").map(str::trim_start) {
                if let Some(name) = value.strip_prefix('=') {
                    let name = name.trim().trim_matches('"').to_owned();
                    assert!(
                        out.insert(name.clone()),
                        "fuzz target {name} declared twice"
                    );
                }
            }
        }
    }
    assert!(
        out.len() >= 10,
        "only {} fuzz targets found in {}",
        out.len(),
        path.display()
    );
    out
}

/// The targets this file replays (in this build).
fn replay_fn(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "qr_text" => fuzzing::qr_text,
        "cose_sign1" => fuzzing::cose_sign1,
        "cwt_claims" => fuzzing::cwt_claims,
        "document" => fuzzing::document,
        "trust_list" => fuzzing::trust_list,
        "records" => fuzzing::records,
        "identifiers" => fuzzing::identifiers,
        "interop" => fuzzing::interop,
        "cbor_round_trip" => fuzzing::cbor_round_trip,
        "cbor_differential" => differential::check,
        "base45_round_trip" => fuzzing::base45_round_trip,
        "batch_verify" => fuzzing::batch_verify,
        "text_fields" => fuzzing::text_fields,
        "status_snapshot" => fuzzing::status_snapshot,
        "status_delta" => fuzzing::status_delta,
        "status_set" => fuzzing::status_set,
        "status_inspect" => fuzzing::status_inspect,
        "line_reader" => fuzzing::line_reader,
        "document_seq" => fuzzing::document_seq,
        #[cfg(feature = "sqlite")]
        "submission" => fuzzing::submission,
        #[cfg(feature = "sm2")]
        "sm2" => fuzzing::sm2,
        #[cfg(feature = "qr")]
        "qr_image" => fuzzing::qr_image,
        #[cfg(feature = "server")]
        "server_requests" => fuzzing::server_requests,
        #[cfg(feature = "server")]
        "server_config" => fuzzing::server_config,
        "bulk_ec" => fuzzing::bulk_ec,
        _ => return None,
    })
}

/// The files of `fuzz/<kind>/<target>/` (hidden files, which libFuzzer writes, skipped).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!("fuzz/{kind}/{target}/ is missing ({e}); every target in fuzz/Cargo.toml needs it")
    });
    let mut out: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    out.sort();
    out
}

fn replay(target: &str) -> usize {
    let run = replay_fn(target)
        .unwrap_or_else(|| panic!("fuzz target {target} has no replay in tests/fuzz_corpus.rs"));
    let mut count = 0;
    for kind in KINDS {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).expect("readable input");
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn every_declared_target_has_non_empty_corpus_and_regressions_folders() {
    for target in declared_targets() {
        for kind in KINDS {
            assert!(
                !inputs(kind, &target).is_empty(),
                "fuzz/{kind}/{target}/ is empty"
            );
        }
    }
}

#[test]
fn every_folder_belongs_to_a_declared_target() {
    let declared = declared_targets();
    for kind in KINDS {
        let dir = fuzz_dir().join(kind);
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("fuzz/{kind}/ is missing: {e}"));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                assert!(
                    declared.contains(name),
                    "fuzz/{kind}/{name}/ has no target in fuzz/Cargo.toml"
                );
            }
        }
    }
}

#[test]
fn every_declared_target_is_replayed() {
    let declared = declared_targets();
    for target in &declared {
        let gated = NEEDS_FEATURE.iter().any(|(t, _)| t == target);
        assert!(
            replay_fn(target).is_some() || gated,
            "fuzz target {target} has no replay in tests/fuzz_corpus.rs"
        );
    }
    for (target, _) in NEEDS_FEATURE {
        assert!(declared.contains(target), "{target} is not a fuzz target");
    }
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                assert!(replay(stringify!($name)) > 0);
            }
        )*
    };
}

replay_tests!(
    qr_text,
    cose_sign1,
    cwt_claims,
    document,
    trust_list,
    records,
    identifiers,
    interop,
    cbor_round_trip,
    cbor_differential,
    base45_round_trip,
    batch_verify,
    text_fields,
    status_snapshot,
    status_delta,
    status_set,
    status_inspect,
    line_reader,
    document_seq,
    bulk_ec,
);

#[cfg(feature = "sqlite")]
#[test]
fn submission() {
    assert!(replay("submission") > 0);
}

#[cfg(feature = "sm2")]
#[test]
fn sm2() {
    assert!(replay("sm2") > 0);
}

#[cfg(feature = "qr")]
#[test]
fn qr_image() {
    assert!(replay("qr_image") > 0);
}

#[cfg(feature = "server")]
#[test]
fn server_requests() {
    assert!(replay("server_requests") > 0);
}

#[cfg(feature = "server")]
#[test]
fn server_config() {
    assert!(replay("server_config") > 0);
}
