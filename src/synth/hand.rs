//! Handwriting-like glyph sources and tick marks, for filling in forms and for training a character classifier.
//!
//! Two kinds of source:
//! - outline fonts that look handwritten (Debian's `fonts-dkg-handwriting`, `fonts-humor-sans`,
//!   `fonts-comic-neue`), filled with ab_glyph's rasteriser after a per-character slant, rotation and size, and
//!   made bolder by a grey-level dilation for a broad pen;
//! - the single-stroke Hershey fonts (Debian's `hershey-fonts-data`), drawn as polylines with a pen whose width
//!   changes with pressure along the stroke and whose path wobbles.
//!
//! Å, Ä and Ö (and å, ä, ö) are composed from the base letter and a ring or two dots drawn with the pen when a
//! source has no glyph of its own for them (the Hershey fonts have none).
//!
//! Only the sources listed in [`HandSource::ALL`] are ever read, from fixed paths; [`sources`] lists those that
//! are installed. Fonts held back for an independent evaluation are not among them and must never be added.
//!
//! Tick marks ([`draw_tick`]): a check mark, a cross, a filled box (scribbled over) and a small dot or short
//! stroke. A dot is a deliberate mark and counts as ticked in the truth; it leaves roughly 0.02–0.08 of the box
//! interior dark where the other kinds leave 0.12 or more, so a reader that needs a higher share will miss it.
//! The scenario uses it rarely and records the kind of every mark, so that it can be scored apart.

use super::stroke::{self, Coverage, Pen, Texture, chance, soft};
use super::{PxRect, hershey, normal, uniform};
use ab_glyph::{Font, FontArc, GlyphId, OutlineCurve};
use image::{GrayImage, Luma};
use rand::RngExt;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The characters a comb cell may hold that a character classifier learns: digits, A–Z, Å Ä Ö and hyphen.
pub const CLASSIFIER_CHARSET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ-";

/// A source of handwriting-like glyphs. Each has a stable [`name`](HandSource::name), so that a training run can
/// hold one out by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "&'static str")]
pub enum HandSource {
    /// `fonts-dkg-handwriting`: Daniel Kahn Gillmor's handwriting (regular, bold, italic).
    DkgHandwriting,
    /// `fonts-humor-sans`: the xkcd-style hand.
    HumorSans,
    /// `fonts-comic-neue`: a casual hand in light, regular and bold, upright and italic.
    ComicNeue,
    /// Hershey simplex roman (`futural.jhf`), drawn with a pen: block capitals.
    HersheySimplex,
    /// Hershey script simplex (`scripts.jhf`), drawn with a pen: looped capitals, joined lower case.
    HersheyScript,
    /// Hershey cursive (`cursive.jhf`), drawn with a pen.
    HersheyCursive,
}

impl From<HandSource> for &'static str {
    fn from(s: HandSource) -> &'static str {
        s.name()
    }
}

impl std::fmt::Display for HandSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

const OUTLINE_DIRS: [&str; 2] = ["/usr/share/fonts/truetype", "/usr/share/fonts/opentype"];

