//! `blankett backup` and `blankett restore`: a consistent copy of a data folder in one file, made by the running
//! service when it holds the folder, and its restore into an empty folder with the proof that it holds.

use super::CliError;
use crate::store::backup::{self, BackupError, Summary};
use crate::store::{Store, StoreError, backup_handoff};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args)]
pub struct BackupArgs {
    /// The data folder (default: $BLANKETT_DATA or ./var).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The backup file to write (a tar archive; written beside as .NAME.part and renamed when whole).
    #[arg(long)]
    out: PathBuf,
    /// Seconds to wait for a running service to make the copy.
    #[arg(long, default_value_t = 3600)]
    wait_seconds: u64,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The new data folder: absent or empty.
    #[arg(long)]
    data: PathBuf,
    /// The backup file.
    archive: PathBuf,
}

fn failed(e: BackupError) -> CliError {
    match e {
        BackupError::Usage(m) => CliError::Usage(m),
        other => CliError::Failed(other.to_string()),
    }
}

fn report(what: &str, s: &Summary) {
    println!(
        "{}",
        serde_json::json!({
            "status": what,
            "trees": s.trees,
            "entries": s.entries,
            "user_log_entries": s.user_log_entries,
            "document_log_entries": s.document_log_entries,
            "scans": s.scans,
            "scan_bytes": s.scan_bytes,
        })
    );
}

pub fn run_backup(args: BackupArgs) -> Result<(), CliError> {
    let data = super::data_dir(args.data);
    if !data.join("db").exists() {
        return Err(CliError::Usage(format!(
            "{} är ingen datamapp för blankett (ingen databas)",
            data.display()
        )));
    }
    let summary = match Store::open(&data) {
        Ok(store) => backup::write(&store, &data, &args.out).map_err(failed)?,
        Err(StoreError::Locked(_)) => {
            eprintln!(
                "blankett: datamappen används av en körande tjänst; tjänsten gör kopian (högst {} s)",
                args.wait_seconds
            );
            backup_handoff::request(&data, &args.out, Duration::from_secs(args.wait_seconds))
                .map_err(failed)?
        }
        Err(e) => return Err(CliError::Failed(e.to_string())),
    };
    report("backed_up", &summary);
    Ok(())
}

pub fn run_restore(args: RestoreArgs) -> Result<(), CliError> {
    let summary = backup::restore(&args.archive, &args.data).map_err(|e| match e {
        BackupError::Usage(m) => CliError::Usage(m),
        other => CliError::Failed(format!(
            "{other}; använd inte {} som datamapp",
            args.data.display()
        )),
    })?;
    report("restored_and_verified", &summary);
    Ok(())
}
