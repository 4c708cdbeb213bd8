//! Printed forms, checked the way intake will see them: rasterised by Poppler at 200 dpi, both QR codes on every
//! page read back with the right ID and page, the region's address on the first page, and the `print` command's
//! contract including its errors.

mod common;

use blankett::domain::regions::Regions;
use blankett::formid::FormId;
use blankett::forms::Registry;
use blankett::forms::definition::FormKind;
use blankett::render::{Copy, Renderer};
use common::*;

struct Expected {
    id: FormId,
    page: u32,
    pages: u32,
    template: String,
}

fn check_pages(pdf: &[u8], expected: &[Expected]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forms.pdf");
    std::fs::write(&path, pdf).unwrap();
    let pages = rasterise(&path, 200);
    assert_eq!(pages.len(), expected.len(), "page count");
    for (img, want) in pages.iter().zip(expected) {
        let stamps = stamps_in_zones(img, 200);
        assert_eq!(stamps.len(), 2);
        for (zone, stamp) in stamps.iter().enumerate() {
            let stamp = stamp.unwrap_or_else(|| {
                panic!(
                    "{} page {}: QR code {} not read",
                    want.id,
                    want.page,
                    zone + 1
                )
            });
            assert_eq!(stamp.id, want.id, "QR {zone}");
            assert_eq!(
                (stamp.page, stamp.pages),
                (want.page, want.pages),
                "{} QR {zone}",
                want.id
            );
            assert_eq!(
                format!("{}.{}", stamp.template, stamp.template_page),
                want.template,
                "{}",
                want.id
            );
        }
    }
}

fn expected_pages(copy: &Copy<'_>) -> Vec<Expected> {
    let pages = copy.page_count() as u32;
    let mut out = Vec::new();
    for form in &copy.parts {
        for p in &form.layout.pages {
            out.push(Expected {
                id: copy.id,
                page: out.len() as u32 + 1,
                pages,
                template: format!("{}.{}", form.code, p.page),
            });
        }
    }
    out
}

#[test]
fn every_region_gets_readable_qr_codes_on_every_page() {
    let registry = Registry::embedded();
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let klinisk = registry.get("klinisk", None).unwrap();
    let copies: Vec<Copy<'_>> = regions
        .all()
        .iter()
        .map(|region| Copy {
            id: FormId::generate(klinisk.code),
            parts: vec![klinisk.as_ref()],
            region,
        })
        .collect();
    let pdf = renderer.render(&copies).unwrap();
    let expected: Vec<Expected> = copies.iter().flat_map(expected_pages).collect();
    check_pages(&pdf, &expected);
}

#[test]
fn every_form_and_supplement_gets_readable_qr_codes_on_every_page() {
    let registry = Registry::embedded();
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let region = regions.get("12").unwrap();
    let klinisk = registry.get("klinisk", None).unwrap();
    let mut copies = Vec::new();
    for form in registry.all() {
        let parts = match form.kind() {
            FormKind::Main => vec![form.as_ref()],
            FormKind::Supplement => vec![klinisk.as_ref(), form.as_ref()],
        };
        copies.push(Copy {
            id: FormId::generate(parts[0].code),
            parts,
            region,
        });
    }
    let pdf = renderer.render(&copies).unwrap();
    let expected: Vec<Expected> = copies.iter().flat_map(expected_pages).collect();
    check_pages(&pdf, &expected);
}

