//! Stage 4: the values on an aligned page. Tick boxes by ink, comb cells as written or empty and their
//! characters by a [`chars::CharReader`], text boxes kept as image crops for a person, and the data QR code of
//! a form filled in on screen read exactly.

pub mod cells;
pub mod chars;
pub mod features;
pub mod hand;
pub mod ocr;
pub mod ticks;

use super::align::{Alignment, refit};
use super::decode::ScanPage;
use crate::dataqr::{self, PageData};
use crate::forms::Registry;
use crate::forms::layout::{FieldLayout, Geometry, PageLayout};
use crate::forms::page::{self, Rect};
use crate::raster::halve;
use crate::store::documents::{PageFeatures, PixelBox, Source, Suggestion};
use crate::validation::FieldValue;
use chars::{CellGuess, CharReader};
use ticks::TickState;

#[derive(Debug, Clone)]
pub struct FieldReading {
    pub name: String,
    pub value: FieldValue,
    pub confidence: f32,
    pub source: Source,
    /// The part of the page image the field came from, for the verification screen.
    pub crop: PixelBox,
    /// Why the confidence is what it is, in Swedish, for the person who verifies.
    pub notes: Vec<String>,
    /// What a rule suggests instead of the value as written (never the value itself).
    pub suggestion: Option<Suggestion>,
}

pub struct PageReading {
    pub fields: Vec<FieldReading>,
    pub data: Option<PageData>,
    /// Ink in every comb cell and tick box, in layout order: the sheet's fingerprint.
    pub ink: Vec<f32>,
    /// The writer's strokes and the scan (None for a page read from its data QR code: there is no pen).
    pub features: Option<PageFeatures>,
}

/// What reading a page gathers besides the values: the ink of every box, and the writing's strokes.
#[derive(Default)]
struct PageInk {
    boxes: Vec<f32>,
    strokes: features::Strokes,
}

/// The readers of one worker: made once and used for page after page (a Tesseract engine costs about 120 ms
/// of CPU to start, more than reading a page of ticks), never by two threads at once.
pub struct Readers {
    printed: Printed,
    pub handwriting: Option<Box<dyn CharReader + Send>>,
}

/// Tesseract, started the first time a page needs it: a page of ticks, or one read from its data QR code,
/// never does.
enum Printed {
    NotYet,
    Started(ocr::Tesseract),
    /// Tesseract or its language data is missing: characters are left to the other readers and to people.
    Missing,
}

impl Default for Readers {
    /// No readers at all: comb characters are left to people.
    fn default() -> Readers {
        Readers {
            printed: Printed::Missing,
            handwriting: None,
        }
    }
}

impl Readers {
    /// The handwriting classifier, and Tesseract when first needed.
    pub fn new() -> Readers {
        Readers {
            printed: Printed::NotYet,
            handwriting: Some(Box::new(hand::HandReader::new())),
        }
    }

    /// Tesseract, started now if this is the first page that needs it; None when it is not installed.
    pub fn printed(&mut self) -> Option<&mut ocr::Tesseract> {
        if matches!(self.printed, Printed::NotYet) {
            self.printed = ocr::Tesseract::new().map_or(Printed::Missing, Printed::Started);
        }
        match &mut self.printed {
            Printed::Started(t) => Some(t),
            _ => None,
        }
    }

    /// Whether Tesseract has been started (for tests and benchmarks of the lazy start).
    pub fn printed_started(&self) -> bool {
        matches!(self.printed, Printed::Started(_))
    }
}

/// Empty versus written comb cell, by the share of ink in its interior.
const WRITTEN_FROM: f32 = 0.004;
/// The shortest stroke that counts as writing: a typed hyphen is about 1.2 mm long, specks are well under 0.5 mm.
const MIN_STROKE_MM: f32 = 0.8;
/// Whether a comb cell's interior holds writing, how sure that is, and its share of ink. `scale` is pixels a
/// millimetre.
fn cell_state(interior: &image::GrayImage, paper: u8, scale: f64) -> (bool, f32, f32) {
    let ink = cells::ink(interior, paper);
    let stroke_mm = cells::longest_stroke(interior, paper) as f32 / scale as f32;
    let (is_written, mut c) = written(ink, stroke_mm);
    // Light strokes that do not reach the ink level (a grey pen in a dim phone photo) make "empty" a guess: a
    // person looks. Measured with BENCH_QUALITIES=photo: combs read empty at confidence 1.0 held writing.
    let faint = cells::ink_below(interior, faint_level(paper));
    if !is_written && faint >= WRITTEN_FROM {
        c = c.min(0.5);
        // Enough of it, in a stroke twice the shortest, is writing: the classifier normalises the ink's
        // darkness, so it reads a grey pen (BENCH_QUALITIES=photo: hand digit fields 72.7 % -> 93.9 %; the
        // other devices unchanged).
        let faint_stroke_mm =
            cells::longest_stroke_below(interior, faint_level(paper)) as f32 / scale as f32;
        if faint >= 3.0 * WRITTEN_FROM && faint_stroke_mm >= 2.0 * MIN_STROKE_MM {
            return (true, c, ink);
        }
    }
    (is_written, c, ink)
}

