//! Pages into the files scanners and fax servers write.
//!
//! - PDF, one image a page: grey as JPEG (`/DCTDecode`) or zlib (`/FlateDecode`), bilevel as CCITT Group 4
//!   (`/CCITTFaxDecode` with `/K -1`). Each page's MediaBox is the image size at its resolution, so a page of an
//!   A4 scan is A4 whatever the dpi (204 x 98 included).
//! - TIFF, one IFD a page: grey uncompressed, Deflate or LZW; bilevel as G4 (or uncompressed), with
//!   XResolution and YResolution set.
//! - PNG or JPEG, one page a file.
//!
//! A page is encoded once ([`encode_page`]) and kept compressed until its file is assembled, so that a batch of
//! hundreds of pages does not hold hundreds of raw images. [`split_batch`] orders pages (shuffled, if asked) and
//! splits them across files as a scanner's batch mode does.

use super::degrade::ScanImage;
use super::tiff_writer::{self, TiffPage};
use image::GrayImage;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
use rand::seq::SliceRandom;
use serde::Serialize;

/// How one page's pixels are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageCodec {
    /// Baseline JPEG at a quality (grey; a bilevel page is stored as grey).
    Jpeg(u8),
    /// zlib (PDF Flate, TIFF Deflate). Bilevel pages are packed one bit a pixel.
    Flate,
    /// TIFF LZW (not used in PDF).
    Lzw,
    /// CCITT Group 4 (bilevel only; a grey page is thresholded at 128 first).
    G4,
    /// No compression.
    Raw,
}

/// The kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Pdf,
    Tiff,
    Png,
    Jpeg,
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Pdf => "pdf",
            FileFormat::Tiff => "tif",
            FileFormat::Png => "png",
            FileFormat::Jpeg => "jpg",
        }
    }

    /// Whether one file holds several pages.
    pub fn is_multi_page(self) -> bool {
        matches!(self, FileFormat::Pdf | FileFormat::Tiff)
    }

    /// The codec a device would use for a page of this file: G4 for a bilevel page in a PDF or TIFF, `grey`
    /// otherwise (mapped to what the format supports).
    pub fn codec(self, bilevel: bool, grey: PageCodec) -> PageCodec {
        match self {
            FileFormat::Pdf | FileFormat::Tiff if bilevel => PageCodec::G4,
            FileFormat::Pdf => match grey {
                PageCodec::Lzw | PageCodec::G4 => PageCodec::Flate,
                other => other,
            },
            FileFormat::Tiff => match grey {
                PageCodec::Jpeg(_) | PageCodec::G4 => PageCodec::Flate,
                other => other,
            },
            FileFormat::Png => PageCodec::Raw,
            FileFormat::Jpeg => match grey {
                PageCodec::Jpeg(q) => PageCodec::Jpeg(q),
                _ => PageCodec::Jpeg(85),
            },
        }
    }
}

/// A page compressed for its file.
#[derive(Debug, Clone)]
pub struct EncodedPage {
    pub width: u32,
    pub height: u32,
    pub dpi_x: f32,
    pub dpi_y: f32,
    pub bilevel: bool,
    pub codec: PageCodec,
    pub data: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("{0:?} pages cannot go into a {1:?} file")]
    Codec(PageCodec, FileFormat),
    #[error("a {0:?} file holds one page, got {1}")]
    OnePage(FileFormat, usize),
    #[error("encoding failed: {0}")]
    Encode(String),
}

/// Compresses a page.
pub fn encode_page(page: &ScanImage, codec: PageCodec) -> EncodedPage {
    let (w, h) = page.image.dimensions();
    let data = match codec {
        PageCodec::Jpeg(q) => jpeg_bytes(&page.image, q, (page.dpi_x, page.dpi_y)),
        PageCodec::Flate => {
            let raw = if page.bilevel {
                pack_bits(&page.image, false)
            } else {
                page.image.as_raw().clone()
            };
            miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6)
        }
        PageCodec::Lzw => {
            let raw = if page.bilevel {
                pack_bits(&page.image, false)
            } else {
                page.image.as_raw().clone()
            };
            lzw(&raw)
        }
        PageCodec::G4 => g4(&page.image),
        PageCodec::Raw => {
            if page.bilevel {
                pack_bits(&page.image, false)
            } else {
                page.image.as_raw().clone()
            }
        }
    };
    EncodedPage {
        width: w,
        height: h,
        dpi_x: page.dpi_x,
        dpi_y: page.dpi_y,
        bilevel: page.bilevel || codec == PageCodec::G4,
        codec,
        data,
    }
}

