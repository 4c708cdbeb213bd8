//! The data QR code of a filled form through a real PDF: rendered, rasterised by Poppler as a scanner or a fax
//! would see it, read with rqrr, decoded, and compared with what was typed, for payloads from a single tick to
//! two full symbols.

mod web_support;

use blankett::domain::regions::Regions;
use blankett::formid::FormId;
use blankett::forms::Registry;
use blankett::render::{Copy, Renderer, filled};
use blankett::validation::{FieldValue, FormValues};
use std::collections::BTreeMap;
use std::path::Path;
use web_support::*;

/// Text that does not compress: pseudo-random Swedish-looking words.
fn words(seed: &mut u32, chars: usize) -> String {
    let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyzåäö".chars().collect();
    let mut s = String::new();
    while s.chars().count() < chars {
        *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        if s.chars().count() % 7 == 6 {
            s.push(' ');
        } else {
            s.push(letters[((*seed >> 16) as usize) % letters.len()]);
        }
    }
    s.trim().to_string()
}

fn render(form: &str, values: &FormValues) -> (Vec<u8>, FormId) {
    static RENDERER: std::sync::OnceLock<Renderer> = std::sync::OnceLock::new();
    let registry = Registry::embedded();
    let renderer = RENDERER.get_or_init(|| Renderer::new(registry));
    let regions = Regions::embedded();
    let form = registry.get(form, None).unwrap();
    let id = FormId::generate(form.code);
    let mut all = BTreeMap::new();
    all.insert(form.name().to_string(), values.clone());
    let copy = Copy {
        id,
        parts: vec![form.as_ref()],
        region: regions.get("01").unwrap(),
    };
    (renderer.render_filled(&copy, &all).unwrap(), id)
}

/// Reads every page of `pdf` back; `fax` squeezes each page to 204 x 98 dpi black and white first.
fn read_back(pdf: &[u8], dpi: u32, fax: bool) -> Vec<blankett::dataqr::PageData> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    rasterise(Path::new(&path), dpi)
        .iter()
        .enumerate()
        .map(|(i, img)| {
            let img = if fax { fax_page(img) } else { img.clone() };
            data_qr_page(&img, dpi)
                .unwrap_or_else(|e| panic!("page {} at {dpi} dpi (fax {fax}): {e}", i + 1))
        })
        .collect()
}

/// A fax in standard resolution: every other line dropped (204 x 98 dpi), one bit a pixel; the receiving side
/// shows it with each line doubled.
fn fax_page(img: &image::GrayImage) -> image::GrayImage {
    image::GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let v = img.get_pixel(x, y - y % 2)[0];
        image::Luma([if v < 128 { 0 } else { 255 }])
    })
}

#[test]
fn every_payload_size_reads_back_exactly_at_200_and_300_dpi() {
    let mut seed = 11u32;
    let mut sizes_seen = std::collections::BTreeSet::new();
    for (i, chars) in [0usize, 30, 70, 110, 150, 190, 240].into_iter().enumerate() {
        let mut values = FormValues::new();
        values.insert(
            "smitta.vag".into(),
            FieldValue::Ticked(vec!["livsmedel".into()]),
        );
        if chars > 0 {
            values.insert(
                "smitta.kalla".into(),
                FieldValue::Text(words(&mut seed, chars.min(150))),
            );
        }
        if chars > 150 {
            values.insert(
                "atgarder.ovrigt".into(),
                FieldValue::Text(words(&mut seed, chars - 150)),
            );
        }
        values.insert(
            "rapportor.namn".into(),
            FieldValue::Text("Dr Åsa Öhman".into()),
        );
        let (pdf, id) = render("klinisk", &values);
        let page = &Registry::embedded()
            .get("klinisk", None)
            .unwrap()
            .layout
            .pages[1];
        let symbols = filled::encode_page(
            id,
            Registry::embedded().get("klinisk", None).unwrap(),
            page,
            &values,
        )
        .unwrap();
        sizes_seen.insert(symbols.len());
        // 300 dpi for every other size: the slow part of the test is rasterising.
        let dpis: &[u32] = if i % 2 == 0 { &[200, 300] } else { &[200] };
        for &dpi in dpis {
            let pages = read_back(&pdf, dpi, false);
            assert_eq!(pages.len(), 2);
            assert!(pages[0].values.is_empty(), "page 1 was left empty");
            assert_eq!(pages[1].id, id);
            assert_eq!(pages[1].values, values, "{chars} characters at {dpi} dpi");
        }
    }
    assert_eq!(
        sizes_seen,
        [1, 2].into(),
        "both one and two symbols were read"
    );
}

#[test]
fn a_faxed_page_reads_back() {
    let mut values = FormValues::new();
    values.insert(
        "patient.namn".into(),
        FieldValue::Text("Åkesson, Märta".into()),
    );
    values.insert(
        "patient.personnummer".into(),
        FieldValue::Text("198112189876".into()),
    );
    values.insert(
        "anmalan.typ".into(),
        FieldValue::Ticked(vec!["nytt_fall".into()]),
    );
    let (pdf, id) = render("klinisk", &values);
    let pages = read_back(&pdf, 204, true);
    assert_eq!(pages[0].id, id);
    assert_eq!(pages[0].values, values);
}
