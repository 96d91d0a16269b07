//! The `extern "C"` functions: raw pointers in, [`Handle`] calls, codes and results out.
//!
//! This is the only file of the workspace with `unsafe` code. Each function checks its
//! pointers (NULL, lengths past `isize::MAX`) before it makes a slice or a reference of them,
//! runs its body behind [`guard`] so no panic crosses the boundary, and hands out only memory
//! the matching `*_free` function takes back. Each `unsafe` block holds one operation and says
//! why it is sound in a `// SAFETY:` comment; what the caller must guarantee is in each
//! function's `# Safety` section and in `specs/ffi.md`.

use std::any::Any;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::codes;
use crate::handle::{Failure, Handle, Outcome};
use crate::types::{
    CertsealBytes, CertsealCode, CertsealResult, CertsealScan, CertsealScanCode,
    CertsealStatusInfo, CERTSEAL_ABI_VERSION, CERTSEAL_BATCH_COFACTORED,
};

/// An opaque verifier handle. Made by `certseal_verifier_new` or
/// `certseal_verifier_new_from_files`, freed by `certseal_verifier_free`; every other
/// function may be called on it from any number of threads at once.
pub struct CertsealVerifier {
    inner: Handle,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<CertsealVerifier>();
};

/// The crate version, NUL-terminated, for `certseal_version`.
static VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(v) => v,
    Err(_) => c"unknown",
};

// ---------------------------------------------------------------------------------------------
// The boundary

/// The message of a caught panic.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    format!("internal error (panic caught at the ABI boundary): {what}")
}

/// Runs `body` so that no panic leaves it: a panic becomes `CERTSEAL_CODE_PANIC`. A failure's
/// message goes to `handle`, when there is one; the code is returned either way.
fn guard(handle: Option<&Handle>, body: impl FnOnce() -> Result<(), Failure>) -> CertsealCode {
    match catch(body) {
        Ok(()) => CertsealCode::Ok,
        Err(failure) => {
            if let Some(h) = handle {
                h.set_error(&failure.message);
            }
            failure.code
        }
    }
}

#[cold]
fn null(what: &str) -> Failure {
    Failure::new(CertsealCode::Null, format!("{what}: got NULL"))
}

/// The handle behind `verifier`.
///
/// # Safety
/// `verifier` is NULL or a pointer from `certseal_verifier_new*` not yet freed.
unsafe fn handle_ref<'a>(verifier: *const CertsealVerifier) -> Option<&'a Handle> {
    // SAFETY: by this function's contract the pointer is NULL (`as_ref` gives `None`) or points
    // to a live `CertsealVerifier` made by `Box::into_raw`, shared (every method takes `&self`).
    unsafe { verifier.as_ref() }.map(|v| &v.inner)
}

/// Why a buffer argument was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// NULL with a non-zero length.
    Null,
    /// A length past `isize::MAX`.
    TooLong(usize),
}

impl Fault {
    #[cold]
    fn failure(self, what: &str) -> Failure {
        match self {
            Fault::Null => null(what),
            Fault::TooLong(len) => Failure::new(
                CertsealCode::Argument,
                format!("{what}: length {len} exceeds PTRDIFF_MAX"),
            ),
        }
    }
}

/// `len` bytes at `ptr` as a slice.
///
/// # Safety
/// `ptr` is NULL (then `len` must be 0, else the call fails) or valid for reads of `len`
/// bytes, unchanged for the lifetime `'a`.
#[inline]
unsafe fn raw_slice<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Fault> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Fault::Null) };
    }
    if isize::try_from(len).is_err() {
        return Err(Fault::TooLong(len));
    }
    // SAFETY: `ptr` is non-null, `u8` has alignment 1, `len` fits in `isize`, and the caller
    // guarantees `len` readable bytes that do not change while the slice lives.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `raw_slice`, failing with the argument's name.
///
/// # Safety
/// As `raw_slice`.
unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Failure> {
    // SAFETY: the caller's contract is `raw_slice`'s.
    unsafe { raw_slice(ptr, len) }.map_err(|f| f.failure(what))
}

