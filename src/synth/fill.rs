//! Writes values into a rasterised page of a printed form: one character a comb cell, ticks in the chosen
//! option boxes, lines of writing in the text boxes; by one person's hand, or typed on a printer or typewriter.
//!
//! The page image is the whole A4 page at a known resolution; the form's boxes (millimetres from the top-left)
//! are mapped to pixels with it.

use super::hand::{self, HandSource, PenStyle, TickKind};
use super::stroke::{chance, soft};
use super::values::{Value, Values};
use super::{PxRect, normal, uniform};
use crate::forms::Form;
use crate::forms::layout::Geometry;
use ab_glyph::FontArc;
use image::GrayImage;
use rand::RngExt;
use rand::seq::IndexedRandom;
use serde::Serialize;
use std::path::Path;
use std::sync::OnceLock;

/// A plain face for typed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TypedFace {
    DejaVuSans,
    DejaVuSansMono,
    LiberationMono,
    /// Always available: the face the forms are printed with, built into the binary.
    LiberationSans,
}

impl TypedFace {
    pub const ALL: [TypedFace; 4] = [
        TypedFace::DejaVuSans,
        TypedFace::DejaVuSansMono,
        TypedFace::LiberationMono,
        TypedFace::LiberationSans,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TypedFace::DejaVuSans => "dejavu-sans",
            TypedFace::DejaVuSansMono => "dejavu-sans-mono",
            TypedFace::LiberationMono => "liberation-mono",
            TypedFace::LiberationSans => "liberation-sans",
        }
    }

    fn path(self) -> Option<&'static str> {
        match self {
            TypedFace::DejaVuSans => Some("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            TypedFace::DejaVuSansMono => {
                Some("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
            }
            TypedFace::LiberationMono => {
                Some("/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf")
            }
            TypedFace::LiberationSans => None,
        }
    }

    /// The face, or the built-in Liberation Sans if this one is not installed.
    fn face(self) -> &'static (FontArc, f32) {
        static FACES: OnceLock<Vec<Option<(FontArc, f32)>>> = OnceLock::new();
        let faces = FACES.get_or_init(|| {
            TypedFace::ALL
                .iter()
                .map(|f| match f.path() {
                    Some(p) => hand::load_outline(Path::new(p)),
                    None => hand::outline_from_bytes(
                        crate::fonts::metrics(crate::fonts::Face::Regular)
                            .ttf
                            .to_vec(),
                    ),
                })
                .collect()
        });
        let index = TypedFace::ALL.iter().position(|f| *f == self).unwrap_or(3);
        faces[index]
            .as_ref()
            .or(faces[3].as_ref())
            .expect("the built-in face parses")
    }

    /// Whether the face's file is installed (the built-in one always is).
    pub fn is_available(self) -> bool {
        self.path().is_none_or(|p| Path::new(p).is_file())
    }
}

/// How a document is written.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Writing {
    /// By hand, one person with one pen.
    Hand { source: HandSource, style: PenStyle },
    /// Typed: a printer or a typewriter, characters centred in the boxes with the whole page off by `offset_mm`.
    Typed {
        face: TypedFace,
        /// Capital height in millimetres.
        cap_mm: f32,
        ink: u8,
        offset_mm: (f32, f32),
        /// Per-character wander in millimetres (a typewriter; 0 for a printer).
        wander_mm: f32,
    },
}

/// One person (or machine) filling in a document.
#[derive(Debug, Clone, Serialize)]
pub struct Writer {
    pub writing: Writing,
    /// Weights of check, cross, filled and dot when ticking by hand. Filled is 0 for a tick: the printed
    /// instructions ask for a box to be filled to take a tick back ("Ångra ett kryss: fyll rutan helt"), and
    /// intake reads a filled box as cancelled.
    pub tick_weights: [f32; 4],
    /// Digits in combs are real people's (the validation part of `data/handwriting`, never trained on)
    /// instead of the hand source's; letters stay the source's.
    pub real_digits: bool,
}

impl Writer {
    pub fn hand(source: HandSource, style: PenStyle) -> Writer {
        Writer {
            writing: Writing::Hand { source, style },
            tick_weights: [0.5, 0.47, 0.0, 0.03],
            real_digits: false,
        }
    }

