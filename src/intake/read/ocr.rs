//! Tesseract for printed and typed comb fields. The written cells are cleaned of box lines (only their interior
//! is used), cropped to the ink, scaled to one height and joined into one line, which Tesseract reads in
//! single-line mode with the field's charset as whitelist: much better than one cell at a time (TECH-NOTES).
//!
//! Debian's libtesseract uses OpenMP; `OMP_THREAD_LIMIT=1` must be in the environment before the process starts
//! (the scripts and the CLI's re-exec see to it). One engine per worker thread.

use super::cells::ink_bounds;
use super::chars::{CellGuess, CharReader, alphabet};
use crate::forms::definition::Charset;
use image::{GrayImage, Luma};
use std::ffi::CString;
use tesseract::plumbing::TessBaseApi;
use tesseract::plumbing::tesseract_sys::{
    TessPageSegMode, TessPageSegMode_PSM_SINGLE_CHAR, TessPageSegMode_PSM_SINGLE_LINE,
};

const LINE_HEIGHT: u32 = 64;
const GAP: u32 = 10;
const PAD: u32 = 12;

pub struct Tesseract {
    digits: TessBaseApi,
    text: TessBaseApi,
}

fn engine(language: &str) -> Option<TessBaseApi> {
    let mut api = TessBaseApi::create();
    let lang = CString::new(language).ok()?;
    api.init_2(None, Some(&lang)).ok()?;
    api.set_page_seg_mode(TessPageSegMode_PSM_SINGLE_LINE);
    // No dictionary: a comb holds identifiers and names, not words.
    for (k, v) in [("load_system_dawg", "0"), ("load_freq_dawg", "0")] {
        let (k, v) = (CString::new(k).ok()?, CString::new(v).ok()?);
        let _ = api.set_variable(&k, &v);
    }
    Some(api)
}

impl Tesseract {
    /// Starts the engines; None when Tesseract or its language data is missing (intake then leaves characters to
    /// the other readers and to people).
    pub fn new() -> Option<Tesseract> {
        Some(Tesseract {
            digits: engine("eng")?,
            text: engine("swe").or_else(|| engine("eng"))?,
        })
    }

    /// One line image of the cells, all scaled by the same factor (the cell interior's height to
    /// `LINE_HEIGHT`), so that a hyphen stays a short dash and a typed font keeps its proportions; each cell is
    /// trimmed to its ink left and right.
    fn line(cells: &[GrayImage], paper: u8) -> GrayImage {
        let mut glyphs = Vec::with_capacity(cells.len());
        for cell in cells {
            let scale = LINE_HEIGHT as f32 / cell.height().max(1) as f32;
            let glyph = match ink_bounds(cell, paper) {
                Some((x, _, w, _)) => {
                    let mut ink =
                        image::imageops::crop_imm(cell, x, 0, w, cell.height()).to_image();
                    // A 1-bit page (a fax) shows every glyph as a staircase, worst at 98 lines per inch where
                    // each line is doubled: softened across lines, 0 keeps its round ends and stops reading as
                    // 6 or 9 (measured with `cargo bench --bench intake`, BENCH_QUALITIES=fax_normal).
                    if ink.as_raw().iter().all(|&p| p == 0 || p == 255) {
                        ink = soften_rows(&ink);
                    }
                    let nw = ((w as f32 * scale).round() as u32).max(2);
                    image::imageops::resize(
                        &ink,
                        nw,
                        LINE_HEIGHT,
                        image::imageops::FilterType::Triangle,
                    )
                }
                None => GrayImage::from_pixel(LINE_HEIGHT / 2, LINE_HEIGHT, Luma([255])),
            };
            glyphs.push(glyph);
        }
        let width = PAD * 2 + glyphs.iter().map(|g| g.width() + GAP).sum::<u32>();
        let mut line = GrayImage::from_pixel(width, LINE_HEIGHT + 2 * PAD, Luma([255]));
        let mut x = PAD;
        for g in &glyphs {
            image::imageops::overlay(&mut line, g, i64::from(x), i64::from(PAD));
            x += g.width() + GAP;
        }
        line
    }
}

