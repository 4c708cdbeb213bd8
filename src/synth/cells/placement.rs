//! Where one character goes in its box: size, slant, rotation and position drawn from a writer's habits, as a
//! map from glyph units (capital 0..10 high, y down) to pixels. Shared by every writing source of the cells.

use crate::synth::hand::PenStyle;
use crate::synth::{PxRect, normal};
use rand::RngExt;

/// Size, slant, rotation and position of one character in its box, following the writer's habits; returns the
/// capital height in pixels and a map from glyph units to canvas pixels.
pub fn placement<R: rand::Rng + ?Sized>(
    bounds: (f32, f32, f32, f32),
    cell_px: PxRect,
    style: &PenStyle,
    rng: &mut R,
) -> (f32, impl Fn((f32, f32)) -> (f32, f32) + use<R>) {
    let soft = |rng: &mut R| (normal(rng) * 0.5).clamp(-1.0, 1.0);
    let sloppy = rng.random::<f32>() < style.sloppiness;
    let size = (style.size + style.size_var * 2.0 * soft(rng) + if sloppy { 0.15 } else { 0.0 })
        .clamp(0.3, 1.05);
    let slant = style.slant + style.slant_var * 2.0 * soft(rng);
    let rot = style.rotation_var * 2.0 * soft(rng);
    let mut cap = size * cell_px.h / 10.0;
    // Glyph units to unscaled page offsets (y down): slant leans the top right.
    let (s, c) = rot.sin_cos();
    let map0 = move |p: (f32, f32)| {
        let x = p.0 + slant * (10.0 - p.1);
        (x * c - p.1 * s, x * s + p.1 * c)
    };
    let corners = [
        (bounds.0, bounds.1),
        (bounds.2, bounds.1),
        (bounds.0, bounds.3),
        (bounds.2, bounds.3),
    ]
    .map(map0);
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in corners {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let room = if sloppy { 1.1 } else { 0.9 };
    let fit = (room * cell_px.w / ((x1 - x0) * cap).max(1e-3))
        .min(room * cell_px.h / ((y1 - y0) * cap).max(1e-3))
        .min(1.0);
    cap *= fit;
    let spread = if sloppy { 2.5 } else { 1.0 } * style.offset_var;
    let (cx, cy) = cell_px.center();
    let tx = cx + spread * cell_px.w * 2.0 * soft(rng) - (x0 + x1) / 2.0 * cap;
    let ty = cy + spread * cell_px.h * 2.0 * soft(rng) + 0.02 * cell_px.h - (y0 + y1) / 2.0 * cap;
    (cap * 10.0, move |p| {
        let q = map0(p);
        (tx + q.0 * cap, ty + q.1 * cap)
    })
}
