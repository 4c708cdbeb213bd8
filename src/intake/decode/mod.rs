//! Scan files to page images: PDF (scanner images in DCT, Flate or CCITT; or a PDF that is not a scan, which is
//! rasterised), TIFF (multi-page, bilevel fax at 204x98 and 204x196 dpi), PNG and JPEG.
//!
//! Pages are decoded one at a time on request so that a 500-page scanner PDF never has more than a page or two
//! in memory. Every limit on outside input is checked before the allocation it guards.
//!
//! ```no_run
//! use blankett::intake::decode::{Limits, open};
//! let source = open("scan.pdf".as_ref(), &Limits::default())?;
//! for i in 0..source.count() {
//!     let page = source.page(i)?;
//!     println!("{} x {} px at {} dpi", page.image.width(), page.image.height(), page.dpi);
//! }
//! # Ok::<(), blankett::intake::decode::DecodeError>(())
//! ```

mod ccitt;
mod filters;
mod pdf;
mod poppler;
mod raster;
mod tiff;

use image::GrayImage;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// One page as intake sees it: grey, square pixels (fax pages are resampled), with the resolution it was
/// scanned at.
#[derive(Debug, Clone)]
pub struct ScanPage {
    /// 0-based position of the page in its file.
    pub index: usize,
    pub image: GrayImage,
    /// Pixels per inch after resampling to square pixels; taken from the file, or from the page width when the
    /// file's figure is missing or implausible (an A4 page is 210 mm wide).
    pub dpi: f32,
    /// True for 1-bit sources (fax, bilevel scans): thresholds differ.
    pub bilevel: bool,
}

/// Limits on outside input.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_pages: usize,
    /// Width x height of one decoded page.
    pub max_page_pixels: u64,
    pub max_page_side: u32,
    /// Bytes a decoder may produce for one page (or one strip of it) before it is converted to 8-bit grey:
    /// width x height x bytes per sample x samples. Pixels alone do not bound memory: a 16-bit RGBA page takes
    /// eight bytes a pixel.
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1 << 30,
            max_pages: 5_000,
            max_page_pixels: 120_000_000,
            max_page_side: 20_000,
            // An A4 page at 600 dpi in 8-bit RGB is 104 MB; with the grey copy made from it, intake stays well
            // under 400 MB for any page it accepts.
            max_decoded_bytes: 160 << 20,
        }
    }
}

/// Page numbers in the errors are 1-based, as a person counts them.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("filen är varken PDF, TIFF, PNG eller JPEG")]
    UnknownFormat,
    #[error("filen är tom")]
    Empty,
    #[error("filen är för stor ({0} byte)")]
    TooLarge(u64),
    #[error("filen har för många sidor ({0})")]
    TooManyPages(usize),
    #[error("sidan {page} är för stor ({width} x {height} bildpunkter)")]
    PageTooLarge {
        page: usize,
        width: u64,
        height: u64,
    },
    #[error(
        "sidan {page} blir för stor avkodad ({width} x {height} bildpunkter, {} MB; högst {} MB)",
        .bytes >> 20,
        .max >> 20
    )]
    PageTooManyBytes {
        page: usize,
        width: u64,
        height: u64,
        bytes: u64,
        max: u64,
    },
    /// A page that would cost too much to draw (see `pdf::budget`).
    #[error("sidan {page} ritas inte: {reason}")]
    OverBudget { page: usize, reason: String },
    #[error("filen är trasig eller ofullständig: {0}")]
    Corrupt(String),
    #[error("sidan {page} kunde inte avkodas: {reason}")]
    Page { page: usize, reason: String },
    #[error("sidan {page} finns inte: filen har {count} sidor")]
    NoSuchPage { page: usize, count: usize },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The container format, sniffed from the first bytes of the file (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Tiff,
    Png,
    Jpeg,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Tiff => "TIFF",
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
        }
    }

    /// The format of a file that starts with `head` (its first kilobyte is enough).
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if head.starts_with(b"II*\0")
            || head.starts_with(b"MM\0*")
            || head.starts_with(b"II+\0")
            || head.starts_with(b"MM\0+")
        {
            Some(Format::Tiff)
        } else if pdf_header_offset(head).is_some() {
            Some(Format::Pdf)
        } else {
            None
        }
    }
}

/// Where `%PDF-` starts: readers accept up to 1024 bytes of junk before it.
fn pdf_header_offset(head: &[u8]) -> Option<usize> {
    head[..head.len().min(1024)]
        .windows(5)
        .position(|w| w == b"%PDF-")
}

/// An opened scan file. Pages are decoded one at a time by [`PageSource::page`]; the source holds the file open and
/// only what it needs to find the pages (for a PDF: the object tree without the image data). `page` takes `&self`
/// and may be called from several threads at once.
pub struct PageSource {
    path: PathBuf,
    format: Format,
    kind: Kind,
    limits: Limits,
}

