//! Swedish identifiers: personnummer, samordningsnummer, rikskod, HSA-id, postnummer.
//!
//! Pure functions that never panic, whatever the input. Errors carry precise Swedish messages that can be shown
//! to the person who wrote the number (or who checks what the scanner read).

use serde::Serialize;
use thiserror::Error;

/// What kind of identity number a patient has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// `YYYYMMDD-NNNC`, a real or assigned birth date.
    Personnummer,
    /// As a personnummer, with the day plus 60 (61–91).
    Samordningsnummer,
    /// A regional reserve number; there is no national format, so it is recorded as written.
    Reservnummer,
}

/// Why an identifier was rejected. `Display` gives a Swedish sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    #[error("Personnummer saknas")]
    PersonnummerEmpty,
    #[error(
        "Personnumret ska ha 12 siffror (ÅÅÅÅMMDDNNNK): skriv hela födelseåret, t.ex. 19811218-9876 i stället för 811218-9876"
    )]
    PersonnummerMissingCentury,
    #[error("Personnumret ska ha 12 siffror (ÅÅÅÅMMDDNNNK), inte {0}")]
    PersonnummerLength(usize),
    #[error(
        "Personnumret får bara innehålla siffror, och bindestreck eller plustecken före de fyra sista; ”{0}” är inte tillåtet"
    )]
    PersonnummerChar(char),
    #[error("Bindestrecket eller plustecknet ska stå före de fyra sista siffrorna (ÅÅÅÅMMDD-NNNK)")]
    PersonnummerSeparator,
    #[error("Födelseåret {year} är inte rimligt: det ska vara mellan {min} och {max}")]
    PersonnummerYear { year: u32, min: u32, max: u32 },
    #[error("Månaden {0:02} finns inte: den ska vara 01–12")]
    PersonnummerMonth(u32),
    #[error("Dagen 00 finns inte: dagen ska vara 01–31, eller 61–91 för ett samordningsnummer")]
    PersonnummerDayZero,
    #[error("Dagen {0:02} är ogiltig: den ska vara 01–31, eller 61–91 för ett samordningsnummer")]
    PersonnummerDay(u32),
    #[error("Kontrollsiffran stämmer inte: sista siffran borde vara {expected}")]
    CheckDigit { expected: u8 },

    #[error("Rikskod saknas")]
    RikskodEmpty,
    #[error(
        "Rikskoden ska vara födelseåret med fyra siffror och personnumrets fyra sista siffror, t.ex. 1980-1234"
    )]
    RikskodFormat,
    #[error("Födelseåret {year} i rikskoden är inte rimligt: det ska vara mellan {min} och {max}")]
    RikskodYear { year: u32, min: u32, max: u32 },

    #[error("HSA-id saknas")]
    HsaEmpty,
    #[error("HSA-id får vara högst 31 tecken långt, detta har {0}")]
    HsaTooLong(usize),
    #[error(
        "Detta är ett personnummer, inte ett HSA-id. Välj certifikatet med HSA-id på SITHS-kortet (SITHS e-id Person HSA-id)"
    )]
    HsaIsPersonnummer,
    #[error(
        "HSA-id ska börja med landskod och organisationsnummer (10 eller 12 siffror), t.ex. SE2321000016-3MKB"
    )]
    HsaPrefix,
    #[error("HSA-id ska ha ett bindestreck efter organisationsnumret, t.ex. SE2321000016-3MKB")]
    HsaHyphen,
    #[error("Efter bindestrecket ska HSA-id ha bokstäver eller siffror, t.ex. SE2321000016-3MKB")]
    HsaSuffix,

    #[error("Reservnummer saknas")]
    ReservnummerEmpty,
    #[error(
        "Ett reservnummer har {min}–12 tecken (bokstäver A–Z och siffror), t.ex. 19810829M071; detta har {0}",
        min = RESERVNUMMER_MIN
    )]
    ReservnummerLength(usize),
    #[error("Ett reservnummer har bara bokstäver A–Z och siffror; ”{0}” är inte tillåtet")]
    ReservnummerChar(char),

    #[error("Postnummer saknas")]
    PostnummerEmpty,
    #[error("Postnummer ska ha fem siffror, t.ex. 123 45")]
    PostnummerFormat,
    #[error("Postnummer börjar aldrig med 0")]
    PostnummerLeadingZero,
}

/// Oldest birth year accepted, counted back from the current year (nobody has lived 130 years).
const MAX_AGE: u32 = 130;

