//! One document as the verification screen and the API show it: its fields in form order with the labels of the
//! form definition, each with the value as read, the value now (after corrections), its confidence, and its notes:
//! the reading notes and the checks of intake, run again over the values now.

use super::Site;
use crate::forms::definition::{Check, FieldDefinition};
use crate::forms::layout::{FieldLayout, Geometry};
use crate::forms::{Form, Registry};
use crate::staff::StaffError;
use crate::staff::accounts::Account;
use crate::staff::case::Case;
use crate::staff::casework::forms_of;
use crate::staff::readiness::{self, Obstacle, Readiness};
use crate::store::documents::Source;
use crate::store::documents::{Document, Value};
use crate::validation;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub input_id: String,
}

/// A suggestion beside the value as written, as the page shows it: "Skrivet 19121212-1213: kontrollsiffran
/// stämmer inte. Förslag: 19121212-1212".
#[derive(Debug, Clone, Serialize)]
pub struct SuggestionView {
    /// The value as written, in its display form.
    pub written: String,
    /// The suggested value as stored (what taking it records).
    pub value: String,
    /// The suggested value in its display form.
    pub shown: String,
    pub reason: String,
    /// The whole sentence.
    pub text: String,
    /// The value now is the suggestion already.
    pub taken: bool,
}

/// A failed check let stand, as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct OverrideView {
    pub reason: String,
    pub checks: Vec<String>,
    pub by: String,
    /// The person's name, filled by the page (`DocView::name_people`); the username until then.
    pub by_name: String,
    pub at: String,
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
    /// The same, as people write it (a personnummer with its hyphen): for reading, not for the input.
    pub display: String,
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
    /// The value as read in its display form (a personnummer with its hyphen).
    pub written: String,
    pub failed_check: bool,
    /// The reading leaves doubt, or a check fails: shown first, marked "att titta på".
    pub needs_look: bool,
    /// A person looked at it (accepted, corrected, took a suggestion).
    pub reviewed: bool,
    /// What stops the registration on this field, if anything.
    pub obstacle: Option<Obstacle>,
    pub suggestion: Option<SuggestionView>,
    pub overridden: Option<OverrideView>,
    /// A free-text box intake saw empty on paper.
    pub empty_on_paper: bool,
    pub input_id: String,
    pub maxlength: usize,
}

pub struct DocView {
    pub doc: Document,
    pub case: Case,
    pub parts: Vec<&'static Form>,
    /// In form order.
    pub fields: Vec<FieldView>,
    pub readiness: Readiness,
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
    readiness::checked_document(doc, parts, corrections, overrides)
}

/// Failed checks of each field, without the prefix.
pub fn check_messages(doc: &Document) -> BTreeMap<String, Vec<String>> {
    doc.fields
        .iter()
        .map(|(name, f)| (name.clone(), readiness::check_messages(f)))
        .collect()
}

pub fn input_id(name: &str) -> String {
    format!("f-{}", name.replace(['.', '_'], "-"))
}

/// The definition of a field among the forms of a copy.
pub fn definition<'f>(parts: &[&'f Form], name: &str) -> Option<&'f FieldDefinition> {
    parts
        .iter()
        .flat_map(|f| validation::fields(f))
        .find(|d| d.name == name)
}

/// A comb's text as people write and read it: a 12-digit personnummer or samordningsnummer with its hyphen.
pub fn display_text(def: Option<&FieldDefinition>, text: &str) -> String {
    let identity = matches!(
        def.and_then(|d| d.check),
        Some(Check::Personnummer | Check::Identitet)
    );
    if identity && text.len() == 12 && text.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}", &text[..8], &text[8..])
    } else {
        text.to_string()
    }
}

