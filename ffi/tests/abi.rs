//! The C ABI called as a C program calls it (raw pointers, explicit lengths, library-owned
//! strings freed by the library), on the shared fixtures: every verdict in every status state,
//! single and batch on one and many threads, the JSON view against the engine's, status loads
//! and refusals, errors with codes and messages, hostile arguments, scans, and concurrent use
//! of one handle.

mod support;

use std::mem::{offset_of, size_of};

use certseal::trust::{RootCert, TrustList};
use certseal::verify::Verifier;
use certseal::FixedClock;
use certseal_ffi::*;
use support::{cases, read, verdict_name, Loaded, NOW, V};

const STATES: [Loaded; 3] = [Loaded::Nothing, Loaded::Snapshot, Loaded::Delta];

#[test]
fn result_layout_is_fixed_at_32_bytes() {
    assert_eq!(size_of::<CertsealResult>(), 32);
    assert_eq!(offset_of!(CertsealResult, status), 0);
    assert_eq!(offset_of!(CertsealResult, stage), 1);
    assert_eq!(offset_of!(CertsealResult, reason), 2);
    assert_eq!(offset_of!(CertsealResult, alg), 4);
    assert_eq!(offset_of!(CertsealResult, flags), 8);
    assert_eq!(offset_of!(CertsealResult, reserved), 12);
    assert_eq!(offset_of!(CertsealResult, kid), 16);
    assert_eq!(offset_of!(CertsealResult, status_index), 24);
    assert_eq!(size_of::<CertsealBytes>(), 2 * size_of::<usize>());
    assert_eq!(size_of::<CertsealStatusInfo>(), 40);
}

#[test]
fn every_fixture_gets_its_verdict_in_every_status_state() {
    for loaded in STATES {
        let v = V::with(1, loaded);
        for case in cases() {
            let r = v.verify(case.text.as_bytes());
            assert_eq!(
                verdict_name(&r),
                case.expect[loaded as usize],
                "{} with {loaded:?}",
                case.name
            );
            assert_eq!(r.reserved, 0);
        }
    }
}

#[test]
fn valid_results_carry_alg_kid_and_status_index() {
    let v = V::with(1, Loaded::Snapshot);
    let case = cases().into_iter().find(|c| c.name == "valid-4").unwrap();
    let r = v.verify(case.text.as_bytes());
    assert_eq!(r.status, CertsealStatus::Valid);
    assert_eq!(r.reason, CertsealReason::None);
    assert_eq!(r.stage, CertsealStage::None);
    assert_eq!(r.alg, -8, "EdDSA");
    assert_eq!(r.status_index, 4);
    let want = CERTSEAL_FLAG_HAS_KID
        | CERTSEAL_FLAG_HAS_STATUS_INDEX
        | CERTSEAL_FLAG_HAS_CERTIFICATE
        | CERTSEAL_FLAG_STATUS_CHECKED
        | CERTSEAL_FLAG_STATUS_COVERED;
    assert_eq!(r.flags, want);
    let (_, json) = v.verify_json(case.text.as_bytes());
    assert_eq!(
        json["kid"].as_str().unwrap(),
        certseal::codec::hex::encode(&r.kid)
    );

    // Refused before the header: no alg, no kid, no certificate.
    let r = v.verify(b"CS2:ABC");
    assert_eq!(r.status, CertsealStatus::Invalid);
    assert_eq!((r.alg, r.flags, r.kid), (0, 0, [0; 8]));
}

/// The engine's verifier over the fixtures, at [`NOW`].
fn engine() -> Verifier {
    let root = RootCert::from_pem_or_der(&read("root.pem")).unwrap();
    let list = TrustList::verify(&read("trust-list.cbor"), &root).unwrap();
    Verifier::new(list.store).with_clock(FixedClock(NOW))
}

#[test]
fn json_view_is_the_engines_without_status() {
    let engine = engine();
    let v = V::new(1);
    for case in cases() {
        let (r, json) = v.verify_json(case.text.as_bytes());
        assert_eq!(json, engine.verify(&case.text).to_json(), "{}", case.name);
        assert_eq!(r, v.verify(case.text.as_bytes()));
    }
}

