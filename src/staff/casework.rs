//! The work on one document after intake: draft corrections, and the end states registered, rejected and put
//! aside; forwarding to another region. Values as read stay in the store's document untouched; corrections and
//! the registration record live here.

use super::StaffError;
use super::accounts::Account;
use crate::store::Store;
use crate::store::documents::{Document, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CaseState {
    Open,
    PutAside {
        reason: String,
        by: String,
        at: String,
    },
    Rejected {
        reason: String,
        by: String,
        at: String,
    },
    Registered {
        diarienummer: String,
        by: String,
        at: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forward {
    pub from: Option<String>,
    pub to: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// One document's work record. Created on first touch; a document never touched is `Open` in its issued region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The store's document key.
    pub key: String,
    /// The region the document belongs to now (issued region, or where it was forwarded). None: unknown ID,
    /// visible to admins only until forwarded.
    pub region: Option<String>,
    pub state: CaseState,
    /// Draft corrections: field -> value, over the values as read.
    pub corrections: BTreeMap<String, Value>,
    /// Every correction made, in order (old value, new value, who, when).
    pub changes: Vec<FieldChange>,
    pub forwards: Vec<Forward>,
}

/// A registered notification: kept for the file and the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub diarienummer: String,
    pub region: String,
    pub year: i32,
    /// 1, 2, 3 ... per region and year.
    pub number: u64,
    pub key: String,
    pub form_id: String,
    pub form: String,
    pub version: u32,
    /// When the first page of the document was taken in.
    pub received_at: String,
    pub registered_by: String,
    pub registered_at: String,
    pub values_read: BTreeMap<String, Value>,
    pub values_registered: BTreeMap<String, Value>,
    pub changes: Vec<FieldChange>,
}

#[derive(Clone)]
pub struct Casework {
    // filled in by the implementation
}

impl Casework {
    /// The document and its case, if the account may see it; `NotFound` otherwise.
    pub fn open(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<(Document, Case), StaffError> {
        let _ = (store, key, by);
        todo!()
    }
    /// The case of a document, without access check (for queues and export).
    pub fn case(&self, doc: &Document) -> Result<Case, StaffError> {
        let _ = doc;
        todo!()
    }
    /// Records a correction of one field (checked against the form definition: known field, right kind).
    /// Setting a field back to the value as read removes the draft correction but keeps the change record.
    pub fn correct(
        &self,
        store: &Store,
        key: &str,
        field: &str,
        value: Value,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let _ = (store, key, field, value, by);
        todo!()
    }
    /// Registers: gives the next diarienummer of the case's region and the current year, stores the
    /// registration, and sets the case `Registered`, all in one transaction. Group accounts are refused.
    pub fn register(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<Registration, StaffError> {
        let _ = (store, key, by);
        todo!()
    }
    pub fn reject(
        &self,
        store: &Store,
        key: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let _ = (store, key, reason, by);
        todo!()
    }
    pub fn put_aside(
        &self,
        store: &Store,
        key: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let _ = (store, key, reason, by);
        todo!()
    }
    /// Hands the document to another region (a known region code), with a reason.
    pub fn forward(
        &self,
        store: &Store,
        key: &str,
        to_region: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let _ = (store, key, to_region, reason, by);
        todo!()
    }
    pub fn registration(&self, diarienummer: &str) -> Result<Option<Registration>, StaffError> {
        let _ = diarienummer;
        todo!()
    }
    /// Registrations of one region with `registered_at` within [from, to] (dates `YYYY-MM-DD`, inclusive).
    pub fn registrations(
        &self,
        region: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Registration>, StaffError> {
        let _ = (region, from, to);
        todo!()
    }
}
