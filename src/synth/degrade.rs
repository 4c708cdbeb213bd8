//! A scanner, photocopier, fax and phone-camera model applied to a page image.
//!
//! The paper is placed on the glass turned by a small angle (or upside down), shifted and scaled, and sampled
//! at the device's resolution, with an area average where the device resolution is lower than the page image's
//! (so a 98 dpi fax line is the average of three 300 dpi lines, not one of them). Then, in order: uneven light
//! (a photo), blur of the optics, tone (paper white, contrast, brightness, gamma), noise (Gaussian, salt and
//! pepper, toner specks), a JPEG round trip (a photo), and for a fax a 1-bit threshold, with or without
//! error-diffusion dithering, and now and then a scan line repeated as a noisy line does.
//!
//! All geometry is done in one resampling pass: rotating the whole page separately would cost several times
//! more. A photo is taken at an angle: its keystone (perspective) makes the map projective, sampled pixel by
//! pixel.

use super::stroke::chance;
use super::{a4_pixels, normal, uniform};
use image::{GrayImage, Luma};
use rand::RngExt;
use serde::Serialize;

/// A page as a device delivered it.
#[derive(Debug, Clone)]
pub struct ScanImage {
    /// Grey; for a bilevel page every pixel is 0 or 255.
    pub image: GrayImage,
    pub dpi_x: f32,
    pub dpi_y: f32,
    pub bilevel: bool,
}

/// A 1-bit conversion.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Binarize {
    /// Grey level below which a pixel turns black.
    pub threshold: u8,
    /// Floyd–Steinberg error diffusion (a fax's photo mode) instead of a plain threshold.
    pub dither: bool,
}

/// Every parameter of one pass through a device. [`Quality::params`] draws them for a preset.
#[derive(Debug, Clone, Serialize)]
pub struct ScanParams {
    pub dpi_x: f32,
    pub dpi_y: f32,
    /// Skew of the paper on the glass, degrees, counter-clockwise.
    pub rotation_deg: f32,
    /// Fed the wrong way round: turned by 180°.
    pub upside_down: bool,
    /// Offset of the paper, millimetres (right, down).
    pub shift_mm: (f32, f32),
    /// Scale of the content (a photocopy enlarges or reduces a little).
    pub scale: f32,
    /// Perspective of a camera held at an angle: how much longer the left edge comes out than the right, and the
    /// top edge than the bottom, as a share (0.04: 4 % longer; negative the other way). Zero for flatbed devices.
    pub keystone: (f32, f32),
    /// Grey level where there is no paper (scanner lid, copier edge, table under a photo).
    pub background: u8,
    /// Grey level of the blank paper in the result.
    pub paper: u8,
    /// Gaussian blur of the optics, sigma in output pixels.
    pub blur: f32,
    pub contrast: f32,
    pub brightness: f32,
    pub gamma: f32,
    /// Gaussian noise, sigma in grey levels.
    pub noise: f32,
    /// Share of pixels turned black or white.
    pub salt_pepper: f32,
    /// Dark toner specks (a photocopier), count per page.
    pub specks: u32,
    /// Uneven light (a photo): the largest relative darkening.
    pub lighting: f32,
    /// JPEG compression and decompression at this quality before anything else sees the image (a photo).
    pub jpeg_roundtrip: Option<u8>,
    pub binarize: Option<Binarize>,
    /// Share of scan lines repeated from the line before (a fax on a noisy line).
    pub line_errors: f32,
}

impl ScanParams {
    /// A perfect device at `dpi`: nothing changes but the resolution.
    pub fn identity(dpi: f32) -> ScanParams {
        ScanParams {
            dpi_x: dpi,
            dpi_y: dpi,
            rotation_deg: 0.0,
            upside_down: false,
            shift_mm: (0.0, 0.0),
            scale: 1.0,
            keystone: (0.0, 0.0),
            background: 255,
            paper: 255,
            blur: 0.0,
            contrast: 1.0,
            brightness: 0.0,
            gamma: 1.0,
            noise: 0.0,
            salt_pepper: 0.0,
            specks: 0,
            lighting: 0.0,
            jpeg_roundtrip: None,
            binarize: None,
            line_errors: 0.0,
        }
    }
}

