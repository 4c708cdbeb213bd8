//! A SITHS-like PKI made at test time (rcgen), and an HTTPS client (ureq on rustls/ring) that trusts it and may
//! present a client certificate, for the tests of HTTPS and SITHS log-in.
//!
//! ```ignore
//! mod tls_support;
//! mod web_support;
//! let pki = tls_support::TestPki::new();
//! let server = web_support::Server::start(&pki.server_env());
//! let card = pki.client(Some(tls_support::HSA_ID));
//! let answer = pki.https(Some(&card)).get(&server.url("/staff/login/siths"));
//! ```
//!
//! Needs `mod web_support;` beside it: answers are [`web_support::Answer`]s.
#![allow(dead_code)]

use crate::web_support::{Answer, Server};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

/// An HSA-id to give an account, and the card that carries it.
pub const HSA_ID: &str = "SE2321000016-1003";
/// A well-formed HSA-id that no account has.
pub const UNKNOWN_HSA_ID: &str = "SE2321000016-9Z99";
/// Skatteverket's test personnummer, as the second certificate of some cards carries one.
pub const PERSONNUMMER: &str = "19121212-1212";
/// The common name of the test CA, as the SITHS CAs are named.
pub const CA_NAME: &str = "Test SITHS e-id CA";

/// A CA, a server certificate for `localhost` and 127.0.0.1 signed by it, and the PEM files of both in a
/// temporary folder.
pub struct TestPki {
    pub dir: tempfile::TempDir,
    /// The CA certificate: the server's `BLANKETT_TLS_CLIENT_CA`, and the client's trust root.
    pub ca_pem: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    ca: CertifiedIssuer<'static, KeyPair>,
    issued: AtomicUsize,
}

/// A client certificate and its key, as a card would present them.
pub struct ClientIdentity {
    pub der: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl TestPki {
    pub fn new() -> TestPki {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = make_ca(CA_NAME);
        let server_key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".into()])
            .expect("server names");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let server = params
            .signed_by(&server_key, &ca)
            .expect("server certificate");
        let write = |name: &str, pem: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).expect("write PEM");
            path
        };
        TestPki {
            ca_pem: write("ca.pem", &ca.pem()),
            server_cert: write("server.pem", &server.pem()),
            server_key: write("server-key.pem", &server_key.serialize_pem()),
            dir,
            ca,
            issued: AtomicUsize::new(0),
        }
    }

    /// The environment for `blankett serve` with HTTPS and SITHS client certificates from this CA.
    pub fn server_env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.server_env_without_client_ca();
        env.push(("BLANKETT_TLS_CLIENT_CA", path_text(&self.ca_pem)));
        env
    }

    /// HTTPS only: no client certificates asked for.
    pub fn server_env_without_client_ca(&self) -> Vec<(&'static str, String)> {
        vec![
            ("BLANKETT_TLS_CERT", path_text(&self.server_cert)),
            ("BLANKETT_TLS_KEY", path_text(&self.server_key)),
        ]
    }

    /// Starts `blankett serve` with [`Self::server_env`] and `extra` (which may override it).
    pub fn start_server(&self, extra: &[(&str, &str)]) -> Server {
        self.start_server_in(tempfile::tempdir().expect("tempdir"), extra)
    }

    /// The same on a data folder the test has prepared.
    pub fn start_server_in(&self, data: tempfile::TempDir, extra: &[(&str, &str)]) -> Server {
        let env = self.server_env();
        let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(extra);
        Server::start_in(data, &all)
    }

    /// A client certificate from this CA for "Test Testsson", with `serial` as the subject serialNumber (an
    /// HSA-id, a personnummer, anything) or none. Written as PEM into the folder too.
    pub fn client(&self, serial: Option<&str>) -> ClientIdentity {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        issue_client(
            &self.ca,
            serial,
            self.dir.path().join(format!("client-{n}")),
        )
    }

    /// A client certificate with `serial` from another CA, which the server does not trust.
    pub fn foreign_client(&self, serial: Option<&str>) -> ClientIdentity {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let other = make_ca("Annan CA");
        issue_client(&other, serial, self.dir.path().join(format!("foreign-{n}")))
    }

    /// An HTTPS client that trusts this CA and presents `identity` when the server asks for a certificate. It
    /// keeps no cookies (pass them with the `*_with` calls) and follows no redirects.
    pub fn https(&self, identity: Option<&ClientIdentity>) -> HttpsClient {
        let ca = Certificate::from_der(self.ca.der()).to_owned();
        let client_cert = identity.map(|id| {
            let key = PrivateKey::from_pem(id.key_pem.as_bytes()).expect("client key PEM");
            ClientCert::new_with_certs(&[Certificate::from_der(&id.der).to_owned()], key)
        });
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&[ca]))
            .client_cert(client_cert)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        HttpsClient { agent }
    }
}

pub struct HttpsClient {
    agent: ureq::Agent,
}

impl HttpsClient {
    pub fn get(&self, url: &str) -> Answer {
        self.get_with(url, &[])
    }

    /// A GET whose failure (a refused handshake, say) is the test's to judge.
    pub fn try_get(&self, url: &str) -> Result<Answer, ureq::Error> {
        self.agent
            .get(url)
            .call()
            .map(|res| Server::answer(Ok(res)))
    }

    pub fn get_with(&self, url: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self.agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Server::answer(req.call())
    }

    pub fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> Answer {
        self.post_form_with(url, &[], fields)
    }

    pub fn post_form_with(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        fields: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.agent.post(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Server::answer(req.send_form(fields.iter().copied()))
    }
}

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Blankett test");
    params.distinguished_name.push(DnType::CountryName, "SE");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA")
}

fn issue_client(
    ca: &CertifiedIssuer<'static, KeyPair>,
    serial: Option<&str>,
    stem: PathBuf,
) -> ClientIdentity {
    let key = KeyPair::generate().expect("client key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "SE");
    dn.push(DnType::CommonName, "Test Testsson");
    if let Some(serial) = serial {
        // SITHS writes the serialNumber (2.5.4.5) as a PrintableString.
        dn.push(
            DnType::CustomDnType(vec![2, 5, 4, 5]),
            DnValue::PrintableString(serial.try_into().expect("printable serialNumber")),
        );
    }
    params.distinguished_name = dn;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let cert = params.signed_by(&key, ca).expect("client certificate");
    let id = ClientIdentity {
        der: cert.der().to_vec(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_file: stem.with_extension("pem"),
        key_file: stem.with_extension("key.pem"),
    };
    std::fs::write(&id.cert_file, &id.cert_pem).expect("write client certificate");
    std::fs::write(&id.key_file, &id.key_pem).expect("write client key");
    id
}

fn path_text(p: &std::path::Path) -> String {
    p.to_str().expect("temporary paths are UTF-8").to_string()
}
