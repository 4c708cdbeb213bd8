//! Glyph shapes of our own for training data: hand-drawn stroke models of every class (several allographs
//! each, perturbed per sample) and the other single-stroke Hershey fonts of `hershey-fonts-data`; they are drawn
//! with [`crate::synth::stroke`]'s pen.
//!
//! Shapes are in glyph units: y down, 0 at the top of a capital and 10 on the baseline; x from the left.

use crate::synth::{hershey, normal, uniform};
use rand::RngExt;
use std::path::Path;
use std::sync::OnceLock;

/// Polylines in glyph units (y down, capital from 0 to 10).
pub type Strokes = Vec<Vec<(f32, f32)>>;

/// Catmull-Rom through the points (a repeated point makes a corner), `k` samples per span.
fn smooth(pts: &[(f32, f32)], k: usize) -> Vec<(f32, f32)> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let mut out = Vec::with_capacity(pts.len() * k);
    let n = pts.len();
    for i in 0..n - 1 {
        let p0 = pts[i.saturating_sub(1)];
        let (p1, p2) = (pts[i], pts[i + 1]);
        let p3 = pts[(i + 2).min(n - 1)];
        for j in 0..k {
            let t = j as f32 / k as f32;
            let (t2, t3) = (t * t, t * t * t);
            let f = |a: f32, b: f32, c: f32, d: f32| {
                0.5 * (2.0 * b
                    + (-a + c) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (-a + 3.0 * b - 3.0 * c + d) * t3)
            };
            out.push((f(p0.0, p1.0, p2.0, p3.0), f(p0.1, p1.1, p2.1, p3.1)));
        }
    }
    out.push(pts[n - 1]);
    out
}

