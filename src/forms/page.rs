//! The fixed furniture of every page: A4, corner marks, the two QR zones, the address window, header and
//! footer bands. Field layout must keep clear of all of it; intake finds pages by it.

use serde::Serialize;

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
/// Left and right edges of the area fields are laid out in.
pub const CONTENT_LEFT: f32 = 15.0;
pub const CONTENT_RIGHT: f32 = 195.0;
/// Below this the footer band and the lower QR code begin.
pub const BODY_BOTTOM: f32 = 262.0;
/// Where the body starts on the first page of a main form (under the address window) and on other pages.
pub const BODY_TOP_FIRST: f32 = 80.0;
pub const BODY_TOP_OTHER: f32 = 38.0;

/// The side of a QR symbol, without its quiet zone. A version-2 symbol (25 modules) at 0.8 mm a module.
pub const QR_SIZE: f32 = 20.0;
/// Four modules of quiet zone around each symbol, as the QR standard asks.
pub const QR_QUIET: f32 = 3.2;

/// A rectangle in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> f32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
    pub fn grow(&self, by: f32) -> Rect {
        Rect::new(
            self.x - by,
            self.y - by,
            self.w + 2.0 * by,
            self.h + 2.0 * by,
        )
    }
    /// True if the interiors overlap (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        const EPS: f32 = 1e-3;
        self.x < other.right() - EPS
            && other.x < self.right() - EPS
            && self.y < other.bottom() - EPS
            && other.y < self.bottom() - EPS
    }
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f32 = 1e-3;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.right() <= self.right() + EPS
            && other.bottom() <= self.bottom() + EPS
    }
    pub fn center(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// A solid square near a page corner. The top-left one is larger, so orientation is known without the QR.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CornerMark {
    pub corner: Corner,
    pub rect: Rect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

pub const CORNER_MARKS: [CornerMark; 4] = [
    CornerMark {
        corner: Corner::TopLeft,
        rect: Rect::new(8.0, 8.0, 8.0, 8.0),
    },
    CornerMark {
        corner: Corner::TopRight,
        rect: Rect::new(197.0, 8.0, 5.0, 5.0),
    },
    CornerMark {
        corner: Corner::BottomLeft,
        rect: Rect::new(8.0, 284.0, 5.0, 5.0),
    },
    CornerMark {
        corner: Corner::BottomRight,
        rect: Rect::new(197.0, 284.0, 5.0, 5.0),
    },
];

/// The two QR symbols of every page: top right and bottom left, diagonally apart, so that a staple in the top-left
/// corner, a torn corner or the fold of a C5 envelope (at 148.5 mm) never takes both.
pub const QR_ZONES: [Rect; 2] = [
    Rect::new(170.0, 8.0, QR_SIZE, QR_SIZE),
    Rect::new(20.0, 267.0, QR_SIZE, QR_SIZE),
];

/// The data QR codes of a form filled in on screen (`render::filled`): up to two square symbols side by side in
/// the footer band, right of the lower ID QR code and its quiet zone (x 16.8–43.2) and left of the footer text
/// (right-aligned to x = 195). The first zone is clear of the footer of every form; the second is free on filled
/// pages, whose footer moves a long title up (`render::overlay::footer_lines`); pages printed before that used it
/// only where the footer line left it free, so a reader looks in both. Each symbol is
/// at most QR version 8 (49 modules), so a module is at least [`DATA_QR_MIN_MODULE`]: readable at 200 dpi and by
/// fax. The band under y = [`BODY_BOTTOM`] is free of boxes, so the symbols keep their quiet zone
/// ([`DATA_QR_QUIET`]) on every page of every form.
pub const DATA_QR_ZONES: [Rect; 2] = [
    Rect::new(43.5, 264.0, DATA_QR_SIZE, DATA_QR_SIZE),
    Rect::new(70.5, 264.0, DATA_QR_SIZE, DATA_QR_SIZE),
];
/// The side of a data QR symbol, without its quiet zone.
pub const DATA_QR_SIZE: f32 = 24.5;
/// The smallest module a data QR symbol may have, in millimetres.
pub const DATA_QR_MIN_MODULE: f32 = 0.5;
/// Quiet zone around each data QR symbol: four modules of the smallest size.
pub const DATA_QR_QUIET: f32 = 2.0;

/// The recipient's address on the first page, inside the window of a C5 envelope with a right-hand window
/// (Swedish H2 placement) when the A4 sheet is folded once.
pub const ADDRESS_WINDOW: Rect = Rect::new(112.0, 44.0, 88.0, 30.0);

/// Where the clear-text form ID is printed under the upper QR code (right-aligned to its right edge).
pub const ID_TEXT_TOP: (f32, f32) = (190.0, 32.5);
/// Baseline of the footer line (form, version, ID, page x of y), right of the lower QR code.
pub const FOOTER_BASELINE: f32 = 286.0;

/// Areas no box may touch on a page.
pub fn reserved_zones(first_page_of_main: bool) -> Vec<(&'static str, Rect)> {
    let mut zones = vec![
        (
            "hörnmarkering uppe till vänster",
            CORNER_MARKS[0].rect.grow(2.0),
        ),
        (
            "hörnmarkering uppe till höger",
            CORNER_MARKS[1].rect.grow(2.0),
        ),
        (
            "hörnmarkering nere till vänster",
            CORNER_MARKS[2].rect.grow(2.0),
        ),
        (
            "hörnmarkering nere till höger",
            CORNER_MARKS[3].rect.grow(2.0),
        ),
        ("QR-kod uppe", QR_ZONES[0].grow(QR_QUIET)),
        ("QR-kod nere", QR_ZONES[1].grow(QR_QUIET)),
        (
            "sidfot",
            Rect::new(0.0, BODY_BOTTOM, PAGE_W, PAGE_H - BODY_BOTTOM),
        ),
    ];
    let header_bottom = if first_page_of_main {
        BODY_TOP_FIRST
    } else {
        BODY_TOP_OTHER
    };
    zones.push(("sidhuvud", Rect::new(0.0, 0.0, PAGE_W, header_bottom)));
    if first_page_of_main {
        zones.push(("adressfönster", ADDRESS_WINDOW));
    }
    zones
}

/// The area every box must lie in: what printers reliably print, inside the corner marks.
pub const PRINTABLE: Rect = Rect::new(10.0, 10.0, 190.0, 277.0);
