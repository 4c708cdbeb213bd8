//! Tick boxes as people mark them: checks, crosses (heavy ones too), dots, and a box filled in to take a tick
//! back. Drawn by the scan generator's pen at 200 and 300 dpi and read the way intake reads a box's interior.

use blankett::intake::read::ticks::{self, TickState};
use blankett::synth::hand::{PenStyle, TickKind, draw_tick};
use blankett::synth::{PxRect, sub_rng};
use image::{GrayImage, Luma};

const PAPER: u8 = 235;
const BOX_MM: f32 = 5.0;

/// A printed 5 mm box on paper at `px_per_mm`, marked with `kind` (or left empty), and its interior as read.
fn marked_box(kind: Option<TickKind>, px_per_mm: f32, seed: u64) -> GrayImage {
    let side = (BOX_MM * px_per_mm).round() as u32;
    let margin = (3.0 * px_per_mm) as u32;
    let size = side + 2 * margin;
    let mut img = GrayImage::from_pixel(size, size, Luma([PAPER]));
    let line = (0.25 * px_per_mm).ceil().max(1.0) as u32;
    for i in 0..side {
        for t in 0..line {
            for (x, y) in [
                (margin + i, margin + t),
                (margin + i, margin + side - 1 - t),
                (margin + t, margin + i),
                (margin + side - 1 - t, margin + i),
            ] {
                img.put_pixel(x, y, Luma([20]));
            }
        }
    }
    if let Some(kind) = kind {
        let mut rng = sub_rng(seed, kind as u64);
        let style = PenStyle::random(&mut rng, px_per_mm);
        let rect = PxRect {
            x: margin as f32,
            y: margin as f32,
            w: side as f32,
            h: side as f32,
        };
        draw_tick(&mut img, rect, kind, &style, &mut rng);
    }
    let inset = (ticks::INSET_MM * px_per_mm).round() as u32;
    image::imageops::crop_imm(
        &img,
        margin + inset,
        margin + inset,
        side - 2 * inset,
        side - 2 * inset,
    )
    .to_image()
}

fn share_read_as(kind: Option<TickKind>, want: TickState, px_per_mm: f32) -> f64 {
    let n = 300;
    let right = (0..n)
        .filter(|&seed| ticks::read_box(&marked_box(kind, px_per_mm, seed), PAPER).0 == want)
        .count();
    right as f64 / n as f64
}

#[test]
fn every_kind_of_mark_is_read_as_meant() {
    for px_per_mm in [200.0 / 25.4, 300.0 / 25.4] {
        let cases = [
            (None, TickState::Empty),
            (Some(TickKind::Check), TickState::Ticked),
            (Some(TickKind::Cross), TickState::Ticked),
            (Some(TickKind::Dot), TickState::Ticked),
            (Some(TickKind::Filled), TickState::Cancelled),
        ];
        for (kind, want) in cases {
            let share = share_read_as(kind, want, px_per_mm);
            assert!(
                share >= 0.99,
                "{kind:?} at {px_per_mm:.1} px/mm read as {want:?} in only {:.1} % of boxes",
                share * 100.0
            );
        }
    }
}

#[test]
fn a_heavy_cross_is_a_tick_and_a_fill_is_not() {
    let (state, _, ink) = ticks::read_box(&marked_box(Some(TickKind::Filled), 8.0, 1), PAPER);
    assert_eq!(state, TickState::Cancelled, "ink {ink}");
    // A cross drawn with a broad felt pen: lots of ink, but the middle of every side stays white.
    let side = 28u32;
    let mut heavy = GrayImage::from_pixel(side, side, Luma([PAPER]));
    for (x, y, _) in heavy.clone().enumerate_pixels() {
        let (dx, dy) = (x as i32 - y as i32, x as i32 + y as i32 - side as i32 + 1);
        if dx.abs() <= 4 || dy.abs() <= 4 {
            heavy.put_pixel(x, y, Luma([30]));
        }
    }
    let (state, _, ink) = ticks::read_box(&heavy, PAPER);
    assert!(ink > 0.4, "the cross is heavy: {ink}");
    assert_eq!(state, TickState::Ticked);
}

/// The figures behind `ticks::FILLED_FROM` and `FILLED_NINTH_FROM`: `cargo test --release --test ticks -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn print_stats() {
    for px in [200.0f32 / 25.4, 300.0 / 25.4] {
        for kind in [TickKind::Check, TickKind::Cross, TickKind::Filled] {
            let mut v: Vec<(f32, f32, f32)> = (0..300)
                .map(|seed| {
                    let b = marked_box(Some(kind), px, seed);
                    let mut n = blankett::intake::read::cells::ninths(&b, 176);
                    n.sort_by(|a, b| a.partial_cmp(b).unwrap());
                    let (_, _, ink) = ticks::read_box(&b, PAPER);
                    (n[0], n[1], ink)
                })
                .collect();
            let pick = |f: &dyn Fn(&(f32, f32, f32)) -> f32, v: &mut Vec<(f32, f32, f32)>| {
                let mut x: Vec<f32> = v.iter().map(f).collect();
                x.sort_by(|a, b| a.partial_cmp(b).unwrap());
                [x[3], x[30], x[150], x[270], x[296]]
            };
            println!(
                "{px:.1} {kind:?} min {:?} second {:?} ink {:?}",
                pick(&|t| t.0, &mut v),
                pick(&|t| t.1, &mut v),
                pick(&|t| t.2, &mut v)
            );
        }
    }
}