/// Runs `f`, turning a panic into a `CERTSEAL_CODE_PANIC` failure with its message.
fn catch<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let failure = Failure::new(CertsealCode::Panic, panic_message(payload.as_ref()));
            // A payload whose destructor panics is leaked rather than let through.
            if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
                std::mem::forget(again);
            }
            Err(failure)
        }
    }
}

/// A library-owned copy of `text`, NUL-terminated, with its length (without the NUL). An
/// interior NUL (which no JSON or message of this library holds) becomes U+FFFD.
fn owned_c_string(text: String) -> (*mut c_char, usize) {
    let c = CString::new(text).unwrap_or_else(|e| {
        let lossless = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(lossless).unwrap_or_default()
    });
    let len = c.as_bytes().len();
    (c.into_raw(), len)
}

/// Stores `text` through `out` (and its length through `out_len` when that is not NULL).
///
/// # Safety
/// `out` is valid for a write of a pointer; `out_len` is NULL or valid for a write of a
/// `size_t`.
unsafe fn give_string(text: String, out: *mut *mut c_char, out_len: *mut usize) {
    let (ptr, len) = owned_c_string(text);
    // SAFETY: the caller guarantees `out` is writable.
    unsafe { out.write(ptr) };
    if !out_len.is_null() {
        // SAFETY: non-null, and the caller guarantees it is writable when non-null.
        unsafe { out_len.write(len) };
    }
}

/// Builds a handle and stores it through `out`, or the failure's message through `error`.
///
/// # Safety
/// `out` is valid for a write of a pointer; `error` is NULL or valid for a write of a pointer.
unsafe fn give_handle(
    made: Result<Handle, Failure>,
    out: *mut *mut CertsealVerifier,
    error: *mut *mut c_char,
) -> Result<(), Failure> {
    match made {
        Ok(inner) => {
            let raw = Box::into_raw(Box::new(CertsealVerifier { inner }));
            // SAFETY: the caller guarantees `out` is writable (checked non-null before).
            unsafe { out.write(raw) };
            Ok(())
        }
        Err(failure) => {
            if !error.is_null() {
                // SAFETY: non-null, and the caller guarantees it is writable when non-null.
                unsafe { give_string(failure.message.clone(), error, std::ptr::null_mut()) };
            }
            Err(failure)
        }
    }
}

/// A path from its bytes: raw bytes on Unix, UTF-8 elsewhere.
fn path_of(bytes: &[u8], what: &str) -> Result<std::path::PathBuf, Failure> {
    #[cfg(unix)]
    {
        let _ = what;
        use std::os::unix::ffi::OsStrExt;
        Ok(std::ffi::OsStr::from_bytes(bytes).into())
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes)
            .map(Into::into)
            .map_err(|e| Failure::new(CertsealCode::Argument, format!("{what}: {e}")))
    }
}

// ---------------------------------------------------------------------------------------------
// Version and names

/// The ABI version of this library (`CERTSEAL_ABI_VERSION` of the header it was built with).
#[no_mangle]
pub extern "C" fn certseal_abi_version() -> u32 {
    CERTSEAL_ABI_VERSION
}