/// Grey that is not ink but may be a light stroke: four fifths of the paper level.
fn faint_level(paper: u8) -> u8 {
    (f32::from(paper.max(96)) * 0.8) as u8
}

/// Interiors: away from the printed outline, which the re-fit puts within a few tenths of a millimetre.
const CELL_INSET_MM: f32 = 0.7;

fn crop_box(page: &ScanPage, al: &Alignment, rects: &[Rect]) -> PixelBox {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for r in rects {
        let r = r.grow(2.0);
        for (x, y) in [
            (r.x, r.y),
            (r.right(), r.y),
            (r.x, r.bottom()),
            (r.right(), r.bottom()),
        ] {
            let (px, py) = al.transform.apply(f64::from(x), f64::from(y));
            x0 = x0.min(px);
            y0 = y0.min(py);
            x1 = x1.max(px);
            y1 = y1.max(py);
        }
    }
    let (w, h) = (
        f64::from(page.image.width()),
        f64::from(page.image.height()),
    );
    let (x0, y0) = (x0.clamp(0.0, w), y0.clamp(0.0, h));
    let (x1, y1) = (x1.clamp(0.0, w), y1.clamp(0.0, h));
    PixelBox {
        x: x0 as u32,
        y: y0 as u32,
        w: (x1 - x0) as u32,
        h: (y1 - y0) as u32,
    }
}

/// Written or empty, with a confidence: a cell holds writing when it has a stroke of at least
/// [`MIN_STROKE_MM`] and some ink; the confidence grows with the distance from both thresholds.
fn written(ink: f32, stroke_mm: f32) -> (bool, f32) {
    let squash = |m: f32| (0.5 + 0.5 * m.clamp(0.0, 1.0)).min(0.999);
    let is_written = ink >= WRITTEN_FROM && stroke_mm >= MIN_STROKE_MM;
    let margin = if is_written {
        ((ink - WRITTEN_FROM) / WRITTEN_FROM).min((stroke_mm - MIN_STROKE_MM) / 0.5)
    } else if ink < WRITTEN_FROM {
        (WRITTEN_FROM - ink) / (WRITTEN_FROM * 0.6)
    } else {
        (MIN_STROKE_MM - stroke_mm) / 0.5
    };
    (is_written, squash(margin))
}

/// Reads every field of one page, aligned by `al`; `data` is the page's data QR code when it has one (then
/// every value comes from it).
pub fn read_page(
    page: &ScanPage,
    layout: &PageLayout,
    al: &Alignment,
    data: Option<PageData>,
    readers: &mut Readers,
) -> PageReading {
    let identity_types = identity_types(page, al, layout);
    let mut ink = PageInk::default();
    let fields = layout
        .fields
        .iter()
        .map(|field| {
            let crop = crop_box(page, al, &field.boxes());
            if let Some(d) = &data {
                let value = d
                    .values
                    .get(&field.name)
                    .cloned()
                    .unwrap_or_else(|| empty_value(field));
                return FieldReading {
                    name: field.name.clone(),
                    value,
                    confidence: 1.0,
                    source: Source::DataQr,
                    crop,
                    notes: vec![],
                    suggestion: None,
                };
            }
            match &field.geometry {
                Geometry::Choice { multiple, options } => {
                    read_choice(page, al, field, *multiple, options, crop, &mut ink)
                }
                Geometry::Comb { charset, cells } => {
                    let check = rule_for(field, &identity_types);
                    let charset = charset_for(field, *charset, check);
                    read_comb(
                        page, al, field, charset, check, cells, crop, readers, &mut ink,
                    )
                }
                Geometry::Text { rect } => read_text_box(page, al, field, rect, crop),
            }
        })
        .collect();
    let features = data.is_none().then(|| ink.strokes.features(page, al));
    PageReading {
        fields,
        data,
        ink: ink.boxes,
        features,
    }
}

