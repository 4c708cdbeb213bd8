//! SITHS log-in's transport: `blankett serve` over HTTPS with optional client certificates from a test CA made at
//! test time, the identity read from those certificates, and the connection data the log-in handler reads.
//!
//! Run: `cargo test --release --test siths`

mod tls_support;
mod web_support;

use blankett::staff::siths::{CertIdentity, identity_from_der};
use blankett::web::tls::{PeerCertificate, TlsSettings, on_connect, server_config};
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;
use tls_support::{HSA_ID, PERSONNUMMER, TestPki, UNKNOWN_HSA_ID};

#[test]
fn the_test_cards_say_who_holds_them() {
    let pki = TestPki::new();
    let id = |serial: Option<&str>| identity_from_der(&pki.client(serial).der);
    assert_eq!(id(Some(HSA_ID)), CertIdentity::HsaId(HSA_ID.into()));
    assert_eq!(
        id(Some(UNKNOWN_HSA_ID)),
        CertIdentity::HsaId(UNKNOWN_HSA_ID.into())
    );
    assert_eq!(id(Some(PERSONNUMMER)), CertIdentity::Personnummer);
    assert_eq!(id(Some("191212121212")), CertIdentity::Personnummer);
    assert_eq!(id(None), CertIdentity::Missing);
    assert_eq!(id(Some("Kalle")), CertIdentity::Missing);
    // The CA's own certificate has no serialNumber in its subject.
    let ca_pem = std::fs::read(&pki.ca_pem).unwrap();
    let ca_der = pem_der(&ca_pem);
    assert_eq!(identity_from_der(&ca_der), CertIdentity::Missing);
}

#[test]
fn https_serves_the_public_site_without_a_client_certificate() {
    let pki = TestPki::new();
    let server = pki.start_server(&[]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    assert!(
        server.log().contains("lyssnar på https://"),
        "{}",
        server.log()
    );
    let client = pki.https(None);
    let health = client.get(&server.url("/healthz"));
    assert_eq!(health.status, 200);
    let start = client.get(&server.url("/"));
    assert_eq!(start.status, 200);
    assert!(start.content_type().starts_with("text/html"));
    assert!(start.text().contains("<html"), "{}", start.text());
    // Under TLS every answer tells the browser never to come back over plain HTTP.
    for answer in [&health, &start] {
        assert_eq!(
            answer.header("strict-transport-security"),
            Some("max-age=31536000; includeSubDomains")
        );
    }
}

#[test]
fn client_certificates_from_the_ca_are_accepted_whatever_they_carry() {
    let pki = TestPki::new();
    let server = pki.start_server(&[]);
    // The transport lets every card of the CA in; which identity may log in is the log-in's decision.
    for serial in [Some(HSA_ID), Some(PERSONNUMMER), Some(UNKNOWN_HSA_ID), None] {
        let card = pki.client(serial);
        let answer = pki.https(Some(&card)).get(&server.url("/healthz"));
        assert_eq!(answer.status, 200, "{serial:?}");
    }
    let log = server.log();
    assert!(
        !log.contains("19121212") && !log.contains("Testsson"),
        "personal data in the log: {log}"
    );
}

/// Decision: a certificate from another issuer ends the handshake (no answer at all), rather than being
/// answered as if no certificate were there: a card from the wrong PKI is a configuration error to notice.
#[test]
fn a_client_certificate_from_another_ca_is_refused_at_the_handshake() {
    let pki = TestPki::new();
    let server = pki.start_server(&[]);
    let stranger = pki.foreign_client(Some(HSA_ID));
    let refused = pki.https(Some(&stranger)).try_get(&server.url("/healthz"));
    match refused {
        Ok(a) => panic!("answered {}", a.status),
        // The server's alert: it does not know the issuer.
        Err(e) => assert!(format!("{e:?}").contains("UnknownCA"), "{e:?}"),
    }
    // The server goes on serving others.
    assert_eq!(pki.https(None).get(&server.url("/healthz")).status, 200);
}

#[test]
fn plain_http_to_the_tls_port_gets_no_http_answer() {
    let pki = TestPki::new();
    let server = pki.start_server(&[]);
    let addr = server.base.trim_start_matches("https://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    // The server answers with a TLS alert record (content type 21) or just closes.
    let _ = stream.read_to_end(&mut got);
    assert!(got.is_empty() || got[0] == 21, "{got:02x?}");
    // And a plain-HTTP client reports a failure rather than a status.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    assert!(agent.get(&format!("http://{addr}/healthz")).call().is_err());
}

#[test]
fn without_a_client_ca_no_certificate_is_asked_for() {
    let pki = TestPki::new();
    let env = pki.server_env_without_client_ca();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = web_support::Server::start(&env);
    assert!(server.base.starts_with("https://"));
    let card = pki.client(Some(HSA_ID));
    assert_eq!(
        pki.https(Some(&card)).get(&server.url("/healthz")).status,
        200
    );
    // Not asked for, so not checked either: a stranger's card is no reason to refuse.
    let stranger = pki.foreign_client(Some(HSA_ID));
    assert_eq!(
        pki.https(Some(&stranger))
            .get(&server.url("/healthz"))
            .status,
        200
    );
}

#[test]
fn bad_tls_settings_stop_the_start_with_a_swedish_message() {
    let pki = TestPki::new();
    let cert = pki.server_cert.to_str().unwrap();
    let key = pki.server_key.to_str().unwrap();
    let missing = pki.dir.path().join("saknas.pem");
    let missing = missing.to_str().unwrap();
    let other_key = key_of_other(&pki);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("BLANKETT_TLS_CERT", cert)], "BLANKETT_TLS_KEY"),
        (
            &[("BLANKETT_TLS_CERT", cert), ("BLANKETT_TLS_KEY", missing)],
            "finns inte",
        ),
        (
            &[
                ("BLANKETT_TLS_CERT", cert),
                ("BLANKETT_TLS_KEY", key),
                ("BLANKETT_TLS_CLIENT_CA", missing),
            ],
            "BLANKETT_TLS_CLIENT_CA",
        ),
        // A key that is not the certificate's.
        (
            &[
                ("BLANKETT_TLS_CERT", cert),
                ("BLANKETT_TLS_KEY", other_key.as_str()),
            ],
            "hör inte ihop",
        ),
    ];
    for (env, expected) in cases {
        let data = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_blankett"));
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .env_remove("BLANKETT_TLS_CERT")
            .env_remove("BLANKETT_TLS_KEY")
            .env_remove("BLANKETT_TLS_CLIENT_CA");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("blankett runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?} started: {stderr}");
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
        assert!(!stderr.contains("lyssnar på"), "{stderr}");
    }
}

