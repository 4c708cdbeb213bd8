//! A backup asked of the running service: sled lets one process hold the database, so `blankett backup` on a
//! folder the service holds leaves a request in `<data>/backup/` and waits; the service, which looks there every
//! second, makes the snapshot itself and answers beside the request. Nothing but a file in the data folder is
//! needed, so a nightly cron job run as the service's user works without a password or a port.
//!
//! `<id>.request` holds the output path (written as `.<id>.part` and renamed, so never read half-written); the
//! service renames it `<id>.working` while it works, then writes `<id>.done` (the [`Summary`] as JSON) or
//! `<id>.failed` (the Swedish error). The caller removes the answer.

use super::Store;
use super::backup::{self, BackupError, Summary};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backup")
}

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    out: PathBuf,
}

/// Asks the service that holds `data_dir` for a backup to `out`, and waits up to `wait` for its answer.
pub fn request(data_dir: &Path, out: &Path, wait: Duration) -> Result<Summary, BackupError> {
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| BackupError::Io(format!("{}: {e}", dir.display())))?;
    // The service may run in another working directory: the path it writes to must be whole.
    let out =
        std::path::absolute(out).map_err(|e| BackupError::Io(format!("{}: {e}", out.display())))?;
    // Unique among callers: the time to the nanosecond and this process.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let id = format!("{nanos}-{}", std::process::id());
    let part = dir.join(format!(".{id}.part"));
    let request = dir.join(format!("{id}.request"));
    let body = serde_json::to_vec(&Request { out })
        .map_err(|e| BackupError::Io(format!("begäran: {e}")))?;
    std::fs::write(&part, body)
        .and_then(|()| std::fs::rename(&part, &request))
        .map_err(|e| BackupError::Io(format!("{}: {e}", request.display())))?;
    let done = dir.join(format!("{id}.done"));
    let failed = dir.join(format!("{id}.failed"));
    let started = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(&done) {
            let _ = std::fs::remove_file(&done);
            return serde_json::from_slice(&bytes)
                .map_err(|e| BackupError::Io(format!("tjänstens svar: {e}")));
        }
        if let Ok(message) = std::fs::read_to_string(&failed) {
            let _ = std::fs::remove_file(&failed);
            return Err(BackupError::Io(format!("tjänsten: {}", message.trim())));
        }
        if started.elapsed() > wait {
            // Taken back if the service has not begun, so that it does not write a backup nobody waits for.
            let untouched = std::fs::remove_file(&request).is_ok();
            return Err(BackupError::Io(if untouched {
                format!(
                    "tjänsten svarade inte inom {} s; är den igång och har den datamappen {}?",
                    wait.as_secs(),
                    data_dir.display()
                )
            } else {
                format!(
                    "tjänsten arbetar fortfarande efter {} s; svaret kommer i {}",
                    wait.as_secs(),
                    dir.display()
                )
            }));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Serves every request now waiting. Called by the service's watcher; also usable by a test holding a store.
pub fn serve_pending(store: &Store, data_dir: &Path) {
    let dir = dir(data_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut requests: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "request"))
        .collect();
    requests.sort();
    for path in requests {
        let working = path.with_extension("working");
        // Renamed first: a request is served once even if two watchers look (and a kill leaves `.working`,
        // which the caller reports as still working rather than silently served).
        if std::fs::rename(&path, &working).is_err() {
            continue;
        }
        let answer = std::fs::read(&working)
            .map_err(|e| BackupError::Io(e.to_string()))
            .and_then(|bytes| {
                serde_json::from_slice::<Request>(&bytes)
                    .map_err(|e| BackupError::Io(format!("begäran kunde inte läsas: {e}")))
            })
            .and_then(|req| backup::write(store, data_dir, &req.out));
        let (target, body) = match answer {
            Ok(summary) => (
                path.with_extension("done"),
                serde_json::to_vec(&summary).unwrap_or_default(),
            ),
            Err(e) => {
                eprintln!("blankett: säkerhetskopiering: {e}");
                (path.with_extension("failed"), e.to_string().into_bytes())
            }
        };
        let tmp = dir.join(format!(
            ".{}",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        if let Err(e) = std::fs::write(&tmp, body).and_then(|()| std::fs::rename(&tmp, &target)) {
            eprintln!("blankett: säkerhetskopiering: svaret kunde inte skrivas: {e}");
        }
        let _ = std::fs::remove_file(&working);
    }
}

/// Watches `<data>/backup/` on a thread of its own, every second.
pub fn spawn(store: Store, data_dir: &Path) {
    let data_dir = data_dir.to_path_buf();
    let _ = std::fs::create_dir_all(dir(&data_dir));
    let spawned = std::thread::Builder::new()
        .name("blankett-backup".into())
        .spawn(move || {
            fail_interrupted(&data_dir);
            loop {
                serve_pending(&store, &data_dir);
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    if let Err(e) = spawned {
        eprintln!("blankett: säkerhetskopiering genom tjänsten är av: {e}");
    }
}

/// A request the service was working on when it was stopped (a kill, a crash) is answered as failed, so that the
/// caller, or the operator reading `<data>/backup/`, learns it; the half-written output was never renamed into place.
fn fail_interrupted(data_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir(data_dir)) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.extension().is_some_and(|x| x == "working") {
            let _ = std::fs::write(
                path.with_extension("failed"),
                "tjänsten stoppades under säkerhetskopieringen; ingen kopia skrevs",
            );
            let _ = std::fs::remove_file(&path);
        }
    }
}
