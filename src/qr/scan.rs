//! Scanning: every QR code in a PNG/JPEG photo or scan, as text.
//!
//! The primary decoder is rxing (ZXing's QR reader ported to Rust) in the default build, or
//! zxing-cpp (C++ via the `zxing-cpp` crate, built from its bundled source) with feature
//! `qr-zxing`. When a pass finds nothing — or finds a symbol it cannot read — a short
//! preprocessing cascade retries: the global-histogram binarizer, a 2× upscale of small
//! pictures, an Otsu threshold, a light 3×3 denoise, then rqrr as a second opinion on the
//! grey and Otsu images. Each decoder call runs behind [`std::panic::catch_unwind`]; a panic
//! becomes [`QrError::DecoderPanic`] for that step and the cascade goes on. `specs/scan.md`
//! has the measured success rates and timings behind these choices.
//!
//! This module returns the texts found; it does not know what a certseal payload is.

use std::cell::Cell;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use crate::qr::QrError;

/// Bounds on what [`scan_image_bytes`] and [`scan_luma`] accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanLimits {
    /// Largest encoded file, in bytes; default 32 MiB.
    pub max_bytes: usize,
    /// Largest width or height, in pixels; default 12,000.
    pub max_side: u32,
    /// Largest pixel count; default 50 million.
    pub max_pixels: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_bytes: 32 * 1024 * 1024,
            max_side: 12_000,
            max_pixels: 50_000_000,
        }
    }
}

impl ScanLimits {
    fn check_dimensions(&self, width: u32, height: u32) -> Result<(), QrError> {
        if width > self.max_side || height > self.max_side {
            return Err(QrError::ImageTooWide {
                width,
                height,
                max_side: self.max_side,
            });
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(QrError::ImageTooManyPixels {
                pixels,
                max_pixels: self.max_pixels,
            });
        }
        Ok(())
    }
}

/// Which decoders a scan uses. [`Engine::Cascade`] is the default and the one to use; the
/// others exist so benches and `certseal speed` can show what each part contributes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Engine {
    /// The primary decoder coarse to fine (half size, full size, try-harder, global
    /// binarizer), then the preprocessing cascade and rqrr, while nothing reads. The primary
    /// decoder is zxing-cpp when feature `qr-zxing` is built in, rxing otherwise.
    #[default]
    Cascade,
    /// Every pass of the cascade, keeping the union of what they read: for pages that may
    /// hold codes of very different sizes (the cascade stops once a pass reads something
    /// and leaves no located symbol unread). Slower.
    Exhaustive,
    /// One zxing-cpp pass on the image as given (try-harder, inverted, downscale pyramid).
    ZxingOnly,
    /// One rxing pass on the image as given (try-harder, inverted).
    RxingOnly,
    /// The cascade with rxing as the primary decoder, whether or not zxing-cpp is built in.
    RxingCascade,
    /// One rqrr pass on the image as given.
    RqrrOnly,
    /// rqrr on the grey image, then on the cascade's preprocessed images (no zxing-cpp, no
    /// rxing).
    RqrrCascade,
}

/// Decodes a PNG or JPEG file and returns the text of every QR code found in it, in the order
/// found, without duplicates. An image without a readable code gives `Ok(vec![])`.
pub fn scan_image_bytes(data: &[u8], limits: &ScanLimits) -> Result<Vec<String>, QrError> {
    scan_image_bytes_with(data, limits, Engine::Cascade)
}

/// [`scan_image_bytes`] with a chosen [`Engine`].
pub fn scan_image_bytes_with(
    data: &[u8],
    limits: &ScanLimits,
    engine: Engine,
) -> Result<Vec<String>, QrError> {
    let (w, h, grey) = decode_grey(data, limits)?;
    scan_luma_with(w, h, &grey, limits, engine)
}

/// Decodes a PNG or JPEG file to an 8-bit grey buffer `(width, height, pixels)`, enforcing
/// `limits` on the byte length before decoding and on the dimensions before allocating.
///
/// Straight to grey, one output buffer: a JPEG's luma plane is the picture (zune-jpeg skips
/// the chroma IDCT, upsampling and colour conversion; CMYK/YCCK/RGB files go through RGB);
/// a grey PNG is inflated into the output as is, other PNGs are converted row by row
/// (transparent pixels count as white paper). Each decoder call runs behind the panic
/// boundary.
pub fn decode_grey(data: &[u8], limits: &ScanLimits) -> Result<(u32, u32, Vec<u8>), QrError> {
    if data.len() > limits.max_bytes {
        return Err(QrError::ImageTooManyBytes {
            len: data.len(),
            max: limits.max_bytes,
        });
    }
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        decode_jpeg_grey(data, limits)
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png_grey(data, limits)
    } else {
        Err(QrError::ImageFormat(match image::guess_format(data) {
            Ok(other) => format!("got {other:?}, expected png or jpeg"),
            Err(_) => "unknown format, expected png or jpeg".into(),
        }))
    }
}

