//! One document as the verification screen and the API show it: its fields in form order with the labels of the
//! form definition, each with the value as read, the value now (after corrections), its confidence, and its notes:
//! the reading notes and the checks of intake, run again over the values now.

use super::Site;
use crate::forms::layout::{FieldLayout, Geometry};
use crate::forms::{Form, Registry};
use crate::intake::check::check_document;
use crate::staff::StaffError;
use crate::staff::accounts::Account;
use crate::staff::casework::{Case, forms_of};
use crate::staff::queues::NEEDS_LOOK_BELOW;
use crate::store::documents::Source;
use crate::store::documents::{Document, Value};
use crate::validation::{self, Context};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Intake marks the notes that come from checks with this prefix (`intake::check`); they are recomputed here.
const CHECK_PREFIX: &str = "Kontroll: ";

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub input_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub section: String,
    /// The form of the copy the field belongs to, and its title.
    pub form: String,
    pub form_title: String,
    /// Page of the document the field is on.
    pub page: u32,
    /// `comb`, `text` or `choice`.
    pub kind: &'static str,
    pub multiple: bool,
    pub options: Vec<OptionView>,
    /// The value now: corrected, or as read.
    pub value: Value,
    pub value_read: Value,
    /// The value as one line of text (ticked options by their labels).
    pub shown: String,
    /// The text of a comb or text field (for the input).
    pub text: String,
    pub corrected: bool,
    pub confidence: f32,
    pub percent: u32,
    pub source: Source,
    /// Reading notes (as read only) and failed checks (always), in Swedish.
    pub notes: Vec<String>,
    /// The same, apart: what the reader said, and the checks over the value now.
    pub reading_notes: Vec<String>,
    pub checks: Vec<String>,
    /// The value as read, as one line of text.
    pub read_shown: String,
    pub failed_check: bool,
    pub needs_look: bool,
    pub input_id: String,
    pub maxlength: usize,
}

pub struct DocView {
    pub doc: Document,
    pub case: Case,
    pub parts: Vec<&'static Form>,
    /// In form order.
    pub fields: Vec<FieldView>,
}

