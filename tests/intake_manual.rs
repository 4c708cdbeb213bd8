//! A page nobody could identify, placed by a person: "this queued page is page N of form ID X". The pages are
//! generated, filled in, stripped of both QR codes and of the printed ID, and scanned; intake queues them; placing
//! them by hand gives the document with the values written on it.

mod intake_support;

use blankett::forms::page::{self, Rect};
use blankett::intake::pipeline::{Intake, PlaceError, Report};
use blankett::store::Store;
use blankett::synth::degrade::Quality;
use blankett::synth::pack::FileFormat;
use blankett::synth::scenario::{self, Damage, IdMode, Spec};

/// Everything that tells which copy a sheet is: both QR codes with their quiet zones, the ID printed under the
/// upper one and the footer line with the ID and "sida x av y". The corner marks stay.
fn anonymous() -> Vec<Damage> {
    let mut d: Vec<Damage> = page::QR_ZONES
        .iter()
        .map(|z| Damage::WhiteOut(z.grow(page::QR_QUIET)))
        .collect();
    d.push(Damage::WhiteOut(Rect::new(140.0, 31.0, 56.0, 9.0)));
    d.push(Damage::WhiteOut(Rect::new(80.0, 281.0, 115.5, 8.0)));
    d
}

#[test]
fn a_queued_page_placed_by_hand_joins_its_document_with_the_right_values() {
    queue_then_place_by_hand(41, anonymous());
}

/// Without the top-left corner no mark is larger than the others: the way up comes from trying each quarter turn
/// against the printed boxes of the page the person names.
#[test]
fn a_page_without_its_top_left_corner_is_placed_the_right_way_up() {
    let mut damage = anonymous();
    damage.push(Damage::CutAway(Rect::new(0.0, 0.0, 24.0, 24.0)));
    queue_then_place_by_hand(43, damage);
}

