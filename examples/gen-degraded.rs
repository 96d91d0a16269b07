//! Writes the seeded degraded test set to a folder for people to look at:
//! `cargo run --release --features qr --example gen-degraded -- OUT_DIR [PER_TYPE] [SEED]`.
//! Files are `KIND-INDEX.png|jpg` with the expected payloads in `KIND-INDEX.txt`;
//! with `GEN_DEGRADED_PNG=1` JPEG samples also get a lossless `KIND-INDEX.view.png`.
//! The pictures are never checked in; this generator (and `certseal::qr::testset`) is.

use certseal::qr::testset::{generate, Degradation, DEFAULT_SEED};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: gen-degraded OUT_DIR [PER_TYPE] [SEED]")?,
    );
    let per_type: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let seed: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(DEFAULT_SEED);
    std::fs::create_dir_all(&out)?;
    for kind in Degradation::ALL {
        for i in 0..per_type {
            let s = generate(kind, i, seed)?;
            let bytes = s.encoded()?;
            let ext = if bytes.starts_with(b"\x89PNG") {
                "png"
            } else {
                "jpg"
            };
            let stem = format!("{}-{i:03}", kind.name());
            std::fs::write(out.join(format!("{stem}.{ext}")), bytes)?;
            std::fs::write(
                out.join(format!("{stem}.txt")),
                s.payloads.join("\n") + "\n",
            )?;
            if std::env::var_os("GEN_DEGRADED_PNG").is_some() && ext == "jpg" {
                // A lossless copy for viewers that show PNG only.
                let img = image::GrayImage::from_raw(s.width, s.height, s.grey.clone())
                    .ok_or("bad sample size")?;
                img.save(out.join(format!("{stem}.view.png")))?;
            }
        }
    }
    println!(
        "wrote {} samples to {}",
        per_type * Degradation::ALL.len(),
        out.display()
    );
    Ok(())
}
