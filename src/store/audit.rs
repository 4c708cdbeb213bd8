//! Two append-only logs, each entry chained to the one before by SHA-256, so that an entry changed or removed
//! afterwards is detected: the user log (log-ins, failed log-ins, documents opened, exports) and the document log
//! (taken in, field changed, registered, forwarded, rejected, put aside).

use super::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::Transactional;
use std::sync::{Arc, Mutex};

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
    /// RFC 3339 date or time bounds, inclusive: `to = 2026-05-01` takes in the whole day.
    pub from: Option<String>,
    pub to: Option<String>,
    /// At most this many entries: the newest that match, still in order.
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub entries: u64,
    /// The first entry whose hash or link does not hold, or a gap in the sequence.
    pub first_broken: Option<u64>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where each log ends: the seq and hash of its last entry. Kept apart from the entries so that removing the
/// newest entries is detected too, not only a gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: String,
}

#[derive(Clone)]
pub struct Audit {
    user: sled::Tree,
    document: sled::Tree,
    heads: sled::Tree,
    lock: Arc<Mutex<()>>,
}

/// One lock for every `Audit` of the process: the intake pipeline opens its own `Audit` on the same database.
fn append_lock() -> Arc<Mutex<()>> {
    static LOCK: std::sync::OnceLock<Arc<Mutex<()>>> = std::sync::OnceLock::new();
    LOCK.get_or_init(|| Arc::new(Mutex::new(()))).clone()
}

impl LogKind {
    fn head_key(self) -> &'static [u8] {
        match self {
            LogKind::User => b"user",
            LogKind::Document => b"document",
        }
    }
}

/// The hash of an entry: SHA-256 over every field but the hash, each length-prefixed so that no two different
/// entries serialize alike.
pub fn entry_hash(entry: &LogEntry) -> String {
    fn field(h: &mut Sha256, bytes: &[u8]) {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    fn optional(h: &mut Sha256, value: &Option<String>) {
        match value {
            None => h.update([0u8]),
            Some(v) => {
                h.update([1u8]);
                field(h, v.as_bytes());
            }
        }
    }
    let mut h = Sha256::new();
    h.update(b"blankett-log-v1");
    h.update(entry.seq.to_be_bytes());
    field(&mut h, entry.at.as_bytes());
    field(&mut h, entry.actor.as_bytes());
    field(&mut h, entry.action.as_bytes());
    optional(&mut h, &entry.document);
    optional(&mut h, &entry.region);
    field(&mut h, entry.detail.as_bytes());
    field(&mut h, entry.prev.as_bytes());
    hex::encode(h.finalize())
}

/// An entry to append, inside a transaction over its log's tree and the heads: a change and its log entry are
/// then written together or not at all (`Casework::register`).
pub(crate) struct Pending<'a> {
    pub kind: LogKind,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub document: Option<&'a str>,
    pub region: Option<&'a str>,
    pub detail: &'a str,
}

impl Pending<'_> {
    /// Appends within the caller's transaction, whose error type need only take a [`StoreError`].
    pub(crate) fn append_in<E: From<StoreError>>(
        &self,
        log: &sled::transaction::TransactionalTree,
        heads: &sled::transaction::TransactionalTree,
    ) -> sled::transaction::ConflictableTransactionResult<LogEntry, E> {
        let head: Option<Head> = match heads.get(self.kind.head_key())? {
            Some(bytes) => Some(from_json(&bytes).or_else(abort)?),
            None => None,
        };
        let (seq, prev) = match head {
            Some(h) => (h.seq + 1, h.hash),
            None => (1, GENESIS.to_string()),
        };
        let mut entry = LogEntry {
            seq,
            at: self.at.to_string(),
            actor: self.actor.to_string(),
            action: self.action.to_string(),
            document: self.document.map(str::to_string),
            region: self.region.map(str::to_string),
            detail: self.detail.to_string(),
            prev,
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry);
        let head = Head {
            seq,
            hash: entry.hash.clone(),
        };
        log.insert(&seq.to_be_bytes(), to_json(&entry).or_else(abort)?)?;
        heads.insert(self.kind.head_key(), to_json(&head).or_else(abort)?)?;
        Ok(entry)
    }
}

impl Audit {
    /// The logs of this store; usable on its own by the intake pipeline.
    pub fn open(store: &Store) -> Result<Audit, StoreError> {
        let db = store.db();
        Ok(Audit {
            user: db.open_tree(USER_TREE)?,
            document: db.open_tree(DOCUMENT_TREE)?,
            heads: db.open_tree(HEADS_TREE)?,
            lock: append_lock(),
        })
    }

    fn tree(&self, kind: LogKind) -> &sled::Tree {
        match kind {
            LogKind::User => &self.user,
            LogKind::Document => &self.document,
        }
    }

