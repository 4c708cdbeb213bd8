//! Intake stage 1: scan files to page images. Every input is made here, in a temporary directory: PNG, JPEG,
//! scanner-like PDFs (DCT, Flate with predictors, CCITT G4/G3), a vector PDF from `blankett print`, multi-page
//! TIFFs (grey, LZW/Deflate/PackBits, fax G4/G3 at 204x98 and 204x196 dpi), and every kind of bad file.

use blankett::intake::decode::{DecodeError, Format, Limits, PageSource, ScanPage, open};
use fax::encoder::Encoder;
use fax::maps::{black, white};
use fax::{BitWriter, Bits, Color, VecWriter};
use image::{GrayImage, ImageEncoder, Luma};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------------------------
// The test page: a frame, a dark square near each corner, and one more square right of the top-left one, so that
// a mirrored or turned page is told from an upright one. Positions are fractions of the width and height.

const MARKS: [(f32, f32); 5] = [
    (0.08, 0.06),
    (0.92, 0.06),
    (0.08, 0.94),
    (0.92, 0.94),
    (0.30, 0.06),
];
/// Places that stay white on an upright page (the centre, and the mirror images of the orientation mark).
const BLANK: [(f32, f32); 3] = [(0.5, 0.5), (0.70, 0.06), (0.30, 0.94)];

fn is_ink(w: u32, h: u32, x: u32, y: u32) -> bool {
    let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
    let half = 0.025;
    let in_mark = MARKS.iter().any(|&(mx, my)| {
        (fx - mx).abs() < half && (fy - my).abs() < half * w as f32 / h as f32 * 1.0
    });
    let t = (w / 300).max(2);
    let (m_x, m_y) = (w * 3 / 100, h * 3 / 100);
    let frame = (x >= m_x && x < w - m_x && y >= m_y && y < h - m_y)
        && (x < m_x + t || x >= w - m_x - t || y < m_y + t || y >= h - m_y - t);
    in_mark || frame
}

fn grey_page(w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        Luma([if is_ink(w, h, x, y) { 20 } else { 245 }])
    })
}

fn bilevel_page(w: u32, h: u32) -> Vec<Vec<bool>> {
    (0..h)
        .map(|y| (0..w).map(|x| is_ink(w, h, x, y)).collect())
        .collect()
}

fn dark_at(img: &GrayImage, fx: f32, fy: f32) -> bool {
    let (w, h) = img.dimensions();
    img.get_pixel((fx * w as f32) as u32, (fy * h as f32) as u32)
        .0[0]
        < 100
}

/// The page reads upright: every mark dark, the blank places light.
fn assert_upright(page: &ScanPage) {
    for (fx, fy) in MARKS {
        assert!(
            dark_at(&page.image, fx, fy),
            "page {}: mark at ({fx}, {fy}) is not dark",
            page.index
        );
    }
    for (fx, fy) in BLANK {
        assert!(
            !dark_at(&page.image, fx, fy),
            "page {}: ({fx}, {fy}) should be blank",
            page.index
        );
    }
}

fn limits() -> Limits {
    Limits::default()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    keep_as_fuzz_seed(name, bytes);
    path
}

/// With `BLANKETT_FUZZ_SEEDS=DIR`, every small file these tests make is kept as a seed for the decoder fuzz
/// target of its format (`scripts/fuzz.sh --seeds`): each compression and structure the tests write, the G3 and
/// PackBits that the scan generator does not, and the broken files too.
fn keep_as_fuzz_seed(name: &str, bytes: &[u8]) {
    let Some(dir) = std::env::var_os("BLANKETT_FUZZ_SEEDS") else {
        return;
    };
    if bytes.len() > 48 * 1024 {
        return;
    }
    let target = match blankett::intake::decode::Format::sniff(bytes) {
        Some(blankett::intake::decode::Format::Pdf) => "decode_pdf",
        Some(blankett::intake::decode::Format::Tiff) => "decode_tiff",
        Some(_) => "decode_image",
        None => return,
    };
    let folder = Path::new(&dir).join(target);
    std::fs::create_dir_all(&folder).unwrap();
    let hash = blankett::store::scans::sha256_hex(bytes);
    std::fs::write(folder.join(format!("{name}-{}", &hash[..8])), bytes).unwrap();
}

fn open_ok(path: &Path) -> PageSource {
    open(path, &limits()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn only_page(path: &Path) -> ScanPage {
    let src = open_ok(path);
    assert_eq!(src.count(), 1);
    src.page(0)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------------------------
// Encoders for the test files.

fn png(img: &GrayImage, ppm: Option<u32>) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    if let Some(ppm) = ppm {
        // pHYs goes after IHDR (8 + 25 bytes).
        let mut chunk = b"pHYs".to_vec();
        chunk.extend_from_slice(&ppm.to_be_bytes());
        chunk.extend_from_slice(&ppm.to_be_bytes());
        chunk.push(1);
        let mut bytes = 9u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(&crc32(&chunk).to_be_bytes());
        out.splice(33..33, bytes);
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn jpeg(img: &image::DynamicImage, dpi: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    if let Some(d) = dpi {
        enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(d));
    }
    // `write_image` with the image's own colour type: a grey image gives a one-component JPEG, as scanners write.
    enc.write_image(
        img.as_bytes(),
        img.width(),
        img.height(),
        img.color().into(),
    )
    .unwrap();
    out
}

fn colors(row: &[bool]) -> impl Iterator<Item = Color> + '_ {
    row.iter()
        .map(|&b| if b { Color::Black } else { Color::White })
}

fn g4(img: &[Vec<bool>]) -> Vec<u8> {
    let width = img[0].len() as u32;
    let mut enc = Encoder::new(VecWriter::new());
    for row in img {
        enc.encode_line(colors(row), width).unwrap();
    }
    enc.finish().unwrap().finish()
}

const EOL: Bits = Bits { data: 1, len: 12 };

fn write_run(w: &mut impl BitWriter, is_white: bool, mut n: u32) {
    let code = |n: u16| {
        if is_white {
            white::encode(n)
        } else {
            black::encode(n)
        }
        .unwrap()
    };
    while n >= 2560 {
        let _ = w.write(code(2560));
        n -= 2560;
    }
    if n >= 64 {
        let _ = w.write(code((n & !63) as u16));
        n &= 63;
    }
    let _ = w.write(code(n as u16));
}

fn write_1d(w: &mut impl BitWriter, row: &[bool]) {
    let (mut is_white, mut i) = (true, 0);
    while i < row.len() {
        let n = row[i..].iter().take_while(|&&b| b != is_white).count();
        write_run(w, is_white, n as u32);
        i += n;
        is_white = !is_white;
    }
}

/// Group 3 one-dimensional: an EOL before each line and an RTC (`eols`), or byte-aligned lines (TIFF 2).
fn g3_1d(img: &[Vec<bool>], eols: bool) -> Vec<u8> {
    let mut w = VecWriter::new();
    for row in img {
        if eols {
            w.write(EOL).unwrap();
        }
        write_1d(&mut w, row);
        if !eols {
            w.pad();
        }
    }
    for _ in 0..if eols { 6 } else { 0 } {
        w.write(EOL).unwrap();
    }
    w.finish()
}

/// Group 3 two-dimensional with K = 4: EOL and tag bit before each line, every fourth line one-dimensional.
fn g3_2d(img: &[Vec<bool>]) -> Vec<u8> {
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<Bits>>>);
    impl BitWriter for Shared {
        type Error = std::convert::Infallible;
        fn write(&mut self, bits: Bits) -> Result<(), Self::Error> {
            self.0.borrow_mut().push(bits);
            Ok(())
        }
    }
    let width = img[0].len() as u32;
    let shared = Shared::default();
    let mut enc = Encoder::new(shared.clone());
    let mut out = VecWriter::new();
    for (i, row) in img.iter().enumerate() {
        enc.encode_line(colors(row), width).unwrap();
        let two_d = std::mem::take(&mut *shared.0.borrow_mut());
        out.write(EOL).unwrap();
        out.write(Bits {
            data: u16::from(i % 4 == 0),
            len: 1,
        })
        .unwrap();
        if i % 4 == 0 {
            write_1d(&mut out, row);
        } else {
            two_d.into_iter().for_each(|b| out.write(b).unwrap());
        }
    }
    for _ in 0..6 {
        out.write(EOL).unwrap();
        out.write(Bits { data: 1, len: 1 }).unwrap();
    }
    out.finish()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Rows with PNG filters (cycling None, Sub, Up, Average, Paeth), as a PDF writer with /Predictor 15 does.
fn png_predict(data: &[u8], row_bytes: usize, bpp: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let zero = vec![0u8; row_bytes];
    for (r, row) in data.chunks(row_bytes).enumerate() {
        let prior = if r == 0 {
            &zero[..]
        } else {
            &data[(r - 1) * row_bytes..r * row_bytes]
        };
        let kind = (r % 5) as u8;
        out.push(kind);
        for i in 0..row_bytes {
            let a = if i >= bpp { i16::from(row[i - bpp]) } else { 0 };
            let b = i16::from(prior[i]);
            let c = if i >= bpp {
                i16::from(prior[i - bpp])
            } else {
                0
            };
            let pred = match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
            };
            out.push(row[i].wrapping_sub(pred as u8));
        }
    }
    out
}

fn pack_bits(img: &[Vec<bool>], black_is_1: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for row in img {
        for chunk in row.chunks(8) {
            let mut byte = 0u8;
            for (i, &b) in chunk.iter().enumerate() {
                if b == black_is_1 {
                    byte |= 0x80 >> i;
                }
            }
            out.push(byte);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// A PDF writer that controls every byte: object order, indirect lengths, junk before the header.

#[derive(Default)]
struct RawPdf {
    objects: Vec<Vec<u8>>,
}

impl RawPdf {
    fn add(&mut self, body: Vec<u8>) -> usize {
        self.objects.push(body);
        self.objects.len()
    }

    fn reserve(&mut self) -> usize {
        self.add(Vec::new())
    }

    fn set(&mut self, n: usize, body: Vec<u8>) {
        self.objects[n - 1] = body;
    }

    fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\nendstream");
        out
    }

    /// Bytes of the file; offsets count from `%PDF-`, after `junk`.
    fn finish(&self, root: usize, junk: &[u8]) -> Vec<u8> {
        let mut out = b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", self.objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                self.objects.len() + 1
            )
            .as_bytes(),
        );
        let mut file = junk.to_vec();
        file.extend_from_slice(&out);
        file
    }
}

/// One page of a scanner-like PDF: an image XObject and what the page draws.
struct ScanImage {
    /// The image dictionary without /Type, /Subtype and /Length.
    dict: String,
    data: Vec<u8>,
    /// MediaBox width and height in points.
    media: (f32, f32),
    rotate: i32,
    /// Content stream; `{W}` and `{H}` are replaced by the MediaBox size.
    content: &'static str,
    indirect_length: bool,
    /// Wrap the image in a form XObject /Fm0, as some scanner software does; `content` then draws /Fm0.
    in_form: bool,
}

const PLACE_IMAGE: &str = "q {W} 0 0 {H} 0 0 cm /Im0 Do Q";

fn scan(dict: String, data: Vec<u8>, media: (f32, f32)) -> ScanImage {
    ScanImage {
        dict,
        data,
        media,
        rotate: 0,
        content: PLACE_IMAGE,
        indirect_length: false,
        in_form: false,
    }
}

fn scan_pdf(pages: Vec<ScanImage>, junk: &[u8]) -> Vec<u8> {
    let mut pdf = RawPdf::default();
    let catalog = pdf.reserve();
    let tree = pdf.reserve();
    let font = pdf.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec());
    let mut kids = Vec::new();
    for p in pages {
        let image = if p.indirect_length {
            let len = pdf.add(p.data.len().to_string().into_bytes());
            let mut body = format!(
                "<< /Type /XObject /Subtype /Image {} /Length {len} 0 R >>\nstream\n",
                p.dict
            )
            .into_bytes();
            body.extend_from_slice(&p.data);
            body.extend_from_slice(b"\nendstream");
            pdf.add(body)
        } else {
            pdf.add(RawPdf::stream(
                &format!("/Type /XObject /Subtype /Image {}", p.dict),
                &p.data,
            ))
        };
        let size = |s: &str| {
            s.replace("{W}", &p.media.0.to_string())
                .replace("{H}", &p.media.1.to_string())
        };
        let content = pdf.add(RawPdf::stream("", size(p.content).as_bytes()));
        let form = if p.in_form {
            let dict = format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 {} {}] /Resources << /XObject << /Im0 {image} 0 R >> >>",
                p.media.0, p.media.1
            );
            format!(
                "/Fm0 {} 0 R",
                pdf.add(RawPdf::stream(&dict, size(PLACE_IMAGE).as_bytes()))
            )
        } else {
            String::new()
        };
        kids.push(pdf.add(
            format!(
                "<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {} {}] /Rotate {} /Contents {content} 0 R \
                 /Resources << /XObject << /Im0 {image} 0 R {form} >> /Font << /F1 {font} 0 R >> >> >>",
                p.media.0, p.media.1, p.rotate
            )
            .into_bytes(),
        ));
    }
    let refs: Vec<String> = kids.iter().map(|k| format!("{k} 0 R")).collect();
    pdf.set(
        tree,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            refs.join(" "),
            kids.len()
        )
        .into_bytes(),
    );
    pdf.set(
        catalog,
        format!("<< /Type /Catalog /Pages {tree} 0 R >>").into_bytes(),
    );
    pdf.finish(catalog, junk)
}

