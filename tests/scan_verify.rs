//! `certseal::qr::verified`: faces drawn from issued and from verified certificates, scanned back out
//! of their PNGs and verified; texts that are not certseal payloads; undecodable bytes.
#![cfg(feature = "qr")]
// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use certseal::issue::Issuer;
use certseal::model::{parse_json, IssueKind};
use certseal::qr::face::{face_svg, FaceData, FaceRenderer, FontSource, REPLACEMENT_MARK};
use certseal::qr::render::{render_png, QrOptions};
use certseal::qr::scan::ScanLimits;
use certseal::qr::verified::{scan_and_verify, CodeVerdict, ScanError, ScanSummary, NOT_CERTSEAL};
use certseal::trust::KeyDir;

mod support;

use certseal::crypto::Algorithm;
use support::{verifier_of, AUTHORITY, NOW, SAMPLES};

fn key_dir() -> (tempfile::TempDir, KeyDir) {
    support::key_dir(Algorithm::Es256, 1)
}

#[test]
fn face_from_verified_view_matches_face_from_issued_certificate() {
    let (_dir, keys) = key_dir();
    let issuer = Issuer::from_key_dir(&keys, NOW).unwrap();
    let verifier = verifier_of(&keys);
    let batch = parse_json(SAMPLES).unwrap();
    let mut replacements = 0;
    for (_, cert) in &batch.accepted {
        let issued = issuer.issue(cert, None, NOW).unwrap();
        let issuing = FaceData::from_certificate(cert, &issued.identifier, AUTHORITY, &issued.qr);
        let verdict = verifier.verify(&issued.qr);
        let view = verdict.certificate.as_ref().unwrap();
        let verified = FaceData::from_view(view, &issued.qr);
        // The fields the QR payload carries are the same either way.
        assert_eq!(verified.title, "专业技术人员职业资格证书");
        assert_eq!(verified.qualification, issuing.qualification);
        assert_eq!(verified.level, issuing.level);
        assert_eq!(verified.specialty, issuing.specialty);
        assert_eq!(verified.holder_name, issuing.holder_name);
        assert_eq!(verified.sex, issuing.sex);
        assert_eq!(verified.birth, issuing.birth);
        assert_eq!(verified.id_number_masked, issuing.id_number_masked);
        assert_eq!(verified.management_number, issuing.management_number);
        assert_eq!(verified.approval_date, issuing.approval_date);
        assert_eq!(verified.identifier, issued.identifier);
        assert_eq!(verified.issuer, AUTHORITY);
        assert_eq!(verified.replacement, issuing.replacement);
        assert!(!verified.qualification.is_empty());
        if cert.lifecycle.kind == IssueKind::Replacement {
            replacements += 1;
            assert!(verified.remarks_display().starts_with(REPLACEMENT_MARK));
            assert!(issuing.remarks_display().starts_with(REPLACEMENT_MARK));
        } else {
            assert!(!verified.remarks_display().contains(REPLACEMENT_MARK));
        }
        assert!(face_svg(&verified).unwrap().contains(&verified.holder_name));
    }
    assert!(replacements > 0, "the samples include a replacement (补发)");
}

#[test]
fn face_png_scans_back_to_a_valid_payload() {
    let renderer = FaceRenderer::new(&FontSource::Embedded).unwrap();
    let (_dir, keys) = key_dir();
    let issuer = Issuer::from_key_dir(&keys, NOW).unwrap();
    let verifier = verifier_of(&keys);
    let batch = parse_json(SAMPLES).unwrap();
    let (_, cert) = &batch.accepted[0];
    let issued = issuer.issue(cert, None, NOW).unwrap();
    let face = FaceData::from_certificate(cert, &issued.identifier, AUTHORITY, &issued.qr);
    let png = renderer.render_png(&face).unwrap();

    let record = scan_and_verify(&png, &ScanLimits::default(), &verifier);
    assert_eq!(record.error, None);
    assert_eq!(record.codes.len(), 1);
    assert_eq!(record.codes[0].text, issued.qr);
    assert!(record.all_valid());
    let json = record.to_json();
    assert_eq!(json["codes"][0]["verdict"]["status"], "valid");
    assert_eq!(
        json["codes"][0]["verdict"]["certificate"]["identifier"],
        issued.identifier.as_str()
    );
}

#[test]
fn other_qr_text_is_kept_and_marked_not_certseal() {
    let (_dir, keys) = key_dir();
    let verifier = verifier_of(&keys);
    let png = render_png("HTTPS://EXAMPLE.COM/X", &QrOptions::default()).unwrap();
    let record = scan_and_verify(&png, &ScanLimits::default(), &verifier);
    assert_eq!(record.error, None);
    assert_eq!(record.codes.len(), 1);
    assert_eq!(record.codes[0].text, "HTTPS://EXAMPLE.COM/X");
    assert_eq!(record.codes[0].verdict, CodeVerdict::NotCertseal);
    assert!(!record.all_valid());
    let json = record.to_json();
    assert_eq!(json["codes"][0]["verdict"]["status"], "not_certseal");
    assert_eq!(json["codes"][0]["verdict"]["detail"], NOT_CERTSEAL);

    let mut summary = ScanSummary::default();
    summary.add(&record);
    assert_eq!(
        (summary.codes, summary.not_valid, summary.not_certseal),
        (1, 1, 1)
    );
    assert!(!summary.all_valid());
}

#[test]
fn undecodable_bytes_and_blank_images_set_error() {
    let (_dir, keys) = key_dir();
    let verifier = verifier_of(&keys);
    let record = scan_and_verify(b"\x89PNG but not really", &ScanLimits::default(), &verifier);
    assert!(record.codes.is_empty());
    assert!(
        matches!(record.error, Some(ScanError::Image(_))),
        "{:?}",
        record.error
    );

    // A valid PNG without a QR code: a white square.
    let blank = render_png("A", &QrOptions::default()).unwrap();
    let (w, h, mut px) = certseal::qr::scan::decode_grey(&blank, &ScanLimits::default()).unwrap();
    px.iter_mut().for_each(|p| *p = 255);
    let mut white = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut white, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(&px).unwrap();
    }
    let record = scan_and_verify(&white, &ScanLimits::default(), &verifier);
    assert_eq!(record.error, Some(ScanError::NoCode));
    assert_eq!(
        record.to_json()["error"],
        "no qr code found in the image",
        "the JSON keeps the words"
    );
    let mut summary = ScanSummary::default();
    summary.add(&record);
    assert_eq!(summary.unreadable, 1);
}
