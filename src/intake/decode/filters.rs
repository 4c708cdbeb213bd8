//! PDF stream filters that produce bytes (Flate, LZW, ASCIIHex, ASCII85, RunLength) and the PNG and TIFF
//! predictors. Every decoder stops at a cap given by the caller, so a small stream cannot grow without bound.

/// Why a filter failed. `TooLarge` means the stream inflates beyond what its image can hold: a decompression bomb.
#[derive(Debug)]
pub(crate) enum FilterError {
    TooLarge(usize),
    Invalid(String),
}

impl FilterError {
    pub fn reason(&self) -> String {
        match self {
            FilterError::TooLarge(cap) => {
                format!(
                    "komprimerad data packas upp till mer än {cap} byte, mer än bilden kan rymma"
                )
            }
            FilterError::Invalid(why) => why.clone(),
        }
    }
}

/// zlib (or, as some writers produce, raw deflate) data, at most `cap` bytes of output. A stream that is cut
/// off or has a bad checksum gives what could be decoded; the caller checks whether it is enough.
pub(crate) fn inflate(data: &[u8], cap: usize) -> Result<Vec<u8>, FilterError> {
    use miniz_oxide::inflate::{
        TINFLStatus, decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit,
    };
    let zlib_header = data.len() >= 2
        && data[0] & 0x0F == 8
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0;
    let result = if zlib_header {
        decompress_to_vec_zlib_with_limit(data, cap)
    } else {
        decompress_to_vec_with_limit(data, cap)
    };
    match result {
        Ok(out) => Ok(out),
        Err(e) if e.status == TINFLStatus::HasMoreOutput => Err(FilterError::TooLarge(cap)),
        Err(e) if !e.output.is_empty() => Ok(e.output),
        Err(e) => Err(FilterError::Invalid(format!(
            "Flate-data är trasigt ({:?})",
            e.status
        ))),
    }
}

/// PDF LZW (MSB first, 9 to 12 bit codes; `early_change` is PDF's default and TIFF's size switch), at most
/// `cap` bytes of output. A stream cut off before its end-of-data code gives what could be decoded, as for Flate.
pub(crate) fn lzw(data: &[u8], early_change: bool, cap: usize) -> Result<Vec<u8>, FilterError> {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut input = data;
    loop {
        let step = decoder.decode_bytes(input, &mut chunk);
        input = &input[step.consumed_in..];
        if out.len() + step.consumed_out > cap {
            return Err(FilterError::TooLarge(cap));
        }
        out.extend_from_slice(&chunk[..step.consumed_out]);
        match step.status {
            Ok(LzwStatus::Done) => return Ok(out),
            Ok(LzwStatus::NoProgress) => return Ok(out),
            Ok(LzwStatus::Ok) if input.is_empty() && step.consumed_out == 0 => return Ok(out),
            Ok(LzwStatus::Ok) => {}
            Err(_) => return Err(FilterError::Invalid("LZW-data är trasigt".into())),
        }
    }
}

pub(crate) fn ascii_hex(data: &[u8]) -> Result<Vec<u8>, FilterError> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &c in data {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            b'>' => break,
            c if c.is_ascii_whitespace() || c == 0 => continue,
            _ => {
                return Err(FilterError::Invalid(
                    "ASCIIHex-data innehåller otillåtna tecken".into(),
                ));
            }
        };
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Ok(out)
}

pub(crate) fn ascii85(data: &[u8], cap: usize) -> Result<Vec<u8>, FilterError> {
    let mut out = Vec::with_capacity(data.len() * 4 / 5);
    let mut group = [0u8; 5];
    let mut n = 0;
    let flush = |out: &mut Vec<u8>, group: &[u8; 5], n: usize| -> Result<(), FilterError> {
        let mut padded = [b'u' - b'!'; 5];
        padded[..n].copy_from_slice(&group[..n]);
        let v = padded.iter().try_fold(0u32, |acc, &d| {
            acc.checked_mul(85)?.checked_add(u32::from(d))
        });
        let v = v.ok_or_else(|| FilterError::Invalid("ASCII85-data är trasigt".into()))?;
        out.extend_from_slice(&v.to_be_bytes()[..n - 1]);
        Ok(())
    };
    for &c in data {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    flush(&mut out, &group, 5)?;
                    n = 0;
                }
            }
            c if c.is_ascii_whitespace() || c == 0 => {}
            _ => {
                return Err(FilterError::Invalid(
                    "ASCII85-data innehåller otillåtna tecken".into(),
                ));
            }
        }
        if out.len() > cap {
            return Err(FilterError::TooLarge(cap));
        }
    }
    if n > 1 {
        flush(&mut out, &group, n)?;
    }
    Ok(out)
}

