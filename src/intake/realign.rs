//! Placing a page by its printed boxes when fewer than four corner marks were found (a corner cut off by the
//! copier, a mark lost in fax noise). The map from the symbols and the marks that were found can be millimetres
//! off across the page; every box outline printed on the page is a landmark too. Each box is matched against its
//! outline within a few millimetres, and an affine map is fitted to the matches, dropping the ones that disagree.

use super::align::{Alignment, refit};
use super::geometry::{Affine, PointPair};
use crate::forms::layout::PageLayout;
use crate::forms::page::Rect;
use image::GrayImage;

/// How far a box may be from where the first map puts it.
const REACH_MM: f64 = 4.0;
/// Matches farther than this from the fitted map are dropped before the final fit.
const OUTLIER_MM: f64 = 0.8;
/// Enough landmarks spread over the page; more only costs time.
const MAX_BOXES: usize = 48;

/// The boxes used as landmarks: tick boxes and comb cells, spread evenly over the page in layout order.
fn landmarks(layout: &PageLayout) -> Vec<Rect> {
    let all: Vec<Rect> = layout
        .fields
        .iter()
        .flat_map(|f| f.boxes())
        .filter(|r| r.w <= 12.0 && r.h <= 12.0)
        .collect();
    let step = all.len().div_ceil(MAX_BOXES).max(1);
    all.into_iter().step_by(step).collect()
}

/// A better alignment from the page's box outlines, or the one given when the boxes do not agree on one.
pub fn by_boxes(img: &GrayImage, al: &Alignment, layout: &PageLayout) -> Alignment {
    let t = &al.transform;
    let mut pairs: Vec<PointPair> = landmarks(layout)
        .iter()
        .map(|r| {
            let (dx, dy) = refit(img, t, std::slice::from_ref(r), REACH_MM);
            let (cx, cy) = (f64::from(r.x + r.w / 2.0), f64::from(r.y + r.h / 2.0));
            ((cx, cy), t.apply(cx + dx, cy + dy))
        })
        .collect();
    if pairs.len() < 6 {
        return al.clone();
    }
    let mut fit = match Affine::fit(&pairs) {
        Some(f) => f,
        None => return al.clone(),
    };
    for _ in 0..3 {
        let scale = fit.scale();
        let before = pairs.len();
        pairs.retain(|&(mm, px)| {
            let (x, y) = fit.apply(mm.0, mm.1);
            (x - px.0).hypot(y - px.1) / scale <= OUTLIER_MM
        });
        if pairs.len() < 6 {
            return al.clone();
        }
        match Affine::fit(&pairs) {
            Some(f) => fit = f,
            None => return al.clone(),
        }
        if pairs.len() == before {
            break;
        }
    }
    Alignment {
        transform: fit,
        ..al.clone()
    }
}
