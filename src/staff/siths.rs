//! SITHS: who a client certificate says its holder is. The HSA-id is in the subject's `serialNumber`; some
//! cards carry a second certificate with the personnummer there instead, which people pick by mistake.

/// What the subject `serialNumber` of a client certificate holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertIdentity {
    /// e.g. `SE2321000016-1003`.
    HsaId(String),
    /// Twelve digits: the holder's personnummer. Never logged.
    Personnummer,
    /// No serialNumber, or one that is neither.
    Missing,
}

/// Reads the identity from a DER certificate. A certificate that does not parse is `Missing`.
pub fn identity_from_der(der: &[u8]) -> CertIdentity {
    let _ = der;
    todo!()
}

/// Classifies a subject serialNumber value.
pub fn classify_serial(serial: &str) -> CertIdentity {
    let _ = serial;
    todo!()
}
