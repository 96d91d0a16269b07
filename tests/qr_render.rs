//! The chosen encoder (fast_qr) builds the same module matrix as the `qrcode` crate's default
//! path that the design card names, for certseal-sized payloads at every level.
#![cfg(feature = "qr")]
#![allow(clippy::unwrap_used)] // tests and benches may unwrap

use certseal::qr::render::{
    encode_matrix, encode_matrix_with_mask, render_svg, EcLevel, QrOptions,
};
use certseal::qr::testset::{random_payload, Rng};

fn qrcode_matrix(text: &str, level: EcLevel) -> (usize, Vec<bool>) {
    let l = match level {
        EcLevel::L => qrcode::EcLevel::L,
        EcLevel::M => qrcode::EcLevel::M,
        EcLevel::Q => qrcode::EcLevel::Q,
        EcLevel::H => qrcode::EcLevel::H,
    };
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), l).unwrap();
    let colors = code.to_colors();
    (
        code.width(),
        colors.iter().map(|c| *c == qrcode::Color::Dark).collect(),
    )
}

/// The encoders agree on everything but the choice of mask: for every payload, fast_qr with
/// the mask that `qrcode` chose gives `qrcode`'s matrix bit for bit (same version, mode,
/// codewords, error correction and placement). The automatic mask choice differs for some
/// payloads (the two crates score mask penalties differently); both are valid symbols.
#[test]
fn fast_qr_matrix_is_identical_to_qrcode_matrix_under_same_mask() {
    let mut rng = Rng::new(2026);
    let (mut total, mut same_auto_mask) = (0, 0);
    for level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
        for i in 0..25 {
            let mut text = random_payload(&mut rng);
            // Also short and mid-length strings, to cover other versions.
            text.truncate(4 + (i * 37) % 250);
            let (width, theirs) = qrcode_matrix(&text, level);
            let auto = encode_matrix(&text, level).unwrap();
            assert_eq!(auto.size(), width, "{level:?} {text}");
            total += 1;
            if auto.modules() == &theirs[..] {
                same_auto_mask += 1;
            }
            let matching_mask = (0..8u8).find(|&m| {
                encode_matrix_with_mask(&text, level, m).unwrap().modules() == &theirs[..]
            });
            assert!(
                matching_mask.is_some(),
                "{level:?} {text}: no mask reproduces qrcode"
            );
        }
    }
    println!("automatic mask choice agreed on {same_auto_mask}/{total} payloads");
}

#[test]
fn certseal_payloads_fit_version_11_at_level_q() {
    let mut rng = Rng::new(11);
    for _ in 0..20 {
        let text = random_payload(&mut rng);
        assert!((230..=250).contains(&text.len()));
        assert!(encode_matrix(&text, EcLevel::Q).unwrap().version() <= 11);
    }
}

#[test]
fn svg_is_sized_by_module_and_quiet_zone() {
    let opts = QrOptions {
        module_px: 5,
        quiet_zone: 4,
        ..QrOptions::default()
    };
    let svg = render_svg("CS1:HELLO", &opts).unwrap();
    // Version 1 (21 modules) + 2 × 4 quiet zone = 29 modules × 5 = 145.
    assert!(svg.contains("width=\"145\" height=\"145\" viewBox=\"0 0 29 29\""));
}
