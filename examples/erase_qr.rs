//! Development aid: rasterise page 1 of a PDF at 200 dpi and paint over both QR codes, to exercise the
//! identification by printed text. Usage: erase_qr IN.pdf OUT.png
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = tempfile::tempdir().unwrap();
    std::process::Command::new("pdftoppm")
        .args([
            "-r",
            "200",
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            &args[1],
        ])
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    let mut img = image::open(dir.path().join("p.png")).unwrap().to_luma8();
    let px = |mm: f32| (mm / 25.4 * 200.0) as u32;
    for z in blankett::forms::page::QR_ZONES {
        for y in px(z.y - 1.0)..px(z.bottom() + 1.0) {
            for x in px(z.x - 1.0)..px(z.right() + 1.0) {
                img.put_pixel(x, y, image::Luma([255]));
            }
        }
    }
    img.save(&args[2]).unwrap();
}
