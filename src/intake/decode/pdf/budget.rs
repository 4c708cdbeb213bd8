//! What drawing a page would cost, counted before Poppler is asked to: the bytes of its content streams and the
//! form XObjects it can reach once unpacked, and the decoded bytes of the images it can reach. A 1 MB Flate
//! stream can unpack to 1 GiB and hold Poppler for seconds; shared by a thousand pages, for hours.
//!
//! A stream shared by several pages is charged to every page that uses it (each page would be drawn with it).
//! Its unpacked size is measured once per file and remembered, so that the thousandth page costs no more than the
//! first to refuse.

use super::{CONTENT_CAP, filters, stream_bytes};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Unpacked content (page streams and form XObjects) one page may carry.
pub(super) const MAX_CONTENT_BYTES: u64 = CONTENT_CAP as u64;
/// Decoded image samples one page may carry (width x height x components x bits, as the images declare).
pub(super) const MAX_IMAGE_BYTES: u64 = 1 << 30;
/// Nesting of form XObjects followed.
const MAX_DEPTH: u32 = 8;
/// XObjects looked at on one page before the page is refused as too complex.
const MAX_XOBJECTS: usize = 10_000;

/// Unpacked sizes of streams already measured in this file.
#[derive(Default)]
pub(super) struct Sizes(Mutex<HashMap<ObjectId, u64>>);

/// What the budget looks at: the content alone (before anything unpacks it), or the images too (before Poppler
/// draws the page; a scanned page's own image is decoded here under the decoder's limits instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    Content,
    ContentAndImages,
}

/// Why a page is not drawn: the Swedish reason for the queue (after "sidan N ritas inte: ").
pub(super) fn over_budget<'a>(
    doc: &'a Document,
    sizes: &'a Sizes,
    page: &'a Dictionary,
    resources: Option<&'a Dictionary>,
    check: Check,
) -> Option<String> {
    let mut cost = Cost {
        doc,
        sizes,
        content: 0,
        images: 0,
        seen: HashSet::new(),
    };
    match page.get(b"Contents") {
        Ok(Object::Reference(id)) => match doc.get_object(*id) {
            Ok(Object::Array(a)) => a.iter().for_each(|o| cost.stream(o)),
            Ok(_) => cost.stream(&Object::Reference(*id)),
            Err(_) => {}
        },
        Ok(Object::Array(a)) => a.iter().for_each(|o| cost.stream(o)),
        Ok(o) => cost.stream(o),
        Err(_) => {}
    }
    if let Some(r) = resources {
        cost.resources(r, 0);
    }
    let mb = |b: u64| b.div_ceil(1 << 20);
    if cost.seen.len() > MAX_XOBJECTS {
        return Some(format!("den hänvisar till fler än {MAX_XOBJECTS} objekt"));
    }
    if cost.content > MAX_CONTENT_BYTES {
        return Some(format!(
            "dess innehåll packas upp till mer än {} MB",
            mb(MAX_CONTENT_BYTES)
        ));
    }
    if check == Check::ContentAndImages && cost.images > MAX_IMAGE_BYTES {
        return Some(format!(
            "dess bilder blir {} MB avkodade (högst {} MB)",
            mb(cost.images),
            mb(MAX_IMAGE_BYTES)
        ));
    }
    None
}

struct Cost<'a> {
    doc: &'a Document,
    sizes: &'a Sizes,
    content: u64,
    images: u64,
    /// XObjects already charged to this page (a form drawn twice is interpreted twice, but counting uses would
    /// mean reading the content; once per page bounds the shared-stream attack, which is what matters here).
    seen: HashSet<ObjectId>,
}

impl<'a> Cost<'a> {
    /// A content stream, by reference or direct.
    fn stream(&mut self, o: &Object) {
        match o {
            Object::Reference(id) => {
                if let Ok(s) = self.doc.get_object(*id).and_then(Object::as_stream) {
                    self.content = self.content.saturating_add(self.unpacked(Some(*id), s));
                }
            }
            Object::Stream(s) => self.content = self.content.saturating_add(self.unpacked(None, s)),
            _ => {}
        }
    }

    /// The unpacked size of a stream, at most just over the cap (measured once per file for indirect streams).
    fn unpacked(&self, id: Option<ObjectId>, stream: &Stream) -> u64 {
        let mut sizes = self
            .sizes
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = id.and_then(|id| sizes.get(&id)) {
            return *n;
        }
        let n = match stream_bytes(self.doc, stream, CONTENT_CAP + 1) {
            Ok(bytes) => bytes.len() as u64,
            Err(filters::FilterError::TooLarge(_)) => MAX_CONTENT_BYTES + 1,
            // A filter not read here: Poppler meets the bytes as they are.
            Err(filters::FilterError::Invalid(_)) => stream.content.len() as u64,
        };
        if let Some(id) = id {
            sizes.insert(id, n);
        }
        n
    }

    /// The XObjects of a resource dictionary: forms (their content, and their own resources), images.
    fn resources(&mut self, resources: &'a Dictionary, depth: u32) {
        if depth > MAX_DEPTH || self.seen.len() > MAX_XOBJECTS {
            return;
        }
        let doc = self.doc;
        let Some(xobjects) =
            deref(doc, resources.get(b"XObject").ok()).and_then(|o| o.as_dict().ok())
        else {
            return;
        };
        for (_, o) in xobjects.iter() {
            let Object::Reference(id) = o else { continue };
            if !self.seen.insert(*id) || self.seen.len() > MAX_XOBJECTS {
                continue;
            }
            let Ok(stream) = doc.get_object(*id).and_then(Object::as_stream) else {
                continue;
            };
            match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                Ok(b"Form") => {
                    self.content = self
                        .content
                        .saturating_add(self.unpacked(Some(*id), stream));
                    if let Some(inner) = deref(doc, stream.dict.get(b"Resources").ok())
                        .and_then(|o| o.as_dict().ok())
                    {
                        self.resources(inner, depth + 1);
                    }
                }
                Ok(b"Image") => self.images = self.images.saturating_add(self.image(&stream.dict)),
                _ => {}
            }
        }
    }

    /// An image's decoded size as it declares it; four components when the colour space is not simple to tell,
    /// which errs on the side of refusing.
    fn image(&self, dict: &Dictionary) -> u64 {
        let int = |key: &[u8]| {
            deref(self.doc, dict.get(key).ok())
                .and_then(|o| o.as_i64().ok())
                .unwrap_or(0)
                .max(0) as u64
        };
        let components = match deref(self.doc, dict.get(b"ColorSpace").ok()) {
            Some(Object::Name(n)) if n == b"DeviceGray" || n == b"G" => 1,
            Some(Object::Name(n)) if n == b"DeviceRGB" || n == b"RGB" => 3,
            _ => 4,
        };
        let bpc = int(b"BitsPerComponent").clamp(1, 16);
        int(b"Width")
            .saturating_mul(components * bpc)
            .div_ceil(8)
            .saturating_mul(int(b"Height"))
    }
}

fn deref<'o>(doc: &'o Document, o: Option<&'o Object>) -> Option<&'o Object> {
    o.and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o)
}
