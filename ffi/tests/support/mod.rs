//! Shared by the ABI tests and benches: the fixtures (`tests/fixtures/`, written by
//! `examples/gen-fixtures.rs`) and a small owner of a verifier handle that calls the C ABI the
//! way a C program does, through raw pointers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::{c_char, CStr};
use std::path::PathBuf;

use certseal_ffi::*;

/// The fixtures' clock: 2026-11-26T00:00:00Z.
pub const NOW: i64 = 1_795_651_200;

/// The fixture directory.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture file's bytes.
pub fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

/// One line of `payloads.tsv`.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// Expected verdicts (`valid` or `reason@stage`) with no status, the snapshot, and the
    /// snapshot plus the delta.
    pub expect: [String; 3],
    pub text: String,
}

/// Which status documents are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    Nothing = 0,
    Snapshot = 1,
    Delta = 2,
}

/// Every case of `payloads.tsv`.
pub fn cases() -> Vec<Case> {
    String::from_utf8(read("payloads.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            Case {
                name: f[0].into(),
                expect: [f[1].into(), f[2].into(), f[3].into()],
                text: f[4].into(),
            }
        })
        .collect()
}

/// A result as the fixtures write verdicts.
pub fn verdict_name(r: &CertsealResult) -> String {
    match r.status {
        CertsealStatus::Valid => "valid".into(),
        _ => format!(
            "{}@{}",
            c_str(certseal_reason_name(r.reason as u16)),
            c_str(certseal_stage_name(r.stage as u8))
        ),
    }
}