impl DocView {
    pub fn new(registry: &'static Registry, doc: Document, case: Case) -> DocView {
        let parts = parts(registry, &doc);
        let readiness = Readiness::of(&doc, &case, &parts);
        let mut fields = Vec::new();
        for form in &parts {
            for page in &form.layout.pages {
                for layout in &page.fields {
                    let (Some(read), Some(state)) =
                        (doc.fields.get(&layout.name), readiness.field(&layout.name))
                    else {
                        continue;
                    };
                    if fields.iter().any(|f: &FieldView| f.name == layout.name) {
                        continue;
                    }
                    let def = definition(&parts, &layout.name);
                    let corrected = state.corrected;
                    let checks = state.checks.clone();
                    let failed_check = !checks.is_empty();
                    let reading_notes: Vec<String> = if corrected {
                        Vec::new()
                    } else {
                        read.notes
                            .iter()
                            .filter(|n| !n.starts_with(readiness::CHECK_PREFIX))
                            .cloned()
                            .collect()
                    };
                    let notes: Vec<String> = reading_notes.iter().chain(&checks).cloned().collect();
                    let (kind, multiple, options, maxlength) = match &layout.geometry {
                        Geometry::Comb { cells, .. } => ("comb", false, Vec::new(), cells.len()),
                        Geometry::Text { .. } => ("text", false, Vec::new(), 2000),
                        Geometry::Choice { multiple, options } => {
                            let ticked = match &state.value {
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
                    let read_shown = shown(layout, &read.value);
                    let written = match &read.value {
                        Value::Text(t) => display_text(def, t),
                        Value::Ticked(_) => read_shown.clone(),
                    };
                    let text = match &state.value {
                        Value::Text(t) => t.clone(),
                        Value::Ticked(t) => t.join(", "),
                    };
                    let suggestion = read.suggestion.as_ref().map(|s| {
                        let shown = display_text(def, &s.value);
                        let reason = s.reason.trim().trim_end_matches('.').to_string();
                        SuggestionView {
                            text: format!(
                                "Skrivet {}: {reason}. Förslag: {shown}",
                                if written.is_empty() { "–" } else { &written }
                            ),
                            written: written.clone(),
                            value: s.value.clone(),
                            shown,
                            reason,
                            taken: state.value == Value::Text(s.value.clone()),
                        }
                    });
                    let overridden = state.overridden.as_ref().map(|o| OverrideView {
                        reason: o.reason.clone(),
                        checks: o.checks.clone(),
                        by: o.by.clone(),
                        by_name: o.by.clone(),
                        at: super::views::short_time(&o.at),
                    });
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
                        value: state.value.clone(),
                        value_read: read.value.clone(),
                        shown: shown(layout, &state.value),
                        display: match &state.value {
                            Value::Text(t) => display_text(def, t),
                            Value::Ticked(_) => shown(layout, &state.value),
                        },
                        text,
                        corrected,
                        confidence: read.confidence,
                        percent: (read.confidence.clamp(0.0, 1.0) * 100.0).round() as u32,
                        source: read.source,
                        notes,
                        reading_notes,
                        checks,
                        read_shown,
                        written,
                        failed_check,
                        needs_look: failed_check || state.needs_look,
                        reviewed: state.reviewed || corrected,
                        obstacle: state.obstacle(),
                        suggestion,
                        overridden,
                        empty_on_paper: read.source == Source::Person
                            && state.empty
                            && !readiness::in_doubt(read),
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
            readiness,
        }
    }

    /// Fields that stop the registration: the page's and the queue's "att titta på".
    pub fn fields_to_check(&self) -> usize {
        self.readiness.to_check()
    }

    /// Names the people who let checks stand, by `name` (username -> display name).
    pub fn name_people(&mut self, name: impl Fn(&str) -> String) {
        for f in &mut self.fields {
            if let Some(o) = &mut f.overridden {
                o.by_name = name(&o.by);
            }
        }
    }

    /// Fields that stop the registration first, then the other fields in doubt, then the rest, each group in
    /// form order.
    pub fn look_first(&self) -> Vec<&FieldView> {
        let rank = |f: &FieldView| match (&f.obstacle, f.needs_look) {
            (Some(_), _) => 0,
            (None, true) => 1,
            (None, false) => 2,
        };
        let mut out: Vec<&FieldView> = self.fields.iter().collect();
        out.sort_by_key(|f| rank(f));
        out
    }

    pub fn field(&self, name: &str) -> Option<&FieldView> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whose notification and of what, as registered now: shown in the confirmation, so that the person sees
    /// which patient's file it is about to reach. Empty values are left out.
    pub fn who_and_what(&self) -> Vec<SummaryLine> {
        WHO_AND_WHAT
            .iter()
            .filter_map(|name| self.field(name))
            .filter(|f| !f.shown.is_empty())
            .map(|f| SummaryLine {
                label: f.label.clone(),
                section: f.section.clone(),
                shown: f.display.clone(),
            })
            .collect()
    }
}

/// The fields that say which patient and which disease (stable names, on every form that has them).
const WHO_AND_WHAT: &[&str] = &[
    "patient.personnummer",
    "patient.rikskod",
    "patient.namn",
    "sjukdom.diagnos",
    "sjukdom.annan",
];

#[derive(Debug, Clone, Serialize)]
pub struct SummaryLine {
    pub label: String,
    pub section: String,
    pub shown: String,
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
