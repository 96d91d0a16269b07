//! QR benches: encoder speed (fast_qr vs the `qrcode` crate, same run), scan success rate and
//! time per image by degradation type and decoder engine (one core), and bulk rendering of
//! 10,000 QR codes + faces (all cores).
//!
//! `cargo bench --features qr --bench qr`. Knobs: `QR_BENCH_PER_TYPE` (samples per type,
//! default 30), `QR_BENCH_ENGINES` (comma list of cascade, zxing, rxing, rxing-cascade, rqrr,
//! rqrr-cascade; default all), `QR_BENCH_BULK` (certificates, default 10000; 0 skips),
//! `QR_BENCH_REPORT=0` skips the report and runs only the criterion timings.
#![allow(clippy::unwrap_used)] // tests and benches may unwrap

use std::hint::black_box;
use std::time::Instant;

use certseal::qr::face::{face_svg, face_svg_with_qr, FaceData, FaceRenderer, FontSource};
use certseal::qr::render::{encode_matrix, to_png, to_svg, EcLevel, QrOptions};
use certseal::qr::scan::{decode_grey, scan_image_bytes, scan_luma_with, Engine, ScanLimits};
use certseal::qr::testset::{generate, random_payload, Degradation, Rng, Sample, DEFAULT_SEED};
use criterion::Criterion;
use rayon::prelude::*;

#[path = "../tests/support/mod.rs"]
mod support;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn scan_report(samples: &[Sample]) {
    let limits = ScanLimits::default();
    let wanted = std::env::var("QR_BENCH_ENGINES")
        .unwrap_or_else(|_| "cascade,zxing,rxing,rxing-cascade,rqrr,rqrr-cascade".into());
    for name in wanted.split(',') {
        let engine = match name.trim() {
            "cascade" => Engine::Cascade,
            "zxing" => Engine::ZxingOnly,
            "rxing" => Engine::RxingOnly,
            "rxing-cascade" => Engine::RxingCascade,
            "rqrr" => Engine::RqrrOnly,
            "rqrr-cascade" => Engine::RqrrCascade,
            other => {
                eprintln!("unknown engine {other}");
                continue;
            }
        };
        println!("\n## scan, engine {name} (one core, scan_luma on 1000x1000 grey)");
        println!(
            "{:<14} {:>9} {:>8} {:>10} {:>10} {:>10}",
            "type", "read", "rate", "median ms", "p90 ms", "max ms"
        );
        let (mut all_ok, mut all_n, mut all_ms, mut errors) = (0, 0, Vec::new(), 0);
        let cpu0 = support::process_cpu_seconds();
        for kind in Degradation::ALL {
            let mut ok = 0;
            let mut ms = Vec::new();
            let mut n = 0;
            for s in samples.iter().filter(|s| s.kind == kind) {
                let t = Instant::now();
                let r = scan_luma_with(s.width, s.height, &s.grey, &limits, engine);
                ms.push(t.elapsed().as_secs_f64() * 1e3);
                n += 1;
                match r {
                    Ok(texts) if s.payloads.iter().all(|p| texts.contains(p)) => ok += 1,
                    Ok(_) => {}
                    Err(e) => {
                        errors += 1;
                        eprintln!("{} #{}: {e}", kind.name(), s.index);
                    }
                }
            }
            ms.sort_by(f64::total_cmp);
            println!(
                "{:<14} {:>4}/{:<4} {:>7.1}% {:>10.2} {:>10.2} {:>10.2}",
                kind.name(),
                ok,
                n,
                100.0 * ok as f64 / n.max(1) as f64,
                percentile(&ms, 0.5),
                percentile(&ms, 0.9),
                percentile(&ms, 1.0)
            );
            all_ok += ok;
            all_n += n;
            all_ms.extend(ms);
        }
        let cpu = support::process_cpu_seconds() - cpu0;
        all_ms.sort_by(f64::total_cmp);
        println!(
            "{:<14} {:>4}/{:<4} {:>7.1}% {:>10.2} {:>10.2} {:>10.2}   errors {errors}, \
             mean CPU {:.2} ms/image",
            "overall",
            all_ok,
            all_n,
            100.0 * all_ok as f64 / all_n.max(1) as f64,
            percentile(&all_ms, 0.5),
            percentile(&all_ms, 0.9),
            percentile(&all_ms, 1.0),
            cpu * 1e3 / all_n.max(1) as f64
        );
    }
    // The file path adds image decoding: time it on the stored (JPEG q90 / PNG) forms.
    let encoded: Vec<Vec<u8>> = samples.par_iter().map(|s| s.encoded().unwrap()).collect();
    let mut ms = Vec::new();
    let mut ok = 0;
    for (s, bytes) in samples.iter().zip(&encoded) {
        let t = Instant::now();
        let texts = scan_image_bytes(bytes, &limits).unwrap_or_default();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        if s.payloads.iter().all(|p| texts.contains(p)) {
            ok += 1;
        }
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "\nscan_image_bytes (decode JPEG/PNG + cascade): {ok}/{} read, median {:.2} ms, p90 {:.2} ms",
        samples.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.9)
    );
    // Phones write colour JPEGs (YCbCr 4:2:0): the same pictures in that form, and the
    // decode alone (decode_grey) beside the whole file path.
    let colour: Vec<Vec<u8>> = samples
        .par_iter()
        .map(|s| {
            let rgb: Vec<u8> = s.grey.iter().flat_map(|&v| [v, v, v]).collect();
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                .encode(&rgb, s.width, s.height, image::ExtendedColorType::Rgb8)
                .unwrap();
            out
        })
        .collect();
    for (name, files) in [("stored JPEG/PNG", &encoded), ("colour JPEG q90", &colour)] {
        let (mut decode_ms, mut scan_ms, mut ok) = (Vec::new(), Vec::new(), 0);
        for (s, bytes) in samples.iter().zip(files) {
            let t = Instant::now();
            black_box(decode_grey(bytes, &limits).unwrap());
            decode_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let texts = scan_image_bytes(bytes, &limits).unwrap_or_default();
            scan_ms.push(t.elapsed().as_secs_f64() * 1e3);
            if s.payloads.iter().all(|p| texts.contains(p)) {
                ok += 1;
            }
        }
        decode_ms.sort_by(f64::total_cmp);
        scan_ms.sort_by(f64::total_cmp);
        println!(
            "{name:<16} decode_grey median {:.2} ms; scan_image_bytes {ok}/{} read, median {:.2} ms, p90 {:.2} ms",
            percentile(&decode_ms, 0.5),
            samples.len(),
            percentile(&scan_ms, 0.5),
            percentile(&scan_ms, 0.9)
        );
    }
}

