//! Exports of registered notifications (CSV with one column per field of the form definitions, and JSON), of
//! the logs (CSV), and the postlista: diarienummer, date and kind of document, with no personal data.

use super::StaffError;
use super::audit::LogEntry;
use super::casework::Registration;
use crate::forms::Registry;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostlistaRow {
    pub diarienummer: String,
    /// `YYYY-MM-DD` of registration.
    pub date: String,
    /// The form's Swedish title, e.g. "Klinisk anmälan".
    pub kind: String,
}

/// One row per notification: diarienummer, region, form, version, form ID, received, registered, registered by,
/// then every field of every form present, named by the definitions (`patient.personnummer`), in definition order.
pub fn registrations_csv(registry: &Registry, rows: &[Registration]) -> Result<String, StaffError> {
    let _ = (registry, rows);
    todo!()
}

pub fn registrations_json(rows: &[Registration]) -> Result<String, StaffError> {
    let _ = rows;
    todo!()
}

pub fn log_csv(entries: &[LogEntry]) -> Result<String, StaffError> {
    let _ = entries;
    todo!()
}

pub fn postlista(registry: &Registry, rows: &[Registration]) -> Vec<PostlistaRow> {
    let _ = (registry, rows);
    todo!()
}
