//! What a document's case holds: its state, the corrections made to it, forwardings, reviewed fields, overridden
//! checks and the registration record. Plain data; [`super::casework`] changes it, [`super::readiness`] reads it.

use crate::store::documents::Value;
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
    /// Fields a person looked at against the paper: accepted as read, corrected, or a suggestion taken.
    #[serde(default)]
    pub reviewed: BTreeMap<String, Reviewed>,
    /// Failed checks a person let stand, with the reason. Each holds for the value it was given for only.
    #[serde(default)]
    pub overrides: BTreeMap<String, CheckOverride>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reviewed {
    pub by: String,
    pub at: String,
}

/// A failed check let stand: the value, the checks that failed on it, why, who, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOverride {
    pub value: Value,
    pub checks: Vec<String>,
    pub reason: String,
    pub by: String,
    pub at: String,
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
    /// The registering person's name (the account's display name when registered): the file names a person.
    #[serde(default)]
    pub registered_by_name: String,
    pub registered_at: String,
    pub values_read: BTreeMap<String, Value>,
    pub values_registered: BTreeMap<String, Value>,
    pub changes: Vec<FieldChange>,
    /// Failed checks let stand at registration, by field.
    #[serde(default)]
    pub overrides: BTreeMap<String, CheckOverride>,
}

/// An unidentified page a person set aside: kept, out of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetAsidePage {
    pub reason: String,
    pub by: String,
    pub at: String,
}
