//! The Hershey fonts in the JHF format of Debian's `hershey-fonts-data`: single-stroke vector glyphs, one record
//! per character from space (32) to tilde (126).
//!
//! A record is a 5-character glyph number, a 3-character count of coordinate pairs, then the pairs, each
//! coordinate a character whose distance from `R` is the value. The first pair is the glyph's left and right
//! extent; ` R` lifts the pen. Long records may continue on the next lines.

use std::path::Path;

/// Where Debian installs the fonts.
pub const DIR: &str = "/usr/share/hershey-fonts";

/// One glyph in font units: x to the right, y down, strokes as polylines.
#[derive(Debug, Clone, Default)]
pub struct Glyph {
    pub left: f32,
    pub right: f32,
    pub strokes: Vec<Vec<(f32, f32)>>,
}

#[derive(Debug, Clone)]
pub struct Font {
    /// Glyphs for characters 32..=126, by `char - 32`.
    glyphs: Vec<Glyph>,
    /// The top of a capital (`H`) and the baseline, in font units (y down).
    pub cap_top: f32,
    pub baseline: f32,
    /// The top of a lower-case x (for placing dots and rings on lower-case letters).
    pub x_top: f32,
}

impl Font {
    pub fn load(path: &Path) -> Result<Font, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Font::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Font, String> {
        let mut glyphs = Vec::with_capacity(96);
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim().is_empty() {
                continue;
            }
            let bytes = line.as_bytes();
            if bytes.len() < 8 {
                return Err(format!("short record {line:?}"));
            }
            let count: usize = std::str::from_utf8(&bytes[5..8])
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| format!("bad vertex count in {line:?}"))?;
            let mut data: Vec<u8> = bytes[8..].to_vec();
            while data.len() < 2 * count {
                match lines.next() {
                    Some(more) => data.extend_from_slice(more.as_bytes()),
                    None => return Err("record cut short".into()),
                }
            }
            if count == 0 {
                glyphs.push(Glyph::default());
                continue;
            }
            let v = |b: u8| f32::from(b) - f32::from(b'R');
            let mut glyph = Glyph {
                left: v(data[0]),
                right: v(data[1]),
                strokes: Vec::new(),
            };
            let mut current: Vec<(f32, f32)> = Vec::new();
            for pair in data[2..2 * count].chunks_exact(2) {
                if pair == b" R" {
                    if !current.is_empty() {
                        glyph.strokes.push(std::mem::take(&mut current));
                    }
                } else {
                    current.push((v(pair[0]), v(pair[1])));
                }
            }
            if !current.is_empty() {
                glyph.strokes.push(current);
            }
            glyphs.push(glyph);
        }
        if glyphs.len() < 95 {
            return Err(format!("{} glyphs, expected 95 or more", glyphs.len()));
        }
        let mut font = Font {
            glyphs,
            cap_top: -12.0,
            baseline: 9.0,
            x_top: -5.0,
        };
        if let Some((top, bottom)) = font.get('H').and_then(y_extent) {
            font.cap_top = top;
            font.baseline = bottom;
        }
        if let Some((top, _)) = font.get('x').and_then(y_extent) {
            font.x_top = top;
        }
        Ok(font)
    }

    /// The glyph of a printable ASCII character.
    pub fn get(&self, c: char) -> Option<&Glyph> {
        let code = c as u32;
        if !(32..=126).contains(&code) {
            return None;
        }
        self.glyphs.get((code - 32) as usize)
    }

    /// The height of a capital in font units.
    pub fn cap_height(&self) -> f32 {
        (self.baseline - self.cap_top).max(1.0)
    }
}

fn y_extent(g: &Glyph) -> Option<(f32, f32)> {
    let ys = g.strokes.iter().flatten().map(|p| p.1);
    let (mut lo, mut hi) = (f32::MAX, f32::MIN);
    for y in ys {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    (lo <= hi).then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_including_continuations() {
        // Space, then `!` split over two lines.
        let mut text = String::from("12345  1JZ\n12345  9MWRFRT RRYQZ\nR[SZRY\n");
        for _ in 0..93 {
            text.push_str("12345  6JZNFNM RVFVM\n");
        }
        let font = Font::parse(&text).unwrap();
        let bang = font.get('!').unwrap();
        assert_eq!(bang.strokes.len(), 2);
        assert_eq!(bang.strokes[0], vec![(0.0, -12.0), (0.0, 2.0)]);
        assert_eq!(bang.strokes[1].len(), 5);
        assert_eq!((bang.left, bang.right), (-5.0, 5.0));
        assert!(font.get(' ').unwrap().strokes.is_empty());
    }
}