impl HandSource {
    pub const ALL: [HandSource; 6] = [
        HandSource::DkgHandwriting,
        HandSource::HumorSans,
        HandSource::ComicNeue,
        HandSource::HersheySimplex,
        HandSource::HersheyScript,
        HandSource::HersheyCursive,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HandSource::DkgHandwriting => "dkg-handwriting",
            HandSource::HumorSans => "humor-sans",
            HandSource::ComicNeue => "comic-neue",
            HandSource::HersheySimplex => "hershey-simplex",
            HandSource::HersheyScript => "hershey-script",
            HandSource::HersheyCursive => "hershey-cursive",
        }
    }

    pub fn from_name(name: &str) -> Option<HandSource> {
        HandSource::ALL.into_iter().find(|s| s.name() == name)
    }

    /// True for the Hershey sources, drawn stroke by stroke with a pen.
    pub fn is_single_stroke(self) -> bool {
        matches!(
            self,
            HandSource::HersheySimplex | HandSource::HersheyScript | HandSource::HersheyCursive
        )
    }

    /// The files this source reads (those that exist).
    pub fn files(self) -> Vec<PathBuf> {
        let candidates: Vec<PathBuf> = match self {
            HandSource::DkgHandwriting => ["dkg.ttf", "dkgBd.ttf", "dkgIt.ttf"]
                .iter()
                .flat_map(|f| {
                    OUTLINE_DIRS
                        .iter()
                        .map(move |d| Path::new(d).join("fifthhorseman").join(f))
                })
                .collect(),
            HandSource::HumorSans => OUTLINE_DIRS
                .iter()
                .map(|d| Path::new(d).join("humor-sans").join("Humor-Sans.ttf"))
                .collect(),
            HandSource::ComicNeue => [
                "ComicNeue-Regular",
                "ComicNeue-Light",
                "ComicNeue-Bold",
                "ComicNeue-Italic",
                "ComicNeue-LightItalic",
            ]
            .iter()
            .flat_map(|f| {
                OUTLINE_DIRS.iter().flat_map(move |d| {
                    ["otf", "ttf"]
                        .iter()
                        .map(move |ext| Path::new(d).join("comic-neue").join(format!("{f}.{ext}")))
                })
            })
            .collect(),
            HandSource::HersheySimplex => vec![Path::new(hershey::DIR).join("futural.jhf")],
            HandSource::HersheyScript => vec![Path::new(hershey::DIR).join("scripts.jhf")],
            HandSource::HersheyCursive => vec![Path::new(hershey::DIR).join("cursive.jhf")],
        };
        candidates.into_iter().filter(|p| p.is_file()).collect()
    }

    /// Whether the source's files are installed and load.
    pub fn is_available(self) -> bool {
        loaded().contains_key(&self)
    }
}

/// The sources installed on this machine, in the order of [`HandSource::ALL`].
pub fn sources() -> Vec<HandSource> {
    HandSource::ALL
        .into_iter()
        .filter(|s| s.is_available())
        .collect()
}

enum Loaded {
    /// Outline faces with the height of their capital H in font units.
    Outline(Vec<(FontArc, f32)>),
    Strokes(hershey::Font),
}

fn loaded() -> &'static BTreeMap<HandSource, Loaded> {
    static LOADED: OnceLock<BTreeMap<HandSource, Loaded>> = OnceLock::new();
    LOADED.get_or_init(|| {
        let mut map = BTreeMap::new();
        for source in HandSource::ALL {
            let files = source.files();
            if source.is_single_stroke() {
                if let Some(font) = files.first().and_then(|f| hershey::Font::load(f).ok()) {
                    map.insert(source, Loaded::Strokes(font));
                }
            } else {
                let faces: Vec<(FontArc, f32)> =
                    files.iter().filter_map(|f| load_outline(f)).collect();
                if !faces.is_empty() {
                    map.insert(source, Loaded::Outline(faces));
                }
            }
        }
        map
    })
}

/// Loads an outline font and measures its capital height; `None` if it does not parse or lacks digits and
/// capitals.
pub(crate) fn load_outline(path: &Path) -> Option<(FontArc, f32)> {
    let bytes = std::fs::read(path).ok()?;
    outline_from_bytes(bytes)
}

pub(crate) fn outline_from_bytes(bytes: Vec<u8>) -> Option<(FontArc, f32)> {
    let font = FontArc::try_from_vec(bytes).ok()?;
    let all_there = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
        .chars()
        .all(|c| font.glyph_id(c).0 != 0);
    if !all_there {
        return None;
    }
    let cap = outline_bounds(&font.outline(font.glyph_id('H'))?)?.3;
    (cap > 0.0).then_some((font, cap))
}

/// How one person writes: ink, pen, size, slant and care. Sizes are in pixels of the image written on, or
/// relative to the box or the letter.
#[derive(Debug, Clone, Serialize)]
pub struct PenStyle {
    /// Grey level of full ink (0 black; a blue ballpoint scans at about 60–110).
    pub ink: u8,
    /// Pen width in pixels (single-stroke sources and tick marks).
    pub width_px: f32,
    /// Relative change of the width along a stroke (pressure), 0–0.5.
    pub pressure: f32,
    /// Wobble of the hand, as a fraction of the letter height.
    pub jitter: f32,
    /// Capital height as a fraction of the box height.
    pub size: f32,
    /// Spread of `size` from one character to the next.
    pub size_var: f32,
    /// Lean: horizontal shift per unit of height (0.2 leans right by about 11°).
    pub slant: f32,
    pub slant_var: f32,
    /// Spread of each character's rotation, radians.
    pub rotation_var: f32,
    /// Spread of each character's position, as a fraction of the box.
    pub offset_var: f32,
    /// Chance that a character or a tick runs over the edge of its box.
    pub sloppiness: f32,
    /// Extra stroke half-width for outline sources, pixels (a broad pen).
    pub embolden_px: f32,
    /// How much a ballpoint skips (0 solid).
    pub skips: f32,
    /// Which face of a family with several (light, regular, bold, italic) this writer's hand is.
    pub face: usize,
}

