//! Two append-only logs, each entry chained to the one before by SHA-256, so that an entry changed or removed
//! afterwards is detected: the user log (log-ins, failed log-ins, documents opened, exports) and the document log
//! (taken in, field changed, registered, forwarded, rejected, put aside).

use super::StaffError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    User,
    Document,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// 1, 2, 3, ... per log, without gaps.
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    /// Username, or `intake` / `system`.
    pub actor: String,
    /// e.g. `login`, `login_failed`, `opened`, `export`, `taken_in`, `field_changed`, `registered`,
    /// `forwarded`, `rejected`, `put_aside`.
    pub action: String,
    /// Document key, when about one.
    pub document: Option<String>,
    pub region: Option<String>,
    /// Free text: which field, old and new value, reason.
    pub detail: String,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev: String,
    /// SHA-256 over prev and this entry's other fields.
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub document: Option<String>,
    /// Entries of these regions only; None is every region (admins).
    pub regions: Option<Vec<String>>,
    /// RFC 3339 date or time bounds, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub entries: u64,
    /// The first entry whose hash or link does not hold, or a gap in the sequence.
    pub first_broken: Option<u64>,
}

#[derive(Clone)]
pub struct Audit {
    // filled in by the implementation
}

impl Audit {
    /// Appends under a lock, so that concurrent appends form one chain.
    pub fn append(
        &self,
        kind: LogKind,
        actor: &str,
        action: &str,
        document: Option<&str>,
        region: Option<&str>,
        detail: &str,
    ) -> Result<LogEntry, StaffError> {
        let _ = (kind, actor, action, document, region, detail);
        todo!()
    }
    /// Entries in order, filtered.
    pub fn entries(&self, kind: LogKind, filter: &LogFilter) -> Result<Vec<LogEntry>, StaffError> {
        let _ = (kind, filter);
        todo!()
    }
    pub fn verify(&self, kind: LogKind) -> Result<Verification, StaffError> {
        let _ = kind;
        todo!()
    }
}
