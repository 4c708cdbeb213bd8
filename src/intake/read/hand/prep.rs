//! From a cell interior as the intake crops it to the classifier's input: a `SIDE` x `SIDE` image of ink
//! darkness in 0..1, the character scaled to fit `GLYPH` pixels keeping its aspect, centred between its box and
//! its centre of mass.
//!
//! Before that, what is not writing is removed: specks (tiny connected pieces far from the character), and
//! pieces of the printed box line that a misaligned crop shows along an edge (thin, long, hugging that edge).

use crate::raster::{Connectivity, pieces};

/// Side of the classifier's input.
pub const SIDE: usize = 28;
/// The longer side of the character's ink box in the input.
pub const GLYPH: f32 = 22.0;
/// Height of a comb cell's interior in mm: the crop's pixel size follows from it.
const INTERIOR_H_MM: f32 = 6.6;

/// One normalised cell.
pub type Input = [f32; SIDE * SIDE];

/// Normalises a cell crop (`pixels` row-major, `w` x `h`, paper at `paper`, ink dark). Returns an all-zero
/// input when no ink is left.
pub fn normalize(pixels: &[u8], w: usize, h: usize, paper: u8) -> Input {
    let mut out = [0f32; SIDE * SIDE];
    if w < 3 || h < 3 || pixels.len() < w * h {
        return out;
    }
    let px_per_mm = h as f32 / INTERIOR_H_MM;
    let paper = f32::from(paper.max(96));
    let mut dark: Vec<f32> = pixels[..w * h]
        .iter()
        .map(|&p| ((paper - f32::from(p)) / paper).clamp(0.0, 1.0))
        .collect();
    // Darkness of the ink: a high percentile, so that blue ink and pencil are seen as ink too.
    let mut hist = [0u32; 256];
    let mut inked = 0u32;
    for &d in &dark {
        if d > 0.08 {
            hist[(d * 255.0) as usize] += 1;
            inked += 1;
        }
    }
    if inked == 0 {
        return out;
    }
    let rank = inked * 97 / 100;
    let (mut seen, mut bin) = (0u32, 0usize);
    for (i, &c) in hist.iter().enumerate() {
        seen += c;
        bin = i;
        if seen > rank {
            break;
        }
    }
    let top = (bin as f32 / 255.0).max(0.25);
    let threshold = (0.45 * top).max(0.18);
    let found = pieces(w, h, Connectivity::Eight, |x, y| {
        dark[y * w + x] >= threshold
    });
    let comps = &found.pieces;
    if comps.is_empty() {
        return out;
    }
    let largest = comps.iter().map(|c| c.area).max().unwrap_or(1);
    let main = comps
        .iter()
        .find(|c| c.area == largest)
        .map(|c| (c.x0, c.y0, c.x1, c.y1))
        .unwrap_or((0, 0, 0, 0));
    let min_area = ((0.03 * px_per_mm * px_per_mm) as usize).max(2);
    let near = 1.2 * px_per_mm;
    let edge_band = 0.9 * px_per_mm;
    let thin = 0.55 * px_per_mm;
    let mut keep = vec![false; comps.len()];
    for (i, c) in comps.iter().enumerate() {
        let (x0, y0, x1, y1) = (c.x0, c.y0, c.x1, c.y1);
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        // A piece of a printed box line: along an edge, thin across it, long along it.
        let hugs_top = (y1 as f32) < edge_band && bh <= thin && bw >= 0.35 * w as f32;
        let hugs_bottom =
            (y0 as f32) > h as f32 - 1.0 - edge_band && bh <= thin && bw >= 0.35 * w as f32;
        let hugs_left = (x1 as f32) < edge_band && bw <= thin && bh >= 0.3 * h as f32;
        let hugs_right =
            (x0 as f32) > w as f32 - 1.0 - edge_band && bw <= thin && bh >= 0.3 * h as f32;
        if hugs_top || hugs_bottom || hugs_left || hugs_right {
            continue;
        }
        if c.area == largest {
            keep[i] = true;
            continue;
        }
        if c.area < min_area {
            continue;
        }
        // Small pieces count only near the main stroke (the dots of Ä and Ö, the ring of Å) or when not tiny.
        let gap_x = (main.0 as f32 - x1 as f32)
            .max(x0 as f32 - main.2 as f32)
            .max(0.0);
        let gap_y = (main.1 as f32 - y1 as f32)
            .max(y0 as f32 - main.3 as f32)
            .max(0.0);
        let is_near = gap_x.max(gap_y) <= near;
        keep[i] = is_near || c.area * 8 >= largest;
    }
    // If the largest piece was a box line, keep the largest of the rest.
    if !keep.iter().any(|&k| k) {
        return out;
    }
    // The kept pieces' box, and their ink plus a one-pixel halo (antialiasing at stroke edges): a 3x3 dilation,
    // across each row and then down, without a branch a pixel.
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for c in comps.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c) {
        (x0, y0, x1, y1) = (x0.min(c.x0), y0.min(c.y0), x1.max(c.x1), y1.max(c.y1));
    }
    let table: Vec<u8> = std::iter::once(0)
        .chain(keep.iter().map(|&k| u8::from(k)))
        .collect();
    let kept: Vec<u8> = found.labels.iter().map(|&l| table[l as usize]).collect();
    let mut across = vec![0u8; w * h];
    for (row, out) in kept.chunks_exact(w).zip(across.chunks_exact_mut(w)) {
        for x in 0..w {
            let left = row[x.saturating_sub(1)];
            let right = row[(x + 1).min(w - 1)];
            out[x] = left | row[x] | right;
        }
    }
    let mut keep_px = vec![0u8; w * h];
    for y in 0..h {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            keep_px[y * w + x] = across[up * w + x] | across[y * w + x] | across[down * w + x];
        }
    }
    for (d, &k) in dark.iter_mut().zip(&keep_px) {
        let v = ((*d - 0.05) / (top - 0.05)).clamp(0.0, 1.0);
        *d = if k != 0 { v } else { 0.0 };
    }
    let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
    let s = GLYPH / bw.max(bh);
    // Centre: halfway between the ink box's centre and the centre of mass.
    let (mut mx, mut my, mut m) = (0.0f32, 0.0f32, 0.0f32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let d = dark[y * w + x];
            mx += d * (x as f32 + 0.5);
            my += d * (y as f32 + 0.5);
            m += d;
        }
    }
    let (bcx, bcy) = ((x0 + x1 + 1) as f32 / 2.0, (y0 + y1 + 1) as f32 / 2.0);
    let (ccx, ccy) = if m > 0.0 {
        (mx / m, my / m)
    } else {
        (bcx, bcy)
    };
    let lim_x = ((SIDE as f32 - bw * s) / 2.0 / s).max(0.0);
    let lim_y = ((SIDE as f32 - bh * s) / 2.0 / s).max(0.0);
    let cx = bcx + ((ccx - bcx) * 0.5).clamp(-lim_x, lim_x);
    let cy = bcy + ((ccy - bcy) * 0.5).clamp(-lim_y, lim_y);
    let half = SIDE as f32 / 2.0;
    if s < 1.0 {
        // Downscale: splat every source pixel with a tent filter (area average), then rescale.
        let ys = y0.saturating_sub(1)..=(y1 + 1).min(h - 1);
        for y in ys {
            for x in x0.saturating_sub(1)..=(x1 + 1).min(w - 1) {
                let d = dark[y * w + x];
                if d <= 0.0 {
                    continue;
                }
                let tx = (x as f32 + 0.5 - cx) * s + half - 0.5;
                let ty = (y as f32 + 0.5 - cy) * s + half - 0.5;
                let (fx, fy) = (floor(tx), floor(ty));
                let (ax, ay) = (tx - fx, ty - fy);
                let (ix, iy) = (fx as i32, fy as i32);
                let v = d * s * s;
                for (ox, oy, wgt) in [
                    (0, 0, (1.0 - ax) * (1.0 - ay)),
                    (1, 0, ax * (1.0 - ay)),
                    (0, 1, (1.0 - ax) * ay),
                    (1, 1, ax * ay),
                ] {
                    let (px, py) = (ix + ox, iy + oy);
                    if px >= 0 && py >= 0 && (px as usize) < SIDE && (py as usize) < SIDE {
                        out[py as usize * SIDE + px as usize] += v * wgt;
                    }
                }
            }
        }
    } else {
        for (j, row) in out.chunks_exact_mut(SIDE).enumerate() {
            for (i, o) in row.iter_mut().enumerate() {
                let sx = (i as f32 + 0.5 - half) / s + cx;
                let sy = (j as f32 + 0.5 - half) / s + cy;
                *o = bilinear(&dark, w, h, sx, sy);
            }
        }
    }
    let max = out.iter().copied().fold(0.0f32, f32::max);
    if max > 0.0 {
        let k = 1.0 / max.max(0.2);
        for o in out.iter_mut() {
            *o = (*o * k).min(1.0);
        }
    }
    out
}

