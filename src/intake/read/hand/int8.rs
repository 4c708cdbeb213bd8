//! The network as the service runs it: in bytes. The trained network is f32 ([`super::net`]); one pass of it cost
//! about 0.1 ms a cell on one core, and a cell the reader is unsure of is read up to fourteen times.
//!
//! Here every layer but the last multiplies bytes: the weights are quantised once, to i8 with one scale per output
//! channel; each layer's input is quantised per cell to u8, with the cell's own largest value as its scale (after
//! ReLU nothing is negative, and a per-cell scale needs no calibration set). A convolution is then sums of byte
//! products in i32: with AVX-512 VNNI four products a lane an instruction, and exact, so the portable path gives
//! the same sums on any machine. The output layer (128 x 41) stays f32.
//!
//! Layouts: activations are channel-last (`[y][x][c]`), padded by one zero pixel for the 3x3 convolutions, and
//! gathered per output pixel (`[pixel][tap][c]`, taps row by row) so that every layer is one byte product of rows
//! with packed weights ([`Packed`]).

use super::net::Arch;
use super::prep::SIDE;

const S0: usize = SIDE; // 28
const S1: usize = SIDE / 2; // 14
const S2: usize = SIDE / 4; // 7
const S3: usize = SIDE.div_ceil(8); // 4
/// Output channels per vector of i32.
const LANES: usize = 16;

/// A layer's weights for byte products: `[M/16][K/4][16][4]` i8 (output channels in lanes, four inputs a lane),
/// one scale per output channel, and the bias.
struct Packed {
    m: usize,
    /// Inputs per output, padded to a multiple of 4.
    k: usize,
    w: Vec<i8>,
    scale: Vec<f32>,
    bias: Vec<f32>,
}

impl Packed {
    /// Packs an `m` x `k` weight matrix given by `weight(output, input)`.
    fn new(m: usize, k: usize, weight: impl Fn(usize, usize) -> f32, bias: &[f32]) -> Packed {
        let k4 = k.div_ceil(4) * 4;
        let scale: Vec<f32> = (0..m)
            .map(|o| {
                let max = (0..k).map(|i| weight(o, i).abs()).fold(0.0, f32::max);
                if max > 0.0 { max / 127.0 } else { 1.0 }
            })
            .collect();
        let mut w = vec![0i8; m * k4];
        for (o, scale) in scale.iter().enumerate() {
            for i in 0..k {
                let q = (weight(o, i) / scale).round().clamp(-127.0, 127.0) as i8;
                let (block, lane) = (o / LANES, o % LANES);
                w[((block * (k4 / 4) + i / 4) * LANES + lane) * 4 + i % 4] = q;
            }
        }
        Packed {
            m,
            k: k4,
            w,
            scale,
            bias: bias.to_vec(),
        }
    }
}

/// The network in bytes; built once per model ([`super::Model::int8`]).
pub struct Int8Net {
    arch: Arch,
    conv1: Packed,
    conv2: Packed,
    conv3: Packed,
    dense: Packed,
    /// The output layer, f32, transposed: `[fc][classes]`.
    out_wt: Vec<f32>,
    out_b: Vec<f32>,
    vnni: bool,
}

/// Buffers of one reader.
#[derive(Default)]
pub struct Int8Workspace {
    padded: Vec<u8>,
    cols: Vec<u8>,
    sums: Vec<i32>,
    act: Vec<f32>,
    /// Each output channel's scale times its input's, for the layer at hand.
    scales: Vec<f32>,
    dense_in: Vec<u8>,
    dense_scale: Vec<f32>,
    hidden: Vec<f32>,
    pub logits: Vec<f32>,
}

impl Int8Net {
    /// Whether a network of these widths can run in bytes: every width a whole number of 16-lane vectors.
    pub fn supports(a: &Arch) -> bool {
        [a.c1, a.c2, a.c3, a.fc]
            .iter()
            .all(|&c| c > 0 && c % LANES == 0)
    }

