//! Loading a PDF's object tree without its image data, and without reading the whole file into memory.
//!
//! lopdf's own loader reads the whole file into memory and, for each object, counts the lines before it
//! (nom_locate), which makes a 500-page, 400 MB scanner PDF take 15 s and 430 MB. Here the cross-reference
//! sections are read (tables and streams, following /Prev and /XRefStm), then each object is read from its offset
//! to the next one and handed to lopdf's parser on its own. Image streams keep only their dictionary, with where
//! their data lies ([`DATA_START`], [`DATA_LENGTH`]); their bytes are read when the page is decoded.

use super::super::filters::FilterError;
use super::super::read_range;
use super::{DATA_LENGTH, DATA_START, find, stream_bytes_unchecked};
use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectId, ObjectStream, Reader, Stream};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;

/// Deeper nesting of arrays and dictionaries than any real PDF has (they stay under 20). lopdf's parser recurses
/// without a limit, so deeper input could overflow the stack: an abort, not a panic.
const MAX_NESTING: usize = 100;
/// The first read of an object: enough for any dictionary in practice.
const HEAD: u64 = 64 << 10;
/// Objects that are not images: larger ones are refused.
const MAX_OBJECT: u64 = 64 << 20;
/// Unpacked object and cross-reference streams.
const MAX_UNPACKED: usize = 64 << 20;
const MAX_XREF_SECTIONS: usize = 1000;

/// A PDF file's position-independent view: `at(offset)` is an offset from `%PDF-`, as the file's own offsets are.
struct Source<'a> {
    file: &'a File,
    size: u64,
    header: u64,
}

impl Source<'_> {
    /// Up to `len` bytes at `offset` (fewer at the end of the file).
    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        let at = self.header.checked_add(offset).ok_or("ogiltig position")?;
        if at >= self.size {
            return Err(format!("position {offset} ligger utanför filen"));
        }
        read_range(self.file, self.size, at, len.min(self.size - at))
    }

    fn len(&self) -> u64 {
        self.size - self.header
    }
}

/// Entries of the cross-reference sections, newest first wins, and the newest trailer.
struct Xref {
    entries: HashMap<u32, XrefEntry>,
    trailer: Dictionary,
    /// Where the sections are: they end the objects before them.
    section_offsets: Vec<u64>,
}

/// Why the structure could not be loaded; the reasons are in Swedish.
pub(super) enum LoadError {
    /// The end of the file (`startxref`) is missing: the file was cut off.
    CutOff,
    /// The cross-reference sections are unreadable; a reader that rebuilds them (Poppler) may still cope.
    Broken(String),
}

/// Load the document structure.
pub(super) fn load(file: &File, size: u64, header: u64) -> Result<Document, LoadError> {
    let src = Source { file, size, header };
    let mut xref = match find_startxref(&src) {
        Some(start) => read_xref(&src, start).map_err(LoadError::Broken)?,
        None => return Err(LoadError::CutOff),
    };
    let mut doc = Document::new();
    doc.version = read_version(&src).unwrap_or_else(|| "1.4".into());
    doc.trailer = std::mem::take(&mut xref.trailer);
    if doc.trailer.get(b"Encrypt").is_ok() {
        // Strings and streams are encrypted: only the trailer is of use; Poppler reads the rest.
        return Ok(doc);
    }

    // Each object's extent: from its offset to the next object or cross-reference section.
    let mut bounds: Vec<u64> = xref
        .entries
        .values()
        .filter_map(|e| match e {
            XrefEntry::Normal { offset, .. } => Some(u64::from(*offset)),
            _ => None,
        })
        .chain(xref.section_offsets.iter().copied())
        .chain([src.len()])
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    let extent_end = |offset: u64| {
        bounds[bounds.partition_point(|&b| b <= offset)..]
            .first()
            .copied()
            .unwrap_or(src.len())
    };

    let mut ids: Vec<(u32, u64, u16)> = xref
        .entries
        .iter()
        .filter_map(|(&n, e)| match e {
            XrefEntry::Normal { offset, generation } => Some((n, u64::from(*offset), *generation)),
            _ => None,
        })
        .collect();
    ids.sort_unstable_by_key(|&(_, offset, _)| offset);
    let mut unresolved_lengths = Vec::new();
    for (n, offset, generation) in ids {
        let id = (n, generation);
        match read_object(&src, id, offset, extent_end(offset)) {
            Ok((object, length_ref)) => {
                if let Some(r) = length_ref {
                    unresolved_lengths.push((id, r));
                }
                doc.objects.insert(id, object);
            }
            // A damaged object is left out; a page that needs it fails on its own.
            Err(_) => continue,
        }
    }
    for (id, length_ref) in unresolved_lengths {
        let length = doc.objects.get(&length_ref).and_then(|o| o.as_i64().ok());
        if let Some(Object::Stream(stream)) = doc.objects.get_mut(&id)
            && finish_stream(&src, stream, length).is_err()
        {
            doc.objects.remove(&id);
        }
    }
    unpack_object_streams(&mut doc, &xref);
    doc.max_id = doc.objects.keys().map(|id| id.0).max().unwrap_or(0);
    Ok(doc)
}