/// How far inside a free-text box's printed outline ink counts as writing.
const TEXT_BOX_INSET_MM: f32 = 1.0;
/// An empty free-text box is read as empty this surely: a person need not look at it (issue 13: ten empty boxes
/// "to look at" hid the one field that mattered).
const EMPTY_TEXT_BOX_CONFIDENCE: f32 = 0.95;

/// Free text is not read by machine: a person reads the crop. But a box without a single stroke (not even a
/// faint one) is empty on paper, and says so with a confidence that keeps it out of the fields to look at. Any
/// stroke of writing length, dark or faint, leaves it to a person.
fn read_text_box(
    page: &ScanPage,
    al: &Alignment,
    field: &FieldLayout,
    rect: &Rect,
    crop: PixelBox,
) -> FieldReading {
    let scale = al.transform.scale();
    let shift = refit(&page.image, &al.transform, std::slice::from_ref(rect), 1.2);
    let interior = cells::crop(
        &page.image,
        &al.transform,
        &cells::inset(rect, TEXT_BOX_INSET_MM),
        shift,
        scale,
    );
    let stroke_mm =
        |threshold: u8| cells::longest_stroke_below(&interior, threshold) as f32 / scale as f32;
    let dark = (f32::from(al.paper.max(96)) * 0.55) as u8;
    let empty = stroke_mm(dark) < MIN_STROKE_MM && stroke_mm(faint_level(al.paper)) < MIN_STROKE_MM;
    let (confidence, notes) = if empty {
        (EMPTY_TEXT_BOX_CONFIDENCE, Vec::new())
    } else {
        (0.0, vec!["fritext läses av en person".into()])
    };
    FieldReading {
        name: field.name.clone(),
        value: FieldValue::Text(String::new()),
        confidence,
        source: Source::Person,
        crop,
        notes,
        suggestion: None,
    }
}

/// The ticked identity type of each group on the page (`patient.identitetstyp` -> `patient`: "reservnummer"), read
/// before the numbers: a reservnummer has no check digit, and the personnummer rule would "correct" it into a
/// number that was never written.
fn identity_types(page: &ScanPage, al: &Alignment, layout: &PageLayout) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in &layout.fields {
        let Some((group, name)) = field.name.rsplit_once('.') else {
            continue;
        };
        if !matches!(name, "identitetstyp" | "kodtyp") {
            continue;
        }
        if let Geometry::Choice { multiple, options } = &field.geometry {
            let crop = crop_box(page, al, &field.boxes());
            let read = read_choice(
                page,
                al,
                field,
                *multiple,
                options,
                crop,
                &mut PageInk::default(),
            );
            if let FieldValue::Ticked(t) = read.value
                && let [one] = t.as_slice()
            {
                out.push((group.to_string(), one.clone()));
            }
        }
    }
    out
}

/// The rule a comb is read by: its `check`, except an identity whose ticked type has no check digit.
fn rule_for(
    field: &FieldLayout,
    identity_types: &[(String, String)],
) -> Option<crate::forms::definition::Check> {
    use crate::forms::definition::Check;
    if field.check == Some(Check::Identitet)
        && let Some((group, _)) = field.name.rsplit_once('.')
        && identity_types
            .iter()
            .any(|(g, t)| g == group && (t == "reservnummer" || t.starts_with("annat")))
    {
        return None;
    }
    field.check
}

/// The characters a comb is read with. An identity number in text cells (version 2) holds a reservnummer's
/// letters only when that type is ticked: a personnummer or samordningsnummer there is read as digits, with the
/// digits model and the check digit, as on digit cells.
fn charset_for(
    field: &FieldLayout,
    charset: crate::forms::definition::Charset,
    rule: Option<crate::forms::definition::Check>,
) -> crate::forms::definition::Charset {
    use crate::forms::definition::{Charset, Check};
    if field.check == Some(Check::Identitet) && charset == Charset::Text && rule.is_some() {
        Charset::Digits
    } else {
        charset
    }
}

fn empty_value(field: &FieldLayout) -> FieldValue {
    match field.geometry {
        Geometry::Choice { .. } => FieldValue::Ticked(Vec::new()),
        _ => FieldValue::Text(String::new()),
    }
}