    /// Quantises the f32 parameters of `arch` (as [`super::net`] lays them out).
    pub fn new(arch: &Arch, params: &[f32]) -> Option<Int8Net> {
        if !Int8Net::supports(arch) || params.len() != arch.offsets().total {
            return None;
        }
        let a = *arch;
        let o = a.offsets();
        // net's convolution weights are `[out][in][ky][kx]`; here inputs are `[tap][in]`.
        let conv = |at: usize, cin: usize, cout: usize, bias: usize| {
            Packed::new(
                cout,
                9 * cin,
                |out, i| params[at + out * cin * 9 + (i % cin) * 9 + i / cin],
                &params[bias..bias + cout],
            )
        };
        let sq = S3 * S3;
        Some(Int8Net {
            arch: a,
            conv1: conv(o.w1, 1, a.c1, o.b1),
            conv2: conv(o.w2, a.c1, a.c2, o.b2),
            conv3: conv(o.w3, a.c2, a.c3, o.b3),
            // net flattens `[c][y][x]`; here `[y][x][c]`.
            dense: Packed::new(
                a.fc,
                a.flat(),
                |out, i| params[o.wf1 + out * a.flat() + (i % a.c3) * sq + i / a.c3],
                &params[o.bf1..o.bf1 + a.fc],
            ),
            out_wt: (0..a.fc * a.classes)
                .map(|i| params[o.wf2 + (i % a.classes) * a.fc + i / a.classes])
                .collect(),
            out_b: params[o.bf2..o.bf2 + a.classes].to_vec(),
            vnni: vnni_available(),
        })
    }

    /// The same network without the vector instructions (to check that both give the same sums).
    pub fn portable(mut self) -> Int8Net {
        self.vnni = false;
        self
    }

    /// Logits of `b` inputs (`[B][SIDE*SIDE]`, ink darkness 0..1), into `ws.logits[..b * classes]`.
    pub fn forward(&self, input: &[f32], b: usize, ws: &mut Int8Workspace) {
        assert!(input.len() >= b * S0 * S0);
        #[cfg(target_arch = "x86_64")]
        if self.vnni {
            // SAFETY: the features were detected at run time (`vnni_available`).
            unsafe { self.forward_vnni(input, b, ws) };
            return;
        }
        self.forward_with(input, b, ws, products_portable);
    }

    /// [`forward`](Self::forward) compiled for AVX-512: the layers' glue (gathering, pooling, quantising) is
    /// inlined here and vectorised too.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")]
    unsafe fn forward_vnni(&self, input: &[f32], b: usize, ws: &mut Int8Workspace) {
        self.forward_with(input, b, ws, |rows, n, p, sums| {
            assert!(rows.len() >= n * p.k && p.w.len() == p.m * p.k && sums.len() >= n * p.m);
            // SAFETY: the features were detected at run time; the assert keeps every access in bounds.
            unsafe { vnni::products(rows, n, p, sums) }
        });
    }