fn read_version(src: &Source) -> Option<String> {
    let head = src.read(0, 32).ok()?;
    let line = head.get(5..)?.split(|&b| b == b'\r' || b == b'\n').next()?;
    Some(String::from_utf8_lossy(line).trim().to_string())
}

/// The offset after the last `startxref`, which ends a whole file.
fn find_startxref(src: &Source) -> Option<u64> {
    let tail_len = src.len().min(2048);
    let tail = src.read(src.len() - tail_len, tail_len).ok()?;
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    std::str::from_utf8(&tail[at + 9..])
        .ok()?
        .split_whitespace()
        .next()?
        .parse::<u64>()
        .ok()
}

fn read_xref(src: &Source, start: u64) -> Result<Xref, String> {
    let mut xref = Xref {
        entries: HashMap::new(),
        trailer: Dictionary::new(),
        section_offsets: Vec::new(),
    };
    let mut queue = vec![start];
    let mut seen = HashSet::new();
    let mut first = true;
    while let Some(offset) = queue.pop() {
        if !seen.insert(offset) {
            continue;
        }
        if seen.len() > MAX_XREF_SECTIONS {
            return Err("för många korsreferensavsnitt".into());
        }
        let (entries, trailer) = read_xref_section(src, offset)?;
        xref.section_offsets.push(offset);
        for (n, e) in entries {
            xref.entries.entry(n).or_insert(e);
        }
        let next = |key: &[u8]| {
            trailer
                .get(key)
                .and_then(Object::as_i64)
                .ok()
                .filter(|&v| v >= 0)
        };
        if let Some(prev) = next(b"Prev") {
            queue.push(prev as u64);
        }
        // A hybrid file's cross-reference stream comes before the older sections.
        if let Some(stm) = next(b"XRefStm") {
            queue.push(stm as u64);
        }
        if first {
            xref.trailer = trailer;
            first = false;
        }
    }
    if xref.trailer.get(b"Root").is_err() {
        return Err("PDF-filen saknar katalog (/Root)".into());
    }
    Ok(xref)
}

fn read_xref_section(
    src: &Source,
    offset: u64,
) -> Result<(Vec<(u32, XrefEntry)>, Dictionary), String> {
    let starts_section = |b: &[u8]| b.starts_with(b"xref") || object_header(b).is_some();
    let offset = if starts_section(src.read(offset, 32)?.trim_ascii_start()) {
        offset
    } else {
        realign(src, offset, starts_section)
            .ok_or_else(|| format!("ingen korsreferens vid byte {offset}"))?
    };
    let mut len = HEAD;
    loop {
        let bytes = src.read(offset, len)?;
        let text = bytes.trim_ascii_start();
        if !text.starts_with(b"xref") {
            return read_xref_stream(src, offset);
        }
        match parse_xref_table(&text[4..]) {
            Some(found) => return Ok(found),
            None if (bytes.len() as u64) < len || len >= MAX_OBJECT => {
                return Err(format!("korsreferenstabellen vid byte {offset} är trasig"));
            }
            None => len *= 4,
        }
    }
}

