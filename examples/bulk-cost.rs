//! Bulk verification of N payloads issued by 2 signer keys in turn (the shape of the issue 15
//! goals), beside bare `ring` P-256 single verification, each in its own function so that one
//! callgrind run gives the instruction counts of all of them (load-independent):
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/examples/bulk-cost sm2 10000
//! callgrind_annotate --inclusive=yes cg.out | grep -E 'bulk_cost::'
//! ```
//!
//! Functions: `ring_p256_loop` (N bare `ring` ECDSA P-256 verifications of one payload's
//! Sig_structure, the baseline of every goal), `single_loop` (`Verifier::verify_at` on each
//! payload), `bulk_first` (`verify_many_cofactored_at` on the N payloads with a fresh verifier:
//! includes building the two keys' comb tables and, for the first curve use in the process,
//! the generator's), `bulk_again` (the same call again: steady state).

use certseal::crypto::{Algorithm, RingSigner, Signer};
use certseal::issue::Issuer;
use certseal::verify::Verifier;
use certseal::FixedClock;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

#[path = "../tests/support/mod.rs"]
mod support;

use support::NOW;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let alg = Algorithm::from_name(args.get(1).map_or("sm2", String::as_str))
        .ok_or("unknown algorithm")?;
    let n: usize = args.get(2).map_or(Ok(2000), |s| s.parse())?;
    let only = args.get(3).map(String::as_str);
    let (_dir, keys) = support::key_dir(alg, 2);
    let certs = support::samples();
    // `keys init` staggers the signers' windows: each signs inside its own, and everything is
    // verified at the latest of those times.
    let issuers = keys
        .signers()
        .iter()
        .map(|s| {
            let at = s.cert().not_before().max(NOW);
            Ok((Issuer::new(s.signer_at(at)?, s.cert())?, at))
        })
        .collect::<Result<Vec<_>, certseal::Error>>()?;
    let now = issuers.iter().map(|(_, at)| *at).max().unwrap_or(NOW);
    let texts: Vec<String> = (0..n)
        .map(|i| {
            let (issuer, at) = &issuers[i % issuers.len()];
            Ok(issuer
                .issue(&certs[i % certs.len()], Some(i as u64), *at)?
                .qr)
        })
        .collect::<Result<_, certseal::Error>>()?;
    let store = keys.trust_store()?;

    // The baseline: a ring P-256 key over the first payload's Sig_structure.
    let cose =
        certseal::codec::base45::decode(certseal::claims::payload::strip_prefix(&texts[0])?)?;
    let msg = certseal::cose::Sign1::parse(
        &cose,
        certseal::codec::cbor::Mode::Strict,
        &certseal::codec::Limits::DEFAULT,
    )?;
    let mut tbs = Vec::new();
    msg.sig_structure(&[], &mut tbs);
    let (p256, _) = RingSigner::generate(Algorithm::Es256)?;
    let p256_sig = p256.sign(&tbs)?;

    if only == Some("time") {
        // Wall clock, rounds alternating the two sides (a rough check; `certseal speed` is
        // the measurement of record).
        let verifier = Verifier::new(store.clone()).with_clock(FixedClock(now));
        bulk_first(&verifier, &texts, now);
        let mut ratios = Vec::new();
        for _ in 0..15 {
            let t = std::time::Instant::now();
            ring_p256_loop(n, p256.public_key_raw(), &tbs, &p256_sig);
            let ring = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            bulk_again(&verifier, &texts, now);
            let bulk = t.elapsed().as_secs_f64();
            ratios.push(ring / bulk);
            println!(
                "ring {:.0}/s bulk {:.0}/s",
                n as f64 / ring,
                n as f64 / bulk
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "median bulk ÷ ring P-256 rate: {:.2}",
            ratios[ratios.len() / 2]
        );
        return Ok(());
    }
    let run = |name: &str| only.is_none_or(|o| o == name);
    if run("ring") {
        let ok = ring_p256_loop(n, p256.public_key_raw(), &tbs, &p256_sig);
        println!("ring P-256: {ok} of {n}");
    }
    if run("single") {
        let verifier = Verifier::new(store.clone()).with_clock(FixedClock(now));
        println!(
            "single {alg}: {} of {n}",
            single_loop(&verifier, &texts, now)
        );
    }
    if run("bulk") {
        let verifier = Verifier::new(store.clone()).with_clock(FixedClock(now));
        println!(
            "bulk {alg} first: {} of {n}",
            bulk_first(&verifier, &texts, now)
        );
        println!(
            "bulk {alg} again: {} of {n}",
            bulk_again(&verifier, &texts, now)
        );
    }
    Ok(())
}

#[inline(never)]
fn ring_p256_loop(n: usize, public: &[u8], tbs: &[u8], sig: &[u8]) -> usize {
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public);
    (0..n)
        .filter(|_| key.verify(tbs, std::hint::black_box(sig)).is_ok())
        .count()
}

#[inline(never)]
fn single_loop(verifier: &Verifier, texts: &[String], now: i64) -> usize {
    texts
        .iter()
        .filter(|t| verifier.verify_at(std::hint::black_box(t), now).is_valid())
        .count()
}

#[inline(never)]
fn bulk_first(verifier: &Verifier, texts: &[String], now: i64) -> usize {
    let v = verifier.verify_many_cofactored_at(std::hint::black_box(texts), now);
    v.iter().filter(|v| v.is_valid()).count()
}

#[inline(never)]
fn bulk_again(verifier: &Verifier, texts: &[String], now: i64) -> usize {
    let v = verifier.verify_many_cofactored_at(std::hint::black_box(texts), now);
    v.iter().filter(|v| v.is_valid()).count()
}
