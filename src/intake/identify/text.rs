//! The third strategy, when no QR code can be read at all: the corner marks place the page ([`super::marks`]),
//! and the form ID and "sida x av y" are read as printed text with Tesseract. The check character of the ID
//! makes a misread ID fail rather than point at another form.

use super::{Context, Located, marks};
use crate::formid::{ALPHABET, FormId, PageStamp};
use crate::forms::Form;
use crate::forms::page::{self, Rect};
use crate::intake::align;
use crate::intake::decode::ScanPage;
use crate::intake::geometry::Affine;
use crate::intake::read::cells;
use crate::intake::read::ocr::Tesseract;

/// The page's identity from its printed text, with the copy's composition from `ctx`.
pub fn locate(page: &ScanPage, ctx: &Context<'_>, ocr: &mut Tesseract) -> Option<Located> {
    let text = read_printed_identity(page, ocr)?;
    let main = ctx.registry.by_code(&text.id.form)?;
    let parts = (ctx.composition)(&text.id, main);
    let total: u32 = parts.iter().map(|f| f.page_count() as u32).sum();
    let number = match text.page {
        Some((n, of)) if of == total => n,
        // A one-page copy needs no page number.
        None if total == 1 => 1,
        _ => return None,
    };
    let stamp = stamp_in(&parts, text.id, number)?;
    let alignment = marks::alignment(page, text.transform);
    Some(Located {
        stamp,
        orientation: align::orientation(&alignment.transform),
        alignment,
    })
}

/// The stamp of page `number` of a copy made of `parts` (main form first): which definition and which of its pages
/// it was printed from. None when the copy has no such page.
pub fn stamp_in(parts: &[&Form], id: FormId, number: u32) -> Option<PageStamp> {
    let pages: u32 = parts.iter().map(|f| f.page_count() as u32).sum();
    let mut before = 0;
    let (form, template_page) = parts.iter().find_map(|f| {
        let n = f.page_count() as u32;
        let hit = (number > before && number <= before + n).then(|| (*f, number - before));
        before += n;
        hit
    })?;
    Some(PageStamp {
        id,
        page: number,
        pages,
        template: form.code,
        template_page,
    })
}

/// What the printed text says: the form ID and page x of y.
pub struct TextIdentity {
    pub id: FormId,
    pub page: Option<(u32, u32)>,
    pub transform: Affine,
}

pub fn read_printed_identity(page: &ScanPage, ocr: &mut Tesseract) -> Option<TextIdentity> {
    let t = marks::place_by_marks(page)?;
    let scale = t.scale().max(8.0);
    let id_alphabet: String = ALPHABET
        .iter()
        .map(|&b| char::from(b))
        .chain(['-'])
        .collect();
    // The ID under the upper QR code, and again in the footer.
    let (right, top) = page::ID_TEXT_TOP;
    let id_box = Rect::new(right - 45.0, top + 0.6, 46.0, 5.6);
    let id_img = cells::crop(&page.image, &t, &id_box, (0.0, 0.0), scale);
    let id = ocr
        .read_line(&id_img, &id_alphabet)
        .and_then(|(text, _)| FormId::parse(&text).ok());
    let footer_box = Rect::new(
        page::CONTENT_RIGHT - 110.0,
        page::FOOTER_BASELINE - 3.4,
        111.0,
        4.8,
    );
    let footer_img = cells::crop(&page.image, &t, &footer_box, (0.0, 0.0), scale);
    let footer = ocr
        .read_line(&footer_img, "")
        .map(|(text, _)| text)
        .unwrap_or_default();
    let id = id.or_else(|| {
        footer
            .split_whitespace()
            .find_map(|w| FormId::parse(w).ok())
    })?;
    Some(TextIdentity {
        id,
        page: parse_page_of(&footer),
        transform: t,
    })
}

/// "sida 2 av 3" -> (2, 3).
fn parse_page_of(footer: &str) -> Option<(u32, u32)> {
    let words: Vec<&str> = footer.split_whitespace().collect();
    let i = words.iter().position(|w| w.eq_ignore_ascii_case("sida"))?;
    let page = words.get(i + 1)?.parse().ok()?;
    let of = words
        .get(i + 3)?
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    (words.get(i + 2)? == &"av" && page >= 1 && page <= of).then_some((page, of))
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_of_is_parsed() {
        assert_eq!(
            super::parse_page_of("Klinisk anmälan · version 1 · KA1-7GQ4-M2XD-P · sida 2 av 3"),
            Some((2, 3))
        );
        assert_eq!(super::parse_page_of("sida 4 av 3"), None);
        assert_eq!(super::parse_page_of("ingenting"), None);
    }
}