#[test]
fn status_refusal_rewrites_status_reason_stage_and_detail() {
    let v = V::with(1, Loaded::Delta);
    let by_name = |n: &str| cases().into_iter().find(|c| c.name == n).unwrap().text;
    let (r, json) = v.verify_json(by_name("revoked-3").as_bytes());
    assert_eq!(r.reason, CertsealReason::Revoked);
    assert_eq!(json["status"], "invalid");
    assert_eq!(json["reason"], "revoked");
    assert_eq!(json["stage"], "status");
    assert_eq!(json["detail"], "status index 3 revoked (invalidated)");
    assert_eq!(json["status_list"]["sequence"], 11);
    assert_eq!(json["status_list"]["stale"], false);
    assert!(
        json["certificate"].is_object(),
        "the signed data is still shown"
    );
    let (_, json) = v.verify_json(by_name("revoked-by-delta-7").as_bytes());
    assert_eq!(json["detail"], "status index 7 revoked (withdrawn)");
    let (r, json) = v.verify_json(by_name("signer-revoked-11").as_bytes());
    assert_eq!(r.reason, CertsealReason::SignerRevoked);
    assert_eq!(r.flags & CERTSEAL_FLAG_STATUS_COVERED, 0);
    assert_eq!(json["reason"], "signer_revoked");
}

#[test]
fn batch_equals_single_on_one_and_many_threads_and_both_bulk_paths() {
    let cases = cases();
    // Each case many times, so the batch spans several cofactored chunks of 512.
    let texts: Vec<&[u8]> = (0..2_000)
        .map(|i| cases[i % cases.len()].text.as_bytes())
        .collect();
    for loaded in STATES {
        for threads in [1, 2, 0] {
            let v = V::with(threads, loaded);
            let single: Vec<CertsealResult> = texts.iter().map(|t| v.verify(t)).collect();
            for flags in [0, CERTSEAL_BATCH_COFACTORED] {
                let (batch, _) = v.verify_batch(&texts, flags, false).unwrap();
                assert_eq!(
                    batch, single,
                    "{loaded:?}, {threads} threads, flags {flags}"
                );
            }
        }
    }
}

#[test]
fn batch_json_lines_are_the_single_json_views_in_order() {
    let v = V::with(2, Loaded::Delta);
    let cases = cases();
    let texts: Vec<&[u8]> = cases.iter().map(|c| c.text.as_bytes()).collect();
    let (results, lines) = v.verify_batch(&texts, 0, true).unwrap();
    let lines = lines.unwrap();
    assert!(lines.ends_with('\n'));
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), cases.len());
    for ((case, line), r) in cases.iter().zip(lines).zip(&results) {
        let (single_r, single_json) = v.verify_json(case.text.as_bytes());
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(line, single_json, "{}", case.name);
        assert_eq!(*r, single_r);
    }
}