const A4_PT: (f32, f32) = (595.276, 841.89);

// ---------------------------------------------------------------------------------------------------------------
// A TIFF writer for pages the `tiff` crate cannot write: CCITT compression, fill order, mixed pages.

struct TiffPage {
    width: u32,
    height: u32,
    compression: u16,
    photometric: u16,
    bits: u16,
    /// Resolution (x, y) and unit (2 inch, 3 cm), if any.
    resolution: Option<(f32, f32, u16)>,
    t4_options: Option<u32>,
    fill_order: u16,
    rows_per_strip: u32,
    strips: Vec<Vec<u8>>,
}

fn fax_page(
    width: u32,
    height: u32,
    compression: u16,
    strips: Vec<Vec<u8>>,
    rows_per_strip: u32,
) -> TiffPage {
    TiffPage {
        width,
        height,
        compression,
        photometric: 0,
        bits: 1,
        resolution: None,
        t4_options: None,
        fill_order: 1,
        rows_per_strip,
        strips,
    }
}

fn write_tiff(pages: &[TiffPage]) -> Vec<u8> {
    let mut out = b"II*\0\0\0\0\0".to_vec();
    let mut link = 4usize; // where the offset of the next IFD goes
    for p in pages {
        let mut strip_offsets = Vec::new();
        for s in &p.strips {
            strip_offsets.push(out.len() as u32);
            out.extend_from_slice(s);
            if out.len() % 2 == 1 {
                out.push(0);
            }
        }
        let mut entries: Vec<(u16, u16, u32, u32)> = vec![
            (256, 4, 1, p.width),
            (257, 4, 1, p.height),
            (258, 3, 1, u32::from(p.bits)),
            (259, 3, 1, u32::from(p.compression)),
            (262, 3, 1, u32::from(p.photometric)),
            (266, 3, 1, u32::from(p.fill_order)),
            (277, 3, 1, 1),
            (278, 4, 1, p.rows_per_strip),
        ];
        let array = |out: &mut Vec<u8>, values: &[u32]| -> u32 {
            if values.len() == 1 {
                return values[0];
            }
            let at = out.len() as u32;
            values
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            at
        };
        let offsets = array(&mut out, &strip_offsets);
        let counts: Vec<u32> = p.strips.iter().map(|s| s.len() as u32).collect();
        let counts_at = array(&mut out, &counts);
        entries.push((273, 4, strip_offsets.len() as u32, offsets));
        entries.push((279, 4, counts.len() as u32, counts_at));
        if let Some((x, y, unit)) = p.resolution {
            for (tag, v) in [(282u16, x), (283, y)] {
                let at = out.len() as u32;
                out.extend_from_slice(&((v * 100.0).round() as u32).to_le_bytes());
                out.extend_from_slice(&100u32.to_le_bytes());
                entries.push((tag, 5, 1, at));
            }
            entries.push((296, 3, 1, u32::from(unit)));
        }
        if let Some(t4) = p.t4_options {
            entries.push((292, 4, 1, t4));
        }
        entries.sort_by_key(|e| e.0);
        let ifd = out.len() as u32;
        out[link..link + 4].copy_from_slice(&ifd.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        link = out.len();
        out.extend_from_slice(&[0; 4]);
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// PNG and JPEG

#[test]
fn png_resolution_from_phys_or_page_width() {
    let dir = tempfile::tempdir().unwrap();
    let img = grey_page(1654, 2339); // A4 at 200 dpi
    let with = only_page(&write(dir.path(), "a.png", &png(&img, Some(7874))));
    assert_eq!((with.dpi, with.bilevel), (200.0, false));
    assert_eq!(with.image.dimensions(), (1654, 2339));
    assert_upright(&with);
    assert_eq!(with.image, img, "PNG is lossless");
    // Without pHYs the width is taken as A4's; a camera's 72 dpi would make a 58 cm page and is ignored.
    assert_eq!(
        only_page(&write(dir.path(), "b.png", &png(&img, None))).dpi,
        200.0
    );
    assert_eq!(
        only_page(&write(dir.path(), "c.png", &png(&img, Some(2835)))).dpi,
        200.0
    );
    // Not named .png: the content decides.
    let renamed = open_ok(&write(dir.path(), "scan.pdf", &png(&img, None)));
    assert_eq!(renamed.format(), Format::Png);
}

#[test]
fn png_transparency_is_laid_on_white() {
    let dir = tempfile::tempdir().unwrap();
    let mut rgba = image::RgbaImage::from_pixel(1240, 1754, image::Rgba([0, 0, 0, 0]));
    for y in 100..200 {
        for x in 100..200 {
            rgba.put_pixel(x, y, image::Rgba([0, 0, 0, 255]));
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(rgba)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    let page = only_page(&write(dir.path(), "t.png", &bytes));
    assert_eq!(page.image.get_pixel(10, 10).0[0], 255);
    assert_eq!(page.image.get_pixel(150, 150).0[0], 0);
}

#[test]
fn jpeg_resolution_from_jfif_or_page_width() {
    let dir = tempfile::tempdir().unwrap();
    let img = image::DynamicImage::ImageLuma8(grey_page(1240, 1754)); // A4 at 150 dpi
    let with = only_page(&write(dir.path(), "a.jpg", &jpeg(&img, Some(150))));
    assert_eq!(
        (with.dpi, with.bilevel, with.image.dimensions()),
        (150.0, false, (1240, 1754))
    );
    assert_upright(&with);
    let without = only_page(&write(dir.path(), "b.jpg", &jpeg(&img, None)));
    assert_eq!(without.dpi, 150.0);
    // A colour photo of a form: grey out, resolution from the width.
    let colour = image::DynamicImage::ImageRgb8(img.to_rgb8());
    let photo = only_page(&write(dir.path(), "c.jpeg", &jpeg(&colour, Some(72))));
    assert_eq!(photo.dpi, 150.0);
    assert_upright(&photo);
}

// ---------------------------------------------------------------------------------------------------------------
// PDF: scanner images

fn jpeg_pdf_page(media: (f32, f32)) -> ScanImage {
    let img = image::DynamicImage::ImageLuma8(grey_page(1240, 1754));
    let dict =
        "/Width 1240 /Height 1754 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"
            .to_string();
    scan(dict, jpeg(&img, None), media)
}

#[test]
fn pdf_dct_resolution_from_mediabox() {
    let dir = tempfile::tempdir().unwrap();
    let at_200 = (1240.0 * 72.0 / 200.0, 1754.0 * 72.0 / 200.0);
    let img2pdf = (1240.0 * 72.0 / 96.0, 1754.0 * 72.0 / 96.0); // img2pdf's default for images without dpi
    let path = write(
        dir.path(),
        "dct.pdf",
        &scan_pdf(
            vec![
                jpeg_pdf_page(A4_PT),
                jpeg_pdf_page(at_200),
                jpeg_pdf_page(img2pdf),
            ],
            b"",
        ),
    );
    let src = open_ok(&path);
    assert_eq!((src.format(), src.count()), (Format::Pdf, 3));
    let pages: Vec<ScanPage> = src.pages().map(Result::unwrap).collect();
    // The scan's own pixels, not a re-rendering: 1240 x 1754 on every page.
    assert!(
        pages
            .iter()
            .all(|p| p.image.dimensions() == (1240, 1754) && !p.bilevel)
    );
    pages.iter().for_each(assert_upright);
    // A4 MediaBox: 150 dpi. A MediaBox 148 mm wide: 200 dpi, as the file says. img2pdf's 96 dpi would make the
    // page 33 cm wide: the width is taken as A4's instead.
    assert_eq!(
        pages.iter().map(|p| p.dpi).collect::<Vec<_>>(),
        vec![150.0, 200.0, 150.0]
    );
}

#[test]
fn pdf_rgb_jpeg_is_grey() {
    let dir = tempfile::tempdir().unwrap();
    let img = image::DynamicImage::ImageRgb8(
        image::DynamicImage::ImageLuma8(grey_page(1240, 1754)).to_rgb8(),
    );
    let dict =
        "/Width 1240 /Height 1754 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/DCTDecode]"
            .to_string();
    let page = only_page(&write(
        dir.path(),
        "rgb.pdf",
        &scan_pdf(vec![scan(dict, jpeg(&img, None), A4_PT)], b""),
    ));
    assert_upright(&page);
}

#[test]
fn pdf_flate_with_predictors() {
    let dir = tempfile::tempdir().unwrap();
    let img = grey_page(1240, 1754);
    let grey = zlib(&png_predict(img.as_raw(), 1240, 1));
    let grey_dict = "/Width 1240 /Height 1754 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter [/FlateDecode] \
                     /DecodeParms [<< /Predictor 15 /Columns 1240 /Colors 1 /BitsPerComponent 8 >>]";
    // RGB with the TIFF predictor: each sample is the difference from the pixel to its left.
    let rgb: Vec<u8> = img.as_raw().iter().flat_map(|&v| [v, v, v]).collect();
    let mut diff = rgb.clone();
    for row in diff.chunks_mut(1240 * 3) {
        for i in (3..row.len()).rev() {
            row[i] = row[i].wrapping_sub(row[i - 3]);
        }
    }
    let rgb_dict = "/Width 1240 /Height 1754 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode \
                    /DecodeParms << /Predictor 2 /Columns 1240 /Colors 3 >>";
    // 1 bit, 1 = black through /Decode [1 0].
    let bits = bilevel_page(1240, 1754);
    let mono_dict = "/Width 1240 /Height 1754 /ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0] \
                     /Filter /FlateDecode";
    let pdf = scan_pdf(
        vec![
            scan(grey_dict.into(), grey, A4_PT),
            scan(rgb_dict.into(), zlib(&diff), A4_PT),
            scan(mono_dict.into(), zlib(&pack_bits(&bits, true)), A4_PT),
        ],
        b"",
    );
    let src = open_ok(&write(dir.path(), "flate.pdf", &pdf));
    let first = src.page(0).unwrap();
    assert_eq!(
        first.image, img,
        "grey Flate with PNG predictors decodes exactly"
    );
    assert_eq!(first.dpi, 150.0);
    let second = src.page(1).unwrap();
    assert_eq!(
        second.image, img,
        "RGB Flate with the TIFF predictor decodes exactly"
    );
    let third = src.page(2).unwrap();
    assert!(third.bilevel);
    assert_upright(&third);
}

#[test]
fn pdf_ccitt_g4_g3_and_image_masks() {
    let dir = tempfile::tempdir().unwrap();
    let bits = bilevel_page(1240, 1754);
    let dict = |parms: &str, extra: &str| {
        format!(
            "/Width 1240 /Height 1754 /BitsPerComponent 1 {extra} /Filter /CCITTFaxDecode /DecodeParms << {parms} >>"
        )
    };
    let grey = "/ColorSpace /DeviceGray";
    let pages = vec![
        scan(
            dict("/K -1 /Columns 1240 /Rows 1754", grey),
            g4(&bits),
            A4_PT,
        ),
        // BlackIs1 turns the filter's output over; /Decode [1 0] turns it back.
        scan(
            dict(
                "/K -1 /Columns 1240 /BlackIs1 true",
                &format!("{grey} /Decode [1 0]"),
            ),
            g4(&bits),
            A4_PT,
        ),
        scan(
            dict("/K -1 /Columns 1240", "/ImageMask true"),
            g4(&bits),
            A4_PT,
        ),
        scan(
            dict("/K 0 /Columns 1240 /EndOfLine true", grey),
            g3_1d(&bits, true),
            A4_PT,
        ),
        scan(
            dict("/K 0 /Columns 1240 /EncodedByteAlign true", grey),
            g3_1d(&bits, false),
            A4_PT,
        ),
        scan(
            dict("/K 4 /Columns 1240 /EndOfLine true", grey),
            g3_2d(&bits),
            A4_PT,
        ),
    ];
    let src = open_ok(&write(dir.path(), "ccitt.pdf", &scan_pdf(pages, b"")));
    assert_eq!(src.count(), 6);
    let expected = GrayImage::from_fn(1240, 1754, |x, y| {
        Luma([if bits[y as usize][x as usize] { 0 } else { 255 }])
    });
    for page in src.pages() {
        let page = page.unwrap();
        assert!(page.bilevel);
        assert_eq!(page.dpi, 150.0);
        assert!(
            page.image == expected,
            "page {} differs from the encoded page",
            page.index
        );
    }
}

#[test]
fn pdf_scan_with_ocr_layer_rotation_and_form_wrapper() {
    let dir = tempfile::tempdir().unwrap();
    // A searchable scan: invisible text (render mode 3) over the image is still a scan.
    let mut ocr = jpeg_pdf_page(A4_PT);
    ocr.content =
        "q {W} 0 0 {H} 0 0 cm /Im0 Do Q BT 3 Tr /F1 12 Tf 72 700 Td (Klinisk anmalan) Tj ET";
    // /Rotate 90: shown turned a quarter clockwise, so the image comes out turned.
    let mut turned = jpeg_pdf_page(A4_PT);
    turned.rotate = 90;
    // Drawn upside down by its own matrix.
    let mut flipped = jpeg_pdf_page(A4_PT);
    flipped.content = "q -{W} 0 0 -{H} {W} {H} cm /Im0 Do Q";
    // Inside a form XObject, which is moved down by half a page and back.
    let mut wrapped = jpeg_pdf_page(A4_PT);
    wrapped.in_form = true;
    wrapped.content = "q 1 0 0 1 0 -400 cm q 1 0 0 1 0 400 cm /Fm0 Do Q Q";
    let src = open_ok(&write(
        dir.path(),
        "ocr.pdf",
        &scan_pdf(vec![ocr, turned, flipped, wrapped], b""),
    ));
    let ocr = src.page(0).unwrap();
    assert_eq!(
        (ocr.image.dimensions(), ocr.dpi),
        ((1240, 1754), 150.0),
        "taken out, not rendered at 300 dpi"
    );
    assert_upright(&ocr);
    let turned = src.page(1).unwrap();
    assert_eq!(turned.image.dimensions(), (1754, 1240));
    // The orientation mark (0.30, 0.06) of the upright page is now at (0.94, 0.30).
    assert!(dark_at(&turned.image, 0.94, 0.30) && !dark_at(&turned.image, 0.06, 0.30));
    let flipped = src.page(2).unwrap();
    assert!(dark_at(&flipped.image, 0.70, 0.94) && !dark_at(&flipped.image, 0.30, 0.06));
    let wrapped = src.page(3).unwrap();
    assert_eq!(
        (wrapped.image.dimensions(), wrapped.dpi),
        ((1240, 1754), 150.0)
    );
    assert_upright(&wrapped);
}

#[test]
fn pdf_image_with_indirect_length_after_leading_junk() {
    let dir = tempfile::tempdir().unwrap();
    let mut page = jpeg_pdf_page(A4_PT);
    page.indirect_length = true;
    let pdf = scan_pdf(
        vec![page, jpeg_pdf_page(A4_PT)],
        b"junk from a mail gateway\n",
    );
    let src = open_ok(&write(dir.path(), "junk.pdf", &pdf));
    for page in src.pages() {
        assert_upright(&page.unwrap());
    }
}

#[test]
fn pdf_offsets_miscounted_by_a_few_bytes_are_found() {
    // Three bytes slipped in before the first object: every offset in the table, and startxref, is 3 short.
    let dir = tempfile::tempdir().unwrap();
    let mut pdf = scan_pdf(vec![jpeg_pdf_page(A4_PT)], b"");
    let first = pdf.windows(7).position(|w| w == b"1 0 obj").unwrap();
    pdf.splice(first..first, *b"\n\n\n");
    let page = only_page(&write(dir.path(), "shifted.pdf", &pdf));
    assert_eq!(
        (page.image.dimensions(), page.dpi),
        ((1240, 1754), 150.0),
        "taken out, not rendered"
    );
    assert_upright(&page);
}

#[test]
fn pdf_page_with_visible_marks_is_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let mut a4 = jpeg_pdf_page(A4_PT);
    a4.content = "q {W} 0 0 {H} 0 0 cm /Im0 Do Q BT /F1 24 Tf 72 400 Td (Synlig text) Tj ET";
    // An A3 page: rendered at 300 dpi, which stands although a form is A4 (no estimate from the width).
    let mut a3 = jpeg_pdf_page((841.89, 1190.55));
    a3.content = a4.content;
    let src = open_ok(&write(
        dir.path(),
        "mixed.pdf",
        &scan_pdf(vec![a4, a3], b""),
    ));
    let page = src.page(0).unwrap();
    assert_eq!(page.dpi, 300.0);
    let (w, h) = page.image.dimensions();
    assert!(
        (2479..=2481).contains(&w) && (3507..=3509).contains(&h),
        "{w} x {h}"
    );
    assert_upright(&page);
    let a3 = src.page(1).unwrap();
    assert_eq!((a3.dpi, a3.image.width()), (300.0, 3508));
}

#[test]
fn encrypted_and_damaged_pdfs_go_to_poppler() {
    use lopdf::encryption::{EncryptionState, EncryptionVersion, Permissions};
    let dir = tempfile::tempdir().unwrap();
    let plain = scan_pdf(vec![jpeg_pdf_page(A4_PT), jpeg_pdf_page(A4_PT)], b"");
    // Encrypted with an empty user password, as scanners do to set permissions: the image data is encrypted.
    let mut doc = lopdf::Document::load_mem(&plain).unwrap();
    doc.trailer.set(
        "ID",
        vec![lopdf::Object::string_literal("0123456789abcdef"); 2],
    );
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "ägare",
        user_password: "",
        key_length: 128,
        permissions: Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let mut encrypted = Vec::new();
    doc.save_to(&mut encrypted).unwrap();
    // Damaged: every offset in the cross-reference table is wrong; Poppler rebuilds the table.
    let at = |needle: &[u8]| {
        plain
            .windows(needle.len())
            .rposition(|w| w == needle)
            .unwrap()
    };
    let (table, trailer) = (at(b"0000000000 65535 f"), at(b"trailer"));
    let mut damaged = plain.clone();
    damaged[table + 20..trailer]
        .iter_mut()
        .filter(|b| b.is_ascii_digit())
        .for_each(|b| *b = b'1');
    for (name, bytes) in [("encrypted.pdf", encrypted), ("damaged.pdf", damaged)] {
        let src = open_ok(&write(dir.path(), name, &bytes));
        assert_eq!(src.count(), 2, "{name}");
        let page = src.page(1).unwrap();
        assert_eq!(
            (page.dpi, page.image.width()),
            (300.0, 2481),
            "{name}: rendered by Poppler"
        );
        assert_upright(&page);
    }
}

#[test]
fn vector_form_from_blankett_print_is_rasterised() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("klinisk.pdf");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args([
            "print", "--form", "klinisk", "--region", "01", "--count", "1", "--out",
        ])
        .arg(&out)
        .arg("--data")
        .arg(dir.path().join("data"))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let src = open_ok(&out);
    assert_eq!(src.count(), 2);
    for page in src.pages() {
        let page = page.unwrap();
        let (w, h) = page.image.dimensions();
        assert!(
            (2479..=2481).contains(&w) && (3507..=3509).contains(&h),
            "{w} x {h}"
        );
        assert_eq!((page.dpi, page.bilevel), (300.0, false));
        let dark = page.image.pixels().filter(|p| p.0[0] < 128).count();
        assert!(
            dark > 10_000,
            "page {} is nearly blank ({dark} dark pixels)",
            page.index
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// TIFF

#[test]
fn tiff_grey_pages_with_lzw_deflate_and_packbits() {
    use tiff::encoder::{Compression, DeflateLevel, Rational, TiffEncoder, colortype};
    use tiff::tags::ResolutionUnit;
    let dir = tempfile::tempdir().unwrap();
    let img = grey_page(1240, 1754);
    let rgb: Vec<u8> = img.as_raw().iter().flat_map(|&v| [v, v, v]).collect();
    for (name, compression) in [
        ("lzw.tif", Compression::Lzw),
        ("deflate.tif", Compression::Deflate(DeflateLevel::Fast)),
        ("packbits.tif", Compression::Packbits),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        let mut enc = TiffEncoder::new(&mut bytes)
            .unwrap()
            .with_compression(compression);
        let mut page = enc.new_image::<colortype::Gray8>(1240, 1754).unwrap();
        page.resolution(ResolutionUnit::Inch, Rational { n: 150, d: 1 });
        page.write_data(img.as_raw()).unwrap();
        let mut page = enc.new_image::<colortype::RGB8>(1240, 1754).unwrap();
        page.resolution(ResolutionUnit::Centimeter, Rational { n: 5906, d: 100 }); // 150 dpi
        page.write_data(&rgb).unwrap();
        enc.write_image::<colortype::Gray8>(1240, 1754, img.as_raw())
            .unwrap(); // no resolution
        let src = open_ok(&write(dir.path(), name, bytes.get_ref()));
        assert_eq!((src.format(), src.count()), (Format::Tiff, 3), "{name}");
        for page in src.pages() {
            let page = page.unwrap();
            assert_eq!(page.image, img, "{name} page {}", page.index);
            assert_eq!(
                (page.dpi, page.bilevel),
                (150.0, false),
                "{name} page {}",
                page.index
            );
        }
    }
}

#[test]
fn tiff_fax_pages_are_resampled_to_square_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let normal = bilevel_page(1728, 1100); // 204 x 98 dpi: a page's rows are about twice as far apart
    let fine = bilevel_page(1728, 2200); // 204 x 196 dpi
    let mut g4_normal = fax_page(1728, 1100, 4, vec![g4(&normal)], 1100);
    g4_normal.resolution = Some((204.0, 98.0, 2));
    let mut g4_fine = fax_page(1728, 2200, 4, vec![g4(&fine)], 2200);
    g4_fine.resolution = Some((204.0, 196.0, 2));
    // Two-dimensional Group 3 with the bits of each byte reversed (FillOrder 2), resolution in pixels per cm.
    let mut g3_2d_page = fax_page(
        1728,
        1100,
        3,
        vec![g3_2d(&normal).iter().map(|b| b.reverse_bits()).collect()],
        1100,
    );
    g3_2d_page.t4_options = Some(1);
    g3_2d_page.fill_order = 2;
    g3_2d_page.resolution = Some((80.3, 38.5, 3));
    // One-dimensional Group 3 in strips of 128 rows, no resolution: fax width and shape tell 204 x 98.
    let strips: Vec<Vec<u8>> = normal.chunks(128).map(|rows| g3_1d(rows, true)).collect();
    let g3_1d_page = fax_page(1728, 1100, 3, strips, 128);
    // Modified Huffman without EOLs (compression 2), white as 1 (BlackIsZero).
    let inverted: Vec<Vec<bool>> = fine
        .iter()
        .map(|r| r.iter().map(|&b| !b).collect())
        .collect();
    let mut mh = fax_page(1728, 2200, 2, vec![g3_1d(&inverted, false)], 2200);
    mh.photometric = 1;
    mh.resolution = Some((204.0, 196.0, 2));
    // An uncompressed grey page in the same file.
    let grey = grey_page(1240, 1754);
    let grey_page_tiff = TiffPage {
        width: 1240,
        height: 1754,
        compression: 1,
        photometric: 1,
        bits: 8,
        resolution: Some((150.0, 150.0, 2)),
        t4_options: None,
        fill_order: 1,
        rows_per_strip: 1754,
        strips: vec![grey.as_raw().clone()],
    };
    // The first page is Group 3: the `tiff` crate must still find the grey page after it.
    let bytes = write_tiff(&[
        g3_2d_page,
        g4_normal,
        g4_fine,
        g3_1d_page,
        mh,
        grey_page_tiff,
    ]);
    let src = open_ok(&write(dir.path(), "fax.tif", &bytes));
    assert_eq!(src.count(), 6);
    let pages: Vec<ScanPage> = src.pages().map(Result::unwrap).collect();
    // 1100 rows at 98 dpi are 1100 * 204 / 98 = 2290 rows at 204 dpi; 2200 at 196: 2290 too. The cm figures
    // (80.3 and 38.5 per cm) give 1100 * 80.3 / 38.5 = 2294.
    let heights: Vec<u32> = pages.iter().map(|p| p.image.height()).collect();
    assert_eq!(heights, vec![2294, 2290, 2290, 2290, 2290, 1754]);
    assert!(
        pages[..5]
            .iter()
            .all(|p| p.image.width() == 1728 && p.dpi == 204.0 && p.bilevel)
    );
    assert!(
        pages[..5]
            .iter()
            .all(|p| p.image.pixels().all(|v| v.0[0] == 0 || v.0[0] == 255)),
        "stays bilevel"
    );
    assert_eq!((pages[5].dpi, pages[5].bilevel), (150.0, false));
    assert_eq!(pages[5].image, grey);
    pages.iter().for_each(assert_upright);
}

// ---------------------------------------------------------------------------------------------------------------
// Files from another encoder: libtiff. klinisk.pdf page 1 at 25 dpi, 1 bit (`pdftoppm -r 25 -mono -tiff`), then
// `tiffcp -c g3:2d:fill -f lsb2msb -r 60` (Group 3 2-D with EOL fill, bits reversed, min-is-black, strips of 60
// rows) and `tiffcp -c g4` + `tiff2pdf` (every stream length an indirect object).

const LIBTIFF_G3_2D_LSB_TIF: &str = "\
SUkqAA4PAAAAgFlhEgYAgAaAWWESBgCABoBZYRIGAIAGgFlhEgYAgBImYP2o4CUAgFnRDBOgoNOgAID+AYBZ0QwToKDToACA\
znCCjVNO4RROOYVTOBE8b+J6AIBZ0YzgwsPDhTMeHi5cuPBw4RgXLhzjwoEHg06DAoCOiCOOOCIiIuIYAIBZ0QwToEDAAgCA\
nlwOgFmB7owbhw0OPKgiYA6AEuY4CFT4uWgAgFlhHrtCuFr4oVBWK4CHNQTMAYCGQA9BNz4ETVzE9RCFi6EBgFlhjo/LhQsX\
rhZ+CBcuXLhaLVw48LBKhzkAgCIiIiIiIiIiohkaAIBZYQLW6TAHgB4AgFlhAtbpMAeAEhZDEVRQTcHUQj3FKadwyimcaj5c\
cJwPDwo/AIBZYY6rVhFYrdMiXC5cp577hGtgIZfDHACAImHgCBMHQ0EwCBGRhGPi4MTBiie6QKAHgFlhEgYAgBImwAQPgFlh\
AtjxcNgAgCIGgFlhEgYAgAaAWWECpnw8fFwul2uEy2EDgBJ8k5e+9BCEKwCAWcFx4IGOAw/BYQYAgD4GgFnB8XHh4wrhCuEK\
4XKFcGDHgYd1AIAex//xfQCAWcFxFAceBg48rAOAjgSa6gCAWcFx4Bk3bg8PBx7WAYDOfRCowx8AgFnB8fDw/BAuXHi4cLlx\
4fk+LhyGhwvfw8OBh3UAgI6IiIiIiIiIePwTghN0PACAWcFx4Bk3bg8PB8HDhQsPFy5cOPAYAIDOcYZzp53hZJzCyTiNcyfj\
EfGIiIiIAYBZwXHggY4DD+sAgD5BgdM4jVM4EZzCGR4AgFnBceCBjkNC+K5K+CuYAIBO2MxxpNA+AIBZwXHYuFw40OBggQOP\
AoBODgqnnOElCGriIi7iIi76dBGfOBNn4iIO0zEAgFnBcdi43Dho4MDDOgCAHuOEDGuOB4BZwXHggY5DpgYeDACAPmIAgFnB\
8R14WOAwgwsPB94AgO40znEKZ81xCudBOeUMp5zjHGfOnXIK5ziF0z7hTuGUc5xPBAcAgFnBcVjGgQSHz7hcowy8AIBOmMWR\
sOQjImIAgFnB8XDhwseFj4/f4eG53DHOLlwuXLhCuH2ccOBhHQCAjiMiIiIiIvqIiIh4AIBZwXHggY4DD+sAgE7jFM5xHgeA\
WcFx4IGOAw/rAIB+AIBZwXHggY4DD+sAgH4AgFnBceCBjgMP6wCAfgCAWcE3GXhYB4BiAIBZYRIGAIAGgFlhEgYAgAaAWWES\
BgCABoBZwcCDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDwQCAmriIKyIiIiIiIiIiIiIiIiIiIiIi\
IiIGgFlh4OHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHhMACAIiIiIiIiIiIiIiIiIiIiIiIi\
IiIiImIAgFnBwMPDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PBAIAiIiIiIiIiIiIiIiIiIiIi\
IiIiIiIiBoBZYRIGAIASHA+AWWHgxoWPK2ACTAGAIiJiAIBZwQ/GwQSsAYAm7hSeuAeAWcFx4xrhGDcuDxcuH9/D5ft4Lly4\
cOGMCwceTACAPgzhIyIioiPiiIgYAIBZwXHjMHDjMAFrAIDGcQCAWWESBgCABoBZYeDh4eHh4eHh4eHh4eHh4eHh4eHh4eHh\
4eHh4eHh4eHh4eHh4eHh4eHh4eHh4TAAgCIiIiIiIiIiIiIiIiIiIiIiIiIiIiJiAIBZwcBfwsPDw8PDw8PDw8PDw8PDw8PD\
w8PDw8PDw8PDw8PDw8PDw8PDw8PDwQCAShBxRURERERERERERERERERERERERMQAgFlh4OF7eHh4eHh4eHh4eHh4eHh4eHh4\
eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg4DACAIiIiIiIiIiIiIiIiIiIiIiIiIiIiImIAgFlhEgYAgAaAWWESBgCABoBZYY4L\
Fy48PFw4goeHM45x4cLDGQ8PFw6CCxcuXLjwcOEYFx4ezrhw4eHhYAqAIiIiIiIiIkqIiIiIiIiIiIiIGACAWWESBgCAEtwD\
gFlh4OHCYQI0AIAiYgCAWcEPGAf0A/oB44B+sAyAJu6Je+KeuCfuiXsAgFnBcePCQYE7wI7bw4WDgRuXgx23gwI3DsGBDoD+\
FM6cwinnfohyhnOc46+/c+f4TeEUTuFPOeUgyMRBAYBZwXHjKA46bhzouHGg48YZhzluHOi4cVgGgMYYxzHGcQCAWWESBgCA\
EvwIjCPQj0A/AuMI9AuAWcFx48DAjQMdNw503DgwcONAx43DMgCAPiH+hOD3U39TzXEKp+YDgFnBceOHXAGCG5fL5cJBcON2\
xoVDcOPCx4ULBx23H+PjCuGEGxdulwMdAIA+Ij4i4iPiIyJeiIj4iBgAgFnBDxgH9AP6AeOAfrAMgCIiIgaAWcEPGAf0A/oB\
D1YAgCbuiXvinrgHgFnBcePAwB1gxx1gx43LgYdZAIA+xymcwjnO8YvCKZzhN8cZTjmFf1E45QwPgFnBcePGYYEbBzpunHEg\
cOMQHHjYAIDGGMcYYwCAWWESBgCABoBZwXGYhB0AgJp4xCMecRE38YhP3MRFHCbAAgCAWWESBgCAEjyhB4BZwXF2dnZ2dnbG\
2dnZ2dnZ2dnZ7ezs7Ozs7IzDNACA/v//////HwCAWcFxdnZ2dnZ2xtnZ2dnZ2dnZ2e3s7Ozs7OyMwzQAgP7//////x8AgFnB\
cXZ2dnZ2dsbZ2dnZ2dnZ2dnt7Ozs7OzsjMM0AID+//////8fAIBZwXF2dnZ2dnbG2dnZ2dnZ2dnZ7ezs7Ozs7IzDNACARkRE\
REREREREREREHACAWWESBgCABoBZYRIGAIAGgFnBwBfj4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh\
YACAyomLo4iIiIiIiIiIiIiIiIiIiIiIiIiIAYBZYeDh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh\
4eHh4TAAgCIiIiIiIiIiIiIiIiIiIiIiIiIiIiJiAIBZwcDDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PD\
w8PDw8PDwQCAIiIiIiIiIiIiIiIiIiIiIiIiIiIiIgaAWWESBgCABoBZYfi4cOEwAeQAgCIiBoBZwQ8YA1YHPJADgCbulCde\
yhN3ygOAWcFx4+FyCI7x8D1cuHHhKE648UO4cBQHHlYBgD4iPiKO+IiIAYBZwXHjwMDDwQo3DjyQA4DGcRwAgFlhEgYAgAaA\
WcEdwYULDxfOuHDhwmECLAGAOgg0tiRRMY4ETTwAgFlhEgYAgBJcgzHoI/gRcgGAWcFxdnZ2dnZ2xhkPZ2dnZ9y4cXDcOAQ3\
DloAgP7///8ffsoDgFnBcXZ2dnZ2dsYZD2dnZ2fcuHG5ccLtwjFuXC58HNgBgP7/D/1/xAsfEQOAWcFxdnZ2dnZ2xhkPZ2dn\
Z9wHfpADLQCA/v//PyIGAIBZwXF2dnZ2dnbGGQ9nZ2dnHHjYBoBGREREHBFxAIBZYRIGAIAGgFlhEgYAgBIcD4BZwfHxcMYZ\
H4cJ2AKAIiIiBoBZwRM6TAOAJs50pjOd6UxnOhNnOtOZznSmM53pTGe66UxnOtOZznSm8wCAWcFxdnZ2dnZ2xtnZ2dnZ2dnZ\
2e3s7Ozs7OyMwzQAgP7//////x8AgFnBcXZ2dnZ2dsbZ2dnZ2dnZ2dnt7Ozs7OzsjMM0AID+//////8fAIBZwXF2dnZ2dnbG\
2dnZ2dnZ2dnZ7ezs7Ozs7IzDNACARkREREREREREREREHACAWWESBgCABoBZYRIGAIASBh4AgFnBh10uXA4ToAqAYiFiAIBZ\
wRM6TAOAJs50pjOd6UxnOhNnOtOZznSmM53pTGe66UxnOtOZznSm8wCAWcFxdnZ2dnZ2xtnZ2dnZ2dnZ2e3s7Ozs7OyMwzQA\
gP7//////x8AgFnBcXZ2dnZ2dsbZ2dnZ2dnZ2dnt7Ozs7OzsjMM0AID+//////8fAIBZwXF2dnZ2dnbG2dnZ2dnZ2dnZ7ezs\
7Ozs7IzDNACA/v//////HwCAWcETOkwDgGIAgFlhEgYAgBLcCTYeAIBZQXfhGIdZXCEcJmAAgCIiIgaAWcHpLd6gYAuAJs50\
pvPEmc4TZ+JMZzrTmc50pjOd6Uw3nelMZzrTeQCAWcFxdnbGw9kZN844Ozs7Ozs7Ozu7nZ2dnZ1xsAWA/v//////B4BZwXF2\
dsbD2Rk3zjg7Ozs7Ozs7O7udnZ2dnXGwBYD+//////8HgFnBcXZ2xsPZGTfOODs7Ozs7Ozs7u52dnZ2dcbAFgP7//////weA\
WcHpLd6gYAuAImIAgFlhEgYAgBIcJ/AIThQnzPEAgFlBx4ULBz4PL8YVey4ceGAAgCIiIiIiYgCAWcH3eGNgFQCAJs50pjOd\
6UxnOhNnOtN54kxnOtOZznTTmc50pjOd6TwAgFnBcXZ2dnZ2dsbZ2Rk3zs7Ozs5uZ2dnZ2dnHFYBgP7//////weAWcFxdnZ2\
dnZ2xtnZGTfOzs7Ozm5nZ2dnZ2ccVgGA/v//////B4BZwXF2dnZ2dnbG2dkZN87Ozs7ObmdnZ2dnZxxWAYD+//////8HgFnB\
93hjYBUAgCIGAIBZYRIGAIAGgFlhEgYAgAaAWWESBgCABoBZYRIGAIAGgFlhEgYAgAaAWWESBgCABoBZYRIGAIAGgFlhEgYA\
gAaAWWESBgCABoBZYRIGAIAGgFlhEgYAgAaAWWEuzjAB6wCAxgGAWWFOhwlYB4AeAIBZYf6CYQLWAYDGAYBZYU6HCVgHgFYA\
gFlhTocJWAeAmlkMDYBZYbHcMAHrAIDGAYBZYU6HCVgHgCahBB7WcIIFHgCAWWFOBx5MccaFQ3GMh8MGAICOiIgYAIBZYU6H\
CVgHgE7gQRUnO3cKp3CGU005MU7GA4BZ0SE68LDAw40Lt+8QnIODcLldeIMCgD4iIiIiIiIeAIBZ0aEil98wAVODAoCOiHgA\
gFlhEgYAgAaAWWESBgCABoBZYRIGAIAGgFlhEgYAgAaAWWESBgAQAAABAwABAAAAzwAAAAEBAwABAAAAJQEAAAIBAwABAAAA\
AQAAAAMBAwABAAAAAwAAAAYBAwABAAAAAQAAAAoBAwABAAAAAgAAABEBBAAFAAAA+A8AABIBAwABAAAAAQAAABUBAwABAAAA\
AQAAABYBAwABAAAAPAAAABcBBAAFAAAA5A8AABoBBQABAAAA1A8AABsBBQABAAAA3A8AABwBAwABAAAAAQAAACQBBAABAAAA\
BQAAACgBAwABAAAAAgAAAAAAAAAZAAAAAQAAABkAAAABAAAA+gIAALYDAAC/AwAAWgMAADwBAAAIAAAAAgMAALgGAAB3CgAA\
0Q0AAA==";

const TIFF2PDF_G4_PDF: &str = "\
JVBERi0xLjEgCiXi48/TCjEgMCBvYmoKPDwgCi9UeXBlIC9DYXRhbG9nIAovUGFnZXMgMyAwIFIgCj4+CmVuZG9iagoyIDAg\
b2JqCjw8IAovQ3JlYXRpb25EYXRlIChEOjIwMjYxMTIyMTIwNjQxKQovTW9kRGF0ZSAoRDoyMDI2MTEyMjEyMDY0MSkKL1By\
b2R1Y2VyIChsaWJ0aWZmIC8gdGlmZjJwZGYgLSAyMDIyMTIxMykKPj4gCmVuZG9iagozIDAgb2JqCjw8IAovVHlwZSAvUGFn\
ZXMgCi9LaWRzIFsgNCAwIFIgXSAKL0NvdW50IDEgCj4+IAplbmRvYmoKNCAwIG9iago8PAovVHlwZSAvUGFnZSAKL1BhcmVu\
dCAzIDAgUiAKL01lZGlhQm94IFswLjAwMDAgMC4wMDAwIDU5Ni4xNjAwIDg0My44NDAwXSAKL0NvbnRlbnRzIDUgMCBSIAov\
UmVzb3VyY2VzIDw8IAovWE9iamVjdCA8PAovSW0xIDcgMCBSID4+Ci9Qcm9jU2V0IFsgL0ltYWdlQiBdCj4+Cj4+CmVuZG9i\
ago1IDAgb2JqCjw8IAovTGVuZ3RoIDYgMCBSIAogPj4Kc3RyZWFtCnEgIDU5Ni4xNjAwIDAuMDAwMCAwLjAwMDAgODQzLjg0\
MDAgMC4wMDAwIDAuMDAwMCBjbSAvSW0xIERvIFEKCmVuZHN0cmVhbQplbmRvYmoKNiAwIG9iago2MgplbmRvYmoKNyAwIG9i\
ago8PCAKL0xlbmd0aCA4IDAgUiAKL1R5cGUgL1hPYmplY3QgCi9TdWJ0eXBlIC9JbWFnZSAKL05hbWUgL0ltMQovV2lkdGgg\
MjA3Ci9IZWlnaHQgMjkzCi9CaXRzUGVyQ29tcG9uZW50IDEKL0NvbG9yU3BhY2UgL0RldmljZUdyYXkgCi9GaWx0ZXIgL0ND\
SVRURmF4RGVjb2RlIC9EZWNvZGVQYXJtcyA8PCAvSyAtMSAvQ29sdW1ucyAyMDcgL1Jvd3MgMjkzIC9CbGFja0lzMSB0cnVl\
ID4+CiA+PgpzdHJlYW0KJqGSGP/5DIDX4qD0yLOIyWf//5hyDY5TlDlDlOUOUORB57I6/iTHKHMOYcocmOYcw5Q5Q4Ij2hF/\
CC4j/ERxHEcRERERx8RGvk6eJFcmOWOQ2DseQzjggVD86LxVlQUOClDngqCpwZUR8IF4QXY+EFkdEdeEUOjC+wX+ggX//+PE\
REREREREREWYXQ//IaMKIKgqygytCvKOU5Q5TlDlWfDoOOfDwUP6I6HFlAyrpD/hlXTQRHQ4Ip8SGBxDI4MKCDBCIiSHGRwc\
jg1HkXQIF8REREREREchkAyD4ljmHxH8hkBlOccw5xynKcpysKHKfIPsnpfS8IIdcjgeBeIiIiIcR/HzjlDnHKgocqChyoKH\
KcqCh/44/+Pv8WCERERH8SBZV/I7I7L3874IFcP/cw5nPBQ5Q5Q5hyhynLHKHM53OOUPdAiPhf4iIiIiIiIiI8f5CDkFx/qF\
+JxzDlDlDhBZQ5Q/nHMOdy3MOTHKHJjljncmPER4iIiIj4iIiIiIiP+QUDljljlDkQcocw/5CQUOdwQiMoc+vkNmccShb/gi\
nKHxIYHER8nBQ5TmHpBBWR0R0R0R0Xy6I+RzI5kdEcMuPiIjajiIiIiI/xjkJhrOP4/j+I+d8hmDlDmH9yxzjlDms45Q54Kc\
pzDlOcc45nO5TlDnHKHLfIdyhynOOfIg/ERERERoRERERER4sIK/8hmjiQ0nxERHzDlDlDnHKHOOcc9pGHM5Tlwccm5Q5TlD\
lDhIoctzj/jiIiIiIiIviIiIj+Ij+WOUOcc8fiIj/////8eP/+QYHMGYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDm\
HMOYcw5hzDmHMOYcw5hzDmHMOYcw5h9kdEdREREREREREREREREREREREREREcECaZHiPBGHMOYcw5hzDmHMOYcw5hzDmHMO\
Ycw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw+IiIiIiIiIiIiIiIiIiIiIiIiIiIiIjkGBzDmHMOYcw5hzDmH\
MOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzD4iIiIiIiIiIiIiIiIiIiIiIiIiIiIj5B\
x9kdkdEfI6MBkAyxERHIPxDHcjuUPI7/ziI4+U5hyhynOOdzDlOdzjmcococococmOUP+GEPiIiIi4iOIiI/j4jxx4j5DA5h\
zDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzD4iIiIiIiIiIiIiIiI\
iIiIiIiIiIiIiOQYHPoYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5h9IIjqI\
iIiIiIiIiIiIiIiIiIiIiIiIjpMj5eI8EYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDm\
HMOYcw5hzD4iIiIiIiIiIiIiIiIiIiIiIiIiIiIiP/kM45Q5Q5Q5hzDlDkQcw5hyY5GOUOUOYcmOYcw5Q5BByhyhyhyhyhzD\
lDkY5Q5hzDkxyhyhzDmHxERERERERFIRERERERERERERHHIO+5hyh8RHIPxAxxAvxAvxAxxAv3I7yO8jvI7yO8jv+UPw+zDl\
D+U/fkIP/lDmcocpzvwinMOcc4/r+53OP2UOUOUP5TlOCCZHBR8RcRHxER6EfGh4QiPiIjxjHHGMceIiIjkH4gY4gX4gX4gY\
4gX7kd5HeR3kd5HeR3/IR/IQfvyv7Ks45Q5Wf+eCnXynKcEF9FuTHKH+R8EUOUP77I6RQ/lDluU/4iPiIj4iPiIj0IiI+Ijx\
xxxxx4iIiOQfiBjiBfiBfuR3kd5HeR3/4fD8p/zjlDlDnHOP0UOUOYfs45hynKH+ihynMP+OIj0IjwWIj4iPxjHGMY4iI+Qc\
fZHiPEeI6I7I8R8jsjojhkA0RERERERyDyF+RzLmXMuZcy5lzI5lzLmXMuZcy5lzLmXZcy5lzLmXMuZc////////////////\
/////////////////////////////////////ERERERERERERERER4/5Bgc6DjmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDm\
HMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYfTkdHFERERERERERERERERERERERERERHQJJgkCMOYcw5hzDmHMOYcw5hzD\
mHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzD4iIiIiIiIiIiIiIiIiIiIiIiIiIiIiOQYHMOYcw5h\
zDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMOYcw5hzDmHMPiIiIiIiIiIiIiIiIiIiIiIiI\
iIiIiP5DDnHKHKHxERyD8QMYQau5Hcp5HpTyO5T/hkdFwhHH2zDlDljlDkUf2GUOUORR/xEfERxHxER/8f4448RHyDuRByhy\
hzDlDkxyhyhyh9wQLG0kioxxILI+IiIiIiOQdYMYL4g/EJ3I5lzLmXMuZcy5kc8jmXMuZc8jvI7yO//////8Pyn/////8pyx\
+ih/yhzj///4X/8R6HxEf//8P/xxx/////iI/////8RERERxER4j+QcfzjmHJjkxzj4iIiOQeQvyOZcy5lzLmXMuZHMuZcy5\
lzLmXMuZcy7LmXMuZcy5lzLn///////////////////////////////////////////+IiIiIiIiIiIiIiIjx/IYH0DJuU5Q\
5T40IjkHkL8jmXMuZcy5lzLmRzLmXMuZcy5lzLmXMuy5lzLmXMuZcy5/////////////////////////////////////////\
///////////+IiIiIiIiIiIiIiIjx8g7kGx8MuiOMjhmyoKHxEREcg5c2hewXkcy5lzyOZc8jmRzLmXMuZcy5lzLmXMuy5lz\
LmXMuf//////////////////////////////////////////////////iI4jiIiIiIiIiIjxEfIOOQPEHIo5DOPiUOUOUPZh\
4ZxyoO4ILxERERERHIPvC9jORzLmXMuZcy5lzI5lzLnkcy5lzLmXMuy5lzLmXMuZc///////////////////////////////\
////////////////////ERERERHERERERER4j///////5DOg8+P/59eP+u9maMLxEj/j15IUgeGsOQaB+MSEHJjlD5GOYfxE\
REf8geCqOTc7lDlDmHKspyMcmPkXMgeGgcw5Y5Q5bncXGMaE44IIQQWbPxERERERER/miLov/xER8R//+ACACAplbmRzdHJl\
YW0KZW5kb2JqCjggMCBvYmoKMjU2OQplbmRvYmoKeHJlZgowIDkgCjAwMDAwMDAwMDAgNjU1MzUgZiAKMDAwMDAwMDAxNiAw\
MDAwMCBuIAowMDAwMDAwMDY4IDAwMDAwIG4gCjAwMDAwMDAxOTQgMDAwMDAgbiAKMDAwMDAwMDI1OCAwMDAwMCBuIAowMDAw\
MDAwNDM0IDAwMDAwIG4gCjAwMDAwMDA1NTIgMDAwMDAgbiAKMDAwMDAwMDU3MCAwMDAwMCBuIAowMDAwMDAzMzk0IDAwMDAw\
IG4gCnRyYWlsZXIKPDwKL1NpemUgOQovUm9vdCAxIDAgUiAKL0luZm8gMiAwIFIgCi9JRFs8NkI4QjQ1NjczMjdCMjNDNjY0\
M0M5ODY5NjYzMzQ4NzM+PDZCOEI0NTY3MzI3QjIzQzY2NDNDOTg2OTY2MzM0ODczPl0KPj4Kc3RhcnR4cmVmCjM0MTQKJSVF\
T0YK";

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    digits
        .chunks(4)
        .flat_map(|q| {
            let n =
                q.iter().fold(0u32, |n, &c| n << 6 | u32::from(value(c))) << (6 * (4 - q.len()));
            n.to_be_bytes()[1..q.len()].to_vec()
        })
        .collect()
}

#[test]
fn files_from_libtiff_decode_alike() {
    let dir = tempfile::tempdir().unwrap();
    let g3 = only_page(&write(dir.path(), "g3.tif", &base64(LIBTIFF_G3_2D_LSB_TIF)));
    let g4 = only_page(&write(dir.path(), "g4.pdf", &base64(TIFF2PDF_G4_PDF)));
    for page in [&g3, &g4] {
        assert_eq!((page.image.dimensions(), page.bilevel), ((207, 293), true));
        assert!((page.dpi - 25.0).abs() < 0.1, "{}", page.dpi);
    }
    assert!(
        g3.image == g4.image,
        "two codecs and two containers give one page"
    );
    let dark = g3.image.pixels().filter(|p| p.0[0] == 0).count() as f64 / (207.0 * 293.0);
    assert!((0.03..0.4).contains(&dark), "{dark}");
    // The form's corner marks: dark squares near each corner, white paper at the very corners.
    for (x, y) in [(11, 11), (196, 10), (10, 281), (196, 280)] {
        assert_eq!(
            g3.image.get_pixel(x, y).0[0],
            0,
            "corner mark near ({x}, {y})"
        );
    }
    assert_eq!(g3.image.get_pixel(0, 0).0[0], 255);
}

// ---------------------------------------------------------------------------------------------------------------
// Limits and bad input: a clear error every time, never a panic.

fn fixtures(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let img = grey_page(620, 877);
    let jpg = jpeg(&image::DynamicImage::ImageLuma8(img.clone()), None);
    let dict =
        "/Width 620 /Height 877 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode";
    let tiff = write_tiff(&[fax_page(
        1728,
        1100,
        4,
        vec![g4(&bilevel_page(1728, 1100))],
        1100,
    )]);
    vec![
        ("png", write(dir, "f.png", &png(&img, None))),
        ("jpeg", write(dir, "f.jpg", &jpg)),
        (
            "pdf",
            write(
                dir,
                "f.pdf",
                &scan_pdf(vec![scan(dict.into(), jpg, (297.6, 420.96))], b""),
            ),
        ),
        ("tiff", write(dir, "f.tif", &tiff)),
    ]
}

#[test]
fn limits_are_checked_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(
        dir.path(),
        "three.pdf",
        &scan_pdf(
            vec![
                jpeg_pdf_page(A4_PT),
                jpeg_pdf_page(A4_PT),
                jpeg_pdf_page(A4_PT),
            ],
            b"",
        ),
    );
    let g = g4(&bilevel_page(1728, 1100));
    let tif = write(
        dir.path(),
        "three.tif",
        &write_tiff(&[0, 1, 2].map(|_| fax_page(1728, 1100, 4, vec![g.clone()], 1100))),
    );
    let two = Limits {
        max_pages: 2,
        ..limits()
    };
    for path in [&pdf, &tif] {
        assert!(
            matches!(open(path, &two), Err(DecodeError::TooManyPages(3))),
            "{}",
            path.display()
        );
        let src = open_ok(path);
        assert!(matches!(
            src.page(3),
            Err(DecodeError::NoSuchPage { page: 4, count: 3 })
        ));
    }
    let small = Limits {
        max_file_bytes: 1000,
        ..limits()
    };
    assert!(matches!(open(&pdf, &small), Err(DecodeError::TooLarge(_))));
    // A page over the pixel limit is refused by its declared size.
    let tight = Limits {
        max_page_pixels: 1_000_000,
        ..limits()
    };
    let src = open(&tif, &tight).unwrap();
    assert!(matches!(
        src.page(0),
        Err(DecodeError::PageTooLarge {
            page: 1,
            width: 1728,
            height: 1100
        })
    ));
}

#[test]
fn empty_and_text_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        open(&write(dir.path(), "empty.pdf", b""), &limits()),
        Err(DecodeError::Empty)
    ));
    let text = "Patientens namn: Anna Andersson\nPersonnummer: 19811218-9876\n".repeat(20);
    let err = open(&write(dir.path(), "notes.pdf", text.as_bytes()), &limits())
        .err()
        .unwrap();
    assert!(matches!(err, DecodeError::UnknownFormat));
    assert_eq!(err.to_string(), "filen är varken PDF, TIFF, PNG eller JPEG");
    assert!(matches!(
        open(&dir.path().join("missing.pdf"), &limits()),
        Err(DecodeError::Io(_))
    ));
}

