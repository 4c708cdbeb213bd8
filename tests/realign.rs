//! A page whose corner marks were not all found is placed again by its printed box outlines: from a map that is
//! millimetres off (shifted, scaled, turned a little), `realign::by_boxes` comes back to within a fraction of a
//! millimetre everywhere on the page.

mod common;

use blankett::domain::regions::Regions;
use blankett::formid::FormId;
use blankett::forms::Registry;
use blankett::intake::align::Alignment;
use blankett::intake::geometry::Affine;
use blankett::intake::realign;
use blankett::render::{Copy, Renderer};

const DPI: f64 = 200.0;

#[test]
fn a_map_millimetres_off_is_corrected_by_the_printed_boxes() {
    let registry = Registry::embedded();
    let form = registry.get("klinisk", None).unwrap();
    let regions = Regions::embedded();
    let pdf = Renderer::new(registry)
        .render(&[Copy {
            id: FormId::generate(form.code),
            parts: vec![form.as_ref()],
            region: regions.get("01").unwrap(),
        }])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.pdf");
    std::fs::write(&path, pdf).unwrap();
    let page = &common::rasterise(&path, DPI as u32)[0];
    let k = DPI / 25.4;
    // pdftoppm's map from form millimetres to pixels is exactly k; the first guess is 0.8 % too large, turned
    // 0.3 degrees and 1.5 mm off: up to 3.5 mm across the page, as a page placed from one QR symbol at fax
    // resolution was.
    let truth = Affine {
        a: k,
        b: 0.0,
        c: 0.0,
        d: 0.0,
        e: k,
        f: 0.0,
    };
    let (s, r) = (1.008 * k, 0.3f64.to_radians());
    let wrong = Affine {
        a: s * r.cos(),
        b: -s * r.sin(),
        c: 1.5 * k,
        d: s * r.sin(),
        e: s * r.cos(),
        f: -k,
    };
    let off = |t: &Affine| {
        [(20.0, 90.0), (190.0, 90.0), (20.0, 250.0), (190.0, 250.0)]
            .iter()
            .map(|&(x, y)| {
                let (a, b) = (t.apply(x, y), truth.apply(x, y));
                (a.0 - b.0).hypot(a.1 - b.1) / k
            })
            .fold(0.0, f64::max)
    };
    assert!(off(&wrong) > 2.5, "the first guess is off: {}", off(&wrong));
    let first = Alignment {
        transform: wrong,
        homography: None,
        residual_mm: f64::NAN,
        marks_found: 2,
        paper: 255,
    };
    let again = realign::by_boxes(page, &first, &form.layout.pages[0]);
    assert!(
        off(&again.transform) < 0.3,
        "placed by the boxes, still {:.2} mm off",
        off(&again.transform)
    );
}
