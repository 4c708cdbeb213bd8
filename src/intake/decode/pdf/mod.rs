//! PDF: a scanner's page is one image covering the page, and that image is taken out as it is (no resampling);
//! any other page is rasterised by Poppler's `pdftoppm` at 300 dpi.
//!
//! Memory: the object tree is loaded object by object ([`load`]); image data stays in the file and is read when
//! its page is asked for, so a 500-page scanner PDF takes a few megabytes until pages are decoded.

mod budget;
mod content;
mod load;
mod xobject;

use super::{
    DecodeError, Decoded, Limits, check_page_size, filters, panic_text, poppler, read_range,
};
use image::{GrayImage, imageops};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Keys the loader puts in an image's dictionary instead of its data: where in the file the data starts (from
/// the start of the file) and how long it is.
const DATA_START: &[u8] = b"BlankettDataStart";
const DATA_LENGTH: &[u8] = b"BlankettDataLength";

/// Resolution at which pages that are not a single scanned image are rasterised.
const RENDER_DPI: f64 = 300.0;

/// Content streams of one page (or form XObject) larger than this are not examined; the page is rasterised.
const CONTENT_CAP: usize = 32 << 20;

pub(super) struct PdfFile {
    path: PathBuf,
    file: File,
    size: u64,
    doc: Document,
    /// The pages' objects; empty for a file whose pages Poppler counts and renders (encrypted or damaged).
    pages: Vec<ObjectId>,
    count: usize,
    /// Unpacked sizes of the streams pages draw, measured once (see [`budget`]).
    sizes: budget::Sizes,
}

