//! Entry points for the fuzz targets in `fuzz/` into parsers the library keeps to itself: the staff upload's
//! multipart body and the reference-table CSV reader. Each takes outside bytes and must answer with a value or an
//! error, never a panic.

/// A `multipart/form-data` body, as the upload form sends it, cut into the chunks the network delivers: the text
/// fields before the file and the file's length, or the error.
pub fn multipart_body(
    boundary: &str,
    chunks: Vec<Vec<u8>>,
    dir: &std::path::Path,
) -> Result<(Vec<(String, String)>, u64), String> {
    use crate::web::staff::upload_body::{BodyError, multipart, part_file};
    use futures_util::FutureExt;
    let (part, file) = part_file(dir).map_err(|e| e.to_string())?;
    let mut stream = futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|c| Ok::<_, std::convert::Infallible>(actix_web::web::Bytes::from(c))),
    );
    // Every chunk is there at once: the parser never waits, so it runs to its end in one poll.
    let parsed = multipart(&mut stream, boundary, "fil", file, 1 << 20, |fields| {
        fields.iter().any(|(k, _)| k == "csrf")
    })
    .now_or_never()
    .ok_or("the parser waited on a stream that is all there")?;
    drop(part);
    match parsed {
        Ok(form) => Ok((form.fields, form.file_bytes)),
        Err(BodyError::Io(e)) => Err(e.to_string()),
        Err(e) => Err(format!("{e:?}")),
    }
}

/// The boundary of a content type.
pub fn multipart_boundary(content_type: &str) -> Option<String> {
    crate::web::staff::multipart::boundary(content_type)
}

/// A reference table: its rows, or the error.
pub fn csv_table(text: &str) -> Result<usize, String> {
    let table = crate::domain::csv::Table::parse(text).map_err(|e| e.to_string())?;
    let columns = ["kod", "namn"];
    let _ = table.require(&columns);
    let mut n = 0;
    for row in table.rows() {
        let _ = row.get("kod");
        let _ = row.flag("namn");
        n += 1;
    }
    Ok(n)
}