/// The forms of a copy (the model's `forms_of`), borrowed from the registry for as long as it lives.
pub fn parts(registry: &'static Registry, doc: &Document) -> Vec<&'static Form> {
    forms_of(registry, doc)
        .iter()
        .filter_map(|f| registry.all().find(|r| Arc::ptr_eq(r, f)))
        .map(|f| f.as_ref())
        .collect()
}

/// The document and its case if the account may see it (`NotFound` otherwise, as for a missing document),
/// without writing `opened` to the user log: for the crops, checks and saves of a document already open.
pub fn access(site: &Site, by: &Account, key: &str) -> Result<(Document, Case), StaffError> {
    let doc = site.store.documents.get(key)?.ok_or(StaffError::NotFound)?;
    let case = site.staff.casework.case(&doc)?;
    if !site.staff.casework.sees(by, case.region.as_deref()) {
        return Err(StaffError::NotFound);
    }
    Ok((doc, case))
}

/// The document with the case's corrections and then `overrides` applied to its values, and every check run
/// again over them.
pub fn checked(
    doc: &Document,
    parts: &[&Form],
    corrections: &BTreeMap<String, Value>,
    overrides: &BTreeMap<String, Value>,
) -> Document {
    let mut doc = doc.clone();
    for (name, value) in corrections.iter().chain(overrides) {
        if let Some(f) = doc.fields.get_mut(name) {
            f.value = value.clone();
        }
    }
    check_document(&mut doc, parts, &Context::now());
    doc
}

/// Failed checks of each field, without the prefix.
pub fn check_messages(doc: &Document) -> BTreeMap<String, Vec<String>> {
    doc.fields
        .iter()
        .map(|(name, f)| {
            (
                name.clone(),
                f.notes
                    .iter()
                    .filter_map(|n| n.strip_prefix(CHECK_PREFIX).map(str::to_string))
                    .collect(),
            )
        })
        .collect()
}

pub fn input_id(name: &str) -> String {
    format!("f-{}", name.replace(['.', '_'], "-"))
}

impl DocView {
    pub fn new(registry: &'static Registry, doc: Document, case: Case) -> DocView {
        let parts = parts(registry, &doc);
        let now = checked(&doc, &parts, &case.corrections, &BTreeMap::new());
        let mut fields = Vec::new();
        for form in &parts {
            for page in &form.layout.pages {
                for layout in &page.fields {
                    let (Some(read), Some(current)) =
                        (doc.fields.get(&layout.name), now.fields.get(&layout.name))
                    else {
                        continue;
                    };
                    let corrected = case.corrections.contains_key(&layout.name);
                    let failed_check = current.notes.iter().any(|n| n.starts_with(CHECK_PREFIX));
                    let checks: Vec<String> = current
                        .notes
                        .iter()
                        .filter_map(|n| n.strip_prefix(CHECK_PREFIX).map(str::to_string))
                        .collect();
                    let reading_notes: Vec<String> = if corrected {
                        Vec::new()
                    } else {
                        current
                            .notes
                            .iter()
                            .filter(|n| !n.starts_with(CHECK_PREFIX))
                            .cloned()
                            .collect()
                    };
                    let notes: Vec<String> = reading_notes.iter().chain(&checks).cloned().collect();
                    let needs_look = failed_check
                        || (!corrected
                            && (read.confidence < NEEDS_LOOK_BELOW || !read.notes.is_empty()));
                    let (kind, multiple, options, maxlength) = match &layout.geometry {
                        Geometry::Comb { cells, .. } => ("comb", false, Vec::new(), cells.len()),
                        Geometry::Text { .. } => ("text", false, Vec::new(), 2000),
                        Geometry::Choice { multiple, options } => {
                            let ticked = match &current.value {
                                Value::Ticked(t) => t.clone(),
                                Value::Text(t) => vec![t.clone()],
                            };
                            let options = options
                                .iter()
                                .map(|o| OptionView {
                                    value: o.value.clone(),
                                    label: o.label.clone(),
                                    checked: ticked.contains(&o.value),
                                    input_id: format!(
                                        "{}-{}",
                                        input_id(&layout.name),
                                        o.value.replace('_', "-")
                                    ),
                                })
                                .collect();
                            ("choice", *multiple, options, 0)
                        }
                    };
                    let shown_now = shown(layout, &current.value);
                    let read_shown = shown(layout, &read.value);
                    let text = match &current.value {
                        Value::Text(t) => t.clone(),
                        Value::Ticked(t) => t.join(", "),
                    };
                    fields.push(FieldView {
                        name: layout.name.clone(),
                        label: layout.label.clone(),
                        section: layout.section.clone(),
                        form: form.name().to_string(),
                        form_title: form.def.title.clone(),
                        page: read.page,
                        kind,
                        multiple,
                        options,
                        value: current.value.clone(),
                        value_read: read.value.clone(),
                        shown: shown_now,
                        text,
                        corrected,
                        confidence: read.confidence,
                        percent: (read.confidence.clamp(0.0, 1.0) * 100.0).round() as u32,
                        source: read.source,
                        notes,
                        reading_notes,
                        checks,
                        read_shown,
                        failed_check,
                        needs_look,
                        input_id: input_id(&layout.name),
                        maxlength,
                    });
                }
            }
        }
        DocView {
            doc,
            case,
            parts,
            fields,
        }
    }

    pub fn fields_to_check(&self) -> usize {
        self.fields.iter().filter(|f| f.needs_look).count()
    }

    /// Fields needing a look first (in form order among them), then the rest in form order.
    pub fn look_first(&self) -> Vec<&FieldView> {
        let mut out: Vec<&FieldView> = self.fields.iter().filter(|f| f.needs_look).collect();
        out.extend(self.fields.iter().filter(|f| !f.needs_look));
        out
    }

    pub fn field(&self, name: &str) -> Option<&FieldView> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A value as one line of text, ticked options by their labels.
pub fn shown(layout: &FieldLayout, value: &Value) -> String {
    match (&layout.geometry, value) {
        (Geometry::Choice { options, .. }, Value::Ticked(t)) => t
            .iter()
            .map(|v| {
                options
                    .iter()
                    .find(|o| &o.value == v)
                    .map_or(v.as_str(), |o| o.label.as_str())
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::Text(t)) => t.clone(),
        (_, Value::Ticked(t)) => t.join(", "),
    }
}

/// The layout of a field among the forms of a copy.
pub fn layout_of<'f>(parts: &[&'f Form], name: &str) -> Option<&'f FieldLayout> {
    parts
        .iter()
        .flat_map(|f| f.layout.pages.iter())
        .flat_map(|p| p.fields.iter())
        .find(|f| f.name == name)
}

/// A value typed or ticked for `field`, in the shape its definition wants: text normalised as the on-screen form
/// normalises it (digits without separators), choices as the ticked option values. None for an unknown field.
pub fn value_for(parts: &[&Form], field: &str, raw: &[&str]) -> Option<Value> {
    let def = parts
        .iter()
        .flat_map(|f| validation::fields(f))
        .find(|d| d.name == field)?;
    Some(match def.kind {
        crate::forms::definition::FieldKind::Choice { .. } => Value::Ticked(
            raw.iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
        ),
        _ => Value::Text(validation::normalize(
            def,
            raw.first().copied().unwrap_or_default(),
        )),
    })
}

/// The values now (corrected, or as read) by form name, as the renderer and the checks take them.
pub fn values_by_form(
    parts: &[&Form],
    values: &BTreeMap<String, Value>,
) -> BTreeMap<String, validation::FormValues> {
    let mut out: BTreeMap<String, validation::FormValues> = BTreeMap::new();
    for form in parts {
        for def in validation::fields(form) {
            if let Some(v) = values.get(&def.name) {
                let v: validation::FieldValue = v.into();
                if !v.is_empty() {
                    out.entry(form.name().to_string())
                        .or_default()
                        .insert(def.name.clone(), v);
                }
            }
        }
    }
    out
}
