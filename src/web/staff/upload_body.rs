//! An upload's body streamed to a file under the data folder, the size limit enforced while it streams, never
//! held in memory: the raw file (staff.js, name in `X-Filename`), or the file part of a `multipart/form-data`
//! form (RFC 7578) with its text fields. The form's CSRF field comes before its file; the caller checks it when
//! the file part starts, so that a refused upload is not read any further.

use actix_web::web;
use futures_util::StreamExt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Text fields of a form, all together.
const MAX_FIELDS_BYTES: usize = 64 * 1024;
/// One part's header lines.
const MAX_PART_HEAD: usize = 8 * 1024;

#[derive(Debug)]
pub enum BodyError {
    /// Over the limit: nothing more is read.
    TooLarge,
    /// The body ended early or is not the multipart it says.
    Broken(String),
    /// The check on the fields before the file refused the upload.
    Refused,
    Io(std::io::Error),
}

/// A file being received: removed when dropped, unless taken over.
pub struct PartFile(PathBuf);

impl PartFile {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Removes the files of uploads that a kill cut short (their `PartFile` was never dropped). Called at start, while
/// this process holds the data folder and no upload runs.
pub fn remove_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(".upload-") && name.ends_with(".part")
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// A fresh file in `dir` for an upload.
pub fn part_file(dir: &Path) -> Result<(PartFile, std::fs::File), std::io::Error> {
    std::fs::create_dir_all(dir)?;
    let name = format!(".upload-{}.part", crate::staff::sessions::random_token());
    let path = dir.join(name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((PartFile(path), file))
}

/// The whole body into `file`; its length.
pub async fn raw(
    payload: &mut web::Payload,
    file: std::fs::File,
    max: u64,
) -> Result<u64, BodyError> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut bytes = 0u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
        bytes += chunk.len() as u64;
        if bytes > max {
            return Err(BodyError::TooLarge);
        }
        // Small writes into the page cache: not worth a trip to a blocking thread each.
        out.write_all(&chunk).map_err(BodyError::Io)?;
    }
    out.flush().map_err(BodyError::Io)?;
    Ok(bytes)
}

/// What a multipart form held: its text fields, and the name and length of the file written (the first file
/// part named `file_field`; other file parts are skipped).
#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub file_name: Option<String>,
    pub file_bytes: u64,
}

enum State {
    /// Before the first delimiter.
    Preamble,
    /// After a delimiter: `\r\n` (a part follows) or `--` (the end).
    AfterDelimiter,
    Head,
    Text(String, Vec<u8>),
    File,
    Skip,
    Done,
}

/// A multipart body: text fields kept, the file part streamed into `file`. `before_file` sees the fields that
/// came before the file part and may refuse the upload there.
pub async fn multipart<E: std::fmt::Display>(
    payload: &mut (impl futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin),
    boundary: &str,
    file_field: &str,
    file: std::fs::File,
    max: u64,
    before_file: impl Fn(&[(String, String)]) -> bool,
) -> Result<Form, BodyError> {
    let broken = |why: &str| BodyError::Broken(why.to_string());
    let first = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut form = Form::default();
    let mut fields_bytes = 0usize;
    let mut buf: Vec<u8> = Vec::new();
    let mut state = State::Preamble;
    let mut total = 0u64;
    let mut ended = false;
    loop {
        // Work on what is buffered until more is needed.
        let progressed = match &mut state {
            State::Preamble => match find(&buf, first.as_bytes()) {
                Some(at) => {
                    buf.drain(..at + first.len());
                    state = State::AfterDelimiter;
                    true
                }
                None => {
                    // Keep only what could be the start of the delimiter.
                    let keep = buf.len().min(first.len());
                    buf.drain(..buf.len() - keep);
                    false
                }
            },
            State::AfterDelimiter => {
                if buf.len() < 2 {
                    false
                } else if buf.starts_with(b"--") {
                    state = State::Done;
                    true
                } else if buf.starts_with(b"\r\n") {
                    buf.drain(..2);
                    state = State::Head;
                    true
                } else {
                    return Err(broken("formulärdata som inte går att läsa"));
                }
            }
            State::Head => match find(&buf, b"\r\n\r\n") {
                Some(end) => {
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    buf.drain(..end + 4);
                    let disposition = head
                        .split("\r\n")
                        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
                        .ok_or_else(|| broken("en del av formuläret saknar namn"))?;
                    let name = super::multipart::param(disposition, "name")
                        .ok_or_else(|| broken("en del av formuläret saknar namn"))?;
                    state = match super::multipart::param(disposition, "filename") {
                        Some(filename) if name == file_field && form.file_name.is_none() => {
                            if !before_file(&form.fields) {
                                return Err(BodyError::Refused);
                            }
                            form.file_name = Some(filename);
                            State::File
                        }
                        Some(_) => State::Skip,
                        None => State::Text(name, Vec::new()),
                    };
                    true
                }
                None if buf.len() > MAX_PART_HEAD => {
                    return Err(broken("en del av formuläret har för långt huvud"));
                }
                None => false,
            },
            State::Text(_, _) | State::File | State::Skip => {
                let (data, found) = match find(&buf, delimiter.as_bytes()) {
                    Some(at) => (at, true),
                    // Everything but a tail that could be the start of the delimiter.
                    None => (buf.len().saturating_sub(delimiter.len() - 1), false),
                };
                match &mut state {
                    State::Text(_, value) => {
                        fields_bytes += data;
                        if fields_bytes > MAX_FIELDS_BYTES {
                            return Err(BodyError::TooLarge);
                        }
                        value.extend_from_slice(&buf[..data]);
                    }
                    State::File => {
                        form.file_bytes += data as u64;
                        out.write_all(&buf[..data]).map_err(BodyError::Io)?;
                    }
                    _ => {}
                }
                buf.drain(..data);
                if found {
                    buf.drain(..delimiter.len());
                    if let State::Text(name, value) =
                        std::mem::replace(&mut state, State::AfterDelimiter)
                    {
                        let value = String::from_utf8_lossy(&value).trim().to_string();
                        form.fields.push((name, value));
                    }
                }
                found || data > 0
            }
            State::Done => {
                out.flush().map_err(BodyError::Io)?;
                return Ok(form);
            }
        };
        if progressed {
            continue;
        }
        if ended {
            return Err(broken("formulärdata tar slut för tidigt"));
        }
        match payload.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
                total += chunk.len() as u64;
                if total > max {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            None => ended = true,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    super::multipart::find(haystack, needle, 0)
}