/// Grey from RGB by Rec. 709 weights in 1/256 (as `image`'s `into_luma8`, within rounding;
/// exact for grey pixels: 54 + 183 + 19 = 256).
fn luma(r: u8, g: u8, b: u8) -> u8 {
    let l = (54 * u32::from(r) + 183 * u32::from(g) + 19 * u32::from(b) + 128) >> 8;
    u8::try_from(l).unwrap_or(u8::MAX)
}

/// `v` seen through alpha `a` over white paper.
fn over_white(v: u8, a: u8) -> u8 {
    let ink = u32::from(255 - v) * u32::from(a);
    u8::try_from(255 - (ink + 127) / 255).unwrap_or(0)
}

fn decode_jpeg_grey(data: &[u8], limits: &ScanLimits) -> Result<(u32, u32, Vec<u8>), QrError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let err = |e: zune_jpeg::errors::DecodeErrors| QrError::ImageFormat(format!("jpeg: {e}"));
    // zune's own size bounds off: ours below give the typed errors.
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    // One header parse: dimensions are checked before any pixel buffer is allocated.
    guarded("zune-jpeg", || decoder.decode_headers())?.map_err(err)?;
    let (w, h) = decoder
        .dimensions()
        .ok_or_else(|| QrError::ImageFormat("jpeg: no frame header".into()))?;
    let (w, h) = (dimension(w)?, dimension(h)?);
    limits.check_dimensions(w, h)?;
    let input = decoder
        .input_colorspace()
        .ok_or_else(|| QrError::ImageFormat("jpeg: no colour space".into()))?;
    // Luma straight from Y (or a grey file); anything else through RGB.
    let direct = matches!(input, ColorSpace::YCbCr | ColorSpace::Luma);
    let out = if direct {
        ColorSpace::Luma
    } else {
        ColorSpace::RGB
    };
    decoder.set_options(decoder.options().jpeg_set_out_colorspace(out));
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| QrError::ImageFormat("jpeg: image too large".into()))?;
    let mut px = vec![0u8; size];
    guarded("zune-jpeg", || decoder.decode_into(&mut px))?.map_err(err)?;
    if !direct {
        px = px.chunks_exact(3).map(|c| luma(c[0], c[1], c[2])).collect();
    }
    Ok((w, h, px))
}

fn dimension(v: usize) -> Result<u32, QrError> {
    u32::try_from(v).map_err(|_| QrError::ImageFormat(format!("dimension {v} out of range")))
}

