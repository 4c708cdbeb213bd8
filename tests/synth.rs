//! The synthetic scan generator: the same seed gives the same files, a clean scan keeps both QR codes readable,
//! fax pages have fax geometry, generated values pass the project's own checks, and the fonts held back for an
//! independent evaluation are never referenced.

mod common;

use blankett::domain::diseases::Diseases;
use blankett::domain::identity;
use blankett::forms::Registry;
use blankett::forms::definition::{Check, FormKind};
use blankett::synth::degrade::Quality;
use blankett::synth::degrade::ScanImage;
use blankett::synth::hand::{self, HandSource, PenStyle, TickKind};
use blankett::synth::pack::{self, FileFormat, PageCodec};
use blankett::synth::scenario::{self, IdMode, Spec};
use blankett::synth::values::{self, Value};
use blankett::synth::{PxRect, rng};
use blankett::validation;
use common::stamps_in_zones;
use image::{GrayImage, Luma};
use std::collections::BTreeMap;

fn small_spec(quality: Quality, format: FileFormat) -> Spec {
    Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![quality],
        format,
        upside_down_rate: 0.0,
        ids: IdMode::Seeded,
        ..Spec::default()
    }
}

#[test]
fn same_seed_gives_the_same_files() {
    let spec = Spec {
        documents: 2,
        forms: vec!["klinisk".into(), "klinisk-sti".into()],
        qualities: vec![Quality::Office200, Quality::FaxNormal],
        pages_per_file: Some(3),
        shuffle: true,
        ..small_spec(Quality::Office200, FileFormat::Pdf)
    };
    let a = scenario::generate(11, &spec).unwrap();
    let b = scenario::generate(11, &spec).unwrap();
    assert_eq!(a.files.len(), b.files.len());
    for ((na, fa), (nb, fb)) in a.files.iter().zip(&b.files) {
        assert_eq!(na, nb);
        assert!(fa == fb, "{na} differs between two runs with one seed");
    }
    assert_eq!(a.truth_json(), b.truth_json());
    let pages: usize = a.truth.iter().map(|d| d.pages.len()).sum();
    let in_files: usize = a.files.len();
    assert!(
        in_files >= pages.div_ceil(3),
        "split into files of at most 3 pages"
    );

    // Random IDs change the IDs only (and the device does not change the values).
    let random = Spec {
        ids: IdMode::Random,
        qualities: vec![Quality::FaxNormal],
        ..spec.clone()
    };
    let c = scenario::generate(11, &random).unwrap();
    for (x, y) in a.truth.iter().zip(&c.truth) {
        assert_eq!(x.values, y.values);
        assert_eq!(x.form, y.form);
        assert_ne!(x.form_id, y.form_id);
    }
    let d = scenario::generate(12, &random).unwrap();
    assert_ne!(
        a.truth.iter().map(|t| &t.values).collect::<Vec<_>>(),
        d.truth.iter().map(|t| &t.values).collect::<Vec<_>>(),
        "another seed, other values"
    );
}

/// The pages of a TIFF as grey images with their resolution.
fn tiff_pages(bytes: &[u8]) -> Vec<(GrayImage, f64, f64, u32)> {
    let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    loop {
        let (w, h) = decoder.dimensions().unwrap();
        let mut rational = |t| {
            let v = decoder.get_tag(t).unwrap().into_u32_vec().unwrap();
            f64::from(v[0]) / f64::from(v[1])
        };
        let (dx, dy) = (
            rational(tiff::tags::Tag::XResolution),
            rational(tiff::tags::Tag::YResolution),
        );
        let compression = decoder.get_tag_u32(tiff::tags::Tag::Compression).unwrap();
        let data = match decoder.read_image().unwrap() {
            tiff::decoder::DecodingResult::U8(v) => v,
            _ => panic!("8-bit or 1-bit pages"),
        };
        let img = if data.len() == (w * h) as usize {
            GrayImage::from_raw(w, h, data).unwrap()
        } else {
            // One bit a pixel, rows padded to a byte; the decoder gives 1 for white.
            let stride = (w as usize).div_ceil(8);
            GrayImage::from_fn(w, h, |x, y| {
                let bit = data[y as usize * stride + x as usize / 8] & (0x80 >> (x % 8));
                Luma([if bit != 0 { 255 } else { 0 }])
            })
        };
        out.push((img, dx, dy, compression));
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().unwrap();
    }
    out
}

