//! What waits for a person, per account: pending notifications (oldest first), documents with missing pages,
//! pages nobody could identify, and the flags (photocopied blank, possible duplicate case).

use super::StaffError;
use super::accounts::Account;
use super::case::{Case, CaseState};
use super::casework::{Casework, effective_values, unidentified_id};
use crate::store::Store;
use crate::store::documents::{Document, DocumentStatus, UnidentifiedPage, Value};
use serde::Serialize;
use std::collections::BTreeSet;

/// A field needs a look below this confidence (kept here for callers of the queue; the rule is `readiness`).
pub use super::readiness::NEEDS_LOOK_BELOW;

/// Field names that say which patient and which disease (same names on every form that has them; the STI/HIV
/// forms have no personnummer, so they are never matched).
pub const PATIENT_FIELD: &str = "patient.personnummer";
pub const DISEASE_FIELD: &str = "sjukdom.diagnos";
pub const OTHER_DISEASE_FIELD: &str = "sjukdom.annan";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    pub key: String,
    pub form_id: String,
    pub form: String,
    pub version: u32,
    pub region: Option<String>,
    pub created_at: String,
    pub fields: usize,
    /// Fields that need a person before the document may be registered: read with doubt and not yet looked
    /// at, or failing a check nobody let stand (`readiness`). Empty free-text boxes are not among them.
    pub fields_to_check: usize,
    pub missing_pages: Vec<u32>,
    pub flags: Vec<String>,
}

/// An unidentified page with its store key, for placing or setting aside.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnidentifiedItem {
    /// `scan:index`.
    pub id: String,
    pub page: UnidentifiedPage,
    /// The region of the upload it came with, when known.
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateCase {
    pub key: String,
    pub other: String,
    /// Which disease; the patient is not named here.
    pub disease: String,
    pub days_apart: i64,
}

pub struct Queues<'a> {
    pub store: &'a Store,
    pub casework: &'a Casework,
}

impl Queues<'_> {
    /// The documents the account may see, each with its case.
    fn visible(&self, by: &Account) -> Result<Vec<(Document, Case)>, StaffError> {
        let mut out = Vec::new();
        for doc in self.store.documents.all()? {
            let case = self.casework.case(&doc)?;
            if self.casework.sees(by, case.region.as_deref()) {
                out.push((doc, case));
            }
        }
        Ok(out)
    }

    fn open_items(
        &self,
        by: &Account,
        keep: impl Fn(&Document) -> bool,
    ) -> Result<Vec<QueueItem>, StaffError> {
        let mut items: Vec<QueueItem> = self
            .visible(by)?
            .into_iter()
            .filter(|(doc, case)| case.state == CaseState::Open && keep(doc))
            .map(|(doc, case)| queue_item(&doc, &case))
            .collect();
        items.sort_by(|a, b| (&a.created_at, &a.key).cmp(&(&b.created_at, &b.key)));
        Ok(items)
    }

    /// Complete, open documents the account may see, oldest first.
    pub fn pending(&self, by: &Account) -> Result<Vec<QueueItem>, StaffError> {
        self.open_items(by, |doc| doc.status == DocumentStatus::Pending)
    }

    /// Open documents with missing pages.
    pub fn incomplete(&self, by: &Account) -> Result<Vec<QueueItem>, StaffError> {
        self.open_items(by, |doc| !doc.missing_pages().is_empty())
    }

    /// Open documents flagged `kopierad_blankett` (photocopied blank) or `omskannad`.
    pub fn flagged(&self, by: &Account) -> Result<Vec<QueueItem>, StaffError> {
        self.open_items(by, |doc| !doc.flags.is_empty())
    }

    /// Same patient (personnummer) and disease within the window, among open and registered documents. One
    /// entry per pair: `key` is the later document, `other` the earlier.
    pub fn duplicates(
        &self,
        by: &Account,
        window_days: u32,
    ) -> Result<Vec<DuplicateCase>, StaffError> {
        struct Seen {
            key: String,
            patient: String,
            diseases: BTreeSet<String>,
            day: time::Date,
        }
        let mut seen: Vec<Seen> = self
            .visible(by)?
            .into_iter()
            .filter(|(_, case)| {
                matches!(case.state, CaseState::Open | CaseState::Registered { .. })
            })
            .filter_map(|(doc, case)| {
                let values = effective_values(&doc, &case);
                let patient = patient_of(&values)?;
                let diseases = diseases_of(&values);
                let day = day_of(&doc.created_at)?;
                (!diseases.is_empty()).then_some(Seen {
                    key: doc.key,
                    patient,
                    diseases,
                    day,
                })
            })
            .collect();
        seen.sort_by(|a, b| (a.day, &a.key).cmp(&(b.day, &b.key)));
        let mut out = Vec::new();
        for (i, later) in seen.iter().enumerate() {
            for earlier in &seen[..i] {
                let days_apart = (later.day - earlier.day).whole_days();
                if later.patient != earlier.patient || days_apart > i64::from(window_days) {
                    continue;
                }
                if let Some(disease) = later.diseases.intersection(&earlier.diseases).next() {
                    out.push(DuplicateCase {
                        key: later.key.clone(),
                        other: earlier.key.clone(),
                        disease: disease.clone(),
                        days_apart,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Pages nobody could identify, of the account's uploads (admins also see those of unknown origin), except
    /// those set aside.
    pub fn unidentified(&self, by: &Account) -> Result<Vec<UnidentifiedItem>, StaffError> {
        let mut out = Vec::new();
        for page in self.store.documents.unidentified()? {
            let id = unidentified_id(&page.source.scan, page.source.index);
            let region = self.casework.upload_region(&page.source.scan)?;
            if self.casework.sees(by, region.as_deref()) && !self.casework.is_set_aside(&id)? {
                out.push(UnidentifiedItem { id, page, region });
            }
        }
        Ok(out)
    }
}

fn queue_item(doc: &Document, case: &Case) -> QueueItem {
    QueueItem {
        key: doc.key.clone(),
        form_id: doc.form_id.clone(),
        form: doc.form.clone(),
        version: doc.version,
        region: case.region.clone(),
        created_at: doc.created_at.clone(),
        fields: doc.fields.len(),
        fields_to_check: super::casework::readiness_of(doc, case).to_check(),
        missing_pages: doc.missing_pages(),
        flags: doc.flags.clone(),
    }
}

/// The personnummer's digits, when the form has one and it is filled in.
fn patient_of(values: &std::collections::BTreeMap<String, Value>) -> Option<String> {
    match values.get(PATIENT_FIELD)? {
        Value::Text(t) => {
            let digits: String = t.chars().filter(char::is_ascii_digit).collect();
            (!digits.is_empty()).then_some(digits)
        }
        Value::Ticked(_) => None,
    }
}

/// Disease ids: the ticked ones, and the one written as "other disease" when it names a known disease (else
/// its text, folded).
fn diseases_of(values: &std::collections::BTreeMap<String, Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(Value::Ticked(ticked)) = values.get(DISEASE_FIELD) {
        out.extend(ticked.iter().cloned());
    }
    if let Some(Value::Text(text)) = values.get(OTHER_DISEASE_FIELD)
        && !text.trim().is_empty()
    {
        let diseases = crate::domain::diseases::Diseases::embedded();
        out.insert(match crate::validation::resolve_disease(text, diseases) {
            Ok(d) => d.id.clone(),
            Err(_) => crate::validation::fold_for_search(text.trim()),
        });
    }
    out
}

fn day_of(rfc3339: &str) -> Option<time::Date> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.date())
}