impl PenStyle {
    /// A random person with a random pen, for an image at `px_per_mm` pixels a millimetre.
    pub fn random<R: rand::Rng + ?Sized>(rng: &mut R, px_per_mm: f32) -> PenStyle {
        let pen: f32 = rng.random();
        // Ballpoint (black or blue), felt-tip, or now and then a pencil.
        let (ink, width_mm, skips) = if pen < 0.45 {
            (
                uniform(rng, 20.0, 60.0),
                uniform(rng, 0.28, 0.45),
                uniform(rng, 0.05, 0.3),
            )
        } else if pen < 0.75 {
            (
                uniform(rng, 60.0, 115.0),
                uniform(rng, 0.28, 0.45),
                uniform(rng, 0.05, 0.3),
            )
        } else if pen < 0.97 {
            (
                uniform(rng, 5.0, 40.0),
                uniform(rng, 0.45, 0.9),
                uniform(rng, 0.0, 0.08),
            )
        } else {
            (
                uniform(rng, 100.0, 140.0),
                uniform(rng, 0.3, 0.5),
                uniform(rng, 0.25, 0.45),
            )
        };
        PenStyle {
            ink: ink as u8,
            width_px: width_mm * px_per_mm,
            pressure: uniform(rng, 0.08, 0.35),
            jitter: uniform(rng, 0.008, 0.035),
            size: uniform(rng, 0.5, 0.74),
            size_var: uniform(rng, 0.03, 0.1),
            slant: (0.08 + 0.1 * normal(rng)).clamp(-0.15, 0.35),
            slant_var: uniform(rng, 0.02, 0.07),
            rotation_var: uniform(rng, 0.01, 0.06),
            offset_var: uniform(rng, 0.02, 0.07),
            sloppiness: if chance(rng, 0.3) {
                uniform(rng, 0.02, 0.1)
            } else {
                uniform(rng, 0.0, 0.02)
            },
            embolden_px: (width_mm - 0.35).max(0.0) * px_per_mm * uniform(rng, 0.3, 0.6),
            skips,
            face: rng.random_range(0..16),
        }
    }

    /// A careful writer with a black ballpoint: upright, even, well inside the boxes.
    pub fn neat(px_per_mm: f32) -> PenStyle {
        PenStyle {
            ink: 30,
            width_px: 0.4 * px_per_mm,
            pressure: 0.1,
            jitter: 0.004,
            size: 0.68,
            size_var: 0.02,
            slant: 0.04,
            slant_var: 0.02,
            rotation_var: 0.01,
            offset_var: 0.02,
            sloppiness: 0.0,
            embolden_px: 0.0,
            skips: 0.05,
            face: 0,
        }
    }

    /// The pen of this style for letters `cap_px` high (full ink; the grey is applied when compositing).
    pub fn pen(&self, cap_px: f32) -> Pen {
        Pen {
            width: self.width_px,
            pressure: self.pressure,
            wobble: self.jitter * cap_px,
            ink: 1.0,
        }
    }
}

/// A glyph in normalised units: baseline at y = 0, capital height 1, y up, x from the pen position.
struct Shape {
    outline: Option<(FontArc, GlyphId, f32)>,
    strokes: Vec<Vec<(f32, f32)>>,
    bounds: (f32, f32, f32, f32),
    advance: f32,
}

/// Position, size and lean of one character on the page.
#[derive(Debug, Clone, Copy)]
struct Placement {
    /// Page pixel of the normalised origin (pen position on the baseline).
    origin: (f32, f32),
    cap_px: f32,
    slant: f32,
    rotation: f32,
}

impl Placement {
    fn map(&self, p: (f32, f32)) -> (f32, f32) {
        let xs = p.0 + self.slant * p.1;
        let (s, c) = self.rotation.sin_cos();
        let xr = xs * c - p.1 * s;
        let yr = xs * s + p.1 * c;
        (
            self.origin.0 + self.cap_px * xr,
            self.origin.1 - self.cap_px * yr,
        )
    }

