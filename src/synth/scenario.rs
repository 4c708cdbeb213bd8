//! One call for tests and benchmarks: render forms, fill them in, scan them and pack the scans, with the truth
//! to compare a reader's output with.
//!
//! Deterministic for a seed: every document and every page draws from its own generator derived from the seed,
//! so documents can be made in parallel and still come out the same. Form IDs are drawn from the operating
//! system's generator as in production ([`IdMode::Random`]) unless [`IdMode::Seeded`] asks for IDs from the seed
//! (then the files are identical byte for byte, run after run).

use super::degrade::{self, Quality};
use super::fill::{self, Mark, Writer};
use super::hand::{self, HandSource};
use super::pack::{self, EncodedPage, FileFormat, PageCodec};
use super::raster;
use super::values::{self, Values};
use super::{PxRect, SynthRng, sub_rng};
use crate::domain::diseases::Diseases;
use crate::domain::regions::Regions;
use crate::formid::{ALPHABET, FormId};
use crate::forms::definition::FormKind;
use crate::forms::page::Rect;
use crate::forms::{Form, Registry};
use crate::render::{Copy, Renderer};
use image::{GrayImage, Luma};
use rand::RngExt;
use rand::seq::IndexedRandom;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The resolution printed pages are rasterised at before they are filled in and scanned.
pub const SOURCE_DPI: u32 = 300;

/// Where form IDs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdMode {
    /// Fresh random IDs, as the print command issues them.
    Random,
    /// IDs drawn from the seed: the same files on every run.
    Seeded,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Number of copies (documents).
    pub documents: usize,
    /// Main forms to choose from, by name (the newest version, or `klinisk@1` for version 1); empty for every
    /// main form.
    pub forms: Vec<String>,
    /// Chance that a copy gets the supplement of its disease, where the form and the disease have one.
    pub supplement_rate: f32,
    /// Region code whose address is printed.
    pub region: String,
    /// Devices; each file is scanned by one of them, chosen at random.
    pub qualities: Vec<Quality>,
    /// Share of documents typed rather than handwritten.
    pub typed_rate: f32,
    /// Share of pages fed upside down.
    pub upside_down_rate: f32,
    /// Share of optional fields left empty.
    pub empty_rate: f32,
    pub format: FileFormat,
    /// Codec for grey pages (bilevel pages in PDF and TIFF are always G4).
    pub grey_codec: PageCodec,
    /// Mix the pages of the whole batch.
    pub shuffle: bool,
    /// Start a new file after this many pages (multi-page formats).
    pub pages_per_file: Option<usize>,
    pub ids: IdMode,
    /// Hand sources to write with; empty for every installed one. Give all but one to hold one out.
    pub sources: Vec<HandSource>,
    /// The day the forms are filled in.
    pub today: time::Date,
    /// Worker threads; 0 for the machine's parallelism.
    pub threads: usize,
    /// File names are `{prefix}-001.pdf`, ...
    pub prefix: String,
    /// Done to every sheet after it is filled in and before it is scanned.
    pub damage: Vec<Damage>,
    /// Every document carries this ID instead of one of its own: a blank photocopied and filled in again.
    pub same_id: Option<FormId>,
    /// Documents in a row that carry one ID: a blank photocopied and filled in by this many people, each with a
    /// hand source of their own while there are enough (0 or 1: an ID each).
    pub copies_per_id: usize,
    /// Handwritten digits in combs are real people's, from the part of `data/handwriting` that training never
    /// sees (letters stay the hand sources').
    pub real_digits: bool,
    /// Share of documents whose writer gets the identity number's check digit wrong (the truth is what is
    /// written).
    pub miswritten_rate: f32,
    /// Every patient has a reservnummer (see `values::Options::reservnummer`).
    pub reservnummer: bool,
}

/// Harm done to a sheet between filling in and scanning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Damage {
    /// Painted over with white (correction fluid, a label): the paper stays.
    WhiteOut(Rect),
    /// Cut or torn away: the device sees its own background there.
    CutAway(Rect),
}