fn decode_png_grey(data: &[u8], limits: &ScanLimits) -> Result<(u32, u32, Vec<u8>), QrError> {
    let err = |e: png::DecodingError| QrError::ImageFormat(format!("png: {e}"));
    // What the decoder may allocate for chunks and rows beside our output buffer.
    let budget = usize::try_from(limits.max_pixels.saturating_mul(8))
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let mut decoder =
        png::Decoder::new_with_limits(Cursor::new(data), png::Limits { bytes: budget });
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    // The IHDR alone first: dimensions are checked before anything else is read.
    let (w, h) = guarded("png", || {
        decoder.read_header_info().map(|i| (i.width, i.height))
    })?
    .map_err(err)?;
    limits.check_dimensions(w, h)?;
    let mut reader = guarded("png", || decoder.read_info())?.map_err(err)?;
    let (colour, depth) = reader.output_color_type();
    let channels = match (colour, depth) {
        (png::ColorType::Grayscale, png::BitDepth::Eight) => 1,
        (png::ColorType::GrayscaleAlpha, png::BitDepth::Eight) => 2,
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        (png::ColorType::Rgba, png::BitDepth::Eight) => 4,
        other => {
            return Err(QrError::ImageFormat(format!(
                "png: unexpected output {other:?}"
            )))
        }
    };
    let (wu, hu) = (w as usize, h as usize);
    let mut px = vec![0u8; wu * hu];
    let grey_of = |src: &[u8], dst: &mut [u8]| match channels {
        2 => {
            for (d, c) in dst.iter_mut().zip(src.chunks_exact(2)) {
                *d = over_white(c[0], c[1]);
            }
        }
        3 => {
            for (d, c) in dst.iter_mut().zip(src.chunks_exact(3)) {
                *d = luma(c[0], c[1], c[2]);
            }
        }
        _ => {
            for (d, c) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = over_white(luma(c[0], c[1], c[2]), c[3]);
            }
        }
    };
    guarded("png", || -> Result<(), png::DecodingError> {
        if channels == 1 {
            // Grey: inflate and unfilter straight into the output.
            reader.next_frame(&mut px)?;
        } else if !reader.info().interlaced {
            for dst in px.chunks_exact_mut(wu.max(1)) {
                match reader.next_row()? {
                    Some(row) => grey_of(row.data(), dst),
                    None => break,
                }
            }
        } else {
            // Adam7: the passes land all over the picture; decode whole, then convert.
            let size = reader
                .output_buffer_size()
                .ok_or(png::DecodingError::LimitsExceeded)?;
            let mut full = vec![0u8; size];
            reader.next_frame(&mut full)?;
            for (src, dst) in full
                .chunks_exact(wu.max(1) * channels)
                .zip(px.chunks_exact_mut(wu.max(1)))
            {
                grey_of(src, dst);
            }
        }
        Ok(())
    })?
    .map_err(err)?;
    Ok((w, h, px))
}

/// Returns the text of every QR code in an 8-bit grey image (`pixels` row by row, no padding,
/// 0 = black), in the order found, without duplicates.
pub fn scan_luma(
    width: u32,
    height: u32,
    pixels: &[u8],
    limits: &ScanLimits,
) -> Result<Vec<String>, QrError> {
    scan_luma_with(width, height, pixels, limits, Engine::Cascade)
}

/// [`scan_luma`] with a chosen [`Engine`].
pub fn scan_luma_with(
    width: u32,
    height: u32,
    pixels: &[u8],
    limits: &ScanLimits,
    engine: Engine,
) -> Result<Vec<String>, QrError> {
    limits.check_dimensions(width, height)?;
    let expected = u64::from(width) * u64::from(height);
    if pixels.len() as u64 != expected {
        return Err(QrError::BufferSize {
            got: pixels.len(),
            expected,
            width,
            height,
        });
    }
    if pixels.is_empty() {
        return Ok(Vec::new());
    }
    let img = Grey {
        w: width as usize,
        h: height as usize,
        px: pixels,
    };
    let mut found = Found::default();
    match engine {
        Engine::ZxingOnly => found.add(zxing(&img, Pass::HARD)?),
        Engine::RxingOnly => found.add(rxing_pass(&img, Pass::HARD)?),
        Engine::RqrrOnly => found.add(rqrr_pass(&img)?),
        Engine::Cascade => cascade(&img, &mut found, Decoder::PRIMARY, false)?,
        Engine::Exhaustive => cascade(&img, &mut found, Decoder::PRIMARY, true)?,
        Engine::RxingCascade => cascade(&img, &mut found, Decoder::Rxing, false)?,
        Engine::RqrrCascade => cascade(&img, &mut found, Decoder::Rqrr, false)?,
    }
    Ok(found.texts)
}

/// What one decoder pass saw.
#[derive(Default)]
struct PassResult {
    texts: Vec<String>,
    /// Symbols located but not read (zxing reports them with `return_errors`).
    unread: usize,
}

#[derive(Default)]
struct Found {
    texts: Vec<String>,
    unread: usize,
    last_error: Option<QrError>,
}

impl Found {
    fn add(&mut self, r: PassResult) {
        for t in r.texts {
            if !self.texts.contains(&t) {
                self.texts.push(t);
            }
        }
        self.unread = r.unread;
    }

    /// Retry while nothing was read, or while a located symbol is still unread.
    fn want_more(&self) -> bool {
        self.texts.is_empty() || self.unread > 0
    }

    /// Runs one pass, remembering (not propagating) a decoder failure so the cascade goes on.
    fn try_pass(&mut self, pass: impl FnOnce() -> Result<PassResult, QrError>) {
        match pass() {
            Ok(r) => self.add(r),
            Err(e) => self.last_error = Some(e),
        }
    }
}

