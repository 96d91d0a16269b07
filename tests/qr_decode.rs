//! `qr::scan::decode_grey`: every PNG colour type and the JPEG colour spaces a scanner meets
//! come out as the same 8-bit grey picture; transparent pixels are white paper; sizes are
//! checked from the header; broken files are typed errors.
#![cfg(feature = "qr")]
#![allow(clippy::unwrap_used)] // tests may unwrap

use certseal::qr::render::{to_luma, EcLevel, QrOptions};
use certseal::qr::scan::{decode_grey, scan_image_bytes, ScanLimits};
use certseal::qr::QrError;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

const W: u32 = 67;
const H: u32 = 45;

/// A grey test picture: a gradient with a checker pattern over it.
fn picture() -> Vec<u8> {
    (0..H)
        .flat_map(|y| {
            (0..W).map(move |x| {
                let base = (x * 255 / (W - 1)) as u8;
                if (x / 5 + y / 5) % 2 == 0 {
                    base
                } else {
                    255 - base / 2
                }
            })
        })
        .collect()
}

fn png(data: &[u8], colour: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(data, W, H, colour)
        .unwrap();
    out
}

fn jpeg(data: &[u8], colour: ExtendedColorType, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(data, W, H, colour)
        .unwrap();
    out
}

fn grey(bytes: &[u8]) -> Vec<u8> {
    let (w, h, px) = decode_grey(bytes, &ScanLimits::default()).unwrap();
    assert_eq!((w, h), (W, H));
    px
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

#[test]
fn every_png_colour_type_decodes_to_the_same_grey() {
    let g = picture();
    let ga: Vec<u8> = g.iter().flat_map(|&v| [v, 255]).collect();
    let rgb: Vec<u8> = g.iter().flat_map(|&v| [v, v, v]).collect();
    let rgba: Vec<u8> = g.iter().flat_map(|&v| [v, v, v, 255]).collect();
    let g16: Vec<u8> = g.iter().flat_map(|&v| [v, v]).collect(); // v * 257, big endian
    let rgb16: Vec<u8> = g.iter().flat_map(|&v| [v, v, v, v, v, v]).collect();
    for (name, file) in [
        ("L8", png(&g, ExtendedColorType::L8)),
        ("La8", png(&ga, ExtendedColorType::La8)),
        ("Rgb8", png(&rgb, ExtendedColorType::Rgb8)),
        ("Rgba8", png(&rgba, ExtendedColorType::Rgba8)),
        ("L16", png(&g16, ExtendedColorType::L16)),
        ("Rgb16", png(&rgb16, ExtendedColorType::Rgb16)),
        ("indexed", indexed_png(&g)),
        ("Adam7 Rgb8", adam7_rgb_png(&rgb)),
    ] {
        assert_eq!(grey(&file), g, "{name}");
    }
}

#[test]
fn one_bit_qr_png_decodes_to_black_and_white() {
    // render::to_png writes 1-bit grey; the scanner sees 0 and 255.
    let text = "CS1:HELLO-1BIT";
    let m = certseal::qr::render::encode_matrix(text, EcLevel::Q).unwrap();
    let opts = QrOptions::default();
    let file = certseal::qr::render::to_png(&m, &opts).unwrap();
    let (w, h, px) = decode_grey(&file, &ScanLimits::default()).unwrap();
    let (lw, lh, luma) = to_luma(&m, &opts).unwrap();
    assert_eq!((w, h, px), (lw, lh, luma));
}

#[test]
fn transparent_pixels_are_white_paper() {
    // A QR code drawn as black ink on a transparent background (RGBA 0,0,0,0 as most tools
    // write it) reads like one on paper.
    let text = "CS1:TRANSPARENT-BACKGROUND";
    let m = certseal::qr::render::encode_matrix(text, EcLevel::Q).unwrap();
    let (w, h, luma) = to_luma(&m, &QrOptions::default()).unwrap();
    let rgba: Vec<u8> = luma
        .iter()
        .flat_map(|&v| {
            if v < 128 {
                [0, 0, 0, 255]
            } else {
                [0, 0, 0, 0]
            }
        })
        .collect();
    let mut file = Vec::new();
    PngEncoder::new(&mut file)
        .write_image(&rgba, w, h, ExtendedColorType::Rgba8)
        .unwrap();
    let (_, _, px) = decode_grey(&file, &ScanLimits::default()).unwrap();
    assert_eq!(px, luma);
    assert_eq!(
        scan_image_bytes(&file, &ScanLimits::default()).unwrap(),
        vec![text.to_owned()]
    );
    // Half-transparent ink is mid grey.
    let la: Vec<u8> = (0..W * H).flat_map(|_| [0u8, 128]).collect();
    assert!(grey(&png(&la, ExtendedColorType::La8))
        .iter()
        .all(|&v| v == 127));
}

#[test]
fn grey_and_colour_jpeg_decode_to_the_luma_plane() {
    let g = picture();
    let rgb: Vec<u8> = g.iter().flat_map(|&v| [v, v, v]).collect();
    let file = jpeg(&g, ExtendedColorType::L8, 95);
    let reference = image::load_from_memory(&file).unwrap().into_luma8();
    assert_eq!(grey(&file), reference.into_raw(), "grey JPEG");
    // A colour (YCbCr) file of a grey picture: the Y plane is the picture.
    let file = jpeg(&rgb, ExtendedColorType::Rgb8, 95);
    let reference = image::load_from_memory(&file).unwrap().into_luma8();
    assert!(
        max_diff(&grey(&file), &reference.into_raw()) <= 2,
        "colour JPEG"
    );
    // And JPEG is lossy: close to the source.
    assert!(max_diff(&grey(&file), &g) <= 40);
}

#[test]
fn rejects_oversized_jpeg_dimensions_before_decoding_pixels() {
    let file = jpeg(&picture(), ExtendedColorType::L8, 90);
    let narrow = ScanLimits {
        max_side: W - 1,
        ..ScanLimits::default()
    };
    assert!(matches!(
        decode_grey(&file, &narrow),
        Err(QrError::ImageTooWide {
            width: W,
            height: H,
            ..
        })
    ));
    let few = ScanLimits {
        max_pixels: u64::from(W * H - 1),
        ..ScanLimits::default()
    };
    assert!(matches!(
        decode_grey(&file, &few),
        Err(QrError::ImageTooManyPixels { .. })
    ));
    // A header claiming 60000 x 60000 is refused before anything is allocated.
    let mut huge = file.clone();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    assert!(matches!(
        decode_grey(&huge, &ScanLimits::default()),
        Err(QrError::ImageTooWide {
            width: 60000,
            height: 60000,
            ..
        })
    ));
}

#[test]
fn broken_files_are_typed_errors() {
    let g = picture();
    for file in [
        jpeg(&g, ExtendedColorType::L8, 90),
        png(&g, ExtendedColorType::L8),
    ] {
        for cut in [4, 20, 100, file.len() / 2, file.len() - 1] {
            match decode_grey(&file[..cut], &ScanLimits::default()) {
                // A lenient JPEG decoder may fill in a truncated scan: then the size is right.
                Ok((w, h, px)) => assert_eq!(px.len(), (w * h) as usize),
                Err(e) => assert!(matches!(e, QrError::ImageFormat(_)), "{e}"),
            }
        }
    }
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    match decode_grey(gif, &ScanLimits::default()) {
        Err(QrError::ImageFormat(m)) => assert_eq!(m, "got Gif, expected png or jpeg"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decode_grey(b"", &ScanLimits::default()),
        Err(QrError::ImageFormat(_))
    ));
}

/// An 8-bit palette PNG of a grey picture (one palette entry per grey level).
fn indexed_png(g: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, W, H);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette((0..=255u8).flat_map(|v| [v, v, v]).collect::<Vec<u8>>());
        let mut w = enc.write_header().unwrap();
        w.write_image_data(g).unwrap();
    }
    out
}

/// An Adam7-interlaced RGB PNG, written by hand (the `png` encoder does not interlace).
fn adam7_rgb_png(rgb: &[u8]) -> Vec<u8> {
    const PASSES: [(u32, u32, u32, u32); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in PASSES {
        if x0 >= W || y0 >= H {
            continue;
        }
        for y in (y0..H).step_by(dy as usize) {
            raw.push(0); // filter: none
            for x in (x0..W).step_by(dx as usize) {
                let i = ((y * W + x) * 3) as usize;
                raw.extend_from_slice(&rgb[i..i + 3]);
            }
        }
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&W.to_be_bytes());
    ihdr.extend_from_slice(&H.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 1]); // 8-bit RGB, deflate, adaptive, Adam7
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = out[start..].iter().fold(!0u32, |mut c, &b| {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
        c
    });
    out.extend_from_slice(&(!crc).to_be_bytes());
}
