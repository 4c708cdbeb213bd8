//! The staff side's model: accounts and log-in, sessions, the hash-chained logs, the work on each document
//! (corrections, register, reject, forward, put aside), diarienummer, the queues and the exports.
//!
//! Everything here is plain Rust over sled, without HTTP: the pages and the JSON API in `web::staff` call it, and
//! so do the `blankett user` commands and the tests. Region scope is enforced here too: every call that reaches a
//! document takes the acting [`accounts::Account`] and answers [`StaffError::NotFound`] for a document outside the
//! account's regions, exactly as for a document that does not exist.

pub mod accounts;
pub mod audit;
pub mod casework;
pub mod diarie;
pub mod export;
pub mod queues;
pub mod sessions;
pub mod siths;

use crate::store::{Store, StoreError};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("databasfel: {0}")]
    Db(#[from] sled::Error),
    /// Also the answer for a document in another region: its existence is not disclosed.
    #[error("finns inte")]
    NotFound,
    /// The account may not do this (a group account registering, a handläggare on an admin page).
    #[error("{0}")]
    Forbidden(String),
    /// Input that does not make sense (empty reason, unknown field, a value of the wrong kind).
    #[error("{0}")]
    Invalid(String),
    /// The document is not in a state that allows this (already registered, rejected).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Login(#[from] accounts::LoginError),
}

/// Settings of the staff side, from the environment or defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub diarie_format: diarie::DiarieFormat,
    /// Same patient and disease within this many days is flagged as a possible duplicate case.
    pub duplicate_window_days: u32,
    /// A session unused this long is over.
    pub session_idle: Duration,
    /// Failed password attempts on one account before it is throttled.
    pub max_failed_logins: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            diarie_format: diarie::DiarieFormat::default(),
            duplicate_window_days: 30,
            session_idle: Duration::from_secs(30 * 60),
            max_failed_logins: 5,
        }
    }
}

impl Settings {
    /// `BLANKETT_DIARIE_FORMAT`, `BLANKETT_DUPLICATE_DAYS`, `BLANKETT_SESSION_IDLE_MINUTES`; defaults otherwise.
    pub fn from_env() -> Result<Settings, StaffError> {
        todo!()
    }
}

/// The staff side's part of the database, opened beside the store on the same sled database.
#[derive(Clone)]
pub struct Staff {
    pub accounts: accounts::Accounts,
    pub sessions: sessions::Sessions,
    pub audit: audit::Audit,
    pub casework: casework::Casework,
    pub settings: Settings,
}

impl Staff {
    pub fn open(store: &Store, settings: Settings) -> Result<Staff, StaffError> {
        let _ = (store, settings);
        todo!()
    }
}
