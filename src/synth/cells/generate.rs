//! Generated comb cells, as the intake crops them: one character written into a printed 6 x 8 mm box by a
//! random writer with a random pen, warped the way hands and scanners do, and delivered by a random device
//! (300 and 200 dpi grey scans, photocopies, fax fine and normal at 1 bit, phone photos), cropped to the cell
//! interior with the small misalignment the intake leaves.
//!
//! Writing sources: the handwriting sources of [`crate::synth::hand`], the other Hershey fonts drawn with a pen,
//! our own stroke models ([`super::shapes`]), and a few outline fonts (DejaVu, Liberation) warped and slanted.
//! One source, [`HELD_OUT`], is never used for training: validation and the test read it.

use super::placement::placement;
use super::real::{self, RealDigits, Split};
use super::shapes::{self as strokes, Strokes};
use crate::synth::degrade::{self, Quality, ScanParams};
use crate::synth::hand::{self, HandSource, PenStyle};
use crate::synth::stroke::{Coverage as Canvas, Pen, stroke};
use crate::synth::{PxRect, normal, uniform};
use ab_glyph::{Font, FontArc};
use image::{GrayImage, Luma};
use rand::RngExt;
use std::sync::OnceLock;

/// The writing source held out of training entirely.
pub const HELD_OUT: HandSource = HandSource::HumorSans;

/// Where a writer's letter shapes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shapes {
    /// A source of `synth::hand`, written by its `draw_char`.
    Hand(HandSource),
    /// One of [`strokes::extra_hershey`], drawn with the pen.
    Hershey(usize),
    /// Our stroke models, perturbed per character.
    Model,
    /// One of [`extra_outlines`], filled.
    Outline(usize),
    /// Digits written by real people ([`super::real`]), from one part of the set; other characters from our
    /// stroke models.
    Real(Split),
}

impl Shapes {
    pub fn name(self) -> String {
        match self {
            Shapes::Hand(s) => s.name().to_string(),
            Shapes::Hershey(i) => format!(
                "hershey-{}",
                strokes::EXTRA_HERSHEY[i].trim_end_matches(".jhf")
            ),
            Shapes::Model => "stroke-models".into(),
            Shapes::Outline(i) => format!("outline-{}", EXTRA_OUTLINES[i].trim_end_matches(".ttf")),
            Shapes::Real(split) => format!("real-digits-{}", split.name()),
        }
    }
}

/// Outline fonts that are not handwriting but give more shapes of block capitals and digits once warped.
pub const EXTRA_OUTLINES: [&str; 7] = [
    "dejavu/DejaVuSans.ttf",
    "dejavu/DejaVuSans-Bold.ttf",
    "dejavu/DejaVuSansCondensed.ttf",
    "dejavu/DejaVuSans-ExtraLight.ttf",
    "liberation2/LiberationSans-Regular.ttf",
    "liberation2/LiberationSans-Italic.ttf",
    "liberation2/LiberationSerif-Regular.ttf",
];

/// The extra outline fonts, by index into [`EXTRA_OUTLINES`] (None where not installed).
pub fn extra_outlines() -> &'static [Option<FontArc>] {
    static F: OnceLock<Vec<Option<FontArc>>> = OnceLock::new();
    F.get_or_init(|| {
        EXTRA_OUTLINES
            .iter()
            .map(|f| {
                let bytes = std::fs::read(format!("/usr/share/fonts/truetype/{f}")).ok()?;
                FontArc::try_from_vec(bytes).ok()
            })
            .collect()
    })
}

/// The training mixture: every installed source but [`HELD_OUT`], with weights.
pub fn training_mixture() -> Vec<(Shapes, f32)> {
    let mut m = Vec::new();
    let installed = hand::sources();
    for (s, w) in [
        (HandSource::DkgHandwriting, 0.14),
        (HandSource::ComicNeue, 0.12),
        (HandSource::HersheySimplex, 0.09),
        (HandSource::HersheyScript, 0.06),
        (HandSource::HersheyCursive, 0.06),
    ] {
        if s != HELD_OUT && installed.contains(&s) {
            m.push((Shapes::Hand(s), w));
        }
    }
    let hershey = strokes::extra_hershey().len();
    for i in 0..hershey {
        m.push((Shapes::Hershey(i), 0.13 / hershey as f32));
    }
    m.push((Shapes::Model, 0.30));
    let outlines: Vec<usize> = (0..EXTRA_OUTLINES.len())
        .filter(|&i| extra_outlines()[i].is_some())
        .collect();
    for &i in &outlines {
        m.push((Shapes::Outline(i), 0.10 / outlines.len() as f32));
    }
    m
}

