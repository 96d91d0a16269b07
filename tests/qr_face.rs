//! The certificate face: the PNG renders Chinese text and its QR code scans back to the
//! payload; the SVG carries the same QR code. The PNG tests use the embedded font, so they
//! need no system font and do not depend on which fonts a machine has.
#![cfg(feature = "qr")]
#![allow(clippy::unwrap_used)] // tests and benches may unwrap

use certseal::qr::face::{face_svg, FaceData, FaceRenderer, FontSource};
use certseal::qr::scan::{scan_image_bytes, ScanLimits};
use certseal::qr::testset::{random_payload, Rng};

fn sample(qr_text: String) -> FaceData {
    FaceData {
        qualification: "注册安全工程师".into(),
        level: "中级".into(),
        specialty: "化工安全".into(),
        holder_name: "欧阳明珠".into(),
        sex: "女".into(),
        birth: "1988年11月".into(),
        id_number_masked: "3301**********002X".into(),
        management_number: "2026330100417".into(),
        approval_date: "2026年06月30日".into(),
        identifier: "1.2.156.3005.2.11100000000013338W021.11100000000013338W.00000417.002.7".into(),
        remarks: "原证书遗失".into(),
        replacement: true,
        issuer: "人力资源和社会保障部 人事考试中心".into(),
        qr_text,
        ..FaceData::default()
    }
}

fn renderer() -> FaceRenderer {
    FaceRenderer::new(&FontSource::Embedded).unwrap()
}

#[test]
fn face_png_decodes_back_to_payload() {
    let r = renderer();
    let mut rng = Rng::new(7);
    for _ in 0..3 {
        let text = random_payload(&mut rng);
        let png = r.render_png(&sample(text.clone())).unwrap();
        if let Ok(dir) = std::env::var("QR_FACE_OUT") {
            std::fs::write(std::path::Path::new(&dir).join("face.png"), &png).unwrap();
        }
        assert_eq!(
            scan_image_bytes(&png, &ScanLimits::default()).unwrap(),
            vec![text]
        );
    }
}

#[test]
fn face_png_draws_chinese_text() {
    let r = renderer();
    let (w, h, px) = r
        .render_luma(&sample(random_payload(&mut Rng::new(8))))
        .unwrap();
    // The title band (above the rows and the QR code) must hold ink: the glyphs rendered.
    let band = &px[(60 * w as usize)..(100 * w as usize)];
    let ink = band.iter().filter(|&&p| p < 128).count();
    assert!(ink > 2000, "title band has {ink} dark pixels");
    assert_eq!((w, h), (1000, 720));
}

#[test]
fn face_png_is_the_same_on_every_machine() {
    // The embedded font and a fixed payload give fixed pixels: the renderer's output is a
    // function of the face alone (no system font, no cache state).
    let r = renderer();
    let face = sample(random_payload(&mut Rng::new(9)));
    let first = r.render_png(&face).unwrap();
    assert_eq!(first, r.render_png(&face).unwrap());
    assert_eq!(first, renderer().render_png(&face).unwrap());
    assert!(r.missing_glyphs(&face).is_empty());
}

#[test]
fn default_font_always_renders() {
    // An installed CJK font when there is one, else the embedded subset: never an error.
    let r = FaceRenderer::new(&FontSource::Default).unwrap();
    let face = sample(random_payload(&mut Rng::new(10)));
    assert!(r.missing_glyphs(&face).is_empty(), "{}", r.font_name());
    let png = r.render_png(&face).unwrap();
    assert_eq!(
        scan_image_bytes(&png, &ScanLimits::default()).unwrap(),
        vec![face.qr_text]
    );
}

#[test]
fn face_svg_holds_qr_and_text() {
    let svg = face_svg(&sample("CS1:ABC".into())).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("补发；原证书遗失"));
    assert!(svg.contains("<path fill=\"#000\" d=\"M"));
}

#[test]
fn face_rejects_payload_outside_alphanumeric_set() {
    let r = renderer();
    assert!(r.render_png(&sample("cs1:lower".into())).is_err());
    assert!(face_svg(&sample("cs1:lower".into())).is_err());
}
