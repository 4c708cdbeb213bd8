//! Documents assembled from pages by form ID: pending notifications with every field's value as read, its
//! confidence, its checks and where on which scan it came from; and the queue of pages nobody could identify.

use super::StoreError;
use crate::validation::FieldValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a value was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Ink in tick boxes.
    Marks,
    /// Printed or typed characters, read by Tesseract.
    Ocr,
    /// Handwritten characters, read by the character classifier.
    Handwriting,
    /// The data QR code of a form filled in on screen: exact.
    DataQr,
    /// Not read by machine (free text): a person reads the crop.
    Person,
}

/// A rectangle in page-image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// A field's value as stored: the text of a comb or text box, or the ticked options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Ticked(Vec<String>),
}

impl From<&FieldValue> for Value {
    fn from(v: &FieldValue) -> Value {
        match v {
            FieldValue::Text(t) => Value::Text(t.clone()),
            FieldValue::Ticked(t) => Value::Ticked(t.clone()),
        }
    }
}

impl From<&Value> for FieldValue {
    fn from(v: &Value) -> FieldValue {
        match v {
            Value::Text(t) => FieldValue::Text(t.clone()),
            Value::Ticked(t) => FieldValue::Ticked(t.clone()),
        }
    }
}

/// Where a page of a document is: which kept scan, which page of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRef {
    pub scan: String,
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentPage {
    pub page: u32,
    /// The definition page it was printed from, e.g. `TB1.1`.
    pub template: String,
    pub source: PageRef,
    /// Alignment residual at the corner marks (mm); None when fewer than three marks were found.
    pub residual_mm: Option<f64>,
    pub orientation: u16,
    /// Ink in every box of the page, in layout order: tells a rescan of the same sheet from another sheet.
    pub ink: Vec<f32>,
    /// What the page shows of its writer and its scan: pairs the pages of sheets that carry one ID. Absent on
    /// pages stored before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<PageFeatures>,
}

/// A page's writer and scan, as measured when it was read (`intake::read::features`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageFeatures {
    /// The scan's resolution (square pixels) and whether it is 1-bit (a fax).
    pub dpi: f32,
    pub bilevel: bool,
    /// Written comb cells measured, and cells and ticked boxes whose ink was measured.
    pub cells: u32,
    pub marks: u32,
    /// The writing's strokes against paper (0) and the page's printed black (1); None on 1-bit pages.
    pub darkness: Option<f32>,
    /// Median stroke width, mm.
    pub stroke_mm: Option<f32>,
    /// Median height of the comb characters, mm.
    pub height_mm: Option<f32>,
    /// Median lean of the comb characters (horizontal shift per unit of height, right positive).
    pub slant: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredField {
    /// The form of the copy the field belongs to (main form or supplement).
    pub form: String,
    pub page: u32,
    pub value: Value,
    /// After checks: a value that fails one is not trusted more than the check allows.
    pub confidence: f32,
    /// As the reader reported it, before checks.
    pub read_confidence: f32,
    pub source: Source,
    /// The field's part of the page image (pixels of the decoded page `source` of `page`).
    pub crop: PixelBox,
    /// Failed checks and reading notes, in Swedish.
    pub notes: Vec<String>,
    /// Another value that a rule (check digit, calendar, reference list) suggests, beside the value as written.
    /// Never applied without a person's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Suggestion>,
}

