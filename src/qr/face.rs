//! The certificate face: the data page of the paper certificate and the picture shown after a
//! successful verification, as SVG (no font needed here; the viewer supplies one) and as PNG
//! (glyphs rasterised with `ab_glyph` from an installed CJK font, or from the subset of
//! WenQuanYi Micro Hei embedded in the crate; characters without a glyph become visible
//! boxes and are reported by [`FaceRenderer::missing_glyphs`]).
//!
//! The caller maps its certificate model to a plain [`FaceData`]; this module only lays out
//! strings and the QR code and never sees signed data. For bulk PNG rendering build one
//! [`FaceRenderer`] (it parses the font once and caches glyph bitmaps) and share it across
//! threads.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ab_glyph::{Font, FontArc, FontRef, FontVec, GlyphId, PxScale, ScaleFont};

use crate::qr::render::{encode_matrix, svg_fragment, EcLevel, QrMatrix};
use crate::qr::QrError;

/// The default title: "professional and technical personnel vocational qualification
/// certificate".
pub const DEFAULT_TITLE: &str = "专业技术人员职业资格证书";

/// The remark that marks a replacement re-issue.
pub const REPLACEMENT_MARK: &str = "补发";

/// What the face shows, as display strings. Empty optional fields print as blank values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceData {
    /// Title line; [`DEFAULT_TITLE`] by default.
    pub title: String,
    /// Qualification name (资格名称).
    pub qualification: String,
    /// Level (级别).
    pub level: String,
    /// Specialty (专业).
    pub specialty: String,
    /// Holder's name (姓名).
    pub holder_name: String,
    /// Sex as shown (性别), e.g. "男".
    pub sex: String,
    /// Birth year and month as shown (出生年月), e.g. "1990年05月".
    pub birth: String,
    /// The ID number, already masked by the caller (证件号码).
    pub id_number_masked: String,
    /// Management number (管理号).
    pub management_number: String,
    /// Approval date as shown (批准日期).
    pub approval_date: String,
    /// The e-licence identifier (电子证照标识).
    pub identifier: String,
    /// Free remarks (备注).
    pub remarks: String,
    /// A replacement re-issue: the remarks then start with [`REPLACEMENT_MARK`].
    pub replacement: bool,
    /// Issuing authority (发证机关).
    pub issuer: String,
    /// The QR payload (QR alphanumeric characters only).
    pub qr_text: String,
    /// Error-correction level of the face's QR code; Q by default.
    pub qr_level: EcLevel,
}

impl Default for FaceData {
    fn default() -> Self {
        FaceData {
            title: DEFAULT_TITLE.to_owned(),
            qualification: String::new(),
            level: String::new(),
            specialty: String::new(),
            holder_name: String::new(),
            sex: String::new(),
            birth: String::new(),
            id_number_masked: String::new(),
            management_number: String::new(),
            approval_date: String::new(),
            identifier: String::new(),
            remarks: String::new(),
            replacement: false,
            issuer: String::new(),
            qr_text: String::new(),
            qr_level: EcLevel::Q,
        }
    }
}

impl FaceData {
    /// The remarks as printed: with [`REPLACEMENT_MARK`] first for a replacement re-issue.
    pub fn remarks_display(&self) -> String {
        if self.replacement && !self.remarks.contains(REPLACEMENT_MARK) {
            if self.remarks.is_empty() {
                REPLACEMENT_MARK.to_owned()
            } else {
                format!("{REPLACEMENT_MARK}；{}", self.remarks)
            }
        } else {
            self.remarks.clone()
        }
    }