    /// Appends under a lock, so that concurrent appends form one chain.
    pub fn append(
        &self,
        kind: LogKind,
        actor: &str,
        action: &str,
        document: Option<&str>,
        region: Option<&str>,
        detail: &str,
    ) -> Result<LogEntry, StoreError> {
        // A poisoned lock only means another append panicked; the chain itself is in sled and still whole.
        // Always the transaction turn first, then the log's lock: the same order everywhere.
        let _one = crate::store::one_transaction();
        let _guard = self.lock();
        let at = crate::store::now_rfc3339();
        let entry = Pending {
            kind,
            at: &at,
            actor,
            action,
            document,
            region,
            detail,
        };
        (self.tree(kind), &self.heads)
            .transaction(|(log, heads)| entry.append_in(log, heads))
            .map_err(|e| match e {
                sled::transaction::TransactionError::Abort(e) => e,
                sled::transaction::TransactionError::Storage(e) => StoreError::Db(e),
            })
    }

    /// The log's lock: taken (after [`crate::store::one_transaction`]) by whoever appends, also inside a
    /// transaction of its own.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The document log's tree and the heads, for a transaction that appends with [`Pending::append_in`].
    pub(crate) fn document_trees(&self) -> (&sled::Tree, &sled::Tree) {
        (&self.document, &self.heads)
    }

    /// Runs `change` on `tree` and appends `entry` in one transaction: both are written or neither (a session
    /// and its log-in, a page and its `taken_in`). `entry.at` is replaced by the time of the append.
    pub(crate) fn with_entry<T, E: From<StoreError>>(
        &self,
        tree: &sled::Tree,
        entry: Pending<'_>,
        change: impl Fn(
            &sled::transaction::TransactionalTree,
        ) -> sled::transaction::ConflictableTransactionResult<T, E>,
    ) -> Result<T, E> {
        let _one = crate::store::one_transaction();
        let _guard = self.lock();
        let at = crate::store::now_rfc3339();
        let entry = Pending { at: &at, ..entry };
        (tree, self.tree(entry.kind), &self.heads)
            .transaction(|(tree, log, heads)| {
                let out = change(tree)?;
                entry.append_in::<E>(log, heads)?;
                Ok(out)
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Abort(e) => e,
                sled::transaction::TransactionError::Storage(e) => StoreError::Db(e).into(),
            })
    }

    /// Entries in order, filtered.
    pub fn entries(&self, kind: LogKind, filter: &LogFilter) -> Result<Vec<LogEntry>, StoreError> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        // Newest first, so that a limit keeps the newest; turned back into order at the end.
        for item in self.tree(kind).iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (_, bytes) = item?;
            let entry: LogEntry = from_json(&bytes)?;
            if filter.matches(&entry) {
                out.push(entry);
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Recomputes every hash and link; also finds gaps and entries removed from the end.
    pub fn verify(&self, kind: LogKind) -> Result<Verification, StoreError> {
        let mut entries = 0;
        let mut expected_seq = 1;
        let mut prev = GENESIS.to_string();
        let mut first_broken = None;
        for item in self.tree(kind).iter() {
            let (key, bytes) = item?;
            entries += 1;
            if first_broken.is_some() {
                continue;
            }
            let Ok(entry) = from_json::<LogEntry>(&bytes) else {
                first_broken = Some(expected_seq);
                continue;
            };
            let key_seq = <[u8; 8]>::try_from(key.as_ref())
                .ok()
                .map(u64::from_be_bytes);
            if entry.seq != expected_seq || key_seq != Some(entry.seq) {
                // A gap names the first missing entry; a renumbered one is broken where it stands.
                first_broken = Some(expected_seq);
                continue;
            }
            if entry.prev != prev || entry_hash(&entry) != entry.hash {
                first_broken = Some(entry.seq);
                continue;
            }
            prev = entry.hash;
            expected_seq += 1;
        }
        if first_broken.is_none() {
            let head: Option<Head> = crate::store::get_json(&self.heads, kind.head_key())?;
            let last = expected_seq - 1;
            first_broken = match head {
                // Entries removed from the end: the first of them is missing.
                Some(h) if h.seq > last => Some(last + 1),
                Some(h) if h.seq < last || h.hash != prev => Some(h.seq.max(1)),
                None if last > 0 => Some(1),
                _ => None,
            };
        }
        Ok(Verification {
            entries,
            first_broken,
        })
    }
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Aborts a transaction of any error type that takes a [`StoreError`].
fn abort<T, E: From<StoreError>>(
    e: StoreError,
) -> Result<T, sled::transaction::ConflictableTransactionError<E>> {
    Err(sled::transaction::ConflictableTransactionError::Abort(
        E::from(e),
    ))
}

pub const USER_TREE: &str = "log_user";
pub const DOCUMENT_TREE: &str = "log_document";
const HEADS_TREE: &str = "log_heads";

impl LogFilter {
    fn matches(&self, e: &LogEntry) -> bool {
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| Some(w) == have)
        };
        same(&self.actor, Some(&e.actor))
            && same(&self.action, Some(&e.action))
            && same(&self.document, e.document.as_deref())
            && self.regions.as_ref().is_none_or(|rs| {
                e.region
                    .as_ref()
                    .is_some_and(|r| rs.iter().any(|x| x == r))
            })
            && self.from.as_deref().is_none_or(|f| e.at.as_str() >= f)
            // `at` cut to the bound's length, so that a date bound takes in its whole day.
            && self
                .to
                .as_deref()
                .is_none_or(|t| e.at.get(..t.len()).unwrap_or(&e.at) <= t)
    }
}