enum Kind {
    Pdf(Box<pdf::PdfFile>),
    Tiff(tiff::TiffFile),
    Raster(raster::RasterFile),
}

/// Open a scan file: check its size, sniff its format, and find its pages without decoding any of them.
pub fn open(path: &Path, limits: &Limits) -> Result<PageSource, DecodeError> {
    guard(|| open_unguarded(path, limits), DecodeError::Corrupt)
}

fn open_unguarded(path: &Path, limits: &Limits) -> Result<PageSource, DecodeError> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "inte en vanlig fil").into());
    }
    let size = meta.len();
    if size == 0 {
        return Err(DecodeError::Empty);
    }
    if size > limits.max_file_bytes {
        return Err(DecodeError::TooLarge(size));
    }
    let mut head = vec![0u8; size.min(1024) as usize];
    file.read_exact_at(&mut head, 0)?;
    let format = Format::sniff(&head).ok_or(DecodeError::UnknownFormat)?;
    let kind = match format {
        Format::Pdf => {
            let offset = pdf_header_offset(&head).unwrap_or(0) as u64;
            Kind::Pdf(Box::new(pdf::PdfFile::open(
                path, file, size, offset, limits,
            )?))
        }
        Format::Tiff => Kind::Tiff(tiff::TiffFile::open(file, size, limits)?),
        Format::Png | Format::Jpeg => Kind::Raster(raster::RasterFile::new(file, size, format)),
    };
    Ok(PageSource {
        path: path.to_path_buf(),
        format,
        kind,
        limits: *limits,
    })
}

impl PageSource {
    pub fn format(&self) -> Format {
        self.format
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn count(&self) -> usize {
        match &self.kind {
            Kind::Pdf(p) => p.count(),
            Kind::Tiff(t) => t.count(),
            Kind::Raster(_) => 1,
        }
    }

    /// Decode page `index` (0-based).
    pub fn page(&self, index: usize) -> Result<ScanPage, DecodeError> {
        let count = self.count();
        if index >= count {
            return Err(DecodeError::NoSuchPage {
                page: index + 1,
                count,
            });
        }
        let limits = &self.limits;
        guard(
            || {
                let decoded = match &self.kind {
                    Kind::Pdf(p) => p.page(index, limits)?,
                    Kind::Tiff(t) => t.page(index, limits)?,
                    Kind::Raster(r) => r.page(limits)?,
                };
                decoded.finish(index, limits)
            },
            |reason| DecodeError::Page {
                page: index + 1,
                reason,
            },
        )
    }

    /// Every page in order, each decoded when the iterator reaches it.
    pub fn pages(&self) -> impl Iterator<Item = Result<ScanPage, DecodeError>> + '_ {
        (0..self.count()).map(|i| self.page(i))
    }
}

/// A page as a format decoder hands it over: any pixel aspect, resolution as the file gives it.
struct Decoded {
    image: GrayImage,
    /// Horizontal and vertical resolution the file declares, if any, before any plausibility check.
    declared_dpi: Option<(f32, f32)>,
    /// The resolution is known, not declared: a page rasterised here. No plausibility check.
    exact: bool,
    bilevel: bool,
}

impl Decoded {
    /// Check the resolution, resample to square pixels, and make the [`ScanPage`].
    fn finish(self, index: usize, limits: &Limits) -> Result<ScanPage, DecodeError> {
        let (w, h) = self.image.dimensions();
        let (dx, dy) = match self.declared_dpi {
            Some(d) if self.exact => d,
            declared => plausible_dpi(declared, w, h),
        };
        let (image, dpi) = to_square(self.image, dx, dy, self.bilevel, index, limits)?;
        Ok(ScanPage {
            index,
            image,
            dpi: snap_dpi(dpi),
            bilevel: self.bilevel,
        })
    }
}

/// Refuse a page before allocating it: `PageTooLarge` for sizes over the limits, `Page` for an empty size.
fn check_page_size(
    page: usize,
    width: u64,
    height: u64,
    limits: &Limits,
) -> Result<(), DecodeError> {
    if width == 0 || height == 0 {
        return Err(DecodeError::Page {
            page: page + 1,
            reason: format!("bilden har storleken {width} x {height}"),
        });
    }
    let side = u64::from(limits.max_page_side);
    if width > side || height > side || width.saturating_mul(height) > limits.max_page_pixels {
        return Err(DecodeError::PageTooLarge {
            page: page + 1,
            width,
            height,
        });
    }
    Ok(())
}

