//! Maps from form millimetres to image pixels, fitted by least squares: affine for scanners, copiers and faxes
//! (the paper lies flat on the glass), projective (a homography) for a photo taken at an angle.

/// A point on the form in millimetres and where it was found in the image, in pixels.
pub type PointPair = ((f64, f64), (f64, f64));

/// `px = a·x + b·y + c`, `py = d·x + e·y + f` for a point (x, y) in millimetres from the form's top-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub e: f64,
    pub f: f64,
}

impl Affine {
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x + self.b * y + self.c,
            self.d * x + self.e * y + self.f,
        )
    }

    /// Pixels per millimetre (geometric mean of the two axes' scales).
    pub fn scale(&self) -> f64 {
        (self.a * self.e - self.b * self.d).abs().sqrt()
    }

    /// Rotation of the form's x axis in the image, in degrees (0 upright, 180 upside down).
    pub fn rotation_deg(&self) -> f64 {
        self.d.atan2(self.a).to_degrees()
    }

    /// Least-squares fit from at least three point pairs (mm -> px). None when the points are degenerate.
    pub fn fit(pairs: &[PointPair]) -> Option<Affine> {
        if pairs.len() < 3 {
            return None;
        }
        // Normal equations for [x y 1]·[a b c]^T = px, and the same matrix for py.
        let mut m = [[0.0f64; 3]; 3];
        let mut vx = [0.0f64; 3];
        let mut vy = [0.0f64; 3];
        for &((x, y), (px, py)) in pairs {
            let row = [x, y, 1.0];
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] += row[i] * row[j];
                }
                vx[i] += row[i] * px;
                vy[i] += row[i] * py;
            }
        }
        let sx = solve3(m, vx)?;
        let sy = solve3(m, vy)?;
        Some(Affine {
            a: sx[0],
            b: sx[1],
            c: sx[2],
            d: sy[0],
            e: sy[1],
            f: sy[2],
        })
    }

    /// Root mean square distance, in pixels, between the mapped points and where they were found.
    pub fn residual_px(&self, pairs: &[PointPair]) -> f64 {
        rms(pairs, |x, y| self.apply(x, y))
    }
}

/// `px = (h0·x + h1·y + h2) / w`, `py = (h3·x + h4·y + h5) / w` with `w = h6·x + h7·y + h8`: a flat sheet as a
/// camera sees it, the near edge larger than the far one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography {
    pub h: [f64; 9],
}

impl Homography {
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let h = &self.h;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }

    /// Pixels per millimetre at a point (geometric mean of the local scales of the two axes).
    pub fn scale_at(&self, x: f64, y: f64) -> f64 {
        let d = 1e-3;
        let (x0, y0) = self.apply(x, y);
        let (x1, y1) = self.apply(x + d, y);
        let (x2, y2) = self.apply(x, y + d);
        (((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)).abs()).sqrt() / d
    }

    /// Least-squares fit from at least four point pairs (mm -> px) by the normalised direct linear transform:
    /// both point sets are moved to their centroid and scaled to a mean distance of √2, so that the equations are
    /// well conditioned; the map is the eigenvector of the smallest eigenvalue of AᵀA. None when the points are
    /// degenerate (three on a line among four, or the map sends a point to infinity).
    pub fn fit(pairs: &[PointPair]) -> Option<Homography> {
        if pairs.len() < 4 {
            return None;
        }
        let (tf, ti) = (
            normaliser(pairs.iter().map(|p| p.0))?,
            normaliser(pairs.iter().map(|p| p.1))?,
        );
        let mut m = [[0.0f64; 9]; 9];
        for &((x, y), (px, py)) in pairs {
            let (x, y) = (tf.0 * (x - tf.1), tf.0 * (y - tf.2));
            let (u, v) = (ti.0 * (px - ti.1), ti.0 * (py - ti.2));
            let rows = [
                [-x, -y, -1.0, 0.0, 0.0, 0.0, u * x, u * y, u],
                [0.0, 0.0, 0.0, -x, -y, -1.0, v * x, v * y, v],
            ];
            for r in &rows {
                for i in 0..9 {
                    for j in 0..9 {
                        m[i][j] += r[i] * r[j];
                    }
                }
            }
        }
        let (values, vectors) = symmetric_eigen(m);
        let mut order: [usize; 9] = std::array::from_fn(|i| i);
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let k = order[0];
        // A second solution as good as the first: the points do not pin the map down.
        if values[order[1]] <= 1e-9 * values[order[8]].max(1e-300) {
            return None;
        }
        let n: [f64; 9] = std::array::from_fn(|i| vectors[i][k]);
        // Undo the normalisations: H = Ti⁻¹ · N · Tf.
        let (sf, fx, fy) = tf;
        let (si, ix, iy) = ti;
        let tf_m = [[sf, 0.0, -sf * fx], [0.0, sf, -sf * fy], [0.0, 0.0, 1.0]];
        let ti_inv = [[1.0 / si, 0.0, ix], [0.0, 1.0 / si, iy], [0.0, 0.0, 1.0]];
        let nm = [[n[0], n[1], n[2]], [n[3], n[4], n[5]], [n[6], n[7], n[8]]];
        let h = mul3(&ti_inv, &mul3(&nm, &tf_m));
        let scale = h[2][2];
        if scale.abs() < 1e-12 {
            return None;
        }
        let out = Homography {
            h: std::array::from_fn(|i| h[i / 3][i % 3] / scale),
        };
        let det = out.h[0] * (out.h[4] * out.h[8] - out.h[5] * out.h[7])
            - out.h[1] * (out.h[3] * out.h[8] - out.h[5] * out.h[6])
            + out.h[2] * (out.h[3] * out.h[7] - out.h[4] * out.h[6]);
        if det.abs() < 1e-9 {
            return None;
        }
        // Every fitted point must stay on the same side of the line the map sends to infinity.
        let positive = pairs
            .iter()
            .all(|&((x, y), _)| out.h[6] * x + out.h[7] * y + out.h[8] > 1e-6);
        positive.then_some(out)
    }

    /// Root mean square distance, in pixels, between the mapped points and where they were found.
    pub fn residual_px(&self, pairs: &[PointPair]) -> f64 {
        rms(pairs, |x, y| self.apply(x, y))
    }
}

