//! Issue 18: a blank photocopied and filled in by two people gives two sheets with one form ID. Their pages arrive
//! shuffled across files; intake must pair them right (by the writer's ink and hand, the scan, the form's checks)
//! or say that it is unsure, and never report a value of one patient with another's at >= 0.9.

mod intake_support;

use blankett::formid::FormId;
use blankett::intake::assemble::FLAG_COPIED_BLANK;
use blankett::intake::pairing::FLAG_UNSURE_PAIRING;
use blankett::intake::pipeline::Intake;
use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, GeneratedBatch, IdMode, Spec};
use blankett::synth::sheets;
use intake_support::{take_in_batch, unidentified};

fn two_writers_a_blank(documents: usize, qualities: Vec<Quality>) -> Spec {
    Spec {
        documents,
        copies_per_id: 2,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities,
        typed_rate: 0.0,
        upside_down_rate: 0.1,
        ids: IdMode::Seeded,
        ..Spec::default()
    }
}

/// Two photocopied 2-page blanks, each filled in by two people with different pens and hands: eight pages
/// shuffled across two files (as a scanner stack and a fax arrive), taken in through the real pipeline.
#[test]
fn two_photocopied_blanks_with_two_writers_each_are_paired_right_or_flagged() {
    let mut right = 0;
    for seed in [181, 182, 183] {
        let spec = Spec {
            shuffle: true,
            pages_per_file: Some(4),
            ..two_writers_a_blank(4, vec![Quality::Office200, Quality::FaxFine])
        };
        let batch = scenario::generate(seed, &spec).unwrap();
        assert_eq!(batch.files.len(), 2);
        assert_ne!(
            batch.truth[0].writer, batch.truth[1].writer,
            "two hands on one blank"
        );
        let dir = tempfile::tempdir().unwrap();
        let intake = Intake::new(Store::open(dir.path()).unwrap());
        let reports = take_in_batch(&intake, &batch);
        assert!(unidentified(&reports).is_empty(), "{reports:?}");
        let judged = sheets::judge(&intake.store, &batch).unwrap();
        assert_eq!(judged.len(), 2, "two IDs on two sheets each");
        for j in &judged {
            assert_eq!(j.documents, 2, "seed {seed}: {j:?}");
            assert!(
                j.paired_right || (j.flagged && j.flagged_all_below),
                "seed {seed}: paired wrong without saying so: {j:?}"
            );
            assert!(
                j.confident_wrong.is_empty(),
                "seed {seed}: {:?}",
                j.confident_wrong
            );
            assert!(
                j.confident > 0 || j.flagged,
                "seed {seed}: nothing read: {j:?}"
            );
            right += usize::from(j.paired_right && !j.flagged);
            let id = FormId::parse(&j.form_id).unwrap();
            for doc in intake.store.documents.with_id(&id.compact()).unwrap() {
                assert!(doc.missing_pages().is_empty(), "{}", doc.key);
                assert!(doc.flags.iter().any(|f| f == FLAG_COPIED_BLANK));
                if doc.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING) {
                    for (name, f) in &doc.fields {
                        assert!(f.confidence < 0.9, "{}: {name} {}", doc.key, f.confidence);
                    }
                }
            }
        }
    }
    // Different hands and pens are told apart: most pairs are paired without a person's help.
    assert!(right >= 4, "only {right} of 6 pairs paired right and sure");
}

/// One file a page, so that the order of arrival is chosen: sheet A page 1, sheet B page 2, sheet B page 1, sheet
/// A page 2. Placed one at a time, B's page 2 first joins A's page 1 (the only sheet lacking a page 2).
fn one_page_files(seed: u64) -> GeneratedBatch {
    let spec = Spec {
        pages_per_file: Some(1),
        ..two_writers_a_blank(2, vec![Quality::Office200])
    };
    scenario::generate(seed, &spec).unwrap()
}

fn file(batch: &GeneratedBatch, sheet: usize, page: u32) -> (&str, &[u8]) {
    let p = batch.truth[sheet]
        .pages
        .iter()
        .find(|p| p.page == page)
        .unwrap();
    let (name, bytes) = batch.files.iter().find(|(n, _)| *n == p.file).unwrap();
    (name, bytes)
}

#[test]
fn an_early_wrong_guess_is_undone_when_the_other_sheet_arrives() {
    let batch = one_page_files(191);
    let dir = tempfile::tempdir().unwrap();
    let intake = Intake::new(Store::open(dir.path()).unwrap());
    for (sheet, page) in [(0, 1), (1, 2), (1, 1), (0, 2)] {
        let (name, bytes) = file(&batch, sheet, page);
        intake.take_in(name, bytes, &|_, _| {}).unwrap();
    }
    let judged = sheets::judge(&intake.store, &batch).unwrap();
    assert_eq!(judged.len(), 1);
    let j = &judged[0];
    assert!(j.paired_right && !j.flagged, "{j:?}");
    assert!(j.confident_wrong.is_empty(), "{:?}", j.confident_wrong);
    // The move is in the document log.
    let log = document_log(&intake.store);
    assert!(
        log.iter()
            .any(|e| e.action == "pages_regrouped" && e.detail.contains("sidorna parades om")),
        "{log:?}"
    );
}

