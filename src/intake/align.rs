//! Stage 3: where the form lies in the image. A first transform comes from the QR symbols' corners; the corner
//! marks, found as dark blobs where that transform predicts them, give the least-squares affine map from form
//! millimetres to pixels and its residual, the page's quality figure. Boxes are then re-fitted locally against
//! their printed outlines, since scanners stretch and photocopies scale unevenly.
//!
//! A photo taken at an angle is not affine: the near edge of the sheet comes out longer than the far one. When a
//! homography over the marks and the QR corners fits clearly better than the affine map, the page is read from
//! an image straightened through it ([`straighten`]); flatbed devices keep the affine map.

use super::decode::ScanPage;
use super::geometry::{Affine, Homography, PointPair};
use crate::forms::page::{self, Rect};
use crate::raster::{Connectivity, pieces};
use crate::store::documents::PixelBox;
use image::GrayImage;

#[derive(Debug, Clone)]
pub struct Alignment {
    pub transform: Affine,
    /// The perspective of a photo, when it fits clearly better than `transform`: the page is then read from an
    /// image straightened through it, and `transform` is only a first approximation.
    pub homography: Option<Homography>,
    /// Root mean square distance between where the marks (and, with a homography, the QR corners) are and where
    /// the fitted map puts them, in mm.
    pub residual_mm: f64,
    pub marks_found: usize,
    /// The level of white paper around the marks: darkness is measured against it.
    pub paper: u8,
}

/// Above this the page is too distorted to read boxes reliably (a box interior is a few millimetres).
pub const MAX_RESIDUAL_MM: f64 = 1.2;

pub use crate::raster::sample;

/// Above this affine residual over the marks and the QR corners a homography is considered. The QR corners are
/// less exact than the marks: flatbed scans measure 0.06–0.26 mm here, photos at an angle 0.8–2 mm
/// (`examples/photo_residuals.rs`).
const TRY_HOMOGRAPHY_FROM_MM: f64 = 0.5;
/// The homography is taken when its residual is at most this share of the affine map's over the same points.
const HOMOGRAPHY_GAIN: f64 = 0.5;

/// Finds the dark blob of about `side_px` square nearest to `(px, py)` within `radius_px`. Returns its centroid.
fn find_mark(
    img: &GrayImage,
    px: f64,
    py: f64,
    side_px: f64,
    radius_px: f64,
) -> Option<((f64, f64), u8)> {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let x0 = ((px - radius_px) as i64).clamp(0, w - 1);
    let y0 = ((py - radius_px) as i64).clamp(0, h - 1);
    let x1 = ((px + radius_px) as i64).clamp(0, w - 1);
    let y1 = ((py + radius_px) as i64).clamp(0, h - 1);
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let (ww, wh) = ((x1 - x0 + 1) as usize, (y1 - y0 + 1) as usize);
    let raw = img.as_raw();
    let stride = img.width() as usize;
    let mut hist = [0u32; 256];
    for y in 0..wh {
        let row = &raw[(y0 as usize + y) * stride + x0 as usize..][..ww];
        for &v in row {
            hist[usize::from(v)] += 1;
        }
    }
    // Paper is the bright majority of the window; ink is well below it.
    let total: u32 = hist.iter().sum();
    let mut acc = 0;
    let paper = (0..256).rev().find(|&v| {
        acc += hist[v];
        acc >= total / 5
    })? as u8;
    let threshold = (f64::from(paper) * 0.5) as u8;
    let expected = side_px * side_px;
    let at = |x: usize, y: usize| raw[(y0 as usize + y) * stride + x0 as usize + x] <= threshold;
    let mut best: Option<(f64, (f64, f64))> = None;
    for piece in pieces(ww, wh, Connectivity::Four, at).pieces {
        let area = piece.area as f64;
        // A mark is solid; the QR code's finder patterns next to two of the marks are rings (about half
        // their box), so they are never taken for a mark. Pages lie within a few degrees of a quarter turn.
        // A blob cut by the window's edge is part of something larger (a cut corner's dark background), and
        // may be cut to just the mark's size.
        let whole = piece.x0 > 0 && piece.y0 > 0 && piece.x1 + 1 < ww && piece.y1 + 1 < wh;
        if area > expected * 0.4
            && area < expected * 2.2
            && piece.squarish(0.6)
            && piece.fill() > 0.75
            && whole
        {
            let (cx, cy) = piece.centroid();
            let c = (x0 as f64 + cx, y0 as f64 + cy);
            let dist = (c.0 - px).hypot(c.1 - py);
            if best.is_none_or(|(d, _)| dist < d) {
                best = Some((dist, c));
            }
        }
    }
    best.map(|(_, c)| (c, paper))
}