    #[inline(always)]
    fn forward_with(
        &self,
        input: &[f32],
        b: usize,
        ws: &mut Int8Workspace,
        products: impl Fn(&[u8], usize, &Packed, &mut [i32]),
    ) {
        let a = &self.arch;
        let flat = a.flat();
        let layer = |rows: &[u8], n: usize, p: &Packed, sums: &mut Vec<i32>| {
            sums.resize(n * p.m, 0);
            products(rows, n, p, sums);
        };
        ws.dense_in.resize(b * flat, 0);
        ws.dense_scale.resize(b, 0.0);
        for (n, x) in input.chunks_exact(S0 * S0).take(b).enumerate() {
            // The input is quantised to 1/255: ink darkness is already 0..1.
            gather_input(x, &mut ws.cols);
            layer(&ws.cols, S0 * S0, &self.conv1, &mut ws.sums);
            pool_relu::<S0>(
                &ws.sums,
                &self.conv1,
                1.0 / 255.0,
                &mut ws.scales,
                &mut ws.act,
            );

            let s1 = quantise_padded::<S1>(&ws.act, a.c1, &mut ws.padded);
            gather::<S1>(&ws.padded, a.c1, &mut ws.cols);
            layer(&ws.cols, S1 * S1, &self.conv2, &mut ws.sums);
            pool_relu::<S1>(&ws.sums, &self.conv2, s1, &mut ws.scales, &mut ws.act);

            let s2 = quantise_padded::<S2>(&ws.act, a.c2, &mut ws.padded);
            gather::<S2>(&ws.padded, a.c2, &mut ws.cols);
            layer(&ws.cols, S2 * S2, &self.conv3, &mut ws.sums);
            pool_relu::<S2>(&ws.sums, &self.conv3, s2, &mut ws.scales, &mut ws.act);

            ws.dense_scale[n] = quantise(&ws.act[..flat], &mut ws.dense_in[n * flat..][..flat]);
        }
        layer(&ws.dense_in, b, &self.dense, &mut ws.sums);
        ws.hidden.resize(b * a.fc, 0.0);
        ws.logits.resize(b * a.classes, 0.0);
        for n in 0..b {
            let k = ws.dense_scale[n];
            let sums = &ws.sums[n * a.fc..][..a.fc];
            let h = &mut ws.hidden[n * a.fc..][..a.fc];
            for (j, (h, &s)) in h.iter_mut().zip(sums).enumerate() {
                *h = (s as f32 * k * self.dense.scale[j] + self.dense.bias[j]).max(0.0);
            }
            // Column by column, so that every class is summed in the same order on every path.
            let logits = &mut ws.logits[n * a.classes..][..a.classes];
            logits.copy_from_slice(&self.out_b);
            for (&h, w) in h.iter().zip(self.out_wt.chunks_exact(a.classes)) {
                for (l, &w) in logits.iter_mut().zip(w) {
                    *l += h * w;
                }
            }
        }
    }
}