/// The library version (`"0.1.0"`): a static NUL-terminated string, never freed.
#[no_mangle]
pub extern "C" fn certseal_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The machine name of a reason code (`"signature"`, `"revoked"`, …; `"unknown"` for a
/// number that is no code): a static NUL-terminated string, never freed.
#[no_mangle]
pub extern "C" fn certseal_reason_name(reason: u16) -> *const c_char {
    codes::reason_name(reason).as_ptr()
}

/// The name of a stage code (`"signature"`, `"status"`, …; `"unknown"` for a number that is
/// no code): a static NUL-terminated string, never freed.
#[no_mangle]
pub extern "C" fn certseal_stage_name(stage: u8) -> *const c_char {
    codes::stage_name(stage).as_ptr()
}

/// The name of a return code (`"ok"`, `"trust"`, …; `"unknown"` for a number that is no
/// code): a static NUL-terminated string, never freed.
#[no_mangle]
pub extern "C" fn certseal_code_name(code: i32) -> *const c_char {
    codes::code_name(code).as_ptr()
}

// ---------------------------------------------------------------------------------------------
// The handle

/// Makes a verifier from a signed trust list and its root certificate (PEM or DER), with
/// `threads` workers for batches (0: one per CPU; 1: batches run on the calling thread).
/// The handle uses the system clock until `certseal_verifier_set_time`.
///
/// On success stores the handle through `out`. On failure stores NULL through `out` and,
/// when `error` is not NULL, a message through `error` (free it with
/// `certseal_string_free`).
///
/// # Safety
/// `trust_list` / `root_cert` are NULL with length 0 or readable for their lengths; `out` is
/// writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_new(
    trust_list: *const u8,
    trust_list_len: usize,
    root_cert: *const u8,
    root_cert_len: usize,
    threads: u32,
    out: *mut *mut CertsealVerifier,
    error: *mut *mut c_char,
) -> CertsealCode {
    guard(None, || {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: `out` is non-null and writable by the contract.
        unsafe { out.write(std::ptr::null_mut()) };
        let made = catch(|| {
            // SAFETY: the caller's contract on `trust_list`.
            let list = unsafe { bytes(trust_list, trust_list_len, "trust_list") }?;
            // SAFETY: the caller's contract on `root_cert`.
            let root = unsafe { bytes(root_cert, root_cert_len, "root_cert") }?;
            Handle::new(list, root, threads)
        });
        // SAFETY: `out` is writable, `error` NULL or writable, by the contract.
        unsafe { give_handle(made, out, error) }
    })
}

/// `certseal_verifier_new` from files: the paths are byte strings of the given lengths
/// (no NUL needed; raw bytes on Unix, UTF-8 elsewhere). The trust list is read up to its
/// 4 MiB bound, the root certificate up to 64 KiB.
///
/// # Safety
/// As `certseal_verifier_new`, with the path buffers in place of the contents.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_new_from_files(
    trust_list_path: *const u8,
    trust_list_path_len: usize,
    root_cert_path: *const u8,
    root_cert_path_len: usize,
    threads: u32,
    out: *mut *mut CertsealVerifier,
    error: *mut *mut c_char,
) -> CertsealCode {
    guard(None, || {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: `out` is non-null and writable by the contract.
        unsafe { out.write(std::ptr::null_mut()) };
        let made = catch(|| {
            // SAFETY: the caller's contract on `trust_list_path`.
            let list = unsafe { bytes(trust_list_path, trust_list_path_len, "trust_list_path") }?;
            // SAFETY: the caller's contract on `root_cert_path`.
            let root = unsafe { bytes(root_cert_path, root_cert_path_len, "root_cert_path") }?;
            Handle::from_files(
                &path_of(list, "trust_list_path")?,
                &path_of(root, "root_cert_path")?,
                threads,
            )
        });
        // SAFETY: `out` is writable, `error` NULL or writable, by the contract.
        unsafe { give_handle(made, out, error) }
    })
}

/// Frees a verifier and everything it owns (its worker threads end on their own). NULL is
/// ignored.
///
/// # Safety
/// `verifier` is NULL or a handle not yet freed, with no call on it in flight or to come.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_free(verifier: *mut CertsealVerifier) {
    if verifier.is_null() {
        return;
    }
    // A panic in a destructor stops here; the handle's memory is then lost, never reused.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: a live handle made by `Box::into_raw` in `give_handle`, owned back here
        // exactly once by the contract.
        drop(unsafe { Box::from_raw(verifier) });
    }));
}