/// A normalised input moved by (`dx`, `dy`) pixels and scaled by `scale` about its centre: another look at the
/// same cell for the reader.
pub fn transformed(x: &[f32], (dx, dy, scale): (f32, f32, f32)) -> Input {
    let mut out = [0f32; SIDE * SIDE];
    if scale == 1.0 && dx.fract() == 0.0 && dy.fract() == 0.0 {
        // A shift by whole pixels: what the interpolation gives, as a copy.
        let (dx, dy) = (dx as isize, dy as isize);
        for (j, row) in out.chunks_exact_mut(SIDE).enumerate() {
            let sy = j as isize - dy;
            if !(0..SIDE as isize).contains(&sy) {
                continue;
            }
            let from = &x[sy as usize * SIDE..][..SIDE];
            for (i, o) in row.iter_mut().enumerate() {
                let sx = i as isize - dx;
                if (0..SIDE as isize).contains(&sx) {
                    *o = from[sx as usize];
                }
            }
        }
        return out;
    }
    let half = SIDE as f32 / 2.0;
    for (j, row) in out.chunks_exact_mut(SIDE).enumerate() {
        for (i, o) in row.iter_mut().enumerate() {
            let sx = (i as f32 + 0.5 - half - dx) / scale + half;
            let sy = (j as f32 + 0.5 - half - dy) / scale + half;
            *o = bilinear(x, SIDE, SIDE, sx, sy);
        }
    }
    out
}

