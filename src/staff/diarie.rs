//! Diarienummer: per region and year, from a configurable pattern, handed out inside the transaction that
//! registers the notification, so they are never reused and have no gaps, however many register at once.

/// A pattern with `{region}`, `{year}` and `{n}` (or `{n:05}` for zero padding), e.g. the default
/// `SMI-{region}-{year}-{n:05}` gives `SMI-01-2026-00042`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiarieFormat(pub String);

impl Default for DiarieFormat {
    fn default() -> DiarieFormat {
        DiarieFormat("SMI-{region}-{year}-{n:05}".to_string())
    }
}

/// Widest zero padding accepted: a u64 has 20 digits.
const MAX_WIDTH: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment<'a> {
    Literal(&'a str),
    Region,
    Year,
    Number { width: usize },
}

fn segments(pattern: &str) -> Result<Vec<Segment<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            out.push(Segment::Literal(rest));
            break;
        };
        if open > 0 {
            out.push(Segment::Literal(&rest[..open]));
        }
        if rest[open..].starts_with('}') {
            return Err(format!("ensam ”}}” i diarienummermönstret ”{pattern}”"));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("”{{” utan ”}}” i diarienummermönstret ”{pattern}”"));
        };
        let name = &rest[open + 1..open + close];
        out.push(placeholder(name).ok_or_else(|| {
            format!(
                "okänd platshållare ”{{{name}}}” i diarienummermönstret ”{pattern}”: \
                 använd {{region}}, {{year}}, {{n}} eller {{n:05}}"
            )
        })?);
        rest = &rest[open + close + 1..];
    }
    Ok(out)
}

fn placeholder(name: &str) -> Option<Segment<'static>> {
    match name {
        "region" => Some(Segment::Region),
        "year" => Some(Segment::Year),
        "n" => Some(Segment::Number { width: 0 }),
        _ => {
            let digits = name.strip_prefix("n:0")?;
            let width: usize = digits.parse().ok()?;
            (digits.bytes().all(|b| b.is_ascii_digit()) && (1..=MAX_WIDTH).contains(&width))
                .then_some(Segment::Number { width })
        }
    }
}

impl DiarieFormat {
    /// Refuses a pattern without `{n}` (numbers would repeat) or with an unknown placeholder.
    pub fn parse(pattern: &str) -> Result<DiarieFormat, String> {
        let parsed = segments(pattern)?;
        if !parsed.iter().any(|s| matches!(s, Segment::Number { .. })) {
            return Err(format!(
                "diarienummermönstret ”{pattern}” saknar löpnumret {{n}}: numren skulle upprepas"
            ));
        }
        Ok(DiarieFormat(pattern.to_string()))
    }

    pub fn format(&self, region: &str, year: i32, n: u64) -> String {
        // The pattern is public, so it may not have been parsed: an unparsable one is used as it is, with the
        // number after it, rather than give the same diarienummer twice.
        let Ok(parsed) = segments(&self.0) else {
            return format!("{}{n}", self.0);
        };
        let mut out = String::new();
        for segment in parsed {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Region => out.push_str(region),
                Segment::Year => out.push_str(&year.to_string()),
                Segment::Number { width } => out.push_str(&format!("{n:0width$}")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_pads_the_number() {
        let f = DiarieFormat::default();
        assert_eq!(f.format("01", 2026, 42), "SMI-01-2026-00042");
        assert_eq!(DiarieFormat::parse(&f.0), Ok(f));
    }

    #[test]
    fn plain_number_and_literals() {
        let f = DiarieFormat::parse("{year}/{n} ({region})").unwrap();
        assert_eq!(f.format("14", 2027, 7), "2027/7 (14)");
    }

    #[test]
    fn refuses_patterns_that_repeat_or_are_unknown() {
        assert!(DiarieFormat::parse("SMI-{region}-{year}").is_err());
        assert!(DiarieFormat::parse("SMI-{lan}-{n}").is_err());
        assert!(DiarieFormat::parse("SMI-{n:5}").is_err());
        assert!(DiarieFormat::parse("SMI-{n:099}").is_err());
        assert!(DiarieFormat::parse("SMI-{n").is_err());
        assert!(DiarieFormat::parse("SMI-}{n}").is_err());
    }
}