    /// The labelled rows of the left column, in print order.
    pub fn rows(&self) -> [(&'static str, &str); 9] {
        [
            ("姓名", &self.holder_name),
            ("性别", &self.sex),
            ("出生年月", &self.birth),
            ("证件号码", &self.id_number_masked),
            ("资格名称", &self.qualification),
            ("级别", &self.level),
            ("专业", &self.specialty),
            ("管理号", &self.management_number),
            ("批准日期", &self.approval_date),
        ]
    }
}

// Layout, in pixels (PNG) and user units (SVG) alike.
const W: u32 = 1000;
const H: u32 = 720;
const MARGIN: i32 = 64;
const LABEL_X: i32 = MARGIN;
const VALUE_X: i32 = MARGIN + 150;
const ROW_SIZE: f32 = 22.0;
const ROW_Y0: i32 = 160;
const ROW_STEP: i32 = 40;
const TITLE_SIZE: f32 = 40.0;
const TITLE_Y: i32 = 92;
const QR_BOX: u32 = 276;
const QR_X: i32 = W as i32 - MARGIN - QR_BOX as i32;
const QR_Y: i32 = 122;
const SMALL_SIZE: f32 = 18.0;
const WIDE_Y0: i32 = 540;
const ISSUER_Y: i32 = 676;

/// One line of text to draw.
struct Line {
    x: i32,
    baseline: i32,
    size: f32,
    text: String,
    anchor: Anchor,
    bold: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

/// The face's QR code and where it goes.
struct QrPlacement {
    matrix: QrMatrix,
    module_px: u32,
    x: i32,
    y: i32,
}

fn qr_placement(data: &FaceData, matrix: Option<&QrMatrix>) -> Result<QrPlacement, QrError> {
    let matrix = match matrix {
        Some(m) => m.clone(),
        None => encode_matrix(&data.qr_text, data.qr_level)?,
    };
    let modules = u32::try_from(matrix.size())
        .unwrap_or(u32::MAX)
        .saturating_add(8);
    let module_px = (QR_BOX / modules.max(1)).max(1);
    let side = i32::try_from(modules * module_px).unwrap_or(0);
    let offset = (QR_BOX as i32 - side) / 2;
    Ok(QrPlacement {
        matrix,
        module_px,
        x: QR_X + offset.max(0),
        y: QR_Y + offset.max(0),
    })
}

/// Lays out every text line. `measure(text, size)` gives a width in pixels; long values wrap
/// onto a second line and are cut with "…" after that.
fn layout(data: &FaceData, measure: &dyn Fn(&str, f32) -> f32) -> Vec<Line> {
    let mut lines = Vec::new();
    let line = |x, baseline, size, text: String, anchor, bold| Line {
        x,
        baseline,
        size,
        text,
        anchor,
        bold,
    };
    lines.push(line(
        W as i32 / 2,
        TITLE_Y,
        TITLE_SIZE,
        data.title.clone(),
        Anchor::Middle,
        true,
    ));
    let value_width = (QR_X - 24 - VALUE_X) as f32;
    let mut y = ROW_Y0;
    for (label, value) in data.rows() {
        lines.push(line(
            LABEL_X,
            y,
            ROW_SIZE,
            label.to_owned(),
            Anchor::Start,
            false,
        ));
        let parts = wrap(value, ROW_SIZE, value_width, 2, measure);
        let n = parts.len().max(1);
        for (i, part) in parts.into_iter().enumerate() {
            let dy = i32::try_from(i).unwrap_or(0) * (ROW_STEP - 12);
            lines.push(line(VALUE_X, y + dy, ROW_SIZE, part, Anchor::Start, false));
        }
        y += ROW_STEP + i32::try_from(n - 1).unwrap_or(0) * (ROW_STEP - 12);
    }
    lines.push(line(
        QR_X + QR_BOX as i32 / 2,
        QR_Y + QR_BOX as i32 + 28,
        SMALL_SIZE,
        "扫码查验".to_owned(),
        Anchor::Middle,
        false,
    ));
    let wide_width = (W as i32 - MARGIN - VALUE_X) as f32;
    let mut y = WIDE_Y0.max(y + 8);
    let remarks = data.remarks_display();
    for (label, value) in [
        ("电子证照标识", data.identifier.as_str()),
        ("备注", remarks.as_str()),
    ] {
        lines.push(line(
            LABEL_X,
            y,
            SMALL_SIZE,
            label.to_owned(),
            Anchor::Start,
            false,
        ));
        let parts = wrap(value, SMALL_SIZE, wide_width, 2, measure);
        let n = parts.len().max(1);
        for (i, part) in parts.into_iter().enumerate() {
            let dy = i32::try_from(i).unwrap_or(0) * 26;
            lines.push(line(
                VALUE_X,
                y + dy,
                SMALL_SIZE,
                part,
                Anchor::Start,
                false,
            ));
        }
        y += 36 + i32::try_from(n - 1).unwrap_or(0) * 26;
    }
    lines.push(line(
        W as i32 - MARGIN,
        ISSUER_Y.max(y + 24),
        ROW_SIZE,
        format!("发证机关：{}", data.issuer),
        Anchor::End,
        false,
    ));
    lines
}

/// Splits `text` into at most `max_lines` lines no wider than `width`; the last line ends in
/// "…" if text was cut.
fn wrap(
    text: &str,
    size: f32,
    width: f32,
    max_lines: usize,
    measure: &dyn Fn(&str, f32) -> f32,
) -> Vec<String> {
    if measure(text, size) <= width {
        return vec![text.to_owned()];
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        if measure(&current, size) > width {
            current.pop();
            if out.len() + 1 == max_lines {
                while !current.is_empty() && measure(&format!("{current}…"), size) > width {
                    current.pop();
                }
                current.push('…');
                out.push(std::mem::take(&mut current));
                return out;
            }
            out.push(std::mem::replace(&mut current, c.to_string()));
        }
        if chars.peek().is_none() {
            break;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Renders the face as a standalone SVG (1000×720 user units). Text uses the viewer's CJK
/// fonts (`Noto Sans CJK SC`, `WenQuanYi Micro Hei`, then any sans-serif).
pub fn face_svg(data: &FaceData) -> Result<String, QrError> {
    face_svg_inner(data, None)
}

/// [`face_svg`] drawing an already built `matrix` (for the caller that also prints the QR
/// code alone); `data.qr_text` and `data.qr_level` are then not used.
pub fn face_svg_with_qr(data: &FaceData, matrix: &QrMatrix) -> Result<String, QrError> {
    face_svg_inner(data, Some(matrix))
}

fn face_svg_inner(data: &FaceData, matrix: Option<&QrMatrix>) -> Result<String, QrError> {
    let qr = qr_placement(data, matrix)?;
    // Without font metrics here, estimate: CJK and full-width characters one em, others 0.55 em.
    let measure = |s: &str, size: f32| -> f32 {
        s.chars()
            .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
            .sum::<f32>()
            * size
    };
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" \
         font-family=\"'Noto Sans CJK SC','WenQuanYi Micro Hei','Source Han Sans SC',sans-serif\">\
         <rect width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>\
         <rect x=\"16\" y=\"16\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"4\"/>\
         <rect x=\"26\" y=\"26\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1\"/>",
        W - 32,
        H - 32,
        W - 52,
        H - 52
    ));
    for l in layout(data, &measure) {
        let anchor = match l.anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let weight = if l.bold { " font-weight=\"bold\"" } else { "" };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\"{weight}>{}</text>",
            l.x,
            l.baseline,
            l.size,
            xml_escape(&l.text)
        );
    }
    out.push_str(&format!(
        "<g transform=\"translate({} {}) scale({})\" shape-rendering=\"crispEdges\">{}</g>",
        qr.x,
        qr.y,
        qr.module_px,
        svg_fragment(&qr.matrix, 4)
    ));
    out.push_str("</svg>\n");
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Where the PNG renderer finds its CJK font.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FontSource {
    /// The first installed font of [`DEFAULT_FONT_PATHS`] that parses (full coverage), else
    /// the embedded subset ([`FontSource::Embedded`]): never fails for want of a font.
    Default,
    /// The subset of WenQuanYi Micro Hei built into the crate: the GB 2312 character set,
    /// the Big5 level-1 hanzi, ASCII, Latin-1, full-width forms and CJK punctuation, and every
    /// character of the face's labels and the catalogue (`assets/fonts/README.md`). Needs no
    /// file, and the pictures do not depend on the fonts a machine has.
    Embedded,
    /// The first file that exists of these `(path, face index in a .ttc collection)`.
    Search(Vec<(PathBuf, u32)>),
    /// Exactly this file and face index.
    Path(PathBuf, u32),
}

/// Debian's CJK fonts, in order of preference, with the face index of the Simplified
/// Chinese face in each collection. `fonts-wqy-microhei` (5 MB, TrueType outlines) is the
/// recommended package; `fonts-noto-cjk` works too.
pub const DEFAULT_FONT_PATHS: [(&str, u32); 5] = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
];

/// The embedded font's name as [`FaceRenderer::font_name`] reports it.
pub const EMBEDDED_FONT_NAME: &str = "embedded WenQuanYi Micro Hei subset";

/// WenQuanYi Micro Hei 0.2.0-beta, subset by `assets/fonts/make-subset.py` (Apache-2.0;
/// licence and copyright in `assets/fonts/`).
static EMBEDDED_FONT: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei-subset.ttf");

/// Largest font file accepted, in bytes.
pub const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// A rasterised glyph: coverage bitmap and its offset from the pen position.
struct GlyphBitmap {
    left: i32,
    top: i32,
    w: usize,
    h: usize,
    coverage: Vec<u8>,
}

/// How one character is drawn.
#[derive(Clone, Copy)]
enum Draw {
    /// A glyph of the font.
    Glyph(GlyphId),
    /// No glyph in the font: a hollow box one em wide (the character is reported by
    /// [`FaceRenderer::missing_glyphs`]).
    Missing,
    /// Nothing drawn, no advance (control characters; the SVG drops them too).
    Skip,
    /// Blank advance of half an em (white space the font lacks).
    Blank,
}

/// Renders face PNGs with one loaded font and a shared glyph cache. `Sync`: share one across
/// threads for bulk rendering.
pub struct FaceRenderer {
    font: FontArc,
    path: Option<PathBuf>,
    name: String,
    cache: RwLock<HashMap<(GlyphId, u32), Arc<GlyphBitmap>>>,
}

impl std::fmt::Debug for FaceRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceRenderer")
            .field("font", &self.name)
            .finish_non_exhaustive()
    }
}