/// A static or library string as `&str`.
pub fn c_str(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library returns NUL-terminated strings that outlive this call.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

/// Takes ownership of a library string: its text, then `certseal_string_free`.
pub fn take_string(p: *mut c_char, len: Option<usize>) -> String {
    let s = c_str(p);
    if let Some(len) = len {
        assert_eq!(s.len(), len, "the reported length is the string's");
    }
    // SAFETY: `p` came from the library and is freed once.
    unsafe { certseal_string_free(p) };
    s
}

/// An owned handle; freed on drop.
pub struct V(pub *mut CertsealVerifier);

// SAFETY: the handle is thread-safe by the ABI contract (`specs/ffi.md`, threading).
unsafe impl Send for V {}
// SAFETY: as above; every call but free takes a shared pointer.
unsafe impl Sync for V {}

impl Drop for V {
    fn drop(&mut self) {
        // SAFETY: made by `certseal_verifier_new`, freed once, no call in flight (we own it).
        unsafe { certseal_verifier_free(self.0) };
    }
}

impl V {
    /// A handle over the fixtures' trust list with `threads` workers, at [`NOW`].
    pub fn new(threads: u32) -> V {
        let v = V::try_new(&read("trust-list.cbor"), &read("root.pem"), threads).unwrap();
        assert_eq!(v.set_time(NOW), CertsealCode::Ok);
        v
    }

    /// A handle over given bytes, or the code and message of the failure.
    pub fn try_new(list: &[u8], root: &[u8], threads: u32) -> Result<V, (CertsealCode, String)> {
        let mut out = std::ptr::null_mut();
        let mut error = std::ptr::null_mut();
        // SAFETY: the buffers are readable for their lengths; `out` and `error` are writable.
        let code = unsafe {
            certseal_verifier_new(
                list.as_ptr(),
                list.len(),
                root.as_ptr(),
                root.len(),
                threads,
                &mut out,
                &mut error,
            )
        };
        if code == CertsealCode::Ok {
            assert!(error.is_null());
            assert!(!out.is_null());
            Ok(V(out))
        } else {
            assert!(out.is_null(), "no handle on failure");
            Err((code, take_string(error, None)))
        }
    }

    /// A handle with the fixtures loaded up to `loaded`.
    pub fn with(threads: u32, loaded: Loaded) -> V {
        let v = V::new(threads);
        if loaded != Loaded::Nothing {
            assert_eq!(
                v.load_status(&read("status-snapshot.cbor")),
                CertsealCode::Ok
            );
        }
        if loaded == Loaded::Delta {
            assert_eq!(v.apply_delta(&read("status-delta.cbor")), CertsealCode::Ok);
        }
        v
    }

    pub fn set_time(&self, t: i64) -> CertsealCode {
        // SAFETY: a live handle.
        unsafe { certseal_verifier_set_time(self.0, t) }
    }

    pub fn load_status(&self, bytes: &[u8]) -> CertsealCode {
        // SAFETY: a live handle; `bytes` readable for its length.
        unsafe { certseal_verifier_load_status(self.0, bytes.as_ptr(), bytes.len()) }
    }

    pub fn apply_delta(&self, bytes: &[u8]) -> CertsealCode {
        // SAFETY: a live handle; `bytes` readable for its length.
        unsafe { certseal_verifier_apply_delta(self.0, bytes.as_ptr(), bytes.len()) }
    }

    pub fn status_info(&self) -> CertsealStatusInfo {
        let mut info = CertsealStatusInfo {
            loaded: 9,
            fail_when_stale: 9,
            sequence: 9,
            issued_at: 9,
            next_update: 9,
            size: 9,
        };
        // SAFETY: a live handle; `info` writable.
        let code = unsafe { certseal_verifier_status_info(self.0, &mut info) };
        assert_eq!(code, CertsealCode::Ok);
        info
    }

    pub fn last_error(&self) -> String {
        // SAFETY: a live handle; NULL buffer with length 0 asks for the length.
        let n = unsafe { certseal_verifier_last_error(self.0, std::ptr::null_mut(), 0) };
        let mut buf = vec![0u8; n + 1];
        // SAFETY: `buf` is writable for its length.
        let m = unsafe { certseal_verifier_last_error(self.0, buf.as_mut_ptr().cast(), buf.len()) };
        assert_eq!(m, n);
        assert_eq!(buf[n], 0, "NUL-terminated");
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    pub fn verify(&self, text: &[u8]) -> CertsealResult {
        let mut r = CertsealResult::UNSET;
        // SAFETY: a live handle; `text` readable; `r` writable.
        let code = unsafe { certseal_verify(self.0, text.as_ptr(), text.len(), &mut r) };
        assert_eq!(code, CertsealCode::Ok);
        r
    }

    pub fn verify_json(&self, text: &[u8]) -> (CertsealResult, serde_json::Value) {
        let mut r = CertsealResult::UNSET;
        let mut json = std::ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: a live handle; `text` readable; out-parameters writable.
        let code = unsafe {
            certseal_verify_json(
                self.0,
                text.as_ptr(),
                text.len(),
                &mut r,
                &mut json,
                &mut len,
            )
        };
        assert_eq!(code, CertsealCode::Ok);
        let s = take_string(json, Some(len));
        (r, serde_json::from_str(&s).unwrap())
    }

    /// The batch call: results, and the JSON lines when asked for.
    pub fn verify_batch(
        &self,
        texts: &[&[u8]],
        flags: u32,
        json: bool,
    ) -> Result<(Vec<CertsealResult>, Option<String>), CertsealCode> {
        let entries: Vec<CertsealBytes> = texts
            .iter()
            .map(|t| CertsealBytes {
                ptr: t.as_ptr(),
                len: t.len(),
            })
            .collect();
        let mut results = vec![CertsealResult::UNSET; texts.len()];
        let mut out = std::ptr::null_mut();
        let mut len = 0usize;
        let json_ptr = if json {
            &mut out as *mut _
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: a live handle; `entries` readable, each entry readable for its length;
        // `results` writable for as many; `json_ptr` NULL or writable; `len` writable.
        let code = unsafe {
            certseal_verify_batch(
                self.0,
                entries.as_ptr(),
                entries.len(),
                results.as_mut_ptr(),
                flags,
                json_ptr,
                &mut len,
            )
        };
        if code != CertsealCode::Ok {
            return Err(code);
        }
        let lines = json.then(|| take_string(out, Some(len)));
        Ok((results, lines))
    }

    /// The scan call: (result, text) per code and the JSON, or the failure code.
    pub fn scan(
        &self,
        image: &[u8],
    ) -> Result<(Vec<(CertsealResult, String)>, serde_json::Value), CertsealCode> {
        let mut out = std::ptr::null_mut();
        // SAFETY: a live handle; `image` readable; `out` writable.
        let code = unsafe { certseal_scan(self.0, image.as_ptr(), image.len(), &mut out) };
        if code != CertsealCode::Ok {
            assert!(out.is_null());
            return Err(code);
        }
        // SAFETY: `out` is the scan just returned, read before it is freed.
        let scan = unsafe { &*out };
        let mut codes = Vec::new();
        for i in 0..scan.count {
            let entry = scan.codes.wrapping_add(i);
            // SAFETY: `codes` holds `count` entries and `i < count`.
            let code = unsafe { &*entry };
            let text = c_str(code.text);
            assert_eq!(text.len(), code.text_len);
            codes.push((code.result, text));
        }
        let json = c_str(scan.json);
        assert_eq!(json.len(), scan.json_len);
        // SAFETY: freed once, not used after.
        unsafe { certseal_scan_free(out) };
        Ok((codes, serde_json::from_str(&json).unwrap()))
    }
}
