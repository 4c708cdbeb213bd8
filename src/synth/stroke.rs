//! Ink on paper: a coverage buffer for one glyph or mark, a pen that draws polylines into it with a width that
//! varies along the stroke, and compositing onto the page as darkening ink.

use super::{normal, uniform};
use image::GrayImage;
use rand::RngExt;
use std::f32::consts::TAU;

/// Coverage (0..1) over a small window of the page, or (with the origin at 0, 0) over a whole small canvas such
/// as one comb cell.
#[derive(Clone)]
pub struct Coverage {
    pub x0: i32,
    pub y0: i32,
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl Coverage {
    /// A window covering `[min_x, max_x] x [min_y, max_y]` (page pixels) plus `pad`.
    pub fn new(min_x: f32, min_y: f32, max_x: f32, max_y: f32, pad: f32) -> Coverage {
        let x0 = (min_x - pad).floor() as i32;
        let y0 = (min_y - pad).floor() as i32;
        let x1 = (max_x + pad).ceil() as i32;
        let y1 = (max_y + pad).ceil() as i32;
        let w = (x1 - x0).clamp(1, 4096) as usize;
        let h = (y1 - y0).clamp(1, 4096) as usize;
        Coverage {
            x0,
            y0,
            w,
            h,
            data: vec![0.0; w * h],
        }
    }

    /// A canvas of `w` x `h` pixels with its origin at 0, 0.
    pub fn canvas(w: usize, h: usize) -> Coverage {
        Coverage {
            x0: 0,
            y0: 0,
            w,
            h,
            data: vec![0.0; w * h],
        }
    }

    /// Adds a capsule from `a` (radius `ra`) to `b` (radius `rb`), antialiased, of darkness `ink` (1 full),
    /// keeping the larger coverage where shapes overlap (ink does not get darker where a stroke crosses itself).
    pub fn capsule(&mut self, a: (f32, f32), b: (f32, f32), ra: f32, rb: f32, ink: f32) {
        let r = ra.max(rb) + 1.0;
        let lx = ((a.0.min(b.0) - r).floor() as i32 - self.x0).max(0);
        let ly = ((a.1.min(b.1) - r).floor() as i32 - self.y0).max(0);
        let hx = ((a.0.max(b.0) + r).ceil() as i32 - self.x0).min(self.w as i32 - 1);
        let hy = ((a.1.max(b.1) + r).ceil() as i32 - self.y0).min(self.h as i32 - 1);
        if lx > hx || ly > hy {
            return;
        }
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        for y in ly..=hy {
            let py = (y + self.y0) as f32 + 0.5;
            let row = y as usize * self.w;
            for x in lx..=hx {
                let px = (x + self.x0) as f32 + 0.5;
                let t = if len2 > 1e-6 {
                    (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let cx = a.0 + t * dx - px;
                let cy = a.1 + t * dy - py;
                let d = (cx * cx + cy * cy).sqrt();
                let rad = ra + (rb - ra) * t;
                let cov = (rad - d + 0.5).clamp(0.0, 1.0) * ink;
                let cell = &mut self.data[row + x as usize];
                if cov > *cell {
                    *cell = cov;
                }
            }
        }
    }

    /// Grey-level dilation by a disc of radius `r` pixels: a broader pen for an outline font.
    pub fn dilate(&mut self, r: f32) {
        if r < 0.25 {
            return;
        }
        let ri = r.ceil() as i32;
        let src = self.data.clone();
        let (w, h) = (self.w as i32, self.h as i32);
        let offsets: Vec<(i32, i32, f32)> = (-ri..=ri)
            .flat_map(|dy| (-ri..=ri).map(move |dx| (dx, dy)))
            .filter_map(|(dx, dy)| {
                let d = ((dx * dx + dy * dy) as f32).sqrt();
                let weight = (r + 0.5 - d).clamp(0.0, 1.0);
                (weight > 0.0).then_some((dx, dy, weight))
            })
            .collect();
        for y in 0..h {
            for x in 0..w {
                let mut best = src[(y * w + x) as usize];
                for &(dx, dy, weight) in &offsets {
                    let (sx, sy) = (x + dx, y + dy);
                    if sx >= 0 && sy >= 0 && sx < w && sy < h {
                        let v = src[(sy * w + sx) as usize] * weight;
                        if v > best {
                            best = v;
                        }
                    }
                }
                self.data[(y * w + x) as usize] = best;
            }
        }
    }

    /// Darkens `img` with ink of grey level `ink` where the buffer has coverage. `texture` thins the ink in
    /// streaks, as a ballpoint pen that skips.
    pub fn composite(&self, img: &mut GrayImage, ink: u8, texture: &Texture) {
        let (iw, ih) = (img.width() as i32, img.height() as i32);
        let ink = f32::from(ink);
        for y in 0..self.h as i32 {
            let py = y + self.y0;
            if py < 0 || py >= ih {
                continue;
            }
            for x in 0..self.w as i32 {
                let px = x + self.x0;
                if px < 0 || px >= iw {
                    continue;
                }
                let cov = self.data[y as usize * self.w + x as usize];
                if cov <= 0.003 {
                    continue;
                }
                let a = cov * texture.opacity(px as f32, py as f32);
                let pixel = img.get_pixel_mut(px as u32, py as u32);
                let old = f32::from(pixel[0]);
                if ink < old {
                    pixel[0] = (old + (ink - old) * a).round().clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
}

/// Low-frequency variation of ink density: a pen that skips, pressure that changes.
#[derive(Debug, Clone, Copy)]
pub struct Texture {
    pub strength: f32,
    pub kx: f32,
    pub ky: f32,
    pub phase: f32,
}

impl Texture {
    pub const SOLID: Texture = Texture {
        strength: 0.0,
        kx: 0.0,
        ky: 0.0,
        phase: 0.0,
    };

    pub fn random<R: rand::Rng + ?Sized>(rng: &mut R, strength: f32, scale_px: f32) -> Texture {
        let angle = uniform(rng, 0.0, TAU);
        let k = TAU / scale_px.max(2.0);
        Texture {
            strength,
            kx: k * angle.cos(),
            ky: k * angle.sin(),
            phase: uniform(rng, 0.0, TAU),
        }
    }

    fn opacity(&self, x: f32, y: f32) -> f32 {
        if self.strength <= 0.0 {
            return 1.0;
        }
        let s = (self.kx * x + self.ky * y + self.phase).sin();
        1.0 - self.strength * (0.5 + 0.5 * s) * (0.5 + 0.5 * (0.37 * self.kx * y + 1.3).sin())
    }
}

/// How a pen lays down one stroke: nominal width in pixels, relative pressure change along the stroke, a slow
/// wobble of the hand in pixels, and the darkness of full ink (1 where the ink's grey is applied later).
#[derive(Debug, Clone, Copy)]
pub struct Pen {
    pub width: f32,
    pub pressure: f32,
    pub wobble: f32,
    pub ink: f32,
}

/// Draws a polyline (page pixels) with `pen` into `cov`.
pub fn stroke<R: rand::Rng + ?Sized>(
    cov: &mut Coverage,
    pts: &[(f32, f32)],
    pen: &Pen,
    rng: &mut R,
) {
    if pts.is_empty() {
        return;
    }
    let mut lengths = Vec::with_capacity(pts.len());
    let mut total = 0.0f32;
    lengths.push(0.0);
    for w in pts.windows(2) {
        total += ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt();
        lengths.push(total);
    }
    let r = pen.width.max(0.6) / 2.0;
    if total < 0.5 {
        let p = pts[0];
        cov.capsule(p, p, r * 1.2, r * 1.2, pen.ink);
        return;
    }
    // Slow wobble and pressure as sinusoids along the stroke, with random phase and wavelength.
    let wl1 = uniform(rng, 25.0, 70.0) * pen.width.max(1.0) / 2.0;
    let wl2 = uniform(rng, 30.0, 90.0) * pen.width.max(1.0) / 2.0;
    let (ph1, ph2, ph3) = (
        uniform(rng, 0.0, TAU),
        uniform(rng, 0.0, TAU),
        uniform(rng, 0.0, TAU),
    );
    let wl3 = uniform(rng, 15.0, 50.0) * pen.width.max(1.0) / 2.0;
    let start_press = 1.0 + 0.25 * normal(rng).clamp(-1.0, 1.0) * pen.pressure;
    let step = (pen.width * 0.3).clamp(0.5, 2.0);
    let n = (total / step).ceil().max(1.0) as usize;
    let mut seg = 0usize;
    let mut prev: Option<((f32, f32), f32)> = None;
    for i in 0..=n {
        let s = total * i as f32 / n as f32;
        while seg + 1 < lengths.len() - 1 && lengths[seg + 1] < s {
            seg += 1;
        }
        let seg_len = (lengths[seg + 1] - lengths[seg]).max(1e-6);
        let t = ((s - lengths[seg]) / seg_len).clamp(0.0, 1.0);
        let (a, b) = (pts[seg], pts[seg + 1]);
        let mut p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        p.0 += pen.wobble * (TAU * s / wl1 + ph1).sin();
        p.1 += pen.wobble * (TAU * s / wl2 + ph2).sin();
        let u = s / total;
        // Lighter at the start and the end of a stroke, as a pen touching down and lifting off.
        let end_dist = s.min(total - s);
        let taper = 0.7 + 0.3 * (end_dist / (1.5 * pen.width.max(1.0))).min(1.0);
        let press =
            start_press * (1.0 + pen.pressure * (TAU * s / wl3 + ph3).sin() * (0.6 + 0.4 * u));
        let rad = (r * press * taper).max(0.35);
        if let Some((q, rq)) = prev {
            cov.capsule(q, p, rq, rad, pen.ink);
        } else {
            cov.capsule(p, p, rad, rad, pen.ink);
        }
        prev = Some((p, rad));
    }
}

/// Bounds of a set of polylines.
pub(crate) fn bounds<'a>(
    pts: impl IntoIterator<Item = &'a (f32, f32)>,
) -> Option<(f32, f32, f32, f32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in pts {
        x0 = x0.min(p.0);
        y0 = y0.min(p.1);
        x1 = x1.max(p.0);
        y1 = y1.max(p.1);
    }
    (x0 <= x1).then_some((x0, y0, x1, y1))
}

/// A random unit in [-1, 1] with most weight near zero.
pub(crate) fn soft<R: rand::Rng + ?Sized>(rng: &mut R) -> f32 {
    (normal(rng) * 0.5).clamp(-1.0, 1.0)
}

/// True with probability `p`.
pub(crate) fn chance<R: rand::Rng + ?Sized>(rng: &mut R, p: f32) -> bool {
    p > 0.0 && rng.random::<f32>() < p
}
