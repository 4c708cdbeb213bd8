//! What waits for a person, per account: pending notifications (oldest first), documents with missing pages,
//! pages nobody could identify, and the flags (photocopied blank, possible duplicate case).

use super::StaffError;
use super::accounts::Account;
use super::casework::Casework;
use crate::store::Store;
use crate::store::documents::UnidentifiedPage;
use serde::Serialize;

/// A field needs a look below this confidence, or with a failed check.
pub const NEEDS_LOOK_BELOW: f32 = 0.9;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    pub key: String,
    pub form_id: String,
    pub form: String,
    pub version: u32,
    pub region: Option<String>,
    pub created_at: String,
    pub fields: usize,
    /// Fields below `NEEDS_LOOK_BELOW` or with notes.
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
    /// Complete, open documents the account may see, oldest first.
    pub fn pending(&self, by: &Account) -> Result<Vec<QueueItem>, StaffError> {
        let _ = by;
        todo!()
    }
    /// Open documents with missing pages.
    pub fn incomplete(&self, by: &Account) -> Result<Vec<QueueItem>, StaffError> {
        let _ = by;
        todo!()
    }
    /// Open documents flagged `kopierad_blankett` (photocopied blank) or `omskannad`.
    pub fn flagged(&self, by: &Account) -> Result<Vec<QueueItem>, StaffError> {
        let _ = by;
        todo!()
    }
    /// Same patient (personnummer) and disease within the window, among open and registered documents.
    pub fn duplicates(
        &self,
        by: &Account,
        window_days: u32,
    ) -> Result<Vec<DuplicateCase>, StaffError> {
        let _ = (by, window_days);
        todo!()
    }
    pub fn unidentified(&self, by: &Account) -> Result<Vec<UnidentifiedItem>, StaffError> {
        let _ = by;
        todo!()
    }
}
