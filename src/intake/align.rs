//! Stage 3: where the form lies in the image. A first transform comes from the QR symbols' corners; the corner
//! marks, found as dark blobs where that transform predicts them, give the least-squares affine map from form
//! millimetres to pixels and its residual, the page's quality figure. Boxes are then re-fitted locally against
//! their printed outlines, since scanners stretch and photocopies scale unevenly.

use super::decode::ScanPage;
use super::geometry::Affine;
use super::identify::{Identified, zone_corners_mm};
use crate::forms::page::{self, Rect};
use image::GrayImage;

#[derive(Debug, Clone)]
pub struct Alignment {
    pub transform: Affine,
    /// Root mean square distance between where the marks are and where the fitted map puts them, in mm.
    pub residual_mm: f64,
    pub marks_found: usize,
    /// The level of white paper around the marks: darkness is measured against it.
    pub paper: u8,
}

/// Above this the page is too distorted to read boxes reliably (a box interior is a few millimetres).
pub const MAX_RESIDUAL_MM: f64 = 1.2;

/// Samples the image at a point, nearest pixel; outside the image reads as white paper.
#[inline]
pub fn sample(img: &GrayImage, x: f64, y: f64) -> u8 {
    let (xi, yi) = (x.round() as i64, y.round() as i64);
    if xi < 0 || yi < 0 || xi >= i64::from(img.width()) || yi >= i64::from(img.height()) {
        return 255;
    }
    img.as_raw()[yi as usize * img.width() as usize + xi as usize]
}

fn coarse(id: &Identified) -> Option<Affine> {
    Affine::fit(&qr_pairs(id))
}

