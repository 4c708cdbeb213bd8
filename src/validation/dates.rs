//! Dates as written on the forms (`ÅÅÅÅMMDD`), and today's date in Sweden.

use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

/// Parses a date written `ÅÅÅÅMMDD` (separators already removed, or `ÅÅÅÅ-MM-DD`). The date must exist and lie
/// in 1900 or later; the error is a Swedish sentence.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Skriv datumet med åtta siffror, ÅÅÅÅMMDD, t.ex. 20260105.".into());
    }
    let year: i32 = digits[..4].parse().unwrap_or(0);
    let month: u8 = digits[4..6].parse().unwrap_or(0);
    let day: u8 = digits[6..].parse().unwrap_or(0);
    if year < 1900 {
        return Err(format!(
            "Året {year} är inte rimligt; skriv hela året med fyra siffror."
        ));
    }
    let month = Month::try_from(month)
        .map_err(|_| format!("Månaden {month:02} finns inte; den ska vara 01–12."))?;
    Date::from_calendar_date(year, month, day).map_err(|_| {
        format!(
            "Datumet {digits} finns inte: {} har inte {day} dagar.",
            month_name(month)
        )
    })
}

/// `20260105` for a date, as the boxes show it.
pub fn display(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn month_name(m: Month) -> &'static str {
    match m {
        Month::January => "januari",
        Month::February => "februari",
        Month::March => "mars",
        Month::April => "april",
        Month::May => "maj",
        Month::June => "juni",
        Month::July => "juli",
        Month::August => "augusti",
        Month::September => "september",
        Month::October => "oktober",
        Month::November => "november",
        Month::December => "december",
    }
}

/// Today's date in Sweden: UTC+1, and UTC+2 from the last Sunday of March to the last Sunday of October (both at
/// 01:00 UTC), as the EU's summer-time rule says. Computed here, because reading the machine's local offset is
/// not reliable in a multi-threaded process.
pub fn swedish_today() -> Date {
    swedish_date_at(OffsetDateTime::now_utc())
}

pub(crate) fn swedish_date_at(now: OffsetDateTime) -> Date {
    let now = now.to_offset(UtcOffset::UTC);
    let year = now.year();
    let start = last_sunday(year, Month::March).with_hms(1, 0, 0);
    let end = last_sunday(year, Month::October).with_hms(1, 0, 0);
    let summer = match (start, end) {
        (Ok(s), Ok(e)) => {
            let t = now.date().with_time(now.time());
            t >= s && t < e
        }
        _ => false,
    };
    let hours = if summer { 2 } else { 1 };
    (now + time::Duration::hours(hours)).date()
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last_day = time::util::days_in_month(month, year);
    let mut d = Date::from_calendar_date(year, month, last_day).unwrap_or(Date::MIN);
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day().unwrap_or(Date::MIN);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_real_dates_only() {
        assert_eq!(
            parse_date("20260105").unwrap(),
            Date::from_calendar_date(2026, Month::January, 5).unwrap()
        );
        assert_eq!(
            parse_date("2026-01-05").unwrap(),
            parse_date("20260105").unwrap()
        );
        assert!(parse_date("20240229").is_ok());
        let e = parse_date("20250229").unwrap_err();
        assert!(e.contains("februari har inte 29 dagar"), "{e}");
        assert!(parse_date("20251301").unwrap_err().contains("Månaden 13"));
        assert!(parse_date("260105").unwrap_err().contains("åtta siffror"));
        assert!(parse_date("18991231").unwrap_err().contains("1899"));
        assert!(parse_date("2026010x").is_err());
    }

    #[test]
    fn swedish_date_follows_summer_time() {
        // 23:30 UTC in winter is 00:30 the next day in Sweden.
        assert_eq!(
            swedish_date_at(datetime!(2026-01-10 23:30 UTC)).to_string(),
            "2026-01-11"
        );
        assert_eq!(
            swedish_date_at(datetime!(2026-01-10 22:30 UTC)).to_string(),
            "2026-01-10"
        );
        // In summer 22:30 UTC is already 00:30.
        assert_eq!(
            swedish_date_at(datetime!(2026-07-10 22:30 UTC)).to_string(),
            "2026-07-11"
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            swedish_date_at(datetime!(2026-03-29 00:59 UTC)).to_string(),
            "2026-03-29"
        );
        assert_eq!(
            swedish_date_at(datetime!(2026-10-24 22:30 UTC)).to_string(),
            "2026-10-25"
        );
        assert_eq!(
            swedish_date_at(datetime!(2026-10-25 22:30 UTC)).to_string(),
            "2026-10-25"
        );
    }
}
