//! Reading the characters of a comb field. Readers plug in per field: Tesseract for printed and typed text, and
//! (see the handwriting issue) a character classifier that answers per cell.

use crate::forms::definition::Charset;
use image::GrayImage;

/// One reading of one cell: candidate characters, most likely first, with probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct CellGuess {
    pub candidates: Vec<(char, f32)>,
}

impl CellGuess {
    pub fn best(&self) -> Option<(char, f32)> {
        self.candidates.first().copied()
    }
}

/// Reads the written cells of one comb field. `cells` are the upright interiors of the cells that hold ink, in
/// order, on white. Returns one guess per cell, or None when the reader cannot say (then the field is left for a
/// person with its crop).
pub trait CharReader {
    fn read(&mut self, cells: &[GrayImage], charset: Charset, paper: u8) -> Option<Vec<CellGuess>>;
}

/// The characters a charset admits, as written in boxes (capitals only).
pub fn alphabet(charset: Charset) -> &'static str {
    match charset {
        Charset::Digits => "0123456789",
        Charset::Letters => "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ-",
        Charset::Text => "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ0123456789-.,/&'",
    }
}
