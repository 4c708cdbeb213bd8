//! Training and validation: generated cells in, weights and a record out. Deterministic for a seed and a thread
//! count on one machine: every sample is drawn from its own generator (seed, index), batches are split over
//! threads in fixed halves and their gradients added in a fixed order.

use super::generate::{self as cellgen, Content, HELD_OUT, Shapes, Writer};
use super::real::Split;
use crate::domain::identity::luhn_check_digit;
use crate::forms::definition::{Charset, Check};
use crate::intake::read::chars::{CellGuess, CharReader};
use crate::intake::read::hand::net::{self, Arch, Workspace};
use crate::intake::read::hand::prep::{self, SIDE};
use crate::intake::read::hand::{
    CLASSES, HandReader, Header, Model, N_CLASSES, NOISE, SecondLooks, class_char, class_of, field,
};
use crate::synth::values::SURNAMES;
use crate::synth::{SynthRng, normal, sub_rng};
use image::GrayImage;
use rand::RngExt;
use serde::Serialize;
use std::time::Instant;

/// Everything a training run depends on.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub seed: u64,
    pub arch: Arch,
    pub samples: usize,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
    pub weight_decay: f32,
    pub dropout: f32,
    pub label_smoothing: f32,
    pub threads: usize,
    /// Validation cells per class and group.
    pub val_per_class: usize,
    /// Validation fields per kind and group.
    pub val_fields: usize,
    /// Share of digit samples written with a real person's digit (the training part of `data/handwriting`).
    pub real_share: f32,
    pub classes: Classes,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 1,
            arch: Arch {
                c1: 16,
                c2: 32,
                c3: 64,
                fc: 128,
                classes: N_CLASSES,
            },
            samples: 300_000,
            epochs: 6,
            batch: 128,
            lr: 2e-3,
            weight_decay: 1e-4,
            dropout: 0.25,
            label_smoothing: 0.02,
            threads: 2,
            val_per_class: 60,
            val_fields: 1500,
            real_share: 0.6,
            classes: Classes::All,
        }
    }
}

/// Relative frequency of each class in training: digits most (the identity and date fields), then letters.
fn class_weight(i: usize) -> f32 {
    match i {
        0..=9 => 2.0,
        36..=38 => 1.2,
        NOISE => 1.5,
        _ => 1.0,
    }
}

/// The classes a model learns: every class, or the digits alone (with "no character") for a model that reads
/// digit fields beside the general one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Classes {
    #[default]
    All,
    Digits,
}

fn pick_class(rng: &mut SynthRng, classes: Classes) -> usize {
    let weight = |i: usize| match classes {
        Classes::All => class_weight(i),
        Classes::Digits if i < 10 || i == NOISE => class_weight(i),
        Classes::Digits => 0.0,
    };
    let total: f32 = (0..N_CLASSES).map(weight).sum();
    let mut r = rng.random::<f32>() * total;
    for i in 0..N_CLASSES {
        if r < weight(i) {
            return i;
        }
        r -= weight(i);
    }
    NOISE
}

fn content_of(class: usize) -> Content {
    class_char(class).map_or(Content::Noise, Content::Char)
}

/// Generator streams: training samples, validation cells, calibration cells, validation fields.
const TRAIN: u64 = 0;
const VAL_CELLS: u64 = 1 << 40;
const CALIB: u64 = 2 << 40;
const FIELDS: u64 = 3 << 40;

/// One training sample: normalised input and label. A digit is a real person's (training part) with
/// probability `real_share`, else written by a source of the mixture.
pub fn training_sample(
    seed: u64,
    index: usize,
    mix: &[(Shapes, f32)],
    real_share: f32,
    classes: Classes,
) -> (prep::Input, u8) {
    let mut rng = sub_rng(seed, TRAIN + index as u64);
    let class = pick_class(&mut rng, classes);
    let real = class < 10 && rng.random::<f32>() < real_share;
    let shapes = if real {
        Shapes::Real(Split::Train)
    } else {
        cellgen::pick(mix, &mut rng)
    };
    let writer = Writer::random(shapes, &mut rng);
    let cell = cellgen::cell(content_of(class), &writer, &mut rng);
    let x = prep::normalize(
        cell.image.as_raw(),
        cell.image.width() as usize,
        cell.image.height() as usize,
        cell.paper,
    );
    (x, class as u8)
}