/// Device presets. Parameters are drawn at random within each preset's ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// A good document scanner at 300 dpi grey: small skew, little noise.
    Clean300,
    /// An office multifunction device at 200 dpi grey: skew up to 3°, shift up to 5 mm.
    Office200,
    /// A photocopy, then scanned: scaled 0.97–1.03, harder contrast, grey paper, toner specks.
    Copy,
    /// A fax in fine mode: 204 x 196 dpi, 1 bit.
    FaxFine,
    /// A fax in normal mode: 204 x 98 dpi, 1 bit.
    FaxNormal,
    /// A phone photo of the page: uneven light, blur, the table around the paper, JPEG.
    Photo,
}

impl Quality {
    pub const ALL: [Quality; 6] = [
        Quality::Clean300,
        Quality::Office200,
        Quality::Copy,
        Quality::FaxFine,
        Quality::FaxNormal,
        Quality::Photo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Quality::Clean300 => "clean300",
            Quality::Office200 => "office200",
            Quality::Copy => "copy",
            Quality::FaxFine => "fax_fine",
            Quality::FaxNormal => "fax_normal",
            Quality::Photo => "photo",
        }
    }

    pub fn from_name(name: &str) -> Option<Quality> {
        Quality::ALL.into_iter().find(|q| q.name() == name)
    }

    /// Whether the preset delivers 1-bit pages.
    pub fn is_bilevel(self) -> bool {
        matches!(self, Quality::FaxFine | Quality::FaxNormal)
    }

    /// Random parameters within the preset's ranges (upright; the caller turns pages upside down).
    pub fn params<R: rand::Rng + ?Sized>(self, rng: &mut R) -> ScanParams {
        let mut p = ScanParams::identity(300.0);
        let skew = |rng: &mut R, sd: f32, max: f32| (sd * normal(rng)).clamp(-max, max);
        let shift = |rng: &mut R, max: f32| {
            (
                (max / 2.0 * normal(rng)).clamp(-max, max),
                (max / 2.0 * normal(rng)).clamp(-max, max),
            )
        };
        match self {
            Quality::Clean300 => {
                p.rotation_deg = skew(rng, 0.4, 1.2);
                p.shift_mm = shift(rng, 2.0);
                p.scale = 1.0 + uniform(rng, -0.002, 0.002);
                p.paper = uniform(rng, 245.0, 255.0) as u8;
                p.blur = uniform(rng, 0.35, 0.6);
                p.contrast = uniform(rng, 1.0, 1.1);
                p.noise = uniform(rng, 1.0, 3.5);
                p.salt_pepper = uniform(rng, 0.0, 1e-5);
            }
            Quality::Office200 => {
                p.dpi_x = 200.0;
                p.dpi_y = 200.0;
                p.rotation_deg = skew(rng, 1.2, 3.0);
                p.shift_mm = shift(rng, 5.0);
                p.scale = 1.0 + uniform(rng, -0.004, 0.004);
                p.background = if chance(rng, 0.7) {
                    255
                } else {
                    uniform(rng, 180.0, 230.0) as u8
                };
                p.paper = uniform(rng, 238.0, 255.0) as u8;
                p.blur = uniform(rng, 0.4, 0.8);
                p.contrast = uniform(rng, 0.95, 1.15);
                p.brightness = uniform(rng, -8.0, 6.0);
                p.noise = uniform(rng, 2.0, 6.0);
                p.salt_pepper = uniform(rng, 1e-5, 1e-4);
            }
            Quality::Copy => {
                let dpi = if chance(rng, 0.5) { 300.0 } else { 200.0 };
                p.dpi_x = dpi;
                p.dpi_y = dpi;
                p.rotation_deg = skew(rng, 1.2, 3.0);
                p.shift_mm = shift(rng, 5.0);
                p.scale = uniform(rng, 0.97, 1.03);
                p.background = if chance(rng, 0.25) {
                    uniform(rng, 20.0, 60.0) as u8
                } else {
                    uniform(rng, 200.0, 245.0) as u8
                };
                p.paper = uniform(rng, 222.0, 245.0) as u8;
                p.blur = uniform(rng, 0.6, 1.1);
                p.contrast = uniform(rng, 1.15, 1.5);
                p.brightness = uniform(rng, -20.0, 0.0);
                p.gamma = uniform(rng, 0.8, 1.0);
                p.noise = uniform(rng, 3.0, 8.0);
                p.salt_pepper = uniform(rng, 5e-5, 4e-4);
                p.specks = rng.random_range(40..400);
            }
            Quality::FaxFine | Quality::FaxNormal => {
                p.dpi_x = 204.0;
                p.dpi_y = if self == Quality::FaxFine {
                    196.0
                } else {
                    98.0
                };
                p.rotation_deg = skew(rng, 1.0, 2.5);
                p.shift_mm = shift(rng, 5.0);
                p.scale = 1.0 + uniform(rng, -0.01, 0.01);
                p.paper = 255;
                p.blur = uniform(rng, 0.4, 0.8);
                p.contrast = uniform(rng, 1.0, 1.2);
                p.noise = uniform(rng, 4.0, 12.0);
                p.salt_pepper = uniform(rng, 2e-5, 2e-4);
                // Thin lines come out grey after averaging over a tall fax line: a fax darkens to keep them.
                let (lo, hi) = if self == Quality::FaxNormal {
                    (165.0, 200.0)
                } else {
                    (140.0, 185.0)
                };
                p.binarize = Some(Binarize {
                    threshold: uniform(rng, lo, hi) as u8,
                    dither: chance(rng, 0.2),
                });
                p.line_errors = if chance(rng, 0.3) {
                    uniform(rng, 0.0005, 0.003)
                } else {
                    0.0
                };
            }
            Quality::Photo => {
                let dpi = uniform(rng, 150.0, 220.0).round();
                p.dpi_x = dpi;
                p.dpi_y = dpi;
                p.rotation_deg = skew(rng, 1.5, 3.0);
                p.shift_mm = shift(rng, 4.0);
                p.scale = uniform(rng, 0.93, 0.98);
                // A phone held a little forward or back, and a little to one side.
                let tilt = uniform(rng, 0.02, 0.06) * if chance(rng, 0.5) { 1.0 } else { -1.0 };
                p.keystone = (uniform(rng, -0.03, 0.03), tilt);
                p.background = uniform(rng, 40.0, 120.0) as u8;
                p.paper = uniform(rng, 200.0, 235.0) as u8;
                p.blur = uniform(rng, 0.7, 1.4);
                p.contrast = uniform(rng, 0.8, 1.0);
                p.brightness = uniform(rng, -10.0, 10.0);
                p.gamma = uniform(rng, 0.9, 1.2);
                p.noise = uniform(rng, 3.0, 8.0);
                p.lighting = uniform(rng, 0.1, 0.35);
                p.jpeg_roundtrip = Some(uniform(rng, 60.0, 85.0) as u8);
            }
        }
        p
    }
}

