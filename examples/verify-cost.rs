//! Runs one verification path N times, for instruction counting under callgrind, which is
//! repeatable whatever else the machine is doing:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/verify-cost e2e ed25519 2000
//! ```
//!
//! Paths: `bare` (ring verify of the payload's Sig_structure), `e2e` (`Verifier::verify_at` on
//! the QR text), `setup` (neither: the fixed cost to subtract from both), `both` (`bare` then
//! `e2e` in one process, on the same key and payload, each in its own function, so one
//! callgrind run gives both without the difference between two random keys):
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/examples/verify-cost both es256 2000
//! callgrind_annotate --inclusive=yes cg.out | grep -E 'verify_cost::(bare|e2e)_loop'
//! ```

use certseal::crypto::Algorithm;
use certseal::issue::Issuer;
use certseal::verify::Verifier;

#[path = "../tests/support/mod.rs"]
mod support;

use support::NOW;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("e2e", String::as_str);
    let alg = Algorithm::from_name(args.get(2).map_or("ed25519", String::as_str))
        .ok_or("unknown algorithm")?;
    let n: usize = args.get(3).map_or(Ok(1000), |s| s.parse())?;
    let (_dir, keys) = support::key_dir(alg, 1);
    let issued = Issuer::from_key_dir(&keys, NOW)?.issue(&support::samples()[0], Some(0), NOW)?;
    let store = keys.trust_store()?;
    let key = store.signers()[0].key().clone();
    let cose =
        certseal::codec::base45::decode(certseal::claims::payload::strip_prefix(&issued.qr)?)?;
    let msg = certseal::cose::Sign1::parse(
        &cose,
        certseal::codec::cbor::Mode::Strict,
        &certseal::codec::Limits::DEFAULT,
    )?;
    let mut tbs = Vec::new();
    msg.sig_structure(&[], &mut tbs);
    let verifier = Verifier::new(store);
    let valid = match path {
        "bare" => bare_loop(n, &key, &tbs, msg.signature),
        "e2e" => e2e_loop(n, &verifier, &issued.qr),
        "both" => bare_loop(n, &key, &tbs, msg.signature) + e2e_loop(n, &verifier, &issued.qr),
        _ => n,
    };
    println!("{path} {alg}: {valid} valid of {n} per path");
    Ok(())
}

/// `n` bare verifications of the payload's signature over its Sig_structure.
#[inline(never)]
fn bare_loop(
    n: usize,
    key: &certseal::crypto::VerifyingKey,
    tbs: &[u8],
    signature: &[u8],
) -> usize {
    (0..n)
        .filter(|_| key.verify(tbs, std::hint::black_box(signature)).is_ok())
        .count()
}

/// `n` end-to-end verifications of the QR text.
#[inline(never)]
fn e2e_loop(n: usize, verifier: &Verifier, qr: &str) -> usize {
    (0..n)
        .filter(|_| verifier.verify_at(std::hint::black_box(qr), NOW).is_valid())
        .count()
}
