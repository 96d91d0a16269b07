//! Runs the COSE working group's signature examples through certseal's interop verifier and
//! compares each result with the expected outcome: the COSE_Sign1 files (ES256 on P-256, ES384
//! on P-384, ES512 on P-521, EdDSA on Ed25519) end to end, and the signers of the COSE_Sign
//! files (the only upstream RSA-PSS examples: PS256, PS384, PS512; ES384 and ES512 again).
//!
//! ```text
//! cargo run --release --example cose-conformance                       # test-vectors/cose-wg
//! cargo run --release --example cose-conformance -- ../shared/conformance/cose-wg
//! ```
//!
//! Without an argument it reads the copy vendored in `test-vectors/cose-wg/` (upstream commit,
//! licence and checksums in its `PROVENANCE.md` and `SHA256SUMS`); `tests/conformance.rs` runs
//! the same code on that copy in ordinary `cargo test`. The folder's `INVENTORY.tsv` lists every
//! COSE_Sign1 file with its algorithm and curve; the files in scope are read from the folder.
//! For each, the key is built from the JWK-like `x`/`y` (base64url, or `x_hex`/`y_hex`), its
//! type from the curve, `output.cbor` is verified as hex with `cose_only` (the payload is
//! opaque) and the file's external AAD, and the verdict is compared with `"fail": true` (must
//! be rejected) or its absence (must verify).
//!
//! certseal's interop verifier takes COSE_Sign1 messages only, and upstream has RSA-PSS
//! examples only as COSE_Sign (tag 98). `SIGN-INVENTORY.tsv` (certseal's, in the vendored
//! copy only) lists those files. For each signer, this program decodes the message with
//! ciborium (independent of certseal's decoder), rebuilds the signer's `Sig_structure`
//! (context "Signature", RFC 9052 §4.4) and checks it equals the file's
//! `intermediates.signers[i].ToBeSign_hex`, then runs the interop verifier's `alg`, `key` and
//! `signature` steps on it ([`interop::verify_signature`]) with the key from `n_hex`/`e_hex`
//! (RSA) or `x`/`y` (EC), and with the signature byte flipped, which must fail.
//!
//! Two documented disagreements are expected and count as agreeing, *rejected by design*:
//!
//! * `sign-pass-01` carries an empty protected map and `alg` only in the unprotected bucket.
//!   certseal requires `alg` to be integrity-protected (RFC 9052 §3.1 recommends it; coset
//!   refuses the same file).
//! * `ecdsa-sig-04` / `ecdsa-04` sign ES512 (SHA-512) with a P-256 key. certseal binds each
//!   curve to its one hash (RFC 9053 §2.1 recommends it; JOSE requires it), so the message is
//!   refused at stage `key` (`key_mismatch`).
//!
//! Exit codes: 0 all agree, 1 some disagree, 2 usage or I/O error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certseal::codec::hex;
use certseal::cose::Label;
use certseal::crypto::{Algorithm, VerifyingKey};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use serde_json::Value;

/// Files whose upstream "pass" label certseal rejects on purpose, with the reason.
const REJECTED_BY_DESIGN: &[(&str, &str)] = &[
    (
        "sign1-tests/sign-pass-01.json",
        "alg only in the unprotected bucket",
    ),
    (
        "ecdsa-examples/ecdsa-sig-04.json",
        "ES512 with a P-256 key: each curve has its one hash",
    ),
    (
        "ecdsa-examples/ecdsa-04.json",
        "ES512 with a P-256 key: each curve has its one hash",
    ),
];

/// The key types in scope, by the inventory's curve (`crv`) column: the key's algorithm.
/// The message's `alg` is checked against it by the verifier (stage `key`).
const IN_SCOPE: &[(&str, Algorithm)] = &[
    ("P-256", Algorithm::Es256),
    ("P-384", Algorithm::Es384),
    ("P-521", Algorithm::Es512),
    ("Ed25519", Algorithm::EdDsa),
    ("RSA", Algorithm::Ps256),
];

