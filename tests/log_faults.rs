//! Every change of a case and every log-in and log-out is written in one transaction with its log entry: a log
//! that cannot be written refuses the change (the case stays as it was), and a process killed with SIGKILL at any
//! moment leaves a case and a document log that agree, a session table and a user log that agree, and chains
//! that hold. Real sled in a temporary folder; the failure is a damaged log head, the kill a real SIGKILL.

mod casework_support;

use blankett::staff::case::CaseState;
use blankett::staff::failed_logins::Failure;
use blankett::staff::sessions::LoginMethod;
use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::store::audit::{LogFilter, LogKind};
use blankett::store::documents::Value;
use casework_support::{RIGHT_PNR, caseworker, document};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// Runs `f` on the folder's database with the store closed (sled admits one handle), then opens it again.
fn with_closed_store(dir: &Path, f: impl FnOnce(&sled::Db)) -> (Store, Staff) {
    let closed = Store::open(dir).unwrap();
    f(closed.db());
    closed.db().flush().unwrap();
    drop(closed);
    let store = Store::open(dir).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    (store, staff)
}

fn entries(staff: &Staff, kind: LogKind) -> Vec<blankett::store::audit::LogEntry> {
    staff.audit.entries(kind, &LogFilter::default()).unwrap()
}

#[test]
fn a_log_that_cannot_be_written_refuses_the_change_and_keeps_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let (store, staff) = {
        let store = Store::open(dir.path()).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        caseworker(&staff, "eva", &["01", "03"]);
        store
            .documents
            .put(&document(
                "DOC1",
                Some("01"),
                "2026-01-10T08:00:00Z",
                RIGHT_PNR,
            ))
            .unwrap();
        let eva = staff.accounts.get("eva").unwrap().unwrap();
        // One entry in each log, so that both heads exist.
        staff
            .casework
            .put_aside(&store, "DOC1", "Väntar", &eva)
            .unwrap();
        staff
            .sessions
            .create_logged("eva", LoginMethod::Password, &staff.audit)
            .unwrap();
        store.flush().unwrap();
        (store, staff)
    };
    drop((store, staff));
    let mut saved = BTreeMap::new();
    let (store, staff) = with_closed_store(dir.path(), |db| {
        let heads = db.open_tree("log_heads").unwrap();
        for key in ["document", "user"] {
            saved.insert(key, heads.get(key).unwrap().unwrap());
            heads.insert(key, &b"{not json"[..]).unwrap();
        }
    });
    let eva = staff.accounts.get("eva").unwrap().unwrap();
    let cw = &staff.casework;
    let case_before = cw
        .case(&store.documents.get("DOC1").unwrap().unwrap())
        .unwrap();
    let doc_log = entries(&staff, LogKind::Document).len();
    let user_log = entries(&staff, LogKind::User).len();

    // Each change is refused, and the case is exactly as it was.
    assert!(cw.resume(&store, "DOC1", &eva).is_err());
    assert!(
        cw.correct(
            &store,
            "DOC1",
            "patient.namn",
            Value::Text("BERG ANNIKA".into()),
            &eva
        )
        .is_err()
    );
    assert!(
        cw.forward(&store, "DOC1", "03", "Bor i Uppsala", &eva)
            .is_err()
    );
    assert!(cw.reject(&store, "DOC1", "Inte en anmälan", &eva).is_err());
    assert!(
        cw.review(&store, "DOC1", &["patient.namn".to_string()], &eva)
            .is_err()
    );
    let doc = store.documents.get("DOC1").unwrap().unwrap();
    assert_eq!(cw.case(&doc).unwrap(), case_before);

    // No session without its log-in, none ended without its log-out.
    let sessions_before = session_count(dir.path(), &store);
    assert!(
        staff
            .sessions
            .create_logged("eva", LoginMethod::Password, &staff.audit)
            .is_err()
    );
    assert_eq!(session_count(dir.path(), &store), sessions_before);
    let first = first_session(&store);
    assert!(
        staff
            .sessions
            .remove_logged(&first, "eva", &staff.audit)
            .is_err()
    );
    assert_eq!(session_count(dir.path(), &store), sessions_before);

    // A failed log-in that cannot be logged is an error for the caller (the page answers 500), not dropped.
    let guesser: IpAddr = "192.0.2.7".parse().unwrap();
    let t = 1_800_000_000;
    assert!(
        staff
            .failed_logins
            .record_at(guesser, "eva", Failure::Refused("fel lösenord"), t)
            .is_err()
    );
    assert_eq!(entries(&staff, LogKind::Document).len(), doc_log);
    assert_eq!(entries(&staff, LogKind::User).len(), user_log);
    store.flush().unwrap();
    drop((store, staff));

    // Repaired: the same actions go through, each with its entry, and the chains hold.
    let (store, staff) = with_closed_store(dir.path(), |db| {
        let heads = db.open_tree("log_heads").unwrap();
        for (key, bytes) in &saved {
            heads.insert(*key, bytes.clone()).unwrap();
        }
    });
    let eva = staff.accounts.get("eva").unwrap().unwrap();
    let cw = &staff.casework;
    cw.resume(&store, "DOC1", &eva).unwrap();
    cw.correct(
        &store,
        "DOC1",
        "patient.namn",
        Value::Text("BERG ANNIKA".into()),
        &eva,
    )
    .unwrap();
    cw.forward(&store, "DOC1", "03", "Bor i Uppsala", &eva)
        .unwrap();
    staff
        .failed_logins
        .record_at(guesser, "eva", Failure::Refused("fel lösenord"), t)
        .unwrap();
    let actions: Vec<String> = entries(&staff, LogKind::Document)
        .into_iter()
        .map(|x| x.action)
        .collect();
    assert_eq!(
        actions,
        ["put_aside", "resumed", "field_changed", "forwarded"]
    );
    let user: Vec<String> = entries(&staff, LogKind::User)
        .into_iter()
        .map(|x| x.action)
        .collect();
    assert_eq!(user, ["login", "login_failed"]);
    for kind in [LogKind::User, LogKind::Document] {
        assert_eq!(staff.audit.verify(kind).unwrap().first_broken, None);
    }
}