    fn mapped_bounds(&self, b: (f32, f32, f32, f32)) -> (f32, f32, f32, f32) {
        let corners = [(b.0, b.1), (b.2, b.1), (b.0, b.3), (b.2, b.3)].map(|p| self.map(p));
        stroke::bounds(corners.iter()).unwrap_or((0.0, 0.0, 0.0, 0.0))
    }
}

fn lower_case_like(c: char) -> bool {
    c.is_lowercase()
}

/// The base letter and the accent of a Swedish letter a source may lack.
fn decompose(c: char) -> Option<(char, Accent)> {
    match c {
        'Å' => Some(('A', Accent::Ring)),
        'Ä' => Some(('A', Accent::Dots)),
        'Ö' => Some(('O', Accent::Dots)),
        'å' => Some(('a', Accent::Ring)),
        'ä' => Some(('a', Accent::Dots)),
        'ö' => Some(('o', Accent::Dots)),
        'É' => Some(('E', Accent::Acute)),
        'é' => Some(('e', Accent::Acute)),
        'Ü' => Some(('U', Accent::Dots)),
        'ü' => Some(('u', Accent::Dots)),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Accent {
    Ring,
    Dots,
    Acute,
}

/// Pen strokes of an accent over a letter whose top is at `top` and that spans `x0..x1` (normalised).
fn accent_strokes<R: rand::Rng + ?Sized>(
    accent: Accent,
    x0: f32,
    x1: f32,
    top: f32,
    rng: &mut R,
) -> Vec<Vec<(f32, f32)>> {
    let cx = (x0 + x1) / 2.0 + 0.04 * soft(rng);
    let lift = uniform(rng, 0.12, 0.22);
    match accent {
        Accent::Ring => {
            let r = uniform(rng, 0.09, 0.14);
            let cy = top + lift + r;
            let start = uniform(rng, 0.0, std::f32::consts::TAU);
            let ring: Vec<(f32, f32)> = (0..=14)
                .map(|i| {
                    let a = start + i as f32 / 14.0 * std::f32::consts::TAU * 1.05;
                    (cx + r * a.cos(), cy + r * 1.1 * a.sin())
                })
                .collect();
            vec![ring]
        }
        Accent::Dots => {
            let gap = ((x1 - x0) * uniform(rng, 0.22, 0.32)).max(0.12);
            let y = top + lift;
            let len = uniform(rng, 0.0, 0.08);
            let tilt = uniform(rng, -0.5, 1.2);
            [cx - gap, cx + gap]
                .iter()
                .map(|&x| {
                    vec![
                        (x, y),
                        (x + len * tilt.cos() * 0.5, y + len * tilt.sin().abs()),
                    ]
                })
                .collect()
        }
        Accent::Acute => vec![vec![(cx - 0.08, top + lift), (cx + 0.1, top + lift + 0.2)]],
    }
}

fn shape_of<R: rand::Rng + ?Sized>(
    source: HandSource,
    c: char,
    face: usize,
    jitter: f32,
    rng: &mut R,
) -> Option<Shape> {
    match loaded().get(&source)? {
        Loaded::Outline(faces) => {
            // One face of the family for one writer.
            let (font, cap) = &faces[face % faces.len()];
            outline_shape(font, *cap, c, rng)
        }
        Loaded::Strokes(font) => {
            let mut shape = stroke_shape(font, c, rng)?;
            // Nobody draws a letter exactly: every corner lands a little off, and strokes do not quite meet.
            for stroke in &mut shape.strokes {
                for p in stroke.iter_mut() {
                    p.0 += jitter * normal(rng);
                    p.1 += jitter * normal(rng);
                }
            }
            Some(shape)
        }
    }
}

fn outline_shape<R: rand::Rng + ?Sized>(
    font: &FontArc,
    cap: f32,
    c: char,
    rng: &mut R,
) -> Option<Shape> {
    let s = 1.0 / cap;
    let id = font.glyph_id(c);
    if id.0 != 0 {
        let advance = font.h_advance_unscaled(id) * s;
        let (bounds, has_outline) = match font.outline(id).as_ref().and_then(outline_bounds) {
            Some(b) => ((b.0 * s, b.1 * s, b.2 * s, b.3 * s), true),
            None => ((0.0, 0.0, advance, 0.0), false),
        };
        return Some(Shape {
            outline: has_outline.then(|| (font.clone(), id, s)),
            strokes: Vec::new(),
            bounds,
            advance,
        });
    }
    let (base, accent) = decompose(c)?;
    let mut shape = outline_shape(font, cap, base, rng)?;
    let top = shape.bounds.3;
    let strokes = accent_strokes(accent, shape.bounds.0, shape.bounds.2, top, rng);
    extend_bounds(&mut shape, &strokes);
    shape.strokes.extend(strokes);
    Some(shape)
}

/// Bounds of an outline's points in font units, y up (ab_glyph's own `bounds` has y the other way round).
fn outline_bounds(o: &ab_glyph::Outline) -> Option<(f32, f32, f32, f32)> {
    let pts: Vec<(f32, f32)> = o
        .curves
        .iter()
        .flat_map(|c| match c {
            OutlineCurve::Line(a, b) => vec![*a, *b],
            OutlineCurve::Quad(a, b, c) => vec![*a, *b, *c],
            OutlineCurve::Cubic(a, b, c, d) => vec![*a, *b, *c, *d],
        })
        .map(|p| (p.x, p.y))
        .collect();
    stroke::bounds(pts.iter())
}

fn stroke_shape<R: rand::Rng + ?Sized>(
    font: &hershey::Font,
    c: char,
    rng: &mut R,
) -> Option<Shape> {
    let cap = font.cap_height();
    if let Some(glyph) = font.get(c) {
        let norm = |p: &(f32, f32)| ((p.0 - glyph.left) / cap, (font.baseline - p.1) / cap);
        let strokes: Vec<Vec<(f32, f32)>> = glyph
            .strokes
            .iter()
            .map(|s| s.iter().map(norm).collect())
            .collect();
        let advance = (glyph.right - glyph.left) / cap;
        let bounds = stroke::bounds(strokes.iter().flatten()).unwrap_or((0.0, 0.0, advance, 0.0));
        return Some(Shape {
            outline: None,
            strokes,
            bounds,
            advance,
        });
    }
    let (base, accent) = decompose(c)?;
    let mut shape = stroke_shape(font, base, rng)?;
    let top = if lower_case_like(c) {
        (font.baseline - font.x_top) / cap
    } else {
        shape.bounds.3
    };
    let strokes = accent_strokes(accent, shape.bounds.0, shape.bounds.2, top, rng);
    extend_bounds(&mut shape, &strokes);
    shape.strokes.extend(strokes);
    Some(shape)
}

fn extend_bounds(shape: &mut Shape, strokes: &[Vec<(f32, f32)>]) {
    if let Some(b) = stroke::bounds(strokes.iter().flatten()) {
        shape.bounds = (
            shape.bounds.0.min(b.0),
            shape.bounds.1.min(b.1),
            shape.bounds.2.max(b.2),
            shape.bounds.3.max(b.3),
        );
    }
}

/// Ink and pen for one rendering.
pub(crate) struct InkSpec {
    pub ink: u8,
    pub pen: Pen,
    pub embolden: f32,
    pub texture: Texture,
}

fn render_shape<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    shape: &Shape,
    at: &Placement,
    spec: &InkSpec,
    rng: &mut R,
) {
    let b = at.mapped_bounds(shape.bounds);
    let pad = spec.pen.width + spec.embolden + spec.pen.wobble + 3.0;
    let mut cov = Coverage::new(b.0, b.1, b.2, b.3, pad);
    if let Some((font, id, s)) = &shape.outline
        && let Some(outline) = font.outline(*id)
    {
        let mut raster = ab_glyph_rasterizer::Rasterizer::new(cov.w, cov.h);
        let (ox, oy) = (cov.x0 as f32, cov.y0 as f32);
        let tp = |p: &ab_glyph::Point| {
            let (x, y) = at.map((p.x * s, p.y * s));
            ab_glyph::point(x - ox, y - oy)
        };
        for curve in &outline.curves {
            match curve {
                OutlineCurve::Line(p0, p1) => raster.draw_line(tp(p0), tp(p1)),
                OutlineCurve::Quad(p0, p1, p2) => raster.draw_quad(tp(p0), tp(p1), tp(p2)),
                OutlineCurve::Cubic(p0, p1, p2, p3) => {
                    raster.draw_cubic(tp(p0), tp(p1), tp(p2), tp(p3))
                }
            }
        }
        let w = cov.w;
        raster.for_each_pixel_2d(|x, y, a| {
            cov.data[y as usize * w + x as usize] = a.abs().min(1.0);
        });
        cov.dilate(spec.embolden);
    }
    for s in &shape.strokes {
        let pts: Vec<(f32, f32)> = s.iter().map(|p| at.map(*p)).collect();
        stroke::stroke(&mut cov, &pts, &spec.pen, rng);
    }
    cov.composite(img, spec.ink, &spec.texture);
}

fn ink_spec<R: rand::Rng + ?Sized>(
    style: &PenStyle,
    cap_px: f32,
    outline: bool,
    rng: &mut R,
) -> InkSpec {
    // An outline letter has broad areas where skips would show as blotches: a lighter touch there.
    let skips = if outline {
        style.skips * 0.4
    } else {
        style.skips
    };
    let scale = style.width_px * uniform(rng, 3.0, 8.0);
    InkSpec {
        ink: style.ink,
        pen: style.pen(cap_px),
        embolden: style.embolden_px,
        texture: Texture::random(rng, skips, scale),
    }
}

/// Writes one character into a box as a person would: random size, position, slant and rotation around the
/// writer's habits in `style`, now and then running over the box edge. Returns false if the source has no glyph
/// for `c` (nothing is drawn). A space draws nothing and returns true.
pub fn draw_char<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    c: char,
    cell_px: PxRect,
    source: HandSource,
    style: &PenStyle,
    rng: &mut R,
) -> bool {
    if c == ' ' {
        return true;
    }
    let Some(shape) = shape_of(source, c, style.face, style.jitter, rng) else {
        return false;
    };
    let sloppy = chance(rng, style.sloppiness);
    let size = (style.size + style.size_var * 2.0 * soft(rng) + if sloppy { 0.15 } else { 0.0 })
        .clamp(0.3, 1.05);
    let mut at = Placement {
        origin: (0.0, 0.0),
        cap_px: size * cell_px.h,
        slant: style.slant + style.slant_var * 2.0 * soft(rng),
        rotation: style.rotation_var * 2.0 * soft(rng),
    };
    // Keep the letter (accents included) inside the box unless this one is sloppy.
    let room = if sloppy { 1.1 } else { 0.86 };
    let b = at.mapped_bounds(shape.bounds);
    let (bw, bh) = ((b.2 - b.0).max(1e-3), (b.3 - b.1).max(1e-3));
    let fit = (room * cell_px.w / bw).min(room * cell_px.h / bh).min(1.0);
    at.cap_px *= fit;
    let b = at.mapped_bounds(shape.bounds);
    let (cx, cy) = cell_px.center();
    let spread = if sloppy { 2.5 } else { 1.0 } * style.offset_var;
    let tx = cx + spread * cell_px.w * 2.0 * soft(rng);
    let ty = cy + spread * cell_px.h * 2.0 * soft(rng) + 0.02 * cell_px.h;
    at.origin = (tx - (b.0 + b.2) / 2.0, ty - (b.1 + b.3) / 2.0);
    let spec = ink_spec(style, at.cap_px, shape.outline.is_some(), rng);
    render_shape(img, &shape, &at, &spec, rng);
    true
}