fn read_choice(
    page: &ScanPage,
    al: &Alignment,
    field: &FieldLayout,
    multiple: bool,
    options: &[crate::forms::layout::OptionBox],
    crop: PixelBox,
    ink_out: &mut PageInk,
) -> FieldReading {
    let scale = al.transform.scale();
    let mut ticked = Vec::new();
    let mut confidence: f32 = 1.0;
    let mut notes = Vec::new();
    for option in options {
        let shift = refit(
            &page.image,
            &al.transform,
            std::slice::from_ref(&option.rect),
            1.0,
        );
        let interior = cells::crop(
            &page.image,
            &al.transform,
            &cells::inset(&option.rect, ticks::INSET_MM),
            shift,
            scale,
        );
        let (state, c, ink) = ticks::read_box(&interior, al.paper);
        ink_out.boxes.push(ink);
        if state == TickState::Ticked {
            ink_out.strokes.add_tick(&interior, al.paper, scale);
        }
        confidence = confidence.min(c);
        match state {
            TickState::Ticked => ticked.push(option.value.clone()),
            TickState::Cancelled => notes.push(format!(
                "rutan ”{}” är ifylld helt: läst som ångrad",
                option.label
            )),
            TickState::Empty => {}
        }
    }
    if !multiple && ticked.len() > 1 {
        notes.push("flera kryss där bara ett ska väljas".into());
        confidence = confidence.min(0.3);
    }
    FieldReading {
        name: field.name.clone(),
        value: FieldValue::Ticked(ticked),
        confidence,
        source: Source::Marks,
        crop,
        notes,
        suggestion: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn read_comb(
    page: &ScanPage,
    al: &Alignment,
    field: &FieldLayout,
    charset: crate::forms::definition::Charset,
    check: Option<crate::forms::definition::Check>,
    rects: &[Rect],
    crop: PixelBox,
    readers: &mut Readers,
    ink_out: &mut PageInk,
) -> FieldReading {
    let scale = al.transform.scale();
    let shift = refit(&page.image, &al.transform, rects, 1.2);
    let mut written_cells = Vec::new();
    // Where each written cell sits in the comb: an empty cell between written ones is a space.
    let mut positions = Vec::new();
    let mut confidence: f32 = 1.0;
    for (i, rect) in rects.iter().enumerate() {
        let interior = cells::crop(
            &page.image,
            &al.transform,
            &cells::inset(rect, CELL_INSET_MM),
            shift,
            scale,
        );
        let (is_written, c, ink) = cell_state(&interior, al.paper, scale);
        ink_out.boxes.push(ink);
        confidence = confidence.min(c);
        if is_written {
            ink_out.strokes.add_cell(&interior, al.paper, scale);
            written_cells.push(interior);
            positions.push(i);
        }
    }
    let mut notes = Vec::new();
    if written_cells.is_empty() {
        return FieldReading {
            name: field.name.clone(),
            value: FieldValue::Text(String::new()),
            confidence,
            source: Source::Ocr,
            crop,
            notes,
            suggestion: None,
        };
    }
    let (source, guesses) = choose_reading(
        readers,
        &written_cells,
        charset,
        al.paper,
        check,
        rects.len(),
        &positions,
    );
    let mut suggestion = None;
    let value = match guesses {
        Some(Reading::Checked(checked)) => {
            confidence = confidence.min(checked.confidence);
            notes.extend(checked.notes);
            suggestion = checked.suggestion;
            checked.text
        }
        Some(Reading::Cells(g)) => {
            let mut text = String::new();
            for cell in &g {
                if let Some((c, p)) = cell.best() {
                    text.push(c);
                    confidence = confidence.min(p);
                }
            }
            text
        }
        None => {
            notes.push(format!(
                "{} ifyllda rutor kunde inte läsas",
                written_cells.len()
            ));
            confidence = 0.0;
            String::new()
        }
    };
    // Tesseract's line confidence does not tell a misread letter in a name from a right one (measured with
    // `cargo bench --bench intake`, BENCH_VERBOSE=1): a name it reads is always left for a person to glance at.
    // Digits are different: their fields carry check digits and dates that the check stage verifies.
    // Names and places have no check digit: a misread letter (O for 0, a letter outside the classes) is as likely
    // as a right one at any reader confidence (measured with `cargo bench --bench intake`, BENCH_VERBOSE=1).
    // Such a field is left for a person to glance at, unless a reference list (country, disease, county)
    // confirms it in the check stage.
    use crate::forms::definition::Check;
    let confirmed_by_list = matches!(
        field.check,
        Some(Check::Country | Check::Disease | Check::Lan)
    );
    if charset != crate::forms::definition::Charset::Digits && !confirmed_by_list {
        confidence = confidence.min(OCR_TEXT_CEILING);
    }
    // An identifier is taken as its cells read: a reservnummer mixes letters and digits on purpose.
    let value = if charset == crate::forms::definition::Charset::Digits
        || field.check == Some(Check::Identitet)
    {
        value
    } else if field.check == Some(Check::HsaId) {
        let shaped = hand::field::hsa_id_shape(&value);
        if shaped != value {
            notes.push(format!("läst i HSA-id:ts form ({value})"));
        }
        shaped
    } else {
        let value = letters_for_lookalikes(&value, &positions);
        match field
            .check
            .and_then(|check| hand::field::list_spelling(&value, check))
        {
            Some(listed) if listed != value => {
                notes.push(format!("läst med listans stavning ({value})"));
                listed
            }
            _ => value,
        }
    };
    if let Some(s) = suggestion.as_mut() {
        s.value = with_spaces(&s.value, &positions);
    }
    FieldReading {
        name: field.name.clone(),
        value: FieldValue::Text(with_spaces(&value, &positions)),
        confidence,
        source,
        crop,
        notes,
        suggestion,
    }
}

/// A comb's text with one space wherever written cells are apart (empty cells between them); `positions` are
/// the written cells' places in the comb. Text that does not hold one character per written cell (a reader
/// that joined or split characters) is left as it is.
fn with_spaces(text: &str, positions: &[usize]) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() != positions.len() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 4);
    for (k, c) in chars.into_iter().enumerate() {
        if k > 0 && positions[k] > positions[k - 1] + 1 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A whole value a reader settled on: what was written as read, how sure, why, and what a rule suggests.
struct Checked {
    text: String,
    confidence: f32,
    notes: Vec<String>,
    suggestion: Option<Suggestion>,
}

impl From<hand::field::Reading> for Checked {
    fn from(r: hand::field::Reading) -> Checked {
        Checked {
            text: r.text,
            confidence: r.confidence,
            notes: r.notes,
            suggestion: r.suggestion,
        }
    }
}

/// What a reader made of a comb: per-cell guesses, or a whole value already weighed by the field's rule.
enum Reading {
    Cells(Vec<chars::CellGuess>),
    Checked(Checked),
}

/// Handwriting or print: the classifier reads every written comb and the field's rule weighs its readings
/// (`hand::field::read_field`: what was written, with a suggestion where the rule disagrees, as sure as the rule
/// or, without one, the sharpened product of its cells says). Tesseract reads a comb only where there is no
/// classifier, or where a number's rule (check digit, calendar) changed cells of what the classifier read: it says whether the paper holds
/// the classifier's first choices (a typed number with a wrong check digit stays as written). It used to read
/// every field the classifier was unsure of, as a second reader: on handwriting it
/// sees nothing as often as not, and where it disagreed its reading was wrong more often than right. Measured
/// with `cargo bench --features synth --bench intake`, with it and without it: real held-out digit fields 91.4 %
/// and 91.8 %; the held-out style's digit fields 97.2 % and 97.7 %, its capital letters 93.7 % both; typed digit
/// fields 99.7 % and 99.6 %; no field confident but wrong either way. What it gave was agreement: 4,399 of the
/// half-typed mix's 6,089 fields read at >= 0.9 with it, 3,807 without. What it cost was most of a handwritten
/// page's time: 175 against 652 pages a minute.
fn choose_reading(
    readers: &mut Readers,
    cells: &[image::GrayImage],
    charset: crate::forms::definition::Charset,
    paper: u8,
    check: Option<crate::forms::definition::Check>,
    field_cells: usize,
    positions: &[usize],
) -> (Source, Option<Reading>) {
    use crate::forms::definition::Check;
    if let Some(classifier) = readers.handwriting.as_mut()
        && let Some(mut h) = classifier.read(cells, charset, paper)
    {
        // Names and places are words; an identifier mixes letters and digits on purpose.
        if charset == crate::forms::definition::Charset::Text
            && !matches!(check, Some(Check::Identitet | Check::HsaId))
        {
            letters_in_words(&mut h, positions);
        }
        let ruled = hand::field::read_field(&h, charset, check, field_cells);
        let numbered = matches!(
            check,
            Some(Check::Identitet | Check::Personnummer | Check::Date)
        );
        if ruled.changed.is_empty() || !numbered {
            return (Source::Handwriting, Some(Reading::Checked(ruled.into())));
        }
        // The rule changed cells the classifier was unsure of (a typed 0 read at 0.9 beside a 9 that makes the
        // check digit right). A reader of print is asked what the paper says: when it reads the cells' first
        // choices exactly, that is what was written, kept with the rule's reading as a suggestion.
        let first = hand::field::first_reading(&h);
        let printed = readers
            .printed()
            .and_then(|t| t.read(cells, charset, paper))
            .map(|p| hand::field::first_reading(&p));
        let reading = if printed.as_deref() == Some(first.as_str()) {
            hand::field::as_written(&h, check)
        } else {
            ruled
        };
        return (Source::Handwriting, Some(Reading::Checked(reading.into())));
    }
    let printed = readers
        .printed()
        .and_then(|t| t.read(cells, charset, paper));
    (Source::Ocr, printed.map(Reading::Cells))
}

/// How much less likely than the digit a cell's best letter may be and still be taken in a word of letters. Chosen
/// on the intake benchmark's held-out style, seed 7 (text combs 65.2 % -> 72.8 %; 0.1: 71.6 %, 0.01: 72.8 %),
/// and seen to hold on seed 8, which was not used to choose it (68.2 % -> 74.8 %); no field kind got worse.
const LETTER_RATIO: f32 = 0.03;

/// In a word of at least as many letters as digits (NILSSON read NIL55ON), a digit whose cell's best letter is not
/// far less likely than the digit ([`LETTER_RATIO`]) is that letter: the classifier's own second choice, word by
/// word, where the lookalike rule below knows only the word's counts. Moves the letter first in the cell's
/// candidates (the field's confidence follows its lower probability). Words are runs of adjacent written cells,
/// split at hyphens.
fn letters_in_words(cells: &mut [CellGuess], positions: &[usize]) {
    let best = |g: &CellGuess| g.best().map_or(' ', |b| b.0);
    let mut start = 0;
    while start < cells.len() {
        let mut end = start + 1;
        while end < cells.len()
            && !(positions.len() == cells.len() && positions[end] > positions[end - 1] + 1)
            && best(&cells[end]) != '-'
            && best(&cells[end - 1]) != '-'
        {
            end += 1;
        }
        let word = &mut cells[start..end];
        let letters = word.iter().filter(|g| best(g).is_alphabetic()).count();
        let digits = word.iter().filter(|g| best(g).is_ascii_digit()).count();
        if digits > 0 && letters >= digits {
            for g in word.iter_mut() {
                let Some((c, p)) = g.best() else { continue };
                if !c.is_ascii_digit() {
                    continue;
                }
                if let Some(k) = g.candidates.iter().position(|(l, _)| l.is_alphabetic())
                    && g.candidates[k].1 >= LETTER_RATIO * p
                {
                    let letter = g.candidates.remove(k);
                    g.candidates.insert(0, letter);
                }
            }
        }
        start = end;
    }
}

/// In a name or place, a digit between letters is the letter it looks like (KOTTEN, not K0TTEN), and so is every
/// 0, 1, 5 or 8 of a word of at least twice as many letters as digits (MIKROB10LOGEN, 50DERBERG, UNILA85): the
/// classifier reads a written O, I, S or B as the digit often enough that such a word is far likelier a
/// misreading than a name with digits in it. Words are the runs of adjacent written cells (`positions`),
/// split at hyphens; a lab number such as LAB25 (3 letters, 2 digits) stays.
fn letters_for_lookalikes(text: &str, positions: &[usize]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let letter = |i: Option<&char>| i.is_some_and(|c| c.is_alphabetic());
    let lookalike = |c: char| match c {
        '0' => Some('O'),
        '1' => Some('I'),
        '5' => Some('S'),
        '8' => Some('B'),
        _ => None,
    };
    // The word of each character: a new word after an empty cell or a hyphen.
    let mut word = Vec::with_capacity(chars.len());
    let mut w = 0;
    for (k, &c) in chars.iter().enumerate() {
        let apart = positions.len() == chars.len() && k > 0 && positions[k] > positions[k - 1] + 1;
        if k > 0 && (apart || chars[k - 1] == '-' || c == '-') {
            w += 1;
        }
        word.push(w);
    }
    let mut letters = vec![0usize; w + 1];
    let mut digits = vec![0usize; w + 1];
    for (k, c) in chars.iter().enumerate() {
        letters[word[k]] += usize::from(c.is_alphabetic());
        digits[word[k]] += usize::from(c.is_ascii_digit());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let Some(l) = lookalike(c) else {
                return c;
            };
            let mostly_letters = letters[word[i]] >= 2 * digits[word[i]];
            let beside_letter =
                letter(i.checked_sub(1).and_then(|j| chars.get(j))) || letter(chars.get(i + 1));
            let digit_beside = i
                .checked_sub(1)
                .and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_ascii_digit())
                || chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
            match c {
                _ if mostly_letters => l,
                '0' | '1' | '5' if beside_letter && !digit_beside => l,
                c => c,
            }
        })
        .collect()
}

