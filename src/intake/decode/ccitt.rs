//! CCITT fax decoding: T.4 one-dimensional (Modified Huffman, with or without EOLs), T.4 two-dimensional (mixed
//! lines chosen by a tag bit) and T.6 (Group 4), built on the `fax` crate's code tables. The `fax` crate's own
//! decoders cover Group 4 and Group 3 1-D with EOLs only; PDF and TIFF also use 2-D Group 3, MH without EOLs,
//! byte-aligned lines and damaged lines, so the line logic is here.
//!
//! Lines are handed out as lists of changing elements: positions where the colour changes, starting with white,
//! so that even entries start black runs and odd entries start white runs.

use fax::BitReader;
use fax::maps::{Mode, black, mode, white};

/// How a CCITT stream is coded, from PDF `/DecodeParms` or TIFF tags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    /// < 0: Group 4; 0: Group 3 one-dimensional; > 0: Group 3 mixed one- and two-dimensional.
    pub k: i32,
    pub columns: u32,
    /// The number of lines expected; missing lines at the end are white.
    pub rows: u32,
    /// Lines (not EOLs) start on a byte boundary.
    pub byte_align: bool,
    /// EOL codes precede the lines (their fill bits are skipped wherever they are).
    pub end_of_line: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CcittError {
    Invalid { row: u32 },
    Uncompressed { row: u32 },
    NoData,
}

impl CcittError {
    pub fn reason(&self) -> String {
        match self {
            CcittError::Invalid { row } => format!("ogiltig CCITT-kod på rad {}", row + 1),
            CcittError::Uncompressed { row } => {
                format!(
                    "CCITT-data använder okomprimerat läge (rad {}), som inte stöds",
                    row + 1
                )
            }
            CcittError::NoData => "CCITT-data saknas".to_string(),
        }
    }
}

enum LineError {
    Invalid,
    Uncompressed,
    /// An EOL where a line should start: the end of a Group 4 block.
    EndOfBlock,
}

/// Decode `data`, calling `line(row, changes)` for each of the `params.rows` lines in order. Lines after the end
/// of the data are white. Damaged lines in a Group 3 stream with EOLs are replaced by the line before (as fax
/// machines do) as long as they are few. Returns the number of lines that came from the data.
pub(crate) fn decode(
    data: &[u8],
    params: &Params,
    mut line: impl FnMut(u32, &[u32]),
) -> Result<u32, CcittError> {
    let columns = params.columns;
    let mut bits = Bits {
        data,
        pos: 0,
        end: data.len() * 8,
    };
    let mut previous: Vec<u32> = Vec::new();
    let mut current: Vec<u32> = Vec::new();
    let mut row = 0;
    let mut from_data = 0;
    let mut damaged = 0;
    let max_damaged = (params.rows / 10).max(8);
    let mut seen_eol = false;
    while row < params.rows {
        if params.byte_align && (params.k < 0 || !params.end_of_line) {
            bits.align();
        }
        let eols = bits.skip_fill_and_eols(params.k > 0);
        seen_eol |= eols > 0;
        if eols >= 2 || bits.at_end() {
            break; // RTC, EOFB or the end of the data
        }
        let two_d = match params.k {
            k if k < 0 => true,
            0 => false,
            _ => bits.take_bit() == 0,
        };
        let result = if two_d {
            decode_2d(&mut bits, &previous, &mut current, columns)
        } else {
            decode_1d(&mut bits, &mut current, columns)
        };
        match result {
            Ok(()) => {}
            Err(LineError::EndOfBlock) => break,
            Err(LineError::Uncompressed) => return Err(CcittError::Uncompressed { row }),
            Err(LineError::Invalid) if bits.remaining() < 32 => break, // a cut-off tail
            Err(LineError::Invalid) if params.k >= 0 && seen_eol && damaged < max_damaged => {
                damaged += 1;
                bits.skip_to_eol();
                line(row, &previous);
                row += 1;
                continue;
            }
            Err(LineError::Invalid) => return Err(CcittError::Invalid { row }),
        }
        line(row, &current);
        std::mem::swap(&mut previous, &mut current);
        row += 1;
        from_data += 1;
    }
    if from_data == 0 {
        return Err(CcittError::NoData);
    }
    while row < params.rows {
        line(row, &[]);
        row += 1;
    }
    Ok(from_data)
}

/// One run of one colour: make-up codes followed by a terminating code.
fn run(bits: &mut Bits, is_white: bool) -> Option<u32> {
    let mut sum: u32 = 0;
    loop {
        let n = u32::from(if is_white {
            white::decode(bits)?
        } else {
            black::decode(bits)?
        });
        sum = sum.checked_add(n)?;
        if n < 64 {
            return Some(sum);
        }
    }
}