impl PdfFile {
    pub fn open(
        path: &Path,
        file: File,
        size: u64,
        header: u64,
        limits: &Limits,
    ) -> Result<Self, DecodeError> {
        // lopdf's parser recurses: the loader checks nesting before it runs, and a large stack keeps a margin.
        let worker = std::thread::Builder::new()
            .name("blankett-pdf".into())
            .stack_size(256 << 20)
            .spawn(move || {
                let doc = load::load(&file, size, header);
                (file, doc)
            })?;
        let (file, doc) = worker.join().map_err(|p| {
            DecodeError::Corrupt(format!("PDF-läsaren avbröts ({})", panic_text(p.as_ref())))
        })?;
        // Encrypted files and files whose structure is damaged but can be rebuilt go to Poppler whole; a file
        // without its end is refused.
        let (doc, pages) = match doc {
            Err(load::LoadError::CutOff) => {
                return Err(DecodeError::Corrupt(
                    "PDF-filen är avklippt (startxref saknas i slutet)".into(),
                ));
            }
            Err(load::LoadError::Broken(reason)) => (Document::new(), Err(reason)),
            Ok(doc) if doc.trailer.get(b"Encrypt").is_ok() => (doc, Err(String::new())),
            Ok(doc) => {
                let pages: Vec<ObjectId> = doc
                    .page_iter()
                    .take(limits.max_pages.saturating_add(1))
                    .collect();
                let pages = if pages.is_empty() {
                    Err("sidträdet saknas eller är tomt".into())
                } else {
                    Ok(pages)
                };
                (doc, pages)
            }
        };
        let (pages, count) = match pages {
            Ok(pages) => {
                let count = pages.len();
                (pages, count)
            }
            Err(reason) => match poppler::page_count(path) {
                Ok(count) => (Vec::new(), count),
                Err(_) if !reason.is_empty() => {
                    return Err(DecodeError::Corrupt(format!(
                        "PDF-strukturen kunde inte läsas: {reason}"
                    )));
                }
                Err(e) => return Err(e),
            },
        };
        if count > limits.max_pages {
            return Err(DecodeError::TooManyPages(count));
        }
        if count == 0 {
            return Err(DecodeError::Corrupt("PDF-filen har inga sidor".into()));
        }
        Ok(PdfFile {
            path: path.to_path_buf(),
            file,
            size,
            doc,
            pages,
            count,
            sizes: budget::Sizes::default(),
        })
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn page(&self, index: usize, limits: &Limits) -> Result<Decoded, DecodeError> {
        let Some(&id) = self.pages.get(index) else {
            // Encrypted (the image data is encrypted on disk) or damaged: Poppler does it all.
            return self.render(index, None, limits);
        };
        let page = PageInfo::read(&self.doc, id).map_err(|reason| DecodeError::Page {
            page: index + 1,
            reason,
        })?;
        // Before anything unpacks the page's content: a page over budget goes to a person with the reason.
        if let Some(reason) = budget::over_budget(
            &self.doc,
            &self.sizes,
            page.dict,
            page.resources,
            budget::Check::Content,
        ) {
            return Err(DecodeError::OverBudget {
                page: index + 1,
                reason,
            });
        }
        if let Some(decoded) = self.scanned_image(index, &page, limits)? {
            return Ok(decoded);
        }
        self.render(index, Some(&page), limits)
    }

    /// The page's image if the page is a scan: a single image covering the page, perhaps under invisible text.
    fn scanned_image(
        &self,
        index: usize,
        page: &PageInfo,
        limits: &Limits,
    ) -> Result<Option<Decoded>, DecodeError> {
        let Ok(content) = page_content(&self.doc, page.dict) else {
            return Ok(None);
        };
        let Some(placed) = content::single_image(&self.doc, &content, page.resources) else {
            return Ok(None);
        };
        let Some(orientation) = Orientation::of(&placed.ctm, page.rotate) else {
            return Ok(None);
        };
        if !page.covered_by(&placed.ctm) {
            return Ok(None);
        }
        let Ok(stream) = self
            .doc
            .get_object(placed.image)
            .and_then(Object::as_stream)
        else {
            return Ok(None);
        };
        let source = xobject::Source {
            doc: &self.doc,
            resources: page.resources,
            page: index,
            limits,
        };
        let (image, bilevel) = match xobject::decode(&source, stream, || self.image_data(stream)) {
            Ok(decoded) => decoded,
            Err(xobject::Failure::Fallback) => return Ok(None),
            Err(xobject::Failure::Error(e)) => return Err(e),
        };
        let image = orientation.apply(image);
        // The image's size on the page, in inches, along the output's axes.
        let (a, b, c, d) = (placed.ctm[0], placed.ctm[1], placed.ctm[2], placed.ctm[3]);
        let (mut w_in, mut h_in) = (
            a.hypot(b) * page.user_unit / 72.0,
            c.hypot(d) * page.user_unit / 72.0,
        );
        if orientation.transposes() {
            std::mem::swap(&mut w_in, &mut h_in);
        }
        let declared = (image.width() as f64 / w_in, image.height() as f64 / h_in);
        Ok(Some(Decoded {
            image,
            declared_dpi: Some((declared.0 as f32, declared.1 as f32)),
            exact: false,
            bilevel,
        }))
    }

    /// The bytes of an image stream, read from the file where the loader found them.
    fn image_data(&self, stream: &Stream) -> Result<Vec<u8>, String> {
        let dict = &stream.dict;
        match (
            dict.get(DATA_START).and_then(Object::as_i64),
            dict.get(DATA_LENGTH).and_then(Object::as_i64),
        ) {
            (Ok(start), Ok(len)) if start >= 0 && len >= 0 => {
                read_range(&self.file, self.size, start as u64, len as u64)
            }
            _ => Ok(stream.content.clone()),
        }
    }

    /// Rasterise with Poppler; `page` (unknown for encrypted files) lets an oversized page be refused first.
    fn render(
        &self,
        index: usize,
        page: Option<&PageInfo>,
        limits: &Limits,
    ) -> Result<Decoded, DecodeError> {
        if let Some(page) = page {
            let [x0, y0, x1, y1] = page.visible;
            let (mut w, mut h) = ((x1 - x0) * page.user_unit, (y1 - y0) * page.user_unit);
            if page.rotate % 180 != 0 {
                std::mem::swap(&mut w, &mut h);
            }
            let px = |pt: f64| (pt / 72.0 * RENDER_DPI).ceil().max(1.0) as u64;
            check_page_size(index, px(w), px(h), limits)?;
            if let Some(reason) = budget::over_budget(
                &self.doc,
                &self.sizes,
                page.dict,
                page.resources,
                budget::Check::ContentAndImages,
            ) {
                return Err(DecodeError::OverBudget {
                    page: index + 1,
                    reason,
                });
            }
        }
        let image = poppler::render_page(&self.path, index, RENDER_DPI as u32, limits)?;
        let dpi = RENDER_DPI as f32;
        Ok(Decoded {
            image,
            declared_dpi: Some((dpi, dpi)),
            exact: true,
            bilevel: false,
        })
    }
}

/// Apply a stream's byte filters (no image codecs) to its in-memory content, producing at most `cap` bytes.
fn stream_bytes_unchecked(stream: &Stream, cap: usize) -> Result<Vec<u8>, filters::FilterError> {
    let (names, parms) = filter_list(&stream.dict, None);
    let mut data = stream.content.clone();
    for (name, parm) in names.iter().zip(parms) {
        data = apply_filter(name, parm, data, cap)?;
    }
    Ok(data)
}

/// A stream's content with its filters applied, resolving references through `doc`.
fn stream_bytes(
    doc: &Document,
    stream: &Stream,
    cap: usize,
) -> Result<Vec<u8>, filters::FilterError> {
    let (names, parms) = filter_list(&stream.dict, Some(doc));
    let mut data = stream.content.clone();
    for (name, parm) in names.iter().zip(parms) {
        data = apply_filter(name, parm, data, cap)?;
    }
    Ok(data)
}

/// The filter names of a stream and the parameters of each (`/Filter` and `/DecodeParms` may each be a single
/// value or an array).
fn filter_list<'a>(
    dict: &'a Dictionary,
    doc: Option<&'a Document>,
) -> (Vec<Vec<u8>>, Vec<Option<&'a Dictionary>>) {
    let deref = |o: &'a Object| match (doc, o) {
        (Some(doc), o) => doc.dereference(o).map(|(_, o)| o).unwrap_or(o),
        (None, o) => o,
    };
    let names: Vec<Vec<u8>> = match dict.get(b"Filter").map(deref) {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| deref(o).as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    };
    let parms: Vec<Option<&Dictionary>> = match dict
        .get(b"DecodeParms")
        .or_else(|_| dict.get(b"DP"))
        .map(deref)
    {
        Ok(Object::Dictionary(d)) => vec![Some(d)],
        Ok(Object::Array(a)) => a.iter().map(|o| deref(o).as_dict().ok()).collect(),
        _ => Vec::new(),
    };
    let parms = (0..names.len())
        .map(|i| parms.get(i).copied().flatten())
        .collect();
    (names, parms)
}

