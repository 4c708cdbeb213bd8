//! Forms filled in on screen come back exactly: printed with their values and data QR codes, scanned at 300 and
//! 200 dpi and by a fax in fine and normal mode, and taken in, every field is the value typed, from the data QR
//! code.

use blankett::domain::regions::Regions;
use blankett::forms::Registry;
use blankett::intake::pipeline::Intake;
use blankett::render::Renderer;
use blankett::store::Store;
use blankett::store::documents::Source;
use blankett::synth::degrade::Quality;
use blankett::synth::onscreen;
use blankett::validation::FieldValue;

#[test]
fn forms_filled_on_screen_are_read_exactly_from_their_data_qr_codes() {
    let registry = Registry::embedded();
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let region = regions.get("01").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let intake = Intake::new(store.clone());
    let cases = [
        ("klinisk", Quality::Clean300),
        ("klinisk-sti", Quality::Office200),
        ("paragraf-ovrig", Quality::FaxFine),
        ("klinisk", Quality::FaxFine),
        ("paragraf-ovrig", Quality::FaxNormal),
        ("klinisk-sti", Quality::FaxNormal),
        ("klinisk", Quality::FaxNormal),
    ];
    for (i, (form, quality)) in cases.into_iter().enumerate() {
        let form = registry.get(form, None).unwrap();
        let copy = onscreen::scan(&renderer, form, region, quality, 17, i as u64).unwrap();
        intake
            .take_in(&format!("skarm-{i}.pdf"), &copy.file, &|_, _| {})
            .unwrap();
        let docs = store.documents.with_id(&copy.id.compact()).unwrap();
        assert_eq!(docs.len(), 1, "{} ({quality:?}): one document", copy.id);
        let doc = &docs[0];
        assert!(doc.missing_pages().is_empty(), "{}: every page", copy.id);
        assert!(!copy.values.is_empty());
        for (name, typed) in &copy.values {
            let read = doc
                .fields
                .get(name)
                .unwrap_or_else(|| panic!("{} ({quality:?}): {name} missing", copy.id));
            assert_eq!(
                (FieldValue::from(&read.value), read.source, read.confidence),
                (typed.clone(), Source::DataQr, 1.0),
                "{} ({quality:?}): {name}",
                copy.id
            );
        }
    }
}
