//! Image decoding speed of the scan path: `qr::scan::decode_grey` on 1000 × 1000 photos of the
//! degraded set (`qr::testset`), as grey JPEG q90 (what the set stores), colour JPEG q90 (a
//! phone's YCbCr 4:2:0 file of the same picture), grey PNG and RGB PNG; beside it the `image`
//! crate's generic path (`load_from_memory` + `into_luma8`) on the same bytes, in the same run.
//!
//! ```sh
//! cargo run --release --example decode-speed -- [PER_KIND]          # medians, one thread
//! valgrind --tool=callgrind --toggle-collect='*decode_grey*' \
//!     target/release/examples/decode-speed 2 callgrind jpeg-grey   # instructions, one form
//! ```
//!
//! Forms for `callgrind`: jpeg-grey, jpeg-colour, png-grey, png-rgb, and `image-…` of each
//! for the `image` crate path (toggle-collect on `*image_path*` then).
#![allow(clippy::unwrap_used)] // examples may unwrap

use std::hint::black_box;
use std::time::Instant;

use certseal::qr::scan::{decode_grey, ScanLimits};
use certseal::qr::testset::{generate, Degradation, DEFAULT_SEED};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

#[path = "../tests/support/mod.rs"]
mod support;

/// The forms a photo arrives in.
const FORMS: [&str; 4] = ["jpeg-grey", "jpeg-colour", "png-grey", "png-rgb"];

fn encode(form: &str, w: u32, h: u32, grey: &[u8]) -> Vec<u8> {
    let rgb: Vec<u8> = grey.iter().flat_map(|&v| [v, v, v]).collect();
    let mut out = Vec::new();
    match form {
        "jpeg-grey" => JpegEncoder::new_with_quality(&mut out, 90)
            .encode(grey, w, h, ExtendedColorType::L8)
            .unwrap(),
        "jpeg-colour" => JpegEncoder::new_with_quality(&mut out, 90)
            .encode(&rgb, w, h, ExtendedColorType::Rgb8)
            .unwrap(),
        "png-grey" => PngEncoder::new(&mut out)
            .write_image(grey, w, h, ExtendedColorType::L8)
            .unwrap(),
        "png-rgb" => PngEncoder::new(&mut out)
            .write_image(&rgb, w, h, ExtendedColorType::Rgb8)
            .unwrap(),
        other => panic!("unknown form {other}"),
    }
    out
}

/// The `image` crate's generic path, for comparison: guess the format, decode to the file's
/// colour type, convert to 8-bit grey.
#[inline(never)]
fn image_path(data: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = image::load_from_memory(data).unwrap().into_luma8();
    let (w, h) = img.dimensions();
    (w, h, img.into_raw())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_kind: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    let kinds: Vec<Degradation> = Degradation::ALL
        .iter()
        .copied()
        .filter(|&k| k != Degradation::Clean)
        .collect();
    let samples: Vec<_> = kinds
        .iter()
        .flat_map(|&k| (0..per_kind).map(move |i| generate(k, i, DEFAULT_SEED).unwrap()))
        .collect();
    let limits = ScanLimits::default();

    if args.get(1).map(String::as_str) == Some("callgrind") {
        let form = args.get(2).map_or("jpeg-grey", String::as_str);
        let (generic, form) = match form.strip_prefix("image-") {
            Some(f) => (true, f),
            None => (false, form),
        };
        let files: Vec<Vec<u8>> = samples
            .iter()
            .map(|s| encode(form, s.width, s.height, &s.grey))
            .collect();
        for f in &files {
            if generic {
                black_box(image_path(f));
            } else {
                black_box(decode_grey(f, &limits).unwrap());
            }
        }
        println!("decoded {} {form} files", files.len());
        return;
    }

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "# {} photos 1000x1000 ({per_kind} per degraded kind), one thread; load average {}",
        samples.len(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:<12} {:>9} {:>16} {:>12} {:>16} {:>12}",
        "form", "mean KB", "decode_grey ms", "CPU ms", "image crate ms", "CPU ms"
    );
    for form in FORMS {
        let files: Vec<Vec<u8>> = samples
            .iter()
            .map(|s| encode(form, s.width, s.height, &s.grey))
            .collect();
        for (s, f) in samples.iter().zip(&files).take(3) {
            // Both paths give the picture back (JPEG: within rounding of the colour maths).
            let (w, h, ours) = decode_grey(f, &limits).unwrap();
            let (_, _, theirs) = image_path(f);
            assert_eq!((w, h), (s.width, s.height));
            let worst = ours
                .iter()
                .zip(&theirs)
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap_or(0);
            assert!(worst <= 2, "{form}: grey values differ by {worst}");
        }
        let kb = files.iter().map(Vec::len).sum::<usize>() as f64 / files.len() as f64 / 1024.0;
        let run = |f: &dyn Fn(&[u8])| {
            let mut ms = Vec::new();
            let c0 = support::process_cpu_seconds();
            for _ in 0..5 {
                for file in &files {
                    let t = Instant::now();
                    f(file);
                    ms.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            let cpu = (support::process_cpu_seconds() - c0) * 1e3 / ms.len() as f64;
            (median(ms), cpu)
        };
        let (ours, ours_cpu) = run(&|f| {
            black_box(decode_grey(f, &limits).unwrap());
        });
        let (theirs, theirs_cpu) = run(&|f| {
            black_box(image_path(f));
        });
        println!(
            "{form:<12} {kb:>9.0} {ours:>16.2} {ours_cpu:>12.2} {theirs:>16.2} {theirs_cpu:>12.2}"
        );
    }
}