/// Aligns a page whose QR symbols were found: `qr` are their corners on the form and in the image
/// (`identify::qr::Identified::qr_pairs`), for a first map that the corner marks then refine.
pub fn align(page: &ScanPage, qr: &[PointPair]) -> Result<Alignment, String> {
    let first = Affine::fit(qr).ok_or("QR-kodens hörn räcker inte för att placera sidan")?;
    refine(page, &first, 9.0, qr)
}

/// The page's orientation, 0, 90, 180 or 270 degrees counter-clockwise, as `identify` counts it.
pub fn orientation(t: &Affine) -> u16 {
    // Image y grows downwards: a page turned counter-clockwise on the glass has a negative angle in the image.
    let ccw = (-t.rotation_deg()).rem_euclid(360.0);
    ((ccw / 90.0).round() as u16 % 4) * 90
}

/// A page that nothing identifies (no QR code, no mark larger than the others): each quarter turn is tried on the
/// guess that the sheet fills the image. Three marks fit any turn that finds them exactly, and the small marks
/// are symmetric, so the turns that find marks are told apart by the printed outlines of `boxes` (the boxes of
/// the page the sheet is said to be): under the right map they lie on ink.
pub fn align_unguided(page: &ScanPage, boxes: &[Rect]) -> Result<Alignment, String> {
    let k = f64::from(page.dpi) / 25.4;
    let (cx, cy) = (
        f64::from(page.image.width()) / 2.0,
        f64::from(page.image.height()) / 2.0,
    );
    let (mx, my) = (f64::from(page::PAGE_W) / 2.0, f64::from(page::PAGE_H) / 2.0);
    let mut best: Option<(f64, Alignment)> = None;
    for quarter in 0..4 {
        let (sin, cos) = (f64::from(quarter) * std::f64::consts::FRAC_PI_2).sin_cos();
        let (a, b, d, e) = (k * cos, -k * sin, k * sin, k * cos);
        let guess = Affine {
            a,
            b,
            c: cx - (a * mx + b * my),
            d,
            e,
            f: cy - (d * mx + e * my),
        };
        let Ok(found) = refine(page, &guess, 20.0, &[]) else {
            continue;
        };
        if found.marks_found < 3 {
            continue;
        }
        let score = outline_ink(&page.image, &found.transform, boxes);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, found));
        }
    }
    best.map(|(_, a)| a)
        .ok_or_else(|| "hörnmarkeringarna hittades inte i någon riktning".to_string())
}

/// Mean darkness (0–255) along the outlines of `rects` mapped through `t`.
fn outline_ink(img: &GrayImage, t: &Affine, rects: &[Rect]) -> f64 {
    let points = outline_points(t, rects);
    if points.is_empty() {
        return 0.0;
    }
    let sum: u64 = points
        .iter()
        .map(|&(x, y)| u64::from(255 - sample(img, x, y)))
        .sum();
    sum as f64 / points.len() as f64
}

