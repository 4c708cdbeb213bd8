//! QR symbols drawn as vector rectangles: crisp at any printer resolution, and a few hundred bytes a symbol.

use super::draw::{self, MM};
use crate::forms::page::Rect;
use fast_qr::{ECL, QRBuilder, Version};
use pdf_writer::Content;
pub use qrcode::EcLevel;

/// Dark modules of the smallest symbol that holds `data`, preferring `version` so that the module size on paper
/// stays what the page furniture was designed for. Encoded with `fast_qr`, which chooses the mask pattern as the
/// standard asks about six times faster than `qrcode` (26 µs against 151 µs for a page stamp, measured with
/// `cargo run --release --example qr_cost`): two symbols on every page made that the largest cost of a copy.
pub fn modules(data: &[u8], level: EcLevel, version: Option<i16>) -> Option<(usize, Vec<bool>)> {
    let ecl = match level {
        EcLevel::L => ECL::L,
        EcLevel::M => ECL::M,
        EcLevel::Q => ECL::Q,
        EcLevel::H => ECL::H,
    };
    let build = |v: Option<Version>| {
        let mut builder = QRBuilder::new(data.to_vec());
        builder.ecl(ecl);
        if let Some(v) = v {
            builder.version(v);
        }
        builder.build().ok()
    };
    let code = version
        .and_then(fixed_version)
        .and_then(|v| build(Some(v)))
        .or_else(|| build(None))?;
    let width = code.size;
    Some((
        width,
        code.data[..width * width]
            .iter()
            .map(|m| m.value())
            .collect(),
    ))
}

fn fixed_version(v: i16) -> Option<Version> {
    use Version::*;
    const ALL: [Version; 40] = [
        V01, V02, V03, V04, V05, V06, V07, V08, V09, V10, V11, V12, V13, V14, V15, V16, V17, V18,
        V19, V20, V21, V22, V23, V24, V25, V26, V27, V28, V29, V30, V31, V32, V33, V34, V35, V36,
        V37, V38, V39, V40,
    ];
    usize::try_from(v)
        .ok()
        .and_then(|v| v.checked_sub(1))
        .and_then(|i| ALL.get(i).copied())
}

/// The runs of modules equal to `value` in each row: (row, first column, column after the last).
fn runs(
    dark: &[bool],
    width: usize,
    value: bool,
) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    (0..width).flat_map(move |row| {
        let cells = &dark[row * width..(row + 1) * width];
        let mut col = 0;
        std::iter::from_fn(move || {
            while col < width && cells[col] != value {
                col += 1;
            }
            if col == width {
                return None;
            }
            let start = col;
            while col < width && cells[col] == value {
                col += 1;
            }
            Some((row, start, col))
        })
    })
}

/// Draws the symbol into `area` (without quiet zone; the caller keeps the surroundings white). Each row's runs of
/// dark modules become one rectangle, so a version-2 symbol is about 150 rectangles.
pub fn draw(content: &mut Content, area: &Rect, width: usize, dark: &[bool]) {
    let module = area.w / width as f32;
    content.set_fill_gray(0.0);
    for (row, start, end) in runs(dark, width, true) {
        // Rows overlap by a hair so that rasterisers leave no white seams between them.
        let top = area.y + row as f32 * module;
        content.rect(
            draw::x(area.x + start as f32 * module),
            draw::y(top + module) - 0.01,
            (end - start) as f32 * module * MM,
            module * MM + 0.02,
        );
    }
    content.fill_nonzero();
}

/// Draws the symbol as [`draw`] does, then the light modules again in white, each run grown by `spread_mm` on
/// every side: the dark areas come out thinner by that much at every edge with a light module, and nowhere else
/// (no seams inside dark areas, which would break a finder pattern). Ink spreads on paper, and a dark fax at 98
/// lines per inch grows black by about a line: single light modules of the data symbols then close up and the
/// symbol no longer decodes. Printing them a little open is the usual print growth compensation; a reader that
/// samples the module centres (`intake::qr_grid`) sees the same symbol.
pub fn draw_compensated(
    content: &mut Content,
    area: &Rect,
    width: usize,
    dark: &[bool],
    spread_mm: f32,
) {
    draw(content, area, width, dark);
    let module = area.w / width as f32;
    content.set_fill_gray(1.0);
    for (row, start, end) in runs(dark, width, false) {
        let top = area.y + row as f32 * module - spread_mm;
        content.rect(
            draw::x(area.x + start as f32 * module - spread_mm),
            draw::y(top + module + 2.0 * spread_mm),
            ((end - start) as f32 * module + 2.0 * spread_mm) * MM,
            (module + 2.0 * spread_mm) * MM,
        );
    }
    content.fill_nonzero();
    content.set_fill_gray(0.0);
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_of_a_row_in_order() {
        // 4 x 4: rows "XX.X", "....", "XXXX", ".X.."
        let grid: Vec<bool> = "XX.X....XXXX.X..".chars().map(|c| c == 'X').collect();
        let dark: Vec<_> = runs(&grid, 4, true).collect();
        assert_eq!(dark, [(0, 0, 2), (0, 3, 4), (2, 0, 4), (3, 1, 2)]);
        let light: Vec<_> = runs(&grid, 4, false).collect();
        assert_eq!(light, [(0, 2, 3), (1, 0, 4), (3, 0, 1), (3, 2, 4)]);
    }
}
