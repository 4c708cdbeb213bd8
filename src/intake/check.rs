//! Stage 5: every value checked with the same rules as the on-screen form (`crate::validation`): identity
//! numbers and their check digits, dates that exist and are not in the future, reference data, the STI/HIV rule
//! and the order of dates. A failed check lowers the field's confidence and says why.

use super::pairing::{FLAG_UNSURE_PAIRING, PAIRING_CEILING};
use crate::forms::Form;
use crate::store::documents::{Document, StoredField};
use crate::validation::{self, Context, FormValues};
use std::collections::BTreeMap;

/// A value that fails a check is never trusted more than this.
pub const FAILED_CHECK_CEILING: f32 = 0.5;

/// Re-runs all checks on a document, replacing earlier check notes.
pub fn check_document(doc: &mut Document, parts: &[&Form], ctx: &Context<'_>) {
    let mut values: BTreeMap<String, FormValues> = BTreeMap::new();
    for (name, field) in &doc.fields {
        let value: validation::FieldValue = (&field.value).into();
        if !value.is_empty() {
            values
                .entry(field.form.clone())
                .or_default()
                .insert(name.clone(), value);
        }
    }
    let errors = validation::check_copy(parts, &values, ctx);
    // Pages of two sheets with one ID that may be paired wrongly: no value of them is sure, whatever it reads.
    let unsure_pairing = doc.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING);
    for (name, field) in doc.fields.iter_mut() {
        field.notes.retain(|n| !n.starts_with(CHECK_PREFIX));
        field.confidence = field.read_confidence;
        for e in errors.iter().filter(|e| &e.field == name) {
            apply(field, &e.message);
        }
        if unsure_pairing {
            field.confidence = field.confidence.min(PAIRING_CEILING);
        }
    }
}

const CHECK_PREFIX: &str = "Kontroll: ";

fn apply(field: &mut StoredField, message: &str) {
    field.notes.push(format!("{CHECK_PREFIX}{message}"));
    field.confidence = field.confidence.min(FAILED_CHECK_CEILING);
}
