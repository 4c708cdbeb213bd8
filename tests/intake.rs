//! Intake end to end through the command line: printed forms taken in, bad input refused clearly and kept,
//! a second intake of the same file changing nothing, a kill in the middle resumed, and a data folder held by a
//! running service handed to its inbox.

mod common;

use common::blankett;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn intake(data: &Path, files: &[&Path]) -> (Output, Vec<Value>) {
    let out = blankett()
        .arg("intake")
        .arg("--data")
        .arg(data)
        .args(files)
        .output()
        .expect("run blankett intake");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    (out, lines)
}

fn print_forms(dir: &Path, count: u32) -> (std::path::PathBuf, Vec<String>) {
    let pdf = dir.join("forms.pdf");
    let out = blankett()
        .args([
            "print",
            "--form",
            "klinisk",
            "--region",
            "07",
            "--count",
            &count.to_string(),
            "--out",
        ])
        .arg(&pdf)
        .arg("--data")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        pdf,
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn printed_forms_become_pending_documents_and_a_second_intake_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, ids) = print_forms(dir.path(), 2);
    let data = dir.path().join("data");
    let (out, lines) = intake(&data, &[&pdf]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    let mut formed: Vec<&str> = lines
        .iter()
        .map(|l| l["form_id"].as_str().unwrap())
        .collect();
    formed.sort();
    let mut printed: Vec<&str> = ids.iter().map(String::as_str).collect();
    printed.sort();
    assert_eq!(formed, printed);
    for line in &lines {
        assert_eq!(line["form"], "klinisk");
        assert_eq!(line["version"], 2, "the newest version is printed");
        assert_eq!(line["status"], "pending");
        assert_eq!(line["pages"], serde_json::json!([1, 2]));
        assert_eq!(
            line["region"], "07",
            "the region comes from the register of issued IDs"
        );
        let fields = line["fields"].as_object().unwrap();
        assert_eq!(
            fields["anmalan.typ"]["value"],
            serde_json::json!([]),
            "a blank form has nothing ticked"
        );
        assert_eq!(
            fields["patient.personnummer"]["value"], "",
            "and nothing written"
        );
        for (name, f) in fields {
            let c = f["confidence"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&c), "{name}: {c}");
        }
    }
    let kept: Vec<_> = std::fs::read_dir(data.join("scans")).unwrap().collect();
    assert_eq!(kept.len(), 1, "the scan is kept as received");
    let (again, lines_again) = intake(&data, &[&pdf]);
    assert!(again.status.success());
    assert_eq!(
        lines_again, lines,
        "taking in the same file again changes nothing"
    );
    assert_eq!(std::fs::read_dir(data.join("scans")).unwrap().count(), 1);
}

#[test]
fn bad_input_gets_a_clear_error_no_panic_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut png = Vec::new();
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR");
    png.extend_from_slice(&60000u32.to_be_bytes());
    png.extend_from_slice(&60000u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
    let (pdf, _) = print_forms(dir.path(), 1);
    let whole = std::fs::read(&pdf).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.pdf", Vec::new()),
        (
            "text.pdf",
            b"Detta \xc3\xa4r ingen skanning, bara text.\n".to_vec(),
        ),
        ("truncated.pdf", whole[..whole.len() / 3].to_vec()),
        ("enormous.png", png),
        (
            "random.tif",
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        ),
        (
            "broken.jpg",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01".to_vec(),
        ),
    ];
    for (name, bytes) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (out, lines) = intake(&data, &[&path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        let reported_error = lines
            .iter()
            .any(|l| l["status"] == "error" && l["error"].as_str().is_some_and(|e| !e.is_empty()))
            || lines.iter().any(|l| l["status"] == "unidentified");
        assert!(reported_error, "{name}: {lines:?}");
    }
    // Everything received is kept (the empty file has nothing to keep but is still recorded by its hash).
    let kept = std::fs::read_dir(data.join("scans")).unwrap().count();
    assert_eq!(kept, cases.len(), "every file is kept as received");
}

