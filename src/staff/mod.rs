//! The staff side's model: accounts and log-in, sessions, the work on each document
//! (corrections, register, reject, forward, put aside), diarienummer, the queues and the exports.
//!
//! Everything here is plain Rust over sled, without HTTP: the pages and the JSON API in `web::staff` call it, and
//! so do the `blankett user` commands and the tests. Region scope is enforced here too: every call that reaches a
//! document takes the acting [`accounts::Account`] and answers [`StaffError::NotFound`] for a document outside the
//! account's regions, exactly as for a document that does not exist.

pub mod accounts;
pub mod case;
pub mod casework;
pub mod diarie;
pub mod export;
pub mod failed_logins;
pub mod log_words;
pub mod login_throttle;
pub mod queues;
pub mod readiness;
pub mod sessions;
pub mod siths;

use crate::store::{Store, StoreError};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", StoreError::Db(.0.clone()))]
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
    /// Registering refused: fields still to look at, failed checks nobody let stand (see [`readiness`]).
    #[error("{}", readiness::refusal_message(.0))]
    NotReady(Vec<readiness::Obstacle>),
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
    /// Failed password attempts for one name from one address before that pair is throttled.
    pub max_failed_logins: u32,
    /// Failed log-ins are logged in aggregate per window of this length (see [`failed_logins`]).
    pub login_log_window: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            diarie_format: diarie::DiarieFormat::default(),
            duplicate_window_days: 30,
            session_idle: Duration::from_secs(30 * 60),
            max_failed_logins: 5,
            login_log_window: Duration::from_secs(10 * 60),
        }
    }
}

impl Settings {
    /// `BLANKETT_DIARIE_FORMAT`, `BLANKETT_DUPLICATE_DAYS`, `BLANKETT_SESSION_IDLE_MINUTES`,
    /// `BLANKETT_LOGIN_LOG_SECONDS`; defaults otherwise.
    /// An unset or empty variable keeps the default; a bad value is an error that names the variable.
    pub fn from_env() -> Result<Settings, StaffError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Settings::from_env`], with the variables from `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, StaffError> {
        let mut settings = Settings::default();
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(pattern) = var(ENV_DIARIE_FORMAT) {
            settings.diarie_format = diarie::DiarieFormat::parse(pattern.trim())
                .map_err(|e| StaffError::Invalid(format!("{ENV_DIARIE_FORMAT}: {e}")))?;
        }
        if let Some(days) = var(ENV_DUPLICATE_DAYS) {
            settings.duplicate_window_days = number_in(ENV_DUPLICATE_DAYS, &days, 0, 3650)?;
        }
        if let Some(minutes) = var(ENV_SESSION_IDLE_MINUTES) {
            let minutes = number_in(ENV_SESSION_IDLE_MINUTES, &minutes, 1, 24 * 60)?;
            settings.session_idle = Duration::from_secs(u64::from(minutes) * 60);
        }
        if let Some(seconds) = var(ENV_LOGIN_LOG_SECONDS) {
            let seconds = number_in(ENV_LOGIN_LOG_SECONDS, &seconds, 1, 24 * 60 * 60)?;
            settings.login_log_window = Duration::from_secs(u64::from(seconds));
        }
        Ok(settings)
    }
}

pub const ENV_DIARIE_FORMAT: &str = "BLANKETT_DIARIE_FORMAT";
pub const ENV_DUPLICATE_DAYS: &str = "BLANKETT_DUPLICATE_DAYS";
pub const ENV_SESSION_IDLE_MINUTES: &str = "BLANKETT_SESSION_IDLE_MINUTES";
/// Seconds per window of the failed log-ins' aggregate in the user log.
pub const ENV_LOGIN_LOG_SECONDS: &str = "BLANKETT_LOGIN_LOG_SECONDS";

fn number_in(name: &str, text: &str, min: u32, max: u32) -> Result<u32, StaffError> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            StaffError::Invalid(format!(
                "{name} ska vara ett heltal {min}–{max}, fick ”{}”",
                text.trim()
            ))
        })
}

/// The staff side's part of the database, opened beside the store on the same sled database.
#[derive(Clone)]
pub struct Staff {
    pub accounts: accounts::Accounts,
    pub sessions: sessions::Sessions,
    pub audit: crate::store::audit::Audit,
    pub casework: casework::Casework,
    /// Log-in throttling per client address, shared by every worker of the process.
    pub throttle: Arc<login_throttle::LoginThrottle>,
    /// Failed log-ins, logged in aggregate.
    pub failed_logins: Arc<failed_logins::FailedLogins>,
    pub settings: Settings,
}

impl Staff {
    /// Opens the staff trees on the store's database. `Accounts` holds a handle on the sessions, so that
    /// deactivating an account or changing its password ends its sessions there and then.
    pub fn open(store: &Store, settings: Settings) -> Result<Staff, StaffError> {
        let db = store.db();
        let sessions = sessions::Sessions::new(db)?;
        let accounts = accounts::Accounts::new(db, sessions.clone())?;
        let audit = crate::store::audit::Audit::open(store)?;
        let casework = casework::Casework::new(db, audit.clone(), settings.diarie_format.clone())?;
        let throttle = Arc::new(login_throttle::LoginThrottle::new(login_throttle::Policy {
            pair_free: settings.max_failed_logins,
            ..login_throttle::Policy::default()
        }));
        let failed_logins = Arc::new(failed_logins::FailedLogins::new(
            audit.clone(),
            settings.login_log_window,
        ));
        Ok(Staff {
            accounts,
            sessions,
            audit,
            casework,
            throttle,
            failed_logins,
            settings,
        })
    }

    /// The queues of this store, as seen through this staff side's cases.
    pub fn queues<'a>(&'a self, store: &'a Store) -> queues::Queues<'a> {
        queues::Queues {
            store,
            casework: &self.casework,
        }
    }
}

/// A stored record that does not parse is damage, not a user error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StaffError> {
    serde_json::from_slice(bytes).map_err(|e| StaffError::Store(StoreError::Corrupt(e.to_string())))
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StaffError> {
    serde_json::to_vec(value).map_err(|e| StaffError::Store(StoreError::Corrupt(e.to_string())))
}

/// The outcome of a sled transaction whose closure aborts with a `StaffError`.
pub(crate) fn committed<T>(
    result: sled::transaction::TransactionResult<T, StaffError>,
) -> Result<T, StaffError> {
    result.map_err(|e| match e {
        sled::transaction::TransactionError::Abort(e) => e,
        sled::transaction::TransactionError::Storage(e) => StaffError::Db(e),
    })
}

/// Aborts a sled transaction with a `StaffError`.
pub(crate) fn abort<T>(
    e: StaffError,
) -> Result<T, sled::transaction::ConflictableTransactionError<StaffError>> {
    Err(sled::transaction::ConflictableTransactionError::Abort(e))
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
