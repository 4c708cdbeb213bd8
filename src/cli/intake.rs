//! `blankett intake --data DIR FILE...`: scans in, one JSON line per document formed or page left unidentified.

use super::CliError;
use crate::intake::pipeline::{Intake, Report};
use crate::store::documents::{Document, Value};
use crate::store::{Store, StoreError};
use clap::Args;
use serde_json::{Map, json};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct IntakeArgs {
    /// The data folder (default: $BLANKETT_DATA or ./var).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Scans: PDF, TIFF, PNG or JPEG.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// The contract line for a document (shared/README.md).
pub fn document_json(doc: &Document) -> serde_json::Value {
    let mut fields = Map::new();
    for (name, f) in &doc.fields {
        let value = match &f.value {
            Value::Text(t) => json!(t),
            Value::Ticked(v) => json!(v),
        };
        let confidence = (f64::from(f.confidence) * 1000.0).round() / 1000.0;
        let mut entry = json!({"value": value, "confidence": confidence});
        if let Some(s) = &f.suggestion {
            entry["suggestion"] = json!({"value": s.value, "reason": s.reason});
        }
        fields.insert(name.clone(), entry);
    }
    json!({
        "form_id": doc.form_id,
        "form": doc.form,
        "version": doc.version,
        "status": match doc.status { crate::store::documents::DocumentStatus::Pending => "pending", _ => "incomplete" },
        "pages": doc.pages.keys().collect::<Vec<_>>(),
        "missing_pages": doc.missing_pages(),
        "flags": doc.flags,
        "region": doc.region,
        "fields": fields,
    })
}

pub fn report_json(report: &Report) -> serde_json::Value {
    match report {
        Report::Document(doc) => document_json(doc),
        Report::Unidentified {
            source,
            page,
            reason,
        } => json!({"status": "unidentified", "source": source, "page": page, "reason": reason}),
        Report::Unreadable {
            source,
            page,
            reason,
        } => {
            json!({"status": "unidentified", "source": source, "page": page, "reason": reason, "unreadable": true})
        }
        Report::FileError { source, error } => {
            json!({"status": "error", "source": source, "error": error})
        }
    }
}

pub fn run(args: IntakeArgs) -> Result<(), CliError> {
    let data_dir = super::data_dir(args.data);
    let store = match Store::open(&data_dir) {
        Ok(store) => store,
        Err(StoreError::Locked(_)) => return hand_to_inbox(&data_dir, &args.files),
        Err(e) => return Err(CliError::Failed(e.to_string())),
    };
    let intake = Intake::new(store);
    let mut out = std::io::stdout().lock();
    // A file whose intake was interrupted is finished by `resume` and then named again on the command line: its
    // documents are reported once, unless they changed in between.
    let mut printed = std::collections::HashSet::new();
    let mut emit = |out: &mut std::io::StdoutLock<'_>, r: &Report| {
        let line = report_json(r).to_string();
        if printed.insert(line.clone()) {
            let _ = writeln!(out, "{line}");
        }
    };
    for r in intake
        .resume()
        .map_err(|e| CliError::Failed(e.to_string()))?
    {
        emit(&mut out, &r);
    }
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} sidor")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut failed_files, mut failed_pages) = (0, 0);
    // All files through one set of workers: a folder of one-page faxes keeps every core busy (issue 17).
    let files: Vec<(String, PathBuf)> = args
        .files
        .iter()
        .map(|f| (f.display().to_string(), f.clone()))
        .collect();
    bar.set_message(match files.len() {
        1 => files[0].0.clone(),
        n => format!("{n} filer"),
    });
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    intake
        .take_in_files(&files, &progress, &mut |i, reports| {
            let name = &files[i].0;
            for r in &reports {
                if matches!(r, Report::FileError { .. } | Report::Unreadable { .. }) {
                    match r {
                        Report::FileError { .. } => failed_files += 1,
                        _ => failed_pages += 1,
                    }
                    eprintln!("blankett: {name}: {}", failure_text(r));
                }
                emit(&mut out, r);
            }
        })
        .map_err(|e| CliError::Failed(e.to_string()))?;
    bar.finish_and_clear();
    if failed_files + failed_pages > 0 {
        return Err(CliError::Failed(format!(
            "{failed_files} fil(er) och {failed_pages} sida/sidor kunde inte läsas (filerna är sparade i \
             datamappen, sidorna ligger i kön för oidentifierade)"
        )));
    }
    Ok(())
}

/// Why a file or page could not be read, as `blankett intake` says it on standard error.
pub fn failure_text(report: &Report) -> String {
    match report {
        Report::FileError { error, .. } => error.clone(),
        Report::Unreadable { page, reason, .. } => format!("sida {page}: {reason}"),
        Report::Unidentified { page, reason, .. } => format!("sida {page}: {reason}"),
        Report::Document(_) => String::new(),
    }
}

fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("kan inte läsa filen: {e}"))?;
    if !meta.is_file() {
        return Err("är ingen vanlig fil".into());
    }
    if meta.len() > max {
        return Err(format!(
            "filen är för stor ({} byte, högst {max})",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("kan inte läsa filen: {e}"))
}

/// A running service holds the database: give the files to its inbox, which it processes as scanners drop
/// files there.
fn hand_to_inbox(data_dir: &Path, files: &[PathBuf]) -> Result<(), CliError> {
    let inbox = data_dir.join("inbox");
    std::fs::create_dir_all(&inbox)
        .map_err(|e| CliError::Failed(format!("{}: {e}", inbox.display())))?;
    eprintln!(
        "blankett: datamappen används av en körande tjänst; filerna lämnas i dess inkorg {}",
        inbox.display()
    );
    for file in files {
        let bytes = read_bounded(file, u64::MAX)
            .map_err(|e| CliError::Failed(format!("{}: {e}", file.display())))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "skanning".into());
        let target = inbox.join(format!(
            "{}-{name}",
            &crate::store::scans::sha256_hex(&bytes)[..12]
        ));
        // Written under a dot name and renamed, so the service never picks up half a file.
        let tmp = inbox.join(format!(
            ".{}.part",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        std::fs::write(&tmp, &bytes)
            .and_then(|_| std::fs::rename(&tmp, &target))
            .map_err(|e| CliError::Failed(format!("{}: {e}", target.display())))?;
        println!(
            "{}",
            json!({"status": "queued", "source": file.display().to_string(), "inbox": target.display().to_string()})
        );
    }
    Ok(())
}
