//! Abuse of the staff side against a real `blankett serve`, over raw connections from chosen loopback addresses
//! (127.0.0.2 plays the stranger, 127.0.0.1 the owner):
//! - log-in guessing ends in 429 and cannot lock the owner out; a sprayer of names ends in 429; the hash-chained
//!   user log grows by a bounded number of entries;
//! - an upload with a session but a wrong CSRF token is refused before its body is read;
//! - a staff form over the size limit gets the Swedish page (the API `{"fel"}`), with the security headers.

mod web_support;

use blankett::staff::accounts::{AccountKind, NewAccount, Role};
use blankett::staff::{Settings, Staff};
use blankett::store::Store;
use blankett::store::audit::{LogFilter, LogKind};
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
    // sled's flusher thread may hold the folder's lock a moment after the last handle in this process is dropped.
    let mut tries = 0;
    let store = loop {
        match Store::open(data) {
            Ok(store) => break store,
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("the data folder stayed locked: {e}"),
        }
    };
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
    let mut stream = connect(server, from);
    let text = format!(
        "{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(text.as_bytes()).unwrap();
    read_reply(&mut stream)
}

/// A connection to the server from the local address `from`.
fn connect(server: &Server, from: &str) -> TcpStream {
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
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

/// The answer on a connection, read to its end (the requests say `Connection: close`).
fn read_reply(stream: &mut TcpStream) -> Reply {
    // A server that refuses before reading the whole body may reset the connection after its answer: what came
    // before the reset is the answer.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
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

/// Logs in from `from`: the session cookie and the session's CSRF token.
fn session(server: &Server, from: &str, username: &str) -> (String, String) {
    let res = login(server, from, username, PASSWORD);
    assert_eq!(res.status, 303, "{}", res.body);
    let cookie = res
        .headers
        .iter()
        .filter(|(k, v)| k == "set-cookie" && v.starts_with("blankett_session="))
        .map(|(_, v)| v.split(';').next().unwrap().to_string())
        .next()
        .expect("a session cookie");
    let home = request(
        server,
        from,
        &format!("GET /staff/ HTTP/1.1\r\nCookie: {cookie}"),
        "",
    );
    let marker = "name=\"csrf\" value=\"";
    let at = home.body.find(marker).expect("a csrf field") + marker.len();
    let token = home.body[at..at + home.body[at..].find('"').unwrap()].to_string();
    (cookie, token)
}

fn header<'r>(reply: &'r Reply, name: &str) -> Option<&'r str> {
    reply
        .headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn an_upload_with_a_wrong_csrf_token_is_refused_before_its_body_is_read() {
    let dir = prepared();
    let server = Server::start_in(dir, &[]);
    let (cookie, _) = session(&server, OWNER, "anna");
    let scans = server.data_dir().join("scans");
    let kept = || std::fs::read_dir(&scans).map_or(0, |d| d.count());
    let before = kept();

    // The raw shape (staff.js): 100 MB announced, nothing sent but the head.
    let mut stream = connect(&server, OWNER);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /staff/inlasning HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
         Content-Type: application/pdf\r\nX-Filename: a.pdf\r\nX-CSRF-Token: fel\r\n\
         Content-Length: 100000000\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&[b'%'; 4096]).unwrap();
    let reply = read_reply(&mut stream);
    eprintln!(
        "raw upload, wrong token: {} in {:?}",
        reply.status,
        started.elapsed()
    );
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("säkerhetskod"), "{}", reply.body);

    // The form (multipart): the token field comes first; the file part is not read once it is wrong.
    let mut stream = connect(&server, OWNER);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /staff/inlasning HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary=GRANS\r\nContent-Length: 100000000\r\n\r\n\
         --GRANS\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nfel\r\n--GRANS\r\n\
         Content-Disposition: form-data; name=\"scan\"; filename=\"b.pdf\"\r\n\r\n%PDF-1.7\n"
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    let reply = read_reply(&mut stream);
    eprintln!(
        "multipart upload, wrong token: {} in {:?}",
        reply.status,
        started.elapsed()
    );
    assert_eq!(reply.status, 403);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(kept(), before, "nothing kept");

    // Announced over the limit: 413 in Swedish before anything is read.
    let (cookie, token) = session(&server, OWNER, "anna");
    let mut stream = connect(&server, OWNER);
    let head = format!(
        "POST /staff/inlasning HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
         Content-Type: application/pdf\r\nX-CSRF-Token: {token}\r\n\
         Content-Length: 900000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 413);
    assert!(
        reply.body.contains("Filen är större än 200 MB"),
        "{}",
        reply.body
    );
}

#[test]
fn staff_forms_over_the_limit_get_a_swedish_413_with_the_security_headers() {
    let dir = prepared();
    let server = Server::start_in(dir, &[]);
    let (cookie, token) = session(&server, OWNER, "anna");
    let big = format!("csrf={token}&value={}", "x".repeat(300 * 1024));
    let page = request(
        &server,
        OWNER,
        &format!(
            "POST /staff/dokument/KL1XXXXXXXXX/falt HTTP/1.1\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded"
        ),
        &big,
    );
    assert_eq!(page.status, 413);
    assert!(
        header(&page, "content-type").is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        page.headers
    );
    assert!(
        page.body.contains("För stor") && page.body.contains("<html"),
        "{}",
        page.body
    );
    assert!(header(&page, "content-security-policy").is_some());
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    // Plain HTTP: no HSTS (a browser would ignore it, and it must not be sent where TLS is not).
    assert_eq!(header(&page, "strict-transport-security"), None);

    let api = request(
        &server,
        OWNER,
        &format!(
            "POST /api/dokument/KL1XXXXXXXXX/falt HTTP/1.1\r\nCookie: {cookie}\r\n\
             X-CSRF-Token: {token}\r\nContent-Type: application/json"
        ),
        &format!("{{\"value\": \"{}\"}}", "x".repeat(300 * 1024)),
    );
    assert_eq!(api.status, 413);
    let v: serde_json::Value = serde_json::from_str(&api.body).expect("JSON");
    assert!(
        v["fel"].as_str().is_some_and(|m| m.contains("större")),
        "{v}"
    );
}
