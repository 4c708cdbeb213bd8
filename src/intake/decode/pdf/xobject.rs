//! An image XObject to a grey image: DCT (JPEG), CCITT fax, or raw samples behind Flate/LZW/ASCII/RunLength
//! filters with predictors; grey, RGB, CMYK, indexed and separation colour; 1 to 16 bits; `/Decode` arrays and
//! `/ImageMask`. What is not decoded here (JPEG 2000, JBIG2, Lab colour) or fails to decode (Poppler copes with
//! more damage and oddities, e.g. tiff2pdf's JPEGs with an end-of-image marker after each strip) is a `Fallback`:
//! the caller rasterises the page with Poppler. Only the limits give errors here.

use super::super::filters::FilterError;
use super::super::{DecodeError, Limits, check_decoded_bytes, check_page_size, image_limits};
use super::super::{ccitt, raster};
use super::{apply_filter, filter_list, number};
use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, ImageReader};
use lopdf::{Dictionary, Document, Object, Stream};
use std::io::Cursor;

pub(super) enum Failure {
    /// Not decoded here: let Poppler render the page.
    Fallback,
    /// Over the limits (size, decompression bomb) or without a size: refused.
    Error(DecodeError),
}

pub(super) struct Source<'a> {
    pub doc: &'a Document,
    /// The page's resources, for named colour spaces.
    pub resources: Option<&'a Dictionary>,
    /// 0-based page index, for errors.
    pub page: usize,
    pub limits: &'a Limits,
}

impl Source<'_> {
    fn fail(&self, reason: impl Into<String>) -> Failure {
        Failure::Error(DecodeError::Page {
            page: self.page + 1,
            reason: reason.into(),
        })
    }
}

/// Decode an image XObject; `data` reads its (still filtered) bytes. Returns the image and whether it is bilevel.
pub(super) fn decode(
    src: &Source,
    stream: &Stream,
    data: impl FnOnce() -> Result<Vec<u8>, String>,
) -> Result<(GrayImage, bool), Failure> {
    let doc = src.doc;
    let dict = &stream.dict;
    let int = |key: &[u8]| dict.get(key).ok().and_then(|o| number(doc, o));
    let (Some(w), Some(h)) = (int(b"Width"), int(b"Height")) else {
        return Err(src.fail("bilden saknar bredd eller höjd"));
    };
    if w < 1.0 || h < 1.0 {
        return Err(src.fail(format!("bilden har storleken {w} x {h}")));
    }
    let (w, h) = (w as u64, h as u64);
    check_page_size(src.page, w, h, src.limits).map_err(Failure::Error)?;
    let (w, h) = (w as u32, h as u32);

    let (names, parms) = filter_list(dict, Some(doc));
    let codec = names.last().map(Vec::as_slice).filter(|n| {
        matches!(
            *n,
            b"DCTDecode" | b"DCT" | b"CCITTFaxDecode" | b"CCF" | b"JPXDecode" | b"JBIG2Decode"
        )
    });
    if let Some(b"JPXDecode" | b"JBIG2Decode") = codec {
        return Err(Failure::Fallback);
    }
    let byte_filters = names.len() - usize::from(codec.is_some());

    let mask = dict
        .get(b"ImageMask")
        .and_then(Object::as_bool)
        .unwrap_or(false);
    let colour = if mask {
        Colour::Gray
    } else {
        match dict.get(b"ColorSpace") {
            Ok(cs) => colour_space(doc, cs, src.resources, 0).map_err(|_| Failure::Fallback)?,
            Err(_) => Colour::Gray, // only allowed for JPEG and JPX, whose data says it
        }
    };
    let bpc = if mask {
        1
    } else {
        int(b"BitsPerComponent").map_or(8, |v| v as u32)
    };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(Failure::Fallback);
    }
    let decode_array: Option<Vec<f64>> = dict
        .get(b"Decode")
        .and_then(Object::as_array)
        .ok()
        .map(|a| a.iter().filter_map(|o| number(doc, o)).collect());
    let samples = Samples {
        colour,
        bpc,
        mask,
        decode: decode_array,
    };

    // Sizes: what the raw samples take, and caps for each filter's output.
    let ncomp = samples.colour.components() as u64;
    check_decoded_bytes(
        src.page,
        u64::from(w),
        u64::from(h),
        ncomp * u64::from(bpc),
        src.limits,
    )
    .map_err(Failure::Error)?;
    let row_bytes = (u64::from(w) * ncomp * u64::from(bpc)).div_ceil(8);
    let raw = row_bytes * u64::from(h);
    let cap = if codec.is_some() {
        raw * 2 + (1 << 20) // compressed image data fed to a codec: smaller than the raw samples in practice
    } else {
        raw + u64::from(h) + raw / 8 + (64 << 10) // raw samples, a PNG predictor byte per row, some slack
    };

    let mut bytes = data().map_err(|r| src.fail(r))?;
    for (name, parm) in names.iter().zip(&parms).take(byte_filters) {
        bytes = apply_filter(name, *parm, bytes, cap as usize).map_err(|e| match e {
            FilterError::TooLarge(_) => src.fail(e.reason()),
            FilterError::Invalid(_) => Failure::Fallback,
        })?;
    }

    match codec {
        Some(b"DCTDecode" | b"DCT") => {
            let mut img = jpeg(src, &bytes)?;
            if samples
                .decode
                .as_ref()
                .is_some_and(|d| d.len() >= 2 && d[0] > d[1])
            {
                image::imageops::invert(&mut img);
            }
            Ok((img, false))
        }
        Some(_) => {
            let parms = parms.last().copied().flatten();
            Ok((fax(src, &bytes, parms, w, h, &samples)?, true))
        }
        None => {
            if (bytes.len() as u64) < raw {
                return Err(src.fail(format!(
                    "bilddata är ofullständig ({} av {raw} byte)",
                    bytes.len()
                )));
            }
            let bilevel = bpc == 1 && ncomp == 1;
            Ok((samples.to_gray(bytes, w, h), bilevel))
        }
    }
}