/// Picks a source from a weighted mixture.
pub fn pick<R: rand::Rng + ?Sized>(mix: &[(Shapes, f32)], rng: &mut R) -> Shapes {
    let total: f32 = mix.iter().map(|m| m.1).sum();
    let mut r = rng.random::<f32>() * total;
    for (s, w) in mix {
        if r < *w {
            return *s;
        }
        r -= w;
    }
    mix[mix.len() - 1].0
}

/// The scanner, copier, fax or camera a page went through: one of the presets of [`crate::synth::degrade`],
/// drawn with its parameters as for a whole page, applied to the cell alone.
#[derive(Debug, Clone)]
pub struct Device {
    pub quality: Quality,
    pub scan: ScanParams,
}

impl Device {
    /// A random device: grey scans most often, then faxes, copies and photos.
    pub fn random<R: rand::Rng + ?Sized>(rng: &mut R) -> Device {
        let r: f32 = rng.random();
        let quality = match r {
            r if r < 0.2 => Quality::Clean300,
            r if r < 0.45 => Quality::Office200,
            r if r < 0.6 => Quality::Copy,
            r if r < 0.75 => Quality::FaxFine,
            r if r < 0.87 => Quality::FaxNormal,
            _ => Quality::Photo,
        };
        Device::of(quality, rng)
    }

    /// A device of one preset.
    pub fn of<R: rand::Rng + ?Sized>(quality: Quality, rng: &mut R) -> Device {
        Device {
            quality,
            scan: quality.params(rng),
        }
    }

    pub fn name(&self) -> &'static str {
        self.quality.name()
    }

    /// The paper level the intake would measure on such a page.
    pub fn paper_level(&self) -> u8 {
        if self.scan.binarize.is_some() {
            255
        } else {
            self.scan.paper
        }
    }
}

/// One person writing one field on one page: letter shapes, pen and habits, the device, and where the intake's
/// crop sits relative to the printed boxes.
#[derive(Debug, Clone)]
pub struct Writer {
    pub shapes: Shapes,
    pub style: PenStyle,
    pub device: Device,
    /// Crop misalignment in mm (right, down) and degrees.
    pub shift_mm: (f32, f32),
    pub turn_deg: f32,
    /// Strength of the writer's elastic distortion, mm.
    pub elastic_mm: f32,
    /// Extra slant the writer's hand adds (for outline fonts mostly), as shear.
    pub shear: f32,
    /// Darkness of the printed box lines.
    pub box_ink: f32,
    pub box_half_mm: f32,
}

/// 300 dpi, the resolution cells are drawn at before the device samples them.
const DRAW_PX_PER_MM: f32 = 300.0 / 25.4;
/// The comb cell and the interior the intake crops (inset 0.7 mm).
const CELL_MM: (f32, f32) = (6.0, 8.0);
const INSET_MM: f32 = 0.7;
const MARGIN_MM: f32 = 1.5;

impl Writer {
    pub fn random<R: rand::Rng + ?Sized>(shapes: Shapes, rng: &mut R) -> Writer {
        let mut style = PenStyle::random(rng, DRAW_PX_PER_MM);
        // Some people write small, some with a broad pen: strokes thick for the letter's size, where loops
        // and hooks close up.
        if rng.random::<f32>() < 0.25 {
            style.size *= uniform(rng, 0.6, 0.85);
        }
        if rng.random::<f32>() < 0.2 {
            let k = uniform(rng, 1.2, 1.8);
            style.width_px *= k;
            style.embolden_px = style.embolden_px * k + uniform(rng, 0.5, 2.0);
        }
        let device = Device::random(rng);
        // The re-fit leaves the grid within a few tenths of a millimetre; now and then it is off by more and a
        // box line shows at the edge of the crop.
        let far = rng.random::<f32>() < 0.12;
        let sd = if far { 0.4 } else { 0.15 };
        let shift_mm = (
            (sd * normal(rng)).clamp(-0.8, 0.8),
            (sd * normal(rng)).clamp(-0.8, 0.8),
        );
        let outline = matches!(shapes, Shapes::Outline(_));
        Writer {
            shapes,
            device,
            shift_mm,
            turn_deg: (0.5 * normal(rng)).clamp(-1.5, 1.5),
            elastic_mm: uniform(rng, 0.0, 0.22),
            shear: if outline {
                (0.12 + 0.12 * normal(rng)).clamp(-0.1, 0.4)
            } else {
                0.06 * normal(rng)
            },
            box_ink: uniform(rng, 0.55, 1.0),
            box_half_mm: uniform(rng, 0.08, 0.17),
            style,
        }
    }
}

