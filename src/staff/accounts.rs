//! Personal and group accounts, Argon2id passwords, approval by an admin, throttling after failed log-ins, and the
//! match of a SITHS certificate's HSA-id to an account.

use super::StaffError;
use super::siths::CertIdentity;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Handlaggare,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// One named person: may register.
    Personal,
    /// A gruppkonto shared by a unit: may take in scans and prepare notifications, never register.
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Created (or self-registered) but not yet approved by an admin.
    AwaitingApproval,
    Active,
    Inactive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Log-in name, lower case, unique.
    pub username: String,
    pub display_name: String,
    /// e.g. `SE2321000016-1003`; the key for SITHS log-in.
    pub hsa_id: Option<String>,
    pub kind: AccountKind,
    pub roles: Vec<Role>,
    /// Region codes (`01`, `14`, ...) the account works in.
    pub regions: Vec<String>,
    pub status: AccountStatus,
    /// Argon2id PHC string; None for a certificate-only account.
    pub password_hash: Option<String>,
    pub created_at: String,
    pub approved_by: Option<String>,
}

impl Account {
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
    /// Registering names a person: group accounts may not.
    pub fn may_register(&self) -> bool {
        self.kind == AccountKind::Personal
    }
    pub fn sees_region(&self, code: &str) -> bool {
        self.regions.iter().any(|r| r == code)
    }
}

/// What an admin (or `blankett user add`) gives to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub hsa_id: Option<String>,
    pub kind: AccountKind,
    pub roles: Vec<Role>,
    pub regions: Vec<String>,
    pub password: Option<String>,
    /// Created active by an admin; otherwise awaiting approval.
    pub approved_by: Option<String>,
}

/// Why a log-in failed; the Display text is the Swedish message the person sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("Fel användarnamn eller lösenord.")]
    WrongPassword,
    #[error("För många misslyckade inloggningar. Försök igen om {retry_after_secs} sekunder.")]
    Throttled { retry_after_secs: u64 },
    #[error("Ditt konto väntar på att en administratör godkänner det.")]
    NotApproved,
    #[error("Ditt konto är inaktiverat. Kontakta en administratör.")]
    Inactive,
    #[error(
        "Kortet innehåller ett personnummer, inte ett HSA-id. Välj certifikatet med ditt HSA-id."
    )]
    PersonnummerCertificate,
    #[error("Certifikatet saknar HSA-id. Välj certifikatet med ditt HSA-id.")]
    NoHsaId,
    #[error("HSA-id {0} finns inte i blankett. Be en administratör lägga upp ditt konto.")]
    UnknownHsaId(String),
}

/// The accounts tree, and the failed-log-in counters.
#[derive(Clone)]
pub struct Accounts {
    // filled in by the implementation
}

impl Accounts {
    pub fn add(&self, new: NewAccount) -> Result<Account, StaffError> {
        let _ = new;
        todo!()
    }
    pub fn get(&self, username: &str) -> Result<Option<Account>, StaffError> {
        let _ = username;
        todo!()
    }
    pub fn by_hsa_id(&self, hsa_id: &str) -> Result<Option<Account>, StaffError> {
        let _ = hsa_id;
        todo!()
    }
    pub fn all(&self) -> Result<Vec<Account>, StaffError> {
        todo!()
    }
    /// Approve, deactivate or reactivate; `by` is the admin's username.
    pub fn set_status(
        &self,
        username: &str,
        status: AccountStatus,
        by: &str,
    ) -> Result<Account, StaffError> {
        let _ = (username, status, by);
        todo!()
    }
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), StaffError> {
        let _ = (username, password);
        todo!()
    }
    pub fn set_roles_and_regions(
        &self,
        username: &str,
        roles: Vec<Role>,
        regions: Vec<String>,
    ) -> Result<Account, StaffError> {
        let _ = (username, roles, regions);
        todo!()
    }
    /// Checks the password (Argon2id), approval and activity, and throttles after repeated failures. An unknown
    /// user answers `WrongPassword`, the same as a wrong password, after the same work.
    pub fn login_password(&self, username: &str, password: &str) -> Result<Account, LoginError> {
        let _ = (username, password);
        todo!()
    }
    /// The account whose HSA-id the certificate carries.
    pub fn login_certificate(&self, identity: &CertIdentity) -> Result<Account, LoginError> {
        let _ = identity;
        todo!()
    }
}
