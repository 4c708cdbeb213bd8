//! A form filled in on screen: the values printed in their boxes, and the page's data QR code (`crate::dataqr`)
//! in the footer band, as many symbols as the footer leaves room for.

use super::draw;
use super::qr;
use crate::dataqr::{self, DataQrError, Symbols};
use crate::fonts::{self, Face, PT_TO_MM};
use crate::formid::FormId;
use crate::forms::Form;
use crate::forms::layout::{Geometry, PageLayout};
use crate::forms::page::{self, Rect};
use crate::forms::values::{FieldValue, FormValues};
use pdf_writer::Content;

/// Comb characters: size in points.
const COMB_PT: f32 = 12.0;
/// Text boxes: the preferred size, and the smallest the text may shrink to before it is too long.
const TEXT_PT: [f32; 2] = [8.5, 7.0];
const TEXT_PAD: f32 = 1.2;
const LINE_FACTOR: f32 = 1.2;
/// Liberation Sans: ascender and descender in em.
const ASCENT: f32 = 0.73;
const DESCENT: f32 = 0.21;

/// Prints `values` into the boxes of `page` and adds the page's data QR code.
pub fn draw_page(
    content: &mut Content,
    id: FormId,
    form: &Form,
    page: &PageLayout,
    values: &FormValues,
) -> Result<(), DataQrError> {
    draw_values(content, page, values);
    let symbols = encode_page(id, form, page, values)?;
    draw_symbols(content, &symbols);
    Ok(())
}

/// Prints the values in the boxes: comb characters centred one per cell, an X in every ticked box, text wrapped
/// inside its box. Values that do not fit are cut (the on-screen form refuses them before this).
pub fn draw_values(content: &mut Content, page: &PageLayout, values: &FormValues) {
    let regular = fonts::metrics(Face::Regular);
    for field in &page.fields {
        let Some(value) = values.get(&field.name) else {
            continue;
        };
        match (&field.geometry, value) {
            (Geometry::Comb { cells, .. }, FieldValue::Text(text)) => {
                let cap = ASCENT * COMB_PT * PT_TO_MM * 0.95;
                for (cell, ch) in cells.iter().zip(text.chars()) {
                    if ch == ' ' {
                        continue;
                    }
                    let s = ch.to_string();
                    let w = regular.width_mm(&s, COMB_PT);
                    let baseline = cell.y + (cell.h + cap) / 2.0;
                    draw::text(
                        content,
                        cell.x + (cell.w - w) / 2.0,
                        baseline,
                        COMB_PT,
                        Face::Regular,
                        0.0,
                        &s,
                    );
                }
            }
            (Geometry::Choice { options, .. }, FieldValue::Ticked(ticked)) => {
                for o in options.iter().filter(|o| ticked.contains(&o.value)) {
                    tick(content, &o.rect);
                }
            }
            (Geometry::Text { rect }, FieldValue::Text(text)) => {
                let (size, lines) = match text_lines(rect, text) {
                    Some(fit) => fit,
                    None => {
                        let size = TEXT_PT[TEXT_PT.len() - 1];
                        let lines = wrap(text, size, rect.w - 2.0 * TEXT_PAD);
                        (
                            size,
                            lines.into_iter().take(max_lines(rect, size)).collect(),
                        )
                    }
                };
                let em = size * PT_TO_MM;
                let mut baseline = rect.y + TEXT_PAD * 0.6 + ASCENT * em;
                for line in lines {
                    draw::text(
                        content,
                        rect.x + TEXT_PAD,
                        baseline,
                        size,
                        Face::Regular,
                        0.0,
                        &line,
                    );
                    baseline += LINE_FACTOR * em;
                }
            }
            _ => {}
        }
    }
}

fn tick(content: &mut Content, r: &Rect) {
    let inset = (r.w * 0.16).max(0.6);
    content.set_stroke_gray(0.0);
    content.set_line_width(0.45 * draw::MM);
    content.move_to(draw::x(r.x + inset), draw::y(r.y + inset));
    content.line_to(draw::x(r.right() - inset), draw::y(r.bottom() - inset));
    content.move_to(draw::x(r.right() - inset), draw::y(r.y + inset));
    content.line_to(draw::x(r.x + inset), draw::y(r.bottom() - inset));
    content.stroke();
}

fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let metrics = fonts::metrics(Face::Regular);
    let mut lines = Vec::new();
    for line in metrics.wrap(text, size, width) {
        // A word longer than the box is cut into pieces that fit.
        if metrics.width_mm(&line, size) <= width {
            lines.push(line);
            continue;
        }
        let mut piece = String::new();
        for c in line.chars() {
            piece.push(c);
            if metrics.width_mm(&piece, size) > width {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        lines.push(piece);
    }
    lines
}

fn max_lines(rect: &Rect, size: f32) -> usize {
    let em = size * PT_TO_MM;
    let first = TEXT_PAD * 0.6 + ASCENT * em;
    let room = rect.h - TEXT_PAD * 0.5 - DESCENT * em - first;
    if room < 0.0 {
        0
    } else {
        1 + (room / (LINE_FACTOR * em)).floor() as usize
    }
}

/// The size and lines `text` is printed with in a text box, or `None` if it does not fit even at the smallest
/// size.
pub fn text_lines(rect: &Rect, text: &str) -> Option<(f32, Vec<String>)> {
    TEXT_PT.iter().find_map(|&size| {
        let lines = wrap(text, size, rect.w - 2.0 * TEXT_PAD);
        (lines.len() <= max_lines(rect, size)).then_some((size, lines))
    })
}

/// About how many characters of ordinary text fit in a text box: for a `maxlength` and for messages.
pub fn text_capacity(rect: &Rect) -> usize {
    let size = TEXT_PT[TEXT_PT.len() - 1];
    let sample = "Patienten har varit i Thailand med familjen, 1–14 maj.";
    let per_char =
        fonts::metrics(Face::Regular).width_mm(sample, size) / sample.chars().count() as f32;
    let per_line = ((rect.w - 2.0 * TEXT_PAD) / per_char).floor() as usize;
    per_line * max_lines(rect, size)
}

fn draw_symbols(content: &mut Content, symbols: &Symbols) {
    for ((text, level), zone) in symbols.iter().zip(page::DATA_QR_ZONES.iter()) {
        // Encoded with the same library and level that decided the symbol fits, so the version (and so the
        // module size) is the one checked.
        if let Some(code) = dataqr::symbol(text, *level) {
            let width = code.width();
            let dark: Vec<bool> = code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            // Light modules a little open against ink spread and dark faxes: an eighth of a module a side, at
            // most 0.07 mm (measured with examples/dataqr_fax at fax normal).
            let spread = (zone.w / width as f32 / 8.0).min(0.07);
            qr::draw_compensated(content, zone, width, &dark, spread);
        }
    }
}

/// The data QR symbols this page of `form` prints: as many as its footer leaves room for.
pub fn encode_page(
    id: FormId,
    form: &Form,
    page: &PageLayout,
    values: &FormValues,
) -> Result<Symbols, DataQrError> {
    dataqr::encode(id, form, page, values, max_symbols(form))
}

/// How many data QR symbols the filled pages of `form` have room for: two where the footer leaves the second
/// zone free (its lines are computed for the widest possible ID and page numbers), else one. The footer of a
/// filled page moves a long title out of the way (`overlay::footer_lines`), so this is two for every form now;
/// pages printed with one symbol still read.
pub fn max_symbols(form: &Form) -> usize {
    let second = page::DATA_QR_ZONES[1].grow(page::DATA_QR_QUIET);
    let clear = super::overlay::footer_lines(form, "WWW-WWWW-WWWW-W", 99, 99, true)
        .iter()
        .all(|(baseline, line)| {
            let left = page::CONTENT_RIGHT
                - fonts::metrics(Face::Regular).width_mm(line, super::overlay::FOOTER_PT);
            second.right() + 1.0 <= left || *baseline < second.y
        });
    if clear { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::Registry;

    #[test]
    fn text_wraps_inside_its_box_or_is_refused() {
        let rect = Rect::new(15.0, 100.0, 180.0, 10.0);
        let (size, lines) = text_lines(&rect, "Kort text").unwrap();
        assert_eq!((size, lines.len()), (TEXT_PT[0], 1));
        let long = "ord ".repeat(80);
        let (_, lines) = text_lines(&rect, &long).unwrap();
        assert!(lines.len() >= 2);
        assert!(text_lines(&rect, &"ord ".repeat(400)).is_none());
        let cap = text_capacity(&rect);
        assert!((200..600).contains(&cap), "{cap}");
    }

    #[test]
    fn data_zones_are_clear_of_the_page_furniture() {
        let id_quiet = page::QR_ZONES[1].grow(page::QR_QUIET);
        for form in Registry::embedded().all() {
            let lines = super::super::overlay::footer_lines(form, "WWW-WWWW-WWWW-W", 99, 99, true);
            for (baseline, line) in &lines {
                let left = page::CONTENT_RIGHT
                    - fonts::metrics(Face::Regular)
                        .width_mm(line, super::super::overlay::FOOTER_PT);
                for zone in &page::DATA_QR_ZONES[..max_symbols(form)] {
                    let quiet = zone.grow(page::DATA_QR_QUIET);
                    assert!(
                        quiet.right() < left || *baseline < quiet.y,
                        "{}: {zone:?}",
                        form.name()
                    );
                }
            }
            // Every filled page has room for two symbols.
            assert_eq!(max_symbols(form), 2, "{}", form.name());
        }
        for zone in &page::DATA_QR_ZONES {
            let quiet = zone.grow(page::DATA_QR_QUIET);
            assert!(quiet.y >= page::BODY_BOTTOM - 1e-3, "{zone:?}");
            assert!(zone.x >= id_quiet.right(), "{zone:?}");
            assert!(quiet.bottom() <= page::PAGE_H - 5.0);
            assert!(zone.w / 49.0 >= page::DATA_QR_MIN_MODULE - 1e-4);
            for mark in &page::CORNER_MARKS {
                assert!(!quiet.overlaps(&mark.rect));
            }
        }
        let [a, b] = page::DATA_QR_ZONES;
        assert!(b.x - a.right() >= page::DATA_QR_QUIET);
        // The klinisk form and the supplements have room for two symbols.
        for name in ["klinisk", "tillagg-tarm", "tillagg-hepatit"] {
            assert_eq!(
                max_symbols(Registry::embedded().get(name, None).unwrap()),
                2,
                "{name}"
            );
        }
    }
}