fn decode_1d(bits: &mut Bits, current: &mut Vec<u32>, columns: u32) -> Result<(), LineError> {
    current.clear();
    let mut a0 = 0u32;
    let mut is_white = true;
    while a0 < columns {
        let n = run(bits, is_white).ok_or(LineError::Invalid)?;
        a0 = a0.saturating_add(n).min(columns);
        current.push(a0);
        is_white = !is_white;
    }
    Ok(())
}

fn decode_2d(
    bits: &mut Bits,
    reference: &[u32],
    current: &mut Vec<u32>,
    columns: u32,
) -> Result<(), LineError> {
    current.clear();
    let end = i64::from(columns);
    // Changing elements of the reference line; past its end, the imaginary changes at the line's end.
    let r = |i: usize| reference.get(i).map_or(end, |&v| i64::from(v));
    // a0 starts on an imaginary white element before the line.
    let mut a0: i64 = -1;
    let mut is_white = true;
    let mut bi = 0usize;
    while a0 < end {
        // b1: the first change on the reference line right of a0 to the colour opposite a0's; b2: the next.
        while bi > 0 && r(bi - 1) > a0 {
            bi -= 1;
        }
        while r(bi) <= a0 {
            bi += 1;
        }
        if bi.is_multiple_of(2) != is_white {
            bi += 1;
        }
        let b1 = r(bi);
        let b2 = r(bi + 1);
        match mode::decode(bits).ok_or(LineError::Invalid)? {
            Mode::Pass => {
                a0 = b2;
                bi += 2;
            }
            Mode::Horizontal => {
                let start = a0.max(0);
                let r1 = i64::from(run(bits, is_white).ok_or(LineError::Invalid)?);
                let r2 = i64::from(run(bits, !is_white).ok_or(LineError::Invalid)?);
                let a1 = (start + r1).min(end);
                let a2 = (a1 + r2).min(end);
                current.push(a1 as u32);
                current.push(a2 as u32);
                a0 = a2;
            }
            Mode::Vertical(delta) => {
                let a1 = b1 + i64::from(delta);
                if a1 < 0 || a1 > end || a1 < a0 {
                    return Err(LineError::Invalid);
                }
                current.push(a1 as u32);
                a0 = a1;
                is_white = !is_white;
            }
            Mode::Extension => return Err(LineError::Uncompressed),
            Mode::EOF if a0 < 0 && current.is_empty() => return Err(LineError::EndOfBlock),
            Mode::EOF => return Err(LineError::Invalid),
        }
    }
    Ok(())
}

/// Fill a row of pixels from a line's changing elements.
pub(crate) fn paint(row: &mut [u8], changes: &[u32], white_value: u8, black_value: u8) {
    row.fill(white_value);
    let w = row.len();
    for pair in changes.chunks(2) {
        let start = (pair[0] as usize).min(w);
        let stop = pair.get(1).map_or(w, |&v| (v as usize).min(w));
        if start < stop {
            row[start..stop].fill(black_value);
        }
    }
}

/// Bits of a byte slice, most significant first. Peeking past the end reads zeros as long as at least one real
/// bit is left, so that a code at the very end can be read.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl Bits<'_> {
    fn peek_bits(&self, n: u8) -> u16 {
        let byte = self.pos >> 3;
        let window = if byte + 3 <= self.data.len() {
            u32::from(self.data[byte]) << 16
                | u32::from(self.data[byte + 1]) << 8
                | u32::from(self.data[byte + 2])
        } else {
            (0..3).fold(0u32, |v, i| {
                v << 8 | u32::from(self.data.get(byte + i).copied().unwrap_or(0))
            })
        };
        let aligned = (window << (self.pos & 7)) & 0xFF_FFFF;
        (aligned >> (24 - u32::from(n))) as u16
    }

    fn at_end(&self) -> bool {
        self.pos >= self.end
    }

    fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    fn align(&mut self) {
        self.pos = (self.pos + 7) & !7;
    }

    fn take_bit(&mut self) -> u16 {
        let b = self.peek_bits(1);
        self.pos += 1;
        b
    }

    /// Skip fill bits and EOL codes before a line; returns how many EOLs were passed. Nine or more zero bits can
    /// start no code, so they are fill before an EOL. In 2-D Group 3 each EOL carries a tag bit, so an EOL, a
    /// tag bit and another EOL are part of one RTC.
    fn skip_fill_and_eols(&mut self, tagged: bool) -> u32 {
        let mut eols = 0;
        while !self.at_end() {
            let v = self.peek_bits(12);
            if v == 1 {
                self.pos += 12;
                eols += 1;
                if tagged && self.remaining() >= 13 && self.peek_bits(13) & 0xFFF == 1 {
                    self.pos += 1;
                }
            } else if v < 8 {
                self.pos += 1;
            } else {
                break;
            }
        }
        eols
    }

    /// After a damaged line: move to the next EOL without taking it.
    fn skip_to_eol(&mut self) {
        while !self.at_end() && self.peek_bits(12) != 1 {
            self.pos += 1;
        }
    }
}