/// One byte filter; image codecs are not byte filters and give an error here.
fn apply_filter(
    name: &[u8],
    parms: Option<&Dictionary>,
    data: Vec<u8>,
    cap: usize,
) -> Result<Vec<u8>, filters::FilterError> {
    let int = |key: &[u8], default: i64| {
        parms
            .and_then(|p| p.get(key).and_then(Object::as_i64).ok())
            .unwrap_or(default)
    };
    let out = match name {
        b"FlateDecode" | b"Fl" => filters::inflate(&data, cap)?,
        b"LZWDecode" | b"LZW" => filters::lzw(&data, int(b"EarlyChange", 1) != 0, cap)?,
        b"ASCIIHexDecode" | b"AHx" => filters::ascii_hex(&data)?,
        b"ASCII85Decode" | b"A85" => filters::ascii85(&data, cap)?,
        b"RunLengthDecode" | b"RL" => filters::run_length(&data, cap)?,
        other => {
            return Err(filters::FilterError::Invalid(format!(
                "filtret {} stöds inte",
                String::from_utf8_lossy(other)
            )));
        }
    };
    let predictor = int(b"Predictor", 1);
    if matches!(name, b"FlateDecode" | b"Fl" | b"LZWDecode" | b"LZW") && predictor > 1 {
        let colors = int(b"Colors", 1).clamp(1, 32) as usize;
        let bpc = int(b"BitsPerComponent", 8).clamp(1, 16) as usize;
        let columns = int(b"Columns", 1).clamp(1, 1 << 20) as usize;
        return filters::unpredict(out, predictor, colors, bpc, columns);
    }
    Ok(out)
}

