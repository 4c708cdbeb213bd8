//! A consistent copy of a region's data folder in one tar file, and its restore into an empty folder with proof
//! that it holds: every sled tree (issued IDs, scan records, documents, cases, registrations, accounts, sessions,
//! both logs) and every scan as received.
//!
//! The archive (`tar tf` lists it): `blankett-backup/manifest.json` (format, time, every tree's name and entry
//! count, the logs' lengths, each scan's hash and size, the SHA-256 of the database dump),
//! `blankett-backup/db.bin` (the trees, length-prefixed: name, then key and value of every entry) and
//! `blankett-backup/scans/<sha256>` (the files as received). Restoring checks the dump against its hash, each scan
//! against its name, rebuilds the database, and then verifies both log chains and every scan record's file.

use super::audit::{Audit, LogKind};
use super::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const ROOT: &str = "blankett-backup";
const FORMAT: u32 = 1;
/// Longest tree name or key taken from a dump; values may be as long as a sled value.
const MAX_NAME: u32 = 4096;
const MAX_VALUE: u32 = 1 << 30;
/// In place of a key's length: the tree ends here (its length is not known before it is read).
const END_OF_TREE: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeCount {
    pub name: String,
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanFile {
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub trees: Vec<TreeCount>,
    pub user_log_entries: u64,
    pub document_log_entries: u64,
    pub scans: Vec<ScanFile>,
    pub db_sha256: String,
}

/// What a backup holds, or what a restore found and verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub trees: usize,
    pub entries: u64,
    pub user_log_entries: u64,
    pub document_log_entries: u64,
    pub scans: usize,
    pub scan_bytes: u64,
}

