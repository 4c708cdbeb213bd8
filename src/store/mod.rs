//! The sled database under the data folder. For now: the register of issued form IDs.
//!
//! sled admits one process per database; a second process gets a clear error instead of a lock failure.

pub mod issued;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("datamappen {0} används av en annan process (troligen en körande blankett-tjänst)")]
    Locked(PathBuf),
    #[error("databasen i {path} kunde inte öppnas: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error("databasfel: {0}")]
    Db(#[from] sled::Error),
    #[error("posten i databasen är skadad: {0}")]
    Corrupt(String),
}

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    pub issued: issued::Issued,
}

impl Store {
    /// Opens (or creates) the database in `<data_dir>/db`.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join("db");
        std::fs::create_dir_all(&path).map_err(|e| StoreError::Open {
            path: path.clone(),
            source: e.into(),
        })?;
        let db = sled::Config::new()
            .path(&path)
            .flush_every_ms(Some(200))
            .open()
            .map_err(|e| match e {
                sled::Error::Io(ref io)
                    if io.kind() == std::io::ErrorKind::WouldBlock
                        || io.to_string().contains("lock") =>
                {
                    StoreError::Locked(data_dir.to_path_buf())
                }
                other => StoreError::Open {
                    path: path.clone(),
                    source: other,
                },
            })?;
        let issued = issued::Issued::new(db.open_tree("issued")?);
        Ok(Store { db, issued })
    }

    /// Waits until everything written is on disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}
