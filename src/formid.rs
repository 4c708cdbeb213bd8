//! Form IDs: one per printed copy, naming the form and its version, short enough to type from the page.
//!
//! `KA1-7GQ4-M2XD-P` reads: form code `KA`, version `1`, eight random serial characters, one check character.
//! The alphabet has 31 symbols (digits and capitals without I, L, O, U, Z, which are mistaken for 1, 1, 0, V and 2),
//! and 31 is prime: with position weights 1..=12 the check character catches every single wrong character and
//! every swap of two characters, adjacent or not. The version travels in the ID, so a copy printed years ago is
//! still read with the definition it was printed from.

use std::fmt;

pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKMNPQRSTVWXY";
const SERIAL_LEN: usize = 8;
/// Code (2) + version (1) + serial (8).
const PAYLOAD_LEN: usize = 11;
pub const MAX_VERSION: u32 = 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormIdError {
    #[error("blankett-id ska ha 12 tecken, fick {0}")]
    Length(usize),
    #[error("tecknet '{0}' används inte i blankett-id")]
    Character(char),
    #[error("kontrolltecknet stämmer inte: id:t är felskrivet")]
    Check,
    #[error("versionen måste vara 1–{MAX_VERSION}")]
    Version,
    #[error("koden ska vara två tecken ur id-alfabetet")]
    Code,
}

fn value(symbol: u8) -> Option<u8> {
    ALPHABET.iter().position(|&s| s == symbol).map(|p| p as u8)
}

/// Reads a character as a person may have typed or written it.
fn normalise(c: char) -> Option<u8> {
    let upper = c.to_ascii_uppercase();
    let mapped = match upper {
        'O' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'U' => 'V',
        other => other,
    };
    u8::try_from(mapped).ok().filter(|b| value(*b).is_some())
}

/// A form's code and version, the part of an ID that names the definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormCode {
    pub code: [u8; 2],
    pub version: u32,
}

impl FormCode {
    pub fn parse(code: &str, version: u32) -> Result<FormCode, FormIdError> {
        let bytes = code.as_bytes();
        if bytes.len() != 2
            || bytes
                .iter()
                .any(|b| !b.is_ascii_uppercase() || value(*b).is_none())
        {
            return Err(FormIdError::Code);
        }
        if !(1..=MAX_VERSION).contains(&version) {
            return Err(FormIdError::Version);
        }
        Ok(FormCode {
            code: [bytes[0], bytes[1]],
            version,
        })
    }

    pub fn code_str(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("??")
    }

    fn version_symbol(&self) -> u8 {
        ALPHABET[self.version as usize]
    }
}

impl fmt::Display for FormCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.code_str(),
            char::from(self.version_symbol())
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormId {
    pub form: FormCode,
    serial: [u8; SERIAL_LEN],
}

fn check_symbol(payload: &[u8; PAYLOAD_LEN]) -> u8 {
    let sum: u32 = payload
        .iter()
        .enumerate()
        .map(|(i, &s)| (i as u32 + 1) * u32::from(value(s).unwrap_or(0)))
        .sum();
    // The check value c makes sum + 12·c ≡ 0 (mod 31); 13 is the inverse of 12 modulo 31.
    let c = ((31 - sum % 31) % 31) * 13 % 31;
    ALPHABET[c as usize]
}

impl FormId {
    /// A fresh ID with a random serial from the operating system's generator (40 bits: not guessable, so a
    /// public site can hand them out without one copy's ID telling another's).
    pub fn generate(form: FormCode) -> FormId {
        use rand::RngExt;
        let mut rng = rand::rng();
        let mut serial = [0u8; SERIAL_LEN];
        for s in &mut serial {
            *s = ALPHABET[rng.random_range(0..ALPHABET.len())];
        }
        FormId { form, serial }
    }

    fn payload(&self) -> [u8; PAYLOAD_LEN] {
        let mut p = [0u8; PAYLOAD_LEN];
        p[..2].copy_from_slice(&self.form.code);
        p[2] = self.form.version_symbol();
        p[3..].copy_from_slice(&self.serial);
        p
    }

    /// The 12 significant characters without separators, as in the QR code and the database.
    pub fn compact(&self) -> String {
        let p = self.payload();
        let mut s = String::from_utf8_lossy(&p).into_owned();
        s.push(char::from(check_symbol(&p)));
        s
    }

    /// Parses an ID as typed or read: separators, lower case and the look-alikes O, I, L, Z, U are accepted.
    pub fn parse(text: &str) -> Result<FormId, FormIdError> {
        let mut symbols = Vec::with_capacity(12);
        for c in text.chars() {
            if c == '-' || c == ' ' || c == '\u{a0}' {
                continue;
            }
            symbols.push(normalise(c).ok_or(FormIdError::Character(c))?);
        }
        if symbols.len() != PAYLOAD_LEN + 1 {
            return Err(FormIdError::Length(symbols.len()));
        }
        let mut payload = [0u8; PAYLOAD_LEN];
        payload.copy_from_slice(&symbols[..PAYLOAD_LEN]);
        if check_symbol(&payload) != symbols[PAYLOAD_LEN] {
            return Err(FormIdError::Check);
        }
        let code = [payload[0], payload[1]];
        if !code.iter().all(u8::is_ascii_uppercase) {
            return Err(FormIdError::Code);
        }
        let version = u32::from(value(payload[2]).unwrap_or(0));
        if version == 0 {
            return Err(FormIdError::Version);
        }
        let mut serial = [0u8; SERIAL_LEN];
        serial.copy_from_slice(&payload[3..]);
        Ok(FormId {
            form: FormCode { code, version },
            serial,
        })
    }
}

