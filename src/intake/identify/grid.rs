//! The second strategy, when rqrr finds no QR symbol (a dark or dithered fax at 98 lines per inch): the corner
//! marks place the page ([`super::marks`]), and the ID symbol is sampled module by module where that map puts it
//! ([`crate::intake::qr_grid`]).

use super::{Located, marks};
use crate::formid::PageStamp;
use crate::intake::align;
use crate::intake::decode::ScanPage;
use crate::intake::qr_grid;

pub fn locate(page: &ScanPage) -> Option<Located> {
    let placed = marks::place_by_marks(page)?;
    let alignment = marks::alignment(page, placed);
    let stamp = crate::forms::page::QR_ZONES.iter().find_map(|zone| {
        let text = qr_grid::read_symbol(&page.image, &alignment.transform, zone, 1..=4, &|t| {
            PageStamp::decode(t).is_some()
        })?;
        PageStamp::decode(&text)
    })?;
    Some(Located {
        stamp,
        orientation: align::orientation(&alignment.transform),
        alignment,
    })
}
