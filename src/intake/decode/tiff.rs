//! TIFF: every IFD in the chain is a page (reduced-resolution thumbnails left out). The directories are read here,
//! so that pages can be counted and checked without the `tiff` crate touching pixel data. CCITT pages
//! (compression 2, 3 and 4: fax TIFFs, often 204x98 or 204x196 dpi) are decoded here as well; everything else
//! (uncompressed, LZW, Deflate, PackBits, JPEG; grey, RGB, CMYK; strips or tiles) by the `tiff` crate, one strip
//! or tile at a time, straight into the grey page.

use super::ccitt;
use super::{
    DecodeError, Decoded, FileAt, Limits, check_decoded_bytes, check_page_size, read_range,
};
use ::tiff::ColorType;
use ::tiff::decoder::{ChunkType, Decoder, DecodingResult};
use image::GrayImage;
use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;

/// More entries than any real directory has.
const MAX_ENTRIES: u64 = 4096;

mod tag {
    pub const NEW_SUBFILE_TYPE: u16 = 254;
    pub const SUBFILE_TYPE: u16 = 255;
    pub const WIDTH: u16 = 256;
    pub const HEIGHT: u16 = 257;
    pub const BITS_PER_SAMPLE: u16 = 258;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC: u16 = 262;
    pub const FILL_ORDER: u16 = 266;
    pub const STRIP_OFFSETS: u16 = 273;
    pub const ROWS_PER_STRIP: u16 = 278;
    pub const STRIP_BYTE_COUNTS: u16 = 279;
    pub const X_RESOLUTION: u16 = 282;
    pub const Y_RESOLUTION: u16 = 283;
    pub const PLANAR_CONFIGURATION: u16 = 284;
    pub const T4_OPTIONS: u16 = 292;
    pub const RESOLUTION_UNIT: u16 = 296;
    pub const TILE_OFFSETS: u16 = 324;
}

pub(super) struct TiffFile {
    file: File,
    size: u64,
    little_endian: bool,
    big: bool,
    pages: Vec<Ifd>,
}

struct Ifd {
    /// Position in the IFD chain, as the `tiff` crate counts images.
    chain_index: usize,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u64,
    /// The value itself when it fits, else its offset; in the file's byte order.
    field: [u8; 8],
}

impl TiffFile {
    pub fn open(file: File, size: u64, limits: &Limits) -> Result<Self, DecodeError> {
        let corrupt = |r: String| DecodeError::Corrupt(r);
        let head = read_range(&file, size, 0, size.min(16)).map_err(corrupt)?;
        if head.len() < 8 {
            return Err(DecodeError::Corrupt("TIFF-huvudet är ofullständigt".into()));
        }
        let little_endian = head[0] == b'I';
        let big = head[2] == 43 || head[3] == 43;
        let mut tiff = TiffFile {
            file,
            size,
            little_endian,
            big,
            pages: Vec::new(),
        };
        let mut offset = if big {
            if head.len() < 16 {
                return Err(DecodeError::Corrupt(
                    "BigTIFF-huvudet är ofullständigt".into(),
                ));
            }
            tiff.u64_at(&head[8..16])
        } else {
            tiff.u32_at(&head[4..8])
        };
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        while offset != 0 && seen.insert(offset) {
            if all.len() >= limits.max_pages {
                return Err(DecodeError::TooManyPages(all.len() + 1));
            }
            let (entries, next) = tiff.read_ifd(offset).map_err(|r| {
                DecodeError::Corrupt(format!(
                    "TIFF-katalog {} vid byte {offset}: {r}",
                    all.len() + 1
                ))
            })?;
            all.push(Ifd {
                chain_index: all.len(),
                entries,
            });
            offset = next;
        }
        if all.is_empty() {
            return Err(DecodeError::Corrupt("TIFF-filen har inga bilder".into()));
        }
        let reduced = |ifd: &Ifd| {
            tiff.first(ifd, tag::NEW_SUBFILE_TYPE)
                .is_some_and(|v| v & 1 == 1)
                || tiff.first(ifd, tag::SUBFILE_TYPE) == Some(2)
        };
        if all.iter().any(|ifd| !reduced(ifd)) {
            all.retain(|ifd| !reduced(ifd));
        }
        tiff.pages = all;
        Ok(tiff)
    }

