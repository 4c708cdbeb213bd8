//! What stands between a document and its registration. A notification registered wrongly reaches the wrong
//! patient's file, so registering needs a clean document: no failed check (a check digit, a date, a required
//! field left empty) unless a person let it stand with a reason, and every field the reader was unsure of
//! looked at by a person (accepted as read, corrected, or a suggestion taken).
//!
//! One computation for the model's `register`, the queue's count, the verification page and the API, so that
//! what the page shows as "to look at" is exactly what refuses the registration.

use super::case::{Case, CheckOverride};
use crate::forms::Form;
use crate::intake::check::check_document;
use crate::store::documents::{Document, StoredField, Value};
use crate::validation::Context;
use serde::Serialize;
use std::collections::BTreeMap;

/// A field the reader gave less confidence than this needs a person's look.
pub const NEEDS_LOOK_BELOW: f32 = 0.9;

/// Intake marks the notes that come from checks with this prefix (`intake::check`); the others are reading notes.
pub const CHECK_PREFIX: &str = "Kontroll: ";

/// Why a field stops the registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObstacleKind {
    /// Read with doubt (low confidence, a reading note, a suggestion) and not yet looked at.
    Unreviewed,
    /// A check fails over the value now, and nobody let it stand.
    FailedCheck,
    /// Empty, where the form (or a rule) asks for a value; a failed check too, and may be let stand the same way.
    Missing,
}

impl ObstacleKind {
    /// In Swedish, for lists on the page and in the confirmation.
    pub fn text(self) -> &'static str {
        match self {
            ObstacleKind::Unreviewed => "inte granskat",
            ObstacleKind::FailedCheck => "kontrollen stämmer inte",
            ObstacleKind::Missing => "saknas",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obstacle {
    pub field: String,
    pub label: String,
    pub section: String,
    pub kind: ObstacleKind,
    /// The kind in Swedish ("inte granskat", "kontrollen stämmer inte", "saknas").
    pub kind_text: &'static str,
    /// Why, in Swedish: the failed checks, or what made the reading uncertain.
    pub message: String,
}

/// One field of a document as verification sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldState {
    pub name: String,
    pub label: String,
    pub section: String,
    pub form: String,
    /// The value now: corrected, or as read.
    pub value: Value,
    /// Doubt in the reading as stored: below [`NEEDS_LOOK_BELOW`], a reading note, or a suggestion beside it.
    pub needs_look: bool,
    /// What the doubt is, in Swedish, when there is one.
    pub doubt: String,
    /// A person looked at it (accepted, corrected or took a suggestion).
    pub reviewed: bool,
    pub corrected: bool,
    /// The checks that fail over the values now, without the prefix.
    pub checks: Vec<String>,
    /// A person let the failed checks stand, for this value.
    pub overridden: Option<CheckOverride>,
    /// Empty now.
    pub empty: bool,
}

impl FieldState {
    /// What stops the registration on this field, if anything. A failed check that was let stand does not; a
    /// field in doubt that was looked at does not.
    pub fn obstacle(&self) -> Option<Obstacle> {
        let obstacle = |kind, message: String| Obstacle {
            field: self.name.clone(),
            label: self.label.clone(),
            section: self.section.clone(),
            kind,
            kind_text: kind.text(),
            message,
        };
        if !self.checks.is_empty() && self.overridden.is_none() {
            let kind = if self.empty {
                ObstacleKind::Missing
            } else {
                ObstacleKind::FailedCheck
            };
            return Some(obstacle(kind, self.checks.join(" ")));
        }
        if self.needs_look && !self.reviewed && !self.corrected {
            return Some(obstacle(
                ObstacleKind::Unreviewed,
                format!("{}: jämför med papperet.", capitalized(&self.doubt)),
            ));
        }
        None
    }
}

/// Every field of a document, in the order of the paper, with what stands in the way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readiness {
    pub fields: Vec<FieldState>,
}

/// Whether the stored reading leaves doubt a person must resolve. An empty free-text box that intake saw empty
/// is read surely and is not in doubt; one nobody measured (a person reads free text) carries a reading note.
pub fn in_doubt(field: &StoredField) -> bool {
    field.confidence < NEEDS_LOOK_BELOW
        || field.suggestion.is_some()
        || field.notes.iter().any(|n| !n.starts_with(CHECK_PREFIX))
}

