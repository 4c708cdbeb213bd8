//! Log-in sessions: a random id in an HttpOnly cookie, a CSRF token per session, an idle timeout. Kept in sled so
//! that a restart does not log everyone out; expired ones are removed when met.

use super::StaffError;
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
    // filled in by the implementation
}

impl Sessions {
    pub fn create(&self, username: &str, method: LoginMethod) -> Result<Session, StaffError> {
        let _ = (username, method);
        todo!()
    }
    /// The session if it exists and was used within `idle`; touches `last_seen`.
    pub fn get(&self, id: &str, idle: Duration) -> Result<Option<Session>, StaffError> {
        let _ = (id, idle);
        todo!()
    }
    pub fn remove(&self, id: &str) -> Result<(), StaffError> {
        let _ = id;
        todo!()
    }
    /// Ends every session of one account (deactivated, password changed).
    pub fn remove_all_of(&self, username: &str) -> Result<(), StaffError> {
        let _ = username;
        todo!()
    }
}

/// Compares two tokens in constant time.
pub fn tokens_match(a: &str, b: &str) -> bool {
    let _ = (a, b);
    todo!()
}