fn jpeg(src: &Source, bytes: &[u8]) -> Result<GrayImage, Failure> {
    if raster::jpeg_is_cut_off(bytes) {
        return Err(src.fail(raster::CUT_OFF));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg);
    reader.limits(image_limits(src.limits));
    let decoder = reader.into_decoder().map_err(|_| Failure::Fallback)?;
    let (jw, jh) = decoder.dimensions();
    check_page_size(src.page, u64::from(jw), u64::from(jh), src.limits).map_err(Failure::Error)?;
    let bits = u64::from(decoder.color_type().bits_per_pixel());
    check_decoded_bytes(src.page, u64::from(jw), u64::from(jh), bits, src.limits)
        .map_err(Failure::Error)?;
    let img = DynamicImage::from_decoder(decoder).map_err(|_| Failure::Fallback)?;
    Ok(img.into_luma8())
}

fn fax(
    src: &Source,
    bytes: &[u8],
    parms: Option<&Dictionary>,
    w: u32,
    h: u32,
    samples: &Samples,
) -> Result<GrayImage, Failure> {
    let get = |key: &[u8]| {
        parms
            .and_then(|p| p.get(key).ok())
            .and_then(|o| src.doc.dereference(o).ok())
            .map(|(_, o)| o)
    };
    let int = |key: &[u8], default: i64| get(key).and_then(|o| o.as_i64().ok()).unwrap_or(default);
    let flag = |key: &[u8]| get(key).and_then(|o| o.as_bool().ok()).unwrap_or(false);
    // /Columns defaults to 1728; writers that leave it out mean the image width.
    let columns = get(b"Columns")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(i64::from(w));
    if columns < 1 || columns > i64::from(src.limits.max_page_side) {
        return Err(Failure::Fallback);
    }
    let params = ccitt::Params {
        k: int(b"K", 0).clamp(-1, 1_000_000) as i32,
        columns: columns as u32,
        rows: h,
        byte_align: flag(b"EncodedByteAlign"),
        end_of_line: flag(b"EndOfLine"),
    };
    // The filter's output bit for black: 1 with /BlackIs1, else 0. Then the image's own mapping of that bit.
    let black_bit = u8::from(flag(b"BlackIs1"));
    let lut = samples.lut();
    let (white_value, black_value) = (lut[usize::from(1 - black_bit)], lut[usize::from(black_bit)]);
    let mut out = GrayImage::new(w, h);
    let width = w as usize;
    ccitt::decode(bytes, &params, |row, changes| {
        let start = row as usize * width;
        ccitt::paint(
            &mut (*out)[start..start + width],
            changes,
            white_value,
            black_value,
        );
    })
    .map_err(|_| Failure::Fallback)?;
    Ok(out)
}

