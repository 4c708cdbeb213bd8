//! Raster tools shared by intake and the data QR reader: 2x2 halving, sampling, connected pieces of ink
//! and Otsu's threshold. One implementation each, so that a fix or a speed-up reaches every caller.

use image::GrayImage;

/// Averages 2x2 blocks. rqrr samples one pixel per module; on a noisy full-resolution scan that misses about
/// one page in twenty, averaged it reads them all (TECH-NOTES).
pub fn halve(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() / 2, img.height() / 2);
    let src = img.as_raw();
    let stride = img.width() as usize;
    let mut out = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h as usize {
        let r0 = &src[2 * y * stride..];
        let r1 = &src[(2 * y + 1) * stride..];
        for x in 0..w as usize {
            let s = u16::from(r0[2 * x])
                + u16::from(r0[2 * x + 1])
                + u16::from(r1[2 * x])
                + u16::from(r1[2 * x + 1]);
            out.push((s / 4) as u8);
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_default()
}

/// Samples the image at a point, nearest pixel; outside the image reads as white paper.
#[inline]
pub fn sample(img: &GrayImage, x: f64, y: f64) -> u8 {
    let (xi, yi) = (x.round() as i64, y.round() as i64);
    if xi < 0 || yi < 0 || xi >= i64::from(img.width()) || yi >= i64::from(img.height()) {
        return 255;
    }
    img.as_raw()[yi as usize * img.width() as usize + xi as usize]
}

/// Otsu's threshold over a set of grey values: the level that best splits them in two.
pub fn otsu(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let total: f64 = sorted.iter().sum();
    let (mut best, mut best_t) = (f64::MIN, 128.0);
    let mut below = 0.0;
    for (i, &v) in sorted
        .iter()
        .enumerate()
        .take(sorted.len().saturating_sub(1))
    {
        below += v;
        let (n0, n1) = ((i + 1) as f64, (sorted.len() - i - 1) as f64);
        let (m0, m1) = (below / n0, (total - below) / n1);
        let between = n0 * n1 * (m0 - m1).powi(2);
        if between > best {
            best = between;
            best_t = (v + sorted[i + 1]) / 2.0;
        }
    }
    best_t
}

/// Which neighbours join two ink pixels into one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    /// Left, right, up, down.
    Four,
    /// And the diagonals (a thin slanted stroke stays one piece).
    Eight,
}

/// One connected piece of ink in a window: its area, centre of mass and box (inclusive, window pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    pub area: usize,
    pub sum_x: f64,
    pub sum_y: f64,
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl Piece {
    pub fn centroid(&self) -> (f64, f64) {
        let n = self.area.max(1) as f64;
        (self.sum_x / n, self.sum_y / n)
    }
    pub fn width(&self) -> usize {
        self.x1 + 1 - self.x0
    }
    pub fn height(&self) -> usize {
        self.y1 + 1 - self.y0
    }
    /// Share of its box the piece covers: 1 for a solid rectangle, about a half for a ring.
    pub fn fill(&self) -> f64 {
        self.area as f64 / (self.width() * self.height()) as f64
    }
    /// Whether its box is within `ratio` of square either way.
    pub fn squarish(&self, ratio: f64) -> bool {
        let (w, h) = (self.width() as f64, self.height() as f64);
        w / h > ratio && h / w > ratio
    }
}

/// The pieces of a window and which piece each pixel belongs to (0: none, k: `pieces[k - 1]`).
pub struct Pieces {
    pub labels: Vec<u32>,
    pub pieces: Vec<Piece>,
}

/// The connected pieces of the pixels of a `w` x `h` window where `ink(x, y)` holds, in scan order of their first
/// pixel.
pub fn pieces(
    w: usize,
    h: usize,
    connectivity: Connectivity,
    ink: impl Fn(usize, usize) -> bool,
) -> Pieces {
    let mut labels = vec![0u32; w * h];
    let mut pieces = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if labels[start] != 0 || !ink(start % w, start / w) {
            continue;
        }
        let label = pieces.len() as u32 + 1;
        labels[start] = label;
        stack.push(start);
        let (sx, sy) = (start % w, start / w);
        let mut p = Piece {
            area: 0,
            sum_x: 0.0,
            sum_y: 0.0,
            x0: sx,
            y0: sy,
            x1: sx,
            y1: sy,
        };
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            p.area += 1;
            p.sum_x += x as f64;
            p.sum_y += y as f64;
            p.x0 = p.x0.min(x);
            p.x1 = p.x1.max(x);
            p.y0 = p.y0.min(y);
            p.y1 = p.y1.max(y);
            let mut visit = |nx: usize, ny: usize| {
                let j = ny * w + nx;
                if labels[j] == 0 && ink(nx, ny) {
                    labels[j] = label;
                    stack.push(j);
                }
            };
            match connectivity {
                Connectivity::Four => {
                    if x > 0 {
                        visit(x - 1, y);
                    }
                    if x + 1 < w {
                        visit(x + 1, y);
                    }
                    if y > 0 {
                        visit(x, y - 1);
                    }
                    if y + 1 < h {
                        visit(x, y + 1);
                    }
                }
                Connectivity::Eight => {
                    for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                        for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                            visit(nx, ny);
                        }
                    }
                }
            }
        }
        pieces.push(p);
    }
    Pieces { labels, pieces }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_by_four_and_by_eight() {
        // Two pixels touching at a corner, and a 2x2 block.
        let ink = [
            1, 0, 0, 0, 0, //
            0, 1, 0, 1, 1, //
            0, 0, 0, 1, 1, //
        ];
        let at = |x: usize, y: usize| ink[y * 5 + x] == 1;
        let four = pieces(5, 3, Connectivity::Four, at);
        assert_eq!(four.pieces.len(), 3);
        let eight = pieces(5, 3, Connectivity::Eight, at);
        assert_eq!(eight.pieces.len(), 2);
        let block = eight.pieces[1];
        assert_eq!((block.area, block.width(), block.height()), (4, 2, 2));
        assert_eq!(block.centroid(), (3.5, 1.5));
        assert_eq!(block.fill(), 1.0);
        assert_eq!(eight.labels[5 + 4], 2);
        assert_eq!(eight.labels[2], 0);
    }

    #[test]
    fn halving_averages_and_sampling_takes_the_nearest_pixel() {
        let img = GrayImage::from_raw(2, 2, vec![0, 100, 200, 100]).unwrap();
        assert_eq!(halve(&img).as_raw(), &vec![100]);
        assert_eq!(sample(&img, 0.2, 0.4), 0);
        assert_eq!(sample(&img, 1.0, 0.4), 100);
        assert_eq!(sample(&img, -5.0, 0.5), 255);
    }

    #[test]
    fn otsu_splits_two_groups() {
        let v = [10.0, 12.0, 11.0, 200.0, 210.0, 205.0];
        let t = otsu(&v);
        assert!(t > 12.0 && t < 200.0, "{t}");
    }
}