struct Grey<'a> {
    w: usize,
    h: usize,
    px: &'a [u8],
}

struct Owned {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Owned {
    fn view(&self) -> Grey<'_> {
        Grey {
            w: self.w,
            h: self.h,
            px: &self.px,
        }
    }
}

/// The decoder a cascade runs on each of its images.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decoder {
    Zxing,
    Rxing,
    Rqrr,
}

impl Decoder {
    /// zxing-cpp when it is built in (feature `qr-zxing`), rxing otherwise.
    const PRIMARY: Decoder = if cfg!(feature = "qr-zxing") {
        Decoder::Zxing
    } else {
        Decoder::Rxing
    };

    fn run(self, img: &Grey<'_>, pass: Pass) -> Result<PassResult, QrError> {
        match self {
            Decoder::Zxing => zxing(img, pass),
            Decoder::Rxing => rxing_pass(img, pass),
            Decoder::Rqrr => rqrr_pass(img),
        }
    }
}

fn cascade(
    img: &Grey<'_>,
    found: &mut Found,
    decoder: Decoder,
    exhaustive: bool,
) -> Result<(), QrError> {
    let done = |found: &Found| !exhaustive && !found.want_more();
    let pass = |found: &mut Found, g: &Grey<'_>, p: Pass| found.try_pass(|| decoder.run(g, p));
    let strong = decoder != Decoder::Rqrr;
    // Coarse to fine: a half-size pass reads most photos of ordinary codes in a quarter of
    // the time; the full-size passes catch small modules.
    if strong && img.w.min(img.h) >= 640 {
        let half = downscale2(img);
        pass(found, &half.view(), Pass::FAST);
        if done(found) {
            return Ok(());
        }
        if decoder == Decoder::Rxing {
            // rxing's hybrid binarizer loses low-contrast codes (4 % of that kind at full
            // size) that its global-histogram binarizer reads (100 % at half size, ~1 ms).
            pass(found, &half.view(), Pass::GLOBAL_QUICK);
            if done(found) {
                return Ok(());
            }
        }
    }
    pass(found, img, Pass::FAST_PYRAMID);
    if done(found) {
        return Ok(());
    }
    if strong {
        pass(found, img, Pass::HARD);
        if done(found) {
            return Ok(());
        }
        pass(found, img, Pass::GLOBAL);
        if done(found) {
            return Ok(());
        }
    }
    // Small pictures (and small modules): 2× upscale.
    if img.w.max(img.h) <= 1600 {
        let up = upscale2(img);
        pass(found, &up.view(), Pass::FAST);
        if done(found) {
            return Ok(());
        }
    }
    let otsu = otsu_binarize(img);
    pass(found, &otsu.view(), Pass::FAST_PYRAMID);
    if done(found) {
        return Ok(());
    }
    let smooth = box3(img);
    pass(found, &smooth.view(), Pass::HARD);
    if done(found) {
        return Ok(());
    }
    if strong {
        // Second opinion from another decoder, on the grey and the Otsu image.
        found.try_pass(|| rqrr_pass(img));
        if done(found) {
            return Ok(());
        }
        found.try_pass(|| rqrr_pass(&otsu.view()));
    }
    if found.texts.is_empty() {
        if let Some(e) = found.last_error.take() {
            if matches!(e, QrError::DecoderPanic { .. } | QrError::Decoder { .. }) {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Reader options for one pass (zxing-cpp and rxing; rqrr has none).
#[derive(Clone, Copy)]
struct Pass {
    harder: bool,
    invert: bool,
    /// zxing-cpp's own downscale pyramid (rxing has none).
    #[cfg_attr(not(feature = "qr-zxing"), allow(dead_code))]
    downscale: bool,
    global: bool,
}

impl Pass {
    /// Quick: one scan of the image as given.
    const FAST: Pass = Pass {
        harder: false,
        invert: false,
        downscale: false,
        global: false,
    };
    /// Quick, plus zxing's own downscaling pyramid.
    const FAST_PYRAMID: Pass = Pass {
        downscale: true,
        ..Pass::FAST
    };
    /// Denser finder-pattern search, inverted codes too.
    const HARD: Pass = Pass {
        harder: true,
        invert: true,
        downscale: true,
        global: false,
    };
    /// Global-histogram binarizer (helps strong blur and low contrast).
    const GLOBAL: Pass = Pass {
        global: true,
        ..Pass::HARD
    };
    /// Global-histogram binarizer, dense search, nothing else (rxing's half-size pass).
    const GLOBAL_QUICK: Pass = Pass {
        harder: true,
        invert: false,
        downscale: false,
        global: true,
    };
}

#[cfg(not(feature = "qr-zxing"))]
fn zxing(_img: &Grey<'_>, _pass: Pass) -> Result<PassResult, QrError> {
    Err(QrError::Decoder {
        decoder: "zxing-cpp",
        message: "not built in: enable the cargo feature qr-zxing".into(),
    })
}

#[cfg(feature = "qr-zxing")]
fn zxing(img: &Grey<'_>, pass: Pass) -> Result<PassResult, QrError> {
    guarded("zxing-cpp", || {
        let fail = |e: zxingcpp::Error| QrError::Decoder {
            decoder: "zxing-cpp",
            message: e.to_string(),
        };
        let view =
            zxingcpp::ImageView::from_slice(img.px, img.w, img.h, zxingcpp::ImageFormat::Lum)
                .map_err(fail)?;
        let binarizer = if pass.global {
            zxingcpp::Binarizer::GlobalHistogram
        } else {
            zxingcpp::Binarizer::LocalAverage
        };
        let reader = zxingcpp::read()
            .formats([zxingcpp::BarcodeFormat::QRCode])
            .try_harder(pass.harder)
            .try_rotate(false)
            .try_invert(pass.invert)
            .try_downscale(pass.downscale)
            .return_errors(true)
            .binarizer(binarizer)
            .text_mode(zxingcpp::TextMode::Plain);
        let codes = reader.from(view).map_err(fail)?;
        let mut r = PassResult::default();
        for c in codes {
            if c.is_valid() {
                r.texts.push(c.text());
            } else {
                r.unread += 1;
            }
        }
        Ok(r)
    })?
}

/// One rxing pass: ZXing's QR reader (the port of zxing-cpp's detector) on the hybrid or the
/// global-histogram binarizer, every symbol in the picture. rxing has no downscale pyramid
/// (the cascade's half-size pass stands in for it) and does not report located symbols it
/// could not read.
fn rxing_pass(img: &Grey<'_>, pass: Pass) -> Result<PassResult, QrError> {
    use rxing::multi::MultipleBarcodeReader;
    use rxing::{Binarizer, BinaryBitmap, DecodeHints, Exceptions};

    fn read<B: Binarizer>(
        mut bitmap: BinaryBitmap<B>,
        hints: &DecodeHints,
        invert: bool,
    ) -> Result<Vec<rxing::RXingResult>, Exceptions> {
        let mut reader = rxing::qrcode::cpp_port::QrReader;
        let codes = reader.decode_multiple_with_hints(&mut bitmap, hints)?;
        if codes.is_empty() && invert {
            bitmap.invert();
            return reader.decode_multiple_with_hints(&mut bitmap, hints);
        }
        Ok(codes)
    }

    guarded("rxing", || {
        let fail = |e: Exceptions| QrError::Decoder {
            decoder: "rxing",
            message: e.to_string(),
        };
        let (w, h) = (
            u32::try_from(img.w).map_err(|_| fail(Exceptions::ILLEGAL_ARGUMENT))?,
            u32::try_from(img.h).map_err(|_| fail(Exceptions::ILLEGAL_ARGUMENT))?,
        );
        let source = rxing::Luma8Source::new_with_slice(img.px, w, h).map_err(fail)?;
        let hints = DecodeHints {
            TryHarder: Some(pass.harder),
            PossibleFormats: Some([rxing::BarcodeFormat::QR_CODE].into_iter().collect()),
            ..DecodeHints::default()
        };
        let codes = if pass.global {
            read(
                BinaryBitmap::new(rxing::common::GlobalHistogramBinarizer::new(source)),
                &hints,
                pass.invert,
            )
        } else {
            read(
                BinaryBitmap::new(rxing::common::HybridBinarizer::new(source)),
                &hints,
                pass.invert,
            )
        };
        let codes = match codes {
            Ok(c) => c,
            // What ZXing says when a picture holds nothing it can read.
            Err(
                Exceptions::NotFoundException(_)
                | Exceptions::ChecksumException(_)
                | Exceptions::FormatException(_)
                | Exceptions::ReedSolomonException(_),
            ) => Vec::new(),
            Err(e) => return Err(fail(e)),
        };
        Ok(PassResult {
            texts: codes.iter().map(|c| c.getText().to_owned()).collect(),
            unread: 0,
        })
    })?
}

fn rqrr_pass(img: &Grey<'_>) -> Result<PassResult, QrError> {
    guarded("rqrr", || {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(img.w, img.h, |x, y| {
            img.px.get(y * img.w + x).copied().unwrap_or(255)
        });
        let mut r = PassResult::default();
        for grid in prepared.detect_grids() {
            match grid.decode() {
                Ok((_, text)) => r.texts.push(text),
                Err(_) => r.unread += 1,
            }
        }
        r
    })
}

thread_local! {
    /// Set while this thread runs a decoder, so the panic hook stays quiet for caught panics.
    static IN_DECODER: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `f` behind a panic boundary. A panic becomes [`QrError::DecoderPanic`]. The first call
/// wraps the process's panic hook once so that panics caught here print nothing; panics on
/// other threads, or outside decoder calls, still reach the previous hook unchanged.
fn guarded<T>(decoder: &'static str, f: impl FnOnce() -> T) -> Result<T, QrError> {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.try_with(Cell::get).unwrap_or(false) {
                previous(info);
            }
        }));
    });
    let was = IN_DECODER.try_with(|c| c.replace(true)).unwrap_or(false);
    let r = catch_unwind(AssertUnwindSafe(f));
    let _ = IN_DECODER.try_with(|c| c.set(was));
    r.map_err(|payload| QrError::DecoderPanic {
        decoder,
        message: payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into()),
    })
}