/// Refuse a decoder's output before it is allocated: width x height x `bits_per_pixel` (bits per sample x
/// samples) over [`Limits::max_decoded_bytes`].
fn check_decoded_bytes(
    page: usize,
    width: u64,
    height: u64,
    bits_per_pixel: u64,
    limits: &Limits,
) -> Result<(), DecodeError> {
    let bytes = width
        .saturating_mul(bits_per_pixel)
        .div_ceil(8)
        .saturating_mul(height);
    if bytes > limits.max_decoded_bytes {
        return Err(DecodeError::PageTooManyBytes {
            page: page + 1,
            width,
            height,
            bytes,
            max: limits.max_decoded_bytes,
        });
    }
    Ok(())
}

/// Limits for the `image` crate's decoders, from ours (they refuse a header over them before allocating). The
/// allocation limit is the decoded-bytes budget with room for the decoder's own buffers.
fn image_limits(limits: &Limits) -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_page_side);
    l.max_image_height = Some(limits.max_page_side);
    l.max_alloc = Some(limits.max_decoded_bytes.saturating_add(16 << 20));
    l
}

/// The width of A4 paper in inches: the page size a resolution is estimated from.
const A4_WIDTH_IN: f32 = 210.0 / 25.4;

/// The resolution to use: the declared one when it gives a plausible size for a form (short side 10–24 cm, long
/// side 14–40 cm: A5 to Legal, with room for a scanner's margins; at 50–2400 dpi), else an estimate that assumes
/// the short side of the image is an A4 page's width.
/// A declared figure is often wrong: img2pdf writes 96 dpi for images without a resolution, cameras write 72.
fn plausible_dpi(declared: Option<(f32, f32)>, width: u32, height: u32) -> (f32, f32) {
    if let Some((x, y)) = declared {
        let sane = |d: f32| d.is_finite() && (50.0..=2400.0).contains(&d);
        if sane(x) && sane(y) && (0.25..=4.0).contains(&(x / y)) {
            let w_mm = width as f32 / x * 25.4;
            let h_mm = height as f32 / y * 25.4;
            let (short, long) = if w_mm <= h_mm {
                (w_mm, h_mm)
            } else {
                (h_mm, w_mm)
            };
            if (100.0..=240.0).contains(&short) && (140.0..=400.0).contains(&long) {
                return (x, y);
            }
        }
    }
    let d = width.min(height) as f32 / A4_WIDTH_IN;
    (d, d)
}

/// Round a resolution to a common scanner setting when it is within 0.5 % of one (a page width in points is
/// often rounded), else to two decimals.
fn snap_dpi(dpi: f32) -> f32 {
    const COMMON: [f32; 13] = [
        72.0, 75.0, 96.0, 100.0, 120.0, 150.0, 200.0, 204.0, 240.0, 300.0, 400.0, 600.0, 1200.0,
    ];
    COMMON
        .into_iter()
        .find(|c| (dpi - c).abs() <= c * 0.005)
        .unwrap_or((dpi * 100.0).round() / 100.0)
}

/// Resample to square pixels by stretching the axis with the lower resolution (a 204x98 dpi fax page gets
/// 204/98 times as many rows). Bilevel images repeat the nearest row or column, so they stay bilevel; grey ones
/// interpolate linearly. Returns the image and its resolution, the higher of the two.
fn to_square(
    image: GrayImage,
    dx: f32,
    dy: f32,
    bilevel: bool,
    index: usize,
    limits: &Limits,
) -> Result<(GrayImage, f32), DecodeError> {
    if (dx / dy - 1.0).abs() < 0.01 {
        return Ok((image, (dx + dy) / 2.0));
    }
    let (w, h) = image.dimensions();
    let (nw, nh) = if dx > dy {
        (w, (h as f64 * f64::from(dx) / f64::from(dy)).round() as u32)
    } else {
        ((w as f64 * f64::from(dy) / f64::from(dx)).round() as u32, h)
    };
    check_page_size(index, u64::from(nw), u64::from(nh), limits)?;
    let mut out = GrayImage::new(nw, nh);
    if dx > dy {
        // Stretch vertically: each output row is a source row or a blend of two.
        let scale = h as f64 / nh as f64;
        for (oy, row) in out.chunks_exact_mut(nw as usize).enumerate() {
            let sy = ((oy as f64 + 0.5) * scale - 0.5).clamp(0.0, (h - 1) as f64);
            let y0 = sy.floor() as u32;
            let y1 = (y0 + 1).min(h - 1);
            let t = sy - f64::from(y0);
            let r0 = &image.as_raw()[(y0 * w) as usize..((y0 + 1) * w) as usize];
            if bilevel || t < 1e-6 || y0 == y1 {
                let src = if bilevel && t >= 0.5 { y1 } else { y0 };
                row.copy_from_slice(&image.as_raw()[(src * w) as usize..((src + 1) * w) as usize]);
            } else {
                let r1 = &image.as_raw()[(y1 * w) as usize..((y1 + 1) * w) as usize];
                let wt = (t * 256.0) as u32;
                for ((o, &a), &b) in row.iter_mut().zip(r0).zip(r1) {
                    *o = ((u32::from(a) * (256 - wt) + u32::from(b) * wt + 128) >> 8) as u8;
                }
            }
        }
        Ok((out, dx))
    } else {
        let scale = w as f64 / nw as f64;
        let taps: Vec<(usize, usize, u32)> = (0..nw)
            .map(|ox| {
                let sx = ((ox as f64 + 0.5) * scale - 0.5).clamp(0.0, (w - 1) as f64);
                let x0 = sx.floor() as u32;
                let x1 = (x0 + 1).min(w - 1);
                let t = sx - f64::from(x0);
                if bilevel {
                    let x = if t >= 0.5 { x1 } else { x0 } as usize;
                    (x, x, 0)
                } else {
                    (x0 as usize, x1 as usize, (t * 256.0) as u32)
                }
            })
            .collect();
        for (src, row) in image
            .chunks_exact(w as usize)
            .zip(out.chunks_exact_mut(nw as usize))
        {
            for (o, &(x0, x1, wt)) in row.iter_mut().zip(&taps) {
                *o = ((u32::from(src[x0]) * (256 - wt) + u32::from(src[x1]) * wt + 128) >> 8) as u8;
            }
        }
        Ok((out, dy))
    }
}

