//! The convolutions' matrix product, C (m x n) = W (m x k) X (k x n), with X the im2col matrix read where it lies.
//! A general product (`matrixmultiply`) first copies X into panels; with the few output channels here (16, 32, 64)
//! that copy cost two thirds as much as the arithmetic. X's rows are already contiguous, so a kernel that
//! streams them directly needs no copy: a tile of 4 output channels by 24 columns is held in twelve AVX registers
//! while k runs, and the k x 24 slice of X it reads stays in the L1 cache across the channel blocks.
//!
//! The AVX2/FMA kernel is chosen at run time; other machines and the edges of the matrix use the plain loops.
//! Both sum over k in the same order, but the fused multiply-add rounds once, so the last bits can differ between
//! a machine with FMA and one without (training stays reproducible on one machine).

/// Output channels a tile holds.
const MB: usize = 4;
/// Columns a tile holds (three AVX registers).
const NB: usize = 24;

/// C = W X, overwriting C. `w` is `m x k`, `x` is `k x n` and `c` is `m x n`, all row-major.
pub fn conv_gemm(m: usize, k: usize, n: usize, w: &[f32], x: &[f32], c: &mut [f32]) {
    assert!(w.len() >= m * k && x.len() >= k * n && c.len() >= m * n);
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features the kernel is compiled for, and the assert above bounds every access.
        unsafe { avx2::conv_gemm(m, k, n, w, x, c) };
        return;
    }
    plain(m, k, n, w, x, c, 0, 0);
}

/// The plain loops, for rows from `i0` and columns from `j0` on (the part the tiles leave).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn plain(m: usize, k: usize, n: usize, w: &[f32], x: &[f32], c: &mut [f32], i0: usize, j0: usize) {
    for i in 0..m {
        let from = if i < i0 { j0 } else { 0 };
        if from >= n {
            continue;
        }
        let row = &mut c[i * n + from..(i + 1) * n];
        row.fill(0.0);
        for kk in 0..k {
            let wv = w[i * k + kk];
            for (out, xv) in row.iter_mut().zip(&x[kk * n + from..(kk + 1) * n]) {
                *out += wv * xv;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{MB, NB, plain};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn conv_gemm(m: usize, k: usize, n: usize, w: &[f32], x: &[f32], c: &mut [f32]) {
        let (full_m, full_n) = (m / MB * MB, n / NB * NB);
        let (wp, xp, cp) = (w.as_ptr(), x.as_ptr(), c.as_mut_ptr());
        for j in (0..full_n).step_by(NB) {
            for i in (0..full_m).step_by(MB) {
                // SAFETY: i + MB <= m and j + NB <= n, so every row and column the tile touches is inside the
                // slices (the caller checked their lengths).
                unsafe { tile(k, n, wp.add(i * k), xp.add(j), cp.add(i * n + j)) };
            }
        }
        // Rows past the last whole block (all columns), and the columns past the last whole tile.
        plain(m, k, n, w, x, c, full_m, full_n);
    }

    /// One tile: 4 rows of W (from `w`, each `k` long) times the 24 columns of X from `x` (row stride `n`),
    /// into C from `c` (row stride `n`).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile(k: usize, n: usize, w: *const f32, x: *const f32, c: *mut f32) {
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); 3]; MB];
            for kk in 0..k {
                let row = x.add(kk * n);
                let xs = [
                    _mm256_loadu_ps(row),
                    _mm256_loadu_ps(row.add(8)),
                    _mm256_loadu_ps(row.add(16)),
                ];
                for (r, acc) in acc.iter_mut().enumerate() {
                    let wv = _mm256_broadcast_ss(&*w.add(r * k + kk));
                    for (a, xv) in acc.iter_mut().zip(xs) {
                        *a = _mm256_fmadd_ps(wv, xv, *a);
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                for (q, a) in acc.iter().enumerate() {
                    _mm256_storeu_ps(c.add(r * n + q * 8), *a);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel and the plain loops agree with a product summed in f64, for shapes with and without edges.
    #[test]
    fn agrees_with_a_reference_product() {
        let mut state = 7u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        for (m, k, n) in [
            (16, 9, 784 * 2),
            (32, 144, 196 * 3),
            (64, 288, 49 * 5),
            (5, 7, 30),
            (3, 2, 5),
        ] {
            let w: Vec<f32> = (0..m * k).map(|_| rnd()).collect();
            let x: Vec<f32> = (0..k * n).map(|_| rnd()).collect();
            let mut c = vec![f32::NAN; m * n];
            conv_gemm(m, k, n, &w, &x, &mut c);
            let mut p = vec![f32::NAN; m * n];
            plain(m, k, n, &w, &x, &mut p, 0, 0);
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..k)
                        .map(|kk| f64::from(w[i * k + kk]) * f64::from(x[kk * n + j]))
                        .sum();
                    for (got, how) in [(c[i * n + j], "kernel"), (p[i * n + j], "plain")] {
                        assert!(
                            (f64::from(got) - want).abs() < 1e-4,
                            "{how} {m}x{k}x{n} at ({i}, {j}): {got} against {want}"
                        );
                    }
                }
            }
        }
    }
}