/// A colour space reduced to what a grey image needs.
#[derive(Debug, Clone)]
enum Colour {
    Gray,
    Rgb,
    Cmyk,
    /// One tint component, 1 = full colorant (dark).
    Separation,
    Indexed {
        base: Box<Colour>,
        hival: u32,
        lookup: Vec<u8>,
    },
}

impl Colour {
    fn components(&self) -> usize {
        match self {
            Colour::Rgb => 3,
            Colour::Cmyk => 4,
            _ => 1,
        }
    }

    /// Grey level of a colour given as components in [0, 1].
    fn gray(&self, c: &[f64]) -> f64 {
        match self {
            Colour::Gray => c[0],
            Colour::Separation => 1.0 - c[0],
            Colour::Rgb => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2],
            Colour::Cmyk => {
                let k = 1.0 - c[3];
                0.299 * (1.0 - c[0]) * k + 0.587 * (1.0 - c[1]) * k + 0.114 * (1.0 - c[2]) * k
            }
            Colour::Indexed {
                base,
                hival,
                lookup,
            } => {
                let i = (c[0].round().max(0.0) as u32).min(*hival) as usize;
                let n = base.components();
                let entry: Vec<f64> = (0..n)
                    .map(|j| f64::from(lookup.get(i * n + j).copied().unwrap_or(0)) / 255.0)
                    .collect();
                base.gray(&entry)
            }
        }
    }
}