/// A classic table: subsections of "first count" and 20-byte entries, then `trailer << … >>`. None when the text
/// ends before the trailer dictionary does.
fn parse_xref_table(text: &[u8]) -> Option<(Vec<(u32, XrefEntry)>, Dictionary)> {
    let trailer_at = find(text, b"trailer")?;
    let mut tokens = text[..trailer_at]
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty());
    let number = |t: &[u8]| std::str::from_utf8(t).ok()?.parse::<u64>().ok();
    let mut entries = Vec::new();
    while let Some(first) = tokens.next() {
        let first = number(first)?;
        let count = number(tokens.next()?)?;
        for i in 0..count {
            let offset = number(tokens.next()?)?;
            let generation = number(tokens.next()?)?;
            let kind = tokens.next()?;
            if kind == b"n" && first + i <= u64::from(u32::MAX) {
                let entry = XrefEntry::Normal {
                    offset: offset as u32,
                    generation: generation.min(65535) as u16,
                };
                entries.push(((first + i) as u32, entry));
            }
        }
    }
    let dict_text = &text[trailer_at + 7..];
    let dict_end = dictionary_end(dict_text)?;
    let trailer = parse_dictionary(&dict_text[..dict_end]).ok()?;
    Some((entries, trailer))
}

/// A cross-reference stream (PDF 1.5): rows of /W-sized fields for the object numbers in /Index.
fn read_xref_stream(
    src: &Source,
    offset: u64,
) -> Result<(Vec<(u32, XrefEntry)>, Dictionary), String> {
    let broken = || format!("korsreferensströmmen vid byte {offset} är trasig");
    let head = src.read(offset, HEAD)?;
    let (number, generation) = object_header(&head).ok_or_else(broken)?;
    let (object, _) = read_object(src, (number, generation), offset, src.len())?;
    let Object::Stream(stream) = object else {
        return Err(broken());
    };
    let data = stream_bytes_unchecked(&stream, MAX_UNPACKED).map_err(|e| match e {
        FilterError::TooLarge(_) => {
            "korsreferensströmmen packas upp till orimlig storlek".to_string()
        }
        FilterError::Invalid(why) => why,
    })?;
    let dict = stream.dict;
    let ints = |key: &[u8]| -> Option<Vec<u64>> {
        dict.get(key)
            .ok()?
            .as_array()
            .ok()?
            .iter()
            .map(|o| o.as_i64().ok().filter(|&v| v >= 0).map(|v| v as u64))
            .collect()
    };
    let w = ints(b"W")
        .filter(|w| w.len() >= 3 && w.iter().all(|&v| v <= 8))
        .ok_or_else(broken)?;
    let size = dict
        .get(b"Size")
        .and_then(Object::as_i64)
        .map_err(|_| broken())?
        .max(0) as u64;
    let index = ints(b"Index").unwrap_or_else(|| vec![0, size]);
    let row = (w[0] + w[1] + w[2]) as usize;
    if row == 0 {
        return Err(broken());
    }
    let field = |bytes: &[u8]| bytes.iter().fold(0u64, |v, &b| v << 8 | u64::from(b));
    let mut rows = data.chunks_exact(row);
    let mut entries = Vec::new();
    for pair in index.chunks_exact(2) {
        for n in pair[0]..pair[0].saturating_add(pair[1]) {
            let Some(r) = rows.next() else { break };
            let (a, rest) = r.split_at(w[0] as usize);
            let (b, c) = rest.split_at(w[1] as usize);
            let kind = if w[0] == 0 { 1 } else { field(a) };
            let entry = match kind {
                1 => XrefEntry::Normal {
                    offset: field(b) as u32,
                    generation: field(c).min(65535) as u16,
                },
                2 => XrefEntry::Compressed {
                    container: field(b) as u32,
                    index: field(c) as u16,
                },
                _ => continue,
            };
            if n <= u64::from(u32::MAX) {
                entries.push((n as u32, entry));
            }
        }
    }
    Ok((entries, dict))
}