    /// A random writer: typed with probability `typed_rate`, else by hand with one of `sources` (typed if none;
    /// the script hands are chosen half as often as the others, simplex block capitals half again as often).
    pub fn random<R: rand::Rng + ?Sized>(
        rng: &mut R,
        sources: &[HandSource],
        typed_rate: f32,
        dpi: f32,
    ) -> Writer {
        if sources.is_empty() || chance(rng, typed_rate) {
            let faces: Vec<TypedFace> = TypedFace::ALL
                .into_iter()
                .filter(|f| f.is_available())
                .collect();
            let typewriter = chance(rng, 0.3);
            return Writer {
                writing: Writing::Typed {
                    face: *faces.choose(rng).unwrap_or(&TypedFace::LiberationSans),
                    cap_mm: uniform(rng, 2.4, 3.4),
                    ink: uniform(rng, 0.0, 40.0) as u8,
                    offset_mm: (0.35 * normal(rng), 0.35 * normal(rng)),
                    wander_mm: if typewriter {
                        uniform(rng, 0.05, 0.2)
                    } else {
                        0.0
                    },
                },
                tick_weights: [0.0, 1.0, 0.0, 0.0],
                real_digits: false,
            };
        }
        // Most people write block capitals in boxes; the looped script hands are the exception.
        let source = *sources
            .choose_weighted(rng, |s| match s {
                HandSource::HersheyScript | HandSource::HersheyCursive => 0.5,
                HandSource::HersheySimplex => 1.5,
                _ => 1.0,
            })
            .expect("a source");
        let style = PenStyle::random(rng, dpi / 25.4);
        // Each person has a favourite tick.
        let mut tick_weights = [0.1, 0.1, 0.0, 0.01];
        let favourite = rng.random_range(0..2);
        tick_weights[favourite] += 0.8;
        Writer {
            writing: Writing::Hand { source, style },
            tick_weights,
            real_digits: false,
        }
    }

    /// `hand:hershey-script` or `typed:dejavu-sans-mono`.
    pub fn label(&self) -> String {
        match &self.writing {
            Writing::Hand { source, .. } if self.real_digits => {
                format!("hand:real-digits+{}", source.name())
            }
            Writing::Hand { source, .. } => format!("hand:{}", source.name()),
            Writing::Typed { face, .. } => format!("typed:{}", face.name()),
        }
    }
}

/// A ticked box as drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub field: String,
    pub value: String,
    pub kind: TickKind,
}

/// Writes `values` into the boxes of page `page` (1-based, of this form's own pages) on `img`, a rasterised
/// image of the whole page at `dpi`. Returns the tick marks drawn.
pub fn fill_page<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    dpi: f32,
    form: &Form,
    page: usize,
    values: &Values,
    writer: &Writer,
    rng: &mut R,
) -> Vec<Mark> {
    let mut marks = Vec::new();
    let Some(layout) = form.layout.pages.iter().find(|p| p.page == page) else {
        return marks;
    };
    let k = dpi / 25.4;
    for field in &layout.fields {
        let Some(value) = values.get(&field.name) else {
            continue;
        };
        match (&field.geometry, value) {
            (Geometry::Comb { cells, .. }, Value::Text(text)) => {
                let rects: Vec<PxRect> = cells.iter().map(|c| PxRect::from_mm(c, dpi)).collect();
                write_comb(img, &rects, text, writer, k, rng);
            }
            (Geometry::Choice { options, .. }, Value::Choices(chosen)) => {
                for value in chosen {
                    let Some(option) = options.iter().find(|o| &o.value == value) else {
                        continue;
                    };
                    let rect = PxRect::from_mm(&option.rect, dpi);
                    let kind = tick(img, rect, writer, k, rng);
                    marks.push(Mark {
                        field: field.name.clone(),
                        value: value.clone(),
                        kind,
                    });
                }
            }
            (Geometry::Text { rect }, Value::Text(text)) => {
                let rect = PxRect::from_mm(rect, dpi);
                let signature = field.name.ends_with("underskrift");
                write_text(img, rect, text, writer, k, signature, rng);
            }
            _ => {}
        }
    }
    marks
}

fn write_comb<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    cells: &[PxRect],
    text: &str,
    writer: &Writer,
    k: f32,
    rng: &mut R,
) {
    match &writer.writing {
        Writing::Hand { source, style } => {
            // The hand wanders slowly along a field: position and size drift from cell to cell.
            let (mut dx, mut dy, mut ds) = (0.0f32, 0.0f32, 0.0f32);
            for (c, cell) in text.chars().zip(cells) {
                dx = (dx * 0.7 + 0.02 * normal(rng)).clamp(-0.08, 0.08);
                dy = (dy * 0.8 + 0.025 * normal(rng)).clamp(-0.1, 0.1);
                ds = (ds * 0.8 + 0.02 * normal(rng)).clamp(-0.08, 0.08);
                let mut s = style.clone();
                s.size = (style.size + ds).clamp(0.3, 1.0);
                let r = PxRect::new(cell.x + dx * cell.w, cell.y + dy * cell.h, cell.w, cell.h);
                let real = writer.real_digits
                    && crate::synth::cells::real::draw_in_box(
                        img,
                        c,
                        r,
                        &s,
                        crate::synth::cells::real::Split::Validation,
                        rng,
                    );
                if !real && !hand::draw_char(img, c, r, *source, &s, rng) {
                    typed_char(
                        img,
                        c,
                        r,
                        TypedFace::LiberationSans,
                        0.45 * r.h,
                        style.ink,
                        rng,
                    );
                }
            }
        }
        Writing::Typed {
            face,
            cap_mm,
            ink,
            offset_mm,
            wander_mm,
        } => {
            for (c, cell) in text.chars().zip(cells) {
                let ox = (offset_mm.0 + wander_mm * soft(rng)) * k;
                let oy = (offset_mm.1 + wander_mm * soft(rng)) * k;
                let r = PxRect::new(cell.x + ox, cell.y + oy, cell.w, cell.h);
                let cap = (cap_mm * k).min(0.6 * cell.h);
                typed_char(img, c, r, *face, cap, *ink, rng);
            }
        }
    }
}

