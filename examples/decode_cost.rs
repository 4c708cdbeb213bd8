//! Cost of intake's first stage: decoding one page of a scanner PDF at 300 dpi, for JPEG (DCT), Flate and CCITT G4
//! pages, and the peak memory of reading a 500-page JPEG scanner PDF page by page.
//!
//! Run: `cargo run --release --example decode_cost [-- PAGES]` (PAGES per PDF for the timing, default 20).
//! The page is samples/forms/klinisk.pdf rasterised at 300 dpi (2480 x 3508) with scanner-like noise.

use blankett::intake::decode::{Limits, open};
use image::{GrayImage, ImageEncoder};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--measure") {
        measure(Path::new(&args[2]));
        return;
    }
    let pages: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("blankett-decode-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");

    let form = open(Path::new("samples/forms/klinisk.pdf"), &Limits::default())
        .and_then(|s| s.page(0))
        .expect("samples/forms/klinisk.pdf (run from the repository root)");
    let grey = scanned(&form.image);
    let (w, h) = grey.dimensions();
    println!("page: {w} x {h} px, rasterised from klinisk.pdf with noise");

    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 75)
        .write_image(grey.as_raw(), w, h, image::ExtendedColorType::L8)
        .expect("JPEG");
    let flate = miniz_oxide::deflate::compress_to_vec_zlib(&png_up(grey.as_raw(), w as usize), 6);
    let g4 = g4(&grey);
    let kinds = [
        (
            "JPEG (DCT) grey 8 bit",
            jpeg.clone(),
            "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode".to_string(),
        ),
        (
            "Flate grey 8 bit, PNG predictor",
            flate,
            format!(
                "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode \
                 /DecodeParms << /Predictor 15 /Columns {w} >>"
            ),
        ),
        (
            "CCITT G4 1 bit",
            g4,
            format!(
                "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode \
                 /DecodeParms << /K -1 /Columns {w} /Rows {h} >>"
            ),
        ),
    ];
    for (name, data, dict) in &kinds {
        let path = dir.join("timing.pdf");
        write_pdf(&path, pages, w, h, data, dict);
        let started = Instant::now();
        let src = open(&path, &Limits::default()).expect("open");
        let opened = started.elapsed();
        let mut times: Vec<Duration> = (0..src.count())
            .map(|i| {
                let t = Instant::now();
                let page = src.page(i).expect("page");
                std::hint::black_box(page);
                t.elapsed()
            })
            .collect();
        times.sort();
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "{name:34} {:>7} KB/page  open {:>6.1} ms  per page: median {:>5.1} ms, mean {:>5.1} ms, min {:>5.1} ms",
            data.len() / 1024,
            ms(opened),
            ms(times[times.len() / 2]),
            ms(mean),
            ms(times[0])
        );
    }

    let big = dir.join("500.pdf");
    write_pdf(&big, 500, w, h, &jpeg, &kinds[0].2);
    let size = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0);
    println!(
        "500-page JPEG PDF ({} MB): measuring in a fresh process",
        size >> 20
    );
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("--measure")
        .arg(&big)
        .output()
        .expect("child");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Open a PDF and decode every page, one at a time; report time and peak resident memory (VmHWM).
fn measure(path: &Path) {
    let started = Instant::now();
    let src = open(path, &Limits::default()).expect("open");
    let opened = started.elapsed();
    let rss_open = status_kb("VmRSS");
    for i in 0..src.count() {
        std::hint::black_box(src.page(i).expect("page"));
    }
    let total = started.elapsed();
    println!(
        "  {} pages: open {:.0} ms (resident after open {} MB), all pages {:.1} s, {:.1} ms/page; peak resident {} MB",
        src.count(),
        ms(opened),
        rss_open / 1024,
        total.as_secs_f64(),
        ms(total) / src.count() as f64,
        status_kb("VmHWM") / 1024
    );
}

fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Paper tone and sensor noise, as a grey scan has.
fn scanned(page: &GrayImage) -> GrayImage {
    let mut state = 0x2545_F491u32;
    GrayImage::from_fn(page.width(), page.height(), |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let v = f32::from(page.get_pixel(x, y).0[0]) * 0.92 + 12.0 + (state % 13) as f32 - 6.0;
        image::Luma([v.clamp(0.0, 255.0) as u8])
    })
}

/// PNG "Up" filter on every row, as PDF writers with /Predictor 15 often choose for scans.
fn png_up(data: &[u8], row: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / row);
    for (r, line) in data.chunks(row).enumerate() {
        out.push(2);
        for (i, &v) in line.iter().enumerate() {
            let above = if r == 0 { 0 } else { data[(r - 1) * row + i] };
            out.push(v.wrapping_sub(above));
        }
    }
    out
}

/// The page thresholded, with the speckle a bilevel scan or fax has (0.3 % of pixels flipped to black).
fn g4(page: &GrayImage) -> Vec<u8> {
    let mut state = 0x9E37_79B9u32;
    let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in page.rows() {
        let colours = row.map(|p| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if p.0[0] < 128 || state % 1000 < 3 {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        });
        enc.encode_line(colours, page.width()).expect("encode");
    }
    enc.finish().expect("finish").finish()
}

/// A scanner-like PDF, written object by object: `n` A4 pages, each its own copy of the image.
fn write_pdf(path: &PathBuf, n: usize, w: u32, h: u32, data: &[u8], dict: &str) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut offsets = Vec::new();
    let mut pos = 0usize;
    let mut put = |out: &mut std::io::BufWriter<std::fs::File>, bytes: &[u8]| {
        out.write_all(bytes).expect("write");
        pos += bytes.len();
        pos
    };
    let mut at = put(&mut out, b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
    let mut object =
        |out: &mut std::io::BufWriter<std::fs::File>, at: &mut usize, body: &[&[u8]]| {
            offsets.push(*at);
            let id = offsets.len();
            *at = put(out, format!("{id} 0 obj\n").as_bytes());
            for part in body {
                *at = put(out, part);
            }
            *at = put(out, b"\nendobj\n");
        };
    let content = b"q 595.276 0 0 841.89 0 0 cm /Im0 Do Q";
    // 1: catalog, 2: page tree, then per page: image, content, page.
    object(&mut out, &mut at, &[b"<< /Type /Catalog /Pages 2 0 R >>"]);
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 5 + 3 * i)).collect();
    object(
        &mut out,
        &mut at,
        &[format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).as_bytes()],
    );
    for i in 0..n {
        let image = format!(
            "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} {dict} /Length {} >>\nstream\n",
            data.len()
        );
        object(&mut out, &mut at, &[image.as_bytes(), data, b"\nendstream"]);
        let stream = format!("<< /Length {} >>\nstream\n", content.len());
        object(
            &mut out,
            &mut at,
            &[stream.as_bytes(), content, b"\nendstream"],
        );
        let page = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] /Contents {} 0 R \
             /Resources << /XObject << /Im0 {} 0 R >> >> >>",
            4 + 3 * i,
            3 + 3 * i
        );
        object(&mut out, &mut at, &[page.as_bytes()]);
    }
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for o in &offsets {
        xref.push_str(&format!("{o:010} 00000 n \n"));
    }
    xref.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{at}\n%%EOF\n",
        offsets.len() + 1
    ));
    put(&mut out, xref.as_bytes());
    out.flush().expect("flush");
}