#[test]
fn empty_batch_writes_nothing_and_needs_no_buffers() {
    let v = V::new(2);
    let (results, lines) = v.verify_batch(&[], 0, true).unwrap();
    assert!(results.is_empty());
    assert_eq!(lines.as_deref(), Some(""));
    // SAFETY: a live handle; NULL arrays with count 0 are allowed.
    let code = unsafe {
        certseal_verify_batch(
            v.0,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, CertsealCode::Ok);
}

#[test]
fn rejects_unknown_batch_flags() {
    let v = V::new(1);
    let text: &[u8] = b"CS1:";
    assert_eq!(
        v.verify_batch(&[text], 0x8, false),
        Err(CertsealCode::Argument)
    );
    assert!(
        v.last_error().starts_with("flags: got 0x8"),
        "{}",
        v.last_error()
    );
}

#[test]
fn stale_status_is_flagged_then_refused_on_request() {
    let v = V::with(1, Loaded::Snapshot);
    let text = cases()
        .into_iter()
        .find(|c| c.name == "valid-0")
        .unwrap()
        .text;
    let later = NOW + 2 * 86_400;
    assert_eq!(v.set_time(later), CertsealCode::Ok);
    let r = v.verify(text.as_bytes());
    assert_eq!(r.status, CertsealStatus::Valid);
    assert_ne!(r.flags & CERTSEAL_FLAG_STATUS_STALE, 0);
    // SAFETY: a live handle.
    let code = unsafe { certseal_verifier_fail_when_stale(v.0, 1) };
    assert_eq!(code, CertsealCode::Ok);
    assert_eq!(v.status_info().fail_when_stale, 1);
    let (r, json) = v.verify_json(text.as_bytes());
    assert_eq!(r.status, CertsealStatus::Invalid);
    assert_eq!(r.reason, CertsealReason::StatusStale);
    assert_eq!(r.stage, CertsealStage::Status);
    assert_eq!(json["reason"], "stale");
    assert_eq!(json["status_list"]["stale"], true);
    // Back in time: fresh again.
    assert_eq!(v.set_time(NOW), CertsealCode::Ok);
    assert_eq!(v.verify(text.as_bytes()).status, CertsealStatus::Valid);
}

#[test]
fn status_info_follows_snapshot_and_delta() {
    let v = V::new(1);
    let none = v.status_info();
    assert_eq!((none.loaded, none.sequence, none.size), (0, 0, 0));
    assert_eq!(
        v.load_status(&read("status-snapshot.cbor")),
        CertsealCode::Ok
    );
    let snap = v.status_info();
    assert_eq!((snap.loaded, snap.sequence, snap.size), (1, 10, 64));
    assert_eq!(snap.next_update, NOW + 86_400);
    assert_eq!(v.apply_delta(&read("status-delta.cbor")), CertsealCode::Ok);
    assert_eq!(v.status_info().sequence, 11);
}

#[test]
fn refused_status_documents_leave_the_list_in_force() {
    let v = V::new(1);
    // A delta before any snapshot.
    assert_eq!(
        v.apply_delta(&read("status-delta.cbor")),
        CertsealCode::Status
    );
    assert!(
        v.last_error().contains("no snapshot loaded"),
        "{}",
        v.last_error()
    );
    // A snapshot with one flipped byte in its signature.
    let mut bad = read("status-snapshot.cbor");
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(v.load_status(&bad), CertsealCode::Status);
    assert!(
        v.last_error().starts_with("status snapshot: "),
        "{}",
        v.last_error()
    );
    assert_eq!(v.status_info().loaded, 0);

    assert_eq!(
        v.load_status(&read("status-snapshot.cbor")),
        CertsealCode::Ok
    );
    assert_eq!(v.apply_delta(&read("status-delta.cbor")), CertsealCode::Ok);
    let in_force = v.status_info();
    // The same delta again does not chain; the same snapshot again is a rollback.
    assert_eq!(
        v.apply_delta(&read("status-delta.cbor")),
        CertsealCode::Status
    );
    assert!(v.last_error().contains("sequence"), "{}", v.last_error());
    assert_eq!(
        v.load_status(&read("status-snapshot.cbor")),
        CertsealCode::Status
    );
    assert!(
        v.last_error().contains("sequence: got 10"),
        "{}",
        v.last_error()
    );
    assert_eq!(v.status_info(), in_force);
    let revoked = cases()
        .into_iter()
        .find(|c| c.name == "revoked-by-delta-7")
        .unwrap();
    assert_eq!(
        v.verify(revoked.text.as_bytes()).reason,
        CertsealReason::Revoked
    );
}

#[test]
fn constructors_fail_with_a_code_and_a_message() {
    let list = read("trust-list.cbor");
    let root = read("root.pem");
    let mut tampered = list.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let (code, message) = V::try_new(&tampered, &root, 1).err().unwrap();
    assert_eq!(code, CertsealCode::Trust);
    assert!(message.starts_with("trust list: "), "{message}");
    let (code, message) = V::try_new(&list, b"not a certificate", 1).err().unwrap();
    assert_eq!(code, CertsealCode::Trust);
    assert!(message.starts_with("root certificate: "), "{message}");
    let (code, message) = V::try_new(&list, &root, 257).err().unwrap();
    assert_eq!(code, CertsealCode::Argument);
    assert_eq!(message, "threads: got 257, expected at most 256");
    let (code, message) = V::try_new(&[], &root, 1).err().unwrap();
    assert_eq!(code, CertsealCode::Trust, "{message}");

    let mut out = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    // SAFETY: NULL with a length is refused before any read; out-parameters writable.
    let code = unsafe {
        certseal_verifier_new(
            std::ptr::null(),
            5,
            root.as_ptr(),
            root.len(),
            1,
            &mut out,
            &mut error,
        )
    };
    assert_eq!(code, CertsealCode::Null);
    assert_eq!(support::take_string(error, None), "trust_list: got NULL");
    // SAFETY: NULL `out` is refused before anything is written.
    let code = unsafe {
        certseal_verifier_new(
            list.as_ptr(),
            list.len(),
            root.as_ptr(),
            root.len(),
            1,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, CertsealCode::Null);
}

fn from_files(list: &str, root: &str) -> Result<V, (CertsealCode, String)> {
    let mut out = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    // SAFETY: the path buffers are readable for their lengths; out-parameters writable.
    let code = unsafe {
        certseal_verifier_new_from_files(
            list.as_ptr(),
            list.len(),
            root.as_ptr(),
            root.len(),
            2,
            &mut out,
            &mut error,
        )
    };
    if code == CertsealCode::Ok {
        Ok(V(out))
    } else {
        Err((code, support::take_string(error, None)))
    }
}

#[test]
fn handle_from_files_reads_and_bounds_them() {
    let dir = support::dir();
    let list = dir.join("trust-list.cbor");
    let root = dir.join("root.pem");
    let v = from_files(list.to_str().unwrap(), root.to_str().unwrap()).unwrap();
    v.set_time(NOW);
    let valid = cases().into_iter().find(|c| c.name == "valid-0").unwrap();
    assert_eq!(
        v.verify(valid.text.as_bytes()).status,
        CertsealStatus::Valid
    );

    let missing = dir.join("no-such-file");
    let (code, message) = from_files(missing.to_str().unwrap(), root.to_str().unwrap())
        .err()
        .unwrap();
    assert_eq!(code, CertsealCode::Io);
    assert!(message.contains("no-such-file"), "{message}");

    let big = tempfile_with(&vec![0u8; (4 << 20) + 1]);
    let (code, message) = from_files(big.to_str().unwrap(), root.to_str().unwrap())
        .err()
        .unwrap();
    assert_eq!(code, CertsealCode::Trust);
    assert!(
        message.ends_with("larger than the limit of 4194304 bytes"),
        "{message}"
    );
    std::fs::remove_file(big).unwrap();
}

fn tempfile_with(bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("certseal-ffi-test-{}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn null_arguments_are_refused_with_err_null() {
    let v = V::new(1);
    let mut r = CertsealResult::UNSET;
    // Each call passes a NULL the function must refuse before reading or writing.
    macro_rules! refused {
        ($call:expr) => {{
            // SAFETY: the call's only invalid argument is a NULL it checks first; every other
            // pointer is live and sized as the contract says.
            let code = unsafe { $call };
            assert_eq!(code, CertsealCode::Null, "{}", stringify!($call));
        }};
    }
    refused!(certseal_verify(std::ptr::null(), b"x".as_ptr(), 1, &mut r));
    refused!(certseal_verify(v.0, std::ptr::null(), 3, &mut r));
    assert_eq!(v.last_error(), "text: got NULL");
    refused!(certseal_verify(v.0, b"x".as_ptr(), 1, std::ptr::null_mut()));
    assert_eq!(v.last_error(), "result: got NULL");
    refused!(certseal_verify_json(
        v.0,
        b"x".as_ptr(),
        1,
        &mut r,
        std::ptr::null_mut(),
        std::ptr::null_mut()
    ));
    refused!(certseal_verifier_set_time(std::ptr::null(), 0));
    refused!(certseal_verifier_load_status(v.0, std::ptr::null(), 1));
    refused!(certseal_verifier_status_info(v.0, std::ptr::null_mut()));
    refused!(certseal_scan(v.0, b"x".as_ptr(), 1, std::ptr::null_mut()));
    // SAFETY: freeing NULL is a no-op by the contract.
    unsafe { certseal_verifier_free(std::ptr::null_mut()) };
    // SAFETY: as above.
    unsafe { certseal_scan_free(std::ptr::null_mut()) };
    // SAFETY: as above.
    unsafe { certseal_string_free(std::ptr::null_mut()) };
    assert_eq!(
        r,
        CertsealResult::UNSET,
        "nothing written on a refused call"
    );
    // An empty text is a verdict, not an error.
    // SAFETY: NULL with length 0 is an empty text.
    let code = unsafe { certseal_verify(v.0, std::ptr::null(), 0, &mut r) };
    assert_eq!(code, CertsealCode::Ok);
    assert_eq!(verdict_name(&r), "bad_prefix@prefix");
}

#[test]
fn last_error_is_copied_like_snprintf() {
    let v = V::new(1);
    assert_eq!(v.last_error(), "");
    assert_eq!(v.load_status(b"junk"), CertsealCode::Status);
    let full = v.last_error();
    assert!(full.len() > 8);
    let mut small = [0x7f_u8; 8];
    // SAFETY: `small` is writable for 8 bytes.
    let n = unsafe { certseal_verifier_last_error(v.0, small.as_mut_ptr().cast(), small.len()) };
    assert_eq!(n, full.len());
    assert_eq!(&small[..7], &full.as_bytes()[..7]);
    assert_eq!(small[7], 0);
    // A success leaves the last error in place.
    assert_eq!(v.set_time(NOW), CertsealCode::Ok);
    assert_eq!(v.last_error(), full);
}

#[test]
fn invalid_utf8_and_oversized_texts_are_verdicts() {
    let v = V::new(1);
    let r = v.verify(b"CS1:\xff\xfe");
    assert_eq!(verdict_name(&r), "base45@base45");
    let r = v.verify(b"\xc3\x28CS1:");
    assert_eq!(verdict_name(&r), "bad_prefix@prefix");
    let long = vec![b'A'; 8 * 1024 + 1];
    let (r, json) = v.verify_json(&long);
    assert_eq!(verdict_name(&r), "too_long@prefix");
    assert_eq!(
        json["detail"],
        "input of 8193 bytes exceeds the limit of 8192"
    );
    let texts: Vec<&[u8]> = vec![&long, b"CS1:"];
    let (batch, _) = v.verify_batch(&texts, 0, false).unwrap();
    assert_eq!(verdict_name(&batch[0]), "too_long@prefix");
    assert_eq!(batch[1], v.verify(b"CS1:"));
}

#[test]
fn scan_verifies_every_code_in_a_photo() {
    let v = V::with(1, Loaded::Delta);
    let (codes, json) = v.scan(&read("qr-valid.png")).unwrap();
    assert_eq!(codes.len(), 1);
    let first = cases().into_iter().find(|c| c.name == "valid-0").unwrap();
    assert_eq!(codes[0].1, first.text);
    assert_eq!(codes[0].0, v.verify(first.text.as_bytes()));
    assert_eq!(codes[0].0.status, CertsealStatus::Valid);
    assert_eq!(json["codes"][0]["verdict"]["status"], "valid");
    assert_eq!(json["error"], serde_json::Value::Null);

    let (codes, json) = v.scan(&read("qr-other.png")).unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].0.status, CertsealStatus::NotCertseal);
    assert_eq!(codes[0].0.reason, CertsealReason::NotCertseal);
    assert_eq!(codes[0].1, "HTTPS://EXAMPLE.ORG/NOT-A-CERTIFICATE");
    assert_eq!(json["codes"][0]["verdict"]["status"], "not_certseal");

    assert_eq!(v.scan(b"not an image").err(), Some(CertsealCode::Image));
    assert!(v.last_error().starts_with("image: "), "{}", v.last_error());
}

#[test]
fn names_of_codes_are_static_strings() {
    use support::c_str;
    assert_eq!(
        c_str(certseal_reason_name(CertsealReason::Revoked as u16)),
        "revoked"
    );
    assert_eq!(c_str(certseal_reason_name(9_999)), "unknown");
    assert_eq!(
        c_str(certseal_stage_name(CertsealStage::Status as u8)),
        "status"
    );
    assert_eq!(
        c_str(certseal_code_name(CertsealCode::Trust as i32)),
        "trust"
    );
    assert_eq!(c_str(certseal_version()), env!("CARGO_PKG_VERSION"));
    assert_eq!(certseal_abi_version(), CERTSEAL_ABI_VERSION);
}

#[test]
fn one_handle_serves_many_threads_while_status_changes() {
    let v = V::new(2);
    let cases = cases();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (v, cases) = (&v, &cases);
            s.spawn(move || {
                for round in 0..30 {
                    let case = &cases[(t * 7 + round) % cases.len()];
                    let got = verdict_name(&v.verify(case.text.as_bytes()));
                    // Whatever the status state at this instant, it is one of the three.
                    assert!(case.expect.contains(&got), "{}: {got}", case.name);
                    if round % 10 == 0 {
                        let texts: Vec<&[u8]> = cases.iter().map(|c| c.text.as_bytes()).collect();
                        let (batch, _) = v.verify_batch(&texts, 0, false).unwrap();
                        for (c, r) in cases.iter().zip(&batch) {
                            assert!(c.expect.contains(&verdict_name(r)), "{}", c.name);
                        }
                    }
                }
            });
        }
        s.spawn(|| {
            assert_eq!(
                v.load_status(&read("status-snapshot.cbor")),
                CertsealCode::Ok
            );
            assert_eq!(v.apply_delta(&read("status-delta.cbor")), CertsealCode::Ok);
        });
    });
    assert_eq!(v.status_info().sequence, 11);
}