/// The stroke models: for every class, allographs separated by `|`, strokes by `;`, a stroke starting with `~`
/// smoothed (Catmull-Rom), points `x,y` in glyph units. `Å`, `Ä`, `Ö` are composed from `A`/`O` and an accent.
const MODELS: &[(char, &str)] = &[
    (
        '0',
        "~3.5,0 1,1.5 0,5 1,8.5 3.5,10 6,8.5 7,5 6,1.5 3.5,0 | ~3,0 0.8,2 0.3,5 1,8.7 3,10 5,8.7 5.7,5 5.2,1.8 3,0 2.4,0.3",
    ),
    (
        '1',
        "3,0 3,10 | 1,2.2 3,0 3,10 | 1,2.2 3,0 3,10; 1,10 5,10 | 0.5,3 3.5,0 2.5,10 | ~0.8,2.8 2,1.5 3,0 3,0 3,10 | 0,2.5 3,0 3,10; 0.5,10 5.5,10 | 1.5,1.5 3,0 3,10 | 3.5,0 2.8,10",
    ),
    (
        '2',
        "~0.5,2.5 2,0.3 4.5,0 6.5,1.5 6.3,3.8 3,7 0,10 0,10; 0,10 7,10 | ~0.3,2 3,0 6,1.2 5.5,4 0.5,10; 0.5,10 7,9.8 | ~0.5,2.5 2.5,0.2 5.5,0.5 6,3 2,7.5 0.5,9.5 1.5,9 3,10 7,10",
    ),
    (
        '3',
        "~0.5,1.5 3,0 6,1 6,3.5 3,5 3,5 6.5,6.5 6.5,9 3.5,10 0.3,8.5 | 0.5,0 6,0 2.5,4.5; ~2.5,4.5 5.5,5.5 6.5,7.8 5,9.7 2.5,10 0.2,9 | ~0.5,1 3,0 5.5,0.8 5.8,2.8 3.5,4.8 2.5,5 3.5,5 6,6.3 6.2,8.8 3.5,10 0.5,9.2",
    ),
    (
        '4',
        "5,10 5,0 0,7 7,7 | 1,0 0,6 7,6; 5,2.5 5,10 | 5.5,10 5.5,0 5.5,0 0,6.5 0,6.5 7,6.5 | 3,0 0,6 6.5,6; 4.5,3 4.5,10",
    ),
    (
        '5',
        "6,0 1,0 0.5,4.5; ~0.5,4.5 3,3.8 6,5 6.5,7.5 5,9.5 2.5,10 0,9 | ~1,0 0.5,4.5 3,3.8 6,5 6.5,7.5 5,9.5 2.5,10 0,9; 1,0 6,0 | 1,0 0.5,4 ; ~0.5,4 3.5,3.5 6.2,5.5 6,8.5 3.5,10 0.5,9.5; 1,0 6.5,-0.2",
    ),
    (
        '6',
        "~5.5,0 2.5,2 0.5,6 1,9 3.5,10 6,9 6.5,6.8 4,5.3 1,6.5 | ~5,0 1.5,4 0.5,7.5 2,9.8 4.5,9.8 6,8 5,5.8 2.5,5.5 1,7 | ~6,0.5 3,0 1,3 0.5,7 2,9.8 5,9.8 6.5,7.5 5,5.3 2,5.5 0.7,6.5",
    ),
    (
        '7',
        "0,0 7,0 2.5,10 | 0,0 7,0 2.5,10; 2,5 6,5 | 0,1 0,0 7,0; ~7,0 4.5,4 3,10 | 0.5,1.5 1,0 7,0.3 3,10",
    ),
    (
        '8',
        "~3.5,5 6,3 6,1 3.5,0 1,1 1,3 3.5,5 6.5,7 6.5,9 3.5,10 0.5,9 0.5,7 3.5,5 | ~3.5,4.5 5.5,3.6 5.7,1.2 3.5,0 1.3,1.2 1.5,3.6 3.5,4.5 3.5,4.5 0.7,6 0.7,9 3.5,10 6.3,9 6.3,6 3.5,4.5",
    ),
    (
        '9',
        "~6,3 4,5 1.5,4.5 0.5,2.5 2,0.3 4.5,0 6,1.5 6,3 6,3; 6,1.5 6,10 | ~6,2.5 4,4.6 1.3,4.2 0.6,2 2.5,0 5,0.3 6,2.5 5.8,6 4.5,8.5 2,10 | ~6,2.5 3.5,5 1,4.3 0.8,1.8 3,0 5.5,0.8 6,2.5 5.5,10",
    ),
    (
        'A',
        "0,10 3.5,0 7,10; 1.5,6 5.5,6 | 0,10 3.5,0 7,10; 2,7 5,7 | 0,10 2.5,0.5 3.5,0 4.5,0.5 7,10; 1.2,6 5.8,6 | 0,10 3.5,0 7,10 7,10 1.5,6 6,6",
    ),
    (
        'B',
        "0,0 0,10; ~0,0 4,0 5.5,1.2 5.5,3.5 4,5 0,5; ~0,5 4.5,5 6.5,6.5 6.5,8.7 4.5,10 0,10 | ~0,10 0,0 0,0 4,0 5.5,1.4 5,4 1,5 1,5 5,5.4 6.5,7.5 5.5,9.5 3,10 0,10",
    ),
    (
        'C',
        "~6.5,1.5 4,0 1.5,1 0,5 1.5,9 4,10 6.5,8.5 | ~6.5,0.8 3.5,0 0.8,2 0.3,6 2,9.5 5,10 6.5,9",
    ),
    (
        'D',
        "0,0 0,10; ~0,0 3.5,0 6,1.5 7,5 6,8.5 3.5,10 0,10 | ~0,10 0,0 0,0 3,0.2 6.5,2.5 6.8,6 5,9 1.5,10 0,10",
    ),
    (
        'E',
        "6,0 0,0 0,10 6,10; 0,5 4.5,5 | 6,0 0,0 0,10 6,10; 0,5 5,5 | ~6,0.5 2.5,0 0.5,1.5 1.5,4.5 4,5 4,5 1,5.5 0,8.5 2.5,10 6,9.5",
    ),
    (
        'F',
        "6,0 0,0 0,10; 0,5 4.5,5 | 0,0 0,10; 0,0 6,0; 0,4.5 4,4.5",
    ),
    (
        'G',
        "~6.5,1.5 4,0 1.5,1 0,5 1.5,9 4,10 6.5,8.5 6.8,6; 4,6 6.8,6 | ~6.5,1.5 4,0 1.5,1 0,5 1.5,9 4,10 6.5,8.5 6.8,5.5; 4,5.5 6.8,5.5 6.8,10",
    ),
    (
        'H',
        "0,0 0,10; 6,0 6,10; 0,5 6,5 | 0,0 0,10; 6,0 6,10; 0,5.5 6,4.8",
    ),
    ('I', "2,0 2,10 | 2,0 2,10; 0,0 4,0; 0,10 4,10"),
    (
        'J',
        "~5,0 5,7 4,9.5 2,10 0,8 | 2,0 7,0; ~5,0 5,7 4,9.5 2,10 0,8 | ~5,0 5,8 3.5,10 1.5,9.8 0.5,8.5 | 0.5,0 6.5,0; ~4.5,0 4.5,7.5 3.5,9.7 1.5,10 0,8.5 | 1,0 7,0; ~4.8,0 5,6 4.5,9 2.5,10 0.5,9.5 0,8 | 1.5,0.3 6,0 6,0 6,7.5 4.5,10 2,10 0.5,8",
    ),
    (
        'K',
        "0,0 0,10; 6,0 0,6; 2,4.5 6.5,10 | 0,0 0,10; 6,0 0.3,5 6.5,10 | 0,0 0,10; 6,0 0,5.5 0,5.5 6.5,10",
    ),
    ('L', "0,0 0,10 5.5,10 | 0.5,0 0,10 6,10"),
    (
        'M',
        "0,10 0,0 4,7 8,0 8,10 | 0,10 0.5,0 4,10 7.5,0 8,10 | 0,10 0,0 4,6 8,0 8,10 | 0,10 1,0 4,4.5 7,0 8,10 | 0,10 0.5,0 4,3.5 7.5,0 7.5,10",
    ),
    (
        'N',
        "0,10 0,0 6,10 6,0 | 0,10 0,0 6.5,10 6.5,0 | 0,10 0.3,0 6,10 6.3,0",
    ),
    (
        'O',
        "~3.5,0 0.8,1.5 0,5 0.8,8.5 3.5,10 6.7,8.5 7.5,5 6.7,1.5 3.5,0 | ~4,0 1,1.2 0,5 1.2,9 4,10 7,8.8 8,5 7,1.2 4,0 3,0.4 | ~5,0 1.5,1.5 0,5 1.5,8.5 5,10 8.5,8.5 10,5 8.5,1.5 5,0 4,0.3",
    ),
    (
        'P',
        "0,10 0,0; ~0,0 4,0 6,1.3 6,3.8 4,5.2 0,5.2 | ~0,10 0,0 0,0 4,0.2 6,1.8 5.5,4.2 2,5.2 0,5",
    ),
    (
        'Q',
        "~3.5,0 0.8,1.5 0,5 0.8,8.5 3.5,10 6.7,8.5 7.5,5 6.7,1.5 3.5,0; 4.5,7.5 7.5,10.5 | ~4,0 1,1.2 0,5 1.2,9 4,10 7,8.8 8,5 7,1.2 4,0; 5,8 6,10 8,10.5",
    ),
    (
        'R',
        "0,10 0,0; ~0,0 4,0 6,1.3 6,3.8 4,5.2 0,5.2; 3,5.2 6.5,10 | ~0,10 0,0 0,0 4,0.2 6,1.8 5.5,4.2 2,5.2 0.5,5.2 0.5,5.2 6.5,10",
    ),
    (
        'S',
        "~6,1.2 3.5,0 1,0.8 0.5,3 3.5,5 6.2,7 6,9.2 3,10 0,8.8 | ~6,0.8 3,0 0.8,1.5 1.5,3.8 4.5,5.2 6,7.5 4.5,9.8 2,10 0.2,9",
    ),
    ('T', "0,0 7,0; 3.5,0 3.5,10 | 0,0.3 7,0; 3.5,0 3.3,10"),
    (
        'U',
        "~0,0 0,7 1.5,9.5 3.5,10 5.5,9.5 7,7 7,0 | ~0,0 0,7 1.5,9.5 3.5,10 5.5,9.5 6.5,7 6.5,0 6.5,0; 6.5,0 6.5,10",
    ),
    ('V', "0,0 3.5,10 7,0 | 0,0 3,10 3,10 7.5,0"),
    (
        'W',
        "0,0 2,10 4.5,3 7,10 9,0 | 0,0 2.2,10 4.5,0 6.8,10 9,0 | 0,0 1.5,10 4.5,5.5 7.5,10 9,0 | 0,0 0.5,10 4.5,6 8.5,10 9,0",
    ),
    ('X', "0,0 7,10; 7,0 0,10 | 0.5,0 6.5,10; 6.5,0 0,10"),
    (
        'Y',
        "0,0 3.5,5 7,0; 3.5,5 3.5,10 | 0,0 3.5,5; 7,0 1.5,10 | 0,0 3.5,5.5 3.5,10; 7,0 3.5,5.5",
    ),
    (
        'Z',
        "0,0 7,0 0,10 7,10 | 0,0 7,0 0,10 7,10; 1.5,5 5.5,5 | 0.5,0.5 1,0 7,0 0,10 7,10.2",
    ),
    ('-', "0,5.5 5,5.5 | 0,5 4,5 | 0,5.5 6,5.3"),
];

