//! Judges how intake formed documents from sheets that carry one form ID (photocopied blanks filled in by
//! several people, `Spec::copies_per_id`): whether every document's pages came from one sheet, whether the
//! sheets were flagged as unsure, and which fields are reported at >= 0.9 but differ from what was written on
//! the sheet the field's page came from. Shared by the pairing test and the pairing probe.

use super::scenario::GeneratedBatch;
use super::values::Value as Truth;
use crate::formid::FormId;
use crate::intake::pairing::FLAG_UNSURE_PAIRING;
use crate::store::documents::{Source, Value};
use crate::store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What became of the sheets on one form ID.
#[derive(Debug, Clone)]
pub struct IdJudgement {
    pub form_id: String,
    /// Sheets written on this ID, and documents formed on it.
    pub sheets: usize,
    pub documents: usize,
    /// Every document holds pages of one sheet only, and every sheet's pages are in one document.
    pub paired_right: bool,
    /// Some document on the ID carries the unsure-pairing flag.
    pub flagged: bool,
    /// Documents with every field below 0.9, of those flagged.
    pub flagged_all_below: bool,
    /// `document key: field (read «x», written «y», confidence)` for each field at >= 0.9 that differs from its
    /// sheet.
    pub confident_wrong: Vec<String>,
    /// Fields compared at >= 0.9.
    pub confident: usize,
    /// Free-text boxes (read by a person, not by machine) that intake called empty at >= 0.9 on a sheet that has
    /// writing there, or the other way round: the empty-box test's misses, not the pairing's, kept apart.
    pub text_boxes_wrong: Vec<String>,
}

fn same(read: &Value, written: Option<&Truth>) -> bool {
    match (read, written) {
        (Value::Text(got), Some(Truth::Text(want))) => got.trim() == want.trim(),
        (Value::Text(got), None) => got.trim().is_empty(),
        (Value::Ticked(got), Some(Truth::Choices(want))) => {
            let a: BTreeSet<&String> = got.iter().collect();
            let b: BTreeSet<&String> = want.iter().collect();
            a == b
        }
        (Value::Ticked(got), None) => got.is_empty(),
        _ => false,
    }
}

/// Judges every form ID of `batch` that more than one sheet carries.
pub fn judge(store: &Store, batch: &GeneratedBatch) -> Result<Vec<IdJudgement>, StoreError> {
    let sha_of: BTreeMap<&str, String> = batch
        .files
        .iter()
        .map(|(name, bytes)| (name.as_str(), hex::encode(Sha256::digest(bytes))))
        .collect();
    // (scan, index) -> sheet (index into the truth).
    let mut sheet_of: BTreeMap<(String, usize), usize> = BTreeMap::new();
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (s, truth) in batch.truth.iter().enumerate() {
        by_id.entry(truth.form_id.as_str()).or_default().push(s);
        for p in &truth.pages {
            if let Some(sha) = sha_of.get(p.file.as_str()) {
                sheet_of.insert((sha.clone(), p.index), s);
            }
        }
    }
    let mut out = Vec::new();
    for (form_id, sheets) in by_id {
        if sheets.len() < 2 {
            continue;
        }
        let Ok(id) = FormId::parse(form_id) else {
            continue;
        };
        let docs = store.documents.with_id(&id.compact())?;
        let mut paired_right = docs.len() == sheets.len();
        let mut seen = BTreeSet::new();
        let mut flagged = false;
        let mut flagged_all_below = true;
        let mut confident_wrong = Vec::new();
        let mut confident = 0;
        let mut text_boxes_wrong = Vec::new();
        for doc in &docs {
            let from: BTreeSet<Option<usize>> = doc
                .pages
                .values()
                .map(|p| {
                    sheet_of
                        .get(&(p.source.scan.clone(), p.source.index))
                        .copied()
                })
                .collect();
            if from.len() != 1 || from.contains(&None) {
                paired_right = false;
            }
            for s in from.iter().flatten() {
                if !seen.insert(*s) {
                    paired_right = false;
                }
            }
            let is_flagged = doc.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING);
            flagged |= is_flagged;
            if is_flagged && doc.fields.values().any(|f| f.confidence >= 0.9) {
                flagged_all_below = false;
            }
            for (name, f) in &doc.fields {
                if f.confidence < 0.9 {
                    continue;
                }
                let Some(p) = doc.pages.get(&f.page) else {
                    continue;
                };
                let Some(&s) = sheet_of.get(&(p.source.scan.clone(), p.source.index)) else {
                    continue;
                };
                let written = batch.truth[s].values.get(name);
                if f.source == Source::Person {
                    if !same(&f.value, written) {
                        text_boxes_wrong.push(format!("{}: {name} ({:.3})", doc.key, f.confidence));
                    }
                    continue;
                }
                confident += 1;
                // Wrong if it differs from its own sheet, or if the document joins sheets: then the field is
                // reported as a value of a patient it does not belong to.
                if !same(&f.value, written) || from.len() != 1 {
                    confident_wrong.push(format!(
                        "{}: {name} (läst {:?}, skrivet {:?}, {:.3})",
                        doc.key, f.value, written, f.confidence
                    ));
                }
            }
        }
        out.push(IdJudgement {
            form_id: form_id.to_string(),
            sheets: sheets.len(),
            documents: docs.len(),
            paired_right,
            flagged,
            flagged_all_below,
            confident_wrong,
            confident,
            text_boxes_wrong,
        });
    }
    Ok(out)
}
