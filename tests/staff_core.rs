//! The staff side's model on a real sled database in a temporary folder: log-in and throttling, SITHS
//! identities, sessions, the hash-chained logs and their tampering, region scope, corrections, registration
//! with gap-free diarienummer under concurrency, queues and exports.

use blankett::forms::Registry;
use blankett::staff::accounts::{
    Account, AccountKind, AccountStatus, LoginError, NewAccount, Role,
};
use blankett::staff::case::{CaseState, Registration};
use blankett::staff::failed_logins::{Failure, MAX_PAIRS_PER_WINDOW};
use blankett::staff::readiness::ObstacleKind;
use blankett::staff::sessions::{LoginMethod, tokens_match};
use blankett::staff::siths::CertIdentity;
use blankett::staff::{Settings, Staff, StaffError, export};
use blankett::store::Store;
use blankett::store::audit::{self, LogFilter, LogKind};
use blankett::store::documents::{
    Document, DocumentPage, DocumentStatus, PageRef, StoredField, Suggestion, Value,
};
use blankett::store::documents::{PixelBox, Source};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const PASSWORD: &str = "korrekt-hast-batteri";
const WRONG_PNR: &str = "19811218987";
const RIGHT_PNR: &str = "198112189876";

struct Env {
    dir: TempDir,
    store: Store,
    staff: Staff,
}

fn env_with(settings: Settings) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let staff = Staff::open(&store, settings).unwrap();
    Env { dir, store, staff }
}

fn env() -> Env {
    env_with(Settings::default())
}

fn add(
    staff: &Staff,
    username: &str,
    kind: AccountKind,
    roles: &[Role],
    regions: &[&str],
    hsa_id: Option<&str>,
) -> Account {
    staff
        .accounts
        .add(NewAccount {
            username: username.into(),
            display_name: format!("Testperson {username}"),
            hsa_id: hsa_id.map(str::to_string),
            kind,
            roles: roles.to_vec(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            password: Some(PASSWORD.into()),
            approved_by: Some("admin".into()),
        })
        .unwrap()
}

fn handlaggare(staff: &Staff, username: &str, region: &str) -> Account {
    add(
        staff,
        username,
        AccountKind::Personal,
        &[Role::Handlaggare],
        &[region],
        None,
    )
}

fn text(t: &str) -> Value {
    Value::Text(t.into())
}

fn ticked(t: &[&str]) -> Value {
    Value::Ticked(t.iter().map(|s| s.to_string()).collect())
}

/// Plausible values as read from a klinisk form; the personnummer lacks its last digit.
fn klinisk_values(pnr: &str, disease: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("anmalan.typ", ticked(&["nytt_fall"])),
        ("sjukdom.diagnos", ticked(&[disease])),
        ("patient.identitetstyp", ticked(&["personnummer"])),
        ("patient.personnummer", text(pnr)),
        ("patient.kon", ticked(&["kvinna"])),
        ("patient.namn", text("BERG ANNA")),
        ("patient.postnummer", text("11122")),
        ("patient.postort", text("STOCKHOLM")),
        ("sjukdom.insjukningsdatum", text("20250103")),
        ("sjukdom.diagnosdatum", text("20250107")),
        ("smitta.land", text("SVERIGE")),
        ("smitta.vag", ticked(&["livsmedel", "vatten"])),
        ("rapportor.namn", text("LUND PER")),
        ("rapportor.datum", text("20250108")),
    ]
}

fn document(key: &str, region: Option<&str>, created_at: &str, pnr: &str) -> Document {
    let form = Registry::embedded().get("klinisk", None).unwrap();
    let pages_total = form.page_count() as u32;
    let pages = (1..=pages_total)
        .map(|p| {
            (
                p,
                DocumentPage {
                    page: p,
                    template: format!("{}.{p}", form.code),
                    source: PageRef {
                        scan: "ab12".into(),
                        index: p as usize - 1,
                    },
                    residual_mm: Some(0.3),
                    orientation: 0,
                    ink: vec![],
                    features: None,
                },
            )
        })
        .collect();
    let fields = klinisk_values(pnr, "salmonella")
        .into_iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                StoredField {
                    form: "klinisk".into(),
                    page: 1,
                    value,
                    confidence: 0.97,
                    read_confidence: 0.97,
                    source: Source::Handwriting,
                    crop: PixelBox {
                        x: 10,
                        y: 10,
                        w: 100,
                        h: 20,
                    },
                    notes: vec![],
                    suggestion: None,
                },
            )
        })
        .collect();
    Document {
        key: key.into(),
        form_id: key.into(),
        form: "klinisk".into(),
        version: form.version(),
        pages_total,
        pages,
        fields,
        region: region.map(str::to_string),
        status: DocumentStatus::Pending,
        flags: vec![],
        created_at: created_at.into(),
        updated_at: created_at.into(),
    }
}

fn put(e: &Env, key: &str, region: Option<&str>) -> Document {
    let doc = document(key, region, "2026-01-10T08:00:00Z", WRONG_PNR);
    e.store.documents.put(&doc).unwrap();
    doc
}

/// A document whose every check passes and whose every field was read surely: registrable as it stands.
fn put_clean(e: &Env, key: &str, region: Option<&str>) -> Document {
    let doc = document(key, region, "2026-01-10T08:00:00Z", RIGHT_PNR);
    e.store.documents.put(&doc).unwrap();
    doc
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StaffError>) -> bool {
    matches!(r, Err(StaffError::NotFound))
}

// ---------------------------------------------------------------- accounts

#[test]
fn password_login_right_wrong_and_unknown_user() {
    let e = env();
    add(
        &e.staff,
        "Anna.Berg",
        AccountKind::Personal,
        &[Role::Handlaggare],
        &["1"],
        None,
    );
    let account = e.staff.accounts.get("anna.berg").unwrap().unwrap();
    assert_eq!(account.regions, vec!["01"]);
    assert!(
        account
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );

    let ok = e
        .staff
        .accounts
        .login_password("ANNA.BERG", PASSWORD)
        .unwrap();
    assert_eq!(ok.username, "anna.berg");
    assert_eq!(
        e.staff.accounts.login_password("anna.berg", "fel-lösenord"),
        Err(LoginError::WrongPassword)
    );
    assert_eq!(
        e.staff.accounts.login_password("ingen.alls", PASSWORD),
        Err(LoginError::WrongPassword)
    );

    // An unknown name costs an Argon2 verification too: the answer time does not tell names apart.
    let fastest = |user: &str| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                let _ = e.staff.accounts.login_password(user, "fel-lösenord");
                t.elapsed()
            })
            .min()
            .unwrap()
    };
    let wrong = fastest("anna.berg");
    let unknown = fastest("okand.person");
    eprintln!("login with wrong password {wrong:?}, with unknown user {unknown:?}");
    assert!(
        unknown * 4 >= wrong,
        "unknown user {unknown:?} much faster than wrong password {wrong:?}"
    );

    // Names are unique, lower-cased.
    let again = e.staff.accounts.add(NewAccount {
        username: "ANNA.BERG".into(),
        display_name: "Anna".into(),
        hsa_id: None,
        kind: AccountKind::Personal,
        roles: vec![Role::Handlaggare],
        regions: vec!["01".into()],
        password: Some(PASSWORD.into()),
        approved_by: None,
    });
    assert!(matches!(again, Err(StaffError::Conflict(_))));
}

