//! Just enough of `multipart/form-data` (RFC 7578) for the upload form without JavaScript: named text fields and
//! one file, borrowed from the body as received (a scan may be 200 MB; nothing is copied).

pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub data: &'a [u8],
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut items = content_type.split(';');
    if !items
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    items.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= haystack.len() {
        let p = haystack[i..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        i += p;
        if &haystack[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The value of `key="..."` in a Content-Disposition header.
fn param(header: &str, key: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let pat = format!("{key}=\"");
    let mut start = 0;
    while let Some(p) = lower[start..].find(&pat) {
        let at = start + p;
        // `name=` must not be the tail of `filename=`.
        let ok = at == 0 || matches!(lower.as_bytes()[at - 1], b' ' | b';');
        let value_start = at + pat.len();
        if ok {
            let end = header[value_start..].find('"')?;
            return Some(header[value_start..value_start + end].to_string());
        }
        start = value_start;
    }
    None
}

pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let bad = || "formulärdata som inte går att läsa".to_string();
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut pos = find(body, delimiter.as_bytes(), 0).ok_or_else(bad)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err(bad());
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or_else(bad)?;
        let head = String::from_utf8_lossy(&body[pos..head_end]);
        let disposition = head
            .split("\r\n")
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-disposition:")
            })
            .ok_or_else(bad)?;
        let name = param(disposition, "name").ok_or_else(bad)?;
        let filename = param(disposition, "filename");
        let data_start = head_end + 4;
        let data_end = find(body, next_delimiter.as_bytes(), data_start).ok_or_else(bad)?;
        parts.push(Part {
            name,
            filename,
            data: &body[data_start..data_end],
        });
        pos = data_end + next_delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_a_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"scan\"; filename=\"skanning 1.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\
%PDF-1.4\r\n\x00\x01--Xy\r\n--XyZ--\r\n";
        let b = boundary("multipart/form-data; boundary=XyZ").unwrap();
        let parts = parse(body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"abc123");
        assert_eq!(parts[1].name, "scan");
        assert_eq!(parts[1].filename.as_deref(), Some("skanning 1.pdf"));
        assert_eq!(parts[1].data, b"%PDF-1.4\r\n\x00\x01--Xy");
    }

    #[test]
    fn refuses_what_is_not_multipart() {
        assert!(boundary("application/x-www-form-urlencoded").is_none());
        assert!(parse(b"no boundary here", "XyZ").is_err());
        assert!(parse(b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx", "XyZ").is_err());
    }
}