/// Run a decoder, turning a panic inside it (a third-party decoder meeting hostile input) into an error.
fn guard<T>(
    run: impl FnOnce() -> Result<T, DecodeError>,
    on_panic: impl FnOnce(String) -> DecodeError,
) -> Result<T, DecodeError> {
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(payload) => Err(on_panic(format!(
            "avkodaren avbröts ({})",
            panic_text(payload.as_ref())
        ))),
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "okänt fel".to_string()
    }
}

/// Read `len` bytes at `offset` of a file, refusing ranges outside it before allocating.
fn read_range(file: &File, file_size: u64, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    let end = offset.checked_add(len).ok_or("ogiltig position i filen")?;
    if end > file_size {
        return Err(format!(
            "data vid byte {offset}–{end} ligger utanför filen ({file_size} byte)"
        ));
    }
    let mut buf = vec![0u8; len as usize];
    file.read_exact_at(&mut buf, offset)
        .map_err(|e| format!("läsfel: {e}"))?;
    Ok(buf)
}

/// `Read + Seek` over a shared file by positioned reads, so that several pages can be read at once.
struct FileAt<'a> {
    file: &'a File,
    pos: u64,
    len: u64,
}

impl<'a> FileAt<'a> {
    fn new(file: &'a File, len: u64) -> Self {
        FileAt { file, pos: 0, len }
    }
}

impl Read for FileAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for FileAt<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "position före filens början")
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(Format::sniff(b"%PDF-1.7\n"), Some(Format::Pdf));
        assert_eq!(Format::sniff(b"\n\n%PDF-1.4"), Some(Format::Pdf));
        assert_eq!(Format::sniff(b"II*\0\x08\0\0\0"), Some(Format::Tiff));
        assert_eq!(Format::sniff(b"MM\0*\0\0\0\x08"), Some(Format::Tiff));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n"), Some(Format::Png));
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(Format::sniff("Hej, detta är text".as_bytes()), None);
    }

    #[test]
    fn resolution_from_file_or_from_width() {
        // An A4 page at 300 dpi: the declared figure stands.
        assert_eq!(
            plausible_dpi(Some((300.0, 300.0)), 2480, 3508),
            (300.0, 300.0)
        );
        // img2pdf's 96 dpi for the same page means a 656 mm wide page: estimate from the width instead.
        let (x, y) = plausible_dpi(Some((96.0, 96.0)), 2480, 3508);
        assert_eq!((snap_dpi(x), snap_dpi(y)), (300.0, 300.0));
        // Fax normal resolution is plausible as declared.
        assert_eq!(
            plausible_dpi(Some((204.0, 98.0)), 1728, 1100),
            (204.0, 98.0)
        );
        // Nothing declared: estimate.
        assert_eq!(snap_dpi(plausible_dpi(None, 1654, 2339).0), 200.0);
    }

    #[test]
    fn squares_fax_pixels() {
        let mut img = GrayImage::from_pixel(10, 4, image::Luma([255]));
        img.put_pixel(3, 1, image::Luma([0]));
        let limits = Limits::default();
        let (sq, dpi) = to_square(img, 204.0, 98.0, true, 0, &limits).unwrap();
        assert_eq!(dpi, 204.0);
        assert_eq!(sq.dimensions(), (10, 8));
        assert!(sq.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
        // Row 1 of the source covers rows 2..4 of the result.
        let dark: Vec<u32> = (0..8).filter(|&y| sq.get_pixel(3, y).0[0] == 0).collect();
        assert_eq!(dark, vec![2, 3]);
    }
}
