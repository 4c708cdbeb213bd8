//! Test files for the one-page-files benchmark: N copies of page 1 of klinisk (handwritten or typed, ticked,
//! office scanner at 200 dpi), each page as its own PNG, G4 TIFF and one-page PDF, and all of them as one
//! N-page PDF of the same pixels (grey, Flate), so that one multi-page file and a folder of one-page files can be
//! timed side by side through whole `blankett intake` processes.
//!
//! `cargo run --release --features synth --example onepage_files -- [N] [DIR] [RUNS]` (N 30, DIR /tmp/onepage,
//! RUNS 5) writes `DIR/png/`, `DIR/tiff/`, `DIR/pdf/` (one file a page) and `DIR/all.pdf` (an existing DIR is used
//! as it is), then runs the release binary's `blankett intake` on each, in turn, RUNS times, each run a fresh
//! data folder, and prints the median pages a minute of each and its share of the one PDF's. Every run must
//! identify every page (N copies, page 1 each), or the figures are not printed.
use blankett::synth::degrade::{Quality, ScanImage};
use blankett::synth::pack::{self, FileFormat, PageCodec};
use blankett::synth::scenario::{self, IdMode, Spec};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(30);
    let dir = args
        .next()
        .map_or_else(|| PathBuf::from("/tmp/onepage"), PathBuf::from);
    let runs: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    if !dir.join("all.pdf").exists() {
        generate(n, &dir)?;
    }
    time_intake(&dir, runs)
}

fn generate(n: usize, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
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

/// Whole `blankett intake` processes on each delivery of the same pages, in turn; the median of each.
fn time_intake(dir: &Path, runs: usize) -> Result<(), Box<dyn std::error::Error>> {
    // The binary next to this example: target/release/blankett.
    let exe = std::env::current_exe()?;
    let blankett = exe
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("blankett"))
        .ok_or("no target folder")?;
    let files = |sub: &str| -> std::io::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        v.sort();
        Ok(v)
    };
    let deliveries: Vec<(&str, Vec<PathBuf>)> = vec![
        ("one PDF of all pages", vec![dir.join("all.pdf")]),
        ("one-page PNG files", files("png")?),
        ("one-page G4 TIFF files", files("tiff")?),
        ("one-page PDF files", files("pdf")?),
    ];
    let pages = deliveries[1].1.len();
    let mut seconds: Vec<Vec<f64>> = vec![Vec::new(); deliveries.len()];
    for _ in 0..runs {
        for (k, (what, paths)) in deliveries.iter().enumerate() {
            let data = tempfile::tempdir()?;
            let started = Instant::now();
            let out = Command::new(&blankett)
                .arg("intake")
                .arg("--data")
                .arg(data.path())
                .args(paths)
                .env("OMP_THREAD_LIMIT", "1")
                .output()?;
            seconds[k].push(started.elapsed().as_secs_f64());
            let stdout = String::from_utf8_lossy(&out.stdout);
            let placed: usize = stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter_map(|l| l["pages"].as_array().map(Vec::len))
                .sum();
            if !out.status.success() || placed != pages {
                return Err(format!(
                    "{what}: exit {:?}, {placed} of {pages} pages placed",
                    out.status.code()
                )
                .into());
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = pages as f64 * 60.0 / median(&mut seconds[0].clone());
    println!("{pages} pages, {runs} runs each, median of whole `blankett intake` processes:");
    for ((what, _), s) in deliveries.iter().zip(&mut seconds) {
        let per_min = pages as f64 * 60.0 / median(s);
        println!(
            "  {what:24} {per_min:7.0} pages/min  {:5.1} % of the one PDF",
            100.0 * per_min / base
        );
    }
    Ok(())
}