impl fmt::Display for FormId {
    /// `KA1-7GQ4-M2XD-P`: grouped for reading aloud and typing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.compact();
        write!(f, "{}-{}-{}-{}", &c[..3], &c[3..7], &c[7..11], &c[11..])
    }
}

impl std::str::FromStr for FormId {
    type Err = FormIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FormId::parse(s)
    }
}

/// What each page's QR code says: which copy, which page of how many, and which page of which form definition
/// (a supplement printed after a main form has its own). Upper-case alphanumerics only, so the symbol stays at
/// QR version 2 with error correction level Q (25 % of the symbol may be lost).
///
/// `BK1:KA17GQ4M2XDP:2/3:TB1.1`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageStamp {
    pub id: FormId,
    pub page: u32,
    pub pages: u32,
    /// The definition this page is printed from, and its page number within that definition.
    pub template: FormCode,
    pub template_page: u32,
}

const STAMP_PREFIX: &str = "BK1:";

impl PageStamp {
    pub fn encode(&self) -> String {
        format!(
            "{STAMP_PREFIX}{}:{}/{}:{}.{}",
            self.id.compact(),
            self.page,
            self.pages,
            self.template,
            self.template_page
        )
    }

    pub fn decode(text: &str) -> Option<PageStamp> {
        let rest = text.trim().strip_prefix(STAMP_PREFIX)?;
        let mut parts = rest.split(':');
        let id = FormId::parse(parts.next()?).ok()?;
        let (page, pages) = parts.next()?.split_once('/')?;
        let (template, template_page) = parts.next()?.split_once('.')?;
        if parts.next().is_some() || template.len() != 3 {
            return None;
        }
        let version = u32::from(value(*template.as_bytes().get(2)?)?);
        let template = FormCode::parse(template.get(..2)?, version).ok()?;
        let stamp = PageStamp {
            id,
            page: page.parse().ok()?,
            pages: pages.parse().ok()?,
            template,
            template_page: template_page.parse().ok()?,
        };
        (stamp.page >= 1 && stamp.page <= stamp.pages && stamp.template_page >= 1).then_some(stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FormId {
        FormId::generate(FormCode::parse("KA", 1).unwrap())
    }

    #[test]
    fn round_trips_through_display_and_compact() {
        for _ in 0..200 {
            let id = sample();
            assert_eq!(FormId::parse(&id.to_string()).unwrap(), id);
            assert_eq!(FormId::parse(&id.compact().to_lowercase()).unwrap(), id);
            assert_eq!(id.to_string().len(), 15);
        }
    }

    #[test]
    fn every_single_substitution_is_caught() {
        for _ in 0..50 {
            let compact = sample().compact().into_bytes();
            for pos in 0..compact.len() {
                for &s in ALPHABET.iter().filter(|&&s| s != compact[pos]) {
                    let mut typo = compact.clone();
                    typo[pos] = s;
                    assert!(
                        FormId::parse(std::str::from_utf8(&typo).unwrap()).is_err(),
                        "{}",
                        String::from_utf8_lossy(&typo)
                    );
                }
            }
        }
    }

    #[test]
    fn every_swap_of_two_characters_is_caught() {
        for _ in 0..50 {
            let compact = sample().compact().into_bytes();
            for i in 0..compact.len() {
                for j in i + 1..compact.len() {
                    if compact[i] == compact[j] {
                        continue;
                    }
                    let mut typo = compact.clone();
                    typo.swap(i, j);
                    assert!(FormId::parse(std::str::from_utf8(&typo).unwrap()).is_err());
                }
            }
        }
    }

    #[test]
    fn look_alikes_are_read_as_meant() {
        let id = sample();
        let written: String = id
            .compact()
            .chars()
            .map(|c| match c {
                '0' => 'O',
                '1' => 'l',
                c => c,
            })
            .collect();
        assert_eq!(FormId::parse(&written).unwrap(), id);
    }

    #[test]
    fn version_and_code_are_in_the_id() {
        let id = FormId::generate(FormCode::parse("TB", 12).unwrap());
        let parsed = FormId::parse(&id.to_string()).unwrap();
        assert_eq!(parsed.form.code_str(), "TB");
        assert_eq!(parsed.form.version, 12);
        assert!(
            FormCode::parse("KL", 1).is_err(),
            "L is not in the alphabet"
        );
        assert!(FormCode::parse("KA", 31).is_err());
    }

    #[test]
    fn garbage_is_refused_without_panic() {
        for text in [
            "",
            "KA1",
            "ÅÄÖ-ÅÄÖ-ÅÄÖ-Å",
            "KA1-7GQ4-M2XD-P-P",
            "\u{0}\u{1}",
            "KA0-0000-0000-0",
        ] {
            assert!(FormId::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn page_stamp_round_trips_and_fits_version_2_q() {
        let id = sample();
        let stamp = PageStamp {
            id,
            page: 3,
            pages: 4,
            template: FormCode::parse("TB", 1).unwrap(),
            template_page: 1,
        };
        let text = stamp.encode();
        assert_eq!(PageStamp::decode(&text), Some(stamp));
        assert!(
            text.len() <= 29,
            "{text} exceeds the alphanumeric capacity of a version-2-Q symbol"
        );
        assert!(
            text.bytes()
                .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
        );
        assert_eq!(PageStamp::decode("BK1:nonsense"), None);
        assert_eq!(PageStamp::decode(&text.replace("3/4", "5/4")), None);
    }
}
