//! Affine maps from form millimetres to image pixels, fitted by least squares.

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
        if pairs.is_empty() {
            return 0.0;
        }
        let sum: f64 = pairs
            .iter()
            .map(|&((x, y), (px, py))| {
                let (qx, qy) = self.apply(x, y);
                (qx - px).powi(2) + (qy - py).powi(2)
            })
            .sum();
        (sum / pairs.len() as f64).sqrt()
    }
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
}
