//! The classifier: a small convolutional network, forward for reading and forward plus backward for training,
//! on matrix products from `matrixmultiply` (im2col convolutions). No framework: five layers are a few hundred
//! lines, and we control every operation's order, so that a seed gives the same weights again.
//!
//! Input 1 x 28 x 28 ->
//! conv 3x3 (c1) ReLU, max-pool 2 -> 14 x 14 ->
//! conv 3x3 (c2) ReLU, max-pool 2 -> 7 x 7 ->
//! conv 3x3 (c3) ReLU, max-pool 2 (ceil) -> 4 x 4 ->
//! dense (fc) ReLU, dropout in training -> dense (classes): logits.
//!
//! Activations are stored channel-major over the batch (`[C][B][H][W]`), so that every convolution of a batch is
//! one matrix product.

use super::prep::SIDE;
use serde::{Deserialize, Serialize};

/// Widths of the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arch {
    pub c1: usize,
    pub c2: usize,
    pub c3: usize,
    pub fc: usize,
    pub classes: usize,
}

/// Spatial sides after each pooling.
const S0: usize = SIDE; // 28
const S1: usize = SIDE / 2; // 14
const S2: usize = SIDE / 4; // 7
const S3: usize = SIDE.div_ceil(8); // 4

/// Where each layer's parameters lie in the flat parameter vector.
#[derive(Debug, Clone, Copy)]
pub struct Offsets {
    pub w1: usize,
    pub b1: usize,
    pub w2: usize,
    pub b2: usize,
    pub w3: usize,
    pub b3: usize,
    pub wf1: usize,
    pub bf1: usize,
    pub wf2: usize,
    pub bf2: usize,
    pub total: usize,
}

impl Arch {
    pub fn flat(&self) -> usize {
        self.c3 * S3 * S3
    }

    pub fn offsets(&self) -> Offsets {
        let mut at = 0;
        let mut take = |n: usize| {
            let o = at;
            at += n;
            o
        };
        let w1 = take(self.c1 * 9);
        let b1 = take(self.c1);
        let w2 = take(self.c2 * self.c1 * 9);
        let b2 = take(self.c2);
        let w3 = take(self.c3 * self.c2 * 9);
        let b3 = take(self.c3);
        let wf1 = take(self.fc * self.flat());
        let bf1 = take(self.fc);
        let wf2 = take(self.classes * self.fc);
        let bf2 = take(self.classes);
        Offsets {
            w1,
            b1,
            w2,
            b2,
            w3,
            b3,
            wf1,
            bf1,
            wf2,
            bf2,
            total: at,
        }
    }

    /// Multiply-adds of one forward pass of one cell.
    pub fn macs(&self) -> usize {
        self.c1 * 9 * S0 * S0
            + self.c2 * self.c1 * 9 * S1 * S1
            + self.c3 * self.c2 * 9 * S2 * S2
            + self.fc * self.flat()
            + self.classes * self.fc
    }

    /// Fan-in of each parameter block (for initialisation); 0 for biases.
    pub fn fan_in(&self) -> Vec<(usize, usize, usize)> {
        let o = self.offsets();
        vec![
            (o.w1, o.b1, 9),
            (o.w2, o.b2, self.c1 * 9),
            (o.w3, o.b3, self.c2 * 9),
            (o.wf1, o.bf1, self.flat()),
            (o.wf2, o.bf2, self.fc),
        ]
    }
}

