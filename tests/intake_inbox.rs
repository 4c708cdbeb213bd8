//! The watched inbox: a file a scanner drops there is kept, processed and removed from the inbox; a file still
//! being written (a dot name) is left alone.

mod intake_support;

use blankett::intake::inbox;
use blankett::intake::pipeline::{Intake, Report};
use blankett::store::Store;
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, IdMode, Spec};

#[test]
fn a_dropped_scan_is_kept_read_and_taken_out_of_the_inbox() {
    let spec = Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 1.0,
        ids: IdMode::Seeded,
        ..Spec::default()
    };
    let batch = scenario::generate(91, &spec).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let intake = Intake::new(Store::open(dir.path()).unwrap());
    let inbox_dir = inbox::dir(dir.path());
    std::fs::create_dir_all(&inbox_dir).unwrap();
    let (name, bytes) = &batch.files[0];
    std::fs::write(inbox_dir.join(name), bytes).unwrap();
    std::fs::write(inbox_dir.join(".still-writing.pdf"), &bytes[..1000]).unwrap();

    let swept = inbox::sweep(&intake, &inbox_dir);
    assert_eq!(swept.len(), 1);
    let docs: Vec<_> = swept[0]
        .1
        .iter()
        .filter_map(|r| match r {
            Report::Document(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(docs.len(), 1, "{:?}", swept[0].1);
    assert!(docs[0].missing_pages().is_empty());
    assert!(intake_support::assert_values(docs[0], &batch.truth[0], false) >= 5);
    let left: Vec<_> = std::fs::read_dir(&inbox_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec![".still-writing.pdf".to_string()]);
    let kept: Vec<_> = std::fs::read_dir(dir.path().join("scans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "kept as received, no part file left: {kept:?}"
    );
    assert_eq!(std::fs::read(&kept[0]).unwrap(), *bytes);
    assert!(inbox::sweep(&intake, &inbox_dir).is_empty());
}