impl Manifest {
    pub fn summary(&self) -> Summary {
        Summary {
            trees: self.trees.len(),
            entries: self.trees.iter().map(|t| t.entries).sum(),
            user_log_entries: self.user_log_entries,
            document_log_entries: self.document_log_entries,
            scans: self.scans.len(),
            scan_bytes: self.scans.iter().map(|s| s.bytes).sum(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
    /// The archive is not a blankett backup, or it is damaged.
    #[error("säkerhetskopian är skadad eller ofullständig: {0}")]
    Damaged(String),
    /// The restored folder does not hold what the archive says.
    #[error("återställningen stämmer inte: {0}")]
    Verify(String),
    #[error("{0}")]
    Usage(String),
}

impl From<sled::Error> for BackupError {
    fn from(e: sled::Error) -> BackupError {
        BackupError::Store(StoreError::Db(e))
    }
}

fn io(what: &Path, e: std::io::Error) -> BackupError {
    BackupError::Io(format!("{}: {e}", what.display()))
}

/// Writes a backup of `store` (whose data folder is `data_dir`) to `out`: first beside it as `.<name>.part`, synced,
/// then renamed, so that `out` is either a whole backup or absent.
pub fn write(store: &Store, data_dir: &Path, out: &Path) -> Result<Summary, BackupError> {
    let name = out
        .file_name()
        .ok_or_else(|| BackupError::Usage(format!("{} är inget filnamn", out.display())))?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let part = dir.join(format!(".{}.part", name.to_string_lossy()));
    let dump = dir.join(format!(".{}.db.part", name.to_string_lossy()));
    let result = write_parts(store, data_dir, out, &part, &dump);
    let _ = std::fs::remove_file(&dump);
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

fn write_parts(
    store: &Store,
    data_dir: &Path,
    out: &Path,
    part: &Path,
    dump: &Path,
) -> Result<Summary, BackupError> {
    let (trees, db_sha256, scans, logs) = dump_trees(store, dump)?;
    let scans_dir = data_dir.join("scans");
    let mut scan_files = Vec::with_capacity(scans.len());
    for sha in &scans {
        let path = scans_dir.join(sha);
        let bytes = std::fs::metadata(&path).map_err(|e| io(&path, e))?.len();
        scan_files.push(ScanFile {
            sha256: sha.clone(),
            bytes,
        });
    }
    let manifest = Manifest {
        format: FORMAT,
        created_at: super::now_rfc3339(),
        trees,
        user_log_entries: logs.0,
        document_log_entries: logs.1,
        scans: scan_files,
        db_sha256,
    };
    let file = std::fs::File::create(part).map_err(|e| io(part, e))?;
    let mut tar = tar::Builder::new(BufWriter::new(file));
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BackupError::Io(format!("manifest: {e}")))?;
    append(
        &mut tar,
        &format!("{ROOT}/manifest.json"),
        manifest_bytes.len() as u64,
        &manifest_bytes[..],
    )
    .map_err(|e| io(part, e))?;
    let dump_len = std::fs::metadata(dump).map_err(|e| io(dump, e))?.len();
    let dump_file = std::fs::File::open(dump).map_err(|e| io(dump, e))?;
    append(&mut tar, &format!("{ROOT}/db.bin"), dump_len, dump_file).map_err(|e| io(part, e))?;
    for scan in &manifest.scans {
        let path = scans_dir.join(&scan.sha256);
        let file = std::fs::File::open(&path).map_err(|e| io(&path, e))?;
        // Hashed as it is copied: a scan damaged on the disk is found now, not on the day it is restored.
        let mut reader = Hashing::new(BufReader::new(file));
        append(
            &mut tar,
            &format!("{ROOT}/scans/{}", scan.sha256),
            scan.bytes,
            &mut reader,
        )
        .map_err(|e| io(part, e))?;
        if reader.hex() != scan.sha256 {
            return Err(BackupError::Verify(format!(
                "skanningen {} i datamappen stämmer inte med sitt namn (skadad på disken)",
                scan.sha256
            )));
        }
    }
    let writer = tar.into_inner().map_err(|e| io(part, e))?;
    let file = writer.into_inner().map_err(|e| io(part, e.into_error()))?;
    file.sync_all().map_err(|e| io(part, e))?;
    drop(file);
    std::fs::rename(part, out).map_err(|e| io(out, e))?;
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(manifest.summary())
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    data: impl Read,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data)
}

type Dumped = (Vec<TreeCount>, String, Vec<String>, (u64, u64));

/// Every tree into `dump`, while no transaction runs: a case and its log entries, a page and its outcome, are
/// copied as they were committed together. Returns the trees, the dump's hash, the scans the records name and the
/// logs' lengths.
fn dump_trees(store: &Store, dump: &Path) -> Result<Dumped, BackupError> {
    let file = std::fs::File::create(dump).map_err(|e| io(dump, e))?;
    let mut w = Hashing::new(BufWriter::new(file));
    let mut trees = Vec::new();
    let mut scans = Vec::new();
    let audit = Audit::open(store)?;
    // Every transactional writer (cases, registrations, pages, log entries) takes this turn first; writes outside
    // a transaction are single records that need no partner.
    let _quiet = super::one_transaction();
    let _log = audit.lock();
    let db = store.db();
    let mut names = db.tree_names();
    names.sort();
    for name in names {
        let tree = db.open_tree(&name)?;
        put_bytes(&mut w, &name).map_err(|e| io(dump, e))?;
        let mut count = 0u64;
        for item in tree.iter() {
            let (k, v) = item?;
            put_bytes(&mut w, &k).map_err(|e| io(dump, e))?;
            put_bytes(&mut w, &v).map_err(|e| io(dump, e))?;
            count += 1;
            if &*name == b"scans" {
                scans.push(String::from_utf8_lossy(&k).into_owned());
            }
        }
        w.write_all(&END_OF_TREE.to_be_bytes())
            .map_err(|e| io(dump, e))?;
        trees.push(TreeCount {
            name: String::from_utf8_lossy(&name).into_owned(),
            entries: count,
        });
    }
    let logs = (
        audit.verify(LogKind::User)?.entries,
        audit.verify(LogKind::Document)?.entries,
    );
    let hash = w.hex();
    let mut file = w.into_inner();
    file.flush().map_err(|e| io(dump, e))?;
    Ok((trees, hash, scans, logs))
}

fn put_bytes(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u32).to_be_bytes())?;
    w.write_all(bytes)
}

