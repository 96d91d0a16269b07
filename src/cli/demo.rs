//! `certseal demo`: the whole flow on the shipped sample records, in one directory that each
//! run overwrites — keys, trust list, issue, verify every QR string, a tampered payload failing
//! on its signature, a replacement (补发) certificate marked as such, a document checked; then
//! (feature `sqlite`) the lifecycle on an embedded registry (`demo_registry.rs`).

use std::io::Write;
use std::path::PathBuf;

use certseal::codec::base45;
use certseal::crypto::Algorithm;
use certseal::issue::{issue_all, IssueRun, Layout};
use certseal::model::{parse_csv, IssueKind};
use certseal::trust::{InitOptions, KeyDir, TrustList};
use certseal::verify::stream::{self, Format, Input, StreamOptions};
use certseal::verify::Verifier;
use certseal::FixedClock;

use super::{keys, trust, CliResult, Outcome};

/// The sample records shipped with certseal.
const SAMPLES: &[u8] = include_bytes!("../../data/sample-records.csv");

/// `certseal demo [--dir DIR] [--alg es256|ed25519|sm2]`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory for everything the demo makes (overwritten on every run).
    #[arg(long, default_value = "certseal-demo")]
    dir: PathBuf,
    /// Signature algorithm: es256, ed25519, or sm2 (builds with feature `sm2`).
    #[arg(long, default_value = "es256", value_parser = super::parse_alg)]
    alg: Algorithm,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    let now = super::now();
    let keys_dir = args.dir.join("keys");
    let issued_dir = args.dir.join("issued");
    let list_path = args.dir.join("trust-list.cbor");
    let mut ok = true;

    writeln!(out, "== 1. keys ({})", args.alg)?;
    #[allow(unused_mut)]
    let mut keys = KeyDir::init(
        &keys_dir,
        InitOptions {
            alg: args.alg,
            authority_name: super::AUTHORITY_NAME.into(),
            authority_uscc: super::AUTHORITY_USCC.into(),
            signers: 2,
            now,
            signer_validity_days: 365,
            force: true,
        },
    )?;
    keys::describe(&keys, out)?;

    writeln!(out, "\n== 2. signed trust list")?;
    trust::export(&keys, &list_path, 30, now, out)?;

    writeln!(
        out,
        "\n== 3. issue the shipped sample records (data/sample-records.csv)"
    )?;
    let batch = parse_csv(SAMPLES)?;
    let run = issue_all(&keys, batch, &issued_dir, &Layout::Files, Some(0), now)?;
    for r in &run.rejected {
        ok = false;
        writeln!(out, "rejected: {r}")?;
    }
    writeln!(out, "{run}")?;

    writeln!(
        out,
        "\n== 4. verify every QR string against the trust list and root certificate"
    )?;
    let list = TrustList::verify(&super::read(&list_path)?, keys.root())?;
    let verifier = Verifier::new(list.store).with_clock(FixedClock(now));
    let mut lines = String::new();
    for (_, _, i) in &run.issued {
        lines.push_str(&i.qr);
        lines.push('\n');
    }
    let input = Input::Reader {
        name: String::new(),
        reader: Box::new(std::io::Cursor::new(lines.into_bytes())),
    };
    let summary = stream::run(
        &verifier,
        vec![input],
        &StreamOptions::new(Format::Table),
        &stream::Start::default(),
        out,
        &mut |_| Ok(()),
    )?;
    if !summary.all_valid() {
        ok = false;
    }

    writeln!(out, "\n== 5. a tampered payload (one character changed)")?;
    if let Some((_, _, first)) = run.issued.first() {
        let forged = tamper(&first.qr);
        let verdict = verifier.verify_at(&forged, now);
        match &verdict.result {
            Ok(()) => {
                ok = false;
                writeln!(out, "tampered payload verified — this must not happen")?;
            }
            Err(reason) => writeln!(
                out,
                "{forged}\n-> invalid, reason {} at stage {}: {reason}",
                reason.code(),
                reason.stage()
            )?,
        }
    }

    writeln!(out, "\n== 6. a replacement certificate (补发)")?;
    let replacement = run
        .issued
        .iter()
        .find(|(_, c, _)| c.lifecycle.kind == IssueKind::Replacement);
    match replacement {
        Some((record, cert, issued)) => {
            let verdict = verifier.verify_at(&issued.qr, now);
            let view = verdict.certificate.as_ref().map(|c| c.to_json());
            let kind = view
                .as_ref()
                .and_then(|v| v.get("kind"))
                .and_then(|k| k.as_str())
                .unwrap_or("-");
            writeln!(
                out,
                "record {record}: {} {} version {}, replaces {}: {} — verified payload says {kind}",
                cert.holder.name,
                issued.identifier,
                cert.lifecycle.version,
                cert.lifecycle.predecessor.as_deref().unwrap_or("-"),
                if verdict.is_valid() {
                    "valid"
                } else {
                    "invalid"
                },
            )?;
            if kind != IssueKind::Replacement.label_zh() {
                ok = false;
            }
        }
        None => writeln!(out, "no replacement among the samples")?,
    }

    writeln!(out, "\n== 7. a signed document file")?;
    if let Some((_, _, first)) = run.issued.first() {
        let path = issued_dir.join(format!("{}.cbor", first.identifier));
        let verdict = verifier.verify_document_at(&super::read(&path)?, now);
        match (&verdict.result, &verdict.document) {
            (Ok(()), Some(doc)) => writeln!(
                out,
                "{}: valid, {} {}, signed {} by kid {}",
                path.display(),
                doc.identifier,
                doc.certificate.holder.name,
                doc.alg,
                certseal::codec::hex::encode(&doc.kid)
            )?,
            (result, _) => {
                ok = false;
                let why = result
                    .as_ref()
                    .err()
                    .map_or_else(|| "no document".to_owned(), ToString::to_string);
                writeln!(out, "{}: invalid: {why}", path.display())?;
            }
        }
    }

    #[cfg(feature = "qr")]
    {
        writeln!(
            out,
            "\n== 8. certificate faces (SVG, PNG), and one face PNG scanned back"
        )?;
        if !faces(&args.dir.join("faces"), &run, &verifier, out)? {
            ok = false;
        }
    }

    // The whole lifecycle on an embedded store (src/cli/demo_registry.rs).
    #[cfg(feature = "sqlite")]
    if !super::demo_registry::run(&args.dir, &mut keys, args.alg, now, out)? {
        ok = false;
    }

    writeln!(out, "\n== files")?;
    writeln!(out, "keys:        {}", keys_dir.display())?;
    writeln!(out, "trust list:  {}", list_path.display())?;
    writeln!(
        out,
        "documents:   {}/<identifier>.cbor and .json",
        issued_dir.display()
    )?;
    #[cfg(feature = "qr")]
    writeln!(
        out,
        "faces:       {}/<identifier>.svg and .png (scan them: certseal scan --keys {} {})",
        args.dir.join("faces").display(),
        keys_dir.display(),
        args.dir.join("faces").display()
    )?;
    writeln!(
        out,
        "QR strings:  {} (verify them: certseal verify --keys {} --file {})",
        issued_dir.join("qr.txt").display(),
        keys_dir.display(),
        issued_dir.join("qr.txt").display()
    )?;
    Ok(if ok { Outcome::Ok } else { Outcome::NotValid })
}

