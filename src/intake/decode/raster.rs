//! PNG and JPEG: one page each. Resolution from PNG `pHYs` or the JPEG JFIF header; EXIF orientation of phone
//! photos applied; transparency laid on white.

use super::{
    DecodeError, Decoded, Format, Limits, check_decoded_bytes, check_page_size, image_limits,
    read_range,
};
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, GrayImage, ImageDecoder, ImageFormat, ImageReader};
use std::fs::File;
use std::io::Cursor;

pub(super) const CUT_OFF: &str = "JPEG-bilden är ofullständig (data tar slut mitt i bilden)";

pub(super) struct RasterFile {
    file: File,
    size: u64,
    format: Format,
}

impl RasterFile {
    pub fn new(file: File, size: u64, format: Format) -> Self {
        RasterFile { file, size, format }
    }

    pub fn page(&self, limits: &Limits) -> Result<Decoded, DecodeError> {
        let fail = |reason: String| DecodeError::Page { page: 1, reason };
        let bytes = read_range(&self.file, self.size, 0, self.size).map_err(fail)?;
        let (format, name) = match self.format {
            Format::Png => (ImageFormat::Png, "PNG"),
            _ => (ImageFormat::Jpeg, "JPEG"),
        };
        // The size from the header first, so that a huge declared size is named as such.
        if let Some((w, h)) = header_size(&bytes, self.format) {
            check_page_size(0, u64::from(w), u64::from(h), limits)?;
        }
        if self.format == Format::Jpeg && jpeg_is_cut_off(&bytes) {
            return Err(fail(CUT_OFF.into()));
        }
        let mut declared = match self.format {
            Format::Png => png_density(&bytes),
            _ => jfif_density(&bytes),
        };
        let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
        reader.limits(image_limits(limits));
        let mut decoder = reader
            .into_decoder()
            .map_err(|e| fail(format!("{name}-bilden kunde inte läsas ({e})")))?;
        let (w, h) = decoder.dimensions();
        check_page_size(0, u64::from(w), u64::from(h), limits)?;
        // What the decoder hands over, in its own sample size (16-bit RGBA: 64 bits a pixel), before the grey.
        let bits = u64::from(decoder.color_type().bits_per_pixel());
        check_decoded_bytes(0, u64::from(w), u64::from(h), bits, limits)?;
        let bilevel = decoder.original_color_type() == ExtendedColorType::L1;
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let mut img = DynamicImage::from_decoder(decoder)
            .map_err(|e| fail(format!("{name}-bilden är trasig ({e})")))?;
        img.apply_orientation(orientation);
        if matches!(
            orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        ) {
            declared = declared.map(|(x, y)| (y, x));
        }
        Ok(Decoded {
            image: flatten(img),
            declared_dpi: declared,
            exact: false,
            bilevel,
        })
    }
}

/// Grey on a white page: transparent pixels become white.
fn flatten(img: DynamicImage) -> GrayImage {
    if !img.color().has_alpha() {
        return img.into_luma8();
    }
    let la = img.into_luma_alpha8();
    let (w, h) = la.dimensions();
    let grey = la
        .pixels()
        .map(|p| {
            let [l, a] = p.0;
            ((u32::from(l) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8
        })
        .collect();
    GrayImage::from_raw(w, h, grey).expect("one byte per pixel")
}

/// Width and height as the header declares them.
fn header_size(bytes: &[u8], format: Format) -> Option<(u32, u32)> {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    match format {
        Format::Png => (bytes.len() >= 24 && &bytes[12..16] == b"IHDR")
            .then(|| (be32(&bytes[16..]), be32(&bytes[20..]))),
        Format::Jpeg => jpeg_segments(bytes).find_map(|(marker, body)| {
            let sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
            (sof && body.len() >= 5).then(|| {
                (
                    u32::from(u16::from_be_bytes([body[3], body[4]])),
                    u32::from(u16::from_be_bytes([body[1], body[2]])),
                )
            })
        }),
        _ => None,
    }
}

/// The marker segments of a JPEG before its scan data: (marker, body without the length).
fn jpeg_segments(bytes: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut pos = 2;
    std::iter::from_fn(move || {
        let (marker, body, next) = jpeg_segment(bytes, pos)?;
        pos = next;
        Some((marker, body))
    })
}

/// The segment at `pos`: marker, body and where the next one starts; None at the scan data or a broken header.
fn jpeg_segment(bytes: &[u8], mut pos: usize) -> Option<(u8, &[u8], usize)> {
    while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
        pos += 1; // fill bytes
    }
    if bytes.get(pos) != Some(&0xFF) {
        return None;
    }
    let marker = *bytes.get(pos + 1)?;
    if marker == 0xDA || marker == 0xD9 {
        return None; // start of scan, end of image
    }
    let len = usize::from(u16::from_be_bytes([
        *bytes.get(pos + 2)?,
        *bytes.get(pos + 3)?,
    ]))
    .max(2);
    Some((marker, bytes.get(pos + 4..pos + 2 + len)?, pos + 2 + len))
}

/// Whether a JPEG stops before its end-of-image marker (a cut-off upload or stream). Decoders fill the missing
/// part with grey without complaint. Entropy-coded data cannot contain FF D9, so an EOI after the first scan
/// header is the image's own.
pub(super) fn jpeg_is_cut_off(bytes: &[u8]) -> bool {
    let mut pos = 2;
    while let Some((_, _, next)) = jpeg_segment(bytes, pos) {
        pos = next;
    }
    let at_scan = bytes.get(pos..pos + 2) == Some(&[0xFF, 0xDA]);
    at_scan && !bytes[pos..].windows(2).rev().any(|w| w == [0xFF, 0xD9])
}

/// Resolution from a JFIF APP0 segment, when it gives units (dots per inch or per centimetre).
fn jfif_density(bytes: &[u8]) -> Option<(f32, f32)> {
    jpeg_segments(bytes).find_map(|(marker, body)| {
        if marker != 0xE0 || body.len() < 12 || !body.starts_with(b"JFIF\0") {
            return None;
        }
        let x = f32::from(u16::from_be_bytes([body[8], body[9]]));
        let y = f32::from(u16::from_be_bytes([body[10], body[11]]));
        match body[7] {
            1 => Some((x, y)),
            2 => Some((x * 2.54, y * 2.54)),
            _ => None,
        }
    })
}

/// Resolution from a PNG `pHYs` chunk in pixels per metre.
fn png_density(bytes: &[u8]) -> Option<(f32, f32)> {
    let mut pos = 8;
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().ok()?) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = bytes.get(pos + 8..(pos + 8).checked_add(len)?)?;
        match kind {
            b"pHYs" if len == 9 && data[8] == 1 => {
                let x = u32::from_be_bytes(data[0..4].try_into().ok()?) as f32 * 0.0254;
                let y = u32::from_be_bytes(data[4..8].try_into().ok()?) as f32 * 0.0254;
                return Some((x, y));
            }
            b"IDAT" | b"IEND" => return None,
            _ => pos += 12 + len,
        }
    }
    None
}