/// Points about every 0.5 mm along the outlines of `rects`, in pixels.
fn outline_points(t: &Affine, rects: &[Rect]) -> Vec<(f64, f64)> {
    let mut border = Vec::new();
    let step = 0.5;
    for r in rects {
        let (x0, y0, x1, y1) = (
            f64::from(r.x),
            f64::from(r.y),
            f64::from(r.right()),
            f64::from(r.bottom()),
        );
        let nx = ((x1 - x0) / step).ceil().max(1.0) as usize;
        let ny = ((y1 - y0) / step).ceil().max(1.0) as usize;
        for i in 0..=nx {
            let x = x0 + (x1 - x0) * i as f64 / nx as f64;
            border.push(t.apply(x, y0));
            border.push(t.apply(x, y1));
        }
        for j in 1..ny {
            let y = y0 + (y1 - y0) * j as f64 / ny as f64;
            border.push(t.apply(x0, y));
            border.push(t.apply(x1, y));
        }
    }
    border
}

/// From a first transform, the corner marks within `reach_mm` of where it puts them give the least-squares map.
/// With fewer than three marks (a torn or cut corner) the first transform stands, with no residual. `qr` are the
/// QR symbols' corners, when read: with all four marks they let a homography be fitted and judged.
pub fn refine(
    page: &ScanPage,
    first: &Affine,
    reach_mm: f64,
    qr: &[PointPair],
) -> Result<Alignment, String> {
    let (pairs, mut paper_levels) = find_marks(page, first, reach_mm, qr);
    let marks_found = pairs.len();
    let transform = if marks_found >= 3 {
        Affine::fit(&pairs).ok_or("hörnmarkeringarna ligger på en linje")?
    } else {
        // Too few marks (a torn or cut corner, a sheet off the glass): the symbols' corners place the page, less
        // precisely; two marks far apart along one edge still fix the scale and the turn better than they do.
        let mut known = pairs.clone();
        known.extend_from_slice(qr);
        Affine::fit(&known)
            .filter(|_| marks_found == 2)
            .unwrap_or(*first)
    };
    let mut residual_mm = if marks_found >= 3 {
        transform.residual_px(&pairs) / transform.scale()
    } else {
        f64::NAN
    };
    let mut homography = None;
    if marks_found >= 3 && !qr.is_empty() {
        let mut all = pairs.clone();
        all.extend_from_slice(qr);
        if let Some((h, r)) = perspective(&all) {
            homography = Some(h);
            residual_mm = r;
        }
    }
    if residual_mm > MAX_RESIDUAL_MM {
        return Err(format!(
            "sidan är för förvrängd för att läsas (avvikelse {residual_mm:.1} mm vid hörnmarkeringarna)"
        ));
    }
    paper_levels.sort_unstable();
    let paper = paper_levels
        .get(paper_levels.len() / 2)
        .copied()
        .unwrap_or(230);
    Ok(Alignment {
        transform,
        homography,
        residual_mm,
        marks_found,
        paper,
    })
}

/// The homography over `pairs` (marks and QR corners) and its residual in mm, when the affine map leaves a large
/// residual over them and the homography a clearly smaller one. Needs more points than a homography has
/// freedoms, or its residual tells nothing.
pub fn perspective(pairs: &[PointPair]) -> Option<(Homography, f64)> {
    if pairs.len() < 6 {
        return None;
    }
    let affine = Affine::fit(pairs)?;
    let h = Homography::fit(pairs)?;
    let (cx, cy) = (f64::from(page::PAGE_W) / 2.0, f64::from(page::PAGE_H) / 2.0);
    let h_mm = h.residual_px(pairs) / h.scale_at(cx, cy);
    let a_mm = affine.residual_px(pairs) / affine.scale();
    (a_mm > TRY_HOMOGRAPHY_FROM_MM && h_mm <= HOMOGRAPHY_GAIN * a_mm).then_some((h, h_mm))
}

