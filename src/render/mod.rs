//! Form definition -> PDF.
//!
//! Everything that is the same on every copy of a form version (boxes, labels, headings, instructions) is
//! compiled once into a compressed content stream and placed on each page as a Form XObject; the two embedded
//! fonts are compressed once too. A copy then costs its own QR codes, ID, address and footer, which is what makes
//! a form render in well under a millisecond and a batch of a thousand share one copy of the static drawing.

mod draw;
pub mod filled;
mod overlay;
mod qr;

use crate::domain::regions::Region;
use crate::fonts::{self, Face};
use crate::formid::{FormCode, FormId};
use crate::forms::{Form, Registry, definition::FormKind, page};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Pdf, Rect as PdfRect, Ref};
use std::collections::HashMap;
use std::sync::Arc;

/// One printed copy: a main form with its supplements, one ID for all its pages, addressed to one region.
pub struct Copy<'a> {
    pub id: FormId,
    pub parts: Vec<&'a Form>,
    pub region: &'a Region,
}

impl Copy<'_> {
    pub fn page_count(&self) -> usize {
        self.parts.iter().map(|f| f.page_count()).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("en utskrift behöver minst en blankett")]
    Empty,
    #[error("blanketten {0} är ett tillägg och kan inte skrivas ut ensam")]
    SupplementFirst(String),
    #[error("{0} är ingen tilläggsblankett")]
    NotSupplement(String),
    /// A filled copy whose values do not fit the data QR code of a page.
    #[error("sidan {page}: {source}")]
    Data {
        page: u32,
        source: crate::dataqr::DataQrError,
    },
}

const LEVEL_STATIC: u8 = 9;
/// The per-copy streams are small and written for every copy: speed matters more than the last few bytes.
const LEVEL_COPY: u8 = 1;

fn deflate(data: &[u8], level: u8) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, level)
}

/// One zlib compressor for every per-copy stream of a render. A new compressor zeroes some 160 KB of hash
/// tables, and freeing them trims the heap each time: per copy, that was the extra system time of
/// `blankett print` measured against the render before the restructuring.
struct CopyDeflater {
    core: Box<miniz_oxide::deflate::core::CompressorOxide>,
}

impl CopyDeflater {
    fn new() -> Self {
        let mut core = Box::<miniz_oxide::deflate::core::CompressorOxide>::default();
        core.set_format_and_level(miniz_oxide::DataFormat::Zlib, LEVEL_COPY);
        CopyDeflater { core }
    }

    fn zlib(&mut self, data: &[u8]) -> Vec<u8> {
        use miniz_oxide::deflate::core::{TDEFLFlush, TDEFLStatus, compress};
        self.core.reset();
        let mut out = vec![0u8; data.len() / 2 + 64];
        let (mut read, mut written) = (0, 0);
        loop {
            let (status, bytes_in, bytes_out) = compress(
                &mut self.core,
                &data[read..],
                &mut out[written..],
                TDEFLFlush::Finish,
            );
            read += bytes_in;
            written += bytes_out;
            match status {
                TDEFLStatus::Done => {
                    out.truncate(written);
                    return out;
                }
                TDEFLStatus::Okay if written == out.len() => out.resize(out.len() * 2, 0),
                TDEFLStatus::Okay => {}
                // Not reached with a valid level and a buffer that grows; the one-off path is always right.
                _ => return deflate(data, LEVEL_COPY),
            }
        }
    }
}

/// Renders copies of the forms in a [`Registry`]. Build it once and share it: the constructor does the work
/// every copy would otherwise repeat.
pub struct Renderer {
    /// Catalog-independent objects every PDF carries: the two fonts with their descriptors and programs.
    font_chunk: Chunk,
    /// Compressed static content of every page of every form version.
    templates: HashMap<(FormCode, usize), Arc<Vec<u8>>>,
}

// Object numbers fixed in every document: 1 catalog, 2 page tree, 3 info, 4..=9 the fonts.
const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const FIRST_FREE: i32 = 10;

fn font_refs(face: Face) -> (Ref, Ref, Ref) {
    match face {
        Face::Regular => (Ref::new(4), Ref::new(5), Ref::new(6)),
        Face::Bold => (Ref::new(7), Ref::new(8), Ref::new(9)),
    }
}