#[test]
fn clean_300_dpi_page_keeps_both_qr_codes_readable() {
    let spec = Spec {
        grey_codec: PageCodec::Raw,
        ..small_spec(Quality::Clean300, FileFormat::Tiff)
    };
    let batch = scenario::generate(3, &spec).unwrap();
    let doc = &batch.truth[0];
    assert_eq!(doc.pages.len(), 2);
    let pages = tiff_pages(&batch.files[0].1);
    for page in &doc.pages {
        let (img, dx, dy, _) = &pages[page.index];
        assert_eq!(img.dimensions(), (2480, 3508), "A4 at 300 dpi");
        assert_eq!((*dx, *dy), (300.0, 300.0));
        let stamps = stamps_in_zones(img, 300);
        for (zone, stamp) in stamps.iter().enumerate() {
            let stamp = stamp.unwrap_or_else(|| panic!("page {}: QR {zone} not read", page.page));
            assert_eq!(stamp.id.to_string(), doc.form_id);
            assert_eq!(stamp.page, page.page);
        }
    }
}

#[test]
fn fax_normal_pages_are_a4_at_204_by_98_dpi() {
    // TIFF with G4 and the resolution tags.
    let batch = scenario::generate(5, &small_spec(Quality::FaxNormal, FileFormat::Tiff)).unwrap();
    assert_eq!(batch.files.len(), 1);
    let (name, bytes) = &batch.files[0];
    assert!(name.ends_with(".tif"));
    let pages = tiff_pages(bytes);
    assert_eq!(pages.len(), 2);
    for (img, dx, dy, compression) in &pages {
        assert_eq!(img.dimensions(), (1687, 1146));
        assert!(
            (dx - 204.0).abs() < 0.01 && (dy - 98.0).abs() < 0.01,
            "{dx} x {dy}"
        );
        assert_eq!(*compression, 4, "CCITT G4");
        let black = img.pixels().filter(|p| p[0] == 0).count();
        assert!(black > 10_000, "a printed form has ink: {black}");
        assert!(img.pixels().all(|p| p[0] == 0 || p[0] == 255), "1 bit");
    }

    // The same pages in a PDF: CCITT G4 with /K -1, and a MediaBox that is A4.
    let scans: Vec<ScanImage> = pages
        .into_iter()
        .map(|(image, dx, dy, _)| ScanImage {
            image,
            dpi_x: dx as f32,
            dpi_y: dy as f32,
            bilevel: true,
        })
        .collect();
    let pdf = pack::pack(&scans, FileFormat::Pdf, PageCodec::Jpeg(75)).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 2);
    for (_, page_id) in pages {
        let page = doc.get_dictionary(page_id).unwrap();
        let media: Vec<f32> = page
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        assert!((media[2] - 595.3).abs() < 1.0, "A4 width: {media:?}");
        assert!((media[3] - 841.9).abs() < 1.0, "A4 height: {media:?}");
    }
    let image = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find(|s| s.dict.get(b"Subtype").ok().and_then(|n| n.as_name().ok()) == Some(b"Image"))
        .expect("an image");
    assert_eq!(
        image.dict.get(b"Filter").unwrap().as_name().unwrap(),
        b"CCITTFaxDecode"
    );
    let parms = image.dict.get(b"DecodeParms").unwrap().as_dict().unwrap();
    assert_eq!(parms.get(b"K").unwrap().as_i64().unwrap(), -1);
    assert_eq!(image.dict.get(b"Width").unwrap().as_i64().unwrap(), 1687);
    assert_eq!(image.dict.get(b"Height").unwrap().as_i64().unwrap(), 1146);
    // Poppler decodes it, white paper as white.
    let rendered = blankett::synth::raster::rasterise(&pdf, 50).unwrap();
    assert_eq!(rendered.len(), 2);
    assert!(
        mean(&rendered[0]) > 200.0,
        "paper is white: {}",
        mean(&rendered[0])
    );
}

