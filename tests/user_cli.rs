//! `blankett user` through the built binary: accounts created with the password on standard input, listed
//! without hashes, approved and deactivated, usage errors with exit code 2, and a data folder held by another
//! process refused clearly.

use blankett::staff::accounts::{AccountStatus, LoginError};
use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::store::audit::{LogFilter, LogKind};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "ett långt lösenord";

fn user(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("user")
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("BLANKETT_REGIONS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run blankett user");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn add_anna(data: &Path) -> Output {
    user(
        data,
        &[
            "add",
            "--username",
            "Anna.Berg",
            "--name",
            "Anna Berg",
            "--role",
            "handlaggare",
            "--role",
            "admin",
            "--region",
            "01",
            "--region",
            "3",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    )
}

#[test]
fn add_list_approve_deactivate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = add_anna(data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "anna.berg");
    assert!(!stderr(&out).contains(PASSWORD));

    let out = user(
        data,
        &[
            "add",
            "--username",
            "smittskydd",
            "--name",
            "Smittskyddsenheten",
            "--group",
            "--hsa-id",
            "SE2321000016-7777",
            "--region",
            "01",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = user(data, &["list"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&out);
    assert!(!list.contains("argon2"), "{list}");
    assert!(!list.contains(PASSWORD));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(
        lines,
        [
            "anna.berg\tAnna Berg\t-\tpersonligt\thandlaggare,admin\t01,03\taktivt",
            "smittskydd\tSmittskyddsenheten\tSE2321000016-7777\tgruppkonto\thandlaggare\t01\taktivt",
        ]
    );

    let out = user(data, &["deactivate", "--username", "anna.berg"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    {
        let store = Store::open(data).unwrap();
        let staff = Staff::open(&store, Settings::default()).unwrap();
        assert_eq!(
            staff.accounts.login_password("anna.berg", PASSWORD),
            Err(LoginError::Inactive)
        );
    }
    let out = user(data, &["approve", "--username", "ANNA.BERG"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = user(
        data,
        &["passwd", "--username", "anna.berg"],
        Some("nytt långt lösenord\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let store = Store::open(data).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let anna = staff
        .accounts
        .login_password("anna.berg", "nytt långt lösenord")
        .unwrap();
    assert_eq!(anna.status, AccountStatus::Active);
    assert_eq!(anna.approved_by.as_deref(), Some("cli"));
    assert!(anna.is_admin());
    let group = staff.accounts.get("smittskydd").unwrap().unwrap();
    assert!(!group.may_register());
    assert!(group.password_hash.is_none());

    let log = staff
        .audit
        .entries(LogKind::User, &LogFilter::default())
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("cli", "account_created"),
            ("cli", "account_created"),
            ("cli", "account_deactivated"),
            ("cli", "account_approved"),
            ("cli", "password_changed"),
        ]
    );
    assert_eq!(
        staff.audit.verify(LogKind::User).unwrap().first_broken,
        None
    );
}

#[test]
fn bad_arguments_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    const PW: Option<&str> = Some("ett långt lösenord\n");
    let cases: [(&[&str], Option<&str>); 8] = [
        (&["--name", "Eva"], None),
        (
            &[
                "--name",
                "Eva",
                "--region",
                "01",
                "--role",
                "chef",
                "--password-stdin",
            ],
            PW,
        ),
        (&["--name", "Eva", "--region", "99", "--password-stdin"], PW),
        // Neither password nor HSA-id.
        (&["--name", "Eva", "--region", "01"], None),
        // No password on standard input.
        (
            &["--name", "Eva", "--region", "01", "--password-stdin"],
            None,
        ),
        // A name that cannot be a username.
        (
            &[
                "--name",
                "Eva",
                "--region",
                "01",
                "--password-stdin",
                "--username",
                "e v a",
            ],
            PW,
        ),
        (&["approve"], None),
        (&["frobnicate"], None),
    ];
    for (args, stdin) in cases {
        // Every command but the last two is `add`; each names a user.
        let mut args = args.to_vec();
        if args[0] == "--name" {
            args.insert(0, "add");
        }
        if !args.contains(&"--username") && args[0] != "frobnicate" {
            args.extend(["--username", "eva"]);
        }
        let out = user(data, &args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
    let out = add_anna(data);
    assert!(out.status.success());
    // Taken name.
    assert_eq!(add_anna(data).status.code(), Some(2));
}

#[test]
fn a_data_folder_held_by_a_running_service_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _held = Store::open(dir.path()).unwrap();
    let out = user(dir.path(), &["list"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("används av en annan process"),
        "{}",
        stderr(&out)
    );
}
