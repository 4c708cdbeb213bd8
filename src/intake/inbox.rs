//! The watched inbox: `<data>/inbox/`. Scanners (or `blankett intake` while the service holds the database) drop
//! files there; the service takes each in and removes it once it is kept under `<data>/scans/`. Files whose names
//! begin with a dot are still being written and are left alone.

use super::pipeline::{Intake, Report};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("inbox")
}

/// Takes in every complete file now in the inbox. Returns the reports, by file.
pub fn sweep(intake: &Intake, inbox: &Path) -> Vec<(PathBuf, Vec<Report>)> {
    let Ok(entries) = std::fs::read_dir(inbox) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    // A slice of files at a time through the intake's one set of workers: a burst of one-page faxes keeps every
    // worker busy, and no more (the pool's size bounds the pages read at once, whatever else takes files in).
    for slice in files.chunks(super::batch::FILES_PER_RUN) {
        let mut kept = Vec::with_capacity(slice.len());
        let mut paths = Vec::with_capacity(slice.len());
        for path in slice {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Copied, not read into memory: scanner files run to hundreds of megabytes.
            let record = match intake.keep_file(path) {
                Ok(record) => record,
                Err(e) => {
                    // Left in place and tried again on the next sweep; the log names neither the file nor its
                    // content.
                    eprintln!("blankett: inkorgen: en fil kunde inte tas emot: {e}");
                    continue;
                }
            };
            // Kept as received under scans/: the inbox copy is no longer needed, and a failure from here on is
            // finished by `resume`.
            let _ = std::fs::remove_file(path);
            kept.push((record, name));
            paths.push(path.clone());
        }
        if let Err(e) = intake.process_batch(kept, &|_, _| {}, &mut |k, reports| {
            out.push((paths[k].clone(), reports))
        }) {
            eprintln!("blankett: inkorgen: {e}");
        }
    }
    out
}

/// Watches the inbox on a thread of its own, sweeping every `every`.
pub fn spawn(intake: Arc<Intake>, data_dir: &Path, every: Duration) -> std::thread::JoinHandle<()> {
    let inbox = dir(data_dir);
    let _ = std::fs::create_dir_all(&inbox);
    std::thread::spawn(move || {
        // This thread commits what the workers read; it too gives way to the web server's threads.
        if intake.background {
            super::background::lower_this_thread();
        }
        if let Err(e) = intake.resume() {
            eprintln!("blankett: återupptagen inläsning: {e}");
        }
        loop {
            sweep(&intake, &inbox);
            std::thread::sleep(every);
        }
    })
}
