//! kill -9 during registration: every diarienummer the process reported as given is on disk after a restart, the
//! numbers of a region and year run 1, 2, 3, ... without a gap or a double, each registration has its log entry and
//! the chain holds. A child process registers one document after another and prints each number as it is given;
//! the test kills it with SIGKILL at different moments, round after round.

use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::store::audit::{LogFilter, LogKind};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Duration;

const DOCUMENTS: usize = 400;
const CHILD_ENV: &str = "BLANKETT_KILL_REGISTER_CHILD";

mod casework_support;
use casework_support::{RIGHT_PNR, caseworker, document};

/// The child: registers every document not yet registered, printing each number once it is given.
fn child_work(dir: &Path) -> ! {
    let store = Store::open(dir).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let eva = staff.accounts.get("eva").unwrap().unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0..DOCUMENTS {
        if let Ok(r) = staff.casework.register(&store, &format!("D{i:04}"), &eva) {
            writeln!(out, "{}", r.diarienummer).unwrap();
            out.flush().unwrap();
        }
    }
    std::process::exit(0)
}

#[test]
fn killed_while_registering_no_diarienummer_is_lost_or_doubled() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child_work(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        caseworker(&staff, "eva", &["01"]);
        for i in 0..DOCUMENTS {
            let doc = document(
                &format!("D{i:04}"),
                Some("01"),
                "2026-01-10T08:00:00Z",
                RIGHT_PNR,
            );
            store.documents.put(&doc).unwrap();
        }
        store.flush().unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let mut reported = BTreeSet::new();
    for round in 0..8u64 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "killed_while_registering_no_diarienummer_is_lost_or_doubled",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter(|l| l.starts_with("SMI-"))
                .collect::<Vec<String>>()
        });
        std::thread::sleep(Duration::from_millis(250 + round * 97 % 300));
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        for n in reader.join().unwrap() {
            assert!(reported.insert(n.clone()), "round {round}: {n} given twice");
        }

        let store = Store::open(dir.path()).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        let year = time::OffsetDateTime::now_utc().year();
        let on_disk = staff
            .casework
            .registrations("01", "2000-01-01", "2999-12-31")
            .unwrap();
        let numbers: Vec<u64> = {
            let mut v: Vec<u64> = on_disk.iter().map(|r| r.number).collect();
            v.sort();
            v
        };
        assert_eq!(
            numbers,
            (1..=numbers.len() as u64).collect::<Vec<_>>(),
            "round {round}: numbers without gaps or doubles"
        );
        let names: BTreeSet<String> = on_disk.iter().map(|r| r.diarienummer.clone()).collect();
        for n in &reported {
            assert!(names.contains(n), "round {round}: {n} was given, then lost");
        }
        let registered_entries = staff
            .audit
            .entries(LogKind::Document, &LogFilter::default())
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "registered")
            .count();
        assert_eq!(registered_entries, on_disk.len(), "round {round}");
        assert_eq!(
            staff.audit.verify(LogKind::Document).unwrap().first_broken,
            None
        );
        assert!(on_disk.iter().all(|r| r.year == year));
    }
    assert!(!reported.is_empty(), "the child never registered anything");
}