/// `on_connect` hands the card's certificate to the handlers through the connection data, over a real TLS
/// connection, on an in-process server with a probe route (the SITHS log-in route reads it the same way).
#[test]
fn handlers_see_the_certificate_the_connection_presented() {
    let pki = TestPki::new();
    let settings = TlsSettings {
        cert: pki.server_cert.clone(),
        key: pki.server_key.clone(),
        client_ca: Some(pki.ca_pem.clone()),
    };
    let base = probe_server(settings);
    let who = |card: Option<&tls_support::ClientIdentity>| {
        let answer = pki.https(card).get(&format!("{base}/vem"));
        assert_eq!(answer.status, 200);
        answer.text()
    };
    assert_eq!(who(None), "inget certifikat");
    assert_eq!(
        who(Some(&pki.client(Some(HSA_ID)))),
        format!("{:?}", CertIdentity::HsaId(HSA_ID.into()))
    );
    assert_eq!(who(Some(&pki.client(Some(PERSONNUMMER)))), "Personnummer");
    assert_eq!(who(Some(&pki.client(None))), "Missing");
    // Every request on a kept-alive connection sees the certificate, not just the first.
    let card = pki.client(Some(HSA_ID));
    let client = pki.https(Some(&card));
    for _ in 0..3 {
        let text = client.get(&format!("{base}/vem")).text();
        assert!(text.contains(HSA_ID), "{text}");
    }
}

/// Starts an actix server with the site's TLS configuration and `on_connect`, answering `GET /vem` with the
/// identity of the connection's certificate. Returns its `https://` base.
fn probe_server(settings: TlsSettings) -> String {
    use actix_web::{App, HttpRequest, HttpServer, web};
    async fn who(req: HttpRequest) -> String {
        match req.conn_data::<PeerCertificate>() {
            Some(cert) => format!("{:?}", identity_from_der(&cert.0)),
            None => "inget certifikat".to_string(),
        }
    }
    let config = server_config(&settings).expect("server config");
    let (tx, rx) = std::sync::mpsc::channel();
    // The server lives as long as the test process.
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(|| App::new().route("/vem", web::get().to(who)))
                .workers(1)
                .disable_signals()
                .on_connect(on_connect)
                .bind_rustls_0_23("127.0.0.1:0", config)
                .expect("bind");
            tx.send(server.addrs()[0]).expect("send address");
            server.run().await
        })
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("probe server started");
    format!("https://{addr}")
}

/// A key that belongs to no certificate of the PKI, as a PEM file in its folder.
fn key_of_other(pki: &TestPki) -> String {
    let other = pki.foreign_client(None);
    other.key_file.to_str().unwrap().to_string()
}

/// The DER inside the first PEM block.
fn pem_der(pem: &[u8]) -> Vec<u8> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem)
        .expect("PEM certificate")
        .to_vec()
}

/// Accounts made in the data folder before the server opens it: an active account with [`HSA_ID`], and one
/// awaiting approval with [`AWAITING_HSA_ID`].
const AWAITING_HSA_ID: &str = "SE2321000016-2002";

