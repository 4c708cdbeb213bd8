//! Log-in guessing against a real `blankett serve`, from two client addresses on the loopback network
//! (127.0.0.2 plays the stranger, 127.0.0.1 the owner): a guesser ends in 429 and cannot lock the owner out, a
//! sprayer of names ends in 429, and the hash-chained user log grows by a bounded number of entries.

mod web_support;

use blankett::staff::accounts::{AccountKind, NewAccount, Role};
use blankett::staff::audit::{LogFilter, LogKind};
use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use socket2::{Domain, Socket, Type};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};
use web_support::Server;

const PASSWORD: &str = "korrekt-hast-batteri";
const STRANGER: &str = "127.0.0.2";
const OWNER: &str = "127.0.0.1";

fn with_staff<T>(data: &Path, f: impl FnOnce(&Staff) -> T) -> T {
    let store = Store::open(data).unwrap();
    let staff = Staff::open(&store, Settings::default()).unwrap();
    let out = f(&staff);
    store.flush().unwrap();
    out
}

fn prepared() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    with_staff(dir.path(), |staff| {
        for (name, roles) in [
            ("anna", vec![Role::Handlaggare]),
            ("admin", vec![Role::Admin, Role::Handlaggare]),
        ] {
            staff
                .accounts
                .add(NewAccount {
                    username: name.into(),
                    display_name: format!("Test {name}"),
                    hsa_id: None,
                    kind: AccountKind::Personal,
                    roles,
                    regions: vec!["01".into()],
                    password: Some(PASSWORD.into()),
                    approved_by: Some("setup".into()),
                })
                .unwrap();
        }
    });
    dir
}

fn user_log_len(data: &Path) -> usize {
    with_staff(data, |staff| {
        staff
            .audit
            .entries(LogKind::User, &LogFilter::default())
            .unwrap()
            .len()
    })
}

/// One HTTP/1.1 request over a connection from the local address `from`: status, headers, body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn request(server: &Server, from: &str, head: &str, body: &str) -> Reply {
    let port: u16 = server
        .url("")
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .expect("the server's port");
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{from}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    let remote: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    socket.connect(&remote.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let text = format!(
        "{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The log-in page, then the post with its token, as a browser does it: the post's answer.
fn login(server: &Server, from: &str, username: &str, password: &str) -> Reply {
    let page = request(server, from, "GET /staff/login HTTP/1.1", "");
    assert_eq!(page.status, 200);
    let cookie = page
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let marker = "name=\"csrf\" value=\"";
    let at = page.body.find(marker).expect("a csrf field") + marker.len();
    let token = &page.body[at..at + page.body[at..].find('"').unwrap()];
    let form: String = form_urlencoded_pairs(&[
        ("csrf", token),
        ("username", username),
        ("password", password),
    ]);
    request(
        server,
        from,
        &format!(
            "POST /staff/login HTTP/1.1\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded"
        ),
        &form,
    )
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn a_guesser_ends_in_429_while_the_owner_logs_in_from_elsewhere() {
    let dir = prepared();
    let before = user_log_len(dir.path());
    let server = Server::start_in(dir, &[]);
    let started = Instant::now();
    let statuses: Vec<u16> = (0..30)
        .map(|i| login(&server, STRANGER, "anna", &format!("gissning-{i}")).status)
        .collect();
    eprintln!(
        "30 wrong passwords from {STRANGER}: {statuses:?} in {:?}",
        started.elapsed()
    );
    assert_eq!(&statuses[..4], &[401; 4]);
    assert!(statuses[4..].iter().all(|&s| s == 429), "{statuses:?}");
    let blocked = login(&server, STRANGER, "anna", PASSWORD);
    assert_eq!(
        blocked.status, 429,
        "the right password waits on that address"
    );
    assert!(
        blocked
            .body
            .contains("För många misslyckade inloggningar. Försök igen om")
    );
    assert!(blocked.headers.iter().any(|(k, _)| k == "retry-after"));

    let owner = login(&server, OWNER, "anna", PASSWORD);
    assert_eq!(owner.status, 303, "the owner logs in from another address");

    // 30 names from one address: the address is blocked after ten failures.
    let sprayed: Vec<u16> = (0..30)
        .map(|i| login(&server, "127.0.0.3", &format!("namn{i}"), "sommar2024").status)
        .collect();
    eprintln!("30 names from 127.0.0.3: {sprayed:?}");
    assert_eq!(&sprayed[..9], &[401; 9]);
    assert!(sprayed[9..].iter().all(|&s| s == 429), "{sprayed:?}");
    assert_eq!(login(&server, OWNER, "admin", PASSWORD).status, 303);

    // 61 failures and 3 log-ins: one entry a pair of (address, name) at once, the rest summed when the server
    // stops, so the log grows by a bounded number of entries.
    let (dir, _) = server.stop();
    let after = user_log_len(dir.path());
    let grown = after - before;
    eprintln!("user log: {before} -> {after} entries");
    // anna from the stranger (2: at once and summary), 30 sprayed names (1 each), 2 log-ins.
    assert_eq!(grown, 2 + 30 + 2);
    with_staff(dir.path(), |staff| {
        let entries = staff
            .audit
            .entries(LogKind::User, &LogFilter::default())
            .unwrap();
        let summary = entries
            .iter()
            .find(|e| e.actor == "anna" && e.detail.starts_with("ytterligare"))
            .expect("a summary entry");
        assert!(
            summary
                .detail
                .contains("ytterligare 30 misslyckade inloggningar från 127.0.0.2"),
            "{}",
            summary.detail
        );
        assert_eq!(
            staff.audit.verify(LogKind::User).unwrap().first_broken,
            None
        );
        for e in &entries {
            assert!(!e.detail.contains("gissning"), "a password in the log");
        }
    });
}
