//! Helpers shared by the integration tests: rasterising PDFs with Poppler and reading the page QR codes.
#![allow(dead_code)]

use blankett::formid::PageStamp;
use blankett::forms::page;
use image::GrayImage;
use std::path::Path;
use std::process::Command;

/// Rasterises every page of `pdf` at `dpi` in grey with Poppler's pdftoppm, as a scanner would see it.
pub fn rasterise(pdf: &Path, dpi: u32) -> Vec<GrayImage> {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("p");
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs (poppler-utils is installed by scripts/install-deps.sh)");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // pdftoppm pads page numbers to equal width, so a plain sort is page order.
    files.sort();
    files
        .iter()
        .map(|f| image::open(f).expect("png").to_luma8())
        .collect()
}

/// Averages 2x2 blocks: rqrr samples one pixel per module and misses on noisy full-resolution pages.
pub fn halve(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() / 2, img.height() / 2);
    GrayImage::from_fn(w, h, |x, y| {
        let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
            .iter()
            .map(|(dx, dy)| u32::from(img.get_pixel(2 * x + dx, 2 * y + dy)[0]))
            .sum();
        image::Luma([(sum / 4) as u8])
    })
}

pub fn decode_qr(img: &GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Reads the page stamp from each of the two QR zones of a page image, looking only around the zone.
pub fn stamps_in_zones(img: &GrayImage, dpi: u32) -> Vec<Option<PageStamp>> {
    let px = |mm: f32| (mm / 25.4 * dpi as f32).round() as u32;
    page::QR_ZONES
        .iter()
        .map(|zone| {
            let margin = 8.0;
            let x = px((zone.x - margin).max(0.0));
            let y = px((zone.y - margin).max(0.0));
            let w = px(zone.w + 2.0 * margin).min(img.width() - x);
            let h = px(zone.h + 2.0 * margin).min(img.height() - y);
            let crop = image::imageops::crop_imm(img, x, y, w, h).to_image();
            let texts = decode_qr(&halve(&crop));
            texts.iter().find_map(|t| PageStamp::decode(t))
        })
        .collect()
}

pub fn blankett() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blankett"))
}

pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
