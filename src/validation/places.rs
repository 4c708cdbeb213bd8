//! Counties (hemlän) and countries (smittland, födelseland) as people write them in a few boxes: full names,
//! codes, or the first letters of a name that only one place has.

use crate::domain::countries::{Countries, Country};

/// The 21 counties with their codes (ISO 3166-2:SE), by the short names people use.
pub const COUNTIES: [(&str, &str); 21] = [
    ("01", "Stockholm"),
    ("03", "Uppsala"),
    ("04", "Södermanland"),
    ("05", "Östergötland"),
    ("06", "Jönköping"),
    ("07", "Kronoberg"),
    ("08", "Kalmar"),
    ("09", "Gotland"),
    ("10", "Blekinge"),
    ("12", "Skåne"),
    ("13", "Halland"),
    ("14", "Västra Götaland"),
    ("17", "Värmland"),
    ("18", "Örebro"),
    ("19", "Västmanland"),
    ("20", "Dalarna"),
    ("21", "Gävleborg"),
    ("22", "Västernorrland"),
    ("23", "Jämtland"),
    ("24", "Västerbotten"),
    ("25", "Norrbotten"),
];

/// Other names a county goes by.
pub const COUNTY_ALIASES: [(&str, &str); 4] = [
    ("04", "Sörmland"),
    ("23", "Jämtland Härjedalen"),
    ("23", "Härjedalen"),
    ("14", "VGR"),
];

/// Lower case without diacritics, runs of white space as one space: the fold `domain`'s look-ups use.
pub(crate) use crate::domain::text::fold;

/// The county code for a county written as its name ("Skåne", "Skåne län", "Region Skåne", "Västra Göta").
pub fn county(text: &str) -> Result<&'static str, String> {
    let mut q = fold(text);
    if let Some(rest) = q.strip_prefix("region ") {
        q = rest.to_string();
    }
    for suffix in [" lan", "regionen"] {
        if let Some(rest) = q.strip_suffix(suffix) {
            q = rest.trim().to_string();
        }
    }
    if q.is_empty() {
        return Err("Skriv länets namn, t.ex. Skåne.".into());
    }
    let exact = |q: &str| names().find(|(_, n)| fold(n) == q).map(|(c, _)| c);
    if let Some(code) = exact(&q).or_else(|| q.strip_suffix('s').and_then(exact)) {
        return Ok(code);
    }
    let mut hits: Vec<&str> = names()
        .filter(|(_, n)| q.chars().count() >= 3 && fold(n).starts_with(&q))
        .map(|(c, _)| c)
        .collect();
    hits.dedup();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "”{}” är inget svenskt län; skriv länets namn, t.ex. Skåne eller Västra Götaland.",
            text.trim()
        )),
        _ => Err(format!(
            "”{}” passar flera län; skriv fler bokstäver.",
            text.trim()
        )),
    }
}

fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    COUNTIES.iter().chain(COUNTY_ALIASES.iter()).copied()
}

/// The country for a name, an ISO code ("SE") or the first letters of a name that only one country has.
pub fn country(text: &str) -> Result<&'static Country, String> {
    country_in(Countries::embedded(), text)
}

fn country_in<'c>(countries: &'c Countries, text: &str) -> Result<&'c Country, String> {
    let t = text.trim();
    if t.chars().count() == 2
        && let Some(c) = countries.get(t)
    {
        return Ok(c);
    }
    if let Some(c) = countries.find_by_name(t) {
        return Ok(c);
    }
    let q = fold(t);
    let hits: Vec<&Country> = countries
        .all()
        .iter()
        .filter(|c| q.chars().count() >= 4 && fold(&c.name_sv).starts_with(&q))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "”{t}” är inget land vi känner igen; skriv landets svenska namn, t.ex. Thailand, eller landskoden, t.ex. TH."
        )),
        many => Err(format!(
            "”{t}” passar flera länder ({}); skriv fler bokstäver.",
            many.iter()
                .take(4)
                .map(|c| c.name_sv.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counties_by_name_suffix_and_prefix() {
        assert_eq!(county("Skåne"), Ok("12"));
        assert_eq!(county("SKANE"), Ok("12"));
        assert_eq!(county("Skåne län"), Ok("12"));
        assert_eq!(county("Stockholms län"), Ok("01"));
        assert_eq!(county("Region Uppsala"), Ok("03"));
        assert_eq!(county("Västra Göta"), Ok("14"));
        assert_eq!(county("Sörmland"), Ok("04"));
        assert_eq!(county("Jämtland Härjedalen"), Ok("23"));
        assert!(county("Väst").unwrap_err().contains("flera län"));
        assert!(county("Oslo").unwrap_err().contains("inget svenskt län"));
        assert!(county("").is_err());
    }

    #[test]
    fn countries_by_code_name_and_prefix() {
        assert_eq!(country("SE").unwrap().code, "SE");
        assert_eq!(country("th").unwrap().code, "TH");
        assert_eq!(country("Thailand").unwrap().code, "TH");
        assert_eq!(country("sverige").unwrap().code, "SE");
        assert_eq!(country("Thai").unwrap().code, "TH");
        assert!(country("Xyzzy").is_err());
        assert!(country("Sv").is_err() || country("Sv").unwrap().code.len() == 2);
    }
}