/// What goes into a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Char(char),
    /// No character: box line pieces, specks, a stray stroke, a dot (the "empty" class).
    Noise,
}

/// A cell interior as the intake crops it, with the page's paper level.
pub struct Cell {
    pub image: GrayImage,
    pub paper: u8,
}

/// Writes `content` into a cell with `writer`'s hand and delivers the crop of its interior.
pub fn cell<R: rand::Rng + ?Sized>(content: Content, writer: &Writer, rng: &mut R) -> Cell {
    let k = DRAW_PX_PER_MM;
    let (cw, ch) = (
        ((CELL_MM.0 + 2.0 * MARGIN_MM) * k).round() as usize,
        ((CELL_MM.1 + 2.0 * MARGIN_MM) * k).round() as usize,
    );
    let cell_px = PxRect::new(MARGIN_MM * k, MARGIN_MM * k, CELL_MM.0 * k, CELL_MM.1 * k);
    let mut ink = Canvas::canvas(cw, ch);
    match content {
        Content::Char(c) => draw(&mut ink, c, cell_px, writer, rng),
        Content::Noise => draw_noise(&mut ink, cell_px, writer, rng),
    }
    if content != Content::Noise && rng.random::<f32>() < 0.04 {
        intrusion(&mut ink, cell_px, writer, rng);
    }
    sample_device(&ink, writer, rng)
}

fn pen_of(style: &PenStyle, cap_px: f32) -> Pen {
    Pen {
        ink: 1.0 - f32::from(style.ink) / 255.0,
        ..style.pen(cap_px)
    }
}

fn draw<R: rand::Rng + ?Sized>(
    ink: &mut Canvas,
    c: char,
    cell_px: PxRect,
    w: &Writer,
    rng: &mut R,
) {
    match w.shapes {
        Shapes::Hand(source) => {
            let mut img = GrayImage::from_pixel(ink.w as u32, ink.h as u32, Luma([255]));
            if !hand::draw_char(&mut img, c, cell_px, source, &w.style, rng) {
                // Fall back on the stroke models for a glyph the source lacks.
                let g = strokes::model_glyph(c, rng).unwrap_or_default();
                place_strokes(ink, &g, cell_px, w, rng);
                return;
            }
            for (d, p) in ink.data.iter_mut().zip(img.as_raw()) {
                *d = d.max(1.0 - f32::from(*p) / 255.0);
            }
        }
        Shapes::Hershey(i) => {
            let g = strokes::extra_hershey()[i]
                .glyph(c, rng)
                .or_else(|| strokes::model_glyph(c, rng))
                .unwrap_or_default();
            place_strokes(ink, &g, cell_px, w, rng);
        }
        Shapes::Model => {
            let g = strokes::model_glyph(c, rng).unwrap_or_default();
            place_strokes(ink, &g, cell_px, w, rng);
        }
        Shapes::Real(split) if c.is_ascii_digit() => place_real(ink, c, split, cell_px, w, rng),
        Shapes::Real(_) => {
            let g = strokes::model_glyph(c, rng).unwrap_or_default();
            place_strokes(ink, &g, cell_px, w, rng);
        }
        Shapes::Outline(i) => match extra_outlines()[i].as_ref() {
            Some(font) => place_outline(ink, font, c, cell_px, w, rng),
            None => {
                let g = strokes::model_glyph(c, rng).unwrap_or_default();
                place_strokes(ink, &g, cell_px, w, rng);
            }
        },
    }
}

