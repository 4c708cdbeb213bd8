//! Digits written by real people (`data/handwriting/`, MNIST format), cut into a training part and a validation
//! part that training never sees, and written into a cell the way our generated writing is: the grey 28 x 28
//! digit is enlarged to the size the writer chose, its strokes made as crisp and as broad as the writer's pen,
//! now and then broken, and handed to the same warp and device models as every other source.
//!
//! The split is by blocks of [`BLOCK`] consecutive digits, every fifth block for validation, so that digits of
//! one writer that sit next to each other in the file do not land on both sides.

use crate::synth::hand::PenStyle;
use crate::synth::stroke::{Coverage, Texture};
use crate::synth::{PxRect, uniform};
use rand::RngExt;
use std::sync::OnceLock;

/// Side of a stored digit image.
pub const SIDE: usize = 28;
/// Consecutive digits kept together on one side of the split.
pub const BLOCK: usize = 50;

/// Which part of the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Validation,
}

impl Split {
    /// The part the `index`-th digit of the file belongs to.
    pub fn of(index: usize) -> Split {
        if (index / BLOCK) % 5 == 2 {
            Split::Validation
        } else {
            Split::Train
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
        }
    }
}

/// The digits, with their labels and the indices of each part by label.
pub struct RealDigits {
    pixels: Vec<u8>,
    labels: Vec<u8>,
    by_label: [[Vec<usize>; 10]; 2],
}

const IMAGES: &[u8] = include_bytes!("../../../data/handwriting/digits-images.idx3-ubyte.gz");
const LABELS: &[u8] = include_bytes!("../../../data/handwriting/digits-labels.idx1-ubyte.gz");

impl RealDigits {
    /// The committed set, parsed once.
    pub fn get() -> &'static RealDigits {
        static SET: OnceLock<RealDigits> = OnceLock::new();
        SET.get_or_init(|| {
            RealDigits::parse(IMAGES, LABELS).expect("data/handwriting holds a valid IDX pair")
        })
    }

    /// Parses gzipped IDX images and labels.
    pub fn parse(images_gz: &[u8], labels_gz: &[u8]) -> Result<RealDigits, String> {
        let images = gunzip(images_gz)?;
        let labels = gunzip(labels_gz)?;
        let be = |b: &[u8], at: usize| -> Result<usize, String> {
            b.get(at..at + 4)
                .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as usize)
                .ok_or_else(|| "IDX header cut short".to_string())
        };
        if be(&images, 0)? != 2051 || be(&labels, 0)? != 2049 {
            return Err("not an IDX image and label pair".into());
        }
        let n = be(&images, 4)?;
        if be(&images, 8)? != SIDE || be(&images, 12)? != SIDE || be(&labels, 4)? != n {
            return Err("IDX sizes do not match".into());
        }
        let pixels = images
            .get(16..16 + n * SIDE * SIDE)
            .ok_or("IDX images cut short")?
            .to_vec();
        let labels = labels.get(8..8 + n).ok_or("IDX labels cut short")?.to_vec();
        if labels.iter().any(|&l| l > 9) {
            return Err("a label outside 0-9".into());
        }
        let mut by_label: [[Vec<usize>; 10]; 2] = Default::default();
        for (i, &l) in labels.iter().enumerate() {
            let part = usize::from(Split::of(i) == Split::Validation);
            by_label[part][usize::from(l)].push(i);
        }
        Ok(RealDigits {
            pixels,
            labels,
            by_label,
        })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * SIDE * SIDE..(i + 1) * SIDE * SIDE]
    }

    /// The indices of one part with one label.
    pub fn indices(&self, split: Split, label: u8) -> &[usize] {
        &self.by_label[usize::from(split == Split::Validation)][usize::from(label)]
    }

    /// All indices of one part, in file order.
    pub fn all(&self, split: Split) -> Vec<usize> {
        (0..self.len()).filter(|&i| Split::of(i) == split).collect()
    }

    /// A random digit `label` of the part.
    pub fn pick<R: rand::Rng + ?Sized>(&self, split: Split, label: u8, rng: &mut R) -> usize {
        let ix = self.indices(split, label);
        ix[rng.random_range(0..ix.len())]
    }
}