fn rms(pairs: &[PointPair], map: impl Fn(f64, f64) -> (f64, f64)) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    let sum: f64 = pairs
        .iter()
        .map(|&((x, y), (px, py))| {
            let (qx, qy) = map(x, y);
            (qx - px).powi(2) + (qy - py).powi(2)
        })
        .sum();
    (sum / pairs.len() as f64).sqrt()
}

/// Scale and centroid `(s, cx, cy)` that move `points` to a mean distance of √2 from the origin.
fn normaliser(points: impl Iterator<Item = (f64, f64)> + Clone) -> Option<(f64, f64, f64)> {
    let n = points.clone().count() as f64;
    let (sx, sy) = points
        .clone()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (cx, cy) = (sx / n, sy / n);
    let mean = points.map(|(x, y)| (x - cx).hypot(y - cy)).sum::<f64>() / n;
    (mean > 1e-9).then(|| (std::f64::consts::SQRT_2 / mean, cx, cy))
}

fn mul3(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

/// Eigenvalues and eigenvectors (as columns) of a symmetric matrix, by cyclic Jacobi rotations.
fn symmetric_eigen<const N: usize>(mut a: [[f64; N]; N]) -> ([f64; N], [[f64; N]; N]) {
    let mut v = [[0.0; N]; N];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..60 {
        let off: f64 = (0..N)
            .flat_map(|i| (0..N).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let diag: f64 = (0..N).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * diag.max(1e-300) {
            break;
        }
        for p in 0..N {
            for q in p + 1..N {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                a[p] = std::array::from_fn(|k| c * rp[k] - s * rq[k]);
                a[q] = std::array::from_fn(|k| s * rp[k] + c * rq[k]);
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    (std::array::from_fn(|i| a[i][i]), v)
}

fn solve3(mut m: [[f64; 3]; 3], mut v: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        v.swap(col, pivot);
        for row in 0..3 {
            if row != col {
                let factor = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (k, cell) in m[row].iter_mut().enumerate().skip(col) {
                    *cell -= factor * pivot_row[k];
                }
                v[row] -= factor * v[col];
            }
        }
    }
    Some([v[0] / m[0][0], v[1] / m[1][1], v[2] / m[2][2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_rotated_scaled_shifted_map() {
        let truth = Affine {
            a: 11.0 * 0.999,
            b: -11.0 * 0.04,
            c: 35.0,
            d: 11.0 * 0.04,
            e: 11.0 * 0.999,
            f: -12.0,
        };
        let pts = [(10.0, 10.0), (200.0, 10.0), (10.0, 287.0), (200.0, 287.0)];
        let pairs: Vec<_> = pts
            .iter()
            .map(|&(x, y)| ((x, y), truth.apply(x, y)))
            .collect();
        let fit = Affine::fit(&pairs).unwrap();
        assert!(fit.residual_px(&pairs) < 1e-6);
        assert!((fit.rotation_deg() - 0.04f64.atan2(0.999).to_degrees()).abs() < 1e-6);
        assert!(Affine::fit(&pairs[..2]).is_none());
        let collinear = [
            ((0.0, 0.0), (0.0, 0.0)),
            ((1.0, 1.0), (1.0, 1.0)),
            ((2.0, 2.0), (2.0, 2.0)),
        ];
        assert!(Affine::fit(&collinear).is_none());
    }

    #[test]
    fn recovers_a_perspective_map_that_an_affine_cannot_fit() {
        // A page photographed at an angle: the top edge 5 % longer than the bottom, turned and shifted.
        let truth = Homography {
            h: [7.9, -0.3, 120.0, 0.25, 7.7, 95.0, 0.0001, -0.00017, 1.0],
        };
        let pts = [
            (12.0, 12.0),
            (199.5, 10.5),
            (10.5, 286.5),
            (199.5, 286.5),
            (169.2, 7.2),
            (190.8, 7.2),
            (190.8, 28.8),
            (169.2, 28.8),
            (19.2, 266.2),
            (40.8, 266.2),
            (40.8, 287.8),
            (19.2, 287.8),
        ];
        let pairs: Vec<_> = pts
            .iter()
            .map(|&(x, y)| ((x, y), truth.apply(x, y)))
            .collect();
        let fit = Homography::fit(&pairs).unwrap();
        assert!(
            fit.residual_px(&pairs) < 1e-6,
            "{}",
            fit.residual_px(&pairs)
        );
        let (a, b) = (fit.apply(105.0, 150.0), truth.apply(105.0, 150.0));
        assert!((a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6);
        let affine = Affine::fit(&pairs).unwrap();
        assert!(affine.residual_px(&pairs) > 5.0);
        assert!((fit.scale_at(105.0, 150.0) - 7.5).abs() < 1.0);
        let line = [
            ((0.0, 0.0), (0.0, 0.0)),
            ((1.0, 1.0), (1.0, 1.0)),
            ((2.0, 2.0), (2.0, 2.0)),
            ((3.0, 3.0), (3.0, 3.0)),
        ];
        assert!(Homography::fit(&line).is_none());
        assert!(Homography::fit(&pairs[..3]).is_none());
    }
}