/// A value a field's rule suggests in place of what was read, and why (Swedish, for the person who verifies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Every page is in: ready for verification.
    Pending,
    /// Pages are missing.
    Incomplete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Store key: the form ID's compact form, with `#2`, `#3` for further sheets that carry the same ID.
    pub key: String,
    pub form_id: String,
    pub form: String,
    pub version: u32,
    pub pages_total: u32,
    pub pages: BTreeMap<u32, DocumentPage>,
    pub fields: BTreeMap<String, StoredField>,
    /// The region the copy was issued for, when the ID is in the register.
    pub region: Option<String>,
    pub status: DocumentStatus,
    pub flags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Document {
    pub fn missing_pages(&self) -> Vec<u32> {
        (1..=self.pages_total)
            .filter(|p| !self.pages.contains_key(p))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnidentifiedPage {
    pub source: PageRef,
    pub reason: String,
    pub received_at: String,
}

#[derive(Clone)]
pub struct Documents {
    documents: sled::Tree,
    unidentified: sled::Tree,
    /// `scan:index` -> what became of the page, so that a page is processed once.
    outcomes: sled::Tree,
    /// The staff's case records (`staff::casework`), read only: a document that has one is being worked on, and
    /// intake never moves its pages.
    cases: sled::Tree,
}

/// What became of one page of one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PageOutcome {
    Placed { document: String, page: u32 },
    Unidentified { reason: String },
}

/// A failed transaction as the store's error: a storage failure (a full or read-only disk) stays one.
fn committed(e: sled::transaction::TransactionError<StoreError>) -> StoreError {
    match e {
        sled::transaction::TransactionError::Abort(e) => e,
        sled::transaction::TransactionError::Storage(e) => StoreError::Db(e),
    }
}

fn page_key(scan: &str, index: usize) -> Vec<u8> {
    format!("{scan}:{index:06}").into_bytes()
}

impl Documents {
    pub(super) fn new(db: &sled::Db) -> Result<Documents, StoreError> {
        Ok(Documents {
            documents: db.open_tree("documents")?,
            unidentified: db.open_tree("unidentified")?,
            outcomes: db.open_tree("page_outcomes")?,
            cases: db.open_tree("cases")?,
        })
    }

    pub fn get(&self, key: &str) -> Result<Option<Document>, StoreError> {
        super::get_json(&self.documents, key.as_bytes())
    }

    /// All sheets that carry one form ID: `KEY`, `KEY#2`, ...
    pub fn with_id(&self, compact_id: &str) -> Result<Vec<Document>, StoreError> {
        let mut out = Vec::new();
        for item in self.documents.scan_prefix(compact_id.as_bytes()) {
            let (k, v) = item?;
            let key = String::from_utf8_lossy(&k);
            if key == compact_id || key.starts_with(&format!("{compact_id}#")) {
                out.push(
                    serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
            }
        }
        Ok(out)
    }

    pub fn all(&self) -> Result<Vec<Document>, StoreError> {
        self.documents
            .iter()
            .map(|i| {
                let (_, v) = i?;
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    pub fn outcome(&self, scan: &str, index: usize) -> Result<Option<PageOutcome>, StoreError> {
        super::get_json(&self.outcomes, &page_key(scan, index))
    }

    /// Commits a placed page: the document, the page's outcome and its document-log entries together, so a kill
    /// or a failed write leaves all or none; a page placed by hand leaves the unidentified queue in the same
    /// transaction.
    pub(crate) fn place(
        &self,
        doc: &Document,
        scan: &str,
        index: usize,
        page: u32,
        audit: &super::audit::Audit,
        entries: &[super::audit::Pending<'_>],
    ) -> Result<(), StoreError> {
        let doc_bytes = serde_json::to_vec(doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let outcome = serde_json::to_vec(&PageOutcome::Placed {
            document: doc.key.clone(),
            page,
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let key = page_key(scan, index);
        use sled::Transactional;
        let (log, heads) = audit.document_trees();
        let _one = super::one_transaction();
        let _log = audit.lock();
        (
            &self.documents,
            &self.outcomes,
            &self.unidentified,
            log,
            heads,
        )
            .transaction(|(docs, outcomes, queue, log, heads)| {
                docs.insert(doc.key.as_bytes(), doc_bytes.clone())?;
                outcomes.insert(key.clone(), outcome.clone())?;
                queue.remove(key.clone())?;
                for entry in entries {
                    entry.append_in::<StoreError>(log, heads)?;
                }
                Ok(())
            })
            .map_err(committed)
    }

    /// Whether staff have started work on the document (it has a case record).
    pub fn worked_on(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.cases.contains_key(key.as_bytes())?)
    }

    /// Stores documents whose pages moved between them (sheets on one form ID paired again), with the outcome of
    /// every page they hold and their document-log `entries`, in one transaction. `untouched` are the keys that
    /// must still have no case record (no one started work on them meanwhile); if one has, nothing is written and
    /// false is returned.
    pub(crate) fn regroup(
        &self,
        docs: &[&Document],
        untouched: &[&str],
        audit: &super::audit::Audit,
        entries: &[super::audit::Pending<'_>],
    ) -> Result<bool, StoreError> {
        let mut writes = Vec::new();
        for doc in docs {
            let bytes = serde_json::to_vec(doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let mut outcomes = Vec::new();
            for p in doc.pages.values() {
                let outcome = serde_json::to_vec(&PageOutcome::Placed {
                    document: doc.key.clone(),
                    page: p.page,
                })
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                outcomes.push((page_key(&p.source.scan, p.source.index), outcome));
            }
            writes.push((doc.key.clone(), bytes, outcomes));
        }
        use sled::Transactional;
        let (log, heads) = audit.document_trees();
        let _one = super::one_transaction();
        let _log = audit.lock();
        (&self.documents, &self.outcomes, &self.cases, log, heads)
            .transaction(|(docs, outcomes, cases, log, heads)| {
                for key in untouched {
                    if cases.get(key.as_bytes())?.is_some() {
                        return Ok(false);
                    }
                }
                for (key, bytes, pages) in &writes {
                    docs.insert(key.as_bytes(), bytes.clone())?;
                    for (k, v) in pages {
                        outcomes.insert(k.clone(), v.clone())?;
                    }
                }
                for entry in entries {
                    entry.append_in::<StoreError>(log, heads)?;
                }
                Ok(true)
            })
            .map_err(committed)
    }

    /// The trees a change of pages between documents writes, for a transaction of the staff side that also writes
    /// its case records and log (`staff::casework`'s page swap): documents, page outcomes.
    pub(crate) fn trees(&self) -> (&sled::Tree, &sled::Tree) {
        (&self.documents, &self.outcomes)
    }

    /// The outcome record of a page placed in `document` as page `page`, as [`Documents::place`] writes it.
    pub(crate) fn outcome_entry(
        document: &str,
        page: &DocumentPage,
    ) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let v = serde_json::to_vec(&PageOutcome::Placed {
            document: document.to_string(),
            page: page.page,
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((page_key(&page.source.scan, page.source.index), v))
    }

    /// Stores a document outside page placement (flags, corrections).
    pub fn put(&self, doc: &Document) -> Result<(), StoreError> {
        super::put_json(&self.documents, doc.key.as_bytes(), doc)
    }

    /// Queues a page for a person, with the reason.
    pub fn queue_unidentified(
        &self,
        scan: &str,
        index: usize,
        reason: &str,
    ) -> Result<(), StoreError> {
        // Queued again with a new reason (a failed placement by hand): it keeps the time it first came in.
        let received_at = self
            .queued(scan, index)?
            .map_or_else(super::now_rfc3339, |q| q.received_at);
        let entry = UnidentifiedPage {
            source: PageRef {
                scan: scan.to_string(),
                index,
            },
            reason: reason.to_string(),
            received_at,
        };
        let entry = serde_json::to_vec(&entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let outcome = serde_json::to_vec(&PageOutcome::Unidentified {
            reason: reason.to_string(),
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let key = page_key(scan, index);
        use sled::Transactional;
        let _one = super::one_transaction();
        (&self.unidentified, &self.outcomes)
            .transaction(|(queue, outcomes)| {
                queue.insert(key.clone(), entry.clone())?;
                outcomes.insert(key.clone(), outcome.clone())?;
                Ok(())
            })
            .map_err(|e: sled::transaction::TransactionError<()>| match e {
                sled::transaction::TransactionError::Abort(()) => {
                    StoreError::Corrupt("transaktionen avbröts".into())
                }
                sled::transaction::TransactionError::Storage(e) => StoreError::Db(e),
            })
    }

    /// One page of the unidentified queue, if it is there.
    pub fn queued(&self, scan: &str, index: usize) -> Result<Option<UnidentifiedPage>, StoreError> {
        super::get_json(&self.unidentified, &page_key(scan, index))
    }

    pub fn unidentified(&self) -> Result<Vec<UnidentifiedPage>, StoreError> {
        self.unidentified
            .iter()
            .map(|i| {
                let (_, v) = i?;
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }
}
