//! HTTPS with rustls, and SITHS client certificates: the client may present a certificate (mutual TLS, optional so
//! that password log-in still works); the certificate of each connection is put into the request's connection
//! data as [`PeerCertificate`] for the SITHS log-in to read.

use std::path::PathBuf;

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