/// One file of the suite, as the inventory lists it.
struct Entry {
    file: String,
    alg: String,
    crv: String,
    /// The signer of a COSE_Sign file (`SIGN-INVENTORY.tsv`); 0 otherwise.
    signer: usize,
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let dir = match (args.next(), args.next()) {
        (Some(dir), None) => PathBuf::from(dir),
        (None, None) => vendored_dir(),
        _ => {
            eprintln!(
                "usage: cose-conformance [DIR]   (a cose-wg folder holding INVENTORY.tsv; \
                 default: the vendored test-vectors/cose-wg)"
            );
            return ExitCode::from(2);
        }
    };
    match run(&dir) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cose-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

/// The copy of the suite vendored in this repository.
pub(crate) fn vendored_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/cose-wg")
}

/// Runs every in-scope file of `dir`, printing one line each; `Ok(true)` when all agree.
pub(crate) fn run(dir: &Path) -> Result<bool, String> {
    let inventory = read(&dir.join("INVENTORY.tsv"))?;
    let entries = parse_inventory(&inventory)?;
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for entry in &entries {
        let Some(alg) = key_alg(&entry.crv) else {
            println!(
                "SKIP  {:<36} out of scope ({} on {})",
                entry.file, entry.alg, entry.crv
            );
            skipped += 1;
            continue;
        };
        match check(dir, entry, alg) {
            Ok(line) => {
                println!("PASS  {:<36} {line}", entry.file);
                passed += 1;
            }
            Err(line) => {
                println!("FAIL  {:<36} {line}", entry.file);
                failed += 1;
            }
        }
    }
    let sign_inventory = dir.join("SIGN-INVENTORY.tsv");
    if sign_inventory.is_file() {
        for entry in parse_inventory(&read(&sign_inventory)?)? {
            let Some(alg) = key_alg(&entry.crv) else {
                println!("SKIP  {:<36} out of scope ({})", entry.file, entry.crv);
                skipped += 1;
                continue;
            };
            match check_sign(dir, &entry, alg) {
                Ok(line) => {
                    println!("PASS  {:<36} {line}", entry.file);
                    passed += 1;
                }
                Err(line) => {
                    println!("FAIL  {:<36} {line}", entry.file);
                    failed += 1;
                }
            }
        }
    } else {
        println!(
            "no SIGN-INVENTORY.tsv in {}: COSE_Sign signers not run",
            dir.display()
        );
    }
    println!("{skipped} out of scope (Ed448, HSS-LMS)");
    println!("{passed} passed, {failed} failed");
    if passed + failed == 0 {
        return Err(format!("{}: no file in scope", dir.display()));
    }
    Ok(failed == 0)
}

/// The algorithm a key of curve (or `RSA`) `crv` is read as, when in scope.
fn key_alg(crv: &str) -> Option<Algorithm> {
    IN_SCOPE
        .iter()
        .find(|(c, _)| *c == crv)
        .map(|(_, alg)| *alg)
}

/// The verdict against the expectation: `Ok` with a description when they agree.
fn judge(file: &str, expect_fail: bool, result: Result<(), String>) -> Result<String, String> {
    let got = match &result {
        Ok(()) => "valid".to_string(),
        Err(why) => format!("rejected at {why}"),
    };
    let by_design = REJECTED_BY_DESIGN
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, why)| *why);
    match (expect_fail, result.is_ok(), by_design) {
        (true, false, _) => Ok(format!("expected fail, {got}")),
        (false, true, None) => Ok(format!("expected pass, {got}")),
        (false, false, Some(why)) => Ok(format!("rejected by design ({why}), {got}")),
        (false, true, Some(why)) => Err(format!(
            "expected rejection by design ({why}), but it verified"
        )),
        (true, true, _) => Err(format!("expected fail, but {got}")),
        (false, false, None) => Err(format!("expected pass, but {got}")),
    }
}

