//! HTTPS with rustls, and SITHS client certificates: the client may present a certificate (mutual TLS, optional so
//! that password log-in still works); the certificate of each connection is put into the request's connection
//! data as [`PeerCertificate`] for the SITHS log-in to read.

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use anyhow::{Context, Result, bail};
use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::any::Any;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The server's certificate chain (PEM).
pub const CERT_ENV: &str = "BLANKETT_TLS_CERT";
/// The server's private key (PEM: PKCS#8, PKCS#1 or SEC1).
pub const KEY_ENV: &str = "BLANKETT_TLS_KEY";
/// The CA certificates (PEM) that issue the client certificates: SITHS.
pub const CLIENT_CA_ENV: &str = "BLANKETT_TLS_CLIENT_CA";

/// The DER of the client certificate the connection presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate(pub Vec<u8>);

/// Where the server's certificate and key are, and which CA issues the client certificates (SITHS). From
/// `BLANKETT_TLS_CERT`, `BLANKETT_TLS_KEY`, `BLANKETT_TLS_CLIENT_CA` (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Without it, no client certificates are asked for and SITHS log-in is off.
    pub client_ca: Option<PathBuf>,
}

impl TlsSettings {
    /// `None` when neither certificate nor key is set: the site serves plain HTTP.
    pub fn from_env() -> Result<Option<TlsSettings>> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        Self::from_vars(var(CERT_ENV), var(KEY_ENV), var(CLIENT_CA_ENV))
    }

    /// The settings from the three variables' values (`None` for unset). Certificate and key go together; each
    /// named file must be readable now, so that a typo stops the start rather than the first connection.
    pub fn from_vars(
        cert: Option<OsString>,
        key: Option<OsString>,
        client_ca: Option<OsString>,
    ) -> Result<Option<TlsSettings>> {
        let (cert, key) = match (cert, key) {
            (None, None) => {
                if client_ca.is_some() {
                    bail!(
                        "{CLIENT_CA_ENV} är satt men inte {CERT_ENV} och {KEY_ENV}: SITHS-inloggning kräver HTTPS"
                    );
                }
                return Ok(None);
            }
            (Some(_), None) => {
                bail!("{CERT_ENV} är satt men inte {KEY_ENV}: ange båda eller ingen")
            }
            (None, Some(_)) => {
                bail!("{KEY_ENV} är satt men inte {CERT_ENV}: ange båda eller ingen")
            }
            (Some(c), Some(k)) => (PathBuf::from(c), PathBuf::from(k)),
        };
        let settings = TlsSettings {
            cert,
            key,
            client_ca: client_ca.map(PathBuf::from),
        };
        read_file(&settings.cert, CERT_ENV, "certifikatfilen")?;
        read_file(&settings.key, KEY_ENV, "nyckelfilen")?;
        if let Some(ca) = &settings.client_ca {
            read_file(ca, CLIENT_CA_ENV, "CA-filen för klientcertifikat")?;
        }
        Ok(Some(settings))
    }
}

/// The rustls configuration for the site, on the `ring` provider. With a client CA, clients are asked for a
/// certificate from it but may also come without one (password log-in); a certificate from another issuer ends
/// the handshake.
///
/// ALPN is left to actix, which offers `http/1.1` (and `h2` when its http2 feature is on) ahead of anything set
/// here.
pub fn server_config(settings: &TlsSettings) -> Result<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = read_certs(&settings.cert, CERT_ENV, "certifikatfilen")?;
    let key_pem = read_file(&settings.key, KEY_ENV, "nyckelfilen")?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        anyhow::anyhow!(
            "{KEY_ENV}: ingen privat nyckel i {} ({e})",
            settings.key.display()
        )
    })?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS-versionerna kunde inte väljas")?;
    let builder = match &settings.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => builder.with_client_cert_verifier(client_verifier(ca, provider)?),
    };
    builder.with_single_cert(chain, key).with_context(|| {
        format!(
            "{CERT_ENV}/{KEY_ENV}: certifikatet i {} och nyckeln i {} hör inte ihop eller kan inte användas",
            settings.cert.display(),
            settings.key.display()
        )
    })
}