/// Copies the message of the last failed call on `verifier` into `buf` (at most
/// `buf_len - 1` bytes and a NUL; nothing when `buf_len` is 0) and returns the message's
/// full length in bytes, so a caller can size its buffer (`snprintf` style). Returns 0 when
/// no call failed, or `verifier` is NULL. With calls failing on several threads at once, the
/// message is the latest one's.
///
/// # Safety
/// `verifier` is NULL or a live handle; `buf` is writable for `buf_len` bytes (or NULL with
/// `buf_len` 0).
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_last_error(
    verifier: *const CertsealVerifier,
    buf: *mut c_char,
    buf_len: usize,
) -> usize {
    let copy = || {
        // SAFETY: the caller's contract on `verifier`.
        let Some(h) = (unsafe { handle_ref(verifier) }) else {
            return 0;
        };
        let message = h.last_error();
        let n = message.len().min(buf_len.saturating_sub(1));
        if !buf.is_null() && buf_len > 0 && isize::try_from(buf_len).is_ok() {
            // SAFETY: `buf` is non-null and writable for `buf_len` bytes by the contract; `n`
            // is below `buf_len`, and the source is a separate Rust allocation.
            unsafe { std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n) };
            let end = buf.wrapping_add(n);
            // SAFETY: `n < buf_len`, so `end` is inside the caller's buffer and the NUL lands
            // there.
            unsafe { end.write(0) };
        }
        message.len()
    };
    catch_unwind(AssertUnwindSafe(copy)).unwrap_or(0)
}

/// Runs `body` on a handle behind the panic boundary; no handle is `CERTSEAL_CODE_NULL`.
fn with_handle(
    handle: Option<&Handle>,
    body: impl FnOnce(&Handle) -> Result<(), Failure>,
) -> CertsealCode {
    let Some(h) = handle else {
        return CertsealCode::Null;
    };
    guard(Some(h), || body(h))
}

/// Verifies as of `unix_seconds` (seconds since 1970-01-01T00:00:00Z) from now on, on every
/// thread; `INT64_MIN` means the system clock again.
///
/// # Safety
/// `verifier` is NULL (`CERTSEAL_CODE_NULL`) or a live handle.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_set_time(
    verifier: *const CertsealVerifier,
    unix_seconds: i64,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        h.set_time(unix_seconds);
        Ok(())
    })
}

/// Verifies at the system clock's time from now on (the default).
///
/// # Safety
/// `verifier` is NULL (`CERTSEAL_CODE_NULL`) or a live handle.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_use_system_time(
    verifier: *const CertsealVerifier,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        h.use_system_time();
        Ok(())
    })
}

/// Loads a signed status snapshot (`specs/status.md`): from now on a payload the engine finds
/// valid is refused when its status index is revoked or superseded, or its signer key is
/// revoked. Over a snapshot already loaded the new one must be newer and from the same issuer.
/// On failure (`CERTSEAL_CODE_STATUS`) the list in force is unchanged.
///
/// # Safety
/// `verifier` is NULL or a live handle; `snapshot` is NULL with length 0 or readable for
/// `snapshot_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_load_status(
    verifier: *const CertsealVerifier,
    snapshot: *const u8,
    snapshot_len: usize,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        // SAFETY: the caller's contract on `snapshot`.
        let snapshot = unsafe { bytes(snapshot, snapshot_len, "snapshot") }?;
        h.load_status(snapshot)
    })
}

/// Applies a signed status delta to the list in force (it must start at the list's sequence).
/// On failure (`CERTSEAL_CODE_STATUS`) the list in force is unchanged.
///
/// # Safety
/// `verifier` is NULL or a live handle; `delta` is NULL with length 0 or readable for
/// `delta_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_apply_delta(
    verifier: *const CertsealVerifier,
    delta: *const u8,
    delta_len: usize,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        // SAFETY: the caller's contract on `delta`.
        let delta = unsafe { bytes(delta, delta_len, "delta") }?;
        h.apply_delta(delta)
    })
}

/// With `fail` non-zero, refuses (reason `stale`) payloads checked against a status
/// list past its `next_update`; with 0 (the default) accepts them with
/// `CERTSEAL_FLAG_STATUS_STALE` set.
///
/// # Safety
/// `verifier` is NULL (`CERTSEAL_CODE_NULL`) or a live handle.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_fail_when_stale(
    verifier: *const CertsealVerifier,
    fail: u32,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        h.fail_when_stale(fail != 0);
        Ok(())
    })
}

