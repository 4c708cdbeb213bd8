//! Stage 6: pages become documents. Pages of one copy may come in any order, in different files, on different
//! days; they are put together by form ID and page number. A second sheet with an ID already seen is told apart
//! from a rescan of the same sheet by its ink: a photocopied blank filled in twice gives two documents, both
//! kept and both flagged.

use super::read::{FieldReading, PageReading};
use crate::formid::PageStamp;
use crate::forms::Form;
use crate::store::documents::{Document, DocumentPage, DocumentStatus, PageRef, StoredField};

/// Mean difference in per-box ink below which two sheets are the same sheet scanned twice.
const SAME_SHEET: f32 = 0.012;
pub const FLAG_COPIED_BLANK: &str = "kopierad_blankett";
pub const FLAG_RESCANNED: &str = "omskannad";

pub fn ink_distance(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return f32::MAX;
    }
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
}

/// A page ready to be placed.
pub struct PlacedPage<'a> {
    pub stamp: PageStamp,
    /// The definition the page was printed from (the main form or a supplement).
    pub form: &'a Form,
    pub source: PageRef,
    pub residual_mm: Option<f64>,
    pub orientation: u16,
    pub reading: PageReading,
    pub ink: Vec<f32>,
    pub features: Option<crate::store::documents::PageFeatures>,
}

/// What placing a page did.
pub enum Placement {
    /// The page went into this document (new or existing), which must be stored.
    Into(Document),
    /// The same sheet again: nothing changes but the note on the existing document.
    Rescan(Document),
}

/// Chooses the sheet a page belongs to among the documents that carry its ID, or starts a new one.
pub fn place(
    existing: Vec<Document>,
    page: PlacedPage<'_>,
    main: &Form,
    region: Option<String>,
) -> Placement {
    let compact = page.stamp.id.compact();
    let number = page.stamp.page;
    // The same sheet scanned again?
    for doc in &existing {
        if let Some(p) = doc.pages.get(&number)
            && (p.source == page.source || ink_distance(&p.ink, &page.ink) < SAME_SHEET)
        {
            let mut doc = doc.clone();
            if p.source != page.source && !doc.flags.iter().any(|f| f == FLAG_RESCANNED) {
                doc.flags.push(FLAG_RESCANNED.to_string());
            }
            return Placement::Rescan(doc);
        }
    }
    // A sheet that lacks this page: prefer one whose other pages came in the same file.
    let lacking: Vec<&Document> = existing
        .iter()
        .filter(|d| !d.pages.contains_key(&number))
        .collect();
    let chosen = lacking
        .iter()
        .find(|d| d.pages.values().any(|p| p.source.scan == page.source.scan))
        .or_else(|| lacking.first())
        .map(|d| (*d).clone());
    let copied = existing.iter().any(|d| d.pages.contains_key(&number));
    let mut doc = chosen.unwrap_or_else(|| {
        let key = if existing.is_empty() {
            compact.clone()
        } else {
            format!("{compact}#{}", existing.len() + 1)
        };
        let now = crate::store::now_rfc3339();
        Document {
            key,
            form_id: page.stamp.id.to_string(),
            form: main.name().to_string(),
            version: main.version(),
            pages_total: page.stamp.pages,
            pages: Default::default(),
            fields: Default::default(),
            region,
            status: DocumentStatus::Incomplete,
            flags: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
        }
    });
    if copied && !doc.flags.iter().any(|f| f == FLAG_COPIED_BLANK) {
        doc.flags.push(FLAG_COPIED_BLANK.to_string());
    }
    doc.pages.insert(
        number,
        DocumentPage {
            page: number,
            template: format!("{}.{}", page.stamp.template, page.stamp.template_page),
            source: page.source.clone(),
            residual_mm: page.residual_mm,
            orientation: page.orientation,
            ink: page.ink,
            features: page.features,
        },
    );
    for FieldReading {
        name,
        value,
        confidence,
        source,
        crop,
        notes,
        suggestion,
    } in page.reading.fields
    {
        doc.fields.insert(
            name,
            StoredField {
                form: page.form.name().to_string(),
                page: number,
                value: (&value).into(),
                confidence,
                read_confidence: confidence,
                source,
                crop,
                notes,
                suggestion,
            },
        );
    }
    doc.status = if doc.missing_pages().is_empty() {
        DocumentStatus::Pending
    } else {
        DocumentStatus::Incomplete
    };
    doc.updated_at = crate::store::now_rfc3339();
    Placement::Into(doc)
}
