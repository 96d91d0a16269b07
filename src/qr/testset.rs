//! The degraded test set: a deterministic generator of phone-like photos of certseal QR codes.
//!
//! Tests, benches and `examples/gen-degraded.rs` call [`generate`] with a fixed seed; the
//! pictures themselves are never checked in. Every sample is a function of `(seed, kind,
//! index)` alone (a hand-rolled splitmix64/xorshift PRNG, no OS randomness), so any subset is
//! reproducible on its own. Each degraded kind also gets a mild baseline of what every phone
//! photo has (slight tilt, blur and sensor noise) before its own degradation.

use crate::codec::base45::ALPHABET;
use crate::qr::render::{encode_matrix, EcLevel, QrMatrix};
use crate::qr::QrError;

/// The seed the checked-in tests and benches use.
pub const DEFAULT_SEED: u64 = 0x0000_C327_5EA1_2026;

/// Side of the generated photos, in pixels.
pub const PHOTO_SIDE: usize = 1000;

/// A small deterministic PRNG (splitmix64 seeding, xorshift64* stepping).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 1 } else { z })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `[0, n)`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A kind of damage a phone photo suffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Degradation {
    /// A straight render on white, no damage.
    Clean,
    /// Any rotation, 0–360°.
    Rotation,
    /// Strong keystone: the code photographed at a slant.
    Perspective,
    /// Out of focus: Gaussian blur σ 1.2–2.4 px.
    Blur,
    /// Sensor noise σ 18–32 plus 0.5 % salt and pepper.
    Noise,
    /// Heavy JPEG compression, quality 8–25.
    Jpeg,
    /// Ink and paper 30–50 grey levels apart.
    LowContrast,
    /// A brightness gradient down to 30–45 % plus a soft shadow.
    UnevenLight,
    /// 2–4 pixels per module.
    SmallModules,
    /// Crumpled paper: smooth displacement of 0.3–0.6 module over 200–450 px waves, with
    /// fold shading.
    Crumple,
    /// Two different codes in one photo.
    TwoCodes,
}

impl Degradation {
    /// Every kind, in report order.
    pub const ALL: [Degradation; 11] = [
        Degradation::Clean,
        Degradation::Rotation,
        Degradation::Perspective,
        Degradation::Blur,
        Degradation::Noise,
        Degradation::Jpeg,
        Degradation::LowContrast,
        Degradation::UnevenLight,
        Degradation::SmallModules,
        Degradation::Crumple,
        Degradation::TwoCodes,
    ];

    /// A short name for reports and file names.
    pub fn name(self) -> &'static str {
        match self {
            Degradation::Clean => "clean",
            Degradation::Rotation => "rotation",
            Degradation::Perspective => "perspective",
            Degradation::Blur => "blur",
            Degradation::Noise => "noise",
            Degradation::Jpeg => "jpeg",
            Degradation::LowContrast => "low_contrast",
            Degradation::UnevenLight => "uneven_light",
            Degradation::SmallModules => "small_modules",
            Degradation::Crumple => "crumple",
            Degradation::TwoCodes => "two_codes",
        }
    }

    fn tag(self) -> u64 {
        Degradation::ALL
            .iter()
            .position(|&d| d == self)
            .unwrap_or(0) as u64
    }
}

/// One generated photo.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The damage applied.
    pub kind: Degradation,
    /// Index within its kind.
    pub index: usize,
    /// The payloads drawn in the photo (two for [`Degradation::TwoCodes`]).
    pub payloads: Vec<String>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The photo, 8-bit grey, row by row.
    pub grey: Vec<u8>,
}

impl Sample {
    /// The photo as a phone would store it: JPEG at quality 90 (or the damaged JPEG itself
    /// for [`Degradation::Jpeg`], re-encoded losslessly as PNG to keep its artefacts exact).
    pub fn encoded(&self) -> Result<Vec<u8>, QrError> {
        if self.kind == Degradation::Jpeg || self.kind == Degradation::Clean {
            return crate::qr::render::encode_png_luma(self.width, self.height, &self.grey);
        }
        jpeg(self.width, self.height, &self.grey, 90)
    }
}

