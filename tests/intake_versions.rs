//! Forms version 2 (issue 12) beside version 1. A copy printed from each version of the same form, filled in,
//! scanned and taken in, is read by the definition it was printed from: its own boxes and its own fields, the
//! field names shared where the meaning is the same, so that exports line up across versions.

mod intake_support;

use blankett::formid::FormId;
use blankett::forms::Registry;
use blankett::intake::pipeline::Intake;
use blankett::store::Store;
use blankett::store::documents::{Document, Value};
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, GeneratedBatch, IdMode, Spec};
use blankett::synth::values::Value as Truth;
use blankett::validation;
use intake_support::{take_in_batch, unidentified};
use std::collections::BTreeSet;

/// One typed copy of `form` (`klinisk@1`) whose patient has a reservnummer, every field filled.
fn one_copy(form: &str, seed: u64) -> GeneratedBatch {
    let spec = Spec {
        documents: 1,
        forms: vec![form.into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 1.0,
        empty_rate: 0.0,
        upside_down_rate: 0.0,
        ids: IdMode::Seeded,
        prefix: form.replace('@', "-v"),
        reservnummer: true,
        ..Spec::default()
    };
    scenario::generate(seed, &spec).expect("generate")
}

fn document(intake: &Intake, batch: &GeneratedBatch) -> Document {
    let id = FormId::parse(&batch.truth[0].form_id).expect("form ID");
    let mut docs = intake
        .store
        .documents
        .with_id(&id.compact())
        .expect("store");
    assert_eq!(docs.len(), 1, "{}", batch.truth[0].form_id);
    docs.remove(0)
}

fn text<'a>(doc: &'a Document, field: &str) -> &'a str {
    match doc.fields.get(field).map(|f| &f.value) {
        Some(Value::Text(t)) => t,
        other => panic!("{field}: {other:?}"),
    }
}

fn truth<'a>(batch: &'a GeneratedBatch, field: &str) -> &'a str {
    match batch.truth[0].values.get(field) {
        Some(Truth::Text(t)) => t,
        other => panic!("{field}: {other:?}"),
    }
}

#[test]
fn a_version_1_and_a_version_2_scan_of_the_same_form_are_each_read_by_their_own_definition() {
    let registry = Registry::embedded();
    let v1 = one_copy("klinisk@1", 61);
    let v2 = one_copy("klinisk@2", 61);
    assert!(v1.truth[0].form_id.starts_with("KA1-"));
    assert!(v2.truth[0].form_id.starts_with("KA2-"));

    let dir = tempfile::tempdir().unwrap();
    let intake = Intake::new(Store::open(dir.path()).unwrap());
    // Both in one intake, as a region's post brings them.
    assert!(unidentified(&take_in_batch(&intake, &v1)).is_empty());
    assert!(unidentified(&take_in_batch(&intake, &v2)).is_empty());

    for (batch, version) in [(&v1, 1), (&v2, 2)] {
        let doc = document(&intake, batch);
        assert_eq!((doc.form.as_str(), doc.version), ("klinisk", version));
        assert!(doc.missing_pages().is_empty(), "v{version}");
        let form = registry.get("klinisk", Some(version)).unwrap();
        let defined: BTreeSet<&str> = validation::fields(form).map(|f| f.name.as_str()).collect();
        let read: BTreeSet<&str> = doc.fields.keys().map(String::as_str).collect();
        assert_eq!(
            read, defined,
            "v{version}: the fields of its own definition"
        );
        // Typed, so read exactly: the reporter's name, the HSA-id and the date on every version.
        for field in ["rapportor.datum", "rapportor.hsaid", "patient.postnummer"] {
            assert_eq!(text(&doc, field), truth(batch, field), "v{version} {field}");
        }
    }

    // Version 1's digit cells hold a reservnummer of digits; version 2's take its letters.
    let d1 = document(&intake, &v1);
    let d2 = document(&intake, &v2);
    let written_v1 = truth(&v1, "patient.personnummer");
    let written_v2 = truth(&v2, "patient.personnummer");
    assert!(
        written_v1.chars().all(|c| c.is_ascii_digit()),
        "{written_v1}"
    );
    assert!(
        written_v2.chars().any(|c| c.is_ascii_alphabetic()),
        "{written_v2}"
    );
    assert_eq!(text(&d1, "patient.personnummer"), written_v1);
    assert_eq!(text(&d2, "patient.personnummer"), written_v2);
    // What only version 2 asks: suspected or confirmed, birth year or age, lab number, which rules were given.
    for field in [
        "sjukdom.fall",
        "patient.fodelsear",
        "prov.labnummer",
        "atgarder.forhallningsregler_vilka",
    ] {
        assert!(!d1.fields.contains_key(field), "v1 has no {field}");
        assert!(d2.fields.contains_key(field), "v2 has {field}");
    }
    match (
        d2.fields.get("sjukdom.fall").map(|f| &f.value),
        v2.truth[0].values.get("sjukdom.fall"),
    ) {
        (Some(Value::Ticked(got)), Some(Truth::Choices(want))) => assert_eq!(got, want),
        other => panic!("sjukdom.fall: {other:?}"),
    }
    // The same meaning keeps its name: every field of version 1 is in version 2 under the same name.
    let missing: Vec<&String> = d1
        .fields
        .keys()
        .filter(|k| !d2.fields.contains_key(*k))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
