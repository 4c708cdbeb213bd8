//! The two typefaces every form is printed with, and their metrics.
//!
//! Both are subsets of Liberation Sans cut to the Windows-1252 repertoire (`scripts/subset-fonts.sh`), embedded
//! in the binary and in every PDF as simple TrueType fonts with WinAnsiEncoding. Layout needs the same widths as
//! the renderer, so both read them from here.

use std::sync::OnceLock;

const REGULAR_TTF: &[u8] = include_bytes!("../data/fonts/LiberationSans-Regular.subset.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../data/fonts/LiberationSans-Bold.subset.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    Regular,
    Bold,
}

/// Metrics of one face, in thousandths of the em, indexed by the WinAnsi code.
pub struct FontMetrics {
    pub face: Face,
    pub ttf: &'static [u8],
    pub postscript_name: &'static str,
    pub widths: [u16; 256],
    pub ascent: i16,
    pub descent: i16,
    pub cap_height: i16,
    pub bbox: [i16; 4],
    pub italic_angle: f32,
}

impl FontMetrics {
    fn load(face: Face) -> FontMetrics {
        let (ttf, postscript_name) = match face {
            Face::Regular => (REGULAR_TTF, "LiberationSans"),
            Face::Bold => (BOLD_TTF, "LiberationSans-Bold"),
        };
        // The font is part of the binary; failing to parse it is a build defect, not an input error.
        let parsed = ttf_parser::Face::parse(ttf, 0).expect("embedded font parses");
        let scale = 1000.0 / f32::from(parsed.units_per_em());
        let to_thousandths = |v: i16| (f32::from(v) * scale).round() as i16;
        let mut widths = [0u16; 256];
        for (code, width) in widths.iter_mut().enumerate() {
            if let Some(ch) = winansi_char(code as u8)
                && let Some(gid) = parsed.glyph_index(ch)
            {
                let advance = parsed.glyph_hor_advance(gid).unwrap_or(0);
                *width = (f32::from(advance) * scale).round() as u16;
            }
        }
        let bb = parsed.global_bounding_box();
        FontMetrics {
            face,
            ttf,
            postscript_name,
            widths,
            ascent: to_thousandths(parsed.ascender()),
            descent: to_thousandths(parsed.descender()),
            cap_height: to_thousandths(parsed.capital_height().unwrap_or(parsed.ascender())),
            bbox: [
                to_thousandths(bb.x_min),
                to_thousandths(bb.y_min),
                to_thousandths(bb.x_max),
                to_thousandths(bb.y_max),
            ],
            italic_angle: parsed.italic_angle(),
        }
    }

    /// Width of `text` at `size_pt`, in millimetres.
    pub fn width_mm(&self, text: &str, size_pt: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.widths[usize::from(encode_char(c).unwrap_or(b'?'))]))
            .sum();
        units as f32 / 1000.0 * size_pt * PT_TO_MM
    }

    /// Splits `text` into lines no wider than `max_mm`, breaking at spaces.
    pub fn wrap(&self, text: &str, size_pt: f32, max_mm: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if !line.is_empty() && self.width_mm(&candidate, size_pt) > max_mm {
                    lines.push(std::mem::replace(&mut line, word.to_string()));
                } else {
                    line = candidate;
                }
            }
            lines.push(line);
        }
        lines
    }
}

pub const PT_TO_MM: f32 = 25.4 / 72.0;

pub fn metrics(face: Face) -> &'static FontMetrics {
    static REGULAR: OnceLock<FontMetrics> = OnceLock::new();
    static BOLD: OnceLock<FontMetrics> = OnceLock::new();
    match face {
        Face::Regular => REGULAR.get_or_init(|| FontMetrics::load(Face::Regular)),
        Face::Bold => BOLD.get_or_init(|| FontMetrics::load(Face::Bold)),
    }
}

/// The character a WinAnsi (Windows-1252) code stands for.
pub fn winansi_char(code: u8) -> Option<char> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match code {
        0x20..=0x7E | 0xA0..=0xFF => Some(char::from(code)),
        0x80..=0x9F => match HIGH[usize::from(code - 0x80)] {
            0 => None,
            cp => char::from_u32(u32::from(cp)),
        },
        _ => None,
    }
}

/// The WinAnsi code of `c`, if the forms' typeface can print it.
pub fn encode_char(c: char) -> Option<u8> {
    let cp = u32::from(c);
    match cp {
        0x20..=0x7E | 0xA0..=0xFF => Some(cp as u8),
        _ => (0x80u8..=0x9F).find(|&code| winansi_char(code) == Some(c)),
    }
}

/// Encodes `text` for a WinAnsi font; characters it cannot print become `?`.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| encode_char(c).unwrap_or(b'?'))
        .collect()
}

/// The characters of `text` the forms' typeface cannot print, for validation messages.
pub fn unprintable(text: &str) -> Vec<char> {
    text.chars().filter(|&c| encode_char(c).is_none()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_have_widths() {
        let m = metrics(Face::Regular);
        for c in "åäöÅÄÖé–„”".chars() {
            let code = encode_char(c).expect("encodable");
            assert!(m.widths[usize::from(code)] > 0, "{c} has no glyph");
        }
        assert!(unprintable("Skriv en versal per ruta").is_empty());
        assert_eq!(unprintable("☐"), vec!['☐']);
    }

    #[test]
    fn wrap_respects_width() {
        let m = metrics(Face::Regular);
        let lines = m.wrap(
            "Skriv en versal eller siffra per ruta och kryssa tydligt i rutorna",
            9.0,
            40.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| m.width_mm(l, 9.0) <= 40.0));
    }
}