/// The corner marks found within `reach_mm` of where `first` puts them: form mm and image pixels, and the paper
/// level around each.
///
/// A photo's perspective can put the far corners' marks further from where an affine map from the QR corners
/// expects them than `reach_mm`: when marks are missing and `qr` corners are known, the marks found say where to
/// look again.
pub fn find_marks(
    page: &ScanPage,
    first: &Affine,
    reach_mm: f64,
    qr: &[PointPair],
) -> (Vec<PointPair>, Vec<u8>) {
    let scale = first.scale();
    let look = |mark: &page::CornerMark, (px, py): (f64, f64), reach: f64| {
        let (mx, my) = mark.rect.center();
        find_mark(
            &page.image,
            px,
            py,
            f64::from(mark.rect.w) * scale,
            reach * scale,
        )
        .map(|(c, paper)| (((f64::from(mx), f64::from(my)), c), paper))
    };
    let centre = |mark: &page::CornerMark| {
        let (mx, my) = mark.rect.center();
        (f64::from(mx), f64::from(my))
    };
    let mut found: Vec<Option<(PointPair, u8)>> = page::CORNER_MARKS
        .iter()
        .map(|m| {
            let (x, y) = centre(m);
            look(m, first.apply(x, y), reach_mm)
        })
        .collect();
    // Each pass predicts the missing marks from the marks found so far and the QR corners: by a homography once
    // three marks are known, else by an affine map (even one mark across the page fixes the scale far better than
    // one symbol's corners do: at fax resolution a page placed from one symbol is millimetres off at the far edge).
    let mut count = found.iter().flatten().count();
    while (1..4).contains(&count) && !qr.is_empty() {
        let mut known: Vec<PointPair> = found.iter().flatten().map(|(p, _)| *p).collect();
        known.extend_from_slice(qr);
        // An affine map cannot follow the perspective to the far edge (a photo's near edge is up to 6 % larger):
        // its marks are looked for twice as far.
        let homography = if count == 3 {
            Homography::fit(&known)
        } else {
            None
        };
        let affine = Affine::fit(&known);
        if homography.is_none() && affine.is_none() {
            break;
        }
        for (slot, mark) in found.iter_mut().zip(&page::CORNER_MARKS) {
            let (x, y) = centre(mark);
            let at = match (&homography, &affine) {
                (Some(h), _) => (h.apply(x, y), reach_mm),
                (None, Some(a)) => (a.apply(x, y), 2.0 * reach_mm),
                (None, None) => continue,
            };
            if slot.is_none() {
                *slot = look(mark, at.0, at.1);
            }
        }
        let now = found.iter().flatten().count();
        if now == count {
            break;
        }
        count = now;
    }
    found.into_iter().flatten().unzip()
}

/// The page straightened through a homography: upright, at the scale the photo has in its middle, with the
/// alignment that reads it (a plain scale, no rotation) and the map back to the photo's pixels for the crops.
pub fn straighten(page: &ScanPage, al: &Alignment, h: &Homography) -> (ScanPage, Alignment) {
    let (pw, ph) = (f64::from(page::PAGE_W), f64::from(page::PAGE_H));
    let k = h.scale_at(pw / 2.0, ph / 2.0).clamp(2.0, 24.0);
    let (w, hh) = ((pw * k).ceil() as u32, (ph * k).ceil() as u32);
    let src = &page.image;
    let (sw, sh) = (src.width().max(2) as usize, src.height().max(2) as usize);
    if src.width() < 2 || src.height() < 2 {
        return (page.clone(), al.clone());
    }
    let raw = src.as_raw();
    // Bilinear: a photo is blurred already, and nearest-pixel steps would make ink counts jitter.
    let bilinear = |x: f64, y: f64| -> u8 {
        if !(x >= 0.0 && y >= 0.0 && x < (sw - 1) as f64 && y < (sh - 1) as f64) {
            return 255;
        }
        let (xi, yi) = (x as usize, y as usize);
        let (fx, fy) = (x - xi as f64, y - yi as f64);
        let i = yi * sw + xi;
        let top = f64::from(raw[i]) * (1.0 - fx) + f64::from(raw[i + 1]) * fx;
        let bottom = f64::from(raw[i + sw]) * (1.0 - fx) + f64::from(raw[i + sw + 1]) * fx;
        (top * (1.0 - fy) + bottom * fy).round() as u8
    };
    let mut out = Vec::with_capacity(w as usize * hh as usize);
    let m = &h.h;
    for v in 0..hh {
        let y = f64::from(v) / k;
        for u in 0..w {
            let x = f64::from(u) / k;
            let d = m[6] * x + m[7] * y + m[8];
            out.push(bilinear(
                (m[0] * x + m[1] * y + m[2]) / d,
                (m[3] * x + m[4] * y + m[5]) / d,
            ));
        }
    }
    let image = GrayImage::from_raw(w, hh, out).unwrap_or_default();
    let upright = Alignment {
        transform: Affine {
            a: k,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: k,
            f: 0.0,
        },
        homography: None,
        ..al.clone()
    };
    (
        ScanPage {
            index: page.index,
            image,
            dpi: (k * 25.4) as f32,
            bilevel: page.bilevel,
        },
        upright,
    )
}

