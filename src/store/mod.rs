//! The sled database under the data folder and what intake and the staff side keep in it: the register of issued
//! form IDs, scans as received (the files beside it, under `scans/`), documents and the unidentified queue, and
//! the hash-chained user and document logs ([`audit`]), which intake and the staff side both write through.
//!
//! sled admits one process per database; a second process gets a clear error instead of a lock failure.

pub mod audit;
pub mod backup;
pub mod backup_handoff;
pub mod documents;
pub mod issued;
pub mod scans;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("datamappen {0} används av en annan process (troligen en körande blankett-tjänst)")]
    Locked(PathBuf),
    #[error("databasen i {path} kunde inte öppnas: {}", db_text(source))]
    Open { path: PathBuf, source: sled::Error },
    #[error("databasfel: {}", db_text(.0))]
    Db(#[from] sled::Error),
    #[error("posten i databasen är skadad: {0}")]
    Corrupt(String),
    #[error("filsystemet: {}", io_text(.0))]
    Io(#[from] std::io::Error),
}

/// A full or read-only disk said so in Swedish, with what it means for what was already received; other errors
/// as the system gives them.
pub fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "disken är full; ingenting som redan tagits emot har gått förlorat, men inget nytt kan sparas förrän \
             utrymme frigjorts"
                .into()
        }
        std::io::ErrorKind::ReadOnlyFilesystem => {
            "disken är skrivskyddad; ingenting som redan tagits emot har gått förlorat, men inget nytt kan sparas \
             förrän disken går att skriva till"
                .into()
        }
        _ => e.to_string(),
    }
}

fn db_text(e: &sled::Error) -> String {
    match e {
        sled::Error::Io(io) => io_text(io),
        other => other.to_string(),
    }
}

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    pub issued: issued::Issued,
    pub scans: scans::Scans,
    pub documents: documents::Documents,
}

/// How long an opening waits for the database's file lock. sled's flusher thread lets go of the lock a moment
/// after the last handle is dropped, so a reopen in the same process (a restore, a restart of the service in
/// tests) can find it still held; another running process holds it far longer than this and is refused.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io)
        if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock"))
}

fn open_waiting_for_lock(path: &Path) -> sled::Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            .flush_every_ms(Some(200))
            // sled's default page cache is 1 GB; 64 MB holds thousands of documents (about 20 kB each).
            .cache_capacity(64 << 20)
            .open();
        match opened {
            Err(e) if is_lock_error(&e) && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

impl Store {
    /// Opens (or creates) the database in `<data_dir>/db`.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join("db");
        std::fs::create_dir_all(&path).map_err(|e| StoreError::Open {
            path: path.clone(),
            source: e.into(),
        })?;
        let db = open_waiting_for_lock(&path).map_err(|e| match e {
            e if is_lock_error(&e) => StoreError::Locked(data_dir.to_path_buf()),
            other => StoreError::Open {
                path: path.clone(),
                source: other,
            },
        })?;
        let issued = issued::Issued::new(db.open_tree("issued")?);
        let scans = scans::Scans::new(db.open_tree("scans")?, data_dir.join("scans"));
        let documents = documents::Documents::new(&db)?;
        Ok(Store {
            db,
            issued,
            scans,
            documents,
        })
    }

    /// The database itself, for the parts of the service that keep trees of their own (the staff side), and for
    /// tests that damage a record on purpose.
    pub fn db(&self) -> &sled::Db {
        &self.db
    }

    /// Waits until everything written is on disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

/// sled 0.34 can deadlock when transactions run at once under load (spacejam/sled#1412; seen here as two
/// registrations and an account creation stuck in sled's segment accountant): the process runs its sled
/// transactions one at a time. They are short (a document, a registration, a log entry), so nothing waits long.
static TRANSACTIONS: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static IN_TRANSACTION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Held while one sled transaction runs; taken again on the same thread (a transaction started from within
/// another's closure) it does nothing.
pub(crate) struct OneTransaction(Option<std::sync::MutexGuard<'static, ()>>);

impl Drop for OneTransaction {
    fn drop(&mut self) {
        if self.0.is_some() {
            IN_TRANSACTION.with(|h| h.set(false));
        }
    }
}

pub(crate) fn one_transaction() -> OneTransaction {
    if IN_TRANSACTION.with(|h| h.get()) {
        return OneTransaction(None);
    }
    let guard = TRANSACTIONS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    IN_TRANSACTION.with(|h| h.set(true));
    OneTransaction(Some(guard))
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    match tree.get(key)? {
        None => Ok(None),
        Some(v) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(e.to_string())),
    }
}

pub(crate) fn put_json<T: serde::Serialize>(
    tree: &sled::Tree,
    key: &[u8],
    value: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tree.insert(key, bytes)?;
    Ok(())
}
