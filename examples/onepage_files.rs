//! Test files for the one-page-files benchmark: N copies of page 1 of klinisk (handwritten or typed, ticked,
//! office scanner at 200 dpi), each page as its own PNG, G4 TIFF and one-page PDF, and all of them as one
//! N-page PDF of the same pixels (grey, Flate), so that one multi-page file and a folder of one-page files can be
//! timed side by side through whole `blankett intake` processes.
//!
//! `cargo run --release --features synth --example onepage_files -- [N] [DIR]` (N 30, DIR /tmp/onepage) writes
//! `DIR/png/`, `DIR/tiff/`, `DIR/pdf/` (one file a page) and `DIR/all.pdf`.
use blankett::synth::degrade::{Quality, ScanImage};
use blankett::synth::pack::{self, FileFormat, PageCodec};
use blankett::synth::scenario::{self, IdMode, Spec};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(30);
    let dir = args
        .next()
        .map_or_else(|| PathBuf::from("/tmp/onepage"), PathBuf::from);
    let spec = Spec {
        documents: n,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        upside_down_rate: 0.0,
        format: FileFormat::Png,
        ids: IdMode::Seeded,
        prefix: "sida".into(),
        ..Spec::default()
    };
    let batch = scenario::generate(17, &spec)?;
    // One file a page, in document order without shuffling: page 1 of each copy is every other file.
    let firsts: Vec<&(String, Vec<u8>)> = batch.files.iter().step_by(2).take(n).collect();
    for sub in ["png", "tiff", "pdf"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let mut grey = Vec::with_capacity(n);
    for (k, (_, png)) in firsts.iter().enumerate() {
        let name = format!("sida-{:03}", k + 1);
        std::fs::write(dir.join("png").join(format!("{name}.png")), png)?;
        let scan = ScanImage {
            image: image::load_from_memory(png)?.to_luma8(),
            dpi_x: 200.0,
            dpi_y: 200.0,
            bilevel: false,
        };
        // A fax-like bilevel copy for G4 (the codec thresholds grey at 128).
        let g4 = pack::encode_page(&scan, PageCodec::G4);
        let g4 = pack::EncodedPage {
            bilevel: true,
            ..g4
        };
        std::fs::write(
            dir.join("tiff").join(format!("{name}.tif")),
            pack::tiff(&[g4])?,
        )?;
        let flate = pack::encode_page(&scan, PageCodec::Flate);
        std::fs::write(
            dir.join("pdf").join(format!("{name}.pdf")),
            pack::pdf(std::slice::from_ref(&flate))?,
        )?;
        grey.push(flate);
    }
    std::fs::write(dir.join("all.pdf"), pack::pdf(&grey)?)?;
    println!(
        "{} pages of klinisk page 1 (200 dpi): {}/png, {}/tiff, {}/pdf, {}/all.pdf",
        grey.len(),
        dir.display(),
        dir.display(),
        dir.display(),
        dir.display()
    );
    Ok(())
}