/// 2× box downscale (each output pixel the mean of a 2×2 block; odd edges dropped).
fn downscale2(img: &Grey<'_>) -> Owned {
    let (w, h) = (img.w / 2, img.h / 2);
    let mut px = vec![255u8; w * h];
    for (y, out) in px.chunks_exact_mut(w.max(1)).enumerate() {
        let r0 = img
            .px
            .get(2 * y * img.w..(2 * y + 1) * img.w)
            .unwrap_or(&[]);
        let r1 = img
            .px
            .get((2 * y + 1) * img.w..(2 * y + 2) * img.w)
            .unwrap_or(&[]);
        for ((o, a), b) in out
            .iter_mut()
            .zip(r0.chunks_exact(2))
            .zip(r1.chunks_exact(2))
        {
            let sum: u16 = a.iter().chain(b).map(|&v| u16::from(v)).sum();
            *o = u8::try_from((sum + 2) / 4).unwrap_or(255);
        }
    }
    Owned { w, h, px }
}

/// 2× bilinear upscale (pixel centres kept aligned).
fn upscale2(img: &Grey<'_>) -> Owned {
    let (w, h) = (img.w, img.h);
    let (ow, oh) = (w * 2, h * 2);
    let mut px = vec![255u8; ow * oh];
    let at = |x: usize, y: usize| -> u32 {
        u32::from(
            img.px
                .get(y.min(h.saturating_sub(1)) * w + x.min(w.saturating_sub(1)))
                .copied()
                .unwrap_or(255),
        )
    };
    for (oy, row) in px.chunks_exact_mut(ow).enumerate() {
        // Source coordinate = (o + 0.5) / 2 - 0.5 → in quarter steps.
        let sy = oy / 2;
        let (y0, y1, fy) = if oy % 2 == 0 {
            (sy.saturating_sub(1), sy, 1u32)
        } else {
            (sy, sy + 1, 3u32)
        };
        for (ox, out) in row.iter_mut().enumerate() {
            let sx = ox / 2;
            let (x0, x1, fx) = if ox % 2 == 0 {
                (sx.saturating_sub(1), sx, 1u32)
            } else {
                (sx, sx + 1, 3u32)
            };
            let top = at(x0, y0) * (4 - fx) + at(x1, y0) * fx;
            let bot = at(x0, y1) * (4 - fx) + at(x1, y1) * fx;
            let v = (top * (4 - fy) + bot * fy + 8) / 16;
            *out = u8::try_from(v).unwrap_or(255);
        }
    }
    Owned { w: ow, h: oh, px }
}