fn get_bytes(r: &mut impl Read, max: u32) -> Result<Option<Vec<u8>>, BackupError> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(BackupError::Damaged(e.to_string())),
    }
    let len = u32::from_be_bytes(len);
    if len == END_OF_TREE {
        return Ok(None);
    }
    if len > max {
        return Err(BackupError::Damaged(format!("en post på {len} byte")));
    }
    let mut bytes = vec![0u8; len as usize];
    r.read_exact(&mut bytes)
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    Ok(Some(bytes))
}

/// Restores `archive` into `data_dir`, which must be empty or absent, and verifies the result. On a failed check
/// the folder is left for inspection and the error says what did not hold.
pub fn restore(archive: &Path, data_dir: &Path) -> Result<Summary, BackupError> {
    if let Ok(mut entries) = std::fs::read_dir(data_dir)
        && entries.next().is_some()
    {
        return Err(BackupError::Usage(format!(
            "{} är inte tom: återställ till en ny, tom mapp",
            data_dir.display()
        )));
    }
    let scans_dir = data_dir.join("scans");
    std::fs::create_dir_all(&scans_dir).map_err(|e| io(&scans_dir, e))?;
    let file = std::fs::File::open(archive).map_err(|e| io(archive, e))?;
    let mut tar = tar::Archive::new(BufReader::new(file));
    let mut manifest: Option<Manifest> = None;
    let dump = data_dir.join(".restore-db.bin");
    let mut dump_sha = None;
    let mut restored_scans = std::collections::BTreeMap::new();
    for entry in tar
        .entries()
        .map_err(|e| BackupError::Damaged(e.to_string()))?
    {
        let mut entry = entry.map_err(|e| BackupError::Damaged(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| BackupError::Damaged(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let Some(rest) = path.strip_prefix(&format!("{ROOT}/")) else {
            return Err(BackupError::Damaged(format!("okänd post {path}")));
        };
        if rest == "manifest.json" {
            let mut bytes = Vec::new();
            entry
                .by_ref()
                .take(16 << 20)
                .read_to_end(&mut bytes)
                .map_err(|e| BackupError::Damaged(e.to_string()))?;
            manifest = Some(
                serde_json::from_slice(&bytes)
                    .map_err(|e| BackupError::Damaged(format!("manifest.json: {e}")))?,
            );
        } else if rest == "db.bin" {
            dump_sha = Some(copy_hashed(&mut entry, &dump)?);
        } else if let Some(sha) = rest.strip_prefix("scans/") {
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(BackupError::Damaged(format!("okänd post {path}")));
            }
            let target = scans_dir.join(sha);
            let got = copy_hashed(&mut entry, &target)?;
            if got != sha {
                return Err(BackupError::Verify(format!(
                    "skanningen {sha} har fel innehåll (SHA-256 {got})"
                )));
            }
            restored_scans.insert(sha.to_string(), entry.size());
        } else {
            return Err(BackupError::Damaged(format!("okänd post {path}")));
        }
    }
    let manifest = manifest.ok_or_else(|| BackupError::Damaged("manifest.json saknas".into()))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Damaged(format!(
            "formatet {} är okänt för den här versionen",
            manifest.format
        )));
    }
    let dump_sha = dump_sha.ok_or_else(|| BackupError::Damaged("db.bin saknas".into()))?;
    if dump_sha != manifest.db_sha256 {
        return Err(BackupError::Damaged(
            "databasens kopia stämmer inte med sin kontrollsumma".into(),
        ));
    }
    for scan in &manifest.scans {
        if restored_scans.get(&scan.sha256) != Some(&scan.bytes) {
            return Err(BackupError::Damaged(format!(
                "skanningen {} saknas eller har fel storlek",
                scan.sha256
            )));
        }
    }
    let store = Store::open(data_dir)?;
    load_trees(&store, &dump, &manifest)?;
    store.flush()?;
    let _ = std::fs::remove_file(&dump);
    let summary = verify(&store, data_dir)?;
    if summary.user_log_entries != manifest.user_log_entries
        || summary.document_log_entries != manifest.document_log_entries
    {
        return Err(BackupError::Verify(
            "loggarnas längd stämmer inte med säkerhetskopians".into(),
        ));
    }
    Ok(summary)
}