impl Renderer {
    pub fn new(registry: &Registry) -> Renderer {
        let mut font_chunk = Chunk::new();
        for face in [Face::Regular, Face::Bold] {
            write_font(&mut font_chunk, face);
        }
        let mut templates = HashMap::new();
        for form in registry.all() {
            for page in &form.layout.pages {
                let mut content = Content::new();
                // The corner marks are the same on every page of every form: part of the static drawing.
                for mark in &page::CORNER_MARKS {
                    content.set_fill_gray(0.0);
                    draw::rect_path(&mut content, &mark.rect);
                    content.fill_nonzero();
                }
                for p in &page.drawing {
                    draw::primitive(&mut content, p);
                }
                let bytes = content.finish();
                templates.insert(
                    (form.code, page.page),
                    Arc::new(deflate(&bytes, LEVEL_STATIC)),
                );
            }
        }
        Renderer {
            font_chunk,
            templates,
        }
    }

    /// Writes all `copies` into one PDF, page after page.
    pub fn render(&self, copies: &[Copy<'_>]) -> Result<Vec<u8>, RenderError> {
        self.render_inner(copies, None)
    }

    /// One copy filled in on screen: `values` holds each form's values by form name (`klinisk`, `tillagg-tarm`).
    /// The values are printed in their boxes and every page gets a data QR code with its values
    /// (see [`filled`]).
    pub fn render_filled(
        &self,
        copy: &Copy<'_>,
        values: &std::collections::BTreeMap<String, crate::validation::FormValues>,
    ) -> Result<Vec<u8>, RenderError> {
        self.render_inner(std::slice::from_ref(copy), Some(values))
    }

    fn render_inner(
        &self,
        copies: &[Copy<'_>],
        filled: Option<&std::collections::BTreeMap<String, crate::validation::FormValues>>,
    ) -> Result<Vec<u8>, RenderError> {
        if copies.is_empty() {
            return Err(RenderError::Empty);
        }
        for copy in copies {
            match copy.parts.split_first() {
                None => return Err(RenderError::Empty),
                Some((main, rest)) => {
                    if main.kind() != FormKind::Main {
                        return Err(RenderError::SupplementFirst(main.name().to_string()));
                    }
                    if let Some(bad) = rest.iter().find(|f| f.kind() != FormKind::Supplement) {
                        return Err(RenderError::NotSupplement(bad.name().to_string()));
                    }
                }
            }
        }
        let total_pages: usize = copies.iter().map(Copy::page_count).sum();
        let mut pdf = Pdf::with_capacity(40_000 + total_pages * 12_000);
        pdf.extend(&self.font_chunk);
        let mut next = Ref::new(FIRST_FREE);
        let mut template_refs: HashMap<(FormCode, usize), Ref> = HashMap::new();
        let mut page_refs = Vec::with_capacity(total_pages);
        let mut deflater = CopyDeflater::new();

        for copy in copies {
            let pages = copy.page_count() as u32;
            let mut number = 0u32;
            for form in &copy.parts {
                for page_layout in &form.layout.pages {
                    number += 1;
                    let key = (form.code, page_layout.page);
                    let template = *template_refs.entry(key).or_insert_with(|| {
                        let r = next.bump();
                        let bytes = self
                            .templates
                            .get(&key)
                            .map(|b| b.as_slice())
                            .unwrap_or_default();
                        let mut xobject = pdf.form_xobject(r, bytes);
                        xobject.filter(Filter::FlateDecode);
                        xobject.bbox(PdfRect::new(
                            0.0,
                            0.0,
                            page::PAGE_W * draw::MM,
                            page::PAGE_H * draw::MM,
                        ));
                        font_resources(&mut xobject.resources());
                        r
                    });
                    let stamp = overlay::Stamp {
                        id: copy.id,
                        page: number,
                        pages,
                        form,
                        template_page: page_layout.page,
                        region: copy.region,
                        address: number == 1,
                        filled: filled.is_some(),
                    };
                    let mut content = Content::new();
                    content.save_state();
                    content.x_object(Name(b"T"));
                    content.restore_state();
                    overlay::draw(&mut content, &stamp);
                    if let Some(all) = filled {
                        let empty = crate::validation::FormValues::new();
                        let values = all.get(form.name()).unwrap_or(&empty);
                        filled::draw_page(&mut content, copy.id, form, page_layout, values)
                            .map_err(|source| RenderError::Data {
                                page: number,
                                source,
                            })?;
                    }
                    let content_ref = next.bump();
                    let data = deflater.zlib(&content.finish());
                    pdf.stream(content_ref, &data).filter(Filter::FlateDecode);

                    let page_ref = next.bump();
                    let mut page_obj = pdf.page(page_ref);
                    page_obj.parent(PAGE_TREE);
                    page_obj.media_box(PdfRect::new(
                        0.0,
                        0.0,
                        page::PAGE_W * draw::MM,
                        page::PAGE_H * draw::MM,
                    ));
                    page_obj.contents(content_ref);
                    let mut resources = page_obj.resources();
                    font_resources(&mut resources);
                    resources.x_objects().pair(Name(b"T"), template);
                    resources.finish();
                    page_obj.finish();
                    page_refs.push(page_ref);
                }
            }
        }
        pdf.pages(PAGE_TREE)
            .kids(page_refs.iter().copied())
            .count(page_refs.len() as i32);
        pdf.catalog(CATALOG).pages(PAGE_TREE);
        let first = &copies[0];
        let title = if copies.len() == 1 {
            format!("{} {}", first.parts[0].def.title, first.id)
        } else {
            format!("{} ({} blanketter)", first.parts[0].def.title, copies.len())
        };
        pdf.document_info(INFO)
            .title(pdf_text(&title))
            .producer(pdf_text("blankett"));
        Ok(pdf.finish())
    }

    /// A convenience for one copy of `form` (newest version) with its supplements.
    pub fn render_one(&self, copy: &Copy<'_>) -> Result<Vec<u8>, RenderError> {
        self.render(std::slice::from_ref(copy))
    }
}

/// PDF text strings in the document info dictionary are PDFDocEncoding, which agrees with WinAnsi for Swedish.
fn pdf_text(s: &str) -> pdf_writer::TextStr<'_> {
    pdf_writer::TextStr(s)
}

fn font_resources(resources: &mut pdf_writer::writers::Resources<'_>) {
    let mut fonts = resources.fonts();
    fonts.pair(draw::font_name(Face::Regular), font_refs(Face::Regular).0);
    fonts.pair(draw::font_name(Face::Bold), font_refs(Face::Bold).0);
}

fn write_font(chunk: &mut Chunk, face: Face) {
    let m = fonts::metrics(face);
    let (dict_ref, descriptor_ref, file_ref) = font_refs(face);
    // A subset tag marks the embedded program as partial, as PDF readers expect of a cut-down font.
    let base = format!("BLKSUB+{}", m.postscript_name);
    {
        let mut dict = chunk.indirect(dict_ref).dict();
        dict.pair(Name(b"Type"), Name(b"Font"));
        dict.pair(Name(b"Subtype"), Name(b"TrueType"));
        dict.pair(Name(b"BaseFont"), Name(base.as_bytes()));
        dict.pair(Name(b"FirstChar"), 32);
        dict.pair(Name(b"LastChar"), 255);
        dict.insert(Name(b"Widths"))
            .array()
            .items(m.widths[32..].iter().map(|&w| f32::from(w)));
        dict.pair(Name(b"Encoding"), Name(b"WinAnsiEncoding"));
        dict.pair(Name(b"FontDescriptor"), descriptor_ref);
    }
    {
        let mut d = chunk.font_descriptor(descriptor_ref);
        d.name(Name(base.as_bytes()));
        d.flags(pdf_writer::types::FontFlags::NON_SYMBOLIC);
        d.bbox(PdfRect::new(
            f32::from(m.bbox[0]),
            f32::from(m.bbox[1]),
            f32::from(m.bbox[2]),
            f32::from(m.bbox[3]),
        ));
        d.italic_angle(m.italic_angle);
        d.ascent(f32::from(m.ascent));
        d.descent(f32::from(m.descent));
        d.cap_height(f32::from(m.cap_height));
        d.stem_v(if face == Face::Bold { 140.0 } else { 80.0 });
        d.font_file2(file_ref);
    }
    let data = deflate(m.ttf, LEVEL_STATIC);
    let mut stream = chunk.stream(file_ref, &data);
    stream.filter(Filter::FlateDecode);
    stream.pair(Name(b"Length1"), m.ttf.len() as i32);
}
