//! A full disk and a read-only disk on a real small filesystem: a tmpfs with a size limit, mounted for the test
//! (CI runs as root; elsewhere the test says it could not mount and checks nothing). Intake and registration fail
//! with a clear Swedish message, and nothing already received is lost: once there is room again, the same folder
//! holds every earlier document, scan and log entry, and takes the refused file in.

mod casework_support;

use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::store::audit::{Audit, LogKind};
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, IdMode, Spec};
use casework_support::{RIGHT_PNR, caseworker, document};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Documents ready to register: more than a small disk's last free pages take.
const DOCS: usize = 400;

/// A tmpfs of `mb` megabytes, unmounted when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    mnt: PathBuf,
}

impl Tmpfs {
    fn mount(mb: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(&mnt)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("disk_faults: a tmpfs could not be mounted (not root?): nothing checked");
            return None;
        }
        Some(Tmpfs { _dir: dir, mnt })
    }

    fn remount(&self, mode: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.mnt)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {mode}");
    }

    /// Fills what is left with one file; returns it.
    fn fill(&self) -> PathBuf {
        let filler = self.mnt.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0x5a_u8; 64 * 1024];
        loop {
            if let Err(e) = f.write_all(&block) {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
                break;
            }
        }
        // What a page of smaller writes might still fit.
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
    }
}

fn intake(data: &Path, file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("intake")
        .arg("--data")
        .arg(data)
        .arg(file)
        .output()
        .unwrap()
}

/// One copy of klinisk, one file a page.
fn two_pages(dir: &Path) -> Vec<PathBuf> {
    let spec = Spec {
        documents: 1,
        forms: vec!["klinisk".into()],
        supplement_rate: 0.0,
        qualities: vec![Quality::Office200],
        typed_rate: 1.0,
        pages_per_file: Some(1),
        ids: IdMode::Seeded,
        ..Spec::default()
    };
    let batch = scenario::generate(77, &spec).unwrap();
    batch
        .files
        .iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect()
}

fn holds(data: &Path, pages_placed: usize) {
    let store = Store::open(data).unwrap();
    let docs = store.documents.all().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].pages.len(), pages_placed);
    let audit = Audit::open(&store).unwrap();
    let v = audit.verify(LogKind::Document).unwrap();
    assert_eq!((v.entries as usize, v.first_broken), (pages_placed, None));
    for item in store.db().open_tree("scans").unwrap().iter() {
        let (sha, _) = item.unwrap();
        let sha = String::from_utf8(sha.to_vec()).unwrap();
        let bytes = std::fs::read(data.join("scans").join(&sha)).unwrap();
        assert_eq!(blankett::store::scans::sha256_hex(&bytes), sha);
    }
}

#[test]
fn intake_on_a_full_or_read_only_disk_says_so_and_loses_nothing() {
    let Some(fs) = Tmpfs::mount(48) else {
        return;
    };
    let files_dir = tempfile::tempdir().unwrap();
    let files = two_pages(files_dir.path());
    let data = fs.mnt.join("data");
    let first = intake(&data, &files[0]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let filler = fs.fill();
    let refused = intake(&data, &files[1]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "a full disk cannot take a file in"
    );
    assert!(said.contains("disken är full"), "{said}");
    assert!(!said.contains("os error"), "said in Swedish: {said}");

    std::fs::remove_file(&filler).unwrap();
    holds(&data, 1);

    fs.remount("ro");
    let refused = intake(&data, &files[1]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(said.contains("skrivskyddad"), "{said}");
    fs.remount("rw");
    holds(&data, 1);

    // Room again: the refused page is taken in, and the copy is whole.
    let again = intake(&data, &files[1]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    holds(&data, 2);
}

#[test]
fn registration_on_a_full_disk_is_refused_and_no_number_is_lost_or_doubled() {
    let Some(fs) = Tmpfs::mount(32) else {
        return;
    };
    let data = fs.mnt.join("data");
    let mut given = Vec::new();
    {
        let store = Store::open(&data).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        caseworker(&staff, "eva", &["01"]);
        for i in 0..DOCS {
            let doc = document(
                &format!("D{i:03}"),
                Some("01"),
                "2026-01-10T08:00:00Z",
                RIGHT_PNR,
            );
            store.documents.put(&doc).unwrap();
        }
        let eva = staff.accounts.get("eva").unwrap().unwrap();
        staff.casework.register(&store, "D000", &eva).unwrap();
        given.push(1);
        store.flush().unwrap();

        // Registered until the disk can take no more: each one refused says why; each one given stays given.
        let filler = fs.fill();
        let mut refusal = None;
        for i in 1..DOCS {
            match staff.casework.register(&store, &format!("D{i:03}"), &eva) {
                Ok(r) => given.push(r.number),
                Err(e) => {
                    refusal = Some(e.to_string());
                    break;
                }
            }
        }
        let said = refusal.expect("the disk filled up before every document was registered");
        assert!(said.contains("disken är full"), "{said}");
        drop((staff, store));
        std::fs::remove_file(&filler).unwrap();
    }
    // After a restart: the number given is there, the refused one either whole or absent, never half.
    let store = Store::open(&data).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let eva = staff.accounts.get("eva").unwrap().unwrap();
    let regs = staff
        .casework
        .registrations("01", "2000-01-01", "2999-12-31")
        .unwrap();
    let mut numbers: Vec<u64> = regs.iter().map(|r| r.number).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=regs.len() as u64).collect::<Vec<_>>());
    for n in &given {
        assert!(numbers.contains(n), "number {n} was given, then lost");
    }
    // Room again: the next registration takes the next number.
    let next = (1..DOCS)
        .map(|i| format!("D{i:03}"))
        .find(|k| !regs.iter().any(|r| &r.key == k))
        .unwrap();
    let r = staff.casework.register(&store, &next, &eva).unwrap();
    assert_eq!(r.number, regs.len() as u64 + 1);
    let regs = staff
        .casework
        .registrations("01", "2000-01-01", "2999-12-31")
        .unwrap();
    let audit = Audit::open(&store).unwrap();
    let v = audit.verify(LogKind::Document).unwrap();
    assert_eq!((v.entries as usize, v.first_broken), (regs.len(), None));
}