#[test]
fn argon2_hash_time() {
    let t = Instant::now();
    let hash = blankett::staff::accounts::hash_password(PASSWORD).unwrap();
    let elapsed = t.elapsed();
    eprintln!("one Argon2id hash (default parameters): {elapsed:?}: {hash}");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

#[test]
fn a_guesser_cannot_lock_out_the_owner() {
    let e = env_with(Settings {
        max_failed_logins: 3,
        ..Settings::default()
    });
    let accounts = &e.staff.accounts;
    let throttle = &e.staff.throttle;
    handlaggare(&e.staff, "eva", "01");
    let guesser: IpAddr = "192.0.2.66".parse().unwrap();
    let owner: IpAddr = "198.51.100.7".parse().unwrap();

    // The accounts never lock a name: after many wrong passwords the right one still logs in.
    for _ in 0..6 {
        assert_eq!(
            accounts.login_password("eva", "fel-lösenord"),
            Err(LoginError::WrongPassword)
        );
    }
    assert!(accounts.login_password("eva", PASSWORD).is_ok());

    // The throttle blocks the guesser's address for this name after three failures, not the owner's.
    let t0 = Instant::now();
    assert_eq!(throttle.failed_at(guesser, "eva", t0), None);
    assert_eq!(throttle.failed_at(guesser, "eva", t0), None);
    assert_eq!(
        throttle.failed_at(guesser, "eva", t0),
        Some(Duration::from_secs(30))
    );
    assert!(throttle.check_at(guesser, "eva", t0).is_err());
    assert!(throttle.check_at(owner, "eva", t0).is_ok());
    // A name nobody has is throttled the same way, so throttling does not reveal which names exist.
    for _ in 0..2 {
        assert_eq!(throttle.failed_at(guesser, "ingen", t0), None);
    }
    assert!(throttle.failed_at(guesser, "ingen", t0).is_some());
}

#[test]
fn failed_log_ins_grow_the_user_log_by_a_bounded_number_of_entries() {
    let e = env_with(Settings {
        login_log_window: Duration::from_secs(600),
        ..Settings::default()
    });
    let log = &e.staff.failed_logins;
    let entries = || {
        e.staff
            .audit
            .entries(LogKind::User, &LogFilter::default())
            .unwrap()
    };
    let before = entries().len();
    let guesser: IpAddr = "192.0.2.66".parse().unwrap();
    let t = 1_800_000_000; // on a window boundary
    for i in 0..200 {
        let failure = if i < 5 {
            Failure::Refused("fel användarnamn eller lösenord")
        } else {
            Failure::WhileBlocked
        };
        log.record_at(guesser, "eva", failure, t + i).unwrap();
    }
    // The first failure at once, so that an admin sees the attack while it lasts.
    let now = entries();
    assert_eq!(now.len(), before + 1);
    assert!(now[before].detail.contains("från 192.0.2.66"), "{now:?}");
    // The rest as one entry when the window closes.
    log.flush_due_at(t + 600).unwrap();
    let after = entries();
    assert_eq!(after.len(), before + 2);
    let summary = &after[before + 1];
    assert_eq!(
        (summary.actor.as_str(), summary.action.as_str()),
        ("eva", "login_failed")
    );
    assert!(
        summary
            .detail
            .contains("ytterligare 199 misslyckade inloggningar från 192.0.2.66")
            && summary.detail.contains("195 av alla avvisade under spärr"),
        "{}",
        summary.detail
    );

    // Many addresses and names in one window: at most 2 x 50 + 1 entries.
    let t = t + 1200;
    for i in 0..3000u32 {
        let client = IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        for _ in 0..2 {
            log.record_at(client, &format!("namn{i}"), Failure::Refused("fel"), t)
                .unwrap();
        }
    }
    log.flush_due_at(t + 600).unwrap();
    let grown = entries().len() - after.len();
    assert_eq!(grown, 2 * MAX_PAIRS_PER_WINDOW + 1);
    let last = entries().pop().unwrap();
    assert!(
        last.detail
            .starts_with("5900 misslyckade inloggningar från 2950 adresser med 2950 användarnamn"),
        "{}",
        last.detail
    );
    assert_eq!(
        e.staff.audit.verify(LogKind::User).unwrap().first_broken,
        None
    );
}

#[test]
fn approval_and_deactivation_are_told_only_with_the_right_password() {
    let e = env();
    let accounts = &e.staff.accounts;
    let new = accounts
        .add(NewAccount {
            username: "ny.person".into(),
            display_name: "Ny Person".into(),
            hsa_id: None,
            kind: AccountKind::Personal,
            roles: vec![Role::Handlaggare],
            regions: vec!["14".into()],
            password: Some(PASSWORD.into()),
            approved_by: None,
        })
        .unwrap();
    assert_eq!(new.status, AccountStatus::AwaitingApproval);
    assert_eq!(
        accounts.login_password("ny.person", "fel-lösenord"),
        Err(LoginError::WrongPassword)
    );
    assert_eq!(
        accounts.login_password("ny.person", PASSWORD),
        Err(LoginError::NotApproved)
    );

    let approved = accounts
        .set_status("ny.person", AccountStatus::Active, "admin")
        .unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("admin"));
    assert!(accounts.login_password("ny.person", PASSWORD).is_ok());

    let session = e
        .staff
        .sessions
        .create("ny.person", LoginMethod::Password)
        .unwrap();
    let idle = Duration::from_secs(600);
    assert!(e.staff.sessions.get(&session.id, idle).unwrap().is_some());
    accounts
        .set_status("ny.person", AccountStatus::Inactive, "admin")
        .unwrap();
    assert!(
        e.staff.sessions.get(&session.id, idle).unwrap().is_none(),
        "deactivating ends the sessions"
    );
    assert_eq!(
        accounts.login_password("ny.person", "fel-lösenord"),
        Err(LoginError::WrongPassword)
    );
    assert_eq!(
        accounts.login_password("ny.person", PASSWORD),
        Err(LoginError::Inactive)
    );

    // A new password ends sessions too, and the old one stops working.
    accounts
        .set_status("ny.person", AccountStatus::Active, "admin")
        .unwrap();
    let session = e
        .staff
        .sessions
        .create("ny.person", LoginMethod::Password)
        .unwrap();
    accounts
        .set_password("ny.person", "ett-annat-langt-losen")
        .unwrap();
    assert!(e.staff.sessions.get(&session.id, idle).unwrap().is_none());
    assert_eq!(
        accounts.login_password("ny.person", PASSWORD),
        Err(LoginError::WrongPassword)
    );
    assert!(
        accounts
            .login_password("ny.person", "ett-annat-langt-losen")
            .is_ok()
    );
    assert!(matches!(
        accounts.set_password("ny.person", "kort"),
        Err(StaffError::Invalid(_))
    ));
}