impl FaceRenderer {
    /// Loads the font named by `source`. [`FontSource::Default`] and
    /// [`FontSource::Embedded`] always find one (a system font that does not parse is
    /// passed over); for the others, no file found gives
    /// [`QrError::FontNotFound`] with the paths tried, and a file that is not a font gives
    /// [`QrError::Font`].
    pub fn new(source: &FontSource) -> Result<Self, QrError> {
        match source {
            FontSource::Default => DEFAULT_FONT_PATHS
                .iter()
                .filter(|(p, _)| Path::new(p).is_file())
                .find_map(|&(p, i)| Self::from_file(Path::new(p), i).ok())
                .map_or_else(Self::embedded, Ok),
            FontSource::Embedded => Self::embedded(),
            FontSource::Search(list) => {
                let Some((path, index)) = list.iter().find(|(p, _)| p.is_file()) else {
                    return Err(QrError::FontNotFound {
                        tried: list.iter().map(|(p, _)| p.clone()).collect(),
                    });
                };
                Self::from_file(path, *index)
            }
            FontSource::Path(path, index) => {
                if !path.is_file() {
                    return Err(QrError::FontNotFound {
                        tried: vec![path.clone()],
                    });
                }
                Self::from_file(path, *index)
            }
        }
    }

    /// The embedded subset. It is checked in and parsed by the tests, so the error is for
    /// a damaged build only.
    fn embedded() -> Result<Self, QrError> {
        let font = FontRef::try_from_slice(EMBEDDED_FONT).map_err(|e| QrError::Font {
            path: PathBuf::from(EMBEDDED_FONT_NAME),
            reason: e.to_string(),
        })?;
        Ok(FaceRenderer {
            font: FontArc::new(font),
            path: None,
            name: EMBEDDED_FONT_NAME.to_owned(),
            cache: RwLock::new(HashMap::new()),
        })
    }