/// The width of `text` written by `source` with capitals `cap_px` high (without slant), in pixels.
pub fn text_width(text: &str, source: HandSource, cap_px: f32) -> f32 {
    let mut rng = super::rng(0);
    text.chars()
        .map(|c| {
            if c == ' ' {
                0.45 * cap_px
            } else {
                shape_of(source, c, 0, 0.0, &mut rng).map_or(0.0, |s| s.advance * cap_px)
            }
        })
        .sum()
}

/// Writes a line of text from `origin` (page pixels of the left end of the baseline) with capitals `cap_px`
/// high, letter after letter with the writer's spacing, size and baseline wandering a little. Returns the x where
/// the writing ended.
pub fn draw_line<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    text: &str,
    origin: (f32, f32),
    cap_px: f32,
    source: HandSource,
    style: &PenStyle,
    rng: &mut R,
) -> f32 {
    let mut x = origin.0;
    let mut drift = 0.0f32;
    let slope = 0.02 * soft(rng);
    for c in text.chars() {
        drift = (drift + 0.03 * cap_px * normal(rng)).clamp(-0.15 * cap_px, 0.15 * cap_px);
        if c == ' ' {
            x += cap_px * uniform(rng, 0.4, 0.6);
            continue;
        }
        let Some(shape) = shape_of(source, c, style.face, style.jitter, rng) else {
            x += 0.6 * cap_px;
            continue;
        };
        let k = 1.0 + style.size_var * soft(rng);
        let at = Placement {
            origin: (x, origin.1 + drift + slope * (x - origin.0)),
            cap_px: cap_px * k,
            slant: style.slant + style.slant_var * soft(rng),
            rotation: style.rotation_var * soft(rng) * 0.5,
        };
        let spec = ink_spec(style, at.cap_px, shape.outline.is_some(), rng);
        render_shape(img, &shape, &at, &spec, rng);
        x += shape.advance * at.cap_px * uniform(rng, 0.95, 1.1);
    }
    x
}