/// Passes `page` (a whole A4 page at `dpi`, white paper) through the device `p`.
pub fn degrade<R: rand::Rng + ?Sized>(
    page: &GrayImage,
    dpi: f32,
    p: &ScanParams,
    rng: &mut R,
) -> ScanImage {
    let mut img = resample(page, dpi, p, &tone_table(p));
    if p.lighting > 0.0 {
        lighting(&mut img, p.lighting, rng);
    }
    if p.blur >= 0.3 {
        img = blur(&img, p.blur);
    }
    noise(&mut img, p, rng);
    if p.specks > 0 {
        specks(&mut img, p.specks, p.dpi_x / 25.4, rng);
    }
    if let Some(q) = p.jpeg_roundtrip {
        img = jpeg_roundtrip(&img, q);
    }
    let bilevel = match p.binarize {
        Some(b) => {
            binarize(&mut img, b);
            if p.line_errors > 0.0 {
                line_errors(&mut img, p.line_errors, rng);
            }
            true
        }
        None => false,
    };
    ScanImage {
        image: img,
        dpi_x: p.dpi_x,
        dpi_y: p.dpi_y,
        bilevel,
    }
}

/// Places the paper and samples it at the device's resolution, averaging over each output pixel's footprint.
/// Every value goes through `tone` (paper grey, contrast, brightness, gamma) on its way out; the optics' blur
/// comes after, which differs from blurring first by too little to see.
/// Fixed point: coordinates with 8 fractional bits, bilinear weights of 8 bits.
fn resample(src: &GrayImage, src_dpi: f32, p: &ScanParams, tone: &[u8; 256]) -> GrayImage {
    let (w, h) = a4_pixels(p.dpi_x, p.dpi_y);
    let ks = src_dpi / 25.4;
    let (kx, ky) = (p.dpi_x / 25.4, p.dpi_y / 25.4);
    let (cx, cy) = (super::A4_MM.0 / 2.0, super::A4_MM.1 / 2.0);
    let theta = p.rotation_deg.to_radians()
        + if p.upside_down {
            std::f32::consts::PI
        } else {
            0.0
        };
    let (s, c) = theta.sin_cos();
    let scale = p.scale.max(0.5);
    // The camera's perspective, centred on the image: a point (x, y) mm from the centre comes out at
    // (x, y) / (1 + gx·x + gy·y), which makes the left edge longer than the right by about gx·width (gx > 0).
    // Its inverse has the same form with the signs turned: x = x' / (1 - gx·x' - gy·y').
    let (gx, gy) = (p.keystone.0 / super::A4_MM.0, p.keystone.1 / super::A4_MM.1);
    let projective = gx != 0.0 || gy != 0.0;
    // Output pixel (u, v) -> source pixel.
    let map = |u: f32, v: f32| -> (f32, f32) {
        let (mut x, mut y) = ((u + 0.5) / kx - cx, (v + 0.5) / ky - cy);
        if projective {
            let w = 1.0 - gx * x - gy * y;
            x /= w;
            y /= w;
        }
        let (x, y) = (x - p.shift_mm.0, y - p.shift_mm.1);
        // The paper was turned by theta: undo it.
        let qx = (c * x - s * y) / scale;
        let qy = (s * x + c * y) / scale;
        ((qx + cx) * ks - 0.5, (qy + cy) * ks - 0.5)
    };
    let o = map(0.0, 0.0);
    let du = {
        let a = map(1.0, 0.0);
        (a.0 - o.0, a.1 - o.1)
    };
    let dv = {
        let a = map(0.0, 1.0);
        (a.0 - o.0, a.1 - o.1)
    };
    // Bilinear sampling alone is enough down to half the resolution (every printed line stays at least two
    // source pixels wide); below that, average several samples per output pixel.
    let samples = |ratio: f32| {
        if ratio > 2.05 {
            ratio.ceil().min(4.0) as usize
        } else {
            1
        }
    };
    let nx = samples(ks / kx / scale);
    let ny = samples(ks / ky / scale);
    const ONE: f32 = 256.0;
    let mut subs: Vec<(i32, i32)> = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let fu = (i as f32 + 0.5) / nx as f32 - 0.5;
            let fv = (j as f32 + 0.5) / ny as f32 - 0.5;
            subs.push((
                ((du.0 * fu + dv.0 * fv) * ONE).round() as i32,
                ((du.1 * fu + dv.1 * fv) * ONE).round() as i32,
            ));
        }
    }
    let count = subs.len() as u32;
    // Where there is no paper; in the page's tone, so that the paper curve applied later gives `background`.
    let bg = (f32::from(p.background) * 255.0 / f32::from(p.paper.max(1))).min(255.0) as u32;
    let (sw, sh) = (src.width() as i32, src.height() as i32);
    let data = src.as_raw();
    let sample = |xf: i32, yf: i32| -> u32 {
        let (ix, iy) = (xf >> 8, yf >> 8);
        let (ax, ay) = ((xf & 255) as u32, (yf & 255) as u32);
        let (p00, p10, p01, p11) = if ix >= 0 && iy >= 0 && ix + 1 < sw && iy + 1 < sh {
            let i = (iy * sw + ix) as usize;
            let j = i + sw as usize;
            (
                u32::from(data[i]),
                u32::from(data[i + 1]),
                u32::from(data[j]),
                u32::from(data[j + 1]),
            )
        } else {
            let f = |x: i32, y: i32| {
                if x < 0 || y < 0 || x >= sw || y >= sh {
                    bg
                } else {
                    u32::from(data[(y * sw + x) as usize])
                }
            };
            (f(ix, iy), f(ix + 1, iy), f(ix, iy + 1), f(ix + 1, iy + 1))
        };
        let top = p00 * (256 - ax) + p10 * ax;
        let bottom = p01 * (256 - ax) + p11 * ax;
        top * (256 - ay) + bottom * ay
    };
    let (dux, duy) = ((du.0 * ONE).round() as i32, (du.1 * ONE).round() as i32);
    let margin = subs
        .iter()
        .map(|&(ox, oy)| ox.abs().max(oy.abs()))
        .max()
        .unwrap_or(0);
    let inside = |x: i32, y: i32| {
        x - margin >= 0
            && y - margin >= 0
            && ((x + margin) >> 8) + 1 < sw
            && ((y + margin) >> 8) + 1 < sh
    };
    let mut out = vec![0u8; (w * h) as usize];
    if projective {
        // Pixel by pixel: the steps along a row are not constant. The sub-samples keep the offsets of the image
        // centre, which differ from the true local ones by the keystone's few per cent.
        let half = count << 15;
        for (v, row) in out.chunks_exact_mut(w as usize).enumerate() {
            for (u, px) in row.iter_mut().enumerate() {
                let (sx, sy) = map(u as f32, v as f32);
                let (x, y) = ((sx * ONE).round() as i32, (sy * ONE).round() as i32);
                let acc: u32 = subs.iter().map(|&(ox, oy)| sample(x + ox, y + oy)).sum();
                *px = tone[((acc + half) / (count << 16)) as usize];
            }
        }
        return GrayImage::from_raw(w, h, out).expect("buffer of the right size");
    }
    for v in 0..h {
        let row = &mut out[(v * w) as usize..((v + 1) * w) as usize];
        // Row start in fixed point, computed in floating point for each row so that errors do not add up.
        let bx = ((o.0 + dv.0 * v as f32) * ONE).round() as i32;
        let by = ((o.1 + dv.1 * v as f32) * ONE).round() as i32;
        let (ex, ey) = (bx + dux * (w as i32 - 1), by + duy * (w as i32 - 1));
        let fast = |x: i32, y: i32| -> u32 {
            let (ix, iy) = ((x >> 8) as usize, (y >> 8) as usize);
            let (ax, ay) = ((x & 255) as u32, (y & 255) as u32);
            let i = iy * sw as usize + ix;
            let j = i + sw as usize;
            let top = u32::from(data[i]) * (256 - ax) + u32::from(data[i + 1]) * ax;
            let bottom = u32::from(data[j]) * (256 - ax) + u32::from(data[j + 1]) * ax;
            top * (256 - ay) + bottom * ay
        };
        let whole_row = inside(bx, by) && inside(ex, ey);
        let (mut x, mut y) = (bx, by);
        if count == 1 {
            for px in row.iter_mut() {
                let v = if whole_row { fast(x, y) } else { sample(x, y) };
                *px = tone[((v + 32768) >> 16) as usize];
                x += dux;
                y += duy;
            }
        } else {
            let half = count << 15;
            for px in row.iter_mut() {
                let mut acc = 0u32;
                if whole_row {
                    for &(ox, oy) in &subs {
                        acc += fast(x + ox, y + oy);
                    }
                } else {
                    for &(ox, oy) in &subs {
                        acc += sample(x + ox, y + oy);
                    }
                }
                *px = tone[((acc + half) / (count << 16)) as usize];
                x += dux;
                y += duy;
            }
        }
    }
    GrayImage::from_raw(w, h, out).expect("buffer of the right size")
}

