//! Personal and group accounts, Argon2id passwords, approval by an admin, and the match of a SITHS certificate's
//! HSA-id to an account. Throttling of failed log-ins is per client address, in [`super::login_throttle`]: a lock
//! per name would let anyone lock out its owner.

use super::sessions::Sessions;
use super::siths::CertIdentity;
use super::{StaffError, abort, committed, from_json, to_json};
use crate::store::get_json;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use std::sync::OnceLock;

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
    accounts: sled::Tree,
    /// HSA-id (upper case) -> username.
    by_hsa: sled::Tree,
    /// Sessions end when the account is deactivated or its password changes.
    sessions: Sessions,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (Argon2 takes any length; this bounds the work an outsider can ask for).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Lower case, trimmed; 2-64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn normalize_username(raw: &str) -> Result<String, StaffError> {
    let name = raw.trim().to_lowercase();
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    let ok_start = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok_chars && ok_start && (2..=64).contains(&name.len()) {
        Ok(name)
    } else {
        Err(StaffError::Invalid(
            "Användarnamnet ska ha 2–64 tecken: a–z, siffror, punkt, understreck eller bindestreck, \
             och börja med en bokstav eller siffra."
                .into(),
        ))
    }
}

fn normalize_hsa_id(raw: &str) -> Result<String, StaffError> {
    let id = raw.trim().to_uppercase();
    crate::domain::identity::check_hsa_id(&id)
        .map_err(|e| StaffError::Invalid(format!("HSA-id: {e}.")))?;
    Ok(id)
}

fn normalize_regions(regions: Vec<String>) -> Result<Vec<String>, StaffError> {
    let known = crate::domain::regions::Regions::embedded();
    let mut out: Vec<String> = Vec::new();
    for raw in regions {
        let region = known
            .get(&raw)
            .ok_or_else(|| StaffError::Invalid(format!("Okänd region ”{}”.", raw.trim())))?;
        if !out.contains(&region.code) {
            out.push(region.code.clone());
        }
    }
    if out.is_empty() {
        return Err(StaffError::Invalid(
            "Ange minst en region som kontot arbetar i.".into(),
        ));
    }
    out.sort();
    Ok(out)
}

fn normalize_roles(mut roles: Vec<Role>) -> Result<Vec<Role>, StaffError> {
    roles.sort_by_key(|r| *r as u8);
    roles.dedup();
    if roles.is_empty() {
        return Err(StaffError::Invalid("Ange minst en roll.".into()));
    }
    Ok(roles)
}

fn check_password(password: &str) -> Result<(), StaffError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(StaffError::Invalid(format!(
            "Lösenordet ska ha minst {MIN_PASSWORD_CHARS} tecken."
        )));
    }
    Ok(())
}

/// Argon2id with the crate's default parameters (19 MiB, 2 passes, 1 lane), random salt, PHC string.
pub fn hash_password(password: &str) -> Result<String, StaffError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StaffError::Invalid(format!("lösenordet kunde inte hashas: {e}")))
}

fn password_matches(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A hash of a random password with the same parameters as real ones: a log-in for an unknown user is checked
/// against it, so that it costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&super::sessions::random_token()).unwrap_or_else(|_| {
            // Never expected: the default parameters always hash. A string that does not parse still makes the
            // verification fail, only faster.
            String::new()
        })
    })
}

impl Accounts {
    pub(crate) fn new(db: &sled::Db, sessions: Sessions) -> Result<Accounts, StaffError> {
        // Computed now rather than at the first unknown user, whose log-in would otherwise take twice as long.
        dummy_hash();
        Ok(Accounts {
            accounts: db.open_tree("accounts")?,
            by_hsa: db.open_tree("accounts_by_hsa_id")?,
            sessions,
        })
    }

