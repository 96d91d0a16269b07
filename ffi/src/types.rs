//! The types of the C ABI (`include/certseal.h` is generated from this file by cbindgen):
//! return codes, the fixed-layout per-input result and its enumerations, the input slice and
//! the scan list. Every numeric value here is part of the ABI contract (`specs/ffi.md`):
//! values are never reused or renumbered; new ones may be added.
#![forbid(unsafe_code)]

use std::os::raw::c_char;

/// The version of the ABI described by `certseal.h`. It changes only when a type's layout or
/// a function's meaning changes incompatibly; additions (functions, result codes, reason
/// codes, flags) keep it. Compare with `certseal_abi_version`
/// at start-up.
pub const CERTSEAL_ABI_VERSION: u32 = 1;

/// What every fallible function returns. Anything but `CERTSEAL_CODE_OK` comes with a message:
/// from `certseal_verifier_last_error` for calls on a
/// handle, or through the `error` out-parameter of the constructors. A payload that is not
/// valid is **not** an error: the call returns `CERTSEAL_CODE_OK` and the result says why.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertsealCode {
    /// Success.
    Ok = 0,
    /// A required pointer was NULL (or a NULL buffer came with a non-zero length).
    Null = 1,
    /// An argument is out of range (a length past `PTRDIFF_MAX`, too many threads, …).
    Argument = 2,
    /// The trust list or the root certificate was refused (signature, chain, format, bounds).
    Trust = 3,
    /// A status snapshot or delta was refused; the state in force is unchanged.
    Status = 4,
    /// A file could not be read.
    Io = 5,
    /// The bytes given to `certseal_scan` are not a PNG or JPEG image within bounds.
    Image = 6,
    /// This build lacks the feature the call needs (`certseal_scan` without `qr`).
    Unsupported = 7,
    /// The library panicked; the panic was caught at the boundary. A bug: please report it
    /// with the message.
    Panic = 8,
    /// The operating system refused a resource (a worker thread).
    Resource = 9,
}

/// Most worker threads a handle may own.
pub const CERTSEAL_MAX_THREADS: u32 = 256;

/// Verdict of one input. `CERTSEAL_STATUS_VALID` is never zero, so zeroed or untouched memory
/// never reads as valid.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertsealStatus {
    /// Not written (the value of zeroed memory).
    Unset = 0,
    /// Every check passed.
    Valid = 1,
    /// Some check failed: `reason` and `stage` say which.
    Invalid = 2,
    /// A QR code found by `certseal_scan` whose text is not a certseal payload (no `CS1:`).
    NotCertseal = 3,
}

/// The pipeline step that refused an input (`specs/qr-payload.md`, verification steps), as
/// `stage` in the JSON view. `CERTSEAL_STAGE_NONE` for a valid input.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertsealStage {
    /// No stage failed.
    None = 0,
    /// `prefix`: length bound and the `CS1:` prefix.
    Prefix = 1,
    /// `base45`.
    Base45 = 2,
    /// `decompress` (interop profiles).
    Decompress = 3,
    /// `cbor`.
    Cbor = 4,
    /// `cose_tag`.
    CoseTag = 5,
    /// `cose_structure`.
    CoseStructure = 6,
    /// `alg`: missing, unprotected, unsupported or not allowed.
    Alg = 7,
    /// `key`: the signer's key or its window at issuance.
    Key = 8,
    /// `kid`.
    Kid = 9,
    /// `signature`.
    Signature = 10,
    /// `cwt`: the claims.
    Cwt = 11,
    /// `hcert` (interop `dcc`).
    Hcert = 12,
    /// `time`: not yet valid, expired.
    Time = 13,
    /// `document`.
    Document = 14,
    /// `status`: revoked, superseded, signer revoked, stale status.
    Status = 15,
    /// A stage this version of the ABI has no code for; the JSON view names it.
    Other = 255,
}