/// Darkens towards a random side and the corners, as light falls on a photographed page.
fn lighting<R: rand::Rng + ?Sized>(img: &mut GrayImage, amount: f32, rng: &mut R) {
    let (w, h) = img.dimensions();
    let gx = uniform(rng, -1.0, 1.0);
    let gy = uniform(rng, -1.0, 1.0);
    let fx: Vec<f32> = (0..w)
        .map(|x| {
            let t = x as f32 / w as f32 * 2.0 - 1.0;
            1.0 - amount * (0.5 * (gx * t).max(0.0) + 0.25 * t * t)
        })
        .collect();
    let fy: Vec<f32> = (0..h)
        .map(|y| {
            let t = y as f32 / h as f32 * 2.0 - 1.0;
            1.0 - amount * (0.5 * (gy * t).max(0.0) + 0.25 * t * t)
        })
        .collect();
    for (y, row) in img.chunks_exact_mut(w as usize).enumerate() {
        let ky = fy[y];
        for (x, px) in row.iter_mut().enumerate() {
            *px = (f32::from(*px) * fx[x] * ky).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Separable Gaussian blur, integer weights summing to 256.
fn blur(img: &GrayImage, sigma: f32) -> GrayImage {
    let r = (sigma * 2.5).ceil().max(1.0) as usize;
    let raw: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let d = i as f32 - r as f32;
            (-(d * d) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f32 = raw.iter().sum();
    let mut kernel: Vec<u32> = raw
        .iter()
        .map(|k| (k / sum * 256.0).round() as u32)
        .collect();
    // Make the weights sum to exactly 256, so that flat areas keep their value.
    let total: u32 = kernel.iter().sum();
    kernel[r] = (kernel[r] + 256).saturating_sub(total);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    // Horizontal pass: shifted rows added up, which the compiler vectorises.
    let mut tmp = vec![0u8; w * h];
    let mut padded = vec![0u8; w + 2 * r];
    let mut acc = vec![0u32; w];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        padded[r..r + w].copy_from_slice(row);
        let (first, last) = (row[0], row[w - 1]);
        padded[..r].fill(first);
        padded[r + w..].fill(last);
        acc.fill(128);
        for (k, &kv) in kernel.iter().enumerate() {
            for (a, &v) in acc.iter_mut().zip(&padded[k..k + w]) {
                *a += u32::from(v) * kv;
            }
        }
        for (o, a) in tmp[y * w..(y + 1) * w].iter_mut().zip(&acc) {
            *o = (a >> 8) as u8;
        }
    }
    // Vertical pass, row by row so that the inner loop runs along memory.
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        acc.fill(128);
        for (k, &kv) in kernel.iter().enumerate() {
            let sy = (y + k).saturating_sub(r).min(h - 1);
            let src_row = &tmp[sy * w..(sy + 1) * w];
            for (a, &s) in acc.iter_mut().zip(src_row) {
                *a += u32::from(s) * kv;
            }
        }
        for (d, a) in out[y * w..(y + 1) * w].iter_mut().zip(&acc) {
            *d = (a >> 8) as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("buffer of the right size")
}

/// Paper grey, gamma, contrast and brightness in one table.
pub fn tone_table(p: &ScanParams) -> [u8; 256] {
    let paper = f32::from(p.paper) / 255.0;
    let mut lut = [0u8; 256];
    for (v, out) in lut.iter_mut().enumerate() {
        let x = (v as f32 * paper / 255.0).powf(p.gamma) * 255.0;
        *out = ((x - 128.0) * p.contrast + 128.0 + p.brightness)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
    lut
}

/// Noise from a tile of normal samples, read from a random place on every row: a per-pixel draw would dominate
/// the cost, and the tile is long enough that no pattern shows.
const TILE: usize = 1 << 16;

fn noise<R: rand::Rng + ?Sized>(img: &mut GrayImage, p: &ScanParams, rng: &mut R) {
    if p.noise > 0.05 {
        let tile: Vec<i16> = (0..TILE)
            .map(|_| (normal(rng) * p.noise).round() as i16)
            .collect();
        add_noise(img, &tile, rng);
    }
    salt_pepper(img, p.salt_pepper, rng);
}

fn add_noise<R: rand::Rng + ?Sized>(img: &mut GrayImage, tile: &[i16], rng: &mut R) {
    let w = img.width() as usize;
    for row in img.chunks_exact_mut(w) {
        let start = rng.random_range(0..TILE);
        let mut done = 0;
        while done < row.len() {
            let from = (start + done) % TILE;
            let n = (TILE - from).min(row.len() - done);
            for (px, &nz) in row[done..done + n].iter_mut().zip(&tile[from..from + n]) {
                *px = (i16::from(*px) + nz).clamp(0, 255) as u8;
            }
            done += n;
        }
    }
}

fn salt_pepper<R: rand::Rng + ?Sized>(img: &mut GrayImage, rate: f32, rng: &mut R) {
    if rate > 0.0 {
        let n = (rate * img.len() as f32).round() as usize;
        let (w, h) = img.dimensions();
        for _ in 0..n {
            let x = rng.random_range(0..w);
            let y = rng.random_range(0..h);
            let v = if rng.random_bool(0.5) { 0 } else { 255 };
            img.put_pixel(x, y, Luma([v]));
        }
    }
}

/// Small dark blobs of toner.
fn specks<R: rand::Rng + ?Sized>(img: &mut GrayImage, n: u32, px_per_mm: f32, rng: &mut R) {
    let (w, h) = img.dimensions();
    for _ in 0..n {
        let cx = rng.random_range(0.0..w as f32);
        let cy = rng.random_range(0.0..h as f32);
        let r = uniform(rng, 0.04, 0.2) * px_per_mm;
        let darkness = uniform(rng, 0.3, 1.0);
        let ri = r.ceil() as i32 + 1;
        for dy in -ri..=ri {
            for dx in -ri..=ri {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if x < 0 || y < 0 || x >= w as i32 || y >= h as i32 {
                    continue;
                }
                let d = ((dx * dx + dy * dy) as f32).sqrt();
                let a = (r + 0.5 - d).clamp(0.0, 1.0) * darkness;
                if a > 0.0 {
                    let p = img.get_pixel_mut(x as u32, y as u32);
                    p[0] = (f32::from(p[0]) * (1.0 - a)).round() as u8;
                }
            }
        }
    }
}

pub fn jpeg_roundtrip(img: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    if img.write_with_encoder(encoder).is_err() {
        return img.clone();
    }
    image::load_from_memory(&bytes).map_or_else(|_| img.clone(), |d| d.to_luma8())
}

/// The 1-bit conversion of a fax: a plain threshold or error diffusion.
pub fn binarize(img: &mut GrayImage, b: Binarize) {
    if b.dither {
        dither(img, b.threshold);
    } else {
        threshold(img, b.threshold);
    }
}

fn threshold(img: &mut GrayImage, t: u8) {
    for px in img.iter_mut() {
        *px = if *px < t { 0 } else { 255 };
    }
}

/// Floyd–Steinberg error diffusion. Near-white and near-black are taken as white and black first, as a fax
/// does, so that blank paper stays blank.
fn dither(img: &mut GrayImage, t: u8) {
    for px in img.iter_mut() {
        if *px >= 225 {
            *px = 255;
        } else if *px <= 25 {
            *px = 0;
        }
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut err = vec![0f32; (w + 2) * 2];
    let data: &mut [u8] = img;
    for y in 0..h {
        let (cur, next) = err.split_at_mut(w + 2);
        next.iter_mut().for_each(|e| *e = 0.0);
        for x in 0..w {
            let i = y * w + x;
            let v = f32::from(data[i]) + cur[x + 1];
            let out = if v < f32::from(t) { 0.0 } else { 255.0 };
            data[i] = out as u8;
            let e = v - out;
            cur[x + 2] += e * 7.0 / 16.0;
            next[x] += e * 3.0 / 16.0;
            next[x + 1] += e * 5.0 / 16.0;
            next[x + 2] += e / 16.0;
        }
        let (a, b) = err.split_at_mut(w + 2);
        a.copy_from_slice(b);
    }
}

fn line_errors<R: rand::Rng + ?Sized>(img: &mut GrayImage, rate: f32, rng: &mut R) {
    let w = img.width() as usize;
    let h = img.height() as usize;
    let data: &mut [u8] = img;
    for y in 1..h {
        if chance(rng, rate) {
            data.copy_within((y - 1) * w..y * w, y * w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keeps_the_page() {
        let mut page = GrayImage::from_pixel(2480, 3508, Luma([255]));
        for y in 1000..1100 {
            for x in 500..700 {
                page.put_pixel(x, y, Luma([0]));
            }
        }
        let mut rng = super::super::rng(1);
        let out = degrade(&page, 300.0, &ScanParams::identity(300.0), &mut rng);
        assert_eq!(out.image.dimensions(), (2480, 3508));
        assert_eq!(out.image.get_pixel(600, 1050)[0], 0);
        assert_eq!(out.image.get_pixel(100, 100)[0], 255);
    }

    #[test]
    fn keystone_makes_the_top_edge_longer() {
        // Two bars of equal length near the top and the bottom of the page.
        let mut page = GrayImage::from_pixel(2480, 3508, Luma([255]));
        for (y0, y1) in [(300, 340), (3168, 3208)] {
            for y in y0..y1 {
                for x in 240..2240 {
                    page.put_pixel(x, y, Luma([0]));
                }
            }
        }
        let mut p = ScanParams::identity(300.0);
        p.keystone = (0.0, 0.05);
        let out = degrade(&page, 300.0, &p, &mut super::super::rng(1));
        // The bars move too (the page is magnified towards its top): take the longest dark row in each half.
        let length = |y: u32| {
            (0..out.image.width())
                .filter(|&x| out.image.get_pixel(x, y)[0] < 128)
                .count() as f32
        };
        let longest = |ys: std::ops::Range<u32>| ys.map(length).fold(0.0, f32::max);
        let (top, bottom) = (longest(200..500), longest(3000..3300));
        let ratio = top / bottom;
        assert!(
            (1.035..1.065).contains(&ratio),
            "{top} / {bottom} = {ratio}"
        );
    }

    #[test]
    fn upside_down_turns_the_page() {
        let mut page = GrayImage::from_pixel(2480, 3508, Luma([255]));
        for y in 100..200 {
            for x in 100..200 {
                page.put_pixel(x, y, Luma([0]));
            }
        }
        let mut p = ScanParams::identity(300.0);
        p.upside_down = true;
        let out = degrade(&page, 300.0, &p, &mut super::super::rng(1));
        assert_eq!(out.image.get_pixel(2480 - 150, 3508 - 150)[0], 0);
        assert_eq!(out.image.get_pixel(150, 150)[0], 255);
    }
}
