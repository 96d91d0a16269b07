//! Bulk rendering, the issue's goal "QR render + face render for 10,000 certificates in
//! under 10 s": per certificate the QR matrix once, the QR code alone as PNG and the face PNG
//! around the same matrix (with `--svg` also the QR SVG and the face SVG), in parallel on
//! rayon's pool (one thread per core), with the embedded font unless `--system-font`.
//!
//! ```sh
//! cargo run --release --example bulk-render -- [N] [--svg] [--system-font] [--parts]
//! ```
//!
//! Prints wall time, process CPU time and CPU per certificate, with the load average before
//! and after (the machine is shared: wall time includes waiting for a core, CPU time does not).
//! `--parts` adds the CPU cost of each part on one thread (the first 2000 certificates);
//! `--digest` prints an FNV-1a digest of every PNG written (to show an optimisation changed
//! no pixel).
#![allow(clippy::unwrap_used)] // examples may unwrap

use std::hint::black_box;
use std::time::Instant;

use certseal::qr::face::{face_svg_with_qr, FaceData, FaceRenderer, FontSource};
use certseal::qr::render::{encode_matrix, to_png, to_svg, EcLevel, QrOptions};
use certseal::qr::testset::{random_payload, Rng};
use rayon::prelude::*;

#[path = "../tests/support/mod.rs"]
mod support;

fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// Holder names of 2–4 characters drawn from common surnames and given-name characters, so
/// the glyph cache sees a realistic spread rather than one name.
fn face(rng: &mut Rng, i: usize) -> FaceData {
    const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳";
    const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏飞宇浩然子轩梓涵一诺欣怡思远俊杰晨曦雨桐嘉怡佳琪文博志强海燕建国建华晓东";
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let mut name = String::new();
    name.push(s[rng.below(s.len())]);
    for _ in 0..1 + rng.below(2) {
        name.push(g[rng.below(g.len())]);
    }
    FaceData {
        qualification: "注册安全工程师".into(),
        level: "中级".into(),
        specialty: "化工安全".into(),
        holder_name: name,
        sex: if i % 2 == 0 { "女" } else { "男" }.into(),
        birth: format!("19{:02}年{:02}月", 60 + i % 40, 1 + i % 12),
        id_number_masked: format!("**************{:04}", i % 10_000),
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let svg = args.iter().any(|a| a == "--svg");
    let source = if args.iter().any(|a| a == "--system-font") {
        FontSource::Default
    } else {
        FontSource::Embedded
    };
    let renderer = FaceRenderer::new(&source).unwrap();
    let mut rng = Rng::new(99);
    let faces: Vec<FaceData> = (0..n).map(|i| face(&mut rng, i)).collect();
    let opts = QrOptions::default();
    let threads = rayon::current_num_threads();
    let before = load();
    let t = Instant::now();
    let c0 = support::process_cpu_seconds();
    let bytes: usize = faces
        .par_iter()
        .map(|f| {
            let m = encode_matrix(&f.qr_text, EcLevel::Q).unwrap();
            let qr = to_png(&m, &opts).unwrap();
            let png = renderer.render_png_with_qr(f, &m).unwrap();
            if svg {
                black_box(to_svg(&m, &opts).unwrap());
                black_box(face_svg_with_qr(f, &m).unwrap());
            }
            qr.len() + black_box(png).len()
        })
        .sum();
    let wall = t.elapsed().as_secs_f64();
    let cpu = support::process_cpu_seconds() - c0;
    println!(
        "{n} certificates: QR matrix + QR PNG + face PNG{} ({threads} threads, font {})",
        if svg { " + QR SVG + face SVG" } else { "" },
        renderer.font_name()
    );
    println!(
        "wall {wall:.2} s, process CPU {cpu:.2} s = {:.3} ms CPU per certificate \
         (= {:.2} s on {threads} idle cores); {:.1} KB PNG per certificate",
        cpu * 1e3 / n as f64,
        cpu / threads as f64,
        bytes as f64 / n as f64 / 1024.0
    );
    println!("load average before {before}, after {}", load());
    if args.iter().any(|a| a == "--digest") {
        let mut d = 0xcbf2_9ce4_8422_2325u64;
        for f in &faces {
            let m = encode_matrix(&f.qr_text, EcLevel::Q).unwrap();
            let qr = to_png(&m, &opts).unwrap();
            let png = renderer.render_png_with_qr(f, &m).unwrap();
            for b in qr.iter().chain(&png) {
                d = (d ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        println!("digest of every PNG: {d:016x}");
    }
    if args.iter().any(|a| a == "--parts") {
        let total = support::render_cost_by_part(&renderer, &faces[..n.min(2000)], false, "");
        println!("  total {total:.3} ms");
    }
}