fn copy_hashed(entry: &mut impl Read, target: &Path) -> Result<String, BackupError> {
    let file = std::fs::File::create(target).map_err(|e| io(target, e))?;
    let mut w = Hashing::new(BufWriter::new(file));
    std::io::copy(entry, &mut w).map_err(|e| io(target, e))?;
    let hash = w.hex();
    let file = w
        .into_inner()
        .into_inner()
        .map_err(|e| io(target, e.into_error()))?;
    file.sync_all().map_err(|e| io(target, e))?;
    Ok(hash)
}

fn load_trees(store: &Store, dump: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let file = std::fs::File::open(dump).map_err(|e| io(dump, e))?;
    let mut r = BufReader::new(file);
    let db = store.db();
    let mut seen = Vec::new();
    while let Some(name) = get_bytes(&mut r, MAX_NAME)? {
        let tree = db.open_tree(&name)?;
        let mut batch = sled::Batch::default();
        let mut count = 0u64;
        while let Some(k) = get_bytes(&mut r, MAX_NAME)? {
            let v = get_bytes(&mut r, MAX_VALUE)?
                .ok_or_else(|| BackupError::Damaged("databasens kopia slutar för tidigt".into()))?;
            batch.insert(k, v);
            count += 1;
            // In slices: a region's documents with their crops run to gigabytes.
            if count.is_multiple_of(10_000) {
                tree.apply_batch(std::mem::take(&mut batch))?;
            }
        }
        tree.apply_batch(batch)?;
        seen.push(TreeCount {
            name: String::from_utf8_lossy(&name).into_owned(),
            entries: count,
        });
    }
    if seen != manifest.trees {
        return Err(BackupError::Damaged(
            "databasens träd stämmer inte med innehållsförteckningen".into(),
        ));
    }
    Ok(())
}

/// Verifies a data folder: both log chains hold, and every scan record has its file with the hash it is named
/// by. Used after a restore, and usable on any folder the caller holds.
pub fn verify(store: &Store, data_dir: &Path) -> Result<Summary, BackupError> {
    let audit = Audit::open(store)?;
    let mut logs = [0u64; 2];
    for (i, (kind, name)) in [
        (LogKind::User, "användarloggens"),
        (LogKind::Document, "dokumentloggens"),
    ]
    .into_iter()
    .enumerate()
    {
        let check = audit.verify(kind)?;
        if let Some(seq) = check.first_broken {
            return Err(BackupError::Verify(format!(
                "{name} kedja bryts vid post {seq}"
            )));
        }
        logs[i] = check.entries;
    }
    let mut scans = 0;
    let mut scan_bytes = 0;
    for item in store.db().open_tree("scans")?.iter() {
        let (k, _) = item?;
        let sha = String::from_utf8_lossy(&k).into_owned();
        let path = data_dir.join("scans").join(&sha);
        let file = std::fs::File::open(&path)
            .map_err(|e| BackupError::Verify(format!("skanningen {sha} saknas: {e}")))?;
        let mut r = Hashing::new(BufReader::new(file));
        scan_bytes += std::io::copy(&mut r, &mut std::io::sink()).map_err(|e| io(&path, e))?;
        if r.hex() != sha {
            return Err(BackupError::Verify(format!(
                "skanningen {sha} stämmer inte med sitt namn"
            )));
        }
        scans += 1;
    }
    let db = store.db();
    let names = db.tree_names();
    let mut entries = 0;
    for name in &names {
        entries += db.open_tree(name)?.len() as u64;
    }
    Ok(Summary {
        trees: names.len(),
        entries,
        user_log_entries: logs[0],
        document_log_entries: logs[1],
        scans,
        scan_bytes,
    })
}

/// A reader or writer that hashes what passes through it.
struct Hashing<T> {
    inner: T,
    hash: Sha256,
}

impl<T> Hashing<T> {
    fn new(inner: T) -> Hashing<T> {
        Hashing {
            inner,
            hash: Sha256::new(),
        }
    }

    fn hex(&self) -> String {
        hex::encode(self.hash.clone().finalize())
    }

    fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: Read> Read for Hashing<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

impl<T: Write> Write for Hashing<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