impl BitReader for Bits<'_> {
    type Error = ();

    fn peek(&self, bits: u8) -> Option<u16> {
        (bits <= 16 && !self.at_end()).then(|| self.peek_bits(bits))
    }

    fn consume(&mut self, bits: u8) -> Result<(), ()> {
        self.pos += usize::from(bits);
        Ok(())
    }

    fn bits_to_byte_boundary(&self) -> u8 {
        ((8 - (self.pos & 7)) & 7) as u8
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use fax::{BitWriter, Bits as Code, Color, VecWriter, encoder::Encoder};

    /// A test image: rectangles, lines and single pixels, so that every coding mode occurs.
    pub(crate) fn sample(width: u32, height: u32, seed: u32) -> Vec<Vec<bool>> {
        let mut rng = seed.wrapping_mul(2_654_435_761).max(1);
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            rng
        };
        let mut img = vec![vec![false; width as usize]; height as usize];
        for _ in 0..40 {
            let x0 = next() % width;
            let y0 = next() % height;
            let w = next() % (width / 3).max(1) + 1;
            let h = next() % (height / 3).max(1) + 1;
            let hollow = next() % 2 == 0;
            for y in y0..(y0 + h).min(height) {
                for x in x0..(x0 + w).min(width) {
                    let edge = y == y0
                        || x == x0
                        || y + 1 == (y0 + h).min(height)
                        || x + 1 == (x0 + w).min(width);
                    if !hollow || edge {
                        img[y as usize][x as usize] ^= true;
                    }
                }
            }
        }
        for _ in 0..200 {
            let (x, y) = (next() % width, next() % height);
            img[y as usize][x as usize] = true;
        }
        img
    }

    fn colors(row: &[bool]) -> impl Iterator<Item = Color> + '_ {
        row.iter()
            .map(|&b| if b { Color::Black } else { Color::White })
    }

    pub(crate) fn encode_g4(img: &[Vec<bool>]) -> Vec<u8> {
        let width = img[0].len() as u32;
        let mut enc = Encoder::new(VecWriter::new());
        for row in img {
            enc.encode_line(colors(row), width).unwrap();
        }
        enc.finish().unwrap().finish()
    }

    fn write_run(w: &mut VecWriter, is_white: bool, mut n: u32) {
        let code = |n: u16| {
            if is_white {
                white::encode(n)
            } else {
                black::encode(n)
            }
            .unwrap()
        };
        while n >= 2560 {
            w.write(code(2560)).unwrap();
            n -= 2560;
        }
        if n >= 64 {
            w.write(code((n & !63) as u16)).unwrap();
            n &= 63;
        }
        w.write(code(n as u16)).unwrap();
    }

    fn write_1d(w: &mut VecWriter, row: &[bool]) {
        let mut is_white = true;
        let mut i = 0;
        while i < row.len() {
            let n = row[i..].iter().take_while(|&&b| b != is_white).count();
            write_run(w, is_white, n as u32);
            i += n;
            is_white = !is_white;
        }
        if row.is_empty() {
            write_run(w, true, 0);
        }
    }

    const EOL: Code = Code { data: 1, len: 12 };

    /// Modified Huffman: with an EOL before every line and an RTC, or byte-aligned lines without EOLs (TIFF 2).
    pub(crate) fn encode_mh(img: &[Vec<bool>], eols: bool) -> Vec<u8> {
        let mut w = VecWriter::new();
        for row in img {
            if eols {
                w.write(EOL).unwrap();
            }
            write_1d(&mut w, row);
            if !eols {
                w.pad();
            }
        }
        if eols {
            for _ in 0..6 {
                w.write(EOL).unwrap();
            }
        }
        w.finish()
    }

    /// Group 3 2-D (K > 0): every `k`th line one-dimensional, the others two-dimensional, an EOL and a tag bit
    /// before each, an RTC at the end. The 2-D lines come from the `fax` encoder, which is fed every line so that
    /// its reference line is right; its output for the 1-D lines is thrown away.
    pub(crate) fn encode_g3_2d(img: &[Vec<bool>], k: usize) -> Vec<u8> {
        let width = img[0].len() as u32;
        let mut out = VecWriter::new();
        let recorded = Recorder::default();
        let mut enc = Encoder::new(recorded.clone());
        for (i, row) in img.iter().enumerate() {
            enc.encode_line(colors(row), width).unwrap();
            let two_d = std::mem::take(&mut *recorded.0.borrow_mut());
            out.write(EOL).unwrap();
            if i % k == 0 {
                out.write(Code { data: 1, len: 1 }).unwrap();
                write_1d(&mut out, row);
            } else {
                out.write(Code { data: 0, len: 1 }).unwrap();
                for b in two_d {
                    out.write(b).unwrap();
                }
            }
        }
        for _ in 0..6 {
            out.write(EOL).unwrap();
            out.write(Code { data: 1, len: 1 }).unwrap();
        }
        out.finish()
    }

    /// The codes the encoder writes, shared so they can be taken line by line.
    #[derive(Default, Clone)]
    struct Recorder(std::rc::Rc<std::cell::RefCell<Vec<Code>>>);

    impl BitWriter for Recorder {
        type Error = std::convert::Infallible;
        fn write(&mut self, bits: Code) -> Result<(), Self::Error> {
            self.0.borrow_mut().push(bits);
            Ok(())
        }
    }

    fn decode_all(data: &[u8], params: Params) -> Vec<Vec<bool>> {
        let mut out = vec![vec![false; params.columns as usize]; params.rows as usize];
        decode(data, &params, |r, changes| {
            let mut px = vec![255u8; params.columns as usize];
            paint(&mut px, changes, 255, 0);
            out[r as usize] = px.iter().map(|&v| v == 0).collect();
        })
        .unwrap();
        out
    }

    fn params(k: i32, img: &[Vec<bool>]) -> Params {
        Params {
            k,
            columns: img[0].len() as u32,
            rows: img.len() as u32,
            byte_align: false,
            end_of_line: false,
        }
    }

    #[test]
    fn group4_round_trip() {
        for (w, h, seed) in [(64, 40, 1), (1728, 60, 2), (333, 77, 3), (8, 8, 4)] {
            let img = sample(w, h, seed);
            let data = encode_g4(&img);
            assert_eq!(decode_all(&data, params(-1, &img)), img, "{w}x{h}");
        }
    }

    #[test]
    fn group4_agrees_with_fax_crate() {
        let img = sample(500, 90, 9);
        let data = encode_g4(&img);
        let mut theirs = Vec::new();
        fax::decoder::decode_g4(data.iter().copied(), 500, Some(90), |t| {
            theirs.push(
                fax::decoder::pels(t, 500)
                    .map(|c| c == Color::Black)
                    .collect::<Vec<_>>(),
            )
        });
        assert_eq!(theirs, img);
        assert_eq!(decode_all(&data, params(-1, &img)), img);
    }

    #[test]
    fn group3_one_dimensional() {
        let img = sample(1728, 50, 5);
        let with_eols = encode_mh(&img, true);
        assert_eq!(
            decode_all(
                &with_eols,
                Params {
                    end_of_line: true,
                    ..params(0, &img)
                }
            ),
            img
        );
        let aligned = encode_mh(&img, false);
        assert_eq!(
            decode_all(
                &aligned,
                Params {
                    byte_align: true,
                    ..params(0, &img)
                }
            ),
            img
        );
    }

    #[test]
    fn group3_two_dimensional() {
        let img = sample(400, 64, 6);
        for k in [2, 4, 1000] {
            let data = encode_g3_2d(&img, k);
            assert_eq!(
                decode_all(
                    &data,
                    Params {
                        end_of_line: true,
                        ..params(k as i32, &img)
                    }
                ),
                img,
                "K={k}"
            );
        }
    }

    #[test]
    fn missing_lines_are_white_and_garbage_is_an_error() {
        let img = sample(100, 30, 7);
        let data = encode_g4(&img[..10]);
        let got = decode_all(&data, params(-1, &img));
        assert_eq!(&got[..10], &img[..10]);
        assert!(got[10..].iter().all(|r| r.iter().all(|&b| !b)));
        let p = params(-1, &img);
        assert!(decode(&[], &p, |_, _| {}).is_err());
        for seed in 0..200u32 {
            let junk: Vec<u8> = (0..300u32)
                .map(|i| (i.wrapping_mul(seed + 7) ^ (seed * 31)) as u8)
                .collect();
            for k in [-1, 0, 1] {
                let _ = decode(
                    &junk,
                    &Params {
                        k,
                        end_of_line: k >= 0,
                        ..p
                    },
                    |_, _| {},
                );
            }
        }
    }
}