#[test]
fn failed_log_in_summaries_that_cannot_be_written_wait_for_the_next_window() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        staff
            .sessions
            .create_logged("eva", LoginMethod::Password, &staff.audit)
            .unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let guesser: IpAddr = "192.0.2.8".parse().unwrap();
    let t = 1_800_000_000; // on a window boundary
    for i in 0..10 {
        staff
            .failed_logins
            .record_at(guesser, "eva", Failure::Refused("fel"), t + i)
            .unwrap();
    }
    // The head damaged behind the service's back: sled's own handle, as a failing disk would be.
    let heads = blankett_heads(&store);
    let saved = heads.get("user").unwrap().unwrap();
    heads.insert("user", &b"{not json"[..]).unwrap();
    assert!(staff.failed_logins.flush_due_at(t + 600).is_err());
    heads.insert("user", saved).unwrap();
    // Nothing was dropped: the nine are in the next window's summary.
    for i in 0..3 {
        staff
            .failed_logins
            .record_at(guesser, "eva", Failure::Refused("fel"), t + 610 + i)
            .unwrap();
    }
    staff.failed_logins.flush_due_at(t + 1200).unwrap();
    let details: Vec<String> = entries(&staff, LogKind::User)
        .into_iter()
        .filter(|e| e.action == "login_failed")
        .map(|e| e.detail)
        .collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details[1].starts_with("ytterligare 12 misslyckade inloggningar från 192.0.2.8"),
        "{details:?}"
    );
    assert_eq!(
        staff.audit.verify(LogKind::User).unwrap().first_broken,
        None
    );
}

/// The heads tree of the store's own database handle.
fn blankett_heads(store: &Store) -> sled::Tree {
    store.db().open_tree("log_heads").unwrap()
}

fn session_count(_dir: &Path, store: &Store) -> usize {
    store.db().open_tree("sessions").unwrap().len()
}

