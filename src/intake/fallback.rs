//! Identification when neither QR code can be read (fax at normal resolution, a coffee stain): the corner marks
//! place the page (the larger top-left mark tells which way up it lies), and the form ID and "sida x av y" are read
//! as printed text. The check character of the ID makes a misread ID fail rather than point at another form.

use super::decode::ScanPage;
use super::geometry::Affine;
use super::read::cells;
use super::read::ocr::Tesseract;
use crate::formid::{ALPHABET, FormId};
use crate::forms::page::{self, Corner, Rect};
use image::GrayImage;

/// A dark, solid, squarish blob: centre and side in pixels.
#[derive(Debug, Clone, Copy)]
struct Blob {
    cx: f64,
    cy: f64,
    side: f64,
}

fn blobs_in(
    img: &GrayImage,
    x0: u32,
    y0: u32,
    w: u32,
    h: u32,
    min_side: f64,
    max_side: f64,
) -> Vec<Blob> {
    let threshold = 110u8;
    let stride = img.width() as usize;
    let raw = img.as_raw();
    let (ww, wh) = (w as usize, h as usize);
    let mut seen = vec![false; ww * wh];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for sy in 0..wh {
        for sx in 0..ww {
            let i = sy * ww + sx;
            if seen[i] || raw[(y0 as usize + sy) * stride + x0 as usize + sx] > threshold {
                continue;
            }
            seen[i] = true;
            stack.push((sx, sy));
            let (mut n, mut sumx, mut sumy) = (0usize, 0f64, 0f64);
            let (mut minx, mut maxx, mut miny, mut maxy) = (sx, sx, sy, sy);
            while let Some((cx, cy)) = stack.pop() {
                n += 1;
                sumx += cx as f64;
                sumy += cy as f64;
                minx = minx.min(cx);
                maxx = maxx.max(cx);
                miny = miny.min(cy);
                maxy = maxy.max(cy);
                for (nx, ny) in [
                    (cx.wrapping_sub(1), cy),
                    (cx + 1, cy),
                    (cx, cy.wrapping_sub(1)),
                    (cx, cy + 1),
                ] {
                    if nx < ww && ny < wh {
                        let j = ny * ww + nx;
                        if !seen[j]
                            && raw[(y0 as usize + ny) * stride + x0 as usize + nx] <= threshold
                        {
                            seen[j] = true;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            let (bw, bh) = ((maxx - minx + 1) as f64, (maxy - miny + 1) as f64);
            let side = (n as f64).sqrt();
            if side >= min_side
                && side <= max_side
                && bw / bh > 0.6
                && bh / bw > 0.6
                && n as f64 / (bw * bh) > 0.6
            {
                out.push(Blob {
                    cx: x0 as f64 + sumx / n as f64,
                    cy: y0 as f64 + sumy / n as f64,
                    side,
                });
            }
        }
    }
    out
}

/// Places the page by its corner marks alone. Returns the map from form millimetres to pixels.
pub fn place_by_marks(page: &ScanPage) -> Option<Affine> {
    let img = &page.image;
    let px_mm = f64::from(page.dpi) / 25.4;
    let win = ((35.0 * px_mm) as u32)
        .min(img.width() / 2)
        .min(img.height() / 2);
    let (w, h) = img.dimensions();
    // Image corners in the order top-left, top-right, bottom-right, bottom-left.
    let windows = [(0, 0), (w - win, 0), (w - win, h - win), (0, h - win)];
    let corners = [
        (0.0, 0.0),
        (f64::from(w), 0.0),
        (f64::from(w), f64::from(h)),
        (0.0, f64::from(h)),
    ];
    let mut found = Vec::new();
    for (i, &(x, y)) in windows.iter().enumerate() {
        let blobs = blobs_in(img, x, y, win, win, 3.5 * px_mm, 10.0 * px_mm);
        let nearest = blobs.into_iter().min_by(|a, b| {
            let da = (a.cx - corners[i].0).hypot(a.cy - corners[i].1);
            let db = (b.cx - corners[i].0).hypot(b.cy - corners[i].1);
            da.total_cmp(&db)
        })?;
        found.push(nearest);
    }
    // The printed top-left mark is the largest; the marks follow it clockwise as the image corners do.
    let big = (0..4).max_by(|&a, &b| found[a].side.total_cmp(&found[b].side))?;
    let sizes: Vec<f64> = found.iter().map(|b| b.side).collect();
    let others = sizes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != big)
        .map(|(_, s)| *s)
        .fold(0.0, f64::max);
    if sizes[big] < others * 1.25 {
        return None;
    }
    let order = [
        Corner::TopLeft,
        Corner::TopRight,
        Corner::BottomRight,
        Corner::BottomLeft,
    ];
    let mut pairs = Vec::new();
    for k in 0..4 {
        let blob = found[(big + k) % 4];
        let mark = page::CORNER_MARKS.iter().find(|m| m.corner == order[k])?;
        let (mx, my) = mark.rect.center();
        pairs.push(((f64::from(mx), f64::from(my)), (blob.cx, blob.cy)));
    }
    let t = Affine::fit(&pairs)?;
    (t.residual_px(&pairs) / t.scale() < 1.5).then_some(t)
}

/// What the printed text says: the form ID and page x of y.
pub struct TextIdentity {
    pub id: FormId,
    pub page: Option<(u32, u32)>,
    pub transform: Affine,
}

pub fn read_printed_identity(page: &ScanPage, ocr: &mut Tesseract) -> Option<TextIdentity> {
    let t = place_by_marks(page)?;
    let scale = t.scale().max(8.0);
    let id_alphabet: String = ALPHABET
        .iter()
        .map(|&b| char::from(b))
        .chain(['-'])
        .collect();
    // The ID under the upper QR code, and again in the footer.
    let (right, top) = page::ID_TEXT_TOP;
    let id_box = Rect::new(right - 45.0, top + 0.6, 46.0, 5.6);
    let id_img = cells::crop(&page.image, &t, &id_box, (0.0, 0.0), scale);
    let id = ocr
        .read_line(&id_img, &id_alphabet)
        .and_then(|(text, _)| FormId::parse(&text).ok());
    let footer_box = Rect::new(
        page::CONTENT_RIGHT - 110.0,
        page::FOOTER_BASELINE - 3.4,
        111.0,
        4.8,
    );
    let footer_img = cells::crop(&page.image, &t, &footer_box, (0.0, 0.0), scale);
    let footer = ocr
        .read_line(&footer_img, "")
        .map(|(text, _)| text)
        .unwrap_or_default();
    let id = id.or_else(|| {
        footer
            .split_whitespace()
            .find_map(|w| FormId::parse(w).ok())
    })?;
    Some(TextIdentity {
        id,
        page: parse_page_of(&footer),
        transform: t,
    })
}

/// "sida 2 av 3" -> (2, 3).
fn parse_page_of(footer: &str) -> Option<(u32, u32)> {
    let words: Vec<&str> = footer.split_whitespace().collect();
    let i = words.iter().position(|w| w.eq_ignore_ascii_case("sida"))?;
    let page = words.get(i + 1)?.parse().ok()?;
    let of = words
        .get(i + 3)?
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    (words.get(i + 2)? == &"av" && page >= 1 && page <= of).then_some((page, of))
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_of_is_parsed() {
        assert_eq!(
            super::parse_page_of("Klinisk anmälan · version 1 · KA1-7GQ4-M2XD-P · sida 2 av 3"),
            Some((2, 3))
        );
        assert_eq!(super::parse_page_of("sida 4 av 3"), None);
        assert_eq!(super::parse_page_of("ingenting"), None);
    }
}