pub(crate) fn run_length(data: &[u8], cap: usize) -> Result<Vec<u8>, FilterError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let len = data[i] as usize;
        i += 1;
        match len {
            128 => break,
            0..=127 => {
                let end = (i + len + 1).min(data.len());
                out.extend_from_slice(&data[i..end]);
                i = end;
            }
            _ => {
                if let Some(&b) = data.get(i) {
                    out.resize(out.len() + 257 - len, b);
                }
                i += 1;
            }
        }
        if out.len() > cap {
            return Err(FilterError::TooLarge(cap));
        }
    }
    Ok(out)
}

/// Undo a PDF/TIFF predictor: 2 is TIFF horizontal differencing, 10–15 are PNG filters (each row carries its
/// own filter type). `columns` is pixels per row.
pub(crate) fn unpredict(
    data: Vec<u8>,
    predictor: i64,
    colors: usize,
    bpc: usize,
    columns: usize,
) -> Result<Vec<u8>, FilterError> {
    let row_bytes = (columns * colors * bpc).div_ceil(8);
    let bpp = (colors * bpc).div_ceil(8).max(1);
    match predictor {
        1 => Ok(data),
        2 => {
            let mut data = data;
            for row in data.chunks_mut(row_bytes.max(1)) {
                tiff_row(row, colors, bpc);
            }
            Ok(data)
        }
        10..=15 => {
            // In place: row r moves from r * (row_bytes + 1) + 1 down to r * row_bytes, over bytes already used.
            let stride = row_bytes + 1;
            let rows = data.len() / stride;
            let mut data = data;
            let zero = vec![0u8; row_bytes];
            for r in 0..rows {
                let filter = data[r * stride];
                data.copy_within(r * stride + 1..(r + 1) * stride, r * row_bytes);
                let (done, rest) = data.split_at_mut(r * row_bytes);
                let prior = if r == 0 {
                    &zero[..]
                } else {
                    &done[(r - 1) * row_bytes..]
                };
                png_row(filter, &mut rest[..row_bytes], prior, bpp)?;
            }
            data.truncate(rows * row_bytes);
            Ok(data)
        }
        p => Err(FilterError::Invalid(format!("okänd prediktor {p}"))),
    }
}

fn png_row(filter: u8, row: &mut [u8], prior: &[u8], bpp: usize) -> Result<(), FilterError> {
    match filter {
        0 => {}
        1 => {
            for i in bpp..row.len() {
                row[i] = row[i].wrapping_add(row[i - bpp]);
            }
        }
        2 => {
            for (v, &p) in row.iter_mut().zip(prior) {
                *v = v.wrapping_add(p);
            }
        }
        3 => {
            for i in 0..row.len() {
                let left = if i >= bpp { u16::from(row[i - bpp]) } else { 0 };
                row[i] = row[i].wrapping_add(((left + u16::from(prior[i])) / 2) as u8);
            }
        }
        4 => {
            for i in 0..row.len() {
                let a = if i >= bpp { i16::from(row[i - bpp]) } else { 0 };
                let b = i16::from(prior[i]);
                let c = if i >= bpp {
                    i16::from(prior[i - bpp])
                } else {
                    0
                };
                let p = a + b - c;
                let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                let pred = if pa <= pb && pa <= pc {
                    a
                } else if pb <= pc {
                    b
                } else {
                    c
                };
                row[i] = row[i].wrapping_add(pred as u8);
            }
        }
        f => return Err(FilterError::Invalid(format!("okänd PNG-filtertyp {f}"))),
    }
    Ok(())
}

