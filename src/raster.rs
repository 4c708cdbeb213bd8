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
///
/// By runs: each row's runs of ink are joined to the runs of the row above that touch them (union-find), and a
/// piece's figures are summed from its runs. A flood fill visited every ink pixel's neighbours with branches no
/// predictor could learn, and was most of the time of reading a handwritten cell.
pub fn pieces(
    w: usize,
    h: usize,
    connectivity: Connectivity,
    ink: impl Fn(usize, usize) -> bool,
) -> Pieces {
    /// A run of ink in row `y`, from `x0` to `x1` inclusive.
    struct Run {
        y: usize,
        x0: usize,
        x1: usize,
    }
    // How far apart two runs of neighbouring rows may lie and still touch: corners touch by eight.
    let reach = match connectivity {
        Connectivity::Four => 0,
        Connectivity::Eight => 1,
    };
    let mut runs: Vec<Run> = Vec::new();
    // Each run's parent; a root is the earliest run of its piece, so roots come in scan order.
    let mut parent: Vec<usize> = Vec::new();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut above = 0..0;
    for y in 0..h {
        let row = runs.len();
        let mut x = 0;
        while x < w {
            if !ink(x, y) {
                x += 1;
                continue;
            }
            let x0 = x;
            while x < w && ink(x, y) {
                x += 1;
            }
            let (id, x1) = (runs.len(), x - 1);
            runs.push(Run { y, x0, x1 });
            parent.push(id);
            for j in above.clone() {
                let r: &Run = &runs[j];
                if r.x1 + reach >= x0 && r.x0 <= x1 + reach {
                    let (a, b) = (root(&mut parent, j), root(&mut parent, id));
                    let (keep, join) = (a.min(b), a.max(b));
                    parent[join] = keep;
                }
            }
        }
        above = row..runs.len();
    }
    let mut labels = vec![0u32; w * h];
    let mut pieces: Vec<Piece> = Vec::new();
    let mut label_of = vec![0u32; runs.len()];
    for (i, run) in runs.iter().enumerate() {
        let r = root(&mut parent, i);
        if r == i {
            pieces.push(Piece {
                area: 0,
                sum_x: 0.0,
                sum_y: 0.0,
                x0: run.x0,
                y0: run.y,
                x1: run.x1,
                y1: run.y,
            });
            label_of[i] = pieces.len() as u32;
        }
        let label = label_of[r];
        label_of[i] = label;
        let p = &mut pieces[label as usize - 1];
        let n = run.x1 + 1 - run.x0;
        p.area += n;
        // Sums of whole numbers: exact in f64 in any order.
        p.sum_x += ((run.x0 + run.x1) * n) as f64 / 2.0;
        p.sum_y += (run.y * n) as f64;
        p.x0 = p.x0.min(run.x0);
        p.x1 = p.x1.max(run.x1);
        p.y1 = p.y1.max(run.y);
        labels[run.y * w + run.x0..=run.y * w + run.x1].fill(label);
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

    /// The runs must find what a flood fill finds: the same pieces, in the same order, with the same figures.
    #[test]
    fn pieces_by_runs_are_the_flood_fills_pieces() {
        fn flood(
            w: usize,
            h: usize,
            eight: bool,
            ink: &[bool],
        ) -> (Vec<u32>, Vec<(usize, usize, usize)>) {
            let mut labels = vec![0u32; w * h];
            let mut found = Vec::new();
            for start in 0..w * h {
                if labels[start] != 0 || !ink[start] {
                    continue;
                }
                let label = found.len() as u32 + 1;
                let (mut area, mut sx) = (0, 0);
                labels[start] = label;
                let mut stack = vec![start];
                while let Some(i) = stack.pop() {
                    area += 1;
                    sx += i % w;
                    let (x, y) = ((i % w) as i64, (i / w) as i64);
                    for (dx, dy) in [
                        (-1i64, -1i64),
                        (0, -1),
                        (1, -1),
                        (-1, 0),
                        (1, 0),
                        (-1, 1),
                        (0, 1),
                        (1, 1),
                    ] {
                        if !eight && dx != 0 && dy != 0 {
                            continue;
                        }
                        let (nx, ny) = (x + dx, y + dy);
                        if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                            continue;
                        }
                        let j = ny as usize * w + nx as usize;
                        if labels[j] == 0 && ink[j] {
                            labels[j] = label;
                            stack.push(j);
                        }
                    }
                }
                found.push((start, area, sx));
            }
            (labels, found)
        }
        let mut state = 12345u64;
        for round in 0..200 {
            let (w, h) = (1 + round % 23, 1 + round % 17);
            let density = (round % 7) as u64 + 2;
            let ink: Vec<bool> = (0..w * h)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (state >> 33) % 10 < density
                })
                .collect();
            for (eight, conn) in [(false, Connectivity::Four), (true, Connectivity::Eight)] {
                let got = pieces(w, h, conn, |x, y| ink[y * w + x]);
                let (labels, want) = flood(w, h, eight, &ink);
                assert_eq!(got.labels, labels, "round {round}, eight {eight}");
                assert_eq!(got.pieces.len(), want.len());
                for (p, &(start, area, sx)) in got.pieces.iter().zip(&want) {
                    assert_eq!((p.area, p.sum_x as usize), (area, sx));
                    assert_eq!((p.y0, p.x0.min(start % w)), (start / w, p.x0));
                }
            }
        }
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
