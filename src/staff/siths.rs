//! SITHS: who a client certificate says its holder is. The HSA-id is in the subject's `serialNumber`; some
//! cards carry a second certificate with the personnummer there instead, which people pick by mistake.

use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::OID_X509_SERIALNUMBER;
use x509_parser::prelude::FromDer;

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

/// An HSA-id is at most 31 characters (the HSA catalogue's limit): `SE`, ten digits, `-`, and up to 18 more.
const HSA_ID_MAX_LEN: usize = 31;

/// Reads the identity from a DER certificate. A certificate that does not parse is `Missing`.
///
/// A subject may hold more than one serialNumber; an HSA-id among them wins, so that a certificate is refused as
/// a personnummer certificate only when it carries no HSA-id at all.
pub fn identity_from_der(der: &[u8]) -> CertIdentity {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return CertIdentity::Missing;
    };
    let mut found = CertIdentity::Missing;
    for attr in cert.subject().iter_by_oid(&OID_X509_SERIALNUMBER) {
        let Ok(value) = attr.as_str() else { continue };
        match classify_serial(value) {
            hsa @ CertIdentity::HsaId(_) => return hsa,
            CertIdentity::Personnummer => found = CertIdentity::Personnummer,
            CertIdentity::Missing => {}
        }
    }
    found
}

/// Classifies a subject serialNumber value.
pub fn classify_serial(serial: &str) -> CertIdentity {
    let serial = serial.trim();
    if is_hsa_id(serial) {
        // HSA-ids are written in capitals; a card that writes `se...` still means the same person.
        CertIdentity::HsaId(serial.to_ascii_uppercase())
    } else if is_personnummer(serial) {
        CertIdentity::Personnummer
    } else {
        CertIdentity::Missing
    }
}

/// `SE` + ten-digit organisation number + `-` + an alphanumeric suffix.
fn is_hsa_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 13
        && b.len() <= HSA_ID_MAX_LEN
        && b[..2].eq_ignore_ascii_case(b"SE")
        && b[2..12].iter().all(u8::is_ascii_digit)
        && b[12] == b'-'
        && b[13..].iter().all(u8::is_ascii_alphanumeric)
}

/// Twelve digits, perhaps with `-` (or `+`, over a hundred years old) between date and number.
fn is_personnummer(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    match b.len() {
        12 => digits(b),
        13 => digits(&b[..8]) && matches!(b[8], b'-' | b'+') && digits(&b[9..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsa_ids_are_recognised() {
        assert_eq!(
            classify_serial("SE2321000016-1003"),
            CertIdentity::HsaId("SE2321000016-1003".into())
        );
        assert_eq!(
            classify_serial(" SE2321000016-E12X "),
            CertIdentity::HsaId("SE2321000016-E12X".into())
        );
        assert_eq!(
            classify_serial("se2321000016-abc1"),
            CertIdentity::HsaId("SE2321000016-ABC1".into())
        );
    }

    #[test]
    fn personnummer_serials_are_recognised_without_their_value() {
        assert_eq!(classify_serial("198112189876"), CertIdentity::Personnummer);
        assert_eq!(classify_serial("19811218-9876"), CertIdentity::Personnummer);
        assert_eq!(classify_serial("19121212+1212"), CertIdentity::Personnummer);
    }

    #[test]
    fn anything_else_is_missing() {
        for s in [
            "",
            "SE2321000016-",
            "SE2321000016",
            "SE232100001-1003",
            "DK2321000016-1003",
            "SE2321000016_1003",
            "SE2321000016-10 03",
            "SE2321000016-123456789012345678X",
            "8112189876",
            "1981121898761",
            "19811218 9876",
            "Anna Andersson",
        ] {
            assert_eq!(classify_serial(s), CertIdentity::Missing, "{s:?}");
        }
    }

    #[test]
    fn bytes_that_are_no_certificate_are_missing() {
        assert_eq!(identity_from_der(&[]), CertIdentity::Missing);
        assert_eq!(
            identity_from_der(b"-----BEGIN CERTIFICATE-----"),
            CertIdentity::Missing
        );
        assert_eq!(
            identity_from_der(&[0x30, 0x82, 0xff, 0xff, 0x01]),
            CertIdentity::Missing
        );
    }
}