/// TIFF predictor 2 on one row: each sample is the difference from the same component of the pixel before.
fn tiff_row(row: &mut [u8], colors: usize, bpc: usize) {
    match bpc {
        8 => {
            for i in colors..row.len() {
                row[i] = row[i].wrapping_add(row[i - colors]);
            }
        }
        16 => {
            let step = 2 * colors;
            for i in (step..row.len().saturating_sub(1)).step_by(2) {
                let prev = u16::from_be_bytes([row[i - step], row[i - step + 1]]);
                let cur = u16::from_be_bytes([row[i], row[i + 1]]);
                row[i..i + 2].copy_from_slice(&cur.wrapping_add(prev).to_be_bytes());
            }
        }
        1 | 2 | 4 => {
            let samples = row.len() * 8 / bpc;
            let mask = (1u16 << bpc) - 1;
            let get = |row: &[u8], s: usize| {
                let bit = s * bpc;
                (u16::from(row[bit / 8]) >> (8 - bpc - bit % 8)) & mask
            };
            for s in colors..samples {
                let v = (get(row, s) + get(row, s - colors)) & mask;
                let bit = s * bpc;
                let shift = 8 - bpc - bit % 8;
                row[bit / 8] = (row[bit / 8] & !((mask as u8) << shift)) | ((v as u8) << shift);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflate_stops_at_the_cap() {
        let zeros = vec![0u8; 1 << 20];
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&zeros, 9);
        assert_eq!(inflate(&packed, 1 << 20).unwrap().len(), 1 << 20);
        assert!(matches!(
            inflate(&packed, 1000),
            Err(FilterError::TooLarge(1000))
        ));
        let _ = inflate(b"not zlib at all", 1000);
    }

    #[test]
    fn png_predictors() {
        // Two rows of 3 grey pixels: Sub, then Up.
        let data = vec![1, 10, 5, 5, 2, 1, 1, 1];
        assert_eq!(
            unpredict(data, 15, 1, 8, 3).unwrap(),
            vec![10, 15, 20, 11, 16, 21]
        );
    }

    #[test]
    fn tiff_predictor() {
        assert_eq!(
            unpredict(vec![10, 5, 5, 1, 1, 1], 2, 1, 8, 3).unwrap(),
            vec![10, 15, 20, 1, 2, 3]
        );
    }

    #[test]
    fn lzw_round_trip_example() {
        // The example from the PDF reference: 45 45 45 45 45 65 45 45 45 66.
        let data = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        assert_eq!(
            lzw(&data, true, 100).unwrap(),
            vec![45, 45, 45, 45, 45, 65, 45, 45, 45, 66]
        );
    }

    #[test]
    fn lzw_long_stream_both_code_switches_and_cap() {
        // Long enough to fill the 4096-entry table, so the writer's clear codes are exercised too.
        let raw: Vec<u8> = (0..200_000u32).map(|i| ((i * 7919) >> 5) as u8).collect();
        let tiff_style = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(&raw)
            .unwrap();
        assert_eq!(lzw(&tiff_style, true, raw.len()).unwrap(), raw);
        let plain = weezl::encode::Encoder::new(weezl::BitOrder::Msb, 8)
            .encode(&raw)
            .unwrap();
        assert_eq!(lzw(&plain, false, raw.len()).unwrap(), raw);
        assert!(matches!(
            lzw(&tiff_style, true, raw.len() - 1),
            Err(FilterError::TooLarge(_))
        ));
        // Cut off before the end-of-data code: what was decoded, no error.
        let cut = lzw(&tiff_style[..tiff_style.len() / 2], true, raw.len()).unwrap();
        assert!(!cut.is_empty() && raw.starts_with(&cut));
    }

    #[test]
    fn ascii_filters() {
        assert_eq!(ascii_hex(b"48 65 6c6C6f>").unwrap(), b"Hello");
        assert_eq!(ascii85(b"87cURDZ~>", 100).unwrap(), b"Hello");
        assert_eq!(
            run_length(&[2, 1, 2, 3, 254, 7, 128], 100).unwrap(),
            vec![1, 2, 3, 7, 7, 7]
        );
    }
}