fn data_with_accounts() -> tempfile::TempDir {
    use blankett::staff::accounts::{AccountKind, NewAccount, Role};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = blankett::store::Store::open(dir.path()).expect("store");
    let staff =
        blankett::staff::Staff::open(&store, blankett::staff::Settings::default()).expect("staff");
    let account = |username: &str, hsa_id: &str, approved_by: Option<&str>| NewAccount {
        username: username.into(),
        display_name: format!("Handläggare {username}"),
        hsa_id: Some(hsa_id.into()),
        kind: AccountKind::Personal,
        roles: vec![Role::Handlaggare],
        regions: vec!["01".into()],
        password: None,
        approved_by: approved_by.map(String::from),
    };
    staff
        .accounts
        .add(account("anna", HSA_ID, Some("admin")))
        .expect("active account");
    staff
        .accounts
        .add(account("bertil", AWAITING_HSA_ID, None))
        .expect("account awaiting approval");
    store.flush().expect("flush");
    drop(staff);
    drop(store);
    dir
}

/// The `Set-Cookie` header that sets `name`, whole.
fn set_cookie<'a>(answer: &'a web_support::Answer, name: &str) -> Option<&'a str> {
    answer
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with(&format!("{name}=")))
}

fn cookie_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=').map(|(_, v)| v).unwrap_or_default()
}

/// The log-in page, then its SITHS button, with the page's double-submit token, as a browser does it.
fn siths_login(
    client: &tls_support::HttpsClient,
    server: &web_support::Server,
) -> web_support::Answer {
    let page = client.get(&server.url("/staff/login"));
    assert_eq!(page.status, 200, "{}", page.text());
    let login_cookie = set_cookie(&page, "blankett_inloggning").expect("log-in cookie");
    assert!(
        login_cookie.contains("Secure") && login_cookie.contains("HttpOnly"),
        "{login_cookie}"
    );
    let token = cookie_value(login_cookie);
    client.post_form_with(
        &server.url("/staff/login/siths"),
        &[("cookie", &format!("blankett_inloggning={token}"))],
        &[("csrf", token)],
    )
}

#[test]
fn siths_log_in_with_the_hsa_id_card_starts_a_secure_session() {
    let pki = TestPki::new();
    let server = pki.start_server_in(data_with_accounts(), &[]);
    let client = pki.https(Some(&pki.client(Some(HSA_ID))));
    let answer = siths_login(&client, &server);
    assert_eq!(answer.status, 303, "{}", answer.text());
    assert_eq!(answer.header("location"), Some("/staff/"));
    let session = set_cookie(&answer, "blankett_session").expect("session cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(session.contains(attribute), "{attribute}: {session}");
    }
    let home = client.get_with(
        &server.url("/staff/"),
        &[(
            "cookie",
            &format!("blankett_session={}", cookie_value(session)),
        )],
    );
    assert_eq!(home.status, 200, "{}", home.text());
    assert!(home.text().contains("Handläggare anna"), "{}", home.text());
    // Without the session the same page sends to the log-in.
    assert_eq!(client.get(&server.url("/staff/")).status, 303);
}

#[test]
fn siths_log_in_refusals_say_what_to_do() {
    let pki = TestPki::new();
    let server = pki.start_server_in(data_with_accounts(), &[]);
    let cases: [(Option<&str>, u16, &str); 4] = [
        (
            Some(PERSONNUMMER),
            401,
            "Kortet innehåller ett personnummer, inte ett HSA-id. Välj certifikatet med ditt HSA-id.",
        ),
        (
            Some(UNKNOWN_HSA_ID),
            401,
            "HSA-id SE2321000016-9Z99 finns inte i blankett.",
        ),
        (
            None,
            401,
            "Certifikatet saknar HSA-id. Välj certifikatet med ditt HSA-id.",
        ),
        (
            Some(AWAITING_HSA_ID),
            403,
            "Ditt konto väntar på att en administratör godkänner det.",
        ),
    ];
    for (serial, status, message) in cases {
        let client = pki.https(Some(&pki.client(serial)));
        let answer = siths_login(&client, &server);
        assert_eq!(answer.status, status, "{serial:?}: {}", answer.text());
        assert!(
            answer.text().contains(message),
            "{serial:?}: {}",
            answer.text()
        );
        assert!(
            set_cookie(&answer, "blankett_session").is_none(),
            "{serial:?}"
        );
    }
    // Without a card at all.
    let answer = siths_login(&pki.https(None), &server);
    assert_eq!(answer.status, 401);
    assert!(
        answer.text().contains("Inget SITHS-kort hittades"),
        "{}",
        answer.text()
    );
    let log = server.log();
    assert!(!log.contains("19121212"), "personnummer in the log: {log}");
}