/// A random certseal-like payload: `CS1:` and 226–246 base45 characters (230–250 in all).
pub fn random_payload(rng: &mut Rng) -> String {
    let n = 226 + rng.below(21);
    let mut s = String::with_capacity(n + 4);
    s.push_str("CS1:");
    for _ in 0..n {
        let c = ALPHABET
            .get(rng.below(ALPHABET.len()))
            .copied()
            .unwrap_or(b'0');
        s.push(char::from(c));
    }
    s
}

/// Generates sample `index` of `kind` from `seed`.
pub fn generate(kind: Degradation, index: usize, seed: u64) -> Result<Sample, QrError> {
    let mut rng = Rng::new(
        seed ^ kind.tag().wrapping_mul(0x1000_0000_01B3) ^ (index as u64).wrapping_mul(0x9E37_79B9),
    );
    let side = PHOTO_SIDE;
    let n_codes = if kind == Degradation::TwoCodes { 2 } else { 1 };
    let mut payloads = Vec::new();
    let mut codes = Vec::new();
    for c in 0..n_codes {
        let p = random_payload(&mut rng);
        let m = encode_matrix(&p, EcLevel::Q)?;
        let quad = place(kind, c, n_codes, m.size(), side, &mut rng);
        payloads.push(p);
        codes.push((m, quad));
    }
    let params = Params::draw(kind, &mut rng);
    let mut grey = draw(&codes, &params, side, &mut rng);
    if params.blur > 0.0 {
        grey = gaussian_blur(&grey, side, side, params.blur);
    }
    if params.noise > 0.0 || params.salt > 0.0 {
        for p in grey.iter_mut() {
            let mut v = f64::from(*p) + params.noise * rng.normal();
            if params.salt > 0.0 && rng.unit() < params.salt {
                v = if rng.unit() < 0.5 { 0.0 } else { 255.0 };
            }
            *p = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    let w = side as u32;
    if let Some(q) = params.jpeg_quality {
        let bytes = jpeg(w, w, &grey, q)?;
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
            .map_err(|e| QrError::Encode(e.to_string()))?;
        grey = img.into_luma8().into_raw();
    }
    Ok(Sample {
        kind,
        index,
        payloads,
        width: w,
        height: w,
        grey,
    })
}

fn jpeg(w: u32, h: u32, grey: &[u8], quality: u8) -> Result<Vec<u8>, QrError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(grey, w, h, image::ExtendedColorType::L8)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    Ok(out)
}

/// Image-space corners (top-left, top-right, bottom-right, bottom-left) of a code's quiet-zone
/// square.
type Quad = [(f64, f64); 4];

fn place(
    kind: Degradation,
    which: usize,
    of: usize,
    size: usize,
    side: usize,
    rng: &mut Rng,
) -> Quad {
    let n = (size + 8) as f64; // modules including a 4-module quiet zone each side
    let side_f = side as f64;
    let module = match kind {
        Degradation::Clean => 7.0,
        Degradation::SmallModules => rng.range(2.0, 4.0),
        Degradation::TwoCodes => rng.range(4.5, 6.0),
        _ => rng.range(5.0, 8.5),
    };
    let half = n * module / 2.0;
    let (cx, cy) = if of == 2 {
        let cx = if which == 0 {
            side_f * 0.27
        } else {
            side_f * 0.73
        };
        (
            cx + rng.range(-10.0, 10.0),
            side_f / 2.0 + rng.range(-150.0, 150.0),
        )
    } else {
        let slack = (side_f / 2.0 - half * 1.25).max(0.0);
        (
            side_f / 2.0 + rng.range(-slack, slack),
            side_f / 2.0 + rng.range(-slack, slack),
        )
    };
    let mut q: Quad = [(-half, -half), (half, -half), (half, half), (-half, half)];
    if kind == Degradation::Clean {
        return q.map(|(x, y)| (x + cx, y + cy));
    }
    if kind == Degradation::Perspective {
        // Foreshorten one edge (the far side) and pull it in: a 30–45° slant.
        let k = rng.range(0.62, 0.8);
        let e = rng.below(4);
        let (a, b) = (e, (e + 1) % 4);
        let (pa, pb) = (q[a], q[b]);
        let mid = ((pa.0 + pb.0) / 2.0, (pa.1 + pb.1) / 2.0);
        let pull = (1.0 - k) * 0.5;
        for (i, p) in [(a, pa), (b, pb)] {
            let x = mid.0 + (p.0 - mid.0) * k;
            let y = mid.1 + (p.1 - mid.1) * k;
            q[i] = (x - mid.0 * pull, y - mid.1 * pull);
        }
    }
    let jitter = if kind == Degradation::Perspective {
        0.04
    } else {
        0.015
    };
    for p in q.iter_mut() {
        p.0 += rng.range(-jitter, jitter) * half * 2.0;
        p.1 += rng.range(-jitter, jitter) * half * 2.0;
    }
    let angle = match kind {
        Degradation::Rotation => rng.range(0.0, 360.0),
        Degradation::SmallModules => rng.range(-3.0, 3.0),
        _ => rng.range(-8.0, 8.0),
    }
    .to_radians();
    let (s, c) = angle.sin_cos();
    q.map(|(x, y)| (cx + x * c - y * s, cy + x * s + y * c))
}

/// Lighting: gradient direction (radians), floor, shadow centre x and y, radius, depth.
type Light = (f64, f64, f64, f64, f64, f64);

/// Crumple: amplitude in modules, and wave components (kx, ky, phase).
type Crumple = (f64, Vec<(f64, f64, f64)>);

struct Params {
    ink: f64,
    paper: f64,
    blur: f64,
    noise: f64,
    salt: f64,
    jpeg_quality: Option<u8>,
    light: Option<Light>,
    crumple: Option<Crumple>,
}

impl Params {
    fn draw(kind: Degradation, rng: &mut Rng) -> Params {
        let clean = kind == Degradation::Clean;
        let mut p = Params {
            ink: if clean { 0.0 } else { rng.range(15.0, 45.0) },
            paper: if clean {
                255.0
            } else {
                rng.range(205.0, 240.0)
            },
            blur: if clean { 0.0 } else { rng.range(0.4, 0.8) },
            noise: if clean { 0.0 } else { rng.range(2.0, 5.0) },
            salt: 0.0,
            jpeg_quality: None,
            light: None,
            crumple: None,
        };
        match kind {
            Degradation::Blur => p.blur = rng.range(1.2, 2.4),
            Degradation::Noise => {
                p.noise = rng.range(18.0, 32.0);
                p.salt = 0.005;
            }
            Degradation::Jpeg => p.jpeg_quality = Some(8 + rng.below(18) as u8),
            Degradation::LowContrast => {
                p.ink = rng.range(110.0, 140.0);
                p.paper = p.ink + rng.range(30.0, 50.0);
            }
            Degradation::UnevenLight => {
                let a = rng.range(0.0, std::f64::consts::TAU);
                let floor = rng.range(0.30, 0.45);
                let sx = rng.range(0.2, 0.8);
                let sy = rng.range(0.2, 0.8);
                let sr = rng.range(0.15, 0.3);
                let depth = rng.range(0.35, 0.55);
                p.light = Some((a, floor, sx, sy, sr, depth));
            }
            Degradation::SmallModules => p.blur = rng.range(0.3, 0.5),
            Degradation::Crumple => {
                let amp = rng.range(0.3, 0.6);
                let comps = (0..4)
                    .map(|_| {
                        let wl = rng.range(200.0, 450.0);
                        let dir = rng.range(0.0, std::f64::consts::TAU);
                        (
                            dir.cos() * std::f64::consts::TAU / wl,
                            dir.sin() * std::f64::consts::TAU / wl,
                            rng.range(0.0, std::f64::consts::TAU),
                        )
                    })
                    .collect();
                p.crumple = Some((amp, comps));
            }
            _ => {}
        }
        p
    }
}

/// Homography mapping the unit square to `q` (Heckbert's closed form), as a 3×3 row-major.
fn square_to_quad(q: &Quad) -> [f64; 9] {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = *q;
    let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
    let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
    let den = dx1 * dy2 - dx2 * dy1;
    let (g, h) = if den.abs() < 1e-12 {
        (0.0, 0.0)
    } else {
        ((dx3 * dy2 - dx2 * dy3) / den, (dx1 * dy3 - dx3 * dy1) / den)
    };
    [
        x1 - x0 + g * x1,
        x3 - x0 + h * x3,
        x0,
        y1 - y0 + g * y1,
        y3 - y0 + h * y3,
        y0,
        g,
        h,
        1.0,
    ]
}

fn invert3(m: &[f64; 9]) -> [f64; 9] {
    let [a, b, c, d, e, f, g, h, i] = *m;
    let co = [
        e * i - f * h,
        c * h - b * i,
        b * f - c * e,
        f * g - d * i,
        a * i - c * g,
        c * d - a * f,
        d * h - e * g,
        b * g - a * h,
        a * e - b * d,
    ];
    let det = a * co[0] + b * co[3] + c * co[6];
    let inv = if det.abs() < 1e-12 { 0.0 } else { 1.0 / det };
    co.map(|v| v * inv)
}

/// Darkness (0–1) of a code at module coordinates `(u, v)` (quiet zone included), bilinear.
fn ink_at(m: &QrMatrix, u: f64, v: f64) -> f64 {
    let (fu, fv) = (u - 4.5, v - 4.5);
    let (x0, y0) = (fu.floor(), fv.floor());
    // Per-axis weights with a ramp of 0.3 module at module edges: square modules, soft edges.
    let edge = |t: f64| ((t - 0.5) / 0.3 + 0.5).clamp(0.0, 1.0);
    let (tx, ty) = (edge(fu - x0), edge(fv - y0));
    let dark = |x: f64, y: f64| -> f64 {
        if x < 0.0 || y < 0.0 {
            return 0.0;
        }
        f64::from(u8::from(m.is_dark(x as usize, y as usize)))
    };
    let a = dark(x0, y0) * (1.0 - tx) + dark(x0 + 1.0, y0) * tx;
    let b = dark(x0, y0 + 1.0) * (1.0 - tx) + dark(x0 + 1.0, y0 + 1.0) * tx;
    a * (1.0 - ty) + b * ty
}

fn draw(codes: &[(QrMatrix, Quad)], p: &Params, side: usize, rng: &mut Rng) -> Vec<u8> {
    let maps: Vec<(&QrMatrix, [f64; 9], f64)> = codes
        .iter()
        .map(|(m, q)| (m, invert3(&square_to_quad(q)), (m.size() + 8) as f64))
        .collect();
    // Paper clutter: rows of "text" dashes, kept off the codes.
    let mut clutter = vec![false; side * side];
    if p.ink > 0.0 {
        let rows = 6 + rng.below(10);
        for _ in 0..rows {
            let y = rng.below(side.saturating_sub(20));
            let mut x = rng.below(200);
            let h = 8 + rng.below(8);
            while x + 30 < side {
                let wdt = 4 + rng.below(14);
                if rng.unit() < 0.8 {
                    for yy in y..(y + h).min(side) {
                        for xx in x..(x + wdt).min(side) {
                            if let Some(c) = clutter.get_mut(yy * side + xx) {
                                *c = true;
                            }
                        }
                    }
                }
                x += wdt + 2 + rng.below(6);
            }
        }
    }
    let clean = p.ink == 0.0 && p.paper == 255.0;
    let mut out = vec![0u8; side * side];
    for (y, row) in out.chunks_exact_mut(side).enumerate() {
        for (x, px) in row.iter_mut().enumerate() {
            let (mut fx, mut fy) = (x as f64 + 0.5, y as f64 + 0.5);
            let mut shade = 1.0;
            if let Some((amp_modules, comps)) = &p.crumple {
                let amp = amp_modules * 6.5;
                let (mut dx, mut dy, mut slope) = (0.0, 0.0, 0.0);
                for (i, (kx, ky, ph)) in comps.iter().enumerate() {
                    let arg = kx * fx + ky * fy + ph;
                    let (s, c) = arg.sin_cos();
                    if i % 2 == 0 {
                        dx += amp / 2.0 * s;
                    } else {
                        dy += amp / 2.0 * s;
                    }
                    slope += c * (kx + ky);
                }
                fx += dx;
                fy += dy;
                shade = (1.0 + 1.5 * slope).clamp(0.85, 1.08);
            }
            let mut ink = 0.0;
            let mut on_code = false;
            for (m, h, n) in &maps {
                let w = h[6] * fx + h[7] * fy + h[8];
                if w.abs() < 1e-12 {
                    continue;
                }
                let u = (h[0] * fx + h[1] * fy + h[2]) / w * n;
                let v = (h[3] * fx + h[4] * fy + h[5]) / w * n;
                if u > -2.0 && v > -2.0 && u < n + 2.0 && v < n + 2.0 {
                    on_code = true;
                    if u >= 0.0 && v >= 0.0 && u < *n && v < *n {
                        ink = ink_at(m, u, v);
                    }
                }
            }
            if !clean && !on_code && clutter.get(y * side + x).copied().unwrap_or(false) {
                ink = 0.85;
            }
            let mut val = p.paper * (1.0 - ink) + p.ink * ink;
            if !clean {
                // Paper grain.
                let grain = ((x * 7 + y * 13) % 17) as f64 / 17.0 - 0.5;
                val += grain * 3.0;
            }
            if let Some((a, floor, sx, sy, sr, depth)) = p.light {
                let (nx, ny) = (x as f64 / side as f64, y as f64 / side as f64);
                let t = ((nx - 0.5) * a.cos() + (ny - 0.5) * a.sin() + 0.71) / 1.42;
                let mut l = floor + (1.0 - floor) * t.clamp(0.0, 1.0);
                let d = ((nx - sx).powi(2) + (ny - sy).powi(2)).sqrt() / sr;
                if d < 1.0 {
                    l *= 1.0 - depth * (1.0 - d * d);
                }
                val *= l;
            }
            val *= shade;
            *px = val.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Separable Gaussian blur, edges clamped.
pub fn gaussian_blur(src: &[u8], w: usize, h: usize, sigma: f64) -> Vec<u8> {
    let r = (sigma * 3.0).ceil() as isize;
    let k: Vec<f64> = (-r..=r)
        .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = k.iter().sum();
    let k: Vec<f64> = k.iter().map(|v| v / sum).collect();
    let clampi = |v: isize, n: usize| -> usize { v.clamp(0, n as isize - 1) as usize };
    let mut tmp = vec![0f64; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let sx = clampi(x as isize + j as isize - r, w);
                acc += kv * f64::from(src.get(y * w + sx).copied().unwrap_or(0));
            }
            if let Some(t) = tmp.get_mut(y * w + x) {
                *t = acc;
            }
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let sy = clampi(y as isize + j as isize - r, h);
                acc += kv * tmp.get(sy * w + x).copied().unwrap_or(0.0);
            }
            if let Some(o) = out.get_mut(y * w + x) {
                *o = acc.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}