fn first_session(store: &Store) -> String {
    let (k, _) = store
        .db()
        .open_tree("sessions")
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .unwrap();
    String::from_utf8(k.to_vec()).unwrap()
}

// ---------------------------------------------------------------- kill -9

const CHILD_ENV: &str = "BLANKETT_LOG_FAULTS_CHILD";

/// The child: works on one case and logs in and out, as fast as it can, until killed.
fn child_work(dir: &Path) -> ! {
    let store = Store::open(dir).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let eva = staff.accounts.get("eva").unwrap().unwrap();
    let cw = &staff.casework;
    let mut i = 0u64;
    loop {
        i += 1;
        let _ = cw.correct(
            &store,
            "DOC1",
            "patient.namn",
            Value::Text(format!("BERG ANNA {}", i % 97)),
            &eva,
        );
        let _ = cw.put_aside(&store, "DOC1", "Väntar", &eva);
        let _ = cw.resume(&store, "DOC1", &eva);
        let to = if i.is_multiple_of(2) { "01" } else { "03" };
        let _ = cw.forward(&store, "DOC1", to, "Flyttad", &eva);
        if let Ok(s) = staff
            .sessions
            .create_logged("eva", LoginMethod::Password, &staff.audit)
            && i.is_multiple_of(3)
        {
            let _ = staff.sessions.remove_logged(&s.id, "eva", &staff.audit);
        }
    }
}

#[test]
fn killed_at_any_moment_the_case_sessions_and_logs_agree() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child_work(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        caseworker(&staff, "eva", &["01", "03"]);
        store
            .documents
            .put(&document(
                "DOC1",
                Some("01"),
                "2026-01-10T08:00:00Z",
                RIGHT_PNR,
            ))
            .unwrap();
        store.flush().unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let mut rounds_with_work = 0;
    for round in 0..12u64 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "killed_at_any_moment_the_case_sessions_and_logs_agree",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Different moments each round: the kill lands in different writes.
        std::thread::sleep(Duration::from_millis(300 + round * 73 % 400));
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();

        let store = Store::open(dir.path()).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        for kind in [LogKind::User, LogKind::Document] {
            let v = staff.audit.verify(kind).unwrap();
            assert_eq!(v.first_broken, None, "round {round}: {kind:?} chain broken");
        }
        let doc = store.documents.get("DOC1").unwrap().unwrap();
        let case = staff.casework.case(&doc).unwrap();
        let log = entries(&staff, LogKind::Document);
        let count = |action: &str| log.iter().filter(|e| e.action == action).count();
        assert_eq!(
            case.changes.len(),
            count("field_changed"),
            "round {round}: every field change has its entry and no entry lacks its change"
        );
        assert_eq!(case.forwards.len(), count("forwarded"), "round {round}");
        let last_state_entry = log
            .iter()
            .rev()
            .find(|e| e.action == "put_aside" || e.action == "resumed")
            .map(|e| e.action.clone());
        let put_aside = matches!(case.state, CaseState::PutAside { .. });
        // A forward opens a case again without a `resumed` entry: only a put aside newer than the last forward
        // must show in the state.
        let last_forward = log.iter().rposition(|e| e.action == "forwarded");
        let last_put_aside = log.iter().rposition(|e| e.action == "put_aside");
        let last_resumed = log.iter().rposition(|e| e.action == "resumed");
        let should_be_aside = last_put_aside > last_forward.max(last_resumed);
        assert_eq!(
            put_aside, should_be_aside,
            "round {round}: state {:?}, last entry {last_state_entry:?}",
            case.state
        );
        let user = entries(&staff, LogKind::User);
        let logins = user.iter().filter(|e| e.action == "login").count();
        let logouts = user.iter().filter(|e| e.action == "logout").count();
        assert_eq!(
            session_count(dir.path(), &store),
            logins - logouts,
            "round {round}: every session has its log-in, every log-out ended one"
        );
        if !case.changes.is_empty() {
            rounds_with_work += 1;
        }
    }
    assert!(rounds_with_work > 0, "the child never got any work done");
}