#[test]
fn random_bytes_are_unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x9E37_79B9u32;
    let noise: Vec<u8> = (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    assert!(matches!(
        open(&write(dir.path(), "noise.bin", &noise), &limits()),
        Err(DecodeError::UnknownFormat)
    ));
}

/// Open and decode every page; any error is fine, a panic is not (and must not be turned into an error either:
/// that would mean a decoder of ours panicked).
fn decode_all(path: &Path) -> Result<usize, DecodeError> {
    let src = open(path, &limits())?;
    let mut ok = 0;
    for page in src.pages() {
        match page {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(
                    !e.to_string().contains("avkodaren avbröts"),
                    "{}: {e}",
                    path.display()
                );
                return Err(e);
            }
        }
    }
    Ok(ok)
}

#[test]
fn truncated_files_give_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, path) in fixtures(dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            decode_all(&path).unwrap(),
            1,
            "{kind} fixture decodes whole"
        );
        for keep in [bytes.len() / 2, bytes.len() / 10, 40, 9] {
            let cut = write(dir.path(), &format!("cut-{keep}-{kind}"), &bytes[..keep]);
            let result = decode_all(&cut);
            assert!(result.is_err(), "{kind} cut to {keep} bytes decoded");
        }
    }
}

#[test]
fn damaged_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 12345u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    for (kind, path) in fixtures(dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        for round in 0..30 {
            let mut damaged = bytes.clone();
            for _ in 0..(1 + round % 8) {
                let at = next() as usize % damaged.len();
                damaged[at] = next() as u8;
            }
            let file = write(dir.path(), &format!("damaged-{kind}-{round}"), &damaged);
            let _ = decode_all(&file);
        }
        // The right magic number followed by noise.
        let noise: Vec<u8> = bytes[..8]
            .iter()
            .copied()
            .chain((0..5000).map(|_| next() as u8))
            .collect();
        let _ = decode_all(&write(dir.path(), &format!("noise-{kind}"), &noise));
    }
}

