//! Pieces of `multipart/form-data` (RFC 7578) for the upload form without JavaScript: the boundary, and the
//! parameters of a part's Content-Disposition. The body itself is streamed to a file by `upload_body`.

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

/// Where `needle` first occurs in `haystack` from `from` on.
pub fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
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
pub fn param(header: &str, key: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_file_names() {
        let head = "Content-Disposition: form-data; name=\"scan\"; filename=\"skanning 1.pdf\"";
        assert_eq!(param(head, "name").as_deref(), Some("scan"));
        assert_eq!(param(head, "filename").as_deref(), Some("skanning 1.pdf"));
        assert_eq!(find(b"ab--XyZ", b"--XyZ", 0), Some(2));
    }

    #[test]
    fn refuses_what_is_not_multipart() {
        assert!(boundary("application/x-www-form-urlencoded").is_none());
        assert_eq!(
            boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert!(param("Content-Disposition: form-data; filename=\"a\"", "name").is_none());
    }
}
