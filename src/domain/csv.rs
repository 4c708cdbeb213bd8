//! A small RFC 4180 reader for the embedded reference tables: quoted fields, doubled quotes, commas and line
//! breaks inside quotes. The tables are small and trusted, but a malformed row still gives an error, never a panic.

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
        let mut records = parse_records(text)?.into_iter();
        let Some((_, header)) = records.next() else {
            bail!("the table is empty: no header row");
        };
        let header: Vec<String> = header.into_iter().map(|h| h.trim().to_string()).collect();
        let mut rows = Vec::new();
        for (line, fields) in records {
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue; // blank line
            }
            if fields.len() != header.len() {
                bail!(
                    "line {line}: {} fields, the header has {}",
                    fields.len(),
                    header.len()
                );
            }
            rows.push((line, fields));
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

/// Splits text into records of fields, each with the 1-based line where it starts.
fn parse_records(text: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut fields)));
                line += 1;
                record_line = line;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if in_quotes {
        bail!("line {record_line}: a quoted field is not closed");
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((record_line, fields));
    }
    Ok(records)
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