/// Resolve a colour space object; `Err` names what is not supported.
fn colour_space(
    doc: &Document,
    obj: &Object,
    resources: Option<&Dictionary>,
    depth: u32,
) -> Result<Colour, String> {
    if depth > 4 {
        return Err("för djupt nästlad färgrymd".into());
    }
    let obj = doc.dereference(obj).map_err(|e| e.to_string())?.1;
    let unsupported =
        |what: &[u8]| format!("färgrymden {} stöds inte", String::from_utf8_lossy(what));
    match obj {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"G" | b"CalGray" => Ok(Colour::Gray),
            b"DeviceRGB" | b"RGB" | b"CalRGB" => Ok(Colour::Rgb),
            b"DeviceCMYK" | b"CMYK" => Ok(Colour::Cmyk),
            other => {
                let named = resources
                    .and_then(|r| r.get(b"ColorSpace").ok())
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok())
                    .and_then(|d| d.get(other).ok())
                    .ok_or_else(|| unsupported(other))?;
                colour_space(doc, named, resources, depth + 1)
            }
        },
        Object::Array(a) => {
            let family = a
                .first()
                .and_then(|o| o.as_name().ok())
                .ok_or("ogiltig färgrymd")?;
            match family {
                b"ICCBased" => {
                    let profile = a
                        .get(1)
                        .and_then(|o| doc.dereference(o).ok())
                        .and_then(|(_, o)| o.as_stream().ok());
                    let profile = profile.ok_or("ICC-profilen saknas")?;
                    match profile.dict.get(b"N").and_then(Object::as_i64) {
                        Ok(1) => Ok(Colour::Gray),
                        Ok(3) => Ok(Colour::Rgb),
                        Ok(4) => Ok(Colour::Cmyk),
                        _ => match profile.dict.get(b"Alternate") {
                            Ok(alt) => colour_space(doc, alt, resources, depth + 1),
                            Err(_) => Err(unsupported(b"ICCBased")),
                        },
                    }
                }
                b"CalGray" | b"DeviceGray" => Ok(Colour::Gray),
                b"CalRGB" | b"DeviceRGB" => Ok(Colour::Rgb),
                b"DeviceCMYK" => Ok(Colour::Cmyk),
                b"Separation" => Ok(Colour::Separation),
                b"Indexed" | b"I" => {
                    let base = colour_space(
                        doc,
                        a.get(1).ok_or("ogiltig indexerad färgrymd")?,
                        resources,
                        depth + 1,
                    )?;
                    if matches!(base, Colour::Indexed { .. }) {
                        return Err("indexerad färgrymd i indexerad färgrymd".into());
                    }
                    let hival = a
                        .get(2)
                        .and_then(|o| number(doc, o))
                        .unwrap_or(0.0)
                        .clamp(0.0, 255.0) as u32;
                    let need = (hival as usize + 1) * base.components();
                    let lookup = match a.get(3).map(|o| doc.dereference(o).map(|(_, o)| o)) {
                        Some(Ok(Object::String(s, _))) => s.clone(),
                        Some(Ok(Object::Stream(s))) => {
                            super::stream_bytes(doc, s, need + 16).map_err(|e| e.reason())?
                        }
                        _ => return Err("färgtabellen saknas".into()),
                    };
                    Ok(Colour::Indexed {
                        base: Box::new(base),
                        hival,
                        lookup,
                    })
                }
                other => Err(unsupported(other)),
            }
        }
        _ => Err("ogiltig färgrymd".into()),
    }
}

/// How to read an image's samples.
struct Samples {
    colour: Colour,
    bpc: u32,
    mask: bool,
    decode: Option<Vec<f64>>,
}

impl Samples {
    /// Sample value (0..2^bpc) of component `i` to its value in the colour space.
    fn map(&self, i: usize, v: u32) -> f64 {
        let max = f64::from((1u32 << self.bpc) - 1);
        let (d0, d1) = match &self.decode {
            Some(d) if d.len() >= 2 * i + 2 => (d[2 * i], d[2 * i + 1]),
            _ => match self.colour {
                Colour::Indexed { .. } => (0.0, max),
                _ => (0.0, 1.0),
            },
        };
        d0 + f64::from(v) * (d1 - d0) / max
    }

    /// Grey for each sample value of a one-component image with at most 8 bits.
    fn lut(&self) -> Vec<u8> {
        (0..1u32 << self.bpc.min(8))
            .map(|v| {
                if self.mask {
                    // Painted where the (decoded) sample is 0: black on the white page.
                    if self.map(0, v) < 0.5 { 0 } else { 255 }
                } else {
                    (self.colour.gray(&[self.map(0, v)]).clamp(0.0, 1.0) * 255.0).round() as u8
                }
            })
            .collect()
    }