    fn from_file(path: &Path, index: u32) -> Result<Self, QrError> {
        let font_err = |reason: String| QrError::Font {
            path: path.to_owned(),
            reason,
        };
        let len = std::fs::metadata(path)
            .map_err(|e| font_err(e.to_string()))?
            .len();
        if len > MAX_FONT_BYTES {
            return Err(font_err(format!(
                "file has {len} bytes, limit {MAX_FONT_BYTES}"
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| font_err(e.to_string()))?;
        let font = FontVec::try_from_vec_and_index(bytes, index)
            .map_err(|e| font_err(format!("face {index}: {e}")))?;
        Ok(FaceRenderer {
            font: FontArc::new(font),
            path: Some(path.to_owned()),
            name: path.display().to_string(),
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// The font file in use; `None` for the embedded font.
    pub fn font_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The font in use, for messages: its path, or [`EMBEDDED_FONT_NAME`].
    pub fn font_name(&self) -> &str {
        &self.name
    }

    /// The characters of `data`'s face, as laid out, that the font has no glyph for, in
    /// the order they first appear. The PNG draws each as a hollow box; a caller that must
    /// not print a box checks this first (or calls [`FaceRenderer::check_glyphs`]).
    pub fn missing_glyphs(&self, data: &FaceData) -> Vec<char> {
        let measure = |s: &str, size: f32| self.measure(s, size);
        let mut missing = Vec::new();
        for l in layout(data, &measure) {
            for c in l.text.chars() {
                if matches!(self.draw_of(c), Draw::Missing) && !missing.contains(&c) {
                    missing.push(c);
                }
            }
        }
        missing
    }

    /// [`QrError::MissingGlyph`] if the font lacks a glyph for some character of the face.
    pub fn check_glyphs(&self, data: &FaceData) -> Result<(), QrError> {
        let chars = self.missing_glyphs(data);
        if chars.is_empty() {
            Ok(())
        } else {
            Err(QrError::MissingGlyph {
                font: self.name.clone(),
                chars,
            })
        }
    }

    fn draw_of(&self, c: char) -> Draw {
        let id = self.font.glyph_id(c);
        if id.0 != 0 {
            Draw::Glyph(id)
        } else if c.is_control() {
            Draw::Skip
        } else if c.is_whitespace() {
            Draw::Blank
        } else {
            Draw::Missing
        }
    }

    /// The pen advance of `draw` at `size`, in whole pixels.
    fn advance(&self, draw: Draw, size: f32) -> f32 {
        match draw {
            Draw::Glyph(id) => self
                .font
                .as_scaled(PxScale::from(size))
                .h_advance(id)
                .round(),
            Draw::Missing => size.round(),
            Draw::Skip => 0.0,
            Draw::Blank => (size / 2.0).round(),
        }
    }

    fn glyph(&self, id: GlyphId, size: f32) -> Arc<GlyphBitmap> {
        let key = (id, size.to_bits());
        if let Some(g) = self.cache.read().ok().and_then(|c| c.get(&key).cloned()) {
            return g;
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(0.0, 0.0));
        let bitmap = match self.font.outline_glyph(glyph) {
            Some(outlined) => {
                let b = outlined.px_bounds();
                let w = b.width().max(0.0) as usize;
                let h = b.height().max(0.0) as usize;
                let mut coverage = vec![0u8; w * h];
                outlined.draw(|x, y, c| {
                    if let Some(p) = coverage.get_mut(y as usize * w + x as usize) {
                        *p = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
                    }
                });
                GlyphBitmap {
                    left: b.min.x as i32,
                    top: b.min.y as i32,
                    w,
                    h,
                    coverage,
                }
            }
            None => GlyphBitmap {
                left: 0,
                top: 0,
                w: 0,
                h: 0,
                coverage: Vec::new(),
            },
        };
        let bitmap = Arc::new(bitmap);
        if let Ok(mut c) = self.cache.write() {
            c.insert(key, bitmap.clone());
        }
        bitmap
    }

    fn measure(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.draw_of(c), size))
            .sum()
    }

    /// Renders the face as an 8-bit grey picture `(width, height, pixels)`. Characters the
    /// font lacks are drawn as hollow boxes ([`FaceRenderer::missing_glyphs`] names them).
    pub fn render_luma(&self, data: &FaceData) -> Result<(u32, u32, Vec<u8>), QrError> {
        self.render_luma_inner(data, None)
    }

    /// [`FaceRenderer::render_png`] drawing an already built `matrix`; `data.qr_text` and
    /// `data.qr_level` are then not used.
    pub fn render_png_with_qr(
        &self,
        data: &FaceData,
        matrix: &QrMatrix,
    ) -> Result<Vec<u8>, QrError> {
        let (w, h, px) = self.render_luma_inner(data, Some(matrix))?;
        crate::qr::render::encode_png_luma(w, h, &px)
    }

    fn render_luma_inner(
        &self,
        data: &FaceData,
        matrix: Option<&QrMatrix>,
    ) -> Result<(u32, u32, Vec<u8>), QrError> {
        let qr = qr_placement(data, matrix)?;
        let measure = |s: &str, size: f32| self.measure(s, size);
        let lines = layout(data, &measure);
        let (w, h) = (W as usize, H as usize);
        let mut px = vec![255u8; w * h];
        frame(&mut px, w, h, 16, 4);
        frame(&mut px, w, h, 26, 1);
        for l in &lines {
            let width = self.measure(&l.text, l.size) as i32;
            let mut pen = match l.anchor {
                Anchor::Start => l.x,
                Anchor::Middle => l.x - width / 2,
                Anchor::End => l.x - width,
            };
            for c in l.text.chars() {
                let draw = self.draw_of(c);
                match draw {
                    Draw::Glyph(id) => {
                        let g = self.glyph(id, l.size);
                        blit(&mut px, w, h, &g, pen, l.baseline);
                        if l.bold {
                            blit(&mut px, w, h, &g, pen + 1, l.baseline);
                        }
                    }
                    Draw::Missing => missing_box(&mut px, w, h, pen, l.baseline, l.size),
                    Draw::Skip | Draw::Blank => {}
                }
                pen += self.advance(draw, l.size) as i32;
            }
        }
        draw_qr(&mut px, w, &qr);
        Ok((W, H, px))
    }

    /// Renders the face as a greyscale PNG. Characters the font lacks are drawn as hollow
    /// boxes ([`FaceRenderer::missing_glyphs`] names them).
    pub fn render_png(&self, data: &FaceData) -> Result<Vec<u8>, QrError> {
        let (w, h, px) = self.render_luma(data)?;
        crate::qr::render::encode_png_luma(w, h, &px)
    }
}

/// Loads the font and renders one face PNG. For many faces, build one [`FaceRenderer`].
pub fn face_png(data: &FaceData, font: &FontSource) -> Result<Vec<u8>, QrError> {
    FaceRenderer::new(font)?.render_png(data)
}

/// The replacement box for a character without a glyph: a hollow rectangle 0.8 em wide and
/// 0.9 em tall standing on the baseline's descent, 0.1 em in from the pen, lines 1/16 em.
fn missing_box(px: &mut [u8], w: usize, h: usize, pen: i32, baseline: i32, size: f32) {
    let em = size.round() as i32;
    let x0 = pen + em / 10;
    let x1 = pen + em - em / 10;
    let y1 = baseline + em / 10;
    let y0 = y1 - em * 9 / 10;
    let t = (em / 16).max(1);
    for y in y0.max(0)..y1.min(h as i32) {
        for x in x0.max(0)..x1.min(w as i32) {
            let edge = y < y0 + t || y >= y1 - t || x < x0 + t || x >= x1 - t;
            if edge {
                if let Some(p) = px.get_mut(y as usize * w + x as usize) {
                    *p = 0;
                }
            }
        }
    }
}

/// Draws a rectangle outline `thick` pixels wide, `inset` pixels inside the picture's edge.
fn frame(px: &mut [u8], w: usize, h: usize, inset: usize, thick: usize) {
    let (x0, x1) = (inset, w.saturating_sub(inset));
    let (y0, y1) = (inset, h.saturating_sub(inset));
    for y in y0..y1 {
        let row = y * w;
        if y < y0 + thick || y + thick >= y1 {
            if let Some(r) = px.get_mut(row + x0..row + x1) {
                r.fill(0);
            }
        } else {
            for x in (x0..x0 + thick).chain(x1.saturating_sub(thick)..x1) {
                if let Some(p) = px.get_mut(row + x) {
                    *p = 0;
                }
            }
        }
    }
}

/// Black ink of coverage `g` over what is there: `p * (255 - c) / 255`. The columns are clipped
/// once per glyph and each row is one slice zip (no per-pixel bounds checks; the loop
/// vectorises); a zero coverage leaves the pixel as it was.
fn blit(px: &mut [u8], w: usize, h: usize, g: &GlyphBitmap, pen: i32, baseline: i32) {
    if g.w == 0 {
        return;
    }
    let (Ok(w_i), Ok(h_i), Ok(gw)) = (i32::try_from(w), i32::try_from(h), i32::try_from(g.w))
    else {
        return;
    };
    let x0 = pen.saturating_add(g.left);
    let x1 = x0.saturating_add(gw).min(w_i);
    let start = x0.max(0);
    let (Ok(skip), Ok(start), Ok(n)) = (
        usize::try_from(start - x0),
        usize::try_from(start),
        usize::try_from(x1 - start),
    ) else {
        return; // nothing of the glyph is inside the picture
    };
    let top = baseline.saturating_add(g.top);
    for (gy, cov) in (0i32..).zip(g.coverage.chunks_exact(g.w).take(g.h)) {
        let y = top.saturating_add(gy);
        let Ok(y) = usize::try_from(y) else {
            continue;
        };
        if y >= usize::try_from(h_i).unwrap_or(0) {
            break;
        }
        let row = y * w + start;
        let (Some(dst), Some(src)) = (px.get_mut(row..row + n), cov.get(skip..skip + n)) else {
            continue;
        };
        for (p, &c) in dst.iter_mut().zip(src) {
            let v = u16::from(*p) * u16::from(255 - c);
            *p = u8::try_from(v / 255).unwrap_or(0);
        }
    }
}

fn draw_qr(px: &mut [u8], w: usize, qr: &QrPlacement) {
    let m = qr.module_px as usize;
    let q = 4 * m;
    for my in 0..qr.matrix.size() {
        for mx in 0..qr.matrix.size() {
            if !qr.matrix.is_dark(mx, my) {
                continue;
            }
            for dy in 0..m {
                let y = qr.y as usize + q + my * m + dy;
                let x0 = qr.x as usize + q + mx * m;
                if let Some(row) = px.get_mut(y * w + x0..y * w + x0 + m) {
                    row.fill(0);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> FaceData {
        FaceData {
            qualification: "注册安全工程师".into(),
            level: "中级".into(),
            specialty: "化工安全".into(),
            holder_name: "张三".into(),
            sex: "男".into(),
            birth: "1990年05月".into(),
            id_number_masked: "1101**********123X".into(),
            management_number: "2026110100001".into(),
            approval_date: "2026年06月30日".into(),
            identifier: "1.2.156.3005.2.11100000000013338W021.11100000000013338W.00001.001.K"
                .into(),
            remarks: String::new(),
            replacement: true,
            issuer: "人力资源和社会保障部".into(),
            qr_text: "CS1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0BGJLFX".into(),
            ..FaceData::default()
        }
    }

    #[test]
    fn replacement_reissue_is_marked_bufa() {
        let mut d = sample();
        assert_eq!(d.remarks_display(), "补发");
        d.remarks = "原证书遗失".into();
        assert_eq!(d.remarks_display(), "补发；原证书遗失");
        d.replacement = false;
        assert_eq!(d.remarks_display(), "原证书遗失");
    }

    #[test]
    fn svg_face_holds_every_field_escaped() {
        let mut d = sample();
        d.issuer = "A&B <x>".into();
        let svg = face_svg(&d).unwrap();
        for s in [
            "专业技术人员职业资格证书",
            "张三",
            "补发",
            "管理号",
            "A&amp;B &lt;x&gt;",
        ] {
            assert!(svg.contains(s), "missing {s}");
        }
    }

    #[test]
    fn missing_font_is_a_typed_error() {
        let r = FaceRenderer::new(&FontSource::Path("/nonexistent/font.ttc".into(), 0));
        assert!(matches!(r, Err(QrError::FontNotFound { tried }) if tried.len() == 1));
    }

    #[test]
    fn garbage_font_is_a_typed_error() {
        let dir = std::env::temp_dir().join(format!("certseal-font-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.ttf");
        std::fs::write(&p, b"not a font").unwrap();
        let r = FaceRenderer::new(&FontSource::Path(p.clone(), 0));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(r, Err(QrError::Font { .. })));
    }

    #[test]
    fn embedded_font_covers_labels_catalogue_and_sample_names() {
        let r = FaceRenderer::new(&FontSource::Embedded).unwrap();
        assert_eq!(r.font_path(), None);
        assert_eq!(r.font_name(), EMBEDDED_FONT_NAME);
        assert_eq!(r.missing_glyphs(&sample()), Vec::<char>::new());
        let mut d = sample();
        d.remarks = "换发；有效期至2031年06月30日；2026年07月01日变更姓名".into();
        d.sex = "未说明的性别".into();
        d.holder_name = "欧阳明珠·阿卜杜拉（补發換發）".into();
        assert_eq!(r.missing_glyphs(&d), Vec::<char>::new());
        for q in crate::model::Catalogue::builtin().iter() {
            d.qualification.clone_from(&q.name);
            for l in &q.levels {
                d.level.clone_from(&l.name);
                assert_eq!(r.check_glyphs(&d).ok(), Some(()), "{}", l.name);
            }
            for s in &q.specialties {
                d.specialty.clone_from(&s.name);
                assert_eq!(r.check_glyphs(&d).ok(), Some(()), "{}", s.name);
            }
        }
        // Every character of the sample records (holder names included).
        d.holder_name = include_str!("../../data/sample-records.json")
            .chars()
            .filter(|c| !c.is_ascii())
            .collect();
        for c in d.holder_name.chars() {
            assert!(!matches!(r.draw_of(c), Draw::Missing), "{c:?}");
        }
    }

    #[test]
    fn missing_glyph_is_drawn_as_a_box_and_reported() {
        let r = FaceRenderer::new(&FontSource::Embedded).unwrap();
        let mut d = sample();
        // U+20BB7 (CJK extension B) is in no WenQuanYi font.
        d.holder_name = "\u{20BB7}".into();
        assert_eq!(r.missing_glyphs(&d), vec!['\u{20BB7}']);
        assert!(matches!(
            r.check_glyphs(&d),
            Err(QrError::MissingGlyph { ref chars, .. }) if chars == &['\u{20BB7}']
        ));
        let (w, _, px) = r.render_luma(&d).unwrap();
        let w = w as usize;
        // The box: 22 px em at (VALUE_X, ROW_Y0): dark outline, white inside.
        let at = |x: i32, y: i32| px[y as usize * w + x as usize];
        let (x0, y1) = (VALUE_X + 2, ROW_Y0 + 2);
        let (x1, y0) = (VALUE_X + 22 - 2, ROW_Y0 + 2 - 19);
        assert_eq!(at(x0, (y0 + y1) / 2), 0, "left edge");
        assert_eq!(at(x1 - 1, (y0 + y1) / 2), 0, "right edge");
        assert_eq!(at((x0 + x1) / 2, y0), 0, "top edge");
        assert_eq!(at((x0 + x1) / 2, y1 - 1), 0, "bottom edge");
        assert_eq!(at((x0 + x1) / 2, (y0 + y1) / 2), 255, "hollow");
    }

    #[test]
    fn control_characters_draw_nothing() {
        let r = FaceRenderer::new(&FontSource::Embedded).unwrap();
        let mut d = sample();
        d.holder_name = "张\u{7}三".into();
        assert_eq!(r.missing_glyphs(&d), Vec::<char>::new());
        let with = r.render_luma(&d).unwrap();
        d.holder_name = "张三".into();
        assert_eq!(with, r.render_luma(&d).unwrap());
    }

    #[test]
    fn long_values_wrap_and_cut() {
        let measure = |s: &str, size: f32| s.chars().count() as f32 * size;
        let parts = wrap(&"字".repeat(50), 10.0, 100.0, 2, &measure);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].chars().count(), 10);
        assert!(parts[1].ends_with('…'));
    }
}
