//! Every page placed is entered in the document log (`taken_in`, by `intake`) in the page's own commit: a log
//! that fails stops the intake before the page is placed, and the scan, kept as received, is taken in when the log
//! is whole again; never a page the log does not know. The log names the scan by its hash, never by its file name (a name may hold
//! personal data, and the log cannot be erased); the name stays with the scan's record.

use blankett::intake::pipeline::Intake;
use blankett::store::Store;
use blankett::store::audit::{Audit, LogFilter, LogKind};
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, GeneratedBatch, IdMode, Spec};

fn two_files() -> GeneratedBatch {
    let spec = Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 1.0,
        pages_per_file: Some(1),
        ids: IdMode::Seeded,
        ..Spec::default()
    };
    scenario::generate(101, &spec).unwrap()
}

fn take_in(data: &std::path::Path, batch: &GeneratedBatch) -> Intake {
    let intake = Intake::new(Store::open(data).unwrap());
    for (name, bytes) in &batch.files {
        intake.take_in(name, bytes, &|_, _| {}).unwrap();
    }
    intake
}

#[test]
fn every_page_placed_is_entered_in_the_document_log() {
    let batch = two_files();
    let dir = tempfile::tempdir().unwrap();
    let intake = take_in(dir.path(), &batch);
    let doc = &intake.store.documents.all().unwrap()[0];
    assert!(doc.missing_pages().is_empty());
    let audit = Audit::open(&intake.store).unwrap();
    let filter = LogFilter {
        document: Some(doc.key.clone()),
        ..LogFilter::default()
    };
    let entries = audit.entries(LogKind::Document, &filter).unwrap();
    let mut details: Vec<&str> = entries.iter().map(|e| e.detail.as_str()).collect();
    details.sort();
    let sha_of = |file: &str| {
        let (_, bytes) = batch.files.iter().find(|(n, _)| n == file).unwrap();
        blankett::store::scans::sha256_hex(bytes)
    };
    let mut want: Vec<String> = batch.truth[0]
        .pages
        .iter()
        .map(|p| {
            format!(
                "sida {} av 2 från skanning {}",
                p.page,
                &sha_of(&p.file)[..12]
            )
        })
        .collect();
    want.sort();
    assert_eq!(details, want);
    for e in &entries {
        assert_eq!(
            (e.actor.as_str(), e.action.as_str()),
            ("intake", "taken_in")
        );
        for (name, _) in &batch.files {
            assert!(
                !e.detail.contains(name.as_str()),
                "a file name in the log: {}",
                e.detail
            );
        }
        assert_eq!(e.region, doc.region);
    }
    let v = audit.verify(LogKind::Document).unwrap();
    assert_eq!((v.entries, v.first_broken), (2, None));
    // The name is kept with the scan, where retention erases it.
    let (name, bytes) = &batch.files[0];
    let record = intake
        .store
        .scans
        .get(&blankett::store::scans::sha256_hex(bytes))
        .unwrap()
        .unwrap();
    assert_eq!(&record.name, name);
    // The same file again changes nothing, in the documents or in the log.
    intake.take_in(name, bytes, &|_, _| {}).unwrap();
    assert_eq!(audit.verify(LogKind::Document).unwrap().entries, 2);
}

#[test]
fn a_document_log_that_fails_stops_the_page_and_keeps_the_scan_for_later() {
    let batch = two_files();
    let dir = tempfile::tempdir().unwrap();
    let heads = |f: &dyn Fn(&sled::Tree)| {
        let store = Store::open(dir.path()).unwrap();
        f(&store.db().open_tree("log_heads").unwrap());
        store.db().flush().unwrap();
    };
    // The head of the document log spoilt: every append fails.
    heads(&|t| {
        t.insert(b"document", b"not json".to_vec()).unwrap();
    });
    {
        let intake = Intake::new(Store::open(dir.path()).unwrap());
        for (name, bytes) in &batch.files {
            let err = intake.take_in(name, bytes, &|_, _| {}).unwrap_err();
            assert!(err.to_string().contains("skadad"), "{err}");
        }
        assert!(intake.store.documents.all().unwrap().is_empty());
        // Kept as received, waiting to be taken in.
        assert_eq!(intake.store.scans.unfinished().unwrap().len(), 2);
        intake.store.flush().unwrap();
    }
    heads(&|t| {
        t.remove(b"document").unwrap();
    });
    let intake = Intake::new(Store::open(dir.path()).unwrap());
    intake.resume().unwrap();
    let docs = intake.store.documents.all().unwrap();
    assert_eq!(docs.len(), 1);
    assert!(docs[0].missing_pages().is_empty(), "both pages placed");
    let audit = Audit::open(&intake.store).unwrap();
    let v = audit.verify(LogKind::Document).unwrap();
    assert_eq!((v.entries, v.first_broken), (2, None));
}