/// An accent over a letter.
#[derive(Debug, Clone, Copy)]
pub enum Accent {
    Ring,
    Dots,
}

/// The base letter and accent of a composed Swedish letter.
pub fn decompose(c: char) -> Option<(char, Accent)> {
    match c {
        'Å' => Some(('A', Accent::Ring)),
        'Ä' => Some(('A', Accent::Dots)),
        'Ö' => Some(('O', Accent::Dots)),
        _ => None,
    }
}

fn parse_models() -> Vec<(char, Model)> {
    MODELS
        .iter()
        .map(|(c, spec)| {
            let allographs = spec
                .split('|')
                .map(|a| {
                    a.split(';')
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| {
                            let s = s.trim();
                            let smooth = s.starts_with('~');
                            let pts = s
                                .trim_start_matches('~')
                                .split_whitespace()
                                .filter_map(|p| {
                                    let (x, y) = p.split_once(',')?;
                                    Some((x.parse().ok()?, y.parse().ok()?))
                                })
                                .collect();
                            (smooth, pts)
                        })
                        .collect()
                })
                .collect();
            (*c, allographs)
        })
        .collect()
}

type Model = Vec<Vec<(bool, Vec<(f32, f32)>)>>;

fn models() -> &'static [(char, Model)] {
    static M: OnceLock<Vec<(char, Model)>> = OnceLock::new();
    M.get_or_init(parse_models)
}