/// A typed character centred in a box.
fn typed_char<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    c: char,
    r: PxRect,
    face: TypedFace,
    cap_px: f32,
    ink: u8,
    rng: &mut R,
) {
    if c == ' ' {
        return;
    }
    let f = face.face();
    let Some((bounds, _)) = hand::typed_bounds(f, c) else {
        return;
    };
    let (cx, cy) = r.center();
    let x = cx - (bounds.0 + bounds.2) / 2.0 * cap_px;
    let baseline = cy + cap_px / 2.0;
    hand::draw_typed(img, &c.to_string(), (x, baseline), cap_px, f, ink, rng);
}

fn tick<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    rect: PxRect,
    writer: &Writer,
    k: f32,
    rng: &mut R,
) -> TickKind {
    match &writer.writing {
        Writing::Hand { style, .. } => {
            let kind = TickKind::random(rng, writer.tick_weights);
            hand::draw_tick(img, rect, kind, style, rng);
            kind
        }
        Writing::Typed {
            face,
            ink,
            offset_mm,
            ..
        } => {
            let r = PxRect::new(
                rect.x + offset_mm.0 * k,
                rect.y + offset_mm.1 * k,
                rect.w,
                rect.h,
            );
            typed_char(img, 'X', r, *face, 0.7 * rect.h, *ink, rng);
            TickKind::Cross
        }
    }
}

fn write_text<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    rect: PxRect,
    text: &str,
    writer: &Writer,
    k: f32,
    signature: bool,
    rng: &mut R,
) {
    let left = rect.x + 1.5 * k;
    let avail = rect.w - 3.0 * k;
    match &writer.writing {
        Writing::Hand { source, style } => {
            let mut style = style.clone();
            let mut source = *source;
            let mut cap = (rect.h * 0.42).min(3.8 * k);
            if signature {
                // A signature: a flowing hand, larger and leaning, whatever the writer's block capitals.
                let flowing: Vec<HandSource> =
                    [HandSource::HersheyScript, HandSource::HersheyCursive]
                        .into_iter()
                        .filter(|s| s.is_available())
                        .collect();
                if let Some(s) = flowing.choose(rng) {
                    source = *s;
                }
                style.slant = uniform(rng, 0.15, 0.45);
                style.jitter *= 2.0;
                cap = rect.h * uniform(rng, 0.55, 0.8);
            }
            let width = hand::text_width(text, source, cap) * 1.05;
            let two_lines = !signature && width > avail && rect.h > 2.6 * cap;
            if two_lines {
                let (a, b) = split_half(text);
                let w =
                    hand::text_width(&a, source, cap).max(hand::text_width(&b, source, cap)) * 1.05;
                let cap = if w > avail { cap * avail / w } else { cap };
                let gap = rect.h / 2.0;
                let base1 = rect.y + gap * 0.5 + cap * 0.6;
                hand::draw_line(img, &a, (left, base1), cap, source, &style, rng);
                hand::draw_line(img, &b, (left, base1 + gap), cap, source, &style, rng);
            } else {
                let cap = if width > avail {
                    cap * avail / width
                } else {
                    cap
                };
                let baseline = rect.y + (rect.h + cap) / 2.0 + 0.08 * rect.h * soft(rng);
                let x = left + uniform(rng, 0.0, (avail - width).max(0.0) * 0.2);
                hand::draw_line(img, text, (x, baseline), cap, source, &style, rng);
            }
        }
        Writing::Typed {
            face,
            cap_mm,
            ink,
            offset_mm,
            ..
        } => {
            let f = face.face();
            let mut cap = (cap_mm * k).min(rect.h * 0.5);
            let width: f32 = text
                .chars()
                .map(|c| hand::typed_bounds(f, c).map_or(0.5, |(_, adv)| adv))
                .sum::<f32>()
                * cap;
            if width > avail {
                cap *= avail / width;
            }
            let baseline = rect.y + (rect.h + cap) / 2.0 + offset_mm.1 * k;
            hand::draw_typed(
                img,
                text,
                (left + offset_mm.0 * k, baseline),
                cap,
                f,
                *ink,
                rng,
            );
        }
    }
}

/// Splits a phrase at the space nearest its middle.
fn split_half(text: &str) -> (String, String) {
    let mid = text.chars().count() / 2;
    let spaces: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .collect();
    match spaces
        .iter()
        .min_by_key(|&&i| (text[..i].chars().count() as i64 - mid as i64).abs())
    {
        Some(&i) => (text[..i].to_string(), text[i + 1..].to_string()),
        None => (text.to_string(), String::new()),
    }
}
