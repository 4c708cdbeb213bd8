//! Log-in sessions: a random id in an HttpOnly cookie, a CSRF token per session, an idle timeout. Kept in sled so
//! that a restart does not log everyone out; expired ones are removed when met.

use super::{StaffError, from_json, unix_now};
use crate::store::audit::{Audit, LogKind, Pending};
use crate::store::{get_json, put_json};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    Password,
    Siths,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// 32 random bytes, hex: the cookie value.
    pub id: String,
    pub username: String,
    /// 32 random bytes, hex: every state-changing form and API call carries it.
    pub csrf: String,
    pub method: LoginMethod,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen: i64,
}

#[derive(Clone)]
pub struct Sessions {
    tree: sled::Tree,
}

/// 32 random bytes from the thread's generator (ChaCha seeded from the operating system), as hex.
pub fn random_token() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn new_session(username: &str, method: LoginMethod) -> Session {
    let now = unix_now();
    Session {
        id: random_token(),
        username: username.to_string(),
        csrf: random_token(),
        method,
        created_at: now,
        last_seen: now,
    }
}

/// A session id is 64 hex digits; anything else a cookie carries is not looked up.
fn well_formed(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Sessions {
    pub(crate) fn new(db: &sled::Db) -> Result<Sessions, StaffError> {
        Ok(Sessions {
            tree: db.open_tree("sessions")?,
        })
    }

    pub fn create(&self, username: &str, method: LoginMethod) -> Result<Session, StaffError> {
        let session = new_session(username, method);
        put_json(&self.tree, session.id.as_bytes(), &session)?;
        Ok(session)
    }

    /// A new session and its `login` entry in the user log, in one transaction: a log-in the log cannot take
    /// does not happen, and a kill never leaves a session the log does not know.
    pub fn create_logged(
        &self,
        username: &str,
        method: LoginMethod,
        audit: &Audit,
    ) -> Result<Session, StaffError> {
        let session = new_session(username, method);
        let bytes = super::to_json(&session)?;
        let how = match method {
            LoginMethod::Password => "lösenord",
            LoginMethod::Siths => "SITHS-kort",
        };
        audit.with_entry::<_, StaffError>(
            &self.tree,
            Pending {
                kind: LogKind::User,
                at: "",
                actor: username,
                action: "login",
                document: None,
                region: None,
                detail: how,
            },
            |sessions| {
                sessions.insert(session.id.as_bytes(), bytes.clone())?;
                Ok(())
            },
        )?;
        Ok(session)
    }

    /// Ends a session with its `logout` entry in the user log, in one transaction.
    pub fn remove_logged(&self, id: &str, username: &str, audit: &Audit) -> Result<(), StaffError> {
        audit.with_entry::<_, StaffError>(
            &self.tree,
            Pending {
                kind: LogKind::User,
                at: "",
                actor: username,
                action: "logout",
                document: None,
                region: None,
                detail: "",
            },
            |sessions| {
                sessions.remove(id.as_bytes())?;
                Ok(())
            },
        )
    }

    /// The session if it exists and was used within `idle`; touches `last_seen`.
    pub fn get(&self, id: &str, idle: Duration) -> Result<Option<Session>, StaffError> {
        if !well_formed(id) {
            return Ok(None);
        }
        let Some(mut session) = get_json::<Session>(&self.tree, id.as_bytes())? else {
            return Ok(None);
        };
        let now = unix_now();
        let idle = i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
        if now.saturating_sub(session.last_seen) > idle {
            self.tree.remove(id.as_bytes())?;
            return Ok(None);
        }
        if session.last_seen != now {
            session.last_seen = now;
            put_json(&self.tree, id.as_bytes(), &session)?;
        }
        Ok(Some(session))
    }

    pub fn remove(&self, id: &str) -> Result<(), StaffError> {
        self.tree.remove(id.as_bytes())?;
        Ok(())
    }

    /// Ends every session of one account (deactivated, password changed).
    pub fn remove_all_of(&self, username: &str) -> Result<(), StaffError> {
        // Sessions are few (one or two per person on staff): a scan is cheaper than keeping an index right.
        for item in self.tree.iter() {
            let (key, bytes) = item?;
            let session: Session = from_json(&bytes)?;
            if session.username == username {
                self.tree.remove(key)?;
            }
        }
        Ok(())
    }
}

/// Compares two tokens in constant time.
pub fn tokens_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    // Lengths are not secret (every token is 64 hex digits); the contents are compared without early exit.
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