/// Checks the signer of one COSE_Sign file (the inventory's `signer` column, default 0):
/// rebuilds its Sig_structure, compares it with the file's, verifies the signature through
/// the interop steps, and checks that a flipped signature byte fails.
fn check_sign(dir: &Path, entry: &Entry, key_alg: Algorithm) -> Result<String, String> {
    use ciborium::Value as Cbor;
    let path = dir.join(&entry.file);
    let json: Value = serde_json::from_str(&read(&path)?)
        .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let expect_fail = json.get("fail").and_then(Value::as_bool).unwrap_or(false);
    let index = entry.signer;
    let signer_json = json
        .pointer(&format!("/input/sign/signers/{index}"))
        .ok_or("no such input.sign.signers entry")?;
    let key = verifying_key(signer_json.get("key").ok_or("signer without key")?, key_alg)?;
    let external_aad = match signer_json.get("external").and_then(Value::as_str) {
        Some(h) => hex::decode(h).map_err(|e| format!("external AAD: {e}"))?,
        None => Vec::new(),
    };
    let cbor = json
        .pointer("/output/cbor")
        .and_then(Value::as_str)
        .ok_or("no output.cbor")?;
    let bytes = hex::decode(cbor).map_err(|e| format!("output.cbor: {e}"))?;
    let message: Cbor =
        ciborium::from_reader(bytes.as_slice()).map_err(|e| format!("output.cbor: {e}"))?;
    let Cbor::Tag(98, body) = message else {
        return Err("output.cbor: not a COSE_Sign (tag 98)".into());
    };
    let parts = body.into_array().map_err(|_| "COSE_Sign: not an array")?;
    let [protected, _unprotected, payload, signers] =
        <[Cbor; 4]>::try_from(parts).map_err(|_| "COSE_Sign: not 4 elements")?;
    let signers = signers.into_array().map_err(|_| "signers: not an array")?;
    let signer = signers
        .get(index)
        .ok_or("signer index out of range")?
        .clone();
    let signer_parts = signer.into_array().map_err(|_| "signer: not an array")?;
    let [sign_protected, _, signature] =
        <[Cbor; 3]>::try_from(signer_parts).map_err(|_| "COSE_Signature: not 3 elements")?;
    let sign_protected_bytes = sign_protected
        .as_bytes()
        .ok_or("signer protected: not bytes")?
        .clone();
    let signature = signature.into_bytes().map_err(|_| "signature: not bytes")?;
    let tbs = Cbor::Array(vec![
        Cbor::Text("Signature".into()),
        protected,
        sign_protected,
        Cbor::Bytes(external_aad),
        payload,
    ]);
    let mut tbs_bytes = Vec::new();
    ciborium::into_writer(&tbs, &mut tbs_bytes).map_err(|e| format!("Sig_structure: {e}"))?;
    let expected_tbs = json
        .pointer(&format!("/intermediates/signers/{index}/ToBeSign_hex"))
        .and_then(Value::as_str)
        .ok_or("no intermediates ToBeSign_hex")?;
    if hex::encode(&tbs_bytes) != expected_tbs.to_ascii_lowercase() {
        return Err("the rebuilt Sig_structure differs from ToBeSign_hex".into());
    }
    // alg: an integer in the signer's protected map.
    let header: Cbor = ciborium::from_reader(sign_protected_bytes.as_slice())
        .map_err(|e| format!("signer protected: {e}"))?;
    let alg = header
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_integer() == Some(1.into()))
                .map(|(_, v)| v.clone())
        })
        .ok_or("no alg in the signer's protected header")?;
    let alg = match alg {
        Cbor::Integer(n) => Label::Int(i64::try_from(n).map_err(|_| "alg out of range")?),
        Cbor::Text(t) => Label::Text(t),
        _ => return Err("alg: neither integer nor text".into()),
    };
    let anchor = TrustAnchor::from_key(key);
    let result = interop::verify_signature(&anchor, Profile::Generic, &alg, &tbs_bytes, &signature)
        .map(drop)
        .map_err(|r| format!("{}: {r}", r.stage()));
    if result.is_ok() {
        let mut flipped = signature.clone();
        if let Some(b) = flipped.last_mut() {
            *b ^= 0x01;
        }
        if interop::verify_signature(&anchor, Profile::Generic, &alg, &tbs_bytes, &flipped).is_ok()
        {
            return Err("a signature with its last bit flipped verified".into());
        }
    }
    judge(&entry.file, expect_fail, result).map(|line| format!("signer {index}: {line}"))
}