fn queue_then_place_by_hand(seed: u64, damage: Vec<Damage>) {
    let spec = Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 1.0,
        empty_rate: 0.1,
        // Upside down: the way up must come from the corner marks.
        upside_down_rate: 1.0,
        format: FileFormat::Pdf,
        ids: IdMode::Seeded,
        damage,
        ..Spec::default()
    };
    let batch = scenario::generate(seed, &spec).expect("generate");
    let truth = &batch.truth[0];
    assert_eq!(truth.pages.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let intake = Intake::new(Store::open(dir.path()).unwrap());
    let (name, bytes) = &batch.files[0];
    let reports = intake.take_in(name, bytes, &|_, _| {}).unwrap();
    assert_eq!(
        reports
            .iter()
            .filter(|r| matches!(r, Report::Unidentified { .. }))
            .count(),
        2,
        "neither page can be identified: {reports:?}"
    );
    let queue = intake.store.documents.unidentified().unwrap();
    assert_eq!(queue.len(), 2);
    let scan = queue[0].source.scan.clone();
    // Which sheet is which page of the copy is known from the generator's truth.
    let index_of = |number: u32| {
        truth
            .pages
            .iter()
            .find(|p| p.page == number)
            .map(|p| p.index)
            .unwrap()
    };

    // Wrong answers are refused clearly and change nothing.
    let typo = {
        let mut id = truth.form_id.clone();
        let last = id.pop().unwrap();
        id.push(if last == 'A' { 'B' } else { 'A' });
        id
    };
    let err = intake
        .place_unidentified(&scan, index_of(1), &typo, 1, "anna")
        .unwrap_err();
    assert!(matches!(err, PlaceError::Id { .. }), "{err}");
    assert!(err.to_string().contains("blankett-id"), "{err}");
    let err = intake
        .place_unidentified(&scan, index_of(1), &truth.form_id, 3, "anna")
        .unwrap_err();
    assert!(
        matches!(err, PlaceError::NoSuchPage { pages: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("har 2 sidor"), "{err}");
    let err = intake
        .place_unidentified(&scan, 7, &truth.form_id, 1, "anna")
        .unwrap_err();
    assert!(matches!(err, PlaceError::NotQueued { .. }), "{err}");
    assert_eq!(intake.store.documents.unidentified().unwrap().len(), 2);

    // Page 2 first: a document with page 1 missing.
    let report = intake
        .place_unidentified(&scan, index_of(2), &truth.form_id, 2, "anna")
        .unwrap();
    let Report::Document(doc) = report else {
        panic!("placed: {report:?}");
    };
    assert_eq!(doc.missing_pages(), vec![1]);
    assert_eq!(intake.store.documents.unidentified().unwrap().len(), 1);
    let Report::Document(doc) = intake
        .place_unidentified(&scan, index_of(1), &truth.form_id, 1, "anna")
        .unwrap()
    else {
        panic!("page 1 placed");
    };
    assert!(
        intake.store.documents.unidentified().unwrap().is_empty(),
        "both pages left the queue"
    );
    assert!(doc.missing_pages().is_empty());
    assert_eq!(doc.form_id, truth.form_id);
    for p in doc.pages.values() {
        assert_eq!(p.orientation, 180, "page {}: the way up", p.page);
        let r = p.residual_mm.expect("a residual from the marks");
        assert!(r < 0.5, "page {}: residual {r} mm", p.page);
    }
    let log = blankett::store::audit::Audit::open(&intake.store)
        .unwrap()
        .entries(
            blankett::store::audit::LogKind::Document,
            &blankett::store::audit::LogFilter {
                document: Some(doc.key.clone()),
                ..Default::default()
            },
        )
        .unwrap();
    // Each page's `taken_in` and the person's `page_placed` are written in the page's one commit.
    let placed: Vec<(String, String)> = log
        .iter()
        .filter(|e| e.action == "page_placed")
        .map(|e| (e.actor.clone(), e.detail.clone()))
        .collect();
    let want: Vec<(String, String)> = [2, 1]
        .into_iter()
        .map(|p| {
            let detail = format!("{scan}:{}: sida {p} av {}", index_of(p), truth.form_id);
            ("anna".to_string(), detail)
        })
        .collect();
    assert_eq!(placed, want);
    let details: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "taken_in")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        details,
        vec![
            format!(
                "sida 2 av 2 från skanning {}; placerad för hand",
                &scan[..12]
            ),
            format!(
                "sida 1 av 2 från skanning {}; placerad för hand",
                &scan[..12]
            ),
        ]
    );
    // The outcome of the page is now "placed": taking the file in again changes nothing.
    let again = intake.take_in(name, bytes, &|_, _| {}).unwrap();
    assert!(
        again
            .iter()
            .all(|r| matches!(r, Report::Document(d) if d.key == doc.key)),
        "{again:?}"
    );
    let compared = intake_support::assert_values(&doc, truth, false);
    assert!(compared >= 5, "only {compared} fields compared");
}

#[test]
fn a_page_that_cannot_be_aligned_stays_queued_with_the_reason() {
    // A sheet with nothing printed on it: no QR code, no corner marks.
    let blank = image::GrayImage::from_pixel(1654, 2339, image::Luma([250]));
    let mut png = Vec::new();
    blank
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let intake = Intake::new(Store::open(dir.path()).unwrap());
    intake.take_in("tom.png", &png, &|_, _| {}).unwrap();
    let queue = intake.store.documents.unidentified().unwrap();
    assert_eq!(queue.len(), 1);
    let before = queue[0].clone();
    let id = blankett::formid::FormId::generate(
        blankett::forms::Registry::embedded()
            .get("klinisk", None)
            .unwrap()
            .code,
    );
    let report = intake
        .place_unidentified(&before.source.scan, 0, &id.to_string(), 1, "anna")
        .unwrap();
    let Report::Unidentified { reason, .. } = report else {
        panic!("not placed: {report:?}");
    };
    assert!(reason.contains("för hand"), "{reason}");
    let queue = intake.store.documents.unidentified().unwrap();
    assert_eq!(queue.len(), 1, "still queued");
    assert_eq!(queue[0].reason, reason);
    assert_eq!(
        queue[0].received_at, before.received_at,
        "it keeps the time it came in"
    );
    assert!(
        intake
            .store
            .documents
            .with_id(&id.compact())
            .unwrap()
            .is_empty()
    );
}
