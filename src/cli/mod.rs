//! The `blankett` command line. Usage errors (unknown form, region, a count out of range) exit with code 2.

mod backup;
mod intake;
mod print;
mod serve;
mod user;

use crate::forms::Registry;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "blankett",
    version,
    about = "Pappersanmälningar enligt smittskyddslagen: skriv ut, läs in, verifiera"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the forms and their versions.
    Forms,
    /// Print the geometry of a form as JSON (millimetres from the page's top-left corner).
    Layout {
        #[arg(long)]
        form: String,
        #[arg(long)]
        version: Option<u32>,
    },
    /// Print N blank forms, each with its own form ID, into one PDF; print the IDs one a line.
    Print(print::PrintArgs),
    /// Serve the public site: choose a form, fill it in on screen or print it blank.
    Serve(serve::ServeArgs),
    /// Take in scans (PDF, TIFF, PNG, JPEG): one JSON line per document formed or page left unidentified.
    Intake(intake::IntakeArgs),
    /// Staff accounts: add, list, approve, deactivate, set a password.
    User(user::UserArgs),
    /// A consistent copy of the data folder in one file (made by the running service when it holds the folder).
    Backup(backup::BackupArgs),
    /// Restore a backup into a new, empty data folder and verify it (log chains, every scan's hash).
    Restore(backup::RestoreArgs),
}

pub fn data_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("BLANKETT_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("var"))
}

/// Debian's libtesseract runs OpenMP, which reads `OMP_THREAD_LIMIT` once at start: with more than one thread
/// per engine small images take 3-10 times longer. Commands that read scans re-start themselves with the limit
/// set when the caller did not set it.
fn ensure_single_threaded_ocr() {
    let reads_scans = std::env::args()
        .nth(1)
        .is_some_and(|c| c == "intake" || c == "serve");
    if reads_scans && std::env::var_os("OMP_THREAD_LIMIT").is_none() {
        use std::os::unix::process::CommandExt;
        if let Ok(exe) = std::env::current_exe() {
            let err = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env("OMP_THREAD_LIMIT", "1")
                .exec();
            eprintln!("blankett: kunde inte starta om med OMP_THREAD_LIMIT=1: {err}");
        }
    }
}

pub fn main() -> ExitCode {
    ensure_single_threaded_ocr();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Forms => forms(),
        Command::Layout { form, version } => layout(&form, version),
        Command::Print(args) => print::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Intake(args) => intake::run(args),
        Command::User(args) => user::run(args),
        Command::Backup(args) => backup::run_backup(args),
        Command::Restore(args) => backup::run_restore(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(msg)) => {
            eprintln!("blankett: {msg}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(msg)) => {
            eprintln!("blankett: {msg}");
            ExitCode::from(1)
        }
    }
}

pub enum CliError {
    /// Bad arguments: exit code 2.
    Usage(String),
    /// The command could not do its work: exit code 1.
    Failed(String),
}

fn forms() -> Result<(), CliError> {
    for form in Registry::embedded().all() {
        println!(
            "{}\tversion {}\t{}\t{} sid(or)\t{}",
            form.name(),
            form.version(),
            form.code,
            form.page_count(),
            form.def.title
        );
    }
    Ok(())
}

fn layout(form: &str, version: Option<u32>) -> Result<(), CliError> {
    let form = Registry::embedded()
        .get(form, version)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let json = crate::forms::export::layout_json(form);
    println!(
        "{}",
        serde_json::to_string_pretty(&json).map_err(|e| CliError::Failed(e.to_string()))?
    );
    Ok(())
}