/// The page's content streams, unpacked and joined.
fn page_content(doc: &Document, page: &Dictionary) -> Result<Vec<u8>, String> {
    let contents = match page.get(b"Contents") {
        Ok(o) => doc.dereference(o).map_err(|e| e.to_string())?.1,
        Err(_) => return Ok(Vec::new()),
    };
    let streams: Vec<&Stream> = match contents {
        Object::Stream(s) => vec![s],
        Object::Array(a) => a
            .iter()
            .map(|o| {
                doc.dereference(o)
                    .and_then(|(_, o)| o.as_stream())
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("sidans innehåll är ingen ström".into()),
    };
    let mut out = Vec::new();
    for s in streams {
        let part =
            stream_bytes(doc, s, CONTENT_CAP.saturating_sub(out.len())).map_err(|e| e.reason())?;
        out.extend_from_slice(&part);
        out.push(b'\n');
    }
    Ok(out)
}

/// What a page inherits and how it is shown.
struct PageInfo<'a> {
    dict: &'a Dictionary,
    /// The visible box (CropBox within MediaBox) in default user space: x0, y0, x1, y1.
    visible: [f64; 4],
    /// Clockwise rotation on display: 0, 90, 180 or 270.
    rotate: i64,
    user_unit: f64,
    resources: Option<&'a Dictionary>,
}

impl<'a> PageInfo<'a> {
    fn read(doc: &'a Document, id: ObjectId) -> Result<Self, String> {
        let dict = doc
            .get_dictionary(id)
            .map_err(|e| format!("sidobjektet saknas ({e})"))?;
        let inherited = |key: &[u8]| -> Option<&'a Object> {
            let mut node = dict;
            for _ in 0..64 {
                if let Ok(v) = node.get(key) {
                    return doc.dereference(v).ok().map(|(_, o)| o);
                }
                node = node
                    .get(b"Parent")
                    .and_then(Object::as_reference)
                    .and_then(|p| doc.get_dictionary(p))
                    .ok()?;
            }
            None
        };
        let rect = |o: Option<&Object>| -> Option<[f64; 4]> {
            let a = o?.as_array().ok()?;
            let v: Vec<f64> = a.iter().filter_map(|o| number(doc, o)).collect();
            (v.len() == 4).then(|| {
                [
                    v[0].min(v[2]),
                    v[1].min(v[3]),
                    v[0].max(v[2]),
                    v[1].max(v[3]),
                ]
            })
        };
        let media = rect(inherited(b"MediaBox")).unwrap_or([0.0, 0.0, 595.276, 841.89]);
        let visible = match rect(inherited(b"CropBox")) {
            Some(c) => [
                c[0].max(media[0]),
                c[1].max(media[1]),
                c[2].min(media[2]),
                c[3].min(media[3]),
            ],
            None => media,
        };
        if !(visible[2] - visible[0] > 1.0 && visible[3] - visible[1] > 1.0) {
            return Err("sidan har ingen yta (MediaBox/CropBox)".into());
        }
        let rotate = inherited(b"Rotate")
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(0)
            .rem_euclid(360)
            / 90
            * 90;
        let user_unit = dict
            .get(b"UserUnit")
            .ok()
            .and_then(|o| number(doc, o))
            .filter(|u| *u > 0.0)
            .unwrap_or(1.0);
        let resources = inherited(b"Resources").and_then(|o| o.as_dict().ok());
        Ok(PageInfo {
            dict,
            visible,
            rotate,
            user_unit,
            resources,
        })
    }

    /// Whether an image placed by `ctm` covers the visible page: at least 85 % of it, and not much more than it.
    fn covered_by(&self, ctm: &[f64; 6]) -> bool {
        let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)].map(|(u, v)| {
            (
                ctm[0] * u + ctm[2] * v + ctm[4],
                ctm[1] * u + ctm[3] * v + ctm[5],
            )
        });
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in corners {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let [px0, py0, px1, py1] = self.visible;
        let page_area = (px1 - px0) * (py1 - py0);
        let overlap = (x1.min(px1) - x0.max(px0)).max(0.0) * (y1.min(py1) - y0.max(py0)).max(0.0);
        let image_area = (x1 - x0) * (y1 - y0);
        overlap >= 0.85 * page_area && image_area <= 1.25 * page_area
    }
}