/// The most a letter or text comb without a reference list is trusted (see `read_comb`).
const OCR_TEXT_CEILING: f32 = 0.85;

/// The data QR code(s) of a form filled in on screen, in the footer band, read through the page's map.
pub fn read_data_qr(page: &ScanPage, al: &Alignment, registry: &Registry) -> Option<PageData> {
    let zones = page::DATA_QR_ZONES;
    let left = zones.iter().map(|z| z.x).fold(f32::MAX, f32::min) - 4.0;
    let right = zones.iter().map(|z| z.right()).fold(f32::MIN, f32::max) + 4.0;
    let top = zones.iter().map(|z| z.y).fold(f32::MAX, f32::min) - 4.0;
    let bottom = zones.iter().map(|z| z.bottom()).fold(f32::MIN, f32::max) + 4.0;
    let band = crop_box(
        page,
        al,
        &[Rect::new(left, top, right - left, bottom - top)],
    );
    if band.w < 10 || band.h < 10 {
        return None;
    }
    let img = image::imageops::crop_imm(&page.image, band.x, band.y, band.w, band.h).to_image();
    // Cheap test first: a blank band has no ink to speak of, and most pages are handwritten.
    if cells::ink(&halve(&img), al.paper) < 0.05 {
        return None;
    }
    // Each symbol sampled upright through the page's map at a fixed scale: rqrr then meets square modules of
    // known size instead of a skewed, blurred symbol of half-millimetre modules at 200 dpi or fax resolution.
    let mut texts: Vec<String> = Vec::new();
    for zone in &zones {
        let rect = zone.grow(page::DATA_QR_QUIET);
        let mut symbol_texts = crate::intake::qr_grid::read(&page.image, &al.transform, zone);
        if symbol_texts.is_empty() {
            symbol_texts = dataqr::read_symbols(&upright(page, al, &rect, DATA_QR_PX_PER_MM));
        }
        for text in symbol_texts {
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
        let found: Vec<&str> = texts.iter().map(String::as_str).collect();
        if let Ok(data) = dataqr::decode(registry, &found) {
            return Some(data);
        }
    }
    dataqr::read_page(registry, &img).ok()
}

/// Pixels a millimetre of an upright data QR symbol: eight a module of the smallest size.
const DATA_QR_PX_PER_MM: f64 = 16.0;

/// The part `rect` (mm) of the page, sampled upright at `px_per_mm` with bilinear interpolation.
fn upright(page: &ScanPage, al: &Alignment, rect: &Rect, px_per_mm: f64) -> image::GrayImage {
    let (w, h) = (
        (f64::from(rect.w) * px_per_mm).round() as u32,
        (f64::from(rect.h) * px_per_mm).round() as u32,
    );
    let img = &page.image;
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let at = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= iw || y >= ih {
            255.0
        } else {
            f64::from(raw[(y * iw + x) as usize])
        }
    };
    image::GrayImage::from_fn(w, h, |i, j| {
        let (mx, my) = (
            f64::from(rect.x) + (f64::from(i) + 0.5) / px_per_mm,
            f64::from(rect.y) + (f64::from(j) + 0.5) / px_per_mm,
        );
        let (px, py) = al.transform.apply(mx, my);
        let (x0, y0) = (px.floor(), py.floor());
        let (fx, fy) = (px - x0, py - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let v = at(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + at(x0 + 1, y0) * fx * (1.0 - fy)
            + at(x0, y0 + 1) * (1.0 - fx) * fy
            + at(x0 + 1, y0 + 1) * fx * fy;
        image::Luma([v.round().clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_word_of_letters_takes_the_cells_second_choice_and_a_lab_number_keeps_its_digits() {
        let cell = |first: (char, f32), second: (char, f32)| CellGuess {
            candidates: vec![first, second],
        };
        let text = |cells: &[CellGuess]| {
            cells
                .iter()
                .map(|g| g.best().unwrap().0)
                .collect::<String>()
        };
        let mut name: Vec<CellGuess> = "NIL".chars().map(|c| cell((c, 0.9), ('0', 0.01))).collect();
        name.push(cell(('5', 0.7), ('S', 0.2)));
        name.push(cell(('5', 0.8), ('S', 0.1)));
        name.extend("ON".chars().map(|c| cell((c, 0.9), ('0', 0.01))));
        letters_in_words(&mut name, &(0..7).collect::<Vec<_>>());
        assert_eq!(text(&name), "NILSSON");
        // LAB25: the 2 and 5 are sure, their letters far less likely.
        let mut lab: Vec<CellGuess> = "LAB".chars().map(|c| cell((c, 0.9), ('8', 0.01))).collect();
        lab.push(cell(('2', 0.95), ('Z', 0.01)));
        lab.push(cell(('5', 0.95), ('S', 0.02)));
        letters_in_words(&mut lab, &(0..5).collect::<Vec<_>>());
        assert_eq!(text(&lab), "LAB25");
        // A number apart from the word (an empty cell between) is a word of its own.
        let mut street: Vec<CellGuess> = "GATAN"
            .chars()
            .map(|c| cell((c, 0.9), ('0', 0.01)))
            .collect();
        street.push(cell(('5', 0.6), ('S', 0.3)));
        letters_in_words(&mut street, &[0, 1, 2, 3, 4, 6]);
        assert_eq!(text(&street), "GATAN5");
    }

    #[test]
    fn digits_that_look_like_letters_are_letters_in_a_word_of_letters() {
        let at = |n: usize| (0..n).collect::<Vec<usize>>();
        assert_eq!(letters_for_lookalikes("K0TTEN", &at(6)), "KOTTEN");
        assert_eq!(
            letters_for_lookalikes("MIKROB10LOGEN", &at(13)),
            "MIKROBIOLOGEN"
        );
        assert_eq!(letters_for_lookalikes("50DERBERG", &at(9)), "SODERBERG");
        // A lab number keeps its digits, after its hyphen too.
        assert_eq!(letters_for_lookalikes("LAB25-8485", &at(10)), "LAB25-8485");
        // Words are apart where a cell is empty: the house number is its own word.
        let mut street = at(9);
        street.extend([10, 11]);
        assert_eq!(
            letters_for_lookalikes("STORGATAN15", &street),
            "STORGATAN15"
        );
    }

    use super::*;
    use crate::forms::definition::Check;

    #[test]
    fn light_strokes_are_read_as_uncertain_writing() {
        // 6 x 6.6 mm at 8 px/mm, paper 220.
        let (w, h, k) = (48, 53, 8.0);
        let blank = image::GrayImage::from_pixel(w, h, image::Luma([220]));
        let stroke = |level: u8| {
            let mut img = blank.clone();
            for y in 10..45 {
                for x in 22..26 {
                    img.put_pixel(x, y, image::Luma([level]));
                }
            }
            img
        };
        let (written, c, _) = cell_state(&blank, 220, k);
        assert!(!written && c > 0.9, "{c}");
        let (written, c, _) = cell_state(&stroke(40), 220, k);
        assert!(written && c > 0.9, "{c}");
        // Grey 160: under the faint level (176), above the ink level (121): a long stroke is writing, but
        // uncertain; a speck of it is not writing, and the cell is not surely empty either.
        let (written, c, _) = cell_state(&stroke(160), 220, k);
        assert!(written && c <= 0.5, "{c}");
        let mut speck = blank.clone();
        for y in 20..24 {
            for x in 20..24 {
                speck.put_pixel(x, y, image::Luma([160]));
            }
        }
        let (written, c, _) = cell_state(&speck, 220, k);
        assert!(!written && c <= 0.5, "{c}");
    }

    #[test]
    fn a_reservnummer_is_read_without_the_personnummer_rule() {
        let form = Registry::embedded().get("klinisk", None).unwrap();
        let field = form.layout.pages[0]
            .fields
            .iter()
            .find(|f| f.name == "patient.personnummer")
            .unwrap();
        assert_eq!(field.check, Some(Check::Identitet));
        let ticked = |t: &str| vec![("patient".to_string(), t.to_string())];
        assert_eq!(rule_for(field, &ticked("reservnummer")), None);
        assert_eq!(
            rule_for(field, &ticked("personnummer")),
            Some(Check::Identitet)
        );
        assert_eq!(
            rule_for(field, &ticked("samordningsnummer")),
            Some(Check::Identitet)
        );
        // Nothing ticked, or another group's type: the rule stands.
        assert_eq!(rule_for(field, &[]), Some(Check::Identitet));
        let other = vec![("kontakt".to_string(), "reservnummer".to_string())];
        assert_eq!(rule_for(field, &other), Some(Check::Identitet));
    }
}