/// `x.floor()` for the small values of pixel positions: without SSE4.1 the standard one is a call into libm,
/// and it was taken for every pixel of every look.
fn floor(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t > x { t - 1.0 } else { t }
}

fn bilinear(img: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let (x, y) = (x - 0.5, y - 0.5);
    let (fx, fy) = (floor(x), floor(y));
    let (ax, ay) = (x - fx, y - fy);
    let (ix, iy) = (fx as i64, fy as i64);
    let at = |x: i64, y: i64| {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            0.0
        } else {
            img[y as usize * w + x as usize]
        }
    };
    let top = at(ix, iy) * (1.0 - ax) + at(ix + 1, iy) * ax;
    let bottom = at(ix, iy + 1) * (1.0 - ax) + at(ix + 1, iy + 1) * ax;
    top * (1.0 - ay) + bottom * ay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_zero_and_a_bar_is_centred() {
        let (w, h) = (46, 66);
        let blank = vec![250u8; w * h];
        assert!(normalize(&blank, w, h, 250).iter().all(|&v| v == 0.0));
        let mut bar = blank.clone();
        for y in 10..50 {
            for x in 20..24 {
                bar[y * w + x] = 20;
            }
        }
        let n = normalize(&bar, w, h, 250);
        let mass: f32 = n.iter().sum();
        let cx: f32 = n
            .iter()
            .enumerate()
            .map(|(i, v)| v * ((i % SIDE) as f32 + 0.5))
            .sum::<f32>()
            / mass;
        let cy: f32 = n
            .iter()
            .enumerate()
            .map(|(i, v)| v * ((i / SIDE) as f32 + 0.5))
            .sum::<f32>()
            / mass;
        assert!(
            (cx - 14.0).abs() < 0.6 && (cy - 14.0).abs() < 0.6,
            "{cx} {cy}"
        );
        assert!(n.iter().copied().fold(0.0, f32::max) > 0.99);
    }

    #[test]
    fn a_whole_pixel_shift_is_what_the_interpolation_gives() {
        let x: Vec<f32> = (0..SIDE * SIDE)
            .map(|i| (i * 37 % 101) as f32 / 100.0)
            .collect();
        for look in [
            (1.0, 0.0, 1.0),
            (-1.0, 0.0, 1.0),
            (0.0, 1.0, 1.0),
            (0.0, -1.0, 1.0),
            (2.0, -1.0, 1.0),
        ] {
            let fast = transformed(&x, look);
            let half = SIDE as f32 / 2.0;
            for (k, v) in fast.iter().enumerate() {
                let (i, j) = ((k % SIDE) as f32, (k / SIDE) as f32);
                let want = bilinear(
                    &x,
                    SIDE,
                    SIDE,
                    i + 0.5 - half - look.0 + half,
                    j + 0.5 - half - look.1 + half,
                );
                assert_eq!(*v, want, "{look:?} at {k}");
            }
        }
    }

    #[test]
    fn box_line_along_an_edge_is_dropped() {
        let (w, h) = (46, 66);
        let mut img = vec![250u8; w * h];
        for y in 15..45 {
            for x in 20..24 {
                img[y * w + x] = 20;
            }
        }
        let clean = normalize(&img, w, h, 250);
        for y in 0..2 {
            for x in 0..w {
                img[y * w + x] = 30;
            }
        }
        let with_line = normalize(&img, w, h, 250);
        let diff: f32 = clean
            .iter()
            .zip(&with_line)
            .map(|(a, b)| (a - b).abs())
            .sum();
        assert!(diff < 1.0, "{diff}");
    }
}