#[test]
fn certificate_identities() {
    let e = env();
    let accounts = &e.staff.accounts;
    add(
        &e.staff,
        "lisa",
        AccountKind::Personal,
        &[Role::Handlaggare],
        &["01"],
        Some("SE2321000016-1003"),
    );
    let ok = accounts
        .login_certificate(&CertIdentity::HsaId("SE2321000016-1003".into()))
        .unwrap();
    assert_eq!(ok.username, "lisa");
    assert_eq!(
        accounts.login_certificate(&CertIdentity::HsaId("SE2321000016-9999".into())),
        Err(LoginError::UnknownHsaId("SE2321000016-9999".into()))
    );
    assert_eq!(
        accounts.login_certificate(&CertIdentity::Personnummer),
        Err(LoginError::PersonnummerCertificate)
    );
    assert_eq!(
        accounts.login_certificate(&CertIdentity::Missing),
        Err(LoginError::NoHsaId)
    );
    accounts
        .set_status("lisa", AccountStatus::Inactive, "admin")
        .unwrap();
    assert_eq!(
        accounts.login_certificate(&CertIdentity::HsaId("SE2321000016-1003".into())),
        Err(LoginError::Inactive)
    );
    // One HSA-id, one account.
    let taken = accounts.add(NewAccount {
        username: "lisa2".into(),
        display_name: "Lisa".into(),
        hsa_id: Some("se2321000016-1003".into()),
        kind: AccountKind::Personal,
        roles: vec![Role::Handlaggare],
        regions: vec!["01".into()],
        password: None,
        approved_by: Some("admin".into()),
    });
    assert!(matches!(taken, Err(StaffError::Conflict(_))));
}

// ---------------------------------------------------------------- sessions

