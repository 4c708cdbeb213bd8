//! Scans as received: the bytes in a content-addressed file under `<data>/scans/`, written and synced to disk
//! before anything reads them, and a record of how far processing got, so that it resumes after a kill and a
//! second intake of the same file changes nothing.

use super::StoreError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ScanState {
    /// Stored, not yet opened.
    Received,
    /// Pages before `next_page` are done (their results are committed).
    Processing {
        pages: usize,
        next_page: usize,
    },
    Done {
        pages: usize,
    },
    /// Not a readable scan; the file is kept all the same.
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub sha256: String,
    /// The name the file arrived under (no path), for people looking for it.
    pub name: String,
    pub bytes: u64,
    pub received_at: String,
    pub state: ScanState,
}

#[derive(Clone)]
pub struct Scans {
    tree: sled::Tree,
    dir: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Scans {
    pub(super) fn new(tree: sled::Tree, dir: PathBuf) -> Scans {
        Scans { tree, dir }
    }

    pub fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    /// Keeps `bytes` as received. Returns the record, and whether the file was new. The file is on disk, synced,
    /// before the record says it exists.
    pub fn receive(&self, name: &str, bytes: &[u8]) -> Result<(ScanRecord, bool), StoreError> {
        let sha = sha256_hex(bytes);
        if let Some(existing) = self.get(&sha)? {
            return Ok((existing, false));
        }
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let path = self.path(&sha);
        let tmp = self.dir.join(format!(".{sha}.part"));
        {
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        let name = Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let record = ScanRecord {
            sha256: sha.clone(),
            name,
            bytes: bytes.len() as u64,
            received_at: super::now_rfc3339(),
            state: ScanState::Received,
        };
        self.put(&record)?;
        self.tree.flush()?;
        Ok((record, true))
    }

    pub fn get(&self, sha256: &str) -> Result<Option<ScanRecord>, StoreError> {
        super::get_json(&self.tree, sha256.as_bytes())
    }

    pub fn put(&self, record: &ScanRecord) -> Result<(), StoreError> {
        super::put_json(&self.tree, record.sha256.as_bytes(), record)
    }

    /// Scans whose processing has not finished (after a crash or a kill).
    pub fn unfinished(&self) -> Result<Vec<ScanRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree.iter() {
            let (_, v) = item?;
            let r: ScanRecord =
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if matches!(r.state, ScanState::Received | ScanState::Processing { .. }) {
                out.push(r);
            }
        }
        Ok(out)
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e)
}
