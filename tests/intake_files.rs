//! Many one-page files in one `blankett intake` call (issue 17): their pages share one set of workers, yet every
//! copy whose pages lie in different files is assembled as one document, the reports come file by file in the
//! order given, a second call changes nothing, and a call killed midway is finished by the next.

mod common;

use blankett::synth::degrade::Quality;
use blankett::synth::pack::FileFormat;
use blankett::synth::scenario::{self, GeneratedBatch, Spec};
use common::blankett;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn intake(data: &Path, files: &[PathBuf]) -> (std::process::Output, Vec<Value>) {
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

/// Copies of klinisk (some with a supplement), typed, one PNG a page, the pages shuffled across the files.
fn one_page_files(documents: usize, seed: u64, dir: &Path) -> (GeneratedBatch, Vec<PathBuf>) {
    let spec = Spec {
        documents,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.5,
        qualities: vec![Quality::Office200],
        typed_rate: 1.0,
        upside_down_rate: 0.2,
        shuffle: true,
        format: FileFormat::Png,
        ..Spec::default()
    };
    let batch = scenario::generate(seed, &spec).expect("generate");
    let paths = batch
        .files
        .iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    (batch, paths)
}

fn assert_every_copy_complete(data: &Path, batch: &GeneratedBatch) {
    let store = blankett::store::Store::open(data).unwrap();
    for doc in &batch.truth {
        let id = blankett::formid::FormId::parse(&doc.form_id).unwrap();
        let found = store.documents.with_id(&id.compact()).unwrap();
        assert_eq!(found.len(), 1, "{}: one document", doc.form_id);
        assert!(
            found[0].missing_pages().is_empty(),
            "{}: missing {:?}",
            doc.form_id,
            found[0].missing_pages()
        );
        assert!(
            !found[0]
                .flags
                .iter()
                .any(|f| f == blankett::intake::assemble::FLAG_COPIED_BLANK),
            "{}: one sheet, not two: {:?}",
            doc.form_id,
            found[0].flags
        );
    }
}

#[test]
fn one_page_files_of_one_copy_in_one_call_become_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, files) = one_page_files(4, 3, dir.path());
    assert!(files.len() >= 8, "one file a page");
    let data = dir.path().join("data");
    let (out, lines) = intake(&data, &files);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        lines.iter().all(|l| l["status"] != "unidentified"),
        "{lines:?}"
    );
    assert_every_copy_complete(&data, &batch);
    // The last report of each copy is made when its last page's file is done: it lists every page.
    let pending: Vec<&str> = lines
        .iter()
        .filter(|l| l["status"] == "pending")
        .map(|l| l["form_id"].as_str().unwrap())
        .collect();
    for doc in &batch.truth {
        assert_eq!(
            pending.iter().filter(|id| **id == doc.form_id).count(),
            1,
            "{} reported complete once: {lines:?}",
            doc.form_id
        );
    }
    // Taken in again: the same documents, nothing changed.
    let store_docs = |data: &Path| {
        let store = blankett::store::Store::open(data).unwrap();
        let mut v: Vec<(String, Vec<u32>)> = batch
            .truth
            .iter()
            .flat_map(|d| {
                let id = blankett::formid::FormId::parse(&d.form_id).unwrap();
                store.documents.with_id(&id.compact()).unwrap()
            })
            .map(|d| (d.key.clone(), d.pages.keys().copied().collect()))
            .collect();
        v.sort();
        v
    };
    let before = store_docs(&data);
    let (again, _) = intake(&data, &files);
    assert!(again.status.success());
    assert_eq!(store_docs(&data), before);
}

#[test]
fn a_killed_intake_of_many_files_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, files) = one_page_files(8, 5, dir.path());
    let data = dir.path().join("data");
    let mut child = blankett()
        .arg("intake")
        .arg("--data")
        .arg(&data)
        .args(&files)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let it keep the files and get some pages done, then kill it hard.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let (out, _) = intake(&data, &files);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_every_copy_complete(&data, &batch);
}