/// Writes the face of every issued certificate as SVG and, when a CJK font is installed, as
/// PNG; scans the first PNG back and verifies what it reads. False when the round trip fails.
#[cfg(feature = "qr")]
fn faces(
    dir: &std::path::Path,
    run: &IssueRun,
    verifier: &Verifier,
    out: &mut dyn Write,
) -> Result<bool, super::CliError> {
    use certseal::qr::face::{face_svg, FaceData, FaceRenderer, FontSource};
    use certseal::qr::scan::ScanLimits;
    use certseal::qr::verified::scan_and_verify;

    super::make_dir(dir)?;
    // An installed CJK font (full coverage) if there is one, else the embedded subset.
    let renderer = match FaceRenderer::new(&FontSource::Default) {
        Ok(r) => Some(r),
        Err(e) => {
            writeln!(
                out,
                "no usable CJK font ({e}): PNG faces skipped, SVG faces still written"
            )?;
            None
        }
    };
    let (mut svgs, mut pngs) = (0usize, 0usize);
    let mut first_png = None;
    for (_, cert, issued) in &run.issued {
        let face =
            FaceData::from_certificate(cert, &issued.identifier, super::AUTHORITY_NAME, &issued.qr);
        let svg = face_svg(&face)?;
        super::write(
            &dir.join(format!("{}.svg", issued.identifier)),
            svg.as_bytes(),
        )?;
        svgs = svgs.saturating_add(1);
        if let Some(r) = &renderer {
            let png = r.render_png(&face)?;
            let missing = r.missing_glyphs(&face);
            if !missing.is_empty() {
                writeln!(
                    out,
                    "face {}: font {} has no glyph for {missing:?}, drawn as boxes",
                    issued.identifier,
                    r.font_name()
                )?;
            }
            let path = dir.join(format!("{}.png", issued.identifier));
            super::write(&path, &png)?;
            pngs = pngs.saturating_add(1);
            if first_png.is_none() {
                first_png = Some((path, png));
            }
        }
    }
    writeln!(
        out,
        "wrote {svgs} SVG and {pngs} PNG faces to {}{}",
        dir.display(),
        renderer
            .as_ref()
            .map(|r| format!(" (font {})", r.font_name()))
            .unwrap_or_default()
    )?;
    let Some((path, png)) = first_png else {
        return Ok(true);
    };
    let record = scan_and_verify(&png, &ScanLimits::default(), verifier);
    if let Some(e) = &record.error {
        writeln!(out, "scan {}: {e}", path.display())?;
    }
    for code in &record.codes {
        let holder = code
            .verdict
            .verdict()
            .and_then(|v| v.certificate.as_ref())
            .map(|c| c.holder_name.clone())
            .unwrap_or_default();
        writeln!(
            out,
            "scan {}: {} characters read, {} {}",
            path.display(),
            code.text.len(),
            code.verdict.status(),
            holder
        )?;
    }
    Ok(record.all_valid())
}

/// Changes the least significant character of the 16th base45 group after the prefix by one:
/// the decoded bytes stay well-formed COSE, and the signed payload differs.
fn tamper(qr: &str) -> String {
    let start = qr.find(':').map_or(0, |i| i.saturating_add(1));
    let at = start.saturating_add(45);
    let mut bytes = qr.as_bytes().to_vec();
    if let Some(b) = bytes.get_mut(at) {
        if let Some(v) = base45::ALPHABET.iter().position(|c| c == b) {
            let w = if v > 0 { v - 1 } else { v + 1 };
            if let Some(&c) = base45::ALPHABET.get(w) {
                *b = c;
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| qr.to_owned())
}