/// Checks one file; `Ok` with a description when certseal agrees with the expectation.
fn check(dir: &Path, entry: &Entry, alg: Algorithm) -> Result<String, String> {
    let path = dir.join(&entry.file);
    let json: Value = serde_json::from_str(&read(&path)?)
        .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let expect_fail = json.get("fail").and_then(Value::as_bool).unwrap_or(false);
    let sign0 = json
        .pointer("/input/sign0")
        .ok_or("no input.sign0 in the file")?;
    let key = sign0.get("key").ok_or("no input.sign0.key in the file")?;
    let key = verifying_key(key, alg)?;
    let external_aad = match sign0.get("external").and_then(Value::as_str) {
        Some(h) => hex::decode(h).map_err(|e| format!("external AAD: {e}"))?,
        None => Vec::new(),
    };
    let cbor = json
        .pointer("/output/cbor")
        .and_then(Value::as_str)
        .ok_or("no output.cbor in the file")?;
    let mut opts = Options::new(Profile::Generic, None);
    opts.hex = true;
    opts.cose_only = true;
    opts.external_aad = external_aad;
    let report = interop::verify(cbor, &TrustAnchor::from_key(key), &opts);
    let result = match (report.stage(), report.detail()) {
        (None, _) => Ok(()),
        (Some(stage), Some(detail)) => Err(format!("{stage}: {detail}")),
        (Some(stage), None) => Err(stage.to_string()),
    };
    judge(&entry.file, expect_fail, result)
}

/// The public key of a JWK-like object: `x`/`y` in base64url, or `x_hex`/`y_hex`; for RSA
/// `n_hex`/`e_hex` (or base64url `n`/`e`).
fn verifying_key(key: &Value, alg: Algorithm) -> Result<VerifyingKey, String> {
    let coord = |name: &str| -> Result<Vec<u8>, String> {
        if let Some(s) = key.get(name).and_then(Value::as_str) {
            return base64url(s).ok_or_else(|| format!("key.{name}: not base64url"));
        }
        let hex_name = format!("{name}_hex");
        match key.get(&hex_name).and_then(Value::as_str) {
            Some(h) => hex::decode(h).map_err(|e| format!("key.{hex_name}: {e}")),
            None => Err(format!("key has no {name} or {hex_name}")),
        }
    };
    let raw = match alg {
        Algorithm::Ps256 => {
            return VerifyingKey::from_rsa_components(alg, &coord("n")?, &coord("e")?)
                .map_err(|e| format!("key: {e}"))
        }
        Algorithm::Es256 | Algorithm::Es384 | Algorithm::Es512 => {
            let mut point = vec![0x04];
            point.extend(coord("x")?);
            point.extend(coord("y")?);
            point
        }
        _ => coord("x")?,
    };
    VerifyingKey::from_raw(alg, &raw).map_err(|e| format!("key: {e}"))
}

/// Decodes unpadded (or padded) base64url.
fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn parse_inventory(text: &str) -> Result<Vec<Entry>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("INVENTORY.tsv is empty")?
        .split('\t')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("INVENTORY.tsv has no {name} column"))
    };
    let (file, alg, crv) = (col("file")?, col("alg")?, col("crv")?);
    let signer = col("signer").ok();
    let mut entries = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| fields.get(i).map(|s| s.to_string()).unwrap_or_default();
        let signer = match signer {
            Some(i) => get(i)
                .parse()
                .map_err(|_| format!("{}: signer is not a number", get(file)))?,
            None => 0,
        };
        entries.push(Entry {
            file: get(file),
            alg: get(alg),
            crv: get(crv),
            signer,
        });
    }
    Ok(entries)
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}