/// Describes the status list in force.
///
/// # Safety
/// `verifier` is NULL or a live handle; `out` is writable for one `CertsealStatusInfo`.
#[no_mangle]
pub unsafe extern "C" fn certseal_verifier_status_info(
    verifier: *const CertsealVerifier,
    out: *mut CertsealStatusInfo,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        if out.is_null() {
            return Err(null("out"));
        }
        let info = h.status_info();
        // SAFETY: non-null and writable by the contract.
        unsafe { out.write(info) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Verification

/// Verifies one QR payload text (`text_len` bytes of UTF-8, no NUL needed) and writes its
/// verdict to `result`. A payload that is not valid still returns `CERTSEAL_CODE_OK`: `result`
/// says why.
///
/// # Safety
/// `verifier` is NULL or a live handle; `text` is NULL with length 0 or readable for
/// `text_len` bytes; `result` is writable for one `CertsealResult`.
#[no_mangle]
pub unsafe extern "C" fn certseal_verify(
    verifier: *const CertsealVerifier,
    text: *const u8,
    text_len: usize,
    result: *mut CertsealResult,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        if result.is_null() {
            return Err(null("result"));
        }
        // SAFETY: the caller's contract on `text`.
        let text = unsafe { bytes(text, text_len, "text") }?;
        let outcome = h.verify(text);
        // SAFETY: non-null and writable by the contract.
        unsafe { result.write(outcome.result()) };
        Ok(())
    })
}

/// `certseal_verify` with the JSON view: the object `certseal verify --json` prints
/// (`status`, `reason`, `stage`, `detail`, `alg`, `kid`, `certificate`), NUL-terminated,
/// stored through `json` (free it with `certseal_string_free`) with its length through
/// `json_len` when that is not NULL. `result` may be NULL.
///
/// # Safety
/// As `certseal_verify`, with `result` NULL or writable; `json` writable; `json_len` NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn certseal_verify_json(
    verifier: *const CertsealVerifier,
    text: *const u8,
    text_len: usize,
    result: *mut CertsealResult,
    json: *mut *mut c_char,
    json_len: *mut usize,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        if json.is_null() {
            return Err(null("json"));
        }
        // SAFETY: the caller's contract on `text`.
        let text = unsafe { bytes(text, text_len, "text") }?;
        let outcome = h.verify(text);
        if !result.is_null() {
            // SAFETY: non-null, and writable when non-null by the contract.
            unsafe { result.write(outcome.result()) };
        }
        // SAFETY: `json` non-null and writable, `json_len` NULL or writable.
        unsafe { give_string(outcome.json().to_string(), json, json_len) };
        Ok(())
    })
}

/// Verifies `count` payload texts on the handle's workers through the engine's bulk path and
/// writes `count` results, in input order, to `results`. `flags`: 0, or
/// `CERTSEAL_BATCH_COFACTORED` (unknown bits fail with `CERTSEAL_CODE_ARGUMENT`). When `json`
/// is not NULL, also stores the JSON views as JSON lines (one object and `\n` per input),
/// NUL-terminated; free it with `certseal_string_free`.
///
/// # Safety
/// `verifier` is NULL or a live handle; `texts` is NULL with `count` 0 or readable for `count`
/// `CertsealBytes`, each of them NULL with length 0 or readable for its length; `results` is
/// writable for `count` `CertsealResult`s (or NULL with `count` 0); `json` and `json_len` are
/// NULL or writable. No buffer changes during the call.
#[no_mangle]
pub unsafe extern "C" fn certseal_verify_batch(
    verifier: *const CertsealVerifier,
    texts: *const CertsealBytes,
    count: usize,
    results: *mut CertsealResult,
    flags: u32,
    json: *mut *mut c_char,
    json_len: *mut usize,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        if flags & !CERTSEAL_BATCH_COFACTORED != 0 {
            return Err(Failure::new(
                CertsealCode::Argument,
                format!("flags: got {flags:#x}, expected 0 or CERTSEAL_BATCH_COFACTORED"),
            ));
        }
        if count > 0 && (texts.is_null() || results.is_null()) {
            return Err(null(if texts.is_null() { "texts" } else { "results" }));
        }
        let byte_len = count.checked_mul(std::mem::size_of::<CertsealResult>());
        if byte_len.and_then(|n| isize::try_from(n).ok()).is_none() {
            return Err(Failure::new(
                CertsealCode::Argument,
                format!("count: {count} results exceed PTRDIFF_MAX bytes"),
            ));
        }
        let entries: &[CertsealBytes] = if count == 0 {
            &[]
        } else {
            // SAFETY: non-null (checked), aligned and readable for `count` entries by the
            // contract; `count` results fit in `isize` bytes, and so do the smaller entries.
            unsafe { std::slice::from_raw_parts(texts, count) }
        };
        let mut inputs = Vec::with_capacity(count);
        for (i, e) in entries.iter().enumerate() {
            // SAFETY: the caller's contract on each entry.
            let text = unsafe { raw_slice(e.ptr, e.len) };
            inputs.push(text.map_err(|f| f.failure(&format!("texts[{i}]")))?);
        }
        let outcomes = h.verify_batch(&inputs, flags & CERTSEAL_BATCH_COFACTORED != 0);
        for (i, outcome) in outcomes.iter().enumerate() {
            let slot = results.wrapping_add(i);
            // SAFETY: `i < count` (one outcome per input), and `results` is writable for
            // `count` entries by the contract, so `slot` is in the caller's array.
            unsafe { slot.write(outcome.result()) };
        }
        if !json.is_null() {
            // SAFETY: `json` non-null and writable, `json_len` NULL or writable.
            unsafe { give_string(json_lines(&outcomes), json, json_len) };
        }
        Ok(())
    })
}

