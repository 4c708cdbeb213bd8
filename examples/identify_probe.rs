//! Development probe: decode a scan file as intake does and identify each page; unidentified pages are saved
//! as PNG next to /tmp/unid-*. Usage: identify_probe FILE
use blankett::intake::{decode, identify};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let src = decode::open(std::path::Path::new(&args[1]), &decode::Limits::default()).unwrap();
    for (i, page) in src.pages().enumerate() {
        let page = page.unwrap();
        match identify::identify(&page) {
            identify::Identification::Identified(id) => {
                println!(
                    "p{}: {} rot {:.2} hits {}",
                    i + 1,
                    id.stamp.encode(),
                    id.rotation_deg,
                    id.hits.len()
                )
            }
            other => {
                println!("p{}: {other:?}", i + 1);
                page.image.save(format!("/tmp/unid-{}.png", i + 1)).unwrap();
                let (w, h) = page.image.dimensions();
                for (name, x, y) in [("tl", 0, 0), ("br", w - w / 4, h - h / 5)] {
                    let c = image::imageops::crop_imm(&page.image, x, y, w / 4, h / 5).to_image();
                    c.save(format!("/tmp/unid-{}-{name}.png", i + 1)).unwrap();
                }
            }
        }
    }
}