#[test]
fn a_killed_intake_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, ids) = print_forms(dir.path(), 6);
    let data = dir.path().join("data");
    let mut child = blankett()
        .arg("intake")
        .arg("--data")
        .arg(&data)
        .arg(&pdf)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let it keep the file and get some pages done, then kill it hard.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let (out, lines) = intake(&data, &[&pdf]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen: Vec<String> = lines
        .iter()
        .filter(|l| l["status"] == "pending")
        .map(|l| l["form_id"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(
        seen, want,
        "every form is complete after the resumed run, each reported once: {lines:?}"
    );
}

#[test]
fn a_resumed_file_named_again_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, ids) = print_forms(dir.path(), 2);
    let data = dir.path().join("data");
    {
        // Kept but not read: what a kill right after keeping leaves behind.
        let intake =
            blankett::intake::pipeline::Intake::new(blankett::store::Store::open(&data).unwrap());
        intake.keep_file(&pdf).unwrap();
        intake.store.flush().unwrap();
    }
    let (out, lines) = intake(&data, &[&pdf]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen: Vec<&str> = lines.iter().filter_map(|l| l["form_id"].as_str()).collect();
    seen.sort();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(
        seen, want,
        "resumed, then named again: once each: {lines:?}"
    );
}

#[test]
fn a_folder_held_by_the_service_gets_the_files_in_its_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = print_forms(dir.path(), 1);
    let data = dir.path().join("data");
    let _held = blankett::store::Store::open(&data).unwrap();
    let (out, lines) = intake(&data, &[&pdf]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines[0]["status"], "queued");
    let inbox: Vec<_> = std::fs::read_dir(data.join("inbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        std::fs::read(&inbox[0]).unwrap(),
        std::fs::read(&pdf).unwrap()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("inkorg"));
}

/// Generated scans through the whole path: print, fill (typed), degrade like an office scanner and a fax, pages
/// shuffled across two files and some upside down; every copy is assembled with its ticks and typed digits right.
#[test]
fn generated_scans_are_assembled_and_read() {
    use blankett::synth::degrade::Quality;
    use blankett::synth::scenario::{self, Spec};
    use blankett::synth::values::Value as Truth;
    let spec = Spec {
        documents: 4,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.5,
        qualities: vec![Quality::Office200, Quality::FaxFine],
        typed_rate: 1.0,
        upside_down_rate: 0.4,
        shuffle: true,
        pages_per_file: Some(5),
        ..Spec::default()
    };
    let batch = scenario::generate(11, &spec).expect("generate");
    assert!(batch.files.len() >= 2, "pages spread over several files");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut paths = Vec::new();
    for (name, bytes) in &batch.files {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        paths.push(p);
    }
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let (out, _) = intake(&data, &refs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = blankett::store::Store::open(&data).unwrap();
    for doc in &batch.truth {
        let id = blankett::formid::FormId::parse(&doc.form_id).unwrap();
        let found = store.documents.with_id(&id.compact()).unwrap();
        assert_eq!(found.len(), 1, "{}: one document", doc.form_id);
        let stored = &found[0];
        assert!(
            stored.missing_pages().is_empty(),
            "{}: missing {:?}",
            doc.form_id,
            stored.missing_pages()
        );
        for (name, value) in &doc.values {
            let Some(read) = stored.fields.get(name) else {
                continue;
            };
            match (value, &read.value) {
                (Truth::Choices(want), blankett::store::documents::Value::Ticked(got)) => {
                    let (mut a, mut b) = (want.clone(), got.clone());
                    a.sort();
                    b.sort();
                    assert_eq!(a, b, "{}: {name}", doc.form_id);
                }
                (Truth::Text(want), blankett::store::documents::Value::Text(got))
                    if name == "patient.personnummer" =>
                {
                    assert_eq!(got, want, "{}: {name}", doc.form_id);
                }
                _ => {}
            }
        }
    }
}

/// A personnummer written clearly with a wrong check digit (typed, a clean scan) is taken in as written, with
/// the valid number a check digit suggests beside it and why; never "corrected" into another person's number.
#[test]
fn a_number_written_with_a_wrong_check_digit_is_kept_as_written_with_a_suggestion() {
    use blankett::domain::identity::check_personnummer;
    use blankett::synth::degrade::Quality;
    use blankett::synth::scenario::{self, Spec};
    use blankett::synth::values::Value as Truth;
    let spec = Spec {
        documents: 6,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Clean300],
        typed_rate: 1.0,
        upside_down_rate: 0.0,
        empty_rate: 0.0,
        miswritten_rate: 1.0,
        ..Spec::default()
    };
    let batch = scenario::generate(5, &spec).expect("generate");
    let dir = tempfile::tempdir().unwrap();
    let store = blankett::store::Store::open(dir.path()).unwrap();
    let intake = blankett::intake::pipeline::Intake::new(store.clone());
    for (name, bytes) in &batch.files {
        intake.take_in(name, bytes, &|_, _| {}).expect("intake");
    }
    let mut seen = 0;
    for doc in &batch.truth {
        let identity_type = doc.values.get("patient.identitetstyp");
        if !matches!(identity_type, Some(Truth::Choices(c)) if c.iter().any(|v| v != "reservnummer"))
        {
            continue;
        }
        let Some(Truth::Text(written)) = doc.values.get("patient.personnummer") else {
            continue;
        };
        assert!(check_personnummer(written).is_err(), "the writer erred");
        let id = blankett::formid::FormId::parse(&doc.form_id).unwrap();
        let found = store.documents.with_id(&id.compact()).unwrap();
        let field = &found[0].fields["patient.personnummer"];
        assert_eq!(
            field.value,
            blankett::store::documents::Value::Text(written.clone()),
            "{}: the value is what the paper says",
            doc.form_id
        );
        assert!(field.confidence < 0.9, "{}", field.confidence);
        let s = field.suggestion.as_ref().expect("a suggestion beside it");
        assert!(check_personnummer(&s.value).is_ok(), "{s:?}");
        assert!(s.reason.contains("kontrollsiffran"), "{}", s.reason);
        seen += 1;
    }
    assert!(seen >= 3, "only {seen} documents with a personnummer");
}
