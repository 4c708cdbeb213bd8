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

impl DiarieFormat {
    /// Refuses a pattern without `{n}` (numbers would repeat).
    pub fn parse(pattern: &str) -> Result<DiarieFormat, String> {
        let _ = pattern;
        todo!()
    }
    pub fn format(&self, region: &str, year: i32, n: u64) -> String {
        let _ = (region, year, n);
        todo!()
    }
}