/// Whether the stroke models cover `c` (directly or composed).
pub fn model_has(c: char) -> bool {
    let base = decompose(c).map_or(c, |(b, _)| b);
    models().iter().any(|(m, _)| *m == base)
}

/// One perturbed drawing of `c` from the stroke models, in glyph units, or None if not covered.
pub fn model_glyph<R: rand::Rng + ?Sized>(c: char, rng: &mut R) -> Option<Strokes> {
    let (base, accent) = match decompose(c) {
        Some((b, a)) => (b, Some(a)),
        None => (c, None),
    };
    let (_, allographs) = models().iter().find(|(m, _)| *m == base)?;
    let allograph = &allographs[rng.random_range(0..allographs.len())];
    // Per-writer proportions, then per-point jitter: each control point moves a little, each stroke end
    // overshoots or falls short.
    let wide = uniform(rng, 0.7, 1.35);
    let jitter = uniform(rng, 0.1, 0.45);
    let mut out: Strokes = Vec::new();
    for (is_smooth, pts) in allograph {
        let mut p: Vec<(f32, f32)> = pts
            .iter()
            .map(|&(x, y)| (x * wide + jitter * normal(rng), y + jitter * normal(rng)))
            .collect();
        if p.len() >= 2 && rng.random::<f32>() < 0.3 {
            let n = p.len();
            let k = uniform(rng, -0.12, 0.12);
            let (a, b) = (p[n - 2], p[n - 1]);
            p[n - 1] = (b.0 + (b.0 - a.0) * k, b.1 + (b.1 - a.1) * k);
        }
        out.push(if *is_smooth { smooth(&p, 8) } else { p });
    }
    if let Some(a) = accent {
        add_accent(&mut out, a, rng);
    }
    Some(out)
}

