//! `certseal render qr|face`: pictures to files, the format from the extension (`.svg` or
//! `.png`).
//!
//! - `render qr TEXT`: any QR alphanumeric text as a QR code (`certseal::qr::render`).
//! - `render face QR_TEXT`: verifies the payload first (`Verifier::verify`), then draws the
//!   face of what it carries (`FaceData::from_view`), so a face only ever shows verified data.
//!   An invalid payload draws nothing and exits 1. With `--document FILE.cbor` the payload and
//!   the signed document are verified together (`Verifier::verify_with_document`: both valid,
//!   of the same certificate) and the face drawn from the document
//!   (`FaceData::from_certificate`).

use std::io::Write;
use std::path::{Path, PathBuf};

use certseal::qr::face::{face_svg, FaceData, FaceRenderer, FontSource};
use certseal::qr::render::{render_png, render_svg, EcLevel, QrOptions};
use certseal::verify::Verifier;
use certseal::FixedClock;

use super::verify::{load_trust, with_status, TrustFlags};
use super::{usage, CliError, CliResult, Outcome};

/// `certseal render …`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// A QR code of TEXT (QR alphanumeric characters: 0-9 A-Z space $ % * + - . / :).
    Qr(QrArgs),
    /// The certificate face of a verified QR payload.
    Face(FaceArgs),
}

/// Error-correction levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Level {
    /// About 7 % recoverable.
    L,
    /// About 15 %.
    M,
    /// About 25 % (certseal's default).
    Q,
    /// About 30 %.
    H,
}

#[derive(Debug, clap::Args)]
struct QrArgs {
    /// Output file, .svg or .png.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Pixels (PNG) or user units (SVG) per module, 1-100.
    #[arg(long = "module", value_name = "PX", default_value_t = 8)]
    module_px: u32,
    /// Quiet zone in modules, 0-40.
    #[arg(long, value_name = "N", default_value_t = 4)]
    quiet_zone: u32,
    /// Error-correction level.
    #[arg(long, value_enum, ignore_case = true, default_value = "q")]
    level: Level,
    /// The text to encode.
    text: String,
}

#[derive(Debug, clap::Args)]
struct FaceArgs {
    /// Output file, .svg or .png.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// CJK font file (.ttf, .otf, .ttc) for PNG [default: the first installed of
    /// WenQuanYi Micro Hei, Noto Sans CJK, WenQuanYi Zen Hei, Noto Serif CJK, AR PL UMing,
    /// else the built-in subset of WenQuanYi Micro Hei].
    #[arg(long, value_name = "PATH")]
    font: Option<PathBuf>,
    /// Face index in a .ttc font collection (with --font).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "font")]
    font_index: u32,
    #[command(flatten)]
    trust: TrustFlags,
    /// Draw from this signed document (.cbor) of the same certificate, verified too: the face
    /// then also shows the remarks the QR payload does not carry (scope, changes).
    #[arg(long, value_name = "FILE.cbor")]
    document: Option<PathBuf>,
    /// The QR payload (`CS1:…`).
    qr_text: String,
}

/// Largest document file read.
const MAX_DOCUMENT: usize = 1 << 20;

/// Picture formats, from the output file's extension.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Svg,
    Png,
}

fn format_of(path: &Path) -> Result<Format, CliError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        _ => Err(usage(format!(
            "--out {}: expected a .svg or .png file",
            path.display()
        ))),
    }
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    match args.what {
        What::Qr(a) => render_qr(a, out),
        What::Face(a) => render_face(a, out),
    }
}

fn render_qr(a: QrArgs, out: &mut dyn Write) -> CliResult {
    let format = format_of(&a.out)?;
    let opts = QrOptions {
        level: match a.level {
            Level::L => EcLevel::L,
            Level::M => EcLevel::M,
            Level::Q => EcLevel::Q,
            Level::H => EcLevel::H,
        },
        module_px: a.module_px,
        quiet_zone: a.quiet_zone,
    };
    let bytes = match format {
        Format::Svg => render_svg(&a.text, &opts).map(String::into_bytes),
        Format::Png => render_png(&a.text, &opts),
    }?;
    super::write(&a.out, &bytes)?;
    writeln!(out, "wrote {}", a.out.display())?;
    Ok(Outcome::Ok)
}

fn render_face(a: FaceArgs, out: &mut dyn Write) -> CliResult {
    let now = super::now();
    let format = format_of(&a.out)?;
    let at = a.trust.at()?;
    let font = match a.font {
        Some(p) => FontSource::Path(p, a.font_index),
        None => FontSource::Default,
    };
    let store = load_trust(&a.trust.source(), now)?;
    let at = at.unwrap_or(now);
    let verifier = with_status(
        Verifier::new(store).with_clock(FixedClock(at)),
        &a.trust.status_source(),
        at,
    )?;
    let qr_text = a.qr_text.trim();
    let (verdict, document) = match &a.document {
        None => (verifier.verify(qr_text), None),
        Some(path) => {
            let bytes = super::read_file_capped(path, MAX_DOCUMENT)?;
            let (verdict, doc) = verifier.verify_with_document(qr_text, &bytes);
            (verdict, Some((path, doc)))
        }
    };
    let view = match (&verdict.result, &verdict.certificate) {
        (Ok(()), Some(view)) => view,
        (Err(reason), _) => {
            writeln!(
                out,
                "not drawn: the payload is not valid: {} ({}): {reason}",
                reason.code(),
                reason.stage()
            )?;
            return Ok(Outcome::NotValid);
        }
        (Ok(()), None) => {
            return Err(CliError::Failed(
                "valid payload without a certificate view".into(),
            ))
        }
    };
    let face = match document {
        None => FaceData::from_view(view, qr_text),
        Some((path, verdict)) => match (verdict.result, verdict.document) {
            (Ok(()), Some(doc)) => FaceData::from_certificate(
                &doc.certificate,
                &doc.identifier,
                view.authority_name.as_deref().unwrap_or_default(),
                qr_text,
            ),
            (result, _) => {
                let why = result
                    .err()
                    .map_or_else(|| "no document".to_owned(), |r| r.to_string());
                writeln!(out, "not drawn: {}: not valid: {why}", path.display())?;
                return Ok(Outcome::NotValid);
            }
        },
    };
    let bytes = match format {
        Format::Svg => face_svg(&face).map(String::into_bytes)?,
        Format::Png => {
            let renderer = FaceRenderer::new(&font)?;
            let missing = renderer.missing_glyphs(&face);
            if !missing.is_empty() {
                super::warn(format_args!(
                    "warning: font {} has no glyph for {}: drawn as boxes; install \
                     fonts-wqy-microhei (full coverage) or give --font",
                    renderer.font_name(),
                    missing
                        .iter()
                        .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            renderer.render_png(&face)?
        }
    };
    super::write(&a.out, &bytes)?;
    writeln!(
        out,
        "wrote {} ({} {}, {})",
        a.out.display(),
        face.holder_name,
        face.qualification,
        face.identifier
    )?;
    Ok(Outcome::Ok)
}
