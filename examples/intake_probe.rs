//! Development probe: identify and align the pages of a PDF rasterised by pdftoppm. Usage: intake_probe FILE.pdf DPI
use blankett::intake::decode::ScanPage;
use blankett::intake::{align, identify};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dpi: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png", &args[1]])
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for (i, f) in files.iter().enumerate() {
        let mut img = image::open(f).unwrap().to_luma8();
        if args.get(3).is_some_and(|a| a == "flip") {
            img = image::imageops::rotate180(&img);
        }
        let page = ScanPage {
            index: i,
            image: img,
            dpi: dpi as f32,
            bilevel: false,
        };
        let t = Instant::now();
        let id = identify::identify(&page);
        let t_id = t.elapsed();
        match id {
            identify::Identification::Identified(id) => {
                let t = Instant::now();
                let al = align::align(&page, &id.qr_pairs());
                println!(
                    "page {i}: {} rot {:.2} orient {} hits {} corners {:?} | identify {:?} align {:?}",
                    id.stamp.encode(),
                    id.rotation_deg,
                    id.orientation,
                    id.hits.len(),
                    id.hits[0].corners,
                    t_id,
                    t.elapsed()
                );
                match al {
                    Ok(a) => println!(
                        "   marks {} residual {:.3} mm scale {:.3} px/mm rot {:.2} paper {}",
                        a.marks_found,
                        a.residual_mm,
                        a.transform.scale(),
                        a.transform.rotation_deg(),
                        a.paper
                    ),
                    Err(e) => println!("   align error {e}"),
                }
            }
            identify::Identification::Unidentified { reason } => {
                println!("page {i}: unidentified: {reason}")
            }
        }
    }
}