/// Adds a ring or two dots above the strokes (glyph units, capital top at 0).
pub fn add_accent<R: rand::Rng + ?Sized>(strokes: &mut Strokes, accent: Accent, rng: &mut R) {
    let (mut x0, mut x1, mut top) = (f32::MAX, f32::MIN, f32::MAX);
    for p in strokes.iter().flatten() {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        top = top.min(p.1);
    }
    if x0 > x1 {
        return;
    }
    let cx = (x0 + x1) / 2.0 + 0.4 * normal(rng).clamp(-1.5, 1.5);
    let lift = uniform(rng, 1.0, 2.4);
    match accent {
        Accent::Ring => {
            let r = uniform(rng, 0.8, 1.5);
            let cy = top - lift - r;
            let start = uniform(rng, 0.0, std::f32::consts::TAU);
            let ring = (0..=14)
                .map(|i| {
                    let a = start + i as f32 / 14.0 * std::f32::consts::TAU * 1.05;
                    (cx + r * a.cos(), cy + r * 1.1 * a.sin())
                })
                .collect();
            strokes.push(ring);
        }
        Accent::Dots => {
            let gap = ((x1 - x0) * uniform(rng, 0.2, 0.32)).max(1.0);
            let y = top - lift;
            let len = uniform(rng, 0.0, 0.9);
            let tilt = uniform(rng, -0.5, 1.2);
            for x in [cx - gap, cx + gap] {
                strokes.push(vec![
                    (x, y),
                    (x + len * tilt.cos() * 0.5, y - len * tilt.sin().abs()),
                ]);
            }
        }
    }
}

/// A Hershey font (parsed by [`crate::synth::hershey`]) in glyph units.
pub struct HersheyFont {
    font: hershey::Font,
}

impl HersheyFont {
    pub fn load(path: &Path) -> Option<HersheyFont> {
        hershey::Font::load(path)
            .ok()
            .map(|font| HersheyFont { font })
    }

    /// The glyph of `c` in glyph units (composing Å Ä Ö), or None.
    pub fn glyph<R: rand::Rng + ?Sized>(&self, c: char, rng: &mut R) -> Option<Strokes> {
        if let Some((base, accent)) = decompose(c) {
            let mut s = self.glyph(base, rng)?;
            add_accent(&mut s, accent, rng);
            return Some(s);
        }
        let g = self.font.get(c).filter(|g| !g.strokes.is_empty())?;
        let k = 10.0 / self.font.cap_height();
        let top = self.font.cap_top;
        Some(
            g.strokes
                .iter()
                .map(|st| st.iter().map(|&(x, y)| (x * k, (y - top) * k)).collect())
                .collect(),
        )
    }
}

/// The Hershey fonts used for training beyond the three that `synth::hand` offers: duplex and triplex roman,
/// Times roman and italic, complex script.
pub const EXTRA_HERSHEY: [&str; 5] = [
    "rowmand.jhf",
    "timesr.jhf",
    "timesi.jhf",
    "scriptc.jhf",
    "futuram.jhf",
];

/// The extra Hershey fonts that are installed.
pub fn extra_hershey() -> &'static [HersheyFont] {
    static F: OnceLock<Vec<HersheyFont>> = OnceLock::new();
    F.get_or_init(|| {
        EXTRA_HERSHEY
            .iter()
            .filter_map(|f| HersheyFont::load(&Path::new(hershey::DIR).join(f)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_a_model() {
        for c in crate::intake::read::hand::CLASSES.chars() {
            assert!(model_has(c), "{c}");
            let mut rng = crate::synth::rng(1);
            let g = model_glyph(c, &mut rng).unwrap();
            assert!(!g.is_empty() && g.iter().all(|s| !s.is_empty()), "{c}");
        }
    }
}
