//! Shared by the intake test files: generated scans taken in through the library, and a document compared with
//! what was written on the sheet.
#![allow(dead_code)]

use blankett::intake::pipeline::{Intake, Report};
use blankett::store::documents::{Document, Value};
use blankett::synth::scenario::{GeneratedBatch, TruthDocument};
use blankett::synth::values::Value as Truth;

/// Takes in every file of `batch`, in order. Returns all reports.
pub fn take_in_batch(intake: &Intake, batch: &GeneratedBatch) -> Vec<Report> {
    let mut reports = Vec::new();
    for (name, bytes) in &batch.files {
        reports.extend(intake.take_in(name, bytes, &|_, _| {}).expect("take in"));
    }
    reports
}

pub fn unidentified(reports: &[Report]) -> Vec<&Report> {
    reports
        .iter()
        .filter(|r| matches!(r, Report::Unidentified { .. } | Report::Unreadable { .. }))
        .collect()
}

/// Asserts that every tick-box field of `doc` holds the ticks drawn on the sheet, and (unless `ticks_only`) that
/// the typed personnummer was read exactly. Returns the number of fields compared.
pub fn assert_values(doc: &Document, truth: &TruthDocument, ticks_only: bool) -> usize {
    let mut compared = 0;
    for (field, want) in &truth.values {
        let Some(read) = doc.fields.get(field) else {
            continue;
        };
        match (want, &read.value) {
            (Truth::Choices(want), Value::Ticked(got)) => {
                let (mut a, mut b) = (want.clone(), got.clone());
                a.sort();
                b.sort();
                assert_eq!(a, b, "{}: {field}", truth.form_id);
                compared += 1;
            }
            (Truth::Text(want), Value::Text(got))
                if !ticks_only && field == "patient.personnummer" =>
            {
                assert_eq!(got, want, "{}: {field}", truth.form_id);
                compared += 1;
            }
            _ => {}
        }
    }
    compared
}