/// Each symbol's four corners: where they are printed (mm) and where they were found (pixels).
fn qr_pairs(id: &Identified) -> Vec<super::geometry::PointPair> {
    // rqrr's corner points lie about one module outside the symbol.
    let module = f64::from(page::QR_SIZE) / 25.0;
    let mut pairs = Vec::new();
    for hit in &id.hits {
        let mm = zone_corners_mm(hit.zone);
        let grow = [
            (-module, -module),
            (module, -module),
            (module, module),
            (-module, module),
        ];
        for i in 0..4 {
            pairs.push(((mm[i].0 + grow[i].0, mm[i].1 + grow[i].1), hit.corners[i]));
        }
    }
    pairs
}

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
    let mut seen = vec![false; ww * wh];
    let expected = side_px * side_px;
    let mut best: Option<(f64, (f64, f64))> = None;
    let mut stack = Vec::new();
    for sy in 0..wh {
        for sx in 0..ww {
            let i = sy * ww + sx;
            if seen[i] || raw[(y0 as usize + sy) * stride + x0 as usize + sx] > threshold {
                continue;
            }
            let (mut n, mut sxs, mut sys) = (0usize, 0f64, 0f64);
            let (mut minx, mut maxx, mut miny, mut maxy) = (sx, sx, sy, sy);
            seen[i] = true;
            stack.push((sx, sy));
            while let Some((cx, cy)) = stack.pop() {
                n += 1;
                sxs += cx as f64;
                sys += cy as f64;
                minx = minx.min(cx);
                maxx = maxx.max(cx);
                miny = miny.min(cy);
                maxy = maxy.max(cy);
                let neighbours = [
                    (cx.wrapping_sub(1), cy),
                    (cx + 1, cy),
                    (cx, cy.wrapping_sub(1)),
                    (cx, cy + 1),
                ];
                for (nx, ny) in neighbours {
                    if nx < ww && ny < wh {
                        let j = ny * ww + nx;
                        if !seen[j]
                            && raw[(y0 as usize + ny) * stride + x0 as usize + nx] <= threshold
                        {
                            seen[j] = true;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            let area = n as f64;
            let (bw, bh) = ((maxx - minx + 1) as f64, (maxy - miny + 1) as f64);
            let squareish = bw / bh > 0.6 && bh / bw > 0.6;
            // A mark is solid; the QR code's finder patterns next to two of the marks are rings (about half
            // their box), so they are never taken for a mark. Pages lie within a few degrees of a quarter turn.
            let solid = area / (bw * bh) > 0.75;
            if area > expected * 0.4 && area < expected * 2.2 && squareish && solid {
                let c = (x0 as f64 + sxs / area, y0 as f64 + sys / area);
                let dist = (c.0 - px).hypot(c.1 - py);
                if best.is_none_or(|(d, _)| dist < d) {
                    best = Some((dist, c));
                }
            }
        }
    }
    best.map(|(_, c)| (c, paper))
}

/// Looks for every corner mark where `t` predicts it, within `reach_mm`.
fn find_marks(
    img: &GrayImage,
    t: &Affine,
    reach_mm: f64,
) -> (Vec<super::geometry::PointPair>, Vec<u8>) {
    let scale = t.scale();
    let mut pairs = Vec::new();
    let mut paper_levels = Vec::new();
    for mark in &page::CORNER_MARKS {
        let (mx, my) = mark.rect.center();
        let (px, py) = t.apply(f64::from(mx), f64::from(my));
        if let Some((c, paper)) = find_mark(
            img,
            px,
            py,
            f64::from(mark.rect.w) * scale,
            reach_mm * scale,
        ) {
            pairs.push(((f64::from(mx), f64::from(my)), c));
            paper_levels.push(paper);
        }
    }
    (pairs, paper_levels)
}

/// The QR corners and the marks found so far in one fit. With one symbol the QR corners alone span 20 mm and
/// place the far side of the page several millimetres off (fax at 98 lines per inch); a mark or two across the
/// page pins it. Marks are exact to a pixel, the symbol's corners to about a module, hence the weight.
fn with_qr(
    qr: &[super::geometry::PointPair],
    marks: &[super::geometry::PointPair],
) -> Option<Affine> {
    let mut pairs = qr.to_vec();
    for _ in 0..4 {
        pairs.extend_from_slice(marks);
    }
    Affine::fit(&pairs)
}

pub fn align(page: &ScanPage, id: &Identified) -> Result<Alignment, String> {
    let first = coarse(id).ok_or("QR-kodens hörn räcker inte för att placera sidan")?;
    locate(page, &first, &qr_pairs(id), 9.0)
}

/// From a first transform, the corner marks within `reach_mm` of where it puts them give the least-squares map.
/// With fewer than three marks (a torn or cut corner) the first transform stands, with no residual.
pub fn refine(page: &ScanPage, first: &Affine, reach_mm: f64) -> Result<Alignment, String> {
    locate(page, first, &[], reach_mm)
}

/// The marks near where `first` puts them, searched again from the marks found (and `qr`, the symbols' corners,
/// when the page was identified by them), then the fitted map and its residual.
fn locate(
    page: &ScanPage,
    first: &Affine,
    qr: &[super::geometry::PointPair],
    reach_mm: f64,
) -> Result<Alignment, String> {
    let first = *first;
    let (mut pairs, mut paper_levels) = find_marks(&page.image, &first, reach_mm);
    // Missing marks: place the page again with the marks that were found and look once more; then wider, since
    // a page placed from one symbol and the marks beside it can be several millimetres off across the page.
    for reach in [9.0, 20.0] {
        if pairs.len() == page::CORNER_MARKS.len() {
            break;
        }
        let better = if pairs.is_empty() {
            Some(first)
        } else {
            with_qr(qr, &pairs)
        };
        if let Some(t) = better {
            let (again, levels) = find_marks(&page.image, &t, reach);
            if again.len() > pairs.len() {
                pairs = again;
                paper_levels = levels;
            }
        }
    }
    let first = if pairs.len() < 3 {
        with_qr(qr, &pairs).unwrap_or(first)
    } else {
        first
    };
    // Three marks fit an affine map exactly, so one wrong blob would go unnoticed: the symbols' corners must
    // agree with the map to within a few modules.
    if pairs.len() == 3
        && !qr.is_empty()
        && Affine::fit(&pairs).is_none_or(|t| t.residual_px(qr) / t.scale() > 3.0)
    {
        pairs.clear();
        paper_levels.clear();
    }
    let marks_found = pairs.len();
    let transform = if marks_found >= 3 {
        Affine::fit(&pairs).ok_or("hörnmarkeringarna ligger på en linje")?
    } else {
        // Too few marks (a torn or cut corner): the symbols' corners place the page, less precisely.
        first
    };
    let residual_mm = if marks_found >= 3 {
        transform.residual_px(&pairs) / transform.scale()
    } else {
        f64::NAN
    };
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
        residual_mm,
        marks_found,
        paper,
    })
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
        let Ok(found) = refine(page, &guess, 20.0) else {
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
