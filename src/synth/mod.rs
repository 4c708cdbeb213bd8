//! Synthetic test scans: forms rendered, filled in with handwriting-like writing and ticks, and degraded the way
//! scanners, photocopiers and faxes degrade them. Used by tests, benchmarks and classifier training.
//!
//! The steps, each usable on its own:
//! - [`values`]: realistic values for every field of a form (names, personnummer with a right check digit,
//!   dates in the order the form's rules ask, diseases and countries from the reference data), from a seed.
//! - [`hand`]: handwriting-like glyph sources (outline fonts that look handwritten, and the single-stroke Hershey
//!   fonts drawn with a varying pen), one character into one box, and tick marks.
//! - [`fill`]: writes [`values::Values`] into a rasterised page of a printed form, by hand or typed.
//! - [`degrade`]: a scanner, photocopier, fax or phone-camera model: geometry, blur, noise, tone, resolution,
//!   1-bit fax.
//! - [`pack`]: pages into the files scanners write: multi-page PDF (DCT, Flate, CCITT G4), multi-page TIFF
//!   (none, Deflate, LZW, G4), PNG, JPEG.
//! - [`raster`]: a printed form's PDF to page images with Poppler's `pdftoppm`.
//! - [`scenario`]: all of it in one call, with the truth to compare a reader's output with.
//!
//! Everything random is drawn from a seeded generator ([`SynthRng`]), so that a seed gives the same files again
//! (form IDs included when [`scenario::IdMode::Seeded`] is chosen).

pub mod cells;
pub mod degrade;
pub mod fill;
pub mod hand;
pub mod hershey;
pub mod hostile;
pub mod onscreen;
pub mod pack;
pub mod raster;
pub mod scenario;
pub mod sheets;
pub mod stroke;
mod tiff_writer;
pub mod values;

use crate::forms::page::Rect;
use rand::{RngExt, SeedableRng};

/// The generator every step draws from: portable and reproducible across platforms and `rand` releases.
pub type SynthRng = rand::rngs::Xoshiro256PlusPlus;

/// A generator for `seed`.
pub fn rng(seed: u64) -> SynthRng {
    SynthRng::seed_from_u64(seed)
}

/// An independent generator for one part of a job (a document, a page), so that the parts can be made in any
/// order, or in parallel, and still come out the same.
pub fn sub_rng(seed: u64, stream: u64) -> SynthRng {
    SynthRng::seed_from_u64(mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15))))
}

/// SplitMix64's finaliser: spreads nearby seeds far apart.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A rectangle in pixels of a page image (x to the right, y down), fractional.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PxRect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl PxRect {
    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> PxRect {
        PxRect { x, y, w, h }
    }

    /// A rectangle in page millimetres (from the top-left) on an image of the whole page at `dpi`.
    pub fn from_mm(r: &Rect, dpi: f32) -> PxRect {
        let k = dpi / 25.4;
        PxRect::new(r.x * k, r.y * k, r.w * k, r.h * k)
    }

    pub fn center(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    /// The rectangle shrunk by `by` on every side.
    pub fn inset(&self, by: f32) -> PxRect {
        PxRect::new(
            self.x + by,
            self.y + by,
            (self.w - 2.0 * by).max(0.0),
            (self.h - 2.0 * by).max(0.0),
        )
    }
}

/// A standard normal sample (Box–Muller).
pub(crate) fn normal<R: rand::Rng + ?Sized>(rng: &mut R) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// A uniform sample in `[lo, hi]` (returns `lo` when the range is empty).
pub(crate) fn uniform<R: rand::Rng + ?Sized>(rng: &mut R, lo: f32, hi: f32) -> f32 {
    if hi > lo {
        rng.random_range(lo..=hi)
    } else {
        lo
    }
}

/// A4 in millimetres.
pub const A4_MM: (f32, f32) = (210.0, 297.0);

/// The pixel size of a whole A4 page at the given resolution.
pub fn a4_pixels(dpi_x: f32, dpi_y: f32) -> (u32, u32) {
    (
        (A4_MM.0 / 25.4 * dpi_x).round() as u32,
        (A4_MM.1 / 25.4 * dpi_y).round() as u32,
    )
}