/// Runs `f(i)` for `0..n` on `threads` threads (index i on thread i % threads), results in index order.
fn parallel<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.max(1);
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| (i, f(i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for part in parts.iter_mut() {
        for (i, v) in part.drain(..) {
            out[i] = Some(v);
        }
    }
    out.into_iter().map(|v| v.expect("every index")).collect()
}

/// The training set, quantised to bytes.
pub struct Dataset {
    pub inputs: Vec<u8>,
    pub labels: Vec<u8>,
}

pub fn dataset(cfg: &Config, mix: &[(Shapes, f32)]) -> Dataset {
    let (seed, n) = (cfg.seed, cfg.samples);
    let samples = parallel(n, cfg.threads, |i| {
        let (x, y) = training_sample(seed, i, mix, cfg.real_share, cfg.classes);
        let q: Vec<u8> = x.iter().map(|v| (v * 255.0).round() as u8).collect();
        (q, y)
    });
    let mut inputs = Vec::with_capacity(n * SIDE * SIDE);
    let mut labels = Vec::with_capacity(n);
    for (q, y) in samples {
        inputs.extend_from_slice(&q);
        labels.push(y);
    }
    Dataset { inputs, labels }
}

/// He-normal weights, zero biases.
pub fn init(arch: &Arch, seed: u64) -> Vec<f32> {
    let mut rng = sub_rng(seed, 77);
    let mut p = vec![0.0; arch.offsets().total];
    for (w, b, fan) in arch.fan_in() {
        let sd = (2.0 / fan as f32).sqrt();
        for v in &mut p[w..b] {
            *v = sd * normal(&mut rng);
        }
    }
    p
}

/// Trains, from fresh weights or from `start` (a model of the same architecture, fine-tuned); `log` hears
/// progress lines.
pub fn fit(
    cfg: &Config,
    data: &Dataset,
    start: Option<&[f32]>,
    log: &mut dyn FnMut(&str),
) -> Vec<f32> {
    let arch = cfg.arch;
    let total = arch.offsets().total;
    let mut params = match start {
        Some(p) if p.len() == total => p.to_vec(),
        _ => init(&arch, cfg.seed),
    };
    let (mut m, mut v) = (vec![0f32; total], vec![0f32; total]);
    let n = data.labels.len();
    let steps_per_epoch = n / cfg.batch;
    let all_steps = steps_per_epoch * cfg.epochs;
    let warmup = (all_steps / 50).max(1);
    let threads = cfg.threads.max(1);
    let mut workspaces: Vec<Workspace> = (0..threads).map(|_| Workspace::default()).collect();
    let mut grads: Vec<Vec<f32>> = (0..threads).map(|_| vec![0f32; total]).collect();
    let side = SIDE * SIDE;
    let mut input = vec![0f32; cfg.batch * side];
    let mut labels = vec![0u8; cfg.batch];
    let mut step = 0usize;
    let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    for epoch in 0..cfg.epochs {
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = sub_rng(cfg.seed, 1000 + epoch as u64);
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let started = Instant::now();
        let (mut loss_sum, mut seen) = (0.0f64, 0usize);
        for chunk in order.chunks_exact(cfg.batch) {
            for (k, &i) in chunk.iter().enumerate() {
                for (dst, &q) in input[k * side..][..side]
                    .iter_mut()
                    .zip(&data.inputs[i * side..][..side])
                {
                    *dst = f32::from(q) / 255.0;
                }
                labels[k] = data.labels[i];
            }
            let per = cfg.batch / threads;
            let params_ref = &params;
            let losses: Vec<f32> = std::thread::scope(|s| {
                let handles: Vec<_> = workspaces
                    .iter_mut()
                    .zip(grads.iter_mut())
                    .enumerate()
                    .map(|(t, (ws, g))| {
                        let lo = t * per;
                        let hi = if t + 1 == threads {
                            cfg.batch
                        } else {
                            lo + per
                        };
                        let x = &input[lo * side..hi * side];
                        let y = &labels[lo..hi];
                        let seed = cfg.seed;
                        s.spawn(move || {
                            g.fill(0.0);
                            let mut drng = sub_rng(seed, 1 << 32 | (step * threads + t) as u64);
                            let mut draw = || drng.random::<f32>();
                            net::forward(
                                &arch,
                                params_ref,
                                x,
                                hi - lo,
                                ws,
                                Some((cfg.dropout, &mut draw)),
                            );
                            net::backward(
                                &arch,
                                params_ref,
                                y,
                                cfg.label_smoothing,
                                cfg.batch,
                                ws,
                                g,
                            )
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("trainer thread"))
                    .collect()
            });
            loss_sum += losses.iter().map(|&l| f64::from(l)).sum::<f64>();
            seen += cfg.batch;
            let (first, rest) = grads.split_at_mut(1);
            for g in rest.iter() {
                for (a, b) in first[0].iter_mut().zip(g) {
                    *a += b;
                }
            }
            step += 1;
            let lr = if step <= warmup {
                cfg.lr * step as f32 / warmup as f32
            } else {
                let t = (step - warmup) as f32 / (all_steps - warmup).max(1) as f32;
                cfg.lr * (0.02 + 0.98 * 0.5 * (1.0 + (std::f32::consts::PI * t).cos()))
            };
            let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
            for i in 0..total {
                let g = first[0][i];
                m[i] = b1 * m[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                let update = (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
                params[i] -= lr * (update + cfg.weight_decay * params[i]);
            }
        }
        log(&format!(
            "epoch {}/{}: loss {:.4}, {:.0} s, {:.0} samples/s",
            epoch + 1,
            cfg.epochs,
            loss_sum / seen.max(1) as f64,
            started.elapsed().as_secs_f32(),
            seen as f32 / started.elapsed().as_secs_f32()
        ));
    }
    params
}

/// Fits the softmax temperature that minimises the negative log-likelihood of the labelled cells.
pub fn fit_temperature(model: &Model, inputs: &[f32], labels: &[u8]) -> f32 {
    let mut ws = Workspace::default();
    let arch = model.header.arch;
    let mut logits = Vec::new();
    for chunk in inputs.chunks(256 * SIDE * SIDE) {
        let b = chunk.len() / (SIDE * SIDE);
        net::forward(&arch, &model.params, chunk, b, &mut ws, None);
        logits.extend_from_slice(&ws.logits[..b * N_CLASSES]);
    }
    let nll = |t: f32| -> f64 {
        let mut s = 0.0f64;
        for (row, &y) in logits.chunks_exact(N_CLASSES).zip(labels) {
            let max = row.iter().copied().fold(f32::MIN, f32::max);
            let z: f32 = row.iter().map(|v| ((v - max) / t).exp()).sum();
            s -= f64::from((row[usize::from(y)] - max) / t - z.ln());
        }
        s
    };
    let mut best = (1.0f32, f64::MAX);
    let mut t = 0.5f32;
    while t <= 6.0 {
        let l = nll(t);
        if l < best.1 {
            best = (t, l);
        }
        t += 0.05;
    }
    best.0
}

/// Labelled validation cells from `shapes` (per class of `classes`, each with its own random writer),
/// normalised.
pub fn labelled_cells(
    seed: u64,
    stream: u64,
    shapes: &[(Shapes, f32)],
    classes: &[usize],
    per_class: usize,
    threads: usize,
) -> (Vec<f32>, Vec<u8>) {
    let n = per_class * classes.len();
    let items = parallel(n, threads, |i| {
        let class = classes[i % classes.len()];
        let mut rng = sub_rng(seed, stream + i as u64);
        let s = cellgen::pick(shapes, &mut rng);
        let w = Writer::random(s, &mut rng);
        let cell = cellgen::cell(content_of(class), &w, &mut rng);
        (
            prep::normalize(
                cell.image.as_raw(),
                cell.image.width() as usize,
                cell.image.height() as usize,
                cell.paper,
            ),
            class as u8,
        )
    });
    let mut x = Vec::with_capacity(n * SIDE * SIDE);
    let mut y = Vec::with_capacity(n);
    for (a, b) in items {
        x.extend_from_slice(&a);
        y.push(b);
    }
    (x, y)
}

/// Accuracy of single cells by class group, each under its field's charset.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CellScores {
    /// Digits read in a digits field.
    pub digits: f32,
    /// A–Z read in a letters field.
    pub letters: f32,
    /// Å, Ä, Ö read in a letters field.
    pub swedish: f32,
    pub hyphen: f32,
    /// Every character read in a text field (all classes; O/0, I/1 and the like then compete).
    pub text_all: f32,
    /// "No character" cells whose first guess is "no character".
    pub noise_detected: f32,
    pub cells: usize,
}

/// The models a reader is made of: the general one, and the digits model beside it for digit fields.
#[derive(Clone, Copy)]
pub struct Models<'a> {
    pub general: &'a Model,
    pub digits: Option<&'a Model>,
    pub looks: SecondLooks,
}

impl<'a> Models<'a> {
    pub fn reader(&self) -> HandReader<'a> {
        match self.digits {
            Some(d) => HandReader::with_models(self.general, d),
            None => HandReader::with_model(self.general),
        }
        .with_second_looks(self.looks)
    }
}

pub fn cell_scores(models: Models<'_>, x: &[f32], y: &[u8]) -> CellScores {
    let mut reader = models.reader();
    let mut probs = Vec::new();
    for chunk in x.chunks(256 * SIDE * SIDE) {
        probs.extend(reader.probabilities_of(chunk, Charset::Text));
    }
    let mut hits = [(0usize, 0usize); 6];
    for (p, &label) in probs.iter().zip(y) {
        let label = usize::from(label);
        let argmax_in =
            |charset: Charset| field::guess(p, charset).best().and_then(|b| class_of(b.0));
        let group = match label {
            0..=9 => Some((0, Charset::Digits)),
            10..=35 => Some((1, Charset::Letters)),
            36..=38 => Some((2, Charset::Letters)),
            39 => Some((3, Charset::Letters)),
            _ => None,
        };
        if let Some((g, cs)) = group {
            hits[g].1 += 1;
            hits[g].0 += usize::from(argmax_in(cs) == Some(label));
            hits[4].1 += 1;
            hits[4].0 += usize::from(argmax_in(Charset::Text) == Some(label));
        } else {
            let top = (0..N_CLASSES)
                .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                .unwrap_or(0);
            hits[5].1 += 1;
            hits[5].0 += usize::from(top == NOISE);
        }
    }
    let r = |(h, n): (usize, usize)| if n == 0 { 0.0 } else { h as f32 / n as f32 };
    CellScores {
        digits: r(hits[0]),
        letters: r(hits[1]),
        swedish: r(hits[2]),
        hyphen: r(hits[3]),
        text_all: r(hits[4]),
        noise_detected: r(hits[5]),
        cells: y.len(),
    }
}

/// Kinds of validation field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// 12 digits with a valid check digit, read with [`field::identity_reading`].
    Personnummer,
    /// 8 digits, a date that exists, read with [`field::date_reading`].
    Date,
    /// A surname in capitals (letters field, no list): the cells' first choices.
    Surname,
    /// A country in capitals, matched against the country list.
    Country,
    /// A telephone number, 10 digits from 0: a digit field with no rule (as are postal codes, ages and birth
    /// years): the cells' first choices.
    Phone,
}

impl FieldKind {
    /// The kinds of digits only.
    pub const DIGITS: [FieldKind; 2] = [FieldKind::Personnummer, FieldKind::Date];
    /// Digit fields that no rule checks.
    pub const PLAIN_DIGITS: [FieldKind; 1] = [FieldKind::Phone];
    pub const ALL: [FieldKind; 4] = [
        FieldKind::Personnummer,
        FieldKind::Date,
        FieldKind::Surname,
        FieldKind::Country,
    ];
}

/// Surnames beyond `synth::values::SURNAMES`, for letters and shapes that list has few of (Q, X, Z, hyphens).
const EXTRA_SURNAMES: &[&str] = &[
    "WALLIN",
    "ENGSTRÖM",
    "EKLUND",
    "DANIELSSON",
    "BJÖRK",
    "BERGMAN",
    "GUNNARSSON",
    "HOLM",
    "WIKSTRÖM",
    "SAMUELSSON",
    "ISAKSSON",
    "FRANSSON",
    "ARVIDSSON",
    "LÖFGREN",
    "CLAESSON",
    "NORDSTRÖM",
    "MÅRTENSSON",
    "ÄNGQVIST",
    "QUIST",
    "ZETTERBERG",
    "VIKLUND",
    "JUHLIN",
    "XAVIER",
    "BERG-LUND",
    "SJÖ-HOLM",
    "KAJ",
    "FALK",
    "STRAND",
    "GRAHN",
];

fn field_text(kind: FieldKind, rng: &mut SynthRng) -> String {
    match kind {
        FieldKind::Personnummer => {
            let year = rng.random_range(1930..2024u32);
            let month = rng.random_range(1..=12u32);
            let day = rng.random_range(1..=28u32) + if rng.random::<f32>() < 0.1 { 60 } else { 0 };
            let serial = rng.random_range(0..1000u32);
            let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
            let check = luhn_check_digit(&nine).unwrap_or(0);
            format!("{year}{month:02}{day:02}{serial:03}{check}")
        }
        FieldKind::Date => {
            let year = rng.random_range(1920..2027u32);
            let month = rng.random_range(1..=12u32);
            let days = match month {
                2 if year % 4 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            format!("{year}{month:02}{:02}", rng.random_range(1..=days))
        }
        FieldKind::Surname => {
            let n = SURNAMES.len() + EXTRA_SURNAMES.len();
            let i = rng.random_range(0..n);
            SURNAMES
                .get(i)
                .unwrap_or_else(|| &EXTRA_SURNAMES[i - SURNAMES.len()])
                .to_string()
        }
        FieldKind::Phone => {
            let digits: String = (0..9)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            format!("0{digits}")
        }
        FieldKind::Country => {
            let names: Vec<String> = field::country_names()
                .iter()
                .filter_map(|n| cell_text(n))
                .filter(|n| n.chars().count() <= 14)
                .collect();
            names[rng.random_range(0..names.len())].clone()
        }
    }
}

fn cell_text(name: &str) -> Option<String> {
    let up: String = name.to_uppercase().chars().filter(|c| *c != ' ').collect();
    up.chars().all(|c| class_of(c).is_some()).then_some(up)
}

/// One validation field: the truth and the crops of its written cells, all by one writer on one page.
pub fn make_field(
    kind: FieldKind,
    seed: u64,
    index: usize,
    shapes: &[(Shapes, f32)],
) -> (String, Vec<GrayImage>, u8) {
    let mut rng = sub_rng(seed, FIELDS + index as u64);
    let text = field_text(kind, &mut rng);
    let s = cellgen::pick(shapes, &mut rng);
    let writer = Writer::random(s, &mut rng);
    let mut cells = Vec::new();
    let mut paper = 255;
    for c in text.chars() {
        let cell = cellgen::cell(Content::Char(c), &writer, &mut rng);
        paper = cell.paper;
        cells.push(cell.image);
    }
    (text, cells, paper)
}

/// How one field came out.
#[derive(Debug, Clone, Serialize)]
pub struct FieldOutcome {
    pub kind: FieldKind,
    pub right: bool,
    pub confidence: f32,
    /// Digits or letters right, of all cells.
    pub cells_right: usize,
    pub cells: usize,
    pub corrected: bool,
}

/// Reads a field as the intake would: classifier, charset, then the field's rule.
pub fn read_one(
    reader: &mut HandReader<'_>,
    kind: FieldKind,
    text: &str,
    cells: &[GrayImage],
    paper: u8,
) -> FieldOutcome {
    let charset = match kind {
        FieldKind::Personnummer | FieldKind::Date | FieldKind::Phone => Charset::Digits,
        _ => Charset::Letters,
    };
    let guesses: Vec<CellGuess> = reader.read(cells, charset, paper).unwrap_or_default();
    let check = match kind {
        FieldKind::Personnummer => Some(Check::Identitet),
        FieldKind::Date => Some(Check::Date),
        FieldKind::Surname | FieldKind::Phone => None,
        FieldKind::Country => Some(Check::Country),
    };
    let reading = field::read_field(&guesses, charset, check, 14);
    let first = field::first_reading(&guesses);
    let cells_right = first
        .chars()
        .zip(text.chars())
        .filter(|(a, b)| a == b)
        .count();
    FieldOutcome {
        kind,
        right: reading.text == text,
        confidence: reading.confidence,
        cells_right,
        cells: text.chars().count(),
        corrected: !reading.changed.is_empty(),
    }
}

/// Field results of one group of writers.
#[derive(Debug, Clone, Serialize)]
pub struct FieldScores {
    pub kind: FieldKind,
    pub fields: usize,
    /// Exactly right after the field's rule.
    pub exact: f32,
    /// Exactly right from the cells' first choices alone.
    pub cells_accuracy: f32,
    pub corrected: usize,
    /// Fields at confidence >= 0.9, and how many of them wrong.
    pub confident: usize,
    pub confident_wrong: usize,
}

pub fn field_outcomes(
    models: Models<'_>,
    seed: u64,
    shapes: &[(Shapes, f32)],
    kinds: &[FieldKind],
    per_kind: usize,
    threads: usize,
) -> Vec<FieldOutcome> {
    let n = per_kind * kinds.len();
    parallel(n, threads, |i| {
        let kind = kinds[i % kinds.len()];
        let (text, cells, paper) = make_field(kind, seed, i, shapes);
        let mut reader = models.reader();
        read_one(&mut reader, kind, &text, &cells, paper)
    })
}

pub fn summarise(outcomes: &[FieldOutcome]) -> Vec<FieldScores> {
    FieldKind::ALL
        .iter()
        .filter(|&&kind| outcomes.iter().any(|o| o.kind == kind))
        .map(|&kind| {
            let of: Vec<&FieldOutcome> = outcomes.iter().filter(|o| o.kind == kind).collect();
            let n = of.len().max(1) as f32;
            FieldScores {
                kind,
                fields: of.len(),
                exact: of.iter().filter(|o| o.right).count() as f32 / n,
                cells_accuracy: of.iter().map(|o| o.cells_right).sum::<usize>() as f32
                    / of.iter().map(|o| o.cells).sum::<usize>().max(1) as f32,
                corrected: of.iter().filter(|o| o.corrected).count(),
                confident: of.iter().filter(|o| o.confidence >= 0.9).count(),
                confident_wrong: of
                    .iter()
                    .filter(|o| o.confidence >= 0.9 && !o.right)
                    .count(),
            }
        })
        .collect()
}

/// One row of a calibration table.
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    pub from: f32,
    pub to: f32,
    pub fields: usize,
    pub wrong: usize,
    pub mean_confidence: f32,
}

pub fn calibration(outcomes: &[FieldOutcome]) -> Vec<Bin> {
    let edges = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0001];
    edges
        .windows(2)
        .map(|w| {
            let of: Vec<&FieldOutcome> = outcomes
                .iter()
                .filter(|o| o.confidence >= w[0] && o.confidence < w[1])
                .collect();
            Bin {
                from: w[0],
                to: w[1].min(1.0),
                fields: of.len(),
                wrong: of.iter().filter(|o| !o.right).count(),
                mean_confidence: of.iter().map(|o| o.confidence).sum::<f32>()
                    / of.len().max(1) as f32,
            }
        })
        .collect()
}

/// The group of writers a validation figure is about.
pub fn held_out_shapes() -> Vec<(Shapes, f32)> {
    vec![(Shapes::Hand(HELD_OUT), 1.0)]
}

/// Real people's digits that training never saw.
pub fn real_held_out_shapes() -> Vec<(Shapes, f32)> {
    vec![(Shapes::Real(Split::Validation), 1.0)]
}

/// Every class, and the digits alone.
pub fn all_classes() -> Vec<usize> {
    (0..N_CLASSES).collect()
}
pub fn digit_classes() -> Vec<usize> {
    (0..10).collect()
}

/// Builds the model from trained parameters.
pub fn model(cfg: &Config, params: Vec<f32>, temperature: f32) -> Model {
    Model::new(
        Header {
            arch: cfg.arch,
            classes: CLASSES.to_string(),
            temperature,
            seed: cfg.seed,
        },
        params,
    )
}

/// Validation streams, exposed for the record.
pub const STREAMS: [(&str, u64); 4] = [
    ("train", TRAIN),
    ("val_cells", VAL_CELLS),
    ("calibration", CALIB),
    ("fields", FIELDS),
];

/// The calibration and validation cell streams.
pub fn val_stream() -> u64 {
    VAL_CELLS
}
pub fn calib_stream() -> u64 {
    CALIB
}
