//! QR symbols drawn as vector rectangles: crisp at any printer resolution, and a few hundred bytes a symbol.

use super::draw::{self, MM};
use crate::forms::page::Rect;
use pdf_writer::Content;
use qrcode::{Color, EcLevel, QrCode, Version};

/// Dark modules of the smallest symbol that holds `data`, preferring `version` so that the module size on paper
/// stays what the page furniture was designed for.
pub fn modules(data: &[u8], level: EcLevel, version: Option<i16>) -> Option<(usize, Vec<bool>)> {
    let code = version
        .and_then(|v| QrCode::with_version(data, Version::Normal(v), level).ok())
        .or_else(|| QrCode::with_error_correction_level(data, level).ok())?;
    let width = code.width();
    Some((
        width,
        code.to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    ))
}

/// Draws the symbol into `area` (without quiet zone; the caller keeps the surroundings white). Each row's runs of
/// dark modules become one rectangle, so a version-2 symbol is about 150 rectangles.
pub fn draw(content: &mut Content, area: &Rect, width: usize, dark: &[bool]) {
    let module = area.w / width as f32;
    content.set_fill_gray(0.0);
    for row in 0..width {
        let cells = &dark[row * width..(row + 1) * width];
        let mut col = 0;
        while col < width {
            if !cells[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && cells[col] {
                col += 1;
            }
            // Rows overlap by a hair so that rasterisers leave no white seams between them.
            let top = area.y + row as f32 * module;
            content.rect(
                draw::x(area.x + start as f32 * module),
                draw::y(top + module) - 0.01,
                (col - start) as f32 * module * MM,
                module * MM + 0.02,
            );
        }
    }
    content.fill_nonzero();
}