/// The current calendar year (UTC).
fn current_year() -> u32 {
    u32::try_from(time::OffsetDateTime::now_utc().year()).unwrap_or(2026)
}

/// The Luhn check digit for nine digits (weights 2,1,2,1,… from the left). `None` unless `nine_digits` is
/// exactly nine ASCII digits.
pub fn luhn_check_digit(nine_digits: &str) -> Option<u8> {
    let b = nine_digits.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0') * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// Checks a personnummer or samordningsnummer written with 12 digits: `YYYYMMDDNNNC`, or `YYYYMMDD-NNNC` /
/// `YYYYMMDD+NNNC`. Spaces around the number are ignored. The check digit is the Luhn digit over `YYMMDDNNN`
/// (the century is not part of it). A day of 61–91 makes it a samordningsnummer.
///
/// The date need not be a real birthday (numbers are assigned with impossible dates when a day's series runs
/// out), so 19810230 passes; only month 00 or above 12, day 00, and days outside 01–31 and 61–91 are rejected,
/// and a birth year that is in the future or more than 130 years back.
pub fn check_personnummer(digits12: &str) -> Result<IdentityKind, IdentityError> {
    check_personnummer_at(digits12, current_year())
}

/// As [`check_personnummer`], with the current year given (for tests and reproducible checks).
pub fn check_personnummer_at(s: &str, current_year: u32) -> Result<IdentityKind, IdentityError> {
    let digits = personnummer_digits(s)?;
    let b = digits.as_bytes();
    let num =
        |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
    let year = num(0..4);
    let month = num(4..6);
    let day = num(6..8);
    let min = current_year.saturating_sub(MAX_AGE);
    if year < min || year > current_year {
        return Err(IdentityError::PersonnummerYear {
            year,
            min,
            max: current_year,
        });
    }
    if month == 0 || month > 12 {
        return Err(IdentityError::PersonnummerMonth(month));
    }
    let kind = match day {
        0 => return Err(IdentityError::PersonnummerDayZero),
        1..=31 => IdentityKind::Personnummer,
        61..=91 => IdentityKind::Samordningsnummer,
        _ => return Err(IdentityError::PersonnummerDay(day)),
    };
    let expected = luhn_check_digit(&digits[2..11]).ok_or(IdentityError::PersonnummerLength(12))?;
    if b[11] - b'0' != expected {
        return Err(IdentityError::CheckDigit { expected });
    }
    Ok(kind)
}

/// The 12 digits of a valid personnummer or samordningsnummer, without separator (`198112189876`).
pub fn normalize_personnummer(s: &str) -> Result<String, IdentityError> {
    check_personnummer(s)?;
    personnummer_digits(s)
}

/// Strips the separator and checks the shape (12 digits, separator only before the last four).
fn personnummer_digits(s: &str) -> Result<String, IdentityError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(IdentityError::PersonnummerEmpty);
    }
    let mut digits = String::with_capacity(12);
    let mut separator_at = None;
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '+' if separator_at.is_none() => separator_at = Some(digits.len()),
            '-' | '+' => return Err(IdentityError::PersonnummerSeparator),
            c => return Err(IdentityError::PersonnummerChar(c)),
        }
    }
    match digits.len() {
        12 => {}
        10 => return Err(IdentityError::PersonnummerMissingCentury),
        n => return Err(IdentityError::PersonnummerLength(n)),
    }
    if separator_at.is_some_and(|at| at != 8) {
        return Err(IdentityError::PersonnummerSeparator);
    }
    Ok(digits)
}

/// Checks a rikskod, the STI/HIV identifier: birth year with four digits and the last four digits of the
/// personnummer, written `1980-1234` or `19801234`. The birth year must be 1900 or later, and not in the future.
pub fn check_rikskod(s: &str) -> Result<(), IdentityError> {
    check_rikskod_at(s, current_year())
}

/// As [`check_rikskod`], with the current year given.
pub fn check_rikskod_at(s: &str, current_year: u32) -> Result<(), IdentityError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(IdentityError::RikskodEmpty);
    }
    let b = s.as_bytes();
    let digits: Vec<u8> = match b.len() {
        8 => b.to_vec(),
        9 if b[4] == b'-' => b[..4].iter().chain(&b[5..]).copied().collect(),
        _ => return Err(IdentityError::RikskodFormat),
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(IdentityError::RikskodFormat);
    }
    let year = digits[..4]
        .iter()
        .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
    if !(1900..=current_year).contains(&year) {
        return Err(IdentityError::RikskodYear {
            year,
            min: 1900,
            max: current_year,
        });
    }
    Ok(())
}