/// Why an input is not valid: the stable machine names of the JSON view's `reason`, as
/// numbers. `CERTSEAL_REASON_NONE` for a valid input; `CERTSEAL_REASON_OTHER` for a reason
/// this version of the ABI has no code for yet (the JSON view names it). Treat any code you
/// do not know as "not valid".
#[repr(u16)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertsealReason {
    /// Valid.
    None = 0,
    /// `too_long`: longer than any QR payload can be.
    TooLong = 1,
    /// `bad_prefix`: not starting with `CS1:`.
    BadPrefix = 2,
    /// `base45`: malformed base45.
    Base45 = 3,
    /// `decompress`: malformed zlib or past its bound.
    Decompress = 4,
    /// `compression_required` (interop `dcc`).
    CompressionRequired = 5,
    /// `cbor`: not well-formed CBOR within bounds.
    Cbor = 6,
    /// `cose_structure`: not a COSE_Sign1 of the expected shape.
    CoseStructure = 7,
    /// `unsupported_algorithm`: not supported, or not allowed by the policy.
    UnsupportedAlgorithm = 8,
    /// `key_mismatch` (interop).
    KeyMismatch = 9,
    /// `certificate_required` (interop `dcc`).
    CertificateRequired = 10,
    /// `unknown_kid`: no trusted signer has this key identifier.
    UnknownKid = 11,
    /// `kid_mismatch` (interop `dcc`).
    KidMismatch = 12,
    /// `signature`: the signature did not verify.
    Signature = 13,
    /// `claims_malformed`.
    ClaimsMalformed = 14,
    /// `hcert` (interop `dcc`).
    Hcert = 15,
    /// `signer_not_valid_at_issuance`: signed outside the signer certificate's window.
    SignerNotValidAtIssuance = 16,
    /// `missing_time_claim` (interop `dcc`).
    MissingTimeClaim = 17,
    /// `not_yet_valid`: issued in the future (beyond the skew tolerance).
    NotYetValid = 18,
    /// `expired`.
    Expired = 19,
    /// `outside_certificate_validity` (interop `dcc`).
    OutsideCertificateValidity = 20,
    /// `document_mismatch`.
    DocumentMismatch = 21,
    /// `revoked`: the status list revokes this certificate version.
    Revoked = 32,
    /// `superseded`: a newer version of the certificate exists.
    Superseded = 33,
    /// `signer_revoked`: the key that signed the payload is revoked.
    SignerRevoked = 34,
    /// `stale`: the status list is past its next update and the handle refuses stale
    /// status (`certseal_verifier_fail_when_stale`).
    StatusStale = 35,
    /// `not_certseal`: a scanned QR code that is not a certseal payload.
    NotCertseal = 48,
    /// A reason this version of the ABI has no code for; the JSON view names it.
    Other = 65535,
}

/// `CertsealResult::flags`: `alg` and `kid` hold the protected header's values.
pub const CERTSEAL_FLAG_HAS_KID: u32 = 1;
/// `CertsealResult::flags`: `status_index` holds the payload's status index.
pub const CERTSEAL_FLAG_HAS_STATUS_INDEX: u32 = 1 << 1;
/// `CertsealResult::flags`: the signature verified and the claims were decoded, so the JSON
/// view carries the certificate.
pub const CERTSEAL_FLAG_HAS_CERTIFICATE: u32 = 1 << 2;
/// `CertsealResult::flags`: a status list was loaded and consulted for this input.
pub const CERTSEAL_FLAG_STATUS_CHECKED: u32 = 1 << 3;
/// `CertsealResult::flags`: the status list in force is past its `next_update`.
pub const CERTSEAL_FLAG_STATUS_STALE: u32 = 1 << 4;
/// `CertsealResult::flags`: the payload's status index lies inside the status list (a
/// payload issued after the list was published is checked for its signer only).
pub const CERTSEAL_FLAG_STATUS_COVERED: u32 = 1 << 5;

/// `certseal_verify_batch` flag: check Ed25519 signatures together by the **cofactored**
/// batch equation (`specs/batch-verify.md`). Every verdict equals the single check's except
/// for a signature only the trusted key's holder can make; opt-in for that reason.
pub const CERTSEAL_BATCH_COFACTORED: u32 = 1;

