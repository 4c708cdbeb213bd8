//! Reading a QR symbol by its known place. The renderer draws every symbol to fill its zone exactly (the ID
//! symbols in `forms::page::QR_ZONES`, the data symbols of `render::filled`, 21 to 49 modules a side); a map of the
//! page (from its corner marks) gives the centre of every module, so the symbol can be sampled module by module
//! and handed to the decoder as a bit grid, without rqrr having to find it. A fax at 98 lines per inch leaves
//! two or three lines a module, black grown into white and dithered greys, which rqrr's own finder does not
//! survive; the centre of each module does.

use crate::forms::page::Rect;
use crate::intake::geometry::Affine;
use image::GrayImage;

struct Modules {
    n: usize,
    dark: Vec<bool>,
}

impl rqrr::BitGrid for Modules {
    fn size(&self) -> usize {
        self.n
    }
    fn bit(&self, y: usize, x: usize) -> bool {
        self.dark[y * self.n + x]
    }
}

/// Mean grey of a small square around a point (the middle third of a module).
fn mean_around(img: &GrayImage, x: f64, y: f64, r: f64) -> f64 {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let raw = img.as_raw();
    let (x0, x1) = ((x - r).round() as i64, (x + r).round() as i64);
    let (y0, y1) = ((y - r).round() as i64, (y + r).round() as i64);
    let (mut sum, mut n) = (0.0, 0.0);
    for yy in y0..=y1 {
        for xx in x0..=x1 {
            let v = if xx < 0 || yy < 0 || xx >= w || yy >= h {
                255.0
            } else {
                f64::from(raw[(yy * w + xx) as usize])
            };
            sum += v;
            n += 1.0;
        }
    }
    sum / n
}

/// The grey levels of every module centre for a symbol of `n` modules filling `zone`, the grid shifted by
/// `(dx, dy)` modules.
fn sample(img: &GrayImage, t: &Affine, zone: &Rect, n: usize, place: Place) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            out.push(sample_one(img, t, zone, n, place, row, col));
        }
    }
    out
}

/// Where the grid lies against where the map puts it: shifted by `dx`, `dy` modules and scaled by `scale`
/// about the symbol's centre.
#[derive(Clone, Copy)]
struct Place {
    dx: f64,
    dy: f64,
    scale: f64,
}

fn sample_one(
    img: &GrayImage,
    t: &Affine,
    zone: &Rect,
    n: usize,
    p: Place,
    row: usize,
    col: usize,
) -> f64 {
    let module = f64::from(zone.w) / n as f64;
    let r = module * t.scale() / 6.0;
    let half = n as f64 / 2.0;
    let (cx, cy) = (
        f64::from(zone.x) + f64::from(zone.w) / 2.0,
        f64::from(zone.y) + f64::from(zone.h) / 2.0,
    );
    let (mx, my) = (
        cx + ((col as f64 + 0.5 - half) * p.scale + p.dx) * module,
        cy + ((row as f64 + 0.5 - half) * p.scale + p.dy) * module,
    );
    let (px, py) = t.apply(mx, my);
    mean_around(img, px, py, r)
}

/// Modules every symbol of `n` modules has in the same place: the three finder patterns with their white
/// separators, and the two timing lines. (row, col, dark)
fn fixed_modules(n: usize) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    for (r0, c0) in [(0, 0), (0, n - 7), (n - 7, 0)] {
        for r in 0..7 {
            for c in 0..7 {
                let ring = r.min(c).min(6 - r).min(6 - c);
                out.push((r0 + r, c0 + c, ring != 1));
            }
        }
    }
    for i in 8..n - 8 {
        out.push((6, i, i % 2 == 0));
        out.push((i, 6, i % 2 == 0));
    }
    out
}

/// How well the fixed modules agree with a placement: dark ones below the threshold, light ones above.
fn agreement(
    img: &GrayImage,
    t: &Affine,
    zone: &Rect,
    n: usize,
    p: Place,
    fixed: &[(usize, usize, bool)],
    threshold: f64,
) -> f64 {
    fixed
        .iter()
        .map(|&(r, c, dark)| {
            let v = sample_one(img, t, zone, n, p, r, c);
            if dark { threshold - v } else { v - threshold }
        })
        .sum()
}

/// The text of the data symbol drawn in `zone`, if its modules decode; empty otherwise.
pub fn read(img: &GrayImage, t: &Affine, zone: &Rect) -> Vec<String> {
    read_symbol(img, t, zone, 1..=8, &crate::dataqr::is_data_symbol)
        .into_iter()
        .collect()
}

/// The text of a symbol of one of `versions` drawn to fill `zone`, if its modules decode to a text that
/// `accept` takes.
pub fn read_symbol(
    img: &GrayImage,
    t: &Affine,
    zone: &Rect,
    versions: std::ops::RangeInclusive<usize>,
    accept: &dyn Fn(&str) -> bool,
) -> Option<String> {
    // The page's map is good to a fraction of a millimetre; a module is half a millimetre or more, and on a fax
    // at 98 lines per inch two lines. For each possible size the grid is first laid where the modules every
    // symbol has (finders, timing lines) fit best, within half a module and a per cent of scale.
    for version in versions {
        let n = 17 + 4 * version;
        let centred = Place {
            dx: 0.0,
            dy: 0.0,
            scale: 1.0,
        };
        let threshold = crate::raster::otsu(&sample(img, t, zone, n, centred));
        let fixed = fixed_modules(n);
        let mut best = (f64::MIN, centred);
        for scale in [0.985, 1.0, 1.015] {
            for i in -4..=4 {
                for j in -4..=4 {
                    let p = Place {
                        dx: f64::from(i) * 0.1,
                        dy: f64::from(j) * 0.1,
                        scale,
                    };
                    let a = agreement(img, t, zone, n, p, &fixed, threshold);
                    if a > best.0 {
                        best = (a, p);
                    }
                }
            }
        }
        if let Some(text) = decode_at(img, t, zone, n, best.1, accept) {
            return Some(text);
        }
    }
    None
}

/// The grid sampled at `place`, tried with several thresholds.
fn decode_at(
    img: &GrayImage,
    t: &Affine,
    zone: &Rect,
    n: usize,
    place: Place,
    accept: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let samples = sample(img, t, zone, n, place);
    let threshold = crate::raster::otsu(&samples);
    let mut thresholds: Vec<f64> = [0.0, 0.2, -0.2]
        .iter()
        .map(|k| threshold - k * threshold)
        .collect();
    // Black spreads on faxes and copies, and a dark fax closes single white modules to a speck: masking
    // keeps a symbol near half dark, so thresholds that make it so give those modules back.
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    for share in [0.5, 0.45, 0.55, 0.4, 0.6] {
        let i = ((sorted.len() as f64 * share) as usize).min(sorted.len() - 1);
        thresholds.push(sorted[i] + 0.5);
    }
    for threshold in thresholds {
        let grid = Modules {
            n,
            dark: samples.iter().map(|&v| v < threshold).collect(),
        };
        if let Ok((_, text)) = rqrr::Grid::new(grid).decode()
            && accept(&text)
        {
            return Some(text);
        }
    }
    None
}