/// For `HttpServer::on_connect`: keeps the first certificate the client presented (its own, not the chain's
/// issuers) with the connection.
pub fn on_connect(conn: &dyn Any, ext: &mut Extensions) {
    let Some(tls) = conn.downcast_ref::<TlsStream<TcpStream>>() else {
        return;
    };
    let (_, session) = tls.get_ref();
    if let Some(first) = session.peer_certificates().and_then(|c| c.first()) {
        ext.insert(PeerCertificate(first.as_ref().to_vec()));
    }
}

fn client_verifier(
    ca: &Path,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    let mut roots = RootCertStore::empty();
    for cert in read_certs(ca, CLIENT_CA_ENV, "CA-filen för klientcertifikat")? {
        roots.add(cert).with_context(|| {
            format!(
                "{CLIENT_CA_ENV}: ett certifikat i {} kan inte användas som CA",
                ca.display()
            )
        })?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .with_context(|| {
            format!(
                "{CLIENT_CA_ENV}: kontrollen av klientcertifikat kunde inte byggas från {}",
                ca.display()
            )
        })
}

/// Every certificate in a PEM file; at least one.
fn read_certs(path: &Path, var: &str, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read_file(path, var, what)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow::anyhow!(
                "{var}: {what} {} kan inte läsas som PEM ({e})",
                path.display()
            )
        })?;
    if certs.is_empty() {
        bail!(
            "{var}: {what} {} innehåller inget certifikat (PEM)",
            path.display()
        );
    }
    Ok(certs)
}

fn read_file(path: &Path, var: &str, what: &str) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{var}: {what} {} finns inte", path.display())
        }
        Err(e) => bail!("{var}: {what} {} kan inte läsas: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(p: &Path) -> Option<OsString> {
        Some(p.as_os_str().to_owned())
    }

    #[test]
    fn nothing_set_is_plain_http() {
        assert_eq!(TlsSettings::from_vars(None, None, None).unwrap(), None);
    }

    #[test]
    fn certificate_and_key_go_together() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.pem");
        std::fs::write(&f, "x").unwrap();
        let e = TlsSettings::from_vars(some(&f), None, None).unwrap_err();
        assert!(e.to_string().contains("BLANKETT_TLS_KEY"), "{e}");
        let e = TlsSettings::from_vars(None, some(&f), None).unwrap_err();
        assert!(e.to_string().contains("BLANKETT_TLS_CERT"), "{e}");
        let e = TlsSettings::from_vars(None, None, some(&f)).unwrap_err();
        assert!(e.to_string().contains("kräver HTTPS"), "{e}");
        let s = TlsSettings::from_vars(some(&f), some(&f), some(&f))
            .unwrap()
            .unwrap();
        assert_eq!(s.client_ca.as_deref(), Some(f.as_path()));
    }

    #[test]
    fn a_missing_file_is_named_in_swedish() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("finns.pem");
        std::fs::write(&f, "x").unwrap();
        let gone = dir.path().join("borta.pem");
        let e = TlsSettings::from_vars(some(&f), some(&gone), None).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("BLANKETT_TLS_KEY")
                && msg.contains("borta.pem")
                && msg.contains("finns inte"),
            "{msg}"
        );
        let e = TlsSettings::from_vars(some(&f), some(&f), some(&gone)).unwrap_err();
        assert!(e.to_string().contains("BLANKETT_TLS_CLIENT_CA"), "{e}");
        // A folder where a file should be cannot be read.
        let e = TlsSettings::from_vars(some(dir.path()), some(&f), None).unwrap_err();
        assert!(e.to_string().contains("kan inte läsas"), "{e}");
    }

    #[test]
    fn files_without_pem_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tom.pem");
        std::fs::write(&f, "inte pem").unwrap();
        let settings = TlsSettings {
            cert: f.clone(),
            key: f.clone(),
            client_ca: None,
        };
        let e = server_config(&settings).unwrap_err();
        assert!(e.to_string().contains("inget certifikat"), "{e}");
    }
}