/// C = A B + beta C, with A m x k and B k x n, either given transposed (stored k x m, n x k).
#[allow(clippy::too_many_arguments)]
fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_t: bool,
    b: &[f32],
    b_t: bool,
    beta: f32,
    c: &mut [f32],
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    let (rsa, csa) = if a_t {
        (1, m as isize)
    } else {
        (k as isize, 1)
    };
    let (rsb, csb) = if b_t {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    // SAFETY: the asserts above keep every index that the strides reach inside the slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// 3x3, padding 1: `x` is `[C][B][S][S]`, `cols` becomes `[C*9][B*S*S]`. The side is a constant so that the
/// row copies compile to fixed moves (a call to `memmove` for 7 floats cost more than the move).
fn im2col<const S: usize>(x: &[f32], c: usize, b: usize, cols: &mut [f32]) {
    let n = b * S * S;
    for ci in 0..c {
        for ky in 0..3 {
            for kx in 0..3 {
                let row = &mut cols[(ci * 9 + ky * 3 + kx) * n..][..n];
                for bi in 0..b {
                    let plane = &x[(ci * b + bi) * S * S..][..S * S];
                    let out = &mut row[bi * S * S..][..S * S];
                    for (y, orow) in out.chunks_exact_mut(S).enumerate() {
                        let sy = y as isize + ky as isize - 1;
                        if sy < 0 || sy >= S as isize {
                            orow.fill(0.0);
                            continue;
                        }
                        let irow: &[f32; S] = plane[sy as usize * S..][..S].try_into().unwrap();
                        let orow: &mut [f32; S] = orow.try_into().unwrap();
                        match kx {
                            0 => {
                                orow[0] = 0.0;
                                orow[1..].copy_from_slice(&irow[..S - 1]);
                            }
                            1 => orow.copy_from_slice(irow),
                            _ => {
                                orow[..S - 1].copy_from_slice(&irow[1..]);
                                orow[S - 1] = 0.0;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds `cols` back into `dx` (`[C][B][S][S]`, zeroed first).
fn col2im(cols: &[f32], c: usize, b: usize, s: usize, dx: &mut [f32]) {
    dx[..c * b * s * s].fill(0.0);
    let n = b * s * s;
    for ci in 0..c {
        for ky in 0..3 {
            for kx in 0..3 {
                let row = &cols[(ci * 9 + ky * 3 + kx) * n..][..n];
                for bi in 0..b {
                    let plane = &mut dx[(ci * b + bi) * s * s..][..s * s];
                    let inp = &row[bi * s * s..][..s * s];
                    for y in 0..s {
                        let sy = y as isize + ky as isize - 1;
                        if sy < 0 || sy >= s as isize {
                            continue;
                        }
                        let irow = &inp[y * s..][..s];
                        let orow = &mut plane[sy as usize * s..][..s];
                        match kx {
                            0 => {
                                for x in 1..s {
                                    orow[x - 1] += irow[x];
                                }
                            }
                            1 => {
                                for x in 0..s {
                                    orow[x] += irow[x];
                                }
                            }
                            _ => {
                                for x in 0..s - 1 {
                                    orow[x + 1] += irow[x];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// 2x2 max-pool with stride 2 (ceil mode) of `[C*B][S][S]` planes after ReLU; records the winner of each window
/// (the first of equals, in reading order). A window cut by the edge of an odd side repeats its last row or
/// column, which never wins over the first.
fn pool<const S: usize>(y: &[f32], planes: usize, out: &mut [f32], arg: &mut [u32]) {
    let t = S.div_ceil(2);
    let windows = out.chunks_exact_mut(t * t).zip(arg.chunks_exact_mut(t * t));
    for (p, (plane, (out, arg))) in y.chunks_exact(S * S).zip(windows).take(planes).enumerate() {
        let base = p * S * S;
        for oy in 0..t {
            let (r0, r1) = (2 * oy * S, (2 * oy + 1).min(S - 1) * S);
            for ox in 0..t {
                let (c0, c1) = (2 * ox, (2 * ox + 1).min(S - 1));
                let mut at = r0 + c0;
                let mut best = plane[at];
                for i in [r0 + c1, r1 + c0, r1 + c1] {
                    let v = plane[i];
                    if v > best {
                        best = v;
                        at = i;
                    }
                }
                out[oy * t + ox] = best;
                arg[oy * t + ox] = (base + at) as u32;
            }
        }
    }
}

fn add_bias_relu(y: &mut [f32], bias: &[f32], per: usize) {
    for (m, chunk) in y.chunks_exact_mut(per).enumerate() {
        let b = bias[m];
        for v in chunk {
            *v = (*v + b).max(0.0);
        }
    }
}

/// Buffers for one batch size.
#[derive(Default)]
pub struct Workspace {
    batch: usize,
    cols1: Vec<f32>,
    y1: Vec<f32>,
    p1: Vec<f32>,
    a1: Vec<u32>,
    cols2: Vec<f32>,
    y2: Vec<f32>,
    p2: Vec<f32>,
    a2: Vec<u32>,
    cols3: Vec<f32>,
    y3: Vec<f32>,
    p3: Vec<f32>,
    a3: Vec<u32>,
    x4: Vec<f32>,
    h: Vec<f32>,
    drop: Vec<f32>,
    pub logits: Vec<f32>,
    // Gradient scratch.
    dlog: Vec<f32>,
    dh: Vec<f32>,
    dx4: Vec<f32>,
    dy: Vec<f32>,
    dcols: Vec<f32>,
    dp: Vec<f32>,
}

fn fit(v: &mut Vec<f32>, n: usize) {
    if v.len() < n {
        v.resize(n, 0.0);
    }
}

fn fit_u(v: &mut Vec<u32>, n: usize) {
    if v.len() < n {
        v.resize(n, 0);
    }
}

impl Workspace {
    fn prepare(&mut self, a: &Arch, b: usize) {
        self.batch = b;
        fit(&mut self.cols1, 9 * b * S0 * S0);
        fit(&mut self.y1, a.c1 * b * S0 * S0);
        fit(&mut self.p1, a.c1 * b * S1 * S1);
        fit_u(&mut self.a1, a.c1 * b * S1 * S1);
        fit(&mut self.cols2, a.c1 * 9 * b * S1 * S1);
        fit(&mut self.y2, a.c2 * b * S1 * S1);
        fit(&mut self.p2, a.c2 * b * S2 * S2);
        fit_u(&mut self.a2, a.c2 * b * S2 * S2);
        fit(&mut self.cols3, a.c2 * 9 * b * S2 * S2);
        fit(&mut self.y3, a.c3 * b * S2 * S2);
        fit(&mut self.p3, a.c3 * b * S3 * S3);
        fit_u(&mut self.a3, a.c3 * b * S3 * S3);
        fit(&mut self.x4, b * a.flat());
        fit(&mut self.h, b * a.fc);
        fit(&mut self.drop, b * a.fc);
        fit(&mut self.logits, b * a.classes);
    }
}

/// Forward pass of `b` inputs (`[B][SIDE*SIDE]`, which is also `[1][B][S][S]`). Logits land in
/// `ws.logits[..b * classes]`. With `dropout` (rate, random source) the dense layer drops units, for training.
pub fn forward(
    a: &Arch,
    params: &[f32],
    input: &[f32],
    b: usize,
    ws: &mut Workspace,
    dropout: Option<(f32, &mut dyn FnMut() -> f32)>,
) {
    let o = a.offsets();
    ws.prepare(a, b);
    let n0 = b * S0 * S0;
    im2col::<S0>(input, 1, b, &mut ws.cols1);
    gemm(
        a.c1,
        9,
        n0,
        &params[o.w1..],
        false,
        &ws.cols1,
        false,
        0.0,
        &mut ws.y1,
    );
    add_bias_relu(&mut ws.y1[..a.c1 * n0], &params[o.b1..o.b1 + a.c1], n0);
    pool::<S0>(&ws.y1, a.c1 * b, &mut ws.p1, &mut ws.a1);

    let n1 = b * S1 * S1;
    im2col::<S1>(&ws.p1, a.c1, b, &mut ws.cols2);
    gemm(
        a.c2,
        a.c1 * 9,
        n1,
        &params[o.w2..],
        false,
        &ws.cols2,
        false,
        0.0,
        &mut ws.y2,
    );
    add_bias_relu(&mut ws.y2[..a.c2 * n1], &params[o.b2..o.b2 + a.c2], n1);
    pool::<S1>(&ws.y2, a.c2 * b, &mut ws.p2, &mut ws.a2);

    let n2 = b * S2 * S2;
    im2col::<S2>(&ws.p2, a.c2, b, &mut ws.cols3);
    gemm(
        a.c3,
        a.c2 * 9,
        n2,
        &params[o.w3..],
        false,
        &ws.cols3,
        false,
        0.0,
        &mut ws.y3,
    );
    add_bias_relu(&mut ws.y3[..a.c3 * n2], &params[o.b3..o.b3 + a.c3], n2);
    pool::<S2>(&ws.y3, a.c3 * b, &mut ws.p3, &mut ws.a3);

    // [C][B][16] -> [B][C*16]
    let sq = S3 * S3;
    let flat = a.flat();
    for c in 0..a.c3 {
        for bi in 0..b {
            ws.x4[bi * flat + c * sq..][..sq].copy_from_slice(&ws.p3[(c * b + bi) * sq..][..sq]);
        }
    }
    gemm(
        b,
        flat,
        a.fc,
        &ws.x4,
        false,
        &params[o.wf1..],
        true,
        0.0,
        &mut ws.h,
    );
    for bi in 0..b {
        for (j, v) in ws.h[bi * a.fc..][..a.fc].iter_mut().enumerate() {
            *v = (*v + params[o.bf1 + j]).max(0.0);
        }
    }
    if let Some((rate, rng)) = dropout {
        let keep = 1.0 - rate;
        for (v, d) in ws.h[..b * a.fc].iter_mut().zip(ws.drop.iter_mut()) {
            *d = if rng() < keep { 1.0 / keep } else { 0.0 };
            *v *= *d;
        }
    } else {
        ws.drop[..b * a.fc].fill(1.0);
    }
    gemm(
        b,
        a.fc,
        a.classes,
        &ws.h,
        false,
        &params[o.wf2..],
        true,
        0.0,
        &mut ws.logits,
    );
    for bi in 0..b {
        for (j, v) in ws.logits[bi * a.classes..][..a.classes]
            .iter_mut()
            .enumerate()
        {
            *v += params[o.bf2 + j];
        }
    }
}

/// Softmax of each row of logits divided by `temperature`, in place.
pub fn softmax(logits: &mut [f32], classes: usize, temperature: f32) {
    for row in logits.chunks_exact_mut(classes) {
        let max = row.iter().copied().fold(f32::MIN, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = ((*v - max) / temperature).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
}

/// Cross-entropy gradient of the batch just run forward (labels, label smoothing `eps`, divided by `total` —
/// the whole batch when it is split over threads), added into `grad`. Returns the summed loss.
pub fn backward(
    a: &Arch,
    params: &[f32],
    labels: &[u8],
    eps: f32,
    total: usize,
    ws: &mut Workspace,
    grad: &mut [f32],
) -> f32 {
    let o = a.offsets();
    let b = ws.batch;
    let k = a.classes;
    fit(&mut ws.dlog, b * k);
    let mut loss = 0.0;
    for (bi, &label) in labels.iter().enumerate().take(b) {
        let row = &ws.logits[bi * k..][..k];
        let max = row.iter().copied().fold(f32::MIN, f32::max);
        let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
        let lse = max + sum.ln();
        let y = usize::from(label);
        for (j, (&logit, d)) in row.iter().zip(&mut ws.dlog[bi * k..][..k]).enumerate() {
            let p = (logit - lse).exp();
            let t = if j == y {
                1.0 - eps + eps / k as f32
            } else {
                eps / k as f32
            };
            *d = (p - t) / total as f32;
            loss -= t * (logit - lse);
        }
    }
    // Dense 2.
    gemm(
        k,
        b,
        a.fc,
        &ws.dlog,
        true,
        &ws.h,
        false,
        1.0,
        &mut grad[o.wf2..],
    );
    for bi in 0..b {
        for j in 0..k {
            grad[o.bf2 + j] += ws.dlog[bi * k + j];
        }
    }
    fit(&mut ws.dh, b * a.fc);
    gemm(
        b,
        k,
        a.fc,
        &ws.dlog,
        false,
        &params[o.wf2..],
        false,
        0.0,
        &mut ws.dh,
    );
    for i in 0..b * a.fc {
        if ws.h[i] <= 0.0 {
            ws.dh[i] = 0.0;
        } else {
            ws.dh[i] *= ws.drop[i];
        }
    }
    // Dense 1.
    let flat = a.flat();
    gemm(
        a.fc,
        b,
        flat,
        &ws.dh,
        true,
        &ws.x4,
        false,
        1.0,
        &mut grad[o.wf1..],
    );
    for bi in 0..b {
        for j in 0..a.fc {
            grad[o.bf1 + j] += ws.dh[bi * a.fc + j];
        }
    }
    fit(&mut ws.dx4, b * flat);
    gemm(
        b,
        a.fc,
        flat,
        &ws.dh,
        false,
        &params[o.wf1..],
        false,
        0.0,
        &mut ws.dx4,
    );
    // Unflatten into dp (as [C3][B][16]), then through pool 3 into dy ([C3][B][7][7]).
    let sq = S3 * S3;
    fit(&mut ws.dp, a.c3 * b * sq);
    for c in 0..a.c3 {
        for bi in 0..b {
            ws.dp[(c * b + bi) * sq..][..sq].copy_from_slice(&ws.dx4[bi * flat + c * sq..][..sq]);
        }
    }
    let n2 = b * S2 * S2;
    fit(&mut ws.dy, a.c3 * n2);
    unpool(
        &ws.dp[..a.c3 * b * sq],
        &ws.a3,
        &ws.y3,
        &mut ws.dy[..a.c3 * n2],
    );
    conv_back(
        a.c3,
        a.c2,
        n2,
        &ws.dy,
        &ws.cols3,
        &params[o.w3..],
        &mut grad[o.w3..],
        &mut ws.dcols,
        true,
    );
    let mut dp2 = std::mem::take(&mut ws.dp);
    fit(&mut dp2, a.c2 * n2);
    col2im(&ws.dcols, a.c2, b, S2, &mut dp2);
    // Layer 2.
    let n1 = b * S1 * S1;
    fit(&mut ws.dy, a.c2 * n1);
    unpool(&dp2[..a.c2 * n2], &ws.a2, &ws.y2, &mut ws.dy[..a.c2 * n1]);
    conv_back(
        a.c2,
        a.c1,
        n1,
        &ws.dy,
        &ws.cols2,
        &params[o.w2..],
        &mut grad[o.w2..],
        &mut ws.dcols,
        true,
    );
    fit(&mut dp2, a.c1 * n1);
    col2im(&ws.dcols, a.c1, b, S1, &mut dp2);
    // Layer 1.
    let n0 = b * S0 * S0;
    fit(&mut ws.dy, a.c1 * n0);
    unpool(&dp2[..a.c1 * n1], &ws.a1, &ws.y1, &mut ws.dy[..a.c1 * n0]);
    conv_back(
        a.c1,
        1,
        n0,
        &ws.dy,
        &ws.cols1,
        &params[o.w1..],
        &mut grad[o.w1..],
        &mut ws.dcols,
        false,
    );
    ws.dp = dp2;
    loss
}

/// Routes pooled gradients to the window winners, through the ReLU (zero where the activation was 0).
fn unpool(dp: &[f32], arg: &[u32], y: &[f32], dy: &mut [f32]) {
    dy.fill(0.0);
    for (g, &at) in dp.iter().zip(arg) {
        let at = at as usize;
        if y[at] > 0.0 {
            dy[at] += g;
        }
    }
}

/// Gradients of a convolution: weights, and the bias that follows them in the same `grad_w` block, and the
/// im2col-shaped input gradient when `need_dx`.
#[allow(clippy::too_many_arguments)]
fn conv_back(
    m: usize,
    cin: usize,
    n: usize,
    dy: &[f32],
    cols: &[f32],
    w: &[f32],
    grad_w: &mut [f32],
    dcols: &mut Vec<f32>,
    need_dx: bool,
) {
    let k = cin * 9;
    gemm(m, n, k, dy, false, cols, true, 1.0, grad_w);
    // The bias follows the weights directly in the parameter layout.
    for mi in 0..m {
        let s: f32 = dy[mi * n..][..n].iter().sum();
        grad_w[m * k + mi] += s;
    }
    if need_dx {
        fit(dcols, k * n);
        gemm(k, m, n, w, true, dy, false, 0.0, dcols);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analytic gradient agrees with a finite difference on a tiny network.
    #[test]
    fn gradient_matches_finite_difference() {
        let a = Arch {
            c1: 2,
            c2: 3,
            c3: 4,
            fc: 5,
            classes: 3,
        };
        let o = a.offsets();
        let mut state = 12345u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        let params: Vec<f32> = (0..o.total).map(|_| rnd() * 0.8).collect();
        let b = 2;
        let input: Vec<f32> = (0..b * SIDE * SIDE).map(|_| rnd() + 0.5).collect();
        let labels = [0u8, 2];
        let loss_of = |p: &[f32]| {
            let mut ws = Workspace::default();
            forward(&a, p, &input, b, &mut ws, None);
            let mut g = vec![0.0; o.total];
            backward(&a, p, &labels, 0.0, b, &mut ws, &mut g) / b as f32
        };
        let mut ws = Workspace::default();
        forward(&a, &params, &input, b, &mut ws, None);
        let mut grad = vec![0.0; o.total];
        backward(&a, &params, &labels, 0.0, b, &mut ws, &mut grad);
        for &i in &[
            o.wf2 + 2,
            o.bf2 + 1,
            o.wf1 + 11,
            o.bf1 + 4,
            o.w3 + 20,
            o.b3 + 2,
            o.w2 + 7,
            o.b2,
            o.w1 + 3,
            o.b1 + 1,
            o.w2 + 7,
            o.b2,
            o.w3 + 20,
            o.b3 + 2,
            o.wf1 + 11,
            o.bf1 + 4,
            o.wf2 + 2,
            o.bf2 + 1,
        ] {
            let h = 2e-3;
            let mut p = params.clone();
            p[i] += h;
            let up = loss_of(&p);
            p[i] -= 2.0 * h;
            let down = loss_of(&p);
            let numeric = (up - down) / (2.0 * h);
            eprintln!("param {i}: numeric {numeric} analytic {}", grad[i]);
            assert!(
                (numeric - grad[i]).abs() < 2e-3 + 0.05 * numeric.abs(),
                "param {i}: numeric {numeric} analytic {}",
                grad[i]
            );
        }
    }
}