fn mean(img: &GrayImage) -> f64 {
    img.pixels().map(|p| f64::from(p[0])).sum::<f64>() / (img.width() * img.height()) as f64
}

#[test]
fn scanned_pdf_renders_in_poppler() {
    let spec = Spec {
        documents: 2,
        forms: vec!["klinisk".into()],
        qualities: vec![Quality::Office200],
        ..small_spec(Quality::Office200, FileFormat::Pdf)
    };
    let batch = scenario::generate(8, &spec).unwrap();
    let pages = blankett::synth::raster::rasterise(&batch.files[0].1, 50).unwrap();
    assert_eq!(pages.len(), 4);
    // A4 at 50 dpi (413.4 x 584.6, which Poppler rounds either way).
    let (w, h) = pages[0].dimensions();
    assert!(
        (413..=414).contains(&w) && (584..=585).contains(&h),
        "{w} x {h}"
    );
    assert!(
        mean(&pages[0]) > 180.0,
        "paper is light: {}",
        mean(&pages[0])
    );
}

/// Every copy of every form, with and without supplements, over many seeds: the values pass
/// `validation::check_copy`, and every personnummer has its Luhn digit.
#[test]
fn generated_values_pass_the_projects_checks() {
    let registry = Registry::embedded();
    let diseases = Diseases::embedded();
    let options = values::Options::default();
    let ctx = validation::Context {
        today: options.today,
        diseases,
    };
    let mains: Vec<_> = registry
        .latest()
        .filter(|f| f.kind() == FormKind::Main)
        .collect();
    let supplements: Vec<_> = registry
        .latest()
        .filter(|f| f.kind() == FormKind::Supplement)
        .collect();
    let mut checked = 0;
    let mut identities = 0;
    for seed in 0..60u64 {
        let mut r = rng(seed);
        for main in &mains {
            let mut combos = vec![vec![main.as_ref()]];
            if !main.name().starts_with("paragraf") {
                for s in &supplements {
                    let fits = diseases.all().iter().any(|d| {
                        d.supplement.as_deref() == Some(s.name())
                            && validation::disease_fits_form(main, d).is_ok()
                    });
                    if fits {
                        combos.push(vec![main.as_ref(), s.as_ref()]);
                    }
                }
            }
            for parts in combos {
                let generated = values::generate_copy(&parts, &options, &mut r);
                let by_form: BTreeMap<String, validation::FormValues> = parts
                    .iter()
                    .zip(&generated)
                    .map(|(f, v)| (f.name().to_string(), values::to_form_values(v)))
                    .collect();
                let errors = validation::check_copy(&parts, &by_form, &ctx);
                let names: Vec<&str> = parts.iter().map(|f| f.name()).collect();
                assert!(
                    errors.is_empty(),
                    "seed {seed}, {names:?}: {errors:?}\n{generated:#?}"
                );
                for (form, vals) in parts.iter().zip(&generated) {
                    for field in validation::fields(form) {
                        let Some(Value::Text(text)) = vals.get(&field.name) else {
                            continue;
                        };
                        let typ = field
                            .name
                            .rsplit_once('.')
                            .and_then(|(g, _)| vals.get(&format!("{g}.identitetstyp")))
                            .map(|v| v.choices().to_vec());
                        let is_number = field.check == Some(Check::Personnummer)
                            || (field.check == Some(Check::Identitet)
                                && typ
                                    .as_ref()
                                    .is_none_or(|t| t.iter().all(|t| t != "reservnummer")));
                        if is_number {
                            assert_eq!(text.len(), 12, "{text}");
                            let nine = &text[2..11];
                            let check = identity::luhn_check_digit(nine).unwrap();
                            assert_eq!(text.as_bytes()[11] - b'0', check, "{text}");
                            identities += 1;
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked}");
    assert!(identities > 100, "{identities}");
}

#[test]
fn values_leave_some_fields_empty_and_fill_the_required() {
    let form = Registry::embedded().get("klinisk", None).unwrap();
    let options = values::Options {
        empty_rate: 0.5,
        ..Default::default()
    };
    let mut r = rng(1);
    let v = values::generate(form, &options, &mut r);
    let all = validation::fields(form).count();
    assert!(v.len() < all, "some fields left empty");
    for f in validation::fields(form).filter(|f| f.required) {
        assert!(v.contains_key(&f.name), "{} is required", f.name);
    }
}

/// Names of the fonts held back for an independent evaluation, put together at run time so that this file does
/// not contain them either.
fn reserved_names() -> Vec<String> {
    let parts: [&[&str]; 5] = [
        &["b", "wht"],
        &["sj", "fonts"],
        &["br", "eip"],
        &["rufs", "cript"],
        &["femke", "klaver"],
    ];
    parts.iter().map(|p| p.concat()).collect()
}

#[test]
fn reserved_fonts_are_never_referenced() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src/synth")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for dir in ["tests", "examples"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("synth") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 8, "{files:?}");
    let names = reserved_names();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap().to_lowercase();
        for name in &names {
            assert!(
                !text.contains(name.as_str()),
                "{} mentions a reserved font",
                file.display()
            );
        }
    }
    // And the files every source reads are the intended ones.
    for source in HandSource::ALL {
        for path in source.files() {
            let p = path.to_string_lossy().to_lowercase();
            assert!(
                ["fifthhorseman", "humor-sans", "comic-neue", "hershey-fonts"]
                    .iter()
                    .any(|dir| p.contains(dir)),
                "{source}: {p}"
            );
            assert!(!names.iter().any(|n| p.contains(n.as_str())), "{p}");
        }
    }
}

#[test]
fn every_source_writes_every_classifier_character_inside_its_box() {
    let sources = hand::sources();
    assert!(!sources.is_empty(), "no hand source installed");
    let k = 300.0 / 25.4;
    let mut r = rng(2);
    for source in sources {
        for c in hand::CLASSIFIER_CHARSET.chars() {
            let mut img = GrayImage::from_pixel(120, 140, Luma([255]));
            let cell = PxRect::new(25.0, 25.0, 6.0 * k, 8.0 * k);
            let mut style = PenStyle::random(&mut r, k);
            style.sloppiness = 0.0;
            assert!(
                hand::draw_char(&mut img, c, cell, source, &style, &mut r),
                "{source} has no {c}"
            );
            let (mut inside, mut outside) = (0u32, 0u32);
            for (x, y, p) in img.enumerate_pixels() {
                if p[0] < 200 {
                    let (fx, fy) = (x as f32, y as f32);
                    let margin = 3.0;
                    if fx >= cell.x - margin
                        && fx <= cell.right() + margin
                        && fy >= cell.y - margin
                        && fy <= cell.bottom() + margin
                    {
                        inside += 1;
                    } else {
                        outside += 1;
                    }
                }
            }
            assert!(inside > 20, "{source} {c}: {inside} dark pixels");
            assert!(outside * 20 <= inside, "{source} {c}: {outside} outside");
        }
    }
}

#[test]
fn ticks_darken_their_box() {
    let k = 300.0 / 25.4;
    let mut r = rng(4);
    for kind in TickKind::ALL {
        for _ in 0..10 {
            let mut img = GrayImage::from_pixel(120, 120, Luma([255]));
            let b = PxRect::new(30.0, 30.0, 5.0 * k, 5.0 * k);
            let style = PenStyle::random(&mut r, k);
            hand::draw_tick(&mut img, b, kind, &style, &mut r);
            let inner = b.inset(0.1 * b.w);
            let mut dark = 0;
            let mut total = 0;
            for y in inner.y as u32..inner.bottom() as u32 {
                for x in inner.x as u32..inner.right() as u32 {
                    total += 1;
                    if img.get_pixel(x, y)[0] < 160 {
                        dark += 1;
                    }
                }
            }
            let share = dark as f32 / total as f32;
            let floor = if kind == TickKind::Dot { 0.005 } else { 0.06 };
            assert!(share > floor, "{kind:?}: {share}");
        }
    }
}
