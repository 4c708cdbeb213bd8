//! The corner marks alone place a page: four solid squares near the image's corners, the printed top-left one
//! the largest, which tells which way up the sheet lies. Used when no QR code can be read, by the grid and text
//! strategies, and to align a page a person places by hand.

use crate::forms::page::{self, Corner};
use crate::intake::align::{self, Alignment};
use crate::intake::decode::ScanPage;
use crate::intake::geometry::Affine;
use crate::raster::{Connectivity, pieces};
use image::GrayImage;

/// A dark, solid, squarish blob: centre and side in pixels.
#[derive(Debug, Clone, Copy)]
struct Blob {
    cx: f64,
    cy: f64,
    side: f64,
}

fn blobs_in(
    img: &GrayImage,
    x0: u32,
    y0: u32,
    w: u32,
    h: u32,
    min_side: f64,
    max_side: f64,
) -> Vec<Blob> {
    let threshold = 110u8;
    let stride = img.width() as usize;
    let raw = img.as_raw();
    let at = |x: usize, y: usize| raw[(y0 as usize + y) * stride + x0 as usize + x] <= threshold;
    pieces(w as usize, h as usize, Connectivity::Four, at)
        .pieces
        .into_iter()
        .filter_map(|p| {
            let side = (p.area as f64).sqrt();
            let (cx, cy) = p.centroid();
            (side >= min_side && side <= max_side && p.squarish(0.6) && p.fill() > 0.6).then_some(
                Blob {
                    cx: f64::from(x0) + cx,
                    cy: f64::from(y0) + cy,
                    side,
                },
            )
        })
        .collect()
}

/// Places the page by its corner marks alone. Returns the map from form millimetres to pixels.
pub fn place_by_marks(page: &ScanPage) -> Option<Affine> {
    let img = &page.image;
    let px_mm = f64::from(page.dpi) / 25.4;
    let win = ((35.0 * px_mm) as u32)
        .min(img.width() / 2)
        .min(img.height() / 2);
    let (w, h) = img.dimensions();
    // Image corners in the order top-left, top-right, bottom-right, bottom-left.
    let windows = [(0, 0), (w - win, 0), (w - win, h - win), (0, h - win)];
    let corners = [
        (0.0, 0.0),
        (f64::from(w), 0.0),
        (f64::from(w), f64::from(h)),
        (0.0, f64::from(h)),
    ];
    let mut found = Vec::new();
    for (i, &(x, y)) in windows.iter().enumerate() {
        let blobs = blobs_in(img, x, y, win, win, 3.5 * px_mm, 10.0 * px_mm);
        let nearest = blobs.into_iter().min_by(|a, b| {
            let da = (a.cx - corners[i].0).hypot(a.cy - corners[i].1);
            let db = (b.cx - corners[i].0).hypot(b.cy - corners[i].1);
            da.total_cmp(&db)
        })?;
        found.push(nearest);
    }
    // The printed top-left mark is the largest; the marks follow it clockwise as the image corners do.
    let big = (0..4).max_by(|&a, &b| found[a].side.total_cmp(&found[b].side))?;
    let sizes: Vec<f64> = found.iter().map(|b| b.side).collect();
    let others = sizes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != big)
        .map(|(_, s)| *s)
        .fold(0.0, f64::max);
    if sizes[big] < others * 1.25 {
        return None;
    }
    let order = [
        Corner::TopLeft,
        Corner::TopRight,
        Corner::BottomRight,
        Corner::BottomLeft,
    ];
    let mut pairs = Vec::new();
    for k in 0..4 {
        let blob = found[(big + k) % 4];
        let mark = page::CORNER_MARKS.iter().find(|m| m.corner == order[k])?;
        let (mx, my) = mark.rect.center();
        pairs.push(((f64::from(mx), f64::from(my)), (blob.cx, blob.cy)));
    }
    let t = Affine::fit(&pairs)?;
    (t.residual_px(&pairs) / t.scale() < 1.5).then_some(t)
}

/// The corner marks found again where `placed` (a map from the marks alone) puts them: the residual and the paper
/// level measured. When that fails, `placed` stands, without a residual.
pub fn alignment(page: &ScanPage, placed: Affine) -> Alignment {
    align::refine(page, &placed, 9.0, &[]).unwrap_or(Alignment {
        transform: placed,
        homography: None,
        residual_mm: f64::NAN,
        marks_found: 4,
        paper: 230,
    })
}