/// Writes a typed (printed) line with an outline face: no slant, no wobble, solid ink.
pub(crate) fn draw_typed<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    text: &str,
    origin: (f32, f32),
    cap_px: f32,
    face: &(FontArc, f32),
    ink: u8,
    rng: &mut R,
) -> f32 {
    let mut x = origin.0;
    for c in text.chars() {
        let Some(shape) = outline_shape(&face.0, face.1, c, rng) else {
            x += 0.6 * cap_px;
            continue;
        };
        let at = Placement {
            origin: (x, origin.1),
            cap_px,
            slant: 0.0,
            rotation: 0.0,
        };
        let spec = InkSpec {
            ink,
            pen: Pen {
                width: cap_px * 0.1,
                pressure: 0.0,
                wobble: 0.0,
                ink: 1.0,
            },
            embolden: 0.0,
            texture: Texture::SOLID,
        };
        render_shape(img, &shape, &at, &spec, rng);
        x += shape.advance * cap_px;
    }
    x
}

/// Advance widths of a typed face, for centring a character in a box.
pub(crate) fn typed_bounds(face: &(FontArc, f32), c: char) -> Option<((f32, f32, f32, f32), f32)> {
    let mut rng = super::rng(0);
    outline_shape(&face.0, face.1, c, &mut rng).map(|s| (s.bounds, s.advance))
}