/// Global Otsu threshold → black/white image.
fn otsu_binarize(img: &Grey<'_>) -> Owned {
    let mut hist = [0u64; 256];
    for &p in img.px {
        hist[usize::from(p)] += 1;
    }
    let total: u64 = img.px.len() as u64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w_b, mut sum_b, mut best, mut thr) = (0u64, 0f64, -1f64, 127u8);
    for (t, &c) in hist.iter().enumerate() {
        w_b += c;
        if w_b == 0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0 {
            break;
        }
        sum_b += t as f64 * c as f64;
        let m_b = sum_b / w_b as f64;
        let m_f = (sum_all - sum_b) / w_f as f64;
        let between = w_b as f64 * w_f as f64 * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            thr = u8::try_from(t).unwrap_or(127);
        }
    }
    Owned {
        w: img.w,
        h: img.h,
        px: img
            .px
            .iter()
            .map(|&p| if p <= thr { 0 } else { 255 })
            .collect(),
    }
}

/// 3×3 box blur (light denoise), edges clamped.
fn box3(img: &Grey<'_>) -> Owned {
    let (w, h) = (img.w, img.h);
    // Horizontal then vertical running sums.
    let mut tmp = vec![0u16; w * h];
    for (src, dst) in img
        .px
        .chunks_exact(w.max(1))
        .zip(tmp.chunks_exact_mut(w.max(1)))
    {
        for x in 0..w {
            let l = src.get(x.saturating_sub(1)).copied().unwrap_or(0);
            let c = src.get(x).copied().unwrap_or(0);
            let r = src.get((x + 1).min(w - 1)).copied().unwrap_or(0);
            if let Some(d) = dst.get_mut(x) {
                *d = u16::from(l) + u16::from(c) + u16::from(r);
            }
        }
    }
    let mut px = vec![0u8; w * h];
    for y in 0..h {
        let up = y.saturating_sub(1);
        let down = (y + 1).min(h - 1);
        for x in 0..w {
            let s = u32::from(tmp.get(up * w + x).copied().unwrap_or(0))
                + u32::from(tmp.get(y * w + x).copied().unwrap_or(0))
                + u32::from(tmp.get(down * w + x).copied().unwrap_or(0));
            if let Some(d) = px.get_mut(y * w + x) {
                *d = u8::try_from((s + 4) / 9).unwrap_or(255);
            }
        }
    }
    Owned { w, h, px }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rejects_buffer_of_wrong_length() {
        assert!(matches!(
            scan_luma(10, 10, &[0u8; 99], &ScanLimits::default()),
            Err(QrError::BufferSize { got: 99, .. })
        ));
    }

    #[test]
    fn rejects_too_many_bytes_before_decoding() {
        let limits = ScanLimits {
            max_bytes: 4,
            ..ScanLimits::default()
        };
        assert!(matches!(
            scan_image_bytes(b"\x89PNG\r\n", &limits),
            Err(QrError::ImageTooManyBytes { len: 6, max: 4 })
        ));
    }

    #[test]
    fn rejects_oversized_dimensions_before_decoding_pixels() {
        let png = crate::qr::render::encode_png_luma(40, 30, &[255u8; 1200]).unwrap();
        let narrow = ScanLimits {
            max_side: 39,
            ..ScanLimits::default()
        };
        assert!(matches!(
            scan_image_bytes(&png, &narrow),
            Err(QrError::ImageTooWide {
                width: 40,
                height: 30,
                max_side: 39
            })
        ));
        let few = ScanLimits {
            max_pixels: 1199,
            ..ScanLimits::default()
        };
        assert!(matches!(
            scan_image_bytes(&png, &few),
            Err(QrError::ImageTooManyPixels {
                pixels: 1200,
                max_pixels: 1199
            })
        ));
        assert_eq!(
            scan_image_bytes(&png, &ScanLimits::default()).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn rejects_garbage_as_unreadable_image() {
        assert!(matches!(
            scan_image_bytes(b"not an image at all", &ScanLimits::default()),
            Err(QrError::ImageFormat(_))
        ));
    }

    #[test]
    fn blank_image_has_no_codes() {
        let px = vec![255u8; 200 * 100];
        assert_eq!(
            scan_luma(200, 100, &px, &ScanLimits::default()).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn panic_inside_decoder_becomes_typed_error() {
        let r: Result<(), QrError> = guarded("test", || panic!("boom"));
        assert!(matches!(
            r,
            Err(QrError::DecoderPanic { decoder: "test", ref message }) if message == "boom"
        ));
    }

    #[test]
    fn upscale_doubles_dimensions() {
        let px = [0u8, 255, 255, 0];
        let up = upscale2(&Grey {
            w: 2,
            h: 2,
            px: &px,
        });
        assert_eq!((up.w, up.h, up.px.len()), (4, 4, 16));
    }
}