fn number(doc: &Document, o: &Object) -> Option<f64> {
    match doc.dereference(o).ok()?.1 {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(p) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + p;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Which way an image's pixel axes point on the displayed page: one of the eight axis-aligned orientations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Axis {
    Right,
    Left,
    Down,
    Up,
}

#[derive(Debug, Clone, Copy)]
struct Orientation {
    /// Where the image's +x (along a row) points.
    x: Axis,
    /// Where the image's +y (down the rows) points.
    y: Axis,
}

impl Orientation {
    /// From the image's placement and the page's /Rotate; None when the image is skewed or degenerate.
    fn of(ctm: &[f64; 6], rotate: i64) -> Option<Self> {
        let [a, b, c, d, ..] = *ctm;
        // Display space has y pointing down. Image +x maps to user (a, b); image +y (rows go down, unit
        // square v goes up) maps to user (-c, -d).
        let mut vx = (a, -b);
        let mut vy = (-c, d);
        for _ in 0..(rotate / 90) {
            // A clockwise quarter turn on a y-down display: right becomes down.
            vx = (-vx.1, vx.0);
            vy = (-vy.1, vy.0);
        }
        let axis = |(x, y): (f64, f64)| -> Option<Axis> {
            let len = x.hypot(y);
            if len <= 0.0 || !len.is_finite() {
                return None;
            }
            if y.abs() <= 0.002 * len {
                Some(if x > 0.0 { Axis::Right } else { Axis::Left })
            } else if x.abs() <= 0.002 * len {
                Some(if y > 0.0 { Axis::Down } else { Axis::Up })
            } else {
                None
            }
        };
        let o = Orientation {
            x: axis(vx)?,
            y: axis(vy)?,
        };
        let horizontal = |a: Axis| matches!(a, Axis::Right | Axis::Left);
        (horizontal(o.x) != horizontal(o.y)).then_some(o)
    }

    fn transposes(self) -> bool {
        matches!(self.x, Axis::Down | Axis::Up)
    }

    fn apply(self, img: GrayImage) -> GrayImage {
        use Axis::*;
        match (self.x, self.y) {
            (Right, Down) => img,
            (Left, Down) => imageops::flip_horizontal(&img),
            (Right, Up) => imageops::flip_vertical(&img),
            (Left, Up) => imageops::rotate180(&img),
            (Down, Left) => imageops::rotate90(&img),
            (Up, Right) => imageops::rotate270(&img),
            (Down, Right) => imageops::flip_horizontal(&imageops::rotate90(&img)),
            (Up, Left) => imageops::flip_horizontal(&imageops::rotate270(&img)),
            _ => img,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_of_placements() {
        let upright = Orientation::of(&[595.0, 0.0, 0.0, 842.0, 0.0, 0.0], 0).unwrap();
        assert_eq!((upright.x, upright.y), (Axis::Right, Axis::Down));
        // Rotated a quarter turn clockwise on display.
        let turned = Orientation::of(&[595.0, 0.0, 0.0, 842.0, 0.0, 0.0], 90).unwrap();
        assert_eq!((turned.x, turned.y), (Axis::Down, Axis::Left));
        assert!(turned.transposes());
        // Drawn upside down by its matrix.
        let flipped = Orientation::of(&[-595.0, 0.0, 0.0, -842.0, 595.0, 842.0], 0).unwrap();
        assert_eq!((flipped.x, flipped.y), (Axis::Left, Axis::Up));
        // Skewed: not a scan we take out as is.
        assert!(Orientation::of(&[595.0, 30.0, 0.0, 842.0, 0.0, 0.0], 0).is_none());

        let mut img = GrayImage::from_pixel(3, 2, image::Luma([255]));
        img.put_pixel(0, 0, image::Luma([0])); // top left of the image
        // Turned clockwise, the image's top left ends up top right.
        let out = turned.apply(img);
        assert_eq!(out.dimensions(), (2, 3));
        assert_eq!(out.get_pixel(1, 0).0[0], 0);
    }
}