/// Checks an HSA-id: a two-letter country prefix (`SE` in production; test ids may use others), a 10-digit
/// organisation number, `-`, then letters and digits; at most 31 characters (`SE2321000016-3MKB`).
pub fn check_hsa_id(s: &str) -> Result<(), IdentityError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(IdentityError::HsaEmpty);
    }
    if matches!(
        personnummer_digits(s),
        Ok(_) | Err(IdentityError::PersonnummerMissingCentury)
    ) {
        return Err(IdentityError::HsaIsPersonnummer);
    }
    let n = s.chars().count();
    if n > 31 {
        return Err(IdentityError::HsaTooLong(n));
    }
    let b = s.as_bytes();
    if b.len() < 12
        || !b[..2].iter().all(u8::is_ascii_alphabetic)
        || !b[2..12].iter().all(u8::is_ascii_digit)
    {
        return Err(IdentityError::HsaPrefix);
    }
    // The organisation number has 10 digits, or 12 with the century (SE165565594230-WEBCERT00001).
    let org_end = if b.len() > 14 && b[12..14].iter().all(u8::is_ascii_digit) {
        14
    } else {
        12
    };
    if b.get(org_end) != Some(&b'-') {
        return Err(IdentityError::HsaHyphen);
    }
    let suffix = &b[org_end + 1..];
    if suffix.is_empty() || !suffix.iter().all(u8::is_ascii_alphanumeric) {
        return Err(IdentityError::HsaSuffix);
    }
    Ok(())
}

/// Fewest characters a reservnummer is taken with: the regional formats seen have 12, but no national rule
/// says so, and a short one is better taken as written than refused.
pub const RESERVNUMMER_MIN: usize = 6;

/// The regional shapes of a reservnummer that are known (NOTES.md, "Identifiers"); there is no national format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservFormat {
    /// Region Stockholm: `99` + 10 digits.
    Stockholm,
    /// Västra Götaland: `yyyymmdd` + K, M or X + three characters (`19810829M071`).
    VastraGotaland,
    /// Eight digits of birth date and four letters or digits, at least one a letter (Värmland `19810829SU3A`).
    DateAndLetters,
    /// Anything else of 6–12 letters and digits.
    Other,
}

/// Checks a reservnummer: 6–12 characters, capitals A–Z and digits (no separator: it is written in the cells as
/// it is). Lower case letters are taken as capitals. Returns the regional shape it has, where one is known.
pub fn check_reservnummer(s: &str) -> Result<ReservFormat, IdentityError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(IdentityError::ReservnummerEmpty);
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(IdentityError::ReservnummerChar(c));
    }
    let n = s.len();
    if !(RESERVNUMMER_MIN..=12).contains(&n) {
        return Err(IdentityError::ReservnummerLength(n));
    }
    let b = s.to_ascii_uppercase().into_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    Ok(if n == 12 && b.starts_with(b"99") && digits(0..12) {
        ReservFormat::Stockholm
    } else if n == 12 && digits(0..8) && matches!(b[8], b'K' | b'M' | b'X') {
        ReservFormat::VastraGotaland
    } else if n == 12 && digits(0..8) && b[8..].iter().any(u8::is_ascii_alphabetic) {
        ReservFormat::DateAndLetters
    } else {
        ReservFormat::Other
    })
}