    pub fn add(&self, new: NewAccount) -> Result<Account, StaffError> {
        let username = normalize_username(&new.username)?;
        let display_name = new.display_name.trim().to_string();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(StaffError::Invalid(
                "Ange ett namn (högst 200 tecken).".into(),
            ));
        }
        let hsa_id = new.hsa_id.as_deref().map(normalize_hsa_id).transpose()?;
        let roles = normalize_roles(new.roles)?;
        let regions = normalize_regions(new.regions)?;
        let password_hash = match new.password.as_deref() {
            Some(p) => {
                check_password(p)?;
                Some(hash_password(p)?)
            }
            None if hsa_id.is_some() => None,
            None => {
                return Err(StaffError::Invalid(
                    "Ett konto utan HSA-id behöver ett lösenord.".into(),
                ));
            }
        };
        let account = Account {
            username,
            display_name,
            hsa_id,
            kind: new.kind,
            roles,
            regions,
            status: if new.approved_by.is_some() {
                AccountStatus::Active
            } else {
                AccountStatus::AwaitingApproval
            },
            password_hash,
            created_at: crate::store::now_rfc3339(),
            approved_by: new.approved_by,
        };
        let bytes = to_json(&account)?;
        let _one = crate::store::one_transaction();
        committed(
            (&self.accounts, &self.by_hsa).transaction(|(accounts, by_hsa)| {
                if accounts.get(account.username.as_bytes())?.is_some() {
                    return abort(StaffError::Conflict(format!(
                        "Användarnamnet {} finns redan.",
                        account.username
                    )));
                }
                if let Some(hsa) = &account.hsa_id {
                    if by_hsa.get(hsa.as_bytes())?.is_some() {
                        return abort(StaffError::Conflict(format!(
                            "HSA-id {hsa} hör redan till ett annat konto."
                        )));
                    }
                    by_hsa.insert(hsa.as_bytes(), account.username.as_bytes())?;
                }
                accounts.insert(account.username.as_bytes(), bytes.clone())?;
                Ok(())
            }),
        )?;
        Ok(account)
    }

    pub fn get(&self, username: &str) -> Result<Option<Account>, StaffError> {
        let Ok(username) = normalize_username(username) else {
            return Ok(None);
        };
        Ok(get_json(&self.accounts, username.as_bytes())?)
    }

    pub fn by_hsa_id(&self, hsa_id: &str) -> Result<Option<Account>, StaffError> {
        match self.by_hsa.get(hsa_id.trim().to_uppercase().as_bytes())? {
            Some(username) => self.get(&String::from_utf8_lossy(&username)),
            None => Ok(None),
        }
    }

    pub fn all(&self) -> Result<Vec<Account>, StaffError> {
        self.accounts
            .iter()
            .map(|item| from_json(&item?.1))
            .collect()
    }

    /// Reads, changes and writes one account in a transaction, so that two admins do not undo each other.
    fn update(&self, username: &str, change: impl Fn(&mut Account)) -> Result<Account, StaffError> {
        let username = normalize_username(username).map_err(|_| StaffError::NotFound)?;
        let _one = crate::store::one_transaction();
        committed(self.accounts.transaction(|accounts| {
            let Some(bytes) = accounts.get(username.as_bytes())? else {
                return abort(StaffError::NotFound);
            };
            let mut account: Account = from_json(&bytes).or_else(abort)?;
            change(&mut account);
            accounts.insert(username.as_bytes(), to_json(&account).or_else(abort)?)?;
            Ok(account)
        }))
    }

    /// Approve, deactivate or reactivate; `by` is the admin's username. Deactivating ends the account's
    /// sessions.
    pub fn set_status(
        &self,
        username: &str,
        status: AccountStatus,
        by: &str,
    ) -> Result<Account, StaffError> {
        let account = self.update(username, |a| {
            if status == AccountStatus::Active && a.status == AccountStatus::AwaitingApproval {
                a.approved_by = Some(by.to_string());
            }
            a.status = status;
        })?;
        if status != AccountStatus::Active {
            self.sessions.remove_all_of(&account.username)?;
        }
        Ok(account)
    }

    /// Sets a new password and ends the account's sessions.
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), StaffError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        let account = self.update(username, |a| a.password_hash = Some(hash.clone()))?;
        self.sessions.remove_all_of(&account.username)?;
        Ok(())
    }

    pub fn set_roles_and_regions(
        &self,
        username: &str,
        roles: Vec<Role>,
        regions: Vec<String>,
    ) -> Result<Account, StaffError> {
        let roles = normalize_roles(roles)?;
        let regions = normalize_regions(regions)?;
        self.update(username, |a| {
            a.roles = roles.clone();
            a.regions = regions.clone();
        })
    }

    /// Checks the password (Argon2id), approval and activity. An unknown user answers `WrongPassword`, the same as
    /// a wrong password, after the same work. The caller throttles (see [`super::login_throttle`]).
    pub fn login_password(&self, username: &str, password: &str) -> Result<Account, LoginError> {
        // Database trouble refuses the log-in; the reason goes to the process log without the name.
        let refuse = |e: StaffError| {
            eprintln!("blankett: inloggning: {e}");
            LoginError::WrongPassword
        };
        let account = match normalize_username(username) {
            Ok(key) if password.len() <= MAX_PASSWORD_BYTES => self.get(&key).map_err(refuse)?,
            _ => None,
        };
        let phc = account
            .as_ref()
            .and_then(|a| a.password_hash.as_deref())
            .unwrap_or(dummy_hash());
        let right = password_matches(password, phc);
        let Some(account) = account.filter(|a| right && a.password_hash.is_some()) else {
            return Err(LoginError::WrongPassword);
        };
        status_check(account)
    }

    /// The account whose HSA-id the certificate carries.
    pub fn login_certificate(&self, identity: &CertIdentity) -> Result<Account, LoginError> {
        match identity {
            CertIdentity::HsaId(id) => {
                let account = self.by_hsa_id(id).map_err(|e| {
                    eprintln!("blankett: inloggning med SITHS: {e}");
                    LoginError::UnknownHsaId(id.clone())
                })?;
                status_check(account.ok_or_else(|| LoginError::UnknownHsaId(id.clone()))?)
            }
            CertIdentity::Personnummer => Err(LoginError::PersonnummerCertificate),
            CertIdentity::Missing => Err(LoginError::NoHsaId),
        }
    }
}

/// Approval and activity: told only to someone who proved who they are.
fn status_check(account: Account) -> Result<Account, LoginError> {
    match account.status {
        AccountStatus::Active => Ok(account),
        AccountStatus::AwaitingApproval => Err(LoginError::NotApproved),
        AccountStatus::Inactive => Err(LoginError::Inactive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_and_plain() {
        assert_eq!(normalize_username(" Anna.Berg ").unwrap(), "anna.berg");
        assert!(normalize_username("a").is_err());
        assert!(normalize_username("-anna").is_err());
        assert!(normalize_username("anna berg").is_err());
        assert!(normalize_username("åsa").is_err());
    }

    #[test]
    fn dummy_hash_has_the_parameters_of_real_ones() {
        let real = hash_password("ett riktigt lösenord").unwrap();
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).map(str::to_string);
        assert_eq!(params(dummy_hash()), params(&real));
        assert!(real.starts_with("$argon2id$"));
    }
}
