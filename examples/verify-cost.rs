//! Runs one verification path N times, for instruction counting under callgrind, which is
//! repeatable whatever else the machine is doing:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/verify-cost e2e ed25519 2000
//! ```
//!
//! Paths: `bare` (ring verify of the payload's Sig_structure), `e2e` (`Verifier::verify_at` on
//! the QR text), `setup` (neither: the fixed cost to subtract from both).

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
    let mut valid = 0usize;
    for _ in 0..n {
        match path {
            "bare" => valid += usize::from(key.verify(&tbs, msg.signature).is_ok()),
            "e2e" => valid += usize::from(verifier.verify_at(&issued.qr, NOW).is_valid()),
            _ => valid += 1,
        }
    }
    println!("{path} {alg}: {valid}/{n} valid");
    Ok(())
}