/// Inflates a gzip member (RFC 1952) with miniz.
fn gunzip(data: &[u8]) -> Result<Vec<u8>, String> {
    if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err("not a gzip file".into());
    }
    let flags = data[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let xlen = usize::from(u16::from_le_bytes([data[at], data[at + 1]]));
        at += 2 + xlen;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            at += data
                .get(at..)
                .and_then(|d| d.iter().position(|&b| b == 0))
                .ok_or("gzip header cut short")?
                + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    miniz_oxide::inflate::decompress_to_vec(data.get(at..).ok_or("gzip header cut short")?)
        .map_err(|e| format!("gzip: {e:?}"))
}

/// The ink box of a stored digit (pixels above a faint level), as (x0, y0, x1, y1) inclusive.
pub fn ink_box(img: &[u8]) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (SIDE, SIDE, 0, 0);
    for y in 0..SIDE {
        for x in 0..SIDE {
            if img[y * SIDE + x] > 40 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    (x0 <= x1).then_some((x0, y0, x1, y1))
}

/// How a writer's pen turns a grey digit into ink: where the stroke edge lies on the grey ramp (low: broad pen,
/// high: fine pen), how soft that edge is, a broader pen still, and broken strokes.
#[derive(Debug, Clone, Copy)]
pub struct Inking {
    pub level: f32,
    pub softness: f32,
    /// Grey dilation in canvas pixels (a felt-tip).
    pub grow_px: f32,
    /// Gaps cut into the strokes (a pen that skips, a hand lifted).
    pub breaks: usize,
    pub darkness: f32,
}

impl Inking {
    pub fn random<R: rand::Rng + ?Sized>(rng: &mut R, darkness: f32, px_per_mm: f32) -> Inking {
        let r: f32 = rng.random();
        Inking {
            level: uniform(rng, 0.25, 0.75),
            softness: uniform(rng, 0.04, 0.16),
            grow_px: if r < 0.15 {
                uniform(rng, 0.05, 0.2) * px_per_mm
            } else {
                0.0
            },
            breaks: if rng.random::<f32>() < 0.12 {
                rng.random_range(1..=2)
            } else {
                0
            },
            darkness,
        }
    }
}

/// Writes stored digit `img` into `ink` through `map` (glyph units, capital 0..10 high, to canvas pixels), with
/// the digit's ink box scaled to glyph units by `k` from its top-left `origin` (pixels of the stored image).
pub fn draw<R: rand::Rng + ?Sized>(
    ink: &mut Coverage,
    img: &[u8],
    origin: (f32, f32),
    k: f32,
    map: impl Fn((f32, f32)) -> (f32, f32),
    inking: &Inking,
    rng: &mut R,
) {
    // The map is affine: its inverse from three points.
    let o = map((0.0, 0.0));
    let ex = map((1.0, 0.0));
    let ey = map((0.0, 1.0));
    let (a, b) = (ex.0 - o.0, ey.0 - o.0);
    let (c, d) = (ex.1 - o.1, ey.1 - o.1);
    let det = a * d - b * c;
    if det.abs() < 1e-6 {
        return;
    }
    let inv = |x: f32, y: f32| {
        let (dx, dy) = (x - o.0, y - o.1);
        ((d * dx - b * dy) / det, (-c * dx + a * dy) / det)
    };
    // Canvas window: the stored image's corners, mapped.
    let corners = [
        (0.0, 0.0),
        (SIDE as f32, 0.0),
        (0.0, SIDE as f32),
        (SIDE as f32, SIDE as f32),
    ]
    .map(|(x, y)| map(((x - origin.0) * k, (y - origin.1) * k)));
    // In the window's own pixels (`ink` may be a window of a page, its origin at x0, y0).
    let pad = inking.grow_px.ceil() + 2.0;
    let (ox, oy) = (ink.x0 as f32, ink.y0 as f32);
    let lx = (corners.iter().map(|p| p.0).fold(f32::MAX, f32::min) - pad - ox).max(0.0) as usize;
    let ly = (corners.iter().map(|p| p.1).fold(f32::MAX, f32::min) - pad - oy).max(0.0) as usize;
    let hx = ((corners.iter().map(|p| p.0).fold(f32::MIN, f32::max) + pad - ox).max(0.0) as usize)
        .min(ink.w);
    let hy = ((corners.iter().map(|p| p.1).fold(f32::MIN, f32::max) + pad - oy).max(0.0) as usize)
        .min(ink.h);
    if lx >= hx || ly >= hy {
        return;
    }
    let (ww, wh) = (hx - lx, hy - ly);
    let mut win = vec![0f32; ww * wh];
    let edge0 = inking.level - inking.softness;
    let edge1 = inking.level + inking.softness;
    for j in 0..wh {
        for i in 0..ww {
            let (u, v) = inv(ox + (lx + i) as f32 + 0.5, oy + (ly + j) as f32 + 0.5);
            let (sx, sy) = (u / k + origin.0, v / k + origin.1);
            let g = bicubic(img, sx - 0.5, sy - 0.5) / 255.0;
            let t = ((g - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
            win[j * ww + i] = t * t * (3.0 - 2.0 * t);
        }
    }
    let mut cov = Coverage {
        x0: 0,
        y0: 0,
        w: ww,
        h: wh,
        data: win,
    };
    cov.dilate(inking.grow_px);
    for _ in 0..inking.breaks {
        // A gap across the stroke at a random inked point.
        let inked: Vec<usize> = (0..cov.data.len()).filter(|&i| cov.data[i] > 0.9).collect();
        if inked.is_empty() {
            break;
        }
        let at = inked[rng.random_range(0..inked.len())];
        let (cx, cy) = ((at % ww) as f32, (at / ww) as f32);
        let r = uniform(rng, 0.04, 0.08) * wh as f32;
        for j in 0..wh {
            for i in 0..ww {
                let dd = ((i as f32 - cx).powi(2) + (j as f32 - cy).powi(2)).sqrt();
                if dd < r {
                    cov.data[j * ww + i] *= (dd - r + 1.0).clamp(0.0, 1.0);
                }
            }
        }
    }
    for j in 0..wh {
        for i in 0..ww {
            let v = cov.data[j * ww + i] * inking.darkness;
            let cell = &mut ink.data[(ly + j) * ink.w + lx + i];
            *cell = cell.max(v);
        }
    }
}

/// Writes a real person's digit `c` (of `split`) into a comb box of a page image, sized, slanted and placed by
/// the writer's habits in `style` and inked with the writer's pen, as `synth::hand::draw_char` writes a glyph.
/// Returns false for a character that is not a digit (nothing is drawn).
pub fn draw_in_box<R: rand::Rng + ?Sized>(
    img: &mut image::GrayImage,
    c: char,
    cell_px: PxRect,
    style: &PenStyle,
    split: Split,
    rng: &mut R,
) -> bool {
    if !c.is_ascii_digit() {
        return false;
    }
    let set = RealDigits::get();
    let digit = set.image(set.pick(split, c as u8 - b'0', rng));
    let Some(frame) = glyph_frame(digit) else {
        return false;
    };
    let (_, map) = super::placement::placement(frame.bounds, cell_px, style, rng);
    let px_per_mm = cell_px.h / 8.0;
    let inking = Inking::random(rng, 1.0, px_per_mm);
    let m = 0.3 * cell_px.h;
    let mut cov = Coverage::new(
        cell_px.x - m,
        cell_px.y - m,
        cell_px.right() + m,
        cell_px.bottom() + m,
        2.0,
    );
    draw(&mut cov, digit, frame.origin, frame.k, map, &inking, rng);
    cov.composite(img, style.ink, &Texture::SOLID);
    true
}

/// Catmull-Rom bicubic sample of a stored digit at (x, y) in pixel-centre coordinates; 0 outside.
fn bicubic(img: &[u8], x: f32, y: f32) -> f32 {
    let (xf, yf) = (x.floor(), y.floor());
    let (tx, ty) = (x - xf, y - yf);
    let w = |t: f32| {
        let (t2, t3) = (t * t, t * t * t);
        [
            -0.5 * t3 + t2 - 0.5 * t,
            1.5 * t3 - 2.5 * t2 + 1.0,
            -1.5 * t3 + 2.0 * t2 + 0.5 * t,
            0.5 * t3 - 0.5 * t2,
        ]
    };
    let (wx, wy) = (w(tx), w(ty));
    let (x0, y0) = (xf as i32 - 1, yf as i32 - 1);
    let mut acc = 0.0;
    for (j, wyj) in wy.iter().enumerate() {
        let yy = y0 + j as i32;
        if !(0..SIDE as i32).contains(&yy) {
            continue;
        }
        for (i, wxi) in wx.iter().enumerate() {
            let xx = x0 + i as i32;
            if (0..SIDE as i32).contains(&xx) {
                acc += wxi * wyj * f32::from(img[yy as usize * SIDE + xx as usize]);
            }
        }
    }
    acc.clamp(0.0, 255.0)
}

/// A stored digit in glyph units (capital 0..10 high).
pub struct GlyphFrame {
    /// Glyph units a stored pixel.
    pub k: f32,
    /// The ink box's top-left corner in stored pixels.
    pub origin: (f32, f32),
    /// The ink box in glyph units, for the placement.
    pub bounds: (f32, f32, f32, f32),
}

/// The ink box of a stored digit in glyph units: scale and origin for [`draw`], and bounds for the placement.
pub fn glyph_frame(img: &[u8]) -> Option<GlyphFrame> {
    let (x0, y0, x1, y1) = ink_box(img)?;
    let k = 10.0 / (y1 + 1 - y0) as f32;
    Some(GlyphFrame {
        k,
        origin: (x0 as f32, y0 as f32),
        bounds: (0.0, 0.0, (x1 + 1 - x0) as f32 * k, 10.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_set_parses_and_splits_by_blocks() {
        let set = RealDigits::get();
        assert_eq!(set.len(), 5002);
        let val = set.all(Split::Validation);
        assert!((990..=1010).contains(&val.len()), "{}", val.len());
        for l in 0..10u8 {
            assert!(set.indices(Split::Validation, l).len() > 60);
            assert!(set.indices(Split::Train, l).len() > 300);
        }
        assert_eq!(Split::of(100), Split::Validation);
        assert_eq!(Split::of(149), Split::Validation);
        assert_eq!(Split::of(150), Split::Train);
    }

    #[test]
    fn a_digit_lands_inside_the_canvas() {
        let set = RealDigits::get();
        let img = set.image(0);
        let f = glyph_frame(img).unwrap();
        let mut cv = Coverage::canvas(80, 100);
        let inking = Inking {
            level: 0.4,
            softness: 0.1,
            grow_px: 0.0,
            breaks: 0,
            darkness: 0.9,
        };
        let mut rng = crate::synth::rng(1);
        draw(
            &mut cv,
            img,
            f.origin,
            f.k,
            |p| (20.0 + p.0 * 6.0, 20.0 + p.1 * 6.0),
            &inking,
            &mut rng,
        );
        let inked = cv.data.iter().filter(|&&v| v > 0.5).count();
        assert!(inked > 200, "{inked}");
        assert!(cv.data.iter().all(|&v| v <= 0.9 + 1e-6));
    }
}
