//! Shared by the tests that register documents: a klinisk document as intake would store it, every check passing
//! and every field read surely, so that it is registrable as it stands.
#![allow(dead_code)]

use blankett::forms::Registry;
use blankett::staff::Staff;
use blankett::staff::accounts::{Account, AccountKind, NewAccount, Role};
use blankett::store::documents::{
    Document, DocumentPage, DocumentStatus, PageRef, PixelBox, Source, StoredField, Value,
};

pub const RIGHT_PNR: &str = "198112189876";
pub const PASSWORD: &str = "korrekt-hast-batteri";

/// An approved caseworker (handläggare) of `regions`, with the password [`PASSWORD`].
pub fn caseworker(staff: &Staff, username: &str, regions: &[&str]) -> Account {
    staff
        .accounts
        .add(NewAccount {
            username: username.into(),
            display_name: format!("Testperson {username}"),
            hsa_id: None,
            kind: AccountKind::Personal,
            roles: vec![Role::Handlaggare],
            regions: regions.iter().map(|r| r.to_string()).collect(),
            password: Some(PASSWORD.into()),
            approved_by: Some("admin".into()),
        })
        .unwrap()
}

fn text(t: &str) -> Value {
    Value::Text(t.into())
}

fn ticked(t: &[&str]) -> Value {
    Value::Ticked(t.iter().map(|s| s.to_string()).collect())
}

/// Plausible values as read from a klinisk form; the personnummer lacks its last digit.
fn klinisk_values(pnr: &str, disease: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("anmalan.typ", ticked(&["nytt_fall"])),
        ("sjukdom.diagnos", ticked(&[disease])),
        ("patient.identitetstyp", ticked(&["personnummer"])),
        ("patient.personnummer", text(pnr)),
        ("patient.kon", ticked(&["kvinna"])),
        ("patient.namn", text("BERG ANNA")),
        ("patient.postnummer", text("11122")),
        ("patient.postort", text("STOCKHOLM")),
        ("sjukdom.insjukningsdatum", text("20250103")),
        ("sjukdom.diagnosdatum", text("20250107")),
        ("smitta.land", text("SVERIGE")),
        ("smitta.vag", ticked(&["livsmedel", "vatten"])),
        ("rapportor.namn", text("LUND PER")),
        ("rapportor.datum", text("20250108")),
    ]
}

pub fn document(key: &str, region: Option<&str>, created_at: &str, pnr: &str) -> Document {
    let form = Registry::embedded().get("klinisk", None).unwrap();
    let pages_total = form.page_count() as u32;
    let pages = (1..=pages_total)
        .map(|p| {
            (
                p,
                DocumentPage {
                    page: p,
                    template: format!("{}.{p}", form.code),
                    source: PageRef {
                        scan: "ab12".into(),
                        index: p as usize - 1,
                    },
                    residual_mm: Some(0.3),
                    orientation: 0,
                    ink: vec![],
                    features: None,
                },
            )
        })
        .collect();
    let fields = klinisk_values(pnr, "salmonella")
        .into_iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                StoredField {
                    form: "klinisk".into(),
                    page: 1,
                    value,
                    confidence: 0.97,
                    read_confidence: 0.97,
                    source: Source::Handwriting,
                    crop: PixelBox {
                        x: 10,
                        y: 10,
                        w: 100,
                        h: 20,
                    },
                    notes: vec![],
                    suggestion: None,
                },
            )
        })
        .collect();
    Document {
        key: key.into(),
        form_id: key.into(),
        form: "klinisk".into(),
        version: form.version(),
        pages_total,
        pages,
        fields,
        region: region.map(str::to_string),
        status: DocumentStatus::Pending,
        flags: vec![],
        created_at: created_at.into(),
        updated_at: created_at.into(),
    }
}