fn jpeg_bytes(img: &GrayImage, quality: u8, dpi: (f32, f32)) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity, PixelDensityUnit};
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100));
    encoder.set_pixel_density(PixelDensity {
        density: (dpi.0.round() as u16, dpi.1.round() as u16),
        unit: PixelDensityUnit::Inches,
    });
    // Encoding a grey buffer of the right size into memory does not fail.
    let _ = img.write_with_encoder(encoder);
    bytes
}

/// One bit a pixel, rows padded to a byte; a set bit is black when `black_is_one`, white otherwise.
fn pack_bits(img: &GrayImage, black_is_one: bool) -> Vec<u8> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let stride = w.div_ceil(8);
    let mut out = vec![0u8; stride * h];
    for (y, row) in img.as_raw().chunks_exact(w).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            let black = v < 128;
            if black == black_is_one {
                out[y * stride + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    out
}

fn lzw(raw: &[u8]) -> Vec<u8> {
    use tiff::encoder::compression::{CompressionAlgorithm, Lzw};
    let mut out = Vec::with_capacity(raw.len() / 4);
    // Writing into a Vec cannot fail.
    let _ = Lzw.write_to(&mut out, raw);
    out
}

/// CCITT Group 4 (T.6) of a 1-bit page; pixels under 128 are black.
fn g4(img: &GrayImage) -> Vec<u8> {
    use fax::Color;
    let w = img.width();
    let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in img.as_raw().chunks_exact(w as usize) {
        let pels = row
            .iter()
            .map(|&v| if v < 128 { Color::Black } else { Color::White });
        // VecWriter is infallible.
        let _ = encoder.encode_line(pels, w);
    }
    match encoder.finish() {
        Ok(writer) => writer.finish(),
        Err(never) => match never {},
    }
}

/// A multi-page PDF with one full-page image a page.
pub fn pdf(pages: &[EncodedPage]) -> Result<Vec<u8>, PackError> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let mut next = 3;
    let mut bump = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let mut pdf =
        Pdf::with_capacity(pages.iter().map(|p| p.data.len() + 600).sum::<usize>() + 1000);
    let mut page_refs = Vec::with_capacity(pages.len());
    for page in pages {
        if page.codec == PageCodec::Lzw {
            return Err(PackError::Codec(page.codec, FileFormat::Pdf));
        }
        let image_ref = bump();
        let content_ref = bump();
        let page_ref = bump();
        {
            let mut image = pdf.image_xobject(image_ref, &page.data);
            image.width(page.width as i32);
            image.height(page.height as i32);
            image.color_space().device_gray();
            let one_bit = page.bilevel && !matches!(page.codec, PageCodec::Jpeg(_));
            image.bits_per_component(if one_bit { 1 } else { 8 });
            match page.codec {
                PageCodec::Jpeg(_) => {
                    image.filter(Filter::DctDecode);
                }
                PageCodec::Flate => {
                    image.filter(Filter::FlateDecode);
                }
                PageCodec::G4 => {
                    image.filter(Filter::CcittFaxDecode);
                    image
                        .decode_parms()
                        .k(-1)
                        .columns(page.width as i32)
                        .rows(page.height as i32)
                        .black_is_1(false);
                }
                PageCodec::Raw | PageCodec::Lzw => {}
            }
        }
        let (wpt, hpt) = (
            page.width as f32 / page.dpi_x * 72.0,
            page.height as f32 / page.dpi_y * 72.0,
        );
        let mut content = Content::new();
        content.save_state();
        content.transform([wpt, 0.0, 0.0, hpt, 0.0, 0.0]);
        content.x_object(Name(b"Im0"));
        content.restore_state();
        pdf.stream(content_ref, &content.finish());
        let mut p = pdf.page(page_ref);
        p.parent(tree);
        p.media_box(Rect::new(0.0, 0.0, wpt, hpt));
        p.contents(content_ref);
        p.resources().x_objects().pair(Name(b"Im0"), image_ref);
        p.finish();
        page_refs.push(page_ref);
    }
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(page_refs.len() as i32);
    pdf.catalog(catalog).pages(tree);
    Ok(pdf.finish())
}

