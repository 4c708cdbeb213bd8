//! What a page shows of the person who wrote on it and of the scan it came in: the darkness of the writing's
//! strokes against the page's printed black, their width, the height and slant of the comb characters, and the
//! scan's resolution and bit depth. Measured at read time from the cells and boxes already cropped, kept with the
//! page, and used by assembly to tell which pages of two sheets that carry one form ID belong together
//! (`intake::pairing`).

use super::super::align::Alignment;
use super::super::decode::ScanPage;
use crate::forms::page::CORNER_MARKS;
use crate::store::documents::PageFeatures;
use image::GrayImage;

/// Fewer written cells than this say too little about a hand to be compared.
const MIN_CELLS: usize = 3;
/// Fewer ink pixels than this in a cell make its shape noise.
const MIN_INK_PIXELS: usize = 12;

/// Measurements gathered cell by cell and box by box while a page is read.
#[derive(Debug, Default)]
pub struct Strokes {
    /// Mean grey of the ink pixels of each written cell or ticked box.
    grey: Vec<f32>,
    /// Stroke width in mm, each cell or box.
    width_mm: Vec<f32>,
    /// Height of the writing in a comb cell, mm (5th to 95th percentile of its ink rows).
    height_mm: Vec<f32>,
    /// Lean of the writing in a comb cell: horizontal shift per unit of height, upwards to the right positive.
    slant: Vec<f32>,
    cells: usize,
}

/// One crop's ink pixels: below `threshold` (as `cells::ink` counts them).
struct Ink {
    xs: Vec<f32>,
    ys: Vec<f32>,
    grey_sum: f64,
    /// Ink pixel sides that touch paper (4-neighbours): twice the length of the strokes, about.
    edges: usize,
}

fn ink_of(crop: &GrayImage, threshold: u8) -> Ink {
    let (w, h) = (crop.width() as usize, crop.height() as usize);
    let p = crop.as_raw();
    let mut ink = Ink {
        xs: Vec::new(),
        ys: Vec::new(),
        grey_sum: 0.0,
        edges: 0,
    };
    let dark = |x: usize, y: usize| p[y * w + x] < threshold;
    for y in 0..h {
        for x in 0..w {
            if !dark(x, y) {
                continue;
            }
            ink.xs.push(x as f32);
            ink.ys.push(y as f32);
            ink.grey_sum += f64::from(p[y * w + x]);
            // The crop's border is not an edge of the stroke: the stroke may go on outside it.
            if x > 0 && !dark(x - 1, y) {
                ink.edges += 1;
            }
            if x + 1 < w && !dark(x + 1, y) {
                ink.edges += 1;
            }
            if y > 0 && !dark(x, y - 1) {
                ink.edges += 1;
            }
            if y + 1 < h && !dark(x, y + 1) {
                ink.edges += 1;
            }
        }
    }
    ink
}

fn threshold(paper: u8) -> u8 {
    (f32::from(paper.max(96)) * 0.55) as u8
}

impl Strokes {
    /// A written comb cell's interior, cropped at `px_per_mm`.
    pub fn add_cell(&mut self, crop: &GrayImage, paper: u8, px_per_mm: f64) {
        let ink = ink_of(crop, threshold(paper));
        let n = ink.xs.len();
        if n < MIN_INK_PIXELS || px_per_mm <= 0.0 {
            return;
        }
        let k = px_per_mm as f32;
        self.cells += 1;
        self.common(&ink, k);
        let mut ys = ink.ys.clone();
        ys.sort_by(f32::total_cmp);
        let (lo, hi) = (ys[n / 20], ys[(n * 19) / 20]);
        self.height_mm.push((hi - lo + 1.0) / k);
        let (mx, my) = (
            ink.xs.iter().sum::<f32>() / n as f32,
            ink.ys.iter().sum::<f32>() / n as f32,
        );
        let (mut cov, mut var) = (0.0f32, 0.0f32);
        for (x, y) in ink.xs.iter().zip(&ink.ys) {
            cov += (x - mx) * (y - my);
            var += (y - my) * (y - my);
        }
        if var > 0.0 {
            // Image y grows downwards: a stroke leaning right has x falling as y grows.
            self.slant.push(-cov / var);
        }
    }

    /// A ticked box's interior: the same pen, so its darkness and width count; its shape is the tick's.
    pub fn add_tick(&mut self, crop: &GrayImage, paper: u8, px_per_mm: f64) {
        let ink = ink_of(crop, threshold(paper));
        if ink.xs.len() < MIN_INK_PIXELS || px_per_mm <= 0.0 {
            return;
        }
        self.common(&ink, px_per_mm as f32);
    }

    fn common(&mut self, ink: &Ink, k: f32) {
        let n = ink.xs.len();
        self.grey.push((ink.grey_sum / n as f64) as f32);
        if ink.edges > 0 {
            self.width_mm.push(2.0 * n as f32 / ink.edges as f32 / k);
        }
    }

    /// The page's features: medians over its cells and boxes.
    pub fn features(&self, page: &ScanPage, al: &Alignment) -> PageFeatures {
        let black = printed_black(page, al);
        let darkness = match black {
            // A 1-bit page has two greys: the darkness of a pen is gone.
            Some(black) if !page.bilevel && !self.grey.is_empty() => {
                let paper = f32::from(al.paper);
                let ink = median(&self.grey);
                Some(((paper - ink) / (paper - black).max(1.0)).clamp(0.0, 1.5))
            }
            _ => None,
        };
        let enough = self.cells >= MIN_CELLS;
        PageFeatures {
            dpi: page.dpi,
            bilevel: page.bilevel,
            cells: self.cells as u32,
            marks: self.grey.len() as u32,
            darkness,
            stroke_mm: (self.width_mm.len() >= MIN_CELLS).then(|| median(&self.width_mm)),
            height_mm: enough.then(|| median(&self.height_mm)),
            slant: (self.slant.len() >= MIN_CELLS).then(|| median(&self.slant)),
        }
    }
}

fn median(v: &[f32]) -> f32 {
    let mut v = v.to_vec();
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// The grey of the printed corner marks (solid black squares) where the alignment puts them: the device's
/// black, against which the darkness of a pen is measured, so that two scanners' tone curves compare.
fn printed_black(page: &ScanPage, al: &Alignment) -> Option<f32> {
    let (w, h) = page.image.dimensions();
    let mut greys = Vec::new();
    for mark in &CORNER_MARKS {
        let r = mark.rect;
        for (dx, dy) in [
            (0.35, 0.35),
            (0.65, 0.35),
            (0.35, 0.65),
            (0.65, 0.65),
            (0.5, 0.5),
        ] {
            let (x, y) = al
                .transform
                .apply(f64::from(r.x + r.w * dx), f64::from(r.y + r.h * dy));
            if x >= 0.0 && y >= 0.0 && (x as u32) < w && (y as u32) < h {
                greys.push(f32::from(page.image.get_pixel(x as u32, y as u32).0[0]));
            }
        }
    }
    if greys.len() < 5 {
        return None;
    }
    let black = median(&greys);
    (black + 40.0 < f32::from(al.paper)).then_some(black)
}
