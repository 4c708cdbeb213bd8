//! Upright crops of boxes, taken through the page transform (so a page upside down or a little turned reads the
//! same), and the ink inside them.

use crate::forms::page::Rect;
use crate::intake::geometry::Affine;
use crate::raster::{Connectivity, pieces, sample};
use image::GrayImage;

/// Resamples the part of the page under `rect` (mm, moved by `shift` mm) upright at `px_per_mm`.
pub fn crop(
    img: &GrayImage,
    t: &Affine,
    rect: &Rect,
    shift: (f64, f64),
    px_per_mm: f64,
) -> GrayImage {
    let w = (f64::from(rect.w) * px_per_mm).round().max(1.0) as u32;
    let h = (f64::from(rect.h) * px_per_mm).round().max(1.0) as u32;
    let (x0, y0) = (f64::from(rect.x) + shift.0, f64::from(rect.y) + shift.1);
    let mut out = Vec::with_capacity((w * h) as usize);
    // Walk the page in mm steps of one output pixel; the affine's linear part gives the pixel step per axis.
    let (sx, sy) = (1.0 / px_per_mm, 1.0 / px_per_mm);
    let (dxx, dxy) = (t.a * sx, t.d * sx);
    let (dyx, dyy) = (t.b * sy, t.e * sy);
    let (ox, oy) = t.apply(x0 + sx / 2.0, y0 + sy / 2.0);
    for j in 0..h {
        let (rx, ry) = (ox + dyx * f64::from(j), oy + dyy * f64::from(j));
        for i in 0..w {
            out.push(sample(
                img,
                rx + dxx * f64::from(i),
                ry + dxy * f64::from(i),
            ));
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_default()
}

/// The share of the crop that is ink: pixels darker than half the paper level with at least two dark
/// neighbours, so that scanner noise and fax speckles do not count as writing.
pub fn ink(crop: &GrayImage, paper: u8) -> f32 {
    ink_below(crop, (f32::from(paper.max(96)) * 0.55) as u8)
}

/// The share of the crop darker than `threshold`, specks left out as in [`ink`].
pub fn ink_below(crop: &GrayImage, threshold: u8) -> f32 {
    let (w, h) = (crop.width() as usize, crop.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let p = crop.as_raw();
    let dark = |x: usize, y: usize| p[y * w + x] < threshold;
    let mut count = 0usize;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            if dark(x, y) {
                // Two dark neighbours of eight: drops specks, keeps a one-pixel diagonal stroke (a tick on a
                // bilevel fax page has no 4-connected neighbours).
                let n = [
                    (x - 1, y - 1),
                    (x, y - 1),
                    (x + 1, y - 1),
                    (x - 1, y),
                    (x + 1, y),
                    (x - 1, y + 1),
                    (x, y + 1),
                    (x + 1, y + 1),
                ]
                .iter()
                .filter(|&&(nx, ny)| dark(nx, ny))
                .count();
                if n >= 2 {
                    count += 1;
                }
            }
        }
    }
    count as f32 / ((w - 2) * (h - 2)) as f32
}

/// The ink share of each of the 3 x 3 parts of a crop, row by row, pixels darker than `level` counting as ink.
/// A box filled in to take a tick back is inked in every ninth; a cross, however heavy, leaves the middle of
/// each side nearly white, a check several ninths.
pub fn ninths(crop: &GrayImage, level: u8) -> [f32; 9] {
    let (w, h) = (crop.width(), crop.height());
    let mut out = [0.0; 9];
    if w < 9 || h < 9 {
        return out;
    }
    for j in 0..3 {
        for i in 0..3 {
            let (x0, y0) = (w * i / 3, h * j / 3);
            let (x1, y1) = (w * (i + 1) / 3, h * (j + 1) / 3);
            let part = image::imageops::crop_imm(crop, x0, y0, x1 - x0, y1 - y0).to_image();
            out[(j * 3 + i) as usize] = ink_below(&part, level);
        }
    }
    out
}

/// Bounding box (x, y, w, h) of the ink in a crop, or None when it is blank.
pub fn ink_bounds(crop: &GrayImage, paper: u8) -> Option<(u32, u32, u32, u32)> {
    let threshold = (f32::from(paper.max(96)) * 0.55) as u8;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in crop.enumerate_pixels() {
        if p[0] < threshold {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    (x0 <= x1).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

/// Shrinks a box by `by` mm on every side: the interior, away from the printed outline.
pub fn inset(rect: &Rect, by: f32) -> Rect {
    Rect::new(
        rect.x + by,
        rect.y + by,
        (rect.w - 2.0 * by).max(0.5),
        (rect.h - 2.0 * by).max(0.5),
    )
}

/// The largest extent (width or height, in pixels) of any connected piece of ink in the crop. A written
/// character, even a hyphen, has a stroke at least a millimetre long; scanner specks and fax noise do not.
pub fn longest_stroke(crop: &GrayImage, paper: u8) -> u32 {
    longest_stroke_below(crop, (f32::from(paper.max(96)) * 0.55) as u8)
}

/// As [`longest_stroke`], for pixels darker than `threshold`.
pub fn longest_stroke_below(crop: &GrayImage, threshold: u8) -> u32 {
    let (w, h) = (crop.width() as usize, crop.height() as usize);
    let p = crop.as_raw();
    pieces(w, h, Connectivity::Four, |x, y| p[y * w + x] < threshold)
        .pieces
        .iter()
        .map(|piece| piece.width().max(piece.height()) as u32)
        .max()
        .unwrap_or(0)
}