fn face_data(rng: &mut Rng, i: usize) -> FaceData {
    FaceData {
        qualification: "注册安全工程师".into(),
        level: "中级".into(),
        specialty: "化工安全".into(),
        holder_name: "欧阳明珠".into(),
        sex: "女".into(),
        birth: "1988年11月".into(),
        id_number_masked: "3301**********002X".into(),
        management_number: format!("20263301{i:05}"),
        approval_date: "2026年06月30日".into(),
        identifier: format!("1.2.156.3005.2.11100000000013338W021.11100000000013338W.{i:08}.001.7"),
        remarks: String::new(),
        replacement: i % 10 == 0,
        issuer: "人力资源和社会保障部 人事考试中心".into(),
        qr_text: random_payload(rng),
        ..FaceData::default()
    }
}

fn bulk_report(n: usize) {
    if n == 0 {
        return;
    }
    let renderer = match FaceRenderer::new(&FontSource::Default) {
        Ok(r) => r,
        Err(e) => {
            println!("\nbulk render skipped: {e}");
            return;
        }
    };
    let mut rng = Rng::new(99);
    let faces: Vec<FaceData> = (0..n).map(|i| face_data(&mut rng, i)).collect();
    let opts = QrOptions::default();
    let threads = rayon::current_num_threads();
    println!(
        "\n## bulk render of {n} certificates ({threads} threads, font {})",
        renderer.font_name()
    );
    // Each certificate: build the QR matrix once, then the QR code alone (PNG for screens,
    // SVG for print) and the face (SVG and PNG) around the same matrix.
    let t = Instant::now();
    let cpu0 = support::process_cpu_seconds();
    faces.par_iter().for_each(|f| {
        let m = encode_matrix(&f.qr_text, EcLevel::Q).unwrap();
        black_box(to_png(&m, &opts).unwrap());
        black_box(to_svg(&m, &opts).unwrap());
        black_box(face_svg_with_qr(f, &m).unwrap());
        black_box(renderer.render_png_with_qr(f, &m).unwrap());
    });
    let wall = t.elapsed().as_secs_f64();
    let cpu = support::process_cpu_seconds() - cpu0;
    println!(
        "QR matrix + QR PNG + QR SVG + face SVG + face PNG, all cores: wall {wall:.2} s, \
         process CPU {cpu:.2} s (= {:.2} s on {threads} idle cores)",
        cpu / threads as f64
    );
    // CPU cost of each part, one thread, on the first 2000 certificates.
    let total = support::render_cost_by_part(&renderer, &faces[..n.min(2000)], true, "  ");
    println!(
        "    total {total:.3} ms → {:.2} s for {n} certificates on {threads} idle cores",
        total * n as f64 / 1e3 / threads as f64
    );
}