/// A box in the straightened image (`k` pixels a millimetre) as a box around the same part of the photo.
pub fn unstraighten(b: PixelBox, h: &Homography, k: f64, photo: &GrayImage) -> PixelBox {
    let (x0, y0) = (f64::from(b.x) / k, f64::from(b.y) / k);
    let (x1, y1) = (f64::from(b.x + b.w) / k, f64::from(b.y + b.h) / k);
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)].map(|(x, y)| h.apply(x, y));
    let (w, hh) = (f64::from(photo.width()), f64::from(photo.height()));
    let lo_x = corners
        .iter()
        .map(|c| c.0)
        .fold(f64::MAX, f64::min)
        .clamp(0.0, w);
    let hi_x = corners
        .iter()
        .map(|c| c.0)
        .fold(f64::MIN, f64::max)
        .clamp(0.0, w);
    let lo_y = corners
        .iter()
        .map(|c| c.1)
        .fold(f64::MAX, f64::min)
        .clamp(0.0, hh);
    let hi_y = corners
        .iter()
        .map(|c| c.1)
        .fold(f64::MIN, f64::max)
        .clamp(0.0, hh);
    PixelBox {
        x: lo_x as u32,
        y: lo_y as u32,
        w: (hi_x - lo_x) as u32,
        h: (hi_y - lo_y) as u32,
    }
}

/// Shifts `rect` (mm) by up to ±`reach` mm so that its outline lies on the darkest printed line: the local
/// re-fit of one box or of a row of cells, which move together.
pub fn refit(img: &GrayImage, t: &Affine, rects: &[Rect], reach: f64) -> (f64, f64) {
    let scale = t.scale();
    // Border points in pixels, and the pixel vector of one millimetre along each axis.
    let border = outline_points(t, rects);
    let ux = (t.a, t.d);
    let uy = (t.b, t.e);
    let darkness = |dx: f64, dy: f64| -> u64 {
        let (ox, oy) = (ux.0 * dx + uy.0 * dy, ux.1 * dx + uy.1 * dy);
        border
            .iter()
            .map(|&(x, y)| u64::from(255 - sample(img, x + ox, y + oy)))
            .sum()
    };
    let mut best = (0.0, 0.0, darkness(0.0, 0.0));
    // Coarse then fine: a line is about 0.25 mm wide, so the fine step is a pixel or less.
    let coarse_step = (1.0 / scale).max(0.15) * 2.0;
    let n = (reach / coarse_step).ceil() as i32;
    for i in -n..=n {
        for j in -n..=n {
            let (dx, dy) = (f64::from(i) * coarse_step, f64::from(j) * coarse_step);
            let d = darkness(dx, dy);
            if d > best.2 {
                best = (dx, dy, d);
            }
        }
    }
    let fine = coarse_step / 2.0;
    let (cx, cy) = (best.0, best.1);
    for i in -1..=1 {
        for j in -1..=1 {
            let (dx, dy) = (cx + f64::from(i) * fine, cy + f64::from(j) * fine);
            let d = darkness(dx, dy);
            if d > best.2 {
                best = (dx, dy, d);
            }
        }
    }
    (best.0, best.1)
}