/// How a box is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TickKind {
    /// ✓: a short stroke down and a long one up to the right.
    Check,
    /// X: two crossing strokes corner to corner.
    Cross,
    /// The box scribbled over until it is mostly dark.
    Filled,
    /// A small dot or a short stroke in the middle: meant as a tick, little ink (see the module notes).
    Dot,
}

impl TickKind {
    pub const ALL: [TickKind; 4] = [
        TickKind::Check,
        TickKind::Cross,
        TickKind::Filled,
        TickKind::Dot,
    ];

    /// A kind with the given weights for check, cross, filled and dot.
    pub fn random<R: rand::Rng + ?Sized>(rng: &mut R, weights: [f32; 4]) -> TickKind {
        let total: f32 = weights.iter().sum();
        let mut r = rng.random::<f32>() * total;
        for (kind, w) in TickKind::ALL.iter().zip(weights) {
            if r < w {
                return *kind;
            }
            r -= w;
        }
        TickKind::Cross
    }
}

/// Marks a tick box (`box_px`, the printed square) with a pen stroke of `kind`, with pen-like varying width,
/// sometimes over the box edges.
pub fn draw_tick<R: rand::Rng + ?Sized>(
    img: &mut GrayImage,
    box_px: PxRect,
    kind: TickKind,
    style: &PenStyle,
    rng: &mut R,
) {
    let (x, y, w, h) = (box_px.x, box_px.y, box_px.w, box_px.h);
    let sloppy = chance(rng, style.sloppiness * 2.0);
    let over = if sloppy { 0.3 } else { 0.1 };
    let j = |rng: &mut R, k: f32| k * soft(rng);
    let mut strokes: Vec<Vec<(f32, f32)>> = Vec::new();
    match kind {
        TickKind::Check => {
            let p0 = (x + w * (0.12 + j(rng, 0.08)), y + h * (0.5 + j(rng, 0.1)));
            let p1 = (x + w * (0.42 + j(rng, 0.08)), y + h * (0.85 + j(rng, 0.08)));
            let p2 = (
                x + w * (uniform(rng, 0.85, 1.0 + over)),
                y - h * uniform(rng, -0.1, over + 0.1),
            );
            let bend = j(rng, 0.08) * w;
            let mid = ((p1.0 + p2.0) / 2.0 + bend, (p1.1 + p2.1) / 2.0 + bend * 0.5);
            strokes.push(vec![p0, p1, mid, p2]);
        }
        TickKind::Cross => {
            let e = |rng: &mut R| uniform(rng, -0.05, over);
            let a0 = (x - w * e(rng), y - h * e(rng));
            let a1 = (x + w * (1.0 + e(rng)), y + h * (1.0 + e(rng)));
            let b0 = (x + w * (1.0 + e(rng)), y - h * e(rng));
            let b1 = (x - w * e(rng), y + h * (1.0 + e(rng)));
            for (p, q) in [(a0, a1), (b0, b1)] {
                let bend = j(rng, 0.06) * w;
                let mid = ((p.0 + q.0) / 2.0 + bend, (p.1 + q.1) / 2.0 - bend);
                strokes.push(vec![p, mid, q]);
            }
        }
        TickKind::Filled => {
            let inner = box_px.inset(-w * uniform(rng, -0.02, over * 0.5));
            let gap = (style.width_px * uniform(rng, 0.7, 1.1)).max(1.0);
            let mut zig = Vec::new();
            let mut yy = inner.y + gap * 0.5;
            let mut left = true;
            while yy < inner.bottom() {
                let xx = if left { inner.x } else { inner.right() };
                zig.push((xx + j(rng, 0.05) * w, yy + j(rng, 0.3) * gap));
                left = !left;
                yy += gap;
            }
            strokes.push(zig);
        }
        TickKind::Dot => {
            let (cx, cy) = box_px.center();
            let (cx, cy) = (cx + j(rng, 0.15) * w, cy + j(rng, 0.15) * h);
            if chance(rng, 0.5) {
                strokes.push(vec![(cx, cy)]);
            } else {
                let len = w * uniform(rng, 0.12, 0.28);
                let a = uniform(rng, -0.9, 0.3);
                strokes.push(vec![
                    (cx - len / 2.0 * a.cos(), cy - len / 2.0 * a.sin()),
                    (cx + len / 2.0 * a.cos(), cy + len / 2.0 * a.sin()),
                ]);
            }
        }
    }
    let mut pen = style.pen(h);
    if kind == TickKind::Dot && strokes[0].len() == 1 {
        pen.width *= uniform(rng, 1.8, 2.6);
    }
    let all = strokes.iter().flatten();
    let Some(b) = stroke::bounds(all) else {
        return;
    };
    let mut cov = Coverage::new(b.0, b.1, b.2, b.3, pen.width + pen.wobble + 3.0);
    for s in &strokes {
        stroke::stroke(&mut cov, s, &pen, rng);
    }
    let scale = style.width_px * uniform(rng, 3.0, 8.0);
    let texture = Texture::random(rng, style.skips, scale);
    cov.composite(img, style.ink, &texture);
}