/// A multi-page TIFF.
pub fn tiff(pages: &[EncodedPage]) -> Result<Vec<u8>, PackError> {
    let mut tiff_pages = Vec::with_capacity(pages.len());
    for page in pages {
        let compression = match page.codec {
            PageCodec::Raw => 1,
            PageCodec::G4 => 4,
            PageCodec::Lzw => 5,
            PageCodec::Flate => 8,
            PageCodec::Jpeg(_) => return Err(PackError::Codec(page.codec, FileFormat::Tiff)),
        };
        tiff_pages.push(TiffPage {
            width: page.width,
            height: page.height,
            bits: if page.bilevel { 1 } else { 8 },
            compression,
            // G4 fax pages are WhiteIsZero by custom; packed bilevel pages here store white as 1.
            photometric: if page.codec == PageCodec::G4 { 0 } else { 1 },
            dpi_x: page.dpi_x,
            dpi_y: page.dpi_y,
            strip: &page.data,
        });
    }
    Ok(tiff_writer::write(&tiff_pages))
}

/// One page as PNG (8-bit grey), with its resolution in a pHYs chunk.
pub fn png(page: &ScanImage) -> Vec<u8> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut bytes = Vec::new();
    let (w, h) = page.image.dimensions();
    let encoder = PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Up);
    // Encoding a grey buffer of the right size into memory does not fail.
    let _ = encoder.write_image(page.image.as_raw(), w, h, image::ExtendedColorType::L8);
    insert_phys(&mut bytes, page.dpi_x, page.dpi_y);
    bytes
}

/// Adds a pHYs chunk (pixels per metre) after the IHDR chunk of a PNG.
fn insert_phys(png: &mut Vec<u8>, dpi_x: f32, dpi_y: f32) {
    // Signature (8) + IHDR length, type, 13 bytes of data, CRC.
    const AFTER_IHDR: usize = 8 + 4 + 4 + 13 + 4;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return;
    }
    let ppm = |dpi: f32| (dpi / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&ppm(dpi_x).to_be_bytes());
    chunk.extend_from_slice(&ppm(dpi_y).to_be_bytes());
    chunk.push(1);
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    png.splice(AFTER_IHDR..AFTER_IHDR, chunk);
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// One page as JPEG.
pub fn jpeg(page: &ScanImage, quality: u8) -> Vec<u8> {
    jpeg_bytes(&page.image, quality, (page.dpi_x, page.dpi_y))
}

/// Assembles a file from encoded pages. PNG and JPEG take one page each and must have been encoded with
/// [`FileFormat::codec`] (PNG pages are kept raw and compressed here).
pub fn assemble(format: FileFormat, pages: &[EncodedPage]) -> Result<Vec<u8>, PackError> {
    match format {
        FileFormat::Pdf => pdf(pages),
        FileFormat::Tiff => tiff(pages),
        FileFormat::Png | FileFormat::Jpeg => {
            let [page] = pages else {
                return Err(PackError::OnePage(format, pages.len()));
            };
            match (format, page.codec) {
                (FileFormat::Jpeg, PageCodec::Jpeg(_)) => Ok(page.data.clone()),
                (FileFormat::Png, PageCodec::Raw) => {
                    let image = if page.bilevel {
                        unpack_bits(&page.data, page.width, page.height)
                    } else {
                        GrayImage::from_raw(page.width, page.height, page.data.clone())
                            .ok_or_else(|| PackError::Encode("raw page of the wrong size".into()))?
                    };
                    Ok(png(&ScanImage {
                        image,
                        dpi_x: page.dpi_x,
                        dpi_y: page.dpi_y,
                        bilevel: page.bilevel,
                    }))
                }
                (_, codec) => Err(PackError::Codec(codec, format)),
            }
        }
    }
}

