//! `blankett serve`: the public site, the staff side (`/staff/`) and its JSON API (`/api/`), and the watched inbox.

use super::CliError;
use crate::web;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args)]
pub struct ServeArgs {
    /// The data folder (default: $BLANKETT_DATA or ./var).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Address and port to listen on; port 0 picks a free port (the address is printed on standard error).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Worker threads (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Seconds between two looks into <data>/inbox/ (default: $BLANKETT_INBOX_SECONDS or 10); 0 is off.
    #[arg(long)]
    inbox_seconds: Option<u64>,
}

pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let mut config = web::Config::from_env(super::data_dir(args.data), args.bind)
        .map_err(|e| CliError::Usage(format!("{e:#}")))?;
    config.workers = args.workers.filter(|&n| n > 0);
    if let Some(s) = args.inbox_seconds {
        config.inbox_every = (s > 0).then(|| Duration::from_secs(s));
    }
    web::run(config).map_err(|e| CliError::Failed(format!("{e:#}")))
}