fn bounds_of(g: &Strokes) -> Option<(f32, f32, f32, f32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in g.iter().flatten() {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    // A hyphen is flat: keep its height so that the fit does not blow it up.
    (x0 <= x1).then_some((x0, y0.min(4.0).min(y1 - 0.5), x1, y1.max(6.0).max(y0 + 0.5)))
}

fn place_strokes<R: rand::Rng + ?Sized>(
    ink: &mut Canvas,
    g: &Strokes,
    cell_px: PxRect,
    w: &Writer,
    rng: &mut R,
) {
    let Some(b) = bounds_of(g) else { return };
    let b = (b.0, b.1.min(0.0), b.2, b.3.max(10.0));
    let (cap_px, map) = placement(b, cell_px, &w.style, rng);
    let pen = pen_of(&w.style, cap_px);
    for s in g {
        let pts: Vec<(f32, f32)> = s.iter().map(|&p| map(p)).collect();
        stroke(ink, &pts, &pen, rng);
    }
}

fn place_outline<R: rand::Rng + ?Sized>(
    ink: &mut Canvas,
    font: &FontArc,
    c: char,
    cell_px: PxRect,
    w: &Writer,
    rng: &mut R,
) {
    let id = font.glyph_id(c);
    let Some(hb) = font.outline(font.glyph_id('H')).map(|o| o.bounds) else {
        return;
    };
    let Some(ob) = font.outline(id).map(|o| o.bounds) else {
        return;
    };
    let cap_units = hb.max.y.max(1.0);
    // Glyph units: capital 0..10, y down.
    let to_g = |x: f32, y: f32| (x / cap_units * 10.0, 10.0 - y / cap_units * 10.0);
    let (gx0, gy1) = to_g(ob.min.x, ob.min.y);
    let (gx1, gy0) = to_g(ob.max.x, ob.max.y);
    let b = (gx0, gy0.min(0.0).min(gy1 - 1.0), gx1, gy1.max(10.0));
    let (cap_px, map) = placement(b, cell_px, &w.style, rng);
    // Rasterise upright at the fitted size: slant and rotation come from the warp.
    let px_scale = ab_glyph::PxScale::from(cap_px * font.height_unscaled() / cap_units);
    let origin = map((0.0, 10.0));
    let glyph = id.with_scale_and_position(px_scale, ab_glyph::point(origin.0, origin.1));
    if let Some(og) = font.outline_glyph(glyph) {
        let bb = og.px_bounds();
        let darkness = 1.0 - f32::from(w.style.ink) / 255.0;
        let grow = (w.style.embolden_px * 0.5).round() as i32;
        og.draw(|x, y, cov| {
            let px = bb.min.x as i32 + x as i32;
            let py = bb.min.y as i32 + y as i32;
            for dy in -grow..=grow {
                for dx in -grow..=grow {
                    let (qx, qy) = (px + dx, py + dy);
                    if qx >= 0 && qy >= 0 && (qx as usize) < ink.w && (qy as usize) < ink.h {
                        let cell = &mut ink.data[qy as usize * ink.w + qx as usize];
                        *cell = cell.max(cov.min(1.0) * darkness);
                    }
                }
            }
        });
    }
}

/// A real person's digit, enlarged to the writer's size and inked with the writer's pen.
fn place_real<R: rand::Rng + ?Sized>(
    ink: &mut Canvas,
    c: char,
    split: Split,
    cell_px: PxRect,
    w: &Writer,
    rng: &mut R,
) {
    let set = RealDigits::get();
    let label = c as u8 - b'0';
    let img = set.image(set.pick(split, label, rng));
    let Some(frame) = real::glyph_frame(img) else {
        return;
    };
    let (_, map) = placement(frame.bounds, cell_px, &w.style, rng);
    let inking = real::Inking::random(rng, 1.0 - f32::from(w.style.ink) / 255.0, DRAW_PX_PER_MM);
    real::draw(ink, img, frame.origin, frame.k, map, &inking, rng);
}

/// Ink that is not a character: pieces of stroke from a neighbour, specks, a dot, or nothing at all (the crop
/// then shows box lines, misaligned).
fn draw_noise<R: rand::Rng + ?Sized>(ink: &mut Canvas, cell_px: PxRect, w: &Writer, rng: &mut R) {
    let pen = pen_of(&w.style, cell_px.h * 0.6);
    match rng.random_range(0..5u32) {
        0 => intrusion(ink, cell_px, w, rng),
        1 => {
            for _ in 0..rng.random_range(2..12u32) {
                let p = (
                    cell_px.x + uniform(rng, 0.0, cell_px.w),
                    cell_px.y + uniform(rng, 0.0, cell_px.h),
                );
                let r = uniform(rng, 0.5, 2.5);
                ink.capsule(p, p, r, r, uniform(rng, 0.5, 1.0));
            }
        }
        2 => {
            let (cx, cy) = cell_px.center();
            let p = (
                cx + uniform(rng, -0.3, 0.3) * cell_px.w,
                cy + uniform(rng, -0.3, 0.3) * cell_px.h,
            );
            let len = uniform(rng, 0.0, 0.12) * cell_px.h;
            let a = uniform(rng, 0.0, std::f32::consts::TAU);
            let q = (p.0 + len * a.cos(), p.1 + len * a.sin());
            stroke(
                ink,
                &[p, q],
                &Pen {
                    width: pen.width * uniform(rng, 1.0, 2.5),
                    ..pen
                },
                rng,
            );
        }
        3 => {
            // A smudge: a faint blob.
            let (cx, cy) = cell_px.center();
            let p = (
                cx + uniform(rng, -0.3, 0.3) * cell_px.w,
                cy + uniform(rng, -0.3, 0.3) * cell_px.h,
            );
            let r = uniform(rng, 2.0, 8.0);
            ink.capsule(p, p, r, r, uniform(rng, 0.3, 0.6));
        }
        _ => {}
    }
}

/// A stroke from a neighbouring box that runs into this one over an edge.
fn intrusion<R: rand::Rng + ?Sized>(ink: &mut Canvas, cell_px: PxRect, w: &Writer, rng: &mut R) {
    let pen = pen_of(&w.style, cell_px.h * 0.6);
    let side = rng.random_range(0..4u32);
    let depth = uniform(rng, 0.1, 0.3);
    let along = uniform(rng, 0.1, 0.9);
    let (a, b) = match side {
        0 => (
            (cell_px.x - 0.1 * cell_px.w, cell_px.y + along * cell_px.h),
            (
                cell_px.x + depth * cell_px.w,
                cell_px.y + (along + uniform(rng, -0.2, 0.2)) * cell_px.h,
            ),
        ),
        1 => (
            (
                cell_px.right() + 0.1 * cell_px.w,
                cell_px.y + along * cell_px.h,
            ),
            (
                cell_px.right() - depth * cell_px.w,
                cell_px.y + (along + uniform(rng, -0.2, 0.2)) * cell_px.h,
            ),
        ),
        2 => (
            (cell_px.x + along * cell_px.w, cell_px.y - 0.1 * cell_px.h),
            (
                cell_px.x + (along + uniform(rng, -0.2, 0.2)) * cell_px.w,
                cell_px.y + depth * cell_px.h,
            ),
        ),
        _ => (
            (
                cell_px.x + along * cell_px.w,
                cell_px.bottom() + 0.1 * cell_px.h,
            ),
            (
                cell_px.x + (along + uniform(rng, -0.2, 0.2)) * cell_px.w,
                cell_px.bottom() - depth * cell_px.h,
            ),
        ),
    };
    let mid = (
        (a.0 + b.0) / 2.0 + uniform(rng, -3.0, 3.0),
        (a.1 + b.1) / 2.0 + uniform(rng, -3.0, 3.0),
    );
    stroke(ink, &[a, mid, b], &pen, rng);
}

fn bilinear(cv: &Canvas, x: f32, y: f32) -> f32 {
    let (x, y) = (x - 0.5, y - 0.5);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as i32, y0 as i32);
    let at = |x: i32, y: i32| {
        if x < 0 || y < 0 || x >= cv.w as i32 || y >= cv.h as i32 {
            0.0
        } else {
            cv.data[y as usize * cv.w + x as usize]
        }
    };
    let top = at(xi, yi) * (1.0 - fx) + at(xi + 1, yi) * fx;
    let bottom = at(xi, yi + 1) * (1.0 - fx) + at(xi + 1, yi + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A smooth random displacement field over the canvas: a 4 x 5 grid of offsets, bilinearly interpolated.
struct Elastic {
    gx: usize,
    gy: usize,
    dx: Vec<f32>,
    dy: Vec<f32>,
    w: f32,
    h: f32,
}

impl Elastic {
    fn new<R: rand::Rng + ?Sized>(w: f32, h: f32, amp: f32, rng: &mut R) -> Elastic {
        let (gx, gy) = (4, 5);
        let n = gx * gy;
        Elastic {
            gx,
            gy,
            dx: (0..n).map(|_| amp * normal(rng)).collect(),
            dy: (0..n).map(|_| amp * normal(rng)).collect(),
            w,
            h,
        }
    }

    fn at(&self, x: f32, y: f32) -> (f32, f32) {
        let u = (x / self.w * (self.gx - 1) as f32).clamp(0.0, (self.gx - 1) as f32 - 1e-3);
        let v = (y / self.h * (self.gy - 1) as f32).clamp(0.0, (self.gy - 1) as f32 - 1e-3);
        let (i, j) = (u as usize, v as usize);
        let (fu, fv) = (u - i as f32, v - j as f32);
        let idx = |i: usize, j: usize| j * self.gx + i;
        let lerp = |d: &[f32]| {
            let a = d[idx(i, j)] * (1.0 - fu) + d[idx(i + 1, j)] * fu;
            let b = d[idx(i, j + 1)] * (1.0 - fu) + d[idx(i + 1, j + 1)] * fu;
            a * (1.0 - fv) + b * fv
        };
        (lerp(&self.dx), lerp(&self.dy))
    }
}

/// Distance from a point (mm) to the outline of the printed box.
fn box_distance(x: f32, y: f32) -> f32 {
    let (x0, y0, x1, y1) = (
        MARGIN_MM,
        MARGIN_MM,
        MARGIN_MM + CELL_MM.0,
        MARGIN_MM + CELL_MM.1,
    );
    let dx = if x < x0 {
        x0 - x
    } else if x > x1 {
        x - x1
    } else {
        0.0
    };
    let dy = if y < y0 {
        y0 - y
    } else if y > y1 {
        y - y1
    } else {
        0.0
    };
    if dx > 0.0 || dy > 0.0 {
        (dx * dx + dy * dy).sqrt()
    } else {
        (x - x0).min(x1 - x).min(y - y0).min(y1 - y)
    }
}

/// The device samples the cell interior (through the intake's crop geometry), blurs, tones, adds noise and, for a
/// fax, thresholds to 1 bit.
fn sample_device<R: rand::Rng + ?Sized>(ink: &Canvas, w: &Writer, rng: &mut R) -> Cell {
    let d = &w.device.scan;
    let k = DRAW_PX_PER_MM;
    let (ppx, ppy) = (d.dpi_x / 25.4, d.dpi_y / 25.4);
    let (iw, ih) = (CELL_MM.0 - 2.0 * INSET_MM, CELL_MM.1 - 2.0 * INSET_MM);
    let (ow, oh) = (
        (iw * ppx).round().max(4.0) as usize,
        (ih * ppy).round().max(4.0) as usize,
    );
    let elastic = Elastic::new(ink.w as f32, ink.h as f32, w.elastic_mm * k, rng);
    // The writer's extra distortion of the ink, about the cell centre: shear, a little scale and rotation.
    let (cx, cy) = (
        (MARGIN_MM + CELL_MM.0 / 2.0) * k,
        (MARGIN_MM + CELL_MM.1 / 2.0) * k,
    );
    let sx = uniform(rng, 0.92, 1.08);
    let sy = uniform(rng, 0.94, 1.06);
    let rot = (0.03 * normal(rng)).clamp(-0.08, 0.08);
    let (rs, rc) = rot.sin_cos();
    let shear = w.shear;
    let warp = |x: f32, y: f32| {
        let (u, v) = (x - cx, y - cy);
        let (u, v) = (u * rc - v * rs, u * rs + v * rc);
        let (u, v) = (u / sx + shear * v, v / sy);
        let (ex, ey) = elastic.at(x, y);
        (cx + u + ex, cy + v + ey)
    };
    let (ts, tc) = (w.turn_deg.to_radians()).sin_cos();
    let (icx, icy) = (iw / 2.0, ih / 2.0);
    let origin = (
        MARGIN_MM + INSET_MM + w.shift_mm.0,
        MARGIN_MM + INSET_MM + w.shift_mm.1,
    );
    // One sample a pixel where the device is near the drawing's resolution (the blur follows), area sampling
    // where it is much coarser (fax normal rows, phone photos).
    let subsamples = |dpi: f32| {
        if dpi >= 190.0 {
            1
        } else {
            (300.0 / dpi).ceil() as usize
        }
    };
    let (nx, ny) = (
        subsamples(d.dpi_x).clamp(1, 3),
        subsamples(d.dpi_y).clamp(1, 3),
    );
    let mut dark = vec![0f32; ow * oh];
    for j in 0..oh {
        for i in 0..ow {
            let mut acc = 0.0;
            for sj in 0..ny {
                for si in 0..nx {
                    let u = (i as f32 + (si as f32 + 0.5) / nx as f32) / ppx - icx;
                    let v = (j as f32 + (sj as f32 + 0.5) / ny as f32) / ppy - icy;
                    let (xm, ym) = (
                        origin.0 + icx + u * tc - v * ts,
                        origin.1 + icy + u * ts + v * tc,
                    );
                    let (xs, ys) = warp(xm * k, ym * k);
                    let a = bilinear(ink, xs, ys);
                    let bd = box_distance(xm, ym);
                    let b = ((w.box_half_mm - bd) * k + 0.5).clamp(0.0, 1.0) * w.box_ink;
                    acc += a.max(b);
                }
            }
            dark[j * ow + i] = acc / (nx * ny) as f32;
        }
    }
    // Toner specks and dust: a page's specks fall on a cell now and then.
    if d.specks > 0 && rng.random::<f32>() < (d.specks as f32 / 400.0).min(0.5) {
        let p = (rng.random_range(0..ow), rng.random_range(0..oh));
        dark[p.1 * ow + p.0] = 1.0;
    }
    // The tone of the page model (paper grey, gamma, contrast, brightness), then the optics' blur, noise and,
    // for a fax, the 1-bit conversion.
    let tone = degrade::tone_table(d);
    let mut grey: Vec<f32> = dark
        .iter()
        .map(|&v| f32::from(tone[(255.0 * (1.0 - v)).round().clamp(0.0, 255.0) as usize]))
        .collect();
    blur(&mut grey, ow, oh, d.blur);
    for g in grey.iter_mut() {
        // Near-Gaussian noise from four uniforms (cheaper than Box–Muller per pixel).
        let u: f32 =
            rng.random::<f32>() + rng.random::<f32>() + rng.random::<f32>() + rng.random::<f32>();
        let mut v = *g + d.noise * (u - 2.0) * 1.732;
        if d.salt_pepper > 0.0 && rng.random::<f32>() < d.salt_pepper {
            v = if rng.random::<bool>() { 0.0 } else { 255.0 };
        }
        *g = v.clamp(0.0, 255.0);
    }
    let mut img = GrayImage::from_fn(ow as u32, oh as u32, |i, j| {
        Luma([grey[j as usize * ow + i as usize].round() as u8])
    });
    if let Some(q) = d.jpeg_roundtrip {
        img = degrade::jpeg_roundtrip(&img, q);
    }
    if let Some(b) = d.binarize {
        degrade::binarize(&mut img, b);
    }
    // A fax at normal resolution is made square by doubling its rows, as the intake does.
    let rows = if d.dpi_y < 150.0 && d.binarize.is_some() {
        2
    } else {
        1
    };
    let out = GrayImage::from_fn(ow as u32, (oh * rows) as u32, |i, j| {
        *img.get_pixel(i, j / rows as u32)
    });
    Cell {
        image: out,
        paper: w.device.paper_level(),
    }
}

/// Separable Gaussian blur, sigma in pixels.
fn blur(img: &mut [f32], w: usize, h: usize, sigma: f32) {
    if sigma < 0.2 {
        return;
    }
    let r = (sigma * 2.5).ceil() as i32;
    let kernel: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in kernel.iter().enumerate() {
                let sx = (x as i32 + i as i32 - r).clamp(0, w as i32 - 1) as usize;
                acc += img[y * w + sx] * kv;
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in kernel.iter().enumerate() {
                let sy = (y as i32 + i as i32 - r).clamp(0, h as i32 - 1) as usize;
                acc += tmp[sy * w + x] * kv;
            }
            img[y * w + x] = acc;
        }
    }
}