fn criterion_benches(c: &mut Criterion) {
    let mut rng = Rng::new(5);
    let p250 = random_payload(&mut rng);
    // The reference string: 362 characters.
    let p362: String = format!("{}{}", p250, &random_payload(&mut rng)[4..120]);
    for (name, text) in [("250", &p250), ("362", &p362)] {
        let mut g = c.benchmark_group(format!("qr_encode_{name}_chars_level_q"));
        g.bench_function("qrcode", |b| {
            b.iter(|| {
                qrcode::QrCode::with_error_correction_level(
                    black_box(text.as_bytes()),
                    qrcode::EcLevel::Q,
                )
                .unwrap()
            })
        });
        g.bench_function("fast_qr", |b| {
            b.iter(|| encode_matrix(black_box(text), EcLevel::Q).unwrap())
        });
        g.finish();
    }
    let m = encode_matrix(&p250, EcLevel::Q).unwrap();
    let opts = QrOptions::default();
    c.bench_function("qr_to_png_8px", |b| {
        b.iter(|| to_png(black_box(&m), &opts).unwrap())
    });
    c.bench_function("qr_to_svg", |b| {
        b.iter(|| to_svg(black_box(&m), &opts).unwrap())
    });
    if let Ok(r) = FaceRenderer::new(&FontSource::Default) {
        let f = face_data(&mut rng, 1);
        c.bench_function("face_png", |b| {
            b.iter(|| r.render_png(black_box(&f)).unwrap())
        });
        c.bench_function("face_svg", |b| b.iter(|| face_svg(black_box(&f)).unwrap()));
    }
    let limits = ScanLimits::default();
    let mut g = c.benchmark_group("scan_luma_cascade");
    g.sample_size(20);
    for kind in [
        Degradation::Clean,
        Degradation::Perspective,
        Degradation::SmallModules,
    ] {
        let s = generate(kind, 0, DEFAULT_SEED).unwrap();
        g.bench_function(kind.name(), |b| {
            b.iter(|| {
                scan_luma_with(
                    s.width,
                    s.height,
                    black_box(&s.grey),
                    &limits,
                    Engine::Cascade,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn main() {
    if std::env::var("QR_BENCH_REPORT").as_deref() != Ok("0") {
        let per_type = env_usize("QR_BENCH_PER_TYPE", 30);
        let t = Instant::now();
        let jobs: Vec<(Degradation, usize)> = Degradation::ALL
            .iter()
            .flat_map(|&d| (0..per_type).map(move |i| (d, i)))
            .collect();
        let samples: Vec<Sample> = jobs
            .par_iter()
            .map(|&(d, i)| generate(d, i, DEFAULT_SEED).unwrap())
            .collect();
        println!(
            "# degraded set: {} samples ({per_type} per type, seed {DEFAULT_SEED:#x}) generated in {:.1} s",
            samples.len(),
            t.elapsed().as_secs_f64()
        );
        scan_report(&samples);
        bulk_report(env_usize("QR_BENCH_BULK", 10_000));
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
}