fn vnni_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn products_portable(rows: &[u8], n: usize, p: &Packed, sums: &mut [i32]) {
    let groups = p.k / 4;
    for r in 0..n {
        let row = &rows[r * p.k..][..p.k];
        for o in 0..p.m {
            let (block, lane) = (o / LANES, o % LANES);
            let mut s = 0i32;
            for g in 0..groups {
                let w = &p.w[((block * groups + g) * LANES + lane) * 4..][..4];
                for j in 0..4 {
                    s += i32::from(row[g * 4 + j]) * i32::from(w[j]);
                }
            }
            sums[r * p.m + o] = s;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::{LANES, Packed};
    use std::arch::x86_64::*;

    /// As `products_portable`, four rows at a time and up to four 16-lane blocks of outputs at a time, so that
    /// each loaded weight vector serves four rows and each broadcast row group four blocks.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub(super) unsafe fn products(rows: &[u8], n: usize, p: &Packed, sums: &mut [i32]) {
        let blocks = p.m / LANES;
        let mut r = 0;
        while r < n {
            let take = if n - r >= 4 { 4 } else { 1 };
            let mut b = 0;
            while b < blocks {
                let nb = (blocks - b).min(4);
                // SAFETY: rows r..r+take and blocks b..b+nb are inside the buffers (checked by the caller).
                unsafe {
                    let a = rows.as_ptr().add(r * p.k);
                    let w = p.w.as_ptr().add(b * p.k * LANES);
                    let out = sums.as_mut_ptr().add(r * p.m + b * LANES);
                    match (take, nb) {
                        (4, 4) => tile::<4, 4>(a, p.k, w, out, p.m),
                        (4, 3) => tile::<4, 3>(a, p.k, w, out, p.m),
                        (4, 2) => tile::<4, 2>(a, p.k, w, out, p.m),
                        (4, _) => tile::<4, 1>(a, p.k, w, out, p.m),
                        (_, 4) => tile::<1, 4>(a, p.k, w, out, p.m),
                        (_, 3) => tile::<1, 3>(a, p.k, w, out, p.m),
                        (_, 2) => tile::<1, 2>(a, p.k, w, out, p.m),
                        _ => tile::<1, 1>(a, p.k, w, out, p.m),
                    }
                }
                b += nb;
            }
            r += take;
        }
    }

    /// `R` rows of `k` bytes at `a` times `NB` packed blocks at `w`, stored to `out` (row stride `ldo`).
    #[target_feature(enable = "avx512f,avx512vnni")]
    #[inline]
    unsafe fn tile<const R: usize, const NB: usize>(
        a: *const u8,
        k: usize,
        w: *const i8,
        out: *mut i32,
        ldo: usize,
    ) {
        let mut acc = [[_mm512_setzero_si512(); NB]; R];
        let block = k * LANES;
        for g in 0..k / 4 {
            let mut wv = [_mm512_setzero_si512(); NB];
            for (j, v) in wv.iter_mut().enumerate() {
                // SAFETY: block j's group g lies inside the packed weights.
                *v = unsafe { _mm512_loadu_si512(w.add(j * block + g * 4 * LANES).cast()) };
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: row r's bytes 4g..4g+4 lie inside the rows.
                let x = unsafe { a.add(r * k + g * 4).cast::<i32>().read_unaligned() };
                let x = _mm512_set1_epi32(x);
                for (acc, &v) in acc.iter_mut().zip(&wv) {
                    *acc = _mm512_dpbusd_epi32(*acc, x, v);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (j, &v) in acc.iter().enumerate() {
                // SAFETY: row r's outputs of block j lie inside `out`.
                unsafe { _mm512_storeu_si512(out.add(r * ldo + j * LANES).cast(), v) };
            }
        }
    }
}

/// The input quantised to u8 and gathered: one row of 12 bytes per pixel, its 3x3 neighbourhood (zero outside)
/// and three zeros, put together in words (a byte at a time was most of this layer's time).
#[inline(always)]
fn gather_input(x: &[f32], cols: &mut Vec<u8>) {
    const SIDE: usize = S0 + 2;
    // One byte more than the plane, for the last pixel's four-byte read.
    let mut padded = [0u8; SIDE * SIDE + 1];
    for (y, row) in x.chunks_exact(S0).take(S0).enumerate() {
        for (o, &v) in padded[(y + 1) * SIDE + 1..][..S0].iter_mut().zip(row) {
            *o = (v.clamp(0.0, 1.0) * 255.0 + 0.5) as i32 as u8;
        }
    }
    let three = |at: usize| {
        let b: [u8; 4] = padded[at..at + 4].try_into().unwrap();
        u64::from(u32::from_le_bytes(b) & 0x00ff_ffff)
    };
    cols.resize(S0 * S0 * 12, 0);
    for (p, row) in cols.chunks_exact_mut(12).enumerate() {
        let at = (p / S0) * SIDE + p % S0;
        let (r0, r1, r2) = (three(at), three(at + SIDE), three(at + 2 * SIDE));
        let low = r0 | r1 << 24 | r2 << 48;
        row[..8].copy_from_slice(&low.to_le_bytes());
        row[8..].copy_from_slice(&((r2 >> 16) as u32).to_le_bytes());
    }
}

/// From a padded `[S+2][S+2][C]` plane to one row per output pixel: `[S*S][9][C]` (`9 * C` is a multiple of 4,
/// as [`Int8Net::supports`] asks). The usual channel counts are passed as constants into the inlined copy, so
/// that each copy is a few fixed vector moves instead of a call to `memmove`.
#[inline(always)]
fn gather<const S: usize>(padded: &[u8], c: usize, cols: &mut Vec<u8>) {
    match c {
        16 => gather_rows::<S>(padded, 16, cols),
        32 => gather_rows::<S>(padded, 32, cols),
        64 => gather_rows::<S>(padded, 64, cols),
        _ => gather_rows::<S>(padded, c, cols),
    }
}

#[inline(always)]
fn gather_rows<const S: usize>(padded: &[u8], c: usize, cols: &mut Vec<u8>) {
    let side = S + 2;
    cols.resize(S * S * 9 * c, 0);
    for (p, row) in cols.chunks_exact_mut(9 * c).enumerate() {
        let (y, x) = (p / S, p % S);
        for ky in 0..3 {
            let from = &padded[((y + ky) * side + x) * c..][..3 * c];
            row[ky * 3 * c..][..3 * c].copy_from_slice(from);
        }
    }
}

/// 2x2 max-pool (ceil) of `[S][S][M]` sums, then scale, bias and ReLU: `[ceil(S/2)^2][M]` f32. The scales are
/// positive, so the largest sum is the largest activation.
#[inline(always)]
fn pool_relu<const S: usize>(
    sums: &[i32],
    p: &Packed,
    in_scale: f32,
    k: &mut Vec<f32>,
    act: &mut Vec<f32>,
) {
    let (t, m) = (S.div_ceil(2), p.m);
    act.resize(t * t * m, 0.0);
    k.clear();
    k.extend(p.scale.iter().map(|s| s * in_scale));
    for oy in 0..t {
        let (y0, y1) = (2 * oy, (2 * oy + 1).min(S - 1));
        for ox in 0..t {
            let (x0, x1) = (2 * ox, (2 * ox + 1).min(S - 1));
            let at = |y: usize, x: usize| &sums[(y * S + x) * m..][..m];
            let (a, b, c, d) = (at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1));
            let out = &mut act[(oy * t + ox) * m..][..m];
            let bias = &p.bias[..m];
            let lanes = out.iter_mut().zip(a.iter().zip(b).zip(c.iter().zip(d)));
            for ((out, ((a, b), (c, d))), (k, bias)) in lanes.zip(k.iter().zip(bias)) {
                let best = (*a).max(*b).max((*c).max(*d));
                *out = (best as f32 * k + bias).max(0.0);
            }
        }
    }
}

/// Quantises non-negative activations to u8 by their largest value; returns the scale (0 when all are 0).
#[inline(always)]
fn quantise(act: &[f32], out: &mut [u8]) -> f32 {
    let max = act.iter().copied().fold(0.0, f32::max);
    if max <= 0.0 {
        out.fill(0);
        return 0.0;
    }
    let inv = 255.0 / max;
    for (o, &v) in out.iter_mut().zip(act) {
        *o = (v * inv + 0.5) as i32 as u8;
    }
    max / 255.0
}

/// Quantises `[S][S][C]` activations into a plane padded by one zero pixel; returns the scale.
#[inline(always)]
fn quantise_padded<const S: usize>(act: &[f32], c: usize, padded: &mut Vec<u8>) -> f32 {
    let side = S + 2;
    padded.clear();
    padded.resize(side * side * c, 0);
    let max = act[..S * S * c].iter().copied().fold(0.0, f32::max);
    if max <= 0.0 {
        return 0.0;
    }
    let inv = 255.0 / max;
    for y in 0..S {
        let from = &act[y * S * c..][..S * c];
        let to = &mut padded[((y + 1) * side + 1) * c..][..S * c];
        for (o, &v) in to.iter_mut().zip(from) {
            *o = (v * inv + 0.5) as i32 as u8;
        }
    }
    max / 255.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_products_are_the_plain_sums() {
        let (m, k) = (32, 37);
        let weight = |o: usize, i: usize| ((o * 7 + i * 13) % 19) as f32 - 9.0;
        let p = Packed::new(m, k, weight, &vec![0.0; m]);
        let rows: Vec<u8> = (0..5 * p.k).map(|i| (i * 31 % 256) as u8).collect();
        let mut sums = vec![0; 5 * m];
        products_portable(&rows, 5, &p, &mut sums);
        for r in 0..5 {
            for o in 0..m {
                let want: i32 = (0..k)
                    .map(|i| {
                        let q = (weight(o, i) / p.scale[o]).round() as i32;
                        i32::from(rows[r * p.k + i]) * q
                    })
                    .sum();
                assert_eq!(sums[r * m + o], want);
            }
        }
    }
}