/// Read object `id` at `offset`, whose bytes end at `end` at the latest. Streams other than images get their
/// data; image streams get [`DATA_START`] and [`DATA_LENGTH`]. Also returns the reference of a /Length that is
/// an indirect object, to be resolved when all objects are read.
fn read_object(
    src: &Source,
    id: ObjectId,
    offset: u64,
    end: u64,
) -> Result<(Object, Option<ObjectId>), String> {
    let mut head = src.read(offset, end.saturating_sub(offset).clamp(1, HEAD))?;
    let (offset, end) = if object_header(head.trim_ascii_start()) == Some(id) {
        (offset, end)
    } else {
        let found = realign(src, offset, |b| object_header(b) == Some(id))
            .ok_or("objektet finns inte där korsreferensen säger")?;
        head = src.read(found, HEAD)?;
        (found, end.max(found + HEAD))
    };
    let extent = end.saturating_sub(offset).max(1);
    head.truncate(extent.min(HEAD) as usize);
    let Some((keyword, data_start)) = stream_keyword(&head) else {
        let bytes = if (head.len() as u64) < extent && extent <= MAX_OBJECT {
            src.read(offset, extent)?
        } else {
            head
        };
        return Ok((parse_object(id, &bytes)?, None));
    };
    let mut dict_text = head[..keyword].to_vec();
    dict_text.extend_from_slice(b"\nendobj\n");
    let dict = match parse_object(id, &dict_text)? {
        Object::Dictionary(d) => d,
        _ => return Err("strömmen saknar ordlista".into()),
    };
    let length = dict.get(b"Length").ok().cloned();
    let mut stream = Stream {
        dict,
        content: Vec::new(),
        allows_compression: false,
        start_position: None,
    };
    stream
        .dict
        .set(DATA_START, (src.header + offset + data_start as u64) as i64);
    match length {
        Some(Object::Reference(r)) => Ok((Object::Stream(stream), Some(r))),
        Some(l) => {
            finish_stream(src, &mut stream, l.as_i64().ok())?;
            Ok((Object::Stream(stream), None))
        }
        None => {
            finish_stream(src, &mut stream, None)?;
            Ok((Object::Stream(stream), None))
        }
    }
}

/// Settle a stream's data once its length is known: check that `endstream` follows it (else find the real end),
/// then read the data of anything but an image.
fn finish_stream(src: &Source, stream: &mut Stream, length: Option<i64>) -> Result<(), String> {
    let start = stream
        .dict
        .get(DATA_START)
        .and_then(Object::as_i64)
        .map_err(|e| e.to_string())? as u64;
    let start = start - src.header;
    let length = match length.filter(|&l| l >= 0).map(|l| l as u64) {
        Some(l) if ends_stream(src, start + l) => l,
        _ => find_endstream(src, start)?,
    };
    stream.dict.set(DATA_LENGTH, length as i64);
    let is_image =
        stream.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image".as_slice());
    if !is_image {
        if length > MAX_OBJECT {
            return Err("strömmen är för stor".into());
        }
        stream.content = src.read(start, length)?;
        stream.dict.remove(DATA_START);
        stream.dict.remove(DATA_LENGTH);
    }
    Ok(())
}

/// Whether the bytes at `at` are an (optional end of line and) `endstream`.
fn ends_stream(src: &Source, at: u64) -> bool {
    src.read(at, 16)
        .is_ok_and(|b| b.trim_ascii_start().starts_with(b"endstream"))
}

/// The data length of a stream whose /Length is missing or wrong: up to the next `endstream`, less the end of line.
fn find_endstream(src: &Source, start: u64) -> Result<u64, String> {
    let mut from = start;
    let window = 1u64 << 20;
    while from < src.len() {
        let bytes = src.read(from, window + 9)?;
        if let Some(p) = find(&bytes, b"endstream") {
            let mut end = from + p as u64;
            if bytes[..p].ends_with(b"\r\n") {
                end -= 2;
            } else if bytes[..p].ends_with(b"\n") || bytes[..p].ends_with(b"\r") {
                end -= 1;
            }
            return Ok(end.max(start) - start);
        }
        from += window;
    }
    Err("strömmens slut (endstream) saknas".into())
}