fn unpack_bits(data: &[u8], w: u32, h: u32) -> GrayImage {
    let stride = (w as usize).div_ceil(8);
    GrayImage::from_fn(w, h, |x, y| {
        let byte = data
            .get(y as usize * stride + x as usize / 8)
            .copied()
            .unwrap_or(0xff);
        let white = byte & (0x80 >> (x % 8)) != 0;
        image::Luma([if white { 255 } else { 0 }])
    })
}

/// Packs whole pages into one file of `format`, grey pages with `grey`.
pub fn pack(
    pages: &[ScanImage],
    format: FileFormat,
    grey: PageCodec,
) -> Result<Vec<u8>, PackError> {
    let encoded: Vec<EncodedPage> = pages
        .iter()
        .map(|p| encode_page(p, format.codec(p.bilevel, grey)))
        .collect();
    assemble(format, &encoded)
}

/// The order of `n` pages and how they are split into files: `shuffle` mixes the pages (a dropped stack, a
/// feeder loaded in the wrong order), `pages_per_file` starts a new file after so many pages (a scanner's batch
/// limit). Single-page formats get one page a file.
pub fn split_batch<R: rand::Rng + ?Sized>(
    n: usize,
    format: FileFormat,
    shuffle: bool,
    pages_per_file: Option<usize>,
    rng: &mut R,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    if shuffle {
        order.shuffle(rng);
    }
    let per_file = if format.is_multi_page() {
        pages_per_file.unwrap_or(n).max(1)
    } else {
        1
    };
    order.chunks(per_file).map(<[usize]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bilevel_page() -> ScanImage {
        let mut img = GrayImage::from_pixel(1687, 1146, image::Luma([255]));
        for y in 100..300 {
            for x in 200..260 {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        ScanImage {
            image: img,
            dpi_x: 204.0,
            dpi_y: 98.0,
            bilevel: true,
        }
    }

    #[test]
    fn g4_round_trips_through_the_fax_decoder() {
        let page = bilevel_page();
        let enc = encode_page(&page, PageCodec::G4);
        let mut rows = Vec::new();
        fax::decoder::decode_g4(enc.data.iter().copied(), enc.width, Some(enc.height), |t| {
            rows.push(
                fax::decoder::pels(t, enc.width)
                    .map(|c| if c == fax::Color::Black { 0u8 } else { 255 })
                    .collect::<Vec<u8>>(),
            );
        })
        .unwrap();
        assert_eq!(rows.len(), 1146);
        let flat: Vec<u8> = rows.concat();
        assert_eq!(flat, *page.image.as_raw());
    }

    #[test]
    fn tiff_pages_read_back_with_the_tiff_crate() {
        let page = bilevel_page();
        let grey = ScanImage {
            image: GrayImage::from_fn(300, 200, |x, y| image::Luma([((x + y) % 256) as u8])),
            dpi_x: 200.0,
            dpi_y: 200.0,
            bilevel: false,
        };
        for codec in [PageCodec::Flate, PageCodec::Lzw, PageCodec::Raw] {
            let pages = vec![encode_page(&grey, codec), encode_page(&page, PageCodec::G4)];
            let bytes = tiff(&pages).unwrap();
            let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).unwrap();
            assert_eq!(decoder.dimensions().unwrap(), (300, 200));
            match decoder.read_image().unwrap() {
                tiff::decoder::DecodingResult::U8(v) => assert_eq!(v, *grey.image.as_raw()),
                other => panic!("{codec:?}: unexpected {:?}", std::mem::discriminant(&other)),
            }
            decoder.next_image().unwrap();
            assert_eq!(decoder.dimensions().unwrap(), (1687, 1146));
        }
    }

    #[test]
    fn split_batch_keeps_every_page_once() {
        let mut rng = super::super::rng(3);
        let files = split_batch(10, FileFormat::Pdf, true, Some(4), &mut rng);
        assert_eq!(
            files.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![4, 4, 2]
        );
        let mut all: Vec<usize> = files.concat();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(
            split_batch(3, FileFormat::Png, false, None, &mut rng).len(),
            3
        );
    }
}