impl Damage {
    /// Applies the damage to a page image at `dpi`; `background` is the grey the cut-away part must have before
    /// the device's tone curve (see `degrade`), so that it comes out as the device's background.
    fn apply(&self, img: &mut GrayImage, dpi: f32, background: u8) {
        let (rect, value) = match *self {
            Damage::WhiteOut(r) => (r, 255),
            Damage::CutAway(r) => (r, background),
        };
        let px = PxRect::from_mm(&rect, dpi);
        let (w, h) = img.dimensions();
        let x0 = (px.x.max(0.0) as u32).min(w);
        let y0 = (px.y.max(0.0) as u32).min(h);
        let x1 = (px.right().max(0.0).ceil() as u32).min(w);
        let y1 = (px.bottom().max(0.0).ceil() as u32).min(h);
        for y in y0..y1 {
            for x in x0..x1 {
                img.put_pixel(x, y, Luma([value]));
            }
        }
    }
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            documents: 4,
            forms: Vec::new(),
            supplement_rate: 0.3,
            region: "01".into(),
            qualities: vec![Quality::Office200],
            typed_rate: 0.1,
            upside_down_rate: 0.05,
            empty_rate: 0.25,
            format: FileFormat::Pdf,
            grey_codec: PageCodec::Jpeg(75),
            shuffle: false,
            pages_per_file: None,
            ids: IdMode::Random,
            sources: Vec::new(),
            today: values::Options::default().today,
            threads: 0,
            prefix: "scan".into(),
            damage: Vec::new(),
            same_id: None,
            copies_per_id: 0,
            real_digits: false,
            miswritten_rate: 0.0,
            reservnummer: false,
        }
    }
}

/// One form of a copy and its values.
#[derive(Debug, Clone, Serialize)]
pub struct TruthPart {
    pub form: String,
    pub version: u32,
    pub values: Values,
}

/// Where a page of a copy ended up and what happened to it.
#[derive(Debug, Clone, Serialize)]
pub struct TruthPage {
    /// Page number within the copy, 1-based (as in the QR code).
    pub page: u32,
    /// The form definition and its page the sheet was printed from.
    pub form: String,
    pub template_page: usize,
    /// The file and the 0-based position in it.
    pub file: String,
    pub index: usize,
    pub quality: Quality,
    pub upside_down: bool,
    pub rotation_deg: f32,
    pub dpi_x: f32,
    pub dpi_y: f32,
}

/// One copy as written on paper.
#[derive(Debug, Clone, Serialize)]
pub struct TruthDocument {
    pub form_id: String,
    /// The main form and its version.
    pub form: String,
    pub version: u32,
    /// Every form of the copy (main form first) with its own values.
    pub parts: Vec<TruthPart>,
    pub pages: Vec<TruthPage>,
    /// The values of all parts in one map, as intake reports a document.
    pub values: Values,
    /// Every tick drawn, with its kind (a `dot` is a weak mark; see `synth::hand`).
    pub marks: Vec<Mark>,
    /// `hand:<source>` or `typed:<face>`.
    pub writer: String,
    pub region: String,
}

/// The files and the truth.
#[derive(Debug, Clone)]
pub struct GeneratedBatch {
    pub files: Vec<(String, Vec<u8>)>,
    pub truth: Vec<TruthDocument>,
}

impl GeneratedBatch {
    pub fn truth_json(&self) -> String {
        serde_json::to_string_pretty(&self.truth).unwrap_or_default()
    }

    /// Writes every file and `truth.json` into `dir` (created if missing).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(name), bytes)?;
        }
        std::fs::write(dir.join("truth.json"), self.truth_json())
    }

    /// Total pages over all files.
    pub fn page_count(&self) -> usize {
        self.truth.iter().map(|d| d.pages.len()).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("unknown form or form that is not a main form: {0}")]
    Form(String),
    #[error("unknown region {0}")]
    Region(String),
    #[error("no device quality given")]
    NoQuality,
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error(transparent)]
    Raster(#[from] raster::RasterError),
    #[error(transparent)]
    Pack(#[from] pack::PackError),
}

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::new(Registry::embedded()))
}

/// A form ID drawn from `rng`, with its right check character.
pub fn seeded_id(form: &Form, rng: &mut SynthRng) -> FormId {
    let serial: String = (0..8)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    let payload = format!("{}{serial}", form.code);
    ALPHABET
        .iter()
        .find_map(|&c| FormId::parse(&format!("{payload}{}", char::from(c))).ok())
        .unwrap_or_else(|| FormId::generate(form.code))
}

