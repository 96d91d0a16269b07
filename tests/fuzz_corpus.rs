//! Replays every checked-in fuzz seed and regression input through its target, in ordinary
//! `cargo test` (x509-parser's habit): a crash found once stays fixed.

use std::path::Path;

use certseal::internal::fuzzing;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let mut count = 0;
    for kind in ["corpus", "regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(kind)
            .join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_file() {
                let data = std::fs::read(&path).expect("readable seed");
                run(&data);
                count += 1;
            }
        }
    }
    count
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let n = replay(stringify!($name), fuzzing::$name);
                assert!(n > 0, "no seed corpus for {}", stringify!($name));
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
    base45_round_trip,
    batch_verify,
);

#[cfg(feature = "sqlite")]
#[test]
fn submission() {
    assert!(
        replay("submission", fuzzing::submission) > 0,
        "no seed corpus for submission"
    );
}

#[cfg(feature = "sm2")]
#[test]
fn sm2() {
    assert!(replay("sm2", fuzzing::sm2) > 0, "no seed corpus for sm2");
}

#[cfg(feature = "qr")]
#[test]
fn qr_image() {
    assert!(
        replay("qr_image", fuzzing::qr_image) > 0,
        "no seed corpus for qr_image"
    );
}