/// Objects packed in object streams (PDF 1.5), unpacked here with a cap and a nesting check.
fn unpack_object_streams(doc: &mut Document, xref: &Xref) {
    let mut containers: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (&n, e) in &xref.entries {
        if let XrefEntry::Compressed { container, .. } = e {
            containers.entry(*container).or_default().push(n);
        }
    }
    for (container, members) in containers {
        let Some(Object::Stream(stream)) = doc.objects.get(&(container, 0)) else {
            continue;
        };
        let Ok(unpacked) = stream_bytes_unchecked(stream, MAX_UNPACKED) else {
            continue;
        };
        if check_nesting(&unpacked).is_err() {
            continue;
        }
        let mut plain = Stream::new(stream.dict.clone(), unpacked);
        plain.dict.remove(b"Filter");
        plain.dict.remove(b"DecodeParms");
        let Ok(objects) = ObjectStream::new(&mut plain) else {
            continue;
        };
        for (id, object) in objects.objects {
            if members.contains(&id.0) {
                doc.objects.entry(id).or_insert(object);
            }
        }
    }
}

/// Parse one indirect object ("n g obj … endobj") with lopdf, on its own.
fn parse_object(id: ObjectId, bytes: &[u8]) -> Result<Object, String> {
    check_nesting(bytes)?;
    let mut document = Document::new();
    document.reference_table.insert(
        id.0,
        XrefEntry::Normal {
            offset: 0,
            generation: id.1,
        },
    );
    let reader = Reader {
        buffer: bytes,
        document,
        encryption_state: None,
        raw_objects: BTreeMap::new(),
    };
    reader
        .get_object(id, &mut HashSet::new())
        .map_err(|e| format!("objekt {} {}: {e}", id.0, id.1))
}

/// Parse a dictionary given as text.
fn parse_dictionary(text: &[u8]) -> Result<Dictionary, String> {
    let mut bytes = b"1 0 obj\n".to_vec();
    bytes.extend_from_slice(text);
    bytes.extend_from_slice(b"\nendobj\n");
    match parse_object((1, 0), &bytes)? {
        Object::Dictionary(d) => Ok(d),
        _ => Err("ingen ordlista".into()),
    }
}

/// Writers sometimes miscount offsets by a few bytes: the start of a token within 512 bytes of `offset` for
/// which `starts` holds, nearest first.
fn realign(src: &Source, offset: u64, starts: impl Fn(&[u8]) -> bool) -> Option<u64> {
    let low = offset.saturating_sub(512);
    let near = src.read(low, 1024 + 64).ok()?;
    (0..near.len().min(1024))
        .filter(|&p| p == 0 || near[p - 1].is_ascii_whitespace())
        .filter(|&p| starts(&near[p..]))
        .map(|p| low + p as u64)
        .min_by_key(|at| at.abs_diff(offset))
}

/// "n g obj" at the start of an object.
fn object_header(bytes: &[u8]) -> Option<(u32, u16)> {
    let text = std::str::from_utf8(&bytes[..bytes.len().min(40)])
        .ok()
        .or_else(|| {
            let end = bytes
                .iter()
                .take(40)
                .position(|&b| b >= 0x80)
                .unwrap_or(bytes.len().min(40));
            std::str::from_utf8(&bytes[..end]).ok()
        })?;
    let mut parts = text.split_whitespace();
    let n = parts.next()?.parse().ok()?;
    let g = parts.next()?.parse().ok()?;
    parts.next()?.starts_with("obj").then_some((n, g))
}

