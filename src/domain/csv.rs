//! The embedded reference tables read with the `csv` crate (RFC 4180: quoted fields, doubled quotes, commas and
//! line breaks inside quotes), with access by column name. The tables are small and trusted, but a malformed row
//! still gives an error, never a panic.

use anyhow::{Result, bail};

/// One parsed table: the header and the data rows, each row as long as the header.
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// One data row with access by column name.
pub(crate) struct Row<'a> {
    table: &'a Table,
    /// 1-based line number of the row in the source, for error messages.
    pub line: usize,
    fields: &'a [String],
}

impl Table {
    pub(crate) fn parse(text: &str) -> Result<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let header: Vec<String> = match records.next() {
            Some(Ok(h)) => h.iter().map(|f| f.trim().to_string()).collect(),
            Some(Err(e)) => bail!("the header row: {e}"),
            None => bail!("the table is empty: no header row"),
        };
        let mut rows = Vec::new();
        for record in records {
            let record = record.map_err(|e| anyhow::anyhow!("{e}"))?;
            // The crate's line count skips blank lines, and a record's position is where its parsing began
            // (before blank lines): count the line breaks up to its first character instead.
            let line = record.position().map_or(0, |p| {
                let bytes = text.as_bytes();
                let mut at = (p.byte() as usize).min(bytes.len());
                while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
                    at += 1;
                }
                1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
            });
            if record.len() == 1 && record[0].trim().is_empty() {
                continue; // blank line
            }
            if record.len() != header.len() {
                bail!(
                    "line {line}: {} fields, the header has {}",
                    record.len(),
                    header.len()
                );
            }
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        Ok(Table { header, rows })
    }

    /// Fails unless every named column is present.
    pub(crate) fn require(&self, columns: &[&str]) -> Result<()> {
        for c in columns {
            if !self.header.iter().any(|h| h == c) {
                bail!("column `{c}` is missing");
            }
        }
        Ok(())
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, fields)| Row {
            table: self,
            line: *line,
            fields,
        })
    }
}

impl Row<'_> {
    /// The trimmed value of a column; empty when the column does not exist.
    pub(crate) fn get(&self, column: &str) -> &str {
        self.table
            .header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.fields.get(i))
            .map_or("", |s| s.trim())
    }

    /// A yes/no column.
    pub(crate) fn flag(&self, column: &str) -> Result<bool> {
        match self.get(column) {
            "yes" => Ok(true),
            "no" | "" => Ok(false),
            other => bail!(
                "line {}: column `{column}` must be yes or no, not {other:?}",
                self.line
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_blank_lines() {
        let t = Table::parse("a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n\"multi\nline\",,z").unwrap();
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("b"), "x, \"y\"");
        assert_eq!(rows[1].get("a"), "multi\nline");
        assert_eq!(rows[1].get("b"), "");
        assert_eq!(rows[1].get("c"), "z");
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].get("nonexistent"), "");
    }

    #[test]
    fn malformed_tables_error() {
        assert!(Table::parse("").is_err());
        assert!(Table::parse("a,b\n1,2,3\n").is_err());
        assert!(Table::parse("a,b\n\"open,2\n").is_err());
        assert!(Table::parse("a\n1\n").unwrap().require(&["b"]).is_err());
    }
}