#[test]
fn sessions_expire_when_idle_and_tokens_compare() {
    let e = env();
    let sessions = &e.staff.sessions;
    let a = sessions.create("eva", LoginMethod::Password).unwrap();
    let b = sessions.create("eva", LoginMethod::Siths).unwrap();
    for token in [&a.id, &a.csrf, &b.id, &b.csrf] {
        assert_eq!(token.len(), 64);
        assert!(token.bytes().all(|c| c.is_ascii_hexdigit()));
    }
    assert_ne!(a.id, b.id);
    assert_ne!(a.id, a.csrf);

    let got = sessions
        .get(&a.id, Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert_eq!(got.username, "eva");
    assert!(
        sessions
            .get("not-a-session", Duration::from_secs(60))
            .unwrap()
            .is_none()
    );

    std::thread::sleep(Duration::from_millis(2100));
    assert!(
        sessions
            .get(&a.id, Duration::from_secs(1))
            .unwrap()
            .is_none()
    );
    // An expired session is gone, not only hidden.
    assert!(
        sessions
            .get(&a.id, Duration::from_secs(3600))
            .unwrap()
            .is_none()
    );
    assert!(
        sessions
            .get(&b.id, Duration::from_secs(3600))
            .unwrap()
            .is_some()
    );
    sessions.remove(&b.id).unwrap();
    assert!(
        sessions
            .get(&b.id, Duration::from_secs(3600))
            .unwrap()
            .is_none()
    );

    assert!(tokens_match(&a.csrf, &a.csrf.clone()));
    assert!(!tokens_match(&a.csrf, &b.csrf));
    assert!(!tokens_match(&a.csrf, &a.csrf[..63]));
    assert!(!tokens_match("", ""));
}

// ---------------------------------------------------------------- audit

fn reopen_tree<F: FnOnce(&sled::Tree)>(e: Env, tree: &str, f: F) -> Env {
    e.store.flush().unwrap();
    let Env { dir, store, staff } = e;
    drop(staff);
    drop(store);
    {
        let store = Store::open(dir.path()).unwrap();
        f(&store.db().open_tree(tree).unwrap());
        store.db().flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    Env { dir, store, staff }
}

fn first_broken(e: &Env) -> Option<u64> {
    e.staff.audit.verify(LogKind::User).unwrap().first_broken
}

#[test]
fn audit_chain_verifies_and_tampering_is_found() {
    let mut e = env();
    for i in 1..=5 {
        e.staff
            .audit
            .append(
                LogKind::User,
                "eva",
                if i % 2 == 0 { "opened" } else { "login" },
                (i % 2 == 0).then_some("KAXXXX"),
                Some(if i == 4 { "03" } else { "01" }),
                &format!("händelse {i}"),
            )
            .unwrap();
    }
    let v = e.staff.audit.verify(LogKind::User).unwrap();
    assert_eq!((v.entries, v.first_broken), (5, None));
    assert_eq!(e.staff.audit.verify(LogKind::Document).unwrap().entries, 0);

    // Filters.
    let audit = &e.staff.audit;
    let opened = audit
        .entries(
            LogKind::User,
            &LogFilter {
                action: Some("opened".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(opened.iter().map(|x| x.seq).collect::<Vec<_>>(), [2, 4]);
    let region01 = audit
        .entries(
            LogKind::User,
            &LogFilter {
                regions: Some(vec!["01".into()]),
                limit: Some(2),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(region01.iter().map(|x| x.seq).collect::<Vec<_>>(), [3, 5]);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let dated = LogFilter {
        from: Some(today.clone()),
        to: Some(today),
        ..LogFilter::default()
    };
    assert_eq!(audit.entries(LogKind::User, &dated).unwrap().len(), 5);
    let past = LogFilter {
        to: Some("2020-01-01".into()),
        ..LogFilter::default()
    };
    assert!(audit.entries(LogKind::User, &past).unwrap().is_empty());

    let key = |seq: u64| seq.to_be_bytes();
    let mut original = Vec::new();
    // A changed detail.
    e = reopen_tree(e, audit::USER_TREE, |t| {
        let bytes = t.get(key(3)).unwrap().unwrap();
        original = bytes.to_vec();
        let mut entry: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        entry["detail"] = "något annat".into();
        t.insert(key(3), serde_json::to_vec(&entry).unwrap())
            .unwrap();
    });
    assert_eq!(first_broken(&e), Some(3));
    // Put back: whole again.
    let saved = original.clone();
    e = reopen_tree(e, audit::USER_TREE, |t| {
        t.insert(key(3), saved).unwrap();
    });
    assert_eq!(first_broken(&e), None);

    // An entry removed in the middle.
    e = reopen_tree(e, audit::USER_TREE, |t| {
        original = t.remove(key(2)).unwrap().unwrap().to_vec();
    });
    let v = e.staff.audit.verify(LogKind::User).unwrap();
    assert_eq!((v.entries, v.first_broken), (4, Some(2)));
    let saved = original.clone();
    e = reopen_tree(e, audit::USER_TREE, |t| {
        t.insert(key(2), saved).unwrap();
    });
    assert_eq!(first_broken(&e), None);

    // The newest entry removed.
    e = reopen_tree(e, audit::USER_TREE, |t| {
        t.remove(key(5)).unwrap();
    });
    assert_eq!(first_broken(&e), Some(5));
}

#[test]
fn concurrent_appends_form_one_chain() {
    let e = env();
    std::thread::scope(|s| {
        for t in 0..4 {
            let audit = e.staff.audit.clone();
            s.spawn(move || {
                for i in 0..50 {
                    audit
                        .append(
                            LogKind::Document,
                            "intake",
                            "taken_in",
                            None,
                            None,
                            &format!("{t}/{i}"),
                        )
                        .unwrap();
                }
            });
        }
        // A second Audit opened on the same store, as the intake pipeline does, joins the same chain.
        let other = audit::Audit::open(&e.store).unwrap();
        s.spawn(move || {
            for i in 0..50 {
                other
                    .append(
                        LogKind::Document,
                        "intake",
                        "taken_in",
                        None,
                        None,
                        &format!("x/{i}"),
                    )
                    .unwrap();
            }
        });
    });
    let v = e.staff.audit.verify(LogKind::Document).unwrap();
    assert_eq!((v.entries, v.first_broken), (250, None));
}

// ---------------------------------------------------------------- region scope

#[test]
fn documents_of_another_region_do_not_exist() {
    let e = env();
    let cw = &e.staff.casework;
    let s = &e.store;
    let stockholm = handlaggare(&e.staff, "sthlm", "01");
    let uppsala = handlaggare(&e.staff, "upps", "03");
    put(&e, "DOC03", Some("03"));

    assert!(cw.open(s, "DOC03", &uppsala).is_ok());
    assert!(not_found(cw.open(s, "DOC03", &stockholm)));
    assert!(not_found(cw.open(s, "NOSUCHDOC", &stockholm)));
    assert!(not_found(cw.correct(
        s,
        "DOC03",
        "patient.personnummer",
        text(RIGHT_PNR),
        &stockholm
    )));
    assert!(not_found(cw.register(s, "DOC03", &stockholm)));
    assert!(not_found(cw.forward(
        s,
        "DOC03",
        "01",
        "fel region",
        &stockholm
    )));
    assert!(not_found(cw.reject(s, "DOC03", "skäl", &stockholm)));
    assert!(not_found(cw.put_aside(s, "DOC03", "skäl", &stockholm)));
    let queue = |a: &Account| e.staff.queues(s).pending(a).unwrap();
    assert!(queue(&stockholm).is_empty());
    assert_eq!(queue(&uppsala).len(), 1);

    // Forwarded from 03 to 01: the case moves.
    let case = cw
        .forward(
            s,
            "DOC03",
            "1",
            "Patienten är folkbokförd i Stockholm",
            &uppsala,
        )
        .unwrap();
    assert_eq!(case.region.as_deref(), Some("01"));
    assert_eq!(case.state, CaseState::Open);
    assert_eq!(case.forwards[0].from.as_deref(), Some("03"));
    assert!(cw.open(s, "DOC03", &stockholm).is_ok());
    assert!(not_found(cw.open(s, "DOC03", &uppsala)));
    assert_eq!(queue(&stockholm).len(), 1);
    assert!(queue(&uppsala).is_empty());
    assert!(matches!(
        cw.forward(s, "DOC03", "01", "igen", &stockholm),
        Err(StaffError::Invalid(_))
    ));
    assert!(matches!(
        cw.forward(s, "DOC03", "02", "ingen sådan region", &stockholm),
        Err(StaffError::Invalid(_))
    ));
    assert!(matches!(
        cw.forward(s, "DOC03", "03", "  ", &stockholm),
        Err(StaffError::Invalid(_))
    ));

    // No region: admins only.
    put(&e, "NOREGION", None);
    let admin = add(
        &e.staff,
        "admin",
        AccountKind::Personal,
        &[Role::Admin],
        &["01"],
        None,
    );
    assert!(not_found(cw.open(s, "NOREGION", &stockholm)));
    assert!(cw.open(s, "NOREGION", &admin).is_ok());

    // Every action is in the document log, with its region.
    let forwarded = e
        .staff
        .audit
        .entries(
            LogKind::Document,
            &LogFilter {
                action: Some("forwarded".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(forwarded.len(), 1);
    assert_eq!(forwarded[0].actor, "upps");
    assert!(forwarded[0].detail.starts_with("03 -> 01: "));
    let opened = e
        .staff
        .audit
        .entries(
            LogKind::User,
            &LogFilter {
                action: Some("opened".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(opened.len(), 3);
}

// ---------------------------------------------------------------- corrections, registration

#[test]
fn group_accounts_cannot_register() {
    let e = env();
    let group = add(
        &e.staff,
        "smittskydd.grupp",
        AccountKind::Group,
        &[Role::Handlaggare],
        &["01"],
        None,
    );
    put(&e, "DOC1", Some("01"));
    match e.staff.casework.register(&e.store, "DOC1", &group) {
        Err(StaffError::Forbidden(msg)) => assert!(msg.contains("gruppkonto")),
        other => panic!("expected Forbidden, got {other:?}"),
    }
    // It may prepare the notification.
    e.staff
        .casework
        .correct(
            &e.store,
            "DOC1",
            "patient.personnummer",
            text(RIGHT_PNR),
            &group,
        )
        .unwrap();
    let person = handlaggare(&e.staff, "eva", "01");
    assert!(e.staff.casework.register(&e.store, "DOC1", &person).is_ok());
}

#[test]
fn corrections_keep_both_values_and_the_change() {
    let e = env();
    let cw = &e.staff.casework;
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    put(&e, "DOC1", Some("01"));

    let case = cw
        .correct(
            s,
            "DOC1",
            "patient.personnummer",
            text("19811218-9876"),
            &eva,
        )
        .unwrap();
    assert_eq!(case.corrections["patient.personnummer"], text(RIGHT_PNR));
    let change = &case.changes[0];
    assert_eq!(
        (&change.field, &change.old, &change.new, change.by.as_str()),
        (
            &"patient.personnummer".to_string(),
            &text(WRONG_PNR),
            &text(RIGHT_PNR),
            "eva"
        )
    );
    assert!(change.at.starts_with("20"));
    let logged = e
        .staff
        .audit
        .entries(
            LogKind::Document,
            &LogFilter {
                action: Some("field_changed".into()),
                document: Some("DOC1".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(
        logged[0].detail,
        format!("patient.personnummer: \"{WRONG_PNR}\" -> \"{RIGHT_PNR}\"")
    );

    // Refused: wrong kind, unknown option, unknown field, a value that fails the field's check.
    let invalid = |field: &str, value: Value| {
        matches!(
            cw.correct(s, "DOC1", field, value, &eva),
            Err(StaffError::Invalid(_))
        )
    };
    assert!(invalid("patient.personnummer", ticked(&["x"])));
    assert!(invalid("anmalan.typ", text("nytt_fall")));
    assert!(invalid("anmalan.typ", ticked(&["gammalt_fall"])));
    assert!(invalid(
        "anmalan.typ",
        ticked(&["nytt_fall", "kompletterande"])
    ));
    assert!(invalid("patient.skostorlek", text("42")));
    assert!(invalid("patient.personnummer", text("198112189875")));
    // A choice, and a field nothing was read in, can be corrected.
    cw.correct(s, "DOC1", "smitta.vag", ticked(&["vatten"]), &eva)
        .unwrap();
    cw.correct(s, "DOC1", "patient.telefon", text("0701234567"), &eva)
        .unwrap();
    // The same value again changes nothing.
    let case = cw
        .correct(s, "DOC1", "smitta.vag", ticked(&["vatten"]), &eva)
        .unwrap();
    assert_eq!(case.changes.len(), 3);

    let reg = cw.register(s, "DOC1", &eva).unwrap();
    assert_eq!(reg.values_read["patient.personnummer"], text(WRONG_PNR));
    assert_eq!(
        reg.values_registered["patient.personnummer"],
        text(RIGHT_PNR)
    );
    assert_eq!(reg.values_registered["smitta.vag"], ticked(&["vatten"]));
    assert_eq!(reg.values_registered["patient.telefon"], text("0701234567"));
    assert_eq!(reg.values_read["patient.namn"], text("BERG ANNA"));
    assert_eq!(reg.changes.len(), 3);
    assert_eq!(reg.registered_by, "eva");
    assert_eq!(reg.received_at, "2026-01-10T08:00:00Z");
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(reg.diarienummer, format!("SMI-01-{year}-00001"));
    assert_eq!(
        cw.registration(&reg.diarienummer).unwrap(),
        Some(reg.clone())
    );

    // Registered: nothing more to do with it.
    for r in [
        cw.register(s, "DOC1", &eva).map(|_| ()),
        cw.correct(s, "DOC1", "patient.namn", text("BERG ANN"), &eva)
            .map(|_| ()),
        cw.reject(s, "DOC1", "dubblett", &eva).map(|_| ()),
        cw.forward(s, "DOC1", "03", "fel region", &eva).map(|_| ()),
    ] {
        assert!(matches!(r, Err(StaffError::Conflict(_))), "{r:?}");
    }
    let (_, case) = cw.open(s, "DOC1", &eva).unwrap();
    assert!(matches!(case.state, CaseState::Registered { .. }));
}

#[test]
fn setting_a_value_back_removes_the_correction_but_keeps_the_record() {
    let e = env();
    let eva = handlaggare(&e.staff, "eva", "01");
    put(&e, "DOC1", Some("01"));
    let cw = &e.staff.casework;
    cw.correct(&e.store, "DOC1", "patient.namn", text("BERG ANNIKA"), &eva)
        .unwrap();
    let case = cw
        .correct(&e.store, "DOC1", "patient.namn", text("BERG ANNA"), &eva)
        .unwrap();
    assert!(case.corrections.is_empty());
    assert_eq!(case.changes.len(), 2);
    assert_eq!(case.changes[1].old, text("BERG ANNIKA"));
}

#[test]
fn states_reasons_and_missing_pages() {
    let e = env();
    let cw = &e.staff.casework;
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");

    let mut doc = document("HALF", Some("01"), "2026-01-10T08:00:00Z", RIGHT_PNR);
    doc.pages.remove(&2);
    doc.status = DocumentStatus::Incomplete;
    s.documents.put(&doc).unwrap();
    match cw.register(s, "HALF", &eva) {
        Err(StaffError::Conflict(msg)) => assert!(msg.contains("saknar sidor")),
        other => panic!("expected Conflict, got {other:?}"),
    }

    put(&e, "DOC2", Some("01"));
    assert!(matches!(
        cw.reject(s, "DOC2", " ", &eva),
        Err(StaffError::Invalid(_))
    ));
    let case = cw
        .put_aside(s, "DOC2", "Väntar på svar från läkaren", &eva)
        .unwrap();
    assert!(matches!(case.state, CaseState::PutAside { .. }));
    // Put aside, it may still be corrected and then resumed.
    cw.correct(s, "DOC2", "patient.namn", text("BERG ANNIKA"), &eva)
        .unwrap();
    assert_eq!(cw.resume(s, "DOC2", &eva).unwrap().state, CaseState::Open);
    let case = cw.reject(s, "DOC2", "Inte en anmälan", &eva).unwrap();
    assert!(
        matches!(case.state, CaseState::Rejected { ref reason, .. } if reason == "Inte en anmälan")
    );
    assert!(matches!(
        cw.register(s, "DOC2", &eva),
        Err(StaffError::Conflict(_))
    ));
    let actions: Vec<String> = e
        .staff
        .audit
        .entries(LogKind::Document, &LogFilter::default())
        .unwrap()
        .into_iter()
        .map(|x| x.action)
        .collect();
    assert_eq!(
        actions,
        ["put_aside", "field_changed", "resumed", "rejected"]
    );
}

#[test]
fn concurrent_registrations_give_gap_free_numbers_per_region() {
    let e = env();
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    let upps = handlaggare(&e.staff, "upps", "03");
    for t in 0..8 {
        for i in 0..100 {
            put_clean(&e, &format!("S{t}-{i:03}"), Some("01"));
        }
    }
    for i in 0..5 {
        put_clean(&e, &format!("U{i}"), Some("03"));
    }
    let registered: Vec<Registration> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for t in 0..8 {
            let (cw, eva) = (&e.staff.casework, &eva);
            handles.push(scope.spawn(move || {
                (0..100)
                    .map(|i| cw.register(s, &format!("S{t}-{i:03}"), eva).unwrap())
                    .collect::<Vec<_>>()
            }));
        }
        let (cw, upps) = (&e.staff.casework, &upps);
        handles.push(scope.spawn(move || {
            (0..5)
                .map(|i| cw.register(s, &format!("U{i}"), upps).unwrap())
                .collect()
        }));
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut numbers: Vec<u64> = registered
        .iter()
        .filter(|r| r.region == "01")
        .map(|r| r.number)
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=800).collect::<Vec<u64>>());
    let distinct: std::collections::BTreeSet<&str> =
        registered.iter().map(|r| r.diarienummer.as_str()).collect();
    assert_eq!(distinct.len(), 805);
    let mut uppsala: Vec<u64> = registered
        .iter()
        .filter(|r| r.region == "03")
        .map(|r| r.number)
        .collect();
    uppsala.sort();
    assert_eq!(uppsala, [1, 2, 3, 4, 5]);

    let today = time::OffsetDateTime::now_utc().date().to_string();
    let listed = e
        .staff
        .casework
        .registrations("01", &today, &today)
        .unwrap();
    assert_eq!(listed.len(), 800);
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].registered_at <= w[1].registered_at)
    );
    assert_eq!(
        e.staff
            .casework
            .registrations("03", &today, &today)
            .unwrap()
            .len(),
        5
    );
    assert!(
        e.staff
            .casework
            .registrations("01", "2020-01-01", "2020-12-31")
            .unwrap()
            .is_empty()
    );
    // Every registration has its log entry, written in the same transaction, and the chain holds.
    let logged = e
        .staff
        .audit
        .entries(
            LogKind::Document,
            &LogFilter {
                action: Some("registered".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    let logged: std::collections::BTreeSet<&str> =
        logged.iter().map(|x| x.detail.as_str()).collect();
    assert_eq!(logged, distinct);
    let v = e.staff.audit.verify(LogKind::Document).unwrap();
    assert_eq!((v.entries, v.first_broken), (805, None));
}

// ---------------------------------------------------------------- registration needs a clean document

fn obstacles_of(r: Result<Registration, StaffError>) -> Vec<(String, ObstacleKind)> {
    match r {
        Err(StaffError::NotReady(list)) => list.into_iter().map(|o| (o.field, o.kind)).collect(),
        other => panic!("expected NotReady, got {other:?}"),
    }
}

#[test]
fn registering_is_refused_until_checks_pass_or_stand_with_a_reason_and_doubt_is_looked_at() {
    let e = env();
    let cw = &e.staff.casework;
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    let mut doc = document("DOC1", Some("01"), "2026-01-10T08:00:00Z", WRONG_PNR);
    doc.fields.get_mut("patient.namn").unwrap().confidence = 0.45;
    doc.fields
        .get_mut("rapportor.namn")
        .unwrap()
        .notes
        .push("två läsare läste olika".into());
    s.documents.put(&doc).unwrap();

    // A failed check and two fields in doubt: refused, each field named with its reason.
    let refused = obstacles_of(cw.register(s, "DOC1", &eva));
    assert_eq!(
        refused,
        [
            (
                "patient.personnummer".to_string(),
                ObstacleKind::FailedCheck
            ),
            ("patient.namn".to_string(), ObstacleKind::Unreviewed),
            ("rapportor.namn".to_string(), ObstacleKind::Unreviewed),
        ]
    );
    let message = cw.register(s, "DOC1", &eva).unwrap_err().to_string();
    assert!(message.contains("kan inte registreras"), "{message}");
    assert!(message.contains("Nummer"), "{message}");
    assert_eq!(
        e.staff.queues(s).pending(&eva).unwrap()[0].fields_to_check,
        3
    );

    // Looking at the two in doubt leaves the failed check; looking at it does not make it pass.
    cw.review(
        s,
        "DOC1",
        &[
            "patient.namn".into(),
            "rapportor.namn".into(),
            "patient.personnummer".into(),
        ],
        &eva,
    )
    .unwrap();
    assert!(matches!(
        cw.review(s, "DOC1", &["patient.skostorlek".into()], &eva),
        Err(StaffError::Invalid(_))
    ));
    let refused = obstacles_of(cw.register(s, "DOC1", &eva));
    assert_eq!(
        refused,
        [(
            "patient.personnummer".to_string(),
            ObstacleKind::FailedCheck
        )]
    );
    assert_eq!(
        e.staff.queues(s).pending(&eva).unwrap()[0].fields_to_check,
        1
    );

    // Letting it stand needs a reason; a field without a failed check has nothing to let stand.
    for reason in ["", "   "] {
        assert!(matches!(
            cw.override_check(s, "DOC1", "patient.personnummer", reason, &eva),
            Err(StaffError::Invalid(_))
        ));
    }
    assert!(matches!(
        cw.override_check(s, "DOC1", "patient.namn", "skäl", &eva),
        Err(StaffError::Invalid(_))
    ));
    assert!(obstacles_of(cw.register(s, "DOC1", &eva)).len() == 1);
    let reason = "Sista siffran saknas på papperet; läkaren ringd.";
    let case = cw
        .override_check(s, "DOC1", "patient.personnummer", reason, &eva)
        .unwrap();
    let o = &case.overrides["patient.personnummer"];
    assert_eq!(
        (o.reason.as_str(), o.by.as_str(), &o.value),
        (reason, "eva", &text(WRONG_PNR))
    );
    assert!(
        o.checks
            .iter()
            .any(|c| c.contains("12 siffror") || c.contains("siffr")),
        "{o:?}"
    );
    let logged = e
        .staff
        .audit
        .entries(
            LogKind::Document,
            &LogFilter {
                action: Some("check_overridden".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].actor, "eva");
    assert!(
        logged[0].detail.starts_with("patient.personnummer:") && logged[0].detail.contains(reason),
        "{}",
        logged[0].detail
    );
    let reviewed = e
        .staff
        .audit
        .entries(
            LogKind::Document,
            &LogFilter {
                action: Some("fields_reviewed".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert_eq!(
        reviewed[0].detail,
        "patient.namn, rapportor.namn, patient.personnummer"
    );
    assert!(e.staff.queues(s).pending(&eva).unwrap()[0].fields_to_check == 0);

    // Now it registers; the record keeps what was let stand, and the person's name.
    let reg = cw.register(s, "DOC1", &eva).unwrap();
    assert_eq!(reg.overrides["patient.personnummer"].reason, reason);
    assert_eq!(reg.registered_by_name, "Testperson eva");
    assert_eq!(
        reg.values_registered["patient.personnummer"],
        text(WRONG_PNR)
    );
}

#[test]
fn a_let_stand_holds_for_its_value_only_and_a_correction_counts_as_looked_at() {
    let e = env();
    let cw = &e.staff.casework;
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    let mut doc = document("DOC1", Some("01"), "2026-01-10T08:00:00Z", RIGHT_PNR);
    // A diagnosis before the onset: the date-order rule fails on the later field.
    *doc.fields.get_mut("sjukdom.diagnosdatum").unwrap() = StoredField {
        value: text("20250101"),
        ..doc.fields["sjukdom.diagnosdatum"].clone()
    };
    doc.fields.get_mut("patient.postort").unwrap().confidence = 0.3;
    s.documents.put(&doc).unwrap();
    let failing: Vec<String> = obstacles_of(cw.register(s, "DOC1", &eva))
        .into_iter()
        .filter(|(_, k)| *k == ObstacleKind::FailedCheck)
        .map(|(f, _)| f)
        .collect();
    assert_eq!(failing.len(), 1, "{failing:?}");
    let field = failing[0].clone();
    cw.override_check(s, "DOC1", &field, "Datum enligt journalen.", &eva)
        .unwrap();
    // Correcting the field in doubt looks at it.
    let case = cw
        .correct(s, "DOC1", "patient.postort", text("SOLNA"), &eva)
        .unwrap();
    assert_eq!(case.reviewed["patient.postort"].by, "eva");
    // Another value of the let-stand field (that still fails) needs a new reason.
    cw.correct(s, "DOC1", "sjukdom.diagnosdatum", text("20250102"), &eva)
        .unwrap();
    let readiness = cw.readiness(s, "DOC1", &eva).unwrap();
    let state = readiness.field(&field).unwrap();
    if state.checks.is_empty() {
        assert!(readiness.is_ready());
    } else {
        assert!(state.overridden.is_none(), "{state:?}");
        assert!(!readiness.is_ready());
    }
}

#[test]
fn a_suggestion_is_taken_only_by_choice_and_recorded_as_a_correction() {
    let e = env();
    let cw = &e.staff.casework;
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    let mut doc = document("DOC1", Some("01"), "2026-01-10T08:00:00Z", "191212121213");
    doc.fields
        .get_mut("patient.personnummer")
        .unwrap()
        .suggestion = Some(Suggestion {
        value: "191212121212".into(),
        reason: "kontrollsiffran stämmer inte".into(),
    });
    s.documents.put(&doc).unwrap();
    // Standing beside the value, the suggestion changes nothing by itself.
    let (_, case) = cw.open(s, "DOC1", &eva).unwrap();
    assert!(case.corrections.is_empty());
    assert!(
        obstacles_of(cw.register(s, "DOC1", &eva))
            .contains(&("patient.personnummer".into(), ObstacleKind::FailedCheck))
    );
    assert!(matches!(
        cw.take_suggestion(s, "DOC1", "patient.namn", &eva),
        Err(StaffError::Invalid(_))
    ));
    let case = cw
        .take_suggestion(s, "DOC1", "patient.personnummer", &eva)
        .unwrap();
    assert_eq!(
        case.corrections["patient.personnummer"],
        text("191212121212")
    );
    let change = case.changes.last().unwrap();
    assert_eq!(
        (&change.old, &change.new, change.by.as_str()),
        (&text("191212121213"), &text("191212121212"), "eva")
    );
    let logged = e
        .staff
        .audit
        .entries(
            LogKind::Document,
            &LogFilter {
                action: Some("field_changed".into()),
                ..LogFilter::default()
            },
        )
        .unwrap();
    assert!(
        logged[0].detail.ends_with("(förslaget)"),
        "{}",
        logged[0].detail
    );
    // The value as written stays in the document for the file.
    assert_eq!(
        s.documents.get("DOC1").unwrap().unwrap().fields["patient.personnummer"].value,
        text("191212121213")
    );
    assert!(cw.register(s, "DOC1", &eva).is_ok());
}

#[test]
fn empty_free_text_seen_empty_is_not_to_look_at() {
    let e = env();
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    let free = |value: &str, confidence: f32, notes: Vec<String>| StoredField {
        form: "klinisk".into(),
        page: 2,
        value: text(value),
        confidence,
        read_confidence: confidence,
        source: Source::Person,
        crop: PixelBox {
            x: 0,
            y: 0,
            w: 10,
            h: 10,
        },
        notes,
        suggestion: None,
    };
    let mut doc = document("DOC1", Some("01"), "2026-01-10T08:00:00Z", RIGHT_PNR);
    // Seen empty on paper (intake measured no stroke), and one with writing a person must read.
    doc.fields
        .insert("atgarder.ovrigt".into(), free("", 0.95, vec![]));
    doc.fields.insert(
        "smitta.kalla".into(),
        free("", 0.0, vec!["fritext läses av en person".into()]),
    );
    s.documents.put(&doc).unwrap();
    let form = Registry::embedded().get("klinisk", None).unwrap();
    let text_fields: Vec<&str> = form
        .layout
        .pages
        .iter()
        .flat_map(|p| p.fields.iter())
        .filter(|f| matches!(f.geometry, blankett::forms::layout::Geometry::Text { .. }))
        .map(|f| f.name.as_str())
        .collect();
    assert!(text_fields.contains(&"atgarder.ovrigt"), "{text_fields:?}");
    assert!(text_fields.contains(&"smitta.kalla"), "{text_fields:?}");
    let pending = e.staff.queues(s).pending(&eva).unwrap();
    assert_eq!(pending[0].fields_to_check, 1, "only the box with writing");
    let readiness = e.staff.casework.readiness(s, "DOC1", &eva).unwrap();
    let obstacles = readiness.obstacles();
    assert_eq!(obstacles.len(), 1);
    assert_eq!(
        (obstacles[0].field.as_str(), obstacles[0].kind),
        ("smitta.kalla", ObstacleKind::Unreviewed)
    );
}

#[test]
fn the_queue_counts_with_the_checks_of_every_document_in_reasonable_time() {
    let e = env();
    let eva = handlaggare(&e.staff, "eva", "01");
    for i in 0..500 {
        put(&e, &format!("Q{i:03}"), Some("01"));
    }
    let t = Instant::now();
    let pending = e.staff.queues(&e.store).pending(&eva).unwrap();
    let elapsed = t.elapsed();
    eprintln!("queue of 500 documents, each checked for what stops its registration: {elapsed:?}");
    assert_eq!(pending.len(), 500);
    assert!(
        pending.iter().all(|i| i.fields_to_check == 1),
        "the personnummer"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

// ---------------------------------------------------------------- exports

#[test]
fn export_holds_the_corrected_value_and_the_postlista_no_personal_data() {
    let e = env();
    let cw = &e.staff.casework;
    let eva = handlaggare(&e.staff, "eva", "01");
    put(&e, "DOC1", Some("01"));
    put(&e, "DOC2", Some("01"));
    // DOC2 is registered with its personnummer as written: the failed check is let stand, with a reason.
    cw.override_check(
        &e.store,
        "DOC2",
        "patient.personnummer",
        "Papperet saknar sista siffran; rapportören kontaktas.",
        &eva,
    )
    .unwrap();
    cw.correct(
        &e.store,
        "DOC1",
        "patient.personnummer",
        text(RIGHT_PNR),
        &eva,
    )
    .unwrap();
    let rows = vec![
        cw.register(&e.store, "DOC1", &eva).unwrap(),
        cw.register(&e.store, "DOC2", &eva).unwrap(),
    ];
    let registry = Registry::embedded();
    let csv_text = export::registrations_csv(registry, &rows).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        &header[..8],
        [
            "diarienummer",
            "region",
            "form",
            "version",
            "form_id",
            "received_at",
            "registered_at",
            "registered_by"
        ]
    );
    // Every field of the form, in definition order.
    let form = registry.get("klinisk", None).unwrap();
    let names: Vec<&str> = blankett::validation::fields(form)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(&header[8..], names.as_slice());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][column("patient.personnummer")], RIGHT_PNR);
    assert_eq!(&records[1][column("patient.personnummer")], WRONG_PNR);
    assert_eq!(&records[0][column("smitta.vag")], "livsmedel;vatten");
    assert_eq!(&records[0][column("diarienummer")], rows[0].diarienummer);
    assert_eq!(&records[0][column("patient.telefon")], "");

    let json: Vec<Registration> =
        serde_json::from_str(&export::registrations_json(&rows).unwrap()).unwrap();
    assert_eq!(json, rows);

    let postlista = export::postlista(registry, &rows);
    assert_eq!(postlista.len(), 2);
    assert_eq!(postlista[0].kind, "Klinisk anmälan");
    assert_eq!(postlista[0].diarienummer, rows[0].diarienummer);
    assert_eq!(postlista[0].date.len(), 10);
    let public = serde_json::to_string(&postlista).unwrap();
    for private in [RIGHT_PNR, WRONG_PNR, "19811218", "BERG", "ANNA"] {
        assert!(!public.contains(private), "postlista holds {private}");
    }

    let log = e
        .staff
        .audit
        .entries(LogKind::Document, &LogFilter::default())
        .unwrap();
    let log_csv = export::log_csv(&log).unwrap();
    let mut reader = csv::Reader::from_reader(log_csv.as_bytes());
    assert_eq!(reader.records().count(), log.len());
}

// ---------------------------------------------------------------- queues

#[test]
fn queues_pending_incomplete_flagged_duplicates_unidentified() {
    let e = env_with(Settings::default());
    let s = &e.store;
    let eva = handlaggare(&e.staff, "eva", "01");
    let admin = add(
        &e.staff,
        "admin",
        AccountKind::Personal,
        &[Role::Admin],
        &["03"],
        None,
    );
    let mut newer = document("NEWER", Some("01"), "2026-01-20T08:00:00Z", RIGHT_PNR);
    newer.fields.get_mut("patient.namn").unwrap().confidence = 0.5;
    newer
        .fields
        .get_mut("patient.postort")
        .unwrap()
        .notes
        .push("Postorten stämmer inte med postnumret.".into());
    s.documents.put(&newer).unwrap();
    s.documents
        .put(&document(
            "OLDER",
            Some("01"),
            "2026-01-05T08:00:00Z",
            RIGHT_PNR,
        ))
        .unwrap();
    let mut far = document("FAR", Some("01"), "2025-06-01T08:00:00Z", RIGHT_PNR);
    far.flags.push("kopierad_blankett".into());
    s.documents.put(&far).unwrap();
    let mut half = document("HALF", Some("01"), "2026-01-01T08:00:00Z", "197001012384");
    half.pages.remove(&2);
    half.status = DocumentStatus::Incomplete;
    s.documents.put(&half).unwrap();

    let q = e.staff.queues(s);
    let pending = q.pending(&eva).unwrap();
    let keys: Vec<&str> = pending.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["FAR", "OLDER", "NEWER"]);
    assert_eq!(pending[2].fields_to_check, 2);
    assert_eq!(pending[2].fields, klinisk_values(RIGHT_PNR, "x").len());
    assert_eq!(q.incomplete(&eva).unwrap()[0].missing_pages, [2]);
    assert_eq!(q.flagged(&eva).unwrap()[0].key, "FAR");
    assert!(q.pending(&admin).unwrap().is_empty());

    // Same patient and disease 15 days apart; FAR is outside the window.
    let dups = q.duplicates(&eva, 30).unwrap();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_eq!(
        (
            dups[0].key.as_str(),
            dups[0].other.as_str(),
            dups[0].disease.as_str(),
            dups[0].days_apart
        ),
        ("NEWER", "OLDER", "salmonella", 15)
    );
    assert!(q.duplicates(&eva, 10).unwrap().is_empty());
    // Another disease is not a duplicate.
    e.staff
        .casework
        .correct(s, "OLDER", "sjukdom.diagnos", ticked(&["ehec"]), &eva)
        .unwrap();
    assert!(q.duplicates(&eva, 30).unwrap().is_empty());

    // Unidentified pages: by the region of their upload, admins for the unknown.
    s.documents
        .queue_unidentified("scan01", 0, "ingen QR-kod")
        .unwrap();
    s.documents
        .queue_unidentified("scanXX", 3, "ingen QR-kod")
        .unwrap();
    e.staff.casework.note_upload("scan01", "01").unwrap();
    let ids = |a: &Account| -> Vec<String> {
        q.unidentified(a)
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect()
    };
    assert_eq!(ids(&eva), ["scan01:0"]);
    assert_eq!(ids(&admin), ["scanXX:3"]);
    assert!(not_found(
        e.staff
            .casework
            .set_aside_unidentified(s, "scanXX:3", "tom sida", &eva)
    ));
    e.staff
        .casework
        .set_aside_unidentified(s, "scan01:0", "Tom baksida", &eva)
        .unwrap();
    assert!(ids(&eva).is_empty());
    assert_eq!(
        s.documents.unidentified().unwrap().len(),
        2,
        "the page is kept"
    );
}

#[test]
fn settings_from_the_environment() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let s = Settings::from_lookup(vars(&[
        ("BLANKETT_DIARIE_FORMAT", "{region}/{year}/{n}"),
        ("BLANKETT_DUPLICATE_DAYS", "14"),
        ("BLANKETT_SESSION_IDLE_MINUTES", "20"),
    ]))
    .unwrap();
    assert_eq!(s.diarie_format.format("01", 2026, 3), "01/2026/3");
    assert_eq!(s.duplicate_window_days, 14);
    assert_eq!(s.session_idle, Duration::from_secs(1200));
    let d = Settings::from_lookup(vars(&[("BLANKETT_DUPLICATE_DAYS", "")])).unwrap();
    assert_eq!(d.duplicate_window_days, 30);
    for bad in [
        &[("BLANKETT_DIARIE_FORMAT", "SMI-{region}")][..],
        &[("BLANKETT_DUPLICATE_DAYS", "många")][..],
        &[("BLANKETT_SESSION_IDLE_MINUTES", "0")][..],
    ] {
        match Settings::from_lookup(vars(bad)) {
            Err(StaffError::Invalid(msg)) => assert!(msg.starts_with(bad[0].0), "{msg}"),
            other => panic!("expected an error for {bad:?}, got {other:?}"),
        }
    }
}
