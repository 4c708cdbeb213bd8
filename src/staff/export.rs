//! Exports of registered notifications (CSV with one column per field of the form definitions, and JSON), of
//! the logs (CSV), and the postlista: diarienummer, date and kind of document, with no personal data.

use super::StaffError;
use super::case::Registration;
use crate::forms::Registry;
use crate::forms::definition::FormKind;
use crate::store::StoreError;
use crate::store::audit::LogEntry;
use crate::store::documents::Value;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostlistaRow {
    pub diarienummer: String,
    /// `YYYY-MM-DD` of registration.
    pub date: String,
    /// The form's Swedish title, e.g. "Klinisk anmälan".
    pub kind: String,
}

/// Leading columns of the registrations CSV, before the fields.
pub const REGISTRATION_COLUMNS: [&str; 8] = [
    "diarienummer",
    "region",
    "form",
    "version",
    "form_id",
    "received_at",
    "registered_at",
    "registered_by",
];

fn csv_error(e: impl std::fmt::Display) -> StaffError {
    StaffError::Store(StoreError::Corrupt(format!("CSV: {e}")))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String, StaffError> {
    let bytes = writer.into_inner().map_err(csv_error)?;
    String::from_utf8(bytes).map_err(csv_error)
}

/// The field columns: the main forms present, then the supplements whose fields occur, each in definition
/// order; a name occurs once (names are stable across versions). Values no definition names come last.
fn field_columns(registry: &Registry, rows: &[Registration]) -> Vec<String> {
    let present: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.values_registered.keys().map(String::as_str))
        .collect();
    let mains: BTreeSet<(&str, u32)> = rows.iter().map(|r| (r.form.as_str(), r.version)).collect();
    let mut columns: Vec<String> = Vec::new();
    let mut add = |names: &mut dyn Iterator<Item = &str>| {
        for name in names {
            if !columns.iter().any(|c| c == name) {
                columns.push(name.to_string());
            }
        }
    };
    for form in registry
        .all()
        .filter(|f| f.kind() == FormKind::Main && mains.contains(&(f.name(), f.version())))
    {
        add(&mut crate::validation::fields(form).map(|d| d.name.as_str()));
    }
    for form in registry.all().filter(|f| f.kind() == FormKind::Supplement) {
        let names: Vec<&str> = crate::validation::fields(form)
            .map(|d| d.name.as_str())
            .collect();
        if names.iter().any(|n| present.contains(n)) {
            add(&mut names.into_iter());
        }
    }
    let known: BTreeSet<String> = columns.iter().cloned().collect();
    columns.extend(
        present
            .into_iter()
            .filter(|n| !known.contains(*n))
            .map(str::to_string),
    );
    columns
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::Text(t)) => spreadsheet_safe(t),
        Some(Value::Ticked(t)) => t.join(";"),
    }
}

/// A value a spreadsheet will not run as a formula: text that starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'` (OWASP's advice for CSV injection), except a plain number such as a telephone number
/// `+46 70 123 45 67` or `-5`, which holds no function to call and would be spoilt by it.
pub fn spreadsheet_safe(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = text
        .chars()
        .skip(1)
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.' | ','))
        && text.chars().skip(1).any(|c| c.is_ascii_digit());
    if risky && !number {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// One row per notification: diarienummer, region, form, version, form ID, received, registered, registered by,
/// then every field of every form present, named by the definitions (`patient.personnummer`), in definition order.
/// The values are the registered ones (corrections included); ticked options are joined with `;`.
pub fn registrations_csv(registry: &Registry, rows: &[Registration]) -> Result<String, StaffError> {
    let columns = field_columns(registry, rows);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(
            REGISTRATION_COLUMNS
                .iter()
                .copied()
                .chain(columns.iter().map(String::as_str)),
        )
        .map_err(csv_error)?;
    for r in rows {
        let mut record = vec![
            r.diarienummer.clone(),
            r.region.clone(),
            r.form.clone(),
            r.version.to_string(),
            r.form_id.clone(),
            r.received_at.clone(),
            r.registered_at.clone(),
            r.registered_by.clone(),
        ];
        record.extend(columns.iter().map(|c| cell(r.values_registered.get(c))));
        writer.write_record(&record).map_err(csv_error)?;
    }
    finish(writer)
}

pub fn registrations_json(rows: &[Registration]) -> Result<String, StaffError> {
    serde_json::to_string_pretty(rows)
        .map_err(|e| StaffError::Store(StoreError::Corrupt(e.to_string())))
}

/// The log as CSV: every entry with its chain fields, the event by its code and its Swedish word (`handelse`).
pub fn log_csv(entries: &[LogEntry]) -> Result<String, StaffError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "seq", "at", "actor", "action", "handelse", "document", "region", "detail", "prev",
            "hash",
        ])
        .map_err(csv_error)?;
    for e in entries {
        writer
            .write_record([
                e.seq.to_string().as_str(),
                &e.at,
                &spreadsheet_safe(&e.actor),
                &e.action,
                super::log_words::swedish(&e.action),
                e.document.as_deref().unwrap_or(""),
                e.region.as_deref().unwrap_or(""),
                &spreadsheet_safe(&e.detail),
                &e.prev,
                &e.hash,
            ])
            .map_err(csv_error)?;
    }
    finish(writer)
}

/// The public list of registered documents: no values at all, only number, date and the form's title.
pub fn postlista(registry: &Registry, rows: &[Registration]) -> Vec<PostlistaRow> {
    rows.iter()
        .map(|r| PostlistaRow {
            diarienummer: r.diarienummer.clone(),
            date: r.registered_at.chars().take(10).collect(),
            kind: registry
                .get(&r.form, Some(r.version))
                .map(|f| f.def.title.clone())
                .unwrap_or_else(|_| r.form.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            spreadsheet_safe("+cmd|' /C calc'!A0"),
            "'+cmd|' /C calc'!A0"
        );
        assert_eq!(spreadsheet_safe("-2+3+cmd|x"), "'-2+3+cmd|x");
        assert_eq!(spreadsheet_safe("\t=1"), "'\t=1");
        assert_eq!(spreadsheet_safe("+46 70 123 45 67"), "+46 70 123 45 67");
        assert_eq!(spreadsheet_safe("-5"), "-5");
        assert_eq!(spreadsheet_safe("Andersson, Anna"), "Andersson, Anna");
        assert_eq!(spreadsheet_safe("-"), "'-");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
