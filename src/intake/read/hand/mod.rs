//! Handwriting reader for comb cells: a small convolutional classifier of one boxed character, trained on real
//! people's digits and generated writing (`scripts/train-hand.sh`; records in `data/models/hand-v2*.md`), with
//! weights embedded from `data/models/hand-v2.bin` and, for digit fields, a digits model
//! (`data/models/hand-v2-digits.bin`) that gives a second opinion on unsure cells.
//!
//! - [`HandReader`] implements [`CharReader`]: every written cell's interior is normalised ([`prep`]), run
//!   through the network ([`net`]) in one batch, and answered with a probability for every character the
//!   field's charset admits. The network has a class for "no character" (box-line pieces, specks, stray
//!   strokes): its probability is left out of the candidates, so a cell that may be empty gets a low
//!   confidence instead of a confident character.
//! - [`field`] uses what the field knows: the personnummer check digit, dates that exist, the disease, country
//!   and county lists.
//! - The training and validation data and the trainer are not part of the service: `crate::synth::cells`
//!   (cargo feature `synth`).

pub mod field;
pub mod int8;
pub mod net;
pub mod prep;

use super::chars::{CellGuess, CharReader};
use crate::forms::definition::Charset;
use image::GrayImage;
use int8::{Int8Net, Int8Workspace};
use net::{Arch, Workspace};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The characters the classifier knows, in class order; class `CLASSES.len()` is "no character".
pub const CLASSES: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ-";
/// Number of classes including "no character".
pub const N_CLASSES: usize = 41;
/// The class index of "no character".
pub const NOISE: usize = 40;

/// The character of a class (None for "no character").
pub fn class_char(i: usize) -> Option<char> {
    CLASSES.chars().nth(i)
}

/// The class of a character (None if the classifier does not know it).
pub fn class_of(c: char) -> Option<usize> {
    CLASSES.chars().position(|k| k == c)
}

/// Whether class `i` may stand in a field of `charset`: digits; letters and hyphen; or all.
pub fn allowed(i: usize, charset: Charset) -> bool {
    match charset {
        Charset::Digits => i < 10,
        Charset::Letters => (10..NOISE).contains(&i),
        Charset::Text => i < NOISE,
    }
}

const MAGIC: &[u8; 8] = b"BLKHAND1";

/// What the weights file says about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub arch: Arch,
    pub classes: String,
    /// Divides the logits before the softmax: fitted on validation cells of the held-out source so that the
    /// probabilities are calibrated.
    pub temperature: f32,
    pub seed: u64,
}

/// A trained classifier.
pub struct Model {
    pub header: Header,
    pub params: Vec<f32>,
    /// The same network in bytes, quantised when first read with.
    int8: OnceLock<Option<Int8Net>>,
}

impl Model {
    pub fn new(header: Header, params: Vec<f32>) -> Model {
        Model {
            header,
            params,
            int8: OnceLock::new(),
        }
    }

    /// The network as the reader runs it ([`int8`]); None for widths it cannot run in bytes.
    pub fn int8(&self) -> Option<&Int8Net> {
        self.int8
            .get_or_init(|| Int8Net::new(&self.header.arch, &self.params))
            .as_ref()
    }

