//! Stage 2: which copy, which page, and where on the image the page lies. One chain of strategies, tried in this
//! order until one places the page:
//!
//! 1. [`qr`]: the page stamp in either QR code, and the symbols' corners for a first map that the corner marks
//!    refine (`align`).
//! 2. [`grid`]: no symbol that rqrr finds (a dark or dithered fax): the corner marks place the page
//!    ([`marks`]) and the ID symbol is sampled module by module where that map puts it.
//! 3. [`text`]: no QR code at all: the corner marks place the page and Tesseract reads the printed ID and
//!    "sida x av y".
//!
//! A page none of them places goes to the queue for a person, with the reasons.

pub mod grid;
pub mod marks;
pub mod qr;
pub mod text;

pub use qr::{Identification, Identified, QrHit, identify, zone_corners_mm};

use super::align::{self, Alignment};
use super::decode::ScanPage;
use super::read::Readers;
use crate::formid::{FormId, PageStamp};
use crate::forms::{Form, Registry};

/// A page identified and aligned.
pub struct Located {
    pub stamp: PageStamp,
    /// 0, 90, 180 or 270 degrees counter-clockwise.
    pub orientation: u16,
    pub alignment: Alignment,
}

/// What the text strategy needs besides the page: the form definitions, and the forms a copy with an ID was
/// issued with (main form first), since the printed text names the copy's page but not its definition.
pub struct Context<'a> {
    pub registry: &'static Registry,
    pub composition: &'a dyn Fn(&FormId, &'static Form) -> Vec<&'static Form>,
}

/// Runs the chain. The error says why the page could not be placed.
pub fn locate(
    page: &ScanPage,
    ctx: &Context<'_>,
    readers: &mut Readers,
) -> Result<Located, String> {
    let reason = match qr::identify(page) {
        // The page says who it is: a page that then does not align is not guessed at by other means.
        Identification::Identified(id) => {
            let alignment = align::align(page, &id.qr_pairs())?;
            return Ok(Located {
                stamp: id.stamp,
                orientation: id.orientation,
                alignment,
            });
        }
        Identification::Unidentified { reason } => reason,
    };
    if let Some(found) = grid::locate(page) {
        return Ok(found);
    }
    if let Some(found) = readers
        .printed()
        .and_then(|ocr| text::locate(page, ctx, ocr))
    {
        return Ok(found);
    }
    Err(format!("{reason}; id-texten kunde inte heller läsas"))
}
