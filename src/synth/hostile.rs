//! Hostile files for the abuse tests and probes: small files that decode to a great deal. Written as they
//! stream, so making a 1 GiB bomb takes a megabyte of memory.
//!
//! - [`png_bomb`]: a PNG of `side` x `side` pixels, 16-bit RGBA, all zero (10950 x 10950 is under the pixel
//!   limit and 959 MB decoded, in a file of about 930 KB).
//! - [`shared_stream_pdf`]: a PDF whose pages all draw one Flate content stream that unpacks to `unpacked`
//!   bytes of spaces.

use miniz_oxide::deflate::core::{CompressorOxide, create_comp_flags_from_zip_params};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::{MZFlush, MZStatus};

/// zlib data of `len` copies of `byte`, compressed at the highest level as it streams.
pub fn zlib_of_repeated(byte: u8, len: u64) -> Vec<u8> {
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(9, 15, 0));
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let chunk = vec![byte; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = (len - done).min(chunk.len() as u64) as usize;
        let flush = if done + n as u64 == len {
            MZFlush::Finish
        } else {
            MZFlush::None
        };
        let mut input = &chunk[..n];
        loop {
            let r = deflate(&mut compressor, input, &mut buf, flush);
            out.extend_from_slice(&buf[..r.bytes_written]);
            input = &input[r.bytes_consumed..];
            match r.status {
                Ok(MZStatus::StreamEnd) => return out,
                Ok(_) if input.is_empty() && (flush != MZFlush::Finish) => break,
                Ok(_) => {}
                Err(_) => return out,
            }
        }
        done += n as u64;
    }
}

/// A PNG, `side` x `side`, 16-bit RGBA, all zero (transparent black).
pub fn png_bomb(side: u32) -> Vec<u8> {
    let row = 1 + u64::from(side) * 8;
    let total = row * u64::from(side);
    // Every row: filter byte 0 (None), then zeros; all of it zero.
    let idat = zlib_of_repeated(0, total);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]); // 16 bits, RGBA, deflate, filter 0, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    for part in idat.chunks(1 << 20) {
        chunk(&mut png, b"IDAT", part);
    }
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PDF of `pages` A4 pages that all draw one content stream: `unpacked` bytes of spaces, Flate-compressed.
pub fn shared_stream_pdf(pages: usize, unpacked: u64) -> Vec<u8> {
    let content = zlib_of_repeated(b' ', unpacked);
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1: catalog, 2: pages, 3: the shared content, 4..: the pages.
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + i)).collect();
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    let mut stream = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        content.len()
    )
    .into_bytes();
    stream.extend_from_slice(&content);
    stream.extend_from_slice(b"\nendstream");
    objects.push(stream);
    for _ in 0..pages {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 3 0 R >>"
                .to_vec(),
        );
    }
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
