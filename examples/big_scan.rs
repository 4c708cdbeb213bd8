//! Memory and time of one large scanner file through the whole intake: generates a multi-page PDF as a
//! production scanner with a document feeder writes it (300 dpi grey, baseline JPEG, one image a page; copies of
//! the clinical form with their own IDs, mostly handwritten, a few pages upside down), then runs the release
//! binary's `blankett intake` on it under `/usr/bin/time` with `OMP_THREAD_LIMIT=1`, and prints the elapsed time
//! and the peak resident memory.
//!
//! `cargo run --release --example big_scan -- [PAGES] [FILE.pdf]`: PAGES defaults to 500; with FILE.pdf the
//! generated file is kept there, and an existing one is used as it is. `BIG_SCAN_TYPED=1` types every copy
//! (no handwriting: the cost of intake apart from the handwriting reader).
use blankett::synth::degrade::Quality;
use blankett::synth::pack::{FileFormat, PageCodec};
use blankett::synth::scenario::{self, IdMode, Spec};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let pages: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(500);
    let dir = tempfile::tempdir()?;
    let pdf = args
        .next()
        .map_or_else(|| dir.path().join("big.pdf"), PathBuf::from);
    if !pdf.exists() {
        let started = Instant::now();
        let spec = Spec {
            documents: pages.div_ceil(2),
            forms: vec!["klinisk".into()],
            supplement_rate: 0.0,
            qualities: vec![Quality::Clean300],
            upside_down_rate: 0.05,
            typed_rate: std::env::var("BIG_SCAN_TYPED")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(Spec::default().typed_rate),
            format: FileFormat::Pdf,
            grey_codec: PageCodec::Jpeg(75),
            ids: IdMode::Seeded,
            prefix: "big".into(),
            ..Spec::default()
        };
        let batch = scenario::generate(500, &spec)?;
        let (_, bytes) = batch.files.first().ok_or("nothing generated")?;
        std::fs::write(&pdf, bytes)?;
        println!(
            "generated {} pages, {:.1} MB, in {:.0} s: {}",
            batch.page_count(),
            bytes.len() as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            pdf.display()
        );
    }
    // The binary next to this example: target/release/blankett.
    let exe = std::env::current_exe()?;
    let blankett = exe
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("blankett"))
        .ok_or("no target folder")?;
    let data = dir.path().join("data");
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e s, %M KB"])
        .arg(&blankett)
        .arg("intake")
        .arg("--data")
        .arg(&data)
        .arg(&pdf)
        .env("OMP_THREAD_LIMIT", "1")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let count = |status: &str| lines.iter().filter(|l| l["status"] == status).count();
    println!(
        "intake exit {:?}: {} pending, {} incomplete, {} unidentified",
        out.status.code(),
        count("pending"),
        count("incomplete"),
        count("unidentified")
    );
    println!(
        "OMP_THREAD_LIMIT=1 /usr/bin/time -f \"%e s, %M KB\" {} intake --data DIR {}",
        blankett.display(),
        pdf.display()
    );
    println!("{}", stderr.lines().last().unwrap_or_default());
    Ok(())
}
