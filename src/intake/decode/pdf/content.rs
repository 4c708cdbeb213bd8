//! Just enough of a content-stream interpreter to tell a scanned page (one image covering the page, perhaps
//! under invisible OCR text, perhaps inside a form XObject) from anything else. Iterative, with bounded state.

use super::{CONTENT_CAP, number, stream_bytes};
use lopdf::{Dictionary, Document, Object, ObjectId};

pub(super) struct Placement {
    pub image: ObjectId,
    /// Maps the image's unit square to default user space.
    pub ctm: [f64; 6],
}

const IDENTITY: [f64; 6] = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
const MAX_FORM_DEPTH: u32 = 4;
const MAX_SAVE_DEPTH: usize = 64;

/// The one image a page shows, if it shows exactly one image and paints nothing else visible.
pub(super) fn single_image(
    doc: &Document,
    content: &[u8],
    resources: Option<&Dictionary>,
) -> Option<Placement> {
    let mut walk = Walk {
        doc,
        found: None,
        images: 0,
    };
    walk.run(content, resources, IDENTITY, 0).ok()?;
    if walk.images == 1 { walk.found } else { None }
}

/// Stop: the page is not a plain scan.
struct NotAScan;

struct Walk<'a> {
    doc: &'a Document,
    found: Option<Placement>,
    images: usize,
}

enum Operand<'c> {
    Num(f64),
    Name(&'c [u8]),
    Other,
}

impl Walk<'_> {
    fn run(
        &mut self,
        content: &[u8],
        resources: Option<&Dictionary>,
        base: [f64; 6],
        depth: u32,
    ) -> Result<(), NotAScan> {
        let mut lexer = Lexer {
            data: content,
            pos: 0,
        };
        let mut operands: Vec<Operand> = Vec::new();
        let mut ctm = base;
        let mut text_mode = 0i64;
        let mut saved: Vec<([f64; 6], i64)> = Vec::new();
        while let Some(token) = lexer.next() {
            let op = match token {
                Token::Num(v) => {
                    push(&mut operands, Operand::Num(v));
                    continue;
                }
                Token::Name(n) => {
                    push(&mut operands, Operand::Name(n));
                    continue;
                }
                Token::Other => {
                    push(&mut operands, Operand::Other);
                    continue;
                }
                Token::Op(op) => op,
            };
            let nums: Vec<f64> = operands
                .iter()
                .rev()
                .take(6)
                .map_while(|o| {
                    if let Operand::Num(v) = o {
                        Some(*v)
                    } else {
                        None
                    }
                })
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            match op {
                b"q" => {
                    if saved.len() >= MAX_SAVE_DEPTH {
                        return Err(NotAScan);
                    }
                    saved.push((ctm, text_mode));
                }
                b"Q" => {
                    if let Some((c, t)) = saved.pop() {
                        (ctm, text_mode) = (c, t);
                    }
                }
                b"cm" if nums.len() == 6 => {
                    ctm = multiply(
                        &[nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]],
                        &ctm,
                    );
                }
                b"Tr" => text_mode = nums.last().map_or(0, |&v| v as i64),
                b"Do" => {
                    let Some(Operand::Name(name)) = operands.last() else {
                        return Err(NotAScan);
                    };
                    self.draw(name, resources, ctm, depth)?;
                }
                // Filling, stroking, shading, inline images: visible marks that are not the scan.
                b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" | b"S" | b"s" | b"sh" | b"BI"
                | b"EI" | b"ID" => {
                    return Err(NotAScan);
                }
                // Showing text is fine only when it is invisible (modes 3 and 7): the OCR layer of a scan.
                b"Tj" | b"TJ" | b"'" | b"\"" if text_mode != 3 && text_mode != 7 => {
                    return Err(NotAScan);
                }
                _ => {}
            }
            operands.clear();
        }
        Ok(())
    }

    fn draw(
        &mut self,
        name: &[u8],
        resources: Option<&Dictionary>,
        ctm: [f64; 6],
        depth: u32,
    ) -> Result<(), NotAScan> {
        let doc = self.doc;
        let xobjects = resources
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
            .ok_or(NotAScan)?;
        let id = xobjects
            .get(name)
            .and_then(Object::as_reference)
            .map_err(|_| NotAScan)?;
        let stream = doc
            .get_object(id)
            .and_then(Object::as_stream)
            .map_err(|_| NotAScan)?;
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => {
                self.images += 1;
                if self.images > 1 {
                    return Err(NotAScan);
                }
                self.found = Some(Placement { image: id, ctm });
                Ok(())
            }
            Ok(b"Form") if depth < MAX_FORM_DEPTH => {
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .and_then(Object::as_array)
                    .ok()
                    .map(|a| a.iter().filter_map(|o| number(doc, o)).collect::<Vec<_>>())
                    .filter(|m| m.len() == 6)
                    .map_or(IDENTITY, |m| [m[0], m[1], m[2], m[3], m[4], m[5]]);
                let inner = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok())
                    .or(resources);
                let content = stream_bytes(doc, stream, CONTENT_CAP).map_err(|_| NotAScan)?;
                self.run(&content, inner, multiply(&matrix, &ctm), depth + 1)
            }
            _ => Err(NotAScan),
        }
    }
}