/// A supplement that fits `main` (a disease with that supplement may be reported on it), if any.
fn supplements_for(main: &Form) -> Vec<&'static Form> {
    if main.name().starts_with("paragraf") {
        return Vec::new();
    }
    let registry = Registry::embedded();
    let diseases = Diseases::embedded();
    registry
        .latest()
        .filter(|f| f.kind() == FormKind::Supplement)
        .filter(|s| {
            diseases.all().iter().any(|d| {
                d.supplement.as_deref() == Some(s.name())
                    && crate::validation::disease_fits_form(main, d).is_ok()
                    && (s.def.diseases.is_empty() || s.def.diseases.contains(&d.id))
            })
        })
        .map(|f| f.as_ref())
        .collect()
}

/// The pages and tick marks of one document as made.
type DocTruth = (Vec<TruthPage>, Vec<Mark>);

struct DocPlan {
    parts: Vec<&'static Form>,
    id: FormId,
    values: Vec<Values>,
    writer: Writer,
}

/// Where each page goes and how it is scanned.
#[derive(Clone, Copy)]
struct PageSlot {
    file: usize,
    index: usize,
    quality: Quality,
    upside_down: bool,
    stream: u64,
}

/// Generates a batch of scans as `spec` asks.
pub fn generate(seed: u64, spec: &Spec) -> Result<GeneratedBatch, SynthError> {
    let registry = Registry::embedded();
    let regions = Regions::embedded();
    let region = regions
        .get(&spec.region)
        .ok_or_else(|| SynthError::Region(spec.region.clone()))?
        .clone();
    if spec.qualities.is_empty() {
        return Err(SynthError::NoQuality);
    }
    let mains: Vec<&'static Form> = if spec.forms.is_empty() {
        registry
            .latest()
            .filter(|f| f.kind() == FormKind::Main)
            .map(|f| f.as_ref())
            .collect()
    } else {
        spec.forms
            .iter()
            .map(|name| {
                // `klinisk@1` names a version; a bare name is the newest.
                let (name_only, version) = match name.split_once('@') {
                    Some((n, v)) => (
                        n,
                        Some(
                            v.parse::<u32>()
                                .map_err(|_| SynthError::Form(name.clone()))?,
                        ),
                    ),
                    None => (name.as_str(), None),
                };
                registry
                    .get(name_only, version)
                    .ok()
                    .filter(|f| f.kind() == FormKind::Main)
                    .map(|f| f.as_ref())
                    .ok_or_else(|| SynthError::Form(name.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let sources: Vec<HandSource> = if spec.sources.is_empty() {
        hand::sources()
    } else {
        spec.sources
            .iter()
            .copied()
            .filter(|s| s.is_available())
            .collect()
    };
    let options = values::Options {
        today: spec.today,
        empty_rate: spec.empty_rate,
        reservnummer: spec.reservnummer,
    };

    // The documents.
    let mut plans: Vec<DocPlan> = Vec::with_capacity(spec.documents);
    for i in 0..spec.documents {
        let mut r = sub_rng(seed, i as u64);
        let chosen = *mains.choose(&mut r).expect("at least one main form");
        let main = match spec.same_id {
            Some(id) => registry
                .by_code(&id.form)
                .filter(|f| f.kind() == FormKind::Main)
                .map(|f| f.as_ref())
                .ok_or_else(|| SynthError::Form(id.to_string()))?,
            None => chosen,
        };
        let mut parts = vec![main];
        let supplements = supplements_for(main);
        if !supplements.is_empty() && r.random::<f32>() < spec.supplement_rate {
            parts.push(supplements.choose(&mut r).copied().expect("non-empty"));
        }
        let copies = spec.copies_per_id.max(1);
        if i % copies != 0
            && let Some(blank) = plans.last()
        {
            // The same blank, photocopied: the same forms.
            parts = blank.parts.clone();
        }
        // From a stream of its own, so that the choice of ID mode changes nothing else.
        let id = match (spec.same_id, spec.ids) {
            (Some(id), _) => id,
            // A copy of the blank the document before it was filled in on.
            (None, _) if i % copies != 0 => {
                plans.last().map_or(FormId::generate(main.code), |p| p.id)
            }
            (None, IdMode::Seeded) => seeded_id(main, &mut sub_rng(seed, 2_000_000 + i as u64)),
            (None, IdMode::Random) => FormId::generate(main.code),
        };
        let mut values = values::generate_copy(&parts, &options, &mut r);
        if spec.miswritten_rate > 0.0 && r.random::<f32>() < spec.miswritten_rate {
            values::miswrite_check_digit(&mut values[0]);
        }
        // Another person on the same photocopied blank: a hand of their own, while there are hands left.
        let used: Vec<HandSource> = plans[i - i % copies..]
            .iter()
            .filter_map(|p| match p.writer.writing {
                fill::Writing::Hand { source, .. } => Some(source),
                fill::Writing::Typed { .. } => None,
            })
            .collect();
        let fresh: Vec<HandSource> = sources
            .iter()
            .copied()
            .filter(|s| !used.contains(s))
            .collect();
        let hands = if fresh.is_empty() { &sources } else { &fresh };
        let mut writer = Writer::random(&mut r, hands, spec.typed_rate, SOURCE_DPI as f32);
        writer.real_digits = spec.real_digits;
        plans.push(DocPlan {
            parts,
            id,
            values,
            writer,
        });
    }

    // The pages, their order and their files.
    let mut page_refs: Vec<(usize, usize)> = Vec::new();
    for (d, plan) in plans.iter().enumerate() {
        let n: usize = plan.parts.iter().map(|f| f.page_count()).sum();
        page_refs.extend((0..n).map(|p| (d, p)));
    }
    let mut batch_rng = sub_rng(seed, u64::MAX);
    let files = pack::split_batch(
        page_refs.len(),
        spec.format,
        spec.shuffle,
        spec.pages_per_file,
        &mut batch_rng,
    );
    let file_names: Vec<String> = (0..files.len())
        .map(|k| format!("{}-{:03}.{}", spec.prefix, k + 1, spec.format.extension()))
        .collect();
    let file_quality: Vec<Quality> = files
        .iter()
        .map(|_| *spec.qualities.choose(&mut batch_rng).expect("non-empty"))
        .collect();
    let mut slots: Vec<Option<PageSlot>> = vec![None; page_refs.len()];
    for (k, file) in files.iter().enumerate() {
        for (index, &g) in file.iter().enumerate() {
            slots[g] = Some(PageSlot {
                file: k,
                index,
                quality: file_quality[k],
                upside_down: batch_rng.random::<f32>() < spec.upside_down_rate,
                stream: 1_000_000 + g as u64,
            });
        }
    }
    let mut first_page = Vec::with_capacity(plans.len());
    let mut g = 0;
    for plan in &plans {
        first_page.push(g);
        g += plan.parts.iter().map(|f| f.page_count()).sum::<usize>();
    }

    // Render, rasterise, fill, scan and encode, one document at a time on each worker.
    let threads = if spec.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        spec.threads
    }
    .clamp(1, plans.len().max(1));
    let encoded: Mutex<Vec<Vec<Option<EncodedPage>>>> = Mutex::new(
        files
            .iter()
            .map(|f| (0..f.len()).map(|_| None).collect())
            .collect(),
    );
    let doc_truth: Mutex<Vec<Option<DocTruth>>> =
        Mutex::new((0..plans.len()).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let output = Output {
        format: spec.format,
        grey: spec.grey_codec,
        file_names: &file_names,
        damage: &spec.damage,
    };
    let failure: Mutex<Option<SynthError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let d = next.fetch_add(1, Ordering::SeqCst);
                    if d >= plans.len() || failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                        break;
                    }
                    let plan = &plans[d];
                    let result = make_document(
                        seed,
                        plan,
                        &region,
                        &slots[first_page[d]..],
                        &output,
                        |(slot, enc)| {
                            if let Ok(mut e) = encoded.lock() {
                                e[slot.file][slot.index] = Some(enc);
                            }
                        },
                    );
                    match result {
                        Ok((pages, marks)) => {
                            if let Ok(mut t) = doc_truth.lock() {
                                t[d] = Some((pages, marks));
                            }
                        }
                        Err(e) => {
                            if let Ok(mut f) = failure.lock() {
                                f.get_or_insert(e);
                            }
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }

    // Files.
    let encoded = encoded.into_inner().unwrap_or_default();
    let mut out_files = Vec::with_capacity(files.len());
    for (k, pages) in encoded.into_iter().enumerate() {
        let pages: Vec<EncodedPage> = pages.into_iter().flatten().collect();
        out_files.push((file_names[k].clone(), pack::assemble(spec.format, &pages)?));
    }

    // Truth.
    let doc_truth = doc_truth.into_inner().unwrap_or_default();
    let truth = plans
        .iter()
        .zip(doc_truth)
        .map(|(plan, t)| {
            let (pages, marks) = t.unwrap_or_default();
            let mut merged = Values::new();
            for v in plan.values.iter().rev() {
                merged.extend(v.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            TruthDocument {
                form_id: plan.id.to_string(),
                form: plan.parts[0].name().to_string(),
                version: plan.parts[0].version(),
                parts: plan
                    .parts
                    .iter()
                    .zip(&plan.values)
                    .map(|(f, v)| TruthPart {
                        form: f.name().to_string(),
                        version: f.version(),
                        values: v.clone(),
                    })
                    .collect(),
                pages,
                values: merged,
                marks,
                writer: plan.writer.label(),
                region: region.code.clone(),
            }
        })
        .collect();
    Ok(GeneratedBatch {
        files: out_files,
        truth,
    })
}

/// What the pages are packed into.
struct Output<'a> {
    format: FileFormat,
    grey: PageCodec,
    file_names: &'a [String],
    damage: &'a [Damage],
}

/// One copy: rendered, rasterised, filled in, scanned and encoded page by page (`emit` receives each page).
fn make_document(
    seed: u64,
    plan: &DocPlan,
    region: &crate::domain::regions::Region,
    slots: &[Option<PageSlot>],
    out: &Output<'_>,
    mut emit: impl FnMut((PageSlot, EncodedPage)),
) -> Result<(Vec<TruthPage>, Vec<Mark>), SynthError> {
    let copy = Copy {
        id: plan.id,
        parts: plan.parts.clone(),
        region,
    };
    let pdf = renderer().render_one(&copy)?;
    let images = raster::rasterise(&pdf, SOURCE_DPI)?;
    let mut pages = Vec::with_capacity(images.len());
    let mut marks = Vec::new();
    let mut number = 0usize;
    let mut images = images.into_iter();
    for (part, values) in plan.parts.iter().zip(&plan.values) {
        for layout in &part.layout.pages {
            let Some(mut img) = images.next() else {
                break;
            };
            let Some(slot) = slots.get(number).copied().flatten() else {
                break;
            };
            number += 1;
            let mut r = sub_rng(seed, slot.stream);
            marks.extend(fill::fill_page(
                &mut img,
                SOURCE_DPI as f32,
                part,
                layout.page,
                values,
                &plan.writer,
                &mut r,
            ));
            let mut params = slot.quality.params(&mut r);
            params.upside_down = slot.upside_down;
            let cut_grey = (u32::from(params.background) * 255 / u32::from(params.paper.max(1)))
                .min(255) as u8;
            for damage in out.damage {
                damage.apply(&mut img, SOURCE_DPI as f32, cut_grey);
            }
            let scan = degrade::degrade(&img, SOURCE_DPI as f32, &params, &mut r);
            drop(img);
            let enc = pack::encode_page(&scan, out.format.codec(scan.bilevel, out.grey));
            pages.push(TruthPage {
                page: number as u32,
                form: part.name().to_string(),
                template_page: layout.page,
                file: out.file_names[slot.file].clone(),
                index: slot.index,
                quality: slot.quality,
                upside_down: slot.upside_down,
                rotation_deg: params.rotation_deg,
                dpi_x: params.dpi_x,
                dpi_y: params.dpi_y,
            });
            emit((slot, enc));
        }
    }
    Ok((pages, marks))
}

/// All values of a generated copy by form name, as `validation::check_copy` takes them.
pub fn form_values(doc: &TruthDocument) -> BTreeMap<String, crate::validation::FormValues> {
    doc.parts
        .iter()
        .map(|p| (p.form.clone(), values::to_form_values(&p.values)))
        .collect()
}