    /// Parses a weights file: magic, header length (u32 LE), JSON header, parameters (f32 LE).
    pub fn parse(bytes: &[u8]) -> Result<Model, String> {
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err("not a blankett handwriting model".into());
        }
        let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        let header: Header =
            serde_json::from_slice(bytes.get(12..12 + n).ok_or("header cut short")?)
                .map_err(|e| e.to_string())?;
        if header.classes != CLASSES || header.arch.classes != N_CLASSES {
            return Err("the model's classes are not this reader's".into());
        }
        let rest = &bytes[12 + n..];
        let total = header.arch.offsets().total;
        if rest.len() != total * 4 {
            return Err(format!(
                "{} parameter bytes, expected {}",
                rest.len(),
                total * 4
            ));
        }
        let params = rest
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Model::new(header, params))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out = Vec::with_capacity(12 + header.len() + self.params.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for p in &self.params {
            out.extend_from_slice(&p.to_le_bytes());
        }
        out
    }

    /// The committed model, embedded in the binary and parsed once.
    pub fn embedded() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::parse(include_bytes!("../../../../data/models/hand-v2.bin"))
                .expect("data/models/hand-v2.bin is a valid model (tests/hand.rs)")
        })
    }

    /// The committed digits model: a second opinion on the unsure cells of digit fields.
    pub fn embedded_digits() -> Option<&'static Model> {
        static MODEL: OnceLock<Model> = OnceLock::new();
        Some(MODEL.get_or_init(|| {
            Model::parse(include_bytes!("../../../../data/models/hand-v2-digits.bin"))
                .expect("data/models/hand-v2-digits.bin is a valid model (tests/hand.rs)")
        }))
    }
}

/// Reads handwritten comb cells with a general [`Model`] and, for digit fields, a digits model beside it. Holds its
/// own buffers: one per worker thread.
pub struct HandReader<'m> {
    model: &'m Model,
    /// Learnt on digits alone: a second opinion on the unsure cells of digit fields.
    digits: Option<&'m Model>,
    ws: Workspace,
    ws8: Int8Workspace,
    input: Vec<f32>,
    /// Shifted and scaled copies of the inputs of unsure cells (test-time augmentation).
    second: Vec<f32>,
    looks: SecondLooks,
}

/// The second looks: shift in input pixels (right, down) and scale, in the order they are taken.
const LOOKS: [(f32, f32, f32); 6] = [
    (0.0, 0.0, 0.9),
    (0.0, 0.0, 1.1),
    (1.0, 0.0, 1.0),
    (-1.0, 0.0, 1.0),
    (0.0, 1.0, 1.0),
    (0.0, -1.0, 1.0),
];

/// When a cell is looked at again and by whom: a second look where the first is unsure, at a cost only there.
/// The answers of every look are averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SecondLooks {
    /// A cell whose most probable class is below this is looked at again.
    pub below: f32,
    /// How many shifted or scaled looks the general model takes (the first of [`LOOKS`]).
    pub general: usize,
    /// In a digit field: whether the digits model reads the cell as it is...
    pub digits_first: bool,
    /// ...and how many shifted or scaled looks it takes.
    pub digits: usize,
}

impl SecondLooks {
    /// What the service reads with.
    pub const DEFAULT: SecondLooks = SecondLooks {
        below: 0.98,
        general: 6,
        digits_first: true,
        digits: 6,
    };

    /// `BELOW:GENERAL:DIGITS_FIRST:DIGITS`, e.g. `0.98:6:1:6` (the default), for the trainer's evaluation.
    pub fn parse(spec: &str) -> Result<SecondLooks, String> {
        let parts: Vec<&str> = spec.split(':').collect();
        let [below, general, first, digits] = parts[..] else {
            return Err(format!(
                "second looks: BELOW:GENERAL:DIGITS_FIRST:DIGITS, not {spec}"
            ));
        };
        let count = |s: &str| -> Result<usize, String> {
            s.parse::<usize>()
                .ok()
                .filter(|&n| n <= LOOKS.len())
                .ok_or_else(|| format!("second looks: a count of 0 to {}, not {s}", LOOKS.len()))
        };
        Ok(SecondLooks {
            below: below
                .parse()
                .map_err(|_| format!("second looks: a threshold, not {below}"))?,
            general: count(general)?,
            digits_first: match first {
                "1" => true,
                "0" => false,
                other => return Err(format!("second looks: DIGITS_FIRST is 0 or 1, not {other}")),
            },
            digits: count(digits)?,
        })
    }
}