fn push<'c>(operands: &mut Vec<Operand<'c>>, o: Operand<'c>) {
    if operands.len() >= 32 {
        operands.remove(0);
    }
    operands.push(o);
}

/// `m` × `n` for PDF matrices [a b c d e f] (row vectors: a point is mapped by `m` first, then `n`).
pub(super) fn multiply(m: &[f64; 6], n: &[f64; 6]) -> [f64; 6] {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

enum Token<'c> {
    Num(f64),
    Name(&'c [u8]),
    Op(&'c [u8]),
    /// Strings, arrays and dictionaries (their delimiters), booleans: operands this walk does not use.
    Other,
}

struct Lexer<'c> {
    data: &'c [u8],
    pos: usize,
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'c> Lexer<'c> {
    fn next(&mut self) -> Option<Token<'c>> {
        let d = self.data;
        loop {
            while self.pos < d.len() && is_white(d[self.pos]) {
                self.pos += 1;
            }
            if d.get(self.pos) == Some(&b'%') {
                while self.pos < d.len() && d[self.pos] != b'\n' && d[self.pos] != b'\r' {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        let c = *d.get(self.pos)?;
        let start = self.pos;
        match c {
            b'/' => {
                self.pos += 1;
                let name_start = self.pos;
                self.regular();
                Some(Token::Name(&d[name_start..self.pos]))
            }
            b'(' => {
                let mut level = 0usize;
                while self.pos < d.len() {
                    match d[self.pos] {
                        b'\\' => self.pos += 1,
                        b'(' => level += 1,
                        b')' => {
                            level -= 1;
                            if level == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                Some(Token::Other)
            }
            b'<' if d.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Some(Token::Other)
            }
            b'<' => {
                self.pos = d[self.pos..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(d.len(), |p| self.pos + p + 1);
                Some(Token::Other)
            }
            b'>' => {
                self.pos += if d.get(self.pos + 1) == Some(&b'>') {
                    2
                } else {
                    1
                };
                Some(Token::Other)
            }
            b'[' | b']' | b'{' | b'}' | b')' => {
                self.pos += 1;
                Some(Token::Other)
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                self.regular();
                let text = std::str::from_utf8(&d[start..self.pos]).ok();
                Some(
                    text.and_then(|t| t.parse::<f64>().ok())
                        .map_or(Token::Other, Token::Num),
                )
            }
            _ => {
                self.regular();
                Some(Token::Op(&d[start..self.pos]))
            }
        }
    }

    fn regular(&mut self) {
        while self.pos < self.data.len()
            && !is_white(self.data[self.pos])
            && !is_delimiter(self.data[self.pos])
        {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_operators_and_operands() {
        let mut lx = Lexer {
            data: b"q 595.3 0 0 -842 0 842 cm /Im0 Do Q (a\\)b) Tj [1 (x)] TJ % note\n<</A 1>> BDC",
            pos: 0,
        };
        let mut ops = Vec::new();
        while let Some(t) = lx.next() {
            if let Token::Op(o) = t {
                ops.push(String::from_utf8_lossy(o).into_owned());
            }
        }
        assert_eq!(ops, ["q", "cm", "Do", "Q", "Tj", "TJ", "BDC"]);
    }

    #[test]
    fn matrices_compose() {
        let scale = [2.0, 0.0, 0.0, 3.0, 0.0, 0.0];
        let shift = [1.0, 0.0, 0.0, 1.0, 10.0, 20.0];
        // Scale first, then shift.
        assert_eq!(multiply(&scale, &shift), [2.0, 0.0, 0.0, 3.0, 10.0, 20.0]);
        // Shift first, then scale.
        assert_eq!(multiply(&shift, &scale), [2.0, 0.0, 0.0, 3.0, 20.0, 60.0]);
    }
}