#[test]
fn png_declaring_60000_pixels_square_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    bytes.extend_from_slice(&13u32.to_be_bytes());
    bytes.extend_from_slice(&ihdr);
    bytes.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let idat = [b"IDAT".as_slice(), &zlib(&[0; 1000])].concat();
    bytes.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    bytes.extend_from_slice(&idat);
    bytes.extend_from_slice(&crc32(&idat).to_be_bytes());
    let src = open_ok(&write(dir.path(), "huge.png", &bytes));
    assert!(matches!(
        src.page(0),
        Err(DecodeError::PageTooLarge {
            page: 1,
            width: 60000,
            height: 60000
        })
    ));
}

#[test]
fn tiff_declaring_60000_pixels_square_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    for compression in [1, 4, 5] {
        let mut page = fax_page(60000, 60000, compression, vec![vec![0; 100]], 60000);
        page.bits = 8;
        let src = open_ok(&write(dir.path(), "huge.tif", &write_tiff(&[page])));
        let err = src.page(0).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::PageTooLarge {
                    page: 1,
                    width: 60000,
                    height: 60000
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "sidan 1 är för stor (60000 x 60000 bildpunkter)"
        );
    }
}

#[test]
fn pdf_image_declaring_60000_pixels_square_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let dict = "/Width 60000 /Height 60000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode";
    let pdf = scan_pdf(vec![scan(dict.into(), zlib(&[0; 1000]), A4_PT)], b"");
    let src = open_ok(&write(dir.path(), "huge.pdf", &pdf));
    assert!(matches!(
        src.page(0),
        Err(DecodeError::PageTooLarge {
            page: 1,
            width: 60000,
            height: 60000
        })
    ));
}

#[test]
fn flate_bomb_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    // A 100 x 100 grey image whose stream inflates to 50 MB.
    let bomb = zlib(&vec![0u8; 50 << 20]);
    assert!(bomb.len() < 100_000);
    let dict =
        "/Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode";
    let pdf = scan_pdf(vec![scan(dict.into(), bomb, A4_PT)], b"");
    let src = open_ok(&write(dir.path(), "bomb.pdf", &pdf));
    let err = src.page(0).unwrap_err();
    assert!(matches!(err, DecodeError::Page { page: 1, .. }), "{err}");
    assert!(err.to_string().contains("mer än bilden kan rymma"), "{err}");
}

#[test]
fn pages_decode_from_several_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(
        dir.path(),
        "two.pdf",
        &scan_pdf(vec![jpeg_pdf_page(A4_PT), jpeg_pdf_page(A4_PT)], b""),
    );
    let src = open_ok(&pdf);
    shareable(&src);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                s.spawn({
                    let src = &src;
                    move || src.page(i).unwrap()
                })
            })
            .collect();
        for h in handles {
            assert_upright(&h.join().unwrap());
        }
    });
}