impl HandReader<'static> {
    /// A reader with the committed models.
    pub fn new() -> HandReader<'static> {
        HandReader {
            digits: Model::embedded_digits(),
            ..HandReader::with_model(Model::embedded())
        }
    }
}

impl Default for HandReader<'static> {
    fn default() -> Self {
        HandReader::new()
    }
}

impl<'m> HandReader<'m> {
    /// A reader with one model for every field.
    pub fn with_model(model: &'m Model) -> HandReader<'m> {
        HandReader {
            model,
            digits: None,
            ws: Workspace::default(),
            ws8: Int8Workspace::default(),
            input: Vec::new(),
            second: Vec::new(),
            looks: SecondLooks::DEFAULT,
        }
    }

    /// The same reader with other second looks (for the trainer's evaluation of them).
    pub fn with_second_looks(self, looks: SecondLooks) -> HandReader<'m> {
        HandReader { looks, ..self }
    }

    /// A reader with a general model and a digits model for digit fields.
    pub fn with_models(model: &'m Model, digits: &'m Model) -> HandReader<'m> {
        HandReader {
            digits: Some(digits),
            ..HandReader::with_model(model)
        }
    }

    /// Class probabilities (calibrated, [`N_CLASSES`] per cell, "no character" last) of each cell crop, as read
    /// for a field of `charset`.
    pub fn probabilities(
        &mut self,
        cells: &[GrayImage],
        paper: u8,
        charset: Charset,
    ) -> Vec<[f32; N_CLASSES]> {
        self.input.clear();
        for c in cells {
            let x = prep::normalize(c.as_raw(), c.width() as usize, c.height() as usize, paper);
            self.input.extend_from_slice(&x);
        }
        self.probabilities_of_inputs(cells.len(), charset)
    }

    /// As [`probabilities`](Self::probabilities), for inputs already normalised (`[B][SIDE*SIDE]`).
    pub fn probabilities_of(&mut self, inputs: &[f32], charset: Charset) -> Vec<[f32; N_CLASSES]> {
        let side = prep::SIDE * prep::SIDE;
        self.input.clear();
        self.input.extend_from_slice(inputs);
        self.probabilities_of_inputs(inputs.len() / side, charset)
    }

    /// The general model's answer; for the cells it is unsure of, the average over second looks, and in a digit
    /// field the digits model's looks as well.
    fn probabilities_of_inputs(&mut self, b: usize, charset: Charset) -> Vec<[f32; N_CLASSES]> {
        if b == 0 {
            return Vec::new();
        }
        let side = prep::SIDE * prep::SIDE;
        let model = self.model;
        let input = std::mem::take(&mut self.input);
        let mut probs = self.forward(model, &input, b);
        let policy = self.looks;
        let digits_model = self.digits.filter(|_| charset == Charset::Digits);
        let digit_opinions = match digits_model {
            Some(_) => usize::from(policy.digits_first) + policy.digits,
            None => 0,
        };
        if policy.general + digit_opinions == 0 {
            self.input = input;
            return probs;
        }
        let unsure: Vec<usize> = (0..b)
            .filter(|&i| probs[i].iter().copied().fold(0.0, f32::max) < policy.below)
            .collect();
        if unsure.is_empty() {
            self.input = input;
            return probs;
        }
        // Each unsure cell's looks, one cell after the other: the general model's first look is `probs` already.
        let most = policy.general.max(if digits_model.is_some() {
            policy.digits
        } else {
            0
        });
        let mut second = std::mem::take(&mut self.second);
        second.clear();
        for &i in &unsure {
            let x = &input[i * side..(i + 1) * side];
            for &look in &LOOKS[..most] {
                second.extend_from_slice(&prep::transformed(x, look));
            }
        }
        // The looks of the first `take` of each cell's `most` inputs.
        let looks_of = |reader: &mut Self, model: &Model, take: usize| -> Vec<[f32; N_CLASSES]> {
            if take == 0 {
                return Vec::new();
            }
            if take == most {
                return reader.forward(model, &second, unsure.len() * take);
            }
            let mut chosen = Vec::with_capacity(unsure.len() * take * side);
            for n in 0..unsure.len() {
                chosen.extend_from_slice(&second[n * most * side..][..take * side]);
            }
            reader.forward(model, &chosen, unsure.len() * take)
        };
        let general = looks_of(self, model, policy.general);
        // In a digit field the digits model looks too.
        let (digits_first, digits_looks) = match digits_model {
            Some(digits) => {
                let first = if policy.digits_first {
                    let firsts: Vec<f32> = unsure
                        .iter()
                        .flat_map(|&i| &input[i * side..(i + 1) * side])
                        .copied()
                        .collect();
                    self.forward(digits, &firsts, unsure.len())
                } else {
                    Vec::new()
                };
                (first, looks_of(self, digits, policy.digits))
            }
            None => (Vec::new(), Vec::new()),
        };
        let k = 1.0 / (1 + policy.general + digit_opinions) as f32;
        for (n, &i) in unsure.iter().enumerate() {
            let mut sum = probs[i];
            let mut add = |p: &[f32; N_CLASSES]| {
                for (s, v) in sum.iter_mut().zip(p) {
                    *s += v;
                }
            };
            general
                .iter()
                .skip(n * policy.general)
                .take(policy.general)
                .for_each(&mut add);
            if let Some(p) = digits_first.get(n) {
                add(p);
            }
            if digits_model.is_some() {
                digits_looks
                    .iter()
                    .skip(n * policy.digits)
                    .take(policy.digits)
                    .for_each(&mut add);
            }
            for (out, s) in probs[i].iter_mut().zip(sum) {
                *out = s * k;
            }
        }
        self.input = input;
        self.second = second;
        probs
    }

    /// Calibrated probabilities of the first `b` inputs of `input` (`[B][SIDE*SIDE]`), by `model`: in bytes
    /// where the model's widths allow.
    fn forward(&mut self, model: &Model, input: &[f32], b: usize) -> Vec<[f32; N_CLASSES]> {
        let logits = match model.int8() {
            Some(net) => {
                net.forward(input, b, &mut self.ws8);
                &mut self.ws8.logits[..b * N_CLASSES]
            }
            None => {
                let arch = model.header.arch;
                net::forward(&arch, &model.params, input, b, &mut self.ws, None);
                &mut self.ws.logits[..b * N_CLASSES]
            }
        };
        net::softmax(logits, N_CLASSES, model.header.temperature);
        logits
            .chunks_exact(N_CLASSES)
            .map(|row| {
                let mut p = [0f32; N_CLASSES];
                p.copy_from_slice(row);
                p
            })
            .collect()
    }
}

impl CharReader for HandReader<'_> {
    /// One guess per cell: every character the charset admits, most likely first, with its probability given
    /// that the cell holds one of them or nothing (so the candidates sum to 1 minus the chance that the cell
    /// holds no character).
    fn read(&mut self, cells: &[GrayImage], charset: Charset, paper: u8) -> Option<Vec<CellGuess>> {
        let probs = self.probabilities(cells, paper, charset);
        Some(probs.iter().map(|p| field::guess(p, charset)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_looks_parse_as_written_and_refuse_what_is_not() {
        assert_eq!(SecondLooks::parse("0.98:6:1:6"), Ok(SecondLooks::DEFAULT));
        let cheap = SecondLooks::parse("0.9:0:0:2").unwrap();
        assert_eq!(
            (cheap.general, cheap.digits_first, cheap.digits),
            (0, false, 2)
        );
        for bad in ["", "0.98:6:1", "x:6:1:6", "0.98:7:1:6", "0.98:6:yes:6"] {
            assert!(SecondLooks::parse(bad).is_err(), "{bad}");
        }
    }
}
