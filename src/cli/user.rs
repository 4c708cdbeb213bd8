//! `blankett user`: staff accounts from the command line, for the first admin and for when the web is down.
//! Passwords are read from standard input, never from the arguments (which other users can see in `ps`).

use super::CliError;
use crate::domain::regions::Regions;
use crate::staff::accounts::{AccountKind, AccountStatus, NewAccount, Role, normalize_username};
use crate::staff::{Settings, Staff, StaffError};
use crate::store::Store;
use crate::store::audit::LogKind;
use clap::{Args, Subcommand, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Actor of the log entries the command line writes.
const ACTOR: &str = "cli";

#[derive(Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Args)]
struct DataArg {
    /// The data folder (default: $BLANKETT_DATA or ./var).
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(Args)]
struct WhoArgs {
    #[command(flatten)]
    data: DataArg,
    #[arg(long)]
    username: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Handlaggare,
    Admin,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an active account (approved by "cli").
    Add {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        username: String,
        /// The person's name, or the unit's for a group account.
        #[arg(long)]
        name: String,
        /// HSA-id for SITHS log-in, e.g. SE2321000016-1003.
        #[arg(long)]
        hsa_id: Option<String>,
        /// A group account (gruppkonto): may prepare notifications, never register.
        #[arg(long)]
        group: bool,
        /// handlaggare (default) or admin; repeatable.
        #[arg(long, value_enum)]
        role: Vec<RoleArg>,
        /// County code of a region the account works in (01, 03, ... 25); repeatable.
        #[arg(long, required = true)]
        region: Vec<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts (no password hashes).
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Approve an account that awaits approval, or reactivate one.
    Approve(WhoArgs),
    /// Deactivate an account and end its sessions.
    Deactivate(WhoArgs),
    /// Set a new password, read from standard input (one line); ends the account's sessions.
    Passwd(WhoArgs),
}

pub fn run(args: UserArgs) -> Result<(), CliError> {
    match args.command {
        UserCommand::Add {
            data,
            username,
            name,
            hsa_id,
            group,
            role,
            region,
            password_stdin,
        } => {
            let regions = Regions::from_env_or_data_dir(Some(&super::data_dir(data.data.clone())))
                .map_err(|e| CliError::Failed(format!("{e:#}")))?;
            let region = region
                .iter()
                .map(|r| {
                    regions.get(r).map(|r| r.code.clone()).ok_or_else(|| {
                        CliError::Usage(format!(
                            "okänd region '{r}' (ange länskoden, t.ex. 01 för Stockholm)"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if !password_stdin && hsa_id.is_none() {
                return Err(CliError::Usage(
                    "ange --password-stdin (lösenordet på standard in) eller --hsa-id (SITHS)"
                        .into(),
                ));
            }
            let password = password_stdin.then(read_password).transpose()?;
            let mut roles: Vec<Role> = role
                .iter()
                .map(|r| match r {
                    RoleArg::Handlaggare => Role::Handlaggare,
                    RoleArg::Admin => Role::Admin,
                })
                .collect();
            if roles.is_empty() {
                roles.push(Role::Handlaggare);
            }
            let staff = open(&data)?;
            let account = staff
                .accounts
                .add(NewAccount {
                    username,
                    display_name: name,
                    hsa_id,
                    kind: if group {
                        AccountKind::Group
                    } else {
                        AccountKind::Personal
                    },
                    roles,
                    regions: region,
                    password,
                    approved_by: Some(ACTOR.to_string()),
                })
                .map_err(usage_or_failed)?;
            log(
                &staff,
                "account_created",
                &account.username,
                &format!(
                    "roller: {}; regioner: {}; {}",
                    roles_text(&account.roles),
                    account.regions.join(","),
                    kind_text(account.kind)
                ),
            )?;
            println!("{}", account.username);
            Ok(())
        }
        UserCommand::List { data } => {
            let staff = open(&data)?;
            let accounts = staff.accounts.all().map_err(failed)?;
            for a in accounts {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    a.username,
                    a.display_name,
                    a.hsa_id.as_deref().unwrap_or("-"),
                    kind_text(a.kind),
                    roles_text(&a.roles),
                    a.regions.join(","),
                    status_text(a.status),
                );
            }
            Ok(())
        }
        UserCommand::Approve(who) => set_status(who, AccountStatus::Active, "account_approved"),
        UserCommand::Deactivate(who) => {
            set_status(who, AccountStatus::Inactive, "account_deactivated")
        }
        UserCommand::Passwd(who) => {
            let password = read_password()?;
            let staff = open(&who.data)?;
            staff
                .accounts
                .set_password(&who.username, &password)
                .map_err(usage_or_failed)?;
            let username = normalize_username(&who.username).map_err(usage_or_failed)?;
            log(&staff, "password_changed", &username, "")
        }
    }
}

fn set_status(who: WhoArgs, status: AccountStatus, action: &str) -> Result<(), CliError> {
    let staff = open(&who.data)?;
    let account = staff
        .accounts
        .set_status(&who.username, status, ACTOR)
        .map_err(usage_or_failed)?;
    log(&staff, action, &account.username, "")?;
    println!("{}\t{}", account.username, status_text(account.status));
    Ok(())
}

fn open(data: &DataArg) -> Result<Staff, CliError> {
    let store = Store::open(&super::data_dir(data.data.clone())).map_err(failed)?;
    // The command line uses no setting from the environment: defaults keep a bad variable from blocking it.
    Staff::open(&store, Settings::default()).map_err(failed)
}

fn log(staff: &Staff, action: &str, username: &str, detail: &str) -> Result<(), CliError> {
    let detail = if detail.is_empty() {
        format!("konto: {username}")
    } else {
        format!("konto: {username}; {detail}")
    };
    staff
        .audit
        .append(LogKind::User, ACTOR, action, None, None, &detail)
        .map_err(failed)?;
    Ok(())
}

/// One line from standard input, without its line end. A prompt goes to the terminal when there is one.
fn read_password() -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Lösenord: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        CliError::Failed(format!("kunde inte läsa lösenordet från standard in: {e}"))
    })?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(CliError::Usage(
            "inget lösenord på standard in (en rad)".into(),
        ));
    }
    Ok(password)
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

/// What the caller gave wrong (a name taken, a short password, no such account) is a usage error.
fn usage_or_failed(e: StaffError) -> CliError {
    match e {
        StaffError::Invalid(_) | StaffError::Conflict(_) => CliError::Usage(e.to_string()),
        StaffError::NotFound => CliError::Usage("kontot finns inte".into()),
        other => CliError::Failed(other.to_string()),
    }
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| match r {
            Role::Handlaggare => "handlaggare",
            Role::Admin => "admin",
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn kind_text(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Personal => "personligt",
        AccountKind::Group => "gruppkonto",
    }
}

fn status_text(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::AwaitingApproval => "väntar på godkännande",
        AccountStatus::Active => "aktivt",
        AccountStatus::Inactive => "inaktiverat",
    }
}