fn json_lines(outcomes: &[Outcome]) -> String {
    let mut out = String::with_capacity(outcomes.len().saturating_mul(512));
    for o in outcomes {
        out.push_str(&o.json().to_string());
        out.push('\n');
    }
    out
}

/// Finds every QR code in a PNG or JPEG image (at most 32 MiB, 12,000 pixels a side) and
/// verifies each certseal payload, like `certseal scan`. Stores a library-owned
/// `CertsealScan` through `out` (free it with `certseal_scan_free`). An image without a
/// readable code gives `count` 0; bytes that are no image within bounds fail with
/// `CERTSEAL_CODE_IMAGE`; a build without the `qr` feature fails with
/// `CERTSEAL_CODE_UNSUPPORTED`.
///
/// # Safety
/// `verifier` is NULL or a live handle; `image` is NULL with length 0 or readable for
/// `image_len` bytes; `out` is writable for a pointer.
#[no_mangle]
pub unsafe extern "C" fn certseal_scan(
    verifier: *const CertsealVerifier,
    image: *const u8,
    image_len: usize,
    out: *mut *mut CertsealScan,
) -> CertsealCode {
    // SAFETY: the caller's contract on `verifier`.
    let h = unsafe { handle_ref(verifier) };
    with_handle(h, |h| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: non-null and writable by the contract.
        unsafe { out.write(std::ptr::null_mut()) };
        // SAFETY: the caller's contract on `image`.
        let image = unsafe { bytes(image, image_len, "image") }?;
        let scan = scan_list(h, image)?;
        // SAFETY: non-null and writable by the contract.
        unsafe { out.write(Box::into_raw(Box::new(scan))) };
        Ok(())
    })
}

#[cfg(feature = "qr")]
fn scan_list(h: &Handle, image: &[u8]) -> Result<CertsealScan, Failure> {
    let found = h.scan(image)?;
    let json = serde_json::json!({
        "codes": found.iter().map(crate::handle::ScannedCode::json).collect::<Vec<_>>(),
        "error": if found.is_empty() { Some("no qr code found in the image") } else { None },
    });
    let codes: Box<[CertsealScanCode]> = found
        .into_iter()
        .map(|code| {
            let result = code.result();
            let (text, text_len) = owned_c_string(code.text);
            CertsealScanCode {
                result,
                text,
                text_len,
            }
        })
        .collect();
    let count = codes.len();
    let codes = if count == 0 {
        std::ptr::null()
    } else {
        Box::into_raw(codes).cast::<CertsealScanCode>().cast_const()
    };
    let (json, json_len) = owned_c_string(json.to_string());
    Ok(CertsealScan {
        codes,
        count,
        json,
        json_len,
    })
}

#[cfg(not(feature = "qr"))]
fn scan_list(_: &Handle, _: &[u8]) -> Result<CertsealScan, Failure> {
    Err(Failure::new(
        CertsealCode::Unsupported,
        "scan: this build of certseal-ffi has no qr feature",
    ))
}