/// Where the `stream` keyword of an object is, and where its data starts; None for an object that is not a
/// stream (or whose dictionary is longer than `head`).
fn stream_keyword(head: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut depth = 0usize;
    while i < head.len() {
        match head[i] {
            b'%' => i = skip_line(head, i),
            b'(' => i = skip_literal(head, i),
            b'<' if head.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 2;
            }
            b'<' => {
                i = head[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(head.len(), |p| i + p + 1)
            }
            b'>' if head.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 2;
            }
            b'e' if depth == 0 && head[i..].starts_with(b"endobj") => return None,
            b's' if depth == 0
                && head[i..].starts_with(b"stream")
                && !(i > 0 && (head[i - 1] == b'/' || head[i - 1].is_ascii_alphanumeric())) =>
            {
                let data = match head.get(i + 6..) {
                    Some([b'\r', b'\n', ..]) => i + 8,
                    Some([b'\n' | b'\r', ..]) => i + 7,
                    _ => {
                        i += 6;
                        continue;
                    }
                };
                return Some((i, data));
            }
            _ => i += 1,
        }
    }
    None
}

/// The length of a dictionary `<< … >>` at the start of `text` (after white space), or None if it does not end.
fn dictionary_end(text: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'%' => i = skip_line(text, i),
            b'(' => i = skip_literal(text, i),
            b'<' if text.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 2;
            }
            b'<' => {
                i = text[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(text.len(), |p| i + p + 1)
            }
            b'>' if text.get(i + 1) == Some(&b'>') => {
                depth = depth.checked_sub(1)?;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Refuse nesting deeper than [`MAX_NESTING`] before lopdf's recursive parser sees the bytes.
pub(super) fn check_nesting(data: &[u8]) -> Result<(), String> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'%' => i = skip_line(data, i),
            b'(' => i = skip_literal(data, i),
            b'<' if data.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 2;
            }
            b'<' => {
                i = data[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(data.len(), |p| i + p + 1)
            }
            b'>' if data.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 2;
            }
            b'[' => {
                depth += 1;
                i += 1;
            }
            b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
        if depth > MAX_NESTING {
            return Err(format!("fler än {MAX_NESTING} nivåer av nästlade objekt"));
        }
    }
    Ok(())
}

fn skip_line(data: &[u8], i: usize) -> usize {
    data[i..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(data.len(), |p| i + p + 1)
}

/// Past a literal string `( … )` with balanced parentheses and backslash escapes.
fn skip_literal(data: &[u8], start: usize) -> usize {
    let mut level = 0usize;
    let mut i = start;
    while i < data.len() {
        match data[i] {
            b'\\' => i += 1,
            b'(' => level += 1,
            b')' => {
                level -= 1;
                if level == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    data.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused() {
        assert!(check_nesting(&[b'['; 500]).is_err());
        assert!(check_nesting(b"<< /A [1 [2 (a(b)c\\)) <3F>]] /B << /C 1 >> >>").is_ok());
    }

    #[test]
    fn finds_the_stream_keyword() {
        let obj =
            b"4 0 obj\n<< /Length 3 /Note (stream) /Sub << /A 1 >> >>\nstream\r\nabc\nendstream";
        let (k, d) = stream_keyword(obj).unwrap();
        assert_eq!(&obj[k..k + 6], b"stream");
        assert_eq!(&obj[d..d + 3], b"abc");
        assert!(
            stream_keyword(b"5 0 obj\n<< /Type /Page >>\nendobj\n6 0 obj << >> stream\n").is_none()
        );
        assert!(stream_keyword(b"7 0 obj\n/stream\nendobj\n").is_none());
    }

    #[test]
    fn parses_a_table() {
        let text = b"\n0 3\n0000000000 65535 f \n0000000015 00000 n \n0000000100 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref";
        let (entries, trailer) = parse_xref_table(text).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(matches!(
            entries[0],
            (
                1,
                XrefEntry::Normal {
                    offset: 15,
                    generation: 0
                }
            )
        ));
        assert_eq!(
            trailer.get(b"Root").and_then(Object::as_reference).unwrap(),
            (1, 0)
        );
        assert!(parse_xref_table(b"\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 ").is_none());
    }
}