    pub fn count(&self) -> usize {
        self.pages.len()
    }

    fn u16_at(&self, b: &[u8]) -> u16 {
        let b = [b[0], b[1]];
        if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    }

    fn u32_at(&self, b: &[u8]) -> u64 {
        let b = [b[0], b[1], b[2], b[3]];
        u64::from(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn u64_at(&self, b: &[u8]) -> u64 {
        let b: [u8; 8] = b[..8].try_into().expect("8 bytes");
        if self.little_endian {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    }

    /// A directory's entries and the offset of the next directory.
    fn read_ifd(&self, offset: u64) -> Result<(Vec<Entry>, u64), String> {
        let (count_len, entry_len, next_len) = if self.big { (8, 20, 8) } else { (2, 12, 4) };
        let count_bytes = read_range(&self.file, self.size, offset, count_len)?;
        let count = if self.big {
            self.u64_at(&count_bytes)
        } else {
            u64::from(self.u16_at(&count_bytes))
        };
        if count == 0 || count > MAX_ENTRIES {
            return Err(format!("{count} poster"));
        }
        let block = read_range(
            &self.file,
            self.size,
            offset + count_len,
            count * entry_len + next_len,
        )?;
        let entries = block[..(count * entry_len) as usize]
            .chunks_exact(entry_len as usize)
            .map(|e| {
                let mut field = [0u8; 8];
                if self.big {
                    field.copy_from_slice(&e[12..20]);
                    Entry {
                        tag: self.u16_at(&e[0..]),
                        kind: self.u16_at(&e[2..]),
                        count: self.u64_at(&e[4..12]),
                        field,
                    }
                } else {
                    field[..4].copy_from_slice(&e[8..12]);
                    Entry {
                        tag: self.u16_at(&e[0..]),
                        kind: self.u16_at(&e[2..]),
                        count: self.u32_at(&e[4..8]),
                        field,
                    }
                }
            })
            .collect();
        let tail = &block[(count * entry_len) as usize..];
        let next = if self.big {
            self.u64_at(tail)
        } else {
            self.u32_at(tail)
        };
        Ok((entries, next))
    }

    fn entry(ifd: &Ifd, tag: u16) -> Option<&Entry> {
        ifd.entries.iter().find(|e| e.tag == tag)
    }

    /// The raw bytes of an entry's values, refusing more than `max` values before reading them.
    fn value_bytes(&self, e: &Entry, max: u64) -> Result<Vec<u8>, String> {
        let size = match e.kind {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 | 16 | 17 | 18 => 8,
            k => return Err(format!("okänd värdetyp {k} för tagg {}", e.tag)),
        };
        if e.count > max {
            return Err(format!("tagg {} har {} värden", e.tag, e.count));
        }
        let len = e.count * size;
        let inline = if self.big { 8 } else { 4 };
        if len <= inline {
            Ok(e.field[..len as usize].to_vec())
        } else {
            let at = if self.big {
                self.u64_at(&e.field)
            } else {
                self.u32_at(&e.field)
            };
            read_range(&self.file, self.size, at, len)
        }
    }

    /// Unsigned integer values of a tag (at most `max`).
    fn uints(&self, ifd: &Ifd, tag: u16, max: u64) -> Result<Option<Vec<u64>>, String> {
        let Some(e) = Self::entry(ifd, tag) else {
            return Ok(None);
        };
        let bytes = self.value_bytes(e, max)?;
        let values = match e.kind {
            1 | 7 => bytes.iter().map(|&b| u64::from(b)).collect(),
            3 => bytes
                .chunks_exact(2)
                .map(|b| u64::from(self.u16_at(b)))
                .collect(),
            4 | 13 => bytes.chunks_exact(4).map(|b| self.u32_at(b)).collect(),
            16 | 18 => bytes.chunks_exact(8).map(|b| self.u64_at(b)).collect(),
            k => return Err(format!("tagg {tag} har värdetyp {k}, inte ett heltal")),
        };
        Ok(Some(values))
    }

    fn first(&self, ifd: &Ifd, tag: u16) -> Option<u64> {
        self.uints(ifd, tag, 16)
            .ok()
            .flatten()
            .and_then(|v| v.first().copied())
    }

    /// A rational (or any number) tag as a float.
    fn number(&self, ifd: &Ifd, tag: u16) -> Option<f64> {
        let e = Self::entry(ifd, tag)?;
        if e.kind == 5 {
            // A count of 0 gives no bytes at all (found by fuzzing): no number then, not a panic.
            let b = self.value_bytes(e, 1).ok()?;
            let (n, d) = (self.u32_at(b.get(0..4)?), self.u32_at(b.get(4..8)?));
            return (d != 0).then(|| n as f64 / d as f64);
        }
        self.first(ifd, tag).map(|v| v as f64)
    }

    pub fn page(&self, index: usize, limits: &Limits) -> Result<Decoded, DecodeError> {
        let fail = |reason: String| DecodeError::Page {
            page: index + 1,
            reason,
        };
        let ifd = &self.pages[index];
        let (Some(w), Some(h)) = (self.first(ifd, tag::WIDTH), self.first(ifd, tag::HEIGHT)) else {
            return Err(fail("bildens bredd eller höjd saknas".into()));
        };
        check_page_size(index, w, h, limits)?;
        let (w, h) = (w as u32, h as u32);
        let declared = match (
            self.number(ifd, tag::X_RESOLUTION),
            self.number(ifd, tag::Y_RESOLUTION),
        ) {
            (Some(x), Some(y)) => Some((x, y)),
            (Some(x), None) => Some((x, x)),
            _ => None,
        };
        let declared =
            declared.and_then(
                |(x, y)| match self.first(ifd, tag::RESOLUTION_UNIT).unwrap_or(2) {
                    2 => Some((x as f32, y as f32)),
                    3 => Some((x as f32 * 2.54, y as f32 * 2.54)),
                    _ => None,
                },
            );
        match self.first(ifd, tag::COMPRESSION).unwrap_or(1) {
            c @ 2..=4 => {
                let image = self.fax_page(ifd, w, h, c).map_err(fail)?;
                let declared = declared.or_else(|| fax_resolution(w, h));
                Ok(Decoded {
                    image,
                    declared_dpi: declared,
                    exact: false,
                    bilevel: true,
                })
            }
            _ => {
                let (image, bilevel) = self.other_page(ifd, w, h, limits).map_err(fail)?;
                Ok(Decoded {
                    image,
                    declared_dpi: declared,
                    exact: false,
                    bilevel,
                })
            }
        }
    }

    fn fax_page(&self, ifd: &Ifd, w: u32, h: u32, compression: u64) -> Result<GrayImage, String> {
        if self.first(ifd, tag::BITS_PER_SAMPLE).unwrap_or(1) != 1 {
            return Err("CCITT-komprimering kräver en bit per bildpunkt".into());
        }
        if Self::entry(ifd, tag::TILE_OFFSETS).is_some() {
            return Err("CCITT-komprimerade rutor (tiles) stöds inte".into());
        }
        let rows_per_strip = self
            .first(ifd, tag::ROWS_PER_STRIP)
            .unwrap_or(u64::from(h))
            .clamp(1, u64::from(h)) as u32;
        let strips = u64::from(h.div_ceil(rows_per_strip));
        let offsets = self
            .uints(ifd, tag::STRIP_OFFSETS, strips)?
            .ok_or("StripOffsets saknas")?;
        let counts = self
            .uints(ifd, tag::STRIP_BYTE_COUNTS, strips)?
            .unwrap_or_default();
        let t4 = self.first(ifd, tag::T4_OPTIONS).unwrap_or(0);
        if compression == 3 && t4 & 2 != 0 {
            return Err("okomprimerat läge i CCITT-data (T4Options) stöds inte".into());
        }
        let (k, byte_align, end_of_line) = match compression {
            2 => (0, true, false),
            3 => (i32::from(t4 & 1 == 1), false, true),
            _ => (-1, false, false),
        };
        let reverse = self.first(ifd, tag::FILL_ORDER) == Some(2);
        // WhiteIsZero (0) is the fax convention; BlackIsZero (1) swaps the colours.
        let (white, black) = if self.first(ifd, tag::PHOTOMETRIC) == Some(1) {
            (0, 255)
        } else {
            (255, 0)
        };
        let mut out = GrayImage::new(w, h);
        let width = w as usize;
        for (s, &offset) in offsets.iter().enumerate() {
            let row0 = s as u32 * rows_per_strip;
            if row0 >= h {
                break;
            }
            let rows = rows_per_strip.min(h - row0);
            let len = counts
                .get(s)
                .copied()
                .unwrap_or_else(|| self.size.saturating_sub(offset));
            let mut data = read_range(&self.file, self.size, offset, len)?;
            if reverse {
                data.iter_mut().for_each(|b| *b = b.reverse_bits());
            }
            let params = ccitt::Params {
                k,
                columns: w,
                rows,
                byte_align,
                end_of_line,
            };
            ccitt::decode(&data, &params, |r, changes| {
                let start = (row0 + r) as usize * width;
                ccitt::paint(&mut (*out)[start..start + width], changes, white, black);
            })
            .map_err(|e| e.reason())?;
        }
        Ok(out)
    }

    /// Anything but CCITT, through the `tiff` crate, one strip or tile at a time.
    fn other_page(
        &self,
        ifd: &Ifd,
        w: u32,
        h: u32,
        limits: &Limits,
    ) -> Result<(GrayImage, bool), String> {
        let err = |e: ::tiff::TiffError| format!("TIFF-bilden kunde inte läsas ({e})");
        if self.first(ifd, tag::PLANAR_CONFIGURATION) == Some(2) {
            return Err("TIFF med separata färgplan stöds inte".into());
        }
        let reader = BufReader::new(FileAt::new(&self.file, self.size));
        let mut dec = Decoder::new(reader).map_err(err)?;
        dec.seek_to_image(ifd.chain_index).map_err(err)?;
        if dec.dimensions().map_err(err)? != (w, h) {
            return Err("TIFF-bildens storlek är motsägelsefull".into());
        }
        let colour = dec.colortype().map_err(err)?;
        let chunk_type = dec.get_chunk_type();
        let (cw, ch) = dec.chunk_dimensions();
        let chunks = match chunk_type {
            ChunkType::Strip => dec.strip_count().map_err(err)?,
            ChunkType::Tile => dec.tile_count().map_err(err)?,
        };
        // One strip or tile is decoded at a time, in its own sample size: that is what the budget bounds (the
        // grey page itself is bounded by the pixel limit).
        let bits = colour.bit_depth() as u64 * colour.num_samples() as u64;
        if let Err(DecodeError::PageTooManyBytes { bytes, max, .. }) =
            check_decoded_bytes(0, u64::from(cw), u64::from(ch), bits, limits)
        {
            return Err(format!(
                "en remsa av bilden blir för stor avkodad ({} MB; högst {} MB)",
                bytes >> 20,
                max >> 20
            ));
        }
        let across = w.div_ceil(cw.max(1)).max(1);
        let mut out = GrayImage::from_pixel(w, h, image::Luma([255]));
        for i in 0..chunks {
            let (x0, y0) = match chunk_type {
                ChunkType::Strip => (0, i * ch),
                ChunkType::Tile => ((i % across) * cw, (i / across) * ch),
            };
            if x0 >= w || y0 >= h {
                continue;
            }
            let (dw, dh) = dec.chunk_data_dimensions(i);
            let data = dec.read_chunk(i).map_err(err)?;
            place(&mut out, &data, colour, dw, dh, x0, y0)?;
        }
        Ok((out, colour == ColorType::Gray(1)))
    }
}

/// A fax page without a resolution: fax widths are 1728 pixels for 215 mm (204 dpi, or a multiple), and a page
/// about as high as it is wide in pixels is normal resolution (98 lines per inch), a taller one fine (196).
fn fax_resolution(w: u32, h: u32) -> Option<(f32, f32)> {
    if !matches!(w, 1728 | 2048 | 2432 | 3456) {
        return None;
    }
    let x = 204.0 * w as f32 / 1728.0;
    let y = if (h as f32) < 0.9 * w as f32 {
        x * 98.0 / 204.0
    } else {
        x * 196.0 / 204.0
    };
    Some((x, y))
}

/// Copy a decoded strip or tile into the page as grey.
fn place(
    out: &mut GrayImage,
    data: &DecodingResult,
    colour: ColorType,
    dw: u32,
    dh: u32,
    x0: u32,
    y0: u32,
) -> Result<(), String> {
    let unsupported = || format!("TIFF-färgtypen {colour:?} stöds inte");
    let samples: std::borrow::Cow<[u8]> = match data {
        DecodingResult::U8(v) => v.into(),
        DecodingResult::U16(v) => v
            .iter()
            .map(|&s| (s >> 8) as u8)
            .collect::<Vec<u8>>()
            .into(),
        _ => return Err(unsupported()),
    };
    let (w, h) = out.dimensions();
    let cols = dw.min(w - x0) as usize;
    let rows = dh.min(h - y0) as usize;
    let grey_of: fn(&[u8]) -> u8 = match colour {
        ColorType::Gray(1 | 2 | 4) => {
            let bits = colour.bit_depth() as usize;
            let row_bytes = (dw as usize * bits).div_ceil(8);
            let max = (1u32 << bits) - 1;
            for y in 0..rows {
                let src = samples
                    .get(y * row_bytes..(y + 1) * row_bytes)
                    .ok_or("TIFF-remsan är för kort")?;
                for x in 0..cols {
                    let bit = x * bits;
                    let v = u32::from(src[bit / 8] >> (8 - bits - bit % 8)) & max;
                    out.put_pixel(
                        x0 + x as u32,
                        y0 + y as u32,
                        image::Luma([(v * 255 / max) as u8]),
                    );
                }
            }
            return Ok(());
        }
        ColorType::Gray(_) | ColorType::YCbCr(_) | ColorType::Multiband { .. } => |p| p[0],
        ColorType::GrayA(_) => |p| on_white(p[0], p[1]),
        ColorType::RGB(_) => |p| luma(p[0], p[1], p[2]),
        ColorType::RGBA(_) => |p| on_white(luma(p[0], p[1], p[2]), p[3]),
        ColorType::CMYK(_) | ColorType::CMYKA(_) => |p| {
            let k = 255 - u32::from(p[3]);
            let c = |v: u8| ((255 - u32::from(v)) * k / 255) as u8;
            luma(c(p[0]), c(p[1]), c(p[2]))
        },
        _ => return Err(unsupported()),
    };
    let n = usize::from(colour.num_samples());
    let row_len = dw as usize * n;
    for y in 0..rows {
        let src = samples
            .get(y * row_len..(y + 1) * row_len)
            .ok_or("TIFF-remsan är för kort")?;
        let start = (y0 as usize + y) * w as usize + x0 as usize;
        let dst = &mut (**out)[start..start + cols];
        for (d, px) in dst.iter_mut().zip(src.chunks_exact(n)) {
            *d = grey_of(px);
        }
    }
    Ok(())
}

fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

fn on_white(grey: u8, alpha: u8) -> u8 {
    ((u32::from(grey) * u32::from(alpha) + 255 * (255 - u32::from(alpha)) + 127) / 255) as u8
}