/// Frees a scan from `certseal_scan`: the codes, their texts and the JSON. NULL is ignored.
///
/// # Safety
/// `scan` is NULL or a pointer from `certseal_scan`, not yet freed and unchanged.
#[no_mangle]
pub unsafe extern "C" fn certseal_scan_free(scan: *mut CertsealScan) {
    if scan.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: made by `Box::into_raw` in `certseal_scan`, owned back here once.
        let scan = unsafe { Box::from_raw(scan) };
        if !scan.codes.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(scan.codes.cast_mut(), scan.count);
            // SAFETY: `codes` and `count` are the boxed slice `scan_list` leaked, unchanged.
            let codes = unsafe { Box::from_raw(slice) };
            for code in codes.iter() {
                // SAFETY: each text came from `CString::into_raw` and is freed once here.
                drop(unsafe { CString::from_raw(code.text.cast_mut()) });
            }
        }
        // SAFETY: the JSON came from `CString::into_raw` and is freed once here.
        drop(unsafe { CString::from_raw(scan.json.cast_mut()) });
    }));
}

/// Frees a string this library returned (`error` of the constructors, `json` of the verify
/// calls). NULL is ignored.
///
/// # Safety
/// `s` is NULL or a string from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn certseal_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: `s` came from `CString::into_raw` in `owned_c_string` and is freed once here.
    drop(unsafe { CString::from_raw(s) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_code_with_its_message() {
        let code = guard(None, || panic!("boom {}", 42));
        assert_eq!(code, CertsealCode::Panic);
        let payload: Box<dyn Any + Send> = Box::new(String::from("boom 42"));
        assert!(panic_message(payload.as_ref()).ends_with("boom 42"));
        let payload: Box<dyn Any + Send> = Box::new(7_u8);
        assert!(panic_message(payload.as_ref()).ends_with("a panic without a message"));
    }

    #[test]
    fn a_failure_keeps_its_code() {
        let code = guard(None, || Err(Failure::new(CertsealCode::Status, "x")));
        assert_eq!(code, CertsealCode::Status);
        assert_eq!(guard(None, || Ok(())), CertsealCode::Ok);
    }

    #[test]
    fn null_buffers_are_empty_only_with_length_zero() {
        // SAFETY: NULL with length 0 is allowed by `bytes`' contract.
        assert_eq!(unsafe { bytes(std::ptr::null(), 0, "x") }, Ok(&[][..]));
        // SAFETY: NULL with a length is refused before any read.
        let err = unsafe { bytes(std::ptr::null(), 3, "text") }.unwrap_err();
        assert_eq!(err.code, CertsealCode::Null);
        assert_eq!(err.message, "text: got NULL");
        let data = [1u8, 2, 3];
        // SAFETY: `data` is readable for 3 bytes.
        assert_eq!(unsafe { bytes(data.as_ptr(), 3, "x") }, Ok(&data[..]));
        // SAFETY: a length past isize::MAX is refused before any read.
        let err = unsafe { bytes(data.as_ptr(), usize::MAX, "x") }.unwrap_err();
        assert_eq!(err.code, CertsealCode::Argument);
    }

    #[test]
    fn owned_strings_round_trip_and_lose_interior_nuls() {
        let (p, n) = owned_c_string("héllo".into());
        assert_eq!(n, 6);
        // SAFETY: `p` is the string just made, freed once.
        unsafe { certseal_string_free(p) };
        let (p, n) = owned_c_string("a\0b".into());
        assert_eq!(n, 5, "NUL became the 3-byte U+FFFD");
        // SAFETY: `p` is the string just made, freed once.
        let back = unsafe { CString::from_raw(p) };
        assert_eq!(back.to_str().unwrap(), "a\u{FFFD}b");
    }

    #[test]
    fn last_error_of_a_null_handle_is_empty() {
        // SAFETY: NULL handle: returns 0, writes nothing.
        let n = unsafe { certseal_verifier_last_error(std::ptr::null(), std::ptr::null_mut(), 0) };
        assert_eq!(n, 0);
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(certseal_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(certseal_abi_version(), CERTSEAL_ABI_VERSION);
    }
}
