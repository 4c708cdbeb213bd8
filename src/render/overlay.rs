//! What differs between copies of the same page: the QR codes, the form ID in clear
//! text, the addressee on the first page, and the footer with page x of y.

use super::{draw, qr};
use crate::domain::regions::Region;
use crate::fonts::{self, Face};
use crate::formid::{FormId, PageStamp};
use crate::forms::Form;
use crate::forms::page::{self, Rect};
use pdf_writer::Content;
use qrcode::EcLevel;

pub struct Stamp<'a> {
    pub id: FormId,
    pub page: u32,
    pub pages: u32,
    pub form: &'a Form,
    pub template_page: usize,
    pub region: &'a Region,
    /// Print the addressee in the envelope window (first page of a copy).
    pub address: bool,
    /// The page carries values and their data QR codes (`filled`): the footer keeps both data zones free.
    pub filled: bool,
}

pub fn draw(content: &mut Content, stamp: &Stamp<'_>) {
    let payload = PageStamp {
        id: stamp.id,
        page: stamp.page,
        pages: stamp.pages,
        template: stamp.form.code,
        template_page: stamp.template_page as u32,
    }
    .encode();
    if let Some((width, dark)) = qr::modules(payload.as_bytes(), EcLevel::Q, Some(2)) {
        for zone in &page::QR_ZONES {
            qr::draw(content, zone, width, &dark);
        }
    }
    let id_text = stamp.id.to_string();
    let (right, top) = page::ID_TEXT_TOP;
    draw::text_right(content, right, top, 6.5, Face::Regular, 0.3, "Blankett-id");
    draw::text_right(content, right, top + 4.2, 10.0, Face::Bold, 0.0, &id_text);

    if stamp.address {
        address(content, stamp.region);
    }
    for (baseline, line) in
        footer_lines(stamp.form, &id_text, stamp.page, stamp.pages, stamp.filled)
    {
        draw::text_right(
            content,
            page::CONTENT_RIGHT,
            baseline,
            FOOTER_PT,
            Face::Regular,
            0.0,
            &line,
        );
    }
    draw::text_right(
        content,
        page::CONTENT_RIGHT,
        page::FOOTER_BASELINE - 4.0,
        6.5,
        Face::Regular,
        0.35,
        "Skriv inte i QR-koderna eller i hörnmarkeringarna.",
    );
}

/// Size of the footer text.
pub(super) const FOOTER_PT: f32 = 7.5;

/// The footer, right-aligned to the content's right edge: one line at [`page::FOOTER_BASELINE`], "title · version
/// · ID · sida x av y". On a filled page whose line would reach into the second data QR zone (a long title), the
/// title goes up above the note line, so that every filled page has room for two data symbols of larger modules
/// (`filled::max_symbols`); the ID and "sida x av y" stay on the baseline, where the clear-text fallback reads them.
pub(super) fn footer_lines(
    form: &Form,
    id_text: &str,
    page: u32,
    pages: u32,
    filled: bool,
) -> Vec<(f32, String)> {
    let title = &form.def.title;
    let version = form.def.version;
    let one = || {
        vec![(
            page::FOOTER_BASELINE,
            format!("{title} · version {version} · {id_text} · sida {page} av {pages}"),
        )]
    };
    // Blank copies (printed by the thousand) never measure.
    if !filled {
        return one();
    }
    let widest = format!("{title} · version {version} · WWW-WWWW-WWWW-W · sida 99 av 99");
    let left = page::CONTENT_RIGHT - fonts::metrics(Face::Regular).width_mm(&widest, FOOTER_PT);
    let zone = page::DATA_QR_ZONES[1].grow(page::DATA_QR_QUIET);
    if zone.right() + 1.0 <= left {
        return one();
    }
    vec![
        (page::FOOTER_BASELINE - 8.0, title.clone()),
        (
            page::FOOTER_BASELINE,
            format!("version {version} · {id_text} · sida {page} av {pages}"),
        ),
    ]
}

/// The smittskyddsläkare of the reporting doctor's region, placed in the C5 window. An unknown postal address is
/// never guessed: the unit's name is printed and the reporter is told to check it.
fn address(content: &mut Content, region: &Region) {
    let w: &Rect = &page::ADDRESS_WINDOW;
    let x = w.x + 4.0;
    let mut y = w.y + 4.5;
    draw::text(
        content,
        x,
        y,
        7.0,
        Face::Regular,
        0.3,
        "Till smittskyddsläkaren",
    );
    y += 5.0;
    let mut lines: Vec<(&str, Face)> = Vec::new();
    if region.address_lines.is_empty() {
        lines.push((&region.sme_name, Face::Bold));
        lines.push((&region.name, Face::Regular));
    } else {
        for (i, line) in region.address_lines.iter().enumerate() {
            lines.push((line, if i == 0 { Face::Bold } else { Face::Regular }));
        }
    }
    for (line, face) in lines.iter().take(4) {
        draw::text(content, x, y, 10.0, *face, 0.0, line);
        y += 4.6;
    }
    if region.address_lines.is_empty() {
        draw::text(
            content,
            x,
            w.bottom() - 1.5,
            6.5,
            Face::Regular,
            0.3,
            "Postadressen saknas här: kontrollera den med regionen.",
        );
    }
}