/// A sheet someone has started work on keeps its pages: the sheets are flagged instead, and no field of either
/// is trusted at 0.9, also those of the page that comes after.
#[test]
fn a_sheet_being_worked_on_is_not_changed_but_both_are_flagged() {
    let batch = one_page_files(191);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    staff
        .accounts
        .add(blankett::staff::accounts::NewAccount {
            username: "admin".into(),
            display_name: "Test admin".into(),
            hsa_id: None,
            kind: blankett::staff::accounts::AccountKind::Personal,
            roles: vec![
                blankett::staff::accounts::Role::Admin,
                blankett::staff::accounts::Role::Handlaggare,
            ],
            regions: vec!["01".into()],
            password: Some("korrekt-häst-batteri-42".into()),
            approved_by: Some("setup".into()),
        })
        .unwrap();
    let admin = staff.accounts.get("admin").unwrap().unwrap();
    let intake = Intake::new(store.clone());
    for (sheet, page) in [(0, 1), (1, 2)] {
        let (name, bytes) = file(&batch, sheet, page);
        intake.take_in(name, bytes, &|_, _| {}).unwrap();
    }
    let id = FormId::parse(&batch.truth[0].form_id).unwrap();
    let first = intake.store.documents.with_id(&id.compact()).unwrap();
    assert_eq!(first.len(), 1);
    let worked = first[0].key.clone();
    let pages_before = first[0].pages.clone();
    staff
        .casework
        .put_aside(&store, &worked, "väntar på komplettering", &admin)
        .unwrap();
    for (sheet, page) in [(1, 1), (0, 2)] {
        let (name, bytes) = file(&batch, sheet, page);
        intake.take_in(name, bytes, &|_, _| {}).unwrap();
    }
    let docs = intake.store.documents.with_id(&id.compact()).unwrap();
    assert_eq!(docs.len(), 2);
    let kept = docs.iter().find(|d| d.key == worked).unwrap();
    assert_eq!(
        kept.pages, pages_before,
        "a sheet being worked on keeps its pages"
    );
    for doc in &docs {
        assert!(
            doc.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING),
            "{}: {:?}",
            doc.key,
            doc.flags
        );
        for (name, f) in &doc.fields {
            assert!(f.confidence < 0.9, "{}: {name} {}", doc.key, f.confidence);
        }
    }
    let j = &sheets::judge(&intake.store, &batch).unwrap()[0];
    assert!(
        !j.paired_right && j.flagged && j.confident_wrong.is_empty(),
        "{j:?}"
    );

    // A person swaps page 2: now each sheet is whole, and the swap is in the log of both.
    let other = docs.iter().find(|d| d.key != worked).unwrap().key.clone();
    let done = staff
        .casework
        .swap_page(&store, &worked, &other, 2, &admin)
        .unwrap();
    assert_eq!(done.documents[0].key, worked);
    let j = &sheets::judge(&intake.store, &batch).unwrap()[0];
    assert!(j.paired_right, "{j:?}");
    let log = document_log(&store);
    let swaps: Vec<_> = log.iter().filter(|e| e.action == "pages_swapped").collect();
    assert_eq!(swaps.len(), 2, "{swaps:?}");
    assert!(
        swaps
            .iter()
            .all(|e| e.actor == "admin" && e.detail.starts_with("sida 2 bytt"))
    );
    // The page outcomes follow the pages: the report of a file names the document its page is in now.
    let p2 = &store.documents.get(&worked).unwrap().unwrap().pages[&2];
    assert_eq!(
        store
            .documents
            .outcome(&p2.source.scan, p2.source.index)
            .unwrap(),
        Some(blankett::store::documents::PageOutcome::Placed {
            document: worked.clone(),
            page: 2
        })
    );
    // Intake said in the log of each sheet that their pairing was unsure.
    for key in [&worked, &other] {
        assert!(
            log.iter().any(|e| e.action == "pairing_flagged"
                && e.actor == "intake"
                && e.document.as_deref() == Some(key.as_str())),
            "{key}: {log:?}"
        );
    }
    // The person finds the pages paired right now: the flag goes on both, the fields are trusted as read again,
    // and the confirmation is in both logs.
    let mut confirmed = staff
        .casework
        .confirm_pairing(&store, &other, &admin)
        .unwrap();
    confirmed.sort();
    let mut both = vec![worked.clone(), other.clone()];
    both.sort();
    assert_eq!(confirmed, both);
    for key in &both {
        let doc = store.documents.get(key).unwrap().unwrap();
        assert!(
            doc.flags.iter().all(|f| f != FLAG_UNSURE_PAIRING),
            "{:?}",
            doc.flags
        );
        assert!(
            doc.fields.values().any(|f| f.confidence >= 0.9),
            "{key}: no field is trusted as read"
        );
        for (name, f) in &doc.fields {
            assert!(
                f.confidence == f.read_confidence || !f.notes.is_empty(),
                "{key}: {name} {} of {}",
                f.confidence,
                f.read_confidence
            );
        }
    }
    let log = document_log(&store);
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "pairing_confirmed" && e.actor == "admin")
            .count(),
        2
    );
    // Confirming again changes nothing.
    assert!(
        staff
            .casework
            .confirm_pairing(&store, &worked, &admin)
            .unwrap()
            .is_empty()
    );
    // A registered copy, or the same copy twice, cannot be swapped.
    assert!(
        staff
            .casework
            .swap_page(&store, &worked, &worked, 2, &admin)
            .is_err()
    );
}

/// The whole document log of a store, in order.
fn document_log(store: &blankett::store::Store) -> Vec<blankett::store::audit::LogEntry> {
    blankett::store::audit::Audit::open(store)
        .unwrap()
        .entries(
            blankett::store::audit::LogKind::Document,
            &Default::default(),
        )
        .unwrap()
}
