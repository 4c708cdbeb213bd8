//! `blankett backup` and `blankett restore` through the built binary: a backup taken while the service holds the
//! folder (the service makes it) restores into a new folder that holds the same accounts, documents, scans and
//! logs and that serves; a backup of a folder nobody holds is made directly; a damaged archive or a folder that is
//! not empty is refused with a clear message.

mod staff_support;
mod web_support;

use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::store::audit::{LogEntry, LogFilter, LogKind};
use staff_support::*;
use std::path::Path;
use std::process::{Command, Output};
use web_support::*;

fn blankett(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args(args)
        .env_remove("BLANKETT_DATA")
        .output()
        .expect("blankett runs")
}

fn backup(data: &Path, out: &Path) -> Output {
    blankett(&[
        "backup".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn restore(data: &Path, archive: &Path) -> Output {
    blankett(&[
        "restore".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        archive.as_os_str(),
    ])
}

fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

/// Everything a region's staff relies on, as the model reads it.
#[derive(Debug, PartialEq)]
struct Holdings {
    accounts: Vec<String>,
    documents: Vec<String>,
    cases: Vec<String>,
    scans: Vec<String>,
    issued: usize,
    user_log: Vec<LogEntry>,
    document_log: Vec<LogEntry>,
}

fn holdings(data: &Path) -> Holdings {
    let store = Store::open(data).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let json = |v: &dyn erased::Json| v.json();
    let mut accounts: Vec<String> = staff
        .accounts
        .all()
        .unwrap()
        .iter()
        .map(|a| json(a))
        .collect();
    accounts.sort();
    let docs = store.documents.all().unwrap();
    let documents = docs.iter().map(|d| json(d)).collect();
    let cases = docs
        .iter()
        .map(|d| json(&staff.casework.case(d).unwrap()))
        .collect();
    let tree_keys = |name: &str| -> Vec<String> {
        store
            .db()
            .open_tree(name)
            .unwrap()
            .iter()
            .map(|i| String::from_utf8_lossy(&i.unwrap().0).into_owned())
            .collect()
    };
    let log = |kind| staff.audit.entries(kind, &LogFilter::default()).unwrap();
    Holdings {
        accounts,
        documents,
        cases,
        scans: tree_keys("scans"),
        issued: tree_keys("issued").len(),
        user_log: log(LogKind::User),
        document_log: log(LogKind::Document),
    }
}

/// Serializes the model's types for comparison without asking each to implement `PartialEq`.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

#[test]
fn a_backup_taken_while_the_service_runs_restores_into_a_folder_that_serves_the_same() {
    let (dir, docs) = prepared();
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let doc = docs.iter().find(|d| d.region == "01").unwrap();
    let page = anna.get(&format!("/staff/dokument/{}", key_path(&doc.key)));
    assert_eq!(page.status, 200);

    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("blankett-natt.tar");
    let made = backup(server.data_dir(), &archive);
    let summary = ok(&made);
    assert_eq!(summary["status"], "backed_up");
    assert!(
        String::from_utf8_lossy(&made.stderr).contains("tjänsten gör kopian"),
        "made by the running service: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(summary["scans"].as_u64().unwrap() >= 1, "{summary}");
    assert!(
        summary["user_log_entries"].as_u64().unwrap() >= 2,
        "{summary}"
    );
    // Nothing but the archive is left beside it.
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(left.len(), 1);

    let restored = tempfile::tempdir().unwrap();
    let back = ok(&restore(restored.path(), &archive));
    assert_eq!(back["status"], "restored_and_verified");
    for key in [
        "trees",
        "entries",
        "user_log_entries",
        "document_log_entries",
        "scans",
    ] {
        assert_eq!(back[key], summary[key], "{key}: {back} against {summary}");
    }

    // Nothing was written between the backup and the stop but sessions touched: the same holdings.
    let (original, _) = server.stop();
    let want = holdings(original.path());
    let got = holdings(restored.path());
    assert!(!want.documents.is_empty() && !want.document_log.is_empty());
    assert_eq!(got, want);
    for scan in &got.scans {
        let a = std::fs::read(original.path().join("scans").join(scan)).unwrap();
        let b = std::fs::read(restored.path().join("scans").join(scan)).unwrap();
        assert!(a == b, "scan {scan} as received");
    }

    // The restored folder serves: the same account logs in and opens the same document.
    let server = Server::start_in(restored, &[]);
    let anna = Client::logged_in(&server, "anna");
    let page = anna.get(&format!("/staff/dokument/{}", key_path(&doc.key)));
    assert_eq!(page.status, 200);
    let log = anna.get("/staff/");
    assert_eq!(log.status, 200);
}

#[test]
fn a_folder_nobody_holds_is_copied_directly_and_damage_is_refused() {
    let (dir, _) = prepared();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("kopia.tar");
    let made = backup(dir.path(), &archive);
    ok(&made);
    assert!(!String::from_utf8_lossy(&made.stderr).contains("tjänsten"));

    // Into a folder that is not empty: a usage error, nothing written.
    let busy = tempfile::tempdir().unwrap();
    std::fs::write(busy.path().join("annat"), b"x").unwrap();
    let refused = restore(busy.path(), &archive);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("inte tom"));

    // One byte of a scan changed in the archive: found, said, and the folder not to be used.
    let bytes = std::fs::read(&archive).unwrap();
    let scan = std::fs::read_dir(dir.path().join("scans"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let head = &std::fs::read(&scan).unwrap()[..64];
    let at = bytes
        .windows(64)
        .position(|w| w == head)
        .expect("the scan in the archive");
    let mut damaged = bytes.clone();
    damaged[at + 40] ^= 0x55;
    let bad = out.path().join("skadad.tar");
    std::fs::write(&bad, damaged).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let failed = restore(&fresh.path().join("ny"), &bad);
    assert_eq!(failed.status.code(), Some(1));
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(
        message.contains("har fel innehåll") && message.contains("använd inte"),
        "{message}"
    );

    // A truncated archive: refused too.
    let cut = out.path().join("avbruten.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let failed = restore(&fresh.path().join("ny2"), &cut);
    assert_eq!(
        failed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
}

#[test]
fn a_backup_killed_midway_leaves_no_archive_and_the_folder_whole() {
    let (dir, _) = prepared();
    {
        // A scan large enough that the backup is still writing when it is killed.
        let store = Store::open(dir.path()).unwrap();
        let mut state = 99u64;
        let big: Vec<u8> = (0..48 * 1024 * 1024)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        store.scans.receive("stor.pdf", &big).unwrap();
        store.flush().unwrap();
    }
    let before = holdings(dir.path());
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("natt.tar");
    let part = out.path().join(".natt.tar.part");
    let mut child = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args(["backup".as_ref(), "--data".as_ref(), dir.path().as_os_str()])
        .args(["--out".as_ref(), archive.as_os_str()])
        .env_remove("BLANKETT_DATA")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the archive is being written.
    let started = std::time::Instant::now();
    while !part.exists() && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(part.exists(), "the backup began writing");
    child.kill().unwrap();
    assert!(
        !child.wait().unwrap().success(),
        "killed before it finished"
    );
    assert!(
        !archive.exists(),
        "a killed backup leaves no archive to mistake for one"
    );
    // The folder is as it was, and the next backup is whole and restores.
    assert_eq!(holdings(dir.path()), before);
    ok(&backup(dir.path(), &archive));
    let fresh = tempfile::tempdir().unwrap();
    let restored = fresh.path().join("ny");
    ok(&restore(&restored, &archive));
    assert_eq!(holdings(&restored), before);
}