/// Why a stored reading is in doubt, in Swedish (empty when it is not): the suggestion beside it, the reader's
/// note, or its confidence.
pub fn doubt_of(field: &StoredField) -> String {
    if field.suggestion.is_some() {
        return "ett förslag står bredvid det skrivna".into();
    }
    if let Some(note) = field.notes.iter().find(|n| !n.starts_with(CHECK_PREFIX)) {
        return note.clone();
    }
    if field.confidence < NEEDS_LOOK_BELOW {
        return format!(
            "läst med {}\u{a0}% säkerhet",
            (field.confidence.clamp(0.0, 1.0) * 100.0).round() as u32
        );
    }
    String::new()
}

/// The document with `corrections` and then `overrides` over its values as read, every check run again.
pub fn checked_document(
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

/// The failed checks of a stored field, without the prefix.
pub fn check_messages(field: &StoredField) -> Vec<String> {
    field
        .notes
        .iter()
        .filter_map(|n| n.strip_prefix(CHECK_PREFIX).map(str::to_string))
        .collect()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Text(t) => t.trim().is_empty(),
        Value::Ticked(t) => t.is_empty(),
    }
}

impl Readiness {
    /// The state of every field of `doc` (with its case) that `parts`' layouts place, in paper order.
    pub fn of(doc: &Document, case: &Case, parts: &[&Form]) -> Readiness {
        let now = checked_document(doc, parts, &case.corrections, &BTreeMap::new());
        let mut fields = Vec::new();
        for form in parts {
            for page in &form.layout.pages {
                for layout in &page.fields {
                    let (Some(read), Some(current)) =
                        (doc.fields.get(&layout.name), now.fields.get(&layout.name))
                    else {
                        continue;
                    };
                    if fields.iter().any(|f: &FieldState| f.name == layout.name) {
                        continue;
                    }
                    let checks = check_messages(current);
                    // A let-stand holds for the value it was given for, and only while a check still fails.
                    let overridden = case
                        .overrides
                        .get(&layout.name)
                        .filter(|o| o.value == current.value && !checks.is_empty())
                        .cloned();
                    let empty = is_empty(&current.value);
                    fields.push(FieldState {
                        name: layout.name.clone(),
                        label: layout.label.clone(),
                        section: layout.section.clone(),
                        form: form.name().to_string(),
                        value: current.value.clone(),
                        needs_look: in_doubt(read),
                        doubt: doubt_of(read),
                        reviewed: case.reviewed.contains_key(&layout.name),
                        corrected: case.corrections.contains_key(&layout.name),
                        checks,
                        overridden,
                        empty,
                    });
                }
            }
        }
        Readiness { fields }
    }

    pub fn field(&self, name: &str) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// What stops the registration, in paper order.
    pub fn obstacles(&self) -> Vec<Obstacle> {
        self.fields
            .iter()
            .filter_map(FieldState::obstacle)
            .collect()
    }

    /// Failed checks a person let stand, for the confirmation and the record.
    pub fn overridden(&self) -> Vec<&FieldState> {
        self.fields
            .iter()
            .filter(|f| f.overridden.is_some())
            .collect()
    }

    pub fn is_ready(&self) -> bool {
        self.fields.iter().all(|f| f.obstacle().is_none())
    }

    /// How many fields need a person: the queue's count and the page's "att titta på".
    pub fn to_check(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| f.obstacle().is_some())
            .count()
    }
}

/// The refusal of a registration, in Swedish: how many fields and why, the first few by name.
pub fn refusal_message(obstacles: &[Obstacle]) -> String {
    let count = |kind| obstacles.iter().filter(|o| o.kind == kind).count();
    let mut parts = Vec::new();
    let unreviewed = count(ObstacleKind::Unreviewed);
    if unreviewed > 0 {
        parts.push(format!("{unreviewed} fält att granska"));
    }
    let failed = count(ObstacleKind::FailedCheck);
    if failed > 0 {
        parts.push(format!(
            "{failed} {} som inte stämmer",
            if failed == 1 {
                "kontroll"
            } else {
                "kontroller"
            }
        ));
    }
    let missing = count(ObstacleKind::Missing);
    if missing > 0 {
        parts.push(format!(
            "{missing} {} som saknas",
            if missing == 1 { "uppgift" } else { "uppgifter" }
        ));
    }
    let names: Vec<String> = obstacles
        .iter()
        .take(5)
        .map(|o| format!("{} ({})", o.label, o.kind.text()))
        .collect();
    let more = obstacles.len().saturating_sub(names.len());
    format!(
        "Anmälan kan inte registreras än: {}. {}{}. Granska fälten, rätta dem eller ange skäl att godta en \
         kontroll som inte stämmer.",
        parts.join(", "),
        names.join(", "),
        if more > 0 {
            format!(" och {more} till")
        } else {
            String::new()
        }
    )
}