impl Tesseract {
    /// Reads one line of printed text (a clear-text form ID, a footer) with the given whitelist.
    pub fn read_line(&mut self, line: &GrayImage, whitelist: &str) -> Option<(String, f32)> {
        let api = &mut self.text;
        api.set_page_seg_mode(TessPageSegMode_PSM_SINGLE_LINE);
        let key = CString::new("tessedit_char_whitelist").ok()?;
        let value = CString::new(whitelist).ok()?;
        api.set_variable(&key, &value).ok()?;
        let (w, h) = line.dimensions();
        api.set_image(line.as_raw(), w as i32, h as i32, 1, w as i32)
            .ok()?;
        api.set_source_resolution(300);
        api.recognize().ok()?;
        let text = api
            .get_utf8_text()
            .ok()?
            .as_ref()
            .to_string_lossy()
            .trim()
            .to_string();
        Some((text, (api.mean_text_conf().clamp(0, 100) as f32) / 100.0))
    }
}

impl CharReader for Tesseract {
    fn read(&mut self, cells: &[GrayImage], charset: Charset, paper: u8) -> Option<Vec<CellGuess>> {
        if cells.is_empty() {
            return Some(Vec::new());
        }
        let line = Tesseract::line(cells, paper);
        let api = if charset == Charset::Digits {
            &mut self.digits
        } else {
            &mut self.text
        };
        let (text, confidence) = recognise(
            api,
            &line,
            alphabet(charset),
            TessPageSegMode_PSM_SINGLE_LINE,
        )?;
        let chars: Vec<char> = text
            .chars()
            .filter(|c| alphabet(charset).contains(*c))
            .collect();
        if chars.len() == cells.len() {
            return Some(
                chars
                    .into_iter()
                    .map(|c| CellGuess {
                        candidates: vec![(c, confidence)],
                    })
                    .collect(),
            );
        }
        // The line did not split into one character per cell (touching glyphs, a stray mark): read each cell
        // alone, which is less sure, and say so in the confidence.
        let mut guesses = Vec::with_capacity(cells.len());
        for cell in cells {
            let one = Tesseract::line(std::slice::from_ref(cell), paper);
            let (text, c) = recognise(
                api,
                &one,
                alphabet(charset),
                TessPageSegMode_PSM_SINGLE_CHAR,
            )?;
            let ch = text.chars().find(|c| alphabet(charset).contains(*c))?;
            guesses.push(CellGuess {
                candidates: vec![(ch, c * 0.8)],
            });
        }
        Some(guesses)
    }
}

fn recognise(
    api: &mut TessBaseApi,
    img: &GrayImage,
    whitelist: &str,
    mode: TessPageSegMode,
) -> Option<(String, f32)> {
    let key = CString::new("tessedit_char_whitelist").ok()?;
    let value = CString::new(whitelist).ok()?;
    api.set_variable(&key, &value).ok()?;
    api.set_page_seg_mode(mode);
    let (w, h) = img.dimensions();
    api.set_image(img.as_raw(), w as i32, h as i32, 1, w as i32)
        .ok()?;
    api.set_source_resolution(300);
    api.recognize().ok()?;
    let text = api.get_utf8_text().ok()?;
    let text: String = text
        .as_ref()
        .to_string_lossy()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some((text, (api.mean_text_conf().clamp(0, 100) as f32) / 100.0))
}

/// Each pixel as 1:2:1 of itself and its neighbours above and below.
fn soften_rows(img: &GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let at = |y: u32| u32::from(img.get_pixel(x, y)[0]);
        let v = at(y.saturating_sub(1)) + 2 * at(y) + at((y + 1).min(h - 1));
        Luma([(v / 4) as u8])
    })
}