#[test]
fn first_page_carries_the_address_or_the_unit_without_inventing_one() {
    let registry = Registry::embedded();
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let klinisk = registry.get("klinisk", None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for region in regions.all() {
        let copy = Copy {
            id: FormId::generate(klinisk.code),
            parts: vec![klinisk.as_ref()],
            region,
        };
        let path = dir.path().join(format!("{}.pdf", region.code));
        std::fs::write(&path, renderer.render_one(&copy).unwrap()).unwrap();
        let text = pdf_text(&path);
        let first_page = text.split('\u{c}').next().unwrap();
        assert!(
            first_page.contains("Klinisk anmälan"),
            "{}: title with å/ä/ö extracts as text",
            region.code
        );
        assert!(
            first_page.contains(&copy.id.to_string()),
            "{}: clear-text ID",
            region.code
        );
        if region.address_lines.is_empty() {
            assert!(
                first_page.contains(&region.sme_name),
                "{}: unit name",
                region.code
            );
            assert!(
                first_page.contains("Postadressen saknas"),
                "{}",
                region.code
            );
        } else {
            for line in &region.address_lines {
                assert!(
                    first_page.contains(line.as_str()),
                    "{}: address line {line}",
                    region.code
                );
            }
        }
        assert!(
            text.contains("sida 2 av 2"),
            "{}: footer page x of y",
            region.code
        );
    }
}

#[test]
fn print_command_issues_distinct_recorded_ids() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("binder.pdf");
    let data = dir.path().join("data");
    let run = blankett()
        .args([
            "print",
            "--form",
            "klinisk",
            "--region",
            "05",
            "--count",
            "7",
            "--supplement",
            "tillagg-tuberkulos",
            "--out",
        ])
        .arg(&out)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids: Vec<FormId> = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| FormId::parse(l).expect("an ID a line"))
        .collect();
    assert_eq!(ids.len(), 7);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7, "IDs are distinct");
    let info = std::process::Command::new("pdfinfo")
        .arg(&out)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let klinisk_pages = Registry::embedded()
        .get("klinisk", None)
        .unwrap()
        .page_count();
    let tb_pages = Registry::embedded()
        .get("tillagg-tuberkulos", None)
        .unwrap()
        .page_count();
    assert!(
        info.contains(&format!(
            "Pages:           {}",
            7 * (klinisk_pages + tb_pages)
        )),
        "{info}"
    );
    let store = blankett::store::Store::open(&data).unwrap();
    for id in &ids {
        let record = store.issued.get(id).unwrap().expect("recorded on issue");
        assert_eq!(
            (record.form.as_str(), record.version, record.region.as_str()),
            ("klinisk", 2, "05"),
            "the newest version is printed"
        );
        assert_eq!(record.channel, blankett::store::issued::Channel::Batch);
        assert_eq!(
            record.supplements,
            vec![("tillagg-tuberkulos".to_string(), 1)]
        );
    }
}

#[test]
fn print_command_refuses_bad_arguments_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pdf");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--form", "finns-inte", "--region", "01", "--count", "1"],
            "okänd blankett",
        ),
        (
            &["--form", "klinisk", "--region", "02", "--count", "1"],
            "okänd region",
        ),
        (
            &["--form", "klinisk", "--region", "01", "--count", "0"],
            "--count",
        ),
        (
            &["--form", "klinisk", "--region", "01", "--count", "1001"],
            "--count",
        ),
        (
            &[
                "--form",
                "klinisk",
                "--version",
                "9",
                "--region",
                "01",
                "--count",
                "1",
            ],
            "ingen version 9",
        ),
        (
            &[
                "--form",
                "tillagg-tuberkulos",
                "--region",
                "01",
                "--count",
                "1",
            ],
            "tilläggsblankett",
        ),
        (
            &["--form", "klinisk", "--region", "01", "--count", "tre"],
            "invalid value",
        ),
    ];
    for (args, message) in cases {
        let run = blankett()
            .arg("print")
            .args(*args)
            .arg("--out")
            .arg(&out)
            .arg("--data")
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote a file");
    }
    let run = blankett()
        .args(["layout", "--form", "klinisk", "--version", "7"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn a_data_folder_held_by_another_process_is_reported_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let _held = blankett::store::Store::open(dir.path()).unwrap();
    let out = dir.path().join("x.pdf");
    let run = blankett()
        .args([
            "print", "--form", "klinisk", "--region", "01", "--count", "1", "--out",
        ])
        .arg(&out)
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("används av en annan process"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