/// The verdict of one input: fixed layout, 32 bytes, no padding.
///
/// | offset | field |
/// |---|---|
/// | 0 | `status` (u8, `CertsealStatus`) |
/// | 1 | `stage` (u8, `CertsealStage`) |
/// | 2 | `reason` (u16, `CertsealReason`) |
/// | 4 | `alg` (i32, COSE algorithm value) |
/// | 8 | `flags` (u32, `CERTSEAL_FLAG_*`) |
/// | 12 | `reserved` (u32, zero) |
/// | 16 | `kid` (8 bytes) |
/// | 24 | `status_index` (u64) |
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertsealResult {
    /// `CertsealStatus`.
    pub status: CertsealStatus,
    /// `CertsealStage` that refused the input; `CERTSEAL_STAGE_NONE` when valid.
    pub stage: CertsealStage,
    /// `CertsealReason`; `CERTSEAL_REASON_NONE` when valid.
    pub reason: CertsealReason,
    /// COSE algorithm value of the protected header (-8 EdDSA, -7 ES256, -65538 SM2), 0 when
    /// it was not read (see `CERTSEAL_FLAG_HAS_KID`).
    pub alg: i32,
    /// `CERTSEAL_FLAG_*` bits.
    pub flags: u32,
    /// Zero; room for a later minor version.
    pub reserved: u32,
    /// Key identifier of the protected header (with `CERTSEAL_FLAG_HAS_KID`).
    pub kid: [u8; 8],
    /// Status index of the payload (with `CERTSEAL_FLAG_HAS_STATUS_INDEX`).
    pub status_index: u64,
}

impl CertsealResult {
    /// The all-zero result (`CERTSEAL_STATUS_UNSET`).
    pub const UNSET: CertsealResult = CertsealResult {
        status: CertsealStatus::Unset,
        stage: CertsealStage::None,
        reason: CertsealReason::None,
        alg: 0,
        flags: 0,
        reserved: 0,
        kid: [0; 8],
        status_index: 0,
    };
}

/// One input of a batch: `len` bytes at `ptr` (UTF-8 text; need not be NUL-terminated).
/// `ptr` may be NULL when `len` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CertsealBytes {
    /// The first byte.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

/// One QR code found by `certseal_scan`.
#[repr(C)]
#[derive(Debug)]
pub struct CertsealScanCode {
    /// Its verdict; `CERTSEAL_STATUS_NOT_CERTSEAL` for a code that is not a certseal payload.
    pub result: CertsealResult,
    /// The decoded text, NUL-terminated (owned by the enclosing `CertsealScan`).
    pub text: *const c_char,
    /// Its length in bytes, without the NUL.
    pub text_len: usize,
}

/// What `certseal_scan` found in one image. Allocated by the library; free it with
/// `certseal_scan_free`, which frees the codes, their texts and the JSON too.
#[repr(C)]
#[derive(Debug)]
pub struct CertsealScan {
    /// The codes found, in the order found; NULL when `count` is 0.
    pub codes: *const CertsealScanCode,
    /// How many.
    pub count: usize,
    /// The scan as JSON (`{"codes": [{"text", "verdict"}], "error"}`, as `certseal scan
    /// --json` prints per image), NUL-terminated.
    pub json: *const c_char,
    /// Its length in bytes, without the NUL.
    pub json_len: usize,
}

/// The status list in force on a handle (`certseal_verifier_status_info`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertsealStatusInfo {
    /// 1 when a snapshot is loaded, 0 otherwise (then the other fields are 0).
    pub loaded: u32,
    /// 1 when the handle refuses payloads while the list is stale.
    pub fail_when_stale: u32,
    /// The registry sequence of the state in force.
    pub sequence: u64,
    /// When the newest document in force was signed (seconds since the epoch).
    pub issued_at: i64,
    /// When a newer one is due.
    pub next_update: i64,
    /// Number of status indices covered: `0..size`.
    pub size: u64,
}
