//! kill -9 during the intake of a 100-page file: `blankett intake` is killed with SIGKILL twice while it reads a
//! 100-page scanner PDF, then run to the end on the same file. Every page is then taken in exactly once (one
//! outcome each, one place in one document, one `taken_in` entry), the scan is kept as received once, and the
//! document log's chain holds.

use blankett::store::Store;
use blankett::store::audit::{Audit, LogFilter, LogKind};
use blankett::store::scans::sha256_hex;
use blankett::synth::degrade::Quality;
use blankett::synth::pack::{FileFormat, PageCodec};
use blankett::synth::scenario::{self, IdMode, Spec};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Command, Stdio};

const PAGES: usize = 100;

fn intake(data: &std::path::Path, file: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_blankett"));
    c.arg("intake")
        .arg("--data")
        .arg(data)
        .arg(file)
        .env("OMP_THREAD_LIMIT", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    c
}

#[test]
fn killed_during_a_100_page_intake_every_page_is_taken_in_once() {
    let spec = Spec {
        documents: PAGES / 2,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        upside_down_rate: 0.0,
        typed_rate: 1.0,
        format: FileFormat::Pdf,
        grey_codec: PageCodec::Jpeg(75),
        ids: IdMode::Seeded,
        prefix: "dodad".into(),
        ..Spec::default()
    };
    let batch = scenario::generate(1009, &spec).unwrap();
    assert_eq!(batch.files.len(), 1, "one scanner file");
    let (name, bytes) = &batch.files[0];
    assert_eq!(batch.page_count(), PAGES);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let data = dir.path().join("data");

    // Killed after a few documents were reported, then after more: each run resumes where the last left off.
    for reported in [3usize, 15] {
        let mut child = intake(&data, &file).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufReader::new(stdout).lines();
        for _ in 0..reported {
            if lines.next().is_none() {
                break;
            }
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "the run was killed, not finished");
    }
    let out = intake(&data, &file).output().unwrap();
    assert!(out.status.success(), "the last run finishes");

    let store = Store::open(&data).unwrap();
    let scan = sha256_hex(bytes);
    assert!(
        store.scans.get(&scan).unwrap().is_some(),
        "the scan is kept"
    );
    assert_eq!(
        std::fs::read(store.scans.path(&scan)).unwrap(),
        *bytes,
        "kept as received"
    );
    // Every page has one outcome, and sits in exactly one document.
    let mut placed: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for doc in store.documents.all().unwrap() {
        for page in doc.pages.values() {
            assert_eq!(page.source.scan, scan);
            placed
                .entry(page.source.index)
                .or_default()
                .push(doc.key.clone());
        }
    }
    for index in 0..PAGES {
        assert!(
            store.documents.outcome(&scan, index).unwrap().is_some(),
            "page {index} has no outcome"
        );
        let in_docs = placed.get(&index).map_or(0, Vec::len);
        let queued = store
            .documents
            .unidentified()
            .unwrap()
            .iter()
            .filter(|u| u.source.scan == scan && u.source.index == index)
            .count();
        assert_eq!(in_docs + queued, 1, "page {index}: {placed:?}");
    }
    assert_eq!(
        store.documents.all().unwrap().len(),
        PAGES / 2,
        "one document per copy"
    );
    let audit = Audit::open(&store).unwrap();
    let taken = audit
        .entries(LogKind::Document, &LogFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "taken_in")
        .count();
    assert_eq!(taken, placed.len(), "one taken_in entry a page placed");
    let chain = audit.verify(LogKind::Document).unwrap();
    assert_eq!(chain.first_broken, None, "{chain:?}");
}