/// One character written by `source` in a box of `cell_mm` at `dpi`, on white with a margin of 1.5 mm, the box
/// printed around it if `boxed`: a training sample for a character classifier. The pen is random.
pub fn render_cell<R: rand::Rng + ?Sized>(
    c: char,
    source: HandSource,
    cell_mm: (f32, f32),
    dpi: f32,
    boxed: bool,
    rng: &mut R,
) -> GrayImage {
    let k = dpi / 25.4;
    let margin = 1.5 * k;
    let (w, h) = (
        (cell_mm.0 * k + 2.0 * margin).round() as u32,
        (cell_mm.1 * k + 2.0 * margin).round() as u32,
    );
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    let cell = PxRect::new(margin, margin, cell_mm.0 * k, cell_mm.1 * k);
    if boxed {
        draw_box(&mut img, cell, (0.25 * k).max(1.0));
    }
    let style = PenStyle::random(rng, k);
    draw_char(&mut img, c, cell, source, &style, rng);
    img
}

/// A printed box outline.
fn draw_box(img: &mut GrayImage, r: PxRect, width: f32) {
    let mut cov = Coverage::new(r.x, r.y, r.right(), r.bottom(), width + 2.0);
    let hw = width / 2.0;
    let corners = [
        (r.x, r.y),
        (r.right(), r.y),
        (r.right(), r.bottom()),
        (r.x, r.bottom()),
        (r.x, r.y),
    ];
    for pair in corners.windows(2) {
        cov.capsule(pair[0], pair[1], hw, hw, 1.0);
    }
    cov.composite(img, 0, &Texture::SOLID);
}