/// Checks a Swedish postnummer: five digits, written `12345` or `123 45`.
pub fn check_postnummer(s: &str) -> Result<(), IdentityError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(IdentityError::PostnummerEmpty);
    }
    let b = s.as_bytes();
    let ok = match b.len() {
        5 => b.iter().all(u8::is_ascii_digit),
        6 => b[3] == b' ' && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_digit),
        _ => false,
    };
    if !ok {
        return Err(IdentityError::PostnummerFormat);
    }
    if b[0] == b'0' {
        return Err(IdentityError::PostnummerLeadingZero);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const YEAR: u32 = 2026;

    #[test]
    fn luhn_examples() {
        assert_eq!(luhn_check_digit("811218987"), Some(6));
        assert_eq!(luhn_check_digit("701063239"), Some(1));
        assert_eq!(luhn_check_digit("000000000"), Some(0));
        assert_eq!(luhn_check_digit("81121898"), None);
        assert_eq!(luhn_check_digit("8112189870"), None);
        assert_eq!(luhn_check_digit("81121898x"), None);
        assert_eq!(luhn_check_digit("81121898٣"), None);
        assert_eq!(luhn_check_digit(""), None);
    }

    #[test]
    fn valid_personnummer_and_samordningsnummer() {
        for s in [
            "198112189876",
            "19811218-9876",
            "19811218+9876",
            " 19811218-9876 ",
        ] {
            assert_eq!(
                check_personnummer_at(s, YEAR),
                Ok(IdentityKind::Personnummer),
                "{s}"
            );
        }
        assert_eq!(
            check_personnummer_at("19701063-2391", YEAR),
            Ok(IdentityKind::Samordningsnummer)
        );
        assert_eq!(
            check_personnummer_at("197010632391", YEAR),
            Ok(IdentityKind::Samordningsnummer)
        );
        // The current-year variant agrees.
        assert_eq!(
            check_personnummer("19811218-9876"),
            Ok(IdentityKind::Personnummer)
        );
        assert_eq!(
            normalize_personnummer("19811218-9876").as_deref(),
            Ok("198112189876")
        );
    }

    /// Builds a 12-digit number with a correct check digit.
    fn with_check(eleven: &str) -> String {
        format!("{eleven}{}", luhn_check_digit(&eleven[2..]).unwrap())
    }

    #[test]
    fn impossible_dates_that_are_not_rejected() {
        // 30 February and 31 April: not real birthdays, but the date part is never rejected on that alone.
        for s in [
            with_check("19810230123"),
            with_check("19810431123"),
            with_check("19810291123"),
        ] {
            assert!(check_personnummer_at(&s, YEAR).is_ok(), "{s}");
        }
        assert_eq!(
            check_personnummer_at(&with_check("19810291123"), YEAR),
            Ok(IdentityKind::Samordningsnummer)
        );
    }

    #[test]
    fn invalid_personnummer_with_messages() {
        use IdentityError::*;
        let err = |s: &str| check_personnummer_at(s, YEAR).unwrap_err();
        assert_eq!(err("19811218-9875"), CheckDigit { expected: 6 });
        assert_eq!(
            err("19811218-9875").to_string(),
            "Kontrollsiffran stämmer inte: sista siffran borde vara 6"
        );
        assert_eq!(err("811218-9876"), PersonnummerMissingCentury);
        assert!(
            err("811218-9876")
                .to_string()
                .starts_with("Personnumret ska ha 12 siffror (ÅÅÅÅMMDDNNNK)")
        );
        assert_eq!(err("1981121898"), PersonnummerMissingCentury);
        assert_eq!(err("19811218987"), PersonnummerLength(11));
        assert_eq!(
            err("19811218987").to_string(),
            "Personnumret ska ha 12 siffror (ÅÅÅÅMMDDNNNK), inte 11"
        );
        assert_eq!(err("1981121898765"), PersonnummerLength(13));
        assert_eq!(err(""), PersonnummerEmpty);
        assert_eq!(err("   "), PersonnummerEmpty);
        assert_eq!(err("19811218 9876"), PersonnummerChar(' '));
        assert_eq!(err("1981121898O6"), PersonnummerChar('O'));
        assert_eq!(err("198112-189876"), PersonnummerSeparator);
        assert_eq!(err("19811218--9876"), PersonnummerSeparator);
        assert_eq!(err("19811218-98+76"), PersonnummerSeparator);
        assert_eq!(err(&with_check("19810018123")), PersonnummerMonth(0));
        assert_eq!(err(&with_check("19811318123")), PersonnummerMonth(13));
        assert_eq!(
            err(&with_check("19811318123")).to_string(),
            "Månaden 13 finns inte: den ska vara 01–12"
        );
        assert_eq!(err(&with_check("19811200123")), PersonnummerDayZero);
        assert_eq!(err(&with_check("19811232123")), PersonnummerDay(32));
        assert_eq!(err(&with_check("19811260123")), PersonnummerDay(60));
        assert_eq!(err(&with_check("19811292123")), PersonnummerDay(92));
        assert_eq!(
            err(&with_check("20301218123")),
            PersonnummerYear {
                year: 2030,
                min: 1896,
                max: 2026
            }
        );
        assert_eq!(
            err(&with_check("18811218123")),
            PersonnummerYear {
                year: 1881,
                min: 1896,
                max: 2026
            }
        );
    }

    #[test]
    fn every_single_digit_substitution_is_rejected() {
        let valid = "198112189876";
        assert!(check_personnummer_at(valid, YEAR).is_ok());
        let mut tried = 0;
        for pos in 0..valid.len() {
            for d in b'0'..=b'9' {
                let mut b = valid.as_bytes().to_vec();
                if b[pos] == d {
                    continue;
                }
                b[pos] = d;
                let s = String::from_utf8(b).unwrap();
                assert!(check_personnummer_at(&s, YEAR).is_err(), "{s} was accepted");
                // With the hyphen too.
                let hyphen = format!("{}-{}", &s[..8], &s[8..]);
                assert!(
                    check_personnummer_at(&hyphen, YEAR).is_err(),
                    "{hyphen} was accepted"
                );
                tried += 1;
            }
        }
        assert_eq!(tried, 12 * 9);
    }

    #[test]
    fn adjacent_transpositions_are_mostly_rejected() {
        // Luhn catches every adjacent swap except 0<->9; check the ones in the example.
        let valid = "198112189876";
        for pos in 2..11 {
            let mut b = valid.as_bytes().to_vec();
            if b[pos] == b[pos + 1] {
                continue;
            }
            b.swap(pos, pos + 1);
            let s = String::from_utf8(b).unwrap();
            assert!(check_personnummer_at(&s, YEAR).is_err(), "{s} was accepted");
        }
    }

    #[test]
    fn rikskod() {
        use IdentityError::*;
        for s in ["1980-1234", "19801234", " 1980-1234 ", "1900-0000"] {
            assert_eq!(check_rikskod_at(s, YEAR), Ok(()), "{s}");
        }
        assert_eq!(check_rikskod_at("2026-0001", YEAR), Ok(()));
        assert_eq!(check_rikskod("1980-1234"), Ok(()));
        assert_eq!(check_rikskod_at("", YEAR), Err(RikskodEmpty));
        for s in [
            "80-1234",
            "801234",
            "1980-123",
            "1980-12345",
            "1980 1234",
            "1980_1234",
            "19a0-1234",
            "1980-12é4",
        ] {
            assert_eq!(check_rikskod_at(s, YEAR), Err(RikskodFormat), "{s}");
        }
        assert_eq!(
            check_rikskod_at("1899-1234", YEAR),
            Err(RikskodYear {
                year: 1899,
                min: 1900,
                max: 2026
            })
        );
        assert_eq!(
            check_rikskod_at("2027-1234", YEAR).unwrap_err().to_string(),
            "Födelseåret 2027 i rikskoden är inte rimligt: det ska vara mellan 1900 och 2026"
        );
        // A full personnummer is not a rikskod: it must not be written on an STI form.
        assert_eq!(check_rikskod_at("19811218-9876", YEAR), Err(RikskodFormat));
    }

    #[test]
    fn hsa_id() {
        use IdentityError::*;
        for s in [
            "SE2321000016-3MKB",
            "SE2321000016-1",
            "se2321000016-abc9",
            "TE1234567890-X",
            " SE2321000016-3MKB ",
        ] {
            assert_eq!(check_hsa_id(s), Ok(()), "{s}");
        }
        let longest = format!("SE2321000016-{}", "A".repeat(18));
        assert_eq!(longest.len(), 31);
        assert_eq!(check_hsa_id(&longest), Ok(()));
        assert_eq!(check_hsa_id(&format!("{longest}B")), Err(HsaTooLong(32)));
        assert_eq!(check_hsa_id(""), Err(HsaEmpty));
        assert_eq!(check_hsa_id("19811218-9876"), Err(HsaIsPersonnummer));
        assert_eq!(check_hsa_id("198112189876"), Err(HsaIsPersonnummer));
        assert_eq!(check_hsa_id("811218-9876"), Err(HsaIsPersonnummer));
        assert!(
            check_hsa_id("198112189876")
                .unwrap_err()
                .to_string()
                .contains("certifikatet med HSA-id")
        );
        assert_eq!(check_hsa_id("S2321000016-3MKB"), Err(HsaPrefix));
        assert_eq!(check_hsa_id("SE232100001-3MKB"), Err(HsaPrefix));
        assert_eq!(check_hsa_id("1E2321000016-3MKB"), Err(HsaPrefix));
        assert_eq!(check_hsa_id("SE2321000016"), Err(HsaHyphen));
        assert_eq!(check_hsa_id("SE23210000163MKB"), Err(HsaHyphen));
        assert_eq!(check_hsa_id("SE2321000016-"), Err(HsaSuffix));
        assert_eq!(check_hsa_id("SE2321000016-3M B"), Err(HsaSuffix));
        assert_eq!(check_hsa_id("SE2321000016-3MKÖ"), Err(HsaSuffix));
        assert_eq!(check_hsa_id("ÅÄ2321000016-3MKB"), Err(HsaPrefix));
        // Organisation numbers of 12 digits (NOTES.md): the longest real shape is 31 characters.
        for s in [
            "SE165565594230-1000",
            "SE165565594230-WEBCERT00001",
            "SE2321000131-P000000069215",
        ] {
            assert_eq!(check_hsa_id(s), Ok(()), "{s}");
        }
        assert_eq!(check_hsa_id("SE16556559423-WEBCERT"), Err(HsaHyphen));
        assert_eq!(check_hsa_id("SE165565594230"), Err(HsaHyphen));
    }

    #[test]
    fn reservnummer() {
        use IdentityError::*;
        use ReservFormat::*;
        assert_eq!(check_reservnummer("19810829M071"), Ok(VastraGotaland));
        assert_eq!(check_reservnummer("19810829SU3A"), Ok(DateAndLetters));
        assert_eq!(check_reservnummer("19810829su3a"), Ok(DateAndLetters));
        assert_eq!(check_reservnummer("991981082912"), Ok(Stockholm));
        assert_eq!(check_reservnummer("XX8108290123"), Ok(Other));
        assert_eq!(check_reservnummer(""), Err(ReservnummerEmpty));
        assert_eq!(check_reservnummer("12AB"), Err(ReservnummerLength(4)));
        assert_eq!(
            check_reservnummer("19810829M0712"),
            Err(ReservnummerLength(13))
        );
        assert_eq!(
            check_reservnummer("19810829-M071"),
            Err(ReservnummerChar('-'))
        );
        assert_eq!(
            check_reservnummer("19810829Å071"),
            Err(ReservnummerChar('Å'))
        );
    }

    #[test]
    fn postnummer() {
        use IdentityError::*;
        for s in ["12345", "123 45", " 751 85 ", "98499"] {
            assert_eq!(check_postnummer(s), Ok(()), "{s}");
        }
        assert_eq!(check_postnummer(""), Err(PostnummerEmpty));
        for s in [
            "1234",
            "123456",
            "12 345",
            "123-45",
            "1234a",
            "123  45",
            "１２３４５",
        ] {
            assert_eq!(check_postnummer(s), Err(PostnummerFormat), "{s}");
        }
        assert_eq!(check_postnummer("01234"), Err(PostnummerLeadingZero));
    }

    #[test]
    fn no_panics_on_odd_input() {
        let odd = [
            "",
            "-",
            "+",
            "--",
            "ÅÅÅÅMMDD-NNNK",
            "١٩٨١١٢١٨٩٨٧٦",
            "🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉",
            "19811218-987🎉",
            "\u{0}",
            "9999999999999999999999999999",
            "00000000-0000",
            "99999999-9999",
            "SE",
            "SE-",
            "é",
            "123 4é",
            "1980-",
            "-1980",
            "1980-١٢٣٤",
        ];
        for s in odd {
            let _ = check_personnummer(s);
            let _ = check_personnummer_at(s, 0);
            let _ = check_personnummer_at(s, u32::MAX);
            let _ = normalize_personnummer(s);
            let _ = check_rikskod(s);
            let _ = check_rikskod_at(s, 0);
            let _ = check_hsa_id(s);
            let _ = check_reservnummer(s);
            let _ = check_postnummer(s);
            let _ = luhn_check_digit(s);
        }
        assert!(check_personnummer_at("00000000-0000", YEAR).is_err());
        assert!(check_personnummer_at("99999999-9999", YEAR).is_err());
    }

    #[test]
    fn errors_are_std_errors() {
        fn takes(_: &dyn std::error::Error) {}
        takes(&IdentityError::PostnummerFormat);
        let e: anyhow::Error = IdentityError::CheckDigit { expected: 3 }.into();
        assert_eq!(
            e.to_string(),
            "Kontrollsiffran stämmer inte: sista siffran borde vara 3"
        );
    }
}