    fn to_gray(&self, mut data: Vec<u8>, w: u32, h: u32) -> GrayImage {
        let (w, h) = (w as usize, h as usize);
        let n = self.colour.components();
        let bpc = self.bpc as usize;
        let row_bytes = (w * n * bpc).div_ceil(8);
        let identity = n == 1
            && bpc == 8
            && self
                .lut()
                .iter()
                .enumerate()
                .all(|(i, &v)| usize::from(v) == i);
        if identity && data.len() >= w * h {
            // Plain 8-bit grey: the samples are the image.
            data.truncate(w * h);
            return GrayImage::from_raw(w as u32, h as u32, data)
                .expect("buffer sized for the image");
        }
        let mut out = vec![0u8; w * h];
        let plain_rgb = matches!(self.colour, Colour::Rgb) && bpc == 8 && self.decode.is_none();
        if n == 1 && bpc <= 8 {
            let lut = self.lut();
            for (src, dst) in data.chunks(row_bytes).zip(out.chunks_mut(w)) {
                match bpc {
                    8 => dst
                        .iter_mut()
                        .zip(src)
                        .for_each(|(d, &s)| *d = lut[usize::from(s)]),
                    _ => {
                        let per_byte = 8 / bpc;
                        let mask = (1u8 << bpc) - 1;
                        for (x, d) in dst.iter_mut().enumerate() {
                            let shift = 8 - bpc - (x % per_byte) * bpc;
                            *d = lut[usize::from((src[x / per_byte] >> shift) & mask)];
                        }
                    }
                }
            }
        } else if plain_rgb {
            for (src, dst) in data.chunks(row_bytes).zip(out.chunks_mut(w)) {
                for (d, px) in dst.iter_mut().zip(src.chunks_exact(3)) {
                    let y =
                        299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
                    *d = ((y + 500) / 1000) as u8;
                }
            }
        } else {
            let mut comps = vec![0f64; n];
            for (src, dst) in data.chunks(row_bytes).zip(out.chunks_mut(w)) {
                for (x, d) in dst.iter_mut().enumerate() {
                    for (i, c) in comps.iter_mut().enumerate() {
                        let s = x * n + i;
                        let v = match bpc {
                            16 => u32::from(u16::from_be_bytes([src[2 * s], src[2 * s + 1]])),
                            8 => u32::from(src[s]),
                            _ => {
                                let bit = s * bpc;
                                u32::from(src[bit / 8] >> (8 - bpc - bit % 8)) & ((1 << bpc) - 1)
                            }
                        };
                        *c = self.map(i, v);
                    }
                    *d = (self.colour.gray(&comps).clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            }
        }
        GrayImage::from_raw(w as u32, h as u32, out).expect("buffer sized for the image")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bit_grey_and_masks() {
        let grey = Samples {
            colour: Colour::Gray,
            bpc: 1,
            mask: false,
            decode: None,
        };
        assert_eq!(grey.lut(), vec![0, 255]);
        let inverted = Samples {
            decode: Some(vec![1.0, 0.0]),
            ..grey
        };
        assert_eq!(inverted.lut(), vec![255, 0]);
        let mask = Samples {
            colour: Colour::Gray,
            bpc: 1,
            mask: true,
            decode: None,
        };
        assert_eq!(mask.lut(), vec![0, 255]);
        let img = mask.to_gray(vec![0b1010_0000, 0b0101_1111], 4, 2);
        assert_eq!(img.as_raw(), &vec![255, 0, 255, 0, 0, 255, 0, 255]);
    }

    #[test]
    fn colour_to_grey() {
        let rgb = Samples {
            colour: Colour::Rgb,
            bpc: 8,
            mask: false,
            decode: None,
        };
        assert_eq!(
            rgb.to_gray(vec![255, 255, 255, 0, 0, 0], 2, 1).as_raw(),
            &vec![255, 0]
        );
        let cmyk = Samples {
            colour: Colour::Cmyk,
            bpc: 8,
            mask: false,
            decode: None,
        };
        assert_eq!(
            cmyk.to_gray(vec![0, 0, 0, 0, 0, 0, 0, 255], 2, 1).as_raw(),
            &vec![255, 0]
        );
        let indexed = Samples {
            colour: Colour::Indexed {
                base: Box::new(Colour::Rgb),
                hival: 1,
                lookup: vec![255, 255, 255, 0, 0, 0],
            },
            bpc: 8,
            mask: false,
            decode: None,
        };
        assert_eq!(indexed.to_gray(vec![1, 0], 2, 1).as_raw(), &vec![0, 255]);
        let grey16 = Samples {
            colour: Colour::Gray,
            bpc: 16,
            mask: false,
            decode: None,
        };
        assert_eq!(
            grey16.to_gray(vec![0xFF, 0xFF, 0, 0], 2, 1).as_raw(),
            &vec![255, 0]
        );
    }
}
